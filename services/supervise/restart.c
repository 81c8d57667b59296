/*
 * restart.c - back-off and exit messages (pure; see restart.h).
 */
#include "supervise/restart.h"

#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>

unsigned sv_backoff_next(struct sv_backoff *b, uint64_t run_ns)
{
	unsigned d;

	if (run_ns >= (uint64_t)SV_BACKOFF_STABLE_S * 1000000000u) {
		b->short_runs = 0;
		return SV_BACKOFF_MIN_S;
	}
	if (b->short_runs < 32)
		b->short_runs++;
	/* 1 << (short_runs - 1), saturating well before the shift could overflow */
	d = b->short_runs > 7 ? SV_BACKOFF_MAX_S : SV_BACKOFF_MIN_S << (b->short_runs - 1);
	return d > SV_BACKOFF_MAX_S ? SV_BACKOFF_MAX_S : d;
}

/* Signal numbers are the same on x86_64 and aarch64 (asm-generic), but use the macros. */
static const struct {
	int sig;
	const char *name;
} signames[] = {
    {SIGHUP, "SIGHUP"},       {SIGINT, "SIGINT"},   {SIGQUIT, "SIGQUIT"},   {SIGILL, "SIGILL"},
    {SIGTRAP, "SIGTRAP"},     {SIGABRT, "SIGABRT"}, {SIGBUS, "SIGBUS"},     {SIGFPE, "SIGFPE"},
    {SIGKILL, "SIGKILL"},     {SIGUSR1, "SIGUSR1"}, {SIGSEGV, "SIGSEGV"},   {SIGUSR2, "SIGUSR2"},
    {SIGPIPE, "SIGPIPE"},     {SIGALRM, "SIGALRM"}, {SIGTERM, "SIGTERM"},   {SIGCHLD, "SIGCHLD"},
    {SIGCONT, "SIGCONT"},     {SIGSTOP, "SIGSTOP"}, {SIGTSTP, "SIGTSTP"},   {SIGTTIN, "SIGTTIN"},
    {SIGTTOU, "SIGTTOU"},     {SIGURG, "SIGURG"},   {SIGXCPU, "SIGXCPU"},   {SIGXFSZ, "SIGXFSZ"},
    {SIGVTALRM, "SIGVTALRM"}, {SIGPROF, "SIGPROF"}, {SIGWINCH, "SIGWINCH"}, {SIGIO, "SIGIO"},
    {SIGPWR, "SIGPWR"},       {SIGSYS, "SIGSYS"},
};

const char *sv_signal_name(int sig)
{
	size_t i;

	for (i = 0; i < sizeof(signames) / sizeof(signames[0]); i++)
		if (signames[i].sig == sig)
			return signames[i].name;
	return NULL;
}

size_t sv_exit_message(char *buf, size_t len, const char *name, int wstatus, enum sv_after after,
                       unsigned delay_s)
{
	char what[96], tail[48];
	int n;

	if (WIFEXITED(wstatus)) {
		snprintf(what, sizeof(what), "exited with status %d", WEXITSTATUS(wstatus));
	} else if (WIFSIGNALED(wstatus)) {
		int sig = WTERMSIG(wstatus);
		const char *sn = sv_signal_name(sig);

		/* our children die by SIGSYS only through the seccomp violation handler */
		snprintf(what, sizeof(what), "killed by signal %d (%s%s%s)", sig,
		         sn ? sn : "unknown", sig == SIGSYS ? ", seccomp violation" : "",
		         WCOREDUMP(wstatus) ? ", core dumped" : "");
	} else {
		snprintf(what, sizeof(what), "changed state (wait status 0x%x)", (unsigned)wstatus);
	}
	switch (after) {
	case SV_AFTER_RESTART:
		snprintf(tail, sizeof(tail), "; restarting in %u s", delay_s);
		break;
	case SV_AFTER_NO_RESTART:
		snprintf(tail, sizeof(tail), "; not restarting (restart never)");
		break;
	case SV_AFTER_REQUESTED:
		snprintf(tail, sizeof(tail), "; restarting now (requested)");
		break;
	default:
		tail[0] = '\0';
		break;
	}
	n = snprintf(buf, len, "service %s %s%s", name, what, tail);
	if (n < 0)
		n = 0;
	if (len && (size_t)n >= len)
		n = (int)(len - 1);
	return len ? (size_t)n : 0;
}
