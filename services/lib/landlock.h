/*
 * landlock.h - confine a process (and what it execs) to a list of paths.
 *
 * Landlock (Linux 5.13+, see landlock(7)) restricts which files a process
 * may open, create, remove, rename, truncate or execute, beneath the
 * directories (or exactly the files) it was granted; it stacks on the
 * usual permissions, it never grants more.  tg_landlock_restrict() builds
 * one ruleset and enforces it on the calling thread, for good: it is
 * inherited across fork and execve and cannot be lifted.
 *
 * Every filesystem right the running kernel's Landlock ABI knows is
 * handled, so anything not granted by a rule is denied:
 *   ABI 1  execute, write, read file, read dir, remove dir/file,
 *          make char/dir/reg/sock/fifo/block/sym
 *   ABI 2  + refer (link or rename into another directory)
 *   ABI 3  + truncate
 *   ABI 5  + ioctl on device files (granted on `device` paths only)
 * (ABI 4 and 6 add network and scope rights, which are not filesystem
 * rights and are not handled here.)
 *
 * Access classes of a rule (the rights for a directory apply to every
 * file and folder beneath it; a rule on a file only carries file rights):
 *   TG_LL_READ    read files, list directories
 *   TG_LL_WRITE   that, plus write and truncate files, create regular
 *                 files and directories, remove them, rename or link
 *                 between directories beneath (refer); no devices,
 *                 sockets, FIFOs or symlinks are created
 *   TG_LL_DEVICE  a device node (character or block) opened for reading
 *                 and writing, with ioctl
 *   TG_LL_EXEC    read and execute files (a program, a dynamic loader)
 *   TG_LL_SOCKET  a folder: read, bind Unix sockets in it and remove
 *                 them (a stale socket of a previous run); nothing else
 *                 is created or written
 *
 * Opening a path for a rule follows symlinks: the rule is on what the
 * path names when the rule is made.  Files opened before the ruleset is
 * enforced (stdio, passed sockets) keep working; stat(2), access(2) and
 * chdir(2) are not restricted by Landlock.
 *
 * Builds with the ASan/UBSan runtime (MODE=host, fuzz) add what the
 * runtime and the dynamic loader open (see landlock.c); the product
 * (MODE=static) never does.
 */
#ifndef TG_LANDLOCK_H
#define TG_LANDLOCK_H

#include <stddef.h>

enum tg_landlock_access {
	TG_LL_READ = 1,
	TG_LL_WRITE,
	TG_LL_DEVICE,
	TG_LL_EXEC,
	TG_LL_SOCKET,
};

struct tg_landlock_rule {
	const char *path; /* absolute */
	int access;       /* enum tg_landlock_access */
};

/*
 * The Landlock ABI version of the running kernel (1, 2, ...), or -1 with
 * why it is unavailable in err: the kernel has no Landlock (ENOSYS) or it
 * is disabled (EOPNOTSUPP: not in the kernel's lsm= list).
 */
int tg_landlock_abi(char *err, size_t errlen);

/*
 * Set PR_SET_NO_NEW_PRIVS (Landlock requires it without CAP_SYS_ADMIN),
 * then enforce a ruleset allowing exactly rules[0..n) on this thread.
 * Returns 0, or -1 with a message in err naming the rule or step that
 * failed, e.g. "read /run/timegate/time: No such file or directory" or
 * "device /tmp: not a device node".  On failure nothing is enforced
 * (no_new_privs may be set).
 */
int tg_landlock_restrict(const struct tg_landlock_rule *rules, size_t n, char *err, size_t errlen);

/* "read", "write", "device", "exec" (the service-file keywords), "?" otherwise. */
const char *tg_landlock_access_name(int access);

#endif
