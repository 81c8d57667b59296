/*
 * test_gnssstatus.c - the GNSS detail record (lib/gnssstatus.c).
 *
 * The layout is held against an independent writer:
 * tests/fuzz/gen_gnssstatus_seeds.py builds golden_record() below with
 * Python's struct and zlib.crc32 from the layout documented in
 * gnssstatus.c and prints its CRC (GOLDEN_CRC).  One CRC over the whole
 * record covers every offset; the spot checks of single fields say which
 * one moved when it fails.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "gnssstatus.h"

#define SZ         TG_GNSSSTATUS_WIRE_SIZE
#define GOLDEN_CRC 0xea89ab5au /* gen_gnssstatus_seeds.py, record "locked3d" */

/* the fixed offsets of gnssstatus.c's header comment, restated on purpose */
#define W_FIX_MODE    24
#define W_TIME_VALID  25
#define W_HAVE_POS    26
#define W_LAT         28
#define W_LON         32
#define W_SITE_KNOWN  48
#define W_SITE_SURVEY 49
#define W_SITE_LAT    52
#define W_SITE_LON    56
#define W_N_SATS      68
#define W_N_USED      69
#define W_PPS_OFFSET  96
#define W_REFUSAL     136
#define W_SATS        232
#define W_CRC         744

static struct tg_gnssstatus golden_record(void)
{
	static const struct tg_gnssstatus_sat sats[3] = {
	    {.gnss = 0, .used = 1, .svid = 7, .azimuth = 123, .elevation = 45, .snr = 42},
	    {.gnss = 2, .used = 1, .svid = 11, .azimuth = 300, .elevation = 10, .snr = 35},
	    {.gnss = 6, .used = 0, .svid = 3, .azimuth = -1, .elevation = -128, .snr = -1},
	};
	struct tg_gnssstatus g;

	memset(&g, 0, sizeof(g));
	g.updated_realtime_ns = 1700000000123456789LL;
	g.updated_monotonic_ns = 123456789012LL;
	g.fix_mode = TG_GNSS_FIX_3D;
	g.time_valid = 1;
	g.have_pos = 1;
	g.lat_e7 = 523456789;
	g.lon_e7 = -12345678;
	g.alt_mm = 45678;
	g.last_fix_utc_s = 1700000000;
	g.site_known = 1;
	g.site_surveyed = 1;
	g.site_lat_e7 = 523456700;
	g.site_lon_e7 = -12345600;
	g.site_alt_mm = 45000;
	g.site_distance_m = 12;
	g.n_sats = 3;
	g.n_used = 2;
	memcpy(g.sats, sats, sizeof(sats));
	g.pps_pulses = 3600;
	g.pps_missed = 2;
	g.pps_unpaired = 1;
	g.pps_offset_ns = -1234;
	g.nmea_sentences = 18000;
	g.nmea_errors = 3;
	g.refused = 4;
	g.refusal_realtime_ns = 1699999990000000000LL;
	snprintf(g.refusal, sizeof(g.refusal), "offset 2.5 s beyond max-jump 1 s");
	return g;
}

static int same_sat(const struct tg_gnssstatus_sat *a, const struct tg_gnssstatus_sat *b)
{
	return a->gnss == b->gnss && a->used == b->used && a->svid == b->svid &&
	       a->elevation == b->elevation && a->azimuth == b->azimuth && a->snr == b->snr;
}

static int same_record(const struct tg_gnssstatus *a, const struct tg_gnssstatus *b)
{
	int i;

	if (!(a->updated_realtime_ns == b->updated_realtime_ns &&
	      a->updated_monotonic_ns == b->updated_monotonic_ns && a->fix_mode == b->fix_mode &&
	      a->time_valid == b->time_valid && a->have_pos == b->have_pos &&
	      a->lat_e7 == b->lat_e7 && a->lon_e7 == b->lon_e7 && a->alt_mm == b->alt_mm &&
	      a->last_fix_utc_s == b->last_fix_utc_s && a->site_known == b->site_known &&
	      a->site_surveyed == b->site_surveyed && a->site_lat_e7 == b->site_lat_e7 &&
	      a->site_lon_e7 == b->site_lon_e7 && a->site_alt_mm == b->site_alt_mm &&
	      a->site_distance_m == b->site_distance_m && a->n_sats == b->n_sats &&
	      a->n_used == b->n_used && a->pps_pulses == b->pps_pulses &&
	      a->pps_missed == b->pps_missed && a->pps_unpaired == b->pps_unpaired &&
	      a->pps_offset_ns == b->pps_offset_ns && a->nmea_sentences == b->nmea_sentences &&
	      a->nmea_errors == b->nmea_errors && a->refused == b->refused &&
	      strcmp(a->refusal, b->refusal) == 0 &&
	      a->refusal_realtime_ns == b->refusal_realtime_ns))
		return 0;
	for (i = 0; i < a->n_sats && i < TG_GNSSSTATUS_SATS_MAX; i++)
		if (!same_sat(&a->sats[i], &b->sats[i]))
			return 0;
	return 1;
}

static uint32_t le32(const uint8_t *p)
{
	return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* CRC-32 (zlib), bitwise: independent of lib/crc32.c */
static uint32_t crc_bitwise(const uint8_t *p, size_t n)
{
	uint32_t crc = 0xffffffffu;
	size_t i;
	int k;

	for (i = 0; i < n; i++) {
		crc ^= p[i];
		for (k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1)));
	}
	return ~crc;
}

/* Recompute the CRC after a deliberate change, so that a later check is what rejects it. */
static void fix_crc(uint8_t *rec)
{
	uint32_t crc = crc_bitwise(rec, W_CRC);

	rec[W_CRC] = (uint8_t)crc;
	rec[W_CRC + 1] = (uint8_t)(crc >> 8);
	rec[W_CRC + 2] = (uint8_t)(crc >> 16);
	rec[W_CRC + 3] = (uint8_t)(crc >> 24);
}

static void golden_bytes(uint8_t *rec)
{
	struct tg_gnssstatus g = golden_record();

	tg_gnssstatus_encode(&g, rec);
}

static void test_encode_golden(void)
{
	static const uint8_t head[8] = {'T', 'G', 'G', 'S', 0x01, 0x00, 0xec, 0x02};
	static const uint8_t sat1[8] = {2, 1, 11, 0, 0x2c, 0x01, 10, 35};
	static const uint8_t sat2[8] = {6, 0, 3, 0, 0xff, 0xff, 0x80, 0xff};
	static const uint8_t zero[8] = {0};
	static const char reason[] = "offset 2.5 s beyond max-jump 1 s";
	uint8_t out[SZ];
	size_t i;

	memset(out, 0xaa, sizeof(out));
	golden_bytes(out);
	CHECK_EQ_INT(le32(out + W_CRC), GOLDEN_CRC);
	CHECK_EQ_INT(crc_bitwise(out, W_CRC), GOLDEN_CRC);

	CHECK(memcmp(out, head, sizeof(head)) == 0);
	CHECK_EQ_INT(out[W_FIX_MODE], 3);
	CHECK_EQ_INT(out[W_TIME_VALID], 1);
	CHECK_EQ_INT(out[W_HAVE_POS], 1);
	CHECK_EQ_INT((int32_t)le32(out + W_LAT), 523456789);
	CHECK_EQ_INT((int32_t)le32(out + W_LON), -12345678);
	CHECK_EQ_INT(out[W_SITE_KNOWN], 1);
	CHECK_EQ_INT(out[W_SITE_SURVEY], 1);
	CHECK_EQ_INT((int32_t)le32(out + W_SITE_LAT), 523456700);
	CHECK_EQ_INT((int32_t)le32(out + W_SITE_LON), -12345600);
	CHECK_EQ_INT(out[W_N_SATS], 3);
	CHECK_EQ_INT(out[W_N_USED], 2);
	/* -1234 as a little-endian int64 */
	CHECK_EQ_INT(le32(out + W_PPS_OFFSET), 0xfffffb2eu);
	CHECK_EQ_INT(le32(out + W_PPS_OFFSET + 4), 0xffffffffu);
	CHECK(memcmp(out + W_REFUSAL, reason, sizeof(reason)) == 0);
	for (i = W_REFUSAL + sizeof(reason); i < W_SATS; i++)
		if (out[i]) {
			CHECK(!"refusal is NUL-padded");
			break;
		}
	CHECK(memcmp(out + W_SATS + 8, sat1, 8) == 0);
	CHECK(memcmp(out + W_SATS + 16, sat2, 8) == 0);
	for (i = 3; i < TG_GNSSSTATUS_SATS_MAX; i++)
		if (memcmp(out + W_SATS + 8 * i, zero, 8) != 0) {
			CHECK(!"unused satellite slots are zero");
			break;
		}
}

static void random_record(struct tg_gnssstatus *g)
{
	int i;

	memset(g, 0, sizeof(*g));
	g->updated_realtime_ns = (int64_t)check_rand();
	g->updated_monotonic_ns = (int64_t)check_rand();
	g->fix_mode = (uint8_t)(check_rand() % 4);
	g->time_valid = (uint8_t)(check_rand() & 1);
	g->have_pos = (uint8_t)(check_rand() & 1);
	g->lat_e7 =
	    (int32_t)(check_rand() % (2u * TG_GNSSSTATUS_LAT_MAX + 1)) - TG_GNSSSTATUS_LAT_MAX;
	g->lon_e7 = (int32_t)((int64_t)(check_rand() % (2u * TG_GNSSSTATUS_LON_MAX + 1)) -
	                      TG_GNSSSTATUS_LON_MAX);
	g->alt_mm = (int32_t)check_rand();
	g->last_fix_utc_s = (int64_t)check_rand();
	g->site_known = (uint8_t)(check_rand() & 1);
	g->site_surveyed = (uint8_t)(check_rand() & 1);
	g->site_lat_e7 =
	    (int32_t)(check_rand() % (2u * TG_GNSSSTATUS_LAT_MAX + 1)) - TG_GNSSSTATUS_LAT_MAX;
	g->site_lon_e7 = (int32_t)((int64_t)(check_rand() % (2u * TG_GNSSSTATUS_LON_MAX + 1)) -
	                           TG_GNSSSTATUS_LON_MAX);
	g->site_alt_mm = (int32_t)check_rand();
	g->site_distance_m = (uint32_t)check_rand();
	g->n_sats = (uint8_t)(check_rand() % (TG_GNSSSTATUS_SATS_MAX + 1));
	g->n_used = (uint8_t)(check_rand() % (g->n_sats + 1u));
	for (i = 0; i < g->n_sats; i++) {
		uint64_t r = check_rand();
		g->sats[i].gnss = (uint8_t)r;
		g->sats[i].used = (uint8_t)((r >> 8) & 1);
		g->sats[i].svid = (uint16_t)(r >> 16);
		g->sats[i].azimuth = (int16_t)(r >> 32);
		g->sats[i].elevation = (int8_t)(r >> 48);
		g->sats[i].snr = (int8_t)(r >> 56);
	}
	g->pps_pulses = check_rand();
	g->pps_missed = check_rand();
	g->pps_unpaired = check_rand();
	g->pps_offset_ns = (int64_t)check_rand();
	g->nmea_sentences = check_rand();
	g->nmea_errors = check_rand();
	g->refused = check_rand();
	g->refusal_realtime_ns = (int64_t)check_rand();
	/* any length 0..95 of printable ASCII */
	for (i = 0; i < (int)(check_rand() % TG_GNSSSTATUS_REASON_SIZE); i++)
		g->refusal[i] = (char)(0x20 + check_rand() % 95);
}

static void test_round_trip(void)
{
	struct tg_gnssstatus g = golden_record(), back;
	uint8_t out[SZ], again[SZ];
	char err[160];
	int i;

	golden_bytes(out);
	CHECK_EQ_INT(tg_gnssstatus_decode(out, sizeof(out), &back, err, sizeof(err)), 0);
	CHECK(same_record(&g, &back));

	/* the extremes of the ranges are accepted */
	g.lat_e7 = -TG_GNSSSTATUS_LAT_MAX;
	g.lon_e7 = TG_GNSSSTATUS_LON_MAX;
	g.site_lat_e7 = TG_GNSSSTATUS_LAT_MAX;
	g.site_lon_e7 = -TG_GNSSSTATUS_LON_MAX;
	g.n_sats = TG_GNSSSTATUS_SATS_MAX;
	g.n_used = TG_GNSSSTATUS_SATS_MAX;
	memset(g.refusal, 'x', TG_GNSSSTATUS_REASON_SIZE - 1);
	tg_gnssstatus_encode(&g, out);
	CHECK_EQ_INT(tg_gnssstatus_decode(out, sizeof(out), &back, err, sizeof(err)), 0);
	CHECK(same_record(&g, &back));

	for (i = 0; i < 2000; i++) {
		random_record(&g);
		tg_gnssstatus_encode(&g, out);
		if (tg_gnssstatus_decode(out, sizeof(out), &back, err, sizeof(err)) != 0 ||
		    !same_record(&g, &back)) {
			fprintf(stderr, "  round trip %d: %s\n", i, err);
			CHECK(!"random round trip");
			break;
		}
		/* canonical: the decoded record encodes to the same bytes */
		tg_gnssstatus_encode(&back, again);
		if (memcmp(out, again, sizeof(out)) != 0) {
			CHECK(!"re-encoding is byte-identical");
			break;
		}
	}
}

/* The encoder keeps the record decodable whatever the reason string holds. */
static void test_encode_refusal(void)
{
	struct tg_gnssstatus g = golden_record(), back;
	uint8_t out[SZ];
	char err[160];

	/* control and high bytes become '?' */
	snprintf(g.refusal, sizeof(g.refusal), "bad talker \x01\x7f\xc3\xa9 end");
	tg_gnssstatus_encode(&g, out);
	CHECK_EQ_INT(tg_gnssstatus_decode(out, sizeof(out), &back, err, sizeof(err)), 0);
	CHECK_EQ_STR(back.refusal, "bad talker ???? end");

	/* no NUL in 96 bytes: the first 95 are written */
	memset(g.refusal, 'a', sizeof(g.refusal));
	tg_gnssstatus_encode(&g, out);
	CHECK_EQ_INT(tg_gnssstatus_decode(out, sizeof(out), &back, err, sizeof(err)), 0);
	CHECK_EQ_INT(strlen(back.refusal), TG_GNSSSTATUS_REASON_SIZE - 1);

	/* bytes after the NUL are not written */
	memset(g.refusal, 'b', sizeof(g.refusal));
	g.refusal[3] = '\0';
	tg_gnssstatus_encode(&g, out);
	CHECK_EQ_INT(out[W_REFUSAL + 4], 0);
	CHECK_EQ_INT(tg_gnssstatus_decode(out, sizeof(out), &back, err, sizeof(err)), 0);
	CHECK_EQ_STR(back.refusal, "bbb");
}

static void expect_reject(const uint8_t *rec, size_t len, const char *word)
{
	struct tg_gnssstatus g;
	char err[200];

	memset(&g, 0x55, sizeof(g));
	err[0] = '\0';
	CHECK_EQ_INT(tg_gnssstatus_decode(rec, len, &g, err, sizeof(err)), -1);
	CHECK_EQ_INT(g.n_sats, 0); /* zeroed, not half-filled */
	CHECK_EQ_INT(g.pps_pulses, 0);
	if (!strstr(err, word)) {
		fprintf(stderr, "  message '%s' does not mention '%s'\n", err, word);
		CHECK(!"message names the problem");
	}
}

/* Set one byte of the golden record, fix the CRC, expect the message. */
static void expect_byte_reject(size_t off, uint8_t v, const char *word)
{
	uint8_t rec[SZ];

	golden_bytes(rec);
	rec[off] = v;
	fix_crc(rec);
	expect_reject(rec, SZ, word);
}

static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static void expect_angle_reject(size_t off, int32_t v, const char *word)
{
	uint8_t rec[SZ];

	golden_bytes(rec);
	put_le32(rec + off, (uint32_t)v);
	fix_crc(rec);
	expect_reject(rec, SZ, word);
}

static void test_corruptions(void)
{
	uint8_t rec[SZ + 1];

	golden_bytes(rec);
	rec[SZ] = 0;
	expect_reject(rec, SZ - 1, "747 bytes, expected 748");
	expect_reject(rec, SZ + 1, "749 bytes, expected 748");
	expect_reject(rec, 0, "0 bytes, expected 748");

	expect_byte_reject(0, 'X', "magic 0x53474758, expected 0x53474754");
	expect_byte_reject(4, 2, "version 2, expected 1");
	expect_byte_reject(6, 0xeb, "size field 747, expected 748");

	golden_bytes(rec);
	rec[W_LAT] ^= 0x10; /* without fixing the CRC */
	expect_reject(rec, SZ, "CRC");
	golden_bytes(rec);
	rec[W_CRC + 3] ^= 0x80; /* the CRC itself */
	expect_reject(rec, SZ, "CRC");

	expect_byte_reject(W_FIX_MODE, 4, "fix_mode 4, expected 0..3");
	expect_byte_reject(W_TIME_VALID, 2, "time_valid 2, expected 0 or 1");
	expect_byte_reject(W_HAVE_POS, 0xff, "have_pos 255, expected 0 or 1");
	expect_byte_reject(W_SITE_KNOWN, 2, "site_known 2, expected 0 or 1");
	expect_byte_reject(W_SITE_SURVEY, 2, "site_surveyed 2, expected 0 or 1");
	expect_byte_reject(27, 1, "reserved byte 27 is 0x01, expected 0");
	expect_byte_reject(51, 1, "reserved byte 51 is 0x01, expected 0");
	expect_byte_reject(71, 0x80, "reserved byte 71 is 0x80, expected 0");

	expect_angle_reject(W_LAT, 900000001, "lat_e7 900000001, expected -900000000..900000000");
	expect_angle_reject(W_LAT, -900000001, "lat_e7 -900000001");
	expect_angle_reject(W_LON, 1800000001,
	                    "lon_e7 1800000001, expected -1800000000..1800000000");
	expect_angle_reject(W_LON, INT32_MIN, "lon_e7 -2147483648");
	expect_angle_reject(W_SITE_LAT, -900000001, "site_lat_e7 -900000001");
	expect_angle_reject(W_SITE_LON, 1800000001, "site_lon_e7 1800000001");

	expect_byte_reject(W_N_SATS, 65, "n_sats 65, expected 0..64");
	expect_byte_reject(W_N_USED, 4, "n_used 4, expected 0..3 (n_sats)");
	/* fewer satellites than used: the third slot, still filled, is now "unused" */
	expect_byte_reject(W_N_SATS, 1, "n_used 2, expected 0..1");

	expect_byte_reject(W_REFUSAL + 2, 0x07, "refusal byte 2 is 0x07, expected printable ASCII");
	expect_byte_reject(W_REFUSAL, 0x80, "refusal byte 0 is 0x80");
	expect_byte_reject(W_REFUSAL + 50, 'z',
	                   "refusal byte 50 after the NUL is 0x7a, expected 0");
	golden_bytes(rec);
	memset(rec + W_REFUSAL, 'x', TG_GNSSSTATUS_REASON_SIZE);
	fix_crc(rec);
	expect_reject(rec, SZ, "refusal of 96 characters without a NUL, expected at most 95");

	expect_byte_reject(W_SATS + 8 + 1, 2, "satellite 1 used 2, expected 0 or 1");
	expect_byte_reject(W_SATS + 3 * 8 + 2, 1,
	                   "unused satellite slot 3 (n_sats 3) byte 2 is 0x01, expected 0");
	expect_byte_reject(W_SATS + 63 * 8 + 7, 0xff, "unused satellite slot 63");
	/* a satellite dropped from n_sats with its slot left filled */
	golden_bytes(rec);
	rec[W_N_SATS] = 2;
	fix_crc(rec);
	expect_reject(rec, SZ, "unused satellite slot 2 (n_sats 2) byte 0 is 0x06");
}

/* CRC-32 detects every single-bit error: no flipped bit may pass. */
static void test_bit_flips(void)
{
	uint8_t good[SZ], rec[SZ];
	struct tg_gnssstatus g;
	int bit;

	golden_bytes(good);
	for (bit = 0; bit < SZ * 8; bit++) {
		memcpy(rec, good, sizeof(rec));
		rec[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		if (tg_gnssstatus_decode(rec, sizeof(rec), &g, NULL, 0) != -1) {
			fprintf(stderr, "  bit %d flipped was accepted\n", bit);
			CHECK(!"single bit flip rejected");
			break;
		}
	}
}

static char tmpdir[64];

static void make_tmpdir(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/tg-test-gnssstatus-XXXXXX");
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
		if (unlink(path) < 0)
			rmdir(path);
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
	struct tg_gnssstatus g = golden_record(), back;
	char path[128], err[256];
	uint8_t raw[SZ + 10], want[SZ];
	struct stat sb;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/gnss", tmpdir);
	CHECK_EQ_INT(tg_gnssstatus_write(path, &g), 0);
	CHECK_EQ_INT(stat(path, &sb), 0);
	CHECK_EQ_INT(sb.st_size, SZ);
	CHECK_EQ_INT(sb.st_mode & 07777, 0644);
	CHECK_EQ_INT(count_entries(), 1); /* no temporary file left behind */

	fd = open(path, O_RDONLY);
	n = read(fd, raw, sizeof(raw));
	close(fd);
	CHECK_EQ_INT(n, SZ);
	golden_bytes(want);
	CHECK(memcmp(raw, want, SZ) == 0);

	CHECK_EQ_INT(tg_gnssstatus_read(path, &back, err, sizeof(err)), 0);
	CHECK(same_record(&g, &back));

	/* replace: the second write wins, still one file */
	g.n_sats = 0;
	g.n_used = 0;
	g.fix_mode = TG_GNSS_FIX_NONE;
	CHECK_EQ_INT(tg_gnssstatus_write(path, &g), 0);
	CHECK_EQ_INT(tg_gnssstatus_read(path, &back, err, sizeof(err)), 0);
	CHECK_EQ_INT(back.fix_mode, TG_GNSS_FIX_NONE);
	CHECK_EQ_INT(back.n_sats, 0);
	CHECK_EQ_INT(count_entries(), 1);

	/* a folder that does not exist: -1 with errno */
	snprintf(path, sizeof(path), "%s/nodir/gnss", tmpdir);
	errno = 0;
	CHECK_EQ_INT(tg_gnssstatus_write(path, &g), -1);
	CHECK_EQ_INT(errno, ENOENT);
}

static void expect_read_fail(const char *path, const char *word)
{
	struct tg_gnssstatus g;
	char err[256];

	memset(&g, 0x55, sizeof(g));
	err[0] = '\0';
	CHECK_EQ_INT(tg_gnssstatus_read(path, &g, err, sizeof(err)), -1);
	CHECK_EQ_INT(g.n_sats, 0);
	CHECK_EQ_INT(g.updated_monotonic_ns, 0);
	if (!strstr(err, word)) {
		fprintf(stderr, "  message '%s' does not mention '%s'\n", err, word);
		CHECK(!"message names the problem");
	}
}

static void write_raw(const char *path, const uint8_t *buf, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	CHECK(fd >= 0);
	CHECK_EQ_INT(write(fd, buf, n), (long long)n);
	close(fd);
}

static void test_read_failures(void)
{
	struct tg_gnssstatus g = golden_record();
	uint8_t rec[SZ + 1];
	char path[128];

	snprintf(path, sizeof(path), "%s/gnss", tmpdir);
	unlink(path);
	expect_read_fail(path, "No such file");

	/* short, long, corrupted */
	tg_gnssstatus_encode(&g, rec);
	rec[SZ] = 0;
	write_raw(path, rec, SZ - 1);
	expect_read_fail(path, "file of 747 bytes, expected 748");
	write_raw(path, rec, SZ + 1);
	expect_read_fail(path, "file of 749 bytes, expected 748");
	rec[100] ^= 1;
	write_raw(path, rec, SZ);
	expect_read_fail(path, "CRC");
	unlink(path);

	/* a folder where the file should be */
	CHECK_EQ_INT(mkdir(path, 0755), 0);
	expect_read_fail(path, "a directory, expected a regular file");
	rmdir(path);

	/* a FIFO with no writer: refused, and the read does not block */
	CHECK_EQ_INT(mkfifo(path, 0644), 0);
	expect_read_fail(path, "a FIFO, expected a regular file");
	unlink(path);
}

int main(void)
{
	check_seed();
	make_tmpdir();
	RUN(test_encode_golden);
	RUN(test_round_trip);
	RUN(test_encode_refusal);
	RUN(test_corruptions);
	RUN(test_bit_flips);
	RUN(test_write_read);
	RUN(test_read_failures);
	remove_tmpdir();
	return check_exit();
}
