/*
 * initramfs.c - stage-1 init, /init in each slot's initramfs.
 *
 * The kernel runs this as PID 1.  It:
 *   1. mounts devtmpfs, proc and sysfs;
 *   2. loads the modules listed in /lib/modules/load.list, in order
 *      (virtio, device-mapper, dm-verity, squashfs, the board's watchdog:
 *      made at build time from modprobe's dependency order), and arms the
 *      hardware watchdog if /etc/watchdog names a timeout, so that a boot
 *      which hangs from here on is reset (and counted by U-Boot) unless
 *      the supervisor comes up and takes the watchdog over;
 *   3. reads the slot U-Boot booted from the kernel command line
 *      (tg.slot=A or tg.slot=B) and waits for the partition "root<slot>";
 *   4. sets up dm-verity over it with the root hash from /etc/verity.conf
 *      (built into this initramfs together with the root image, so the
 *      hash is carried with the slot), mounts the verified squashfs
 *      read-only, and
 *   5. switches to it and runs /sbin/init.
 * Any failure prints "timegate-initramfs: FATAL: ..." and reboots after
 * a short pause, so U-Boot's boot counter sees a failed try.
 */
#include "blkdev.h"
#include "verity.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/watchdog.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define TAG "timegate-initramfs: "
#define PART_WAIT_MS 15000

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof line - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof line - 2)
		n = sizeof line - 2;
	line[n++] = '\n';
	if (write(2, TAG, sizeof TAG - 1) < 0 || write(2, line, (size_t)n) < 0)
		return;
}

static void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void fatal(const char *fmt, ...)
{
	char msg[400];
	va_list ap;
	struct timespec ts = { 3, 0 };

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	say("FATAL: %s; rebooting", msg);
	nanosleep(&ts, NULL);
	sync();
	reboot(RB_AUTOBOOT);
	for (;;)
		pause();
}

/* Pure: the slot letter from "... tg.slot=A ...", or 0. */
static char cmdline_slot(const char *buf, size_t len)
{
	size_t i = 0;

	while (i < len) {
		size_t n = 0;
		while (i + n < len && buf[i + n] != ' ' && buf[i + n] != '\n')
			n++;
		if (n == 9 && memcmp(buf + i, "tg.slot=", 8) == 0 &&
		    (buf[i + 8] == 'A' || buf[i + 8] == 'B'))
			return buf[i + 8];
		i += n + 1;
	}
	return 0;
}

static ssize_t read_file(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, cap);
	close(fd);
	return n;
}

static void load_modules(void)
{
	static char list[8192];
	ssize_t len = read_file("/lib/modules/load.list", list, sizeof list - 1);
	char *line, *save = NULL;

	if (len < 0)
		fatal("cannot read /lib/modules/load.list: %s", strerror(errno));
	list[len] = '\0';
	for (line = strtok_r(list, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char path[256];
		int fd;

		if (!*line || *line == '#')
			continue;
		snprintf(path, sizeof path, "/lib/modules/%s", line);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			fatal("module %s: %s", path, strerror(errno));
		if (syscall(SYS_finit_module, fd, "", 0) != 0 && errno != EEXIST)
			fatal("loading module %s: %s", line, strerror(errno));
		close(fd);
	}
}

/*
 * Arm the watchdog: set its timeout, feed it once, and close it without
 * the magic 'V', so it keeps running (the kernel says "watchdog did not
 * stop!", which is the point).  No /etc/watchdog: the board has none.
 */
static void arm_watchdog(void)
{
	char buf[16];
	ssize_t n = read_file("/etc/watchdog", buf, sizeof buf - 1);
	struct timespec step = { 0, 50 * 1000 * 1000 };
	int seconds = 0, i, fd = -1;

	if (n <= 0)
		return;
	buf[n] = '\0';
	for (i = 0; buf[i] >= '0' && buf[i] <= '9' && seconds < 100000; i++)
		seconds = seconds * 10 + (buf[i] - '0');
	if (seconds < 2)
		fatal("/etc/watchdog: expected a timeout in seconds (at least 2), got '%.8s'", buf);
	for (i = 0; i < 20 && fd < 0; i++) { /* the driver registers as its module loads */
		fd = open("/dev/watchdog0", O_WRONLY | O_CLOEXEC);
		if (fd < 0)
			nanosleep(&step, NULL);
	}
	/* a missing or stubborn watchdog is a lost safety net, not a reason to fail the slot */
	if (fd < 0) {
		say("WARNING: /dev/watchdog0: %s; booting without a watchdog", strerror(errno));
		return;
	}
	if (ioctl(fd, WDIOC_SETTIMEOUT, &seconds) != 0 || ioctl(fd, WDIOC_GETTIMEOUT, &seconds) != 0)
		say("WARNING: watchdog: setting a %d s timeout: %s; keeping the driver's", seconds,
		    strerror(errno));
	if (write(fd, "k", 1) != 1)
		say("WARNING: watchdog: first keepalive: %s", strerror(errno));
	say("watchdog armed: %d s for the supervisor to take it over", seconds);
	close(fd);
}

static void mount_or_die(const char *src, const char *dst, const char *type, unsigned long flags,
			 const char *data)
{
	mkdir(dst, 0755);
	if (mount(src, dst, type, flags, data) != 0)
		fatal("mount %s on %s (%s): %s", src, dst, type, strerror(errno));
}

int main(void)
{
	static char buf[4096];
	char part[16], dev[64], dm[64], err[256];
	struct tg_verity v;
	struct timespec step = { 0, 50 * 1000 * 1000 };
	ssize_t n;
	char slot;
	int waited;

	mount_or_die("devtmpfs", "/dev", "devtmpfs", MS_NOSUID | MS_NOEXEC, "mode=0755");
	{
		int fd = open("/dev/console", O_RDWR | O_CLOEXEC);
		if (fd >= 0) {
			dup2(fd, 0);
			dup2(fd, 1);
			dup2(fd, 2);
			if (fd > 2)
				close(fd);
		}
	}
	mount_or_die("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, "hidepid=2");
	mount_or_die("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);

	n = read_file("/proc/cmdline", buf, sizeof buf);
	slot = n > 0 ? cmdline_slot(buf, (size_t)n) : 0;
	if (!slot)
		fatal("no tg.slot=A|B on the kernel command line");

	load_modules();
	arm_watchdog();

	n = read_file("/etc/verity.conf", buf, sizeof buf);
	if (n < 0)
		fatal("cannot read /etc/verity.conf: %s", strerror(errno));
	if (tg_verity_parse(buf, (size_t)n, &v, err, sizeof err) != 0)
		fatal("/etc/verity.conf: %s", err);

	snprintf(part, sizeof part, "root%c", slot);
	for (waited = 0; tg_blkdev_find("/sys/class/block", part, dev, sizeof dev) != 0;
	     waited += 50) {
		if (waited >= PART_WAIT_MS)
			fatal("no partition named %s after %d s", part, PART_WAIT_MS / 1000);
		nanosleep(&step, NULL);
	}
	if (tg_verity_setup(&v, dev, "root", dm, sizeof dm, err, sizeof err) != 0)
		fatal("dm-verity on %s: %s", dev, err);
	/* the squashfs superblock is the first block read through verity */
	if (mount(dm, "/newroot", "squashfs", MS_RDONLY | MS_NODEV | MS_NOSUID, NULL) != 0)
		fatal("mount verified root %s (%s) on /newroot: %s", dm, dev, strerror(errno));
	say("slot %c: root %s verified by dm-verity (root hash %.16s...)", slot, dev, v.roothash);

	/* switch_root: move the API filesystems, then make /newroot the root */
	if (mount("/dev", "/newroot/dev", NULL, MS_MOVE, NULL) != 0 ||
	    mount("/proc", "/newroot/proc", NULL, MS_MOVE, NULL) != 0 ||
	    mount("/sys", "/newroot/sys", NULL, MS_MOVE, NULL) != 0)
		fatal("moving /dev, /proc, /sys into the new root: %s", strerror(errno));
	if (chdir("/newroot") != 0 || mount(".", "/", NULL, MS_MOVE, NULL) != 0 ||
	    chroot(".") != 0 || chdir("/") != 0)
		fatal("switching root: %s", strerror(errno));
	/* the initramfs stays in memory (about 1 MiB); init never returns to it */
	execl("/sbin/init", "init", (char *)NULL);
	fatal("exec /sbin/init: %s", strerror(errno));
}
