/*
 * session.c - the web console's login sessions, CSRF tokens and roles
 * (see session.h for the decisions and the reasons).
 *
 * Everything that touches an id or a token runs in time independent of
 * its value: the base64url coding below uses arithmetic instead of table
 * look-ups (no secret-dependent memory access), the lookup compares the
 * hash with every entry and selects the match with masks, and the CSRF
 * check is tg_ct_eq.  Decoded ids, their hashes and HMAC states are wiped
 * before return.  What is not secret (lengths, which entry is free, user
 * names, times) is handled plainly.
 */
#include "consoled/session.h"

#include <bearssl_hash.h>
#include <bearssl_hmac.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "ct.h"

_Static_assert(TG_SESS_COOKIE_LEN == (TG_SESS_ID_LEN * 8 + 5) / 6, "cookie is base64url(id)");
_Static_assert(TG_SESS_CSRF_LEN == (32 * 8 + 5) / 6, "token is base64url(HMAC-SHA256)");

/* ---- base64url (RFC 4648 section 5), no padding, constant time ---- */

/* 1 if v > k, else 0 (v, k < 2^31), without a branch */
static uint32_t ct_gt(uint32_t v, uint32_t k)
{
	return (k - v) >> 31;
}

/* 1 if lo <= c <= hi, else 0 (all < 2^31) */
static uint32_t ct_in(uint32_t c, uint32_t lo, uint32_t hi)
{
	return (((c - lo) | (hi - c)) >> 31) ^ 1;
}

static char b64u_char(uint32_t v)
{
	/* 'A'..'Z', 'a'..'z', '0'..'9', '-', '_' by adding the gap at each boundary */
	int c = 'A' + (int)v;

	c += (int)ct_gt(v, 25) * ('a' - 'A' - 26);
	c += (int)ct_gt(v, 51) * ('0' - 'a' - 26);
	c += (int)ct_gt(v, 61) * ('-' - '0' - 10);
	c += (int)ct_gt(v, 62) * ('_' - '-' - 1);
	return (char)c;
}

/* value of c in *v; returns 1 if c is in the alphabet, else 0 (*v is 0) */
static uint32_t b64u_val(unsigned char ch, uint32_t *v)
{
	uint32_t c = ch;
	uint32_t up = ct_in(c, 'A', 'Z'), lo = ct_in(c, 'a', 'z'), dg = ct_in(c, '0', '9');
	uint32_t mi = ct_in(c, '-', '-'), us = ct_in(c, '_', '_');

	*v = ((0u - up) & (c - 'A')) | ((0u - lo) & (c - 'a' + 26)) | ((0u - dg) & (c - '0' + 52)) |
	     ((0u - mi) & 62u) | ((0u - us) & 63u);
	return up | lo | dg | mi | us;
}

/* n bytes to ceil(8n/6) characters, then a NUL */
static void b64u_encode(const uint8_t *in, size_t n, char *out)
{
	uint32_t acc = 0;
	unsigned bits = 0;
	size_t i, o = 0;

	for (i = 0; i < n; i++) {
		acc = (acc << 8) | in[i];
		bits += 8;
		while (bits >= 6) {
			bits -= 6;
			out[o++] = b64u_char((acc >> bits) & 63);
		}
		acc &= (1u << bits) - 1;
	}
	if (bits)
		out[o++] = b64u_char((acc << (6 - bits)) & 63);
	out[o] = '\0';
	acc = 0;
	__asm__ __volatile__("" : "+r"(acc));
}

/*
 * Exactly ceil(8n/6) characters to n bytes: 0, or -1 for a wrong length,
 * a character outside the alphabet, or non-zero unused bits in the last
 * character (a second spelling of the same bytes).  Every character is
 * looked at whatever the outcome.
 */
static int b64u_decode(const char *in, size_t len, uint8_t *out, size_t n)
{
	uint32_t acc = 0, ok = 1, v;
	unsigned bits = 0;
	size_t i, o = 0;

	if (len != (n * 8 + 5) / 6)
		return -1;
	for (i = 0; i < len; i++) {
		ok &= b64u_val((unsigned char)in[i], &v);
		acc = (acc << 6) | v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (uint8_t)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	ok &= (uint32_t)(acc == 0);
	acc = 0;
	__asm__ __volatile__("" : "+r"(acc));
	return ok ? 0 : -1;
}

/* ---- helpers ---- */

/* now - then in seconds, 0 if now is not after then; never overflows */
static uint64_t since(int64_t now, int64_t then)
{
	return now > then ? (uint64_t)now - (uint64_t)then : 0;
}

/* printable ASCII without space, 1..max bytes */
static int valid_word(const char *s, size_t max)
{
	size_t i;

	if (!s)
		return 0;
	for (i = 0; s[i]; i++)
		if (i >= max || (unsigned char)s[i] < 0x21 || (unsigned char)s[i] > 0x7e)
			return 0;
	return i > 0;
}

static int valid_role(int role)
{
	return role >= TG_ROLE_VIEWER && role <= TG_ROLE_ADMIN;
}

static void sha256(const void *p, size_t n, uint8_t out[32])
{
	br_sha256_context c;

	br_sha256_init(&c);
	br_sha256_update(&c, p, n);
	br_sha256_out(&c, out);
	tg_wipe(&c, sizeof(c));
}

static void wipe_entry(struct tg_sess *e)
{
	tg_wipe(e, sizeof(*e));
}

static int expired(const struct tg_sess_table *t, const struct tg_sess *e, int64_t now)
{
	uint64_t life = e->totp_pending ? TG_SESS_PENDING : (uint64_t)t->abs_s;

	return since(now, e->last_seen) >= (uint64_t)t->idle_s || since(now, e->created) >= life;
}

/*
 * Index of the live entry whose id hash is h, or -1.  Compares with all
 * TG_SESS_MAX entries and picks the match with masks: the time does not
 * depend on which entry (if any) matched.
 */
static int find_hash(const struct tg_sess_table *t, const uint8_t h[32])
{
	uint32_t found = 0, idx = 0, m;
	int i;

	for (i = 0; i < TG_SESS_MAX; i++) {
		m = (uint32_t)tg_ct_eq(h, t->s[i].id_hash, 32) & (uint32_t)(t->s[i].used != 0);
		m = 0u - m;
		idx = (idx & ~m) | ((uint32_t)i & m);
		found |= m;
	}
	return found ? (int)idx : -1;
}

/* Index of the live, unexpired session of the cookie, or -1 (expired ones wiped). */
static int find_cookie(struct tg_sess_table *t, const char *cookie, size_t len, int64_t now)
{
	uint8_t id[TG_SESS_ID_LEN], h[32];
	int i = -1;

	if (!t || !cookie)
		return -1;
	tg_sess_expire(t, now);
	if (b64u_decode(cookie, len, id, sizeof(id)) == 0) {
		sha256(id, sizeof(id), h);
		i = find_hash(t, h);
	}
	tg_wipe(id, sizeof(id));
	tg_wipe(h, sizeof(h));
	return i;
}

/* Same as find_cookie without expiry (destroy works on any entry). */
static int find_cookie_any(const struct tg_sess_table *t, const char *cookie, size_t len)
{
	uint8_t id[TG_SESS_ID_LEN], h[32];
	int i = -1;

	if (!t || !cookie)
		return -1;
	if (b64u_decode(cookie, len, id, sizeof(id)) == 0) {
		sha256(id, sizeof(id), h);
		i = find_hash(t, h);
	}
	tg_wipe(id, sizeof(id));
	tg_wipe(h, sizeof(h));
	return i;
}

/* a before b in eviction order: older last_seen, then older created, then lower index */
static int lru_before(const struct tg_sess *a, const struct tg_sess *b)
{
	if (a->last_seen != b->last_seen)
		return a->last_seen < b->last_seen;
	return a->created < b->created;
}

/* ---- table ---- */

void tg_sess_init(struct tg_sess_table *t, const uint8_t key[TG_SESS_KEY_LEN])
{
	memset(t, 0, sizeof(*t));
	memcpy(t->key, key, TG_SESS_KEY_LEN);
	t->idle_s = TG_SESS_IDLE;
	t->abs_s = TG_SESS_ABS;
}

void tg_sess_set_timeouts(struct tg_sess_table *t, int64_t idle_s, int64_t abs_s)
{
	if (idle_s > 0)
		t->idle_s = idle_s;
	if (abs_s > 0)
		t->abs_s = abs_s;
}

void tg_sess_wipe(struct tg_sess_table *t)
{
	tg_wipe(t, sizeof(*t));
}

int tg_sess_expire(struct tg_sess_table *t, int64_t now)
{
	int i, n = 0;

	for (i = 0; i < TG_SESS_MAX; i++)
		if (t->s[i].used && expired(t, &t->s[i], now)) {
			wipe_entry(&t->s[i]);
			n++;
		}
	return n;
}

int tg_sess_count(const struct tg_sess_table *t)
{
	int i, n = 0;

	for (i = 0; i < TG_SESS_MAX; i++)
		n += t->s[i].used != 0;
	return n;
}

int tg_sess_user_count(const struct tg_sess_table *t, const char *user)
{
	int i, n = 0;

	if (!user)
		return 0;
	for (i = 0; i < TG_SESS_MAX; i++)
		n += t->s[i].used && strcmp(t->s[i].user, user) == 0;
	return n;
}

int tg_sess_create(struct tg_sess_table *t, const uint8_t rnd[TG_SESS_ID_LEN], const char *user,
		   int role, int totp_pending, const char *addr, int64_t now, char *cookie_out,
		   size_t cap)
{
	struct tg_sess *e = NULL;
	uint8_t h[32];
	int i, mine = 0, oldest = -1, victim = -1;

	if (!t || !rnd || !cookie_out || cap < TG_SESS_COOKIE_SIZE ||
	    !valid_word(user, TG_SESS_USER_MAX) || !valid_role(role) ||
	    (addr && !valid_word(addr, TG_SESS_ADDR_MAX)))
		return -1;
	sha256(rnd, TG_SESS_ID_LEN, h);
	if (find_hash(t, h) >= 0) {
		tg_wipe(h, sizeof(h));
		return -1;
	}
	tg_sess_expire(t, now);

	/* the user's own cap first: their oldest login goes, not someone else's */
	for (i = 0; i < TG_SESS_MAX; i++) {
		if (!t->s[i].used || strcmp(t->s[i].user, user) != 0)
			continue;
		mine++;
		if (oldest < 0 || t->s[i].created < t->s[oldest].created ||
		    (t->s[i].created == t->s[oldest].created &&
		     t->s[i].last_seen < t->s[oldest].last_seen))
			oldest = i;
	}
	if (mine >= TG_SESS_PER_USER)
		wipe_entry(&t->s[oldest]);

	for (i = 0; i < TG_SESS_MAX && !e; i++)
		if (!t->s[i].used)
			e = &t->s[i];
	if (!e) {
		/* full: a session still waiting for its second factor goes first */
		for (i = 0; i < TG_SESS_MAX; i++) {
			const struct tg_sess *c = &t->s[i], *v = victim >= 0 ? &t->s[victim] : NULL;
			if (!v || (c->totp_pending && !v->totp_pending) ||
			    (c->totp_pending == v->totp_pending && lru_before(c, v)))
				victim = i;
		}
		e = &t->s[victim];
		wipe_entry(e);
	}

	memcpy(e->id_hash, h, sizeof(h));
	tg_wipe(h, sizeof(h));
	snprintf(e->user, sizeof(e->user), "%s", user);
	snprintf(e->addr, sizeof(e->addr), "%s", addr ? addr : "-");
	e->role = role;
	e->totp_pending = totp_pending != 0;
	e->created = now;
	e->last_seen = now;
	e->used = 1;
	b64u_encode(rnd, TG_SESS_ID_LEN, cookie_out);
	return 0;
}

int tg_sess_lookup(struct tg_sess_table *t, const char *cookie, size_t len, int64_t now,
		   const struct tg_sess **out)
{
	int i;

	if (out)
		*out = NULL;
	i = find_cookie(t, cookie, len, now);
	if (i < 0)
		return -1;
	if (now > t->s[i].last_seen)
		t->s[i].last_seen = now;
	if (out)
		*out = &t->s[i];
	return 0;
}

int tg_sess_destroy(struct tg_sess_table *t, const char *cookie, size_t len)
{
	int i = find_cookie_any(t, cookie, len);

	if (i < 0)
		return -1;
	wipe_entry(&t->s[i]);
	return 0;
}

int tg_sess_destroy_user(struct tg_sess_table *t, const char *user)
{
	int i, n = 0;

	if (!t || !user)
		return 0;
	for (i = 0; i < TG_SESS_MAX; i++)
		if (t->s[i].used && strcmp(t->s[i].user, user) == 0) {
			wipe_entry(&t->s[i]);
			n++;
		}
	return n;
}

int tg_sess_promote(struct tg_sess_table *t, const char *cookie, size_t len,
		    const uint8_t rnd[TG_SESS_ID_LEN], int64_t now, char *cookie_out, size_t cap)
{
	uint8_t h[32];
	int i;

	if (!rnd || !cookie_out || cap < TG_SESS_COOKIE_SIZE)
		return -1;
	i = find_cookie(t, cookie, len, now);
	if (i < 0)
		return -1;
	sha256(rnd, TG_SESS_ID_LEN, h);
	if (find_hash(t, h) >= 0) {
		tg_wipe(h, sizeof(h));
		return -1;
	}
	memcpy(t->s[i].id_hash, h, sizeof(h));
	tg_wipe(h, sizeof(h));
	t->s[i].totp_pending = 0;
	if (now > t->s[i].last_seen)
		t->s[i].last_seen = now;
	b64u_encode(rnd, TG_SESS_ID_LEN, cookie_out);
	return 0;
}

/* ---- CSRF ---- */

static void csrf_token(const struct tg_sess_table *t, const struct tg_sess *s,
		       char out[TG_SESS_CSRF_SIZE])
{
	br_hmac_key_context kc;
	br_hmac_context hc;
	uint8_t mac[32];

	br_hmac_key_init(&kc, &br_sha256_vtable, t->key, sizeof(t->key));
	br_hmac_init(&hc, &kc, 0);
	br_hmac_update(&hc, "csrf", 4);
	br_hmac_update(&hc, s->id_hash, sizeof(s->id_hash));
	br_hmac_out(&hc, mac);
	b64u_encode(mac, sizeof(mac), out);
	tg_wipe(&kc, sizeof(kc));
	tg_wipe(&hc, sizeof(hc));
	tg_wipe(mac, sizeof(mac));
}

int tg_sess_csrf(const struct tg_sess_table *t, const struct tg_sess *s, char *out, size_t cap)
{
	if (!out || cap < TG_SESS_CSRF_SIZE) {
		if (out && cap)
			out[0] = '\0';
		return -1;
	}
	if (!t || !s || !s->used) {
		out[0] = '\0';
		return -1;
	}
	csrf_token(t, s, out);
	return 0;
}

int tg_sess_csrf_check(const struct tg_sess_table *t, const struct tg_sess *s, const char *token,
		       size_t len)
{
	char want[TG_SESS_CSRF_SIZE];
	int eq;

	/* the length is public (every token has it); the content is compared in constant time */
	if (!t || !s || !s->used || !token || len != TG_SESS_CSRF_LEN)
		return -1;
	csrf_token(t, s, want);
	eq = tg_ct_eq(want, token, TG_SESS_CSRF_LEN);
	tg_wipe(want, sizeof(want));
	return eq ? 0 : -1;
}

/* ---- roles ---- */

int tg_role_allows(int role, int needed)
{
	return valid_role(role) && valid_role(needed) && role >= needed;
}

int tg_sess_allows(const struct tg_sess *s, int needed)
{
	return s && s->used && !s->totp_pending && tg_role_allows(s->role, needed);
}

static const char *const role_names[] = {
	[TG_ROLE_VIEWER] = "viewer",
	[TG_ROLE_OPERATOR] = "operator",
	[TG_ROLE_ADMIN] = "admin",
};

const char *tg_role_name(int role)
{
	return valid_role(role) ? role_names[role] : "unknown";
}

int tg_role_parse(const char *name)
{
	int r;

	if (!name)
		return -1;
	for (r = TG_ROLE_VIEWER; r <= TG_ROLE_ADMIN; r++)
		if (strcmp(name, role_names[r]) == 0)
			return r;
	return -1;
}

/* ---- Set-Cookie ---- */

int tg_sess_cookie_header(const char *cookie, int64_t max_age, char *out, size_t cap)
{
	uint8_t id[TG_SESS_ID_LEN];
	int n, bad;

	if (out && cap)
		out[0] = '\0';
	if (!out)
		return -1;
	if (!cookie) {
		n = snprintf(out, cap,
			     "Set-Cookie: " TG_SESS_COOKIE_NAME "=; Path=/; Secure; HttpOnly; "
			     "SameSite=Strict; Max-Age=0");
	} else {
		/* only a well-formed value goes into a header: nothing to inject */
		bad = b64u_decode(cookie, strnlen(cookie, TG_SESS_COOKIE_LEN + 1), id, sizeof(id));
		tg_wipe(id, sizeof(id));
		if (bad || max_age < 0)
			return -1;
		n = snprintf(out, cap,
			     "Set-Cookie: " TG_SESS_COOKIE_NAME "=%s; Path=/; Secure; HttpOnly; "
			     "SameSite=Strict; Max-Age=%" PRId64,
			     cookie, max_age);
	}
	if (n < 0 || (size_t)n >= cap) {
		if (cap)
			tg_wipe(out, cap);
		return -1;
	}
	return n;
}
