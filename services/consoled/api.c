/*
 * api.c - consoled's main role answering the web role's API requests:
 * who is asking (session, CSRF, origin, role), the account routes (setup,
 * login, second factor, logout, users, password, TOTP), the audit log and
 * its records, and the authorization in front of status.c and update.c.
 *
 * Every request is decided from the bytes web passed (consoled_ipc.h), in
 * this order, before any route runs:
 *
 *   0. Sec-Fetch-Site cross-site is refused on every route but GET
 *      /metrics (a scraper is no browser; a browser's cross-site request
 *      to the API is never ours).
 *   1. State-changing methods (POST, PUT, DELETE): Sec-Fetch-Site
 *      same-site is refused too, and an Origin that is present must be
 *      exactly "https://" + Host.
 *   2. The session of the tg_session cookie, if any.  The role is taken
 *      from the users table, not from the session: a session whose user
 *      is gone is no session.
 *   3. The route's role: 401 without a session, 403 "needs role X" when
 *      the role is too low.  A session waiting for its second factor is
 *      good for POST /api/login/totp and /api/logout only.
 *   4. State-changing routes but login, setup and login/totp: the
 *      X-CSRF-Token must be the session's token.
 *
 * Passwords are checked only after the rate limiter (ratelimit.h) allowed
 * the attempt, for logins, second factors, the setup code, password
 * changes and TOTP removal.  An unknown user name is checked against a
 * dummy hash of the configured cost, so the answer time does not say
 * which names exist; the answer text does not either.
 *
 * Nothing secret leaves here: no password, hash, session id, CSRF token
 * (but in the session answer to its own holder), TOTP secret (but in the
 * enrolment answer) or setup code is logged, audited or put in an error.
 * Buffers that held one are wiped.
 *
 * Audit records (lib/audit.h) are appended with fsync before the answer
 * goes out.  Refused logins (rate limiter) are recorded at most once a
 * minute per source, so an attacker hammering the form cannot fill the
 * disk with fsynced records; the record counts what was left out.
 */
#include "consoled/consoled.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <bearssl_hash.h>

#include "ct.h"
#include "fileio.h"
#include "json.h"
#include "log.h"
#include "passwd.h"
#include "totp.h"

#define AUDIT_LIMIT_DEFAULT 100
#define AUDIT_LIMIT_MAX     1000
#define AUDIT_READ_MAX      (8u << 20) /* largest audit log /api/audit reads (static) */
#define TOTP_ENROL_S        600         /* a TOTP enrolment waits this long for its confirmation */
#define TOTP_ISSUER         "Timegate"
#define PW_BUF              256       /* passwords as typed; the policy allows 128 bytes */
#define SETUP_ACCOUNT       "-setup-" /* the rate limiter's account for setup codes */
#define LOCK_AUDIT_S        60        /* one login.locked record a minute per source */
#define LOCK_AUDIT_SLOTS    16
#define METRICS_TOKEN_LEN   32 /* random bytes; the token is their hex */
#define PATH_BUF            320

/* ---- the request being answered ---- */

enum need {
	NEED_NONE,    /* anyone (the route decides) */
	NEED_PENDING, /* a session waiting for its second factor */
	NEED_SESSION, /* any session, pending or not */
	NEED_VIEWER,  /* TG_ROLE_* from here */
	NEED_OPERATOR,
	NEED_ADMIN,
	NEED_METRICS, /* a viewer session or the metrics token (the route checks) */
};

struct ctx {
	struct cd_main *m;
	const struct cd_msg_req *rq;
	struct cd_out *o;
	struct cd_who who;
	struct cd_user *u; /* the session's user, NULL without a session */
	int pending;       /* the session waits for its second factor */
	int64_t mono;
	size_t cookie_len;
	char addr[CD_ADDR_MAX]; /* the peer, "" if web sent none or garbage */
	char src[64];           /* the rate limiter's name of the source */
	const char *body;
	size_t body_len;
};

struct route {
	int method; /* enum cd_method; HEAD is routed as GET */
	const char *path;
	int prefix; /* path is a prefix: the rest names the object */
	int need;   /* enum need */
	int csrf;   /* X-CSRF-Token required */
	void (*fn)(struct ctx *c);
};

/* ---- state kept here (one daemon, one cd_main) ---- */

/* TOTP enrolments between begin and confirm, per user, in memory only */
static struct enrol {
	int used;
	char user[CD_USER_LEN];
	uint8_t key[TG_TOTP_KEY_LEN];
	int64_t made;
} enrols[CD_USERS_MAX];

/* when a refused login from each source was last audited */
static struct lock_seen {
	char src[64];
	int64_t t;
	unsigned skipped;
	int used;
} lock_seen[LOCK_AUDIT_SLOTS];

/* ---- answers ---- */

static void out_reset(struct cd_out *o)
{
	o->status = 0;
	o->kind = CD_KIND_JSON;
	o->retry_after = 0;
	o->set_cookie[0] = '\0';
	o->filename[0] = '\0';
	o->len = 0;
}

void cd_out_error(struct cd_out *o, int status, const char *msg)
{
	struct tg_json j;

	tg_json_init(&j, o->body, o->body ? CD_OUT_MAX : 0);
	tg_json_obj(&j, NULL);
	tg_json_str(&j, "error", msg);
	tg_json_obj_end(&j);
	o->status = status;
	o->kind = CD_KIND_JSON;
	o->filename[0] = '\0';
	o->len = tg_json_done(&j) == 0 ? j.len : 0;
}

__attribute__((format(printf, 3, 4))) static void fail(struct ctx *c, int status, const char *fmt,
                                                       ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cd_out_error(c->o, status, msg);
}

static void jbegin(struct ctx *c, struct tg_json *j)
{
	tg_json_init(j, c->o->body, CD_OUT_MAX);
	tg_json_obj(j, NULL);
}

/* close the top object and answer it; 0, or -1 (then a 500 went out) */
static int jfinish(struct ctx *c, struct tg_json *j, int status)
{
	tg_json_obj_end(j);
	if (tg_json_done(j) < 0) {
		tg_err("api: answer to %s did not fit in %d bytes", c->rq->path, CD_OUT_MAX);
		cd_out_error(c->o, 500, "the answer did not fit in the response buffer");
		return -1;
	}
	c->o->status = status;
	c->o->kind = CD_KIND_JSON;
	c->o->len = j->len;
	return 0;
}

static void answer_empty(struct ctx *c)
{
	struct tg_json j;

	jbegin(c, &j);
	jfinish(c, &j, 200);
}

/* the "error" or "message" of a JSON answer (status.c, update.c) for the audit record */
static void answer_text(const struct cd_out *o, char *out, size_t cap)
{
	out[0] = '\0';
	if (!o->body || o->len == 0 || o->kind != CD_KIND_JSON ||
	    tg_json_flat_check(o->body, o->len, NULL, 0) < 0)
		return;
	if (tg_json_get_str(o->body, o->len, "error", out, cap) < 0)
		tg_json_get_str(o->body, o->len, "message", out, cap);
}

/* ---- small helpers ---- */

/* dst (cap bytes) from a fixed field of web's message that may lack its NUL */
static size_t copy_field(char *dst, size_t cap, const char *src, size_t srccap)
{
	size_t n = strnlen(src, srccap);

	if (n >= cap)
		n = cap - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
	return n;
}

static int printable_word(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x21 || (unsigned char)*s > 0x7e)
			return 0;
	return 1;
}

static void hex(const uint8_t *b, size_t n, char *out)
{
	static const char d[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = d[b[i] >> 4];
		out[2 * i + 1] = d[b[i] & 15];
	}
	out[2 * n] = '\0';
}

static int data_path(const struct cd_main *m, const char *name, char *out, size_t cap)
{
	int k = snprintf(out, cap, "%s/%s", m->conf.data_dir, name);

	return k > 0 && (size_t)k < cap ? 0 : -1;
}

/*
 * The rate limiter's name of a source: the IPv4 address, but an IPv6
 * address's /64 (one host usually holds a whole /64); IPv4-mapped
 * addresses count as IPv4.
 */
static void rl_source(const char *addr, char *out, size_t cap)
{
	uint8_t a[16];
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

	if (inet_pton(AF_INET6, addr, a) == 1) {
		if (memcmp(a, mapped, sizeof(mapped)) == 0)
			snprintf(out, cap, "%u.%u.%u.%u", a[12], a[13], a[14], a[15]);
		else
			snprintf(out, cap, "%02x%02x:%02x%02x:%02x%02x:%02x%02x::/64", a[0], a[1],
			         a[2], a[3], a[4], a[5], a[6], a[7]);
	} else {
		snprintf(out, cap, "%s", addr[0] ? addr : "-");
	}
}

/* value of key in a raw query string: 1 found (out set), 0 absent, -1 too long */
static int query_get(const char *q, const char *key, char *out, size_t cap)
{
	size_t kl = strlen(key);

	while (*q) {
		const char *amp = strchr(q, '&');
		size_t n = amp ? (size_t)(amp - q) : strlen(q);

		if (n > kl && memcmp(q, key, kl) == 0 && q[kl] == '=') {
			if (n - kl - 1 >= cap)
				return -1;
			memcpy(out, q + kl + 1, n - kl - 1);
			out[n - kl - 1] = '\0';
			return 1;
		}
		q += n + (amp != NULL);
	}
	return 0;
}

/* ---- audit ---- */

static const char *const result_names[] = {
    [TG_AUDIT_OK] = "ok",
    [TG_AUDIT_FAIL] = "fail",
    [TG_AUDIT_REFUSED] = "refused",
};

static const char *const clock_names[] = {
    [TG_CLOCK_UNSYNC] = "unsync",     [TG_CLOCK_LOCKING] = "locking", [TG_CLOCK_LOCKED] = "locked",
    [TG_CLOCK_HOLDOVER] = "holdover", [TG_CLOCK_FAILED] = "failed",
};

static int state_from_name(const char *s)
{
	size_t i;

	for (i = 0; s && i < sizeof(clock_names) / sizeof(clock_names[0]); i++)
		if (strcmp(s, clock_names[i]) == 0)
			return (int)i;
	return TG_CLOCK_UNSYNC; /* "unavailable" and anything else: the time is not trusted */
}

void cd_audit(struct cd_main *m, const char *user, const char *addr, const char *action,
              const char *result, const char *detail)
{
	static char line[TG_AUDIT_LINE_MAX + 1];
	struct tg_audit_rec r;
	char err[200], d[TG_AUDIT_DETAIL_MAX + 1];
	uint8_t h[32];
	int64_t now = m->now_real ? m->now_real() : 0;
	int n, i;

	/* NULL, "" and "-" all mean none */
	if (!user || strcmp(user, "-") == 0)
		user = "";
	if (!addr || strcmp(addr, "-") == 0)
		addr = "";
	if (!detail)
		detail = "";
	memset(&r, 0, sizeof(r));
	r.seq = m->audit_next_seq ? m->audit_next_seq : 1;
	r.time = now < 0 ? 0 : now > TG_AUDIT_TIME_MAX ? TG_AUDIT_TIME_MAX : now;
	r.clock_state = (uint8_t)state_from_name(cd_clock_state_name(m));
	r.result = TG_AUDIT_FAIL;
	for (i = 0; i < 3; i++)
		if (result && strcmp(result, result_names[i]) == 0)
			r.result = (uint8_t)i;
	snprintf(r.action, sizeof(r.action), "%s", action ? action : "unknown");
	/* a user or address the format refuses goes into DETAIL, the record is kept */
	if ((!user[0] || cd_user_name_ok(user, strlen(user))) &&
	    strlen(addr) <= TG_AUDIT_ADDR_MAX) {
		snprintf(r.user, sizeof(r.user), "%s", user);
		snprintf(r.addr, sizeof(r.addr), "%s", addr);
		tg_audit_set_detail(&r, detail, strlen(detail));
		n = tg_audit_format(&r, m->audit_prev, line, sizeof(line), h, err, sizeof(err));
	} else {
		n = -1;
	}
	if (n < 0) {
		r.user[0] = r.addr[0] = '\0';
		snprintf(d, sizeof(d), "user=%s addr=%s %s", user, addr, detail);
		tg_audit_set_detail(&r, d, strlen(d));
		n = tg_audit_format(&r, m->audit_prev, line, sizeof(line), h, err, sizeof(err));
	}
	if (n < 0) {
		tg_err("audit: cannot format the %s record: %s", r.action, err);
		return;
	}
	tg_info("audit: %s %s user=%s addr=%s %s", r.action, result_names[r.result],
	        user[0] ? user : "-", addr[0] ? addr : "-", detail);
	if (m->audit_fd < 0) {
		tg_warn("audit: no audit log open, the %s record is not kept", r.action);
		return;
	}
	if (tg_audit_append(m->audit_fd, line, (size_t)n) < 0) {
		tg_err("audit: cannot append the %s record: %s", r.action, strerror(errno));
		return;
	}
	m->audit_next_seq = r.seq + 1;
	memcpy(m->audit_prev, h, sizeof(h));
}

static void audit(struct ctx *c, const char *user, const char *action, const char *result,
                  const char *detail)
{
	cd_audit(c->m, user, c->addr, action, result, detail);
}

/* A refused attempt (rate limiter): audited at most once a minute per source. */
static void audit_refused(struct ctx *c, const char *user, const char *action, int64_t wait)
{
	struct lock_seen *e = NULL, *old = &lock_seen[0];
	char d[120];
	int i;

	for (i = 0; i < LOCK_AUDIT_SLOTS; i++) {
		if (lock_seen[i].used && strcmp(lock_seen[i].src, c->src) == 0)
			e = &lock_seen[i];
		if (!lock_seen[i].used || (old->used && lock_seen[i].t < old->t))
			old = &lock_seen[i];
	}
	if (e && c->mono - e->t < LOCK_AUDIT_S && c->mono >= e->t) {
		e->skipped++;
		return;
	}
	if (!e) {
		e = old;
		memset(e, 0, sizeof(*e));
		snprintf(e->src, sizeof(e->src), "%s", c->src);
		e->used = 1;
	}
	snprintf(d, sizeof(d), "rate limited, retry after %" PRId64 " s; %u more refused before",
	         wait, e->skipped);
	e->t = c->mono;
	e->skipped = 0;
	audit(c, user, action, "refused", d);
}

/* ---- sessions ---- */

/* Set-Cookie for cookie (NULL: the one that clears it) */
static int set_cookie(struct ctx *c, const char *cookie, int64_t max_age)
{
	char h[TG_SESS_HEADER_SIZE];
	static const char pre[] = "Set-Cookie: ";
	int n = tg_sess_cookie_header(cookie, max_age, h, sizeof(h));

	if (n < 0 || strncmp(h, pre, sizeof(pre) - 1) != 0 ||
	    (size_t)n - (sizeof(pre) - 1) >= sizeof(c->o->set_cookie)) {
		tg_wipe(h, sizeof(h));
		return -1;
	}
	memcpy(c->o->set_cookie, h + sizeof(pre) - 1, (size_t)n - (sizeof(pre) - 1) + 1);
	tg_wipe(h, sizeof(h));
	return 0;
}

/* A new session for u; its Set-Cookie goes into the answer.  NULL: 500 answered. */
static const struct tg_sess *new_session(struct ctx *c, const struct cd_user *u, int pending)
{
	uint8_t rnd[TG_SESS_ID_LEN];
	char cookie[TG_SESS_COOKIE_SIZE];
	const struct tg_sess *s = NULL;
	int rc;

	cd_random(c->m, rnd, sizeof(rnd));
	rc = tg_sess_create(&c->m->sessions, rnd, u->name, u->role, pending,
	                    c->addr[0] ? c->addr : NULL, c->mono, cookie, sizeof(cookie));
	tg_wipe(rnd, sizeof(rnd));
	if (rc == 0)
		rc = tg_sess_lookup(&c->m->sessions, cookie, TG_SESS_COOKIE_LEN, c->mono, &s);
	if (rc == 0)
		rc = set_cookie(c, cookie, pending ? TG_SESS_PENDING : c->m->sessions.abs_s);
	tg_wipe(cookie, sizeof(cookie));
	if (rc < 0) {
		tg_err("api: cannot create a session for %s", u->name);
		cd_out_error(c->o, 500, "cannot create a session");
		return NULL;
	}
	return s;
}

/* {"user","role","csrf","totp"} of session s */
static void session_answer(struct ctx *c, const struct tg_sess *s)
{
	struct cd_user *u = cd_users_find(&c->m->users, s->user);
	char csrf[TG_SESS_CSRF_SIZE];
	struct tg_json j;

	if (!u || tg_sess_csrf(&c->m->sessions, s, csrf, sizeof(csrf)) < 0) {
		cd_out_error(c->o, 500, "cannot describe the session");
		return;
	}
	jbegin(c, &j);
	tg_json_str(&j, "user", u->name);
	tg_json_str(&j, "role", tg_role_name(u->role));
	tg_json_str(&j, "csrf", csrf);
	tg_json_bool(&j, "totp", u->totp[0] != '\0');
	jfinish(c, &j, 200);
	tg_wipe(csrf, sizeof(csrf));
}

/* ---- passwords ---- */

/*
 * A well-formed stored hash of the configured cost that no password
 * matches in practice, for unknown user names: the same PBKDF2 work as a
 * real check, so the answer time does not tell the name does not exist.
 */
static void dummy_hash(const struct cd_main *m, char *out, size_t cap)
{
	uint32_t it = m->conf.kdf_iterations;

	if (it < TG_PASSWD_ITER_MIN)
		it = TG_PASSWD_ITER_MIN;
	if (it > TG_PASSWD_ITER_MAX)
		it = TG_PASSWD_ITER_MAX;
	snprintf(out, cap, "%s%" PRIu32 "$%s$%s", TG_PASSWD_PREFIX, it, "AAAAAAAAAAAAAAAAAAAAAA",
	         "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
}

/* 1 the password is u's (u NULL: a dummy check, 0), else 0 */
static int check_password(struct ctx *c, const struct cd_user *u, const char *pw, size_t len)
{
	char dummy[TG_PASSWD_STR_BUF], err[160];
	int rc;

	if (!u) {
		dummy_hash(c->m, dummy, sizeof(dummy));
		(void)tg_passwd_verify(pw, len, dummy, strlen(dummy), err, sizeof(err));
		return 0;
	}
	rc = tg_passwd_verify(pw, len, u->pwhash, strlen(u->pwhash), err, sizeof(err));
	if (rc < 0)
		tg_err("api: the stored password hash of %s is refused: %s", u->name, err);
	return rc == 1;
}

/* A new stored hash for pw into out; 0, or -1 with a 500 answered. */
static int make_hash(struct ctx *c, const char *pw, size_t len, char *out, size_t cap)
{
	uint8_t salt[TG_PASSWD_SALT_LEN];
	int n;

	cd_random(c->m, salt, sizeof(salt));
	n = tg_passwd_hash(pw, len, salt, c->m->conf.kdf_iterations, out, cap);
	tg_wipe(salt, sizeof(salt));
	if (n < 0) {
		tg_err("api: cannot hash a password with kdf-iterations %" PRIu32
		       " (expected %u..%u)",
		       c->m->conf.kdf_iterations, TG_PASSWD_ITER_MIN, TG_PASSWD_ITER_MAX);
		cd_out_error(c->o, 500, "cannot hash the password (kdf-iterations out of range)");
		return -1;
	}
	return 0;
}

/* The rate limiter's verdict before a secret is checked: 0 go on, -1 429 answered. */
static int rl_allow(struct ctx *c, const char *account, const char *audit_user, const char *action)
{
	int64_t wait = 0;

	if (tg_rl_check(&c->m->rl, c->src, account, c->mono, &wait) == 0)
		return 0;
	if (wait < 1)
		wait = 1;
	audit_refused(c, audit_user, action, wait);
	fail(c, 429, "too many attempts: try again in %" PRId64 " s", wait);
	c->o->retry_after = wait > UINT32_MAX ? UINT32_MAX : (uint32_t)wait;
	return -1;
}

static int save_users(struct ctx *c)
{
	char path[PATH_BUF], err[300];

	if (data_path(c->m, "users", path, sizeof(path)) < 0 ||
	    cd_users_save(&c->m->users, path, err, sizeof(err)) < 0) {
		tg_err("api: cannot save the users: %s", err);
		cd_out_error(c->o, 500, "cannot write the users file");
		return -1;
	}
	return 0;
}

/* ---- request bodies ---- */

/* The body is a flat JSON object: 0, or -1 with 415/400 answered. */
static int body_ok(struct ctx *c)
{
	char err[200];

	if (!(c->rq->flags & CD_REQ_F_JSON)) {
		cd_out_error(c->o, 415, "expected Content-Type application/json");
		return -1;
	}
	if (tg_json_flat_check(c->body, c->body_len, err, sizeof(err)) < 0) {
		fail(c, 400, "request body: %s", err);
		return -1;
	}
	return 0;
}

/* A string member: its length, or -1 with 400 answered (absent, not a string, too long). */
static int get_str(struct ctx *c, const char *key, char *out, size_t cap)
{
	int n = tg_json_get_str(c->body, c->body_len, key, out, cap);

	if (n == -1)
		fail(c, 400, "request body: missing \"%s\"", key);
	else if (n < 0)
		fail(c, 400, "request body: \"%s\": expected a string of at most %zu bytes", key,
		     cap - 1);
	return n < 0 ? -1 : n;
}

static int six_digits(const char *s, size_t n)
{
	size_t i;

	if (n != TG_TOTP_DIGITS)
		return 0;
	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

/* ---- TOTP enrolments ---- */

static struct enrol *enrol_find(const char *user, int64_t now)
{
	int i;

	for (i = 0; i < CD_USERS_MAX; i++) {
		struct enrol *e = &enrols[i];

		if (e->used && (now - e->made > TOTP_ENROL_S || now < e->made))
			tg_wipe(e, sizeof(*e));
		if (e->used && strcmp(e->user, user) == 0)
			return e;
	}
	return NULL;
}

static struct enrol *enrol_new(const char *user, int64_t now)
{
	struct enrol *e = enrol_find(user, now), *old = NULL;
	int i;

	for (i = 0; !e && i < CD_USERS_MAX; i++) {
		if (!enrols[i].used)
			e = &enrols[i];
		else if (!old || enrols[i].made < old->made)
			old = &enrols[i];
	}
	if (!e)
		e = old;
	tg_wipe(e, sizeof(*e));
	snprintf(e->user, sizeof(e->user), "%s", user);
	e->made = now;
	e->used = 1;
	return e;
}

static void enrol_drop(const char *user, int64_t now)
{
	struct enrol *e = enrol_find(user, now);

	if (e)
		tg_wipe(e, sizeof(*e));
}

/* ---- routes: session ---- */

static void h_session(struct ctx *c)
{
	struct tg_json j;

	if (c->who.sess && !c->pending) {
		session_answer(c, c->who.sess);
		return;
	}
	jbegin(c, &j);
	tg_json_str(&j, "error", "not logged in");
	tg_json_bool(&j, "setup", cd_users_admins(&c->m->users) == 0);
	if (c->pending)
		tg_json_bool(&j, "totp_required", 1);
	jfinish(c, &j, 401);
}

/* the setup code as typed or stored: dashes and spaces dropped, upper case, zero padded */
static size_t code_norm(const char *s, char out[16])
{
	size_t n = 0;

	memset(out, 0, 16);
	for (; *s; s++) {
		char ch = *s;

		if (ch == '-' || ch == ' ')
			continue;
		if (ch >= 'a' && ch <= 'z')
			ch = (char)(ch - 'a' + 'A');
		if (n < 16)
			out[n] = ch;
		n++;
	}
	return n;
}

static int setup_code_ok(const char *stored, const char *typed)
{
	char a[16], b[16];
	size_t na = code_norm(stored, a), nb = code_norm(typed, b);
	int ok = tg_ct_eq(a, b, sizeof(a)) & (na == nb) & (na > 0) & (na <= 16);

	tg_wipe(a, sizeof(a));
	tg_wipe(b, sizeof(b));
	return ok;
}

static void h_setup(struct ctx *c)
{
	struct cd_main *m = c->m;
	char code[32], name[CD_USER_LEN], pw[PW_BUF], err[200];
	struct cd_user *u;
	const struct tg_sess *s;
	int ncode, nname, npw, ok;

	if (cd_users_admins(&m->users) > 0 || !m->setup_code[0]) {
		cd_out_error(c->o, 409, "the console is set up already");
		return;
	}
	if (body_ok(c) < 0 || (ncode = get_str(c, "code", code, sizeof(code))) < 0 ||
	    (nname = get_str(c, "user", name, sizeof(name))) < 0 ||
	    (npw = get_str(c, "password", pw, sizeof(pw))) < 0)
		goto out;
	if (rl_allow(c, SETUP_ACCOUNT, "", "setup") < 0)
		goto out;
	ok = setup_code_ok(m->setup_code, code);
	tg_rl_result(&m->rl, c->src, SETUP_ACCOUNT, ok, c->mono);
	if (!ok) {
		audit(c, "", "setup", "fail", "wrong setup code");
		cd_out_error(c->o, 403, "wrong setup code");
		goto out;
	}
	if (!cd_user_name_ok(name, (size_t)nname)) {
		cd_out_error(c->o, 400,
		             "user: expected a name of 1 to 31 characters a-z, 0-9, _ "
		             "or -, starting with a letter or _");
		goto out;
	}
	if (tg_passwd_policy(pw, (size_t)npw, name, err, sizeof(err)) < 0) {
		fail(c, 400, "%s", err);
		goto out;
	}
	u = cd_users_find(&m->users, name);
	if (u) {
		cd_out_error(c->o, 409, "a user of that name exists already");
		goto out;
	}
	if (m->users.n >= CD_USERS_MAX) {
		cd_out_error(c->o, 409, "the user table is full");
		goto out;
	}
	u = &m->users.u[m->users.n];
	memset(u, 0, sizeof(*u));
	snprintf(u->name, sizeof(u->name), "%s", name);
	u->role = TG_ROLE_ADMIN;
	u->totp_last_step = -1;
	if (make_hash(c, pw, (size_t)npw, u->pwhash, sizeof(u->pwhash)) < 0)
		goto undo;
	m->users.n++;
	if (save_users(c) < 0) {
		m->users.n--;
		goto undo;
	}
	tg_wipe(m->setup_code, sizeof(m->setup_code));
	audit(c, name, "setup", "ok", "first administrator created");
	if (c->cookie_len)
		tg_sess_destroy(&m->sessions, c->rq->cookie, c->cookie_len);
	s = new_session(c, u, 0);
	if (s)
		session_answer(c, s);
	goto out;
undo:
	tg_wipe(u, sizeof(*u));
out:
	tg_wipe(code, sizeof(code));
	tg_wipe(pw, sizeof(pw));
}

static void h_login(struct ctx *c)
{
	struct cd_main *m = c->m;
	char name[80], pw[PW_BUF], csrf[TG_SESS_CSRF_SIZE];
	const char *aname;
	struct cd_user *u;
	const struct tg_sess *s;
	struct tg_json j;
	int nname, npw, ok;

	if (body_ok(c) < 0 || (nname = get_str(c, "user", name, sizeof(name))) < 0 ||
	    (npw = get_str(c, "password", pw, sizeof(pw))) < 0)
		goto out;
	/* only well-formed names go into the audit record (a password typed
	 * into the name field would not be one) */
	aname = cd_user_name_ok(name, (size_t)nname) ? name : "";
	if (rl_allow(c, name, aname, "login.locked") < 0)
		goto out;
	u = aname[0] ? cd_users_find(&m->users, name) : NULL;
	ok = check_password(c, u, pw, (size_t)npw);
	tg_rl_result(&m->rl, c->src, name, ok, c->mono);
	if (!ok) {
		audit(c, aname, "login.fail", "fail",
		      u          ? "wrong password"
		      : aname[0] ? "no such user"
		                 : "malformed user name");
		cd_out_error(c->o, 401, "wrong user name or password");
		goto out;
	}
	if (c->cookie_len)
		tg_sess_destroy(&m->sessions, c->rq->cookie, c->cookie_len);
	if (u->totp[0]) {
		s = new_session(c, u, 1);
		if (!s)
			goto out;
		audit(c, u->name, "login.password", "ok", "password right, TOTP code due");
		/* the CSRF token lets the pending session log out */
		if (tg_sess_csrf(&m->sessions, s, csrf, sizeof(csrf)) < 0) {
			cd_out_error(c->o, 500, "cannot describe the session");
			goto out;
		}
		jbegin(c, &j);
		tg_json_bool(&j, "totp_required", 1);
		tg_json_str(&j, "csrf", csrf);
		jfinish(c, &j, 200);
		tg_wipe(csrf, sizeof(csrf));
		goto out;
	}
	s = new_session(c, u, 0);
	if (!s)
		goto out;
	audit(c, u->name, "login", "ok", "password");
	session_answer(c, s);
out:
	tg_wipe(pw, sizeof(pw));
}

static void h_login_totp(struct ctx *c)
{
	struct cd_main *m = c->m;
	struct cd_user *u = c->u;
	uint8_t key[CD_TOTP_LEN], rnd[TG_SESS_ID_LEN];
	char code[16], cookie[TG_SESS_COOKIE_SIZE];
	const struct tg_sess *s = NULL;
	int n, klen, ok;

	if (body_ok(c) < 0 || (n = get_str(c, "code", code, sizeof(code))) < 0)
		return;
	if (!six_digits(code, (size_t)n)) {
		cd_out_error(c->o, 400, "code: expected 6 digits");
		return;
	}
	if (!u->totp[0]) {
		cd_out_error(c->o, 409, "no second factor is due");
		return;
	}
	if (rl_allow(c, u->name, u->name, "login.locked") < 0)
		return;
	klen = tg_base32_decode(u->totp, strlen(u->totp), key, sizeof(key));
	ok = klen > 0 && tg_totp_check(key, (size_t)klen, m->now_real(), code, (size_t)n,
	                               &u->totp_last_step) == 1;
	tg_wipe(key, sizeof(key));
	tg_rl_result(&m->rl, c->src, u->name, ok, c->mono);
	if (!ok) {
		audit(c, u->name, "login.fail", "fail", "wrong or reused TOTP code");
		cd_out_error(c->o, 401, "wrong or already used code");
		return;
	}
	/* the privilege changes: a new id, the old cookie is dead (fixation) */
	cd_random(m, rnd, sizeof(rnd));
	if (tg_sess_promote(&m->sessions, c->rq->cookie, c->cookie_len, rnd, c->mono, cookie,
	                    sizeof(cookie)) < 0 ||
	    tg_sess_lookup(&m->sessions, cookie, TG_SESS_COOKIE_LEN, c->mono, &s) < 0 ||
	    set_cookie(c, cookie, c->m->sessions.abs_s) < 0) {
		tg_wipe(rnd, sizeof(rnd));
		tg_wipe(cookie, sizeof(cookie));
		cd_out_error(c->o, 500, "cannot create a session");
		return;
	}
	tg_wipe(rnd, sizeof(rnd));
	tg_wipe(cookie, sizeof(cookie));
	audit(c, u->name, "login", "ok", "password and TOTP code");
	session_answer(c, s);
}

static void h_logout(struct ctx *c)
{
	char user[CD_USER_LEN];

	snprintf(user, sizeof(user), "%s", c->who.user);
	tg_sess_destroy(&c->m->sessions, c->rq->cookie, c->cookie_len);
	c->who.sess = NULL;
	audit(c, user, "logout", "ok", "");
	answer_empty(c);
}

/* ---- routes: status and updates (status.c, update.c) ---- */

static void h_status(struct ctx *c)
{
	cd_status_json(c->m, c->o);
}

static void h_history(struct ctx *c)
{
	char span[16];
	int k = query_get(c->rq->query, "span", span, sizeof(span));

	if (k < 0) {
		cd_out_error(c->o, 400, "span: expected hour or day");
		return;
	}
	cd_history_json(c->m, k ? span : "hour", c->o);
}

static void h_update_get(struct ctx *c)
{
	cd_update_status_json(c->m, c->o);
}

/*
 * The head of an upload: authorised here (operator, CSRF), answered with
 * status 0; main.c then starts the stream to updated (cd_update_begin),
 * answers when it ends and records the result.
 */
static void h_update_post(struct ctx *c)
{
	if (!(c->rq->flags & CD_REQ_F_UPLOAD)) {
		cd_out_error(c->o, 400,
		             "expected the bundle as the body, application/octet-stream");
		return;
	}
	c->o->status = 0;
	c->o->len = 0;
}

static void command(struct ctx *c, const char *cmd)
{
	char d[TG_AUDIT_DETAIL_MAX];

	cd_update_command(c->m, cmd, c->o);
	answer_text(c->o, d, sizeof(d));
	audit(c, c->who.user, cmd, c->o->status == 200 ? "ok" : "fail", d);
}

static void h_rollback(struct ctx *c)
{
	command(c, "rollback");
}

static void h_reboot(struct ctx *c)
{
	command(c, "reboot");
}

/* ---- routes: logs and services (svctl.c, tg-supervise's sockets) ---- */

static void h_logs(struct ctx *c)
{
	cd_logs_json(c->m, c->rq->query, c->o);
}

static void h_services(struct ctx *c)
{
	cd_services_json(c->m, c->o);
}

static void h_services_restart(struct ctx *c)
{
	char name[64], d[TG_AUDIT_DETAIL_MAX], a[400];

	if (body_ok(c) < 0 || get_str(c, "service", name, sizeof(name)) < 0)
		return;
	cd_services_restart(c->m, name, c->o);
	answer_text(c->o, a, sizeof(a));
	snprintf(d, sizeof(d), "service=%.40s %s", name, a);
	audit(c, c->who.user, "service.restart", c->o->status == 200 ? "ok" : "fail", d);
}

/* ---- routes: site configuration (config.c) ---- */

static void h_config_get(struct ctx *c)
{
	cd_config_json(c->m, c->o);
}

/* POST /api/config/{time,upstreams,network,revert}: config.c decides and audits */
static void h_config_post(struct ctx *c)
{
	if (body_ok(c) < 0)
		return;
	cd_config_post(c->m, c->rq->path + strlen("/api/config/"), c->body, c->body_len,
	               c->who.user, c->addr, c->o);
}

/* ---- routes: NTS certificate, backup and restore (cfgtls.c, cfgbackup.c) ---- */

/* cfgtls.c's error: its "FIELD: " prefix (status 400) becomes the answer's "field" */
static void tls_error(struct ctx *c, int status, const char *err)
{
	static const char *const fields[] = {"cert", "key", "cn", "dns"};
	size_t i, n;

	for (i = 0; status == 400 && i < sizeof(fields) / sizeof(fields[0]); i++) {
		n = strlen(fields[i]);
		if (strncmp(err, fields[i], n) == 0 && err[n] == ':' && err[n + 1] == ' ') {
			cd_cfg_error(c->o, status, fields[i], err + n + 2);
			return;
		}
	}
	cd_cfg_error(c->o, status, NULL, err);
}

static void answer_message(struct ctx *c, const char *msg)
{
	struct tg_json j;

	jbegin(c, &j);
	tg_json_str(&j, "message", msg);
	jfinish(c, &j, 200);
}

/*
 * The body's "target": "nts" (absent: the same) or "console" (the console's
 * own HTTPS certificate); 0 or -1 with the answer given.
 */
static int tls_target(struct ctx *c, int *target)
{
	char t[16];
	int n = tg_json_get_str(c->body, c->body_len, "target", t, sizeof(t));

	*target = CD_TLS_NTS;
	if (n == -1 || (n >= 0 && strcmp(t, "nts") == 0))
		return 0;
	if (n >= 0 && strcmp(t, "console") == 0) {
		*target = CD_TLS_CONSOLE;
		return 0;
	}
	cd_cfg_error(c->o, 400, "target", "target: expected \"nts\" or \"console\"");
	return -1;
}

/* POST /api/config/tls {"cert": PEM chain, "key": PEM key or absent/"" for the pending key,
 * "target": "nts" (default) | "console"} */
static void h_config_tls(struct ctx *c)
{
	static char cert[CD_BODY_MAX + 1], key[CD_BODY_MAX + 1];
	char err[400];
	int n, kn, status = 500, rc, target;

	if (body_ok(c) < 0 || tls_target(c, &target) < 0 ||
	    (n = get_str(c, "cert", cert, sizeof(cert))) < 0)
		return;
	kn = tg_json_get_str(c->body, c->body_len, "key", key, sizeof(key));
	if (kn == -2) {
		cd_cfg_error(c->o, 400, "key", "expected the private key as PEM text, or no key to "
		                               "use the key of the certificate request");
		return;
	}
	rc = cd_tls_install(c->m, target, cert, (size_t)n, kn > 0 ? key : NULL,
	                    kn > 0 ? (size_t)kn : 0, &status, err, sizeof(err));
	tg_wipe(key, sizeof(key));
	audit(c, c->who.user, target == CD_TLS_CONSOLE ? "config.console-tls" : "config.tls",
	      rc == 0 ? "ok" : "fail", err);
	if (rc < 0)
		tls_error(c, status, err);
	else if (target == CD_TLS_CONSOLE)
		/* main.c exits once this answer is with web (m->restart_pending) */
		answer_message(c, "installed; the console restarts to use it: log in again in a "
		                  "few seconds");
	else
		answer_message(c, "certificate installed; the NTS service restarts");
}

/* POST /api/config/tls/csr {"cn": NAME, "dns": "NAME\n...", "target": "nts" | "console"}
 * -> {"csr": PEM} */
static void h_config_tls_csr(struct ctx *c)
{
	static char csr[4096];
	char cn[256], dns[4096], err[400], d[TG_AUDIT_DETAIL_MAX];
	const char *action;
	struct tg_json j;
	int status = 500, target;

	if (body_ok(c) < 0 || tls_target(c, &target) < 0 || get_str(c, "cn", cn, sizeof(cn)) < 0 ||
	    get_str(c, "dns", dns, sizeof(dns)) < 0)
		return;
	action = target == CD_TLS_CONSOLE ? "config.console-tls.csr" : "config.tls.csr";
	if (cd_tls_csr(c->m, target, cn, dns, csr, sizeof(csr), &status, err, sizeof(err)) < 0) {
		audit(c, c->who.user, action, "fail", err);
		tls_error(c, status, err);
		return;
	}
	snprintf(d, sizeof(d), "new %s key (pending) and certificate request for CN=%.64s",
	         target == CD_TLS_CONSOLE ? "console" : "NTS", cn);
	audit(c, c->who.user, action, "ok", d);
	jbegin(c, &j);
	tg_json_str(&j, "csr", csr);
	jfinish(c, &j, 200);
}

/* GET /api/config/backup: the site configuration files that exist, as one download */
static void h_config_backup(struct ctx *c)
{
	static char files[CD_CFG_N][65536 + 1];
	struct cd_backup b;
	char path[PATH_BUF];
	time_t now = (time_t)c->m->now_real();
	struct tm tm;
	size_t len;
	long n;
	int f;

	memset(&b, 0, sizeof(b));
	for (f = 0; f < CD_CFG_N; f++) {
		if (cd_cfg_path(c->m, f, path, sizeof(path)) < 0) {
			cd_out_error(c->o, 500, "a configuration path is too long");
			return;
		}
		/* one byte more than a backup holds: a larger file is EFBIG */
		if (tg_read_small_file(path, files[f], sizeof(files[f]), &len) < 0) {
			if (errno == ENOENT)
				continue;
			fail(c, 500, "cannot read %s: %s", path,
			     errno == EFBIG ? "larger than a backup holds (64 KiB)" : strerror(errno));
			return;
		}
		snprintf(b.f[b.n].name, sizeof(b.f[b.n].name), "%s", cd_cfg_name(f));
		b.f[b.n].data = files[f];
		b.f[b.n].len = len;
		b.n++;
	}
	n = cd_backup_format(&b, c->o->body, CD_OUT_MAX);
	if (n < 0) {
		cd_out_error(c->o, 500, "the backup did not fit in the response buffer");
		return;
	}
	if (!gmtime_r(&now, &tm))
		memset(&tm, 0, sizeof(tm));
	c->o->status = 200;
	c->o->kind = CD_KIND_DOWNLOAD;
	snprintf(c->o->filename, sizeof(c->o->filename), "timegate-config-%04d%02d%02d.txt",
	         tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
	c->o->len = (size_t)n;
}

/*
 * POST /api/config/restore {"file": backup text}: all or nothing up to the
 * writes (checksum, known names, every file checked by its consumer's
 * parser), then installed in the order that keeps the device reachable
 * longest: site.conf (firewall now), network (next boot), timed.conf.
 */
static void h_config_restore(struct ctx *c)
{
	static char text[CD_BODY_MAX + 1];
	static const int order[] = {CD_CFG_SITE, CD_CFG_NETWORK, CD_CFG_TIMED};
	struct cd_backup b;
	char err[400], msg[600], done[80] = "", d[TG_AUDIT_DETAIL_MAX];
	int idx[CD_BACKUP_FILES_MAX], i, k, n, status;

	if (body_ok(c) < 0 || (n = get_str(c, "file", text, sizeof(text))) < 0)
		return;
	if (cd_backup_parse(text, (size_t)n, &b, err, sizeof(err)) < 0)
		goto refuse;
	if (b.n == 0) {
		snprintf(err, sizeof(err), "the backup holds no files");
		goto refuse;
	}
	for (i = 0; i < b.n; i++) {
		idx[i] = cd_cfg_index(b.f[i].name);
		if (idx[i] < 0) {
			snprintf(err, sizeof(err), "the backup holds '%s', which is none of timed.conf, "
			         "network and site.conf", b.f[i].name);
			goto refuse;
		}
	}
	for (i = 0; i < b.n; i++)
		if (cd_cfg_check(c->m, idx[i], b.f[i].data, b.f[i].len, err, sizeof(err)) < 0)
			goto refuse;
	for (k = 0; k < (int)(sizeof(order) / sizeof(order[0])); k++) {
		for (i = 0; i < b.n && idx[i] != order[k]; i++)
			;
		if (i == b.n)
			continue;
		status = 500;
		if (cd_cfg_install(c->m, idx[i], b.f[i].data, b.f[i].len, &status, err,
		                   sizeof(err)) < 0) {
			snprintf(msg, sizeof(msg), "%s: %s (restored before it: %s)", b.f[i].name, err,
			         done[0] ? done : "nothing");
			audit(c, c->who.user, "config.restore", "fail", msg);
			cd_cfg_error(c->o, status, "file", msg);
			return;
		}
		snprintf(done + strlen(done), sizeof(done) - strlen(done), "%s%s", done[0] ? " " : "",
		         b.f[i].name);
	}
	snprintf(d, sizeof(d), "restored %s", done);
	audit(c, c->who.user, "config.restore", "ok", d);
	answer_message(c, "configuration restored; the services restart (network settings take "
	                  "effect at the next boot)");
	return;
refuse:
	audit(c, c->who.user, "config.restore", "fail", err);
	cd_cfg_error(c->o, 400, "file", err);
}

/* ---- routes: users ---- */

static void h_users_get(struct ctx *c)
{
	struct tg_json j;
	int i;

	jbegin(c, &j);
	tg_json_arr(&j, "users");
	for (i = 0; i < c->m->users.n; i++) {
		const struct cd_user *u = &c->m->users.u[i];

		tg_json_obj(&j, NULL);
		tg_json_str(&j, "user", u->name);
		tg_json_str(&j, "role", tg_role_name(u->role));
		tg_json_bool(&j, "totp", u->totp[0] != '\0');
		tg_json_int(&j, "sessions", tg_sess_user_count(&c->m->sessions, u->name));
		tg_json_obj_end(&j);
	}
	tg_json_arr_end(&j);
	jfinish(c, &j, 200);
}

static void h_users_add(struct ctx *c)
{
	struct cd_main *m = c->m;
	char name[CD_USER_LEN], pw[PW_BUF], rolename[16], err[200], d[80];
	struct cd_user *u;
	struct tg_json j;
	int nname, npw, role;

	if (body_ok(c) < 0 || (nname = get_str(c, "user", name, sizeof(name))) < 0 ||
	    (npw = get_str(c, "password", pw, sizeof(pw))) < 0 ||
	    get_str(c, "role", rolename, sizeof(rolename)) < 0)
		goto out;
	if (!cd_user_name_ok(name, (size_t)nname)) {
		cd_out_error(c->o, 400,
		             "user: expected a name of 1 to 31 characters a-z, 0-9, _ "
		             "or -, starting with a letter or _");
		goto out;
	}
	role = tg_role_parse(rolename);
	if (role < 0) {
		cd_out_error(c->o, 400, "role: expected viewer, operator or admin");
		goto out;
	}
	if (cd_users_find(&m->users, name)) {
		cd_out_error(c->o, 409, "a user of that name exists already");
		goto out;
	}
	if (m->users.n >= CD_USERS_MAX) {
		fail(c, 409, "the user table is full (%d users)", CD_USERS_MAX);
		goto out;
	}
	if (tg_passwd_policy(pw, (size_t)npw, name, err, sizeof(err)) < 0) {
		fail(c, 400, "%s", err);
		goto out;
	}
	u = &m->users.u[m->users.n];
	memset(u, 0, sizeof(*u));
	snprintf(u->name, sizeof(u->name), "%s", name);
	u->role = role;
	u->totp_last_step = -1;
	if (make_hash(c, pw, (size_t)npw, u->pwhash, sizeof(u->pwhash)) < 0) {
		tg_wipe(u, sizeof(*u));
		goto out;
	}
	m->users.n++;
	if (save_users(c) < 0) {
		m->users.n--;
		tg_wipe(u, sizeof(*u));
		goto out;
	}
	snprintf(d, sizeof(d), "added %s as %s", name, tg_role_name(role));
	audit(c, c->who.user, "user.add", "ok", d);
	jbegin(c, &j);
	tg_json_str(&j, "user", name);
	tg_json_str(&j, "role", tg_role_name(role));
	jfinish(c, &j, 200);
out:
	tg_wipe(pw, sizeof(pw));
}

static void h_users_delete(struct ctx *c)
{
	struct cd_main *m = c->m;
	const char *name = c->rq->path + strlen("/api/users/");
	struct cd_user *u, saved;
	char d[80];
	int i, idx;

	u = cd_user_name_ok(name, strlen(name)) ? cd_users_find(&m->users, name) : NULL;
	if (!u) {
		cd_out_error(c->o, 404, "no such user");
		return;
	}
	if (strcmp(u->name, c->who.user) == 0) {
		cd_out_error(c->o, 409, "you cannot remove yourself");
		return;
	}
	if (u->role == TG_ROLE_ADMIN && cd_users_admins(&m->users) <= 1) {
		cd_out_error(c->o, 409, "the last administrator cannot be removed");
		return;
	}
	idx = (int)(u - m->users.u);
	saved = *u;
	for (i = idx; i + 1 < m->users.n; i++)
		m->users.u[i] = m->users.u[i + 1];
	m->users.n--;
	tg_wipe(&m->users.u[m->users.n], sizeof(m->users.u[0]));
	if (save_users(c) < 0) {
		for (i = m->users.n; i > idx; i--)
			m->users.u[i] = m->users.u[i - 1];
		m->users.u[idx] = saved;
		m->users.n++;
		tg_wipe(&saved, sizeof(saved));
		return;
	}
	tg_sess_destroy_user(&m->sessions, saved.name);
	enrol_drop(saved.name, c->mono);
	snprintf(d, sizeof(d), "removed %s (%s)", saved.name, tg_role_name(saved.role));
	tg_wipe(&saved, sizeof(saved));
	audit(c, c->who.user, "user.remove", "ok", d);
	answer_empty(c);
}

/* ---- routes: own account ---- */

/*
 * End every session of the caller but the current one.  session.c ends
 * them all (tg_sess_destroy_user); the current entry is put back as it
 * was, so its cookie and CSRF token stay valid and its absolute timeout
 * still counts from the password step.
 */
static int end_other_sessions(struct ctx *c)
{
	struct tg_sess_table *t = &c->m->sessions;
	const struct tg_sess *cur = c->who.sess;
	struct tg_sess keep;
	size_t idx = (size_t)(cur - t->s);
	int n;

	keep = *cur;
	n = tg_sess_destroy_user(t, keep.user) - 1;
	t->s[idx] = keep;
	tg_wipe(&keep, sizeof(keep));
	return n;
}

static void h_password(struct ctx *c)
{
	struct cd_main *m = c->m;
	struct cd_user *u = c->u;
	char old[PW_BUF], pw[PW_BUF], err[200], hash[CD_PWHASH_LEN], prev[CD_PWHASH_LEN], d[80];
	struct tg_json j;
	int nold, npw, ok, ended;

	if (body_ok(c) < 0 || (nold = get_str(c, "old", old, sizeof(old))) < 0 ||
	    (npw = get_str(c, "new", pw, sizeof(pw))) < 0)
		goto out;
	if (tg_passwd_policy(pw, (size_t)npw, u->name, err, sizeof(err)) < 0) {
		fail(c, 400, "new %s", err);
		goto out;
	}
	if (rl_allow(c, u->name, u->name, "password") < 0)
		goto out;
	ok = check_password(c, u, old, (size_t)nold);
	tg_rl_result(&m->rl, c->src, u->name, ok, c->mono);
	if (!ok) {
		audit(c, u->name, "password", "fail", "wrong current password");
		cd_out_error(c->o, 403, "the current password is wrong");
		goto out;
	}
	if (make_hash(c, pw, (size_t)npw, hash, sizeof(hash)) < 0)
		goto out;
	memcpy(prev, u->pwhash, sizeof(prev));
	memcpy(u->pwhash, hash, sizeof(hash));
	if (save_users(c) < 0) {
		memcpy(u->pwhash, prev, sizeof(prev));
		goto out;
	}
	ended = end_other_sessions(c);
	snprintf(d, sizeof(d), "password changed, %d other sessions ended", ended);
	audit(c, u->name, "password", "ok", d);
	jbegin(c, &j);
	tg_json_int(&j, "sessions_ended", ended);
	jfinish(c, &j, 200);
out:
	tg_wipe(old, sizeof(old));
	tg_wipe(pw, sizeof(pw));
	tg_wipe(hash, sizeof(hash));
	tg_wipe(prev, sizeof(prev));
}

static void h_totp_begin(struct ctx *c)
{
	struct cd_user *u = c->u;
	struct enrol *e;
	char secret[TG_BASE32_LEN(TG_TOTP_KEY_LEN) + 1], uri[512];
	struct tg_json j;

	if (u->totp[0]) {
		cd_out_error(c->o, 409, "TOTP is on already: turn it off first");
		return;
	}
	e = enrol_new(u->name, c->mono);
	cd_random(c->m, e->key, sizeof(e->key));
	if (tg_base32_encode(e->key, sizeof(e->key), secret, sizeof(secret)) < 0 ||
	    tg_totp_uri(TOTP_ISSUER, u->name, e->key, sizeof(e->key), uri, sizeof(uri)) < 0) {
		tg_wipe(e, sizeof(*e));
		cd_out_error(c->o, 500, "cannot make a TOTP secret");
		return;
	}
	jbegin(c, &j);
	tg_json_str(&j, "secret", secret);
	tg_json_str(&j, "uri", uri);
	tg_json_int(&j, "expires_in", TOTP_ENROL_S);
	jfinish(c, &j, 200);
	tg_wipe(secret, sizeof(secret));
	tg_wipe(uri, sizeof(uri));
}

static void h_totp_confirm(struct ctx *c)
{
	struct cd_user *u = c->u;
	struct enrol *e;
	char code[16], secret[CD_TOTP_LEN];
	int64_t last = -1;
	struct tg_json j;
	int n;

	if (body_ok(c) < 0 || (n = get_str(c, "code", code, sizeof(code))) < 0)
		return;
	if (!six_digits(code, (size_t)n)) {
		cd_out_error(c->o, 400, "code: expected 6 digits");
		return;
	}
	if (u->totp[0]) {
		cd_out_error(c->o, 409, "TOTP is on already");
		return;
	}
	e = enrol_find(u->name, c->mono);
	if (!e) {
		cd_out_error(c->o, 409, "no TOTP set-up in progress (or it expired): begin again");
		return;
	}
	if (tg_totp_check(e->key, sizeof(e->key), c->m->now_real(), code, (size_t)n, &last) != 1) {
		cd_out_error(c->o, 400,
		             "wrong code (is the authenticator's clock right, the secret typed "
		             "correctly?)");
		return;
	}
	if (tg_base32_encode(e->key, sizeof(e->key), secret, sizeof(secret)) < 0) {
		cd_out_error(c->o, 500, "cannot store the TOTP secret");
		return;
	}
	memcpy(u->totp, secret, sizeof(secret));
	u->totp_last_step = last;
	tg_wipe(secret, sizeof(secret));
	if (save_users(c) < 0) {
		tg_wipe(u->totp, sizeof(u->totp));
		return;
	}
	tg_wipe(e, sizeof(*e));
	audit(c, u->name, "totp.enable", "ok", "");
	jbegin(c, &j);
	tg_json_bool(&j, "totp", 1);
	jfinish(c, &j, 200);
}

static void h_totp_disable(struct ctx *c)
{
	struct cd_main *m = c->m;
	struct cd_user *u = c->u;
	char pw[PW_BUF], saved[CD_TOTP_LEN];
	struct tg_json j;
	int npw, ok;

	if (body_ok(c) < 0 || (npw = get_str(c, "password", pw, sizeof(pw))) < 0)
		goto out;
	if (!u->totp[0]) {
		cd_out_error(c->o, 409, "TOTP is not on");
		goto out;
	}
	if (rl_allow(c, u->name, u->name, "totp.disable") < 0)
		goto out;
	ok = check_password(c, u, pw, (size_t)npw);
	tg_rl_result(&m->rl, c->src, u->name, ok, c->mono);
	if (!ok) {
		audit(c, u->name, "totp.disable", "fail", "wrong password");
		cd_out_error(c->o, 403, "the password is wrong");
		goto out;
	}
	memcpy(saved, u->totp, sizeof(saved));
	tg_wipe(u->totp, sizeof(u->totp));
	if (save_users(c) < 0) {
		memcpy(u->totp, saved, sizeof(saved));
		goto out;
	}
	audit(c, u->name, "totp.disable", "ok", "");
	jbegin(c, &j);
	tg_json_bool(&j, "totp", 0);
	jfinish(c, &j, 200);
out:
	tg_wipe(pw, sizeof(pw));
	tg_wipe(saved, sizeof(saved));
}

/* ---- routes: audit log ---- */

/* field k (0-based) of a space-separated line, into out */
static void line_field(const char *l, size_t n, int k, char *out, size_t cap)
{
	size_t i = 0, start;

	for (; k > 0 && i < n; i++)
		if (l[i] == ' ')
			k--;
	start = i;
	while (i < n && l[i] != ' ' && l[i] != '\n')
		i++;
	if (i - start >= cap)
		i = start + cap - 1;
	memcpy(out, l + start, i - start);
	out[i - start] = '\0';
}

/* the audit answer with the last `limit` records; -1 if it did not fit */
static int audit_answer(struct ctx *c, const char *buf, size_t len, int vrc, uint64_t verified,
                        const uint8_t head[32], uint64_t bad_seq, const char *verr, long limit)
{
	struct tg_audit_rec r;
	struct tg_json j;
	char hx[65], tm[24], err[200];
	uint8_t prev[32], h[32];
	size_t pos = 0, lines = 0, skip, i;

	for (i = 0; i < len; i++)
		lines += buf[i] == '\n';
	skip = lines > (size_t)limit ? lines - (size_t)limit : 0;
	for (i = 0; i < skip; i++)
		pos = (size_t)((const char *)memchr(buf + pos, '\n', len - pos) - buf) + 1;

	tg_json_init(&j, c->o->body, CD_OUT_MAX);
	tg_json_obj(&j, NULL);
	hex(head, 32, hx);
	tg_json_str(&j, "head", hx);
	tg_json_bool(&j, "intact", vrc == 0);
	tg_json_int(&j, "records_total", (int64_t)lines);
	tg_json_int(&j, "records_verified", (int64_t)verified);
	if (vrc != 0) {
		tg_json_str(&j, "error", verr);
		tg_json_int(&j, "bad_seq", (int64_t)bad_seq);
	}
	tg_json_arr(&j, "records");
	for (i = skip; i < lines; i++) {
		const char *l = buf + pos, *nl = memchr(l, '\n', len - pos);
		size_t n = (size_t)(nl - l) + 1;

		pos += n;
		tg_json_obj(&j, NULL);
		if (tg_audit_parse_line(l, n, &r, prev, h, err, sizeof(err)) < 0) {
			tg_json_int(&j, "line", (int64_t)i + 1);
			tg_json_str(&j, "error", err);
			tg_json_obj_end(&j);
			continue;
		}
		line_field(l, n, 1, tm, sizeof(tm));
		tg_json_int(&j, "seq", (int64_t)r.seq);
		tg_json_str(&j, "time", tm);
		tg_json_int(&j, "t", r.time);
		tg_json_str(&j, "clock", r.clock_state < 5 ? clock_names[r.clock_state] : "?");
		tg_json_str(&j, "user", r.user);
		tg_json_str(&j, "addr", r.addr);
		tg_json_str(&j, "action", r.action);
		tg_json_str(&j, "result", r.result < 3 ? result_names[r.result] : "?");
		tg_json_strn(&j, "detail", r.detail, r.detail_len);
		hex(h, 32, hx);
		tg_json_str(&j, "hash", hx);
		tg_json_obj_end(&j);
	}
	tg_json_arr_end(&j);
	tg_json_obj_end(&j);
	if (tg_json_done(&j) < 0)
		return -1;
	c->o->status = 200;
	c->o->kind = CD_KIND_JSON;
	c->o->len = j.len;
	return 0;
}

static void h_audit(struct ctx *c)
{
	/* main's seccomp allows no mmap or brk: the file is read into a static buffer */
	static char buf[AUDIT_READ_MAX];
	char path[PATH_BUF], q[16], verr[200] = "", *end;
	uint8_t head[32] = {0};
	uint64_t verified = 0, bad = 0;
	size_t len = 0;
	long limit = AUDIT_LIMIT_DEFAULT;
	int k, vrc = 0;

	k = query_get(c->rq->query, "limit", q, sizeof(q));
	if (k != 0) {
		errno = 0;
		limit = k > 0 && q[0] >= '0' && q[0] <= '9' ? strtol(q, &end, 10) : -1;
		if (k < 0 || limit < 1 || limit > AUDIT_LIMIT_MAX || *end || errno) {
			fail(c, 400, "limit: expected 1..%d", AUDIT_LIMIT_MAX);
			return;
		}
	}
	if (data_path(c->m, "audit.log", path, sizeof(path)) < 0) {
		cd_out_error(c->o, 500, "data-dir is too long");
		return;
	}
	/* absent: an empty trail; as large as the buffer: EFBIG (export it, it rotates) */
	if (tg_read_small_file(path, buf, sizeof(buf), &len) < 0) {
		if (errno != ENOENT) {
			tg_err("api: cannot read %s: %s", path, strerror(errno));
			fail(c, 500, "cannot read the audit log: %s", strerror(errno));
			return;
		}
		len = 0;
	}
	if (len)
		vrc = tg_audit_verify(buf, len, &verified, head, &bad, verr, sizeof(verr));
	/* a long detail per record may not fit: fewer records rather than none */
	while (audit_answer(c, buf, len, vrc, verified, head, bad, verr, limit) < 0) {
		if (limit == 1) {
			cd_out_error(c->o, 500, "the audit answer does not fit");
			break;
		}
		limit /= 2;
	}
}

/*
 * The file as it is, for the operator to keep and check (audit.h shows
 * how).  It must fit in one answer (CD_OUT_MAX); an absent log exports
 * as an empty file.
 */
static void h_audit_export(struct ctx *c)
{
	char path[PATH_BUF];
	size_t len = 0;

	if (data_path(c->m, "audit.log", path, sizeof(path)) < 0) {
		cd_out_error(c->o, 500, "data-dir is too long");
		return;
	}
	if (tg_read_small_file(path, c->o->body, CD_OUT_MAX, &len) < 0) {
		if (errno == EFBIG) {
			fail(c, 500, "the audit log is larger than an export can be (%d KiB)",
			     CD_OUT_MAX / 1024);
			return;
		}
		if (errno != ENOENT) {
			fail(c, 500, "cannot read the audit log: %s", strerror(errno));
			return;
		}
		len = 0;
	}
	c->o->status = 200;
	c->o->kind = CD_KIND_DOWNLOAD;
	snprintf(c->o->filename, sizeof(c->o->filename), "audit.log");
	c->o->len = len;
}

/* ---- routes: metrics ---- */

/*
 * The scraper's token: Authorization "Bearer TOKEN" whose SHA-256, in hex,
 * is the first line of data_dir/metrics-token.  1 right, 0 not.
 */
static int metrics_token_ok(struct ctx *c, const char *auth)
{
	char path[PATH_BUF], file[256], want[65], got[65];
	uint8_t h[32];
	br_sha256_context sc;
	size_t len = 0, n;
	const char *t = auth;
	int ok;

	if (strncasecmp(t, "Bearer ", 7) != 0)
		return 0;
	t += 7;
	while (*t == ' ')
		t++;
	n = strlen(t);
	while (n && t[n - 1] == ' ')
		n--;
	if (n == 0 || data_path(c->m, "metrics-token", path, sizeof(path)) < 0 ||
	    tg_read_small_file(path, file, sizeof(file), &len) < 0 || len < 64 ||
	    (len > 64 && file[64] != '\n'))
		return 0;
	memcpy(want, file, 64);
	want[64] = '\0';
	br_sha256_init(&sc);
	br_sha256_update(&sc, t, n);
	br_sha256_out(&sc, h);
	hex(h, 32, got);
	ok = tg_ct_eq(want, got, 64);
	tg_wipe(file, sizeof(file));
	return ok;
}

static void h_metrics(struct ctx *c)
{
	char auth[CD_AUTH_MAX + 1];

	copy_field(auth, sizeof(auth), c->rq->auth, sizeof(c->rq->auth));
	if (auth[0]) {
		int ok = metrics_token_ok(c, auth);

		tg_wipe(auth, sizeof(auth));
		if (!ok) {
			cd_out_error(c->o, 401, "wrong metrics token");
			return;
		}
	} else if (!c->who.sess || c->pending) {
		cd_out_error(c->o, 401, "not logged in (or send Authorization: Bearer TOKEN)");
		return;
	}
	cd_metrics(c->m, c->o);
}

static void h_metrics_token(struct ctx *c)
{
	uint8_t rnd[METRICS_TOKEN_LEN], h[32];
	char token[2 * METRICS_TOKEN_LEN + 1], line[66], path[PATH_BUF];
	br_sha256_context sc;
	struct tg_json j;

	cd_random(c->m, rnd, sizeof(rnd));
	hex(rnd, sizeof(rnd), token);
	tg_wipe(rnd, sizeof(rnd));
	br_sha256_init(&sc);
	br_sha256_update(&sc, token, strlen(token));
	br_sha256_out(&sc, h);
	hex(h, 32, line);
	line[64] = '\n';
	line[65] = '\0';
	if (data_path(c->m, "metrics-token", path, sizeof(path)) < 0 ||
	    tg_write_file_atomic(path, line, 65, 0600) < 0) {
		tg_err("api: cannot write %s: %s", path, strerror(errno));
		cd_out_error(c->o, 500, "cannot store the metrics token");
		tg_wipe(token, sizeof(token));
		return;
	}
	audit(c, c->who.user, "metrics.token", "ok", "new scraper token, the old one is void");
	jbegin(c, &j);
	tg_json_str(&j, "token", token);
	jfinish(c, &j, 200);
	tg_wipe(token, sizeof(token));
}

/* ---- routing ---- */

static const struct route routes[] = {
    {CD_GET, "/api/session", 0, NEED_NONE, 0, h_session},
    {CD_POST, "/api/setup", 0, NEED_NONE, 0, h_setup},
    {CD_POST, "/api/login", 0, NEED_NONE, 0, h_login},
    {CD_POST, "/api/login/totp", 0, NEED_PENDING, 0, h_login_totp},
    {CD_POST, "/api/logout", 0, NEED_SESSION, 1, h_logout},
    {CD_GET, "/api/status", 0, NEED_VIEWER, 0, h_status},
    {CD_GET, "/api/history", 0, NEED_VIEWER, 0, h_history},
    {CD_GET, "/api/update", 0, NEED_VIEWER, 0, h_update_get},
    {CD_POST, "/api/update", 0, NEED_OPERATOR, 1, h_update_post},
    {CD_POST, "/api/update/rollback", 0, NEED_ADMIN, 1, h_rollback},
    {CD_POST, "/api/reboot", 0, NEED_ADMIN, 1, h_reboot},
    {CD_GET, "/api/logs", 0, NEED_VIEWER, 0, h_logs},
    {CD_GET, "/api/services", 0, NEED_VIEWER, 0, h_services},
    {CD_POST, "/api/services/restart", 0, NEED_ADMIN, 1, h_services_restart},
    {CD_GET, "/api/config", 0, NEED_VIEWER, 0, h_config_get},
    {CD_POST, "/api/config/time", 0, NEED_ADMIN, 1, h_config_post},
    {CD_POST, "/api/config/upstreams", 0, NEED_ADMIN, 1, h_config_post},
    {CD_POST, "/api/config/network", 0, NEED_ADMIN, 1, h_config_post},
    {CD_POST, "/api/config/revert", 0, NEED_ADMIN, 1, h_config_post},
    {CD_POST, "/api/config/tls", 0, NEED_ADMIN, 1, h_config_tls},
    {CD_POST, "/api/config/tls/csr", 0, NEED_ADMIN, 1, h_config_tls_csr},
    {CD_GET, "/api/config/backup", 0, NEED_VIEWER, 0, h_config_backup},
    {CD_POST, "/api/config/restore", 0, NEED_ADMIN, 1, h_config_restore},
    {CD_GET, "/api/audit", 0, NEED_ADMIN, 0, h_audit},
    {CD_GET, "/api/audit/export", 0, NEED_ADMIN, 0, h_audit_export},
    {CD_GET, "/api/users", 0, NEED_ADMIN, 0, h_users_get},
    {CD_POST, "/api/users", 0, NEED_ADMIN, 1, h_users_add},
    {CD_DELETE, "/api/users/", 1, NEED_ADMIN, 1, h_users_delete},
    {CD_POST, "/api/password", 0, NEED_VIEWER, 1, h_password},
    {CD_POST, "/api/totp/begin", 0, NEED_VIEWER, 1, h_totp_begin},
    {CD_POST, "/api/totp/confirm", 0, NEED_VIEWER, 1, h_totp_confirm},
    {CD_POST, "/api/totp/disable", 0, NEED_VIEWER, 1, h_totp_disable},
    {CD_POST, "/api/metrics/token", 0, NEED_ADMIN, 1, h_metrics_token},
    {CD_GET, "/metrics", 0, NEED_METRICS, 0, h_metrics},
};
#define N_ROUTES (sizeof(routes) / sizeof(routes[0]))

static int path_matches(const struct route *r, const char *path)
{
	size_t n = strlen(r->path);

	if (r->prefix)
		return strncmp(path, r->path, n) == 0 && path[n] != '\0';
	return strcmp(path, r->path) == 0;
}

static const struct route *find_route(const char *path, int method, int *path_known)
{
	size_t i;

	if (method == CD_HEAD)
		method = CD_GET;
	*path_known = 0;
	for (i = 0; i < N_ROUTES; i++) {
		if (!path_matches(&routes[i], path))
			continue;
		*path_known = 1;
		if (routes[i].method == method)
			return &routes[i];
	}
	return NULL;
}

static const char *need_name(int need)
{
	return need == NEED_OPERATOR ? "operator" : need == NEED_ADMIN ? "admin" : "viewer";
}

/* Steps 0..4 of the file header: 0 go on, -1 refused (answered). */
static int authorize(struct ctx *c, const struct route *r)
{
	const struct cd_msg_req *rq = c->rq;
	int changing = rq->method == CD_POST || rq->method == CD_PUT || rq->method == CD_DELETE;
	char origin[CD_ORIGIN_MAX + 1], host[CD_HOST_MAX + 1];
	size_t olen, hlen;

	if (rq->fetch_site == CD_FS_CROSS_SITE && r->need != NEED_METRICS) {
		cd_out_error(c->o, 403, "cross-site request refused");
		return -1;
	}
	if (changing) {
		if (rq->fetch_site == CD_FS_SAME_SITE) {
			cd_out_error(c->o, 403, "same-site request from another origin refused");
			return -1;
		}
		olen = copy_field(origin, sizeof(origin), rq->origin, sizeof(rq->origin));
		hlen = copy_field(host, sizeof(host), rq->host, sizeof(rq->host));
		if (olen && (hlen == 0 || olen != 8 + hlen || memcmp(origin, "https://", 8) != 0 ||
		             memcmp(origin + 8, host, hlen) != 0)) {
			cd_out_error(c->o, 403, "request from another origin refused");
			return -1;
		}
	}

	switch (r->need) {
	case NEED_NONE:
	case NEED_METRICS:
		break;
	case NEED_PENDING:
		if (!c->who.sess) {
			cd_out_error(c->o, 401, "not logged in");
			return -1;
		}
		if (!c->pending) {
			cd_out_error(c->o, 409, "no second factor is due");
			return -1;
		}
		break;
	case NEED_SESSION:
		if (!c->who.sess) {
			cd_out_error(c->o, 401, "not logged in");
			return -1;
		}
		break;
	default:
		if (!c->who.sess) {
			cd_out_error(c->o, 401, "not logged in");
			return -1;
		}
		if (c->pending) {
			cd_out_error(c->o, 401, "the second factor (TOTP code) is still due");
			return -1;
		}
		if (!tg_role_allows(c->who.role, r->need - NEED_VIEWER + TG_ROLE_VIEWER)) {
			fail(c, 403, "needs role %s", need_name(r->need));
			return -1;
		}
		break;
	}

	if (changing && r->csrf &&
	    tg_sess_csrf_check(&c->m->sessions, c->who.sess, rq->csrf,
	                       strnlen(rq->csrf, sizeof(rq->csrf))) != 0) {
		cd_out_error(c->o, 403, "CSRF token missing or wrong");
		return -1;
	}
	return 0;
}

void cd_api_request(struct cd_main *m, const struct cd_msg_req *rq, struct cd_out *o)
{
	struct ctx c;
	const struct route *r;
	const struct tg_sess *s = NULL;
	int known;

	out_reset(o);
	memset(&c, 0, sizeof(c));
	c.m = m;
	c.rq = rq;
	c.o = o;
	c.who.user = "";
	c.mono = m->now_mono();
	copy_field(c.addr, sizeof(c.addr), rq->addr, sizeof(rq->addr));
	if (!printable_word(c.addr))
		c.addr[0] = '\0';
	rl_source(c.addr, c.src, sizeof(c.src));

	if (strnlen(rq->path, sizeof(rq->path)) == sizeof(rq->path) ||
	    strnlen(rq->query, sizeof(rq->query)) == sizeof(rq->query)) {
		cd_out_error(o, 400, "path or query not terminated");
		return;
	}
	if (rq->body_len > CD_BODY_MAX) {
		cd_out_error(o, 413, "request body too large");
		return;
	}
	c.body = (const char *)rq->body;
	c.body_len = rq->body_len;

	r = find_route(rq->path, (int)rq->method, &known);
	if (!r) {
		if (known)
			cd_out_error(o, 405, "method not allowed");
		else
			cd_out_error(o, 404, "no such API route");
		return;
	}

	c.cookie_len = strnlen(rq->cookie, sizeof(rq->cookie));
	if (c.cookie_len &&
	    tg_sess_lookup(&m->sessions, rq->cookie, c.cookie_len, c.mono, &s) == 0) {
		c.u = cd_users_find(&m->users, s->user);
		if (c.u) {
			c.who.sess = s;
			c.who.user = s->user;
			c.who.role = c.u->role;
			c.pending = s->totp_pending;
		} else {
			/* its user was removed: the session goes too */
			tg_sess_destroy(&m->sessions, rq->cookie, c.cookie_len);
		}
	}

	if (authorize(&c, r) == 0)
		r->fn(&c);
	/* a logout, or one without a live session, clears the browser's cookie */
	if (r->fn == h_logout && (o->status == 200 || o->status == 401))
		set_cookie(&c, NULL, 0);
}
