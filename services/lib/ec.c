/*
 * ec.c - tg_ec_impl: curve25519 and secp256r1 on our 64-bit code,
 * everything else on BearSSL's br_ec_all_m31 (see ec.h).
 */
#include "ec.h"

#include "p256.h"
#include "x25519.h"

static const unsigned char *ec_generator(int curve, size_t *len)
{
	return br_ec_all_m31.generator(curve, len);
}

static const unsigned char *ec_order(int curve, size_t *len)
{
	return br_ec_all_m31.order(curve, len);
}

static size_t ec_xoff(int curve, size_t *len)
{
	return br_ec_all_m31.xoff(curve, len);
}

static uint32_t ec_mul(unsigned char *G, size_t Glen, const unsigned char *x, size_t xlen,
                       int curve)
{
	switch (curve) {
	case BR_EC_curve25519:
		return tg_x25519_br_mul(G, Glen, x, xlen);
	case BR_EC_secp256r1:
		return tg_p256_mul(G, Glen, x, xlen);
	default:
		return br_ec_all_m31.mul(G, Glen, x, xlen, curve);
	}
}

static size_t ec_mulgen(unsigned char *R, const unsigned char *x, size_t xlen, int curve)
{
	switch (curve) {
	case BR_EC_curve25519:
		return tg_x25519_br_mulgen(R, x, xlen);
	case BR_EC_secp256r1:
		return tg_p256_mulgen(R, x, xlen);
	default:
		return br_ec_all_m31.mulgen(R, x, xlen, curve);
	}
}

/* A*x + B*y: signature verification only, over public values */
static uint32_t ec_muladd(unsigned char *A, const unsigned char *B, size_t len,
                          const unsigned char *x, size_t xlen, const unsigned char *y, size_t ylen,
                          int curve)
{
	return br_ec_all_m31.muladd(A, B, len, x, xlen, y, ylen, curve);
}

const br_ec_impl tg_ec_impl = {
	(uint32_t)0x23800000, /* the curves br_ec_all_m31 supports: 23, 24, 25, 29 */
	&ec_generator, &ec_order, &ec_xoff, &ec_mul, &ec_mulgen, &ec_muladd,
};
