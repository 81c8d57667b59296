/*
 * listen.c - the sockets the supervisor binds for its services.
 *
 * Bound here, as root, before any service starts: services then need no
 * CAP_NET_BIND_SERVICE for ports below 1024, and the same socket is
 * handed to each run of the service (no rebind race on restart).  The
 * supervisor's copy is close-on-exec; the child's dup2'ed copy is not.
 */
#include "supervise/supervise.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define SV_TCP_BACKLOG 128

int sv_listen_open(const struct sv_listen *l, char *err, size_t errlen)
{
	const int one = 1;
	const char *step;
	int fd, saved;

	fd = socket(l->family, l->socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "listen %s: socket: %s", l->text, strerror(errno));
		return -1;
	}
	step = "IPV6_V6ONLY";
	if (l->family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0)
		goto fail;
	step = "SO_REUSEADDR";
	if (l->socktype == SOCK_STREAM &&
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
		goto fail;
	step = "bind";
	if (bind(fd, &l->addr.sa, l->addrlen) < 0)
		goto fail;
	step = "listen";
	if (l->socktype == SOCK_STREAM && listen(fd, SV_TCP_BACKLOG) < 0)
		goto fail;
	return fd;

fail:
	saved = errno;
	close(fd);
	snprintf(err, errlen, "listen %s %s: %s: %s", l->text, l->name, step, strerror(saved));
	return -1;
}
