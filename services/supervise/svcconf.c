/*
 * svcconf.c - parsers of the service files and of MAIN_CONF.
 *
 * Pure: (buf, len) in, a caller-owned struct out, through tg_conf_parse's
 * keyword tables (no system calls: whether a read, write, device or exec
 * path exists is checked by the loader, service.c).  Every handler checks
 * the form of what it keeps (absolute paths, names, address literals,
 * ranges) and says what it expected and what it saw; cross-line rules
 * (root needs allow-root) are checked once the whole file parsed.
 */
#include "supervise/svcconf.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "caps.h"
#include "landlock.h"

/* "'%.64s%s'": echo at most 64 bytes of an input value */
#define ECHO(s) (s), (strlen(s) > 64 ? "..." : "")

__attribute__((format(printf, 3, 4))) static int fail(char *err, size_t errlen, const char *fmt,
                                                      ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* the names are lib/caps.c's, shared with the sandbox descriptions */
int sv_cap_from_name(const char *s)
{
	return tg_cap_from_name(s);
}

const char *sv_cap_name(int cap)
{
	return tg_cap_name(cap);
}

int sv_name_valid(const char *s, size_t len)
{
	size_t i;

	if (len < 1 || len > SV_NAME_MAX)
		return 0;
	for (i = 0; i < len; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
			return 0;
	}
	return 1;
}

int sv_name_from_file(const char *fname, char name[SV_NAME_MAX + 1])
{
	size_t n = strlen(fname);

	if (n <= 5 || strcmp(fname + n - 5, ".conf") != 0)
		return 0;
	n -= 5;
	if (!sv_name_valid(fname, n))
		return -1;
	memcpy(name, fname, n);
	name[n] = '\0';
	return 1;
}

int sv_user_valid(const char *s)
{
	size_t i, n = strlen(s);

	if (n < 1 || n > SV_USER_MAX)
		return 0;
	if (!((s[0] >= 'a' && s[0] <= 'z') || s[0] == '_'))
		return 0;
	for (i = 1; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

/* A listen socket's name: [A-Za-z0-9_.-]{1,31}; no ':' (the TG_LISTEN_NAMES separator). */
static int listen_name_valid(const char *s)
{
	size_t i, n = strlen(s);

	if (n < 1 || n > SV_NAME_MAX)
		return 0;
	for (i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '.' || c == '-'))
			return 0;
	}
	return 1;
}

/* An environment variable name: [A-Za-z_][A-Za-z0-9_]*, at most 63 bytes. */
static int env_key_valid(const char *s, size_t n)
{
	size_t i;

	if (n < 1 || n > 63)
		return 0;
	if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') || s[0] == '_'))
		return 0;
	for (i = 1; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_'))
			return 0;
	}
	return 1;
}

/* Absolute path: starts with '/', shorter than SV_PATH_MAX. */
static int check_abs(const char *what, const char *s, char *err, size_t errlen)
{
	if (s[0] != '/')
		return fail(err, errlen, "%s expects an absolute path, got '%.64s%s'", what,
		            ECHO(s));
	if (strlen(s) >= SV_PATH_MAX)
		return fail(err, errlen, "%s expects a path shorter than %d bytes", what,
		            SV_PATH_MAX);
	return 0;
}

/* Copy s into pool[*used..cap); returns its offset or -1. */
static int pool_add(char *pool, size_t cap, size_t *used, const char *s, char *err, size_t errlen)
{
	size_t n = strlen(s) + 1;
	size_t off = *used;

	if (n > cap - off || off > UINT16_MAX)
		return fail(err, errlen, "arguments and environment exceed %zu bytes in total",
		            cap);
	memcpy(pool + off, s, n);
	*used += n;
	return (int)off;
}

/* ---------------------------------------------------------------- service files */

static int h_command(void *ctx, int argc, char **argv, char *err, size_t errlen)
{
	struct sv_conf *c = ctx;
	int i;

	if (check_abs("command", argv[0], err, errlen) < 0)
		return -1;
	for (i = 0; i < argc; i++) {
		int off = pool_add(c->pool, sizeof(c->pool), &c->pool_len, argv[i], err, errlen);
		if (off < 0)
			return -1;
		c->argv_off[i] = (uint16_t)off;
	}
	c->argc = argc;
	return 0;
}

static int h_user(void *ctx, int argc, char **argv, char *err, size_t errlen)
{
	struct sv_conf *c = ctx;

	(void)argc;
	if (!sv_user_valid(argv[0]))
		return fail(err, errlen,
		            "user expects a user name ([a-z_][a-z0-9_-]{0,31}), got '%.64s%s'",
		            ECHO(argv[0]));
	memcpy(c->user, argv[0], strlen(argv[0]) + 1);
	return 0;
}

/* group NAME: a supplementary group (looked up in /etc/group by the loader) */
static int h_group(void *ctx, int argc, char **argv, char *err, size_t errlen)
{
	struct sv_conf *c = ctx;
	int i;

	(void)argc;
	if (!sv_user_valid(argv[0]))
		return fail(err, errlen,
		            "group expects a group name ([a-z_][a-z0-9_-]{0,31}), got '%.64s%s'",
		            ECHO(argv[0]));
	for (i = 0; i < c->ngroups; i++)
		if (strcmp(c->groups[i], argv[0]) == 0)
			return fail(err, errlen, "group %s given twice", argv[0]);
	if (c->ngroups >= SV_GROUPS_MAX)
		return fail(err, errlen, "at most %d group lines per service", SV_GROUPS_MAX);
	memcpy(c->groups[c->ngroups++], argv[0], strlen(argv[0]) + 1);
	return 0;
}

static int h_allow_root(void *ctx, int argc, char **argv, char *err, size_t errlen)
{
	struct sv_conf *c = ctx;

	(void)argc;
	return tg_conf_bool(argv[0], &c->allow_root, err, errlen);
}

static int h_caps(void *ctx, int argc, char **argv, char *err, size_t errlen)
{
	struct sv_conf *c = ctx;
	int i;

	for (i = 0; i < argc; i++) {
		int cap = sv_cap_from_name(argv[i]);
		if (cap < 0)
			return fail(err, errlen,
			            "caps: unknown capability '%.64s%s' (expected names like "
			            "cap_sys_time, cap_net_bind_service)",
			            ECHO(argv[i]));
		c->caps |= 1ULL << cap;
	}
	return 0;
}

static int h_listen(void *ctx, int argc, char **argv, char *err, size_t errlen)
{
	static const char *const protos[] = {"udp", "tcp", NULL};
	struct sv_conf *c = ctx;
	struct sv_listen *l;
	uint64_t port;
	int proto, i;

	(void)argc;
	if (c->nlisten >= SV_LISTEN_MAX)
		return fail(err, errlen, "at most %d listen sockets per service", SV_LISTEN_MAX);
	l = &c->listen[c->nlisten];
	memset(l, 0, sizeof(*l));
	if (tg_conf_choice(argv[0], protos, &proto, err, errlen) < 0)
		return -1;
	l->socktype = proto == 0 ? SOCK_DGRAM : SOCK_STREAM;
	if (tg_conf_u64(argv[2], 1, 65535, &port, err, errlen) < 0)
		return -1;
	if (inet_pton(AF_INET, argv[1], &l->addr.in.sin_addr) == 1) {
		l->family = AF_INET;
		l->addr.in.sin_family = AF_INET;
		l->addr.in.sin_port = htons((uint16_t)port);
		l->addrlen = sizeof(l->addr.in);
	} else if (inet_pton(AF_INET6, argv[1], &l->addr.in6.sin6_addr) == 1) {
		l->family = AF_INET6;
		l->addr.in6.sin6_family = AF_INET6;
		l->addr.in6.sin6_port = htons((uint16_t)port);
		l->addrlen = sizeof(l->addr.in6);
	} else {
		return fail(err, errlen,
		            "listen expects an IPv4 or IPv6 address literal, got '%.64s%s'",
		            ECHO(argv[1]));
	}
	if (!listen_name_valid(argv[3]))
		return fail(err, errlen,
		            "listen expects a name ([A-Za-z0-9_.-]{1,31}), got '%.64s%s'",
		            ECHO(argv[3]));
	for (i = 0; i < c->nlisten; i++)
		if (strcmp(c->listen[i].name, argv[3]) == 0)
			return fail(err, errlen, "listen name '%s' used twice", argv[3]);
	memcpy(l->name, argv[3], strlen(argv[3]) + 1);
	snprintf(l->text, sizeof(l->text), "%s %s %u", protos[proto], argv[1], (unsigned)port);
	c->nlisten++;
	return 0;
}

static int h_ready(void *ctx, int argc, char **argv, char *err, size_t errlen)
{
	static const char *const kinds[] = {"started", "notify", NULL};
	struct sv_conf *c = ctx;

	(void)argc;
	return tg_conf_choice(argv[0], kinds, &c->ready, err, errlen);
}

static int h_restart(void *ctx, int argc, char **argv, char *err, size_t errlen)
{
	static const char *const kinds[] = {"always", "never", NULL};
	struct sv_conf *c = ctx;

	(void)argc;
	return tg_conf_choice(argv[0], kinds, &c->restart, err, errlen);
}

static int h_env(void *ctx, int argc, char **argv, char *err, size_t errlen)
{
	/* set by the supervisor itself */
	static const char *const reserved[] = {"TG_SERVICE", "TG_LISTEN_FDS", "TG_LISTEN_NAMES",
	                                       "TG_NOTIFY_FD", NULL};
	struct sv_conf *c = ctx;
	const char *eq = strchr(argv[0], '=');
	size_t klen;
	int i, off;

	(void)argc;
	if (!eq || !env_key_valid(argv[0], (size_t)(eq - argv[0])))
		return fail(err, errlen,
		            "env expects KEY=VALUE with KEY [A-Za-z_][A-Za-z0-9_]*, "
		            "got '%.64s%s'",
		            ECHO(argv[0]));
	klen = (size_t)(eq - argv[0]);
	for (i = 0; reserved[i]; i++)
		if (strlen(reserved[i]) == klen && memcmp(reserved[i], argv[0], klen) == 0)
			return fail(err, errlen, "env: %s is set by the supervisor", reserved[i]);
	for (i = 0; i < c->nenv; i++) {
		const char *e = c->pool + c->env_off[i];
		if (strncmp(e, argv[0], klen + 1) == 0)
			return fail(err, errlen, "env: %.*s given twice", (int)klen, argv[0]);
	}
	if (c->nenv >= SV_ENV_MAX)
		return fail(err, errlen, "at most %d env lines", SV_ENV_MAX);
	off = pool_add(c->pool, sizeof(c->pool), &c->pool_len, argv[0], err, errlen);
	if (off < 0)
		return -1;
	c->env_off[c->nenv++] = (uint16_t)off;
	return 0;
}

static int h_limit(void *ctx, int argc, char **argv, char *err, size_t errlen)
{
	static const char *const kinds[] = {"nofile", "nproc", NULL};
	struct sv_conf *c = ctx;
	uint64_t *dst;
	int kind;

	(void)argc;
	if (tg_conf_choice(argv[0], kinds, &kind, err, errlen) < 0)
		return -1;
	dst = kind == 0 ? &c->nofile : &c->nproc;
	if (*dst)
		return fail(err, errlen, "limit %s given twice", kinds[kind]);
	/* nofile: room for stdio, the listen sockets and the notify pipe */
	return tg_conf_u64(argv[1], kind == 0 ? 16 : 1, kind == 0 ? 1048576 : 4194304, dst, err,
	                   errlen);
}

static int h_workdir(void *ctx, int argc, char **argv, char *err, size_t errlen)
{
	struct sv_conf *c = ctx;

	(void)argc;
	if (check_abs("workdir", argv[0], err, errlen) < 0)
		return -1;
	memcpy(c->workdir, argv[0], strlen(argv[0]) + 1);
	return 0;
}

/*
 * A normalised absolute path: starts with '/', no empty, "." or ".."
 * component, no trailing '/' (but "/" itself), so the file shows exactly
 * what is granted.
 */
static int path_normal(const char *s)
{
	const char *p = s;

	if (s[0] != '/')
		return 0;
	if (s[1] == '\0')
		return 1;
	while (*p == '/') {
		const char *c = p + 1, *e = strchr(c, '/');
		size_t n = e ? (size_t)(e - c) : strlen(c);

		if (n == 0 || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
			return 0;
		p = c + n;
	}
	return 1;
}

/* read PATH, write PATH, device PATH, exec PATH: what the service may use of the filesystem */
static int fs_path(struct sv_conf *c, int access, const char *path, char *err, size_t errlen)
{
	const char *kw = tg_landlock_access_name(access);
	struct sv_fs_path *f;
	int i;

	if (check_abs(kw, path, err, errlen) < 0)
		return -1;
	if (!path_normal(path))
		return fail(err, errlen,
		            "%s expects a normalised path (no '.', '..', '//' or trailing '/'), "
		            "got '%.64s%s'",
		            kw, ECHO(path));
	for (i = 0; i < c->nfs; i++)
		if (strcmp(c->fs[i].path, path) == 0)
			return fail(err, errlen, "%s %s: that path is already listed (%s)", kw,
			            path, tg_landlock_access_name(c->fs[i].access));
	if (c->nfs >= SV_FS_MAX)
		return fail(err, errlen,
		            "at most %d read, write, device, exec and socket lines per service", SV_FS_MAX);
	f = &c->fs[c->nfs++];
	f->access = access;
	memcpy(f->path, path, strlen(path) + 1);
	return 0;
}

static int h_read(void *ctx, int argc, char **argv, char *err, size_t errlen)
{
	(void)argc;
	return fs_path(ctx, TG_LL_READ, argv[0], err, errlen);
}

static int h_write(void *ctx, int argc, char **argv, char *err, size_t errlen)
{
	(void)argc;
	return fs_path(ctx, TG_LL_WRITE, argv[0], err, errlen);
}

static int h_socket(void *ctx, int argc, char **argv, char *err, size_t errlen)
{
	(void)argc;
	return fs_path(ctx, TG_LL_SOCKET, argv[0], err, errlen);
}

static int h_device(void *ctx, int argc, char **argv, char *err, size_t errlen)
{
	(void)argc;
	return fs_path(ctx, TG_LL_DEVICE, argv[0], err, errlen);
}

static int h_exec(void *ctx, int argc, char **argv, char *err, size_t errlen)
{
	(void)argc;
	return fs_path(ctx, TG_LL_EXEC, argv[0], err, errlen);
}

static const struct tg_conf_key service_keys[] = {
    {"command", 1, SV_ARGV_MAX, TG_CONF_REQUIRED, h_command},
    {"user", 1, 1, TG_CONF_REQUIRED, h_user},
    {"group", 1, 1, TG_CONF_MULTI, h_group},
    {"allow-root", 1, 1, 0, h_allow_root},
    {"caps", 1, TG_CONF_ARGS_MAX, 0, h_caps},
    {"listen", 4, 4, TG_CONF_MULTI, h_listen},
    {"ready", 1, 1, 0, h_ready},
    {"restart", 1, 1, 0, h_restart},
    {"env", 1, 1, TG_CONF_MULTI, h_env},
    {"limit", 2, 2, TG_CONF_MULTI, h_limit},
    {"workdir", 1, 1, 0, h_workdir},
    {"read", 1, 1, TG_CONF_MULTI, h_read},
    {"write", 1, 1, TG_CONF_MULTI, h_write},
    {"device", 1, 1, TG_CONF_MULTI, h_device},
    {"exec", 1, 1, TG_CONF_MULTI, h_exec},
    {"socket", 1, 1, TG_CONF_MULTI, h_socket},
    {NULL, 0, 0, 0, NULL},
};

int sv_conf_parse(const char *buf, size_t len, const char *fname, const char *name,
                  struct sv_conf *c, char *err, size_t errlen)
{
	memset(c, 0, sizeof(*c));
	if (!sv_name_valid(name, strlen(name)))
		return fail(err, errlen, "%s: service name '%.64s%s' is not [a-z0-9-]{1,31}", fname,
		            ECHO(name));
	memcpy(c->name, name, strlen(name) + 1);
	memcpy(c->workdir, "/", 2);
	if (tg_conf_parse(buf, len, fname, service_keys, c, err, errlen) < 0)
		return -1;
	if (strcmp(c->user, "root") == 0 && !c->allow_root)
		return fail(err, errlen, "%s: user root needs an explicit 'allow-root yes'", fname);
	return 0;
}

const char *sv_conf_arg(const struct sv_conf *c, int i)
{
	return c->pool + c->argv_off[i];
}

const char *sv_conf_env(const struct sv_conf *c, int i)
{
	return c->pool + c->env_off[i];
}

/* ---------------------------------------------------------------- MAIN_CONF */

static int m_on_ready(void *ctx, int argc, char **argv, char *err, size_t errlen)
{
	struct sv_main_conf *m = ctx;
	int i;

	if (check_abs("on-ready", argv[0], err, errlen) < 0)
		return -1;
	for (i = 0; i < argc; i++) {
		int off = pool_add(m->pool, sizeof(m->pool), &m->pool_len, argv[i], err, errlen);
		if (off < 0)
			return -1;
		m->on_ready_off[i] = (uint16_t)off;
	}
	m->on_ready_argc = argc;
	return 0;
}

static int m_console(void *ctx, int argc, char **argv, char *err, size_t errlen)
{
	struct sv_main_conf *m = ctx;

	(void)argc;
	if (check_abs("console", argv[0], err, errlen) < 0)
		return -1;
	memcpy(m->console, argv[0], strlen(argv[0]) + 1);
	return 0;
}

static int m_log_group(void *ctx, int argc, char **argv, char *err, size_t errlen)
{
	struct sv_main_conf *m = ctx;

	(void)argc;
	if (!sv_user_valid(argv[0]))
		return fail(
		    err, errlen,
		    "log-group expects a group name ([a-z_][a-z0-9_-]{0,31}), got '%.64s%s'",
		    ECHO(argv[0]));
	memcpy(m->log_group, argv[0], strlen(argv[0]) + 1);
	return 0;
}

static int m_control_group(void *ctx, int argc, char **argv, char *err, size_t errlen)
{
	struct sv_main_conf *m = ctx;

	(void)argc;
	if (!sv_user_valid(argv[0]))
		return fail(
		    err, errlen,
		    "control-group expects a group name ([a-z_][a-z0-9_-]{0,31}), got '%.64s%s'",
		    ECHO(argv[0]));
	memcpy(m->control_group, argv[0], strlen(argv[0]) + 1);
	return 0;
}

/* action NAME COMMAND [ARGS...] */
static int m_action(void *ctx, int argc, char **argv, char *err, size_t errlen)
{
	struct sv_main_conf *m = ctx;
	struct sv_action *a;
	int i;

	if (!sv_name_valid(argv[0], strlen(argv[0])))
		return fail(err, errlen, "action expects a name ([a-z0-9-]{1,31}), got '%.64s%s'",
		            ECHO(argv[0]));
	if (sv_action_find(m, argv[0]))
		return fail(err, errlen, "action %s given twice", argv[0]);
	if (m->nactions >= SV_ACTION_MAX)
		return fail(err, errlen, "at most %d action lines", SV_ACTION_MAX);
	if (check_abs("action", argv[1], err, errlen) < 0)
		return -1;
	a = &m->actions[m->nactions];
	memset(a, 0, sizeof(*a));
	for (i = 1; i < argc; i++) {
		int off = pool_add(m->pool, sizeof(m->pool), &m->pool_len, argv[i], err, errlen);
		if (off < 0)
			return -1;
		a->argv_off[i - 1] = (uint16_t)off;
	}
	a->argc = argc - 1;
	memcpy(a->name, argv[0], strlen(argv[0]) + 1);
	m->nactions++;
	return 0;
}

/* watchdog PATH SECONDS: the hardware watchdog the supervisor feeds */
static int m_watchdog(void *ctx, int argc, char **argv, char *err, size_t errlen)
{
	struct sv_main_conf *m = ctx;
	uint64_t v;

	(void)argc;
	if (check_abs("watchdog", argv[0], err, errlen) < 0)
		return -1;
	if (tg_conf_u64(argv[1], 2, 3600, &v, err, errlen) < 0)
		return -1;
	memcpy(m->watchdog, argv[0], strlen(argv[0]) + 1);
	m->watchdog_s = (unsigned)v;
	return 0;
}

/* ready-timeout SECONDS: not all ready by then -> stop feeding the watchdog */
static int m_ready_timeout(void *ctx, int argc, char **argv, char *err, size_t errlen)
{
	struct sv_main_conf *m = ctx;
	uint64_t v;

	(void)argc;
	if (tg_conf_u64(argv[0], 1, 86400, &v, err, errlen) < 0)
		return -1;
	m->ready_timeout_s = (unsigned)v;
	return 0;
}

static const struct tg_conf_key main_keys[] = {
    {"on-ready", 1, SV_ARGV_MAX, 0, m_on_ready},
    {"console", 1, 1, 0, m_console},
    {"log-group", 1, 1, 0, m_log_group},
    {"control-group", 1, 1, 0, m_control_group},
    {"action", 2, SV_ARGV_MAX, TG_CONF_MULTI, m_action},
    {"watchdog", 2, 2, 0, m_watchdog},
    {"ready-timeout", 1, 1, 0, m_ready_timeout},
    {NULL, 0, 0, 0, NULL},
};

void sv_main_conf_defaults(struct sv_main_conf *m)
{
	memset(m, 0, sizeof(*m));
	memcpy(m->console, "/dev/console", sizeof("/dev/console"));
}

int sv_main_conf_parse(const char *buf, size_t len, const char *fname, struct sv_main_conf *m,
                       char *err, size_t errlen)
{
	sv_main_conf_defaults(m);
	if (tg_conf_parse(buf, len, fname, main_keys, m, err, errlen) < 0)
		return -1;
	if (m->ready_timeout_s && !m->watchdog[0]) {
		snprintf(err, errlen, "%s: 'ready-timeout' needs a 'watchdog' to act on", fname);
		return -1;
	}
	return 0;
}

const char *sv_main_conf_arg(const struct sv_main_conf *m, int i)
{
	return m->pool + m->on_ready_off[i];
}

const char *sv_action_arg(const struct sv_main_conf *m, const struct sv_action *a, int i)
{
	return m->pool + a->argv_off[i];
}

const struct sv_action *sv_action_find(const struct sv_main_conf *m, const char *name)
{
	int i;

	for (i = 0; i < m->nactions; i++)
		if (strcmp(m->actions[i].name, name) == 0)
			return &m->actions[i];
	return NULL;
}
