/*
 * fuzz_session.c - libFuzzer harness over the web console's sessions and
 * login throttling (consoled/session.c, consoled/ratelimit.c).
 *
 * The first byte picks the mode:
 *
 *   even: the rest is a cookie value, a CSRF token, a role name, all at
 *     once, against a fresh table holding three sessions.  A lookup (and
 *     a destroy) succeeds exactly when the bytes are one of the three
 *     cookies, a CSRF check exactly when they are that session's token.
 *     A plain table-driven base64url decoder here is the oracle for the
 *     constant-time one: Set-Cookie accepts exactly what it calls
 *     well-formed, and a well-formed value used as an id comes back from
 *     tg_sess_create spelled exactly the same.
 *
 *   odd: the rest is a program: create, lookup (of a cookie handed out
 *     before, or of input bytes), destroy, destroy_user, promote, CSRF,
 *     time steps and rate-limiter calls, checked against a model: at most
 *     TG_SESS_MAX sessions and TG_SESS_PER_USER per user; a cookie that
 *     stopped working never works again; a lookup returns the user and
 *     role the cookie was made for; a new cookie works at once; a locked
 *     account (modelled exactly while at most TG_RL_ACCOUNTS names are in
 *     play) is refused and an unlocked one is refused only by its source's
 *     bucket (retry_after 1..TG_RL_REFILL).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "consoled/ratelimit.h"
#include "consoled/session.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                                  \
	do {                                                                                      \
		if (!(c))                                                                         \
			abort();                                                                  \
	} while (0)

static struct tg_sess_table T;
static struct tg_rl RL;

static void table_init(void)
{
	uint8_t key[TG_SESS_KEY_LEN];
	int i;

	for (i = 0; i < TG_SESS_KEY_LEN; i++)
		key[i] = (uint8_t)(0x40 + i);
	tg_sess_init(&T, key);
}

/* a distinct id for every n */
static void rnd_of(uint32_t n, uint8_t rnd[TG_SESS_ID_LEN])
{
	int i;

	for (i = 0; i < TG_SESS_ID_LEN; i++)
		rnd[i] = (uint8_t)(0xa5 ^ (i * 29));
	memcpy(rnd, &n, sizeof(n));
}

/* the oracle: exactly 43 base64url characters, the last with its 2 unused bits zero */
static int ref_decode(const uint8_t *s, size_t len, uint8_t out[TG_SESS_ID_LEN])
{
	static const char alpha[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	uint32_t acc = 0;
	int bits = 0;
	size_t i, o = 0;
	const char *p;

	if (len != TG_SESS_COOKIE_LEN)
		return -1;
	for (i = 0; i < len; i++) {
		if (!s[i] || !(p = strchr(alpha, s[i])))
			return -1;
		acc = (acc << 6) | (uint32_t)(p - alpha);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (uint8_t)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	return acc == 0 && o == TG_SESS_ID_LEN ? 0 : -1;
}

/* ---- mode 0: bytes as cookie and token ---- */

static void bytes_case(const uint8_t *d, size_t n)
{
	static const char *users[3] = { "alice", "bob", "carol" };
	char cookies[3][TG_SESS_COOKIE_SIZE], tok[3][TG_SESS_CSRF_SIZE], c2[TG_SESS_COOKIE_SIZE];
	char hdr[TG_SESS_HEADER_SIZE], *str;
	uint8_t rnd[TG_SESS_ID_LEN];
	const struct tg_sess *s, *ss[3];
	int i, match = -1, r, valid;

	table_init();
	for (i = 0; i < 3; i++) {
		rnd_of((uint32_t)i, rnd);
		CHECK(tg_sess_create(&T, rnd, users[i], i + 1, i == 2, "192.0.2.1", 1000, cookies[i],
				     sizeof(cookies[i])) == 0);
		CHECK(tg_sess_lookup(&T, cookies[i], strlen(cookies[i]), 1000, &ss[i]) == 0);
		CHECK(tg_sess_csrf(&T, ss[i], tok[i], sizeof(tok[i])) == 0);
		if (n == TG_SESS_COOKIE_LEN && memcmp(d, cookies[i], n) == 0)
			match = i;
	}

	/* the input as a cookie: found iff it is one */
	s = NULL;
	r = tg_sess_lookup(&T, (const char *)d, n, 1001, &s);
	CHECK((r == 0) == (match >= 0));
	CHECK(r == 0 ? s == ss[match] : s == NULL);

	/* the input as a CSRF token of each session: valid iff it is that one's */
	for (i = 0; i < 3; i++) {
		r = tg_sess_csrf_check(&T, ss[i], (const char *)d, n);
		CHECK((r == 0) == (n == TG_SESS_CSRF_LEN && memcmp(d, tok[i], n) == 0));
	}

	/* as a C string: Set-Cookie takes exactly the well-formed values */
	str = malloc(n + 1);
	CHECK(str != NULL);
	memcpy(str, d, n);
	str[n] = '\0';
	valid = ref_decode((const uint8_t *)str, strlen(str), rnd) == 0;
	r = tg_sess_cookie_header(str, 3600, hdr, sizeof(hdr));
	CHECK((r > 0) == valid);
	r = tg_role_parse(str);
	CHECK(r == -1 || strcmp(tg_role_name(r), str) == 0);
	free(str);

	/* a well-formed value as an id: the encoder spells it back the same */
	if (ref_decode(d, n, rnd) == 0) {
		r = tg_sess_create(&T, rnd, "dave", TG_ROLE_VIEWER, 0, NULL, 1002, c2, sizeof(c2));
		CHECK(r == (match >= 0 ? -1 : 0)); /* a live id is refused */
		if (r == 0) {
			CHECK(memcmp(c2, d, n) == 0);
			CHECK(tg_sess_lookup(&T, (const char *)d, n, 1003, &s) == 0);
			CHECK(strcmp(s->user, "dave") == 0);
		}
	}

	/* and destroy: iff it is one (dave's included) */
	r = tg_sess_destroy(&T, (const char *)d, n);
	CHECK((r == 0) == (ref_decode(d, n, rnd) == 0));
	CHECK(tg_sess_lookup(&T, (const char *)d, n, 1004, &s) == -1);
	(void)tg_role_name(n ? (int8_t)d[0] : 0);
}

/* ---- mode 1: a program ---- */

#define NUSERS 20
#define NCOOKIES 128
#define NNAMES TG_RL_ACCOUNTS

struct mcookie {
	char c[TG_SESS_COOKIE_SIZE];
	int user, role, pending;
	int dead; /* stopped working: must never work again */
};

struct mname {
	char name[20];
	uint32_t fails;
	int64_t locked_until;
};

struct prog {
	const uint8_t *d;
	size_t n, pos;
	int64_t now;
	uint32_t ctr;
	struct mcookie mc[NCOOKIES];
	int nmc; /* ring: the next slot is nmc % NCOOKIES */
	struct mname names[NNAMES];
	int nnames, exact; /* exact: the account model is complete */
};

static char user_names[NUSERS][8];

static int next(struct prog *p)
{
	return p->pos < p->n ? p->d[p->pos++] : 0;
}

static struct mcookie *pick(struct prog *p)
{
	int have = p->nmc < NCOOKIES ? p->nmc : NCOOKIES;

	return have ? &p->mc[next(p) % have] : NULL;
}

static void remember(struct prog *p, const char *c, int user, int role, int pending)
{
	struct mcookie *m = &p->mc[p->nmc % NCOOKIES];

	memcpy(m->c, c, TG_SESS_COOKIE_SIZE);
	m->user = user;
	m->role = role;
	m->pending = pending;
	m->dead = 0;
	p->nmc++;
}

/* look m up, checking the model; returns the session or NULL */
static const struct tg_sess *look(struct prog *p, struct mcookie *m)
{
	const struct tg_sess *s = NULL;

	if (tg_sess_lookup(&T, m->c, strlen(m->c), p->now, &s) != 0) {
		CHECK(s == NULL);
		m->dead = 1;
		return NULL;
	}
	CHECK(!m->dead);
	CHECK(strcmp(s->user, user_names[m->user]) == 0);
	CHECK(s->role == m->role && s->totp_pending == m->pending);
	CHECK(s->last_seen == p->now && s->created <= s->last_seen);
	return s;
}

static void op_create(struct prog *p)
{
	char c[TG_SESS_COOKIE_SIZE];
	uint8_t rnd[TG_SESS_ID_LEN];
	int u = next(p) % NUSERS, role = next(p) % 4, pending = next(p) & 1, r;

	rnd_of(++p->ctr, rnd);
	r = tg_sess_create(&T, rnd, user_names[u], role, pending, "198.51.100.4", p->now, c,
			   sizeof(c));
	CHECK(r == (role ? 0 : -1));
	if (r == 0) {
		remember(p, c, u, role, pending);
		CHECK(look(p, &p->mc[(p->nmc - 1) % NCOOKIES]) != NULL);
	}
}

static void op_lookup_bytes(struct prog *p)
{
	const struct tg_sess *s = NULL;
	size_t len = (size_t)next(p) % (TG_SESS_COOKIE_LEN + 2), i;
	const char *c = (const char *)p->d + p->pos;
	uint8_t id[TG_SESS_ID_LEN], want[TG_SESS_ID_LEN];
	uint32_t k;
	int r;

	if (len > p->n - p->pos)
		len = p->n - p->pos;
	p->pos += len;
	r = tg_sess_lookup(&T, c, len, p->now, &s);
	if (r != 0)
		return;
	/* only an id that was handed out (rnd_of(k), k <= ctr) ... */
	CHECK(ref_decode((const uint8_t *)c, len, id) == 0);
	memcpy(&k, id, sizeof(k));
	rnd_of(k, want);
	CHECK(k >= 1 && k <= p->ctr && memcmp(id, want, sizeof(id)) == 0);
	/* ... and has not stopped working */
	for (i = 0; i < NCOOKIES && i < (size_t)p->nmc; i++)
		if (memcmp(p->mc[i].c, c, len) == 0)
			CHECK(!p->mc[i].dead);
}

static void op_promote(struct prog *p)
{
	struct mcookie *m = pick(p);
	char c[TG_SESS_COOKIE_SIZE];
	uint8_t rnd[TG_SESS_ID_LEN];
	int r;

	if (!m)
		return;
	rnd_of(++p->ctr, rnd);
	r = tg_sess_promote(&T, m->c, strlen(m->c), rnd, p->now, c, sizeof(c));
	if (r != 0) {
		m->dead = 1; /* promote fails only for a cookie that no longer works */
		return;
	}
	CHECK(!m->dead);
	m->dead = 1;
	remember(p, c, m->user, m->role, 0);
	CHECK(look(p, &p->mc[(p->nmc - 1) % NCOOKIES]) != NULL);
	CHECK(tg_sess_lookup(&T, m->c, strlen(m->c), p->now, NULL) == -1);
}

static void op_csrf(struct prog *p)
{
	struct mcookie *a = pick(p), *b = pick(p);
	char ta[TG_SESS_CSRF_SIZE], tb[TG_SESS_CSRF_SIZE];
	const struct tg_sess *sa, *sb;

	if (!a || !b || !(sa = look(p, a)))
		return;
	CHECK(tg_sess_csrf(&T, sa, ta, sizeof(ta)) == 0);
	CHECK(tg_sess_csrf_check(&T, sa, ta, strlen(ta)) == 0);
	if (a == b || !(sb = look(p, b)))
		return;
	CHECK(tg_sess_csrf(&T, sb, tb, sizeof(tb)) == 0);
	CHECK(strcmp(ta, tb) != 0);
	CHECK(tg_sess_csrf_check(&T, sa, tb, strlen(tb)) == -1);
}

static struct mname *name_model(struct prog *p, const char *name)
{
	int i;

	for (i = 0; i < p->nnames; i++)
		if (strcmp(p->names[i].name, name) == 0)
			return &p->names[i];
	if (p->nnames == NNAMES) {
		p->exact = 0; /* eviction may start: stop modelling */
		return NULL;
	}
	memset(&p->names[p->nnames], 0, sizeof(p->names[0]));
	memcpy(p->names[p->nnames].name, name, strlen(name) + 1);
	return &p->names[p->nnames++];
}

static void op_rl(struct prog *p)
{
	static const char *addrs[4] = { "192.0.2.1", "192.0.2.2", "2001:db8:1::/64", "" };
	char addr[20], user[20];
	int64_t wait = -1;
	struct mname *mn;
	int b = next(p), ok, r, i;
	size_t len;

	if (b & 1) {
		/* a name from the input (up to 16 bytes, any but NUL) */
		len = (size_t)next(p) % 17;
		for (i = 0; i < (int)len; i++)
			user[i] = (char)(next(p) | 1);
		user[len] = '\0';
	} else {
		memcpy(user, user_names[next(p) % NUSERS], sizeof(user_names[0]));
	}
	if (b & 2) {
		int x = next(p), y = next(p);
		snprintf(addr, sizeof(addr), "10.0.%d.%d", x, y);
	} else
		snprintf(addr, sizeof(addr), "%s", addrs[next(p) % 4]);
	ok = (b >> 2) & 1;

	mn = p->exact ? name_model(p, user) : NULL;
	r = tg_rl_check(&RL, addr, user, p->now, &wait);
	CHECK(r == 0 || r == 1);
	CHECK(r == 0 ? wait == 0 : wait >= 1 && wait <= TG_RL_LOCK_MAX);
	if (mn && mn->locked_until > p->now) {
		CHECK(r == 1 && wait >= mn->locked_until - p->now);
	} else if (mn && r == 1) {
		CHECK(wait <= TG_RL_REFILL); /* only the source can refuse */
	}
	if (r != 0)
		return;
	tg_rl_result(&RL, addr, user, ok, p->now);
	if (!mn)
		return;
	if (ok) {
		mn->fails = 0;
		mn->locked_until = 0;
	} else if (++mn->fails >= TG_RL_FREE_FAILS) {
		int64_t lock = TG_RL_LOCK_BASE;
		for (i = TG_RL_FREE_FAILS; i < (int)mn->fails && lock < TG_RL_LOCK_MAX; i++)
			lock *= 2;
		mn->locked_until = p->now + (lock < TG_RL_LOCK_MAX ? lock : TG_RL_LOCK_MAX);
	}
	if (mn)
		CHECK(tg_rl_locked_for(&RL, user, p->now) ==
		      (mn->locked_until > p->now ? mn->locked_until - p->now : 0));
}

static void invariants(void)
{
	int i, total = 0, per_user[NUSERS] = { 0 };
	long u;

	for (i = 0; i < TG_SESS_MAX; i++) {
		const struct tg_sess *s = &T.s[i];
		if (!s->used)
			continue;
		total++;
		CHECK(s->role >= TG_ROLE_VIEWER && s->role <= TG_ROLE_ADMIN);
		CHECK(memchr(s->user, '\0', sizeof(s->user)) && s->user[0] == 'u');
		CHECK(s->created <= s->last_seen);
		u = strtol(s->user + 1, NULL, 10); /* the users are user_names[]: "u0".."u19" */
		CHECK(u >= 0 && u < NUSERS);
		CHECK(++per_user[u] <= TG_SESS_PER_USER);
	}
	CHECK(total == tg_sess_count(&T) && total <= TG_SESS_MAX);
}

static void program_case(const uint8_t *d, size_t n)
{
	static struct prog p;
	struct mcookie *m;
	int u, ops = 0;

	if (!user_names[0][0])
		for (u = 0; u < NUSERS; u++)
			snprintf(user_names[u], sizeof(user_names[u]), "u%d", u);
	memset(&p, 0, sizeof(p));
	p.d = d;
	p.n = n;
	p.now = 1000;
	p.exact = 1;
	table_init();
	tg_rl_init(&RL);

	/* 512 operations fill the table several times over; longer programs only run slower */
	while (p.pos < p.n && ops++ < 512) {
		switch (next(&p) % 9) {
		case 0:
			op_create(&p);
			break;
		case 1:
			if ((m = pick(&p)))
				(void)look(&p, m);
			break;
		case 2:
			op_lookup_bytes(&p);
			break;
		case 3:
			if ((m = pick(&p))) {
				if (tg_sess_destroy(&T, m->c, strlen(m->c)) == 0)
					CHECK(!m->dead);
				m->dead = 1;
				CHECK(tg_sess_lookup(&T, m->c, strlen(m->c), p.now, NULL) == -1);
			}
			break;
		case 4:
			u = next(&p) % NUSERS;
			(void)tg_sess_destroy_user(&T, user_names[u]);
			for (int i = 0; i < NCOOKIES; i++)
				if (p.mc[i].user == u)
					p.mc[i].dead = 1;
			CHECK(tg_sess_user_count(&T, user_names[u]) == 0);
			break;
		case 5:
			op_promote(&p);
			break;
		case 6:
			p.now += next(&p) * 8; /* up to 34 min: idle and pending timeouts come in reach */
			break;
		case 7:
			op_csrf(&p);
			break;
		default:
			op_rl(&p);
			break;
		}
		invariants();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	if (data[0] & 1)
		program_case(data + 1, size - 1);
	else
		bytes_case(data + 1, size - 1);
	return 0;
}
