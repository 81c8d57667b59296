/*
 * test_consoled_api.c - consoled's main-role logic: the API's
 * authorization (sessions, roles, CSRF, Origin, Sec-Fetch-Site), setup,
 * login with throttling and TOTP, logout, users, password change, the
 * audit chain and its routes, the metrics token (consoled/api.c), and the
 * users file (consoled/users.c).
 *
 * status.c and update.c are replaced by stubs below that answer fixed
 * JSON and record what they were asked (the api never starts an upload
 * itself: main.c does, so cd_update_begin/chunk are not linked);
 * cd_random is a seeded generator.
 * Both clocks are variables (m->now_mono / now_real), never the host's.
 * Password hashes use TG_PASSWD_ITER_MIN (100000) iterations, the least
 * lib/passwd.c accepts; the fixture users are hashed once at start.
 * Files go to a fresh temporary folder per test (users, audit.log,
 * metrics-token), removed at the end.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "consoled/consoled.h"
#include "fileio.h"
#include "json.h"
#include "passwd.h"
#include "totp.h"

#define HOST     "console.example"
#define ORIGIN   "https://" HOST
#define PW_ADMIN "admin password one"
#define PW_OPER  "operator password two"
#define PW_VIEW  "viewer password three"
#define PW_NEW   "a brand new password"
#define ITER     TG_PASSWD_ITER_MIN

static struct cd_main M;
static struct cd_msg_req R;
static struct cd_out O;
static char outbuf[CD_OUT_MAX + 1];
static char dir[64];
static int64_t mono = 100000, real_now = 1764000000; /* 2025-11-24 */
static uint64_t rng_state = 0x1234567887654321ull;

/* stubs' record */
static char stub_cmd[32];
static const char *stub_state = "locked";

/* fixture hashes, made once */
static char hash_admin[TG_PASSWD_STR_BUF], hash_oper[TG_PASSWD_STR_BUF],
    hash_view[TG_PASSWD_STR_BUF];

/* ---- what the lead's main.c and the other helper's files provide ---- */

void cd_random(struct cd_main *m, void *out, size_t n)
{
	uint8_t *p = out;
	size_t i;

	(void)m;
	for (i = 0; i < n; i++) {
		rng_state ^= rng_state >> 12;
		rng_state ^= rng_state << 25;
		rng_state ^= rng_state >> 27;
		p[i] = (uint8_t)((rng_state * 0x2545f4914f6cdd1dull) >> 56);
	}
}

static void stub_json(struct cd_out *o, int status, const char *key, const char *val)
{
	o->len = (size_t)snprintf(o->body, CD_OUT_MAX, "{\"%s\":\"%s\"}", key, val);
	o->status = status;
	o->kind = CD_KIND_JSON;
}

void cd_status_sample(struct cd_main *m)
{
	(void)m;
}

void cd_status_json(struct cd_main *m, struct cd_out *o)
{
	(void)m;
	stub_json(o, 200, "stub", "status");
}

void cd_history_json(struct cd_main *m, const char *span, struct cd_out *o)
{
	(void)m;
	if (strcmp(span, "hour") && strcmp(span, "day"))
		cd_out_error(o, 400, "span: expected hour or day");
	else
		stub_json(o, 200, "span", span);
}

void cd_metrics(struct cd_main *m, struct cd_out *o)
{
	(void)m;
	o->len = (size_t)snprintf(o->body, CD_OUT_MAX, "# EOF\n");
	o->status = 200;
	o->kind = CD_KIND_METRICS;
}

const char *cd_clock_state_name(struct cd_main *m)
{
	(void)m;
	return stub_state;
}

void cd_update_status_json(struct cd_main *m, struct cd_out *o)
{
	(void)m;
	stub_json(o, 200, "phase", "idle");
}

void cd_update_command(struct cd_main *m, const char *cmd, struct cd_out *o)
{
	(void)m;
	snprintf(stub_cmd, sizeof(stub_cmd), "%s", cmd);
	if (strcmp(cmd, "rollback") == 0)
		cd_out_error(o, 409, "no other slot to roll back to");
	else
		stub_json(o, 200, "message", "rebooting");
}

/* ---- fixture ---- */

static int64_t t_mono(void)
{
	return mono;
}

static int64_t t_real(void)
{
	return real_now;
}

static void path_of(const char *name, char *out, size_t cap)
{
	snprintf(out, cap, "%s/%s", dir, name);
}

static void cleanup_dir(void)
{
	DIR *d;
	struct dirent *e;
	char p[256];

	if (!dir[0] || !(d = opendir(dir)))
		return;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.') {
			path_of(e->d_name, p, sizeof(p));
			unlink(p);
		}
	closedir(d);
	rmdir(dir);
	dir[0] = '\0';
}

static void add_user(const char *name, int role, const char *hash)
{
	struct cd_user *u = &M.users.u[M.users.n++];

	memset(u, 0, sizeof(*u));
	snprintf(u->name, sizeof(u->name), "%s", name);
	u->role = role;
	snprintf(u->pwhash, sizeof(u->pwhash), "%s", hash);
	u->totp_last_step = -1;
}

/* A fresh daemon state; with_users: admin, oper and view exist (else setup is due). */
static void fresh(int with_users)
{
	uint8_t key[TG_SESS_KEY_LEN];
	char p[256];

	cleanup_dir();
	snprintf(dir, sizeof(dir), "/tmp/test_consoled_api.XXXXXX");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		exit(1);
	}
	if (M.audit_fd > 0)
		close(M.audit_fd);
	memset(&M, 0, sizeof(M));
	snprintf(M.conf.data_dir, sizeof(M.conf.data_dir), "%s", dir);
	M.conf.kdf_iterations = ITER;
	M.conf.session_idle_s = TG_SESS_IDLE;
	M.conf.session_max_s = TG_SESS_ABS;
	cd_random(&M, key, sizeof(key));
	tg_sess_init(&M.sessions, key);
	tg_rl_init(&M.rl);
	path_of("audit.log", p, sizeof(p));
	M.audit_fd = open(p, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	M.audit_next_seq = 1;
	M.now_mono = t_mono;
	M.now_real = t_real;
	M.upload.fd = -1;
	if (with_users) {
		add_user("admin", TG_ROLE_ADMIN, hash_admin);
		add_user("oper", TG_ROLE_OPERATOR, hash_oper);
		add_user("view", TG_ROLE_VIEWER, hash_view);
	} else {
		snprintf(M.setup_code, sizeof(M.setup_code), "ABCDE-FGHIJ");
	}
	/* the api's per-source memory outlives a test: time moves on instead */
	mono += 100000;
	real_now += 100000;
	stub_cmd[0] = '\0';
	O.body = outbuf;
}

/* a request as the console's own page sends it */
static void rq(int method, const char *path)
{
	memset(&R, 0, sizeof(R));
	R.conn = 3;
	R.gen = 7;
	R.method = (uint32_t)method;
	R.fetch_site = CD_FS_SAME_ORIGIN;
	snprintf(R.path, sizeof(R.path), "%s", path);
	snprintf(R.host, sizeof(R.host), "%s", HOST);
	snprintf(R.addr, sizeof(R.addr), "192.0.2.10");
	if (method == CD_POST || method == CD_DELETE || method == CD_PUT)
		snprintf(R.origin, sizeof(R.origin), "%s", ORIGIN);
}

static void body(const char *b)
{
	R.body_len = (uint32_t)strlen(b);
	memcpy(R.body, b, R.body_len);
	R.flags |= CD_REQ_F_JSON;
}

struct client {
	char cookie[CD_COOKIE_MAX];
	char csrf[CD_CSRF_MAX];
};

static void as(const struct client *c)
{
	if (!c)
		return;
	snprintf(R.cookie, sizeof(R.cookie), "%s", c->cookie);
	snprintf(R.csrf, sizeof(R.csrf), "%s", c->csrf);
}

static int send_rq(void)
{
	memset(outbuf, 0, sizeof(outbuf));
	cd_api_request(&M, &R, &O);
	outbuf[O.len] = '\0';
	return O.status;
}

/* one call: method, path, optional JSON body, as client c */
static int call(int method, const char *path, const char *b, const struct client *c)
{
	rq(method, path);
	if (b)
		body(b);
	as(c);
	return send_rq();
}

/* a string member of the (flat) answer, "" if none */
static const char *ans(const char *key)
{
	static char v[512];

	v[0] = '\0';
	if (tg_json_flat_check(O.body, O.len, NULL, 0) == 0)
		tg_json_get_str(O.body, O.len, key, v, sizeof(v));
	return v;
}

static int ans_bool(const char *key)
{
	int v = -1;

	if (tg_json_flat_check(O.body, O.len, NULL, 0) == 0)
		tg_json_get_bool(O.body, O.len, key, &v);
	return v;
}

/* the cookie value of the answer's Set-Cookie into c (csrf from the body) */
static int take_session(struct client *c)
{
	const char *p = strstr(O.set_cookie, "tg_session="), *e;

	memset(c, 0, sizeof(*c));
	if (!p)
		return -1;
	p += strlen("tg_session=");
	e = strchr(p, ';');
	if (!e || (size_t)(e - p) >= sizeof(c->cookie))
		return -1;
	memcpy(c->cookie, p, (size_t)(e - p));
	snprintf(c->csrf, sizeof(c->csrf), "%s", ans("csrf"));
	return 0;
}

static int login(const char *user, const char *pw, struct client *c)
{
	char b[256];
	int st;

	snprintf(b, sizeof(b), "{\"user\":\"%s\",\"password\":\"%s\"}", user, pw);
	st = call(CD_POST, "/api/login", b, NULL);
	if (st == 200 && c)
		take_session(c);
	return st;
}

static void must_login(const char *user, const char *pw, struct client *c)
{
	int st = login(user, pw, c);

	CHECK_EQ_INT(st, 200);
	CHECK(c->cookie[0] && c->csrf[0]);
}

static size_t read_file(const char *name, char *buf, size_t cap)
{
	char p[256];
	size_t len = 0;

	path_of(name, p, sizeof(p));
	if (tg_read_small_file(p, buf, cap, &len) < 0)
		return 0;
	buf[len] = '\0';
	return len;
}

/* how many records of the audit log have this action (and result, if not NULL) */
static int audit_count(const char *action, const char *result)
{
	static char buf[1 << 16];
	char pat[80];
	size_t len = read_file("audit.log", buf, sizeof(buf) - 1);
	int n = 0;
	const char *p = buf;

	(void)len;
	snprintf(pat, sizeof(pat), " %s %s ", action, result ? result : "");
	while ((p = strstr(p, result ? pat : action))) {
		if (result || (p > buf && p[-1] == ' ' && p[strlen(action)] == ' '))
			n++;
		p++;
	}
	return n;
}

static int audit_intact(uint64_t *n)
{
	static char buf[1 << 16];
	size_t len = read_file("audit.log", buf, sizeof(buf) - 1);
	uint8_t head[32];
	uint64_t bad;
	char err[200];
	int rc = tg_audit_verify(buf, len, n, head, &bad, err, sizeof(err));

	if (rc)
		fprintf(stderr, "  audit: %s\n", err);
	return rc;
}

static uint32_t totp_now(const uint8_t *key, size_t len, int64_t t)
{
	return tg_hotp(key, len, (uint64_t)(t / TG_TOTP_STEP_S), 6);
}

/* ---- setup ---- */

static void test_setup_flow(void)
{
	struct client a;
	char b[300], text[4096];

	fresh(0);
	CHECK_EQ_INT(call(CD_GET, "/api/session", NULL, NULL), 401);
	CHECK_EQ_INT(ans_bool("setup"), 1);

	/* a wrong code: refused, audited, counted */
	CHECK_EQ_INT(call(CD_POST, "/api/setup",
	                  "{\"code\":\"ABCDE-FGHIK\",\"user\":\"boss\",\"password\":\"" PW_ADMIN
	                  "\"}",
	                  NULL),
	             403);
	CHECK_EQ_STR(ans("error"), "wrong setup code");
	CHECK_EQ_INT(audit_count("setup", "fail"), 1);
	CHECK_EQ_INT(M.users.n, 0);

	/* the right code (lower case, no dash) but a weak password: the policy's words */
	CHECK_EQ_INT(call(CD_POST, "/api/setup",
	                  "{\"code\":\"abcdefghij\",\"user\":\"boss\",\"password\":\"short\"}",
	                  NULL),
	             400);
	CHECK(strncmp(ans("error"), "password: ", 10) == 0);
	CHECK_EQ_INT(M.users.n, 0);
	/* a bad name */
	CHECK_EQ_INT(call(CD_POST, "/api/setup",
	                  "{\"code\":\"ABCDE-FGHIJ\",\"user\":\"Boss\",\"password\":\"" PW_ADMIN
	                  "\"}",
	                  NULL),
	             400);
	CHECK(strncmp(ans("error"), "user: ", 6) == 0);

	/* the right code: the admin exists, is logged in, the code is dead */
	snprintf(b, sizeof(b), "{\"code\":\"abcde-fghij\",\"user\":\"boss\",\"password\":\"%s\"}",
	         PW_ADMIN);
	CHECK_EQ_INT(call(CD_POST, "/api/setup", b, NULL), 200);
	CHECK_EQ_STR(ans("user"), "boss");
	CHECK_EQ_STR(ans("role"), "admin");
	CHECK(take_session(&a) == 0);
	CHECK(strstr(O.set_cookie, "HttpOnly") && strstr(O.set_cookie, "SameSite=Strict") &&
	      strstr(O.set_cookie, "Secure"));
	CHECK_EQ_INT(M.users.n, 1);
	CHECK_EQ_INT(cd_users_admins(&M.users), 1);
	CHECK_EQ_STR(M.setup_code, "");
	CHECK(read_file("users", text, sizeof(text) - 1) > 0);
	CHECK(strncmp(text, "user boss admin $pbkdf2-sha256$100000$", 38) == 0);
	CHECK(strstr(text, PW_ADMIN) == NULL);
	CHECK_EQ_INT(audit_count("setup", "ok"), 1);
	/* the answer carries no password, hash or code */
	CHECK(strstr(outbuf, "pbkdf2") == NULL && strstr(outbuf, "ABCDE") == NULL);

	CHECK_EQ_INT(call(CD_GET, "/api/session", NULL, &a), 200);
	CHECK_EQ_STR(ans("user"), "boss");
	CHECK_EQ_STR(ans("csrf"), a.csrf);
	CHECK_EQ_INT(call(CD_GET, "/api/session", NULL, NULL), 401);
	CHECK_EQ_INT(ans_bool("setup"), 0);

	/* the code worked once */
	CHECK_EQ_INT(call(CD_POST, "/api/setup", b, NULL), 409);
	CHECK_EQ_INT(M.users.n, 1);

	/* the new admin logs in with the password */
	mono += 60;
	{
		struct client a2;

		must_login("boss", PW_ADMIN, &a2);
	}
	CHECK_EQ_INT(audit_intact(NULL), 0);
}

static void test_setup_code_throttled(void)
{
	int i, st = 0;

	fresh(0);
	for (i = 0; i < TG_RL_FREE_FAILS; i++) {
		rq(CD_POST, "/api/setup");
		snprintf(R.addr, sizeof(R.addr), "198.51.100.%d", i + 1);
		body("{\"code\":\"ZZZZZ-ZZZZZ\",\"user\":\"boss\",\"password\":\"" PW_ADMIN "\"}");
		CHECK_EQ_INT(send_rq(), 403);
	}
	/* the sixth, from yet another address and with the right code: locked */
	rq(CD_POST, "/api/setup");
	snprintf(R.addr, sizeof(R.addr), "198.51.100.99");
	body("{\"code\":\"ABCDE-FGHIJ\",\"user\":\"boss\",\"password\":\"" PW_ADMIN "\"}");
	st = send_rq();
	CHECK_EQ_INT(st, 429);
	CHECK(O.retry_after >= 1);
	CHECK_EQ_INT(M.users.n, 0);
	CHECK_EQ_INT(audit_count("setup", "refused"), 1);
	/* after the lock, the right code works */
	mono += TG_RL_LOCK_BASE + 1;
	CHECK_EQ_INT(send_rq(), 200);
	CHECK_EQ_INT(M.users.n, 1);
}

/* ---- authorization ---- */

struct rt {
	int method;
	const char *path;
	int need; /* 0: anyone; TG_ROLE_* */
	int csrf;
	int ok_status; /* what the route answers when it runs with an empty body */
};

static const struct rt routes[] = {
    {CD_GET, "/api/status", TG_ROLE_VIEWER, 0, 200},
    {CD_GET, "/api/history", TG_ROLE_VIEWER, 0, 200},
    {CD_GET, "/api/update", TG_ROLE_VIEWER, 0, 200},
    {CD_POST, "/api/update", TG_ROLE_OPERATOR, 1, 400},
    {CD_POST, "/api/update/rollback", TG_ROLE_ADMIN, 1, 409},
    {CD_POST, "/api/reboot", TG_ROLE_ADMIN, 1, 200},
    {CD_GET, "/api/audit", TG_ROLE_ADMIN, 0, 200},
    {CD_GET, "/api/audit/export", TG_ROLE_ADMIN, 0, 200},
    {CD_GET, "/api/users", TG_ROLE_ADMIN, 0, 200},
    {CD_POST, "/api/users", TG_ROLE_ADMIN, 1, 415},
    {CD_DELETE, "/api/users/nobody", TG_ROLE_ADMIN, 1, 404},
    {CD_POST, "/api/password", TG_ROLE_VIEWER, 1, 415},
    {CD_POST, "/api/totp/begin", TG_ROLE_VIEWER, 1, 200},
    {CD_POST, "/api/totp/confirm", TG_ROLE_VIEWER, 1, 415},
    {CD_POST, "/api/totp/disable", TG_ROLE_VIEWER, 1, 415},
    {CD_POST, "/api/metrics/token", TG_ROLE_ADMIN, 1, 200},
    /* svctl.c: no supervisor socket in this test (503); a restart needs a JSON body (415) */
    {CD_GET, "/api/logs", TG_ROLE_VIEWER, 0, 503},
    {CD_GET, "/api/services", TG_ROLE_VIEWER, 0, 503},
    {CD_POST, "/api/services/restart", TG_ROLE_ADMIN, 1, 415},
    {CD_GET, "/metrics", TG_ROLE_VIEWER, 0, 200},
};
#define N_RT (sizeof(routes) / sizeof(routes[0]))

static int route_call(const struct rt *r, const struct client *c)
{
	rq(r->method, r->path);
	as(c);
	return send_rq();
}

static void test_auth_matrix(void)
{
	static const char *const names[] = {"", "viewer", "operator", "admin"};
	struct client who[4];
	size_t i;
	int role;

	fresh(1);
	memset(&who[0], 0, sizeof(who[0]));
	must_login("view", PW_VIEW, &who[TG_ROLE_VIEWER]);
	must_login("oper", PW_OPER, &who[TG_ROLE_OPERATOR]);
	must_login("admin", PW_ADMIN, &who[TG_ROLE_ADMIN]);

	for (i = 0; i < N_RT; i++) {
		const struct rt *r = &routes[i];
		char msg[64];

		/* no session: 401 */
		if (route_call(r, NULL) != 401) {
			fprintf(stderr, "  %s without a session: %d\n", r->path, O.status);
			CHECK(0);
		}
		for (role = TG_ROLE_VIEWER; role <= TG_ROLE_ADMIN; role++) {
			int st = route_call(r, &who[role]);

			if (role < r->need) {
				snprintf(msg, sizeof(msg), "needs role %s", names[r->need]);
				if (st != 403 || strcmp(ans("error"), msg) != 0) {
					fprintf(stderr, "  %s as %s: %d %s\n", r->path, names[role],
					        st, outbuf);
					CHECK(0);
				}
			} else if (st != r->ok_status) {
				fprintf(stderr, "  %s as %s: %d, expected %d (%s)\n", r->path,
				        names[role], st, r->ok_status, outbuf);
				CHECK(0);
			}
		}
		if (!r->csrf)
			continue;
		/* the right role without, or with a wrong, CSRF token */
		rq(r->method, r->path);
		as(&who[TG_ROLE_ADMIN]);
		R.csrf[0] = '\0';
		CHECK_EQ_INT(send_rq(), 403);
		CHECK_EQ_STR(ans("error"), "CSRF token missing or wrong");
		rq(r->method, r->path);
		as(&who[TG_ROLE_ADMIN]);
		snprintf(R.csrf, sizeof(R.csrf), "%s", who[TG_ROLE_VIEWER].csrf);
		CHECK_EQ_INT(send_rq(), 403);
		CHECK_EQ_STR(ans("error"), "CSRF token missing or wrong");
		/* another origin, with everything else right */
		rq(r->method, r->path);
		as(&who[TG_ROLE_ADMIN]);
		snprintf(R.origin, sizeof(R.origin), "https://evil.example");
		CHECK_EQ_INT(send_rq(), 403);
		rq(r->method, r->path);
		as(&who[TG_ROLE_ADMIN]);
		snprintf(R.origin, sizeof(R.origin), "http://" HOST);
		CHECK_EQ_INT(send_rq(), 403);
		rq(r->method, r->path);
		as(&who[TG_ROLE_ADMIN]);
		snprintf(R.origin, sizeof(R.origin), "https://" HOST ":8443");
		CHECK_EQ_INT(send_rq(), 403);
		/* no Origin at all is fine (the CSRF token still holds) */
		rq(r->method, r->path);
		as(&who[TG_ROLE_ADMIN]);
		R.origin[0] = '\0';
		CHECK_EQ_INT(send_rq(), r->ok_status);
		/* same-site is refused for a change */
		rq(r->method, r->path);
		as(&who[TG_ROLE_ADMIN]);
		R.fetch_site = CD_FS_SAME_SITE;
		CHECK_EQ_INT(send_rq(), 403);
	}
	/* cross-site: refused everywhere but GET /metrics */
	for (i = 0; i < N_RT; i++) {
		rq(routes[i].method, routes[i].path);
		as(&who[TG_ROLE_ADMIN]);
		R.fetch_site = CD_FS_CROSS_SITE;
		if (strcmp(routes[i].path, "/metrics") == 0)
			CHECK_EQ_INT(send_rq(), 200);
		else
			CHECK_EQ_INT(send_rq(), 403);
	}
	rq(CD_GET, "/api/session");
	R.fetch_site = CD_FS_CROSS_SITE;
	CHECK_EQ_INT(send_rq(), 403);
	/* a login from another origin never reaches the password check */
	rq(CD_POST, "/api/login");
	body("{\"user\":\"admin\",\"password\":\"" PW_ADMIN "\"}");
	snprintf(R.origin, sizeof(R.origin), "https://evil.example");
	CHECK_EQ_INT(send_rq(), 403);
	CHECK(O.set_cookie[0] == '\0');

	/* a malformed cookie or a forged one is no session */
	rq(CD_GET, "/api/status");
	snprintf(R.cookie, sizeof(R.cookie), "%s", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
	CHECK_EQ_INT(send_rq(), 401);
	rq(CD_GET, "/api/status");
	memset(R.cookie, 'A', sizeof(R.cookie)); /* no NUL: web's field full */
	CHECK_EQ_INT(send_rq(), 401);

	/* unknown routes and methods */
	CHECK_EQ_INT(call(CD_GET, "/api/nothing", NULL, &who[TG_ROLE_ADMIN]), 404);
	CHECK_EQ_INT(call(CD_GET, "/api/users/", NULL, &who[TG_ROLE_ADMIN]), 404);
	CHECK_EQ_INT(call(CD_DELETE, "/api/status", NULL, &who[TG_ROLE_ADMIN]), 405);
	CHECK_EQ_INT(call(CD_GET, "/api/login", NULL, NULL), 405);
	CHECK_EQ_INT(call(CD_HEAD, "/api/status", NULL, &who[TG_ROLE_VIEWER]), 200);

	/* a session whose user was removed behind the api's back is no session */
	M.users.n = 2; /* "view" gone */
	CHECK_EQ_INT(call(CD_GET, "/api/status", NULL, &who[TG_ROLE_VIEWER]), 401);
	M.users.n = 3;
	CHECK_EQ_INT(call(CD_GET, "/api/status", NULL, &who[TG_ROLE_VIEWER]), 401);
}

static void test_session_expiry(void)
{
	struct client v;

	fresh(1);
	must_login("view", PW_VIEW, &v);
	mono += TG_SESS_IDLE - 1;
	CHECK_EQ_INT(call(CD_GET, "/api/status", NULL, &v), 200);
	mono += TG_SESS_IDLE;
	CHECK_EQ_INT(call(CD_GET, "/api/status", NULL, &v), 401);
}

/* ---- login ---- */

static void test_login(void)
{
	struct client a;
	char unknown_body[200];
	size_t len;

	fresh(1);
	must_login("admin", PW_ADMIN, &a);
	CHECK_EQ_STR(ans("user"), "admin");
	CHECK_EQ_STR(ans("role"), "admin");
	CHECK_EQ_INT(ans_bool("totp"), 0);
	CHECK(strstr(O.set_cookie, "Max-Age=") != NULL);
	CHECK_EQ_INT(audit_count("login", "ok"), 1);

	CHECK_EQ_INT(login("admin", "not the password at all", NULL), 401);
	CHECK_EQ_STR(ans("error"), "wrong user name or password");
	CHECK(O.set_cookie[0] == '\0');
	len = O.len;
	CHECK_EQ_INT(login("ghost", "not the password at all", NULL), 401);
	CHECK(O.len < sizeof(unknown_body));
	memcpy(unknown_body, outbuf, sizeof(unknown_body) - 1);
	unknown_body[sizeof(unknown_body) - 1] = '\0';
	/* an unknown user: the same answer, byte for byte */
	CHECK_EQ_INT(O.len, len);
	CHECK_EQ_INT(login("admin", "not the password at all", NULL), 401);
	CHECK_EQ_STR(outbuf, unknown_body);
	/* a name that is no user name at all: the same again, not recorded */
	CHECK_EQ_INT(login("Robert'); --", "x", NULL), 401);
	CHECK_EQ_STR(outbuf, unknown_body);
	CHECK_EQ_INT(audit_count("login.fail", "fail"), 4);
	{
		static char buf[1 << 16];

		read_file("audit.log", buf, sizeof(buf) - 1);
		CHECK(strstr(buf, "Robert") == NULL);
		CHECK(strstr(buf, "not%20the%20password") == NULL);
		CHECK(strstr(buf, " ghost ") != NULL);
		/* the malformed name: no user, the address kept */
		CHECK(strstr(buf, " - 192.0.2.10 login.fail fail malformed%20user%20name ") !=
		      NULL);
	}

	/* the session answer and logout */
	CHECK_EQ_INT(call(CD_GET, "/api/session", NULL, &a), 200);
	CHECK_EQ_STR(ans("csrf"), a.csrf);
	CHECK_EQ_INT(audit_intact(NULL), 0);
}

static void test_lockout(void)
{
	struct client c;
	int i;

	fresh(1);
	/* five wrong passwords from five addresses (the source buckets stay full) */
	for (i = 0; i < TG_RL_FREE_FAILS; i++) {
		rq(CD_POST, "/api/login");
		snprintf(R.addr, sizeof(R.addr), "203.0.113.%d", i + 1);
		body("{\"user\":\"oper\",\"password\":\"wrong wrong wrong\"}");
		CHECK_EQ_INT(send_rq(), 401);
	}
	/* the sixth, with the right password, from a sixth address: 429 */
	rq(CD_POST, "/api/login");
	snprintf(R.addr, sizeof(R.addr), "203.0.113.77");
	body("{\"user\":\"oper\",\"password\":\"" PW_OPER "\"}");
	CHECK_EQ_INT(send_rq(), 429);
	CHECK(O.retry_after >= 1 && O.retry_after <= TG_RL_LOCK_BASE);
	CHECK(strstr(ans("error"), "try again in") != NULL);
	CHECK(O.set_cookie[0] == '\0');
	CHECK_EQ_INT(audit_count("login.locked", "refused"), 1);
	/* a second refusal from the same source within the minute: not recorded again */
	CHECK_EQ_INT(send_rq(), 429);
	CHECK_EQ_INT(audit_count("login.locked", "refused"), 1);

	/* the lock ends */
	mono += TG_RL_LOCK_BASE + 1;
	CHECK_EQ_INT(send_rq(), 200);
	take_session(&c);
	CHECK(c.cookie[0] != '\0');

	/* an unknown name is locked the same way */
	for (i = 0; i < TG_RL_FREE_FAILS; i++) {
		rq(CD_POST, "/api/login");
		snprintf(R.addr, sizeof(R.addr), "2001:db8:%d::1", i + 1);
		body("{\"user\":\"ghost\",\"password\":\"wrong wrong wrong\"}");
		CHECK_EQ_INT(send_rq(), 401);
	}
	rq(CD_POST, "/api/login");
	snprintf(R.addr, sizeof(R.addr), "2001:db8:99::1");
	body("{\"user\":\"ghost\",\"password\":\"wrong wrong wrong\"}");
	CHECK_EQ_INT(send_rq(), 429);
	CHECK(O.retry_after >= 1);

	/* one source: five tries, then the sixth waits (whatever the names) */
	mono += 1000;
	for (i = 0; i < TG_RL_BURST; i++) {
		rq(CD_POST, "/api/login");
		snprintf(R.addr, sizeof(R.addr), "2001:db8:aa:bb::%d", i + 1); /* one /64 */
		body(i % 2 ? "{\"user\":\"x1\",\"password\":\"p\"}"
		           : "{\"user\":\"x2\",\"password\":\"p\"}");
		CHECK_EQ_INT(send_rq(), 401);
	}
	rq(CD_POST, "/api/login");
	snprintf(R.addr, sizeof(R.addr), "2001:db8:aa:bb::99");
	body("{\"user\":\"view\",\"password\":\"" PW_VIEW "\"}");
	CHECK_EQ_INT(send_rq(), 429);
	CHECK(O.retry_after >= 1 && O.retry_after <= TG_RL_REFILL);
	CHECK_EQ_INT(audit_intact(NULL), 0);
}

/* ---- TOTP ---- */

static void test_totp(void)
{
	struct client v, p, v2;
	uint8_t key[TG_TOTP_KEY_LEN];
	char secret[64], b[100], users[4096];
	const struct cd_user *u;
	int klen;

	fresh(1);
	must_login("view", PW_VIEW, &v);
	CHECK_EQ_INT(call(CD_POST, "/api/totp/begin", NULL, &v), 200);
	snprintf(secret, sizeof(secret), "%s", ans("secret"));
	CHECK_EQ_INT((int)strlen(secret), TG_BASE32_LEN(TG_TOTP_KEY_LEN));
	CHECK(strncmp(ans("uri"), "otpauth://totp/Timegate:view?secret=", 36) == 0);
	klen = tg_base32_decode(secret, strlen(secret), key, sizeof(key));
	CHECK_EQ_INT(klen, TG_TOTP_KEY_LEN);

	/* wrong code, then the right one */
	snprintf(b, sizeof(b), "{\"code\":\"%06u\"}", (totp_now(key, 20, real_now) + 1) % 1000000);
	CHECK_EQ_INT(call(CD_POST, "/api/totp/confirm", b, &v), 400);
	CHECK_EQ_INT(call(CD_POST, "/api/totp/confirm", "{\"code\":\"12345\"}", &v), 400);
	CHECK_EQ_STR(ans("error"), "code: expected 6 digits");
	snprintf(b, sizeof(b), "{\"code\":\"%06u\"}", totp_now(key, 20, real_now));
	CHECK_EQ_INT(call(CD_POST, "/api/totp/confirm", b, &v), 200);
	CHECK_EQ_INT(ans_bool("totp"), 1);
	u = cd_users_find(&M.users, "view");
	CHECK(u && strcmp(u->totp, secret) == 0);
	CHECK(read_file("users", users, sizeof(users) - 1) && strstr(users, secret));
	CHECK_EQ_INT(audit_count("totp.enable", "ok"), 1);
	CHECK(strstr(users, secret) != NULL);
	{
		static char buf[1 << 16];

		read_file("audit.log", buf, sizeof(buf) - 1);
		CHECK(strstr(buf, secret) == NULL);
	}
	/* begin again while on: refused */
	CHECK_EQ_INT(call(CD_POST, "/api/totp/begin", NULL, &v), 409);

	/* login now asks for the code; the pending session can do nothing else */
	CHECK_EQ_INT(login("view", PW_VIEW, NULL), 200);
	CHECK_EQ_INT(ans_bool("totp_required"), 1);
	CHECK(ans("user")[0] == '\0');
	take_session(&p);
	CHECK(p.cookie[0] && p.csrf[0]);
	CHECK(strstr(O.set_cookie, "Max-Age=300") != NULL);
	CHECK_EQ_INT(call(CD_GET, "/api/status", NULL, &p), 401);
	CHECK_EQ_INT(call(CD_GET, "/api/session", NULL, &p), 401);
	CHECK_EQ_INT(ans_bool("totp_required"), 1);
	CHECK_EQ_INT(call(CD_POST, "/api/password", "{}", &p), 401);
	/* the full session cannot use the TOTP step */
	CHECK_EQ_INT(call(CD_POST, "/api/login/totp", "{\"code\":\"000000\"}", &v), 409);
	CHECK_EQ_INT(call(CD_POST, "/api/login/totp", "{\"code\":\"000000\"}", NULL), 401);

	/* the code used for the confirmation does not work again (replay) */
	CHECK_EQ_INT(call(CD_POST, "/api/login/totp", b, &p), 401);
	CHECK_EQ_STR(ans("error"), "wrong or already used code");
	/* the next step's code does; the id changes */
	real_now += TG_TOTP_STEP_S;
	snprintf(b, sizeof(b), "{\"code\":\"%06u\"}", totp_now(key, 20, real_now));
	CHECK_EQ_INT(call(CD_POST, "/api/login/totp", b, &p), 200);
	CHECK_EQ_STR(ans("user"), "view");
	take_session(&v2);
	CHECK(v2.cookie[0] && strcmp(v2.cookie, p.cookie) != 0);
	CHECK_EQ_INT(call(CD_GET, "/api/status", NULL, &v2), 200);
	CHECK_EQ_INT(call(CD_GET, "/api/status", NULL, &p), 401);
	CHECK_EQ_INT(audit_count("login", "ok"), 2);
	/* and once only: a second pending login with the same code fails */
	mono += 60; /* the source's bucket refills */
	CHECK_EQ_INT(login("view", PW_VIEW, NULL), 200);
	take_session(&p);
	CHECK_EQ_INT(call(CD_POST, "/api/login/totp", b, &p), 401);
	/* a pending session can log out with the CSRF token it was given */
	CHECK_EQ_INT(call(CD_POST, "/api/logout", NULL, &p), 200);

	/* off again: the password is needed */
	mono += 60;
	CHECK_EQ_INT(
	    call(CD_POST, "/api/totp/disable", "{\"password\":\"wrong wrong wrong\"}", &v2), 403);
	CHECK(cd_users_find(&M.users, "view")->totp[0] != '\0');
	CHECK_EQ_INT(call(CD_POST, "/api/totp/disable", "{\"password\":\"" PW_VIEW "\"}", &v2),
	             200);
	CHECK_EQ_INT(ans_bool("totp"), 0);
	CHECK(cd_users_find(&M.users, "view")->totp[0] == '\0');
	read_file("users", users, sizeof(users) - 1);
	CHECK(strstr(users, secret) == NULL);
	CHECK_EQ_INT(audit_count("totp.disable", "ok"), 1);
	must_login("view", PW_VIEW, &v);
	CHECK_EQ_INT(audit_intact(NULL), 0);
}

/* ---- logout ---- */

static void test_logout(void)
{
	struct client a;

	fresh(1);
	must_login("oper", PW_OPER, &a);
	/* without the CSRF token: refused, still logged in */
	rq(CD_POST, "/api/logout");
	snprintf(R.cookie, sizeof(R.cookie), "%s", a.cookie);
	CHECK_EQ_INT(send_rq(), 403);
	CHECK_EQ_INT(call(CD_GET, "/api/status", NULL, &a), 200);
	CHECK_EQ_INT(call(CD_POST, "/api/logout", NULL, &a), 200);
	CHECK(strstr(O.set_cookie, "tg_session=;") != NULL);
	CHECK(strstr(O.set_cookie, "Max-Age=0") != NULL);
	CHECK_EQ_INT(call(CD_GET, "/api/status", NULL, &a), 401);
	CHECK_EQ_INT(audit_count("logout", "ok"), 1);
	/* logging out again: 401, but the cookie is cleared anyway */
	CHECK_EQ_INT(call(CD_POST, "/api/logout", NULL, &a), 401);
	CHECK(strstr(O.set_cookie, "Max-Age=0") != NULL);
}

/* ---- users ---- */

static void test_users(void)
{
	struct client a, n;
	char text[4096];

	fresh(1);
	must_login("admin", PW_ADMIN, &a);
	CHECK_EQ_INT(call(CD_GET, "/api/users", NULL, &a), 200);
	CHECK(strstr(outbuf, "\"user\":\"oper\"") && strstr(outbuf, "\"role\":\"operator\""));
	CHECK(strstr(outbuf, "pbkdf2") == NULL);

	CHECK_EQ_INT(call(CD_POST, "/api/users",
	                  "{\"user\":\"newbie\",\"password\":\"" PW_NEW "\",\"role\":\"operator\"}",
	                  &a),
	             200);
	CHECK(cd_users_find(&M.users, "newbie") != NULL);
	CHECK(read_file("users", text, sizeof(text) - 1) && strstr(text, "user newbie operator "));
	{
		struct stat st;
		char p[256];

		path_of("users", p, sizeof(p));
		CHECK(stat(p, &st) == 0 && (st.st_mode & 0777) == 0600);
	}
	CHECK_EQ_INT(audit_count("user.add", "ok"), 1);
	/* refusals */
	CHECK_EQ_INT(call(CD_POST, "/api/users",
	                  "{\"user\":\"newbie\",\"password\":\"" PW_NEW "\",\"role\":\"viewer\"}",
	                  &a),
	             409);
	CHECK_EQ_INT(call(CD_POST, "/api/users",
	                  "{\"user\":\"New Bie\",\"password\":\"" PW_NEW "\",\"role\":\"viewer\"}",
	                  &a),
	             400);
	CHECK_EQ_INT(call(CD_POST, "/api/users",
	                  "{\"user\":\"other\",\"password\":\"" PW_NEW "\",\"role\":\"root\"}", &a),
	             400);
	CHECK_EQ_STR(ans("error"), "role: expected viewer, operator or admin");
	CHECK_EQ_INT(call(CD_POST, "/api/users",
	                  "{\"user\":\"other\",\"password\":\"short\",\"role\":\"viewer\"}", &a),
	             400);
	CHECK(strncmp(ans("error"), "password: ", 10) == 0);
	CHECK_EQ_INT(
	    call(CD_POST, "/api/users",
	         "{\"user\":\"longname\",\"password\":\"xx longname xx\",\"role\":\"viewer\"}", &a),
	    400);
	CHECK_EQ_INT(M.users.n, 4);

	/* the new user works, then is removed with its sessions */
	must_login("newbie", PW_NEW, &n);
	CHECK_EQ_INT(call(CD_GET, "/api/status", NULL, &n), 200);
	CHECK_EQ_INT(call(CD_DELETE, "/api/users/admin", NULL, &a), 409);
	CHECK_EQ_STR(ans("error"), "you cannot remove yourself");
	CHECK_EQ_INT(call(CD_DELETE, "/api/users/ghost", NULL, &a), 404);
	CHECK_EQ_INT(call(CD_DELETE, "/api/users/Bad%20Name", NULL, &a), 404);
	CHECK_EQ_INT(call(CD_DELETE, "/api/users/newbie", NULL, &a), 200);
	CHECK(cd_users_find(&M.users, "newbie") == NULL);
	CHECK_EQ_INT(M.users.n, 3);
	CHECK_EQ_INT(tg_sess_user_count(&M.sessions, "newbie"), 0);
	CHECK_EQ_INT(call(CD_GET, "/api/status", NULL, &n), 401);
	read_file("users", text, sizeof(text) - 1);
	CHECK(strstr(text, "newbie") == NULL && strstr(text, "user oper operator "));
	CHECK_EQ_INT(audit_count("user.remove", "ok"), 1);

	/* another admin removes the first; then the last admin stays */
	CHECK_EQ_INT(call(CD_POST, "/api/users",
	                  "{\"user\":\"chief\",\"password\":\"" PW_NEW "\",\"role\":\"admin\"}",
	                  &a),
	             200);
	must_login("chief", PW_NEW, &n);
	CHECK_EQ_INT(call(CD_DELETE, "/api/users/admin", NULL, &n), 200);
	CHECK_EQ_INT(cd_users_admins(&M.users), 1);
	CHECK_EQ_INT(call(CD_GET, "/api/users", NULL, &a), 401);
	CHECK_EQ_INT(call(CD_DELETE, "/api/users/chief", NULL, &n), 409);

	/* a users file that cannot be written: 500, nothing changed in memory */
	{
		char p[256];

		path_of("users", p, sizeof(p));
		unlink(p);
		CHECK(mkdir(p, 0700) == 0); /* rename over a folder fails */
		CHECK_EQ_INT(call(CD_DELETE, "/api/users/oper", NULL, &n), 500);
		CHECK(cd_users_find(&M.users, "oper") != NULL);
		CHECK_EQ_INT(M.users.n, 3);
		CHECK_EQ_INT(
		    call(CD_POST, "/api/users",
		         "{\"user\":\"late\",\"password\":\"" PW_NEW "\",\"role\":\"viewer\"}", &n),
		    500);
		CHECK(cd_users_find(&M.users, "late") == NULL);
		rmdir(p);
	}
	CHECK_EQ_INT(audit_intact(NULL), 0);
}

/* ---- password ---- */

static void test_password_change(void)
{
	struct client a, b, other;

	fresh(1);
	must_login("view", PW_VIEW, &a);
	must_login("view", PW_VIEW, &b);
	must_login("oper", PW_OPER, &other);

	CHECK_EQ_INT(
	    call(CD_POST, "/api/password", "{\"old\":\"wrong wrong\",\"new\":\"" PW_NEW "\"}", &a),
	    403);
	CHECK_EQ_INT(
	    call(CD_POST, "/api/password", "{\"old\":\"" PW_VIEW "\",\"new\":\"short\"}", &a), 400);
	CHECK(strncmp(ans("error"), "new password: ", 14) == 0);
	CHECK_EQ_INT(call(CD_POST, "/api/password", "{\"old\":\"" PW_VIEW "\"}", &a), 400);
	CHECK_EQ_STR(ans("error"), "request body: missing \"new\"");
	CHECK_EQ_INT(
	    call(CD_POST, "/api/password", "{\"old\":\"" PW_VIEW "\",\"new\":\"" PW_NEW "\"}", &a),
	    200);
	CHECK_EQ_INT(audit_count("password", "ok"), 1);
	CHECK_EQ_INT(audit_count("password", "fail"), 1);
	/* this session lives on with the same token; the other one of view ended */
	CHECK_EQ_INT(call(CD_GET, "/api/session", NULL, &a), 200);
	CHECK_EQ_STR(ans("csrf"), a.csrf);
	CHECK_EQ_INT(call(CD_POST, "/api/totp/begin", NULL, &a), 200);
	CHECK_EQ_INT(call(CD_GET, "/api/session", NULL, &b), 401);
	CHECK_EQ_INT(call(CD_GET, "/api/session", NULL, &other), 200);
	mono += 60;
	CHECK_EQ_INT(login("view", PW_VIEW, NULL), 401);
	must_login("view", PW_NEW, &b);
	CHECK_EQ_INT(audit_intact(NULL), 0);
}

/* ---- bodies ---- */

static void test_bad_bodies(void)
{
	fresh(1);
	CHECK_EQ_INT(call(CD_POST, "/api/login", "{\"user\":", NULL), 400);
	CHECK(strstr(outbuf, "\"error\":\"request body: ") != NULL);
	CHECK_EQ_INT(call(CD_POST, "/api/login", "{\"user\":{\"a\":1},\"password\":\"x\"}", NULL),
	             400);
	CHECK(strstr(outbuf, "request body: ") && strstr(outbuf, "nested"));
	CHECK_EQ_INT(call(CD_POST, "/api/login", "{\"user\":\"admin\"}", NULL), 400);
	CHECK_EQ_STR(ans("error"), "request body: missing \"password\"");
	CHECK_EQ_INT(call(CD_POST, "/api/login", "{\"user\":5,\"password\":\"x\"}", NULL), 400);
	CHECK(strstr(ans("error"), "\"user\": expected a string") != NULL);
	CHECK_EQ_INT(call(CD_POST, "/api/login", "", NULL), 400);
	CHECK_EQ_INT(call(CD_POST, "/api/login", "[]", NULL), 400);
	CHECK_EQ_INT(call(CD_POST, "/api/login",
	                  "{\"user\":\"admin\",\"user\":\"x\",\"password\":\"x\"}", NULL),
	             400);
	/* not declared as JSON */
	rq(CD_POST, "/api/login");
	body("{\"user\":\"admin\",\"password\":\"" PW_ADMIN "\"}");
	R.flags = 0;
	CHECK_EQ_INT(send_rq(), 415);
	/* body_len beyond the buffer: refused before anything */
	rq(CD_POST, "/api/login");
	R.flags = CD_REQ_F_JSON;
	R.body_len = CD_BODY_MAX + 1;
	CHECK_EQ_INT(send_rq(), 413);
	/* path without its NUL */
	rq(CD_GET, "/api/status");
	memset(R.path, 'a', sizeof(R.path));
	CHECK_EQ_INT(send_rq(), 400);
	/* none of that reached the password check */
	CHECK_EQ_INT(audit_count("login.fail", NULL), 0);
}

/* ---- audit ---- */

static void test_audit_chain_and_routes(void)
{
	struct client a;
	static char file[1 << 16];
	size_t len;
	uint64_t n = 0;
	int i;

	fresh(1);
	stub_state = "holdover";
	must_login("admin", PW_ADMIN, &a);
	CHECK_EQ_INT(login("oper", "wrong wrong wrong", NULL), 401);
	for (i = 0; i < 3; i++)
		cd_audit(&M, "admin", "2001:db8::1", "config.set", "ok", "ntp server 2");
	cd_audit(&M, "Not A User", "not an address", "odd.one", "refused", "kept");
	cd_audit(&M, "-", "-", "update.install", "fail", "aborted by the client");
	CHECK_EQ_INT(audit_intact(&n), 0);
	CHECK_EQ_INT(n, 7);
	CHECK_EQ_INT(M.audit_next_seq, 8);
	len = read_file("audit.log", file, sizeof(file) - 1);
	CHECK(strstr(file, " holdover admin 192.0.2.10 login ok ") != NULL);
	CHECK(strstr(file, "odd.one refused user=Not%20A%20User%20addr=not%20an%20address") !=
	      NULL);
	CHECK(strstr(file, " holdover - - update.install fail aborted%20by%20the%20client ") !=
	      NULL);

	/* the routes */
	CHECK_EQ_INT(call(CD_GET, "/api/audit", NULL, &a), 200);
	CHECK(strstr(outbuf, "\"intact\":true") && strstr(outbuf, "\"records_total\":7"));
	CHECK(strstr(outbuf, "\"action\":\"login.fail\"") && strstr(outbuf, "\"user\":\"oper\""));
	CHECK(strstr(outbuf, "\"clock\":\"holdover\""));
	rq(CD_GET, "/api/audit");
	as(&a);
	snprintf(R.query, sizeof(R.query), "limit=2");
	CHECK_EQ_INT(send_rq(), 200);
	CHECK(strstr(outbuf, "\"seq\":6") && strstr(outbuf, "\"seq\":7") &&
	      !strstr(outbuf, "\"seq\":5"));
	for (i = 0; i < 4; i++) {
		static const char *const bad[] = {"limit=0", "limit=1001", "limit=x", "limit=-1"};

		rq(CD_GET, "/api/audit");
		as(&a);
		snprintf(R.query, sizeof(R.query), "%s", bad[i]);
		CHECK_EQ_INT(send_rq(), 400);
	}
	/* the export is the file (the audit route's own reads add nothing) */
	CHECK_EQ_INT(call(CD_GET, "/api/audit/export", NULL, &a), 200);
	CHECK_EQ_INT(O.kind, CD_KIND_DOWNLOAD);
	CHECK_EQ_STR(O.filename, "audit.log");
	CHECK_EQ_INT(O.len, len);
	CHECK(memcmp(outbuf, file, len) == 0);

	/* an edited record shows */
	{
		char p[256];
		char *at = strstr(file, "ntp%20server%202");
		int fd;

		CHECK(at != NULL);
		if (at) {
			at[15] = '3';
			path_of("audit.log", p, sizeof(p));
			fd = open(p, O_WRONLY | O_TRUNC);
			CHECK(fd >= 0 && tg_write_all(fd, file, len) == 0);
			close(fd);
		}
	}
	CHECK_EQ_INT(call(CD_GET, "/api/audit", NULL, &a), 200);
	CHECK(strstr(outbuf, "\"intact\":false") && strstr(outbuf, "\"bad_seq\":3"));

	/* without a file open: a warning, the chain state does not move */
	close(M.audit_fd);
	M.audit_fd = -1;
	cd_audit(&M, "admin", "192.0.2.1", "reboot", "ok", "");
	CHECK_EQ_INT(M.audit_next_seq, 8);
	stub_state = "locked";
}

static void test_audit_absent(void)
{
	struct client a;
	char p[256];

	fresh(1);
	must_login("admin", PW_ADMIN, &a);
	close(M.audit_fd);
	M.audit_fd = -1;
	path_of("audit.log", p, sizeof(p));
	unlink(p);
	CHECK_EQ_INT(call(CD_GET, "/api/audit", NULL, &a), 200);
	CHECK(strstr(outbuf, "\"intact\":true") && strstr(outbuf, "\"records\":[]"));
	CHECK(strstr(
	    outbuf,
	    "\"head\":\"0000000000000000000000000000000000000000000000000000000000000000\""));
}

/* ---- status, updates, metrics ---- */

static void test_status_update_routes(void)
{
	struct client o, a;

	fresh(1);
	must_login("oper", PW_OPER, &o);
	must_login("admin", PW_ADMIN, &a);
	rq(CD_GET, "/api/history");
	as(&o);
	snprintf(R.query, sizeof(R.query), "span=day");
	CHECK_EQ_INT(send_rq(), 200);
	CHECK_EQ_STR(ans("span"), "day");
	CHECK_EQ_INT(call(CD_GET, "/api/history", NULL, &o), 200);
	CHECK_EQ_STR(ans("span"), "hour");
	rq(CD_GET, "/api/history");
	as(&o);
	snprintf(R.query, sizeof(R.query), "span=week");
	CHECK_EQ_INT(send_rq(), 400);

	/*
	 * The head of an upload: authorised, answered with status 0 and left to
	 * main.c, which starts the stream (cd_update_begin) and answers later.
	 */
	rq(CD_POST, "/api/update");
	as(&o);
	R.flags = CD_REQ_F_UPLOAD;
	R.content_length = 12345;
	CHECK_EQ_INT(send_rq(), 0);
	CHECK_EQ_INT(O.len, 0);
	CHECK(!M.upload.active);
	/* a viewer, a missing token, another origin: refused before main sees it */
	CHECK_EQ_INT(call(CD_GET, "/api/session", NULL, NULL), 401);
	{
		struct client v;

		must_login("view", PW_VIEW, &v);
		rq(CD_POST, "/api/update");
		as(&v);
		R.flags = CD_REQ_F_UPLOAD;
		CHECK_EQ_INT(send_rq(), 403);
	}
	rq(CD_POST, "/api/update");
	as(&o);
	R.flags = CD_REQ_F_UPLOAD;
	R.csrf[0] = '\0';
	CHECK_EQ_INT(send_rq(), 403);
	rq(CD_POST, "/api/update");
	as(&o);
	R.flags = CD_REQ_F_UPLOAD;
	snprintf(R.origin, sizeof(R.origin), "https://evil.example");
	CHECK_EQ_INT(send_rq(), 403);

	/* rollback and reboot: admin, passed to update.c, audited with the outcome */
	CHECK_EQ_INT(call(CD_POST, "/api/update/rollback", NULL, &a), 409);
	CHECK_EQ_STR(stub_cmd, "rollback");
	CHECK_EQ_INT(audit_count("rollback", "fail"), 1);
	CHECK_EQ_INT(call(CD_POST, "/api/reboot", NULL, &a), 200);
	CHECK_EQ_STR(stub_cmd, "reboot");
	CHECK_EQ_INT(audit_count("reboot", "ok"), 1);
	CHECK_EQ_INT(audit_intact(NULL), 0);
}

static void test_metrics_token(void)
{
	struct client a, v;
	char token[80], file[200];

	fresh(1);
	must_login("admin", PW_ADMIN, &a);
	must_login("view", PW_VIEW, &v);
	CHECK_EQ_INT(call(CD_GET, "/metrics", NULL, NULL), 401);
	CHECK_EQ_INT(call(CD_GET, "/metrics", NULL, &v), 200);
	CHECK_EQ_INT(O.kind, CD_KIND_METRICS);

	rq(CD_GET, "/metrics");
	snprintf(R.auth, sizeof(R.auth), "Bearer 0123");
	CHECK_EQ_INT(send_rq(), 401); /* no token made yet */

	CHECK_EQ_INT(call(CD_POST, "/api/metrics/token", NULL, &a), 200);
	snprintf(token, sizeof(token), "%s", ans("token"));
	CHECK_EQ_INT((int)strlen(token), 64);
	CHECK(read_file("metrics-token", file, sizeof(file) - 1) == 65);
	CHECK(strstr(file, token) == NULL); /* only its hash is kept */
	CHECK_EQ_INT(audit_count("metrics.token", "ok"), 1);

	rq(CD_GET, "/metrics");
	snprintf(R.auth, sizeof(R.auth), "Bearer %s", token);
	R.fetch_site = CD_FS_CROSS_SITE;
	CHECK_EQ_INT(send_rq(), 200);
	rq(CD_GET, "/metrics");
	snprintf(R.auth, sizeof(R.auth), "bearer   %s", token);
	CHECK_EQ_INT(send_rq(), 200);
	rq(CD_GET, "/metrics");
	token[10] ^= 1;
	snprintf(R.auth, sizeof(R.auth), "Bearer %s", token);
	CHECK_EQ_INT(send_rq(), 401);
	/* a wrong token is not rescued by a session */
	as(&v);
	CHECK_EQ_INT(send_rq(), 401);
	rq(CD_GET, "/metrics");
	snprintf(R.auth, sizeof(R.auth), "Basic YWRtaW46eA==");
	CHECK_EQ_INT(send_rq(), 401);
}

/* ---- users file ---- */

static void test_users_parse_refusals(void)
{
	static const struct {
		const char *text, *want;
	} bad[] = {
	    {"user a viewer H -", "line 1: no newline"},
	    {"user a viewer H -\nuser b admin H -", "line 2: no newline"},
	    {"user a viewer H\n", "line 1: expected 5 fields"},
	    {"user a viewer H - x\n", "line 1: expected 5 fields"},
	    {"usr a viewer H -\n", "line 1: expected the keyword"},
	    {"user  a viewer H -\n", "line 1: field 2 is empty"},
	    {"user a viewer H -\n\n", "line 2: field 1 is empty"},
	    {"user A viewer H -\n", "line 1: NAME"},
	    {"user 1a viewer H -\n", "line 1: NAME"},
	    {"user aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa viewer H -\n", "line 1: NAME"},
	    {"user a root H -\n", "line 1: ROLE"},
	    {"user a Admin H -\n", "line 1: ROLE"},
	    {"user a viewer $pbkdf2-sha256$1000$AAAA$AAAA -\n", "line 1: PWHASH"},
	    {"user a viewer H jbswy3dpehpk3pxpjbswy3dpehpk3pxp\n", "line 1: TOTP"},
	    {"user a viewer H JBSWY3DP\n", "line 1: TOTP"},
	    {"user a viewer H JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP====\n", "line 1: TOTP"},
	    {"user a viewer H -\r\n", "line 1: NUL or CR"},
	    {"user a viewer H -\nuser a admin H -\n", "line 2: user 'a' again"},
	    {"# comment\n", "line 1: expected 5 fields"},
	};
	char text[1024], err[256];
	struct cd_users us;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		/* H stands for a valid hash */
		const char *s = bad[i].text;
		size_t n = 0;

		for (; *s && n < sizeof(text) - 100; s++) {
			if (*s == 'H' && s[-1] == ' ' && (s[1] == ' ' || s[1] == '\n' || !s[1]))
				n += (size_t)snprintf(text + n, sizeof(text) - n, "%s", hash_view);
			else
				text[n++] = *s;
		}
		err[0] = '\0';
		us.n = 99;
		if (cd_users_parse(&us, text, n, err, sizeof(err)) != -1 ||
		    strstr(err, bad[i].want) == NULL) {
			fprintf(stderr, "  case %zu: err \"%s\", wanted \"%s\"\n", i, err,
			        bad[i].want);
			CHECK(0);
		}
		CHECK_EQ_INT(us.n, 0);
		CHECK(strstr(err, "pbkdf2") == NULL);
	}
	/* NUL inside a line */
	snprintf(text, sizeof(text), "user a viewer %s -\n", hash_view);
	text[6] = '\0';
	CHECK_EQ_INT(cd_users_parse(&us, text, strlen(hash_view) + 17, err, sizeof(err)), -1);
	/* 33 users */
	{
		static char big[CD_USERS_MAX * 256];
		size_t n = 0;

		for (i = 0; i <= CD_USERS_MAX; i++)
			n += (size_t)snprintf(big + n, sizeof(big) - n, "user u%zu viewer %s -\n",
			                      i, hash_view);
		CHECK_EQ_INT(cd_users_parse(&us, big, n, err, sizeof(err)), -1);
		CHECK(strstr(err, "line 33: more than 32 users") != NULL);
	}
}

static void test_users_round_trip(void)
{
	static char text[8192], out[8192];
	struct cd_users us, back;
	char err[256], p[256];
	size_t n;
	long k;

	fresh(0);
	n = (size_t)snprintf(text, sizeof(text),
	                     "user admin admin %s -\nuser op-1 operator %s "
	                     "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP\nuser _v viewer %s -\n",
	                     hash_admin, hash_oper, hash_view);
	CHECK_EQ_INT(cd_users_parse(&us, text, n, err, sizeof(err)), 0);
	CHECK_EQ_INT(us.n, 3);
	CHECK_EQ_INT(cd_users_admins(&us), 1);
	CHECK(cd_users_find(&us, "op-1") && cd_users_find(&us, "op-1")->role == TG_ROLE_OPERATOR);
	CHECK_EQ_STR(cd_users_find(&us, "op-1")->totp, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP");
	CHECK_EQ_INT(cd_users_find(&us, "op-1")->totp_last_step, -1);
	CHECK(cd_users_find(&us, "nobody") == NULL);
	CHECK(cd_users_find(&us, NULL) == NULL);
	k = cd_users_format(&us, out, sizeof(out));
	CHECK_EQ_INT(k, (long)n);
	CHECK(memcmp(out, text, n) == 0);
	CHECK_EQ_INT(cd_users_format(&us, out, n), -1); /* no room for the NUL */
	CHECK_EQ_INT(cd_users_format(&us, out, n + 1), (long)n);
	/* empty */
	CHECK_EQ_INT(cd_users_parse(&back, "", 0, err, sizeof(err)), 0);
	CHECK_EQ_INT(back.n, 0);

	/* save and load */
	path_of("users", p, sizeof(p));
	CHECK_EQ_INT(cd_users_load(&back, p, err, sizeof(err)), 0); /* absent: none */
	CHECK_EQ_INT(back.n, 0);
	CHECK_EQ_INT(cd_users_save(&us, p, err, sizeof(err)), 0);
	CHECK_EQ_INT(cd_users_load(&back, p, err, sizeof(err)), 0);
	CHECK_EQ_INT(back.n, 3);
	CHECK(memcmp(&back, &us, sizeof(us)) == 0);
	{
		struct stat st;

		CHECK(stat(p, &st) == 0 && (st.st_mode & 0777) == 0600);
	}
	/* a broken file: the path and line named, the old state kept */
	{
		int fd = open(p, O_WRONLY | O_APPEND);

		CHECK(fd >= 0 && write(fd, "user x\n", 7) == 7);
		close(fd);
	}
	CHECK_EQ_INT(cd_users_load(&back, p, err, sizeof(err)), -1);
	CHECK(strstr(err, p) && strstr(err, "line 4: "));
	CHECK_EQ_INT(back.n, 3);
	/* the same user name twice is no valid name check either */
	CHECK_EQ_INT(cd_user_name_ok("a", 1), 1);
	CHECK_EQ_INT(cd_user_name_ok("_a-9", 4), 1);
	CHECK_EQ_INT(cd_user_name_ok("", 0), 0);
	CHECK_EQ_INT(cd_user_name_ok("-a", 2), 0);
	CHECK_EQ_INT(cd_user_name_ok("a.b", 3), 0);
	CHECK_EQ_INT(cd_user_name_ok("abcdefghijabcdefghijabcdefghija", 31), 1);
	CHECK_EQ_INT(cd_user_name_ok("abcdefghijabcdefghijabcdefghijab", 32), 0);
}

int main(void)
{
	uint8_t salt[TG_PASSWD_SALT_LEN] = {1, 2, 3};

	check_seed();
	if (tg_passwd_hash(PW_ADMIN, strlen(PW_ADMIN), salt, ITER, hash_admin, sizeof(hash_admin)) <
	        0 ||
	    tg_passwd_hash(PW_OPER, strlen(PW_OPER), salt, ITER, hash_oper, sizeof(hash_oper)) <
	        0 ||
	    tg_passwd_hash(PW_VIEW, strlen(PW_VIEW), salt, ITER, hash_view, sizeof(hash_view)) <
	        0) {
		fprintf(stderr, "cannot make the fixture hashes\n");
		return 1;
	}
	RUN(test_users_parse_refusals);
	RUN(test_users_round_trip);
	RUN(test_setup_flow);
	RUN(test_setup_code_throttled);
	RUN(test_auth_matrix);
	RUN(test_session_expiry);
	RUN(test_login);
	RUN(test_lockout);
	RUN(test_totp);
	RUN(test_logout);
	RUN(test_users);
	RUN(test_password_change);
	RUN(test_bad_bodies);
	RUN(test_audit_chain_and_routes);
	RUN(test_audit_absent);
	RUN(test_status_update_routes);
	RUN(test_metrics_token);
	if (M.audit_fd > 0)
		close(M.audit_fd);
	cleanup_dir();
	return check_exit();
}
