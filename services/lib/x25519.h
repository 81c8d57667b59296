/*
 * x25519.h - constant-time X25519 (RFC 7748) with 64-bit arithmetic.
 *
 * A faster replacement for BearSSL 0.6's br_ec_c25519_m31, plus wrappers
 * with exactly the br_ec_impl mul()/mulgen() semantics of that code so
 * that the TLS code can swap implementations.
 */
#ifndef TG_X25519_H
#define TG_X25519_H

#include <stddef.h>
#include <stdint.h>

/*
 * out = X25519(scalar, u) as in RFC 7748 section 5: scalar and u are
 * little-endian; the scalar is clamped (bits 0-2 and 255 cleared, bit 254
 * set); bit 255 of u is ignored and non-canonical u (>= 2^255-19) is
 * reduced.  The output is canonical.  A small-order u gives all zeros; the
 * caller must check for that where RFC 7748 section 6.1 asks it to.
 * out may alias scalar or u.
 */
void tg_x25519(uint8_t out[32], const uint8_t scalar[32], const uint8_t u[32]);

/* out = X25519(scalar, 9): the public key for the private key scalar. */
void tg_x25519_base(uint8_t out[32], const uint8_t scalar[32]);

/*
 * Same contract as br_ec_c25519_m31.mul() in BearSSL 0.6: G (Glen bytes)
 * is the u coordinate, replaced in place by the result.  Returns 0 (G
 * untouched) if Glen != 32 or kblen > 32, else 1 (even for a small-order
 * G, whose result is all zeros).  kb (kblen bytes) is copied to the low
 * bytes of a 32-byte little-endian scalar, zero-extended, then clamped:
 * BearSSL 0.6 takes the Curve25519 multiplier LITTLE-endian, whatever
 * bearssl_ec.h says about multipliers in general.
 */
uint32_t tg_x25519_br_mul(uint8_t *G, size_t Glen, const uint8_t *kb, size_t kblen);

/*
 * Same contract as br_ec_c25519_m31.mulgen(): R = 9 (32 bytes), then
 * tg_x25519_br_mul(R, 32, kb, kblen); returns 32 always (with kblen > 32,
 * R is left holding the generator, as BearSSL does).
 */
size_t tg_x25519_br_mulgen(uint8_t *R, const uint8_t *kb, size_t kblen);

#endif
