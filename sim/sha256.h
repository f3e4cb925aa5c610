/*
 * sim/sha256.h — SHA-256 (FIPS 180-4), used to name the blobs of a trace
 * (guest binaries, files read by the guest, scenarios) by their content.
 */
#ifndef SIM_SHA256_H
#define SIM_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_BYTES	32	/* digest length */
#define SHA256_HEX	65	/* lowercase hex digest plus NUL */

/* Incremental interface: init, update any number of times, final. */
struct sha256_ctx {
	uint32_t h[8];		/* intermediate hash value H(i) */
	uint64_t nbytes;	/* message length so far */
	uint8_t block[64];	/* pending partial block */
	size_t nblock;		/* bytes used in block */
};

void sha256_init(struct sha256_ctx *c);
void sha256_update(struct sha256_ctx *c, const void *data, size_t len);
/* Pad, write the 32-byte digest to out and wipe the context. */
void sha256_final(struct sha256_ctx *c, uint8_t out[SHA256_BYTES]);

/* One-shot: the digest of data[0, len), as bytes or as lowercase hex. */
void sha256(const void *data, size_t len, uint8_t out[SHA256_BYTES]);
void sha256_hex(const void *data, size_t len, char out[SHA256_HEX]);

#endif
