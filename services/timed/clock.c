/*
 * clock.c - timed's clock role ("clock"): the one process that may set
 * the system clock.
 *
 * It keeps CAP_SYS_TIME and nothing else, has no files, no devices and
 * no network, and reads fixed-size TIMED_MSG_ADJ requests from main.  It
 * trusts nothing in them: timed_adj_check() re-checks every field against
 * the limits in timed.h before one clock_adjtime(CLOCK_REALTIME) call
 * carries the request out, and the answer (0 or -errno) goes back.  So a
 * compromised main can move the clock only within those bounds, and only
 * through the kernel's own adjtimex interface; it cannot read or write
 * anything else with the capability.
 *
 * Frequency: the kernel takes a frequency offset of at most 500 ppm
 * (ADJ_FREQUENCY, 2^-16 ppm units) and a tick length of 9000..11000 us
 * per 1/USER_HZ (100) s, i.e. +-10 %; chrony's Linux driver combines
 * both for its large slews, and so do we: the tick takes whole steps of
 * 100 ppm, the frequency the rest (within +-50 ppm).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timex.h>
#include <time.h>
#include <unistd.h>

#include "ipc.h"
#include "log.h"
#include "sandbox.h"
#include "timed.h"
#include "timed_int.h"
#include "timestatus.h"

#define USER_HZ 100
#define TICK_NOMINAL_US (1000000 / USER_HZ)
#define PPB_PER_TICK_US 100000LL /* 1 us per 10 ms */
#define MAX_ERROR_NS_LIMIT 16000000000LL /* the kernel's NTP_PHASE_LIMIT scale: 16 s */

int timed_adj_check(const struct timed_msg_adj *a, char *err, size_t errlen)
{
	if (a->reserved != 0) {
		snprintf(err, errlen, "reserved field is %u, expected 0", a->reserved);
		return -1;
	}
	if (a->freq_ppb < -TIMED_ADJ_FREQ_MAX_PPB || a->freq_ppb > TIMED_ADJ_FREQ_MAX_PPB) {
		snprintf(err, errlen, "frequency %lld ppb outside +-%lld", (long long)a->freq_ppb,
			 (long long)TIMED_ADJ_FREQ_MAX_PPB);
		return -1;
	}
	switch (a->kind) {
	case TIMED_ADJ_FREQ:
		if (a->step_ns != 0 || a->leap != 0 || a->synced != 0 || a->max_error_ns != 0)
			goto extra;
		return 0;
	case TIMED_ADJ_STEP:
		if (a->step_ns == 0 || a->step_ns < -TIMED_ADJ_STEP_MAX_NS ||
		    a->step_ns > TIMED_ADJ_STEP_MAX_NS) {
			snprintf(err, errlen, "step %lld ns: expected 0 < |step| <= %lld",
				 (long long)a->step_ns, (long long)TIMED_ADJ_STEP_MAX_NS);
			return -1;
		}
		if (a->leap != 0 || a->synced != 0 || a->max_error_ns != 0)
			goto extra;
		return 0;
	case TIMED_ADJ_STATUS:
		if (a->leap > TG_LEAP_DELETE || a->synced > 1) {
			snprintf(err, errlen, "leap %u / synced %u: expected 0..2 / 0..1", a->leap,
				 a->synced);
			return -1;
		}
		if (a->max_error_ns < 0 || a->max_error_ns > MAX_ERROR_NS_LIMIT) {
			snprintf(err, errlen, "max error %lld ns outside 0..%lld",
				 (long long)a->max_error_ns, (long long)MAX_ERROR_NS_LIMIT);
			return -1;
		}
		if (a->step_ns != 0 || a->freq_ppb != 0)
			goto extra;
		return 0;
	default:
		snprintf(err, errlen, "kind %u: expected %d (freq), %d (step) or %d (status)", a->kind,
			 TIMED_ADJ_FREQ, TIMED_ADJ_STEP, TIMED_ADJ_STATUS);
		return -1;
	}
extra:
	snprintf(err, errlen, "kind %u carries fields it does not use", a->kind);
	return -1;
}

void timed_adj_to_timex(const struct timed_msg_adj *a, struct timex *tx)
{
	long long ticks, rest;

	memset(tx, 0, sizeof(*tx));
	switch (a->kind) {
	case TIMED_ADJ_FREQ:
		/* nearest whole tick step, the remainder (|rest| <= 50 ppm) as frequency */
		ticks = a->freq_ppb >= 0 ? (a->freq_ppb + PPB_PER_TICK_US / 2) / PPB_PER_TICK_US
					 : -((-a->freq_ppb + PPB_PER_TICK_US / 2) / PPB_PER_TICK_US);
		rest = a->freq_ppb - ticks * PPB_PER_TICK_US;
		tx->modes = ADJ_FREQUENCY | ADJ_TICK;
		tx->tick = TICK_NOMINAL_US + ticks;
		/* ppb -> 2^-16 ppm: * 65536 / 1000, rounded */
		tx->freq = (long)((rest * 65536 + (rest >= 0 ? 500 : -500)) / 1000);
		break;
	case TIMED_ADJ_STEP: {
		long long s = a->step_ns / 1000000000LL, ns = a->step_ns % 1000000000LL;

		if (ns < 0) { /* the kernel wants 0 <= tv_usec (ns with ADJ_NANO) < 1e9 */
			s--;
			ns += 1000000000LL;
		}
		tx->modes = ADJ_SETOFFSET | ADJ_NANO;
		tx->time.tv_sec = (time_t)s;
		tx->time.tv_usec = (long)ns;
		break;
	}
	case TIMED_ADJ_STATUS:
		tx->modes = ADJ_STATUS | ADJ_MAXERROR | ADJ_ESTERROR;
		tx->status = a->synced ? 0 : STA_UNSYNC;
		if (a->leap == TG_LEAP_INSERT)
			tx->status |= STA_INS;
		else if (a->leap == TG_LEAP_DELETE)
			tx->status |= STA_DEL;
		tx->maxerror = (long)(a->max_error_ns / 1000);
		tx->esterror = (long)(a->max_error_ns / 1000);
		break;
	default:
		break;
	}
}

/* ------------------------------------------------------------- sandbox */

/*
 * The whole allow-list: messages on the IPC socket, the clock.  Always
 * added by tg_sandbox_enter: exit, exit_group, write, writev,
 * rt_sigreturn, restart_syscall, kill(self, SIGSYS).
 */
void timed_clock_sandbox(struct tg_sandbox *sb, struct tg_syscall_rule *rules, size_t cap,
			 int ipc_fd, const char *drop_user)
{
	struct tg_syscall_table tb;

	tg_sc_table_init(&tb, rules, cap);
	TG_SC_ADD(&tb, TG_SC1("recvmsg", 0, TG_CMP_EQ, (uint64_t)ipc_fd));
	TG_SC_ADD(&tb, TG_SC1("sendmsg", 0, TG_CMP_EQ, (uint64_t)ipc_fd));
	TG_SC_ADD(&tb, TG_SC("close")); /* a descriptor that came with a rejected message */
	/* the one privileged act, on the system clock only */
	TG_SC_ADD(&tb, TG_SC1("clock_adjtime", 0, TG_CMP_EQ, CLOCK_REALTIME));
	/* musl's clock_adjtime(CLOCK_REALTIME) is the adjtimex syscall: the same clock */
	TG_SC_ADD(&tb, TG_SC("adjtimex"));
	TG_SC_ADD(&tb, TG_SC("clock_gettime")); /* log time stamps */
	if (tb.full)
		tg_fatalx(TG_EXIT_SYS, "clock role: seccomp table too small (%zu rules)", cap);
	memset(sb, 0, sizeof(*sb));
	sb->role = "clock";
	sb->user = drop_user;
	sb->caps = 1ULL << 25; /* CAP_SYS_TIME */
	sb->syscalls = rules;
	sb->rlimit_nofile = 8;
}

int timed_clock_role(int ipc_fd, const char *drop_user)
{
	struct tg_syscall_rule rules[TIMED_RULES_MAX];
	struct tg_sandbox sb;
	char err[256];

	tg_log_set_role("clock");
	/* main stops us by closing the socket; group signals are main's to handle */
	signal(SIGTERM, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	timed_clock_sandbox(&sb, rules, TIMED_RULES_MAX, ipc_fd, drop_user);
	if (tg_sandbox_enter(&sb, err, sizeof(err)) < 0)
		tg_fatalx(TG_EXIT_SYS, "sandbox: %s", err);

	for (;;) {
		struct tg_ipc_hdr h;
		struct timed_msg_adj a;
		struct timed_msg_adj_done done;
		const struct tg_ipc_type *t;
		struct timex tx;
		int r;

		r = tg_ipc_recv(ipc_fd, &h, &a, sizeof(a), timed_to_clock_types,
				sizeof(timed_to_clock_types) / sizeof(timed_to_clock_types[0]), &t,
				NULL);
		if (r == TG_IPC_EOF)
			return TG_EXIT_OK;
		if (r == TG_IPC_ESYS && errno == EINTR)
			continue;
		if (r != TG_IPC_OK)
			tg_fatalx(TG_EXIT_SYS, "invalid message from main: %s", tg_ipc_strerror(r));
		if (timed_adj_check(&a, err, sizeof(err)) < 0)
			tg_fatalx(TG_EXIT_SYS, "refused request from main: %s", err);
		timed_adj_to_timex(&a, &tx);
		done.kind = a.kind;
		done.result = clock_adjtime(CLOCK_REALTIME, &tx) < 0 ? -errno : 0;
		if (done.result < 0)
			tg_err("clock_adjtime (kind %u): %s", a.kind, strerror(-done.result));
		else if (a.kind == TIMED_ADJ_STEP)
			tg_info("clock stepped by %+.9f s", (double)a.step_ns / 1e9);
		r = tg_ipc_send(ipc_fd, TIMED_MSG_ADJ_DONE, h.seq, &done, sizeof(done), -1);
		if (r == TG_IPC_ESYS && (errno == EPIPE || errno == ECONNRESET))
			return TG_EXIT_OK;
		if (r != TG_IPC_OK)
			tg_fatalx(TG_EXIT_SYS, "answering main: %s", tg_ipc_strerror(r));
	}
}
