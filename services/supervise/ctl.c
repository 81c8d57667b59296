/*
 * ctl.c - RUN_DIR/log.sock and RUN_DIR/status.sock.
 *
 * Both are read-only: a connection gets a dump (the ring, oldest first;
 * or one status line per service and "all-ready yes|no") and is closed;
 * nothing is read from clients.  Sockets are mode 0660, owned by root and
 * the log-group (group root by default).
 *
 * Dumps are written non-blocking: what does not fit in the socket buffer
 * is sent when the client reads, and a client that has not taken all of
 * it within SV_CLIENT_TIMEOUT_NS is dropped, so a slow or stuck reader
 * never stalls the loop.  At most SV_MAX_CLIENTS at once; more are closed
 * at once.  A log dump covers the ring as it was at connect time; lines
 * the writer overwrote meanwhile are skipped (positions are absolute).
 */
#include "supervise/supervise.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"

#define SV_ACCEPT_BURST 16

static void client_close(struct sv_client *c)
{
	if (c->fd < 0)
		return;
	if (c->timer)
		tg_loop_cancel_timer(&c->sv->loop, c->timer);
	c->timer = 0;
	tg_loop_del_fd(&c->sv->loop, c->fd);
	close(c->fd);
	c->fd = -1;
}

/* Send what the socket takes; returns 1 when everything was sent, 0 if more is due, -1 on error. */
static int client_pump(struct sv_client *c)
{
	for (;;) {
		const char *p;
		size_t n;
		ssize_t w;

		if (c->is_log) {
			n = sv_ring_peek(&c->sv->ring, &c->pos, c->stop, &p);
		} else {
			p = c->text + c->off;
			n = c->len - c->off;
		}
		if (!n)
			return 1;
		w = send(c->fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
		}
		if (c->is_log)
			c->pos += (uint64_t)w;
		else
			c->off += (size_t)w;
	}
}

static void client_io_cb(struct tg_loop *l, int fd, short revents, void *arg)
{
	struct sv_client *c = arg;

	(void)l;
	(void)fd;
	if ((revents & (POLLERR | POLLHUP)) || client_pump(c) != 0)
		client_close(c);
}

static void client_timeout_cb(struct tg_loop *l, void *arg)
{
	struct sv_client *c = arg;

	(void)l;
	c->timer = 0;
	tg_warn("%s client too slow; dropped", c->is_log ? "log.sock" : "status.sock");
	client_close(c);
}

static void accept_cb(struct tg_loop *l, int lfd, short revents, void *arg)
{
	struct sv *sv = arg;
	int is_log = lfd == sv->log_listen;
	int i, k;

	(void)l;
	(void)revents;
	for (k = 0; k < SV_ACCEPT_BURST; k++) {
		struct sv_client *c = NULL;
		int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0)
			return; /* EAGAIN, or a client gone before we took it */
		for (i = 0; i < SV_MAX_CLIENTS; i++) {
			if (sv->clients[i].fd < 0) {
				c = &sv->clients[i];
				break;
			}
		}
		if (!c) {
			close(fd);
			continue;
		}
		c->sv = sv;
		c->fd = fd;
		c->is_log = is_log;
		c->timer = 0;
		if (is_log) {
			c->pos = sv->ring.start;
			c->stop = sv->ring.end;
		} else {
			c->off = 0;
			c->len = sv_status_text(sv, c->text, sizeof(c->text));
		}
		if (client_pump(c) != 0) {
			close(fd);
			c->fd = -1;
			continue;
		}
		/* more than the socket buffer holds: finish as the client reads */
		if (tg_loop_add_fd(&sv->loop, fd, POLLOUT, client_io_cb, c) < 0) {
			close(fd);
			c->fd = -1;
			continue;
		}
		c->timer = tg_loop_add_timer(&sv->loop, SV_CLIENT_TIMEOUT_NS, client_timeout_cb, c);
		if (!c->timer)
			client_close(c);
	}
}

static int open_one(struct sv *sv, const char *name, char *path, size_t pathlen)
{
	struct sockaddr_un addr;
	mode_t old;
	int fd, n;

	n = snprintf(path, pathlen, "%s/%s", sv->run_dir, name);
	if (n < 0 || (size_t)n >= pathlen || (size_t)n >= sizeof(addr.sun_path)) {
		tg_err("%s/%s: path too long for a socket", sv->run_dir, name);
		path[0] = '\0';
		return -1;
	}
	memset(&addr, 0, sizeof(addr));
	addr.sun_family = AF_UNIX;
	memcpy(addr.sun_path, path, (size_t)n + 1);

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		tg_err("%s: socket: %s", path, strerror(errno));
		goto fail;
	}
	(void)unlink(path); /* a stale socket from our previous run */
	/* created 0660 at once: never more open than intended, even briefly */
	old = umask(0117);
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		umask(old);
		tg_err("%s: bind: %s", path, strerror(errno));
		goto fail;
	}
	umask(old);
	if (chown(path, (uid_t)-1, sv->sock_gid) < 0 || chmod(path, 0660) < 0) {
		tg_err("%s: chown/chmod: %s", path, strerror(errno));
		goto fail_unlink;
	}
	if (listen(fd, SV_MAX_CLIENTS) < 0) {
		tg_err("%s: listen: %s", path, strerror(errno));
		goto fail_unlink;
	}
	if (tg_loop_add_fd(&sv->loop, fd, POLLIN, accept_cb, sv) < 0) {
		tg_err("%s: event loop full", path);
		goto fail_unlink;
	}
	return fd;

fail_unlink:
	unlink(path);
fail:
	if (fd >= 0)
		close(fd);
	path[0] = '\0';
	return -1;
}

void sv_ctl_open(struct sv *sv)
{
	int i;

	for (i = 0; i < SV_MAX_CLIENTS; i++) {
		sv->clients[i].fd = -1;
		sv->clients[i].sv = sv;
	}
	sv->log_listen = sv->status_listen = -1;
	if (mkdir(sv->run_dir, 0755) < 0 && errno != EEXIST) {
		tg_err("%s: mkdir: %s; no log.sock or status.sock", sv->run_dir, strerror(errno));
		return;
	}
	sv->log_listen = open_one(sv, "log.sock", sv->log_path, sizeof(sv->log_path));
	sv->status_listen = open_one(sv, "status.sock", sv->status_path, sizeof(sv->status_path));
}

void sv_ctl_close(struct sv *sv)
{
	int i;

	for (i = 0; i < SV_MAX_CLIENTS; i++)
		client_close(&sv->clients[i]);
	if (sv->log_listen >= 0) {
		tg_loop_del_fd(&sv->loop, sv->log_listen);
		close(sv->log_listen);
		unlink(sv->log_path);
		sv->log_listen = -1;
	}
	if (sv->status_listen >= 0) {
		tg_loop_del_fd(&sv->loop, sv->status_listen);
		close(sv->status_listen);
		unlink(sv->status_path);
		sv->status_listen = -1;
	}
}
