/*
 * update.c - the console's client of updated's control socket
 * (services/updated/updated.8, "CONTROL PROTOCOL"; updatectl.c is the
 * command-line client of the same protocol): updated's status, rollback,
 * reboot, and the install of a bundle uploaded through the browser.
 *
 * One request per connection, as updated serves them.  Simple commands
 * are a line out and a line (or, for status, lines up to "end") back,
 * with 10 s send and receive timeouts: updated answers them at once, and
 * main must not hang on a wedged agent.
 *
 * An install streams: cd_update_begin() connects and sends "install",
 * every CD_MSG_UPLOAD chunk from web is written through as it comes
 * (blocking: updated reads as fast as it writes the slot, and main's
 * flow-control ack for the chunk goes out only after the write, so web
 * never has more than CD_UPLOAD_WINDOW chunks waiting), and the last one
 * shuts the write side down; updated then checks, writes and reads back
 * the images and answers "ok MESSAGE" or "error MESSAGE".  That takes
 * tens of seconds, so the answer is not waited for: the upload is
 * "finishing", main.c watches the socket in its event loop (other
 * requests are answered meanwhile; another upload still gets 409) and
 * calls cd_update_answer() as bytes arrive, cd_update_timeout() after
 * CD_UPDATE_FINISH_TIMEOUT_S; the answer then goes to the request's
 * conn/gen (web drops it if that connection is gone).  A refusal can
 * come early (a bad signature in the first kilobytes): updated says why
 * and closes, the next write fails, and the answer is read then, at once
 * (it is there already).  An
 * aborted upload (the browser went away) closes the connection: updated
 * sees its stream end before the bundle does and refuses it.  Nothing is
 * installed that updated did not verify whole against its signature, so
 * this client only has to deliver the bytes in order and relay answers.
 *
 * Chunks are checked against the upload they claim to belong to: a chunk
 * for another connection (or none) is late, from an upload that ended
 * already (main answered early; web had chunks in flight), and is
 * dropped; a chunk of the current upload out of sequence, too long or
 * beyond the announced length ends the upload with 400 (web is trusted
 * to keep order: this is logged as a bug, not as an attack).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "consoled/consoled.h"
#include "json.h"
#include "log.h"
#include "unixsock.h"

#define UPD_TIMEOUT_S        10  /* a simple command, the install request line */
#define UPD_STREAM_TIMEOUT_S 60  /* one write of the bundle (updated's own idle limit) */
#define UPD_UPLOAD_MAX       (256ull * 1024 * 1024)
#define UPD_STATUS_KEYS_MAX  64
#define UPD_KEY_MAX          32

/* Answer lines as they arrive (updated's messages are < 600 bytes). */
struct lines {
	char buf[CD_UPLOAD_ANSWER_MAX];
	size_t n;
};

static void set_timeouts(int fd, int rcv_s, int snd_s)
{
	struct timeval tv;

	memset(&tv, 0, sizeof tv);
	tv.tv_sec = rcv_s;
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	tv.tv_sec = snd_s;
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

/* A connection to updated, or -1 with 503 in o. */
static int connect_updated(struct cd_main *m, int snd_timeout_s, struct cd_out *o)
{
	const char *path = m->conf.updated_sock;
	char msg[400];
	int fd, e;

	fd = tg_unix_connect(path, UPD_TIMEOUT_S, snd_timeout_s);
	if (fd < 0) {
		e = errno;
		tg_warn("cannot reach updated at %s: %s", path,
		        e == ENAMETOOLONG ? "expected a socket path of 1..107 bytes" : strerror(e));
		snprintf(msg, sizeof msg, "the update service cannot be reached (%s): %s", path,
			 strerror(e));
		cd_out_error(o, 503, msg);
		return -1;
	}
	return fd;
}

/*
 * The first line of buf[0..*n) (without its newline) into out, taken out
 * of buf: 1; 0 when there is no whole line yet.  A full buffer without a
 * newline is cut into a line, as updatectl does; at the end of the stream
 * (eof) a last line without newline still counts.
 */
static int take_line(char *buf, size_t *n, size_t bufcap, int eof, char *out, size_t cap)
{
	char *nl = memchr(buf, '\n', *n);
	size_t k;

	if (!nl && *n < bufcap && !(eof && *n))
		return 0;
	k = nl ? (size_t)(nl - buf) : *n;
	snprintf(out, cap, "%.*s", (int)k, buf);
	if (nl)
		k++;
	memmove(buf, buf + k, *n - k);
	*n -= k;
	return 1;
}

/*
 * The next line (without its newline) into out: 1; 0 at the end of the
 * stream (a last line without newline still counts as a line); -1 on an
 * error or the receive timeout (errno EAGAIN or EWOULDBLOCK).  An
 * overlong line is cut, as updatectl does.
 */
static int read_line(int fd, struct lines *l, char *out, size_t cap)
{
	for (;;) {
		ssize_t r;

		if (take_line(l->buf, &l->n, sizeof l->buf, 0, out, cap))
			return 1;
		r = recv(fd, l->buf + l->n, sizeof l->buf - l->n, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			return take_line(l->buf, &l->n, sizeof l->buf, 1, out, cap);
		l->n += (size_t)r;
	}
}

/* a read_line() that gave no line, as a response: 504 for the timeout, else 502 */
static void no_answer(struct cd_out *o, int rc, int e, int timeout_s, const char *what)
{
	char msg[200];

	if (rc < 0 && (e == EAGAIN || e == EWOULDBLOCK)) {
		tg_warn("updated did not answer %s within %d s", what, timeout_s);
		snprintf(msg, sizeof msg, "the update service did not answer within %d s", timeout_s);
		cd_out_error(o, 504, msg);
	} else if (rc < 0) {
		tg_warn("reading updated's answer to %s: %s", what, strerror(e));
		snprintf(msg, sizeof msg, "reading the update service's answer: %s", strerror(e));
		cd_out_error(o, 502, msg);
	} else {
		tg_warn("updated closed the connection without answering %s", what);
		cd_out_error(o, 502, "the update service closed the connection without an answer");
	}
}

static void unexpected(struct cd_out *o, const char *line, const char *what)
{
	tg_warn("unexpected answer from updated to %s: %.200s", what, line);
	cd_out_error(o, 502, "unexpected answer from the update service");
}

/* {"message": msg}, or {"ok": true, "message": msg} */
static void out_message(struct cd_out *o, int with_ok, const char *msg)
{
	struct tg_json j;

	tg_json_init(&j, o->body, CD_OUT_MAX);
	tg_json_obj(&j, NULL);
	if (with_ok)
		tg_json_bool(&j, "ok", 1);
	tg_json_str(&j, "message", msg);
	tg_json_obj_end(&j);
	cd_out_json(o, &j, "the answer does not fit");
}

/* "ok MSG" or "ok" -> MSG (or ""); NULL for anything else */
static const char *ok_message(const char *line)
{
	if (strcmp(line, "ok") == 0)
		return "";
	if (strncmp(line, "ok ", 3) == 0)
		return line + 3;
	return NULL;
}

static const char *error_message(const char *line)
{
	if (strcmp(line, "error") == 0)
		return "";
	if (strncmp(line, "error ", 6) == 0)
		return line + 6;
	return NULL;
}

/* ------------------------------------------------------------- status */

/* a status key as updated(8) names them ("tries-A"): [A-Za-z0-9-]{1,UPD_KEY_MAX} */
static int key_ok(const char *k, size_t n)
{
	size_t i;

	if (n == 0 || n > UPD_KEY_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!((k[i] >= 'a' && k[i] <= 'z') || (k[i] >= 'A' && k[i] <= 'Z') ||
		      (k[i] >= '0' && k[i] <= '9') || k[i] == '-'))
			return 0;
	return 1;
}

void cd_update_status_json(struct cd_main *m, struct cd_out *o)
{
	static const char req[] = "status\n";
	struct lines l;
	struct tg_json j;
	char line[800], msg[300];
	int fd, rc, e, keys = 0;

	fd = connect_updated(m, UPD_TIMEOUT_S, o);
	if (fd < 0)
		return;
	if (tg_send_all(fd, req, sizeof req - 1) < 0) {
		e = errno;
		close(fd);
		tg_warn("writing to updated: %s", strerror(e));
		snprintf(msg, sizeof msg, "the update service cannot be reached: %s", strerror(e));
		cd_out_error(o, 503, msg);
		return;
	}
	memset(&l, 0, sizeof l);
	tg_json_init(&j, o->body, CD_OUT_MAX);
	tg_json_obj(&j, NULL);
	for (;;) {
		const char *v;
		char *sp;

		rc = read_line(fd, &l, line, sizeof line);
		e = errno;
		if (rc <= 0) {
			close(fd);
			no_answer(o, rc, e, UPD_TIMEOUT_S, "status");
			return;
		}
		if (strcmp(line, "end") == 0)
			break;
		if (keys == 0 && error_message(line)) {
			close(fd);
			tg_warn("updated refused status: %.200s", error_message(line));
			snprintf(msg, sizeof msg, "the update service refused: %.200s",
				 error_message(line));
			cd_out_error(o, 503, msg);
			return;
		}
		sp = strchr(line, ' ');
		if (!key_ok(line, sp ? (size_t)(sp - line) : strlen(line)) ||
		    ++keys > UPD_STATUS_KEYS_MAX) {
			close(fd);
			unexpected(o, line, "status");
			return;
		}
		v = sp ? sp + 1 : "";
		if (sp)
			*sp = '\0';
		if (strcmp(v, "-") == 0)
			tg_json_null(&j, line);
		else
			tg_json_str(&j, line, v);
	}
	close(fd);
	tg_json_obj_end(&j);
	cd_out_json(o, &j, "the answer does not fit");
}

/* ----------------------------------------------------------- commands */

void cd_update_command(struct cd_main *m, const char *cmd, struct cd_out *o)
{
	struct lines l;
	char line[800], req[32];
	const char *msg;
	int fd, rc, e, n;

	if (strcmp(cmd, "rollback") != 0 && strcmp(cmd, "reboot") != 0) {
		tg_err("cd_update_command: unknown command \"%.32s\"", cmd);
		cd_out_error(o, 500, "unknown update command");
		return;
	}
	fd = connect_updated(m, UPD_TIMEOUT_S, o);
	if (fd < 0)
		return;
	n = snprintf(req, sizeof req, "%s\n", cmd);
	if (tg_send_all(fd, req, (size_t)n) < 0) {
		e = errno;
		close(fd);
		tg_warn("writing to updated: %s", strerror(e));
		cd_out_error(o, 503, "the update service cannot be reached");
		return;
	}
	memset(&l, 0, sizeof l);
	rc = read_line(fd, &l, line, sizeof line);
	e = errno;
	close(fd);
	if (rc <= 0) {
		no_answer(o, rc, e, UPD_TIMEOUT_S, cmd);
		return;
	}
	if ((msg = ok_message(line)) != NULL) {
		tg_info("%s: %s", cmd, msg);
		out_message(o, 0, msg);
	} else if ((msg = error_message(line)) != NULL) {
		tg_warn("%s refused: %s", cmd, msg);
		cd_out_error(o, 409, msg);
	} else {
		unexpected(o, line, cmd);
	}
}

/* ------------------------------------------------------------- upload */

/* End the upload: close updated's connection.  user and addr stay for the audit record. */
static void upload_end(struct cd_upload *u)
{
	if (u->fd >= 0)
		close(u->fd);
	u->fd = -1;
	u->active = 0;
	u->finishing = 0;
	u->ans_n = 0;
}

int cd_update_begin(struct cd_main *m, const struct cd_msg_req *rq, const char *user,
		    struct cd_out *o)
{
	static const char req[] = "install\n";
	struct cd_upload *u = &m->upload;
	char msg[120];
	int fd, e;

	if (u->active) {
		tg_warn("upload from %s@%.48s refused: %s's upload from %s is in progress",
			user ? user : "", rq->addr, u->user, u->addr);
		cd_out_error(o, 409, "another upload is in progress");
		return -1;
	}
	if (rq->content_length == 0) {
		cd_out_error(o, 400, "empty upload: expected a bundle");
		return -1;
	}
	if (rq->content_length > UPD_UPLOAD_MAX) {
		snprintf(msg, sizeof msg, "a bundle is at most %llu bytes, this one has %llu",
			 (unsigned long long)UPD_UPLOAD_MAX,
			 (unsigned long long)rq->content_length);
		cd_out_error(o, 413, msg);
		return -1;
	}
	fd = connect_updated(m, UPD_STREAM_TIMEOUT_S, o);
	if (fd < 0)
		return -1;
	if (tg_send_all(fd, req, sizeof req - 1) < 0) {
		e = errno;
		close(fd);
		tg_warn("writing to updated: %s", strerror(e));
		cd_out_error(o, 503, "the update service cannot be reached");
		return -1;
	}
	memset(u, 0, sizeof *u);
	u->active = 1;
	u->conn = rq->conn;
	u->gen = rq->gen;
	u->next_seq = 0;
	u->total = rq->content_length;
	u->done = 0;
	u->fd = fd;
	snprintf(u->user, sizeof u->user, "%s", user ? user : "");
	snprintf(u->addr, sizeof u->addr, "%.*s", (int)strnlen(rq->addr, sizeof rq->addr),
		 rq->addr);
	tg_info("upload of %" PRIu64 " bytes from %s@%s: streaming to updated", u->total, u->user,
		u->addr);
	return 0;
}

/* a line of updated's answer to the install: 0 for progress (skipped), 1 for the verdict in o */
static int install_line(const struct cd_upload *u, const char *line, struct cd_out *o)
{
	const char *msg;

	if (strncmp(line, "progress ", 9) == 0)
		return 0;
	if ((msg = ok_message(line)) != NULL) {
		tg_info("install from %s@%s: %s", u->user, u->addr, msg);
		out_message(o, 1, msg);
	} else if ((msg = error_message(line)) != NULL) {
		tg_warn("install from %s@%s refused: %s", u->user, u->addr, msg);
		cd_out_error(o, 422, msg);
	} else {
		unexpected(o, line, "install");
	}
	return 1;
}

/* updated's early answer to the install (it closed already: no wait), then the upload's end */
static void upload_answer(struct cd_upload *u, struct cd_out *o, int timeout_s)
{
	struct lines l;
	char line[800];
	int rc, e;

	memset(&l, 0, sizeof l);
	for (;;) {
		rc = read_line(u->fd, &l, line, sizeof line);
		e = errno;
		if (rc <= 0) {
			no_answer(o, rc, e, timeout_s, "install");
			break;
		}
		if (install_line(u, line, o))
			break;
	}
	upload_end(u);
}

int cd_update_answer(struct cd_main *m, struct cd_out *o)
{
	struct cd_upload *u = &m->upload;
	char line[800];
	int eof = 0;

	if (!u->active || !u->finishing) {
		tg_err("cd_update_answer: no upload is finishing");
		cd_out_error(o, 500, "no upload is finishing");
		return 1;
	}
	for (;;) {
		ssize_t r;

		while (take_line(u->ans, &u->ans_n, sizeof u->ans, eof, line, sizeof line))
			if (install_line(u, line, o)) {
				upload_end(u);
				return 1;
			}
		if (eof) {
			no_answer(o, 0, 0, CD_UPDATE_FINISH_TIMEOUT_S, "install");
			upload_end(u);
			return 1;
		}
		/* main's loop said readable; never wait here (recv is recvfrom: no new syscall) */
		r = recv(u->fd, u->ans + u->ans_n, sizeof u->ans - u->ans_n, MSG_DONTWAIT);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (r < 0) {
			/* not EAGAIN, so no_answer() says 502 with the error, never "timeout" */
			no_answer(o, -1, errno, CD_UPDATE_FINISH_TIMEOUT_S, "install");
			upload_end(u);
			return 1;
		}
		if (r == 0)
			eof = 1;
		u->ans_n += (size_t)r;
	}
}

void cd_update_timeout(struct cd_main *m, struct cd_out *o)
{
	struct cd_upload *u = &m->upload;

	/* closing tells updated nobody waits; it finishes (or not) on its own */
	no_answer(o, -1, EAGAIN, CD_UPDATE_FINISH_TIMEOUT_S, "install");
	upload_end(u);
}

/* the upload ends with an error of this client's own (400), updated sees a cut stream */
static int upload_fail(struct cd_upload *u, struct cd_out *o, const char *msg)
{
	tg_warn("upload from %s@%s ended after %" PRIu64 " of %" PRIu64 " bytes: %s", u->user,
		u->addr, u->done, u->total, msg);
	upload_end(u);
	cd_out_error(o, 400, msg);
	return 1;
}

int cd_update_chunk(struct cd_main *m, const struct cd_msg_upload *up, struct cd_out *o)
{
	struct cd_upload *u = &m->upload;

	o->status = 0;
	if (!u->active || up->conn != u->conn || up->gen != u->gen) {
		/* late: its upload ended already (answered early, or aborted) */
		tg_debug("upload chunk %u of connection %u/%u dropped: no such upload", up->seq,
			 up->conn, up->gen);
		return 1;
	}
	if (u->finishing) {
		/* web sends nothing after the last chunk; the install goes on whatever comes */
		tg_err("bug in the web role: upload chunk %u (flags %#x) after the last one", up->seq,
		       (unsigned)up->flags);
		return 0;
	}
	if (up->flags & CD_UP_F_ABORT) {
		tg_info("upload from %s@%s aborted by the client after %" PRIu64 " of %" PRIu64
			" bytes",
			u->user, u->addr, u->done, u->total);
		upload_end(u); /* updated sees the stream end early and refuses the bundle */
		return 1;
	}
	if (up->seq != u->next_seq) {
		char msg[100];

		tg_err("bug in the web role: upload chunk %u, expected %u", up->seq, u->next_seq);
		snprintf(msg, sizeof msg, "upload chunk %u, expected %u", up->seq, u->next_seq);
		return upload_fail(u, o, msg);
	}
	if (up->len > CD_CHUNK_MAX) {
		tg_err("bug in the web role: upload chunk of %u bytes", up->len);
		return upload_fail(u, o, "upload chunk too long");
	}
	if (up->len > u->total - u->done)
		return upload_fail(u, o, "the upload is longer than its Content-Length");
	if (up->len && tg_send_all(u->fd, up->data, up->len) < 0) {
		int e = errno;

		if (e == EAGAIN || e == EWOULDBLOCK) {
			tg_warn("updated took no bundle bytes for %d s", UPD_STREAM_TIMEOUT_S);
			upload_end(u);
			cd_out_error(o, 504, "the update service stopped reading the bundle");
			return 1;
		}
		/* it stopped reading (EPIPE, ECONNRESET): its answer says why */
		set_timeouts(u->fd, UPD_TIMEOUT_S, UPD_TIMEOUT_S);
		upload_answer(u, o, UPD_TIMEOUT_S);
		return 1;
	}
	u->done += up->len;
	u->next_seq++;
	if (!(up->flags & CD_UP_F_LAST))
		return 0;
	if (u->done != u->total) {
		char msg[120];

		snprintf(msg, sizeof msg, "the upload ended after %" PRIu64 " of %" PRIu64 " bytes",
			 u->done, u->total);
		return upload_fail(u, o, msg);
	}
	(void)shutdown(u->fd, SHUT_WR); /* the end of the bundle */
	u->finishing = 1;
	u->ans_n = 0;
	tg_info("upload from %s@%s complete: updated checks and installs it", u->user, u->addr);
	return CD_UPLOAD_FINISHING;
}
