/*
 * ke.c - ntsd's "ke" role: NTS Key Establishment (RFC 8915 section 4)
 * over TLS 1.3 (lib/tls13.c) on TCP port 4460.
 *
 * It owns the listening TCP sockets, the TLS private key and a copy of
 * the cookie key ring (from main, NTSD_MSG_KEYS); nothing else: no
 * filesystem, no new sockets besides accepted ones, no clock changes.
 *
 * Per connection (a fixed pool of KE_CONN_MAX; no allocation): accept4
 * non-blocking, TCP_NODELAY (a handshake must not wait on Nagle: each
 * flight the engine queues goes out with one write), TLS 1.3 with ALPN
 * "ntske/1"; the request is read until End of Message (at most
 * TG_NTSKE_MSG_MAX bytes); the answer is Next Protocol NTPv4, the AEAD
 * (the client's first of 15, 16, 17), optional Server/Port records, eight
 * cookies carrying the keys exported from the TLS session (RFC 8915 5.1),
 * End of Message; then close_notify and close.  A bad request gets an
 * Error record (RFC 8915 4.1.3: 0 unrecognized critical record, 1 bad
 * request).  Bounded: KE_PER_SOURCE connections per client address (the
 * firewall also caps them), KE_DEADLINE_NS for the whole exchange.
 * When the pool is full, or descriptors run out (EMFILE/ENFILE), new
 * connections are closed at once or the listening sockets rest for a
 * second: the role never dies of load.
 *
 * Nothing is logged per connection at info level: counters are summarised
 * every 10 minutes (failures by TLS error at debug level).  Totals since
 * the start (sessions served; failed by TLS, bad request or timeout) go
 * to main every second while they change (NTSD_MSG_COUNTS).
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "aessiv.h"
#include "cookie.h"
#include "ct.h"
#include "evloop.h"
#include "ipc.h"
#include "log.h"
#include "nts.h"
#include "ntsd.h"
#include "ntsd_ipc.h"
#include "rng.h"
#include "sandbox.h"
#include "tls13.h"

#define KE_CONN_MAX    32
#define KE_PER_SOURCE  4
#define KE_DEADLINE_NS (10ULL * 1000000000ULL)
#define KE_REST_NS     (1000ULL * 1000000ULL) /* listening sockets rest after EMFILE */
#define KE_SUMMARY_NS  (600ULL * 1000000000ULL)
#define KE_READ_CHUNK  4096
#define KE_COUNTS_NS   (1000ULL * 1000000ULL) /* totals to main every second (when changed) */

struct ke_conn {
	int fd; /* -1: free slot */
	struct sockaddr_storage peer;
	uint64_t deadline_timer;
	int closing; /* response (or alert) queued: close once sent */
	size_t req_len;
	uint8_t req[TG_NTSKE_MSG_MAX];
	struct tg_tls tls;
};

struct ke_stats {
	uint64_t accepted, served, bad_request, tls_failed, timeouts, refused_full, refused_source,
	    accept_errors;
};

struct ke_role {
	struct tg_loop loop;
	const struct ntsd_conf *conf;
	struct tg_tls_config tls_cfg;
	int listen_fd[NTSD_KE_SOCKETS_MAX];
	int n_listen;
	int resting;
	int ipc_fd;
	int have_keys;
	struct ntsd_keyring ring;
	struct tg_rng rng;
	struct ke_stats stats;
	struct ntsd_msg_counts totals; /* since the start, for main's counters file */
	struct ntsd_msg_counts sent;   /* the totals main last got */
	struct ke_conn conns[KE_CONN_MAX];
};

static struct ke_role role; /* large (TLS engines): static, one per process */

/* ----------------------------------------------------------- connections */

static int same_host(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return 0;
	if (a->ss_family == AF_INET)
		return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
		       ((const struct sockaddr_in *)b)->sin_addr.s_addr;
	if (a->ss_family == AF_INET6)
		return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
		              &((const struct sockaddr_in6 *)b)->sin6_addr, 16) == 0;
	return 0;
}

static void conn_close(struct ke_role *r, struct ke_conn *c)
{
	if (c->fd < 0)
		return;
	tg_loop_del_fd(&r->loop, c->fd);
	if (c->deadline_timer)
		tg_loop_cancel_timer(&r->loop, c->deadline_timer);
	close(c->fd);
	c->fd = -1;
	c->deadline_timer = 0;
	tg_tls_wipe(&c->tls);
	tg_rng_rekey(&r->rng); /* the handshake's key share cannot be recomputed later */
	tg_wipe(c->req, c->req_len);
	c->req_len = 0;
	c->closing = 0;
}

/*
 * Send what the engine has queued: one write for a whole flight.  A
 * partial write leaves the rest for POLLOUT.  Closes the connection once
 * a closing connection has nothing left, or on a write error.
 */
static void conn_flush(struct ke_role *r, struct ke_conn *c)
{
	const uint8_t *p;
	size_t len;
	ssize_t n;

	for (;;) {
		p = tg_tls_pending(&c->tls, &len);
		if (len == 0)
			break;
		n = write(c->fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			tg_loop_mod_fd(&r->loop, c->fd, POLLIN | POLLOUT);
			return;
		}
		if (n <= 0) {
			conn_close(r, c);
			return;
		}
		tg_tls_sent(&c->tls, (size_t)n);
	}
	tg_loop_mod_fd(&r->loop, c->fd, POLLIN);
	if (c->closing) {
		shutdown(c->fd, SHUT_WR);
		conn_close(r, c);
	}
}

static void respond_error(struct ke_role *r, struct ke_conn *c, uint16_t code)
{
	uint8_t out[16];
	size_t n = tg_ntske_build_error(code, out, sizeof(out));

	r->stats.bad_request++;
	r->totals.ke_failures++;
	if (n)
		tg_tls_write(&c->tls, out, n);
	tg_tls_close(&c->tls);
	c->closing = 1;
}

/* A complete, well-formed request: answer with cookies. */
static void respond(struct ke_role *r, struct ke_conn *c, const struct tg_ntske_request *req)
{
	uint8_t cookies[TG_NTS_COOKIES][TG_NTS_COOKIE_MAX];
	const uint8_t *cp[TG_NTS_COOKIES];
	size_t clen[TG_NTS_COOKIES];
	struct ntsd_cookie_plain plain;
	uint8_t out[TG_NTSKE_MSG_MAX];
	uint16_t aead;
	size_t n;
	int ok;

	if (!req->has_ntpv4) {
		respond_error(r, c, TG_NTSKE_ERR_BAD_REQUEST);
		return;
	}
	aead = tg_ntske_choose_aead(req);
	if (aead == 0) {
		tg_debug("request offers no AEAD we support: answering bad request");
		respond_error(r, c, TG_NTSKE_ERR_BAD_REQUEST);
		return;
	}
	memset(&plain, 0, sizeof(plain));
	plain.aead = aead;
	ok = r->have_keys && tg_ntske_export_keys(&c->tls, aead, plain.c2s, plain.s2c) == 0 &&
	     ntsd_cookie_seal_n(&r->ring, &plain, &r->rng, TG_NTS_COOKIES, cookies, cp, clen) == 0;
	tg_wipe(&plain, sizeof(plain));
	if (!ok) {
		respond_error(r, c, TG_NTSKE_ERR_INTERNAL);
		return;
	}
	n = tg_ntske_build_response(aead, r->conf->nts_server[0] ? r->conf->nts_server : NULL,
	                            r->conf->nts_port, cp, clen, TG_NTS_COOKIES, out, sizeof(out));
	if (n == 0 || tg_tls_write(&c->tls, out, n) < 0) {
		respond_error(r, c, TG_NTSKE_ERR_INTERNAL);
		return;
	}
	r->stats.served++;
	r->totals.ke_handshakes++;
	tg_tls_close(&c->tls);
	c->closing = 1;
}

/* Application data arrived: gather the request until End of Message. */
static void take_request(struct ke_role *r, struct ke_conn *c)
{
	struct tg_ntske_request req;
	uint16_t code = TG_NTSKE_ERR_BAD_REQUEST;
	char err[160];
	size_t n;
	int rc;

	for (;;) {
		n = tg_tls_read(&c->tls, c->req + c->req_len, sizeof(c->req) - c->req_len);
		if (n == 0)
			break;
		c->req_len += n;
		if (c->req_len == sizeof(c->req))
			break;
	}
	if (c->req_len == 0 || c->closing)
		return;
	rc = tg_ntske_parse_request(c->req, c->req_len, &req, &code, err, sizeof(err));
	if (rc == TG_NTS_EINCOMPLETE && c->req_len < sizeof(c->req))
		return; /* more to come */
	if (rc != TG_NTS_OK) {
		tg_debug("bad NTS-KE request: %s", err);
		respond_error(r, c, rc == TG_NTS_EINCOMPLETE ? TG_NTSKE_ERR_BAD_REQUEST : code);
		return;
	}
	respond(r, c, &req);
}

static void conn_cb(struct tg_loop *l, int fd, short revents, void *arg)
{
	struct ke_role *r = &role;
	struct ke_conn *c = arg;
	uint8_t buf[KE_READ_CHUNK];
	size_t off, took;
	ssize_t n;
	int st, stalls;

	(void)l;
	if (c->fd != fd)
		return;
	if (revents & POLLOUT) {
		conn_flush(r, c);
		if (c->fd < 0)
			return;
	}
	if (!(revents & (POLLIN | POLLHUP | POLLERR)))
		return;
	n = read(fd, buf, sizeof(buf));
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return;
	if (n <= 0) {
		/* the peer went away (or reset): nothing more to say to it */
		if (tg_tls_state(&c->tls) == TG_TLS_HANDSHAKE) {
			r->stats.tls_failed++;
			r->totals.ke_failures++;
		}
		conn_close(r, c);
		return;
	}
	/*
	 * The engine takes no more while its decrypted data waits to be read
	 * (took 0): take_request reads it, then the rest goes in; twice in a
	 * row nothing taken means the request overflowed (it was answered).
	 */
	for (off = 0, stalls = 0; off < (size_t)n && stalls < 2;) {
		took = tg_tls_feed(&c->tls, buf + off, (size_t)n - off);
		off += took;
		stalls = took ? 0 : stalls + 1;
		st = tg_tls_state(&c->tls);
		if (st == TG_TLS_ESTABLISHED)
			take_request(r, c);
		if (st == TG_TLS_FAILED || st == TG_TLS_CLOSED || c->closing)
			break;
	}
	st = tg_tls_state(&c->tls);
	if (st == TG_TLS_FAILED) {
		r->stats.tls_failed++;
		r->totals.ke_failures++;
		tg_debug("TLS failed: %s (our alert %s, peer's %s)",
		         tg_tls_strerror(tg_tls_error(&c->tls)),
		         tg_tls_alert_name(tg_tls_our_alert(&c->tls)),
		         tg_tls_alert_name(tg_tls_peer_alert(&c->tls)));
		c->closing = 1; /* send the alert, if one is queued, then close */
	} else if (st == TG_TLS_CLOSED) {
		c->closing = 1;
	}
	conn_flush(r, c);
}

static void deadline_cb(struct tg_loop *l, void *arg)
{
	struct ke_conn *c = arg;

	(void)l;
	c->deadline_timer = 0;
	if (c->fd < 0)
		return;
	role.stats.timeouts++;
	role.totals.ke_failures++;
	conn_close(&role, c);
}

static void unrest_cb(struct tg_loop *l, void *arg)
{
	int i;

	(void)arg;
	for (i = 0; i < role.n_listen; i++)
		tg_loop_mod_fd(l, role.listen_fd[i], POLLIN);
	role.resting = 0;
}

/* Out of descriptors: stop accepting for a moment instead of spinning on EMFILE. */
static void rest_listeners(struct ke_role *r)
{
	int i;

	if (r->resting)
		return;
	for (i = 0; i < r->n_listen; i++)
		tg_loop_mod_fd(&r->loop, r->listen_fd[i], 0);
	r->resting = 1;
	if (!tg_loop_add_timer(&r->loop, KE_REST_NS, unrest_cb, NULL))
		tg_fatalx(TG_EXIT_SYS, "event loop: no timer slot");
}

static void accept_cb(struct tg_loop *l, int lfd, short revents, void *arg)
{
	struct ke_role *r = arg;
	struct sockaddr_storage peer;
	struct ke_conn *c = NULL;
	socklen_t plen;
	int fd, i, same = 0, on = 1;

	(void)revents;
	plen = sizeof(peer);
	fd = accept4(lfd, (struct sockaddr *)&peer, &plen, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0) {
		if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
			r->stats.accept_errors++;
			rest_listeners(r);
		} else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
		           errno != ECONNABORTED && errno != EPROTO && errno != EPERM) {
			r->stats.accept_errors++;
		}
		return;
	}
	for (i = 0; i < KE_CONN_MAX; i++) {
		if (r->conns[i].fd < 0) {
			if (!c)
				c = &r->conns[i];
		} else if (same_host(&r->conns[i].peer, &peer)) {
			same++;
		}
	}
	if (!c || same >= KE_PER_SOURCE || !r->have_keys) {
		if (!c)
			r->stats.refused_full++;
		else
			r->stats.refused_source++;
		close(fd);
		return;
	}
	/* each flight is one write: do not let Nagle hold its tail back */
	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on)) < 0)
		tg_debug("TCP_NODELAY: %s", strerror(errno));
	memset(&c->peer, 0, sizeof(c->peer));
	memcpy(&c->peer, &peer, plen < sizeof(peer) ? plen : sizeof(peer));
	c->fd = fd;
	c->closing = 0;
	c->req_len = 0;
	tg_tls_init(&c->tls, &r->tls_cfg, tg_rng_prng(&r->rng));
	if (tg_loop_add_fd(l, fd, POLLIN, conn_cb, c) < 0) {
		close(fd);
		c->fd = -1;
		r->stats.refused_full++;
		return;
	}
	c->deadline_timer = tg_loop_add_timer(l, KE_DEADLINE_NS, deadline_cb, c);
	if (!c->deadline_timer) {
		conn_close(r, c);
		r->stats.refused_full++;
		return;
	}
	r->stats.accepted++;
}

/* ------------------------------------------------------------------- IPC */

static void ipc_cb(struct tg_loop *l, int fd, short revents, void *arg)
{
	struct ke_role *r = arg;
	const struct tg_ipc_type *t;
	struct ntsd_msg_keys msg;
	struct tg_ipc_hdr hdr;
	int rc;

	(void)l;
	(void)revents;
	rc = tg_ipc_recv(fd, &hdr, &msg, sizeof(msg), ntsd_to_ke_types,
	                 NTSD_NELEM(ntsd_to_ke_types), &t, NULL);
	if (rc == TG_IPC_EAGAIN)
		return;
	if (rc == TG_IPC_EOF) {
		tg_info("main closed the connection; exiting");
		exit(TG_EXIT_OK);
	}
	if (rc == TG_IPC_ESYS)
		tg_fatal("receiving from main");
	if (rc != TG_IPC_OK)
		tg_fatalx(TG_EXIT_SYS, "invalid message from main: %s", tg_ipc_strerror(rc));
	switch (t->type) {
	case NTSD_MSG_KEYS:
		if (ntsd_keys_check(&msg.ring) < 0)
			tg_fatalx(TG_EXIT_SYS, "invalid NTSD_MSG_KEYS received");
		ntsd_keyring_wipe(&r->ring);
		r->ring = msg.ring;
		tg_wipe(&msg, sizeof(msg));
		if (!r->have_keys) {
			struct ntsd_msg_ready ready = {1, 0};

			r->have_keys = 1;
			if (tg_ipc_send(r->ipc_fd, NTSD_MSG_READY, 0, &ready, sizeof(ready), -1) !=
			    TG_IPC_OK)
				tg_fatal("sending NTSD_MSG_READY to main");
			tg_info("serving NTS-KE (TLS 1.3, ALPN %s) on %d socket%s", TG_NTSKE_ALPN,
			        r->n_listen, r->n_listen == 1 ? "" : "s");
		}
		break;
	default:
		tg_fatalx(TG_EXIT_SYS, "unexpected message type %u from main", t->type);
	}
}

static void summary_cb(struct tg_loop *l, void *arg)
{
	struct ke_role *r = arg;
	const struct ke_stats *s = &r->stats;

	tg_info("last 600 s: connections %llu, served %llu, bad requests %llu, TLS failures "
	        "%llu, timeouts %llu; refused: pool full %llu, per-source limit %llu; accept "
	        "errors %llu",
	        (unsigned long long)s->accepted, (unsigned long long)s->served,
	        (unsigned long long)s->bad_request, (unsigned long long)s->tls_failed,
	        (unsigned long long)s->timeouts, (unsigned long long)s->refused_full,
	        (unsigned long long)s->refused_source, (unsigned long long)s->accept_errors);
	memset(&r->stats, 0, sizeof(r->stats));
	if (!tg_loop_add_timer(l, KE_SUMMARY_NS, summary_cb, r))
		tg_fatalx(TG_EXIT_SYS, "no timer slot for the summary");
}

/* The totals to main while they change (a full socket buffer skips a second). */
static void counts_cb(struct tg_loop *l, void *arg)
{
	struct ke_role *r = arg;

	ntsd_counts_send(r->ipc_fd, &r->totals, &r->sent);
	if (!tg_loop_add_timer(l, KE_COUNTS_NS, counts_cb, r))
		tg_fatalx(TG_EXIT_SYS, "no timer slot for the counters");
}

/* ------------------------------------------------------------- sandbox */

/*
 * The role's whole allow-list (placeholders for ntsd -S).  Always added
 * by tg_sandbox_enter: exit, exit_group, write (logging; here also the
 * connections), writev, rt_sigreturn, restart_syscall, kill(self, SIGSYS).
 */
static void ke_syscalls(struct tg_syscall_rule *t, size_t cap, const int *tcp_fds, int n_tcp,
                        int ipc_fd)
{
	struct tg_syscall_table tb;
	int i;

	tg_sc_table_init(&tb, t, cap);
	/* new connections on our listening sockets only; no socket(), connect() or bind() */
	for (i = 0; i < n_tcp; i++)
		TG_SC_ADD(&tb, TG_SC1("accept4", 0, TG_CMP_EQ, (uint64_t)tcp_fds[i]));
	/* connections: read and write (write is in the base list), TCP_NODELAY, close */
	TG_SC_ADD(&tb, TG_SC("read"));
	TG_SC_ADD(&tb, TG_SC2("setsockopt", 1, TG_CMP_EQ, IPPROTO_TCP, 2, TG_CMP_EQ, TCP_NODELAY));
	TG_SC_ADD(&tb, TG_SC1("shutdown", 1, TG_CMP_EQ, SHUT_WR));
	TG_SC_ADD(&tb, TG_SC("close"));
	/* IPC with main */
	TG_SC_ADD(&tb, TG_SC1("recvmsg", 0, TG_CMP_EQ, (uint64_t)ipc_fd));
	TG_SC_ADD(&tb, TG_SC1("sendmsg", 0, TG_CMP_EQ, (uint64_t)ipc_fd));
	/* randoms for TLS and cookie nonces (lib/rng.c reseeds from the kernel) */
	TG_SC_ADD(&tb, TG_SC("getrandom"));
	/* event loop */
#ifdef SYS_poll
	TG_SC_ADD(&tb, TG_SC("poll"));
#endif
	TG_SC_ADD(&tb, TG_SC("ppoll"));
	TG_SC_ADD(&tb, TG_SC("clock_gettime"));
	if (tb.full)
		tg_fatalx(TG_EXIT_SYS, "ke role: seccomp table too small (%zu rules)", cap);
}

void ntsd_ke_sandbox(struct tg_sandbox *sb, struct tg_syscall_rule *rules, size_t cap,
                     const int *tcp_fds, int n_tcp, int ipc_fd, const char *drop_user)
{
	ke_syscalls(rules, cap, tcp_fds, n_tcp, ipc_fd);
	memset(sb, 0, sizeof(*sb));
	sb->role = "ke";
	sb->user = drop_user;
	sb->chroot_dir = NULL; /* no filesystem syscalls are allowed */
	sb->caps = 0;          /* port 4460 needs none, and it is bound already */
	sb->syscalls = rules;
	/* the pool, the listening sockets, IPC, stdio, and a little slack */
	sb->rlimit_nofile = KE_CONN_MAX + NTSD_KE_SOCKETS_MAX + 8;
}

/* ----------------------------------------------------------------- entry */

void ntsd_ke_main(const struct ntsd_conf *conf, const struct ntsd_tls_creds *creds,
                  const int *tcp_fds, int n_tcp, int ipc_fd, const char *drop_user)
{
	struct tg_syscall_rule rules[NTSD_RULES_MAX];
	struct ke_role *r = &role;
	struct tg_sandbox sb;
	char err[256];
	int i;

	tg_log_set_role("ke");
	memset(r, 0, sizeof(*r));
	if (n_tcp < 1 || n_tcp > NTSD_KE_SOCKETS_MAX)
		tg_fatalx(TG_EXIT_SYS, "ke role: %d NTS-KE sockets (expected 1..%d)", n_tcp,
		          NTSD_KE_SOCKETS_MAX);
	r->conf = conf;
	memcpy(r->listen_fd, tcp_fds, (size_t)n_tcp * sizeof(tcp_fds[0]));
	r->n_listen = n_tcp;
	r->ipc_fd = ipc_fd;
	for (i = 0; i < KE_CONN_MAX; i++)
		r->conns[i].fd = -1;

	r->tls_cfg.is_server = 1;
	r->tls_cfg.alpn[0] = TG_NTSKE_ALPN;
	r->tls_cfg.n_alpn = 1;
	r->tls_cfg.chain = creds->chain;
	r->tls_cfg.chain_len = creds->chain_len;
	r->tls_cfg.key = creds->key;
	/* our own generator, seeded after the fork */
	if (tg_rng_init(&r->rng) < 0)
		tg_fatal("getrandom (seeding the ke role's generator)");

	signal(SIGTERM, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);

	tg_loop_init(&r->loop);
	for (i = 0; i < r->n_listen; i++)
		if (tg_loop_add_fd(&r->loop, r->listen_fd[i], POLLIN, accept_cb, r) < 0)
			tg_fatalx(TG_EXIT_SYS, "event loop: cannot watch NTS-KE socket %d",
			          r->listen_fd[i]);
	if (tg_loop_add_fd(&r->loop, r->ipc_fd, POLLIN, ipc_cb, r) < 0)
		tg_fatalx(TG_EXIT_SYS, "event loop: cannot watch the IPC socket");
	if (!tg_loop_add_timer(&r->loop, KE_SUMMARY_NS, summary_cb, r) ||
	    !tg_loop_add_timer(&r->loop, KE_COUNTS_NS, counts_cb, r))
		tg_fatalx(TG_EXIT_SYS, "event loop: no timer slot");

	ntsd_ke_sandbox(&sb, rules, NTSD_RULES_MAX, r->listen_fd, r->n_listen, r->ipc_fd,
	                drop_user);
	if (tg_sandbox_enter(&sb, err, sizeof(err)) < 0)
		tg_fatalx(TG_EXIT_SYS, "sandbox: %s", err);

	if (tg_loop_run(&r->loop) < 0)
		tg_fatal("event loop");
	exit(TG_EXIT_OK);
}
