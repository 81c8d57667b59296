/*
 * aessiv.h - AES-SIV-CMAC (RFC 5297) as the NTS AEAD algorithms
 * AEAD_AES_SIV_CMAC_256 (IANA 15, 32-byte key), _384 (16, 48-byte key)
 * and _512 (17, 64-byte key), on AES-NI where the CPU has it (aesni.c),
 * else on BearSSL's constant-time bitsliced AES (ct64).
 *
 * One associated-data string and one nonce, as RFC 8915 uses it (S2V
 * over AD, then nonce, then plaintext; RFC 5297 2.4).  The output is the
 * 16-byte synthetic IV followed by the ciphertext (RFC 5297 2.6), so a
 * sealed message is 16 bytes longer than its plaintext.  Tag check in
 * constant time; on a failed open the plaintext buffer is wiped.  No
 * allocation; contexts are wiped by tg_siv_wipe().
 *
 * tg_siv_init expands the key once (both AES key schedules, the CMAC
 * subkeys and S2V's first block, which depend on the key alone), so a
 * context kept for a long-lived key (ntsd's cookie master keys) costs
 * nothing per message.  The AES backend is fixed when the context is
 * keyed.
 */
#ifndef TG_AESSIV_H
#define TG_AESSIV_H

#include <bearssl_block.h>
#include <stddef.h>
#include <stdint.h>

#include "aesni.h"

#define TG_SIV_AEAD_256 15
#define TG_SIV_AEAD_384 16
#define TG_SIV_AEAD_512 17
#define TG_SIV_TAG_LEN  16
#define TG_SIV_KEY_MAX  64

/* Key length in bytes for an AEAD id (32, 48, 64), 0 if not one of ours. */
size_t tg_siv_key_len(uint16_t aead);

/* A keyed context (both halves of the key expanded). */
struct tg_siv {
	union {
		struct tg_aesni_key ni;
		br_aes_ct64_cbcenc_keys ct64;
	} mac; /* K1, for CMAC (CBC-MAC) */
	union {
		struct tg_aesni_key ni;
		br_aes_ct64_ctr_keys ct64;
	} ctr;                      /* K2, for CTR */
	int ni;                     /* 1: AES-NI keys, 0: ct64 keys */
	uint8_t sub1[16], sub2[16]; /* CMAC subkeys (RFC 4493 K1, K2) */
	uint8_t d0[16];             /* S2V's D = CMAC(K1, <zero>) */
	size_t klen;                /* bytes of each half: 16, 24 or 32 */
	int ok;
};

/* Key with key[0..key_len): 0, or -1 when key_len is not 32, 48 or 64. */
int tg_siv_init(struct tg_siv *s, const uint8_t *key, size_t key_len);

/*
 * Seal pt[0..pt_len) with the nonce and associated data (either may be
 * empty: len 0, pointer may be NULL; an empty nonce is left out of S2V,
 * RFC 5297 3), into out[0..pt_len + 16).  out may equal pt + 16 only if
 * the caller moves pt first; out and pt must not overlap otherwise.
 * Returns pt_len + 16, or 0 when cap is too small.
 */
size_t tg_siv_seal(const struct tg_siv *s, const uint8_t *nonce, size_t nonce_len,
                   const uint8_t *ad, size_t ad_len, const uint8_t *pt, size_t pt_len,
                   uint8_t *out, size_t cap);

/*
 * Open ct[0..ct_len) (tag first) into pt (capacity cap >= ct_len - 16).
 * Returns the plaintext length, or -1 (too short, no room, or the tag
 * does not match: then pt holds zeros).
 */
long tg_siv_open(const struct tg_siv *s, const uint8_t *nonce, size_t nonce_len,
                 const uint8_t *ad, size_t ad_len, const uint8_t *ct, size_t ct_len,
                 uint8_t *pt, size_t cap);

/* RFC 5297's generic S2V over n strings, for the known-answer tests (n <= 8). */
void tg_siv_s2v(const struct tg_siv *s, const uint8_t *const *str, const size_t *len, size_t n,
                uint8_t v[16]);

void tg_siv_wipe(struct tg_siv *s);

#endif
