/*
 * sim/kern/elf.c — ELF executable validation and the initial user stack.
 *
 * elf_parse() follows the System V gABI (ELF header, program headers), the
 * MIPS psABI (EM_MIPS, o32 e_flags) and the x86-64 psABI; the acceptance
 * rules are those of Linux's load_elf_binary() made stricter where Linux
 * trusts the file (every offset is checked against the file size).  The
 * header fields are read byte by byte in the file's byte order, never
 * through a cast of the buffer, so alignment and host byte order do not
 * matter.
 *
 * elf_build_stack() reproduces fs/exec.c (strings copied below the top)
 * and create_elf_tables() in fs/binfmt_elf.c (platform string, AT_RANDOM
 * bytes, STACK_ROUND to 16, argc/argv/envp/auxv), without randomisation:
 * vmsim is deterministic, so the only randomness is the caller's seeded
 * random16.
 */
#include "sim/kern/elf.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* e_ident[] indices and values (gABI "ELF Identification"). */
#define EI_MAG0		0
#define EI_CLASS	4	/* 1: ELF32, 2: ELF64 */
#define EI_DATA		5	/* 1: little-endian, 2: big-endian */
#define EI_VERSION	6	/* must be EV_CURRENT */
#define EI_NIDENT	16
#define ELFCLASS32	1
#define ELFCLASS64	2
#define ELFDATA2LSB	1
#define ELFDATA2MSB	2
#define EV_CURRENT	1

#define ET_EXEC		2	/* fixed-address executable */
#define ET_DYN		3	/* shared object / PIE */

#define EM_MIPS		8
#define EM_X86_64	62

/* MIPS e_flags (MIPS psABI; binutils include/elf/mips.h). */
#define EF_MIPS_ABI2		0x00000020	/* n32 */
#define EF_MIPS_ABI		0x0000f000	/* ABI field mask */
#define EF_MIPS_ABI_O32		0x00001000	/* o32 (0 also means o32) */

#define PT_NULL		0
#define PT_LOAD		1	/* loadable segment */
#define PT_DYNAMIC	2	/* dynamic section (static-PIE has one) */
#define PT_INTERP	3	/* program interpreter: dynamic linking */
#define PT_PHDR		6	/* the program header table itself */
#define PT_TLS		7	/* thread-local storage template */

#define PF_X		0x1	/* executable */
#define PF_W		0x2	/* writable */
#define PF_R		0x4	/* readable */

#define PN_XNUM		0xffff	/* e_phnum escape: real count elsewhere */

/* Sizes of the on-disk structures. */
#define EHDR32_SIZE	52
#define EHDR64_SIZE	64
#define PHDR32_SIZE	32
#define PHDR64_SIZE	56
#define SHDR32_SIZE	40
#define SHDR64_SIZE	64

/* A little reader over the file in its byte order. */
struct elf_rd {
	const uint8_t *buf;
	size_t len;
	bool be;
	bool is64;
};

static uint64_t
rd_uint(const struct elf_rd *r, uint64_t off, int n)
{
	uint64_t v = 0;
	int i;

	KASSERT(off <= r->len && (uint64_t)n <= r->len - off,
	    ("elf read of %d bytes at 0x%jx past 0x%zx", n, (uintmax_t)off,
	    r->len));
	for (i = 0; i < n; i++) {
		if (r->be)
			v = (v << 8) | r->buf[off + i];
		else
			v |= (uint64_t)r->buf[off + i] << (8 * i);
	}
	return (v);
}

#define RD16(r, o)	((uint16_t)rd_uint((r), (o), 2))
#define RD32(r, o)	((uint32_t)rd_uint((r), (o), 4))
#define RD64(r, o)	rd_uint((r), (o), 8)
/* An address-sized field: 4 bytes in ELF32, 8 in ELF64. */
#define RDADDR(r, o)	rd_uint((r), (o), (r)->is64 ? 8 : 4)

static int __attribute__((format(printf, 3, 4)))
elf_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return (-1);
}

/* One program header, widened. */
struct elf_phdr {
	uint32_t type, flags;
	uint64_t offset, vaddr, filesz, memsz, align;
};

static void
elf_phdr_read(const struct elf_rd *r, uint64_t off, struct elf_phdr *ph)
{
	if (r->is64) {
		ph->type = RD32(r, off + 0);
		ph->flags = RD32(r, off + 4);
		ph->offset = RD64(r, off + 8);
		ph->vaddr = RD64(r, off + 16);
		/* p_paddr at 24 is unused. */
		ph->filesz = RD64(r, off + 32);
		ph->memsz = RD64(r, off + 40);
		ph->align = RD64(r, off + 48);
	} else {
		ph->type = RD32(r, off + 0);
		ph->offset = RD32(r, off + 4);
		ph->vaddr = RD32(r, off + 8);
		/* p_paddr at 12 is unused. */
		ph->filesz = RD32(r, off + 16);
		ph->memsz = RD32(r, off + 20);
		ph->flags = RD32(r, off + 24);
		ph->align = RD32(r, off + 28);
	}
}

static vm_prot_t
elf_prot(uint32_t flags)
{
	vm_prot_t p = VM_PROT_NONE;

	if (flags & PF_R)
		p |= VM_PROT_READ;
	if (flags & PF_W)
		p |= VM_PROT_WRITE;
	if (flags & PF_X)
		p |= VM_PROT_EXECUTE;
	return (p);
}

/*
 * Check the ELF header; fill in arch, is_pie, entry, phnum, phentsize and
 * the reader's class/byte order.  *phoff_out gets e_phoff.
 */
static int
elf_header_check(struct elf_rd *r, struct elf_image *img,
    uint64_t *phoff_out, char *err, size_t errlen)
{
	const uint8_t *b = r->buf;
	uint64_t phoff, shoff, tabsz, shcount;
	uint32_t flags;
	uint16_t type, machine, ehsize, phentsize, phnum, shentsize, shnum;
	size_t hdrsz;

	if (r->len < EI_NIDENT)
		return (elf_err(err, errlen, "file too short for an ELF "
		    "header (%zu bytes)", r->len));
	if (b[EI_MAG0] != 0x7f || b[1] != 'E' || b[2] != 'L' || b[3] != 'F')
		return (elf_err(err, errlen, "not an ELF file (bad magic "
		    "%02x %02x %02x %02x)", b[0], b[1], b[2], b[3]));
	if (b[EI_CLASS] != ELFCLASS32 && b[EI_CLASS] != ELFCLASS64)
		return (elf_err(err, errlen, "bad ELF class %u in e_ident",
		    b[EI_CLASS]));
	if (b[EI_DATA] != ELFDATA2LSB && b[EI_DATA] != ELFDATA2MSB)
		return (elf_err(err, errlen, "bad ELF data encoding %u in "
		    "e_ident", b[EI_DATA]));
	if (b[EI_VERSION] != EV_CURRENT)
		return (elf_err(err, errlen, "bad ELF version %u in e_ident",
		    b[EI_VERSION]));
	r->is64 = b[EI_CLASS] == ELFCLASS64;
	r->be = b[EI_DATA] == ELFDATA2MSB;
	hdrsz = r->is64 ? EHDR64_SIZE : EHDR32_SIZE;
	if (r->len < hdrsz)
		return (elf_err(err, errlen, "file truncated inside the ELF "
		    "header (%zu of %zu bytes)", r->len, hdrsz));

	type = RD16(r, 16);
	machine = RD16(r, 18);
	if (RD32(r, 20) != EV_CURRENT)
		return (elf_err(err, errlen, "bad e_version %u",
		    RD32(r, 20)));
	if (r->is64) {
		img->entry = RD64(r, 24);
		phoff = RD64(r, 32);
		shoff = RD64(r, 40);
		flags = RD32(r, 48);
		ehsize = RD16(r, 52);
		phentsize = RD16(r, 54);
		phnum = RD16(r, 56);
		shentsize = RD16(r, 58);
		shnum = RD16(r, 60);
	} else {
		img->entry = RD32(r, 24);
		phoff = RD32(r, 28);
		shoff = RD32(r, 32);
		flags = RD32(r, 36);
		ehsize = RD16(r, 40);
		phentsize = RD16(r, 42);
		phnum = RD16(r, 44);
		shentsize = RD16(r, 46);
		shnum = RD16(r, 48);
	}

	/* Machine, class and byte order must name one of our ABIs. */
	if (machine == EM_MIPS) {
		if (r->is64)
			return (elf_err(err, errlen, "64-bit MIPS (ELF64) is "
			    "not supported: build for MIPS32 o32"));
		if ((flags & EF_MIPS_ABI2) != 0 ||
		    ((flags & EF_MIPS_ABI) != 0 &&
		    (flags & EF_MIPS_ABI) != EF_MIPS_ABI_O32))
			return (elf_err(err, errlen, "MIPS ABI in e_flags "
			    "0x%08x is not o32", flags));
		img->arch = r->be ? ARCH_MIPS : ARCH_MIPSEL;
	} else if (machine == EM_X86_64) {
		if (!r->is64)
			return (elf_err(err, errlen, "32-bit x86-64 (x32) "
			    "ELF is not supported"));
		if (r->be)
			return (elf_err(err, errlen, "big-endian x86-64 ELF "
			    "is invalid"));
		img->arch = ARCH_AMD64;
	} else
		return (elf_err(err, errlen, "unsupported machine e_machine=%u "
		    "(need MIPS (8) or x86-64 (62))", machine));

	if (type == ET_EXEC)
		img->is_pie = false;
	else if (type == ET_DYN)
		img->is_pie = true;
	else
		return (elf_err(err, errlen, "e_type %u is not an executable "
		    "(need ET_EXEC or ET_DYN)", type));

	if (ehsize < hdrsz)
		return (elf_err(err, errlen, "e_ehsize %u smaller than the "
		    "ELF header (%zu)", ehsize, hdrsz));

	/* The program header table must lie inside the file. */
	if (phentsize != (r->is64 ? PHDR64_SIZE : PHDR32_SIZE))
		return (elf_err(err, errlen, "e_phentsize %u is not %u",
		    phentsize, r->is64 ? PHDR64_SIZE : PHDR32_SIZE));
	if (phnum == 0)
		return (elf_err(err, errlen, "no program headers (e_phnum "
		    "is 0)"));
	if (phnum == PN_XNUM)
		return (elf_err(err, errlen, "e_phnum PN_XNUM (extended "
		    "numbering) is not supported"));
	tabsz = (uint64_t)phnum * phentsize;
	if (phoff > r->len || tabsz > r->len - phoff)
		return (elf_err(err, errlen, "program header table "
		    "(e_phoff 0x%jx + %u * %u) beyond end of file (0x%zx)",
		    (uintmax_t)phoff, phnum, phentsize, r->len));

	/*
	 * The section header table is not used for loading, but a file
	 * whose e_shoff points past its end is truncated or corrupt.  With
	 * e_shnum 0 and e_shoff set, the count lives in section 0, so at
	 * least that one entry must be present.
	 */
	if (shoff != 0) {
		if (shentsize != (r->is64 ? SHDR64_SIZE : SHDR32_SIZE))
			return (elf_err(err, errlen, "e_shentsize %u is not "
			    "%u", shentsize, r->is64 ? SHDR64_SIZE :
			    SHDR32_SIZE));
		shcount = shnum != 0 ? shnum : 1;
		if (shoff > r->len || shcount * shentsize > r->len - shoff)
			return (elf_err(err, errlen, "section header table "
			    "(e_shoff 0x%jx + %ju * %u) beyond end of file "
			    "(0x%zx): truncated file?", (uintmax_t)shoff,
			    (uintmax_t)shcount, shentsize, r->len));
	}

	img->phnum = phnum;
	img->phentsize = phentsize;
	*phoff_out = phoff;
	return (0);
}

int
elf_parse(const uint8_t *buf, size_t len, const struct elf_limits *lim,
    struct elf_image *img, char *err, size_t errlen)
{
	struct elf_rd r = { .buf = buf, .len = len };
	struct elf_phdr ph;
	struct elf_seg *s, *prev;
	uint64_t phoff = 0, tabsz, end, top;
	bool have_phdr = false, entry_ok = false;
	int i;

	KASSERT(buf != NULL || len == 0, ("elf_parse: NULL buffer"));
	KASSERT(lim != NULL, ("elf_parse: no limits"));
	memset(img, 0, sizeof(*img));
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (elf_header_check(&r, img, &phoff, err, errlen) != 0)
		return (-1);
	tabsz = (uint64_t)img->phnum * img->phentsize;
	top = 0;

	for (i = 0; i < img->phnum; i++) {
		elf_phdr_read(&r, phoff + (uint64_t)i * img->phentsize, &ph);
		switch (ph.type) {
		case PT_INTERP:
			return (elf_err(err, errlen, "dynamically linked "
			    "programs are not supported: link with -static "
			    "(program header %d is PT_INTERP)", i));
		case PT_PHDR:
			img->phdr_va = ph.vaddr;
			have_phdr = true;
			continue;
		case PT_TLS:
			if (ph.filesz > ph.memsz)
				return (elf_err(err, errlen, "program header "
				    "%d (PT_TLS): p_filesz (0x%jx) > p_memsz "
				    "(0x%jx)", i, (uintmax_t)ph.filesz,
				    (uintmax_t)ph.memsz));
			img->has_tls = true;
			img->tls_vaddr = ph.vaddr;
			img->tls_filesz = ph.filesz;
			img->tls_memsz = ph.memsz;
			img->tls_align = ph.align;
			continue;
		case PT_LOAD:
			break;
		default:
			/* PT_NULL, PT_DYNAMIC, PT_NOTE, PT_GNU_*, MIPS
			 * ABI flags...: nothing to load. */
			continue;
		}

		if (ph.filesz > ph.memsz)
			return (elf_err(err, errlen, "program header %d: "
			    "p_filesz (0x%jx) > p_memsz (0x%jx)", i,
			    (uintmax_t)ph.filesz, (uintmax_t)ph.memsz));
		if (ph.offset + ph.filesz < ph.offset)
			return (elf_err(err, errlen, "program header %d: "
			    "p_offset (0x%jx) + p_filesz (0x%jx) beyond end "
			    "of file (0x%zx)", i, (uintmax_t)ph.offset,
			    (uintmax_t)ph.filesz, len));
		if (ph.offset + ph.filesz > len)
			return (elf_err(err, errlen, "program header %d: "
			    "p_offset+p_filesz (0x%jx) beyond end of file "
			    "(0x%zx)", i, (uintmax_t)(ph.offset + ph.filesz),
			    len));
		if ((ph.vaddr & PAGE_MASK) != (ph.offset & PAGE_MASK))
			return (elf_err(err, errlen, "program header %d: "
			    "p_vaddr (0x%jx) and p_offset (0x%jx) differ "
			    "modulo the page size (0x%jx)", i,
			    (uintmax_t)ph.vaddr, (uintmax_t)ph.offset,
			    (uintmax_t)PAGE_SIZE));
		/* ELF32 addresses wrap at 2^32. */
		if (ph.vaddr + ph.memsz < ph.vaddr || (!r.is64 &&
		    ph.vaddr + ph.memsz > ((uint64_t)1 << 32)))
			return (elf_err(err, errlen, "program header %d: "
			    "p_vaddr (0x%jx) + p_memsz (0x%jx) wraps around",
			    i, (uintmax_t)ph.vaddr, (uintmax_t)ph.memsz));
		end = ph.vaddr + ph.memsz;
		if (end > lim->user_max ||
		    round_page(end) < end)
			return (elf_err(err, errlen, "program header %d: "
			    "segment [0x%jx, 0x%jx) above the user address "
			    "limit (0x%jx)", i, (uintmax_t)ph.vaddr,
			    (uintmax_t)end, (uintmax_t)lim->user_max));
		if (ph.memsz == 0)
			continue;	/* Linux maps nothing for it either */
		if (img->nsegs == ELF_SEGS_MAX)
			return (elf_err(err, errlen, "program header %d: more "
			    "than %d PT_LOAD segments", i, ELF_SEGS_MAX));

		if (img->nsegs > 0) {
			prev = &img->segs[img->nsegs - 1];
			if (ph.vaddr < prev->vaddr)
				return (elf_err(err, errlen, "program header "
				    "%d: PT_LOAD segments not sorted by "
				    "p_vaddr (0x%jx after 0x%jx)", i,
				    (uintmax_t)ph.vaddr,
				    (uintmax_t)prev->vaddr));
			/* Sharing a page is allowed; sharing bytes is not. */
			if (ph.vaddr < prev->vaddr + prev->memsz)
				return (elf_err(err, errlen, "program header "
				    "%d: PT_LOAD [0x%jx, 0x%jx) overlaps the "
				    "previous one [0x%jx, 0x%jx)", i,
				    (uintmax_t)ph.vaddr, (uintmax_t)end,
				    (uintmax_t)prev->vaddr,
				    (uintmax_t)(prev->vaddr + prev->memsz)));
		}
		s = &img->segs[img->nsegs++];
		s->vaddr = ph.vaddr;
		s->memsz = ph.memsz;
		s->offset = ph.offset;
		s->filesz = ph.filesz;
		s->prot = elf_prot(ph.flags);
		if (end > top)
			top = end;

		if (img->entry >= s->vaddr && img->entry < end &&
		    (s->prot & VM_PROT_EXECUTE) != 0)
			entry_ok = true;
		/* Linux (5.18+) finds AT_PHDR from the segment holding
		 * the table when there is no PT_PHDR. */
		if (!have_phdr && img->phdr_va == 0 && phoff >= s->offset &&
		    phoff - s->offset < s->filesz &&
		    tabsz <= s->filesz - (phoff - s->offset))
			img->phdr_va = s->vaddr + (phoff - s->offset);
	}

	if (img->nsegs == 0)
		return (elf_err(err, errlen, "no loadable segment (PT_LOAD)"));
	if (!entry_ok)
		return (elf_err(err, errlen, "entry point 0x%jx is not inside "
		    "an executable PT_LOAD segment", (uintmax_t)img->entry));
	/* XXX: without PT_PHDR and with the table outside every PT_LOAD,
	 * phdr_va stays 0 as on Linux; a static glibc then finds no TLS. */
	img->max_va = round_page(top);
	return (0);
}

/* ---- the initial stack ---- */

/* Store a word of the guest ABI at buf[off]. */
static void
stack_put_word(uint8_t *buf, size_t off, uint64_t v, size_t word, bool be)
{
	size_t i;

	for (i = 0; i < word; i++) {
		if (be)
			buf[off + word - 1 - i] = (uint8_t)(v >> (8 * i));
		else
			buf[off + i] = (uint8_t)(v >> (8 * i));
	}
}

/* Add n to *acc unless that passes limit; false when it would. */
static bool
stack_grow(uint64_t *acc, uint64_t n, uint64_t limit)
{
	if (n > limit || *acc > limit - n)
		return (false);
	*acc += n;
	return (true);
}

int
elf_build_stack(const struct stack_args *a, uint8_t *buf, size_t buflen,
    uint64_t stack_top, uint64_t *sp_out, size_t *used_out)
{
	const char *platform;
	uint64_t auxv[2 * 20];
	uint64_t need, limit, p, u_platform, u_random, u_execfn, sp, at;
	size_t word, n, naux, items, i, argv_slot, envp_slot, auxv_slot;
	bool be;

	KASSERT(a->argc >= 0 && a->envc >= 0, ("elf_build_stack: argc %d "
	    "envc %d", a->argc, a->envc));
	KASSERT(a->execfn != NULL, ("elf_build_stack: no execfn"));
	if (sim_arch_is_mips(a->arch)) {
		word = 4;
		be = a->arch == ARCH_MIPS;
		platform = "mips";
		KASSERT(stack_top <= ((uint64_t)1 << 32), ("elf_build_stack: "
		    "stack_top 0x%jx beyond 32 bits", (uintmax_t)stack_top));
	} else {
		word = 8;
		be = false;
		platform = "x86_64";
	}
	/* Nothing may go below address 0 or past the buffer. */
	limit = MIN((uint64_t)buflen, stack_top);

	/* Sizes first: strings, end marker, alignment, platform, random. */
	need = word;
	if (!stack_grow(&need, strlen(a->execfn) + 1, limit))
		return (-1);
	for (i = 0; i < (size_t)a->envc; i++)
		if (!stack_grow(&need, strlen(a->envp[i]) + 1, limit))
			return (-1);
	for (i = 0; i < (size_t)a->argc; i++)
		if (!stack_grow(&need, strlen(a->argv[i]) + 1, limit))
			return (-1);
	p = stack_top - need;
	/* arch_align_stack(): MIPS32 ALMASK is ~7, amd64 ~15. */
	p &= sim_arch_is_mips(a->arch) ? ~(uint64_t)7 : ~(uint64_t)15;
	need = stack_top - p;
	if (!stack_grow(&need, strlen(platform) + 1, limit) ||
	    !stack_grow(&need, 16, limit))
		return (-1);
	u_platform = p - (strlen(platform) + 1);
	u_random = u_platform - 16;

	/* Then the table: argc, argv + NULL, envp + NULL, auxv. */
	naux = 0;
#define AUX(t, v) do { auxv[naux++] = (t); auxv[naux++] = (v); } while (0)
	AUX(AT_HWCAP, 0);
	AUX(AT_PAGESZ, PAGE_SIZE);
	AUX(AT_CLKTCK, 100);
	AUX(AT_PHDR, a->phdr);
	AUX(AT_PHENT, a->phent);
	AUX(AT_PHNUM, a->phnum);
	AUX(AT_BASE, 0);
	AUX(AT_FLAGS, 0);
	AUX(AT_ENTRY, a->entry);
	AUX(AT_UID, a->uid);
	AUX(AT_EUID, a->uid);
	AUX(AT_GID, a->gid);
	AUX(AT_EGID, a->gid);
	AUX(AT_SECURE, 0);
	AUX(AT_RANDOM, u_random);
	AUX(AT_EXECFN, 0);	/* patched below once known */
	AUX(AT_PLATFORM, u_platform);
	AUX(AT_NULL, 0);
#undef AUX
	KASSERT(naux <= nitems(auxv), ("auxv overflow"));
	items = 1 + ((size_t)a->argc + 1) + ((size_t)a->envc + 1) + naux;
	if ((uint64_t)items > limit / word)
		return (-1);
	if (!stack_grow(&need, items * word, limit))
		return (-1);
	sp = (stack_top - need) & ~(uint64_t)15;	/* STACK_ROUND */
	need = stack_top - sp;
	if (need > limit)
		return (-1);

	/*
	 * Write.  Everything not written below is zero: the end marker, the
	 * alignment padding and the NULLs ending argv and envp.  Each string's
	 * pointer goes into its slot as the string is placed.
	 */
	memset(buf, 0, (size_t)need);
#define OFF(va) ((size_t)((va) - sp))
	argv_slot = word;				/* after argc */
	envp_slot = argv_slot + ((size_t)a->argc + 1) * word;
	auxv_slot = envp_slot + ((size_t)a->envc + 1) * word;
	at = stack_top - word;
	n = strlen(a->execfn) + 1;
	at -= n;
	u_execfn = at;
	memcpy(buf + OFF(at), a->execfn, n);
	for (i = (size_t)a->envc; i-- > 0;) {
		n = strlen(a->envp[i]) + 1;
		at -= n;
		memcpy(buf + OFF(at), a->envp[i], n);
		stack_put_word(buf, envp_slot + i * word, at, word, be);
	}
	for (i = (size_t)a->argc; i-- > 0;) {
		n = strlen(a->argv[i]) + 1;
		at -= n;
		memcpy(buf + OFF(at), a->argv[i], n);
		stack_put_word(buf, argv_slot + i * word, at, word, be);
	}
	memcpy(buf + OFF(u_platform), platform, strlen(platform) + 1);
	memcpy(buf + OFF(u_random), a->random16, 16);
	stack_put_word(buf, 0, (uint64_t)a->argc, word, be);
	for (i = 0; i < naux; i++) {
		if (i % 2 == 1 && auxv[i - 1] == AT_EXECFN)
			auxv[i] = u_execfn;
		stack_put_word(buf, auxv_slot + i * word, auxv[i], word, be);
	}
	KASSERT(sp + auxv_slot + naux * word <= u_random, ("stack table "
	    "0x%jx overlaps the random bytes at 0x%jx",
	    (uintmax_t)(sp + auxv_slot + naux * word), (uintmax_t)u_random));
#undef OFF

	*sp_out = sp;
	*used_out = (size_t)need;
	return (0);
}
