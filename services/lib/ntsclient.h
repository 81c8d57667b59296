/*
 * ntsclient.h - an NTS client (RFC 8915): key establishment over TLS 1.3
 * (lib/tls13.c), then authenticated NTPv4 requests with the cookies.
 * Used by nts-query(8) and, for its cross-check against upstream NTS
 * servers, by the time service.
 *
 * Blocking, with a deadline per step; one session per struct.  The
 * session keys live in the struct and are wiped by tg_ntsc_wipe().
 */
#ifndef TG_NTSCLIENT_H
#define TG_NTSCLIENT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "aessiv.h"
#include "nts.h"
#include "tls13.h"

struct tg_ntsc {
	/* from key establishment */
	uint16_t aead;
	uint8_t c2s[TG_SIV_KEY_MAX], s2c[TG_SIV_KEY_MAX];
	char ntp_server[256]; /* where to send NTP: the Server record, or the KE host */
	uint16_t ntp_port;    /* the Port record, or 123 */
	size_t n_cookies;     /* cookies left, used from the end */
	uint8_t cookies[TG_NTS_COOKIES][TG_NTS_COOKIE_MAX];
	size_t cookie_len[TG_NTS_COOKIES];
	/* TLS facts, for reports */
	uint16_t tls_suite, tls_group;
};

/* What key establishment is asked to do. */
struct tg_ntsc_ke_params {
	const char *host; /* KE server: name or address */
	uint16_t port;    /* 0: 4460 */
	const char *name; /* name the certificate must carry (NULL: host) */
	const br_x509_trust_anchor *anchors;
	size_t n_anchors;
	const uint16_t *aeads; /* offered, in order; NULL: 15, 17, 16 */
	size_t n_aeads;
	int timeout_ms;    /* whole exchange; 0: 5000 */
	int64_t unix_time; /* for certificate validity; 0: now */
};

/*
 * Key establishment: connect, TLS 1.3 with ALPN ntske/1, request, read
 * the response, keep keys and cookies in s.  0, or -1 with err naming
 * the step and the reason (TLS alert, certificate, NTS-KE error record).
 */
int tg_ntsc_ke(struct tg_ntsc *s, const struct tg_ntsc_ke_params *p, char *err, size_t errlen);

/* One authenticated time sample. */
struct tg_ntsc_sample {
	double offset_s; /* server - local, positive: local clock behind */
	double delay_s;  /* round trip minus server processing */
	uint8_t stratum, leap;
	uint8_t refid[4];
	double root_delay_s, root_dispersion_s;
	size_t cookies_received;
};

/*
 * One NTS-protected NTP exchange with a cookie from s (new ones from the
 * response refill it).  0 and *out; 1: the server answered NTS NAK (go
 * back to key establishment); -1: error or timeout (err says which).
 * n_placeholders: how many extra cookies to ask for (0..7; -1: enough to
 * refill to TG_NTS_COOKIES).
 */
int tg_ntsc_query(struct tg_ntsc *s, int n_placeholders, int timeout_ms, struct tg_ntsc_sample *out,
                  char *err, size_t errlen);

/*
 * A session's persistent form, big-endian: "TGNS", version 1, AEAD (2),
 * NTP port (2), server name length (1) and name, c2s key (64), s2c key
 * (64), cookie count (1), per cookie length (2) and bytes, CRC-32 (IEEE)
 * of everything before it.
 */
#define TG_NTSC_SESSION_MAX \
	(4 + 1 + 2 + 2 + 1 + 255 + 128 + 1 + TG_NTS_COOKIES * (2 + TG_NTS_COOKIE_MAX) + 4)

/* Encode into b[0..cap): the length, or 0 when cap < TG_NTSC_SESSION_MAX or s is not valid. */
size_t tg_ntsc_encode(const struct tg_ntsc *s, uint8_t *b, size_t cap);

/*
 * Decode b[0..n) (pure, bounds-checked): 0, or -1 with err saying what
 * was expected; s is wiped on failure.
 */
int tg_ntsc_decode(struct tg_ntsc *s, const uint8_t *b, size_t n, char *err, size_t errlen);

/* Save / load a session (keys and cookies) to a file of mode 0600: 0 or -1 with err. */
int tg_ntsc_save(const struct tg_ntsc *s, const char *path, char *err, size_t errlen);
int tg_ntsc_load(struct tg_ntsc *s, const char *path, char *err, size_t errlen);

void tg_ntsc_wipe(struct tg_ntsc *s);

#endif
