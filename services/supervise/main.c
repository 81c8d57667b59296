/*
 * main.c - tg-supervise: start the appliance's services and keep them up.
 *
 * Runs as root, started (and respawned) by busybox init.  The sequence:
 *   options; fds 0..2 guaranteed open; SIGPIPE ignored;
 *   MAIN_CONF (a broken one is logged and the defaults used: the services
 *   matter more than on-ready, which then does not run);
 *   journal (ring, console, self-log pipe); child subreaper;
 *   signals into the loop; RUN_DIR sockets; service files; start all;
 *   the loop, until SIGTERM/SIGINT has stopped every service.
 *
 * The supervisor keeps all its privileges: it binds sockets and switches
 * users for its children.  It is small, refuses service files that group
 * or others may write, and reads from clients only control.sock's one
 * short request line (restart a service, or run an action MAIN_CONF
 * names), checked by a pure parser (ctlproto.c).
 *
 * Exit codes: 0 stopped by SIGTERM/SIGINT; 100 usage; 111 system failure
 * at startup or in the event loop.
 */
#include "supervise/supervise.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

static struct sv sv;

__attribute__((noreturn)) static void usage(const char *msg)
{
	if (msg)
		fprintf(stderr, "tg-supervise: %s\n", msg);
	fprintf(stderr, "usage: tg-supervise [-d SERVICE_DIR] [-c MAIN_CONF] [-r RUN_DIR] "
	                "[-s RING_BYTES] [-n]\n");
	exit(TG_EXIT_USAGE);
}

static size_t parse_ring(const char *s)
{
	char err[128];
	uint64_t v;

	if (tg_conf_u64(s, SV_RING_MIN, SV_RING_MAX, &v, err, sizeof(err)) < 0) {
		char msg[192];

		snprintf(msg, sizeof(msg), "-s: %s", err);
		usage(msg);
	}
	return (size_t)v;
}

/* Make sure 0, 1 and 2 are open, so no pipe or socket of ours lands there. */
static void stdio_guard(void)
{
	int fd;

	while ((fd = open("/dev/null", O_RDWR | O_NOCTTY)) >= 0 && fd <= 2)
		;
	if (fd > 2)
		close(fd);
}

/*
 * MAIN_CONF: missing is fine (defaults); broken is logged (msg) and the
 * defaults are used.
 */
static void load_main_conf(char *msg, size_t msglen)
{
	struct stat st;
	static char buf[TG_CONF_FILE_MAX + 1];
	ssize_t r;
	size_t total = 0;
	int fd;

	msg[0] = '\0';
	sv_main_conf_defaults(&sv.mc);
	fd = open(sv.main_conf_path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		if (errno != ENOENT)
			snprintf(msg, msglen, "%s: cannot open: %s; using the defaults",
			         sv.main_conf_path, strerror(errno));
		return;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(msg, msglen, "%s: not a regular file; using the defaults",
		         sv.main_conf_path);
		close(fd);
		return;
	}
	while (total < sizeof(buf) && (r = read(fd, buf + total, sizeof(buf) - total)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			snprintf(msg, msglen, "%s: read: %s; using the defaults", sv.main_conf_path,
			         strerror(errno));
			close(fd);
			return;
		}
		total += (size_t)r;
	}
	close(fd);
	if (sv_main_conf_parse(buf, total, sv.main_conf_path, &sv.mc, msg, msglen) < 0) {
		size_t n = strlen(msg);

		snprintf(msg + n, msglen - n, "; using the defaults");
		sv_main_conf_defaults(&sv.mc);
	}
}

static void signal_cb(struct tg_loop *l, int signo, void *arg)
{
	(void)l;
	switch (signo) {
	case SIGCHLD:
		sv_services_reap(arg);
		break;
	case SIGTERM:
	case SIGINT:
		sv_services_stop(arg, signo);
		break;
	case SIGHUP:
		tg_info("SIGHUP received; ignored (reloading is not supported yet)");
		break;
	default:
		break;
	}
}

int main(int argc, char **argv)
{
	static const int sigs[] = {SIGCHLD, SIGTERM, SIGINT, SIGHUP};
	char err[TG_CONF_ERR_MAX + 128], conf_msg[TG_CONF_ERR_MAX + 64];
	size_t i;
	int opt;

	tg_log_init("tg-supervise", "main");
	sv.service_dir = SV_DEFAULT_SERVICE_DIR;
	sv.main_conf_path = SV_DEFAULT_MAIN_CONF;
	sv.run_dir = SV_DEFAULT_RUN_DIR;
	sv.ring_bytes = SV_DEFAULT_RING;
	while ((opt = getopt(argc, argv, "d:c:r:s:n")) != -1) {
		switch (opt) {
		case 'd':
			sv.service_dir = optarg;
			break;
		case 'c':
			sv.main_conf_path = optarg;
			break;
		case 'r':
			sv.run_dir = optarg;
			break;
		case 's':
			sv.ring_bytes = parse_ring(optarg);
			break;
		case 'n':
			sv.no_console = 1;
			break;
		default:
			usage(NULL);
		}
	}
	if (optind != argc)
		usage("unexpected argument");
	if (strlen(sv.service_dir) >= SV_PATH_MAX || strlen(sv.run_dir) >= 96)
		usage("path too long");

	stdio_guard();
	umask(022);
	signal(SIGPIPE, SIG_IGN);
	sv.onready_out.fd = -1;
	sv.action_out.fd = -1;
	sv.selflog_rd = sv.selflog_wr = -1;
	sv.console_fd = -1;
	sv.log_listen = sv.status_listen = sv.control_listen = -1;

	load_main_conf(conf_msg, sizeof(conf_msg));

	tg_loop_init(&sv.loop);
	if (sv_journal_init(&sv, err, sizeof(err)) < 0)
		tg_fatalx(TG_EXIT_SYS, "%s", err);
	/* from here on, messages are records: timestamped, on the console, in the ring */
	tg_info("starting: services %s, run dir %s, ring %zu bytes", sv.service_dir, sv.run_dir,
	        sv.ring_bytes);
	if (err[0])
		tg_warn("%s", err);
	if (conf_msg[0])
		tg_err("%s", conf_msg);

	/* orphans of our services are reparented to us and reaped, not to init */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
		tg_warn("PR_SET_CHILD_SUBREAPER: %s", strerror(errno));

	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		if (tg_loop_add_signal(&sv.loop, sigs[i], signal_cb, &sv) < 0) {
			tg_err("signal %d: %s", sigs[i], strerror(errno));
			sv_journal_flush_self(&sv);
			return TG_EXIT_SYS;
		}
	}

	sv.sock_gid = sv.ctl_gid = getegid();
	if (sv.mc.log_group[0]) {
		struct group *gr = getgrnam(sv.mc.log_group);

		if (gr)
			sv.sock_gid = gr->gr_gid;
		else
			tg_err("%s: log-group '%s' does not exist; sockets readable by root only",
			       sv.main_conf_path, sv.mc.log_group);
	}
	if (sv.mc.control_group[0]) {
		struct group *gr = getgrnam(sv.mc.control_group);

		if (gr)
			sv.ctl_gid = gr->gr_gid;
		else
			tg_err("%s: control-group '%s' does not exist; control.sock for root only",
			       sv.main_conf_path, sv.mc.control_group);
	}
	sv_ctl_open(&sv);
	sv_watchdog_open(&sv);

	sv_services_load(&sv);
	sv_services_start(&sv);

	if (tg_loop_run(&sv.loop) < 0) {
		tg_err("event loop: %s; killing services", strerror(errno));
		sv_services_kill_all(&sv);
		sv_ctl_close(&sv);
		sv_journal_flush_self(&sv);
		return TG_EXIT_SYS;
	}

	sv_ctl_close(&sv);
	for (i = 0; i < (size_t)sv.nsvc; i++) {
		sv_output_drain(&sv.svc[i].out);
		sv_output_close(&sv.svc[i].out);
	}
	sv_output_drain(&sv.onready_out);
	sv_output_close(&sv.onready_out);
	sv_output_drain(&sv.action_out);
	sv_output_close(&sv.action_out);
	tg_info("exiting");
	sv_journal_flush_self(&sv);
	return TG_EXIT_OK;
}
