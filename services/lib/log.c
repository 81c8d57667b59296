/*
 * log.c - one-line log records, one write(2) each.
 *
 * The line is formatted into a stack buffer of TG_LOG_LINE_MAX bytes:
 * prefix, message (control characters replaced by '?'), then '\n', which
 * is always the last byte even when the message was cut: a record is at
 * most TG_LOG_LINE_MAX bytes, newline included.  No allocation,
 * errno preserved, so callers can log and then still report errno.
 */
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log_internal.h"

#define NAME_MAX_LEN 31

static char log_service[NAME_MAX_LEN + 1] = "timegate";
static char log_role[NAME_MAX_LEN + 1] = "main";
static int log_fd = 2;
static enum tg_log_level log_max = TG_LOG_INFO;

static const char *const level_words[] = {
    [TG_LOG_ERR] = "error",
    [TG_LOG_WARN] = "warn",
    [TG_LOG_INFO] = "info",
    [TG_LOG_DEBUG] = "debug",
};

/* Copy at most NAME_MAX_LEN bytes; keep printable bytes only, so a name cannot break a line. */
static void copy_name(char *dst, const char *src)
{
	size_t i = 0;

	if (src) {
		for (; i < NAME_MAX_LEN && src[i]; i++) {
			unsigned char c = (unsigned char)src[i];
			dst[i] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
		}
	}
	dst[i] = '\0';
}

void tg_log_init(const char *service, const char *role)
{
	copy_name(log_service, service);
	copy_name(log_role, role);
}

void tg_log_set_role(const char *role)
{
	copy_name(log_role, role);
}

void tg_log_set_level(enum tg_log_level max_level)
{
	if ((int)max_level < TG_LOG_ERR)
		max_level = TG_LOG_ERR;
	if (max_level > TG_LOG_DEBUG)
		max_level = TG_LOG_DEBUG;
	log_max = max_level;
}

void tg_log_set_fd(int fd)
{
	log_fd = fd;
}

int tg_log_fd(void)
{
	return log_fd;
}

const char *tg_log_service(void)
{
	return log_service;
}

const char *tg_log_role(void)
{
	return log_role;
}

/* format(printf, 2, 0) here: lets the compilers check fmt's use as a va_list format */
__attribute__((format(printf, 2, 0))) void tg_vlog(enum tg_log_level level, const char *fmt,
                                                   va_list ap)
{
	char line[TG_LOG_LINE_MAX];
	int saved = errno;
	int n, m;
	size_t len, i;

	if ((int)level < TG_LOG_ERR)
		level = TG_LOG_ERR;
	if (level > TG_LOG_DEBUG)
		level = TG_LOG_DEBUG;
	if (level > log_max)
		return;

	n = snprintf(line, sizeof(line), "%s[%s] %s: ", log_service, log_role, level_words[level]);
	if (n < 0)
		n = 0;
	/* the prefix is at most 31 + 31 + 12 bytes: always fits */
	len = (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1;

	/*
	 * The message may use line[len .. LINE_MAX-2]; vsnprintf's NUL lands
	 * at most on line[LINE_MAX-1], which the '\n' then replaces.
	 */
	m = vsnprintf(line + len, sizeof(line) - len, fmt, ap);
	if (m > 0) {
		size_t room = sizeof(line) - 1 - len;
		size_t mlen = (size_t)m < room ? (size_t)m : room;

		for (i = len; i < len + mlen; i++) {
			unsigned char c = (unsigned char)line[i];
			if (c < 0x20 || c == 0x7f)
				line[i] = '?';
		}
		len += mlen;
	}
	line[len++] = '\n';

	while (write(log_fd, line, len) < 0 && errno == EINTR)
		;
	errno = saved;
}

void tg_log(enum tg_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tg_vlog(level, fmt, ap);
	va_end(ap);
}

void tg_fatal(const char *fmt, ...)
{
	char msg[TG_LOG_LINE_MAX];
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	tg_log(TG_LOG_ERR, "%s: %s", msg, strerror(saved));
	exit(TG_EXIT_SYS);
}

void tg_fatalx(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tg_vlog(TG_LOG_ERR, fmt, ap);
	va_end(ap);
	exit(code);
}

void tg_seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

int tg_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

void tg_log_child_end(const char *name, int status)
{
	if (WIFEXITED(status))
		tg_err("%s role exited with status %d", name, WEXITSTATUS(status));
	else if (WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS)
		tg_err("%s role killed by SIGSYS (seccomp violation; its last line names the "
		       "syscall)",
		       name);
	else if (WIFSIGNALED(status))
		tg_err("%s role killed by signal %d", name, WTERMSIG(status));
	else
		tg_err("%s role ended (wait status 0x%x)", name, (unsigned)status);
}

void tg_role_died(const char *name, pid_t pid)
{
	int status;
	pid_t p;

	do
		p = waitpid(pid, &status, 0);
	while (p < 0 && errno == EINTR);
	if (p == pid)
		tg_log_child_end(name, status);
	else
		tg_err("%s role lost: waitpid: %s", name, strerror(errno));
	exit(TG_EXIT_SYS);
}

int tg_notify_fd_from_env(void)
{
	const char *s = getenv("TG_NOTIFY_FD");
	char *end;
	long v;

	if (!s)
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 0 || v > 1023 || fcntl((int)v, F_GETFD) < 0)
		tg_fatalx(TG_EXIT_USAGE, "TG_NOTIFY_FD='%.32s': expected an open descriptor (0..1023)",
			  s);
	fcntl((int)v, F_SETFD, FD_CLOEXEC);
	unsetenv("TG_NOTIFY_FD");
	return (int)v;
}

void tg_notify_ready(int *fd)
{
	static const char msg[] = "ready\n";
	ssize_t n;

	if (*fd < 0)
		return;
	do
		n = write(*fd, msg, sizeof(msg) - 1);
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)(sizeof(msg) - 1))
		tg_warn("readiness notification on fd %d failed: %s", *fd,
			n < 0 ? strerror(errno) : "short write");
	close(*fd);
	*fd = -1;
}
