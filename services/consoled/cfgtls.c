/*
 * cfgtls.c - the TLS certificates and keys managed from the console:
 * ntsd's (target CD_TLS_NTS) and the console's own HTTPS certificate
 * (CD_TLS_CONSOLE): what is installed (GET /api/config "tls",
 * "console_tls"), a new certificate with its key uploaded, or for the key
 * of a certificate request made here (POST /api/config/tls,
 * /api/config/tls/csr with "target").
 *
 * The files live in conf.nts_tls_dir (/data/config/nts, mode 2750
 * consoled:ntsd, setgid so they get group ntsd): cert.pem (the chain,
 * leaf first, 0644) and key.pem (SEC 1 "EC PRIVATE KEY", 0640), and the
 * previous pair as cert.pem.prev / key.pem.prev (one step of undo).
 * The console's pair lives in data_dir/tls (made by main.c on first
 * start): the same names, the key 0600 (only consoled reads it).
 *
 * Applying: ntsd is restarted through the supervisor ("restart ntsd").
 * The console's certificate cannot be swapped under a running web role
 * (it holds the key it was forked with, and main keeps no copy), so an
 * install sets m->restart_pending and main.c exits once the answer has
 * been handed to web; tg-supervise starts consoled again, which loads the
 * new pair (sessions are in memory: everyone logs in again).
 *
 * An upload is checked the way ntsd will load it (lib/pemfile: 1 to 4
 * certificates, a P-256 key, the key matching the leaf) and against the
 * time (the leaf valid now), before anything is written: a certificate
 * ntsd refuses would stop NTS-KE at its restart.  Both files are written
 * again from the parsed DER, not as uploaded, so nothing but the PEM
 * objects ntsd reads lands on disk (no stray text, no second key).  The
 * key goes first: if the certificate's write then fails, the old key is
 * put back so the pair on disk always matches.
 *
 * A certificate request makes a P-256 key (HMAC-DRBG seeded from
 * cd_random) kept in data_dir/nts-pending-key.pem (0600, consoled's own
 * folder: ntsd never reads a key whose certificate does not exist yet)
 * until a certificate for it is installed with no key in the request;
 * a new request replaces it.  The console's request keeps its key apart,
 * in data_dir/console-pending-key.pem: a request for one certificate
 * never consumes or replaces the other's key.
 *
 * Key material never reaches a log, an audit record or an error message;
 * buffers that held it are wiped.  No allocation (main runs without
 * malloc): the buffers are static, main is single-threaded.
 *
 * The certificate's names and dates are read by a small DER walker over
 * the leaf's TBSCertificate (BearSSL's decoder does not expose the
 * validity or the issuer), bounds-checked like every parser here.
 */
#include "consoled/consoled.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <bearssl.h>

#include "certgen.h"
#include "ct.h"
#include "ec.h"
#include "fileio.h"
#include "json.h"
#include "log.h"
#include "pemfile.h"

#define PATH_LEN     320
#define PEM_FILE_MAX 32768 /* a cert.pem of 4 certificates of 4 KiB is about 23 KiB */
#define KEY_FILE_MAX 4096
#define DN_TEXT      160
#define PENDING_KEY  "nts-pending-key.pem"
#define CONSOLE_PENDING_KEY "console-pending-key.pem"
#define DNS_LINE_MAX 253

/* ---- a little DER ---- */

struct der {
	const uint8_t *p;
	size_t n;
};

/* the next TLV of cur into *tag and *val (its content); 0, or -1 if malformed */
static int der_next(struct der *cur, unsigned *tag, struct der *val)
{
	size_t i = 2, l, k;

	if (cur->n < 2 || (cur->p[0] & 0x1f) == 0x1f)
		return -1; /* short, or a multi-byte tag (none in the fields read here) */
	l = cur->p[1];
	if (l & 0x80) {
		k = l & 0x7f;
		if (k == 0 || k > 3 || cur->n - 2 < k)
			return -1;
		for (l = 0; k; k--)
			l = (l << 8) | cur->p[i++];
	}
	if (cur->n - i < l)
		return -1;
	*tag = cur->p[0];
	val->p = cur->p + i;
	val->n = l;
	cur->p += i + l;
	cur->n -= i + l;
	return 0;
}

static int digits(const uint8_t *p, size_t n, int *v)
{
	size_t i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		*v = *v * 10 + (p[i] - '0');
	}
	return 0;
}

/* days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm) */
static int64_t days_from_civil(int64_t y, int mo, int d)
{
	int64_t era, yoe, doy, doe;

	y -= mo <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* UTCTime (YYMMDDHHMMSSZ, RFC 5280: 50..99 are 19xx) or GeneralizedTime (YYYYMMDDHHMMSSZ) */
static int der_time(unsigned tag, const struct der *v, int64_t *t)
{
	int y, mo, d, h, mi, s;
	const uint8_t *p = v->p;

	if (tag == 0x17 && v->n == 13) {
		if (digits(p, 2, &y) < 0)
			return -1;
		y += y < 50 ? 2000 : 1900;
		p += 2;
	} else if (tag == 0x18 && v->n == 15) {
		if (digits(p, 4, &y) < 0)
			return -1;
		p += 4;
	} else {
		return -1;
	}
	if (digits(p, 2, &mo) < 0 || digits(p + 2, 2, &d) < 0 || digits(p + 4, 2, &h) < 0 ||
	    digits(p + 6, 2, &mi) < 0 || digits(p + 8, 2, &s) < 0 || p[10] != 'Z' || mo < 1 ||
	    mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59)
		return -1;
	*t = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
	return 0;
}

struct leaf {
	struct der issuer, subject; /* the Names' contents */
	int64_t not_before, not_after;
};

/* the fields of a certificate's TBSCertificate we show and check; 0 or -1 */
static int leaf_parse(const uint8_t *der, size_t len, struct leaf *lf)
{
	struct der c = {der, len}, cert, tbs, x, val;
	unsigned t, t2;

	if (der_next(&c, &t, &cert) < 0 || t != 0x30 || der_next(&cert, &t, &tbs) < 0 ||
	    t != 0x30 || der_next(&tbs, &t, &x) < 0)
		return -1;
	if (t == 0xa0 && der_next(&tbs, &t, &x) < 0) /* [0] version, then the serial */
		return -1;
	if (t != 0x02 || der_next(&tbs, &t, &x) < 0 || t != 0x30 || /* signature algorithm */
	    der_next(&tbs, &t, &lf->issuer) < 0 || t != 0x30 || der_next(&tbs, &t, &val) < 0 ||
	    t != 0x30 || der_next(&tbs, &t, &lf->subject) < 0 || t != 0x30)
		return -1;
	if (der_next(&val, &t, &x) < 0 || der_time(t, &x, &lf->not_before) < 0 ||
	    der_next(&val, &t2, &x) < 0 || der_time(t2, &x, &lf->not_after) < 0)
		return -1;
	return 0;
}

/*
 * A Name for display: "CN=value" (the common name; without one the
 * organisation, then the unit), "" if none is readable.  Control bytes
 * become '?'; the JSON writer deals with the rest.
 */
static void dn_text(const struct der *name, char *out, size_t cap)
{
	static const struct {
		uint8_t oid;
		const char *label;
	} pref[] = {{3, "CN"}, {10, "O"}, {11, "OU"}};
	size_t i, k;

	out[0] = '\0';
	for (i = 0; i < sizeof(pref) / sizeof(pref[0]); i++) {
		struct der c = *name, set, atv, oid, val;
		unsigned t;

		while (der_next(&c, &t, &set) == 0 && t == 0x31) {
			while (der_next(&set, &t, &atv) == 0 && t == 0x30) {
				if (der_next(&atv, &t, &oid) < 0 || t != 0x06 || oid.n != 3 ||
				    oid.p[0] != 0x55 || oid.p[1] != 0x04 || oid.p[2] != pref[i].oid ||
				    der_next(&atv, &t, &val) < 0)
					continue;
				if (t != 0x0c && t != 0x13 && t != 0x16 && t != 0x14)
					continue; /* BMPString and the like: not worth a converter */
				k = (size_t)snprintf(out, cap, "%s=", pref[i].label);
				for (; k + 1 < cap && val.n; val.p++, val.n--)
					out[k++] = *val.p < 0x20 || *val.p == 0x7f ? '?' : (char)*val.p;
				out[k] = '\0';
				return;
			}
		}
	}
}

static void fmt_time(int64_t t, char *out, size_t cap)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) || strftime(out, cap, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		snprintf(out, cap, "%lld (unix)", (long long)t);
}

/* ---- files ---- */

static int path_in(char *out, const char *dir, const char *name)
{
	int k = snprintf(out, PATH_LEN, "%s/%s", dir, name);

	return k > 0 && k < PATH_LEN ? 0 : -1;
}

static int64_t now_real(struct cd_main *m)
{
	return m->now_real ? m->now_real() : (int64_t)time(NULL);
}

static void set_status(int *status, int v)
{
	if (status)
		*status = v;
}

/* where a target's files are */
struct where {
	char dir[PATH_LEN];     /* cert.pem, key.pem and their .prev */
	char pending[PATH_LEN]; /* the key of the last certificate request */
	const char *name;       /* "NTS" or "console", for messages */
	unsigned key_mode;
};

static int where_of(const struct cd_main *m, int target, struct where *w)
{
	int k;

	if (target == CD_TLS_CONSOLE) {
		k = snprintf(w->dir, sizeof(w->dir), "%s/tls", m->conf.data_dir);
		w->name = "console";
		w->key_mode = 0600;
	} else {
		k = snprintf(w->dir, sizeof(w->dir), "%s", m->conf.nts_tls_dir);
		w->name = "NTS";
		w->key_mode = 0640; /* group ntsd reads it */
	}
	if (k <= 0 || k >= (int)sizeof(w->dir))
		return -1;
	return path_in(w->pending, m->conf.data_dir,
	               target == CD_TLS_CONSOLE ? CONSOLE_PENDING_KEY : PENDING_KEY);
}

void cd_tls_info(struct cd_main *m, int target, struct tg_json *j)
{
	static char pem[PEM_FILE_MAX];
	static struct tg_pem_chain ch;
	char path[PATH_LEN], err[512], subj[DN_TEXT], iss[DN_TEXT];
	struct where w;
	struct stat st;
	struct leaf lf;
	size_t len = 0;
	int64_t now = now_real(m);
	int have = 0, wok = where_of(m, target, &w) == 0;

	err[0] = '\0';
	if (!wok || path_in(path, w.dir, "cert.pem") < 0) {
		snprintf(err, sizeof(err), "nts-tls-dir or data-dir is too long");
	} else if (tg_read_small_file(path, pem, sizeof(pem), &len) < 0) {
		if (errno != ENOENT)
			snprintf(err, sizeof(err), "cannot read %s: %s", path, strerror(errno));
	} else if (tg_pem_parse_chain(path, (const unsigned char *)pem, len, &ch, err,
	                              sizeof(err)) < 0) {
		/* err says why */
	} else if (leaf_parse(ch.certs[0].data, ch.certs[0].data_len, &lf) < 0) {
		snprintf(err, sizeof(err), "%s: the first certificate cannot be read", path);
	} else {
		have = 1;
	}
	if (have) {
		dn_text(&lf.subject, subj, sizeof(subj));
		dn_text(&lf.issuer, iss, sizeof(iss));
		tg_json_str(j, "subject", subj);
		tg_json_str(j, "issuer", iss);
		tg_json_int(j, "not_before", lf.not_before);
		tg_json_int(j, "not_after", lf.not_after);
		/* whole days, rounded down: -1 on the day after expiry */
		tg_json_int(j, "days_left", (lf.not_after - now) >= 0 ? (lf.not_after - now) / 86400
		                                                      : -((now - lf.not_after + 86399) / 86400));
		tg_json_bool(j, "self_signed", lf.issuer.n == lf.subject.n &&
		                                   memcmp(lf.issuer.p, lf.subject.p, lf.issuer.n) == 0);
	} else {
		tg_json_null(j, "subject");
		tg_json_null(j, "issuer");
		tg_json_null(j, "not_before");
		tg_json_null(j, "not_after");
		tg_json_null(j, "days_left");
		tg_json_null(j, "self_signed");
		if (err[0]) {
			tg_json_str(j, "error", err);
			tg_warn("config: %s certificate: %s", w.name, err);
		}
	}
	tg_json_bool(j, "csr_pending", wok && stat(w.pending, &st) == 0);
}

/*
 * Keep path's current content as path.prev (mode).  *had: 1 with old[0..*old_len)
 * the content (for putting it back), 0 when there was no file.  0, or -1 (errno).
 */
static int keep_prev(const char *path, unsigned mode, char *old, size_t cap, size_t *old_len,
                     int *had)
{
	char prev[PATH_LEN + 8];

	*had = 0;
	*old_len = 0;
	if (tg_read_small_file(path, old, cap, old_len) < 0)
		return errno == ENOENT ? 0 : -1;
	*had = 1;
	if ((size_t)snprintf(prev, sizeof(prev), "%s.prev", path) >= sizeof(prev)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return tg_write_file_atomic(prev, old, *old_len, mode);
}

/* the chain as PEM, each certificate re-encoded from its DER: length, or -1 */
static long chain_pem(const struct tg_pem_chain *ch, char *out, size_t cap)
{
	size_t i, o = 0;

	for (i = 0; i < ch->n; i++) {
		int k = tg_pem_write("CERTIFICATE", ch->certs[i].data, ch->certs[i].data_len,
		                     out + o, cap - o);

		if (k < 0)
			return -1;
		o += (size_t)k;
	}
	return (long)o;
}

/* the key as SEC 1 PEM (what lib/certgen writes): length, or -1 */
static int key_pem(const struct tg_pem_key *k, char *out, size_t cap)
{
	uint8_t pub[BR_EC_KBUF_PUB_MAX_SIZE], der[TG_CERTGEN_KEY_DER_LEN];
	br_ec_public_key pk;
	size_t len = 0;
	int n = -1;

	if (br_ec_compute_pub(&tg_ec_impl, &pk, pub, &k->key) == 65 &&
	    tg_certgen_key_der(k->x, pub, der, sizeof(der), &len) == 0)
		n = tg_pem_write("EC PRIVATE KEY", der, len, out, cap);
	tg_wipe(der, sizeof(der));
	return n;
}

int cd_tls_install(struct cd_main *m, int target, const char *cert, size_t cert_len,
                   const char *key, size_t key_len, int *status, char *err, size_t errlen)
{
	static struct tg_pem_chain ch;
	static struct tg_pem_key k;
	static char cert_out[PEM_FILE_MAX], key_buf[KEY_FILE_MAX], old_key[KEY_FILE_MAX],
	    old_cert[PEM_FILE_MAX];
	char cpath[PATH_LEN], kpath[PATH_LEN], e[256], t1[40], t2[40];
	char subj[DN_TEXT];
	struct where w;
	struct leaf lf;
	size_t plen = 0, old_key_len = 0, old_cert_len = 0;
	int64_t now = now_real(m);
	int rc = -1, had_key = 0, had_cert = 0, n;
	long cn;

	set_status(status, 400);
	if (where_of(m, target, &w) < 0 || path_in(cpath, w.dir, "cert.pem") < 0 ||
	    path_in(kpath, w.dir, "key.pem") < 0) {
		set_status(status, 500);
		snprintf(err, errlen, "nts-tls-dir or data-dir is too long");
		return -1;
	}
	if (tg_pem_parse_chain("cert", (const unsigned char *)cert, cert ? cert_len : 0, &ch, err,
	                       errlen) < 0)
		return -1;
	if (leaf_parse(ch.certs[0].data, ch.certs[0].data_len, &lf) < 0) {
		snprintf(err, errlen, "cert: the first certificate is not a readable X.509 "
		                      "certificate (expected the server's certificate first)");
		return -1;
	}
	dn_text(&lf.subject, subj, sizeof(subj));
	fmt_time(lf.not_before, t1, sizeof(t1));
	fmt_time(lf.not_after, t2, sizeof(t2));
	if (now < lf.not_before) {
		snprintf(err, errlen, "cert: the certificate is not valid yet (valid from %s)", t1);
		return -1;
	}
	if (now > lf.not_after) {
		snprintf(err, errlen, "cert: the certificate expired on %s", t2);
		return -1;
	}

	if (key) {
		n = tg_pem_parse_ec_key("key", (const unsigned char *)key, key_len, &k, err, errlen);
	} else if (tg_read_small_file(w.pending, key_buf, sizeof(key_buf), &plen) < 0) {
		if (errno == ENOENT) {
			snprintf(err, errlen, "key: no key given and no pending key (make a "
			                      "certificate request first, or upload the key)");
		} else {
			set_status(status, 500);
			snprintf(err, errlen, "cannot read the pending key %s: %s", w.pending,
			         strerror(errno));
		}
		goto out;
	} else {
		n = tg_pem_parse_ec_key(w.pending, (const unsigned char *)key_buf, plen, &k, err,
		                        errlen);
		if (n < 0)
			set_status(status, 500);
	}
	if (n < 0)
		goto out;
	if (tg_pem_key_matches_leaf(&ch, &k, e, sizeof(e)) < 0) {
		snprintf(err, errlen, "key: %s%s", e,
		         key ? "" : " (the pending key is that of the last certificate request)");
		goto out;
	}

	/* the files as ntsd (or main.c) reads them, made before anything is replaced */
	cn = chain_pem(&ch, cert_out, sizeof(cert_out));
	n = key_pem(&k, key_buf, sizeof(key_buf));
	if (cn < 0 || n < 0) {
		set_status(status, 500);
		snprintf(err, errlen, "cannot encode the certificate or key as PEM");
		goto out;
	}
	set_status(status, 500);
	if (keep_prev(kpath, w.key_mode, old_key, sizeof(old_key), &old_key_len, &had_key) < 0 ||
	    keep_prev(cpath, 0644, old_cert, sizeof(old_cert), &old_cert_len, &had_cert) < 0) {
		snprintf(err, errlen, "cannot keep the previous certificate and key in %s: %s",
		         w.dir, strerror(errno));
		goto out;
	}
	if (tg_write_file_atomic(kpath, key_buf, (size_t)n, w.key_mode) < 0) {
		snprintf(err, errlen, "cannot write %s: %s", kpath, strerror(errno));
		goto out;
	}
	if (tg_write_file_atomic(cpath, cert_out, (size_t)cn, 0644) < 0) {
		snprintf(err, errlen, "cannot write %s: %s", cpath, strerror(errno));
		/* the old pair stays a pair */
		if (had_key ? tg_write_file_atomic(kpath, old_key, old_key_len, w.key_mode)
		            : unlink(kpath))
			tg_err("config: %s now holds the new key, %s the old certificate: they do "
			       "not match (%s)",
			       kpath, cpath, strerror(errno));
		goto out;
	}
	if (!key && unlink(w.pending) < 0)
		tg_warn("config: cannot remove the used pending key %s: %s", w.pending,
		        strerror(errno));
	tg_info("config: new %s certificate %s, valid until %s (%zu certificate%s)", w.name, subj,
	        t2, ch.n, ch.n == 1 ? "" : "s");

	if (target == CD_TLS_CONSOLE) {
		/* main.c exits once the answer is with web; the supervisor restarts us */
		m->restart_pending = 1;
	} else if (m->svc(m, "restart ntsd", e, sizeof(e)) < 0) {
		set_status(status, 502);
		snprintf(err, errlen, "the certificate is installed, but ntsd did not restart: %s",
		         e);
		goto out;
	}
	set_status(status, 200);
	snprintf(err, errlen, "%s, valid until %s, %zu certificate%s, %s key", subj, t2, ch.n,
	         ch.n == 1 ? "" : "s", key ? "uploaded" : "pending");
	rc = 0;
out:
	tg_pem_wipe_key(&k);
	tg_wipe(key_buf, sizeof(key_buf));
	tg_wipe(old_key, sizeof(old_key));
	return rc;
}

/* ---- certificate request ---- */

/* the DNS names of dns_lines (one a line, blank lines and surrounding blanks ignored) */
static int dns_names(const char *s, char names[][DNS_LINE_MAX + 1], int *n, char *err,
                     size_t errlen)
{
	int line = 0;

	*n = 0;
	while (s && *s) {
		const char *e = strchr(s, '\n'), *b = s;
		size_t len = e ? (size_t)(e - s) : strlen(s), i;

		line++;
		s += len + (e != NULL);
		while (len && (*b == ' ' || *b == '\t')) {
			b++;
			len--;
		}
		while (len && (b[len - 1] == ' ' || b[len - 1] == '\t' || b[len - 1] == '\r'))
			len--;
		if (len == 0)
			continue;
		if (len > DNS_LINE_MAX) {
			snprintf(err, errlen, "dns: line %d: a DNS name has at most %d characters, "
			         "got %zu", line, DNS_LINE_MAX, len);
			return -1;
		}
		for (i = 0; i < len; i++) {
			char c = b[i];

			if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			      (c >= '0' && c <= '9') || c == '-' || c == '.')) {
				snprintf(err, errlen, "dns: line %d: expected a DNS name (letters, "
				         "digits, '-' and '.'), got '%.*s'", line,
				         (int)(len > 64 ? 64 : len), b);
				return -1;
			}
		}
		if (*n == TG_CERTGEN_NAMES_MAX) {
			snprintf(err, errlen, "dns: at most %d DNS names", TG_CERTGEN_NAMES_MAX);
			return -1;
		}
		memcpy(names[*n], b, len);
		names[*n][len] = '\0';
		(*n)++;
	}
	if (*n == 0) {
		snprintf(err, errlen, "dns: at least one DNS name is required (the name NTS "
		                      "clients use to reach this server)");
		return -1;
	}
	return 0;
}

long cd_tls_csr(struct cd_main *m, int target, const char *cn, const char *dns_lines, char *out,
                size_t cap, int *status, char *err, size_t errlen)
{
	static char names[TG_CERTGEN_NAMES_MAX][DNS_LINE_MAX + 1];
	static char key_text[TG_PEM_LEN(TG_CERTGEN_KEY_DER_LEN, 14)];
	const char *dns[TG_CERTGEN_NAMES_MAX];
	uint8_t seed[48], priv[32], pub[65], der[TG_CERTGEN_DER_MAX], kder[TG_CERTGEN_KEY_DER_LEN];
	char e[256];
	struct where w;
	br_hmac_drbg_context drbg;
	size_t len = 0, klen = 0, i, cl = cn ? strlen(cn) : 0;
	int n = 0, k = -1;
	long rc = -1;

	set_status(status, 400);
	if (cl == 0 || cl > TG_CERTGEN_NAME_MAX) {
		snprintf(err, errlen, "cn: expected a common name of 1 to %d characters, got %zu",
		         TG_CERTGEN_NAME_MAX, cl);
		return -1;
	}
	for (i = 0; i < cl; i++)
		if ((unsigned char)cn[i] < 0x20 || (unsigned char)cn[i] > 0x7e) {
			snprintf(err, errlen, "cn: expected printable ASCII characters, got byte "
			                      "0x%02x at %zu", (unsigned char)cn[i], i + 1);
			return -1;
		}
	if (dns_names(dns_lines, names, &n, err, errlen) < 0)
		return -1;
	for (i = 0; i < (size_t)n; i++)
		dns[i] = names[i];
	if (where_of(m, target, &w) < 0) {
		set_status(status, 500);
		snprintf(err, errlen, "data-dir is too long");
		return -1;
	}

	cd_random(m, seed, sizeof(seed));
	br_hmac_drbg_init(&drbg, &br_sha256_vtable, seed, sizeof(seed));
	tg_wipe(seed, sizeof(seed));
	if (tg_certgen_key(&drbg.vtable, priv, pub) < 0) {
		set_status(status, 500);
		snprintf(err, errlen, "key generation failed");
		goto out;
	}
	if (tg_certgen_csr(priv, pub, cn, dns, n, der, sizeof(der), &len, e, sizeof(e)) < 0) {
		/* the common name was checked above: what is left is a DNS name's syntax */
		snprintf(err, errlen, "dns: %s", e);
		goto out;
	}
	set_status(status, 500);
	if (tg_certgen_key_der(priv, pub, kder, sizeof(kder), &klen) < 0 ||
	    (k = tg_pem_write("EC PRIVATE KEY", kder, klen, key_text, sizeof(key_text))) < 0) {
		snprintf(err, errlen, "cannot encode the key");
		goto out;
	}
	rc = tg_pem_write("CERTIFICATE REQUEST", der, len, out, cap);
	if (rc < 0) {
		snprintf(err, errlen, "the certificate request does not fit in %zu bytes", cap);
		goto out;
	}
	if (tg_write_file_atomic(w.pending, key_text, (size_t)k, 0600) < 0) {
		snprintf(err, errlen, "cannot write %s: %s", w.pending, strerror(errno));
		rc = -1;
		goto out;
	}
	tg_info("config: new %s key and certificate request for %s (%d DNS name%s), key kept in %s",
	        w.name, cn, n, n == 1 ? "" : "s", w.pending);
	set_status(status, 200);
out:
	if (rc < 0 && out && cap)
		out[0] = '\0';
	tg_wipe(&drbg, sizeof(drbg));
	tg_wipe(priv, sizeof(priv));
	tg_wipe(kder, sizeof(kder));
	tg_wipe(key_text, sizeof(key_text));
	return rc;
}

/*
 * The .prev pair back (POST /api/config/revert {"what": "tls"} or
 * {"what": "console-tls"}), checked
 * and installed like an upload, so the pair it replaces becomes .prev in
 * turn (a second revert undoes the first).
 */
int cd_tls_revert(struct cd_main *m, int target, int *status, char *err, size_t errlen)
{
	static char cert[PEM_FILE_MAX], key[KEY_FILE_MAX];
	char cpath[PATH_LEN], kpath[PATH_LEN];
	struct where w;
	size_t cl = 0, kl = 0;
	int rc;

	set_status(status, 500);
	if (where_of(m, target, &w) < 0 || path_in(cpath, w.dir, "cert.pem.prev") < 0 ||
	    path_in(kpath, w.dir, "key.pem.prev") < 0) {
		snprintf(err, errlen, "nts-tls-dir or data-dir is too long");
		return -1;
	}
	if (tg_read_small_file(cpath, cert, sizeof(cert), &cl) < 0 ||
	    tg_read_small_file(kpath, key, sizeof(key), &kl) < 0) {
		if (errno == ENOENT) {
			set_status(status, 409);
			snprintf(err, errlen, "no previous %s certificate to go back to", w.name);
		} else {
			snprintf(err, errlen, "cannot read the previous certificate and key: %s",
			         strerror(errno));
		}
		tg_wipe(key, sizeof(key));
		return -1;
	}
	rc = cd_tls_install(m, target, cert, cl, key, kl, status, err, errlen);
	tg_wipe(key, sizeof(key));
	return rc;
}
