/*
 * tests/unit/mmu/test_din.c — the Dinero IV din writer and parser
 * (mmu/din.h): record formatting, Dinero's parsing rules, a round trip of
 * a long stream through the buffered sink, sticky sink errors, and the
 * issue's cross-check: a run's din stream, re-read and fed record by
 * record (as Dinero IV reads it: a 4-byte access at ADDRESS & ~3) to the
 * naive reference caches, gives the misses the real caches counted when
 * fed the accesses directly.
 */
#include "mmu/cache.h"
#include "mmu/din.h"
#include "sim/base/prng.h"
#include "tests/tap.h"
#include "tests/unit/mmu/ref_cache.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A growable in-memory file for the sink's flush callback. */
struct memfile {
	char *buf;
	size_t len, cap;
	int flushes;
	int fail_after;		/* flush number that fails (0 = never) */
};

static int
memfile_flush(void *arg, const char *buf, size_t n)
{
	struct memfile *m = arg;

	if (m->fail_after != 0 && m->flushes + 1 == m->fail_after)
		return -28;	/* e.g. -ENOSPC from the FILE * writer */
	m->flushes++;
	if (m->len + n + 1 > m->cap) {
		m->cap = (m->len + n + 1) * 2;
		m->buf = realloc(m->buf, m->cap);
		if (m->buf == NULL)
			abort();
	}
	memcpy(m->buf + m->len, buf, n);
	m->len += n;
	m->buf[m->len] = '\0';
	return 0;
}

static void
test_format(void)
{
	char buf[DIN_RECORD_MAX];

	ok(din_format(buf, sizeof(buf), DIN_READ, 0) == 4 && strcmp(buf, "0 0\n") == 0,
	    "din_format: read at 0 is \"0 0\\n\"");
	ok(din_format(buf, sizeof(buf), DIN_IFETCH, 0x7fff1234abcdull) == 15 &&
	    strcmp(buf, "2 7fff1234abcd\n") == 0, "din_format: lowercase hex, no 0x");
	ok(din_format(buf, sizeof(buf), DIN_INVALIDATE, UINT64_MAX) == 19 &&
	    strcmp(buf, "5 ffffffffffffffff\n") == 0,
	    "din_format: the longest record fits DIN_RECORD_MAX");
	ok(din_format(buf, 5, DIN_WRITE, 0x1000) == 0 &&
	    din_format(buf, 8, DIN_WRITE, 0x1000) == 7 && strcmp(buf, "1 1000\n") == 0,
	    "din_format: 0 when the buffer is too small, exact fit works");
}

static void
test_parse(void)
{
	static const struct {
		const char *in;
		int rv, label;
		uint64_t addr;
	} cases[] = {
		{ "0 1000", 0, 0, 0x1000 },
		{ "1 70f60888\n", 0, 1, 0x70f60888 },
		{ "2 0", 0, 2, 0 },
		{ "  2\t0x70F60888 an instruction fetch", 0, 2, 0x70f60888 },
		{ "0x1 10", 0, 1, 0x10 },		/* Dinero: 0x allowed on a 0 label */
		{ "5 ffffffffffffffff", 0, 5, UINT64_MAX },
		{ "4 10\r\n", 0, 4, 0x10 },
		{ "", 1, 0, 0 },
		{ "  \t\n", 1, 0, 0 },
		{ "7 100", -1, 0, 0 },			/* no such label */
		{ "0 zz", -1, 0, 0 },
		{ "0", -1, 0, 0 },
		{ "0 ", -1, 0, 0 },
		{ "0 10zz", -1, 0, 0 },
		{ "x 10", -1, 0, 0 },
		{ "0 10000000000000000", -1, 0, 0 },	/* 17 digits */
		{ "01000", -1, 0, 0 },
	};
	bool all = true;

	for (size_t i = 0; i < nitems(cases); i++) {
		int label = -7;
		uint64_t addr = 7;
		int rv = din_parse_line(cases[i].in, &label, &addr);

		if (rv != cases[i].rv || (rv == 0 && (label != cases[i].label ||
		    addr != cases[i].addr))) {
			all = false;
			printf("# \"%s\": rv %d label %d addr %#llx\n", cases[i].in,
			    rv, label, (unsigned long long)addr);
		}
	}
	ok(all, "din_parse_line: %zu cases of Dinero IV's rules", nitems(cases));
}

/* Is every line of text exactly "[0-5] [0-9a-f]+\n"? */
static bool
strict_din(const char *text, size_t *nlines)
{
	const char *p = text;

	*nlines = 0;
	while (*p != '\0') {
		int nd = 0;

		if (p[0] < '0' || p[0] > '5' || p[1] != ' ')
			return false;
		p += 2;
		while ((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')) {
			p++;
			nd++;
		}
		if (nd == 0 || nd > 16 || *p != '\n')
			return false;
		if (nd > 1 && p[-nd] == '0')
			return false;	/* no leading zeros */
		p++;
		(*nlines)++;
	}
	return true;
}

static void
test_sink_roundtrip(void)
{
	static struct din_sink s;
	struct memfile m = { 0 };
	struct prng p;
	enum { N = 20000 };
	static int labels[N];
	static uint64_t addrs[N];
	bool same = true, strict;
	size_t nlines, k = 0;
	int rv;
	char *line, *save;

	prng_seed(&p, 42);
	din_sink_init(&s, memfile_flush, &m);
	for (int i = 0; i < N; i++) {
		labels[i] = (int)prng_below(&p, 3);
		addrs[i] = prng_next(&p) >> prng_below(&p, 64);
		if (din_sink_record(&s, labels[i], addrs[i]) != 0)
			same = false;
	}
	rv = din_sink_flush(&s);
	ok(rv == 0 && s.records == N && m.flushes >= 3,
	    "din_sink: %d records, %d flushes of the 64 KiB buffer", N, m.flushes);
	strict = strict_din(m.buf, &nlines);
	ok(strict && nlines == N,
	    "the output is strict din: one \"L hex\" record per line (%zu lines)", nlines);
	for (line = strtok_r(m.buf, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save), k++) {
		int l;
		uint64_t a;

		if (k >= N || din_parse_line(line, &l, &a) != 0 || l != labels[k] ||
		    a != addrs[k])
			same = false;
	}
	ok(same && k == N, "re-reading the stream gives the same %zu records", k);
	free(m.buf);

	/* Errors are sticky and stop the stream. */
	memset(&m, 0, sizeof(m));
	m.fail_after = 2;
	din_sink_init(&s, memfile_flush, &m);
	rv = 0;
	{
		for (int i = 0; i < N && rv == 0; i++)
			rv = din_sink_record(&s, DIN_READ, (uint64_t)i);
		ok(rv == -28 && din_sink_record(&s, DIN_READ, 0) == -28 &&
		    din_sink_flush(&s) == -28 && m.flushes == 1 && s.records < N,
		    "a failing flush is reported, sticky, and later records are dropped "
		    "(%llu accepted)", (unsigned long long)s.records);
	}
	free(m.buf);

	/* One record per granule touched. */
	memset(&m, 0, sizeof(m));
	din_sink_init(&s, memfile_flush, &m);
	din_sink_access(&s, DIN_WRITE, 0x3e, 4, 32);
	din_sink_access(&s, DIN_READ, 0x40, 8, 32);
	din_sink_access(&s, DIN_IFETCH, 0x7d, 8, 4);
	din_sink_flush(&s);
	ok(m.buf != NULL && strcmp(m.buf, "1 3e\n1 40\n0 40\n2 7d\n2 80\n2 84\n") == 0,
	    "din_sink_access: one record per granule crossed");
	free(m.buf);
}

/*
 * The cross-check.  Caches: L1D and L1I in front of a unified L2, LRU
 * everywhere.  The real caches get the accesses; the din stream (granule =
 * the smaller L1 line) is parsed back and replayed into the reference
 * caches the way Dinero IV reads din: one 4-byte access at ADDRESS & ~3
 * per record, label 0/1 to the D-cache, 2 to the I-cache.
 */
static void
crosscheck(const char *gd_s, const char *gi_s, const char *g2_s, uint64_t seed,
    uint64_t ws, bool same_lines)
{
	struct cache_geom gd, gi, g2;
	struct cache d, i, l2;
	struct ref_cache rd, ri, r2;
	static struct din_sink s;
	struct memfile m = { 0 };
	struct prng p;
	char err[128], *line, *save;
	unsigned granule;
	uint64_t records = 0;
	bool parsed = true, miss_eq, all_eq;

	if (cache_geom_parse(gd_s, &gd, err, sizeof(err)) != 0 ||
	    cache_geom_parse(gi_s, &gi, err, sizeof(err)) != 0 ||
	    cache_geom_parse(g2_s, &g2, err, sizeof(err)) != 0)
		panic("crosscheck geometry: %s", err);
	granule = MIN(gd.line_bytes, gi.line_bytes);
	cache_init(&l2, &g2, NULL);
	cache_init(&d, &gd, &l2);
	cache_init(&i, &gi, &l2);
	ref_init(&r2, &g2, NULL);
	ref_init(&rd, &gd, &r2);
	ref_init(&ri, &gi, &r2);
	din_sink_init(&s, memfile_flush, &m);

	prng_seed(&p, seed);
	for (int k = 0; k < 40000; k++) {
		uint64_t roll = prng_below(&p, 100);
		uint64_t pa = 0x200000 + prng_below(&p, ws);
		unsigned size = 1 + (unsigned)prng_below(&p, 8);

		if (roll < 50) {
			cache_access(&d, pa, size, CACHE_READ, NULL);
			din_sink_access(&s, DIN_READ, pa, size, granule);
		} else if (roll < 75) {
			cache_access(&d, pa, size, CACHE_WRITE, NULL);
			din_sink_access(&s, DIN_WRITE, pa, size, granule);
		} else {
			/* Code: sequential-ish 4-byte fetches. */
			pa &= ~(uint64_t)3;
			cache_access(&i, pa, 4, CACHE_FETCH, NULL);
			din_sink_access(&s, DIN_IFETCH, pa, 4, granule);
		}
	}
	din_sink_flush(&s);

	for (line = strtok_r(m.buf, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		int label;
		uint64_t a;
		struct cache_result res;

		if (din_parse_line(line, &label, &a) != 0 || label > DIN_IFETCH) {
			parsed = false;
			break;
		}
		records++;
		a &= ~(uint64_t)3;	/* Dinero IV: r.address = addr & ~3, size 4 */
		if (label == DIN_IFETCH)
			ref_access(&ri, a, 4, CACHE_FETCH, &res);
		else
			ref_access(&rd, a, 4, label == DIN_WRITE ? CACHE_WRITE : CACHE_READ, &res);
	}
	miss_eq = parsed &&
	    memcmp(d.c.miss, rd.c.miss, sizeof(d.c.miss)) == 0 &&
	    memcmp(i.c.miss, ri.c.miss, sizeof(i.c.miss)) == 0 &&
	    memcmp(l2.c.miss, r2.c.miss, sizeof(l2.c.miss)) == 0 &&
	    d.c.writebacks == rd.c.writebacks && l2.c.writebacks == r2.c.writebacks;
	all_eq = miss_eq && memcmp(&d.c, &rd.c, sizeof(d.c)) == 0 &&
	    memcmp(&i.c, &ri.c, sizeof(i.c)) == 0 &&
	    memcmp(&l2.c, &r2.c, sizeof(l2.c)) == 0;
	ok(miss_eq, "din cross-check L1D %s, L1I %s, L2 %s: %llu records; misses "
	    "equal (L1D r/w %llu/%llu, L1I %llu, L2 %llu; ref %llu/%llu, %llu, %llu)",
	    gd_s, gi_s, g2_s, (unsigned long long)records,
	    (unsigned long long)d.c.miss[CACHE_READ],
	    (unsigned long long)d.c.miss[CACHE_WRITE],
	    (unsigned long long)i.c.miss[CACHE_FETCH],
	    (unsigned long long)(l2.c.miss[0] + l2.c.miss[1] + l2.c.miss[2]),
	    (unsigned long long)rd.c.miss[CACHE_READ],
	    (unsigned long long)rd.c.miss[CACHE_WRITE],
	    (unsigned long long)ri.c.miss[CACHE_FETCH],
	    (unsigned long long)(r2.c.miss[0] + r2.c.miss[1] + r2.c.miss[2]));
	if (same_lines)
		ok(all_eq, "... and with equal L1 line sizes every counter is equal");
	else
		ok(!all_eq && d.c.access[CACHE_READ] < rd.c.access[CACHE_READ],
		    "... (L1D lines larger than the granule: Dinero sees extra "
		    "guaranteed hits, %llu vs %llu reads)",
		    (unsigned long long)d.c.access[CACHE_READ],
		    (unsigned long long)rd.c.access[CACHE_READ]);
	cache_fini(&d);
	cache_fini(&i);
	cache_fini(&l2);
	ref_fini(&rd);
	ref_fini(&ri);
	ref_fini(&r2);
	free(m.buf);
}

int
main(void)
{
	sim_invariants = true;
	test_format();
	test_parse();
	test_sink_roundtrip();
	crosscheck("4K/4/32", "2K/2/32", "32K/8/64", 7, 64 << 10, true);
	crosscheck("8K/8/64", "4K/4/32", "64K/16/64", 8, 256 << 10, false);
	crosscheck("32K/8/64", "32K/8/64", "1M/16/64", 9, 4 << 20, true);
	return tap_done();
}
