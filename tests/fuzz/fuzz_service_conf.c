/*
 * fuzz_service_conf.c - libFuzzer harness over tg-supervise's service-file
 * and MAIN_CONF parsers, the environment built from a parsed file, and
 * control.sock's request parser and answers.
 *
 * Invariants: no crash or sanitizer report; err always terminated; a
 * failure names the file; a success holds only what the parser promises
 * (absolute command, valid user, at most SV_GROUPS_MAX valid group names
 * each once, at most SV_LISTEN_MAX sockets with valid names and non-zero
 * ports, KEY=VALUE env lines, root only with allow-root, at most
 * SV_FS_MAX normalised read/write/device/exec/socket paths, each once;
 * in MAIN_CONF at most SV_ACTION_MAX actions with valid unique names and
 * absolute commands, a valid control-group), and sv_exec_build always
 * fits a service or an action.  A request is RESTART/RUN only with a
 * valid name and a '\n' within SV_CTL_LINE_MAX bytes; an action's answer
 * is one line ending in '\n'.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "landlock.h"
#include "supervise/ctlproto.h"
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
	if (conf.ngroups < 0 || conf.ngroups > SV_GROUPS_MAX)
		__builtin_trap();
	for (i = 0; i < conf.ngroups; i++) {
		int j;

		if (!sv_user_valid(conf.groups[i]))
			__builtin_trap();
		for (j = 0; j < i; j++)
			if (strcmp(conf.groups[j], conf.groups[i]) == 0)
				__builtin_trap();
	}
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

static void check_actions(void)
{
	const char *argv[SV_ARGV_MAX];
	int i, j, k;

	if (mconf.nactions < 0 || mconf.nactions > SV_ACTION_MAX)
		__builtin_trap();
	if (mconf.control_group[0] && !sv_user_valid(mconf.control_group))
		__builtin_trap();
	for (i = 0; i < mconf.nactions; i++) {
		const struct sv_action *a = &mconf.actions[i];

		if (!sv_name_valid(a->name, strlen(a->name)) ||
		    sv_action_find(&mconf, a->name) != a)
			__builtin_trap();
		if (a->argc < 1 || a->argc >= SV_ARGV_MAX || sv_action_arg(&mconf, a, 0)[0] != '/')
			__builtin_trap();
		for (j = 0; j < i; j++)
			if (strcmp(mconf.actions[j].name, a->name) == 0)
				__builtin_trap();
		for (k = 0; k < a->argc; k++)
			argv[k] = sv_action_arg(&mconf, a, k);
		if (sv_exec_build(&x, a->name, NULL, a->argc, argv, -1) < 0)
			__builtin_trap();
	}
}

static void check_ctl(const uint8_t *data, size_t size)
{
	char name[SV_NAME_MAX + 1], ans[SV_CTL_ANSWER_MAX];
	const char *nl;
	enum sv_ctl_verb v;
	size_t n;
	int ws;

	v = sv_ctl_parse((const char *)data, size, name);
	nl = memchr(data, '\n', size < SV_CTL_LINE_MAX ? size : SV_CTL_LINE_MAX);
	switch (v) {
	case SV_CTL_MORE:
		if (nl || size >= SV_CTL_LINE_MAX)
			__builtin_trap();
		break;
	case SV_CTL_TOOLONG:
		if (nl || size < SV_CTL_LINE_MAX)
			__builtin_trap();
		break;
	case SV_CTL_RESTART:
	case SV_CTL_RUN:
		if (!nl || !sv_name_valid(name, strlen(name)))
			__builtin_trap();
		break;
	case SV_CTL_BAD:
		if (!nl)
			__builtin_trap();
		break;
	default:
		__builtin_trap();
	}
	/* the answer quoting the input as an action's last line: one line, whatever it holds */
	if (size < 4)
		return;
	ws = (int)((unsigned)data[0] | (unsigned)data[1] << 8);
	memcpy(name, "act", 4);
	{
		char last[512];
		size_t ln = size - 2 < sizeof(last) - 1 ? size - 2 : sizeof(last) - 1;

		memcpy(last, data + 2, ln);
		last[ln] = '\0';
		n = sv_ctl_action_answer(ans, sizeof(ans), name, ws, last, data[2] & 1 ? 60 : 0);
	}
	if (n < 3 || n >= sizeof(ans) || ans[n - 1] != '\n' || memchr(ans, '\n', n - 1) ||
	    strlen(ans) != n)
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
		check_actions();
	} else {
		check_err(err, sizeof(err));
	}

	check_ctl(data, size);
	return 0;
}
