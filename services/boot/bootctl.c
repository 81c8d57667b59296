/*
 * bootctl.c - tg-bootctl: read and change the A/B boot state.
 *
 *   tg-bootctl status            booted slot, order, tries left, env copy used
 *   tg-bootctl mark-good         the booted slot came up: restore its tries
 *   tg-bootctl mark-bad          the booted slot is broken: no tries left
 *   tg-bootctl activate A|B      boot that slot first from the next boot on
 *   tg-bootctl device NAME       print the block device of partition NAME
 *
 * The update agent (services/updated) changes the same state through
 * lib/bootenv itself; this tool is for maintenance and tests.
 * Options for tests: -e DEV0,DEV1 (environment copies), -k FILE (kernel
 * command line), -s DIR (sysfs class/block folder).
 *
 * After opening its two devices it enters a seccomp filter that allows
 * only reading and writing them.
 */
#include "bootenv.h"
#include "blkdev.h"
#include "log.h"
#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const struct tg_syscall_rule bootctl_rules[] = {
	/* the two environment copies, already open */
	TG_SC("pread64"), TG_SC("pwrite64"), TG_SC("fsync"), TG_SC("close"),
	/* messages on stdout/stderr */
	TG_SC("writev"), TG_SC("fstat"), TG_SC("newfstatat"), TG_SC("ioctl"),
	TG_SC("exit_group"),
	TG_SC_END
};

static void usage(void) __attribute__((noreturn));
static void usage(void)
{
	fprintf(stderr, "usage: tg-bootctl [-e DEV0,DEV1] [-k CMDLINE] [-s SYSFS] "
			"status|mark-good|mark-bad|activate A|B|device NAME\n");
	exit(TG_EXIT_USAGE);
}

/* The slot this system booted, from tg.slot= on the kernel command line. */
static char booted_slot(const char *cmdline_path)
{
	char buf[4096], *p;
	ssize_t n;
	int fd = open(cmdline_path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		tg_fatal("open %s", cmdline_path);
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n < 0)
		tg_fatal("read %s", cmdline_path);
	buf[n] = '\0';
	for (p = strstr(buf, "tg.slot="); p; p = strstr(p + 1, "tg.slot="))
		if ((p == buf || p[-1] == ' ') && (p[8] == 'A' || p[8] == 'B') &&
		    (p[9] == ' ' || p[9] == '\n' || p[9] == '\0'))
			return p[8];
	return 0;
}

static int open_dev(const char *sysfs, const char *name, const char *override, int flags)
{
	char path[128];
	int fd;

	if (override) {
		snprintf(path, sizeof path, "%s", override);
	} else if (tg_blkdev_find(sysfs, name, path, sizeof path) != 0) {
		tg_fatalx(TG_EXIT_SYS, "no partition named '%s' (or more than one)", name);
	}
	fd = open(path, flags | O_CLOEXEC);
	if (fd < 0)
		tg_fatal("open %s (partition %s)", path, name);
	return fd;
}

int main(int argc, char **argv)
{
	const char *sysfs = "/sys/class/block", *cmdline = "/proc/cmdline";
	char *env0 = NULL, *env1 = NULL, err[256], order[4];
	struct tg_bootenv env;
	int c, fd0, fd1, used, writing;
	const char *cmd;
	char slot;

	tg_log_init("tg-bootctl", "main");
	while ((c = getopt(argc, argv, "e:k:s:")) != -1) {
		switch (c) {
		case 'e':
			env0 = optarg;
			env1 = strchr(optarg, ',');
			if (!env1)
				usage();
			*env1++ = '\0';
			break;
		case 'k':
			cmdline = optarg;
			break;
		case 's':
			sysfs = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind >= argc)
		usage();
	cmd = argv[optind];

	if (strcmp(cmd, "device") == 0) {
		char path[128];
		if (argc - optind != 2)
			usage();
		if (tg_blkdev_find(sysfs, argv[optind + 1], path, sizeof path) != 0)
			tg_fatalx(TG_EXIT_SYS, "no partition named '%s' (or more than one)",
				  argv[optind + 1]);
		printf("%s\n", path);
		return 0;
	}
	if (strcmp(cmd, "activate") == 0) {
		if (argc - optind != 2 || tg_bootenv_slot_index(argv[optind + 1][0]) < 0 ||
		    argv[optind + 1][1])
			usage();
	} else if (argc - optind != 1 ||
		   (strcmp(cmd, "status") && strcmp(cmd, "mark-good") && strcmp(cmd, "mark-bad"))) {
		usage();
	}

	slot = booted_slot(cmdline);
	writing = strcmp(cmd, "status") != 0;
	fd0 = open_dev(sysfs, "bootenv0", env0, writing ? O_RDWR : O_RDONLY);
	fd1 = open_dev(sysfs, "bootenv1", env1, writing ? O_RDWR : O_RDONLY);
	{
		struct tg_sandbox sb = { .role = "main", .syscalls = bootctl_rules };
		if (tg_sandbox_enter(&sb, err, sizeof err) != 0)
			tg_fatalx(TG_EXIT_SYS, "sandbox: %s", err);
	}

	if (tg_bootenv_read(fd0, fd1, &env, &used, err, sizeof err) != 0 || used != 0)
		tg_warn("boot environment: %s", err);

	if (strcmp(cmd, "status") == 0) {
		printf("booted: %c\norder: %s\nA: %d tries left\nB: %d tries left\nseq: %llu\n"
		       "environment: %s\n",
		       slot ? slot : '?', tg_bootenv_order_str(&env, order), env.left[0],
		       env.left[1], (unsigned long long)env.seq,
		       used == 0 ? "copy 0" : used == 1 ? "copy 1" : "defaults (no valid copy)");
		return 0;
	}
	if (strcmp(cmd, "activate") == 0) {
		char s = argv[optind + 1][0];
		env.order[0] = s;
		env.order[1] = s == 'A' ? 'B' : 'A';
		env.norder = 2;
		env.left[tg_bootenv_slot_index(s)] = TG_BOOTENV_TRIES;
	} else {
		if (!slot)
			tg_fatalx(TG_EXIT_SYS, "no tg.slot=A|B on the kernel command line (%s)",
				  cmdline);
		env.left[tg_bootenv_slot_index(slot)] =
			strcmp(cmd, "mark-good") == 0 ? TG_BOOTENV_TRIES : 0;
	}
	if (tg_bootenv_write(fd0, fd1, &env, err, sizeof err) != 0)
		tg_fatalx(TG_EXIT_SYS, "boot environment: %s", err);
	if (strcmp(cmd, "activate") == 0)
		tg_info("slot %s will boot first (order %s, %d tries)", argv[optind + 1],
			tg_bootenv_order_str(&env, order), TG_BOOTENV_TRIES);
	else
		tg_info("slot %c marked %s (A: %d, B: %d tries left)", slot,
			strcmp(cmd, "mark-good") == 0 ? "good" : "bad", env.left[0], env.left[1]);
	close(fd0);
	close(fd1);
	return 0;
}
