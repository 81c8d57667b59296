/*
 * test_http.c - the console's HTTP/1.1 request parser (lib/http.c).
 *
 * Every input is copied into a heap buffer of exactly its length, so a
 * read past the end is an ASan error, not a silent pass.  Besides good
 * requests and one case per refusal (status and a part of the message),
 * the tests feed every prefix of each input: a prefix must give 0 or the
 * whole input's answer, never a head length before the head is complete.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "http.h"

#define MAX_BODY 4096

struct res {
	int rc;
	int status;
	char err[256];
	struct tg_http_req r;
};

/* Parse s[0..n) from an exact-size heap copy (kept in *owned, freed by the caller). */
static void parse_n(const char *s, size_t n, size_t max_body, struct res *o, uint8_t **owned)
{
	uint8_t *b = malloc(n ? n : 1);

	if (!b)
		abort();
	if (n)
		memcpy(b, s, n);
	memset(o->err, 'X', sizeof(o->err));
	o->rc = tg_http_parse(b, n, max_body, &o->r, &o->status, o->err, sizeof(o->err));
	*owned = b;
}

/* Every proper prefix of s[0..n) gives 0 or exactly (rc, status, err) of the whole. */
static int prefixes_consistent(const char *s, size_t n, size_t max_body, const struct res *whole)
{
	static struct res p;
	uint8_t *b;
	size_t k;
	int bad = 0;

	for (k = 0; k < n; k++) {
		parse_n(s, k, max_body, &p, &b);
		free(b);
		if (p.rc == 0 && p.status == 0 && p.err[0] == '\0')
			continue;
		if (whole->rc > 0 && (size_t)whole->rc <= k && p.rc == whole->rc)
			continue;
		if (p.rc == -1 && whole->rc == -1 && p.status == whole->status &&
		    strcmp(p.err, whole->err) == 0)
			continue;
		fprintf(stderr, "  prefix %zu/%zu: rc %d status %d (%s), whole rc %d status %d\n", k,
			n, p.rc, p.status, p.err, whole->rc, whole->status);
		bad = 1;
		break;
	}
	return !bad;
}

static int span_is(struct tg_http_span sp, const char *s)
{
	return sp.len == strlen(s) && (sp.len == 0 || memcmp(sp.ptr, s, sp.len) == 0);
}

static void test_get_with_query(void)
{
	static const char req[] = "GET /status/clock?fmt=json&x=a+b%21 HTTP/1.1\r\n"
				  "Host: timegate.local:443\r\n"
				  "User-Agent:  curl/8 \t\r\n"
				  "accept: */*\r\n"
				  "\r\n";
	static struct res o;
	const struct tg_http_header *h;
	uint8_t *b;
	char v[32];

	parse_n(req, sizeof(req) - 1, MAX_BODY, &o, &b);
	CHECK_EQ_INT(o.rc, sizeof(req) - 1);
	CHECK_EQ_INT(o.status, 0);
	CHECK_EQ_STR(o.err, "");
	CHECK_EQ_INT(o.r.method, TG_HTTP_GET);
	CHECK(span_is(o.r.method_name, "GET"));
	CHECK(span_is(o.r.target, "/status/clock?fmt=json&x=a+b%21"));
	CHECK(span_is(o.r.path, "/status/clock"));
	CHECK(span_is(o.r.query, "fmt=json&x=a+b%21"));
	CHECK(span_is(o.r.host, "timegate.local:443"));
	CHECK_EQ_INT(o.r.minor, 1);
	CHECK_EQ_INT(o.r.nheaders, 3);
	CHECK_EQ_INT(o.r.content_length, 0);
	CHECK_EQ_INT(o.r.body_off, sizeof(req) - 1);
	CHECK(o.r.flags & TG_HTTP_F_HOST);
	CHECK(o.r.flags & TG_HTTP_F_PERSIST);
	CHECK(o.r.flags & TG_HTTP_F_QUERY);
	CHECK(!(o.r.flags & (TG_HTTP_F_CLOSE | TG_HTTP_F_HAS_CL | TG_HTTP_F_CONTINUE)));
	/* spans point into the caller's buffer */
	CHECK(o.r.path.ptr == (const char *)b + 4);
	/* values are trimmed of OWS, lookups ignore case */
	h = tg_http_header(&o.r, "user-agent");
	CHECK(h && span_is(h->value, "curl/8"));
	h = tg_http_header(&o.r, "ACCEPT");
	CHECK(h && span_is(h->name, "accept") && span_is(h->value, "*/*"));
	CHECK(tg_http_header(&o.r, "cookie") == NULL);
	CHECK(tg_http_header(&o.r, "accep") == NULL);
	CHECK_EQ_INT(tg_http_header_count(&o.r, "Host"), 1);
	CHECK_EQ_INT(tg_http_query_get(&o.r, "fmt", v, sizeof(v)), 4);
	CHECK_EQ_STR(v, "json");
	CHECK_EQ_INT(tg_http_query_get(&o.r, "x", v, sizeof(v)), 4);
	CHECK_EQ_STR(v, "a b!");
	CHECK_EQ_INT(tg_http_query_get(&o.r, "y", v, sizeof(v)), -1);
	CHECK(prefixes_consistent(req, sizeof(req) - 1, MAX_BODY, &o));
	free(b);
}

static void test_post_with_body(void)
{
	static const char req[] = "POST /login HTTP/1.1\r\n"
				  "Host: 192.0.2.7\r\n"
				  "Content-Type: application/x-www-form-urlencoded\r\n"
				  "Content-Length: 27\r\n"
				  "Connection: close\r\n"
				  "\r\n"
				  "user=admin&pass=p%40ss+w%C3";
	static struct res o;
	uint8_t *b;
	char v[32];
	size_t head = sizeof(req) - 1 - 27;

	parse_n(req, sizeof(req) - 1, MAX_BODY, &o, &b);
	CHECK_EQ_INT(o.rc, head);
	CHECK_EQ_INT(o.r.method, TG_HTTP_POST);
	CHECK_EQ_INT(o.r.content_length, 27);
	CHECK_EQ_INT(o.r.body_off, head);
	CHECK(o.r.flags & TG_HTTP_F_HAS_CL);
	CHECK(o.r.flags & TG_HTTP_F_CLOSE);
	CHECK(!(o.r.flags & TG_HTTP_F_PERSIST));
	CHECK(!(o.r.flags & TG_HTTP_F_QUERY));
	CHECK_EQ_INT(o.r.query.len, 0);
	CHECK_EQ_INT(tg_http_form_get(b + o.rc, o.r.content_length, "user", v, sizeof(v)), 5);
	CHECK_EQ_STR(v, "admin");
	CHECK_EQ_INT(tg_http_form_get(b + o.rc, o.r.content_length, "pass", v, sizeof(v)), 7);
	CHECK_EQ_STR(v, "p@ss w\xc3");
	/* the head alone is enough: the body is the caller's business */
	CHECK(prefixes_consistent(req, head, MAX_BODY, &o));
	free(b);

	/* exactly max_body is accepted, one more is 413 */
	parse_n(req, sizeof(req) - 1, 27, &o, &b);
	CHECK_EQ_INT(o.rc, head);
	free(b);
	parse_n(req, sizeof(req) - 1, 26, &o, &b);
	CHECK_EQ_INT(o.rc, -1);
	CHECK_EQ_INT(o.status, 413);
	CHECK(strstr(o.err, "Content-Length 27 above the limit of 26"));
	free(b);
}

static void test_head_delete_put(void)
{
	static const char head[] = "HEAD / HTTP/1.1\r\nHost: a\r\n\r\n";
	static const char del[] = "DELETE /users/bob HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n";
	static const char put[] = "PUT /conf HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nok";
	static struct res o;
	uint8_t *b;

	parse_n(head, sizeof(head) - 1, MAX_BODY, &o, &b);
	CHECK_EQ_INT(o.rc, sizeof(head) - 1);
	CHECK_EQ_INT(o.r.method, TG_HTTP_HEAD);
	CHECK(span_is(o.r.path, "/"));
	free(b);
	parse_n(del, sizeof(del) - 1, MAX_BODY, &o, &b);
	CHECK_EQ_INT(o.rc, sizeof(del) - 1);
	CHECK_EQ_INT(o.r.method, TG_HTTP_DELETE);
	CHECK(o.r.flags & TG_HTTP_F_HAS_CL);
	free(b);
	parse_n(put, sizeof(put) - 1, MAX_BODY, &o, &b);
	CHECK_EQ_INT(o.rc, sizeof(put) - 3);
	CHECK_EQ_INT(o.r.method, TG_HTTP_PUT);
	CHECK_EQ_INT(o.r.content_length, 2);
	free(b);
}

static void test_http10(void)
{
	static const char plain[] = "GET /index.html HTTP/1.0\r\n\r\n";
	static const char ka[] = "GET / HTTP/1.0\r\nConnection: Keep-Alive\r\nExpect: whatever\r\n\r\n";
	static struct res o;
	uint8_t *b;

	parse_n(plain, sizeof(plain) - 1, MAX_BODY, &o, &b);
	CHECK_EQ_INT(o.rc, sizeof(plain) - 1);
	CHECK_EQ_INT(o.r.minor, 0);
	CHECK_EQ_INT(o.r.nheaders, 0);
	CHECK(!(o.r.flags & (TG_HTTP_F_HOST | TG_HTTP_F_PERSIST)));
	CHECK_EQ_INT(o.r.host.len, 0);
	CHECK(prefixes_consistent(plain, sizeof(plain) - 1, MAX_BODY, &o));
	free(b);
	/* keep-alive makes 1.0 persistent; Expect from a 1.0 client is ignored */
	parse_n(ka, sizeof(ka) - 1, MAX_BODY, &o, &b);
	CHECK_EQ_INT(o.rc, sizeof(ka) - 1);
	CHECK(o.r.flags & TG_HTTP_F_KEEPALIVE);
	CHECK(o.r.flags & TG_HTTP_F_PERSIST);
	CHECK(!(o.r.flags & TG_HTTP_F_CONTINUE));
	free(b);
}

static void test_connection_and_expect(void)
{
	static const char list[] = "GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade , CLOSE,\r\n\r\n";
	static const char cont[] = "PUT /x HTTP/1.1\r\nHost: a\r\nExpect: 100-Continue\r\n"
				   "Content-Length: 1\r\n\r\n";
	static struct res o;
	uint8_t *b;

	parse_n(list, sizeof(list) - 1, MAX_BODY, &o, &b);
	CHECK_EQ_INT(o.rc, sizeof(list) - 1);
	CHECK(o.r.flags & TG_HTTP_F_CLOSE);
	CHECK(!(o.r.flags & TG_HTTP_F_PERSIST));
	free(b);
	parse_n(cont, sizeof(cont) - 1, MAX_BODY, &o, &b);
	CHECK_EQ_INT(o.rc, sizeof(cont) - 1);
	CHECK(o.r.flags & TG_HTTP_F_CONTINUE);
	CHECK(o.r.flags & TG_HTTP_F_PERSIST);
	free(b);
}

static void test_pipelined(void)
{
	static const char two[] = "POST /a HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nx=1"
				  "GET /b?q HTTP/1.1\r\nHost: a\r\n\r\n"
				  "GET /c HT";
	static struct res o;
	uint8_t *b;
	size_t n = sizeof(two) - 1, off;
	int rc, st;
	char err[128];
	struct tg_http_req r;

	parse_n(two, n, MAX_BODY, &o, &b);
	CHECK(o.rc > 0);
	CHECK(span_is(o.r.path, "/a"));
	CHECK_EQ_INT(o.r.content_length, 3);
	off = (size_t)o.rc + o.r.content_length;
	CHECK(memcmp(b + off, "GET /b", 6) == 0);
	rc = tg_http_parse(b + off, n - off, MAX_BODY, &r, &st, err, sizeof(err));
	CHECK_EQ_INT(rc, sizeof("GET /b?q HTTP/1.1\r\nHost: a\r\n\r\n") - 1);
	CHECK(span_is(r.path, "/b"));
	CHECK(span_is(r.query, "q"));
	CHECK(r.path.ptr == (const char *)b + off + 4);
	off += (size_t)rc;
	/* the third request has not fully arrived */
	CHECK_EQ_INT(tg_http_parse(b + off, n - off, MAX_BODY, &r, &st, err, sizeof(err)), 0);
	free(b);
}

static void test_leading_empty_line(void)
{
	static const char one[] = "\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n";
	static const char two[] = "\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n";
	static struct res o;
	uint8_t *b;

	parse_n(one, sizeof(one) - 1, MAX_BODY, &o, &b);
	CHECK_EQ_INT(o.rc, sizeof(one) - 1);
	CHECK(o.r.method_name.ptr == (const char *)b + 2);
	CHECK(prefixes_consistent(one, sizeof(one) - 1, MAX_BODY, &o));
	free(b);
	parse_n(two, sizeof(two) - 1, MAX_BODY, &o, &b);
	CHECK_EQ_INT(o.rc, -1);
	CHECK_EQ_INT(o.status, 400);
	CHECK(strstr(o.err, "got an empty line"));
	free(b);
}

struct bad {
	const char *req;
	size_t len; /* 0: strlen */
	int status;
	const char *msg;
};

#define H "Host: a\r\n"
static const struct bad bads[] = {
	/* line ends and forbidden bytes */
	{ "GET / HTTP/1.1\r\n" H "X: a\0b\r\n\r\n", 35, 400, "header line 2: NUL byte" },
	{ "GET /\0 HTTP/1.1\r\n" H "\r\n", 28, 400, "request line: NUL byte at byte 5" },
	{ "GET / HTTP/1.1\n" H "\r\n", 0, 400, "request line: bare LF at byte 14, expected CRLF" },
	{ "GET / HTTP/1.1\r\n" H "X: a\nY: b\r\n\r\n", 0, 400, "header line 2: bare LF" },
	{ "GET / HTTP/1.1\r\nHost: a\rX: b\r\n\r\n", 0, 400, "header line 1: bare CR at byte 23" },
	{ "GET / HTTP/1.1\r\n" H "\r\r\n", 0, 400, "bare CR" },
	{ "\rGET / HTTP/1.1\r\n" H "\r\n", 0, 400, "request line: bare CR at byte 0" },
	{ "\n", 0, 400, "bare LF" },
	/* header syntax */
	{ "GET / HTTP/1.1\r\n" H "X: a\r\n b\r\n\r\n", 0, 400, "obs-fold" },
	{ "GET / HTTP/1.1\r\n\tHost: a\r\n\r\n", 0, 400, "header line 1: starts with whitespace" },
	{ "GET / HTTP/1.1\r\nHost : a\r\n\r\n", 0, 400, "whitespace between the field name and the colon" },
	{ "GET / HTTP/1.1\r\n" H "X\t: a\r\n\r\n", 0, 400, "whitespace between" },
	{ "GET / HTTP/1.1\r\n" H "X(y: a\r\n\r\n", 0, 400, "byte 0x28 in the field name" },
	{ "GET / HTTP/1.1\r\n" H "Xy\r\n\r\n", 0, 400, "got no colon" },
	{ "GET / HTTP/1.1\r\n" H ": a\r\n\r\n", 0, 400, "got an empty name" },
	{ "GET / HTTP/1.1\r\n" H "X-Y: a\x01" "b\r\n\r\n", 0, 400, "('X-Y'): control byte 0x01 in the value" },
	{ "GET / HTTP/1.1\r\n" H "X: a\x7f\r\n\r\n", 0, 400, "control byte 0x7f" },
	/* framing */
	{ "POST / HTTP/1.1\r\n" H "Transfer-Encoding: chunked\r\n\r\n", 0, 501, "Transfer-Encoding is not supported" },
	{ "GET / HTTP/1.1\r\n" H "transfer-encoding: identity\r\n\r\n", 0, 501, "Transfer-Encoding" },
	{ "POST / HTTP/1.1\r\n" H "Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n", 0, 400, "smuggling" },
	{ "POST / HTTP/1.1\r\n" H "Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", 0, 400, "smuggling" },
	{ "POST / HTTP/1.1\r\n" H "Content-Length: +5\r\n\r\n", 0, 400, "digits only, got byte 0x2b" },
	{ "POST / HTTP/1.1\r\n" H "Content-Length: -1\r\n\r\n", 0, 400, "digits only" },
	{ "POST / HTTP/1.1\r\n" H "Content-Length: 1 2\r\n\r\n", 0, 400, "digits only, got byte 0x20" },
	{ "POST / HTTP/1.1\r\n" H "Content-Length: 5,5\r\n\r\n", 0, 400, "digits only" },
	{ "POST / HTTP/1.1\r\n" H "Content-Length: 0x10\r\n\r\n", 0, 400, "digits only" },
	{ "POST / HTTP/1.1\r\n" H "Content-Length: 1000000000000\r\n\r\n", 0, 400, "1 to 12 digits, got 13 bytes" },
	{ "POST / HTTP/1.1\r\n" H "Content-Length:\r\n\r\n", 0, 400, "1 to 12 digits, got 0 bytes" },
	{ "POST / HTTP/1.1\r\n" H "Content-Length: 999999999999\r\n\r\n", 0, 413, "above the limit" },
	{ "POST / HTTP/1.1\r\n" H "Content-Length: 3\r\nContent-Length: 3\r\n\r\n", 0, 400, "a second Content-Length" },
	{ "POST / HTTP/1.1\r\n" H "Content-Length: 3\r\ncontent-length: 4\r\n\r\n", 0, 400, "a second Content-Length" },
	{ "POST / HTTP/1.1\r\n" H "\r\n", 0, 411, "POST without Content-Length" },
	{ "PUT / HTTP/1.0\r\n\r\n", 0, 411, "PUT without Content-Length" },
	/* Host */
	{ "GET / HTTP/1.1\r\n\r\n", 0, 400, "without a Host header" },
	{ "GET / HTTP/1.1\r\nX: y\r\n\r\n", 0, 400, "without a Host header" },
	{ "GET / HTTP/1.1\r\n" H "HOST: b\r\n\r\n", 0, 400, "a second Host header" },
	{ "GET / HTTP/1.0\r\n" H H "\r\n", 0, 400, "a second Host header" },
	{ "GET / HTTP/1.1\r\nHost:\r\n\r\n", 0, 400, "Host expected host[:port]" },
	{ "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", 0, 400, "Host expected" },
	{ "GET / HTTP/1.1\r\nHost: u@a\r\n\r\n", 0, 400, "Host expected" },
	{ "GET / HTTP/1.1\r\nHost: a,b\r\n\r\n", 0, 400, "Host expected" },
	{ "GET / HTTP/1.1\r\nHost: [::1\r\n\r\n", 0, 400, "Host expected" },
	{ "GET / HTTP/1.1\r\nHost: []\r\n\r\n", 0, 400, "Host expected" },
	{ "GET / HTTP/1.1\r\nHost: a:\r\n\r\n", 0, 400, "Host expected" },
	{ "GET / HTTP/1.1\r\nHost: a:0\r\n\r\n", 0, 400, "Host expected" },
	{ "GET / HTTP/1.1\r\nHost: a:65536\r\n\r\n", 0, 400, "Host expected" },
	{ "GET / HTTP/1.1\r\nHost: a:443:1\r\n\r\n", 0, 400, "Host expected" },
	/* methods */
	{ "PATCH / HTTP/1.1\r\n" H "\r\n", 0, 501, "method 'PATCH' not implemented" },
	{ "get / HTTP/1.1\r\n" H "\r\n", 0, 501, "method 'get' not implemented" },
	{ "OPTIONS * HTTP/1.1\r\n" H "\r\n", 0, 501, "not implemented" },
	{ "CONNECT a:443 HTTP/1.1\r\n" H "\r\n", 0, 501, "not implemented" },
	{ "G(T / HTTP/1.1\r\n" H "\r\n", 0, 400, "byte 0x28 in the method" },
	{ "GET\t/ HTTP/1.1\r\n" H "\r\n", 0, 400, "byte 0x09 in the method" },
	/* versions */
	{ "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 0, 505, "HTTP/2.0 not supported" },
	{ "GET / HTTP/2.0\r\n" H "\r\n", 0, 505, "HTTP/2.0 not supported" },
	{ "GET / HTTP/1.2\r\n" H "\r\n", 0, 505, "HTTP/1.2" },
	{ "GET / HTTP/0.9\r\n\r\n", 0, 505, "HTTP/0.9" },
	{ "GET / HTTP/3.0\r\n\r\n", 0, 505, "HTTP/3.0" },
	{ "GET / http/1.1\r\n" H "\r\n", 0, 400, "not 'HTTP/' DIGIT '.' DIGIT" },
	{ "GET / HTTP/1.10\r\n" H "\r\n", 0, 400, "not 'HTTP/' DIGIT" },
	{ "GET / HTTP/11\r\n" H "\r\n", 0, 400, "not 'HTTP/' DIGIT" },
	{ "GET /\r\n\r\n", 0, 400, "got no SP after the target" },
	{ "GET\r\n\r\n", 0, 400, "got no SP after the method" },
	/* request line shape and target */
	{ "GET  / HTTP/1.1\r\n" H "\r\n", 0, 400, "two SPs after the method" },
	{ " GET / HTTP/1.1\r\n" H "\r\n", 0, 400, "SP before the method" },
	{ "GET / HTTP/1.1 \r\n" H "\r\n", 0, 400, "a third SP" },
	{ "GET /a b HTTP/1.1\r\n" H "\r\n", 0, 400, "a third SP" },
	{ "GET http://a/ HTTP/1.1\r\n" H "\r\n", 0, 400, "got absolute-form" },
	{ "GET * HTTP/1.1\r\n" H "\r\n", 0, 400, "got asterisk-form" },
	{ "GET a/b HTTP/1.1\r\n" H "\r\n", 0, 400, "expected origin-form '/path', got a first byte 0x61" },
	{ "GET /a#b HTTP/1.1\r\n" H "\r\n", 0, 400, "byte 0x23 at offset 2" },
	{ "GET /a\\b HTTP/1.1\r\n" H "\r\n", 0, 400, "byte 0x5c" },
	{ "GET /\x80 HTTP/1.1\r\n" H "\r\n", 0, 400, "byte 0x80" },
	{ "GET /a\x01 HTTP/1.1\r\n" H "\r\n", 0, 400, "byte 0x01" },
	{ "GET /?a=<b> HTTP/1.1\r\n" H "\r\n", 0, 400, "byte 0x3c" },
	{ "GET /%zz HTTP/1.1\r\n" H "\r\n", 0, 400, "expected %XX (two hex digits) at offset 1" },
	{ "GET /%4 HTTP/1.1\r\n" H "\r\n", 0, 400, "expected %XX" },
	{ "GET /a% HTTP/1.1\r\n" H "\r\n", 0, 400, "expected %XX" },
	/* expectations */
	{ "PUT / HTTP/1.1\r\n" H "Expect: 200-ok\r\nContent-Length: 1\r\n\r\n", 0, 417, "only '100-continue'" },
};
#undef H

static void test_refusals(void)
{
	static struct res o;
	size_t i;
	uint8_t *b;

	for (i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		size_t n = bads[i].len ? bads[i].len : strlen(bads[i].req);

		parse_n(bads[i].req, n, MAX_BODY, &o, &b);
		free(b);
		if (o.rc != -1 || o.status != bads[i].status || !strstr(o.err, bads[i].msg) ||
		    !prefixes_consistent(bads[i].req, n, MAX_BODY, &o)) {
			fprintf(stderr, "  case %zu: rc %d status %d err '%s', expected %d '%s'\n", i,
				o.rc, o.status, o.err, bads[i].status, bads[i].msg);
			CHECK(0);
		}
		/* no header value or target in a message */
		CHECK(!strstr(o.err, "secret"));
	}
}

/* The message never echoes what may be a credential. */
static void test_err_does_not_echo_values(void)
{
	static const char req[] = "GET /?token=secret HTTP/1.1\r\nHost: a\r\n"
				  "Cookie: sid=secret\x01\r\n\r\n";
	static struct res o;
	uint8_t *b;

	parse_n(req, sizeof(req) - 1, MAX_BODY, &o, &b);
	CHECK_EQ_INT(o.status, 400);
	CHECK(strstr(o.err, "'Cookie'"));
	CHECK(!strstr(o.err, "secret"));
	free(b);
}

/* Build "GET /<pad> HTTP/1.1" of total length n (without CRLF) plus Host. */
static size_t long_line(char *out, size_t n)
{
	size_t k = 0, pad = n - strlen("GET / HTTP/1.1");

	k += (size_t)sprintf(out + k, "GET /");
	memset(out + k, 'a', pad);
	k += pad;
	k += (size_t)sprintf(out + k, " HTTP/1.1\r\nHost: a\r\n\r\n");
	return k;
}

static void test_limits(void)
{
	static char buf[TG_HTTP_HEAD_MAX * 2];
	static struct res o;
	uint8_t *b;
	size_t n, i, pos;

	/* request line: 2048 bytes accepted, 2049 refused (whole or in part) */
	n = long_line(buf, TG_HTTP_LINE_MAX);
	parse_n(buf, n, MAX_BODY, &o, &b);
	CHECK_EQ_INT(o.rc, n);
	CHECK_EQ_INT(o.r.path.len, TG_HTTP_LINE_MAX - 13);
	free(b);
	n = long_line(buf, TG_HTTP_LINE_MAX + 1);
	parse_n(buf, n, MAX_BODY, &o, &b);
	CHECK_EQ_INT(o.rc, -1);
	CHECK_EQ_INT(o.status, 414);
	CHECK(strstr(o.err, "longer than 2048"));
	free(b);
	parse_n(buf, TG_HTTP_LINE_MAX + 1, MAX_BODY, &o, &b); /* no CRLF yet */
	CHECK_EQ_INT(o.status, 414);
	free(b);
	parse_n(buf, TG_HTTP_LINE_MAX, MAX_BODY, &o, &b); /* could still end in CRLF */
	CHECK_EQ_INT(o.rc, 0);
	free(b);

	/* 32 header lines accepted, 33 refused */
	pos = (size_t)sprintf(buf, "GET / HTTP/1.1\r\nHost: a\r\n");
	for (i = 1; i < TG_HTTP_MAX_HEADERS; i++)
		pos += (size_t)sprintf(buf + pos, "X-%zu: v\r\n", i);
	memcpy(buf + pos, "\r\n", 2);
	parse_n(buf, pos + 2, MAX_BODY, &o, &b);
	CHECK_EQ_INT(o.rc, pos + 2);
	CHECK_EQ_INT(o.r.nheaders, TG_HTTP_MAX_HEADERS);
	free(b);
	memcpy(buf + pos, "Y: z\r\n\r\n", 8);
	parse_n(buf, pos + 8, MAX_BODY, &o, &b);
	CHECK_EQ_INT(o.status, 431);
	CHECK(strstr(o.err, "header line 33: more than 32 header lines"));
	free(b);

	/* head of exactly TG_HTTP_HEAD_MAX bytes accepted, one more refused */
	pos = (size_t)sprintf(buf, "GET / HTTP/1.1\r\nHost: a\r\nX: ");
	n = TG_HTTP_HEAD_MAX - pos - 4;
	memset(buf + pos, 'v', n);
	memcpy(buf + pos + n, "\r\n\r\n", 4);
	parse_n(buf, TG_HTTP_HEAD_MAX, MAX_BODY, &o, &b);
	CHECK_EQ_INT(o.rc, TG_HTTP_HEAD_MAX);
	CHECK_EQ_INT(o.r.headers[1].value.len, n);
	free(b);
	memset(buf + pos, 'v', n + 1);
	memcpy(buf + pos + n + 1, "\r\n\r\n", 4);
	parse_n(buf, TG_HTTP_HEAD_MAX + 1, MAX_BODY, &o, &b);
	CHECK_EQ_INT(o.status, 431);
	CHECK(strstr(o.err, "head longer than 8192"));
	CHECK(prefixes_consistent(buf, TG_HTTP_HEAD_MAX + 1, MAX_BODY, &o));
	free(b);
	/* a stream that never ends its head is refused once it passes the limit */
	memset(buf + pos, 'v', sizeof(buf) - pos);
	parse_n(buf, sizeof(buf), MAX_BODY, &o, &b);
	CHECK_EQ_INT(o.status, 431);
	free(b);
}

/* Every prefix of the good requests gives 0, never a head length. */
static void test_incomplete_everywhere(void)
{
	static const char *goods[] = {
		"GET /a/b?c=d HTTP/1.1\r\nHost: [2001:db8::1]:8443\r\nCookie: sid=x\r\n\r\n",
		"POST /login HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\n",
		"\r\nHEAD / HTTP/1.0\r\n\r\n",
	};
	static struct res o;
	size_t i, k, n;
	uint8_t *b;

	for (i = 0; i < sizeof(goods) / sizeof(goods[0]); i++) {
		n = strlen(goods[i]);
		parse_n(goods[i], n, MAX_BODY, &o, &b);
		free(b);
		CHECK_EQ_INT(o.rc, n);
		for (k = 0; k < n; k++) {
			parse_n(goods[i], k, MAX_BODY, &o, &b);
			free(b);
			if (o.rc != 0 || o.status != 0 || o.err[0]) {
				fprintf(stderr, "  good %zu prefix %zu: rc %d\n", i, k, o.rc);
				CHECK(0);
				break;
			}
		}
	}
}

/*
 * Mutated requests (random bytes from a set that hits the rules, at
 * random places) stay prefix-consistent, and any accepted head keeps its
 * spans inside the buffer.
 */
static void test_mutations(void)
{
	static const char base[] = "POST /a/b?c=d%20 HTTP/1.1\r\nHost: a:1\r\nCookie: s=1; t=2\r\n"
				   "Content-Length: 5\r\nConnection: close\r\n\r\nhello";
	static const char alphabet[] = "\r\n\0 \t:/?%%aZ0-;=,\x7f\x80";
	static char buf[sizeof(base) + 8];
	static struct res o;
	int iter, accepted = 0, refused = 0;
	uint8_t *b;

	for (iter = 0; iter < 3000; iter++) {
		size_t n = sizeof(base) - 1, j, m = 1 + check_rand() % 3;

		memcpy(buf, base, n);
		for (j = 0; j < m; j++) {
			size_t at = check_rand() % n;

			buf[at] = alphabet[check_rand() % (sizeof(alphabet) - 1)];
		}
		parse_n(buf, n, MAX_BODY, &o, &b);
		if (o.rc > 0) {
			size_t h;

			accepted++;
			CHECK((size_t)o.rc <= n);
			for (h = 0; h < o.r.nheaders; h++) {
				const char *p = o.r.headers[h].value.ptr;

				CHECK(p >= (const char *)b &&
				      p + o.r.headers[h].value.len <= (const char *)b + o.rc);
			}
		} else if (o.rc == -1) {
			refused++;
			CHECK(o.status >= 400 && o.status <= 599);
			CHECK(o.err[0] != '\0');
		}
		free(b);
		if (!prefixes_consistent(buf, n, MAX_BODY, &o)) {
			CHECK(0);
			break;
		}
	}
	/* the mutations must exercise both outcomes */
	CHECK(accepted > 10);
	CHECK(refused > 10);
}

static void test_cookies(void)
{
	static const char req[] = "GET / HTTP/1.1\r\nHost: a\r\n"
				  "Cookie: theme=dark;  sid = abc123== ; noeq; sidx=1; SID=2\r\n"
				  "Cookie: lang=en\r\n"
				  "Cookie: q=\"quoted\"; e=; dup=1; dup=2\r\n"
				  "Cookie: sp=a b\r\n\r\n";
	static struct res o;
	uint8_t *b;
	char v[16];

	parse_n(req, sizeof(req) - 1, MAX_BODY, &o, &b);
	CHECK_EQ_INT(o.rc, sizeof(req) - 1);
	/* spaces around the pair and the '=' are tolerated; '=' in a value kept */
	CHECK_EQ_INT(tg_http_cookie(&o.r, "sid", v, sizeof(v)), 8);
	CHECK_EQ_STR(v, "abc123==");
	CHECK_EQ_INT(tg_http_cookie(&o.r, "theme", v, sizeof(v)), 4);
	CHECK_EQ_STR(v, "dark");
	/* in a later Cookie header */
	CHECK_EQ_INT(tg_http_cookie(&o.r, "lang", v, sizeof(v)), 2);
	CHECK_EQ_STR(v, "en");
	/* names are case-sensitive and whole */
	CHECK_EQ_INT(tg_http_cookie(&o.r, "SID", v, sizeof(v)), 1);
	CHECK_EQ_STR(v, "2");
	CHECK_EQ_INT(tg_http_cookie(&o.r, "si", v, sizeof(v)), -1);
	/* present but empty */
	CHECK_EQ_INT(tg_http_cookie(&o.r, "e", v, sizeof(v)), 0);
	CHECK_EQ_STR(v, "");
	/* refused: absent, pair without '=', quoted, duplicate, not cookie-octets */
	memset(v, 'Z', sizeof(v));
	CHECK_EQ_INT(tg_http_cookie(&o.r, "nope", v, sizeof(v)), -1);
	CHECK_EQ_INT(tg_http_cookie(&o.r, "noeq", v, sizeof(v)), -1);
	CHECK_EQ_INT(tg_http_cookie(&o.r, "q", v, sizeof(v)), -1);
	CHECK_EQ_INT(tg_http_cookie(&o.r, "dup", v, sizeof(v)), -1);
	CHECK_EQ_INT(tg_http_cookie(&o.r, "sp", v, sizeof(v)), -1);
	/* too long: value plus NUL must fit */
	CHECK_EQ_INT(tg_http_cookie(&o.r, "sid", v, 8), -1);
	CHECK(v[0] == 'Z'); /* out untouched on refusal */
	CHECK_EQ_INT(tg_http_cookie(&o.r, "sid", v, 9), 8);
	free(b);

	/* the same name in two headers is a duplicate too */
	{
		static const char two[] = "GET / HTTP/1.1\r\nHost: a\r\nCookie: sid=a\r\n"
					  "Cookie: sid=b\r\n\r\n";

		parse_n(two, sizeof(two) - 1, MAX_BODY, &o, &b);
		CHECK_EQ_INT(o.rc, sizeof(two) - 1);
		CHECK_EQ_INT(tg_http_cookie(&o.r, "sid", v, sizeof(v)), -1);
		CHECK_EQ_INT(tg_http_header_count(&o.r, "cookie"), 2);
		free(b);
	}
}

static void test_form(void)
{
	static const char body[] = "user=admin&pass=a+b%21%C3%a9&empty=&flag&us%65r2=x&a+b=sp"
				   "&&nul=%00&bad=%4&bad2=%zz&dup=1&dup=2&";
	const uint8_t *p = (const uint8_t *)body;
	size_t n = sizeof(body) - 1;
	char v[16];

	CHECK_EQ_INT(tg_http_form_get(p, n, "user", v, sizeof(v)), 5);
	CHECK_EQ_STR(v, "admin");
	CHECK_EQ_INT(tg_http_form_get(p, n, "pass", v, sizeof(v)), 6);
	CHECK_EQ_STR(v, "a b!\xc3\xa9");
	CHECK_EQ_INT(tg_http_form_get(p, n, "empty", v, sizeof(v)), 0);
	CHECK_EQ_INT(tg_http_form_get(p, n, "flag", v, sizeof(v)), 0);
	/* keys are decoded before comparing */
	CHECK_EQ_INT(tg_http_form_get(p, n, "user2", v, sizeof(v)), 1);
	CHECK_EQ_STR(v, "x");
	CHECK_EQ_INT(tg_http_form_get(p, n, "a b", v, sizeof(v)), 2);
	CHECK_EQ_STR(v, "sp");
	/* refused */
	memset(v, 'Z', sizeof(v));
	CHECK_EQ_INT(tg_http_form_get(p, n, "nul", v, sizeof(v)), -1);
	CHECK_EQ_INT(tg_http_form_get(p, n, "bad", v, sizeof(v)), -1);
	CHECK_EQ_INT(tg_http_form_get(p, n, "bad2", v, sizeof(v)), -1);
	CHECK_EQ_INT(tg_http_form_get(p, n, "dup", v, sizeof(v)), -1);
	CHECK_EQ_INT(tg_http_form_get(p, n, "missing", v, sizeof(v)), -1);
	CHECK_EQ_INT(tg_http_form_get(p, n, "us", v, sizeof(v)), -1);
	CHECK_EQ_INT(tg_http_form_get(p, n, "pass", v, 6), -1);
	CHECK(v[0] == 'Z');
	CHECK_EQ_INT(tg_http_form_get(p, n, "pass", v, 7), 6);
	CHECK_EQ_INT(tg_http_form_get(NULL, 0, "pass", v, sizeof(v)), -1);
	/* a raw NUL in a value is refused like %00 */
	CHECK_EQ_INT(tg_http_form_get((const uint8_t *)"k=a\0b", 5, "k", v, sizeof(v)), -1);
	/* the value ends at the end of the body, not at a NUL */
	CHECK_EQ_INT(tg_http_form_get(p, 10, "user", v, sizeof(v)), 5);
	CHECK_EQ_INT(tg_http_form_get(p, 8, "user", v, sizeof(v)), 3);
	CHECK_EQ_STR(v, "adm");
}

static void test_path_decode(void)
{
	static const struct {
		const char *in;
		int want; /* decoded length, or -1 */
		const char *out;
	} cases[] = {
		{ "/", 1, "/" },
		{ "/status/clock", 13, "/status/clock" },
		{ "/a%41%7e", 4, "/aA~" },
		{ "/.well-known/x", 14, "/.well-known/x" },
		{ "/a./b.c/", 8, "/a./b.c/" },
		{ "", -1, NULL },
		{ "a/b", -1, NULL },
		{ "%2fa", -1, NULL },
		{ "/a/../b", -1, NULL },
		{ "/..", -1, NULL },
		{ "/a..b", -1, NULL },
		{ "/%2e%2e/x", -1, NULL },
		{ "/%2E./x", -1, NULL },
		{ "/./a", -1, NULL },
		{ "/a/.", -1, NULL },
		{ "/a/%2e", -1, NULL },
		{ "//a", -1, NULL },
		{ "/a//b", -1, NULL },
		{ "/a%2fb", -1, NULL },
		{ "/a%2F%2Fb", -1, NULL },
		{ "/a\\b", -1, NULL },
		{ "/a%5cb", -1, NULL },
		{ "/a%00b", -1, NULL },
		{ "/a%0a", -1, NULL },
		{ "/a%20b", -1, NULL },
		{ "/a b", -1, NULL },
		{ "/a%7f", -1, NULL },
		{ "/%c3%a9", -1, NULL },
		{ "/a%zz", -1, NULL },
		{ "/a%4", -1, NULL },
		{ "/a%", -1, NULL },
	};
	char out[32];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int got = tg_http_path_decode(cases[i].in, strlen(cases[i].in), out, sizeof(out));

		if (got != cases[i].want || (cases[i].out && strcmp(out, cases[i].out) != 0) ||
		    (!cases[i].out && out[0] != '\0')) {
			fprintf(stderr, "  path '%s': got %d '%s', expected %d\n", cases[i].in, got,
				out, cases[i].want);
			CHECK(0);
		}
	}
	/* out must hold the result and its NUL */
	CHECK_EQ_INT(tg_http_path_decode("/abc", 4, out, 4), -1);
	CHECK_EQ_INT(tg_http_path_decode("/abc", 4, out, 5), 4);
	CHECK_EQ_INT(tg_http_path_decode("/abc", 4, out, 0), -1);
	/* len bounds the input: the NUL-free prefix "/a" of "/a/../" */
	CHECK_EQ_INT(tg_http_path_decode("/a/../", 2, out, sizeof(out)), 2);
}

static void test_reason(void)
{
	CHECK_EQ_STR(tg_http_reason(400), "Bad Request");
	CHECK_EQ_STR(tg_http_reason(431), "Request Header Fields Too Large");
	CHECK_EQ_STR(tg_http_reason(505), "HTTP Version Not Supported");
	CHECK_EQ_STR(tg_http_reason(299), "Unknown");
}

int main(void)
{
	check_seed();
	RUN(test_get_with_query);
	RUN(test_post_with_body);
	RUN(test_head_delete_put);
	RUN(test_http10);
	RUN(test_connection_and_expect);
	RUN(test_pipelined);
	RUN(test_leading_empty_line);
	RUN(test_refusals);
	RUN(test_err_does_not_echo_values);
	RUN(test_limits);
	RUN(test_incomplete_everywhere);
	RUN(test_mutations);
	RUN(test_cookies);
	RUN(test_form);
	RUN(test_path_decode);
	RUN(test_reason);
	return check_exit();
}
