/*
 * fuzz_conf.c - libFuzzer harness over tg_conf_parse and the argument
 * helpers.  Invariants: no crash or sanitizer report; the error buffer
 * is always terminated; success leaves it empty; failure names the file.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "conf.h"

struct fctx {
	char user[32];
	uint64_t port;
	int64_t offset;
	int verbose;
	int baud;
	int nlisten;
};

static int h_user(void *ctx, int argc, char **argv, char *err, size_t errlen)
{
	struct fctx *c = ctx;

	(void)argc;
	return tg_conf_str(argv[0], c->user, sizeof(c->user), err, errlen);
}

static int h_listen(void *ctx, int argc, char **argv, char *err, size_t errlen)
{
	struct fctx *c = ctx;
	int i;

	for (i = 0; i < argc; i++)
		if (argv[i] == NULL)
			__builtin_trap();
	if (argv[argc] != NULL)
		__builtin_trap();
	(void)err;
	(void)errlen;
	c->nlisten++;
	return 0;
}

static int h_port(void *ctx, int argc, char **argv, char *err, size_t errlen)
{
	struct fctx *c = ctx;

	(void)argc;
	return tg_conf_u64(argv[0], 1, 65535, &c->port, err, errlen);
}

static int h_offset(void *ctx, int argc, char **argv, char *err, size_t errlen)
{
	struct fctx *c = ctx;

	(void)argc;
	return tg_conf_i64(argv[0], INT64_MIN, INT64_MAX, &c->offset, err, errlen);
}

static int h_verbose(void *ctx, int argc, char **argv, char *err, size_t errlen)
{
	struct fctx *c = ctx;

	(void)argc;
	return tg_conf_bool(argv[0], &c->verbose, err, errlen);
}

static int h_baud(void *ctx, int argc, char **argv, char *err, size_t errlen)
{
	static const char *const bauds[] = {"4800",  "9600",   "19200", "38400",
	                                    "57600", "115200", NULL};
	struct fctx *c = ctx;

	(void)argc;
	return tg_conf_choice(argv[0], bauds, &c->baud, err, errlen);
}

static const struct tg_conf_key keys[] = {
    {"user", 1, 1, TG_CONF_REQUIRED, h_user},
    {"listen", 1, 3, TG_CONF_MULTI, h_listen},
    {"command", 1, TG_CONF_ARGS_MAX, TG_CONF_MULTI, h_listen},
    {"port", 1, 1, 0, h_port},
    {"offset", 1, 1, 0, h_offset},
    {"verbose", 1, 1, 0, h_verbose},
    {"baud", 1, 1, 0, h_baud},
    {"flag", 0, 0, 0, NULL},
    {NULL, 0, 0, 0, NULL},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[TG_CONF_ERR_MAX];
	struct fctx c;
	int rc;

	memset(&c, 0, sizeof(c));
	memset(err, 'Z', sizeof(err));
	rc = tg_conf_parse((const char *)data, size, "fuzz.conf", keys, &c, err, sizeof(err));
	if (!memchr(err, '\0', sizeof(err)))
		__builtin_trap();
	if (rc == 0 && err[0] != '\0')
		__builtin_trap();
	if (rc != 0 && (rc != -1 || strncmp(err, "fuzz.conf", 9) != 0))
		__builtin_trap();
	if (rc == 0 && (c.port > 65535 || strlen(c.user) >= sizeof(c.user)))
		__builtin_trap();

	/* a tiny error buffer must be cut safely too */
	rc = tg_conf_parse((const char *)data, size, "fuzz.conf", keys, &c, err, 5);
	if (!memchr(err, '\0', 5))
		__builtin_trap();
	return 0;
}
