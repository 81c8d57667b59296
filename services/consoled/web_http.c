/*
 * web_http.c - the pure half of consoled's web role (see web_http.h):
 * request routing and translation into cd_msg_req, response heads with
 * the security headers, JSON error bodies, asset lookup, dates and peer
 * addresses.
 *
 * Routing is deliberately dumb: the web role knows only which paths are
 * assets and which belong to main, and refuses what main could not be
 * given faithfully (a header sent twice, a value longer than its field,
 * a body of the wrong type or size).  Who may do what is main's decision,
 * made from the bytes passed here, so a compromised web role gains no
 * authority (consoled_ipc.h).
 *
 * Only ASCII is interpreted: no locale-dependent ctype calls, and no
 * gmtime (glibc's loads /etc/localtime on first use, which the role's
 * seccomp filter forbids): the date is computed here.
 */
#include "web_http.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/*
 * The headers every response carries (consoled-daemon.md, "HTTP rules"):
 * HSTS for two years; a CSP that allows only our own script, style and
 * images (no inline code, no framing, no form posts elsewhere); no MIME
 * sniffing; no Referer leaving the console; an opener and resource policy
 * that keep other origins' pages out of our browsing context; no access
 * to camera, microphone or location.
 */
static const char security_headers[] =
    "Strict-Transport-Security: max-age=63072000; includeSubDomains\r\n"
    "Content-Security-Policy: default-src 'none'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'\r\n"
    "X-Content-Type-Options: nosniff\r\n"
    "Referrer-Policy: no-referrer\r\n"
    "Cross-Origin-Opener-Policy: same-origin\r\n"
    "Cross-Origin-Resource-Policy: same-origin\r\n"
    "Permissions-Policy: camera=(), microphone=(), geolocation=()\r\n";

static unsigned lower(unsigned c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/* ------------------------------------------------------------- assets */

const struct cd_asset *cd_web_asset(const struct cd_asset *tab, size_t n, const char *path)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(tab[i].path, path) == 0)
			return &tab[i];
	return NULL;
}

/* -------------------------------------------------------------- routing */

static int refuse(const struct tg_http_req *hr, struct cd_web_route *rt, int status,
                  const char *error)
{
	rt->action = CD_WEB_REFUSE;
	rt->status = status;
	rt->error = error;
	rt->expect_continue = 0;
	/* a body we do not read would be taken for the next request */
	if (hr->content_length > 0)
		rt->close = 1;
	if (rt->close)
		rt->keep_alive_10 = 0;
	return CD_WEB_REFUSE;
}

/* s equals the C string lit, ASCII case-insensitively */
static int span_ieq(struct tg_http_span s, const char *lit)
{
	size_t i;

	for (i = 0; i < s.len; i++)
		if (!lit[i] || lower((unsigned char)s.ptr[i]) != lower((unsigned char)lit[i]))
			return 0;
	return lit[s.len] == '\0';
}

/* A Content-Type value names media type mt (parameters after ';' ignored). */
static int media_is(const struct tg_http_header *h, const char *mt)
{
	size_t n = strlen(mt), i;
	struct tg_http_span s;

	if (!h || h->value.len < n)
		return 0;
	s.ptr = h->value.ptr;
	s.len = n;
	if (!span_ieq(s, mt))
		return 0;
	for (i = n; i < h->value.len; i++) {
		char c = h->value.ptr[i];

		if (c == ';')
			return 1;
		if (c != ' ' && c != '\t')
			return 0;
	}
	return 1;
}

/* Copy a span into a NUL-terminated field; -1 if it does not fit. */
static int copy_span(char *dst, size_t cap, struct tg_http_span s)
{
	if (s.len >= cap)
		return -1;
	if (s.len)
		memcpy(dst, s.ptr, s.len);
	dst[s.len] = '\0';
	return 0;
}

/* A header's value into dst ("" when absent); -1 if too long. */
static int copy_header(const struct tg_http_req *hr, const char *name, char *dst, size_t cap)
{
	const struct tg_http_header *h = tg_http_header(hr, name);

	dst[0] = '\0';
	return h ? copy_span(dst, cap, h->value) : 0;
}

/*
 * How many cookies called name the Cookie header(s) hold (the same
 * splitting as tg_http_cookie), so that "sent twice" is told apart from
 * "absent" or "malformed", which tg_http_cookie answers alike.
 */
static size_t cookie_count(const struct tg_http_req *hr, const char *name)
{
	size_t h, i, count = 0, nlen = strlen(name);

	for (h = 0; h < hr->nheaders; h++) {
		const char *p = hr->headers[h].value.ptr;
		size_t n = hr->headers[h].value.len;

		if (!span_ieq(hr->headers[h].name, "cookie"))
			continue;
		for (i = 0; i <= n;) {
			size_t a = i, e;

			while (i < n && p[i] != ';')
				i++;
			e = i++;
			while (a < e && (p[a] == ' ' || p[a] == '\t'))
				a++;
			{
				size_t b = a;

				while (b < e && p[b] != '=')
					b++;
				if (b == e)
					continue;
				while (b > a && (p[b - 1] == ' ' || p[b - 1] == '\t'))
					b--;
				if (b - a == nlen && memcmp(p + a, name, nlen) == 0)
					count++;
			}
		}
	}
	return count;
}

static int fetch_site(const struct tg_http_header *h, uint32_t *out)
{
	static const struct {
		const char *name;
		uint32_t v;
	} sites[] = {
	    {"same-origin", CD_FS_SAME_ORIGIN},
	    {"same-site", CD_FS_SAME_SITE},
	    {"cross-site", CD_FS_CROSS_SITE},
	    {"none", CD_FS_NONE},
	};
	size_t i;

	*out = CD_FS_ABSENT;
	if (!h)
		return 0;
	for (i = 0; i < sizeof(sites) / sizeof(sites[0]); i++) {
		if (span_ieq(h->value, sites[i].name)) {
			*out = sites[i].v;
			return 0;
		}
	}
	return -1;
}

static uint32_t method_of(enum tg_http_method m)
{
	switch (m) {
	case TG_HTTP_GET:
		return CD_GET;
	case TG_HTTP_HEAD:
		return CD_HEAD;
	case TG_HTTP_POST:
		return CD_POST;
	case TG_HTTP_PUT:
		return CD_PUT;
	case TG_HTTP_DELETE:
		return CD_DELETE;
	}
	return 0;
}

static int route_static(const struct tg_http_req *hr, const char *path, const struct cd_asset *tab,
                        size_t n_tab, struct cd_web_route *rt)
{
	rt->asset = cd_web_asset(tab, n_tab, path);
	if (!rt->asset)
		return refuse(hr, rt, 404, "not found");
	if (hr->method != TG_HTTP_GET && hr->method != TG_HTTP_HEAD) {
		rt->allow = "GET, HEAD";
		rt->asset = NULL;
		return refuse(hr, rt, 405, "method not allowed");
	}
	if (hr->content_length > 0) {
		rt->asset = NULL;
		return refuse(hr, rt, 400, "a GET or HEAD request has no body");
	}
	rt->action = CD_WEB_STATIC;
	return CD_WEB_STATIC;
}

/* Headers whose value main decides on: a second copy is refused, not guessed at. */
static const struct {
	const char *name, *error;
} single_headers[] = {
    {"Origin", "Origin sent more than once"},
    {"Authorization", "Authorization sent more than once"},
    {"X-CSRF-Token", "X-CSRF-Token sent more than once"},
    {"Sec-Fetch-Site", "Sec-Fetch-Site sent more than once"},
    {"Content-Type", "Content-Type sent more than once"},
};

int cd_web_route(const struct tg_http_req *hr, const struct sockaddr *peer, size_t peer_len,
                 const struct cd_asset *tab, size_t n_tab, struct cd_msg_req *rq,
                 struct cd_web_route *rt)
{
	char path[TG_HTTP_LINE_MAX + 1];
	const struct tg_http_header *ct;
	size_t i;
	int n, upload;

	memset(rt, 0, sizeof(*rt));
	memset(rq, 0, sizeof(*rq));
	rt->head_only = hr->method == TG_HTTP_HEAD;
	rt->close = !(hr->flags & TG_HTTP_F_PERSIST);
	rt->keep_alive_10 = hr->minor == 0 && !rt->close;

	n = tg_http_path_decode(hr->path.ptr, hr->path.len, path, sizeof(path));
	if (n < 0)
		return refuse(hr, rt, 400, "request path not valid");
	if (strcmp(path, "/metrics") != 0 && strncmp(path, "/api/", 5) != 0)
		return route_static(hr, path, tab, n_tab, rt);

	if ((size_t)n >= sizeof(rq->path))
		return refuse(hr, rt, 414, "request path too long");
	memcpy(rq->path, path, (size_t)n + 1);
	if (copy_span(rq->query, sizeof(rq->query), hr->query) < 0)
		return refuse(hr, rt, 414, "query string too long");
	rq->method = method_of(hr->method);
	if ((hr->method == TG_HTTP_GET || hr->method == TG_HTTP_HEAD ||
	     hr->method == TG_HTTP_DELETE) &&
	    hr->content_length > 0)
		return refuse(hr, rt, 400, "a GET, HEAD or DELETE request has no body");

	for (i = 0; i < sizeof(single_headers) / sizeof(single_headers[0]); i++)
		if (tg_http_header_count(hr, single_headers[i].name) > 1)
			return refuse(hr, rt, 400, single_headers[i].error);
	if (cookie_count(hr, "tg_session") > 1)
		return refuse(hr, rt, 400, "cookie tg_session sent more than once");
	/* malformed or too long: not a session of ours, so no session ("") */
	if (tg_http_cookie(hr, "tg_session", rq->cookie, sizeof(rq->cookie)) < 0)
		rq->cookie[0] = '\0';
	if (copy_header(hr, "X-CSRF-Token", rq->csrf, sizeof(rq->csrf)) < 0)
		return refuse(hr, rt, 400, "X-CSRF-Token too long");
	if (copy_header(hr, "Origin", rq->origin, sizeof(rq->origin)) < 0)
		return refuse(hr, rt, 400, "Origin too long");
	if (copy_header(hr, "Authorization", rq->auth, sizeof(rq->auth)) < 0)
		return refuse(hr, rt, 400, "Authorization too long");
	if (copy_span(rq->host, sizeof(rq->host), hr->host) < 0)
		return refuse(hr, rt, 400, "Host too long");
	if (fetch_site(tg_http_header(hr, "Sec-Fetch-Site"), &rq->fetch_site) < 0)
		return refuse(hr, rt, 400, "Sec-Fetch-Site: unknown value");

	ct = tg_http_header(hr, "Content-Type");
	upload = hr->method == TG_HTTP_POST && strcmp(rq->path, "/api/update") == 0;
	if (upload) {
		if (!media_is(ct, "application/octet-stream"))
			return refuse(hr, rt, 415, "an update is sent as application/octet-stream");
		if (hr->content_length == 0)
			return refuse(hr, rt, 400, "empty upload");
		if ((uint64_t)hr->content_length > CD_UPLOAD_MAX)
			return refuse(hr, rt, 413, "update larger than 256 MiB");
		rq->flags = CD_REQ_F_UPLOAD;
		rq->content_length = hr->content_length;
	} else {
		if (media_is(ct, "application/json"))
			rq->flags |= CD_REQ_F_JSON;
		else if (hr->content_length > 0)
			return refuse(hr, rt, 415, "request body must be application/json");
		if (hr->content_length > CD_BODY_MAX)
			return refuse(hr, rt, 413, "request body larger than " CD_STR(CD_BODY_MAX) " bytes");
		rq->body_len = (uint32_t)hr->content_length;
	}
	cd_web_addr(peer, peer_len, rq->addr, sizeof(rq->addr));
	rt->expect_continue =
	    (hr->flags & TG_HTTP_F_CONTINUE) && hr->minor == 1 && hr->content_length > 0;
	rt->action = upload ? CD_WEB_UPLOAD : CD_WEB_API;
	return rt->action;
}

/* -------------------------------------------------------------- heads */

struct outbuf {
	char *p;
	size_t n, cap;
	int bad;
};

static void put(struct outbuf *o, const char *s, size_t len)
{
	if (o->bad || len > o->cap - o->n) {
		o->bad = 1;
		return;
	}
	memcpy(o->p + o->n, s, len);
	o->n += len;
}

static void puts_(struct outbuf *o, const char *s)
{
	put(o, s, strlen(s));
}

static void putf(struct outbuf *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void putf(struct outbuf *o, const char *fmt, ...)
{
	char tmp[128];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		o->bad = 1;
		return;
	}
	put(o, tmp, (size_t)n);
}

/* Header values we pass through: printable ASCII only (no CR, LF, NUL). */
static int printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return 0;
	return 1;
}

static int filename_ok(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++) {
		unsigned c = (unsigned char)*s;

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

/* Reason phrases lib/http.c does not know but main may answer with. */
static const char *reason(int status)
{
	switch (status) {
	case 410:
		return "Gone";
	case 422:
		return "Unprocessable Content";
	case 423:
		return "Locked";
	case 502:
		return "Bad Gateway";
	case 504:
		return "Gateway Timeout";
	default:
		return tg_http_reason(status);
	}
}

size_t cd_web_head(const struct cd_web_head *h, char *out, size_t cap)
{
	struct outbuf o = {out, 0, cap, 0};
	char date[30];

	if (h->status < 100 || h->status > 599)
		return 0;
	putf(&o, "HTTP/1.1 %d %s\r\n", h->status, reason(h->status));
	if (h->status < 200) {
		puts_(&o, "\r\n");
		return o.bad ? 0 : o.n;
	}
	if (h->date >= 0) {
		cd_web_date(h->date, date);
		putf(&o, "Date: %s\r\n", date);
	}
	if (h->type) {
		if (!printable(h->type))
			return 0;
		puts_(&o, "Content-Type: ");
		puts_(&o, h->type);
		puts_(&o, "\r\n");
	}
	if (h->status != 204 && h->status != 304)
		putf(&o, "Content-Length: %llu\r\n", (unsigned long long)h->length);
	if (h->filename && h->filename[0]) {
		if (!filename_ok(h->filename) || strlen(h->filename) > 64)
			return 0;
		putf(&o, "Content-Disposition: attachment; filename=\"%s\"\r\n", h->filename);
	}
	if (h->set_cookie && h->set_cookie[0]) {
		if (!printable(h->set_cookie))
			return 0;
		puts_(&o, "Set-Cookie: ");
		puts_(&o, h->set_cookie);
		puts_(&o, "\r\n");
	}
	if (h->retry_after)
		putf(&o, "Retry-After: %u\r\n", (unsigned)h->retry_after);
	if (h->allow) {
		if (!printable(h->allow))
			return 0;
		puts_(&o, "Allow: ");
		puts_(&o, h->allow);
		puts_(&o, "\r\n");
	}
	puts_(&o, h->asset ? "Cache-Control: max-age=300\r\n" : "Cache-Control: no-store\r\n");
	puts_(&o, security_headers);
	if (h->close)
		puts_(&o, "Connection: close\r\n");
	else if (h->keep_alive_10)
		puts_(&o, "Connection: keep-alive\r\n");
	puts_(&o, "\r\n");
	return o.bad ? 0 : o.n;
}

size_t cd_web_error_body(const char *msg, char *out, size_t cap)
{
	static const char hex[] = "0123456789abcdef";
	struct outbuf o = {out, 0, cap, 0};

	puts_(&o, "{\"error\":\"");
	for (; *msg; msg++) {
		unsigned char c = (unsigned char)*msg;
		char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};

		if (c == '"' || c == '\\') {
			put(&o, "\\", 1);
			put(&o, msg, 1);
		} else if (c < 0x20) {
			put(&o, esc, sizeof(esc));
		} else {
			put(&o, msg, 1);
		}
	}
	puts_(&o, "\"}");
	return o.bad ? 0 : o.n;
}

const char *cd_web_kind_type(uint32_t kind)
{
	switch (kind) {
	case CD_KIND_JSON:
		return "application/json";
	case CD_KIND_TEXT:
		return "text/plain; charset=utf-8";
	case CD_KIND_METRICS:
		return "application/openmetrics-text; version=1.0.0; charset=utf-8";
	case CD_KIND_DOWNLOAD:
		return "text/plain; charset=utf-8";
	default:
		return NULL;
	}
}

int cd_web_main_head(const struct cd_msg_resp_head *m, struct cd_web_head *h, char *err,
                     size_t errlen)
{
	memset(h, 0, sizeof(*h));
	h->date = -1;
	if (m->status < 200 || m->status > 599)
		return snprintf(err, errlen, "status %u (expected 200..599)", m->status), -1;
	h->type = cd_web_kind_type(m->kind);
	if (!h->type)
		return snprintf(err, errlen, "content kind %u unknown", m->kind), -1;
	if (m->reserved != 0)
		return snprintf(err, errlen, "reserved field not 0"), -1;
	if (!memchr(m->set_cookie, '\0', sizeof(m->set_cookie)) ||
	    !memchr(m->filename, '\0', sizeof(m->filename)))
		return snprintf(err, errlen, "Set-Cookie or file name without its NUL"), -1;
	if (!printable(m->set_cookie))
		return snprintf(err, errlen, "Set-Cookie value with a control or non-ASCII byte"),
		       -1;
	if (m->kind == CD_KIND_DOWNLOAD ? !filename_ok(m->filename) : m->filename[0] != '\0')
		return snprintf(err, errlen, "file name not valid for content kind %u", m->kind),
		       -1;
	if ((m->status == 204 || m->status == 304) && m->body_len != 0)
		return snprintf(err, errlen, "status %u with a body", m->status), -1;
	h->status = (int)m->status;
	h->length = m->body_len;
	h->set_cookie = m->set_cookie;
	h->filename = m->filename;
	h->retry_after = m->retry_after;
	if (h->status == 204 || h->status == 304)
		h->type = NULL;
	return 0;
}

/* ----------------------------------------------------------- dates, peers */

void cd_web_date(int64_t t, char out[30])
{
	static const char wd[7][4] = {"Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"};
	static const char mn[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	                               "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	int64_t days = t / 86400, secs = t % 86400, z, era, doe, yoe, doy, mp, y, m, d;

	if (secs < 0) {
		secs += 86400;
		days--;
	}
	/* days since 1970-01-01 to a civil date (H. Hinnant's days_from_civil, inverted) */
	z = days + 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	y += m <= 2;
	if (y < 0 || y > 9999)
		y = y < 0 ? 0 : 9999; /* keep the fixed width; such clocks are wrong anyway */
	snprintf(out, 30, "%s, %02d %s %04d %02d:%02d:%02d GMT", wd[((days % 7) + 7) % 7], (int)d,
	         mn[m - 1], (int)y, (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60));
}

void cd_web_addr(const struct sockaddr *sa, size_t len, char *out, size_t cap)
{
	char buf[INET6_ADDRSTRLEN];
	const char *s = NULL;

	if (sa && sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
		s = inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr,
		              buf, sizeof(buf));
	} else if (sa && sa->sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
		const struct in6_addr *a =
		    &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;

		if (IN6_IS_ADDR_V4MAPPED(a))
			s = inet_ntop(AF_INET, a->s6_addr + 12, buf, sizeof(buf));
		else
			s = inet_ntop(AF_INET6, a, buf, sizeof(buf));
	}
	snprintf(out, cap, "%s", s ? s : "?");
}

/* The address as 16 bytes (IPv4 as IPv4-mapped IPv6); -1 for other families. */
static int addr16(const struct sockaddr_storage *ss, uint8_t out[16])
{
	if (ss->ss_family == AF_INET) {
		memset(out, 0, 10);
		out[10] = out[11] = 0xff;
		memcpy(out + 12, &((const struct sockaddr_in *)(const void *)ss)->sin_addr, 4);
		return 0;
	}
	if (ss->ss_family == AF_INET6) {
		memcpy(out, &((const struct sockaddr_in6 *)(const void *)ss)->sin6_addr, 16);
		return 0;
	}
	return -1;
}

int cd_web_same_host(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	uint8_t x[16], y[16];

	if (addr16(a, x) < 0 || addr16(b, y) < 0)
		return 0;
	return memcmp(x, y, 16) == 0;
}
