/*
 * sim/kern/elf.h — ELF executable parsing and the initial user stack.
 *
 * Models the checks and layout of Linux's fs/binfmt_elf.c (load_elf_binary,
 * create_elf_tables) and fs/exec.c for the two guest ABIs vmsim runs:
 * ELF32 MIPS o32 (either byte order) and ELF64 x86-64.  Formats follow the
 * System V gABI ("ELF Header", "Program Header") and the MIPS and x86-64
 * psABI supplements.  Only static executables are accepted: ET_EXEC, or
 * ET_DYN without PT_INTERP (static-PIE).
 *
 * Both halves are pure: elf_parse() reads a byte buffer and elf_build_stack()
 * writes one.  The caller (sim/kern/exec.c) maps the segments and copies the
 * stack image into the new address space.
 */
#ifndef SIM_KERN_ELF_H
#define SIM_KERN_ELF_H

#include "sim/base/base.h"

#include <stddef.h>
#include <stdint.h>

#define ELF_SEGS_MAX	16	/* most PT_LOAD segments an image may have */

/* What the parser must enforce beyond the file itself. */
struct elf_limits {
	uint64_t user_max;	/* every segment must end at or below this */
};

/* One PT_LOAD segment: [vaddr, vaddr+memsz), first filesz bytes from the
 * file at offset, the rest zero. */
struct elf_seg {
	uint64_t vaddr, memsz;
	uint64_t offset, filesz;
	vm_prot_t prot;		/* from p_flags PF_R/PF_W/PF_X */
};

/*
 * A parsed executable.  For ET_DYN (is_pie) every address below is
 * relative to the load bias the caller chooses: entry, phdr_va, the segment
 * vaddrs, tls_vaddr and max_va.
 */
struct elf_image {
	enum sim_arch arch;
	bool is_pie;		/* ET_DYN: addresses are bias-relative */
	uint64_t entry;
	uint64_t phdr_va;	/* program headers in memory (AT_PHDR), or 0 */
	uint16_t phnum, phentsize;
	int nsegs;		/* PT_LOADs with memsz > 0, ascending vaddr */
	struct elf_seg segs[ELF_SEGS_MAX];
	bool has_tls;		/* a PT_TLS was present */
	uint64_t tls_vaddr, tls_filesz, tls_memsz, tls_align;
	uint64_t max_va;	/* round_page(end of the highest segment): brk */
};

/*
 * elf_parse: validate the executable in buf[0, len) and describe it in
 * *img.  Every header field is checked against len before it is used, so a
 * truncated or hostile file is never read out of bounds.  Returns 0, or -1
 * with a one-line message in err (errlen bytes, always NUL-terminated)
 * naming the field at fault, e.g. "program header 2: p_offset+p_filesz
 * (0x2100) beyond end of file (0x2000)".  The message does not name the
 * file: the caller prefixes the path.
 *
 * Rules (beyond the obvious header fields): every PT_LOAD needs
 * p_filesz <= p_memsz, p_offset+p_filesz inside the file, p_vaddr and
 * p_offset congruent modulo PAGE_SIZE, and [p_vaddr, p_vaddr+p_memsz)
 * neither wrapping nor above lim->user_max; PT_LOADs come in ascending
 * p_vaddr order and do not overlap (they may share a page: the caller maps
 * such a page once); the entry point lies in an executable PT_LOAD; a
 * PT_INTERP (dynamically linked program) is refused.  For ET_DYN the
 * user_max check applies to the unbiased addresses; the caller checks
 * again after adding its bias.
 */
int elf_parse(const uint8_t *buf, size_t len, const struct elf_limits *lim,
    struct elf_image *img, char *err, size_t errlen);

/* The data elf_build_stack() lays out. */
struct stack_args {
	enum sim_arch arch;
	int argc;
	char *const *argv;	/* argc strings */
	int envc;
	char *const *envp;	/* envc strings */
	const char *execfn;	/* the path as passed to execve (AT_EXECFN) */
	uint64_t phdr, phent, phnum, entry;	/* AT_PHDR... AT_ENTRY, biased */
	uint64_t uid, gid;	/* AT_UID = AT_EUID, AT_GID = AT_EGID */
	uint8_t random16[16];	/* the bytes AT_RANDOM points at */
};

/*
 * elf_build_stack: lay out the initial user stack of a new process whose
 * stack ends (exclusive) at stack_top, exactly as Linux's exec does.  From
 * the top down:
 *
 *	stack_top - word:	a zero word (end marker)
 *				execfn string, envp strings, argv strings
 *				(argv[0] lowest), then align down (amd64 16,
 *				MIPS 8: arch_align_stack)
 *				platform string ("x86_64" / "mips")
 *				16 random bytes (AT_RANDOM)
 *				zero padding so that sp is 16-byte aligned
 *				auxv pairs ... AT_NULL, 0
 *				envp[0..envc-1], NULL
 *				argv[0..argc-1], NULL
 *	sp:			argc
 *
 * A word is 4 bytes in the arch's byte order on MIPS o32 and 8 bytes
 * little-endian on amd64.  The image is written to buf[0, *used_out) and
 * belongs at [stack_top - *used_out, stack_top); *sp_out is the initial
 * stack pointer (= stack_top - *used_out).  Returns 0, or -1 when the image
 * does not fit in buflen bytes or below stack_top (the caller returns
 * E2BIG).  The caller guarantees stack_top fits the arch's address width.
 */
int elf_build_stack(const struct stack_args *a, uint8_t *buf, size_t buflen,
    uint64_t stack_top, uint64_t *sp_out, size_t *used_out);

/* auxv types (Linux include/uapi/linux/auxvec.h), used by tests too. */
#define AT_NULL		0	/* end of vector */
#define AT_PHDR		3	/* program headers of the executable */
#define AT_PHENT	4	/* size of one program header */
#define AT_PHNUM	5	/* number of program headers */
#define AT_PAGESZ	6	/* system page size */
#define AT_BASE		7	/* interpreter base (0: none) */
#define AT_FLAGS	8	/* flags (0) */
#define AT_ENTRY	9	/* entry point of the executable */
#define AT_UID		11	/* real uid */
#define AT_EUID		12	/* effective uid */
#define AT_GID		13	/* real gid */
#define AT_EGID		14	/* effective gid */
#define AT_PLATFORM	15	/* string identifying the CPU */
#define AT_HWCAP	16	/* CPU capability bits */
#define AT_CLKTCK	17	/* times() frequency */
#define AT_SECURE	23	/* setuid-like exec */
#define AT_RANDOM	25	/* address of 16 random bytes */
#define AT_EXECFN	31	/* filename of the program */

#endif
