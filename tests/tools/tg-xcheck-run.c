/*
 * tg-xcheck-run - run timed's cross-check role (services/timed/xcheck.c)
 * on its own, for tests/system/test_timed_xcheck.sh: the role is forked
 * on one end of an IPC pair exactly as timed's main starts it, and this
 * program plays main on the other end, printing each TIMED_MSG_XSAMPLE.
 *
 *   tg-xcheck-run [-c CAFILE] [-i SECONDS] [-n COUNT] [-u USER] [-d] UPSTREAM...
 *     UPSTREAM   HOST:PORT or HOST:PORT,NAME (NTS-KE server; NAME: the name
 *                its certificate must carry, default HOST); at most 4
 *     -c CAFILE  trust anchors, PEM (timed.conf's anchors)
 *     -i SECONDS cross-check interval (default 1)
 *     -n COUNT   stop after COUNT samples (default 1): close the IPC
 *                socket, as main does when it exits, and wait for the role
 *     -u USER    the conf's user (the role switches to it when run as root)
 *     -d         debug log level (each sample is logged by the role)
 *   tg-xcheck-run -S
 *     print the role's sandbox (timed_xcheck_sandbox, as timed -S would)
 *
 * Output, one line each (stdout):
 *   role pid=PID
 *   sample index=0 ok=1 offset_ns=-12345 delay_ns=101000 stratum=1 leap=0 when_mono_ns=N err=
 *   role exit=0          (or: role signal=31)
 * The role's log lines go to stderr.  Exit 0 when COUNT samples came and
 * the role then exited with status 0; 1 otherwise; 100 usage; 111 system error.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ipc.h"
#include "log.h"
#include "sandbox.h"
#include "timed/timed.h"
#include "timed/timed_int.h"

static struct timed_conf conf;

static void usage(FILE *f)
{
	fprintf(f, "usage: tg-xcheck-run [-c CAFILE] [-i SECONDS] [-n COUNT] [-u USER] [-d]\n"
	           "                     HOST:PORT[,NAME]...\n"
	           "       tg-xcheck-run -S\n");
}

static int parse_num(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* HOST:PORT[,NAME]; HOST may be an IPv6 literal (the last colon ends it) */
static int parse_upstream(const char *arg, struct timed_upstream *u)
{
	char buf[600], *comma, *colon;
	long port;

	if (snprintf(buf, sizeof(buf), "%s", arg) >= (int)sizeof(buf))
		return -1;
	comma = strchr(buf, ',');
	if (comma) {
		*comma++ = '\0';
		if (snprintf(u->name, sizeof(u->name), "%s", comma) >= (int)sizeof(u->name))
			return -1;
	}
	colon = strrchr(buf, ':');
	if (!colon || colon == buf || parse_num(colon + 1, 1, 65535, &port) < 0)
		return -1;
	*colon = '\0';
	if (snprintf(u->host, sizeof(u->host), "%s", buf) >= (int)sizeof(u->host))
		return -1;
	u->port = (uint16_t)port;
	return 0;
}

static void print_sandbox(void)
{
	static const struct tg_sandbox_symbol syms[] = {
	    {TG_SANDBOX_SYMBOL(1), "<ipc socket>"},
	};
	struct tg_syscall_rule rules[TIMED_RULES_MAX];
	struct tg_sandbox sb;

	timed_xcheck_sandbox(&sb, rules, TIMED_RULES_MAX, TG_SANDBOX_SYMBOL(1), NULL);
	tg_sandbox_describe(stdout, &sb, syms, 1);
}

int main(int argc, char **argv)
{
	long interval = 1, count = 1;
	int sv[2], c, i, status, got = 0, rc = 1;
	pid_t pid;

	tg_log_init("timed", "main");
	memset(&conf, 0, sizeof(conf));
	conf.shm_unit = -1;
	while ((c = getopt(argc, argv, "c:i:n:u:dSh")) != -1) {
		switch (c) {
		case 'c':
			snprintf(conf.anchors, sizeof(conf.anchors), "%s", optarg);
			break;
		case 'i':
			if (parse_num(optarg, 1, 86400, &interval) < 0) {
				fprintf(stderr, "tg-xcheck-run: -i expects seconds 1..86400\n");
				return TG_EXIT_USAGE;
			}
			break;
		case 'n':
			if (parse_num(optarg, 1, 100000, &count) < 0) {
				fprintf(stderr, "tg-xcheck-run: -n expects 1..100000\n");
				return TG_EXIT_USAGE;
			}
			break;
		case 'u':
			snprintf(conf.user, sizeof(conf.user), "%s", optarg);
			break;
		case 'd':
			tg_log_set_level(TG_LOG_DEBUG);
			break;
		case 'S':
			print_sandbox();
			return TG_EXIT_OK;
		case 'h':
			usage(stdout);
			return TG_EXIT_OK;
		default:
			usage(stderr);
			return TG_EXIT_USAGE;
		}
	}
	if (argc - optind > TIMED_XCHECK_MAX) {
		fprintf(stderr, "tg-xcheck-run: at most %d upstreams\n", TIMED_XCHECK_MAX);
		return TG_EXIT_USAGE;
	}
	for (i = optind; i < argc; i++)
		if (parse_upstream(argv[i], &conf.upstream[conf.n_upstream++]) < 0) {
			fprintf(stderr, "tg-xcheck-run: expected HOST:PORT[,NAME], got '%s'\n",
			        argv[i]);
			return TG_EXIT_USAGE;
		}
	conf.xcheck_interval_s = (uint32_t)interval;

	if (tg_ipc_pair(sv) < 0)
		tg_fatal("socketpair");
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		tg_fatal("fork");
	if (pid == 0) {
		close(sv[0]);
		exit(timed_xcheck_role(sv[1], &conf));
	}
	close(sv[1]);
	printf("role pid=%ld\n", (long)pid);
	fflush(stdout);

	while (got < count) {
		struct timed_msg_xsample m;
		const struct tg_ipc_type *t;
		struct tg_ipc_hdr hdr;
		int r = tg_ipc_recv(sv[0], &hdr, &m, sizeof(m), timed_from_xcheck_types, 1, &t, NULL);

		if (r == TG_IPC_EOF) {
			fprintf(stderr, "tg-xcheck-run: the role closed the socket after %d samples\n",
			        got);
			break;
		}
		if (r != TG_IPC_OK) {
			fprintf(stderr, "tg-xcheck-run: invalid message from the role: %s\n",
			        tg_ipc_strerror(r));
			break;
		}
		m.err[sizeof(m.err) - 1] = '\0';
		printf("sample index=%u ok=%u offset_ns=%lld delay_ns=%lld stratum=%u leap=%u "
		       "when_mono_ns=%lld err=%s\n",
		       m.index, m.ok, (long long)m.offset_ns, (long long)m.delay_ns, m.stratum, m.leap,
		       (long long)m.when_mono_ns, m.err);
		fflush(stdout);
		got++;
	}
	/* as main exiting: the role sees EOF */
	close(sv[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			tg_fatal("waitpid");
	if (WIFEXITED(status)) {
		printf("role exit=%d\n", WEXITSTATUS(status));
		if (got == count && WEXITSTATUS(status) == 0)
			rc = 0;
	} else {
		printf("role signal=%d\n", WIFSIGNALED(status) ? WTERMSIG(status) : -1);
	}
	return rc;
}
