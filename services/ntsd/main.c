/*
 * main.c - ntsd's parent role ("main").
 *
 * Sequence: options and configuration; the sockets the supervisor
 * passes in TG_LISTEN_FDS/TG_LISTEN_NAMES (lib/listenfd.h: "ntp", "ntp6",
 * ... for NTP, "ntske", "ntske6", ... for NTS-KE, up to 4 each), else
 * the ones bound from `listen-ntp` / `listen-ke`; the cookie key ring
 * (keys_init: load, or start, and rotate when due); fork the ntp role
 * (ntp.c) before the TLS key is read, so it never has it; load the TLS
 * chain and key and fork the ke role (ke.c), then wipe main's copy of the
 * key.  Each role owns its sockets from then on.  main closes them, locks
 * itself down (no network; read-only opens, plus the key ring's
 * temporary file) and, once a second, reads the clock status file and
 * passes it to the ntp role; on schedule it rotates the cookie keys,
 * saves them and sends them to both roles.  Every 2 s (and at start) it
 * writes the counters file (stats-file, lib/ntsstats.h): the totals the
 * roles send (NTSD_MSG_COUNTS), the current cookie key, the validity of
 * the certificate served.  When the ntp role and (if it
 * runs) the ke role report they serve, main writes "ready\n" to
 * TG_NOTIFY_FD (if given).  Without a usable certificate NTS-KE is off
 * and NTP (and NTS with cookies issued before) goes on.
 *
 * Lifetime: if a role dies, main exits 111 and the supervisor restarts
 * the service.  On SIGTERM or SIGINT, main closes the IPC sockets; the
 * roles exit on that EOF; main reaps them and exits 0.
 *
 * Exit codes: 0 stopped by a signal, -n found the configuration
 * valid, or -S printed the sandboxes; 100 usage or configuration error;
 * 111 system call failure or a role died.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "cookie.h"
#include "ct.h"
#include "ec.h"
#include "evloop.h"
#include "fileio.h"
#include "ipc.h"
#include "listenfd.h"
#include "log.h"
#include "ntsd.h"
#include "ntsd_ipc.h"
#include "ntsstats.h"
#include "pemfile.h"
#include "rng.h"
#include "sandbox.h"
#include "timestatus.h"

#define TICK_NS          1000000000ULL /* status file read interval */
#define STATS_NS         2000000000ULL /* counters file write interval */

struct main_role {
	struct tg_loop loop;
	struct ntsd_conf conf;
	int notify_fd;
	struct ntsd_keyring ring; /* cookie keys: main owns, rotates, saves them */
	struct tg_rng rng;
	/* what was last logged about the status file: -1 nothing, 0 unavailable, 1 ok */
	int last_ok;
	uint8_t last_state, last_stratum, last_leap;
	/* the counters file: each role's totals, the served certificate's validity */
	struct ntsd_msg_counts counts_ntp, counts_ke;
	int64_t cert_not_before, cert_not_after; /* 0: NTS-KE off */
	int stats_failing;                       /* the last write failed (logged once) */
};

static struct main_role m;

static void usage(FILE *f)
{
	fprintf(f, "usage: ntsd [-d] [-n] [-S] [-f FILE]\n"
	           "  -f FILE  configuration file (default " NTSD_CONF_PATH ")\n"
	           "  -n       check the configuration and exit\n"
	           "  -S       print each process role's sandbox and exit\n"
	           "  -d       debug logging\n");
}

/* ------------------------------------------------------------ configuration */

static int key_ntp_plain(void *ctx, int argc, char **argv, char *err, size_t errlen)
{
	struct ntsd_conf *c = ctx;

	(void)argc;
	return tg_conf_bool(argv[0], &c->ntp_plain, err, errlen);
}

static int key_status_file(void *ctx, int argc, char **argv, char *err, size_t errlen)
{
	struct ntsd_conf *c = ctx;

	(void)argc;
	if (argv[0][0] != '/') {
		snprintf(err, errlen, "'status-file' expects an absolute path, got '%.64s'",
		         argv[0]);
		return -1;
	}
	return tg_conf_str(argv[0], c->status_file, sizeof(c->status_file), err, errlen);
}

static int key_user(void *ctx, int argc, char **argv, char *err, size_t errlen)
{
	struct ntsd_conf *c = ctx;

	(void)argc;
	if (!argv[0][0] || strchr(argv[0], ':')) {
		snprintf(err, errlen, "'user' expects a user name, got '%.64s'", argv[0]);
		return -1;
	}
	return tg_conf_str(argv[0], c->user, sizeof(c->user), err, errlen);
}

/* listen-ntp / listen-ke ADDRESS PORT: a numeric IPv4 or IPv6 address and a port */
static int listen_key(const char *key, char **argv, char *addr, size_t addr_cap, uint16_t *port,
                      int *have, char *err, size_t errlen)
{
	struct in6_addr a6;
	struct in_addr a4;
	uint64_t p;

	if (inet_pton(AF_INET, argv[0], &a4) != 1 && inet_pton(AF_INET6, argv[0], &a6) != 1) {
		snprintf(err, errlen, "'%s' expects a numeric IPv4 or IPv6 address, got '%.64s'",
		         key, argv[0]);
		return -1;
	}
	if (tg_conf_u64(argv[1], 1, 65535, &p, err, errlen) < 0)
		return -1;
	if (tg_conf_str(argv[0], addr, addr_cap, err, errlen) < 0)
		return -1;
	*port = (uint16_t)p;
	*have = 1;
	return 0;
}

static int key_listen_ntp(void *ctx, int argc, char **argv, char *err, size_t errlen)
{
	struct ntsd_conf *c = ctx;

	(void)argc;
	return listen_key("listen-ntp", argv, c->listen_addr, sizeof(c->listen_addr),
	                  &c->listen_port, &c->have_listen_ntp, err, errlen);
}

static int key_listen_ke(void *ctx, int argc, char **argv, char *err, size_t errlen)
{
	struct ntsd_conf *c = ctx;

	(void)argc;
	return listen_key("listen-ke", argv, c->listen_ke_addr, sizeof(c->listen_ke_addr),
	                  &c->listen_ke_port, &c->have_listen_ke, err, errlen);
}

/* an absolute path into dst (tls-cert, tls-key, cookie-keys) */
static int abs_path(const char *key, const char *v, char *dst, size_t cap, char *err, size_t errlen)
{
	if (v[0] != '/') {
		snprintf(err, errlen, "'%s' expects an absolute path, got '%.64s'", key, v);
		return -1;
	}
	return tg_conf_str(v, dst, cap, err, errlen);
}

static int key_tls_cert(void *ctx, int argc, char **argv, char *err, size_t errlen)
{
	struct ntsd_conf *c = ctx;

	(void)argc;
	return abs_path("tls-cert", argv[0], c->tls_cert, sizeof(c->tls_cert), err, errlen);
}

static int key_tls_key(void *ctx, int argc, char **argv, char *err, size_t errlen)
{
	struct ntsd_conf *c = ctx;

	(void)argc;
	return abs_path("tls-key", argv[0], c->tls_key, sizeof(c->tls_key), err, errlen);
}

static int key_cookie_keys(void *ctx, int argc, char **argv, char *err, size_t errlen)
{
	struct ntsd_conf *c = ctx;

	(void)argc;
	return abs_path("cookie-keys", argv[0], c->keys_file, sizeof(c->keys_file), err, errlen);
}

static int key_cookie_rotate(void *ctx, int argc, char **argv, char *err, size_t errlen)
{
	struct ntsd_conf *c = ctx;
	uint64_t v;

	(void)argc;
	/* at least 10 s (tests); at most 30 days, so old keys age out in a season */
	if (tg_conf_u64(argv[0], 10, 30 * 86400, &v, err, errlen) < 0)
		return -1;
	c->rotate_s = (uint32_t)v;
	return 0;
}

/* the NTPv4 Server record: a DNS name or an address, printable ASCII, no spaces */
static int key_nts_server(void *ctx, int argc, char **argv, char *err, size_t errlen)
{
	struct ntsd_conf *c = ctx;
	const char *p;

	(void)argc;
	for (p = argv[0]; *p; p++)
		if (*p <= ' ' || *p > '~') {
			snprintf(err, errlen,
			         "'nts-server' expects a host name or address (printable ASCII), "
			         "got '%.64s'",
			         argv[0]);
			return -1;
		}
	return tg_conf_str(argv[0], c->nts_server, sizeof(c->nts_server), err, errlen);
}

static int key_nts_port(void *ctx, int argc, char **argv, char *err, size_t errlen)
{
	struct ntsd_conf *c = ctx;
	uint64_t v;

	(void)argc;
	if (tg_conf_u64(argv[0], 1, 65535, &v, err, errlen) < 0)
		return -1;
	c->nts_port = (uint16_t)v;
	return 0;
}

/* stats-file PATH | none */
static int key_stats_file(void *ctx, int argc, char **argv, char *err, size_t errlen)
{
	struct ntsd_conf *c = ctx;

	(void)argc;
	if (strcmp(argv[0], "none") == 0) {
		c->stats_file[0] = '\0';
		return 0;
	}
	return abs_path("stats-file", argv[0], c->stats_file, sizeof(c->stats_file), err,
	                errlen);
}

static const struct tg_conf_key conf_keys[] = {
    {"ntp-plain", 1, 1, 0, key_ntp_plain},
    {"status-file", 1, 1, 0, key_status_file},
    {"user", 1, 1, 0, key_user},
    {"listen-ntp", 2, 2, 0, key_listen_ntp},
    {"listen-ke", 2, 2, 0, key_listen_ke},
    {"tls-cert", 1, 1, 0, key_tls_cert},
    {"tls-key", 1, 1, 0, key_tls_key},
    {"cookie-keys", 1, 1, 0, key_cookie_keys},
    {"cookie-rotate", 1, 1, 0, key_cookie_rotate},
    {"nts-server", 1, 1, 0, key_nts_server},
    {"nts-port", 1, 1, 0, key_nts_port},
    {"stats-file", 1, 1, 0, key_stats_file},
    {NULL, 0, 0, 0, NULL},
};

static void conf_defaults(struct ntsd_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->ntp_plain = 1;
	snprintf(c->status_file, sizeof(c->status_file), "%s", TG_TIMESTATUS_PATH);
	snprintf(c->user, sizeof(c->user), "%s", NTSD_USER);
	snprintf(c->tls_cert, sizeof(c->tls_cert), "%s", NTSD_TLS_CERT);
	snprintf(c->tls_key, sizeof(c->tls_key), "%s", NTSD_TLS_KEY);
	snprintf(c->keys_file, sizeof(c->keys_file), "%s", NTSD_KEYS_FILE);
	c->rotate_s = NTSD_ROTATE_S;
	snprintf(c->stats_file, sizeof(c->stats_file), "%s", TG_NTSSTATS_PATH);
}

/* ------------------------------------------------------------------ sockets */

/*
 * Supervisor sockets (lib/listenfd.h): the NTP ones ("ntp", "ntp6", ...)
 * into ntp[], the NTS-KE ones ("ntske", "ntske6", ...) into ke[], at
 * most 4 each; any other is closed.  A malformed environment is fatal.
 */
static void listen_fds(int ntp[NTSD_NTP_SOCKETS_MAX], int *n_ntp, int ke[NTSD_KE_SOCKETS_MAX],
                       int *n_ke)
{
	struct tg_listen_want want[2] = {{"ntp", ntp, NTSD_NTP_SOCKETS_MAX, 0},
	                                 {"ntske", ke, NTSD_KE_SOCKETS_MAX, 0}};
	char err[256];

	if (tg_listen_fds(want, 2, err, sizeof(err)) < 0)
		tg_fatalx(TG_EXIT_USAGE, "%s", err);
	*n_ntp = want[0].n;
	*n_ke = want[1].n;
}

/* listen-ntp / listen-ke (no supervisor): one socket, IPv4 or IPv6 by the address */
static int bind_addr(const char *addr, uint16_t port, int type, const char *what)
{
	char err[256];
	int fd = tg_listen_bind(addr, port, type, err, sizeof(err));

	if (fd < 0)
		tg_fatalx(TG_EXIT_SYS, "%s: %s", what, err);
	return fd;
}

/* ------------------------------------------------------------- the roles */

/* A child role: the ntp role, and the ke role when NTS-KE is served. */
struct child {
	const char *name;
	pid_t pid; /* 0: not running (ke without a certificate) */
	int ipc_fd;
	int ready;
};

static struct child ntp_child = {"ntp", 0, -1, 0}, ke_child = {"ke", 0, -1, 0};

static void sigchld_cb(struct tg_loop *l, int signo, void *arg)
{
	struct child *cs[2] = {&ntp_child, &ke_child};
	int status, i;

	(void)l;
	(void)signo;
	(void)arg;
	for (i = 0; i < 2; i++) {
		if (cs[i]->pid <= 0)
			continue;
		if (waitpid(cs[i]->pid, &status, WNOHANG) == cs[i]->pid) {
			tg_log_child_end(cs[i]->name, status);
			exit(TG_EXIT_SYS);
		}
	}
}

static void stop_cb(struct tg_loop *l, int signo, void *arg)
{
	struct child *cs[2] = {&ntp_child, &ke_child};
	int status, i;
	pid_t p;

	(void)l;
	(void)arg;
	tg_info("signal %d: stopping", signo);
	/* the roles exit when they read EOF on their IPC socket */
	for (i = 0; i < 2; i++)
		if (cs[i]->pid > 0)
			close(cs[i]->ipc_fd);
	for (i = 0; i < 2; i++) {
		if (cs[i]->pid <= 0)
			continue;
		do
			p = waitpid(cs[i]->pid, &status, 0);
		while (p < 0 && errno == EINTR);
		if (p == cs[i]->pid && !(WIFEXITED(status) && WEXITSTATUS(status) == 0))
			tg_log_child_end(cs[i]->name, status);
	}
	ntsd_keyring_wipe(&m.ring);
	exit(TG_EXIT_OK);
}

/*
 * A role's totals: only its own fields, never lower than before (a role
 * that breaks either rule is broken, and main stops).
 */
static void take_counts(struct child *c, const struct ntsd_msg_counts *n)
{
	struct ntsd_msg_counts *o = c == &ntp_child ? &m.counts_ntp : &m.counts_ke;
	int own_only = c == &ntp_child ? n->ke_handshakes == 0 && n->ke_failures == 0
	                               : n->ntp_requests == 0 && n->nts_requests == 0 &&
	                                     n->nts_refused == 0;

	if (!own_only || n->ntp_requests < o->ntp_requests || n->nts_requests < o->nts_requests ||
	    n->nts_refused < o->nts_refused || n->ke_handshakes < o->ke_handshakes ||
	    n->ke_failures < o->ke_failures)
		tg_fatalx(TG_EXIT_SYS, "invalid NTSD_MSG_COUNTS received from the %s role", c->name);
	*o = *n;
}

static void ipc_cb(struct tg_loop *l, int fd, short revents, void *arg)
{
	struct child *c = arg;
	const struct tg_ipc_type *t;
	union {
		struct ntsd_msg_ready ready;
		struct ntsd_msg_counts counts;
	} msg;
	struct tg_ipc_hdr hdr;
	int rc;

	(void)l;
	(void)revents;
	rc = tg_ipc_recv(fd, &hdr, &msg, sizeof(msg), ntsd_to_main_types,
	                 NTSD_NELEM(ntsd_to_main_types), &t, NULL);
	if (rc == TG_IPC_EAGAIN)
		return;
	if (rc == TG_IPC_EOF)
		tg_role_died(c->name, c->pid);
	if (rc == TG_IPC_ESYS) {
		tg_err("receiving from the %s role: %s", c->name, strerror(errno));
		tg_role_died(c->name, c->pid);
	}
	if (rc != TG_IPC_OK)
		tg_fatalx(TG_EXIT_SYS, "invalid message from the %s role: %s", c->name,
		          tg_ipc_strerror(rc));
	switch (t->type) {
	case NTSD_MSG_READY:
		if (msg.ready.serving != 1 || msg.ready.reserved != 0 || c->ready)
			tg_fatalx(TG_EXIT_SYS, "invalid NTSD_MSG_READY received from the %s role",
			          c->name);
		c->ready = 1;
		tg_info("%s role is serving", c->name);
		/* ready: NTP served, and NTS-KE too when it runs */
		if (ntp_child.ready && (ke_child.pid <= 0 || ke_child.ready))
			tg_notify_ready(&m.notify_fd);
		break;
	case NTSD_MSG_COUNTS:
		take_counts(c, &msg.counts);
		break;
	default:
		tg_fatalx(TG_EXIT_SYS, "unexpected message type %u from the %s role", t->type,
		          c->name);
	}
}

/* ------------------------------------------------------------- cookie keys */

static int64_t unix_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec;
}

static void keys_send(struct child *c)
{
	struct ntsd_msg_keys msg;
	int rc;

	if (c->pid <= 0)
		return;
	memset(&msg, 0, sizeof(msg));
	msg.ring = m.ring;
	rc = tg_ipc_send(c->ipc_fd, NTSD_MSG_KEYS, 0, &msg, sizeof(msg), -1);
	tg_wipe(&msg, sizeof(msg));
	if (rc != TG_IPC_OK) {
		tg_err("sending the cookie keys to the %s role: %s", c->name,
		       rc == TG_IPC_ESYS ? strerror(errno) : tg_ipc_strerror(rc));
		tg_role_died(c->name, c->pid);
	}
}

/* A new current key; saved when the data partition takes it. */
static void keys_rotate(void)
{
	uint8_t key[NTSD_COOKIE_KEY_LEN];
	char err[256];

	tg_rng_bytes(&m.rng, key, sizeof(key));
	ntsd_keyring_rotate(&m.ring, key, unix_now());
	tg_wipe(key, sizeof(key));
	tg_info("cookie key rotated: current key id %u, %zu key%s held (rotation every %u s)",
	        m.ring.k[m.ring.cur].id, m.ring.n, m.ring.n == 1 ? "" : "s", m.conf.rotate_s);
	if (ntsd_keyring_save(m.conf.keys_file, &m.ring, err, sizeof(err)) < 0)
		tg_warn("cookie keys kept in memory only (cookies will not survive a restart): %s",
		        err);
}

static void rotate_cb(struct tg_loop *l, void *arg)
{
	(void)arg;
	keys_rotate();
	keys_send(&ntp_child);
	keys_send(&ke_child);
	if (!tg_loop_add_timer(l, (uint64_t)m.conf.rotate_s * 1000000000ULL, rotate_cb, NULL))
		tg_fatalx(TG_EXIT_SYS, "event loop: no timer slot");
}

/*
 * The ring from the data partition: kept when its current key is younger
 * than the rotation interval, rotated otherwise.  A missing file starts a
 * new ring; a corrupt one is moved aside (path.bad, for inspection) and
 * a new ring started: cookies issued under it are then refused with an
 * NTS NAK and clients go back to NTS-KE.  Returns the seconds until the
 * next rotation.
 */
static uint32_t keys_init(void)
{
	char err[256], bad[NTSD_PATH_MAX + 8];
	int64_t age;
	int rc;

	rc = ntsd_keyring_load(m.conf.keys_file, &m.ring, err, sizeof(err));
	if (rc < 0) {
		tg_err("%s; starting a new cookie key ring (earlier cookies get an NTS NAK)", err);
		snprintf(bad, sizeof(bad), "%s.bad", m.conf.keys_file);
		if (rename(m.conf.keys_file, bad) == 0)
			tg_info("the unreadable key ring was kept as %s", bad);
		ntsd_keyring_wipe(&m.ring);
	} else if (rc == 1) {
		tg_info("%s: no cookie key ring yet; creating one", m.conf.keys_file);
	}
	age = ntsd_keyring_age(&m.ring, unix_now());
	if (m.ring.n == 0 || age < 0 || age >= (int64_t)m.conf.rotate_s) {
		keys_rotate();
		return m.conf.rotate_s;
	}
	tg_info("cookie key ring loaded: %zu key%s, current id %u, %lld s old", m.ring.n,
	        m.ring.n == 1 ? "" : "s", m.ring.k[m.ring.cur].id, (long long)age);
	return m.conf.rotate_s - (uint32_t)age;
}

/* -------------------------------------------------------- TLS credentials */

static struct tg_pem_chain tls_chain;
static struct tg_pem_key tls_key;

/*
 * The certificate chain and its key, for the ke role: both files must
 * load, and the key must belong to the leaf certificate (a mismatch would
 * fail every handshake at the client, far from its cause).
 */
static int load_creds(struct ntsd_tls_creds *cr, char *err, size_t errlen)
{
	if (tg_pem_load_chain(m.conf.tls_cert, &tls_chain, err, errlen) < 0)
		return -1;
	if (tg_pem_load_ec_key(m.conf.tls_key, &tls_key, err, errlen) < 0)
		return -1;
	if (tg_pem_key_matches_leaf(&tls_chain, &tls_key, err, errlen) < 0) {
		/* name the files: "the key does not belong to the certificate" alone is far from its cause */
		size_t n = strlen(err);

		snprintf(err + n, errlen > n ? errlen - n : 0, " (%.64s, %.64s)", m.conf.tls_key,
		         m.conf.tls_cert);
		return -1;
	}
	cr->chain = tls_chain.certs;
	cr->chain_len = tls_chain.n;
	cr->key = &tls_key.key;
	return 0;
}

/* ------------------------------------------------------------ status file */

static const char *state_name(uint8_t s)
{
	static const char *const names[] = {"unsync", "locking", "locked", "holdover", "failed"};

	return s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

static void log_status(int ok, const struct tg_timestatus *st, const char *err)
{
	if (ok == m.last_ok && (!ok || (st->state == m.last_state &&
	                                st->stratum == m.last_stratum && st->leap == m.last_leap)))
		return; /* log changes only, never every second */
	if (ok)
		tg_info("clock status: %s, stratum %u, refid '%.4s', leap %u",
		        state_name(st->state), st->stratum, st->refid, st->leap);
	else
		tg_warn("clock status unavailable, answering as unsynchronised: %s", err);
	m.last_ok = ok;
	m.last_state = st->state;
	m.last_stratum = st->stratum;
	m.last_leap = st->leap;
}

static void status_tick(struct tg_loop *l, void *arg)
{
	struct ntsd_msg_status msg;
	struct timespec ts;
	char err[256];
	int ok, rc;

	(void)arg;
	memset(&msg, 0, sizeof(msg)); /* padding too: nothing of ours leaks into the message */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	err[0] = '\0';
	ok = tg_timestatus_read(m.conf.status_file, (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec,
	                        &msg.st, err, sizeof(err)) == 0;
	log_status(ok, &msg.st, err);

	rc = tg_ipc_send(ntp_child.ipc_fd, NTSD_MSG_STATUS, 0, &msg, sizeof(msg), -1);
	if (rc == TG_IPC_EAGAIN) {
		tg_warn("ntp role is not reading its messages; status update skipped");
	} else if (rc != TG_IPC_OK) {
		/* EPIPE/ECONNRESET: the ntp role is gone */
		tg_err("sending the status to the ntp role: %s", strerror(errno));
		tg_role_died(ntp_child.name, ntp_child.pid);
	}
	if (!tg_loop_add_timer(l, TICK_NS, status_tick, NULL))
		tg_fatalx(TG_EXIT_SYS, "event loop: no timer slot");
}

/* ---------------------------------------------------------- counters file */

/*
 * Replace the counters file: path.tmp (fixed name, O_NOFOLLOW, as the key
 * ring's save), then rename.  Readers see the old or the new file whole.
 * No fsync: the file lives on /run (tmpfs), is rewritten every 2 s and
 * counts since this start only, so nothing is lost that a power cut would
 * not reset anyway.  0 or -1 (errno).
 */
static int stats_replace(const char *path, const char *text, size_t len)
{
	char tmp[NTSD_PATH_MAX + 8];
	int fd, saved;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = openat(AT_FDCWD, tmp, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return -1;
	/* a stale .tmp keeps its mode through O_TRUNC; the console reads the file as another user */
	if (fchmod(fd, 0644) < 0 || tg_write_all(fd, text, len) < 0) {
		saved = errno;
		close(fd);
		unlink(tmp);
		errno = saved;
		return -1;
	}
	if (close(fd) < 0 || rename(tmp, path) < 0) {
		saved = errno;
		unlink(tmp);
		errno = saved;
		return -1;
	}
	return 0;
}

static void stats_write(void)
{
	struct tg_ntsstats st;
	char text[512];
	size_t len;

	memset(&st, 0, sizeof(st));
	st.updated = unix_now();
	st.ntp_requests = m.counts_ntp.ntp_requests;
	st.nts_requests = m.counts_ntp.nts_requests;
	st.nts_refused = m.counts_ntp.nts_refused;
	st.ke_handshakes = m.counts_ke.ke_handshakes;
	st.ke_failures = m.counts_ke.ke_failures;
	if (m.ring.n > 0) {
		st.cookie_key_id = m.ring.k[m.ring.cur].id;
		st.cookie_key_created = m.ring.k[m.ring.cur].created;
	}
	st.cert_not_after = m.cert_not_after;
	st.cert_not_before = m.cert_not_before;
	len = tg_ntsstats_format(&st, text, sizeof(text));
	if (len == 0)
		tg_fatalx(TG_EXIT_SYS, "counters file: text larger than %zu bytes", sizeof(text));
	if (stats_replace(m.conf.stats_file, text, len) < 0) {
		if (!m.stats_failing)
			tg_warn("counters file %s not written: %s (retrying every 2 s)",
			        m.conf.stats_file, strerror(errno));
		m.stats_failing = 1;
	} else if (m.stats_failing) {
		tg_info("counters file %s written again", m.conf.stats_file);
		m.stats_failing = 0;
	}
}

static void stats_tick(struct tg_loop *l, void *arg)
{
	(void)arg;
	stats_write();
	if (!tg_loop_add_timer(l, STATS_NS, stats_tick, NULL))
		tg_fatalx(TG_EXIT_SYS, "event loop: no timer slot");
}

/* ---------------------------------------------------------------- sandbox */

/*
 * main's whole allow-list; built at run time because rules name the IPC
 * descriptors and the roles' pids (placeholders for -S).  Always added
 * by tg_sandbox_enter (tg_sandbox_base_syscalls): exit, exit_group,
 * write, writev, rt_sigreturn, restart_syscall, kill(self, SIGSYS).
 * No socket, connect, bind or sendto: main has no network.
 */
static void main_syscalls(struct tg_syscall_rule *t, size_t cap, int ntp_ipc, pid_t ntp_pid,
                          int ke_ipc, pid_t ke_pid)
{
	struct tg_syscall_table tb;

	tg_sc_table_init(&tb, t, cap);
	/* status file, and the key ring's folder for fsync: read-only opens */
	TG_SC_ADD(&tb,
	          TG_SC_MASKED1("openat", 2, O_ACCMODE | O_CREAT | O_TRUNC | O_APPEND | O_TMPFILE,
	                        O_RDONLY));
	/* the key ring's and the counters file's temporary files: created or
	 * truncated, write-only; where is Landlock's business (service.conf grants
	 * /data/ntsd and /run/timegate/ntsd only) */
	TG_SC_ADD(&tb,
	          TG_SC_MASKED1("openat", 2, O_ACCMODE | O_CREAT | O_TRUNC | O_APPEND | O_TMPFILE,
	                        O_WRONLY | O_CREAT | O_TRUNC));
	TG_SC_ADD(&tb, TG_SC("read")); /* the status file and the loop's signal pipe */
	/* saving the key ring (cookie.c) and the counters file: mode 0600 (0644)
	 * even over a stale .tmp, (durable) rename, and the .tmp removed when a
	 * step fails */
	TG_SC_ADD(&tb, TG_SC("fchmod"));
	TG_SC_ADD(&tb, TG_SC("fsync"));
#ifdef SYS_rename
	TG_SC_ADD(&tb, TG_SC("rename"));
#endif
	TG_SC_ADD(&tb, TG_SC("renameat"));
#ifdef SYS_unlink
	TG_SC_ADD(&tb, TG_SC("unlink"));
#endif
	TG_SC_ADD(&tb, TG_SC("unlinkat"));
	TG_SC_ADD(&tb, TG_SC("close"));
	/* new cookie keys (lib/rng.c) */
	TG_SC_ADD(&tb, TG_SC("getrandom"));
	/* IPC with the roles */
	TG_SC_ADD(&tb, TG_SC1("sendmsg", 0, TG_CMP_EQ, (uint64_t)ntp_ipc));
	TG_SC_ADD(&tb, TG_SC1("recvmsg", 0, TG_CMP_EQ, (uint64_t)ntp_ipc));
	TG_SC_ADD(&tb, TG_SC1("wait4", 0, TG_CMP_EQ, (uint64_t)ntp_pid));
	if (ke_pid > 0) {
		TG_SC_ADD(&tb, TG_SC1("sendmsg", 0, TG_CMP_EQ, (uint64_t)ke_ipc));
		TG_SC_ADD(&tb, TG_SC1("recvmsg", 0, TG_CMP_EQ, (uint64_t)ke_ipc));
		TG_SC_ADD(&tb, TG_SC1("wait4", 0, TG_CMP_EQ, (uint64_t)ke_pid));
	}
	/* event loop: poll (x86_64) or ppoll (aarch64, and glibc everywhere) */
#ifdef SYS_poll
	TG_SC_ADD(&tb, TG_SC("poll"));
#endif
	TG_SC_ADD(&tb, TG_SC("ppoll"));
	/* clock: the vDSO normally answers; the syscall is its fallback */
	TG_SC_ADD(&tb, TG_SC("clock_gettime"));
	/* a rule left out would kill the role at its first use of it: not here */
	if (tb.full)
		tg_fatalx(TG_EXIT_SYS, "main role: seccomp table too small (%zu rules)", cap);
}

/* main's sandbox: entered below, printed by -S (the same function builds both) */
static void main_sandbox(struct tg_sandbox *sb, struct tg_syscall_rule *rules, size_t cap,
                         int ntp_ipc, pid_t ntp_pid, int ke_ipc, pid_t ke_pid,
                         const char *drop_user)
{
	main_syscalls(rules, cap, ntp_ipc, ntp_pid, ke_ipc, ke_pid);
	memset(sb, 0, sizeof(*sb));
	sb->role = "main";
	sb->user = drop_user;  /* root without a supervisor: become the service user */
	sb->chroot_dir = NULL; /* it reads the status file by its configured path */
	sb->caps = 0;
	sb->syscalls = rules;
	sb->rlimit_nofile = 16; /* stdio, 2 IPC, signal pipe, notify fd, a file or two */
}

static void enter_sandbox(const char *drop_user)
{
	struct tg_syscall_rule rules[NTSD_RULES_MAX];
	struct tg_sandbox sb;
	char err[256];

	main_sandbox(&sb, rules, NTSD_RULES_MAX, ntp_child.ipc_fd, ntp_child.pid, ke_child.ipc_fd,
	             ke_child.pid, drop_user);
	if (tg_sandbox_enter(&sb, err, sizeof(err)) < 0)
		tg_fatalx(TG_EXIT_SYS, "sandbox: %s", err);
}

/*
 * -S: each role's sandbox as the roles build it, with placeholders for
 * the descriptors and the pids they only know at run time.
 */
static void print_sandboxes(void)
{
	enum {
		SYM_IPC = TG_SANDBOX_SYMBOL(1),
		SYM_NTP_PID,
		SYM_KE_IPC,
		SYM_KE_PID,
		SYM_UDP1,
		SYM_UDP2,
		SYM_UDP3,
		SYM_UDP4,
		SYM_TCP1,
		SYM_TCP2,
		SYM_TCP3,
		SYM_TCP4
	};
	static const struct tg_sandbox_symbol syms[] = {
	    {SYM_IPC, "<ntp ipc socket>"},   {SYM_NTP_PID, "<ntp role pid>"},
	    {SYM_KE_IPC, "<ke ipc socket>"}, {SYM_KE_PID, "<ke role pid>"},
	    {SYM_UDP1, "<ntp socket 1>"},    {SYM_UDP2, "<ntp socket 2>"},
	    {SYM_UDP3, "<ntp socket 3>"},    {SYM_UDP4, "<ntp socket 4>"},
	    {SYM_TCP1, "<ntske socket 1>"},  {SYM_TCP2, "<ntske socket 2>"},
	    {SYM_TCP3, "<ntske socket 3>"},  {SYM_TCP4, "<ntske socket 4>"},
	};
	/* the most a role is given: the table shows the rules for each */
	static const int udp[NTSD_NTP_SOCKETS_MAX] = {SYM_UDP1, SYM_UDP2, SYM_UDP3, SYM_UDP4};
	static const int tcp[NTSD_KE_SOCKETS_MAX] = {SYM_TCP1, SYM_TCP2, SYM_TCP3, SYM_TCP4};
	struct tg_syscall_rule rules[NTSD_RULES_MAX];
	struct tg_sandbox sb;
	size_t n = sizeof(syms) / sizeof(syms[0]);

	printf("# ntsd -S: what each process role enters (tg_sandbox_enter), built by the same\n"
	       "# functions as at run time (main.c main_sandbox, ntp.c ntsd_ntp_sandbox, ke.c\n"
	       "# ntsd_ke_sandbox).\n"
	       "# user: all roles run as the user they were started as (tg-supervise: the\n"
	       "# service file's); started as root, they switch to ntsd.conf's 'user' (default\n"
	       "# %s) instead.\n"
	       "# main: the parent; reads the clock status file, passes it to the ntp role;\n"
	       "# owns the cookie key ring (rotates it, saves it to the data partition, sends\n"
	       "# it to the ntp and ke roles); writes the counters file (stats-file) every\n"
	       "# 2 s.  Shown with a ke role running.\n"
	       "# ntp: answers NTP and NTS-authenticated NTP on each UDP socket named ntp,\n"
	       "# ntp6, ... (IPv4 or IPv6; at most %d); no filesystem.  recvmmsg and sendmsg\n"
	       "# are allowed once per socket it was given, no more: shown for %d.\n"
	       "# ke: NTS-KE over TLS 1.3 on each TCP socket named ntske, ntske6, ... (at most\n"
	       "# %d); holds the TLS key; no filesystem; accept4 only on its sockets.\n",
	       NTSD_USER, NTSD_NTP_SOCKETS_MAX, NTSD_NTP_SOCKETS_MAX, NTSD_KE_SOCKETS_MAX);
	main_sandbox(&sb, rules, NTSD_RULES_MAX, SYM_IPC, SYM_NTP_PID, SYM_KE_IPC, SYM_KE_PID,
	             NULL);
	tg_sandbox_describe(stdout, &sb, syms, n);
	ntsd_ntp_sandbox(&sb, rules, NTSD_RULES_MAX, udp, NTSD_NTP_SOCKETS_MAX, SYM_IPC, NULL);
	tg_sandbox_describe(stdout, &sb, syms, n);
	ntsd_ke_sandbox(&sb, rules, NTSD_RULES_MAX, tcp, NTSD_KE_SOCKETS_MAX, SYM_KE_IPC, NULL);
	tg_sandbox_describe(stdout, &sb, syms, n);
}

/* ------------------------------------------------------------------- main */

/* fork a role with its end of a new IPC pair; the parent keeps the other */
static void start_role(struct child *c, int *sv)
{
	if (tg_ipc_pair(sv) < 0)
		tg_fatal("socketpair");
	c->pid = fork();
	if (c->pid < 0)
		tg_fatal("fork (%s role)", c->name);
	if (c->pid == 0) {
		close(sv[0]);
		if (m.notify_fd >= 0)
			close(m.notify_fd);
		if (ntp_child.ipc_fd >= 0)
			close(ntp_child.ipc_fd); /* the ke role does not talk to the ntp role */
		return;
	}
	c->ipc_fd = sv[0];
	close(sv[1]);
	if (fcntl(c->ipc_fd, F_SETFL, O_NONBLOCK) < 0)
		tg_fatal("fcntl(O_NONBLOCK) on the IPC socket");
}

int main(int argc, char **argv)
{
	const char *conf_path = NTSD_CONF_PATH;
	const char *drop_user = NULL;
	int explicit_conf = 0, check_only = 0, show_sandbox = 0, sv[2], c, i;
	int udp_fds[NTSD_NTP_SOCKETS_MAX], n_udp, tcp_fds[NTSD_KE_SOCKETS_MAX], n_tcp;
	struct ntsd_tls_creds creds;
	unsigned uid, gid;
	char err[TG_CONF_ERR_MAX];
	uint32_t first_rotation;

	tg_log_init("ntsd", "main");
	while ((c = getopt(argc, argv, "df:nSh")) != -1) {
		switch (c) {
		case 'd':
			tg_log_set_level(TG_LOG_DEBUG);
			break;
		case 'f':
			conf_path = optarg;
			explicit_conf = 1;
			break;
		case 'n':
			check_only = 1;
			break;
		case 'S':
			show_sandbox = 1;
			break;
		case 'h':
			usage(stdout);
			return TG_EXIT_OK;
		default:
			usage(stderr);
			return TG_EXIT_USAGE;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return TG_EXIT_USAGE;
	}
	if (show_sandbox) {
		/* the tables do not depend on the configuration: none is read */
		print_sandboxes();
		return fflush(stdout) == 0 && !ferror(stdout) ? TG_EXIT_OK : TG_EXIT_SYS;
	}

	conf_defaults(&m.conf);
	if (!explicit_conf && access(conf_path, F_OK) < 0 && errno == ENOENT)
		tg_info("%s: not found; using the defaults", conf_path);
	else if (tg_conf_load(conf_path, conf_keys, &m.conf, err, sizeof(err)) < 0)
		tg_fatalx(TG_EXIT_USAGE, "%s", err);

	/* started as root without a supervisor: the roles become the service user */
	if (geteuid() == 0) {
		if (tg_sandbox_lookup_user(m.conf.user, &uid, &gid) < 0)
			tg_fatalx(
			    TG_EXIT_USAGE,
			    "user '%s' does not exist (set 'user' in %s); refusing to run as root",
			    m.conf.user, conf_path);
		drop_user = m.conf.user;
	}
	if (check_only) {
		/* the certificate and key too, when there are any */
		if (access(m.conf.tls_cert, F_OK) == 0 || access(m.conf.tls_key, F_OK) == 0) {
			if (load_creds(&creds, err, sizeof(err)) < 0)
				tg_fatalx(TG_EXIT_USAGE, "%s", err);
			tg_pem_wipe_key(&tls_key);
			tg_info("%s, %s: certificate and key ok", m.conf.tls_cert, m.conf.tls_key);
		} else {
			tg_info("%s: no certificate: NTS-KE would be off", m.conf.tls_cert);
		}
		tg_info("%s: configuration ok", conf_path);
		return TG_EXIT_OK;
	}

	m.notify_fd = tg_notify_fd_from_env();
	m.last_ok = -1;

	listen_fds(udp_fds, &n_udp, tcp_fds, &n_tcp);
	if (n_udp == 0) {
		if (!m.conf.have_listen_ntp)
			tg_fatalx(
			    TG_EXIT_USAGE,
			    "no NTP socket: no 'ntp' (or 'ntp6', ...) in TG_LISTEN_NAMES and no "
			    "'listen-ntp' in %s",
			    conf_path);
		udp_fds[n_udp++] =
		    bind_addr(m.conf.listen_addr, m.conf.listen_port, SOCK_DGRAM, "listen-ntp");
		tg_info("NTP: listening on %s port %u", m.conf.listen_addr, m.conf.listen_port);
	}
	if (n_tcp == 0 && m.conf.have_listen_ke) {
		tcp_fds[n_tcp++] = bind_addr(m.conf.listen_ke_addr, m.conf.listen_ke_port,
		                             SOCK_STREAM, "listen-ke");
		tg_info("NTS-KE: listening on %s port %u", m.conf.listen_ke_addr,
		        m.conf.listen_ke_port);
	}
	for (i = 0; i < n_tcp; i++)
		if (fcntl(tcp_fds[i], F_SETFL, O_NONBLOCK) < 0)
			tg_fatal("fcntl(O_NONBLOCK) on NTS-KE socket %d", tcp_fds[i]);

	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN); /* no reload: restart the service to apply a change */
	if (tg_rng_init(&m.rng) < 0)
		tg_fatal("getrandom (seeding main's generator)");
	first_rotation = keys_init();
	/* started as root: the ring belongs to the user main becomes (it rotates it) */
	if (drop_user && chown(m.conf.keys_file, uid, gid) < 0 && errno != ENOENT)
		tg_warn("chown %s to %s: %s", m.conf.keys_file, drop_user, strerror(errno));

	/* the ntp role first: it never sees the TLS key */
	start_role(&ntp_child, sv);
	if (ntp_child.pid == 0) {
		for (i = 0; i < n_tcp; i++)
			close(tcp_fds[i]);
		ntsd_keyring_wipe(&m.ring);
		tg_rng_wipe(&m.rng);
		ntsd_ntp_main(&m.conf, udp_fds, n_udp, sv[1], drop_user);
	}
	for (i = 0; i < n_udp; i++)
		close(udp_fds[i]);

	/* NTS-KE when there is a socket for it and a certificate to serve */
	if (n_tcp > 0) {
		if (load_creds(&creds, err, sizeof(err)) < 0) {
			tg_err("NTS-KE disabled: %s (install a certificate and key: ntsd(8))", err);
			for (i = 0; i < n_tcp; i++)
				close(tcp_fds[i]);
			n_tcp = 0;
		} else {
			/* the served leaf's validity, for the counters file */
			if (tg_ntsstats_cert_validity(tls_chain.certs[0].data,
			                              tls_chain.certs[0].data_len, &m.cert_not_before,
			                              &m.cert_not_after) < 0)
				tg_warn("%s: cannot read the certificate's validity for the counters "
				        "file", m.conf.tls_cert);
			start_role(&ke_child, sv);
			if (ke_child.pid == 0) {
				ntsd_keyring_wipe(&m.ring);
				tg_rng_wipe(&m.rng);
				ntsd_ke_main(&m.conf, &creds, tcp_fds, n_tcp, sv[1], drop_user);
			}
			for (i = 0; i < n_tcp; i++)
				close(tcp_fds[i]);
		}
		/* main keeps no copy of the TLS key */
		tg_pem_wipe_key(&tls_key);
	} else {
		tg_info("no NTS-KE socket ('ntske' in TG_LISTEN_NAMES or 'listen-ke'): serving NTP "
		        "only");
	}

	tg_loop_init(&m.loop);
	if (tg_loop_add_fd(&m.loop, ntp_child.ipc_fd, POLLIN, ipc_cb, &ntp_child) < 0 ||
	    (ke_child.pid > 0 &&
	     tg_loop_add_fd(&m.loop, ke_child.ipc_fd, POLLIN, ipc_cb, &ke_child) < 0))
		tg_fatalx(TG_EXIT_SYS, "event loop: cannot watch the IPC sockets");
	if (tg_loop_add_signal(&m.loop, SIGTERM, stop_cb, NULL) < 0 ||
	    tg_loop_add_signal(&m.loop, SIGINT, stop_cb, NULL) < 0 ||
	    tg_loop_add_signal(&m.loop, SIGCHLD, sigchld_cb, NULL) < 0)
		tg_fatal("event loop: signals");
	if (!tg_loop_add_timer(&m.loop, (uint64_t)first_rotation * 1000000000ULL, rotate_cb, NULL))
		tg_fatalx(TG_EXIT_SYS, "event loop: no timer slot");
	if (m.conf.stats_file[0] && !tg_loop_add_timer(&m.loop, STATS_NS, stats_tick, NULL))
		tg_fatalx(TG_EXIT_SYS, "event loop: no timer slot");

	enter_sandbox(drop_user);

	keys_send(&ntp_child);
	keys_send(&ke_child);
	status_tick(&m.loop, NULL); /* the first status now; then every second */
	if (m.conf.stats_file[0])
		stats_write(); /* the first counters now (zeros); then every 2 s */
	if (tg_loop_run(&m.loop) < 0)
		tg_fatal("event loop");
	return TG_EXIT_OK;
}
