/*
 * test_leap.c - timed's leap-second table (services/timed/leap.c).
 *
 * The real file is the copy in the image (rootfs/etc/timegate/
 * leap-seconds.list, tzdata 2025b): it must parse with its 28 entries and
 * the SHA-1 the IERS printed in it, which checks the hash rule against
 * something this code did not write.  Dates are computed with libc's
 * timegm(), not with leap.c's calendar.  Handmade files get their "#h"
 * line from an independent digits-of-the-lines hasher below.
 *
 * The file is read from the repository ($TOP, set by tests/run.sh, else
 * the checkout this was built from).
 */
#include <bearssl.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "timed/leap.h"

#ifndef LEAP_TOP
#define LEAP_TOP "."
#endif

#define REAL_PATH "rootfs/etc/timegate/leap-seconds.list"
#define NTP_UNIX 2208988800LL

static char real[16 * 1024];
static size_t real_len;
static char fbuf[64 * 1024];
static char err[512];
static struct tg_leap_table tbl;

static void read_real(void)
{
	const char *top = getenv("TOP");
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", top && *top ? top : LEAP_TOP, REAL_PATH);
	f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "  cannot open %s (set TOP to the repository)\n", path);
		exit(2);
	}
	real_len = fread(real, 1, sizeof(real) - 1, f);
	fclose(f);
	real[real_len] = '\0';
}

/* POSIX time of y-m-d hh:mm:ss UTC, by libc */
static int64_t utc(int y, int mo, int d, int h, int mi, int s)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	return (int64_t)timegm(&tm);
}

static long long ntp(int y, int mo, int d)
{
	return (long long)(utc(y, mo, d, 0, 0, 0) + NTP_UNIX);
}

/*
 * Append the "#h" line to body (the rule written out independently: the
 * digits of "#$" and "#@" lines and of data lines before any '#').
 * strip_zeros prints words without leading zeros, as old IERS files did.
 */
static size_t with_hash(const char *body, int strip_zeros)
{
	br_sha1_context sha;
	uint8_t h[20];
	const char *p = body;
	size_t n;
	int i;

	br_sha1_init(&sha);
	while (*p) {
		const char *e = strchr(p, '\n');
		int hashed;

		if (!e)
			e = p + strlen(p);
		hashed = (p[0] == '#' && (p[1] == '$' || p[1] == '@')) || p[0] != '#';
		for (const char *q = p + (p[0] == '#' ? 2 : 0); hashed && q < e; q++) {
			if (p[0] != '#' && *q == '#')
				break;
			if (*q >= '0' && *q <= '9')
				br_sha1_update(&sha, q, 1);
		}
		p = *e ? e + 1 : e;
	}
	br_sha1_out(&sha, h);
	n = (size_t)snprintf(fbuf, sizeof(fbuf), "%s#h\t", body);
	for (i = 0; i < 5; i++) {
		unsigned w = (unsigned)h[4 * i] << 24 | (unsigned)h[4 * i + 1] << 16 |
			     (unsigned)h[4 * i + 2] << 8 | h[4 * i + 3];
		n += (size_t)snprintf(fbuf + n, sizeof(fbuf) - n, strip_zeros ? "%x%s" : "%08x%s",
				      w, i < 4 ? " " : "\n");
	}
	return n;
}

static int parse_str(const char *s, size_t n)
{
	err[0] = '\0';
	return tg_leap_parse(s, n, &tbl, err, sizeof(err));
}

static int has(const char *needle)
{
	if (strstr(err, needle))
		return 1;
	fprintf(stderr, "  err \"%s\" lacks \"%s\"\n", err, needle);
	return 0;
}

/* A handmade file: #$, #@ and the given data lines, hashed. */
static size_t handmade(long long upd, long long exp, const char *data)
{
	char body[8192];

	snprintf(body, sizeof(body), "# handmade\n#$\t%lld\n#@\t%lld\n%s", upd, exp, data);
	return with_hash(body, 0);
}

/* data lines of the first three real entries */
static char head3[256];

static void init_head3(void)
{
	snprintf(head3, sizeof(head3), "%lld\t10\t# 1 Jan 1972\n%lld\t11\n%lld\t12\n",
		 ntp(1972, 1, 1), ntp(1972, 7, 1), ntp(1973, 1, 1));
}

/* Expect the handmade file to fail with needle (and "line N"). */
static void expect_bad(size_t n, const char *needle)
{
	memset(&tbl, 0xa5, sizeof(tbl));
	CHECK_EQ_INT(parse_str(fbuf, n), -1);
	CHECK_EQ_INT(tbl.n, 0);
	CHECK(has(needle));
}

/* ---- the real file ---- */

static void test_real_file(void)
{
	static const uint8_t want_sha[20] = {0x49, 0xdb, 0x24, 0x47, 0x57, 0x1e, 0x5e, 0x1b, 0x2f, 0x00,
					     0x2a, 0x53, 0x9c, 0x8d, 0xa8, 0xe4, 0x39, 0xb8, 0xe4, 0x9e};

	CHECK_EQ_INT(parse_str(real, real_len), 0);
	CHECK_EQ_STR(err, "");
	CHECK_EQ_INT(tbl.n, 28);
	CHECK(memcmp(tbl.sha1, want_sha, 20) == 0);
	CHECK_EQ_INT(tbl.expires_s, utc(2026, 6, 28, 0, 0, 0));
	CHECK_EQ_INT(tbl.updated_s, 3960835200LL - NTP_UNIX);
	CHECK_EQ_INT(tbl.e[0].utc_s, utc(1972, 1, 1, 0, 0, 0));
	CHECK_EQ_INT(tbl.e[0].tai_utc, 10);
	CHECK_EQ_INT(tbl.e[27].utc_s, utc(2017, 1, 1, 0, 0, 0));
	CHECK_EQ_INT(tbl.e[27].tai_utc, 37);

	CHECK_EQ_INT(tg_leap_tai_offset(&tbl, utc(2017, 1, 1, 0, 0, 0)), 37);
	CHECK_EQ_INT(tg_leap_tai_offset(&tbl, utc(2016, 12, 31, 23, 59, 59)), 36);
	CHECK_EQ_INT(tg_leap_tai_offset(&tbl, utc(2026, 12, 3, 12, 0, 0)), 37);
	CHECK_EQ_INT(tg_leap_tai_offset(&tbl, utc(1972, 1, 1, 0, 0, 0)), 10);
	CHECK_EQ_INT(tg_leap_tai_offset(&tbl, utc(1980, 1, 1, 0, 0, 0)), 19); /* GPS epoch: TAI-19 */
	CHECK_EQ_INT(tg_leap_tai_offset(&tbl, utc(1971, 12, 31, 23, 59, 59)), 0);
	CHECK_EQ_INT(tg_leap_tai_offset(NULL, utc(2020, 1, 1, 0, 0, 0)), 0);

	CHECK_EQ_INT(tg_leap_expired(&tbl, utc(2026, 6, 27, 23, 59, 59)), 0);
	CHECK_EQ_INT(tg_leap_expired(&tbl, utc(2026, 6, 28, 0, 0, 0)), 1);
	CHECK_EQ_INT(tg_leap_expired(&tbl, utc(2026, 12, 3, 0, 0, 0)), 1); /* today */
	CHECK_EQ_INT(tg_leap_expired(NULL, 0), 1);
}

static void check_pending_day(int y, int m, int d)
{
	int64_t day = utc(y, m, d, 0, 0, 0), end = day + 86400, when = -1;
	enum tg_leap kind = TG_LEAP_DELETE;

	CHECK_EQ_INT(tg_leap_pending(&tbl, day, &kind, &when), 1);
	CHECK_EQ_INT(kind, TG_LEAP_INSERT);
	CHECK_EQ_INT(when, end);
	CHECK_EQ_INT(tg_leap_pending(&tbl, day + 43200, &kind, &when), 1);
	CHECK_EQ_INT(tg_leap_pending(&tbl, end - 1, &kind, &when), 1);
	CHECK_EQ_INT(kind, TG_LEAP_INSERT);
	/* the day before and the day after: nothing */
	CHECK_EQ_INT(tg_leap_pending(&tbl, day - 1, &kind, &when), 0);
	CHECK_EQ_INT(kind, TG_LEAP_NONE);
	CHECK_EQ_INT(when, 0);
	CHECK_EQ_INT(tg_leap_pending(&tbl, end, &kind, &when), 0);
	CHECK_EQ_INT(kind, TG_LEAP_NONE);
}

static void test_real_pending(void)
{
	enum tg_leap kind;
	int64_t when;

	CHECK_EQ_INT(parse_str(real, real_len), 0);
	check_pending_day(2016, 12, 31);
	check_pending_day(2015, 6, 30);
	check_pending_day(1972, 6, 30);
	/* the 1972 entry sets the first offset: not a leap second */
	CHECK_EQ_INT(tg_leap_pending(&tbl, utc(1971, 12, 31, 12, 0, 0), &kind, &when), 0);
	/* no leap announced at the end of 2026-06 or 2026-12 */
	CHECK_EQ_INT(tg_leap_pending(&tbl, utc(2026, 6, 30, 12, 0, 0), &kind, &when), 0);
	CHECK_EQ_INT(tg_leap_pending(&tbl, utc(2026, 12, 31, 12, 0, 0), NULL, NULL), 0);
	CHECK_EQ_INT(tg_leap_pending(&tbl, utc(2016, 12, 31, 12, 0, 0), NULL, NULL), 1);
	CHECK_EQ_INT(tg_leap_pending(NULL, utc(2016, 12, 31, 12, 0, 0), &kind, &when), 0);
	/* extremes do not overflow */
	CHECK_EQ_INT(tg_leap_pending(&tbl, INT64_MAX, &kind, &when), 0);
	CHECK_EQ_INT(tg_leap_pending(&tbl, INT64_MIN, &kind, &when), 0);
	CHECK_EQ_INT(tg_leap_tai_offset(&tbl, INT64_MAX), 37);
	CHECK_EQ_INT(tg_leap_tai_offset(&tbl, INT64_MIN), 0);
}

/* Every hashed digit of the real file, changed, breaks the hash; comment digits do not. */
static void test_real_forged(void)
{
	static char copy[sizeof(real)];
	size_t i, line_start = 0, hashed_tried = 0, comment_tried = 0;

	memcpy(copy, real, real_len);
	for (i = 0; i < real_len; i++) {
		const char *ls;
		int hashed, hash_line, in_comment;

		if (copy[i] == '\n') {
			line_start = i + 1;
			continue;
		}
		if (copy[i] < '0' || copy[i] > '9')
			continue;
		ls = copy + line_start;
		hash_line = ls[0] == '#' && ls[1] == 'h';
		hashed = (ls[0] == '#' && (ls[1] == '$' || ls[1] == '@')) ||
			 (ls[0] >= '0' && ls[0] <= '9' && !memchr(ls, '#', (size_t)(copy + i - ls)));
		in_comment = !hashed && !hash_line;
		copy[i] = (char)('0' + (copy[i] - '0' + 1) % 10);
		err[0] = '\0';
		if (in_comment) {
			CHECK_EQ_INT(tg_leap_parse(copy, real_len, &tbl, err, sizeof(err)), 0);
			comment_tried++;
		} else {
			CHECK_EQ_INT(tg_leap_parse(copy, real_len, &tbl, err, sizeof(err)), -1);
			CHECK(has("line 120: hash "));
			CHECK(has("does not match the data"));
			CHECK_EQ_INT(tbl.n, 0);
			hashed_tried += !hash_line;
		}
		copy[i] = real[i];
	}
	/* 2 dates of 10 digits, 28 entries of 10 + 2 digits */
	CHECK_EQ_INT(hashed_tried, 20 + 28 * 12);
	CHECK(comment_tried > 100);

	/* the brief's case: one digit of the expiry, 3991593600 -> 3991593601 */
	memcpy(copy, real, real_len);
	{
		char *p = strstr(copy, "#@\t3991593600");

		CHECK(p != NULL);
		if (p)
			p[12] = '1';
	}
	CHECK_EQ_INT(tg_leap_parse(copy, real_len, &tbl, err, sizeof(err)), -1);
	CHECK(has("hash 49db2447 571e5e1b 2f002a53 9c8da8e4 39b8e49e does not match"));
}

static void test_real_variants(void)
{
	static char crlf[sizeof(real) * 2];
	size_t i, n = 0;

	/* CRLF line ends (a file copied through Windows) read the same */
	for (i = 0; i < real_len; i++) {
		if (real[i] == '\n')
			crlf[n++] = '\r';
		crlf[n++] = real[i];
	}
	CHECK_EQ_INT(parse_str(crlf, n), 0);
	CHECK_EQ_INT(tbl.n, 28);
	/* without its last newline */
	CHECK_EQ_INT(parse_str(real, real_len - 1), 0);
	/* truncated before the "#h" line: refused */
	CHECK_EQ_INT(parse_str(real, (size_t)(strstr(real, "#h") - real)), -1);
	CHECK(has("expected a \"#h\" line"));
	/* truncated before the last entry: no hash either */
	CHECK_EQ_INT(parse_str(real, (size_t)(strstr(real, "3692217600") - real)), -1);
	CHECK(has("expected a \"#h\" line"));
	/* truncated inside the last data line */
	{
		char cut[sizeof(real)];
		const char *p = strstr(real, "3692217600");
		size_t k = (size_t)(p - real) + 11; /* "3692217600 " */

		memcpy(cut, real, k);
		CHECK_EQ_INT(parse_str(cut, k), -1);
		CHECK(has("line 113: expected TAI-UTC seconds"));
	}
}

/* ---- handmade tables ---- */

static void test_handmade_delete(void)
{
	char data[512];
	size_t n;
	enum tg_leap kind;
	int64_t when;

	snprintf(data, sizeof(data), "%s%lld\t11\t# a negative leap second\n%lld 12\n", head3,
		 ntp(1974, 1, 1), ntp(1974, 4, 1));
	n = handmade(ntp(1973, 6, 1), ntp(1974, 12, 28), data);
	CHECK_EQ_INT(parse_str(fbuf, n), 0);
	CHECK_EQ_INT(tbl.n, 5);
	CHECK_EQ_INT(tg_leap_pending(&tbl, utc(1973, 12, 31, 0, 0, 0), &kind, &when), 1);
	CHECK_EQ_INT(kind, TG_LEAP_DELETE);
	CHECK_EQ_INT(when, utc(1974, 1, 1, 0, 0, 0));
	CHECK_EQ_INT(tg_leap_pending(&tbl, utc(1974, 3, 31, 23, 0, 0), &kind, &when), 1);
	CHECK_EQ_INT(kind, TG_LEAP_INSERT);
	CHECK_EQ_INT(tg_leap_tai_offset(&tbl, utc(1973, 12, 31, 23, 59, 59)), 12);
	CHECK_EQ_INT(tg_leap_tai_offset(&tbl, utc(1974, 1, 1, 0, 0, 0)), 11);
	CHECK_EQ_INT(tg_leap_tai_offset(&tbl, utc(1974, 4, 1, 0, 0, 0)), 12);
}

/* IERS files have printed hash words without their leading zeros. */
static void test_hash_words_without_zeros(void)
{
	long long upd;
	int found = 0;

	for (upd = ntp(1973, 2, 1); upd < ntp(1973, 2, 1) + 200 && !found; upd++) {
		size_t n = handmade(upd, ntp(1973, 12, 28), head3);
		const char *h = strstr(fbuf, "#h\t");

		if (!h || !(h[3] == '0' || strstr(h, " 0")))
			continue;
		found = 1;
		CHECK_EQ_INT(parse_str(fbuf, n), 0);
		{
			char body[1024];

			snprintf(body, sizeof(body), "#$\t%lld\n#@\t%lld\n%s", upd, ntp(1973, 12, 28),
				 head3);
			n = with_hash(body, 1);
		}
		CHECK(strstr(strstr(fbuf, "#h\t"), " 0") == NULL);
		CHECK_EQ_INT(parse_str(fbuf, n), 0);
		CHECK_EQ_INT(tbl.n, 3);
	}
	CHECK(found);
}

static void test_max_entries(void)
{
	static char data[8192];
	size_t n, k = 0;
	int i;

	/* 64 entries: 1 Jan 1972, then a month apart, alternating +1 / -1 */
	for (i = 0; i < 64; i++)
		k += (size_t)snprintf(data + k, sizeof(data) - k, "%lld %d\n",
				      ntp(1972 + i / 12, i % 12 + 1, 1), 10 + i % 2);
	n = handmade(ntp(1978, 1, 1), ntp(1978, 6, 28), data);
	CHECK_EQ_INT(parse_str(fbuf, n), 0);
	CHECK_EQ_INT(tbl.n, 64);
	CHECK_EQ_INT(tg_leap_tai_offset(&tbl, utc(1977, 4, 15, 0, 0, 0)), 11);
	k += (size_t)snprintf(data + k, sizeof(data) - k, "%lld %d\n", ntp(1977, 5, 1), 10);
	n = handmade(ntp(1978, 1, 1), ntp(1978, 6, 28), data);
	expect_bad(n, "line 68: expected at most 64 entries, saw more");
}

static void test_errors_syntax(void)
{
	char body[2048];
	size_t n;

	/* garbage line */
	n = handmade(ntp(1973, 2, 1), ntp(1973, 12, 28), "hello\n");
	expect_bad(n, "line 4: expected a comment ('#'), \"#$\", \"#@\", \"#h\" or a data line");
	CHECK(has("saw \"hello\""));
	/* control bytes are not echoed */
	n = handmade(ntp(1973, 2, 1), ntp(1973, 12, 28), " \x01\x1b[2J\n");
	expect_bad(n, "line 4: expected a comment");
	CHECK(has("saw \" ??[2J\""));
	/* a NUL byte */
	n = handmade(ntp(1973, 2, 1), ntp(1973, 12, 28), head3);
	fbuf[strlen("# handmade\n")] = '\0';
	expect_bad(n, "line 2: expected a comment");
	/* data lines */
	snprintf(body, sizeof(body), "%lld\n", ntp(1972, 1, 1));
	expect_bad(handmade(ntp(1973, 2, 1), ntp(1973, 12, 28), body),
		   "line 4: expected NTP seconds (up to 12 digits) then a blank");
	expect_bad(handmade(ntp(1973, 2, 1), ntp(1973, 12, 28), "2272060800x 10\n"),
		   "line 4: expected NTP seconds");
	expect_bad(handmade(ntp(1973, 2, 1), ntp(1973, 12, 28), "1234567890123 10\n"),
		   "line 4: expected NTP seconds");
	expect_bad(handmade(ntp(1973, 2, 1), ntp(1973, 12, 28), "2272060800 x\n"),
		   "line 4: expected TAI-UTC seconds (up to 3 digits)");
	expect_bad(handmade(ntp(1973, 2, 1), ntp(1973, 12, 28), "2272060800 -10\n"),
		   "line 4: expected TAI-UTC seconds");
	expect_bad(handmade(ntp(1973, 2, 1), ntp(1973, 12, 28), "2272060800 1000\n"),
		   "line 4: expected TAI-UTC seconds");
	expect_bad(handmade(ntp(1973, 2, 1), ntp(1973, 12, 28), "2272060800 10 11\n"),
		   "line 4: expected TAI-UTC seconds");
	expect_bad(handmade(ntp(1973, 2, 1), ntp(1973, 12, 28), "2272060800 10x\n"),
		   "line 4: expected TAI-UTC seconds");
	expect_bad(handmade(ntp(1973, 2, 1), ntp(1973, 12, 28), "2272060800 \n"),
		   "saw end of line");
	/* a comment right after the number is fine */
	CHECK_EQ_INT(parse_str(fbuf, handmade(ntp(1972, 2, 1), ntp(1972, 6, 28),
					      "2272060800 10#c\n")), 0);

	/* #$ / #@ lines */
	n = with_hash("#$\t\n#@\t2303683200\n2272060800 10\n", 0);
	expect_bad(n, "line 1: expected the last update as NTP seconds");
	n = with_hash("#$2272060800\n#@\t2303683200\n2272060800 10\n", 0);
	expect_bad(n, "line 1: expected the last update");
	n = with_hash("#$\t2272060800\n#@\t23036832x00\n2272060800 10\n", 0);
	expect_bad(n, "line 2: expected the expiry as NTP seconds");
	CHECK(has("saw \"?23036832x00\""));
	n = with_hash("#$\t2272060800 1\n#@\t2303683200\n2272060800 10\n", 0);
	expect_bad(n, "line 1: expected the last update");
	/* repeated lines */
	n = with_hash("#$\t2272060800\n#$\t2272060801\n#@\t2303683200\n2272060800 10\n", 0);
	expect_bad(n, "line 2: expected one \"#$\" (last update) line, saw a second (first on "
		      "line 1)");
	n = with_hash("#$\t2272060800\n#@\t2303683200\n#@\t2303683200\n2272060800 10\n", 0);
	expect_bad(n, "line 3: expected one \"#@\" (expiry) line");
	n = handmade(ntp(1973, 2, 1), ntp(1973, 12, 28), head3);
	{
		const char *h = strstr(fbuf, "#h\t");
		size_t hl = strlen(h);

		memmove(fbuf + n, h, hl + 1);
		n += hl;
	}
	expect_bad(n, "line 8: expected one \"#h\" (hash) line, saw a second (first on line 7)");
	/* #h lines */
	n = handmade(ntp(1973, 2, 1), ntp(1973, 12, 28), head3);
	fbuf[n - 1] = 'g';
	expect_bad(n, "line 7: expected \"#h\" and five hex words of up to 8 digits");
	n = handmade(ntp(1973, 2, 1), ntp(1973, 12, 28), head3);
	n -= 10; /* drop the last word */
	fbuf[n - 1] = '\n';
	expect_bad(n, "line 7: expected \"#h\" and five hex words");
	snprintf(body, sizeof(body), "#$\t%lld\n#@\t%lld\n%s#h\t0 0 0 0 0 0\n", ntp(1973, 2, 1),
		 ntp(1973, 12, 28), head3);
	CHECK_EQ_INT(tg_leap_parse(body, strlen(body), &tbl, err, sizeof(err)), -1);
	CHECK(has("line 6: expected \"#h\" and five hex words"));
	snprintf(body, sizeof(body), "#$\t%lld\n#@\t%lld\n%s#h\t123456789 0 0 0 0\n",
		 ntp(1973, 2, 1), ntp(1973, 12, 28), head3);
	CHECK_EQ_INT(tg_leap_parse(body, strlen(body), &tbl, err, sizeof(err)), -1);
	CHECK(has("line 6: expected \"#h\" and five hex words of up to 8 digits"));
	snprintf(body, sizeof(body), "#$\t%lld\n#@\t%lld\n%s#h0 0 0 0 0\n", ntp(1973, 2, 1),
		 ntp(1973, 12, 28), head3);
	CHECK_EQ_INT(tg_leap_parse(body, strlen(body), &tbl, err, sizeof(err)), -1);
	CHECK(has("line 6: expected \"#h\""));

	/* no buffer */
	CHECK_EQ_INT(tg_leap_parse(NULL, 5, &tbl, err, sizeof(err)), -1);
	CHECK(has("no buffer"));
	/* err may be NULL */
	CHECK_EQ_INT(tg_leap_parse("x", 1, &tbl, NULL, 0), -1);
}

static void test_errors_missing(void)
{
	char body[1024];

	CHECK_EQ_INT(parse_str("", 0), -1);
	CHECK(has("end of file: expected a \"#$\" line (last update), saw none"));
	snprintf(body, sizeof(body), "#@\t%lld\n%s", ntp(1973, 12, 28), head3);
	expect_bad(with_hash(body, 0), "end of file: expected a \"#$\" line");
	snprintf(body, sizeof(body), "#$\t%lld\n%s", ntp(1973, 2, 1), head3);
	expect_bad(with_hash(body, 0), "end of file: expected a \"#@\" line (expiry), saw none");
	snprintf(body, sizeof(body), "#$\t%lld\n#@\t%lld\n%s", ntp(1973, 2, 1), ntp(1973, 12, 28),
		 head3);
	CHECK_EQ_INT(parse_str(body, strlen(body)), -1);
	CHECK(has("end of file: expected a \"#h\" line (SHA-1 of the data), saw none"));
	expect_bad(handmade(ntp(1973, 2, 1), ntp(1973, 12, 28), "# nothing\n\n  \t\n"),
		   "end of file: expected data lines (NTP seconds, TAI-UTC), saw none");
}

static void test_errors_meaning(void)
{
	char data[1024];
	size_t n;

	/* a wrong hash (the right one of other data) */
	n = handmade(ntp(1973, 2, 1), ntp(1973, 12, 28), head3);
	{
		char *h = strstr(fbuf, "#h\t");
		char saved[64];

		memcpy(saved, h, 47);
		n = handmade(ntp(1973, 2, 2), ntp(1973, 12, 28), head3);
		memcpy(strstr(fbuf, "#h\t"), saved, 47);
	}
	expect_bad(n, "line 7: hash ");
	CHECK(has("does not match the data, whose SHA-1 is "));

	/* expiry not after the update */
	expect_bad(handmade(ntp(1973, 2, 1), ntp(1973, 2, 1), head3),
		   "line 3: expected the expiry after the last update (1973-02-01 00:00:00 UTC, "
		   "line 2), saw 1973-02-01 00:00:00 UTC");
	/* first entry */
	snprintf(data, sizeof(data), "%lld 10\n", ntp(1972, 7, 1));
	expect_bad(handmade(ntp(1973, 2, 1), ntp(1973, 12, 28), data),
		   "line 4: expected the first entry to be 2272060800 10 (1 Jan 1972, TAI-UTC "
		   "10 s), saw 2287785600 10");
	expect_bad(handmade(ntp(1973, 2, 1), ntp(1973, 12, 28), "2272060800 11\n"),
		   "saw 2272060800 11");
	/* not increasing */
	snprintf(data, sizeof(data), "%s%lld 13\n", head3, ntp(1973, 1, 1));
	expect_bad(handmade(ntp(1973, 2, 1), ntp(1973, 12, 28), data),
		   "line 7: expected a date after the previous entry's (1973-01-01 00:00:00 UTC, "
		   "line 6), saw 1973-01-01 00:00:00 UTC");
	snprintf(data, sizeof(data), "%s%lld 13\n", head3, ntp(1972, 7, 1));
	expect_bad(handmade(ntp(1973, 2, 1), ntp(1973, 12, 28), data),
		   "line 7: expected a date after the previous entry's");
	/* not the 1st of a month, not midnight */
	snprintf(data, sizeof(data), "%s%lld 13\n", head3, ntp(1973, 7, 2));
	expect_bad(handmade(ntp(1973, 2, 1), ntp(1973, 12, 28), data),
		   "line 7: expected 00:00:00 UTC on the 1st of a month, saw");
	CHECK(has("= 1973-07-02 00:00:00 UTC"));
	snprintf(data, sizeof(data), "%s%lld 13\n", head3, ntp(1973, 7, 1) + 1);
	expect_bad(handmade(ntp(1973, 2, 1), ntp(1973, 12, 28), data),
		   "= 1973-07-01 00:00:01 UTC");
	snprintf(data, sizeof(data), "%s%lld 13\n", head3, ntp(1973, 7, 1) - 1);
	expect_bad(handmade(ntp(1973, 2, 1), ntp(1973, 12, 28), data),
		   "= 1973-06-30 23:59:59 UTC");
	/* steps */
	snprintf(data, sizeof(data), "%s%lld 14\n", head3, ntp(1974, 1, 1));
	expect_bad(handmade(ntp(1973, 2, 1), ntp(1974, 12, 28), data),
		   "line 7: expected TAI-UTC 11 or 13 (a leap second is +1 or -1 s), saw 14");
	snprintf(data, sizeof(data), "%s%lld 12\n", head3, ntp(1974, 1, 1));
	expect_bad(handmade(ntp(1973, 2, 1), ntp(1974, 12, 28), data),
		   "expected TAI-UTC 11 or 13");
	/* entries at or after the expiry */
	snprintf(data, sizeof(data), "%s%lld 13\n", head3, ntp(1974, 1, 1));
	expect_bad(handmade(ntp(1973, 2, 1), ntp(1974, 1, 1), data),
		   "line 7: expected entries before the expiry (1974-01-01 00:00:00 UTC, line 3), "
		   "saw 1974-01-01 00:00:00 UTC");
	/* and the same file with a later expiry is fine */
	CHECK_EQ_INT(parse_str(fbuf, handmade(ntp(1973, 2, 1), ntp(1974, 1, 2), data)), 0);
	CHECK_EQ_INT(tbl.n, 4);
}

/* ---- choosing between the image copy and the /data copy ---- */

/* The real entries plus extra data lines, with the given update and expiry. */
static size_t real_plus(long long upd, long long exp, const char *extra)
{
	static char body[16 * 1024];
	const char *d = strstr(real, "2272060800"), *e = strstr(real, "#\n#\tA hash");
	size_t k;

	k = (size_t)snprintf(body, sizeof(body), "#$\t%lld\n#@\t%lld\n", upd, exp);
	memcpy(body + k, d, (size_t)(e - d));
	k += (size_t)(e - d);
	snprintf(body + k, sizeof(body) - k, "%s", extra);
	return with_hash(body, 0);
}

static void test_choose(void)
{
	static struct tg_leap_table image, data, empty;
	char extra[128];
	enum tg_leap kind;
	int64_t when;

	CHECK_EQ_INT(tg_leap_parse(real, real_len, &image, err, sizeof(err)), 0);
	/* a newer file: a leap at the end of 2026, expiring 28 Jun 2027 */
	snprintf(extra, sizeof(extra), "%lld\t38\t# 1 Jan 2027\n", ntp(2027, 1, 1));
	CHECK_EQ_INT(tg_leap_parse(fbuf, real_plus(ntp(2026, 7, 6), ntp(2027, 6, 28), extra), &data,
				   err, sizeof(err)), 0);
	CHECK_EQ_INT(data.n, 29);
	CHECK(tg_leap_choose(&image, &data) == &data);
	CHECK(tg_leap_choose(&data, &image) == &data);
	CHECK(tg_leap_choose(&image, NULL) == &image);
	CHECK(tg_leap_choose(NULL, &data) == &data);
	CHECK(tg_leap_choose(&empty, &image) == &image);
	CHECK(tg_leap_choose(&image, &empty) == &image);
	CHECK(tg_leap_choose(NULL, &empty) == NULL);
	CHECK(tg_leap_choose(NULL, NULL) == NULL);
	CHECK_EQ_INT(tg_leap_consistent(&image, &data, err, sizeof(err)), 0);
	CHECK_EQ_INT(tg_leap_consistent(&data, &image, err, sizeof(err)), 0);
	CHECK_EQ_INT(tg_leap_pending(&data, utc(2026, 12, 31, 8, 0, 0), &kind, &when), 1);
	CHECK_EQ_INT(kind, TG_LEAP_INSERT);
	CHECK_EQ_INT(tg_leap_tai_offset(&data, utc(2027, 1, 1, 0, 0, 0)), 38);

	/* same expiry: the later update wins; a full tie keeps the first */
	CHECK_EQ_INT(tg_leap_parse(fbuf, real_plus(3960835200LL + 86400, 3991593600LL, ""), &data,
				   err, sizeof(err)), 0);
	CHECK(tg_leap_choose(&image, &data) == &data);
	CHECK(tg_leap_choose(&data, &image) == &data);
	CHECK(tg_leap_choose(&image, &image) == &image);
	CHECK_EQ_INT(tg_leap_consistent(&image, &data, err, sizeof(err)), 0);
	/* an older file loses */
	CHECK_EQ_INT(tg_leap_parse(fbuf, real_plus(3960835200LL - 86400 * 180,
						   3991593600LL - 86400 * 180, ""), &data, err,
				   sizeof(err)), 0);
	CHECK(tg_leap_choose(&image, &data) == &image);
	CHECK(tg_leap_choose(&data, &image) == &image);

	/* a /data copy that adds a leap before the image's expiry rewrites history */
	snprintf(extra, sizeof(extra), "%lld\t38\n", ntp(2026, 1, 1));
	CHECK_EQ_INT(tg_leap_parse(fbuf, real_plus(ntp(2026, 7, 6), ntp(2027, 6, 28), extra), &data,
				   err, sizeof(err)), 0);
	CHECK(tg_leap_choose(&image, &data) == &data);
	CHECK_EQ_INT(tg_leap_consistent(&image, &data, err, sizeof(err)), -1);
	CHECK(has("the table expiring later has TAI-UTC 38 from 2026-01-01 00:00:00 UTC, before "
		  "the other's expiry (2026-06-28 00:00:00 UTC), which lacks it"));
	CHECK_EQ_INT(tg_leap_consistent(&data, &image, err, sizeof(err)), -1);
	/* ... or that drops one */
	{
		static char body[16 * 1024];
		size_t n = (size_t)snprintf(body, sizeof(body), "#$\t%lld\n#@\t%lld\n%s",
					    ntp(2026, 7, 6), ntp(2027, 6, 28), head3);

		(void)n;
		CHECK_EQ_INT(tg_leap_parse(fbuf, with_hash(body, 0), &data, err, sizeof(err)), 0);
	}
	CHECK_EQ_INT(tg_leap_consistent(&image, &data, err, sizeof(err)), -1);
	CHECK(has("the table expiring 2026-06-28 00:00:00 UTC has TAI-UTC 13 from 1974-01-01 "
		  "00:00:00 UTC; the other table has no such entry"));
	CHECK_EQ_INT(tg_leap_consistent(&image, &empty, err, sizeof(err)), -1);
	CHECK(has("expected two valid tables"));
}

/* ---- receiver announcements ---- */

static int ann(const struct tg_leap_table *t, int64_t now, enum tg_leap_scale sc, int cur, int nxt,
	       int64_t when)
{
	err[0] = 'X';
	err[1] = '\0';
	return tg_leap_check_announcement(t, now, sc, cur, nxt, when, err, sizeof(err));
}

static void test_announce_unexpired(void)
{
	int64_t now = utc(2026, 1, 15, 12, 0, 0);

	CHECK_EQ_INT(tg_leap_parse(real, real_len, &tbl, err, sizeof(err)), 0);
	/* today's truth in each scale */
	CHECK_EQ_INT(ann(&tbl, now, TG_LEAP_SCALE_GPS, 18, 18, 0), 0);
	CHECK_EQ_STR(err, "");
	CHECK_EQ_INT(ann(&tbl, now, TG_LEAP_SCALE_TAI, 37, 37, 0), 0);
	CHECK_EQ_INT(ann(&tbl, now, TG_LEAP_SCALE_BDT, 4, 4, 0), 0);
	/* no leap announced: when is ignored */
	CHECK_EQ_INT(ann(&tbl, now, TG_LEAP_SCALE_GPS, 18, 18, 12345), 0);
	/* a current offset contradicting the table */
	CHECK_EQ_INT(ann(&tbl, now, TG_LEAP_SCALE_GPS, 17, 17, 0), -1);
	CHECK(has("receiver says TAI-UTC 36 s (GPS-UTC 17 s); the leap table (valid until "
		  "2026-06-28 00:00:00 UTC) says 37 s"));
	/* GPS-UTC passed as TAI-UTC: caught */
	CHECK_EQ_INT(ann(&tbl, now, TG_LEAP_SCALE_TAI, 18, 18, 0), -1);
	CHECK(has("receiver says TAI-UTC 18 s (TAI-UTC 18 s)"));
	CHECK_EQ_INT(ann(&tbl, now, TG_LEAP_SCALE_GPS, 37, 37, 0), -1);
	/* a leap before the table's expiry that the table lacks */
	CHECK_EQ_INT(ann(&tbl, now, TG_LEAP_SCALE_GPS, 18, 19, utc(2026, 4, 1, 0, 0, 0)), -1);
	CHECK(has("receiver announces TAI-UTC 38 s (GPS-UTC 19 s) from 2026-04-01 00:00:00 UTC; "
		  "the leap table, valid until 2026-06-28 00:00:00 UTC, has no such leap"));
	/* a leap after the expiry is beyond the table's knowledge */
	CHECK_EQ_INT(ann(&tbl, now, TG_LEAP_SCALE_GPS, 18, 19, utc(2026, 7, 1, 0, 0, 0)), 0);
	CHECK_EQ_INT(ann(&tbl, now, TG_LEAP_SCALE_GPS, 18, 17, utc(2026, 7, 1, 0, 0, 0)), 0);
	/* ... at the end of another month: plausible, flagged */
	CHECK_EQ_INT(ann(&tbl, now, TG_LEAP_SCALE_GPS, 18, 19, utc(2026, 10, 1, 0, 0, 0)), 1);
	CHECK(has("end of month 9"));
	CHECK(has("only used June and December"));
	/* steps other than one second */
	CHECK_EQ_INT(ann(&tbl, now, TG_LEAP_SCALE_GPS, 18, 20, utc(2026, 7, 1, 0, 0, 0)), -1);
	CHECK(has("receiver announces GPS-UTC 18 -> 20 s (TAI-UTC 37 -> 39 s): expected a step "
		  "of +1 or -1 s"));
	/* not at the end of a month */
	CHECK_EQ_INT(ann(&tbl, now, TG_LEAP_SCALE_GPS, 18, 19, utc(2026, 7, 1, 0, 0, 1)), -1);
	CHECK(has("expected one at the end of a month"));
	CHECK_EQ_INT(ann(&tbl, now, TG_LEAP_SCALE_GPS, 18, 19, utc(2026, 6, 30, 23, 59, 59)), -1);
	CHECK_EQ_INT(ann(&tbl, now, TG_LEAP_SCALE_GPS, 18, 19, utc(2026, 7, 2, 0, 0, 0)), -1);
	/* in the past, or too far ahead */
	CHECK_EQ_INT(ann(&tbl, now, TG_LEAP_SCALE_GPS, 18, 19, utc(2025, 7, 1, 0, 0, 0)), -1);
	CHECK(has("which is past"));
	CHECK_EQ_INT(ann(&tbl, now, TG_LEAP_SCALE_GPS, 18, 19, utc(2027, 7, 1, 0, 0, 0)), -1);
	CHECK(has("expected at most 366 days ahead"));
	/* nonsense */
	CHECK_EQ_INT(ann(&tbl, now, (enum tg_leap_scale)7, 18, 18, 0), -1);
	CHECK(has("expected a known scale"));
	CHECK_EQ_INT(ann(&tbl, now, TG_LEAP_SCALE_GPS, -2000000000, 18, 0), -1);
	CHECK_EQ_INT(ann(&tbl, now, TG_LEAP_SCALE_GPS, 18, 19, INT64_MAX), -1);
	CHECK_EQ_INT(ann(&tbl, INT64_MIN, TG_LEAP_SCALE_GPS, 18, 19, INT64_MAX), -1);
	CHECK(has("out of range"));
}

static void test_announce_no_table(void)
{
	int64_t now = utc(2026, 12, 3, 9, 0, 0);

	CHECK_EQ_INT(ann(NULL, now, TG_LEAP_SCALE_GPS, 18, 19, utc(2027, 1, 1, 0, 0, 0)), 0);
	CHECK_EQ_INT(ann(NULL, now, TG_LEAP_SCALE_GPS, 18, 19, utc(2027, 4, 1, 0, 0, 0)), 1);
	CHECK(has("end of month 3"));
	CHECK_EQ_INT(ann(NULL, now, TG_LEAP_SCALE_GPS, 18, 19, utc(2027, 1, 1, 0, 0, 1)), -1);
	/* TAI-UTC outside any plausible range */
	CHECK_EQ_INT(ann(NULL, now, TG_LEAP_SCALE_TAI, 5, 5, 0), -1);
	CHECK(has("expected TAI-UTC within 10..100 s"));
	CHECK_EQ_INT(ann(NULL, now, TG_LEAP_SCALE_GPS, 82, 82, 0), -1);
	CHECK_EQ_INT(ann(NULL, now, TG_LEAP_SCALE_GPS, 81, 81, 0), 0);
}

static void test_announce_expired(void)
{
	CHECK_EQ_INT(tg_leap_parse(real, real_len, &tbl, err, sizeof(err)), 0);
	/* today, 2026-12-03: the table ended on 2026-06-28; Jul..Dec: 6 month ends */
	CHECK_EQ_INT(ann(&tbl, utc(2026, 12, 3, 0, 0, 0), TG_LEAP_SCALE_GPS, 18, 18, 0), 0);
	CHECK_EQ_INT(ann(&tbl, utc(2026, 12, 3, 0, 0, 0), TG_LEAP_SCALE_GPS, 19, 19, 0), 0);
	CHECK_EQ_INT(ann(&tbl, utc(2026, 12, 3, 0, 0, 0), TG_LEAP_SCALE_GPS, 24, 24, 0), 0);
	CHECK_EQ_INT(ann(&tbl, utc(2026, 12, 3, 0, 0, 0), TG_LEAP_SCALE_GPS, 25, 25, 0), -1);
	CHECK(has("receiver says TAI-UTC 44 s (GPS-UTC 25 s); the expired leap table says 37 s "
		  "until 2026-06-28 00:00:00 UTC, and only 6 month ends have passed since"));
	CHECK_EQ_INT(ann(&tbl, utc(2026, 12, 3, 0, 0, 0), TG_LEAP_SCALE_GPS, 12, 12, 0), 0);
	CHECK_EQ_INT(ann(&tbl, utc(2026, 12, 3, 0, 0, 0), TG_LEAP_SCALE_GPS, 11, 11, 0), -1);
	/* just after the expiry: the 1 July boundary is the only one */
	CHECK_EQ_INT(ann(&tbl, utc(2026, 6, 30, 0, 0, 0), TG_LEAP_SCALE_GPS, 19, 19, 0), -1);
	CHECK(has("only 0 month ends"));
	CHECK_EQ_INT(ann(&tbl, utc(2026, 7, 1, 0, 0, 0), TG_LEAP_SCALE_GPS, 19, 19, 0), 0);
	CHECK_EQ_INT(ann(&tbl, utc(2026, 7, 2, 0, 0, 0), TG_LEAP_SCALE_GPS, 20, 20, 0), -1);
	/* with the expired table, a leap announced today is only checked for form */
	CHECK_EQ_INT(ann(&tbl, utc(2026, 12, 3, 0, 0, 0), TG_LEAP_SCALE_GPS, 18, 19,
			 utc(2027, 1, 1, 0, 0, 0)), 0);
}

static void test_announce_at_the_leap(void)
{
	static struct tg_leap_table t2;
	char extra[128];
	int64_t when = utc(2027, 1, 1, 0, 0, 0);

	snprintf(extra, sizeof(extra), "%lld\t38\n", ntp(2027, 1, 1));
	CHECK_EQ_INT(tg_leap_parse(fbuf, real_plus(ntp(2026, 7, 6), ntp(2027, 6, 28), extra), &t2,
				   err, sizeof(err)), 0);
	/* before: announced and in the table */
	CHECK_EQ_INT(ann(&t2, utc(2026, 12, 31, 12, 0, 0), TG_LEAP_SCALE_GPS, 18, 19, when), 0);
	CHECK_EQ_INT(ann(&t2, utc(2026, 9, 1, 0, 0, 0), TG_LEAP_SCALE_GPS, 18, 19, when), 0);
	/* the receiver not (yet) announcing it is no contradiction */
	CHECK_EQ_INT(ann(&t2, utc(2026, 12, 31, 12, 0, 0), TG_LEAP_SCALE_GPS, 18, 18, 0), 0);
	/* a different leap than the table's */
	CHECK_EQ_INT(ann(&t2, utc(2026, 12, 31, 12, 0, 0), TG_LEAP_SCALE_GPS, 18, 17, when), -1);
	/* just past it the receiver may still announce it for a minute ... */
	CHECK_EQ_INT(ann(&t2, when + 10, TG_LEAP_SCALE_GPS, 18, 19, when), 0);
	CHECK_EQ_INT(ann(&t2, when + 10, TG_LEAP_SCALE_GPS, 19, 19, 0), 0);
	/* ... but not longer */
	CHECK_EQ_INT(ann(&t2, when + 60, TG_LEAP_SCALE_GPS, 18, 19, when), -1);
	CHECK(has("which is past"));
	CHECK_EQ_INT(ann(&t2, when + 10, TG_LEAP_SCALE_GPS, 18, 18, 0), -1);

	/* a table with a negative leap second: the receiver's delete matches */
	{
		char data[512];

		snprintf(data, sizeof(data), "%s%lld\t11\n", head3, ntp(1974, 1, 1));
		CHECK_EQ_INT(parse_str(fbuf, handmade(ntp(1973, 6, 1), ntp(1974, 12, 28), data)), 0);
		CHECK_EQ_INT(ann(&tbl, utc(1973, 12, 1, 0, 0, 0), TG_LEAP_SCALE_TAI, 12, 11,
				 utc(1974, 1, 1, 0, 0, 0)), 0);
		CHECK_EQ_INT(ann(&tbl, utc(1973, 12, 1, 0, 0, 0), TG_LEAP_SCALE_TAI, 12, 13,
				 utc(1974, 1, 1, 0, 0, 0)), -1);
	}
}

/* ---- loading ---- */

static void write_file(const char *path, const char *buf, size_t n)
{
	FILE *f = fopen(path, "wb");

	CHECK(f != NULL);
	if (!f)
		return;
	CHECK_EQ_INT(fwrite(buf, 1, n, f), n);
	fclose(f);
}

static void test_load(void)
{
	char dir[] = "/tmp/test_leap.XXXXXX", path[256], fifo[256];
	static char big[TG_LEAP_FILE_MAX + 2];
	const char *top = getenv("TOP");
	char real_path[4096];

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/leap-seconds.list", dir);
	snprintf(fifo, sizeof(fifo), "%s/fifo", dir);

	snprintf(real_path, sizeof(real_path), "%s/%s", top && *top ? top : LEAP_TOP, REAL_PATH);
	CHECK_EQ_INT(tg_leap_load(real_path, &tbl, err, sizeof(err)), 0);
	CHECK_EQ_INT(tbl.n, 28);

	write_file(path, real, real_len);
	CHECK_EQ_INT(tg_leap_load(path, &tbl, err, sizeof(err)), 0);
	CHECK_EQ_INT(tg_leap_tai_offset(&tbl, utc(2020, 1, 1, 0, 0, 0)), 37);

	/* parse errors carry the path */
	write_file(path, "junk\n", 5);
	CHECK_EQ_INT(tg_leap_load(path, &tbl, err, sizeof(err)), -1);
	CHECK(has(path));
	CHECK(has(": line 1: expected a comment"));
	CHECK_EQ_INT(tbl.n, 0);

	/* a file of exactly the limit is read whole; one byte more is refused */
	memset(big, '#', sizeof(big));
	memcpy(big, real, real_len);
	write_file(path, big, TG_LEAP_FILE_MAX);
	CHECK_EQ_INT(tg_leap_load(path, &tbl, err, sizeof(err)), 0);
	write_file(path, big, TG_LEAP_FILE_MAX + 1);
	CHECK_EQ_INT(tg_leap_load(path, &tbl, err, sizeof(err)), -1);
	CHECK(has("expected at most 65536 bytes, saw more"));

	unlink(path);
	CHECK_EQ_INT(tg_leap_load(path, &tbl, err, sizeof(err)), -1);
	CHECK(has("No such file or directory"));
	CHECK_EQ_INT(tg_leap_load(dir, &tbl, err, sizeof(err)), -1);
	CHECK(has("expected a regular file"));
	/* a FIFO neither hangs nor is read */
	CHECK_EQ_INT(mkfifo(fifo, 0600), 0);
	CHECK_EQ_INT(tg_leap_load(fifo, &tbl, err, sizeof(err)), -1);
	CHECK(has("expected a regular file"));
	unlink(fifo);
	rmdir(dir);
}

/* Random damage to the real file: never accepted with a changed table, never crashes. */
static void test_random_damage(void)
{
	static char copy[sizeof(real)];
	static struct tg_leap_table good;
	int i;

	check_seed();
	CHECK_EQ_INT(tg_leap_parse(real, real_len, &good, err, sizeof(err)), 0);
	for (i = 0; i < 3000; i++) {
		size_t n = real_len, pos = (size_t)(check_rand() % real_len);
		int rc;

		memcpy(copy, real, real_len);
		switch (check_rand() % 3) {
		case 0:
			copy[pos] = (char)check_rand();
			break;
		case 1:
			n = pos;
			break;
		default:
			memmove(copy + pos, copy + pos + 1, real_len - pos - 1);
			n--;
			break;
		}
		err[0] = '\0';
		rc = tg_leap_parse(copy, n, &tbl, err, sizeof(err));
		if (rc == 0) {
			/* only damage to comments (or an equivalent blank) may pass */
			CHECK(memcmp(&tbl, &good, sizeof(tbl)) == 0);
		} else {
			CHECK(err[0] != '\0');
			CHECK_EQ_INT(tbl.n, 0);
		}
	}
}

int main(void)
{
	read_real();
	init_head3();
	RUN(test_real_file);
	RUN(test_real_pending);
	RUN(test_real_forged);
	RUN(test_real_variants);
	RUN(test_handmade_delete);
	RUN(test_hash_words_without_zeros);
	RUN(test_max_entries);
	RUN(test_errors_syntax);
	RUN(test_errors_missing);
	RUN(test_errors_meaning);
	RUN(test_choose);
	RUN(test_announce_unexpired);
	RUN(test_announce_no_table);
	RUN(test_announce_expired);
	RUN(test_announce_at_the_leap);
	RUN(test_load);
	RUN(test_random_damage);
	return check_exit();
}
