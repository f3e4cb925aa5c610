/*
 * mmu/din.c — Dinero IV "din" records: formatting, a buffered sink whose
 * output callback belongs to sim/, and a parser for tests and tools.  The
 * format and its source are described in mmu/din.h.
 */
#include "mmu/din.h"

#include <string.h>

size_t
din_format(char *buf, size_t len, int label, uint64_t addr)
{
	static const char hex[] = "0123456789abcdef";
	char tmp[16];
	size_t nd = 0, n;

	KASSERT(label >= 0 && label <= 5, ("din_format: label %d", label));
	do {
		tmp[nd++] = hex[addr & 0xf];
		addr >>= 4;
	} while (addr != 0);
	n = 2 + nd + 1;		/* "L " + digits + "\n" */
	if (len < n + 1)
		return 0;
	buf[0] = (char)('0' + label);
	buf[1] = ' ';
	for (size_t i = 0; i < nd; i++)
		buf[2 + i] = tmp[nd - 1 - i];
	buf[n - 1] = '\n';
	buf[n] = '\0';
	return n;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static bool
is_blank(int c)
{
	return c == ' ' || c == '\t';
}

static bool
is_end(int c)
{
	return c == '\0' || c == '\n' || c == '\r';
}

/* Parse a hex number at *p (optional 0x); at most 16 digits. */
static int
parse_hex(const char **pp, uint64_t *out)
{
	const char *p = *pp;
	uint64_t v = 0;
	int d, nd = 0;

	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X') && hexval(p[2]) >= 0)
		p += 2;
	while ((d = hexval(*p)) >= 0) {
		if (++nd > 16)
			return -1;
		v = v << 4 | (uint64_t)d;
		p++;
	}
	if (nd == 0)
		return -1;
	*pp = p;
	*out = v;
	return 0;
}

int
din_parse_line(const char *line, int *label, uint64_t *addr)
{
	const char *p = line;
	uint64_t l, a;

	while (is_blank(*p))
		p++;
	if (is_end(*p))
		return 1;
	if (parse_hex(&p, &l) != 0 || !is_blank(*p) || l > 5)
		return -1;
	while (is_blank(*p))
		p++;
	if (parse_hex(&p, &a) != 0 || !(is_end(*p) || is_blank(*p)))
		return -1;
	*label = (int)l;
	*addr = a;
	return 0;
}

void
din_sink_init(struct din_sink *s,
    int (*flush)(void *arg, const char *buf, size_t n), void *arg)
{
	s->flush = flush;
	s->arg = arg;
	s->error = 0;
	s->records = 0;
	s->used = 0;
}

int
din_sink_flush(struct din_sink *s)
{
	if (s->error == 0 && s->used > 0)
		s->error = s->flush(s->arg, s->buf, s->used);
	s->used = 0;
	return s->error;
}

int
din_sink_record(struct din_sink *s, int label, uint64_t addr)
{
	size_t n;

	if (s->error != 0)
		return s->error;
	if (sizeof(s->buf) - s->used < DIN_RECORD_MAX + 1 &&
	    din_sink_flush(s) != 0)
		return s->error;
	n = din_format(s->buf + s->used, sizeof(s->buf) - s->used, label, addr);
	KASSERT(n > 0, ("din_sink_record: no room after flush"));
	s->used += n;
	s->records++;
	return 0;
}

int
din_sink_access(struct din_sink *s, int label, uint64_t addr, unsigned size,
    unsigned granule_bytes)
{
	uint64_t g = granule_bytes;
	uint64_t first, last;
	int rv;

	KASSERT(g != 0 && (g & (g - 1)) == 0,
	    ("din_sink_access: granule %u is not a power of two", granule_bytes));
	first = addr & ~(g - 1);
	last = (addr + (size ? size : 1) - 1) & ~(g - 1);
	if ((rv = din_sink_record(s, label, addr)) != 0)
		return rv;
	for (uint64_t gr = first + g; gr <= last && gr != 0; gr += g)
		if ((rv = din_sink_record(s, label, gr)) != 0)
			return rv;
	return 0;
}
