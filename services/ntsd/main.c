/*
 * main.c - ntsd's parent role ("main").
 *
 * Sequence: options and configuration; the NTP sockets (every one the
 * supervisor passes named "ntp", "ntp6", ... (ntp_socket_name) in
 * TG_LISTEN_FDS/TG_LISTEN_NAMES, up to
 * NTSD_NTP_SOCKETS_MAX, e.g. one IPv4 and one IPv6; else the one bound
 * from `listen-ntp`); an IPC pair; fork the ntp role (ntp.c), which owns
 * the sockets from then on.  main then closes them, locks itself down
 * (no network, read-only opens) and, once a second, reads the clock
 * status file and passes it to the ntp role.  When the ntp role reports
 * it is serving, main writes "ready\n" to TG_NOTIFY_FD (if given).
 *
 * Lifetime: if the ntp role dies, main exits 111 and the supervisor
 * restarts the service.  On SIGTERM or SIGINT, main closes the IPC
 * socket; the ntp role exits on that EOF; main reaps it and exits 0.
 *
 * Exit codes: 0 stopped by a signal, -n found the configuration
 * valid, or -S printed the sandboxes; 100 usage or configuration error;
 * 111 system call failure or the ntp role died.
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
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "evloop.h"
#include "ipc.h"
#include "log.h"
#include "ntsd.h"
#include "ntsd_ipc.h"
#include "sandbox.h"
#include "timestatus.h"

#define TICK_NS          1000000000ULL /* status file read interval */
#define LISTEN_FDS_START 3
#define LISTEN_FDS_MAX   16

struct main_role {
	struct tg_loop loop;
	struct ntsd_conf conf;
	pid_t ntp_pid;
	int ipc_fd;
	int notify_fd;
	/* what was last logged about the status file: -1 nothing, 0 unavailable, 1 ok */
	int last_ok;
	uint8_t last_state, last_stratum, last_leap;
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

static int key_listen_ntp(void *ctx, int argc, char **argv, char *err, size_t errlen)
{
	struct ntsd_conf *c = ctx;
	struct in6_addr a6;
	struct in_addr a4;
	uint64_t port;

	(void)argc;
	if (inet_pton(AF_INET, argv[0], &a4) != 1 && inet_pton(AF_INET6, argv[0], &a6) != 1) {
		snprintf(err, errlen,
		         "'listen-ntp' expects a numeric IPv4 or IPv6 address, got '%.64s'",
		         argv[0]);
		return -1;
	}
	if (tg_conf_u64(argv[1], 1, 65535, &port, err, errlen) < 0)
		return -1;
	if (tg_conf_str(argv[0], c->listen_addr, sizeof(c->listen_addr), err, errlen) < 0)
		return -1;
	c->listen_port = (uint16_t)port;
	c->have_listen_ntp = 1;
	return 0;
}

static const struct tg_conf_key conf_keys[] = {
    {"ntp-plain", 1, 1, 0, key_ntp_plain},
    {"status-file", 1, 1, 0, key_status_file},
    {"user", 1, 1, 0, key_user},
    {"listen-ntp", 2, 2, 0, key_listen_ntp},
    {NULL, 0, 0, 0, NULL},
};

static void conf_defaults(struct ntsd_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->ntp_plain = 1;
	snprintf(c->status_file, sizeof(c->status_file), "%s", TG_TIMESTATUS_PATH);
	snprintf(c->user, sizeof(c->user), "%s", NTSD_USER);
}

/* ------------------------------------------------------------------ sockets */

/* A descriptor number from the environment: decimal, in range, open. */
static int env_fd(const char *name, const char *s, int min)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > 1023)
		tg_fatalx(TG_EXIT_USAGE, "%s='%.32s': expected a descriptor number >= %d", name, s,
		          min);
	if (fcntl((int)v, F_GETFD) < 0)
		tg_fatalx(TG_EXIT_USAGE, "%s=%ld: descriptor not open", name, v);
	return (int)v;
}

/*
 * An NTP socket's name: "ntp", or "ntp" and digits ("ntp6", "ntp2"):
 * tg-supervise wants each listen name once per service file, so the IPv6
 * socket beside the IPv4 one is "ntp6" (as in tg-supervise(8)).
 */
static int ntp_socket_name(const char *p, size_t len)
{
	size_t i;

	if (len < 3 || memcmp(p, "ntp", 3) != 0)
		return 0;
	for (i = 3; i < len; i++)
		if (p[i] < '0' || p[i] > '9')
			return 0;
	return 1;
}

/*
 * Supervisor sockets: TG_LISTEN_FDS=N passes descriptors 3..3+N-1,
 * TG_LISTEN_NAMES names them in order, separated by ':' (as systemd's
 * LISTEN_FDS/LISTEN_FDNAMES).  Stores the NTP ones (ntp_socket_name) in
 * fds[] (at most NTSD_NTP_SOCKETS_MAX, else a fatal error) and returns
 * how many (0: none); descriptors we do not use are closed.
 */
static int listen_fds_ntp(int fds[NTSD_NTP_SOCKETS_MAX])
{
	const char *nfds_s = getenv("TG_LISTEN_FDS");
	const char *names = getenv("TG_LISTEN_NAMES");
	int nfds, i, n_ntp = 0;
	const char *p;
	char *end;
	long v;

	if (!nfds_s)
		return 0;
	errno = 0;
	v = strtol(nfds_s, &end, 10);
	if (errno || end == nfds_s || *end || v < 1 || v > LISTEN_FDS_MAX)
		tg_fatalx(TG_EXIT_USAGE, "TG_LISTEN_FDS='%.32s': expected 1..%d", nfds_s,
		          LISTEN_FDS_MAX);
	nfds = (int)v;
	if (!names)
		tg_fatalx(TG_EXIT_USAGE, "TG_LISTEN_FDS is set but TG_LISTEN_NAMES is not");
	p = names;
	for (i = 0; i < nfds; i++) {
		const char *sep = strchr(p, ':');
		size_t len = sep ? (size_t)(sep - p) : strlen(p);
		int fd = LISTEN_FDS_START + i;

		if (!*p && !sep)
			tg_fatalx(TG_EXIT_USAGE,
			          "TG_LISTEN_NAMES='%.64s' names fewer than %d sockets", names,
			          nfds);
		if (fcntl(fd, F_GETFD) < 0)
			tg_fatalx(TG_EXIT_USAGE, "TG_LISTEN_FDS: descriptor %d is not open", fd);
		if (ntp_socket_name(p, len)) {
			if (n_ntp == NTSD_NTP_SOCKETS_MAX)
				tg_fatalx(TG_EXIT_USAGE,
				          "TG_LISTEN_NAMES='%.64s': more than %d NTP sockets (ntp, "
				          "ntp6, ...)",
				          names, NTSD_NTP_SOCKETS_MAX);
			fds[n_ntp++] = fd;
		} else {
			tg_debug("closing passed socket %d ('%.*s'): not used", fd, (int)len, p);
			close(fd);
		}
		p = sep ? sep + 1 : p + len;
	}
	if (*p)
		tg_fatalx(TG_EXIT_USAGE, "TG_LISTEN_NAMES='%.64s' names more than %d sockets",
		          names, nfds);
	unsetenv("TG_LISTEN_FDS");
	unsetenv("TG_LISTEN_NAMES");
	for (i = 0; i < n_ntp; i++)
		fcntl(fds[i], F_SETFD, FD_CLOEXEC);
	return n_ntp;
}

/* listen-ntp (no supervisor): the one socket, IPv4 or IPv6 by the address */
static int bind_ntp(const char *addr, uint16_t port)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd, family;

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
		tg_fatalx(TG_EXIT_USAGE, "listen-ntp: bad address '%s'", addr);
	}
	fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		tg_fatal("socket for listen-ntp %s %u", addr, port);
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0)
		tg_fatal("bind to %s port %u", addr, port);
	return fd;
}

/* ---------------------------------------------------------------- ntp role */

static void report_child(int status)
{
	if (WIFEXITED(status))
		tg_err("ntp role exited with status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS)
		tg_err("ntp role killed by SIGSYS (seccomp violation; its last line names the "
		       "syscall)");
	else if (WIFSIGNALED(status))
		tg_err("ntp role killed by signal %d", WTERMSIG(status));
	else
		tg_err("ntp role ended (wait status 0x%x)", (unsigned)status);
}

/* The ntp role is gone or going: reap it, say how it ended, exit non-zero. */
static void __attribute__((noreturn)) ntp_role_died(void)
{
	int status;
	pid_t p;

	do
		p = waitpid(m.ntp_pid, &status, 0);
	while (p < 0 && errno == EINTR);
	if (p == m.ntp_pid)
		report_child(status);
	else
		tg_err("ntp role lost: waitpid: %s", strerror(errno));
	exit(TG_EXIT_SYS);
}

static void sigchld_cb(struct tg_loop *l, int signo, void *arg)
{
	int status;
	pid_t p;

	(void)l;
	(void)signo;
	(void)arg;
	p = waitpid(m.ntp_pid, &status, WNOHANG);
	if (p == m.ntp_pid) {
		report_child(status);
		exit(TG_EXIT_SYS);
	}
}

static void stop_cb(struct tg_loop *l, int signo, void *arg)
{
	int status;
	pid_t p;

	(void)l;
	(void)arg;
	tg_info("signal %d: stopping", signo);
	/* the ntp role exits when it reads EOF here */
	close(m.ipc_fd);
	do
		p = waitpid(m.ntp_pid, &status, 0);
	while (p < 0 && errno == EINTR);
	if (p == m.ntp_pid && !(WIFEXITED(status) && WEXITSTATUS(status) == 0))
		report_child(status);
	exit(TG_EXIT_OK);
}

static void notify_ready(void)
{
	static const char msg[] = "ready\n";
	ssize_t n;

	if (m.notify_fd < 0)
		return;
	do
		n = write(m.notify_fd, msg, sizeof(msg) - 1);
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)(sizeof(msg) - 1))
		tg_warn("readiness notification on fd %d failed: %s", m.notify_fd,
		        n < 0 ? strerror(errno) : "short write");
	close(m.notify_fd);
	m.notify_fd = -1;
}

static void ipc_cb(struct tg_loop *l, int fd, short revents, void *arg)
{
	const struct tg_ipc_type *t;
	struct ntsd_msg_ready msg;
	struct tg_ipc_hdr hdr;
	int rc;

	(void)l;
	(void)revents;
	(void)arg;
	rc = tg_ipc_recv(fd, &hdr, &msg, sizeof(msg), ntsd_to_main_types,
	                 NTSD_NELEM(ntsd_to_main_types), &t, NULL);
	if (rc == TG_IPC_EAGAIN)
		return;
	if (rc == TG_IPC_EOF)
		ntp_role_died();
	if (rc == TG_IPC_ESYS) {
		tg_err("receiving from the ntp role: %s", strerror(errno));
		ntp_role_died();
	}
	if (rc != TG_IPC_OK)
		tg_fatalx(TG_EXIT_SYS, "invalid message from the ntp role: %s",
		          tg_ipc_strerror(rc));
	switch (t->type) {
	case NTSD_MSG_READY:
		if (msg.serving != 1 || msg.reserved != 0)
			tg_fatalx(TG_EXIT_SYS, "invalid NTSD_MSG_READY received");
		tg_info("ntp role is serving");
		notify_ready();
		break;
	default:
		tg_fatalx(TG_EXIT_SYS, "unexpected message type %u from the ntp role", t->type);
	}
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

	rc = tg_ipc_send(m.ipc_fd, NTSD_MSG_STATUS, 0, &msg, sizeof(msg), -1);
	if (rc == TG_IPC_EAGAIN) {
		tg_warn("ntp role is not reading its messages; status update skipped");
	} else if (rc != TG_IPC_OK) {
		/* EPIPE/ECONNRESET: the ntp role is gone */
		tg_err("sending the status to the ntp role: %s", strerror(errno));
		ntp_role_died();
	}
	if (!tg_loop_add_timer(l, TICK_NS, status_tick, NULL))
		tg_fatalx(TG_EXIT_SYS, "event loop: no timer slot");
}

/* ---------------------------------------------------------------- sandbox */

/*
 * main's whole allow-list; built at run time because rules name the IPC
 * descriptor and the ntp role's pid (placeholders for -S).  Always added
 * by tg_sandbox_enter (tg_sandbox_base_syscalls): exit, exit_group,
 * write, writev, rt_sigreturn, restart_syscall, kill(self, SIGSYS).
 * No socket, connect, bind or sendto: main has no network.
 */
static void main_syscalls(struct tg_syscall_rule *t, size_t cap, int ipc_fd, pid_t ntp_pid)
{
	struct tg_syscall_table tb;

	tg_sc_table_init(&tb, t, cap);
	/* status file: read-only opens only (no create, truncate, append, O_TMPFILE) */
	TG_SC_ADD(&tb,
	          TG_SC_MASKED1("openat", 2, O_ACCMODE | O_CREAT | O_TRUNC | O_APPEND | O_TMPFILE,
	                        O_RDONLY));
	TG_SC_ADD(&tb, TG_SC("read")); /* the status file and the loop's signal pipe */
	TG_SC_ADD(&tb, TG_SC("close"));
	/* IPC with the ntp role */
	TG_SC_ADD(&tb, TG_SC1("sendmsg", 0, TG_CMP_EQ, (uint64_t)ipc_fd));
	TG_SC_ADD(&tb, TG_SC1("recvmsg", 0, TG_CMP_EQ, (uint64_t)ipc_fd));
	/* reap the ntp role, and only it */
	TG_SC_ADD(&tb, TG_SC1("wait4", 0, TG_CMP_EQ, (uint64_t)ntp_pid));
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
                         int ipc_fd, pid_t ntp_pid, const char *drop_user)
{
	main_syscalls(rules, cap, ipc_fd, ntp_pid);
	memset(sb, 0, sizeof(*sb));
	sb->role = "main";
	sb->user = drop_user;  /* root without a supervisor: become the service user */
	sb->chroot_dir = NULL; /* it reads the status file by its configured path */
	sb->caps = 0;
	sb->syscalls = rules;
	sb->rlimit_nofile = 16; /* stdio, IPC, signal pipe, notify fd, the status file */
}

static void enter_sandbox(const char *drop_user)
{
	struct tg_syscall_rule rules[NTSD_RULES_MAX];
	struct tg_sandbox sb;
	char err[256];

	main_sandbox(&sb, rules, NTSD_RULES_MAX, m.ipc_fd, m.ntp_pid, drop_user);
	if (tg_sandbox_enter(&sb, err, sizeof(err)) < 0)
		tg_fatalx(TG_EXIT_SYS, "sandbox: %s", err);
}

/*
 * -S: each role's sandbox as the roles build it, with placeholders for
 * the descriptors and the pid they only know at run time.
 */
static void print_sandboxes(void)
{
	enum {
		SYM_IPC = TG_SANDBOX_SYMBOL(1),
		SYM_NTP_PID,
		SYM_UDP1,
		SYM_UDP2,
		SYM_UDP3,
		SYM_UDP4
	};
	static const struct tg_sandbox_symbol syms[] = {
	    {SYM_IPC, "<ipc socket>"},    {SYM_NTP_PID, "<ntp role pid>"},
	    {SYM_UDP1, "<ntp socket 1>"}, {SYM_UDP2, "<ntp socket 2>"},
	    {SYM_UDP3, "<ntp socket 3>"}, {SYM_UDP4, "<ntp socket 4>"},
	};
	/* the most the role is given: the table shows the rules for each */
	static const int udp[NTSD_NTP_SOCKETS_MAX] = {SYM_UDP1, SYM_UDP2, SYM_UDP3, SYM_UDP4};
	struct tg_syscall_rule rules[NTSD_RULES_MAX];
	struct tg_sandbox sb;
	size_t n = sizeof(syms) / sizeof(syms[0]);

	printf("# ntsd -S: what each process role enters (tg_sandbox_enter), built by the same\n"
	       "# functions as at run time (main.c main_sandbox, ntp.c ntsd_ntp_sandbox).\n"
	       "# user: both roles run as the user they were started as (tg-supervise: the\n"
	       "# service file's); started as root, both switch to ntsd.conf's 'user' (default\n"
	       "# %s) instead.\n"
	       "# main: the parent; reads the clock status file, passes it to the ntp role.\n"
	       "# ntp: answers NTP on each UDP socket named ntp, ntp6, ... (IPv4 or IPv6; at\n"
	       "# most %d); no filesystem.  recvmmsg and sendmsg are allowed once per socket\n"
	       "# it was given, no more: shown for %d (<ntp socket N>).\n",
	       NTSD_USER, NTSD_NTP_SOCKETS_MAX, NTSD_NTP_SOCKETS_MAX);
	main_sandbox(&sb, rules, NTSD_RULES_MAX, SYM_IPC, SYM_NTP_PID, NULL);
	tg_sandbox_describe(stdout, &sb, syms, n);
	ntsd_ntp_sandbox(&sb, rules, NTSD_RULES_MAX, udp, NTSD_NTP_SOCKETS_MAX, SYM_IPC, NULL);
	tg_sandbox_describe(stdout, &sb, syms, n);
}

/* ------------------------------------------------------------------- main */

int main(int argc, char **argv)
{
	const char *conf_path = NTSD_CONF_PATH;
	const char *drop_user = NULL;
	int explicit_conf = 0, check_only = 0, show_sandbox = 0, sv[2], c, i;
	int udp_fds[NTSD_NTP_SOCKETS_MAX], n_udp;
	unsigned uid, gid;
	char err[TG_CONF_ERR_MAX];
	pid_t pid;

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

	/* started as root without a supervisor: both roles become the service user */
	if (geteuid() == 0) {
		if (tg_sandbox_lookup_user(m.conf.user, &uid, &gid) < 0)
			tg_fatalx(
			    TG_EXIT_USAGE,
			    "user '%s' does not exist (set 'user' in %s); refusing to run as root",
			    m.conf.user, conf_path);
		drop_user = m.conf.user;
	}
	if (check_only) {
		tg_info("%s: configuration ok", conf_path);
		return TG_EXIT_OK;
	}

	m.notify_fd = -1;
	m.last_ok = -1;
	if (getenv("TG_NOTIFY_FD")) {
		m.notify_fd = env_fd("TG_NOTIFY_FD", getenv("TG_NOTIFY_FD"), 0);
		fcntl(m.notify_fd, F_SETFD, FD_CLOEXEC);
		unsetenv("TG_NOTIFY_FD");
	}

	n_udp = listen_fds_ntp(udp_fds);
	if (n_udp == 0) {
		if (!m.conf.have_listen_ntp)
			tg_fatalx(
			    TG_EXIT_USAGE,
			    "no NTP socket: no 'ntp' (or 'ntp6', ...) in TG_LISTEN_NAMES and no "
			    "'listen-ntp' in %s",
			    conf_path);
		udp_fds[n_udp++] = bind_ntp(m.conf.listen_addr, m.conf.listen_port);
		tg_info("listening on %s port %u", m.conf.listen_addr, m.conf.listen_port);
	}

	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN); /* no reload: restart the service to apply a change */
	if (tg_ipc_pair(sv) < 0)
		tg_fatal("socketpair");
	pid = fork();
	if (pid < 0)
		tg_fatal("fork");
	if (pid == 0) {
		close(sv[0]);
		if (m.notify_fd >= 0)
			close(m.notify_fd);
		ntsd_ntp_main(&m.conf, udp_fds, n_udp, sv[1], drop_user);
	}

	/* main has no network from here on */
	m.ntp_pid = pid;
	m.ipc_fd = sv[0];
	close(sv[1]);
	for (i = 0; i < n_udp; i++)
		close(udp_fds[i]);
	if (fcntl(m.ipc_fd, F_SETFL, O_NONBLOCK) < 0)
		tg_fatal("fcntl(O_NONBLOCK) on the IPC socket");

	tg_loop_init(&m.loop);
	if (tg_loop_add_fd(&m.loop, m.ipc_fd, POLLIN, ipc_cb, NULL) < 0)
		tg_fatalx(TG_EXIT_SYS, "event loop: cannot watch the IPC socket");
	if (tg_loop_add_signal(&m.loop, SIGTERM, stop_cb, NULL) < 0 ||
	    tg_loop_add_signal(&m.loop, SIGINT, stop_cb, NULL) < 0 ||
	    tg_loop_add_signal(&m.loop, SIGCHLD, sigchld_cb, NULL) < 0)
		tg_fatal("event loop: signals");

	enter_sandbox(drop_user);

	status_tick(&m.loop, NULL); /* the first status now; then every second */
	if (tg_loop_run(&m.loop) < 0)
		tg_fatal("event loop");
	return TG_EXIT_OK;
}
