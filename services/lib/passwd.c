/*
 * passwd.c - PBKDF2-HMAC-SHA256 password hashes in passlib's stored form,
 * and the password policy (format and rules in passwd.h).
 *
 * PBKDF2 makes ~600000 HMACs with one key: br_hmac_key_init stores the
 * SHA-256 states after the K^ipad and K^opad blocks, so the key is
 * processed once and each HMAC costs two compressions (inner and outer
 * finish); br_hmac_init then only copies state.  The loop copies one
 * prepared br_hmac_context instead.  (BearSSL's own stack temporaries in
 * br_hmac_out are beyond our reach; ours are wiped.)
 *
 * The ab64 codec is branch-free over the data (no table lookups indexed
 * by hash bytes): a stored hash is what an attacker with a cache-timing
 * probe would want.
 */
#include "passwd.h"

#include <stdio.h>
#include <string.h>

#include <bearssl_hash.h>
#include <bearssl_hmac.h>

#include "ct.h"
#include "log.h"

#define PREFIX_LEN      (sizeof(TG_PASSWD_PREFIX) - 1)
#define SALT_CHARS      22 /* ceil(16 * 8 / 6) */
#define HASH_CHARS      43 /* ceil(32 * 8 / 6) */
#define ITER_DIGITS_MAX 8  /* TG_PASSWD_ITER_MAX has 8 digits */

_Static_assert(PREFIX_LEN + ITER_DIGITS_MAX + 1 + SALT_CHARS + 1 + HASH_CHARS == TG_PASSWD_STR_MAX,
               "TG_PASSWD_STR_MAX is the longest stored string");
_Static_assert(TG_PASSWD_ITER_MAX <= 99999999u, "iterations fit in ITER_DIGITS_MAX digits");

void tg_pbkdf2_sha256(const uint8_t *pw, size_t pwlen, const uint8_t *salt, size_t saltlen,
                      uint32_t iter, uint8_t *out, size_t outlen)
{
	br_hmac_key_context kc;
	br_hmac_context base, c;
	uint8_t u[32], t[32], ctr[4];
	uint32_t block, j;
	size_t i, n;

	br_hmac_key_init(&kc, &br_sha256_vtable, pw, pwlen);
	br_hmac_init(&base, &kc, 0);
	for (block = 1; outlen; block++) {
		ctr[0] = (uint8_t)(block >> 24);
		ctr[1] = (uint8_t)(block >> 16);
		ctr[2] = (uint8_t)(block >> 8);
		ctr[3] = (uint8_t)block;
		/* U_1 = PRF(P, S || INT(i)); U_j = PRF(P, U_{j-1}); T = U_1 ^ ... ^ U_c */
		c = base;
		br_hmac_update(&c, salt, saltlen);
		br_hmac_update(&c, ctr, sizeof(ctr));
		br_hmac_out(&c, u);
		memcpy(t, u, sizeof(t));
		for (j = 1; j < iter; j++) {
			c = base;
			br_hmac_update(&c, u, sizeof(u));
			br_hmac_out(&c, u);
			for (i = 0; i < sizeof(t); i++)
				t[i] ^= u[i];
		}
		n = outlen < sizeof(t) ? outlen : sizeof(t);
		memcpy(out, t, n);
		out += n;
		outlen -= n;
	}
	tg_wipe(&kc, sizeof(kc));
	tg_wipe(&base, sizeof(base));
	tg_wipe(&c, sizeof(c));
	tg_wipe(u, sizeof(u));
	tg_wipe(t, sizeof(t));
}

/* all ones if lo <= x <= hi, else 0 (x, lo, hi < 2^31), without a branch */
static uint32_t in_range(uint32_t x, uint32_t lo, uint32_t hi)
{
	return (((x - lo) | (hi - x)) >> 31) - 1;
}

/* ab64 character -> 0..63, or -1 */
static int ab64_val(unsigned char ch)
{
	uint32_t x = ch, r = 0, ok = 0, m;

	m = in_range(x, 'A', 'Z');
	r |= m & (x - 'A');
	ok |= m;
	m = in_range(x, 'a', 'z');
	r |= m & (x - 'a' + 26);
	ok |= m;
	m = in_range(x, '0', '9');
	r |= m & (x - '0' + 52);
	ok |= m;
	m = in_range(x, '.', '/');
	r |= m & (x - '.' + 62);
	ok |= m;
	return (int)(r | ~ok);
}

/* 0..63 -> ab64 character */
static char ab64_chr(uint32_t v)
{
	uint32_t c = v + 'A';

	c += in_range(v, 26, 63) & 6;  /* 26 -> 'a' */
	c -= in_range(v, 52, 63) & 75; /* 52 -> '0' */
	c -= in_range(v, 62, 63) & 12; /* 62 -> '.' */
	return (char)c;
}

/* n bytes -> ceil(n * 8 / 6) ab64 characters, no padding, no NUL */
static size_t ab64_encode(const uint8_t *in, size_t n, char *out)
{
	uint32_t acc = 0;
	unsigned bits = 0;
	size_t i, o = 0;

	for (i = 0; i < n; i++) {
		acc = (acc << 8) | in[i];
		bits += 8;
		while (bits >= 6) {
			bits -= 6;
			out[o++] = ab64_chr((acc >> bits) & 63);
		}
		acc &= (1u << bits) - 1;
	}
	if (bits)
		out[o++] = ab64_chr((acc << (6 - bits)) & 63);
	return o;
}

/*
 * Field [pos, end) of s must be exactly nchars ab64 characters encoding
 * nbytes bytes in the one canonical spelling.
 */
static int ab64_field(const char *s, size_t pos, size_t end, const char *name, uint8_t *out,
                      size_t nbytes, char *err, size_t errlen)
{
	size_t nchars = (nbytes * 8 + 5) / 6, i, o = 0;
	uint32_t acc = 0;
	unsigned bits = 0;
	int v;

	for (i = pos; i < end; i++)
		if (ab64_val((unsigned char)s[i]) < 0)
			return tg_fail(
			    err, errlen,
			    "%s: expected ab64 characters [A-Za-z0-9./], got a character "
			    "outside that alphabet at offset %zu",
			    name, i);
	if (end - pos != nchars)
		return tg_fail(err, errlen, "%s: expected %zu ab64 characters (%zu bytes), got %zu",
		               name, nchars, nbytes, end - pos);
	for (i = pos; i < end; i++) {
		v = ab64_val((unsigned char)s[i]);
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (uint8_t)(acc >> bits);
		}
		acc &= (1u << bits) - 1;
	}
	if (acc)
		return tg_fail(err, errlen,
		               "%s: expected the unused low bits of the last character to be zero, "
		               "got a non-canonical spelling",
		               name);
	return 0;
}

int tg_passwd_parse(const char *s, size_t len, uint32_t *iter, uint8_t salt[TG_PASSWD_SALT_LEN],
                    uint8_t hash[TG_PASSWD_HASH_LEN], char *err, size_t errlen)
{
	size_t pos, start, end;
	uint32_t n = 0;

	*iter = 0;
	memset(salt, 0, TG_PASSWD_SALT_LEN);
	memset(hash, 0, TG_PASSWD_HASH_LEN);
	tg_seterr(err, errlen, "%s", "");

	/* the content is never quoted: a misplaced plain-text password would land in a log */
	if (len < PREFIX_LEN || memcmp(s, TG_PASSWD_PREFIX, PREFIX_LEN) != 0)
		return tg_fail(err, errlen,
		               "expected the prefix '" TG_PASSWD_PREFIX "', got a string of %zu "
		               "bytes without it (another scheme, or not a hash)",
		               len);

	pos = start = PREFIX_LEN;
	while (pos < len && s[pos] >= '0' && s[pos] <= '9' && pos - start <= ITER_DIGITS_MAX) {
		n = n * 10 + (uint32_t)(s[pos] - '0');
		pos++;
	}
	if (pos == start)
		return tg_fail(err, errlen,
		               "iterations: expected a decimal number at offset %zu, got %s", start,
		               pos < len ? "a non-digit" : "the end of the string");
	if (s[start] == '0' && pos - start > 1)
		return tg_fail(err, errlen, "iterations: expected no leading zero at offset %zu",
		               start);
	if (pos - start > ITER_DIGITS_MAX)
		return tg_fail(err, errlen, "iterations: expected %u..%u, got more than %d digits",
		               TG_PASSWD_ITER_MIN, TG_PASSWD_ITER_MAX, ITER_DIGITS_MAX);
	if (n < TG_PASSWD_ITER_MIN || n > TG_PASSWD_ITER_MAX)
		return tg_fail(err, errlen, "iterations: expected %u..%u, got %u (%s)",
		               TG_PASSWD_ITER_MIN, TG_PASSWD_ITER_MAX, n,
		               n < TG_PASSWD_ITER_MIN ? "too cheap to resist cracking"
		                                      : "too slow to verify");
	if (pos >= len || s[pos] != '$')
		return tg_fail(err, errlen,
		               "expected '$' after the iterations at offset %zu, got %s", pos,
		               pos < len ? "a non-digit" : "the end of the string");
	pos++;

	for (end = pos; end < len && s[end] != '$'; end++)
		;
	if (end == len)
		return tg_fail(err, errlen,
		               "expected '$' after the salt, got the end of the string");
	if (ab64_field(s, pos, end, "salt", salt, TG_PASSWD_SALT_LEN, err, errlen) < 0)
		goto fail;
	pos = end + 1;

	/* the hash runs to the end: any '$' or newline in it is outside the alphabet */
	if (ab64_field(s, pos, len, "hash", hash, TG_PASSWD_HASH_LEN, err, errlen) < 0)
		goto fail;
	*iter = n;
	return 0;
fail:
	memset(salt, 0, TG_PASSWD_SALT_LEN);
	memset(hash, 0, TG_PASSWD_HASH_LEN);
	return -1;
}

int tg_passwd_hash(const char *pw, size_t pwlen, const uint8_t salt[TG_PASSWD_SALT_LEN],
                   uint32_t iter, char *out, size_t outcap)
{
	uint8_t hash[TG_PASSWD_HASH_LEN];
	char num[16];
	size_t numlen, need, o;

	if (outcap)
		out[0] = '\0';
	if (iter < TG_PASSWD_ITER_MIN || iter > TG_PASSWD_ITER_MAX)
		return -1;
	numlen = (size_t)snprintf(num, sizeof(num), "%u", iter);
	need = PREFIX_LEN + numlen + 1 + SALT_CHARS + 1 + HASH_CHARS;
	if (outcap < need + 1)
		return -1;

	tg_pbkdf2_sha256((const uint8_t *)pw, pwlen, salt, TG_PASSWD_SALT_LEN, iter, hash,
	                 sizeof(hash));
	memcpy(out, TG_PASSWD_PREFIX, PREFIX_LEN);
	o = PREFIX_LEN;
	memcpy(out + o, num, numlen);
	o += numlen;
	out[o++] = '$';
	o += ab64_encode(salt, TG_PASSWD_SALT_LEN, out + o);
	out[o++] = '$';
	o += ab64_encode(hash, sizeof(hash), out + o);
	out[o] = '\0';
	tg_wipe(hash, sizeof(hash));
	return (int)o;
}

int tg_passwd_verify(const char *pw, size_t pwlen, const char *stored, size_t storedlen, char *err,
                     size_t errlen)
{
	uint8_t salt[TG_PASSWD_SALT_LEN], want[TG_PASSWD_HASH_LEN], got[TG_PASSWD_HASH_LEN];
	uint32_t iter;
	int ok;

	if (tg_passwd_parse(stored, storedlen, &iter, salt, want, err, errlen) < 0)
		return -1;
	tg_pbkdf2_sha256((const uint8_t *)pw, pwlen, salt, sizeof(salt), iter, got, sizeof(got));
	ok = tg_ct_eq(got, want, sizeof(got));
	tg_wipe(got, sizeof(got));
	tg_wipe(want, sizeof(want));
	return ok;
}

/*
 * Strict UTF-8 (Unicode section 3.9, table 3-7): the number of code
 * points, or -1 with *bad the offset of the first invalid sequence.
 */
static long utf8_count(const unsigned char *p, size_t len, size_t *bad)
{
	size_t i = 0, k, need;
	long n = 0;
	unsigned char lo, hi;

	while (i < len) {
		unsigned char b = p[i];

		lo = 0x80;
		hi = 0xbf;
		if (b < 0x80) {
			need = 0;
		} else if (b >= 0xc2 && b <= 0xdf) {
			need = 1;
		} else if (b >= 0xe0 && b <= 0xef) {
			need = 2;
			if (b == 0xe0)
				lo = 0xa0; /* overlong */
			else if (b == 0xed)
				hi = 0x9f; /* surrogates */
		} else if (b >= 0xf0 && b <= 0xf4) {
			need = 3;
			if (b == 0xf0)
				lo = 0x90; /* overlong */
			else if (b == 0xf4)
				hi = 0x8f; /* above U+10FFFF */
		} else {
			*bad = i;
			return -1;
		}
		if (len - i - 1 < need) {
			*bad = i;
			return -1;
		}
		for (k = 1; k <= need; k++) {
			unsigned char c = p[i + k];

			if (c < (k == 1 ? lo : 0x80) || c > (k == 1 ? hi : 0xbf)) {
				*bad = i;
				return -1;
			}
		}
		i += need + 1;
		n++;
	}
	return n;
}

static unsigned char ascii_lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

/* does h[0..hlen) contain n[0..nlen) (nlen > 0), ASCII letters without case? */
static int contains_nocase(const char *h, size_t hlen, const char *n, size_t nlen)
{
	size_t i, k;

	for (i = 0; i + nlen <= hlen; i++) {
		for (k = 0; k < nlen; k++)
			if (ascii_lower((unsigned char)h[i + k]) !=
			    ascii_lower((unsigned char)n[k]))
				break;
		if (k == nlen)
			return 1;
	}
	return 0;
}

int tg_passwd_policy(const char *pw, size_t len, const char *user, char *err, size_t errlen)
{
	size_t bad = 0, ulen;
	long chars;

	tg_seterr(err, errlen, "%s", "");
	if (len > TG_PASSWD_POLICY_MAX_BYTES)
		return tg_fail(err, errlen, "password: expected at most %d bytes, got %zu",
		               TG_PASSWD_POLICY_MAX_BYTES, len);
	chars = utf8_count((const unsigned char *)pw, len, &bad);
	if (chars < 0)
		return tg_fail(err, errlen,
		               "password: expected valid UTF-8, got an invalid sequence "
		               "at byte %zu",
		               bad);
	/* a NUL would cut the password short in any C-string path (forms, tools) */
	if (len && memchr(pw, '\0', len))
		return tg_fail(err, errlen, "password: expected no NUL byte, got one at byte %zu",
		               (size_t)((const char *)memchr(pw, '\0', len) - pw));
	if (chars < TG_PASSWD_POLICY_MIN_CHARS)
		return tg_fail(err, errlen, "password: expected at least %d characters, got %ld",
		               TG_PASSWD_POLICY_MIN_CHARS, chars);
	if (user && *user) {
		ulen = strlen(user);
		if (ulen == len && contains_nocase(pw, len, user, ulen))
			return tg_fail(err, errlen,
			               "password: expected something other than the "
			               "user name, got the user name");
		if (contains_nocase(pw, len, user, ulen))
			return tg_fail(err, errlen,
			               "password: expected not to contain the user name, "
			               "got it inside");
	}
	return 0;
}
