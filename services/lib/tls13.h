/*
 * tls13.h - a compact TLS 1.3 (RFC 8446) server and client on BearSSL's
 * primitives, for NTS-KE (RFC 8915) and nothing more general.
 *
 * What it does: full 1-RTT handshakes with X25519 or secp256r1 key
 * shares and HelloRetryRequest when the client's shares fit neither;
 * TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384,
 * TLS_CHACHA20_POLY1305_SHA256; the server signs with an ECDSA P-256 key
 * (ecdsa_secp256r1_sha256); the client validates the server's chain with
 * BearSSL's x509 minimal engine against its trust anchors and the server
 * name, and accepts ecdsa_secp256r1_sha256, rsa_pss_rsae_sha256/384/512
 * and rsa_pkcs1 never (RFC 8446 4.4.3 forbids it in CertificateVerify);
 * ALPN; the exporter of RFC 8446 7.5.  What it does not: PSK, resumption,
 * 0-RTT, client certificates (a CertificateRequest fails the handshake),
 * TLS 1.2 and below (answered with a protocol_version alert), record
 * size limit extensions, key update (a KeyUpdate is answered with an
 * unexpected_message alert: NTS-KE sessions are short).
 *
 * Sans-I/O, as BearSSL's engine: the caller moves bytes.
 *   - received bytes go in with tg_tls_feed();
 *   - bytes to send come out of tg_tls_pending()/tg_tls_sent();
 *     everything a flight needs is queued before the caller is told to
 *     send, so one write(2) carries a whole flight;
 *   - application data: tg_tls_read() / tg_tls_write() once
 *     tg_tls_state() is TG_TLS_ESTABLISHED.
 * No allocation: struct tg_tls holds every buffer, sized by the record
 * limit (2^14 plaintext + 256).  Secrets are wiped by tg_tls_wipe() and
 * when they are no longer needed (handshake secrets after the
 * handshake).  Every error is sticky: once TG_TLS_FAILED, nothing more
 * happens except that the alert (if any) is still offered to send.
 */
#ifndef TG_TLS13_H
#define TG_TLS13_H

#include <stddef.h>
#include <stdint.h>

#include <bearssl.h>

#define TG_TLS_RECORD_MAX  (16384 + 256) /* TLSCiphertext fragment limit */
#define TG_TLS_HS_MAX      16384         /* largest handshake message accepted */
#define TG_TLS_ALPN_MAX    8             /* protocols offered or accepted */
#define TG_TLS_ALPN_LEN    32            /* longest protocol name + 1 */
#define TG_TLS_NAME_LEN    256           /* server name + 1 */
#define TG_TLS_CHAIN_MAX   4             /* certificates in the server's chain */

/* Cipher suites (IANA values) and groups. */
#define TG_TLS_AES_128_GCM_SHA256       0x1301
#define TG_TLS_AES_256_GCM_SHA384       0x1302
#define TG_TLS_CHACHA20_POLY1305_SHA256 0x1303
#define TG_TLS_GROUP_SECP256R1          0x0017
#define TG_TLS_GROUP_X25519             0x001d

enum tg_tls_state {
	TG_TLS_HANDSHAKE = 0, /* in progress */
	TG_TLS_ESTABLISHED,   /* application data may flow */
	TG_TLS_CLOSED,        /* close_notify received (or sent and the peer is done) */
	TG_TLS_FAILED,        /* fatal error: see tg_tls_error(); an alert may be pending */
};

/* Alert descriptions (RFC 8446 6). */
enum tg_tls_alert {
	TG_TLS_ALERT_CLOSE_NOTIFY = 0,
	TG_TLS_ALERT_UNEXPECTED_MESSAGE = 10,
	TG_TLS_ALERT_BAD_RECORD_MAC = 20,
	TG_TLS_ALERT_RECORD_OVERFLOW = 22,
	TG_TLS_ALERT_HANDSHAKE_FAILURE = 40,
	TG_TLS_ALERT_BAD_CERTIFICATE = 42,
	TG_TLS_ALERT_UNSUPPORTED_CERTIFICATE = 43,
	TG_TLS_ALERT_CERTIFICATE_EXPIRED = 45,
	TG_TLS_ALERT_CERTIFICATE_UNKNOWN = 46,
	TG_TLS_ALERT_ILLEGAL_PARAMETER = 47,
	TG_TLS_ALERT_UNKNOWN_CA = 48,
	TG_TLS_ALERT_DECODE_ERROR = 50,
	TG_TLS_ALERT_DECRYPT_ERROR = 51,
	TG_TLS_ALERT_PROTOCOL_VERSION = 70,
	TG_TLS_ALERT_INTERNAL_ERROR = 80,
	TG_TLS_ALERT_MISSING_EXTENSION = 109,
	TG_TLS_ALERT_UNSUPPORTED_EXTENSION = 110,
	TG_TLS_ALERT_UNRECOGNIZED_NAME = 112,
	TG_TLS_ALERT_NO_APPLICATION_PROTOCOL = 120,
};

/*
 * Configuration; the caller keeps it (and everything it points to)
 * alive and unchanged for the life of every connection using it.
 */
struct tg_tls_config {
	int is_server;
	/* both: ALPN protocols; the server picks the first of its own list the
	 * client offers (none in common: no_application_protocol alert); the
	 * client offers them in this order.  n_alpn 0: no ALPN. */
	const char *alpn[TG_TLS_ALPN_MAX];
	size_t n_alpn;
	/* server: a client that offers no ALPN at all is served without one
	 * (RFC 7301: HTTPS clients need not send it); NTS-KE keeps 0, since
	 * RFC 8915 requires "ntske/1" */
	int alpn_optional;
	/* both: suites and groups allowed, in preference order (the server's
	 * order wins); 0-terminated; NULL: all three suites, X25519 then P-256.
	 * Tests narrow them to force a suite or a HelloRetryRequest. */
	const uint16_t *suites;
	const uint16_t *groups;
	/* server: its chain (leaf first, DER) and the leaf's P-256 key */
	const br_x509_certificate *chain;
	size_t chain_len;
	const br_ec_private_key *key;
	/* client: trust anchors and the name to check and send as SNI (a DNS
	 * name, or an IP literal: checked against the certificate but not sent
	 * as SNI, per RFC 6066); unix_time: the time for certificate validity,
	 * 0 for time(NULL) */
	const br_x509_trust_anchor *anchors;
	size_t n_anchors;
	const char *server_name;
	int64_t unix_time;
};

/* One connection.  Large (about 86 KiB): keep it in a fixed pool. */
struct tg_tls {
	/* private: layout may change, use the functions below */
	const struct tg_tls_config *cfg;
	const br_prng_class **rng;
	int state, err, alert_out, alert_in;
	int hs_state; /* where the handshake is (tls13.c: enum hs) */
	uint32_t flags;
	uint16_t suite, group;
	char alpn[TG_TLS_ALPN_LEN];
	/* transcript: both hashes run until the suite is known */
	br_sha256_context th256;
	br_sha384_context th384;
	/* secrets: at most SHA-384 size */
	uint8_t hs_secret[48], master_secret[48];
	uint8_t c_hs_ts[48], s_hs_ts[48], c_ap_ts[48], exporter_ms[48];
	/* record protection, read and write */
	struct tg_tls_dir {
		uint8_t key[32], iv[12];
		uint64_t seq;
		int on;
	} rd, wr;
	/* key share (ours), while the handshake runs */
	uint8_t ecdh_priv[32];
	uint8_t ecdh_pub[65];
	uint8_t client_random[32];
	uint8_t session_id[32];
	uint8_t session_id_len;
	/* client: certificate validation */
	br_x509_minimal_context x509;
	br_x509_pkey server_pkey;
	unsigned char server_pkey_buf[600];
	/* buffers */
	uint8_t in[5 + TG_TLS_RECORD_MAX];
	size_t in_len;
	uint8_t hs[TG_TLS_HS_MAX + 4];
	size_t hs_len;
	uint8_t app[TG_TLS_RECORD_MAX]; /* decrypted application data not yet read */
	size_t app_off, app_len;
	uint8_t out[2 * (5 + TG_TLS_RECORD_MAX)];
	size_t out_len;
};

/* Error codes (tg_tls_error(); 0 = none). */
enum tg_tls_err {
	TG_TLS_OK = 0,
	TG_TLS_EPROTO = 1,   /* the peer broke the protocol; alert_out says how */
	TG_TLS_EALERT = 2,   /* the peer sent a fatal alert (tg_tls_peer_alert) */
	TG_TLS_ECERT = 3,    /* client: certificate chain or name not valid */
	TG_TLS_ECRYPTO = 4,  /* decryption or signature check failed */
	TG_TLS_EVERSION = 5, /* peer does not speak TLS 1.3 */
	TG_TLS_EALPN = 6,    /* no common ALPN protocol */
	TG_TLS_ESPACE = 7,   /* a buffer limit of ours was reached */
	TG_TLS_ESTATE = 8,   /* API misuse (write before established, ...) */
};

/*
 * Start a connection.  rng: a seeded BearSSL PRNG (e.g. br_hmac_drbg)
 * used for randoms and key shares; the caller keeps it.  A client queues
 * its ClientHello at once.
 */
void tg_tls_init(struct tg_tls *t, const struct tg_tls_config *cfg, const br_prng_class **rng);

/*
 * Received bytes.  Consumes what it can (all of buf unless the state
 * became FAILED or CLOSED or app data is waiting to be read and the
 * buffer is full) and returns how many bytes it took.  Check the state
 * and tg_tls_pending() after each call.
 */
size_t tg_tls_feed(struct tg_tls *t, const uint8_t *buf, size_t len);

/* Bytes waiting to be sent (*len 0: none), and how many were sent. */
const uint8_t *tg_tls_pending(const struct tg_tls *t, size_t *len);
void tg_tls_sent(struct tg_tls *t, size_t n);

/* Application data: read up to cap bytes (0: none waiting). */
size_t tg_tls_read(struct tg_tls *t, uint8_t *buf, size_t cap);
/* Queue len bytes (split into records); 0, or -1 (state, or no space: ESPACE). */
int tg_tls_write(struct tg_tls *t, const uint8_t *buf, size_t len);
/* Queue close_notify. */
void tg_tls_close(struct tg_tls *t);

int tg_tls_state(const struct tg_tls *t);
int tg_tls_error(const struct tg_tls *t);
const char *tg_tls_strerror(int err);
int tg_tls_peer_alert(const struct tg_tls *t); /* alert received, or -1 */
int tg_tls_our_alert(const struct tg_tls *t);  /* alert we sent/queued, or -1 */
const char *tg_tls_alert_name(int alert);

/* After the handshake: the negotiated ALPN protocol ("" none), suite, group. */
const char *tg_tls_alpn(const struct tg_tls *t);
uint16_t tg_tls_suite(const struct tg_tls *t);
uint16_t tg_tls_group(const struct tg_tls *t);

/*
 * RFC 8446 7.5 exporter: TLS-Exporter(label, context, out_len) with the
 * negotiated hash.  0, or -1 before the handshake completed.
 */
int tg_tls_export(const struct tg_tls *t, const char *label, const uint8_t *context,
                  size_t context_len, uint8_t *out, size_t out_len);

/* Wipe every secret and buffer (call when the connection is done). */
void tg_tls_wipe(struct tg_tls *t);

/*
 * Key schedule building blocks, exposed for the RFC 8448 tests:
 * HKDF-Expand-Label (RFC 8446 7.1) and Derive-Secret with the hash of the
 * suite (SHA-256 for 0x1301/0x1303, SHA-384 for 0x1302).
 */
void tg_tls_expand_label(uint16_t suite, const uint8_t *secret, const char *label,
                         const uint8_t *ctx, size_t ctx_len, uint8_t *out, size_t out_len);
size_t tg_tls_hash_len(uint16_t suite);

/*
 * Record protection, exposed for the RFC 8448 tests: seal one record
 * (header + AEAD of inner plaintext content||type) with key/iv/seq of the
 * suite; returns the record length or 0 (out too small).  open: the
 * reverse; returns the inner plaintext length and *type, or -1.
 */
size_t tg_tls_seal_record(uint16_t suite, const uint8_t *key, const uint8_t *iv, uint64_t seq,
                          uint8_t type, const uint8_t *pt, size_t pt_len, uint8_t *out,
                          size_t cap);
long tg_tls_open_record(uint16_t suite, const uint8_t *key, const uint8_t *iv, uint64_t seq,
                        uint8_t *rec, size_t rec_len, uint8_t *type);

#endif
