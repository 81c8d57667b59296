/*
 * consoled.h - the local web console's main role: its configuration, its
 * state, and the interfaces between its files.
 *
 *   main.c    startup: options, configuration, TLS key and certificate
 *             (made on first start), the web role's fork, the sandboxes,
 *             the event loop and the IPC with web
 *   api.c     routes each CD_MSG_REQ: authentication (sessions, CSRF,
 *             origin, roles), login/setup/logout/TOTP/users/password,
 *             audit; calls status.c and update.c for their routes
 *   users.c   the users file (/data/consoled/users): parse, find, atomic
 *             rewrite
 *   status.c  the time service's status and GNSS files as JSON, the
 *             history of the clock figures (hour at 1 s, day at 60 s),
 *             alarms, OpenMetrics text
 *   update.c  the client of updated's control socket: status, install
 *             (streaming an upload), rollback, reboot
 *   web.c     the web role (TLS, HTTP, static assets), see consoled_ipc.h
 */
#ifndef CONSOLED_H
#define CONSOLED_H

#include <stddef.h>
#include <stdint.h>

#include <bearssl.h>

#include "audit.h"
#include "consoled_ipc.h"
#include "ratelimit.h"
#include "sandbox.h"
#include "session.h"

#define CD_USERS_MAX 32
#define CD_USER_LEN  32  /* name, NUL-terminated: [a-z_][a-z0-9_-]{0,30} */
#define CD_PWHASH_LEN 128
#define CD_TOTP_LEN  64  /* base32 secret, "" if none */
#define CD_OUT_MAX   (512 * 1024) /* largest response body main builds */

struct cd_conf {
	char data_dir[256];      /* /data/consoled */
	char time_status[256];   /* /run/timegate/time/status */
	char gnss_status[256];   /* /run/timegate/time/gnss */
	char updated_sock[256];  /* /run/timegate/update/updated.sock */
	char release_file[256];  /* /etc/timegate/release */
	char listen[64];         /* -l / listen: "ADDR PORT" for tests, "" under tg-supervise */
	uint32_t kdf_iterations; /* for new password hashes (600000) */
	uint32_t session_idle_s; /* 900 */
	uint32_t session_max_s;  /* 28800 */
};

void cd_conf_defaults(struct cd_conf *c);
/* Parse a configuration file's text (lib/conf.h syntax); 0, or -1 with err. */
int cd_conf_parse(struct cd_conf *c, const char *text, size_t len, const char *fname, char *err,
		  size_t errlen);

struct cd_user {
	char name[CD_USER_LEN];
	int role; /* TG_ROLE_* of session.h */
	char pwhash[CD_PWHASH_LEN];
	char totp[CD_TOTP_LEN];
	int64_t totp_last_step; /* in memory only: TOTP replay guard */
};

struct cd_users {
	int n;
	struct cd_user u[CD_USERS_MAX];
};

/* users.c: pure parse of the file's text; 0 or -1 with err (line named). */
int cd_users_parse(struct cd_users *us, const char *text, size_t len, char *err, size_t errlen);
/* The file's text for us, into out; length or -1 if it does not fit. */
long cd_users_format(const struct cd_users *us, char *out, size_t cap);
struct cd_user *cd_users_find(struct cd_users *us, const char *name);
/* 1 if s[0..n) is a valid user name ([a-z_][a-z0-9_-]{0,30}), else 0. */
int cd_user_name_ok(const char *s, size_t n);
int cd_users_admins(const struct cd_users *us);
/* Read (absent file: zero users) / write atomically (temp, fsync, rename, fsync dir). */
int cd_users_load(struct cd_users *us, const char *path, char *err, size_t errlen);
int cd_users_save(const struct cd_users *us, const char *path, char *err, size_t errlen);

/* A response being built by main (the body is sent to web in chunks). */
struct cd_out {
	int status;
	int kind;                       /* enum cd_kind */
	uint32_t retry_after;
	char set_cookie[CD_SETCOOKIE_MAX];
	char filename[64];
	char *body;                     /* CD_OUT_MAX bytes */
	size_t len;
};

/* JSON error body {"error": msg} with status. */
void cd_out_error(struct cd_out *o, int status, const char *msg);

struct cd_history_point {
	int64_t t;          /* unix seconds */
	int64_t offset_ns, jitter_ns, bound_ns;
	int state;          /* enum tg_clock_state, -1: no status */
};

#define CD_HIST_HOUR 3600
#define CD_HIST_DAY  1440

struct cd_history {
	struct cd_history_point hour[CD_HIST_HOUR]; /* every second */
	struct cd_history_point day[CD_HIST_DAY];   /* every minute (the minute's worst) */
	size_t n_hour, n_day, i_hour, i_day;
	struct cd_history_point minute;             /* the minute being gathered */
	int64_t minute_t;
};

/* An install streaming to updated (update.c). */
struct cd_upload {
	int active;
	uint32_t conn, gen;
	uint32_t next_seq;
	uint64_t total, done;
	int fd;                 /* connection to updated */
	char user[CD_USER_LEN]; /* for the audit record */
	char addr[CD_ADDR_MAX];
};

struct cd_main {
	struct cd_conf conf;
	struct cd_users users;
	struct tg_sess_table sessions;
	struct tg_rl rl;
	struct cd_history hist;
	struct cd_upload upload;
	char setup_code[16];     /* "" once an admin exists */
	/* audit chain state */
	int audit_fd;
	uint64_t audit_next_seq;
	uint8_t audit_prev[32];
	char version[64];        /* release version, for the dashboard */
	int web_fd;              /* IPC with the web role */
	uint8_t rnd_pool[64];    /* scratch for random bytes */
	void *rng;               /* struct tg_rng * */
	int64_t (*now_mono)(void); /* seconds, for sessions/limits (tests replace it) */
	int64_t (*now_real)(void); /* unix seconds */
};

/* main.c: n random bytes from m->rng (tests provide their own). */
void cd_random(struct cd_main *m, void *out, size_t n);

/* The authenticated caller of a request, as api.c established it. */
struct cd_who {
	const struct tg_sess *sess; /* NULL: not logged in */
	const char *user;           /* "" if none */
	int role;                   /* 0 if none */
};

/* api.c: answer one request (not an upload's chunks). */
void cd_api_request(struct cd_main *m, const struct cd_msg_req *rq, struct cd_out *o);
/* api.c: an audit record (time and clock state filled in here). */
void cd_audit(struct cd_main *m, const char *user, const char *addr, const char *action,
	      const char *result, const char *detail);

/* status.c */
void cd_status_sample(struct cd_main *m);   /* once a second, from main's timer */
void cd_status_json(struct cd_main *m, struct cd_out *o);
void cd_history_json(struct cd_main *m, const char *span, struct cd_out *o);
void cd_metrics(struct cd_main *m, struct cd_out *o);
/* the clock state name for audit records: locked holdover unsync locking failed */
const char *cd_clock_state_name(struct cd_main *m);

/* update.c */
void cd_update_status_json(struct cd_main *m, struct cd_out *o);
/* simple commands: "rollback", "reboot"; answer {"message"} or error */
void cd_update_command(struct cd_main *m, const char *cmd, struct cd_out *o);
/* an upload: begin (connects, sends "install\n"); 0 or -1 with o filled */
int cd_update_begin(struct cd_main *m, const struct cd_msg_req *rq, const char *user,
		    struct cd_out *o);
/* a chunk; returns 1 when the upload ended (o filled with the answer), 0 to go on */
int cd_update_chunk(struct cd_main *m, const struct cd_msg_upload *up, struct cd_out *o);

/* web.c: the web role.  listen_fds: bound, listening TCP sockets; ipc_fd:
 * its end of the pair with main; creds: the TLS chain and key (the role
 * keeps them, main wipes its copy).  Enters its own sandbox; never
 * returns. */
struct cd_tls_creds {
	const br_x509_certificate *chain;
	size_t chain_len;
	const br_ec_private_key *key;
};
void cd_web_main(const struct cd_tls_creds *creds, const int *listen_fds, int n_listen, int ipc_fd)
    __attribute__((noreturn));
/* the web role's seccomp table, for consoled -S and the policy docs */
void cd_web_sandbox(struct tg_sandbox *sb, struct tg_syscall_rule *rules, size_t cap);

#endif
