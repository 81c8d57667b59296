/*
 * watchdog.c - feed the hardware watchdog while the services are healthy.
 *
 * The initramfs arms the watchdog before it touches the root filesystem
 * (tg-initramfs(8)), so a boot that hangs anywhere later resets the
 * machine and U-Boot counts the try.  The supervisor then takes it over
 * (`watchdog PATH SECONDS` in MAIN_CONF): it sets the timeout and writes a
 * keepalive every third of it from its event loop, so a hung supervisor
 * is reset too.  It feeds the watchdog while
 *   - every service has been ready at least once (see check_all_ready), or
 *   - `ready-timeout` has not passed since the supervisor started.
 * Past that deadline without all services ready it says so once and
 * stops feeding; the machine resets and the try counts as failed, as a
 * crash would.  If the services become ready before the watchdog fires,
 * feeding resumes.
 *
 * It never writes the magic 'V', so exiting (shutdown, or a crash before
 * init respawns us) leaves the watchdog running: a reboot that hangs is
 * reset as well.  Keepalives are plain writes (the watchdog API's
 * "any character"), so tests can stand a FIFO in for the device.
 */
#include "supervise/supervise.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/watchdog.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "log.h"

#define NS_PER_S 1000000000ull

static void feed(struct tg_loop *l, void *arg);

static int wd_should_feed(struct sv *sv)
{
	if (sv->all_ready_logged)
		return 1;
	return !sv->mc.ready_timeout_s ||
	       tg_loop_now(&sv->loop) < sv->wd_deadline_ns;
}

static void feed(struct tg_loop *l, void *arg)
{
	struct sv *sv = arg;

	sv->wd_timer = tg_loop_add_timer(l, sv->wd_period_ns, feed, sv);
	if (!wd_should_feed(sv)) {
		if (!sv->wd_starving) {
			sv->wd_starving = 1;
			tg_err("services not all ready %u s after start: no longer feeding the "
			       "watchdog %s; the machine resets within %u s",
			       sv->mc.ready_timeout_s, sv->mc.watchdog, sv->mc.watchdog_s);
		}
		return;
	}
	if (sv->wd_starving) {
		sv->wd_starving = 0;
		tg_info("services ready: feeding the watchdog again");
	}
	if (write(sv->wd_fd, "k", 1) < 0 && errno != EAGAIN && !sv->wd_write_failed) {
		sv->wd_write_failed = 1;
		tg_err("watchdog %s: keepalive: %s", sv->mc.watchdog, strerror(errno));
	}
}

void sv_watchdog_open(struct sv *sv)
{
	int timeout;

	sv->wd_fd = -1;
	if (!sv->mc.watchdog[0])
		return;
	sv->wd_fd = open(sv->mc.watchdog, O_WRONLY | O_CLOEXEC | O_NONBLOCK);
	if (sv->wd_fd < 0) {
		/* the initramfs armed it: without us the machine resets, as it should */
		tg_err("watchdog %s: %s; not feeding it", sv->mc.watchdog, strerror(errno));
		return;
	}
	timeout = (int)sv->mc.watchdog_s;
	if (ioctl(sv->wd_fd, WDIOC_SETTIMEOUT, &timeout) < 0) {
		if (errno != ENOTTY)
			tg_warn("watchdog %s: cannot set a %u s timeout: %s", sv->mc.watchdog,
				sv->mc.watchdog_s, strerror(errno));
		timeout = (int)sv->mc.watchdog_s;
	}
	sv->wd_period_ns = (uint64_t)timeout * NS_PER_S / 3;
	sv->wd_deadline_ns = tg_loop_now(&sv->loop) + (uint64_t)sv->mc.ready_timeout_s * NS_PER_S;
	if (sv->mc.ready_timeout_s)
		tg_info("watchdog %s: timeout %d s, fed every %llu ms; services must be ready "
			"within %u s",
			sv->mc.watchdog, timeout, (unsigned long long)(sv->wd_period_ns / 1000000),
			sv->mc.ready_timeout_s);
	else
		tg_info("watchdog %s: timeout %d s, fed every %llu ms", sv->mc.watchdog, timeout,
			(unsigned long long)(sv->wd_period_ns / 1000000));
	feed(&sv->loop, sv);
}
