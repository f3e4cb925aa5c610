#!/bin/sh
# tests/layering.sh — the include rules of DESIGN.md section 1:
#   sim/base <- mmu <- vm <- sim/kern <- sim; cpu uses mmu and sim/base;
#   only cpu/ includes unicorn.h / capstone.h; only sim/*.c and sim/*.h
#   (not sim/kern, sim/base) include sqlite3.h / lua.h.
# Prints each violation; exits 1 if there is any.
top=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$top" || exit 2
bad=0

# allowed project include prefixes per folder
check() {
	dir=$1; shift
	allowed="$*"
	for f in $(find "$dir" -maxdepth 2 -name '*.[ch]' | sort); do
		case "$dir" in sim) case "$f" in sim/kern/*|sim/base/*) continue;; esac;; esac
		case "$dir" in vm) ;; esac
		grep -n '^#include "' "$f" | while IFS= read -r line; do
			inc=$(printf '%s' "$line" | sed 's/.*#include "\([^"]*\)".*/\1/')
			ok=0
			for a in $allowed; do
				case "$inc" in "$a"/*|"$a") ok=1;; esac
			done
			# a folder's own headers by relative name
			case "$inc" in */*) ;; *) ok=1;; esac
			if [ $ok -eq 0 ]; then
				echo "layering: $f includes \"$inc\" (allowed: $allowed)"
				echo x >> "$tmp"
			fi
		done
	done
}
tmp=$(mktemp)
check sim/base sim/base
check mmu sim/base mmu
check vm sim/base mmu vm
check cpu sim/base mmu cpu
check sim/kern sim/base mmu vm sim/kern
for f in $(find sim/base mmu vm sim/kern -name '*.[ch]' | sort); do
	if grep -qE '#include <(unicorn|capstone)/' "$f"; then
		echo "layering: $f includes Unicorn/Capstone (only cpu/ may)"; echo x >> "$tmp"
	fi
done
for f in $(find sim/base mmu vm cpu sim/kern -name '*.[ch]' | sort); do
	if grep -qE '#include <(sqlite3|lua|lauxlib|lualib)\.h>' "$f"; then
		echo "layering: $f includes SQLite/Lua (only sim/ may)"; echo x >> "$tmp"
	fi
done
[ -s "$tmp" ] && bad=1
rm -f "$tmp"
[ $bad -eq 0 ] && echo "layering: ok"
exit $bad
