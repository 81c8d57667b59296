/*
 * sandbox.h - lock a process role down in one visible sequence.
 *
 * tg_sandbox_enter() does, in this order:
 *   1. resource limits (RLIMIT_CORE 0; RLIMIT_NOFILE and RLIMIT_NPROC if set);
 *   2. chroot(dir) and chdir("/") if sb->chroot_dir is set (needs CAP_SYS_CHROOT);
 *   3. drop the capability bounding set to sb->caps;
 *   4. if sb->user is set: setgroups to its group only, setresgid,
 *      setresuid (PR_SET_KEEPCAPS is set first when caps are kept);
 *   5. capset: permitted = effective = sb->caps, inheritable = 0, and the
 *      ambient set cleared, so an exec'd program does not inherit caps;
 *   6. PR_SET_DUMPABLE 0 (no ptrace or /proc/PID/mem from the same uid),
 *      PR_SET_NO_NEW_PRIVS 1;
 *   7. the seccomp filter built from sb->syscalls: every listed syscall
 *      is allowed (with its argument conditions); anything else is a
 *      violation.
 *
 * On a violation the filter returns SECCOMP_RET_TRAP; the SIGSYS handler
 * installed here writes one log line naming the syscall, e.g.
 *     "ntsd[ntp] error: seccomp: forbidden syscall 'openat' (257); killed"
 * and then the process kills itself with SIGSYS (the default action), so
 * its parent sees a death by SIGSYS.  The handler itself only uses
 * write(2), rt_sigaction-free signal reset, and kill(getpid(), SIGSYS),
 * which the filter allows for that one purpose (kill to our own pid with
 * SIGSYS only).  Syscalls from a foreign ABI (x32, i386 on x86_64) kill
 * the process outright.
 *
 * Policy is data: each role keeps its table next to its code, e.g.
 *   static const struct tg_syscall_rule ntp_rules[] = {
 *       TG_SC("read"), TG_SC("sendto"),
 *       TG_SC1("socket", 0, TG_CMP_EQ, AF_INET),   // only AF_INET sockets
 *       TG_SC_END
 *   };
 */
#ifndef TG_SANDBOX_H
#define TG_SANDBOX_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum tg_cmp {
	TG_CMP_EQ = 1,
	TG_CMP_NE,
	TG_CMP_LT,
	TG_CMP_LE,
	TG_CMP_GT,
	TG_CMP_GE,
	TG_CMP_MASKED_EQ, /* (arg & mask) == val */
};

struct tg_syscall_arg {
	uint8_t arg; /* 0..5 */
	uint8_t op;  /* enum tg_cmp */
	uint64_t val;
	uint64_t mask; /* TG_CMP_MASKED_EQ only */
};

struct tg_syscall_rule {
	const char *name; /* syscall name as libseccomp knows it; NULL ends a table */
	uint8_t nargs;    /* conditions, all of which must hold (AND) */
	struct tg_syscall_arg args[3];
};

#define TG_SC(n) { .name = (n) }
#define TG_SC1(n, a, op_, v) { .name = (n), .nargs = 1, .args = { { (a), (op_), (v), 0 } } }
#define TG_SC2(n, a, op_, v, b, op2, w) \
	{ .name = (n), .nargs = 2, .args = { { (a), (op_), (v), 0 }, { (b), (op2), (w), 0 } } }
#define TG_SC_MASKED1(n, a, mask_, v) \
	{ .name = (n), .nargs = 1, .args = { { (a), TG_CMP_MASKED_EQ, (v), (mask_) } } }
#define TG_SC_END { .name = NULL }

/*
 * A table built at run time (rules that name descriptors or pids):
 *     struct tg_syscall_rule rules[32];
 *     struct tg_syscall_table tb;
 *     tg_sc_table_init(&tb, rules, 32);
 *     TG_SC_ADD(&tb, TG_SC1("sendmsg", 0, TG_CMP_EQ, fd));
 *     if (tb.full) ... a rule was left out: do not load the table
 * rules[] is kept terminated by TG_SC_END after every add; a rule that
 * does not fit (cap counts the end marker) sets full and is dropped.
 */
struct tg_syscall_table {
	struct tg_syscall_rule *rules;
	size_t cap; /* entries of rules[], the end marker included */
	size_t n;   /* rules added */
	int full;   /* a rule did not fit */
};
void tg_sc_table_init(struct tg_syscall_table *tb, struct tg_syscall_rule *rules, size_t cap);
void tg_sc_add(struct tg_syscall_table *tb, struct tg_syscall_rule rule);
#define TG_SC_ADD(tb, rule) tg_sc_add((tb), (struct tg_syscall_rule)rule)

/*
 * The syscalls every role needs whatever it does: exit, exit_group,
 * write and writev (logging), rt_sigreturn, restart_syscall (resuming a
 * poll after SIGSTOP/SIGCONT), and the restricted kill used
 * by the violation handler are always added; callers do not list them.
 * tg_sandbox_base_syscalls() writes that list (the one the filter is
 * built from) into t[0..cap) with own_pid as kill's pid, ends it with
 * TG_SC_END and returns the number of rules.
 */
size_t tg_sandbox_base_syscalls(struct tg_syscall_rule *t, size_t cap, uint64_t own_pid);

struct tg_sandbox {
	const char *role;           /* for messages, e.g. "ntp" */
	const char *user;           /* switch to this user (and its group); NULL keeps ids */
	const char *chroot_dir;     /* NULL: no chroot */
	uint64_t caps;              /* bit (1ULL << CAP_X) for each capability kept */
	const struct tg_syscall_rule *syscalls; /* NULL: no seccomp filter (not for production roles) */
	uint64_t rlimit_nofile;     /* 0: unchanged */
	uint64_t rlimit_nproc;      /* 0: unchanged */
};

/* Returns 0, or -1 with a message naming the failed step in err. */
int tg_sandbox_enter(const struct tg_sandbox *sb, char *err, size_t errlen);

/*
 * Pieces of the above, usable on their own (the supervisor uses them
 * between fork and exec).
 */
int tg_sandbox_set_user(const char *user, uint64_t keep_caps, char *err, size_t errlen);
int tg_sandbox_limit_caps(uint64_t keep_caps, int ambient, char *err, size_t errlen);
/* Look up a user: uid, gid. Returns 0 or -1 if unknown. */
int tg_sandbox_lookup_user(const char *user, unsigned *uid, unsigned *gid);

/*
 * Check a table without loading it: every name known to libseccomp on
 * this architecture, argument indexes and operators valid.  Returns 0 or
 * -1 with the first bad entry named in err.  Used by unit tests and by
 * the policy checker.
 */
int tg_sandbox_check_table(const struct tg_syscall_rule *rules, char *err, size_t errlen);

/* Name of syscall nr on this architecture ("?" if unknown); async-signal-safe after setup. */
const char *tg_sandbox_syscall_name(int nr);

/*
 * Describing a sandbox without entering it (e.g. `ntsd -S`): a role's
 * tables are built at run time with descriptor numbers and pids as
 * argument values.  A describing caller builds them with placeholders,
 * TG_SANDBOX_SYMBOL(n) (in int range, never a real descriptor or pid),
 * and names each in syms, so conditions print as "arg0 == <ipc socket>"
 * and the text does not change from run to run.
 */
#define TG_SANDBOX_SYMBOL(n) (0x7e570000 + (n))
#define TG_SANDBOX_OWN_PID   TG_SANDBOX_SYMBOL(0) /* printed "<own pid>" */

struct tg_sandbox_symbol {
	uint64_t value;
	const char *name;
};

/*
 * Print what tg_sandbox_enter(sb) does, one fact per line, each line
 * starting with the role ("ntp: rlimit: RLIMIT_NOFILE 16"): user,
 * capabilities, chroot, no_new_privs and dumpable, resource limits, the
 * seccomp default actions, the always-added syscalls and then sb's table
 * in its order, with argument conditions (open flags, signals and socket
 * families by name).  The host test builds' extra syscalls for the
 * sanitizer runtime are not listed: this is the product's filter.
 */
void tg_sandbox_describe(FILE *f, const struct tg_sandbox *sb, const struct tg_sandbox_symbol *syms,
                         size_t nsyms);

#endif
