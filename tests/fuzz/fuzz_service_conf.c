/*
 * fuzz_service_conf.c - libFuzzer harness over tg-supervise's service-file
 * and MAIN_CONF parsers, and the environment built from a parsed file.
 *
 * Invariants: no crash or sanitizer report; err always terminated; a
 * failure names the file; a success holds only what the parser promises
 * (absolute command, valid user, at most SV_LISTEN_MAX sockets with
 * valid names and non-zero ports, KEY=VALUE env lines, root only with
 * allow-root, at most SV_FS_MAX normalised read/write/device/exec/socket paths,
 * each once), and sv_exec_build always fits it.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "landlock.h"
#include "supervise/svcconf.h"
#include "supervise/svcenv.h"

#define FNAME "/etc/timegate/services/fuzz.conf"

static struct sv_conf conf;
static struct sv_main_conf mconf;
static struct sv_exec x;

static void check_err(const char *err, size_t cap)
{
	if (memchr(err, '\0', cap) == NULL)
		__builtin_trap();
	if (strncmp(err, FNAME, strlen(FNAME)) != 0)
		__builtin_trap();
}

static void check_conf(void)
{
	int i;

	if (conf.argc < 1 || conf.argc > SV_ARGV_MAX || sv_conf_arg(&conf, 0)[0] != '/')
		__builtin_trap();
	if (!sv_user_valid(conf.user))
		__builtin_trap();
	if (strcmp(conf.user, "root") == 0 && !conf.allow_root)
		__builtin_trap();
	if (conf.nlisten < 0 || conf.nlisten > SV_LISTEN_MAX || conf.nenv < 0 ||
	    conf.nenv > SV_ENV_MAX || conf.pool_len > sizeof(conf.pool) || conf.workdir[0] != '/')
		__builtin_trap();
	for (i = 0; i < conf.nlisten; i++) {
		const struct sv_listen *l = &conf.listen[i];

		if (!l->name[0] || strchr(l->name, ':'))
			__builtin_trap();
		if (l->family == AF_INET ? l->addr.in.sin_port == 0 : l->addr.in6.sin6_port == 0)
			__builtin_trap();
		if (l->socktype != SOCK_DGRAM && l->socktype != SOCK_STREAM)
			__builtin_trap();
	}
	for (i = 0; i < conf.nenv; i++)
		if (!strchr(sv_conf_env(&conf, i), '='))
			__builtin_trap();
	/* read/write/device/exec: absolute, normalised, each once */
	if (conf.nfs < 0 || conf.nfs > SV_FS_MAX)
		__builtin_trap();
	for (i = 0; i < conf.nfs; i++) {
		const struct sv_fs_path *f = &conf.fs[i];
		size_t n = strnlen(f->path, sizeof(f->path));
		int j;

		if (n == sizeof(f->path) || f->path[0] != '/' || strstr(f->path, "//") ||
		    strstr(f->path, "/./") || strstr(f->path, "/../") ||
		    (n > 1 && f->path[n - 1] == '/'))
			__builtin_trap();
		if (f->access < TG_LL_READ || f->access > TG_LL_SOCKET)
			__builtin_trap();
		for (j = 0; j < i; j++)
			if (strcmp(conf.fs[j].path, f->path) == 0)
				__builtin_trap();
	}
	if (sv_exec_build(&x, conf.name, &conf, 0, NULL, conf.ready ? 3 + conf.nlisten : -1) < 0)
		__builtin_trap();
	if (strcmp(x.argv[0], sv_conf_arg(&conf, 0)) != 0 || x.argv[conf.argc] != NULL)
		__builtin_trap();
	if (conf.nlisten && !sv_exec_getenv(&x, "TG_LISTEN_NAMES"))
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[TG_CONF_ERR_MAX];

	memset(err, 'x', sizeof(err));
	if (sv_conf_parse((const char *)data, size, FNAME, "fuzz", &conf, err, sizeof(err)) == 0)
		check_conf();
	else
		check_err(err, sizeof(err));

	memset(err, 'x', sizeof(err));
	if (sv_main_conf_parse((const char *)data, size, FNAME, &mconf, err, sizeof(err)) == 0) {
		if (mconf.on_ready_argc && sv_main_conf_arg(&mconf, 0)[0] != '/')
			__builtin_trap();
		if (mconf.console[0] != '/')
			__builtin_trap();
	} else {
		check_err(err, sizeof(err));
	}
	return 0;
}
