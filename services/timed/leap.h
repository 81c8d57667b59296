/*
 * leap.h - the leap-second table of timed: the IETF/IERS leap-seconds.list
 * file, parsed and verified, and the questions timed asks of it.
 *
 * timed keeps two copies of the file: the one in the image (verity-
 * protected, /etc/timegate/leap-seconds.list) and an updatable one on
 * /data.  Both are parsed with tg_leap_parse; tg_leap_choose takes the
 * newer valid one.  Everything here except tg_leap_load is pure: no
 * allocation, no I/O, no clock reads; "now" is always a parameter.
 *
 * Times are UTC as POSIX counts it (seconds since 1970 without leap
 * seconds: the day of a leap second still has 86400 values), int64_t.
 * The file's NTP seconds (since 1900) are converted on parsing.
 *
 * Offsets: TAI-UTC is what the file holds (37 s since 2017-01-01).  GNSS
 * receivers announce GPS-UTC (the GPS leap-second count, 18 s since 2017);
 * GPS time is TAI - 19 s, so TAI-UTC = GPS-UTC + 19.  Galileo's GST-UTC
 * equals GPS-UTC; BeiDou's BDT-UTC is GPS-UTC - 14.  The announcement
 * check takes the scale explicitly so the two are never mixed up.
 */
#ifndef TIMED_LEAP_H
#define TIMED_LEAP_H

#include <stddef.h>
#include <stdint.h>

#include "timestatus.h" /* enum tg_leap */

#define TG_LEAP_MAX 64                  /* entries; 28 in 2025, at most ~2 a year */
#define TG_LEAP_FILE_MAX (64 * 1024)    /* tg_leap_load reads at most this */
#define TG_LEAP_NTP_UNIX 2208988800LL   /* NTP seconds (1900) - POSIX seconds (1970) */
#define TG_LEAP_GPS_TAI 19              /* TAI - GPS time, s (fixed since 1980) */
#define TG_LEAP_BDT_TAI 33              /* TAI - BeiDou time, s (fixed since 2006) */

struct tg_leap_entry {
	int64_t utc_s;    /* 00:00:00 UTC on the 1st of a month: TAI-UTC becomes ... */
	int32_t tai_utc;  /* ... this, in seconds */
};

struct tg_leap_table {
	size_t n;             /* entries; 0 = no valid table (parse failed or none) */
	int64_t updated_s;    /* "#$" last update, POSIX */
	int64_t expires_s;    /* "#@" expiry, POSIX: the table is complete before this */
	uint8_t sha1[20];     /* the verified "#h" hash (identifies the file in logs) */
	struct tg_leap_entry e[TG_LEAP_MAX];
};

/*
 * Parse and verify a leap-seconds.list held in buf[0..len) (need not be
 * NUL-terminated).  0, or -1 with "line N: expected ..., saw ..." in err
 * and t->n = 0.  Rejected: anything that is not a comment, "#$", "#@",
 * "#h" or a data line "NTP-seconds TAI-UTC [# comment]"; missing or
 * repeated "#$", "#@" or "#h"; a first entry other than 1 Jan 1972 with
 * TAI-UTC 10; dates not strictly increasing or not at 00:00:00 UTC on the
 * 1st of a month; TAI-UTC steps other than +1 or -1; entries at or after
 * the expiry; expiry not after the update; more than TG_LEAP_MAX entries;
 * a SHA-1 that does not match the data.
 */
int tg_leap_parse(const char *buf, size_t len, struct tg_leap_table *t, char *err,
		  size_t errlen);

/* Read path (at most TG_LEAP_FILE_MAX bytes) and parse it.  0 or -1 (err). */
int tg_leap_load(const char *path, struct tg_leap_table *t, char *err, size_t errlen);

/*
 * TAI-UTC in seconds at POSIX time utc_s: the last entry at or before it.
 * 0 when t is NULL or empty or utc_s is before 1972 (TAI-UTC was not an
 * integer then).  An expired table still answers with its last entry: it
 * cannot know a later leap, which tg_leap_expired tells the caller.
 */
int tg_leap_tai_offset(const struct tg_leap_table *t, int64_t utc_s);

/*
 * Whether a leap second happens at the end of the UTC day holding utc_s
 * (the day whose end is less than 24 h away).  1 with *kind INSERT or
 * DELETE and *when = the POSIX time of the following midnight (where the
 * new TAI-UTC applies; the leap second is 23:59:60 just before it, or
 * 23:59:59 is skipped); else 0 with *kind = TG_LEAP_NONE, *when = 0.
 * kind and when may be NULL.
 */
int tg_leap_pending(const struct tg_leap_table *t, int64_t utc_s, enum tg_leap *kind,
		    int64_t *when);

/* 1 when t is NULL or empty or utc_s is at or after its expiry, else 0. */
int tg_leap_expired(const struct tg_leap_table *t, int64_t utc_s);

/*
 * The newer of two tables (later expiry, then later update; a on a tie).
 * A NULL or empty (n = 0) table does not count; NULL when neither is valid.
 */
const struct tg_leap_table *tg_leap_choose(const struct tg_leap_table *a,
					   const struct tg_leap_table *b);

/*
 * Whether two valid tables agree on the past: every entry of the one that
 * expires first is in the other, and the other has nothing before that
 * expiry which the first lacks.  A hash only detects corruption, not an
 * edit by whoever can write /data, so timed can refuse a /data copy that
 * rewrites the history of the image's copy.  0, or -1 with the first
 * difference in err.
 */
int tg_leap_consistent(const struct tg_leap_table *a, const struct tg_leap_table *b, char *err,
		       size_t errlen);

/* The time scale of a receiver's leap-second numbers. */
enum tg_leap_scale {
	TG_LEAP_SCALE_TAI = 0, /* TAI-UTC */
	TG_LEAP_SCALE_GPS = 1, /* GPS-UTC = TAI-UTC - 19 (also Galileo GST-UTC) */
	TG_LEAP_SCALE_BDT = 2, /* BDT-UTC = TAI-UTC - 33 (BeiDou) */
};

#define TG_LEAP_ANNOUNCE_MAX_S (366LL * 86400) /* announcements come <= ~6 months ahead */

/*
 * Plausibility of a receiver's leap-second data at POSIX time utc_s
 * (against spoofing and decoding errors).  current and next are in the
 * given scale: current is the offset now, next the offset after when_s
 * (next == current: no leap announced; when_s is then ignored).  when_s
 * is the POSIX time where next applies: 00:00:00 UTC on the 1st of a
 * month (the caller converts GPS WN_LSF/DN or a countdown to it).
 *
 * Checked: the scale is known and TAI-UTC is within 10..100 s; a leap
 * is +1 or -1 s, in the future but no more than TG_LEAP_ANNOUNCE_MAX_S
 * ahead, at the end of a month.  With a table t (may be NULL):
 *   - not expired at utc_s: current must equal the table's TAI-UTC at
 *     utc_s, and a leap before the table's expiry must be in the table;
 *     a leap after the expiry is beyond what it knows and allowed;
 *   - expired: current may differ from the table's last TAI-UTC by at
 *     most one second per month end since the expiry.
 * A receiver that announces no leap while the table has one is not
 * contradicted (it may not have decoded the announcement yet).
 *
 * Returns 0 plausible; 1 plausible but unusual (a leap at the end of a
 * month other than June or December: the IERS may use any month end but
 * never has), with a note in err; -1 implausible, with the reason in err.
 */
int tg_leap_check_announcement(const struct tg_leap_table *t, int64_t utc_s,
			       enum tg_leap_scale scale, int current, int next, int64_t when_s,
			       char *err, size_t errlen);

#endif
