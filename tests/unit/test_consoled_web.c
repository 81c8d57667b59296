/*
 * test_consoled_web.c - the pure half of consoled's web role
 * (services/consoled/web_http.c): what a request becomes (asset, API
 * request for main, upload, refusal), the cd_msg_req main receives, the
 * security headers on every kind of response, main's response heads,
 * JSON errors, dates and peer addresses; the asset table
 * consoled/assets.sh generated from services/consoled/www; and the web
 * role's seccomp table (consoled/web.c), which must name no filesystem
 * call at all.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "consoled/consoled.h"
#include "consoled/web_http.h"
#include "sandbox.h"

/* ------------------------------------------------------------- helpers */

static struct sockaddr_in peer4;
static struct sockaddr_in6 peer6;

static void peers_init(void)
{
	memset(&peer4, 0, sizeof(peer4));
	peer4.sin_family = AF_INET;
	peer4.sin_port = htons(50000);
	inet_pton(AF_INET, "192.0.2.7", &peer4.sin_addr);
	memset(&peer6, 0, sizeof(peer6));
	peer6.sin6_family = AF_INET6;
	inet_pton(AF_INET6, "2001:db8::42", &peer6.sin6_addr);
}

/* A small table of our own, so lookups do not depend on the real files. */
static const unsigned char idx_data[] = "<!doctype html>";
static const unsigned char js_data[] = "x();";
static const struct cd_asset fixture[] = {
    {"/", "text/html; charset=utf-8", idx_data, sizeof(idx_data) - 1},
    {"/app.js", "text/javascript; charset=utf-8", js_data, sizeof(js_data) - 1},
};

/* Parse a complete request head (the text stays alive: spans point into it). */
static struct tg_http_req hr;

static int route(const char *text, struct cd_msg_req *rq, struct cd_web_route *rt)
{
	char err[160];
	int status = 0, rc;

	rc = tg_http_parse((const uint8_t *)text, strlen(text), CD_UPLOAD_MAX, &hr, &status, err,
	                   sizeof(err));
	if (rc <= 0) {
		fprintf(stderr, "  parse failed (%d, %d): %s\n", rc, status, err);
		return -100;
	}
	return cd_web_route(&hr, (const struct sockaddr *)&peer4, sizeof(peer4), fixture, 2, rq,
	                    rt);
}

/* The status a request is refused with (0: not refused). */
static int refused(const char *text)
{
	static struct cd_msg_req rq;
	struct cd_web_route rt;
	int act = route(text, &rq, &rt);

	return act == CD_WEB_REFUSE ? rt.status : 0;
}

/* ---------------------------------------------------------------- assets */

static void test_asset_lookup(void)
{
	CHECK(cd_web_asset(fixture, 2, "/") == &fixture[0]);
	CHECK(cd_web_asset(fixture, 2, "/app.js") == &fixture[1]);
	CHECK(cd_web_asset(fixture, 2, "/index.html") == NULL);
	CHECK(cd_web_asset(fixture, 2, "/app.j") == NULL);
	CHECK(cd_web_asset(fixture, 2, "/app.js/") == NULL);
	CHECK(cd_web_asset(fixture, 2, "") == NULL);
}

/* The generated table: the four files of the console, each with its type. */
static void test_generated_assets(void)
{
	static const struct {
		const char *path, *type;
	} want[] = {
	    {"/", "text/html; charset=utf-8"},
	    {"/app.js", "text/javascript; charset=utf-8"},
	    {"/app.css", "text/css; charset=utf-8"},
	    {"/favicon.svg", "image/svg+xml"},
	};
	size_t i, j;

	CHECK(cd_n_assets >= 4);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		const struct cd_asset *a = cd_web_asset(cd_assets, cd_n_assets, want[i].path);

		CHECK(a != NULL);
		if (!a)
			continue;
		CHECK_EQ_STR(a->type, want[i].type);
		CHECK(a->len > 0);
	}
	CHECK(cd_web_asset(cd_assets, cd_n_assets, "/index.html") == NULL);
	CHECK(cd_web_asset(cd_assets, cd_n_assets, "/nope") == NULL);
	for (i = 0; i < cd_n_assets; i++) {
		CHECK(cd_assets[i].path[0] == '/');
		CHECK(cd_assets[i].type && cd_assets[i].type[0]);
		for (j = 0; j < i; j++)
			CHECK(strcmp(cd_assets[i].path, cd_assets[j].path) != 0);
	}
	{
		const struct cd_asset *a = cd_web_asset(cd_assets, cd_n_assets, "/");

		/* what a browser needs to see first, byte for byte from the file */
		CHECK(a && a->len >= 15 && memmem(a->data, a->len, "<html", 5) != NULL);
	}
}

/* --------------------------------------------------------------- routing */

static void test_route_static(void)
{
	struct cd_msg_req rq;
	struct cd_web_route rt;

	CHECK_EQ_INT(route("GET / HTTP/1.1\r\nHost: tg\r\n\r\n", &rq, &rt), CD_WEB_STATIC);
	CHECK(rt.asset == &fixture[0]);
	CHECK(!rt.head_only && !rt.close && !rt.keep_alive_10);

	CHECK_EQ_INT(route("HEAD /app.js?v=2 HTTP/1.1\r\nHost: tg\r\n\r\n", &rq, &rt),
	             CD_WEB_STATIC);
	CHECK(rt.asset == &fixture[1]);
	CHECK(rt.head_only);

	CHECK_EQ_INT(route("GET /nope HTTP/1.1\r\nHost: tg\r\n\r\n", &rq, &rt), CD_WEB_REFUSE);
	CHECK_EQ_INT(rt.status, 404);
	CHECK(!rt.close); /* no body left unread: the connection can stay */
	/* "/api" alone is no API path; "/api/" and "/metrics" are */
	CHECK_EQ_INT(refused("GET /api HTTP/1.1\r\nHost: tg\r\n\r\n"), 404);
	CHECK_EQ_INT(refused("GET /metricsx HTTP/1.1\r\nHost: tg\r\n\r\n"), 404);
	CHECK_EQ_INT(route("GET /metrics HTTP/1.1\r\nHost: tg\r\n\r\n", &rq, &rt), CD_WEB_API);

	CHECK_EQ_INT(route("POST / HTTP/1.1\r\nHost: tg\r\nContent-Length: 0\r\n\r\n", &rq, &rt),
	             CD_WEB_REFUSE);
	CHECK_EQ_INT(rt.status, 405);
	CHECK_EQ_STR(rt.allow, "GET, HEAD");
	CHECK_EQ_INT(refused("DELETE /app.js HTTP/1.1\r\nHost: tg\r\n\r\n"), 405);
	CHECK_EQ_INT(refused("PUT /app.js HTTP/1.1\r\nHost: tg\r\nContent-Length: 0\r\n\r\n"), 405);

	/* a body on GET: refused, and the connection closes (the body is not read) */
	CHECK_EQ_INT(route("GET / HTTP/1.1\r\nHost: tg\r\nContent-Length: 3\r\n\r\n", &rq, &rt),
	             CD_WEB_REFUSE);
	CHECK_EQ_INT(rt.status, 400);
	CHECK(rt.close);

	/* HTTP/1.0: closes unless keep-alive was asked for, and then says so */
	CHECK_EQ_INT(route("GET / HTTP/1.0\r\n\r\n", &rq, &rt), CD_WEB_STATIC);
	CHECK(rt.close && !rt.keep_alive_10);
	CHECK_EQ_INT(route("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", &rq, &rt),
	             CD_WEB_STATIC);
	CHECK(!rt.close && rt.keep_alive_10);
	CHECK_EQ_INT(route("GET / HTTP/1.1\r\nHost: tg\r\nConnection: close\r\n\r\n", &rq, &rt),
	             CD_WEB_STATIC);
	CHECK(rt.close);
}

static void test_route_path_decoding(void)
{
	struct cd_msg_req rq;
	struct cd_web_route rt;

	/* decoded before routing: an escaped asset name is the asset */
	CHECK_EQ_INT(route("GET /app%2Ejs HTTP/1.1\r\nHost: tg\r\n\r\n", &rq, &rt), CD_WEB_STATIC);
	CHECK(rt.asset == &fixture[1]);
	CHECK_EQ_INT(route("GET /api/%75sers HTTP/1.1\r\nHost: tg\r\n\r\n", &rq, &rt), CD_WEB_API);
	CHECK_EQ_STR(rq.path, "/api/users");
	/* what tg_http_path_decode refuses is 400, API or not */
	CHECK_EQ_INT(refused("GET /api/../x HTTP/1.1\r\nHost: tg\r\n\r\n"), 400);
	CHECK_EQ_INT(refused("GET /api/a%2Fb HTTP/1.1\r\nHost: tg\r\n\r\n"), 400);
	CHECK_EQ_INT(refused("GET /api//users HTTP/1.1\r\nHost: tg\r\n\r\n"), 400);
	CHECK_EQ_INT(refused("GET /%00 HTTP/1.1\r\nHost: tg\r\n\r\n"), 400);
	CHECK_EQ_INT(refused("GET /api/%c3%a9 HTTP/1.1\r\nHost: tg\r\n\r\n"), 400);
	CHECK_EQ_INT(refused("GET /./app.js HTTP/1.1\r\nHost: tg\r\n\r\n"), 400);
}

static void test_route_api_fields(void)
{
	struct cd_msg_req rq;
	struct cd_web_route rt;
	static const char req[] = "POST /api/users?x=1&y=%41 HTTP/1.1\r\n"
	                          "Host: timegate.local:8443\r\n"
	                          "Cookie: theme=dark; tg_session=AbC-123_xyz; other=1\r\n"
	                          "X-CSRF-Token: tok3n\r\n"
	                          "Origin: https://timegate.local:8443\r\n"
	                          "Authorization: Bearer 0123abcd\r\n"
	                          "Sec-Fetch-Site: same-origin\r\n"
	                          "Content-Type: application/json; charset=utf-8\r\n"
	                          "Content-Length: 17\r\n"
	                          "\r\n";

	CHECK_EQ_INT(route(req, &rq, &rt), CD_WEB_API);
	CHECK_EQ_INT(rq.method, CD_POST);
	CHECK_EQ_STR(rq.path, "/api/users");
	CHECK_EQ_STR(rq.query, "x=1&y=%41"); /* raw: main decodes what it uses */
	CHECK_EQ_STR(rq.cookie, "AbC-123_xyz");
	CHECK_EQ_STR(rq.csrf, "tok3n");
	CHECK_EQ_STR(rq.origin, "https://timegate.local:8443");
	CHECK_EQ_STR(rq.host, "timegate.local:8443");
	CHECK_EQ_STR(rq.auth, "Bearer 0123abcd");
	CHECK_EQ_INT(rq.fetch_site, CD_FS_SAME_ORIGIN);
	CHECK_EQ_STR(rq.addr, "192.0.2.7");
	CHECK_EQ_INT(rq.flags, CD_REQ_F_JSON);
	CHECK_EQ_INT(rq.body_len, 17);
	CHECK_EQ_INT(rq.content_length, 0);
	CHECK_EQ_INT(rq.conn, 0);
	CHECK_EQ_INT(rq.gen, 0);
	CHECK(!rt.close && !rt.expect_continue && !rt.head_only);

	/* absent headers are empty; a GET carries no JSON flag */
	CHECK_EQ_INT(route("GET /api/session HTTP/1.1\r\nHost: h\r\n\r\n", &rq, &rt), CD_WEB_API);
	CHECK_EQ_INT(rq.method, CD_GET);
	CHECK_EQ_STR(rq.query, "");
	CHECK_EQ_STR(rq.cookie, "");
	CHECK_EQ_STR(rq.csrf, "");
	CHECK_EQ_STR(rq.origin, "");
	CHECK_EQ_STR(rq.auth, "");
	CHECK_EQ_INT(rq.fetch_site, CD_FS_ABSENT);
	CHECK_EQ_INT(rq.flags, 0);
	CHECK_EQ_INT(rq.body_len, 0);

	/* HEAD and DELETE go through with their method */
	CHECK_EQ_INT(route("HEAD /api/status HTTP/1.1\r\nHost: h\r\n\r\n", &rq, &rt), CD_WEB_API);
	CHECK_EQ_INT(rq.method, CD_HEAD);
	CHECK(rt.head_only);
	CHECK_EQ_INT(route("DELETE /api/users/bob HTTP/1.1\r\nHost: h\r\n\r\n", &rq, &rt),
	             CD_WEB_API);
	CHECK_EQ_INT(rq.method, CD_DELETE);
	CHECK_EQ_STR(rq.path, "/api/users/bob");
	CHECK_EQ_INT(route("PUT /api/x HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\n"
	                   "Content-Length: 2\r\n\r\n",
	                   &rq, &rt),
	             CD_WEB_API);
	CHECK_EQ_INT(rq.method, CD_PUT);

	/* an empty POST needs no Content-Type (logout, reboot) */
	CHECK_EQ_INT(
	    route("POST /api/logout HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n", &rq, &rt),
	    CD_WEB_API);
	CHECK_EQ_INT(rq.flags, 0);

	/* Expect: 100-continue on a body is passed up for the interim answer */
	CHECK_EQ_INT(
	    route("POST /api/login HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\n"
	          "Expect: 100-continue\r\nContent-Length: 5\r\n\r\n",
	          &rq, &rt),
	    CD_WEB_API);
	CHECK(rt.expect_continue);
	/* HTTP/1.0 has no Host, and no 100 Continue */
	CHECK_EQ_INT(route("POST /api/login HTTP/1.0\r\nContent-Type: application/json\r\n"
	                   "Expect: 100-continue\r\nContent-Length: 5\r\n\r\n",
	                   &rq, &rt),
	             CD_WEB_API);
	CHECK(!rt.expect_continue && rt.close);
	CHECK_EQ_STR(rq.host, "");
}

static void test_route_fetch_site(void)
{
	static const struct {
		const char *v;
		uint32_t want;
	} t[] = {
	    {"same-origin", CD_FS_SAME_ORIGIN}, {"same-site", CD_FS_SAME_SITE},
	    {"cross-site", CD_FS_CROSS_SITE},   {"none", CD_FS_NONE},
	    {"Cross-Site", CD_FS_CROSS_SITE},
	};
	struct cd_msg_req rq;
	struct cd_web_route rt;
	char req[256];
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		snprintf(req, sizeof(req),
		         "GET /api/status HTTP/1.1\r\nHost: h\r\n"
		         "Sec-Fetch-Site: %s\r\n\r\n",
		         t[i].v);
		CHECK_EQ_INT(route(req, &rq, &rt), CD_WEB_API);
		CHECK_EQ_INT(rq.fetch_site, t[i].want);
	}
	CHECK_EQ_INT(
	    refused("GET /api/status HTTP/1.1\r\nHost: h\r\nSec-Fetch-Site: cross\r\n\r\n"), 400);
	CHECK_EQ_INT(refused("GET /api/status HTTP/1.1\r\nHost: h\r\nSec-Fetch-Site: \r\n\r\n"),
	             400);
}

static void test_route_cookies(void)
{
	struct cd_msg_req rq;
	struct cd_web_route rt;

	/* the same name twice: in one header or across two, refused (cookie tossing) */
	CHECK_EQ_INT(refused("GET /api/session HTTP/1.1\r\nHost: h\r\n"
	                     "Cookie: tg_session=a; tg_session=b\r\n\r\n"),
	             400);
	CHECK_EQ_INT(refused("GET /api/session HTTP/1.1\r\nHost: h\r\n"
	                     "Cookie: tg_session=a\r\nCookie: tg_session=a\r\n\r\n"),
	             400);
	CHECK_EQ_INT(refused("GET /api/session HTTP/1.1\r\nHost: h\r\n"
	                     "Cookie: tg_session = a ;x=1; tg_session=b\r\n\r\n"),
	             400);
	/* other names twice do not matter; names are case-sensitive */
	CHECK_EQ_INT(route("GET /api/session HTTP/1.1\r\nHost: h\r\n"
	                   "Cookie: a=1; a=2; TG_SESSION=zz; tg_session=ok\r\n\r\n",
	                   &rq, &rt),
	             CD_WEB_API);
	CHECK_EQ_STR(rq.cookie, "ok");
	/* two Cookie headers with one tg_session between them: found */
	CHECK_EQ_INT(route("GET /api/session HTTP/1.1\r\nHost: h\r\n"
	                   "Cookie: a=1\r\nCookie: tg_session=s2\r\n\r\n",
	                   &rq, &rt),
	             CD_WEB_API);
	CHECK_EQ_STR(rq.cookie, "s2");
	/* a value that cannot be ours (quoted, too long): no session, not a refusal */
	CHECK_EQ_INT(route("GET /api/session HTTP/1.1\r\nHost: h\r\n"
	                   "Cookie: tg_session=\"quoted\"\r\n\r\n",
	                   &rq, &rt),
	             CD_WEB_API);
	CHECK_EQ_STR(rq.cookie, "");
	{
		char req[512], val[CD_COOKIE_MAX + 1];

		memset(val, 'a', CD_COOKIE_MAX);
		val[CD_COOKIE_MAX] = '\0';
		snprintf(req, sizeof(req),
		         "GET /api/session HTTP/1.1\r\nHost: h\r\nCookie: tg_session=%s\r\n\r\n",
		         val);
		CHECK_EQ_INT(route(req, &rq, &rt), CD_WEB_API);
		CHECK_EQ_STR(rq.cookie, "");
		val[CD_COOKIE_MAX - 1] = '\0'; /* the longest that fits */
		snprintf(req, sizeof(req),
		         "GET /api/session HTTP/1.1\r\nHost: h\r\nCookie: tg_session=%s\r\n\r\n",
		         val);
		CHECK_EQ_INT(route(req, &rq, &rt), CD_WEB_API);
		CHECK_EQ_INT(strlen(rq.cookie), CD_COOKIE_MAX - 1);
	}
	/* a pair without '=' is no cookie */
	CHECK_EQ_INT(route("GET /api/session HTTP/1.1\r\nHost: h\r\n"
	                   "Cookie: tg_session; tg_session=v\r\n\r\n",
	                   &rq, &rt),
	             CD_WEB_API);
	CHECK_EQ_STR(rq.cookie, "v");
}

static void test_route_duplicates(void)
{
	static const char *const hdrs[] = {
	    "Origin: https://h\r\nOrigin: https://h",
	    "Authorization: Bearer a\r\nAuthorization: Bearer a",
	    "X-CSRF-Token: a\r\nx-csrf-token: b",
	    "Sec-Fetch-Site: same-origin\r\nSec-Fetch-Site: same-origin",
	    "Content-Type: application/json\r\nContent-Type: application/json",
	};
	char req[512];
	size_t i;

	for (i = 0; i < sizeof(hdrs) / sizeof(hdrs[0]); i++) {
		snprintf(req, sizeof(req),
		         "POST /api/users HTTP/1.1\r\nHost: h\r\n%s\r\nContent-Length: 2\r\n\r\n",
		         hdrs[i]);
		CHECK_EQ_INT(refused(req), 400);
	}
	/* the same header once is fine */
	CHECK_EQ_INT(refused("POST /api/users HTTP/1.1\r\nHost: h\r\nOrigin: https://h\r\n"
	                     "Content-Type: application/json\r\nContent-Length: 2\r\n\r\n"),
	             0);
}

static void test_route_lengths(void)
{
	char req[4096], v[300];
	struct cd_msg_req rq;
	struct cd_web_route rt;

	/* path: CD_PATH_MAX - 1 fits, CD_PATH_MAX is 414 */
	memset(v, 'p', sizeof(v));
	v[CD_PATH_MAX - 1 - 5] = '\0';
	snprintf(req, sizeof(req), "GET /api/%s HTTP/1.1\r\nHost: h\r\n\r\n", v);
	CHECK_EQ_INT(route(req, &rq, &rt), CD_WEB_API);
	CHECK_EQ_INT(strlen(rq.path), CD_PATH_MAX - 1);
	memset(v, 'p', sizeof(v));
	v[CD_PATH_MAX - 5] = '\0';
	snprintf(req, sizeof(req), "GET /api/%s HTTP/1.1\r\nHost: h\r\n\r\n", v);
	CHECK_EQ_INT(refused(req), 414);
	/* a long path that is no API path is simply not found */
	snprintf(req, sizeof(req), "GET /x%s HTTP/1.1\r\nHost: h\r\n\r\n", v);
	CHECK_EQ_INT(refused(req), 404);

	/* query */
	memset(v, 'q', sizeof(v));
	v[CD_QUERY_MAX - 1] = '\0';
	snprintf(req, sizeof(req), "GET /api/history?%s HTTP/1.1\r\nHost: h\r\n\r\n", v);
	CHECK_EQ_INT(route(req, &rq, &rt), CD_WEB_API);
	CHECK_EQ_INT(strlen(rq.query), CD_QUERY_MAX - 1);
	v[CD_QUERY_MAX - 1] = 'q';
	v[CD_QUERY_MAX] = '\0';
	snprintf(req, sizeof(req), "GET /api/history?%s HTTP/1.1\r\nHost: h\r\n\r\n", v);
	CHECK_EQ_INT(refused(req), 414);

	/* header values longer than their field */
	{
		static const struct {
			const char *name;
			size_t cap;
		} f[] = {
		    {"X-CSRF-Token", CD_CSRF_MAX},
		    {"Origin", CD_ORIGIN_MAX},
		    {"Authorization", CD_AUTH_MAX},
		};
		size_t i;

		for (i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
			memset(v, 'v', sizeof(v));
			v[f[i].cap - 1] = '\0';
			snprintf(req, sizeof(req),
			         "GET /api/x HTTP/1.1\r\nHost: h\r\n%s: %s\r\n\r\n", f[i].name, v);
			CHECK_EQ_INT(refused(req), 0);
			v[f[i].cap - 1] = 'v';
			v[f[i].cap] = '\0';
			snprintf(req, sizeof(req),
			         "GET /api/x HTTP/1.1\r\nHost: h\r\n%s: %s\r\n\r\n", f[i].name, v);
			CHECK_EQ_INT(refused(req), 400);
		}
		memset(v, 'h', sizeof(v));
		v[CD_HOST_MAX] = '\0';
		snprintf(req, sizeof(req), "GET /api/x HTTP/1.1\r\nHost: %s\r\n\r\n", v);
		CHECK_EQ_INT(refused(req), 400);
		v[CD_HOST_MAX - 1] = '\0';
		snprintf(req, sizeof(req), "GET /api/x HTTP/1.1\r\nHost: %s\r\n\r\n", v);
		CHECK_EQ_INT(refused(req), 0);
	}
}

static void test_route_bodies(void)
{
	struct cd_msg_req rq;
	struct cd_web_route rt;
	char req[256];

	/* bodies on GET, HEAD, DELETE */
	CHECK_EQ_INT(refused("GET /api/x HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\n\r\n"), 400);
	CHECK_EQ_INT(refused("HEAD /api/x HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\n\r\n"), 400);
	CHECK_EQ_INT(
	    refused("DELETE /api/users/x HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\n\r\n"), 400);
	/* a body that is not JSON: 415, whatever else it claims to be */
	CHECK_EQ_INT(
	    route("POST /api/login HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\n", &rq, &rt),
	    CD_WEB_REFUSE);
	CHECK_EQ_INT(rt.status, 415);
	CHECK(rt.close); /* the body is not read */
	CHECK_EQ_INT(refused("POST /api/login HTTP/1.1\r\nHost: h\r\nContent-Type: text/plain\r\n"
	                     "Content-Length: 3\r\n\r\n"),
	             415);
	CHECK_EQ_INT(refused("POST /api/login HTTP/1.1\r\nHost: h\r\n"
	                     "Content-Type: application/x-www-form-urlencoded\r\n"
	                     "Content-Length: 3\r\n\r\n"),
	             415);
	CHECK_EQ_INT(refused("POST /api/login HTTP/1.1\r\nHost: h\r\n"
	                     "Content-Type: application/jsonx\r\nContent-Length: 3\r\n\r\n"),
	             415);
	CHECK_EQ_INT(refused("POST /api/login HTTP/1.1\r\nHost: h\r\n"
	                     "Content-Type: Application/JSON ; charset=utf-8\r\n"
	                     "Content-Length: 3\r\n\r\n"),
	             0);
	/* CD_BODY_MAX fits, one more is 413 */
	snprintf(req, sizeof(req),
	         "PUT /api/x HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\n"
	         "Content-Length: %d\r\n\r\n",
	         CD_BODY_MAX);
	CHECK_EQ_INT(route(req, &rq, &rt), CD_WEB_API);
	CHECK_EQ_INT(rq.body_len, CD_BODY_MAX);
	snprintf(req, sizeof(req),
	         "PUT /api/x HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\n"
	         "Content-Length: %d\r\n\r\n",
	         CD_BODY_MAX + 1);
	CHECK_EQ_INT(route(req, &rq, &rt), CD_WEB_REFUSE);
	CHECK_EQ_INT(rt.status, 413);
	CHECK(rt.close);
}

static void test_route_upload(void)
{
	struct cd_msg_req rq;
	struct cd_web_route rt;
	char req[256];

	CHECK_EQ_INT(route("POST /api/update HTTP/1.1\r\nHost: h\r\nCookie: tg_session=s\r\n"
	                   "X-CSRF-Token: t\r\nContent-Type: application/octet-stream\r\n"
	                   "Expect: 100-continue\r\nContent-Length: 104857600\r\n\r\n",
	                   &rq, &rt),
	             CD_WEB_UPLOAD);
	CHECK_EQ_INT(rq.flags, CD_REQ_F_UPLOAD);
	CHECK_EQ_INT(rq.content_length, 104857600);
	CHECK_EQ_INT(rq.body_len, 0);
	CHECK_EQ_STR(rq.cookie, "s");
	CHECK_EQ_STR(rq.csrf, "t");
	CHECK_EQ_STR(rq.path, "/api/update");
	CHECK(rt.expect_continue);

	/* the upload route takes only octet-stream, and never JSON */
	CHECK_EQ_INT(refused("POST /api/update HTTP/1.1\r\nHost: h\r\n"
	                     "Content-Type: application/json\r\nContent-Length: 2\r\n\r\n"),
	             415);
	CHECK_EQ_INT(refused("POST /api/update HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\n"),
	             415);
	CHECK_EQ_INT(refused("POST /api/update HTTP/1.1\r\nHost: h\r\n"
	                     "Content-Type: application/octet-stream\r\nContent-Length: 0\r\n\r\n"),
	             400);
	/* 256 MiB fits */
	snprintf(
	    req, sizeof(req),
	    "POST /api/update HTTP/1.1\r\nHost: h\r\nContent-Type: application/octet-stream\r\n"
	    "Content-Length: %llu\r\n\r\n",
	    (unsigned long long)CD_UPLOAD_MAX);
	CHECK_EQ_INT(route(req, &rq, &rt), CD_WEB_UPLOAD);
	CHECK_EQ_INT(rq.content_length, CD_UPLOAD_MAX);
	/* other routes under /api/update are ordinary API requests */
	CHECK_EQ_INT(route("GET /api/update HTTP/1.1\r\nHost: h\r\n\r\n", &rq, &rt), CD_WEB_API);
	CHECK_EQ_INT(route("POST /api/update/rollback HTTP/1.1\r\nHost: h\r\n"
	                   "Content-Type: application/json\r\nContent-Length: 2\r\n\r\n",
	                   &rq, &rt),
	             CD_WEB_API);
	CHECK_EQ_INT(rq.flags, CD_REQ_F_JSON);
	CHECK_EQ_INT(refused("POST /api/update/rollback HTTP/1.1\r\nHost: h\r\n"
	                     "Content-Type: application/octet-stream\r\nContent-Length: 2\r\n\r\n"),
	             415);
}

/* The parser's limit is CD_UPLOAD_MAX: one byte more is its 413, before routing. */
static void test_parser_limit(void)
{
	char req[256], err[160];
	int status = 0;

	snprintf(
	    req, sizeof(req),
	    "POST /api/update HTTP/1.1\r\nHost: h\r\nContent-Type: application/octet-stream\r\n"
	    "Content-Length: %llu\r\n\r\n",
	    (unsigned long long)CD_UPLOAD_MAX + 1);
	CHECK_EQ_INT(tg_http_parse((const uint8_t *)req, strlen(req), CD_UPLOAD_MAX, &hr, &status,
	                           err, sizeof(err)),
	             -1);
	CHECK_EQ_INT(status, 413);
}

static void test_route_peers(void)
{
	struct sockaddr_in6 m;
	struct cd_msg_req rq;
	struct cd_web_route rt;
	static const char req[] = "GET /api/status HTTP/1.1\r\nHost: h\r\n\r\n";
	char err[64];
	int status;

	CHECK(tg_http_parse((const uint8_t *)req, strlen(req), CD_UPLOAD_MAX, &hr, &status, err,
	                    sizeof(err)) > 0);
	CHECK_EQ_INT(
	    cd_web_route(&hr, (const struct sockaddr *)&peer6, sizeof(peer6), fixture, 2, &rq, &rt),
	    CD_WEB_API);
	CHECK_EQ_STR(rq.addr, "2001:db8::42");
	memset(&m, 0, sizeof(m));
	m.sin6_family = AF_INET6;
	inet_pton(AF_INET6, "::ffff:198.51.100.9", &m.sin6_addr);
	CHECK_EQ_INT(
	    cd_web_route(&hr, (const struct sockaddr *)&m, sizeof(m), fixture, 2, &rq, &rt),
	    CD_WEB_API);
	CHECK_EQ_STR(rq.addr, "198.51.100.9");
}

/* ----------------------------------------------------------------- heads */

static const char *const security_lines[] = {
    "Strict-Transport-Security: max-age=63072000; includeSubDomains",
    "Content-Security-Policy: default-src 'none'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'",
    "X-Content-Type-Options: nosniff",
    "Referrer-Policy: no-referrer",
    "Cross-Origin-Opener-Policy: same-origin",
    "Cross-Origin-Resource-Policy: same-origin",
    "Permissions-Policy: camera=(), microphone=(), geolocation=()",
};

/*
 * The head is well-formed (CRLF lines, one empty line at its end, no
 * bare CR or LF), each security header is there exactly once with its
 * exact value, Cache-Control is there once with the value wanted, and no
 * header name appears twice.
 */
static void check_head(const char *head, size_t len, const char *cache)
{
	char lines[40][400];
	size_t n = 0, i, j, start = 0, count;
	char want_cache[64];

	CHECK(len == strlen(head));
	CHECK(len >= 4 && memcmp(head + len - 4, "\r\n\r\n", 4) == 0);
	for (i = 0; i + 1 < len; i++) {
		if (head[i] == '\n' || (head[i] == '\r' && head[i + 1] != '\n')) {
			CHECK(!"bare CR or LF in the head");
			return;
		}
		if (head[i] == '\r') {
			if (i == start)
				break; /* the empty line */
			CHECK(n < 40 && i - start < sizeof(lines[0]));
			if (n >= 40 || i - start >= sizeof(lines[0]))
				return;
			memcpy(lines[n], head + start, i - start);
			lines[n][i - start] = '\0';
			n++;
			start = i + 2;
			i++;
		}
	}
	CHECK(start + 2 == len); /* the empty line is the end */
	CHECK(n > 0 && strncmp(lines[0], "HTTP/1.1 ", 9) == 0);
	for (j = 0; j < sizeof(security_lines) / sizeof(security_lines[0]); j++) {
		for (count = 0, i = 1; i < n; i++)
			count += strcmp(lines[i], security_lines[j]) == 0;
		if (count != 1)
			fprintf(stderr, "  missing or repeated: %s\n", security_lines[j]);
		CHECK_EQ_INT(count, 1);
	}
	snprintf(want_cache, sizeof(want_cache), "Cache-Control: %s", cache);
	for (count = 0, i = 1; i < n; i++)
		count += strcmp(lines[i], want_cache) == 0;
	CHECK_EQ_INT(count, 1);
	/* no header twice (names compared up to the colon, case-insensitively) */
	for (i = 1; i < n; i++) {
		const char *ci = strchr(lines[i], ':');

		CHECK(ci != NULL);
		for (j = 1; ci && j < i; j++) {
			const char *cj = strchr(lines[j], ':');

			if (cj && cj - lines[j] == ci - lines[i])
				CHECK(strncasecmp(lines[i], lines[j], (size_t)(ci - lines[i])) !=
				      0);
		}
	}
}

static void test_head_exact(void)
{
	static const char want[] =
	    "HTTP/1.1 200 OK\r\n"
	    "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
	    "Content-Type: application/json\r\n"
	    "Content-Length: 42\r\n"
	    "Cache-Control: no-store\r\n"
	    "Strict-Transport-Security: max-age=63072000; includeSubDomains\r\n"
	    "Content-Security-Policy: default-src 'none'; script-src 'self'; style-src 'self'; "
	    "img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
	    "base-uri 'none'\r\n"
	    "X-Content-Type-Options: nosniff\r\n"
	    "Referrer-Policy: no-referrer\r\n"
	    "Cross-Origin-Opener-Policy: same-origin\r\n"
	    "Cross-Origin-Resource-Policy: same-origin\r\n"
	    "Permissions-Policy: camera=(), microphone=(), geolocation=()\r\n"
	    "\r\n";
	struct cd_web_head h;
	char out[CD_WEB_HEAD_MAX];
	size_t n;

	memset(&h, 0, sizeof(h));
	h.status = 200;
	h.type = "application/json";
	h.length = 42;
	h.date = 784111777;
	n = cd_web_head(&h, out, sizeof(out) - 1);
	CHECK_EQ_INT(n, strlen(want));
	out[n] = '\0';
	CHECK_EQ_STR(out, want);
	/* one byte short: 0, nothing half-built is used */
	CHECK_EQ_INT(cd_web_head(&h, out, strlen(want) - 1), 0);
	CHECK_EQ_INT(cd_web_head(&h, out, strlen(want)), strlen(want));
}

/* Every kind of response web sends carries the same security headers. */
static void test_head_every_kind(void)
{
	struct cd_msg_resp_head m;
	struct cd_web_head h;
	char out[CD_WEB_HEAD_MAX], err[128];
	size_t n;

	/* asset */
	memset(&h, 0, sizeof(h));
	h.status = 200;
	h.type = "text/javascript; charset=utf-8";
	h.length = 1234;
	h.asset = 1;
	h.date = -1;
	n = cd_web_head(&h, out, sizeof(out) - 1);
	out[n] = '\0';
	check_head(out, n, "max-age=300");
	CHECK(strstr(out, "Content-Type: text/javascript; charset=utf-8\r\n") != NULL);
	CHECK(strstr(out, "Content-Length: 1234\r\n") != NULL);
	CHECK(strstr(out, "Date:") == NULL);

	/* refusal, closing */
	memset(&h, 0, sizeof(h));
	h.status = 413;
	h.type = "application/json";
	h.length = 20;
	h.close = 1;
	h.date = 0;
	n = cd_web_head(&h, out, sizeof(out) - 1);
	out[n] = '\0';
	check_head(out, n, "no-store");
	CHECK(strncmp(out, "HTTP/1.1 413 Content Too Large\r\n", 32) == 0);
	CHECK(strstr(out, "Connection: close\r\n") != NULL);
	CHECK(strstr(out, "Date: Thu, 01 Jan 1970 00:00:00 GMT\r\n") != NULL);

	/* 405 with Allow, HTTP/1.0 keep-alive */
	memset(&h, 0, sizeof(h));
	h.status = 405;
	h.type = "application/json";
	h.length = 2;
	h.allow = "GET, HEAD";
	h.keep_alive_10 = 1;
	h.date = -1;
	n = cd_web_head(&h, out, sizeof(out) - 1);
	out[n] = '\0';
	check_head(out, n, "no-store");
	CHECK(strstr(out, "\r\nAllow: GET, HEAD\r\n") != NULL);
	CHECK(strstr(out, "\r\nConnection: keep-alive\r\n") != NULL);

	/* main's answers: JSON with a cookie and Retry-After, a download, metrics */
	memset(&m, 0, sizeof(m));
	m.status = 429;
	m.kind = CD_KIND_JSON;
	m.body_len = 30;
	m.retry_after = 17;
	snprintf(m.set_cookie, sizeof(m.set_cookie),
	         "tg_session=abc; Path=/; Secure; HttpOnly; SameSite=Strict");
	CHECK_EQ_INT(cd_web_main_head(&m, &h, err, sizeof(err)), 0);
	h.date = 1700000000;
	n = cd_web_head(&h, out, sizeof(out) - 1);
	out[n] = '\0';
	check_head(out, n, "no-store");
	CHECK(strncmp(out, "HTTP/1.1 429 Too Many Requests\r\n", 32) == 0);
	CHECK(strstr(out, "\r\nSet-Cookie: tg_session=abc; Path=/; Secure; HttpOnly; "
	                  "SameSite=Strict\r\n") != NULL);
	CHECK(strstr(out, "\r\nRetry-After: 17\r\n") != NULL);
	CHECK(strstr(out, "\r\nContent-Length: 30\r\n") != NULL);
	CHECK(strstr(out, "\r\nDate: Tue, 14 Nov 2023 22:13:20 GMT\r\n") != NULL);

	memset(&m, 0, sizeof(m));
	m.status = 200;
	m.kind = CD_KIND_DOWNLOAD;
	m.body_len = 5000;
	snprintf(m.filename, sizeof(m.filename), "audit.log");
	CHECK_EQ_INT(cd_web_main_head(&m, &h, err, sizeof(err)), 0);
	n = cd_web_head(&h, out, sizeof(out) - 1);
	out[n] = '\0';
	check_head(out, n, "no-store");
	CHECK(strstr(out, "\r\nContent-Type: text/plain; charset=utf-8\r\n") != NULL);
	CHECK(strstr(out, "\r\nContent-Disposition: attachment; filename=\"audit.log\"\r\n") !=
	      NULL);
	CHECK(strstr(out, "Set-Cookie") == NULL && strstr(out, "Retry-After") == NULL);

	memset(&m, 0, sizeof(m));
	m.status = 200;
	m.kind = CD_KIND_METRICS;
	CHECK_EQ_INT(cd_web_main_head(&m, &h, err, sizeof(err)), 0);
	n = cd_web_head(&h, out, sizeof(out) - 1);
	out[n] = '\0';
	check_head(out, n, "no-store");
	CHECK(strstr(out, "\r\nContent-Type: application/openmetrics-text; version=1.0.0; "
	                  "charset=utf-8\r\n") != NULL);
	CHECK(strstr(out, "\r\nContent-Length: 0\r\n") != NULL);

	memset(&m, 0, sizeof(m));
	m.status = 422;
	m.kind = CD_KIND_TEXT;
	m.body_len = 3;
	CHECK_EQ_INT(cd_web_main_head(&m, &h, err, sizeof(err)), 0);
	n = cd_web_head(&h, out, sizeof(out) - 1);
	out[n] = '\0';
	check_head(out, n, "no-store");
	CHECK(strncmp(out, "HTTP/1.1 422 Unprocessable Content\r\n", 36) == 0);

	/* 204: no Content-Length, no type */
	memset(&m, 0, sizeof(m));
	m.status = 204;
	m.kind = CD_KIND_JSON;
	CHECK_EQ_INT(cd_web_main_head(&m, &h, err, sizeof(err)), 0);
	n = cd_web_head(&h, out, sizeof(out) - 1);
	out[n] = '\0';
	check_head(out, n, "no-store");
	CHECK(strstr(out, "\r\nContent-Length:") == NULL);
	CHECK(strstr(out, "\r\nContent-Type:") == NULL);

	/* the interim 100: its status line only */
	memset(&h, 0, sizeof(h));
	h.status = 100;
	h.date = 5;
	n = cd_web_head(&h, out, sizeof(out) - 1);
	out[n] = '\0';
	CHECK_EQ_STR(out, "HTTP/1.1 100 Continue\r\n\r\n");
}

static void test_head_refuses_injection(void)
{
	struct cd_web_head h;
	char out[CD_WEB_HEAD_MAX];

	memset(&h, 0, sizeof(h));
	h.status = 200;
	h.type = "application/json";
	h.set_cookie = "a=b\r\nX-Evil: 1";
	CHECK_EQ_INT(cd_web_head(&h, out, sizeof(out)), 0);
	h.set_cookie = "a=b\x7f";
	CHECK_EQ_INT(cd_web_head(&h, out, sizeof(out)), 0);
	h.set_cookie = NULL;
	h.filename = "a\"b";
	CHECK_EQ_INT(cd_web_head(&h, out, sizeof(out)), 0);
	h.filename = "../x";
	CHECK_EQ_INT(cd_web_head(&h, out, sizeof(out)), 0);
	h.filename = NULL;
	h.type = "text/plain\r\nX: y";
	CHECK_EQ_INT(cd_web_head(&h, out, sizeof(out)), 0);
	h.type = "application/json";
	h.status = 99;
	CHECK_EQ_INT(cd_web_head(&h, out, sizeof(out)), 0);
	h.status = 600;
	CHECK_EQ_INT(cd_web_head(&h, out, sizeof(out)), 0);
}

static void test_main_head_checks(void)
{
	struct cd_msg_resp_head m, ok;
	struct cd_web_head h;
	char err[128];

	memset(&ok, 0, sizeof(ok));
	ok.status = 200;
	ok.kind = CD_KIND_JSON;
	ok.body_len = 10;
	CHECK_EQ_INT(cd_web_main_head(&ok, &h, err, sizeof(err)), 0);
	CHECK_EQ_INT(h.status, 200);
	CHECK_EQ_STR(h.type, "application/json");
	CHECK_EQ_INT(h.length, 10);
	CHECK(!h.asset);

	m = ok;
	m.status = 199;
	CHECK_EQ_INT(cd_web_main_head(&m, &h, err, sizeof(err)), -1);
	CHECK(strstr(err, "199") != NULL);
	m.status = 600;
	CHECK_EQ_INT(cd_web_main_head(&m, &h, err, sizeof(err)), -1);
	m = ok;
	m.kind = 0;
	CHECK_EQ_INT(cd_web_main_head(&m, &h, err, sizeof(err)), -1);
	m.kind = CD_KIND_DOWNLOAD + 1;
	CHECK_EQ_INT(cd_web_main_head(&m, &h, err, sizeof(err)), -1);
	m = ok;
	m.reserved = 1;
	CHECK_EQ_INT(cd_web_main_head(&m, &h, err, sizeof(err)), -1);
	m = ok;
	memset(m.set_cookie, 'a', sizeof(m.set_cookie)); /* no NUL */
	CHECK_EQ_INT(cd_web_main_head(&m, &h, err, sizeof(err)), -1);
	m = ok;
	snprintf(m.set_cookie, sizeof(m.set_cookie), "a=b\nc");
	CHECK_EQ_INT(cd_web_main_head(&m, &h, err, sizeof(err)), -1);
	m = ok;
	memset(m.filename, 'a', sizeof(m.filename)); /* no NUL */
	m.kind = CD_KIND_DOWNLOAD;
	CHECK_EQ_INT(cd_web_main_head(&m, &h, err, sizeof(err)), -1);
	m = ok;
	m.kind = CD_KIND_DOWNLOAD; /* a download needs a name */
	CHECK_EQ_INT(cd_web_main_head(&m, &h, err, sizeof(err)), -1);
	snprintf(m.filename, sizeof(m.filename), "a b");
	CHECK_EQ_INT(cd_web_main_head(&m, &h, err, sizeof(err)), -1);
	snprintf(m.filename, sizeof(m.filename), "audit-2024.log");
	CHECK_EQ_INT(cd_web_main_head(&m, &h, err, sizeof(err)), 0);
	m.kind = CD_KIND_JSON; /* and only a download has one */
	CHECK_EQ_INT(cd_web_main_head(&m, &h, err, sizeof(err)), -1);
	m = ok;
	m.status = 204;
	CHECK_EQ_INT(cd_web_main_head(&m, &h, err, sizeof(err)), -1);
	m.body_len = 0;
	CHECK_EQ_INT(cd_web_main_head(&m, &h, err, sizeof(err)), 0);
}

static void test_error_body(void)
{
	char out[CD_WEB_ERROR_MAX];
	size_t n;

	n = cd_web_error_body("not found", out, sizeof(out));
	CHECK_EQ_INT(n, strlen("{\"error\":\"not found\"}"));
	out[n < sizeof(out) ? n : 0] = '\0';
	CHECK_EQ_STR(out, "{\"error\":\"not found\"}");
	n = cd_web_error_body("header \"X\\Y\"\t!", out, sizeof(out));
	out[n < sizeof(out) ? n : 0] = '\0';
	CHECK_EQ_STR(out, "{\"error\":\"header \\\"X\\\\Y\\\"\\u0009!\"}");
	CHECK_EQ_INT(cd_web_error_body("abc", out, 14), 0);
	CHECK_EQ_INT(cd_web_error_body("abc", out, 15), 15);
}

static void test_kind_types(void)
{
	CHECK_EQ_STR(cd_web_kind_type(CD_KIND_JSON), "application/json");
	CHECK_EQ_STR(cd_web_kind_type(CD_KIND_TEXT), "text/plain; charset=utf-8");
	CHECK_EQ_STR(cd_web_kind_type(CD_KIND_METRICS),
	             "application/openmetrics-text; version=1.0.0; charset=utf-8");
	CHECK_EQ_STR(cd_web_kind_type(CD_KIND_DOWNLOAD), "text/plain; charset=utf-8");
	CHECK(cd_web_kind_type(0) == NULL);
	CHECK(cd_web_kind_type(99) == NULL);
}

/* --------------------------------------------------------- dates, peers */

static void test_date(void)
{
	char out[30], want[64];
	struct tm tm;
	int i;

	cd_web_date(0, out);
	CHECK_EQ_STR(out, "Thu, 01 Jan 1970 00:00:00 GMT");
	cd_web_date(784111777, out);
	CHECK_EQ_STR(out, "Sun, 06 Nov 1994 08:49:37 GMT");
	cd_web_date(951782400, out);
	CHECK_EQ_STR(out, "Tue, 29 Feb 2000 00:00:00 GMT");
	cd_web_date(4102444799LL, out);
	CHECK_EQ_STR(out, "Thu, 31 Dec 2099 23:59:59 GMT");
	cd_web_date(-1, out);
	CHECK_EQ_STR(out, "Wed, 31 Dec 1969 23:59:59 GMT");
	/* against the C library over 1900..2400 */
	for (i = 0; i < 20000; i++) {
		int64_t t = (int64_t)(check_rand() % 15778800000ULL) - 2208988800LL;
		time_t tt = (time_t)t;

		gmtime_r(&tt, &tm);
		strftime(want, sizeof(want), "%a, %d %b %Y %H:%M:%S GMT", &tm);
		cd_web_date(t, out);
		if (strcmp(out, want) != 0) {
			fprintf(stderr, "  t=%lld: %s != %s\n", (long long)t, out, want);
			CHECK(0);
			break;
		}
	}
}

static void test_addr(void)
{
	struct sockaddr_storage a, b;
	struct sockaddr_in6 m;
	struct sockaddr_un_like {
		unsigned short family;
		char path[20];
	} u;
	char out[CD_ADDR_MAX];

	cd_web_addr((const struct sockaddr *)&peer4, sizeof(peer4), out, sizeof(out));
	CHECK_EQ_STR(out, "192.0.2.7");
	cd_web_addr((const struct sockaddr *)&peer6, sizeof(peer6), out, sizeof(out));
	CHECK_EQ_STR(out, "2001:db8::42");
	memset(&m, 0, sizeof(m));
	m.sin6_family = AF_INET6;
	inet_pton(AF_INET6, "::ffff:10.1.2.3", &m.sin6_addr);
	cd_web_addr((const struct sockaddr *)&m, sizeof(m), out, sizeof(out));
	CHECK_EQ_STR(out, "10.1.2.3");
	/* short lengths and other families are not read */
	cd_web_addr((const struct sockaddr *)&peer4, 4, out, sizeof(out));
	CHECK_EQ_STR(out, "?");
	memset(&u, 0, sizeof(u));
	u.family = AF_UNIX;
	cd_web_addr((const struct sockaddr *)(void *)&u, sizeof(u), out, sizeof(out));
	CHECK_EQ_STR(out, "?");
	cd_web_addr(NULL, 0, out, sizeof(out));
	CHECK_EQ_STR(out, "?");

	/* same host: an IPv4 client and its IPv4-mapped form are one source */
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	memcpy(&a, &peer4, sizeof(peer4));
	memset(&m, 0, sizeof(m));
	m.sin6_family = AF_INET6;
	m.sin6_port = htons(1);
	inet_pton(AF_INET6, "::ffff:192.0.2.7", &m.sin6_addr);
	memcpy(&b, &m, sizeof(m));
	CHECK(cd_web_same_host(&a, &b));
	CHECK(cd_web_same_host(&b, &a));
	inet_pton(AF_INET6, "::ffff:192.0.2.8", &m.sin6_addr);
	memcpy(&b, &m, sizeof(m));
	CHECK(!cd_web_same_host(&a, &b));
	memset(&b, 0, sizeof(b));
	memcpy(&b, &peer6, sizeof(peer6));
	CHECK(!cd_web_same_host(&a, &b));
	CHECK(cd_web_same_host(&b, &b));
	memset(&b, 0, sizeof(b)); /* AF_UNSPEC: never the same */
	CHECK(!cd_web_same_host(&b, &b));
}

/* ---------------------------------------------------------------- sandbox */

static const struct tg_syscall_rule *rule_named(const struct tg_syscall_rule *t, const char *n)
{
	for (; t->name; t++)
		if (strcmp(t->name, n) == 0)
			return t;
	return NULL;
}

static void test_sandbox_table(void)
{
	static const char *const needed[] = {
	    "accept4", "read",    "close",     "setsockopt", "shutdown",
	    "recvmsg", "sendmsg", "getrandom", "ppoll",      "clock_gettime",
	};
	/* no filesystem, no new sockets, no processes, no clock changes */
	static const char *const never[] = {
	    "open",     "openat",       "openat2",  "creat",  "stat",          "newfstatat",
	    "statx",    "unlink",       "unlinkat", "rename", "renameat",      "mkdir",
	    "chdir",    "socket",       "connect",  "bind",   "listen",        "execve",
	    "fork",     "clone",        "clone3",   "ptrace", "clock_settime", "clock_adjtime",
	    "adjtimex", "settimeofday", "ioctl",    "mmap",   "mprotect",
	};
	struct tg_syscall_rule rules[32];
	const struct tg_syscall_rule *r;
	struct tg_sandbox sb;
	char err[160];
	size_t i;

	cd_web_sandbox(&sb, rules, 32);
	CHECK_EQ_INT(tg_sandbox_check_table(rules, err, sizeof(err)), 0);
	CHECK(sb.syscalls == rules);
	CHECK_EQ_STR(sb.role, "web");
	CHECK(sb.chroot_dir == NULL);
	CHECK_EQ_INT(sb.caps, 0);
	CHECK(sb.rlimit_nofile > 64 && sb.rlimit_nofile < 128);
	if (geteuid() == 0)
		CHECK_EQ_STR(sb.user, "consoled");
	else
		CHECK(sb.user == NULL);
	for (i = 0; i < sizeof(needed) / sizeof(needed[0]); i++)
		CHECK(rule_named(rules, needed[i]) != NULL);
	for (i = 0; i < sizeof(never) / sizeof(never[0]); i++) {
		if (rule_named(rules, never[i]))
			fprintf(stderr, "  %s allowed\n", never[i]);
		CHECK(rule_named(rules, never[i]) == NULL);
	}
	/* accept4 only non-blocking, setsockopt only TCP_NODELAY, shutdown only SHUT_WR */
	r = rule_named(rules, "accept4");
	CHECK(r && r->nargs == 1 && r->args[0].arg == 3 && r->args[0].op == TG_CMP_EQ &&
	      r->args[0].val == (uint64_t)(SOCK_NONBLOCK | SOCK_CLOEXEC));
	r = rule_named(rules, "setsockopt");
	CHECK(r && r->nargs == 2 && r->args[0].val == IPPROTO_TCP && r->args[1].val == TCP_NODELAY);
	r = rule_named(rules, "shutdown");
	CHECK(r && r->nargs == 1 && r->args[0].val == SHUT_WR);
}

int main(void)
{
	check_seed();
	peers_init();
	RUN(test_asset_lookup);
	RUN(test_generated_assets);
	RUN(test_route_static);
	RUN(test_route_path_decoding);
	RUN(test_route_api_fields);
	RUN(test_route_fetch_site);
	RUN(test_route_cookies);
	RUN(test_route_duplicates);
	RUN(test_route_lengths);
	RUN(test_route_bodies);
	RUN(test_route_upload);
	RUN(test_parser_limit);
	RUN(test_route_peers);
	RUN(test_head_exact);
	RUN(test_head_every_kind);
	RUN(test_head_refuses_injection);
	RUN(test_main_head_checks);
	RUN(test_error_body);
	RUN(test_kind_types);
	RUN(test_date);
	RUN(test_addr);
	RUN(test_sandbox_table);
	return check_exit();
}
