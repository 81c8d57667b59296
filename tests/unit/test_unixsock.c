/*
 * test_unixsock.c - lib/unixsock, the client side of the local control
 * sockets (consoled to updated and tg-supervise): a connect reaches a
 * listening socket and carries its timeouts; an empty or oversized path
 * is ENAMETOOLONG and a missing socket ENOENT, without a descriptor left
 * open; all bytes are sent; a peer that has gone is EPIPE, not SIGPIPE.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "unixsock.h"

static char dir[64], path[96];

static int listener(void)
{
	struct sockaddr_un sa;
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(fd, 4) < 0) {
		perror(path);
		exit(1);
	}
	return fd;
}

static void connect_and_send(void)
{
	static char big[256 * 1024];
	struct timeval tv;
	socklen_t tl = sizeof tv;
	int l = listener(), c, a;
	size_t got = 0;
	char buf[4096];

	c = tg_unix_connect(path, 3, 7);
	CHECK(c >= 0);
	CHECK(getsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, &tl) == 0 && tv.tv_sec == 3);
	tl = sizeof tv;
	CHECK(getsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv, &tl) == 0 && tv.tv_sec == 7);
	a = accept(l, NULL, NULL);
	CHECK(a >= 0);
	/* more than the socket buffers hold: the loop must go on after short sends */
	memset(big, 'x', sizeof big);
	if (fork() == 0) {
		ssize_t r;

		close(c);
		while ((r = read(a, buf, sizeof buf)) > 0)
			got += (size_t)r;
		_exit(got == sizeof big ? 0 : 1);
	}
	close(a);
	CHECK_EQ_INT(tg_send_all(c, big, sizeof big), 0);
	close(c);
	{
		int st = -1;

		CHECK(wait(&st) > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	/* a peer that has closed: EPIPE, and the process lives on */
	c = tg_unix_connect(path, 1, 1);
	a = accept(l, NULL, NULL);
	close(a);
	CHECK_EQ_INT(tg_send_all(c, "x", 1) == 0 ? tg_send_all(c, big, sizeof big) : -1, -1);
	CHECK_EQ_INT(errno, EPIPE);
	close(c);
	close(l);
	unlink(path);
}

static void bad_paths(void)
{
	char longp[200];
	int before = dup(0), after;

	close(before);
	errno = 0;
	CHECK_EQ_INT(tg_unix_connect("", 1, 1), -1);
	CHECK_EQ_INT(errno, ENAMETOOLONG);
	memset(longp, 'a', sizeof longp - 1);
	longp[0] = '/';
	longp[sizeof longp - 1] = '\0';
	CHECK_EQ_INT(tg_unix_connect(longp, 1, 1), -1);
	CHECK_EQ_INT(errno, ENAMETOOLONG);
	CHECK_EQ_INT(tg_unix_connect(path, 1, 1), -1); /* nothing listens there */
	CHECK_EQ_INT(errno, ENOENT);
	after = dup(0); /* the lowest free descriptor: none was left open */
	CHECK_EQ_INT(after, before);
	close(after);
}

int main(void)
{
	snprintf(dir, sizeof dir, "/tmp/tg-test-unixsock.XXXXXX");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(path, sizeof path, "%s/s.sock", dir);
	RUN(connect_and_send);
	RUN(bad_paths);
	unlink(path);
	rmdir(dir);
	return check_exit();
}
