/*
 * ntp.c - ntsd's "ntp" role: answers NTP client requests.
 *
 * It owns the UDP sockets and nothing else: no filesystem (no open
 * syscall in its filter), no new sockets, no clock changes.  What it
 * knows about the clock comes from main over IPC once a second.
 *
 * Sockets: every one main passes (the supervisor's sockets named "ntp",
 * "ntp6", ..., at most NTSD_NTP_SOCKETS_MAX; typically one IPv4 and one
 * IPv6, since tg-supervise binds IPv6 with IPV6_V6ONLY), or the one bound for
 * listen-ntp.  Each is polled on its own; a request is answered on the
 * socket it came in on.
 *
 * Per request: receive timestamp from the kernel (SO_TIMESTAMPNS; the
 * time right after recvmmsg when missing), parse, answer a client-mode
 * request with a 48-byte server-mode header, transmit timestamp read
 * just before sendmsg.  The reply goes out on the socket the request came
 * in on, from the address it was sent to (IP_PKTINFO / IPV6_PKTINFO,
 * asked for per socket by its family in setup_socket), so a wildcard
 * socket answers correctly on a multi-homed host.  Nothing is logged per packet: the
 * counters are summarised every 10 minutes.  Totals since the start go to
 * main every second while they change (NTSD_MSG_COUNTS), for the
 * counters file the console reads.
 *
 * Unsynchronised clock (what the response header says).  RFC 5905
 * section 7.3: stratum 16 means unsynchronised, but "it is customary to
 * map ... p.stratum values of MAXSTRAT or greater to 0 in transmitted
 * packets", and 0 on the wire is "unspecified or invalid"; LI 3 is the
 * alarm condition (clock unsynchronised).  chrony 4 does exactly that:
 * its reference.c REF_GetReferenceParams() gives leap
 * LEAP_Unsynchronised (3), stratum NTP_MAX_STRATUM (16), refid
 * NTP_REFID_UNSYNC (0), root delay and dispersion 1 s, zero reference
 * time when not synchronised, and ntp_core.c transmit_packet() sends
 * stratum >= 16 as NTP_INVALID_STRATUM (0).  We send the same: LI 3,
 * stratum 0, refid 0 (not an ASCII kiss code), root delay = root
 * dispersion = 1 s, reference timestamp 0.
 *
 * Which status counts as synchronised: LOCKED or HOLDOVER with a stratum
 * of 1..15 in a record younger than TG_TIMESTATUS_STALE_S (checked here
 * again per request, so a main that stops sending cannot keep a stale
 * "locked" alive).  UNSYNC and LOCKING answer as unsynchronised.  FAILED
 * (integrity failure) is not served at all: requests are dropped, as the
 * status contract says "do not serve".  While synchronised the root
 * dispersion grows with the record's age at PHI = 15 ppm (RFC 5905).
 *
 * NTS (RFC 8915 section 5): a client request carrying a Unique
 * Identifier field is an NTS request (lib/nts.c finds its fields).  Its
 * cookie is opened with the key ring main sends (NTSD_MSG_KEYS; cookie.c),
 * the authenticator checked with the client-to-server key inside; then
 * the response gets the unique identifier and an authenticator sealed with
 * the server-to-client key over the header, whose encrypted part holds
 * one fresh cookie per cookie and placeholder the client sent.  The
 * transmit timestamp is taken before sealing (it is authenticated).  A
 * cookie we cannot open (unknown or expired key, tampered) or an
 * authenticator that does not verify gets an NTS NAK (stratum 0, kiss
 * "NTSN", the unique identifier; RFC 8915 5.7) so the client goes back to
 * NTS-KE.  A malformed NTS request is dropped.  ntp-plain only governs
 * requests without NTS.  The reply is never longer than the request (no
 * amplification): checked here for every reply.
 */
#include <errno.h>
#include <netinet/in.h>
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
#include "ntp.h"
#include "nts.h"
#include "ntsd.h"
#include "ntsd_ipc.h"
#include "rng.h"
#include "sandbox.h"
#include "timestatus.h"

#define RX_BATCH   8                        /* datagrams per recvmmsg */
#define SUMMARY_NS (600ULL * 1000000000ULL) /* counters summary every 10 minutes */
#define NS_PER_S   1000000000LL
#define PHI_PPM    15 /* RFC 5905 frequency tolerance, for dispersion growth */
#define COUNTS_NS  (1000ULL * 1000000ULL) /* totals to main every second (when changed) */

/* What the role last said it serves (logged on change only). */
enum { SERVE_UNKNOWN = -1, SERVE_UNSYNC = 0, SERVE_SYNC = 1, SERVE_NONE = 2 };

/* One slot of the receive batch. */
struct rx_slot {
	uint8_t buf[TG_NTP_MAX_PACKET + 1]; /* one byte more: a longer datagram shows as such */
	struct sockaddr_storage from;
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(struct timespec)) +
		         CMSG_SPACE(sizeof(struct in6_pktinfo)) +
		         CMSG_SPACE(sizeof(struct in_pktinfo))];
	} ctl;
	struct iovec iov;
};

/* Counters since the last summary line. */
struct ntp_stats {
	uint64_t received;
	uint64_t answered;
	uint64_t short_;      /* < 48 bytes */
	uint64_t oversize;    /* > TG_NTP_MAX_PACKET */
	uint64_t version;     /* version not 1..4 */
	uint64_t malformed;   /* extension fields or trailing bytes */
	uint64_t mode;        /* not a client request */
	uint64_t port0;       /* source port 0 (or not an IP source) */
	uint64_t not_serving; /* clock FAILED */
	uint64_t plain_off;   /* unauthenticated request with ntp-plain no */
	uint64_t nts_ok;      /* NTS requests answered with cookies */
	uint64_t nts_nak;     /* NTS NAK sent (cookie or authenticator refused) */
	uint64_t nts_bad;     /* malformed NTS requests (dropped) */
	uint64_t send_errors;
};

struct ntp_role {
	struct tg_loop loop;
	int udp_fd[NTSD_NTP_SOCKETS_MAX]; /* the NTP sockets, n_udp of them */
	int n_udp;
	int ipc_fd;
	int ntp_plain;
	int8_t precision;
	int have_status;
	struct ntsd_msg_status status;
	int have_keys;
	struct ntsd_keyring ring; /* cookie keys from main */
	struct tg_rng rng;        /* nonces */
	int last_serving;         /* SERVE_*, for logging transitions only */
	struct ntp_stats stats;
	struct ntsd_msg_counts totals; /* since the start, for main's counters file */
	struct ntsd_msg_counts sent;   /* the totals main last got */
	struct rx_slot rx[RX_BATCH];
	struct mmsghdr msgs[RX_BATCH];
};

static struct ntp_role role; /* large (loop, buffers): static, one per process */

static int64_t now_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * NS_PER_S + ts.tv_nsec;
}

/* ------------------------------------------------------------------ status */

static int status_synced(const struct ntp_role *r, int64_t mono_ns, uint64_t *age_ns)
{
	const struct tg_timestatus *st = &r->status.st;
	uint64_t age;

	if (!r->have_status)
		return 0;
	if (st->state != TG_CLOCK_LOCKED && st->state != TG_CLOCK_HOLDOVER)
		return 0;
	if (st->stratum < 1 || st->stratum > 15)
		return 0;
	if (st->updated_monotonic_ns > mono_ns)
		return 0;
	age = (uint64_t)mono_ns - (uint64_t)st->updated_monotonic_ns;
	if (age > (uint64_t)TG_TIMESTATUS_STALE_S * NS_PER_S)
		return 0;
	*age_ns = age;
	return 1;
}

/* Header fields for a response now; 0 to answer, -1 not to serve at all. */
static int server_info(struct ntp_role *r, int64_t mono_ns, struct tg_ntp_server_info *info)
{
	const struct tg_timestatus *st = &r->status.st;
	uint64_t age = 0, disp;
	int synced;

	if (r->have_status && st->state == TG_CLOCK_FAILED) {
		if (r->last_serving != SERVE_NONE)
			tg_warn("clock integrity failure (state failed): not answering requests");
		r->last_serving = SERVE_NONE;
		return -1;
	}
	memset(info, 0, sizeof(*info));
	info->precision = r->precision;
	synced = status_synced(r, mono_ns, &age);
	if (synced) {
		info->leap = st->leap == TG_LEAP_INSERT   ? TG_NTP_LEAP_INSERT
		             : st->leap == TG_LEAP_DELETE ? TG_NTP_LEAP_DELETE
		                                          : TG_NTP_LEAP_NONE;
		info->stratum = st->stratum;
		memcpy(info->refid, st->refid, 4);
		info->root_delay = tg_ntp_short_from_ns(st->root_delay_ns);
		/* age <= 16 s: the growth term is at most 240 us, no overflow */
		disp = st->root_dispersion_ns + age * PHI_PPM / 1000000;
		if (disp < st->root_dispersion_ns)
			disp = UINT64_MAX;
		info->root_dispersion = tg_ntp_short_from_ns(disp);
		info->reference_ts =
		    st->updated_realtime_ns > 0 ? tg_ntp_from_unix_ns(st->updated_realtime_ns) : 0;
	} else {
		/* as chrony: LI 3, stratum 0 on the wire, refid 0, 1 s / 1 s (see the top) */
		info->leap = TG_NTP_LEAP_ALARM;
		info->stratum = 0;
		info->root_delay = 1u << 16;
		info->root_dispersion = 1u << 16;
		info->reference_ts = 0;
	}
	if ((synced ? SERVE_SYNC : SERVE_UNSYNC) != r->last_serving) {
		if (synced)
			tg_info("serving synchronised time: stratum %u, refid '%.4s'",
			        (unsigned)st->stratum, st->refid);
		else
			tg_info("serving as unsynchronised (LI 3, stratum 0): clock state %u",
			        (unsigned)(r->have_status ? st->state : TG_CLOCK_UNSYNC));
		r->last_serving = synced ? SERVE_SYNC : SERVE_UNSYNC;
	}
	return 0;
}

/* -------------------------------------------------------------- requests */

/* Receive time from the kernel's SCM_TIMESTAMPNS, and the request's destination. */
static int scan_cmsgs(struct msghdr *mh, struct timespec *rx_ts, struct in_pktinfo *pi4,
                      struct in6_pktinfo *pi6, int *have4, int *have6)
{
	struct cmsghdr *c;
	int have_ts = 0;

	*have4 = *have6 = 0;
	for (c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS &&
		    c->cmsg_len >= CMSG_LEN(sizeof(*rx_ts))) {
			memcpy(rx_ts, CMSG_DATA(c), sizeof(*rx_ts));
			have_ts = 1;
		} else if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO &&
		           c->cmsg_len >= CMSG_LEN(sizeof(*pi4))) {
			memcpy(pi4, CMSG_DATA(c), sizeof(*pi4));
			*have4 = 1;
		} else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO &&
		           c->cmsg_len >= CMSG_LEN(sizeof(*pi6))) {
			memcpy(pi6, CMSG_DATA(c), sizeof(*pi6));
			*have6 = 1;
		}
	}
	return have_ts;
}

/* 1 if the reply went out whole */
static int send_reply(struct ntp_role *r, int fd, uint8_t *pkt, size_t len, struct rx_slot *s,
                       socklen_t fromlen, const struct in_pktinfo *pi4, int have4,
                       const struct in6_pktinfo *pi6, int have6, int stamp_tx)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
	} ctl;
	struct msghdr mh;
	struct iovec iov;
	struct cmsghdr *c;
	struct timespec tx;
	ssize_t n;

	memset(&mh, 0, sizeof(mh));
	memset(&ctl, 0, sizeof(ctl));
	iov.iov_base = pkt;
	iov.iov_len = len;
	mh.msg_name = &s->from;
	mh.msg_namelen = fromlen;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	if (have6) {
		struct in6_pktinfo p = {0};

		p.ipi6_addr = pi6->ipi6_addr;
		p.ipi6_ifindex = pi6->ipi6_ifindex;
		mh.msg_control = ctl.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(p));
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = IPPROTO_IPV6;
		c->cmsg_type = IPV6_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(p));
		memcpy(CMSG_DATA(c), &p, sizeof(p));
	} else if (have4) {
		struct in_pktinfo p;

		memset(&p, 0, sizeof(p));
		p.ipi_spec_dst = pi4->ipi_addr; /* answer from the address that was asked */
		p.ipi_ifindex = pi4->ipi_ifindex;
		mh.msg_control = ctl.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(p));
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = IPPROTO_IP;
		c->cmsg_type = IP_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(p));
		memcpy(CMSG_DATA(c), &p, sizeof(p));
	}

	/* transmit timestamp as late as we can take it (NTS: stamped before sealing) */
	if (stamp_tx) {
		clock_gettime(CLOCK_REALTIME, &tx);
		tg_ntp_set_transmit(pkt, tg_ntp_from_timespec(&tx));
	}
	do
		n = sendmsg(fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n == (ssize_t)len) {
		r->stats.answered++;
		return 1;
	}
	r->stats.send_errors++;
	return 0;
}

static int source_port(const struct sockaddr_storage *ss, socklen_t len)
{
	if (ss->ss_family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in))
		return ntohs(((const struct sockaddr_in *)ss)->sin_port);
	if (ss->ss_family == AF_INET6 && len >= (socklen_t)sizeof(struct sockaddr_in6))
		return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
	return 0;
}

/* 1 if the request carries an NTS Unique Identifier field */
static int is_nts(const struct tg_ntp_packet *req)
{
	size_t i;

	for (i = 0; i < req->n_ef; i++)
		if (req->ef[i].type == TG_NTS_EF_UNIQUE_ID)
			return 1;
	return 0;
}

/*
 * An NTS request: the reply (response with cookies, or NAK) in reply;
 * returns its length, 0 to drop.  *stamped: the transmit time is already
 * in (and authenticated).
 */
static size_t nts_answer(struct ntp_role *r, const uint8_t *buf, size_t len,
                         const struct tg_ntp_packet *req, const struct tg_ntp_server_info *info,
                         uint64_t rx, uint8_t *reply, size_t cap, int *stamped)
{
	uint8_t cookies[TG_NTS_COOKIES][TG_NTS_COOKIE_MAX];
	const uint8_t *cp[TG_NTS_COOKIES];
	size_t clen[TG_NTS_COOKIES];
	struct ntsd_cookie_plain plain;
	struct tg_nts_request nr;
	struct tg_siv c2s, s2c;
	struct timespec tx;
	uint8_t nonce[TG_NTS_NONCE_LEN];
	size_t n_cookies, out, klen;
	int ok;

	*stamped = 0;
	if (tg_nts_request_scan(buf, req, &nr, NULL, 0) != TG_NTS_OK) {
		r->stats.nts_bad++;
		r->totals.nts_refused++;
		return 0;
	}
	ok = r->have_keys &&
	     ntsd_cookie_open(&r->ring, buf + nr.cookie_off, nr.cookie_len, &plain) == 0;
	if (ok) {
		klen = tg_siv_key_len(plain.aead);
		ok = tg_siv_init(&c2s, plain.c2s, klen) == 0 &&
		     tg_nts_request_verify(buf, &nr, &c2s) == TG_NTS_OK;
		tg_siv_wipe(&c2s);
	}
	out = tg_ntp_build_response(req, info, rx, 0, reply, cap);
	if (out == 0)
		return 0;
	if (!ok) {
		tg_wipe(&plain, sizeof(plain));
		r->stats.nts_nak++;
		r->totals.nts_refused++;
		return tg_nts_build_nak(reply, cap, buf, &nr);
	}
	/* one new cookie for the one used and one per placeholder */
	n_cookies = 1 + nr.n_placeholders;
	if (n_cookies > TG_NTS_COOKIES)
		n_cookies = TG_NTS_COOKIES;
	ok = ntsd_cookie_seal_n(&r->ring, &plain, &r->rng, n_cookies, cookies, cp, clen) == 0 &&
	     tg_siv_init(&s2c, plain.s2c, tg_siv_key_len(plain.aead)) == 0;
	tg_wipe(&plain, sizeof(plain));
	if (!ok)
		return 0;
	/* the transmit time is authenticated: stamp it, then seal */
	clock_gettime(CLOCK_REALTIME, &tx);
	tg_ntp_set_transmit(reply, tg_ntp_from_timespec(&tx));
	tg_rng_bytes(&r->rng, nonce, sizeof(nonce));
	out = tg_nts_build_response(reply, cap, len, buf, &nr, &s2c, nonce, cp, clen, n_cookies);
	tg_siv_wipe(&s2c);
	if (out == 0) {
		r->stats.nts_bad++; /* would be longer than the request */
		r->totals.nts_refused++;
		return 0;
	}
	*stamped = 1;
	r->stats.nts_ok++;
	return out;
}

/* One request received on socket fd; any reply goes out on the same socket. */
static void handle_request(struct ntp_role *r, int fd, struct rx_slot *s, struct mmsghdr *m,
                           const struct timespec *fallback_rx, int64_t mono_ns)
{
	uint8_t reply[TG_NTP_MAX_PACKET];
	struct tg_ntp_server_info info;
	struct tg_ntp_packet req;
	struct timespec rx_ts;
	struct in_pktinfo pi4;
	struct in6_pktinfo pi6;
	int have4, have6, rc, stamped = 0;
	size_t len = m->msg_len, out;

	r->stats.received++;
	if (!scan_cmsgs(&m->msg_hdr, &rx_ts, &pi4, &pi6, &have4, &have6))
		rx_ts = *fallback_rx;
	if (source_port(&s->from, m->msg_hdr.msg_namelen) == 0) {
		r->stats.port0++;
		return;
	}
	if ((m->msg_hdr.msg_flags & MSG_TRUNC) || len > TG_NTP_MAX_PACKET) {
		r->stats.oversize++;
		return;
	}
	rc = tg_ntp_parse(s->buf, len, &req, NULL, 0);
	switch (rc) {
	case TG_NTP_OK:
		break;
	case TG_NTP_ESHORT:
		r->stats.short_++;
		return;
	case TG_NTP_ELONG:
		r->stats.oversize++;
		return;
	case TG_NTP_EVERSION:
		r->stats.version++;
		return;
	default:
		r->stats.malformed++;
		return;
	}
	if (req.mode != TG_NTP_MODE_CLIENT) {
		r->stats.mode++;
		return;
	}

	if (server_info(r, mono_ns, &info) < 0) {
		r->stats.not_serving++;
		return;
	}
	if (req.version == 4 && is_nts(&req)) {
		out = nts_answer(r, s->buf, len, &req, &info, tg_ntp_from_timespec(&rx_ts), reply,
		                 sizeof(reply), &stamped);
	} else if (!r->ntp_plain) {
		/* unknown extension fields are not echoed (RFC 7822): the bare header */
		r->stats.plain_off++;
		return;
	} else {
		out = tg_ntp_build_response(&req, &info, tg_ntp_from_timespec(&rx_ts), 0, reply,
		                            sizeof(reply));
	}
	/* never answer with more bytes than were asked (amplification) */
	if (out == 0 || out > len) {
		r->stats.send_errors++;
		return;
	}
	if (send_reply(r, fd, reply, out, s, m->msg_hdr.msg_namelen, &pi4, have4, &pi6, have6,
	               !stamped)) {
		r->totals.ntp_requests++;
		if (stamped) /* an NTS response with cookies (a NAK is not stamped here) */
			r->totals.nts_requests++;
	}
}

/* A batch of requests from one NTP socket (the loop watches each on its own). */
static void udp_cb(struct tg_loop *l, int fd, short revents, void *arg)
{
	struct ntp_role *r = arg;
	struct timespec fallback_rx;
	int64_t mono;
	int i, n;

	(void)l;
	(void)revents;
	for (i = 0; i < RX_BATCH; i++) {
		struct rx_slot *s = &r->rx[i];
		struct msghdr *mh = &r->msgs[i].msg_hdr;

		s->iov.iov_base = s->buf;
		s->iov.iov_len = sizeof(s->buf);
		memset(mh, 0, sizeof(*mh));
		mh->msg_name = &s->from;
		mh->msg_namelen = sizeof(s->from);
		mh->msg_iov = &s->iov;
		mh->msg_iovlen = 1;
		mh->msg_control = s->ctl.buf;
		mh->msg_controllen = sizeof(s->ctl.buf);
		r->msgs[i].msg_len = 0;
	}
	n = recvmmsg(fd, r->msgs, RX_BATCH, MSG_DONTWAIT, NULL);
	/* the fallback receive time, taken as soon as the batch is in */
	clock_gettime(CLOCK_REALTIME, &fallback_rx);
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return;
		/* ICMP errors from earlier replies surface here (ECONNREFUSED etc.): not fatal */
		if (errno == ECONNREFUSED || errno == EHOSTUNREACH || errno == ENETUNREACH)
			return;
		tg_fatal("recvmmsg on the NTP socket (fd %d)", fd);
	}
	mono = now_ns(CLOCK_MONOTONIC);
	for (i = 0; i < n; i++)
		handle_request(r, fd, &r->rx[i], &r->msgs[i], &fallback_rx, mono);
}

/* ------------------------------------------------------------------- IPC */

static void check_status_msg(const struct ntsd_msg_status *m)
{
	const struct tg_timestatus *st = &m->st;

	/* main decoded and range-checked it; a bad value means main is broken */
	if (st->state > TG_CLOCK_FAILED || st->leap > TG_LEAP_DELETE || st->stratum > 16)
		tg_fatalx(TG_EXIT_SYS,
		          "invalid NTSD_MSG_STATUS received: state %u leap %u stratum %u",
		          st->state, st->leap, st->stratum);
}

static void ipc_cb(struct tg_loop *l, int fd, short revents, void *arg)
{
	struct ntp_role *r = arg;
	const struct tg_ipc_type *t;
	union {
		struct ntsd_msg_status status;
		struct ntsd_msg_keys keys;
	} msg;
	struct tg_ipc_hdr hdr;
	int rc;

	(void)l;
	(void)revents;
	rc = tg_ipc_recv(fd, &hdr, &msg, sizeof(msg), ntsd_to_ntp_types,
	                 NTSD_NELEM(ntsd_to_ntp_types), &t, NULL);
	if (rc == TG_IPC_EAGAIN)
		return;
	if (rc == TG_IPC_EOF) {
		/* main closed its end: it is stopping (or gone); so are we */
		tg_info("main closed the connection; exiting");
		exit(TG_EXIT_OK);
	}
	if (rc == TG_IPC_ESYS)
		tg_fatal("receiving from main");
	if (rc != TG_IPC_OK)
		tg_fatalx(TG_EXIT_SYS, "invalid message from main: %s", tg_ipc_strerror(rc));

	switch (t->type) {
	case NTSD_MSG_KEYS:
		if (ntsd_keys_check(&msg.keys.ring) < 0)
			tg_fatalx(TG_EXIT_SYS, "invalid NTSD_MSG_KEYS received");
		ntsd_keyring_wipe(&r->ring);
		r->ring = msg.keys.ring;
		tg_wipe(&msg, sizeof(msg));
		if (!r->have_keys)
			tg_info("cookie keys received: answering NTS requests");
		r->have_keys = 1;
		break;
	case NTSD_MSG_STATUS:
		check_status_msg(&msg.status);
		r->status = msg.status;
		if (!r->have_status) {
			struct ntsd_msg_ready ready = {1, 0};

			r->have_status = 1;
			rc = tg_ipc_send(r->ipc_fd, NTSD_MSG_READY, 0, &ready, sizeof(ready), -1);
			if (rc != TG_IPC_OK)
				tg_fatal("sending NTSD_MSG_READY to main");
			tg_info("serving NTP (%s)",
			        r->ntp_plain ? "unauthenticated requests answered"
			                     : "ntp-plain no: unauthenticated requests dropped");
		}
		break;
	default:
		tg_fatalx(TG_EXIT_SYS, "unexpected message type %u from main", t->type);
	}
}

/* ------------------------------------------------------------- summary */

static void summary_cb(struct tg_loop *l, void *arg)
{
	struct ntp_role *r = arg;
	const struct ntp_stats *s = &r->stats;

	tg_info("last 600 s: received %llu, answered %llu; dropped: short %llu, oversize %llu, "
	        "version %llu, malformed %llu, mode %llu, source-port-0 %llu, not-serving %llu, "
	        "plain-off %llu; NTS: answered %llu, NAK %llu, malformed %llu; send errors %llu",
	        (unsigned long long)s->received, (unsigned long long)s->answered,
	        (unsigned long long)s->short_, (unsigned long long)s->oversize,
	        (unsigned long long)s->version, (unsigned long long)s->malformed,
	        (unsigned long long)s->mode, (unsigned long long)s->port0,
	        (unsigned long long)s->not_serving, (unsigned long long)s->plain_off,
	        (unsigned long long)s->nts_ok, (unsigned long long)s->nts_nak,
	        (unsigned long long)s->nts_bad, (unsigned long long)s->send_errors);
	memset(&r->stats, 0, sizeof(r->stats));
	if (!tg_loop_add_timer(l, SUMMARY_NS, summary_cb, r))
		tg_fatalx(TG_EXIT_SYS, "no timer slot for the summary");
}

/*
 * The totals to main while they change; a full socket buffer skips a
 * second (the next message carries the totals anyway).
 */
static void counts_cb(struct tg_loop *l, void *arg)
{
	struct ntp_role *r = arg;

	ntsd_counts_send(r->ipc_fd, &r->totals, &r->sent);
	if (!tg_loop_add_timer(l, COUNTS_NS, counts_cb, r))
		tg_fatalx(TG_EXIT_SYS, "no timer slot for the counters");
}

/* ------------------------------------------------------------- sandbox */

/*
 * The role's whole allow-list, built at run time because the socket
 * rules name our descriptors (placeholders for ntsd -S): one recvmmsg
 * and one sendmsg rule per NTP socket, exactly the ones we have, and the
 * IPC socket.  Always
 * added by tg_sandbox_enter (tg_sandbox_base_syscalls): exit,
 * exit_group, write, writev (logging), rt_sigreturn, restart_syscall, kill(self, SIGSYS).
 */
static void ntp_syscalls(struct tg_syscall_rule *t, size_t cap, const int *udp_fds, int n_udp,
                         int ipc_fd)
{
	struct tg_syscall_table tb;
	int i;

	tg_sc_table_init(&tb, t, cap);
	/* each NTP socket: requests in batches, one reply each (with pktinfo) */
	for (i = 0; i < n_udp; i++) {
		TG_SC_ADD(&tb, TG_SC1("recvmmsg", 0, TG_CMP_EQ, (uint64_t)udp_fds[i]));
		TG_SC_ADD(&tb, TG_SC1("sendmsg", 0, TG_CMP_EQ, (uint64_t)udp_fds[i]));
	}
	/* IPC with main: typed messages; a rejected one may bring a descriptor to close */
	TG_SC_ADD(&tb, TG_SC1("recvmsg", 0, TG_CMP_EQ, (uint64_t)ipc_fd));
	TG_SC_ADD(&tb, TG_SC1("sendmsg", 0, TG_CMP_EQ, (uint64_t)ipc_fd));
	TG_SC_ADD(&tb, TG_SC("close"));
	/* NTS: nonces for cookies and authenticators (lib/rng.c reseeds from the kernel) */
	TG_SC_ADD(&tb, TG_SC("getrandom"));
	/* event loop: poll (x86_64) or ppoll (aarch64, and glibc everywhere) */
#ifdef SYS_poll
	TG_SC_ADD(&tb, TG_SC("poll"));
#endif
	TG_SC_ADD(&tb, TG_SC("ppoll"));
	/* clock: the vDSO normally answers; the syscall is its fallback */
	TG_SC_ADD(&tb, TG_SC("clock_gettime"));
	/* a rule left out would kill the role at its first use of it: not here */
	if (tb.full)
		tg_fatalx(TG_EXIT_SYS, "ntp role: seccomp table too small (%zu rules)", cap);
}

/* The role's sandbox: entered below, printed by ntsd -S (main.c). */
void ntsd_ntp_sandbox(struct tg_sandbox *sb, struct tg_syscall_rule *rules, size_t cap,
                      const int *udp_fds, int n_udp, int ipc_fd, const char *drop_user)
{
	ntp_syscalls(rules, cap, udp_fds, n_udp, ipc_fd);
	memset(sb, 0, sizeof(*sb));
	sb->role = "ntp";
	sb->user = drop_user;  /* root without a supervisor: become the service user */
	sb->chroot_dir = NULL; /* no filesystem syscalls are allowed: a chroot adds nothing */
	sb->caps = 0;          /* the port is bound already: no capability is needed */
	sb->syscalls = rules;
	sb->rlimit_nofile = 16; /* 4 NTP sockets at most, IPC, stdio; recvmsg: a stray fd */
}

static void enter_sandbox(struct ntp_role *r, const char *drop_user)
{
	struct tg_syscall_rule rules[NTSD_RULES_MAX];
	struct tg_sandbox sb;
	char err[256];

	ntsd_ntp_sandbox(&sb, rules, NTSD_RULES_MAX, r->udp_fd, r->n_udp, r->ipc_fd, drop_user);
	if (tg_sandbox_enter(&sb, err, sizeof(err)) < 0)
		tg_fatalx(TG_EXIT_SYS, "sandbox: %s", err);
}

/* ----------------------------------------------------------------- entry */

/* One NTP socket: a datagram socket, IPv4 or IPv6; receive timestamps and pktinfo on. */
static void setup_socket(int fd)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	int on = 1, type = 0;
	socklen_t tl = sizeof(type);

	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tl) < 0 || type != SOCK_DGRAM)
		tg_fatalx(TG_EXIT_USAGE, "the NTP socket (fd %d) is not a datagram socket", fd);
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) < 0)
		tg_fatal("getsockname on the NTP socket (fd %d)", fd);
	/* kernel receive timestamps; without them the fallback is taken after recvmmsg */
	if (setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof(on)) < 0)
		tg_warn("SO_TIMESTAMPNS on fd %d: %s; receive times are taken after recvmmsg", fd,
		        strerror(errno));
	/* destination address of each request, to answer from it (by the socket's family) */
	if (ss.ss_family == AF_INET) {
		if (setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof(on)) < 0)
			tg_warn("IP_PKTINFO on fd %d: %s", fd, strerror(errno));
	} else if (ss.ss_family == AF_INET6) {
		if (setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on, sizeof(on)) < 0)
			tg_warn("IPV6_RECVPKTINFO on fd %d: %s", fd, strerror(errno));
	} else {
		tg_fatalx(TG_EXIT_USAGE,
		          "the NTP socket (fd %d) is neither IPv4 nor IPv6 (family %d)", fd,
		          ss.ss_family);
	}
}

void ntsd_ntp_main(const struct ntsd_conf *conf, const int *udp_fds, int n_udp, int ipc_fd,
                   const char *drop_user)
{
	struct ntp_role *r = &role;
	struct timespec res;
	int i;

	tg_log_set_role("ntp");
	memset(r, 0, sizeof(*r));
	if (n_udp < 1 || n_udp > NTSD_NTP_SOCKETS_MAX)
		tg_fatalx(TG_EXIT_SYS, "ntp role: %d NTP sockets (expected 1..%d)", n_udp,
		          NTSD_NTP_SOCKETS_MAX);
	memcpy(r->udp_fd, udp_fds, (size_t)n_udp * sizeof(udp_fds[0]));
	r->n_udp = n_udp;
	r->ipc_fd = ipc_fd;
	r->ntp_plain = conf->ntp_plain;
	r->last_serving = SERVE_UNKNOWN;

	/*
	 * Our lifetime is the IPC connection's: main stops us by closing it.
	 * A signal meant for the whole group must not kill us first (main
	 * would take that for a crash).
	 */
	signal(SIGTERM, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);

	for (i = 0; i < r->n_udp; i++)
		setup_socket(r->udp_fd[i]);
	/* our own generator, seeded after the fork */
	if (tg_rng_init(&r->rng) < 0)
		tg_fatal("getrandom (seeding the ntp role's generator)");
	if (clock_getres(CLOCK_REALTIME, &res) < 0)
		tg_fatal("clock_getres");
	r->precision =
	    tg_ntp_precision_from_ns((uint64_t)res.tv_sec * NS_PER_S + (uint64_t)res.tv_nsec);

	tg_loop_init(&r->loop);
	for (i = 0; i < r->n_udp; i++)
		if (tg_loop_add_fd(&r->loop, r->udp_fd[i], POLLIN, udp_cb, r) < 0)
			tg_fatalx(TG_EXIT_SYS, "event loop: cannot watch NTP socket %d",
			          r->udp_fd[i]);
	if (tg_loop_add_fd(&r->loop, r->ipc_fd, POLLIN, ipc_cb, r) < 0)
		tg_fatalx(TG_EXIT_SYS, "event loop: cannot watch the IPC socket");
	if (!tg_loop_add_timer(&r->loop, SUMMARY_NS, summary_cb, r) ||
	    !tg_loop_add_timer(&r->loop, COUNTS_NS, counts_cb, r))
		tg_fatalx(TG_EXIT_SYS, "event loop: no timer slot");

	enter_sandbox(r, drop_user);

	if (tg_loop_run(&r->loop) < 0)
		tg_fatal("event loop");
	exit(TG_EXIT_OK);
}
