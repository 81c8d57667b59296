/*
 * timestatus.c - the clock status record: wire format, atomic file I/O.
 *
 * Wire record, TG_TIMESTATUS_WIRE_SIZE (96) bytes, little-endian:
 *
 *    off size field
 *      0   4  magic                TG_TIMESTATUS_MAGIC ("TGTS")
 *      4   2  version              TG_TIMESTATUS_VERSION
 *      6   2  size                 96 (the whole record)
 *      8   1  state                enum tg_clock_state (0..4)
 *      9   1  leap                 enum tg_leap (0..2)
 *     10   1  stratum              0..16
 *     11   1  reserved             0
 *     12   4  refid                NUL-padded
 *     16   8  root_delay_ns
 *     24   8  root_dispersion_ns
 *     32   8  error_bound_ns
 *     40   8  offset_ns            signed
 *     48   8  jitter_ns
 *     56   8  freq_ppb             signed
 *     64   8  updated_realtime_ns  signed
 *     72   8  updated_monotonic_ns signed
 *     80   4  tai_offset_s         signed
 *     84   8  reserved             0
 *     92   4  crc32                IEEE (zlib) CRC-32 of bytes 0..91
 *
 * The decoder checks, in this order: size, magic, version, CRC, then the
 * ranges of the enumerations and that reserved bytes are zero (a later
 * version that uses them bumps the version).
 */
#include "timestatus.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crc32.h"
#include "fileio.h"
#include "le.h"
#include "log.h"

#define OFF_MAGIC       0
#define OFF_VERSION     4
#define OFF_SIZE        6
#define OFF_STATE       8
#define OFF_LEAP        9
#define OFF_STRATUM     10
#define OFF_RESERVED1   11
#define OFF_REFID       12
#define OFF_ROOT_DELAY  16
#define OFF_ROOT_DISP   24
#define OFF_ERROR_BOUND 32
#define OFF_OFFSET      40
#define OFF_JITTER      48
#define OFF_FREQ        56
#define OFF_UPD_REAL    64
#define OFF_UPD_MONO    72
#define OFF_TAI         80
#define OFF_RESERVED2   84
#define OFF_CRC         92

#define NS_PER_S 1000000000LL

_Static_assert(OFF_CRC + 4 == TG_TIMESTATUS_WIRE_SIZE, "wire layout must fill 96 bytes");

void tg_timestatus_encode(const struct tg_timestatus *st, uint8_t out[TG_TIMESTATUS_WIRE_SIZE])
{
	memset(out, 0, TG_TIMESTATUS_WIRE_SIZE);
	tg_put_le32(out + OFF_MAGIC, TG_TIMESTATUS_MAGIC);
	tg_put_le16(out + OFF_VERSION, TG_TIMESTATUS_VERSION);
	tg_put_le16(out + OFF_SIZE, TG_TIMESTATUS_WIRE_SIZE);
	out[OFF_STATE] = st->state;
	out[OFF_LEAP] = st->leap;
	out[OFF_STRATUM] = st->stratum;
	memcpy(out + OFF_REFID, st->refid, 4);
	tg_put_le64(out + OFF_ROOT_DELAY, st->root_delay_ns);
	tg_put_le64(out + OFF_ROOT_DISP, st->root_dispersion_ns);
	tg_put_le64(out + OFF_ERROR_BOUND, st->error_bound_ns);
	tg_put_le64(out + OFF_OFFSET, (uint64_t)st->offset_ns);
	tg_put_le64(out + OFF_JITTER, st->jitter_ns);
	tg_put_le64(out + OFF_FREQ, (uint64_t)st->freq_ppb);
	tg_put_le64(out + OFF_UPD_REAL, (uint64_t)st->updated_realtime_ns);
	tg_put_le64(out + OFF_UPD_MONO, (uint64_t)st->updated_monotonic_ns);
	tg_put_le32(out + OFF_TAI, (uint32_t)st->tai_offset_s);
	tg_put_le32(out + OFF_CRC, tg_crc32(0, out, OFF_CRC));
}

int tg_timestatus_decode(const uint8_t *buf, size_t len, struct tg_timestatus *st, char *err,
                         size_t errlen)
{
	uint32_t magic, crc, want_crc;
	uint16_t version, size;
	size_t i;

	memset(st, 0, sizeof(*st));
	if (len != TG_TIMESTATUS_WIRE_SIZE)
		return tg_fail(err, errlen, "record of %zu bytes, expected %d", len,
		               TG_TIMESTATUS_WIRE_SIZE);
	magic = tg_get_le32(buf + OFF_MAGIC);
	if (magic != TG_TIMESTATUS_MAGIC)
		return tg_fail(err, errlen, "magic 0x%08x, expected 0x%08x", magic,
		               TG_TIMESTATUS_MAGIC);
	version = tg_get_le16(buf + OFF_VERSION);
	if (version != TG_TIMESTATUS_VERSION)
		return tg_fail(err, errlen, "version %u, expected %d", version, TG_TIMESTATUS_VERSION);
	crc = tg_get_le32(buf + OFF_CRC);
	want_crc = tg_crc32(0, buf, OFF_CRC);
	if (crc != want_crc)
		return tg_fail(err, errlen, "CRC 0x%08x, expected 0x%08x", crc, want_crc);
	size = tg_get_le16(buf + OFF_SIZE);
	if (size != TG_TIMESTATUS_WIRE_SIZE)
		return tg_fail(err, errlen, "size field %u, expected %d", size,
		               TG_TIMESTATUS_WIRE_SIZE);
	if (buf[OFF_STATE] > TG_CLOCK_FAILED)
		return tg_fail(err, errlen, "state %u, expected 0..%d", buf[OFF_STATE],
		               TG_CLOCK_FAILED);
	if (buf[OFF_LEAP] > TG_LEAP_DELETE)
		return tg_fail(err, errlen, "leap %u, expected 0..%d", buf[OFF_LEAP], TG_LEAP_DELETE);
	if (buf[OFF_STRATUM] > 16)
		return tg_fail(err, errlen, "stratum %u, expected 0..16", buf[OFF_STRATUM]);
	if (buf[OFF_RESERVED1])
		return tg_fail(err, errlen, "reserved byte 11 is 0x%02x, expected 0",
		               buf[OFF_RESERVED1]);
	for (i = OFF_RESERVED2; i < OFF_CRC; i++)
		if (buf[i])
			return tg_fail(err, errlen, "reserved byte %zu is 0x%02x, expected 0", i,
			               buf[i]);

	st->state = buf[OFF_STATE];
	st->leap = buf[OFF_LEAP];
	st->stratum = buf[OFF_STRATUM];
	memcpy(st->refid, buf + OFF_REFID, 4);
	st->root_delay_ns = tg_get_le64(buf + OFF_ROOT_DELAY);
	st->root_dispersion_ns = tg_get_le64(buf + OFF_ROOT_DISP);
	st->error_bound_ns = tg_get_le64(buf + OFF_ERROR_BOUND);
	st->offset_ns = (int64_t)tg_get_le64(buf + OFF_OFFSET);
	st->jitter_ns = tg_get_le64(buf + OFF_JITTER);
	st->freq_ppb = (int64_t)tg_get_le64(buf + OFF_FREQ);
	st->updated_realtime_ns = (int64_t)tg_get_le64(buf + OFF_UPD_REAL);
	st->updated_monotonic_ns = (int64_t)tg_get_le64(buf + OFF_UPD_MONO);
	st->tai_offset_s = (int32_t)tg_get_le32(buf + OFF_TAI);
	return 0;
}

int tg_timestatus_write(const char *path, const struct tg_timestatus *st)
{
	uint8_t rec[TG_TIMESTATUS_WIRE_SIZE];

	tg_timestatus_encode(st, rec);
	/* readers run as other users (ntsd, console): the record is not secret */
	return tg_write_file_atomic(path, rec, sizeof(rec), 0644);
}

static void unsync_defaults(struct tg_timestatus *st)
{
	memset(st, 0, sizeof(*st));
	st->state = TG_CLOCK_UNSYNC;
	st->leap = TG_LEAP_NONE;
	st->stratum = 16;
}

int tg_timestatus_read(const char *path, int64_t now_monotonic_ns, struct tg_timestatus *st,
                       char *err, size_t errlen)
{
	/* one byte more than a record, to tell "too long" from "exact" */
	uint8_t buf[TG_TIMESTATUS_WIRE_SIZE + 1];
	char why[160];
	size_t n;
	ssize_t got;
	uint64_t age;
	int fd, saved;

	/*
	 * openat(2) on purpose: the sandboxed reader in ntsd allows openat
	 * only (musl's open() would use open(2) on x86_64).  O_NONBLOCK: a
	 * FIFO planted at path must not block the reader.
	 */
	fd = openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		saved = errno;
		unsync_defaults(st);
		return tg_fail(err, errlen, "%s: %s", path, strerror(saved));
	}
	got = tg_read_full(fd, buf, sizeof(buf));
	saved = errno;
	close(fd);
	if (got < 0) {
		unsync_defaults(st);
		return tg_fail(err, errlen, "%s: read: %s", path, strerror(saved));
	}
	n = (size_t)got;

	if (tg_timestatus_decode(buf, n, st, why, sizeof(why)) < 0) {
		unsync_defaults(st);
		return tg_fail(err, errlen, "%s: %s", path, why);
	}
	/* differences in uint64_t: no signed overflow whatever the record holds */
	if (st->updated_monotonic_ns > now_monotonic_ns) {
		uint64_t ahead = (uint64_t)st->updated_monotonic_ns - (uint64_t)now_monotonic_ns;
		unsync_defaults(st);
		return tg_fail(err, errlen,
		               "%s: written %llu ms in the future of CLOCK_MONOTONIC (left from an "
		               "earlier boot?)",
		               path, (unsigned long long)(ahead / 1000000));
	}
	age = (uint64_t)now_monotonic_ns - (uint64_t)st->updated_monotonic_ns;
	if (age > (uint64_t)TG_TIMESTATUS_STALE_S * NS_PER_S) {
		unsync_defaults(st);
		return tg_fail(err, errlen, "%s: stale: written %llu s ago, expected at most %d s",
		               path, (unsigned long long)(age / NS_PER_S), TG_TIMESTATUS_STALE_S);
	}
	return 0;
}
