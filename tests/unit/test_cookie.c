/*
 * test_cookie.c - ntsd's NTS cookies and master-key ring (ntsd/cookie.c).
 *
 * The golden ring and cookies below were made by an independent writer
 * (tests/fuzz/gen_cookie_seeds.py: pyca/cryptography's AES-SIV, zlib's
 * CRC-32, Python's struct), so layout, byte order, AD and nonce use are
 * checked against something that is not this code.  The same bytes are
 * the fuzzer's seeds in tests/fuzz/corpus/cookie/.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "crc32.h"
#include "ntsd/cookie.h"

static const char golden_ring[] =
    "5447434b0103020000000100000000655542801112131415161718191a1b1c1d1e1f2021222324252627"
    "28292a2b2c2d2e2f3000000002000000006556940022232425262728292a2b2c2d2e2f30313233343536"
    "3738393a3b3c3d3e3f404100000003000000006557e580333435363738393a3b3c3d3e3f404142434445"
    "464748494a4b4c4d4e4f50515274bb0513";

static const char golden_15[] =
    "00000003000102030405060708090a0b0c0d0e0f8d7bd04a99232b21a8cecbaad5cb742ef4a1928e2fff"
    "0343a4f3a0a1537ba125fe0fbf0c385fc85509c1eb554355e87033673b6475fbc43f7564c496c8c7d980"
    "f8ca37252dae1ae97752be6342fe4d89c3d77aae";
static const char golden_16[] =
    "00000002101112131415161718191a1b1c1d1e1f74b4e683744c44de6c906558de2d414d9f72a3572e5c"
    "41bf32bc9a23bb976b4ac08f013d93788ce7934f90d0633f58a16792f88d5ff4d7c7ca6ae8710c5e34fd"
    "b158a1222e6c244df2231edcc69a41be80ba8e156dd092c7d52e11494658fbbb603c15a04e3d141fd85e"
    "a590af56a06e83c26a26";
static const char golden_17[] =
    "00000001202122232425262728292a2b2c2d2e2f6c60b024f4fa9e03221f93683ca0d1afd397bd196997"
    "d2d56a551c4b2318cae1ee57324b5c8de320c2d692f5e5147208c2bfb60927e3efe18e057d1c209b7775"
    "826dbbc34935490b9eba2c403b5dc607bbd661908af5b4edd5dce2545e18ed3857f63d9385c58f862186"
    "07d91406efe798eec118238a212a4f64aa779220ea826dd7659a61de4954c3c21d5d6e14f86d93a24dbd";

static size_t unhex(const char *h, uint8_t *out, size_t cap)
{
	size_t n = strlen(h) / 2, i;

	if (n > cap)
		abort();
	for (i = 0; i < n; i++) {
		unsigned v;
		if (sscanf(h + 2 * i, "%2x", &v) != 1)
			abort();
		out[i] = (uint8_t)v;
	}
	return n;
}

static size_t key_len(uint16_t aead)
{
	return aead == 15 ? 32 : aead == 16 ? 48 : aead == 17 ? 64 : 0;
}

/* The generator's ring: key i = i * 0x11 + j, created 1700000000 + i days. */
static void fixed_ring(struct ntsd_keyring *r)
{
	uint8_t key[NTSD_COOKIE_KEY_LEN];
	int i, j;

	memset(r, 0, sizeof(*r));
	for (i = 1; i <= 3; i++) {
		for (j = 0; j < NTSD_COOKIE_KEY_LEN; j++)
			key[j] = (uint8_t)(i * 0x11 + j);
		ntsd_keyring_rotate(r, key, 1700000000 + i * 86400LL);
	}
}

/* The generator's cookie content for an AEAD. */
static struct ntsd_cookie_plain fixed_plain(uint16_t aead)
{
	struct ntsd_cookie_plain p;
	size_t j;

	memset(&p, 0, sizeof(p));
	p.aead = aead;
	for (j = 0; j < key_len(aead); j++) {
		p.c2s[j] = (uint8_t)(0xc0 + j);
		p.s2c[j] = (uint8_t)(0x50 + j);
	}
	return p;
}

static int same_plain(const struct ntsd_cookie_plain *a, const struct ntsd_cookie_plain *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

static int plain_zero(const struct ntsd_cookie_plain *p)
{
	static const struct ntsd_cookie_plain z;
	return memcmp(p, &z, sizeof(z)) == 0;
}

static void golden(void)
{
	static const struct {
		const char *hex;
		uint16_t aead;
		size_t cur;
		uint8_t nonce0;
	} g[] = {{golden_15, 15, 2, 0}, {golden_16, 16, 1, 16}, {golden_17, 17, 0, 32}};
	uint8_t want[NTSD_KEYRING_ENC_MAX], out[200], nonce[16];
	struct ntsd_cookie_plain p, q;
	struct ntsd_keyring r;
	size_t i, j, n;

	fixed_ring(&r);
	CHECK_EQ_INT(r.n, 3);
	CHECK_EQ_INT(r.cur, 2);
	n = unhex(golden_ring, want, sizeof(want));
	CHECK_EQ_INT(n, NTSD_KEYRING_ENC_MAX);
	CHECK_EQ_INT(ntsd_keyring_encode(&r, out, sizeof(out)), n);
	CHECK(memcmp(out, want, n) == 0);
	for (i = 0; i < 3; i++) {
		uint8_t c[200];
		size_t cl = unhex(g[i].hex, c, sizeof(c));

		/* opens under the full ring (current or older key) */
		p = fixed_plain(g[i].aead);
		CHECK_EQ_INT(ntsd_cookie_open(&r, c, cl, &q), 0);
		CHECK(same_plain(&p, &q));
		/* and sealing with that key current gives the same bytes */
		for (j = 0; j < 16; j++)
			nonce[j] = (uint8_t)(g[i].nonce0 + j);
		r.cur = g[i].cur;
		CHECK_EQ_INT(ntsd_cookie_seal(&r, &p, nonce, out, sizeof(out)), cl);
		CHECK(memcmp(out, c, cl) == 0);
		r.cur = 2;
	}
	ntsd_keyring_wipe(&r);
}

static void round_trip(void)
{
	static const uint16_t aeads[] = {15, 16, 17};
	static const size_t lens[] = {104, 136, 168};
	uint8_t nonce[16], c[200];
	struct ntsd_cookie_plain p, q;
	struct ntsd_keyring r;
	size_t i, j;

	fixed_ring(&r);
	for (i = 0; i < 3; i++) {
		memset(&p, 0, sizeof(p));
		p.aead = aeads[i];
		for (j = 0; j < 64; j++) {
			p.c2s[j] = j < key_len(p.aead) ? (uint8_t)check_rand() : 0;
			p.s2c[j] = j < key_len(p.aead) ? (uint8_t)check_rand() : 0;
		}
		for (j = 0; j < 16; j++)
			nonce[j] = (uint8_t)check_rand();
		CHECK_EQ_INT(ntsd_cookie_seal(&r, &p, nonce, c, sizeof(c)), lens[i]);
		CHECK_EQ_INT(lens[i], NTSD_COOKIE_OVERHEAD + 2 * key_len(p.aead));
		CHECK_EQ_INT(ntsd_cookie_open(&r, c, lens[i], &q), 0);
		CHECK(same_plain(&p, &q));
		/* exact capacity works, one less does not */
		CHECK_EQ_INT(ntsd_cookie_seal(&r, &p, nonce, c, lens[i]), lens[i]);
		CHECK_EQ_INT(ntsd_cookie_seal(&r, &p, nonce, c, lens[i] - 1), 0);
	}
	/* unknown AEAD, empty ring */
	p.aead = 30;
	CHECK_EQ_INT(ntsd_cookie_seal(&r, &p, nonce, c, sizeof(c)), 0);
	p.aead = 15;
	ntsd_keyring_wipe(&r);
	CHECK_EQ_INT(ntsd_cookie_seal(&r, &p, nonce, c, sizeof(c)), 0);
}

static void tampering(void)
{
	static const uint16_t aeads[] = {15, 16, 17};
	uint8_t nonce[16] = {9}, c[200], bad[201];
	struct ntsd_cookie_plain p, q;
	struct ntsd_keyring r;
	size_t i, j, len;
	int bit;

	fixed_ring(&r);
	for (i = 0; i < 3; i++) {
		p = fixed_plain(aeads[i]);
		len = ntsd_cookie_seal(&r, &p, nonce, c, sizeof(c));
		CHECK(len > 0);
		for (j = 0; j < len; j++) {
			for (bit = 0; bit < 8; bit++) {
				memcpy(bad, c, len);
				bad[j] ^= (uint8_t)(1u << bit);
				memset(&q, 0xee, sizeof(q));
				if (ntsd_cookie_open(&r, bad, len, &q) != -1 || !plain_zero(&q)) {
					fprintf(stderr,
					        "  aead %u: flip of byte %zu bit %d opened\n",
					        aeads[i], j, bit);
					CHECK(0);
				}
			}
		}
		/* every truncation, and longer ones */
		for (j = 0; j < len; j++) {
			memset(&q, 0xee, sizeof(q));
			CHECK_EQ_INT(ntsd_cookie_open(&r, c, j, &q), -1);
			CHECK(plain_zero(&q));
		}
		memcpy(bad, c, len);
		bad[len] = 0;
		CHECK_EQ_INT(ntsd_cookie_open(&r, bad, len + 1, &q), -1);
		CHECK_EQ_INT(ntsd_cookie_open(&r, c, len, &q), 0);
	}
	/* unknown key id (also with the tag otherwise right for some key) */
	p = fixed_plain(15);
	len = ntsd_cookie_seal(&r, &p, nonce, c, sizeof(c));
	c[3] = 9;
	CHECK_EQ_INT(ntsd_cookie_open(&r, c, len, &q), -1);
	CHECK(plain_zero(&q));
	/* empty ring opens nothing */
	c[3] = 3;
	CHECK_EQ_INT(ntsd_cookie_open(&r, c, len, &q), 0);
	ntsd_keyring_wipe(&r);
	CHECK_EQ_INT(ntsd_cookie_open(&r, c, len, &q), -1);
}

static void rotation(void)
{
	uint8_t key[NTSD_COOKIE_KEY_LEN], nonce[16] = {1}, c[200];
	struct ntsd_cookie_plain p = fixed_plain(16), q;
	struct ntsd_keyring r;
	uint32_t last_id = 0;
	size_t len;
	int i;

	memset(&r, 0, sizeof(r));
	CHECK_EQ_INT(ntsd_keyring_age(&r, 1000), -1);
	memset(key, 0x31, sizeof(key));
	ntsd_keyring_rotate(&r, key, 1000);
	CHECK_EQ_INT(r.n, 1);
	CHECK_EQ_INT(r.k[r.cur].id, 1);
	CHECK_EQ_INT(ntsd_keyring_age(&r, 1500), 500);
	len = ntsd_cookie_seal(&r, &p, nonce, c, sizeof(c));
	CHECK_EQ_INT(len, 136);
	last_id = 1;
	for (i = 1; i <= NTSD_COOKIE_KEYS + 2; i++) {
		key[0] = (uint8_t)i;
		ntsd_keyring_rotate(&r, key, 1000 + i * 100);
		CHECK(r.k[r.cur].id > last_id);
		CHECK_EQ_INT(r.k[r.cur].id, last_id + 1);
		last_id = r.k[r.cur].id;
		CHECK_EQ_INT(r.n, i + 1 < NTSD_COOKIE_KEYS ? i + 1 : NTSD_COOKIE_KEYS);
		CHECK_EQ_INT(r.cur, r.n - 1);
		CHECK_EQ_INT(ntsd_keyring_age(&r, 1000 + i * 100 + 7), 7);
		/* the first cookie opens through NTSD_COOKIE_KEYS - 1 rotations only */
		memset(&q, 0, sizeof(q));
		if (i < NTSD_COOKIE_KEYS) {
			CHECK_EQ_INT(ntsd_cookie_open(&r, c, len, &q), 0);
			CHECK(same_plain(&p, &q));
		} else {
			CHECK_EQ_INT(ntsd_cookie_open(&r, c, len, &q), -1);
		}
	}
	/* the dropped slots are wiped: no copy of key 1 left anywhere */
	for (i = 0; i < NTSD_COOKIE_KEYS; i++)
		CHECK(r.k[i].id != 1);
	/* ids stay unique even from a hand-made ring whose current is not the newest */
	r.cur = 0;
	ntsd_keyring_rotate(&r, key, 5000);
	CHECK_EQ_INT(r.n, NTSD_COOKIE_KEYS);
	CHECK(r.k[0].id != r.k[1].id && r.k[1].id != r.k[2].id && r.k[0].id != r.k[2].id);
	ntsd_keyring_wipe(&r);
	CHECK_EQ_INT(r.n, 0);
}

/* Rewrite the CRC of an encoded ring after an edit. */
static void fix_crc(uint8_t *b, size_t len)
{
	uint32_t crc = tg_crc32(0, b, len - 4);

	b[len - 4] = (uint8_t)(crc >> 24);
	b[len - 3] = (uint8_t)(crc >> 16);
	b[len - 2] = (uint8_t)(crc >> 8);
	b[len - 1] = (uint8_t)crc;
}

static void expect_refused(const uint8_t *b, size_t len, const char *what)
{
	struct ntsd_keyring r;
	char err[160];

	err[0] = '\0';
	memset(&r, 0xee, sizeof(r));
	CHECK_EQ_INT(ntsd_keyring_decode(b, len, &r, err, sizeof(err)), -1);
	if (!strstr(err, what)) {
		fprintf(stderr, "  error \"%s\" does not mention \"%s\"\n", err, what);
		CHECK(0);
	}
	CHECK_EQ_INT(r.n, 0);
	CHECK_EQ_INT(r.k[0].id, 0);
}

static void encode_decode(void)
{
	uint8_t b[NTSD_KEYRING_ENC_MAX + 8], e[NTSD_KEYRING_ENC_MAX + 8];
	struct ntsd_keyring r, d;
	char err[160];
	size_t len, n, i;

	/* the empty ring: 11 bytes */
	memset(&r, 0, sizeof(r));
	len = ntsd_keyring_encode(&r, b, sizeof(b));
	CHECK_EQ_INT(len, 11);
	CHECK_EQ_INT(ntsd_keyring_decode(b, len, &d, err, sizeof(err)), 0);
	CHECK_EQ_INT(d.n, 0);
	CHECK_EQ_INT(ntsd_keyring_age(&d, 5), -1);

	fixed_ring(&r);
	for (n = 1; n <= NTSD_COOKIE_KEYS; n++) {
		struct ntsd_keyring part = r;
		part.n = n;
		part.cur = n - 1;
		len = ntsd_keyring_encode(&part, b, sizeof(b));
		CHECK_EQ_INT(len, 11 + 44 * n);
		CHECK_EQ_INT(ntsd_keyring_encode(&part, b, len - 1), 0);
		CHECK_EQ_INT(ntsd_keyring_decode(b, len, &d, err, sizeof(err)), 0);
		CHECK(memcmp(&d, &part, sizeof(d)) == 0 ||
		      (d.n == part.n && d.cur == part.cur &&
		       memcmp(d.k, part.k, n * sizeof(d.k[0])) == 0));
		CHECK_EQ_INT(ntsd_keyring_encode(&d, e, sizeof(e)), len);
		CHECK(memcmp(b, e, len) == 0);
	}
	/* negative created survives */
	r.k[0].created = -5;
	len = ntsd_keyring_encode(&r, b, sizeof(b));
	CHECK_EQ_INT(ntsd_keyring_decode(b, len, &d, err, sizeof(err)), 0);
	CHECK_EQ_INT(d.k[0].created, -5);
	/* a ring this code would not write is not encoded */
	d = r;
	d.cur = 3;
	CHECK_EQ_INT(ntsd_keyring_encode(&d, e, sizeof(e)), 0);
	d.n = 4;
	d.cur = 0;
	CHECK_EQ_INT(ntsd_keyring_encode(&d, e, sizeof(e)), 0);

	fixed_ring(&r);
	len = ntsd_keyring_encode(&r, b, sizeof(b));
	CHECK_EQ_INT(len, NTSD_KEYRING_ENC_MAX);

	memcpy(e, b, len);
	e[0] = 'X';
	fix_crc(e, len);
	expect_refused(e, len, "magic 0x58");

	memcpy(e, b, len);
	e[4] = 2;
	fix_crc(e, len);
	expect_refused(e, len, "version 2, expected 1");

	memcpy(e, b, len);
	e[len - 1] ^= 1;
	expect_refused(e, len, "CRC");
	memcpy(e, b, len);
	e[20] ^= 0x40; /* a key byte */
	expect_refused(e, len, "CRC");

	memcpy(e, b, len);
	e[5] = 4;
	fix_crc(e, len);
	expect_refused(e, len, "count 4, expected 0..3");

	memcpy(e, b, len);
	e[5] = 2; /* count 2 but three entries: wrong length */
	fix_crc(e, len);
	expect_refused(e, len, "143 bytes, expected 99 for 2 keys");

	memcpy(e, b, len);
	e[6] = 3;
	fix_crc(e, len);
	expect_refused(e, len, "current index 3, expected 0..2");

	memcpy(e, b, len);
	memcpy(e + 7 + 2 * 44, e + 7 + 44, 4); /* id of entry 2 = id of entry 1 */
	fix_crc(e, len);
	expect_refused(e, len, "key id 2 appears twice");

	/* the empty ring with a current index */
	memset(&r, 0, sizeof(r));
	n = ntsd_keyring_encode(&r, e, sizeof(e));
	e[6] = 1;
	fix_crc(e, n);
	expect_refused(e, n, "current index 1");

	for (i = 0; i < len; i++) {
		if (i < 11)
			expect_refused(b, i, "expected at least 11");
		else
			expect_refused(b, i, "expected 143 for 3 keys");
	}
	memcpy(e, b, len);
	e[len] = 0;
	expect_refused(e, len + 1, "144 bytes, expected 143");
	/* NULL err is allowed */
	CHECK_EQ_INT(ntsd_keyring_decode(b, 3, &d, NULL, 0), -1);
}

static int count_entries(const char *dir)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static void files(void)
{
	char dir[] = "/tmp/test_cookie.XXXXXX", path[256], tmp[300], err[300];
	struct ntsd_keyring r, l;
	struct stat st;
	uint8_t big[NTSD_KEYRING_ENC_MAX + 10];
	int fd;

	if (!mkdtemp(dir)) {
		CHECK(0);
		return;
	}
	snprintf(path, sizeof(path), "%s/cookie-keys", dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);

	memset(&l, 0xee, sizeof(l));
	CHECK_EQ_INT(ntsd_keyring_load(path, &l, err, sizeof(err)), 1);
	CHECK_EQ_INT(l.n, 0);

	fixed_ring(&r);
	err[0] = '\0';
	CHECK_EQ_INT(ntsd_keyring_save(path, &r, err, sizeof(err)), 0);
	if (err[0])
		fprintf(stderr, "  %s\n", err);
	CHECK_EQ_INT(stat(path, &st), 0);
	CHECK_EQ_INT(st.st_mode & 07777, 0600);
	CHECK_EQ_INT(st.st_size, NTSD_KEYRING_ENC_MAX);
	CHECK_EQ_INT(count_entries(dir), 1);
	CHECK_EQ_INT(ntsd_keyring_load(path, &l, err, sizeof(err)), 0);
	CHECK(l.n == r.n && l.cur == r.cur && memcmp(l.k, r.k, sizeof(r.k)) == 0);

	/* a stale world-readable path.tmp does not leak its mode */
	fd = open(tmp, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	CHECK(fd >= 0);
	if (fd >= 0) {
		CHECK_EQ_INT(fchmod(fd, 0644), 0);
		close(fd);
	}
	ntsd_keyring_rotate(&r, r.k[0].key, 1800000000);
	CHECK_EQ_INT(ntsd_keyring_save(path, &r, err, sizeof(err)), 0);
	CHECK_EQ_INT(stat(path, &st), 0);
	CHECK_EQ_INT(st.st_mode & 07777, 0600);
	CHECK_EQ_INT(count_entries(dir), 1);
	CHECK_EQ_INT(ntsd_keyring_load(path, &l, err, sizeof(err)), 0);
	CHECK_EQ_INT(l.k[l.cur].id, 4);

	/* a link planted at path.tmp is not followed */
	CHECK_EQ_INT(symlink("/nonexistent-target", tmp), 0);
	CHECK_EQ_INT(ntsd_keyring_save(path, &r, err, sizeof(err)), -1);
	CHECK(strstr(err, ".tmp: open:") != NULL);
	unlink(tmp);

	/* corrupt, too long, not a regular file */
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	CHECK(fd >= 0);
	memset(big, 0x41, sizeof(big));
	if (fd >= 0) {
		CHECK_EQ_INT(write(fd, big, 20), 20);
		close(fd);
	}
	CHECK_EQ_INT(ntsd_keyring_load(path, &l, err, sizeof(err)), -1);
	CHECK(strstr(err, path) != NULL && strstr(err, "magic") != NULL);
	CHECK_EQ_INT(l.n, 0);
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd >= 0) {
		CHECK_EQ_INT(write(fd, big, sizeof(big)), (long)sizeof(big));
		close(fd);
	}
	CHECK_EQ_INT(ntsd_keyring_load(path, &l, err, sizeof(err)), -1);
	CHECK(strstr(err, "more than 143 bytes, expected at most 143") != NULL);
	unlink(path);
	CHECK_EQ_INT(mkdir(path, 0700), 0);
	CHECK_EQ_INT(ntsd_keyring_load(path, &l, err, sizeof(err)), -1);
	CHECK(strstr(err, "not a regular file") != NULL);
	rmdir(path);

	/* save into a missing folder fails with the reason */
	snprintf(path, sizeof(path), "%s/missing/cookie-keys", dir);
	CHECK_EQ_INT(ntsd_keyring_save(path, &r, err, sizeof(err)), -1);
	CHECK(strstr(err, strerror(ENOENT)) != NULL);

	CHECK_EQ_INT(count_entries(dir), 0);
	CHECK_EQ_INT(rmdir(dir), 0);
	ntsd_keyring_wipe(&r);
	ntsd_keyring_wipe(&l);
}

static void age_saturates(void)
{
	struct ntsd_keyring r;
	uint8_t key[NTSD_COOKIE_KEY_LEN] = {0};

	memset(&r, 0, sizeof(r));
	ntsd_keyring_rotate(&r, key, INT64_MIN);
	CHECK_EQ_INT(ntsd_keyring_age(&r, INT64_MAX), INT64_MAX);
	r.k[r.cur].created = INT64_MAX;
	CHECK_EQ_INT(ntsd_keyring_age(&r, INT64_MIN), INT64_MIN);
	r.k[r.cur].created = 100;
	CHECK_EQ_INT(ntsd_keyring_age(&r, 50), -50);
	ntsd_keyring_wipe(&r);
}

int main(void)
{
	check_seed();
	RUN(golden);
	RUN(round_trip);
	RUN(tampering);
	RUN(rotation);
	RUN(encode_decode);
	RUN(files);
	RUN(age_saturates);
	return check_exit();
}
