/*
 * web.c - consoled's "web" role: HTTPS for the web console (TLS 1.3 of
 * lib/tls13.c, HTTP/1.1 of lib/http.c), the static assets compiled in,
 * everything under /api/ and /metrics handed to main (consoled_ipc.h).
 *
 * It owns the listening sockets and the TLS key and certificate (from
 * main, in memory at the fork); nothing else: no filesystem (its seccomp
 * filter allows no open at all), no new sockets besides accepted ones.
 * It decides nothing but what web_http.c routes: sessions, roles, CSRF
 * and origin checks are main's, made from the bytes passed on.
 *
 * Per connection (a fixed pool of WEB_CONN_MAX; no allocation): accept4
 * non-blocking, TCP_NODELAY (a response is queued whole, Nagle would
 * only hold its tail back), TLS 1.3 with ALPN "http/1.1" (or "http/1.0"),
 * then HTTP/1.1 keep-alive.  The decrypted bytes gather in a buffer of one request
 * head (TG_HTTP_HEAD_MAX) plus one JSON body (CD_BODY_MAX) and are parsed
 * by tg_http_parse; pipelined requests are taken one at a time, the next
 * not parsed before the answer to the current one is queued.  Then:
 *   - an asset or a refusal is answered at once;
 *   - an API request is read whole (head and body), sent as CD_MSG_REQ,
 *     and main's CD_MSG_RESP_HEAD and CD_MSG_RESP_BODY chunks are
 *     encrypted and written as they come;
 *   - an upload (POST /api/update) goes as CD_MSG_REQ with
 *     CD_REQ_F_UPLOAD, then its body as CD_MSG_UPLOAD chunks of
 *     CD_CHUNK_MAX, at most CD_UPLOAD_WINDOW ahead of main's acks; while
 *     the window is full the socket is not read (TCP pushes back on the
 *     client).  The last chunk has CD_UP_F_LAST; a client that goes away
 *     earlier costs an empty chunk with CD_UP_F_ABORT.  The connection
 *     closes after an upload's answer.
 *
 * Output: what does not fit the TLS engine's buffer waits in a spool of
 * fixed blocks shared by all connections, because main's answers are not
 * flow-controlled (main must never block on a slow browser, and this role
 * never blocks on main either: a send that would block waits in a queue
 * until the IPC socket is writable, so the two can never wait on each
 * other).  A connection whose answer overflows its share is closed.
 *
 * Bounded: WEB_PER_SOURCE connections per client address, WEB_HEAD_NS for
 * the handshake and each request (head and JSON body), WEB_IDLE_NS
 * between keep-alive requests and from the handshake to the first request
 * (browsers open connections ahead of need), WEB_STALL_NS without progress for an
 * upload's body or a blocked response, WEB_LINGER_NS of reading after a
 * closing answer (so that a refusal is not destroyed by a reset).  When
 * the pool is full new connections are closed at once; when descriptors
 * run out the listening sockets rest for a second.
 *
 * main's messages are checked against cd_to_web_types and then against
 * the connection's state; an answer for a connection that has closed
 * since (generation mismatch) is dropped, any other inconsistency (an
 * unknown connection, an answer nobody asked for, a body longer or
 * shorter than announced) means main is broken: fatal, as in OpenNTPD.
 *
 * Nothing is logged per request at info level (never a cookie, a token
 * or a body byte at any level): counters are summarised every 10 minutes.
 */
#include <errno.h>
#include <fcntl.h>
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

#include "consoled.h"
#include "consoled_ipc.h"
#include "ct.h"
#include "evloop.h"
#include "http.h"
#include "ipc.h"
#include "log.h"
#include "rng.h"
#include "sandbox.h"
#include "tls13.h"
#include "web_http.h"

#define WEB_USER         "consoled" /* the role's user when started as root */
#define WEB_CONN_MAX     64
#define WEB_PER_SOURCE   8
#define WEB_LISTEN_MAX   4
#define WEB_SEC          1000000000ULL
#define WEB_HEAD_NS      (30 * WEB_SEC)  /* handshake, or one request's head and JSON body */
#define WEB_IDLE_NS      (300 * WEB_SEC) /* keep-alive between requests */
#define WEB_STALL_NS     (60 * WEB_SEC)  /* an upload's body or a blocked answer not moving */
#define WEB_LINGER_NS    (2 * WEB_SEC)   /* reading after a closing answer */
#define WEB_LINGER_MAX   (256 * 1024)    /* bytes read away while lingering */
#define WEB_REST_NS      WEB_SEC         /* listening sockets rest after EMFILE */
#define WEB_TICK_NS      WEB_SEC         /* deadline checks */
#define WEB_SUMMARY_NS   (600 * WEB_SEC)
#define WEB_IN_MAX       (TG_HTTP_HEAD_MAX + CD_BODY_MAX)
#define WEB_RAW_MAX      (5 + TG_TLS_RECORD_MAX) /* one TLS record read at a time */
#define WEB_PT_MAX       16384                   /* plaintext per TLS record */
#define WEB_IPC_BURST    64                      /* messages from main per wakeup */
#define WEB_ACCEPT_BURST 16
#define WEB_RULES_MAX    32
/*
 * The spool: 4 MiB in all.  One connection may hold two whole answers of
 * CD_OUT_MAX (512 KiB) with their heads (the rest of one and the next),
 * and at least four slow downloads fit at once; past that a connection
 * is dropped rather than main made to wait.
 */
#define WEB_BLOCK_DATA   (4096 - 16)
#define WEB_SPOOL_BLOCKS 1024
#define WEB_SPOOL_CONN   (2 * (CD_OUT_MAX / WEB_BLOCK_DATA + 2))

_Static_assert(WEB_BLOCK_DATA >= CD_CHUNK_MAX && WEB_BLOCK_DATA >= CD_WEB_HEAD_MAX,
               "a spool block holds a body chunk or a head");
_Static_assert(2 * (WEB_PT_MAX + 5 + 17) <= sizeof(((struct tg_tls *)0)->out),
               "two full records fit the TLS engine's empty output buffer");

enum conn_state {
	C_FREE = 0,
	C_OPEN,
	C_ABORTING, /* closed; its upload's CD_UP_F_ABORT still to send */
};

enum req_state {
	R_IDLE = 0, /* between requests: parse the next head */
	R_API_BODY, /* an API request: reading its body */
	R_MAIN,     /* an API request: sent (or to send) to main, answer awaited */
	R_UPLOAD,   /* an upload: streaming its body to main, answer awaited */
};

struct web_conn {
	int state; /* enum conn_state */
	int fd;
	uint32_t gen; /* bumped at each accept: main's answers name it */
	struct sockaddr_storage peer;
	socklen_t peer_len;
	int queued; /* in the IPC wait queue */
	/* input: TLS bytes not yet taken by the engine, then decrypted bytes */
	size_t raw_off, raw_len;
	size_t in_len;
	/* the request */
	int rstate;      /* enum req_state */
	int req_pending; /* CD_MSG_REQ to send */
	int head_only;   /* HEAD: main's body is dropped */
	int close_after; /* close once the answer is out */
	int ka10;        /* HTTP/1.0 keep-alive */
	int resp;        /* main's head came; body chunks being taken */
	uint64_t resp_left;
	/* an upload */
	uint64_t up_left; /* body bytes not yet sent to main */
	uint32_t up_sent, up_acked;
	int up_last_sent, up_over;
	/* output */
	int32_t sp_head, sp_tail; /* spool blocks, -1: none */
	uint32_t sp_n;
	const uint8_t *ext; /* an asset's bytes still to send (after the spool) */
	size_t ext_len;
	int want_out;  /* the socket would block: wait for POLLOUT */
	int closing;   /* close once the output is out */
	int lingering; /* write side shut: reading until EOF or deadline */
	size_t lingered;
	/* deadlines (monotonic ns) */
	int hs_done;   /* the TLS handshake completed (then it waits as keep-alive) */
	int idle;
	uint64_t t_start, t_idle, t_progress, t_write, t_linger;
	struct cd_msg_req rq;
	uint8_t in[WEB_IN_MAX];
	uint8_t raw[WEB_RAW_MAX];
	struct tg_tls tls;
};

struct spool_block {
	int32_t next;
	uint32_t off, len;
	uint32_t reserved;
	uint8_t data[WEB_BLOCK_DATA];
};

struct web_stats {
	uint64_t accepted, static_served, api, uploads, refused, tls_failed, timeouts, refused_full,
	    refused_source, accept_errors, spool_full, late_answers;
};

struct web_role {
	struct tg_loop loop;
	struct tg_tls_config tls_cfg;
	int listen_fd[WEB_LISTEN_MAX];
	int n_listen;
	int resting;
	int ipc_fd;
	int ipc_blocked;        /* a send would block: queued senders wait for POLLOUT */
	int wait[WEB_CONN_MAX]; /* connections waiting to send to main (ring) */
	int wait_head, wait_n;
	uint64_t tick_timer;
	struct tg_rng rng;
	struct web_stats stats;
	/* spool: blocks never used yet from next_unused, released ones in free_list */
	int32_t free_list, next_unused;
	uint8_t stage[WEB_PT_MAX];
	struct web_conn conns[WEB_CONN_MAX];
	struct spool_block pool[WEB_SPOOL_BLOCKS];
};

/* large (TLS engines, the spool): static, one per process, zero pages until used */
static struct web_role role;

static void conn_pump(struct web_role *r, struct web_conn *c);
static void conn_drop(struct web_role *r, struct web_conn *c);

static uint64_t now_ns(struct web_role *r)
{
	return tg_loop_now(&r->loop);
}

static int64_t now_real(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_REALTIME, &ts) < 0)
		return -1;
	return (int64_t)ts.tv_sec;
}

/* ---------------------------------------------------------------- spool */

static int32_t block_get(struct web_role *r)
{
	int32_t b = r->free_list;

	if (b >= 0) {
		r->free_list = r->pool[b].next;
	} else {
		if (r->next_unused >= WEB_SPOOL_BLOCKS)
			return -1;
		b = r->next_unused++;
	}
	r->pool[b].next = -1;
	r->pool[b].off = r->pool[b].len = 0;
	return b;
}

static void block_put(struct web_role *r, int32_t b)
{
	/* answers carry CSRF tokens and session details: nothing stays behind */
	tg_wipe(r->pool[b].data, r->pool[b].len);
	r->pool[b].next = r->free_list;
	r->free_list = b;
}

static void spool_clear(struct web_role *r, struct web_conn *c)
{
	while (c->sp_head >= 0) {
		int32_t next = r->pool[c->sp_head].next;

		block_put(r, c->sp_head);
		c->sp_head = next;
	}
	c->sp_tail = -1;
	c->sp_n = 0;
}

static int spool_add(struct web_role *r, struct web_conn *c, const uint8_t *p, size_t len)
{
	while (len > 0) {
		struct spool_block *t = c->sp_tail >= 0 ? &r->pool[c->sp_tail] : NULL;
		size_t n;

		if (!t || t->len == WEB_BLOCK_DATA) {
			int32_t b;

			if (c->sp_n >= WEB_SPOOL_CONN || (b = block_get(r)) < 0)
				return -1;
			if (t)
				t->next = b;
			else
				c->sp_head = b;
			c->sp_tail = b;
			c->sp_n++;
			t = &r->pool[b];
		}
		n = WEB_BLOCK_DATA - t->len < len ? WEB_BLOCK_DATA - t->len : len;
		memcpy(t->data + t->len, p, n);
		t->len += (uint32_t)n;
		p += n;
		len -= n;
	}
	return 0;
}

/* ----------------------------------------------------------- output side */

static int output_empty(const struct web_conn *c)
{
	size_t pending;

	tg_tls_pending(&c->tls, &pending);
	return pending == 0 && c->sp_n == 0 && c->ext_len == 0;
}

/*
 * Queue bytes of an answer: straight into the TLS engine when nothing
 * waits before them, else at the spool's end.  -1: the spool is full
 * (the caller drops the connection).
 */
static int conn_out(struct web_role *r, struct web_conn *c, const void *p, size_t len)
{
	if (c->ext_len)
		tg_fatalx(TG_EXIT_SYS, "web: answer queued behind an asset (bug)");
	if (tg_tls_state(&c->tls) != TG_TLS_ESTABLISHED)
		return 0; /* the connection is going away: nobody to tell */
	if (c->sp_n == 0 && tg_tls_write(&c->tls, p, len) == 0)
		return 0;
	if (spool_add(r, c, p, len) < 0) {
		r->stats.spool_full++;
		return -1;
	}
	return 0;
}

/*
 * The TLS engine's output is empty: give it up to two full records from
 * the spool, then from the asset being sent.  1 if something was queued.
 */
static int refill(struct web_role *r, struct web_conn *c)
{
	int k, queued = 0;

	if (tg_tls_state(&c->tls) != TG_TLS_ESTABLISHED) {
		spool_clear(r, c);
		c->ext = NULL;
		c->ext_len = 0;
		return 0;
	}
	for (k = 0; k < 2; k++) {
		size_t n = 0, m;

		while (n < WEB_PT_MAX && c->sp_head >= 0) {
			struct spool_block *b = &r->pool[c->sp_head];

			m = b->len - b->off < WEB_PT_MAX - n ? b->len - b->off : WEB_PT_MAX - n;
			memcpy(r->stage + n, b->data + b->off, m);
			b->off += (uint32_t)m;
			n += m;
			if (b->off == b->len) {
				int32_t next = b->next;

				block_put(r, c->sp_head);
				c->sp_head = next;
				c->sp_n--;
				if (next < 0)
					c->sp_tail = -1;
			}
		}
		if (c->sp_head < 0 && c->ext_len && n < WEB_PT_MAX) {
			m = c->ext_len < WEB_PT_MAX - n ? c->ext_len : WEB_PT_MAX - n;
			memcpy(r->stage + n, c->ext, m);
			c->ext += m;
			c->ext_len -= m;
			n += m;
		}
		if (n == 0)
			break;
		if (tg_tls_write(&c->tls, r->stage, n) < 0)
			tg_fatalx(TG_EXIT_SYS, "web: TLS output full when empty (bug)");
		tg_wipe(r->stage, n);
		queued = 1;
	}
	return queued;
}

/*
 * Write what the engine has queued, refilling it from the spool and the
 * asset.  1 if anything was written.  A write error drops the connection.
 */
static int conn_flush(struct web_role *r, struct web_conn *c)
{
	const uint8_t *p;
	size_t len;
	ssize_t n;
	int moved = 0;

	for (;;) {
		p = tg_tls_pending(&c->tls, &len);
		if (len == 0) {
			if (!refill(r, c))
				break;
			continue;
		}
		n = write(c->fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (!c->want_out)
				c->t_write = now_ns(r);
			c->want_out = 1;
			return moved;
		}
		if (n <= 0) {
			conn_drop(r, c);
			return 0;
		}
		tg_tls_sent(&c->tls, (size_t)n);
		c->t_write = now_ns(r);
		moved = 1;
	}
	c->want_out = 0;
	return moved;
}

static int answer_head(struct web_role *r, struct web_conn *c, struct cd_web_head *h)
{
	char head[CD_WEB_HEAD_MAX];
	size_t n;

	h->date = now_real();
	n = cd_web_head(h, head, sizeof(head));
	if (n == 0)
		tg_fatalx(TG_EXIT_SYS, "web: response head for status %d does not fit (bug)",
		          h->status);
	return conn_out(r, c, head, n);
}

/* An error answer {"error": msg}; 0, or -1 (the connection was dropped). */
static int answer_error(struct web_role *r, struct web_conn *c, int status, const char *msg,
                        const char *allow, int close, int ka10, int head_only)
{
	struct cd_web_head h;
	char body[CD_WEB_ERROR_MAX];
	size_t n = cd_web_error_body(msg, body, sizeof(body));

	if (n == 0)
		n = cd_web_error_body("refused", body, sizeof(body));
	memset(&h, 0, sizeof(h));
	h.status = status;
	h.type = "application/json";
	h.length = n;
	h.allow = allow;
	h.close = close;
	h.keep_alive_10 = ka10;
	r->stats.refused++;
	if (answer_head(r, c, &h) < 0 || (!head_only && conn_out(r, c, body, n) < 0)) {
		conn_drop(r, c);
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------ IPC, sending */

static void wait_push(struct web_role *r, struct web_conn *c)
{
	if (c->queued)
		return;
	if (r->wait_n >= WEB_CONN_MAX)
		tg_fatalx(TG_EXIT_SYS, "web: IPC wait queue overflow (bug)");
	r->wait[(r->wait_head + r->wait_n) % WEB_CONN_MAX] = (int)(c - r->conns);
	r->wait_n++;
	c->queued = 1;
}

/*
 * Send to main without ever blocking: 0 sent; -1 the socket is full (c
 * waits in the queue and is pumped again once it drains).  Any other
 * failure means main is gone: exit, the supervisor restarts consoled.
 */
static int ipc_send(struct web_role *r, struct web_conn *c, uint16_t type, const void *p,
                    uint32_t len)
{
	int rc;

	if (r->ipc_blocked) {
		wait_push(r, c);
		return -1;
	}
	rc = tg_ipc_send(r->ipc_fd, type, 0, p, len, -1);
	if (rc == TG_IPC_OK)
		return 0;
	if (rc == TG_IPC_EAGAIN) {
		r->ipc_blocked = 1;
		tg_loop_mod_fd(&r->loop, r->ipc_fd, POLLIN | POLLOUT);
		wait_push(r, c);
		return -1;
	}
	tg_fatal("sending to main");
}

static int send_req(struct web_role *r, struct web_conn *c)
{
	if (ipc_send(r, c, CD_MSG_REQ, &c->rq, sizeof(c->rq)) < 0)
		return 0;
	c->req_pending = 0;
	tg_wipe(&c->rq, sizeof(c->rq)); /* cookie, token, a password in the body */
	return 1;
}

/* An aborted upload's last word; the slot is free once it is sent. */
static void send_abort(struct web_role *r, struct web_conn *c)
{
	struct cd_msg_upload up;

	memset(&up, 0, sizeof(up));
	up.conn = (uint32_t)(c - r->conns);
	up.gen = c->gen;
	up.seq = c->up_sent;
	up.flags = CD_UP_F_ABORT;
	if (ipc_send(r, c, CD_MSG_UPLOAD, &up, sizeof(up)) == 0)
		c->state = C_FREE;
}

/* ------------------------------------------------------------ connections */

static void consume(struct web_conn *c, size_t n)
{
	memmove(c->in, c->in + n, c->in_len - n);
	c->in_len -= n;
	tg_wipe(c->in + c->in_len, n); /* no stale request bytes (passwords) stay behind */
}

/* Release everything of an open connection; the slot's state is left to the caller. */
static void conn_release(struct web_role *r, struct web_conn *c)
{
	tg_loop_del_fd(&r->loop, c->fd);
	close(c->fd);
	c->fd = -1;
	tg_tls_wipe(&c->tls);
	tg_rng_rekey(&r->rng); /* the handshake's key share cannot be recomputed later */
	tg_wipe(c->in, c->in_len);
	tg_wipe(c->raw, c->raw_len);
	tg_wipe(&c->rq, sizeof(c->rq));
	c->in_len = c->raw_len = c->raw_off = 0;
	spool_clear(r, c);
	c->ext = NULL;
	c->ext_len = 0;
}

/*
 * Close at once (the client went away, an error, a deadline, the spool
 * overflowed).  An upload main is still taking is aborted.
 */
static void conn_drop(struct web_role *r, struct web_conn *c)
{
	int abort_upload;

	if (c->state != C_OPEN)
		return;
	abort_upload = c->rstate == R_UPLOAD && !c->req_pending && !c->up_over && !c->up_last_sent;
	conn_release(r, c);
	if (abort_upload) {
		c->state = C_ABORTING;
		send_abort(r, c);
	} else {
		c->state = C_FREE;
	}
}

/* The answer is out: send close_notify, shut our side, read away what the client still sends. */
static void conn_finish(struct web_role *r, struct web_conn *c)
{
	const uint8_t *p;
	size_t len;

	if (tg_tls_state(&c->tls) == TG_TLS_ESTABLISHED) {
		tg_tls_close(&c->tls);
		p = tg_tls_pending(&c->tls, &len);
		if (len && write(c->fd, p, len) < 0)
			tg_debug("close_notify: %s", strerror(errno));
	}
	shutdown(c->fd, SHUT_WR);
	c->lingering = 1;
	c->lingered = 0;
	c->t_linger = now_ns(r);
	c->want_out = 0;
	tg_loop_mod_fd(&r->loop, c->fd, POLLIN);
}

/* The request is answered (all of it queued): back to reading heads. */
static void request_end(struct web_role *r, struct web_conn *c, int close)
{
	c->rstate = R_IDLE;
	c->resp = 0;
	c->req_pending = 0;
	if (close) {
		c->closing = 1;
		return;
	}
	if (c->in_len == 0) {
		c->idle = 1;
		c->t_idle = now_ns(r);
	} else {
		c->t_start = now_ns(r);
	}
}

/* Bytes of a request arrived. */
static void client_bytes(struct web_role *r, struct web_conn *c)
{
	c->t_progress = now_ns(r);
	if (c->idle) {
		c->idle = 0;
		c->t_start = c->t_progress;
	}
}

/*
 * Move bytes from the socket's leftovers through the TLS engine into the
 * request buffer, as far as there is room.  1 if anything moved.  A
 * failed or closed TLS session drops the connection (its alert, if any,
 * is sent first).
 */
static int take_input(struct web_role *r, struct web_conn *c)
{
	size_t took, n;
	int moved = 0, st;

	for (;;) {
		if (c->in_len < sizeof(c->in)) {
			n = tg_tls_read(&c->tls, c->in + c->in_len, sizeof(c->in) - c->in_len);
			if (n) {
				c->in_len += n;
				client_bytes(r, c);
				moved = 1;
				continue;
			}
		}
		if (c->raw_off == c->raw_len)
			break;
		took = tg_tls_feed(&c->tls, c->raw + c->raw_off, c->raw_len - c->raw_off);
		c->raw_off += took;
		st = tg_tls_state(&c->tls);
		if (st == TG_TLS_FAILED) {
			r->stats.tls_failed++;
			tg_debug("TLS failed: %s (our alert %s, peer's %s)",
			         tg_tls_strerror(tg_tls_error(&c->tls)),
			         tg_tls_alert_name(tg_tls_our_alert(&c->tls)),
			         tg_tls_alert_name(tg_tls_peer_alert(&c->tls)));
			conn_flush(r, c); /* the alert */
			conn_drop(r, c);
			return 0;
		}
		if (st == TG_TLS_CLOSED) {
			conn_drop(r, c); /* close_notify: the client is done */
			return 0;
		}
		if (st == TG_TLS_ESTABLISHED && !c->hs_done) {
			/* a browser opens connections ahead of need (preconnect): until its
			 * first request it waits as a keep-alive one does (WEB_IDLE_NS), not
			 * under the head deadline, which would close it under the browser's
			 * next request (net::ERR_CONNECTION_RESET) */
			c->hs_done = 1;
			if (c->in_len == 0 && c->rstate == R_IDLE) {
				c->idle = 1;
				c->t_idle = now_ns(r);
			}
		}
		if (took == 0)
			break; /* the engine holds a record until the request buffer has room */
		moved = 1;
	}
	if (c->raw_off == c->raw_len)
		c->raw_off = c->raw_len = 0;
	return moved;
}

static void answer_static(struct web_role *r, struct web_conn *c, const struct cd_web_route *rt)
{
	struct cd_web_head h;

	memset(&h, 0, sizeof(h));
	h.status = 200;
	h.type = rt->asset->type;
	h.length = rt->asset->len;
	h.asset = 1;
	h.close = rt->close;
	h.keep_alive_10 = rt->keep_alive_10;
	if (answer_head(r, c, &h) < 0) {
		conn_drop(r, c);
		return;
	}
	if (!rt->head_only) {
		c->ext = rt->asset->data;
		c->ext_len = rt->asset->len;
	}
	r->stats.static_served++;
	request_end(r, c, rt->close);
}

/* Parse the next request head in the buffer and act on it.  1 if one was taken. */
static int take_request(struct web_role *r, struct web_conn *c)
{
	static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
	struct tg_http_req hr;
	struct cd_web_route rt;
	char err[160];
	int status, rc, act;

	rc = tg_http_parse(c->in, c->in_len, CD_UPLOAD_MAX, &hr, &status, err, sizeof(err));
	if (rc == 0)
		return 0;
	c->idle = 0;
	if (rc < 0) {
		/* the stream cannot be resynchronised: answer and close */
		tg_debug("request refused with %d: %s", status, err);
		if (answer_error(r, c, status, err, NULL, 1, 0, 0) == 0)
			request_end(r, c, 1);
		return 1;
	}
	act = cd_web_route(&hr, (const struct sockaddr *)&c->peer, c->peer_len, cd_assets,
	                   cd_n_assets, &c->rq, &rt);
	consume(c, (size_t)rc); /* hr points into c->in: used up above */
	switch (act) {
	case CD_WEB_STATIC:
		answer_static(r, c, &rt);
		break;
	case CD_WEB_API:
	case CD_WEB_UPLOAD:
		c->rq.conn = (uint32_t)(c - r->conns);
		c->rq.gen = c->gen;
		c->head_only = rt.head_only;
		c->close_after = rt.close;
		c->ka10 = rt.keep_alive_10;
		c->resp = 0;
		if (rt.expect_continue && conn_out(r, c, cont, sizeof(cont) - 1) < 0) {
			conn_drop(r, c);
			break;
		}
		if (act == CD_WEB_API) {
			c->rstate = R_API_BODY;
			r->stats.api++;
		} else {
			/*
			 * One upload per connection: main may acknowledge chunks
			 * after its answer, and a second upload here would restart
			 * the chunk numbers those late acks refer to.
			 */
			c->close_after = 1;
			c->ka10 = 0;
			c->rstate = R_UPLOAD;
			c->req_pending = 1;
			c->up_left = c->rq.content_length;
			c->up_sent = c->up_acked = 0;
			c->up_last_sent = c->up_over = 0;
			c->t_progress = now_ns(r);
			r->stats.uploads++;
		}
		break;
	default:
		tg_debug("request refused with %d: %s", rt.status, rt.error);
		if (answer_error(r, c, rt.status, rt.error, rt.allow, rt.close, rt.keep_alive_10,
		                 rt.head_only) == 0)
			request_end(r, c, rt.close);
		break;
	}
	return 1;
}

/* Upload chunks while the window allows: full chunks, and the last one. */
static int upload_pump(struct web_role *r, struct web_conn *c)
{
	struct cd_msg_upload up;
	int moved = 0;

	while (!c->up_over && !c->up_last_sent && c->up_sent - c->up_acked < CD_UPLOAD_WINDOW) {
		size_t n = c->in_len < c->up_left ? c->in_len : (size_t)c->up_left;
		int last;

		if (n > CD_CHUNK_MAX)
			n = CD_CHUNK_MAX;
		last = n == c->up_left;
		if (n == 0 || (n < CD_CHUNK_MAX && !last))
			break;
		memset(&up, 0, sizeof(up));
		up.conn = (uint32_t)(c - r->conns);
		up.gen = c->gen;
		up.seq = c->up_sent;
		up.flags = last ? CD_UP_F_LAST : 0;
		up.len = (uint32_t)n;
		memcpy(up.data, c->in, n);
		if (ipc_send(r, c, CD_MSG_UPLOAD, &up, sizeof(up)) < 0)
			break;
		consume(c, n);
		c->up_left -= n;
		c->up_sent++;
		c->up_last_sent = last;
		c->t_progress = now_ns(r);
		moved = 1;
	}
	return moved;
}

/* Advance the request: a new head, an API body, the IPC sends.  1 if anything moved. */
static int step_request(struct web_role *r, struct web_conn *c)
{
	switch (c->rstate) {
	case R_IDLE:
		if (c->closing || c->ext_len || c->in_len == 0 ||
		    tg_tls_state(&c->tls) != TG_TLS_ESTABLISHED)
			return 0;
		return take_request(r, c);
	case R_API_BODY:
		if (c->in_len < c->rq.body_len)
			return 0;
		memcpy(c->rq.body, c->in, c->rq.body_len);
		consume(c, c->rq.body_len);
		c->rstate = R_MAIN;
		c->req_pending = 1;
		send_req(r, c);
		return 1;
	case R_MAIN:
		return c->req_pending ? send_req(r, c) : 0;
	case R_UPLOAD: {
		int sent = 0;

		if (c->req_pending) {
			if (!send_req(r, c))
				return 0;
			sent = 1;
		}
		return upload_pump(r, c) | sent;
	}
	}
	return 0;
}

static void conn_events(struct web_role *r, struct web_conn *c)
{
	short ev = 0;

	if (c->raw_off == c->raw_len && !c->closing && c->in_len < sizeof(c->in))
		ev |= POLLIN;
	if (c->want_out)
		ev |= POLLOUT;
	tg_loop_mod_fd(&r->loop, c->fd, ev);
}

/*
 * Do everything the connection's state allows: decrypt, parse, answer,
 * send to main, write.  Each round moves bytes or ends a request, so the
 * loop ends; the bound is only a fuse against a bug.
 */
static void conn_pump(struct web_role *r, struct web_conn *c)
{
	int i, moved;

	for (i = 0; i < 100000; i++) {
		if (c->state != C_OPEN || c->lingering)
			return;
		moved = take_input(r, c);
		if (c->state != C_OPEN)
			return;
		moved |= step_request(r, c);
		if (c->state != C_OPEN)
			return;
		moved |= conn_flush(r, c);
		if (c->state != C_OPEN)
			return;
		if (!moved)
			break;
	}
	if (c->closing && output_empty(c))
		conn_finish(r, c);
	else
		conn_events(r, c);
}

static void linger_read(struct web_role *r, struct web_conn *c)
{
	ssize_t n = read(c->fd, c->raw, sizeof(c->raw));

	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return;
	if (n > 0)
		c->lingered += (size_t)n;
	if (n <= 0 || c->lingered > WEB_LINGER_MAX) {
		conn_release(r, c);
		c->state = C_FREE;
	}
}

static void conn_cb(struct tg_loop *l, int fd, short revents, void *arg)
{
	struct web_role *r = &role;
	struct web_conn *c = arg;
	ssize_t n;

	(void)l;
	if (c->state != C_OPEN || c->fd != fd)
		return;
	if (c->lingering) {
		linger_read(r, c);
		return;
	}
	if (revents & POLLOUT) {
		conn_flush(r, c);
		if (c->state != C_OPEN)
			return;
	}
	if ((revents & (POLLIN | POLLHUP | POLLERR)) && c->raw_off == c->raw_len) {
		n = read(fd, c->raw, sizeof(c->raw));
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
			/* nothing after all */
		} else if (n <= 0) {
			/* the peer went away (or reset): nothing more to say to it */
			if (tg_tls_state(&c->tls) == TG_TLS_HANDSHAKE)
				r->stats.tls_failed++;
			conn_drop(r, c);
			return;
		} else {
			c->raw_off = 0;
			c->raw_len = (size_t)n;
		}
	} else if (revents & (POLLHUP | POLLERR)) {
		conn_drop(r, c);
		return;
	}
	conn_pump(r, c);
}

/* ------------------------------------------------------------- deadlines */

/* When the connection times out in its present state (0: not now). */
static uint64_t conn_limit(const struct web_conn *c)
{
	if (c->lingering)
		return c->t_linger + WEB_LINGER_NS;
	if (c->want_out)
		return c->t_write + WEB_STALL_NS;
	switch (c->rstate) {
	case R_IDLE:
		return c->idle ? c->t_idle + WEB_IDLE_NS : c->t_start + WEB_HEAD_NS;
	case R_API_BODY:
		return c->t_start + WEB_HEAD_NS;
	case R_UPLOAD:
		/* only while we wait for the client, not for main's acks */
		if (!c->req_pending && !c->up_over && c->up_left > 0 &&
		    c->up_sent - c->up_acked < CD_UPLOAD_WINDOW)
			return c->t_progress + WEB_STALL_NS;
		return 0;
	default:
		return 0; /* main answers every request */
	}
}

static void tick_cb(struct tg_loop *l, void *arg)
{
	struct web_role *r = arg;
	uint64_t now = tg_loop_now(l), lim;
	int i, open = 0;

	r->tick_timer = 0;
	for (i = 0; i < WEB_CONN_MAX; i++) {
		struct web_conn *c = &r->conns[i];

		if (c->state != C_OPEN)
			continue;
		lim = conn_limit(c);
		if (lim && now >= lim) {
			if (c->lingering) {
				conn_release(r, c);
				c->state = C_FREE;
				continue;
			}
			r->stats.timeouts++;
			conn_drop(r, c);
			continue;
		}
		open++;
	}
	if (open) {
		r->tick_timer = tg_loop_add_timer(l, WEB_TICK_NS, tick_cb, r);
		if (!r->tick_timer)
			tg_fatalx(TG_EXIT_SYS, "event loop: no timer slot for the deadlines");
	}
}

/* --------------------------------------------------------------- accepting */

static void unrest_cb(struct tg_loop *l, void *arg)
{
	struct web_role *r = arg;
	int i;

	for (i = 0; i < r->n_listen; i++)
		tg_loop_mod_fd(l, r->listen_fd[i], POLLIN);
	r->resting = 0;
}

/* Out of descriptors: stop accepting for a moment instead of spinning on EMFILE. */
static void rest_listeners(struct web_role *r)
{
	int i;

	if (r->resting)
		return;
	for (i = 0; i < r->n_listen; i++)
		tg_loop_mod_fd(&r->loop, r->listen_fd[i], 0);
	r->resting = 1;
	if (!tg_loop_add_timer(&r->loop, WEB_REST_NS, unrest_cb, r))
		tg_fatalx(TG_EXIT_SYS, "event loop: no timer slot");
}

/* One connection off a listening socket; 0, or -1 when there is none (or no room). */
static int accept_one(struct web_role *r, int lfd)
{
	struct sockaddr_storage peer;
	struct web_conn *c = NULL;
	socklen_t plen = sizeof(peer);
	int fd, i, same = 0, on = 1;

	fd = accept4(lfd, (struct sockaddr *)&peer, &plen, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0) {
		if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
			r->stats.accept_errors++;
			rest_listeners(r);
		} else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
		           errno != ECONNABORTED && errno != EPROTO && errno != EPERM) {
			r->stats.accept_errors++;
		}
		return -1;
	}
	for (i = 0; i < WEB_CONN_MAX; i++) {
		if (r->conns[i].state == C_FREE) {
			if (!c)
				c = &r->conns[i];
		} else if (r->conns[i].state == C_OPEN &&
		           cd_web_same_host(&r->conns[i].peer, &peer)) {
			same++;
		}
	}
	if (!c || same >= WEB_PER_SOURCE) {
		if (!c)
			r->stats.refused_full++;
		else
			r->stats.refused_source++;
		close(fd);
		return 0;
	}
	/* a response is queued whole: do not let Nagle hold its tail back */
	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on)) < 0)
		tg_debug("TCP_NODELAY: %s", strerror(errno));
	memset(&c->peer, 0, sizeof(c->peer));
	memcpy(&c->peer, &peer, plen < sizeof(peer) ? plen : sizeof(peer));
	c->peer_len = plen < sizeof(peer) ? plen : sizeof(peer);
	c->fd = fd;
	c->gen++;
	c->raw_off = c->raw_len = c->in_len = 0;
	c->rstate = R_IDLE;
	c->req_pending = c->resp = 0;
	c->up_sent = c->up_acked = 0;
	c->up_over = c->up_last_sent = 0;
	c->sp_head = c->sp_tail = -1;
	c->sp_n = 0;
	c->ext = NULL;
	c->ext_len = 0;
	c->want_out = c->closing = c->lingering = 0;
	c->idle = c->hs_done = 0;
	c->t_start = c->t_progress = now_ns(r);
	tg_tls_init(&c->tls, &r->tls_cfg, tg_rng_prng(&r->rng));
	if (tg_loop_add_fd(&r->loop, fd, POLLIN, conn_cb, c) < 0) {
		close(fd);
		c->fd = -1;
		r->stats.refused_full++;
		return 0;
	}
	c->state = C_OPEN;
	r->stats.accepted++;
	if (!r->tick_timer) {
		r->tick_timer = tg_loop_add_timer(&r->loop, WEB_TICK_NS, tick_cb, r);
		if (!r->tick_timer)
			tg_fatalx(TG_EXIT_SYS, "event loop: no timer slot for the deadlines");
	}
	return 0;
}

static void accept_cb(struct tg_loop *l, int lfd, short revents, void *arg)
{
	struct web_role *r = arg;
	int i;

	(void)l;
	(void)revents;
	for (i = 0; i < WEB_ACCEPT_BURST && !r->resting; i++)
		if (accept_one(r, lfd) < 0)
			break;
}

/* ---------------------------------------------------------- IPC, receiving */

/* The connection main's message names; NULL when it has closed since (drop the message). */
static struct web_conn *conn_of(struct web_role *r, uint32_t conn, uint32_t gen, const char *what)
{
	struct web_conn *c;

	if (conn >= WEB_CONN_MAX)
		tg_fatalx(TG_EXIT_SYS, "invalid %s received: connection %u (pool of %d)", what,
		          conn, WEB_CONN_MAX);
	c = &r->conns[conn];
	if (c->state != C_OPEN || c->gen != gen) {
		r->stats.late_answers++;
		return NULL;
	}
	return c;
}

static void on_resp_head(struct web_role *r, const struct cd_msg_resp_head *m)
{
	struct web_conn *c = conn_of(r, m->conn, m->gen, "CD_MSG_RESP_HEAD");
	struct cd_web_head h;
	char err[128];

	if (!c)
		return;
	if ((c->rstate != R_MAIN && c->rstate != R_UPLOAD) || c->req_pending || c->resp)
		tg_fatalx(TG_EXIT_SYS,
		          "invalid CD_MSG_RESP_HEAD received: connection %u has no request at main",
		          m->conn);
	if (cd_web_main_head(m, &h, err, sizeof(err)) < 0)
		tg_fatalx(TG_EXIT_SYS, "invalid CD_MSG_RESP_HEAD received: %s", err);
	if (c->rstate == R_UPLOAD && !c->up_last_sent) {
		/*
		 * main answered before the whole body went to it (a refusal, or
		 * updated failed): stop streaming; the rest of the body is
		 * still on its way, so the connection closes after the answer.
		 */
		c->up_over = 1;
		c->close_after = 1;
	}
	h.close = c->close_after;
	h.keep_alive_10 = c->ka10 && !c->close_after;
	c->resp = 1;
	c->resp_left = m->body_len;
	if (answer_head(r, c, &h) < 0) {
		conn_drop(r, c);
		return;
	}
	conn_pump(r, c);
}

static void on_resp_body(struct web_role *r, const struct cd_msg_resp_body *m)
{
	struct web_conn *c = conn_of(r, m->conn, m->gen, "CD_MSG_RESP_BODY");

	if (!c)
		return;
	if (!c->resp)
		tg_fatalx(TG_EXIT_SYS, "invalid CD_MSG_RESP_BODY received: no head before it");
	if (m->flags & ~CD_RESP_F_END)
		tg_fatalx(TG_EXIT_SYS, "invalid CD_MSG_RESP_BODY received: flags %#x", m->flags);
	if (m->len > CD_CHUNK_MAX || m->len > c->resp_left)
		tg_fatalx(TG_EXIT_SYS,
		          "invalid CD_MSG_RESP_BODY received: %u bytes, %llu left of the body "
		          "announced",
		          m->len, (unsigned long long)c->resp_left);
	c->resp_left -= m->len;
	if (!c->head_only && m->len && conn_out(r, c, m->data, m->len) < 0) {
		conn_drop(r, c);
		return;
	}
	if (m->flags & CD_RESP_F_END) {
		if (c->resp_left)
			tg_fatalx(TG_EXIT_SYS,
			          "invalid CD_MSG_RESP_BODY received: body ends %llu bytes short",
			          (unsigned long long)c->resp_left);
		request_end(r, c, c->close_after);
	}
	conn_pump(r, c);
}

static void on_ack(struct web_role *r, const struct cd_msg_upload_ack *m)
{
	struct web_conn *c = conn_of(r, m->conn, m->gen, "CD_MSG_UPLOAD_ACK");

	if (m->reserved)
		tg_fatalx(TG_EXIT_SYS, "invalid CD_MSG_UPLOAD_ACK received: reserved field not 0");
	if (!c)
		return;
	if (m->seq >= c->up_sent)
		tg_fatalx(
		    TG_EXIT_SYS,
		    "invalid CD_MSG_UPLOAD_ACK received: chunk %u of connection %u never sent",
		    m->seq, m->conn);
	if (m->seq + 1 > c->up_acked) {
		c->up_acked = m->seq + 1;
		c->t_progress = now_ns(r); /* main's pace is not the client's fault */
	}
	conn_pump(r, c);
}

static void ipc_cb(struct tg_loop *l, int fd, short revents, void *arg)
{
	struct web_role *r = arg;
	const struct tg_ipc_type *t;
	struct tg_ipc_hdr hdr;
	union {
		struct cd_msg_resp_head head;
		struct cd_msg_resp_body body;
		struct cd_msg_upload_ack ack;
	} msg;
	int rc, i, n;

	if (revents & POLLOUT) {
		/* room again: the waiting connections send, in turn, until it fills up */
		r->ipc_blocked = 0;
		tg_loop_mod_fd(l, fd, POLLIN);
		for (n = r->wait_n; n > 0 && !r->ipc_blocked; n--) {
			struct web_conn *c = &r->conns[r->wait[r->wait_head]];

			r->wait_head = (r->wait_head + 1) % WEB_CONN_MAX;
			r->wait_n--;
			c->queued = 0;
			if (c->state == C_ABORTING)
				send_abort(r, c);
			else if (c->state == C_OPEN)
				conn_pump(r, c);
		}
	}
	if (!(revents & (POLLIN | POLLHUP | POLLERR)))
		return;
	for (i = 0; i < WEB_IPC_BURST; i++) {
		rc = tg_ipc_recv(fd, &hdr, &msg, sizeof(msg), cd_to_web_types,
		                 sizeof(cd_to_web_types) / sizeof(cd_to_web_types[0]), &t, NULL);
		if (rc == TG_IPC_EAGAIN)
			return;
		if (rc == TG_IPC_EOF) {
			tg_info("main closed the connection; exiting");
			exit(TG_EXIT_OK);
		}
		if (rc == TG_IPC_ESYS)
			tg_fatal("receiving from main");
		if (rc != TG_IPC_OK)
			tg_fatalx(TG_EXIT_SYS, "invalid message from main: %s",
			          tg_ipc_strerror(rc));
		switch (t->type) {
		case CD_MSG_RESP_HEAD:
			on_resp_head(r, &msg.head);
			break;
		case CD_MSG_RESP_BODY:
			on_resp_body(r, &msg.body);
			break;
		case CD_MSG_UPLOAD_ACK:
			on_ack(r, &msg.ack);
			break;
		default:
			tg_fatalx(TG_EXIT_SYS, "unexpected message type %u from main", t->type);
		}
	}
}

static void summary_cb(struct tg_loop *l, void *arg)
{
	struct web_role *r = arg;
	const struct web_stats *s = &r->stats;

	tg_info("last 600 s: connections %llu; requests: assets %llu, API %llu, uploads %llu, "
	        "refused %llu; TLS failures %llu, timeouts %llu; refused connections: pool full "
	        "%llu, per-source limit %llu; accept errors %llu; answers over the spool %llu; "
	        "messages for closed connections %llu",
	        (unsigned long long)s->accepted, (unsigned long long)s->static_served,
	        (unsigned long long)s->api, (unsigned long long)s->uploads,
	        (unsigned long long)s->refused, (unsigned long long)s->tls_failed,
	        (unsigned long long)s->timeouts, (unsigned long long)s->refused_full,
	        (unsigned long long)s->refused_source, (unsigned long long)s->accept_errors,
	        (unsigned long long)s->spool_full, (unsigned long long)s->late_answers);
	memset(&r->stats, 0, sizeof(r->stats));
	if (!tg_loop_add_timer(l, WEB_SUMMARY_NS, summary_cb, r))
		tg_fatalx(TG_EXIT_SYS, "no timer slot for the summary");
}

/* ------------------------------------------------------------- sandbox */

/*
 * The role's whole allow-list.  Always added by tg_sandbox_enter: exit,
 * exit_group, write (logging; here also the connections), writev,
 * rt_sigreturn, restart_syscall, kill(self, SIGSYS).  No argument
 * conditions on descriptors: every descriptor the role holds is a
 * listening socket, a connection, the IPC socket or stdio, and it can
 * make no other (no socket, no open); accept4 works only on the
 * listening ones, and recvmsg/sendmsg on a connection do nothing read
 * and write cannot.  So the table is the same for every start, and
 * `consoled -S` prints what is really loaded.
 */
static void web_syscalls(struct tg_syscall_rule *t, size_t cap)
{
	struct tg_syscall_table tb;

	tg_sc_table_init(&tb, t, cap);
	/* new connections, non-blocking: no socket(), connect() or bind() */
	TG_SC_ADD(&tb, TG_SC1("accept4", 3, TG_CMP_EQ, SOCK_NONBLOCK | SOCK_CLOEXEC));
	/* connections: read and write (write is in the base list), TCP_NODELAY, close */
	TG_SC_ADD(&tb, TG_SC("read"));
	TG_SC_ADD(&tb, TG_SC2("setsockopt", 1, TG_CMP_EQ, IPPROTO_TCP, 2, TG_CMP_EQ, TCP_NODELAY));
	TG_SC_ADD(&tb, TG_SC1("shutdown", 1, TG_CMP_EQ, SHUT_WR));
	TG_SC_ADD(&tb, TG_SC("close"));
	/* IPC with main */
	TG_SC_ADD(&tb, TG_SC("recvmsg"));
	TG_SC_ADD(&tb, TG_SC("sendmsg"));
	/* randoms for TLS (lib/rng.c reseeds from the kernel) */
	TG_SC_ADD(&tb, TG_SC("getrandom"));
	/* event loop; the Date header (CLOCK_REALTIME) */
#ifdef SYS_poll
	TG_SC_ADD(&tb, TG_SC("poll"));
#endif
	TG_SC_ADD(&tb, TG_SC("ppoll"));
	TG_SC_ADD(&tb, TG_SC("clock_gettime"));
	if (tb.full)
		tg_fatalx(TG_EXIT_SYS, "web role: seccomp table too small (%zu rules)", cap);
}

void cd_web_sandbox(struct tg_sandbox *sb, struct tg_syscall_rule *rules, size_t cap)
{
	web_syscalls(rules, cap);
	memset(sb, 0, sizeof(*sb));
	sb->role = "web";
	/* started as root (no supervisor): become the service user; else stay */
	sb->user = geteuid() == 0 ? WEB_USER : NULL;
	sb->chroot_dir = NULL; /* no filesystem syscalls are allowed */
	sb->caps = 0;          /* port 443 is bound already */
	sb->syscalls = rules;
	/* the pool, the listening sockets, IPC, stdio, and a little slack */
	sb->rlimit_nofile = WEB_CONN_MAX + WEB_LISTEN_MAX + 8;
}

/* ----------------------------------------------------------------- entry */

void cd_web_main(const struct cd_tls_creds *creds, const int *listen_fds, int n_listen, int ipc_fd)
{
	struct tg_syscall_rule rules[WEB_RULES_MAX];
	struct cd_msg_ready ready;
	struct web_role *r = &role;
	struct tg_sandbox sb;
	char err[256];
	int i, fl;

	tg_log_set_role("web");
	if (n_listen < 1 || n_listen > WEB_LISTEN_MAX)
		tg_fatalx(TG_EXIT_SYS, "web role: %d listening sockets (expected 1..%d)", n_listen,
		          WEB_LISTEN_MAX);
	/* role is zero (static); only what is not zero is set, so untouched pages stay unmapped */
	memcpy(r->listen_fd, listen_fds, (size_t)n_listen * sizeof(listen_fds[0]));
	r->n_listen = n_listen;
	r->ipc_fd = ipc_fd;
	r->free_list = -1;
	for (i = 0; i < WEB_CONN_MAX; i++) {
		r->conns[i].fd = -1;
		r->conns[i].sp_head = r->conns[i].sp_tail = -1;
	}
	/* never block: not on a listening socket whose connection went away, not on main */
	for (i = 0; i < n_listen; i++) {
		fl = fcntl(listen_fds[i], F_GETFL);
		if (fl < 0 || fcntl(listen_fds[i], F_SETFL, fl | O_NONBLOCK) < 0)
			tg_fatal("fcntl(O_NONBLOCK) on listening socket %d", listen_fds[i]);
	}
	fl = fcntl(ipc_fd, F_GETFL);
	if (fl < 0 || fcntl(ipc_fd, F_SETFL, fl | O_NONBLOCK) < 0)
		tg_fatal("fcntl(O_NONBLOCK) on the IPC socket");

	r->tls_cfg.is_server = 1;
	/* http/1.0 too: the parser speaks it, and a client offering only it would get an alert */
	r->tls_cfg.alpn[0] = "http/1.1";
	r->tls_cfg.alpn[1] = "http/1.0";
	r->tls_cfg.n_alpn = 2;
	r->tls_cfg.alpn_optional = 1; /* HTTPS clients need not offer ALPN (RFC 7301) */
	r->tls_cfg.chain = creds->chain;
	r->tls_cfg.chain_len = creds->chain_len;
	r->tls_cfg.key = creds->key;
	/* our own generator, seeded after the fork */
	if (tg_rng_init(&r->rng) < 0)
		tg_fatal("getrandom (seeding the web role's generator)");

	signal(SIGTERM, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);

	tg_loop_init(&r->loop);
	for (i = 0; i < n_listen; i++)
		if (tg_loop_add_fd(&r->loop, listen_fds[i], POLLIN, accept_cb, r) < 0)
			tg_fatalx(TG_EXIT_SYS, "event loop: cannot watch listening socket %d",
			          listen_fds[i]);
	if (tg_loop_add_fd(&r->loop, ipc_fd, POLLIN, ipc_cb, r) < 0)
		tg_fatalx(TG_EXIT_SYS, "event loop: cannot watch the IPC socket");
	if (!tg_loop_add_timer(&r->loop, WEB_SUMMARY_NS, summary_cb, r))
		tg_fatalx(TG_EXIT_SYS, "event loop: no timer slot");

	cd_web_sandbox(&sb, rules, WEB_RULES_MAX);
	if (tg_sandbox_enter(&sb, err, sizeof(err)) < 0)
		tg_fatalx(TG_EXIT_SYS, "sandbox: %s", err);

	memset(&ready, 0, sizeof(ready));
	ready.serving = (uint32_t)n_listen;
	if (tg_ipc_send(ipc_fd, CD_MSG_READY, 0, &ready, sizeof(ready), -1) != TG_IPC_OK)
		tg_fatal("sending CD_MSG_READY to main");
	tg_info("serving HTTPS (TLS 1.3, HTTP/1.1) on %d socket%s", n_listen,
	        n_listen == 1 ? "" : "s");

	if (tg_loop_run(&r->loop) < 0)
		tg_fatal("event loop");
	exit(TG_EXIT_OK);
}
