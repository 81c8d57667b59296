/*
 * svctl.c - the console's client of tg-supervise's sockets
 * (tg-supervise(8), "CONTROL SOCKETS"): the log ring (log.sock) for the
 * Logs page, the services' states (status.sock) and the control socket
 * (control.sock) that restarts a service or runs an action ("restart
 * timed" after timed.conf changed, "run firewall" after site.conf).
 *
 * Main must not hang on a wedged supervisor: every connection has send
 * and receive timeouts (5 s; 65 s for "run ACTION", which the supervisor
 * answers only when the action ended, killing it after 60 s).  Main's
 * seccomp table already allows what this needs (AF_UNIX socket, connect,
 * setsockopt, send, recv), as update.c uses them for updated.
 *
 * log.sock sends the ring as it was at connect time, oldest line first,
 * and closes.  The dump is read into a static buffer (no malloc in main);
 * a dump larger than the buffer keeps its newest part.  A record is
 * "[  12.345678] LINE": seconds since boot, then the line as the service
 * wrote it (control characters already replaced by the supervisor).  The
 * supervisor does not tag lines with the service that wrote them; every
 * Timegate daemon does, through lib/log.h ("timed[main] info: ..."), so
 * a line's service is the NAME of a leading "NAME[ROLE] ".  A line
 * without that prefix (a tool's raw output) has service "" and is shown
 * only when no service is asked for.
 *
 * The parsers (log records, status lines) and the filter are pure
 * functions over (buf, len), unit-tested and fuzzed
 * (tests/fuzz/fuzz_logline_consoled.c).  Log text goes out as JSON
 * strings only: lib/json escapes '<', '>' and '&', so a logged
 * "<script>" stays inert text in the page.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "consoled/consoled.h"
#include "http.h"
#include "json.h"
#include "log.h"
#include "unixsock.h"

#define SVC_TIMEOUT_S     5
#define SVC_RUN_TIMEOUT_S 65      /* the supervisor kills an action after 60 s */
#define SVC_CMD_MAX       63      /* a control line is at most 64 bytes with its "\n" */
#define LOG_DUMP_MAX      (1u << 20) /* the newest MiB of the ring (default ring 256 KiB) */
#define STATUS_MAX        16384   /* status.sock's text (the supervisor's is < 8 KiB) */
#define QUERY_TEXT_MAX    128

/* ------------------------------------------------------------ pure parts */

static int name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

int cd_svc_name_ok(const char *s, size_t n)
{
	size_t i;

	if (n < 1 || n > CD_SVC_NAME_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!name_char(s[i]))
			return 0;
	return 1;
}

void cd_logline_parse(const char *line, size_t len, struct cd_logline *l)
{
	size_t i = 0, t0, n, r;

	memset(l, 0, sizeof *l);
	l->t = l->service = line;
	l->text = line;
	l->text_len = len;
	/* "[" spaces digits "." digits "] " */
	if (len && line[0] == '[') {
		i = 1;
		while (i < len && line[i] == ' ')
			i++;
		t0 = i;
		while (i < len && ((line[i] >= '0' && line[i] <= '9') || line[i] == '.'))
			i++;
		if (i > t0 && i < len && line[i] == ']') {
			l->t = line + t0;
			l->t_len = i - t0;
			i++;
			if (i < len && line[i] == ' ')
				i++;
			l->text = line + i;
			l->text_len = len - i;
		}
	}
	/* lib/log.h's "NAME[ROLE] " */
	for (n = 0; n < l->text_len && n <= CD_SVC_NAME_MAX && name_char(l->text[n]); n++)
		;
	if (n < 1 || n > CD_SVC_NAME_MAX || n >= l->text_len || l->text[n] != '[')
		return;
	for (r = n + 1; r < l->text_len && r - n - 1 <= 32 && l->text[r] != ']' &&
			(unsigned char)l->text[r] > 0x20 && (unsigned char)l->text[r] < 0x7f;
	     r++)
		;
	if (r == n + 1 || r + 1 >= l->text_len || l->text[r] != ']' || l->text[r + 1] != ' ')
		return;
	l->service = l->text;
	l->service_len = n;
}

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* needle (already lower case, nlen > 0) in hay[0..hlen), ASCII case-insensitive */
static int contains(const char *hay, size_t hlen, const char *needle, size_t nlen)
{
	size_t i, k;

	if (nlen == 0)
		return 1;
	for (i = 0; i + nlen <= hlen; i++) {
		for (k = 0; k < nlen && lower(hay[i + k]) == needle[k]; k++)
			;
		if (k == nlen)
			return 1;
	}
	return 0;
}

struct filter {
	const char *service; /* NULL or "": any */
	size_t service_len;
	char q[QUERY_TEXT_MAX + 1]; /* lower case, "" matches all */
	size_t q_len;
};

static int matches(const struct filter *f, const struct cd_logline *l)
{
	if (f->service_len &&
	    (l->service_len != f->service_len || memcmp(l->service, f->service, f->service_len) != 0))
		return 0;
	return contains(l->text, l->text_len, f->q, f->q_len);
}

/* the next line of buf at *pos (without '\n'): its length, *line set; -1 at the end */
static long next_line(const char *buf, size_t len, size_t *pos, const char **line)
{
	const char *nl;
	size_t n;

	if (*pos >= len)
		return -1;
	*line = buf + *pos;
	nl = memchr(*line, '\n', len - *pos);
	n = nl ? (size_t)(nl - *line) : len - *pos;
	*pos += n + (nl != NULL);
	return (long)n;
}

long cd_logs_format(const char *buf, size_t len, const char *service, const char *q, long n,
		    int older_dropped, char *out, size_t cap)
{
	struct filter f;
	struct cd_logline l;
	struct tg_json j;
	const char *line;
	size_t pos, total = 0, skip, i = 0;
	long k;

	if (n < 1)
		return -1;
	memset(&f, 0, sizeof f);
	f.service = service ? service : "";
	f.service_len = strlen(f.service);
	for (; q && q[f.q_len] && f.q_len < QUERY_TEXT_MAX; f.q_len++)
		f.q[f.q_len] = lower(q[f.q_len]);
	for (pos = 0; (k = next_line(buf, len, &pos, &line)) >= 0;) {
		if (k == 0)
			continue;
		cd_logline_parse(line, (size_t)k, &l);
		total += matches(&f, &l);
	}
	skip = total > (size_t)n ? total - (size_t)n : 0;

	tg_json_init(&j, out, cap);
	tg_json_obj(&j, NULL);
	tg_json_arr(&j, "lines");
	for (pos = 0; (k = next_line(buf, len, &pos, &line)) >= 0;) {
		if (k == 0)
			continue;
		cd_logline_parse(line, (size_t)k, &l);
		if (!matches(&f, &l) || i++ < skip)
			continue;
		tg_json_obj(&j, NULL);
		tg_json_strn(&j, "t", l.t, l.t_len);
		tg_json_strn(&j, "service", l.service, l.service_len);
		tg_json_strn(&j, "text", l.text, l.text_len);
		tg_json_obj_end(&j);
	}
	tg_json_arr_end(&j);
	tg_json_bool(&j, "truncated", skip > 0 || older_dropped);
	tg_json_int(&j, "matched", (int64_t)total);
	tg_json_obj_end(&j);
	if (tg_json_done(&j) < 0)
		return -1;
	return (long)j.len;
}

/* field k of line as a u64 (decimal, no sign): 0 or -1 */
static int parse_u64(const char *s, size_t n, uint64_t max, uint64_t *v)
{
	size_t i;

	*v = 0;
	if (n == 0 || n > 20)
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9' || *v > (max - (uint64_t)(s[i] - '0')) / 10)
			return -1;
		*v = *v * 10 + (uint64_t)(s[i] - '0');
	}
	return 0;
}

/* split line[0..len) on single spaces into at most cap words: the count, or -1 (more, or empty words) */
static int split(const char *line, size_t len, const char **w, size_t *wl, int cap)
{
	size_t i = 0, s;
	int n = 0;

	while (i <= len) {
		s = i;
		while (i < len && line[i] != ' ')
			i++;
		if (i == s || n == cap)
			return -1;
		w[n] = line + s;
		wl[n++] = i - s;
		i++;
	}
	return n;
}

int cd_svc_status_parse(const char *buf, size_t len, struct cd_svc_status *s, int cap, int *n,
			int *all_ready, char *err, size_t errlen)
{
	static const char *const states[] = {"running", "waiting", "stopped", "failed-config"};
	const char *line, *w[6];
	size_t pos = 0, wl[6], i;
	long k;
	int lno = 0, nw, seen_end = 0;
	uint64_t v;

	*n = 0;
	*all_ready = 0;
	while ((k = next_line(buf, len, &pos, &line)) >= 0) {
		struct cd_svc_status *e;

		lno++;
		if (seen_end)
			return tg_fail(err, errlen, "status line %d: expected nothing after all-ready",
				       lno);
		nw = split(line, (size_t)k, w, wl, 6);
		if (nw == 2 && wl[0] == 9 && memcmp(w[0], "all-ready", 9) == 0) {
			if (wl[1] == 3 && memcmp(w[1], "yes", 3) == 0)
				*all_ready = 1;
			else if (!(wl[1] == 2 && memcmp(w[1], "no", 2) == 0))
				return tg_fail(err, errlen,
					       "status line %d: all-ready expects yes or no, got '%.*s'",
					       lno, (int)(wl[1] > 16 ? 16 : wl[1]), w[1]);
			seen_end = 1;
			continue;
		}
		if (nw != 6)
			return tg_fail(err, errlen,
				       "status line %d: expected 'name state pid uptime_s restarts "
				       "ready' or 'all-ready yes|no'",
				       lno);
		if (*n >= cap)
			return tg_fail(err, errlen, "status line %d: more than %d services", lno, cap);
		e = &s[*n];
		memset(e, 0, sizeof *e);
		if (!cd_svc_name_ok(w[0], wl[0]))
			return tg_fail(err, errlen,
				       "status line %d: expected a service name ([a-z0-9_-]{1,%d})",
				       lno, CD_SVC_NAME_MAX);
		memcpy(e->name, w[0], wl[0]);
		for (i = 0; i < sizeof states / sizeof states[0]; i++)
			if (wl[1] == strlen(states[i]) && memcmp(w[1], states[i], wl[1]) == 0)
				break;
		if (i == sizeof states / sizeof states[0])
			return tg_fail(err, errlen,
				       "status line %d: state expects running, waiting, stopped or "
				       "failed-config, got '%.*s'",
				       lno, (int)(wl[1] > 16 ? 16 : wl[1]), w[1]);
		memcpy(e->state, w[1], wl[1]);
		if (parse_u64(w[2], wl[2], 0x7fffffff, &v) < 0)
			return tg_fail(err, errlen, "status line %d: pid expects a number", lno);
		e->pid = (int64_t)v;
		if (parse_u64(w[3], wl[3], (uint64_t)INT64_MAX, &v) < 0)
			return tg_fail(err, errlen, "status line %d: uptime_s expects a number", lno);
		e->uptime_s = (int64_t)v;
		if (parse_u64(w[4], wl[4], 0xffffffffu, &v) < 0)
			return tg_fail(err, errlen, "status line %d: restarts expects a number", lno);
		e->restarts = (int64_t)v;
		if (wl[5] == 3 && memcmp(w[5], "yes", 3) == 0)
			e->ready = 1;
		else if (!(wl[5] == 2 && memcmp(w[5], "no", 2) == 0))
			return tg_fail(err, errlen, "status line %d: ready expects yes or no", lno);
		(*n)++;
	}
	if (!seen_end)
		return tg_fail(err, errlen, "expected a last line 'all-ready yes|no', got %s",
			       lno ? "none (cut short?)" : "no lines at all");
	return 0;
}

/* ------------------------------------------------------------ sockets */

/* which of the three sockets, for messages */
static const char *const sock_what[] = {"log", "status", "control"};

static const char *sock_path(const struct cd_main *m, int which)
{
	return which == 0 ? m->conf.log_sock : which == 1 ? m->conf.status_sock : m->conf.control_sock;
}

/* a connection with send/receive timeouts, or -1 with err */
static int svc_connect(struct cd_main *m, int which, int timeout_s, char *err, size_t errlen)
{
	const char *path = sock_path(m, which);
	int fd = tg_unix_connect(path, timeout_s, timeout_s);

	if (fd < 0) {
		if (errno == ENAMETOOLONG)
			tg_seterr(err, errlen, "the supervisor's %s socket path is empty or too long",
				  sock_what[which]);
		else
			tg_seterr(err, errlen, "the supervisor's %s socket %s cannot be reached: %s",
				  sock_what[which], path, strerror(errno));
		return -1;
	}
	return fd;
}

/*
 * Everything until the peer closes, into buf[0..cap): 0, or -1 with err.
 * keep_newest: when buf is full, the oldest quarter (up to a line end) is
 * dropped and *dropped set; otherwise a full buffer is an error.
 */
static int read_to_end(int fd, char *buf, size_t cap, size_t *len, int keep_newest, int *dropped,
		       int which, char *err, size_t errlen)
{
	ssize_t r;

	*len = 0;
	if (dropped)
		*dropped = 0;
	for (;;) {
		if (*len == cap) {
			const char *nl;
			size_t cut;

			if (!keep_newest) {
				tg_seterr(err, errlen, "the supervisor's %s answer is over %zu bytes",
					  sock_what[which], cap);
				return -1;
			}
			nl = memchr(buf + cap / 4, '\n', cap - cap / 4);
			cut = nl ? (size_t)(nl - buf) + 1 : cap;
			memmove(buf, buf + cut, cap - cut);
			*len = cap - cut;
			*dropped = 1;
		}
		r = recv(fd, buf + *len, cap - *len, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0)
			return 0;
		if (r < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				tg_seterr(err, errlen, "the supervisor's %s socket sent nothing for %d s",
					  sock_what[which], SVC_TIMEOUT_S);
			else
				tg_seterr(err, errlen, "reading the supervisor's %s socket: %s",
					  sock_what[which], strerror(errno));
			return -1;
		}
		*len += (size_t)r;
	}
}

/* status.sock's services; 0, or with err -1 (unreachable: 503) or -2 (no good answer: 502) */
static int read_status(struct cd_main *m, struct cd_svc_status *s, int cap, int *n, int *all_ready,
		       char *err, size_t errlen)
{
	static char buf[STATUS_MAX];
	char perr[160];
	size_t len;
	int fd = svc_connect(m, 1, SVC_TIMEOUT_S, err, errlen), rc;

	if (fd < 0)
		return -1;
	rc = read_to_end(fd, buf, sizeof buf, &len, 0, NULL, 1, err, errlen);
	close(fd);
	if (rc < 0)
		return -2;
	if (cd_svc_status_parse(buf, len, s, cap, n, all_ready, perr, sizeof perr) < 0) {
		tg_warn("unexpected answer on %s: %s", m->conf.status_sock, perr);
		tg_seterr(err, errlen, "unexpected answer from the supervisor: %s", perr);
		return -2;
	}
	return 0;
}

int cd_svc_command(struct cd_main *m, const char *cmd, char *err, size_t errlen)
{
	char req[SVC_CMD_MAX + 2], line[600];
	size_t n = strlen(cmd), got = 0;
	int timeout = strncmp(cmd, "run ", 4) == 0 ? SVC_RUN_TIMEOUT_S : SVC_TIMEOUT_S, fd;
	int failed = 0;
	char *nl = NULL;

	if (n == 0 || n > SVC_CMD_MAX || strchr(cmd, '\n')) {
		tg_err("cd_svc_command: bad command \"%.64s\"", cmd);
		tg_seterr(err, errlen, "bad supervisor command (1..%d bytes, one line)", SVC_CMD_MAX);
		return -1;
	}
	fd = svc_connect(m, 2, timeout, err, errlen);
	if (fd < 0) {
		tg_warn("%s: %s", cmd, err);
		return -1;
	}
	memcpy(req, cmd, n);
	req[n] = '\n';
	if (tg_send_all(fd, req, n + 1) < 0) {
		tg_seterr(err, errlen, "writing to the supervisor's control socket: %s",
			  strerror(errno));
		close(fd);
		tg_warn("%s: %s", cmd, err);
		return -1;
	}
	line[0] = '\0';
	while (!nl && got < sizeof line - 1) {
		ssize_t r = recv(fd, line + got, sizeof line - 1 - got, 0);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			tg_seterr(err, errlen, "the supervisor did not answer '%s' within %d s", cmd,
				  timeout);
			failed = 1;
			break;
		}
		if (r < 0) {
			tg_seterr(err, errlen, "reading the supervisor's answer: %s", strerror(errno));
			failed = 1;
			break;
		}
		if (r == 0) {
			/* a last line without its newline still counts, as in update.c */
			if (!got) {
				tg_seterr(err, errlen,
					  "the supervisor closed the connection without an answer");
				failed = 1;
			}
			break;
		}
		got += (size_t)r;
		line[got] = '\0';
		nl = memchr(line, '\n', got);
	}
	close(fd);
	if (failed)
		goto fail;
	if (nl)
		*nl = '\0';
	if (strcmp(line, "ok") == 0) {
		tg_info("supervisor: %s: ok", cmd);
		return 0;
	}
	if (strncmp(line, "error ", 6) == 0)
		tg_seterr(err, errlen, "%s", line + 6);
	else
		tg_seterr(err, errlen, "unexpected answer from the supervisor: %.100s", line);
fail:
	tg_warn("supervisor: %s: %s", cmd, err);
	return -1;
}

/* ------------------------------------------------------------ routes */

/* {"error": msg, "field": field} with status */
static void error_field(struct cd_out *o, int status, const char *msg, const char *field)
{
	struct tg_json j;

	tg_json_init(&j, o->body, CD_OUT_MAX);
	tg_json_obj(&j, NULL);
	tg_json_str(&j, "error", msg);
	tg_json_str(&j, "field", field);
	tg_json_obj_end(&j);
	o->status = status;
	o->kind = CD_KIND_JSON;
	o->len = tg_json_done(&j) == 0 ? j.len : 0;
}

/* 1 if key appears in the raw query string (with or without a value) */
static int query_has(const char *q, const char *key)
{
	size_t kl = strlen(key);

	while (*q) {
		const char *amp = strchr(q, '&');
		size_t n = amp ? (size_t)(amp - q) : strlen(q);

		if (n >= kl && memcmp(q, key, kl) == 0 && (n == kl || q[kl] == '='))
			return 1;
		q += n + (amp != NULL);
	}
	return 0;
}

/* a query parameter, decoded: 1 present, 0 absent, -1 bad (400 answered) */
static int query_param(const char *query, const char *key, char *out, size_t cap, struct cd_out *o,
		       const char *expect)
{
	char msg[200];

	if (!query_has(query, key))
		return 0;
	if (tg_http_form_get((const uint8_t *)query, strlen(query), key, out, cap) < 0) {
		snprintf(msg, sizeof msg, "%s: expected %s, once", key, expect);
		error_field(o, 400, msg, key);
		return -1;
	}
	return 1;
}

void cd_logs_json(struct cd_main *m, const char *query, struct cd_out *o)
{
	static char buf[LOG_DUMP_MAX];
	char service[CD_SVC_NAME_MAX + 2] = "", q[QUERY_TEXT_MAX + 1] = "", num[16], err[300];
	size_t len, i;
	long n = CD_LOGS_DEFAULT, k;
	int fd, dropped = 0, rc;

	if ((rc = query_param(query, "service", service, sizeof service, o,
			      "a service name ([a-z0-9_-]{1,31})")) < 0)
		return;
	if (rc && service[0] && !cd_svc_name_ok(service, strlen(service))) {
		error_field(o, 400, "service: expected a service name ([a-z0-9_-]{1,31})",
			    "service");
		return;
	}
	if (query_param(query, "q", q, sizeof q, o, "a text of at most 128 bytes") < 0)
		return;
	if ((rc = query_param(query, "n", num, sizeof num, o, "a number of lines 1..1000")) < 0)
		return;
	if (rc) {
		n = 0;
		for (i = 0; num[i] >= '0' && num[i] <= '9' && n <= CD_LOGS_MAX; i++)
			n = n * 10 + (num[i] - '0');
		if (i == 0 || num[i] || n < 1 || n > CD_LOGS_MAX) {
			error_field(o, 400, "n: expected a number of lines 1..1000", "n");
			return;
		}
	}
	fd = svc_connect(m, 0, SVC_TIMEOUT_S, err, sizeof err);
	if (fd < 0) {
		tg_warn("logs: %s", err);
		cd_out_error(o, 503, err);
		return;
	}
	rc = read_to_end(fd, buf, sizeof buf, &len, 1, &dropped, 0, err, sizeof err);
	close(fd);
	if (rc < 0) {
		tg_warn("logs: %s", err);
		cd_out_error(o, 502, err);
		return;
	}
	/* long lines may not fit CD_OUT_MAX once escaped: fewer lines rather than none */
	while ((k = cd_logs_format(buf, len, service, q, n, dropped, o->body, CD_OUT_MAX)) < 0) {
		if (n == 1) {
			cd_out_error(o, 500, "the log answer does not fit");
			return;
		}
		n /= 2;
	}
	o->status = 200;
	o->kind = CD_KIND_JSON;
	o->len = (size_t)k;
}

void cd_services_json(struct cd_main *m, struct cd_out *o)
{
	static struct cd_svc_status s[CD_SVC_MAX];
	struct tg_json j;
	char err[300];
	int n, all, i, rc;

	if ((rc = read_status(m, s, CD_SVC_MAX, &n, &all, err, sizeof err)) < 0) {
		tg_warn("services: %s", err);
		cd_out_error(o, rc == -1 ? 503 : 502, err);
		return;
	}
	tg_json_init(&j, o->body, CD_OUT_MAX);
	tg_json_obj(&j, NULL);
	tg_json_arr(&j, "services");
	for (i = 0; i < n; i++) {
		tg_json_obj(&j, NULL);
		tg_json_str(&j, "name", s[i].name);
		tg_json_str(&j, "state", s[i].state);
		tg_json_int(&j, "pid", s[i].pid);
		tg_json_int(&j, "uptime_s", s[i].uptime_s);
		tg_json_int(&j, "restarts", s[i].restarts);
		tg_json_bool(&j, "ready", s[i].ready);
		tg_json_obj_end(&j);
	}
	tg_json_arr_end(&j);
	tg_json_bool(&j, "all_ready", all);
	tg_json_obj_end(&j);
	cd_out_json(o, &j, "the answer does not fit");
}

void cd_services_restart(struct cd_main *m, const char *name, struct cd_out *o)
{
	static struct cd_svc_status s[CD_SVC_MAX];
	struct tg_json j;
	char err[300], msg[400], cmd[SVC_CMD_MAX + 1];
	int n, all, i, rc;

	if (!cd_svc_name_ok(name, strlen(name))) {
		error_field(o, 400, "service: expected a service name ([a-z0-9_-]{1,31})",
			    "service");
		return;
	}
	/* the answer could not go out: the supervisor would stop us first */
	if (strcmp(name, CD_SVC_SELF) == 0) {
		error_field(o, 409, "the console cannot restart itself; use reboot", "service");
		return;
	}
	if ((rc = read_status(m, s, CD_SVC_MAX, &n, &all, err, sizeof err)) < 0) {
		tg_warn("restart %s: %s", name, err);
		cd_out_error(o, rc == -1 ? 503 : 502, err);
		return;
	}
	for (i = 0; i < n && strcmp(s[i].name, name) != 0; i++)
		;
	if (i == n) {
		size_t k = (size_t)snprintf(msg, sizeof msg, "no service %s; the supervisor runs:",
					    name);

		for (i = 0; i < n && k < sizeof msg; i++)
			k += (size_t)snprintf(msg + k, sizeof msg - k, "%s %s", i ? "," : "",
					      s[i].name);
		error_field(o, 404, msg, "service");
		return;
	}
	snprintf(cmd, sizeof cmd, "restart %s", name);
	if (m->svc(m, cmd, err, sizeof err) < 0) {
		snprintf(msg, sizeof msg, "restart %s: %s", name, err);
		cd_out_error(o, 502, msg);
		return;
	}
	snprintf(msg, sizeof msg, "%s is restarting", name);
	tg_json_init(&j, o->body, CD_OUT_MAX);
	tg_json_obj(&j, NULL);
	tg_json_str(&j, "message", msg);
	tg_json_obj_end(&j);
	cd_out_json(o, &j, "the answer does not fit");
}
