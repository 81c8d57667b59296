/*
 * test_log.c - record format, level filter, sanitising, truncation, one
 * write per record (seen through a SOCK_SEQPACKET socket, where each
 * write is one datagram), and tg_fatal/tg_fatalx exit codes.
 */
#include "check.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"

static int sv[2] = {-1, -1};

/* One datagram = one write(2); "" if nothing was written. */
static const char *next_record(char *buf, size_t cap, ssize_t *len)
{
	ssize_t n = recv(sv[0], buf, cap - 1, MSG_DONTWAIT);

	*len = n < 0 ? 0 : n;
	buf[*len] = '\0';
	return buf;
}

static void setup(void)
{
	if (sv[0] < 0)
		CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == 0);
	tg_log_init("ntsd", "ntp");
	tg_log_set_fd(sv[1]);
	tg_log_set_level(TG_LOG_INFO);
}

static void test_format(void)
{
	char buf[2048];
	ssize_t n;

	setup();
	tg_warn("dropped request from %s: bad length %d", "192.0.2.1", 47);
	CHECK_EQ_STR(next_record(buf, sizeof(buf), &n),
	             "ntsd[ntp] warn: dropped request from 192.0.2.1: bad length 47\n");
	tg_err("e");
	CHECK_EQ_STR(next_record(buf, sizeof(buf), &n), "ntsd[ntp] error: e\n");
	tg_info("i");
	CHECK_EQ_STR(next_record(buf, sizeof(buf), &n), "ntsd[ntp] info: i\n");
	tg_log_set_role("ke");
	tg_log(TG_LOG_ERR, "%s", "");
	CHECK_EQ_STR(next_record(buf, sizeof(buf), &n), "ntsd[ke] error: \n");
}

static void test_levels(void)
{
	char buf[2048];
	ssize_t n;

	setup();
	tg_debug("hidden");
	CHECK_EQ_STR(next_record(buf, sizeof(buf), &n), "");
	tg_log_set_level(TG_LOG_DEBUG);
	tg_debug("shown");
	CHECK_EQ_STR(next_record(buf, sizeof(buf), &n), "ntsd[ntp] debug: shown\n");
	tg_log_set_level(TG_LOG_ERR);
	tg_warn("hidden");
	tg_info("hidden");
	CHECK_EQ_STR(next_record(buf, sizeof(buf), &n), "");
	tg_err("shown");
	CHECK_EQ_STR(next_record(buf, sizeof(buf), &n), "ntsd[ntp] error: shown\n");
	/* out-of-range levels are clamped, never index past the table */
	tg_log_set_level((enum tg_log_level)99);
	tg_log((enum tg_log_level)7, "x");
	CHECK_EQ_STR(next_record(buf, sizeof(buf), &n), "ntsd[ntp] debug: x\n");
}

static void test_control_chars(void)
{
	char buf[2048];
	ssize_t n;

	setup();
	/* a newline in echoed input must not start a forged second record */
	tg_warn("bad name '%s'", "a\nntsd[ntp] error: forged\r\t\x1b[0m\x7f");
	CHECK_EQ_STR(next_record(buf, sizeof(buf), &n),
	             "ntsd[ntp] warn: bad name 'a?ntsd[ntp] error: forged???[0m?'\n");
	/* UTF-8 bytes pass */
	tg_info("\xc3\xa9t\xc3\xa9");
	CHECK_EQ_STR(next_record(buf, sizeof(buf), &n), "ntsd[ntp] info: \xc3\xa9t\xc3\xa9\n");
	/* names are cut at 31 bytes and cleaned too */
	tg_log_init("0123456789012345678901234567890123456789", "r\nx");
	tg_info("m");
	CHECK_EQ_STR(next_record(buf, sizeof(buf), &n),
	             "0123456789012345678901234567890[r?x] info: m\n");
}

static void test_truncation(void)
{
	char big[3000], buf[4096];
	const char *prefix = "ntsd[ntp] info: ";
	size_t plen = strlen(prefix), fit = TG_LOG_LINE_MAX - 1 - plen;
	ssize_t n;

	setup();
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';

	tg_info("%s", big);
	next_record(buf, sizeof(buf), &n);
	CHECK_EQ_INT(n, TG_LOG_LINE_MAX);
	CHECK(buf[n - 1] == '\n');
	CHECK(strncmp(buf, prefix, plen) == 0);
	CHECK(strspn(buf + plen, "x") == fit);
	/* nothing left over: the record was one write */
	CHECK_EQ_STR(next_record(buf, sizeof(buf), &n), "");

	/* exactly full: not cut */
	tg_info("%.*s", (int)fit, big);
	next_record(buf, sizeof(buf), &n);
	CHECK_EQ_INT(n, TG_LOG_LINE_MAX);
	CHECK(strspn(buf + plen, "x") == fit && buf[n - 1] == '\n');
	/* one byte more: cut to the same length */
	tg_info("%.*sy", (int)fit, big);
	next_record(buf, sizeof(buf), &n);
	CHECK_EQ_INT(n, TG_LOG_LINE_MAX);
	CHECK(buf[n - 2] == 'x' && buf[n - 1] == '\n');
	/* control characters past the cut do not matter, before it they are replaced */
	big[fit - 1] = '\n';
	tg_info("%s", big);
	next_record(buf, sizeof(buf), &n);
	CHECK_EQ_INT(n, TG_LOG_LINE_MAX);
	CHECK(buf[n - 2] == '?' && buf[n - 1] == '\n' && !memchr(buf, '\n', (size_t)n - 1));
}

static void test_errno_kept(void)
{
	char buf[256];
	ssize_t n;

	setup();
	errno = EXDEV;
	tg_info("x");
	CHECK_EQ_INT(errno, EXDEV);
	next_record(buf, sizeof(buf), &n);
	/* a closed fd: the write fails, errno is still the caller's */
	tg_log_set_fd(-1);
	errno = ENOENT;
	tg_err("lost");
	CHECK_EQ_INT(errno, ENOENT);
	tg_log_set_fd(sv[1]);
}

/* Run fn in a child logging to a pipe; returns its wait status and output. */
static int in_child(void (*fn)(void), char *out, size_t cap)
{
	int p[2], status = 0;
	ssize_t n, total = 0;
	pid_t pid;

	CHECK(pipe(p) == 0);
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		tg_log_init("svc", "role");
		tg_log_set_fd(p[1]);
		fn();
		_exit(0);
	}
	close(p[1]);
	while ((n = read(p[0], out + total, cap - 1 - (size_t)total)) > 0)
		total += n;
	out[total] = '\0';
	close(p[0]);
	waitpid(pid, &status, 0);
	return status;
}

static void do_fatal(void)
{
	errno = ENOENT;
	tg_fatal("open %s", "/data/x.conf");
}

static void do_fatalx(void)
{
	errno = ENOENT;
	tg_fatalx(TG_EXIT_USAGE, "bad config: %d", 3);
}

static void test_fatal(void)
{
	char out[1024];
	int st;

	st = in_child(do_fatal, out, sizeof(out));
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == TG_EXIT_SYS);
	CHECK_EQ_STR(out, "svc[role] error: open /data/x.conf: No such file or directory\n");

	st = in_child(do_fatalx, out, sizeof(out));
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == TG_EXIT_USAGE);
	CHECK_EQ_STR(out, "svc[role] error: bad config: 3\n");
}

int main(void)
{
	RUN(test_format);
	RUN(test_levels);
	RUN(test_control_chars);
	RUN(test_truncation);
	RUN(test_errno_kept);
	RUN(test_fatal);
	return check_exit();
}
