/*
 * aessiv.c - AES-SIV-CMAC (RFC 5297) on BearSSL's AES.
 *
 * The key is split in two halves (RFC 5297 2.6): K1 keys CMAC (RFC 4493)
 * inside S2V, K2 keys AES-CTR.  CMAC is CBC-MAC with a zero IV, run one
 * block at a time through BearSSL's CBC-encryption class (its run()
 * leaves the last cipher block, the chaining value, in the IV buffer),
 * with the last block masked by the subkey K1' = dbl(E(0)) when full or
 * padded and masked by K2' = dbl(K1') otherwise.
 *
 * CTR: the counter block Q is the synthetic IV V with bits 31 and 63
 * cleared (the top bits of bytes 8 and 12), incremented as a 128-bit
 * big-endian number.  BearSSL's CTR run() takes a 12-byte IV and a
 * 32-bit counter it increments modulo 2^32; since bit 31 of Q is clear
 * the counter starts below 2^31, so for messages below 2^31 blocks the
 * low word never wraps and the 128-bit increment never carries out of it.
 * Hence iv = Q[0..12), counter = Q[12..16) big-endian is exact.
 *
 * Backend: AES-NI (x86ni) when the CPU has it, else the constant-time
 * bitsliced ct64 code.  Key schedules live on the stack for one call and
 * are wiped afterwards.
 */
#include "aessiv.h"

#include <bearssl.h>
#include <limits.h>
#include <string.h>

#include "ct.h"

/* messages of at most 2^31 blocks: the 32-bit CTR counter cannot wrap */
#define SIV_MAX_LEN ((uint64_t)1 << 35)

/* Set by the tests (which #include this file) to exercise the ct64 code. */
static int siv_force_ct64;

/*
 * The AES code is chosen once per process: BearSSL's *_get_vtable() asks
 * the CPU (CPUID) on every call, and CPUID traps to the hypervisor in a
 * virtual machine (6.7 us measured on our build machines; an NTS request
 * made seven such calls, most of its cost: docs/PERFORMANCE.md).
 */
static const br_block_cbcenc_class *cbcenc_vtable(void)
{
	static const br_block_cbcenc_class *x86ni;
	static int asked;

	if (!asked) {
		x86ni = br_aes_x86ni_cbcenc_get_vtable();
		asked = 1;
	}
	return x86ni && !siv_force_ct64 ? x86ni : &br_aes_ct64_cbcenc_vtable;
}

static const br_block_ctr_class *ctr_vtable(void)
{
	static const br_block_ctr_class *x86ni;
	static int asked;

	if (!asked) {
		x86ni = br_aes_x86ni_ctr_get_vtable();
		asked = 1;
	}
	return x86ni && !siv_force_ct64 ? x86ni : &br_aes_ct64_ctr_vtable;
}

size_t tg_siv_key_len(uint16_t aead)
{
	switch (aead) {
	case TG_SIV_AEAD_256:
		return 32;
	case TG_SIV_AEAD_384:
		return 48;
	case TG_SIV_AEAD_512:
		return 64;
	default:
		return 0;
	}
}

int tg_siv_init(struct tg_siv *s, const uint8_t *key, size_t key_len)
{
	memset(s, 0, sizeof(*s));
	if (key_len != 32 && key_len != 48 && key_len != 64)
		return -1;
	s->klen = key_len / 2;
	memcpy(s->k1, key, s->klen);
	memcpy(s->k2, key + s->klen, s->klen);
	s->ok = 1;
	return 0;
}

void tg_siv_wipe(struct tg_siv *s)
{
	tg_wipe(s, sizeof(*s));
}

/* dbl (RFC 5297 2.3): shift the 128-bit string left by one, xor 0x87 on carry */
static void dbl(uint8_t b[16])
{
	unsigned carry = b[0] >> 7;
	int i;

	for (i = 0; i < 15; i++)
		b[i] = (uint8_t)(b[i] << 1 | b[i + 1] >> 7);
	/* constant time: the mask is 0x87 or 0 without a branch */
	b[15] = (uint8_t)(b[15] << 1 ^ (0x87 & -carry));
}

static void xor16(uint8_t *dst, const uint8_t *src)
{
	int i;

	for (i = 0; i < 16; i++)
		dst[i] ^= src[i];
}

/* ---------------------------------------------------------------- CMAC */

struct cmac {
	br_aes_gen_cbcenc_keys aes;
	uint8_t k1[16], k2[16]; /* RFC 4493 subkeys */
	uint8_t x[16];          /* chaining value */
	uint8_t buf[16];        /* held-back block: the last one is special */
	size_t n;               /* bytes in buf */
};

static void cmac_block(struct cmac *c, const uint8_t in[16])
{
	uint8_t t[16];

	memcpy(t, in, 16);
	c->aes.vtable->run(&c->aes.vtable, c->x, t, 16); /* x = E(x ^ in) */
	tg_wipe(t, sizeof(t));
}

static void cmac_key(struct cmac *c, const uint8_t *key, size_t klen)
{
	const br_block_cbcenc_class *vt = cbcenc_vtable();

	memset(c, 0, sizeof(*c));
	vt->init(&c->aes.vtable, key, klen);
	/* L = E(0); K1 = dbl(L); K2 = dbl(K1) */
	cmac_block(c, c->buf);
	memcpy(c->k1, c->x, 16);
	dbl(c->k1);
	memcpy(c->k2, c->k1, 16);
	dbl(c->k2);
	memset(c->x, 0, 16);
}

/* Start a new message under the same key. */
static void cmac_reset(struct cmac *c)
{
	memset(c->x, 0, 16);
	memset(c->buf, 0, 16);
	c->n = 0;
}

static void cmac_update(struct cmac *c, const uint8_t *p, size_t len)
{
	while (len > 0) {
		size_t k;

		if (c->n == 16) {
			/* more data follows, so the held block is not the last */
			cmac_block(c, c->buf);
			c->n = 0;
		}
		k = 16 - c->n < len ? 16 - c->n : len;
		memcpy(c->buf + c->n, p, k);
		c->n += k;
		p += k;
		len -= k;
	}
}

static void cmac_final(struct cmac *c, uint8_t out[16])
{
	if (c->n == 16) {
		xor16(c->buf, c->k1);
	} else {
		memset(c->buf + c->n, 0, 16 - c->n);
		c->buf[c->n] = 0x80;
		xor16(c->buf, c->k2);
	}
	cmac_block(c, c->buf);
	memcpy(out, c->x, 16);
	cmac_reset(c);
}

static void cmac_wipe(struct cmac *c)
{
	tg_wipe(c, sizeof(*c));
}

/* ---------------------------------------------------------------- S2V */

/* RFC 5297 2.4 over n strings with an already keyed CMAC. */
static void s2v(struct cmac *c, const uint8_t *const *str, const size_t *len, size_t n,
                uint8_t v[16])
{
	static const uint8_t zero[16], one[16] = {[15] = 1};
	uint8_t d[16], t[16];
	size_t i;

	cmac_reset(c);
	if (n == 0) {
		cmac_update(c, one, 16);
		cmac_final(c, v);
		return;
	}
	cmac_update(c, zero, 16);
	cmac_final(c, d);
	for (i = 0; i + 1 < n; i++) {
		dbl(d);
		cmac_update(c, str[i], len[i]);
		cmac_final(c, t);
		xor16(d, t);
	}
	if (len[n - 1] >= 16) {
		/* T = Sn xorend D: the last 16 bytes of Sn xored with D */
		size_t head = len[n - 1] - 16;

		cmac_update(c, str[n - 1], head);
		memcpy(t, str[n - 1] + head, 16);
		xor16(t, d);
		cmac_update(c, t, 16);
	} else {
		/* T = dbl(D) xor pad(Sn) */
		dbl(d);
		memset(t, 0, 16);
		if (len[n - 1])
			memcpy(t, str[n - 1], len[n - 1]);
		t[len[n - 1]] = 0x80;
		xor16(t, d);
		cmac_update(c, t, 16);
	}
	cmac_final(c, v);
	tg_wipe(d, sizeof(d));
	tg_wipe(t, sizeof(t));
}

void tg_siv_s2v(const struct tg_siv *s, const uint8_t *const *str, const size_t *len, size_t n,
                uint8_t v[16])
{
	struct cmac c;

	memset(v, 0, 16);
	if (!s->ok || n > 8)
		return;
	cmac_key(&c, s->k1, s->klen);
	s2v(&c, str, len, n, v);
	cmac_wipe(&c);
}

/* S2V for the AEAD: (AD, nonce, text), the nonce left out when empty. */
static void siv_v(const struct tg_siv *s, const uint8_t *nonce, size_t nonce_len, const uint8_t *ad,
                  size_t ad_len, const uint8_t *text, size_t text_len, uint8_t v[16])
{
	const uint8_t *str[3];
	size_t len[3], n = 0;
	struct cmac c;

	str[n] = ad;
	len[n++] = ad_len;
	if (nonce_len) {
		str[n] = nonce;
		len[n++] = nonce_len;
	}
	str[n] = text;
	len[n++] = text_len;
	cmac_key(&c, s->k1, s->klen);
	s2v(&c, str, len, n, v);
	cmac_wipe(&c);
}

/* ---------------------------------------------------------------- CTR */

/* data[0..len) ^= AES-CTR keystream under K2 from the counter Q = V & ~bits 31, 63 */
static void siv_ctr(const struct tg_siv *s, const uint8_t v[16], uint8_t *data, size_t len)
{
	br_aes_gen_ctr_keys aes;
	uint8_t q[16];
	uint32_t cc;

	if (!len)
		return;
	memcpy(q, v, 16);
	q[8] &= 0x7f;
	q[12] &= 0x7f;
	cc = (uint32_t)q[12] << 24 | (uint32_t)q[13] << 16 | (uint32_t)q[14] << 8 | q[15];
	ctr_vtable()->init(&aes.vtable, s->k2, s->klen);
	aes.vtable->run(&aes.vtable, q, cc, data, len);
	tg_wipe(&aes, sizeof(aes));
	tg_wipe(q, sizeof(q));
}

/* ---------------------------------------------------------------- AEAD */

size_t tg_siv_seal(const struct tg_siv *s, const uint8_t *nonce, size_t nonce_len,
                   const uint8_t *ad, size_t ad_len, const uint8_t *pt, size_t pt_len, uint8_t *out,
                   size_t cap)
{
	uint8_t v[16];

	if (!s->ok || (uint64_t)pt_len > SIV_MAX_LEN || cap < TG_SIV_TAG_LEN ||
	    cap - TG_SIV_TAG_LEN < pt_len)
		return 0;
	siv_v(s, nonce, nonce_len, ad, ad_len, pt, pt_len, v);
	/* V is computed before out is written: pt may overlap out */
	if (pt_len)
		memmove(out + TG_SIV_TAG_LEN, pt, pt_len);
	memcpy(out, v, TG_SIV_TAG_LEN);
	siv_ctr(s, v, out + TG_SIV_TAG_LEN, pt_len);
	tg_wipe(v, sizeof(v));
	return pt_len + TG_SIV_TAG_LEN;
}

long tg_siv_open(const struct tg_siv *s, const uint8_t *nonce, size_t nonce_len, const uint8_t *ad,
                 size_t ad_len, const uint8_t *ct, size_t ct_len, uint8_t *pt, size_t cap)
{
	uint8_t v[16], want[16];
	size_t pt_len;
	int ok;

	if (!s->ok || ct_len < TG_SIV_TAG_LEN) {
		if (pt && cap)
			tg_wipe(pt, cap);
		return -1;
	}
	pt_len = ct_len - TG_SIV_TAG_LEN;
	if (cap < pt_len || (uint64_t)pt_len > SIV_MAX_LEN || pt_len > (size_t)LONG_MAX) {
		if (pt && cap)
			tg_wipe(pt, cap);
		return -1;
	}
	/* copy V first: ct may overlap pt */
	memcpy(v, ct, TG_SIV_TAG_LEN);
	if (pt_len)
		memmove(pt, ct + TG_SIV_TAG_LEN, pt_len);
	siv_ctr(s, v, pt, pt_len);
	siv_v(s, nonce, nonce_len, ad, ad_len, pt, pt_len, want);
	ok = tg_ct_eq(v, want, TG_SIV_TAG_LEN);
	tg_wipe(want, sizeof(want));
	tg_wipe(v, sizeof(v));
	if (!ok) {
		if (pt_len)
			tg_wipe(pt, pt_len);
		return -1;
	}
	return (long)pt_len;
}
