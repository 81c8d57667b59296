/*
 * conf.h - strict configuration parsing with line-numbered errors.
 *
 * File format (the same for every daemon):
 *   - one directive per line: a keyword followed by whitespace-separated
 *     arguments; '#' starts a comment (outside quotes); blank lines ignored;
 *   - an argument may be double-quoted to contain spaces; inside quotes
 *     \" and \\ are the only escapes;
 *   - lines are at most TG_CONF_LINE_MAX bytes, at most TG_CONF_ARGS_MAX
 *     arguments; NUL bytes and other control characters (except tab) are
 *     errors, as are unknown keywords, wrong argument counts, a keyword
 *     given twice unless TG_CONF_MULTI, and a missing TG_CONF_REQUIRED one.
 *
 * Every error names the file, the line and what was expected, e.g.
 *   "/data/timed.conf:12: 'baud' expects one of 4800 9600 ... , got '1234'"
 *
 * tg_conf_parse() is pure: it reads (buf, len), calls the keyword handlers,
 * and never allocates.  Handlers get the arguments in a scratch array that
 * is only valid during the call (copy what you keep): argv[0..argc) are the
 * arguments after the keyword, argv[argc] is NULL.
 */
#ifndef TG_CONF_H
#define TG_CONF_H

#include <stddef.h>
#include <stdint.h>

#define TG_CONF_LINE_MAX 1024
#define TG_CONF_ARGS_MAX 16
#define TG_CONF_FILE_MAX (256 * 1024)
#define TG_CONF_ERR_MAX 256

enum {
	TG_CONF_REQUIRED = 1u << 0, /* must appear at least once */
	TG_CONF_MULTI = 1u << 1,    /* may appear more than once */
};

/*
 * A keyword handler.  Return 0 on success; on failure write a message
 * naming what was expected into err (without file/line: the parser
 * prefixes them) and return -1.
 */
typedef int (*tg_conf_handler)(void *ctx, int argc, char **argv, char *err, size_t errlen);

struct tg_conf_key {
	const char *name;
	int min_args;
	int max_args;
	unsigned flags;
	tg_conf_handler handler;
};

/*
 * Parse buf[0..len) as configuration.  keys is terminated by an entry with
 * name == NULL.  fname is used in messages only.  Returns 0, or -1 with
 * "fname:line: message" in err.
 */
int tg_conf_parse(const char *buf, size_t len, const char *fname, const struct tg_conf_key *keys,
		  void *ctx, char *err, size_t errlen);

/* Read the file (at most TG_CONF_FILE_MAX bytes) and parse it. */
int tg_conf_load(const char *path, const struct tg_conf_key *keys, void *ctx, char *err,
		 size_t errlen);

/*
 * Argument helpers for handlers: each returns 0, or -1 with a message
 * naming the expected form in err.
 */
int tg_conf_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out, char *err, size_t errlen);
int tg_conf_i64(const char *s, int64_t min, int64_t max, int64_t *out, char *err, size_t errlen);
/* yes/no, on/off, true/false, 1/0 */
int tg_conf_bool(const char *s, int *out, char *err, size_t errlen);
/* s must be one of the NULL-terminated choices; *out is its index. */
int tg_conf_choice(const char *s, const char *const *choices, int *out, char *err, size_t errlen);
/* Copy s into dst (size dstlen) or fail if it does not fit. */
int tg_conf_str(const char *s, char *dst, size_t dstlen, char *err, size_t errlen);

#endif
