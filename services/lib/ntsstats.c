/*
 * ntsstats.c - ntsd's counters file: the strict parser the console uses
 * and the formatter ntsd uses (format in ntsstats.h).
 *
 * Strict where a mistake would show wrong figures (a malformed number, a
 * key given twice, no version or time stamp), lenient only where a later
 * ntsd may say more (unknown keys are skipped, whatever their value).
 */
#include <inttypes.h>

#include <bearssl.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "ntsstats.h"

#define KEY_MAX 32 /* longest key accepted, known or not */

enum kind { K_U64, K_I64, K_VERSION };

struct key {
	const char *name;
	enum kind kind;
	unsigned have; /* TG_NTSSTATS_HAVE_*, or a private bit for version/updated */
	size_t off;    /* of the field in struct tg_ntsstats */
};

#define HAVE_VERSION (1u << 30)
#define HAVE_UPDATED (1u << 31)

static const struct key keys[] = {
    {"version", K_VERSION, HAVE_VERSION, offsetof(struct tg_ntsstats, version)},
    {"updated", K_I64, HAVE_UPDATED, offsetof(struct tg_ntsstats, updated)},
    {"ntp_requests", K_U64, TG_NTSSTATS_HAVE_NTP_REQUESTS,
     offsetof(struct tg_ntsstats, ntp_requests)},
    {"nts_requests", K_U64, TG_NTSSTATS_HAVE_NTS_REQUESTS,
     offsetof(struct tg_ntsstats, nts_requests)},
    {"nts_refused", K_U64, TG_NTSSTATS_HAVE_NTS_REFUSED, offsetof(struct tg_ntsstats, nts_refused)},
    {"ke_handshakes", K_U64, TG_NTSSTATS_HAVE_KE_HANDSHAKES,
     offsetof(struct tg_ntsstats, ke_handshakes)},
    {"ke_failures", K_U64, TG_NTSSTATS_HAVE_KE_FAILURES, offsetof(struct tg_ntsstats, ke_failures)},
    {"cookie_key_id", K_U64, TG_NTSSTATS_HAVE_COOKIE_KEY_ID,
     offsetof(struct tg_ntsstats, cookie_key_id)},
    {"cookie_key_created", K_I64, TG_NTSSTATS_HAVE_COOKIE_KEY_CREATED,
     offsetof(struct tg_ntsstats, cookie_key_created)},
    {"cert_not_after", K_I64, TG_NTSSTATS_HAVE_CERT_NOT_AFTER,
     offsetof(struct tg_ntsstats, cert_not_after)},
    {"cert_not_before", K_I64, TG_NTSSTATS_HAVE_CERT_NOT_BEFORE,
     offsetof(struct tg_ntsstats, cert_not_before)},
};

/* what was seen, for a message: at most 40 bytes, unprintable ones as '?' */
static void seen(const char *p, size_t n, char out[44])
{
	size_t i, k = n > 40 ? 40 : n;

	for (i = 0; i < k; i++)
		out[i] = p[i] >= 0x20 && p[i] < 0x7f ? p[i] : '?';
	if (n > k)
		memcpy(out + k, "...", 3), k += 3;
	out[k] = '\0';
}

/*
 * A decimal integer in p[0..n): digits only, no leading zero (but "0"),
 * a leading '-' when neg_ok (not "-0"); magnitude within the type.  0 or -1.
 */
static int parse_num(const char *p, size_t n, int neg_ok, int64_t *iv, uint64_t *uv)
{
	uint64_t v = 0, lim;
	int neg = 0;
	size_t i = 0;

	if (n > 0 && p[0] == '-' && neg_ok) {
		neg = 1;
		i = 1;
	}
	if (i == n || (p[i] == '0' && n - i > 1) || (neg && p[i] == '0'))
		return -1;
	/* u64 for counters; i64 for times: up to INT64_MAX, or INT64_MAX + 1 below zero */
	lim = neg_ok ? (uint64_t)INT64_MAX + (uint64_t)neg : UINT64_MAX;
	for (; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		if (v > (lim - (uint64_t)(p[i] - '0')) / 10)
			return -1;
		v = v * 10 + (uint64_t)(p[i] - '0');
	}
	if (uv)
		*uv = v;
	if (iv)
		*iv = neg ? (v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v) : (int64_t)v;
	return 0;
}

int tg_ntsstats_parse(const char *buf, size_t len, struct tg_ntsstats *st, char *err,
                      size_t errlen)
{
	const char *p = buf, *end = buf + len, *nl, *sp;
	unsigned have = 0, line = 0;
	char what[44];
	size_t i, klen, vlen;
	int64_t iv;
	uint64_t uv;

	memset(st, 0, sizeof(*st));
	if (len > TG_NTSSTATS_MAX)
		return tg_fail(err, errlen, "%zu bytes: expected at most %d", len, TG_NTSSTATS_MAX);
	if (len == 0)
		return tg_fail(err, errlen, "empty: expected 'version 1' and the counters");
	while (p < end) {
		line++;
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl) {
			seen(p, (size_t)(end - p), what);
			return tg_fail(err, errlen, "line %u: expected a newline at the end, got '%s'",
			               line, what);
		}
		sp = memchr(p, ' ', (size_t)(nl - p));
		klen = sp ? (size_t)(sp - p) : 0;
		for (i = 0; i < klen; i++)
			if (!((p[i] >= 'a' && p[i] <= 'z') || (p[i] >= '0' && p[i] <= '9') ||
			      p[i] == '_'))
				break;
		if (!sp || klen == 0 || klen > KEY_MAX || i < klen) {
			seen(p, (size_t)(nl - p), what);
			return tg_fail(err, errlen,
			               "line %u: expected 'KEY VALUE' (KEY of a-z, 0-9, _), got '%s'",
			               line, what);
		}
		sp++;
		vlen = (size_t)(nl - sp);
		for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			if (strlen(keys[i].name) == klen && memcmp(keys[i].name, p, klen) == 0)
				break;
		if (i == sizeof(keys) / sizeof(keys[0])) {
			p = nl + 1; /* a figure of a later ntsd */
			continue;
		}
		if (have & keys[i].have)
			return tg_fail(err, errlen, "line %u: '%s' given twice", line, keys[i].name);
		have |= keys[i].have;
		if (parse_num(sp, vlen, keys[i].kind == K_I64, &iv, &uv) < 0) {
			seen(sp, vlen, what);
			return tg_fail(err, errlen, "line %u: '%s' expects %s, got '%s'", line,
			               keys[i].name,
			               keys[i].kind == K_I64 ? "an integer (unix seconds)"
			                                     : "a non-negative integer",
			               what);
		}
		switch (keys[i].kind) {
		case K_VERSION:
			if (uv != TG_NTSSTATS_VERSION)
				return tg_fail(err, errlen, "line %u: version %" PRIu64
				                            " is not supported (expected %d)",
				               line, uv, TG_NTSSTATS_VERSION);
			st->version = (uint32_t)uv;
			break;
		case K_I64:
			memcpy((char *)st + keys[i].off, &iv, sizeof(iv));
			break;
		case K_U64:
			memcpy((char *)st + keys[i].off, &uv, sizeof(uv));
			break;
		}
		p = nl + 1;
	}
	if (!(have & HAVE_VERSION))
		return tg_fail(err, errlen, "no 'version' line: expected 'version %d'",
		               TG_NTSSTATS_VERSION);
	if (!(have & HAVE_UPDATED))
		return tg_fail(err, errlen, "no 'updated' line: expected 'updated UNIX_SECONDS'");
	st->have = have & ~(HAVE_VERSION | HAVE_UPDATED);
	return 0;
}

size_t tg_ntsstats_format(const struct tg_ntsstats *st, char *buf, size_t cap)
{
	int n;

	n = snprintf(buf, cap,
	             "version %d\n"
	             "updated %" PRId64 "\n"
	             "ntp_requests %" PRIu64 "\n"
	             "nts_requests %" PRIu64 "\n"
	             "nts_refused %" PRIu64 "\n"
	             "ke_handshakes %" PRIu64 "\n"
	             "ke_failures %" PRIu64 "\n"
	             "cookie_key_id %" PRIu64 "\n"
	             "cookie_key_created %" PRId64 "\n"
	             "cert_not_after %" PRId64 "\n"
	             "cert_not_before %" PRId64 "\n",
	             TG_NTSSTATS_VERSION, st->updated, st->ntp_requests, st->nts_requests,
	             st->nts_refused, st->ke_handshakes, st->ke_failures, st->cookie_key_id,
	             st->cookie_key_created, st->cert_not_after, st->cert_not_before);
	if (n < 0 || (size_t)n >= cap)
		return 0;
	return (size_t)n;
}

/* BearSSL counts days from January 1st of year 0 (proleptic Gregorian); 1970-01-01 is day 719528 */
#define DAYS_0_TO_1970 719528

int tg_ntsstats_cert_validity(const unsigned char *der, size_t len, int64_t *not_before,
                              int64_t *not_after)
{
	br_x509_decoder_context dc;

	br_x509_decoder_init(&dc, NULL, NULL);
	br_x509_decoder_push(&dc, der, len);
	if (br_x509_decoder_last_error(&dc) != 0)
		return -1;
	*not_before = ((int64_t)dc.notbefore_days - DAYS_0_TO_1970) * 86400 + dc.notbefore_seconds;
	*not_after = ((int64_t)dc.notafter_days - DAYS_0_TO_1970) * 86400 + dc.notafter_seconds;
	return 0;
}
