/*
 * json.h - JSON for the web console: a writer into a caller's buffer and a
 * strict reader of the flat objects clients send (pure, allocation-free).
 *
 * Writer.  The console renders every API answer with it, into a fixed
 * buffer, so it must never overflow and never emit something that is not
 * JSON (RFC 8259):
 *   - strings (values and keys) are escaped: '"', '\\', control bytes
 *     (0x00-0x1f, 0x7f) as \u00XX, and '<', '>', '&' as \u003c, \u003e,
 *     \u0026, U+2028 and U+2029 as \u2028, \u2029, so the text stays
 *     inert if a browser ever sniffs it as HTML or a script; bytes that
 *     are not well-formed UTF-8 are each replaced (per maximal ill-formed
 *     subpart, the Unicode recommendation) by U+FFFD, so the output is
 *     always valid UTF-8 whatever a string held;
 *   - tg_json_int writes an int64 exactly; tg_json_num a double with a
 *     fixed number of decimals (0..17, clamped; "-0.00" is written "0.00"),
 *     NaN and infinities as null;
 *   - errors are sticky (BearSSL style): the first one is kept in j->err
 *     and every later call does nothing, so a caller writes a whole answer
 *     and checks once, with tg_json_done();
 *   - an item that does not fit is not written at all, so j->buf always
 *     holds the items that fitted, NUL-terminated (j->len < j->cap);
 *   - misuse is an error too: a key inside an array or at the top level,
 *     no key inside an object, closing what is not open or the wrong kind,
 *     more than TG_JSON_MAX_DEPTH nested containers, a second top-level
 *     value, tg_json_done() with containers open or nothing written.
 * A NULL string (tg_json_str/strn) is written as null: optional fields
 * need no branch at the caller.
 *
 * Reader.  Request bodies are flat objects, {"k": "v" | number | true |
 * false | null, ...}; tg_json_flat_check() accepts exactly that and
 * nothing looser: one object, RFC 8259 whitespace (SP HTAB LF CR) only,
 * nothing after it, no nested object or array, no duplicate key (compared
 * after decoding escapes), at most TG_JSON_MAX_KEYS keys, strings of
 * well-formed UTF-8 without raw control bytes, escapes from the RFC list
 * with \uXXXX surrogates only in pairs and never \u0000 (so a decoded
 * string is a C string), numbers per the JSON grammar.  Its message names
 * what was expected and what was seen, with the byte offset; keys are
 * echoed (printable ASCII, truncated), values never are (they may be
 * passwords).
 *
 * The getters find a key and decode its value.  The caller runs
 * tg_json_flat_check() on the body first; the getters still parse with
 * the same bounds-checked code, so on any other input they only answer
 * -1 (absent, also when the input breaks off before the key) or -2, and
 * with a duplicate key they see the first.
 */
#ifndef TG_JSON_H
#define TG_JSON_H

#include <stddef.h>
#include <stdint.h>

#define TG_JSON_MAX_DEPTH 16 /* nested containers in the writer */
#define TG_JSON_MAX_KEYS 64  /* keys of a flat object the reader accepts */
#define TG_JSON_MAX_DECIMALS 17

/* Values of struct tg_json .err (0: no error) */
enum {
	TG_JSON_ERR_FULL = 1, /* an item did not fit in the buffer */
	TG_JSON_ERR_USE = 2,  /* unbalanced or misplaced call, depth limit */
};

/*
 * The writer's state; the caller owns it and the buffer.  need_comma[d]
 * describes the container open at depth d + 1 (bit 0: it holds a value
 * already, bit 1: it is an array): callers do not touch it.
 */
struct tg_json {
	char *buf;
	size_t len, cap;
	int err;
	int depth;
	unsigned char need_comma[TG_JSON_MAX_DEPTH];
};

/* buf of cap bytes (cap 0 or buf NULL: everything fails with ERR_FULL). */
void tg_json_init(struct tg_json *j, char *buf, size_t cap);
/* key: the member name inside an object, NULL in arrays and at the top level. */
void tg_json_obj(struct tg_json *j, const char *key);
void tg_json_obj_end(struct tg_json *j);
void tg_json_arr(struct tg_json *j, const char *key);
void tg_json_arr_end(struct tg_json *j);
void tg_json_str(struct tg_json *j, const char *key, const char *s);
/* s[0..n), which may hold NUL bytes (written as \u0000). */
void tg_json_strn(struct tg_json *j, const char *key, const char *s, size_t n);
void tg_json_int(struct tg_json *j, const char *key, int64_t v);
void tg_json_num(struct tg_json *j, const char *key, double v, int decimals);
void tg_json_bool(struct tg_json *j, const char *key, int v);
void tg_json_null(struct tg_json *j, const char *key);
/*
 * 0: one complete, balanced value fitted (j->buf, j->len are the text);
 * -1: an error happened now or before (j->err says which).
 */
int tg_json_done(struct tg_json *j);

/* b[0..n) is a flat object as described above: 0, or -1 with err. */
int tg_json_flat_check(const char *b, size_t n, char *err, size_t errlen);

/*
 * The string value of key, decoded (escapes to UTF-8), NUL-terminated in
 * out[0..cap): its length; -1 key absent; -2 not a string, too long for
 * cap (length + 1 > cap), or \u0000.  out is "" on failure (cap > 0).
 */
int tg_json_get_str(const char *b, size_t n, const char *key, char *out, size_t cap);
/*
 * The integer value of key: 0 with *v; -1 absent; -2 not a number of the
 * form -?digits (no fraction or exponent: "1.0", "1e3" are refused) or
 * outside the int64 range.  *v is untouched on failure.
 */
int tg_json_get_int(const char *b, size_t n, const char *key, int64_t *v);
/* The boolean value of key: 0 with *v (1 true, 0 false); -1 absent; -2 not true/false. */
int tg_json_get_bool(const char *b, size_t n, const char *key, int *v);

#endif
