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
#include "json.h"
#include "ntsstats.h"
#include "ratelimit.h"
#include "sandbox.h"
#include "session.h"
#include "xcheckstatus.h"

#define CD_USERS_MAX 32
#define CD_USER_LEN  32  /* name, NUL-terminated: [a-z_][a-z0-9_-]{0,30} */
#define CD_PWHASH_LEN 128
#define CD_TOTP_LEN  64  /* base32 secret, "" if none */
#define CD_OUT_MAX   (512 * 1024) /* largest response body main builds */

struct cd_conf {
	char data_dir[256];      /* /data/consoled */
	char time_status[256];   /* /run/timegate/time/status */
	char gnss_status[256];   /* /run/timegate/time/gnss */
	/* NTS figures (status.c) */
	char ntsd_stats[256];    /* /run/timegate/ntsd/stats: ntsd's counters (lib/ntsstats.h) */
	/* timed's upstream cross-check results (status.c; lib/xcheckstatus.h), "" = none */
	char xcheck_status[256]; /* /run/timegate/time/xcheck */
	char updated_sock[256];  /* /run/timegate/update/updated.sock */
	char release_file[256];  /* /etc/timegate/release */
	char log_sock[256];      /* /run/timegate/log.sock: tg-supervise's log ring (svctl.c) */
	char status_sock[256];   /* /run/timegate/status.sock: its services' states */
	char control_sock[256];  /* /run/timegate/control.sock: restart SERVICE, run ACTION */
	char nts_tls_dir[256];   /* /data/config/nts: ntsd's cert.pem and key.pem (cfgtls.c) */
	char config_dir[256];    /* /data/config: timed.conf, network (config.c) */
	char site_conf[256];     /* /data/policy/site.conf: the network policy's site settings */
	char network_policy[256]; /* /etc/timegate/network.policy (site.conf is checked against it) */
	char roles[256];         /* /etc/timegate/roles: "ROLE IFNAME" lines */
	char network_applied[256]; /* /run/timegate/network.applied: what rc.boot applied */
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
/* The answer written into o->body through j as 200 JSON; when it did not
 * fit (or j was misused), 500 {"error": too_big} instead. */
static inline void cd_out_json(struct cd_out *o, struct tg_json *j, const char *too_big)
{
	if (tg_json_done(j) < 0) {
		cd_out_error(o, 500, too_big);
		return;
	}
	o->status = 200;
	o->kind = CD_KIND_JSON;
	o->len = j->len;
}

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

/*
 * NTS figures (status.c): the last counters file sampled, and the rates
 * between the last two distinct files (by their 'updated' stamps).
 */
struct cd_nts {
	struct tg_ntsstats last; /* the newest file read (have) */
	int have;
	int have_rates;          /* rates below are from last and the file before it */
	double ntp_rps, nts_rps, refused_rps, ke_per_min;
};

/*
 * timed's cross-check results (status.c): the file as cd_status_sample()
 * last read it (once a second; timed rewrites it only when a sample
 * comes, so its ages are as of st.mono_ns).
 */
struct cd_xcheck {
	int have;               /* st holds the last file read */
	struct tg_xcheck st;
	char why[512];          /* !have: what was wrong ("" before the first read) */
};

/*
 * An install streaming to updated (update.c).  Once the whole bundle is
 * with updated the upload is finishing: main watches fd in its event loop
 * and goes on answering other requests until updated's verdict comes (or
 * CD_UPDATE_FINISH_TIMEOUT_S passes).  conn, gen, user and addr stay set
 * after the end: they name the request the answer is for, and the audit
 * record's user.
 */
#define CD_UPDATE_FINISH_TIMEOUT_S 300 /* updated fsyncs, reads back and hashes both images */
#define CD_UPLOAD_ANSWER_MAX 2048      /* updated's lines are < 600 bytes */
struct cd_upload {
	int active;             /* streaming or finishing: another upload gets 409 */
	int finishing;          /* the bundle is whole with updated; its answer is awaited */
	uint32_t conn, gen;
	uint32_t next_seq;
	uint64_t total, done;
	int fd;                 /* connection to updated */
	char user[CD_USER_LEN]; /* for the audit record */
	char addr[CD_ADDR_MAX];
	char ans[CD_UPLOAD_ANSWER_MAX]; /* finishing: updated's answer as it arrives */
	size_t ans_n;
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
	/* tg-supervise's control socket: cd_svc_command (svctl.c); tests set a fake */
	int (*svc)(struct cd_main *m, const char *cmd, char *err, size_t errlen);
	/* NTS figures (status.c) */
	struct cd_nts nts;
	struct cd_xcheck xcheck; /* timed's upstream cross-check (status.c) */
	int64_t console_cert_not_after; /* the device certificate's (main.c); 0: unknown */
	/* cfgtls.c sets it (1) when a new console certificate is installed: main.c
	 * exits once that answer is handed to web, and is started again (2: timer set) */
	int restart_pending;
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
/* a chunk; returns 1 when the upload ended (o filled with the answer, status 0:
 * nothing to answer), 0 to go on, CD_UPLOAD_FINISHING after the last one: the
 * answer comes later on m->upload.fd (cd_update_answer, cd_update_timeout) */
#define CD_UPLOAD_FINISHING 2
int cd_update_chunk(struct cd_main *m, const struct cd_msg_upload *up, struct cd_out *o);
/* finishing, m->upload.fd readable or hung up: reads without blocking; 1 when
 * the upload ended (o holds the answer for m->upload.conn/gen), 0 to wait on */
int cd_update_answer(struct cd_main *m, struct cd_out *o);
/* finishing, CD_UPDATE_FINISH_TIMEOUT_S passed without an answer: ends it, 504 in o */
void cd_update_timeout(struct cd_main *m, struct cd_out *o);

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


/*
 * cfgtls.c: TLS credentials (cert.pem, key.pem, and their .prev) of a
 * target: CD_TLS_NTS, ntsd's in conf.nts_tls_dir (key 0640), or
 * CD_TLS_CONSOLE, the console's own in DATA_DIR/tls (key 0600).  Errors
 * the user caused (status 400) start with the request's form field and
 * ": " ("cert: ...", "key: ", "cn: ", "dns: "); on success cd_tls_install
 * leaves a summary for the audit record in err (subject, expiry; never key
 * material).
 */
enum { CD_TLS_NTS, CD_TLS_CONSOLE };
struct tg_json;
/* members of the open "tls" / "console_tls" object */
void cd_tls_info(struct cd_main *m, int target, struct tg_json *j);
/* key NULL: use the target's pending key of the last cd_tls_csr; installs, then NTS:
 * runs "restart ntsd"; console: sets m->restart_pending */
int cd_tls_install(struct cd_main *m, int target, const char *cert, size_t cert_len,
		   const char *key, size_t key_len, int *status, char *err, size_t errlen);
/* new P-256 key kept as DATA_DIR/nts-pending-key.pem or console-pending-key.pem
 * (0600); the CSR's PEM into out */
long cd_tls_csr(struct cd_main *m, int target, const char *cn, const char *dns_lines, char *out,
		size_t cap, int *status, char *err, size_t errlen);
/* the .prev pair back, checked and installed like an upload (409: none); for
 * POST /api/config/revert {"what": "tls"} or {"what": "console-tls"} */
int cd_tls_revert(struct cd_main *m, int target, int *status, char *err, size_t errlen);

/* cfgbackup.c: the backup file format of design.md D, pure (data points into the parsed buffer) */
#define CD_BACKUP_FILES_MAX 8
#define CD_BACKUP_NAME_LEN  32
struct cd_backup_file {
	char name[CD_BACKUP_NAME_LEN];
	const char *data;
	size_t len;
};
struct cd_backup {
	int n;
	struct cd_backup_file f[CD_BACKUP_FILES_MAX];
};
/* 0, or -1 with err naming the line ("backup line 7: ...") */
int cd_backup_parse(const char *buf, size_t len, struct cd_backup *b, char *err, size_t errlen);
/* the file's text into out; its length, or -1 (does not fit, bad name or length) */
long cd_backup_format(const struct cd_backup *b, char *out, size_t cap);


/*
 * config.c: the site configuration files (timed.conf and network in
 * conf.config_dir, conf.site_conf), checked with their consumers' parsers,
 * written atomically with NAME.prev kept, applied through m->svc.
 */
enum { CD_CFG_TIMED, CD_CFG_NETWORK, CD_CFG_SITE, CD_CFG_N };
const char *cd_cfg_name(int f);     /* "timed.conf", "network", "site.conf" */
int cd_cfg_index(const char *name); /* inverse, -1 if unknown */
int cd_cfg_path(const struct cd_main *m, int f, char *path, size_t cap);
/* the whole text of file f checked by its consumer's parser: 0, or -1 with
 * err ("timed.conf:12: ...") */
int cd_cfg_check(struct cd_main *m, int f, const char *text, size_t len, char *err, size_t errlen);
/* Keep the current file as .prev, write text atomically, apply it (timed.conf:
 * "restart timed"; site.conf: "run firewall"; network: nothing, next boot).
 * 0, or -1 with *status (400 invalid, 500 write failed, 502 apply failed) and
 * err; when the apply fails the previous text (and .prev) is written back. */
int cd_cfg_install(struct cd_main *m, int f, const char *text, size_t len, int *status, char *err,
		   size_t errlen);
/* {"error": msg, "field": field} (field NULL or "": none) */
void cd_cfg_error(struct cd_out *o, int status, const char *field, const char *msg);
/* GET /api/config (design.md D; the "tls" object from cd_tls_info) */
void cd_config_json(struct cd_main *m, struct cd_out *o);
/* POST /api/config/WHAT, WHAT time|upstreams|network|revert, after api.c's
 * checks (admin, CSRF, a flat JSON body): answers into o, audits "config.WHAT" */
void cd_config_post(struct cd_main *m, const char *what, const char *body, size_t len,
		    const char *user, const char *addr, struct cd_out *o);

/*
 * svctl.c: tg-supervise's sockets (conf.log_sock, status_sock,
 * control_sock).  cmd is one control line without "\n", e.g. "restart
 * timed", "run firewall": 0 when the answer was "ok"; -1 with err holding
 * the supervisor's error text (or why it could not be reached).  Callers
 * go through m->svc.
 */
int cd_svc_command(struct cd_main *m, const char *cmd, char *err, size_t errlen);
void cd_logs_json(struct cd_main *m, const char *query, struct cd_out *o); /* GET /api/logs */
void cd_services_json(struct cd_main *m, struct cd_out *o);               /* GET /api/services */
/* POST /api/services/restart after its checks of role and CSRF: name must be one of
 * status.sock's services and not the console itself; {"message"} or an error */
void cd_services_restart(struct cd_main *m, const char *name, struct cd_out *o);

#define CD_SVC_NAME_MAX 31
#define CD_SVC_MAX      32 /* tg-supervise's SV_MAX_SERVICES */
#define CD_SVC_SELF     "consoled"
#define CD_LOGS_DEFAULT 200
#define CD_LOGS_MAX     1000
/* 1 if s[0..n) is a service name as the supervisor's status and lib/log write them */
int cd_svc_name_ok(const char *s, size_t n);
/* one log.sock record, without its "\n" (pure; pointers into line) */
struct cd_logline {
	const char *t;       /* "12.345678": seconds since boot, as the ring holds it; "" if none */
	size_t t_len;
	const char *service; /* NAME of a leading "NAME[ROLE] " (lib/log.h), "" if none */
	size_t service_len;
	const char *text;    /* the line after the timestamp, as the service wrote it */
	size_t text_len;
};
void cd_logline_parse(const char *line, size_t len, struct cd_logline *l);
/* The /api/logs answer over a dump buf[0..len): the newest n lines of service
 * (NULL or "": any) whose text holds q (NULL or "": any; ASCII case-insensitive),
 * oldest first; older_dropped: lines before buf were lost (truncated is then true).
 * Its length, or -1 when it does not fit in out[0..cap) or n < 1. */
long cd_logs_format(const char *buf, size_t len, const char *service, const char *q, long n,
		    int older_dropped, char *out, size_t cap);
/* status.sock's lines */
struct cd_svc_status {
	char name[CD_SVC_NAME_MAX + 1];
	char state[16]; /* running waiting stopped failed-config */
	int64_t pid, uptime_s, restarts;
	int ready;
};
int cd_svc_status_parse(const char *buf, size_t len, struct cd_svc_status *s, int cap, int *n,
			int *all_ready, char *err, size_t errlen);

#endif
