/*
 * p256.h - constant-time NIST P-256 (secp256r1) point multiplication on
 * 64-bit limbs, a faster drop-in for the mul and mulgen entries of
 * BearSSL's br_ec_p256_m31; and ECDSA signing on it, a faster drop-in
 * for br_ecdsa_i31_sign_raw/_asn1 on P-256 keys.
 *
 * The two point functions follow br_ec_impl's semantics for secp256r1 (see
 * bearssl_ec.h) and produce the same bytes as br_ec_p256_m31 wherever
 * BearSSL defines the result:
 *
 *  - Points are uncompressed, 65 bytes: 0x04 || X || Y, big-endian.
 *  - The scalar k is unsigned big-endian of any length (klen 0 is k = 0);
 *    leading zeros are allowed, a k of more than 32 bytes is reduced
 *    modulo the group order n first (k*P only depends on k mod n).
 *  - k = 0, or k = 0 mod n, gives the point at infinity, which is encoded
 *    as 0x04 followed by 64 zero bytes, as br_ec_p256_m31 does.  It is
 *    not an error for mul (BearSSL leaves k in [1, n-1] to the caller).
 *
 * The scalar is secret: no branch, early exit or memory index depends on
 * it, and the scalar copy and accumulators are wiped before returning.
 * The input point and all lengths are public.
 */
#ifndef TG_P256_H
#define TG_P256_H

#include <bearssl_ec.h>
#include <bearssl_hash.h>
#include <stddef.h>
#include <stdint.h>

/*
 * In place G := k*G, like br_ec_impl.mul.  G must be Glen = 65 bytes,
 * 0x04 || X || Y with X, Y < p and (X, Y) on the curve y^2 = x^3 - 3x + b.
 * Returns 1 on success, 0 if the point is refused; on 0, G is left as it
 * was (BearSSL documents its contents as indeterminate then).
 */
uint32_t tg_p256_mul(uint8_t *G, size_t Glen, const uint8_t *k, size_t klen);

/* R[0..65) := k*G for the conventional generator G, like
 * br_ec_impl.mulgen; returns 65. */
size_t tg_p256_mulgen(uint8_t *R, const uint8_t *k, size_t klen);

/*
 * ECDSA P-256 signature of the hash value hv[0..hv_len), raw r || s
 * (64 bytes) into sig.  Byte for byte what br_ecdsa_i31_sign_raw gives
 * for the same key and hash when hv_len is hf's output length (BearSSL
 * takes the length from hf; here it is hv_len, so that a hash of one
 * size can be signed with the DRBG over another): the leftmost 256 bits
 * of the hash are the integer (bits2int), and k is derived as in RFC
 * 6979 with HMAC-DRBG over hf (e.g. &br_sha256_vtable), seeded with
 * x || (h mod n), drawing 32 bytes until 0 < k < n.
 *
 * Returns 64, or 0 if the key is refused: curve not secp256r1, xlen not
 * 32 (BearSSL also takes other lengths), x = 0 or x >= n; nothing is
 * written then.  The key, k and the hash value are handled without
 * branches or indices on their contents; x, k and what derives from
 * them are wiped.
 */
size_t tg_p256_ecdsa_sign_raw(const br_hash_class *hf, const void *hv, size_t hv_len,
			      const br_ec_private_key *sk, void *sig);

/*
 * The same signature in ASN.1 DER (SEQUENCE of two INTEGERs, at most 72
 * bytes), as br_ecdsa_i31_sign_asn1; returns its length, or 0.
 */
size_t tg_p256_ecdsa_sign_asn1(const br_hash_class *hf, const void *hv, size_t hv_len,
			       const br_ec_private_key *sk, void *sig);

#endif
