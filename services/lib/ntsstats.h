/*
 * ntsstats.h - ntsd's counters file, as ntsd writes it and the console
 * reads it (/run/timegate/ntsd/stats).
 *
 * A small text file, one "KEY VALUE\n" line per figure, every value a
 * decimal integer:
 *
 *   version 1              format version (a reader refuses any other)
 *   updated UNIX_S         when ntsd wrote it (CLOCK_REALTIME seconds)
 *   ntp_requests N         NTP requests answered, with or without NTS
 *   nts_requests N         NTS requests answered with fresh cookies
 *   nts_refused N          NTS requests refused (NTS NAK) or dropped as malformed
 *   ke_handshakes N        NTS-KE sessions completed (cookies sent)
 *   ke_failures N          NTS-KE sessions failed (TLS, protocol, timeout)
 *   cookie_key_id N        the current cookie key's id
 *   cookie_key_created UNIX_S  when it was made
 *   cert_not_after UNIX_S  the served certificate's validity (leaf), 0: none
 *   cert_not_before UNIX_S
 *
 * Counters are totals since ntsd started: a reader takes rates from two
 * samples, and a counter that went down means ntsd restarted.  The writer
 * replaces the file atomically (temporary file and rename), so a reader
 * sees a whole file.
 *
 * Compatibility: keys this reader does not know are skipped (a later
 * ntsd may add figures); an incompatible change bumps version.
 */
#ifndef TG_NTSSTATS_H
#define TG_NTSSTATS_H

#include <stddef.h>
#include <stdint.h>

#define TG_NTSSTATS_PATH    "/run/timegate/ntsd/stats"
#define TG_NTSSTATS_VERSION 1
#define TG_NTSSTATS_MAX     4096 /* larger files are refused (ours is ~300 bytes) */

/* which keys a parsed file had (version and updated always) */
enum {
	TG_NTSSTATS_HAVE_NTP_REQUESTS = 1u << 0,
	TG_NTSSTATS_HAVE_NTS_REQUESTS = 1u << 1,
	TG_NTSSTATS_HAVE_NTS_REFUSED = 1u << 2,
	TG_NTSSTATS_HAVE_KE_HANDSHAKES = 1u << 3,
	TG_NTSSTATS_HAVE_KE_FAILURES = 1u << 4,
	TG_NTSSTATS_HAVE_COOKIE_KEY_ID = 1u << 5,
	TG_NTSSTATS_HAVE_COOKIE_KEY_CREATED = 1u << 6,
	TG_NTSSTATS_HAVE_CERT_NOT_AFTER = 1u << 7,
	TG_NTSSTATS_HAVE_CERT_NOT_BEFORE = 1u << 8,
};

struct tg_ntsstats {
	uint32_t version;
	int64_t updated;
	uint64_t ntp_requests, nts_requests, nts_refused;
	uint64_t ke_handshakes, ke_failures;
	uint64_t cookie_key_id;
	int64_t cookie_key_created;
	int64_t cert_not_after, cert_not_before; /* 0: no certificate */
	unsigned have;                           /* TG_NTSSTATS_HAVE_* (parse only) */
};

/*
 * Parse buf[0..len) into st (a missing optional key reads 0; see have).
 * Pure: no allocation, no I/O.  Every line must be "KEY VALUE\n" with KEY
 * of [a-z0-9_] and VALUE a decimal integer without leading zeros (a
 * leading '-' only for the time keys); a known key may appear once;
 * version (1) and updated are required.  0, or -1 with err naming the
 * line, what was expected and what was seen.
 */
int tg_ntsstats_parse(const char *buf, size_t len, struct tg_ntsstats *st, char *err,
                      size_t errlen);

/*
 * The file's text for st (version TG_NTSSTATS_VERSION whatever
 * st->version says), into buf: its length, or 0 if cap is too small.
 * No NUL is counted; one is written when there is room.
 */
size_t tg_ntsstats_format(const struct tg_ntsstats *st, char *buf, size_t cap);

/*
 * The validity of the DER certificate der[0..len) (BearSSL's X.509
 * decoder; no signature check) as unix seconds: what ntsd writes as
 * cert_not_before / cert_not_after, and the console's own certificate
 * for its expiry alarm.  0, or -1 when the certificate does not decode.
 */
int tg_ntsstats_cert_validity(const unsigned char *der, size_t len, int64_t *not_before,
                              int64_t *not_after);

#endif
