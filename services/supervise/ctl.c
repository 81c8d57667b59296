/*
 * ctl.c - RUN_DIR/log.sock, RUN_DIR/status.sock and RUN_DIR/control.sock.
 *
 * log.sock and status.sock are read-only: a connection gets a dump (the
 * ring, oldest first; or one status line per service and "all-ready
 * yes|no") and is closed; nothing is read from those clients.  They are
 * mode 0660, owned by root and the log-group (group root by default).
 *
 * control.sock (0660, root and the control-group) takes one request line
 * (ctlproto.h): `restart SERVICE` is answered at once, when the stop is
 * under way; `run ACTION` when the action has ended (action.c; up to
 * SV_ACTION_LIMIT_NS), the client then waiting with its descriptor
 * polled for nothing but a hang-up, so a client that half-closes after
 * its request still gets the answer.  Every request is logged with the
 * peer's uid (SO_PEERCRED): the socket's group decides who may ask, the
 * log says who did.
 *
 * Everything is non-blocking and in the one loop: a client that has not
 * sent its request, or not taken its dump or answer, within
 * SV_CLIENT_TIMEOUT_NS is dropped, so a slow or stuck client never
 * stalls the loop.  At most SV_MAX_CLIENTS at once over the three
 * sockets; more are closed at once.  A log dump covers the ring as it was
 * at connect time; lines the writer overwrote meanwhile are skipped
 * (positions are absolute).
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

static const char *const sock_names[] = {"log.sock", "status.sock", "control.sock"};

/*
 * A unix socket closed with unread input resets the connection, and the
 * peer loses the answer still queued for it: what a control client sent
 * beyond its request line (or an over-long line) is read and dropped
 * first, a bounded amount (a client flooding the socket may get a reset).
 */
static void discard_input(int fd)
{
	char buf[4096];
	int i;

	for (i = 0; i < 64; i++)
		if (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) <= 0)
			return;
}

static void client_close(struct sv_client *c)
{
	if (c->fd < 0)
		return;
	if (c->kind == SV_CLIENT_CONTROL)
		discard_input(c->fd);
	if (c->timer)
		tg_loop_cancel_timer(&c->sv->loop, c->timer);
	c->timer = 0;
	if (c->waiting)
		sv_action_forget_client(c->sv, c);
	c->waiting = 0;
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

		if (c->kind == SV_CLIENT_LOG) {
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
		if (c->kind == SV_CLIENT_LOG)
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
	if (c->kind == SV_CLIENT_CONTROL && c->len == 0)
		tg_warn("control.sock client (uid %ld): no request line within %llu s; dropped",
		        c->uid, (unsigned long long)(SV_CLIENT_TIMEOUT_NS / 1000000000u));
	else
		tg_warn("%s client too slow; dropped", sock_names[c->kind]);
	client_close(c);
}

/* Arm (again) the client's deadline; 0, or -1 (client closed) if no timer slot is free. */
static int client_deadline(struct sv_client *c)
{
	if (c->timer)
		tg_loop_cancel_timer(&c->sv->loop, c->timer);
	c->timer = tg_loop_add_timer(&c->sv->loop, SV_CLIENT_TIMEOUT_NS, client_timeout_cb, c);
	if (!c->timer) {
		client_close(c);
		return -1;
	}
	return 0;
}

void sv_ctl_answer(struct sv_client *c, const char *text, size_t len)
{
	if (c->fd < 0)
		return;
	c->waiting = 0;
	if (len > sizeof(c->text))
		len = sizeof(c->text);
	memcpy(c->text, text, len);
	c->off = 0;
	c->len = len;
	if (client_pump(c) != 0) {
		client_close(c); /* all sent (the usual case for one line), or gone */
		return;
	}
	/* the socket buffer is full: finish as the client reads, within the deadline */
	if (tg_loop_mod_fd(&c->sv->loop, c->fd, POLLOUT) < 0)
		client_close(c);
	else
		(void)client_deadline(c);
}

static void answer_str(struct sv_client *c, const char *s)
{
	sv_ctl_answer(c, s, strlen(s));
}

/* A complete request (or a broken one): log it, act, answer. */
static void control_request(struct sv_client *c, enum sv_ctl_verb verb, const char *name)
{
	struct sv *sv = c->sv;
	char ans[SV_CTL_ANSWER_MAX];
	const struct sv_action *a;

	switch (verb) {
	case SV_CTL_RESTART:
		tg_info("control: restart %s (uid %ld)", name, c->uid);
		if (sv_service_restart(sv, name, ans, sizeof(ans)) < 0)
			answer_str(c, ans);
		else
			answer_str(c, "ok\n");
		return;
	case SV_CTL_RUN:
		tg_info("control: run %s (uid %ld)", name, c->uid);
		a = sv_action_find(&sv->mc, name);
		if (!a) {
			snprintf(ans, sizeof(ans), "error no action %s\n", name);
			answer_str(c, ans);
		} else if (sv_action_start(sv, a, c, ans, sizeof(ans)) < 0) {
			answer_str(c, ans);
		}
		/* else: answered when the action ends (sv_action_reaped) */
		return;
	case SV_CTL_TOOLONG:
		tg_warn("control: request longer than %d bytes (uid %ld); refused", SV_CTL_LINE_MAX,
		        c->uid);
		answer_str(c, SV_CTL_TOO_LONG);
		return;
	default:
		tg_warn("control: malformed request (uid %ld); refused", c->uid);
		answer_str(c, SV_CTL_BAD_REQUEST);
		return;
	}
}

/* Read what the client sent; act once a line (or too much, or EOF) is there. */
static void control_read(struct sv_client *c)
{
	char name[SV_NAME_MAX + 1];
	enum sv_ctl_verb verb;
	ssize_t r;

	r = recv(c->fd, c->in + c->inlen, sizeof(c->in) - c->inlen, MSG_DONTWAIT);
	if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return;
	if (r < 0) {
		client_close(c);
		return;
	}
	if (r == 0) {
		/* end of input without a complete line */
		if (c->inlen == 0) {
			client_close(c); /* connected and left: nothing to answer */
			return;
		}
		tg_warn("control: request without a newline (uid %ld); refused", c->uid);
		answer_str(c, SV_CTL_BAD_REQUEST);
		return;
	}
	c->inlen += (size_t)r;
	verb = sv_ctl_parse(c->in, c->inlen, name);
	if (verb == SV_CTL_MORE)
		return;
	/* one request per connection: from here on the client only reads */
	if (tg_loop_mod_fd(&c->sv->loop, c->fd, 0) < 0) {
		client_close(c);
		return;
	}
	control_request(c, verb, name);
	if (c->fd >= 0 && c->waiting && c->timer) {
		/* the action's own limit applies now, not the request deadline */
		tg_loop_cancel_timer(&c->sv->loop, c->timer);
		c->timer = 0;
	}
}

static void control_io_cb(struct tg_loop *l, int fd, short revents, void *arg)
{
	struct sv_client *c = arg;

	(void)l;
	(void)fd;
	if (c->len) {
		/* sending the answer */
		if ((revents & (POLLERR | POLLHUP)) || client_pump(c) != 0)
			client_close(c);
		return;
	}
	if (c->waiting) {
		/* events 0: only a hang-up wakes us; the action goes on, its end is logged */
		if (revents & (POLLERR | POLLHUP))
			client_close(c);
		return;
	}
	if (revents & (POLLIN | POLLERR | POLLHUP))
		control_read(c);
}

static long peer_uid(int fd)
{
	struct ucred cr;
	socklen_t n = sizeof(cr);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &n) < 0 || n != sizeof(cr))
		return -1;
	return (long)cr.uid;
}

static void accept_cb(struct tg_loop *l, int lfd, short revents, void *arg)
{
	struct sv *sv = arg;
	int kind = lfd == sv->log_listen      ? SV_CLIENT_LOG
	           : lfd == sv->status_listen ? SV_CLIENT_STATUS
	                                      : SV_CLIENT_CONTROL;
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
		c->kind = kind;
		c->timer = 0;
		c->off = c->len = 0;
		c->inlen = 0;
		c->waiting = 0;
		c->uid = -1;
		if (kind == SV_CLIENT_CONTROL) {
			c->uid = peer_uid(fd);
			if (tg_loop_add_fd(&sv->loop, fd, POLLIN, control_io_cb, c) < 0) {
				close(fd);
				c->fd = -1;
				continue;
			}
			(void)client_deadline(c);
			continue;
		}
		if (kind == SV_CLIENT_LOG) {
			c->pos = sv->ring.start;
			c->stop = sv->ring.end;
		} else {
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
		(void)client_deadline(c);
	}
}

static int open_one(struct sv *sv, const char *name, gid_t gid, char *path, size_t pathlen)
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
	if (chown(path, (uid_t)-1, gid) < 0 || chmod(path, 0660) < 0) {
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
	sv->log_listen = sv->status_listen = sv->control_listen = -1;
	if (mkdir(sv->run_dir, 0755) < 0 && errno != EEXIST) {
		tg_err("%s: mkdir: %s; no log.sock, status.sock or control.sock", sv->run_dir,
		       strerror(errno));
		return;
	}
	sv->log_listen = open_one(sv, "log.sock", sv->sock_gid, sv->log_path, sizeof(sv->log_path));
	sv->status_listen =
	    open_one(sv, "status.sock", sv->sock_gid, sv->status_path, sizeof(sv->status_path));
	sv->control_listen =
	    open_one(sv, "control.sock", sv->ctl_gid, sv->control_path, sizeof(sv->control_path));
}

static void close_listen(struct sv *sv, int *fd, const char *path)
{
	if (*fd < 0)
		return;
	tg_loop_del_fd(&sv->loop, *fd);
	close(*fd);
	unlink(path);
	*fd = -1;
}

void sv_ctl_close(struct sv *sv)
{
	int i;

	for (i = 0; i < SV_MAX_CLIENTS; i++)
		client_close(&sv->clients[i]);
	close_listen(sv, &sv->log_listen, sv->log_path);
	close_listen(sv, &sv->status_listen, sv->status_path);
	close_listen(sv, &sv->control_listen, sv->control_path);
}
