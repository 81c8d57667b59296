/*
 * gnssstatus.h - the GNSS receiver's details (fix, site, satellites, PPS,
 * counters, the last refused sample), as the time service (timed) writes
 * them every second and the web console reads them.  The clock's own
 * quality is in lib/timestatus.h; this record only says why it is so.
 *
 * Transport: a small file, TG_GNSSSTATUS_PATH, holding exactly one wire
 * record (fixed size, little-endian integers, CRC-32 over everything
 * before the crc field; layout in gnssstatus.c).  The writer replaces it
 * atomically (temporary file, fsync, rename), so a reader sees the old or
 * the new record, never a mix.  Whether it is fresh is the reader's call
 * (updated_monotonic_ns against its own CLOCK_MONOTONIC): the console
 * shows an old record as old rather than nothing.
 */
#ifndef TG_GNSSSTATUS_H
#define TG_GNSSSTATUS_H

#include <stddef.h>
#include <stdint.h>

#define TG_GNSSSTATUS_PATH    "/run/timegate/time/gnss"
#define TG_GNSSSTATUS_MAGIC   0x53474754u /* "TGGS" little-endian */
#define TG_GNSSSTATUS_VERSION 1

#define TG_GNSSSTATUS_SATS_MAX    64 /* = TG_NMEA_SATS_MAX, one epoch's satellites */
#define TG_GNSSSTATUS_REASON_SIZE 96 /* refusal reason, NUL included */

/* 1e-7 degree units: the range of a valid latitude and longitude */
#define TG_GNSSSTATUS_LAT_MAX 900000000
#define TG_GNSSSTATUS_LON_MAX 1800000000

enum tg_gnss_fix {
	TG_GNSS_FIX_UNKNOWN = 0, /* no fix information from the receiver yet */
	TG_GNSS_FIX_NONE = 1,
	TG_GNSS_FIX_2D = 2,
	TG_GNSS_FIX_3D = 3,
};

struct tg_gnssstatus_sat {
	uint8_t gnss;     /* constellation, gpsd "gnssid": 0 GPS, 1 SBAS, 2 Galileo,
	                   * 3 BeiDou, 5 QZSS, 6 GLONASS, 7 NavIC (enum tg_gnss of
	                   * timed/nmea.h); not range-checked, a console shows
	                   * unknown values as numbers */
	uint8_t used;     /* 0/1: used in the fix */
	uint16_t svid;    /* number within the constellation */
	int8_t elevation; /* degrees, -128 unknown */
	int16_t azimuth;  /* degrees, -1 unknown */
	int8_t snr;       /* dB-Hz, -1 unknown */
};

/* In-memory form. */
struct tg_gnssstatus {
	int64_t updated_realtime_ns;  /* CLOCK_REALTIME when written */
	int64_t updated_monotonic_ns; /* CLOCK_MONOTONIC when written */
	/* the last fix */
	uint8_t fix_mode;       /* enum tg_gnss_fix */
	uint8_t time_valid;     /* 0/1: the receiver says its time is valid */
	uint8_t have_pos;       /* 0/1: lat/lon/alt below are meaningful */
	int32_t lat_e7, lon_e7; /* 1e-7 degrees, north and east positive */
	int32_t alt_mm;         /* above mean sea level */
	int64_t last_fix_utc_s; /* UTC (Unix seconds) of the last fix, 0 never */
	/* the fixed site (integrity check of the position) */
	uint8_t site_known;    /* 0/1 */
	uint8_t site_surveyed; /* 0 configured, 1 learned by survey */
	int32_t site_lat_e7, site_lon_e7;
	int32_t site_alt_mm;
	uint32_t site_distance_m; /* of the last fix from the site */
	/* satellites of the last epoch: sats[0..n_sats) */
	uint8_t n_sats; /* <= TG_GNSSSTATUS_SATS_MAX */
	uint8_t n_used; /* as the receiver reports it, <= n_sats */
	struct tg_gnssstatus_sat sats[TG_GNSSSTATUS_SATS_MAX];
	/* PPS */
	uint64_t pps_pulses;
	uint64_t pps_missed;
	uint64_t pps_unpaired; /* pulses without their NMEA second */
	int64_t pps_offset_ns; /* last accepted sample: reference - system */
	/* counters */
	uint64_t nmea_sentences;
	uint64_t nmea_errors;
	uint64_t refused; /* samples refused by the integrity checks */
	/* the last refusal: printable ASCII, NUL-padded; "" none */
	char refusal[TG_GNSSSTATUS_REASON_SIZE];
	int64_t refusal_realtime_ns;
};

#define TG_GNSSSTATUS_WIRE_SIZE 748

/*
 * Pure encoder/decoder of the wire record.
 *
 * encode writes the fields as they are (the decoder is the one to check
 * ranges), except refusal: at most TG_GNSSSTATUS_REASON_SIZE - 1 bytes up
 * to its NUL are written, any byte outside printable ASCII as '?', the
 * rest NUL - a reason quoting receiver bytes cannot make the whole record
 * unreadable.
 *
 * decode returns 0, or -1 with the reason (expected vs seen) in err and
 * *g zeroed.  An accepted record encodes back to exactly the same bytes.
 */
void tg_gnssstatus_encode(const struct tg_gnssstatus *g, uint8_t out[TG_GNSSSTATUS_WIRE_SIZE]);
int tg_gnssstatus_decode(const uint8_t *buf, size_t len, struct tg_gnssstatus *g, char *err,
                         size_t errlen);

/* Atomic replace of path (temp file + fsync + rename), mode 0644. 0 or -1 (errno). */
int tg_gnssstatus_write(const char *path, const struct tg_gnssstatus *g);

/*
 * Read and decode path (a regular file of exactly the record's size).
 * 0, or -1 with the reason in err and *g zeroed.  No staleness check.
 */
int tg_gnssstatus_read(const char *path, struct tg_gnssstatus *g, char *err, size_t errlen);

#endif
