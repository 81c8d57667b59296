/*
 * cfgbackup.c - the site configuration's backup file (GET
 * /api/config/backup, POST /api/config/restore): format and strict parse.
 *
 * The file is text the operator keeps beside the device (design.md D):
 *
 *   timegate-config 1\n
 *   file NAME LENGTH\n          once per file, NAME [a-z0-9._-]{1,31},
 *   <exactly LENGTH bytes>\n    LENGTH decimal, 0..65536, no leading zero
 *   ...
 *   sha256 HEX\n                64 lowercase hex digits: SHA-256 of every
 *                               byte before this line
 *
 * Lengths rather than delimiters, so a file's text passes through
 * untouched whatever it holds; the checksum catches a copy that was cut
 * short or edited by hand (a restore is all or nothing, and a damaged
 * timed.conf that still parses would be worse than a refusal).  The final
 * newline may be missing (editors strip it; it is not covered by the
 * checksum anyway); nothing may follow it.
 *
 * Pure: no I/O, no allocation; the parsed files point into the caller's
 * buffer.  Errors name the line (1-based, counting every newline of the
 * buffer, the files' own lines included), what was expected and what was
 * seen (at most 32 bytes, non-printable bytes as \xNN).
 */
#include "consoled/consoled.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <bearssl_hash.h>

#define HEADER       "timegate-config 1"
#define FILE_LEN_MAX 65536
#define FILES_MAX    CD_BACKUP_FILES_MAX
#define NAME_MAX_LEN (CD_BACKUP_NAME_LEN - 1)

static int name_ok(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > (size_t)NAME_MAX_LEN)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '.' ||
		      s[i] == '_' || s[i] == '-'))
			return 0;
	return 1;
}

/* line number of byte offset pos: 1 + the newlines before it */
static unsigned line_of(const char *buf, size_t pos)
{
	unsigned n = 1;
	size_t i;

	for (i = 0; i < pos; i++)
		n += buf[i] == '\n';
	return n;
}

/* p[0..n) for a message: at most 32 bytes, quoted, non-printable bytes as \xNN */
static void seen(const char *p, size_t n, char *out, size_t cap)
{
	size_t i, o = 0;

	if (cap < 8) {
		if (cap)
			out[0] = '\0';
		return;
	}
	out[o++] = '\'';
	for (i = 0; i < n && i < 32 && o + 8 < cap; i++) {
		unsigned char ch = (unsigned char)p[i];

		if (ch >= 0x20 && ch < 0x7f && ch != '\\' && ch != '\'')
			out[o++] = (char)ch;
		else
			o += (size_t)snprintf(out + o, cap - o, "\\x%02x", ch);
	}
	if (i < n && o + 4 < cap) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o++] = '\'';
	out[o] = '\0';
}

/* "backup line N: " and the message into err; always -1 */
__attribute__((format(printf, 5, 6))) static int bad(const char *buf, size_t pos, char *err,
                                                      size_t errlen, const char *fmt, ...)
{
	va_list ap;
	int k;

	if (!err || errlen == 0)
		return -1;
	k = snprintf(err, errlen, "backup line %u: ", line_of(buf, pos));
	if (k < 0 || (size_t)k >= errlen)
		return -1;
	va_start(ap, fmt);
	vsnprintf(err + k, errlen - (size_t)k, fmt, ap);
	va_end(ap);
	return -1;
}

/* decimal 0..FILE_LEN_MAX, canonical (no sign, no leading zero): 0 with *v, or -1 */
static int parse_len(const char *s, size_t n, size_t *v)
{
	size_t i, x = 0;

	if (n == 0 || n > 5 || (n > 1 && s[0] == '0'))
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		x = x * 10 + (size_t)(s[i] - '0');
	}
	if (x > FILE_LEN_MAX)
		return -1;
	*v = x;
	return 0;
}

static void to_hex(const uint8_t *b, size_t n, char *out)
{
	static const char d[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = d[b[i] >> 4];
		out[2 * i + 1] = d[b[i] & 15];
	}
	out[2 * n] = '\0';
}

/* "file NAME LENGTH" at line[0..n): 0 with f->name and *flen, or -1 with err */
static int file_line(const char *buf, size_t pos, size_t n, const struct cd_backup *b,
                     struct cd_backup_file *f, size_t *flen, char *err, size_t errlen)
{
	const char *line = buf + pos, *name, *sp;
	size_t nlen;
	char s[200];
	int i;

	name = line + 5;
	sp = memchr(name, ' ', n - 5);
	if (!sp) {
		seen(line, n, s, sizeof(s));
		return bad(buf, pos, err, errlen, "expected 'file NAME LENGTH', got %s", s);
	}
	nlen = (size_t)(sp - name);
	if (!name_ok(name, nlen)) {
		seen(name, nlen, s, sizeof(s));
		return bad(buf, pos, err, errlen,
		           "expected a file name of 1 to %d characters of a-z, 0-9, '.', '_' and "
		           "'-', got %s",
		           NAME_MAX_LEN, s);
	}
	if (parse_len(sp + 1, n - 5 - nlen - 1, flen) < 0) {
		seen(sp + 1, n - 5 - nlen - 1, s, sizeof(s));
		return bad(buf, pos, err, errlen,
		           "file %.*s: expected its length in bytes, 0 to %d without leading "
		           "zeros, got %s",
		           (int)nlen, name, FILE_LEN_MAX, s);
	}
	memcpy(f->name, name, nlen);
	f->name[nlen] = '\0';
	for (i = 0; i < b->n; i++)
		if (strcmp(b->f[i].name, f->name) == 0)
			return bad(buf, pos, err, errlen, "file %s appears twice", f->name);
	if (b->n == FILES_MAX)
		return bad(buf, pos, err, errlen, "file %s: more than %d files", f->name, FILES_MAX);
	return 0;
}

/* the "sha256 HEX" line at pos (the rest of the buffer) over buf[0..pos) */
static int sum_line(const char *buf, size_t len, size_t pos, char *err, size_t errlen)
{
	const char *line = buf + pos;
	size_t n = len - pos, i;
	br_sha256_context sc;
	uint8_t h[32];
	char want[65], s[200];

	/* "sha256 " + 64 digits, then a newline or nothing */
	if (n < 7 + 64 || (n > 7 + 64 && line[7 + 64] != '\n')) {
		size_t end = n;
		const char *nl = memchr(line, '\n', n);

		if (nl)
			end = (size_t)(nl - line);
		seen(line + 7, end - 7, s, sizeof(s));
		return bad(buf, pos, err, errlen, "expected 'sha256' and 64 lowercase hex digits, got %s",
		           s);
	}
	for (i = 0; i < 64; i++) {
		char ch = line[7 + i];

		if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f'))) {
			seen(line + 7, 64, s, sizeof(s));
			return bad(buf, pos, err, errlen,
			           "expected 'sha256' and 64 lowercase hex digits, got %s", s);
		}
	}
	if (n > 7 + 64 + 1)
		return bad(buf, pos + 7 + 64 + 1, err, errlen,
		           "nothing may follow the sha256 line, got %zu more bytes", n - 7 - 64 - 1);
	br_sha256_init(&sc);
	br_sha256_update(&sc, buf, pos);
	br_sha256_out(&sc, h);
	to_hex(h, sizeof(h), want);
	if (memcmp(want, line + 7, 64) != 0)
		return bad(buf, pos, err, errlen,
		           "sha256 checksum mismatch: the backup was changed or damaged since it "
		           "was made (its content hashes to %.16s..., the file says %.16s...)",
		           want, line + 7);
	return 0;
}

static int parse(const char *buf, size_t len, struct cd_backup *b, char *err, size_t errlen)
{
	size_t pos, hl = sizeof(HEADER) - 1;
	const char *nl;
	char s[200];

	if (err && errlen)
		err[0] = '\0';
	memset(b, 0, sizeof(*b));
	if (!buf)
		len = 0;
	nl = len ? memchr(buf, '\n', len) : NULL;
	if (!nl || (size_t)(nl - buf) != hl || memcmp(buf, HEADER, hl) != 0) {
		size_t n = nl ? (size_t)(nl - buf) : len;

		if (len == 0)
			return bad("", 0, err, errlen, "expected '" HEADER "', got an empty file");
		if (n == hl && memcmp(buf, HEADER, hl) == 0)
			return bad(buf, 0, err, errlen,
			           "expected a newline after '" HEADER "' (cut short?)");
		if (n > 16 && memcmp(buf, "timegate-config ", 16) == 0) {
			seen(buf + 16, n - 16, s, sizeof(s));
			return bad(buf, 0, err, errlen,
			           "backup format version %s is not supported (expected 1)", s);
		}
		seen(buf, n, s, sizeof(s));
		return bad(buf, 0, err, errlen, "expected '" HEADER "', got %s", s);
	}
	pos = hl + 1;
	for (;;) {
		struct cd_backup_file f;
		size_t n, flen = 0;

		if (pos == len)
			return bad(buf, pos, err, errlen,
			           "the backup ends without its 'sha256 HEX' line (cut short?)");
		if (len - pos >= 7 && memcmp(buf + pos, "sha256 ", 7) == 0)
			break;
		nl = memchr(buf + pos, '\n', len - pos);
		n = nl ? (size_t)(nl - (buf + pos)) : len - pos;
		if (n < 5 || memcmp(buf + pos, "file ", 5) != 0 || !nl) {
			seen(buf + pos, n, s, sizeof(s));
			if (n >= 5 && memcmp(buf + pos, "file ", 5) == 0)
				return bad(buf, pos, err, errlen,
				           "expected a newline after %s (cut short?)", s);
			return bad(buf, pos, err, errlen,
			           "expected 'file NAME LENGTH' or 'sha256 HEX', got %s", s);
		}
		memset(&f, 0, sizeof(f));
		if (file_line(buf, pos, n, b, &f, &flen, err, errlen) < 0)
			return -1;
		pos += n + 1;
		if (len - pos < flen + 1)
			return bad(buf, pos - n - 1, err, errlen,
			           "file %s: expected %zu bytes and a newline, the backup has %zu "
			           "bytes left (cut short?)",
			           f.name, flen, len - pos);
		if (buf[pos + flen] != '\n') {
			seen(buf + pos + flen, len - pos - flen, s, sizeof(s));
			return bad(buf, pos + flen, err, errlen,
			           "file %s: expected a newline after its %zu bytes, got %s "
			           "(its length is wrong?)",
			           f.name, flen, s);
		}
		f.data = buf + pos;
		f.len = flen;
		b->f[b->n++] = f;
		pos += flen + 1;
	}
	return sum_line(buf, len, pos, err, errlen);
}

int cd_backup_parse(const char *buf, size_t len, struct cd_backup *b, char *err, size_t errlen)
{
	if (parse(buf, len, b, err, errlen) == 0)
		return 0;
	memset(b, 0, sizeof(*b)); /* nothing half-parsed to act on */
	return -1;
}

long cd_backup_format(const struct cd_backup *b, char *out, size_t cap)
{
	br_sha256_context sc;
	size_t o, k;
	uint8_t h[32];
	char hx[65];
	int i, j, w;

	if (b->n < 0 || b->n > FILES_MAX)
		return -1;
	for (i = 0; i < b->n; i++) {
		const struct cd_backup_file *f = &b->f[i];

		if (!name_ok(f->name, strnlen(f->name, sizeof(f->name))) || f->len > FILE_LEN_MAX ||
		    (f->len && !f->data))
			return -1;
		for (j = 0; j < i; j++)
			if (strcmp(b->f[j].name, f->name) == 0)
				return -1;
	}
	w = snprintf(out, cap, "%s\n", HEADER);
	if (w < 0 || (size_t)w >= cap)
		return -1;
	o = (size_t)w;
	for (i = 0; i < b->n; i++) {
		const struct cd_backup_file *f = &b->f[i];

		w = snprintf(out + o, cap - o, "file %s %zu\n", f->name, f->len);
		if (w < 0 || (size_t)w >= cap - o)
			return -1;
		o += (size_t)w;
		if (cap - o < f->len + 1)
			return -1;
		if (f->len)
			memcpy(out + o, f->data, f->len);
		o += f->len;
		out[o++] = '\n';
	}
	br_sha256_init(&sc);
	br_sha256_update(&sc, out, o);
	br_sha256_out(&sc, h);
	to_hex(h, sizeof(h), hx);
	k = 7 + 64 + 1;
	if (cap - o < k + 1)
		return -1;
	o += (size_t)snprintf(out + o, cap - o, "sha256 %s\n", hx);
	return (long)o;
}
