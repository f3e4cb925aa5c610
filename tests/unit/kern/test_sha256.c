/*
 * tests/unit/kern/test_sha256.c — SHA-256 against the FIPS 180-4 example
 * vectors (NIST "Cryptographic Algorithm Validation": one block, two
 * blocks, one million 'a'), the padding boundaries (55/56/63/64 bytes)
 * and the incremental interface split at every chunk size.
 */
#include "sim/base/base.h"
#include "sim/sha256.h"
#include "tests/tap.h"

#include <stdlib.h>
#include <string.h>

static void
check(const char *name, const void *data, size_t len, const char *want)
{
	char hex[SHA256_HEX];

	sha256_hex(data, len, hex);
	ok(strcmp(hex, want) == 0, "sha256(%s) = %s", name, hex);
}

int
main(void)
{
	static const struct { size_t n; const char *want; } as[] = {
		{ 55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318" },
		{ 56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a" },
		{ 63, "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34" },
		{ 64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb" },
		{ 65, "635361c48bb9eab14198e76ea8ab7f1a41685d6ad62aa9146d301d4f17eb0ae0" },
		{ 119, "31eba51c313a5c08226adf18d4a359cfdfd8d2e816b13f4af952f7ea6584dcfb" },
		{ 120, "2f3d335432c70b580af0e8e1b3674a7c020d683aa5f73aaaedfdc55af904c21c" },
	};
	const char *bytes1024 =
	    "785b0751fc2c53dc14a4ce3d800e69ef9ce1009eb327ccf458afe09c242c26c9";
	uint8_t buf[1024], d1[SHA256_BYTES], d2[SHA256_BYTES];
	struct sha256_ctx c;
	char *million;
	size_t i, chunk, off;
	int allok;

	check("\"\"", "", 0,
	    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	check("\"abc\"", "abc", 3,
	    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	check("448-bit message",
	    "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56,
	    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	million = malloc(1000000);
	if (million == NULL)
		return (99);
	memset(million, 'a', 1000000);
	check("one million 'a'", million, 1000000,
	    "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	free(million);

	for (i = 0; i < nitems(as); i++) {
		char name[32];

		snprintf(name, sizeof(name), "'a' x %zu", as[i].n);
		memset(buf, 'a', as[i].n);
		check(name, buf, as[i].n, as[i].want);
	}

	/* The incremental interface gives the same digest however the
	 * input is split. */
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)i;
	check("bytes 0..255 x 4", buf, sizeof(buf), bytes1024);
	sha256(buf, sizeof(buf), d1);
	allok = 1;
	for (chunk = 1; chunk <= 130; chunk++) {
		sha256_init(&c);
		for (off = 0; off < sizeof(buf); off += chunk)
			sha256_update(&c, buf + off, MIN(chunk,
			    sizeof(buf) - off));
		sha256_final(&c, d2);
		if (memcmp(d1, d2, sizeof(d1)) != 0) {
			allok = 0;
			ok(0, "chunk size %zu differs", chunk);
		}
	}
	ok(allok, "incremental updates in chunks of 1..130 bytes agree");
	return (tap_done());
}
