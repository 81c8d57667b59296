/*
 * service.c - services: load, start, reap, restart, readiness, stop.
 *
 * Life of a service:
 *   load    SERVICE_DIR/NAME.conf parsed (svcconf.c), its user looked up,
 *           Landlock found working and every path it grants found, its
 *           listen sockets bound; any failure -> failed-config, logged
 *           with file and line, never started (the others are);
 *   start   pipes, fork+exec (spawn.c) -> running;
 *   ready   notify: a line ending in '\n' on TG_NOTIFY_FD; started: still
 *           running after SV_READY_STARTED_NS;
 *   exit    reaped on SIGCHLD, what is left of its process group killed;
 *           restart always -> waiting, then start again after the
 *           back-off (restart.c); restart never -> stopped;
 *   stop    SIGTERM to the process group, SIGKILL after SV_STOP_GRACE_NS;
 *   restart (control.sock) the same stop, then a start as soon as it has
 *           exited: no back-off, and the back-off state untouched (an
 *           operator's restart is not a crash); status.sock's restarts
 *           counter counts it like any other start.
 *
 * "all services ready" is logged once, when every service with restart
 * always has been ready at least once; a service whose file is broken
 * counts and is never ready (so on-ready never confirms a bad setup).
 */
#include "supervise/supervise.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "landlock.h"
#include "log.h"
#include "sandbox.h"
#include "supervise/svcenv.h"

#define NS_PER_S 1000000000ull

static char file_buf[TG_CONF_FILE_MAX + 1];

static uint64_t now_ns(struct sv *sv)
{
	return tg_loop_now(&sv->loop);
}

static void service_start(struct sv_service *s);

/* ---------------------------------------------------------------- loading */

/* Read path into file_buf; returns the length or -1 with a message. */
static ssize_t read_file(const char *path, char *err, size_t errlen)
{
	struct stat st;
	size_t total = 0;
	int fd;

	/* O_NONBLOCK: a FIFO in place of the file must not hang the supervisor */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		goto fail;
	}
	/* it decides what runs as whom: writable by root only */
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		snprintf(err, errlen, "%s: writable by group or others (mode %04o); refused", path,
		         (unsigned)(st.st_mode & 07777));
		goto fail;
	}
	while (total < sizeof(file_buf)) {
		ssize_t r = read(fd, file_buf + total, sizeof(file_buf) - total);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			snprintf(err, errlen, "%s: read: %s", path, strerror(errno));
			goto fail;
		}
		if (r == 0)
			break;
		total += (size_t)r;
	}
	close(fd);
	if (total > TG_CONF_FILE_MAX) {
		snprintf(err, errlen, "%s: larger than %d bytes", path, TG_CONF_FILE_MAX);
		return -1;
	}
	return (ssize_t)total;

fail:
	close(fd);
	return -1;
}

static void close_listen(struct sv_service *s)
{
	int i;

	for (i = 0; i < SV_LISTEN_MAX; i++) {
		if (s->listen_fds[i] >= 0)
			close(s->listen_fds[i]);
		s->listen_fds[i] = -1;
	}
}

/*
 * Fail closed: no service runs without its filesystem confinement, so a
 * kernel without Landlock starts none; and a path the file grants must
 * exist (a typo would otherwise only show as the service failing to open
 * it).  The child opens the paths again for the rules: one removed in
 * between makes that run fail with the path named.
 */
static int check_fs(const char *path, const struct sv_conf *c, char *err, size_t errlen)
{
	char why[256];
	struct stat st;
	int i;

	if (tg_landlock_abi(why, sizeof(why)) < 0) {
		snprintf(err, errlen, "%s; no service runs without its filesystem confinement",
		         why);
		return -1;
	}
	for (i = 0; i < c->nfs; i++) {
		const struct sv_fs_path *f = &c->fs[i];
		const char *kw = tg_landlock_access_name(f->access);

		if (stat(f->path, &st) < 0) {
			snprintf(err, errlen, "%s: %s %s: %s (a granted path must exist)", path, kw,
			         f->path, strerror(errno));
			return -1;
		}
		if (f->access == TG_LL_DEVICE && !S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode)) {
			snprintf(err, errlen,
			         "%s: device %s: not a device node (expected a character or block "
			         "device)",
			         path, f->path);
			return -1;
		}
	}
	return 0;
}

/* Parse, check the user and the paths, bind the sockets.  0 or -1 with the message in err. */
static int load_one(struct sv *sv, struct sv_service *s, const char *name, char *err, size_t errlen)
{
	char path[SV_PATH_MAX + 64];
	unsigned uid, gid;
	ssize_t len;
	int i, n;

	n = snprintf(path, sizeof(path), "%s/%s.conf", sv->service_dir, name);
	if (n < 0 || (size_t)n >= sizeof(path)) {
		snprintf(err, errlen, "%.32s.conf: path too long (at most %d bytes)", name,
		         SV_PATH_MAX + 63);
		return -1;
	}
	len = read_file(path, err, errlen);
	if (len < 0)
		return -1;
	if (sv_conf_parse(file_buf, (size_t)len, path, name, &s->conf, err, errlen) < 0)
		return -1;
	if (tg_sandbox_lookup_user(s->conf.user, &uid, &gid) < 0) {
		snprintf(err, errlen, "%s: user '%s' does not exist", path, s->conf.user);
		return -1;
	}
	if (uid == 0 && !s->conf.allow_root) {
		snprintf(err, errlen, "%s: user '%s' has uid 0; that needs 'allow-root yes'", path,
		         s->conf.user);
		return -1;
	}
	/* group lines: looked up once, here, like the user; the ids go to every run */
	for (i = 0; i < s->conf.ngroups; i++) {
		struct group *gr = getgrnam(s->conf.groups[i]);

		if (!gr) {
			snprintf(err, errlen, "%s: group '%s' does not exist", path,
			         s->conf.groups[i]);
			return -1;
		}
		s->gids[i] = gr->gr_gid;
	}
	if (check_fs(path, &s->conf, err, errlen) < 0)
		return -1;
	for (i = 0; i < s->conf.nlisten; i++) {
		char why[192];

		s->listen_fds[i] = sv_listen_open(&s->conf.listen[i], why, sizeof(why));
		if (s->listen_fds[i] < 0) {
			snprintf(err, errlen, "%s: %s", path, why);
			close_listen(s);
			return -1;
		}
	}
	return 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(a, b);
}

void sv_services_load(struct sv *sv)
{
	static char names[SV_MAX_SERVICES][SV_NAME_MAX + 1];
	struct dirent *de;
	DIR *d;
	int i, n = 0;

	sv->nsvc = 0;
	d = opendir(sv->service_dir);
	if (!d) {
		tg_err("%s: cannot open: %s; no services, and never all ready", sv->service_dir,
		       strerror(errno));
		sv->dir_ok = 0;
		return;
	}
	sv->dir_ok = 1;
	while ((de = readdir(d)) != NULL) {
		char name[SV_NAME_MAX + 1];
		int r = sv_name_from_file(de->d_name, name);

		if (r == 0)
			continue;
		if (r < 0) {
			tg_warn("%s/%s: ignored: service names are [a-z0-9-]{1,31}",
			        sv->service_dir, de->d_name);
			continue;
		}
		if (n >= SV_MAX_SERVICES) {
			tg_err("%s/%s: ignored: at most %d services", sv->service_dir, de->d_name,
			       SV_MAX_SERVICES);
			continue;
		}
		memcpy(names[n++], name, sizeof(name));
	}
	closedir(d);
	qsort(names, (size_t)n, sizeof(names[0]), cmp_names);

	for (i = 0; i < n; i++) {
		struct sv_service *s = &sv->svc[sv->nsvc++];
		char err[TG_CONF_ERR_MAX + SV_PATH_MAX + 256];
		int k;

		memset(s, 0, sizeof(*s));
		s->sv = sv;
		s->out.sv = sv;
		s->out.fd = -1;
		s->notify_fd = -1;
		for (k = 0; k < SV_LISTEN_MAX; k++)
			s->listen_fds[k] = -1;
		if (load_one(sv, s, names[i], err, sizeof(err)) < 0) {
			/* keep the name for status.sock even if parsing did not get that far */
			memcpy(s->conf.name, names[i], sizeof(names[i]));
			s->state = SV_ST_FAILED;
			tg_err("service %s not started: %s", names[i], err);
			continue;
		}
		s->conf_ok = 1;
		s->state = SV_ST_STOPPED;
	}
}

/* ---------------------------------------------------------------- readiness */

static void onready_start(struct sv *sv)
{
	static struct sv_exec x;
	const char *argv[SV_ARGV_MAX];
	struct sv_spawn sp;
	int p[2], i;
	pid_t pid;

	if (!sv->mc.on_ready_argc)
		return;
	for (i = 0; i < sv->mc.on_ready_argc; i++)
		argv[i] = sv_main_conf_arg(&sv->mc, i);
	if (sv_exec_build(&x, "on-ready", NULL, sv->mc.on_ready_argc, argv, -1) < 0) {
		tg_err("on-ready: command too long");
		return;
	}
	if (pipe2(p, O_CLOEXEC) < 0) {
		tg_err("on-ready: pipe: %s", strerror(errno));
		return;
	}
	memset(&sp, 0, sizeof(sp));
	sp.name = "on-ready";
	sp.x = &x;
	sp.out_fd = p[1];
	sp.user = NULL; /* root, as configured by root in MAIN_CONF */
	sp.workdir = "/";
	pid = sv_spawn(&sp);
	close(p[1]);
	if (pid < 0) {
		tg_err("on-ready: fork: %s", strerror(errno));
		close(p[0]);
		return;
	}
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	if (sv->onready_out.fd >= 0)
		sv_output_close(&sv->onready_out);
	sv_output_open(sv, &sv->onready_out, p[0]);
	sv->onready_pid = pid;
	tg_info("on-ready: started %s (pid %d)", argv[0], (int)pid);
}

static void check_all_ready(struct sv *sv)
{
	int i, n = 0;
	uint64_t b;

	if (sv->all_ready_logged || sv->stopping || !sv->dir_ok)
		return;
	for (i = 0; i < sv->nsvc; i++) {
		struct sv_service *s = &sv->svc[i];

		if (s->conf_ok && s->conf.restart != SV_RESTART_ALWAYS)
			continue;
		if (!s->ever_ready)
			return;
		n++;
	}
	sv->all_ready_logged = 1;
	b = sv_boottime_ns();
	tg_info("all services ready (%d services, %llu.%llu s since boot)", n,
	        (unsigned long long)(b / NS_PER_S),
	        (unsigned long long)(b % NS_PER_S / 100000000u));
	onready_start(sv);
}

static void mark_ready(struct sv_service *s)
{
	if (s->ready_now || s->state != SV_ST_RUNNING)
		return;
	s->ready_now = 1;
	tg_info("service %s ready", s->conf.name);
	if (!s->ever_ready) {
		s->ever_ready = 1;
		check_all_ready(s->sv);
	}
}

static void ready_timer_cb(struct tg_loop *l, void *arg)
{
	struct sv_service *s = arg;

	(void)l;
	s->timer = 0;
	mark_ready(s);
}

static void notify_close(struct sv_service *s)
{
	if (s->notify_fd < 0)
		return;
	tg_loop_del_fd(&s->sv->loop, s->notify_fd);
	close(s->notify_fd);
	s->notify_fd = -1;
}

static void notify_cb(struct tg_loop *l, int fd, short revents, void *arg)
{
	struct sv_service *s = arg;
	char buf[256];
	ssize_t r;

	(void)l;
	(void)revents;
	r = read(fd, buf, sizeof(buf));
	if (r > 0) {
		if (memchr(buf, '\n', (size_t)r))
			mark_ready(s);
		return; /* anything after the first line is ignored */
	}
	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	notify_close(s); /* closed without a line: not ready (yet) */
}

/* ---------------------------------------------------------------- start, exit, restart */

static void restart_timer_cb(struct tg_loop *l, void *arg)
{
	struct sv_service *s = arg;

	(void)l;
	s->timer = 0;
	if (!s->sv->stopping && s->state == SV_ST_WAITING)
		service_start(s);
}

static void schedule_restart(struct sv_service *s, unsigned delay_s)
{
	s->state = SV_ST_WAITING;
	s->timer =
	    tg_loop_add_timer(&s->sv->loop, (uint64_t)delay_s * NS_PER_S, restart_timer_cb, s);
	if (!s->timer) {
		tg_err("service %s: no timer slot for the restart; stopped", s->conf.name);
		s->state = SV_ST_STOPPED;
	}
}

static void service_start(struct sv_service *s)
{
	static struct sv_exec x;
	struct sv *sv = s->sv;
	struct sv_spawn sp;
	struct tg_landlock_rule fs[SV_FS_MAX + 1];
	int pass[SV_LISTEN_MAX + 1];
	int out[2], nfy[2] = {-1, -1};
	unsigned delay;
	int i, npass = 0;
	pid_t pid;

	/* output of a previous run still held open by a leftover process */
	if (s->out.fd >= 0) {
		sv_output_drain(&s->out);
		sv_output_close(&s->out);
	}
	if (pipe2(out, O_CLOEXEC) < 0)
		goto fail_sys;
	if (s->conf.ready == SV_READY_NOTIFY && pipe2(nfy, O_CLOEXEC) < 0) {
		close(out[0]);
		close(out[1]);
		goto fail_sys;
	}
	for (i = 0; i < s->conf.nlisten; i++) {
		/* O_NONBLOCK is shared with the child: a previous run may have cleared it */
		int fl = fcntl(s->listen_fds[i], F_GETFL);

		if (fl >= 0 && !(fl & O_NONBLOCK))
			fcntl(s->listen_fds[i], F_SETFL, fl | O_NONBLOCK);
		pass[npass++] = s->listen_fds[i];
	}
	if (nfy[1] >= 0)
		pass[npass++] = nfy[1];
	/* the notify pipe's write end follows the listen sockets: fd 3 + nlisten */
	if (sv_exec_build(&x, s->conf.name, &s->conf, 0, NULL,
	                  nfy[1] >= 0 ? 3 + s->conf.nlisten : -1) < 0) {
		/* cannot happen for a file that parsed: the pools are sized for it */
		tg_err("service %s: command and environment too long", s->conf.name);
		close(out[0]);
		close(out[1]);
		if (nfy[0] >= 0) {
			close(nfy[0]);
			close(nfy[1]);
		}
		s->state = SV_ST_STOPPED;
		return;
	}

	memset(&sp, 0, sizeof(sp));
	sp.name = s->conf.name;
	sp.x = &x;
	sp.out_fd = out[1];
	sp.pass_fds = pass;
	sp.npass = npass;
	sp.user = s->conf.user;
	sp.groups = s->gids;
	sp.ngroups = s->conf.ngroups;
	sp.caps = s->conf.caps;
	sp.nofile = s->conf.nofile;
	sp.nproc = s->conf.nproc;
	sp.workdir = s->conf.workdir;
	/* the program itself (exactly that file), then the paths the file grants */
	fs[0].path = sv_conf_arg(&s->conf, 0);
	fs[0].access = TG_LL_EXEC;
	for (i = 0; i < s->conf.nfs; i++) {
		fs[1 + i].path = s->conf.fs[i].path;
		fs[1 + i].access = s->conf.fs[i].access;
	}
	sp.fs = fs;
	sp.nfs = (size_t)s->conf.nfs + 1;
	pid = sv_spawn(&sp);
	close(out[1]);
	if (nfy[1] >= 0)
		close(nfy[1]);
	if (pid < 0) {
		int saved = errno;

		close(out[0]);
		if (nfy[0] >= 0)
			close(nfy[0]);
		errno = saved;
		goto fail_sys;
	}

	s->pid = pid;
	s->state = SV_ST_RUNNING;
	s->started_ns = now_ns(sv);
	s->starts++;
	s->ready_now = 0;
	fcntl(out[0], F_SETFL, O_NONBLOCK);
	sv_output_open(sv, &s->out, out[0]);
	if (nfy[0] >= 0) {
		fcntl(nfy[0], F_SETFL, O_NONBLOCK);
		s->notify_fd = nfy[0];
		if (tg_loop_add_fd(&sv->loop, nfy[0], POLLIN, notify_cb, s) < 0) {
			tg_err("service %s: event loop full; readiness cannot be seen",
			       s->conf.name);
			close(nfy[0]);
			s->notify_fd = -1;
		}
	} else {
		s->timer = tg_loop_add_timer(&sv->loop, SV_READY_STARTED_NS, ready_timer_cb, s);
	}
	tg_info("service %s started (pid %d)", s->conf.name, (int)pid);
	return;

fail_sys:
	/* as if it had exited at once: same back-off */
	delay = sv_backoff_next(&s->backoff, 0);
	tg_err("service %s: cannot start: %s; restarting in %u s", s->conf.name, strerror(errno),
	       delay);
	schedule_restart(s, delay);
}

static void service_exited(struct sv_service *s, int wstatus)
{
	struct sv *sv = s->sv;
	uint64_t run = now_ns(sv) - s->started_ns;
	enum tg_log_level level = TG_LOG_WARN;
	enum sv_after after;
	unsigned delay = 0;
	char msg[256];

	if (s->timer) {
		tg_loop_cancel_timer(&sv->loop, s->timer);
		s->timer = 0;
	}
	if (s->kill_timer) {
		tg_loop_cancel_timer(&sv->loop, s->kill_timer);
		s->kill_timer = 0;
	}
	s->pid = 0;
	s->ready_now = 0;
	/* its last words first; keep the pipe until EOF (a leftover process may still write) */
	sv_output_drain(&s->out);
	notify_close(s);

	if (sv->stopping) {
		after = SV_AFTER_STOPPING;
		s->state = SV_ST_STOPPED;
		level = TG_LOG_INFO;
	} else if (s->restart_requested) {
		after = SV_AFTER_REQUESTED;
		level = TG_LOG_INFO;
	} else if (s->conf.restart == SV_RESTART_NEVER) {
		after = SV_AFTER_NO_RESTART;
		s->state = SV_ST_STOPPED;
	} else {
		after = SV_AFTER_RESTART;
		delay = sv_backoff_next(&s->backoff, run);
	}
	s->restart_requested = 0;
	if (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0 && after != SV_AFTER_RESTART)
		level = TG_LOG_INFO;
	if (WIFSIGNALED(wstatus) && WTERMSIG(wstatus) == SIGSYS)
		level = TG_LOG_ERR;
	sv_exit_message(msg, sizeof(msg), s->conf.name, wstatus, after, delay);
	tg_log(level, "%s", msg);
	if (after == SV_AFTER_RESTART)
		schedule_restart(s, delay);
	else if (after == SV_AFTER_REQUESTED)
		service_start(s);
}

void sv_services_start(struct sv *sv)
{
	int i;

	for (i = 0; i < sv->nsvc; i++)
		if (sv->svc[i].conf_ok)
			service_start(&sv->svc[i]);
	check_all_ready(sv);
}

/* ---------------------------------------------------------------- reaping and stopping */

static int anything_running(struct sv *sv)
{
	int i;

	if (sv->onready_pid > 0 || sv->action_pid > 0)
		return 1;
	for (i = 0; i < sv->nsvc; i++)
		if (sv->svc[i].pid > 0)
			return 1;
	return 0;
}

static void stop_done(struct sv *sv)
{
	if (sv->stop_timer) {
		tg_loop_cancel_timer(&sv->loop, sv->stop_timer);
		sv->stop_timer = 0;
	}
	tg_info("all services stopped");
	tg_loop_stop(&sv->loop);
}

static struct sv_service *find_pid(struct sv *sv, pid_t pid)
{
	int i;

	for (i = 0; i < sv->nsvc; i++)
		if (sv->svc[i].pid == pid)
			return &sv->svc[i];
	return NULL;
}

void sv_services_reap(struct sv *sv)
{
	for (;;) {
		struct sv_service *s;
		siginfo_t si;
		int wstatus;
		pid_t pid;

		/* look first (WNOWAIT): the zombie keeps its process group id reserved */
		memset(&si, 0, sizeof(si));
		if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) < 0 || si.si_pid == 0)
			break;
		s = find_pid(sv, si.si_pid);
		/*
		 * A service is its main process: what it left behind in its
		 * process group (which may hold its sockets) goes with it, before
		 * the next run starts; so for an action, whose answer says it is
		 * over.  Safe while the leader is an unreaped zombie: the group id
		 * cannot have been reused.
		 */
		if (s || (sv->action_pid > 0 && si.si_pid == sv->action_pid))
			kill(-si.si_pid, SIGKILL);
		pid = waitpid(si.si_pid, &wstatus, WNOHANG);
		if (pid <= 0)
			break;
		if (s) {
			service_exited(s, wstatus);
		} else if (sv->action_pid > 0 && pid == sv->action_pid) {
			sv_action_reaped(sv, wstatus);
		} else if (pid == sv->onready_pid) {
			char msg[256];

			sv->onready_pid = 0;
			sv_output_drain(&sv->onready_out);
			sv_exit_message(msg, sizeof(msg), "on-ready", wstatus, SV_AFTER_STOPPING,
			                0);
			/* "service on-ready exited ..." -> "on-ready command exited ..." */
			tg_log(WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0 ? TG_LOG_INFO
			                                                       : TG_LOG_WARN,
			       "on-ready command%s", msg + strlen("service on-ready"));
		} else {
			/* an orphan that was reparented to us (we are a subreaper) */
			tg_debug("reaped orphan pid %d", (int)pid);
		}
	}
	if (sv->stopping && !anything_running(sv))
		stop_done(sv);
}

/* Signal a service's process group (its pid: setsid in the child), or the pid before setsid. */
static void signal_group(pid_t pid, int sig)
{
	if (kill(-pid, sig) < 0 && errno == ESRCH)
		kill(pid, sig);
}

static void giveup_cb(struct tg_loop *l, void *arg)
{
	struct sv *sv = arg;

	(void)l;
	sv->stop_timer = 0;
	tg_err("processes still running %llu s after SIGKILL; exiting anyway",
	       (unsigned long long)(SV_STOP_GRACE_NS / NS_PER_S));
	tg_loop_stop(&sv->loop);
}

void sv_services_kill_all(struct sv *sv)
{
	int i;

	for (i = 0; i < sv->nsvc; i++) {
		if (sv->svc[i].pid > 0) {
			tg_warn("service %s (pid %d) did not stop; sending SIGKILL",
			        sv->svc[i].conf.name, (int)sv->svc[i].pid);
			signal_group(sv->svc[i].pid, SIGKILL);
		}
	}
	if (sv->onready_pid > 0)
		signal_group(sv->onready_pid, SIGKILL);
	if (sv->action_pid > 0)
		signal_group(sv->action_pid, SIGKILL);
	sv->killed = 1;
}

static void kill_cb(struct tg_loop *l, void *arg)
{
	struct sv *sv = arg;

	(void)l;
	sv->stop_timer = 0;
	sv_services_kill_all(sv);
	sv->stop_timer = tg_loop_add_timer(&sv->loop, SV_STOP_GRACE_NS, giveup_cb, sv);
}

void sv_services_stop(struct sv *sv, int signo)
{
	int i;

	if (sv->stopping) {
		tg_info("%s received; already stopping", signo == SIGINT ? "SIGINT" : "SIGTERM");
		return;
	}
	sv->stopping = 1;
	tg_info("%s received; stopping services", signo == SIGINT ? "SIGINT" : "SIGTERM");
	for (i = 0; i < sv->nsvc; i++) {
		struct sv_service *s = &sv->svc[i];

		if (s->timer) {
			tg_loop_cancel_timer(&sv->loop, s->timer);
			s->timer = 0;
		}
		/* a restart under way: the stop sequence's own SIGKILL timer takes over */
		if (s->kill_timer) {
			tg_loop_cancel_timer(&sv->loop, s->kill_timer);
			s->kill_timer = 0;
		}
		if (s->pid > 0) {
			signal_group(s->pid, SIGTERM);
			signal_group(s->pid, SIGCONT);
		} else if (s->state == SV_ST_WAITING) {
			s->state = SV_ST_STOPPED;
		}
	}
	if (sv->onready_pid > 0) {
		signal_group(sv->onready_pid, SIGTERM);
		signal_group(sv->onready_pid, SIGCONT);
	}
	if (sv->action_pid > 0) {
		signal_group(sv->action_pid, SIGTERM);
		signal_group(sv->action_pid, SIGCONT);
	}
	if (!anything_running(sv)) {
		stop_done(sv);
		return;
	}
	sv->stop_timer = tg_loop_add_timer(&sv->loop, SV_STOP_GRACE_NS, kill_cb, sv);
	if (!sv->stop_timer)
		kill_cb(&sv->loop, sv);
}

/* ---------------------------------------------------------------- restart on request */

static void restart_kill_cb(struct tg_loop *l, void *arg)
{
	struct sv_service *s = arg;

	(void)l;
	s->kill_timer = 0;
	if (s->pid <= 0)
		return;
	tg_warn("service %s (pid %d) did not stop within %llu s of SIGTERM; sending SIGKILL",
	        s->conf.name, (int)s->pid, (unsigned long long)(SV_STOP_GRACE_NS / NS_PER_S));
	signal_group(s->pid, SIGKILL);
}

int sv_service_restart(struct sv *sv, const char *name, char *ans, size_t anslen)
{
	struct sv_service *s = NULL;
	int i;

	for (i = 0; i < sv->nsvc; i++)
		if (strcmp(sv->svc[i].conf.name, name) == 0)
			s = &sv->svc[i];
	if (!s) {
		snprintf(ans, anslen, "error no service %s\n", name);
		return -1;
	}
	if (sv->stopping) {
		snprintf(ans, anslen, "error the supervisor is stopping\n");
		return -1;
	}
	if (!s->conf_ok) {
		snprintf(ans, anslen, "error %s has a broken service file (see the log)\n", name);
		return -1;
	}
	if (s->pid > 0) {
		if (s->restart_requested)
			return 0; /* already on its way down: one restart covers both requests */
		s->restart_requested = 1;
		signal_group(s->pid, SIGTERM);
		signal_group(s->pid, SIGCONT);
		s->kill_timer = tg_loop_add_timer(&sv->loop, SV_STOP_GRACE_NS, restart_kill_cb, s);
		if (!s->kill_timer)
			signal_group(s->pid, SIGKILL); /* no timer to wait with */
		return 0;
	}
	/* waiting out a back-off, or stopped (restart never): start now */
	if (s->timer) {
		tg_loop_cancel_timer(&sv->loop, s->timer);
		s->timer = 0;
	}
	service_start(s);
	return 0;
}

/* ---------------------------------------------------------------- status */

static const char *state_word(const struct sv_service *s)
{
	switch (s->state) {
	case SV_ST_RUNNING:
		return "running";
	case SV_ST_WAITING:
		return "waiting";
	case SV_ST_FAILED:
		return "failed-config";
	default:
		return "stopped";
	}
}

size_t sv_status_text(struct sv *sv, char *buf, size_t cap)
{
	uint64_t now = now_ns(sv);
	size_t o = 0;
	int i, n;

	for (i = 0; i < sv->nsvc; i++) {
		const struct sv_service *s = &sv->svc[i];
		uint64_t up = s->pid > 0 ? (now - s->started_ns) / NS_PER_S : 0;

		n = snprintf(buf + o, cap - o, "%s %s %d %llu %u %s\n", s->conf.name, state_word(s),
		             (int)s->pid, (unsigned long long)up, s->starts ? s->starts - 1 : 0,
		             s->ready_now ? "yes" : "no");
		if (n < 0 || (size_t)n >= cap - o)
			return o;
		o += (size_t)n;
	}
	n = snprintf(buf + o, cap - o, "all-ready %s\n", sv->all_ready_logged ? "yes" : "no");
	if (n > 0 && (size_t)n < cap - o)
		o += (size_t)n;
	return o;
}
