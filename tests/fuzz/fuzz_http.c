/*
 * fuzz_http.c - libFuzzer harness over lib/http.c.
 *
 * The input is parsed as a request head, and
 *   - the result is -1 (status 400..599, a message), 0 or a head length
 *     within the input and the head limit, err always NUL-terminated;
 *   - an accepted head's spans all lie inside the head, header names are
 *     tokens and values trimmed and free of CR, LF and NUL;
 *   - a prefix of the input (half of it, and one byte short of an
 *     accepted head) gives 0 or exactly the same answer (the verdict does
 *     not depend on how the stream was split into reads);
 * and the helpers run on the raw input as well as on an accepted head:
 * the path decoder (output graphic ASCII, starting with '/', without
 * "..", "//" or backslash), the form decoder (no NUL in a value) and the
 * cookie lookup (cookie-octets only), each writing into a heap buffer of
 * exactly outcap bytes so any overflow is an ASan error.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

#define MAX_BODY 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct result {
	int rc;
	int status;
	char err[200];
};

static void parse(const uint8_t *buf, size_t len, struct tg_http_req *r, struct result *o)
{
	memset(o->err, 0xa5, sizeof(o->err));
	o->status = -12345;
	o->rc = tg_http_parse(buf, len, MAX_BODY, r, &o->status, o->err, sizeof(o->err));
	if (!memchr(o->err, '\0', sizeof(o->err)))
		abort();
	if (o->rc == -1) {
		if (o->status < 400 || o->status > 599 || o->err[0] == '\0')
			abort();
	} else if (o->rc == 0) {
		if (o->status != 0 || o->err[0] != '\0')
			abort();
	} else if (o->rc < 0 || (size_t)o->rc > len || o->rc > TG_HTTP_HEAD_MAX ||
		   o->status != 0 || o->err[0] != '\0') {
		abort();
	}
}

static void span_inside(struct tg_http_span s, const uint8_t *buf, size_t len)
{
	const char *lo = (const char *)buf, *hi = (const char *)buf + len;

	if (s.len == 0)
		return;
	if (!s.ptr || s.ptr < lo || s.ptr > hi || s.len > (size_t)(hi - s.ptr))
		abort();
}

static int is_ows(char c)
{
	return c == ' ' || c == '\t';
}

static void check_head(const struct tg_http_req *r, const uint8_t *buf, int rc)
{
	size_t i, j, n = (size_t)rc;

	if (r->body_off != n || r->content_length > MAX_BODY || r->nheaders > TG_HTTP_MAX_HEADERS ||
	    (r->minor != 0 && r->minor != 1) || r->method < TG_HTTP_GET ||
	    r->method > TG_HTTP_DELETE)
		abort();
	span_inside(r->method_name, buf, n);
	span_inside(r->target, buf, n);
	span_inside(r->path, buf, n);
	span_inside(r->query, buf, n);
	span_inside(r->host, buf, n);
	if (r->path.len == 0 || r->path.ptr[0] != '/' || r->path.ptr != r->target.ptr)
		abort();
	if (r->minor == 1 && !(r->flags & TG_HTTP_F_HOST))
		abort();
	for (i = 0; i < r->nheaders; i++) {
		const struct tg_http_header *h = &r->headers[i];

		span_inside(h->name, buf, n);
		span_inside(h->value, buf, n);
		if (h->name.len == 0)
			abort();
		for (j = 0; j < h->name.len; j++)
			if (h->name.ptr[j] == ':' || (uint8_t)h->name.ptr[j] <= ' ')
				abort();
		for (j = 0; j < h->value.len; j++)
			if (h->value.ptr[j] == '\r' || h->value.ptr[j] == '\n' ||
			    h->value.ptr[j] == '\0')
				abort();
		if (h->value.len &&
		    (is_ows(h->value.ptr[0]) || is_ows(h->value.ptr[h->value.len - 1])))
			abort();
	}
	/* lookups agree with each other and with the flags */
	if ((tg_http_header(r, "HOST") != NULL) != ((r->flags & TG_HTTP_F_HOST) != 0) ||
	    tg_http_header_count(r, "host") > 1 || tg_http_header_count(r, "Content-Length") > 1 ||
	    (tg_http_header(r, "cookie") == NULL) != (tg_http_header_count(r, "Cookie") == 0))
		abort();
}

/* A prefix gives 0 or exactly the whole input's answer. */
static void check_prefix(const uint8_t *buf, size_t k, const struct result *whole)
{
	static struct tg_http_req r;
	struct result p;

	parse(buf, k, &r, &p);
	if (p.rc == 0)
		return;
	if (p.rc != whole->rc || p.status != whole->status || strcmp(p.err, whole->err) != 0)
		abort();
}

static void check_path(const char *in, size_t len, size_t outcap)
{
	char *out = malloc(outcap);
	int rc;
	size_t i;

	if (!out)
		return;
	rc = tg_http_path_decode(in, len, out, outcap);
	if (rc >= 0) {
		if ((size_t)rc >= outcap || out[rc] != '\0' || strlen(out) != (size_t)rc ||
		    out[0] != '/' || strstr(out, "..") || strstr(out, "//") || strchr(out, '\\'))
			abort();
		for (i = 0; i < (size_t)rc; i++)
			if ((uint8_t)out[i] < 0x21 || (uint8_t)out[i] > 0x7e)
				abort();
	} else if (rc != -1 || out[0] != '\0') {
		abort();
	}
	free(out);
}

static void check_value(int rc, const char *out, size_t outcap, int cookie)
{
	size_t i;

	if (rc == -1)
		return;
	if (rc < 0 || (size_t)rc >= outcap || out[rc] != '\0' || memchr(out, '\0', (size_t)rc))
		abort();
	for (i = 0; cookie && i < (size_t)rc; i++)
		if ((uint8_t)out[i] <= ' ' || out[i] == '"' || out[i] == ',' || out[i] == ';' ||
		    out[i] == '\\' || (uint8_t)out[i] >= 0x7f)
			abort();
}

static void check_helpers(const struct tg_http_req *r, const uint8_t *buf, size_t len,
			  size_t outcap)
{
	static const char *keys[] = { "a", "user", "sid", "" };
	char *out = malloc(outcap);
	size_t i;

	if (!out)
		return;
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		check_value(tg_http_form_get(buf, len, keys[i], out, outcap), out, outcap, 0);
		check_value(tg_http_query_get(r, keys[i], out, outcap), out, outcap, 0);
		check_value(tg_http_cookie(r, keys[i], out, outcap), out, outcap, 1);
	}
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tg_http_req r, fake;
	struct result whole;
	uint8_t *copy;
	size_t outcap = 1 + size % 48;

	copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	if (size)
		memcpy(copy, data, size);

	parse(copy, size, &r, &whole);
	check_prefix(copy, size / 2, &whole);
	if (whole.rc > 0) {
		check_prefix(copy, (size_t)whole.rc - 1, &whole);
		check_head(&r, copy, whole.rc);
		check_path(r.path.ptr, r.path.len, outcap);
		check_path(r.path.ptr, r.path.len, 64);
		check_helpers(&r, copy + whole.rc, size - (size_t)whole.rc, outcap);
	}

	/* the helpers over the raw input: as a path, a form, a Cookie header */
	check_path((const char *)copy, size, outcap);
	check_path((const char *)copy, size, size + 1);
	memset(&fake, 0, sizeof(fake));
	fake.nheaders = 1;
	fake.headers[0].name.ptr = "Cookie";
	fake.headers[0].name.len = 6;
	fake.headers[0].value.ptr = (const char *)copy;
	fake.headers[0].value.len = size;
	fake.query.ptr = (const char *)copy;
	fake.query.len = size;
	check_helpers(&fake, copy, size, outcap);
	check_helpers(&fake, copy, size, size + 1);

	free(copy);
	return 0;
}
