/*
 * action.c - the commands control.sock's `run ACTION` starts.
 *
 * An action is MAIN_CONF's `action NAME COMMAND [ARGS...]`, run like
 * on-ready: as root (root wrote it into MAIN_CONF; the control-group only
 * chooses which and when), stdin /dev/null, its output captured into the
 * log through a pipe like a service's, TG_SERVICE=NAME in its
 * environment, its own session.  One runs at a time; the client that
 * asked waits for the answer, given when the action is reaped (its last
 * output line quoted if it failed).  An action still running after
 * SV_ACTION_LIMIT_NS is killed with its process group, and what it left
 * in its process group goes when it exits, as for a service: an answer
 * means the action is over.
 */
#include "supervise/supervise.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "supervise/svcenv.h"

static void action_timeout_cb(struct tg_loop *l, void *arg)
{
	struct sv *sv = arg;

	(void)l;
	sv->action_timer = 0;
	if (sv->action_pid <= 0)
		return;
	tg_warn("action %s (pid %d) still running after %llu s; killing it", sv->action->name,
	        (int)sv->action_pid, (unsigned long long)(SV_ACTION_LIMIT_NS / 1000000000u));
	sv->action_timed_out = 1;
	if (kill(-sv->action_pid, SIGKILL) < 0 && errno == ESRCH)
		kill(sv->action_pid, SIGKILL);
}

int sv_action_start(struct sv *sv, const struct sv_action *a, struct sv_client *c, char *ans,
                    size_t anslen)
{
	static struct sv_exec x;
	const char *argv[SV_ARGV_MAX];
	struct sv_spawn sp;
	int p[2], i;
	pid_t pid;

	if (sv->stopping) {
		snprintf(ans, anslen, "error the supervisor is stopping\n");
		return -1;
	}
	if (sv->action) {
		snprintf(ans, anslen, "error %s busy\n", sv->action->name);
		return -1;
	}
	for (i = 0; i < a->argc; i++)
		argv[i] = sv_action_arg(&sv->mc, a, i);
	if (sv_exec_build(&x, a->name, NULL, a->argc, argv, -1) < 0) {
		/* cannot happen: MAIN_CONF's pool is smaller than the exec strings */
		tg_err("action %s: command too long", a->name);
		snprintf(ans, anslen, "error %s: command too long\n", a->name);
		return -1;
	}
	if (pipe2(p, O_CLOEXEC) < 0) {
		tg_err("action %s: pipe: %s", a->name, strerror(errno));
		snprintf(ans, anslen, "error %s: pipe: %s\n", a->name, strerror(errno));
		return -1;
	}
	memset(&sp, 0, sizeof(sp));
	sp.name = a->name;
	sp.x = &x;
	sp.out_fd = p[1];
	sp.user = NULL;
	sp.workdir = "/";
	pid = sv_spawn(&sp);
	close(p[1]);
	if (pid < 0) {
		int saved = errno;

		close(p[0]);
		tg_err("action %s: fork: %s", a->name, strerror(saved));
		snprintf(ans, anslen, "error %s: fork: %s\n", a->name, strerror(saved));
		return -1;
	}
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	/* a previous action's pipe still held open by something it started */
	if (sv->action_out.fd >= 0)
		sv_output_close(&sv->action_out);
	sv_output_open(sv, &sv->action_out, p[0]);
	sv->action_out.keep_last = 1;
	sv->action_out.last[0] = '\0';
	sv->action = a;
	sv->action_pid = pid;
	sv->action_timed_out = 0;
	sv->action_timer = tg_loop_add_timer(&sv->loop, SV_ACTION_LIMIT_NS, action_timeout_cb, sv);
	if (!sv->action_timer)
		tg_warn("action %s: no timer slot; it is not killed after %llu s", a->name,
		        (unsigned long long)(SV_ACTION_LIMIT_NS / 1000000000u));
	sv->action_client = c;
	c->waiting = 1;
	tg_info("action %s: started %s (pid %d)", a->name, argv[0], (int)pid);
	return 0;
}

void sv_action_reaped(struct sv *sv, int wstatus)
{
	char msg[256], ans[SV_CTL_ANSWER_MAX];
	const char *name = sv->action->name;
	size_t n, skip;

	if (sv->action_timer) {
		tg_loop_cancel_timer(&sv->loop, sv->action_timer);
		sv->action_timer = 0;
	}
	/* its last words first: the answer quotes the last line */
	sv_output_drain(&sv->action_out);
	sv_exit_message(msg, sizeof(msg), name, wstatus, SV_AFTER_STOPPING, 0);
	/* "service NAME exited ..." -> "action NAME exited ..." */
	skip = strlen("service ");
	tg_log(WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0 ? TG_LOG_INFO : TG_LOG_WARN,
	       "action %s", msg + skip);
	n = sv_ctl_action_answer(ans, sizeof(ans), name, wstatus, sv->action_out.last,
	                         sv->action_timed_out ? (unsigned)(SV_ACTION_LIMIT_NS / 1000000000u)
	                                              : 0);
	sv->action = NULL;
	sv->action_pid = 0;
	if (sv->action_client) {
		struct sv_client *c = sv->action_client;

		sv->action_client = NULL;
		sv_ctl_answer(c, ans, n);
	}
}

void sv_action_forget_client(struct sv *sv, struct sv_client *c)
{
	if (sv->action_client == c)
		sv->action_client = NULL;
}
