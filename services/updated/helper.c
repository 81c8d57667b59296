/*
 * helper.c - updated's privileged role ("helper"): the one process that
 * writes a slot's partitions, the boot environment and the state file.
 *
 * Privilege: uid 0 with no capability at all.  Root owns the block
 * device nodes (mode 0600) and /data/updated, so plain DAC lets uid 0
 * open them; nothing here needs a capability, and without one uid 0
 * cannot override a permission, load a module, mount, trace or change an
 * id.  Busybox init reboots on SIGTERM, which a uid-0 process may send
 * to PID 1 without CAP_KILL (same uid).
 *
 * Start-up, before any message from main is read: the capabilities the
 * service was started with (CAP_SETUID/CAP_SETGID, for main's change of
 * user) are dropped; the booted slot is read from the kernel command
 * line (the release file and the key ring come parsed from main, which
 * read them before the fork); the boot environment copies and the inactive slot's two partitions are
 * opened (never the booted slot's); the state file is read and settled
 * (upd_state_settle: a pending slot that never came up is recorded as
 * failed); then Landlock (the state folder, and for media the sysfs and
 * /dev trees, read only) and the seccomp filter below.
 *
 * Requests come one at a time on a SOCK_SEQPACKET socket, fixed size
 * (lib/ipc), each re-checked with helper_check.c against this process's
 * own state, never against anything main claims: BEGIN re-verifies the
 * bundle's signature with the key ring read here and re-applies the
 * product, hardware, anti-rollback, version and size rules to the
 * manifest it verified itself; WRITE must be the next bytes of the image
 * and inside both its signed size and its partition; FINISH reads the
 * written bytes back from the device and compares them with the signed
 * hashes before it activates anything.  A refused request is logged with
 * the reason and answered; a malformed message is fatal (as in OpenNTPD).
 *
 * Write order (each step durable before the next, so a power cut at any
 * point boots the old slot or the whole, verified new one):
 *   BEGIN   boot environment: order = the booted slot only, the inactive
 *           slot 0 tries (copy 0, fsync, copy 1, fsync)
 *   WRITE*  the partitions
 *   FINISH  fsync, read back + hash, state file (pending) by rename,
 *           then boot environment: order "X Y", X 3 tries.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bearssl_hash.h>

#include "blkdev.h"
#include "bootenv.h"
#include "bundle.h"
#include "fileio.h"
#include "landlock.h"
#include "log.h"
#include "sandbox.h"
#include "updated.h"

static const char *const img_name[2] = {"boot", "root"};

static struct {
	struct upd_hstate h;
	const struct upd_paths *p;
	int test_mode;
	int media_scan;
	int ipc;
	int env_fd[2];
	int part_fd[2];          /* the inactive slot's boot and root */
	char part_path[2][160];
	char env_path[2][160];
	char our_part[32];       /* kernel name of bootenv0's partition: its disk is ours */
	struct tg_bundle_keyring kr;
	char state_path[256];
	uint8_t signed_buf[UPD_SIGNED_MAX];
	size_t signed_len;
	char key_name[32];       /* the key that signed the bundle being installed */
} hs;

/* 64 KiB, the read-back buffer */
static uint8_t rbuf[65536];

/* ------------------------------------------------------------ replies */

static void reply(uint32_t seq, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void reply(uint32_t seq, int status, const char *fmt, ...)
{
	struct upd_rep_result r;
	va_list ap;
	int rc;

	memset(&r, 0, sizeof(r));
	r.status = status;
	va_start(ap, fmt);
	vsnprintf(r.msg, sizeof(r.msg), fmt, ap);
	va_end(ap);
	rc = tg_ipc_send(hs.ipc, UPD_REP_RESULT, seq, &r, sizeof(r), -1);
	if (rc == TG_IPC_ESYS && (errno == EPIPE || errno == ECONNRESET))
		exit(TG_EXIT_OK); /* main is gone */
	if (rc != TG_IPC_OK)
		tg_fatalx(TG_EXIT_SYS, "answering main: %s", tg_ipc_strerror(rc));
}

/* A request the rules refuse: said in the log (main should not have sent it) and answered. */
static void refuse(uint32_t seq, const char *req, const char *why)
{
	tg_warn("refused %s: %s", req, why);
	reply(seq, UPD_REFUSED, "%s", why);
}

/* ------------------------------------------------------------ the disk */

static int env_read(char *err, size_t errlen)
{
	int used;
	char e[256];

	if (hs.env_fd[0] < 0 || hs.env_fd[1] < 0) {
		snprintf(err, errlen, "the boot environment partitions are not open");
		tg_bootenv_default(&hs.h.env);
		return -1;
	}
	if (tg_bootenv_read(hs.env_fd[0], hs.env_fd[1], &hs.h.env, &used, e, sizeof e) != 0 ||
	    used != 0)
		tg_debug("boot environment: %s", e);
	return 0;
}

static int env_write(char *err, size_t errlen)
{
	char e[200];

	if (hs.env_fd[0] < 0 || hs.env_fd[1] < 0) {
		snprintf(err, errlen, "the boot environment partitions are not open");
		return -1;
	}
	if (tg_bootenv_write(hs.env_fd[0], hs.env_fd[1], &hs.h.env, e, sizeof e) != 0) {
		snprintf(err, errlen, "boot environment: %s", e);
		return -1;
	}
	return 0;
}

static int state_write(char *err, size_t errlen)
{
	char buf[UPD_STATE_MAX];
	size_t n = upd_state_encode(&hs.h.st, buf, sizeof buf);

	if (n == 0 || tg_write_file_atomic(hs.state_path, buf, n, 0600) < 0) {
		snprintf(err, errlen, "state file %.180s: %s", hs.state_path,
			 n ? strerror(errno) : "does not encode");
		return -1;
	}
	return 0;
}

static const char *tries_str(char *buf, size_t len)
{
	snprintf(buf, len, "A: %d, B: %d tries left", hs.h.env.left[0], hs.h.env.left[1]);
	return buf;
}

static int pwrite_all(int fd, const uint8_t *p, size_t n, uint64_t off)
{
	while (n) {
		ssize_t w = pwrite(fd, p, n, (off_t)off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
		off += (uint64_t)w;
	}
	return 0;
}

/* SHA-256 of the first size bytes of fd, read back from the device */
static int hash_back(int fd, uint64_t size, uint8_t out[32])
{
	br_sha256_context c;
	uint64_t off = 0;

	br_sha256_init(&c);
	while (off < size) {
		size_t want = size - off < sizeof rbuf ? (size_t)(size - off) : sizeof rbuf;
		ssize_t r = pread(fd, rbuf, want, (off_t)off);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r == 0)
				errno = EIO;
			return -1;
		}
		br_sha256_update(&c, rbuf, (size_t)r);
		off += (uint64_t)r;
	}
	br_sha256_out(&c, out);
	return 0;
}

/* --------------------------------------------------------------- requests */

static void do_status(uint32_t seq)
{
	struct upd_rep_status s;
	const struct upd_hstate *h = &hs.h;
	char err[128];
	int i, rc;

	(void)env_read(err, sizeof err);
	memset(&s, 0, sizeof(s));
	s.booted = (uint8_t)h->booted;
	s.committed = (uint8_t)h->st.committed_slot;
	s.pending = (uint8_t)h->st.pending_slot;
	s.trial = h->booted && h->st.pending_slot == h->booted;
	s.norder = (uint8_t)h->env.norder;
	s.order[0] = (uint8_t)h->env.order[0];
	s.order[1] = (uint8_t)(h->env.norder == 2 ? h->env.order[1] : 0);
	s.left[0] = (uint8_t)h->env.left[0];
	s.left[1] = (uint8_t)h->env.left[1];
	s.installing = (uint8_t)h->installing;
	s.have_failed = (uint8_t)h->st.have_failed;
	for (i = 0; i < 3; i++) {
		s.committed_version[i] = h->st.committed_version[i];
		s.pending_version[i] = h->st.pending_version[i];
	}
	s.security_min = h->st.security_min;
	s.pending_security = h->st.pending_security;
	s.part_size[0] = h->part_size[0];
	s.part_size[1] = h->part_size[1];
	memcpy(s.pending_bundle, h->st.pending_bundle, 32);
	memcpy(s.failed_bundle, h->st.failed_bundle, 32);
	snprintf(s.last_result, sizeof(s.last_result), "%s", h->st.last_result);
	rc = tg_ipc_send(hs.ipc, UPD_REP_STATUS, seq, &s, sizeof(s), -1);
	if (rc == TG_IPC_ESYS && (errno == EPIPE || errno == ECONNRESET))
		exit(TG_EXIT_OK);
	if (rc != TG_IPC_OK)
		tg_fatalx(TG_EXIT_SYS, "answering main: %s", tg_ipc_strerror(rc));
}

static void do_signed(uint32_t seq, const struct upd_req_signed *r)
{
	char why[128];
	uint32_t i;

	if (hs.h.installing) {
		refuse(seq, "SIGNED", "an install is in progress");
		return;
	}
	if (r->off == 0)
		hs.signed_len = 0; /* a new bundle */
	if (r->off != hs.signed_len || r->len == 0 || r->len > UPD_SIGNED_CHUNK ||
	    (size_t)r->off + r->len > sizeof hs.signed_buf) {
		snprintf(why, sizeof why, "%u bytes at %u: expected 1..%d bytes at %zu, within %zu",
			 (unsigned)r->len, (unsigned)r->off, UPD_SIGNED_CHUNK, hs.signed_len,
			 sizeof hs.signed_buf);
		hs.signed_len = 0;
		refuse(seq, "SIGNED", why);
		return;
	}
	for (i = r->len; i < UPD_SIGNED_CHUNK; i++)
		if (r->data[i]) {
			hs.signed_len = 0;
			refuse(seq, "SIGNED", "bytes after the length are not zero");
			return;
		}
	memcpy(hs.signed_buf + r->off, r->data, r->len);
	hs.signed_len += r->len;
	reply(seq, UPD_OK, "ok");
}

static void do_begin(uint32_t seq, const struct upd_req_begin *r)
{
	struct upd_hstate *h = &hs.h;
	const struct tg_bundle_key *key = NULL;
	struct tg_bundle_manifest m;
	br_sha256_context c;
	char err[256], v[24], tries[64];
	uint32_t ml;
	int ix;

	(void)env_read(err, sizeof err);
	if (upd_check_begin(h, r->slot, err, sizeof err) < 0) {
		refuse(seq, "BEGIN", err);
		return;
	}
	/* the bundle's signed part, verified here with our own key ring */
	if (r->signed_len != hs.signed_len || hs.signed_len < TG_BUNDLE_HDR + TG_BUNDLE_SIG) {
		snprintf(err, sizeof err, "signed part of %u bytes announced, %zu received",
			 (unsigned)r->signed_len, hs.signed_len);
		refuse(seq, "BEGIN", err);
		return;
	}
	if (tg_bundle_header(hs.signed_buf, TG_BUNDLE_HDR, &ml, err, sizeof err) < 0) {
		refuse(seq, "BEGIN", err);
		return;
	}
	if ((size_t)TG_BUNDLE_HDR + ml + TG_BUNDLE_SIG != hs.signed_len) {
		snprintf(err, sizeof err, "signed part: header says %u + %u + %d bytes, received %zu",
			 TG_BUNDLE_HDR, (unsigned)ml, TG_BUNDLE_SIG, hs.signed_len);
		refuse(seq, "BEGIN", err);
		return;
	}
	if (tg_bundle_verify(hs.signed_buf, TG_BUNDLE_HDR + ml, hs.signed_buf + TG_BUNDLE_HDR + ml,
			     &hs.kr, &key, err, sizeof err) < 0 ||
	    tg_bundle_manifest_parse((const char *)hs.signed_buf + TG_BUNDLE_HDR, ml, &m, err,
				     sizeof err) < 0 ||
	    upd_manifest_check(&m, &h->rel, h->st.security_min, h->part_size, (char)r->slot, err,
			       sizeof err) < 0) {
		refuse(seq, "BEGIN", err);
		return;
	}
	br_sha256_init(&c);
	br_sha256_update(&c, hs.signed_buf, TG_BUNDLE_HDR + ml);
	br_sha256_out(&c, h->bundle_id);
	snprintf(hs.key_name, sizeof hs.key_name, "%s", key ? key->name : "?");
	hs.signed_len = 0;

	/* invalidate the slot before a byte of it changes: only the booted slot boots */
	ix = tg_bootenv_slot_index((char)r->slot);
	h->env.order[0] = h->booted;
	h->env.norder = 1;
	h->env.left[ix] = 0;
	if (env_write(err, sizeof err) < 0) {
		tg_err("BEGIN: %s", err);
		reply(seq, UPD_FAILED, "%s", err);
		return;
	}
	h->installing = 1;
	h->slot = (char)r->slot;
	h->m = m;
	h->next[0] = h->next[1] = 0;
	tg_info("writing %s (security %u, signed by key %s) into slot %c; order %c only (%s)",
		upd_version_str(m.version, v, sizeof v), (unsigned)m.security, hs.key_name,
		h->slot, h->booted, tries_str(tries, sizeof tries));
	reply(seq, UPD_OK, "writing slot %c", h->slot);
}

static void do_write(uint32_t seq, const struct upd_req_write *w)
{
	struct upd_hstate *h = &hs.h;
	char err[200];

	if (upd_check_write(h, w, err, sizeof err) < 0) {
		refuse(seq, "WRITE", err);
		return;
	}
	if (pwrite_all(hs.part_fd[w->image], w->data, w->len, w->off) < 0) {
		snprintf(err, sizeof err, "writing %s%c at %llu: %s", img_name[w->image], h->slot,
			 (unsigned long long)w->off, strerror(errno));
		tg_err("%s", err);
		reply(seq, UPD_FAILED, "%s", err);
		return;
	}
	h->next[w->image] += w->len;
	reply(seq, UPD_OK, "ok");
}

static void do_finish(uint32_t seq, const struct upd_req_finish *f)
{
	struct upd_hstate *h = &hs.h;
	char err[256], v[24], tries[64], msg[UPD_MSG_MAX];
	uint8_t sum[32];
	int i, ix;

	if (upd_check_finish(h, f, err, sizeof err) < 0) {
		refuse(seq, "FINISH", err);
		return;
	}
	/* durable, then read back from the device (not the page cache) and hashed */
	for (i = 0; i < 2; i++) {
		if (fsync(hs.part_fd[i]) < 0) {
			snprintf(err, sizeof err, "fsync %s%c: %s", img_name[i], h->slot,
				 strerror(errno));
			goto failed;
		}
		(void)posix_fadvise(hs.part_fd[i], 0, 0, POSIX_FADV_DONTNEED);
		if (hash_back(hs.part_fd[i], h->m.image[i].size, sum) < 0) {
			snprintf(err, sizeof err, "reading back %s%c: %s", img_name[i], h->slot,
				 strerror(errno));
			goto failed;
		}
		if (memcmp(sum, h->m.image[i].sha256, 32) != 0) {
			h->installing = 0;
			snprintf(err, sizeof err,
				 "image %s: what partition %s%c holds now does not match the signed "
				 "manifest; slot %c stays inactive",
				 img_name[i], img_name[i], h->slot, h->slot);
			tg_err("FINISH: %s", err);
			reply(seq, UPD_REFUSED, "%s", err);
			return;
		}
	}
	/* pending first, activation second: a cut between them is "never came up" */
	h->st.pending_slot = h->slot;
	memcpy(h->st.pending_version, h->m.version, sizeof(h->st.pending_version));
	h->st.pending_security = h->m.security;
	memcpy(h->st.pending_bundle, h->bundle_id, 32);
	snprintf(msg, sizeof msg, "installed %s into slot %c; it starts at the next boot",
		 upd_version_str(h->m.version, v, sizeof v), h->slot);
	upd_state_set_result(&h->st, msg);
	if (state_write(err, sizeof err) < 0)
		goto failed;
	(void)env_read(err, sizeof err);
	ix = tg_bootenv_slot_index(h->slot);
	h->env.order[0] = h->slot;
	h->env.order[1] = h->booted;
	h->env.norder = 2;
	h->env.left[ix] = TG_BOOTENV_TRIES;
	if (env_write(err, sizeof err) < 0)
		goto failed;
	h->installing = 0;
	tg_info("%s (order %c %c, %s)", msg, h->slot, h->booted, tries_str(tries, sizeof tries));
	reply(seq, UPD_OK, "%s", msg);
	return;
failed:
	h->installing = 0;
	tg_err("FINISH: %s; slot %c stays inactive", err, h->slot);
	reply(seq, UPD_FAILED, "%s; slot %c stays inactive", err, h->slot);
}

static void do_abort(uint32_t seq)
{
	char tries[64];

	if (!hs.h.installing) {
		hs.signed_len = 0;
		reply(seq, UPD_OK, "nothing to abort");
		return;
	}
	hs.h.installing = 0;
	hs.signed_len = 0;
	tg_info("install into slot %c stopped; it stays inactive (%s)", hs.h.slot,
		tries_str(tries, sizeof tries));
	reply(seq, UPD_OK, "install into slot %c stopped", hs.h.slot);
}

static void do_mark_good(uint32_t seq)
{
	struct upd_hstate *h = &hs.h;
	char err[200], tries[64];

	(void)env_read(err, sizeof err);
	if (upd_check_mark_good(h, err, sizeof err) < 0) {
		refuse(seq, "MARK_GOOD", err);
		return;
	}
	h->env.left[tg_bootenv_slot_index(h->booted)] = TG_BOOTENV_TRIES;
	if (env_write(err, sizeof err) < 0) {
		tg_err("mark-good: %s", err);
		reply(seq, UPD_FAILED, "%s", err);
		return;
	}
	tg_info("slot %c marked good (%s)", h->booted, tries_str(tries, sizeof tries));
	reply(seq, UPD_OK, "slot %c marked good (%s)", h->booted, tries_str(tries, sizeof tries));
}

/* The other slot first: mark-bad (booted slot 0 tries), rollback, a failed trial. */
static int switch_slots(int booted_tries, char *err, size_t errlen)
{
	struct upd_hstate *h = &hs.h;
	char o = upd_other(h->booted);
	int io = tg_bootenv_slot_index(o);

	h->env.order[0] = o;
	h->env.order[1] = h->booted;
	h->env.norder = 2;
	/* the committed slot is whole: give it tries again if U-Boot used them up */
	if (h->env.left[io] == 0 || booted_tries < 0)
		h->env.left[io] = TG_BOOTENV_TRIES;
	if (booted_tries >= 0)
		h->env.left[tg_bootenv_slot_index(h->booted)] = booted_tries;
	return env_write(err, errlen);
}

/* the pending slot is given up: recorded as failed, with the result line */
static void pending_failed(const char *result)
{
	upd_state_pending_failed(&hs.h.st, result);
}

static void do_mark_bad(uint32_t seq)
{
	struct upd_hstate *h = &hs.h;
	char err[200], tries[64];

	(void)env_read(err, sizeof err);
	if (upd_check_switch(h, "mark-bad", err, sizeof err) < 0) {
		refuse(seq, "MARK_BAD", err);
		return;
	}
	if (switch_slots(0, err, sizeof err) < 0) {
		tg_err("mark-bad: %s", err);
		reply(seq, UPD_FAILED, "%s", err);
		return;
	}
	tg_info("slot %c marked bad (%s)", h->booted, tries_str(tries, sizeof tries));
	reply(seq, UPD_OK, "slot %c marked bad (%s)", h->booted, tries_str(tries, sizeof tries));
}

static void do_rollback(uint32_t seq)
{
	struct upd_hstate *h = &hs.h;
	char err[200], tries[64], v[24], msg[UPD_MSG_MAX];
	char o = upd_other(h->booted);

	(void)env_read(err, sizeof err);
	if (upd_check_switch(h, "rollback", err, sizeof err) < 0) {
		refuse(seq, "ROLLBACK", err);
		return;
	}
	if (h->st.pending_slot == h->booted) {
		/* giving up a trial: said now, not as "never came up" at the next boot */
		snprintf(msg, sizeof msg, "update to %s in slot %c rolled back by the operator",
			 upd_version_str(h->st.pending_version, v, sizeof v), h->booted);
		pending_failed(msg);
		if (state_write(err, sizeof err) < 0) {
			tg_err("rollback: %s", err);
			reply(seq, UPD_FAILED, "%s", err);
			return;
		}
	}
	if (switch_slots(-1, err, sizeof err) < 0) {
		tg_err("rollback: %s", err);
		reply(seq, UPD_FAILED, "%s", err);
		return;
	}
	tg_info("rollback: slot %c boots next (order %c %c, %s)", o, o, h->booted,
		tries_str(tries, sizeof tries));
	reply(seq, UPD_OK, "slot %c boots next (%s)", o, tries_str(tries, sizeof tries));
}

static void do_commit(uint32_t seq)
{
	struct upd_hstate *h = &hs.h;
	struct upd_state *st = &h->st;
	char err[200], v[24], msg[UPD_MSG_MAX];

	(void)env_read(err, sizeof err);
	if (upd_check_trial(h, "commit", err, sizeof err) < 0) {
		refuse(seq, "COMMIT", err);
		return;
	}
	st->committed_slot = h->booted;
	memcpy(st->committed_version, st->pending_version, sizeof(st->committed_version));
	if (st->pending_security > st->security_min)
		st->security_min = st->pending_security;
	st->pending_slot = 0;
	memset(st->pending_version, 0, sizeof(st->pending_version));
	st->pending_security = 0;
	memset(st->pending_bundle, 0, 32);
	snprintf(msg, sizeof msg, "committed %s in slot %c (security minimum now %u)",
		 upd_version_str(st->committed_version, v, sizeof v), h->booted,
		 (unsigned)st->security_min);
	upd_state_set_result(st, msg);
	/* the state first: a cut before the tries are restored leaves a committed slot
	 * with fewer tries, which the next boot-ready marks good */
	if (state_write(err, sizeof err) < 0) {
		tg_err("commit: %s", err);
		reply(seq, UPD_FAILED, "%s", err);
		return;
	}
	h->env.left[tg_bootenv_slot_index(h->booted)] = TG_BOOTENV_TRIES;
	if (env_write(err, sizeof err) < 0)
		tg_err("commit: %s (the slot is committed; its tries are restored at the next "
		       "boot-ready)",
		       err);
	tg_info("%s", msg);
	reply(seq, UPD_OK, "%s", msg);
}

static void do_trial_failed(uint32_t seq, const struct upd_req_trial_failed *r)
{
	struct upd_hstate *h = &hs.h;
	char err[200], v[24], msg[UPD_MSG_MAX], tries[64];
	char o = upd_other(h->booted);

	(void)env_read(err, sizeof err);
	if (!memchr(r->reason, '\0', sizeof(r->reason))) {
		refuse(seq, "TRIAL_FAILED", "reason is not NUL-terminated");
		return;
	}
	if (upd_check_trial(h, "trial-failed", err, sizeof err) < 0) {
		refuse(seq, "TRIAL_FAILED", err);
		return;
	}
	snprintf(msg, sizeof msg, "update to %s in slot %c failed its health check (%.120s); "
		 "slot %c boots next",
		 upd_version_str(h->st.pending_version, v, sizeof v), h->booted, r->reason, o);
	pending_failed(msg);
	if (state_write(err, sizeof err) < 0)
		tg_err("trial failed: %s", err); /* the boot environment still rolls back */
	if (switch_slots(0, err, sizeof err) < 0) {
		tg_err("trial failed: %s", err);
		reply(seq, UPD_FAILED, "%s", err);
		return;
	}
	tg_err("%s (%s)", msg, tries_str(tries, sizeof tries));
	reply(seq, UPD_OK, "%s", msg);
}

static void do_reboot(uint32_t seq)
{
	if (hs.test_mode) {
		tg_info("test mode: not rebooting");
		reply(seq, UPD_OK, "test mode: not rebooting");
		return;
	}
	tg_info("rebooting (SIGTERM to init)");
	if (kill(1, SIGTERM) < 0) {
		tg_err("kill(1, SIGTERM): %s", strerror(errno));
		reply(seq, UPD_FAILED, "cannot reboot: %s", strerror(errno));
		return;
	}
	reply(seq, UPD_OK, "rebooting");
}

/* ------------------------------------------------------------------ media */

struct dirent64_ {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

#define MEDIA_MAX 16

static int name_cmp(const void *a, const void *b)
{
	return strcmp((const char *)a, (const char *)b);
}

static int virtual_disk(const char *name)
{
	static const char *const virt[] = {"loop", "ram", "zram", "dm-", "md", "nbd", "sr"};
	size_t i;

	for (i = 0; i < sizeof(virt) / sizeof(virt[0]); i++)
		if (strncmp(name, virt[i], strlen(virt[i])) == 0)
			return 1;
	return 0;
}

/*
 * Names in a folder (no dot files; in sysfs no virtual disks, which a
 * host has many of), sorted, at most MEDIA_MAX; their count.
 */
static int list_dir(const char *dir, int sysfs, char names[MEDIA_MAX][64])
{
	char buf[4096];
	int fd, n = 0;
	long r;

	fd = openat(AT_FDCWD, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	while ((r = syscall(SYS_getdents64, fd, buf, sizeof buf)) > 0) {
		long off = 0;

		while (off < r) {
			const struct dirent64_ *d = (const struct dirent64_ *)(buf + off);
			size_t l = strnlen(d->d_name, 64);

			off += d->d_reclen;
			if (d->d_name[0] == '.' || l == 0 || l >= 64 || n >= MEDIA_MAX ||
			    (sysfs && virtual_disk(d->d_name)))
				continue;
			memcpy(names[n], d->d_name, l + 1);
			n++;
		}
	}
	close(fd);
	qsort(names, (size_t)n, 64, name_cmp);
	return n;
}

/* fd of path if its first 8 bytes are the bundle magic, else -1 */
static int open_if_bundle(const char *path)
{
	uint8_t m[8];
	/*
	 * Blocking reads (main reads it through its event loop); opening a
	 * disk does not block (a drive without a medium says ENOMEDIUM).  No
	 * F_SETFL afterwards: musl adds O_LARGEFILE to its argument, which the
	 * seccomp rule would have to know.
	 */
	int fd = openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	if (pread(fd, m, sizeof m, 0) != (ssize_t)sizeof m || memcmp(m, TG_BUNDLE_MAGIC, 8) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int skip_disk(const char *name)
{
	char p[256];

	/* a partition, not a whole disk */
	snprintf(p, sizeof p, "%.180s/%.63s/partition", hs.p->sysfs, name);
	if (faccessat(AT_FDCWD, p, F_OK, 0) == 0)
		return 1;
	/* the disk our own partitions are on */
	if (hs.our_part[0]) {
		snprintf(p, sizeof p, "%.150s/%.63s/%.31s", hs.p->sysfs, name, hs.our_part);
		if (faccessat(AT_FDCWD, p, F_OK, 0) == 0)
			return 1;
	}
	return 0;
}

static void do_media_scan(uint32_t seq)
{
	static char names[MEDIA_MAX][64];
	struct upd_rep_media r;
	char path[256];
	int n, i, fd = -1, rc;

	memset(&r, 0, sizeof(r));
	if (hs.media_scan) {
		const char *dir = hs.p->mediadir ? hs.p->mediadir : hs.p->sysfs;

		n = list_dir(dir, !hs.p->mediadir, names);
		for (i = 0; i < n && fd < 0; i++) {
			if (hs.p->mediadir) {
				snprintf(path, sizeof path, "%.190s/%.63s", dir, names[i]);
			} else {
				if (skip_disk(names[i]))
					continue;
				snprintf(path, sizeof path, "/dev/%.63s", names[i]);
			}
			fd = open_if_bundle(path);
			if (fd >= 0)
				snprintf(r.name, sizeof r.name, "%.63s", names[i]);
		}
	}
	r.found = fd >= 0;
	rc = tg_ipc_send(hs.ipc, UPD_REP_MEDIA, seq, &r, sizeof(r), fd);
	if (fd >= 0)
		close(fd);
	if (rc == TG_IPC_ESYS && (errno == EPIPE || errno == ECONNRESET))
		exit(TG_EXIT_OK);
	if (rc != TG_IPC_OK)
		tg_fatalx(TG_EXIT_SYS, "answering main: %s", tg_ipc_strerror(rc));
}

/* ---------------------------------------------------------------- start */

/* a partition: a file in test mode, else the GPT name under sysfs */
static int part_open(const char *name, char *path, size_t pathlen)
{
	int fd;

	if (hs.p->partdir)
		snprintf(path, pathlen, "%s/%s", hs.p->partdir, name);
	else if (tg_blkdev_find(hs.p->sysfs, name, path, pathlen) != 0) {
		tg_err("no partition named '%s' (or more than one) under %s", name, hs.p->sysfs);
		return -1;
	}
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		tg_err("open %s (partition %s): %s", path, name, strerror(errno));
	return fd;
}

static void load(void)
{
	static char buf[8192];
	struct upd_hstate *h = &hs.h;
	char err[256], msg[UPD_MSG_MAX], name[16];
	size_t len;
	int i;

	/* the booted slot */
	if (tg_read_small_file(hs.p->cmdline, buf, sizeof buf, &len) < 0)
		tg_err("%s: %s", hs.p->cmdline, strerror(errno));
	else
		h->booted = upd_cmdline_slot(buf, len);
	if (!h->booted)
		tg_err("no tg.slot=A|B on the kernel command line (%s): nothing will be written",
		       hs.p->cmdline);

	/* the boot environment and the inactive slot (the booted one is never opened) */
	hs.env_fd[0] = part_open("bootenv0", hs.env_path[0], sizeof hs.env_path[0]);
	hs.env_fd[1] = part_open("bootenv1", hs.env_path[1], sizeof hs.env_path[1]);
	if (!hs.p->partdir && hs.env_fd[0] >= 0) {
		const char *b = strrchr(hs.env_path[0], '/');

		snprintf(hs.our_part, sizeof hs.our_part, "%.31s", b ? b + 1 : hs.env_path[0]);
	}
	if (h->booted) {
		for (i = 0; i < 2; i++) {
			off_t end;

			snprintf(name, sizeof name, "%s%c", img_name[i], upd_other(h->booted));
			hs.part_fd[i] = part_open(name, hs.part_path[i], sizeof hs.part_path[i]);
			if (hs.part_fd[i] < 0)
				continue;
			end = lseek(hs.part_fd[i], 0, SEEK_END);
			if (end <= 0) {
				tg_err("%s: cannot tell its size", hs.part_path[i]);
				close(hs.part_fd[i]);
				hs.part_fd[i] = -1;
				continue;
			}
			h->part_size[i] = (uint64_t)end;
		}
	}
	if (env_read(err, sizeof err) < 0)
		tg_err("%s", err);

	/* the state */
	snprintf(hs.state_path, sizeof hs.state_path, "%s/state", hs.p->state_dir);
	upd_state_defaults(&h->st, h->booted ? h->booted : 'A', h->rel.version, h->rel.security);
	if (tg_read_small_file(hs.state_path, buf, sizeof buf, &len) < 0) {
		if (errno != ENOENT)
			tg_err("%s: %s; taking the booted slot as committed, minimum %u from the "
			       "release",
			       hs.state_path, strerror(errno), (unsigned)h->rel.security);
	} else if (upd_state_decode(buf, len, &h->st, err, sizeof err) < 0) {
		tg_err("%s: %s; taking the booted slot as committed, minimum %u from the release",
		       hs.state_path, err, (unsigned)h->rel.security);
		upd_state_defaults(&h->st, h->booted ? h->booted : 'A', h->rel.version,
				   h->rel.security);
	}
	if (upd_state_settle(&h->st, h->booted, &h->rel, &h->env, msg, sizeof msg)) {
		tg_warn("%s", msg);
		if (state_write(err, sizeof err) < 0)
			tg_err("%s", err);
	}
}

/* -------------------------------------------------------------- sandbox */

/*
 * The whole allow-list.  Always added by tg_sandbox_enter: exit,
 * exit_group, write, writev (logging), rt_sigreturn, restart_syscall,
 * kill(self, SIGSYS).  The partitions and the boot environment are open
 * already; openat is left for the state file's temporary (mkostemp) and
 * its folder's fsync, and for media: listing a folder, opening a disk
 * read-only (where: Landlock's business, see upd_helper_role).
 */
void upd_helper_sandbox(struct tg_sandbox *sb, struct tg_syscall_rule *rules, size_t cap,
			int ipc_fd, int test_mode)
{
	struct tg_syscall_table tb;
	/* O_TMPFILE's own bit only: its O_DIRECTORY part is what a folder's open uses */
	const uint64_t mask =
	    O_ACCMODE | O_CREAT | O_TRUNC | O_APPEND | O_EXCL | (O_TMPFILE & ~O_DIRECTORY);

	tg_sc_table_init(&tb, rules, cap);
	/* requests from main, answers (a media disk's descriptor rides on one) */
	TG_SC_ADD(&tb, TG_SC1("recvmsg", 0, TG_CMP_EQ, (uint64_t)ipc_fd));
	TG_SC_ADD(&tb, TG_SC1("sendmsg", 0, TG_CMP_EQ, (uint64_t)ipc_fd));
	/* the slot's partitions and the boot environment: written, synced, read back */
	TG_SC_ADD(&tb, TG_SC("pread64"));
	TG_SC_ADD(&tb, TG_SC("pwrite64"));
	TG_SC_ADD(&tb, TG_SC("fsync"));
	TG_SC_ADD(&tb, TG_SC1("fadvise64", 3, TG_CMP_EQ, POSIX_FADV_DONTNEED));
	/* the state file: temporary file, mode, rename over, fsync of the folder */
	TG_SC_ADD(&tb, TG_SC_MASKED1("openat", 2, mask, O_RDWR | O_CREAT | O_EXCL));
	TG_SC_ADD(&tb, TG_SC_MASKED1("openat", 2, mask, O_RDONLY)); /* folders, media */
#ifdef SYS_open
	/* musl's mkostemp and lib/fileio's open(2) of the folder */
	TG_SC_ADD(&tb, TG_SC_MASKED1("open", 1, mask, O_RDWR | O_CREAT | O_EXCL));
	TG_SC_ADD(&tb, TG_SC_MASKED1("open", 1, mask, O_RDONLY));
#endif
	TG_SC_ADD(&tb, TG_SC("fchmod"));
#ifdef SYS_rename
	TG_SC_ADD(&tb, TG_SC("rename"));
#endif
	TG_SC_ADD(&tb, TG_SC("renameat"));
#ifdef SYS_unlink
	TG_SC_ADD(&tb, TG_SC("unlink"));
#endif
	TG_SC_ADD(&tb, TG_SC("unlinkat"));
	TG_SC_ADD(&tb, TG_SC("getrandom")); /* mkostemp's names */
	TG_SC_ADD(&tb, TG_SC("close"));
	/* media: the candidates, whole disks only, not ours; blocking again once found */
	TG_SC_ADD(&tb, TG_SC("getdents64"));
#ifdef SYS_access
	TG_SC_ADD(&tb, TG_SC("access"));
#endif
	TG_SC_ADD(&tb, TG_SC("faccessat"));
#ifdef SYS_faccessat2
	TG_SC_ADD(&tb, TG_SC("faccessat2"));
#endif
	/* musl's open(O_CLOEXEC) sets FD_CLOEXEC again, for kernels before 2.6.23 */
	TG_SC_ADD(&tb, TG_SC2("fcntl", 1, TG_CMP_EQ, F_SETFD, 2, TG_CMP_EQ, FD_CLOEXEC));
	/* the reboot: busybox init reboots on SIGTERM (never in test mode) */
	if (!test_mode)
		TG_SC_ADD(&tb, TG_SC2("kill", 0, TG_CMP_EQ, 1, 1, TG_CMP_EQ, SIGTERM));
	TG_SC_ADD(&tb, TG_SC("clock_gettime"));
	if (tb.full)
		tg_fatalx(TG_EXIT_SYS, "helper role: seccomp table too small (%zu rules)", cap);
	memset(sb, 0, sizeof(*sb));
	sb->role = "helper";
	sb->user = NULL; /* stays uid 0: root owns the device nodes */
	sb->caps = 0;    /* none: CAP_SETUID/CAP_SETGID were for main's change of user */
	sb->syscalls = rules;
	sb->rlimit_nofile = 16;
}

static void landlock(void)
{
	struct tg_landlock_rule r[6];
	char err[256];
	size_t n = 0;

	if (tg_landlock_abi(err, sizeof err) < 0) {
		tg_warn("Landlock: %s; the helper runs with seccomp only", err);
		return;
	}
	r[n++] = (struct tg_landlock_rule){hs.p->state_dir, TG_LL_WRITE};
	if (hs.media_scan && hs.p->mediadir) {
		r[n++] = (struct tg_landlock_rule){hs.p->mediadir, TG_LL_READ};
	} else if (hs.media_scan) {
		/* /sys/class/block's entries are links into /sys/devices */
		r[n++] = (struct tg_landlock_rule){hs.p->sysfs, TG_LL_READ};
		r[n++] = (struct tg_landlock_rule){"/sys/devices", TG_LL_READ};
		r[n++] = (struct tg_landlock_rule){"/dev", TG_LL_READ};
	}
	if (tg_landlock_restrict(r, n, err, sizeof err) < 0)
		tg_fatalx(TG_EXIT_SYS, "Landlock: %s", err);
}

int upd_helper_role(int ipc_fd, const struct upd_paths *p, const struct upd_release *rel,
		    const struct tg_bundle_keyring *kr, int media_scan)
{
	struct tg_syscall_rule rules[UPD_RULES_MAX];
	struct tg_sandbox sb;
	char err[256];
	union {
		struct upd_req_none none;
		struct upd_req_signed sig;
		struct upd_req_begin begin;
		struct upd_req_write write;
		struct upd_req_finish finish;
		struct upd_req_trial_failed tf;
	} *u;
	static uint8_t ubuf[TG_IPC_PAYLOAD_MAX] __attribute__((aligned(8)));

	tg_log_set_role("helper");
	/* main stops us by closing the socket; group signals are main's */
	signal(SIGTERM, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	/* no capability from here on (the service's CAP_SETUID/CAP_SETGID were for main) */
	if (tg_sandbox_limit_caps(0, 0, err, sizeof err) < 0)
		tg_fatalx(TG_EXIT_SYS, "dropping capabilities: %s", err);
	memset(&hs, 0, sizeof hs);
	hs.p = p;
	hs.ipc = ipc_fd;
	hs.test_mode = p->partdir != NULL;
	hs.media_scan = media_scan;
	hs.env_fd[0] = hs.env_fd[1] = hs.part_fd[0] = hs.part_fd[1] = -1;
	hs.h.rel = *rel;
	hs.kr = *kr;
	load();

	landlock();
	upd_helper_sandbox(&sb, rules, UPD_RULES_MAX, ipc_fd, hs.test_mode);
	if (tg_sandbox_enter(&sb, err, sizeof err) < 0)
		tg_fatalx(TG_EXIT_SYS, "sandbox: %s", err);

	u = (void *)ubuf;
	for (;;) {
		struct tg_ipc_hdr hdr;
		const struct tg_ipc_type *t;
		int r;

		r = tg_ipc_recv(ipc_fd, &hdr, ubuf, sizeof ubuf, upd_to_helper_types,
				upd_to_helper_ntypes, &t, NULL);
		if (r == TG_IPC_EOF) {
			if (hs.h.installing)
				tg_warn("main is gone during the install into slot %c: it stays inactive",
					hs.h.slot);
			return TG_EXIT_OK;
		}
		if (r == TG_IPC_ESYS && errno == EINTR)
			continue;
		if (r != TG_IPC_OK)
			tg_fatalx(TG_EXIT_SYS, "invalid message from main: %s", tg_ipc_strerror(r));
		if ((t->len == sizeof(struct upd_req_none)) && u->none.reserved != 0)
			tg_fatalx(TG_EXIT_SYS, "invalid %s from main: reserved field %u", t->name,
				  (unsigned)u->none.reserved);
		switch (hdr.type) {
		case UPD_REQ_STATUS:
			do_status(hdr.seq);
			break;
		case UPD_REQ_SIGNED:
			do_signed(hdr.seq, &u->sig);
			break;
		case UPD_REQ_BEGIN:
			do_begin(hdr.seq, &u->begin);
			break;
		case UPD_REQ_WRITE:
			do_write(hdr.seq, &u->write);
			break;
		case UPD_REQ_FINISH:
			do_finish(hdr.seq, &u->finish);
			break;
		case UPD_REQ_ABORT:
			do_abort(hdr.seq);
			break;
		case UPD_REQ_MARK_GOOD:
			do_mark_good(hdr.seq);
			break;
		case UPD_REQ_MARK_BAD:
			do_mark_bad(hdr.seq);
			break;
		case UPD_REQ_ROLLBACK:
			do_rollback(hdr.seq);
			break;
		case UPD_REQ_COMMIT:
			do_commit(hdr.seq);
			break;
		case UPD_REQ_TRIAL_FAILED:
			do_trial_failed(hdr.seq, &u->tf);
			break;
		case UPD_REQ_REBOOT:
			do_reboot(hdr.seq);
			break;
		case UPD_REQ_MEDIA_SCAN:
			do_media_scan(hdr.seq);
			break;
		default:
			tg_fatalx(TG_EXIT_SYS, "unexpected message type %u from main",
				  (unsigned)hdr.type);
		}
	}
}
