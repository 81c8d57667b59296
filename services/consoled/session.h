/*
 * session.h - the web console's login sessions, CSRF tokens and roles.
 *
 * Pure: a fixed table the caller owns, no allocation, no clock (callers
 * pass CLOCK_MONOTONIC seconds as `now`), no randomness of its own
 * (callers pass 32 random bytes from lib/rng.h).  The reference is the
 * OWASP Session Management Cheat Sheet; the decisions it asks for:
 *
 * Identifier: 32 random bytes (256 bits), sent as the cookie value in
 *   base64url without padding (43 characters; the last one carries 2 zero
 *   bits and anything else is refused, so one id has exactly one text).
 *   The table stores only SHA-256(id): a memory dump of the web role or a
 *   timing probe of the lookup reveals no live cookie.  Lookups compare
 *   the hash against every entry in constant time, without an early exit.
 *
 * Lifetime: idle timeout TG_SESS_IDLE (15 min since the last request),
 *   absolute timeout TG_SESS_ABS (8 h since the password was accepted).
 *   A session still waiting for its second factor (totp_pending) lives at
 *   most TG_SESS_PENDING (5 min): long enough to type a code, too short
 *   to park half-logged-in sessions.  Expired entries are wiped on every
 *   create, lookup and promote.  Logout destroys the entry (tg_sess_destroy); a
 *   password change or removal of a user destroys all of its sessions
 *   (tg_sess_destroy_user).
 *
 * Fixation: the second factor is a privilege change, so tg_sess_promote
 *   clears the pending flag and gives the session a new id; the cookie the
 *   browser held before no longer works.
 *
 * Capacity: TG_SESS_MAX entries.  A user holds at most TG_SESS_PER_USER;
 *   the next login of that user evicts its oldest session.  A full table
 *   evicts a session still waiting for its second factor first (least
 *   recently used), else the least recently used session.
 *
 * Source address: kept for the audit log only.  Sessions are not bound to
 *   it: behind NAT many users share one address (binding protects nothing
 *   there), and a browser behind a proxy pool or moving between networks
 *   would be logged out for no attack.  The cookie's own protection
 *   (Secure, HttpOnly, SameSite=Strict, TLS only) is what keeps it private.
 *
 * CSRF: a synchronizer token derived, not stored:
 *   token = base64url(HMAC-SHA256(server key, "csrf" || SHA-256(id))).
 *   It differs per session, changes with the id on promotion, and cannot
 *   be computed without the server key.  It is one layer of three: the
 *   daemon also refuses state-changing requests whose Origin is not its
 *   own or whose Sec-Fetch-Site is cross-site, and the cookie is
 *   SameSite=Strict (tg_sess_cookie_header), so a cross-site request does
 *   not carry it at all.
 *
 * Roles: viewer (1) < operator (2) < admin (3); a role allows what every
 * lower role allows.  A session whose second factor is pending is allowed
 * nothing (tg_sess_allows) but the TOTP step itself.
 */
#ifndef TG_CONSOLED_SESSION_H
#define TG_CONSOLED_SESSION_H

#include <stddef.h>
#include <stdint.h>

#define TG_SESS_MAX 64
#define TG_SESS_PER_USER 4
#define TG_SESS_IDLE (15 * 60)   /* seconds without a request */
#define TG_SESS_ABS (8 * 3600)   /* seconds since the password was accepted */
#define TG_SESS_PENDING (5 * 60) /* seconds to enter the second factor */

#define TG_SESS_ID_LEN 32
#define TG_SESS_KEY_LEN 32
#define TG_SESS_COOKIE_LEN 43 /* base64url(32 bytes), no padding */
#define TG_SESS_COOKIE_SIZE (TG_SESS_COOKIE_LEN + 1)
#define TG_SESS_CSRF_LEN 43 /* base64url(HMAC-SHA256) */
#define TG_SESS_CSRF_SIZE (TG_SESS_CSRF_LEN + 1)
#define TG_SESS_COOKIE_NAME "tg_session"
/* enough for tg_sess_cookie_header with any int64 Max-Age */
#define TG_SESS_HEADER_SIZE 160

#define TG_SESS_USER_MAX 32 /* bytes, printable ASCII without space */
#define TG_SESS_ADDR_MAX 63 /* bytes, printable ASCII without space */

enum tg_role {
	TG_ROLE_VIEWER = 1,   /* reads status and logs */
	TG_ROLE_OPERATOR = 2, /* changes time and network settings, runs updates */
	TG_ROLE_ADMIN = 3,    /* manages users */
};

struct tg_sess {
	uint8_t id_hash[32]; /* SHA-256 of the id; the id itself is never kept */
	char user[TG_SESS_USER_MAX + 1];
	char addr[TG_SESS_ADDR_MAX + 1]; /* for the audit log only */
	int role;                        /* enum tg_role */
	int totp_pending;                /* password ok, second factor still due */
	int64_t created;                 /* when the password was accepted */
	int64_t last_seen;               /* last successful lookup */
	int used;
};

struct tg_sess_table {
	uint8_t key[TG_SESS_KEY_LEN]; /* CSRF key, random per daemon start */
	int64_t idle_s, abs_s;        /* timeouts: TG_SESS_IDLE, TG_SESS_ABS unless set */
	struct tg_sess s[TG_SESS_MAX];
};

/* Empty table with the server key (32 random bytes, copied). */
void tg_sess_init(struct tg_sess_table *t, const uint8_t key[TG_SESS_KEY_LEN]);
/* The idle and absolute timeouts (seconds; 0 keeps the current one). */
void tg_sess_set_timeouts(struct tg_sess_table *t, int64_t idle_s, int64_t abs_s);
/* Wipe the key and every entry (daemon exit). */
void tg_sess_wipe(struct tg_sess_table *t);

/*
 * A new session for user (1..TG_SESS_USER_MAX bytes, 0x21..0x7e) with
 * role (enum tg_role) from source addr (NULL or up to TG_SESS_ADDR_MAX
 * bytes, 0x21..0x7e; NULL is stored as "-"), its id rnd.  Writes the
 * cookie value, TG_SESS_COOKIE_LEN characters and a NUL, to cookie_out
 * (cap >= TG_SESS_COOKIE_SIZE).  Returns 0, or -1 for an invalid argument
 * or an rnd equal to a live session's (a broken random source; nothing
 * is changed then).
 */
int tg_sess_create(struct tg_sess_table *t, const uint8_t rnd[TG_SESS_ID_LEN], const char *user,
		   int role, int totp_pending, const char *addr, int64_t now, char *cookie_out,
		   size_t cap);

/*
 * The live session whose id the cookie value (cookie[0..len), exactly
 * TG_SESS_COOKIE_LEN base64url characters) encodes.  Returns 0 with *out
 * pointing into the table and last_seen set to now, or -1 with *out NULL
 * (malformed, unknown or expired: expired entries are wiped).
 */
int tg_sess_lookup(struct tg_sess_table *t, const char *cookie, size_t len, int64_t now,
		   const struct tg_sess **out);

/* Logout: wipe the session of this cookie.  0, or -1 if none. */
int tg_sess_destroy(struct tg_sess_table *t, const char *cookie, size_t len);
/* Wipe every session of user; returns how many. */
int tg_sess_destroy_user(struct tg_sess_table *t, const char *user);

/*
 * Second factor done: the live session of cookie gets the id rnd and its
 * pending flag cleared; the new cookie value goes to cookie_out (cap >=
 * TG_SESS_COOKIE_SIZE).  created is kept (the absolute timeout counts
 * from the password step).  0, or -1 (no live session, bad arguments, rnd
 * equal to a live session's) with nothing changed.
 */
int tg_sess_promote(struct tg_sess_table *t, const char *cookie, size_t len,
		    const uint8_t rnd[TG_SESS_ID_LEN], int64_t now, char *cookie_out, size_t cap);

/* Wipe expired sessions; returns how many.  (Every call above does it.) */
int tg_sess_expire(struct tg_sess_table *t, int64_t now);
int tg_sess_count(const struct tg_sess_table *t);
int tg_sess_user_count(const struct tg_sess_table *t, const char *user);

/*
 * CSRF token of session s (from tg_sess_lookup on t): TG_SESS_CSRF_LEN
 * characters and a NUL into out (cap >= TG_SESS_CSRF_SIZE).  0 or -1.
 */
int tg_sess_csrf(const struct tg_sess_table *t, const struct tg_sess *s, char *out, size_t cap);
/* 0 if token[0..len) is s's CSRF token (constant-time compare), else -1. */
int tg_sess_csrf_check(const struct tg_sess_table *t, const struct tg_sess *s, const char *token,
		       size_t len);

/* 1 if role may do what needs role `needed` (both valid roles), else 0. */
int tg_role_allows(int role, int needed);
/* tg_role_allows for a session: 0 while its second factor is pending. */
int tg_sess_allows(const struct tg_sess *s, int needed);
/* "viewer", "operator", "admin"; "unknown" for anything else. */
const char *tg_role_name(int role);
/* Exact lower-case name to enum tg_role; -1 if not a role. */
int tg_role_parse(const char *name);

/*
 * The header line (no CRLF) that sets the cookie:
 *   Set-Cookie: tg_session=COOKIE; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=N
 * or, with cookie NULL, the one that clears it at logout (empty value,
 * Max-Age=0; max_age is ignored).  cookie must be a well-formed value
 * (TG_SESS_COOKIE_LEN base64url characters), max_age >= 0.  Returns the
 * length written (a NUL follows), or -1 (bad argument or cap too small;
 * out is then "" if cap > 0).
 */
int tg_sess_cookie_header(const char *cookie, int64_t max_age, char *out, size_t cap);

#endif
