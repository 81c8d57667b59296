/*
 * test_landlock.c - lib/landlock.c, enforced for real in forked children:
 *   - the running kernel has Landlock (tg-supervise refuses to start
 *     services without it: so does this test);
 *   - read DIR: files in DIR read, DIR listed; nothing written, created or
 *     truncated there; /etc/passwd, /, another device refused (EACCES);
 *   - write DIR: files created, written, truncated, renamed into a
 *     sub-folder, removed, folders made and removed; no FIFO or symlink;
 *   - device /dev/null: opened read-write; a rule on one file grants that
 *     file only; execve of a program not granted fails;
 *   - errors name the rule: a missing path, a device line on a folder.
 * Each child reports one character per check through a pipe and ends with
 * exit_group (nothing of the sanitizers' exit path runs confined).
 */
#include "check.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <dirent.h>
#include <unistd.h>

#include "landlock.h"

#define CHILD_EXIT(code) syscall(SYS_exit_group, (code))

static char top[64];
static char rdir[128], wdir[128], rfile[160], other[160];

static void setup(void)
{
	int fd;

	snprintf(top, sizeof(top), "/tmp/tg-landlock.XXXXXX");
	if (!mkdtemp(top)) {
		perror("mkdtemp");
		exit(1);
	}
	snprintf(rdir, sizeof(rdir), "%s/ro", top);
	snprintf(wdir, sizeof(wdir), "%s/rw", top);
	snprintf(rfile, sizeof(rfile), "%s/ro/f", top);
	snprintf(other, sizeof(other), "%s/ro/g", top);
	if (mkdir(rdir, 0755) < 0 || mkdir(wdir, 0755) < 0) {
		perror("mkdir");
		exit(1);
	}
	fd = open(rfile, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, "hello\n", 6) != 6)
		exit(1);
	close(fd);
	fd = open(other, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		exit(1);
	close(fd);
}

static void cleanup(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
	if (system(cmd) != 0)
		fprintf(stderr, "  could not remove %s\n", top);
}

/* 1 if open(path, flags) works, 0 if it fails with EACCES, 2 otherwise */
static char try_open(const char *path, int flags)
{
	int fd = open(path, flags | O_CLOEXEC, 0644);

	if (fd >= 0) {
		close(fd);
		return '1';
	}
	return errno == EACCES ? '0' : '2';
}

static char ok_or_eacces(int rc)
{
	return rc == 0 ? '1' : errno == EACCES ? '0' : '2';
}

/*
 * Run fn in a child confined to rules; returns what it wrote (checks as
 * characters) in out, or "restrict failed: ..." when tg_landlock_restrict
 * failed there.
 */
static void run_confined(const struct tg_landlock_rule *rules, size_t n, void (*fn)(int), char *out,
                         size_t outlen)
{
	int p[2], status;
	ssize_t got = 0, r;
	pid_t pid;

	if (pipe(p) < 0)
		exit(1);
	pid = fork();
	if (pid == 0) {
		char err[256];

		close(p[0]);
		if (tg_landlock_restrict(rules, n, err, sizeof(err)) < 0) {
			char msg[300];
			int len = snprintf(msg, sizeof(msg), "restrict failed: %s", err);

			if (write(p[1], msg, (size_t)len) < 0)
				CHILD_EXIT(3);
			CHILD_EXIT(1);
		}
		fn(p[1]);
		CHILD_EXIT(0);
	}
	close(p[1]);
	while (got < (ssize_t)outlen - 1 &&
	       (r = read(p[0], out + got, outlen - 1 - (size_t)got)) > 0)
		got += r;
	out[got > 0 ? got : 0] = '\0';
	close(p[0]);
	waitpid(pid, &status, 0);
}

static void put(int fd, char c)
{
	if (write(fd, &c, 1) != 1)
		CHILD_EXIT(3);
}

static void test_abi(void)
{
	char err[256] = "";
	int abi = tg_landlock_abi(err, sizeof(err));

	if (abi < 1)
		fprintf(stderr, "  %s\n", err);
	CHECK(abi >= 1);
}

static void checks_read_write(int fd)
{
	char path[256];
	DIR *d;

	/* read DIR */
	put(fd, try_open(rfile, O_RDONLY)); /* 1 */
	d = opendir(rdir);                  /* listing */
	put(fd, d ? '1' : errno == EACCES ? '0' : '2');
	if (d)
		closedir(d);
	put(fd, try_open(rfile, O_WRONLY)); /* 0 */
	snprintf(path, sizeof(path), "%s/new", rdir);
	put(fd, try_open(path, O_WRONLY | O_CREAT)); /* 0 */
	put(fd, ok_or_eacces(truncate(rfile, 0)));   /* 0 */
	put(fd, ok_or_eacces(unlink(rfile)));        /* 0 */
	put(fd, try_open("/etc/passwd", O_RDONLY));  /* 0 */
	d = opendir("/");
	put(fd, d ? '1' : errno == EACCES ? '0' : '2'); /* 0 */
	if (d)
		closedir(d);
	/* write DIR */
	snprintf(path, sizeof(path), "%s/new", wdir);
	put(fd, try_open(path, O_WRONLY | O_CREAT)); /* 1 */
	put(fd, ok_or_eacces(truncate(path, 0)));    /* 1 */
	snprintf(path, sizeof(path), "%s/sub", wdir);
	put(fd, ok_or_eacces(mkdir(path, 0700))); /* 1 */
	{
		char from[256], to[256];

		snprintf(from, sizeof(from), "%s/new", wdir);
		snprintf(to, sizeof(to), "%s/sub/new", wdir);
		put(fd, ok_or_eacces(rename(from, to))); /* 1: refer beneath */
		put(fd, ok_or_eacces(unlink(to)));       /* 1 */
	}
	put(fd, ok_or_eacces(rmdir(path))); /* 1 */
	snprintf(path, sizeof(path), "%s/fifo", wdir);
	put(fd, ok_or_eacces(mkfifo(path, 0600))); /* 0 */
	snprintf(path, sizeof(path), "%s/link", wdir);
	put(fd, ok_or_eacces(symlink("/etc/passwd", path))); /* 0 */
	/* device /dev/null */
	put(fd, try_open("/dev/null", O_RDWR));   /* 1 */
	put(fd, try_open("/dev/zero", O_RDONLY)); /* 0 */
}

static void test_read_write_device(void)
{
	const struct tg_landlock_rule rules[] = {
	    {rdir, TG_LL_READ},
	    {wdir, TG_LL_WRITE},
	    {"/dev/null", TG_LL_DEVICE},
	};
	char out[512];

	run_confined(rules, 3, checks_read_write, out, sizeof(out));
	CHECK_EQ_STR(out, "11000000"
	                  "1111110"
	                  "0"
	                  "10");
}

static void checks_file_and_exec(int fd)
{
	char *const argv[] = {"/bin/true", NULL};
	char *const envp[] = {NULL};

	put(fd, try_open(rfile, O_RDONLY)); /* 1: the file granted */
	put(fd, try_open(other, O_RDONLY)); /* 0: its neighbour */
	put(fd, try_open(rfile, O_RDWR));   /* 0 */
	execve(argv[0], argv, envp);        /* not granted: fails */
	put(fd, errno == EACCES ? '0' : '2');
}

static void test_file_rule_and_exec(void)
{
	const struct tg_landlock_rule rules[] = {{rfile, TG_LL_READ}};
	char out[512];

	run_confined(rules, 1, checks_file_and_exec, out, sizeof(out));
	CHECK_EQ_STR(out, "1000");
}

static void checks_nothing(int fd)
{
	put(fd, try_open(rfile, O_RDONLY));
	put(fd, try_open("/dev/null", O_WRONLY));
}

static void test_no_rules(void)
{
	char out[512];

	run_confined(NULL, 0, checks_nothing, out, sizeof(out));
	CHECK_EQ_STR(out, "00");
}

static void test_errors(void)
{
	const struct tg_landlock_rule missing[] = {
	    {rdir, TG_LL_READ},
	    {"/nonexistent-tg-landlock", TG_LL_WRITE},
	};
	const struct tg_landlock_rule notdev[] = {{"/tmp", TG_LL_DEVICE}};
	const struct tg_landlock_rule relative[] = {{"tmp", TG_LL_READ}};
	char out[512];

	run_confined(missing, 2, checks_nothing, out, sizeof(out));
	CHECK_EQ_STR(out,
	             "restrict failed: write /nonexistent-tg-landlock: No such file or directory");
	run_confined(notdev, 1, checks_nothing, out, sizeof(out));
	CHECK_EQ_STR(out, "restrict failed: device /tmp: not a device node (expected a character "
	                  "or block device)");
	run_confined(relative, 1, checks_nothing, out, sizeof(out));
	CHECK_EQ_STR(out, "restrict failed: landlock: bad rule (read tmp): expected an absolute "
	                  "path");
}

int main(void)
{
	setup();
	RUN(test_abi);
	RUN(test_read_write_device);
	RUN(test_file_rule_and_exec);
	RUN(test_no_rules);
	RUN(test_errors);
	cleanup();
	return check_exit();
}
