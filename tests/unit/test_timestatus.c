/*
 * test_timestatus.c - the clock status record (lib/timestatus.c).
 *
 * The golden record below was made by an independent writer (Python's
 * struct and zlib.crc32 over the layout documented in timestatus.c), so
 * the encoder, the field offsets and the CRC are checked against
 * something that is not this code.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <dirent.h>
#include <unistd.h>

#include "check.h"
#include "timestatus.h"

#define NS 1000000000LL

static const uint8_t golden[TG_TIMESTATUS_WIRE_SIZE] = {
    0x54, 0x47, 0x54, 0x53, 0x01, 0x00, 0x60, 0x00, 0x02, 0x01, 0x01, 0x00, 0x47, 0x50, 0x53, 0x00,
    0xdc, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x90, 0xd0, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00,
    0xa0, 0x86, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x2e, 0xfb, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0x37, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x4c, 0xa4, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff,
    0x15, 0xcd, 0x85, 0x3d, 0xfe, 0x9c, 0x97, 0x17, 0x14, 0x1a, 0x99, 0xbe, 0x1c, 0x00, 0x00, 0x00,
    0x25, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xe2, 0xc3, 0xd2, 0x2f,
};

/* The record the golden bytes hold. */
static struct tg_timestatus golden_status(void)
{
	struct tg_timestatus st;

	memset(&st, 0, sizeof(st));
	st.state = TG_CLOCK_LOCKED;
	st.leap = TG_LEAP_INSERT;
	st.stratum = 1;
	memcpy(st.refid, "GPS", 4);
	st.root_delay_ns = 1500;
	st.root_dispersion_ns = 250000;
	st.error_bound_ns = 100000;
	st.offset_ns = -1234;
	st.jitter_ns = 567;
	st.freq_ppb = -89012;
	st.updated_realtime_ns = 1700000000123456789LL;
	st.updated_monotonic_ns = 123456789012LL;
	st.tai_offset_s = 37;
	return st;
}

static int same_status(const struct tg_timestatus *a, const struct tg_timestatus *b)
{
	return a->state == b->state && a->leap == b->leap && a->stratum == b->stratum &&
	       memcmp(a->refid, b->refid, 4) == 0 && a->root_delay_ns == b->root_delay_ns &&
	       a->root_dispersion_ns == b->root_dispersion_ns &&
	       a->error_bound_ns == b->error_bound_ns && a->offset_ns == b->offset_ns &&
	       a->jitter_ns == b->jitter_ns && a->freq_ppb == b->freq_ppb &&
	       a->updated_realtime_ns == b->updated_realtime_ns &&
	       a->updated_monotonic_ns == b->updated_monotonic_ns &&
	       a->tai_offset_s == b->tai_offset_s;
}

static int is_unsync_default(const struct tg_timestatus *st)
{
	return st->state == TG_CLOCK_UNSYNC && st->stratum == 16 && st->leap == TG_LEAP_NONE;
}

/* Recompute the CRC after a deliberate change, so that a later check is what rejects it. */
static void fix_crc(uint8_t *rec)
{
	/* CRC-32 (zlib), bitwise: independent of lib/crc32.c */
	uint32_t crc = 0xffffffffu;
	int i, k;

	for (i = 0; i < 92; i++) {
		crc ^= rec[i];
		for (k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1)));
	}
	crc = ~crc;
	rec[92] = (uint8_t)crc;
	rec[93] = (uint8_t)(crc >> 8);
	rec[94] = (uint8_t)(crc >> 16);
	rec[95] = (uint8_t)(crc >> 24);
}

static void test_encode_golden(void)
{
	struct tg_timestatus st = golden_status();
	uint8_t out[TG_TIMESTATUS_WIRE_SIZE];

	memset(out, 0xaa, sizeof(out));
	tg_timestatus_encode(&st, out);
	CHECK(memcmp(out, golden, sizeof(out)) == 0);
}

static void test_round_trip(void)
{
	struct tg_timestatus st = golden_status(), back;
	uint8_t out[TG_TIMESTATUS_WIRE_SIZE];
	char err[128];
	int i;

	CHECK_EQ_INT(tg_timestatus_decode(golden, sizeof(golden), &back, err, sizeof(err)), 0);
	CHECK(same_status(&st, &back));

	/* randomised values survive encode/decode */
	for (i = 0; i < 1000; i++) {
		memset(&st, 0, sizeof(st));
		st.state = (uint8_t)(check_rand() % 5);
		st.leap = (uint8_t)(check_rand() % 3);
		st.stratum = (uint8_t)(check_rand() % 17);
		st.refid[0] = (char)check_rand();
		st.refid[3] = (char)check_rand();
		st.root_delay_ns = check_rand();
		st.root_dispersion_ns = check_rand();
		st.error_bound_ns = check_rand();
		st.offset_ns = (int64_t)check_rand();
		st.jitter_ns = check_rand();
		st.freq_ppb = (int64_t)check_rand();
		st.updated_realtime_ns = (int64_t)check_rand();
		st.updated_monotonic_ns = (int64_t)check_rand();
		st.tai_offset_s = (int32_t)check_rand();
		tg_timestatus_encode(&st, out);
		if (tg_timestatus_decode(out, sizeof(out), &back, err, sizeof(err)) != 0 ||
		    !same_status(&st, &back)) {
			CHECK(!"random round trip");
			break;
		}
	}
}

static void expect_reject(const uint8_t *rec, size_t len, const char *word)
{
	struct tg_timestatus st;
	char err[160];

	err[0] = '\0';
	CHECK_EQ_INT(tg_timestatus_decode(rec, len, &st, err, sizeof(err)), -1);
	if (!strstr(err, word)) {
		fprintf(stderr, "  message '%s' does not mention '%s'\n", err, word);
		CHECK(!"message names the problem");
	}
}

static void test_corruptions(void)
{
	uint8_t rec[TG_TIMESTATUS_WIRE_SIZE + 1];

	memcpy(rec, golden, sizeof(golden));
	rec[96] = 0;
	expect_reject(rec, 95, "95 bytes, expected 96");
	expect_reject(rec, 97, "97 bytes, expected 96");
	expect_reject(rec, 0, "0 bytes, expected 96");

	memcpy(rec, golden, sizeof(golden));
	rec[0] ^= 1;
	fix_crc(rec);
	expect_reject(rec, 96, "magic");

	memcpy(rec, golden, sizeof(golden));
	rec[4] = 2;
	fix_crc(rec);
	expect_reject(rec, 96, "version 2, expected 1");

	memcpy(rec, golden, sizeof(golden));
	rec[40] ^= 0x10; /* offset_ns, without fixing the CRC */
	expect_reject(rec, 96, "CRC");

	memcpy(rec, golden, sizeof(golden));
	rec[95] ^= 0x80; /* the CRC itself */
	expect_reject(rec, 96, "CRC");

	memcpy(rec, golden, sizeof(golden));
	rec[6] = 95;
	fix_crc(rec);
	expect_reject(rec, 96, "size field");

	memcpy(rec, golden, sizeof(golden));
	rec[8] = 5;
	fix_crc(rec);
	expect_reject(rec, 96, "state 5");

	memcpy(rec, golden, sizeof(golden));
	rec[9] = 3;
	fix_crc(rec);
	expect_reject(rec, 96, "leap 3");

	memcpy(rec, golden, sizeof(golden));
	rec[10] = 17;
	fix_crc(rec);
	expect_reject(rec, 96, "stratum 17");

	memcpy(rec, golden, sizeof(golden));
	rec[11] = 1;
	fix_crc(rec);
	expect_reject(rec, 96, "reserved byte 11");

	memcpy(rec, golden, sizeof(golden));
	rec[88] = 1;
	fix_crc(rec);
	expect_reject(rec, 96, "reserved byte 88");
}

/* CRC-32 detects every single-bit error: no flipped bit may pass. */
static void test_bit_flips(void)
{
	uint8_t rec[TG_TIMESTATUS_WIRE_SIZE];
	struct tg_timestatus st;
	int bit;

	for (bit = 0; bit < TG_TIMESTATUS_WIRE_SIZE * 8; bit++) {
		memcpy(rec, golden, sizeof(rec));
		rec[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		if (tg_timestatus_decode(rec, sizeof(rec), &st, NULL, 0) != -1) {
			fprintf(stderr, "  bit %d flipped was accepted\n", bit);
			CHECK(!"single bit flip rejected");
			break;
		}
	}
}

static char tmpdir[64];

static void make_tmpdir(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/tg-test-timestatus-XXXXXX");
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		exit(1);
	}
}

static void remove_tmpdir(void)
{
	char path[512];
	struct dirent *e;
	DIR *d = opendir(tmpdir);

	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", tmpdir, e->d_name);
		unlink(path);
	}
	if (d)
		closedir(d);
	rmdir(tmpdir);
}

static int count_entries(void)
{
	struct dirent *e;
	DIR *d = opendir(tmpdir);
	int n = 0;

	while (d && (e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	if (d)
		closedir(d);
	return n;
}

static void test_write_read(void)
{
	struct tg_timestatus st = golden_status(), back;
	char path[128], err[256];
	uint8_t raw[200];
	struct stat sb;
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/status", tmpdir);
	CHECK_EQ_INT(tg_timestatus_write(path, &st), 0);
	CHECK_EQ_INT(stat(path, &sb), 0);
	CHECK_EQ_INT(sb.st_size, TG_TIMESTATUS_WIRE_SIZE);
	CHECK_EQ_INT(sb.st_mode & 07777, 0644);
	CHECK_EQ_INT(count_entries(), 1); /* no temporary file left behind */

	fd = open(path, O_RDONLY);
	n = read(fd, raw, sizeof(raw));
	close(fd);
	CHECK_EQ_INT(n, TG_TIMESTATUS_WIRE_SIZE);
	CHECK(memcmp(raw, golden, sizeof(golden)) == 0);

	/* fresh: read 1 s after the write */
	CHECK_EQ_INT(
	    tg_timestatus_read(path, st.updated_monotonic_ns + NS, &back, err, sizeof(err)), 0);
	CHECK(same_status(&st, &back));
	/* exactly at the staleness limit: still fresh */
	CHECK_EQ_INT(tg_timestatus_read(path, st.updated_monotonic_ns + TG_TIMESTATUS_STALE_S * NS,
	                                &back, err, sizeof(err)),
	             0);

	/* replace: the second write wins, still one file */
	st.state = TG_CLOCK_HOLDOVER;
	CHECK_EQ_INT(tg_timestatus_write(path, &st), 0);
	CHECK_EQ_INT(tg_timestatus_read(path, st.updated_monotonic_ns, &back, err, sizeof(err)), 0);
	CHECK_EQ_INT(back.state, TG_CLOCK_HOLDOVER);
	CHECK_EQ_INT(count_entries(), 1);

	/* a folder that does not exist: -1 with errno */
	snprintf(path, sizeof(path), "%s/nodir/status", tmpdir);
	errno = 0;
	CHECK_EQ_INT(tg_timestatus_write(path, &st), -1);
	CHECK_EQ_INT(errno, ENOENT);
}

static void expect_read_fail(const char *path, int64_t now, const char *word)
{
	struct tg_timestatus st;
	char err[256];

	memset(&st, 0x55, sizeof(st));
	err[0] = '\0';
	CHECK_EQ_INT(tg_timestatus_read(path, now, &st, err, sizeof(err)), -1);
	CHECK(is_unsync_default(&st));
	if (!strstr(err, word)) {
		fprintf(stderr, "  message '%s' does not mention '%s'\n", err, word);
		CHECK(!"message names the problem");
	}
}

static void test_read_failures(void)
{
	struct tg_timestatus st = golden_status();
	int64_t t0 = st.updated_monotonic_ns;
	char path[128];
	uint8_t rec[TG_TIMESTATUS_WIRE_SIZE];
	int fd;

	snprintf(path, sizeof(path), "%s/status", tmpdir);
	unlink(path);
	expect_read_fail(path, t0, "No such file");

	CHECK_EQ_INT(tg_timestatus_write(path, &st), 0);
	/* stale: one nanosecond past the limit */
	expect_read_fail(path, t0 + TG_TIMESTATUS_STALE_S * NS + 1, "stale");
	/* written "in the future" of CLOCK_MONOTONIC: a record from an earlier boot */
	expect_read_fail(path, t0 - NS, "future");
	/* extreme values do not overflow */
	expect_read_fail(path, INT64_MIN, "future");
	st.updated_monotonic_ns = INT64_MIN;
	CHECK_EQ_INT(tg_timestatus_write(path, &st), 0);
	expect_read_fail(path, INT64_MAX, "stale");

	/* a truncated file and a corrupted one */
	tg_timestatus_encode(&st, rec);
	fd = open(path, O_WRONLY | O_TRUNC);
	CHECK_EQ_INT(write(fd, rec, 95), 95);
	close(fd);
	expect_read_fail(path, t0, "95 bytes, expected 96");
	rec[20] ^= 1;
	fd = open(path, O_WRONLY | O_TRUNC);
	CHECK_EQ_INT(write(fd, rec, sizeof(rec)), (long long)sizeof(rec));
	close(fd);
	expect_read_fail(path, t0, "CRC");

	/* a folder where the file should be */
	unlink(path);
	CHECK_EQ_INT(mkdir(path, 0755), 0);
	expect_read_fail(path, t0, "Is a directory");
	rmdir(path);
}

int main(void)
{
	check_seed();
	make_tmpdir();
	RUN(test_encode_golden);
	RUN(test_round_trip);
	RUN(test_corruptions);
	RUN(test_bit_flips);
	RUN(test_write_read);
	RUN(test_read_failures);
	remove_tmpdir();
	return check_exit();
}
