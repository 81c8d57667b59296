/*
 * listenfd.c - see listenfd.h.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "listenfd.h"

/* prefix, or prefix and digits */
static int name_is(const char *p, size_t len, const char *prefix)
{
	size_t i, n = strlen(prefix);

	if (len < n || memcmp(p, prefix, n) != 0)
		return 0;
	for (i = n; i < len; i++)
		if (p[i] < '0' || p[i] > '9')
			return 0;
	return 1;
}

int tg_listen_fds(struct tg_listen_want *want, int nwant, char *err, size_t errlen)
{
	const char *nfds_s = getenv("TG_LISTEN_FDS");
	const char *names = getenv("TG_LISTEN_NAMES");
	const char *p;
	char *end;
	long v;
	int nfds, i, w;

	for (w = 0; w < nwant; w++)
		want[w].n = 0;
	if (!nfds_s)
		return 0;
	errno = 0;
	v = strtol(nfds_s, &end, 10);
	if (errno || end == nfds_s || *end || v < 1 || v > TG_LISTEN_FDS_MAX) {
		snprintf(err, errlen, "TG_LISTEN_FDS='%.32s': expected 1..%d", nfds_s,
			 TG_LISTEN_FDS_MAX);
		return -1;
	}
	nfds = (int)v;
	if (!names) {
		snprintf(err, errlen, "TG_LISTEN_FDS is set but TG_LISTEN_NAMES is not");
		return -1;
	}
	p = names;
	for (i = 0; i < nfds; i++) {
		const char *sep = strchr(p, ':');
		size_t len = sep ? (size_t)(sep - p) : strlen(p);
		int fd = TG_LISTEN_FDS_START + i;

		if (!*p && !sep) {
			snprintf(err, errlen, "TG_LISTEN_NAMES='%.64s' names fewer than %d sockets",
				 names, nfds);
			return -1;
		}
		if (fcntl(fd, F_GETFD) < 0) {
			snprintf(err, errlen, "TG_LISTEN_FDS: descriptor %d is not open", fd);
			return -1;
		}
		for (w = 0; w < nwant; w++)
			if (name_is(p, len, want[w].prefix))
				break;
		if (w == nwant) {
			close(fd);
		} else if (want[w].n == want[w].max) {
			snprintf(err, errlen, "TG_LISTEN_NAMES='%.64s': more than %d '%s' sockets",
				 names, want[w].max, want[w].prefix);
			return -1;
		} else {
			fcntl(fd, F_SETFD, FD_CLOEXEC);
			want[w].fds[want[w].n++] = fd;
		}
		p = sep ? sep + 1 : p + len;
	}
	if (*p) {
		snprintf(err, errlen, "TG_LISTEN_NAMES='%.64s' names more than %d sockets", names,
			 nfds);
		return -1;
	}
	unsetenv("TG_LISTEN_FDS");
	unsetenv("TG_LISTEN_NAMES");
	return 0;
}

int tg_listen_bind(const char *addr, uint16_t port, int type, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd, family, on = 1;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, addr, &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		family = s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		sl = sizeof(*s4);
	} else if (inet_pton(AF_INET6, addr, &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		family = s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		sl = sizeof(*s6);
	} else {
		snprintf(err, errlen, "'%.64s' is not an IPv4 or IPv6 address", addr);
		return -1;
	}
	fd = socket(family, type | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	if (type == SOCK_STREAM)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0 || (type == SOCK_STREAM && listen(fd, 64) < 0)) {
		snprintf(err, errlen, "bind/listen on %.64s port %u: %s", addr, port, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}
