/*
 * xcheck.c - timed's cross-check role: authenticated time from the
 * configured NTS upstream servers (RFC 8915, lib/ntsclient.c), measured
 * against the local clock, sent to main as TIMED_MSG_XSAMPLE.  Main
 * (engine.c) refuses to follow GNSS when the upstreams disagree with the
 * disciplined clock: a spoofed receiver cannot also forge TLS-protected
 * time from several servers.  This role only measures; it decides nothing.
 *
 * The role is network only: it loads the trust anchors and resolves
 * upstream names first, then enters its sandbox (no filesystem at all,
 * sockets to the network of two families and two types, no capabilities),
 * and loops:
 *   - each upstream in turn: key establishment when the session has no
 *     cookie left (the certificate must carry upstream.name, else host),
 *     then one NTS-protected NTP exchange; one sample per attempt, ok=1
 *     with offset/delay/stratum/leap, or ok=0 with the reason;
 *   - a server is asked once per xcheck_interval_s (the first round at
 *     once); after each consecutive failure its wait doubles (x2, x4, x8,
 *     x16 the interval, never beyond an hour unless the interval is
 *     longer), so a failing server is not hammered and there is at most
 *     one key establishment per server per interval;
 *   - between attempts it sleeps in poll(2) on the IPC socket, so main's
 *     exit (EOF) ends the role at once, with status 0.
 *
 * Names: the sandbox cannot read /etc/hosts or /etc/resolv.conf, so a
 * host that is not an address literal is resolved once, before the
 * sandbox, to its first address (the appliance's configuration uses
 * addresses).  A name that does not resolve then gives ok=0 samples at
 * the interval.  An NTS-KE Server record naming a host the role cannot
 * resolve is a failed attempt, said so (one naming the upstream itself is
 * its resolved address).
 *
 * Exit status: 0 when main has gone (EOF or EPIPE on the IPC socket),
 * 100 on a configuration error (no anchors, bad interval), 111 on a
 * system call failure or an unexpected message from main.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "ntsclient.h"
#include "pemfile.h"
#include "sandbox.h"
#include "timed.h"
#include "timed_int.h"

#define KE_TIMEOUT_MS     5000
#define NTP_TIMEOUT_MS    3000
#define BACKOFF_SHIFT_MAX 4    /* x16 the interval */
#define BACKOFF_CAP_S     3600 /* ... but not beyond an hour (unless the interval is longer) */
#define QUERY_FAILS_MAX   2    /* NTP failures in a row before a new key establishment */
#define WAIT_SLICE_MS     60000
#define ADDRS_MAX         4    /* addresses kept of a name */

struct upstream {
	const struct timed_upstream *cf;
	const char *cert_name;          /* name the certificate must carry */
	char addrs[ADDRS_MAX][INET6_ADDRSTRLEN]; /* address literals to connect to */
	int n_addrs;                    /* 0: unresolved */
	int cur;                        /* the address in use */
	char resolve_err[128];          /* why n_addrs is 0 */
	struct tg_ntsc sess;            /* keys and cookies; n_cookies 0: KE needed */
	unsigned fails;                 /* attempts failed in a row */
	unsigned query_fails;           /* NTP exchanges failed in a row on this session */
	int64_t due_ms;                 /* next attempt, CLOCK_MONOTONIC */
};

static struct tg_pem_anchors anchors; /* ~300 KiB: not on the stack */
static struct upstream ups[TIMED_XCHECK_MAX];
static uint32_t sample_seq;

static int64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t mono_ms(void)
{
	return mono_ns() / 1000000;
}

/* ------------------------------------------------------------- sandbox */

/*
 * The role's whole allow-list (placeholders for timed -S).  Always added
 * by tg_sandbox_enter (tg_sandbox_base_syscalls): exit, exit_group,
 * write, writev (logging), rt_sigreturn, restart_syscall, kill(self,
 * SIGSYS).  No open/openat, no execve, no bind/listen/accept: anchors and
 * names are taken before entry.  Left out although one might expect
 * them: read (lib/ntsclient.c uses send/recv, which are sendto/recvfrom),
 * nanosleep (the role sleeps in poll on the IPC socket, to see main go),
 * fcntl (sockets are made non-blocking with SOCK_NONBLOCK; musl falls
 * back to fcntl only on kernels before 2.6.27).
 */
static void xcheck_syscalls(struct tg_syscall_rule *t, size_t cap, int ipc_fd)
{
	static const int families[] = {AF_INET, AF_INET6};
	static const int types[] = {SOCK_STREAM, SOCK_DGRAM};
	struct tg_syscall_table tb;
	size_t i, j;

	tg_sc_table_init(&tb, t, cap);
	/*
	 * NTS-KE over TCP, NTP over UDP, IPv4 or IPv6; the type is masked
	 * because SOCK_NONBLOCK and SOCK_CLOEXEC ride in it.  (musl's
	 * getaddrinfo with AI_ADDRCONFIG probes each family with a UDP
	 * socket connected to loopback: covered.)
	 */
	for (i = 0; i < sizeof(families) / sizeof(families[0]); i++)
		for (j = 0; j < sizeof(types) / sizeof(types[0]); j++)
			tg_sc_add(&tb, (struct tg_syscall_rule){
			                   .name = "socket",
			                   .nargs = 2,
			                   .args = {{0, TG_CMP_EQ, (uint64_t)families[i], 0},
			                            {1, TG_CMP_MASKED_EQ, (uint64_t)types[j], 0xf}}});
	TG_SC_ADD(&tb, TG_SC("connect"));
	/* non-blocking connect: its result */
	TG_SC_ADD(&tb, TG_SC2("getsockopt", 1, TG_CMP_EQ, SOL_SOCKET, 2, TG_CMP_EQ, SO_ERROR));
	TG_SC_ADD(&tb, TG_SC2("setsockopt", 1, TG_CMP_EQ, IPPROTO_TCP, 2, TG_CMP_EQ, TCP_NODELAY));
	/* send/recv on the TLS and NTP sockets */
	TG_SC_ADD(&tb, TG_SC("sendto"));
	TG_SC_ADD(&tb, TG_SC("recvfrom"));
	TG_SC_ADD(&tb, TG_SC("close"));
	/* samples to main; its EOF (or a message it must not send) */
	TG_SC_ADD(&tb, TG_SC1("sendmsg", 0, TG_CMP_EQ, (uint64_t)ipc_fd));
	TG_SC_ADD(&tb, TG_SC1("recvmsg", 0, TG_CMP_EQ, (uint64_t)ipc_fd));
	/* deadlines, and the sleep between rounds: poll (x86_64) or ppoll (aarch64, glibc) */
#ifdef SYS_poll
	TG_SC_ADD(&tb, TG_SC("poll"));
#endif
	TG_SC_ADD(&tb, TG_SC("ppoll"));
	/* NTP timestamps, deadlines, certificate validity: the vDSO normally answers */
	TG_SC_ADD(&tb, TG_SC("clock_gettime"));
	/* TLS randoms, NTS unique identifiers and nonces (lib/rng.c reseeds from the kernel) */
	TG_SC_ADD(&tb, TG_SC("getrandom"));
	if (tb.full)
		tg_fatalx(TG_EXIT_SYS, "xcheck role: seccomp table too small (%zu rules)", cap);
}

/* The role's sandbox: entered below, printed by timed -S. */
void timed_xcheck_sandbox(struct tg_sandbox *sb, struct tg_syscall_rule *rules, size_t cap,
                          int ipc_fd, const char *drop_user)
{
	xcheck_syscalls(rules, cap, ipc_fd);
	memset(sb, 0, sizeof(*sb));
	sb->role = "xcheck";
	sb->user = drop_user;  /* root without a supervisor: become the service user */
	sb->chroot_dir = NULL; /* no filesystem syscalls are allowed: a chroot adds nothing */
	sb->caps = 0;          /* outgoing connections need none */
	sb->syscalls = rules;
	/* stdio, IPC, one connection at a time (and musl's family probe), slack */
	sb->rlimit_nofile = 16;
}

/* ----------------------------------------------------------- upstreams */

/*
 * Before the sandbox: the addresses to connect to (a literal is kept, in
 * its canonical form; a name gives up to ADDRS_MAX of its addresses, in
 * getaddrinfo's order, tried in turn after failed key establishments).
 */
static void resolve(struct upstream *u)
{
	struct addrinfo hints, *res, *ai;
	struct in6_addr a6;
	struct in_addr a4;
	int rc, i;

	u->n_addrs = 0;
	if (inet_pton(AF_INET, u->cf->host, &a4) == 1) {
		inet_ntop(AF_INET, &a4, u->addrs[u->n_addrs++], sizeof(u->addrs[0]));
		return;
	}
	if (inet_pton(AF_INET6, u->cf->host, &a6) == 1) {
		inet_ntop(AF_INET6, &a6, u->addrs[u->n_addrs++], sizeof(u->addrs[0]));
		return;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_ADDRCONFIG;
	rc = getaddrinfo(u->cf->host, NULL, &hints, &res);
	if (rc != 0) {
		snprintf(u->resolve_err, sizeof(u->resolve_err),
		         "cannot resolve '%.64s' (resolved once, at start): %s", u->cf->host,
		         gai_strerror(rc));
		tg_warn("%s", u->resolve_err);
		return;
	}
	for (ai = res; ai && u->n_addrs < ADDRS_MAX; ai = ai->ai_next) {
		char *a = u->addrs[u->n_addrs];

		if (getnameinfo(ai->ai_addr, ai->ai_addrlen, a, sizeof(u->addrs[0]), NULL, 0,
		                NI_NUMERICHOST) != 0)
			continue;
		for (i = 0; i < u->n_addrs; i++)
			if (strcmp(u->addrs[i], a) == 0)
				break;
		if (i == u->n_addrs) {
			tg_info("upstream %s is %s (resolved once, before the sandbox)", u->cf->host,
			        a);
			u->n_addrs++;
		}
	}
	freeaddrinfo(res);
	if (u->n_addrs == 0)
		snprintf(u->resolve_err, sizeof(u->resolve_err),
		         "'%.64s' has no address we can use", u->cf->host);
}

static int is_literal(const char *s)
{
	struct in6_addr a6;
	struct in_addr a4;

	return inet_pton(AF_INET, s, &a4) == 1 || inet_pton(AF_INET6, s, &a6) == 1;
}

/*
 * Where NTP goes after key establishment: the Server record, which we
 * can only use if it is an address (or the upstream's own name).
 */
static int check_ntp_server(struct upstream *u, char *err, size_t errlen)
{
	if (is_literal(u->sess.ntp_server))
		return 0;
	if (strcasecmp(u->sess.ntp_server, u->cf->host) == 0) {
		const char *a = u->addrs[u->cur];

		memcpy(u->sess.ntp_server, a, strlen(a) + 1); /* 46 < 256 */
		return 0;
	}
	snprintf(err, errlen,
	         "NTS-KE names NTP server '%.64s', a name the sandboxed role cannot resolve",
	         u->sess.ntp_server);
	return -1;
}

static int64_t wait_ms(const struct upstream *u, uint32_t interval_s)
{
	unsigned shift = u->fails == 0 ? 0 : u->fails - 1;
	int64_t w, cap;

	if (shift > BACKOFF_SHIFT_MAX)
		shift = BACKOFF_SHIFT_MAX;
	w = (int64_t)interval_s << shift;
	cap = interval_s > BACKOFF_CAP_S ? interval_s : BACKOFF_CAP_S;
	return (w < cap ? w : cap) * 1000;
}

static int64_t to_ns(double s)
{
	double ns = s * 1e9;

	/* NTP's era arithmetic keeps |s| within 68 years: always in range, but say so */
	if (!(ns > -9.2e18 && ns < 9.2e18))
		return ns < 0 ? INT64_MIN : INT64_MAX;
	return (int64_t)(ns < 0 ? ns - 0.5 : ns + 0.5);
}

/* an error message cut to the sample's field (the log line has it whole) */
static void copy_trunc(char *dst, size_t cap, const char *src)
{
	size_t n = strlen(src);

	if (n >= cap)
		n = cap - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* 0 sent; 1 main has gone; -1 system error (logged) */
static int send_sample(int ipc_fd, const struct timed_msg_xsample *m)
{
	int rc = tg_ipc_send(ipc_fd, TIMED_MSG_XSAMPLE, ++sample_seq, m, sizeof(*m), -1);

	if (rc == TG_IPC_OK)
		return 0;
	if (rc == TG_IPC_ESYS && (errno == EPIPE || errno == ECONNRESET))
		return 1;
	tg_err("sending a sample to main: %s%s%s", tg_ipc_strerror(rc),
	       rc == TG_IPC_ESYS ? ": " : "", rc == TG_IPC_ESYS ? strerror(errno) : "");
	return -1;
}

/* One attempt at upstream idx; the sample goes to main.  As send_sample. */
static int attempt(int ipc_fd, unsigned idx, uint32_t interval_s)
{
	struct upstream *u = &ups[idx];
	struct timed_msg_xsample m;
	struct tg_ntsc_ke_params kp;
	struct tg_ntsc_sample smp;
	char err[512];
	int64_t start = mono_ms();
	int q, failed = 1;

	memset(&m, 0, sizeof(m));
	m.index = idx;
	err[0] = '\0';
	if (u->n_addrs == 0) {
		snprintf(err, sizeof(err), "%s", u->resolve_err);
		goto done;
	}
	if (u->sess.n_cookies == 0) {
		memset(&kp, 0, sizeof(kp));
		kp.host = u->addrs[u->cur];
		kp.port = u->cf->port;
		kp.name = u->cert_name;
		kp.anchors = anchors.ta;
		kp.n_anchors = anchors.n;
		kp.timeout_ms = KE_TIMEOUT_MS;
		u->query_fails = 0;
		if (tg_ntsc_ke(&u->sess, &kp, err, sizeof(err)) < 0 ||
		    check_ntp_server(u, err, sizeof(err)) < 0) {
			/* another address of the name next time, if it has one */
			u->cur = (u->cur + 1) % u->n_addrs;
			goto drop;
		}
		tg_debug("upstream %u (%s): key establishment done: %zu cookies, NTP at %s port %u",
		         idx, u->cf->host, u->sess.n_cookies, u->sess.ntp_server, u->sess.ntp_port);
	}
	q = tg_ntsc_query(&u->sess, -1, NTP_TIMEOUT_MS, &smp, err, sizeof(err));
	if (q == 1)
		goto drop; /* NAK: the cookies are no good; key establishment next time */
	if (q < 0) {
		/* lost packets happen; twice in a row, start over with a new session */
		if (++u->query_fails >= QUERY_FAILS_MAX)
			goto drop;
		goto done;
	}
	u->query_fails = 0;
	failed = 0;
	m.when_mono_ns = mono_ns();
	m.offset_ns = to_ns(smp.offset_s);
	m.delay_ns = to_ns(smp.delay_s);
	m.stratum = smp.stratum;
	m.leap = smp.leap;
	if (smp.leap == 3 || smp.stratum == 0 || smp.stratum >= 16) {
		/* it answers (no back-off), but its time means nothing */
		snprintf(err, sizeof(err), "the server is not synchronised (leap %u, stratum %u)",
		         smp.leap, smp.stratum);
		tg_warn("upstream %u (%s): %s", idx, u->cf->host, err);
	} else {
		m.ok = 1;
		tg_debug("upstream %u (%s): offset %+.9f s, delay %.6f s, stratum %u, leap %u", idx,
		         u->cf->host, smp.offset_s, smp.delay_s, smp.stratum, smp.leap);
		if (u->fails > 0)
			tg_info("upstream %u (%s) answers again after %u failed attempts", idx,
			        u->cf->host, u->fails);
	}
	u->fails = 0;
	goto done;
drop:
	tg_ntsc_wipe(&u->sess);
	u->sess.n_cookies = 0;
done:
	if (failed) {
		u->fails++;
		tg_warn("upstream %u (%s port %u): %s; next attempt in %lld s", idx, u->cf->host,
		        u->cf->port ? u->cf->port : TG_NTSKE_PORT, err,
		        (long long)(wait_ms(u, interval_s) / 1000));
		m.when_mono_ns = mono_ns();
	}
	if (!m.ok)
		copy_trunc(m.err, sizeof(m.err), err[0] ? err : "failed");
	u->due_ms = start + wait_ms(u, interval_s);
	return send_sample(ipc_fd, &m);
}

/* Sleep up to ms (-1: until main writes or goes). 0 timeout; 1 main gone; -1 error (logged). */
static int wait_main(int ipc_fd, int64_t ms)
{
	struct pollfd pfd = {ipc_fd, POLLIN, 0};
	struct tg_ipc_hdr hdr;
	int rc;

	rc = poll(&pfd, 1, ms < 0 ? -1 : ms > WAIT_SLICE_MS ? WAIT_SLICE_MS : (int)ms);
	if (rc == 0 || (rc < 0 && errno == EINTR))
		return 0;
	if (rc < 0) {
		tg_err("poll: %s", strerror(errno));
		return -1;
	}
	/* main sends this role nothing: anything but EOF is a broken sibling */
	rc = tg_ipc_recv(ipc_fd, &hdr, NULL, 0, NULL, 0, NULL, NULL);
	if (rc == TG_IPC_EOF || (rc == TG_IPC_ESYS && errno == ECONNRESET))
		return 1;
	if (rc == TG_IPC_EAGAIN)
		return 0;
	tg_err("invalid message from main: %s", tg_ipc_strerror(rc));
	return -1;
}

/* ---------------------------------------------------------------- entry */

int timed_xcheck_role(int ipc_fd, const struct timed_conf *c)
{
	struct tg_syscall_rule rules[TIMED_RULES_MAX];
	struct tg_sandbox sb;
	char err[512];
	int i, n, rc;

	tg_log_set_role("xcheck");
	/*
	 * Our lifetime is the IPC connection's: main stops us by closing it.
	 * A signal meant for the whole group must not kill us first.
	 */
	signal(SIGTERM, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);

	n = c->n_upstream;
	if (n < 0 || n > TIMED_XCHECK_MAX) {
		tg_err("%d upstream servers (expected 0..%d)", n, TIMED_XCHECK_MAX);
		return TG_EXIT_USAGE;
	}
	if (n > 0 && c->xcheck_interval_s == 0) {
		tg_err("cross-check interval of 0 s (expected at least 1)");
		return TG_EXIT_USAGE;
	}
	/* 1. what needs the filesystem: the anchors, then the names */
	if (n > 0 && tg_pem_load_anchors(c->anchors, &anchors, err, sizeof(err)) < 0) {
		tg_err("trust anchors for the upstreams: %s", err);
		return TG_EXIT_USAGE;
	}
	memset(ups, 0, sizeof(ups));
	for (i = 0; i < n; i++) {
		ups[i].cf = &c->upstream[i];
		ups[i].cert_name = c->upstream[i].name[0] ? c->upstream[i].name : c->upstream[i].host;
		resolve(&ups[i]);
	}

	/* 2. the sandbox; as root (no supervisor) we become the service user */
	timed_xcheck_sandbox(&sb, rules, TIMED_RULES_MAX, ipc_fd,
	                     geteuid() == 0 && c->user[0] ? c->user : NULL);
	if (tg_sandbox_enter(&sb, err, sizeof(err)) < 0) {
		tg_err("sandbox: %s", err);
		return TG_EXIT_SYS;
	}
	if (n > 0)
		tg_info("cross-checking %d upstream NTS server%s every %u s", n, n > 1 ? "s" : "",
		        c->xcheck_interval_s);
	else
		tg_info("no upstream NTS servers configured: nothing to cross-check");

	/* 3. rounds: every due server in turn, then sleep until the next is due */
	for (;;) {
		int64_t next = -1, now;

		for (i = 0; i < n; i++) {
			if (mono_ms() < ups[i].due_ms)
				continue;
			rc = attempt(ipc_fd, (unsigned)i, c->xcheck_interval_s);
			if (rc != 0)
				goto out;
		}
		for (i = 0; i < n; i++)
			if (next < 0 || ups[i].due_ms < next)
				next = ups[i].due_ms;
		now = mono_ms();
		rc = wait_main(ipc_fd, next < 0 ? -1 : next > now ? next - now : 0);
		if (rc != 0)
			goto out;
	}
out:
	for (i = 0; i < n; i++)
		tg_ntsc_wipe(&ups[i].sess);
	if (rc > 0) {
		tg_debug("main has gone: exiting");
		return TG_EXIT_OK;
	}
	return TG_EXIT_SYS;
}
