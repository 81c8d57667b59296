/*
 * evloop.h - a small poll(2)-based event loop with timers and signals.
 *
 * poll, not epoll: the loop stays portable, and the clock it reads is a
 * function pointer so that tests can run a daemon's logic on a simulated
 * clock (tg_loop_run_once with an injected poll and clock).
 *
 * Fixed capacity, no allocation: the caller owns struct tg_loop.
 * Callbacks may add and remove fds and timers (including their own) while
 * the loop dispatches.
 */
#ifndef TG_EVLOOP_H
#define TG_EVLOOP_H

#include <poll.h>
#include <stdint.h>

#define TG_LOOP_MAX_FDS 512
#define TG_LOOP_MAX_TIMERS 64
#define TG_LOOP_MAX_SIGNALS 8

struct tg_loop;

typedef void (*tg_io_cb)(struct tg_loop *l, int fd, short revents, void *arg);
typedef void (*tg_timer_cb)(struct tg_loop *l, void *arg);
typedef void (*tg_signal_cb)(struct tg_loop *l, int signo, void *arg);
/* Monotonic time in nanoseconds. */
typedef uint64_t (*tg_clock_fn)(void *clock_arg);
typedef int (*tg_poll_fn)(struct pollfd *fds, nfds_t n, int timeout_ms, void *poll_arg);

struct tg_loop_fd {
	tg_io_cb cb;
	void *arg;
};

struct tg_loop_timer {
	uint64_t when_ns; /* 0: slot free */
	uint64_t id;
	tg_timer_cb cb;
	void *arg;
};

struct tg_loop_signal {
	int signo;
	tg_signal_cb cb;
	void *arg;
};

struct tg_loop {
	struct pollfd pfd[TG_LOOP_MAX_FDS];
	struct tg_loop_fd fdh[TG_LOOP_MAX_FDS];
	int nfds;
	struct tg_loop_timer timers[TG_LOOP_MAX_TIMERS];
	uint64_t next_timer_id;
	struct tg_loop_signal sigs[TG_LOOP_MAX_SIGNALS];
	int nsigs;
	int sigpipe[2]; /* self-pipe for signals, -1 until a signal is added */
	int stop;
	tg_clock_fn clock;
	void *clock_arg;
	tg_poll_fn poll;
	void *poll_arg;
};

/* Real monotonic clock (CLOCK_MONOTONIC) in ns. */
uint64_t tg_clock_monotonic(void *unused);

/* Initialise with the real clock and poll(2). */
void tg_loop_init(struct tg_loop *l);
/* Replace clock and poll (tests, simulations). */
void tg_loop_set_clock(struct tg_loop *l, tg_clock_fn clock, void *clock_arg);
void tg_loop_set_poll(struct tg_loop *l, tg_poll_fn poll, void *poll_arg);
uint64_t tg_loop_now(struct tg_loop *l);

/* Watch fd for events (POLLIN/POLLOUT).  -1 if full or fd already watched. */
int tg_loop_add_fd(struct tg_loop *l, int fd, short events, tg_io_cb cb, void *arg);
int tg_loop_mod_fd(struct tg_loop *l, int fd, short events);
void tg_loop_del_fd(struct tg_loop *l, int fd);

/*
 * One-shot timer at now + delay_ns.  Returns a non-zero id, 0 if full.
 * Timers due at the same time fire in the order they were added.
 */
uint64_t tg_loop_add_timer(struct tg_loop *l, uint64_t delay_ns, tg_timer_cb cb, void *arg);
void tg_loop_cancel_timer(struct tg_loop *l, uint64_t id);

/*
 * Deliver signo through the loop (self-pipe; SA_RESTART handler).
 * Returns -1 if full or on a system call failure.
 */
int tg_loop_add_signal(struct tg_loop *l, int signo, tg_signal_cb cb, void *arg);

/* Wait at most max_wait_ms (-1: until the next timer or event), dispatch once. */
int tg_loop_run_once(struct tg_loop *l, int max_wait_ms);
/* Loop until tg_loop_stop(); returns 0, or -1 if poll fails (errno set). */
int tg_loop_run(struct tg_loop *l);
void tg_loop_stop(struct tg_loop *l);

#endif
