/*
 * test_nmea.c - unit tests of timed's NMEA reader, parser, epoch
 * aggregator and date repair (services/timed/nmea.c).
 *
 * Sentences are built with their checksum computed here (mk()), so each
 * table row states only the fields.  The capture comparison against gpsd
 * is tests/system/test_gnss_logs.sh; these tests pin the edge cases.
 */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "timed/nmea.h"

#define DAY 86400LL

static int64_t ymd(int y, int m, int d)
{
	return tg_nmea_days_from_civil(y, m, d) * DAY;
}

/* "$" body "*HH" (upper-case hex; lower when lower is set) */
static const char *mk_case(const char *body, int lower)
{
	static char buf[8][320];
	static int n;
	char *b = buf[n++ % 8];
	unsigned x = 0;
	const char *p;

	for (p = body; *p; p++)
		x ^= (unsigned char)*p;
	snprintf(b, sizeof(buf[0]), lower ? "$%s*%02x" : "$%s*%02X", body, x);
	return b;
}

static const char *mk(const char *body)
{
	return mk_case(body, 0);
}

static int parse(const char *s, struct tg_nmea_sentence *o, char *err)
{
	err[0] = '\0';
	return tg_nmea_parse(s, strlen(s), o, err, 160);
}

/* ------------------------------------------------------------ sentences */

static void test_rmc(void)
{
	struct tg_nmea_sentence s;
	char err[160];

	CHECK_EQ_INT(parse(mk("GPRMC,225446.123,A,4916.45,N,12311.12,W,000.5,054.7,191194,020.3,E,A"), &s, err), 0);
	CHECK_EQ_INT(s.type, TG_NMEA_RMC);
	CHECK_EQ_STR(s.talker, "GP");
	CHECK_EQ_INT(s.gnss, TG_GNSS_GPS);
	CHECK_EQ_INT(s.checksum, TG_NMEA_CKSUM_OK);
	CHECK(s.have_time && s.hour == 22 && s.min == 54 && s.sec == 46);
	CHECK_EQ_INT(s.nsec, 123000000);
	CHECK(s.have_date && s.day == 19 && s.month == 11 && s.year == 94);
	CHECK_EQ_INT(s.year_digits, 2);
	CHECK_EQ_INT(s.status, 'A');
	CHECK_EQ_INT(s.faa_mode, 'A');
	CHECK(s.have_pos);
	CHECK(s.lat > 49.274166 && s.lat < 49.274167);
	CHECK(s.lon < -123.185333 && s.lon > -123.185334);
	/* NMEA 4.1 nav status after the mode */
	CHECK_EQ_INT(parse(mk("GNRMC,223745.00,A,3806.62964,N,12237.61382,W,0.040,,110720,,,D,V"), &s, err), 0);
	CHECK_EQ_INT(s.faa_mode, 'D');
	CHECK_EQ_INT(s.nav_status, 'V');
	CHECK_EQ_INT(s.gnss, TG_GNSS_UNKNOWN);
	/* Telit's "2208-1" is no date */
	CHECK_EQ_INT(parse(mk("GPRMC,000231.099,A,4829.0005,N,00022.0015,E,0.15,212.28,2208-1,,,A"), &s, err), -1);
	CHECK(strstr(err, "ddmmyy") && strstr(err, "2208-1"));
}

static void test_gga_gns_gll_zda(void)
{
	struct tg_nmea_sentence s;
	char err[160];

	CHECK_EQ_INT(parse(mk("GPGGA,172814.0,3723.46587704,N,12202.26957864,W,2,6,1.2,18.893,M,-25.669,M,2.0,0031"), &s, err), 0);
	CHECK_EQ_INT(s.type, TG_NMEA_GGA);
	CHECK_EQ_INT(s.quality, 2);
	CHECK_EQ_INT(s.n_used, 6);
	CHECK(s.have_alt && s.alt > 18.892 && s.alt < 18.894);
	CHECK(s.lat > 37.39109 && s.lat < 37.39110);

	CHECK_EQ_INT(parse(mk("GNGNS,170600.000,4111.59880,N,11156.56667,W,AANN,21,0.53,01443.9,-016.5,,"), &s, err), 0);
	CHECK_EQ_INT(s.type, TG_NMEA_GNS);
	CHECK_EQ_STR(s.gns_mode, "AANN");
	CHECK_EQ_INT(s.n_used, 21);
	CHECK(s.have_alt && s.alt > 1443.8 && s.alt < 1444.0);

	CHECK_EQ_INT(parse(mk("GNGLL,3806.62964,N,12237.61382,W,223745.00,A,D"), &s, err), 0);
	CHECK_EQ_INT(s.type, TG_NMEA_GLL);
	CHECK(s.have_time && s.hour == 22 && s.sec == 45 && s.nsec == 0);
	CHECK_EQ_INT(s.status, 'A');
	CHECK_EQ_INT(s.faa_mode, 'D');

	CHECK_EQ_INT(parse(mk("GNZDA,223745.00,11,07,2020,00,00"), &s, err), 0);
	CHECK_EQ_INT(s.type, TG_NMEA_ZDA);
	CHECK(s.have_date && s.day == 11 && s.month == 7 && s.year == 2020 && s.year_digits == 4);
	CHECK_EQ_INT(parse(mk("GPZDA,235960.00,31,12,2016,,"), &s, err), 0);
	CHECK_EQ_INT(s.sec, 60); /* a leap second is a time */
	CHECK_EQ_INT(parse(mk("GPZDA,120000,31,12,16,,"), &s, err), -1);
	CHECK(strstr(err, "4-digit year") != NULL);
}

static void test_gsa_gsv(void)
{
	struct tg_nmea_sentence s;
	char err[160];

	/* NMEA 4.1 GSA with system id */
	CHECK_EQ_INT(parse(mk("GNGSA,A,3,82,73,74,67,81,83,68,,,,,,0.99,0.54,0.83,2"), &s, err), 0);
	CHECK_EQ_INT(s.type, TG_NMEA_GSA);
	CHECK_EQ_INT(s.fix_type, 3);
	CHECK_EQ_INT(s.gsa_system, 2);
	CHECK_EQ_INT(s.n_gsa, 7);
	CHECK_EQ_INT(s.gsa_prn[0], 82);
	/* classic GSA: no system id */
	CHECK_EQ_INT(parse(mk("GPGSA,A,2,20,,,,31,13,,04,,,,,02.6,01.4,02.1"), &s, err), 0);
	CHECK_EQ_INT(s.gsa_system, -1);
	CHECK_EQ_INT(s.n_gsa, 4);
	/* SiRF-TriG's fourth float where the system id goes */
	CHECK_EQ_INT(parse(mk("BDGSA,A,3,02,03,04,,,,,,,,,,5.1,1.3,4.9,3.3"), &s, err), 0);
	CHECK_EQ_INT(s.n_gsa, 3);
	CHECK_EQ_INT(s.gsa_system, -1);
	CHECK_EQ_INT(s.gnss, TG_GNSS_BEIDOU);

	/* GSV with 4.1 signal id; absent SNR stays absent */
	CHECK_EQ_INT(parse(mk("GAGSV,3,1,10,03,44,149,40,05,42,071,39,08,08,190,,09,06,034,,7"), &s, err), 0);
	CHECK_EQ_INT(s.type, TG_NMEA_GSV);
	CHECK(s.gsv_total == 3 && s.gsv_num == 1 && s.gsv_sats == 10);
	CHECK_EQ_INT(s.gsv_signal, 7);
	CHECK_EQ_INT(s.n_gsv, 4);
	CHECK(s.gsv[0].gnss == TG_GNSS_GALILEO && s.gsv[0].svid == 3 && s.gsv[0].have_ss && s.gsv[0].ss == 40);
	CHECK(s.gsv[2].have_el && s.gsv[2].el == 8 && s.gsv[2].az == 190 && !s.gsv[2].have_ss);
	CHECK_EQ_INT(s.gsv[3].sigid, 7);
	/* hex signal id (ST Teseo) and a short last group */
	CHECK_EQ_INT(parse(mk("BDGSV,2,2,06,38,11,027,23,43,09,259,23,,,,,,,,,B"), &s, err), 0);
	CHECK_EQ_INT(s.gsv_signal, 11);
	CHECK_EQ_INT(s.n_gsv, 2);
	CHECK(s.gsv[0].gnss == TG_GNSS_BEIDOU && s.gsv[0].svid == 38);
	/* GP talker: SBAS 33-64, GLONASS 65-96 by number */
	CHECK_EQ_INT(parse(mk("GPGSV,1,1,02,46,31,150,,70,76,297,23"), &s, err), 0);
	CHECK(s.gsv[0].gnss == TG_GNSS_SBAS && s.gsv[0].svid == 133);
	CHECK(s.gsv[1].gnss == TG_GNSS_GLONASS && s.gsv[1].svid == 6);
	CHECK_EQ_INT(tg_nmea_gpsd_prn(&s.gsv[0]), 46);
	CHECK_EQ_INT(tg_nmea_gpsd_prn(&s.gsv[1]), 70);
	/* message number beyond the count */
	CHECK_EQ_INT(parse(mk("GPGSV,2,3,08,01,02,003,04"), &s, err), -1);
	CHECK(strstr(err, "message number") != NULL);
	/* elevation out of range */
	CHECK_EQ_INT(parse(mk("GPGSV,1,1,01,01,91,003,04"), &s, err), -1);
	CHECK(strstr(err, "elevation") != NULL);
}

static void test_proprietary(void)
{
	struct tg_nmea_sentence s;
	char err[160];
	static const struct {
		const char *body;
		int type;
	} tab[] = {
		{"PMTK001,604,3", TG_NMEA_IGNORED},
		{"PSTMANTENNASTATUS,0", TG_NMEA_IGNORED},
		{"PTNLRTP,T,33.23,3.0", TG_NMEA_IGNORED},
		{"PJLTS,1,2", TG_NMEA_IGNORED},
		{"PERDCRX,TPS2,1,1,0,200,+000000,0,0,0023,-1.178,0000", TG_NMEA_IGNORED},
		{"PGRME,15.0,M,45.0,M,25.0,M", TG_NMEA_IGNORED},
		{"GPVTG,054.7,T,034.4,M,005.5,N,010.2,K", TG_NMEA_IGNORED},
		{"PXYZ,1", TG_NMEA_OTHER},
		{"GPXYZ,1", TG_NMEA_OTHER},
	};
	size_t i;

	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		CHECK_EQ_INT(parse(mk(tab[i].body), &s, err), 0);
		CHECK_EQ_INT(s.type, tab[i].type);
	}
	CHECK_EQ_INT(parse(mk("PERDCRW,TPS1,20220731120213,2,00000000000000,+18,+18,4"), &s, err), 0);
	CHECK_EQ_INT(s.type, TG_NMEA_PERDCRW);
	CHECK_EQ_STR(s.talker, "P");
	CHECK_EQ_STR(s.name, "PERDCRW");
	CHECK(s.have_leap && s.leap_current == 18 && s.have_leap_next && s.leap_next == 18);
	CHECK_EQ_INT(s.leap_event_s, 0);
	CHECK_EQ_INT(s.time_status, 2);
	CHECK(s.have_date && s.year == 2022 && s.month == 7 && s.day == 31 && s.hour == 12 && s.sec == 13);
	/* an announced leap second */
	CHECK_EQ_INT(parse(mk("PERDCRW,TPS1,20161231120000,2,20170101000000,+17,+18,4"), &s, err), 0);
	CHECK_EQ_INT(s.leap_current, 17);
	CHECK_EQ_INT(s.leap_next, 18);
	CHECK_EQ_INT(s.leap_event_s, ymd(2017, 1, 1));
	CHECK_EQ_INT(parse(mk("PGRMF,2034,345600,010119,000000,18,4807.038,N,01131.000,E,A,2,0,0,1,1"), &s, err), 0);
	CHECK_EQ_INT(s.type, TG_NMEA_PGRMF);
	CHECK(s.have_leap && s.leap_current == 18 && s.have_date && s.year == 19);
}

static void test_checksum(void)
{
	static const char *const body = "GPZDA,201530.00,04,07,2002,00,00";
	struct tg_nmea_sentence s;
	char err[160], buf[128];

	CHECK_EQ_INT(parse(mk_case(body, 0), &s, err), 0);
	CHECK_EQ_INT(s.checksum, TG_NMEA_CKSUM_OK);
	CHECK_EQ_INT(parse(mk_case(body, 1), &s, err), 0); /* Magellan: lower-case hex */
	CHECK_EQ_INT(s.checksum, TG_NMEA_CKSUM_OK);
	snprintf(buf, sizeof(buf), "$%s", body);
	CHECK_EQ_INT(parse(buf, &s, err), 0);
	CHECK_EQ_INT(s.checksum, TG_NMEA_CKSUM_ABSENT);
	CHECK_EQ_INT(s.type, TG_NMEA_ZDA);
	snprintf(buf, sizeof(buf), "$%s*00", body);
	CHECK_EQ_INT(parse(buf, &s, err), -1);
	CHECK(strstr(err, "checksum") && strstr(err, "*00"));
	snprintf(buf, sizeof(buf), "$%s*1", body);
	CHECK_EQ_INT(parse(buf, &s, err), -1);
	snprintf(buf, sizeof(buf), "$%s*1G", body);
	CHECK_EQ_INT(parse(buf, &s, err), -1);
	/* trailing CR LF are tolerated by the parser */
	snprintf(buf, sizeof(buf), "%s\r\n", mk(body));
	CHECK_EQ_INT(parse(buf, &s, err), 0);
}

/* every field of every type empty: parses, and nothing reads as zero */
static void test_all_absent(void)
{
	static const char *const bodies[] = {
		"GPRMC,,,,,,,,,,,,", "GPGGA,,,,,,,,,,,,,,", "GPGNS,,,,,,,,,,,,",
		"GPGLL,,,,,,,", "GPZDA,,,,,,", "GPGSA,,,,,,,,,,,,,,,,,,",
		"PERDCRW,TPS1,,,,,,", "PGRMF,,,,,,,,,,,,,,,",
	};
	struct tg_nmea_sentence s;
	char err[160];
	size_t i;

	for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		CHECK_EQ_INT(parse(mk(bodies[i]), &s, err), 0);
		if (err[0])
			fprintf(stderr, "  %s: %s\n", bodies[i], err);
		CHECK(!s.have_time && !s.have_date && !s.have_pos && !s.have_alt && !s.have_leap);
		CHECK(s.quality == -1 && s.fix_type == -1 && s.n_used == -1);
		CHECK(s.status == 0 && s.faa_mode == 0 && s.gns_mode[0] == 0);
		CHECK(s.n_gsa == 0 && s.gsa_system == -1 && s.time_status == -1);
	}
	/* GSV needs its counts */
	CHECK_EQ_INT(parse(mk("GPGSV,,,,"), &s, err), -1);
	CHECK(strstr(err, "number of messages") != NULL);
	/* half a position is malformed, not absent */
	CHECK_EQ_INT(parse(mk("GPGGA,120000,4807.038,N,,,1,04,1.0,1.0,M,,M,,"), &s, err), -1);
	CHECK(strstr(err, "position") != NULL);
}

/* malformed input: rejected with a message naming what was expected */
static void test_malformed(void)
{
	static const struct {
		const char *s;
		const char *msg;
	} tab[] = {
		{"", "starting with '$'"},
		{"GPRMC,1", "starting with '$'"},
		{"$", "starting with '$'"},
		{"$GP\x01RMC,1", "printable"},
		{"$GPRMC\xe9,1", "printable"},
		{"$gprmc,1", "capitals"},
		{"$GPRMCX,1", "3-letter type"},
		{"$PERD messages", "capitals"},
		{"$GPRMC,256000,A,,,,,,,,,,", "hhmmss"},
		{"$GPRMC,120000.1234567890,A,,,,,,,,,,", "hhmmss"},
		{"$GPRMC,1200,A,,,,,,,,,,", "hhmmss"},
		{"$GPRMC,120000,X,,,,,,,,,,", "AV"},
		{"$GPRMC,120000,A,4807.038,Q,01131.000,E,,,010120,,", "latitude"},
		{"$GPRMC,120000,A,4861.0,N,01131.000,E,,,010120,,", "latitude"},
		{"$GPRMC,120000,A,9100.0,N,01131.000,E,,,010120,,", "latitude"},
		{"$GPRMC,120000,A,4807.038,N,18100.0,E,,,010120,,", "longitude"},
		{"$GPRMC,120000,A,,,,,,,320120,,", "ddmmyy"},
		{"$GPRMC,120000,A,,,,,,,011320,,", "ddmmyy"},
		{"$GPGGA,120000,,,,,A,,,,,,,,", "quality"},
		{"$GPGGA,120000,,,,,1,,,12345678901234567890.5,M,,,,", "altitude"},
		{"$GPGGA,120000,,,,,1,,,1.2.3,M,,,,", "altitude"},
		{"$GPGGA,120000,,,,,1,99999,,,,,,,", "satellite count"},
		{"$GPGGA,120000,4807.0380000000000000001,N,01131.000,E,1,,,,,,,,", "latitude"},
		{"$GPGSA,A,4,,,,,,,,,,,,,1,1,1", "fix type"},
		{"$GPGSA,A,3,1000,,,,,,,,,,,,1,1,1", "satellite number"},
		{"$GPZDA,120000,00,01,2020,,", "day"},
		{"$GPZDA,120000,01,01,1979,,", "4-digit year"},
		{"$PERDCRW,TPS1,2022073112021,2,,+18,+18,4", "yyyymmddhhmmss"},
		{"$PERDCRW,TPS1,20220731120213,2,,+9999,+18,4", "current leap"},
	};
	struct tg_nmea_sentence s;
	char err[160];
	size_t i;

	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		err[0] = '\0';
		if (tg_nmea_parse(tab[i].s, strlen(tab[i].s), &s, err, sizeof(err)) != -1) {
			fprintf(stderr, "  accepted: %s\n", tab[i].s);
			CHECK(0);
		} else if (!strstr(err, tab[i].msg)) {
			fprintf(stderr, "  %s: \"%s\" lacks \"%s\"\n", tab[i].s, err, tab[i].msg);
			CHECK(0);
		}
	}
	/* a NUL inside: the length rules, not the terminator */
	CHECK_EQ_INT(tg_nmea_parse("$GPZDA\0,1", 9, &s, err, sizeof(err)), -1);
	/* err may be NULL */
	CHECK_EQ_INT(tg_nmea_parse("x", 1, &s, NULL, 0), -1);
}

/* -------------------------------------------------------------- reader */

#define MAXL 64

struct lines {
	int n;
	char s[MAXL][TG_NMEA_LINE_MAX + 1];
	int ck[MAXL];
};

/* feed buf in chunks (chunk 0: random 1..17) and collect the lines */
static void feed(struct tg_nmea_reader *r, const char *buf, size_t len, size_t chunk,
		 struct lines *out)
{
	size_t off = 0;

	while (off < len) {
		size_t n = chunk ? chunk : 1 + (size_t)(check_rand() % 17), pos = 0;
		if (n > len - off)
			n = len - off;
		while (pos < n) {
			char line[TG_NMEA_LINE_MAX + 1];
			size_t used = 0, ll = 0;
			enum tg_nmea_cksum ck;
			int got = tg_nmea_reader_next(r, (const uint8_t *)buf + off + pos, n - pos,
						      &used, line, sizeof(line), &ll, &ck);
			CHECK(used <= n - pos);
			pos += used;
			if (!got)
				break;
			CHECK_EQ_INT(strlen(line), ll);
			if (out->n < MAXL) {
				memcpy(out->s[out->n], line, ll + 1);
				out->ck[out->n++] = (int)ck;
			}
		}
		off += n;
	}
}

static void test_reader_streams(void)
{
	char stream[2048];
	const char *a = mk("GPRMC,000001,A,0000.000,N,00000.000,E,,,010120,,");
	const char *b = mk("GPGGA,000001,0000.000,N,00000.000,E,1,04,1.0,1.0,M,,M,,");
	const char *c = mk_case("GPZDA,000001.5,01,01,2020,,", 1);
	size_t len;
	int round;

	/* CRLF, LF only, CR only, run together, cut off by a new '$',
	 * binary junk and NUL between, latin-1 inside a sentence, a sentence
	 * without checksum, one with a bad checksum, an over-long line */
	{
		char txt[320];
		const char *parts[] = {
			"\xb5\x62\x01\x07junk\r\n", a, "\r\n", b, "\n", c, "\r", a, b, "\r\n",
			"$GPGGA,0000", "\0", "\xff", c, "\r\n", "$GPRMC,1\xe9,A*00\r\n",
			"$GPZDA,000002,01,01,2020,,\r\n", "$GPZDA,000003,01,01,2020,,*00\r\n",
			txt, "\r\n", a, "\n", "$GPRMC,000004,A*",
		};
		size_t i;
		snprintf(txt, sizeof(txt), "$GPTXT,%0300d", 7);
		len = 0;
		for (i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
			/* "\0" is one NUL byte: strlen would make it none */
			size_t n = parts[i][0] ? strlen(parts[i]) : 1;
			memcpy(stream + len, parts[i], n);
			len += n;
		}
		CHECK(len < sizeof(stream));
	}
	for (round = 0; round < 40; round++) {
		struct tg_nmea_reader r;
		struct lines got;
		/* byte by byte, whole buffer, then random splits */
		size_t chunk = round == 0 ? 1 : round == 1 ? len : 0;

		memset(&got, 0, sizeof(got));
		tg_nmea_reader_init(&r);
		feed(&r, stream, len, chunk, &got);
		CHECK_EQ_INT(got.n, 8);
		if (got.n != 8)
			continue;
		CHECK_EQ_STR(got.s[0], a);
		CHECK_EQ_STR(got.s[1], b);
		CHECK_EQ_STR(got.s[2], c);
		CHECK_EQ_STR(got.s[3], a); /* run together with b: both kept */
		CHECK_EQ_STR(got.s[4], b);
		CHECK_EQ_STR(got.s[5], c); /* after the junk-cut GGA */
		CHECK_EQ_STR(got.s[6], "$GPZDA,000002,01,01,2020,,");
		CHECK_EQ_INT(got.ck[6], TG_NMEA_CKSUM_ABSENT);
		CHECK_EQ_INT(got.ck[0], TG_NMEA_CKSUM_OK);
		CHECK_EQ_STR(got.s[7], a); /* after the over-long line */
		CHECK_EQ_INT(r.n_lines, 8);
		CHECK_EQ_INT(r.n_bad_checksum, 1);
		CHECK_EQ_INT(r.n_no_checksum, 1);
		CHECK_EQ_INT(r.n_overlong, 1);
		CHECK(r.n_junk > 0);
		/* the unfinished "$GPRMC,000004,A*" is still pending */
		CHECK(r.in_sentence && r.len == 16);
	}
}

static void test_reader_cut(void)
{
	struct tg_nmea_reader r;
	struct lines got;
	const char *a = mk("GPZDA,000001,01,01,2020,,");
	char stream[256];
	size_t len;

	/* a sentence interrupted before its checksum is dropped and counted */
	len = (size_t)snprintf(stream, sizeof(stream), "$GPRMC,0000%s\r\n$GPGGA,1,2*%s\r\n", a, a);
	memset(&got, 0, sizeof(got));
	tg_nmea_reader_init(&r);
	feed(&r, stream, len, 3, &got);
	CHECK_EQ_INT(got.n, 2);
	CHECK_EQ_STR(got.s[0], a);
	CHECK_EQ_STR(got.s[1], a);
	CHECK_EQ_INT(r.n_cut, 2);
	/* an exactly full line is kept, one byte more is not */
	{
		char big[TG_NMEA_LINE_MAX + 8];
		memset(big, 'A', sizeof(big));
		big[0] = '$';
		memcpy(big + 1, "GPTXT,", 6);
		big[TG_NMEA_LINE_MAX] = '\n';
		memset(&got, 0, sizeof(got));
		tg_nmea_reader_init(&r);
		feed(&r, big, TG_NMEA_LINE_MAX + 1, 0, &got);
		CHECK_EQ_INT(got.n, 1);
		CHECK_EQ_INT(strlen(got.s[0]), TG_NMEA_LINE_MAX);
		big[TG_NMEA_LINE_MAX] = 'A';
		big[TG_NMEA_LINE_MAX + 1] = '\n';
		memset(&got, 0, sizeof(got));
		tg_nmea_reader_init(&r);
		feed(&r, big, TG_NMEA_LINE_MAX + 2, 0, &got);
		CHECK_EQ_INT(got.n, 0);
		CHECK_EQ_INT(r.n_overlong, 1);
	}
}

/* ------------------------------------------------------------- dates */

static void test_dates(void)
{
	int64_t floor19 = ymd(2019, 1, 1), floor00 = ymd(2000, 1, 1);
	static const struct {
		int yy, m, d;
		int64_t floor_y;
		int want;
	} years[] = {
		{99, 8, 22, 2019, 1999}, /* rollover candidate: repaired later */
		{19, 4, 6, 2019, 2019},
		{26, 8, 5, 2024, 2026},
		{0, 1, 1, 2019, 2000},
		{80, 1, 5, 2000, 2080},  /* only tg_nmea_default_date knows 1980 */
		{98, 12, 31, 1990, 1998},
		{5, 3, 1, 2090, 2105},
	};
	size_t i;

	for (i = 0; i < sizeof(years) / sizeof(years[0]); i++)
		CHECK_EQ_INT(tg_nmea_full_year(years[i].yy, years[i].m, years[i].d,
					       ymd((int)years[i].floor_y, 1, 1)),
			     years[i].want);
	/* 1999-08-22 00:02:31 + 1024 weeks = 2019-04-07 00:02:31 */
	CHECK_EQ_INT(tg_nmea_fix_date(ymd(1999, 8, 22) + 151, floor19), ymd(2019, 4, 7) + 151);
	/* two rollovers */
	CHECK_EQ_INT(tg_nmea_fix_date(ymd(1999, 8, 22) - TG_NMEA_GPS_ROLLOVER_S, floor19),
		     ymd(2019, 4, 7));
	/* at or after the floor (or a day before): unchanged */
	CHECK_EQ_INT(tg_nmea_fix_date(ymd(2019, 4, 6), floor19), ymd(2019, 4, 6));
	CHECK_EQ_INT(tg_nmea_fix_date(floor19 - DAY, floor19), floor19 - DAY);
	CHECK_EQ_INT(tg_nmea_fix_date(floor19 - DAY - 1, floor19),
		     floor19 - DAY - 1 + TG_NMEA_GPS_ROLLOVER_S);
	CHECK_EQ_INT(tg_nmea_fix_date(ymd(1999, 8, 22), floor00), ymd(1999, 8, 22) + TG_NMEA_GPS_ROLLOVER_S);
	CHECK(tg_nmea_default_date(1980, 1, 5));
	CHECK(tg_nmea_default_date(80, 1, 12));
	CHECK(!tg_nmea_default_date(1999, 8, 22));
	CHECK(!tg_nmea_default_date(1980, 2, 1));
	CHECK_EQ_INT(tg_nmea_days_from_civil(1970, 1, 1), 0);
	CHECK_EQ_INT(tg_nmea_days_from_civil(2000, 3, 1), 11017);
}

/* ------------------------------------------------------------- epochs */

struct run {
	int n;
	struct tg_nmea_epoch e[8];
};

static void add(struct tg_nmea_agg *a, const char *s, struct run *out)
{
	struct tg_nmea_epoch done;
	char err[160];

	err[0] = '\0';
	if (tg_nmea_epoch_line(a, s, strlen(s), TG_NMEA_CKSUM_OK, &done, err, sizeof(err)) &&
	    out->n < 8)
		out->e[out->n++] = done;
}

static void flush(struct tg_nmea_agg *a, struct run *out)
{
	struct tg_nmea_epoch done;
	if (tg_nmea_epoch_flush(a, &done) && out->n < 8)
		out->e[out->n++] = done;
}

static const struct tg_nmea_sat *find_sat(const struct tg_nmea_epoch *e, int gnss, int svid)
{
	int i;
	for (i = 0; i < e->n_sats; i++)
		if (e->sats[i].gnss == gnss && e->sats[i].svid == svid)
			return &e->sats[i];
	return NULL;
}

static void test_epoch_basic(void)
{
	struct tg_nmea_agg a;
	struct run r = {0};
	const struct tg_nmea_sat *s;

	tg_nmea_agg_init(&a, ymd(2019, 1, 1));
	add(&a, mk("GNRMC,223745.25,A,3806.62964,N,12237.61382,W,0.040,,110720,,,D,V"), &r);
	add(&a, mk("GNGGA,223745.25,3806.62964,N,12237.61382,W,2,12,0.54,83.1,M,-29.5,M,,0000"), &r);
	add(&a, mk("GNGSA,A,3,29,20,,,,,,,,,,,0.99,0.54,0.83,1"), &r);
	add(&a, mk("GNGSA,A,3,82,,,,,,,,,,,,0.99,0.54,0.83,2"), &r);
	add(&a, mk("GPGSV,1,1,03,29,46,133,43,20,63,235,,05,01,047,,1"), &r);
	add(&a, mk("GLGSV,1,1,01,82,51,077,39,1"), &r);
	add(&a, mk("GPGSV,1,1,01,29,46,133,30,6"), &r); /* L2 of 29: no new entry */
	add(&a, "$GPZDA,223745.25,11,07,2020,00,00*00", &r); /* bad checksum */
	add(&a, mk("PERDCRW,TPS1,20200711223745,2,00000000000000,+18,+18,4"), &r);
	CHECK_EQ_INT(r.n, 0);
	add(&a, mk("GNRMC,223746.25,A,3806.62964,N,12237.61382,W,0.040,,110720,,,D,V"), &r);
	CHECK_EQ_INT(r.n, 1);
	CHECK(r.e[0].have_utc);
	CHECK_EQ_INT(r.e[0].utc_s, ymd(2020, 7, 11) + 22 * 3600 + 37 * 60 + 45);
	CHECK_EQ_INT(r.e[0].utc_ns, 250000000);
	CHECK(r.e[0].valid);
	CHECK_EQ_INT(r.e[0].mode, 3);
	CHECK_EQ_INT(r.e[0].quality, 2);
	CHECK(r.e[0].have_pos && r.e[0].have_alt && r.e[0].alt > 83.0 && r.e[0].alt < 83.2);
	CHECK_EQ_INT(r.e[0].n_sats, 4);
	CHECK_EQ_INT(r.e[0].n_used, 3);
	CHECK_EQ_INT(r.e[0].n_used_reported, 12);
	s = find_sat(&r.e[0], TG_GNSS_GPS, 29);
	CHECK(s && s->used && s->have_ss && s->ss == 43); /* first signal's SNR */
	s = find_sat(&r.e[0], TG_GNSS_GPS, 20);
	CHECK(s && s->used && !s->have_ss);
	s = find_sat(&r.e[0], TG_GNSS_GPS, 5);
	CHECK(s && !s->used);
	s = find_sat(&r.e[0], TG_GNSS_GLONASS, 18);
	CHECK(s && s->used && s->ss == 39);
	CHECK(r.e[0].have_leap && r.e[0].leap_current == 18 && r.e[0].leap_next == 18);
	CHECK_EQ_INT(r.e[0].n_sentences, 8);
	CHECK_EQ_INT(r.e[0].n_bad_checksum, 1);
	CHECK_EQ_INT(r.e[0].n_errors, 1);
	flush(&a, &r);
	CHECK_EQ_INT(r.n, 2);
	CHECK_EQ_INT(r.e[1].utc_s, r.e[0].utc_s + 1);
	CHECK_EQ_INT(r.e[1].n_sats, 0); /* satellites are per epoch */
	CHECK_EQ_INT(r.e[1].mode, 3);   /* mode persists, as gpsd's does */
	CHECK_EQ_INT(tg_nmea_epoch_flush(&a, &r.e[7]), 0); /* empty: nothing */
}

static void test_epoch_validity(void)
{
	static const struct {
		const char *s1, *s2;
		int valid, mode;
	} tab[] = {
		{"GPRMC,120000,V,,,,,,,010120,,,N", NULL, 0, 1},
		{"GPRMC,120000,A,4807.0,N,01131.0,E,,,010120,,,N", NULL, 0, 1},
		{"GPRMC,120000,A,4807.0,N,01131.0,E,,,010120,,,A", NULL, 1, 2},
		{"GPRMC,120000,A,4807.0,N,01131.0,E,,,010120,,,A", "GPGGA,120000,4807.0,N,01131.0,E,1,4,1,5.0,M,,M,,", 1, 3},
		{"GPRMC,120000,A,4807.0,N,01131.0,E,,,010120,,,A", "GPGGA,120000,4807.0,N,01131.0,E,1,4,1,,M,,M,,", 1, 2},
		{"GPRMC,120000,A,4807.0,N,01131.0,E,,,010120,,,A", "GPGGA,120000,4807.0,N,01131.0,E,0,0,,,M,,M,,", 0, 1},
		{"GPRMC,120000,A,4807.0,N,01131.0,E,,,010120,,,A", "GPGSA,A,3,01,02,03,04,,,,,,,,,1,1,1", 1, 3},
		/* GSA 2D does not lower GGA's 3D; no date yet: not valid */
		{"GPGGA,120000,4807.0,N,01131.0,E,1,4,1,5.0,M,,M,,", "GPGSA,A,2,01,02,03,,,,,,,,,,1,1,1", 0, 3},
		{"GPZDA,120000,01,01,2020,,", "GNGNS,120000,4807.0,N,01131.0,E,NNN,0,,,,,,V", 0, 1},
		{"GPZDA,120000,01,01,2020,,", "GNGNS,120000,4807.0,N,01131.0,E,ANN,4,1,5.0,1,,,V", 1, 3},
		{"GPZDA,120000,01,01,2020,,", NULL, 0, 0}, /* time, but no word on it */
		{"GPGGA,120000,4807.0,N,01131.0,E,1,4,1,5.0,M,,M,,", NULL, 0, 3}, /* no date */
		{"GPRMC,120000,A,4807.0,N,01131.0,E,,,050180,,,A", NULL, 0, 2}, /* default date */
	};
	size_t i;

	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		struct tg_nmea_agg a;
		struct run r = {0};
		tg_nmea_agg_init(&a, ymd(2019, 1, 1));
		add(&a, mk(tab[i].s1), &r);
		if (tab[i].s2)
			add(&a, mk(tab[i].s2), &r);
		flush(&a, &r);
		CHECK_EQ_INT(r.n, 1);
		if (r.e[0].valid != tab[i].valid || r.e[0].mode != tab[i].mode) {
			fprintf(stderr, "  row %zu: valid %d mode %d\n", i, r.e[0].valid, r.e[0].mode);
			CHECK(0);
		}
	}
}

static void test_epoch_dates(void)
{
	struct tg_nmea_agg a;
	struct run r = {0};

	/* GGA-only epochs take the date of the last RMC, across midnight */
	tg_nmea_agg_init(&a, ymd(2019, 1, 1));
	add(&a, mk("GPRMC,235959,A,4807.0,N,01131.0,E,,,311219,,,A"), &r);
	add(&a, mk("GPGGA,000000,4807.0,N,01131.0,E,1,4,1,5.0,M,,M,,"), &r);
	add(&a, mk("GPGGA,000001,4807.0,N,01131.0,E,1,4,1,5.0,M,,M,,"), &r);
	flush(&a, &r);
	CHECK_EQ_INT(r.n, 3);
	CHECK_EQ_INT(r.e[0].utc_s, ymd(2019, 12, 31) + 86399);
	CHECK_EQ_INT(r.e[1].utc_s, ymd(2020, 1, 1));
	CHECK(r.e[1].date_carried && r.e[1].valid);
	CHECK_EQ_INT(r.e[2].utc_s, ymd(2020, 1, 1) + 1);

	/* rollover: 220899 with a 2019 floor is 2019-04-07 */
	memset(&r, 0, sizeof(r));
	tg_nmea_agg_init(&a, ymd(2019, 1, 1));
	add(&a, mk("GPRMC,,V,,,,,,,,,,N"), &r);
	add(&a, mk("GPRMC,000231.42,A,4829.0005,N,00022.0016,E,0.16,212.28,220899,,,A"), &r);
	flush(&a, &r);
	CHECK_EQ_INT(r.n, 1);
	CHECK_EQ_INT(r.e[0].utc_s, ymd(2019, 4, 7) + 151);
	CHECK_EQ_INT(r.e[0].utc_ns, 420000000);
	CHECK(r.e[0].date_rolled && r.e[0].valid);

	/* ZDA 4-digit year before the floor: rolled too; after: kept */
	memset(&r, 0, sizeof(r));
	tg_nmea_agg_init(&a, ymd(2019, 1, 1));
	add(&a, mk("GPZDA,120000,22,08,1999,,"), &r);
	add(&a, mk("GPRMC,120000,A,4807.0,N,01131.0,E,,,,,,A"), &r);
	add(&a, mk("GPZDA,120001,06,04,2019,,"), &r);
	add(&a, mk("GPRMC,120001,A,4807.0,N,01131.0,E,,,,,,A"), &r);
	flush(&a, &r);
	CHECK_EQ_INT(r.n, 2);
	CHECK_EQ_INT(r.e[0].utc_s, ymd(2019, 4, 7) + 43200);
	CHECK(r.e[0].date_rolled);
	CHECK_EQ_INT(r.e[1].utc_s, ymd(2019, 4, 6) + 43201);
	CHECK(!r.e[1].date_rolled);

	/* MTK power-up default date: reported, never valid, never rolled */
	memset(&r, 0, sizeof(r));
	tg_nmea_agg_init(&a, ymd(2019, 1, 1));
	add(&a, mk("GPRMC,235946.005,A,8960.000000,N,00000.000000,E,0.000,0.00,050180,,,A"), &r);
	flush(&a, &r);
	CHECK_EQ_INT(r.n, 1);
	CHECK_EQ_INT(r.e[0].utc_s, ymd(1980, 1, 5) + 86386);
	CHECK(r.e[0].date_default && !r.e[0].valid && !r.e[0].date_rolled);

	/* non-monotonic times (Ashtech AC12): each change is an epoch */
	memset(&r, 0, sizeof(r));
	tg_nmea_agg_init(&a, ymd(2000, 1, 1));
	add(&a, mk("GPZDA,203225,23,12,2007,,"), &r);
	add(&a, mk("GPZDA,203227,23,12,2007,,"), &r);
	add(&a, mk("GPZDA,203226,23,12,2007,,"), &r);
	flush(&a, &r);
	CHECK_EQ_INT(r.n, 3);
	CHECK_EQ_INT(r.e[2].utc_s - r.e[1].utc_s, -1);
}

/* a receiver with no time yet: each new GSV set replaces the satellites */
static void test_epoch_timeless(void)
{
	struct tg_nmea_agg a;
	struct run r = {0};

	tg_nmea_agg_init(&a, ymd(2019, 1, 1));
	add(&a, mk("GPGSV,1,1,02,25,00,,42,19,00,,38"), &r);
	add(&a, mk("GPGSV,1,1,01,22,00,,34"), &r);
	flush(&a, &r);
	CHECK_EQ_INT(r.n, 1);
	CHECK(!r.e[0].have_tod && !r.e[0].have_utc && !r.e[0].valid);
	CHECK_EQ_INT(r.e[0].n_sats, 1);
	CHECK(find_sat(&r.e[0], TG_GNSS_GPS, 22) != NULL);
}

/* more than TG_NMEA_SATS_MAX satellites: the rest are dropped */
static void test_epoch_sat_limit(void)
{
	struct tg_nmea_agg a;
	struct run r = {0};
	char body[128];
	int i;

	tg_nmea_agg_init(&a, ymd(2019, 1, 1));
	add(&a, mk("GPZDA,120000,01,01,2020,,"), &r);
	for (i = 0; i < 25; i++) {
		snprintf(body, sizeof(body), "GBGSV,25,%d,100,%02d,10,100,30,%02d,10,100,,%02d,10,100,,%02d,10,100,",
			 i + 1, (i * 4) % 63 + 1, (i * 4 + 1) % 63 + 1, (i * 4 + 2) % 63 + 1,
			 (i * 4 + 3) % 63 + 1);
		add(&a, mk(body), &r);
	}
	flush(&a, &r);
	CHECK_EQ_INT(r.n, 1);
	CHECK_EQ_INT(r.e[0].n_sats, 63 < TG_NMEA_SATS_MAX ? 63 : TG_NMEA_SATS_MAX);
}

int main(void)
{
	check_seed();
	RUN(test_rmc);
	RUN(test_gga_gns_gll_zda);
	RUN(test_gsa_gsv);
	RUN(test_proprietary);
	RUN(test_checksum);
	RUN(test_all_absent);
	RUN(test_malformed);
	RUN(test_reader_streams);
	RUN(test_reader_cut);
	RUN(test_dates);
	RUN(test_epoch_basic);
	RUN(test_epoch_validity);
	RUN(test_epoch_dates);
	RUN(test_epoch_timeless);
	RUN(test_epoch_sat_limit);
	return check_exit();
}
