/*
 * tg-ntsload - NTS load generator for the benchmarks (tests/bench/bench.py),
 * on our own client code (lib/ntsclient.c, lib/nts.c, lib/tls13.c).
 *
 *   tg-ntsload ke HOST PORT CAFILE NAME SECONDS [CONCURRENCY]
 *     CONCURRENCY processes (default 1), each doing NTS-KE exchanges back to
 *     back for SECONDS: TCP connect, full TLS 1.3 handshake (certificate
 *     checked against CAFILE and NAME), request, the 8 cookies, close.
 *     Prints: ke exchanges=N failures=M seconds=S rate=R/s
 *
 *   tg-ntsload ntp HOST KEPORT NTPPORT CAFILE NAME SECONDS [WINDOW]
 *     One key establishment, then NTS-protected NTP requests for SECONDS
 *     with WINDOW (default 16) in flight on one UDP socket.  Every request
 *     carries the same cookie (NTS servers are stateless: a cookie opens
 *     every time; a real client uses each once), no placeholders, a fresh
 *     unique identifier and nonce (a random prefix drawn once and a
 *     sequence number, so the generator spends no DRBG time per request)
 *     and the transmit time.  Responses are matched by unique identifier
 *     and checked with tg_nts_check_response (origin, identifier, the
 *     authenticator under the server-to-client key).  A request without an
 *     answer within 1 s is lost.  After SECONDS nothing more is sent and
 *     the requests in flight get their second to answer.
 *     Prints: ntp requests=N verified=V failed=F lost=L seconds=S rate=R/s
 *     (rate: verified per second of sending)
 *
 *   tg-ntsload plain HOST NTPPORT SECONDS [WINDOW]
 *     The same with plain 48-byte NTPv4 client requests (matched by the
 *     origin timestamp, which echoes our transmit timestamp).
 *     Prints: plain requests=N verified=V failed=F lost=L seconds=S rate=R/s
 *
 * The first error is printed to stderr.  Exit 0 when anything succeeded,
 * 1 when nothing did, 100 on usage errors, 111 on system errors.
 */
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "aessiv.h"
#include "log.h"
#include "ntp.h"
#include "nts.h"
#include "ntsclient.h"
#include "pemfile.h"
#include "rng.h"

#define WINDOW_MAX 1024
#define CONC_MAX   64
#define LOST_NS    1000000000LL
#define KE_TIMEOUT 5000

static struct tg_pem_anchors anchors;

static void usage(void)
{
	fprintf(stderr, "usage: tg-ntsload ke HOST PORT CAFILE NAME SECONDS [CONCURRENCY]\n"
	                "       tg-ntsload ntp HOST KEPORT NTPPORT CAFILE NAME SECONDS [WINDOW]\n"
	                "       tg-ntsload plain HOST NTPPORT SECONDS [WINDOW]\n");
	exit(TG_EXIT_USAGE);
}

static long num(const char *s, long min, long max, const char *what)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max) {
		fprintf(stderr, "tg-ntsload: %s: expected %ld..%ld, got '%s'\n", what, min, max, s);
		exit(TG_EXIT_USAGE);
	}
	return v;
}

static int64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void load_anchors(const char *ca)
{
	char err[256];

	if (tg_pem_load_anchors(ca, &anchors, err, sizeof(err)) < 0) {
		fprintf(stderr, "tg-ntsload: %s\n", err);
		exit(TG_EXIT_USAGE);
	}
}

static void ke_params(struct tg_ntsc_ke_params *kp, const char *host, long port, const char *name)
{
	memset(kp, 0, sizeof(*kp));
	kp->host = host;
	kp->port = (uint16_t)port;
	kp->name = name;
	kp->anchors = anchors.ta;
	kp->n_anchors = anchors.n;
	kp->timeout_ms = KE_TIMEOUT;
}

/* ------------------------------------------------------------------ ke */

struct ke_result {
	unsigned long ok, fail;
	char err[200];
};

static void ke_worker(const struct tg_ntsc_ke_params *kp, int64_t end, int fd)
{
	static struct tg_ntsc s;
	struct ke_result r;
	char err[sizeof(r.err)];

	memset(&r, 0, sizeof(r));
	while (mono_ns() < end) {
		if (tg_ntsc_ke(&s, kp, err, sizeof(err)) == 0) {
			r.ok++;
		} else {
			if (r.fail++ == 0)
				memcpy(r.err, err, sizeof(r.err));
			usleep(1000); /* a refusing server must not turn this into a busy loop */
		}
		tg_ntsc_wipe(&s);
	}
	if (write(fd, &r, sizeof(r)) != (ssize_t)sizeof(r))
		_exit(TG_EXIT_SYS);
	_exit(0);
}

static int cmd_ke(int argc, char **argv)
{
	struct tg_ntsc_ke_params kp;
	struct ke_result r;
	unsigned long ok = 0, fail = 0;
	long port, secs, conc = 1, i;
	int64_t start, end;
	int p[2], printed = 0;
	double el;

	if (argc < 6 || argc > 7)
		usage();
	port = num(argv[2], 1, 65535, "PORT");
	secs = num(argv[5], 1, 3600, "SECONDS");
	if (argc == 7)
		conc = num(argv[6], 1, CONC_MAX, "CONCURRENCY");
	load_anchors(argv[3]);
	ke_params(&kp, argv[1], port, argv[4]);
	if (pipe(p) < 0) {
		perror("tg-ntsload: pipe");
		return TG_EXIT_SYS;
	}
	start = mono_ns();
	end = start + secs * 1000000000LL;
	for (i = 0; i < conc; i++) {
		pid_t pid = fork();

		if (pid < 0) {
			perror("tg-ntsload: fork");
			return TG_EXIT_SYS;
		}
		if (pid == 0) {
			close(p[0]);
			ke_worker(&kp, end, p[1]); /* each child seeds its own DRBG */
		}
	}
	close(p[1]);
	while (read(p[0], &r, sizeof(r)) == (ssize_t)sizeof(r)) {
		ok += r.ok;
		fail += r.fail;
		if (r.fail && !printed++)
			fprintf(stderr, "tg-ntsload: first failure: %s\n", r.err);
	}
	while (wait(NULL) > 0)
		;
	el = (double)(mono_ns() - start) / 1e9;
	printf("ke exchanges=%lu failures=%lu seconds=%.2f rate=%.1f/s\n", ok, fail, el,
	       (double)ok / el);
	return ok ? 0 : 1;
}

/* ----------------------------------------------------------- ntp, plain */

struct slot {
	uint64_t gen, seq, tx_ts;
	int64_t sent_ns;
	int busy;
};

static struct slot slots[WINDOW_MAX];
static uint8_t uid_prefix[24], nonce_prefix[8];
static uint32_t plain_prefix;

static int udp_connect(const char *host, long port)
{
	struct addrinfo hints, *res, *ai;
	char portstr[8];
	int fd = -1, rc, sz = 1 << 20;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_DGRAM;
	snprintf(portstr, sizeof(portstr), "%ld", port);
	rc = getaddrinfo(host, portstr, &hints, &res);
	if (rc != 0) {
		fprintf(stderr, "tg-ntsload: cannot resolve '%s': %s\n", host, gai_strerror(rc));
		exit(TG_EXIT_USAGE);
	}
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0) {
		fprintf(stderr, "tg-ntsload: cannot reach %s port %ld: %s\n", host, port,
		        strerror(errno));
		exit(TG_EXIT_SYS);
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	return fd;
}

static void make_uid(uint64_t seq, uint8_t uid[32])
{
	memcpy(uid, uid_prefix, sizeof(uid_prefix));
	tg_ntp_put64(uid + 24, seq);
}

static uint64_t now_ntp(void)
{
	struct timespec t;

	clock_gettime(CLOCK_REALTIME, &t);
	return tg_ntp_from_timespec(&t);
}

struct load {
	int nts;
	const struct tg_ntsc *s;
	struct tg_siv c2s, s2c;
	int fd;
	long window;
	unsigned long sent, verified, failed, lost, stray;
	int reported;
};

static void first_error(struct load *l, const char *what)
{
	if (!l->reported++)
		fprintf(stderr, "tg-ntsload: first failure: %s\n", what);
}

/* send one request in slot i; 0, or -1 when the socket is full */
static int send_one(struct load *l, long i, uint64_t seq)
{
	uint8_t pkt[TG_NTP_MAX_PACKET], uid[32], nonce[16];
	struct slot *sl = &slots[i];
	size_t len;

	sl->tx_ts = now_ntp();
	if (l->nts) {
		make_uid(seq, uid);
		memcpy(nonce, nonce_prefix, sizeof(nonce_prefix));
		tg_ntp_put64(nonce + 8, seq);
		len = tg_nts_build_request(pkt, sizeof(pkt), sl->tx_ts, uid, l->s->cookies[0],
		                           l->s->cookie_len[0], 0, &l->c2s, nonce);
		if (len == 0) {
			fprintf(stderr, "tg-ntsload: cannot build an NTS request\n");
			exit(TG_EXIT_SYS);
		}
	} else {
		/* the origin timestamp of the answer echoes this: prefix | sequence */
		sl->tx_ts = (uint64_t)plain_prefix << 32 | (uint32_t)seq;
		memset(pkt, 0, 48);
		pkt[0] = 0x23; /* LI 0, version 4, mode 3 */
		tg_ntp_put64(pkt + 40, sl->tx_ts);
		len = 48;
	}
	if (send(l->fd, pkt, len, 0) != (ssize_t)len) {
		if (errno == EAGAIN || errno == ENOBUFS || errno == EINTR)
			return -1;
		if (errno == ECONNREFUSED) { /* an ICMP error from an earlier send */
			first_error(l, "send: connection refused (no server on the NTP port?)");
			return -1;
		}
		perror("tg-ntsload: send");
		exit(TG_EXIT_SYS);
	}
	sl->seq = seq;
	sl->sent_ns = mono_ns();
	sl->busy = 1;
	l->sent++;
	return 0;
}

/* the slot a response answers, or -1 */
static long match(struct load *l, const uint8_t *buf, size_t len, const struct tg_ntp_packet *p)
{
	uint64_t seq;
	size_t k;
	long i;

	if (!l->nts) {
		if (p->origin_ts >> 32 != plain_prefix)
			return -1;
		seq = (uint32_t)p->origin_ts;
		i = (long)(seq % (uint64_t)l->window);
		return slots[i].busy && (uint32_t)slots[i].seq == seq ? i : -1;
	}
	for (k = 0; k < p->n_ef; k++) {
		const struct tg_ntp_ef *e = &p->ef[k];

		if (e->type != TG_NTS_EF_UNIQUE_ID || e->len < 4 + 32 || e->off + e->len > len)
			continue;
		if (memcmp(buf + e->off + 4, uid_prefix, sizeof(uid_prefix)) != 0)
			return -1;
		seq = tg_ntp_get64(buf + e->off + 4 + 24);
		i = (long)(seq % (uint64_t)l->window);
		return slots[i].busy && slots[i].seq == seq ? i : -1;
	}
	return -1;
}

static void receive_all(struct load *l)
{
	uint8_t buf[TG_NTP_MAX_PACKET + 1], uid[32];
	uint8_t cookies[TG_NTS_COOKIES][TG_NTS_COOKIE_MAX];
	size_t cookie_len[TG_NTS_COOKIES], n_cookies;
	struct tg_ntp_packet p;
	char err[256];
	ssize_t got;
	long i;
	int rc;

	for (;;) {
		got = recv(l->fd, buf, sizeof(buf), 0);
		if (got < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return;
			if (errno == ECONNREFUSED) {
				first_error(
				    l, "recv: connection refused (no server on the NTP port?)");
				return;
			}
			perror("tg-ntsload: recv");
			exit(TG_EXIT_SYS);
		}
		if (tg_ntp_parse(buf, (size_t)got, &p, err, sizeof(err)) != TG_NTP_OK ||
		    (i = match(l, buf, (size_t)got, &p)) < 0) {
			l->stray++;
			continue;
		}
		if (l->nts) {
			make_uid(slots[i].seq, uid);
			rc = tg_nts_check_response(buf, (size_t)got, slots[i].tx_ts, uid, &l->s2c,
			                           &p, cookies, cookie_len, TG_NTS_COOKIES,
			                           &n_cookies, err, sizeof(err));
		} else {
			rc = p.mode == TG_NTP_MODE_SERVER && p.stratum != 0 ? 0 : -1;
			snprintf(err, sizeof(err), "mode %u stratum %u", p.mode, p.stratum);
		}
		if (rc == 0) {
			l->verified++;
		} else {
			l->failed++;
			first_error(l, err);
		}
		slots[i].busy = 0;
	}
}

static int run_load(struct load *l, long secs, const char *what)
{
	int64_t start, end, now, wait_until, drain_end;
	long i, busy;
	double el;

	start = mono_ns();
	end = start + secs * 1000000000LL;
	drain_end = end + LOST_NS;
	for (;;) {
		struct pollfd pfd = {l->fd, POLLIN, 0};
		int ms;

		now = mono_ns();
		busy = 0;
		wait_until = now < end ? end : drain_end;
		for (i = 0; i < l->window; i++) {
			if (slots[i].busy && now - slots[i].sent_ns > LOST_NS) {
				slots[i].busy = 0;
				l->lost++;
				first_error(l, "no answer within 1 s");
			}
			if (!slots[i].busy && now < end) {
				/* unique, and seq % window == i finds the slot again */
				if (send_one(l, i,
				             slots[i].gen * (uint64_t)l->window + (uint64_t)i) == 0)
					slots[i].gen++;
			}
			if (slots[i].busy) {
				busy++;
				if (slots[i].sent_ns + LOST_NS < wait_until)
					wait_until = slots[i].sent_ns + LOST_NS;
			}
		}
		if (now >= end && (busy == 0 || now >= drain_end))
			break;
		ms = (int)((wait_until - now) / 1000000) + 1;
		if (poll(&pfd, 1, ms) > 0)
			receive_all(l);
	}
	el = (double)(end - start) / 1e9;
	printf("%s requests=%lu verified=%lu failed=%lu lost=%lu seconds=%.2f rate=%.1f/s\n", what,
	       l->sent, l->verified, l->failed, l->lost, el, (double)l->verified / el);
	if (l->stray)
		fprintf(stderr, "tg-ntsload: %lu late or unmatched answers ignored\n", l->stray);
	return l->verified ? 0 : 1;
}

static void prefixes(void)
{
	struct tg_rng rng;

	if (tg_rng_init(&rng) < 0) {
		perror("tg-ntsload: getrandom");
		exit(TG_EXIT_SYS);
	}
	tg_rng_bytes(&rng, uid_prefix, sizeof(uid_prefix));
	tg_rng_bytes(&rng, nonce_prefix, sizeof(nonce_prefix));
	tg_rng_bytes(&rng, &plain_prefix, sizeof(plain_prefix));
	tg_rng_wipe(&rng);
}

static int cmd_ntp(int argc, char **argv)
{
	static struct tg_ntsc s;
	struct tg_ntsc_ke_params kp;
	struct load l;
	char err[512];
	long keport, ntpport, secs;
	size_t klen;

	if (argc < 7 || argc > 8)
		usage();
	memset(&l, 0, sizeof(l));
	keport = num(argv[2], 1, 65535, "KEPORT");
	ntpport = num(argv[3], 1, 65535, "NTPPORT");
	secs = num(argv[6], 1, 3600, "SECONDS");
	l.window = argc == 8 ? num(argv[7], 1, WINDOW_MAX, "WINDOW") : 16;
	load_anchors(argv[4]);
	ke_params(&kp, argv[1], keport, argv[5]);
	if (tg_ntsc_ke(&s, &kp, err, sizeof(err)) < 0) {
		fprintf(stderr, "tg-ntsload: %s\n", err);
		return 1;
	}
	klen = tg_siv_key_len(s.aead);
	if (tg_siv_init(&l.c2s, s.c2s, klen) < 0 || tg_siv_init(&l.s2c, s.s2c, klen) < 0) {
		fprintf(stderr, "tg-ntsload: bad session keys\n");
		return 1;
	}
	prefixes();
	l.nts = 1;
	l.s = &s;
	l.fd = udp_connect(argv[1], ntpport);
	return run_load(&l, secs, "ntp");
}

static int cmd_plain(int argc, char **argv)
{
	struct load l;
	long port, secs;

	if (argc < 4 || argc > 5)
		usage();
	memset(&l, 0, sizeof(l));
	port = num(argv[2], 1, 65535, "NTPPORT");
	secs = num(argv[3], 1, 3600, "SECONDS");
	l.window = argc == 5 ? num(argv[4], 1, WINDOW_MAX, "WINDOW") : 16;
	prefixes();
	l.fd = udp_connect(argv[1], port);
	return run_load(&l, secs, "plain");
}

int main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	tg_log_init("tg-ntsload", "main");
	if (argc < 2)
		usage();
	if (strcmp(argv[1], "ke") == 0)
		return cmd_ke(argc - 1, argv + 1);
	if (strcmp(argv[1], "ntp") == 0)
		return cmd_ntp(argc - 1, argv + 1);
	if (strcmp(argv[1], "plain") == 0)
		return cmd_plain(argc - 1, argv + 1);
	usage();
	return TG_EXIT_USAGE;
}
