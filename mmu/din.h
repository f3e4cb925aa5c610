/*
 * mmu/din.h — the reference stream in Dinero IV's traditional "din"
 * format (dineroIV -informat d), so that the cache numbers of a run can be
 * cross-checked with Dinero IV (Jan Edler and Mark D. Hill, 1997; the
 * format goes back to Dinero III).
 *
 * The format, as Dinero IV's reader (d4-7 dinfmt.c, tracein_din) accepts
 * it: one record per line,
 *
 *	LABEL ADDRESS [anything]
 *
 *   LABEL    hexadecimal access type (d4.h): 0 data read (D4XREAD),
 *            1 data write (D4XWRITE), 2 instruction fetch (D4XINSTRN),
 *            3 miscellaneous (D4XMISC), 4 copy back dirty line
 *            (D4XCOPYB), 5 invalidate line (D4XINVAL; Dinero applies it
 *            to both the I- and the D-cache).
 *   ADDRESS  hexadecimal, an optional 0x prefix, no size field.
 *   the rest of the line is ignored (it may hold comments); blank or
 *   malformed lines are fatal errors in Dinero IV.
 *
 * Dinero IV treats every din record as a 4-byte access at ADDRESS & ~3.
 * Our caches see accesses of 1..8 bytes that may cross a line, so the
 * writer emits ONE RECORD PER LINE GRANULE touched (din_sink_access, with
 * the smallest line size of the hierarchy as the granule): the first at the
 * access's own address, the others at the start of each further granule.
 * Each record then touches exactly the lines the model touched, and an
 * LRU write-back write-allocate Dinero run gives the model's misses.
 *
 * We write "LABEL HEXADDR\n" with lowercase digits and no 0x prefix.
 * Cross-check (the caches of `vmsim config`, e.g. 32K/8/64 L1s and a
 * 1M/16/64 L2):
 *
 *	dineroIV -informat d -l1-isize 32k -l1-ibsize 64 -l1-iassoc 8 \
 *	    -l1-irepl l -l1-dsize 32k -l1-dbsize 64 -l1-dassoc 8 -l1-drepl l \
 *	    -l1-dwalloc a -l1-dwback a -l2-usize 1m -l2-ubsize 64 \
 *	    -l2-uassoc 16 -l2-urepl l -l2-uwalloc a -l2-uwback a < run.din
 *
 * This file only formats: I/O stays out of mmu/.  The sink buffers records
 * and hands full buffers to a callback that sim/ provides (a FILE *
 * writer); the mmu never opens files.
 */
#ifndef MMU_DIN_H
#define MMU_DIN_H

#include "sim/base/base.h"

#define DIN_READ	0	/* D4XREAD: data load */
#define DIN_WRITE	1	/* D4XWRITE: data store */
#define DIN_IFETCH	2	/* D4XINSTRN: instruction fetch */
#define DIN_MISC	3	/* D4XMISC: other (unused by vmsim) */
#define DIN_COPYBACK	4	/* D4XCOPYB: write back the D-cache line */
#define DIN_INVALIDATE	5	/* D4XINVAL: invalidate the line in I and D */

/* The longest record din_format writes: "5 ffffffffffffffff\n". */
#define DIN_RECORD_MAX	20

/*
 * Write the record "LABEL ADDR\n" (lowercase hex, no 0x) into buf and NUL
 * terminate it.  label is 0..5.  Returns its length without the NUL, or 0
 * when buf (len bytes) is too small.
 */
size_t din_format(char *buf, size_t len, int label, uint64_t addr);

/*
 * Parse one din record the way Dinero IV does: optional blanks, a hex
 * label, blanks, a hex address with an optional 0x, then end of line or a
 * blank and ignored text.  Returns 0 and sets *label and *addr, 1 for a
 * line holding only blanks (not a record; Dinero IV would reject it), or
 * -1 for a malformed line.
 */
int din_parse_line(const char *line, int *label, uint64_t *addr);

/*
 * A buffered record sink.  flush(arg, buf, n) must consume all n bytes and
 * return 0, or a negative error that the sink keeps (sticky) and returns
 * from every later call; records after an error are dropped.
 */
struct din_sink {
	int (*flush)(void *arg, const char *buf, size_t n);
	void *arg;
	int error;		/* first flush error, or 0 */
	uint64_t records;	/* records accepted */
	size_t used;
	char buf[65536];
};

void din_sink_init(struct din_sink *s,
    int (*flush)(void *arg, const char *buf, size_t n), void *arg);
/* Append one record; flushes when the buffer is full.  0 or the error. */
int din_sink_record(struct din_sink *s, int label, uint64_t addr);
/*
 * Append the records of one access of size bytes at addr: one per
 * granule_bytes-aligned granule touched (granule_bytes: a power of two,
 * normally the smallest line size of the caches).  0 or the error.
 */
int din_sink_access(struct din_sink *s, int label, uint64_t addr,
    unsigned size, unsigned granule_bytes);
/* Hand the buffered records to flush.  0 or the error. */
int din_sink_flush(struct din_sink *s);

#endif
