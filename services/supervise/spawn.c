/*
 * spawn.c - fork a service and lock the child down up to execve.
 *
 * The child's sequence, in this order, each step fatal:
 *   1. signal dispositions back to default (the supervisor ignores
 *      SIGPIPE and catches others; ignored signals survive execve);
 *   2. stdin /dev/null, stdout and stderr to the output pipe;
 *   3. setsid: its own session and process group, so the supervisor can
 *      signal the whole service with kill(-pid);
 *   4. the passed descriptors (listen sockets, notify pipe) to 3, 4, ...
 *      without close-on-exec; everything else closed;
 *   5. resource limits;
 *   6. the bounding set cut to the listed capabilities (still as root:
 *      dropping needs CAP_SETPCAP in the effective set, which the kernel
 *      clears when the uid changes), then the service's user, its group
 *      and its supplementary groups (its own group plus its group lines:
 *      set_ids below), then only its listed capabilities, raised as
 *      ambient so they survive execve (tg_sandbox_limit_caps);
 *   7. PR_SET_NO_NEW_PRIVS: no setuid/file-capability gain from here on;
 *   8. Landlock (tg_landlock_restrict): from here on the service may open
 *      only its own program (execute, read) and the paths of its read,
 *      write, device and exec lines; the rule paths are opened as the
 *      service's user, after the change, so it only gets what it could
 *      reach anyway;
 *   9. PR_SET_PDEATHSIG SIGKILL (set after the uid change, which clears
 *      it): if the supervisor dies, the service goes too, so the one init
 *      respawns does not find orphans holding the ports;
 *  10. chdir(workdir), as the service's user (chdir is not subject to
 *      Landlock);
 *  11. the signal mask cleared, execve with the clean environment.
 * A failed step writes one line to stderr (the service's log) naming the
 * step, then _exit(111).
 *
 * The parent blocks all signals around fork(), so the child cannot run the
 * supervisor's handlers (which write to the loop's self-pipe) before step 1.
 */
#include "supervise/supervise.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "landlock.h"
#include "log.h"
#include "sandbox.h"
#include "supervise/svcenv.h"

__attribute__((noreturn)) static void step_failed(const struct sv_spawn *sp, const char *step,
                                                  const char *detail)
{
	tg_err("%s: %s: %s", sp->name, step, detail);
	_exit(TG_EXIT_SYS);
}

__attribute__((noreturn)) static void step_errno(const struct sv_spawn *sp, const char *step)
{
	step_failed(sp, step, strerror(errno));
}

/* Close every descriptor >= lowfd. */
static int close_from(int lowfd)
{
	DIR *d;
	struct dirent *de;

#ifdef SYS_close_range
	if (syscall(SYS_close_range, (unsigned)lowfd, ~0u, 0u) == 0)
		return 0;
#endif
	/* kernels before 5.9 */
	d = opendir("/proc/self/fd");
	if (!d)
		return -1;
	while ((de = readdir(d)) != NULL) {
		int fd = atoi(de->d_name);

		if (fd >= lowfd && fd != dirfd(d))
			close(fd);
	}
	closedir(d);
	return 0;
}

/*
 * Drop every capability not in keep from the bounding set.  Done before
 * tg_sandbox_set_user: tg_sandbox_limit_caps drops it too, but after a
 * switch to a non-root uid it has no CAP_SETPCAP left and would fail with
 * EPERM; here it finds nothing left to drop.
 */
static int drop_bounding(uint64_t keep)
{
	int cap, r;

	for (cap = 0; cap < 64; cap++) {
		if (keep & (1ull << cap))
			continue;
		r = prctl(PR_CAPBSET_READ, cap, 0, 0, 0);
		if (r < 0 && errno == EINVAL)
			return 0; /* past the kernel's last capability */
		if (r < 0)
			return -1;
		if (r == 1 && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0)
			return -1;
	}
	return 0;
}

/*
 * The user's uid and gid, and as supplementary groups its gid plus the
 * service's group lines.  lib/sandbox.c's tg_sandbox_set_user does the
 * same with the gid alone (setgroups must come before the uid change,
 * which takes CAP_SETGID away, so the list cannot be extended after it);
 * the checks are its checks: every id verified after the change.
 */
static int set_ids(const struct sv_spawn *sp, char *err, size_t errlen)
{
	gid_t list[SV_GROUPS_MAX + 1], got[SV_GROUPS_MAX + 2];
	unsigned uid, gid;
	uid_t ru, eu, su;
	gid_t rg, eg, sg;
	int i, n = 0, ng;

	if (tg_sandbox_lookup_user(sp->user, &uid, &gid) < 0) {
		snprintf(err, errlen, "unknown user '%s' (not in /etc/passwd)", sp->user);
		return -1;
	}
	if (sp->ngroups < 0 || sp->ngroups > SV_GROUPS_MAX) {
		snprintf(err, errlen, "%d supplementary groups (at most %d)", sp->ngroups,
		         SV_GROUPS_MAX);
		return -1;
	}
	list[n++] = (gid_t)gid;
	for (i = 0; i < sp->ngroups; i++)
		list[n++] = sp->groups[i];
	/* keep the permitted set across the uid change when caps stay (limit caps trims it) */
	if (sp->caps && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0) {
		snprintf(err, errlen, "prctl(PR_SET_KEEPCAPS, 1): %s", strerror(errno));
		return -1;
	}
	if (setgroups((size_t)n, list) < 0) {
		snprintf(err, errlen, "setgroups(%d groups): %s", n, strerror(errno));
		return -1;
	}
	if (setresgid((gid_t)gid, (gid_t)gid, (gid_t)gid) < 0) {
		snprintf(err, errlen, "setresgid(%u): %s", gid, strerror(errno));
		return -1;
	}
	if (setresuid((uid_t)uid, (uid_t)uid, (uid_t)uid) < 0) {
		snprintf(err, errlen, "setresuid(%u): %s", uid, strerror(errno));
		return -1;
	}
	if (getresgid(&rg, &eg, &sg) < 0 || rg != gid || eg != gid || sg != gid) {
		snprintf(err, errlen, "setresgid(%u): group ids did not change", gid);
		return -1;
	}
	if (getresuid(&ru, &eu, &su) < 0 || ru != uid || eu != uid || su != uid) {
		snprintf(err, errlen, "setresuid(%u): user ids did not change", uid);
		return -1;
	}
	/* the kernel sorts the list and keeps duplicates: compare as sets */
	ng = getgroups((int)(sizeof(got) / sizeof(got[0])), got);
	if (ng < 1 || ng > n) {
		snprintf(err, errlen, "setgroups: %d groups set, %d expected", ng, n);
		return -1;
	}
	for (i = 0; i < n; i++) {
		int k, found = 0;

		for (k = 0; k < ng; k++)
			found |= got[k] == list[i];
		if (!found) {
			snprintf(err, errlen, "setgroups: group %u missing afterwards",
			         (unsigned)list[i]);
			return -1;
		}
	}
	if (sp->caps && prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0) {
		snprintf(err, errlen, "prctl(PR_SET_KEEPCAPS, 0): %s", strerror(errno));
		return -1;
	}
	return 0;
}

static void set_limit(const struct sv_spawn *sp, int res, uint64_t v, const char *step)
{
	struct rlimit rl;

	if (!v)
		return;
	rl.rlim_cur = rl.rlim_max = (rlim_t)v;
	if (setrlimit(res, &rl) < 0)
		step_errno(sp, step);
}

__attribute__((noreturn)) static void child(const struct sv_spawn *sp, pid_t parent)
{
	struct sigaction sa;
	sigset_t none;
	char err[512];
	int tmp[SV_LISTEN_MAX + 1];
	int i, fd;

	/* our messages go to stderr, never to the supervisor's self-log pipe */
	tg_log_set_fd(2);
	tg_log_set_role("spawn");

	/* 1. default dispositions (SIGKILL and SIGSTOP cannot be changed: EINVAL, ignored) */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	for (i = 1; i < NSIG; i++)
		(void)sigaction(i, &sa, NULL);

	/* 2. stdio (the supervisor made sure its own 0..2 are open, so out_fd > 2) */
	fd = open("/dev/null", O_RDWR | O_NOCTTY);
	if (fd < 0 || dup2(fd, 0) < 0)
		step_errno(sp, "stdin /dev/null");
	if (dup2(sp->out_fd, 1) < 0 || dup2(sp->out_fd, 2) < 0)
		step_errno(sp, "stdout/stderr pipe");

	/* 3. own session and process group */
	if (setsid() < 0)
		step_errno(sp, "setsid");

	/* 4. passed fds: first above their targets, then into place (dup2 clears close-on-exec) */
	if (sp->npass < 0 || sp->npass > SV_LISTEN_MAX + 1)
		step_failed(sp, "pass fds", "too many");
	for (i = 0; i < sp->npass; i++) {
		tmp[i] = fcntl(sp->pass_fds[i], F_DUPFD_CLOEXEC, 3 + sp->npass);
		if (tmp[i] < 0)
			step_errno(sp, "pass fds: dup");
	}
	for (i = 0; i < sp->npass; i++)
		if (dup2(tmp[i], 3 + i) < 0)
			step_errno(sp, "pass fds: dup2");
	if (close_from(3 + sp->npass) < 0)
		step_errno(sp, "close fds");

	/* 5. limits */
	set_limit(sp, RLIMIT_NOFILE, sp->nofile, "setrlimit nofile");
	set_limit(sp, RLIMIT_NPROC, sp->nproc, "setrlimit nproc");

	if (sp->user) {
		/* 6. bounding set, user, group, then only the listed caps (ambient) */
		if (drop_bounding(sp->caps) < 0)
			step_errno(sp, "drop bounding set");
		if (set_ids(sp, err, sizeof(err)) < 0)
			step_failed(sp, "set user", err);
		if (tg_sandbox_limit_caps(sp->caps, 1, err, sizeof(err)) < 0)
			step_failed(sp, "limit caps", err);
		/* 7. nothing gained through execve from here on */
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			step_errno(sp, "PR_SET_NO_NEW_PRIVS");
		/* 8. the filesystem: its program and its declared paths only (fail closed) */
		if (tg_landlock_restrict(sp->fs, sp->nfs, err, sizeof(err)) < 0)
			step_failed(sp, "landlock", err);
	}
	/* 9. die with the supervisor (the uid change cleared an earlier setting) */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		step_errno(sp, "PR_SET_PDEATHSIG");
	if (getppid() != parent)
		step_failed(sp, "PR_SET_PDEATHSIG", "the supervisor is gone");

	/* 10. workdir, checked with the service's own permissions */
	umask(022);
	if (chdir(sp->workdir ? sp->workdir : "/") < 0)
		step_errno(sp, "chdir workdir");

	/* 11. exec */
	sigemptyset(&none);
	if (sigprocmask(SIG_SETMASK, &none, NULL) < 0)
		step_errno(sp, "sigprocmask");
	execve(sp->x->argv[0], sp->x->argv, sp->x->envp);
	snprintf(err, sizeof(err), "%s: %s", sp->x->argv[0], strerror(errno));
	step_failed(sp, "execve", err);
}

pid_t sv_spawn(const struct sv_spawn *sp)
{
	sigset_t all, old;
	pid_t pid, self = getpid();
	int saved;

	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	pid = fork();
	if (pid == 0)
		child(sp, self);
	saved = errno;
	sigprocmask(SIG_SETMASK, &old, NULL);
	errno = saved;
	return pid;
}
