/*
 * restart.h - what to do when a service exits, computed purely.
 *
 * Back-off: the delay before a restart is 1 s, doubled for each
 * consecutive run shorter than SV_BACKOFF_STABLE_S, capped at
 * SV_BACKOFF_MAX_S; a run of at least SV_BACKOFF_STABLE_S resets it.
 * A crash loop thus restarts after 1, 2, 4, 8, 16, 32, 60, 60, ... s.
 */
#ifndef SV_RESTART_H
#define SV_RESTART_H

#include <stddef.h>
#include <stdint.h>

#define SV_BACKOFF_MIN_S    1u
#define SV_BACKOFF_MAX_S    60u
#define SV_BACKOFF_STABLE_S 60u

struct sv_backoff {
	unsigned short_runs; /* consecutive runs shorter than SV_BACKOFF_STABLE_S */
};

/* Record a run of run_ns nanoseconds; returns the delay before the next start, in seconds. */
unsigned sv_backoff_next(struct sv_backoff *b, uint64_t run_ns);

enum sv_after {
	SV_AFTER_RESTART,    /* "; restarting in N s" */
	SV_AFTER_NO_RESTART, /* "; not restarting (restart never)" */
	SV_AFTER_STOPPING,   /* nothing added: the supervisor is stopping */
	SV_AFTER_REQUESTED,  /* "; restarting now (requested)": control.sock's restart */
};

/*
 * The log message for an exit, e.g.
 *   "service ntsd exited with status 111; restarting in 4 s"
 *   "service ntsd killed by signal 31 (SIGSYS, seccomp violation); restarting in 1 s"
 * wstatus as from waitpid().  Returns the length written (truncated to len-1).
 */
size_t sv_exit_message(char *buf, size_t len, const char *name, int wstatus, enum sv_after after,
                       unsigned delay_s);

/* "SIGTERM" for 15; NULL for a number outside the table. */
const char *sv_signal_name(int sig);

#endif
