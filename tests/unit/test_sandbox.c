/*
 * test_sandbox.c - the lock-down sequence, run for real in forked
 * children (needs root):
 *   - a forbidden syscall kills the child by SIGSYS and logs one line
 *     naming it; allowed syscalls work; argument conditions (EQ and
 *     MASKED_EQ) pick which calls pass; an x32 syscall is killed outright;
 *   - dropping to "nobody" leaves Uid/Gid/Groups 65534 and exactly the
 *     kept caps in CapEff/CapPrm/CapBnd (none inheritable or ambient),
 *     no-new-privs and not dumpable; chroot after the user lookup;
 *   - tg_sandbox_limit_caps(keep, 1) makes an exec'd program as nobody
 *     hold exactly the kept caps;
 *   - failures name their step; tables are checked before loading;
 *   - tg_sandbox_describe prints the always-added rules and a table with
 *     placeholders, open flags, signals and families by name.
 * Children end with exit_group directly: nothing of libc's or the
 * sanitizers' exit path runs under the filter.
 */
#include "check.h"

#include <errno.h>
#include <stdlib.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/capability.h>

#include "log.h"
#include "sandbox.h"

#define CHILD_EXIT(code) syscall(SYS_exit_group, (code))

/* What a filtered child may do besides the always-allowed calls. */
static const struct tg_syscall_rule small_table[] = {
    TG_SC("getuid"), TG_SC("getpid"),
    TG_SC("close"),  TG_SC("write"), /* listed although always allowed: no conflict */
    TG_SC_END,
};

static const struct tg_syscall_rule socket_table[] = {
    TG_SC1("socket", 0, TG_CMP_EQ, AF_UNIX),
    TG_SC_MASKED1("socketpair", 1, SOCK_CLOEXEC, SOCK_CLOEXEC),
    TG_SC2("getpriority", 0, TG_CMP_LE, 2, 1, TG_CMP_NE, 12345),
    TG_SC("close"),
    TG_SC_END,
};

/*
 * Run fn(arg) in a child logging to a pipe; fn's return value is the
 * exit code.  Returns the wait status; the child's log lines in out.
 */
static int in_child(int (*fn)(const void *), const void *arg, char *out, size_t cap)
{
	int p[2], status = 0;
	ssize_t n, total = 0;
	pid_t pid;

	out[0] = '\0';
	if (pipe(p) < 0)
		return -1;
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		tg_log_init("tsvc", "child");
		tg_log_set_fd(p[1]);
		tg_log_set_level(TG_LOG_DEBUG);
		CHILD_EXIT(fn(arg));
	}
	close(p[1]);
	while (total < (ssize_t)cap - 1 &&
	       (n = read(p[0], out + total, cap - 1 - (size_t)total)) > 0)
		total += n;
	out[total] = '\0';
	close(p[0]);
	waitpid(pid, &status, 0);
	return status;
}

static int enter(const struct tg_syscall_rule *table)
{
	struct tg_sandbox sb;
	char err[256];

	memset(&sb, 0, sizeof(sb));
	sb.role = "ntp";
	sb.syscalls = table;
	if (tg_sandbox_enter(&sb, err, sizeof(err)) < 0) {
		tg_err("%s", err);
		return -1;
	}
	return 0;
}

static int child_forbidden(const void *arg)
{
	(void)arg;
	if (enter(small_table) < 0)
		return 2;
	syscall(SYS_getppid);
	return 3; /* not reached */
}

static int child_allowed(const void *arg)
{
	(void)arg;
	if (enter(small_table) < 0)
		return 2;
	if (syscall(SYS_getuid) != 0)
		return 4;
	if (syscall(SYS_getpid) <= 0)
		return 5;
	if (syscall(SYS_close, 12345) != -1 || errno != EBADF)
		return 6;
	tg_info("still alive");
	return 0;
}

/* Big enough for a BPF program of several pages, freed by libseccomp: not under the filter. */
static const struct tg_syscall_rule big_table[] = {
    TG_SC("read"),
    TG_SC("close"),
    TG_SC("fstat"),
    TG_SC("lseek"),
    TG_SC("mmap"),
    TG_SC("mprotect"),
    TG_SC("brk"),
    TG_SC("rt_sigaction"),
    TG_SC("rt_sigprocmask"),
    TG_SC("ioctl"),
    TG_SC("pread64"),
    TG_SC("pwrite64"),
    TG_SC("readv"),
    TG_SC("pipe2"),
    TG_SC("sched_yield"),
    TG_SC("mremap"),
    TG_SC("msync"),
    TG_SC("mincore"),
    TG_SC("dup"),
    TG_SC("dup3"),
    TG_SC("nanosleep"),
    TG_SC("getitimer"),
    TG_SC("setitimer"),
    TG_SC("getpid"),
    TG_SC("sendfile"),
    TG_SC("connect"),
    TG_SC("accept4"),
    TG_SC("sendto"),
    TG_SC("recvfrom"),
    TG_SC("sendmsg"),
    TG_SC("recvmsg"),
    TG_SC("shutdown"),
    TG_SC("bind"),
    TG_SC("listen"),
    TG_SC("getsockname"),
    TG_SC("getpeername"),
    TG_SC("setsockopt"),
    TG_SC("getsockopt"),
    TG_SC("wait4"),
    TG_SC("uname"),
    TG_SC("fcntl"),
    TG_SC("flock"),
    TG_SC("fsync"),
    TG_SC("fdatasync"),
    TG_SC("ftruncate"),
    TG_SC("getcwd"),
    TG_SC("fchdir"),
    TG_SC("renameat"),
    TG_SC("mkdirat"),
    TG_SC("unlinkat"),
    TG_SC("fchmod"),
    TG_SC("fchown"),
    TG_SC("umask"),
    TG_SC("gettimeofday"),
    TG_SC("getrlimit"),
    TG_SC("getrusage"),
    TG_SC("sysinfo"),
    TG_SC("getuid"),
    TG_SC("getgid"),
    TG_SC("geteuid"),
    TG_SC("getegid"),
    TG_SC("ppoll"),
    TG_SC("clock_gettime"),
    TG_SC("clock_nanosleep"),
    TG_SC("epoll_pwait"),
    TG_SC("timerfd_create"),
    TG_SC("timerfd_settime"),
    TG_SC("eventfd2"),
    TG_SC("getrandom"),
    TG_SC1("socket", 0, TG_CMP_EQ, AF_UNIX),
    TG_SC1("openat", 2, TG_CMP_EQ, O_RDONLY),
    TG_SC2("futex", 1, TG_CMP_EQ, 0, 3, TG_CMP_EQ, 0),
    TG_SC_MASKED1("mmap", 3, 0x20, 0x20),
    TG_SC_END,
};

/* Only exit_group after the filter: anything the library did after loading would trap. */
static int child_nothing_after_load(const void *arg)
{
	(void)arg;
	if (enter(big_table) < 0)
		return 2;
	return 0;
}

static void test_nothing_after_load(void)
{
	char out[1024];
	int st;

	st = in_child(child_nothing_after_load, NULL, out, sizeof(out));
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK_EQ_STR(out, "");
}

static void test_forbidden_syscall(void)
{
	char out[1024], want[256];
	int st;

	st = in_child(child_forbidden, NULL, out, sizeof(out));
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS);
	snprintf(want, sizeof(want),
	         "tsvc[ntp] error: seccomp: forbidden syscall 'getppid' (%d); killed\n",
	         (int)SYS_getppid);
	CHECK_EQ_STR(out, want);
	CHECK(strstr(out, "forbidden syscall 'getppid'") != NULL);

	st = in_child(child_allowed, NULL, out, sizeof(out));
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK_EQ_STR(out, "tsvc[child] info: still alive\n");
}

static int child_socket(const void *arg)
{
	int which = *(const int *)arg, fd, sv[2];

	if (enter(socket_table) < 0)
		return 2;
	switch (which) {
	case 0:
		fd = (int)syscall(SYS_socket, AF_UNIX, SOCK_DGRAM, 0);
		return fd >= 0 ? 0 : 10;
	case 1:
		syscall(SYS_socket, AF_INET, SOCK_DGRAM, 0);
		return 11;
	case 2:
		return syscall(SYS_socketpair, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0
		           ? 0
		           : 12;
	case 3:
		syscall(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, sv);
		return 13;
	case 4:
		/* getpriority(PRIO_PROCESS=0, 0): arg0 <= 2 and arg1 != 12345 */
		return syscall(SYS_getpriority, 0, 0) >= 0 ? 0 : 14;
	case 5:
		syscall(SYS_getpriority, 0, 12345);
		return 15;
	case 6:
#ifdef __x86_64__
		/* the x32 ABI's getpid: a foreign ABI, killed without the handler */
		syscall(0x40000000 | SYS_getpid);
		return 16;
#else
		return 99;
#endif
	}
	return 1;
}

static void test_arg_conditions(void)
{
	static const struct {
		int which, killed;
		const char *name;
	} cases[] = {
	    {0, 0, NULL},         {1, 1, "socket"}, {2, 0, NULL},
	    {3, 1, "socketpair"}, {4, 0, NULL},     {5, 1, "getpriority"},
#ifdef __x86_64__
	    {6, 1, ""},
#endif
	};
	char out[1024];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int st = in_child(child_socket, &cases[i].which, out, sizeof(out));

		if (cases[i].killed) {
			char want[64];

			CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS);
			snprintf(want, sizeof(want), "forbidden syscall '%s'", cases[i].name);
			if (cases[i].name[0])
				CHECK(strstr(out, want) != NULL);
			else
				CHECK_EQ_STR(out, ""); /* bad arch: no handler ran */
		} else {
			CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
			CHECK_EQ_STR(out, "");
		}
		if (check_failed_now) {
			fprintf(stderr, "  case %d: status 0x%x, log '%s'\n", cases[i].which, st,
			        out);
			break;
		}
	}
}

/* ---- users and capabilities ---- */

struct drop_args {
	uint64_t caps;
	const char *chroot_dir;
};

static void dump_status(void)
{
	char buf[4096];
	ssize_t n;
	int fd;

	fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		tg_err("open /proc/self/status: %d", errno);
		return;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return;
	/* one line each: the log would turn the newlines into '?' */
	buf[n] = '\0';
	{
		char *line = buf, *nl;

		while ((nl = strchr(line, '\n'))) {
			*nl = '\0';
			tg_debug("%s", line);
			line = nl + 1;
		}
	}
}

static int child_drop(const void *arg)
{
	const struct drop_args *a = arg;
	struct tg_sandbox sb;
	char err[256];

	memset(&sb, 0, sizeof(sb));
	sb.role = "drop";
	sb.user = "nobody";
	sb.caps = a->caps;
	sb.chroot_dir = a->chroot_dir;
	sb.rlimit_nofile = 64;
	if (tg_sandbox_enter(&sb, err, sizeof(err)) < 0) {
		tg_err("%s", err);
		return 2;
	}
	tg_debug("dumpable=%d", prctl(PR_GET_DUMPABLE, 0, 0, 0, 0));
	if (a->chroot_dir) {
		char cwd[64];

		tg_debug("passwd=%d", access("/etc/passwd", F_OK));
		tg_debug("cwd=%s", getcwd(cwd, sizeof(cwd)) ? cwd : "?");
		return 0;
	}
	dump_status();
	return 0;
}

/* "tsvc[child] debug: Key:\tvalue" -> value of the first matching line */
static const char *field(const char *out, const char *key, char *val, size_t cap)
{
	char pat[64];
	const char *p;
	size_t n;

	snprintf(pat, sizeof(pat), "debug: %s", key);
	p = strstr(out, pat);
	if (!p)
		return "(missing)";
	p += strlen(pat);
	while (*p == '\t' || *p == ' ' || *p == '?')
		p++;
	n = strcspn(p, "\n");
	if (n >= cap)
		n = cap - 1;
	while (n && (p[n - 1] == ' ' || p[n - 1] == '?'))
		n--;
	memcpy(val, p, n);
	val[n] = '\0';
	/* the log turned the tabs between columns into '?' */
	for (p = val; *p; p++)
		if (*p == '?')
			val[p - val] = ' ';
	return val;
}

static void check_caps(const char *out, uint64_t caps)
{
	char v[128], want[32];

	snprintf(want, sizeof(want), "%016llx", (unsigned long long)caps);
	CHECK_EQ_STR(field(out, "Uid:", v, sizeof(v)), "65534 65534 65534 65534");
	CHECK_EQ_STR(field(out, "Gid:", v, sizeof(v)), "65534 65534 65534 65534");
	CHECK_EQ_STR(field(out, "Groups:", v, sizeof(v)), "65534");
	CHECK_EQ_STR(field(out, "CapInh:", v, sizeof(v)), "0000000000000000");
	CHECK_EQ_STR(field(out, "CapPrm:", v, sizeof(v)), want);
	CHECK_EQ_STR(field(out, "CapEff:", v, sizeof(v)), want);
	CHECK_EQ_STR(field(out, "CapBnd:", v, sizeof(v)), want);
	CHECK_EQ_STR(field(out, "CapAmb:", v, sizeof(v)), "0000000000000000");
	CHECK_EQ_STR(field(out, "NoNewPrivs:", v, sizeof(v)), "1");
	CHECK_EQ_STR(field(out, "dumpable=", v, sizeof(v)), "0");
}

static void test_drop_user(void)
{
	struct drop_args a = {1ull << CAP_NET_BIND_SERVICE, NULL};
	char out[8192];
	int st;

	st = in_child(child_drop, &a, out, sizeof(out));
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	check_caps(out, 1ull << CAP_NET_BIND_SERVICE);

	a.caps = 0;
	st = in_child(child_drop, &a, out, sizeof(out));
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	check_caps(out, 0);
	if (check_failed_now)
		fprintf(stderr, "%s", out);
}

static void test_chroot(void)
{
	char dir[] = "/tmp/test_sandbox.XXXXXX", out[2048], v[64];
	struct drop_args a = {0, dir};
	int st;

	CHECK(mkdtemp(dir) != NULL);
	CHECK(chmod(dir, 0755) == 0);
	/* the user is looked up before chroot: the new root has no /etc/passwd */
	st = in_child(child_drop, &a, out, sizeof(out));
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK_EQ_STR(field(out, "passwd=", v, sizeof(v)), "-1");
	CHECK_EQ_STR(field(out, "cwd=", v, sizeof(v)), "/");
	rmdir(dir);
}

static int child_ambient(const void *arg)
{
	uint64_t keep = 1ull << CAP_NET_BIND_SERVICE;
	char err[256];
	int fd = *(const int *)arg;

	/* the supervisor's order: ids first (that clears ambient), then caps */
	if (tg_sandbox_set_user("nobody", keep, err, sizeof(err)) < 0 ||
	    tg_sandbox_limit_caps(keep, 1, err, sizeof(err)) < 0) {
		tg_err("%s", err);
		return 2;
	}
	if (dup2(fd, 1) < 0)
		return 3;
	execl("/bin/cat", "cat", "/proc/self/status", (char *)NULL);
	return 4;
}

static void test_ambient_exec(void)
{
	char out[256], status[8192], v[64];
	ssize_t n, total = 0;
	int p[2], st;
	char *s;

	CHECK(pipe(p) == 0);
	st = in_child(child_ambient, &p[1], out, sizeof(out));
	close(p[1]);
	while ((n = read(p[0], status + total, sizeof(status) - 1 - (size_t)total)) > 0)
		total += n;
	status[total] = '\0';
	close(p[0]);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK_EQ_STR(out, "");
	/* turn cat's output into the field() format */
	for (s = status; *s; s++)
		if (*s == '\t')
			*s = ' ';
	{
		static char fake[16384];
		char *line = status, *nl;

		fake[0] = '\0';
		while ((nl = strchr(line, '\n'))) {
			*nl = '\0';
			strncat(fake, "debug: ", sizeof(fake) - strlen(fake) - 1);
			strncat(fake, line, sizeof(fake) - strlen(fake) - 1);
			strncat(fake, "\n", sizeof(fake) - strlen(fake) - 1);
			line = nl + 1;
		}
		CHECK_EQ_STR(field(fake, "Uid:", v, sizeof(v)), "65534 65534 65534 65534");
		CHECK_EQ_STR(field(fake, "CapPrm:", v, sizeof(v)), "0000000000000400");
		CHECK_EQ_STR(field(fake, "CapEff:", v, sizeof(v)), "0000000000000400");
		CHECK_EQ_STR(field(fake, "CapAmb:", v, sizeof(v)), "0000000000000400");
		CHECK_EQ_STR(field(fake, "CapBnd:", v, sizeof(v)), "0000000000000400");
	}
}

/* ---- failures name the step ---- */

static int child_fail_step(const void *arg)
{
	uint64_t pre = *(const uint64_t *)arg;
	struct tg_sandbox sb;
	char err[256];

	/* still uid 0, but with only the caps in pre */
	if (tg_sandbox_limit_caps(pre, 0, err, sizeof(err)) < 0) {
		tg_err("limit: %s", err);
		return 2;
	}
	memset(&sb, 0, sizeof(sb));
	sb.user = "nobody";
	sb.caps = pre;
	if (tg_sandbox_enter(&sb, err, sizeof(err)) == 0)
		return 3;
	tg_err("%s", err);
	return 0;
}

static void test_step_errors(void)
{
	uint64_t pre;
	char out[512];
	int st;

	pre = 0; /* no CAP_SETGID: setgroups is the first to fail */
	st = in_child(child_fail_step, &pre, out, sizeof(out));
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK_EQ_STR(out, "tsvc[child] error: setgroups(65534): Operation not permitted\n");

	pre = 1ull << CAP_SETGID; /* groups change, the uid cannot */
	st = in_child(child_fail_step, &pre, out, sizeof(out));
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK_EQ_STR(out, "tsvc[child] error: setresuid(65534): Operation not permitted\n");
}

static void test_enter_errors(void)
{
	struct tg_sandbox sb;
	char err[256];
	static const struct tg_syscall_rule bad[] = {TG_SC("read"), TG_SC("no_such_call"),
	                                             TG_SC_END};

	/* these fail before changing anything, so they can run in the test process */
	memset(&sb, 0, sizeof(sb));
	sb.user = "no-such-user-xyz";
	CHECK_EQ_INT(tg_sandbox_enter(&sb, err, sizeof(err)), -1);
	CHECK_EQ_STR(err, "unknown user 'no-such-user-xyz' (not in /etc/passwd)");
	sb.user = NULL;
	sb.syscalls = bad;
	CHECK_EQ_INT(tg_sandbox_enter(&sb, err, sizeof(err)), -1);
	CHECK(strstr(err, "'no_such_call'") != NULL);
	CHECK_EQ_INT(tg_sandbox_set_user("no-such-user-xyz", 0, err, sizeof(err)), -1);
	CHECK_EQ_STR(err, "unknown user 'no-such-user-xyz' (not in /etc/passwd)");
	CHECK_EQ_INT(tg_sandbox_enter(NULL, err, sizeof(err)), -1);
}

static void test_check_table(void)
{
	static const struct tg_syscall_rule ok[] = {
	    TG_SC("read"),
	    TG_SC1("socket", 0, TG_CMP_EQ, AF_INET),
	    TG_SC2("fcntl", 0, TG_CMP_GE, 0, 1, TG_CMP_LT, 5),
	    TG_SC_MASKED1("openat", 2, 3, 0),
	    TG_SC_END,
	};
	static const struct tg_syscall_rule unknown[] = {TG_SC("read"), TG_SC("frobnicate"),
	                                                 TG_SC_END};
	static const struct tg_syscall_rule badarg[] = {TG_SC1("read", 6, TG_CMP_EQ, 0), TG_SC_END};
	static const struct tg_syscall_rule badop[] = {TG_SC1("read", 0, 0, 0), TG_SC_END};
	static const struct tg_syscall_rule badop2[] = {TG_SC1("read", 0, 8, 0), TG_SC_END};
	static const struct tg_syscall_rule twice[] = {
	    TG_SC2("read", 0, TG_CMP_EQ, 0, 0, TG_CMP_EQ, 1), TG_SC_END};
	static const struct tg_syscall_rule many[] = {{.name = "read", .nargs = 4}, TG_SC_END};
	char err[256];

	CHECK_EQ_INT(tg_sandbox_check_table(ok, err, sizeof(err)), 0);
	CHECK_EQ_STR(err, "");
	CHECK_EQ_INT(tg_sandbox_check_table(NULL, err, sizeof(err)), 0);
	CHECK_EQ_INT(tg_sandbox_check_table(unknown, err, sizeof(err)), -1);
	CHECK_EQ_STR(err, "seccomp: unknown syscall 'frobnicate' (rule 1)");
	CHECK_EQ_INT(tg_sandbox_check_table(badarg, err, sizeof(err)), -1);
	CHECK_EQ_STR(err, "seccomp: rule 'read': argument index 6 (expected 0 to 5)");
	CHECK_EQ_INT(tg_sandbox_check_table(badop, err, sizeof(err)), -1);
	CHECK(strstr(err, "rule 'read': comparison 0") != NULL);
	CHECK_EQ_INT(tg_sandbox_check_table(badop2, err, sizeof(err)), -1);
	CHECK(strstr(err, "rule 'read': comparison 8") != NULL);
	CHECK_EQ_INT(tg_sandbox_check_table(twice, err, sizeof(err)), -1);
	CHECK_EQ_STR(err, "seccomp: rule 'read': argument 0 compared twice");
	CHECK_EQ_INT(tg_sandbox_check_table(many, err, sizeof(err)), -1);
	CHECK_EQ_STR(err, "seccomp: rule 'read': 4 argument conditions (at most 3)");
}

/* tg_sandbox_describe: one fact per line, the role first, placeholders and flags by name */
static void test_describe(void)
{
	enum { SYM_FD = TG_SANDBOX_SYMBOL(1), SYM_PID };
	static const struct tg_sandbox_symbol syms[] = {{SYM_FD, "<ipc socket>"},
	                                                {SYM_PID, "<child pid>"}};
	const struct tg_syscall_rule table[] = {
	    TG_SC_MASKED1("openat", 2, O_ACCMODE | O_CREAT | O_TRUNC | O_APPEND | O_TMPFILE,
	                  O_RDONLY),
	    TG_SC1("sendmsg", 0, TG_CMP_EQ, SYM_FD),
	    TG_SC1("wait4", 0, TG_CMP_EQ, SYM_PID),
	    TG_SC2("socket", 0, TG_CMP_EQ, AF_INET6, 1, TG_CMP_NE, 70000),
	    TG_SC1("kill", 1, TG_CMP_EQ, SIGTERM),
	    TG_SC1("read", 0, TG_CMP_LT, 3),
	    TG_SC_END,
	};
	struct tg_syscall_rule base[8];
	struct tg_sandbox sb;
	char *text = NULL;
	size_t len = 0, n;
	FILE *f;

	/* the always-added rules: what load_filter adds, with the given pid */
	n = tg_sandbox_base_syscalls(base, 8, 4242);
	CHECK_EQ_INT(n, 7);
	CHECK_EQ_STR(base[0].name, "exit");
	CHECK_EQ_STR(base[5].name, "restart_syscall");
	CHECK_EQ_STR(base[6].name, "kill");
	CHECK(base[6].nargs == 2 && base[6].args[0].val == 4242 && base[6].args[1].val == SIGSYS);
	CHECK(base[7].name == NULL);
	CHECK_EQ_INT(tg_sandbox_check_table(base, NULL, 0), 0);
	/* too small a table: cut, still terminated */
	CHECK_EQ_INT(tg_sandbox_base_syscalls(base, 3, 1), 2);
	CHECK(base[2].name == NULL);
	{
		/* the builder says when a rule was left out */
		struct tg_syscall_table tb;

		tg_sc_table_init(&tb, base, 3);
		CHECK(base[0].name == NULL);
		TG_SC_ADD(&tb, TG_SC("read"));
		TG_SC_ADD(&tb, TG_SC1("close", 0, TG_CMP_EQ, 5));
		CHECK(!tb.full && tb.n == 2 && base[2].name == NULL);
		CHECK(base[1].nargs == 1 && base[1].args[0].val == 5);
		TG_SC_ADD(&tb, TG_SC("ppoll"));
		CHECK(tb.full && tb.n == 2 && base[2].name == NULL);
	}

	memset(&sb, 0, sizeof(sb));
	sb.role = "main";
	sb.user = "ntsd";
	sb.caps = (1ull << 25) | (1ull << 10);
	sb.syscalls = table;
	sb.rlimit_nofile = 16;
	f = open_memstream(&text, &len);
	if (!f) {
		CHECK(f != NULL);
		return;
	}
	tg_sandbox_describe(f, &sb, syms, 2);
	fclose(f);
	CHECK(strstr(text, "main: user: ntsd (") != NULL);
	CHECK(strstr(text, "\nmain: capabilities: cap_net_bind_service cap_sys_time (") != NULL);
	CHECK(strstr(text, "\nmain: rlimit: RLIMIT_CORE 0\nmain: rlimit: RLIMIT_NOFILE 16\n") !=
	      NULL);
	CHECK(strstr(text, "RLIMIT_NPROC") == NULL);
	CHECK(strstr(text, "\nmain: seccomp: allow kill(arg0 == <own pid>, arg1 == SIGSYS) "
	                   "(always)\n") != NULL);
	CHECK(strstr(text, "\nmain: seccomp: allow openat(arg2 & "
	                   "(O_ACCMODE|O_CREAT|O_TRUNC|O_APPEND|O_TMPFILE) == O_RDONLY)\n"
	                   "main: seccomp: allow sendmsg(arg0 == <ipc socket>)\n"
	                   "main: seccomp: allow wait4(arg0 == <child pid>)\n"
	                   "main: seccomp: allow socket(arg0 == AF_INET6, arg1 != 0x11170)\n"
	                   "main: seccomp: allow kill(arg1 == SIGTERM)\n"
	                   "main: seccomp: allow read(arg0 < 3)\n") != NULL);
	if (!strstr(text, "main: seccomp: allow read(arg0 < 3)"))
		fprintf(stderr, "%s", text);
	free(text);

	/* no table, no user */
	sb.user = NULL;
	sb.caps = 0;
	sb.syscalls = NULL;
	text = NULL;
	f = open_memstream(&text, &len);
	if (!f)
		return;
	tg_sandbox_describe(f, &sb, NULL, 0);
	fclose(f);
	CHECK(strstr(text, "main: user: unchanged") != NULL);
	CHECK(strstr(text, "main: capabilities: none") != NULL);
	CHECK(strstr(text, "main: seccomp: none\n") != NULL);
	free(text);
}

static void test_lookup_and_names(void)
{
	unsigned uid = 9, gid = 9;

	CHECK_EQ_INT(tg_sandbox_lookup_user("root", &uid, &gid), 0);
	CHECK(uid == 0 && gid == 0);
	CHECK_EQ_INT(tg_sandbox_lookup_user("nobody", &uid, &gid), 0);
	CHECK(uid == 65534 && gid == 65534);
	CHECK_EQ_INT(tg_sandbox_lookup_user("nobod", &uid, &gid), -1);
	CHECK_EQ_INT(tg_sandbox_lookup_user("nobody:x", &uid, &gid), -1);
	CHECK_EQ_INT(tg_sandbox_lookup_user("", &uid, &gid), -1);
	CHECK_EQ_INT(tg_sandbox_lookup_user(NULL, &uid, &gid), -1);

	CHECK_EQ_STR(tg_sandbox_syscall_name(SYS_getppid), "getppid");
	CHECK_EQ_STR(tg_sandbox_syscall_name(SYS_write), "write");
	CHECK_EQ_STR(tg_sandbox_syscall_name(-1), "?");
	CHECK_EQ_STR(tg_sandbox_syscall_name(100000), "?");
}

int main(void)
{
	if (geteuid() != 0) {
		printf("ok - %s # SKIP needs root\n", __FILE__);
		return 0;
	}
	RUN(test_lookup_and_names);
	RUN(test_check_table);
	RUN(test_describe);
	RUN(test_enter_errors);
	RUN(test_forbidden_syscall);
	RUN(test_nothing_after_load);
	RUN(test_arg_conditions);
	RUN(test_drop_user);
	RUN(test_chroot);
	RUN(test_ambient_exec);
	RUN(test_step_errors);
	return check_exit();
}
