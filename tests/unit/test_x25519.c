/*
 * test_x25519.c - lib/x25519.c: RFC 7748 vectors (section 5.2, the
 * iterated test to 1000, section 6.1), non-canonical and top-bit u,
 * small-order inputs, and a differential test against BearSSL's
 * br_ec_c25519_m31 through the br_ec_impl-style wrappers (results and
 * return values byte for byte, short multipliers and bad lengths too).
 */
#include <bearssl.h>
#include <stdint.h>
#include <string.h>

#include "check.h"

#include "x25519.h"

static void unhex(uint8_t *out, const char *hex, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned v = 0;
		int j;

		for (j = 0; j < 2; j++) {
			char c = hex[2 * i + (size_t)j];

			v <<= 4;
			if (c >= '0' && c <= '9')
				v |= (unsigned)(c - '0');
			else if (c >= 'a' && c <= 'f')
				v |= (unsigned)(c - 'a' + 10);
		}
		out[i] = (uint8_t)v;
	}
}

static int eq_hex(const uint8_t *got, const char *hex)
{
	uint8_t want[32];

	unhex(want, hex, 32);
	return memcmp(got, want, 32) == 0;
}

static void rand_bytes(uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(check_rand() >> 56);
}

static int is_zero(const uint8_t *p, size_t n)
{
	uint8_t acc = 0;
	size_t i;

	for (i = 0; i < n; i++)
		acc |= p[i];
	return acc == 0;
}

/* u = p + k (k < 19): non-canonical, still below 2^255 */
static void set_p_plus(uint8_t u[32], unsigned k)
{
	memset(u, 0xff, 32);
	u[0] = (uint8_t)(0xed + k);
	u[31] = 0x7f;
}

/* RFC 7748 section 5.2, the two single-call vectors */
static void rfc7748_vectors(void)
{
	static const char *const v[2][3] = {
	    {"a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4",
	     "e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c",
	     "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552"},
	    {"4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d",
	     "e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493",
	     "95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957"},
	};
	uint8_t k[32], u[32], out[32];
	int i;

	for (i = 0; i < 2; i++) {
		unhex(k, v[i][0], 32);
		unhex(u, v[i][1], 32);
		tg_x25519(out, k, u);
		CHECK(eq_hex(out, v[i][2]));
		/* in place, output over u and over the scalar */
		tg_x25519(u, k, u);
		CHECK(eq_hex(u, v[i][2]));
		unhex(u, v[i][1], 32);
		tg_x25519(k, k, u);
		CHECK(eq_hex(k, v[i][2]));
	}
}

/* RFC 7748 section 5.2, iterated: k = X25519(k, u), u = old k; from 9, 9 */
static void rfc7748_iterated(void)
{
	uint8_t k[32] = {9}, u[32] = {9}, r[32];
	int i;

	for (i = 1; i <= 1000; i++) {
		tg_x25519(r, k, u);
		memcpy(u, k, 32);
		memcpy(k, r, 32);
		if (i == 1)
			CHECK(eq_hex(
			    k, "422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079"));
	}
	CHECK(eq_hex(k, "684cf59ba83309552800ef566f2f4d3c1c3887c49360e3875f2eb94d99532c51"));
}

/* RFC 7748 section 6.1 */
static void rfc7748_dh(void)
{
	uint8_t a[32], b[32], pa[32], pb[32], ka[32], kb[32];

	unhex(a, "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a", 32);
	unhex(b, "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb", 32);
	tg_x25519_base(pa, a);
	tg_x25519_base(pb, b);
	CHECK(eq_hex(pa, "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"));
	CHECK(eq_hex(pb, "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f"));
	tg_x25519(ka, a, pb);
	tg_x25519(kb, b, pa);
	CHECK(eq_hex(ka, "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742"));
	CHECK(eq_hex(kb, "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742"));
}

/* u >= p and u with bit 255 set give the same as the reduced / masked u */
static void noncanonical_u(void)
{
	uint8_t k[32], u[32], r[32], out1[32], out2[32];
	unsigned j;
	int n;

	for (n = 0; n < 4; n++) {
		rand_bytes(k, 32);
		/* p + j == j for j = 0..18 (p, p+1, ..., 2^255 - 1) */
		for (j = 0; j < 19; j++) {
			set_p_plus(u, j);
			memset(r, 0, 32);
			r[0] = (uint8_t)j;
			tg_x25519(out1, k, u);
			tg_x25519(out2, k, r);
			CHECK(memcmp(out1, out2, 32) == 0);
			/* with bit 255 set as well */
			u[31] |= 0x80;
			tg_x25519(out1, k, u);
			CHECK(memcmp(out1, out2, 32) == 0);
		}
		/* 2^256 - 1 (all ones, top bit set) == 2^255 - 1 == p + 18 == 18 */
		memset(u, 0xff, 32);
		memset(r, 0, 32);
		r[0] = 18;
		tg_x25519(out1, k, u);
		tg_x25519(out2, k, r);
		CHECK(memcmp(out1, out2, 32) == 0);
		/* a random u with and without bit 255 */
		rand_bytes(u, 32);
		u[31] |= 0x80;
		memcpy(r, u, 32);
		r[31] &= 0x7f;
		tg_x25519(out1, k, u);
		tg_x25519(out2, k, r);
		CHECK(memcmp(out1, out2, 32) == 0);
		CHECK(!is_zero(out1, 32));
	}
	/* the RFC 7748 section 5.2 vector 1 u with bit 255 set: same output */
	unhex(k, "a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4", 32);
	unhex(u, "e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c", 32);
	u[31] |= 0x80;
	tg_x25519(out1, k, u);
	CHECK(eq_hex(out1, "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552"));
}

/*
 * Points of small order (cr.yp.to/ecdh.html; libsodium's blacklist):
 * 0, 1, the two points of order 8, p-1, p, p+1.  With any clamped scalar
 * (a multiple of 8) the result is all zeros, also with bit 255 set.  The
 * page's other five strings (p+325606..., p+39382..., 2p-1, 2p, 2p+1) are
 * >= 2^255: RFC 7748 masks bit 255 first, which turns them into other
 * u values (e.g. 2p+1 -> p-18), not of small order, so they are only
 * checked against BearSSL (which masks too).
 */
static const char *const small_order[] = {
    "0000000000000000000000000000000000000000000000000000000000000000",
    "0100000000000000000000000000000000000000000000000000000000000000",
    "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
    "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
};

static const char *const high_bit_list[] = {
    "cdeb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b880",
    "4c9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f11d7",
    "d9ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
    "daffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
    "dbffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
};

static void small_order_points(void)
{
	uint8_t k[32], u[32], out[32], g[32];
	size_t i;
	int n;

	for (n = 0; n < 8; n++) {
		rand_bytes(k, 32);
		for (i = 0; i < sizeof small_order / sizeof small_order[0]; i++) {
			unhex(u, small_order[i], 32);
			memset(out, 0xaa, 32);
			tg_x25519(out, k, u);
			CHECK(is_zero(out, 32));
			u[31] |= 0x80;
			memset(out, 0xaa, 32);
			tg_x25519(out, k, u);
			CHECK(is_zero(out, 32));
			/* BearSSL agrees, and still returns 1 */
			memcpy(g, u, 32);
			CHECK_EQ_INT(tg_x25519_br_mul(g, 32, k, 32), 1);
			CHECK(is_zero(g, 32));
		}
		for (i = 0; i < sizeof high_bit_list / sizeof high_bit_list[0]; i++) {
			unhex(u, high_bit_list[i], 32);
			tg_x25519(out, k, u);
			memcpy(g, u, 32);
			CHECK_EQ_INT(br_ec_c25519_m31.mul(g, 32, k, 32, BR_EC_curve25519), 1);
			CHECK(memcmp(out, g, 32) == 0);
			CHECK(!is_zero(out, 32));
		}
	}
}

/* tg_x25519_br_mul / _mulgen against br_ec_c25519_m31, random inputs */
static void differential_bearssl(void)
{
	const br_ec_impl *m31 = &br_ec_c25519_m31;
	uint8_t k[32], u[32], g1[32], g2[32], out[32];
	uint32_t r1, r2;
	size_t kblen, s1, s2;
	int i, mismatches = 0;

	for (i = 0; i < 2000; i++) {
		rand_bytes(k, 32);
		rand_bytes(u, 32);
		switch (i % 8) {
		case 1: /* non-canonical: p .. 2^255-1, maybe bit 255 */
			set_p_plus(u, (unsigned)(check_rand() % 19));
			u[31] |= (uint8_t)(check_rand() & 0x80);
			break;
		case 2: /* high limbs all ones */
			memset(u + 16, 0xff, 16);
			break;
		case 3: /* tiny u */
			memset(u + 1, 0, 31);
			break;
		default:
			break;
		}
		/* a quarter of the multipliers are shorter than 32 bytes */
		kblen = (i % 4 == 0) ? (size_t)(check_rand() % 33) : 32;

		memcpy(g1, u, 32);
		memcpy(g2, u, 32);
		r1 = m31->mul(g1, 32, k, kblen, BR_EC_curve25519);
		r2 = tg_x25519_br_mul(g2, 32, k, kblen);
		if (r1 != r2 || memcmp(g1, g2, 32) != 0)
			mismatches++;

		if (kblen == 32) {
			/* BearSSL 0.6 reads the multiplier little-endian, as RFC 7748 */
			tg_x25519(out, k, u);
			if (memcmp(out, g1, 32) != 0)
				mismatches++;
		}

		memset(g1, 0x55, 32);
		memset(g2, 0xaa, 32);
		s1 = m31->mulgen(g1, k, kblen, BR_EC_curve25519);
		s2 = tg_x25519_br_mulgen(g2, k, kblen);
		if (s1 != s2 || memcmp(g1, g2, 32) != 0)
			mismatches++;
		if (kblen == 32) {
			tg_x25519_base(out, k);
			if (memcmp(out, g1, 32) != 0)
				mismatches++;
		}
	}
	CHECK_EQ_INT(mismatches, 0);
}

/* bad lengths: same return values, buffers left alone; kb aliasing G */
static void bearssl_edge_cases(void)
{
	const br_ec_impl *m31 = &br_ec_c25519_m31;
	static const size_t glens[] = {0, 1, 31, 33, 64, SIZE_MAX};
	static const size_t kblens[] = {33, 34, 64, SIZE_MAX};
	uint8_t k[64], u[64], g1[64], g2[64];
	uint32_t r1, r2;
	size_t i, j, s1, s2;

	rand_bytes(k, sizeof k);
	rand_bytes(u, sizeof u);
	for (i = 0; i < sizeof glens / sizeof glens[0]; i++) {
		memcpy(g1, u, sizeof g1);
		memcpy(g2, u, sizeof g2);
		r1 = m31->mul(g1, glens[i], k, 32, BR_EC_curve25519);
		r2 = tg_x25519_br_mul(g2, glens[i], k, 32);
		CHECK_EQ_INT(r1, 0);
		CHECK_EQ_INT(r2, 0);
		CHECK(memcmp(g1, u, sizeof g1) == 0);
		CHECK(memcmp(g2, u, sizeof g2) == 0);
	}
	for (j = 0; j < sizeof kblens / sizeof kblens[0]; j++) {
		memcpy(g1, u, sizeof g1);
		memcpy(g2, u, sizeof g2);
		r1 = m31->mul(g1, 32, k, kblens[j], BR_EC_curve25519);
		r2 = tg_x25519_br_mul(g2, 32, k, kblens[j]);
		CHECK_EQ_INT(r1, 0);
		CHECK_EQ_INT(r2, 0);
		CHECK(memcmp(g1, u, sizeof g1) == 0);
		CHECK(memcmp(g2, u, sizeof g2) == 0);
		/* mulgen ignores mul's failure: R holds the generator, 32 */
		memset(g1, 0x55, sizeof g1);
		memset(g2, 0x55, sizeof g2);
		s1 = m31->mulgen(g1, k, kblens[j], BR_EC_curve25519);
		s2 = tg_x25519_br_mulgen(g2, k, kblens[j]);
		CHECK_EQ_INT(s1, 32);
		CHECK_EQ_INT(s2, 32);
		CHECK(memcmp(g1, g2, sizeof g1) == 0);
		CHECK(g2[0] == 9 && is_zero(g2 + 1, 31));
	}
	/* every multiplier length 0..32, including the empty one */
	for (j = 0; j <= 32; j++) {
		memcpy(g1, u, 32);
		memcpy(g2, u, 32);
		r1 = m31->mul(g1, 32, k, j, BR_EC_curve25519);
		r2 = tg_x25519_br_mul(g2, 32, k, j);
		CHECK_EQ_INT(r1, 1);
		CHECK_EQ_INT(r2, 1);
		CHECK(memcmp(g1, g2, 32) == 0);
	}
	/* the multiplier is the point buffer itself (BearSSL masks G[31] first) */
	for (j = 0; j < 4; j++) {
		rand_bytes(g1, 32);
		g1[31] |= 0x80;
		memcpy(g2, g1, 32);
		r1 = m31->mul(g1, 32, g1, 32, BR_EC_curve25519);
		r2 = tg_x25519_br_mul(g2, 32, g2, 32);
		CHECK_EQ_INT(r1, r2);
		CHECK(memcmp(g1, g2, 32) == 0);
	}
}

int main(void)
{
	check_seed();
	RUN(rfc7748_vectors);
	RUN(rfc7748_iterated);
	RUN(rfc7748_dh);
	RUN(noncanonical_u);
	RUN(small_order_points);
	RUN(differential_bearssl);
	RUN(bearssl_edge_cases);
	return check_exit();
}
