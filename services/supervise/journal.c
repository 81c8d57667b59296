/*
 * journal.c - where log lines go: timestamp, console, stderr, ring.
 *
 * Lines come from the services' output pipes and from the supervisor
 * itself: tg_log writes into a non-blocking self-log pipe that the loop
 * reads like a service's pipe, so its records get the same timestamps and
 * land in the same ring.  Before a service line is written the self-log
 * pipe is drained, so records keep the order in which things happened.
 *
 * Console writes are non-blocking (a slow serial console drops lines
 * there rather than stall the loop; the ring still has them).  stderr is
 * skipped when it is the console itself (busybox init gives us the
 * console as stdio), so lines do not appear twice.
 */
#include "supervise/supervise.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#define SV_READ_CHUNK   4096
#define SV_SELFLOG_PIPE (1024 * 1024)

uint64_t sv_boottime_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_BOOTTIME, &ts) < 0 && clock_gettime(CLOCK_MONOTONIC, &ts) < 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return; /* EAGAIN on the console, or a broken stderr: drop */
		p += w;
		n -= (size_t)w;
	}
}

static void emit(struct sv *sv, const char *line, size_t len, int truncated)
{
	char rec[SV_RECORD_MAX];
	size_t n = sv_record_format(rec, sizeof(rec), sv_boottime_ns(), line, len, truncated);

	if (sv->console_fd >= 0)
		write_all(sv->console_fd, rec, n);
	if (!sv->stderr_is_console)
		write_all(2, rec, n);
	sv_ring_append(&sv->ring, rec, n);
}

static void self_line(void *arg, const char *line, size_t len, int truncated)
{
	emit(arg, line, len, truncated);
}

void sv_journal_flush_self(struct sv *sv)
{
	char buf[SV_READ_CHUNK];
	ssize_t r;

	if (sv->selflog_rd < 0)
		return;
	while ((r = read(sv->selflog_rd, buf, sizeof(buf))) > 0)
		sv_linebuf_feed(&sv->selflog_lb, buf, (size_t)r, self_line, sv);
}

void sv_journal_line(struct sv *sv, const char *line, size_t len, int truncated)
{
	sv_journal_flush_self(sv);
	emit(sv, line, len, truncated);
}

static void selflog_cb(struct tg_loop *l, int fd, short revents, void *arg)
{
	(void)l;
	(void)fd;
	(void)revents;
	sv_journal_flush_self(arg);
}

/* 1 if fds a and b are the same file or terminal device. */
static int same_file(int a, int b)
{
	struct stat sa, sb;

	if (fstat(a, &sa) < 0 || fstat(b, &sb) < 0)
		return 0;
	if (S_ISCHR(sa.st_mode) && S_ISCHR(sb.st_mode))
		return sa.st_rdev == sb.st_rdev;
	return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

int sv_journal_init(struct sv *sv, char *err, size_t errlen)
{
	int p[2];
	char *buf;

	err[0] = '\0';
	buf = malloc(sv->ring_bytes);
	if (!buf) {
		snprintf(err, errlen, "ring buffer of %zu bytes: %s", sv->ring_bytes,
		         strerror(errno));
		return -1;
	}
	sv_ring_init(&sv->ring, buf, sv->ring_bytes);

	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0) {
		snprintf(err, errlen, "self-log pipe: %s", strerror(errno));
		return -1;
	}
	/* room for bursts between two loop turns; the default is enough if refused */
	(void)fcntl(p[1], F_SETPIPE_SZ, SV_SELFLOG_PIPE);
	sv->selflog_rd = p[0];
	sv->selflog_wr = p[1];
	sv_linebuf_init(&sv->selflog_lb);
	if (tg_loop_add_fd(&sv->loop, p[0], POLLIN, selflog_cb, sv) < 0) {
		snprintf(err, errlen, "self-log pipe: event loop full");
		return -1;
	}

	sv->console_fd = -1;
	sv->stderr_is_console = 0;
	if (!sv->no_console) {
		sv->console_fd = open(sv->mc.console, O_WRONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
		if (sv->console_fd < 0)
			snprintf(err, errlen, "console %s: %s (logging to stderr only)",
			         sv->mc.console, strerror(errno));
		else
			sv->stderr_is_console = same_file(sv->console_fd, 2);
	}
	/* from here on our own messages go through the loop */
	tg_log_set_fd(p[1]);
	return 0;
}

/* ---------------------------------------------------------------- output pipes */

static void output_line(void *arg, const char *line, size_t len, int truncated)
{
	struct sv_output *o = arg;

	if (o->keep_last && len > 0) {
		size_t n = len < SV_CTL_OUTPUT_MAX ? len : SV_CTL_OUTPUT_MAX;

		memcpy(o->last, line, n);
		o->last[n] = '\0';
	}
	sv_journal_line(o->sv, line, len, truncated);
}

/* Read once; returns 1 if more may follow, 0 at end of file or error (pipe closed). */
static int output_read(struct sv_output *o)
{
	char buf[SV_READ_CHUNK];
	ssize_t r = read(o->fd, buf, sizeof(buf));

	if (r > 0) {
		sv_linebuf_feed(&o->lb, buf, (size_t)r, output_line, o);
		return 1;
	}
	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return 1;
	sv_output_close(o);
	return 0;
}

static void output_cb(struct tg_loop *l, int fd, short revents, void *arg)
{
	(void)l;
	(void)fd;
	(void)revents;
	/* one chunk per turn: a chatty service cannot starve the others */
	output_read(arg);
}

void sv_output_open(struct sv *sv, struct sv_output *o, int fd)
{
	o->sv = sv;
	o->fd = fd;
	sv_linebuf_init(&o->lb);
	if (tg_loop_add_fd(&sv->loop, fd, POLLIN, output_cb, o) < 0) {
		tg_err("output pipe: event loop full; output dropped");
		close(fd);
		o->fd = -1;
	}
}

void sv_output_drain(struct sv_output *o)
{
	/* a pipe holds at most what its size allows; bound the loop anyway */
	int i;

	for (i = 0; i < 1024 && o->fd >= 0; i++) {
		char buf[SV_READ_CHUNK];
		ssize_t r = read(o->fd, buf, sizeof(buf));

		if (r > 0) {
			sv_linebuf_feed(&o->lb, buf, (size_t)r, output_line, o);
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0 || errno != EAGAIN)
			sv_output_close(o);
		return;
	}
}

void sv_output_close(struct sv_output *o)
{
	if (o->fd < 0)
		return;
	sv_linebuf_flush(&o->lb, output_line, o);
	tg_loop_del_fd(&o->sv->loop, o->fd);
	close(o->fd);
	o->fd = -1;
}
