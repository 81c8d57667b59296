/*
 * totp.c - HOTP/TOTP codes and the base32 form of their secrets (API and
 * choices in totp.h).
 *
 * Everything that touches a secret or a valid code avoids branches and
 * memory indices that depend on it: the base32 codec maps characters by
 * arithmetic, not tables; HOTP's dynamic truncation picks its 4 bytes by
 * masking over all offsets; the modulus is a constant per digit count, so
 * the compiler turns it into a multiplication, not a variable-time divide;
 * and the TOTP check computes and compares all three steps always.
 */
#include "totp.h"

#include <limits.h>
#include <string.h>

#include <bearssl_hash.h>
#include <bearssl_hmac.h>

#include "ct.h"

/* all ones if lo <= x <= hi, else 0 (x, lo, hi < 2^31), without a branch */
static uint32_t in_range(uint32_t x, uint32_t lo, uint32_t hi)
{
	return (((x - lo) | (hi - x)) >> 31) - 1;
}

/* base32 character (either case) -> 0..31, or -1 */
static int b32_val(unsigned char ch)
{
	uint32_t x = ch, r = 0, ok = 0, m;

	m = in_range(x, 'A', 'Z');
	r |= m & (x - 'A');
	ok |= m;
	m = in_range(x, 'a', 'z');
	r |= m & (x - 'a');
	ok |= m;
	m = in_range(x, '2', '7');
	r |= m & (x - '2' + 26);
	ok |= m;
	return (int)(r | ~ok);
}

/* 0..31 -> upper-case base32 character */
static char b32_chr(uint32_t v)
{
	uint32_t c = v + 'A';

	c -= in_range(v, 26, 31) & ('A' + 26 - '2'); /* 26 -> '2' */
	return (char)c;
}

/* n bytes -> TG_BASE32_LEN(n) characters, no NUL */
static size_t b32_encode_raw(const uint8_t *in, size_t n, char *out)
{
	uint32_t acc = 0;
	unsigned bits = 0;
	size_t i, o = 0;

	for (i = 0; i < n; i++) {
		acc = (acc << 8) | in[i];
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			out[o++] = b32_chr((acc >> bits) & 31);
		}
		acc &= (1u << bits) - 1;
	}
	if (bits)
		out[o++] = b32_chr((acc << (5 - bits)) & 31);
	return o;
}

int tg_base32_encode(const uint8_t *in, size_t len, char *out, size_t outcap)
{
	size_t n;

	if (outcap)
		out[0] = '\0';
	if (len > (size_t)INT_MAX / 8)
		return -1;
	n = TG_BASE32_LEN(len);
	if (outcap < n + 1)
		return -1;
	b32_encode_raw(in, len, out);
	out[n] = '\0';
	return (int)n;
}

int tg_base32_decode(const char *in, size_t len, uint8_t *out, size_t outcap)
{
	/* padding by data length mod 8; 255: a tail of 1, 3 or 6 cannot end on a byte */
	static const uint8_t pad_for[8] = {0, 255, 6, 255, 4, 3, 255, 1};
	size_t pad = 0, data, nbytes, i, o = 0;
	uint32_t acc = 0;
	unsigned bits = 0;
	int v, bad = 0;

	while (pad < len && in[len - 1 - pad] == '=')
		pad++;
	data = len - pad;
	/* 8 characters carry 5 bytes; padding, if any, fills the tail to 8 exactly */
	if (pad_for[data % 8] == 255 || (pad && pad != pad_for[data % 8]))
		return -1;
	nbytes = data / 8 * 5 + data % 8 * 5 / 8;
	if (nbytes > outcap || nbytes > INT_MAX)
		return -1;
	for (i = 0; i < data; i++) {
		v = b32_val((unsigned char)in[i]);
		bad |= v; /* negative once any character is not in the alphabet */
		acc = (acc << 5) | ((uint32_t)v & 31);
		bits += 5;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (uint8_t)(acc >> bits);
		}
		acc &= (1u << bits) - 1;
	}
	/* refuse after the loop: how far it got would say where the secret went wrong */
	if (bad < 0 || acc) {
		tg_wipe(out, nbytes);
		return -1;
	}
	return (int)nbytes;
}

static uint32_t hotp(const br_hash_class *alg, const uint8_t *key, size_t keylen, uint64_t counter,
                     int digits)
{
	br_hmac_key_context kc;
	br_hmac_context hc;
	uint8_t msg[8], mac[64];
	uint32_t bin = 0, m, off;
	size_t n, i;

	if (digits < 6 || digits > 9)
		return UINT32_MAX;
	for (i = 0; i < 8; i++)
		msg[i] = (uint8_t)(counter >> (56 - 8 * i));
	br_hmac_key_init(&kc, alg, key, keylen);
	br_hmac_init(&hc, &kc, 0);
	br_hmac_update(&hc, msg, sizeof(msg));
	n = br_hmac_out(&hc, mac);
	/* RFC 4226 5.3: offset = low nibble of the last byte; 31 bits from there */
	off = mac[n - 1] & 0x0f;
	for (i = 0; i <= 15; i++) {
		m = in_range((uint32_t)i, off, off);
		bin |= m & (((uint32_t)(mac[i] & 0x7f) << 24) | ((uint32_t)mac[i + 1] << 16) |
		            ((uint32_t)mac[i + 2] << 8) | mac[i + 3]);
	}
	tg_wipe(&kc, sizeof(kc));
	tg_wipe(&hc, sizeof(hc));
	tg_wipe(mac, sizeof(mac));
	switch (digits) {
	case 6:
		return bin % 1000000u;
	case 7:
		return bin % 10000000u;
	case 8:
		return bin % 100000000u;
	default:
		return bin % 1000000000u;
	}
}

uint32_t tg_hotp(const uint8_t *key, size_t keylen, uint64_t counter, int digits)
{
	return hotp(&br_sha1_vtable, key, keylen, counter, digits);
}

uint32_t tg_hotp_sha256(const uint8_t *key, size_t keylen, uint64_t counter, int digits)
{
	return hotp(&br_sha256_vtable, key, keylen, counter, digits);
}

int tg_totp_check(const uint8_t *key, size_t keylen, int64_t unix_now, const char *code,
                  size_t codelen, int64_t *last_step)
{
	char want[TG_TOTP_DIGITS];
	uint64_t best = 0, mask;
	uint32_t v, any = 0, m;
	int64_t step, s;
	int d, i;

	if (codelen != TG_TOTP_DIGITS)
		return -1;
	for (i = 0; i < TG_TOTP_DIGITS; i++)
		if (code[i] < '0' || code[i] > '9')
			return -1;
	if (keylen < TG_TOTP_KEY_MIN || unix_now < 0)
		return 0;

	step = unix_now / TG_TOTP_STEP_S;
	for (d = -1; d <= 1; d++) {
		s = step + d;
		if (s < 0)
			continue; /* the epoch's first step has no predecessor (public) */
		v = tg_hotp(key, keylen, (uint64_t)s, TG_TOTP_DIGITS);
		for (i = TG_TOTP_DIGITS - 1; i >= 0; i--) {
			want[i] = (char)('0' + v % 10);
			v /= 10;
		}
		m = (uint32_t)tg_ct_eq(want, code, TG_TOTP_DIGITS) & (uint32_t)(s > *last_step);
		/* the steps rise: the last matching one is the latest */
		mask = 0 - (uint64_t)m;
		best = (best & ~mask) | ((uint64_t)s & mask);
		any |= m;
	}
	tg_wipe(want, sizeof(want));
	if (!any)
		return 0;
	*last_step = (int64_t)best;
	return 1;
}

/* bounded writer for the URI */
struct sbuf {
	char *p;
	size_t cap, len; /* len may run past cap: then nothing more is written */
};

static void put(struct sbuf *b, const char *s, size_t n)
{
	if (b->len < b->cap && n <= b->cap - b->len)
		memcpy(b->p + b->len, s, n);
	b->len += n;
}

static void put_str(struct sbuf *b, const char *s)
{
	put(b, s, strlen(s));
}

/* RFC 3986 percent-encoding of everything but the unreserved characters */
static void put_pct(struct sbuf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	char e[3];

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '.' || c == '_' || c == '~') {
			put(b, (const char *)&c, 1);
		} else {
			e[0] = '%';
			e[1] = hex[c >> 4];
			e[2] = hex[c & 15];
			put(b, e, 3);
		}
	}
}

int tg_totp_uri(const char *issuer, const char *account, const uint8_t *key, size_t keylen,
                char *out, size_t outcap)
{
	struct sbuf b = {out, outcap, 0};
	size_t n;

	if (outcap)
		out[0] = '\0';
	if (!issuer || !account || !*issuer || !*account || strchr(issuer, ':') ||
	    strchr(account, ':') || keylen < TG_TOTP_KEY_MIN || keylen > 1024)
		return -1;
	put_str(&b, "otpauth://totp/");
	put_pct(&b, issuer);
	put_str(&b, ":");
	put_pct(&b, account);
	put_str(&b, "?secret=");
	n = TG_BASE32_LEN(keylen);
	if (b.len < b.cap && n <= b.cap - b.len)
		b32_encode_raw(key, keylen, out + b.len);
	b.len += n;
	put_str(&b, "&issuer=");
	put_pct(&b, issuer);
	put_str(&b, "&algorithm=SHA1&digits=6&period=30");
	if (b.len >= b.cap || b.len > INT_MAX) {
		/* a partial URI may hold part of the secret */
		tg_wipe(out, outcap);
		return -1;
	}
	out[b.len] = '\0';
	return (int)b.len;
}
