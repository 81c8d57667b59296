/*
 * tg-fakehw.c - LD_PRELOAD fake of the two pieces of hardware timed
 * touches: the system clock and the PPS device.
 *
 * System tests run the host build of timed (dynamically linked, ASan) on
 * the host, where there is no PPS device and the real clock must never be
 * stepped or slewed.  This object replaces exactly those two edges inside
 * the process, so timed's production code paths run unchanged:
 *
 *   gcc -shared -fPIC -O1 -o $T/fakehw.so tests/tools/tg-fakehw.c -ldl
 *   LD_PRELOAD=$T/fakehw.so ASAN_OPTIONS=verify_asan_link_order=0 timed ...
 *
 * (ASan wants its runtime first in the link order; a preload comes before
 * it.  Our definitions win the symbol lookup and reach the real functions
 * with dlsym(RTLD_NEXT), i.e. through ASan's interceptors, then libc.)
 *
 * Virtual clock.  virtual(t) = real CLOCK_REALTIME(t) + offset(t), where
 * offset grows at osc_error + applied frequency (ADJ_FREQUENCY, ADJ_TICK)
 * and jumps on clock_settime/settimeofday/ADJ_SETOFFSET.  offset(t) is
 * kept as a short history of linear segments so a PPS stamp taken at an
 * earlier true instant uses the clock as it was then (a step or a
 * frequency change after a pulse does not leak into its stamp, as with a
 * kernel stamp).  The state lives in one MAP_SHARED|MAP_ANONYMOUS page
 * made on load, so every process forked from the preloaded one (timed's
 * roles) shares one clock; a process that exec()s starts a fresh one.
 *   TG_FAKECLOCK_OFFSET_NS  initial virtual - real (default 0)
 *   TG_FAKECLOCK_FREQ_PPB   oscillator error, added to the applied
 *                           frequency (default 0)
 *   TG_FAKECLOCK_REPORT     file rewritten (temp + rename) after each
 *                           clock-changing call with one line
 *                           "true_offset_ns=N freq_ppb=N calls=N": the
 *                           offset right after the call, the applied
 *                           frequency (without the oscillator error), and
 *                           the number of changing calls so far
 * Intercepted: clock_gettime (REALTIME, REALTIME_COARSE and TAI follow
 * the virtual clock; others are real), gettimeofday, time, timespec_get,
 * clock_settime and settimeofday (REALTIME), clock_adjtime(REALTIME),
 * adjtimex, ntp_adjtime.  The adjtimex family validates like the kernel
 * (EINVAL for a tick outside 9000..11000 or a bad ADJ_SETOFFSET time,
 * ADJ_FREQUENCY clamped to +-500 ppm, read-only status bits kept) and
 * returns the kernel's clock state: TIME_ERROR while STA_UNSYNC is set
 * (as after boot), TIME_INS/TIME_DEL with a leap armed, else TIME_OK.
 * Not simulated: the kernel PLL (ADJ_OFFSET is stored, has no effect),
 * adjtime()-style ADJ_OFFSET_SINGLESHOT (EINVAL), the CAP_SYS_TIME check.
 * A program that calls syscall(SYS_clock_adjtime) directly bypasses the
 * fake and reaches the kernel: timed must use the libc functions.
 *
 * Fake PPS device.  TG_FAKEPPS_PATH names it; open/openat of that exact
 * path returns a descriptor of /dev/null remembered as the device, and the
 * PPS ioctls on it are served here (everything else goes to libc).
 * Pulse S is the on-time edge at each whole second S of the *real* clock
 * (true time) plus TG_FAKEPPS_DELAY_NS; its stamp is the virtual clock at
 * that instant plus gaussian jitter of sigma TG_FAKEPPS_JITTER_NS
 * (default 200), from a PRNG seeded by S, so a pulse fetched twice reads
 * the same.  The assert edge is on time; the clear edge follows
 * TG_FAKEPPS_WIDTH_NS (default 100 ms) later - or the other way round with
 * TG_FAKEPPS_EDGE=clear (a receiver with an inverted output).  As with the
 * kernel, a sequence counts pulses delivered: the first pulse after load
 * is 1, and while the file TG_FAKEPPS_STOP_FILE exists no pulses come and
 * the sequence does not advance (the gap shows in the stamps only).
 * PPS_GETCAP: capture assert+clear, offsets, CANWAIT, TSPEC.  PPS_GETPARAMS
 * and PPS_SETPARAMS: the device mode, starting as pps-gpio's default
 * (capture assert, offset assert 0), SETPARAMS checked like the kernel.
 * PPS_FETCH: the latest pulse of each captured edge at or before now; a
 * non-zero timeout waits for a new one (ETIMEDOUT), PPS_TIME_INVALID
 * waits without limit.  The device's descriptors are tracked per process
 * through open, close, dup2 and dup3 (fork keeps them, as with fds).
 *
 * Files are touched by a helper process, not in the caller: timed's roles
 * run under seccomp and Landlock, which may refuse open/rename/stat.  On
 * load (before any sandbox), when TG_FAKECLOCK_REPORT or
 * TG_FAKEPPS_STOP_FILE is set, the preloaded process double-forks a helper
 * (not its child: timed's reaping never sees it) that every 20 ms checks
 * the stop file and writes a pending report, and exits after a last
 * report once the preloaded process is gone.
 */
#undef _FORTIFY_SOURCE
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <sys/timex.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NS 1000000000LL
#define NSEG 64

/* PPS ABI (see services/timed/pps.c for where these come from) */
#define PPSIOC_GETPARAMS _IOR('p', 0xa1, void *)
#define PPSIOC_SETPARAMS _IOW('p', 0xa2, void *)
#define PPSIOC_GETCAP _IOR('p', 0xa3, void *)
#define PPSIOC_FETCH _IOWR('p', 0xa4, void *)
#define PPSM_CAPTUREASSERT 0x01
#define PPSM_CAPTURECLEAR 0x02
#define PPSM_OFFSETASSERT 0x10
#define PPSM_OFFSETCLEAR 0x20
#define PPSM_CANWAIT 0x100
#define PPSM_TSFMT_TSPEC 0x1000
#define PPSM_TSFMT_NTPFP 0x2000
#define PPS_TIME_INVALID 1
#define FAKE_CAPS (PPSM_CAPTUREASSERT | PPSM_CAPTURECLEAR | PPSM_OFFSETASSERT | \
		   PPSM_OFFSETCLEAR | PPSM_CANWAIT | PPSM_TSFMT_TSPEC)

struct pps_ktime {
	int64_t sec;
	int32_t nsec;
	uint32_t flags;
};
struct pps_kinfo {
	uint32_t assert_sequence, clear_sequence;
	struct pps_ktime assert_tu, clear_tu;
	int32_t current_mode;
};
struct pps_kparams {
	int32_t api_version, mode;
	struct pps_ktime assert_off_tu, clear_off_tu;
};
struct pps_fdata {
	struct pps_kinfo info;
	struct pps_ktime timeout;
};

/* offset(t) = off + (t - real) * rate / (65536 * 1e9) for t >= real */
struct seg {
	int64_t real_ns;
	int64_t off_ns;
	int64_t rate; /* 2^-16 ppb (timex.freq is 2^-16 ppm: x1000) */
};

struct shared {
	atomic_int lock;
	/* clock */
	struct seg seg[NSEG];
	unsigned head; /* newest segment */
	unsigned count;
	int64_t osc_rate; /* oscillator error, 2^-16 ppb */
	long freq, tick, maxerror, esterror, constant, offset;
	int status, tai;
	uint64_t calls;
	int64_t rep_off_ns, rep_freq_ppb;
	uint64_t rep_calls;
	/* pps */
	int pps_mode;
	struct pps_ktime assert_off, clear_off;
	int64_t delay_ns, jitter_ns, width_ns;
	int clear_on_time;
	int stopped;
	int64_t frozen_s, frozen_skip, barrier_s, skip;
};

static struct shared *g;
static pid_t g_creator;
static char pps_path[512];
static char report_path[512];
static char stop_path[512];
static unsigned char fakefd[8192 / 8];

/* ------------------------------------------------------------ real functions */

static void *real_fn(const char *name)
{
	void *f = dlsym(RTLD_NEXT, name);

	if (!f) {
		static const char msg[] = "tg-fakehw: dlsym failed\n";
		(void)!write(2, msg, sizeof(msg) - 1);
		abort();
	}
	return f;
}

#define REAL(ret, name, args)                                       \
	static ret(*real_##name) args;                              \
	static ret(*get_##name(void)) args                          \
	{                                                           \
		if (!real_##name)                                   \
			*(void **)&real_##name = real_fn(#name);    \
		return real_##name;                                 \
	}

REAL(int, clock_gettime, (clockid_t, struct timespec *))
REAL(int, clock_adjtime, (clockid_t, struct timex *))
REAL(int, clock_settime, (clockid_t, const struct timespec *))
REAL(int, open, (const char *, int, ...))
REAL(int, openat, (int, const char *, int, ...))
REAL(int, ioctl, (int, unsigned long, ...))
REAL(int, close, (int))
REAL(int, dup2, (int, int))
REAL(int, dup3, (int, int, int))

static int64_t real_ns(clockid_t c)
{
	struct timespec ts;

	get_clock_gettime()(c, &ts);
	return (int64_t)ts.tv_sec * NS + ts.tv_nsec;
}

static int64_t env_ll(const char *name, int64_t dflt)
{
	const char *s = getenv(name);
	char *end;
	long long v;

	if (!s || !*s)
		return dflt;
	v = strtoll(s, &end, 0);
	return *end ? dflt : v;
}

static void env_str(const char *name, char *buf, size_t len)
{
	const char *s = getenv(name);

	buf[0] = 0;
	if (s && strlen(s) < len)
		strcpy(buf, s);
}

/* ------------------------------------------------------------ shared state */

/*
 * A spinlock in the shared page.  Critical sections are a few dozen
 * instructions; a holder killed inside one would wedge every process, so
 * after a very long spin the lock is taken over.
 */
static void lock(void)
{
	unsigned long spins = 0;

	while (atomic_exchange_explicit(&g->lock, 1, memory_order_acquire))
		if (++spins > 500000000ul)
			break;
}

static void unlock(void)
{
	atomic_store_explicit(&g->lock, 0, memory_order_release);
}

static int64_t applied_rate(void)
{
	return (int64_t)g->freq * 1000 + (int64_t)(g->tick - 10000) * 100000 * 65536;
}

/* offset at real time t, from the newest segment that starts at or before t */
static int64_t offset_at(int64_t t)
{
	unsigned i, idx = g->head;
	const struct seg *s;

	for (i = 0; i < g->count; i++) {
		idx = (g->head + NSEG - i) % NSEG;
		if (g->seg[idx].real_ns <= t)
			break;
	}
	s = &g->seg[idx];
	return s->off_ns + (int64_t)((__int128)(t - s->real_ns) * s->rate / (65536 * (__int128)NS));
}

static void push_seg(int64_t now, int64_t off)
{
	g->head = (g->head + 1) % NSEG;
	if (g->count < NSEG)
		g->count++;
	g->seg[g->head].real_ns = now;
	g->seg[g->head].off_ns = off;
	g->seg[g->head].rate = g->osc_rate + applied_rate();
}

static int64_t virt_now(void)
{
	int64_t now = real_ns(CLOCK_REALTIME), v;

	lock();
	v = now + offset_at(now);
	unlock();
	return v;
}

/* after a clock-changing call, under the lock */
static void note_call(int64_t now)
{
	g->calls++;
	g->rep_off_ns = offset_at(now);
	g->rep_freq_ppb = (applied_rate() + (applied_rate() >= 0 ? 32768 : -32768)) / 65536;
}

static void write_report(void)
{
	char tmp[600], line[160];
	int64_t off, fr;
	uint64_t calls;
	int fd, n;

	lock();
	off = g->rep_off_ns;
	fr = g->rep_freq_ppb;
	calls = g->calls;
	g->rep_calls = calls;
	unlock();
	n = snprintf(line, sizeof(line), "true_offset_ns=%lld freq_ppb=%lld calls=%llu\n",
		     (long long)off, (long long)fr, (unsigned long long)calls);
	snprintf(tmp, sizeof(tmp), "%s.tmp%ld", report_path, (long)getpid());
	fd = get_open()(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	if (write(fd, line, (size_t)n) != n) {
		get_close()(fd);
		unlink(tmp);
		return;
	}
	get_close()(fd);
	rename(tmp, report_path);
}

/* ------------------------------------------------------------ PPS model */

static int64_t floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/* true instant of edge (0 on time, 1 the other) of pulse S */
static int64_t edge_time(int64_t s, int late)
{
	return s * NS + g->delay_ns + (late ? g->width_ns : 0);
}

/* latest pulse whose edge is at or before now */
static int64_t latest_s(int64_t now, int late)
{
	return floor_div(now - g->delay_ns - (late ? g->width_ns : 0), NS);
}

/*
 * Sequence of the latest delivered pulse of an edge (0: none yet) and its
 * number S.  Pulses up to frozen_s were delivered before the last stop;
 * those in (frozen_s, barrier_s] fell into a stop; later ones are live
 * unless stopped now.
 */
static int64_t delivered(int64_t now, int late, int64_t *s_out)
{
	int64_t s = latest_s(now, late), seq;

	if (!g->stopped && s > g->barrier_s)
		seq = s - g->skip;
	else {
		if (s > g->frozen_s)
			s = g->frozen_s;
		seq = s - g->frozen_skip;
	}
	*s_out = s;
	return seq > 0 ? seq : 0;
}

static void pps_stop(int64_t now)
{
	int64_t s = latest_s(now, 0);

	if (g->stopped)
		return;
	if (s > g->barrier_s) {
		g->frozen_s = s;
		g->frozen_skip = g->skip;
	}
	g->stopped = 1;
}

static void pps_resume(int64_t now)
{
	if (!g->stopped)
		return;
	g->stopped = 0;
	g->barrier_s = latest_s(now, 0);
	/* the first live pulse, barrier_s + 1, follows the frozen one */
	g->skip = g->barrier_s - (g->frozen_s - g->frozen_skip);
}

static uint64_t splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* N(0, sigma): Irwin-Hall sum of 12 uniforms (no libm needed in a preload) */
static int64_t jitter(int64_t s, int late)
{
	uint64_t x = (uint64_t)s * 2 + (unsigned)late;
	double z = -6.0, j;
	int i;

	for (i = 0; i < 12; i++)
		z += (double)(splitmix(&x) >> 11) / 9007199254740992.0;
	j = z * (double)g->jitter_ns;
	return (int64_t)(j < 0 ? j - 0.5 : j + 0.5);
}

static void stamp(int64_t s, int late, uint32_t seq, uint32_t *seq_out, struct pps_ktime *t)
{
	int64_t tt, v;

	memset(t, 0, sizeof(*t));
	*seq_out = seq;
	if (!seq)
		return;
	tt = edge_time(s, late);
	v = tt + offset_at(tt) + jitter(s, late);
	t->sec = floor_div(v, NS);
	t->nsec = (int32_t)(v - t->sec * NS);
}

/* fill info; returns the sum of captured sequences (to see a change) */
static uint64_t pps_info(struct pps_kinfo *ki)
{
	int64_t now = real_ns(CLOCK_REALTIME), s;
	uint32_t seq;
	int assert_late = g->clear_on_time;

	memset(ki, 0, sizeof(*ki));
	lock();
	ki->current_mode = g->pps_mode;
	if (g->pps_mode & PPSM_CAPTUREASSERT) {
		seq = (uint32_t)delivered(now, assert_late, &s);
		stamp(s, assert_late, seq, &ki->assert_sequence, &ki->assert_tu);
	}
	if (g->pps_mode & PPSM_CAPTURECLEAR) {
		seq = (uint32_t)delivered(now, !assert_late, &s);
		stamp(s, !assert_late, seq, &ki->clear_sequence, &ki->clear_tu);
	}
	unlock();
	return (uint64_t)ki->assert_sequence + ki->clear_sequence;
}

static int pps_fetch(struct pps_fdata *fd_data)
{
	struct pps_ktime to = fd_data->timeout;
	uint64_t first = pps_info(&fd_data->info);
	int64_t deadline, now;

	if (!(to.flags & PPS_TIME_INVALID) && to.sec == 0 && to.nsec == 0)
		return 0;
	if (!(to.flags & PPS_TIME_INVALID) && (to.sec < 0 || to.nsec < 0 || to.nsec >= NS)) {
		errno = EINVAL;
		return -1;
	}
	deadline = (to.flags & PPS_TIME_INVALID) ? INT64_MAX
		   : real_ns(CLOCK_MONOTONIC) + to.sec * NS + to.nsec;
	for (;;) {
		struct timespec nap = {0, 10000000};

		nanosleep(&nap, NULL);
		if (pps_info(&fd_data->info) != first)
			return 0;
		now = real_ns(CLOCK_MONOTONIC);
		if (now >= deadline) {
			errno = ETIMEDOUT;
			return -1;
		}
	}
}

static int pps_ioctl(unsigned long req, void *arg)
{
	if (req == PPSIOC_GETCAP) {
		*(int *)arg = FAKE_CAPS;
		return 0;
	}
	if (req == PPSIOC_GETPARAMS) {
		struct pps_kparams *p = arg;

		memset(p, 0, sizeof(*p));
		lock();
		p->api_version = 1;
		p->mode = g->pps_mode;
		p->assert_off_tu = g->assert_off;
		p->clear_off_tu = g->clear_off;
		unlock();
		return 0;
	}
	if (req == PPSIOC_SETPARAMS) {
		struct pps_kparams p;

		memcpy(&p, arg, sizeof(p));
		/* the kernel's checks, in its order */
		if (!(p.mode & (PPSM_CAPTUREASSERT | PPSM_CAPTURECLEAR)) || (p.mode & ~FAKE_CAPS)) {
			errno = EINVAL;
			return -1;
		}
		if (!(p.mode & (PPSM_TSFMT_TSPEC | PPSM_TSFMT_NTPFP)))
			p.mode |= PPSM_TSFMT_TSPEC;
		p.mode |= PPSM_CANWAIT;
		lock();
		g->pps_mode = p.mode;
		g->assert_off = p.assert_off_tu;
		g->clear_off = p.clear_off_tu;
		g->assert_off.flags = g->clear_off.flags = 0;
		unlock();
		return 0;
	}
	if (req == PPSIOC_FETCH)
		return pps_fetch(arg);
	errno = ENOTTY;
	return -1;
}

static int is_fake(int fd)
{
	return fd >= 0 && fd < (int)(sizeof(fakefd) * 8) && (fakefd[fd / 8] >> (fd % 8) & 1);
}

static void mark_fake(int fd, int on)
{
	if (fd < 0 || fd >= (int)(sizeof(fakefd) * 8))
		return;
	if (on)
		fakefd[fd / 8] |= (unsigned char)(1u << (fd % 8));
	else
		fakefd[fd / 8] &= (unsigned char)~(1u << (fd % 8));
}

static int open_fake(int flags)
{
	int fd = get_open()("/dev/null", O_RDWR | (flags & O_CLOEXEC));

	if (fd >= 0)
		mark_fake(fd, 1);
	return fd;
}

/* ------------------------------------------------------------ set-up, helper */

static void helper_loop(void)
{
	int was_there = 0;

	for (;;) {
		struct timespec nap = {0, 20000000};
		int alive = kill(g_creator, 0) == 0 || errno == EPERM;

		if (stop_path[0]) {
			int there = access(stop_path, F_OK) == 0;

			if (there != was_there) {
				int64_t now = real_ns(CLOCK_REALTIME);

				lock();
				if (there)
					pps_stop(now);
				else
					pps_resume(now);
				unlock();
				was_there = there;
			}
		}
		if (report_path[0]) {
			uint64_t calls, done;

			lock();
			calls = g->calls;
			done = g->rep_calls;
			unlock();
			if (calls != done)
				write_report();
		}
		if (!alive)
			_exit(0);
		nanosleep(&nap, NULL);
	}
}

static void start_helper(void)
{
	pid_t pid = fork(), pid2;
	int st, fd;

	if (pid < 0)
		return;
	if (pid > 0) {
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
		return;
	}
	pid2 = fork();
	if (pid2 != 0)
		_exit(0);
	setsid();
	fd = get_open()("/dev/null", O_RDWR);
	for (st = 0; st < 1024; st++)
		if (st != fd)
			get_close()(st);
	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			get_close()(fd);
	}
	helper_loop();
}

static void init(void)
{
	struct shared *s;
	int64_t now;

	if (g)
		return;
	s = mmap(NULL, sizeof(*s), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (s == MAP_FAILED)
		abort();
	memset(s, 0, sizeof(*s));
	g = s;
	g_creator = getpid();
	env_str("TG_FAKEPPS_PATH", pps_path, sizeof(pps_path));
	env_str("TG_FAKECLOCK_REPORT", report_path, sizeof(report_path));
	env_str("TG_FAKEPPS_STOP_FILE", stop_path, sizeof(stop_path));
	now = real_ns(CLOCK_REALTIME);
	g->tick = 10000;
	g->status = STA_UNSYNC;
	g->maxerror = 16000000;
	g->esterror = 16000000;
	g->constant = 2;
	g->tai = (int)floor_div(real_ns(CLOCK_TAI) - now + NS / 2, NS);
	g->osc_rate = env_ll("TG_FAKECLOCK_FREQ_PPB", 0) * 65536;
	g->count = 1;
	g->head = 0;
	g->seg[0].real_ns = now;
	g->seg[0].off_ns = env_ll("TG_FAKECLOCK_OFFSET_NS", 0);
	g->seg[0].rate = g->osc_rate + applied_rate();
	g->rep_off_ns = g->seg[0].off_ns;

	g->pps_mode = PPSM_CAPTUREASSERT | PPSM_OFFSETASSERT; /* pps-gpio's default */
	g->delay_ns = env_ll("TG_FAKEPPS_DELAY_NS", 0);
	g->jitter_ns = env_ll("TG_FAKEPPS_JITTER_NS", 200);
	g->width_ns = env_ll("TG_FAKEPPS_WIDTH_NS", 100000000);
	{
		const char *e = getenv("TG_FAKEPPS_EDGE");
		g->clear_on_time = e && strcmp(e, "clear") == 0;
	}
	/* pulses at or before now are not delivered: the first one is seq 1 */
	g->barrier_s = g->frozen_s = latest_s(now, 0);
	g->skip = g->frozen_skip = g->barrier_s;
	if (stop_path[0] && access(stop_path, F_OK) == 0)
		g->stopped = 1;
	if (report_path[0])
		write_report();
	if (report_path[0] || stop_path[0])
		start_helper();
}

__attribute__((constructor)) static void fakehw_init(void)
{
	init();
}

/* ------------------------------------------------------------ the clock */

static void to_timespec(int64_t v, struct timespec *ts)
{
	ts->tv_sec = (time_t)floor_div(v, NS);
	ts->tv_nsec = (long)(v - (int64_t)ts->tv_sec * NS);
}

int clock_gettime(clockid_t c, struct timespec *ts)
{
	int64_t v;

	init();
	if (c != CLOCK_REALTIME && c != CLOCK_REALTIME_COARSE && c != CLOCK_TAI)
		return get_clock_gettime()(c, ts);
	v = virt_now();
	if (c == CLOCK_TAI)
		v += (int64_t)g->tai * NS;
	to_timespec(v, ts);
	return 0;
}

int timespec_get(struct timespec *ts, int base)
{
	if (base != TIME_UTC)
		return 0;
	return clock_gettime(CLOCK_REALTIME, ts) == 0 ? base : 0;
}

int gettimeofday(struct timeval *restrict tv, void *restrict tz)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	tv->tv_sec = ts.tv_sec; /* libc declares tv non-null */
	tv->tv_usec = ts.tv_nsec / 1000;
	if (tz)
		memset(tz, 0, sizeof(struct timezone));
	return 0;
}

time_t time(time_t *t)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	if (t)
		*t = ts.tv_sec;
	return ts.tv_sec;
}

static int set_virtual(int64_t v)
{
	int64_t now = real_ns(CLOCK_REALTIME);

	lock();
	push_seg(now, v - now);
	note_call(now);
	unlock();
	return 0;
}

int clock_settime(clockid_t c, const struct timespec *ts)
{
	init();
	if (c != CLOCK_REALTIME) {
		if (c == CLOCK_REALTIME_COARSE || c == CLOCK_TAI) {
			errno = EINVAL; /* as the kernel: not settable */
			return -1;
		}
		return get_clock_settime()(c, ts);
	}
	if (ts->tv_nsec < 0 || ts->tv_nsec >= NS || ts->tv_sec < 0) {
		errno = EINVAL;
		return -1;
	}
	return set_virtual((int64_t)ts->tv_sec * NS + ts->tv_nsec);
}

int settimeofday(const struct timeval *tv, const struct timezone *tz)
{
	(void)tz; /* the kernel's timezone is left alone */
	init();
	if (!tv)
		return 0;
	if (tv->tv_usec < 0 || tv->tv_usec >= 1000000 || tv->tv_sec < 0) {
		errno = EINVAL;
		return -1;
	}
	return set_virtual((int64_t)tv->tv_sec * NS + (int64_t)tv->tv_usec * 1000);
}

static int clock_state(void)
{
	if (g->status & (STA_UNSYNC | STA_CLOCKERR))
		return TIME_ERROR;
	if (g->status & STA_INS)
		return TIME_INS;
	if (g->status & STA_DEL)
		return TIME_DEL;
	return TIME_OK;
}

static long clampl(long v, long lo, long hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

static int fake_adjtimex(struct timex *tx)
{
	unsigned modes;
	int64_t now, v;
	int ret;

	init();
	if (!tx) {
		errno = EFAULT;
		return -1;
	}
	modes = tx->modes;
	if ((modes & ADJ_OFFSET_SINGLESHOT) == ADJ_OFFSET_SINGLESHOT) {
		errno = EINVAL; /* adjtime()'s one-shot slew: not simulated */
		return -1;
	}
	if ((modes & ADJ_TICK) && (tx->tick < 9000 || tx->tick > 11000)) {
		errno = EINVAL;
		return -1;
	}
	if (modes & ADJ_SETOFFSET) {
		if (tx->time.tv_usec < 0 ||
		    tx->time.tv_usec >= ((modes & ADJ_NANO) ? 1000000000L : 1000000L)) {
			errno = EINVAL;
			return -1;
		}
	}
	now = real_ns(CLOCK_REALTIME);
	lock();
	if (modes & ADJ_SETOFFSET) {
		int64_t d = (int64_t)tx->time.tv_sec * NS +
			    ((modes & ADJ_NANO) ? tx->time.tv_usec : tx->time.tv_usec * 1000);
		push_seg(now, offset_at(now) + d);
	}
	if (modes & ADJ_STATUS)
		g->status = (g->status & STA_RONLY) | (tx->status & ~STA_RONLY);
	if (modes & ADJ_NANO)
		g->status |= STA_NANO;
	if (modes & ADJ_MICRO)
		g->status &= ~STA_NANO;
	if (modes & ADJ_FREQUENCY)
		g->freq = clampl(tx->freq, -32768000L, 32768000L); /* +-500 ppm << 16 */
	if (modes & ADJ_TICK)
		g->tick = tx->tick;
	if (modes & (ADJ_FREQUENCY | ADJ_TICK))
		push_seg(now, offset_at(now));
	if (modes & ADJ_MAXERROR)
		g->maxerror = clampl(tx->maxerror, 0, 16000000);
	if (modes & ADJ_ESTERROR)
		g->esterror = clampl(tx->esterror, 0, 16000000);
	if (modes & ADJ_TIMECONST)
		g->constant = clampl(tx->constant, 0, 10);
	if ((modes & ADJ_TAI) && tx->constant >= 0 && tx->constant <= 1000)
		g->tai = (int)tx->constant;
	if (modes & ADJ_OFFSET)
		g->offset = tx->offset; /* kernel PLL not simulated */
	if (modes)
		note_call(now);
	v = now + offset_at(now);
	tx->offset = g->offset;
	tx->freq = g->freq;
	tx->maxerror = g->maxerror;
	tx->esterror = g->esterror;
	tx->status = g->status;
	tx->constant = g->constant;
	tx->precision = 1;
	tx->tolerance = 32768000;
	tx->tick = g->tick;
	tx->tai = g->tai;
	tx->time.tv_sec = (time_t)floor_div(v, NS);
	tx->time.tv_usec = (long)(v - (int64_t)tx->time.tv_sec * NS);
	if (!(g->status & STA_NANO))
		tx->time.tv_usec /= 1000;
	tx->ppsfreq = tx->jitter = tx->stabil = 0;
	tx->shift = 0;
	tx->jitcnt = tx->calcnt = tx->errcnt = tx->stbcnt = 0;
	ret = clock_state();
	unlock();
	return ret;
}

int clock_adjtime(clockid_t c, struct timex *tx)
{
	if (c != CLOCK_REALTIME)
		return get_clock_adjtime()(c, tx);
	return fake_adjtimex(tx);
}

int adjtimex(struct timex *tx)
{
	return fake_adjtimex(tx);
}

int ntp_adjtime(struct timex *tx)
{
	return fake_adjtimex(tx);
}

/* ------------------------------------------------------------ files */

int __open_2(const char *path, int flags);
int __open64_2(const char *path, int flags);
int __openat_2(int dirfd, const char *path, int flags);
int __openat64_2(int dirfd, const char *path, int flags);

static int is_pps_path(const char *path)
{
	init();
	return pps_path[0] && path && strcmp(path, pps_path) == 0;
}

static int need_mode(int flags)
{
	return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE;
}

int open(const char *path, int flags, ...)
{
	mode_t mode = 0;

	if (need_mode(flags)) {
		va_list ap;
		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	if (is_pps_path(path))
		return open_fake(flags);
	return get_open()(path, flags, mode);
}

int open64(const char *path, int flags, ...)
{
	mode_t mode = 0;

	if (need_mode(flags)) {
		va_list ap;
		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	if (is_pps_path(path))
		return open_fake(flags);
	return get_open()(path, flags | O_LARGEFILE, mode);
}

int openat(int dirfd, const char *path, int flags, ...)
{
	mode_t mode = 0;

	if (need_mode(flags)) {
		va_list ap;
		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	if (is_pps_path(path))
		return open_fake(flags);
	return get_openat()(dirfd, path, flags, mode);
}

int openat64(int dirfd, const char *path, int flags, ...)
{
	mode_t mode = 0;

	if (need_mode(flags)) {
		va_list ap;
		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	if (is_pps_path(path))
		return open_fake(flags);
	return get_openat()(dirfd, path, flags | O_LARGEFILE, mode);
}

int __open_2(const char *path, int flags)
{
	return open(path, flags);
}

int __open64_2(const char *path, int flags)
{
	return open64(path, flags);
}

int __openat_2(int dirfd, const char *path, int flags)
{
	return openat(dirfd, path, flags);
}

int __openat64_2(int dirfd, const char *path, int flags)
{
	return openat64(dirfd, path, flags);
}

int close(int fd)
{
	mark_fake(fd, 0);
	return get_close()(fd);
}

/* a duplicate of the device is the device; a file duplicated over it is not */
int dup2(int oldfd, int newfd)
{
	int r = get_dup2()(oldfd, newfd);

	if (r >= 0 && oldfd != newfd)
		mark_fake(r, is_fake(oldfd));
	return r;
}

int dup3(int oldfd, int newfd, int flags)
{
	int r = get_dup3()(oldfd, newfd, flags);

	if (r >= 0)
		mark_fake(r, is_fake(oldfd));
	return r;
}

int ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (is_fake(fd)) {
		init();
		return pps_ioctl(req, arg);
	}
	return get_ioctl()(fd, req, arg);
}
