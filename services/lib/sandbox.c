/*
 * sandbox.c - lock a process role down in one visible sequence.
 *
 * tg_sandbox_enter() follows the order documented in sandbox.h.  Anything
 * that needs files outside a chroot (the user's ids from /etc/passwd, the
 * kernel's last capability from /proc) is read first; the syscall-name
 * table for the SIGSYS handler is filled before the filter is loaded, so
 * the handler itself only formats into a stack buffer and calls write,
 * getpid and kill.  The filter is built with libseccomp, exported as BPF
 * and libseccomp's memory released before the kernel gets the program,
 * so no free (and no munmap, with musl) ever runs under the filter.
 *
 * Capabilities use raw prctl and capset (no libcap); /etc/passwd is read
 * with a small bounded parser (getpwnam may load NSS modules).
 */
#include "sandbox.h"

#include "caps.h"
#include "log.h"

#include "sanitizer.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>

#include "log_internal.h"

#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT           47
#define PR_CAP_AMBIENT_RAISE     2
#define PR_CAP_AMBIENT_CLEAR_ALL 4
#endif

#define CAP_LAST_FALLBACK 40
#define NAMES_NR          512 /* syscall numbers 0..511 cover x86_64 and aarch64 */
#define NAME_LEN          32  /* longest libseccomp name is 23 bytes */
#define ROLE_LEN          32
#define PASSWD_PATH       "/etc/passwd"
#define PASSWD_MAX        (1024 * 1024)

static char sc_names[NAMES_NR][NAME_LEN];
static int sc_names_ready;
static char sc_role[ROLE_LEN];

/* ---- syscall names (filled once, read by the signal handler) ---- */

static void names_init(void)
{
	int nr;

	if (sc_names_ready)
		return;
	for (nr = 0; nr < NAMES_NR; nr++) {
		char *s = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);

		if (s) {
			snprintf(sc_names[nr], NAME_LEN, "%s", s);
			free(s);
		}
	}
	sc_names_ready = 1;
}

const char *tg_sandbox_syscall_name(int nr)
{
	names_init();
	if (nr < 0 || nr >= NAMES_NR || !sc_names[nr][0])
		return "?";
	return sc_names[nr];
}

/* ---- the SIGSYS handler: async-signal-safe, no stdio ---- */

static size_t put_str(char *buf, size_t pos, size_t cap, const char *s)
{
	while (*s && pos < cap)
		buf[pos++] = *s++;
	return pos;
}

static size_t put_int(char *buf, size_t pos, size_t cap, long v)
{
	char tmp[24];
	unsigned long u = v < 0 ? 0ul - (unsigned long)v : (unsigned long)v;
	int i = 0;

	if (v < 0 && pos < cap)
		buf[pos++] = '-';
	do {
		tmp[i++] = (char)('0' + u % 10);
		u /= 10;
	} while (u && i < (int)sizeof(tmp));
	while (i > 0 && pos < cap)
		buf[pos++] = tmp[--i];
	return pos;
}

static void sigsys_handler(int signo, siginfo_t *si, void *uctx)
{
	char line[256];
	size_t n = 0, cap = sizeof(line) - 1;
	int nr = si ? si->si_syscall : -1;
	const char *name =
	    (sc_names_ready && nr >= 0 && nr < NAMES_NR && sc_names[nr][0]) ? sc_names[nr] : "?";
	long pid;
	ssize_t w;

	(void)signo;
	(void)uctx;
	n = put_str(line, n, cap, tg_log_service());
	n = put_str(line, n, cap, "[");
	n = put_str(line, n, cap, sc_role[0] ? sc_role : tg_log_role());
	n = put_str(line, n, cap, "] error: seccomp: forbidden syscall '");
	n = put_str(line, n, cap, name);
	n = put_str(line, n, cap, "' (");
	n = put_int(line, n, cap, nr);
	n = put_str(line, n, cap, "); killed");
	line[n++] = '\n';
	w = write(tg_log_fd(), line, n);
	(void)w;

	/*
	 * SA_RESETHAND has already made SIGSYS's disposition the default and
	 * SA_NODEFER left it unblocked, so from here on any trapped syscall
	 * kills us by SIGSYS too: if getpid is not allowed, that happens
	 * right here; in a child forked after the filter was loaded, kill to
	 * our own pid does not match the filter's pid and traps likewise.
	 */
	pid = syscall(SYS_getpid);
	syscall(SYS_kill, pid, SIGSYS);
	for (;;)
		syscall(SYS_exit_group, 128 + SIGSYS);
}

/* ---- users ---- */

static int parse_id(const char *s, size_t n, unsigned *out)
{
	unsigned long long v = 0;
	size_t i;

	if (n == 0 || n > 10)
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v >= 0xffffffffull) /* (uid_t)-1 means "unchanged" to setresuid */
		return -1;
	*out = (unsigned)v;
	return 0;
}

/* "name:pw:uid:gid:..." -> 1 if it is user's line (and ids parse), else 0. */
static int passwd_line(const char *line, size_t n, const char *user, unsigned *uid, unsigned *gid)
{
	const char *f[4];
	size_t fl[4], start = 0, i;
	int nf = 0;

	for (i = 0; i <= n && nf < 4; i++) {
		if (i == n || line[i] == ':') {
			f[nf] = line + start;
			fl[nf] = i - start;
			nf++;
			start = i + 1;
		}
	}
	if (nf < 4 || fl[0] != strlen(user) || memcmp(f[0], user, fl[0]) != 0)
		return 0;
	return parse_id(f[2], fl[2], uid) == 0 && parse_id(f[3], fl[3], gid) == 0;
}

int tg_sandbox_lookup_user(const char *user, unsigned *uid, unsigned *gid)
{
	char buf[4096], line[1024];
	size_t ll = 0, total = 0;
	int fd, toolong = 0, found = 0;

	if (!user || !*user || strlen(user) >= sizeof(line) || strchr(user, ':'))
		return -1;
	fd = open(PASSWD_PATH, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -1;
	while (!found && total < PASSWD_MAX) {
		ssize_t r = read(fd, buf, sizeof(buf));
		ssize_t i;

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			/* last line without '\n' */
			if (r == 0 && ll && !toolong)
				found = passwd_line(line, ll, user, uid, gid);
			break;
		}
		total += (size_t)r;
		for (i = 0; i < r && !found; i++) {
			if (buf[i] == '\n') {
				if (!toolong)
					found = passwd_line(line, ll, user, uid, gid);
				ll = 0;
				toolong = 0;
			} else if (ll < sizeof(line)) {
				line[ll++] = buf[i];
			} else {
				toolong = 1; /* not a line we could match; skip it */
			}
		}
	}
	close(fd);
	return found ? 0 : -1;
}

static int set_ids(unsigned uid, unsigned gid, uint64_t keep_caps, char *err, size_t errlen)
{
	gid_t g = (gid_t)gid;
	uid_t ru, eu, su;
	gid_t rg, eg, sg;

	/* keep the permitted set across the uid change when caps stay (step 5 trims it) */
	if (keep_caps && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0) {
		tg_seterr(err, errlen, "prctl(PR_SET_KEEPCAPS, 1): %s", strerror(errno));
		return -1;
	}
	if (setgroups(1, &g) < 0) {
		tg_seterr(err, errlen, "setgroups(%u): %s", gid, strerror(errno));
		return -1;
	}
	if (setresgid(g, g, g) < 0) {
		tg_seterr(err, errlen, "setresgid(%u): %s", gid, strerror(errno));
		return -1;
	}
	if (setresuid((uid_t)uid, (uid_t)uid, (uid_t)uid) < 0) {
		tg_seterr(err, errlen, "setresuid(%u): %s", uid, strerror(errno));
		return -1;
	}
	/* as OpenNTPD: check that the change really happened */
	if (getresgid(&rg, &eg, &sg) < 0 || rg != g || eg != g || sg != g) {
		tg_seterr(err, errlen, "setresgid(%u): group ids did not change", gid);
		return -1;
	}
	if (getresuid(&ru, &eu, &su) < 0 || ru != uid || eu != uid || su != uid) {
		tg_seterr(err, errlen, "setresuid(%u): user ids did not change", uid);
		return -1;
	}
	if (keep_caps && prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0) {
		tg_seterr(err, errlen, "prctl(PR_SET_KEEPCAPS, 0): %s", strerror(errno));
		return -1;
	}
	return 0;
}

int tg_sandbox_set_user(const char *user, uint64_t keep_caps, char *err, size_t errlen)
{
	unsigned uid, gid;

	if (tg_sandbox_lookup_user(user, &uid, &gid) < 0) {
		tg_seterr(err, errlen, "unknown user '%s' (not in %s)", user ? user : "(null)",
		          PASSWD_PATH);
		return -1;
	}
	return set_ids(uid, gid, keep_caps, err, errlen);
}

/* ---- capabilities ---- */

static int cap_last(void)
{
	char buf[16];
	ssize_t r;
	int fd, v = 0, i;

	fd = open("/proc/sys/kernel/cap_last_cap", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return CAP_LAST_FALLBACK;
	r = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (r <= 0)
		return CAP_LAST_FALLBACK;
	for (i = 0; i < r && buf[i] >= '0' && buf[i] <= '9' && v < 1000; i++)
		v = v * 10 + (buf[i] - '0');
	if (i == 0 || v > 63)
		return CAP_LAST_FALLBACK;
	return v;
}

static int drop_bounding(uint64_t keep, int last, char *err, size_t errlen)
{
	int cap, r;

	for (cap = 0; cap <= last; cap++) {
		if (keep & (1ull << cap))
			continue;
		/* dropping needs CAP_SETPCAP even for a cap already gone: ask first */
		r = prctl(PR_CAPBSET_READ, cap, 0, 0, 0);
		if (r < 0 && errno == EINVAL)
			break; /* beyond the kernel's last cap (fallback value too high) */
		if (r < 0) {
			tg_seterr(err, errlen, "prctl(PR_CAPBSET_READ, %d): %s", cap,
			          strerror(errno));
			return -1;
		}
		if (r == 0)
			continue;
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0) {
			/*
			 * Without CAP_SETPCAP the set cannot shrink: an unprivileged
			 * process started by hand, or a service the supervisor
			 * started with a capability in its bounding set (timed:
			 * CAP_SYS_TIME, which only its clock role keeps).  That is
			 * harmless: every caller sets the permitted, effective,
			 * inheritable and ambient sets to what is kept right after
			 * (capset), and with NO_NEW_PRIVS, set before any exec,
			 * nothing can be regained through the bounding set.
			 */
			if (errno == EPERM)
				return 0;
			tg_seterr(err, errlen, "prctl(PR_CAPBSET_DROP, %d): %s", cap,
			          strerror(errno));
			return -1;
		}
	}
	return 0;
}

static int set_caps(uint64_t keep, uint64_t inheritable, char *err, size_t errlen)
{
	struct __user_cap_header_struct hdr;
	struct __user_cap_data_struct data[2];

	memset(&hdr, 0, sizeof(hdr));
	memset(data, 0, sizeof(data));
	hdr.version = _LINUX_CAPABILITY_VERSION_3;
	hdr.pid = 0;
	data[0].effective = data[0].permitted = (uint32_t)keep;
	data[1].effective = data[1].permitted = (uint32_t)(keep >> 32);
	data[0].inheritable = (uint32_t)inheritable;
	data[1].inheritable = (uint32_t)(inheritable >> 32);
	if (syscall(SYS_capset, &hdr, data) < 0) {
		tg_seterr(err, errlen, "capset(0x%llx): %s", (unsigned long long)keep,
		          strerror(errno));
		return -1;
	}
	return 0;
}

static int set_ambient(uint64_t raise, int last, char *err, size_t errlen)
{
	int cap;

	/* EINVAL: a kernel without ambient caps (< 4.3) has none to clear */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 &&
	    (errno != EINVAL || raise)) {
		tg_seterr(err, errlen, "prctl(PR_CAP_AMBIENT_CLEAR_ALL): %s", strerror(errno));
		return -1;
	}
	for (cap = 0; cap <= last; cap++) {
		if (!(raise & (1ull << cap)))
			continue;
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0) {
			tg_seterr(err, errlen, "prctl(PR_CAP_AMBIENT_RAISE, %d): %s", cap,
			          strerror(errno));
			return -1;
		}
	}
	return 0;
}

/*
 * effective = permitted: after a uid change from 0 (with keepcaps) the
 * effective set is empty, and dropping from the bounding set needs an
 * effective CAP_SETPCAP.
 */
static int raise_effective(char *err, size_t errlen)
{
	struct __user_cap_header_struct hdr;
	struct __user_cap_data_struct data[2];

	memset(&hdr, 0, sizeof(hdr));
	memset(data, 0, sizeof(data));
	hdr.version = _LINUX_CAPABILITY_VERSION_3;
	if (syscall(SYS_capget, &hdr, data) < 0) {
		tg_seterr(err, errlen, "capget: %s", strerror(errno));
		return -1;
	}
	if (data[0].effective == data[0].permitted && data[1].effective == data[1].permitted)
		return 0;
	data[0].effective = data[0].permitted;
	data[1].effective = data[1].permitted;
	if (syscall(SYS_capset, &hdr, data) < 0) {
		tg_seterr(err, errlen, "capset(effective = permitted): %s", strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * For the supervisor between fork and exec: tg_sandbox_set_user first
 * (a uid change clears the ambient set), then this with ambient = 1, so
 * the exec'd program starts with exactly keep_caps.
 */
int tg_sandbox_limit_caps(uint64_t keep_caps, int ambient, char *err, size_t errlen)
{
	int last = cap_last();

	if (raise_effective(err, errlen) < 0)
		return -1;
	if (drop_bounding(keep_caps, last, err, errlen) < 0)
		return -1;
	if (set_caps(keep_caps, ambient ? keep_caps : 0, err, errlen) < 0)
		return -1;
	return set_ambient(ambient ? keep_caps : 0, last, err, errlen);
}

/* ---- seccomp ---- */

int tg_sandbox_check_table(const struct tg_syscall_rule *rules, char *err, size_t errlen)
{
	size_t i;
	unsigned j, k;

	if (err && errlen)
		err[0] = '\0';
	for (i = 0; rules && rules[i].name; i++) {
		const struct tg_syscall_rule *r = &rules[i];

		if (seccomp_syscall_resolve_name(r->name) == __NR_SCMP_ERROR) {
			tg_seterr(err, errlen, "seccomp: unknown syscall '%.64s' (rule %zu)",
			          r->name, i);
			return -1;
		}
		if (r->nargs > 3) {
			tg_seterr(err, errlen,
			          "seccomp: rule '%s': %u argument conditions (at most 3)", r->name,
			          r->nargs);
			return -1;
		}
		for (j = 0; j < r->nargs; j++) {
			const struct tg_syscall_arg *a = &r->args[j];

			if (a->arg > 5) {
				tg_seterr(err, errlen,
				          "seccomp: rule '%s': argument index %u (expected 0 to 5)",
				          r->name, a->arg);
				return -1;
			}
			if (a->op < TG_CMP_EQ || a->op > TG_CMP_MASKED_EQ) {
				tg_seterr(
				    err, errlen,
				    "seccomp: rule '%s': comparison %u (expected enum tg_cmp, "
				    "%d to %d)",
				    r->name, a->op, TG_CMP_EQ, TG_CMP_MASKED_EQ);
				return -1;
			}
			for (k = 0; k < j; k++) {
				/* libseccomp takes one comparison per argument */
				if (r->args[k].arg == a->arg) {
					tg_seterr(err, errlen,
					          "seccomp: rule '%s': argument %u compared twice",
					          r->name, a->arg);
					return -1;
				}
			}
		}
	}
	return 0;
}

static enum scmp_compare map_cmp(uint8_t op)
{
	switch (op) {
	case TG_CMP_EQ:
		return SCMP_CMP_EQ;
	case TG_CMP_NE:
		return SCMP_CMP_NE;
	case TG_CMP_LT:
		return SCMP_CMP_LT;
	case TG_CMP_LE:
		return SCMP_CMP_LE;
	case TG_CMP_GT:
		return SCMP_CMP_GT;
	case TG_CMP_GE:
		return SCMP_CMP_GE;
	default:
		return SCMP_CMP_MASKED_EQ;
	}
}

static int add_rule(scmp_filter_ctx ctx, const char *name, unsigned n, const struct scmp_arg_cmp *c,
                    char *err, size_t errlen)
{
	int nr = seccomp_syscall_resolve_name(name);
	int rc;

	if (nr == __NR_SCMP_ERROR) {
		tg_seterr(err, errlen, "seccomp: unknown syscall '%.64s'", name);
		return -1;
	}
	rc = seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, nr, n, c);
	if (rc < 0) {
		tg_seterr(err, errlen, "seccomp_rule_add(%s): %s", name, strerror(-rc));
		return -1;
	}
	return 0;
}

/* The BPF program, exported from libseccomp (the kernel takes at most BPF_MAXINSNS). */
static struct sock_filter bpf_prog[BPF_MAXINSNS];
static size_t bpf_len;

/* Export ctx's program into bpf_prog through a pipe (libseccomp 2.5 has no export to memory). */
static int export_bpf(scmp_filter_ctx ctx, char *err, size_t errlen)
{
	size_t got = 0;
	int p[2], rc;

	/* non-blocking: a program larger than the pipe fails instead of hanging */
	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0) {
		tg_seterr(err, errlen, "seccomp: pipe2: %s", strerror(errno));
		return -1;
	}
	rc = seccomp_export_bpf(ctx, p[1]);
	close(p[1]);
	if (rc < 0) {
		close(p[0]);
		tg_seterr(err, errlen, "seccomp_export_bpf: %s", strerror(-rc));
		return -1;
	}
	for (;;) {
		ssize_t r = read(p[0], (char *)bpf_prog + got, sizeof(bpf_prog) - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
		if (got == sizeof(bpf_prog)) {
			char extra;

			if (read(p[0], &extra, 1) == 1)
				got = sizeof(bpf_prog) + 1;
			break;
		}
	}
	close(p[0]);
	if (got == 0 || got > sizeof(bpf_prog) || got % sizeof(bpf_prog[0]) != 0) {
		tg_seterr(err, errlen,
		          "seccomp: exported filter of %zu bytes (at most %zu instructions)", got,
		          (size_t)BPF_MAXINSNS);
		return -1;
	}
	bpf_len = got / sizeof(bpf_prog[0]);
	return 0;
}

#if TG_SANITIZER_RUNTIME
/*
 * LeakSanitizer's check at exit stops the world with ptrace and threads,
 * which no role's filter allows: it is off in a process once it is
 * confined (and stays on in every process that never was).
 */
static volatile int filter_loaded;
int __lsan_is_turned_off(void);
int __lsan_is_turned_off(void)
{
	return filter_loaded;
}
#endif

void tg_sc_table_init(struct tg_syscall_table *tb, struct tg_syscall_rule *rules, size_t cap)
{
	tb->rules = rules;
	tb->cap = cap;
	tb->n = 0;
	tb->full = 0;
	if (cap > 0)
		rules[0] = (struct tg_syscall_rule)TG_SC_END;
}

void tg_sc_add(struct tg_syscall_table *tb, struct tg_syscall_rule rule)
{
	if (tb->n + 1 >= tb->cap) {
		tb->full = 1;
		return;
	}
	tb->rules[tb->n++] = rule;
	tb->rules[tb->n] = (struct tg_syscall_rule)TG_SC_END;
}

size_t tg_sandbox_base_syscalls(struct tg_syscall_rule *t, size_t cap, uint64_t own_pid)
{
	struct tg_syscall_table tb;

	tg_sc_table_init(&tb, t, cap);
	/* always allowed: leaving, logging, returning from handlers */
	TG_SC_ADD(&tb, TG_SC("exit"));
	TG_SC_ADD(&tb, TG_SC("exit_group"));
	TG_SC_ADD(&tb, TG_SC("write"));
	TG_SC_ADD(&tb, TG_SC("writev"));
	TG_SC_ADD(&tb, TG_SC("rt_sigreturn"));
	/*
	 * the kernel resumes a poll interrupted by SIGSTOP/SIGCONT (or a
	 * debugger) through restart_syscall: without it, stopping and
	 * continuing a confined process kills it
	 */
	TG_SC_ADD(&tb, TG_SC("restart_syscall"));
	/* the violation handler's kill: to ourselves, SIGSYS only */
	TG_SC_ADD(&tb, TG_SC2("kill", 0, TG_CMP_EQ, own_pid, 1, TG_CMP_EQ, SIGSYS));
	return tb.n;
}

/* Add every rule of a checked table to ctx. */
static int add_table(scmp_filter_ctx ctx, const struct tg_syscall_rule *rules, char *err,
                     size_t errlen)
{
	size_t i;

	for (i = 0; rules[i].name; i++) {
		const struct tg_syscall_rule *r = &rules[i];
		struct scmp_arg_cmp c[3];
		unsigned j;

		memset(c, 0, sizeof(c));
		for (j = 0; j < r->nargs; j++) {
			c[j].arg = r->args[j].arg;
			c[j].op = map_cmp(r->args[j].op);
			if (r->args[j].op == TG_CMP_MASKED_EQ) {
				c[j].datum_a = r->args[j].mask;
				c[j].datum_b = r->args[j].val;
			} else {
				c[j].datum_a = r->args[j].val;
			}
		}
		if (add_rule(ctx, r->name, r->nargs, c, err, errlen) < 0)
			return -1;
	}
	return 0;
}

static int load_filter(const struct tg_syscall_rule *rules, char *err, size_t errlen)
{
	struct tg_syscall_rule base[8];
	struct sock_fprog prog;
	struct sigaction sa;
	scmp_filter_ctx ctx;
	int rc;

	if (tg_sandbox_check_table(rules, err, errlen) < 0)
		return -1;
	names_init();
	tg_sandbox_base_syscalls(base, sizeof(base) / sizeof(base[0]), (uint64_t)getpid());

	ctx = seccomp_init(SCMP_ACT_TRAP);
	if (!ctx) {
		tg_seterr(err, errlen, "seccomp_init: failed");
		return -1;
	}
	/* x32 or i386 syscalls on x86_64 (or any other foreign ABI): kill outright */
	rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
	if (rc < 0) {
		tg_seterr(err, errlen, "seccomp_attr_set(ACT_BADARCH): %s", strerror(-rc));
		goto fail;
	}
	if (add_table(ctx, base, err, errlen) < 0)
		goto fail;
#if TG_SANITIZER_RUNTIME
	/*
	 * Host test builds with ASan/UBSan only (MODE=host or fuzz); the
	 * product (MODE=static) never has these.  The sanitizer runtime maps
	 * memory for its allocator and reports, and uses sigaltstack and the
	 * thread id on its exit path.  Found by running the tests under the
	 * filter: the SIGSYS line names what is missing.
	 */
	{
		static const char *const sanitizer[] = {"mmap",     "munmap",      "madvise",
		                                        "mprotect", "sigaltstack", "gettid",
		                                        "getpid",   "sched_yield", "futex"};
		size_t i;

		for (i = 0; i < sizeof(sanitizer) / sizeof(sanitizer[0]); i++)
			if (add_rule(ctx, sanitizer[i], 0, NULL, err, errlen) < 0)
				goto fail;
	}
#endif
	if (add_table(ctx, rules, err, errlen) < 0)
		goto fail;

	/*
	 * SA_RESETHAND: the disposition is back to default once the handler
	 * runs, so its final kill (or any other trap) ends the process.
	 * SA_NODEFER: SIGSYS stays unblocked inside the handler.
	 */
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = sigsys_handler;
	sa.sa_flags = SA_SIGINFO | SA_RESETHAND | SA_NODEFER;
	sigfillset(&sa.sa_mask);
	sigdelset(&sa.sa_mask, SIGSYS);
	if (sigaction(SIGSYS, &sa, NULL) < 0) {
		tg_seterr(err, errlen, "sigaction(SIGSYS): %s", strerror(errno));
		goto fail;
	}

	/*
	 * Not seccomp_load(): it frees the generated program after loading
	 * it, and musl's free may munmap, which the filter most likely
	 * forbids (seen in the musl build of test_sandbox).  So the program
	 * is exported, every libseccomp allocation released, and only then
	 * is the filter loaded: nothing of ours runs under it but a return.
	 */
	if (export_bpf(ctx, err, errlen) < 0)
		goto fail;
	seccomp_release(ctx);
	prog.len = (unsigned short)bpf_len;
	prog.filter = bpf_prog;
	/* NO_NEW_PRIVS is set (step 6), as the kernel requires without CAP_SYS_ADMIN */
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0 &&
	    (errno != ENOSYS || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) < 0)) {
		tg_seterr(err, errlen, "seccomp(SECCOMP_SET_MODE_FILTER): %s", strerror(errno));
		return -1;
	}
#if TG_SANITIZER_RUNTIME
	filter_loaded = 1;
#endif
	return 0;

fail:
	seccomp_release(ctx);
	return -1;
}

static int set_limit(int res, const char *name, uint64_t v, char *err, size_t errlen)
{
	struct rlimit rl;

	rl.rlim_cur = rl.rlim_max = (rlim_t)v;
	if (setrlimit(res, &rl) < 0) {
		tg_seterr(err, errlen, "setrlimit(%s, %llu): %s", name, (unsigned long long)v,
		          strerror(errno));
		return -1;
	}
	return 0;
}

int tg_sandbox_enter(const struct tg_sandbox *sb, char *err, size_t errlen)
{
	unsigned uid = 0, gid = 0;
	int last;

	if (err && errlen)
		err[0] = '\0';
	if (!sb) {
		tg_seterr(err, errlen, "sandbox: no description");
		return -1;
	}
	snprintf(sc_role, sizeof(sc_role), "%s", sb->role ? sb->role : "");

	/* 0. what needs files outside the chroot, and table checks, first */
	if (sb->user && tg_sandbox_lookup_user(sb->user, &uid, &gid) < 0) {
		tg_seterr(err, errlen, "unknown user '%.64s' (not in %s)", sb->user, PASSWD_PATH);
		return -1;
	}
	last = cap_last();
	if (sb->syscalls) {
		if (tg_sandbox_check_table(sb->syscalls, err, errlen) < 0)
			return -1;
		names_init();
	}

	/* 1. resource limits: no core files (they would hold keys) */
	if (set_limit(RLIMIT_CORE, "RLIMIT_CORE", 0, err, errlen) < 0)
		return -1;
	if (sb->rlimit_nofile &&
	    set_limit(RLIMIT_NOFILE, "RLIMIT_NOFILE", sb->rlimit_nofile, err, errlen) < 0)
		return -1;
	if (sb->rlimit_nproc &&
	    set_limit(RLIMIT_NPROC, "RLIMIT_NPROC", sb->rlimit_nproc, err, errlen) < 0)
		return -1;

	/* 2. chroot */
	if (sb->chroot_dir) {
		if (chroot(sb->chroot_dir) < 0) {
			tg_seterr(err, errlen, "chroot(%s): %s", sb->chroot_dir, strerror(errno));
			return -1;
		}
		if (chdir("/") < 0) {
			tg_seterr(err, errlen, "chdir(/): %s", strerror(errno));
			return -1;
		}
	}

	/* 3. bounding set: nothing outside sb->caps can come back, even by exec */
	if (drop_bounding(sb->caps, last, err, errlen) < 0)
		return -1;

	/* 4. user and group */
	if (sb->user && set_ids(uid, gid, sb->caps, err, errlen) < 0)
		return -1;

	/* 5. permitted = effective = caps, inheritable and ambient empty */
	if (set_caps(sb->caps, 0, err, errlen) < 0)
		return -1;
	if (set_ambient(0, last, err, errlen) < 0)
		return -1;

	/* 6. no ptrace or /proc/PID/mem from the same uid; no privilege gain by exec */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) {
		tg_seterr(err, errlen, "prctl(PR_SET_DUMPABLE, 0): %s", strerror(errno));
		return -1;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		tg_seterr(err, errlen, "prctl(PR_SET_NO_NEW_PRIVS, 1): %s", strerror(errno));
		return -1;
	}

	/* 7. seccomp */
	if (sb->syscalls && load_filter(sb->syscalls, err, errlen) < 0)
		return -1;
	return 0;
}

/* ---- descriptions (tg_sandbox_describe) ---- */

#if defined(__x86_64__)
#define ARCH_NAME   "x86_64"
#define FOREIGN_ABI "x32, i386"
#elif defined(__aarch64__)
#define ARCH_NAME   "aarch64"
#define FOREIGN_ABI "arm"
#else
#define ARCH_NAME   "this architecture"
#define FOREIGN_ABI "another"
#endif

struct strbuf {
	char *p;
	size_t cap, len;
};

__attribute__((format(printf, 2, 3))) static void sb_add(struct strbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->len >= b->cap)
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		b->len += (size_t)n < b->cap - b->len ? (size_t)n : b->cap - b->len - 1;
}

/* open(2) flags by name; O_SYNC contains O_DSYNC and O_TMPFILE O_DIRECTORY: those come first */
static const struct {
	uint64_t bits;
	const char *name;
} open_flags[] = {
    {O_CREAT, "O_CREAT"},         {O_EXCL, "O_EXCL"},         {O_NOCTTY, "O_NOCTTY"},
    {O_TRUNC, "O_TRUNC"},         {O_APPEND, "O_APPEND"},     {O_NONBLOCK, "O_NONBLOCK"},
    {O_SYNC, "O_SYNC"},           {O_DSYNC, "O_DSYNC"},       {O_TMPFILE, "O_TMPFILE"},
    {O_DIRECTORY, "O_DIRECTORY"}, {O_NOFOLLOW, "O_NOFOLLOW"}, {O_CLOEXEC, "O_CLOEXEC"},
    {O_PATH, "O_PATH"},           {O_NOATIME, "O_NOATIME"},   {O_DIRECT, "O_DIRECT"},
};

/* "O_RDONLY", "(O_ACCMODE|O_CREAT)": names, unknown bits in hex */
static void put_open_flags(struct strbuf *b, uint64_t v, int is_mask)
{
	char tmp[256];
	struct strbuf t = {tmp, sizeof(tmp), 0};
	int parts = 0;
	size_t i;

	tmp[0] = '\0';
	if (is_mask) {
		if ((v & O_ACCMODE) == O_ACCMODE) {
			sb_add(&t, "O_ACCMODE");
			parts++;
			v &= ~(uint64_t)O_ACCMODE;
		}
	} else {
		static const char *const acc[] = {"O_RDONLY", "O_WRONLY", "O_RDWR", "3"};

		sb_add(&t, "%s", acc[v & O_ACCMODE]);
		parts++;
		v &= ~(uint64_t)O_ACCMODE;
	}
	for (i = 0; i < sizeof(open_flags) / sizeof(open_flags[0]); i++) {
		if ((v & open_flags[i].bits) == open_flags[i].bits) {
			sb_add(&t, "%s%s", parts ? "|" : "", open_flags[i].name);
			parts++;
			v &= ~open_flags[i].bits;
		}
	}
	if (v || !parts) {
		sb_add(&t, "%s0x%llx", parts ? "|" : "", (unsigned long long)v);
		parts++;
	}
	sb_add(b, parts > 1 && is_mask ? "(%s)" : "%s", tmp);
}

static const char *signal_name(uint64_t v)
{
	switch (v) {
	case SIGSYS:
		return "SIGSYS";
	case SIGTERM:
		return "SIGTERM";
	case SIGKILL:
		return "SIGKILL";
	case SIGHUP:
		return "SIGHUP";
	case SIGINT:
		return "SIGINT";
	case SIGCHLD:
		return "SIGCHLD";
	case SIGUSR1:
		return "SIGUSR1";
	case SIGUSR2:
		return "SIGUSR2";
	default:
		return NULL;
	}
}

static const char *family_name(uint64_t v)
{
	switch (v) {
	case AF_UNIX:
		return "AF_UNIX";
	case AF_INET:
		return "AF_INET";
	case AF_INET6:
		return "AF_INET6";
	case AF_NETLINK:
		return "AF_NETLINK";
	default:
		return NULL;
	}
}

enum arg_kind { ARG_PLAIN, ARG_OPEN_FLAGS, ARG_SIGNAL, ARG_FAMILY };

/* What argument arg of syscall name holds, for the syscalls our tables filter on. */
static enum arg_kind arg_kind(const char *name, unsigned arg)
{
	if ((strcmp(name, "openat") == 0 && arg == 2) || (strcmp(name, "open") == 0 && arg == 1))
		return ARG_OPEN_FLAGS;
	if ((strcmp(name, "kill") == 0 && arg == 1) || (strcmp(name, "tkill") == 0 && arg == 1) ||
	    (strcmp(name, "tgkill") == 0 && arg == 2))
		return ARG_SIGNAL;
	if ((strcmp(name, "socket") == 0 || strcmp(name, "socketpair") == 0) && arg == 0)
		return ARG_FAMILY;
	return ARG_PLAIN;
}

static void put_value(struct strbuf *b, const char *sc, unsigned arg, uint64_t v, int is_mask,
                      const struct tg_sandbox_symbol *syms, size_t nsyms)
{
	enum arg_kind k = arg_kind(sc, arg);
	const char *s = NULL;
	size_t i;

	if (!is_mask) {
		if (v == TG_SANDBOX_OWN_PID)
			s = "<own pid>";
		for (i = 0; i < nsyms && !s; i++)
			if (syms[i].value == v)
				s = syms[i].name;
	}
	if (!s && k == ARG_SIGNAL && !is_mask)
		s = signal_name(v);
	if (!s && k == ARG_FAMILY && !is_mask)
		s = family_name(v);
	if (s)
		sb_add(b, "%s", s);
	else if (k == ARG_OPEN_FLAGS)
		put_open_flags(b, v, is_mask);
	else if (v < 65536)
		sb_add(b, "%llu", (unsigned long long)v);
	else
		sb_add(b, "0x%llx", (unsigned long long)v);
}

/* "openat(arg2 & (O_ACCMODE|O_CREAT) == O_RDONLY)", "close" */
static void put_rule(struct strbuf *b, const struct tg_syscall_rule *r,
                     const struct tg_sandbox_symbol *syms, size_t nsyms)
{
	static const char *const ops[] = {"?", "==", "!=", "<", "<=", ">", ">=", "=="};
	unsigned j;

	sb_add(b, "%s", r->name);
	if (!r->nargs)
		return;
	sb_add(b, "(");
	for (j = 0; j < r->nargs && j < 3; j++) {
		const struct tg_syscall_arg *a = &r->args[j];

		sb_add(b, "%sarg%u ", j ? ", " : "", a->arg);
		if (a->op == TG_CMP_MASKED_EQ) {
			sb_add(b, "& ");
			put_value(b, r->name, a->arg, a->mask, 1, syms, nsyms);
			sb_add(b, " ");
		}
		sb_add(b, "%s ", a->op <= TG_CMP_MASKED_EQ ? ops[a->op] : "?");
		put_value(b, r->name, a->arg, a->val, 0, syms, nsyms);
	}
	sb_add(b, ")");
}

void tg_sandbox_describe(FILE *f, const struct tg_sandbox *sb, const struct tg_sandbox_symbol *syms,
                         size_t nsyms)
{
	const char *role = sb->role ? sb->role : "?";
	struct tg_syscall_rule base[8];
	char line[512];
	struct strbuf b;
	size_t i;
	int cap, any = 0;

	if (sb->user)
		fprintf(f, "%s: user: %s (setresuid/setresgid, its own group only)\n", role,
		        sb->user);
	else
		fprintf(f, "%s: user: unchanged (the user it was started as)\n", role);
	b = (struct strbuf){line, sizeof(line), 0};
	line[0] = '\0';
	for (cap = 0; cap < 64; cap++) {
		if (!(sb->caps & (1ull << cap)))
			continue;
		if (tg_cap_name(cap))
			sb_add(&b, "%s%s", any ? " " : "", tg_cap_name(cap));
		else
			sb_add(&b, "%scap%d", any ? " " : "", cap);
		any = 1;
	}
	fprintf(f, "%s: capabilities: %s (bounding set too; inheritable and ambient empty)\n", role,
	        any ? line : "none");
	fprintf(f, "%s: chroot: %s\n", role, sb->chroot_dir ? sb->chroot_dir : "none");
	fprintf(f, "%s: no_new_privs: yes\n", role);
	fprintf(f, "%s: dumpable: no\n", role);
	fprintf(f, "%s: rlimit: RLIMIT_CORE 0\n", role);
	if (sb->rlimit_nofile)
		fprintf(f, "%s: rlimit: RLIMIT_NOFILE %llu\n", role,
		        (unsigned long long)sb->rlimit_nofile);
	if (sb->rlimit_nproc)
		fprintf(f, "%s: rlimit: RLIMIT_NPROC %llu\n", role,
		        (unsigned long long)sb->rlimit_nproc);
	if (!sb->syscalls) {
		fprintf(f, "%s: seccomp: none\n", role);
		return;
	}
	fprintf(f,
	        "%s: seccomp: " ARCH_NAME "; any other syscall traps: the role logs its name and "
	        "dies by SIGSYS; a foreign ABI (" FOREIGN_ABI ") kills it\n",
	        role);
	tg_sandbox_base_syscalls(base, sizeof(base) / sizeof(base[0]), TG_SANDBOX_OWN_PID);
	for (i = 0; base[i].name; i++) {
		b = (struct strbuf){line, sizeof(line), 0};
		put_rule(&b, &base[i], syms, nsyms);
		fprintf(f, "%s: seccomp: allow %s (always)\n", role, line);
	}
	for (i = 0; sb->syscalls[i].name; i++) {
		b = (struct strbuf){line, sizeof(line), 0};
		put_rule(&b, &sb->syscalls[i], syms, nsyms);
		fprintf(f, "%s: seccomp: allow %s\n", role, line);
	}
}
