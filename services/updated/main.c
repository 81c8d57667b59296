/*
 * main.c - updated, the signed firmware update agent: its main role.
 *
 * updated installs bundles (services/lib/bundle.h) into the inactive A/B
 * slot, boots them on trial and keeps them only once a health check on
 * the new slot passed.  Two process roles (updated.h, updated(8)):
 *
 *   main    (this file, health.c) runs as user `updated` with no
 *           capability: it listens on the control socket, reads a bundle
 *           as it streams (never storing it: one 64 KiB buffer), verifies
 *           its signature before it parses the manifest, applies the
 *           rules (helper_check.c), hashes the images as they pass and
 *           hands the bytes to the helper; it answers status, runs the
 *           health check of a trial boot and looks for bundles on
 *           removable disks.
 *   helper  (helper.c) uid 0, no capability: partitions, boot
 *           environment, state file; re-checks everything main asks.
 *
 * Privileges.  The service starts as root (tg-supervise: user root,
 * allow-root yes) with CAP_SETUID, CAP_SETGID and CAP_DAC_READ_SEARCH and
 * nothing else:
 *   - the helper must stay uid 0 (root-owned 0600 device nodes, the
 *     0700 root state folder, SIGTERM to init) but needs no capability:
 *     it drops all three right after the fork;
 *   - main must leave uid 0 for `updated`, which takes CAP_SETUID and
 *     CAP_SETGID (setresuid/setresgid/setgroups); it reads ntsd's
 *     certificate (the health check's trust anchor, in ntsd's 0700
 *     folder) with CAP_DAC_READ_SEARCH first, binds the control socket
 *     with the socket folder's group as its effective group, then
 *     becomes `updated`, which clears every capability.
 * Both roles then enter their seccomp filter (and Landlock on top of the
 * service's own): main keeps its sockets, reading timed's status folder
 * and connecting to 127.0.0.1 (by code: seccomp cannot see addresses).
 *
 * Control socket (one request per connection, a line, then):
 *   status, install (+ bundle bytes), boot-ready, mark-good, mark-bad,
 *   rollback, reboot; answers "ok MESSAGE" / "error MESSAGE" (see
 *   updatectl(8)).  Peers: uid 0, our own uid, or the socket's group
 *   (SO_PEERCRED, SO_PEERGROUPS).
 *
 * Exit status: 0 on SIGTERM/SIGINT, or -n found everything valid; 100
 * usage or configuration error; 111 system call failure or the helper
 * died (the supervisor restarts updated).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bearssl_hash.h>

#include "bundle.h"
#include "conf.h"
#include "evloop.h"
#include "fileio.h"
#include "landlock.h"
#include "log.h"
#include "sandbox.h"
#include "updated.h"

#define NS 1000000000LL
#define CLIENTS_MAX 8
#define LINE_MAX_ 32
#define LINE_TIMEOUT_NS (10 * NS)  /* a request line must come this fast */
#define IDLE_TIMEOUT_NS (60 * NS)  /* an install stream may pause this long */
#define MEDIA_EVERY_NS (10 * NS)
#define MEDIA_GRACE_NS (120 * NS)  /* media scans start at boot-ready, or this long after start */
#define PROGRESS_EVERY (1u << 20)  /* a progress line per MiB written */
#define TAIL_MAX (1ull << 30)      /* stop counting bytes after the last image here */

struct client {
	int fd; /* -1: free */
	char line[LINE_MAX_ + 1];
	size_t n;
	int64_t since_mono;
	int busy; /* the source of the install: its idle time is the install's */
};

enum { S_HDR, S_SIGNED, S_IMAGE, S_TAIL };

static struct {
	struct upd_conf c;
	const char *conf_path;
	struct upd_paths p;
	const char *sock_path;
	int test_mode;
	struct upd_release rel;
	struct tg_bundle_keyring kr;
	struct upd_health health;
	struct tg_loop loop;
	int listen_fd;
	unsigned sock_gid;
	unsigned own_uid;
	int notify_fd;
	pid_t helper_pid;
	int ipc;
	uint32_t seq;
	struct upd_rep_status hst; /* the helper's last status */
	/* progress of the current or last install */
	const char *phase;
	uint64_t bytes, total;
	char message[UPD_MSG_MAX];
	/* trial */
	int64_t start_mono;
	int boot_ready;
	int trial_done;
	int64_t next_health_mono;
	char health_why[UPD_RESULT_MAX];
	/* media */
	int64_t next_media_mono;
	uint8_t media_logged_id[32];
	char media_logged[UPD_MSG_MAX];
} m;

static struct client clients[CLIENTS_MAX];

static struct {
	int active;
	int fd;             /* the source: a client's socket or a media disk */
	struct client *cl;  /* NULL: media */
	char media_name[64];
	int step;
	uint8_t sbuf[UPD_SIGNED_MAX];
	size_t have, need;
	uint32_t ml;
	struct tg_bundle_manifest mf;
	int img;
	uint64_t done[2];
	br_sha256_context sha;
	uint8_t sum[2][32];
	uint64_t extra;
	int64_t last_data_mono;
	uint8_t id[32];
	int have_id;
	int begun;
	char slot;
	uint64_t progress_at;
} in;

static uint8_t iobuf[65536]; /* the one buffer a bundle's images pass through */

static const char *const img_name[2] = {"boot", "root"};

static int64_t now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * NS + ts.tv_nsec;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: updated [-n] [-S] [-c CONF] [-p DIR [-m DIR]] [-k FILE] [-r FILE] [-K FILE]\n"
		"               [-s PATH] [-d DIR]\n"
		"  -c CONF  configuration (default " UPD_CONF_PATH "; missing: defaults)\n"
		"  -n       check the configuration, release file and key ring, and exit\n"
		"  -S       print each process role's sandbox and exit\n"
		"  -p DIR   test mode: partitions are the files DIR/bootA, rootA, bootB, rootB,\n"
		"           bootenv0, bootenv1; no reboot; no media unless -m\n"
		"  -m DIR   test mode: media candidates are the files in DIR\n"
		"  -k FILE  kernel command line (default " UPD_CMDLINE_PATH ")\n"
		"  -r FILE  release file (default " UPD_RELEASE_PATH ")\n"
		"  -K FILE  key ring (default " UPD_KEYRING_PATH ")\n"
		"  -s PATH  control socket (default " UPD_SOCKET_PATH ")\n"
		"  -d DIR   state folder (default " UPD_STATE_DIR ")\n");
}

/* ----------------------------------------------------------- the helper */

static void helper_send(uint16_t type, const void *req, uint32_t len)
{
	int r = tg_ipc_send(m.ipc, type, ++m.seq, req, len, -1);

	if (r == TG_IPC_ESYS && (errno == EPIPE || errno == ECONNRESET))
		tg_role_died("helper", m.helper_pid);
	if (r != TG_IPC_OK)
		tg_fatalx(TG_EXIT_SYS, "sending to the helper: %s (%s)", tg_ipc_strerror(r),
			  strerror(errno));
}

/* the answer to the request just sent: of type want, into out */
static void helper_recv(uint16_t want, void *out, size_t len, int *fd_out)
{
	static uint8_t buf[TG_IPC_PAYLOAD_MAX] __attribute__((aligned(8)));
	struct tg_ipc_hdr h;
	const struct tg_ipc_type *t;
	int r, fd = -1;

	do
		r = tg_ipc_recv(m.ipc, &h, buf, sizeof buf, upd_from_helper_types,
				upd_from_helper_ntypes, &t, &fd);
	while (r == TG_IPC_ESYS && errno == EINTR);
	if (r == TG_IPC_EOF || r == TG_IPC_ESYS)
		tg_role_died("helper", m.helper_pid);
	if (r != TG_IPC_OK)
		tg_fatalx(TG_EXIT_SYS, "invalid message from the helper: %s", tg_ipc_strerror(r));
	if (h.type != want || h.seq != m.seq || t->len != len) {
		if (fd >= 0)
			close(fd);
		tg_fatalx(TG_EXIT_SYS, "helper answered %s (seq %u) to request %u", t->name,
			  (unsigned)h.seq, (unsigned)m.seq);
	}
	memcpy(out, buf, len);
	if (fd_out)
		*fd_out = fd;
	else if (fd >= 0)
		close(fd);
}

/* a request with a plain result; the message NUL-terminated */
static int helper_call(uint16_t type, const void *req, uint32_t len, char *msg, size_t msglen)
{
	struct upd_rep_result r;
	struct upd_req_none none = {0};

	if (!req) {
		req = &none;
		len = sizeof none;
	}
	helper_send(type, req, len);
	helper_recv(UPD_REP_RESULT, &r, sizeof r, NULL);
	r.msg[sizeof(r.msg) - 1] = '\0';
	if (msg)
		snprintf(msg, msglen, "%s", r.msg);
	return r.status == UPD_OK ? 0 : -1;
}

static void helper_status(void)
{
	struct upd_req_none none = {0};

	helper_send(UPD_REQ_STATUS, &none, sizeof none);
	helper_recv(UPD_REP_STATUS, &m.hst, sizeof m.hst, NULL);
	m.hst.last_result[sizeof(m.hst.last_result) - 1] = '\0';
}

/* the helper's socket is readable between requests: it went away (or misbehaves) */
static void helper_cb(struct tg_loop *l, int fd, short revents, void *arg)
{
	(void)l;
	(void)fd;
	(void)revents;
	(void)arg;
	tg_role_died("helper", m.helper_pid);
}

/* -------------------------------------------------------------- clients */

/* one line to a client; non-blocking (a client that does not read loses progress lines) */
static void say(struct client *cl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(struct client *cl, const char *fmt, ...)
{
	char line[600];
	va_list ap;
	int n;
	size_t i;

	if (!cl || cl->fd < 0)
		return;
	va_start(ap, fmt);
	n = vsnprintf(line, sizeof line - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof line - 2)
		n = (int)sizeof line - 2;
	/* a message may quote input: one line, no control characters */
	for (i = 0; i < (size_t)n; i++)
		if ((unsigned char)line[i] < 0x20 || line[i] == 0x7f)
			line[i] = '?';
	line[n++] = '\n';
	(void)send(cl->fd, line, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT);
}

static void client_close(struct client *cl)
{
	if (cl->fd < 0)
		return;
	tg_loop_del_fd(&m.loop, cl->fd);
	close(cl->fd);
	cl->fd = -1;
	cl->busy = 0;
	cl->n = 0;
}

/* ---------------------------------------------------------------- install */

static void set_phase(const char *phase)
{
	m.phase = phase;
	if (in.cl)
		say(in.cl, "progress %s %llu %llu", phase, (unsigned long long)m.bytes,
		    (unsigned long long)m.total);
}

static void install_end(void)
{
	if (in.fd >= 0)
		tg_loop_del_fd(&m.loop, in.fd);
	if (in.cl)
		client_close(in.cl);
	else if (in.fd >= 0)
		close(in.fd);
	in.fd = -1;
	in.cl = NULL;
	in.active = 0;
}

/* a media refusal is logged once per bundle and reason (the disk is scanned every 10 s) */
static int media_said(const char *msg)
{
	uint8_t id[32];

	memset(id, 0, sizeof id);
	if (in.have_id)
		memcpy(id, in.id, 32);
	if (memcmp(m.media_logged_id, id, 32) == 0 && strcmp(m.media_logged, msg) == 0)
		return 1;
	memcpy(m.media_logged_id, id, 32);
	snprintf(m.media_logged, sizeof m.media_logged, "%s", msg);
	return 0;
}

static void install_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void install_fail(const char *fmt, ...)
{
	va_list ap;
	char msg[UPD_MSG_MAX];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (in.begun) {
		char hm[UPD_MSG_MAX];

		(void)helper_call(UPD_REQ_ABORT, NULL, 0, hm, sizeof hm);
		in.begun = 0;
	}
	snprintf(m.message, sizeof m.message, "%s", msg);
	set_phase("failed");
	if (in.cl) {
		tg_warn("install refused: %s", msg);
		say(in.cl, "error %s", msg);
	} else if (!media_said(msg)) {
		tg_warn("media %s: not installed: %s", in.media_name, msg);
	} else {
		tg_debug("media %s: not installed: %s", in.media_name, msg);
	}
	install_end();
}

static void src_cb(struct tg_loop *l, int fd, short revents, void *arg);

static void install_start(int fd, struct client *cl, const char *media_name)
{
	memset(&in, 0, sizeof in);
	in.active = 1;
	in.fd = fd;
	in.cl = cl;
	snprintf(in.media_name, sizeof in.media_name, "%s", media_name ? media_name : "");
	in.step = S_HDR;
	in.need = TG_BUNDLE_HDR;
	in.last_data_mono = now_mono();
	m.bytes = m.total = 0;
	m.message[0] = '\0';
	if (cl)
		cl->busy = 1;
	if (tg_loop_add_fd(&m.loop, fd, POLLIN, src_cb, NULL) < 0) {
		install_fail("event loop: no room for the bundle's stream");
		return;
	}
	set_phase("receiving");
}

static void install_finish(void)
{
	struct upd_req_finish f;
	char msg[UPD_MSG_MAX];
	int rc;

	if (strcmp(m.phase, "finishing") != 0)
		set_phase("finishing");
	memset(&f, 0, sizeof f);
	f.size[0] = in.done[0];
	f.size[1] = in.done[1];
	memcpy(f.sha256, in.sum, sizeof f.sha256);
	rc = helper_call(UPD_REQ_FINISH, &f, sizeof f, msg, sizeof msg);
	in.begun = 0; /* the helper ended the install either way */
	if (rc < 0) {
		install_fail("%s", msg);
		return;
	}
	snprintf(m.message, sizeof m.message, "%s", msg);
	set_phase("done");
	if (in.cl) {
		tg_info("%s", msg);
		say(in.cl, "ok %s", msg);
		install_end();
		return;
	}
	tg_info("media %s: %s", in.media_name, msg);
	install_end();
	if (m.c.media_reboot) {
		if (helper_call(UPD_REQ_REBOOT, NULL, 0, msg, sizeof msg) < 0)
			tg_err("reboot: %s", msg);
	}
}

/* The signed part is in: verify, then parse, then the rules; BEGIN. */
static void install_verify(void)
{
	const struct tg_bundle_key *key = NULL;
	struct upd_req_signed s;
	struct upd_req_begin b;
	char err[UPD_MSG_MAX], v[24];
	size_t off;
	uint64_t total;

	set_phase("verifying");
	if (tg_bundle_verify(in.sbuf, TG_BUNDLE_HDR + in.ml, in.sbuf + TG_BUNDLE_HDR + in.ml, &m.kr,
			     &key, err, sizeof err) < 0) {
		install_fail("%s", err);
		return;
	}
	if (tg_bundle_manifest_parse((const char *)in.sbuf + TG_BUNDLE_HDR, in.ml, &in.mf, err,
				     sizeof err) < 0) {
		install_fail("%s", err);
		return;
	}
	helper_status();
	if (!m.hst.booted) {
		install_fail("the booted slot is unknown (no tg.slot=A|B on the kernel command line)");
		return;
	}
	in.slot = upd_other((char)m.hst.booted);
	if (upd_manifest_check(&in.mf, &m.rel, m.hst.security_min, m.hst.part_size, in.slot, err,
			       sizeof err) < 0) {
		install_fail("%s", err);
		return;
	}
	if (m.hst.trial) {
		install_fail("slot %c is on trial: an update installs once it is committed (or "
			     "rolled back)",
			     m.hst.booted);
		return;
	}
	if (!in.cl && m.hst.have_failed && memcmp(m.hst.failed_bundle, in.id, 32) == 0) {
		install_fail("this bundle (%s) failed before", upd_version_str(in.mf.version, v, sizeof v));
		return;
	}
	if (!in.cl && m.hst.pending && memcmp(m.hst.pending_bundle, in.id, 32) == 0) {
		install_fail("this bundle (%s) is installed in slot %c and waits for a reboot",
			     upd_version_str(in.mf.version, v, sizeof v), m.hst.pending);
		return;
	}
	/* the helper verifies the same bytes again, with its own key ring */
	for (off = 0; off < in.need; off += UPD_SIGNED_CHUNK) {
		size_t n = in.need - off < UPD_SIGNED_CHUNK ? in.need - off : UPD_SIGNED_CHUNK;

		memset(&s, 0, sizeof s);
		s.off = (uint32_t)off;
		s.len = (uint32_t)n;
		memcpy(s.data, in.sbuf + off, n);
		if (helper_call(UPD_REQ_SIGNED, &s, sizeof s, err, sizeof err) < 0) {
			install_fail("%s", err);
			return;
		}
	}
	memset(&b, 0, sizeof b);
	b.slot = (uint32_t)in.slot;
	b.signed_len = (uint32_t)in.need;
	if (helper_call(UPD_REQ_BEGIN, &b, sizeof b, err, sizeof err) < 0) {
		install_fail("%s", err);
		return;
	}
	in.begun = 1;
	total = in.need + in.mf.image[0].size + in.mf.image[1].size;
	m.total = total;
	tg_info("installing %s (security %u, signed by key %s) into slot %c from %s%s",
		upd_version_str(in.mf.version, v, sizeof v), (unsigned)in.mf.security,
		key ? key->name : "?", in.slot, in.cl ? "the control socket" : "media ",
		in.cl ? "" : in.media_name);
	in.step = S_IMAGE;
	in.img = 0;
	br_sha256_init(&in.sha);
	set_phase("writing");
	in.progress_at = m.bytes;
}

/* image bytes: hashed, handed to the helper in WRITE messages */
static int install_write(const uint8_t *p, size_t n)
{
	static struct upd_req_write w;
	char err[UPD_MSG_MAX];

	br_sha256_update(&in.sha, p, n);
	while (n) {
		size_t k = n < UPD_WRITE_MAX ? n : UPD_WRITE_MAX;

		w.image = (uint32_t)in.img;
		w.len = (uint32_t)k;
		w.off = in.done[in.img];
		memcpy(w.data, p, k);
		if (k < UPD_WRITE_MAX)
			memset(w.data + k, 0, UPD_WRITE_MAX - k);
		if (helper_call(UPD_REQ_WRITE, &w, sizeof w, err, sizeof err) < 0) {
			install_fail("%s", err);
			return -1;
		}
		in.done[in.img] += k;
		m.bytes += k;
		p += k;
		n -= k;
	}
	if (in.cl && m.bytes - in.progress_at >= PROGRESS_EVERY) {
		in.progress_at = m.bytes;
		say(in.cl, "progress writing %llu %llu", (unsigned long long)m.bytes,
		    (unsigned long long)m.total);
	}
	return 0;
}

static void install_eof(void)
{
	switch (in.step) {
	case S_HDR:
		install_fail("bundle truncated: header ended at byte %zu of %d", in.have,
			     TG_BUNDLE_HDR);
		break;
	case S_SIGNED:
		if (in.have < TG_BUNDLE_HDR + in.ml)
			install_fail("bundle truncated: manifest ended at byte %zu of %u",
				     in.have - TG_BUNDLE_HDR, (unsigned)in.ml);
		else
			install_fail("bundle truncated: signature ended at byte %zu of %d",
				     in.have - TG_BUNDLE_HDR - in.ml, TG_BUNDLE_SIG);
		break;
	case S_IMAGE:
		install_fail("bundle truncated: image %s ended at byte %llu of %llu",
			     img_name[in.img], (unsigned long long)in.done[in.img],
			     (unsigned long long)in.mf.image[in.img].size);
		break;
	default:
		if (in.extra)
			install_fail("%llu bytes after the last image",
				     (unsigned long long)in.extra);
		else
			install_finish();
		break;
	}
}

static void src_cb(struct tg_loop *l, int fd, short revents, void *arg)
{
	ssize_t r;
	char err[UPD_MSG_MAX];

	(void)l;
	(void)revents;
	(void)arg;
	if (!in.active)
		return;
	if (in.step == S_HDR || in.step == S_SIGNED) {
		r = read(fd, in.sbuf + in.have, in.need - in.have);
	} else if (in.step == S_IMAGE) {
		uint64_t rest = in.mf.image[in.img].size - in.done[in.img];

		r = read(fd, iobuf, rest < sizeof iobuf ? (size_t)rest : sizeof iobuf);
	} else {
		r = read(fd, iobuf, sizeof iobuf);
	}
	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (r < 0) {
		install_fail("reading the bundle: %s", strerror(errno));
		return;
	}
	in.last_data_mono = now_mono();
	if (r == 0) {
		install_eof();
		return;
	}
	switch (in.step) {
	case S_HDR:
		in.have += (size_t)r;
		m.bytes += (uint64_t)r;
		if (in.have < in.need)
			return;
		if (tg_bundle_header(in.sbuf, TG_BUNDLE_HDR, &in.ml, err, sizeof err) < 0) {
			install_fail("%s", err);
			return;
		}
		in.step = S_SIGNED;
		in.need = TG_BUNDLE_HDR + in.ml + TG_BUNDLE_SIG;
		return;
	case S_SIGNED:
		in.have += (size_t)r;
		m.bytes += (uint64_t)r;
		if (in.have < in.need)
			return;
		{
			br_sha256_context c;

			/* the bundle's identity: its signed header and manifest */
			br_sha256_init(&c);
			br_sha256_update(&c, in.sbuf, TG_BUNDLE_HDR + in.ml);
			br_sha256_out(&c, in.id);
			in.have_id = 1;
		}
		install_verify();
		return;
	case S_IMAGE:
		if (install_write(iobuf, (size_t)r) < 0)
			return;
		if (in.done[in.img] < in.mf.image[in.img].size)
			return;
		br_sha256_out(&in.sha, in.sum[in.img]);
		if (memcmp(in.sum[in.img], in.mf.image[in.img].sha256, 32) != 0) {
			install_fail("image %s: SHA-256 does not match the signed manifest",
				     img_name[in.img]);
			return;
		}
		if (in.img == UPD_IMG_BOOT) {
			in.img = UPD_IMG_ROOT;
			br_sha256_init(&in.sha);
			return;
		}
		/* a disk is longer than its bundle; a stream must end here */
		if (!in.cl) {
			install_finish();
			return;
		}
		in.step = S_TAIL;
		set_phase("finishing");
		return;
	default:
		if (in.extra < TAIL_MAX)
			in.extra += (uint64_t)r;
		return;
	}
}

/* ------------------------------------------------------------- requests */

static const char *slot_str(uint8_t s)
{
	return s == 'A' ? "A" : s == 'B' ? "B" : "-";
}

static void do_status(struct client *cl)
{
	const struct upd_rep_status *s = &m.hst;
	char bv[24], cvs[24], pvs[24], order[4], buf[1400];
	unsigned pv[3], cv[3];
	size_t len, i;
	int n;

	helper_status();
	for (i = 0; i < 3; i++) {
		pv[i] = s->pending_version[i];
		cv[i] = s->committed_version[i];
	}
	order[0] = (char)s->order[0];
	order[1] = s->norder == 2 ? ' ' : '\0';
	order[2] = s->norder == 2 ? (char)s->order[1] : '\0';
	order[3] = '\0';
	upd_version_str(m.rel.version, bv, sizeof bv);
	upd_version_str(cv, cvs, sizeof cvs);
	if (s->pending)
		upd_version_str(pv, pvs, sizeof pvs);
	else
		snprintf(pvs, sizeof pvs, "-");
	n = snprintf(buf, sizeof buf,
		     "booted-slot %s\nbooted-version %s\ncommitted-slot %s\n"
		     "committed-version %s\nsecurity-min %u\npending-slot %s\n"
		     "pending-version %s\ntrial %s\norder %s\ntries-A %u\ntries-B %u\n"
		     "phase %s\nbytes %llu\ntotal %llu\nmessage %s\nlast-result %s\nend\n",
		     slot_str(s->booted), bv, slot_str(s->committed), cvs,
		     (unsigned)s->security_min, slot_str(s->pending), pvs, s->trial ? "yes" : "no",
		     order, (unsigned)s->left[0], (unsigned)s->left[1], m.phase,
		     (unsigned long long)m.bytes, (unsigned long long)m.total,
		     m.message[0] ? m.message : "-", s->last_result[0] ? s->last_result : "-");
	if (n > 0) {
		len = (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1;
		/* control characters from a message would forge a line: '?' */
		for (i = 0; i < len; i++)
			if (buf[i] != '\n' && ((unsigned char)buf[i] < 0x20 || buf[i] == 0x7f))
				buf[i] = '?';
		(void)send(cl->fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
	}
	client_close(cl);
}

static void answer(struct client *cl, int rc, const char *msg)
{
	say(cl, "%s %s", rc == 0 ? "ok" : "error", msg);
	client_close(cl);
}

static void do_simple(struct client *cl, uint16_t type, const char *what)
{
	char msg[UPD_MSG_MAX];
	int rc;

	rc = helper_call(type, NULL, 0, msg, sizeof msg);
	if (rc < 0)
		tg_warn("%s refused: %s", what, msg);
	answer(cl, rc, msg);
	helper_status(); /* a rollback may have ended a trial */
}

static void do_boot_ready(struct client *cl)
{
	char msg[UPD_MSG_MAX];

	helper_status();
	m.boot_ready = 1;
	if (!m.hst.booted) {
		answer(cl, -1, "the booted slot is unknown (no tg.slot=A|B on the kernel command line)");
		return;
	}
	if (m.hst.trial && !m.trial_done) {
		int64_t left = m.start_mono + (int64_t)m.c.health_timeout_s * NS - now_mono();

		m.next_health_mono = 0; /* now */
		snprintf(msg, sizeof msg,
			 "every service is ready; slot %c is on trial: the health check decides "
			 "within %lld s",
			 m.hst.booted, (long long)(left > 0 ? left / NS : 0));
		tg_info("boot-ready: %s", msg);
		answer(cl, 0, msg);
		return;
	}
	do_simple(cl, UPD_REQ_MARK_GOOD, "mark-good");
}

static void request(struct client *cl)
{
	const char *r = cl->line;

	if (strcmp(r, "status") == 0) {
		do_status(cl);
	} else if (strcmp(r, "install") == 0) {
		if (in.active) {
			answer(cl, -1, in.cl ? "another install is in progress"
					     : "an install from a media disk is in progress");
			return;
		}
		tg_loop_del_fd(&m.loop, cl->fd);
		install_start(cl->fd, cl, NULL);
	} else if (strcmp(r, "boot-ready") == 0) {
		do_boot_ready(cl);
	} else if (strcmp(r, "mark-good") == 0) {
		do_simple(cl, UPD_REQ_MARK_GOOD, "mark-good");
	} else if (strcmp(r, "mark-bad") == 0) {
		do_simple(cl, UPD_REQ_MARK_BAD, "mark-bad");
	} else if (strcmp(r, "rollback") == 0) {
		do_simple(cl, UPD_REQ_ROLLBACK, "rollback");
	} else if (strcmp(r, "reboot") == 0) {
		if (in.active)
			answer(cl, -1, "an install is in progress");
		else
			do_simple(cl, UPD_REQ_REBOOT, "reboot");
	} else {
		char msg[200];

		snprintf(msg, sizeof msg,
			 "unknown request \"%.32s\" (expected status, install, boot-ready, "
			 "mark-good, mark-bad, rollback or reboot)",
			 r);
		answer(cl, -1, msg);
	}
}

/* the request line, a byte at a time: what follows it (a bundle) stays in the socket */
static void client_cb(struct tg_loop *l, int fd, short revents, void *arg)
{
	struct client *cl = arg;
	char c;
	ssize_t r;

	(void)l;
	(void)revents;
	for (;;) {
		r = read(fd, &c, 1);
		if (r < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (r <= 0) {
			client_close(cl);
			return;
		}
		if (c == '\n')
			break;
		if (cl->n >= LINE_MAX_ || (unsigned char)c < 0x20 || c == 0x7f) {
			answer(cl, -1, "expected a request line");
			return;
		}
		cl->line[cl->n++] = c;
	}
	cl->line[cl->n] = '\0';
	request(cl);
}

static int peer_allowed(int fd, unsigned *uid_out)
{
	struct ucred uc;
	socklen_t len = sizeof uc;
	gid_t groups[64];
	size_t i;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) < 0)
		return 0;
	*uid_out = (unsigned)uc.uid;
	if (uc.uid == 0 || (unsigned)uc.uid == m.own_uid || (unsigned)uc.gid == m.sock_gid)
		return 1;
#ifdef SO_PEERGROUPS
	len = sizeof groups;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) == 0)
		for (i = 0; i < len / sizeof(gid_t); i++)
			if ((unsigned)groups[i] == m.sock_gid)
				return 1;
#else
	(void)groups;
	(void)i;
#endif
	return 0;
}

static void accept_cb(struct tg_loop *l, int fd, short revents, void *arg)
{
	struct client *cl = NULL;
	unsigned uid = 0;
	int c, i;

	(void)revents;
	(void)arg;
	c = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (c < 0)
		return;
	for (i = 0; i < CLIENTS_MAX; i++)
		if (clients[i].fd < 0) {
			cl = &clients[i];
			break;
		}
	if (!cl) {
		static const char busy[] = "error too many connections\n";

		(void)send(c, busy, sizeof busy - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
		close(c);
		return;
	}
	cl->fd = c;
	cl->n = 0;
	cl->busy = 0;
	cl->since_mono = now_mono();
	if (!peer_allowed(c, &uid)) {
		tg_warn("control socket: uid %u is neither root nor in the socket's group; refused",
			uid);
		answer(cl, -1, "permission denied");
		return;
	}
	if (tg_loop_add_fd(l, c, POLLIN, client_cb, cl) < 0)
		client_close(cl);
}

/* ---------------------------------------------------------------- ticks */

static void health_tick(int64_t now)
{
	char why[UPD_RESULT_MAX], msg[UPD_MSG_MAX];
	int64_t spent = (now - m.start_mono) / NS;
	int rc;

	if (!m.hst.trial || m.trial_done || in.active || now < m.next_health_mono)
		return;
	m.next_health_mono = now + (int64_t)m.c.health_interval_s * NS;
	if (!m.boot_ready) {
		snprintf(why, sizeof why, "not every service is ready yet (no boot-ready)");
		rc = -1;
	} else {
		rc = upd_health_run(&m.health, why, sizeof why);
	}
	if (rc == 0) {
		m.trial_done = 1;
		tg_info("health check of slot %c passed after %lld s: the time service is locked, "
			"NTP and NTS-KE answer",
			m.hst.booted, (long long)spent);
		if (helper_call(UPD_REQ_COMMIT, NULL, 0, msg, sizeof msg) < 0)
			tg_err("commit: %s", msg);
		helper_status();
		return;
	}
	if (strcmp(why, m.health_why) != 0) {
		tg_info("health check of slot %c: %s (retrying every %u s, for %lld s more)",
			m.hst.booted, why, (unsigned)m.c.health_interval_s,
			(long long)m.c.health_timeout_s - spent);
		snprintf(m.health_why, sizeof m.health_why, "%s", why);
	}
	if (spent >= (int64_t)m.c.health_timeout_s) {
		struct upd_req_trial_failed tf;

		m.trial_done = 1;
		tg_err("health check of slot %c failed after %lld s: %s", m.hst.booted,
		       (long long)spent, why);
		memset(&tf, 0, sizeof tf);
		snprintf(tf.reason, sizeof tf.reason, "%s", why);
		if (helper_call(UPD_REQ_TRIAL_FAILED, &tf, sizeof tf, msg, sizeof msg) < 0) {
			tg_err("recording the failed trial: %s", msg);
		} else if (helper_call(UPD_REQ_REBOOT, NULL, 0, msg, sizeof msg) < 0) {
			tg_err("reboot: %s", msg);
		}
		helper_status();
	}
}

static void media_tick(int64_t now)
{
	struct upd_req_none none = {0};
	struct upd_rep_media r;
	int fd = -1;

	/*
	 * Once every service is ready (the running slot is marked good
	 * first), or MEDIA_GRACE_NS after start if that never happens: a
	 * stick is also how a box whose services do not come up is repaired.
	 * Not on a trial boot, which no install may interrupt.
	 */
	if (in.active || now < m.next_media_mono || m.hst.trial ||
	    (!m.boot_ready && now - m.start_mono < MEDIA_GRACE_NS))
		return;
	m.next_media_mono = now + MEDIA_EVERY_NS;
	helper_send(UPD_REQ_MEDIA_SCAN, &none, sizeof none);
	helper_recv(UPD_REP_MEDIA, &r, sizeof r, &fd);
	r.name[sizeof(r.name) - 1] = '\0';
	if (fd < 0) {
		if (r.found)
			tg_err("media scan: the helper found %s but sent no descriptor", r.name);
		return;
	}
	install_start(fd, NULL, r.name);
}

static void tick_cb(struct tg_loop *l, void *arg)
{
	int64_t now = now_mono();
	int i;

	(void)arg;
	for (i = 0; i < CLIENTS_MAX; i++)
		if (clients[i].fd >= 0 && !clients[i].busy &&
		    now - clients[i].since_mono > LINE_TIMEOUT_NS)
			answer(&clients[i], -1, "no request line within 10 s");
	if (in.active && now - in.last_data_mono > IDLE_TIMEOUT_NS)
		install_fail("no data for %lld s", IDLE_TIMEOUT_NS / NS);
	health_tick(now);
	if (m.c.media && (!m.test_mode || m.p.mediadir))
		media_tick(now);
	if (!tg_loop_add_timer(l, NS, tick_cb, NULL))
		tg_fatalx(TG_EXIT_SYS, "event loop: no timer slot");
}

static void stop_cb(struct tg_loop *l, int signo, void *arg)
{
	(void)arg;
	tg_info("signal %d: stopping", signo);
	tg_loop_stop(l);
}

/* -------------------------------------------------------------- sandbox */

/*
 * main's whole allow-list.  Always added by tg_sandbox_enter: exit,
 * exit_group, write, writev, rt_sigreturn, restart_syscall, kill(self,
 * SIGSYS).  No bind, listen: the control socket is made before.  No
 * open but read-only (timed's status file; Landlock says where).
 */
static void main_sandbox(struct tg_sandbox *sb, struct tg_syscall_rule *rules, size_t cap,
			 int listen_fd, int ipc_fd, pid_t helper_pid, const char *user)
{
	static const int types[] = {SOCK_STREAM, SOCK_DGRAM};
	const uint64_t mask =
	    O_ACCMODE | O_CREAT | O_TRUNC | O_APPEND | O_EXCL | (O_TMPFILE & ~O_DIRECTORY);
	struct tg_syscall_table tb;
	size_t i;

	tg_sc_table_init(&tb, rules, cap);
	/* the control socket: connections, who they are, their lines and bundles */
	TG_SC_ADD(&tb, TG_SC1("accept4", 0, TG_CMP_EQ, (uint64_t)listen_fd));
	TG_SC_ADD(&tb, TG_SC2("getsockopt", 1, TG_CMP_EQ, SOL_SOCKET, 2, TG_CMP_EQ, SO_PEERCRED));
#ifdef SO_PEERGROUPS
	TG_SC_ADD(&tb, TG_SC2("getsockopt", 1, TG_CMP_EQ, SOL_SOCKET, 2, TG_CMP_EQ, SO_PEERGROUPS));
#endif
	TG_SC_ADD(&tb, TG_SC("read"));   /* clients, a media disk, the status file, signals */
	TG_SC_ADD(&tb, TG_SC("sendto")); /* answers (send with MSG_NOSIGNAL) */
	TG_SC_ADD(&tb, TG_SC("recvfrom"));
	TG_SC_ADD(&tb, TG_SC("close"));
	/* the helper: requests and answers, a media disk's descriptor; its end */
	TG_SC_ADD(&tb, TG_SC1("sendmsg", 0, TG_CMP_EQ, (uint64_t)ipc_fd));
	TG_SC_ADD(&tb, TG_SC1("recvmsg", 0, TG_CMP_EQ, (uint64_t)ipc_fd));
	TG_SC_ADD(&tb, TG_SC1("wait4", 0, TG_CMP_EQ, (uint64_t)helper_pid));
	/* the health check: timed's status file (read only), NTP over UDP and NTS-KE
	 * over TCP to 127.0.0.1 (the address is the code's; seccomp cannot see it) */
	TG_SC_ADD(&tb, TG_SC_MASKED1("openat", 2, mask, O_RDONLY));
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		tg_sc_add(&tb, (struct tg_syscall_rule){
				   .name = "socket",
				   .nargs = 2,
				   .args = {{0, TG_CMP_EQ, AF_INET, 0},
					    {1, TG_CMP_MASKED_EQ, (uint64_t)types[i], 0xf}}});
	TG_SC_ADD(&tb, TG_SC("connect"));
	TG_SC_ADD(&tb, TG_SC2("getsockopt", 1, TG_CMP_EQ, SOL_SOCKET, 2, TG_CMP_EQ, SO_ERROR));
	TG_SC_ADD(&tb, TG_SC2("setsockopt", 1, TG_CMP_EQ, IPPROTO_TCP, 2, TG_CMP_EQ, TCP_NODELAY));
	TG_SC_ADD(&tb, TG_SC("getrandom")); /* TLS randoms, the NTP request's transmit time */
	/* getaddrinfo("127.0.0.1") in lib/ntsclient allocates its answer (musl's malloc) */
	TG_SC_ADD(&tb, TG_SC("brk"));
	TG_SC_ADD(&tb, TG_SC1("mmap", 2, TG_CMP_EQ, PROT_READ | PROT_WRITE));
	TG_SC_ADD(&tb, TG_SC("munmap"));
	TG_SC_ADD(&tb, TG_SC("madvise"));
	/* the loop */
#ifdef SYS_poll
	TG_SC_ADD(&tb, TG_SC("poll"));
#endif
	TG_SC_ADD(&tb, TG_SC("ppoll"));
	TG_SC_ADD(&tb, TG_SC("clock_gettime"));
	if (tb.full)
		tg_fatalx(TG_EXIT_SYS, "main role: seccomp table too small (%zu rules)", cap);
	memset(sb, 0, sizeof(*sb));
	sb->role = "main";
	sb->user = user;
	sb->caps = 0;
	sb->syscalls = rules;
	sb->rlimit_nofile = 32;
}

static void print_sandboxes(void)
{
	enum { SYM_LISTEN = TG_SANDBOX_SYMBOL(1), SYM_IPC, SYM_PID };
	static const struct tg_sandbox_symbol syms[] = {
	    {SYM_LISTEN, "<control socket>"},
	    {SYM_IPC, "<helper ipc socket>"},
	    {SYM_PID, "<helper role pid>"},
	};
	struct tg_syscall_rule rules[UPD_RULES_MAX];
	struct tg_sandbox sb;
	size_t n = sizeof(syms) / sizeof(syms[0]);

	printf("# updated -S: what each process role enters (tg_sandbox_enter), built by the same\n"
	       "# functions as at run time (main.c main_sandbox, helper.c upd_helper_sandbox).\n"
	       "# The service starts as root with CAP_SETUID, CAP_SETGID, CAP_DAC_READ_SEARCH.\n"
	       "# main: becomes user " UPD_USER " (setgroups/setresgid/setresuid, which clears\n"
	       "# every capability) once it has read ntsd's certificate and bound the control\n"
	       "# socket; then Landlock (timed's status folder, read) and this filter.\n"
	       "# helper: stays uid 0 with no capability (root owns the devices); Landlock: the\n"
	       "# state folder (write), for media /sys/class/block, /sys/devices, /dev (read).\n");
	main_sandbox(&sb, rules, UPD_RULES_MAX, SYM_LISTEN, SYM_IPC, SYM_PID, UPD_USER);
	tg_sandbox_describe(stdout, &sb, syms, n);
	upd_helper_sandbox(&sb, rules, UPD_RULES_MAX, SYM_IPC, 0);
	tg_sandbox_describe(stdout, &sb, syms, n);
}

/* ---------------------------------------------------------------- start */

/* a small file whole, or the end: "WHAT PATH: why" */
static void read_or_die(const char *what, const char *path, char *buf, size_t cap, size_t *len)
{
	if (tg_read_small_file(path, buf, cap, len) < 0) {
		if (errno == EFBIG)
			tg_fatalx(TG_EXIT_USAGE, "%s %s: larger than %zu bytes", what, path, cap - 1);
		tg_fatalx(TG_EXIT_USAGE, "%s %s: %s", what, path, strerror(errno));
	}
}

static void load(void)
{
	static char buf[TG_CONF_FILE_MAX + 1];
	char err[512];
	size_t len;

	upd_conf_defaults(&m.c);
	if (access(m.conf_path, F_OK) == 0 && upd_conf_load(m.conf_path, &m.c, err, sizeof err) < 0)
		tg_fatalx(TG_EXIT_USAGE, "%s", err);
	read_or_die("release file", m.p.release, buf, sizeof buf, &len);
	if (upd_release_parse(buf, len, &m.rel, err, sizeof err) < 0)
		tg_fatalx(TG_EXIT_USAGE, "release file %s: %s", m.p.release, err);
	read_or_die("key ring", m.p.keyring, buf, sizeof buf, &len);
	if (tg_bundle_keyring_parse(buf, len, &m.kr, err, sizeof err) < 0)
		tg_fatalx(TG_EXIT_USAGE, "key ring %s: %s", m.p.keyring, err);
}

/*
 * The control socket, made before main drops root: with the folder's group
 * as effective group (so the socket is ROOT:FOLDER_GROUP, mode 0660) when
 * run as root, whose folder (root:updctl 0750) main cannot change later.
 */
static void make_socket(void)
{
	struct sockaddr_un sa;
	struct stat st;
	char dir[sizeof sa.sun_path];
	const char *slash;
	mode_t old;
	gid_t eg = getegid();
	int is_root = geteuid() == 0;

	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	if (strlen(m.sock_path) >= sizeof sa.sun_path)
		tg_fatalx(TG_EXIT_USAGE, "%s: socket path too long (at most %zu bytes)", m.sock_path,
			  sizeof sa.sun_path - 1);
	memcpy(sa.sun_path, m.sock_path, strlen(m.sock_path));
	slash = strrchr(m.sock_path, '/');
	if (slash && slash != m.sock_path)
		snprintf(dir, sizeof dir, "%.*s", (int)(slash - m.sock_path), m.sock_path);
	else
		snprintf(dir, sizeof dir, "%s", slash ? "/" : ".");
	if (stat(dir, &st) < 0)
		tg_fatal("control socket folder %s", dir);
	if (is_root && setresgid((gid_t)-1, st.st_gid, (gid_t)-1) < 0)
		tg_fatal("setresgid(-1, %u, -1) for the control socket", (unsigned)st.st_gid);
	m.listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (m.listen_fd < 0)
		tg_fatal("socket");
	if (unlink(m.sock_path) < 0 && errno != ENOENT)
		tg_fatal("removing the old %s", m.sock_path);
	old = umask(0117);
	if (bind(m.listen_fd, (struct sockaddr *)&sa, sizeof sa) < 0)
		tg_fatal("bind %s", m.sock_path);
	umask(old);
	if (listen(m.listen_fd, 16) < 0)
		tg_fatal("listen %s", m.sock_path);
	if (is_root && setresgid((gid_t)-1, eg, (gid_t)-1) < 0)
		tg_fatal("setresgid back");
	if (stat(m.sock_path, &st) < 0)
		tg_fatal("%s", m.sock_path);
	m.sock_gid = (unsigned)st.st_gid;
}

static void main_landlock(void)
{
	struct tg_landlock_rule r[1];
	struct stat st;
	char dir[sizeof m.c.time_status], err[300];
	const char *slash = strrchr(m.c.time_status, '/');
	size_t n = 0;

	if (tg_landlock_abi(err, sizeof err) < 0) {
		tg_warn("Landlock: %s; main runs with seccomp only", err);
		return;
	}
	snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - m.c.time_status) : 0,
		 m.c.time_status);
	/* timed replaces its status file by rename: the folder is granted, read only */
	if (dir[0] && stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
		r[n++] = (struct tg_landlock_rule){dir, TG_LL_READ};
	else
		tg_warn("%s: no such folder; the health check will not see the time service",
			dir[0] ? dir : m.c.time_status);
	if (tg_landlock_restrict(r, n, err, sizeof err) < 0)
		tg_fatalx(TG_EXIT_SYS, "Landlock: %s", err);
}

int main(int argc, char **argv)
{
	struct tg_syscall_rule rules[UPD_RULES_MAX];
	struct tg_sandbox sb;
	char err[512], v[24], v2[24];
	const char *user = NULL;
	unsigned uid, gid;
	int check_only = 0, opt, sv[2], i;

	tg_log_init("updated", "main");
	m.conf_path = UPD_CONF_PATH;
	m.sock_path = UPD_SOCKET_PATH;
	m.p.cmdline = UPD_CMDLINE_PATH;
	m.p.release = UPD_RELEASE_PATH;
	m.p.keyring = UPD_KEYRING_PATH;
	m.p.state_dir = UPD_STATE_DIR;
	m.p.sysfs = UPD_SYSFS_BLOCK;
	m.notify_fd = -1;
	m.listen_fd = -1;
	m.phase = "idle";
	in.fd = -1;
	for (i = 0; i < CLIENTS_MAX; i++)
		clients[i].fd = -1;
	while ((opt = getopt(argc, argv, "c:nSp:m:k:r:K:s:d:h")) != -1) {
		switch (opt) {
		case 'c':
			m.conf_path = optarg;
			break;
		case 'n':
			check_only = 1;
			break;
		case 'S':
			print_sandboxes();
			return fflush(stdout) == 0 && !ferror(stdout) ? TG_EXIT_OK : TG_EXIT_SYS;
		case 'p':
			m.p.partdir = optarg;
			break;
		case 'm':
			m.p.mediadir = optarg;
			break;
		case 'k':
			m.p.cmdline = optarg;
			break;
		case 'r':
			m.p.release = optarg;
			break;
		case 'K':
			m.p.keyring = optarg;
			break;
		case 's':
			m.sock_path = optarg;
			break;
		case 'd':
			m.p.state_dir = optarg;
			break;
		case 'h':
			usage(stdout);
			return TG_EXIT_OK;
		default:
			usage(stderr);
			return TG_EXIT_USAGE;
		}
	}
	if (optind != argc || (m.p.mediadir && !m.p.partdir)) {
		usage(stderr);
		return TG_EXIT_USAGE;
	}
	m.test_mode = m.p.partdir != NULL;
	load();
	if (geteuid() == 0) {
		user = m.c.user;
		if (tg_sandbox_lookup_user(user, &uid, &gid) < 0) {
			if (!m.test_mode || strcmp(user, UPD_USER) != 0)
				tg_fatalx(TG_EXIT_USAGE,
					  "user '%s' does not exist (set 'user' in %s); refusing to run "
					  "main as root",
					  user, m.conf_path);
			tg_warn("test mode: user %s does not exist; main runs as nobody", user);
			user = "nobody";
			if (tg_sandbox_lookup_user(user, &uid, &gid) < 0)
				tg_fatalx(TG_EXIT_USAGE, "neither user %s nor nobody exists", UPD_USER);
		}
		m.own_uid = uid;
	} else {
		m.own_uid = (unsigned)geteuid();
	}
	if (check_only) {
		tg_info("%s, %s, %s: ok (release %s for %s, %d keys)", m.conf_path, m.p.release,
			m.p.keyring, upd_version_str(m.rel.version, v, sizeof v), m.rel.compatible,
			m.kr.n);
		return TG_EXIT_OK;
	}
	m.start_mono = now_mono();
	upd_health_load(&m.health, &m.c);
	m.notify_fd = tg_notify_fd_from_env();

	/* the helper: forked first, so it holds nothing of main's */
	if (tg_ipc_pair(sv) < 0)
		tg_fatal("socketpair");
	m.helper_pid = fork();
	if (m.helper_pid < 0)
		tg_fatal("fork (helper role)");
	if (m.helper_pid == 0) {
		close(sv[0]);
		if (m.notify_fd >= 0)
			close(m.notify_fd);
		exit(upd_helper_role(sv[1], &m.p, &m.rel, &m.kr,
				     m.c.media && (!m.test_mode || m.p.mediadir != NULL)));
	}
	m.ipc = sv[0];
	close(sv[1]);

	/* main: the socket as root, then user `updated` (no capability left), then the sandbox */
	make_socket();
	if (user && tg_sandbox_set_user(user, 0, err, sizeof err) < 0)
		tg_fatalx(TG_EXIT_SYS, "becoming user %s: %s", user, err);
	signal(SIGPIPE, SIG_IGN);
	tg_loop_init(&m.loop);
	if (tg_loop_add_signal(&m.loop, SIGTERM, stop_cb, NULL) < 0 ||
	    tg_loop_add_signal(&m.loop, SIGINT, stop_cb, NULL) < 0)
		tg_fatal("signal handlers");
	if (tg_loop_add_fd(&m.loop, m.listen_fd, POLLIN, accept_cb, NULL) < 0 ||
	    tg_loop_add_fd(&m.loop, m.ipc, POLLIN, helper_cb, NULL) < 0)
		tg_fatalx(TG_EXIT_SYS, "event loop: cannot watch the sockets");
	main_landlock();
	main_sandbox(&sb, rules, UPD_RULES_MAX, m.listen_fd, m.ipc, m.helper_pid, NULL);
	if (tg_sandbox_enter(&sb, err, sizeof err) < 0)
		tg_fatalx(TG_EXIT_SYS, "sandbox: %s", err);

	helper_status();
	if (m.hst.trial)
		tg_info("slot %c booted on trial (%s): health check within %u s of start, every "
			"%u s, once every service is ready",
			m.hst.booted, upd_version_str(m.rel.version, v, sizeof v),
			(unsigned)m.c.health_timeout_s, (unsigned)m.c.health_interval_s);
	else {
		unsigned pv[3] = {m.hst.pending_version[0], m.hst.pending_version[1],
				  m.hst.pending_version[2]};

		tg_info("running: slot %s booted (%s), committed %s, security minimum %u%s%s",
			slot_str(m.hst.booted), upd_version_str(m.rel.version, v, sizeof v),
			slot_str(m.hst.committed), (unsigned)m.hst.security_min,
			m.hst.pending ? "; installed and waiting for a reboot: " : "",
			m.hst.pending ? upd_version_str(pv, v2, sizeof v2) : "");
	}
	if (!tg_loop_add_timer(&m.loop, NS, tick_cb, NULL))
		tg_fatalx(TG_EXIT_SYS, "event loop: no timer slot");
	tg_notify_ready(&m.notify_fd);
	if (tg_loop_run(&m.loop) < 0)
		tg_fatal("event loop");

	if (in.active) {
		char msg[UPD_MSG_MAX];

		m.message[0] = '\0';
		if (in.begun)
			(void)helper_call(UPD_REQ_ABORT, NULL, 0, msg, sizeof msg);
		in.begun = 0;
	}
	/* the helper ends on EOF */
	close(m.ipc);
	waitpid(m.helper_pid, NULL, 0);
	return TG_EXIT_OK;
}
