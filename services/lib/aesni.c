/*
 * aesni.c - AES on AES-NI for AES-SIV (see aesni.h).
 *
 * Key schedule (FIPS 197 5.2) word by word: SubWord is the low lane of
 * AESKEYGENASSIST on the word broadcast to all lanes, RotWord a rotate
 * (words are little-endian loads, so byte 0 is the low byte), Rcon the
 * usual doubling in GF(2^8).  The schedule of a 256-bit key has the
 * extra SubWord at i mod 8 = 4.  Words are stored in memory order, which
 * is the order AESENC takes its round key in.
 */
#include "aesni.h"

#include <string.h>

#include "ct.h"

#if defined(__x86_64__)

#include <bearssl_block.h>
#include <immintrin.h>

#define AESNI_FN __attribute__((target("aes,sse2")))

int tg_aesni_available(void)
{
	static int known, yes;

	/* BearSSL asks CPUID; once per process (CPUID traps in a VM: aessiv.c) */
	if (!known) {
		yes = br_aes_x86ni_ctr_get_vtable() != NULL;
		known = 1;
	}
	return yes;
}

static AESNI_FN uint32_t subword(uint32_t w)
{
	__m128i v = _mm_set1_epi32((int)w);

	return (uint32_t)_mm_cvtsi128_si32(_mm_aeskeygenassist_si128(v, 0));
}

/* one AES-128 round key from the previous one and AESKEYGENASSIST of it (FIPS 197 5.2, 4 words at once) */
static AESNI_FN __m128i expand128_step(__m128i k, __m128i kg)
{
	kg = _mm_shuffle_epi32(kg, 0xff);
	k = _mm_xor_si128(k, _mm_slli_si128(k, 4));
	k = _mm_xor_si128(k, _mm_slli_si128(k, 4));
	k = _mm_xor_si128(k, _mm_slli_si128(k, 4));
	return _mm_xor_si128(k, kg);
}

#define EXPAND128(i, rcon) \
	r[i] = expand128_step(r[(i) - 1], _mm_aeskeygenassist_si128(r[(i) - 1], rcon))

AESNI_FN void tg_aesni_expand(struct tg_aesni_key *k, const uint8_t *key, size_t len)
{
	uint32_t w[60], t, rcon = 1;
	unsigned nk = (unsigned)(len / 4), total, i, j;

	k->rounds = nk + 6;
	if (nk == 4) {
		/* AES-128 (AEAD 15, the common case): the round constants are immediates */
		__m128i *r = (__m128i *)k->rk;

		r[0] = _mm_loadu_si128((const __m128i *)key);
		EXPAND128(1, 0x01);
		EXPAND128(2, 0x02);
		EXPAND128(3, 0x04);
		EXPAND128(4, 0x08);
		EXPAND128(5, 0x10);
		EXPAND128(6, 0x20);
		EXPAND128(7, 0x40);
		EXPAND128(8, 0x80);
		EXPAND128(9, 0x1b);
		EXPAND128(10, 0x36);
		return;
	}
	total = 4 * (k->rounds + 1);
	memcpy(w, key, len);
	/* j = i mod nk, kept as a counter */
	for (i = nk, j = 0; i < total; i++) {
		t = w[i - 1];
		if (j == 0) {
			t = subword(t >> 8 | t << 24) ^ rcon;
			rcon = (rcon << 1 ^ (0x11b & -(rcon >> 7))) & 0xff;
		} else if (nk > 6 && j == 4) {
			t = subword(t);
		}
		w[i] = w[i - nk] ^ t;
		if (++j == nk)
			j = 0;
	}
	memcpy(k->rk, w, total * 4);
	tg_wipe(w, sizeof(w));
}

/* the round keys into registers: the compiler keeps r[] in xmm for the loops below */
#define LOAD_KEYS(k, r)                                                        \
	do {                                                                   \
		unsigned i_;                                                   \
		for (i_ = 0; i_ <= (k)->rounds; i_++)                          \
			(r)[i_] = _mm_load_si128((const __m128i *)(k)->rk[i_]); \
	} while (0)

static AESNI_FN __m128i enc1(const __m128i *r, unsigned rounds, __m128i b)
{
	unsigned i;

	b = _mm_xor_si128(b, r[0]);
	for (i = 1; i < rounds; i++)
		b = _mm_aesenc_si128(b, r[i]);
	return _mm_aesenclast_si128(b, r[rounds]);
}

AESNI_FN void tg_aesni_cbcmac(const struct tg_aesni_key *k, uint8_t x[16], const uint8_t *data,
                              size_t nblocks)
{
	__m128i r[15], v;
	size_t j;

	LOAD_KEYS(k, r);
	v = _mm_loadu_si128((const __m128i *)x);
	for (j = 0; j < nblocks; j++)
		v = enc1(r, k->rounds,
		         _mm_xor_si128(v, _mm_loadu_si128((const __m128i *)(data + 16 * j))));
	_mm_storeu_si128((__m128i *)x, v);
}

/* iv || c (big-endian), from iv12 = iv || 0000 */
static AESNI_FN __m128i counter_block(__m128i iv12, uint32_t c)
{
	return _mm_or_si128(iv12, _mm_set_epi32((int)__builtin_bswap32(c), 0, 0, 0));
}

AESNI_FN void tg_aesni_ctr(const struct tg_aesni_key *k, const uint8_t iv[12], uint32_t ctr,
                           uint8_t *data, size_t len)
{
	__m128i r[15], b0, b1, b2, b3, iv12;
	uint8_t last[16];
	unsigned i;

	LOAD_KEYS(k, r);
	memcpy(last, iv, 12);
	memset(last + 12, 0, 4);
	iv12 = _mm_loadu_si128((const __m128i *)last);
	/* four blocks at a time: the AESENC latency overlaps */
	while (len >= 64) {
		b0 = _mm_xor_si128(counter_block(iv12, ctr), r[0]);
		b1 = _mm_xor_si128(counter_block(iv12, ctr + 1), r[0]);
		b2 = _mm_xor_si128(counter_block(iv12, ctr + 2), r[0]);
		b3 = _mm_xor_si128(counter_block(iv12, ctr + 3), r[0]);
		for (i = 1; i < k->rounds; i++) {
			b0 = _mm_aesenc_si128(b0, r[i]);
			b1 = _mm_aesenc_si128(b1, r[i]);
			b2 = _mm_aesenc_si128(b2, r[i]);
			b3 = _mm_aesenc_si128(b3, r[i]);
		}
		b0 = _mm_aesenclast_si128(b0, r[k->rounds]);
		b1 = _mm_aesenclast_si128(b1, r[k->rounds]);
		b2 = _mm_aesenclast_si128(b2, r[k->rounds]);
		b3 = _mm_aesenclast_si128(b3, r[k->rounds]);
		_mm_storeu_si128((__m128i *)data,
		                 _mm_xor_si128(b0, _mm_loadu_si128((const __m128i *)data)));
		_mm_storeu_si128((__m128i *)(data + 16),
		                 _mm_xor_si128(b1, _mm_loadu_si128((const __m128i *)(data + 16))));
		_mm_storeu_si128((__m128i *)(data + 32),
		                 _mm_xor_si128(b2, _mm_loadu_si128((const __m128i *)(data + 32))));
		_mm_storeu_si128((__m128i *)(data + 48),
		                 _mm_xor_si128(b3, _mm_loadu_si128((const __m128i *)(data + 48))));
		ctr += 4;
		data += 64;
		len -= 64;
	}
	while (len > 0) {
		size_t n = len < 16 ? len : 16, j;

		_mm_storeu_si128((__m128i *)last, enc1(r, k->rounds, counter_block(iv12, ctr)));
		for (j = 0; j < n; j++)
			data[j] ^= last[j];
		ctr++;
		data += n;
		len -= n;
	}
	tg_wipe(last, sizeof(last));
}

/* ---------------------------------------------------------------- S2V */

/* dbl (RFC 5297 2.3) of a block: the 128-bit big-endian value times x */
static AESNI_FN __m128i dbl128(__m128i d)
{
	uint64_t hi, lo;
	uint8_t b[16];

	_mm_storeu_si128((__m128i *)b, d);
	memcpy(&hi, b, 8);
	memcpy(&lo, b + 8, 8);
	hi = __builtin_bswap64(hi);
	lo = __builtin_bswap64(lo);
	/* constant time: the 0x87 is masked in, not branched on */
	hi = hi << 1 | lo >> 63;
	lo = lo << 1 ^ ((uint64_t)0x87 & -(uint64_t)(b[0] >> 7));
	hi = __builtin_bswap64(hi);
	lo = __builtin_bswap64(lo);
	return _mm_set_epi64x((long long)lo, (long long)hi);
}

/*
 * CMAC (RFC 4493) of s[0..len) under the round keys r, with xe (if not
 * NULL, and len >= 16) xored into the last 16 bytes of the message first
 * (S2V's "xorend").  Whole blocks are read in place; the last one or two
 * go through a local copy (padded, or holding the xorend).
 */
static AESNI_FN __m128i cmac(const __m128i *r, unsigned rounds, __m128i sub1, __m128i sub2,
                             const uint8_t *s, size_t len, const uint8_t *xe)
{
	__m128i x = _mm_setzero_si128(), m;
	uint8_t tail[48];
	size_t nb = len ? (len + 15) / 16 : 1, head = nb > 2 ? 16 * (nb - 2) : 0, tl, lt, i;
	uint8_t *last;

	for (i = 0; i < head; i += 16)
		x = enc1(r, rounds, _mm_xor_si128(x, _mm_loadu_si128((const __m128i *)(s + i))));
	tl = len - head; /* 0..32 bytes left */
	memset(tail, 0, sizeof(tail));
	if (tl)
		memcpy(tail, s + head, tl);
	if (xe)
		for (i = 0; i < 16; i++)
			tail[tl - 16 + i] ^= xe[i];
	last = tail;
	lt = tl;
	if (tl > 16) {
		x = enc1(r, rounds, _mm_xor_si128(x, _mm_loadu_si128((const __m128i *)tail)));
		last = tail + 16;
		lt = tl - 16;
	}
	if (lt == 16) {
		m = _mm_xor_si128(_mm_loadu_si128((const __m128i *)last), sub1);
	} else {
		last[lt] = 0x80;
		m = _mm_xor_si128(_mm_loadu_si128((const __m128i *)last), sub2);
	}
	x = enc1(r, rounds, _mm_xor_si128(x, m));
	tg_wipe(tail, sizeof(tail));
	return x;
}

AESNI_FN void tg_aesni_s2v(const struct tg_aesni_key *mac, const uint8_t sub1[16],
                           const uint8_t sub2[16], const uint8_t d0[16],
                           const uint8_t *const *str, const size_t *len, size_t n, uint8_t v[16])
{
	static const uint8_t one[16] = {[15] = 1};
	__m128i r[15], k1, k2, d, t;
	uint8_t b[16];
	size_t i;

	LOAD_KEYS(mac, r);
	k1 = _mm_loadu_si128((const __m128i *)sub1);
	k2 = _mm_loadu_si128((const __m128i *)sub2);
	if (n == 0) {
		_mm_storeu_si128((__m128i *)v, cmac(r, mac->rounds, k1, k2, one, 16, NULL));
		return;
	}
	d = _mm_loadu_si128((const __m128i *)d0);
	for (i = 0; i + 1 < n; i++)
		d = _mm_xor_si128(dbl128(d), cmac(r, mac->rounds, k1, k2, str[i], len[i], NULL));
	if (len[n - 1] >= 16) {
		/* T = Sn xorend D */
		_mm_storeu_si128((__m128i *)b, d);
		t = cmac(r, mac->rounds, k1, k2, str[n - 1], len[n - 1], b);
	} else {
		/* T = dbl(D) xor pad(Sn): one padded block, which CMAC takes as full */
		memset(b, 0, 16);
		if (len[n - 1])
			memcpy(b, str[n - 1], len[n - 1]);
		b[len[n - 1]] = 0x80;
		t = _mm_xor_si128(dbl128(d), _mm_loadu_si128((const __m128i *)b));
		t = enc1(r, mac->rounds, _mm_xor_si128(t, k1));
	}
	_mm_storeu_si128((__m128i *)v, t);
	tg_wipe(b, sizeof(b));
}

#else /* not x86_64: no AES-NI; aessiv.c never calls the others */

int tg_aesni_available(void)
{
	return 0;
}

void tg_aesni_expand(struct tg_aesni_key *k, const uint8_t *key, size_t len)
{
	(void)key;
	(void)len;
	memset(k, 0, sizeof(*k));
}

void tg_aesni_cbcmac(const struct tg_aesni_key *k, uint8_t x[16], const uint8_t *data,
                     size_t nblocks)
{
	(void)k;
	(void)x;
	(void)data;
	(void)nblocks;
}

void tg_aesni_ctr(const struct tg_aesni_key *k, const uint8_t iv[12], uint32_t ctr, uint8_t *data,
                  size_t len)
{
	(void)k;
	(void)iv;
	(void)ctr;
	(void)data;
	(void)len;
}

void tg_aesni_s2v(const struct tg_aesni_key *mac, const uint8_t sub1[16], const uint8_t sub2[16],
                  const uint8_t d0[16], const uint8_t *const *str, const size_t *len, size_t n,
                  uint8_t v[16])
{
	(void)mac;
	(void)sub1;
	(void)sub2;
	(void)d0;
	(void)str;
	(void)len;
	(void)n;
	memset(v, 0, 16);
}

#endif
