/*
 * test_consoled_status.c - the web console's dashboard data, history,
 * metrics (consoled/status.c) and its client of updated's control socket
 * (consoled/update.c).
 *
 * Status: records are written with the libraries' own encoders into a
 * temporary folder; time is the fake m.now_mono / m.now_real, so ages are
 * exact.  Metrics go through a strict OpenMetrics 1.0 validator written
 * here (and shown to refuse what it must).  The update client talks to a
 * fake updated: a Unix socket server in a forked child that plays one
 * scenario per connection and writes what it received into a file the
 * test compares.  Nothing waits on a timeout.  An install's verdict is
 * read without blocking once the bundle is whole (main's loop waits for
 * it): a fake that holds its answer until the test writes to a pipe shows
 * other requests answered meanwhile, and where the verdict goes.
 *
 * NTS figures: ntsd's counters file is written with lib/ntsstats's
 * formatter; setup() writes a fresh one with a far certificate (no NTS
 * alarm) so the other cases see only their own alarms.
 *
 * Upstream cross-check: timed's results file is written with
 * lib/xcheckstatus's formatter; setup() removes it (no file: no alarm),
 * and cd_status_sample() must run before the status shows it.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "consoled/consoled.h"
#include "gnssstatus.h"
#include "json.h"
#include "ntsstats.h"
#include "timestatus.h"
#include "xcheckstatus.h"

#define NS 1000000000LL
#define T_REAL0 1700000000LL /* a minute boundary + 20 s */

static struct cd_main M;
static char body[CD_OUT_MAX + 1];
static struct cd_out O;
static char dir[64];
static int64_t fake_mono = 1000, fake_real = T_REAL0;

static int64_t get_mono(void)
{
	return fake_mono;
}

static int64_t get_real(void)
{
	return fake_real;
}

/* api.c is not linked: the same contract, {"error": msg} */
void cd_out_error(struct cd_out *o, int status, const char *msg)
{
	struct tg_json j;

	tg_json_init(&j, o->body, CD_OUT_MAX);
	tg_json_obj(&j, NULL);
	tg_json_str(&j, "error", msg);
	tg_json_obj_end(&j);
	o->status = status;
	o->kind = CD_KIND_JSON;
	o->len = tg_json_done(&j) == 0 ? j.len : 0;
}

static void out_reset(void)
{
	memset(&O, 0, sizeof O);
	memset(body, 0, sizeof body);
	O.body = body;
}

/* the body as a C string (the writers do not promise a NUL after len) */
static const char *B(void)
{
	body[O.len] = '\0';
	return body;
}

static int has(const char *needle)
{
	if (strstr(B(), needle))
		return 1;
	fprintf(stderr, "  missing %s in %.600s\n", needle, B());
	return 0;
}

static int lacks(const char *needle)
{
	if (!strstr(B(), needle))
		return 1;
	fprintf(stderr, "  unexpected %s in %.600s\n", needle, B());
	return 0;
}

static void path_in(char *out, size_t cap, const char *name)
{
	snprintf(out, cap, "%s/%s", dir, name);
}

static void put_nts(const struct tg_ntsstats *st);
static int om_ok(const char *s);
static struct tg_ntsstats nts_ok(void);

static void setup(void)
{
	struct tg_ntsstats ns;

	memset(&M, 0, sizeof M);
	path_in(M.conf.time_status, sizeof M.conf.time_status, "status");
	path_in(M.conf.gnss_status, sizeof M.conf.gnss_status, "gnss");
	path_in(M.conf.ntsd_stats, sizeof M.conf.ntsd_stats, "ntsstats");
	path_in(M.conf.xcheck_status, sizeof M.conf.xcheck_status, "xcheck");
	path_in(M.conf.updated_sock, sizeof M.conf.updated_sock, "upd.sock");
	snprintf(M.version, sizeof M.version, "1.4.2");
	M.now_mono = get_mono;
	M.now_real = get_real;
	M.upload.fd = -1;
	fake_mono = 1000;
	fake_real = T_REAL0;
	unlink(M.conf.time_status);
	unlink(M.conf.gnss_status);
	unlink(M.conf.xcheck_status);
	ns = nts_ok();
	put_nts(&ns);
	out_reset();
}

/* a plain write of the encoded record (tg_*_write would fsync thousands of times) */
static void write_file(const char *path, const void *buf, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0 || write(fd, buf, n) != (ssize_t)n) {
		perror(path);
		exit(1);
	}
	close(fd);
}

/* ntsd's counters, written 1 s ago: certificate valid for 400 more days, key an hour old */
static struct tg_ntsstats nts_ok(void)
{
	struct tg_ntsstats st;

	memset(&st, 0, sizeof st);
	st.updated = fake_real - 1;
	st.ntp_requests = 5000;
	st.nts_requests = 4000;
	st.nts_refused = 10;
	st.ke_handshakes = 100;
	st.ke_failures = 2;
	st.cookie_key_id = 7;
	st.cookie_key_created = fake_real - 3600;
	st.cert_not_before = fake_real - 86400;
	st.cert_not_after = fake_real + 400 * 86400LL;
	return st;
}

static void put_nts(const struct tg_ntsstats *st)
{
	char text[512];
	size_t n = tg_ntsstats_format(st, text, sizeof text);

	write_file(M.conf.ntsd_stats, text, n);
}

static struct tg_timestatus ts_locked(void)
{
	struct tg_timestatus st;

	memset(&st, 0, sizeof st);
	st.state = TG_CLOCK_LOCKED;
	st.leap = TG_LEAP_NONE;
	st.stratum = 1;
	memcpy(st.refid, "GPS", 3);
	st.root_dispersion_ns = 2500;
	st.error_bound_ns = 789;
	st.offset_ns = -1234;
	st.jitter_ns = 56;
	st.freq_ppb = -12345;
	st.tai_offset_s = 37;
	st.updated_realtime_ns = fake_real * NS;
	st.updated_monotonic_ns = fake_mono * NS - 2 * NS; /* 2 s old */
	return st;
}

static void put_time(const struct tg_timestatus *st)
{
	uint8_t w[TG_TIMESTATUS_WIRE_SIZE];

	tg_timestatus_encode(st, w);
	write_file(M.conf.time_status, w, sizeof w);
}

static struct tg_gnssstatus gnss_fix(void)
{
	static const struct {
		uint8_t gnss;
		uint16_t svid;
	} sv[] = {{0, 5}, {6, 12}, {2, 30}, {3, 21}, {5, 2}, {1, 133}, {9, 4}};
	struct tg_gnssstatus g;
	size_t i;

	memset(&g, 0, sizeof g);
	g.updated_realtime_ns = fake_real * NS;
	g.updated_monotonic_ns = fake_mono * NS - 1 * NS;
	g.fix_mode = TG_GNSS_FIX_3D;
	g.time_valid = 1;
	g.have_pos = 1;
	g.lat_e7 = 473977420;
	g.lon_e7 = -85455940;
	g.alt_mm = 408250;
	g.last_fix_utc_s = fake_real;
	for (i = 0; i < sizeof sv / sizeof sv[0]; i++) {
		g.sats[i].gnss = sv[i].gnss;
		g.sats[i].svid = sv[i].svid;
		g.sats[i].used = i < 4;
		g.sats[i].elevation = (int8_t)(10 + i);
		g.sats[i].azimuth = (int16_t)(100 + i);
		g.sats[i].snr = (int8_t)(40 + i);
	}
	g.sats[6].elevation = -128; /* unknown angles and SNR */
	g.sats[6].azimuth = -1;
	g.sats[6].snr = -1;
	g.n_sats = (uint8_t)i;
	g.n_used = 4;
	g.pps_pulses = 86400;
	g.pps_missed = 3;
	g.pps_unpaired = 1;
	return g;
}

static void put_gnss(const struct tg_gnssstatus *g)
{
	uint8_t w[TG_GNSSSTATUS_WIRE_SIZE];

	tg_gnssstatus_encode(g, w);
	write_file(M.conf.gnss_status, w, sizeof w);
}

/* ------------------------------------------------------------- status */

static void test_status_locked(void)
{
	struct tg_timestatus st;
	struct tg_gnssstatus g;

	setup();
	st = ts_locked();
	st.leap = TG_LEAP_INSERT;
	put_time(&st);
	g = gnss_fix();
	put_gnss(&g);
	M.audit_prev[0] = 0xab;
	M.audit_prev[31] = 0x01;
	cd_status_json(&M, &O);
	CHECK_EQ_INT(O.status, 200);
	CHECK_EQ_INT(O.kind, CD_KIND_JSON);
	CHECK(B()[0] == '{' && B()[O.len - 1] == '}');
	CHECK(has("\"time\":{\"state\":\"locked\",\"offset_ns\":-1234,\"jitter_ns\":56,"
		  "\"error_bound_ns\":789,\"freq_ppb\":-12345,\"stratum\":1,\"refid\":\"GPS\","
		  "\"leap\":\"insert\",\"tai_utc\":37,\"root_dispersion_ns\":2500,\"age_s\":2,"
		  "\"reason\":null}"));
	CHECK(has("\"fix\":\"3d\",\"valid\":true,\"lat\":47.3977420,\"lon\":-8.5455940,"
		  "\"alt\":408.250"));
	CHECK(has("{\"prn\":5,\"constellation\":\"GPS\",\"elevation\":10,\"azimuth\":100,"
		  "\"snr\":40,\"used\":true}"));
	CHECK(has("{\"prn\":12,\"constellation\":\"GLONASS\""));
	CHECK(has("{\"prn\":30,\"constellation\":\"Galileo\""));
	CHECK(has("{\"prn\":21,\"constellation\":\"BeiDou\""));
	CHECK(has("{\"prn\":2,\"constellation\":\"QZSS\",\"elevation\":14,\"azimuth\":104,"
		  "\"snr\":44,\"used\":false}"));
	CHECK(has("{\"prn\":133,\"constellation\":\"SBAS\""));
	CHECK(has("{\"prn\":4,\"constellation\":\"9\",\"elevation\":null,\"azimuth\":null,"
		  "\"snr\":null,\"used\":false}"));
	CHECK(has("\"pps\":{\"pulses\":86400,\"missed\":3,\"unpaired\":1},\"last_refusal\":null,"
		  "\"age_s\":1,\"reason\":null}"));
	/* locked with a fix: only the leap second */
	CHECK(has("\"alarms\":[{\"level\":\"info\",\"text\":\"leap second at the end of the UTC "
		  "day (insert)\",\"id\":\"leap-second\"}]"));
	CHECK(has("\"version\":\"1.4.2\""));
	CHECK(has("\"audit_head\":\"ab000000000000000000000000000000000000000000000000000000000000"
		  "01\""));
	CHECK_EQ_STR(cd_clock_state_name(&M), "locked");
}

static void test_status_holdover_refusal(void)
{
	struct tg_timestatus st;
	struct tg_gnssstatus g;

	setup();
	st = ts_locked();
	st.state = TG_CLOCK_HOLDOVER;
	put_time(&st);
	g = gnss_fix();
	g.fix_mode = TG_GNSS_FIX_NONE;
	g.have_pos = 0;
	snprintf(g.refusal, sizeof g.refusal, "position 2300 m from the site");
	g.refusal_realtime_ns = (fake_real - 300) * NS; /* 5 minutes ago */
	g.refused = 1;
	put_gnss(&g);
	cd_status_json(&M, &O);
	CHECK_EQ_INT(O.status, 200);
	CHECK(has("\"state\":\"holdover\""));
	CHECK(has("\"fix\":\"none\",\"valid\":true,\"lat\":null,\"lon\":null,\"alt\":null"));
	CHECK(has("\"last_refusal\":{\"text\":\"position 2300 m from the site\",\"t\":1699999700,"
		  "\"age_s\":300}"));
	CHECK(has("{\"level\":\"error\",\"text\":\"spoofing suspected: position 2300 m from the "
		  "site\",\"id\":\"spoofing\"}"));
	CHECK(has("{\"level\":\"warning\",\"text\":\"holdover: "));
	CHECK(has("{\"level\":\"warning\",\"text\":\"no GNSS fix\",\"id\":\"gnss-no-fix\"}"));
	CHECK(lacks("leap second"));
	CHECK_EQ_STR(cd_clock_state_name(&M), "holdover");

	/* eleven minutes later the refusal is history, no longer an alarm */
	fake_real += 660;
	{
		struct tg_ntsstats ns = nts_ok();

		put_nts(&ns); /* ntsd wrote meanwhile */
	}
	out_reset();
	cd_status_json(&M, &O);
	CHECK(has("\"age_s\":960}"));
	CHECK(lacks("spoofing suspected"));
	CHECK(lacks("\"level\":\"error\""));
}

static void test_status_failed_unsync(void)
{
	struct tg_timestatus st;
	struct tg_gnssstatus g;

	setup();
	st = ts_locked();
	st.state = TG_CLOCK_FAILED;
	put_time(&st);
	g = gnss_fix();
	put_gnss(&g);
	cd_status_json(&M, &O);
	CHECK(has("\"state\":\"failed\""));
	CHECK(has("\"alarms\":[{\"level\":\"error\",\"text\":\"clock failed"));
	CHECK_EQ_STR(cd_clock_state_name(&M), "failed");

	st.state = TG_CLOCK_UNSYNC;
	st.tai_offset_s = 0;
	put_time(&st);
	out_reset();
	cd_status_json(&M, &O);
	CHECK(has("\"tai_utc\":null"));
	CHECK(has("\"alarms\":[{\"level\":\"warning\",\"text\":\"clock unsynchronised\","
		  "\"id\":\"clock-unsync\"}]"));
	CHECK_EQ_STR(cd_clock_state_name(&M), "unsync");
}

static void test_status_missing(void)
{
	setup();
	cd_status_json(&M, &O);
	CHECK_EQ_INT(O.status, 200);
	CHECK(has("\"time\":{\"state\":\"unavailable\",\"offset_ns\":null,\"jitter_ns\":null,"
		  "\"error_bound_ns\":null,\"freq_ppb\":null,\"stratum\":null,\"refid\":null,"
		  "\"leap\":null,\"tai_utc\":null,\"root_dispersion_ns\":null,\"age_s\":null,"
		  "\"reason\":\""));
	CHECK(has("no such file (is timed running?)"));
	CHECK(has("\"gnss\":{\"fix\":null,\"valid\":null,\"lat\":null,\"lon\":null,\"alt\":null,"
		  "\"sats\":[],\"pps\":null,\"last_refusal\":null,\"age_s\":null,\"reason\":\""));
	CHECK(has("{\"level\":\"warning\",\"text\":\"time status unavailable: "));
	CHECK(has("{\"level\":\"warning\",\"text\":\"GNSS status unavailable: "));
	CHECK_EQ_STR(cd_clock_state_name(&M), "unsync");
}

static void test_status_stale_and_bad(void)
{
	struct tg_timestatus st;
	struct tg_gnssstatus g;
	uint8_t junk[50];

	setup();
	st = ts_locked();
	st.updated_monotonic_ns = (fake_mono - 30) * NS;
	put_time(&st);
	g = gnss_fix();
	g.updated_monotonic_ns = (fake_mono - 45) * NS;
	put_gnss(&g);
	cd_status_json(&M, &O);
	/* old figures are shown as old: with their age, never as the present state */
	CHECK(has("\"time\":{\"state\":\"unavailable\",\"offset_ns\":-1234,"));
	CHECK(has("\"age_s\":30,\"reason\":\"stale: written 30 s ago (is timed running?)\"}"));
	CHECK(has("\"fix\":\"3d\""));
	CHECK(has("\"age_s\":45,\"reason\":\"stale: written 45 s ago\"}"));
	CHECK(has("time status unavailable: stale: written 30 s ago"));
	CHECK(has("GNSS status stale: written 45 s ago"));
	CHECK_EQ_STR(cd_clock_state_name(&M), "unsync");

	/* exactly the limit is still fresh; a second under the present too */
	st.updated_monotonic_ns = (fake_mono - TG_TIMESTATUS_STALE_S) * NS;
	put_time(&st);
	out_reset();
	cd_status_json(&M, &O);
	CHECK(has("\"state\":\"locked\""));
	st.updated_monotonic_ns = fake_mono * NS + NS / 2;
	put_time(&st);
	out_reset();
	cd_status_json(&M, &O);
	CHECK(has("\"state\":\"locked\""));
	CHECK(has("\"root_dispersion_ns\":2500,\"age_s\":0,"));

	/* from the future (an earlier boot): unavailable, figures withheld */
	st.updated_monotonic_ns = (fake_mono + 5) * NS;
	put_time(&st);
	out_reset();
	cd_status_json(&M, &O);
	CHECK(has("\"time\":{\"state\":\"unavailable\",\"offset_ns\":null"));
	CHECK(has("written in the future of CLOCK_MONOTONIC"));

	/* a file that is no record */
	memset(junk, 'x', sizeof junk);
	write_file(M.conf.time_status, junk, sizeof junk);
	write_file(M.conf.gnss_status, junk, sizeof junk);
	out_reset();
	cd_status_json(&M, &O);
	CHECK_EQ_INT(O.status, 200);
	CHECK(has("\"time\":{\"state\":\"unavailable\",\"offset_ns\":null"));
	CHECK(has("\"gnss\":{\"fix\":null"));

	/* a folder where the file should be */
	unlink(M.conf.time_status);
	CHECK(mkdir(M.conf.time_status, 0700) == 0);
	out_reset();
	cd_status_json(&M, &O);
	CHECK(has("not a regular file"));
	rmdir(M.conf.time_status);
}

/* ------------------------------------------------------------ NTS */

/* a clock and receiver without alarms of their own */
static void quiet_clock(void)
{
	struct tg_timestatus st = ts_locked();
	struct tg_gnssstatus g = gnss_fix();

	put_time(&st);
	put_gnss(&g);
}

static void status_now(void)
{
	out_reset();
	cd_status_json(&M, &O);
}

static void test_nts_figures_and_rates(void)
{
	struct tg_ntsstats ns;

	setup();
	quiet_clock();
	/* fresh file, no sample yet: figures, but no rates */
	status_now();
	CHECK(has("\"nts\":{\"ok\":true,\"ntp_rps\":null,\"nts_rps\":null,\"ke_per_min\":null,"
		  "\"refused_rps\":null,\"cookie_key_age_s\":3600,\"cert_not_after\":1734560000,"
		  "\"cert_days_left\":400,\"reason\":null}"));
	CHECK(has("\"alarms\":[]"));

	/* one sample, then ntsd's next file 2 s later: rates over its own stamps */
	cd_status_sample(&M);
	status_now();
	CHECK(has("\"ntp_rps\":null")); /* one file: nothing to compare */
	ns = nts_ok();
	fake_real += 2;
	fake_mono += 2;
	ns.updated += 2;
	ns.ntp_requests += 200;
	ns.nts_requests += 100;
	ns.nts_refused += 4;
	ns.ke_handshakes += 3;
	put_nts(&ns);
	cd_status_sample(&M);
	status_now();
	CHECK(has("\"nts\":{\"ok\":true,\"ntp_rps\":100.00,\"nts_rps\":50.00,"
		  "\"ke_per_min\":90.00,\"refused_rps\":2.00,\"cookie_key_age_s\":3602,"));
	/* a console second without a new file keeps the rates (no step of 0 s) */
	fake_real += 1;
	cd_status_sample(&M);
	status_now();
	CHECK(has("\"ntp_rps\":100.00,\"nts_rps\":50.00,"));

	/* ntsd restarted: counters went down; that step has no rate */
	ns.updated += 2;
	ns.ntp_requests = 6;
	ns.nts_requests = 2;
	ns.nts_refused = 0;
	ns.ke_handshakes = 1;
	ns.ke_failures = 0;
	put_nts(&ns);
	fake_real += 1;
	cd_status_sample(&M);
	status_now();
	CHECK(has("\"nts\":{\"ok\":true,\"ntp_rps\":null,\"nts_rps\":null,\"ke_per_min\":null,"
		  "\"refused_rps\":null,"));
	/* and the next step has one again */
	ns.updated += 2;
	ns.ntp_requests += 10;
	put_nts(&ns);
	fake_real += 2;
	cd_status_sample(&M);
	status_now();
	CHECK(has("\"ntp_rps\":5.00,\"nts_rps\":0.00,\"ke_per_min\":0.00,\"refused_rps\":0.00,"));
	/* a stamp that went back is a restart too */
	ns.updated -= 5;
	ns.ntp_requests += 10;
	put_nts(&ns);
	cd_status_sample(&M);
	status_now();
	CHECK(has("\"ntp_rps\":null"));
}

static void test_nts_down(void)
{
	struct tg_ntsstats ns;

	setup();
	quiet_clock();
	cd_status_sample(&M);
	/* ntsd stopped writing (the file was 1 s old): 10 s is still fresh, 11 s stale */
	fake_real += 9;
	cd_status_sample(&M);
	status_now();
	CHECK(has("\"nts\":{\"ok\":true,"));
	fake_real += 1;
	status_now();
	CHECK(has("\"nts\":{\"ok\":false,\"ntp_rps\":null,\"nts_rps\":null,\"ke_per_min\":null,"
		  "\"refused_rps\":null,\"cookie_key_age_s\":null,\"cert_not_after\":null,"
		  "\"cert_days_left\":null,\"reason\":\""));
	CHECK(has("stale: written 11 s ago (is ntsd running?)"));
	CHECK(has("\"alarms\":[{\"level\":\"error\",\"text\":\"NTS service down: "));
	CHECK(has("\"id\":\"nts-down\"}]"));

	/* missing */
	unlink(M.conf.ntsd_stats);
	status_now();
	CHECK(has("\"nts\":{\"ok\":false,"));
	CHECK(has("NTS service down: "));
	CHECK(has("ntsstats: no such file (is ntsd running?)"));
	cd_status_sample(&M);
	CHECK_EQ_INT(M.nts.have, 0);

	/* malformed: the parser's message */
	write_file(M.conf.ntsd_stats, "version 1\nupdated x\n", 20);
	status_now();
	CHECK(has("NTS service down: "));
	CHECK(has("line 2: 'updated' expects an integer (unix seconds), got 'x'"));

	/* from the future beyond the limit: not believed */
	ns = nts_ok();
	ns.updated = fake_real + 60;
	put_nts(&ns);
	status_now();
	CHECK(has("\"nts\":{\"ok\":false,"));
	CHECK(has("written in the future"));
}

/* ------------------------------------------------------- cross-check */

/* written 10 s ago: an upstream that agrees, one failing, one not tried yet */
static struct tg_xcheck xc_sample(void)
{
	struct tg_xcheck x;

	memset(&x, 0, sizeof x);
	x.mono_ns = (fake_mono - 10) * NS;
	x.max_ns = 50000000;
	x.n = 3;
	snprintf(x.s[0].host, sizeof x.s[0].host, "192.0.2.1");
	snprintf(x.s[0].name, sizeof x.s[0].name, "time.example.net");
	x.s[0].port = 4460;
	x.s[0].state = TG_XCHECK_OK;
	x.s[0].offset_ns = -1500000;
	x.s[0].delay_ns = 12345678;
	x.s[0].stratum = 2;
	x.s[0].age_s = 3;
	snprintf(x.s[1].host, sizeof x.s[1].host, "192.0.2.2");
	x.s[1].port = 123;
	x.s[1].state = TG_XCHECK_FAIL;
	x.s[1].age_s = 70;
	snprintf(x.s[1].err, sizeof x.s[1].err, "NTS-KE: connection refused");
	snprintf(x.s[2].host, sizeof x.s[2].host, "ntp.example");
	x.s[2].port = 4460;
	return x;
}

static void put_xcheck(const struct tg_xcheck *x)
{
	static char text[TG_XCHECK_FILE_MAX];
	size_t n = tg_xcheck_format(x, text, sizeof text);

	CHECK(n > 0);
	write_file(M.conf.xcheck_status, text, n);
}

static void test_xcheck_status(void)
{
	static struct tg_xcheck x;

	setup();
	quiet_clock();
	x = xc_sample();
	put_xcheck(&x);
	/* shown from what the last sample read */
	status_now();
	CHECK(has("\"xcheck\":{\"ok\":false,\"max_ms\":null,\"servers\":[],"
		  "\"reason\":\"not read yet\"}"));
	cd_status_sample(&M);
	status_now();
	CHECK(has("\"xcheck\":{\"ok\":true,\"max_ms\":50.000,\"servers\":["
		  "{\"index\":0,\"host\":\"192.0.2.1\",\"port\":4460,\"name\":\"time.example.net\","
		  "\"state\":\"ok\",\"ok\":true,\"offset_ms\":-1.500,\"delay_ms\":12.346,"
		  "\"stratum\":2,\"age_s\":13,\"error\":null,\"agrees\":true},"
		  "{\"index\":1,\"host\":\"192.0.2.2\",\"port\":123,\"name\":\"192.0.2.2\","
		  "\"state\":\"fail\",\"ok\":false,\"offset_ms\":null,\"delay_ms\":null,"
		  "\"stratum\":null,\"age_s\":80,\"error\":\"NTS-KE: connection refused\","
		  "\"agrees\":null},"
		  "{\"index\":2,\"host\":\"ntp.example\",\"port\":4460,\"name\":\"ntp.example\","
		  "\"state\":\"none\",\"ok\":false,\"offset_ms\":null,\"delay_ms\":null,"
		  "\"stratum\":null,\"age_s\":null,\"error\":null,\"agrees\":null}],"
		  "\"reason\":null}"));
	CHECK(has("\"alarms\":[]"));
	/* ages go on between timed's writes (samples minutes apart) */
	fake_mono += 100;
	quiet_clock();
	status_now();
	CHECK(has("\"age_s\":113,\"error\":null,\"agrees\":true}"));

	/* beyond cross-check-max either way: an error alarm naming the server and the offset */
	x = xc_sample();
	x.s[0].offset_ns = 80000000;
	put_xcheck(&x);
	cd_status_sample(&M);
	status_now();
	CHECK(has("\"offset_ms\":80.000,"));
	CHECK(has("\"agrees\":false}"));
	CHECK(has("\"alarms\":[{\"level\":\"error\",\"text\":\"upstream time.example.net "
		  "(192.0.2.1 port 4460) disagrees with this clock by +80.000 ms (limit 50.000 ms)\","
		  "\"id\":\"xcheck-disagree\"}]"));
	x.s[0].offset_ns = -50000001;
	put_xcheck(&x);
	cd_status_sample(&M);
	status_now();
	CHECK(has("by -50.000 ms (limit 50.000 ms)\",\"id\":\"xcheck-disagree\"}"));
	x.s[0].offset_ns = -50000000; /* at the limit: agrees */
	put_xcheck(&x);
	cd_status_sample(&M);
	status_now();
	CHECK(has("\"agrees\":true}"));
	CHECK(has("\"alarms\":[]"));

	/* every upstream failing: a warning; one not tried yet is not a failure */
	x = xc_sample();
	x.s[0].state = TG_XCHECK_FAIL;
	snprintf(x.s[0].err, sizeof x.s[0].err, "TLS: certificate expired");
	put_xcheck(&x);
	cd_status_sample(&M);
	status_now();
	CHECK(lacks("xcheck-failing"));
	x.s[2].state = TG_XCHECK_FAIL;
	x.s[2].age_s = 1;
	put_xcheck(&x);
	cd_status_sample(&M);
	status_now();
	CHECK(has("\"alarms\":[{\"level\":\"warning\",\"text\":\"no upstream NTS server "
		  "answers: GNSS is not cross-checked (time.example.net: TLS: certificate expired)\","
		  "\"id\":\"xcheck-failing\"}]"));
	/* no upstream configured: nothing to fail */
	memset(&x, 0, sizeof x);
	x.mono_ns = fake_mono * NS;
	x.max_ns = 1;
	put_xcheck(&x);
	cd_status_sample(&M);
	status_now();
	CHECK(has("\"xcheck\":{\"ok\":true,\"max_ms\":0.000,\"servers\":[],\"reason\":null}"));
	CHECK(has("\"alarms\":[]"));
}

static void test_xcheck_unavailable(void)
{
	static struct tg_xcheck x;
	struct tg_timestatus st;

	setup();
	quiet_clock();
	/* missing */
	cd_status_sample(&M);
	status_now();
	CHECK(has("\"xcheck\":{\"ok\":false,\"max_ms\":null,\"servers\":[],\"reason\":\""));
	CHECK(has("xcheck: no such file (is timed running?)\"}"));
	CHECK(has("\"alarms\":[]"));
	/* timed's status record stale: the results are not current, and raise no alarm */
	x = xc_sample();
	x.s[0].offset_ns = 900000000;
	put_xcheck(&x);
	st = ts_locked();
	st.updated_monotonic_ns = (fake_mono - 100) * NS;
	put_time(&st);
	cd_status_sample(&M);
	status_now();
	CHECK(has("\"xcheck\":{\"ok\":false,\"max_ms\":null,\"servers\":[],\"reason\":"
		  "\"the time service's status is not current: stale: written 100 s ago"));
	CHECK(lacks("xcheck-disagree"));
	/* and back */
	quiet_clock();
	status_now();
	CHECK(has("\"xcheck\":{\"ok\":true,"));
	CHECK(has("xcheck-disagree"));
	/* malformed: the parser's message; the last good file is not kept */
	write_file(M.conf.xcheck_status, "version 1\nmono_ns 1\nmax_ns 0\n", 30);
	cd_status_sample(&M);
	status_now();
	CHECK(has("\"xcheck\":{\"ok\":false,"));
	CHECK(has("line 3: 'max_ns' expects NANOSECONDS (at least 1), got '0'"));
	CHECK(lacks("xcheck-disagree"));
	/* stamped more than a second ahead: an earlier boot's */
	x = xc_sample();
	x.mono_ns = (fake_mono + 5) * NS;
	put_xcheck(&x);
	cd_status_sample(&M);
	status_now();
	CHECK(has("\"xcheck\":{\"ok\":false,"));
	CHECK(has("written in the future of CLOCK_MONOTONIC"));
}

static void test_xcheck_metrics(void)
{
	static struct tg_xcheck x;
	struct tg_timestatus st;

	setup();
	quiet_clock();
	x = xc_sample();
	x.n = 4; /* a second line with the first one's name: one sample per label set */
	x.s[3] = x.s[0];
	snprintf(x.s[3].host, sizeof x.s[3].host, "192.0.2.9");
	x.s[3].offset_ns = 7;
	put_xcheck(&x);
	cd_status_sample(&M);
	cd_metrics(&M, &O);
	CHECK(om_ok(B()));
	CHECK(has("# TYPE timegate_xcheck_ok gauge\n"));
	CHECK(has("\ntimegate_xcheck_ok{server=\"time.example.net\"} 1\n"
		  "timegate_xcheck_ok{server=\"192.0.2.2\"} 0\n"
		  "timegate_xcheck_ok{server=\"ntp.example\"} 0\n# TYPE"));
	CHECK(has("# UNIT timegate_xcheck_offset_seconds seconds\n"));
	CHECK(has("\ntimegate_xcheck_offset_seconds{server=\"time.example.net\"} -0.001500000\n"
		  "# TYPE"));
	CHECK(lacks("timegate_xcheck_offset_seconds{server=\"192.0.2.2\"}"));
	CHECK(lacks("0.000000007"));
	/* not current: the families stay, their samples go */
	st = ts_locked();
	st.updated_monotonic_ns = (fake_mono - 100) * NS;
	put_time(&st);
	out_reset();
	cd_metrics(&M, &O);
	CHECK(om_ok(B()));
	CHECK(has("# TYPE timegate_xcheck_offset_seconds gauge\n"));
	CHECK(lacks("timegate_xcheck_ok{"));
	CHECK(lacks("timegate_xcheck_offset_seconds{"));
}

static void test_cert_alarms(void)
{
	struct tg_ntsstats ns;

	setup();
	quiet_clock();
	/* 10 days and a bit left: a warning naming the days */
	ns = nts_ok();
	ns.cert_not_after = fake_real + 10 * 86400 + 5;
	put_nts(&ns);
	status_now();
	CHECK(has("\"cert_days_left\":10,"));
	CHECK(has("\"alarms\":[{\"level\":\"warning\",\"text\":\"the NTS certificate expires in 10 "
		  "days: NTS clients refuse it; install a new one (Configuration, NTS certificate)\","
		  "\"id\":\"cert-expiring\"}]"));
	/* 30 days exactly: no alarm yet; a second less: one */
	ns.cert_not_after = fake_real + 30 * 86400;
	put_nts(&ns);
	status_now();
	CHECK(has("\"alarms\":[]"));
	ns.cert_not_after -= 1;
	put_nts(&ns);
	status_now();
	CHECK(has("expires in 29 days"));
	/* expired: an error, and the days left go negative */
	ns.cert_not_after = fake_real - 1;
	put_nts(&ns);
	status_now();
	CHECK(has("\"cert_days_left\":-1,"));
	CHECK(has("{\"level\":\"error\",\"text\":\"the NTS certificate expired: NTS clients refuse "
		  "it"));
	CHECK(lacks("\"level\":\"warning\""));
	/* no certificate (NTS-KE off): nulls, no alarm */
	ns.cert_not_after = ns.cert_not_before = 0;
	put_nts(&ns);
	status_now();
	CHECK(has("\"cert_not_after\":null,\"cert_days_left\":null,"));
	CHECK(has("\"alarms\":[]"));

	/* the console's own certificate */
	M.console_cert_not_after = fake_real + 2 * 86400;
	status_now();
	CHECK(has("\"alarms\":[{\"level\":\"warning\",\"text\":\"the console's certificate expires "
		  "in 2 days: browsers refuse it; install a new one (consoled(8))\","
		  "\"id\":\"console-cert-expiring\"}]"));
	M.console_cert_not_after = fake_real + 86399;
	status_now();
	CHECK(has("expires in 0 days"));
	M.console_cert_not_after = fake_real;
	status_now();
	CHECK(has("{\"level\":\"error\",\"text\":\"the console's certificate expired: "));
	CHECK(has("\"id\":\"console-cert-expiring\"}"));
	M.console_cert_not_after = fake_real + 31 * 86400;
	status_now();
	CHECK(has("\"alarms\":[]"));
	/* errors come before warnings */
	ns.cert_not_after = fake_real + 86400 * 3;
	put_nts(&ns);
	M.console_cert_not_after = fake_real - 86400;
	status_now();
	CHECK(has("\"alarms\":[{\"level\":\"error\",\"text\":\"the console's certificate expired"));
	CHECK(has("\"id\":\"console-cert-expiring\"},{\"level\":\"warning\",\"text\":\"the NTS "
		  "certificate expires in 3 days"));
}

/* ------------------------------------------------------------ history */

struct pt {
	long long t, off, jit, bound, state;
	int null_off, null_jit, null_bound;
};

static const char *num_or_null(const char *p, long long *v, int *isnull)
{
	char *e;

	if (strncmp(p, "null", 4) == 0) {
		*isnull = 1;
		*v = 0;
		return p + 4;
	}
	*isnull = 0;
	errno = 0;
	*v = strtoll(p, &e, 10);
	return e == p || errno ? NULL : e;
}

/* the "points" of a history answer into pts; their count, or -1 if malformed */
static long parse_points(const char *s, struct pt *pts, size_t cap)
{
	const char *p = strstr(s, "\"points\":[");
	size_t n = 0;
	int dummy;

	if (!p)
		return -1;
	p += 10;
	if (*p == ']')
		return 0;
	for (;;) {
		struct pt q;

		if (*p++ != '[' || n == cap)
			return -1;
		if (!(p = num_or_null(p, &q.t, &dummy)) || dummy || *p++ != ',')
			return -1;
		if (!(p = num_or_null(p, &q.off, &q.null_off)) || *p++ != ',')
			return -1;
		if (!(p = num_or_null(p, &q.jit, &q.null_jit)) || *p++ != ',')
			return -1;
		if (!(p = num_or_null(p, &q.bound, &q.null_bound)) || *p++ != ',')
			return -1;
		if (!(p = num_or_null(p, &q.state, &dummy)) || dummy || *p++ != ']')
			return -1;
		pts[n++] = q;
		if (*p == ']')
			return (long)n;
		if (*p++ != ',')
			return -1;
	}
}

static struct pt P[CD_HIST_HOUR + 2];

/* one second: the record written now (st NULL: none), then the sample */
static void tick(const struct tg_timestatus *st)
{
	if (st) {
		struct tg_timestatus s = *st;

		s.updated_monotonic_ns = fake_mono * NS;
		put_time(&s);
	} else {
		unlink(M.conf.time_status);
	}
	cd_status_sample(&M);
	fake_mono++;
	fake_real++;
}

static void test_history_hour_wrap(void)
{
	struct tg_timestatus st;
	long n, i;
	char want[64];
	int ok = 1;

	setup();
	out_reset();
	cd_history_json(&M, "hour", &O);
	CHECK_EQ_INT(O.status, 200);
	CHECK(has("{\"span\":\"hour\",\"step_s\":1,\"t0\":1700000000,\"points\":[]}"));

	st = ts_locked();
	for (i = 0; i < CD_HIST_HOUR + 10; i++) {
		st.offset_ns = i;
		st.jitter_ns = (uint64_t)i * 2;
		tick(&st);
	}
	out_reset();
	cd_history_json(&M, "hour", &O);
	CHECK_EQ_INT(O.status, 200);
	snprintf(want, sizeof want, "\"t0\":%lld,", T_REAL0 + 10);
	CHECK(has(want));
	n = parse_points(B(), P, sizeof P / sizeof P[0]);
	CHECK_EQ_INT(n, CD_HIST_HOUR);
	/* oldest first: the ten oldest were overwritten */
	for (i = 0; i < n && ok; i++)
		ok = P[i].t == T_REAL0 + 10 + i && P[i].off == 10 + i && P[i].jit == 2 * (10 + i) &&
		     P[i].bound == 789 && P[i].state == TG_CLOCK_LOCKED && !P[i].null_off;
	CHECK(ok);
}

static void test_history_minutes(void)
{
	struct tg_timestatus st;
	long n;
	int i;

	setup();
	st = ts_locked();
	/* minute 1699999980 (20 s of it seen): offsets with the worst |offset| negative */
	for (i = 0; i < 40; i++) {
		st.offset_ns = i == 7 ? -900 : i == 30 ? 800 : 10;
		st.jitter_ns = i == 12 ? 5000 : 50;
		st.error_bound_ns = i == 39 ? 7000 : 700;
		st.state = i == 20 ? TG_CLOCK_HOLDOVER : i == 21 ? TG_CLOCK_LOCKING : TG_CLOCK_LOCKED;
		tick(&st);
	}
	/* minute 1700000040: locked, then no record for 3 s (worst state: -1), figures from the rest */
	st = ts_locked();
	for (i = 0; i < 60; i++) {
		st.offset_ns = 100 + i;
		tick(i >= 10 && i < 13 ? NULL : &st);
	}
	/* minute 1700000100: a failure outranks no record */
	for (i = 0; i < 60; i++) {
		st.state = i == 30 ? TG_CLOCK_FAILED : TG_CLOCK_LOCKED;
		tick(i == 40 ? NULL : &st);
	}
	/* minute 1700000160: no record at all, then the minute now being gathered */
	for (i = 0; i < 60; i++)
		tick(NULL);
	st = ts_locked();
	tick(&st);
	tick(&st);

	out_reset();
	cd_history_json(&M, "day", &O);
	CHECK_EQ_INT(O.status, 200);
	CHECK(has("{\"span\":\"day\",\"step_s\":60,\"t0\":1699999980,\"points\":["));
	n = parse_points(B(), P, sizeof P / sizeof P[0]);
	CHECK_EQ_INT(n, 5);
	if (n != 5)
		return;
	CHECK_EQ_INT(P[0].t, 1699999980);
	CHECK_EQ_INT(P[0].off, -900); /* sign kept */
	CHECK_EQ_INT(P[0].jit, 5000);
	CHECK_EQ_INT(P[0].bound, 7000);
	CHECK_EQ_INT(P[0].state, TG_CLOCK_HOLDOVER);
	CHECK_EQ_INT(P[1].t, 1700000040);
	CHECK_EQ_INT(P[1].off, 159);
	CHECK_EQ_INT(P[1].state, -1);
	CHECK(!P[1].null_off && !P[1].null_jit && !P[1].null_bound);
	CHECK_EQ_INT(P[2].t, 1700000100);
	CHECK_EQ_INT(P[2].state, TG_CLOCK_FAILED);
	CHECK_EQ_INT(P[3].t, 1700000160);
	CHECK_EQ_INT(P[3].state, -1);
	CHECK(P[3].null_off && P[3].null_jit && P[3].null_bound);
	CHECK_EQ_INT(P[4].t, 1700000220); /* in progress: two samples */
	CHECK_EQ_INT(P[4].off, -1234);
	CHECK_EQ_INT(P[4].state, TG_CLOCK_LOCKED);

	/* the hour has every second, with nulls where no record was */
	out_reset();
	cd_history_json(&M, "hour", &O);
	n = parse_points(B(), P, sizeof P / sizeof P[0]);
	CHECK_EQ_INT(n, 40 + 60 + 60 + 60 + 2);
	if (n == 222) {
		CHECK_EQ_INT(P[0].t, T_REAL0);
		CHECK_EQ_INT(P[7].off, -900);
		CHECK(P[50].null_off && P[50].state == -1);
		CHECK_EQ_INT(P[221].t, T_REAL0 + 221);
	}

	/* only hour and day */
	out_reset();
	cd_history_json(&M, "week", &O);
	CHECK_EQ_INT(O.status, 400);
	CHECK(has("\"error\":\"span: expected hour or day, got \\\"week\\\"\""));
	out_reset();
	cd_history_json(&M, NULL, &O);
	CHECK_EQ_INT(O.status, 400);
}

static void test_history_day_wrap(void)
{
	long n, i;
	int ok = 1;

	setup();
	/* one sample a minute, no record: 1440 + 5 closed minutes, then one open */
	for (i = 0; i < CD_HIST_DAY + 6; i++) {
		unlink(M.conf.time_status);
		cd_status_sample(&M);
		fake_real += 60;
	}
	out_reset();
	cd_history_json(&M, "day", &O);
	n = parse_points(B(), P, sizeof P / sizeof P[0]);
	CHECK_EQ_INT(n, CD_HIST_DAY + 1);
	for (i = 0; i < n && ok; i++)
		ok = P[i].t == T_REAL0 - 20 + (5 + i) * 60 && P[i].state == -1;
	CHECK(ok);
}

/* ------------------------------------------------------------ metrics */

static int om_name_ok(const char *s, size_t n)
{
	size_t i;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++) {
		char c = s[i];
		int alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';

		if (!alpha && !(i > 0 && c >= '0' && c <= '9'))
			return 0;
	}
	return 1;
}

static int ends_with(const char *s, size_t n, const char *suf)
{
	size_t k = strlen(suf);

	return n >= k && memcmp(s + n - k, suf, k) == 0;
}

#define OM_FAMILIES_MAX 64
#define OM_SAMPLES_MAX 256

/*
 * A strict OpenMetrics 1.0 text validator (for what the console emits:
 * gauge, counter, info; no exemplars).  0, or -1 with the reason.
 *   - every line ends with LF; the last is "# EOF", nothing after it;
 *   - metadata "# TYPE|UNIT|HELP name ..." of a family precede its
 *     samples, TYPE at most once and first, a family never comes back
 *     after another one began; UNIT is a suffix of the name;
 *   - sample names: gauge = family, counter = family_total (and the
 *     family must not itself end in _total), info = family_info;
 *   - labels {name="value",...}: names valid and unique, values with
 *     only \\ \" \n escapes; value a float (NaN, +Inf, -Inf), counters
 *     >= 0, info exactly 1; no two samples with the same name and labels.
 */
static int om_validate(const char *s, size_t len, char *why, size_t whylen)
{
	char fam[OM_FAMILIES_MAX][80];
	char seen[OM_SAMPLES_MAX][200];
	int nfam = 0, nseen = 0, cur = -1, cur_samples = 0;
	char type[16] = "", unit[32] = "";
	size_t pos = 0, lineno = 0;
	int eof = 0, i;

#define FAIL(...)                                                 \
	do {                                                      \
		int k_ = snprintf(why, whylen, "line %zu: ", lineno); \
		snprintf(why + k_, whylen - (size_t)k_, __VA_ARGS__); \
		return -1;                                        \
	} while (0)

	while (pos < len) {
		const char *l = s + pos, *nl = memchr(l, '\n', len - pos);
		size_t n;

		lineno++;
		if (!nl)
			FAIL("no LF at the end");
		n = (size_t)(nl - l);
		pos += n + 1;
		if (eof)
			FAIL("text after # EOF");
		if (n == 5 && memcmp(l, "# EOF", 5) == 0) {
			eof = 1;
			continue;
		}
		if (n >= 2 && l[0] == '#') {
			const char *kw = l + 2, *name, *sp;
			size_t nn;

			if (l[1] != ' ')
				FAIL("comment: expected '# ', got '#%c'", l[1]);
			if (n < 7 || (memcmp(kw, "TYPE ", 5) && memcmp(kw, "UNIT ", 5) &&
				      memcmp(kw, "HELP ", 5)))
				FAIL("comment: expected TYPE, UNIT, HELP or EOF");
			name = kw + 5;
			sp = memchr(name, ' ', (size_t)(nl - name));
			if (!sp)
				FAIL("metadata without a value");
			nn = (size_t)(sp - name);
			if (!om_name_ok(name, nn) || nn >= sizeof fam[0])
				FAIL("bad family name");
			if (cur < 0 || strlen(fam[cur]) != nn || memcmp(fam[cur], name, nn)) {
				for (i = 0; i < nfam; i++)
					if (strlen(fam[i]) == nn && !memcmp(fam[i], name, nn))
						FAIL("family %.*s comes back", (int)nn, name);
				if (nfam == OM_FAMILIES_MAX)
					FAIL("too many families");
				snprintf(fam[nfam], sizeof fam[0], "%.*s", (int)nn, name);
				cur = nfam++;
				cur_samples = 0;
				type[0] = unit[0] = '\0';
				if (memcmp(kw, "TYPE ", 5))
					FAIL("expected TYPE first");
			} else if (cur_samples) {
				FAIL("metadata after samples");
			}
			if (!memcmp(kw, "TYPE ", 5)) {
				size_t tn = (size_t)(nl - sp - 1);

				if (type[0])
					FAIL("second TYPE");
				snprintf(type, sizeof type, "%.*s", (int)tn, sp + 1);
				if (strcmp(type, "gauge") && strcmp(type, "counter") && strcmp(type, "info"))
					FAIL("type %s not expected here", type);
				if (!strcmp(type, "counter") && ends_with(name, nn, "_total"))
					FAIL("counter family named with _total");
			} else if (!memcmp(kw, "UNIT ", 5)) {
				char suf[40];

				if (unit[0])
					FAIL("second UNIT");
				snprintf(unit, sizeof unit, "%.*s", (int)(nl - sp - 1), sp + 1);
				snprintf(suf, sizeof suf, "_%s", unit);
				if (!om_name_ok(unit, strlen(unit)) || !ends_with(name, nn, suf))
					FAIL("unit %s is not the name's suffix", unit);
			} else {
				const char *h;

				for (h = sp + 1; h < nl; h++)
					if (*h == '\\' && (h + 1 == nl || (h[1] != '\\' && h[1] != 'n' &&
									   h[1] != '"')))
						FAIL("bad escape in HELP");
					else if (*h == '\\')
						h++;
			}
			continue;
		}
		/* a sample */
		{
			const char *p = l, *e = nl, *nm = l;
			char key[200], sname[100], want[100], lnames[8][64], val[64], *endp;
			size_t nn, kl = 0;
			int nl_ = 0;
			double v;

			if (cur < 0 || !type[0])
				FAIL("sample before its TYPE");
			while (p < e && *p != '{' && *p != ' ')
				p++;
			nn = (size_t)(p - nm);
			if (!om_name_ok(nm, nn) || nn >= sizeof sname)
				FAIL("bad sample name");
			snprintf(sname, sizeof sname, "%.*s", (int)nn, nm);
			snprintf(want, sizeof want, "%s%s", fam[cur],
				 !strcmp(type, "counter") ? "_total" : !strcmp(type, "info") ? "_info" : "");
			if (strcmp(sname, want))
				FAIL("sample %s in family %s (%s), expected %s", sname, fam[cur], type, want);
			kl = (size_t)snprintf(key, sizeof key, "%s", sname);
			if (p < e && *p == '{') {
				p++;
				if (p < e && *p == '}')
					FAIL("empty label set");
				for (;;) {
					const char *ln = p;
					size_t lnn;
					int j;

					while (p < e && *p != '=')
						p++;
					lnn = (size_t)(p - ln);
					if (p == e || !om_name_ok(ln, lnn) || memchr(ln, ':', lnn) ||
					    lnn >= sizeof lnames[0])
						FAIL("bad label name");
					if (nl_ == 8)
						FAIL("too many labels");
					snprintf(lnames[nl_], sizeof lnames[0], "%.*s", (int)lnn, ln);
					for (j = 0; j < nl_; j++)
						if (!strcmp(lnames[j], lnames[nl_]))
							FAIL("label %s twice", lnames[j]);
					nl_++;
					p++;
					if (p == e || *p++ != '"')
						FAIL("label value: expected '\"'");
					while (p < e && *p != '"') {
						if (*p == '\\') {
							if (p + 1 == e ||
							    (p[1] != '\\' && p[1] != '"' && p[1] != 'n'))
								FAIL("bad escape in a label value");
							p++;
						}
						p++;
					}
					if (p == e)
						FAIL("unterminated label value");
					p++;
					if (p < e && *p == ',') {
						p++;
						continue;
					}
					if (p < e && *p == '}') {
						p++;
						break;
					}
					FAIL("labels: expected ',' or '}'");
				}
				kl += (size_t)snprintf(key + kl, sizeof key - kl, "%.*s",
						       (int)(p - (nm + nn)), nm + nn);
			}
			if (p == e || *p++ != ' ')
				FAIL("expected one SP before the value");
			if ((size_t)(e - p) == 0 || (size_t)(e - p) >= sizeof val ||
			    memchr(p, ' ', (size_t)(e - p)))
				FAIL("bad value field (timestamps are not emitted)");
			snprintf(val, sizeof val, "%.*s", (int)(e - p), p);
			if (!strcmp(val, "NaN") || !strcmp(val, "+Inf") || !strcmp(val, "-Inf")) {
				v = !strcmp(val, "NaN") ? NAN : val[0] == '-' ? -INFINITY : INFINITY;
			} else {
				if (!((val[0] >= '0' && val[0] <= '9') || val[0] == '-' || val[0] == '+'))
					FAIL("value %s is not a number", val);
				errno = 0;
				v = strtod(val, &endp);
				if (*endp || errno || strchr(val, 'x') || strchr(val, 'X') ||
				    strchr(val, 'n') || strchr(val, 'N') || strchr(val, 'i'))
					FAIL("value %s is not a number", val);
			}
			if (!strcmp(type, "counter") && !(v >= 0))
				FAIL("counter %s < 0 or NaN", sname);
			if (!strcmp(type, "info") && strcmp(val, "1"))
				FAIL("info value %s, expected 1", val);
			for (i = 0; i < nseen; i++)
				if (!strcmp(seen[i], key))
					FAIL("sample %s twice", key);
			if (nseen == OM_SAMPLES_MAX)
				FAIL("too many samples");
			snprintf(seen[nseen++], sizeof seen[0], "%s", key);
			cur_samples++;
		}
	}
	if (!eof)
		FAIL("no # EOF at the end");
	return 0;
#undef FAIL
}

static int om_ok(const char *s)
{
	char why[200];

	if (om_validate(s, strlen(s), why, sizeof why) == 0)
		return 1;
	fprintf(stderr, "  openmetrics: %s\n", why);
	return 0;
}

static int om_bad(const char *s)
{
	char why[200];

	return om_validate(s, strlen(s), why, sizeof why) < 0;
}

/* the validator refuses what it should (so its "ok" means something) */
static void test_om_validator(void)
{
	CHECK(om_ok("# TYPE a gauge\n# HELP a x\na 1\n# TYPE b counter\nb_total 2\n# EOF\n"));
	CHECK(om_ok("# TYPE a_seconds gauge\n# UNIT a_seconds seconds\na_seconds -1.5e-9\n# EOF\n"));
	CHECK(om_ok("# TYPE x info\nx_info{v=\"a\\\"b\\\\c\\n\"} 1\n# EOF\n"));
	CHECK(om_bad("# TYPE a gauge\na 1\n"));                           /* no EOF */
	CHECK(om_bad("# TYPE a gauge\na 1\n# EOF"));                      /* no LF */
	CHECK(om_bad("# TYPE a gauge\na 1\n# EOF\n\n"));                  /* after EOF */
	CHECK(om_bad("a 1\n# EOF\n"));                                    /* no TYPE */
	CHECK(om_bad("# TYPE a_total counter\na_total 1\n# EOF\n"));      /* counter family _total */
	CHECK(om_bad("# TYPE a counter\na 1\n# EOF\n"));                  /* sample w/o _total */
	CHECK(om_bad("# TYPE a counter\na_total -1\n# EOF\n"));           /* negative counter */
	CHECK(om_bad("# TYPE a gauge\na 1\n# HELP a x\n# EOF\n"));        /* metadata after samples */
	CHECK(om_bad("# TYPE a gauge\na 1\n# TYPE b gauge\nb 1\n# TYPE a gauge\n# EOF\n"));
	CHECK(om_bad("# TYPE a gauge\na{x=\"1\"} 1\na{x=\"1\"} 2\n# EOF\n")); /* duplicate */
	CHECK(om_bad("# TYPE a gauge\na{x=\"1\",x=\"2\"} 1\n# EOF\n"));
	CHECK(om_bad("# TYPE a gauge\na{x=\"\\t\"} 1\n# EOF\n"));       /* bad escape */
	CHECK(om_bad("# TYPE a gauge\na  1\n# EOF\n"));
	CHECK(om_bad("# TYPE a gauge\na 0x10\n# EOF\n"));
	CHECK(om_bad("# TYPE a gauge\na nan\n# EOF\n"));
	CHECK(om_bad("# TYPE a gauge\n# UNIT a seconds\n# EOF\n"));      /* unit not a suffix */
	CHECK(om_bad("# TYPE a info\na 1\n# EOF\n"));
	CHECK(om_bad("# TYPE a info\na_info 2\n# EOF\n"));
	CHECK(om_bad("# TYPE 1a gauge\n# EOF\n"));
	CHECK(om_bad("#TYPE a gauge\n# EOF\n"));
}

static void test_metrics(void)
{
	struct tg_timestatus st;
	struct tg_gnssstatus g;
	struct tg_ntsstats ns;

	setup();
	st = ts_locked();
	st.leap = TG_LEAP_DELETE;
	put_time(&st);
	g = gnss_fix();
	put_gnss(&g);
	snprintf(M.version, sizeof M.version, "1.4.2 \"beta\"\\\n");
	cd_metrics(&M, &O);
	CHECK_EQ_INT(O.status, 200);
	CHECK_EQ_INT(O.kind, CD_KIND_METRICS);
	CHECK(om_ok(B()));
	CHECK(has("timegate_clock_state{state=\"locked\"} 1\n"));
	CHECK(has("timegate_clock_state{state=\"holdover\"} 0\n"));
	CHECK(has("timegate_clock_state{state=\"unavailable\"} 0\n"));
	CHECK(has("\ntimegate_clock_offset_seconds -0.000001234\n"));
	CHECK(has("\ntimegate_clock_jitter_seconds 0.000000056\n"));
	CHECK(has("\ntimegate_clock_error_bound_seconds 0.000000789\n"));
	CHECK(has("\ntimegate_clock_frequency_ppm -12.345\n"));
	CHECK(has("\ntimegate_stratum 1\n"));
	CHECK(has("\ntimegate_leap_indicator 2\n"));
	CHECK(has("\ntimegate_status_age_seconds 2\n"));
	CHECK(has("\ntimegate_gnss_satellites_used 4\n"));
	CHECK(has("\ntimegate_gnss_satellites_visible 7\n"));
	CHECK(has("\ntimegate_gnss_fix_mode 3\n"));
	CHECK(has("\ntimegate_pps_pulses_total 86400\n"));
	CHECK(has("\ntimegate_pps_missed_total 3\n"));
	CHECK(has("\ntimegate_info{version=\"1.4.2 \\\"beta\\\"\\\\\\n\"} 1\n# EOF\n"));
	CHECK(has("# TYPE timegate_clock_offset_seconds gauge\n# UNIT timegate_clock_offset_seconds "
		  "seconds\n# HELP timegate_clock_offset_seconds "));
	/* ntsd's counters, the key's age and the certificate's remaining seconds */
	CHECK(has("# TYPE timegate_ntp_requests counter\n"));
	CHECK(has("\ntimegate_ntp_requests_total 5000\n"));
	CHECK(has("\ntimegate_nts_requests_total 4000\n"));
	CHECK(has("\ntimegate_nts_refused_total 10\n"));
	CHECK(has("\ntimegate_ntske_handshakes_total 100\n"));
	CHECK(has("\ntimegate_ntske_failures_total 2\n"));
	CHECK(has("# UNIT timegate_cookie_key_age_seconds seconds\n"));
	CHECK(has("\ntimegate_cookie_key_age_seconds 3600\n"));
	CHECK(has("\ntimegate_nts_cert_expiry_seconds 34560000\n"));

	/* stale: the state says so, the figures are absent, the age is there */
	st.updated_monotonic_ns = (fake_mono - 100) * NS;
	put_time(&st);
	unlink(M.conf.gnss_status);
	ns = nts_ok();
	ns.updated = fake_real - 100;
	put_nts(&ns);
	out_reset();
	cd_metrics(&M, &O);
	CHECK(om_ok(B()));
	CHECK(has("timegate_clock_state{state=\"locked\"} 0\n"));
	CHECK(has("timegate_clock_state{state=\"unavailable\"} 1\n"));
	CHECK(lacks("\ntimegate_clock_offset_seconds "));
	CHECK(lacks("\ntimegate_stratum "));
	CHECK(has("\ntimegate_status_age_seconds 100\n"));
	CHECK(lacks("\ntimegate_pps_pulses_total"));
	CHECK(has("# TYPE timegate_pps_pulses counter\n"));
	/* ntsd's file is stale too: the NTS families stay, their samples go */
	CHECK(lacks("\ntimegate_ntp_requests_total "));
	CHECK(lacks("\ntimegate_nts_cert_expiry_seconds "));
	CHECK(has("# TYPE timegate_ntske_failures counter\n"));

	/* nothing at all */
	unlink(M.conf.time_status);
	out_reset();
	cd_metrics(&M, &O);
	CHECK(om_ok(B()));
	CHECK(has("timegate_clock_state{state=\"unavailable\"} 1\n"));
	CHECK(lacks("\ntimegate_status_age_seconds "));
	CHECK(has("timegate_info{version="));

	/* a positive offset and frequency, other states */
	st = ts_locked();
	st.offset_ns = 1500000001;
	st.freq_ppb = 7;
	st.state = TG_CLOCK_LOCKING;
	put_time(&st);
	out_reset();
	cd_metrics(&M, &O);
	CHECK(om_ok(B()));
	CHECK(has("\ntimegate_clock_offset_seconds 1.500000001\n"));
	CHECK(has("\ntimegate_clock_frequency_ppm 0.007\n"));
	CHECK(has("timegate_clock_state{state=\"locking\"} 1\n"));
}

/* --------------------------------------------------------- fake updated */

enum scenario {
	S_STATUS,
	S_STATUS_ERR,
	S_STATUS_BAD,
	S_OK,
	S_ERR,
	S_CLOSE,
	S_INSTALL_OK,
	S_INSTALL_ERR,
	S_INSTALL_EARLY,
	S_DRAIN, /* read until the end, answer nothing (an abort) */
	S_INSTALL_HOLD, /* read the bundle; answer in two parts, each after a byte on hold[0] */
};

static pid_t fake_pid;
static int hold[2] = {-1, -1}; /* S_INSTALL_HOLD: the test releases the answer */

static void say(int fd, const char *s)
{
	(void)send(fd, s, strlen(s), MSG_NOSIGNAL);
}

/* the request line (without LF) */
static void read_request(int fd, char *out, size_t cap)
{
	size_t n = 0;
	char c;

	while (n + 1 < cap && read(fd, &c, 1) == 1 && c != '\n')
		out[n++] = c;
	out[n] = '\0';
}

/* everything until the end, into got; its length */
static size_t drain(int fd, int out_fd, size_t limit)
{
	char buf[8192];
	size_t total = 0;
	ssize_t r;

	while (total < limit) {
		size_t want = limit - total < sizeof buf ? limit - total : sizeof buf;

		r = read(fd, buf, want);
		if (r <= 0)
			break;
		if (write(out_fd, buf, (size_t)r) != r)
			_exit(3);
		total += (size_t)r;
	}
	return total;
}

static void fake_child(int lfd, enum scenario sc)
{
	char req[64], path[128];
	int fd, out;

	signal(SIGPIPE, SIG_IGN);
	fd = accept(lfd, NULL, NULL);
	if (fd < 0)
		_exit(2);
	read_request(fd, req, sizeof req);
	path_in(path, sizeof path, "got");
	out = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (out < 0)
		_exit(2);
	if (write(out, req, strlen(req)) < 0 || write(out, "\n", 1) < 0)
		_exit(2);
	switch (sc) {
	case S_STATUS:
		say(fd, "booted-slot A\nbooted-version 1.4.2\ncommitted-slot A\npending-slot -\n"
			"order A B\ntries-A 3\nmessage installed 1.5.0 into slot B; it starts at the "
			"next boot\nend\n");
		break;
	case S_STATUS_ERR:
		say(fd, "error permission denied\n");
		break;
	case S_STATUS_BAD:
		say(fd, "booted-slot A\nBad<Key> x\nend\n");
		break;
	case S_OK:
		say(fd, "ok slot B boots next (3 tries)\n");
		break;
	case S_ERR:
		say(fd, "error slot B cannot boot: no tries left\n");
		break;
	case S_CLOSE:
		break;
	case S_INSTALL_OK:
		drain(fd, out, SIZE_MAX);
		say(fd, "progress receiving 0 0\nprogress writing 1048576 1048576\n"
			"ok installed 1.5.0 into slot B; it starts at the next boot\n");
		break;
	case S_INSTALL_ERR:
		drain(fd, out, SIZE_MAX);
		say(fd, "progress finishing 5 5\nerror image root: SHA-256 does not match the signed "
			"manifest\n");
		break;
	case S_INSTALL_EARLY:
		drain(fd, out, 100);
		say(fd, "progress receiving 100 0\nerror bundle header: bad magic\n");
		break;
	case S_DRAIN:
		drain(fd, out, SIZE_MAX);
		break;
	case S_INSTALL_HOLD:
		drain(fd, out, SIZE_MAX);
		if (read(hold[0], req, 1) != 1)
			break;
		/* a line cut in the middle: the rest comes later */
		say(fd, "progress finishing 5 5\nok inst");
		if (read(hold[0], req, 1) != 1)
			break;
		say(fd, "alled 1.5.0 into slot B\n");
		break;
	}
	close(out);
	close(fd);
	_exit(0);
}

/* a fake updated for one connection */
static void fake_start(enum scenario sc)
{
	struct sockaddr_un sa;
	int lfd;

	unlink(M.conf.updated_sock);
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, M.conf.updated_sock,
	       strnlen(M.conf.updated_sock, sizeof sa.sun_path - 1));
	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(lfd, 4) < 0) {
		perror("fake updated");
		exit(1);
	}
	fflush(NULL);
	fake_pid = fork();
	if (fake_pid < 0) {
		perror("fork");
		exit(1);
	}
	if (fake_pid == 0)
		fake_child(lfd, sc);
	close(lfd);
}

/* wait for the fake; what it received (request line, then any bytes) into buf: its length */
static size_t fake_end(char *buf, size_t cap)
{
	char path[128];
	int st = -1, fd;
	ssize_t n;

	waitpid(fake_pid, &st, 0);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	unlink(M.conf.updated_sock);
	path_in(path, sizeof path, "got");
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return 0;
	n = read(fd, buf, cap);
	close(fd);
	unlink(path);
	return n > 0 ? (size_t)n : 0;
}

static char got[2 << 20];

static void test_update_status(void)
{
	size_t n;

	setup();
	fake_start(S_STATUS);
	cd_update_status_json(&M, &O);
	n = fake_end(got, sizeof got);
	CHECK(n == 7 && memcmp(got, "status\n", 7) == 0);
	CHECK_EQ_INT(O.status, 200);
	CHECK_EQ_STR(B(), "{\"booted-slot\":\"A\",\"booted-version\":\"1.4.2\",\"committed-slot\":"
			  "\"A\",\"pending-slot\":null,\"order\":\"A B\",\"tries-A\":\"3\","
			  "\"message\":\"installed 1.5.0 into slot B; it starts at the next boot\"}");

	out_reset();
	fake_start(S_STATUS_ERR);
	cd_update_status_json(&M, &O);
	fake_end(got, sizeof got);
	CHECK_EQ_INT(O.status, 503);
	CHECK(has("permission denied"));

	out_reset();
	fake_start(S_STATUS_BAD);
	cd_update_status_json(&M, &O);
	fake_end(got, sizeof got);
	CHECK_EQ_INT(O.status, 502);
	CHECK(lacks("Bad")); /* updated's bytes are not echoed to the browser */

	out_reset();
	fake_start(S_CLOSE);
	cd_update_status_json(&M, &O);
	fake_end(got, sizeof got);
	CHECK_EQ_INT(O.status, 502);
	CHECK(has("without an answer"));
}

static void test_update_commands(void)
{
	size_t n;

	setup();
	fake_start(S_OK);
	cd_update_command(&M, "rollback", &O);
	n = fake_end(got, sizeof got);
	CHECK(n == 9 && memcmp(got, "rollback\n", 9) == 0);
	CHECK_EQ_INT(O.status, 200);
	CHECK_EQ_STR(B(), "{\"message\":\"slot B boots next (3 tries)\"}");

	out_reset();
	fake_start(S_ERR);
	cd_update_command(&M, "reboot", &O);
	n = fake_end(got, sizeof got);
	CHECK(n == 7 && memcmp(got, "reboot\n", 7) == 0);
	CHECK_EQ_INT(O.status, 409);
	CHECK_EQ_STR(B(), "{\"error\":\"slot B cannot boot: no tries left\"}");

	out_reset();
	fake_start(S_CLOSE);
	cd_update_command(&M, "reboot", &O);
	fake_end(got, sizeof got);
	CHECK_EQ_INT(O.status, 502);
}

static void test_update_absent(void)
{
	struct cd_msg_req rq;

	setup();
	unlink(M.conf.updated_sock);
	cd_update_status_json(&M, &O);
	CHECK_EQ_INT(O.status, 503);
	CHECK(has("cannot be reached"));
	out_reset();
	cd_update_command(&M, "rollback", &O);
	CHECK_EQ_INT(O.status, 503);
	out_reset();
	memset(&rq, 0, sizeof rq);
	rq.content_length = 1000;
	CHECK_EQ_INT(cd_update_begin(&M, &rq, "op", &O), -1);
	CHECK_EQ_INT(O.status, 503);
	CHECK(!M.upload.active);
}

static uint8_t payload[1 << 20];

static void fill_payload(size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		payload[i] = (uint8_t)(check_rand() >> 24);
}

static struct cd_msg_upload up;

static int send_chunk(uint32_t conn, uint32_t gen, uint32_t seq, size_t off, size_t len,
		      uint32_t flags)
{
	memset(&up, 0, sizeof up);
	up.conn = conn;
	up.gen = gen;
	up.seq = seq;
	up.flags = flags;
	up.len = (uint32_t)len;
	memcpy(up.data, payload + off, len);
	out_reset();
	return cd_update_chunk(&M, &up, &O);
}

static void begin(uint32_t conn, uint32_t gen, uint64_t total)
{
	struct cd_msg_req rq;

	memset(&rq, 0, sizeof rq);
	rq.conn = conn;
	rq.gen = gen;
	rq.method = CD_POST;
	rq.flags = CD_REQ_F_UPLOAD;
	rq.content_length = total;
	snprintf(rq.path, sizeof rq.path, "/api/update");
	snprintf(rq.addr, sizeof rq.addr, "192.0.2.7");
	out_reset();
	CHECK_EQ_INT(cd_update_begin(&M, &rq, "olga", &O), 0);
	CHECK_EQ_INT(O.status, 0);
}

/* stream total bytes in full chunks; the return of the last call */
static int stream(uint32_t conn, uint32_t gen, size_t total, int *early)
{
	size_t off = 0;
	uint32_t seq = 0;
	int rc = 0;

	*early = 0;
	while (off < total) {
		size_t k = total - off < CD_CHUNK_MAX ? total - off : CD_CHUNK_MAX;

		rc = send_chunk(conn, gen, seq++, off, k, off + k == total ? CD_UP_F_LAST : 0);
		off += k;
		if (rc && off < total) {
			*early = 1;
			break;
		}
		if (rc == 0 && off == total)
			break;
	}
	return rc;
}

/* finishing: wait for updated's socket (main's loop does) until its answer ends the upload */
static int finish(void)
{
	struct pollfd p;
	int rc;

	for (;;) {
		memset(&p, 0, sizeof p);
		p.fd = M.upload.fd;
		p.events = POLLIN;
		if (p.fd < 0 || poll(&p, 1, 60000) != 1) /* a hang guard, not a speed check */
			return -1;
		out_reset();
		rc = cd_update_answer(&M, &O);
		if (rc)
			return rc;
	}
}

static void test_update_install(void)
{
	size_t total = sizeof payload - 1000, n;
	int early;

	setup();
	fill_payload(total);
	fake_start(S_INSTALL_OK);
	begin(3, 77, total);
	CHECK(M.upload.active);
	CHECK_EQ_STR(M.upload.user, "olga");
	CHECK_EQ_STR(M.upload.addr, "192.0.2.7");
	CHECK_EQ_INT(stream(3, 77, total, &early), CD_UPLOAD_FINISHING);
	CHECK(!early);
	CHECK_EQ_INT(O.status, 0);
	CHECK(M.upload.active && M.upload.finishing);
	CHECK_EQ_INT(finish(), 1);
	n = fake_end(got, sizeof got);
	/* the fake received exactly "install\n" and the bytes sent */
	CHECK_EQ_INT(n, 8 + total);
	CHECK(n >= 8 && memcmp(got, "install\n", 8) == 0 && memcmp(got + 8, payload, total) == 0);
	CHECK_EQ_INT(O.status, 200);
	CHECK_EQ_STR(B(), "{\"ok\":true,\"message\":\"installed 1.5.0 into slot B; it starts at "
			  "the next boot\"}");
	CHECK(!M.upload.active);
	CHECK_EQ_STR(M.upload.user, "olga"); /* kept for the audit record */
	CHECK_EQ_INT(M.upload.done, total);

	/* updated checks the whole and refuses: 422 with its message */
	fake_start(S_INSTALL_ERR);
	begin(4, 1, 5);
	CHECK_EQ_INT(send_chunk(4, 1, 0, 0, 5, CD_UP_F_LAST), CD_UPLOAD_FINISHING);
	CHECK_EQ_INT(finish(), 1);
	n = fake_end(got, sizeof got);
	CHECK_EQ_INT(n, 13);
	CHECK_EQ_INT(O.status, 422);
	CHECK_EQ_STR(B(), "{\"error\":\"image root: SHA-256 does not match the signed manifest\"}");
	CHECK(!M.upload.active);
}

/* the fake holds its verdict: start it and stream a whole bundle of total bytes as conn/gen */
static void held_install(uint32_t conn, uint32_t gen, size_t total)
{
	int early;

	if (pipe(hold) < 0) {
		perror("pipe");
		exit(1);
	}
	fake_start(S_INSTALL_HOLD);
	close(hold[0]);
	hold[0] = -1;
	begin(conn, gen, total);
	CHECK_EQ_INT(stream(conn, gen, total, &early), CD_UPLOAD_FINISHING);
	CHECK(!early);
	CHECK_EQ_INT(O.status, 0); /* no answer yet: main goes back to its loop */
}

static void release_fake(void)
{
	CHECK_EQ_INT(write(hold[1], "g", 1), 1);
}

/*
 * While updated works on the bundle, main answers other requests (the
 * status here; api.c routes GET /api/status to it) and refuses a second
 * upload; the verdict, when it comes in pieces, ends the upload and names
 * the upload's request.
 */
static void test_update_finish_async(void)
{
	size_t total = 3 * CD_CHUNK_MAX + 17, n;
	struct tg_timestatus st;
	struct cd_msg_req rq;
	struct pollfd p;

	setup();
	fill_payload(total);
	st = ts_locked();
	put_time(&st);
	held_install(8, 41, total);
	CHECK(M.upload.active && M.upload.finishing);

	/* nothing from updated yet: no answer, no wait */
	out_reset();
	CHECK_EQ_INT(cd_update_answer(&M, &O), 0);
	CHECK_EQ_INT(O.status, 0);
	CHECK(M.upload.active);

	/* another user's dashboard is answered meanwhile */
	out_reset();
	cd_status_json(&M, &O);
	CHECK_EQ_INT(O.status, 200);
	CHECK(has("\"state\":\"locked\""));

	/* a second upload is refused as while streaming; the first stays */
	memset(&rq, 0, sizeof rq);
	rq.conn = 9;
	rq.gen = 1;
	rq.content_length = 10;
	out_reset();
	CHECK_EQ_INT(cd_update_begin(&M, &rq, "bob", &O), -1);
	CHECK_EQ_INT(O.status, 409);
	CHECK(M.upload.active && M.upload.finishing);
	CHECK(M.upload.conn == 8 && M.upload.gen == 41);

	/* a stray chunk of it (a web bug) changes nothing */
	CHECK_EQ_INT(send_chunk(8, 41, 4, 0, 0, CD_UP_F_ABORT), 0);
	CHECK_EQ_INT(O.status, 0);
	CHECK(M.upload.active && M.upload.finishing && M.upload.fd >= 0);

	/* a progress line and half the verdict: still waiting */
	release_fake();
	memset(&p, 0, sizeof p);
	p.fd = M.upload.fd;
	p.events = POLLIN;
	CHECK_EQ_INT(poll(&p, 1, 60000), 1);
	out_reset();
	CHECK_EQ_INT(cd_update_answer(&M, &O), 0);
	CHECK_EQ_INT(O.status, 0);
	CHECK(M.upload.active);

	/* the rest: the upload's own answer */
	release_fake();
	CHECK_EQ_INT(finish(), 1);
	CHECK_EQ_INT(O.status, 200);
	CHECK_EQ_STR(B(), "{\"ok\":true,\"message\":\"installed 1.5.0 into slot B\"}");
	CHECK(M.upload.conn == 8 && M.upload.gen == 41);
	CHECK_EQ_STR(M.upload.user, "olga");
	CHECK(!M.upload.active && !M.upload.finishing && M.upload.fd < 0);
	close(hold[1]);
	n = fake_end(got, sizeof got);
	CHECK_EQ_INT(n, 8 + total);
	CHECK(n == 8 + total && memcmp(got + 8, payload, total) == 0);

	/* a new upload is taken again */
	fake_start(S_DRAIN);
	begin(10, 2, 5);
	CHECK(M.upload.active && !M.upload.finishing && M.upload.conn == 10);
	CHECK_EQ_INT(send_chunk(10, 2, 0, 0, 0, CD_UP_F_ABORT), 1);
	fake_end(got, sizeof got);
}

/* no verdict: updated closes (502), or main's deadline passes (504, the socket closed) */
static void test_update_finish_fail(void)
{
	int early;

	setup();
	fill_payload(1000);
	fake_start(S_DRAIN);
	begin(2, 5, 1000);
	CHECK_EQ_INT(stream(2, 5, 1000, &early), CD_UPLOAD_FINISHING);
	CHECK_EQ_INT(finish(), 1);
	CHECK_EQ_INT(O.status, 502);
	CHECK(has("closed the connection without an answer"));
	CHECK(!M.upload.active && M.upload.fd < 0);
	CHECK(M.upload.conn == 2 && M.upload.gen == 5);
	fake_end(got, sizeof got);

	held_install(3, 6, 1000);
	out_reset();
	cd_update_timeout(&M, &O);
	CHECK_EQ_INT(O.status, 504);
	CHECK(has("did not answer within 300 s"));
	CHECK(!M.upload.active && !M.upload.finishing && M.upload.fd < 0);
	CHECK(M.upload.conn == 3 && M.upload.gen == 6);
	/* the fake answers into a closed connection and ends normally */
	release_fake();
	release_fake();
	close(hold[1]);
	fake_end(got, sizeof got);
}

static void test_update_early_refusal(void)
{
	size_t total = sizeof payload;
	int early, rc;

	setup();
	fill_payload(total);
	fake_start(S_INSTALL_EARLY);
	begin(5, 2, total);
	rc = stream(5, 2, total, &early);
	fake_end(got, sizeof got);
	CHECK_EQ_INT(rc, 1);
	CHECK_EQ_INT(O.status, 422);
	CHECK_EQ_STR(B(), "{\"error\":\"bundle header: bad magic\"}");
	CHECK(!M.upload.active);
	/* the chunks web still had in flight are dropped quietly */
	CHECK_EQ_INT(send_chunk(5, 2, 200, 0, 10, 0), 1);
	CHECK_EQ_INT(O.status, 0);
	CHECK(!M.upload.active);
}

static void test_update_abort_and_concurrent(void)
{
	struct cd_msg_req rq;
	size_t n;

	setup();
	fill_payload(3 * CD_CHUNK_MAX);
	fake_start(S_DRAIN);
	begin(6, 9, 100000);
	/* a second upload while one streams: refused, the first untouched */
	memset(&rq, 0, sizeof rq);
	rq.conn = 7;
	rq.gen = 1;
	rq.content_length = 10;
	out_reset();
	CHECK_EQ_INT(cd_update_begin(&M, &rq, "bob", &O), -1);
	CHECK_EQ_INT(O.status, 409);
	CHECK(M.upload.active && M.upload.conn == 6 && M.upload.gen == 9);
	CHECK_EQ_STR(M.upload.user, "olga");

	CHECK_EQ_INT(send_chunk(6, 9, 0, 0, CD_CHUNK_MAX, 0), 0);
	CHECK_EQ_INT(send_chunk(6, 9, 1, CD_CHUNK_MAX, CD_CHUNK_MAX, 0), 0);
	/* a chunk of another connection is not this upload's */
	CHECK_EQ_INT(send_chunk(7, 1, 2, 0, 10, 0), 1);
	CHECK_EQ_INT(O.status, 0);
	CHECK(M.upload.active);
	/* the client went away: no answer, the connection closed mid-bundle */
	CHECK_EQ_INT(send_chunk(6, 9, 2, 0, 0, CD_UP_F_ABORT), 1);
	CHECK_EQ_INT(O.status, 0);
	CHECK(!M.upload.active);
	n = fake_end(got, sizeof got);
	CHECK_EQ_INT(n, 8 + 2 * CD_CHUNK_MAX);
	CHECK(memcmp(got + 8, payload, 2 * CD_CHUNK_MAX) == 0);
}

static void test_update_bad_chunks(void)
{
	struct cd_msg_req rq;
	size_t n;

	setup();
	fill_payload(3 * CD_CHUNK_MAX);
	/* out of order */
	fake_start(S_DRAIN);
	begin(1, 1, 3 * CD_CHUNK_MAX);
	CHECK_EQ_INT(send_chunk(1, 1, 0, 0, CD_CHUNK_MAX, 0), 0);
	CHECK_EQ_INT(send_chunk(1, 1, 2, 0, CD_CHUNK_MAX, 0), 1);
	CHECK_EQ_INT(O.status, 400);
	CHECK(has("upload chunk 2, expected 1"));
	CHECK(!M.upload.active);
	n = fake_end(got, sizeof got);
	CHECK_EQ_INT(n, 8 + CD_CHUNK_MAX);

	/* more than announced */
	fake_start(S_DRAIN);
	begin(1, 2, 100);
	CHECK_EQ_INT(send_chunk(1, 2, 0, 0, 101, CD_UP_F_LAST), 1);
	CHECK_EQ_INT(O.status, 400);
	CHECK(has("longer than its Content-Length"));
	n = fake_end(got, sizeof got);
	CHECK_EQ_INT(n, 8);

	/* less than announced */
	fake_start(S_DRAIN);
	begin(1, 3, 100);
	CHECK_EQ_INT(send_chunk(1, 3, 0, 0, 60, 0), 0);
	CHECK_EQ_INT(send_chunk(1, 3, 1, 60, 30, CD_UP_F_LAST), 1);
	CHECK_EQ_INT(O.status, 400);
	CHECK(has("ended after 90 of 100 bytes"));
	fake_end(got, sizeof got);

	/* too long a chunk */
	fake_start(S_DRAIN);
	begin(1, 4, 100000);
	memset(&up, 0, sizeof up);
	up.conn = 1;
	up.gen = 4;
	up.len = CD_CHUNK_MAX + 1;
	out_reset();
	CHECK_EQ_INT(cd_update_chunk(&M, &up, &O), 1);
	CHECK_EQ_INT(O.status, 400);
	fake_end(got, sizeof got);

	/* sizes refused before connecting */
	memset(&rq, 0, sizeof rq);
	rq.content_length = (256ull << 20) + 1;
	out_reset();
	CHECK_EQ_INT(cd_update_begin(&M, &rq, "olga", &O), -1);
	CHECK_EQ_INT(O.status, 413);
	rq.content_length = 256ull << 20;
	out_reset();
	CHECK_EQ_INT(cd_update_begin(&M, &rq, "olga", &O), -1);
	CHECK_EQ_INT(O.status, 503); /* accepted, but nobody listens */
	rq.content_length = 0;
	out_reset();
	CHECK_EQ_INT(cd_update_begin(&M, &rq, "olga", &O), -1);
	CHECK_EQ_INT(O.status, 400);
	/* no upload: a chunk is late, nothing to answer */
	CHECK_EQ_INT(send_chunk(1, 5, 0, 0, 1, 0), 1);
	CHECK_EQ_INT(O.status, 0);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	check_seed();
	snprintf(dir, sizeof dir, "/tmp/tg_cdstatus_XXXXXX");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	RUN(test_status_locked);
	RUN(test_status_holdover_refusal);
	RUN(test_status_failed_unsync);
	RUN(test_status_missing);
	RUN(test_status_stale_and_bad);
	RUN(test_nts_figures_and_rates);
	RUN(test_nts_down);
	RUN(test_cert_alarms);
	RUN(test_xcheck_status);
	RUN(test_xcheck_unavailable);
	RUN(test_xcheck_metrics);
	RUN(test_history_hour_wrap);
	RUN(test_history_minutes);
	RUN(test_history_day_wrap);
	RUN(test_om_validator);
	RUN(test_metrics);
	RUN(test_update_status);
	RUN(test_update_commands);
	RUN(test_update_absent);
	RUN(test_update_install);
	RUN(test_update_finish_async);
	RUN(test_update_finish_fail);
	RUN(test_update_early_refusal);
	RUN(test_update_abort_and_concurrent);
	RUN(test_update_bad_chunks);
	unlink(M.conf.time_status);
	unlink(M.conf.gnss_status);
	unlink(M.conf.ntsd_stats);
	unlink(M.conf.xcheck_status);
	unlink(M.conf.updated_sock);
	rmdir(dir);
	return check_exit();
}
