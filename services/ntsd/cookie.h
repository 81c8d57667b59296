/*
 * cookie.h - ntsd's stateless NTS cookies and the master-key ring they
 * are sealed under.
 *
 * A cookie (RFC 8915 6) carries the client's session keys back to the
 * server, sealed so only the server can read it:
 *
 *     key id (4, big-endian) | nonce (16) | AES-SIV-CMAC-256 (tag 16 | ciphertext)
 *     plaintext: AEAD id (2, big-endian) | 0 (2) | c2s key | s2c key (each tg_siv_key_len(aead))
 *     associated data: the 4-byte key id
 *
 * so 104 bytes for AEAD 15, 136 for 16 and 168 for 17: multiples of 4, as
 * the NTP extension fields that carry them back are.  The master keys form a ring:
 * the current key seals, the current and the NTSD_COOKIE_KEYS - 1
 * previous ones open (the grace period: NTSD_COOKIE_KEYS - 1 rotation
 * intervals).  main owns the ring: it loads it from the data partition,
 * rotates it on schedule, saves it (atomic replace, mode 0600) and sends
 * a copy to the ke and ntp roles; they only seal and open.
 *
 * Persistent form (NTSD_KEYS_FILE): "TGCK", version (1), count, current
 * index, count x {id u32, created unix s i64, key[32]}, CRC-32 of all
 * before it; integers big-endian.  Pure encode/decode functions below;
 * ntsd_keyring_load/save do the file I/O.
 */
#ifndef NTSD_COOKIE_H
#define NTSD_COOKIE_H

#include <stddef.h>
#include <stdint.h>

#include "nts.h"
#include "rng.h"

#define NTSD_COOKIE_KEYS     3  /* current + 2 previous */
#define NTSD_COOKIE_KEY_LEN  32 /* AES-SIV-CMAC-256 master key */
#define NTSD_COOKIE_OVERHEAD (4 + 16 + 16 + 4)
#define NTSD_KEYS_FILE       "/data/ntsd/cookie-keys"
#define NTSD_KEYRING_ENC_MAX (4 + 1 + 1 + 1 + NTSD_COOKIE_KEYS * (4 + 8 + 32) + 4)

struct ntsd_cookie_key {
	uint32_t id;
	int64_t created; /* unix seconds */
	uint8_t key[NTSD_COOKIE_KEY_LEN];
};

struct ntsd_keyring {
	size_t n;   /* keys held, 0..NTSD_COOKIE_KEYS */
	size_t cur; /* index of the sealing key (valid when n > 0) */
	struct ntsd_cookie_key k[NTSD_COOKIE_KEYS];
};

/* A cookie's content: the session's AEAD and its two keys. */
struct ntsd_cookie_plain {
	uint16_t aead; /* 15, 16 or 17 */
	uint8_t c2s[64], s2c[64];
};

/*
 * Seal plain under the ring's current key with the 16-byte nonce.
 * Returns the cookie length, or 0 (empty ring, unknown AEAD, cap small).
 */
size_t ntsd_cookie_seal(const struct ntsd_keyring *r, const struct ntsd_cookie_plain *plain,
                        const uint8_t nonce[16], uint8_t *out, size_t cap);

/*
 * n cookies for one session (an NTS-KE answer's eight, or an NTS answer's
 * one per cookie and placeholder received), each sealed with a fresh
 * nonce from rng into out[i], len[i] bytes; ptr[i] points at out[i] (the
 * form the NTS builders take).  0, or -1 as ntsd_cookie_seal fails.
 */
int ntsd_cookie_seal_n(const struct ntsd_keyring *r, const struct ntsd_cookie_plain *plain,
                       struct tg_rng *rng, size_t n, uint8_t (*out)[TG_NTS_COOKIE_MAX],
                       const uint8_t **ptr, size_t *len);

/*
 * Open a cookie from the network: 0 and *plain filled, or -1 (unknown
 * key id, wrong length for the AEAD inside, tag mismatch, bad AEAD id);
 * *plain is zeroed on failure.  Never reads outside c[0..len).
 */
int ntsd_cookie_open(const struct ntsd_keyring *r, const uint8_t *c, size_t len,
                     struct ntsd_cookie_plain *plain);

/*
 * Rotate: new_key becomes the current key with id (previous current id
 * + 1, or 1 on an empty ring) created at now; the oldest key beyond
 * NTSD_COOKIE_KEYS is dropped (wiped).
 */
void ntsd_keyring_rotate(struct ntsd_keyring *r, const uint8_t new_key[NTSD_COOKIE_KEY_LEN],
                         int64_t now);

/* Age of the current key in seconds (now - created); -1 on an empty ring. */
int64_t ntsd_keyring_age(const struct ntsd_keyring *r, int64_t now);

/* Encode / decode the persistent form (decode re-checks everything). */
size_t ntsd_keyring_encode(const struct ntsd_keyring *r, uint8_t *out, size_t cap);
int ntsd_keyring_decode(const uint8_t *buf, size_t len, struct ntsd_keyring *r, char *err,
                        size_t errlen);

/*
 * File I/O: load returns 0, 1 when the file does not exist (empty ring),
 * or -1 with err set (unreadable or corrupt: the caller decides; ntsd
 * starts a fresh ring and says so).  save writes path.tmp (0600), fsyncs,
 * renames over path and fsyncs the folder; 0 or -1 with err.
 */
int ntsd_keyring_load(const char *path, struct ntsd_keyring *r, char *err, size_t errlen);
int ntsd_keyring_save(const char *path, const struct ntsd_keyring *r, char *err, size_t errlen);

void ntsd_keyring_wipe(struct ntsd_keyring *r);

#endif
