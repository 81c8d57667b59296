/*
 * http.h - the web console's HTTP/1.1 request parser (pure, allocation-free).
 *
 * consoled's web role reads bytes from a TLS connection into a fixed
 * buffer and calls tg_http_parse() after every read.  The parser answers
 * "need more", "here is a complete request head" or "refuse with status
 * N"; it never allocates, keeps no state between calls and points into
 * the caller's buffer instead of copying.  The body (content_length bytes)
 * follows the head; reading it is the caller's job.
 *
 * The rules are RFC 9112 taken strictly, because the peer may be hostile
 * and anything lenient is room for request smuggling or for a check done
 * on one reading of a request and acted on under another:
 *   - lines end in CRLF only: a NUL, a bare CR or a bare LF anywhere in
 *     the head is refused (400); one empty line before the request line
 *     is ignored (RFC 9112 2.2), a second is an empty request line;
 *   - request line "METHOD SP TARGET SP HTTP/1.x" with single spaces;
 *     methods GET HEAD POST PUT DELETE (case-sensitive, others 501);
 *     HTTP/1.0 and HTTP/1.1 only (others, the HTTP/2 preface too, 505);
 *     origin-form targets only ("/path?query"; absolute-form and "*" are
 *     400), of RFC 3986 pchar, '/' and '?' with well-formed %XX escapes;
 *   - header lines "name:value": the name a token (RFC 9110 tchar) right
 *     against the colon, the value trimmed of SP/HTAB and free of control
 *     bytes other than HTAB; a line starting with SP/HTAB (obs-fold) 400;
 *   - Transfer-Encoding of any kind 501 (no chunked bodies here), with
 *     Content-Length as well 400 (a smuggling attempt);
 *   - Content-Length 1 to 12 digits, at most once (a second one, even an
 *     equal one, 400), above max_body 413; POST and PUT need it (411);
 *   - HTTP/1.1 needs exactly one Host header (400), a host name, IPv4 or
 *     [IPv6] literal with an optional port; HTTP/1.0 may omit it;
 *   - Expect: 100-continue is flagged for the caller, any other
 *     expectation is 417;
 *   - limits: request line TG_HTTP_LINE_MAX (414 beyond), whole head
 *     TG_HTTP_HEAD_MAX and TG_HTTP_MAX_HEADERS header lines (431 beyond).
 *
 * The verdict does not depend on how the bytes were split into reads:
 * for any prefix of a byte stream the parser returns 0 or exactly what it
 * returns for the whole (same status, same message), and a line is judged
 * as soon as its CRLF has arrived, so a bad request is refused without
 * waiting for the rest of its head.
 *
 * Error messages name what was expected and what was seen but never echo
 * header values or the target (they may carry cookies, credentials or
 * tokens); header names, which are tokens, are quoted (truncated).
 */
#ifndef TG_HTTP_H
#define TG_HTTP_H

#include <stddef.h>
#include <stdint.h>

#define TG_HTTP_LINE_MAX 2048  /* request line, without its CRLF */
#define TG_HTTP_HEAD_MAX 8192  /* request line, headers and the final empty line */
#define TG_HTTP_MAX_HEADERS 32 /* header lines */
#define TG_HTTP_CL_DIGITS 12   /* Content-Length digits */

enum tg_http_method {
	TG_HTTP_GET = 1,
	TG_HTTP_HEAD,
	TG_HTTP_POST,
	TG_HTTP_PUT,
	TG_HTTP_DELETE,
};

/* Flags of struct tg_http_req */
enum {
	TG_HTTP_F_HOST = 1u << 0,      /* a Host header was present */
	TG_HTTP_F_CLOSE = 1u << 1,     /* Connection: close */
	TG_HTTP_F_KEEPALIVE = 1u << 2, /* Connection: keep-alive */
	TG_HTTP_F_PERSIST = 1u << 3,   /* the connection stays open after the response:
	                                  HTTP/1.1 without close, HTTP/1.0 with keep-alive */
	TG_HTTP_F_HAS_CL = 1u << 4,    /* a Content-Length header was present */
	TG_HTTP_F_QUERY = 1u << 5,     /* the target had a '?' (query may still be empty) */
	TG_HTTP_F_CONTINUE = 1u << 6,  /* Expect: 100-continue */
};

/* A piece of the caller's buffer; not NUL-terminated. */
struct tg_http_span {
	const char *ptr;
	size_t len;
};

struct tg_http_header {
	struct tg_http_span name;  /* a token, as sent (compare case-insensitively) */
	struct tg_http_span value; /* without leading/trailing SP and HTAB */
};

/*
 * A parsed request head.  Every span points into the buffer given to
 * tg_http_parse(): it is valid while that buffer is.
 */
struct tg_http_req {
	enum tg_http_method method;
	struct tg_http_span method_name; /* "GET", ... */
	struct tg_http_span target;      /* path and query as sent */
	struct tg_http_span path;        /* from the leading '/' up to '?', still %-encoded */
	struct tg_http_span query;       /* after '?', still encoded; len 0 if none */
	struct tg_http_span host;        /* Host value (len 0 if absent) */
	int minor;                       /* HTTP/1.<minor>: 0 or 1 */
	unsigned flags;                  /* TG_HTTP_F_* */
	size_t content_length;           /* 0 when absent */
	size_t body_off;                 /* where the body starts: the head's length */
	size_t nheaders;
	struct tg_http_header headers[TG_HTTP_MAX_HEADERS];
};

/*
 * Parse the request head at buf[0..len).
 * Returns
 *   >0  the length of the complete head (through CRLFCRLF), also in
 *       r->body_off; r->content_length body bytes follow, which the
 *       caller must have (and consume) before the next request, which
 *       starts at buf + head + content_length (pipelining);
 *    0  incomplete: valid so far and within the limits, read more;
 *   -1  refused: *status is the status to answer with (400, 411, 413,
 *       414, 417, 431, 501, 505), err says why; close the connection
 *       after answering, the stream cannot be resynchronised.
 * *status is 0 and err "" unless -1 is returned.  max_body is the largest
 * Content-Length accepted (413 above).  *r is cleared first; after -1 it
 * holds nothing useful.
 */
int tg_http_parse(const uint8_t *buf, size_t len, size_t max_body, struct tg_http_req *r,
		  int *status, char *err, size_t errlen);

/* The first header called name (ASCII case-insensitive), or NULL. */
const struct tg_http_header *tg_http_header(const struct tg_http_req *r, const char *name);
/*
 * How many headers are called name.  For a header a decision rests on
 * (Origin, Authorization, ...) a caller refuses a count above 1 rather
 * than trust the first.
 */
size_t tg_http_header_count(const struct tg_http_req *r, const char *name);

/*
 * Decode a request path (r->path) for routing: %XX escapes are decoded
 * and the result, NUL-terminated in out[0..outcap), must start with '/',
 * hold only graphic ASCII (0x21..0x7e: no control byte, no space, no
 * byte >= 0x80), no "..", no "." segment, no "//", no backslash and no
 * encoded slash ("%2F" would make "/a%2Fb" and "/a/b" the same route).
 * Returns the decoded length, or -1 (malformed escape, %00, any of the
 * above, or outcap too small).
 */
int tg_http_path_decode(const char *in, size_t len, char *out, size_t outcap);

/*
 * The value of cookie name from the Cookie header(s) ("a=b; c=d",
 * RFC 6265 4.2.1; names are case-sensitive), NUL-terminated in out.
 * Returns its length, or -1 when the cookie is absent, does not fit
 * (length + 1 > outcap), holds a byte that is not a cookie-octet
 * (a "quoted" value is refused: the console never sets one), or when the
 * name appears more than once (cookie tossing: another origin may add a
 * cookie of the same name, and we will not guess which one is ours).
 * Pairs without '=' are skipped.  out is untouched unless a value is
 * returned.
 */
int tg_http_cookie(const struct tg_http_req *r, const char *name, char *out, size_t outcap);

/*
 * The value of key in an application/x-www-form-urlencoded body
 * ("k=v&k2=v2"; '+' is a space, %XX a byte), decoded and NUL-terminated
 * in out.  Returns its length, or -1 when key is absent, appears more
 * than once (parameter pollution), or its value has a malformed escape,
 * a NUL (%00 or raw), or does not fit.  The value may hold any other
 * byte (a password may be UTF-8): the caller validates it for its use.  A pair without
 * '=' has an empty value.  out is untouched unless a value is returned.
 */
int tg_http_form_get(const uint8_t *body, size_t len, const char *key, char *out,
		     size_t outcap);
/* The same over the request's query string. */
int tg_http_query_get(const struct tg_http_req *r, const char *key, char *out, size_t outcap);

/* Reason phrase of a status ("Bad Request"), "Unknown" for others. */
const char *tg_http_reason(int status);

#endif
