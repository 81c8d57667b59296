/*
 * log.h - one-line log records on stderr, tagged with service and role.
 *
 * Every record is a single write(2) of one line:
 *     "<service>[<role>] <level>: <message>\n"
 * e.g. "ntsd[ntp] warn: dropped request from 192.0.2.1: bad length 47".
 * The supervisor timestamps lines and keeps them in its ring buffer, so the
 * daemons do not.  Messages are truncated at TG_LOG_LINE_MAX bytes; control
 * characters in the message are replaced by '?', so input echoed into a log
 * line cannot forge a second record.
 *
 * Keys and other secrets never go through these functions.
 */
#ifndef TG_LOG_H
#define TG_LOG_H

#include <stdarg.h>
#include <sys/types.h>
#include <stddef.h>

#define TG_LOG_LINE_MAX 512

enum tg_log_level {
	TG_LOG_ERR = 0,
	TG_LOG_WARN = 1,
	TG_LOG_INFO = 2,
	TG_LOG_DEBUG = 3,
};

/* Exit codes (s6 convention): 0 ok, 100 usage/config error, 111 system call failure. */
#define TG_EXIT_OK 0
#define TG_EXIT_USAGE 100
#define TG_EXIT_SYS 111

/* service and role are copied (truncated to 31 bytes each). */
void tg_log_init(const char *service, const char *role);
void tg_log_set_role(const char *role);
void tg_log_set_level(enum tg_log_level max_level);
/* Output fd, stderr by default; tests point it at a pipe. */
void tg_log_set_fd(int fd);

void tg_log(enum tg_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void tg_vlog(enum tg_log_level level, const char *fmt, va_list ap);

#define tg_err(...) tg_log(TG_LOG_ERR, __VA_ARGS__)
#define tg_warn(...) tg_log(TG_LOG_WARN, __VA_ARGS__)
#define tg_info(...) tg_log(TG_LOG_INFO, __VA_ARGS__)
#define tg_debug(...) tg_log(TG_LOG_DEBUG, __VA_ARGS__)

/*
 * Format a message into a caller's error buffer (err may be NULL or
 * errlen 0: nothing is written).  The "char *err, size_t errlen" pair is
 * how every parser and helper reports what it expected.
 */
void tg_seterr(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The same, returning -1: "return tg_fail(err, errlen, ...)" in a parser. */
int tg_fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/*
 * How a child process ended, at error level: "NAME role exited with
 * status 3", "... killed by SIGSYS (seccomp violation; ...)", ... (the
 * parents of process roles: ntsd, timed).
 */
void tg_log_child_end(const char *name, int wait_status);

/*
 * A process role is gone or going (EOF on its socket): reap it, say how
 * it ended (tg_log_child_end), exit 111 for the supervisor to restart.
 */
void tg_role_died(const char *name, pid_t pid) __attribute__((noreturn));

/*
 * The readiness line for tg-supervise: "ready\n" on *fd, which is then
 * closed and set to -1 (nothing happens when *fd is -1).
 */
void tg_notify_ready(int *fd);
/*
 * The readiness descriptor tg-supervise passes in TG_NOTIFY_FD: -1 when
 * the variable is unset; else the descriptor (decimal, 0..1023, open),
 * made close-on-exec, and the variable removed.  Anything else is a usage
 * error (exit TG_EXIT_USAGE, the value named).
 */
int tg_notify_fd_from_env(void);

/* Log at error level with ": <strerror(errno)>" appended, then exit(111). */
void tg_fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
/* Log at error level, then exit(code). */
void tg_fatalx(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));

#endif
