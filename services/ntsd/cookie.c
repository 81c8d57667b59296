/*
 * cookie.c - ntsd's stateless NTS cookies and their master-key ring.
 *
 * Cookie (see cookie.h), big-endian:
 *
 *    off size field
 *      0   4  key id          which master key sealed it
 *      4  16  nonce           fresh per cookie (from the caller)
 *     20  16  SIV tag         AES-SIV-CMAC-256 under the master key,
 *     36   n  ciphertext      S2V over (key id, nonce, plaintext)
 *
 *    plaintext: AEAD id (2) | zero (2) | c2s key | s2c key, n = 4 + 2 * key length
 *
 * so 104, 136 or 168 bytes for AEAD 15, 16, 17: multiples of 4, so a
 * cookie comes back in an NTP extension field (padded to 4, RFC 7822)
 * exactly as it was issued; open accepts only those lengths, the zero
 * bytes, and an AEAD id that agrees with the length.
 *
 * Key-ring file, NTSD_KEYRING_ENC_MAX (143) bytes at most, big-endian:
 *
 *    off size field
 *      0   4  magic      "TGCK"
 *      4   1  version    1
 *      5   1  count      keys, 0..NTSD_COOKIE_KEYS
 *      6   1  current    index of the sealing key (< count; 0 when empty)
 *      7  44  per key:   id u32, created i64 (unix s), key[32]
 *    7+44n 4  CRC-32     IEEE (zlib) of all bytes before it
 *
 * Keys are stored oldest first; rotation drops the first when the ring
 * is full and appends the new one, which becomes current.
 */
#include "cookie.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aessiv.h"
#include "crc32.h"
#include "ct.h"
#include "fileio.h"
#include "log.h"

#define RING_MAGIC   0x5447434bu /* "TGCK" */
#define RING_VERSION 1
#define RING_HDR     7
#define RING_ENTRY   (4 + 8 + NTSD_COOKIE_KEY_LEN)
#define RING_LEN(n)  (RING_HDR + (size_t)(n)*RING_ENTRY + 4)

#define CK_ID    0
#define CK_NONCE 4
#define CK_SIV   20
#define CK_HDR   20 /* key id + nonce: the part before the sealed bytes */
#define PT_MAX   (4 + 2 * 64)

_Static_assert(RING_LEN(NTSD_COOKIE_KEYS) == NTSD_KEYRING_ENC_MAX, "ring layout");
_Static_assert(NTSD_COOKIE_OVERHEAD == CK_HDR + TG_SIV_TAG_LEN + 4, "cookie layout");
_Static_assert(NTSD_COOKIE_KEYS < 256, "count fits a byte");

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)(v >> 32));
	put32(p + 4, (uint32_t)v);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t get64(const uint8_t *p)
{
	return (uint64_t)get32(p) << 32 | get32(p + 4);
}

/* ---------------------------------------------------------------- cookies */

/*
 * Keyed AES-SIV contexts of the master keys in use, so that a cookie
 * does not redo the key expansion (two AES key schedules and two block
 * encryptions, a quarter of an NTS request's crypto).  A slot matches a
 * ring key by id and by the key bytes (compared in constant time), so a
 * ring that changes under the cache can never seal or open with a stale
 * key; a miss keys the slot again.  Per process (the ke and ntp roles are
 * single-threaded), wiped by ntsd_keyring_wipe.
 */
static struct {
	int used;
	uint32_t id;
	uint8_t key[NTSD_COOKIE_KEY_LEN];
	struct tg_siv siv;
} ctx_cache[NTSD_COOKIE_KEYS];
static size_t ctx_next; /* the slot a miss replaces */

static const struct tg_siv *master_ctx(const struct ntsd_cookie_key *k)
{
	size_t i;

	for (i = 0; i < NTSD_COOKIE_KEYS; i++)
		if (ctx_cache[i].used && ctx_cache[i].id == k->id &&
		    tg_ct_eq(ctx_cache[i].key, k->key, NTSD_COOKIE_KEY_LEN))
			return &ctx_cache[i].siv;
	i = ctx_next;
	ctx_next = (ctx_next + 1) % NTSD_COOKIE_KEYS;
	tg_wipe(&ctx_cache[i], sizeof(ctx_cache[i]));
	if (tg_siv_init(&ctx_cache[i].siv, k->key, NTSD_COOKIE_KEY_LEN) < 0)
		return NULL;
	ctx_cache[i].id = k->id;
	memcpy(ctx_cache[i].key, k->key, NTSD_COOKIE_KEY_LEN);
	ctx_cache[i].used = 1;
	return &ctx_cache[i].siv;
}

size_t ntsd_cookie_seal(const struct ntsd_keyring *r, const struct ntsd_cookie_plain *plain,
                        const uint8_t nonce[16], uint8_t *out, size_t cap)
{
	const struct ntsd_cookie_key *k;
	const struct tg_siv *s;
	uint8_t pt[PT_MAX];
	size_t klen, pt_len, n;

	if (r->n == 0 || r->n > NTSD_COOKIE_KEYS || r->cur >= r->n)
		return 0;
	klen = tg_siv_key_len(plain->aead);
	if (!klen)
		return 0;
	pt_len = 4 + 2 * klen;
	if (cap < CK_HDR + TG_SIV_TAG_LEN + pt_len)
		return 0;
	k = &r->k[r->cur];
	pt[0] = (uint8_t)(plain->aead >> 8);
	pt[1] = (uint8_t)plain->aead;
	pt[2] = pt[3] = 0;
	memcpy(pt + 4, plain->c2s, klen);
	memcpy(pt + 4 + klen, plain->s2c, klen);
	put32(out + CK_ID, k->id);
	memcpy(out + CK_NONCE, nonce, 16);
	s = master_ctx(k);
	if (!s) {
		tg_wipe(pt, sizeof(pt));
		return 0;
	}
	n = tg_siv_seal(s, out + CK_NONCE, 16, out + CK_ID, 4, pt, pt_len, out + CK_SIV,
	                cap - CK_SIV);
	tg_wipe(pt, sizeof(pt));
	return n ? CK_SIV + n : 0;
}

int ntsd_cookie_seal_n(const struct ntsd_keyring *r, const struct ntsd_cookie_plain *plain,
                       struct tg_rng *rng, size_t n, uint8_t (*out)[TG_NTS_COOKIE_MAX],
                       const uint8_t **ptr, size_t *len)
{
	uint8_t nonce[16];
	size_t i;

	for (i = 0; i < n; i++) {
		tg_rng_bytes(rng, nonce, sizeof(nonce));
		len[i] = ntsd_cookie_seal(r, plain, nonce, out[i], TG_NTS_COOKIE_MAX);
		ptr[i] = out[i];
		if (len[i] == 0)
			return -1;
	}
	return 0;
}

int ntsd_cookie_open(const struct ntsd_keyring *r, const uint8_t *c, size_t len,
                     struct ntsd_cookie_plain *plain)
{
	const struct ntsd_cookie_key *k = NULL;
	uint8_t pt[PT_MAX];
	size_t i, klen;
	uint32_t id;
	uint16_t aead;
	const struct tg_siv *s;
	long n;

	memset(plain, 0, sizeof(*plain));
	/* only the three lengths a cookie can have: 36 + 4 + 2 * (32, 48 or 64) */
	if (len != NTSD_COOKIE_OVERHEAD + 64 && len != NTSD_COOKIE_OVERHEAD + 96 &&
	    len != NTSD_COOKIE_OVERHEAD + 128)
		return -1;
	id = get32(c + CK_ID);
	for (i = 0; i < r->n && i < NTSD_COOKIE_KEYS; i++)
		if (r->k[i].id == id) {
			k = &r->k[i];
			break;
		}
	if (!k)
		return -1;
	s = master_ctx(k);
	if (!s)
		return -1;
	n = tg_siv_open(s, c + CK_NONCE, 16, c + CK_ID, 4, c + CK_SIV, len - CK_SIV, pt,
	                sizeof(pt));
	if (n < 4) {
		tg_wipe(pt, sizeof(pt));
		return -1;
	}
	/* authentic, so made by us: still, the AEAD id must agree with the length */
	aead = (uint16_t)(pt[0] << 8 | pt[1]);
	klen = tg_siv_key_len(aead);
	if (!klen || (size_t)n != 4 + 2 * klen || pt[2] != 0 || pt[3] != 0) {
		tg_wipe(pt, sizeof(pt));
		return -1;
	}
	plain->aead = aead;
	memcpy(plain->c2s, pt + 4, klen);
	memcpy(plain->s2c, pt + 4 + klen, klen);
	tg_wipe(pt, sizeof(pt));
	return 0;
}

/* ---------------------------------------------------------------- the ring */

static int id_in_use(const struct ntsd_keyring *r, uint32_t id)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (r->k[i].id == id)
			return 1;
	return 0;
}

void ntsd_keyring_rotate(struct ntsd_keyring *r, const uint8_t new_key[NTSD_COOKIE_KEY_LEN],
                         int64_t now)
{
	struct ntsd_cookie_key *k;
	uint32_t id = 1;

	if (r->n > NTSD_COOKIE_KEYS || (r->n && r->cur >= r->n))
		ntsd_keyring_wipe(r); /* not a ring this code made: start over */
	if (r->n)
		id = r->k[r->cur].id + 1;
	if (r->n == NTSD_COOKIE_KEYS) {
		/* drop the oldest (the first) */
		tg_wipe(&r->k[0], sizeof(r->k[0]));
		memmove(&r->k[0], &r->k[1], (NTSD_COOKIE_KEYS - 1) * sizeof(r->k[0]));
		r->n--;
		tg_wipe(&r->k[r->n], sizeof(r->k[0]));
	}
	/* never 0, never one still in the ring (only after 2^32 rotations) */
	while (id == 0 || id_in_use(r, id))
		id++;
	k = &r->k[r->n];
	k->id = id;
	k->created = now;
	memcpy(k->key, new_key, NTSD_COOKIE_KEY_LEN);
	r->cur = r->n;
	r->n++;
}

int64_t ntsd_keyring_age(const struct ntsd_keyring *r, int64_t now)
{
	int64_t created;

	if (r->n == 0 || r->n > NTSD_COOKIE_KEYS || r->cur >= r->n)
		return -1;
	created = r->k[r->cur].created;
	/* saturate rather than overflow (created comes from a file) */
	if (created < 0 && now > INT64_MAX + created)
		return INT64_MAX;
	if (created > 0 && now < INT64_MIN + created)
		return INT64_MIN;
	return now - created;
}

void ntsd_keyring_wipe(struct ntsd_keyring *r)
{
	tg_wipe(r, sizeof(*r));
	tg_wipe(ctx_cache, sizeof(ctx_cache));
}

size_t ntsd_keyring_encode(const struct ntsd_keyring *r, uint8_t *out, size_t cap)
{
	size_t i, len;

	if (r->n > NTSD_COOKIE_KEYS || (r->n ? r->cur >= r->n : r->cur != 0))
		return 0;
	len = RING_LEN(r->n);
	if (cap < len)
		return 0;
	put32(out, RING_MAGIC);
	out[4] = RING_VERSION;
	out[5] = (uint8_t)r->n;
	out[6] = (uint8_t)r->cur;
	for (i = 0; i < r->n; i++) {
		uint8_t *e = out + RING_HDR + i * RING_ENTRY;

		put32(e, r->k[i].id);
		put64(e + 4, (uint64_t)r->k[i].created);
		memcpy(e + 12, r->k[i].key, NTSD_COOKIE_KEY_LEN);
	}
	put32(out + len - 4, tg_crc32(0, out, len - 4));
	return len;
}

int ntsd_keyring_decode(const uint8_t *buf, size_t len, struct ntsd_keyring *r, char *err,
                        size_t errlen)
{
	uint32_t magic, crc, want_crc;
	size_t i, j, count, cur;

	memset(r, 0, sizeof(*r));
	if (len < RING_LEN(0))
		return tg_fail(err, errlen, "%zu bytes, expected at least %zu", len, RING_LEN(0));
	magic = get32(buf);
	if (magic != RING_MAGIC)
		return tg_fail(err, errlen, "magic 0x%08x, expected 0x%08x (\"TGCK\")", magic,
		               RING_MAGIC);
	if (buf[4] != RING_VERSION)
		return tg_fail(err, errlen, "version %u, expected %d", buf[4], RING_VERSION);
	count = buf[5];
	cur = buf[6];
	if (count > NTSD_COOKIE_KEYS)
		return tg_fail(err, errlen, "count %zu, expected 0..%d", count, NTSD_COOKIE_KEYS);
	if (len != RING_LEN(count))
		return tg_fail(err, errlen, "%zu bytes, expected %zu for %zu keys", len,
		               RING_LEN(count), count);
	crc = get32(buf + len - 4);
	want_crc = tg_crc32(0, buf, len - 4);
	if (crc != want_crc)
		return tg_fail(err, errlen, "CRC 0x%08x, expected 0x%08x", crc, want_crc);
	if (count ? cur >= count : cur != 0)
		return tg_fail(err, errlen, "current index %zu, expected %s%zu", cur,
		               count ? "0.." : "", count ? count - 1 : 0);
	for (i = 0; i < count; i++)
		for (j = 0; j < i; j++)
			if (get32(buf + RING_HDR + i * RING_ENTRY) ==
			    get32(buf + RING_HDR + j * RING_ENTRY))
				return tg_fail(err, errlen,
				               "key id %u appears twice (entries %zu, %zu)",
				               get32(buf + RING_HDR + i * RING_ENTRY), j, i);

	r->n = count;
	r->cur = cur;
	for (i = 0; i < count; i++) {
		const uint8_t *e = buf + RING_HDR + i * RING_ENTRY;

		r->k[i].id = get32(e);
		r->k[i].created = (int64_t)get64(e + 4);
		memcpy(r->k[i].key, e + 12, NTSD_COOKIE_KEY_LEN);
	}
	return 0;
}

/* ---------------------------------------------------------------- files */

int ntsd_keyring_load(const char *path, struct ntsd_keyring *r, char *err, size_t errlen)
{
	/* one byte more than the largest ring, to tell "too long" from "exact" */
	uint8_t buf[NTSD_KEYRING_ENC_MAX + 1];
	char why[160];
	struct stat st;
	size_t n;
	ssize_t got;
	int fd, saved, rc;

	ntsd_keyring_wipe(r);
	/* openat(2), O_NONBLOCK: as lib/timestatus.c (sandbox, planted FIFOs) */
	fd = openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		saved = errno;
		if (saved == ENOENT)
			return 1;
		return tg_fail(err, errlen, "%s: %s", path, strerror(saved));
	}
	if (fstat(fd, &st) < 0) {
		saved = errno;
		close(fd);
		return tg_fail(err, errlen, "%s: fstat: %s", path, strerror(saved));
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return tg_fail(err, errlen, "%s: not a regular file (mode 0%o), expected one", path,
		               (unsigned)st.st_mode);
	}
	got = tg_read_full(fd, buf, sizeof(buf));
	saved = errno;
	close(fd);
	if (got < 0) {
		tg_wipe(buf, sizeof(buf));
		return tg_fail(err, errlen, "%s: read: %s", path, strerror(saved));
	}
	n = (size_t)got;
	if (n > NTSD_KEYRING_ENC_MAX) {
		tg_wipe(buf, sizeof(buf));
		return tg_fail(err, errlen, "%s: more than %d bytes, expected at most %d", path,
		               NTSD_KEYRING_ENC_MAX, NTSD_KEYRING_ENC_MAX);
	}
	rc = ntsd_keyring_decode(buf, n, r, why, sizeof(why));
	tg_wipe(buf, sizeof(buf));
	if (rc < 0)
		return tg_fail(err, errlen, "%s: %s", path, why);
	return 0;
}

int ntsd_keyring_save(const char *path, const struct ntsd_keyring *r, char *err, size_t errlen)
{
	uint8_t buf[NTSD_KEYRING_ENC_MAX];
	char tmp[4096];
	size_t len;
	int fd, saved;
	const char *step;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return tg_fail(err, errlen, "%s: path too long", path);
	len = ntsd_keyring_encode(r, buf, sizeof(buf));
	if (!len)
		return tg_fail(err, errlen, "%s: ring not encodable (%zu keys, current %zu)", path,
		               r->n, r->cur);
	/* O_NOFOLLOW: never write keys through a link planted at path.tmp */
	fd = openat(AT_FDCWD, tmp, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		saved = errno;
		tg_wipe(buf, sizeof(buf));
		return tg_fail(err, errlen, "%s: open: %s", tmp, strerror(saved));
	}
	/* a stale path.tmp keeps its old mode through O_TRUNC: force 0600 */
	step = "fchmod";
	if (fchmod(fd, 0600) < 0)
		goto fail_fd;
	step = "write";
	if (tg_write_all(fd, buf, len) < 0)
		goto fail_fd;
	step = "fsync";
	if (fsync(fd) < 0)
		goto fail_fd;
	step = "close";
	if (close(fd) < 0) {
		fd = -1;
		goto fail_fd;
	}
	fd = -1;
	step = "rename";
	if (rename(tmp, path) < 0)
		goto fail_fd;
	tg_wipe(buf, sizeof(buf));
	if (tg_fsync_parent(path) < 0)
		return tg_fail(err, errlen, "%s: written, but fsync of its folder: %s", path,
		               strerror(errno));
	return 0;

fail_fd:
	saved = errno;
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	tg_wipe(buf, sizeof(buf));
	return tg_fail(err, errlen, "%s: %s: %s", tmp, step, strerror(saved));
}
