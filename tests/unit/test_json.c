/*
 * test_json.c - the JSON writer and flat-object reader (lib/json.c).
 *
 * Writer output is compared byte for byte with the expected text; writer
 * buffers and reader inputs live in heap blocks of exactly their size, so
 * a write or read past the end is an ASan error, not a silent pass.  The
 * overflow test builds one document into every buffer size from 0 up and
 * checks the sticky error and the always NUL-terminated prefix; the
 * reader gets one case per refusal (with a part of its message), every
 * prefix of good objects, and round trips from the writer.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "json.h"

#define BIG 8192

/* ---- helpers ---- */

static char *heap_copy(const char *s, size_t n)
{
	char *b = malloc(n ? n : 1);

	if (!b)
		abort();
	if (n)
		memcpy(b, s, n);
	return b;
}

static int check_n(const char *s, size_t n, char *err, size_t errlen)
{
	char *b = heap_copy(s, n);
	int rc = tg_json_flat_check(b, n, err, errlen);

	free(b);
	return rc;
}

/* s is accepted, err cleared */
static int accepted_n(const char *s, size_t n)
{
	char err[256];

	memset(err, 'X', sizeof(err));
	if (check_n(s, n, err, sizeof(err)) != 0) {
		fprintf(stderr, "  refused %.*s: %s\n", (int)n, s, err);
		return 0;
	}
	return err[0] == '\0';
}

#define ACCEPTED(lit) accepted_n(lit, sizeof(lit) - 1)

/* s is refused with a message containing want */
static int refused_n(const char *s, size_t n, const char *want)
{
	char err[256];

	memset(err, 'X', sizeof(err));
	if (check_n(s, n, err, sizeof(err)) != -1) {
		fprintf(stderr, "  accepted: %.*s\n", (int)n, s);
		return 0;
	}
	if (!memchr(err, '\0', sizeof(err)) || !strstr(err, want)) {
		fprintf(stderr, "  input %.*s: message \"%s\", expected it to contain \"%s\"\n",
			(int)n, s, err, want);
		return 0;
	}
	return 1;
}

#define REFUSED(lit, want) refused_n(lit, sizeof(lit) - 1, want)

/* A writer over an exact-size heap buffer. */
struct w {
	struct tg_json j;
	char *mem;
};

static void w_init(struct w *w, size_t cap)
{
	w->mem = cap ? malloc(cap) : NULL;
	if (cap && !w->mem)
		abort();
	if (w->mem)
		memset(w->mem, 'X', cap);
	tg_json_init(&w->j, w->mem, cap);
}

/* done() == 0 and the text is exactly want */
static int w_is(struct w *w, const char *want)
{
	int ok = tg_json_done(&w->j) == 0 && w->j.len == strlen(want) &&
		 strcmp(w->j.buf, want) == 0;

	if (!ok)
		fprintf(stderr, "  writer: err %d len %zu \"%s\", expected \"%s\"\n", w->j.err,
			w->j.len, w->j.buf ? w->j.buf : "(null)", want);
	return ok;
}

static void w_free(struct w *w)
{
	free(w->mem);
	w->mem = NULL;
}

/* the quoted output of one string written as the top-level value */
static int str_is(const char *s, size_t n, const char *want)
{
	struct w w;
	int ok;

	w_init(&w, BIG);
	tg_json_strn(&w.j, NULL, s, n);
	ok = w_is(&w, want);
	w_free(&w);
	return ok;
}

#define STR_IS(lit, want) str_is(lit, sizeof(lit) - 1, want)

/* ---- writer ---- */

static void test_writer_basic(void)
{
	struct w w;

	w_init(&w, BIG);
	tg_json_obj(&w.j, NULL);
	tg_json_str(&w.j, "name", "x");
	tg_json_int(&w.j, "n", -5);
	tg_json_num(&w.j, "pi", 3.14159, 2);
	tg_json_bool(&w.j, "t", 1);
	tg_json_bool(&w.j, "f", 0);
	tg_json_bool(&w.j, "t2", 42);
	tg_json_null(&w.j, "z");
	tg_json_str(&w.j, "none", NULL);
	tg_json_str(&w.j, "empty", "");
	tg_json_arr(&w.j, "a");
	tg_json_int(&w.j, NULL, 1);
	tg_json_obj(&w.j, NULL);
	tg_json_obj_end(&w.j);
	tg_json_arr(&w.j, NULL);
	tg_json_arr_end(&w.j);
	tg_json_str(&w.j, NULL, "s");
	tg_json_arr_end(&w.j);
	tg_json_obj(&w.j, "o");
	tg_json_obj_end(&w.j);
	tg_json_obj_end(&w.j);
	CHECK(w_is(&w, "{\"name\":\"x\",\"n\":-5,\"pi\":3.14,\"t\":true,\"f\":false,\"t2\":true,"
		       "\"z\":null,\"none\":null,\"empty\":\"\",\"a\":[1,{},[],\"s\"],\"o\":{}}"));
	w_free(&w);

	/* any value may be the top level */
	w_init(&w, BIG);
	tg_json_arr(&w.j, NULL);
	tg_json_arr_end(&w.j);
	CHECK(w_is(&w, "[]"));
	w_free(&w);
	w_init(&w, BIG);
	tg_json_int(&w.j, NULL, 7);
	CHECK(w_is(&w, "7"));
	w_free(&w);
	w_init(&w, BIG);
	tg_json_null(&w.j, NULL);
	CHECK(w_is(&w, "null"));
	w_free(&w);
}

static void test_writer_escapes(void)
{
	struct w w;

	CHECK(STR_IS("plain text 123 /path", "\"plain text 123 /path\""));
	CHECK(STR_IS("\"\\", "\"\\\"\\\\\""));
	CHECK(STR_IS("\x01\x1f\x7f\n\t\r", "\"\\u0001\\u001f\\u007f\\u000a\\u0009\\u000d\""));
	CHECK(STR_IS("</script><b>&amp;", "\"\\u003c/script\\u003e\\u003cb\\u003e\\u0026amp;\""));
	/* NUL inside a counted string */
	CHECK(STR_IS("a\0b", "\"a\\u0000b\""));
	/* tg_json_str stops at the NUL */
	w_init(&w, BIG);
	tg_json_str(&w.j, NULL, "a\0b");
	CHECK(w_is(&w, "\"a\""));
	w_free(&w);
	/* well-formed UTF-8 passes unchanged, U+2028/2029 escaped */
	CHECK(STR_IS("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf\xef\xbf\xbf",
		     "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf\xef\xbf\xbf\""));
	CHECK(STR_IS("a\xe2\x80\xa8" "b\xe2\x80\xa9", "\"a\\u2028b\\u2029\""));
	/* keys are escaped the same way */
	w_init(&w, BIG);
	tg_json_obj(&w.j, NULL);
	tg_json_int(&w.j, "k\"<\x01\xff", 1);
	tg_json_obj_end(&w.j);
	CHECK(w_is(&w, "{\"k\\\"\\u003c\\u0001\xef\xbf\xbd\":1}"));
	w_free(&w);
}

#define FFFD "\xef\xbf\xbd"

/* ill-formed UTF-8: one U+FFFD per maximal ill-formed subpart (Unicode 3.9) */
static void test_writer_bad_utf8(void)
{
	CHECK(STR_IS("\x80", "\"" FFFD "\""));
	CHECK(STR_IS("\xff\xfe", "\"" FFFD FFFD "\""));
	CHECK(STR_IS("a\xc0\xaf" "b", "\"a" FFFD FFFD "b\""));     /* overlong '/' */
	CHECK(STR_IS("\xc1\xbf", "\"" FFFD FFFD "\""));
	CHECK(STR_IS("\xe0\x80\x80", "\"" FFFD FFFD FFFD "\""));  /* overlong */
	CHECK(STR_IS("\xed\xa0\x80", "\"" FFFD FFFD FFFD "\""));  /* surrogate */
	CHECK(STR_IS("\xf4\x90\x80\x80", "\"" FFFD FFFD FFFD FFFD "\"")); /* > U+10FFFF */
	CHECK(STR_IS("\xf5\x80", "\"" FFFD FFFD "\""));
	/* truncated sequences: the valid start counts once */
	CHECK(STR_IS("\xe2\x82", "\"" FFFD "\""));
	CHECK(STR_IS("\xe2\x82" "A", "\"" FFFD "A\""));
	CHECK(STR_IS("\xf0\x9f\x98" "x", "\"" FFFD "x\""));
	CHECK(STR_IS("\xf0\x9f\x98\xf0\x9f\x98\x80", "\"" FFFD "\xf0\x9f\x98\x80\""));
	CHECK(STR_IS("\xc3", "\"" FFFD "\""));
	CHECK(STR_IS("\xc3\"", "\"" FFFD "\\\"\""));
	/* the Unicode 6.0 example: 61 F1 80 80 E1 80 C2 62 80 63 80 BF 64 */
	CHECK(STR_IS("\x61\xf1\x80\x80\xe1\x80\xc2\x62\x80\x63\x80\xbf\x64",
		     "\"a" FFFD FFFD FFFD "b" FFFD "c" FFFD FFFD "d\""));
}

static void test_writer_numbers(void)
{
	struct w w;

	w_init(&w, BIG);
	tg_json_arr(&w.j, NULL);
	tg_json_int(&w.j, NULL, 0);
	tg_json_int(&w.j, NULL, INT64_MAX);
	tg_json_int(&w.j, NULL, INT64_MIN);
	tg_json_int(&w.j, NULL, -1);
	tg_json_int(&w.j, NULL, 1000000007);
	tg_json_arr_end(&w.j);
	CHECK(w_is(&w, "[0,9223372036854775807,-9223372036854775808,-1,1000000007]"));
	w_free(&w);

	w_init(&w, BIG);
	tg_json_arr(&w.j, NULL);
	tg_json_num(&w.j, NULL, 1.5, 3);
	tg_json_num(&w.j, NULL, NAN, 2);
	tg_json_num(&w.j, NULL, INFINITY, 2);
	tg_json_num(&w.j, NULL, -INFINITY, 0);
	tg_json_num(&w.j, NULL, -0.0001, 2); /* rounds to zero: no sign */
	tg_json_num(&w.j, NULL, -0.0, 0);
	tg_json_num(&w.j, NULL, -1.26, 1);
	tg_json_num(&w.j, NULL, 1e20, 0);
	tg_json_num(&w.j, NULL, 123.456, -3);  /* clamped to 0 */
	tg_json_num(&w.j, NULL, 0.1, 30);      /* clamped to 17 */
	tg_json_num(&w.j, NULL, 47.123456789, 6);
	tg_json_arr_end(&w.j);
	CHECK(w_is(&w, "[1.500,null,null,null,0.00,0,-1.3,100000000000000000000,123,"
		       "0.10000000000000001,47.123457]"));
	w_free(&w);

	/* the longest number there is */
	w_init(&w, BIG);
	tg_json_num(&w.j, NULL, -DBL_MAX, 17);
	CHECK_EQ_INT(tg_json_done(&w.j), 0);
	CHECK_EQ_INT(w.j.len, 1 + 309 + 1 + 17);
	CHECK(strncmp(w.j.buf, "-17976931348623157", 18) == 0);
	w_free(&w);
}

/* the reference document of the overflow test */
static void build_doc(struct tg_json *j)
{
	tg_json_obj(j, NULL);
	tg_json_str(j, "user", "alice");
	tg_json_str(j, "esc", "<\"\\\x01\xff\xe2\x82\xac>");
	tg_json_int(j, "min", INT64_MIN);
	tg_json_num(j, "x", -12.345, 2);
	tg_json_arr(j, "list");
	tg_json_bool(j, NULL, 1);
	tg_json_null(j, NULL);
	tg_json_obj(j, NULL);
	tg_json_bool(j, "f", 0);
	tg_json_obj_end(j);
	tg_json_arr_end(j);
	tg_json_num(j, "nan", NAN, 1);
	tg_json_obj_end(j);
}

static void test_writer_overflow(void)
{
	struct w full, w;
	size_t cap, total;

	w_init(&full, BIG);
	build_doc(&full.j);
	CHECK_EQ_INT(tg_json_done(&full.j), 0);
	total = full.j.len;
	CHECK(total > 50);

	for (cap = 0; cap <= total + 1; cap++) {
		int rc;

		w_init(&w, cap);
		build_doc(&w.j);
		rc = tg_json_done(&w.j);
		if (cap <= total) {
			CHECK_EQ_INT(rc, -1);
			CHECK_EQ_INT(w.j.err, TG_JSON_ERR_FULL);
		} else {
			CHECK_EQ_INT(rc, 0);
			CHECK_EQ_INT(w.j.err, 0);
			CHECK_EQ_STR(w.j.buf, full.j.buf);
		}
		if (cap > 0) {
			/* always a NUL-terminated prefix of the whole text */
			CHECK(w.j.len < cap);
			CHECK_EQ_INT(strlen(w.j.buf), w.j.len);
			CHECK(memcmp(w.j.buf, full.j.buf, w.j.len) == 0);
		} else {
			CHECK(w.j.buf == NULL);
		}
		w_free(&w);
	}
	w_free(&full);

	/* the error is sticky: a later item that would fit is not written */
	w_init(&w, 16);
	tg_json_obj(&w.j, NULL);
	tg_json_str(&w.j, "k", "a string too long for sixteen bytes");
	CHECK_EQ_INT(w.j.err, TG_JSON_ERR_FULL);
	CHECK_EQ_STR(w.j.buf, "{");
	tg_json_int(&w.j, "n", 1);
	tg_json_obj_end(&w.j);
	CHECK_EQ_STR(w.j.buf, "{");
	CHECK_EQ_INT(w.j.len, 1);
	CHECK_EQ_INT(tg_json_done(&w.j), -1);
	w_free(&w);

	/* an item is written whole or not at all: here the key fits, the value not */
	w_init(&w, 12);
	tg_json_obj(&w.j, NULL);
	tg_json_int(&w.j, "a", 1);
	tg_json_str(&w.j, "b", "xyz");
	CHECK_EQ_STR(w.j.buf, "{\"a\":1");
	CHECK_EQ_INT(w.j.err, TG_JSON_ERR_FULL);
	w_free(&w);
	/* 16 characters: one byte short of room for the NUL, then exactly enough */
	w_init(&w, 16);
	tg_json_obj(&w.j, NULL);
	tg_json_int(&w.j, "a", 1);
	tg_json_str(&w.j, "b", "xyz");
	CHECK_EQ_STR(w.j.buf, "{\"a\":1");
	CHECK_EQ_INT(w.j.err, TG_JSON_ERR_FULL);
	w_free(&w);
	w_init(&w, 17);
	tg_json_obj(&w.j, NULL);
	tg_json_int(&w.j, "a", 1);
	tg_json_str(&w.j, "b", "xyz");
	CHECK_EQ_STR(w.j.buf, "{\"a\":1,\"b\":\"xyz\"");
	CHECK_EQ_INT(w.j.err, 0);
	w_free(&w);
}

static void test_writer_depth(void)
{
	struct w w;
	char want[2 * TG_JSON_MAX_DEPTH + 1];
	int i;

	w_init(&w, BIG);
	for (i = 0; i < TG_JSON_MAX_DEPTH; i++)
		tg_json_arr(&w.j, NULL);
	for (i = 0; i < TG_JSON_MAX_DEPTH; i++)
		tg_json_arr_end(&w.j);
	memset(want, '[', TG_JSON_MAX_DEPTH);
	memset(want + TG_JSON_MAX_DEPTH, ']', TG_JSON_MAX_DEPTH);
	want[2 * TG_JSON_MAX_DEPTH] = '\0';
	CHECK(w_is(&w, want));
	w_free(&w);

	/* one more level is refused, the buffer keeps the 16 that were opened */
	w_init(&w, BIG);
	for (i = 0; i < TG_JSON_MAX_DEPTH; i++)
		tg_json_obj(&w.j, i ? "k" : NULL);
	CHECK_EQ_INT(w.j.err, 0);
	CHECK_EQ_INT(w.j.depth, TG_JSON_MAX_DEPTH);
	tg_json_arr(&w.j, "deep");
	CHECK_EQ_INT(w.j.err, TG_JSON_ERR_USE);
	CHECK_EQ_INT(w.j.len, 1 + 5 * (TG_JSON_MAX_DEPTH - 1));
	CHECK(strstr(w.j.buf, "deep") == NULL);
	for (i = 0; i < TG_JSON_MAX_DEPTH; i++)
		tg_json_obj_end(&w.j);
	CHECK_EQ_INT(tg_json_done(&w.j), -1);
	w_free(&w);
}

static void test_writer_misuse(void)
{
	struct w w;
	struct tg_json j;
	char one[1];

	/* a key at the top level */
	w_init(&w, BIG);
	tg_json_str(&w.j, "k", "v");
	CHECK_EQ_INT(w.j.err, TG_JSON_ERR_USE);
	CHECK_EQ_STR(w.j.buf, "");
	CHECK_EQ_INT(tg_json_done(&w.j), -1);
	w_free(&w);

	/* no key inside an object */
	w_init(&w, BIG);
	tg_json_obj(&w.j, NULL);
	tg_json_int(&w.j, NULL, 1);
	CHECK_EQ_INT(w.j.err, TG_JSON_ERR_USE);
	CHECK_EQ_STR(w.j.buf, "{");
	w_free(&w);

	/* a key inside an array */
	w_init(&w, BIG);
	tg_json_arr(&w.j, NULL);
	tg_json_int(&w.j, NULL, 1);
	tg_json_int(&w.j, "k", 2);
	CHECK_EQ_INT(w.j.err, TG_JSON_ERR_USE);
	CHECK_EQ_STR(w.j.buf, "[1");
	w_free(&w);

	/* closing the wrong kind */
	w_init(&w, BIG);
	tg_json_arr(&w.j, NULL);
	tg_json_obj_end(&w.j);
	CHECK_EQ_INT(w.j.err, TG_JSON_ERR_USE);
	CHECK_EQ_STR(w.j.buf, "[");
	w_free(&w);
	w_init(&w, BIG);
	tg_json_obj(&w.j, NULL);
	tg_json_arr_end(&w.j);
	CHECK_EQ_INT(w.j.err, TG_JSON_ERR_USE);
	w_free(&w);

	/* closing what is not open */
	w_init(&w, BIG);
	tg_json_obj_end(&w.j);
	CHECK_EQ_INT(w.j.err, TG_JSON_ERR_USE);
	w_free(&w);
	w_init(&w, BIG);
	tg_json_arr(&w.j, NULL);
	tg_json_arr_end(&w.j);
	tg_json_arr_end(&w.j);
	CHECK_EQ_INT(w.j.err, TG_JSON_ERR_USE);
	CHECK_EQ_STR(w.j.buf, "[]");
	CHECK_EQ_INT(tg_json_done(&w.j), -1);
	w_free(&w);

	/* a second top-level value */
	w_init(&w, BIG);
	tg_json_int(&w.j, NULL, 1);
	tg_json_int(&w.j, NULL, 2);
	CHECK_EQ_INT(w.j.err, TG_JSON_ERR_USE);
	CHECK_EQ_STR(w.j.buf, "1");
	w_free(&w);

	/* done with a container open, or with nothing written */
	w_init(&w, BIG);
	tg_json_obj(&w.j, NULL);
	CHECK_EQ_INT(tg_json_done(&w.j), -1);
	CHECK_EQ_INT(w.j.err, TG_JSON_ERR_USE);
	w_free(&w);
	w_init(&w, BIG);
	CHECK_EQ_INT(tg_json_done(&w.j), -1);
	w_free(&w);

	/* no buffer, or no room even for the NUL */
	tg_json_init(&j, NULL, 10);
	tg_json_int(&j, NULL, 1);
	CHECK_EQ_INT(tg_json_done(&j), -1);
	CHECK_EQ_INT(j.err, TG_JSON_ERR_FULL);
	tg_json_init(&j, one, 0);
	tg_json_obj(&j, NULL);
	tg_json_obj_end(&j);
	CHECK_EQ_INT(tg_json_done(&j), -1);
	/* one byte: "" and nothing fits */
	one[0] = 'X';
	tg_json_init(&j, one, 1);
	CHECK_EQ_INT(one[0], '\0');
	tg_json_int(&j, NULL, 1);
	CHECK_EQ_INT(j.err, TG_JSON_ERR_FULL);
	CHECK_EQ_INT(one[0], '\0');
}

/* ---- reader ---- */

static void test_reader_accepts(void)
{
	static const char many[] = "{\"a\":\"b\",\"n\":1,\"x\":-0.5e+10,\"y\":1E5,\"w\":1e-5,"
				   "\"v\":123.456,\"z\":0,\"mz\":-0,\"t\":true,\"f\":false,"
				   "\"nul\":null,\"e\":\"\",\"\":0,\"del\":\"\x7f\"}";
	char doc[1024];
	size_t len;
	int i;

	CHECK(ACCEPTED("{}"));
	CHECK(ACCEPTED(" \t\r\n{ \t\r\n} \t\r\n"));
	CHECK(ACCEPTED("{\"a\":\"b\"}"));
	CHECK(ACCEPTED("{ \"a\" : \"b\" , \"c\" : 1 }"));
	CHECK(ACCEPTED(many));
	CHECK(ACCEPTED("{\"esc\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\u20AC\\ud83d\\ude00\\uDBFF\\uDFFF\"}"));
	CHECK(ACCEPTED("{\"\xc3\xa9\":\"\xf0\x9f\x98\x80\xef\xbf\xbf\xf4\x8f\xbf\xbf\"}"));
	/* "a" and "b" differ; "a" and "a " too */
	CHECK(ACCEPTED("{\"a\":1,\"b\":1,\"a \":1,\"A\":1}"));

	/* exactly TG_JSON_MAX_KEYS keys */
	len = (size_t)snprintf(doc, sizeof(doc), "{");
	for (i = 0; i < TG_JSON_MAX_KEYS; i++)
		len += (size_t)snprintf(doc + len, sizeof(doc) - len, "%s\"k%d\":%d", i ? "," : "",
					i, i);
	len += (size_t)snprintf(doc + len, sizeof(doc) - len, "}");
	CHECK(accepted_n(doc, len));
	/* and one more */
	doc[len - 1] = '\0';
	len = strlen(doc);
	len += (size_t)snprintf(doc + len, sizeof(doc) - len, ",\"k64\":64}");
	CHECK(refused_n(doc, len, "expected at most 64 keys, got more"));
}

static void test_reader_refusals(void)
{
	char err[256];

	/* not an object */
	CHECK(REFUSED("", "expected a flat object '{...}' at offset 0, got end of input"));
	CHECK(REFUSED("   ", "expected a flat object '{...}' at offset 3, got end of input"));
	CHECK(REFUSED("[]", "got '['"));
	CHECK(REFUSED("\"x\"", "got '\"'"));
	CHECK(REFUSED("1", "got '1'"));
	CHECK(REFUSED("null", "got 'n'"));
	CHECK(REFUSED("\xef\xbb\xbf{}", "got byte 0xef")); /* BOM */
	CHECK(REFUSED("\xc2\xa0{}", "got byte 0xc2"));     /* NBSP is no whitespace */
	CHECK(REFUSED("\f{}", "got byte 0x0c"));
	CHECK(REFUSED("{\v}", "expected a key string at offset 1, got byte 0x0b"));

	/* nested */
	CHECK(REFUSED("{\"x\":{}}", "expected a flat object: nested value for key \"x\""));
	CHECK(REFUSED("{\"a\":1, \"x\" : [1]}", "expected a flat object: nested value for key \"x\""));
	memset(err, 'X', sizeof(err));
	CHECK_EQ_INT(tg_json_flat_check("{\"x\":[]}", 8, err, sizeof(err)), -1);
	CHECK_EQ_STR(err, "expected a flat object: nested value for key \"x\"");

	/* duplicates, after decoding */
	CHECK(REFUSED("{\"a\":1,\"a\":2}", "duplicate key \"a\""));
	CHECK(REFUSED("{\"a\":1,\"b\":2,\"a\":\"x\"}", "duplicate key \"a\""));
	CHECK(REFUSED("{\"ab\":1,\"\\u0061\\u0062\":2}", "duplicate key \"ab\""));
	CHECK(REFUSED("{\"/\":1,\"\\/\":2}", "duplicate key \"/\""));
	CHECK(REFUSED("{\"\\ud83d\\ude00\":1,\"\xf0\x9f\x98\x80\":2}", "duplicate key \"????\""));
	CHECK(REFUSED("{\"\":1,\"\":2}", "duplicate key \"\""));

	/* structure */
	CHECK(REFUSED("{} x", "expected nothing after the object, got 'x' at offset 3"));
	CHECK(REFUSED("{}{}", "expected nothing after the object"));
	CHECK(REFUSED("{\"a\":1}\0", "expected nothing after the object, got byte 0x00"));
	CHECK(REFUSED("{\"a\":1,}", "expected a key string at offset 7, got '}'"));
	CHECK(REFUSED("{,}", "expected a key string at offset 1, got ','"));
	CHECK(REFUSED("{\"a\" 1}", "expected ':' after key \"a\" at offset 5, got '1'"));
	CHECK(REFUSED("{\"a\"}", "expected ':' after key \"a\""));
	CHECK(REFUSED("{\"a\":1 \"b\":2}", "expected ',' or '}' at offset 7, got '\"'"));
	CHECK(REFUSED("{\"a\":1;\"b\":2}", "expected ',' or '}'"));
	CHECK(REFUSED("{'a':1}", "expected a key string at offset 1, got byte 0x27"));
	CHECK(REFUSED("{a:1}", "expected a key string at offset 1, got 'a'"));
	CHECK(REFUSED("{1:1}", "expected a key string"));
	CHECK(REFUSED("{\"a\":1", "expected ',' or '}' at offset 6, got end of input"));
	CHECK(REFUSED("{", "expected a key string at offset 1, got end of input"));
	CHECK(REFUSED("{\"a\":", "value of key \"a\" at offset 5: expected a string, number, true, false or null, got end of input"));
	CHECK(REFUSED("{\"a\":}", "got '}'"));
	CHECK(REFUSED("{\"a", "key at offset 1: expected a closing '\"', got end of input"));
	CHECK(REFUSED("{\"a\":\"b", "value of key \"a\" at offset 5: expected a closing '\"'"));
	CHECK(REFUSED("{\"a\":\"b\\\"}", "expected a closing '\"'"));

	/* raw control bytes in strings */
	CHECK(REFUSED("{\"a\":\"x\ny\"}", "raw control byte 0x0a at offset 7"));
	CHECK(REFUSED("{\"a\":\"\t\"}", "raw control byte 0x09"));
	CHECK(REFUSED("{\"a\":\"\x01\"}", "raw control byte 0x01"));
	CHECK(REFUSED("{\"a\":\"\0\"}", "raw control byte 0x00"));
	CHECK(REFUSED("{\"k\x1f\":1}", "key at offset 1: raw control byte 0x1f"));

	/* invalid UTF-8, values and keys */
	CHECK(REFUSED("{\"a\":\"\x80\"}", "value of key \"a\" at offset 5: invalid UTF-8 at offset 6 (byte 0x80)"));
	CHECK(REFUSED("{\"a\":\"\xc0\xaf\"}", "invalid UTF-8"));
	CHECK(REFUSED("{\"a\":\"\xc1\xbf\"}", "invalid UTF-8"));
	CHECK(REFUSED("{\"a\":\"\xe0\x9f\xbf\"}", "invalid UTF-8"));
	CHECK(REFUSED("{\"a\":\"\xed\xa0\x80\"}", "invalid UTF-8"));
	CHECK(REFUSED("{\"a\":\"\xf0\x8f\xbf\xbf\"}", "invalid UTF-8"));
	CHECK(REFUSED("{\"a\":\"\xf4\x90\x80\x80\"}", "invalid UTF-8"));
	CHECK(REFUSED("{\"a\":\"\xf5\x80\x80\x80\"}", "invalid UTF-8"));
	CHECK(REFUSED("{\"a\":\"\xff\"}", "invalid UTF-8"));
	CHECK(REFUSED("{\"a\":\"\xe2\x82\"}", "invalid UTF-8 at offset 6 (byte 0xe2)"));
	CHECK(REFUSED("{\"a\":\"\xe2\x82", "invalid UTF-8"));
	CHECK(REFUSED("{\"\xc3\":1}", "key at offset 1: invalid UTF-8"));

	/* escapes */
	CHECK(REFUSED("{\"a\":\"\\x41\"}", "expected an escape"));
	CHECK(REFUSED("{\"a\":\"\\U0041\"}", "got 'U'"));
	CHECK(REFUSED("{\"a\":\"\\'\"}", "got byte 0x27"));
	CHECK(REFUSED("{\"a\":\"\\\0\"}", "got byte 0x00"));
	CHECK(REFUSED("{\"a\":\"\\u12G4\"}", "expected 4 hex digits after \\u at offset 6"));
	CHECK(REFUSED("{\"a\":\"\\u12\"}", "expected 4 hex digits"));
	CHECK(REFUSED("{\"a\":\"\\u12", "expected 4 hex digits"));
	CHECK(REFUSED("{\"a\":\"\\", "expected a closing '\"'"));
	/* surrogates only in pairs, never U+0000 */
	CHECK(REFUSED("{\"a\":\"\\ud800\"}", "high surrogate \\ud800 at offset 6 not followed by a low surrogate"));
	CHECK(REFUSED("{\"a\":\"\\ud800x\"}", "high surrogate"));
	CHECK(REFUSED("{\"a\":\"\\ud800\\u0041\"}", "high surrogate"));
	CHECK(REFUSED("{\"a\":\"\\ud800\\ud800\"}", "high surrogate"));
	CHECK(REFUSED("{\"a\":\"\\ud800\\n\"}", "high surrogate"));
	CHECK(REFUSED("{\"a\":\"\\ud800\\udc0", "high surrogate"));
	CHECK(REFUSED("{\"a\":\"\\udc00\"}", "lone low surrogate \\udc00 at offset 6"));
	CHECK(REFUSED("{\"a\":\"\\ude00\\ud83d\"}", "lone low surrogate"));
	CHECK(REFUSED("{\"a\":\"x\\u0000\"}", "\\u0000 at offset 7 is not allowed"));
	CHECK(REFUSED("{\"\\u0000\":1}", "key at offset 1: \\u0000"));

	/* numbers */
	CHECK(REFUSED("{\"n\":01}", "value of key \"n\": number at offset 5 has a leading zero"));
	CHECK(REFUSED("{\"n\":-01}", "leading zero"));
	CHECK(REFUSED("{\"n\":-}", "number at offset 5: expected a digit at offset 6, got '}'"));
	CHECK(REFUSED("{\"n\":-", "got end of input"));
	CHECK(REFUSED("{\"n\":1.}", "expected a digit at offset 7"));
	CHECK(REFUSED("{\"n\":1.e5}", "expected a digit"));
	CHECK(REFUSED("{\"n\":1e}", "expected a digit"));
	CHECK(REFUSED("{\"n\":1e+}", "expected a digit"));
	CHECK(REFUSED("{\"n\":.5}", "expected a string, number, true, false or null, got '.'"));
	CHECK(REFUSED("{\"n\":+1}", "got '+'"));
	CHECK(REFUSED("{\"n\":0x10}", "expected ',' or '}' at offset 6, got 'x'"));
	CHECK(REFUSED("{\"n\":1.5.2}", "expected ',' or '}'"));
	CHECK(REFUSED("{\"n\":NaN}", "got 'N'"));
	CHECK(REFUSED("{\"n\":Infinity}", "got 'I'"));
	CHECK(REFUSED("{\"n\":-Infinity}", "expected a digit"));
	CHECK(REFUSED("{\"n\":1 2}", "expected ',' or '}'"));

	/* literals */
	CHECK(REFUSED("{\"t\":tru}", "got 't'"));
	CHECK(REFUSED("{\"t\":tru", "got 't'"));
	CHECK(REFUSED("{\"t\":True}", "got 'T'"));
	CHECK(REFUSED("{\"t\":nul}", "got 'n'"));
	CHECK(REFUSED("{\"t\":truex}", "expected ',' or '}' at offset 9, got 'x'"));
	CHECK(REFUSED("{\"t\":undefined}", "got 'u'"));

	/* keys in messages: printable ASCII only, truncated, never the value */
	CHECK(REFUSED("{\"a\\\"\\n\xc3\xa9\":{}}", "nested value for key \"a????\""));
	CHECK(REFUSED("{\"0123456789012345678901234567890123456789\":[]}",
		      "nested value for key \"01234567890123456789012345678901...\""));
	memset(err, 'X', sizeof(err));
	CHECK_EQ_INT(tg_json_flat_check("{\"p\":\"hunter2\x01\"}", 17, err, sizeof(err)), -1);
	CHECK(strstr(err, "hunter") == NULL);

	/* err may be absent or tiny */
	CHECK_EQ_INT(tg_json_flat_check("[", 1, NULL, 0), -1);
	CHECK_EQ_INT(tg_json_flat_check("{}", 2, NULL, 0), 0);
	CHECK_EQ_INT(tg_json_flat_check(NULL, 0, NULL, 0), -1);
	memset(err, 'X', sizeof(err));
	CHECK_EQ_INT(tg_json_flat_check("[", 1, err, 8), -1);
	CHECK_EQ_INT(strlen(err), 7);
	CHECK_EQ_INT(err[8], 'X');
}

/* every proper prefix of an object is refused; the getters stay within it */
static void test_reader_prefixes(void)
{
	static const char *const docs[] = {
		"{\"user\":\"al\\u00e9ce\",\"n\":-12.5e3,\"b\":true,\"z\":null,\"s\":\"\\ud83d\\ude00\xc3\xa9\"}",
		"{ \"a\" : 0 , \"b\" : false }",
		"{\"k\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"}",
	};
	size_t d, k, n;

	for (d = 0; d < sizeof(docs) / sizeof(docs[0]); d++) {
		n = strlen(docs[d]);
		CHECK(accepted_n(docs[d], n));
		for (k = 0; k < n; k++) {
			char *b = heap_copy(docs[d], k);
			char out[64];
			int64_t v;
			int bv, rc;

			if (tg_json_flat_check(b, k, NULL, 0) != -1) {
				fprintf(stderr, "  prefix %zu of doc %zu accepted\n", k, d);
				CHECK(0);
			}
			rc = tg_json_get_str(b, k, "user", out, sizeof(out));
			CHECK(rc >= -2 && rc < (int)sizeof(out));
			if (rc >= 0)
				CHECK_EQ_INT(strlen(out), rc);
			rc = tg_json_get_int(b, k, "a", &v);
			CHECK(rc >= -2 && rc <= 0);
			rc = tg_json_get_bool(b, k, "b", &bv);
			CHECK(rc >= -2 && rc <= 0);
			rc = tg_json_get_str(b, k, "k", out, sizeof(out));
			CHECK(rc >= -2 && rc <= 8);
			free(b);
		}
	}
}

/* ---- getters ---- */

static const char gdoc[] =
	"{\"user\":\"alice\",\"pw\":\"p\\u00e4ss\\\"\\\\\\/\\b\\f\\n\\r\\t\",\"n\":42,"
	"\"neg\":-9223372036854775808,\"max\":9223372036854775807,\"over\":9223372036854775808,"
	"\"under\":-9223372036854775809,\"big\":123456789012345678901234567890,\"frac\":1.5,"
	"\"exp\":1e3,\"mz\":-0,\"t\":true,\"f\":false,\"z\":null,\"e\":\"\",\"emoji\":\"\\ud83d\\ude00\","
	"\"\\u0061b\":7,\"raw\":\"\xc3\xa9\"}";

static void test_get_str(void)
{
	static const char bad_nul[] = "{\"a\":\"x\\u0000y\"}";
	static const char dup[] = "{\"a\":\"1\",\"a\":\"2\"}";
	static const char nested[] = "{\"a\":\"1\",\"b\":{},\"c\":\"3\"}";
	char *b = heap_copy(gdoc, sizeof(gdoc) - 1);
	size_t n = sizeof(gdoc) - 1;
	char out[64];

	CHECK(accepted_n(gdoc, n));
	CHECK_EQ_INT(tg_json_get_str(b, n, "user", out, sizeof(out)), 5);
	CHECK_EQ_STR(out, "alice");
	/* cap must hold the string and its NUL */
	CHECK_EQ_INT(tg_json_get_str(b, n, "user", out, 6), 5);
	CHECK_EQ_STR(out, "alice");
	memset(out, 'X', sizeof(out));
	CHECK_EQ_INT(tg_json_get_str(b, n, "user", out, 5), -2);
	CHECK_EQ_STR(out, "");
	CHECK_EQ_INT(tg_json_get_str(b, n, "user", out, 0), -2);
	CHECK_EQ_INT(tg_json_get_str(b, n, "pw", out, sizeof(out)), 13);
	CHECK_EQ_STR(out, "p\xc3\xa4ss\"\\/\b\f\n\r\t");
	CHECK_EQ_INT(tg_json_get_str(b, n, "emoji", out, sizeof(out)), 4);
	CHECK_EQ_STR(out, "\xf0\x9f\x98\x80");
	CHECK_EQ_INT(tg_json_get_str(b, n, "emoji", out, 4), -2);
	CHECK_EQ_INT(tg_json_get_str(b, n, "raw", out, sizeof(out)), 2);
	CHECK_EQ_STR(out, "\xc3\xa9");
	CHECK_EQ_INT(tg_json_get_str(b, n, "e", out, sizeof(out)), 0);
	CHECK_EQ_STR(out, "");
	CHECK_EQ_INT(tg_json_get_str(b, n, "e", out, 1), 0);
	/* not strings, absent */
	memset(out, 'X', sizeof(out));
	CHECK_EQ_INT(tg_json_get_str(b, n, "n", out, sizeof(out)), -2);
	CHECK_EQ_STR(out, "");
	CHECK_EQ_INT(tg_json_get_str(b, n, "z", out, sizeof(out)), -2);
	CHECK_EQ_INT(tg_json_get_str(b, n, "t", out, sizeof(out)), -2);
	memset(out, 'X', sizeof(out));
	CHECK_EQ_INT(tg_json_get_str(b, n, "missing", out, sizeof(out)), -1);
	CHECK_EQ_STR(out, "");
	/* keys match whole and after decoding */
	CHECK_EQ_INT(tg_json_get_str(b, n, "use", out, sizeof(out)), -1);
	CHECK_EQ_INT(tg_json_get_str(b, n, "users", out, sizeof(out)), -1);
	CHECK_EQ_INT(tg_json_get_str(b, n, "User", out, sizeof(out)), -1);
	CHECK_EQ_INT(tg_json_get_str(b, n, "", out, sizeof(out)), -1);
	CHECK_EQ_INT(tg_json_get_str(b, n, NULL, out, sizeof(out)), -1);
	CHECK_EQ_INT(tg_json_get_str(NULL, 5, "user", out, sizeof(out)), -1);
	free(b);

	/* \u0000 (never in a checked body) is -2, not a cut string */
	b = heap_copy(bad_nul, strlen(bad_nul));
	CHECK_EQ_INT(tg_json_get_str(b, strlen(bad_nul), "a", out, sizeof(out)), -2);
	free(b);
	/* an unchecked body with a duplicate: the first wins */
	b = heap_copy(dup, strlen(dup));
	CHECK_EQ_INT(tg_json_get_str(b, strlen(dup), "a", out, sizeof(out)), 1);
	CHECK_EQ_STR(out, "1");
	free(b);
	/* the walk stops at a syntax error: keys before it are found, later ones not */
	b = heap_copy(nested, strlen(nested));
	CHECK_EQ_INT(tg_json_get_str(b, strlen(nested), "a", out, sizeof(out)), 1);
	CHECK_EQ_INT(tg_json_get_str(b, strlen(nested), "b", out, sizeof(out)), -1);
	CHECK_EQ_INT(tg_json_get_str(b, strlen(nested), "c", out, sizeof(out)), -1);
	free(b);
}

static void test_get_int_bool(void)
{
	char *b = heap_copy(gdoc, sizeof(gdoc) - 1);
	size_t n = sizeof(gdoc) - 1;
	int64_t v;
	int bv;

	CHECK_EQ_INT(tg_json_get_int(b, n, "n", &v), 0);
	CHECK_EQ_INT(v, 42);
	CHECK_EQ_INT(tg_json_get_int(b, n, "neg", &v), 0);
	CHECK(v == INT64_MIN);
	CHECK_EQ_INT(tg_json_get_int(b, n, "max", &v), 0);
	CHECK(v == INT64_MAX);
	CHECK_EQ_INT(tg_json_get_int(b, n, "mz", &v), 0);
	CHECK_EQ_INT(v, 0);
	CHECK_EQ_INT(tg_json_get_int(b, n, "ab", &v), 0);
	CHECK_EQ_INT(v, 7);
	v = 99;
	CHECK_EQ_INT(tg_json_get_int(b, n, "over", &v), -2);
	CHECK_EQ_INT(tg_json_get_int(b, n, "under", &v), -2);
	CHECK_EQ_INT(tg_json_get_int(b, n, "big", &v), -2);
	CHECK_EQ_INT(tg_json_get_int(b, n, "frac", &v), -2);
	CHECK_EQ_INT(tg_json_get_int(b, n, "exp", &v), -2);
	CHECK_EQ_INT(tg_json_get_int(b, n, "user", &v), -2);
	CHECK_EQ_INT(tg_json_get_int(b, n, "t", &v), -2);
	CHECK_EQ_INT(tg_json_get_int(b, n, "z", &v), -2);
	CHECK_EQ_INT(tg_json_get_int(b, n, "missing", &v), -1);
	CHECK_EQ_INT(v, 99);

	CHECK_EQ_INT(tg_json_get_bool(b, n, "t", &bv), 0);
	CHECK_EQ_INT(bv, 1);
	CHECK_EQ_INT(tg_json_get_bool(b, n, "f", &bv), 0);
	CHECK_EQ_INT(bv, 0);
	bv = 5;
	CHECK_EQ_INT(tg_json_get_bool(b, n, "z", &bv), -2);
	CHECK_EQ_INT(tg_json_get_bool(b, n, "n", &bv), -2);
	CHECK_EQ_INT(tg_json_get_bool(b, n, "user", &bv), -2);
	CHECK_EQ_INT(tg_json_get_bool(b, n, "missing", &bv), -1);
	CHECK_EQ_INT(bv, 5);
	free(b);
}

/* getters on random bytes and on mutated objects: bounded answers, no crash (ASan) */
static void test_getters_any_input(void)
{
	static const char base[] = "{\"a\":\"x\\u00e9\",\"b\":12,\"c\":true}";
	static const char alphabet[] = "{}[]\",:\\u0123456789abcdef-+.eE \x80\xc3\xed\xf4";
	char buf[64], out[16];
	int i;

	for (i = 0; i < 20000; i++) {
		size_t n, k;
		char *b;
		int64_t v;
		int bv, rc;

		if (i & 1) {
			n = check_rand() % sizeof(buf);
			for (k = 0; k < n; k++)
				buf[k] = (char)check_rand();
		} else {
			n = sizeof(base) - 1;
			memcpy(buf, base, n);
			for (k = check_rand() % 4 + 1; k > 0; k--)
				buf[check_rand() % n] = alphabet[check_rand() % (sizeof(alphabet) - 1)];
			n -= check_rand() % 3;
		}
		b = heap_copy(buf, n);
		tg_json_flat_check(b, n, NULL, 0);
		rc = tg_json_get_str(b, n, "a", out, sizeof(out));
		CHECK(rc >= -2 && rc < (int)sizeof(out));
		if (rc >= 0)
			CHECK_EQ_INT(strlen(out), rc);
		rc = tg_json_get_int(b, n, "b", &v);
		CHECK(rc >= -2 && rc <= 0);
		rc = tg_json_get_bool(b, n, "c", &bv);
		CHECK(rc >= -2 && rc <= 0);
		free(b);
	}
}

/* ---- round trips ---- */

static void test_roundtrip_fixed(void)
{
	struct w w;
	char all[128], out[256], *b;
	size_t i;
	int64_t v;
	int bv;

	for (i = 1; i < 128; i++)
		all[i - 1] = (char)i;
	all[127] = '\0';

	w_init(&w, BIG);
	tg_json_obj(&w.j, NULL);
	tg_json_str(&w.j, "ascii", all);
	tg_json_str(&w.j, "html", "</script><!-- & -->");
	tg_json_str(&w.j, "utf8", "\xc3\xa9\xe2\x80\xa8\xe2\x80\xa9\xf0\x9f\x98\x80");
	tg_json_str(&w.j, "bad", "a\xff" "b\xe2\x82");
	tg_json_str(&w.j, "k\"ey\\<", "v");
	tg_json_int(&w.j, "min", INT64_MIN);
	tg_json_int(&w.j, "max", INT64_MAX);
	tg_json_num(&w.j, "num", -1234.5678, 3);
	tg_json_num(&w.j, "inf", INFINITY, 3);
	tg_json_num(&w.j, "huge", DBL_MAX, 2);
	tg_json_bool(&w.j, "yes", 1);
	tg_json_bool(&w.j, "no", 0);
	tg_json_null(&w.j, "nil");
	tg_json_obj_end(&w.j);
	CHECK_EQ_INT(tg_json_done(&w.j), 0);
	b = heap_copy(w.j.buf, w.j.len);

	CHECK(accepted_n(b, w.j.len));
	CHECK_EQ_INT(tg_json_get_str(b, w.j.len, "ascii", out, sizeof(out)), 127);
	CHECK_EQ_STR(out, all);
	CHECK_EQ_INT(tg_json_get_str(b, w.j.len, "html", out, sizeof(out)), 19);
	CHECK_EQ_STR(out, "</script><!-- & -->");
	CHECK_EQ_INT(tg_json_get_str(b, w.j.len, "utf8", out, sizeof(out)), 12);
	CHECK_EQ_STR(out, "\xc3\xa9\xe2\x80\xa8\xe2\x80\xa9\xf0\x9f\x98\x80");
	CHECK_EQ_INT(tg_json_get_str(b, w.j.len, "bad", out, sizeof(out)), 8);
	CHECK_EQ_STR(out, "a" FFFD "b" FFFD);
	CHECK_EQ_INT(tg_json_get_str(b, w.j.len, "k\"ey\\<", out, sizeof(out)), 1);
	CHECK_EQ_INT(tg_json_get_int(b, w.j.len, "min", &v), 0);
	CHECK(v == INT64_MIN);
	CHECK_EQ_INT(tg_json_get_int(b, w.j.len, "max", &v), 0);
	CHECK(v == INT64_MAX);
	CHECK_EQ_INT(tg_json_get_int(b, w.j.len, "num", &v), -2);
	CHECK_EQ_INT(tg_json_get_int(b, w.j.len, "huge", &v), -2);
	CHECK_EQ_INT(tg_json_get_str(b, w.j.len, "inf", out, sizeof(out)), -2);
	CHECK_EQ_INT(tg_json_get_bool(b, w.j.len, "inf", &bv), -2);
	CHECK_EQ_INT(tg_json_get_bool(b, w.j.len, "yes", &bv), 0);
	CHECK_EQ_INT(bv, 1);
	CHECK_EQ_INT(tg_json_get_bool(b, w.j.len, "no", &bv), 0);
	CHECK_EQ_INT(bv, 0);
	CHECK_EQ_INT(tg_json_get_bool(b, w.j.len, "nil", &bv), -2);
	CHECK(strstr(w.j.buf, "\"num\":-1234.568") != NULL);
	free(b);
	w_free(&w);
}

/* a random scalar value (not a surrogate, not NUL) as UTF-8 */
static size_t rand_char(unsigned char *o)
{
	uint32_t cp;

	switch (check_rand() % 4) {
	case 0: cp = 1 + (uint32_t)(check_rand() % 0x7f); break;
	case 1: cp = 0x80 + (uint32_t)(check_rand() % (0x800 - 0x80)); break;
	case 2:
		do
			cp = 0x800 + (uint32_t)(check_rand() % (0x10000 - 0x800));
		while (cp >= 0xd800 && cp <= 0xdfff);
		break;
	default: cp = 0x10000 + (uint32_t)(check_rand() % (0x110000 - 0x10000)); break;
	}
	if (cp < 0x80) {
		o[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (unsigned char)(0xc0 | cp >> 6);
		o[1] = (unsigned char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (unsigned char)(0xe0 | cp >> 12);
		o[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		o[2] = (unsigned char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (unsigned char)(0xf0 | cp >> 18);
	o[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3f));
	o[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
	o[3] = (unsigned char)(0x80 | (cp & 0x3f));
	return 4;
}

/*
 * Random objects of valid UTF-8 strings (any character but NUL) and
 * integers: the reader gives back exactly what was written.  Random raw
 * bytes (invalid UTF-8 too) always give an object the reader accepts.
 */
static void test_roundtrip_random(void)
{
	enum { KEYS = 8, SLEN = 48 };
	int round;

	for (round = 0; round < 2000; round++) {
		char keys[KEYS][SLEN + 8], vals[KEYS][SLEN + 8], out[SLEN + 8], *b;
		int64_t ints[KEYS], v;
		int nk = 1 + (int)(check_rand() % KEYS), i, raw = round % 4 == 3;
		struct w w;

		w_init(&w, BIG);
		tg_json_obj(&w.j, NULL);
		for (i = 0; i < nk; i++) {
			size_t len = 0, target = check_rand() % SLEN;

			/* unique keys: a distinct ASCII prefix */
			len = (size_t)snprintf(keys[i], sizeof(keys[i]), "%d:", i);
			while (len < target)
				len += rand_char((unsigned char *)keys[i] + len);
			keys[i][len] = '\0';
			len = 0;
			target = check_rand() % SLEN;
			while (len < target) {
				if (raw)
					vals[i][len++] = (char)(1 + check_rand() % 255);
				else
					len += rand_char((unsigned char *)vals[i] + len);
			}
			vals[i][len] = '\0';
			ints[i] = (int64_t)check_rand();
			if (i % 2) {
				tg_json_str(&w.j, keys[i], vals[i]);
			} else {
				tg_json_int(&w.j, keys[i], ints[i]);
			}
		}
		tg_json_obj_end(&w.j);
		CHECK_EQ_INT(tg_json_done(&w.j), 0);
		b = heap_copy(w.j.buf, w.j.len);
		CHECK(accepted_n(b, w.j.len));
		for (i = 0; i < nk && !raw; i++) {
			if (i % 2) {
				int rc = tg_json_get_str(b, w.j.len, keys[i], out, sizeof(out));

				CHECK_EQ_INT(rc, strlen(vals[i]));
				CHECK_EQ_STR(out, vals[i]);
			} else {
				CHECK_EQ_INT(tg_json_get_int(b, w.j.len, keys[i], &v), 0);
				CHECK(v == ints[i]);
			}
		}
		free(b);
		w_free(&w);
		if (check_failed_now) {
			fprintf(stderr, "  round %d\n", round);
			break;
		}
	}
}

int main(void)
{
	check_seed();
	RUN(test_writer_basic);
	RUN(test_writer_escapes);
	RUN(test_writer_bad_utf8);
	RUN(test_writer_numbers);
	RUN(test_writer_overflow);
	RUN(test_writer_depth);
	RUN(test_writer_misuse);
	RUN(test_reader_accepts);
	RUN(test_reader_refusals);
	RUN(test_reader_prefixes);
	RUN(test_get_str);
	RUN(test_get_int_bool);
	RUN(test_getters_any_input);
	RUN(test_roundtrip_fixed);
	RUN(test_roundtrip_random);
	return check_exit();
}
