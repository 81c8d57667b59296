/*
 * aesni.h - AES (128, 192, 256-bit keys) on the x86_64 AES-NI
 * instructions, for AES-SIV (aessiv.c): CBC-MAC chaining and CTR, with
 * the round keys kept in registers across a whole message and four CTR
 * blocks in flight.  Constant time by construction (the instructions do
 * the S-box; the key schedule uses AESKEYGENASSIST for SubWord).
 *
 * Only on x86_64: elsewhere tg_aesni_available() is 0 and aessiv.c uses
 * BearSSL's constant-time bitsliced AES.  The functions carry their own
 * target attribute, so the rest of the program stays baseline x86_64.
 */
#ifndef TG_AESNI_H
#define TG_AESNI_H

#include <stddef.h>
#include <stdint.h>

struct tg_aesni_key {
	_Alignas(16) uint8_t rk[15][16]; /* round keys 0..rounds */
	unsigned rounds;                 /* 10, 12 or 14 */
};

/* 1 when the CPU has AES-NI (asked once per process), else 0. */
int tg_aesni_available(void);

/* Expand key[0..len), len 16, 24 or 32.  Only call when available. */
void tg_aesni_expand(struct tg_aesni_key *k, const uint8_t *key, size_t len);

/* CBC-MAC chaining: for each 16-byte block b of data, x = E(x ^ b). */
void tg_aesni_cbcmac(const struct tg_aesni_key *k, uint8_t x[16], const uint8_t *data,
                     size_t nblocks);

/*
 * data[0..len) ^= keystream E(iv || ctr), E(iv || ctr + 1), ...: iv is
 * 12 bytes, the counter a 32-bit big-endian word (wraps mod 2^32).
 */
void tg_aesni_ctr(const struct tg_aesni_key *k, const uint8_t iv[12], uint32_t ctr, uint8_t *data,
                  size_t len);

/*
 * S2V (RFC 5297 2.4) over the n strings str[i][0..len[i]) with the CMAC
 * key mac, its subkeys sub1, sub2 (RFC 4493 K1, K2) and d0 = CMAC(<zero>)
 * (aessiv.c keeps them in its context): the synthetic IV into v.
 */
void tg_aesni_s2v(const struct tg_aesni_key *mac, const uint8_t sub1[16], const uint8_t sub2[16],
                  const uint8_t d0[16], const uint8_t *const *str, const size_t *len, size_t n,
                  uint8_t v[16]);

#endif
