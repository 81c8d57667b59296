/*
 * main.c - consoled's main role: startup, the web role, and the state
 * every API request is decided against (consoled.h).
 *
 * Sequence: options and configuration; the listening sockets (tg-supervise
 * passes "https", "https6", ...; without it, `listen ADDR PORT`); the
 * random generator; the device certificate and key in data-dir/tls (made
 * on first start: a self-signed ECDSA P-256 certificate from
 * lib/certgen); fork the web role (web.c) with the chain and key, then
 * wipe main's copy of the key: from here on only web holds it.  Then main
 * reads its own state: the users file, the audit chain's tail (a torn last
 * line from a power cut is cut; a chain broken in the middle is kept aside
 * as evidence and a new file started), the release version; makes a setup
 * code when no administrator exists (logged once, at warning level, so the
 * supervisor shows it on the serial console); enters its sandbox (no
 * network but the Unix connection to updated; files only where
 * service.conf's Landlock lines allow) and serves the web role's requests
 * (api.c, status.c, update.c), sampling the clock status once a second
 * for the dashboard's history.
 *
 * Lifetime: if the web role dies, main exits 111 and the supervisor
 * restarts the service (sessions are lost: everyone logs in again).
 * SIGTERM/SIGINT: main closes the IPC socket, reaps web and exits 0.  So
 * it does 1 s after the answer to an install of a new console certificate
 * (cfgtls.c sets m.restart_pending): web holds the old key, so the new one
 * takes a new start (by the supervisor, "restart always").
 *
 * Exit codes: 0 stopped by a signal, -n found the configuration valid,
 * -S printed the sandboxes; 100 usage or configuration error; 111 system
 * failure or the web role died.
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
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "certgen.h"
#include "conf.h"
#include "consoled.h"
#include "ct.h"
#include "evloop.h"
#include "fileio.h"
#include "ipc.h"
#include "listenfd.h"
#include "log.h"
#include "pemfile.h"
#include "rng.h"
#include "sandbox.h"

#define CD_CONF_PATH   "/etc/timegate/consoled.conf"
#define CD_USER        "consoled"
#define CD_RULES_MAX   96
#define CD_LISTEN_MAX  4
#define CD_CERT_DAYS   (20 * 365) /* a device certificate outlives the device; replace it to rotate */
#define TICK_NS        1000000000ULL
#define RESTART_DELAY_NS 1000000000ULL /* web's time to send the answer before main exits */

static struct cd_main m;
static struct tg_rng rng;
static char out_body[CD_OUT_MAX];
static pid_t web_pid;
static int web_ready, notify_fd = -1;
static char user_name[32] = CD_USER;

/* ----------------------------------------------------------- configuration */

void cd_conf_defaults(struct cd_conf *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->data_dir, sizeof(c->data_dir), "/data/consoled");
	snprintf(c->time_status, sizeof(c->time_status), "/run/timegate/time/status");
	snprintf(c->gnss_status, sizeof(c->gnss_status), "/run/timegate/time/gnss");
	snprintf(c->ntsd_stats, sizeof(c->ntsd_stats), "%s", TG_NTSSTATS_PATH);
	snprintf(c->xcheck_status, sizeof(c->xcheck_status), "%s", TG_XCHECK_PATH);
	snprintf(c->updated_sock, sizeof(c->updated_sock), "/run/timegate/update/updated.sock");
	snprintf(c->release_file, sizeof(c->release_file), "/etc/timegate/release");
	snprintf(c->log_sock, sizeof(c->log_sock), "/run/timegate/log.sock");
	snprintf(c->status_sock, sizeof(c->status_sock), "/run/timegate/status.sock");
	snprintf(c->control_sock, sizeof(c->control_sock), "/run/timegate/control.sock");
	snprintf(c->nts_tls_dir, sizeof(c->nts_tls_dir), "/data/config/nts");
	snprintf(c->config_dir, sizeof(c->config_dir), "/data/config");
	snprintf(c->site_conf, sizeof(c->site_conf), "/data/policy/site.conf");
	snprintf(c->network_policy, sizeof(c->network_policy), "/etc/timegate/network.policy");
	snprintf(c->roles, sizeof(c->roles), "/etc/timegate/roles");
	snprintf(c->network_applied, sizeof(c->network_applied), "/run/timegate/network.applied");
	c->kdf_iterations = 600000;
	c->session_idle_s = 900;
	c->session_max_s = 28800;
}

static int abs_path(const char *key, const char *v, char *dst, size_t cap, char *err, size_t errlen)
{
	if (v[0] != '/') {
		snprintf(err, errlen, "'%s' expects an absolute path, got '%.64s'", key, v);
		return -1;
	}
	return tg_conf_str(v, dst, cap, err, errlen);
}

#define PATH_KEY(fn, key, field)                                                              \
	static int fn(void *ctx, int argc, char **argv, char *err, size_t errlen)             \
	{                                                                                      \
		(void)argc;                                                                    \
		return abs_path(key, argv[0], ((struct cd_conf *)ctx)->field,                  \
				sizeof(((struct cd_conf *)ctx)->field), err, errlen);          \
	}
PATH_KEY(key_data_dir, "data-dir", data_dir)
PATH_KEY(key_time_status, "time-status", time_status)
PATH_KEY(key_gnss_status, "gnss-status", gnss_status)
PATH_KEY(key_ntsd_stats, "ntsd-stats", ntsd_stats)
PATH_KEY(key_xcheck_status, "xcheck-status", xcheck_status)
PATH_KEY(key_updated_sock, "updated-socket", updated_sock)
PATH_KEY(key_release, "release-file", release_file)
PATH_KEY(key_log_sock, "log-socket", log_sock)
PATH_KEY(key_status_sock, "status-socket", status_sock)
PATH_KEY(key_control_sock, "control-socket", control_sock)
PATH_KEY(key_nts_tls_dir, "nts-tls-dir", nts_tls_dir)
PATH_KEY(key_config_dir, "config-dir", config_dir)
PATH_KEY(key_site_conf, "site-conf", site_conf)
PATH_KEY(key_network_policy, "network-policy", network_policy)
PATH_KEY(key_roles, "roles", roles)
PATH_KEY(key_network_applied, "network-applied", network_applied)

static int key_listen(void *ctx, int argc, char **argv, char *err, size_t errlen)
{
	struct cd_conf *c = ctx;
	uint64_t port;

	(void)argc;
	if (tg_conf_u64(argv[1], 1, 65535, &port, err, errlen) < 0)
		return -1;
	if (strlen(argv[0]) > 45) {
		snprintf(err, errlen, "'listen' expects an IPv4 or IPv6 address, got '%.64s'", argv[0]);
		return -1;
	}
	snprintf(c->listen, sizeof(c->listen), "%s %u", argv[0], (unsigned)port);
	return 0;
}

static int key_kdf(void *ctx, int argc, char **argv, char *err, size_t errlen)
{
	uint64_t v;

	(void)argc;
	/* the floor is the verifier's (lib/passwd.h TG_PASSWD_ITER_MIN): lower is refused at login */
	if (tg_conf_u64(argv[0], 100000, 10000000, &v, err, errlen) < 0)
		return -1;
	((struct cd_conf *)ctx)->kdf_iterations = (uint32_t)v;
	return 0;
}

static int key_idle(void *ctx, int argc, char **argv, char *err, size_t errlen)
{
	uint64_t v;

	(void)argc;
	if (tg_conf_u64(argv[0], 60, 86400, &v, err, errlen) < 0)
		return -1;
	((struct cd_conf *)ctx)->session_idle_s = (uint32_t)v;
	return 0;
}

static int key_max(void *ctx, int argc, char **argv, char *err, size_t errlen)
{
	uint64_t v;

	(void)argc;
	if (tg_conf_u64(argv[0], 300, 7 * 86400, &v, err, errlen) < 0)
		return -1;
	((struct cd_conf *)ctx)->session_max_s = (uint32_t)v;
	return 0;
}

static int key_user(void *ctx, int argc, char **argv, char *err, size_t errlen)
{
	(void)ctx;
	(void)argc;
	if (!argv[0][0] || strlen(argv[0]) >= sizeof(user_name) || strcmp(argv[0], "root") == 0) {
		snprintf(err, errlen, "'user' expects a service user's name (not root), got '%.32s'",
			 argv[0]);
		return -1;
	}
	snprintf(user_name, sizeof(user_name), "%s", argv[0]);
	return 0;
}

static const struct tg_conf_key conf_keys[] = {
    {"listen", 2, 2, 0, key_listen},
    {"data-dir", 1, 1, 0, key_data_dir},
    {"time-status", 1, 1, 0, key_time_status},
    {"gnss-status", 1, 1, 0, key_gnss_status},
    {"ntsd-stats", 1, 1, 0, key_ntsd_stats},
    {"xcheck-status", 1, 1, 0, key_xcheck_status},
    {"updated-socket", 1, 1, 0, key_updated_sock},
    {"release-file", 1, 1, 0, key_release},
    {"log-socket", 1, 1, 0, key_log_sock},
    {"status-socket", 1, 1, 0, key_status_sock},
    {"control-socket", 1, 1, 0, key_control_sock},
    {"nts-tls-dir", 1, 1, 0, key_nts_tls_dir},
    {"config-dir", 1, 1, 0, key_config_dir},
    {"site-conf", 1, 1, 0, key_site_conf},
    {"network-policy", 1, 1, 0, key_network_policy},
    {"roles", 1, 1, 0, key_roles},
    {"network-applied", 1, 1, 0, key_network_applied},
    {"kdf-iterations", 1, 1, 0, key_kdf},
    {"session-idle", 1, 1, 0, key_idle},
    {"session-max", 1, 1, 0, key_max},
    {"user", 1, 1, 0, key_user},
    {NULL, 0, 0, 0, NULL},
};

int cd_conf_parse(struct cd_conf *c, const char *text, size_t len, const char *fname, char *err,
		  size_t errlen)
{
	return tg_conf_parse(text, len, fname, conf_keys, c, err, errlen);
}

/* -------------------------------------------------------------- utilities */

void cd_random(struct cd_main *mm, void *out, size_t n)
{
	(void)mm;
	tg_rng_bytes(&rng, out, n);
}

static int64_t mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

static int64_t real_s(void)
{
	return (int64_t)time(NULL);
}

static void usage(FILE *f)
{
	fprintf(f, "usage: consoled [-d] [-f FILE] [-n] [-S]\n"
		   "  -d       debug logging\n"
		   "  -f FILE  configuration (default " CD_CONF_PATH ")\n"
		   "  -n       check the configuration and the certificate, then exit\n"
		   "  -S       print each role's sandbox and exit\n");
}

/* --------------------------------------------------- device certificate */

static struct tg_pem_chain tls_chain;
static struct tg_pem_key tls_key;

static void path_in(char *dst, size_t cap, const char *dir, const char *name)
{
	if ((size_t)snprintf(dst, cap, "%s/%s", dir, name) >= cap)
		tg_fatalx(TG_EXIT_USAGE, "data-dir '%.64s' is too long", dir);
}

/*
 * First start: a P-256 key and a self-signed certificate for the names
 * the console is reached by (its host name; browsers show a warning
 * until an operator installs a certificate from the site's CA, which
 * replaces these files).
 */
static void make_cert(const char *cert_path, const char *key_path)
{
	static char pem[8192];
	uint8_t priv[32], pub[65], serial[16], der[TG_CERTGEN_DER_MAX];
	char host[64] = "timegate", err[256];
	const char *dns[2];
	size_t len;
	int64_t now = real_s();
	int n;

	gethostname(host, sizeof(host) - 1);
	dns[0] = host;
	dns[1] = "localhost";
	if (tg_certgen_key(tg_rng_prng(&rng), priv, pub) < 0)
		tg_fatalx(TG_EXIT_SYS, "device certificate: key generation failed");
	tg_rng_bytes(&rng, serial, sizeof(serial));
	serial[0] |= 1; /* never all zero once certgen clears the top bit */
	if (tg_certgen_self_signed(priv, pub, host, dns, strcmp(host, "localhost") ? 2 : 1, NULL, 0,
				   now - 86400, now + (int64_t)CD_CERT_DAYS * 86400, serial, der,
				   sizeof(der), &len, err, sizeof(err)) < 0) {
		/* a host name that is not a DNS name (e.g. with '_'): the product's name */
		tg_warn("host name '%s' cannot name the certificate (%s): using 'timegate'", host,
			err);
		snprintf(host, sizeof(host), "timegate");
		if (tg_certgen_self_signed(priv, pub, host, dns, 2, NULL, 0, now - 86400,
					   now + (int64_t)CD_CERT_DAYS * 86400, serial, der,
					   sizeof(der), &len, err, sizeof(err)) < 0)
			tg_fatalx(TG_EXIT_SYS, "device certificate: %s", err);
	}
	n = tg_pem_write("CERTIFICATE", der, len, pem, sizeof(pem));
	if (n < 0 || tg_write_file_atomic(cert_path, pem, (size_t)n, 0644) < 0)
		tg_fatal("writing %s", cert_path);
	if (tg_certgen_key_der(priv, pub, der, sizeof(der), &len) < 0)
		tg_fatalx(TG_EXIT_SYS, "device certificate: key encoding failed");
	n = tg_pem_write("EC PRIVATE KEY", der, len, pem, sizeof(pem));
	tg_wipe(der, sizeof(der));
	tg_wipe(priv, sizeof(priv));
	if (n < 0 || tg_write_file_atomic(key_path, pem, (size_t)n, 0600) < 0) {
		tg_wipe(pem, sizeof(pem));
		tg_fatal("writing %s", key_path);
	}
	tg_wipe(pem, sizeof(pem));
	tg_warn("made a self-signed device certificate for '%s' (%s): browsers warn until it is "
		"replaced by one from the site's CA (consoled(8))", host, cert_path);
}

static int load_creds(int create, char *err, size_t errlen)
{
	char dir[300], cert[320], key[320];

	path_in(dir, sizeof(dir), m.conf.data_dir, "tls");
	path_in(cert, sizeof(cert), dir, "cert.pem");
	path_in(key, sizeof(key), dir, "key.pem");
	if (create && access(cert, F_OK) < 0 && access(key, F_OK) < 0) {
		if (mkdir(dir, 0700) < 0 && errno != EEXIST)
			tg_fatal("mkdir %s", dir);
		make_cert(cert, key);
	}
	if (tg_pem_load_chain(cert, &tls_chain, err, errlen) < 0 ||
	    tg_pem_load_ec_key(key, &tls_key, err, errlen) < 0)
		return -1;
	if (tg_pem_key_matches_leaf(&tls_chain, &tls_key, err, errlen) < 0) {
		size_t n = strlen(err);

		snprintf(err + n, errlen - n, " (%.64s, %.64s)", key, cert);
		return -1;
	}
	return 0;
}

/*
 * Started as root, main made the certificate's files (or an older version
 * left them) as root; main replaces them from the console as the service
 * user (cfgtls.c), so the folder and the files are made its own.
 */
static void creds_own(unsigned uid, unsigned gid)
{
	static const char *const names[] = {"cert.pem", "key.pem", "cert.pem.prev", "key.pem.prev"};
	char dir[300], p[320];
	size_t i;

	path_in(dir, sizeof(dir), m.conf.data_dir, "tls");
	if (chown(dir, uid, gid) < 0)
		tg_fatal("chown %s", dir);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		path_in(p, sizeof(p), dir, names[i]);
		if (chown(p, uid, gid) < 0 && errno != ENOENT)
			tg_fatal("chown %s", p);
	}
}

/* ------------------------------------------------------------ own state */

static void load_version(void)
{
	char buf[1024], *p, *e;
	size_t len;

	snprintf(m.version, sizeof(m.version), "unknown");
	if (tg_read_small_file(m.conf.release_file, buf, sizeof(buf) - 1, &len) < 0)
		return;
	buf[len] = '\0';
	/* "version X" line (board/common/release) */
	for (p = buf; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		if (strncmp(p, "version ", 8) == 0) {
			p += 8;
			e = p + strcspn(p, " \t\r\n");
			snprintf(m.version, sizeof(m.version), "%.*s", (int)(e - p), p);
			return;
		}
	}
}

/*
 * The audit chain: continue after the last intact record; a torn last
 * line (power cut during a write) is cut; a chain broken in the middle is
 * evidence: renamed aside, never rewritten, and a new chain starts.
 */
static void audit_open(void)
{
	static char buf[4 * 1024 * 1024];
	char path[320], aside[360], err[256];
	size_t len = 0, good = 0;
	int rc;

	path_in(path, sizeof(path), m.conf.data_dir, "audit.log");
	m.audit_next_seq = 1;
	memset(m.audit_prev, 0, sizeof(m.audit_prev));
	if (tg_read_small_file(path, buf, sizeof(buf), &len) < 0 && errno != ENOENT) {
		if (errno == EFBIG) {
			/* rotate: the full file stays as audit.log.1 (exported before, one hopes) */
			snprintf(aside, sizeof(aside), "%s.1", path);
			if (rename(path, aside) < 0)
				tg_fatal("rename %s", path);
			tg_warn("%s reached %zu bytes: kept as %s, a new chain starts", path,
				sizeof(buf), aside);
			len = 0;
		} else {
			tg_fatal("reading %s", path);
		}
	}
	err[0] = '\0';
	rc = len ? tg_audit_tail_state(buf, len, &m.audit_next_seq, m.audit_prev, &good, err,
				       sizeof(err))
		 : 0;
	if (rc == 1) {
		if (truncate(path, (off_t)good) < 0)
			tg_fatal("truncate %s", path);
		tg_warn("%s: %s: the torn last line was cut", path, err);
	} else if (rc < 0) {
		snprintf(aside, sizeof(aside), "%s.broken-%lld", path, (long long)real_s());
		if (rename(path, aside) < 0)
			tg_fatal("rename %s", path);
		tg_err("%s: the audit chain is broken (%s): kept as %s, a new chain starts", path,
		       err, aside);
		m.audit_next_seq = 1;
		memset(m.audit_prev, 0, sizeof(m.audit_prev));
	}
	m.audit_fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (m.audit_fd < 0)
		tg_fatal("open %s", path);
}

static void setup_code(void)
{
	static const char b32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
	uint8_t r[10];
	int i;

	if (cd_users_admins(&m.users) > 0) {
		m.setup_code[0] = '\0';
		return;
	}
	tg_rng_bytes(&rng, r, sizeof(r));
	for (i = 0; i < 10; i++)
		m.setup_code[i < 5 ? i : i + 1] = b32[r[i] & 31];
	m.setup_code[5] = '-';
	m.setup_code[11] = '\0';
	tg_wipe(r, sizeof(r));
	tg_warn("no administrator yet: setup code %s; enter it at https://<this device>/ to "
		"create one (a new code at every start until then)", m.setup_code);
}

/* ---------------------------------------------------------------- IPC */

static void send_or_die(uint16_t type, const void *p, uint32_t len)
{
	int rc = tg_ipc_send(m.web_fd, type, 0, p, len, -1);

	if (rc != TG_IPC_OK) {
		tg_err("sending to the web role: %s", tg_ipc_strerror(rc));
		tg_role_died("web", web_pid);
	}
}

static void send_out(uint32_t conn, uint32_t gen, const struct cd_out *o)
{
	static struct cd_msg_resp_head h;
	static struct cd_msg_resp_body b;
	size_t off = 0;

	memset(&h, 0, sizeof(h));
	h.conn = conn;
	h.gen = gen;
	h.status = (uint32_t)o->status;
	h.kind = (uint32_t)(o->kind ? o->kind : CD_KIND_JSON);
	h.body_len = o->len;
	h.retry_after = o->retry_after;
	snprintf(h.set_cookie, sizeof(h.set_cookie), "%s", o->set_cookie);
	snprintf(h.filename, sizeof(h.filename), "%s", o->filename);
	send_or_die(CD_MSG_RESP_HEAD, &h, sizeof(h));
	do {
		size_t n = o->len - off > CD_CHUNK_MAX ? CD_CHUNK_MAX : o->len - off;

		memset(&b, 0, sizeof(b));
		b.conn = conn;
		b.gen = gen;
		b.len = (uint32_t)n;
		memcpy(b.data, o->body + off, n);
		off += n;
		b.flags = off == o->len ? CD_RESP_F_END : 0;
		send_or_die(CD_MSG_RESP_BODY, &b, sizeof(b));
	} while (off < o->len);
}

static void out_init(struct cd_out *o)
{
	memset(o, 0, sizeof(*o));
	o->body = out_body;
	o->kind = CD_KIND_JSON;
}

static void on_request(const struct cd_msg_req *rq)
{
	struct cd_out o;
	char user[CD_USER_LEN] = "";
	const struct tg_sess *s = NULL;

	out_init(&o);
	if (rq->flags & CD_REQ_F_UPLOAD) {
		/* only the update route takes a body stream; api.c authorises it */
		cd_api_request(&m, rq, &o);
		if (o.status == 0) {
			/* authorised: the stream goes to updated */
			if (rq->cookie[0] &&
			    tg_sess_lookup(&m.sessions, rq->cookie, strnlen(rq->cookie, CD_COOKIE_MAX), m.now_mono(),
					   &s) == 0 && s)
				snprintf(user, sizeof(user), "%.31s", s->user);
			if (cd_update_begin(&m, rq, user, &o) == 0) {
				char detail[64];

				snprintf(detail, sizeof(detail), "%llu bytes",
					 (unsigned long long)rq->content_length);
				cd_audit(&m, user[0] ? user : "-", rq->addr, "update.start", "ok",
					 detail);
				return; /* the answer comes when the upload ends */
			}
		}
		send_out(rq->conn, rq->gen, &o);
		return;
	}
	cd_api_request(&m, rq, &o);
	if (o.status == 0)
		cd_out_error(&o, 500, "no answer");
	send_out(rq->conn, rq->gen, &o);
}

/* An upload ended with o: its audit record, then the answer to its request (if any). */
static void upload_ended(const struct cd_out *o)
{
	char detail[160];

	/* 200: updated's "ok MESSAGE"; another status: its refusal; 0: the client left */
	snprintf(detail, sizeof(detail), "%s",
		 o->status == 200 ? "installed" : o->status ? "refused" : "aborted by the client");
	cd_audit(&m, m.upload.user[0] ? m.upload.user : "-", m.upload.addr[0] ? m.upload.addr : "-",
		 "update.install", o->status == 200 ? "ok" : "fail", detail);
	/* web drops it if that connection is gone (its generation moved on) */
	if (o->status)
		send_out(m.upload.conn, m.upload.gen, o);
}

/*
 * An install's verdict is awaited in the loop, not here: updated takes
 * tens of seconds to write and read back the slot, and main answers the
 * dashboard and everyone else meanwhile.
 */
static uint64_t upd_timer; /* the verdict's deadline, 0: none */

static void updated_cb(struct tg_loop *l, int fd, short revents, void *arg)
{
	struct cd_out o;

	(void)revents;
	(void)arg;
	out_init(&o);
	if (!cd_update_answer(&m, &o))
		return;
	tg_loop_del_fd(l, fd); /* closed by now: only its slot goes, before any new fd */
	if (upd_timer)
		tg_loop_cancel_timer(l, upd_timer);
	upd_timer = 0;
	upload_ended(&o);
}

static void updated_timeout_cb(struct tg_loop *l, void *arg)
{
	struct cd_out o;

	(void)arg;
	upd_timer = 0;
	tg_loop_del_fd(l, m.upload.fd);
	out_init(&o);
	cd_update_timeout(&m, &o);
	upload_ended(&o);
}

static void on_upload(struct tg_loop *l, const struct cd_msg_upload *up)
{
	struct cd_msg_upload_ack ack;
	struct cd_out o;
	int rc;

	out_init(&o);
	memset(&ack, 0, sizeof(ack));
	ack.conn = up->conn;
	ack.gen = up->gen;
	ack.seq = up->seq;
	if (!m.upload.active || up->conn != m.upload.conn || up->gen != m.upload.gen) {
		/* a chunk of an upload main already ended (refused): acknowledged, dropped */
		send_or_die(CD_MSG_UPLOAD_ACK, &ack, sizeof(ack));
		return;
	}
	rc = cd_update_chunk(&m, up, &o);
	if (rc == CD_UPLOAD_FINISHING) {
		/* main uses a handful of the loop's fd and timer slots: failing here is a bug */
		if (tg_loop_add_fd(l, m.upload.fd, POLLIN, updated_cb, NULL) < 0)
			tg_fatalx(TG_EXIT_SYS, "event loop: cannot watch updated's socket");
		upd_timer = tg_loop_add_timer(l, (uint64_t)CD_UPDATE_FINISH_TIMEOUT_S * 1000000000ULL,
					      updated_timeout_cb, NULL);
		if (!upd_timer)
			tg_fatalx(TG_EXIT_SYS, "event loop: no timer slot");
	} else if (rc) {
		upload_ended(&o);
	}
	send_or_die(CD_MSG_UPLOAD_ACK, &ack, sizeof(ack));
}

/* a new console certificate: the answer had a second to reach the browser */
static void restart_cb(struct tg_loop *l, void *arg)
{
	(void)arg;
	tg_loop_stop(l);
}

static void ipc_cb(struct tg_loop *l, int fd, short revents, void *arg)
{
	static union {
		struct cd_msg_req req;
		struct cd_msg_upload up;
		struct cd_msg_ready ready;
	} u;
	const struct tg_ipc_type *t;
	struct tg_ipc_hdr h;
	int rc;

	(void)revents;
	(void)arg;
	rc = tg_ipc_recv(fd, &h, &u, sizeof(u), cd_to_main_types,
			 sizeof(cd_to_main_types) / sizeof(cd_to_main_types[0]), &t, NULL);
	if (rc == TG_IPC_EAGAIN)
		return;
	if (rc != TG_IPC_OK) {
		if (rc != TG_IPC_EOF)
			tg_err("message from the web role refused: %s", tg_ipc_strerror(rc));
		tg_role_died("web", web_pid);
	}
	switch (h.type) {
	case CD_MSG_READY:
		if (!web_ready) {
			web_ready = 1;
			tg_info("serving the console");
			tg_notify_ready(&notify_fd);
		}
		break;
	case CD_MSG_REQ:
		u.req.path[sizeof(u.req.path) - 1] = '\0';
		u.req.query[sizeof(u.req.query) - 1] = '\0';
		u.req.cookie[sizeof(u.req.cookie) - 1] = '\0';
		u.req.csrf[sizeof(u.req.csrf) - 1] = '\0';
		u.req.origin[sizeof(u.req.origin) - 1] = '\0';
		u.req.host[sizeof(u.req.host) - 1] = '\0';
		u.req.addr[sizeof(u.req.addr) - 1] = '\0';
		u.req.auth[sizeof(u.req.auth) - 1] = '\0';
		if (u.req.body_len > CD_BODY_MAX) {
			tg_err("web role: request body length %u over %d", u.req.body_len,
			       CD_BODY_MAX);
			tg_role_died("web", web_pid);
		}
		on_request(&u.req);
		/* passwords, TOTP codes and private keys travel in request bodies */
		tg_wipe(&u.req, sizeof(u.req));
		if (m.restart_pending == 1) {
			/* that answer is with web now (send_out sent its last chunk) */
			m.restart_pending = 2;
			tg_info("new HTTPS certificate installed; restarting to use it");
			if (!tg_loop_add_timer(l, RESTART_DELAY_NS, restart_cb, NULL))
				tg_loop_stop(l);
		}
		break;
	case CD_MSG_UPLOAD:
		if (u.up.len > CD_CHUNK_MAX) {
			tg_err("web role: upload chunk of %u bytes", u.up.len);
			tg_role_died("web", web_pid);
		}
		on_upload(l, &u.up);
		break;
	}
}

static void tick_cb(struct tg_loop *l, void *arg)
{
	(void)arg;
	cd_status_sample(&m);
	tg_sess_expire(&m.sessions, m.now_mono());
	if (!tg_loop_add_timer(l, TICK_NS, tick_cb, NULL))
		tg_fatalx(TG_EXIT_SYS, "event loop: no timer slot");
}

static void stop_cb(struct tg_loop *l, int signo, void *arg)
{
	(void)arg;
	tg_info("signal %d: stopping", signo);
	tg_loop_stop(l);
}

static void sigchld_cb(struct tg_loop *l, int signo, void *arg)
{
	int st;

	(void)l;
	(void)signo;
	(void)arg;
	if (web_pid > 0 && waitpid(web_pid, &st, WNOHANG) == web_pid) {
		tg_log_child_end("web", st);
		exit(TG_EXIT_SYS);
	}
}

/* ---------------------------------------------------------------- sandbox */

/*
 * main's allow-list.  Files: only where service.conf's Landlock lines
 * allow (the data folder; the status files; the release file), any open
 * mode there (users file rewritten through a temporary file, the audit
 * log appended and, on a failed write, cut back).  Network: a Unix
 * stream socket to updated's control socket, nothing else.
 */
static void main_syscalls(struct tg_syscall_rule *t, size_t cap, int ipc, pid_t web)
{
	struct tg_syscall_table tb;

	tg_sc_table_init(&tb, t, cap);
	TG_SC_ADD(&tb, TG_SC("openat"));
#ifdef SYS_open
	TG_SC_ADD(&tb, TG_SC("open")); /* musl on x86_64 opens with open(2) */
#endif
	TG_SC_ADD(&tb, TG_SC("read"));
	TG_SC_ADD(&tb, TG_SC("close"));
	TG_SC_ADD(&tb, TG_SC("fstat"));
#ifdef SYS_newfstatat
	TG_SC_ADD(&tb, TG_SC("newfstatat"));
#endif
#ifdef SYS_stat
	TG_SC_ADD(&tb, TG_SC("stat"));
#endif
	TG_SC_ADD(&tb, TG_SC("lseek"));
	TG_SC_ADD(&tb, TG_SC("fsync"));
	TG_SC_ADD(&tb, TG_SC("fdatasync")); /* each audit record is on disk before the answer */
	TG_SC_ADD(&tb, TG_SC("fchmod"));
	TG_SC_ADD(&tb, TG_SC("ftruncate"));
#ifdef SYS_rename
	TG_SC_ADD(&tb, TG_SC("rename"));
#endif
	TG_SC_ADD(&tb, TG_SC("renameat"));
#ifdef SYS_unlink
	TG_SC_ADD(&tb, TG_SC("unlink"));
#endif
	TG_SC_ADD(&tb, TG_SC("unlinkat"));
	TG_SC_ADD(&tb, TG_SC("getrandom"));
	/* updated's control socket: AF_UNIX only */
	TG_SC_ADD(&tb, TG_SC1("socket", 0, TG_CMP_EQ, AF_UNIX));
	TG_SC_ADD(&tb, TG_SC("connect"));
	TG_SC_ADD(&tb, TG_SC("setsockopt"));
	TG_SC_ADD(&tb, TG_SC("shutdown"));
	TG_SC_ADD(&tb, TG_SC("sendto"));
	TG_SC_ADD(&tb, TG_SC("recvfrom"));
	TG_SC_ADD(&tb, TG_SC1("fcntl", 1, TG_CMP_EQ, F_GETFL));
	/* musl's open(O_CLOEXEC) sets the flag again with fcntl(F_SETFD) */
	TG_SC_ADD(&tb, TG_SC2("fcntl", 1, TG_CMP_EQ, F_SETFD, 2, TG_CMP_EQ, FD_CLOEXEC));
	/* IPC with the web role */
	TG_SC_ADD(&tb, TG_SC1("sendmsg", 0, TG_CMP_EQ, (uint64_t)ipc));
	TG_SC_ADD(&tb, TG_SC1("recvmsg", 0, TG_CMP_EQ, (uint64_t)ipc));
	TG_SC_ADD(&tb, TG_SC1("wait4", 0, TG_CMP_EQ, (uint64_t)web));
#ifdef SYS_poll
	TG_SC_ADD(&tb, TG_SC("poll"));
#endif
	TG_SC_ADD(&tb, TG_SC("ppoll"));
	TG_SC_ADD(&tb, TG_SC("clock_gettime"));
	if (tb.full)
		tg_fatalx(TG_EXIT_SYS, "main role: seccomp table too small (%zu rules)", cap);
}

static void main_sandbox(struct tg_sandbox *sb, struct tg_syscall_rule *rules, size_t cap, int ipc,
			 pid_t web, const char *drop_user)
{
	main_syscalls(rules, cap, ipc, web);
	memset(sb, 0, sizeof(*sb));
	sb->role = "main";
	sb->user = drop_user;
	sb->syscalls = rules;
	sb->rlimit_nofile = 32;
}

static void print_sandboxes(void)
{
	enum { SYM_IPC = TG_SANDBOX_SYMBOL(1), SYM_PID, SYM_L1, SYM_L2, SYM_L3, SYM_L4 };
	static const struct tg_sandbox_symbol syms[] = {
	    {SYM_IPC, "<ipc socket>"},     {SYM_PID, "<web role pid>"},
	    {SYM_L1, "<https socket 1>"},  {SYM_L2, "<https socket 2>"},
	    {SYM_L3, "<https socket 3>"},  {SYM_L4, "<https socket 4>"},
	};
	struct tg_syscall_rule rules[CD_RULES_MAX];
	struct tg_sandbox sb;
	size_t n = sizeof(syms) / sizeof(syms[0]);

	printf("# consoled -S: what each process role enters (tg_sandbox_enter), built by the\n"
	       "# same functions as at run time (main.c main_sandbox, web.c cd_web_sandbox).\n"
	       "# main: the users file, sessions, the audit chain, the dashboard's data, the\n"
	       "# client of updated's control socket; decides every API request.\n"
	       "# web: TLS 1.3 and HTTP on the console's sockets; holds the TLS key; no\n"
	       "# filesystem; passes API requests to main.\n");
	main_sandbox(&sb, rules, CD_RULES_MAX, SYM_IPC, SYM_PID, NULL);
	tg_sandbox_describe(stdout, &sb, syms, n);
	cd_web_sandbox(&sb, rules, CD_RULES_MAX);
	tg_sandbox_describe(stdout, &sb, syms, n);
}

/* ------------------------------------------------------------------- main */

int main(int argc, char **argv)
{
	const char *conf_path = CD_CONF_PATH, *drop_user = NULL;
	int explicit_conf = 0, check_only = 0, show_sandbox = 0, c, sv[2], i;
	int lfd[CD_LISTEN_MAX], n_listen;
	struct tg_listen_want want[1] = {{"https", lfd, CD_LISTEN_MAX, 0}};
	struct cd_tls_creds creds;
	struct tg_loop loop;
	unsigned uid, gid;
	uint8_t key[TG_SESS_KEY_LEN];
	char err[TG_CONF_ERR_MAX], path[320];

	tg_log_init("consoled", "main");
	while ((c = getopt(argc, argv, "df:nSh")) != -1) {
		switch (c) {
		case 'd':
			tg_log_set_level(TG_LOG_DEBUG);
			break;
		case 'f':
			conf_path = optarg;
			explicit_conf = 1;
			break;
		case 'n':
			check_only = 1;
			break;
		case 'S':
			show_sandbox = 1;
			break;
		case 'h':
			usage(stdout);
			return TG_EXIT_OK;
		default:
			usage(stderr);
			return TG_EXIT_USAGE;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return TG_EXIT_USAGE;
	}
	if (show_sandbox) {
		print_sandboxes();
		return fflush(stdout) == 0 && !ferror(stdout) ? TG_EXIT_OK : TG_EXIT_SYS;
	}
	cd_conf_defaults(&m.conf);
	if (!explicit_conf && access(conf_path, F_OK) < 0 && errno == ENOENT)
		tg_debug("%s: not found; using the defaults", conf_path);
	else if (tg_conf_load(conf_path, conf_keys, &m.conf, err, sizeof(err)) < 0)
		tg_fatalx(TG_EXIT_USAGE, "%s", err);
	if (geteuid() == 0) {
		if (tg_sandbox_lookup_user(user_name, &uid, &gid) < 0)
			tg_fatalx(TG_EXIT_USAGE,
				  "user '%s' does not exist (set 'user' in %s); refusing to run as "
				  "root", user_name, conf_path);
		drop_user = user_name;
	}
	if (check_only) {
		path_in(path, sizeof(path), m.conf.data_dir, "users");
		if (cd_users_load(&m.users, path, err, sizeof(err)) < 0)
			tg_fatalx(TG_EXIT_USAGE, "%s", err);
		if (load_creds(0, err, sizeof(err)) < 0)
			tg_info("certificate: %s (a new one is made at start if both files are "
				"missing)", err);
		tg_info("%s: configuration ok; %d users", conf_path, m.users.n);
		return TG_EXIT_OK;
	}
	notify_fd = tg_notify_fd_from_env();

	if (tg_listen_fds(want, 1, err, sizeof(err)) < 0)
		tg_fatalx(TG_EXIT_USAGE, "%s", err);
	n_listen = want[0].n;
	if (n_listen == 0) {
		char addr[48];
		unsigned port;

		if (!m.conf.listen[0] || sscanf(m.conf.listen, "%47s %u", addr, &port) != 2)
			tg_fatalx(TG_EXIT_USAGE,
				  "no socket: no 'https' in TG_LISTEN_NAMES and no 'listen' in %s",
				  conf_path);
		lfd[0] = tg_listen_bind(addr, (uint16_t)port, SOCK_STREAM, err, sizeof(err));
		if (lfd[0] < 0)
			tg_fatalx(TG_EXIT_SYS, "listen: %s", err);
		n_listen = 1;
		tg_info("listening on %s port %u", addr, port);
	}
	for (i = 0; i < n_listen; i++)
		if (fcntl(lfd[i], F_SETFL, O_NONBLOCK) < 0)
			tg_fatal("fcntl(O_NONBLOCK) on a listening socket");
	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	if (tg_rng_init(&rng) < 0)
		tg_fatal("getrandom (seeding main's generator)");
	if (mkdir(m.conf.data_dir, 0700) == 0 && drop_user && chown(m.conf.data_dir, uid, gid) < 0)
		tg_fatal("chown %s", m.conf.data_dir);
	else if (errno != EEXIST && access(m.conf.data_dir, F_OK) < 0)
		tg_fatal("mkdir %s", m.conf.data_dir);
	if (load_creds(1, err, sizeof(err)) < 0)
		tg_fatalx(TG_EXIT_USAGE, "device certificate: %s", err);
	if (drop_user)
		creds_own(uid, gid);
	{
		/* its expiry, for the console-cert-expiring alarm (status.c) */
		int64_t not_before;

		if (tg_ntsstats_cert_validity(tls_chain.certs[0].data, tls_chain.certs[0].data_len,
					      &not_before, &m.console_cert_not_after) < 0)
			m.console_cert_not_after = 0;
	}

	/* the web role: before main reads any other input */
	if (tg_ipc_pair(sv) < 0)
		tg_fatal("socketpair");
	web_pid = fork();
	if (web_pid < 0)
		tg_fatal("fork (web role)");
	if (web_pid == 0) {
		close(sv[0]);
		if (notify_fd >= 0)
			close(notify_fd);
		tg_rng_wipe(&rng);
		if (drop_user && tg_sandbox_set_user(drop_user, 0, err, sizeof(err)) < 0)
			tg_fatalx(TG_EXIT_SYS, "web role: %s", err);
		creds.chain = tls_chain.certs;
		creds.chain_len = tls_chain.n;
		creds.key = &tls_key.key;
		cd_web_main(&creds, lfd, n_listen, sv[1]);
	}
	close(sv[1]);
	m.web_fd = sv[0];
	/* started as root: main becomes the service user before it reads its state, so
	 * every file it makes from here (audit log, users file) is that user's */
	if (drop_user && tg_sandbox_set_user(drop_user, 0, err, sizeof(err)) < 0)
		tg_fatalx(TG_EXIT_SYS, "main role: %s", err);
	for (i = 0; i < n_listen; i++)
		close(lfd[i]);
	tg_pem_wipe_key(&tls_key); /* main keeps no copy of the TLS key */

	/* own state */
	m.now_mono = mono_s;
	m.now_real = real_s;
	m.svc = cd_svc_command;
	m.rng = &rng;
	path_in(path, sizeof(path), m.conf.data_dir, "users");
	if (cd_users_load(&m.users, path, err, sizeof(err)) < 0)
		tg_fatalx(TG_EXIT_USAGE, "%s (fix or remove the file: consoled(8))", err);
	audit_open();
	load_version();
	tg_rng_bytes(&rng, key, sizeof(key));
	tg_sess_init(&m.sessions, key);
	tg_sess_set_timeouts(&m.sessions, m.conf.session_idle_s, m.conf.session_max_s);
	tg_wipe(key, sizeof(key));
	tg_rl_init(&m.rl);
	m.upload.fd = -1;
	setup_code();

	tg_loop_init(&loop);
	if (tg_loop_add_fd(&loop, m.web_fd, POLLIN, ipc_cb, NULL) < 0)
		tg_fatalx(TG_EXIT_SYS, "event loop: cannot watch the IPC socket");
	if (tg_loop_add_signal(&loop, SIGTERM, stop_cb, NULL) < 0 ||
	    tg_loop_add_signal(&loop, SIGINT, stop_cb, NULL) < 0 ||
	    tg_loop_add_signal(&loop, SIGCHLD, sigchld_cb, NULL) < 0)
		tg_fatal("event loop: signals");
	if (!tg_loop_add_timer(&loop, TICK_NS, tick_cb, NULL))
		tg_fatalx(TG_EXIT_SYS, "event loop: no timer slot");
	{
		struct tg_syscall_rule rules[CD_RULES_MAX];
		struct tg_sandbox sb;

		main_sandbox(&sb, rules, CD_RULES_MAX, m.web_fd, web_pid, NULL);
		if (tg_sandbox_enter(&sb, err, sizeof(err)) < 0)
			tg_fatalx(TG_EXIT_SYS, "sandbox: %s", err);
	}
	cd_status_sample(&m);
	if (tg_loop_run(&loop) < 0)
		tg_fatal("event loop");
	close(m.web_fd);
	waitpid(web_pid, NULL, 0);
	tg_sess_wipe(&m.sessions);
	return TG_EXIT_OK;
}
