/*
 * test_consoled_svctl.c - the web console's client of tg-supervise's
 * sockets (consoled/svctl.c): log records, the /api/logs filter, the
 * status.sock parser, and the three routes against fake sockets.
 *
 * The pure parts are checked on hand-made dumps in the supervisor's own
 * record format ("[%5llu.%06llu] LINE", supervise/logline.c).  The socket
 * parts talk to a fake supervisor: a Unix socket server in a forked child
 * that answers one connection with a fixed text and sends back, through a
 * pipe, the line it received (control.sock).  Nothing waits on a timeout.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "consoled/consoled.h"
#include "json.h"

static struct cd_main M;
static char body[CD_OUT_MAX + 1];
static struct cd_out O;
static char dir[64];

/* api.c is not linked: the same contract, {"error": msg} */
void cd_out_error(struct cd_out *o, int status, const char *msg)
{
	struct tg_json j;

	tg_json_init(&j, o->body, CD_OUT_MAX);
	tg_json_obj(&j, NULL);
	tg_json_str(&j, "error", msg);
	tg_json_obj_end(&j);
	o->status = status;
	o->kind = CD_KIND_JSON;
	o->len = tg_json_done(&j) == 0 ? j.len : 0;
}

/* the fake m->svc: records the command, answers as told */
static char svc_got[128];
static int svc_rc;
static int fake_svc(struct cd_main *m, const char *cmd, char *err, size_t errlen)
{
	(void)m;
	snprintf(svc_got, sizeof svc_got, "%s", cmd);
	if (svc_rc < 0)
		snprintf(err, errlen, "no service %s", cmd + 8);
	return svc_rc;
}

static void setup(void)
{
	memset(&M, 0, sizeof M);
	snprintf(M.conf.log_sock, sizeof M.conf.log_sock, "%s/log.sock", dir);
	snprintf(M.conf.status_sock, sizeof M.conf.status_sock, "%s/status.sock", dir);
	snprintf(M.conf.control_sock, sizeof M.conf.control_sock, "%s/control.sock", dir);
	M.svc = fake_svc;
	svc_got[0] = '\0';
	svc_rc = 0;
	memset(&O, 0, sizeof O);
	O.body = body;
}

/* the body as a C string */
static const char *B(void)
{
	body[O.len] = '\0';
	return body;
}

/* ------------------------------------------------------------ record parser */

static void parse(const char *line, struct cd_logline *l)
{
	cd_logline_parse(line, strlen(line), l);
}

#define CHECK_SPAN(p, n, want)                                                        \
	do {                                                                          \
		CHECK_EQ_INT((n), strlen(want));                                      \
		CHECK(memcmp((p), (want), strlen(want)) == 0);                        \
	} while (0)

static void test_logline(void)
{
	struct cd_logline l;

	parse("[   12.345678] timed[main] info: locked to PPS", &l);
	CHECK_SPAN(l.t, l.t_len, "12.345678");
	CHECK_SPAN(l.service, l.service_len, "timed");
	CHECK_SPAN(l.text, l.text_len, "timed[main] info: locked to PPS");

	parse("[123456.000001] tg-supervise[main] warn: ntsd exited with status 1", &l);
	CHECK_SPAN(l.t, l.t_len, "123456.000001");
	CHECK_SPAN(l.service, l.service_len, "tg-supervise");

	/* a tool's raw output: no service */
	parse("[    1.000000] tick 3", &l);
	CHECK_SPAN(l.t, l.t_len, "1.000000");
	CHECK_EQ_INT(l.service_len, 0);
	CHECK_SPAN(l.text, l.text_len, "tick 3");

	/* not a record at all: no time, the whole line is the text */
	parse("garbage [1.0] x", &l);
	CHECK_EQ_INT(l.t_len, 0);
	CHECK_EQ_INT(l.service_len, 0);
	CHECK_SPAN(l.text, l.text_len, "garbage [1.0] x");
	parse("[12.5 no bracket", &l);
	CHECK_EQ_INT(l.t_len, 0);
	CHECK_EQ_INT(l.text_len, strlen("[12.5 no bracket"));
	parse("[] x[y] z", &l);
	CHECK_EQ_INT(l.t_len, 0);

	/* near misses of "NAME[ROLE] " are no service */
	parse("[ 1.0] Timed[main] info: upper case", &l);
	CHECK_EQ_INT(l.service_len, 0);
	parse("[ 1.0] timed[] info: empty role", &l);
	CHECK_EQ_INT(l.service_len, 0);
	parse("[ 1.0] timed[main]info: no space", &l);
	CHECK_EQ_INT(l.service_len, 0);
	parse("[ 1.0] timed[main]", &l);
	CHECK_EQ_INT(l.service_len, 0);
	parse("[ 1.0] <b>x</b>[main] y", &l);
	CHECK_EQ_INT(l.service_len, 0);
	parse("[ 1.0] abcdefghijabcdefghijabcdefghijab[main] too long a name", &l);
	CHECK_EQ_INT(l.service_len, 0);
	parse("[ 1.0] abcdefghijabcdefghijabcdefghija[main] 31 is fine", &l);
	CHECK_EQ_INT(l.service_len, 31);

	/* empty line, lone bracket */
	cd_logline_parse("", 0, &l);
	CHECK_EQ_INT(l.text_len, 0);
	parse("[", &l);
	CHECK_EQ_INT(l.t_len, 0);
	CHECK_EQ_INT(l.text_len, 1);
}

/* ------------------------------------------------------------ filter */

static const char dump[] = "[    1.000000] tg-supervise[main] info: started timed\n"
			   "[    1.100000] timed[main] info: tick 1\n"
			   "[    1.200000] ntsd[ntp] info: TICK from ntsd\n"
			   "[    1.300000] timed[main] warn: tick 2 <script>alert(1)</script>\n"
			   "\n"
			   "[    1.400000] raw tick line\n"
			   "[    1.500000] timed[main] info: tock 3\n"
			   "[    1.600000] timed[main] info: tick 4"; /* cut: no final newline */

static char out[1 << 16];

static long fmt(const char *service, const char *q, long n)
{
	long k = cd_logs_format(dump, sizeof dump - 1, service, q, n, 0, out, sizeof out);

	if (k >= 0)
		out[k] = '\0';
	return k;
}

/* the texts of the answer's lines, "|"-joined (checked through the flat reader per line) */
static int count_lines(const char *s)
{
	int n = 0;

	while ((s = strstr(s, "\"text\"")) != NULL) {
		n++;
		s++;
	}
	return n;
}

static void test_logs_filter(void)
{
	CHECK(fmt(NULL, NULL, 200) > 0);
	CHECK_EQ_INT(count_lines(out), 7);
	CHECK(strstr(out, "\"truncated\":false") != NULL);
	CHECK(strstr(out, "\"matched\":7") != NULL);
	/* oldest first, the cut last line included */
	CHECK(strstr(out, "started timed") < strstr(out, "tick 4"));

	/* service exact: timed's 4 lines, not ntsd's nor the raw line */
	CHECK(fmt("timed", "", 200) > 0);
	CHECK_EQ_INT(count_lines(out), 4);
	CHECK(strstr(out, "ntsd") == NULL);
	CHECK(strstr(out, "raw tick") == NULL);
	CHECK(strstr(out, "\"service\":\"timed\"") != NULL);
	CHECK(strstr(out, "\"t\":\"1.100000\"") != NULL);
	CHECK(fmt("time", "", 200) > 0);
	CHECK_EQ_INT(count_lines(out), 0);

	/* q: case-insensitive substring */
	CHECK(fmt(NULL, "TiCk", 200) > 0);
	CHECK_EQ_INT(count_lines(out), 5); /* tick 1, TICK, tick 2, raw tick, tick 4 */
	CHECK(strstr(out, "tock") == NULL);
	CHECK(fmt("timed", "tick", 200) > 0);
	CHECK_EQ_INT(count_lines(out), 3);
	CHECK(fmt(NULL, "no such text", 200) > 0);
	CHECK_EQ_INT(count_lines(out), 0);
	CHECK(strstr(out, "\"lines\":[]") != NULL);

	/* newest n, truncated */
	CHECK(fmt("timed", "tick", 2) > 0);
	CHECK_EQ_INT(count_lines(out), 2);
	CHECK(strstr(out, "tick 1") == NULL);
	CHECK(strstr(out, "tick 2") != NULL && strstr(out, "tick 4") != NULL);
	CHECK(strstr(out, "\"truncated\":true") != NULL);
	CHECK(strstr(out, "\"matched\":3") != NULL);
	CHECK(fmt("timed", "tick", 3) > 0);
	CHECK(strstr(out, "\"truncated\":false") != NULL);

	/* HTML stays inert: escaped by lib/json */
	CHECK(fmt(NULL, "<script>", 10) > 0);
	CHECK_EQ_INT(count_lines(out), 1);
	CHECK(strstr(out, "<") == NULL && strstr(out, ">") == NULL);
	CHECK(strstr(out, "\\u003cscript\\u003ealert(1)\\u003c/script\\u003e") != NULL);

	/* lines lost before the dump: truncated even when all matches fit */
	CHECK(cd_logs_format(dump, sizeof dump - 1, "ntsd", NULL, 10, 1, out, sizeof out) > 0);
	CHECK(strstr(out, "\"truncated\":true") != NULL);

	/* does not fit, n < 1: -1 */
	CHECK_EQ_INT(cd_logs_format(dump, sizeof dump - 1, NULL, NULL, 200, 0, out, 100), -1);
	CHECK_EQ_INT(fmt(NULL, NULL, 0), -1);
	/* empty dump */
	CHECK(cd_logs_format("", 0, NULL, NULL, 5, 0, out, sizeof out) > 0);
	CHECK(strstr(out, "\"lines\":[]") != NULL);
}

/* ------------------------------------------------------------ status parser */

static struct cd_svc_status st[CD_SVC_MAX];

static int sparse(const char *text, int *n, int *all, char *err, size_t errlen)
{
	return cd_svc_status_parse(text, strlen(text), st, CD_SVC_MAX, n, all, err, errlen);
}

static void test_status_parse(void)
{
	char err[200];
	int n = -1, all = -1;

	CHECK_EQ_INT(sparse("timed running 412 3600 2 yes\nntsd waiting 0 0 5 no\n"
			    "on-ready stopped 0 0 0 no\nall-ready yes\n",
			    &n, &all, err, sizeof err),
		     0);
	CHECK_EQ_INT(n, 3);
	CHECK_EQ_INT(all, 1);
	CHECK_EQ_STR(st[0].name, "timed");
	CHECK_EQ_STR(st[0].state, "running");
	CHECK_EQ_INT(st[0].pid, 412);
	CHECK_EQ_INT(st[0].uptime_s, 3600);
	CHECK_EQ_INT(st[0].restarts, 2);
	CHECK_EQ_INT(st[0].ready, 1);
	CHECK_EQ_STR(st[1].state, "waiting");
	CHECK_EQ_INT(st[1].ready, 0);
	CHECK_EQ_INT(sparse("all-ready no\n", &n, &all, err, sizeof err), 0);
	CHECK_EQ_INT(n, 0);
	CHECK_EQ_INT(all, 0);
	CHECK_EQ_INT(sparse("x failed-config 0 0 0 no\nall-ready no", &n, &all, err, sizeof err), 0);

	/* every error names what was expected */
	CHECK_EQ_INT(sparse("", &n, &all, err, sizeof err), -1);
	CHECK(strstr(err, "all-ready") != NULL);
	CHECK_EQ_INT(sparse("timed running 1 2 3 yes\n", &n, &all, err, sizeof err), -1);
	CHECK(strstr(err, "cut short") != NULL);
	CHECK_EQ_INT(sparse("timed sleeping 1 2 3 yes\nall-ready no\n", &n, &all, err, sizeof err),
		     -1);
	CHECK(strstr(err, "line 1") && strstr(err, "state expects") && strstr(err, "sleeping"));
	CHECK_EQ_INT(sparse("timed running -1 2 3 yes\nall-ready no\n", &n, &all, err, sizeof err),
		     -1);
	CHECK(strstr(err, "pid") != NULL);
	CHECK_EQ_INT(sparse("timed running 1 2 3 maybe\nall-ready no\n", &n, &all, err, sizeof err),
		     -1);
	CHECK(strstr(err, "ready expects") != NULL);
	CHECK_EQ_INT(sparse("timed running 1  3 yes\nall-ready no\n", &n, &all, err, sizeof err),
		     -1);
	CHECK_EQ_INT(sparse("timed running 1 2 3 yes extra\nall-ready no\n", &n, &all, err,
			    sizeof err),
		     -1);
	CHECK_EQ_INT(sparse("Timed running 1 2 3 yes\nall-ready no\n", &n, &all, err, sizeof err),
		     -1);
	CHECK(strstr(err, "service name") != NULL);
	CHECK_EQ_INT(sparse("all-ready perhaps\n", &n, &all, err, sizeof err), -1);
	CHECK_EQ_INT(sparse("all-ready yes\ntimed running 1 2 3 yes\n", &n, &all, err, sizeof err),
		     -1);
	CHECK(strstr(err, "after all-ready") != NULL);
	CHECK_EQ_INT(sparse("t running 99999999999999999999999 2 3 yes\nall-ready no\n", &n, &all,
			    err, sizeof err),
		     -1);
	/* more services than room */
	CHECK_EQ_INT(cd_svc_status_parse("a running 1 1 1 yes\nb running 1 1 1 yes\nall-ready no\n",
					 strlen("a running 1 1 1 yes\nb running 1 1 1 yes\n"
						"all-ready no\n"),
					 st, 1, &n, &all, err, sizeof err),
		     -1);
	CHECK(strstr(err, "more than 1") != NULL);
}

/* ------------------------------------------------------------ fake supervisor */

static pid_t fake_pid;
static int fake_pipe = -1;

/* one connection on path: read a line first if read_line (sent back through the pipe), then say reply */
static void fake_start(const char *path, const char *reply, size_t reply_len, int read_line)
{
	struct sockaddr_un sa;
	int lfd, p[2];

	unlink(path);
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, strnlen(path, sizeof sa.sun_path - 1));
	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(lfd, 4) < 0 ||
	    pipe(p) < 0) {
		perror("fake supervisor");
		exit(1);
	}
	fflush(NULL);
	fake_pid = fork();
	if (fake_pid < 0) {
		perror("fork");
		exit(1);
	}
	if (fake_pid == 0) {
		char line[128];
		size_t n = 0, off = 0;
		char c;
		int fd;

		signal(SIGPIPE, SIG_IGN);
		close(p[0]);
		fd = accept(lfd, NULL, NULL);
		if (fd < 0)
			_exit(2);
		if (read_line) {
			while (n + 1 < sizeof line && read(fd, &c, 1) == 1 && c != '\n')
				line[n++] = c;
			if (write(p[1], line, n) < 0)
				_exit(2);
		}
		while (off < reply_len) {
			ssize_t w = send(fd, reply + off, reply_len - off, MSG_NOSIGNAL);

			if (w <= 0)
				break;
			off += (size_t)w;
		}
		close(fd);
		_exit(0);
	}
	close(p[1]);
	close(lfd);
	fake_pipe = p[0];
}

/* wait for the fake; the line it read into got */
static void fake_end(const char *path, char *got, size_t cap)
{
	int st2 = -1;
	ssize_t n;

	n = read(fake_pipe, got, cap - 1);
	got[n > 0 ? n : 0] = '\0';
	close(fake_pipe);
	fake_pipe = -1;
	waitpid(fake_pid, &st2, 0);
	CHECK(WIFEXITED(st2) && WEXITSTATUS(st2) == 0);
	unlink(path);
}

static void say_on(const char *path, const char *reply, int read_line)
{
	fake_start(path, reply, strlen(reply), read_line);
}

/* ------------------------------------------------------------ control.sock */

static void test_command(void)
{
	char err[200], got[128];

	setup();
	say_on(M.conf.control_sock, "ok\n", 1);
	CHECK_EQ_INT(cd_svc_command(&M, "restart timed", err, sizeof err), 0);
	fake_end(M.conf.control_sock, got, sizeof got);
	CHECK_EQ_STR(got, "restart timed");

	say_on(M.conf.control_sock, "error firewall exited with status 1: no such table\n", 1);
	CHECK_EQ_INT(cd_svc_command(&M, "run firewall", err, sizeof err), -1);
	fake_end(M.conf.control_sock, got, sizeof got);
	CHECK_EQ_STR(got, "run firewall");
	CHECK_EQ_STR(err, "firewall exited with status 1: no such table");

	/* ok without a newline before the close still counts */
	say_on(M.conf.control_sock, "ok", 1);
	CHECK_EQ_INT(cd_svc_command(&M, "restart ntsd", err, sizeof err), 0);
	fake_end(M.conf.control_sock, got, sizeof got);

	say_on(M.conf.control_sock, "", 1);
	CHECK_EQ_INT(cd_svc_command(&M, "restart ntsd", err, sizeof err), -1);
	fake_end(M.conf.control_sock, got, sizeof got);
	CHECK(strstr(err, "without an answer") != NULL);

	say_on(M.conf.control_sock, "okay then\n", 1);
	CHECK_EQ_INT(cd_svc_command(&M, "restart ntsd", err, sizeof err), -1);
	fake_end(M.conf.control_sock, got, sizeof got);
	CHECK(strstr(err, "unexpected answer") && strstr(err, "okay then"));

	/* nobody listening */
	unlink(M.conf.control_sock);
	CHECK_EQ_INT(cd_svc_command(&M, "restart ntsd", err, sizeof err), -1);
	CHECK(strstr(err, "control socket") && strstr(err, "cannot be reached"));

	/* bad commands never leave */
	CHECK_EQ_INT(cd_svc_command(&M, "restart a\nrun b", err, sizeof err), -1);
	CHECK_EQ_INT(cd_svc_command(&M, "", err, sizeof err), -1);
	CHECK_EQ_INT(cd_svc_command(&M,
				    "restart aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
				    "aaaaaaaaaaaaaaaaaaaa",
				    err, sizeof err),
		     -1);
}

/* ------------------------------------------------------------ routes */

static const char status_text[] = "timed running 412 3600 2 yes\nconsoled running 500 10 0 yes\n"
				  "ntsd waiting 0 0 5 no\nall-ready no\n";

static void test_services(void)
{
	char got[16];

	setup();
	say_on(M.conf.status_sock, status_text, 0);
	cd_services_json(&M, &O);
	fake_end(M.conf.status_sock, got, sizeof got);
	CHECK_EQ_INT(O.status, 200);
	CHECK(strstr(B(), "{\"name\":\"timed\",\"state\":\"running\",\"pid\":412,\"uptime_s\":3600,"
			  "\"restarts\":2,\"ready\":true}") != NULL);
	CHECK(strstr(B(), "{\"name\":\"ntsd\",\"state\":\"waiting\",\"pid\":0") != NULL);
	CHECK(strstr(B(), "\"all_ready\":false") != NULL);

	setup();
	say_on(M.conf.status_sock, "timed running 1 2 3 yes\n", 0);
	cd_services_json(&M, &O);
	fake_end(M.conf.status_sock, got, sizeof got);
	CHECK_EQ_INT(O.status, 502);
	CHECK(strstr(B(), "unexpected answer from the supervisor") != NULL);

	setup();
	cd_services_json(&M, &O);
	CHECK_EQ_INT(O.status, 503);
	CHECK(strstr(B(), "status socket") != NULL);
}

static void test_restart(void)
{
	char got[16];

	setup();
	say_on(M.conf.status_sock, status_text, 0);
	cd_services_restart(&M, "timed", &O);
	fake_end(M.conf.status_sock, got, sizeof got);
	CHECK_EQ_INT(O.status, 200);
	CHECK_EQ_STR(svc_got, "restart timed");
	CHECK(strstr(B(), "timed is restarting") != NULL);

	/* not one of the supervisor's services: 404 naming those it has, nothing sent */
	setup();
	say_on(M.conf.status_sock, status_text, 0);
	cd_services_restart(&M, "sshd", &O);
	fake_end(M.conf.status_sock, got, sizeof got);
	CHECK_EQ_INT(O.status, 404);
	CHECK(strstr(B(), "no service sshd") && strstr(B(), "timed, consoled, ntsd"));
	CHECK(strstr(B(), "\"field\":\"service\"") != NULL);
	CHECK_EQ_STR(svc_got, "");

	/* the console itself: 409, status.sock not even asked */
	setup();
	cd_services_restart(&M, "consoled", &O);
	CHECK_EQ_INT(O.status, 409);
	CHECK(strstr(B(), "cannot restart itself") != NULL);
	CHECK_EQ_STR(svc_got, "");

	/* a bad name: 400 */
	setup();
	cd_services_restart(&M, "timed\nrun firewall", &O);
	CHECK_EQ_INT(O.status, 400);
	cd_services_restart(&M, "", &O);
	CHECK_EQ_INT(O.status, 400);
	CHECK_EQ_STR(svc_got, "");

	/* the supervisor refuses: 502 with its text */
	setup();
	svc_rc = -1;
	say_on(M.conf.status_sock, status_text, 0);
	cd_services_restart(&M, "ntsd", &O);
	fake_end(M.conf.status_sock, got, sizeof got);
	CHECK_EQ_INT(O.status, 502);
	CHECK(strstr(B(), "restart ntsd: no service ntsd") != NULL);

	/* no status socket: 503 */
	setup();
	cd_services_restart(&M, "timed", &O);
	CHECK_EQ_INT(O.status, 503);
	CHECK_EQ_STR(svc_got, "");
}

static void logs(const char *query)
{
	char got[16];

	setup();
	say_on(M.conf.log_sock, dump, 0);
	cd_logs_json(&M, query, &O);
	fake_end(M.conf.log_sock, got, sizeof got);
}

static void test_logs_route(void)
{
	logs("");
	CHECK_EQ_INT(O.status, 200);
	CHECK_EQ_INT(count_lines(B()), 7);

	logs("service=timed&q=TICK&n=2");
	CHECK_EQ_INT(O.status, 200);
	CHECK_EQ_INT(count_lines(B()), 2);
	CHECK(strstr(B(), "\"truncated\":true") != NULL);

	/* q percent-decoded ("<script" as a browser's URLSearchParams sends it) and '+' a space */
	logs("q=%3Cscript");
	CHECK_EQ_INT(O.status, 200);
	CHECK_EQ_INT(count_lines(B()), 1);
	logs("q=tick+4");
	CHECK_EQ_INT(count_lines(B()), 1);
	CHECK(strstr(B(), "tick 4") != NULL);
	logs("service=");
	CHECK_EQ_INT(count_lines(B()), 7);

	/* the user's errors: 400 naming the field, before any connection */
	setup();
	cd_logs_json(&M, "n=0", &O);
	CHECK_EQ_INT(O.status, 400);
	CHECK(strstr(B(), "1..1000") && strstr(B(), "\"field\":\"n\""));
	cd_logs_json(&M, "n=1001", &O);
	CHECK_EQ_INT(O.status, 400);
	cd_logs_json(&M, "n=12x", &O);
	CHECK_EQ_INT(O.status, 400);
	cd_logs_json(&M, "n=99999999999999999999", &O);
	CHECK_EQ_INT(O.status, 400);
	cd_logs_json(&M, "service=Timed", &O);
	CHECK_EQ_INT(O.status, 400);
	CHECK(strstr(B(), "\"field\":\"service\"") != NULL);
	cd_logs_json(&M, "q=a&q=b", &O);
	CHECK_EQ_INT(O.status, 400);
	cd_logs_json(&M, "q=%zz", &O);
	CHECK_EQ_INT(O.status, 400);

	/* no log socket: 503 */
	cd_logs_json(&M, "", &O);
	CHECK_EQ_INT(O.status, 503);
	CHECK(strstr(B(), "log socket") != NULL);
}

/* a ring dump larger than the console's buffer: its newest part, truncated */
static void test_logs_large(void)
{
	static char big[3u << 20];
	size_t n = 0;
	int i = 0;
	char got[16];

	while (n + 64 < sizeof big)
		n += (size_t)snprintf(big + n, sizeof big - n, "[%5d.000000] timed[main] info: line %d\n",
				      i, i), i++;
	setup();
	fake_start(M.conf.log_sock, big, n, 0);
	cd_logs_json(&M, "n=1000", &O);
	fake_end(M.conf.log_sock, got, sizeof got);
	CHECK_EQ_INT(O.status, 200);
	CHECK_EQ_INT(count_lines(B()), 1000);
	CHECK(strstr(B(), "\"truncated\":true") != NULL);
	snprintf(got, sizeof got, "line %d\"", i - 1);
	CHECK(strstr(B(), got) != NULL); /* the newest line is there */
	CHECK(strstr(B(), "info: line 0\"") == NULL);
}

int main(void)
{
	snprintf(dir, sizeof dir, "/tmp/test_svctl.%d", (int)getpid());
	if (mkdir(dir, 0700) < 0) {
		perror(dir);
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	RUN(test_logline);
	RUN(test_logs_filter);
	RUN(test_status_parse);
	RUN(test_command);
	RUN(test_services);
	RUN(test_restart);
	RUN(test_logs_route);
	RUN(test_logs_large);
	rmdir(dir);
	return check_exit();
}
