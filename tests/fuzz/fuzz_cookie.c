/*
 * fuzz_cookie.c - libFuzzer harness over ntsd's cookie code: the input
 * is decoded as a key-ring file (rejected with a message, or decoded and
 * then encoded back to exactly the same bytes) and opened as a cookie
 * under a fixed ring (the one tests/fuzz/gen_cookie_seeds.py uses); an
 * opened cookie seals back to exactly the same bytes (SIV is
 * deterministic), a refused one leaves the output zeroed.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ntsd/cookie.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fixed_ring(struct ntsd_keyring *r)
{
	uint8_t key[NTSD_COOKIE_KEY_LEN];
	int i, j;

	memset(r, 0, sizeof(*r));
	for (i = 1; i <= 3; i++) {
		for (j = 0; j < NTSD_COOKIE_KEY_LEN; j++)
			key[j] = (uint8_t)(i * 0x11 + j);
		ntsd_keyring_rotate(r, key, 1700000000 + i * 86400LL);
	}
}

static void ring_case(const uint8_t *copy, size_t size)
{
	uint8_t out[NTSD_KEYRING_ENC_MAX];
	struct ntsd_keyring r;
	char err[160];
	size_t n;

	err[0] = '\0';
	if (ntsd_keyring_decode(copy, size, &r, err, sizeof(err)) != 0) {
		if (!err[0] || !memchr(err, '\0', sizeof(err)) || r.n != 0)
			abort();
		return;
	}
	n = ntsd_keyring_encode(&r, out, sizeof(out));
	if (n != size || memcmp(out, copy, n) != 0)
		abort();
	(void)ntsd_keyring_age(&r, 1700000000);
}

static void cookie_case(const uint8_t *copy, size_t size)
{
	static const struct ntsd_cookie_plain zero;
	static struct ntsd_keyring ring;
	struct ntsd_cookie_plain p;
	struct ntsd_keyring r;
	uint8_t out[200];
	size_t n;

	if (!ring.n)
		fixed_ring(&ring);
	if (ntsd_cookie_open(&ring, copy, size, &p) != 0) {
		if (memcmp(&p, &zero, sizeof(p)) != 0)
			abort();
		return;
	}
	/* seal again under the key that opened it, with the cookie's nonce */
	r = ring;
	for (r.cur = 0; r.cur < r.n; r.cur++)
		if (r.k[r.cur].id == ((uint32_t)copy[0] << 24 | (uint32_t)copy[1] << 16 |
		                      (uint32_t)copy[2] << 8 | copy[3]))
			break;
	if (r.cur == r.n)
		abort();
	n = ntsd_cookie_seal(&r, &p, copy + 4, out, sizeof(out));
	if (n != size || memcmp(out, copy, n) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy;

	/* an exact-size copy, so ASan sees any read past the input */
	copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	if (size)
		memcpy(copy, data, size);
	ring_case(copy, size);
	cookie_case(copy, size);
	free(copy);
	return 0;
}
