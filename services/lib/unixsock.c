/*
 * unixsock.c - see unixsock.h.  consoled main reaches updated and
 * tg-supervise through these; its seccomp filter allows exactly the
 * calls made here (socket, setsockopt, connect, sendto).
 */
#include "unixsock.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

int tg_unix_connect(const char *path, int rcv_s, int snd_s)
{
	struct sockaddr_un sa;
	struct timeval tv;
	size_t len = strlen(path);
	int fd, e;

	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	if (len == 0 || len >= sizeof sa.sun_path) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(sa.sun_path, path, len);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	memset(&tv, 0, sizeof tv);
	tv.tv_sec = rcv_s;
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	tv.tv_sec = snd_s;
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

int tg_send_all(int fd, const void *buf, size_t n)
{
	const char *p = buf;

	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		if (w == 0) {
			errno = EPIPE;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}
