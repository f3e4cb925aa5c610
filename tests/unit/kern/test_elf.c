/*
 * tests/unit/kern/test_elf.c — elf_parse() on ELF images built by hand in
 * memory (ELF32 MIPS big- and little-endian, ELF64 x86-64): valid images
 * parse to the expected description, every malformed case is refused
 * with a message naming the problem, every truncation of a valid image is
 * refused, and seeded random corruption never reads out of bounds (run
 * under ASan).  elf_build_stack() images are decoded word by word for
 * mips, mipsel and amd64: argc, argv, envp, auxv (AT_RANDOM pointing at
 * the 16 bytes), the strings, alignment, an exact layout and E2BIG.
 */
#include "sim/base/base.h"
#include "sim/base/prng.h"
#include "sim/kern/elf.h"
#include "tests/tap.h"

#include <stdlib.h>
#include <string.h>

/* ---- building ELF images ---- */

#define PT_LOAD		1
#define PT_INTERP	3
#define PT_PHDR		6
#define PT_TLS		7
#define PT_GNU_STACK	0x6474e551
#define PF_X		1
#define PF_W		2
#define PF_R		4
#define EM_MIPS		8
#define EM_X86_64	62
#define EM_ARM		40

struct ph {
	uint32_t type, flags;
	uint64_t offset, vaddr, filesz, memsz, align;
};

struct img_spec {
	enum sim_arch arch;
	bool be, is64;
	uint16_t machine, type;
	uint32_t eflags;
	uint64_t entry;
	int nph;
	struct ph ph[20];
	size_t len;		/* file size */
};

static void
put(uint8_t *b, size_t off, uint64_t v, int n, bool be)
{
	int i;

	for (i = 0; i < n; i++)
		b[off + (be ? n - 1 - i : i)] = (uint8_t)(v >> (8 * i));
}

static size_t
ehsize(const struct img_spec *s)
{
	return (s->is64 ? 64 : 52);
}

static size_t
phentsize(const struct img_spec *s)
{
	return (s->is64 ? 56 : 32);
}

/* Write the image described by s into a new buffer of s->len bytes. */
static uint8_t *
build(const struct img_spec *s)
{
	uint8_t *b = calloc(1, s->len);
	size_t i, o, w = s->is64 ? 8 : 4;
	bool be = s->be;

	if (b == NULL)
		abort();
	memcpy(b, "\177ELF", 4);
	b[4] = s->is64 ? 2 : 1;
	b[5] = be ? 2 : 1;
	b[6] = 1;
	put(b, 16, s->type, 2, be);
	put(b, 18, s->machine, 2, be);
	put(b, 20, 1, 4, be);
	put(b, 24, s->entry, (int)w, be);
	put(b, 24 + w, ehsize(s), (int)w, be);		/* e_phoff */
	put(b, 24 + 2 * w, 0, (int)w, be);		/* e_shoff */
	o = 24 + 3 * w;
	put(b, o, s->eflags, 4, be);
	put(b, o + 4, ehsize(s), 2, be);
	put(b, o + 6, phentsize(s), 2, be);
	put(b, o + 8, (uint64_t)s->nph, 2, be);
	put(b, o + 10, s->is64 ? 64 : 40, 2, be);	/* e_shentsize */
	put(b, o + 12, 0, 2, be);
	put(b, o + 14, 0, 2, be);
	for (i = 0; i < (size_t)s->nph; i++) {
		const struct ph *p = &s->ph[i];

		o = ehsize(s) + i * phentsize(s);
		if (s->is64) {
			put(b, o, p->type, 4, be);
			put(b, o + 4, p->flags, 4, be);
			put(b, o + 8, p->offset, 8, be);
			put(b, o + 16, p->vaddr, 8, be);
			put(b, o + 24, p->vaddr, 8, be);
			put(b, o + 32, p->filesz, 8, be);
			put(b, o + 40, p->memsz, 8, be);
			put(b, o + 48, p->align, 8, be);
		} else {
			put(b, o, p->type, 4, be);
			put(b, o + 4, p->offset, 4, be);
			put(b, o + 8, p->vaddr, 4, be);
			put(b, o + 12, p->vaddr, 4, be);
			put(b, o + 16, p->filesz, 4, be);
			put(b, o + 20, p->memsz, 4, be);
			put(b, o + 24, p->flags, 4, be);
			put(b, o + 28, p->align, 4, be);
		}
	}
	return (b);
}

#define BASE	0x400000

/*
 * A typical static executable: text [BASE, BASE+0x1800) from offset 0
 * (holding the headers) and data+bss [BASE+0x12000, +0x3000) from offset
 * 0x2000, which runs to the end of the file.
 */
static struct img_spec
spec_default(enum sim_arch arch)
{
	struct img_spec s;

	memset(&s, 0, sizeof(s));
	s.arch = arch;
	s.be = arch == ARCH_MIPS;
	s.is64 = arch == ARCH_AMD64;
	s.machine = s.is64 ? EM_X86_64 : EM_MIPS;
	s.eflags = s.is64 ? 0 : 0x70001007;	/* o32, mips32r2, pic */
	s.type = 2;				/* ET_EXEC */
	s.entry = BASE + 0x100;
	s.nph = 3;
	s.ph[0] = (struct ph){ PT_LOAD, PF_R | PF_X, 0, BASE, 0x1800, 0x1800,
	    0x10000 };
	s.ph[1] = (struct ph){ PT_LOAD, PF_R | PF_W, 0x2000, BASE + 0x12000,
	    0x800, 0x3000, 0x10000 };
	s.ph[2] = (struct ph){ PT_GNU_STACK, PF_R | PF_W, 0, 0, 0, 0, 16 };
	s.len = 0x2800;
	return (s);
}

static const struct elf_limits lim32 = { .user_max = 0x80000000ull };
static const struct elf_limits lim64 = { .user_max = 0x800000000000ull };

static const struct elf_limits *
limits(const struct img_spec *s)
{
	return (s->is64 ? &lim64 : &lim32);
}

static int
parse(const struct img_spec *s, struct elf_image *img, char *err,
    size_t errlen)
{
	uint8_t *b = build(s);
	int rc;

	rc = elf_parse(b, s->len, limits(s), img, err, errlen);
	free(b);
	return (rc);
}

/* Expect a refusal whose message contains word. */
static void
expect_bad(const struct img_spec *s, const char *what, const char *word)
{
	struct elf_image img;
	char err[256];
	int rc;

	rc = parse(s, &img, err, sizeof(err));
	ok(rc == -1 && strstr(err, word) != NULL, "%s %s: refused: %s",
	    sim_arch_name(s->arch), what, rc == -1 ? err : "(accepted)");
}

static void
test_valid(enum sim_arch arch)
{
	struct img_spec s = spec_default(arch);
	struct elf_image img;
	char err[256];
	const char *an = sim_arch_name(arch);
	int rc;

	rc = parse(&s, &img, err, sizeof(err));
	ok(rc == 0, "%s: valid ET_EXEC parses (%s)", an, rc == 0 ? "" : err);
	if (rc != 0)
		return;
	ok(img.arch == arch && !img.is_pie && img.entry == BASE + 0x100,
	    "%s: arch, not PIE, entry", an);
	ok(img.phnum == 3 && img.phentsize == phentsize(&s),
	    "%s: phnum %u phentsize %u", an, img.phnum, img.phentsize);
	ok(img.phdr_va == BASE + ehsize(&s),
	    "%s: phdr_va computed from the PT_LOAD holding e_phoff: 0x%jx",
	    an, (uintmax_t)img.phdr_va);
	ok(img.nsegs == 2 &&
	    img.segs[0].vaddr == BASE && img.segs[0].memsz == 0x1800 &&
	    img.segs[0].offset == 0 && img.segs[0].filesz == 0x1800 &&
	    img.segs[0].prot == (VM_PROT_READ | VM_PROT_EXECUTE) &&
	    img.segs[1].vaddr == BASE + 0x12000 &&
	    img.segs[1].memsz == 0x3000 && img.segs[1].offset == 0x2000 &&
	    img.segs[1].filesz == 0x800 &&
	    img.segs[1].prot == (VM_PROT_READ | VM_PROT_WRITE),
	    "%s: two segments with offsets, sizes and protections", an);
	ok(img.max_va == BASE + 0x15000, "%s: max_va (brk) 0x%jx", an,
	    (uintmax_t)img.max_va);
	ok(!img.has_tls, "%s: no TLS", an);

	/* PT_PHDR wins; PT_TLS is described. */
	s.nph = 5;
	s.ph[3] = (struct ph){ PT_PHDR, PF_R, ehsize(&s), BASE + 0x777,
	    5 * phentsize(&s), 5 * phentsize(&s), 4 };
	s.ph[4] = (struct ph){ PT_TLS, PF_R, 0x2000, BASE + 0x12000, 0x10,
	    0x40, 16 };
	rc = parse(&s, &img, err, sizeof(err));
	ok(rc == 0 && img.phdr_va == BASE + 0x777 && img.has_tls &&
	    img.tls_vaddr == BASE + 0x12000 && img.tls_filesz == 0x10 &&
	    img.tls_memsz == 0x40 && img.tls_align == 16,
	    "%s: PT_PHDR and PT_TLS (%s)", an, rc == 0 ? "" : err);

	/* Static-PIE: ET_DYN at 0 with a PT_DYNAMIC. */
	s = spec_default(arch);
	s.type = 3;
	s.ph[0].vaddr = 0;
	s.ph[1].vaddr = 0x12000;
	s.ph[2] = (struct ph){ 2 /* PT_DYNAMIC */, PF_R | PF_W, 0x2000,
	    0x12000, 0x100, 0x100, 8 };
	s.entry = 0x100;
	rc = parse(&s, &img, err, sizeof(err));
	ok(rc == 0 && img.is_pie && img.entry == 0x100 &&
	    img.phdr_va == ehsize(&s) && img.max_va == 0x15000,
	    "%s: static-PIE (ET_DYN, no PT_INTERP) parses unbiased (%s)", an,
	    rc == 0 ? "" : err);

	/* Segments may share a page, as long as their bytes do not. */
	s = spec_default(arch);
	s.ph[1].offset = 0x1800;		/* same page as text's end */
	s.ph[1].vaddr = BASE + 0x1800;
	s.len = 0x1800 + 0x800;
	rc = parse(&s, &img, err, sizeof(err));
	ok(rc == 0 && img.nsegs == 2 && img.max_va == BASE + 0x5000,
	    "%s: adjacent segments sharing a page are accepted (%s)", an,
	    rc == 0 ? "" : err);

	/* A zero-size PT_LOAD is ignored. */
	s = spec_default(arch);
	s.ph[2] = (struct ph){ PT_LOAD, PF_R, 0, 0x100000, 0, 0, 0x1000 };
	rc = parse(&s, &img, err, sizeof(err));
	ok(rc == 0 && img.nsegs == 2, "%s: empty PT_LOAD ignored (%s)", an,
	    rc == 0 ? "" : err);
}

static void
test_malformed(enum sim_arch arch)
{
	struct img_spec s;
	struct elf_image img;
	char err[256];
	uint8_t *b;
	size_t n;
	int rc, i, allok;
	bool be;

	s = spec_default(arch);
	be = s.be;

	/* Header damage, made by editing a valid image's bytes. */
	b = build(&s);
	rc = elf_parse(b, 10, limits(&s), &img, err, sizeof(err));
	ok(rc == -1 && strstr(err, "short") != NULL,
	    "%s: 10-byte file: %s", sim_arch_name(arch), err);
	rc = elf_parse(b, ehsize(&s) - 1, limits(&s), &img, err,
	    sizeof(err));
	ok(rc == -1 && strstr(err, "truncated") != NULL,
	    "%s: truncated header: %s", sim_arch_name(arch), err);
	rc = elf_parse(b, ehsize(&s) + 8, limits(&s), &img, err,
	    sizeof(err));
	ok(rc == -1 && strstr(err, "program header table") != NULL,
	    "%s: truncated program headers: %s", sim_arch_name(arch), err);
	b[1] = 'X';
	rc = elf_parse(b, s.len, limits(&s), &img, err, sizeof(err));
	ok(rc == -1 && strstr(err, "magic") != NULL, "%s: bad magic: %s",
	    sim_arch_name(arch), err);
	b[1] = 'E';
	b[4] = 3;
	rc = elf_parse(b, s.len, limits(&s), &img, err, sizeof(err));
	ok(rc == -1 && strstr(err, "class") != NULL, "%s: bad class: %s",
	    sim_arch_name(arch), err);
	b[4] = s.is64 ? 2 : 1;
	b[5] = 0;
	rc = elf_parse(b, s.len, limits(&s), &img, err, sizeof(err));
	ok(rc == -1 && strstr(err, "encoding") != NULL,
	    "%s: bad data encoding: %s", sim_arch_name(arch), err);
	b[5] = be ? 2 : 1;
	put(b, 20, 2, 4, be);
	rc = elf_parse(b, s.len, limits(&s), &img, err, sizeof(err));
	ok(rc == -1 && strstr(err, "e_version") != NULL,
	    "%s: bad e_version: %s", sim_arch_name(arch), err);
	put(b, 20, 1, 4, be);
	/* e_phoff beyond the file, and so far it would wrap. */
	put(b, s.is64 ? 32 : 28, s.len + 8, s.is64 ? 8 : 4, be);
	rc = elf_parse(b, s.len, limits(&s), &img, err, sizeof(err));
	ok(rc == -1 && strstr(err, "e_phoff") != NULL &&
	    strstr(err, "beyond end of file") != NULL,
	    "%s: e_phoff beyond file: %s", sim_arch_name(arch), err);
	put(b, s.is64 ? 32 : 28, s.is64 ? UINT64_MAX - 8 : UINT32_MAX - 8,
	    s.is64 ? 8 : 4, be);
	rc = elf_parse(b, s.len, limits(&s), &img, err, sizeof(err));
	ok(rc == -1 && strstr(err, "e_phoff") != NULL,
	    "%s: e_phoff near the top (no wrap): %s", sim_arch_name(arch),
	    err);
	put(b, s.is64 ? 32 : 28, ehsize(&s), s.is64 ? 8 : 4, be);
	/* e_shoff beyond the file. */
	put(b, s.is64 ? 40 : 32, s.len - 4, s.is64 ? 8 : 4, be);
	rc = elf_parse(b, s.len, limits(&s), &img, err, sizeof(err));
	ok(rc == -1 && strstr(err, "section header") != NULL,
	    "%s: e_shoff beyond file: %s", sim_arch_name(arch), err);
	put(b, s.is64 ? 40 : 32, 0, s.is64 ? 8 : 4, be);
	rc = elf_parse(b, s.len, limits(&s), &img, err, sizeof(err));
	ok(rc == 0, "%s: the repaired image parses again (%s)",
	    sim_arch_name(arch), rc == 0 ? "" : err);
	free(b);

	/* Header fields through the spec. */
	s = spec_default(arch);
	s.machine = EM_ARM;
	expect_bad(&s, "wrong machine", "machine");
	s = spec_default(arch);
	s.machine = s.is64 ? EM_MIPS : EM_X86_64;
	expect_bad(&s, "machine of the other class", "not supported");
	if (!s.is64) {
		s = spec_default(arch);
		s.eflags = 0x70001027;		/* EF_MIPS_ABI2: n32 */
		expect_bad(&s, "n32 e_flags", "o32");
		s.eflags = 0x70003007;		/* EABI32 */
		expect_bad(&s, "EABI e_flags", "o32");
	}
	s = spec_default(arch);
	s.type = 1;				/* ET_REL */
	expect_bad(&s, "ET_REL", "e_type");
	s = spec_default(arch);
	s.nph = 0;
	expect_bad(&s, "no program headers", "e_phnum");

	/* Program headers. */
	s = spec_default(arch);
	s.len = 0x2400;
	expect_bad(&s, "p_offset+p_filesz past the end", "beyond end of file");
	s = spec_default(arch);
	s.ph[1].offset = s.is64 ? UINT64_MAX - 0x7ff : UINT32_MAX - 0x7ff;
	s.ph[1].vaddr = BASE + 0x12000 + (s.ph[1].offset & 0xfff);
	expect_bad(&s, "p_offset+p_filesz wrapping", "beyond end of file");
	s = spec_default(arch);
	s.ph[1].filesz = 0x3001;
	expect_bad(&s, "p_filesz > p_memsz", "p_filesz");
	s = spec_default(arch);
	s.ph[1].vaddr += 0x10;
	expect_bad(&s, "p_vaddr/p_offset misaligned", "modulo the page size");
	s = spec_default(arch);
	s.ph[1].vaddr = s.is64 ? UINT64_MAX - 0xfff : UINT32_MAX - 0xfff;
	expect_bad(&s, "segment wrapping around", "wraps");
	s = spec_default(arch);
	s.ph[1].vaddr = limits(&s)->user_max - 0x2000;
	expect_bad(&s, "segment above user_max", "user address limit");
	s = spec_default(arch);
	s.ph[1].vaddr = BASE + 0x1000;
	expect_bad(&s, "overlapping PT_LOADs", "overlaps");
	s = spec_default(arch);
	s.ph[1].vaddr = BASE - 0x10000;
	expect_bad(&s, "unsorted PT_LOADs", "sorted");
	s = spec_default(arch);
	s.entry = BASE + 0x1800;
	expect_bad(&s, "entry just past text", "entry point");
	s = spec_default(arch);
	s.entry = BASE + 0x12010;
	expect_bad(&s, "entry in a non-executable segment", "entry point");
	s = spec_default(arch);
	s.ph[2] = (struct ph){ PT_INTERP, PF_R, 0x200, BASE + 0x200, 0x20,
	    0x20, 1 };
	expect_bad(&s, "PT_INTERP", "dynamically linked programs are not "
	    "supported: link with -static");
	s = spec_default(arch);
	s.ph[0].type = 4;			/* PT_NOTE */
	s.ph[1].type = 4;
	expect_bad(&s, "no PT_LOAD", "no loadable segment");
	s = spec_default(arch);
	s.nph = 18;
	for (i = 0; i < 18; i++)
		s.ph[i] = (struct ph){ PT_LOAD, PF_R | PF_X, 0,
		    BASE + (uint64_t)i * 0x10000, 0x100, 0x100, 0x1000 };
	s.len = 0x1000;
	expect_bad(&s, "18 PT_LOADs", "more than");

	/* Every truncation of a valid image is refused. */
	s = spec_default(arch);
	b = build(&s);
	allok = 1;
	for (n = 0; n < s.len; n++) {
		uint8_t *copy = malloc(n != 0 ? n : 1);

		/* An exact-size copy lets ASan catch any overread. */
		memcpy(copy, b, n);
		if (elf_parse(copy, n, limits(&s), &img, err,
		    sizeof(err)) != -1 || err[0] == '\0')
			allok = 0;
		free(copy);
	}
	ok(allok, "%s: all %zu truncations refused with a message",
	    sim_arch_name(arch), s.len);
	free(b);
}

/* Flip seeded random header bytes: no crash, no overread, and each
 * verdict is either success or a message. */
static void
test_fuzz(enum sim_arch arch)
{
	struct img_spec s = spec_default(arch);
	struct elf_image img;
	struct prng r;
	char err[256];
	uint8_t *b = build(&s), *copy;
	size_t hdr = ehsize(&s) + 3 * phentsize(&s);
	int i, j, accepted = 0, allok = 1;

	prng_seed(&r, 42 + (uint64_t)arch);
	copy = malloc(s.len);
	for (i = 0; i < 20000; i++) {
		memcpy(copy, b, s.len);
		for (j = 0; j < 1 + (int)prng_below(&r, 4); j++)
			copy[prng_below(&r, hdr)] = (uint8_t)prng_next(&r);
		if (elf_parse(copy, s.len, limits(&s), &img, err,
		    sizeof(err)) == 0) {
			accepted++;
			if (img.nsegs < 1 || img.max_va > limits(&s)->user_max)
				allok = 0;
		} else if (err[0] == '\0')
			allok = 0;
	}
	ok(allok, "%s: 20000 corrupted headers: %d accepted, the rest "
	    "refused with a message", sim_arch_name(arch), accepted);
	free(copy);
	free(b);
}

/* ---- the initial stack ---- */

struct stk {
	const uint8_t *buf;
	uint64_t sp, top;
	size_t word;
	bool be;
};

static uint64_t
stk_word(const struct stk *k, uint64_t va)
{
	uint64_t v = 0;
	size_t i, off;

	if (va < k->sp || va + k->word > k->top)
		return (UINT64_MAX);
	off = (size_t)(va - k->sp);
	for (i = 0; i < k->word; i++) {
		if (k->be)
			v = (v << 8) | k->buf[off + i];
		else
			v |= (uint64_t)k->buf[off + i] << (8 * i);
	}
	return (v);
}

/* The string at va if it lies in the image, else NULL. */
static const char *
stk_str(const struct stk *k, uint64_t va)
{
	const char *s;

	if (va < k->sp || va >= k->top)
		return (NULL);
	s = (const char *)k->buf + (va - k->sp);
	if (memchr(s, '\0', (size_t)(k->top - va)) == NULL)
		return (NULL);
	return (s);
}

static void
test_stack(enum sim_arch arch)
{
	static char *const argv[] = { "prog", "-x", "hello world" };
	static char *const envp[] = { "HOME=/", "PATH=/bin" };
	const char *an = sim_arch_name(arch);
	bool mips = sim_arch_is_mips(arch);
	struct stack_args a;
	struct stk k;
	uint8_t buf[4096];
	uint64_t top, sp, va, at, val, seen = 0;
	uint64_t want_sp;
	size_t used, i;
	const char *str;
	int rc, allok;

	memset(&a, 0, sizeof(a));
	a.arch = arch;
	a.argc = 3;
	a.argv = argv;
	a.envc = 2;
	a.envp = envp;
	a.execfn = "/bin/prog";
	a.phdr = 0x400034;
	a.phent = mips ? 32 : 56;
	a.phnum = 7;
	a.entry = 0x400540;
	a.uid = 1000;
	a.gid = 100;
	for (i = 0; i < 16; i++)
		a.random16[i] = (uint8_t)(0xa0 + i);
	top = mips ? 0x7fff8000 : 0x7ffffffff000ull;
	/*
	 * Worked by hand: strings 10+7+10+5+3+12 = 47 bytes and an end word
	 * below top; align (8 / 16); platform (5 / 7 bytes); 16 random
	 * bytes; 44 words (argc, 4 argv, 3 envp, 18 auxv pairs); round
	 * down to 16.
	 */
	want_sp = mips ? 0x7fff7f00 : 0x7fffffffee40ull;
	memset(buf, 0x5a, sizeof(buf));
	rc = elf_build_stack(&a, buf, sizeof(buf), top, &sp, &used);
	ok(rc == 0, "%s: elf_build_stack", an);
	if (rc != 0)
		return;
	ok(sp == want_sp && used == top - sp, "%s: sp 0x%jx (want 0x%jx), "
	    "used %zu", an, (uintmax_t)sp, (uintmax_t)want_sp, used);
	ok(sp % 16 == 0, "%s: sp 16-byte aligned", an);

	k = (struct stk){ buf, sp, top, mips ? 4 : 8, arch == ARCH_MIPS };
	ok(stk_word(&k, sp) == 3, "%s: argc 3", an);
	allok = 1;
	for (i = 0; i < 3; i++) {
		str = stk_str(&k, stk_word(&k, sp + (1 + i) * k.word));
		if (str == NULL || strcmp(str, argv[i]) != 0)
			allok = 0;
	}
	ok(allok && stk_word(&k, sp + 4 * k.word) == 0,
	    "%s: argv strings and NULL", an);
	allok = 1;
	for (i = 0; i < 2; i++) {
		str = stk_str(&k, stk_word(&k, sp + (5 + i) * k.word));
		if (str == NULL || strcmp(str, envp[i]) != 0)
			allok = 0;
	}
	ok(allok && stk_word(&k, sp + 7 * k.word) == 0,
	    "%s: envp strings and NULL", an);
	/* Linux order: argv[0] lowest, then the rest, env, execfn, end. */
	ok(stk_word(&k, sp + 1 * k.word) + 5 == stk_word(&k, sp + 2 * k.word)
	    && stk_word(&k, sp + 6 * k.word) + 10 == top - k.word - 10 &&
	    stk_word(&k, top - k.word) == 0,
	    "%s: strings packed below the top in Linux order", an);

	allok = 1;
	for (va = sp + 8 * k.word; ; va += 2 * k.word) {
		at = stk_word(&k, va);
		val = stk_word(&k, va + k.word);
		if (at == UINT64_MAX || at >= 64) {
			allok = 0;
			break;
		}
		seen |= (uint64_t)1 << at;
		switch (at) {
		case AT_NULL:
			break;
		case AT_PHDR: allok &= val == 0x400034; break;
		case AT_PHENT: allok &= val == (mips ? 32u : 56u); break;
		case AT_PHNUM: allok &= val == 7; break;
		case AT_PAGESZ: allok &= val == 4096; break;
		case AT_BASE: allok &= val == 0; break;
		case AT_FLAGS: allok &= val == 0; break;
		case AT_ENTRY: allok &= val == 0x400540; break;
		case AT_UID: case AT_EUID: allok &= val == 1000; break;
		case AT_GID: case AT_EGID: allok &= val == 100; break;
		case AT_SECURE: allok &= val == 0; break;
		case AT_HWCAP: allok &= val == 0; break;
		case AT_CLKTCK: allok &= val == 100; break;
		case AT_RANDOM:
			ok(val >= sp && val + 16 <= top &&
			    memcmp(buf + (val - sp), a.random16, 16) == 0,
			    "%s: AT_RANDOM 0x%jx points at the 16 bytes", an,
			    (uintmax_t)val);
			break;
		case AT_PLATFORM:
			str = stk_str(&k, val);
			ok(str != NULL && strcmp(str, mips ? "mips" :
			    "x86_64") == 0, "%s: AT_PLATFORM \"%s\"", an,
			    str != NULL ? str : "?");
			break;
		case AT_EXECFN:
			str = stk_str(&k, val);
			ok(str != NULL && strcmp(str, "/bin/prog") == 0 &&
			    val == top - k.word - 10,
			    "%s: AT_EXECFN \"%s\" just below the end word", an,
			    str != NULL ? str : "?");
			break;
		default:
			allok = 0;
		}
		if (at == AT_NULL || !allok)
			break;
	}
	ok(allok, "%s: auxv values", an);
	ok(seen == ((1u << AT_NULL) | (1u << AT_PHDR) | (1u << AT_PHENT) |
	    (1u << AT_PHNUM) | (1u << AT_PAGESZ) | (1u << AT_BASE) |
	    (1u << AT_FLAGS) | (1u << AT_ENTRY) | (1u << AT_UID) |
	    (1u << AT_EUID) | (1u << AT_GID) | (1u << AT_EGID) |
	    (1ull << AT_PLATFORM) | (1u << AT_HWCAP) | (1u << AT_CLKTCK) |
	    (1u << AT_SECURE) | (1u << AT_RANDOM) | (1ull << AT_EXECFN)),
	    "%s: every auxv entry present (mask 0x%jx)", an,
	    (uintmax_t)seen);
	/* The auxv ends right where Linux puts it: the table is exactly
	 * 44 words at sp. */
	ok(va == sp + 42 * k.word, "%s: AT_NULL closes a table of exactly "
	    "44 words", an);
	ok(buf[used] == 0x5a, "%s: nothing written past used", an);

	/* Exact fit, one byte short, and a stack top too low. */
	rc = elf_build_stack(&a, buf, used, top, &sp, &used);
	ok(rc == 0, "%s: fits in exactly %zu bytes", an, used);
	rc = elf_build_stack(&a, buf, used - 1, top, &sp, &used);
	ok(rc == -1, "%s: one byte short -> -1 (E2BIG)", an);
	rc = elf_build_stack(&a, buf, sizeof(buf), 64, &sp, &used);
	ok(rc == -1, "%s: stack_top 64 cannot hold it -> -1", an);

	/* No arguments, no environment. */
	a.argc = 0;
	a.envc = 0;
	a.argv = NULL;
	a.envp = NULL;
	rc = elf_build_stack(&a, buf, sizeof(buf), top, &sp, &used);
	k.sp = sp;
	ok(rc == 0 && sp % 16 == 0 && stk_word(&k, sp) == 0 &&
	    stk_word(&k, sp + k.word) == 0 &&
	    stk_word(&k, sp + 2 * k.word) == 0 &&
	    stk_word(&k, sp + 3 * k.word) == AT_HWCAP,
	    "%s: argc 0, empty argv and envp", an);

	/* A long argument that cannot fit. */
	{
		char *big = malloc(8192);
		char *const bigv[] = { big };

		memset(big, 'x', 8191);
		big[8191] = '\0';
		a.argc = 1;
		a.argv = bigv;
		rc = elf_build_stack(&a, buf, sizeof(buf), top, &sp, &used);
		ok(rc == -1, "%s: 8 KiB argument in a 4 KiB buffer -> -1", an);
		free(big);
	}
}

int
main(void)
{
	static const enum sim_arch arches[] = { ARCH_MIPS, ARCH_MIPSEL,
	    ARCH_AMD64 };
	size_t i;

	for (i = 0; i < nitems(arches); i++) {
		test_valid(arches[i]);
		test_malformed(arches[i]);
		test_fuzz(arches[i]);
		test_stack(arches[i]);
	}
	return (tap_done());
}
