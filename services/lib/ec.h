/*
 * ec.h - the elliptic-curve code the product uses, as one BearSSL
 * br_ec_impl: our 64-bit constant-time X25519 (x25519.c) and P-256
 * (p256.c) for the secret-key operations on the TLS path (key shares,
 * ECDHE, the ECDSA signature's k*G), BearSSL's br_ec_all_m31 for the rest
 * (muladd, used only to verify signatures over public data, and the
 * other curves).  The TLS server's ECDSA signature goes through
 * tg_p256_ecdsa_sign_asn1 (p256.h), which also does the mod-n arithmetic
 * in 64-bit constant time.
 *
 * BearSSL 0.6 has only its 31- and 15-bit curve code; these cost 3 to 6
 * times more per operation (docs/PERFORMANCE.md).  The results are the
 * same bytes as br_ec_all_m31's for every input (tests/unit/test_x25519.c,
 * test_p256.c compare them), so callers can use either.
 */
#ifndef TG_EC_H
#define TG_EC_H

#include <bearssl_ec.h>

extern const br_ec_impl tg_ec_impl;

#endif
