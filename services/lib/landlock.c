/*
 * landlock.c - filesystem confinement with Landlock (see landlock.h).
 *
 * Raw syscalls (no liblandlock): query the ABI, create a ruleset handling
 * every filesystem right that ABI knows, add one path-beneath rule per
 * path (opened O_PATH, so no read permission is needed to name it), set
 * no_new_privs, restrict ourselves.  Nothing is allocated.
 *
 * <linux/landlock.h> is in every toolchain build.sh sets up (the 6.1
 * uapi headers, in the musl toolchains' private khdr folder too), but
 * those headers predate the ABI 3 and 5 rights: those two constants are
 * defined below when missing.  Their values are kernel ABI and never
 * change.
 */
#include "landlock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/landlock.h>

#include "log.h"

#include "sanitizer.h"

/* the same number on every architecture (the generic syscall table) */
#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset 444
#define SYS_landlock_add_rule       445
#define SYS_landlock_restrict_self  446
#endif
#ifndef LANDLOCK_CREATE_RULESET_VERSION
#define LANDLOCK_CREATE_RULESET_VERSION (1U << 0)
#endif
#ifndef LANDLOCK_ACCESS_FS_REFER
#define LANDLOCK_ACCESS_FS_REFER (1ULL << 13) /* ABI 2, Linux 5.19 */
#endif
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14) /* ABI 3, Linux 6.2 */
#endif
#ifndef LANDLOCK_ACCESS_FS_IOCTL_DEV
#define LANDLOCK_ACCESS_FS_IOCTL_DEV (1ULL << 15) /* ABI 5, Linux 6.10 */
#endif

#define FS_ABI1                                                                                    \
	(LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE |                              \
	 LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR |                              \
	 LANDLOCK_ACCESS_FS_REMOVE_DIR | LANDLOCK_ACCESS_FS_REMOVE_FILE |                          \
	 LANDLOCK_ACCESS_FS_MAKE_CHAR | LANDLOCK_ACCESS_FS_MAKE_DIR |                              \
	 LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_MAKE_SOCK |                              \
	 LANDLOCK_ACCESS_FS_MAKE_FIFO | LANDLOCK_ACCESS_FS_MAKE_BLOCK |                            \
	 LANDLOCK_ACCESS_FS_MAKE_SYM)

/* the only rights a rule on a file (not a directory) may carry */
#define FS_FILE                                                                                    \
	(LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE |                              \
	 LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_TRUNCATE |                              \
	 LANDLOCK_ACCESS_FS_IOCTL_DEV)

#define R_READ (LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR)
#define R_EXEC (R_READ | LANDLOCK_ACCESS_FS_EXECUTE)
#define R_WRITE                                                                                    \
	(R_READ | LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_TRUNCATE |                    \
	 LANDLOCK_ACCESS_FS_REMOVE_DIR | LANDLOCK_ACCESS_FS_REMOVE_FILE |                          \
	 LANDLOCK_ACCESS_FS_MAKE_DIR | LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_REFER)
#define R_SOCKET (R_READ | LANDLOCK_ACCESS_FS_MAKE_SOCK | LANDLOCK_ACCESS_FS_REMOVE_FILE)
#define R_DEVICE                                                                                   \
	(LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_WRITE_FILE |                            \
	 LANDLOCK_ACCESS_FS_IOCTL_DEV)

const char *tg_landlock_access_name(int access)
{
	switch (access) {
	case TG_LL_READ:
		return "read";
	case TG_LL_WRITE:
		return "write";
	case TG_LL_DEVICE:
		return "device";
	case TG_LL_EXEC:
		return "exec";
	case TG_LL_SOCKET:
		return "socket";
	default:
		return "?";
	}
}

int tg_landlock_abi(char *err, size_t errlen)
{
	long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);

	if (abi >= 1)
		return (int)abi;
	if (abi < 0 && errno == ENOSYS)
		tg_seterr(err, errlen,
		          "Landlock is not available: this kernel has no Landlock (Linux 5.13 or "
		          "later with CONFIG_SECURITY_LANDLOCK needed)");
	else if (abi < 0 && errno == EOPNOTSUPP)
		tg_seterr(err, errlen,
		          "Landlock is not available: disabled in this kernel (not in its lsm= "
		          "list)");
	else
		tg_seterr(err, errlen, "Landlock is not available: landlock_create_ruleset: %s",
		          abi < 0 ? strerror(errno) : "version 0");
	return -1;
}

/* Every filesystem right the kernel's ABI knows: all of them are denied unless granted. */
static uint64_t handled_rights(int abi)
{
	uint64_t h = FS_ABI1;

	if (abi >= 2)
		h |= LANDLOCK_ACCESS_FS_REFER;
	if (abi >= 3)
		h |= LANDLOCK_ACCESS_FS_TRUNCATE;
	if (abi >= 5)
		h |= LANDLOCK_ACCESS_FS_IOCTL_DEV;
	return h;
}

static uint64_t class_rights(int access)
{
	switch (access) {
	case TG_LL_READ:
		return R_READ;
	case TG_LL_WRITE:
		return R_WRITE;
	case TG_LL_DEVICE:
		return R_DEVICE;
	case TG_LL_EXEC:
		return R_EXEC;
	case TG_LL_SOCKET:
		return R_SOCKET;
	default:
		return 0;
	}
}

/*
 * Add one rule.  optional: a missing path is skipped (the runtime's
 * extras below); otherwise it is an error naming the rule.
 */
static int add_rule(int ruleset, const struct tg_landlock_rule *r, uint64_t handled, int optional,
                    char *err, size_t errlen)
{
	struct landlock_path_beneath_attr pb;
	const char *cls = tg_landlock_access_name(r->access);
	struct stat st;
	uint64_t allowed = class_rights(r->access);
	int fd;

	if (!allowed || !r->path || r->path[0] != '/') {
		tg_seterr(err, errlen, "landlock: bad rule (%s %.64s): expected an absolute path",
		          cls, r->path ? r->path : "(null)");
		return -1;
	}
	fd = open(r->path, O_PATH | O_CLOEXEC);
	if (fd < 0) {
		if (optional && errno == ENOENT)
			return 0;
		tg_seterr(err, errlen, "%s %s: %s", cls, r->path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0) {
		tg_seterr(err, errlen, "%s %s: fstat: %s", cls, r->path, strerror(errno));
		close(fd);
		return -1;
	}
	if (r->access == TG_LL_DEVICE && !S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode)) {
		tg_seterr(err, errlen,
		          "device %s: not a device node (expected a character or block device)",
		          r->path);
		close(fd);
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		allowed &= FS_FILE;
	allowed &= handled;
	memset(&pb, 0, sizeof(pb));
	pb.allowed_access = allowed;
	pb.parent_fd = fd;
	if (allowed &&
	    syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &pb, 0) < 0) {
		tg_seterr(err, errlen, "%s %s: landlock_add_rule: %s", cls, r->path,
		          strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

#if TG_SANITIZER_RUNTIME
/*
 * Host test builds with ASan/UBSan only (MODE=host or fuzz); the product
 * (MODE=static, musl, static-pie) never has these.  Those builds are
 * dynamically linked against glibc and the sanitizer runtime, so a
 * program exec'd under the ruleset needs the dynamic loader (execute:
 * without it execve fails with EACCES) and the shared libraries, libasan
 * among them (read), found through /etc/ld.so.cache; the runtime then
 * reads /proc/self/cmdline, /proc/self/environ and /proc/self/maps
 * (without maps it cannot find the stack's bounds and warns "ASan is
 * ignoring requested __asan_handle_no_return").  Found by running the
 * host-built ntsd under the host-built tg-supervise with strace -f.
 * A folder that does not exist (no separate /lib with a merged /usr) is
 * skipped.
 */
static const struct tg_landlock_rule runtime_rules[] = {
    {"/usr/lib", TG_LL_EXEC},
    {"/lib", TG_LL_EXEC},
    {"/etc/ld.so.cache", TG_LL_READ},
    {"/proc", TG_LL_READ},
};
#endif

int tg_landlock_restrict(const struct tg_landlock_rule *rules, size_t n, char *err, size_t errlen)
{
	struct landlock_ruleset_attr attr;
	uint64_t handled;
	size_t i;
	int abi, ruleset;

	if (err && errlen)
		err[0] = '\0';
	/* the kernel refuses landlock_restrict_self without it (or CAP_SYS_ADMIN) */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		tg_seterr(err, errlen, "prctl(PR_SET_NO_NEW_PRIVS, 1): %s", strerror(errno));
		return -1;
	}
	abi = tg_landlock_abi(err, errlen);
	if (abi < 0)
		return -1;
	handled = handled_rights(abi);
	memset(&attr, 0, sizeof(attr));
	attr.handled_access_fs = handled;
	ruleset = (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr), 0);
	if (ruleset < 0) {
		tg_seterr(err, errlen, "landlock_create_ruleset (ABI %d): %s", abi,
		          strerror(errno));
		return -1;
	}
	for (i = 0; i < n; i++)
		if (add_rule(ruleset, &rules[i], handled, 0, err, errlen) < 0)
			goto fail;
#if TG_SANITIZER_RUNTIME
	for (i = 0; i < sizeof(runtime_rules) / sizeof(runtime_rules[0]); i++)
		if (add_rule(ruleset, &runtime_rules[i], handled, 1, err, errlen) < 0)
			goto fail;
#endif
	if (syscall(SYS_landlock_restrict_self, ruleset, 0) < 0) {
		tg_seterr(err, errlen, "landlock_restrict_self: %s", strerror(errno));
		goto fail;
	}
	close(ruleset);
	return 0;

fail:
	close(ruleset);
	return -1;
}
