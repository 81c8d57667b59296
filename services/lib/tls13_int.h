/*
 * tls13_int.h - internals shared by tls13.c, tls13_crypto.c and the tests.
 */
#ifndef TG_TLS13_INT_H
#define TG_TLS13_INT_H

#include "tls13.h"

const br_hash_class *tg_tls_hash(uint16_t suite);
size_t tg_tls_key_len(uint16_t suite);
void tg_tls_hmac(const br_hash_class *h, const uint8_t *key, size_t key_len, const uint8_t *a,
                 size_t a_len, const uint8_t *b, size_t b_len, uint8_t *out);
void tg_tls_hkdf_extract(const br_hash_class *h, const uint8_t *salt, size_t salt_len,
                         const uint8_t *ikm, size_t ikm_len, uint8_t *prk);
void tg_tls_hkdf_expand(const br_hash_class *h, const uint8_t *prk, size_t prk_len,
                        const uint8_t *info, size_t info_len, uint8_t *out, size_t out_len);
void tg_tls_derive_secret(uint16_t suite, const uint8_t *secret, const char *label,
                          const uint8_t *thash, uint8_t *out);
void tg_tls_empty_hash(uint16_t suite, uint8_t *out);
/* AEAD of the suite in place, 12-byte nonce; decrypt: 1 if the tag is good */
int tg_tls_aead(uint16_t suite, const uint8_t *key, const uint8_t *nonce, const uint8_t *aad,
                size_t aad_len, uint8_t *data, size_t len, uint8_t *tag, int encrypt);
/* RSASSA-PSS verification, salt length = hash length; 1 if valid */
int tg_tls_pss_verify(const br_rsa_public_key *pk, const br_hash_class *h, const uint8_t *mhash,
                      const uint8_t *sig, size_t sig_len);

#endif
