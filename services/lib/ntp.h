/*
 * ntp.h - NTP packet code over (buf, len): parse, build, timestamps.
 *
 * Pure functions: no I/O, no allocation, no global state.  The parser
 * checks every bound before reading and returns ok/reject, never crashes
 * on input; the server (ntsd's ntp role), the fuzz harness and, later,
 * the NTS code all use the same entry points.
 *
 * Packet layout (RFC 5905 section 7.3), all integers big-endian:
 *     0  LI(2) VN(3) Mode(3)   1 stratum   2 poll   3 precision
 *     4  root delay (16.16)    8 root dispersion (16.16)   12 refid
 *    16  reference ts   24 origin ts   32 receive ts   40 transmit ts
 *    48  extension fields (RFC 7822), then an optional legacy MAC
 *
 * Extension fields (RFC 7822): 16-bit type, 16-bit length of the
 * whole field (header included), a multiple of 4 and at least 16, within
 * the packet.  NTS (RFC 8915) uses only such fields.  What follows the
 * last field may be a legacy symmetric-key MAC (key id + digest) of
 * exactly 20 (MD5) or 24 (SHA-1) bytes; any other remainder is malformed.
 * A remainder of exactly 20 or 24 bytes is always taken as a MAC: RFC 7822
 * requires the last field of a packet without a MAC to be at least 28
 * bytes, which removes the ambiguity, and NTS's own fields (unique
 * identifier >= 36 bytes, authenticator >= 40) are longer anyway.  A last
 * field of 16 bytes is accepted although RFC 7822 asks for 28: it cannot
 * be mistaken for a MAC here.
 * Versions 1..3 have no extension fields: their remainder must be 0, 20
 * or 24 bytes.
 */
#ifndef TG_NTP_H
#define TG_NTP_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define TG_NTP_HEADER_LEN   48
#define TG_NTP_EF_MIN_LEN   16 /* RFC 7822: smallest extension field */
#define TG_NTP_MAX_EF       16 /* fields recorded per packet; more is malformed */
#define TG_NTP_MAC_MD5_LEN  20 /* key id + 16-byte digest */
#define TG_NTP_MAC_SHA1_LEN 24 /* key id + 20-byte digest */
/*
 * Largest datagram the server accepts.  NTS requests carry a unique
 * identifier, a cookie, cookie placeholders and an authenticator; 1024
 * bytes leave room for eight 100-byte cookies.  Larger ones are dropped.
 */
#define TG_NTP_MAX_PACKET 1024

/* Seconds from 1900-01-01 (NTP era 0) to 1970-01-01 (Unix epoch). */
#define TG_NTP_UNIX_OFFSET 2208988800LL

enum tg_ntp_mode {
	TG_NTP_MODE_RESERVED = 0,
	TG_NTP_MODE_ACTIVE = 1,
	TG_NTP_MODE_PASSIVE = 2,
	TG_NTP_MODE_CLIENT = 3,
	TG_NTP_MODE_SERVER = 4,
	TG_NTP_MODE_BROADCAST = 5,
	TG_NTP_MODE_CONTROL = 6,
	TG_NTP_MODE_PRIVATE = 7,
};

enum tg_ntp_leap {
	TG_NTP_LEAP_NONE = 0,
	TG_NTP_LEAP_INSERT = 1, /* last minute of the day has 61 s */
	TG_NTP_LEAP_DELETE = 2, /* last minute of the day has 59 s */
	TG_NTP_LEAP_ALARM = 3,  /* clock unsynchronised */
};

/* Parse results (0 or negative). */
enum tg_ntp_err {
	TG_NTP_OK = 0,
	TG_NTP_ESHORT = -1,   /* shorter than the 48-byte header */
	TG_NTP_EVERSION = -2, /* version not 1..4 */
	TG_NTP_EEXT = -3,     /* malformed extension fields or trailing bytes */
	TG_NTP_ELONG = -4,    /* longer than TG_NTP_MAX_PACKET */
};

/* One extension field: offset of its header in the packet, type, whole length. */
struct tg_ntp_ef {
	uint16_t off;
	uint16_t type;
	uint16_t len;
};

/* A parsed packet.  Timestamps are raw 64-bit NTP values (era unknown). */
struct tg_ntp_packet {
	uint8_t leap;             /* enum tg_ntp_leap */
	uint8_t version;          /* 1..4 */
	uint8_t mode;             /* enum tg_ntp_mode */
	uint8_t stratum;          /* as on the wire: 0 means unspecified or kiss code */
	int8_t poll;              /* log2 s */
	int8_t precision;         /* log2 s */
	uint32_t root_delay;      /* NTP short format (16.16 s) */
	uint32_t root_dispersion; /* NTP short format (16.16 s) */
	uint8_t refid[4];
	uint64_t reference_ts;
	uint64_t origin_ts;
	uint64_t receive_ts;
	uint64_t transmit_ts;
	size_t len;  /* whole packet */
	size_t n_ef; /* extension fields in ef[] */
	struct tg_ntp_ef ef[TG_NTP_MAX_EF];
	uint16_t mac_off; /* offset of the legacy MAC, 0 if none */
	uint16_t mac_len; /* 20, 24 or 0 */
};

/*
 * Parse buf[0..len).  Returns TG_NTP_OK and fills *out, or a negative
 * enum tg_ntp_err with what was expected and seen in err (err may be NULL).
 * Mode is reported, not judged: the caller decides what it answers.
 */
int tg_ntp_parse(const uint8_t *buf, size_t len, struct tg_ntp_packet *out, char *err,
                 size_t errlen);

/* Short name of a parse result, for counters and logs. */
const char *tg_ntp_strerror(int err);

/* What a server puts in the header of its responses. */
struct tg_ntp_server_info {
	uint8_t leap;             /* enum tg_ntp_leap; TG_NTP_LEAP_ALARM when unsynchronised */
	uint8_t stratum;          /* wire value: 1..15, or 0 when unsynchronised */
	int8_t precision;         /* log2 s */
	uint32_t root_delay;      /* NTP short format */
	uint32_t root_dispersion; /* NTP short format */
	uint8_t refid[4];
	uint64_t reference_ts; /* NTP timestamp of the last clock update, 0 if none */
};

/*
 * Write the 48-byte header of the response to req into out (capacity
 * cap): mode 4, the request's version and poll, the server fields from
 * info, origin = the request's transmit timestamp, receive = rx_ts, and
 * transmit = tx_ts (callers that take the transmit time as late as
 * possible pass 0 and call tg_ntp_set_transmit just before sending).
 * Returns TG_NTP_HEADER_LEN, or 0 if cap is too small.  Extension fields
 * (NTS) are appended by the caller after the header.
 */
size_t tg_ntp_build_response(const struct tg_ntp_packet *req, const struct tg_ntp_server_info *info,
                             uint64_t rx_ts, uint64_t tx_ts, uint8_t *out, size_t cap);

/* Overwrite the transmit timestamp of a header built above (cap >= 48). */
void tg_ntp_set_transmit(uint8_t *pkt, uint64_t tx_ts);

/*
 * Timestamps.  An NTP timestamp holds seconds modulo 2^32 (era 0 ends on
 * 2036-02-07 06:28:16 UTC) and a 32-bit fraction.  Converting back needs
 * the era: tg_ntp_to_timespec picks the time within 2^31 s (about 68
 * years) of pivot_unix_s, normally the current time.  Fractions convert
 * so that timespec -> NTP -> timespec is exact.
 */
uint64_t tg_ntp_from_timespec(const struct timespec *ts);
uint64_t tg_ntp_from_unix_ns(int64_t unix_ns);
void tg_ntp_to_timespec(uint64_t ntp, int64_t pivot_unix_s, struct timespec *out);

/* Nanoseconds to NTP short format (16.16 s), rounded up, saturating at 0xffffffff. */
uint32_t tg_ntp_short_from_ns(uint64_t ns);

/* log2 of a clock resolution in ns, rounded up: 1 ns -> -29, 1 us -> -19. */
int8_t tg_ntp_precision_from_ns(uint64_t res_ns);

/* Big-endian helpers shared with the NTS code. */
static inline uint16_t tg_ntp_get16(const uint8_t *p)
{
	return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}

static inline uint32_t tg_ntp_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint64_t tg_ntp_get64(const uint8_t *p)
{
	return (uint64_t)tg_ntp_get32(p) << 32 | tg_ntp_get32(p + 4);
}

static inline void tg_ntp_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void tg_ntp_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static inline void tg_ntp_put64(uint8_t *p, uint64_t v)
{
	tg_ntp_put32(p, (uint32_t)(v >> 32));
	tg_ntp_put32(p + 4, (uint32_t)v);
}

#endif
