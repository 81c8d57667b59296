/*
 * conf.c - strict configuration parsing with line-numbered errors.
 *
 * tg_conf_parse() is pure and allocation-free: each line is split into a
 * stack scratch buffer (unquoted, NUL-separated arguments) and handed to
 * the keyword's handler as (argc, argv) where argv[0..argc) are the
 * arguments after the keyword and argv[argc] is NULL.  Everything is
 * bounded by TG_CONF_FILE_MAX, TG_CONF_LINE_MAX and TG_CONF_ARGS_MAX; no
 * input makes it read outside (buf, len).
 *
 * Line endings: '\n'; a '\r' just before it (or at the end of the buffer)
 * is dropped, so CRLF files parse; a final line without '\n' is parsed.
 */
#include "conf.h"

#include "fileio.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ct.h"

/* Keyword tables are small; this bounds the per-key bookkeeping on the stack. */
#define CONF_KEYS_MAX 128
/* Longest piece of an input value echoed back into a message. */
#define CONF_ECHO_MAX 64

/* "'%.64s%s'" shows at most CONF_ECHO_MAX bytes of a value, then "..." */
#define ECHO(s) (s), (strlen(s) > CONF_ECHO_MAX ? "..." : "")


/* Append s to dst[0..cap), keeping it NUL-terminated; truncates silently. */
static void append(char *dst, size_t cap, const char *s)
{
	size_t n = strlen(dst);

	if (n + 1 >= cap)
		return;
	while (*s && n + 1 < cap)
		dst[n++] = *s++;
	dst[n] = '\0';
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/*
 * Split line[0..n) into argv, with the unquoted text in out[0..outcap).
 * Returns the number of words (keyword included), or -1 with a message.
 * Each word takes at most its input length + 1 bytes of out (quotes and
 * escapes only shrink it, and words are separated by at least one byte),
 * so outcap = n + 2 always suffices; the checks below are belt and braces.
 */
static int split_line(const char *line, size_t n, char *out, size_t outcap, char **argv, char *msg,
                      size_t msglen)
{
	size_t i, o = 0;
	int argc = 0;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)line[i];

		if (c == 0) {
			tg_seterr(msg, msglen, "NUL byte in line (column %zu)", i + 1);
			return -1;
		}
		if ((c < 0x20 && c != '\t') || c == 0x7f) {
			tg_seterr(msg, msglen, "control character 0x%02x in line (column %zu)", c,
			       i + 1);
			return -1;
		}
	}

	i = 0;
	for (;;) {
		while (i < n && is_blank(line[i]))
			i++;
		if (i >= n || line[i] == '#')
			break;
		if (argc > TG_CONF_ARGS_MAX) {
			tg_seterr(msg, msglen, "too many arguments (at most %d)", TG_CONF_ARGS_MAX);
			return -1;
		}
		argv[argc++] = out + o;
		if (line[i] == '"') {
			i++;
			for (;;) {
				char c;

				if (i >= n) {
					tg_seterr(msg, msglen, "unterminated quote");
					return -1;
				}
				c = line[i++];
				if (c == '"')
					break;
				if (c == '\\') {
					if (i >= n) {
						tg_seterr(msg, msglen, "unterminated quote");
						return -1;
					}
					c = line[i++];
					if (c != '"' && c != '\\') {
						tg_seterr(msg, msglen,
						       "unknown escape '\\%c' in quotes (only \\\" "
						       "and \\\\)",
						       c);
						return -1;
					}
				}
				if (o + 1 >= outcap)
					goto too_long;
				out[o++] = c;
			}
			if (i < n && !is_blank(line[i]) && line[i] != '#') {
				tg_seterr(msg, msglen,
				       "expected a space after the closing quote, got '%c'",
				       line[i]);
				return -1;
			}
		} else {
			while (i < n && !is_blank(line[i]) && line[i] != '#') {
				if (line[i] == '"') {
					tg_seterr(msg, msglen,
					       "unexpected quote inside a word (quote the whole "
					       "argument)");
					return -1;
				}
				if (o + 1 >= outcap)
					goto too_long;
				out[o++] = line[i++];
			}
		}
		if (o >= outcap)
			goto too_long;
		out[o++] = '\0';
	}
	argv[argc] = NULL;
	return argc;

too_long:
	tg_seterr(msg, msglen, "line longer than %d bytes", TG_CONF_LINE_MAX);
	return -1;
}

static void argcount_msg(const struct tg_conf_key *k, int got, char *msg, size_t msglen)
{
	if (k->min_args == k->max_args)
		tg_seterr(msg, msglen, "'%s' expects %d argument%s, got %d", k->name, k->min_args,
		       k->min_args == 1 ? "" : "s", got);
	else
		tg_seterr(msg, msglen, "'%s' expects %d to %d arguments, got %d", k->name, k->min_args,
		       k->max_args, got);
}

static void unknown_msg(const char *word, const struct tg_conf_key *keys, char *msg, size_t msglen)
{
	size_t i;

	tg_seterr(msg, msglen, "unknown keyword '%.64s%s' (expected one of: ", ECHO(word));
	for (i = 0; keys[i].name; i++) {
		if (i)
			append(msg, msglen, ", ");
		append(msg, msglen, keys[i].name);
	}
	append(msg, msglen, ")");
}

int tg_conf_parse(const char *buf, size_t len, const char *fname, const struct tg_conf_key *keys,
                  void *ctx, char *err, size_t errlen)
{
	unsigned first_line[CONF_KEYS_MAX];
	char scratch[TG_CONF_LINE_MAX + 2];
	char *argv[TG_CONF_ARGS_MAX + 2];
	char msg[TG_CONF_ERR_MAX];
	size_t nkeys, pos = 0, k;
	unsigned lineno = 0;

	if (err && errlen)
		err[0] = '\0';
	if (!fname)
		fname = "(config)";
	if (!keys) {
		tg_seterr(err, errlen, "%s: no keyword table", fname);
		return -1;
	}
	for (nkeys = 0; keys[nkeys].name; nkeys++) {
		if (nkeys >= CONF_KEYS_MAX) {
			tg_seterr(err, errlen, "%s: keyword table larger than %d entries", fname,
			       CONF_KEYS_MAX);
			return -1;
		}
	}
	if (len > TG_CONF_FILE_MAX) {
		tg_seterr(err, errlen, "%s: larger than %d bytes", fname, TG_CONF_FILE_MAX);
		return -1;
	}
	if (!buf && len) {
		tg_seterr(err, errlen, "%s: no buffer", fname);
		return -1;
	}
	memset(first_line, 0, sizeof(first_line));

	while (pos < len) {
		const char *line = buf + pos;
		const char *nl = memchr(line, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - line) : len - pos;
		const struct tg_conf_key *key = NULL;
		int argc, nargs;

		pos += n + (nl ? 1 : 0);
		lineno++;
		if (n && line[n - 1] == '\r')
			n--;
		if (n > TG_CONF_LINE_MAX) {
			tg_seterr(err, errlen, "%s:%u: line longer than %d bytes", fname, lineno,
			       TG_CONF_LINE_MAX);
			return -1;
		}

		msg[0] = '\0';
		argc = split_line(line, n, scratch, sizeof(scratch), argv, msg, sizeof(msg));
		if (argc < 0)
			goto fail_line;
		if (argc == 0)
			continue;

		for (k = 0; k < nkeys; k++) {
			if (strcmp(keys[k].name, argv[0]) == 0) {
				key = &keys[k];
				break;
			}
		}
		if (!key) {
			unknown_msg(argv[0], keys, msg, sizeof(msg));
			goto fail_line;
		}
		nargs = argc - 1;
		if (nargs < key->min_args || nargs > key->max_args) {
			argcount_msg(key, nargs, msg, sizeof(msg));
			goto fail_line;
		}
		if (first_line[k] && !(key->flags & TG_CONF_MULTI)) {
			tg_seterr(msg, sizeof(msg), "'%s' given twice (first on line %u)", key->name,
			       first_line[k]);
			goto fail_line;
		}
		if (!first_line[k])
			first_line[k] = lineno;
		if (key->handler) {
			msg[0] = '\0';
			if (key->handler(ctx, nargs, argv + 1, msg, sizeof(msg)) != 0) {
				msg[sizeof(msg) - 1] = '\0';
				if (!msg[0])
					tg_seterr(msg, sizeof(msg), "invalid arguments for '%s'",
					       key->name);
				goto fail_line;
			}
		}
		continue;

	fail_line:
		tg_seterr(err, errlen, "%s:%u: %s", fname, lineno, msg);
		tg_wipe(scratch, sizeof(scratch));
		return -1;
	}
	tg_wipe(scratch, sizeof(scratch));

	for (k = 0; k < nkeys; k++) {
		if ((keys[k].flags & TG_CONF_REQUIRED) && !first_line[k]) {
			tg_seterr(err, errlen, "%s: missing required keyword '%s'", fname,
			       keys[k].name);
			return -1;
		}
	}
	return 0;
}

static char load_buf[TG_CONF_FILE_MAX + 1];

int tg_conf_load(const char *path, const struct tg_conf_key *keys, void *ctx, char *err,
                 size_t errlen)
{
	struct stat st;
	size_t total;
	ssize_t got;
	int fd, rc;

	/* O_NONBLOCK: a FIFO put in place of the file must not hang us before fstat */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		tg_seterr(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0) {
		tg_seterr(err, errlen, "%s: fstat: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		tg_seterr(err, errlen, "%s: not a regular file", path);
		close(fd);
		return -1;
	}
	/* read one byte more than allowed to tell "exactly the limit" from "too large" */
	got = tg_read_full(fd, load_buf, sizeof(load_buf));
	if (got < 0) {
		tg_seterr(err, errlen, "%s: read: %s", path, strerror(errno));
		close(fd);
		tg_wipe(load_buf, sizeof(load_buf)); /* whatever part was read */
		return -1;
	}
	close(fd);
	total = (size_t)got;
	if (total > TG_CONF_FILE_MAX) {
		tg_seterr(err, errlen, "%s: larger than %d bytes", path, TG_CONF_FILE_MAX);
		tg_wipe(load_buf, total);
		return -1;
	}
	rc = tg_conf_parse(load_buf, total, path, keys, ctx, err, errlen);
	tg_wipe(load_buf, total);
	return rc;
}

/* Decimal digits only, at least one, no sign or space; 0 and *out, or -1 (form or overflow). */
static int parse_digits(const char *s, uint64_t *out)
{
	uint64_t v = 0;

	if (!*s)
		return -1;
	for (; *s; s++) {
		unsigned d;

		if (*s < '0' || *s > '9')
			return -1;
		d = (unsigned)(*s - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

int tg_conf_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out, char *err, size_t errlen)
{
	uint64_t v;

	if (!s || parse_digits(s, &v) < 0 || v < min || v > max) {
		tg_seterr(err, errlen, "expected an integer from %llu to %llu, got '%.64s%s'",
		       (unsigned long long)min, (unsigned long long)max, ECHO(s ? s : ""));
		return -1;
	}
	*out = v;
	return 0;
}

int tg_conf_i64(const char *s, int64_t min, int64_t max, int64_t *out, char *err, size_t errlen)
{
	uint64_t mag;
	int64_t v;
	int neg;

	if (!s)
		goto bad;
	neg = s[0] == '-';
	if (parse_digits(s + neg, &mag) < 0)
		goto bad;
	if (neg) {
		if (mag > (uint64_t)INT64_MAX + 1)
			goto bad;
		/* -(mag) without overflow for mag == 2^63 */
		v = mag == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)mag;
	} else {
		if (mag > (uint64_t)INT64_MAX)
			goto bad;
		v = (int64_t)mag;
	}
	if (v < min || v > max)
		goto bad;
	*out = v;
	return 0;

bad:
	tg_seterr(err, errlen, "expected an integer from %lld to %lld, got '%.64s%s'", (long long)min,
	       (long long)max, ECHO(s ? s : ""));
	return -1;
}

int tg_conf_bool(const char *s, int *out, char *err, size_t errlen)
{
	static const char *const yes[] = {"yes", "on", "true", "1"};
	static const char *const no[] = {"no", "off", "false", "0"};
	size_t i;

	for (i = 0; s && i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcmp(s, yes[i]) == 0) {
			*out = 1;
			return 0;
		}
		if (strcmp(s, no[i]) == 0) {
			*out = 0;
			return 0;
		}
	}
	tg_seterr(err, errlen, "expected yes/no, on/off, true/false or 1/0, got '%.64s%s'",
	       ECHO(s ? s : ""));
	return -1;
}

int tg_conf_choice(const char *s, const char *const *choices, int *out, char *err, size_t errlen)
{
	char tail[CONF_ECHO_MAX + 16];
	int i;

	for (i = 0; s && choices && choices[i]; i++) {
		if (strcmp(s, choices[i]) == 0) {
			*out = i;
			return 0;
		}
	}
	tg_seterr(err, errlen, "expected one of:");
	for (i = 0; choices && choices[i]; i++) {
		append(err, errlen, i ? ", " : " ");
		append(err, errlen, choices[i]);
	}
	/* keep the value seen even when the list was long */
	snprintf(tail, sizeof(tail), "; got '%.64s%s'", ECHO(s ? s : ""));
	if (err && errlen > strlen(tail)) {
		size_t n = strlen(err);

		if (n + strlen(tail) >= errlen)
			n = errlen - 1 - strlen(tail);
		err[n] = '\0';
		append(err, errlen, tail);
	}
	return -1;
}

int tg_conf_str(const char *s, char *dst, size_t dstlen, char *err, size_t errlen)
{
	size_t n;

	if (!s) {
		tg_seterr(err, errlen, "expected a string");
		return -1;
	}
	n = strlen(s);
	if (!dst || n >= dstlen) {
		tg_seterr(err, errlen, "expected at most %zu bytes, got %zu ('%.64s%s')",
		       dstlen ? dstlen - 1 : 0, n, ECHO(s));
		return -1;
	}
	memcpy(dst, s, n + 1);
	return 0;
}
