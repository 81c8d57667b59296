/*
 * supervise.h - the supervisor's state and the interfaces between its files.
 *
 * One process, one poll loop, no threads.  Files by concern:
 *   main.c     options, MAIN_CONF, signals, the stop sequence
 *   service.c  service files -> services; start, reap, restart, readiness
 *   spawn.c    fork and the child's lock-down sequence up to execve
 *   listen.c   the sockets bound for services, as root, before they start
 *   journal.c  records: timestamp, console, stderr, ring; output pipes
 *   ctl.c      RUN_DIR/log.sock, status.sock and control.sock
 *   action.c   the actions control.sock runs
 * and the pure parts (unit tested, fuzzed): svcconf.c (parsers), svcenv.c
 * (argv/environment), restart.c (back-off, exit messages), logline.c
 * (line splitting, records), logring.c (the ring), ctlproto.c
 * (control.sock's requests and answers).
 */
#ifndef SV_SUPERVISE_H
#define SV_SUPERVISE_H

#include <stdint.h>
#include <sys/types.h>

#include "evloop.h"
#include "landlock.h"
#include "supervise/ctlproto.h"
#include "supervise/logline.h"
#include "supervise/logring.h"
#include "supervise/restart.h"
#include "supervise/svcconf.h"

#define SV_MAX_SERVICES      32
#define SV_MAX_CLIENTS       8
#define SV_CLIENT_TIMEOUT_NS (3ull * 1000000000u) /* a socket client gets this long */
#define SV_STOP_GRACE_NS     (5ull * 1000000000u) /* SIGTERM .. SIGKILL */
#define SV_READY_STARTED_NS  (1ull * 1000000000u) /* ready started: running this long */
#define SV_STATUS_MAX        8192
#define SV_ACTION_LIMIT_NS   (60ull * 1000000000u) /* an action running longer is killed */

#define SV_DEFAULT_SERVICE_DIR "/etc/timegate/services"
#define SV_DEFAULT_MAIN_CONF   "/etc/timegate/supervise.conf"
#define SV_DEFAULT_RUN_DIR     "/run/timegate"
#define SV_DEFAULT_RING        262144u
#define SV_RING_MIN            4096u
#define SV_RING_MAX            (64u * 1024 * 1024)

struct sv;

enum sv_state {
	SV_ST_STOPPED = 0, /* restart never and exited, or stopped at shutdown */
	SV_ST_RUNNING,
	SV_ST_WAITING, /* restart pending */
	SV_ST_FAILED,  /* broken service file: never started */
};

/* A pipe whose lines become records (a service's stdout+stderr). */
struct sv_output {
	struct sv *sv;
	int fd; /* -1: closed */
	struct sv_linebuf lb;
	/* an action's: its last non-empty line, for control.sock's answer */
	int keep_last;
	char last[SV_CTL_OUTPUT_MAX + 1];
};

struct sv_service {
	struct sv *sv;
	struct sv_conf conf;
	int conf_ok;
	enum sv_state state;
	pid_t pid;                 /* 0 unless running; also its process group */
	gid_t gids[SV_GROUPS_MAX]; /* its group lines, looked up at load */
	int restart_requested;     /* control.sock: start again as soon as it exits */
	uint64_t kill_timer;       /* ... and SIGKILL if it has not by then */
	uint64_t started_ns;
	unsigned starts;
	int ready_now;  /* this run is ready */
	int ever_ready; /* some run was ready */
	struct sv_backoff backoff;
	uint64_t timer; /* restart or readiness timer, 0: none */
	struct sv_output out;
	int notify_fd; /* read end, -1: none */
	int listen_fds[SV_LISTEN_MAX];
};

enum sv_client_kind { SV_CLIENT_LOG, SV_CLIENT_STATUS, SV_CLIENT_CONTROL };

struct sv_client {
	struct sv *sv;
	int fd;   /* -1: slot free */
	int kind; /* enum sv_client_kind */
	uint64_t timer;
	/* control.sock: the request so far, the peer, waiting for an action */
	size_t inlen;
	char in[SV_CTL_LINE_MAX];
	long uid;           /* SO_PEERCRED, -1: unknown */
	int waiting;        /* for the running action's end: the answer comes then */
	uint64_t pos, stop; /* log.sock: ring positions still to send */
	size_t off, len;    /* status.sock: text still to send */
	char text[SV_STATUS_MAX];
};

struct sv {
	struct tg_loop loop;

	/* options */
	const char *service_dir;
	const char *main_conf_path;
	const char *run_dir;
	size_t ring_bytes;
	int no_console;
	struct sv_main_conf mc;

	/* journal */
	int console_fd; /* -1: none */
	int stderr_is_console;
	struct sv_ring ring;
	int selflog_rd, selflog_wr;
	struct sv_linebuf selflog_lb;

	/* services */
	struct sv_service svc[SV_MAX_SERVICES];
	int nsvc;
	int dir_ok;
	int all_ready_logged;

	/* on-ready command */
	pid_t onready_pid;
	struct sv_output onready_out;

	/* actions (action.c): one at a time */
	const struct sv_action *action; /* running, or NULL */
	pid_t action_pid;
	uint64_t action_timer;
	int action_timed_out;
	struct sv_output action_out;
	struct sv_client *action_client; /* waiting for the answer, or NULL */

	/* control sockets */
	gid_t sock_gid, ctl_gid;
	int log_listen, status_listen, control_listen;
	char log_path[108], status_path[108], control_path[108];
	struct sv_client clients[SV_MAX_CLIENTS];

	/* hardware watchdog (watchdog.c) */
	int wd_fd; /* -1: none */
	uint64_t wd_timer;
	uint64_t wd_period_ns;
	uint64_t wd_deadline_ns; /* all services ready by then, or stop feeding */
	int wd_starving;
	int wd_write_failed;

	/* stop sequence */
	int stopping;
	int killed;
	uint64_t stop_timer;
};

/* journal.c */
int sv_journal_init(struct sv *sv, char *err, size_t errlen);
void sv_journal_line(struct sv *sv, const char *line, size_t len, int truncated);
void sv_journal_flush_self(struct sv *sv);
void sv_output_open(struct sv *sv, struct sv_output *o, int fd);
void sv_output_drain(struct sv_output *o);
void sv_output_close(struct sv_output *o);
uint64_t sv_boottime_ns(void);

/* listen.c: a bound (and, for tcp, listening) socket, or -1 with err. */
int sv_listen_open(const struct sv_listen *l, char *err, size_t errlen);

/* ctl.c */
void sv_ctl_open(struct sv *sv);
void sv_ctl_close(struct sv *sv);
/* Send a control client its answer, then close it (also for action.c). */
void sv_ctl_answer(struct sv_client *c, const char *text, size_t len);

/* action.c */
/* Start action a for control client c; returns 0, or -1 with the answer in ans. */
int sv_action_start(struct sv *sv, const struct sv_action *a, struct sv_client *c, char *ans,
                    size_t anslen);
/* The running action was reaped: log it, answer its client. */
void sv_action_reaped(struct sv *sv, int wstatus);
/* Control client c goes away: the action's answer has nobody to go to. */
void sv_action_forget_client(struct sv *sv, struct sv_client *c);

/* service.c */
void sv_services_load(struct sv *sv);
void sv_services_start(struct sv *sv);
void sv_services_reap(struct sv *sv);
void sv_services_stop(struct sv *sv, int signo);
void sv_services_kill_all(struct sv *sv);
size_t sv_status_text(struct sv *sv, char *buf, size_t cap);
/*
 * control.sock's restart: SIGTERM to the service's process group (SIGKILL
 * after SV_STOP_GRACE_NS) and a start as soon as it exits, without
 * back-off; a waiting or stopped service starts at once.  Returns 0, or
 * -1 with the answer ("error ...\n") in ans.
 */
int sv_service_restart(struct sv *sv, const char *name, char *ans, size_t anslen);

/* watchdog.c: open and start feeding the MAIN_CONF watchdog, if any */
void sv_watchdog_open(struct sv *sv);

/* spawn.c */
struct sv_exec;
struct sv_spawn {
	const char *name;    /* for messages */
	struct sv_exec *x;   /* argv, envp */
	int out_fd;          /* becomes stdout and stderr */
	const int *pass_fds; /* become 3, 4, ... in order */
	int npass;
	const char *user;    /* NULL: stay root, no lock-down (on-ready, actions) */
	const gid_t *groups; /* supplementary groups besides the user's own (with user) */
	int ngroups;
	uint64_t caps;          /* kept as ambient capabilities */
	uint64_t nofile, nproc; /* 0: unchanged */
	const char *workdir;
	/* Landlock rules (with user only): the filesystem it may use, and nothing else */
	const struct tg_landlock_rule *fs;
	size_t nfs;
};
/* fork and exec; returns the child's pid, or -1 (errno) if fork failed. */
pid_t sv_spawn(const struct sv_spawn *sp);

#endif
