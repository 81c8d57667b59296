/*
 * json.c - JSON writer and strict flat-object reader (see json.h for the
 * rules and why they are strict).
 *
 * Writer: every public call writes one item (comma, key, value) with
 * begin()/finish(): begin() checks the call is allowed where we are, the
 * value is appended with put*(), which only set err when a byte does not
 * fit, and finish() either commits the item or, after an error, cuts the
 * buffer back to where the item started.  That is what keeps buf a clean,
 * NUL-terminated prefix of the document at all times.
 *
 * Reader: next_member() is the one place that parses; it walks the
 * object member by member, validating each token completely before
 * handing out its span, and never looks beyond n.  tg_json_flat_check()
 * drives it to the end and adds the checks that need the whole object
 * (key count, duplicates); the getters drive it until their key.  String
 * contents are only decoded (struct scur) after the walker validated
 * them, so decoding needs no error paths, but it stays bounded anyway.
 *
 * Only ASCII is interpreted: no locale-dependent ctype calls.
 */
#include "json.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "log.h"

/* bits of need_comma[] */
#define NC_COMMA 1u /* the container holds a value: a comma goes before the next */
#define NC_ARRAY 2u /* the container is an array (else an object) */

/* Keys are quoted in error messages at most this long. */
#define KEY_ECHO_MAX 32

/* ---- UTF-8 ---- */

/*
 * The well-formed UTF-8 sequence at p[0..n) (n >= 1), by Unicode's table
 * 3-7 (no overlongs, no surrogates, nothing above U+10FFFF): its length
 * with *cp; or minus the length of its maximal ill-formed subpart (the
 * lead byte and the continuation bytes that could still have made a
 * character), which a replacing decoder skips as one U+FFFD.
 */
static int utf8_next(const unsigned char *p, size_t n, uint32_t *cp)
{
	unsigned c = p[0], lo = 0x80, hi = 0xbf;
	uint32_t v;
	int need, i;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		need = 1;
		v = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		need = 2;
		v = c & 0x0f;
		if (c == 0xe0)
			lo = 0xa0; /* overlong below U+0800 */
		else if (c == 0xed)
			hi = 0x9f; /* surrogates U+D800..DFFF */
	} else if (c >= 0xf0 && c <= 0xf4) {
		need = 3;
		v = c & 0x07;
		if (c == 0xf0)
			lo = 0x90; /* overlong below U+10000 */
		else if (c == 0xf4)
			hi = 0x8f; /* above U+10FFFF */
	} else {
		return -1; /* continuation byte, C0, C1, F5..FF */
	}
	for (i = 1; i <= need; i++) {
		unsigned d;

		if ((size_t)i >= n)
			return -i;
		d = p[i];
		if (d < lo || d > hi)
			return -i;
		lo = 0x80;
		hi = 0xbf;
		v = v << 6 | (d & 0x3f);
	}
	*cp = v;
	return need + 1;
}

/* cp (a scalar value) as UTF-8 into out[4]: the length. */
static size_t utf8_put(uint32_t cp, unsigned char *out)
{
	if (cp < 0x80) {
		out[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (unsigned char)(0xc0 | cp >> 6);
		out[1] = (unsigned char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (unsigned char)(0xe0 | cp >> 12);
		out[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		out[2] = (unsigned char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (unsigned char)(0xf0 | cp >> 18);
	out[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3f));
	out[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
	out[3] = (unsigned char)(0x80 | (cp & 0x3f));
	return 4;
}

/* ---- writer ---- */

static const char hexdig[] = "0123456789abcdef";

static void set_err(struct tg_json *j, int e)
{
	if (!j->err)
		j->err = e;
}

static void put(struct tg_json *j, const char *s, size_t n)
{
	if (j->err)
		return;
	/* one byte of cap is always kept for the NUL (init refuses cap 0) */
	if (n > j->cap - 1 - j->len) {
		set_err(j, TG_JSON_ERR_FULL);
		return;
	}
	memcpy(j->buf + j->len, s, n);
	j->len += n;
}

static void putc1(struct tg_json *j, char c)
{
	put(j, &c, 1);
}

static void put_string(struct tg_json *j, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, run;
	char esc[6] = { '\\', 'u', '0', '0', 0, 0 };

	putc1(j, '"');
	while (i < n && !j->err) {
		unsigned c = p[i];
		uint32_t cp;
		int k;

		/* copy a run of bytes that need no attention in one go */
		for (run = i; run < n; run++) {
			c = p[run];
			if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' ||
			    c == '>' || c == '&')
				break;
		}
		if (run > i) {
			put(j, s + i, run - i);
			i = run;
			continue;
		}
		if (c == '"' || c == '\\') {
			char two[2] = { '\\', (char)c };

			put(j, two, 2);
			i++;
		} else if (c < 0x80) { /* controls, DEL, < > & */
			esc[4] = hexdig[c >> 4];
			esc[5] = hexdig[c & 15];
			put(j, esc, 6);
			i++;
		} else if ((k = utf8_next(p + i, n - i, &cp)) > 0) {
			if (cp == 0x2028 || cp == 0x2029)
				put(j, cp == 0x2028 ? "\\u2028" : "\\u2029", 6);
			else
				put(j, s + i, (size_t)k);
			i += (size_t)k;
		} else {
			put(j, "\xef\xbf\xbd", 3); /* U+FFFD */
			i += (size_t)-k;
		}
	}
	putc1(j, '"');
}

/*
 * Start an item: the call must be allowed here (key only inside objects,
 * one top-level value); then the comma and the key.  0, or -1 (error set
 * now or before, nothing to write).
 */
static int begin(struct tg_json *j, const char *key, size_t *mark)
{
	unsigned flags;

	if (j->err)
		return -1;
	*mark = j->len;
	if (j->depth == 0) {
		if (key || j->len > 0) {
			set_err(j, TG_JSON_ERR_USE);
			return -1;
		}
		return 0;
	}
	flags = j->need_comma[j->depth - 1];
	if ((flags & NC_ARRAY) ? key != NULL : key == NULL) {
		set_err(j, TG_JSON_ERR_USE);
		return -1;
	}
	if (flags & NC_COMMA)
		putc1(j, ',');
	if (key) {
		put_string(j, key, strlen(key));
		putc1(j, ':');
	}
	return 0;
}

/* Commit the item started at mark, or after an error drop what it wrote. */
static void finish(struct tg_json *j, size_t mark)
{
	if (j->err) {
		j->len = mark;
	} else if (j->depth > 0) {
		j->need_comma[j->depth - 1] |= NC_COMMA;
	}
	j->buf[j->len] = '\0';
}

void tg_json_init(struct tg_json *j, char *buf, size_t cap)
{
	memset(j, 0, sizeof(*j));
	j->buf = buf;
	j->cap = cap;
	if (!buf || cap == 0) {
		j->buf = NULL;
		j->cap = 0;
		j->err = TG_JSON_ERR_FULL;
		return;
	}
	buf[0] = '\0';
}

static void open_container(struct tg_json *j, const char *key, unsigned kind)
{
	size_t mark;

	if (begin(j, key, &mark) < 0)
		return;
	if (j->depth >= TG_JSON_MAX_DEPTH)
		set_err(j, TG_JSON_ERR_USE);
	putc1(j, kind == NC_ARRAY ? '[' : '{');
	finish(j, mark);
	if (!j->err)
		j->need_comma[j->depth++] = (unsigned char)kind;
}

static void close_container(struct tg_json *j, unsigned kind)
{
	size_t mark;

	if (j->err)
		return;
	mark = j->len;
	if (j->depth == 0 || (j->need_comma[j->depth - 1] & NC_ARRAY) != kind) {
		set_err(j, TG_JSON_ERR_USE);
		return;
	}
	putc1(j, kind == NC_ARRAY ? ']' : '}');
	/* the parent's comma flag was already set when this container was opened */
	if (!j->err)
		j->depth--;
	else
		j->len = mark;
	j->buf[j->len] = '\0';
}

void tg_json_obj(struct tg_json *j, const char *key)
{
	open_container(j, key, 0);
}

void tg_json_obj_end(struct tg_json *j)
{
	close_container(j, 0);
}

void tg_json_arr(struct tg_json *j, const char *key)
{
	open_container(j, key, NC_ARRAY);
}

void tg_json_arr_end(struct tg_json *j)
{
	close_container(j, NC_ARRAY);
}

void tg_json_strn(struct tg_json *j, const char *key, const char *s, size_t n)
{
	size_t mark;

	if (begin(j, key, &mark) < 0)
		return;
	if (s)
		put_string(j, s, n);
	else
		put(j, "null", 4);
	finish(j, mark);
}

void tg_json_str(struct tg_json *j, const char *key, const char *s)
{
	tg_json_strn(j, key, s, s ? strlen(s) : 0);
}

void tg_json_int(struct tg_json *j, const char *key, int64_t v)
{
	char tmp[24];
	size_t i = sizeof(tmp);
	/* the magnitude in unsigned arithmetic: exact for INT64_MIN too */
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
	size_t mark;

	if (begin(j, key, &mark) < 0)
		return;
	do {
		tmp[--i] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		tmp[--i] = '-';
	put(j, tmp + i, sizeof(tmp) - i);
	finish(j, mark);
}

/*
 * printf's %f is exact to the requested decimals and correctly rounded on
 * glibc and musl.  Its decimal point follows LC_NUMERIC, which our daemons
 * never change from "C"; the output is still checked against the JSON
 * number grammar, so a ',' could only make the item fail, never slip out.
 */
void tg_json_num(struct tg_json *j, const char *key, double v, int decimals)
{
	/* sign, 309 integer digits of DBL_MAX, point, 17 decimals, NUL */
	char tmp[400];
	size_t mark, i, k;
	int len, zero = 1, dot = 0;

	if (begin(j, key, &mark) < 0)
		return;
	if (!isfinite(v)) {
		put(j, "null", 4);
		finish(j, mark);
		return;
	}
	if (decimals < 0)
		decimals = 0;
	if (decimals > TG_JSON_MAX_DECIMALS)
		decimals = TG_JSON_MAX_DECIMALS;
	len = snprintf(tmp, sizeof(tmp), "%.*f", decimals, v);
	if (len <= 0 || (size_t)len >= sizeof(tmp)) {
		set_err(j, TG_JSON_ERR_USE);
		finish(j, mark);
		return;
	}
	/* -?digits(.digits)? */
	i = tmp[0] == '-';
	for (k = i; k < (size_t)len; k++) {
		if (tmp[k] >= '0' && tmp[k] <= '9') {
			zero &= tmp[k] == '0';
		} else if (tmp[k] == '.' && !dot && k > i && k + 1 < (size_t)len) {
			dot = 1;
		} else {
			set_err(j, TG_JSON_ERR_USE);
			finish(j, mark);
			return;
		}
	}
	if (k == i) /* a bare "-" */
		set_err(j, TG_JSON_ERR_USE);
	/* a negative value rounded to zero reads better without its sign */
	i = zero && tmp[0] == '-';
	put(j, tmp + i, (size_t)len - i);
	finish(j, mark);
}

void tg_json_bool(struct tg_json *j, const char *key, int v)
{
	size_t mark;

	if (begin(j, key, &mark) < 0)
		return;
	if (v)
		put(j, "true", 4);
	else
		put(j, "false", 5);
	finish(j, mark);
}

void tg_json_null(struct tg_json *j, const char *key)
{
	size_t mark;

	if (begin(j, key, &mark) < 0)
		return;
	put(j, "null", 4);
	finish(j, mark);
}

int tg_json_done(struct tg_json *j)
{
	if (!j->err && (j->depth != 0 || j->len == 0))
		set_err(j, TG_JSON_ERR_USE);
	return j->err ? -1 : 0;
}

/* ---- reader ---- */

enum vtype { V_STR, V_NUM, V_TRUE, V_FALSE, V_NULL };

/* One member: spans are the bytes between the quotes / the number token. */
struct member {
	size_t key_a, key_b;
	size_t val_a, val_b;
	enum vtype type;
};

struct rd {
	const unsigned char *b;
	size_t n, pos;
	int started;
	int allow_nul; /* the getters: \u0000 is theirs to answer (-2) */
	char *err;
	size_t errlen;
};

/*
 * A cursor over the decoded bytes of a string token b[pos..end) that the
 * walker has validated: escapes become their UTF-8 bytes.
 */
struct scur {
	const unsigned char *b;
	size_t pos, end;
	unsigned char u[4];
	size_t ulen, upos;
};

static int is_ws(unsigned c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int is_digit(unsigned c)
{
	return c >= '0' && c <= '9';
}

static int hex_val(unsigned c)
{
	if (c >= '0' && c <= '9')
		return (int)(c - '0');
	if (c >= 'a' && c <= 'f')
		return (int)(c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (int)(c - 'A' + 10);
	return -1;
}

/* The 4 hex digits at b[pos..pos+4) (bounds checked): 0..0xffff, or -1. */
static long hex4(const unsigned char *b, size_t n, size_t pos)
{
	long v = 0;
	int i, h;

	if (pos > n || n - pos < 4)
		return -1;
	for (i = 0; i < 4; i++) {
		h = hex_val(b[pos + (size_t)i]);
		if (h < 0)
			return -1;
		v = v << 4 | h;
	}
	return v;
}

static void scur_init(struct scur *c, const unsigned char *b, size_t a, size_t end)
{
	c->b = b;
	c->pos = a;
	c->end = end;
	c->ulen = c->upos = 0;
}

/* The next decoded byte, or -1 at the end of the string. */
static int scur_next(struct scur *c)
{
	unsigned x;
	long h, lo;
	uint32_t cp;

	if (c->upos < c->ulen)
		return c->u[c->upos++];
	if (c->pos >= c->end)
		return -1;
	x = c->b[c->pos];
	if (x != '\\' || c->end - c->pos < 2) {
		c->pos++;
		return (int)x;
	}
	x = c->b[c->pos + 1];
	c->pos += 2;
	switch (x) {
	case 'b': return '\b';
	case 'f': return '\f';
	case 'n': return '\n';
	case 'r': return '\r';
	case 't': return '\t';
	case 'u': break;
	default: return (int)x; /* " \ / */
	}
	h = hex4(c->b, c->end, c->pos);
	if (h < 0)
		return -1; /* not reached on validated tokens */
	c->pos += 4;
	cp = (uint32_t)h;
	if (h >= 0xd800 && h <= 0xdbff && c->end - c->pos >= 6 && c->b[c->pos] == '\\' &&
	    c->b[c->pos + 1] == 'u' && (lo = hex4(c->b, c->end, c->pos + 2)) >= 0xdc00 &&
	    lo <= 0xdfff) {
		cp = 0x10000 + ((uint32_t)(h - 0xd800) << 10) + (uint32_t)(lo - 0xdc00);
		c->pos += 6;
	}
	c->ulen = utf8_put(cp, c->u);
	c->upos = 1;
	return c->u[0];
}

/* What is at b[pos], for messages: "'x'", "byte 0xNN" or "end of input". */
static const char *seen(const struct rd *r, size_t pos, char *buf, size_t cap)
{
	unsigned c;

	if (pos >= r->n)
		return "end of input";
	c = r->b[pos];
	if (c > 0x20 && c < 0x7f && c != '\'')
		snprintf(buf, cap, "'%c'", (char)c);
	else
		snprintf(buf, cap, "byte 0x%02x", c);
	return buf;
}

/* A key for messages: decoded, printable ASCII ('?' for the rest), truncated. */
static const char *key_echo(const struct rd *r, const struct member *m, char *buf, size_t cap)
{
	struct scur c;
	size_t i = 0;
	int x;

	scur_init(&c, r->b, m->key_a, m->key_b);
	while ((x = scur_next(&c)) >= 0 && i + 4 < cap) {
		if (i >= KEY_ECHO_MAX) {
			memcpy(buf + i, "...", 3);
			i += 3;
			break;
		}
		buf[i++] = (x >= 0x20 && x < 0x7f && x != '"' && x != '\\') ? (char)x : '?';
	}
	buf[i] = '\0';
	return buf;
}

static void skip_ws(struct rd *r)
{
	while (r->pos < r->n && is_ws(r->b[r->pos]))
		r->pos++;
}

/*
 * The string token starting at the '"' at r->pos: on success its contents
 * are b[*a..*z) and r->pos is past the closing quote.  what names it in
 * messages ("key", "value of key ...").
 */
static int scan_string(struct rd *r, const char *what, size_t *a, size_t *z)
{
	const unsigned char *b = r->b;
	size_t start = r->pos, i = r->pos + 1;
	char sb[16];

	while (i < r->n) {
		unsigned c = b[i];
		uint32_t cp;
		long h, lo;
		int k;

		if (c == '"') {
			*a = start + 1;
			*z = i;
			r->pos = i + 1;
			return 0;
		}
		if (c < 0x20)
			return tg_fail(r->err, r->errlen,
				       "%s at offset %zu: raw control byte 0x%02x at offset %zu, expected it escaped",
				       what, start, c, i);
		if (c >= 0x80) {
			k = utf8_next(b + i, r->n - i, &cp);
			if (k < 0)
				return tg_fail(r->err, r->errlen,
					       "%s at offset %zu: invalid UTF-8 at offset %zu (byte 0x%02x)",
					       what, start, i, c);
			i += (size_t)k;
			continue;
		}
		if (c != '\\') {
			i++;
			continue;
		}
		if (i + 1 >= r->n)
			break;
		c = b[i + 1];
		if (c != 'u') {
			if (!strchr("\"\\/bfnrt", (int)c) || c == 0)
				return tg_fail(r->err, r->errlen,
					       "%s at offset %zu: expected an escape \\\" \\\\ \\/ \\b \\f \\n \\r \\t or \\uXXXX at offset %zu, got %s",
					       what, start, i, seen(r, i + 1, sb, sizeof(sb)));
			i += 2;
			continue;
		}
		h = hex4(b, r->n, i + 2);
		if (h < 0)
			return tg_fail(r->err, r->errlen,
				       "%s at offset %zu: expected 4 hex digits after \\u at offset %zu",
				       what, start, i);
		if (h == 0 && !r->allow_nul)
			return tg_fail(r->err, r->errlen,
				       "%s at offset %zu: \\u0000 at offset %zu is not allowed", what,
				       start, i);
		if (h >= 0xdc00 && h <= 0xdfff)
			return tg_fail(r->err, r->errlen,
				       "%s at offset %zu: lone low surrogate \\u%04lx at offset %zu",
				       what, start, (unsigned long)h, i);
		if (h >= 0xd800 && h <= 0xdbff) {
			lo = -1;
			if (i + 7 < r->n && b[i + 6] == '\\' && b[i + 7] == 'u')
				lo = hex4(b, r->n, i + 8);
			if (lo < 0xdc00 || lo > 0xdfff)
				return tg_fail(r->err, r->errlen,
					       "%s at offset %zu: high surrogate \\u%04lx at offset %zu not followed by a low surrogate \\uDC00-\\uDFFF",
					       what, start, (unsigned long)h, i);
			i += 12;
			continue;
		}
		i += 6;
	}
	return tg_fail(r->err, r->errlen,
		       "%s at offset %zu: expected a closing '\"', got end of input", what, start);
}

/* A number token at r->pos (JSON grammar); b[*a..*z). */
static int scan_number(struct rd *r, const char *kq, size_t *a, size_t *z)
{
	const unsigned char *b = r->b;
	size_t i = r->pos, n = r->n;
	char sb[16];

	*a = i;
	if (b[i] == '-')
		i++;
	if (i < n && b[i] == '0') {
		i++;
		if (i < n && is_digit(b[i]))
			return tg_fail(r->err, r->errlen,
				       "value of key \"%s\": number at offset %zu has a leading zero",
				       kq, *a);
	} else if (i < n && is_digit(b[i])) {
		while (i < n && is_digit(b[i]))
			i++;
	} else {
		goto bad;
	}
	if (i < n && b[i] == '.') {
		i++;
		if (i >= n || !is_digit(b[i]))
			goto bad;
		while (i < n && is_digit(b[i]))
			i++;
	}
	if (i < n && (b[i] == 'e' || b[i] == 'E')) {
		i++;
		if (i < n && (b[i] == '+' || b[i] == '-'))
			i++;
		if (i >= n || !is_digit(b[i]))
			goto bad;
		while (i < n && is_digit(b[i]))
			i++;
	}
	*z = i;
	r->pos = i;
	return 0;
bad:
	return tg_fail(r->err, r->errlen,
		       "value of key \"%s\": number at offset %zu: expected a digit at offset %zu, got %s",
		       kq, *a, i, seen(r, i, sb, sizeof(sb)));
}

static int scan_literal(struct rd *r, const char *word)
{
	size_t k = strlen(word);

	if (r->n - r->pos < k || memcmp(r->b + r->pos, word, k) != 0)
		return -1;
	r->pos += k;
	return 0;
}

/*
 * The next member of the object: 1 with *m; 0 when the object ended with
 * nothing but whitespace after it; -1 with err.
 */
static int next_member(struct rd *r, struct member *m)
{
	char sb[16], kq[KEY_ECHO_MAX + 8];
	unsigned c;

	skip_ws(r);
	if (!r->started) {
		r->started = 1;
		if (r->pos >= r->n || r->b[r->pos] != '{')
			return tg_fail(r->err, r->errlen,
				       "expected a flat object '{...}' at offset %zu, got %s", r->pos,
				       seen(r, r->pos, sb, sizeof(sb)));
		r->pos++;
		skip_ws(r);
		if (r->pos < r->n && r->b[r->pos] == '}')
			goto end;
	} else {
		if (r->pos < r->n && r->b[r->pos] == '}')
			goto end;
		if (r->pos >= r->n || r->b[r->pos] != ',')
			return tg_fail(r->err, r->errlen,
				       "expected ',' or '}' at offset %zu, got %s", r->pos,
				       seen(r, r->pos, sb, sizeof(sb)));
		r->pos++;
		skip_ws(r);
	}
	if (r->pos >= r->n || r->b[r->pos] != '"')
		return tg_fail(r->err, r->errlen, "expected a key string at offset %zu, got %s",
			       r->pos, seen(r, r->pos, sb, sizeof(sb)));
	if (scan_string(r, "key", &m->key_a, &m->key_b) < 0)
		return -1;
	key_echo(r, m, kq, sizeof(kq));
	skip_ws(r);
	if (r->pos >= r->n || r->b[r->pos] != ':')
		return tg_fail(r->err, r->errlen,
			       "expected ':' after key \"%s\" at offset %zu, got %s", kq, r->pos,
			       seen(r, r->pos, sb, sizeof(sb)));
	r->pos++;
	skip_ws(r);
	c = r->pos < r->n ? r->b[r->pos] : 0;
	if (c == '"') {
		char what[KEY_ECHO_MAX + 32];

		snprintf(what, sizeof(what), "value of key \"%s\"", kq);
		if (scan_string(r, what, &m->val_a, &m->val_b) < 0)
			return -1;
		m->type = V_STR;
		return 1;
	}
	if (c == '-' || is_digit(c)) {
		m->type = V_NUM;
		return scan_number(r, kq, &m->val_a, &m->val_b) < 0 ? -1 : 1;
	}
	m->val_a = r->pos;
	if (c == '{' || c == '[')
		return tg_fail(r->err, r->errlen,
			       "expected a flat object: nested value for key \"%s\"", kq);
	if (scan_literal(r, "true") == 0)
		m->type = V_TRUE;
	else if (scan_literal(r, "false") == 0)
		m->type = V_FALSE;
	else if (scan_literal(r, "null") == 0)
		m->type = V_NULL;
	else
		return tg_fail(r->err, r->errlen,
			       "value of key \"%s\" at offset %zu: expected a string, number, true, false or null, got %s",
			       kq, r->pos, seen(r, r->pos, sb, sizeof(sb)));
	m->val_b = r->pos;
	return 1;
end:
	r->pos++;
	skip_ws(r);
	if (r->pos < r->n)
		return tg_fail(r->err, r->errlen,
			       "expected nothing after the object, got %s at offset %zu",
			       seen(r, r->pos, sb, sizeof(sb)), r->pos);
	return 0;
}

static void rd_init(struct rd *r, const char *b, size_t n, char *err, size_t errlen)
{
	r->b = (const unsigned char *)b;
	r->n = b ? n : 0;
	r->pos = 0;
	r->started = 0;
	r->allow_nul = 0;
	r->err = err;
	r->errlen = errlen;
}

/* The decoded strings b[a1..z1) and b[a2..z2) are equal. */
static int keys_equal(const unsigned char *b, size_t a1, size_t z1, size_t a2, size_t z2)
{
	struct scur x, y;
	int cx, cy;

	scur_init(&x, b, a1, z1);
	scur_init(&y, b, a2, z2);
	do {
		cx = scur_next(&x);
		cy = scur_next(&y);
		if (cx != cy)
			return 0;
	} while (cx >= 0);
	return 1;
}

int tg_json_flat_check(const char *b, size_t n, char *err, size_t errlen)
{
	struct member m[TG_JSON_MAX_KEYS + 1];
	struct rd r;
	char kq[KEY_ECHO_MAX + 8];
	int count = 0, i, rc;

	tg_seterr(err, errlen, "%s", "");
	rd_init(&r, b, n, err, errlen);
	while ((rc = next_member(&r, &m[count])) == 1) {
		if (count == TG_JSON_MAX_KEYS)
			return tg_fail(err, errlen, "expected at most %d keys, got more",
				       TG_JSON_MAX_KEYS);
		for (i = 0; i < count; i++)
			if (keys_equal(r.b, m[i].key_a, m[i].key_b, m[count].key_a,
				       m[count].key_b))
				return tg_fail(err, errlen, "duplicate key \"%s\"",
					       key_echo(&r, &m[count], kq, sizeof(kq)));
		count++;
	}
	return rc;
}

/* The first member named key: 0 with *m, or -1 (absent or the walk failed). */
static int find(const char *b, size_t n, const char *key, struct rd *r, struct member *m)
{
	const unsigned char *k = (const unsigned char *)key;

	if (!key)
		return -1;
	rd_init(r, b, n, NULL, 0);
	r->allow_nul = 1;
	while (next_member(r, m) == 1) {
		struct scur c;
		size_t i = 0;
		int x;

		scur_init(&c, r->b, m->key_a, m->key_b);
		while ((x = scur_next(&c)) >= 0 && k[i] && x == k[i])
			i++;
		if (x < 0 && !k[i])
			return 0;
	}
	return -1;
}

int tg_json_get_str(const char *b, size_t n, const char *key, char *out, size_t cap)
{
	struct rd r;
	struct member m;
	struct scur c;
	size_t len = 0;
	int x;

	if (out && cap)
		out[0] = '\0';
	if (find(b, n, key, &r, &m) < 0)
		return -1;
	if (m.type != V_STR || !out || cap == 0)
		return -2;
	scur_init(&c, r.b, m.val_a, m.val_b);
	while ((x = scur_next(&c)) >= 0) {
		/* x == 0: \u0000, which the getters' walk lets through to refuse it here */
		if (x == 0 || len + 1 >= cap || len >= (size_t)INT32_MAX) {
			out[0] = '\0';
			return -2;
		}
		out[len++] = (char)x;
	}
	out[len] = '\0';
	return (int)len;
}

int tg_json_get_int(const char *b, size_t n, const char *key, int64_t *v)
{
	struct rd r;
	struct member m;
	size_t i;
	uint64_t mag = 0, lim;
	int neg;

	if (find(b, n, key, &r, &m) < 0)
		return -1;
	if (m.type != V_NUM)
		return -2;
	i = m.val_a;
	neg = r.b[i] == '-';
	i += (size_t)neg;
	lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	if (i >= m.val_b)
		return -2;
	for (; i < m.val_b; i++) {
		unsigned d = r.b[i];

		if (!is_digit(d))
			return -2; /* fraction or exponent */
		if (mag > (lim - (d - '0')) / 10)
			return -2;
		mag = mag * 10 + (d - '0');
	}
	if (!neg)
		*v = (int64_t)mag;
	else if (mag == (uint64_t)INT64_MAX + 1)
		*v = INT64_MIN;
	else
		*v = -(int64_t)mag;
	return 0;
}

int tg_json_get_bool(const char *b, size_t n, const char *key, int *v)
{
	struct rd r;
	struct member m;

	if (find(b, n, key, &r, &m) < 0)
		return -1;
	if (m.type != V_TRUE && m.type != V_FALSE)
		return -2;
	*v = m.type == V_TRUE;
	return 0;
}
