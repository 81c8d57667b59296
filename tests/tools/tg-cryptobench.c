/*
 * tg-cryptobench - time the public-key and AEAD operations of an NTS
 * exchange, ours next to BearSSL 0.6's, for tests/bench/bench.py
 * (section "crypto"): median microseconds per operation over R rounds
 * of N operations each.
 *
 *     tg-cryptobench [N [R]]        (defaults 200, 15)
 *
 * One line per operation: "name ours_us bearssl_us" (bearssl_us "-"
 * where there is no BearSSL counterpart).  Built by the benchmark with the
 * product toolchain and flags (static musl, -Os), like tg-ntsload.
 */
#include <bearssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aessiv.h"
#include "ec.h"
#include "p256.h"
#include "x25519.h"

static int N = 200, R = 15;
static volatile uint8_t sink;

static double now_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* median over R rounds of the mean time of one call of op */
static double timeit(void (*op)(int impl), int impl)
{
	double r[64], t;
	int i, j;

	op(impl); /* warm up */
	for (i = 0; i < R; i++) {
		t = now_us();
		for (j = 0; j < N; j++)
			op(impl);
		r[i] = (now_us() - t) / N;
	}
	qsort(r, (size_t)R, sizeof(r[0]), cmp);
	return r[R / 2];
}

static uint8_t k32[32] = {0x3a, 0x11, 0x5e, 0x07, 0x92, 0x44, 0x18, 0x6f, 0x2b, 0x55, 0x01,
                          0x7c, 0x33, 0x0d, 0x41, 0x29, 0x68, 0x1f, 0x72, 0x06, 0x5a, 0x3c,
                          0x24, 0x4e, 0x13, 0x77, 0x09, 0x62, 0x35, 0x48, 0x1b, 0x50};
static uint8_t p256_point[65], x25519_point[32];

static const br_ec_impl *ec_of(int impl)
{
	return impl ? &br_ec_all_m31 : &tg_ec_impl;
}

static void op_x25519_keygen(int impl)
{
	uint8_t out[32];

	ec_of(impl)->mulgen(out, k32, 32, BR_EC_curve25519);
	sink ^= out[0];
}

static void op_x25519_shared(int impl)
{
	uint8_t p[32];

	memcpy(p, x25519_point, 32);
	ec_of(impl)->mul(p, 32, k32, 32, BR_EC_curve25519);
	sink ^= p[0];
}

static void op_p256_keygen(int impl)
{
	uint8_t out[65];

	ec_of(impl)->mulgen(out, k32, 32, BR_EC_secp256r1);
	sink ^= out[1];
}

static void op_p256_shared(int impl)
{
	uint8_t p[65];

	memcpy(p, p256_point, 65);
	ec_of(impl)->mul(p, 65, k32, 32, BR_EC_secp256r1);
	sink ^= p[1];
}

static void op_ecdsa_sign(int impl)
{
	static const uint8_t h[32] = {1, 2, 3};
	br_ec_private_key sk = {BR_EC_secp256r1, k32, 32};
	uint8_t sig[80];
	size_t n;

	if (impl)
		n = br_ecdsa_i31_sign_asn1(&br_ec_all_m31, &br_sha256_vtable, h, &sk, sig);
	else
		n = tg_p256_ecdsa_sign_asn1(&br_sha256_vtable, h, 32, &sk, sig);
	sink ^= (uint8_t)n;
}

/* an NTS request's AES-SIV work on the server: open the cookie, check the
 * request, seal a new cookie, seal the answer (4 keyed contexts: the two
 * session keys keyed per request, the master key kept) */
static struct tg_siv master;
static uint8_t cookie[104], req[228], resp[256];

static void op_nts_siv(int impl)
{
	static const uint8_t nonce[16] = {9};
	struct tg_siv c2s, s2c;
	uint8_t pt[72], out[200];
	long n;

	(void)impl;
	n = tg_siv_open(&master, nonce, 16, cookie, 4, cookie + 20, 84, pt, sizeof(pt));
	tg_siv_init(&c2s, k32, 32);
	n += tg_siv_open(&c2s, nonce, 16, req, 212, req + 212, 16, out, sizeof(out));
	tg_siv_seal(&master, nonce, 16, cookie, 4, pt, 68, out, sizeof(out));
	tg_siv_init(&s2c, k32, 32);
	n += (long)tg_siv_seal(&s2c, nonce, 16, resp, 84, out, 108, resp + 84, sizeof(resp) - 84);
	if (n != 68 + 0 + 124)
		abort(); /* every step must have worked */
	sink ^= resp[90];
	tg_siv_wipe(&c2s);
	tg_siv_wipe(&s2c);
}

static void row(const char *name, void (*op)(int), int has_bearssl)
{
	double ours = timeit(op, 0);

	if (has_bearssl)
		printf("%s %.2f %.2f\n", name, ours, timeit(op, 1));
	else
		printf("%s %.2f -\n", name, ours);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	uint8_t k2[32];

	if (argc > 1)
		N = atoi(argv[1]);
	if (argc > 2)
		R = atoi(argv[2]);
	if (N < 1 || R < 1 || R > 64) {
		fprintf(stderr, "usage: tg-cryptobench [N (>= 1) [R (1..64)]]\n");
		return 2;
	}
	memcpy(k2, k32, 32);
	k2[5] ^= 0x5a;
	br_ec_all_m31.mulgen(p256_point, k2, 32, BR_EC_secp256r1);
	br_ec_all_m31.mulgen(x25519_point, k2, 32, BR_EC_curve25519);
	/* a valid cookie (68-byte content under the master key) and request (empty plaintext) */
	{
		static const uint8_t nonce[16] = {9};
		uint8_t pt[68];
		struct tg_siv c2s;

		tg_siv_init(&master, k2, 32);
		memset(pt, 0x42, sizeof(pt));
		memset(cookie, 0x25, 4);
		tg_siv_seal(&master, nonce, 16, cookie, 4, pt, 68, cookie + 20, 84);
		memset(req, 0x23, 212);
		tg_siv_init(&c2s, k32, 32);
		tg_siv_seal(&c2s, nonce, 16, req, 212, NULL, 0, req + 212, 16);
		tg_siv_wipe(&c2s);
	}
	memset(resp, 0x24, sizeof(resp));
	row("x25519_keygen", op_x25519_keygen, 1);
	row("x25519_shared", op_x25519_shared, 1);
	row("p256_keygen", op_p256_keygen, 1);
	row("p256_shared", op_p256_shared, 1);
	row("ecdsa_p256_sign", op_ecdsa_sign, 1);
	row("nts_request_aessiv", op_nts_siv, 0);
	return 0;
}
