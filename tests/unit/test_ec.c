/*
 * test_ec.c - tg_ec_impl (lib/ec.c), the br_ec_impl the TLS code uses:
 * for every curve and entry point it gives the same bytes as BearSSL's
 * br_ec_all_m31 (our X25519 and P-256 for curve25519 and secp256r1, the
 * m31 code for the rest), and signatures made through it are BearSSL's
 * deterministic ones and verify.
 */
#include <bearssl.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "ec.h"

static void rand_bytes(uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)check_rand();
}

static void test_same_curves_and_constants(void)
{
	static const int curves[] = {BR_EC_secp256r1, BR_EC_secp384r1, BR_EC_secp521r1,
	                             BR_EC_curve25519};
	size_t i, la, lb;

	CHECK_EQ_INT(tg_ec_impl.supported_curves, br_ec_all_m31.supported_curves);
	for (i = 0; i < sizeof(curves) / sizeof(curves[0]); i++) {
		const unsigned char *a = tg_ec_impl.generator(curves[i], &la);
		const unsigned char *b = br_ec_all_m31.generator(curves[i], &lb);

		CHECK(la == lb && memcmp(a, b, la) == 0);
		a = tg_ec_impl.order(curves[i], &la);
		b = br_ec_all_m31.order(curves[i], &lb);
		CHECK(la == lb && memcmp(a, b, la) == 0);
		CHECK_EQ_INT(tg_ec_impl.xoff(curves[i], &la), br_ec_all_m31.xoff(curves[i], &lb));
		CHECK_EQ_INT(la, lb);
	}
}

/* k*G and k*P on each curve: the same bytes and return values as m31 */
static void test_same_results(void)
{
	static const struct {
		int curve;
		size_t klen;
	} cs[] = {{BR_EC_curve25519, 32}, {BR_EC_secp256r1, 32}, {BR_EC_secp384r1, 48}};
	uint8_t k[48], a[200], b[200], pa[200], pb[200];
	size_t c, la, lb;
	int it;

	for (c = 0; c < sizeof(cs) / sizeof(cs[0]); c++) {
		for (it = 0; it < 100; it++) {
			rand_bytes(k, cs[c].klen);
			k[0] &= 0x7f; /* below the order for the Weierstrass curves */
			la = tg_ec_impl.mulgen(a, k, cs[c].klen, cs[c].curve);
			lb = br_ec_all_m31.mulgen(b, k, cs[c].klen, cs[c].curve);
			CHECK(la == lb && la > 0 && memcmp(a, b, la) == 0);
			/* another scalar times that point */
			memcpy(pa, a, la);
			memcpy(pb, b, lb);
			rand_bytes(k, cs[c].klen);
			k[0] &= 0x7f;
			CHECK_EQ_INT(tg_ec_impl.mul(pa, la, k, cs[c].klen, cs[c].curve),
			             br_ec_all_m31.mul(pb, lb, k, cs[c].klen, cs[c].curve));
			CHECK(memcmp(pa, pb, la) == 0);
		}
	}
	/* a P-256 point off the curve is refused by both */
	rand_bytes(k, 32);
	tg_ec_impl.mulgen(a, k, 32, BR_EC_secp256r1);
	a[64] ^= 1;
	memcpy(b, a, 65);
	CHECK_EQ_INT(tg_ec_impl.mul(a, 65, k, 32, BR_EC_secp256r1), 0);
	CHECK_EQ_INT(br_ec_all_m31.mul(b, 65, k, 32, BR_EC_secp256r1), 0);
}

/* ECDSA through tg_ec_impl: BearSSL's deterministic signature, verified */
static void test_ecdsa(void)
{
	uint8_t x[32], pub[65], h[32], sa[80], sb[80];
	br_ec_private_key sk = {BR_EC_secp256r1, x, 32};
	br_ec_public_key pk = {BR_EC_secp256r1, pub, 65};
	size_t la, lb;
	int it;

	for (it = 0; it < 50; it++) {
		rand_bytes(x, 32);
		x[0] &= 0x7f;
		rand_bytes(h, 32);
		CHECK_EQ_INT(br_ec_compute_pub(&tg_ec_impl, NULL, NULL, &sk), 65);
		CHECK_EQ_INT(tg_ec_impl.mulgen(pub, x, 32, BR_EC_secp256r1), 65);
		la = br_ecdsa_i31_sign_asn1(&tg_ec_impl, &br_sha256_vtable, h, &sk, sa);
		lb = br_ecdsa_i31_sign_asn1(&br_ec_all_m31, &br_sha256_vtable, h, &sk, sb);
		CHECK(la > 0 && la == lb && memcmp(sa, sb, la) == 0);
		CHECK_EQ_INT(br_ecdsa_i31_vrfy_asn1(&br_ec_all_m31, h, 32, &pk, sa, la), 1);
		h[3] ^= 1;
		CHECK_EQ_INT(br_ecdsa_i31_vrfy_asn1(&br_ec_all_m31, h, 32, &pk, sa, la), 0);
	}
}

int main(void)
{
	check_seed();
	RUN(test_same_curves_and_constants);
	RUN(test_same_results);
	RUN(test_ecdsa);
	return check_exit();
}
