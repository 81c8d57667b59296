/*
 * test_session.c - the web console's sessions, CSRF tokens, roles and
 * Set-Cookie line (consoled/session.c) and its login throttling
 * (consoled/ratelimit.c).
 *
 * The golden cookie and CSRF token were computed independently with
 * Python's base64, hashlib and hmac:
 *   b64url(rnd), b64url(HMAC-SHA256(key, b"csrf" + SHA256(rnd)))
 * for key = bytes 0x40..0x5f and rnd = bytes 0..31 or 32 x 0xff.
 * Time is the `now` argument throughout; nothing reads a clock.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "consoled/ratelimit.h"
#include "consoled/session.h"

static const char golden_cookie[] = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8";
static const char golden_csrf[] = "SlKY-egI4xAtk_-CVK8yU8urXcOm8vpQiHK_d5qRl60";
static const char golden_cookie_ff[] = "__________________________________________8";
static const char golden_csrf_ff[] = "-M_9-vI4gd4JMP3d5KRJnprlIvbQYAXvvPIG83FgtPk";

#define B64URL "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

static struct tg_sess_table T;
static struct tg_rl RL;

static void init_table(void)
{
	uint8_t key[TG_SESS_KEY_LEN];
	int i;

	for (i = 0; i < TG_SESS_KEY_LEN; i++)
		key[i] = (uint8_t)(0x40 + i);
	tg_sess_init(&T, key);
}

/* an id that differs for every n */
static void rnd_of(unsigned n, uint8_t rnd[TG_SESS_ID_LEN])
{
	int i;

	for (i = 0; i < TG_SESS_ID_LEN; i++)
		rnd[i] = (uint8_t)(n * 7 + i * 13 + (n >> 8) * 3);
	memcpy(rnd, &n, sizeof(n));
}

static int mk(unsigned n, const char *user, int role, int pending, int64_t now,
	      char cookie[TG_SESS_COOKIE_SIZE])
{
	uint8_t rnd[TG_SESS_ID_LEN];

	rnd_of(n, rnd);
	return tg_sess_create(&T, rnd, user, role, pending, "192.0.2.7", now, cookie,
			      TG_SESS_COOKIE_SIZE);
}

static int look(const char *cookie, int64_t now, const struct tg_sess **s)
{
	const struct tg_sess *dummy;

	return tg_sess_lookup(&T, cookie, strlen(cookie), now, s ? s : &dummy);
}

static int all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		if (b[i])
			return 0;
	return 1;
}

/* ---- sessions ---- */

static void test_golden_cookie_and_csrf(void)
{
	uint8_t rnd[TG_SESS_ID_LEN];
	char cookie[TG_SESS_COOKIE_SIZE], tok[TG_SESS_CSRF_SIZE];
	const struct tg_sess *s = NULL;
	int i;

	init_table();
	for (i = 0; i < TG_SESS_ID_LEN; i++)
		rnd[i] = (uint8_t)i;
	CHECK_EQ_INT(tg_sess_create(&T, rnd, "alice", TG_ROLE_OPERATOR, 0, "2001:db8::1", 1000,
				    cookie, sizeof(cookie)),
		     0);
	CHECK_EQ_STR(cookie, golden_cookie);
	CHECK_EQ_INT(look(cookie, 1001, &s), 0);
	CHECK(s != NULL);
	if (!s)
		return;
	CHECK_EQ_STR(s->user, "alice");
	CHECK_EQ_STR(s->addr, "2001:db8::1");
	CHECK_EQ_INT(s->role, TG_ROLE_OPERATOR);
	CHECK_EQ_INT(s->totp_pending, 0);
	CHECK_EQ_INT(s->created, 1000);
	CHECK_EQ_INT(s->last_seen, 1001);
	CHECK_EQ_INT(tg_sess_csrf(&T, s, tok, sizeof(tok)), 0);
	CHECK_EQ_STR(tok, golden_csrf);

	memset(rnd, 0xff, sizeof(rnd));
	CHECK_EQ_INT(tg_sess_create(&T, rnd, "bob", TG_ROLE_VIEWER, 0, NULL, 1000, cookie,
				    sizeof(cookie)),
		     0);
	CHECK_EQ_STR(cookie, golden_cookie_ff);
	CHECK_EQ_INT(look(cookie, 1001, &s), 0);
	if (!s)
		return;
	CHECK_EQ_STR(s->addr, "-");
	CHECK_EQ_INT(tg_sess_csrf(&T, s, tok, sizeof(tok)), 0);
	CHECK_EQ_STR(tok, golden_csrf_ff);
}

/* the raw id appears nowhere in the table, only its hash */
static void test_id_not_stored(void)
{
	uint8_t rnd[TG_SESS_ID_LEN];
	char cookie[TG_SESS_COOKIE_SIZE];

	init_table();
	rnd_of(77, rnd);
	CHECK_EQ_INT(mk(77, "alice", TG_ROLE_ADMIN, 0, 5, cookie), 0);
	CHECK(memmem(&T, sizeof(T), rnd, 16) == NULL);
	CHECK(memmem(&T, sizeof(T), rnd + 16, 16) == NULL);
	CHECK(memmem(&T, sizeof(T), cookie, 16) == NULL);
}

/* random ids over the whole alphabet: each cookie is 43 base64url characters, finds its session */
static void test_random_round_trip(void)
{
	uint8_t rnd[TG_SESS_ID_LEN];
	char cookie[TG_SESS_COOKIE_SIZE], user[16];
	const struct tg_sess *s;
	int round, i, j;

	check_seed();
	for (round = 0; round < 20; round++) {
		init_table();
		for (i = 0; i < TG_SESS_MAX; i++) {
			for (j = 0; j < TG_SESS_ID_LEN; j++)
				rnd[j] = (uint8_t)check_rand();
			snprintf(user, sizeof(user), "u%d", i);
			CHECK_EQ_INT(tg_sess_create(&T, rnd, user, TG_ROLE_VIEWER, 0, NULL, 0,
						    cookie, sizeof(cookie)),
				     0);
			CHECK_EQ_INT(strlen(cookie), TG_SESS_COOKIE_LEN);
			CHECK_EQ_INT(strspn(cookie, B64URL), TG_SESS_COOKIE_LEN);
			s = NULL;
			CHECK_EQ_INT(look(cookie, 1, &s), 0);
			CHECK(s && strcmp(s->user, user) == 0);
		}
		CHECK_EQ_INT(tg_sess_count(&T), TG_SESS_MAX);
	}
}

static void test_idle_timeout(void)
{
	char c[TG_SESS_COOKIE_SIZE];

	init_table();
	CHECK_EQ_INT(mk(1, "alice", TG_ROLE_VIEWER, 0, 1000, c), 0);
	CHECK_EQ_INT(look(c, 1000 + TG_SESS_IDLE - 1, NULL), 0); /* last_seen = 1899 */
	CHECK_EQ_INT(look(c, 1899 + TG_SESS_IDLE - 1, NULL), 0); /* last_seen = 2798 */
	CHECK_EQ_INT(look(c, 2798 + TG_SESS_IDLE, NULL), -1);
	/* expired means gone: wiped, not merely refused */
	CHECK_EQ_INT(tg_sess_count(&T), 0);
	CHECK(all_zero(T.s, sizeof(T.s)));
	CHECK_EQ_INT(look(c, 2798, NULL), -1);
}

static void test_absolute_timeout(void)
{
	char c[TG_SESS_COOKIE_SIZE];
	int64_t t;

	init_table();
	CHECK_EQ_INT(mk(1, "alice", TG_ROLE_VIEWER, 0, 500, c), 0);
	/* active all day: a request every 10 min */
	for (t = 500 + 600; t < 500 + TG_SESS_ABS; t += 600)
		CHECK_EQ_INT(look(c, t, NULL), 0);
	CHECK_EQ_INT(look(c, 500 + TG_SESS_ABS - 1, NULL), 0);
	CHECK_EQ_INT(look(c, 500 + TG_SESS_ABS, NULL), -1);
	CHECK_EQ_INT(tg_sess_count(&T), 0);
}

/* a session waiting for its second factor lives TG_SESS_PENDING at most */
static void test_pending_timeout(void)
{
	char c[TG_SESS_COOKIE_SIZE];

	init_table();
	CHECK_EQ_INT(mk(1, "alice", TG_ROLE_ADMIN, 1, 0, c), 0);
	CHECK_EQ_INT(look(c, 100, NULL), 0);
	CHECK_EQ_INT(look(c, TG_SESS_PENDING - 1, NULL), 0);
	CHECK_EQ_INT(look(c, TG_SESS_PENDING, NULL), -1);
}

/* full table: the least recently used session goes */
static void test_eviction_lru(void)
{
	char c[TG_SESS_MAX + 1][TG_SESS_COOKIE_SIZE], user[16];
	int i;

	init_table();
	for (i = 0; i < TG_SESS_MAX; i++) {
		snprintf(user, sizeof(user), "user%d", i);
		CHECK_EQ_INT(mk((unsigned)i, user, TG_ROLE_VIEWER, 0, i, c[i]), 0);
	}
	CHECK_EQ_INT(look(c[0], 100, NULL), 0); /* 0 is now the most recent; 1 the least */
	CHECK_EQ_INT(mk(1000, "newcomer", TG_ROLE_VIEWER, 0, 101, c[TG_SESS_MAX]), 0);
	CHECK_EQ_INT(tg_sess_count(&T), TG_SESS_MAX);
	CHECK_EQ_INT(look(c[1], 102, NULL), -1);
	CHECK_EQ_INT(look(c[0], 102, NULL), 0);
	CHECK_EQ_INT(look(c[2], 102, NULL), 0);
	CHECK_EQ_INT(look(c[TG_SESS_MAX], 102, NULL), 0);
	/* and the next one takes 3, the least recently used now (2 was just used) */
	CHECK_EQ_INT(mk(1001, "newcomer2", TG_ROLE_VIEWER, 0, 103, c[1]), 0);
	CHECK_EQ_INT(look(c[3], 104, NULL), -1);
	CHECK_EQ_INT(look(c[2], 104, NULL), 0);
}

/* full table: a half-logged-in session goes before a complete one, even a more recent one */
static void test_eviction_prefers_pending(void)
{
	char c[TG_SESS_MAX][TG_SESS_COOKIE_SIZE], extra[TG_SESS_COOKIE_SIZE], user[16];
	int i;

	init_table();
	for (i = 0; i < TG_SESS_MAX; i++) {
		snprintf(user, sizeof(user), "user%d", i);
		CHECK_EQ_INT(mk((unsigned)i, user, TG_ROLE_VIEWER, i == 40, i, c[i]), 0);
	}
	CHECK_EQ_INT(mk(999, "late", TG_ROLE_VIEWER, 0, 100, extra), 0);
	CHECK_EQ_INT(look(c[40], 101, NULL), -1);
	CHECK_EQ_INT(look(c[0], 101, NULL), 0);
	CHECK_EQ_INT(tg_sess_count(&T), TG_SESS_MAX);
}

static void test_per_user_cap(void)
{
	char c[6][TG_SESS_COOKIE_SIZE], b[TG_SESS_COOKIE_SIZE];
	int i;

	init_table();
	CHECK_EQ_INT(mk(100, "bob", TG_ROLE_VIEWER, 0, 0, b), 0);
	for (i = 0; i < 4; i++)
		CHECK_EQ_INT(mk((unsigned)i, "alice", TG_ROLE_VIEWER, 0, 10 + i, c[i]), 0);
	/* the oldest login goes even when it is the most recently used */
	CHECK_EQ_INT(look(c[0], 14, NULL), 0);
	for (i = 4; i < 6; i++) {
		CHECK_EQ_INT(mk((unsigned)i, "alice", TG_ROLE_VIEWER, 0, 11 + i, c[i]), 0);
		CHECK_EQ_INT(tg_sess_user_count(&T, "alice"), TG_SESS_PER_USER);
	}
	CHECK_EQ_INT(look(c[0], 20, NULL), -1);
	CHECK_EQ_INT(look(c[1], 20, NULL), -1);
	for (i = 2; i < 6; i++)
		CHECK_EQ_INT(look(c[i], 20, NULL), 0);
	/* other users are not touched */
	CHECK_EQ_INT(look(b, 20, NULL), 0);
	CHECK_EQ_INT(tg_sess_count(&T), 1 + TG_SESS_PER_USER);
}

static void test_duplicate_id_refused(void)
{
	char c1[TG_SESS_COOKIE_SIZE], c2[TG_SESS_COOKIE_SIZE];
	const struct tg_sess *s = NULL;

	init_table();
	CHECK_EQ_INT(mk(5, "alice", TG_ROLE_VIEWER, 0, 0, c1), 0);
	CHECK_EQ_INT(mk(5, "mallory", TG_ROLE_ADMIN, 0, 1, c2), -1);
	CHECK_EQ_INT(tg_sess_count(&T), 1);
	CHECK_EQ_INT(look(c1, 2, &s), 0);
	CHECK(s && strcmp(s->user, "alice") == 0 && s->role == TG_ROLE_VIEWER);
}

static void test_create_arguments(void)
{
	uint8_t rnd[TG_SESS_ID_LEN];
	char c[TG_SESS_COOKIE_SIZE];
	char longuser[TG_SESS_USER_MAX + 2], longaddr[TG_SESS_ADDR_MAX + 2];

	init_table();
	rnd_of(1, rnd);
	memset(longuser, 'u', sizeof(longuser) - 1);
	longuser[sizeof(longuser) - 1] = '\0';
	memset(longaddr, '1', sizeof(longaddr) - 1);
	longaddr[sizeof(longaddr) - 1] = '\0';
	CHECK_EQ_INT(tg_sess_create(&T, rnd, "alice", 0, 0, NULL, 0, c, sizeof(c)), -1);
	CHECK_EQ_INT(tg_sess_create(&T, rnd, "alice", 4, 0, NULL, 0, c, sizeof(c)), -1);
	CHECK_EQ_INT(tg_sess_create(&T, rnd, "", 1, 0, NULL, 0, c, sizeof(c)), -1);
	CHECK_EQ_INT(tg_sess_create(&T, rnd, NULL, 1, 0, NULL, 0, c, sizeof(c)), -1);
	CHECK_EQ_INT(tg_sess_create(&T, rnd, "al ice", 1, 0, NULL, 0, c, sizeof(c)), -1);
	CHECK_EQ_INT(tg_sess_create(&T, rnd, "al\nice", 1, 0, NULL, 0, c, sizeof(c)), -1);
	CHECK_EQ_INT(tg_sess_create(&T, rnd, longuser, 1, 0, NULL, 0, c, sizeof(c)), -1);
	CHECK_EQ_INT(tg_sess_create(&T, rnd, "alice", 1, 0, "1.2.3.4\n", 0, c, sizeof(c)), -1);
	CHECK_EQ_INT(tg_sess_create(&T, rnd, "alice", 1, 0, longaddr, 0, c, sizeof(c)), -1);
	CHECK_EQ_INT(tg_sess_create(&T, rnd, "alice", 1, 0, NULL, 0, c, TG_SESS_COOKIE_LEN), -1);
	CHECK_EQ_INT(tg_sess_count(&T), 0);
	/* the limits themselves are fine */
	longuser[TG_SESS_USER_MAX] = '\0';
	longaddr[TG_SESS_ADDR_MAX] = '\0';
	CHECK_EQ_INT(tg_sess_create(&T, rnd, longuser, 3, 0, longaddr, 0, c, sizeof(c)), 0);
	CHECK_EQ_INT(tg_sess_user_count(&T, longuser), 1);
}

static void test_destroy(void)
{
	char a[TG_SESS_COOKIE_SIZE], b[TG_SESS_COOKIE_SIZE];

	init_table();
	CHECK_EQ_INT(mk(1, "alice", TG_ROLE_VIEWER, 0, 0, a), 0);
	CHECK_EQ_INT(mk(2, "alice", TG_ROLE_VIEWER, 0, 0, b), 0);
	CHECK_EQ_INT(tg_sess_destroy(&T, a, strlen(a)), 0);
	CHECK_EQ_INT(look(a, 1, NULL), -1);
	CHECK_EQ_INT(look(b, 1, NULL), 0);
	CHECK_EQ_INT(tg_sess_count(&T), 1);
	CHECK_EQ_INT(tg_sess_destroy(&T, a, strlen(a)), -1);
	CHECK_EQ_INT(tg_sess_destroy(&T, b, strlen(b) - 1), -1);
	CHECK_EQ_INT(tg_sess_destroy(&T, "x", 1), -1);
	CHECK_EQ_INT(tg_sess_count(&T), 1);
	CHECK_EQ_INT(tg_sess_destroy(&T, b, strlen(b)), 0);
	CHECK(all_zero(T.s, sizeof(T.s)));
}

static void test_destroy_user(void)
{
	char a[3][TG_SESS_COOKIE_SIZE], b[2][TG_SESS_COOKIE_SIZE];
	int i;

	init_table();
	for (i = 0; i < 3; i++)
		CHECK_EQ_INT(mk((unsigned)i, "alice", TG_ROLE_ADMIN, 0, i, a[i]), 0);
	for (i = 0; i < 2; i++)
		CHECK_EQ_INT(mk(10u + (unsigned)i, "bob", TG_ROLE_VIEWER, 0, i, b[i]), 0);
	CHECK_EQ_INT(tg_sess_destroy_user(&T, "ali"), 0); /* exact names, no prefixes */
	CHECK_EQ_INT(tg_sess_destroy_user(&T, "alicex"), 0);
	CHECK_EQ_INT(tg_sess_count(&T), 5);
	CHECK_EQ_INT(tg_sess_destroy_user(&T, "alice"), 3);
	for (i = 0; i < 3; i++)
		CHECK_EQ_INT(look(a[i], 5, NULL), -1);
	for (i = 0; i < 2; i++)
		CHECK_EQ_INT(look(b[i], 5, NULL), 0);
	CHECK_EQ_INT(tg_sess_destroy_user(&T, "alice"), 0);
	CHECK_EQ_INT(tg_sess_count(&T), 2);
}

static void test_promote(void)
{
	char old[TG_SESS_COOKIE_SIZE], nc[TG_SESS_COOKIE_SIZE], other[TG_SESS_COOKIE_SIZE];
	char tok_before[TG_SESS_CSRF_SIZE], tok_after[TG_SESS_CSRF_SIZE], keep[TG_SESS_COOKIE_SIZE];
	uint8_t rnd[TG_SESS_ID_LEN];
	const struct tg_sess *s = NULL;

	init_table();
	CHECK_EQ_INT(mk(1, "alice", TG_ROLE_ADMIN, 1, 100, old), 0);
	CHECK_EQ_INT(mk(2, "bob", TG_ROLE_VIEWER, 0, 100, other), 0);
	CHECK_EQ_INT(look(old, 110, &s), 0);
	if (!s)
		return;
	CHECK_EQ_INT(s->totp_pending, 1);
	CHECK_EQ_INT(tg_sess_allows(s, TG_ROLE_VIEWER), 0);
	CHECK_EQ_INT(tg_sess_csrf(&T, s, tok_before, sizeof(tok_before)), 0);

	/* an id already in use (bob's) is refused and nothing changes */
	rnd_of(2, rnd);
	strcpy(keep, "unchanged");
	CHECK_EQ_INT(tg_sess_promote(&T, old, strlen(old), rnd, 120, keep, sizeof(keep)), -1);
	CHECK_EQ_STR(keep, "unchanged");
	CHECK_EQ_INT(look(old, 121, &s), 0);
	CHECK(s && s->totp_pending == 1);

	rnd_of(3, rnd);
	CHECK_EQ_INT(tg_sess_promote(&T, old, strlen(old), rnd, 130, nc, sizeof(nc)), 0);
	CHECK(strcmp(nc, old) != 0);
	CHECK_EQ_INT(strlen(nc), TG_SESS_COOKIE_LEN);
	CHECK_EQ_INT(look(old, 131, NULL), -1);
	s = NULL;
	CHECK_EQ_INT(look(nc, 131, &s), 0);
	if (!s)
		return;
	CHECK_EQ_STR(s->user, "alice");
	CHECK_EQ_INT(s->totp_pending, 0);
	CHECK_EQ_INT(s->created, 100); /* the absolute timeout still counts from the password */
	CHECK_EQ_INT(tg_sess_allows(s, TG_ROLE_ADMIN), 1);
	CHECK_EQ_INT(tg_sess_csrf(&T, s, tok_after, sizeof(tok_after)), 0);
	CHECK(strcmp(tok_before, tok_after) != 0);
	CHECK_EQ_INT(tg_sess_count(&T), 2);
	/* the old cookie cannot be promoted again or destroy anything */
	rnd_of(4, rnd);
	CHECK_EQ_INT(tg_sess_promote(&T, old, strlen(old), rnd, 140, keep, sizeof(keep)), -1);
	CHECK_EQ_INT(tg_sess_destroy(&T, old, strlen(old)), -1);
	/* the absolute timeout is from creation (now past the pending limit, a full session) */
	CHECK_EQ_INT(look(nc, 100 + TG_SESS_PENDING + 10, NULL), 0);
	CHECK_EQ_INT(look(nc, 100 + TG_SESS_PENDING + 10 + TG_SESS_IDLE - 1, NULL), 0);
}

static void test_csrf(void)
{
	char a[TG_SESS_COOKIE_SIZE], b[TG_SESS_COOKIE_SIZE];
	char ta[TG_SESS_CSRF_SIZE], tb[TG_SESS_CSRF_SIZE], bad[TG_SESS_CSRF_SIZE];
	const struct tg_sess *sa = NULL, *sb = NULL;

	init_table();
	CHECK_EQ_INT(mk(1, "alice", TG_ROLE_ADMIN, 0, 0, a), 0);
	CHECK_EQ_INT(mk(2, "alice", TG_ROLE_ADMIN, 0, 0, b), 0);
	CHECK_EQ_INT(look(a, 1, &sa), 0);
	CHECK_EQ_INT(look(b, 1, &sb), 0);
	if (!sa || !sb)
		return;
	CHECK_EQ_INT(tg_sess_csrf(&T, sa, ta, sizeof(ta)), 0);
	CHECK_EQ_INT(tg_sess_csrf(&T, sb, tb, sizeof(tb)), 0);
	CHECK_EQ_INT(strlen(ta), TG_SESS_CSRF_LEN);
	CHECK(strcmp(ta, tb) != 0);
	CHECK(strcmp(ta, a) != 0);
	CHECK_EQ_INT(tg_sess_csrf_check(&T, sa, ta, strlen(ta)), 0);
	CHECK_EQ_INT(tg_sess_csrf_check(&T, sb, tb, strlen(tb)), 0);
	/* another session's token is refused */
	CHECK_EQ_INT(tg_sess_csrf_check(&T, sa, tb, strlen(tb)), -1);
	CHECK_EQ_INT(tg_sess_csrf_check(&T, sb, ta, strlen(ta)), -1);
	/* one character changed, first or last */
	strcpy(bad, ta);
	bad[0] = bad[0] == 'A' ? 'B' : 'A';
	CHECK_EQ_INT(tg_sess_csrf_check(&T, sa, bad, strlen(bad)), -1);
	strcpy(bad, ta);
	bad[TG_SESS_CSRF_LEN - 1] = bad[TG_SESS_CSRF_LEN - 1] == 'A' ? 'B' : 'A';
	CHECK_EQ_INT(tg_sess_csrf_check(&T, sa, bad, strlen(bad)), -1);
	/* lengths and a NUL */
	CHECK_EQ_INT(tg_sess_csrf_check(&T, sa, ta, TG_SESS_CSRF_LEN - 1), -1);
	CHECK_EQ_INT(tg_sess_csrf_check(&T, sa, "", 0), -1);
	CHECK_EQ_INT(tg_sess_csrf_check(&T, sa, NULL, TG_SESS_CSRF_LEN), -1);
	strcpy(bad, ta);
	bad[20] = '\0';
	CHECK_EQ_INT(tg_sess_csrf_check(&T, sa, bad, TG_SESS_CSRF_LEN), -1);
	/* a token under another server key is refused (new daemon start) */
	T.key[0] ^= 1;
	CHECK_EQ_INT(tg_sess_csrf_check(&T, sa, ta, strlen(ta)), -1);
	T.key[0] ^= 1;
	CHECK_EQ_INT(tg_sess_csrf_check(&T, sa, ta, strlen(ta)), 0);
	/* too small an output buffer */
	CHECK_EQ_INT(tg_sess_csrf(&T, sa, bad, TG_SESS_CSRF_LEN), -1);
}

static void test_malformed_cookies(void)
{
	char c[TG_SESS_COOKIE_SIZE], v[64];
	const struct tg_sess *s = &T.s[0];
	const char *badch = "+/= .\x80\xff\"';";
	size_t i, pos;

	init_table();
	{
		uint8_t rnd[TG_SESS_ID_LEN];
		for (i = 0; i < TG_SESS_ID_LEN; i++)
			rnd[i] = (uint8_t)i;
		CHECK_EQ_INT(tg_sess_create(&T, rnd, "alice", 1, 0, NULL, 0, c, sizeof(c)), 0);
	}
	CHECK_EQ_INT(tg_sess_lookup(&T, c, TG_SESS_COOKIE_LEN, 1, &s), 0);
	/* short, long, empty, NULL */
	CHECK_EQ_INT(tg_sess_lookup(&T, c, TG_SESS_COOKIE_LEN - 1, 1, &s), -1);
	CHECK(s == NULL);
	snprintf(v, sizeof(v), "%sA", c);
	CHECK_EQ_INT(tg_sess_lookup(&T, v, strlen(v), 1, &s), -1);
	snprintf(v, sizeof(v), "%s=", c); /* padded form */
	CHECK_EQ_INT(tg_sess_lookup(&T, v, strlen(v), 1, &s), -1);
	CHECK_EQ_INT(tg_sess_lookup(&T, "", 0, 1, &s), -1);
	CHECK_EQ_INT(tg_sess_lookup(&T, NULL, TG_SESS_COOKIE_LEN, 1, &s), -1);
	/* a character outside the alphabet, anywhere */
	for (pos = 0; pos < TG_SESS_COOKIE_LEN; pos += 7)
		for (i = 0; badch[i]; i++) {
			memcpy(v, c, sizeof(c));
			v[pos] = badch[i];
			CHECK_EQ_INT(tg_sess_lookup(&T, v, TG_SESS_COOKIE_LEN, 1, &s), -1);
		}
	/* an embedded NUL with the right length */
	memcpy(v, c, sizeof(c));
	v[10] = '\0';
	CHECK_EQ_INT(tg_sess_lookup(&T, v, TG_SESS_COOKIE_LEN, 1, &s), -1);
	/* the same bytes spelled with non-zero unused bits ('8' -> '9') */
	CHECK_EQ_INT(c[TG_SESS_COOKIE_LEN - 1], '8');
	memcpy(v, c, sizeof(c));
	v[TG_SESS_COOKIE_LEN - 1] = '9';
	CHECK_EQ_INT(tg_sess_lookup(&T, v, TG_SESS_COOKIE_LEN, 1, &s), -1);
	/* standard base64 instead of base64url: the same id spelled with '/' for '_' */
	{
		uint8_t rnd[TG_SESS_ID_LEN];
		memset(rnd, 0xff, sizeof(rnd));
		CHECK_EQ_INT(tg_sess_create(&T, rnd, "bob", 1, 0, NULL, 0, v, sizeof(v)), 0);
		CHECK_EQ_STR(v, golden_cookie_ff);
		for (i = 0; v[i]; i++)
			if (v[i] == '_')
				v[i] = '/';
		CHECK_EQ_INT(tg_sess_lookup(&T, v, TG_SESS_COOKIE_LEN, 1, &s), -1);
		CHECK_EQ_INT(tg_sess_lookup(&T, golden_cookie_ff, TG_SESS_COOKIE_LEN, 1, &s), 0);
	}
	/* the real one still works: none of the above broke the session */
	CHECK_EQ_INT(tg_sess_lookup(&T, c, TG_SESS_COOKIE_LEN, 2, &s), 0);
}

static void test_roles(void)
{
	int r, n;

	for (r = -1; r <= 5; r++)
		for (n = -1; n <= 5; n++)
			CHECK_EQ_INT(tg_role_allows(r, n),
				     r >= 1 && r <= 3 && n >= 1 && n <= 3 && r >= n);
	CHECK_EQ_STR(tg_role_name(TG_ROLE_VIEWER), "viewer");
	CHECK_EQ_STR(tg_role_name(TG_ROLE_OPERATOR), "operator");
	CHECK_EQ_STR(tg_role_name(TG_ROLE_ADMIN), "admin");
	CHECK_EQ_STR(tg_role_name(0), "unknown");
	CHECK_EQ_STR(tg_role_name(4), "unknown");
	CHECK_EQ_INT(tg_role_parse("viewer"), TG_ROLE_VIEWER);
	CHECK_EQ_INT(tg_role_parse("operator"), TG_ROLE_OPERATOR);
	CHECK_EQ_INT(tg_role_parse("admin"), TG_ROLE_ADMIN);
	CHECK_EQ_INT(tg_role_parse("Admin"), -1);
	CHECK_EQ_INT(tg_role_parse("admin "), -1);
	CHECK_EQ_INT(tg_role_parse("unknown"), -1);
	CHECK_EQ_INT(tg_role_parse(""), -1);
	CHECK_EQ_INT(tg_role_parse(NULL), -1);
	CHECK_EQ_INT(tg_sess_allows(NULL, TG_ROLE_VIEWER), 0);
}

static void test_session_role_checks(void)
{
	char c[TG_SESS_COOKIE_SIZE];
	const struct tg_sess *s = NULL;

	init_table();
	CHECK_EQ_INT(mk(1, "op", TG_ROLE_OPERATOR, 0, 0, c), 0);
	CHECK_EQ_INT(look(c, 1, &s), 0);
	CHECK_EQ_INT(tg_sess_allows(s, TG_ROLE_VIEWER), 1);
	CHECK_EQ_INT(tg_sess_allows(s, TG_ROLE_OPERATOR), 1);
	CHECK_EQ_INT(tg_sess_allows(s, TG_ROLE_ADMIN), 0);
}

static void test_cookie_header(void)
{
	char out[TG_SESS_HEADER_SIZE], bad[TG_SESS_COOKIE_SIZE];
	const char *want = "Set-Cookie: tg_session=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8; "
			   "Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=28800";
	const char *clear = "Set-Cookie: tg_session=; Path=/; Secure; HttpOnly; SameSite=Strict; "
			    "Max-Age=0";
	int n;

	n = tg_sess_cookie_header(golden_cookie, TG_SESS_ABS, out, sizeof(out));
	CHECK_EQ_STR(out, want);
	CHECK_EQ_INT(n, strlen(want));
	n = tg_sess_cookie_header(NULL, 12345, out, sizeof(out));
	CHECK_EQ_STR(out, clear);
	CHECK_EQ_INT(n, strlen(clear));
	/* exact fit, one short */
	CHECK_EQ_INT(tg_sess_cookie_header(golden_cookie, TG_SESS_ABS, out, strlen(want) + 1),
		     strlen(want));
	CHECK_EQ_INT(tg_sess_cookie_header(golden_cookie, TG_SESS_ABS, out, strlen(want)), -1);
	CHECK_EQ_STR(out, "");
	/* the largest Max-Age fits TG_SESS_HEADER_SIZE */
	CHECK(tg_sess_cookie_header(golden_cookie, INT64_MAX, out, sizeof(out)) > 0);
	/* nothing but a well-formed value goes into the header */
	CHECK_EQ_INT(tg_sess_cookie_header(golden_cookie, -1, out, sizeof(out)), -1);
	memcpy(bad, golden_cookie, sizeof(bad));
	bad[5] = ';';
	CHECK_EQ_INT(tg_sess_cookie_header(bad, 60, out, sizeof(out)), -1);
	CHECK_EQ_STR(out, "");
	bad[5] = '\r';
	CHECK_EQ_INT(tg_sess_cookie_header(bad, 60, out, sizeof(out)), -1);
	CHECK_EQ_INT(tg_sess_cookie_header("AAECAwQF", 60, out, sizeof(out)), -1);
	CHECK_EQ_INT(tg_sess_cookie_header("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8A", 60, out,
					   sizeof(out)),
		     -1);
	CHECK_EQ_INT(tg_sess_cookie_header(golden_cookie, 60, NULL, 100), -1);
}

static void test_wipe(void)
{
	char c[TG_SESS_COOKIE_SIZE];

	init_table();
	CHECK_EQ_INT(mk(1, "alice", TG_ROLE_VIEWER, 0, 0, c), 0);
	tg_sess_wipe(&T);
	CHECK(all_zero(&T, sizeof(T)));
}

/* ---- login throttling ---- */

/* a failed attempt from a fresh source each time, so only the account limit acts */
static int fail_from_new_source(const char *user, int64_t now, int64_t *wait)
{
	static unsigned n;
	char addr[32];
	int r;

	snprintf(addr, sizeof(addr), "198.51.100.%u/%u", n % 256, n / 256);
	n++;
	r = tg_rl_check(&RL, addr, user, now, wait);
	if (r == 0)
		tg_rl_result(&RL, addr, user, 0, now);
	return r;
}

static void test_rl_lockout_doubling(void)
{
	int64_t wait = -1, t = 1000;
	static const int64_t locks[] = { 60, 120, 240, 480, 900, 900, 900 };
	size_t i;
	int k;

	tg_rl_init(&RL);
	for (k = 0; k < 4; k++) {
		CHECK_EQ_INT(fail_from_new_source("admin", t, &wait), 0);
		CHECK_EQ_INT(wait, 0);
		CHECK_EQ_INT(tg_rl_locked_for(&RL, "admin", t), 0);
	}
	/* the 5th failure locks 60 s; every further failure doubles it up to 15 min */
	CHECK_EQ_INT(fail_from_new_source("admin", t, &wait), 0);
	for (i = 0; i < sizeof(locks) / sizeof(locks[0]); i++) {
		CHECK_EQ_INT(tg_rl_locked_for(&RL, "admin", t), locks[i]);
		CHECK_EQ_INT(fail_from_new_source("admin", t, &wait), 1);
		CHECK_EQ_INT(wait, locks[i]);
		CHECK_EQ_INT(fail_from_new_source("admin", t + locks[i] - 1, &wait), 1);
		CHECK_EQ_INT(wait, 1);
		t += locks[i];
		CHECK_EQ_INT(fail_from_new_source("admin", t, &wait), 0); /* allowed, fails again */
	}
	/* another account is not affected */
	CHECK_EQ_INT(fail_from_new_source("alice", t, &wait), 0);
}

/* locked means refused before the password is looked at: the right one does not help */
static void test_rl_lock_refuses_right_password(void)
{
	int64_t wait;
	int k;

	tg_rl_init(&RL);
	for (k = 0; k < 5; k++)
		CHECK_EQ_INT(fail_from_new_source("admin", 0, &wait), 0);
	CHECK_EQ_INT(tg_rl_check(&RL, "203.0.113.9", "admin", 30, &wait), 1);
	CHECK_EQ_INT(wait, 30);
	/* after the lock, a success resets: the next failure does not lock */
	CHECK_EQ_INT(tg_rl_check(&RL, "203.0.113.9", "admin", 60, &wait), 0);
	tg_rl_result(&RL, "203.0.113.9", "admin", 1, 60);
	CHECK_EQ_INT(fail_from_new_source("admin", 61, &wait), 0);
	CHECK_EQ_INT(tg_rl_locked_for(&RL, "admin", 61), 0);
	CHECK_EQ_INT(fail_from_new_source("admin", 61, &wait), 0);
}

static void test_rl_success_resets(void)
{
	int64_t wait;
	int k;

	tg_rl_init(&RL);
	for (k = 0; k < 4; k++)
		CHECK_EQ_INT(fail_from_new_source("bob", 0, &wait), 0);
	CHECK_EQ_INT(tg_rl_check(&RL, "10.0.0.1", "bob", 0, &wait), 0);
	tg_rl_result(&RL, "10.0.0.1", "bob", 1, 0);
	for (k = 0; k < 4; k++)
		CHECK_EQ_INT(fail_from_new_source("bob", 1, &wait), 0);
	CHECK_EQ_INT(tg_rl_locked_for(&RL, "bob", 1), 0);
	CHECK_EQ_INT(fail_from_new_source("bob", 1, &wait), 0); /* the 5th since the success */
	CHECK_EQ_INT(tg_rl_locked_for(&RL, "bob", 1), TG_RL_LOCK_BASE);
}

/* names that are no account get the same answers, so the answers do not tell which exist */
static void test_rl_unknown_names(void)
{
	int64_t w1, w2;
	int k;

	tg_rl_init(&RL);
	for (k = 0; k < 6; k++) {
		int r1 = fail_from_new_source("admin", 0, &w1);
		int r2 = fail_from_new_source("no-such-user", 0, &w2);
		CHECK_EQ_INT(r1, r2);
		CHECK_EQ_INT(w1, w2);
	}
	CHECK_EQ_INT(w1, TG_RL_LOCK_BASE);
	/* and odd names are fine: empty, NULL (the same as empty), long */
	CHECK_EQ_INT(tg_rl_check(&RL, NULL, NULL, 0, &w1), 0);
	CHECK_EQ_INT(tg_rl_check(&RL, "", "", 0, NULL), 0);
}

static void test_rl_source_bucket(void)
{
	int64_t wait = -1;
	char user[16];
	int k;

	tg_rl_init(&RL);
	/* 5 at once, each for a different account (the account limit does not act) */
	for (k = 0; k < TG_RL_BURST; k++) {
		snprintf(user, sizeof(user), "u%d", k);
		CHECK_EQ_INT(tg_rl_check(&RL, "192.0.2.1", user, 100, &wait), 0);
		tg_rl_result(&RL, "192.0.2.1", user, 0, 100);
	}
	CHECK_EQ_INT(tg_rl_check(&RL, "192.0.2.1", "x", 100, &wait), 1);
	CHECK_EQ_INT(wait, TG_RL_REFILL);
	CHECK_EQ_INT(tg_rl_check(&RL, "192.0.2.1", "x", 111, &wait), 1);
	CHECK_EQ_INT(wait, 1);
	/* a success gives its token back (the bucket counts failures) */
	CHECK_EQ_INT(tg_rl_check(&RL, "192.0.2.1", "x", 112, &wait), 0);
	tg_rl_result(&RL, "192.0.2.1", "x", 1, 112);
	CHECK_EQ_INT(tg_rl_check(&RL, "192.0.2.1", "y", 112, &wait), 0);
	tg_rl_result(&RL, "192.0.2.1", "y", 0, 112);
	CHECK_EQ_INT(tg_rl_check(&RL, "192.0.2.1", "y", 112, &wait), 1);
	CHECK_EQ_INT(wait, TG_RL_REFILL);
	/* another source is not affected */
	CHECK_EQ_INT(tg_rl_check(&RL, "192.0.2.2", "y", 112, &wait), 0);
	/* 48 s later: 4 tokens */
	for (k = 0; k < 4; k++)
		CHECK_EQ_INT(tg_rl_check(&RL, "192.0.2.1", "z", 160, &wait), 0);
	CHECK_EQ_INT(tg_rl_check(&RL, "192.0.2.1", "z", 160, &wait), 1);
	/* an hour of silence: the bucket holds 5, not more */
	for (k = 0; k < TG_RL_BURST; k++)
		CHECK_EQ_INT(tg_rl_check(&RL, "192.0.2.1", "w", 3760, &wait), 0);
	CHECK_EQ_INT(tg_rl_check(&RL, "192.0.2.1", "w", 3760, &wait), 1);
	/* refused by both: the longer wait */
	tg_rl_init(&RL);
	for (k = 0; k < TG_RL_BURST; k++) {
		CHECK_EQ_INT(tg_rl_check(&RL, "192.0.2.1", "v", 0, &wait), 0);
		tg_rl_result(&RL, "192.0.2.1", "v", 0, 0);
	}
	CHECK_EQ_INT(tg_rl_check(&RL, "192.0.2.1", "v", 0, &wait), 1);
	CHECK_EQ_INT(wait, TG_RL_LOCK_BASE);
	/* ... whichever it is: the account's lock ends at 65, the source is empty again at 64 */
	tg_rl_init(&RL);
	for (k = 0; k < TG_RL_BURST; k++)
		fail_from_new_source("q", 5, &wait);
	for (k = 0; k < TG_RL_BURST; k++)
		CHECK_EQ_INT(tg_rl_check(&RL, "192.0.2.1", "other", 64, &wait), 0);
	CHECK_EQ_INT(tg_rl_check(&RL, "192.0.2.1", "q", 64, &wait), 1);
	CHECK_EQ_INT(wait, TG_RL_REFILL);
	CHECK_EQ_INT(tg_rl_check(&RL, "192.0.2.2", "q", 64, &wait), 1);
	CHECK_EQ_INT(wait, 1);
}

/* a full source table: no crash, and a throttled source is not pushed out by a flood of new ones */
static void test_rl_sources_full(void)
{
	char addr[32];
	int64_t wait;
	int k;

	tg_rl_init(&RL);
	for (k = 0; k < TG_RL_BURST; k++)
		CHECK_EQ_INT(tg_rl_check(&RL, "192.0.2.66", "a", 0, &wait), 0);
	for (k = 0; k < 4 * TG_RL_SOURCES; k++) {
		snprintf(addr, sizeof(addr), "10.%d.%d.1", k / 256, k % 256);
		CHECK_EQ_INT(tg_rl_check(&RL, addr, "b", 0, &wait), 0);
	}
	CHECK_EQ_INT(tg_rl_check(&RL, "192.0.2.66", "a", 1, &wait), 1);
	CHECK_EQ_INT(wait, TG_RL_REFILL - 1);
	/* among equal entries the least recently used goes: 10.0.0.1 .. were first, and are gone
	 * (a returning source starts with a full bucket again) */
	for (k = 0; k < TG_RL_BURST; k++)
		CHECK_EQ_INT(tg_rl_check(&RL, "10.0.0.1", "b", 1, &wait), 0);
}

/* a full account table: a locked name survives a flood of new names */
static void test_rl_accounts_full(void)
{
	char user[32];
	int64_t wait;
	int k, j;

	tg_rl_init(&RL);
	for (k = 0; k < 9; k++)
		fail_from_new_source("admin", 0, &wait); /* 5 allowed, then refused: lock 60 s */
	CHECK_EQ_INT(tg_rl_locked_for(&RL, "admin", 0), TG_RL_LOCK_BASE);
	/* 500 names, one failure each */
	for (k = 0; k < 500; k++) {
		snprintf(user, sizeof(user), "guess%d", k);
		CHECK_EQ_INT(fail_from_new_source(user, 1, &wait), 0);
	}
	CHECK_EQ_INT(tg_rl_locked_for(&RL, "admin", 1), TG_RL_LOCK_BASE - 1);
	/* 70 names locked with 5 failures at t=2: as many as admin, who failed first and goes */
	for (k = 0; k < 70; k++) {
		snprintf(user, sizeof(user), "lock%d", k);
		for (j = 0; j < 5; j++)
			fail_from_new_source(user, 2, &wait);
	}
	CHECK_EQ_INT(tg_rl_locked_for(&RL, "admin", 3), 0);
	CHECK_EQ_INT(tg_rl_locked_for(&RL, "lock69", 3), TG_RL_LOCK_BASE - 1);

	/* an account with more failures outlives locked ones with fewer: admin at 9 failures
	 * (its last lock over) against 70 names locked at 5 */
	tg_rl_init(&RL);
	{
		int64_t t = 0;
		for (k = 0; k < 9; k++) {
			t += tg_rl_locked_for(&RL, "admin", t);
			CHECK_EQ_INT(fail_from_new_source("admin", t, &wait), 0);
		}
		t += tg_rl_locked_for(&RL, "admin", t);
		for (k = 0; k < 70; k++) {
			snprintf(user, sizeof(user), "lock%d", k);
			for (j = 0; j < 5; j++)
				fail_from_new_source(user, t, &wait);
		}
		CHECK_EQ_INT(tg_rl_locked_for(&RL, "admin", t), 0);
		CHECK_EQ_INT(fail_from_new_source("admin", t, &wait), 0);
		/* the 10th failure */
		CHECK_EQ_INT(tg_rl_locked_for(&RL, "admin", t), TG_RL_LOCK_MAX);
	}

	/* among names with equal failures the least recently used goes */
	tg_rl_init(&RL);
	for (k = 0; k < 3; k++)
		fail_from_new_source("admin", 0, &wait);
	for (k = 0; k < TG_RL_ACCOUNTS + 10; k++) {
		snprintf(user, sizeof(user), "n%d", k);
		fail_from_new_source(user, 10 + k, &wait);
	}
	/* admin kept its 3 failures: 2 more lock it */
	fail_from_new_source("admin", 100, &wait);
	CHECK_EQ_INT(tg_rl_locked_for(&RL, "admin", 100), 0);
	fail_from_new_source("admin", 100, &wait);
	CHECK_EQ_INT(tg_rl_locked_for(&RL, "admin", 100), TG_RL_LOCK_BASE);
	/* the flood pushed out its own oldest names (n0 first): n0 starts again from zero */
	for (k = 0; k < 4; k++)
		fail_from_new_source("n0", 200, &wait);
	CHECK_EQ_INT(tg_rl_locked_for(&RL, "n0", 200), 0);
	fail_from_new_source("n0", 200, &wait);
	CHECK_EQ_INT(tg_rl_locked_for(&RL, "n0", 200), TG_RL_LOCK_BASE);
}

/* time that jumps or goes backwards does not break the limits */
static void test_rl_odd_times(void)
{
	int64_t wait;
	int k;

	tg_rl_init(&RL);
	for (k = 0; k < 5; k++)
		fail_from_new_source("admin", INT64_MAX - 10, &wait);
	CHECK_EQ_INT(fail_from_new_source("admin", INT64_MAX - 10, &wait), 1);
	CHECK(wait >= 1 && wait <= TG_RL_LOCK_MAX);
	/* backwards: still locked, never longer than the cap */
	CHECK_EQ_INT(fail_from_new_source("admin", INT64_MIN, &wait), 1);
	CHECK_EQ_INT(wait, TG_RL_LOCK_MAX);
	for (k = 0; k < TG_RL_BURST; k++)
		CHECK_EQ_INT(tg_rl_check(&RL, "s", "u", INT64_MAX, &wait), 0);
	CHECK_EQ_INT(tg_rl_check(&RL, "s", "u", INT64_MAX, &wait), 1);
	CHECK_EQ_INT(tg_rl_check(&RL, "s", "u", INT64_MIN, &wait), 1);
	CHECK_EQ_INT(wait, TG_RL_REFILL);
}

int main(void)
{
	RUN(test_golden_cookie_and_csrf);
	RUN(test_id_not_stored);
	RUN(test_random_round_trip);
	RUN(test_idle_timeout);
	RUN(test_absolute_timeout);
	RUN(test_pending_timeout);
	RUN(test_eviction_lru);
	RUN(test_eviction_prefers_pending);
	RUN(test_per_user_cap);
	RUN(test_duplicate_id_refused);
	RUN(test_create_arguments);
	RUN(test_destroy);
	RUN(test_destroy_user);
	RUN(test_promote);
	RUN(test_csrf);
	RUN(test_malformed_cookies);
	RUN(test_roles);
	RUN(test_session_role_checks);
	RUN(test_cookie_header);
	RUN(test_wipe);
	RUN(test_rl_lockout_doubling);
	RUN(test_rl_lock_refuses_right_password);
	RUN(test_rl_success_resets);
	RUN(test_rl_unknown_names);
	RUN(test_rl_source_bucket);
	RUN(test_rl_sources_full);
	RUN(test_rl_accounts_full);
	RUN(test_rl_odd_times);
	return check_exit();
}
