/*
 * nts.h - Network Time Security (RFC 8915) message code over (buf, len):
 * the NTS-KE records (section 4) and the NTS extension fields of NTPv4
 * (section 5), for the server (ntsd) and the client (nts-query, timed's
 * cross-check).  Pure functions: no I/O, no allocation, no global state;
 * every bound checked before a read; errors name what was expected.
 *
 * NTS-KE record: 1 bit critical, 15 bits type, 16 bits body length, body.
 * NTP extension fields (RFC 7822 framing, lib/ntp.h parses it):
 *   0x0104 Unique Identifier (>= 32 bytes of random data)
 *   0x0204 NTS Cookie
 *   0x0304 NTS Cookie Placeholder (body of zeros, the cookie's size)
 *   0x0404 NTS Authenticator and Encrypted Extension Fields:
 *          nonce length (16), ciphertext length (16), nonce, padding to
 *          4, ciphertext, padding to 4; the ciphertext is AES-SIV over
 *          the packet up to this field (associated data) and the
 *          plaintext = encrypted extension fields (the server's new
 *          cookies).
 */
#ifndef TG_NTS_H
#define TG_NTS_H

#include <stddef.h>
#include <stdint.h>

#include "aessiv.h"
#include "ntp.h"

/* ---------------------------------------------------------------- NTS-KE */

#define TG_NTSKE_PORT      4460
#define TG_NTSKE_ALPN      "ntske/1"
#define TG_NTSKE_EXPORTER  "EXPORTER-network-time-security"
#define TG_NTSKE_MSG_MAX   4096 /* largest request/response we parse or build */
#define TG_NTS_COOKIE_MAX  256  /* largest cookie we keep or accept */
#define TG_NTS_COOKIES     8    /* cookies a KE response carries */
#define TG_NTS_PROTO_NTPV4 0

enum tg_ntske_rec {
	TG_NTSKE_END = 0,
	TG_NTSKE_NEXT_PROTO = 1,
	TG_NTSKE_ERROR = 2,
	TG_NTSKE_WARNING = 3,
	TG_NTSKE_AEAD = 4,
	TG_NTSKE_COOKIE = 5,
	TG_NTSKE_SERVER = 6,
	TG_NTSKE_PORT_REC = 7,
};

enum tg_ntske_error_code {
	TG_NTSKE_ERR_UNRECOGNIZED_CRITICAL = 0,
	TG_NTSKE_ERR_BAD_REQUEST = 1,
	TG_NTSKE_ERR_INTERNAL = 2,
};

/* Parse results. */
enum tg_nts_err {
	TG_NTS_OK = 0,
	TG_NTS_EINCOMPLETE = -1, /* KE: no End of Message yet; read more */
	TG_NTS_EMALFORMED = -2,  /* framing or a field broken */
	TG_NTS_ECRITICAL = -3,   /* KE: unknown record with the critical bit */
	TG_NTS_ENOPROTO = -4,    /* KE: no NTPv4 offered / granted */
	TG_NTS_ENOAEAD = -5,     /* KE: no AEAD in common */
	TG_NTS_EERROR = -6,      /* KE client: the server sent an Error record */
	TG_NTS_EAUTH = -7,       /* NTP: authenticator does not verify */
	TG_NTS_ENOCOOKIE = -8,   /* NTP server: no cookie / cookie not ours */
	TG_NTS_ESPACE = -9,      /* output too small */
	TG_NTS_ENAK = -10,       /* NTP client: server answered NTS NAK */
	TG_NTS_EMISMATCH = -11,  /* NTP client: unique identifier does not match */
};

const char *tg_nts_strerror(int err);

/*
 * What a client asked for in its KE request.  aeads[] in the client's
 * order (at most 8 kept; more is malformed); server/port requests are
 * recorded as seen.
 */
struct tg_ntske_request {
	int has_ntpv4; /* Next Protocol listed NTPv4 (0) */
	size_t n_aead;
	uint16_t aeads[8];
	char server[256]; /* "" none */
	int has_port;
	uint16_t port;
};

/*
 * Parse a complete client request buf[0..len) (records up to and
 * including End of Message; bytes after it are malformed).  Returns
 * TG_NTS_OK, TG_NTS_EINCOMPLETE (no End of Message yet, but what is
 * there is well formed and len < TG_NTSKE_MSG_MAX), or an error;
 * *err_code is then the Error record to answer (0 unrecognized critical
 * record, 1 bad request).  RFC 8915 4: Next Protocol and AEAD must each
 * appear exactly once with the critical bit set on Next Protocol;
 * a request carrying Error, Warning or New Cookie records is bad;
 * unknown non-critical records are ignored.  A well-formed request that
 * does not offer NTPv4 is TG_NTS_OK with has_ntpv4 = 0 (and one without
 * an AEAD of ours leaves tg_ntske_choose_aead() 0): the caller answers.
 */
int tg_ntske_parse_request(const uint8_t *buf, size_t len, struct tg_ntske_request *out,
                           uint16_t *err_code, char *err, size_t errlen);

/*
 * Choose the AEAD: the first of the client's list that the server
 * supports (15, then 16, 17 as the client orders them).  0 if none.
 */
uint16_t tg_ntske_choose_aead(const struct tg_ntske_request *req);

/*
 * Build the server's response: Next Protocol (NTPv4), AEAD, optional
 * NTPv4 Server (server_name non-NULL) and Port (port != 0) records, one
 * New Cookie record per cookies[i] (cookie_len[i] bytes), End of Message.
 * Returns the length or 0 if cap is too small.
 */
size_t tg_ntske_build_response(uint16_t aead, const char *server_name, uint16_t port,
                               const uint8_t *const *cookies, const size_t *cookie_len,
                               size_t n_cookies, uint8_t *out, size_t cap);

/* An Error record (critical) followed by End of Message. */
size_t tg_ntske_build_error(uint16_t code, uint8_t *out, size_t cap);

/* Client: request NTPv4 with the given AEADs (in order). */
size_t tg_ntske_build_request(const uint16_t *aeads, size_t n_aead, uint8_t *out, size_t cap);

/* What a client takes from the server's response. */
struct tg_ntske_response {
	uint16_t aead;
	char server[256]; /* "" : the KE server's own address */
	uint16_t port;    /* 0: 123 */
	size_t n_cookies;
	uint8_t cookies[TG_NTS_COOKIES][TG_NTS_COOKIE_MAX];
	size_t cookie_len[TG_NTS_COOKIES];
	uint16_t error_code; /* when TG_NTS_EERROR */
};

/*
 * Parse a complete response (as the request; Error or Warning record ->
 * EERROR with its code; no NTPv4 granted -> ENOPROTO; no AEAD, or one
 * lib/aessiv.h does not implement -> ENOAEAD: a client that offered only
 * some of 15..17 checks out->aead against its own list).
 */
int tg_ntske_parse_response(const uint8_t *buf, size_t len, struct tg_ntske_response *out,
                            char *err, size_t errlen);

/*
 * The exporter context of RFC 8915 5.1: protocol id (0 = NTPv4, 2
 * bytes), AEAD id (2 bytes), 0x00 for the client-to-server key or 0x01
 * for server-to-client.  Writes 5 bytes to ctx.
 */
void tg_ntske_exporter_context(uint16_t aead, int s2c, uint8_t ctx[5]);

/*
 * The two session keys of RFC 8915 5.1 from a completed TLS 1.3 session
 * (the server's ke role and the client alike): c2s and s2c get
 * tg_siv_key_len(aead) bytes each.  0, or -1 (unknown AEAD, handshake not
 * complete).
 */
struct tg_tls;
int tg_ntske_export_keys(const struct tg_tls *t, uint16_t aead, uint8_t *c2s, uint8_t *s2c);

/* ------------------------------------------------------------------ NTP */

#define TG_NTS_EF_UNIQUE_ID   0x0104
#define TG_NTS_EF_COOKIE      0x0204
#define TG_NTS_EF_PLACEHOLDER 0x0304
#define TG_NTS_EF_AUTH        0x0404
#define TG_NTS_UID_MIN        32 /* unique identifier body we accept at least */
#define TG_NTS_NONCE_LEN      16

/*
 * The NTS parts of a client request, located in a packet lib/ntp.h
 * parsed (offsets into the packet buffer).  Valid when tg_nts_request_scan
 * returned TG_NTS_OK: exactly one unique identifier (>= 32 bytes), one
 * cookie, placeholders (each the cookie's size, at most 7), and one
 * authenticator as the last extension field, with nothing else
 * after it; unknown fields before the authenticator are allowed.
 */
struct tg_nts_request {
	uint16_t uid_off, uid_len;       /* body of the unique identifier */
	uint16_t cookie_off, cookie_len; /* body of the cookie (with its padding to 4) */
	size_t n_placeholders;
	uint16_t auth_off; /* header of the authenticator field = end of the AD */
	uint16_t nonce_off, nonce_len;
	uint16_t ct_off, ct_len;
};

int tg_nts_request_scan(const uint8_t *pkt, const struct tg_ntp_packet *p,
                        struct tg_nts_request *out, char *err, size_t errlen);

/*
 * Verify the request's authenticator with the client-to-server key:
 * AD = pkt[0..auth_off), nonce, ciphertext.  The plaintext (encrypted
 * extension fields the client sent, normally none) is discarded.
 * TG_NTS_OK or TG_NTS_EAUTH.
 */
int tg_nts_request_verify(const uint8_t *pkt, const struct tg_nts_request *r,
                          const struct tg_siv *c2s);

/*
 * Append to a response header (resp[0..48) built by tg_ntp_build_response)
 * the unique identifier copied from the request and an authenticator
 * sealed with the server-to-client key over resp[0..) so far, whose
 * plaintext is one NTS Cookie field per new cookie (1 + the request's
 * placeholders).  nonce: 16 fresh random bytes.  Returns the response
 * length, or 0 if it would be longer than max_len (the request's length:
 * a response is never larger than its request) or cap.
 */
size_t tg_nts_build_response(uint8_t *resp, size_t cap, size_t max_len, const uint8_t *req_pkt,
                             const struct tg_nts_request *r, const struct tg_siv *s2c,
                             const uint8_t nonce[16], const uint8_t *const *cookies,
                             const size_t *cookie_len, size_t n_cookies);

/*
 * NTS NAK (RFC 8915 5.7): to a header built for the request, set stratum
 * 0 and refid "NTSN" (leap and the timestamps stay), append the unique
 * identifier; no authenticator.  Returns the length or 0.
 */
size_t tg_nts_build_nak(uint8_t *resp, size_t cap, const uint8_t *req_pkt,
                        const struct tg_nts_request *r);

/*
 * Client: build a request header (mode 3, version 4, transmit = tx_ts)
 * with a unique identifier uid[0..32), the cookie, n_placeholders
 * placeholders of the cookie's size, and an authenticator (nonce[16])
 * sealed with the c2s key, empty plaintext.  Returns the length or 0.
 */
size_t tg_nts_build_request(uint8_t *out, size_t cap, uint64_t tx_ts, const uint8_t uid[32],
                            const uint8_t *cookie, size_t cookie_len, size_t n_placeholders,
                            const struct tg_siv *c2s, const uint8_t nonce[16]);

/*
 * Client: check a response to the request above: mode 4, origin ==
 * tx_ts, the unique identifier echoed, the authenticator opened with the
 * s2c key; the new cookies (fields of type 0x0204 inside the encrypted
 * part) are copied out (at most max_cookies, each up to
 * TG_NTS_COOKIE_MAX).  A kiss "NTSN" with the right unique identifier
 * gives TG_NTS_ENAK.  Returns TG_NTS_OK and fills *p, or an error.
 */
int tg_nts_check_response(const uint8_t *buf, size_t len, uint64_t tx_ts, const uint8_t uid[32],
                          const struct tg_siv *s2c, struct tg_ntp_packet *p,
                          uint8_t (*cookies)[TG_NTS_COOKIE_MAX], size_t *cookie_len,
                          size_t max_cookies, size_t *n_cookies, char *err, size_t errlen);

#endif
