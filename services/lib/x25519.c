/*
 * x25519.c - constant-time X25519 (RFC 7748) with 64-bit arithmetic.
 *
 * Representation.  An element of GF(p), p = 2^255 - 19, is five unsigned
 * 64-bit limbs h[0..4] with value h0 + h1*2^51 + h2*2^102 + h3*2^153 +
 * h4*2^204, i.e. radix 2^51.  Limbs are allowed to exceed 51 bits between
 * operations and the value is only reduced mod p as far as needed:
 *   - fe_mul/fe_sq/fe_mul121665 accept limbs < 2^54 and return limbs
 *     < 2^51 except h1 < 2^51 + 2^13 ("reduced");
 *   - fe_add of two reduced values gives limbs < 2^53;
 *   - fe_sub(a, b) computes a + 2p - b, for reduced b (each limb <= the
 *     matching limb of 2p: 2^52 - 38, 2^52 - 2, ...), so no limb goes
 *     negative; limbs < 2^53.
 * Schoolbook products go into unsigned __int128 accumulators; the terms
 * that wrap past 2^255 are folded back multiplied by 19 (2^255 = 19 mod p).
 * With inputs < 2^54 every accumulator stays below 2^115 and the folded
 * carry 19 * (t4 >> 51) below 2^64, so nothing overflows.  Only
 * fe_tobytes produces the canonical value (< p).
 *
 * Why it is constant time.  The scalar is only used, one bit per ladder
 * step, to build an all-zeros/all-ones mask for fe_cswap2, which swaps
 * with XOR and AND; the mask goes through an empty asm so the compiler
 * cannot turn it back into a branch or a cmov on a flag it chose.  The
 * loop bounds, the memory indices (k[i >> 3] with public i) and the
 * inversion addition chain (z^(p-2), fixed) do not depend on secrets;
 * the final reduction uses carries and masks, not comparisons.  There is
 * no table lookup.  64x64->128 multiplication is constant time on the
 * x86_64 and aarch64 cores we target (mul / mul+umulh).  Secret
 * intermediates kept in memory (clamped scalar copy, ladder state,
 * inversion temporaries) are wiped with tg_wipe before returning.
 */
#include "x25519.h"

#include <string.h>

#include "ct.h"

#if !defined(__SIZEOF_INT128__)
#error "x25519.c needs unsigned __int128 (64-bit gcc or clang)"
#endif

__extension__ typedef unsigned __int128 u128;

/*
 * gcc does not inline fe_mul on its own at -O2; forcing it (and the small
 * helpers) saves about 20% there.  At -Os (product builds) size wins and
 * the compiler decides.
 */
#if defined(__GNUC__) && !defined(__OPTIMIZE_SIZE__)
#define FE_INLINE static inline __attribute__((always_inline))
#else
#define FE_INLINE static inline
#endif

#define MASK51 ((uint64_t)0x7ffffffffffff)

/* Hide v from the optimiser so that mask arithmetic stays mask arithmetic. */
static inline uint64_t ct_opaque(uint64_t v)
{
#if defined(__GNUC__)
	__asm__("" : "+r"(v));
#endif
	return v;
}

static inline uint64_t load64_le(const uint8_t *s)
{
	return (uint64_t)s[0] | (uint64_t)s[1] << 8 | (uint64_t)s[2] << 16 | (uint64_t)s[3] << 24 |
	       (uint64_t)s[4] << 32 | (uint64_t)s[5] << 40 | (uint64_t)s[6] << 48 |
	       (uint64_t)s[7] << 56;
}

static inline void store64_le(uint8_t *d, uint64_t v)
{
	int i;

	for (i = 0; i < 8; i++)
		d[i] = (uint8_t)(v >> (8 * i));
}

/* h = s[0..32) as a little-endian integer with bit 255 ignored (< 2^255;
 * values in [p, 2^255) are kept as they are, they reduce later). */
static void fe_frombytes(uint64_t h[5], const uint8_t s[32])
{
	uint64_t w0 = load64_le(s), w1 = load64_le(s + 8);
	uint64_t w2 = load64_le(s + 16), w3 = load64_le(s + 24);

	h[0] = w0 & MASK51;
	h[1] = ((w0 >> 51) | (w1 << 13)) & MASK51;
	h[2] = ((w1 >> 38) | (w2 << 26)) & MASK51;
	h[3] = ((w2 >> 25) | (w3 << 39)) & MASK51;
	h[4] = (w3 >> 12) & MASK51; /* drops bit 255 */
}

/* s = h mod p, canonical, little-endian.  h: limbs < 2^54. */
static void fe_tobytes(uint8_t s[32], const uint64_t h[5])
{
	uint64_t t0 = h[0], t1 = h[1], t2 = h[2], t3 = h[3], t4 = h[4], q;
	int pass;

	/* two carry passes: limbs < 2^51 except t0 < 2^51 + 19, value < 2p */
	for (pass = 0; pass < 2; pass++) {
		t1 += t0 >> 51;
		t0 &= MASK51;
		t2 += t1 >> 51;
		t1 &= MASK51;
		t3 += t2 >> 51;
		t2 &= MASK51;
		t4 += t3 >> 51;
		t3 &= MASK51;
		t0 += 19 * (t4 >> 51);
		t4 &= MASK51;
	}

	/* q = floor((t + 19) / 2^255) = 1 iff t >= p (t < 2p), by carries */
	q = (t0 + 19) >> 51;
	q = (t1 + q) >> 51;
	q = (t2 + q) >> 51;
	q = (t3 + q) >> 51;
	q = (t4 + q) >> 51;

	/* t - q*p = t + 19q - q*2^255: add 19q, carry, drop bit 255 */
	t0 += 19 * q;
	t1 += t0 >> 51;
	t0 &= MASK51;
	t2 += t1 >> 51;
	t1 &= MASK51;
	t3 += t2 >> 51;
	t2 &= MASK51;
	t4 += t3 >> 51;
	t3 &= MASK51;
	t4 &= MASK51;

	store64_le(s, t0 | (t1 << 51));
	store64_le(s + 8, (t1 >> 13) | (t2 << 38));
	store64_le(s + 16, (t2 >> 26) | (t3 << 25));
	store64_le(s + 24, (t3 >> 39) | (t4 << 12));
}

FE_INLINE void fe_add(uint64_t r[5], const uint64_t a[5], const uint64_t b[5])
{
	r[0] = a[0] + b[0];
	r[1] = a[1] + b[1];
	r[2] = a[2] + b[2];
	r[3] = a[3] + b[3];
	r[4] = a[4] + b[4];
}

/* r = a + 2p - b; b must be reduced (see the header comment). */
FE_INLINE void fe_sub(uint64_t r[5], const uint64_t a[5], const uint64_t b[5])
{
	r[0] = (a[0] + 0xfffffffffffdaULL) - b[0]; /* 2^52 - 38 */
	r[1] = (a[1] + 0xffffffffffffeULL) - b[1]; /* 2^52 - 2 */
	r[2] = (a[2] + 0xffffffffffffeULL) - b[2];
	r[3] = (a[3] + 0xffffffffffffeULL) - b[3];
	r[4] = (a[4] + 0xffffffffffffeULL) - b[4];
}

/*
 * The five column sums of a product are formed one after the other and
 * each carry (t >> 51) is added into the next sum as it starts, so only
 * one 128-bit accumulator is live at a time (gcc otherwise spills).  The
 * carry out of t4 wraps to r0 times 19, and one more carry r0 -> r1.
 */
#define FE_CARRY_OUT(r, t, c)                                                                      \
	do {                                                                                       \
		(r) = (uint64_t)(t)&MASK51;                                                        \
		(c) = (uint64_t)((t) >> 51);                                                       \
	} while (0)

FE_INLINE void fe_fold(uint64_t r[5], uint64_t r0, uint64_t r1, uint64_t r2, uint64_t r3,
                       uint64_t r4, uint64_t c)
{
	r0 += c * 19;
	r[1] = r1 + (r0 >> 51);
	r[0] = r0 & MASK51;
	r[2] = r2;
	r[3] = r3;
	r[4] = r4;
}

/* r = a * b; r may alias a or b. */
FE_INLINE void fe_mul(uint64_t r[5], const uint64_t a[5], const uint64_t b[5])
{
	uint64_t a0 = a[0], a1 = a[1], a2 = a[2], a3 = a[3], a4 = a[4];
	uint64_t b0 = b[0], b1 = b[1], b2 = b[2], b3 = b[3], b4 = b[4];
	uint64_t b1_19 = 19 * b1, b2_19 = 19 * b2, b3_19 = 19 * b3, b4_19 = 19 * b4;
	uint64_t r0, r1, r2, r3, r4, c;
	u128 t;

	t = (u128)a0 * b0 + (u128)a1 * b4_19 + (u128)a2 * b3_19 + (u128)a3 * b2_19 +
	    (u128)a4 * b1_19;
	FE_CARRY_OUT(r0, t, c);
	t = (u128)c + (u128)a0 * b1 + (u128)a1 * b0 + (u128)a2 * b4_19 + (u128)a3 * b3_19 +
	    (u128)a4 * b2_19;
	FE_CARRY_OUT(r1, t, c);
	t = (u128)c + (u128)a0 * b2 + (u128)a1 * b1 + (u128)a2 * b0 + (u128)a3 * b4_19 +
	    (u128)a4 * b3_19;
	FE_CARRY_OUT(r2, t, c);
	t = (u128)c + (u128)a0 * b3 + (u128)a1 * b2 + (u128)a2 * b1 + (u128)a3 * b0 +
	    (u128)a4 * b4_19;
	FE_CARRY_OUT(r3, t, c);
	t = (u128)c + (u128)a0 * b4 + (u128)a1 * b3 + (u128)a2 * b2 + (u128)a3 * b1 + (u128)a4 * b0;
	FE_CARRY_OUT(r4, t, c);
	fe_fold(r, r0, r1, r2, r3, r4, c);
}

/* r = a^2; r may alias a. */
FE_INLINE void fe_sq(uint64_t r[5], const uint64_t a[5])
{
	uint64_t a0 = a[0], a1 = a[1], a2 = a[2], a3 = a[3], a4 = a[4];
	uint64_t d0 = 2 * a0, d1 = 2 * a1, d3 = 2 * a3;
	uint64_t a3_19 = 19 * a3, a4_19 = 19 * a4;
	uint64_t r0, r1, r2, r3, r4, c;
	u128 t;

	t = (u128)a0 * a0 + (u128)d1 * a4_19 + (u128)(2 * a2) * a3_19;
	FE_CARRY_OUT(r0, t, c);
	t = (u128)c + (u128)d0 * a1 + (u128)(2 * a2) * a4_19 + (u128)a3 * a3_19;
	FE_CARRY_OUT(r1, t, c);
	t = (u128)c + (u128)d0 * a2 + (u128)a1 * a1 + (u128)d3 * a4_19;
	FE_CARRY_OUT(r2, t, c);
	t = (u128)c + (u128)d0 * a3 + (u128)d1 * a2 + (u128)a4 * a4_19;
	FE_CARRY_OUT(r3, t, c);
	t = (u128)c + (u128)d0 * a4 + (u128)d1 * a3 + (u128)a2 * a2;
	FE_CARRY_OUT(r4, t, c);
	fe_fold(r, r0, r1, r2, r3, r4, c);
}

/* r = a^(2^n), n >= 1 (public). */
static void fe_sqn(uint64_t r[5], const uint64_t a[5], int n)
{
	fe_sq(r, a);
	while (--n > 0)
		fe_sq(r, r);
}

/* r = a * 121665 ((A - 2) / 4 for curve25519's A = 486662). */
FE_INLINE void fe_mul121665(uint64_t r[5], const uint64_t a[5])
{
	uint64_t r0, r1, r2, r3, r4, c;
	u128 t;

	t = (u128)a[0] * 121665;
	FE_CARRY_OUT(r0, t, c);
	t = (u128)a[1] * 121665 + c;
	FE_CARRY_OUT(r1, t, c);
	t = (u128)a[2] * 121665 + c;
	FE_CARRY_OUT(r2, t, c);
	t = (u128)a[3] * 121665 + c;
	FE_CARRY_OUT(r3, t, c);
	t = (u128)a[4] * 121665 + c;
	FE_CARRY_OUT(r4, t, c);
	fe_fold(r, r0, r1, r2, r3, r4, c);
}

/* Swap (a, b) with (c, d) iff bit == 1, without branching on bit. */
FE_INLINE void fe_cswap2(uint64_t a[5], uint64_t b[5], uint64_t c[5], uint64_t d[5], uint64_t bit)
{
	uint64_t mask = ct_opaque(0 - bit), t;

#define FE_CSWAP_LIMB(x, y, i)                                                                     \
	do {                                                                                       \
		t = mask & ((x)[i] ^ (y)[i]);                                                      \
		(x)[i] ^= t;                                                                       \
		(y)[i] ^= t;                                                                       \
	} while (0)
	FE_CSWAP_LIMB(a, c, 0);
	FE_CSWAP_LIMB(a, c, 1);
	FE_CSWAP_LIMB(a, c, 2);
	FE_CSWAP_LIMB(a, c, 3);
	FE_CSWAP_LIMB(a, c, 4);
	FE_CSWAP_LIMB(b, d, 0);
	FE_CSWAP_LIMB(b, d, 1);
	FE_CSWAP_LIMB(b, d, 2);
	FE_CSWAP_LIMB(b, d, 3);
	FE_CSWAP_LIMB(b, d, 4);
#undef FE_CSWAP_LIMB
}

/* Secret state of one scalar multiplication, wiped in one go. */
struct x25519_state {
	uint8_t k[32];
	uint64_t x1[5], x2[5], z2[5], x3[5], z3[5];
	uint64_t a[5], aa[5], b[5], bb[5], e[5], c[5], d[5], da[5], cb[5];
	/* inversion temporaries */
	uint64_t t[5], z11[5], z2_5[5], z2_10[5], z2_50[5], z2_100[5];
};

/* r = z^(p-2) = z^(2^255 - 21) = 1/z (0 for z = 0); fixed addition chain. */
static void fe_invert(uint64_t r[5], const uint64_t z[5], struct x25519_state *s)
{
	uint64_t *t = s->t, *z11 = s->z11, *z2_5 = s->z2_5, *z2_10 = s->z2_10;
	uint64_t *z2_50 = s->z2_50, *z2_100 = s->z2_100;

	fe_sq(z2_100, z);           /* z^2 (z2_100 used as scratch here) */
	fe_sqn(t, z2_100, 2);       /* z^8 */
	fe_mul(z2_50, t, z);        /* z^9 (scratch) */
	fe_mul(z11, z2_50, z2_100); /* z^11 */
	fe_sq(t, z11);              /* z^22 */
	fe_mul(z2_5, t, z2_50);     /* z^31 = z^(2^5 - 1) */
	fe_sqn(t, z2_5, 5);
	fe_mul(z2_10, t, z2_5); /* z^(2^10 - 1) */
	fe_sqn(t, z2_10, 10);
	fe_mul(z2_50, t, z2_10); /* z^(2^20 - 1) (scratch) */
	fe_sqn(t, z2_50, 20);
	fe_mul(t, t, z2_50); /* z^(2^40 - 1) */
	fe_sqn(t, t, 10);
	fe_mul(z2_50, t, z2_10); /* z^(2^50 - 1) */
	fe_sqn(t, z2_50, 50);
	fe_mul(z2_100, t, z2_50); /* z^(2^100 - 1) */
	fe_sqn(t, z2_100, 100);
	fe_mul(t, t, z2_100); /* z^(2^200 - 1) */
	fe_sqn(t, t, 50);
	fe_mul(t, t, z2_50); /* z^(2^250 - 1) */
	fe_sqn(t, t, 5);     /* z^(2^255 - 32) */
	fe_mul(r, t, z11);   /* z^(2^255 - 21) */
}

/*
 * out = X25519 of the already-clamped scalar s->k and u (bit 255 of u
 * ignored), RFC 7748 section 5 ladder.  u is read before out is written.
 */
static void x25519_ladder(uint8_t out[32], struct x25519_state *s, const uint8_t u[32])
{
	uint64_t swap = 0, kt;
	int i;

	fe_frombytes(s->x1, u);
	memcpy(s->x3, s->x1, sizeof s->x3);
	memset(s->x2, 0, sizeof s->x2);
	s->x2[0] = 1;
	memset(s->z2, 0, sizeof s->z2);
	memset(s->z3, 0, sizeof s->z3);
	s->z3[0] = 1;

	for (i = 254; i >= 0; i--) {
		kt = (uint64_t)((s->k[i >> 3] >> (i & 7)) & 1);
		swap ^= kt;
		fe_cswap2(s->x2, s->z2, s->x3, s->z3, swap);
		swap = kt;

		fe_add(s->a, s->x2, s->z2); /* A = x2 + z2 */
		fe_sq(s->aa, s->a);         /* AA = A^2 */
		fe_sub(s->b, s->x2, s->z2); /* B = x2 - z2 */
		fe_sq(s->bb, s->b);         /* BB = B^2 */
		fe_sub(s->e, s->aa, s->bb); /* E = AA - BB */
		fe_add(s->c, s->x3, s->z3); /* C = x3 + z3 */
		fe_sub(s->d, s->x3, s->z3); /* D = x3 - z3 */
		fe_mul(s->da, s->d, s->a);  /* DA = D * A */
		fe_mul(s->cb, s->c, s->b);  /* CB = C * B */
		fe_add(s->x3, s->da, s->cb);
		fe_sq(s->x3, s->x3); /* x3 = (DA + CB)^2 */
		fe_sub(s->z3, s->da, s->cb);
		fe_sq(s->z3, s->z3);
		fe_mul(s->z3, s->z3, s->x1); /* z3 = x1 * (DA - CB)^2 */
		fe_mul(s->x2, s->aa, s->bb); /* x2 = AA * BB */
		fe_mul121665(s->z2, s->e);
		fe_add(s->z2, s->z2, s->aa);
		fe_mul(s->z2, s->e, s->z2); /* z2 = E * (AA + a24 * E) */
	}
	fe_cswap2(s->x2, s->z2, s->x3, s->z3, swap);

	fe_invert(s->z2, s->z2, s);
	fe_mul(s->x2, s->x2, s->z2);
	fe_tobytes(out, s->x2);
}

void tg_x25519(uint8_t out[32], const uint8_t scalar[32], const uint8_t u[32])
{
	struct x25519_state s;

	memcpy(s.k, scalar, 32);
	s.k[0] &= 0xF8;
	s.k[31] &= 0x7F;
	s.k[31] |= 0x40;
	x25519_ladder(out, &s, u);
	tg_wipe(&s, sizeof s);
}

void tg_x25519_base(uint8_t out[32], const uint8_t scalar[32])
{
	static const uint8_t nine[32] = {9};

	tg_x25519(out, scalar, nine);
}

uint32_t tg_x25519_br_mul(uint8_t *G, size_t Glen, const uint8_t *kb, size_t kblen)
{
	struct x25519_state s;

	if (Glen != 32 || kblen > 32)
		return 0;
	/* same order as BearSSL: mask G first, then copy the multiplier
	 * (matters only if kb aliases G) */
	G[31] &= 0x7F;
	memset(s.k, 0, sizeof s.k);
	if (kblen)
		memcpy(s.k, kb, kblen);
	s.k[0] &= 0xF8;
	s.k[31] &= 0x7F;
	s.k[31] |= 0x40;
	x25519_ladder(G, &s, G);
	tg_wipe(&s, sizeof s);
	return 1;
}

size_t tg_x25519_br_mulgen(uint8_t *R, const uint8_t *kb, size_t kblen)
{
	memset(R, 0, 32);
	R[0] = 9;
	tg_x25519_br_mul(R, 32, kb, kblen);
	return 32;
}
