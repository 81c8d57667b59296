/*
 * timestatus.h - the clock's quality and leap state, as the time service
 * (timed) publishes it and the NTS frontend (ntsd) and console read it.
 *
 * Transport: a small file, TG_TIMESTATUS_PATH, holding exactly one
 * struct tg_timestatus_wire (fixed size, little-endian integers, CRC-32
 * over everything before the crc field).  The writer replaces it
 * atomically (write a temporary file in the same folder, fsync, rename),
 * so a reader sees the old or the new record, never a mix.  A reader that
 * finds no file, a wrong size, magic, version or CRC, or a record older
 * than TG_TIMESTATUS_STALE_S treats the clock as unsynchronised.
 *
 * Until timed exists, a test or an operator may write the file (for the
 * same format) with tg_timestatus_write().
 */
#ifndef TG_TIMESTATUS_H
#define TG_TIMESTATUS_H

#include <stddef.h>
#include <stdint.h>

#define TG_TIMESTATUS_PATH "/run/timegate/time/status"
#define TG_TIMESTATUS_MAGIC 0x53544754u /* "TGTS" little-endian */
#define TG_TIMESTATUS_VERSION 1
#define TG_TIMESTATUS_STALE_S 16

enum tg_clock_state {
	TG_CLOCK_UNSYNC = 0,   /* no usable reference yet */
	TG_CLOCK_LOCKING = 1,  /* reference seen, servo converging */
	TG_CLOCK_LOCKED = 2,   /* disciplined to the reference */
	TG_CLOCK_HOLDOVER = 3, /* reference lost, free-running on the last frequency */
	TG_CLOCK_FAILED = 4,   /* integrity failure (spoofing, jump): do not serve */
};

enum tg_leap {
	TG_LEAP_NONE = 0,
	TG_LEAP_INSERT = 1, /* last minute of the UTC day has 61 s */
	TG_LEAP_DELETE = 2, /* last minute of the UTC day has 59 s */
};

/* In-memory form. */
struct tg_timestatus {
	uint8_t state;     /* enum tg_clock_state */
	uint8_t leap;      /* enum tg_leap: announced for the end of the current UTC day */
	uint8_t stratum;   /* what the NTP server should send (1 for GNSS) */
	char refid[4];     /* e.g. "GPS", "PPS", NUL-padded */
	uint64_t root_delay_ns;
	uint64_t root_dispersion_ns; /* includes the error bound */
	uint64_t error_bound_ns;     /* max |system clock - UTC| estimate */
	int64_t offset_ns;           /* last measured offset */
	uint64_t jitter_ns;
	int64_t freq_ppb;            /* frequency correction applied */
	int64_t updated_realtime_ns; /* CLOCK_REALTIME when written */
	int64_t updated_monotonic_ns; /* CLOCK_MONOTONIC when written */
	int32_t tai_offset_s;         /* TAI - UTC, 0 if unknown */
};

#define TG_TIMESTATUS_WIRE_SIZE 96

/*
 * Pure encoders/decoders of the 96-byte wire record.
 * decode returns 0, or -1 with the reason (expected vs seen) in err.
 */
void tg_timestatus_encode(const struct tg_timestatus *st, uint8_t out[TG_TIMESTATUS_WIRE_SIZE]);
int tg_timestatus_decode(const uint8_t *buf, size_t len, struct tg_timestatus *st, char *err,
			 size_t errlen);

/* Atomic replace of path (temp file + fsync + rename). 0 or -1 (errno). */
int tg_timestatus_write(const char *path, const struct tg_timestatus *st);

/*
 * Read path; on any problem (missing, malformed, older than
 * TG_TIMESTATUS_STALE_S against now_monotonic_ns) fill *st with the
 * unsynchronised defaults (state UNSYNC, stratum 16, leap NONE) and
 * return -1 with the reason in err; 0 when a fresh valid record was read.
 */
int tg_timestatus_read(const char *path, int64_t now_monotonic_ns, struct tg_timestatus *st,
		       char *err, size_t errlen);

#endif
