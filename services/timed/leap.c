/*
 * leap.c - the leap-second table of timed: parser and verifier of the
 * IETF/IERS leap-seconds.list, and the pure queries timed makes of it
 * (TAI-UTC, a leap at the end of today, expiry, which copy is newer,
 * whether a receiver's announcement is plausible).
 *
 * The file (public domain, IERS Earth Orientation Center; shipped by
 * tzdata as leap-seconds.list):
 *
 *   # comment                       any line starting with '#' not below
 *   #$ 3960835200                   last update, NTP seconds (since 1900)
 *   #@ 3991593600                   expiry, NTP seconds
 *   2272060800 10 # 1 Jan 1972      NTP seconds, TAI-UTC from then on
 *   #h 49db2447 571e5e1b ...        SHA-1, five 32-bit words in hex
 *
 * The SHA-1 is over the digits of the "#$" and "#@" lines and of each
 * data line before its comment, concatenated in file order with nothing
 * between them (the file's source README; ntpd's ntp_leapsec.c and
 * chrony hash the same way).  Each hash word is read as a hex number: old
 * IERS files print words without their leading zeros.
 *
 * Parsing is two steps: one pass over the lines checks the syntax and
 * hashes (errors name the line), then the hash is compared before the
 * meaning of the entries is checked, so a corrupted file is reported as
 * corrupted rather than by whichever of its rules the damage broke.
 */
#include "timed/leap.h"

#include <bearssl.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "log.h"

#define DAY_S 86400LL
#define FIRST_NTP 2272060800LL  /* 1 Jan 1972: where the table must start */
#define FIRST_TAI_UTC 10
#define NTP_MAX 999999999999LL  /* 12 digits: year ~33,000; keeps arithmetic far from overflow */
#define TAI_UTC_PARSE_MAX 999
#define TAI_UTC_PLAUSIBLE_MIN 10
#define TAI_UTC_PLAUSIBLE_MAX 100
#define TIME_LIMIT (1LL << 44)  /* |POSIX time| beyond ~557,000 years is nonsense */
#define STALE_GRACE_S 60        /* a receiver may keep the old offset this long past a leap */

/* ---- calendar (proleptic Gregorian, days since 1970-01-01) ---- */

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* H. Hinnant's civil_from_days: exact for any day number in range. */
static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = floor_div(z, 146097);
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

/* "YYYY-MM-DD HH:MM:SS" of a POSIX time (|t| < TIME_LIMIT) */
static void fmt_time(int64_t t, char out[48])
{
	int64_t days = floor_div(t, DAY_S), s = t - days * DAY_S, y;
	int m, d;

	civil_from_days(days, &y, &m, &d);
	snprintf(out, 48, "%lld-%02d-%02d %02d:%02d:%02d", (long long)y, m, d, (int)(s / 3600),
		 (int)(s / 60 % 60), (int)(s % 60));
}

/* 1 when t is 00:00:00 UTC on the 1st of a month */
static int is_month_start(int64_t t)
{
	int64_t y;
	int m, d;

	if (t % DAY_S != 0)
		return 0;
	civil_from_days(floor_div(t, DAY_S), &y, &m, &d);
	return d == 1;
}

/* months since year 0 of the month holding t */
static int64_t month_index(int64_t t)
{
	int64_t y;
	int m, d;

	civil_from_days(floor_div(t, DAY_S), &y, &m, &d);
	return y * 12 + (m - 1);
}

/* month (1..12) of t */
static int month_of(int64_t t)
{
	int64_t y;
	int m, d;

	civil_from_days(floor_div(t, DAY_S), &y, &m, &d);
	return m;
}

/* ---- parser ---- */

/* What was seen, quoted for an error message: at most 24 bytes, printable only. */
static const char *seen(const char *s, const char *e, char out[40])
{
	size_t i, n = (size_t)(e - s);

	if (n == 0)
		return "end of line";
	out[0] = '"';
	for (i = 0; i < n && i < 24; i++)
		out[1 + i] = (s[i] >= 0x20 && s[i] < 0x7f && s[i] != '"') ? s[i] : '?';
	out[1 + i] = '\0';
	strcat(out, n > 24 ? "...\"" : "\"");
	return out;
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static const char *skip_blank(const char *p, const char *e)
{
	while (p < e && is_blank(*p))
		p++;
	return p;
}

/* Decimal digits at p, value <= max; the end of the digits, or NULL. */
static const char *parse_num(const char *p, const char *e, int64_t max, int64_t *v)
{
	int64_t x = 0;
	const char *s = p;

	while (p < e && is_digit(*p)) {
		x = x * 10 + (*p - '0');
		if (x > max)
			return NULL;
		p++;
	}
	if (p == s)
		return NULL;
	*v = x;
	return p;
}

struct raw_entry {
	int64_t ntp;
	int64_t tai_utc;
	size_t line;
};

struct parse {
	br_sha1_context sha;
	struct raw_entry ent[TG_LEAP_MAX];
	size_t n;
	int64_t updated_ntp, expires_ntp;
	size_t updated_line, expires_line, hash_line; /* 0: not seen */
	uint8_t hash[20];
};

/* "#$" or "#@": blanks, a number, blanks.  Hashes the number's digits. */
static int parse_date_line(struct parse *ps, const char *p, const char *e, size_t line,
			   const char *what, int64_t *v, char *err, size_t errlen)
{
	const char *num = skip_blank(p, e), *q;
	char sbuf[40];

	q = num > p ? parse_num(num, e, NTP_MAX, v) : NULL;
	if (!q || skip_blank(q, e) != e) {
		tg_seterr(err, errlen, "line %zu: expected the %s as NTP seconds (blank, then up "
			  "to 12 digits), saw %s", line, what, seen(p, e, sbuf));
		return -1;
	}
	br_sha1_update(&ps->sha, num, (size_t)(q - num));
	return 0;
}

static int parse_hash_line(struct parse *ps, const char *p, const char *e, size_t line,
			   char *err, size_t errlen)
{
	const char *words = p;
	char sbuf[40];
	int w, k;

	for (w = 0; w < 5; w++) {
		const char *s = skip_blank(p, e);
		uint32_t x = 0;

		if (s == p)
			goto bad;
		for (k = 0, p = s; p < e && k < 9; p++, k++) {
			int c = (unsigned char)*p, v;

			if (c >= '0' && c <= '9')
				v = c - '0';
			else if (c >= 'a' && c <= 'f')
				v = c - 'a' + 10;
			else if (c >= 'A' && c <= 'F')
				v = c - 'A' + 10;
			else
				break;
			x = x << 4 | (uint32_t)v;
		}
		if (k == 0 || k > 8 || (p < e && !is_blank(*p)))
			goto bad;
		ps->hash[4 * w] = (uint8_t)(x >> 24);
		ps->hash[4 * w + 1] = (uint8_t)(x >> 16);
		ps->hash[4 * w + 2] = (uint8_t)(x >> 8);
		ps->hash[4 * w + 3] = (uint8_t)x;
	}
	if (skip_blank(p, e) == e)
		return 0;
bad:
	tg_seterr(err, errlen, "line %zu: expected \"#h\" and five hex words of up to 8 "
		  "digits (SHA-1), saw %s", line, seen(words, e, sbuf));
	return -1;
}

/* "NTP-seconds TAI-UTC [# comment]": hashes the digits of both numbers. */
static int parse_data_line(struct parse *ps, const char *p, const char *e, size_t line,
			   char *err, size_t errlen)
{
	const char *q, *r, *s, *rest;
	int64_t ntp, tai;
	char sbuf[40];

	q = parse_num(p, e, NTP_MAX, &ntp);
	if (!q || q == e || !is_blank(*q)) {
		tg_seterr(err, errlen, "line %zu: expected NTP seconds (up to 12 digits) then a "
			  "blank, saw %s", line, seen(p, e, sbuf));
		return -1;
	}
	r = skip_blank(q, e);
	s = parse_num(r, e, TAI_UTC_PARSE_MAX, &tai);
	rest = s ? skip_blank(s, e) : NULL;
	if (!s || (s < e && !is_blank(*s) && *s != '#') || (rest < e && *rest != '#')) {
		tg_seterr(err, errlen, "line %zu: expected TAI-UTC seconds (up to 3 digits) after "
			  "the NTP time, then an optional '#' comment, saw %s", line,
			  seen(r, e, sbuf));
		return -1;
	}
	if (ps->n >= TG_LEAP_MAX) {
		tg_seterr(err, errlen, "line %zu: expected at most %d entries, saw more", line,
			  TG_LEAP_MAX);
		return -1;
	}
	br_sha1_update(&ps->sha, p, (size_t)(q - p));
	br_sha1_update(&ps->sha, r, (size_t)(s - r));
	ps->ent[ps->n].ntp = ntp;
	ps->ent[ps->n].tai_utc = tai;
	ps->ent[ps->n].line = line;
	ps->n++;
	return 0;
}

static int dup_line(const char *what, size_t line, size_t first, char *err, size_t errlen)
{
	tg_seterr(err, errlen, "line %zu: expected one %s line, saw a second (first on line %zu)",
		  line, what, first);
	return -1;
}

static int parse_lines(struct parse *ps, const char *buf, size_t len, char *err, size_t errlen)
{
	const char *p = buf, *end = buf + len;
	size_t line = 0;
	char sbuf[40];

	while (p < end) {
		const char *e = memchr(p, '\n', (size_t)(end - p));

		if (!e)
			e = end;
		line++;
		if (e - p >= 2 && p[0] == '#' && p[1] == '$') {
			if (ps->updated_line)
				return dup_line("\"#$\" (last update)", line, ps->updated_line, err,
						errlen);
			if (parse_date_line(ps, p + 2, e, line, "last update", &ps->updated_ntp,
					    err, errlen))
				return -1;
			ps->updated_line = line;
		} else if (e - p >= 2 && p[0] == '#' && p[1] == '@') {
			if (ps->expires_line)
				return dup_line("\"#@\" (expiry)", line, ps->expires_line, err,
						errlen);
			if (parse_date_line(ps, p + 2, e, line, "expiry", &ps->expires_ntp, err,
					    errlen))
				return -1;
			ps->expires_line = line;
		} else if (e - p >= 2 && p[0] == '#' && p[1] == 'h') {
			if (ps->hash_line)
				return dup_line("\"#h\" (hash)", line, ps->hash_line, err, errlen);
			if (parse_hash_line(ps, p + 2, e, line, err, errlen))
				return -1;
			ps->hash_line = line;
		} else if (p < e && p[0] == '#') {
			/* comment */
		} else if (skip_blank(p, e) == e) {
			/* blank line */
		} else if (is_digit(p[0])) {
			if (parse_data_line(ps, p, e, line, err, errlen))
				return -1;
		} else {
			tg_seterr(err, errlen, "line %zu: expected a comment ('#'), \"#$\", \"#@\", "
				  "\"#h\" or a data line (NTP seconds, TAI-UTC), saw %s", line,
				  seen(p, e, sbuf));
			return -1;
		}
		p = e < end ? e + 1 : end;
	}
	return 0;
}

static void hex20(const uint8_t h[20], char out[48])
{
	static const char hx[] = "0123456789abcdef";
	size_t i, o = 0;

	for (i = 0; i < 20; i++) {
		if (i && i % 4 == 0)
			out[o++] = ' ';
		out[o++] = hx[h[i] >> 4];
		out[o++] = hx[h[i] & 15];
	}
	out[o] = '\0';
}

/* Meaning of the entries, dates, and the hash; ps holds a syntactically valid file. */
static int check_file(struct parse *ps, struct tg_leap_table *t, char *err, size_t errlen)
{
	uint8_t sum[20];
	char a[48], b[48];
	unsigned diff = 0;
	size_t i;

	if (!ps->updated_line) {
		tg_seterr(err, errlen, "end of file: expected a \"#$\" line (last update), saw none");
		return -1;
	}
	if (!ps->expires_line) {
		tg_seterr(err, errlen, "end of file: expected a \"#@\" line (expiry), saw none");
		return -1;
	}
	if (!ps->hash_line) {
		tg_seterr(err, errlen, "end of file: expected a \"#h\" line (SHA-1 of the data), "
			  "saw none");
		return -1;
	}
	if (ps->n == 0) {
		tg_seterr(err, errlen, "end of file: expected data lines (NTP seconds, TAI-UTC), "
			  "saw none");
		return -1;
	}
	br_sha1_out(&ps->sha, sum);
	for (i = 0; i < 20; i++)
		diff |= (unsigned)(sum[i] ^ ps->hash[i]);
	if (diff) {
		hex20(ps->hash, a);
		hex20(sum, b);
		tg_seterr(err, errlen, "line %zu: hash %s does not match the data, whose SHA-1 is "
			  "%s (file corrupted or edited)", ps->hash_line, a, b);
		return -1;
	}

	if (ps->expires_ntp <= ps->updated_ntp) {
		fmt_time(ps->expires_ntp - TG_LEAP_NTP_UNIX, a);
		fmt_time(ps->updated_ntp - TG_LEAP_NTP_UNIX, b);
		tg_seterr(err, errlen, "line %zu: expected the expiry after the last update (%s "
			  "UTC, line %zu), saw %s UTC", ps->expires_line, b, ps->updated_line, a);
		return -1;
	}
	for (i = 0; i < ps->n; i++) {
		const struct raw_entry *r = &ps->ent[i];
		int64_t utc = r->ntp - TG_LEAP_NTP_UNIX;

		if (i == 0 && (r->ntp != FIRST_NTP || r->tai_utc != FIRST_TAI_UTC)) {
			tg_seterr(err, errlen, "line %zu: expected the first entry to be %lld %d "
				  "(1 Jan 1972, TAI-UTC 10 s), saw %lld %lld", r->line,
				  FIRST_NTP, FIRST_TAI_UTC, (long long)r->ntp,
				  (long long)r->tai_utc);
			return -1;
		}
		fmt_time(utc, a);
		if (i > 0 && r->ntp <= ps->ent[i - 1].ntp) {
			fmt_time(ps->ent[i - 1].ntp - TG_LEAP_NTP_UNIX, b);
			tg_seterr(err, errlen, "line %zu: expected a date after the previous entry's "
				  "(%s UTC, line %zu), saw %s UTC", r->line, b,
				  ps->ent[i - 1].line, a);
			return -1;
		}
		if (!is_month_start(utc)) {
			tg_seterr(err, errlen, "line %zu: expected 00:00:00 UTC on the 1st of a "
				  "month, saw %lld = %s UTC", r->line, (long long)r->ntp, a);
			return -1;
		}
		if (i > 0 && r->tai_utc != ps->ent[i - 1].tai_utc + 1 &&
		    r->tai_utc != ps->ent[i - 1].tai_utc - 1) {
			tg_seterr(err, errlen, "line %zu: expected TAI-UTC %lld or %lld (a leap "
				  "second is +1 or -1 s), saw %lld", r->line,
				  (long long)ps->ent[i - 1].tai_utc - 1,
				  (long long)ps->ent[i - 1].tai_utc + 1, (long long)r->tai_utc);
			return -1;
		}
		if (r->ntp >= ps->expires_ntp) {
			fmt_time(ps->expires_ntp - TG_LEAP_NTP_UNIX, b);
			tg_seterr(err, errlen, "line %zu: expected entries before the expiry (%s "
				  "UTC, line %zu), saw %s UTC", r->line, b, ps->expires_line, a);
			return -1;
		}
		t->e[i].utc_s = utc;
		t->e[i].tai_utc = (int32_t)r->tai_utc;
	}
	t->n = ps->n;
	t->updated_s = ps->updated_ntp - TG_LEAP_NTP_UNIX;
	t->expires_s = ps->expires_ntp - TG_LEAP_NTP_UNIX;
	memcpy(t->sha1, sum, sizeof(t->sha1));
	return 0;
}

int tg_leap_parse(const char *buf, size_t len, struct tg_leap_table *t, char *err,
		  size_t errlen)
{
	struct parse ps;

	memset(t, 0, sizeof(*t));
	memset(&ps, 0, sizeof(ps));
	br_sha1_init(&ps.sha);
	if ((!buf && len) || parse_lines(&ps, buf, len, err, errlen) ||
	    check_file(&ps, t, err, errlen)) {
		if (!buf && len)
			tg_seterr(err, errlen, "no buffer");
		memset(t, 0, sizeof(*t));
		return -1;
	}
	return 0;
}

int tg_leap_load(const char *path, struct tg_leap_table *t, char *err, size_t errlen)
{
	char buf[TG_LEAP_FILE_MAX + 1];
	struct stat st;
	size_t n;
	ssize_t got;
	int fd;

	memset(t, 0, sizeof(*t));
	/* O_NONBLOCK: a FIFO planted on /data must not hang timed; regular files ignore it */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		tg_seterr(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		tg_seterr(err, errlen, "%s: expected a regular file", path);
		close(fd);
		return -1;
	}
	got = tg_read_full(fd, buf, sizeof(buf));
	if (got < 0) {
		tg_seterr(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	n = (size_t)got;
	if (n > TG_LEAP_FILE_MAX) {
		tg_seterr(err, errlen, "%s: expected at most %d bytes, saw more", path,
			  TG_LEAP_FILE_MAX);
		return -1;
	}
	if (tg_leap_parse(buf, n, t, err, errlen) != 0) {
		/* prefix the path, keeping the parser's message */
		char msg[256];

		if (err && errlen) {
			snprintf(msg, sizeof(msg), "%s", err);
			tg_seterr(err, errlen, "%s: %s", path, msg);
		}
		return -1;
	}
	return 0;
}

/* ---- queries ---- */

static int valid(const struct tg_leap_table *t)
{
	return t && t->n > 0 && t->n <= TG_LEAP_MAX;
}

int tg_leap_tai_offset(const struct tg_leap_table *t, int64_t utc_s)
{
	size_t i;

	if (!valid(t) || utc_s < t->e[0].utc_s)
		return 0;
	for (i = t->n; i-- > 0;)
		if (t->e[i].utc_s <= utc_s)
			return t->e[i].tai_utc;
	return 0;
}

int tg_leap_pending(const struct tg_leap_table *t, int64_t utc_s, enum tg_leap *kind,
		    int64_t *when)
{
	int64_t end;
	size_t i;

	if (kind)
		*kind = TG_LEAP_NONE;
	if (when)
		*when = 0;
	if (!valid(t) || utc_s <= -TIME_LIMIT || utc_s >= TIME_LIMIT)
		return 0;
	end = (floor_div(utc_s, DAY_S) + 1) * DAY_S;
	/* the first entry sets the 1972 offset: it is not a leap second */
	for (i = 1; i < t->n; i++) {
		if (t->e[i].utc_s != end)
			continue;
		if (kind)
			*kind = t->e[i].tai_utc > t->e[i - 1].tai_utc ? TG_LEAP_INSERT
								      : TG_LEAP_DELETE;
		if (when)
			*when = end;
		return 1;
	}
	return 0;
}

int tg_leap_expired(const struct tg_leap_table *t, int64_t utc_s)
{
	return !valid(t) || utc_s >= t->expires_s;
}

const struct tg_leap_table *tg_leap_choose(const struct tg_leap_table *a,
					   const struct tg_leap_table *b)
{
	if (!valid(b))
		return valid(a) ? a : NULL;
	if (!valid(a))
		return b;
	if (b->expires_s != a->expires_s)
		return b->expires_s > a->expires_s ? b : a;
	return b->updated_s > a->updated_s ? b : a;
}

int tg_leap_consistent(const struct tg_leap_table *a, const struct tg_leap_table *b, char *err,
		       size_t errlen)
{
	const struct tg_leap_table *x, *y; /* x expires first */
	char ts[48], ex[48];
	size_t i, ny;

	if (!valid(a) || !valid(b)) {
		tg_seterr(err, errlen, "expected two valid tables");
		return -1;
	}
	x = a->expires_s <= b->expires_s ? a : b;
	y = x == a ? b : a;
	fmt_time(x->expires_s, ex);
	for (ny = 0; ny < y->n && y->e[ny].utc_s < x->expires_s; ny++)
		;
	for (i = 0; i < x->n || i < ny; i++) {
		if (i < x->n && i < ny && x->e[i].utc_s == y->e[i].utc_s &&
		    x->e[i].tai_utc == y->e[i].tai_utc)
			continue;
		if (i < x->n && (i >= ny || x->e[i].utc_s <= y->e[i].utc_s)) {
			fmt_time(x->e[i].utc_s, ts);
			tg_seterr(err, errlen, "the table expiring %s UTC has TAI-UTC %d from %s "
				  "UTC; the other table has %s", ex, (int)x->e[i].tai_utc, ts,
				  i < ny && x->e[i].utc_s == y->e[i].utc_s ? "another offset"
									  : "no such entry");
		} else {
			fmt_time(y->e[i].utc_s, ts);
			tg_seterr(err, errlen, "the table expiring later has TAI-UTC %d from %s "
				  "UTC, before the other's expiry (%s UTC), which lacks it",
				  (int)y->e[i].tai_utc, ts, ex);
		}
		return -1;
	}
	return 0;
}

static int to_tai_utc(enum tg_leap_scale scale, int v, int *out)
{
	switch (scale) {
	case TG_LEAP_SCALE_TAI:
		*out = v;
		return 0;
	case TG_LEAP_SCALE_GPS:
		*out = v + TG_LEAP_GPS_TAI;
		return 0;
	case TG_LEAP_SCALE_BDT:
		*out = v + TG_LEAP_BDT_TAI;
		return 0;
	}
	return -1;
}

static const char *scale_name(enum tg_leap_scale scale)
{
	return scale == TG_LEAP_SCALE_GPS ? "GPS-UTC" : scale == TG_LEAP_SCALE_BDT ? "BDT-UTC"
										    : "TAI-UTC";
}

int tg_leap_check_announcement(const struct tg_leap_table *t, int64_t utc_s,
			       enum tg_leap_scale scale, int current, int next, int64_t when_s,
			       char *err, size_t errlen)
{
	const char *sn = scale_name(scale);
	int cur, nxt, announced = current != next, m;
	char ws[48], es[48];
	size_t i;

	if (current < -1000 || current > 1000 || next < -1000 || next > 1000 ||
	    to_tai_utc(scale, current, &cur) || to_tai_utc(scale, next, &nxt)) {
		tg_seterr(err, errlen, "receiver leap data: expected a known scale and offsets "
			  "within +-1000 s, saw scale %d, %d, %d", (int)scale, current, next);
		return -1;
	}
	if (utc_s <= -TIME_LIMIT || utc_s >= TIME_LIMIT) {
		tg_seterr(err, errlen, "receiver leap data: time %lld out of range",
			  (long long)utc_s);
		return -1;
	}
	if (cur < TAI_UTC_PLAUSIBLE_MIN || cur > TAI_UTC_PLAUSIBLE_MAX) {
		tg_seterr(err, errlen, "receiver %s %d s (TAI-UTC %d s): expected TAI-UTC "
			  "within %d..%d s", sn, current, cur, TAI_UTC_PLAUSIBLE_MIN,
			  TAI_UTC_PLAUSIBLE_MAX);
		return -1;
	}
	if (announced) {
		if (nxt != cur + 1 && nxt != cur - 1) {
			tg_seterr(err, errlen, "receiver announces %s %d -> %d s (TAI-UTC %d -> "
				  "%d s): expected a step of +1 or -1 s", sn, current, next, cur,
				  nxt);
			return -1;
		}
		if (when_s <= -TIME_LIMIT || when_s >= TIME_LIMIT) {
			tg_seterr(err, errlen, "receiver announces a leap at time %lld: out of "
				  "range", (long long)when_s);
			return -1;
		}
		fmt_time(when_s, ws);
		if (!is_month_start(when_s)) {
			tg_seterr(err, errlen, "receiver announces a leap before %s UTC: expected "
				  "one at the end of a month (new offset from 00:00:00 UTC on "
				  "the 1st)", ws);
			return -1;
		}
		if (when_s <= utc_s - STALE_GRACE_S) {
			tg_seterr(err, errlen, "receiver announces a leap before %s UTC, which is "
				  "past, with %s still %d s: expected %d s", ws, sn, current,
				  next);
			return -1;
		}
		if (when_s > utc_s + TG_LEAP_ANNOUNCE_MAX_S) {
			tg_seterr(err, errlen, "receiver announces a leap before %s UTC: expected "
				  "at most %lld days ahead", ws,
				  TG_LEAP_ANNOUNCE_MAX_S / DAY_S);
			return -1;
		}
		/* just past the leap the receiver may not yet have moved on */
		if (when_s <= utc_s)
			cur = nxt;
	}

	if (valid(t) && !tg_leap_expired(t, utc_s)) {
		int want = tg_leap_tai_offset(t, utc_s);

		if (cur != want) {
			tg_seterr(err, errlen, "receiver says TAI-UTC %d s (%s %d s); the leap "
				  "table (valid until %s UTC) says %d s", cur, sn, current,
				  (fmt_time(t->expires_s, es), es), want);
			return -1;
		}
		if (announced && when_s > utc_s && when_s < t->expires_s) {
			for (i = 1; i < t->n; i++)
				if (t->e[i].utc_s == when_s && t->e[i].tai_utc == nxt)
					break;
			if (i == t->n) {
				fmt_time(t->expires_s, es);
				tg_seterr(err, errlen, "receiver announces TAI-UTC %d s (%s %d s) "
					  "from %s UTC; the leap table, valid until %s UTC, has "
					  "no such leap", nxt, sn, next, ws, es);
				return -1;
			}
		}
	} else if (valid(t)) {
		/* expired: at most one leap per month end since the table's knowledge ended */
		int last = t->e[t->n - 1].tai_utc;
		int64_t months = utc_s < t->expires_s ? 0
			: month_index(utc_s) - month_index(t->expires_s) +
			  is_month_start(t->expires_s);
		int64_t d = cur > last ? cur - last : last - cur;

		if (d > months) {
			fmt_time(t->expires_s, es);
			tg_seterr(err, errlen, "receiver says TAI-UTC %d s (%s %d s); the expired "
				  "leap table says %d s until %s UTC, and only %lld month ends "
				  "have passed since", cur, sn, current, last, es,
				  (long long)months);
			return -1;
		}
	}

	if (announced) {
		/* the leap is in the last minute of the month before when_s */
		m = month_of(when_s - 1);
		if (m != 6 && m != 12) {
			tg_seterr(err, errlen, "receiver announces a leap at the end of month %d "
				  "(new offset from %s UTC): allowed, but the IERS has only used "
				  "June and December", m, ws);
			return 1;
		}
	}
	tg_seterr(err, errlen, "%s", "");
	return 0;
}
