/*
 * svcenv.h - the argument vector and clean environment a service gets
 * (pure; built in the supervisor before fork, so the child only execs).
 *
 * Environment, in this order:
 *   PATH=/usr/sbin:/usr/bin:/sbin:/bin   (unless an env line sets PATH)
 *   TG_SERVICE=<name>
 *   TG_LISTEN_FDS=<count>                (only with listen sockets; fds 3..)
 *   TG_LISTEN_NAMES=<name1>:<name2>...
 *   TG_NOTIFY_FD=<fd>                    (only with ready notify)
 *   the service's env lines
 */
#ifndef SV_SVCENV_H
#define SV_SVCENV_H

#include "supervise/svcconf.h"

#define SV_DEFAULT_PATH "PATH=/usr/sbin:/usr/bin:/sbin:/bin"
#define SV_ENVP_MAX     (SV_ENV_MAX + 6)

struct sv_exec {
	char *argv[SV_ARGV_MAX + 1]; /* NULL-terminated */
	char *envp[SV_ENVP_MAX + 1]; /* NULL-terminated */
	size_t used;
	char strings[SV_POOL_MAX + 1024];
};

/*
 * Build from a parsed service (c) or, with c NULL, for a bare command
 * (argc/argv, e.g. on-ready) with only PATH and TG_SERVICE.  notify_fd is
 * -1 without ready notify.  Returns 0, or -1 if it does not fit (cannot
 * happen for a struct sv_conf that parsed).
 */
int sv_exec_build(struct sv_exec *x, const char *name, const struct sv_conf *c, int argc,
                  const char *const *argv, int notify_fd);

/* The value of KEY in x->envp, or NULL (tests). */
const char *sv_exec_getenv(const struct sv_exec *x, const char *key);

#endif
