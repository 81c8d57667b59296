/*
 * fuzz_passwd.c - the console's credential parsers (lib/passwd.c,
 * lib/totp.c) on arbitrary bytes.  The first input byte picks the target
 * (mod 5), the rest is its input:
 *
 *   0  tg_passwd_parse of a stored hash string; on success the iterations
 *      are within TG_PASSWD_ITER_MIN..MAX and the string is the one
 *      canonical spelling: encoding the parsed values here (a plain table
 *      ab64 encoder) gives back exactly the input.  Only parse: verify
 *      would run >= 100000 PBKDF2 iterations per input, and it refuses
 *      exactly what parse refuses.
 *   1  tg_base32_decode; on success the bytes encode back to the input
 *      (upper case, padding dropped); and the input bytes themselves
 *      survive tg_base32_encode -> tg_base32_decode
 *   2  tg_totp_check with a fixed key: 8 bytes now, 8 bytes last step,
 *      the rest the code; -1 exactly when the code is not 6 ASCII digits,
 *      1 exactly when it is the HOTP of a step in now-1..now+1 above the
 *      last step, which then moves to the latest such step; a second
 *      check of the same code is refused
 *   3  tg_totp_uri: issuer NUL account NUL outcap/8 (one byte); the result is -1
 *      or a NUL-terminated URI of the returned length within outcap
 *   4  tg_passwd_policy: an accepted password is at most 128 bytes,
 *      has no NUL and does not contain the user name
 *
 * Every error buffer must come back NUL-terminated.
 */
#include <ctype.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "passwd.h"
#include "totp.h"

#define REQUIRE(c)                                                                                 \
	do {                                                                                       \
		if (!(c))                                                                          \
			__builtin_trap();                                                          \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char ab64_alpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789./";

static size_t ab64_ref(const uint8_t *in, size_t n, char *out)
{
	uint32_t acc = 0;
	unsigned bits = 0;
	size_t i, k = 0;

	for (i = 0; i < n; i++) {
		acc = (acc << 8) | in[i];
		bits += 8;
		while (bits >= 6) {
			bits -= 6;
			out[k++] = ab64_alpha[(acc >> bits) & 63];
		}
		acc &= (1u << bits) - 1;
	}
	if (bits)
		out[k++] = ab64_alpha[(acc << (6 - bits)) & 63];
	return k;
}

static void err_terminated(const char *err, size_t errlen)
{
	REQUIRE(memchr(err, '\0', errlen) != NULL);
}

static void fuzz_parse(const uint8_t *d, size_t n)
{
	char err[256], re[TG_PASSWD_STR_BUF + 8];
	uint8_t salt[TG_PASSWD_SALT_LEN], hash[TG_PASSWD_HASH_LEN];
	uint32_t iter;
	size_t k;
	int rc;

	memset(err, 'x', sizeof(err));
	rc = tg_passwd_parse((const char *)d, n, &iter, salt, hash, err, sizeof(err));
	err_terminated(err, sizeof(err));
	if (rc < 0) {
		REQUIRE(rc == -1 && err[0] != '\0' && iter == 0);
		for (k = 0; k < sizeof(hash); k++)
			REQUIRE(hash[k] == 0 && salt[k % sizeof(salt)] == 0);
		return;
	}
	REQUIRE(rc == 0 && err[0] == '\0');
	REQUIRE(iter >= TG_PASSWD_ITER_MIN && iter <= TG_PASSWD_ITER_MAX);
	k = (size_t)snprintf(re, sizeof(re), "$pbkdf2-sha256$%u$", iter);
	k += ab64_ref(salt, sizeof(salt), re + k);
	re[k++] = '$';
	k += ab64_ref(hash, sizeof(hash), re + k);
	REQUIRE(k == n && k <= TG_PASSWD_STR_MAX && memcmp(re, d, n) == 0);
}

static void fuzz_base32(const uint8_t *d, size_t n)
{
	uint8_t bin[256], back[256];
	char enc[TG_BASE32_LEN(256) + 1];
	size_t i, data;
	int rc, m;

	rc = tg_base32_decode((const char *)d, n, bin, sizeof(bin));
	if (rc >= 0) {
		data = n;
		while (data && d[data - 1] == '=')
			data--;
		m = tg_base32_encode(bin, (size_t)rc, enc, sizeof(enc));
		REQUIRE(m >= 0 && (size_t)m == data && enc[m] == '\0');
		for (i = 0; i < data; i++)
			REQUIRE(enc[i] == toupper(d[i]));
		/* a full group of padding is never accepted */
		REQUIRE(n - data < 8);
	}
	/* bytes -> text -> bytes */
	if (n > sizeof(back))
		n = sizeof(back);
	m = tg_base32_encode(d, n, enc, sizeof(enc));
	REQUIRE(m >= 0 && (size_t)m == TG_BASE32_LEN(n) && strlen(enc) == (size_t)m);
	rc = tg_base32_decode(enc, (size_t)m, back, sizeof(back));
	REQUIRE(rc >= 0 && (size_t)rc == n && memcmp(back, d, n) == 0);
}

static int64_t get64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return (int64_t)v;
}

static void fuzz_totp(const uint8_t *d, size_t n)
{
	static const uint8_t key[20] = "12345678901234567890";
	int64_t now, last, last0, step, s, best = -1;
	const char *code;
	size_t codelen, i;
	int rc, digits = 1, want = 0;
	char c[8];

	if (n < 16)
		return;
	now = get64(d);
	/* keep the time within the years a console can see, and below 2^62 */
	now = now < 0 ? now : now % 4000000000000ll;
	last = last0 = get64(d + 8);
	code = (const char *)d + 16;
	codelen = n - 16;

	rc = tg_totp_check(key, sizeof(key), now, code, codelen, &last);
	if (codelen != 6)
		digits = 0;
	for (i = 0; i < codelen && digits; i++)
		if (code[i] < '0' || code[i] > '9')
			digits = 0;
	if (!digits) {
		REQUIRE(rc == -1 && last == last0);
		return;
	}
	if (now >= 0) {
		step = now / 30;
		for (s = step - 1; s <= step + 1; s++) {
			if (s < 0 || s <= last0)
				continue;
			snprintf(c, sizeof(c), "%06u",
			         (unsigned)tg_hotp(key, sizeof(key), (uint64_t)s, 6));
			if (memcmp(c, code, 6) == 0) {
				want = 1;
				best = s;
			}
		}
	}
	REQUIRE(rc == want);
	if (!rc) {
		REQUIRE(last == last0);
		return;
	}
	REQUIRE(last == best);
	/* spent */
	REQUIRE(tg_totp_check(key, sizeof(key), now, code, codelen, &last) == 0 && last == best);
}

static void fuzz_uri(const uint8_t *d, size_t n)
{
	static const uint8_t key[20] = "12345678901234567890";
	char issuer[128], account[128], out[2048]; /* > 2 x 127 x 3 + 127 x 3 + 120 */
	const uint8_t *a, *b;
	size_t li, la, cap;
	int rc;

	a = memchr(d, '\0', n);
	if (!a)
		return;
	b = memchr(a + 1, '\0', n - (size_t)(a + 1 - d));
	if (!b || b + 1 >= d + n)
		return;
	li = (size_t)(a - d);
	la = (size_t)(b - (a + 1));
	if (li >= sizeof(issuer) || la >= sizeof(account))
		return;
	memcpy(issuer, d, li);
	issuer[li] = '\0';
	memcpy(account, a + 1, la);
	account[la] = '\0';
	cap = (size_t)b[1] * 8; /* 0..2040 */

	memset(out, 'x', sizeof(out));
	rc = tg_totp_uri(issuer, account, key, sizeof(key), out, cap);
	if (rc < 0) {
		REQUIRE(rc == -1);
		REQUIRE(cap == 0 || out[0] == '\0');
		/* refused only for a reason: bad names or too little room */
		if (li && la && !strchr(issuer, ':') && !strchr(account, ':'))
			REQUIRE(tg_totp_uri(issuer, account, key, sizeof(key), out, sizeof(out)) >
			        (int)cap - 1);
		return;
	}
	REQUIRE((size_t)rc < cap && out[rc] == '\0' && strlen(out) == (size_t)rc);
	REQUIRE(strncmp(out, "otpauth://totp/", 15) == 0);
	REQUIRE(strstr(out, "?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=") != NULL);
	/* percent-encoded: no character of the names can break the URI up */
	REQUIRE(strchr(out + 15, ' ') == NULL && strchr(out + 15, '#') == NULL);
}

static void fuzz_policy(const uint8_t *d, size_t n)
{
	char err[256], user[32];
	const char *pw = (const char *)d;
	size_t ul = 0;
	int rc;

	/* up to the first NUL within 31 bytes: the user name; the rest: the password */
	while (ul < n && ul < sizeof(user) - 1 && d[ul])
		ul++;
	if (ul < n && d[ul] == '\0') {
		memcpy(user, d, ul);
		user[ul] = '\0';
		pw += ul + 1;
		n -= ul + 1;
	} else {
		user[0] = '\0';
	}
	memset(err, 'x', sizeof(err));
	rc = tg_passwd_policy(pw, n, user, err, sizeof(err));
	err_terminated(err, sizeof(err));
	if (rc == 0) {
		REQUIRE(err[0] == '\0');
		REQUIRE(n >= TG_PASSWD_POLICY_MIN_CHARS && n <= TG_PASSWD_POLICY_MAX_BYTES);
		REQUIRE(memchr(pw, '\0', n) == NULL);
		if (user[0])
			REQUIRE(memmem(pw, n, user, strlen(user)) == NULL);
	} else {
		REQUIRE(rc == -1 && err[0] != '\0');
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	switch (data[0] % 5) {
	case 0:
		fuzz_parse(data + 1, size - 1);
		break;
	case 1:
		fuzz_base32(data + 1, size - 1);
		break;
	case 2:
		fuzz_totp(data + 1, size - 1);
		break;
	case 3:
		fuzz_uri(data + 1, size - 1);
		break;
	default:
		fuzz_policy(data + 1, size - 1);
		break;
	}
	return 0;
}
