/*
 * test_consoled_tls.c - consoled's NTS certificate management
 * (consoled/cfgtls.c) and its configuration backup format
 * (consoled/cfgbackup.c).
 *
 * Backup: the exact bytes of a small backup (header, file lines, data,
 * sha256 over what precedes), a round trip of files holding newlines,
 * NUL bytes and nothing, every parser refusal with the line it names,
 * every flipped byte refused (a flipped data byte as a checksum
 * mismatch), and every too-small output buffer.
 *
 * Certificates: made here with lib/certgen (a P-256 key from a seeded
 * HMAC-DRBG, self-signed, validity chosen around the test's clock); the
 * files on disk read back with lib/pemfile (key matches the leaf), their
 * modes, the .prev pair, the supervisor command sent (m->svc is a fake
 * that records it and can fail), and every refusal leaving the files as
 * they were.  The CSR: its PEM label, the DER's outer SEQUENCE covering
 * the whole object, and the pending key that the certificate signed for
 * it is then installed with (the system test has openssl verify the CSR's
 * signature: BearSSL cannot parse a CSR).  The console's own certificate
 * (target CD_TLS_CONSOLE): DATA_DIR/tls with the key 0600, no supervisor
 * command but m->restart_pending, its pending key kept apart from the NTS
 * one, revert.
 *
 * cd_random is a fixed generator; m->now_real a variable, never the host
 * clock.  Files go to a fresh temporary folder, removed at the end.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bearssl.h>

#include "check.h"
#include "certgen.h"
#include "consoled/consoled.h"
#include "ec.h"
#include "fileio.h"
#include "json.h"
#include "pemfile.h"

#define NOW 1764000000LL /* 2025-11-24 */
#define DAY 86400LL

static struct cd_main M;
static int64_t real_now = NOW;
static uint64_t rng_state = 0x1234567887654321ull;
static char dir[64], nts[96], data[96], ctls[128];
static char svc_cmd[64];
static int svc_calls, svc_fail;
static int info_target = CD_TLS_NTS; /* what info() shows */

void cd_random(struct cd_main *m, void *out, size_t n)
{
	uint8_t *p = out;
	size_t i;

	(void)m;
	for (i = 0; i < n; i++) {
		rng_state ^= rng_state >> 12;
		rng_state ^= rng_state << 25;
		rng_state ^= rng_state >> 27;
		p[i] = (uint8_t)((rng_state * 0x2545f4914f6cdd1dull) >> 56);
	}
}

static int64_t fake_real(void)
{
	return real_now;
}

static int fake_svc(struct cd_main *m, const char *cmd, char *err, size_t errlen)
{
	(void)m;
	svc_calls++;
	snprintf(svc_cmd, sizeof(svc_cmd), "%s", cmd);
	if (svc_fail) {
		snprintf(err, errlen, "error no service ntsd");
		return -1;
	}
	return 0;
}

static void rm_tree(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	char p[512];

	if (!d)
		return;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(p, sizeof(p), "%s/%s", path, e->d_name);
		if (unlink(p) < 0)
			rm_tree(p);
	}
	closedir(d);
	rmdir(path);
}

/* a fresh data-dir and nts-tls-dir, the fakes reset */
static void setup(void)
{
	if (dir[0])
		rm_tree(dir);
	snprintf(dir, sizeof(dir), "/tmp/test_cdtls.XXXXXX");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		exit(1);
	}
	snprintf(nts, sizeof(nts), "%s/nts", dir);
	snprintf(data, sizeof(data), "%s/consoled", dir);
	snprintf(ctls, sizeof(ctls), "%s/tls", data); /* main.c makes it at first start */
	mkdir(nts, 0750);
	mkdir(data, 0700);
	mkdir(ctls, 0700);
	memset(&M, 0, sizeof(M));
	snprintf(M.conf.nts_tls_dir, sizeof(M.conf.nts_tls_dir), "%s", nts);
	snprintf(M.conf.data_dir, sizeof(M.conf.data_dir), "%s", data);
	M.now_real = fake_real;
	M.svc = fake_svc;
	real_now = NOW;
	info_target = CD_TLS_NTS;
	svc_cmd[0] = '\0';
	svc_calls = svc_fail = 0;
}

/* ------------------------------------------------------------- fixtures */

struct kp {
	uint8_t priv[32], pub[65];
};

static void keypair(uint8_t seed, struct kp *k)
{
	br_hmac_drbg_context drbg;
	uint8_t s[32];

	memset(s, seed, sizeof(s));
	br_hmac_drbg_init(&drbg, &br_sha256_vtable, s, sizeof(s));
	CHECK_EQ_INT(tg_certgen_key(&drbg.vtable, k->priv, k->pub), 0);
}

/* a self-signed certificate for k as PEM into out */
static size_t cert_pem(const struct kp *k, const char *cn, int64_t nb, int64_t na, char *out,
                       size_t cap)
{
	static const char *const dns[] = {"ntp.example"};
	static const uint8_t serial[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
	uint8_t der[TG_CERTGEN_DER_MAX];
	char err[200] = "";
	size_t len = 0;
	int n;

	if (tg_certgen_self_signed(k->priv, k->pub, cn, dns, 1, NULL, 0, nb, na, serial, der,
	                           sizeof(der), &len, err, sizeof(err)) < 0)
		fprintf(stderr, "  self_signed: %s\n", err);
	n = tg_pem_write("CERTIFICATE", der, len, out, cap);
	CHECK(n > 0);
	return n > 0 ? (size_t)n : 0;
}

static size_t key_pem(const struct kp *k, char *out, size_t cap)
{
	uint8_t der[TG_CERTGEN_KEY_DER_LEN];
	size_t len = 0;
	int n;

	CHECK_EQ_INT(tg_certgen_key_der(k->priv, k->pub, der, sizeof(der), &len), 0);
	n = tg_pem_write("EC PRIVATE KEY", der, len, out, cap);
	CHECK(n > 0);
	return n > 0 ? (size_t)n : 0;
}

static int read_at(const char *d, const char *name, char *buf, size_t cap, size_t *len)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/%s", d, name);
	if (tg_read_small_file(p, buf, cap - 1, len) < 0)
		return -1;
	buf[*len] = '\0';
	return 0;
}

static int read_file(const char *name, char *buf, size_t cap, size_t *len)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/%s", nts, name);
	if (tg_read_small_file(p, buf, cap - 1, len) < 0)
		return -1;
	buf[*len] = '\0';
	return 0;
}

static unsigned mode_of(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (unsigned)(st.st_mode & 07777) : 0xffffu;
}

static int exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

/* ============================================================== backup */

static void sha_hex(const char *b, size_t n, char out[65])
{
	static const char d[] = "0123456789abcdef";
	br_sha256_context sc;
	uint8_t h[32];
	int i;

	br_sha256_init(&sc);
	br_sha256_update(&sc, b, n);
	br_sha256_out(&sc, h);
	for (i = 0; i < 32; i++) {
		out[2 * i] = d[h[i] >> 4];
		out[2 * i + 1] = d[h[i] & 15];
	}
	out[64] = '\0';
}

/* body + "sha256 HEX\n" of body, into out */
static size_t with_sum(const char *body, size_t n, char *out, size_t cap)
{
	char hx[65];

	sha_hex(body, n, hx);
	CHECK(n + 72 < cap);
	memcpy(out, body, n);
	return n + (size_t)snprintf(out + n, cap - n, "sha256 %s\n", hx);
}

static void test_backup_exact(void)
{
	struct cd_backup b;
	char out[512], want[512], err[200];
	static const char body[] = "timegate-config 1\nfile network 19\neth0 10.0.0.2/24 -\n\n";
	size_t wl;
	long n;

	memset(&b, 0, sizeof(b));
	b.n = 1;
	snprintf(b.f[0].name, sizeof(b.f[0].name), "network");
	b.f[0].data = "eth0 10.0.0.2/24 -\n";
	b.f[0].len = 19;
	n = cd_backup_format(&b, out, sizeof(out));
	wl = with_sum(body, sizeof(body) - 1, want, sizeof(want));
	CHECK_EQ_INT(n, (long)wl);
	CHECK(n > 0 && memcmp(out, want, wl) == 0);

	/* the same text back; and without its final newline */
	CHECK_EQ_INT(cd_backup_parse(want, wl, &b, err, sizeof(err)), 0);
	CHECK_EQ_INT(b.n, 1);
	CHECK_EQ_STR(b.f[0].name, "network");
	CHECK_EQ_INT(b.f[0].len, 19);
	CHECK(b.f[0].data == want + 34);
	CHECK_EQ_INT(cd_backup_parse(want, wl - 1, &b, err, sizeof(err)), 0);

	/* no files at all is a backup too */
	memset(&b, 0, sizeof(b));
	n = cd_backup_format(&b, out, sizeof(out));
	CHECK(n > 0);
	CHECK(strncmp(out, "timegate-config 1\nsha256 ", 25) == 0);
	CHECK_EQ_INT(cd_backup_parse(out, (size_t)n, &b, err, sizeof(err)), 0);
	CHECK_EQ_INT(b.n, 0);
}

static void test_backup_round_trip(void)
{
	static const char timed[] = "device /dev/hvc1\nbaud 9600\n# a comment\n\n";
	static const char bin[] = "a\0b\nfile x 3\nsha256 00\n";
	static char big[65536], out[70000 + 65536];
	struct cd_backup b, p;
	char err[200];
	long n;
	size_t cap;
	int i;

	for (i = 0; i < (int)sizeof(big); i++)
		big[i] = (char)('a' + i % 26);
	memset(&b, 0, sizeof(b));
	b.n = 4;
	snprintf(b.f[0].name, sizeof(b.f[0].name), "timed.conf");
	b.f[0].data = timed;
	b.f[0].len = sizeof(timed) - 1;
	snprintf(b.f[1].name, sizeof(b.f[1].name), "network");
	b.f[1].data = "";
	b.f[1].len = 0;
	snprintf(b.f[2].name, sizeof(b.f[2].name), "site.conf");
	b.f[2].data = bin; /* NUL, newlines and lines that look like the format's own */
	b.f[2].len = sizeof(bin) - 1;
	snprintf(b.f[3].name, sizeof(b.f[3].name), "big_1-2.x");
	b.f[3].data = big;
	b.f[3].len = sizeof(big);
	n = cd_backup_format(&b, out, sizeof(out));
	CHECK(n > 65536);
	err[0] = '\0';
	CHECK_EQ_INT(cd_backup_parse(out, (size_t)n, &p, err, sizeof(err)), 0);
	if (err[0])
		fprintf(stderr, "  %s\n", err);
	CHECK_EQ_INT(p.n, 4);
	for (i = 0; i < 4 && i < p.n; i++) {
		CHECK_EQ_STR(p.f[i].name, b.f[i].name);
		CHECK_EQ_INT(p.f[i].len, b.f[i].len);
		CHECK(memcmp(p.f[i].data, b.f[i].data, b.f[i].len) == 0);
	}
	/* formatted again: the same bytes */
	{
		static char again[sizeof(out)];

		CHECK_EQ_INT(cd_backup_format(&p, again, sizeof(again)), n);
		CHECK(memcmp(again, out, (size_t)n) == 0);
	}
	/* every buffer too small is refused (it needs one byte for the NUL) */
	b.n = 3;
	n = cd_backup_format(&b, out, sizeof(out));
	CHECK(n > 0);
	for (cap = 0; cap <= (size_t)n; cap++)
		CHECK_EQ_INT(cd_backup_format(&b, out, cap), -1);
	CHECK_EQ_INT(cd_backup_format(&b, out, (size_t)n + 1), n);

	/* what the format refuses to write */
	snprintf(b.f[1].name, sizeof(b.f[1].name), "Network");
	CHECK_EQ_INT(cd_backup_format(&b, out, sizeof(out)), -1);
	snprintf(b.f[1].name, sizeof(b.f[1].name), "timed.conf");
	CHECK_EQ_INT(cd_backup_format(&b, out, sizeof(out)), -1);
	snprintf(b.f[1].name, sizeof(b.f[1].name), "network");
	b.f[1].len = 65537;
	b.f[1].data = big;
	CHECK_EQ_INT(cd_backup_format(&b, out, sizeof(out)), -1);
}

struct bad_case {
	const char *body; /* before the sha256 line; NULL: text is the whole input */
	const char *text;
	const char *want; /* in the error */
};

static void test_backup_errors(void)
{
	static const struct bad_case cases[] = {
	    {NULL, "", "backup line 1: expected 'timegate-config 1', got an empty file"},
	    {NULL, "timegate-config 1", "backup line 1: expected a newline after"},
	    {NULL, "hello\n", "backup line 1: expected 'timegate-config 1', got 'hello'"},
	    {NULL, "timegate-config 2\n", "backup line 1: backup format version '2' is not supported"},
	    {NULL, "timegate-config 1\n", "backup line 2: the backup ends without its 'sha256 HEX' line"},
	    {"timegate-config 1\nfile a 1\nx\n", "", "backup line 4: the backup ends without"},
	    {"timegate-config 1\nfiles a 1\nx\n", NULL,
	     "backup line 2: expected 'file NAME LENGTH' or 'sha256 HEX', got 'files a 1'"},
	    {"timegate-config 1\nfile a\n", NULL, "backup line 2: expected 'file NAME LENGTH', got 'file a'"},
	    {"timegate-config 1\nfile A 1\nx\n", NULL, "backup line 2: expected a file name of 1 to 31"},
	    {"timegate-config 1\nfile a/b 1\nx\n", NULL, "got 'a/b'"},
	    {"timegate-config 1\nfile  1\nx\n", NULL, "expected a file name"},
	    {"timegate-config 1\nfile aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa 1\nx\n", NULL, "expected a file name"},
	    {"timegate-config 1\nfile a 01\nx\n", NULL,
	     "backup line 2: file a: expected its length in bytes, 0 to 65536 without leading zeros, got '01'"},
	    {"timegate-config 1\nfile a 65537\nx\n", NULL, "got '65537'"},
	    {"timegate-config 1\nfile a -1\nx\n", NULL, "got '-1'"},
	    {"timegate-config 1\nfile a 1 2\nx\n", NULL, "got '1 2'"},
	    {"timegate-config 1\nfile a \nx\n", NULL, "got ''"},
	    {"timegate-config 1\nfile a 1\nx\nfile b 0\n\nfile a 0\n\n", NULL, "backup line 6: file a appears twice"},
	    {"timegate-config 1\nfile a 0\n\nfile b 0\n\nfile c 0\n\nfile d 0\n\nfile e 0\n\nfile f 0\n\n"
	     "file g 0\n\nfile h 0\n\nfile i 0\n\n",
	     NULL, "backup line 18: file i: more than 8 files"},
	    {NULL, "timegate-config 1\nfile a 5\nab", "backup line 2: file a: expected 5 bytes and a newline, the backup has 2 bytes left"},
	    {"timegate-config 1\nfile a 1\nxy\n", NULL,
	     "backup line 3: file a: expected a newline after its 1 bytes, got 'y\\x0a"},
	    {"timegate-config 1\nfile a 3\nx\ny\nfile\n", NULL, "backup line 5: expected 'file NAME LENGTH' or 'sha256 HEX', got 'file'"},
	    {NULL, "timegate-config 1\nfile a 1", "backup line 2: expected a newline after 'file a 1'"},
	    {NULL, "timegate-config 1\nsha256 12\n", "backup line 2: expected 'sha256' and 64 lowercase hex digits, got '12'"},
	    {NULL,
	     "timegate-config 1\nsha256 "
	     "C6B5FD2D7AD96D6A16F9AE8C2AF7D5D33D6E1B51B9E8F8BB1B0A06DF9A9C2F3E\n",
	     "expected 'sha256' and 64 lowercase hex digits"},
	    {NULL,
	     "timegate-config 1\nsha256 "
	     "0000000000000000000000000000000000000000000000000000000000000000\n",
	     "backup line 2: sha256 checksum mismatch"},
	};
	struct cd_backup b;
	char in[1024], err[300];
	size_t i, n;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct bad_case *c = &cases[i];

		if (c->body) {
			n = with_sum(c->body, strlen(c->body), in, sizeof(in));
			if (c->text) /* cut the sum line away */
				n = strlen(c->body);
		} else {
			n = strlen(c->text);
			memcpy(in, c->text, n);
		}
		err[0] = '\0';
		CHECK_EQ_INT(cd_backup_parse(in, n, &b, err, sizeof(err)), -1);
		if (!strstr(err, c->want)) {
			fprintf(stderr, "  case %zu: error '%s', expected '%s'\n", i, err, c->want);
			CHECK(0);
		}
		CHECK_EQ_INT(b.n, 0);
	}

	/* something after the sum line, even a newline */
	n = with_sum("timegate-config 1\n", 18, in, sizeof(in));
	in[n] = '\n';
	CHECK_EQ_INT(cd_backup_parse(in, n + 1, &b, err, sizeof(err)), -1);
	CHECK(strstr(err, "backup line 3: nothing may follow the sha256 line, got 1 more bytes") != NULL);
	/* a NULL buffer */
	CHECK_EQ_INT(cd_backup_parse(NULL, 5, &b, err, sizeof(err)), -1);
	CHECK(strstr(err, "empty file") != NULL);
	/* no room for a message: still refused, nothing written out of bounds */
	CHECK_EQ_INT(cd_backup_parse("x", 1, &b, err, 1), -1);
	CHECK_EQ_INT(err[0], 0);
	CHECK_EQ_INT(cd_backup_parse("x", 1, &b, NULL, 0), -1);
}

/* every byte of a backup changed: refused; a change in a file's data: as the checksum */
static void test_backup_flip(void)
{
	static const char timed[] = "baud 9600\npps-edge assert\n";
	struct cd_backup b, p;
	char out[512], err[300], data_err[300] = "";
	long n;
	size_t i, lo, hi;

	memset(&b, 0, sizeof(b));
	b.n = 1;
	snprintf(b.f[0].name, sizeof(b.f[0].name), "timed.conf");
	b.f[0].data = timed;
	b.f[0].len = sizeof(timed) - 1;
	n = cd_backup_format(&b, out, sizeof(out));
	CHECK(n > 0);
	lo = strlen("timegate-config 1\nfile timed.conf 26\n");
	hi = lo + b.f[0].len;
	for (i = 0; i < (size_t)n - 1; i++) { /* (the final newline may be dropped) */
		out[i] ^= 0x01;
		err[0] = '\0';
		if (cd_backup_parse(out, (size_t)n, &p, err, sizeof(err)) != -1) {
			fprintf(stderr, "  byte %zu changed, accepted\n", i);
			CHECK(0);
		}
		if (i >= lo && i < hi && !strstr(err, "sha256 checksum mismatch")) {
			fprintf(stderr, "  byte %zu: '%s'\n", i, err);
			CHECK(0);
		}
		if (i == lo)
			snprintf(data_err, sizeof(data_err), "%s", err);
		out[i] ^= 0x01;
	}
	/* the line named is the sum line's */
	CHECK(strstr(data_err, "backup line 6: sha256 checksum mismatch: the backup was changed or "
	                       "damaged") != NULL);
	CHECK_EQ_INT(cd_backup_parse(out, (size_t)n, &p, err, sizeof(err)), 0);
	/* cut anywhere: refused */
	for (i = 0; i < (size_t)n - 1; i++)
		CHECK_EQ_INT(cd_backup_parse(out, i, &p, err, sizeof(err)), -1);
}

/* ================================================================ TLS */

static char info_buf[4096];

/* cd_tls_info's members as a flat object */
static size_t info(void)
{
	struct tg_json j;

	tg_json_init(&j, info_buf, sizeof(info_buf));
	tg_json_obj(&j, NULL);
	cd_tls_info(&M, info_target, &j);
	tg_json_obj_end(&j);
	CHECK_EQ_INT(tg_json_done(&j), 0);
	CHECK_EQ_INT(tg_json_flat_check(info_buf, j.len, NULL, 0), 0);
	return j.len;
}

static void test_tls_info_empty(void)
{
	size_t n;
	char s[64];
	int64_t v;
	int b;

	setup();
	n = info();
	CHECK(strstr(info_buf, "\"subject\":null") != NULL);
	CHECK(strstr(info_buf, "\"not_after\":null") != NULL);
	CHECK(strstr(info_buf, "\"days_left\":null") != NULL);
	CHECK_EQ_INT(tg_json_get_str(info_buf, n, "error", s, sizeof(s)), -1); /* missing: no error */
	CHECK_EQ_INT(tg_json_get_int(info_buf, n, "not_before", &v), -2);
	CHECK_EQ_INT(tg_json_get_bool(info_buf, n, "csr_pending", &b), 0);
	CHECK_EQ_INT(b, 0);

	/* a broken file: nulls and the reason */
	{
		char p[256];

		snprintf(p, sizeof(p), "%s/cert.pem", nts);
		CHECK_EQ_INT(tg_write_file_atomic(p, "junk\n", 5, 0644), 0);
	}
	n = info();
	CHECK(strstr(info_buf, "\"subject\":null") != NULL);
	CHECK(tg_json_get_str(info_buf, n, "error", s, sizeof(s)) > 0);
}

static void test_tls_install(void)
{
	static char cert[8192], key[1024], cert2[8192], key2[1024], got[16384], prev[16384];
	static struct tg_pem_chain ch;
	static struct tg_pem_key k;
	struct kp a, b;
	size_t cl, kl, cl2, kl2, len, n;
	char err[400], p[256], s[200];
	int status = 0, bo;
	int64_t v;

	setup();
	keypair(1, &a);
	keypair(2, &b);
	cl = cert_pem(&a, "ntp.example", NOW - DAY, NOW + 90 * DAY, cert, sizeof(cert));
	kl = key_pem(&a, key, sizeof(key));

	/* a key that is not the certificate's: refused, nothing written, nothing restarted */
	kl2 = key_pem(&b, key2, sizeof(key2));
	CHECK_EQ_INT(cd_tls_install(&M, CD_TLS_NTS, cert, cl, key2, kl2, &status, err, sizeof(err)), -1);
	CHECK_EQ_INT(status, 400);
	CHECK(strstr(err, "key: the private key does not belong to the certificate") == err);
	CHECK_EQ_INT(svc_calls, 0);
	snprintf(p, sizeof(p), "%s/key.pem", nts);
	CHECK(!exists(p));

	/* the right pair */
	err[0] = '\0';
	CHECK_EQ_INT(cd_tls_install(&M, CD_TLS_NTS, cert, cl, key, kl, &status, err, sizeof(err)), 0);
	CHECK_EQ_INT(status, 200);
	CHECK(strstr(err, "CN=ntp.example, valid until 2026-02-22 ") == err);
	CHECK(strstr(err, "uploaded key") != NULL);
	CHECK(strstr(err, "PRIVATE") == NULL);
	CHECK_EQ_INT(svc_calls, 1);
	CHECK_EQ_STR(svc_cmd, "restart ntsd");
	/* the files as ntsd will load them */
	snprintf(p, sizeof(p), "%s/cert.pem", nts);
	CHECK_EQ_INT(mode_of(p), 0644);
	CHECK_EQ_INT(tg_pem_load_chain(p, &ch, err, sizeof(err)), 0);
	CHECK_EQ_INT(ch.n, 1);
	CHECK_EQ_INT(read_file("cert.pem", got, sizeof(got), &len), 0);
	CHECK(len == cl && memcmp(got, cert, cl) == 0); /* re-encoded: the same PEM */
	snprintf(p, sizeof(p), "%s/key.pem", nts);
	CHECK_EQ_INT(mode_of(p), 0640);
	CHECK_EQ_INT(tg_pem_load_ec_key(p, &k, err, sizeof(err)), 0);
	CHECK_EQ_INT(tg_pem_key_matches_leaf(&ch, &k, err, sizeof(err)), 0);
	CHECK(memcmp(k.x, a.priv, 32) == 0);
	tg_pem_wipe_key(&k);
	snprintf(p, sizeof(p), "%s/cert.pem.prev", nts);
	CHECK(!exists(p)); /* nothing was there before */

	/* what GET /api/config shows */
	n = info();
	CHECK(tg_json_get_str(info_buf, n, "subject", s, sizeof(s)) > 0);
	CHECK_EQ_STR(s, "CN=ntp.example");
	CHECK(tg_json_get_str(info_buf, n, "issuer", s, sizeof(s)) > 0);
	CHECK_EQ_STR(s, "CN=ntp.example");
	CHECK_EQ_INT(tg_json_get_int(info_buf, n, "not_before", &v), 0);
	CHECK_EQ_INT(v, NOW - DAY);
	CHECK_EQ_INT(tg_json_get_int(info_buf, n, "not_after", &v), 0);
	CHECK_EQ_INT(v, NOW + 90 * DAY);
	CHECK_EQ_INT(tg_json_get_int(info_buf, n, "days_left", &v), 0);
	CHECK_EQ_INT(v, 90);
	CHECK_EQ_INT(tg_json_get_bool(info_buf, n, "self_signed", &bo), 0);
	CHECK_EQ_INT(bo, 1);
	real_now = NOW + 90 * DAY + 1; /* a second past expiry: day -1 */
	n = info();
	CHECK_EQ_INT(tg_json_get_int(info_buf, n, "days_left", &v), 0);
	CHECK_EQ_INT(v, -1);
	real_now = NOW;

	/* a second pair (GeneralizedTime after 2049): the first becomes .prev */
	cl2 = cert_pem(&b, "Timegate NTS 2", NOW - DAY, 2556144000LL /* 2051-01-01 */, cert2,
	               sizeof(cert2));
	CHECK_EQ_INT(cd_tls_install(&M, CD_TLS_NTS, cert2, cl2, key2, kl2, &status, err, sizeof(err)), 0);
	CHECK_EQ_INT(svc_calls, 2);
	CHECK_EQ_INT(read_file("cert.pem.prev", prev, sizeof(prev), &len), 0);
	CHECK(len == cl && memcmp(prev, cert, cl) == 0);
	CHECK_EQ_INT(read_file("key.pem.prev", prev, sizeof(prev), &len), 0);
	CHECK(len == kl && memcmp(prev, key, kl) == 0);
	snprintf(p, sizeof(p), "%s/key.pem.prev", nts);
	CHECK_EQ_INT(mode_of(p), 0640);
	n = info();
	CHECK_EQ_INT(tg_json_get_int(info_buf, n, "not_after", &v), 0);
	CHECK_EQ_INT(v, 2556144000LL);
	CHECK(tg_json_get_str(info_buf, n, "subject", s, sizeof(s)) > 0);
	CHECK_EQ_STR(s, "CN=Timegate NTS 2");

	/* revert: the first pair is back, the second becomes .prev; twice: the second again */
	CHECK_EQ_INT(cd_tls_revert(&M, CD_TLS_NTS, &status, err, sizeof(err)), 0);
	CHECK_EQ_INT(status, 200);
	CHECK_EQ_INT(svc_calls, 3);
	CHECK_EQ_INT(read_file("cert.pem", got, sizeof(got), &len), 0);
	CHECK(len == cl && memcmp(got, cert, cl) == 0);
	CHECK_EQ_INT(read_file("key.pem", got, sizeof(got), &len), 0);
	CHECK(len == kl && memcmp(got, key, kl) == 0);
	CHECK_EQ_INT(read_file("cert.pem.prev", prev, sizeof(prev), &len), 0);
	CHECK(len == cl2 && memcmp(prev, cert2, cl2) == 0);
	CHECK_EQ_INT(cd_tls_revert(&M, CD_TLS_NTS, &status, err, sizeof(err)), 0);
	CHECK_EQ_INT(read_file("cert.pem", got, sizeof(got), &len), 0);
	CHECK(len == cl2 && memcmp(got, cert2, cl2) == 0);
	CHECK_EQ_INT(svc_calls, 4);

	/* expired, not yet valid: refused, the installed pair untouched */
	cl = cert_pem(&a, "ntp.example", NOW - 90 * DAY, NOW - 1, cert, sizeof(cert));
	CHECK_EQ_INT(cd_tls_install(&M, CD_TLS_NTS, cert, cl, key, kl, &status, err, sizeof(err)), -1);
	CHECK_EQ_INT(status, 400);
	CHECK(strstr(err, "cert: the certificate expired on 2025-11-24 15:59:59 UTC") == err);
	cl = cert_pem(&a, "ntp.example", NOW + 1, NOW + DAY, cert, sizeof(cert));
	CHECK_EQ_INT(cd_tls_install(&M, CD_TLS_NTS, cert, cl, key, kl, &status, err, sizeof(err)), -1);
	CHECK(strstr(err, "cert: the certificate is not valid yet (valid from 2025-11-24") == err);
	CHECK_EQ_INT(cd_tls_install(&M, CD_TLS_NTS, "junk", 4, key, kl, &status, err, sizeof(err)), -1);
	CHECK(strncmp(err, "cert: ", 6) == 0);
	CHECK_EQ_INT(cd_tls_install(&M, CD_TLS_NTS, cert2, cl2, "junk", 4, &status, err, sizeof(err)), -1);
	CHECK(strncmp(err, "key: ", 5) == 0);
	CHECK_EQ_INT(svc_calls, 4);
	CHECK_EQ_INT(read_file("cert.pem", got, sizeof(got), &len), 0);
	CHECK(len == cl2 && memcmp(got, cert2, cl2) == 0);

	/* no key and no pending key */
	CHECK_EQ_INT(cd_tls_install(&M, CD_TLS_NTS, cert2, cl2, NULL, 0, &status, err, sizeof(err)), -1);
	CHECK_EQ_INT(status, 400);
	CHECK(strstr(err, "key: no key given and no pending key") == err);

	/* the supervisor refuses: 502, the files stay (they are valid) */
	svc_fail = 1;
	cl = cert_pem(&a, "ntp.example", NOW - DAY, NOW + 90 * DAY, cert, sizeof(cert));
	CHECK_EQ_INT(cd_tls_install(&M, CD_TLS_NTS, cert, cl, key, kl, &status, err, sizeof(err)), -1);
	CHECK_EQ_INT(status, 502);
	CHECK(strstr(err, "ntsd did not restart: error no service ntsd") != NULL);
	CHECK_EQ_INT(read_file("cert.pem", got, sizeof(got), &len), 0);
	CHECK(len == cl && memcmp(got, cert, cl) == 0);

	/* nothing to revert to: 409 */
	snprintf(p, sizeof(p), "%s/cert.pem.prev", nts);
	unlink(p);
	CHECK_EQ_INT(cd_tls_revert(&M, CD_TLS_NTS, &status, err, sizeof(err)), -1);
	CHECK_EQ_INT(status, 409);
	CHECK_EQ_STR(err, "no previous NTS certificate to go back to");

	/* a missing folder: 500, nothing restarted */
	svc_fail = 0;
	snprintf(M.conf.nts_tls_dir, sizeof(M.conf.nts_tls_dir), "%s/none", dir);
	svc_calls = 0;
	CHECK_EQ_INT(cd_tls_install(&M, CD_TLS_NTS, cert, cl, key, kl, &status, err, sizeof(err)), -1);
	CHECK_EQ_INT(status, 500);
	CHECK_EQ_INT(svc_calls, 0);
	CHECK(strstr(err, "cannot write ") == err);
}

/* a chain of two, leaf first; a chain of five refused */
static void test_tls_chain(void)
{
	static char chain[6 * 2048], key[1024], got[16384];
	struct kp a, ca;
	size_t cl, kl, len;
	char err[300];
	int status, i;

	setup();
	keypair(3, &a);
	keypair(4, &ca);
	cl = cert_pem(&a, "leaf", NOW - DAY, NOW + DAY, chain, sizeof(chain));
	cl += cert_pem(&ca, "Site CA", NOW - DAY, NOW + 9 * DAY, chain + cl, sizeof(chain) - cl);
	kl = key_pem(&a, key, sizeof(key));
	CHECK_EQ_INT(cd_tls_install(&M, CD_TLS_NTS, chain, cl, key, kl, &status, err, sizeof(err)), 0);
	CHECK(strstr(err, "2 certificates") != NULL);
	CHECK_EQ_INT(read_file("cert.pem", got, sizeof(got), &len), 0);
	CHECK(len == cl && memcmp(got, chain, cl) == 0);
	/* the CA's key for the leaf: refused */
	kl = key_pem(&ca, key, sizeof(key));
	CHECK_EQ_INT(cd_tls_install(&M, CD_TLS_NTS, chain, cl, key, kl, &status, err, sizeof(err)), -1);
	CHECK(strncmp(err, "key: ", 5) == 0);
	for (i = 0; i < 3; i++)
		cl += cert_pem(&ca, "Site CA", NOW - DAY, NOW + 9 * DAY, chain + cl, sizeof(chain) - cl);
	CHECK_EQ_INT(cd_tls_install(&M, CD_TLS_NTS, chain, cl, key, kl, &status, err, sizeof(err)), -1);
	CHECK_EQ_INT(status, 400);
	CHECK_EQ_STR(err, "cert: more than 4 certificates");
}

/* base64 PEM body of label in text into der; its length or 0 */
static size_t pem_der(const char *text, const char *label, uint8_t *der, size_t cap)
{
	char begin[64], end[64];
	const char *b, *e, *p;
	size_t n = 0;
	unsigned acc = 0;
	int bits = 0;

	snprintf(begin, sizeof(begin), "-----BEGIN %s-----\n", label);
	snprintf(end, sizeof(end), "-----END %s-----\n", label);
	b = strstr(text, begin);
	e = strstr(text, end);
	if (b != text || !e || strcmp(e, end) != 0)
		return 0;
	for (p = b + strlen(begin); p < e; p++) {
		const char *al = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
		const char *q;

		if (*p == '\n' || *p == '=')
			continue;
		q = strchr(al, *p);
		if (!q || !*p)
			return 0;
		acc = (acc << 6) | (unsigned)(q - al);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (n == cap)
				return 0;
			der[n++] = (uint8_t)(acc >> bits);
		}
	}
	return n;
}

static void test_tls_csr(void)
{
	static char csr[4096], cert[8192], got[4096];
	static struct tg_pem_key k;
	uint8_t der[4096], pub[65];
	br_ec_public_key pk;
	struct kp a;
	char err[300], p[256];
	int status = 0, bo;
	long n;
	size_t dl, cl, len, hl;

	setup();
	n = cd_tls_csr(&M, CD_TLS_NTS, "Timegate NTS", "ntp.example\r\n\n  time.example.net  \n", csr,
	               sizeof(csr), &status, err, sizeof(err));
	CHECK(n > 0);
	CHECK_EQ_INT(status, 200);
	CHECK_EQ_INT((long)strlen(csr), n);
	dl = pem_der(csr, "CERTIFICATE REQUEST", der, sizeof(der));
	CHECK(dl > 100);
	/* one SEQUENCE (long-form length) covering the object exactly */
	CHECK_EQ_INT(der[0], 0x30);
	hl = der[1] == 0x81 ? 3 : der[1] == 0x82 ? 4 : 0;
	CHECK(hl != 0);
	CHECK_EQ_INT(hl == 3 ? der[2] + 3u : ((unsigned)der[2] << 8 | der[3]) + 4u, dl);
	CHECK(memmem(der, dl, "Timegate NTS", 12) != NULL);
	CHECK(memmem(der, dl, "time.example.net", 16) != NULL);
	/* the pending key: 0600, in data-dir, shown */
	snprintf(p, sizeof(p), "%s/nts-pending-key.pem", data);
	CHECK_EQ_INT(mode_of(p), 0600);
	len = info();
	CHECK_EQ_INT(tg_json_get_bool(info_buf, len, "csr_pending", &bo), 0);
	CHECK_EQ_INT(bo, 1);
	/* its public key is the CSR's */
	CHECK_EQ_INT(tg_pem_load_ec_key(p, &k, err, sizeof(err)), 0);
	CHECK_EQ_INT(br_ec_compute_pub(&tg_ec_impl, &pk, pub, &k.key), 65);
	CHECK(memmem(der, dl, pub, 65) != NULL);

	/* "the CA signs it": a certificate for that key, installed with no key */
	memcpy(a.priv, k.x, 32);
	memcpy(a.pub, pub, 65);
	tg_pem_wipe_key(&k);
	cl = cert_pem(&a, "Timegate NTS", NOW - DAY, NOW + 30 * DAY, cert, sizeof(cert));
	CHECK_EQ_INT(cd_tls_install(&M, CD_TLS_NTS, cert, cl, NULL, 0, &status, err, sizeof(err)), 0);
	CHECK(strstr(err, "pending key") != NULL);
	CHECK_EQ_STR(svc_cmd, "restart ntsd");
	CHECK(!exists(p)); /* used up */
	CHECK_EQ_INT(read_file("key.pem", got, sizeof(got), &len), 0);
	CHECK(strstr(got, "-----BEGIN EC PRIVATE KEY-----\n") == got);
	len = info();
	CHECK_EQ_INT(tg_json_get_bool(info_buf, len, "csr_pending", &bo), 0);
	CHECK_EQ_INT(bo, 0);

	/* a certificate for another key with the pending key: refused, the key kept */
	CHECK(cd_tls_csr(&M, CD_TLS_NTS, "x", "a.example", csr, sizeof(csr), &status, err,
	                 sizeof(err)) > 0);
	CHECK_EQ_INT(cd_tls_install(&M, CD_TLS_NTS, cert, cl, NULL, 0, &status, err, sizeof(err)), -1);
	CHECK_EQ_INT(status, 400);
	CHECK(strncmp(err, "key: the private key does not belong", 36) == 0);
	CHECK(strstr(err, "last certificate request") != NULL);
	CHECK(exists(p));
	/* a new request replaces the pending key */
	CHECK_EQ_INT(tg_read_small_file(p, got, sizeof(got), &len), 0);
	CHECK(cd_tls_csr(&M, CD_TLS_NTS, "x", "a.example", csr, sizeof(csr), &status, err,
	                 sizeof(err)) > 0);
	{
		char again[4096];
		size_t l2;

		CHECK_EQ_INT(tg_read_small_file(p, again, sizeof(again), &l2), 0);
		CHECK(l2 != len || memcmp(again, got, len) != 0);
	}
}

static void test_tls_csr_errors(void)
{
	static const struct {
		const char *cn, *dns, *want;
	} cases[] = {
	    {"", "a.example", "cn: expected a common name of 1 to 64 characters, got 0"},
	    {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "a.example",
	     "cn: expected a common name of 1 to 64 characters, got 65"},
	    {"tab\there", "a.example", "cn: expected printable ASCII characters, got byte 0x09 at 4"},
	    {"x", "", "dns: at least one DNS name is required"},
	    {"x", "\n  \n", "dns: at least one DNS name is required"},
	    {"x", "a.example\nbad_name\n", "dns: line 2: expected a DNS name (letters, digits, '-' and '.'), got 'bad_name'"},
	    {"x", "two words", "dns: line 1: expected a DNS name"},
	    {"x", "*.example", "dns: line 1: expected a DNS name"},
	    {"x", "-a.example", "dns: "},
	    {"x", "a..example", "dns: "},
	    {"x", "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\nl\nm\nn\no\np\nq\n", "dns: at most 16 DNS names"},
	};
	char out[4096], err[300], p[256], longname[300];
	int status, i;

	setup();
	for (i = 0; i < (int)(sizeof(cases) / sizeof(cases[0])); i++) {
		err[0] = '\0';
		status = 0;
		CHECK_EQ_INT(cd_tls_csr(&M, CD_TLS_NTS, cases[i].cn, cases[i].dns, out, sizeof(out),
		                        &status, err, sizeof(err)),
		             -1);
		CHECK_EQ_INT(status, 400);
		if (strstr(err, cases[i].want) != err) {
			fprintf(stderr, "  case %d: '%s', expected '%s'\n", i, err, cases[i].want);
			CHECK(0);
		}
	}
	memset(longname, 'a', 254);
	longname[254] = '\0';
	CHECK_EQ_INT(cd_tls_csr(&M, CD_TLS_NTS, "x", longname, out, sizeof(out), &status, err,
	                        sizeof(err)), -1);
	CHECK(strstr(err, "dns: line 1: a DNS name has at most 253 characters, got 254") == err);
	/* too small an output: 500, no pending key left behind */
	CHECK_EQ_INT(cd_tls_csr(&M, CD_TLS_NTS, "x", "a.example", out, 100, &status, err,
	                        sizeof(err)), -1);
	CHECK_EQ_INT(status, 500);
	snprintf(p, sizeof(p), "%s/nts-pending-key.pem", data);
	CHECK(!exists(p));
}

/*
 * The console's own certificate: DATA_DIR/tls (key 0600), no supervisor
 * command but m->restart_pending for main.c, its pending key apart from
 * the NTS one (neither request consumes or replaces the other's key).
 */
static void test_console_tls(void)
{
	static char cert[8192], key[1024], cert2[8192], key2[1024], csr[4096], got[16384],
	    ntspend[4096];
	static struct tg_pem_chain ch;
	static struct tg_pem_key k;
	uint8_t pub[65];
	br_ec_public_key pk;
	struct kp a, b, c;
	char err[400], p[256], cpend[256], npend[256], s[200];
	size_t cl, kl, cl2, kl2, len, nl, n;
	int status = 0, bo;
	int64_t v;

	setup();
	keypair(3, &a);
	keypair(4, &b);
	cl = cert_pem(&a, "console.example", NOW - DAY, NOW + 365 * DAY, cert, sizeof(cert));
	kl = key_pem(&a, key, sizeof(key));
	kl2 = key_pem(&b, key2, sizeof(key2));
	snprintf(cpend, sizeof(cpend), "%s/console-pending-key.pem", data);
	snprintf(npend, sizeof(npend), "%s/nts-pending-key.pem", data);

	/* a key that is not the certificate's: refused, nothing written, no restart */
	CHECK_EQ_INT(cd_tls_install(&M, CD_TLS_CONSOLE, cert, cl, key2, kl2, &status, err,
	                            sizeof(err)), -1);
	CHECK_EQ_INT(status, 400);
	CHECK(strstr(err, "key: the private key does not belong to the certificate") == err);
	CHECK_EQ_INT(M.restart_pending, 0);
	snprintf(p, sizeof(p), "%s/key.pem", ctls);
	CHECK(!exists(p));

	/* the right pair: in DATA_DIR/tls, the key 0600; main is to restart, ntsd is not */
	CHECK_EQ_INT(cd_tls_install(&M, CD_TLS_CONSOLE, cert, cl, key, kl, &status, err,
	                            sizeof(err)), 0);
	CHECK_EQ_INT(status, 200);
	CHECK(strstr(err, "CN=console.example, valid until 2026-11-24 ") == err);
	CHECK(strstr(err, "PRIVATE") == NULL);
	CHECK_EQ_INT(M.restart_pending, 1);
	CHECK_EQ_INT(svc_calls, 0);
	CHECK_EQ_INT(mode_of(p), 0600);
	CHECK_EQ_INT(tg_pem_load_ec_key(p, &k, err, sizeof(err)), 0);
	snprintf(p, sizeof(p), "%s/cert.pem", ctls);
	CHECK_EQ_INT(mode_of(p), 0644);
	CHECK_EQ_INT(tg_pem_load_chain(p, &ch, err, sizeof(err)), 0);
	CHECK_EQ_INT(tg_pem_key_matches_leaf(&ch, &k, err, sizeof(err)), 0);
	CHECK(memcmp(k.x, a.priv, 32) == 0);
	tg_pem_wipe_key(&k);
	snprintf(p, sizeof(p), "%s/cert.pem", nts);
	CHECK(!exists(p)); /* the NTS folder untouched */

	/* "console_tls" shows it; "tls" (NTS) still has none */
	info_target = CD_TLS_CONSOLE;
	n = info();
	CHECK(tg_json_get_str(info_buf, n, "subject", s, sizeof(s)) > 0);
	CHECK_EQ_STR(s, "CN=console.example");
	CHECK_EQ_INT(tg_json_get_int(info_buf, n, "not_after", &v), 0);
	CHECK_EQ_INT(v, NOW + 365 * DAY);
	CHECK_EQ_INT(tg_json_get_int(info_buf, n, "days_left", &v), 0);
	CHECK_EQ_INT(v, 365);
	CHECK_EQ_INT(tg_json_get_bool(info_buf, n, "csr_pending", &bo), 0);
	CHECK_EQ_INT(bo, 0);
	info_target = CD_TLS_NTS;
	info();
	CHECK(strstr(info_buf, "\"subject\":null") != NULL);

	/* an NTS request, then a console request: two keys, each in its own file */
	CHECK(cd_tls_csr(&M, CD_TLS_NTS, "ntp.example", "ntp.example", csr, sizeof(csr), &status,
	                 err, sizeof(err)) > 0);
	CHECK_EQ_INT(tg_read_small_file(npend, ntspend, sizeof(ntspend), &nl), 0);
	CHECK(cd_tls_csr(&M, CD_TLS_CONSOLE, "console.example", "console.example\n", csr,
	                 sizeof(csr), &status, err, sizeof(err)) > 0);
	CHECK_EQ_INT(status, 200);
	CHECK(strstr(csr, "-----BEGIN CERTIFICATE REQUEST-----\n") == csr);
	CHECK_EQ_INT(mode_of(cpend), 0600);
	CHECK_EQ_INT(tg_read_small_file(npend, got, sizeof(got), &len), 0);
	CHECK(len == nl && memcmp(got, ntspend, nl) == 0); /* the NTS key not replaced */
	info_target = CD_TLS_CONSOLE;
	n = info();
	CHECK_EQ_INT(tg_json_get_bool(info_buf, n, "csr_pending", &bo), 0);
	CHECK_EQ_INT(bo, 1);

	/* the CA signs the console's request: installed with no key, the pending key used up */
	CHECK_EQ_INT(tg_pem_load_ec_key(cpend, &k, err, sizeof(err)), 0);
	CHECK_EQ_INT(br_ec_compute_pub(&tg_ec_impl, &pk, pub, &k.key), 65);
	memcpy(c.priv, k.x, 32);
	memcpy(c.pub, pub, 65);
	tg_pem_wipe_key(&k);
	cl2 = cert_pem(&c, "console 2", NOW - DAY, NOW + 30 * DAY, cert2, sizeof(cert2));
	M.restart_pending = 0;
	CHECK_EQ_INT(cd_tls_install(&M, CD_TLS_CONSOLE, cert2, cl2, NULL, 0, &status, err,
	                            sizeof(err)), 0);
	CHECK(strstr(err, "pending key") != NULL);
	CHECK_EQ_INT(M.restart_pending, 1);
	CHECK_EQ_INT(svc_calls, 0);
	CHECK(!exists(cpend));
	CHECK_EQ_INT(tg_read_small_file(npend, got, sizeof(got), &len), 0);
	CHECK(len == nl && memcmp(got, ntspend, nl) == 0); /* the NTS key still pending */
	CHECK_EQ_INT(read_at(ctls, "cert.pem", got, sizeof(got), &len), 0);
	CHECK(len == cl2 && memcmp(got, cert2, cl2) == 0);
	CHECK_EQ_INT(read_at(ctls, "cert.pem.prev", got, sizeof(got), &len), 0);
	CHECK(len == cl && memcmp(got, cert, cl) == 0);
	CHECK_EQ_INT(read_at(ctls, "key.pem.prev", got, sizeof(got), &len), 0);
	CHECK(len == kl && memcmp(got, key, kl) == 0);
	snprintf(p, sizeof(p), "%s/key.pem.prev", ctls);
	CHECK_EQ_INT(mode_of(p), 0600);

	/* the NTS pending key never serves the console's certificate */
	M.restart_pending = 0;
	CHECK_EQ_INT(cd_tls_install(&M, CD_TLS_CONSOLE, cert2, cl2, NULL, 0, &status, err,
	                            sizeof(err)), -1);
	CHECK_EQ_INT(status, 400);
	CHECK(strstr(err, "key: no key given and no pending key") == err);
	CHECK_EQ_INT(M.restart_pending, 0);
	/* nor the console's pending key the NTS certificate */
	CHECK(cd_tls_csr(&M, CD_TLS_CONSOLE, "c", "c.example", csr, sizeof(csr), &status, err,
	                 sizeof(err)) > 0);
	CHECK_EQ_INT(cd_tls_install(&M, CD_TLS_NTS, cert2, cl2, NULL, 0, &status, err,
	                            sizeof(err)), -1);
	CHECK_EQ_INT(status, 400);
	CHECK(exists(cpend));

	/* revert: the first pair back, main to restart; a second revert swaps again */
	M.restart_pending = 0;
	CHECK_EQ_INT(cd_tls_revert(&M, CD_TLS_CONSOLE, &status, err, sizeof(err)), 0);
	CHECK_EQ_INT(status, 200);
	CHECK_EQ_INT(M.restart_pending, 1);
	CHECK_EQ_INT(svc_calls, 0);
	CHECK_EQ_INT(read_at(ctls, "cert.pem", got, sizeof(got), &len), 0);
	CHECK(len == cl && memcmp(got, cert, cl) == 0);
	CHECK_EQ_INT(read_at(ctls, "key.pem", got, sizeof(got), &len), 0);
	CHECK(len == kl && memcmp(got, key, kl) == 0);
	CHECK_EQ_INT(read_at(ctls, "cert.pem.prev", got, sizeof(got), &len), 0);
	CHECK(len == cl2 && memcmp(got, cert2, cl2) == 0);
	CHECK(exists(cpend)); /* a revert uses the .prev key, not the pending one */
	/* nothing to revert to: 409 naming the console */
	snprintf(p, sizeof(p), "%s/cert.pem.prev", ctls);
	unlink(p);
	M.restart_pending = 0;
	CHECK_EQ_INT(cd_tls_revert(&M, CD_TLS_CONSOLE, &status, err, sizeof(err)), -1);
	CHECK_EQ_INT(status, 409);
	CHECK_EQ_STR(err, "no previous console certificate to go back to");
	CHECK_EQ_INT(M.restart_pending, 0);
}

int main(void)
{
	RUN(test_backup_exact);
	RUN(test_backup_round_trip);
	RUN(test_backup_errors);
	RUN(test_backup_flip);
	RUN(test_tls_info_empty);
	RUN(test_tls_install);
	RUN(test_tls_chain);
	RUN(test_tls_csr);
	RUN(test_tls_csr_errors);
	RUN(test_console_tls);
	if (dir[0])
		rm_tree(dir);
	return check_exit();
}
