/*
 * evloop.c - a small poll(2)-based event loop with timers and signals.
 *
 * fds: pfd[0..nfds) is a table with holes (fd == -1, which poll ignores),
 * so removing an fd never moves another one while a round is being
 * dispatched.  Each round dispatches a slot's revents at most once and
 * clears it first; tg_loop_del_fd and tg_loop_add_fd clear revents too,
 * so an fd removed earlier in the round is not dispatched, and a slot
 * reused in the same round does not inherit the old fd's events.
 *
 * Timers: a fixed array; the next due is the smallest (when_ns, id), ids
 * growing, so equal times fire in the order added.  A round fires only
 * timers that existed when it started (id below the round's mark): a
 * callback re-arming itself with delay 0 runs next round, not forever.
 * when_ns == 0 marks a free slot, so a deadline is at least 1 ns.
 *
 * Signals: the handler cannot know which loop it belongs to, so signals
 * go to the self-pipe of the last loop that added one: one loop per
 * process handles signals.  The handler sets a per-signal flag and writes a
 * byte; if the pipe is full the flag still records it.  The loop drains
 * the pipe and dispatches every flagged signal it registered.
 */
#include "evloop.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SIG_SLOTS 65 /* signals 1..64 */

static volatile sig_atomic_t sig_pending[SIG_SLOTS];
static volatile sig_atomic_t sig_wfd = -1;

uint64_t tg_clock_monotonic(void *unused)
{
	struct timespec ts;

	(void)unused;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int real_poll(struct pollfd *fds, nfds_t n, int timeout_ms, void *unused)
{
	(void)unused;
	return poll(fds, n, timeout_ms);
}

void tg_loop_init(struct tg_loop *l)
{
	int i;

	memset(l, 0, sizeof(*l));
	for (i = 0; i < TG_LOOP_MAX_FDS; i++)
		l->pfd[i].fd = -1;
	l->next_timer_id = 1;
	l->sigpipe[0] = l->sigpipe[1] = -1;
	l->clock = tg_clock_monotonic;
	l->poll = real_poll;
}

void tg_loop_set_clock(struct tg_loop *l, tg_clock_fn clock, void *clock_arg)
{
	l->clock = clock ? clock : tg_clock_monotonic;
	l->clock_arg = clock ? clock_arg : NULL;
}

void tg_loop_set_poll(struct tg_loop *l, tg_poll_fn poll_fn, void *poll_arg)
{
	l->poll = poll_fn ? poll_fn : real_poll;
	l->poll_arg = poll_fn ? poll_arg : NULL;
}

uint64_t tg_loop_now(struct tg_loop *l)
{
	return l->clock(l->clock_arg);
}

static int find_fd(const struct tg_loop *l, int fd)
{
	int i;

	for (i = 0; i < l->nfds; i++)
		if (l->pfd[i].fd == fd)
			return i;
	return -1;
}

int tg_loop_add_fd(struct tg_loop *l, int fd, short events, tg_io_cb cb, void *arg)
{
	int i, slot = -1;

	if (fd < 0 || !cb || find_fd(l, fd) >= 0)
		return -1;
	for (i = 0; i < l->nfds; i++) {
		if (l->pfd[i].fd < 0) {
			slot = i;
			break;
		}
	}
	if (slot < 0) {
		if (l->nfds >= TG_LOOP_MAX_FDS)
			return -1;
		slot = l->nfds++;
	}
	l->pfd[slot].fd = fd;
	l->pfd[slot].events = events;
	l->pfd[slot].revents = 0;
	l->fdh[slot].cb = cb;
	l->fdh[slot].arg = arg;
	return 0;
}

int tg_loop_mod_fd(struct tg_loop *l, int fd, short events)
{
	int i = fd < 0 ? -1 : find_fd(l, fd);

	if (i < 0)
		return -1;
	l->pfd[i].events = events;
	return 0;
}

void tg_loop_del_fd(struct tg_loop *l, int fd)
{
	int i = fd < 0 ? -1 : find_fd(l, fd);

	if (i < 0)
		return;
	l->pfd[i].fd = -1;
	l->pfd[i].events = 0;
	l->pfd[i].revents = 0;
	l->fdh[i].cb = NULL;
	l->fdh[i].arg = NULL;
	while (l->nfds > 0 && l->pfd[l->nfds - 1].fd < 0)
		l->nfds--;
}

uint64_t tg_loop_add_timer(struct tg_loop *l, uint64_t delay_ns, tg_timer_cb cb, void *arg)
{
	uint64_t now, when;
	int i;

	if (!cb)
		return 0;
	for (i = 0; i < TG_LOOP_MAX_TIMERS; i++)
		if (l->timers[i].when_ns == 0)
			break;
	if (i == TG_LOOP_MAX_TIMERS)
		return 0;
	now = tg_loop_now(l);
	when = delay_ns > UINT64_MAX - now ? UINT64_MAX : now + delay_ns;
	if (when == 0)
		when = 1; /* 0 means a free slot */
	l->timers[i].when_ns = when;
	l->timers[i].id = l->next_timer_id++;
	l->timers[i].cb = cb;
	l->timers[i].arg = arg;
	return l->timers[i].id;
}

void tg_loop_cancel_timer(struct tg_loop *l, uint64_t id)
{
	int i;

	if (!id)
		return;
	for (i = 0; i < TG_LOOP_MAX_TIMERS; i++) {
		if (l->timers[i].when_ns && l->timers[i].id == id) {
			memset(&l->timers[i], 0, sizeof(l->timers[i]));
			return;
		}
	}
}

/* The next timer in firing order with id < below, or -1. */
static int next_timer(const struct tg_loop *l, uint64_t below)
{
	int i, best = -1;

	for (i = 0; i < TG_LOOP_MAX_TIMERS; i++) {
		const struct tg_loop_timer *t = &l->timers[i];

		if (!t->when_ns || t->id >= below)
			continue;
		if (best < 0 || t->when_ns < l->timers[best].when_ns ||
		    (t->when_ns == l->timers[best].when_ns && t->id < l->timers[best].id))
			best = i;
	}
	return best;
}

static void signal_handler(int signo)
{
	int saved = errno;
	int fd = sig_wfd;
	char c = (char)signo;

	if (signo > 0 && signo < SIG_SLOTS)
		sig_pending[signo] = 1;
	if (fd >= 0) {
		/* a full pipe is fine: the flag above is what counts */
		ssize_t r = write(fd, &c, 1);
		(void)r;
	}
	errno = saved;
}

static void signal_pipe_cb(struct tg_loop *l, int fd, short revents, void *arg)
{
	char buf[64];
	int i;

	(void)revents;
	(void)arg;
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	for (i = 0; i < l->nsigs; i++) {
		int signo = l->sigs[i].signo;

		if (sig_pending[signo]) {
			sig_pending[signo] = 0;
			l->sigs[i].cb(l, signo, l->sigs[i].arg);
		}
	}
}

int tg_loop_add_signal(struct tg_loop *l, int signo, tg_signal_cb cb, void *arg)
{
	struct sigaction sa;
	int i;

	if (signo <= 0 || signo >= SIG_SLOTS || signo == SIGKILL || signo == SIGSTOP || !cb ||
	    l->nsigs >= TG_LOOP_MAX_SIGNALS) {
		errno = EINVAL;
		return -1;
	}
	for (i = 0; i < l->nsigs; i++) {
		if (l->sigs[i].signo == signo) {
			errno = EEXIST;
			return -1;
		}
	}
	if (l->sigpipe[0] < 0) {
		int p[2];

		if (pipe2(p, O_NONBLOCK | O_CLOEXEC) < 0)
			return -1;
		if (tg_loop_add_fd(l, p[0], POLLIN, signal_pipe_cb, NULL) < 0) {
			close(p[0]);
			close(p[1]);
			errno = ENOSPC;
			return -1;
		}
		l->sigpipe[0] = p[0];
		l->sigpipe[1] = p[1];
		sig_wfd = p[1];
	}

	l->sigs[l->nsigs].signo = signo;
	l->sigs[l->nsigs].cb = cb;
	l->sigs[l->nsigs].arg = arg;
	sig_pending[signo] = 0;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = signal_handler;
	sa.sa_flags = SA_RESTART;
	sigfillset(&sa.sa_mask);
	if (sigaction(signo, &sa, NULL) < 0)
		return -1;
	l->nsigs++;
	return 0;
}

/* Poll timeout: until the next timer (ns rounded up to ms, never early), capped by max_wait_ms. */
static int poll_timeout(struct tg_loop *l, int max_wait_ms)
{
	int i = next_timer(l, UINT64_MAX);
	uint64_t now, ms;
	int t;

	if (i < 0)
		return max_wait_ms < 0 ? -1 : max_wait_ms;
	now = tg_loop_now(l);
	if (l->timers[i].when_ns <= now)
		return 0;
	ms = (l->timers[i].when_ns - now + 999999u) / 1000000u;
	t = ms > (uint64_t)INT_MAX ? INT_MAX : (int)ms;
	if (max_wait_ms >= 0 && max_wait_ms < t)
		t = max_wait_ms;
	return t;
}

int tg_loop_run_once(struct tg_loop *l, int max_wait_ms)
{
	uint64_t mark = l->next_timer_id;
	uint64_t now;
	int i, n;

	n = l->poll(l->pfd, (nfds_t)l->nfds, poll_timeout(l, max_wait_ms), l->poll_arg);
	if (n < 0) {
		if (errno != EINTR)
			return -1;
		n = 0;
	}

	/* l->nfds is re-read: callbacks may add (revents 0) or remove slots */
	for (i = 0; n > 0 && i < l->nfds; i++) {
		struct pollfd *p = &l->pfd[i];
		short re;

		if (p->fd < 0 || !p->revents)
			continue;
		re = (short)(p->revents & (p->events | POLLERR | POLLHUP | POLLNVAL));
		p->revents = 0;
		if (re && l->fdh[i].cb)
			l->fdh[i].cb(l, p->fd, re, l->fdh[i].arg);
	}

	now = tg_loop_now(l);
	for (;;) {
		struct tg_loop_timer t;

		i = next_timer(l, mark);
		if (i < 0 || l->timers[i].when_ns > now)
			break;
		t = l->timers[i];
		memset(&l->timers[i], 0, sizeof(l->timers[i]));
		t.cb(l, t.arg);
	}
	return 0;
}

int tg_loop_run(struct tg_loop *l)
{
	while (!l->stop) {
		if (tg_loop_run_once(l, -1) < 0) {
			int e = errno;

			l->stop = 0;
			errno = e;
			return -1;
		}
	}
	l->stop = 0;
	return 0;
}

void tg_loop_stop(struct tg_loop *l)
{
	l->stop = 1;
}
