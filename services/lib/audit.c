/*
 * audit.c - the console's hash-chained audit trail: record formatter,
 * strict line parser, chain verifier, start-up recovery, durable append.
 *
 * The format is in audit.h.  Decisions made here:
 *  - One spelling per record.  The parser accepts exactly what the
 *    formatter writes (no leading zeros, lowercase hex hashes, uppercase
 *    %XX, no escape of a byte that stands for itself, dates that exist),
 *    so "parse then format" gives the same bytes and two tools can never
 *    disagree about what a line says.
 *  - Addresses are checked by a small RFC 4291 text-form validator here,
 *    not inet_pton(3): glibc and musl differ at the edges, and a file
 *    written by the box (musl) must verify the same on a Debian host.
 *    Any address inet_ntop(3) writes is accepted (lowercase hex, no zone
 *    id: a '%' would be ambiguous next to the DETAIL encoding, and the
 *    console never sees one from getpeername(2)).
 *  - Times come from the caller (CLOCK_REALTIME) and are converted with
 *    the proleptic Gregorian day count (H. Hinnant's days_from_civil), not
 *    gmtime(3), to stay pure; 1970..9999, no leap second (the kernel's
 *    realtime clock never shows :60).
 *  - Error messages never repeat a USER or DETAIL value: a password typed
 *    into the user name field of the login form must not reach a log.
 *  - Hashes are public values, compared with memcmp.
 */
#include "audit.h"

#include <bearssl_hash.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "log.h"

#define NFIELDS 10

static const char *const state_names[] = {
    [TG_CLOCK_UNSYNC] = "unsync",     [TG_CLOCK_LOCKING] = "locking", [TG_CLOCK_LOCKED] = "locked",
    [TG_CLOCK_HOLDOVER] = "holdover", [TG_CLOCK_FAILED] = "failed",
};
#define N_STATES (sizeof(state_names) / sizeof(state_names[0]))

static const char *const result_names[] = {
    [TG_AUDIT_OK] = "ok",
    [TG_AUDIT_FAIL] = "fail",
    [TG_AUDIT_REFUSED] = "refused",
};
#define N_RESULTS (sizeof(result_names) / sizeof(result_names[0]))

static const char hexdig[] = "0123456789abcdef";
static const char hexdig_upper[] = "0123456789ABCDEF";

/* ---- small helpers ------------------------------------------------------ */

/*
 * A value for an error message: at most 40 bytes, anything outside
 * printable ASCII shown as '?', "..." when cut.  Never used for USER or
 * DETAIL (see the top of the file).
 */
static const char *show(const char *s, size_t n, char out[48])
{
	size_t i, k = n > 40 ? 40 : n;

	for (i = 0; i < k; i++)
		out[i] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
	if (n > k) {
		memcpy(out + k, "...", 3);
		k += 3;
	}
	out[k] = '\0';
	return out;
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int is_lower(char c)
{
	return c >= 'a' && c <= 'z';
}

static int lowerhex_val(char c)
{
	if (is_digit(c))
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static int upperhex_val(char c)
{
	if (is_digit(c))
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* A DETAIL byte that must be written %XX (see audit.h). */
static int must_escape(unsigned char b)
{
	return b < 0x21 || b > 0x7e || b == '%';
}

/* Length of a NUL-terminated string in a fixed field, or cap if unterminated. */
static size_t field_len(const char *s, size_t cap)
{
	const char *z = memchr(s, '\0', cap);

	return z ? (size_t)(z - s) : cap;
}

/* ---- time --------------------------------------------------------------- */

static int is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned days_in_month(int64_t y, unsigned m)
{
	static const unsigned char dm[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	return m == 2 && is_leap(y) ? 29 : dm[m - 1];
}

/* Days since 1970-01-01 of y-m-d, for y >= 1 (no negative eras needed). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = y / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* Inverse of days_from_civil for z >= 0. */
static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = z / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
	*m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static void put_dec(char *out, unsigned v, int width)
{
	while (width-- > 0) {
		out[width] = (char)('0' + v % 10);
		v /= 10;
	}
}

/* "YYYY-MM-DDTHH:MM:SSZ" (20 bytes, no NUL) for 0 <= t <= TG_AUDIT_TIME_MAX. */
static void format_time(int64_t t, char out[20])
{
	unsigned secs = (unsigned)(t % 86400), m, d;
	int64_t y;

	civil_from_days(t / 86400, &y, &m, &d);
	memcpy(out, "0000-00-00T00:00:00Z", 20);
	put_dec(out, (unsigned)y, 4);
	put_dec(out + 5, m, 2);
	put_dec(out + 8, d, 2);
	put_dec(out + 11, secs / 3600, 2);
	put_dec(out + 14, secs / 60 % 60, 2);
	put_dec(out + 17, secs % 60, 2);
}

/* The value of n decimal digits (already checked). */
static unsigned get_dec(const char *s, size_t n)
{
	unsigned v = 0;
	size_t i;

	for (i = 0; i < n; i++)
		v = v * 10 + (unsigned)(s[i] - '0');
	return v;
}

static int parse_time(const char *s, size_t n, int64_t *t, char *err, size_t errlen)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:ddZ";
	unsigned y, mo, d, h, mi, sec;
	char buf[48];
	size_t i;

	if (n != 20)
		goto bad;
	for (i = 0; i < 20; i++)
		if (shape[i] == 'd' ? !is_digit(s[i]) : s[i] != shape[i])
			goto bad;
	y = get_dec(s, 4);
	mo = get_dec(s + 5, 2);
	d = get_dec(s + 8, 2);
	h = get_dec(s + 11, 2);
	mi = get_dec(s + 14, 2);
	sec = get_dec(s + 17, 2);
	if (y < 1970)
		return tg_fail(err, errlen, "year %u before 1970 in '%s'", y, show(s, n, buf));
	if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo))
		return tg_fail(err, errlen, "no such date: '%s'", show(s, n, buf));
	if (h > 23 || mi > 59 || sec > 59)
		return tg_fail(err, errlen, "no such time of day: '%s'", show(s, n, buf));
	*t = days_from_civil(y, mo, d) * 86400 + (int64_t)(h * 3600 + mi * 60 + sec);
	return 0;
bad:
	return tg_fail(err, errlen, "expected YYYY-MM-DDTHH:MM:SSZ, got '%s'", show(s, n, buf));
}

/* ---- field validators (shared by the formatter and the parser) ---------- */

static int check_user(const char *s, size_t n, char *err, size_t errlen)
{
	size_t i;

	if (n == 0 || n > TG_AUDIT_USER_MAX)
		return tg_fail(err, errlen, "expected [a-z_][a-z0-9_-]{0,31}, got %zu characters",
		               n);
	if (!is_lower(s[0]) && s[0] != '_')
		return tg_fail(err, errlen,
		               "expected [a-z_][a-z0-9_-]{0,31}, character 1 is not a-z or _");
	for (i = 1; i < n; i++)
		if (!is_lower(s[i]) && !is_digit(s[i]) && s[i] != '_' && s[i] != '-')
			return tg_fail(err, errlen,
			               "expected [a-z_][a-z0-9_-]{0,31}, character %zu is not a-z, "
			               "0-9, _ or -",
			               i + 1);
	return 0;
}

static int check_action(const char *s, size_t n, char *err, size_t errlen)
{
	char buf[48];
	size_t i;

	if (n == 0 || n > TG_AUDIT_ACTION_MAX || !is_lower(s[0]))
		goto bad;
	for (i = 1; i < n; i++)
		if (!is_lower(s[i]) && !is_digit(s[i]) && s[i] != '.' && s[i] != '_' && s[i] != '-')
			goto bad;
	return 0;
bad:
	return tg_fail(err, errlen, "expected [a-z][a-z0-9._-]{0,31}, got '%s' (%zu characters)",
	               show(s, n, buf), n);
}

/* Dotted quad, 0..255 each, no leading zeros (the only form inet_ntop writes). */
static int valid_ipv4(const char *s, size_t n)
{
	size_t i = 0, start;
	unsigned v;
	int part;

	for (part = 0; part < 4; part++) {
		if (part) {
			if (i >= n || s[i] != '.')
				return 0;
			i++;
		}
		start = i;
		v = 0;
		while (i < n && is_digit(s[i]) && i - start < 3)
			v = v * 10 + (unsigned)(s[i++] - '0');
		if (i == start || v > 255 || (s[start] == '0' && i - start > 1))
			return 0;
	}
	return i == n;
}

/*
 * RFC 4291 section 2.2 text form: eight groups of 1..4 hex digits, at most
 * one "::" standing for one or more zero groups, optionally a dotted quad
 * as the last 32 bits.  Lowercase only (RFC 5952, and what inet_ntop
 * writes); no zone id.
 */
static int valid_ipv6(const char *s, size_t n)
{
	size_t i = 0, e, k;
	int groups = 0, gap = 0;

	if (n >= 2 && s[0] == ':' && s[1] == ':') {
		gap = 1;
		i = 2;
		if (i == n)
			return 1;
	}
	for (;;) {
		int dot = 0;

		for (e = i; e < n && s[e] != ':'; e++)
			dot |= s[e] == '.';
		if (e == i)
			return 0; /* empty group: ":::" or a lone ':' at either end */
		if (dot) {
			if (e != n || !valid_ipv4(s + i, e - i))
				return 0;
			groups += 2;
			break;
		}
		if (e - i > 4)
			return 0;
		for (k = i; k < e; k++)
			if (lowerhex_val(s[k]) < 0)
				return 0;
		groups++;
		if (e == n)
			break;
		if (e + 1 < n && s[e + 1] == ':') {
			if (gap)
				return 0;
			gap = 1;
			i = e + 2;
			if (i == n)
				break;
		} else {
			i = e + 1;
			if (i == n)
				return 0;
		}
		if (groups > 8)
			return 0;
	}
	return gap ? groups <= 7 : groups == 8;
}

static int check_addr(const char *s, size_t n, char *err, size_t errlen)
{
	char buf[48];

	if (n <= TG_AUDIT_ADDR_MAX && (valid_ipv4(s, n) || valid_ipv6(s, n)))
		return 0;
	return tg_fail(err, errlen,
	               "expected an IPv4 or IPv6 literal (lowercase, no zone or port), got '%s'",
	               show(s, n, buf));
}

/* ---- formatter ---------------------------------------------------------- */

int tg_audit_set_detail(struct tg_audit_rec *r, const void *detail, size_t len)
{
	size_t n = len > TG_AUDIT_DETAIL_MAX ? TG_AUDIT_DETAIL_MAX : len;

	if (n)
		memcpy(r->detail, detail, n);
	r->detail[n] = '\0';
	r->detail_len = n;
	return n < len;
}

static void hex_out(const uint8_t h[32], char *out)
{
	int i;

	for (i = 0; i < 32; i++) {
		out[2 * i] = hexdig[h[i] >> 4];
		out[2 * i + 1] = hexdig[h[i] & 15];
	}
}

int tg_audit_format(const struct tg_audit_rec *r, const uint8_t prev[32], char *out, size_t outcap,
                    uint8_t hash_out[32], char *err, size_t errlen)
{
	char line[TG_AUDIT_LINE_MAX + 1], why[160];
	br_sha256_context sc;
	uint8_t hash[32];
	size_t n = 0, ulen, alen, aclen, i;
	int k;

	if (out && outcap)
		out[0] = '\0';
	if (r->seq == 0)
		return tg_fail(err, errlen, "SEQ: expected 1 or more, got 0");
	if (r->time < 0 || r->time > TG_AUDIT_TIME_MAX)
		return tg_fail(
		    err, errlen,
		    "TIME: expected 0..%lld (1970 to 9999-12-31T23:59:59Z), got %" PRId64,
		    TG_AUDIT_TIME_MAX, r->time);
	if (r->clock_state >= N_STATES)
		return tg_fail(err, errlen,
		               "CLOCKSTATE: expected 0..%zu (enum tg_clock_state), got %u",
		               N_STATES - 1, r->clock_state);
	ulen = field_len(r->user, sizeof(r->user));
	if (ulen == sizeof(r->user))
		return tg_fail(err, errlen, "USER: not NUL-terminated within %zu bytes",
		               sizeof(r->user));
	if (ulen && check_user(r->user, ulen, why, sizeof(why)) < 0)
		return tg_fail(err, errlen, "USER: %s (empty for none)", why);
	alen = field_len(r->addr, sizeof(r->addr));
	if (alen == sizeof(r->addr))
		return tg_fail(err, errlen, "ADDR: not NUL-terminated within %zu bytes",
		               sizeof(r->addr));
	if (alen && check_addr(r->addr, alen, why, sizeof(why)) < 0)
		return tg_fail(err, errlen, "ADDR: %s (empty for none)", why);
	aclen = field_len(r->action, sizeof(r->action));
	if (aclen == sizeof(r->action))
		return tg_fail(err, errlen, "ACTION: not NUL-terminated within %zu bytes",
		               sizeof(r->action));
	if (check_action(r->action, aclen, why, sizeof(why)) < 0)
		return tg_fail(err, errlen, "ACTION: %s", why);
	if (r->result >= N_RESULTS)
		return tg_fail(err, errlen,
		               "RESULT: expected 0..%zu (enum tg_audit_result), got %u",
		               N_RESULTS - 1, r->result);
	if (r->detail_len > TG_AUDIT_DETAIL_MAX)
		return tg_fail(err, errlen,
		               "DETAIL: %zu bytes, at most %d (tg_audit_set_detail cuts)",
		               r->detail_len, TG_AUDIT_DETAIL_MAX);

	/* every field is bounded above, so line[] cannot overflow */
	k = snprintf(line, sizeof(line), "%" PRIu64 " ", r->seq);
	n = (size_t)k;
	format_time(r->time, line + n);
	n += 20;
	n += (size_t)snprintf(line + n, sizeof(line) - n, " %s %s %s %s %s ",
	                      state_names[r->clock_state], ulen ? r->user : "-",
	                      alen ? r->addr : "-", r->action, result_names[r->result]);
	if (r->detail_len == 0) {
		line[n++] = '-';
	} else if (r->detail_len == 1 && r->detail[0] == '-') {
		memcpy(line + n, "%2D", 3);
		n += 3;
	} else {
		for (i = 0; i < r->detail_len; i++) {
			unsigned char b = (unsigned char)r->detail[i];

			if (must_escape(b)) {
				line[n++] = '%';
				line[n++] = hexdig_upper[b >> 4];
				line[n++] = hexdig_upper[b & 15];
			} else {
				line[n++] = (char)b;
			}
		}
	}
	line[n++] = ' ';
	hex_out(prev, line + n);
	n += 64;
	line[n++] = ' ';

	br_sha256_init(&sc);
	br_sha256_update(&sc, line, n);
	br_sha256_out(&sc, hash);
	hex_out(hash, line + n);
	n += 64;
	line[n++] = '\n';

	if (!out || outcap < n + 1)
		return tg_fail(err, errlen, "output buffer of %zu bytes, the line needs %zu",
		               outcap, n + 1);
	memcpy(out, line, n);
	out[n] = '\0';
	if (hash_out)
		memcpy(hash_out, hash, 32);
	return (int)n;
}

/* ---- parser ------------------------------------------------------------- */

static int parse_seq(const char *s, size_t n, uint64_t *out, char *err, size_t errlen)
{
	char buf[48];
	uint64_t v = 0;
	size_t i;

	if (n == 0 || s[0] == '0')
		goto bad;
	for (i = 0; i < n; i++) {
		unsigned dgt;

		if (!is_digit(s[i]))
			goto bad;
		dgt = (unsigned)(s[i] - '0');
		if (v > (UINT64_MAX - dgt) / 10)
			return tg_fail(err, errlen, "'%s' is larger than 2^64 - 1",
			               show(s, n, buf));
		v = v * 10 + dgt;
	}
	*out = v;
	return 0;
bad:
	return tg_fail(err, errlen,
	               "expected a decimal number from 1 without leading zeros, got '%s'",
	               show(s, n, buf));
}

static int parse_hash(const char *s, size_t n, uint8_t out[32], char *err, size_t errlen)
{
	char buf[48];
	size_t i;

	if (n != 64)
		return tg_fail(err, errlen, "expected 64 lowercase hex digits, got %zu characters",
		               n);
	for (i = 0; i < 64; i += 2) {
		int hi = lowerhex_val(s[i]), lo = lowerhex_val(s[i + 1]);

		if (hi < 0 || lo < 0)
			return tg_fail(err, errlen,
			               "expected 64 lowercase hex digits, got '%s' at offset %zu",
			               show(s + i + (hi >= 0), 1, buf), i + (hi >= 0));
		out[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

static int parse_name(const char *s, size_t n, const char *const *names, size_t count, uint8_t *out)
{
	size_t i;

	for (i = 0; i < count; i++)
		if (strlen(names[i]) == n && memcmp(names[i], s, n) == 0) {
			*out = (uint8_t)i;
			return 0;
		}
	return -1;
}

/* The DETAIL field's canonical percent-decoding (see audit.h). */
static int parse_detail(const char *s, size_t n, struct tg_audit_rec *r, char *err, size_t errlen)
{
	size_t i, d = 0;

	r->detail_len = 0;
	r->detail[0] = '\0';
	if (n == 1 && s[0] == '-')
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char b = (unsigned char)s[i];

		if (d == TG_AUDIT_DETAIL_MAX)
			return tg_fail(err, errlen, "longer than %d bytes decoded",
			               TG_AUDIT_DETAIL_MAX);
		if (b == '%') {
			int hi = i + 2 < n ? upperhex_val(s[i + 1]) : -1;
			int lo = i + 2 < n ? upperhex_val(s[i + 2]) : -1;

			if (hi < 0 || lo < 0)
				return tg_fail(
				    err, errlen,
				    "'%%' at offset %zu: expected two uppercase hex digits", i);
			b = (unsigned char)(hi << 4 | lo);
			if (!must_escape(b) && !(b == '-' && n == 3))
				return tg_fail(
				    err, errlen,
				    "escape at offset %zu: byte 0x%02x is written as itself", i, b);
			i += 2;
		}
		r->detail[d++] = (char)b;
	}
	r->detail[d] = '\0';
	r->detail_len = d;
	return 0;
}

static const char *const field_names[NFIELDS] = {
    "SEQ", "TIME", "CLOCKSTATE", "USER", "ADDR", "ACTION", "RESULT", "DETAIL", "PREVHASH", "HASH",
};

int tg_audit_parse_line(const char *line, size_t len, struct tg_audit_rec *r, uint8_t prev[32],
                        uint8_t hash[32], char *err, size_t errlen)
{
	const char *f[NFIELDS];
	size_t fl[NFIELDS], i, start;
	char why[160], buf[48];
	int nf = 0;

	memset(r, 0, sizeof(*r));
	if (len && line[len - 1] == '\n')
		len--;
	if (len >= TG_AUDIT_LINE_MAX)
		return tg_fail(err, errlen, "line of %zu bytes, at most %d", len,
		               TG_AUDIT_LINE_MAX - 1);
	/* split on single spaces; everything else must be printable ASCII */
	start = 0;
	for (i = 0; i <= len; i++) {
		if (i < len && line[i] != ' ') {
			unsigned char b = (unsigned char)line[i];

			if (b < 0x21 || b > 0x7e)
				return tg_fail(
				    err, errlen,
				    "byte 0x%02x at offset %zu: expected printable ASCII", b, i);
			continue;
		}
		if (i == start)
			return tg_fail(err, errlen,
			               "empty field at offset %zu: expected %d fields separated by "
			               "single spaces",
			               i, NFIELDS);
		if (nf == NFIELDS)
			return tg_fail(err, errlen, "more than %d space-separated fields", NFIELDS);
		f[nf] = line + start;
		fl[nf++] = i - start;
		start = i + 1;
	}
	if (nf != NFIELDS)
		return tg_fail(err, errlen, "%d space-separated fields, expected %d (%s ... %s)",
		               nf, NFIELDS, field_names[0], field_names[NFIELDS - 1]);

	if (parse_seq(f[0], fl[0], &r->seq, why, sizeof(why)) < 0)
		goto bad0;
	if (parse_time(f[1], fl[1], &r->time, why, sizeof(why)) < 0)
		goto bad1;
	if (parse_name(f[2], fl[2], state_names, N_STATES, &r->clock_state) < 0)
		return tg_fail(err, errlen,
		               "CLOCKSTATE: expected locked, holdover, unsync, locking or failed, "
		               "got '%s'",
		               show(f[2], fl[2], buf));
	if (!(fl[3] == 1 && f[3][0] == '-')) {
		if (check_user(f[3], fl[3], why, sizeof(why)) < 0)
			return tg_fail(err, errlen, "USER: %s or '-'", why);
		memcpy(r->user, f[3], fl[3]);
	}
	if (!(fl[4] == 1 && f[4][0] == '-')) {
		if (check_addr(f[4], fl[4], why, sizeof(why)) < 0)
			return tg_fail(err, errlen, "ADDR: %s or '-'", why);
		memcpy(r->addr, f[4], fl[4]);
	}
	if (check_action(f[5], fl[5], why, sizeof(why)) < 0)
		return tg_fail(err, errlen, "ACTION: %s", why);
	memcpy(r->action, f[5], fl[5]);
	if (parse_name(f[6], fl[6], result_names, N_RESULTS, &r->result) < 0)
		return tg_fail(err, errlen, "RESULT: expected ok, fail or refused, got '%s'",
		               show(f[6], fl[6], buf));
	if (parse_detail(f[7], fl[7], r, why, sizeof(why)) < 0)
		return tg_fail(err, errlen, "DETAIL: %s", why);
	if (parse_hash(f[8], fl[8], prev, why, sizeof(why)) < 0)
		return tg_fail(err, errlen, "PREVHASH: %s", why);
	if (parse_hash(f[9], fl[9], hash, why, sizeof(why)) < 0)
		return tg_fail(err, errlen, "HASH: %s", why);
	return 0;
bad0:
	return tg_fail(err, errlen, "SEQ: %s", why);
bad1:
	return tg_fail(err, errlen, "TIME: %s", why);
}

/* ---- chain -------------------------------------------------------------- */

/*
 * Walk buf as tg_audit_verify documents.  *n, head and *good are always
 * set to the verified prefix; *bad to the SEQ of the first record that is
 * not in it.
 */
static int walk(const char *buf, size_t len, uint64_t *n, uint8_t head[32], size_t *good,
                uint64_t *bad, char *err, size_t errlen)
{
	uint8_t prev[32], hash[32], want[32];
	struct tg_audit_rec r;
	br_sha256_context sc;
	char why[200];
	size_t off = 0;

	*n = 0;
	memset(head, 0, 32);
	*good = 0;
	while (off < len) {
		const char *nl = memchr(buf + off, '\n', len - off);
		uint64_t seq = *n + 1;
		size_t llen;

		*bad = seq;
		if (!nl) {
			tg_seterr(err, errlen,
			          "record %" PRIu64
			          ": torn last line (%zu bytes without a newline)",
			          seq, len - off);
			return -2;
		}
		llen = (size_t)(nl - (buf + off));
		if (tg_audit_parse_line(buf + off, llen, &r, prev, hash, why, sizeof(why)) < 0)
			return tg_fail(err, errlen, "line %" PRIu64 ": malformed: %s", seq, why);
		if (r.seq != seq)
			return tg_fail(err, errlen,
			               "record %" PRIu64 ": SEQ is %" PRIu64 ", expected %" PRIu64
			               " (a record was deleted, inserted or moved here)",
			               seq, r.seq, seq);
		if (memcmp(prev, head, 32) != 0) {
			if (seq == 1)
				return tg_fail(
				    err, errlen,
				    "record 1: PREVHASH is not 64 zeros (the first record "
				    "of a file)");
			return tg_fail(
			    err, errlen,
			    "record %" PRIu64 ": PREVHASH is not the HASH of record %" PRIu64
			    " (the chain is broken: a record was edited, removed or moved)",
			    seq, seq - 1);
		}
		/* the parser checked that HASH is the last 64 bytes after a space */
		br_sha256_init(&sc);
		br_sha256_update(&sc, buf + off, llen - 64);
		br_sha256_out(&sc, want);
		if (memcmp(want, hash, 32) != 0)
			return tg_fail(err, errlen,
			               "record %" PRIu64
			               ": HASH does not match the record's content (it was edited)",
			               seq);
		memcpy(head, hash, 32);
		*n = seq;
		off += llen + 1;
		*good = off;
	}
	return 0;
}

int tg_audit_verify(const char *buf, size_t len, uint64_t *n_records, uint8_t head[32],
                    uint64_t *bad_seq, char *err, size_t errlen)
{
	uint8_t h[32];
	uint64_t n, bad = 0;
	size_t good;
	int rc;

	rc = walk(buf, len, &n, h, &good, &bad, err, errlen);
	if (n_records)
		*n_records = n;
	if (head)
		memcpy(head, h, 32);
	if (bad_seq)
		*bad_seq = rc ? bad : 0;
	return rc;
}

int tg_audit_tail_state(const char *buf, size_t len, uint64_t *next_seq, uint8_t prev[32],
                        size_t *good_len, char *err, size_t errlen)
{
	uint8_t h[32];
	uint64_t n, bad = 0;
	size_t good;
	char why[240];
	int rc;

	rc = walk(buf, len, &n, h, &good, &bad, why, sizeof(why));
	if (good_len)
		*good_len = good;
	if (rc == -1) {
		if (next_seq)
			*next_seq = 1;
		if (prev)
			memset(prev, 0, 32);
		return tg_fail(err, errlen, "broken chain, keep the file and start a new one: %s",
		               why);
	}
	if (next_seq)
		*next_seq = n + 1;
	if (prev)
		memcpy(prev, h, 32);
	if (rc == -2) {
		tg_seterr(err, errlen, "cut %zu bytes after byte %zu: %s", len - good, good, why);
		return 1;
	}
	return 0;
}

/* ---- append ------------------------------------------------------------- */

int tg_audit_append(int fd, const char *line, size_t len)
{
	struct stat st;
	int saved;

	if (!len || line[len - 1] != '\n' || memchr(line, '\n', len - 1)) {
		errno = EINVAL;
		return -1;
	}
	if (fstat(fd, &st) < 0)
		return -1;
	/* fdatasync: an append's new size is part of the data it flushes */
	if (tg_write_all(fd, line, len) == 0 && fdatasync(fd) == 0)
		return 0;
	saved = errno;
	if (S_ISREG(st.st_mode) && ftruncate(fd, st.st_size) < 0) {
		/* nothing more to do here: tg_audit_tail_state cuts it at the next start */
	}
	errno = saved;
	return -1;
}
