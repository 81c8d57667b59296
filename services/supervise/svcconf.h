/*
 * svcconf.h - the supervisor's two configuration files, parsed purely.
 *
 * SERVICE_DIR/NAME.conf describes one service (command, user,
 * supplementary groups, caps, listen sockets, readiness, restart policy,
 * environment, limits, workdir, and the paths it may read, write, open as
 * devices or execute); MAIN_CONF holds on-ready, console, log-group,
 * control-group and the actions control.sock may run.  Both parsers take
 * (buf, len) and fill a caller-owned struct: no allocation, no system
 * calls (user and group names are checked for form here and looked up by
 * the loader), so the fuzz harness runs them as they are.
 *
 * Strings are kept in a fixed pool inside the struct and referred to by
 * offset, so a struct sv_conf can be copied.
 */
#ifndef SV_SVCCONF_H
#define SV_SVCCONF_H

#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "conf.h"

#define SV_NAME_MAX   31 /* service and listen names */
#define SV_USER_MAX   32 /* user and group names */
#define SV_PATH_MAX   256
#define SV_ARGV_MAX   TG_CONF_ARGS_MAX /* command + arguments */
#define SV_LISTEN_MAX 8
#define SV_ENV_MAX    32
#define SV_POOL_MAX   8192
#define SV_FS_MAX     16 /* read, write, device, exec and socket lines together */
#define SV_GROUPS_MAX 8  /* group lines: supplementary groups of a service */
#define SV_ACTION_MAX 8  /* action lines in MAIN_CONF */

enum sv_ready { SV_READY_STARTED = 0, SV_READY_NOTIFY = 1 };
enum sv_restart { SV_RESTART_ALWAYS = 0, SV_RESTART_NEVER = 1 };

struct sv_listen {
	int socktype; /* SOCK_DGRAM or SOCK_STREAM */
	int family;   /* AF_INET or AF_INET6 */
	union {
		struct sockaddr sa;
		struct sockaddr_in in;
		struct sockaddr_in6 in6;
	} addr;
	socklen_t addrlen;
	char name[SV_NAME_MAX + 1];
	char text[96]; /* "udp 127.0.0.1 123" for messages */
};

/*
 * A path the service may use (Landlock, applied by the supervisor before
 * exec; see tg-supervise.8): access is an enum tg_landlock_access
 * (lib/landlock.h), the path absolute and normalised.
 */
struct sv_fs_path {
	int access;
	char path[SV_PATH_MAX];
};

struct sv_conf {
	char name[SV_NAME_MAX + 1];
	int argc;
	uint16_t argv_off[SV_ARGV_MAX];
	char user[SV_USER_MAX + 1];
	int ngroups; /* group lines, in the order of the file, each once */
	char groups[SV_GROUPS_MAX][SV_USER_MAX + 1];
	int allow_root;
	uint64_t caps; /* 1ULL << CAP_X */
	int nlisten;
	struct sv_listen listen[SV_LISTEN_MAX];
	int ready;   /* enum sv_ready */
	int restart; /* enum sv_restart */
	int nenv;
	uint16_t env_off[SV_ENV_MAX]; /* "KEY=VALUE" */
	uint64_t nofile, nproc;       /* 0: unchanged */
	char workdir[SV_PATH_MAX];
	int nfs;
	struct sv_fs_path fs[SV_FS_MAX]; /* in the order of the file */
	size_t pool_len;
	char pool[SV_POOL_MAX];
};

/* action NAME COMMAND [ARGS...]: a command control.sock's `run NAME` starts (as root) */
struct sv_action {
	char name[SV_NAME_MAX + 1]; /* [a-z0-9-]{1,31}, unique */
	int argc;
	uint16_t argv_off[SV_ARGV_MAX]; /* into sv_main_conf.pool; argv[0] absolute */
};

struct sv_main_conf {
	int on_ready_argc; /* 0: none */
	uint16_t on_ready_off[SV_ARGV_MAX];
	char console[SV_PATH_MAX];
	char log_group[SV_USER_MAX + 1];     /* "": root only */
	char control_group[SV_USER_MAX + 1]; /* "": root only */
	int nactions;
	struct sv_action actions[SV_ACTION_MAX];
	char watchdog[SV_PATH_MAX]; /* "": no watchdog */
	unsigned watchdog_s;        /* its timeout */
	unsigned ready_timeout_s;   /* 0: no deadline */
	size_t pool_len;
	char pool[4096];
};

/*
 * Parse a service file for service `name`.  Returns 0, or -1 with
 * "fname:line: message" (or "fname: message" for whole-file checks) in err.
 */
int sv_conf_parse(const char *buf, size_t len, const char *fname, const char *name,
                  struct sv_conf *c, char *err, size_t errlen);
const char *sv_conf_arg(const struct sv_conf *c, int i);
const char *sv_conf_env(const struct sv_conf *c, int i);

/* Parse MAIN_CONF; *m is reset to the defaults first. */
int sv_main_conf_parse(const char *buf, size_t len, const char *fname, struct sv_main_conf *m,
                       char *err, size_t errlen);
void sv_main_conf_defaults(struct sv_main_conf *m);
const char *sv_main_conf_arg(const struct sv_main_conf *m, int i);
/* Argument i of action a (0: the command). */
const char *sv_action_arg(const struct sv_main_conf *m, const struct sv_action *a, int i);
/* The action called name, or NULL. */
const struct sv_action *sv_action_find(const struct sv_main_conf *m, const char *name);

/* 1 if s[0..len) is a service name: [a-z0-9-]{1,31}. */
int sv_name_valid(const char *s, size_t len);
/*
 * From a directory entry: 1 and the service name in name[] for
 * "NAME.conf" with a valid NAME; 0 for a file that does not end in
 * ".conf" (ignored silently); -1 for "*.conf" with an invalid name.
 */
int sv_name_from_file(const char *fname, char name[SV_NAME_MAX + 1]);
/* 1 if s is a plausible user or group name: [a-z_][a-z0-9_-]{0,31}. */
int sv_user_valid(const char *s);

/* Capability number for "cap_sys_time", or -1. */
int sv_cap_from_name(const char *s);
/* "cap_sys_time" for 25, NULL if out of the table. */
const char *sv_cap_name(int cap);

#endif
