/*
 * test_evloop.c - the event loop on a simulated clock and poll (no
 * sleeping): timer order (earliest first, FIFO on ties), poll timeouts
 * rounded up so no timer fires early, changes made by callbacks during a
 * round (removed fds not dispatched, reused slots not given stale
 * events, cancelled timers not fired, re-armed timers not looping);
 * then a real pipe, a real timer with tg_loop_run, and signals through
 * the self-pipe.
 */
#include "check.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "evloop.h"

#define MS 1000000ull

struct sim {
	uint64_t now;
	uint64_t early_ns; /* a poll timeout returns this much too early */
	int timeouts[64];
	int ntimeouts;
	short ready[1024]; /* revents to report per fd number, one-shot */
};

static char trace[1024];

static void tr(const char *s)
{
	strncat(trace, s, sizeof(trace) - strlen(trace) - 1);
	strncat(trace, " ", sizeof(trace) - strlen(trace) - 1);
}

static uint64_t sim_clock(void *arg)
{
	return ((struct sim *)arg)->now;
}

static int sim_poll(struct pollfd *fds, nfds_t n, int timeout_ms, void *arg)
{
	struct sim *s = arg;
	int ready = 0;
	nfds_t i;

	if (s->ntimeouts < 64)
		s->timeouts[s->ntimeouts++] = timeout_ms;
	for (i = 0; i < n; i++) {
		fds[i].revents = 0;
		if (fds[i].fd >= 0 && fds[i].fd < 1024 && s->ready[fds[i].fd]) {
			fds[i].revents = s->ready[fds[i].fd];
			s->ready[fds[i].fd] = 0;
			ready++;
		}
	}
	if (!ready && timeout_ms > 0)
		s->now += (uint64_t)timeout_ms * MS - s->early_ns;
	return ready;
}

static void sim_init(struct tg_loop *l, struct sim *s, uint64_t start)
{
	memset(s, 0, sizeof(*s));
	s->now = start;
	trace[0] = '\0';
	tg_loop_init(l);
	tg_loop_set_clock(l, sim_clock, s);
	tg_loop_set_poll(l, sim_poll, s);
}

static void tcb_name(struct tg_loop *l, void *arg)
{
	(void)l;
	tr(arg);
}

static void test_timer_order(void)
{
	static struct tg_loop l;
	struct sim s;

	sim_init(&l, &s, 1000 * MS);
	CHECK(tg_loop_add_timer(&l, 30 * MS, tcb_name, "A") != 0);
	CHECK(tg_loop_add_timer(&l, 10 * MS, tcb_name, "B") != 0);
	CHECK(tg_loop_add_timer(&l, 20 * MS, tcb_name, "C") != 0);
	CHECK(tg_loop_add_timer(&l, 10 * MS, tcb_name, "D") != 0);
	CHECK(tg_loop_add_timer(&l, 1500000, tcb_name, "E") != 0);

	CHECK_EQ_INT(tg_loop_run_once(&l, -1), 0);
	CHECK_EQ_STR(trace, "E ");
	CHECK_EQ_INT(tg_loop_run_once(&l, -1), 0);
	CHECK_EQ_STR(trace, "E B D ");
	CHECK_EQ_INT(tg_loop_run_once(&l, -1), 0);
	CHECK_EQ_INT(tg_loop_run_once(&l, -1), 0);
	CHECK_EQ_STR(trace, "E B D C A ");
	/* 1.5 ms waits 2 ms; the rest are whole */
	CHECK_EQ_INT(s.ntimeouts, 4);
	CHECK_EQ_INT(s.timeouts[0], 2);
	CHECK_EQ_INT(s.timeouts[1], 8);
	CHECK_EQ_INT(s.timeouts[2], 10);
	CHECK_EQ_INT(s.timeouts[3], 10);
	CHECK_EQ_INT(tg_loop_now(&l), 1030 * MS);
	/* no timers left: wait forever, or as told */
	tg_loop_run_once(&l, -1);
	tg_loop_run_once(&l, 0);
	tg_loop_run_once(&l, 77);
	CHECK_EQ_INT(s.timeouts[4], -1);
	CHECK_EQ_INT(s.timeouts[5], 0);
	CHECK_EQ_INT(s.timeouts[6], 77);
}

static void test_never_early(void)
{
	static struct tg_loop l;
	struct sim s;

	sim_init(&l, &s, 5 * MS);
	s.early_ns = 1; /* poll wakes 1 ns before the timeout */
	tg_loop_add_timer(&l, 5 * MS, tcb_name, "T");
	tg_loop_run_once(&l, -1);
	CHECK_EQ_INT(s.timeouts[0], 5);
	CHECK_EQ_STR(trace, "");
	/* 1 ns left rounds up to 1 ms */
	tg_loop_run_once(&l, -1);
	CHECK_EQ_INT(s.timeouts[1], 1);
	CHECK_EQ_STR(trace, "T ");

	/* timer already due: no wait */
	tg_loop_add_timer(&l, 0, tcb_name, "Z");
	tg_loop_run_once(&l, -1);
	CHECK_EQ_INT(s.timeouts[2], 0);
	CHECK_EQ_STR(trace, "T Z ");

	/* max_wait_ms caps the wait; a far timer caps at INT_MAX */
	tg_loop_add_timer(&l, UINT64_MAX, tcb_name, "far");
	tg_loop_run_once(&l, 50);
	tg_loop_run_once(&l, -1);
	CHECK_EQ_INT(s.timeouts[3], 50);
	CHECK_EQ_INT(s.timeouts[4], INT_MAX);
	CHECK_EQ_STR(trace, "T Z ");

	/* a clock starting at 0: deadline 0 would mean "free", so it is 1 ns */
	sim_init(&l, &s, 0);
	CHECK(tg_loop_add_timer(&l, 0, tcb_name, "zero") != 0);
	tg_loop_run_once(&l, -1);
	CHECK_EQ_STR(trace, "zero ");
}

static void test_fifo_ties(void)
{
	static struct tg_loop l;
	static const char *const names[] = {"t0", "t1", "t2", "t3", "t4", "t5", "t6"};
	uint64_t id[7];
	struct sim s;
	int i;

	sim_init(&l, &s, 100 * MS);
	for (i = 0; i < 5; i++)
		id[i] = tg_loop_add_timer(&l, 3 * MS, tcb_name, (void *)(uintptr_t)names[i]);
	/* free slots 1 and 3; the next timers land there but were added later */
	tg_loop_cancel_timer(&l, id[1]);
	tg_loop_cancel_timer(&l, id[3]);
	id[5] = tg_loop_add_timer(&l, 3 * MS, tcb_name, (void *)(uintptr_t)names[5]);
	id[6] = tg_loop_add_timer(&l, 3 * MS, tcb_name, (void *)(uintptr_t)names[6]);
	CHECK(id[5] > id[4] && id[6] > id[5]);
	tg_loop_run_once(&l, -1);
	CHECK_EQ_STR(trace, "t0 t2 t4 t5 t6 ");
	/* cancelling stale, zero or unknown ids is harmless */
	tg_loop_cancel_timer(&l, id[0]);
	tg_loop_cancel_timer(&l, 0);
	tg_loop_cancel_timer(&l, 12345);
}

struct canceller {
	uint64_t victim;
	struct tg_loop *l;
};

static void tcb_cancel(struct tg_loop *l, void *arg)
{
	struct canceller *c = arg;

	tr("canceller");
	tg_loop_cancel_timer(l, c->victim);
}

static uint64_t rearm_id;

static void tcb_rearm(struct tg_loop *l, void *arg)
{
	tr("rearm");
	rearm_id = tg_loop_add_timer(l, 0, tcb_rearm, arg);
}

static void test_callback_changes_timers(void)
{
	static struct tg_loop l;
	struct canceller c;
	struct sim s;

	sim_init(&l, &s, 1000);
	tg_loop_add_timer(&l, 1 * MS, tcb_cancel, &c);
	c.victim = tg_loop_add_timer(&l, 1 * MS, tcb_name, "victim");
	tg_loop_add_timer(&l, 1 * MS, tcb_name, "after");
	tg_loop_run_once(&l, -1);
	CHECK_EQ_STR(trace, "canceller after ");

	/* a timer re-arming itself with delay 0 runs once per round, not forever */
	trace[0] = '\0';
	tg_loop_add_timer(&l, 0, tcb_rearm, NULL);
	tg_loop_run_once(&l, -1);
	CHECK_EQ_STR(trace, "rearm ");
	tg_loop_run_once(&l, -1);
	CHECK_EQ_STR(trace, "rearm rearm ");
	tg_loop_cancel_timer(&l, rearm_id);
	tg_loop_run_once(&l, 0);
	CHECK_EQ_STR(trace, "rearm rearm ");
}

static void test_timer_full(void)
{
	static struct tg_loop l;
	uint64_t ids[TG_LOOP_MAX_TIMERS];
	struct sim s;
	int i;

	sim_init(&l, &s, 1);
	for (i = 0; i < TG_LOOP_MAX_TIMERS; i++) {
		ids[i] = tg_loop_add_timer(&l, (uint64_t)i, tcb_name, "x");
		CHECK(ids[i] != 0);
	}
	CHECK_EQ_INT(tg_loop_add_timer(&l, 1, tcb_name, "x"), 0);
	CHECK_EQ_INT(tg_loop_add_timer(&l, 1, NULL, NULL), 0);
	tg_loop_cancel_timer(&l, ids[10]);
	CHECK(tg_loop_add_timer(&l, 1, tcb_name, "x") != 0);
}

/* fd callbacks: what each does is set per test */
struct fdact {
	int del; /* fd to delete, -1 none */
	int add; /* fd to add, -1 none */
	int mod; /* fd whose events become POLLOUT, -1 none */
};
static struct fdact acts[1024];

static void iocb(struct tg_loop *l, int fd, short revents, void *arg);

static void iocb2(struct tg_loop *l, int fd, short revents, void *arg)
{
	char b[32];

	(void)l;
	(void)arg;
	snprintf(b, sizeof(b), "new%d:%x", fd, (unsigned)revents);
	tr(b);
}

static void iocb(struct tg_loop *l, int fd, short revents, void *arg)
{
	struct fdact *a = &acts[fd];
	char b[32];

	(void)arg;
	snprintf(b, sizeof(b), "fd%d:%x", fd, (unsigned)revents);
	tr(b);
	if (a->del >= 0)
		tg_loop_del_fd(l, a->del);
	if (a->add >= 0)
		CHECK_EQ_INT(tg_loop_add_fd(l, a->add, POLLIN, iocb2, NULL), 0);
	if (a->mod >= 0)
		CHECK_EQ_INT(tg_loop_mod_fd(l, a->mod, POLLOUT), 0);
}

static void fd_setup(struct tg_loop *l, struct sim *s)
{
	int fd;

	sim_init(l, s, 1000);
	for (fd = 0; fd < 1024; fd++)
		acts[fd].del = acts[fd].add = acts[fd].mod = -1;
	for (fd = 3; fd <= 6; fd++) {
		CHECK_EQ_INT(tg_loop_add_fd(l, fd, POLLIN, iocb, NULL), 0);
		s->ready[fd] = POLLIN;
	}
}

static void test_fd_dispatch(void)
{
	static struct tg_loop l;
	struct sim s;

	/* everything ready: dispatched in table order */
	fd_setup(&l, &s);
	tg_loop_run_once(&l, -1);
	CHECK_EQ_STR(trace, "fd3:1 fd4:1 fd5:1 fd6:1 ");

	/* fd 3 removes fd 4, which was ready: 4 is not dispatched */
	fd_setup(&l, &s);
	acts[3].del = 4;
	tg_loop_run_once(&l, -1);
	CHECK_EQ_STR(trace, "fd3:1 fd5:1 fd6:1 ");

	/* fd 3 removes 4 and adds 7, which reuses 4's slot: no stale events for 7 */
	fd_setup(&l, &s);
	acts[3].del = 4;
	acts[3].add = 7;
	tg_loop_run_once(&l, -1);
	CHECK_EQ_STR(trace, "fd3:1 fd5:1 fd6:1 ");
	CHECK_EQ_INT(l.pfd[1].fd, 7);
	s.ready[7] = POLLIN;
	tg_loop_run_once(&l, -1);
	CHECK_EQ_STR(trace, "fd3:1 fd5:1 fd6:1 new7:1 ");

	/* the same fd number closed and re-added in the round: the new watcher waits */
	fd_setup(&l, &s);
	acts[3].del = 5;
	acts[3].add = 5;
	tg_loop_run_once(&l, -1);
	CHECK_EQ_STR(trace, "fd3:1 fd4:1 fd6:1 ");

	/* a callback removing itself, and later entries still run */
	fd_setup(&l, &s);
	acts[4].del = 4;
	tg_loop_run_once(&l, -1);
	CHECK_EQ_STR(trace, "fd3:1 fd4:1 fd5:1 fd6:1 ");
	CHECK_EQ_INT(l.pfd[1].fd, -1);

	/* fd 3 switches 5 to POLLOUT: its POLLIN is masked, its POLLHUP is not */
	fd_setup(&l, &s);
	acts[3].mod = 5;
	tg_loop_run_once(&l, -1);
	CHECK_EQ_STR(trace, "fd3:1 fd4:1 fd6:1 ");
	trace[0] = '\0';
	s.ready[5] = POLLIN | POLLHUP;
	acts[3].mod = -1;
	tg_loop_run_once(&l, -1);
	CHECK_EQ_STR(trace, "fd5:10 ");

	/* fds before timers in one round */
	fd_setup(&l, &s);
	tg_loop_add_timer(&l, 0, tcb_name, "tm");
	s.ready[4] = s.ready[5] = s.ready[6] = 0;
	tg_loop_run_once(&l, -1);
	CHECK_EQ_STR(trace, "fd3:1 tm ");
}

static void test_fd_table(void)
{
	static struct tg_loop l;
	struct sim s;
	int fd;

	sim_init(&l, &s, 1);
	CHECK_EQ_INT(tg_loop_add_fd(&l, -1, POLLIN, iocb, NULL), -1);
	CHECK_EQ_INT(tg_loop_add_fd(&l, 3, POLLIN, NULL, NULL), -1);
	for (fd = 0; fd < TG_LOOP_MAX_FDS; fd++)
		CHECK_EQ_INT(tg_loop_add_fd(&l, fd, POLLIN, iocb, NULL), 0);
	CHECK_EQ_INT(tg_loop_add_fd(&l, 9999, POLLIN, iocb, NULL), -1);
	CHECK_EQ_INT(tg_loop_add_fd(&l, 3, POLLIN, iocb, NULL), -1); /* already watched */
	CHECK_EQ_INT(l.nfds, TG_LOOP_MAX_FDS);
	tg_loop_del_fd(&l, 100);
	CHECK_EQ_INT(tg_loop_add_fd(&l, 9999, POLLIN, iocb, NULL), 0);
	CHECK_EQ_INT(l.pfd[100].fd, 9999);
	for (fd = 0; fd < TG_LOOP_MAX_FDS; fd++)
		tg_loop_del_fd(&l, fd);
	tg_loop_del_fd(&l, 9999);
	tg_loop_del_fd(&l, 12345); /* not watched: no-op */
	CHECK_EQ_INT(l.nfds, 0);
	CHECK_EQ_INT(tg_loop_mod_fd(&l, 3, POLLIN), -1);
}

/* ---- real clock, poll, pipe and signals ---- */

static int pipe_reads;

static void pipe_cb(struct tg_loop *l, int fd, short revents, void *arg)
{
	char c;

	(void)l;
	(void)arg;
	CHECK(revents & POLLIN);
	if (read(fd, &c, 1) == 1 && c == 'x')
		pipe_reads++;
}

static void stop_cb(struct tg_loop *l, void *arg)
{
	(void)arg;
	tg_loop_stop(l);
}

static void test_real_pipe(void)
{
	static struct tg_loop l;
	uint64_t t0;
	int p[2];

	tg_loop_init(&l);
	CHECK(pipe(p) == 0);
	CHECK_EQ_INT(tg_loop_add_fd(&l, p[0], POLLIN, pipe_cb, NULL), 0);
	CHECK(write(p[1], "x", 1) == 1);
	CHECK_EQ_INT(tg_loop_run_once(&l, 1000), 0);
	CHECK_EQ_INT(pipe_reads, 1);
	/* nothing to read: times out */
	CHECK_EQ_INT(tg_loop_run_once(&l, 0), 0);
	CHECK_EQ_INT(pipe_reads, 1);

	/* tg_loop_run until a 2 ms timer stops it, not before */
	t0 = tg_clock_monotonic(NULL);
	CHECK(tg_loop_add_timer(&l, 2 * MS, stop_cb, NULL) != 0);
	CHECK_EQ_INT(tg_loop_run(&l), 0);
	CHECK(tg_clock_monotonic(NULL) - t0 >= 2 * MS);
	close(p[0]);
	close(p[1]);
}

static int sig_seen[65];

static void sig_cb(struct tg_loop *l, int signo, void *arg)
{
	(void)l;
	(void)arg;
	sig_seen[signo]++;
}

static void test_signals(void)
{
	static struct tg_loop l;
	struct sigaction sa;
	pid_t pid;
	int i, st;

	tg_loop_init(&l);
	CHECK_EQ_INT(tg_loop_add_signal(&l, SIGUSR1, sig_cb, NULL), 0);
	CHECK_EQ_INT(tg_loop_add_signal(&l, SIGUSR2, sig_cb, NULL), 0);
	CHECK_EQ_INT(tg_loop_add_signal(&l, SIGUSR1, sig_cb, NULL), -1);
	CHECK_EQ_INT(tg_loop_add_signal(&l, SIGKILL, sig_cb, NULL), -1);
	CHECK_EQ_INT(tg_loop_add_signal(&l, 0, sig_cb, NULL), -1);
	CHECK_EQ_INT(tg_loop_add_signal(&l, 65, sig_cb, NULL), -1);
	CHECK(l.sigpipe[0] >= 0 && l.sigpipe[1] >= 0);
	CHECK((fcntl(l.sigpipe[0], F_GETFL) & O_NONBLOCK) &&
	      (fcntl(l.sigpipe[1], F_GETFL) & O_NONBLOCK));
	CHECK((fcntl(l.sigpipe[0], F_GETFD) & FD_CLOEXEC) &&
	      (fcntl(l.sigpipe[1], F_GETFD) & FD_CLOEXEC));
	CHECK(sigaction(SIGUSR1, NULL, &sa) == 0 && (sa.sa_flags & SA_RESTART));

	/* delivered while not polling: picked up by the next round; repeats coalesce */
	errno = EXDEV;
	raise(SIGUSR1);
	raise(SIGUSR1);
	CHECK_EQ_INT(errno, EXDEV); /* the handler saved errno */
	CHECK_EQ_INT(tg_loop_run_once(&l, 1000), 0);
	CHECK_EQ_INT(sig_seen[SIGUSR1], 1);
	CHECK_EQ_INT(sig_seen[SIGUSR2], 0);

	/* delivered during poll, from another process */
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		usleep(20000);
		kill(getppid(), SIGUSR2);
		_exit(0);
	}
	for (i = 0; i < 100 && !sig_seen[SIGUSR2]; i++)
		CHECK_EQ_INT(tg_loop_run_once(&l, 100), 0);
	CHECK_EQ_INT(sig_seen[SIGUSR2], 1);
	CHECK_EQ_INT(sig_seen[SIGUSR1], 1);
	waitpid(pid, &st, 0);

	/* a flood does not block the handler (non-blocking pipe) */
	for (i = 0; i < 100000; i++)
		raise(SIGUSR1);
	CHECK_EQ_INT(tg_loop_run_once(&l, 1000), 0);
	CHECK_EQ_INT(sig_seen[SIGUSR1], 2);
	signal(SIGUSR1, SIG_DFL);
	signal(SIGUSR2, SIG_DFL);
}

int main(void)
{
	RUN(test_timer_order);
	RUN(test_never_early);
	RUN(test_fifo_ties);
	RUN(test_callback_changes_timers);
	RUN(test_timer_full);
	RUN(test_fd_dispatch);
	RUN(test_fd_table);
	RUN(test_real_pipe);
	RUN(test_signals);
	return check_exit();
}
