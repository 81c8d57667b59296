/*
 * fuzz_leap.c - libFuzzer harness over tg_leap_parse and the queries of
 * services/timed/leap.c.
 *
 * Any bytes are rejected with a message (and an empty table) or give a
 * table that keeps every rule the parser promises: 1..TG_LEAP_MAX
 * entries from 1 Jan 1972 (TAI-UTC 10), strictly increasing, each at
 * 00:00:00 UTC on a 1st, steps of +-1 s, all before the expiry, expiry
 * after the update.  The queries are then run on it and must agree with
 * each other (a pending leap is where the offset changes).
 *
 * A SHA-1 cannot be forged by mutation, so an input without a "#h" line
 * is parsed twice: as it is, and with the right "#h" line appended (the
 * digits rule written out here independently); the second parse reaches
 * the checks behind the hash.  The first 24 bytes also serve as the
 * parameters of one receiver announcement, checked against no table and
 * against the parsed one.
 */
#include <bearssl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "timed/leap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define DAY 86400LL

static char buf[TG_LEAP_FILE_MAX + 64];

static void check_err(const char *err, size_t cap)
{
	if (!err[0] || !memchr(err, '\0', cap))
		abort();
}

/* Invariants of an accepted table, and the queries against them. */
static void check_table(const struct tg_leap_table *t)
{
	enum tg_leap kind;
	int64_t when;
	size_t i;

	if (t->n < 1 || t->n > TG_LEAP_MAX || t->expires_s <= t->updated_s)
		abort();
	if (t->e[0].utc_s != 2272060800LL - TG_LEAP_NTP_UNIX || t->e[0].tai_utc != 10)
		abort();
	for (i = 0; i < t->n; i++) {
		int64_t u = t->e[i].utc_s;
		time_t tt = (time_t)u;
		struct tm tm;

		if (u % DAY != 0 || u >= t->expires_s || !gmtime_r(&tt, &tm) || tm.tm_mday != 1)
			abort();
		if (i > 0 && (u <= t->e[i - 1].utc_s ||
			      (t->e[i].tai_utc != t->e[i - 1].tai_utc + 1 &&
			       t->e[i].tai_utc != t->e[i - 1].tai_utc - 1)))
			abort();
		if (tg_leap_tai_offset(t, u) != t->e[i].tai_utc)
			abort();
		if (i > 0) {
			if (tg_leap_tai_offset(t, u - 1) != t->e[i - 1].tai_utc)
				abort();
			if (tg_leap_pending(t, u - 1, &kind, &when) != 1 || when != u ||
			    kind != (t->e[i].tai_utc > t->e[i - 1].tai_utc ? TG_LEAP_INSERT
									   : TG_LEAP_DELETE))
				abort();
			if (tg_leap_pending(t, u - DAY, &kind, &when) != 1)
				abort();
		}
		if (tg_leap_pending(t, u, &kind, &when) != 0 && (i + 1 >= t->n ||
								 t->e[i + 1].utc_s != u + DAY))
			abort();
	}
	if (tg_leap_expired(t, t->expires_s - 1) || !tg_leap_expired(t, t->expires_s))
		abort();
	if (tg_leap_choose(t, NULL) != t || tg_leap_choose(NULL, t) != t)
		abort();
	if (tg_leap_consistent(t, t, NULL, 0) != 0)
		abort();
}

/* The "#h" line for buf[0..n), by the digits rule; returns the new length. */
static size_t append_hash(size_t n)
{
	br_sha1_context sha;
	uint8_t h[20];
	size_t i = 0, k;

	br_sha1_init(&sha);
	while (i < n) {
		size_t j = i;
		int kindc = buf[i] == '#' ? (i + 1 < n && (buf[i + 1] == '$' || buf[i + 1] == '@'))
					  : 2; /* 0 comment, 1 date line, 2 data line */

		while (j < n && buf[j] != '\n')
			j++;
		for (k = i + (kindc == 1 ? 2 : 0); kindc && k < j; k++) {
			if (kindc == 2 && buf[k] == '#')
				break;
			if (buf[k] >= '0' && buf[k] <= '9')
				br_sha1_update(&sha, buf + k, 1);
		}
		i = j + 1;
	}
	br_sha1_out(&sha, h);
	k = n;
	k += (size_t)snprintf(buf + k, sizeof(buf) - k, "\n#h");
	for (i = 0; i < 20; i += 4)
		k += (size_t)snprintf(buf + k, sizeof(buf) - k, " %02x%02x%02x%02x", h[i], h[i + 1],
				      h[i + 2], h[i + 3]);
	return k;
}

static int64_t get64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return (int64_t)v;
}

static void announce(const struct tg_leap_table *t, const uint8_t *data, size_t size)
{
	char err[256];
	int64_t now, when;
	int cur, next, rc;

	if (size < 24)
		return;
	now = get64(data) % (1LL << 40);
	when = get64(data + 8);
	/* small offsets near today's most of the time: reaches the table checks */
	cur = (int8_t)data[16];
	next = cur + (int8_t)data[17] % 3;
	if (data[18] & 1)
		when = now - now % DAY + (int64_t)(data[19] % 200) * DAY;
	rc = tg_leap_check_announcement(t, now, (enum tg_leap_scale)(data[20] % 4), cur, next, when,
					err, sizeof(err));
	if (rc < -1 || rc > 1 || !memchr(err, '\0', sizeof(err)) || (rc != 0 && !err[0]))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tg_leap_table t;
	char err[256];
	size_t n;

	if (size > TG_LEAP_FILE_MAX)
		return 0;
	memcpy(buf, data, size);
	err[0] = '\0';
	if (tg_leap_parse(buf, size, &t, err, sizeof(err)) == 0) {
		check_table(&t);
	} else {
		check_err(err, sizeof(err));
		if (t.n != 0)
			abort();
	}
	announce(NULL, data, size);
	announce(&t, data, size);

	/* again with a correct hash, when the input has none */
	if (size >= 2 && memmem(buf, size, "#h", 2))
		return 0;
	n = append_hash(size);
	err[0] = '\0';
	if (tg_leap_parse(buf, n, &t, err, sizeof(err)) == 0) {
		check_table(&t);
		announce(&t, data, size);
	} else {
		check_err(err, sizeof(err));
	}
	return 0;
}
