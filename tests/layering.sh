#!/bin/sh
# tests/layering.sh — the include rules of DESIGN.md section 1:
#   sim/base <- mmu <- vm <- sim/kern <- sim; cpu uses mmu and sim/base;
#   only cpu/ includes unicorn.h / capstone.h; only sim/ itself (not
#   sim/kern, sim/base) includes sqlite3.h / lua.h.
# usage: layering.sh [TREE]   Prints each violation; exits 1 if any.
top=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$top" || exit 2
out=$(mktemp)

# check DIR ALLOWED...: project includes of DIR's files (not its
# subfolders) must start with one of the ALLOWED folders.
check() {
	dir=$1; shift
	for f in $(find "$dir" -maxdepth 2 -name '*.[ch]' | sort); do
		grep -o '^#include "[^"]*"' "$f" | sed 's/#include "\(.*\)"/\1/' |
		while IFS= read -r inc; do
			case "$inc" in */*) ;; *) continue;; esac	# own folder
			ok=0
			for a in "$@"; do
				case "$inc" in "$a"/*) ok=1;; esac
			done
			[ $ok -eq 1 ] || echo "layering: $f includes \"$inc\" (allowed: $*)"
		done
	done
}
{
	check sim/base sim/base
	check mmu sim/base mmu
	check vm sim/base mmu vm
	check cpu sim/base mmu cpu
	check sim/kern sim/base mmu vm sim/kern
	for f in $(find sim mmu vm sim/kern -name '*.[ch]' | sort -u); do
		grep -qE '#include <(unicorn|capstone)/' "$f" &&
			echo "layering: $f includes Unicorn/Capstone (only cpu/ may)"
	done
	for f in $(find sim/base mmu vm cpu sim/kern -name '*.[ch]' | sort); do
		grep -qE '#include <(sqlite3|lua|lauxlib|lualib)\.h>' "$f" &&
			echo "layering: $f includes SQLite/Lua (only sim/ may)"
	done
} > "$out"
if [ -s "$out" ]; then
	cat "$out"
	rm -f "$out"
	exit 1
fi
rm -f "$out"
echo "layering: ok"
