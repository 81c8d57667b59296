/*
 * tg-sysinject - make a running process issue a system call it did not
 * ask for, with ptrace, to test its sandbox from outside.
 *
 *   tg-sysinject PID swap NAME
 *       At the target's next syscall entry, replace the syscall number
 *       by NAME's (e.g. socket, openat, mount; or a number) and let it
 *       run.  The kernel runs seccomp after the syscall-entry stop, on
 *       the changed number, so a filtered syscall traps exactly as if the
 *       program had made it.  Prints what became of it ("trapped SIGSYS
 *       (seccomp: socket)", "returned 3", "error EPERM (...)", "killed by
 *       signal 31"), then detaches and lets the target take it: a
 *       pending SIGSYS is delivered to the target's own handler.
 *
 *   tg-sysinject PID open PATH [rdonly|rdwr|creat]
 *       Make the target call openat(AT_FDCWD, PATH, flags) in its own
 *       context (its credentials, Landlock domain, seccomp filter,
 *       mount namespace, root and working directory), print the result,
 *       close the descriptor again if one was opened, and put the target
 *       back where it was: its interrupted syscall is issued again, so
 *       it carries on unharmed.  flags: rdonly O_RDONLY (default), rdwr
 *       O_RDWR, creat O_WRONLY|O_CREAT|O_EXCL mode 0600.  Prints "fd N",
 *       "error EACCES (Permission denied)", or "trapped SIGSYS (seccomp:
 *       openat)" when the filter traps the call; that SIGSYS is withheld
 *       from the target (its handler would log and kill it), so an
 *       `open` never ends the target.
 *
 * Exit status: 0 if the injection happened (whatever its result), 2 on
 * usage or ptrace errors (the message says which; "not permitted" when
 * the kernel refuses to let us trace the target).
 *
 * How (x86_64 and aarch64):
 *   - PTRACE_SEIZE with PTRACE_O_TRACESYSGOOD, PTRACE_INTERRUPT, then
 *     PTRACE_SYSCALL to the next syscall-entry stop (entry and exit told
 *     apart with PTRACE_GET_SYSCALL_INFO, or by alternation on kernels
 *     without it).  Signals arriving meanwhile are passed on.
 *   - A target blocked in poll, nanosleep, ... is pulled out of it by the
 *     interrupt; the kernel then restarts that call, often through
 *     restart_syscall, and that entry is the one we use.
 *   - open: at the entry stop the registers are saved and every signal
 *     but the synchronous ones (SEGV, BUS, ILL, FPE, TRAP, SYS) blocked
 *     with PTRACE_SETSIGMASK, so no handler runs in between (a forced
 *     signal that finds itself blocked would lose its handler: those stay
 *     unblocked).  PATH is written with PTRACE_POKEDATA below the stack
 *     pointer, beyond the x86_64 red zone (the words there are saved and
 *     put back).  The entry becomes openat; at its exit stop the result
 *     is read; a descriptor is closed by pointing the program counter
 *     back at the syscall instruction with close's number (one more
 *     entry/exit round).  Then the saved registers come back with the
 *     program counter on the syscall instruction and the original number
 *     in place, so the original call is issued again when we detach.
 *     If that original call was restart_syscall, it is not issued again
 *     (a seccomp filter may well not allow it, and the restart data are
 *     the kernel's): the interrupted call returns EINTR instead, as if a
 *     signal handler had run, which any event loop copes with.
 *   - Whether seccomp trapped a call is read from the target's pending
 *     signals (PTRACE_PEEKSIGINFO: a SIGSYS with si_code SYS_SECCOMP).
 *
 * Needs CAP_SYS_PTRACE for the sandboxed services (they are not
 * dumpable).  Linux >= 5.3 for PTRACE_GET_SYSCALL_INFO (older kernels
 * fall back to alternation); >= 4.8 for seccomp to see the changed
 * syscall.  A test tool, host build only (services/Makefile, MODE=host).
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef PTRACE_GET_SYSCALL_INFO
#define PTRACE_GET_SYSCALL_INFO 0x420e
#endif
#define SYSCALL_INFO_ENTRY 1
#define SYSCALL_INFO_EXIT  2
#ifndef SYS_SECCOMP
#define SYS_SECCOMP 1
#endif

#define EXIT_ERR     2
#define TIMEOUT_S    20
#define TIMEOUT_STR  "20"
#define SYNC_SIGNALS ((1ULL << (SIGSEGV - 1)) | (1ULL << (SIGBUS - 1)) | (1ULL << (SIGILL - 1)) | \
                      (1ULL << (SIGFPE - 1)) | (1ULL << (SIGTRAP - 1)) | (1ULL << (SIGSYS - 1)))

/* ------------------------------------------------------------ architecture */

#if defined(__x86_64__)
#define INSN_LEN  2   /* syscall */
#define RED_ZONE  128 /* bytes below rsp the program may use */
struct regs {
	struct user_regs_struct r;
};

static int regs_get(pid_t pid, struct regs *r)
{
	return ptrace(PTRACE_GETREGS, pid, NULL, &r->r) < 0 ? -1 : 0;
}

static int regs_set(pid_t pid, const struct regs *r)
{
	return ptrace(PTRACE_SETREGS, pid, NULL, &r->r) < 0 ? -1 : 0;
}

static long regs_nr(const struct regs *r) { return (long)r->r.orig_rax; }
static void regs_set_nr(struct regs *r, long nr) { r->r.orig_rax = (uint64_t)nr; }
static long regs_ret(const struct regs *r) { return (long)r->r.rax; }
static uint64_t regs_sp(const struct regs *r) { return r->r.rsp; }
static uint64_t regs_pc(const struct regs *r) { return r->r.rip; }

/* At a syscall-entry stop: make this entry nr(a0..a3). */
static void regs_call_here(struct regs *r, long nr, const uint64_t a[4])
{
	r->r.orig_rax = (uint64_t)nr;
	r->r.rdi = a[0];
	r->r.rsi = a[1];
	r->r.rdx = a[2];
	r->r.r10 = a[3];
}

/* At a syscall-exit stop: on return, execute the syscall instruction at pc as nr(a0..a3). */
static void regs_call_again(struct regs *r, uint64_t pc, long nr, const uint64_t a[4])
{
	r->r.rip = pc;
	r->r.rax = (uint64_t)nr;
	r->r.orig_rax = (uint64_t)-1; /* no restart logic applies to this return */
	r->r.rdi = a[0];
	r->r.rsi = a[1];
	r->r.rdx = a[2];
	r->r.r10 = a[3];
}

/* From the registers saved at an entry stop: issue that same call again. */
static void regs_rewind(struct regs *r)
{
	r->r.rip -= INSN_LEN;
	r->r.rax = r->r.orig_rax;
}

/* From the registers saved at an entry stop: that call returns ret. */
static void regs_return(struct regs *r, long ret)
{
	r->r.rax = (uint64_t)ret;
}

#elif defined(__aarch64__)
#define INSN_LEN 4 /* svc #0 */
#define RED_ZONE 0 /* AAPCS64 has none; the margin below covers a signal frame's worth */
struct regs {
	struct user_regs_struct r; /* x0..x30, sp, pc, pstate */
	int nr; /* NT_ARM_SYSTEM_CALL: the syscall number the kernel will run */
};

static int regs_get(pid_t pid, struct regs *r)
{
	struct iovec v = {&r->r, sizeof(r->r)};
	struct iovec n = {&r->nr, sizeof(r->nr)};

	if (ptrace(PTRACE_GETREGSET, pid, (void *)NT_PRSTATUS, &v) < 0)
		return -1;
	return ptrace(PTRACE_GETREGSET, pid, (void *)NT_ARM_SYSTEM_CALL, &n) < 0 ? -1 : 0;
}

static int regs_set(pid_t pid, const struct regs *r)
{
	struct iovec v = {(void *)(uintptr_t)&r->r, sizeof(r->r)};
	struct iovec n = {(void *)(uintptr_t)&r->nr, sizeof(r->nr)};

	if (ptrace(PTRACE_SETREGSET, pid, (void *)NT_PRSTATUS, &v) < 0)
		return -1;
	return ptrace(PTRACE_SETREGSET, pid, (void *)NT_ARM_SYSTEM_CALL, &n) < 0 ? -1 : 0;
}

static long regs_nr(const struct regs *r) { return r->nr; }
static void regs_set_nr(struct regs *r, long nr) { r->nr = (int)nr; }
static long regs_ret(const struct regs *r) { return (long)r->r.regs[0]; }
static uint64_t regs_sp(const struct regs *r) { return r->r.sp; }
static uint64_t regs_pc(const struct regs *r) { return r->r.pc; }

static void regs_call_here(struct regs *r, long nr, const uint64_t a[4])
{
	int i;

	r->nr = (int)nr;
	for (i = 0; i < 4; i++)
		r->r.regs[i] = a[i];
}

static void regs_call_again(struct regs *r, uint64_t pc, long nr, const uint64_t a[4])
{
	int i;

	r->r.pc = pc;
	r->r.regs[8] = (uint64_t)nr;
	r->nr = -1; /* no restart logic applies to this return */
	for (i = 0; i < 4; i++)
		r->r.regs[i] = a[i];
}

/* x0 saved at the entry stop is still the first argument; x8 the number */
static void regs_rewind(struct regs *r)
{
	r->r.pc -= INSN_LEN;
	r->nr = -1;
}

static void regs_return(struct regs *r, long ret)
{
	r->r.regs[0] = (uint64_t)ret;
	r->nr = -1;
}

#else
#error "tg-sysinject: x86_64 and aarch64 only"
#endif

/* ------------------------------------------------------------------ helpers */

static pid_t target;

static void __attribute__((format(printf, 1, 2))) info(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "tg-sysinject: pid %d: ", (int)target);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void __attribute__((noreturn, format(printf, 1, 2))) fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "tg-sysinject: error: pid %d: ", (int)target);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(EXIT_ERR);
}

static void on_alarm(int sig)
{
	static const char msg[] = "tg-sysinject: error: timed out (no syscall stop of the target "
	                          "within " TIMEOUT_STR " s); detaching\n";
	ssize_t w;

	(void)sig;
	w = write(2, msg, sizeof(msg) - 1);
	(void)w;
	_exit(EXIT_ERR); /* exiting detaches: the kernel resumes the target */
}

static const char *errno_name(int e)
{
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 32))
	const char *n = strerrorname_np(e);

	if (n)
		return n;
#endif
	static char buf[32];

	snprintf(buf, sizeof(buf), "errno%d", e);
	return buf;
}

/* The syscall's name on this architecture (static buffer). */
static const char *sc_name(long nr)
{
	static char buf[64];
	char *n;

	if (nr < 0) {
		snprintf(buf, sizeof(buf), "none (%ld)", nr);
		return buf;
	}
	n = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, (int)nr);
	snprintf(buf, sizeof(buf), "%s (%ld)", n ? n : "?", nr);
	free(n);
	return buf;
}

static long sc_number(const char *name)
{
	char *end;
	long v;
	int nr;

	errno = 0;
	v = strtol(name, &end, 10);
	if (!errno && end != name && !*end && v >= 0 && v < 4096)
		return v;
	nr = seccomp_syscall_resolve_name(name);
	return nr < 0 ? -1 : nr; /* negative: unknown, or not a syscall of this architecture */
}

/* A result as printed: "fd N" / "returned N", or "error ENAME (text)". */
static void print_result(const char *ok_word, long ret)
{
	if (ret < 0 && ret >= -4095)
		printf("error %s (%s)\n", errno_name((int)-ret), strerror((int)-ret));
	else
		printf("%s %ld\n", ok_word, ret);
}

/* --------------------------------------------------------------- tracing */

enum ev { EV_ENTRY, EV_EXIT, EV_SIGNAL, EV_GONE };

struct tracer {
	pid_t pid;
	int have_info; /* PTRACE_GET_SYSCALL_INFO works; else alternate */
	int in_syscall;
	int sig;    /* EV_SIGNAL: the signal of the signal-delivery stop */
	int status; /* EV_GONE: the wait status */
};

static const char *ptrace_err(int e)
{
	if (e == EPERM)
		return "not permitted (tracing a sandboxed service, which is not dumpable, needs "
		       "CAP_SYS_PTRACE; or it is traced already, or Yama's ptrace_scope forbids it)";
	if (e == ESRCH)
		return "no such process (or it is gone)";
	return strerror(e);
}

/* Classify a syscall stop as entry or exit. */
static enum ev syscall_stop_kind(struct tracer *t)
{
	unsigned char buf[128];
	long n;

	if (t->have_info) {
		memset(buf, 0, sizeof(buf));
		n = ptrace(PTRACE_GET_SYSCALL_INFO, t->pid, (void *)sizeof(buf), buf);
		if (n > 0 && (buf[0] == SYSCALL_INFO_ENTRY || buf[0] == SYSCALL_INFO_EXIT)) {
			t->in_syscall = buf[0] == SYSCALL_INFO_ENTRY;
			return t->in_syscall ? EV_ENTRY : EV_EXIT;
		}
		t->have_info = 0; /* an old kernel: count from here */
	}
	t->in_syscall = !t->in_syscall;
	return t->in_syscall ? EV_ENTRY : EV_EXIT;
}

/* Wait for the next stop we care about; group-stops and other events are resumed. */
static enum ev wait_stop(struct tracer *t)
{
	int st;

	for (;;) {
		if (waitpid(t->pid, &st, __WALL) < 0) {
			if (errno == EINTR)
				continue;
			fail("waitpid: %s", strerror(errno));
		}
		if (WIFEXITED(st) || WIFSIGNALED(st)) {
			t->status = st;
			return EV_GONE;
		}
		if (!WIFSTOPPED(st))
			continue;
		if (WSTOPSIG(st) == (SIGTRAP | 0x80))
			return syscall_stop_kind(t);
		if ((st >> 16) != 0) {
			/* PTRACE_EVENT_STOP (our interrupt, or a group-stop) or another event */
			if (ptrace(PTRACE_SYSCALL, t->pid, NULL, NULL) < 0)
				fail("ptrace(PTRACE_SYSCALL): %s", ptrace_err(errno));
			continue;
		}
		t->sig = WSTOPSIG(st);
		return EV_SIGNAL;
	}
}

/* Resume (delivering sig, 0 for none) up to the next stop we care about. */
static enum ev step(struct tracer *t, int sig)
{
	if (ptrace(PTRACE_SYSCALL, t->pid, NULL, (void *)(long)sig) < 0)
		fail("ptrace(PTRACE_SYSCALL): %s", ptrace_err(errno));
	return wait_stop(t);
}

static void report_gone(const struct tracer *t)
{
	if (WIFSIGNALED(t->status))
		printf("killed by signal %d (%s)\n", WTERMSIG(t->status),
		       strsignal(WTERMSIG(t->status)));
	else
		printf("exited with status %d\n", WEXITSTATUS(t->status));
}

/* Seize, interrupt, and run to the first syscall-entry stop (signals passed on). */
static void attach_to_entry(struct tracer *t)
{
	enum ev e;
	int sig = 0;

	if (ptrace(PTRACE_SEIZE, t->pid, NULL, (void *)(long)PTRACE_O_TRACESYSGOOD) < 0)
		fail("ptrace(PTRACE_SEIZE): %s", ptrace_err(errno));
	if (ptrace(PTRACE_INTERRUPT, t->pid, NULL, NULL) < 0)
		fail("ptrace(PTRACE_INTERRUPT): %s", ptrace_err(errno));
	t->have_info = 1;
	t->in_syscall = 0; /* the interrupt stop is never inside a syscall stop */
	/* the first stop: the interrupt (resumed inside wait_stop), or a signal */
	e = wait_stop(t);
	for (;;) {
		switch (e) {
		case EV_ENTRY:
			return;
		case EV_EXIT: /* not expected first; go on to the next entry */
			break;
		case EV_SIGNAL:
			sig = t->sig;
			break;
		case EV_GONE:
			report_gone(t);
			fail("the target ended before making a syscall");
		}
		e = step(t, sig);
		sig = 0;
	}
}

/*
 * A pending SIGSYS from seccomp in the target's own queue?  Returns the
 * trapped syscall's number, or -1.
 */
static long pending_seccomp_trap(pid_t pid)
{
	struct {
		uint64_t off;
		uint32_t flags;
		int32_t nr;
	} args = {0, 0, 8};
	siginfo_t si[8];
	long n, i;

	n = ptrace(PTRACE_PEEKSIGINFO, pid, &args, si);
	for (i = 0; i < n; i++)
		if (si[i].si_signo == SIGSYS && si[i].si_code == SYS_SECCOMP)
			return si[i].si_syscall;
	return -1;
}

/* ------------------------------------------------------------------ swap */

static int cmd_swap(struct tracer *t, const char *name)
{
	long nr = sc_number(name), trapped;
	struct regs r;
	enum ev e;
	int sig = 0;

	if (nr < 0) {
		fprintf(stderr, "tg-sysinject: error: unknown syscall '%s' on this architecture\n",
		        name);
		return EXIT_ERR;
	}
	attach_to_entry(t);
	if (regs_get(t->pid, &r) < 0)
		fail("reading registers: %s", ptrace_err(errno));
	info("at the entry of %s, pc 0x%llx", sc_name(regs_nr(&r)),
	     (unsigned long long)regs_pc(&r));
	regs_set_nr(&r, nr);
	if (regs_set(t->pid, &r) < 0)
		fail("writing registers: %s", ptrace_err(errno));
	info("syscall number changed to %s; its arguments are the original call's",
	     sc_name(nr));

	for (;;) {
		e = step(t, sig);
		sig = 0;
		switch (e) {
		case EV_EXIT:
			trapped = pending_seccomp_trap(t->pid);
			if (trapped >= 0) {
				printf("trapped SIGSYS (seccomp: %s)\n", sc_name(trapped));
				info("detaching; the SIGSYS goes to the target");
			} else {
				if (regs_get(t->pid, &r) < 0)
					fail("reading registers: %s", ptrace_err(errno));
				print_result("returned", regs_ret(&r));
				info("not trapped: the result goes to the program as its original "
				     "call's");
			}
			if (ptrace(PTRACE_DETACH, t->pid, NULL, NULL) < 0)
				fail("ptrace(PTRACE_DETACH): %s", ptrace_err(errno));
			return 0;
		case EV_SIGNAL:
			if (t->sig == SIGSYS) { /* a kernel without the exit stop on a trap */
				printf("trapped SIGSYS (seccomp: %s)\n", sc_name(nr));
				if (ptrace(PTRACE_DETACH, t->pid, NULL, (void *)(long)SIGSYS) < 0)
					fail("ptrace(PTRACE_DETACH): %s", ptrace_err(errno));
				return 0;
			}
			sig = t->sig;
			break;
		case EV_GONE:
			report_gone(t);
			return 0;
		case EV_ENTRY:
			/* no exit stop for our call: leave it be */
			printf("no result seen\n");
			ptrace(PTRACE_DETACH, t->pid, NULL, NULL);
			return 0;
		}
	}
}

/* ------------------------------------------------------------------ open */

struct saved_mem {
	uint64_t addr;
	size_t nwords;
	long words[64];
};

static int poke_string(pid_t pid, uint64_t addr, const char *s, struct saved_mem *m)
{
	size_t len = strlen(s) + 1, i;

	m->addr = addr;
	m->nwords = 0;
	for (i = 0; i < (len + 7) / 8; i++) {
		long w = 0;
		size_t k = len - i * 8 < 8 ? len - i * 8 : 8;

		errno = 0;
		m->words[i] = ptrace(PTRACE_PEEKDATA, pid, (void *)(uintptr_t)(addr + i * 8), NULL);
		if (errno)
			return -1;
		m->nwords = i + 1;
		memcpy(&w, s + i * 8, k);
		if (ptrace(PTRACE_POKEDATA, pid, (void *)(uintptr_t)(addr + i * 8), (void *)w) < 0)
			return -1;
	}
	return 0;
}

static void restore_mem(pid_t pid, const struct saved_mem *m)
{
	size_t i;

	for (i = 0; i < m->nwords; i++)
		if (ptrace(PTRACE_POKEDATA, pid, (void *)(uintptr_t)(m->addr + i * 8),
		           (void *)m->words[i]) < 0)
			info("warning: restoring the stack word at 0x%llx: %s",
			     (unsigned long long)(m->addr + i * 8), strerror(errno));
}

/*
 * Run the call set up in the registers to its exit stop.  Returns the
 * result; *trapped is set if seccomp trapped it (then the SIGSYS is
 * still pending, or *sigsys_eaten says it was taken off already).
 */
static long run_to_exit(struct tracer *t, int *trapped, int *sigsys_eaten)
{
	struct regs r;
	enum ev e;
	int sig = 0;

	*trapped = 0;
	for (;;) {
		e = step(t, sig);
		sig = 0;
		switch (e) {
		case EV_EXIT:
			if (pending_seccomp_trap(t->pid) >= 0)
				*trapped = 1;
			if (regs_get(t->pid, &r) < 0)
				fail("reading registers: %s", ptrace_err(errno));
			return regs_ret(&r);
		case EV_SIGNAL:
			/* every other signal is blocked; a forced SIGSYS is withheld */
			if (t->sig == SIGSYS) {
				*trapped = 1;
				*sigsys_eaten = 1;
				continue;
			}
			/* only what cannot be blocked gets here (SIGSTOP): pass it on */
			sig = t->sig;
			continue;
		case EV_GONE:
			report_gone(t);
			fail("the target ended during the injection");
		case EV_ENTRY:
			fail("an unexpected syscall entry during the injection");
		}
	}
}

static int cmd_open(struct tracer *t, const char *path, const char *mode)
{
	struct regs saved, r;
	struct saved_mem mem;
	uint64_t oldmask = 0, blockmask, addr, a[4];
	long orig_nr, ret, cret = 0;
	int flags, have_mask, trapped = 0, ctrapped = 0, eaten = 0;
	size_t len = strlen(path) + 1;

	if (!strcmp(mode, "rdonly"))
		flags = O_RDONLY;
	else if (!strcmp(mode, "rdwr"))
		flags = O_RDWR;
	else if (!strcmp(mode, "creat"))
		flags = O_WRONLY | O_CREAT | O_EXCL;
	else {
		fprintf(stderr, "tg-sysinject: error: open mode '%s': expected rdonly, rdwr or "
		                "creat\n", mode);
		return EXIT_ERR;
	}
	if (len > sizeof(mem.words)) {
		fprintf(stderr, "tg-sysinject: error: path longer than %zu bytes\n",
		        sizeof(mem.words) - 1);
		return EXIT_ERR;
	}

	attach_to_entry(t);
	if (regs_get(t->pid, &saved) < 0)
		fail("reading registers: %s", ptrace_err(errno));
	orig_nr = regs_nr(&saved);
	info("at the entry of %s, pc 0x%llx", sc_name(orig_nr),
	     (unsigned long long)regs_pc(&saved));

	/* no handler may run while the registers are ours */
	have_mask = ptrace(PTRACE_GETSIGMASK, t->pid, (void *)sizeof(oldmask), &oldmask) == 0;
	blockmask = ~0ULL & ~SYNC_SIGNALS;
	if (have_mask &&
	    ptrace(PTRACE_SETSIGMASK, t->pid, (void *)sizeof(blockmask), &blockmask) < 0)
		fail("ptrace(PTRACE_SETSIGMASK): %s", ptrace_err(errno));

	/* the path below the stack pointer, beyond the red zone, with a margin */
	addr = (regs_sp(&saved) - RED_ZONE - 512 - len) & ~(uint64_t)15;
	if (poke_string(t->pid, addr, path, &mem) < 0) {
		int e = errno;

		restore_mem(t->pid, &mem);
		if (have_mask)
			ptrace(PTRACE_SETSIGMASK, t->pid, (void *)sizeof(oldmask), &oldmask);
		ptrace(PTRACE_DETACH, t->pid, NULL, NULL);
		fail("writing the path into the target's stack at 0x%llx: %s",
		     (unsigned long long)addr, ptrace_err(e));
	}

	/* this entry becomes openat(AT_FDCWD, path, flags, 0600) */
	r = saved;
	a[0] = (uint64_t)(int64_t)AT_FDCWD;
	a[1] = addr;
	a[2] = (uint64_t)flags;
	a[3] = 0600;
	regs_call_here(&r, SYS_openat, a);
	if (regs_set(t->pid, &r) < 0)
		fail("writing registers: %s", ptrace_err(errno));
	ret = run_to_exit(t, &trapped, &eaten);

	if (!trapped && ret >= 0) {
		/* close(fd): back to the syscall instruction, one more round */
		struct regs c;

		if (regs_get(t->pid, &c) < 0)
			fail("reading registers: %s", ptrace_err(errno));
		a[0] = (uint64_t)ret;
		a[1] = a[2] = a[3] = 0;
		regs_call_again(&c, regs_pc(&saved) - INSN_LEN, SYS_close, a);
		if (regs_set(t->pid, &c) < 0)
			fail("writing registers: %s", ptrace_err(errno));
		if (step(t, 0) != EV_ENTRY)
			fail("no entry stop for the injected close");
		if (regs_get(t->pid, &c) < 0)
			fail("reading registers: %s", ptrace_err(errno));
		if (regs_nr(&c) != SYS_close)
			fail("expected the entry of close, got %s", sc_name(regs_nr(&c)));
		cret = run_to_exit(t, &ctrapped, &eaten);
	}

	/* put everything back; the original call runs again (or returns EINTR) */
	restore_mem(t->pid, &mem);
	r = saved;
	if (orig_nr == SYS_restart_syscall) {
		regs_return(&r, -EINTR);
		info("the interrupted call it was restarting returns EINTR");
	} else {
		regs_rewind(&r);
	}
	if (regs_set(t->pid, &r) < 0)
		fail("restoring registers: %s", ptrace_err(errno));
	if (have_mask && ptrace(PTRACE_SETSIGMASK, t->pid, (void *)sizeof(oldmask), &oldmask) < 0)
		fail("restoring the signal mask: %s", ptrace_err(errno));

	if ((trapped || ctrapped) && !eaten) {
		/* take the pending SIGSYS off: resume to its delivery stop, detach without it */
		enum ev e = step(t, 0);

		while (e == EV_SIGNAL && t->sig != SIGSYS) {
			/* synchronous signals come first; anything else is passed on */
			e = step(t, t->sig);
		}
		if (e == EV_GONE) {
			report_gone(t);
			fail("the target ended while its SIGSYS was being withheld");
		}
		if (e != EV_SIGNAL)
			info("warning: no SIGSYS delivery stop seen");
	}
	if (ptrace(PTRACE_DETACH, t->pid, NULL, NULL) < 0)
		fail("ptrace(PTRACE_DETACH): %s", ptrace_err(errno));

	if (trapped)
		printf("trapped SIGSYS (seccomp: %s)\n", sc_name(SYS_openat));
	else
		print_result("fd", ret);
	if (trapped)
		info("openat was trapped by seccomp; the SIGSYS was withheld from the target");
	else if (ret >= 0)
		info("closed fd %ld again: %s", ret,
		     ctrapped ? "close was trapped by seccomp (fd left open)"
		              : cret == 0 ? "ok" : strerror((int)-cret));
	info("registers restored; detached");
	return 0;
}

/* ------------------------------------------------------------------ main */

static void usage(FILE *f)
{
	fprintf(f, "usage: tg-sysinject PID swap NAME\n"
	           "       tg-sysinject PID open PATH [rdonly|rdwr|creat]\n"
	           "  swap  at the next syscall entry, run syscall NAME (or a number) instead\n"
	           "  open  make PID call openat(AT_FDCWD, PATH, flags), print \"fd N\",\n"
	           "        \"error ENAME (text)\" or \"trapped SIGSYS (seccomp: ...)\", close\n"
	           "        the fd, and let PID carry on unharmed\n"
	           "Exit status: 0 injected, 2 usage or ptrace error.\n");
}

int main(int argc, char **argv)
{
	struct tracer t;
	char *end;
	long pid;

	if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		usage(stdout);
		return 0;
	}
	if (argc < 4) {
		usage(stderr);
		return EXIT_ERR;
	}
	errno = 0;
	pid = strtol(argv[1], &end, 10);
	if (errno || end == argv[1] || *end || pid <= 0 || pid > 0x3fffffff) {
		fprintf(stderr, "tg-sysinject: error: '%s' is not a pid\n", argv[1]);
		return EXIT_ERR;
	}
	if (pid == getpid()) {
		fprintf(stderr, "tg-sysinject: error: cannot trace myself\n");
		return EXIT_ERR;
	}
	target = (pid_t)pid;
	memset(&t, 0, sizeof(t));
	t.pid = target;
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGALRM, on_alarm);
	alarm(TIMEOUT_S);

	if (!strcmp(argv[2], "swap") && argc == 4)
		return cmd_swap(&t, argv[3]);
	if (!strcmp(argv[2], "open") && (argc == 4 || argc == 5))
		return cmd_open(&t, argv[3], argc == 5 ? argv[4] : "rdonly");
	usage(stderr);
	return EXIT_ERR;
}
