/*
 * test_ntp.c - NTP packet parsing, response building and timestamps
 * (lib/ntp.c).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "ntp.h"

/* A client request: LI 0, version vn, mode, transmit timestamp tx. */
static size_t make_request(uint8_t *buf, size_t cap, int vn, int mode, uint64_t tx)
{
	memset(buf, 0, cap);
	buf[0] = (uint8_t)(vn << 3 | mode);
	buf[2] = 6;            /* poll 2^6 */
	buf[3] = (uint8_t)-20; /* precision */
	tg_ntp_put64(buf + 40, tx);
	return TG_NTP_HEADER_LEN;
}

/* Append an extension field of total length len (type 0x0104, zero body). */
static size_t add_ef(uint8_t *buf, size_t off, uint16_t type, uint16_t len)
{
	tg_ntp_put16(buf + off, type);
	tg_ntp_put16(buf + off + 2, len);
	return off + (len >= 4 ? len : 4);
}

static int parse(const uint8_t *buf, size_t len, struct tg_ntp_packet *p, char *err, size_t errlen)
{
	return tg_ntp_parse(buf, len, p, err, errlen);
}

static void test_parse_v4_client(void)
{
	uint8_t b[TG_NTP_MAX_PACKET];
	struct tg_ntp_packet p;
	char err[160];

	make_request(b, sizeof(b), 4, TG_NTP_MODE_CLIENT, 0x0123456789abcdefull);
	b[0] |= 3 << 6; /* LI alarm, as clients send before they sync */
	b[1] = 2;
	tg_ntp_put32(b + 4, 0x00012345);
	tg_ntp_put32(b + 8, 0x00006789);
	memcpy(b + 12, "ABCD", 4);
	tg_ntp_put64(b + 16, 1);
	tg_ntp_put64(b + 24, 2);
	tg_ntp_put64(b + 32, 3);
	CHECK_EQ_INT(parse(b, 48, &p, err, sizeof(err)), TG_NTP_OK);
	CHECK_EQ_INT(p.leap, 3);
	CHECK_EQ_INT(p.version, 4);
	CHECK_EQ_INT(p.mode, TG_NTP_MODE_CLIENT);
	CHECK_EQ_INT(p.stratum, 2);
	CHECK_EQ_INT(p.poll, 6);
	CHECK_EQ_INT(p.precision, -20);
	CHECK_EQ_INT(p.root_delay, 0x00012345);
	CHECK_EQ_INT(p.root_dispersion, 0x00006789);
	CHECK(memcmp(p.refid, "ABCD", 4) == 0);
	CHECK(p.reference_ts == 1 && p.origin_ts == 2 && p.receive_ts == 3);
	CHECK(p.transmit_ts == 0x0123456789abcdefull);
	CHECK_EQ_INT(p.len, 48);
	CHECK_EQ_INT(p.n_ef, 0);
	CHECK_EQ_INT(p.mac_len, 0);
	CHECK_EQ_INT(p.mac_off, 0);
}

static void test_parse_versions(void)
{
	uint8_t b[64];
	struct tg_ntp_packet p;
	char err[160];
	int v;

	for (v = 0; v < 8; v++) {
		make_request(b, sizeof(b), v, TG_NTP_MODE_CLIENT, 7);
		err[0] = '\0';
		if (v >= 1 && v <= 4) {
			CHECK_EQ_INT(parse(b, 48, &p, err, sizeof(err)), TG_NTP_OK);
			CHECK_EQ_INT(p.version, v);
		} else {
			CHECK_EQ_INT(parse(b, 48, &p, err, sizeof(err)), TG_NTP_EVERSION);
			CHECK(strstr(err, "expected 1..4") != NULL);
		}
	}
	CHECK_EQ_STR(tg_ntp_strerror(TG_NTP_EVERSION), "version");
}

static void test_parse_short_long(void)
{
	uint8_t b[TG_NTP_MAX_PACKET + 8];
	struct tg_ntp_packet p;
	char err[160];
	size_t len;

	make_request(b, sizeof(b), 4, TG_NTP_MODE_CLIENT, 7);
	CHECK_EQ_INT(parse(b, 47, &p, err, sizeof(err)), TG_NTP_ESHORT);
	CHECK(strstr(err, "47 bytes, expected at least 48") != NULL);
	CHECK_EQ_INT(parse(b, 0, &p, NULL, 0), TG_NTP_ESHORT);

	/* the largest accepted packet: one field filling it */
	add_ef(b, 48, 0x0104, TG_NTP_MAX_PACKET - 48);
	CHECK_EQ_INT(parse(b, TG_NTP_MAX_PACKET, &p, err, sizeof(err)), TG_NTP_OK);
	CHECK_EQ_INT(p.n_ef, 1);
	len = TG_NTP_MAX_PACKET + 4;
	add_ef(b, 48, 0x0104, (uint16_t)(len - 48));
	CHECK_EQ_INT(parse(b, len, &p, err, sizeof(err)), TG_NTP_ELONG);
}

/* Mode is reported, not judged: the server drops what is not mode 3. */
static void test_parse_modes(void)
{
	uint8_t b[48];
	struct tg_ntp_packet p;
	int mode;

	for (mode = 0; mode < 8; mode++) {
		make_request(b, sizeof(b), 4, mode, 7);
		CHECK_EQ_INT(parse(b, 48, &p, NULL, 0), TG_NTP_OK);
		CHECK_EQ_INT(p.mode, mode);
	}
}

static void test_parse_ext_valid(void)
{
	uint8_t b[TG_NTP_MAX_PACKET];
	struct tg_ntp_packet p;
	char err[160];
	size_t off;
	int i;

	/* one smallest field */
	make_request(b, sizeof(b), 4, TG_NTP_MODE_CLIENT, 7);
	off = add_ef(b, 48, 0x0104, 16);
	CHECK_EQ_INT(parse(b, off, &p, err, sizeof(err)), TG_NTP_OK);
	CHECK_EQ_INT(p.n_ef, 1);
	CHECK_EQ_INT(p.ef[0].off, 48);
	CHECK_EQ_INT(p.ef[0].type, 0x0104);
	CHECK_EQ_INT(p.ef[0].len, 16);

	/* an NTS-like request: unique id 36, cookie 104, placeholder 104, authenticator 40 */
	off = add_ef(b, 48, 0x0104, 36);
	off = add_ef(b, off, 0x0204, 104);
	off = add_ef(b, off, 0x0304, 104);
	off = add_ef(b, off, 0x0404, 40);
	CHECK_EQ_INT(parse(b, off, &p, err, sizeof(err)), TG_NTP_OK);
	CHECK_EQ_INT(p.n_ef, 4);
	CHECK_EQ_INT(p.ef[1].off, 48 + 36);
	CHECK_EQ_INT(p.ef[1].type, 0x0204);
	CHECK_EQ_INT(p.ef[3].off, 48 + 36 + 104 + 104);
	CHECK_EQ_INT(p.ef[3].len, 40);
	CHECK_EQ_INT(p.len, off);

	/* exactly TG_NTP_MAX_EF fields */
	off = 48;
	for (i = 0; i < TG_NTP_MAX_EF; i++)
		off = add_ef(b, off, (uint16_t)i, 16);
	CHECK_EQ_INT(parse(b, off, &p, err, sizeof(err)), TG_NTP_OK);
	CHECK_EQ_INT(p.n_ef, TG_NTP_MAX_EF);
	CHECK_EQ_INT(p.ef[TG_NTP_MAX_EF - 1].type, TG_NTP_MAX_EF - 1);
	/* one more is malformed */
	off = add_ef(b, off, 0x99, 16);
	CHECK_EQ_INT(parse(b, off, &p, err, sizeof(err)), TG_NTP_EEXT);
	CHECK(strstr(err, "more than 16") != NULL);
}

static void expect_eext(const uint8_t *b, size_t len, const char *word)
{
	struct tg_ntp_packet p;
	char err[200];

	err[0] = '\0';
	CHECK_EQ_INT(parse(b, len, &p, err, sizeof(err)), TG_NTP_EEXT);
	if (!strstr(err, word)) {
		fprintf(stderr, "  message '%s' does not mention '%s'\n", err, word);
		CHECK(!"message names the problem");
	}
}

static void test_parse_ext_invalid(void)
{
	uint8_t b[TG_NTP_MAX_PACKET];
	size_t off;

	make_request(b, sizeof(b), 4, TG_NTP_MODE_CLIENT, 7);
	/* length below 16 */
	add_ef(b, 48, 0x0104, 12);
	expect_eext(b, 48 + 28, "length 12");
	add_ef(b, 48, 0x0104, 0);
	expect_eext(b, 48 + 28, "length 0");
	/* not a multiple of 4 */
	add_ef(b, 48, 0x0104, 30);
	expect_eext(b, 48 + 32, "length 30");
	/* overrun: the field claims more than the packet holds */
	add_ef(b, 48, 0x0104, 40);
	expect_eext(b, 48 + 36, "exceeds the 36 bytes left");
	add_ef(b, 48, 0x0104, 0xfffc);
	expect_eext(b, 48 + 28, "exceeds");
	/* trailing bytes that are neither a field nor a MAC */
	off = add_ef(b, 48, 0x0104, 28);
	expect_eext(b, off + 4, "4 bytes at offset 76");
	expect_eext(b, off + 12, "12 bytes at offset 76");
	/* (a 16-byte field and 4 more bytes would be 20 bytes: a MAC, see test_parse_mac) */
	expect_eext(b, 48 + 4, "4 bytes at offset 48");
	expect_eext(b, 48 + 8, "8 bytes at offset 48");
	/* a field followed by an overrunning one */
	off = add_ef(b, 48, 0x0104, 16);
	add_ef(b, off, 0x0204, 64);
	expect_eext(b, off + 32, "extension field 0x0204 at offset 64");
}

static void test_parse_mac(void)
{
	uint8_t b[TG_NTP_MAX_PACKET];
	struct tg_ntp_packet p;
	char err[160];
	size_t off;

	/* NTPv4 with a bare legacy MAC: 20 (MD5) or 24 (SHA-1) bytes */
	make_request(b, sizeof(b), 4, TG_NTP_MODE_CLIENT, 7);
	CHECK_EQ_INT(parse(b, 48 + 20, &p, err, sizeof(err)), TG_NTP_OK);
	CHECK_EQ_INT(p.n_ef, 0);
	CHECK_EQ_INT(p.mac_off, 48);
	CHECK_EQ_INT(p.mac_len, 20);
	CHECK_EQ_INT(parse(b, 48 + 24, &p, err, sizeof(err)), TG_NTP_OK);
	CHECK_EQ_INT(p.mac_len, 24);

	/* a field, then a MAC */
	off = add_ef(b, 48, 0x0104, 28);
	CHECK_EQ_INT(parse(b, off + 24, &p, err, sizeof(err)), TG_NTP_OK);
	CHECK_EQ_INT(p.n_ef, 1);
	CHECK_EQ_INT(p.mac_off, off);
	CHECK_EQ_INT(p.mac_len, 24);
	/* 20 trailing bytes are a MAC even if they would parse as a field */
	add_ef(b, 48, 0x0104, 20);
	CHECK_EQ_INT(parse(b, 48 + 20, &p, err, sizeof(err)), TG_NTP_OK);
	CHECK_EQ_INT(p.n_ef, 0);
	CHECK_EQ_INT(p.mac_len, 20);
	/* other MAC sizes are not accepted (RFC 7822 caps v4 MACs at 24) */
	/* 28 bytes: not a MAC length, so a field of 20, then 8 stray bytes */
	expect_eext(b, 48 + 28, "8 bytes at offset 68");
	memset(b + 48, 0, 40);
	expect_eext(b, 48 + 36, "length 0");

	/* NTPv3: MAC or nothing, never extension fields */
	make_request(b, sizeof(b), 3, TG_NTP_MODE_CLIENT, 7);
	CHECK_EQ_INT(parse(b, 48, &p, err, sizeof(err)), TG_NTP_OK);
	CHECK_EQ_INT(parse(b, 48 + 20, &p, err, sizeof(err)), TG_NTP_OK);
	CHECK_EQ_INT(p.mac_len, 20);
	CHECK_EQ_INT(parse(b, 48 + 24, &p, err, sizeof(err)), TG_NTP_OK);
	CHECK_EQ_INT(p.mac_len, 24);
	add_ef(b, 48, 0x0104, 16);
	expect_eext(b, 48 + 16,
	            "NTPv3 packet: expected 0, 20 or 24 bytes after the header, got 16");
	expect_eext(b, 48 + 28, "got 28");
}

/* Random input: never a crash, and an accepted packet is fully accounted for. */
static void test_parse_random(void)
{
	uint8_t b[TG_NTP_MAX_PACKET + 16];
	struct tg_ntp_packet p;
	int i, ok = 0;

	for (i = 0; i < 200000; i++) {
		size_t len = (size_t)(check_rand() % sizeof(b)), k, sum;

		for (k = 0; k < len; k++)
			b[k] = (uint8_t)check_rand();
		/* bias toward plausible headers and field lengths */
		if (len > 0 && (i & 1))
			b[0] = (uint8_t)(4 << 3 | 3);
		if (len >= 52 && (i & 2))
			tg_ntp_put16(b + 50, (uint16_t)(16 + 4 * (check_rand() % 8)));
		if (tg_ntp_parse(b, len, &p, NULL, 0) != TG_NTP_OK)
			continue;
		ok++;
		sum = TG_NTP_HEADER_LEN + p.mac_len;
		for (k = 0; k < p.n_ef; k++) {
			CHECK(p.ef[k].len >= 16 && p.ef[k].len % 4 == 0);
			CHECK(p.ef[k].off == (k ? p.ef[k - 1].off + p.ef[k - 1].len : 48));
			sum += p.ef[k].len;
		}
		if (sum != len) {
			CHECK(!"fields and MAC add up to the length");
			break;
		}
	}
	CHECK(ok > 0);
}

static void test_timestamps(void)
{
	struct timespec ts, back;
	uint64_t ntp;
	int i;

	/* the Unix epoch is 2208988800 s into NTP era 0 */
	ts.tv_sec = 0;
	ts.tv_nsec = 0;
	CHECK(tg_ntp_from_timespec(&ts) == (uint64_t)0x83aa7e80 << 32);
	/* half a second is 0x80000000 */
	ts.tv_nsec = 500000000;
	CHECK(tg_ntp_from_timespec(&ts) == ((uint64_t)0x83aa7e80 << 32 | 0x80000000u));
	CHECK(tg_ntp_from_unix_ns(500000000) == tg_ntp_from_timespec(&ts));
	/* before 1970 */
	CHECK(tg_ntp_from_unix_ns(-1) == ((uint64_t)0x83aa7e7f << 32 | 0xfffffffcu));

	/* era 1 starts 2036-02-07 06:28:16 UTC = Unix 2085978496: its seconds are 0 again */
	ts.tv_sec = 2085978496;
	ts.tv_nsec = 0;
	CHECK(tg_ntp_from_timespec(&ts) == 0);
	ts.tv_sec = 2085978495;
	CHECK(tg_ntp_from_timespec(&ts) >> 32 == 0xffffffffu);

	/* era picked from the pivot */
	tg_ntp_to_timespec(0, 2085978496, &back);
	CHECK_EQ_INT(back.tv_sec, 2085978496);
	tg_ntp_to_timespec(0, 946684800, &back); /* pivot 2000: 0 is 2036, not 1900 */
	CHECK_EQ_INT(back.tv_sec, 2085978496);
	tg_ntp_to_timespec((uint64_t)0xffffffff << 32, 2085978496 + 100, &back); /* just before */
	CHECK_EQ_INT(back.tv_sec, 2085978495);
	tg_ntp_to_timespec((uint64_t)10 << 32, 2085978496 - 100, &back); /* just after */
	CHECK_EQ_INT(back.tv_sec, 2085978506);
	tg_ntp_to_timespec((uint64_t)0x83aa7e80 << 32, 1700000000, &back); /* 1970 from 2023 */
	CHECK_EQ_INT(back.tv_sec, 0);
	tg_ntp_to_timespec((uint64_t)0x83aa7e80 << 32, 4000000000LL, &back); /* 2106 from 2096 */
	CHECK_EQ_INT(back.tv_sec, 4294967296LL);

	/* timespec -> NTP -> timespec is exact, in any era near the pivot */
	for (i = 0; i < 100000; i++) {
		int64_t pivot = (int64_t)(check_rand() % 8000000000ull) - 2000000000LL;
		int64_t off = (int64_t)(check_rand() % 4000000000ull) - 2000000000LL;

		ts.tv_sec = (time_t)(pivot + off);
		ts.tv_nsec = (long)(check_rand() % 1000000000u);
		ntp = tg_ntp_from_timespec(&ts);
		tg_ntp_to_timespec(ntp, pivot, &back);
		if (back.tv_sec != ts.tv_sec || back.tv_nsec != ts.tv_nsec) {
			fprintf(stderr, "  %lld.%09ld (pivot %lld) came back as %lld.%09ld\n",
			        (long long)ts.tv_sec, ts.tv_nsec, (long long)pivot,
			        (long long)back.tv_sec, back.tv_nsec);
			CHECK(!"exact round trip");
			break;
		}
	}
}

static void test_short_and_precision(void)
{
	CHECK_EQ_INT(tg_ntp_short_from_ns(0), 0);
	CHECK_EQ_INT(tg_ntp_short_from_ns(1), 1); /* rounded up */
	CHECK_EQ_INT(tg_ntp_short_from_ns(1000000000ull), 0x10000);
	CHECK_EQ_INT(tg_ntp_short_from_ns(1500000000ull), 0x18000);
	CHECK_EQ_INT(tg_ntp_short_from_ns(15258ull), 1); /* 2^-16 s = 15258.8 ns */
	CHECK_EQ_INT(tg_ntp_short_from_ns(15259ull), 2);
	CHECK_EQ_INT(tg_ntp_short_from_ns(65535999999999ull), 0xffffffffu);
	CHECK_EQ_INT(tg_ntp_short_from_ns(65536000000000ull), 0xffffffffu);
	CHECK_EQ_INT(tg_ntp_short_from_ns(UINT64_MAX), 0xffffffffu);

	CHECK_EQ_INT(tg_ntp_precision_from_ns(0), -29);
	CHECK_EQ_INT(tg_ntp_precision_from_ns(1), -29);
	CHECK_EQ_INT(tg_ntp_precision_from_ns(2), -28);
	CHECK_EQ_INT(tg_ntp_precision_from_ns(1000), -19);
	CHECK_EQ_INT(tg_ntp_precision_from_ns(1000000), -9);
	CHECK_EQ_INT(tg_ntp_precision_from_ns(4000000), -7); /* 250 Hz jiffies */
	CHECK_EQ_INT(tg_ntp_precision_from_ns(1000000000), 0);
	CHECK_EQ_INT(tg_ntp_precision_from_ns(3000000000ull), 2);
}

static void test_build_response(void)
{
	uint8_t req[TG_NTP_MAX_PACKET], out[TG_NTP_MAX_PACKET];
	struct tg_ntp_server_info info;
	struct tg_ntp_packet p, r;

	make_request(req, sizeof(req), 3, TG_NTP_MODE_CLIENT, 0x1122334455667788ull);
	CHECK_EQ_INT(tg_ntp_parse(req, 48, &p, NULL, 0), TG_NTP_OK);

	memset(&info, 0, sizeof(info));
	info.leap = TG_NTP_LEAP_INSERT;
	info.stratum = 1;
	info.precision = -29;
	info.root_delay = 0x10;
	info.root_dispersion = 0x20;
	memcpy(info.refid, "GPS", 4);
	info.reference_ts = 0xaaaaaaaabbbbbbbbull;

	CHECK_EQ_INT(tg_ntp_build_response(&p, &info, 0x100, 0x200, out, 47), 0);
	memset(out, 0xee, sizeof(out));
	CHECK_EQ_INT(tg_ntp_build_response(&p, &info, 0x100, 0x200, out, sizeof(out)), 48);
	CHECK_EQ_INT(out[48], 0xee); /* nothing written past the header */
	CHECK_EQ_INT(tg_ntp_parse(out, 48, &r, NULL, 0), TG_NTP_OK);
	CHECK_EQ_INT(r.leap, TG_NTP_LEAP_INSERT);
	CHECK_EQ_INT(r.version, 3); /* the request's */
	CHECK_EQ_INT(r.mode, TG_NTP_MODE_SERVER);
	CHECK_EQ_INT(r.stratum, 1);
	CHECK_EQ_INT(r.poll, 6); /* the request's */
	CHECK_EQ_INT(r.precision, -29);
	CHECK_EQ_INT(r.root_delay, 0x10);
	CHECK_EQ_INT(r.root_dispersion, 0x20);
	CHECK(memcmp(r.refid, "GPS", 4) == 0);
	CHECK(r.reference_ts == 0xaaaaaaaabbbbbbbbull);
	CHECK(r.origin_ts == 0x1122334455667788ull);
	CHECK(r.receive_ts == 0x100);
	CHECK(r.transmit_ts == 0x200);

	tg_ntp_set_transmit(out, 0x0102030405060708ull);
	CHECK_EQ_INT(tg_ntp_parse(out, 48, &r, NULL, 0), TG_NTP_OK);
	CHECK(r.transmit_ts == 0x0102030405060708ull);
	CHECK(r.receive_ts == 0x100);

	/* unsynchronised, as ntsd sends it: LI 3, stratum 0 */
	info.leap = TG_NTP_LEAP_ALARM;
	info.stratum = 0;
	CHECK_EQ_INT(tg_ntp_build_response(&p, &info, 1, 2, out, sizeof(out)), 48);
	CHECK_EQ_INT(out[0], 3 << 6 | 3 << 3 | 4);
	CHECK_EQ_INT(out[1], 0);
}

int main(void)
{
	check_seed();
	RUN(test_parse_v4_client);
	RUN(test_parse_versions);
	RUN(test_parse_short_long);
	RUN(test_parse_modes);
	RUN(test_parse_ext_valid);
	RUN(test_parse_ext_invalid);
	RUN(test_parse_mac);
	RUN(test_parse_random);
	RUN(test_timestamps);
	RUN(test_short_and_precision);
	RUN(test_build_response);
	return check_exit();
}
