/*
 * http.c - the web console's HTTP/1.1 request parser (see http.h for the
 * rules and why they are strict).
 *
 * How it reads: the head is cut into lines by scan_line(), which is the
 * only code that looks for line ends.  It walks a line byte by byte and
 * stops at the first CRLF, NUL, bare CR, bare LF or at the length limit,
 * so a verdict on a line depends only on bytes up to that point; each
 * complete line is then judged whole (request line, header line), and
 * the checks that need the whole head (Host present, Transfer-Encoding,
 * Content-Length against max_body, 411) run after the empty line.  That
 * order is what makes the result independent of how the input was split
 * into reads (a prefix gives 0 or the final answer), which the unit test
 * and the fuzzer check.
 *
 * Only ASCII is interpreted: no locale-dependent ctype calls.
 */
#include "http.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Field names are quoted in messages at most this long. */
#define NAME_ECHO_MAX 32

/* What scan_line() found. */
enum { LINE_MORE = 0, LINE_OK = 1, LINE_BAD = -1 };

/* State of one parse that is not part of the result. */
struct pstate {
	uint64_t content_length;
	int transfer_encoding;
};

static int refuse(int *status, int code, char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static int refuse(int *status, int code, char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	*status = code;
	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static int is_digit(unsigned c)
{
	return c >= '0' && c <= '9';
}

static int is_alpha(unsigned c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int hex_val(unsigned c)
{
	if (is_digit(c))
		return (int)(c - '0');
	if (c >= 'a' && c <= 'f')
		return (int)(c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (int)(c - 'A' + 10);
	return -1;
}

static unsigned lower(unsigned c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/* RFC 9110 5.6.2 tchar */
static int is_tchar(unsigned c)
{
	if (is_alpha(c) || is_digit(c))
		return 1;
	return c != 0 && strchr("!#$%&'*+-.^_`|~", (int)c) != NULL;
}

/* RFC 3986 pchar without pct-encoded, plus '/' and '?' (origin-form) */
static int is_target_char(unsigned c)
{
	if (is_alpha(c) || is_digit(c))
		return 1;
	return c != 0 && strchr("-._~!$&'()*+,;=:@/?", (int)c) != NULL;
}

static int is_ows(unsigned c)
{
	return c == ' ' || c == '\t';
}

/* span (not NUL-terminated) equals the C string s, ASCII case-insensitively */
static int span_ieq(const char *p, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!s[i] || lower((uint8_t)p[i]) != lower((uint8_t)s[i]))
			return 0;
	return s[n] == '\0';
}

static void trim_ows(const char *p, size_t *a, size_t *b)
{
	while (*a < *b && is_ows((uint8_t)p[*a]))
		(*a)++;
	while (*b > *a && is_ows((uint8_t)p[*b - 1]))
		(*b)--;
}

/*
 * Find the CRLF ending the line that starts at buf[start]: at most maxlen
 * bytes before it.  LINE_OK with *eol at the CR, LINE_MORE when the input
 * ends first (within the limit), LINE_BAD (with *status, err) at a NUL,
 * bare CR, bare LF or a line longer than maxlen (414 for the request
 * line, lineno 0; 431 for header line lineno).
 */
static int scan_line(const uint8_t *buf, size_t len, size_t start, size_t maxlen, size_t *eol,
		     size_t lineno, int *status, char *err, size_t errlen)
{
	char what[48];
	size_t i;

	if (lineno == 0)
		snprintf(what, sizeof(what), "request line");
	else
		snprintf(what, sizeof(what), "header line %zu", lineno);

	for (i = start; i < len; i++) {
		uint8_t c = buf[i];

		if (c == '\r') {
			if (i + 1 >= len)
				return LINE_MORE;
			if (buf[i + 1] != '\n')
				return refuse(status, 400, err, errlen,
					      "%s: bare CR at byte %zu, expected CRLF line ends",
					      what, i);
			*eol = i;
			return LINE_OK;
		}
		if (c == '\n')
			return refuse(status, 400, err, errlen,
				      "%s: bare LF at byte %zu, expected CRLF line ends", what,
				      i);
		if (c == '\0')
			return refuse(status, 400, err, errlen, "%s: NUL byte at byte %zu", what,
				      i);
		if (i - start >= maxlen) {
			if (lineno == 0)
				return refuse(status, 414, err, errlen,
					      "request line: longer than %d bytes", TG_HTTP_LINE_MAX);
			return refuse(status, 431, err, errlen, "%s: head longer than %d bytes",
				      what, TG_HTTP_HEAD_MAX);
		}
	}
	return LINE_MORE;
}

static int parse_target(struct tg_http_req *r, const char *t, size_t n, int *status, char *err,
			size_t errlen)
{
	size_t i, q = n;

	if (t[0] != '/') {
		if (n == 1 && t[0] == '*')
			return refuse(status, 400, err, errlen,
				      "request target: expected origin-form '/path', got asterisk-form '*'");
		if (is_alpha((uint8_t)t[0]) && memchr(t, ':', n))
			return refuse(status, 400, err, errlen,
				      "request target: expected origin-form '/path', got absolute-form");
		return refuse(status, 400, err, errlen,
			      "request target: expected origin-form '/path', got a first byte 0x%02x",
			      (uint8_t)t[0]);
	}
	for (i = 0; i < n; i++) {
		unsigned c = (uint8_t)t[i];

		if (c == '%') {
			if (i + 2 >= n || hex_val((uint8_t)t[i + 1]) < 0 ||
			    hex_val((uint8_t)t[i + 2]) < 0)
				return refuse(status, 400, err, errlen,
					      "request target: expected %%XX (two hex digits) at offset %zu",
					      i);
			i += 2;
			continue;
		}
		if (!is_target_char(c))
			return refuse(status, 400, err, errlen,
				      "request target: byte 0x%02x at offset %zu, expected RFC 3986 pchar, '/', '?' or %%XX",
				      c, i);
		if (c == '?' && q == n)
			q = i;
	}
	r->target.ptr = t;
	r->target.len = n;
	r->path.ptr = t;
	r->path.len = q;
	if (q < n) {
		r->flags |= TG_HTTP_F_QUERY;
		r->query.ptr = t + q + 1;
		r->query.len = n - q - 1;
	}
	return 0;
}

#define RL_EXPECT "request line: expected 'METHOD SP TARGET SP HTTP/1.1'"

static int parse_request_line(struct tg_http_req *r, const char *line, size_t n, int *status,
			      char *err, size_t errlen)
{
	static const struct {
		const char *name;
		enum tg_http_method m;
	} methods[] = {
		{ "GET", TG_HTTP_GET },   { "HEAD", TG_HTTP_HEAD },     { "POST", TG_HTTP_POST },
		{ "PUT", TG_HTTP_PUT },   { "DELETE", TG_HTTP_DELETE },
	};
	const char *sp1, *sp2, *t, *v;
	size_t mlen, tlen, vlen, i;

	if (n == 0)
		return refuse(status, 400, err, errlen, RL_EXPECT ", got an empty line");
	sp1 = memchr(line, ' ', n);
	if (!sp1)
		return refuse(status, 400, err, errlen, RL_EXPECT ", got no SP after the method");
	mlen = (size_t)(sp1 - line);
	if (mlen == 0)
		return refuse(status, 400, err, errlen, RL_EXPECT ", got SP before the method");
	for (i = 0; i < mlen; i++)
		if (!is_tchar((uint8_t)line[i]))
			return refuse(status, 400, err, errlen,
				      RL_EXPECT ", got byte 0x%02x in the method (not a token)",
				      (uint8_t)line[i]);
	t = sp1 + 1;
	sp2 = memchr(t, ' ', n - mlen - 1);
	if (!sp2)
		return refuse(status, 400, err, errlen, RL_EXPECT ", got no SP after the target");
	tlen = (size_t)(sp2 - t);
	if (tlen == 0)
		return refuse(status, 400, err, errlen,
			      RL_EXPECT ", got two SPs after the method (empty target)");
	v = sp2 + 1;
	vlen = n - mlen - tlen - 2;
	if (memchr(v, ' ', vlen))
		return refuse(status, 400, err, errlen,
			      RL_EXPECT ", got a third SP (a SP in the target must be %%20)");
	if (vlen != 8 || memcmp(v, "HTTP/", 5) != 0 || !is_digit((uint8_t)v[5]) || v[6] != '.' ||
	    !is_digit((uint8_t)v[7]))
		return refuse(status, 400, err, errlen,
			      RL_EXPECT ", got a version that is not 'HTTP/' DIGIT '.' DIGIT");
	if (v[5] != '1' || (v[7] != '0' && v[7] != '1'))
		return refuse(status, 505, err, errlen,
			      "request line: HTTP/%c.%c not supported, expected HTTP/1.1 or HTTP/1.0",
			      v[5], v[7]);
	r->minor = v[7] - '0';

	for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		if (strlen(methods[i].name) == mlen && memcmp(methods[i].name, line, mlen) == 0)
			r->method = methods[i].m;
	if (!r->method)
		return refuse(status, 501, err, errlen,
			      "request line: method '%.*s' not implemented, expected GET, HEAD, POST, PUT or DELETE",
			      (int)(mlen < NAME_ECHO_MAX ? mlen : NAME_ECHO_MAX), line);
	r->method_name.ptr = line;
	r->method_name.len = mlen;
	return parse_target(r, t, tlen, status, err, errlen);
}

/* host [ ":" port ], host a DNS name, IPv4 or "[" IPv6 "]" */
static int host_ok(const char *p, size_t n)
{
	size_t i = 0, digits;
	unsigned long port = 0;

	if (n == 0)
		return 0;
	if (p[0] == '[') {
		for (i = 1; i < n && p[i] != ']'; i++)
			if (hex_val((uint8_t)p[i]) < 0 && p[i] != ':' && p[i] != '.')
				return 0;
		if (i >= n || i == 1)
			return 0;
		i++;
	} else {
		for (; i < n && p[i] != ':'; i++)
			if (!is_alpha((uint8_t)p[i]) && !is_digit((uint8_t)p[i]) && p[i] != '-' &&
			    p[i] != '.' && p[i] != '_')
				return 0;
		if (i == 0)
			return 0;
	}
	if (i == n)
		return 1;
	if (p[i++] != ':')
		return 0;
	for (digits = 0; i < n; i++, digits++) {
		if (!is_digit((uint8_t)p[i]) || digits == 5)
			return 0;
		port = port * 10 + (unsigned long)(p[i] - '0');
	}
	return digits > 0 && port >= 1 && port <= 65535;
}

/* Connection: a comma-separated list of options (RFC 9110 7.6.1) */
static void parse_connection(struct tg_http_req *r, const char *p, size_t n)
{
	size_t i = 0;

	while (i <= n) {
		size_t a = i, b = i;

		while (b < n && p[b] != ',')
			b++;
		i = b + 1;
		trim_ows(p, &a, &b);
		if (span_ieq(p + a, b - a, "close"))
			r->flags |= TG_HTTP_F_CLOSE;
		else if (span_ieq(p + a, b - a, "keep-alive"))
			r->flags |= TG_HTTP_F_KEEPALIVE;
	}
}

static int parse_header_line(struct tg_http_req *r, struct pstate *ps, const char *line, size_t n,
			     size_t lineno, int *status, char *err, size_t errlen)
{
	size_t i, a, b;
	const char *name, *val;
	size_t nlen, vlen;
	int echo;

	if (r->nheaders == TG_HTTP_MAX_HEADERS)
		return refuse(status, 431, err, errlen,
			      "header line %zu: more than %d header lines", lineno,
			      TG_HTTP_MAX_HEADERS);
	if (is_ows((uint8_t)line[0]))
		return refuse(status, 400, err, errlen,
			      "header line %zu: starts with whitespace (obs-fold line folding is not accepted)",
			      lineno);
	for (i = 0; i < n && is_tchar((uint8_t)line[i]); i++)
		;
	if (i == n)
		return refuse(status, 400, err, errlen,
			      "header line %zu: expected 'name: value', got no colon", lineno);
	if (line[i] == ':' && i == 0)
		return refuse(status, 400, err, errlen,
			      "header line %zu: expected 'name: value', got an empty name", lineno);
	if (is_ows((uint8_t)line[i]))
		return refuse(status, 400, err, errlen,
			      "header line %zu: whitespace between the field name and the colon",
			      lineno);
	if (line[i] != ':')
		return refuse(status, 400, err, errlen,
			      "header line %zu: byte 0x%02x in the field name, expected a token",
			      lineno, (uint8_t)line[i]);
	name = line;
	nlen = i;
	echo = (int)(nlen < NAME_ECHO_MAX ? nlen : NAME_ECHO_MAX);
	a = i + 1;
	b = n;
	trim_ows(line, &a, &b);
	for (i = a; i < b; i++) {
		unsigned c = (uint8_t)line[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return refuse(status, 400, err, errlen,
				      "header line %zu ('%.*s'): control byte 0x%02x in the value",
				      lineno, echo, name, c);
	}
	val = line + a;
	vlen = b - a;
	r->headers[r->nheaders].name.ptr = name;
	r->headers[r->nheaders].name.len = nlen;
	r->headers[r->nheaders].value.ptr = val;
	r->headers[r->nheaders].value.len = vlen;
	r->nheaders++;

	if (span_ieq(name, nlen, "host")) {
		if (r->flags & TG_HTTP_F_HOST)
			return refuse(status, 400, err, errlen,
				      "header line %zu: a second Host header, expected exactly one",
				      lineno);
		if (!host_ok(val, vlen))
			return refuse(status, 400, err, errlen,
				      "header line %zu: Host expected host[:port] (name, IPv4 or [IPv6])",
				      lineno);
		r->flags |= TG_HTTP_F_HOST;
		r->host.ptr = val;
		r->host.len = vlen;
	} else if (span_ieq(name, nlen, "content-length")) {
		uint64_t cl = 0;

		if (r->flags & TG_HTTP_F_HAS_CL)
			return refuse(status, 400, err, errlen,
				      "header line %zu: a second Content-Length header, expected one",
				      lineno);
		if (vlen == 0 || vlen > TG_HTTP_CL_DIGITS)
			return refuse(status, 400, err, errlen,
				      "header line %zu: Content-Length expected 1 to %d digits, got %zu bytes",
				      lineno, TG_HTTP_CL_DIGITS, vlen);
		for (i = 0; i < vlen; i++) {
			if (!is_digit((uint8_t)val[i]))
				return refuse(status, 400, err, errlen,
					      "header line %zu: Content-Length expected digits only, got byte 0x%02x",
					      lineno, (uint8_t)val[i]);
			cl = cl * 10 + (uint64_t)(val[i] - '0');
		}
		r->flags |= TG_HTTP_F_HAS_CL;
		ps->content_length = cl;
	} else if (span_ieq(name, nlen, "transfer-encoding")) {
		ps->transfer_encoding = 1;
	} else if (span_ieq(name, nlen, "connection")) {
		parse_connection(r, val, vlen);
	} else if (span_ieq(name, nlen, "expect") && r->minor == 1) {
		/* RFC 9110 10.1.1: an HTTP/1.0 client's Expect is ignored */
		if (!span_ieq(val, vlen, "100-continue"))
			return refuse(status, 417, err, errlen,
				      "header line %zu: Expect: only '100-continue' is supported",
				      lineno);
		r->flags |= TG_HTTP_F_CONTINUE;
	}
	return 0;
}

/* Checks that need the whole head. */
static int finish(struct tg_http_req *r, const struct pstate *ps, size_t max_body, int *status,
		  char *err, size_t errlen)
{
	if (r->minor == 1 && !(r->flags & TG_HTTP_F_HOST))
		return refuse(status, 400, err, errlen,
			      "head: HTTP/1.1 request without a Host header, expected exactly one");
	if (ps->transfer_encoding) {
		if (r->flags & TG_HTTP_F_HAS_CL)
			return refuse(status, 400, err, errlen,
				      "head: both Transfer-Encoding and Content-Length (refused as request smuggling)");
		return refuse(status, 501, err, errlen,
			      "head: Transfer-Encoding is not supported, expected Content-Length");
	}
	if (ps->content_length > max_body)
		return refuse(status, 413, err, errlen,
			      "head: Content-Length %llu above the limit of %zu bytes",
			      (unsigned long long)ps->content_length, max_body);
	if ((r->method == TG_HTTP_POST || r->method == TG_HTTP_PUT) &&
	    !(r->flags & TG_HTTP_F_HAS_CL))
		return refuse(status, 411, err, errlen, "head: %s without Content-Length",
			      r->method == TG_HTTP_POST ? "POST" : "PUT");
	r->content_length = (size_t)ps->content_length;
	if (r->minor == 1 ? !(r->flags & TG_HTTP_F_CLOSE)
			  : (r->flags & TG_HTTP_F_KEEPALIVE) && !(r->flags & TG_HTTP_F_CLOSE))
		r->flags |= TG_HTTP_F_PERSIST;
	return 0;
}

int tg_http_parse(const uint8_t *buf, size_t len, size_t max_body, struct tg_http_req *r,
		  int *status, char *err, size_t errlen)
{
	struct pstate ps = { 0, 0 };
	size_t pos = 0, eol = 0, lineno, budget;
	int rc;

	memset(r, 0, sizeof(*r));
	*status = 0;
	if (err && errlen)
		err[0] = '\0';

	/* RFC 9112 2.2: one empty line before the request line is ignored */
	if (len >= 1 && buf[0] == '\r') {
		if (len < 2)
			return 0;
		if (buf[1] == '\n')
			pos = 2;
	}
	rc = scan_line(buf, len, pos, TG_HTTP_LINE_MAX, &eol, 0, status, err, errlen);
	if (rc != LINE_OK)
		return rc;
	if (parse_request_line(r, (const char *)buf + pos, eol - pos, status, err, errlen) < 0)
		return -1;
	pos = eol + 2;

	for (lineno = 1;; lineno++) {
		/* room for this line's CRLF and the final empty line's */
		budget = TG_HTTP_HEAD_MAX >= pos + 4 ? TG_HTTP_HEAD_MAX - pos - 4 : 0;
		rc = scan_line(buf, len, pos, budget, &eol, lineno, status, err, errlen);
		if (rc != LINE_OK)
			return rc;
		if (eol == pos)
			break;
		if (parse_header_line(r, &ps, (const char *)buf + pos, eol - pos, lineno, status,
				      err, errlen) < 0)
			return -1;
		pos = eol + 2;
	}
	pos += 2;
	if (finish(r, &ps, max_body, status, err, errlen) < 0)
		return -1;
	r->body_off = pos;
	return (int)pos;
}

const struct tg_http_header *tg_http_header(const struct tg_http_req *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->nheaders; i++)
		if (span_ieq(r->headers[i].name.ptr, r->headers[i].name.len, name))
			return &r->headers[i];
	return NULL;
}

size_t tg_http_header_count(const struct tg_http_req *r, const char *name)
{
	size_t i, n = 0;

	for (i = 0; i < r->nheaders; i++)
		n += (size_t)span_ieq(r->headers[i].name.ptr, r->headers[i].name.len, name);
	return n;
}

int tg_http_path_decode(const char *in, size_t len, char *out, size_t outcap)
{
	size_t i, o = 0;

	if (!outcap)
		return -1;
	out[0] = '\0';
	if (len > INT_MAX)
		return -1;
	for (i = 0; i < len; i++) {
		unsigned c = (uint8_t)in[i];

		if (c == '%') {
			int h, l;

			if (i + 2 >= len)
				goto bad;
			h = hex_val((uint8_t)in[i + 1]);
			l = hex_val((uint8_t)in[i + 2]);
			if (h < 0 || l < 0)
				goto bad;
			c = (unsigned)(h << 4 | l);
			if (c == '/')
				goto bad; /* encoded slash: an ambiguous route */
			i += 2;
		}
		/* graphic ASCII only (also refuses %00 and every control byte) */
		if (c < 0x21 || c > 0x7e || c == '\\')
			goto bad;
		if (o + 1 >= outcap)
			goto bad;
		out[o++] = (char)c;
	}
	out[o] = '\0';
	if (o == 0 || out[0] != '/' || strstr(out, "//") || strstr(out, ".."))
		goto bad;
	/* a "." segment: "/./" inside or "/." at the end */
	if (strstr(out, "/./") || (o >= 2 && out[o - 2] == '/' && out[o - 1] == '.'))
		goto bad;
	return (int)o;
bad:
	out[0] = '\0';
	return -1;
}

/* RFC 6265 4.1.1 cookie-octet */
static int is_cookie_octet(unsigned c)
{
	return c == 0x21 || (c >= 0x23 && c <= 0x2b) || (c >= 0x2d && c <= 0x3a) ||
	       (c >= 0x3c && c <= 0x5b) || (c >= 0x5d && c <= 0x7e);
}

int tg_http_cookie(const struct tg_http_req *r, const char *name, char *out, size_t outcap)
{
	size_t h, i, nlen = strlen(name), count = 0;
	const char *val = NULL;
	size_t vlen = 0;

	for (h = 0; h < r->nheaders; h++) {
		const char *p = r->headers[h].value.ptr;
		size_t n = r->headers[h].value.len;

		if (!span_ieq(r->headers[h].name.ptr, r->headers[h].name.len, "cookie"))
			continue;
		for (i = 0; i <= n;) {
			size_t a = i, b = i, e;

			while (b < n && p[b] != ';')
				b++;
			i = b + 1;
			trim_ows(p, &a, &b);
			for (e = a; e < b && p[e] != '='; e++)
				;
			if (e == b)
				continue; /* no '=': not a name=value pair */
			{
				size_t na = a, nb = e, va = e + 1, vb = b;

				trim_ows(p, &na, &nb);
				trim_ows(p, &va, &vb);
				if (nb - na == nlen && memcmp(p + na, name, nlen) == 0) {
					count++;
					val = p + va;
					vlen = vb - va;
				}
			}
		}
	}
	if (count != 1 || vlen >= outcap || vlen > INT_MAX)
		return -1;
	for (i = 0; i < vlen; i++)
		if (!is_cookie_octet((uint8_t)val[i]))
			return -1;
	if (vlen)
		memcpy(out, val, vlen);
	out[vlen] = '\0';
	return (int)vlen;
}

/*
 * Decode a form component ('+' is a space, %XX a byte) into out (NULL:
 * only measure).  The length, or -1 at a malformed escape or a NUL.
 */
static long form_decode(const uint8_t *in, size_t n, char *out)
{
	size_t i, o = 0;

	for (i = 0; i < n; i++, o++) {
		unsigned c = in[i];

		if (c == '+') {
			c = ' ';
		} else if (c == '%') {
			int h, l;

			if (i + 2 >= n)
				return -1;
			h = hex_val(in[i + 1]);
			l = hex_val(in[i + 2]);
			if (h < 0 || l < 0)
				return -1;
			c = (unsigned)(h << 4 | l);
			i += 2;
		}
		/* %00 or a raw NUL: the value would be cut short as a C string */
		if (c == 0)
			return -1;
		if (out)
			out[o] = (char)c;
	}
	return (long)o;
}

/* The encoded key k[0..n) decodes to the C string key. */
static int form_key_eq(const uint8_t *k, size_t n, const char *key)
{
	size_t i, o = 0;

	for (i = 0; i < n; i++, o++) {
		unsigned c = k[i];

		if (c == '+') {
			c = ' ';
		} else if (c == '%') {
			int h, l;

			if (i + 2 >= n)
				return 0;
			h = hex_val(k[i + 1]);
			l = hex_val(k[i + 2]);
			if (h < 0 || l < 0)
				return 0;
			c = (unsigned)(h << 4 | l);
			i += 2;
		}
		if (!key[o] || (uint8_t)key[o] != c)
			return 0;
	}
	return key[o] == '\0';
}

int tg_http_form_get(const uint8_t *body, size_t len, const char *key, char *out, size_t outcap)
{
	size_t i, count = 0;
	const uint8_t *val = NULL;
	size_t vlen = 0;
	long dlen;

	for (i = 0; i < len;) {
		size_t a = i, b = i, e;

		while (b < len && body[b] != '&')
			b++;
		i = b + 1;
		if (a == b)
			continue; /* "&&" */
		for (e = a; e < b && body[e] != '='; e++)
			;
		if (form_key_eq(body + a, e - a, key)) {
			count++;
			val = body + (e < b ? e + 1 : b);
			vlen = e < b ? b - e - 1 : 0;
		}
	}
	if (count != 1)
		return -1;
	dlen = form_decode(val, vlen, NULL);
	if (dlen < 0 || (size_t)dlen >= outcap || dlen > INT_MAX)
		return -1;
	form_decode(val, vlen, out);
	out[dlen] = '\0';
	return (int)dlen;
}

int tg_http_query_get(const struct tg_http_req *r, const char *key, char *out, size_t outcap)
{
	return tg_http_form_get((const uint8_t *)r->query.ptr, r->query.len, key, out, outcap);
}

const char *tg_http_reason(int status)
{
	switch (status) {
	case 100: return "Continue";
	case 200: return "OK";
	case 201: return "Created";
	case 204: return "No Content";
	case 301: return "Moved Permanently";
	case 302: return "Found";
	case 303: return "See Other";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 409: return "Conflict";
	case 411: return "Length Required";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 415: return "Unsupported Media Type";
	case 417: return "Expectation Failed";
	case 429: return "Too Many Requests";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 503: return "Service Unavailable";
	case 505: return "HTTP Version Not Supported";
	default: return "Unknown";
	}
}
