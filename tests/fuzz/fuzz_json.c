/*
 * fuzz_json.c - libFuzzer harness over lib/json.c.
 *
 * The harness has its own small JSON validator (v_*), written apart from
 * json.c and by other means (UTF-8 decoded arithmetically, not by table),
 * so that the two can be compared.  Each input is used three ways:
 *
 *   1. reader: tg_json_flat_check() must accept exactly what the
 *      validator, in flat mode, calls one object of at most 64 members
 *      with scalar values, unique decoded keys and no \u0000; err is
 *      NUL-terminated and empty on success.  For an accepted input every
 *      member is looked up with every getter, whose answers must match the
 *      validator's decoded keys and values (a string into an exact-size
 *      heap buffer, and one byte short of it: -2); on any input the
 *      getters answer within their range and stay inside their buffers.
 *   2. writer: the input is a program of writer calls (objects, arrays,
 *      strings from the input, numbers from its bytes, sometimes a
 *      deliberately misplaced key), run against a large buffer and
 *      against a small one of a size from the input, next to a model of
 *      what is legal.  The large run fails exactly when the model says
 *      the calls were misused (ERR_USE) and otherwise yields text the
 *      validator accepts in html-safe mode (no raw '<', '>', '&', control
 *      bytes, U+2028/2029; UTF-8 well-formed; containers at most 16
 *      deep); the small run is always a NUL-terminated prefix of the
 *      large one, and complete exactly when the large text fits.
 *   3. round trip: the input split at NUL bytes gives up to 64 strings;
 *      written as a flat object ("N:piece": piece) the reader accepts it
 *      and returns each piece with ill-formed UTF-8 replaced by U+FFFD
 *      per maximal subpart, computed here independently (ref_sanitize).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_MEMBERS (TG_JSON_MAX_KEYS + 1)

/* ---- reference UTF-8 ---- */

/* A complete well-formed sequence at p[0..n): its length, or 0. */
static int ref_valid_len(const uint8_t *p, size_t n)
{
	unsigned c = p[0];
	uint32_t v, min;
	size_t len, k;

	if (c < 0x80)
		return 1;
	if ((c & 0xe0) == 0xc0) {
		len = 2;
		v = c & 0x1f;
		min = 0x80;
	} else if ((c & 0xf0) == 0xe0) {
		len = 3;
		v = c & 0x0f;
		min = 0x800;
	} else if ((c & 0xf8) == 0xf0) {
		len = 4;
		v = c & 0x07;
		min = 0x10000;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (k = 1; k < len; k++) {
		if ((p[k] & 0xc0) != 0x80)
			return 0;
		v = v << 6 | (p[k] & 0x3f);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	return (int)len;
}

/* p[0..k) (k >= 1) can be completed to a well-formed sequence longer than k. */
static int ref_is_prefix(const uint8_t *p, size_t k)
{
	uint8_t t[4];
	unsigned x;
	size_t len, i;

	if ((p[0] & 0xe0) == 0xc0)
		len = 2;
	else if ((p[0] & 0xf0) == 0xe0)
		len = 3;
	else if ((p[0] & 0xf8) == 0xf0)
		len = 4;
	else
		return 0;
	if (k >= len)
		return 0;
	memcpy(t, p, k);
	/* only the second byte is constrained beyond 80..BF: trying every
	   value for the next byte and 0x80 after it is exhaustive */
	for (x = 0x80; x <= 0xbf; x++) {
		t[k] = (uint8_t)x;
		for (i = k + 1; i < len; i++)
			t[i] = 0x80;
		if ((size_t)ref_valid_len(t, len) == len)
			return 1;
	}
	return 0;
}

/* in[0..n) with each maximal ill-formed subpart replaced by U+FFFD; out holds 3n. */
static size_t ref_sanitize(const uint8_t *in, size_t n, uint8_t *out)
{
	size_t i = 0, o = 0, k, m;
	int l;

	while (i < n) {
		l = ref_valid_len(in + i, n - i);
		if (l > 0) {
			memcpy(out + o, in + i, (size_t)l);
			o += (size_t)l;
			i += (size_t)l;
			continue;
		}
		k = 1;
		for (m = 2; m <= 3 && i + m <= n && ref_is_prefix(in + i, m); m++)
			k = m;
		memcpy(out + o, "\xef\xbf\xbd", 3);
		o += 3;
		i += k;
	}
	return o;
}

/* ---- validator ---- */

enum { T_STR, T_NUM, T_TRUE, T_FALSE, T_NULL };

struct vmember {
	size_t ka, kl; /* decoded key in the arena */
	size_t va, vl; /* decoded string in the arena, or the raw token in the input */
	int type;
};

struct val {
	const uint8_t *s;
	size_t n, i;
	int html_safe, flat;
	int saw_nul;  /* a \u0000 escape */
	int nested;   /* a container inside the top object (flat mode) */
	uint8_t *arena;
	size_t alen;
	struct vmember m[MAX_MEMBERS];
	int nm;
};

static void v_ws(struct val *v)
{
	while (v->i < v->n && (v->s[v->i] == ' ' || v->s[v->i] == '\t' || v->s[v->i] == '\n' ||
			       v->s[v->i] == '\r'))
		v->i++;
}

static int v_hex4(struct val *v, uint32_t *out)
{
	uint32_t x = 0;
	int k;

	if (v->n - v->i < 4)
		return 0;
	for (k = 0; k < 4; k++) {
		unsigned c = v->s[v->i + (size_t)k];

		x <<= 4;
		if (c >= '0' && c <= '9')
			x |= c - '0';
		else if (c >= 'a' && c <= 'f')
			x |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			x |= c - 'A' + 10;
		else
			return 0;
	}
	v->i += 4;
	*out = x;
	return 1;
}

static void v_emit_cp(struct val *v, uint32_t cp)
{
	uint8_t *o = v->arena + v->alen;

	if (cp < 0x80) {
		o[0] = (uint8_t)cp;
		v->alen += 1;
	} else if (cp < 0x800) {
		o[0] = (uint8_t)(0xc0 | cp >> 6);
		o[1] = (uint8_t)(0x80 | (cp & 0x3f));
		v->alen += 2;
	} else if (cp < 0x10000) {
		o[0] = (uint8_t)(0xe0 | cp >> 12);
		o[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (uint8_t)(0x80 | (cp & 0x3f));
		v->alen += 3;
	} else {
		o[0] = (uint8_t)(0xf0 | cp >> 18);
		o[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3f));
		o[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
		o[3] = (uint8_t)(0x80 | (cp & 0x3f));
		v->alen += 4;
	}
}

/* A string at v->i (the '"'), decoded into the arena at *a, length *l. */
static int v_string(struct val *v, size_t *a, size_t *l)
{
	*a = v->alen;
	v->i++;
	while (v->i < v->n) {
		unsigned c = v->s[v->i];
		uint32_t cp, lo;
		int k;

		if (c == '"') {
			v->i++;
			*l = v->alen - *a;
			return 1;
		}
		if (c < 0x20)
			return 0;
		if (v->html_safe && (c == '<' || c == '>' || c == '&' || c == 0x7f))
			return 0;
		if (c != '\\') {
			k = ref_valid_len(v->s + v->i, v->n - v->i);
			if (k == 0)
				return 0;
			if (v->html_safe && k == 3 && c == 0xe2 && v->s[v->i + 1] == 0x80 &&
			    (v->s[v->i + 2] == 0xa8 || v->s[v->i + 2] == 0xa9))
				return 0;
			memcpy(v->arena + v->alen, v->s + v->i, (size_t)k);
			v->alen += (size_t)k;
			v->i += (size_t)k;
			continue;
		}
		if (++v->i >= v->n)
			return 0;
		c = v->s[v->i++];
		switch (c) {
		case '"': case '\\': case '/': v->arena[v->alen++] = (uint8_t)c; continue;
		case 'b': v->arena[v->alen++] = '\b'; continue;
		case 'f': v->arena[v->alen++] = '\f'; continue;
		case 'n': v->arena[v->alen++] = '\n'; continue;
		case 'r': v->arena[v->alen++] = '\r'; continue;
		case 't': v->arena[v->alen++] = '\t'; continue;
		case 'u': break;
		default: return 0;
		}
		if (!v_hex4(v, &cp))
			return 0;
		if (cp >= 0xdc00 && cp <= 0xdfff)
			return 0;
		if (cp >= 0xd800 && cp <= 0xdbff) {
			if (v->n - v->i < 2 || v->s[v->i] != '\\' || v->s[v->i + 1] != 'u')
				return 0;
			v->i += 2;
			if (!v_hex4(v, &lo) || lo < 0xdc00 || lo > 0xdfff)
				return 0;
			cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
		}
		if (cp == 0)
			v->saw_nul = 1;
		v_emit_cp(v, cp);
	}
	return 0;
}

static int v_digits(struct val *v)
{
	size_t s = v->i;

	while (v->i < v->n && v->s[v->i] >= '0' && v->s[v->i] <= '9')
		v->i++;
	return v->i > s;
}

static int v_number(struct val *v)
{
	if (v->s[v->i] == '-')
		v->i++;
	if (v->i < v->n && v->s[v->i] == '0')
		v->i++;
	else if (!v_digits(v))
		return 0;
	if (v->i < v->n && v->s[v->i] == '.') {
		v->i++;
		if (!v_digits(v))
			return 0;
	}
	if (v->i < v->n && (v->s[v->i] == 'e' || v->s[v->i] == 'E')) {
		v->i++;
		if (v->i < v->n && (v->s[v->i] == '+' || v->s[v->i] == '-'))
			v->i++;
		if (!v_digits(v))
			return 0;
	}
	return 1;
}

static int v_word(struct val *v, const char *w)
{
	size_t k = strlen(w);

	if (v->n - v->i < k || memcmp(v->s + v->i, w, k) != 0)
		return 0;
	v->i += k;
	return 1;
}

/* A value at v->i; depth = containers around it.  *type for scalars. */
static int v_value(struct val *v, int depth, int *type)
{
	size_t a, l;
	unsigned c;

	v_ws(v);
	if (v->i >= v->n)
		return 0;
	c = v->s[v->i];
	if (c == '{' || c == '[') {
		unsigned close = c == '{' ? '}' : ']';
		int first = 1, t;

		if (depth >= TG_JSON_MAX_DEPTH)
			return 0;
		if (v->flat && depth > 0)
			v->nested = 1;
		if (v->flat && c == '[')
			return 0;
		v->i++;
		v_ws(v);
		if (v->i < v->n && v->s[v->i] == close) {
			v->i++;
			return 1;
		}
		for (;;) {
			size_t ka = 0, kl = 0, va;

			if (!first) {
				v_ws(v);
				if (v->i >= v->n)
					return 0;
				if (v->s[v->i] == close) {
					v->i++;
					return 1;
				}
				if (v->s[v->i] != ',')
					return 0;
				v->i++;
			}
			first = 0;
			if (c == '{') {
				v_ws(v);
				if (v->i >= v->n || v->s[v->i] != '"' || !v_string(v, &ka, &kl))
					return 0;
				v_ws(v);
				if (v->i >= v->n || v->s[v->i] != ':')
					return 0;
				v->i++;
			}
			v_ws(v);
			va = v->i;
			a = v->alen;
			t = -1;
			if (!v_value(v, depth + 1, &t))
				return 0;
			if (v->flat && depth == 0 && c == '{') {
				struct vmember *m;

				if (v->nm == MAX_MEMBERS)
					return 0; /* too many keys */
				m = &v->m[v->nm++];
				m->ka = ka;
				m->kl = kl;
				m->type = t;
				if (t == T_STR) {
					m->va = a;
					m->vl = v->alen - a;
				} else {
					m->va = va;
					m->vl = v->i - va;
				}
			}
		}
	}
	if (c == '"') {
		if (!v_string(v, &a, &l))
			return 0;
		*type = T_STR;
		return 1;
	}
	if (c == '-' || (c >= '0' && c <= '9')) {
		*type = T_NUM;
		return v_number(v);
	}
	if (v_word(v, "true")) {
		*type = T_TRUE;
		return 1;
	}
	if (v_word(v, "false")) {
		*type = T_FALSE;
		return 1;
	}
	if (v_word(v, "null")) {
		*type = T_NULL;
		return 1;
	}
	return 0;
}

/* The whole of s[0..n) is one JSON value (and, flat, a flat object). */
static int validate(struct val *v, const uint8_t *s, size_t n, int html_safe, int flat)
{
	int t = -1, ok;

	memset(v, 0, sizeof(*v));
	v->s = s;
	v->n = n;
	v->html_safe = html_safe;
	v->flat = flat;
	v->arena = malloc(n + 1);
	if (!v->arena)
		abort();
	v_ws(v);
	if (flat && (v->i >= n || s[v->i] != '{'))
		return 0;
	ok = v_value(v, 0, &t);
	v_ws(v);
	return ok && v->i == n && !(flat && (v->nested || v->saw_nul));
}

/* ---- 1: reader ---- */

static char *heap_str(const uint8_t *p, size_t n)
{
	char *s = malloc(n + 1);

	if (!s)
		abort();
	memcpy(s, p, n);
	s[n] = '\0';
	return s;
}

/* the getters' answers for key are within range and inside out */
static void getters_bounded(const char *b, size_t n, const char *key, size_t cap)
{
	char *out = malloc(cap ? cap : 1);
	int64_t iv = 12345;
	int bv = 7, rc;

	if (!out)
		abort();
	rc = tg_json_get_str(b, n, key, out, cap);
	if (rc < -2 || (rc >= 0 && ((size_t)rc >= cap || strlen(out) != (size_t)rc)))
		abort();
	if (rc < 0 && cap && out[0] != '\0')
		abort();
	rc = tg_json_get_int(b, n, key, &iv);
	if (rc < -2 || rc > 0 || (rc < 0 && iv != 12345))
		abort();
	rc = tg_json_get_bool(b, n, key, &bv);
	if (rc < -2 || rc > 0 || (rc < 0 && bv != 7) || (rc == 0 && bv != 0 && bv != 1))
		abort();
	free(out);
}

/* keys of v unique (decoded bytes) */
static int keys_unique(const struct val *v)
{
	int i, k;

	for (i = 0; i < v->nm; i++)
		for (k = 0; k < i; k++)
			if (v->m[i].kl == v->m[k].kl &&
			    memcmp(v->arena + v->m[i].ka, v->arena + v->m[k].ka, v->m[i].kl) == 0)
				return 0;
	return 1;
}

/* a number token as int64, the way get_int must read it: 1 ok, 0 not */
static int ref_int(const uint8_t *p, size_t n, int64_t *out)
{
	char tmp[64];
	char *end;
	long long x;

	if (n == 0 || n >= sizeof(tmp) || memchr(p, '.', n) || memchr(p, 'e', n) ||
	    memchr(p, 'E', n))
		return 0;
	memcpy(tmp, p, n);
	tmp[n] = '\0';
	errno = 0;
	x = strtoll(tmp, &end, 10);
	if (errno == ERANGE || *end != '\0')
		return 0;
	*out = x;
	return 1;
}

static void check_member(const char *b, size_t n, const struct val *v, const struct vmember *m)
{
	char *key = heap_str(v->arena + m->ka, m->kl), *out;
	int64_t iv = 0, want;
	int bv = -1, rc;

	if (m->type == T_STR) {
		out = malloc(m->vl + 1);
		if (!out)
			abort();
		if (tg_json_get_str(b, n, key, out, m->vl + 1) != (int)m->vl ||
		    memcmp(out, v->arena + m->va, m->vl) != 0 || out[m->vl] != '\0')
			abort();
		if (tg_json_get_str(b, n, key, out, m->vl) != -2)
			abort();
		free(out);
	} else {
		char one[1];

		if (tg_json_get_str(b, n, key, one, sizeof(one)) != -2)
			abort();
	}
	rc = tg_json_get_int(b, n, key, &iv);
	if (m->type == T_NUM && ref_int(v->s + m->va, m->vl, &want)) {
		if (rc != 0 || iv != want)
			abort();
	} else if (rc != -2) {
		abort();
	}
	rc = tg_json_get_bool(b, n, key, &bv);
	if (m->type == T_TRUE || m->type == T_FALSE) {
		if (rc != 0 || bv != (m->type == T_TRUE))
			abort();
	} else if (rc != -2) {
		abort();
	}
	free(key);
}

static void fuzz_reader(const uint8_t *data, size_t size)
{
	struct val v;
	char err[160];
	char *b = heap_str(data, size);
	int rc, want, i;
	size_t cap = size ? data[0] % 48 : 0;

	memset(err, 0xa5, sizeof(err));
	rc = tg_json_flat_check(b, size, err, sizeof(err));
	if (!memchr(err, '\0', sizeof(err)))
		abort();
	want = validate(&v, data, size, 0, 1) && v.nm <= TG_JSON_MAX_KEYS && keys_unique(&v);
	if ((rc == 0) != want || (rc != 0 && rc != -1))
		abort();
	if ((rc == 0) != (err[0] == '\0'))
		abort();
	if (rc == 0)
		for (i = 0; i < v.nm; i++)
			check_member(b, size, &v, &v.m[i]);
	free(v.arena);

	/* any input: fixed keys and a key from the input */
	getters_bounded(b, size, "a", cap);
	getters_bounded(b, size, "user", cap);
	getters_bounded(b, size, "", cap);
	if (size > 2) {
		const uint8_t *q = memchr(data + 1, '"', size - 1);
		char *key = heap_str(data + 1, q ? (size_t)(q - data) - 1 : size - 1);

		getters_bounded(b, size, key, cap);
		free(key);
	}
	free(b);
}

/* ---- 2: writer program ---- */

struct prog {
	const uint8_t *d;
	size_t n, i;
};

static unsigned take(struct prog *p)
{
	return p->i < p->n ? p->d[p->i++] : 0;
}

static const char *take_slice(struct prog *p, size_t *len)
{
	size_t l = take(p) % 24;
	const char *s = (const char *)p->d + p->i;

	if (l > p->n - p->i)
		l = p->n - p->i;
	p->i += l;
	*len = l;
	return s;
}

/* The model of what is legal. */
struct model {
	unsigned char kind[TG_JSON_MAX_DEPTH + 1]; /* 1 object, 2 array */
	int depth;
	int written;  /* a top-level value was started */
	int misused;
};

/* Run the program on j, tracking legality in *md. */
static void run_program(const uint8_t *data, size_t size, struct tg_json *j, struct model *md)
{
	struct prog p = { data, size, 2 };
	char kbuf[32];
	int steps = 0;

	memset(md, 0, sizeof(*md));
	while (p.i < p.n && steps++ < 512) {
		unsigned op = take(&p), wrong = (op & 0xf0) == 0xf0;
		int in_obj = md->depth > 0 && md->kind[md->depth - 1] == 1;
		const char *key = NULL;
		size_t kl;
		int legal;

		op &= 15;
		/* a key where one belongs, or the opposite when wrong */
		if (in_obj != (int)wrong) {
			const char *k = take_slice(&p, &kl);

			if (kl >= sizeof(kbuf))
				kl = sizeof(kbuf) - 1;
			memcpy(kbuf, k, kl);
			kbuf[kl] = '\0';
			key = kbuf;
		}
		if (op == 2 || op == 3) { /* closing: no key involved */
			legal = md->depth > 0 && md->kind[md->depth - 1] == (op == 2 ? 1 : 2);
			if (op == 2)
				tg_json_obj_end(j);
			else
				tg_json_arr_end(j);
			if (!legal)
				md->misused = 1;
			else if (!md->misused)
				md->depth--;
			if (md->misused)
				break;
			continue;
		}
		legal = !wrong && (md->depth > 0 || !md->written) &&
			((op != 0 && op != 1) || md->depth < TG_JSON_MAX_DEPTH);
		switch (op) {
		case 0: tg_json_obj(j, key); break;
		case 1: tg_json_arr(j, key); break;
		case 4: case 10: case 11: case 12: {
			size_t l;
			const char *s = take_slice(&p, &l);
			char tmp[32];

			/* tg_json_str: up to the first NUL */
			memcpy(tmp, s, l);
			tmp[l] = '\0';
			tg_json_str(j, key, tmp);
			break;
		}
		case 5: {
			size_t l;
			const char *s = take_slice(&p, &l);

			tg_json_strn(j, key, l ? s : NULL, l);
			break;
		}
		case 6: {
			int64_t x = 0;
			size_t l = p.n - p.i < 8 ? p.n - p.i : 8;

			memcpy(&x, p.d + p.i, l);
			p.i += l;
			tg_json_int(j, key, x);
			break;
		}
		case 7: {
			double x = 0;
			int dec = (int)(signed char)take(&p);
			size_t l = p.n - p.i < 8 ? p.n - p.i : 8;

			memcpy(&x, p.d + p.i, l);
			p.i += l;
			tg_json_num(j, key, x, dec % 24);
			break;
		}
		case 8: tg_json_bool(j, key, (int)take(&p) - 128); break;
		default: tg_json_null(j, key); break;
		}
		if (!legal) {
			md->misused = 1;
			break;
		}
		if (md->depth == 0)
			md->written = 1;
		if (op == 0 || op == 1)
			md->kind[md->depth++] = (unsigned char)(op == 0 ? 1 : 2);
	}
}

static void fuzz_writer(const uint8_t *data, size_t size)
{
	size_t bigcap = 64 * size + 4096, smallcap;
	char *big = malloc(bigcap), *small;
	struct tg_json jb, js;
	struct model mb, ms;
	struct val v;
	int rb, rs;

	if (!big)
		abort();
	smallcap = size >= 2 ? (size_t)(data[0] | data[1] << 8) % 1024 : 0;
	small = malloc(smallcap ? smallcap : 1);
	if (!small)
		abort();
	tg_json_init(&jb, big, bigcap);
	run_program(data, size, &jb, &mb);
	rb = tg_json_done(&jb);
	if (jb.len >= bigcap || strlen(big) != jb.len)
		abort();
	if (mb.misused) {
		if (rb != -1 || jb.err != TG_JSON_ERR_USE)
			abort();
	} else if (mb.depth != 0 || !mb.written) {
		if (rb != -1 || jb.err != TG_JSON_ERR_USE)
			abort();
	} else {
		if (rb != 0)
			abort();
		if (!validate(&v, (const uint8_t *)big, jb.len, 1, 0))
			abort();
		free(v.arena);
	}

	tg_json_init(&js, smallcap ? small : NULL, smallcap);
	run_program(data, size, &js, &ms);
	rs = tg_json_done(&js);
	if (smallcap) {
		if (js.len >= smallcap || strlen(small) != js.len || js.len > jb.len ||
		    memcmp(small, big, js.len) != 0)
			abort();
	}
	if (rs == 0 && (rb != 0 || js.len != jb.len))
		abort();
	if (rb == 0 && jb.len < smallcap && rs != 0)
		abort();
	if (rb == 0 && jb.len >= smallcap && (rs != -1 || js.err != TG_JSON_ERR_FULL))
		abort();
	free(small);
	free(big);
}

/* ---- 3: round trip ---- */

static void fuzz_roundtrip(const uint8_t *data, size_t size)
{
	size_t bigcap = 16 * size + 4096, start = 0, i, np = 0;
	size_t ps[TG_JSON_MAX_KEYS], pl[TG_JSON_MAX_KEYS];
	char *buf = malloc(bigcap), *key = malloc(size + 16), *exp = malloc(3 * size + 16),
	     *expk = malloc(3 * size + 48), *out = malloc(3 * size + 1), *doc;
	struct tg_json j;
	struct val v;

	if (!buf || !key || !exp || !expk || !out)
		abort();
	for (i = 0; i <= size && np < TG_JSON_MAX_KEYS; i++) {
		if (i == size || data[i] == 0) {
			ps[np] = start;
			pl[np++] = i - start;
			start = i + 1;
		}
	}
	tg_json_init(&j, buf, bigcap);
	tg_json_obj(&j, NULL);
	for (i = 0; i < np; i++) {
		size_t kl = (size_t)snprintf(key, 16, "%zu:", i);

		memcpy(key + kl, data + ps[i], pl[i]);
		key[kl + pl[i]] = '\0';
		tg_json_strn(&j, key, (const char *)data + ps[i], pl[i]);
	}
	tg_json_obj_end(&j);
	if (tg_json_done(&j) != 0)
		abort();
	doc = heap_str((const uint8_t *)buf, j.len);
	if (tg_json_flat_check(doc, j.len, NULL, 0) != 0)
		abort();
	if (!validate(&v, (const uint8_t *)doc, j.len, 1, 1) || v.nm != (int)np)
		abort();
	free(v.arena);
	for (i = 0; i < np; i++) {
		size_t kl = (size_t)snprintf(expk, 16, "%zu:", i), el;
		int rc;

		kl += ref_sanitize(data + ps[i], pl[i], (uint8_t *)expk + kl);
		expk[kl] = '\0';
		el = ref_sanitize(data + ps[i], pl[i], (uint8_t *)exp);
		rc = tg_json_get_str(doc, j.len, expk, out, el + 1);
		if (rc != (int)el || memcmp(out, exp, el) != 0)
			abort();
	}
	free(doc);
	free(buf);
	free(key);
	free(exp);
	free(expk);
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_reader(data, size);
	fuzz_writer(data, size);
	fuzz_roundtrip(data, size);
	return 0;
}
