/*
 * xcheckstatus.c - timed's cross-check results file: the strict parser
 * the console uses and the formatter timed uses (format in
 * xcheckstatus.h).
 *
 * One text per content: the formatter writes the only form the parser
 * accepts, so a reader never has to guess (no optional spaces, no
 * leading zeros, no escapes: the writer replaces what could not be
 * written plainly).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "xcheckstatus.h"

#define N_FIELDS 11 /* server INDEX ... AGE_S, before "ERR" */

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
 * A decimal integer in p[0..n) within [lo, hi]: digits only, no leading
 * zero (but "0"), a leading '-' only when lo < 0 (never "-0").  0 or -1.
 */
static int parse_num(const char *p, size_t n, int64_t lo, int64_t hi, int64_t *out)
{
	uint64_t v = 0, lim;
	int neg = 0;
	size_t i = 0;
	int64_t x;

	if (n > 0 && p[0] == '-' && lo < 0) {
		neg = 1;
		i = 1;
	}
	if (i == n || (p[i] == '0' && (n - i > 1 || neg)))
		return -1;
	/* INT64_MIN's magnitude is one more than INT64_MAX's */
	lim = (uint64_t)INT64_MAX + (uint64_t)neg;
	for (; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		if (v > (lim - (uint64_t)(p[i] - '0')) / 10)
			return -1;
		v = v * 10 + (uint64_t)(p[i] - '0');
	}
	if (neg)
		x = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
	else
		x = (int64_t)v;
	if (x < lo || x > hi)
		return -1;
	*out = x;
	return 0;
}

static int token_byte_ok(char c)
{
	return c > 0x20 && c < 0x7f && c != '"';
}

static int err_byte_ok(char c)
{
	return c >= 0x20 && c < 0x7f && c != '"';
}

/* "KEY N\n" at line l: the number within [lo, hi], or an error */
static int header(const char *p, const char *nl, unsigned line, const char *key, int64_t lo,
		  int64_t hi, const char *what, int64_t *out, char *err, size_t errlen)
{
	size_t klen = strlen(key), n = (size_t)(nl - p);
	char s[44];

	if (n <= klen || memcmp(p, key, klen) != 0 || p[klen] != ' ') {
		seen(p, n, s);
		return tg_fail(err, errlen, "line %u: expected '%s %s', got '%s'", line, key, what,
			       s);
	}
	if (parse_num(p + klen + 1, n - klen - 1, lo, hi, out) < 0) {
		seen(p + klen + 1, n - klen - 1, s);
		return tg_fail(err, errlen, "line %u: '%s' expects %s, got '%s'", line, key, what, s);
	}
	return 0;
}

static const char *const field_names[N_FIELDS] = {
    "'server'", "INDEX",    "HOST",    "PORT",   "NAME", "STATE (ok, fail or none)",
    "OFFSET_NS", "DELAY_NS", "STRATUM", "LEAP",   "AGE_S"};

/* one server line (p..nl, without the newline) into sv; index is its position */
static int server_line(const char *p, const char *nl, unsigned line, unsigned index,
		       struct tg_xcheck_server *sv, char *err, size_t errlen)
{
	const char *f[N_FIELDS];
	size_t fl[N_FIELDS], i, k;
	const char *q = p, *e;
	int64_t v;
	char s[44];

	memset(sv, 0, sizeof(*sv));
	for (k = 0; k < N_FIELDS; k++) {
		e = q;
		while (e < nl && *e != ' ')
			e++;
		if (e == q || e == nl) {
			seen(q, (size_t)(nl - q), s);
			return tg_fail(err, errlen,
				       "line %u: expected %s and a space (server INDEX HOST PORT NAME "
				       "STATE OFFSET_NS DELAY_NS STRATUM LEAP AGE_S \"ERR\"), got '%s'",
				       line, field_names[k], s);
		}
		f[k] = q;
		fl[k] = (size_t)(e - q);
		q = e + 1;
	}
	if (fl[0] != 6 || memcmp(f[0], "server", 6) != 0) {
		seen(p, (size_t)(nl - p), s);
		return tg_fail(err, errlen, "line %u: expected 'server ...', got '%s'", line, s);
	}
	if (parse_num(f[1], fl[1], 0, TG_XCHECK_SERVERS_MAX - 1, &v) < 0 || (unsigned)v != index) {
		seen(f[1], fl[1], s);
		return tg_fail(err, errlen, "line %u: expected server INDEX %u, got '%s'", line, index,
			       s);
	}
	for (k = 2; k <= 4; k += 2) {
		char *dst = k == 2 ? sv->host : sv->name;

		for (i = 0; i < fl[k] && token_byte_ok(f[k][i]); i++)
			;
		if (fl[k] > TG_XCHECK_TOKEN_MAX || i < fl[k]) {
			seen(f[k], fl[k], s);
			return tg_fail(err, errlen,
				       "line %u: %s expects 1 to %d bytes of printable ASCII "
				       "without '\"', got '%s'",
				       line, field_names[k], TG_XCHECK_TOKEN_MAX, s);
		}
		memcpy(dst, f[k], fl[k]);
		dst[fl[k]] = '\0';
	}
	if (parse_num(f[3], fl[3], 1, 65535, &v) < 0) {
		seen(f[3], fl[3], s);
		return tg_fail(err, errlen, "line %u: PORT expects 1 to 65535, got '%s'", line, s);
	}
	sv->port = (uint16_t)v;
	if (fl[5] == 2 && memcmp(f[5], "ok", 2) == 0) {
		sv->state = TG_XCHECK_OK;
	} else if (fl[5] == 4 && memcmp(f[5], "fail", 4) == 0) {
		sv->state = TG_XCHECK_FAIL;
	} else if (fl[5] == 4 && memcmp(f[5], "none", 4) == 0) {
		sv->state = TG_XCHECK_NONE;
	} else {
		seen(f[5], fl[5], s);
		return tg_fail(err, errlen, "line %u: STATE expects ok, fail or none, got '%s'", line,
			       s);
	}
	if (parse_num(f[6], fl[6], INT64_MIN, INT64_MAX, &sv->offset_ns) < 0 ||
	    parse_num(f[7], fl[7], INT64_MIN, INT64_MAX, &sv->delay_ns) < 0) {
		k = parse_num(f[6], fl[6], INT64_MIN, INT64_MAX, &v) < 0 ? 6 : 7;
		seen(f[k], fl[k], s);
		return tg_fail(err, errlen, "line %u: %s expects an integer (ns), got '%s'", line,
			       field_names[k], s);
	}
	if (parse_num(f[8], fl[8], 0, 255, &v) < 0) {
		seen(f[8], fl[8], s);
		return tg_fail(err, errlen, "line %u: STRATUM expects 0 to 255, got '%s'", line, s);
	}
	sv->stratum = (uint8_t)v;
	if (parse_num(f[9], fl[9], 0, 3, &v) < 0) {
		seen(f[9], fl[9], s);
		return tg_fail(err, errlen, "line %u: LEAP expects 0 to 3, got '%s'", line, s);
	}
	sv->leap = (uint8_t)v;
	if (parse_num(f[10], fl[10], -1, INT64_MAX, &sv->age_s) < 0) {
		seen(f[10], fl[10], s);
		return tg_fail(err, errlen, "line %u: AGE_S expects -1 or a number of seconds, got '%s'",
			       line, s);
	}
	/* the rest: "ERR" up to the newline */
	k = (size_t)(nl - q);
	for (i = 1; i + 1 < k && err_byte_ok(q[i]); i++)
		;
	if (k < 2 || q[0] != '"' || q[k - 1] != '"' || i != k - 1 || k - 2 > TG_XCHECK_ERR_MAX) {
		seen(q, k, s);
		return tg_fail(err, errlen,
			       "line %u: expected \"ERR\" at the end (up to %d bytes of printable "
			       "ASCII without '\"'), got '%s'",
			       line, TG_XCHECK_ERR_MAX, s);
	}
	memcpy(sv->err, q + 1, k - 2);
	sv->err[k - 2] = '\0';
	/* what each state implies */
	if (sv->state == TG_XCHECK_NONE &&
	    (sv->offset_ns || sv->delay_ns || sv->stratum || sv->leap || sv->age_s != -1 ||
	     sv->err[0]))
		return tg_fail(err, errlen,
			       "line %u: state none expects 0 0 0 0 -1 \"\" (no attempt yet)", line);
	if (sv->state != TG_XCHECK_NONE && sv->age_s < 0)
		return tg_fail(err, errlen, "line %u: AGE_S -1 expects state none", line);
	if (sv->state == TG_XCHECK_OK && sv->err[0])
		return tg_fail(err, errlen, "line %u: state ok expects ERR \"\"", line);
	return 0;
}

int tg_xcheck_parse(const char *buf, size_t len, struct tg_xcheck *st, char *err, size_t errlen)
{
	const char *p = buf, *end = buf + len, *nl;
	unsigned line = 0;
	int64_t v;
	char s[44];

	memset(st, 0, sizeof(*st));
	if (len > TG_XCHECK_FILE_MAX)
		return tg_fail(err, errlen, "%zu bytes: expected at most %d", len, TG_XCHECK_FILE_MAX);
	if (len == 0)
		return tg_fail(err, errlen, "empty: expected 'version 1', 'mono_ns', 'max_ns' and "
					    "the servers");
	while (p < end) {
		line++;
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl) {
			seen(p, (size_t)(end - p), s);
			return tg_fail(err, errlen, "line %u: expected a newline at the end, got '%s'",
				       line, s);
		}
		if (line == 1) {
			if (header(p, nl, line, "version", 0, INT64_MAX, "1", &v, err, errlen) < 0)
				return -1;
			if (v != TG_XCHECK_VERSION)
				return tg_fail(err, errlen,
					       "line 1: version %" PRId64 " is not supported (expected %d)",
					       v, TG_XCHECK_VERSION);
			st->version = (uint32_t)v;
		} else if (line == 2) {
			if (header(p, nl, line, "mono_ns", 0, INT64_MAX, "NANOSECONDS", &st->mono_ns,
				   err, errlen) < 0)
				return -1;
		} else if (line == 3) {
			if (header(p, nl, line, "max_ns", 1, INT64_MAX, "NANOSECONDS (at least 1)",
				   &st->max_ns, err, errlen) < 0)
				return -1;
		} else {
			if (st->n == TG_XCHECK_SERVERS_MAX)
				return tg_fail(err, errlen, "line %u: more than %d servers", line,
					       TG_XCHECK_SERVERS_MAX);
			if (server_line(p, nl, line, st->n, &st->s[st->n], err, errlen) < 0)
				return -1;
			st->n++;
		}
		p = nl + 1;
	}
	if (line < 3)
		return tg_fail(err, errlen, "ends after line %u: expected %s", line,
			       line == 1 ? "'mono_ns NANOSECONDS'" : "'max_ns NANOSECONDS'");
	return 0;
}

/* src as a token: the grammar's bytes, '?' for any other, cut at the maximum */
static void clean(char *dst, const char *src, size_t max, int token)
{
	size_t i;

	for (i = 0; src[i] && i < max; i++)
		dst[i] = (token ? token_byte_ok(src[i]) : err_byte_ok(src[i])) ? src[i] : '?';
	dst[i] = '\0';
}

size_t tg_xcheck_format(const struct tg_xcheck *st, char *buf, size_t cap)
{
	static const char *const states[] = {"none", "ok", "fail"};
	char host[TG_XCHECK_TOKEN_MAX + 1], name[TG_XCHECK_TOKEN_MAX + 1];
	char msg[TG_XCHECK_ERR_MAX + 1];
	size_t len;
	unsigned i;
	int n;

	if (st->n > TG_XCHECK_SERVERS_MAX || st->max_ns < 1 || st->mono_ns < 0)
		return 0;
	n = snprintf(buf, cap, "version %d\nmono_ns %" PRId64 "\nmax_ns %" PRId64 "\n",
		     TG_XCHECK_VERSION, st->mono_ns, st->max_ns);
	if (n < 0 || (size_t)n >= cap)
		return 0;
	len = (size_t)n;
	for (i = 0; i < st->n; i++) {
		const struct tg_xcheck_server *sv = &st->s[i];
		int none = sv->state == TG_XCHECK_NONE;

		if (sv->state < TG_XCHECK_NONE || sv->state > TG_XCHECK_FAIL || sv->leap > 3 ||
		    sv->port == 0)
			return 0;
		clean(host, sv->host[0] ? sv->host : "?", TG_XCHECK_TOKEN_MAX, 1);
		clean(name, sv->name[0] ? sv->name : host, TG_XCHECK_TOKEN_MAX, 1);
		clean(msg, sv->state == TG_XCHECK_FAIL ? sv->err : "", TG_XCHECK_ERR_MAX, 0);
		n = snprintf(buf + len, cap - len,
			     "server %u %s %u %s %s %" PRId64 " %" PRId64 " %u %u %" PRId64 " \"%s\"\n",
			     i, host, (unsigned)sv->port, name, states[sv->state],
			     none ? 0 : sv->offset_ns, none ? 0 : sv->delay_ns,
			     none ? 0u : (unsigned)sv->stratum, none ? 0u : (unsigned)sv->leap,
			     none ? (int64_t)-1 : sv->age_s < 0 ? 0 : sv->age_s, msg);
		if (n < 0 || (size_t)n >= cap - len)
			return 0;
		len += (size_t)n;
	}
	return len;
}
