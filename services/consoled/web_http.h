/*
 * web_http.h - the pure half of consoled's web role: what a parsed
 * request becomes (a static asset, a CD_MSG_REQ for main, an upload, or
 * a refusal) and the bytes of every response head.  No I/O, no clock, no
 * state: web.c moves bytes and calls these; tests/unit/test_consoled_web.c
 * checks them one by one.
 *
 * Every response head carries the same security headers (HSTS, CSP,
 * nosniff, no referrer, COOP/CORP, Permissions-Policy) and a
 * Cache-Control: max-age=300 for the compiled-in assets, no-store for
 * everything else; cd_web_head() is the only code that writes a status
 * line, so no response can leave without them.
 */
#ifndef CD_WEB_HTTP_H
#define CD_WEB_HTTP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "consoled_ipc.h"
#include "http.h"

#define CD_UPLOAD_MAX    (256ull * 1024 * 1024) /* largest update bundle (Content-Length) */
#define CD_WEB_HEAD_MAX  2048                   /* largest response head cd_web_head builds */
#define CD_WEB_ERROR_MAX 256                    /* largest JSON error body */

/*
 * A file of services/consoled/www compiled in: consoled/assets.sh writes
 * the table (cd_assets[0..cd_n_assets)) into $(O)/gen/consoled_assets.c.
 */
struct cd_asset {
	const char *path; /* "/" for index.html, else "/" + the file's name */
	const char *type; /* Content-Type */
	const unsigned char *data;
	size_t len;
};
extern const struct cd_asset cd_assets[];
extern const size_t cd_n_assets;

/* The asset served at path (exact match), or NULL. */
const struct cd_asset *cd_web_asset(const struct cd_asset *tab, size_t n, const char *path);

/* What to do with a request head (cd_web_route's answer). */
enum cd_web_action {
	CD_WEB_REFUSE = 0, /* answer status with {"error": error}; no body is read */
	CD_WEB_STATIC,     /* answer with asset (headers only for HEAD) */
	CD_WEB_API,        /* read rq->body_len body bytes into rq->body, send CD_MSG_REQ */
	CD_WEB_UPLOAD,     /* send CD_MSG_REQ (CD_REQ_F_UPLOAD), stream the body as chunks */
};

struct cd_web_route {
	int action;                   /* enum cd_web_action */
	int status;                   /* CD_WEB_REFUSE: 400, 404, 405, 413, 414, 415 */
	const char *error;            /* CD_WEB_REFUSE: the error's text (a constant) */
	const char *allow;            /* 405: value of the Allow header */
	const struct cd_asset *asset; /* CD_WEB_STATIC */
	int head_only;                /* a HEAD request: headers only */
	int close;                    /* close the connection after the answer */
	int keep_alive_10;            /* HTTP/1.0 keep-alive: say so in the answer */
	int expect_continue;          /* a body will be read and the client waits for 100 */
};

/*
 * Decide a parsed request head (from tg_http_parse with max_body
 * CD_UPLOAD_MAX).  Paths are decoded with tg_http_path_decode (400 when
 * that fails).  "/metrics" and "/api/..." go to main (CD_WEB_API, or
 * CD_WEB_UPLOAD for POST /api/update); everything else is a compiled-in
 * asset (GET and HEAD only: 405) or 404.  For the API it fills rq: method,
 * path, raw query, the tg_session cookie, X-CSRF-Token, Origin, Host,
 * Authorization, Sec-Fetch-Site, the peer's address (peer, peer_len: as
 * from accept4; IPv4-mapped IPv6 shown as IPv4), CD_REQ_F_JSON, body_len
 * (API) or content_length (upload); conn, gen and body are left 0.
 * Refused, with the status in rt: a header a decision rests on sent
 * twice (Origin, Authorization, X-CSRF-Token, Sec-Fetch-Site,
 * Content-Type, or the tg_session cookie) 400; a value longer than its
 * field in cd_msg_req 400 (path or query: 414); an unknown Sec-Fetch-Site
 * 400; a body on GET, HEAD or DELETE 400; an API body that is not
 * application/json 415 (the upload route: application/octet-stream),
 * above CD_BODY_MAX 413; an empty upload 400.  Returns rt->action.
 */
int cd_web_route(const struct tg_http_req *hr, const struct sockaddr *peer, size_t peer_len,
                 const struct cd_asset *tab, size_t n_tab, struct cd_msg_req *rq,
                 struct cd_web_route *rt);

/* A response head to build. */
struct cd_web_head {
	int status;             /* 100..599 */
	const char *type;       /* Content-Type; NULL: none */
	uint64_t length;        /* Content-Length (not sent for 1xx, 204, 304) */
	int asset;              /* Cache-Control: max-age=300 (else no-store) */
	const char *set_cookie; /* NULL or "": none */
	const char *filename;   /* Content-Disposition: attachment; NULL or "": none */
	uint32_t retry_after;   /* seconds; 0: no Retry-After */
	const char *allow;      /* Allow (405); NULL: none */
	int close;              /* Connection: close */
	int keep_alive_10;      /* Connection: keep-alive (an HTTP/1.0 client asked for it) */
	int64_t date;           /* unix seconds for Date; < 0: no Date header */
};

/*
 * The head's bytes (status line, headers, empty line) into out; the
 * length, or 0 when it does not fit or a value would break the head
 * (control bytes in set_cookie, a filename outside [A-Za-z0-9._-]).
 * A 1xx gets only its status line.
 */
size_t cd_web_head(const struct cd_web_head *h, char *out, size_t cap);

/* {"error":"msg"} (msg JSON-escaped) into out; the length, or 0. */
size_t cd_web_error_body(const char *msg, char *out, size_t cap);

/*
 * Check main's CD_MSG_RESP_HEAD and turn it into a head (pointers into
 * m).  0, or -1 with err (a bad status, kind, Set-Cookie or file name,
 * a missing NUL, a reserved field not 0): web treats that as fatal.
 */
int cd_web_main_head(const struct cd_msg_resp_head *m, struct cd_web_head *h, char *err,
                     size_t errlen);

/* Content-Type of a cd_kind, or NULL for an unknown kind. */
const char *cd_web_kind_type(uint32_t kind);

/* RFC 9110 IMF-fixdate of unix time t: "Sun, 06 Nov 1994 08:49:37 GMT" (29 bytes + NUL). */
void cd_web_date(int64_t t, char out[30]);

/* Peer address as text (IPv4-mapped IPv6 as IPv4); "?" for anything else. */
void cd_web_addr(const struct sockaddr *sa, size_t len, char *out, size_t cap);

/* Same client host (IPv4 and its IPv4-mapped IPv6 form are the same). */
int cd_web_same_host(const struct sockaddr_storage *a, const struct sockaddr_storage *b);

#endif
