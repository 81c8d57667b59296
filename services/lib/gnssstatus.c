/*
 * gnssstatus.c - the GNSS detail record: wire format, atomic file I/O.
 *
 * Wire record, TG_GNSSSTATUS_WIRE_SIZE (748) bytes, little-endian,
 * integers signed where marked, angles in 1e-7 degrees:
 *
 *    off size field
 *      0   4  magic                TG_GNSSSTATUS_MAGIC ("TGGS")
 *      4   2  version              TG_GNSSSTATUS_VERSION
 *      6   2  size                 748 (the whole record)
 *      8   8  updated_realtime_ns  signed
 *     16   8  updated_monotonic_ns signed
 *     24   1  fix_mode             enum tg_gnss_fix (0..3)
 *     25   1  time_valid           0/1
 *     26   1  have_pos             0/1
 *     27   1  reserved             0
 *     28   4  lat_e7               signed, -900000000..900000000
 *     32   4  lon_e7               signed, -1800000000..1800000000
 *     36   4  alt_mm               signed
 *     40   8  last_fix_utc_s       signed
 *     48   1  site_known           0/1
 *     49   1  site_surveyed        0/1
 *     50   2  reserved             0
 *     52   4  site_lat_e7          signed, as lat_e7
 *     56   4  site_lon_e7          signed, as lon_e7
 *     60   4  site_alt_mm          signed
 *     64   4  site_distance_m
 *     68   1  n_sats               0..64
 *     69   1  n_used               0..n_sats
 *     70   2  reserved             0
 *     72   8  pps_pulses
 *     80   8  pps_missed
 *     88   8  pps_unpaired
 *     96   8  pps_offset_ns        signed
 *    104   8  nmea_sentences
 *    112   8  nmea_errors
 *    120   8  refused
 *    128   8  refusal_realtime_ns  signed
 *    136  96  refusal              printable ASCII (0x20..0x7e), then NUL
 *                                  to the end; byte 231 always NUL
 *    232 512  sats                 64 slots of 8 bytes, sats[0..n_sats) in
 *                                  use, the others all zero:
 *                                    +0 1 gnss       gpsd gnssid (any value)
 *                                    +1 1 used       0/1
 *                                    +2 2 svid
 *                                    +4 2 azimuth    signed, degrees, -1 unknown
 *                                    +6 1 elevation  signed, degrees, -128 unknown
 *                                    +7 1 snr        signed, dB-Hz, -1 unknown
 *    744   4  crc32                IEEE (zlib) CRC-32 of bytes 0..743
 *
 * The decoder checks, in this order: size, magic, version, CRC, the size
 * field, then the fields in the order of the record.  Reserved bytes and
 * unused satellite slots must be zero, so that every accepted record has
 * one encoding (a later version that uses them bumps the version).
 * Values with no fixed range (satellite angles, SNR, counters) are not
 * checked: they are shown, not acted upon.
 */
#include "gnssstatus.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crc32.h"
#include "fileio.h"
#include "le.h"
#include "log.h"

#define OFF_MAGIC        0
#define OFF_VERSION      4
#define OFF_SIZE         6
#define OFF_UPD_REAL     8
#define OFF_UPD_MONO     16
#define OFF_FIX_MODE     24
#define OFF_TIME_VALID   25
#define OFF_HAVE_POS     26
#define OFF_RESERVED1    27
#define OFF_LAT          28
#define OFF_LON          32
#define OFF_ALT          36
#define OFF_LAST_FIX     40
#define OFF_SITE_KNOWN   48
#define OFF_SITE_SURVEY  49
#define OFF_RESERVED2    50
#define OFF_SITE_LAT     52
#define OFF_SITE_LON     56
#define OFF_SITE_ALT     60
#define OFF_SITE_DIST    64
#define OFF_N_SATS       68
#define OFF_N_USED       69
#define OFF_RESERVED3    70
#define OFF_PPS_PULSES   72
#define OFF_PPS_MISSED   80
#define OFF_PPS_UNPAIRED 88
#define OFF_PPS_OFFSET   96
#define OFF_NMEA         104
#define OFF_NMEA_ERRORS  112
#define OFF_REFUSED      120
#define OFF_REFUSAL_TIME 128
#define OFF_REFUSAL      136
#define OFF_SATS         232
#define OFF_CRC          744

#define SAT_SIZE 8
#define SAT_GNSS 0
#define SAT_USED 1
#define SAT_SVID 2
#define SAT_AZ   4
#define SAT_EL   6
#define SAT_SNR  7

_Static_assert(OFF_REFUSAL + TG_GNSSSTATUS_REASON_SIZE == OFF_SATS, "refusal ends at the slots");
_Static_assert(OFF_SATS + TG_GNSSSTATUS_SATS_MAX * SAT_SIZE == OFF_CRC, "slots end at the CRC");
_Static_assert(OFF_CRC + 4 == TG_GNSSSTATUS_WIRE_SIZE, "wire layout must fill 748 bytes");

static int is_printable(uint8_t c)
{
	return c >= 0x20 && c <= 0x7e;
}

void tg_gnssstatus_encode(const struct tg_gnssstatus *g, uint8_t out[TG_GNSSSTATUS_WIRE_SIZE])
{
	size_t i, n, n_sats;

	memset(out, 0, TG_GNSSSTATUS_WIRE_SIZE);
	tg_put_le32(out + OFF_MAGIC, TG_GNSSSTATUS_MAGIC);
	tg_put_le16(out + OFF_VERSION, TG_GNSSSTATUS_VERSION);
	tg_put_le16(out + OFF_SIZE, TG_GNSSSTATUS_WIRE_SIZE);
	tg_put_le64(out + OFF_UPD_REAL, (uint64_t)g->updated_realtime_ns);
	tg_put_le64(out + OFF_UPD_MONO, (uint64_t)g->updated_monotonic_ns);
	out[OFF_FIX_MODE] = g->fix_mode;
	out[OFF_TIME_VALID] = g->time_valid;
	out[OFF_HAVE_POS] = g->have_pos;
	tg_put_le32(out + OFF_LAT, (uint32_t)g->lat_e7);
	tg_put_le32(out + OFF_LON, (uint32_t)g->lon_e7);
	tg_put_le32(out + OFF_ALT, (uint32_t)g->alt_mm);
	tg_put_le64(out + OFF_LAST_FIX, (uint64_t)g->last_fix_utc_s);
	out[OFF_SITE_KNOWN] = g->site_known;
	out[OFF_SITE_SURVEY] = g->site_surveyed;
	tg_put_le32(out + OFF_SITE_LAT, (uint32_t)g->site_lat_e7);
	tg_put_le32(out + OFF_SITE_LON, (uint32_t)g->site_lon_e7);
	tg_put_le32(out + OFF_SITE_ALT, (uint32_t)g->site_alt_mm);
	tg_put_le32(out + OFF_SITE_DIST, g->site_distance_m);
	out[OFF_N_SATS] = g->n_sats;
	out[OFF_N_USED] = g->n_used;
	tg_put_le64(out + OFF_PPS_PULSES, g->pps_pulses);
	tg_put_le64(out + OFF_PPS_MISSED, g->pps_missed);
	tg_put_le64(out + OFF_PPS_UNPAIRED, g->pps_unpaired);
	tg_put_le64(out + OFF_PPS_OFFSET, (uint64_t)g->pps_offset_ns);
	tg_put_le64(out + OFF_NMEA, g->nmea_sentences);
	tg_put_le64(out + OFF_NMEA_ERRORS, g->nmea_errors);
	tg_put_le64(out + OFF_REFUSED, g->refused);
	tg_put_le64(out + OFF_REFUSAL_TIME, (uint64_t)g->refusal_realtime_ns);

	/* the last byte stays NUL; a reason quoting receiver bytes must not
	 * make the record undecodable, so those become '?' */
	n = strnlen(g->refusal, TG_GNSSSTATUS_REASON_SIZE - 1);
	for (i = 0; i < n; i++) {
		uint8_t c = (uint8_t)g->refusal[i];
		out[OFF_REFUSAL + i] = is_printable(c) ? c : '?';
	}

	/* slots past n_sats stay zero; an n_sats over the maximum is written
	 * as it is, and refused by the decoder */
	n_sats = g->n_sats < TG_GNSSSTATUS_SATS_MAX ? g->n_sats : TG_GNSSSTATUS_SATS_MAX;
	for (i = 0; i < n_sats; i++) {
		const struct tg_gnssstatus_sat *s = &g->sats[i];
		uint8_t *p = out + OFF_SATS + i * SAT_SIZE;

		p[SAT_GNSS] = s->gnss;
		p[SAT_USED] = s->used;
		tg_put_le16(p + SAT_SVID, s->svid);
		tg_put_le16(p + SAT_AZ, (uint16_t)s->azimuth);
		p[SAT_EL] = (uint8_t)s->elevation;
		p[SAT_SNR] = (uint8_t)s->snr;
	}
	tg_put_le32(out + OFF_CRC, tg_crc32(0, out, OFF_CRC));
}

static int check_bool(const uint8_t *buf, size_t off, const char *name, char *err, size_t errlen)
{
	if (buf[off] > 1)
		return tg_fail(err, errlen, "%s %u, expected 0 or 1", name, buf[off]);
	return 0;
}

static int check_zero(const uint8_t *buf, size_t from, size_t to, char *err, size_t errlen)
{
	size_t i;

	for (i = from; i < to; i++)
		if (buf[i])
			return tg_fail(err, errlen, "reserved byte %zu is 0x%02x, expected 0", i,
			               buf[i]);
	return 0;
}

static int check_angle(const uint8_t *buf, size_t off, const char *name, int32_t max, char *err,
                       size_t errlen)
{
	int32_t v = (int32_t)tg_get_le32(buf + off);

	if (v < -max || v > max)
		return tg_fail(err, errlen, "%s %ld, expected -%ld..%ld (1e-7 degrees)", name, (long)v,
		               (long)max, (long)max);
	return 0;
}

int tg_gnssstatus_decode(const uint8_t *buf, size_t len, struct tg_gnssstatus *g, char *err,
                         size_t errlen)
{
	uint32_t magic, crc, want_crc;
	uint16_t version, size;
	size_t i, n_sats;

	memset(g, 0, sizeof(*g));
	if (len != TG_GNSSSTATUS_WIRE_SIZE)
		return tg_fail(err, errlen, "record of %zu bytes, expected %d", len,
		               TG_GNSSSTATUS_WIRE_SIZE);
	magic = tg_get_le32(buf + OFF_MAGIC);
	if (magic != TG_GNSSSTATUS_MAGIC)
		return tg_fail(err, errlen, "magic 0x%08x, expected 0x%08x", magic,
		               TG_GNSSSTATUS_MAGIC);
	version = tg_get_le16(buf + OFF_VERSION);
	if (version != TG_GNSSSTATUS_VERSION)
		return tg_fail(err, errlen, "version %u, expected %d", version, TG_GNSSSTATUS_VERSION);
	crc = tg_get_le32(buf + OFF_CRC);
	want_crc = tg_crc32(0, buf, OFF_CRC);
	if (crc != want_crc)
		return tg_fail(err, errlen, "CRC 0x%08x, expected 0x%08x", crc, want_crc);
	size = tg_get_le16(buf + OFF_SIZE);
	if (size != TG_GNSSSTATUS_WIRE_SIZE)
		return tg_fail(err, errlen, "size field %u, expected %d", size,
		               TG_GNSSSTATUS_WIRE_SIZE);

	if (buf[OFF_FIX_MODE] > TG_GNSS_FIX_3D)
		return tg_fail(err, errlen, "fix_mode %u, expected 0..%d", buf[OFF_FIX_MODE],
		               TG_GNSS_FIX_3D);
	if (check_bool(buf, OFF_TIME_VALID, "time_valid", err, errlen) < 0 ||
	    check_bool(buf, OFF_HAVE_POS, "have_pos", err, errlen) < 0 ||
	    check_zero(buf, OFF_RESERVED1, OFF_LAT, err, errlen) < 0 ||
	    check_angle(buf, OFF_LAT, "lat_e7", TG_GNSSSTATUS_LAT_MAX, err, errlen) < 0 ||
	    check_angle(buf, OFF_LON, "lon_e7", TG_GNSSSTATUS_LON_MAX, err, errlen) < 0 ||
	    check_bool(buf, OFF_SITE_KNOWN, "site_known", err, errlen) < 0 ||
	    check_bool(buf, OFF_SITE_SURVEY, "site_surveyed", err, errlen) < 0 ||
	    check_zero(buf, OFF_RESERVED2, OFF_SITE_LAT, err, errlen) < 0 ||
	    check_angle(buf, OFF_SITE_LAT, "site_lat_e7", TG_GNSSSTATUS_LAT_MAX, err, errlen) < 0 ||
	    check_angle(buf, OFF_SITE_LON, "site_lon_e7", TG_GNSSSTATUS_LON_MAX, err, errlen) < 0)
		return -1;
	if (buf[OFF_N_SATS] > TG_GNSSSTATUS_SATS_MAX)
		return tg_fail(err, errlen, "n_sats %u, expected 0..%d", buf[OFF_N_SATS],
		               TG_GNSSSTATUS_SATS_MAX);
	if (buf[OFF_N_USED] > buf[OFF_N_SATS])
		return tg_fail(err, errlen, "n_used %u, expected 0..%u (n_sats)", buf[OFF_N_USED],
		               buf[OFF_N_SATS]);
	if (check_zero(buf, OFF_RESERVED3, OFF_PPS_PULSES, err, errlen) < 0)
		return -1;

	/* printable up to the first NUL, NUL from there on, and at least one NUL */
	for (i = 0; i < TG_GNSSSTATUS_REASON_SIZE && buf[OFF_REFUSAL + i]; i++)
		if (!is_printable(buf[OFF_REFUSAL + i]))
			return tg_fail(err, errlen,
			               "refusal byte %zu is 0x%02x, expected printable ASCII", i,
			               buf[OFF_REFUSAL + i]);
	if (i == TG_GNSSSTATUS_REASON_SIZE)
		return tg_fail(err, errlen,
		               "refusal of %d characters without a NUL, expected at most %d",
		               TG_GNSSSTATUS_REASON_SIZE, TG_GNSSSTATUS_REASON_SIZE - 1);
	for (; i < TG_GNSSSTATUS_REASON_SIZE; i++)
		if (buf[OFF_REFUSAL + i])
			return tg_fail(err, errlen,
			               "refusal byte %zu after the NUL is 0x%02x, expected 0", i,
			               buf[OFF_REFUSAL + i]);

	n_sats = buf[OFF_N_SATS];
	for (i = 0; i < TG_GNSSSTATUS_SATS_MAX; i++) {
		const uint8_t *p = buf + OFF_SATS + i * SAT_SIZE;
		size_t k;

		if (i < n_sats) {
			if (p[SAT_USED] > 1)
				return tg_fail(err, errlen, "satellite %zu used %u, expected 0 or 1",
				               i, p[SAT_USED]);
			continue;
		}
		for (k = 0; k < SAT_SIZE; k++)
			if (p[k])
				return tg_fail(
				       err, errlen,
				       "unused satellite slot %zu (n_sats %zu) byte %zu is 0x%02x, "
				       "expected 0",
				       i, n_sats, k, p[k]);
	}

	g->updated_realtime_ns = (int64_t)tg_get_le64(buf + OFF_UPD_REAL);
	g->updated_monotonic_ns = (int64_t)tg_get_le64(buf + OFF_UPD_MONO);
	g->fix_mode = buf[OFF_FIX_MODE];
	g->time_valid = buf[OFF_TIME_VALID];
	g->have_pos = buf[OFF_HAVE_POS];
	g->lat_e7 = (int32_t)tg_get_le32(buf + OFF_LAT);
	g->lon_e7 = (int32_t)tg_get_le32(buf + OFF_LON);
	g->alt_mm = (int32_t)tg_get_le32(buf + OFF_ALT);
	g->last_fix_utc_s = (int64_t)tg_get_le64(buf + OFF_LAST_FIX);
	g->site_known = buf[OFF_SITE_KNOWN];
	g->site_surveyed = buf[OFF_SITE_SURVEY];
	g->site_lat_e7 = (int32_t)tg_get_le32(buf + OFF_SITE_LAT);
	g->site_lon_e7 = (int32_t)tg_get_le32(buf + OFF_SITE_LON);
	g->site_alt_mm = (int32_t)tg_get_le32(buf + OFF_SITE_ALT);
	g->site_distance_m = tg_get_le32(buf + OFF_SITE_DIST);
	g->n_sats = buf[OFF_N_SATS];
	g->n_used = buf[OFF_N_USED];
	for (i = 0; i < n_sats; i++) {
		const uint8_t *p = buf + OFF_SATS + i * SAT_SIZE;
		struct tg_gnssstatus_sat *s = &g->sats[i];

		s->gnss = p[SAT_GNSS];
		s->used = p[SAT_USED];
		s->svid = tg_get_le16(p + SAT_SVID);
		s->azimuth = (int16_t)tg_get_le16(p + SAT_AZ);
		s->elevation = (int8_t)p[SAT_EL];
		s->snr = (int8_t)p[SAT_SNR];
	}
	g->pps_pulses = tg_get_le64(buf + OFF_PPS_PULSES);
	g->pps_missed = tg_get_le64(buf + OFF_PPS_MISSED);
	g->pps_unpaired = tg_get_le64(buf + OFF_PPS_UNPAIRED);
	g->pps_offset_ns = (int64_t)tg_get_le64(buf + OFF_PPS_OFFSET);
	g->nmea_sentences = tg_get_le64(buf + OFF_NMEA);
	g->nmea_errors = tg_get_le64(buf + OFF_NMEA_ERRORS);
	g->refused = tg_get_le64(buf + OFF_REFUSED);
	memcpy(g->refusal, buf + OFF_REFUSAL, TG_GNSSSTATUS_REASON_SIZE);
	g->refusal_realtime_ns = (int64_t)tg_get_le64(buf + OFF_REFUSAL_TIME);
	return 0;
}

int tg_gnssstatus_write(const char *path, const struct tg_gnssstatus *g)
{
	uint8_t rec[TG_GNSSSTATUS_WIRE_SIZE];

	tg_gnssstatus_encode(g, rec);
	/* the console reads it as another user: the record is not secret */
	return tg_write_file_atomic(path, rec, sizeof(rec), 0644);
}

static const char *file_type(mode_t mode)
{
	if (S_ISDIR(mode))
		return "a directory";
	if (S_ISFIFO(mode))
		return "a FIFO";
	if (S_ISSOCK(mode))
		return "a socket";
	if (S_ISCHR(mode))
		return "a character device";
	if (S_ISBLK(mode))
		return "a block device";
	return "not a regular file";
}

int tg_gnssstatus_read(const char *path, struct tg_gnssstatus *g, char *err, size_t errlen)
{
	/* one byte more than a record: a file grown since fstat shows as too long */
	uint8_t buf[TG_GNSSSTATUS_WIRE_SIZE + 1];
	char why[160];
	struct stat sb;
	size_t n;
	ssize_t got;
	int fd, saved;

	memset(g, 0, sizeof(*g));
	/*
	 * openat(2) as lib/timestatus.c does, for readers whose seccomp
	 * filter allows openat only.  O_NONBLOCK: a FIFO planted at path
	 * must not block the reader (and is refused by the fstat below).
	 */
	fd = openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		saved = errno;
		return tg_fail(err, errlen, "%s: %s", path, strerror(saved));
	}
	if (fstat(fd, &sb) < 0) {
		saved = errno;
		close(fd);
		return tg_fail(err, errlen, "%s: fstat: %s", path, strerror(saved));
	}
	if (!S_ISREG(sb.st_mode)) {
		close(fd);
		return tg_fail(err, errlen, "%s: %s, expected a regular file", path,
		               file_type(sb.st_mode));
	}
	if (sb.st_size != TG_GNSSSTATUS_WIRE_SIZE) {
		close(fd);
		return tg_fail(err, errlen, "%s: file of %lld bytes, expected %d", path,
		               (long long)sb.st_size, TG_GNSSSTATUS_WIRE_SIZE);
	}
	got = tg_read_full(fd, buf, sizeof(buf));
	saved = errno;
	close(fd);
	if (got < 0)
		return tg_fail(err, errlen, "%s: read: %s", path, strerror(saved));
	n = (size_t)got;

	if (tg_gnssstatus_decode(buf, n, g, why, sizeof(why)) < 0)
		return tg_fail(err, errlen, "%s: %s", path, why);
	return 0;
}
