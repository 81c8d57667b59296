/*
 * test_timed_conf.c - timed.conf(5) parsing (services/timed/conf.c):
 * defaults, every keyword kind, and the errors a user sees.
 */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "timed/timed.h"

static int parse(const char *text, struct timed_conf *c, char *err, size_t errlen)
{
	timed_conf_defaults(c);
	err[0] = '\0';
	return timed_conf_parse(text, strlen(text), "timed.conf", c, err, errlen);
}

static void test_defaults_and_full_file(void)
{
	struct timed_conf c;
	char err[256];
	const char *text = "device /dev/ttyS1\n"
			   "baud 115200\n"
			   "parity even\n"
			   "pps /dev/pps0\n"
			   "pps-edge clear\n"
			   "pps-delay -120\n"
			   "nmea-window 400 990\n"
			   "steer no\n"
			   "step-start 500\n"
			   "step-limit 2000\n"
			   "lock-jitter 1000\n"
			   "max-jump 50\n"
			   "site 52.1 -4.25 10.5\n"
			   "max-move 25\n"
			   "holdover-max 500\n"
			   "upstream 192.0.2.1\n"
			   "upstream 192.0.2.2 4461 time.example.net\n"
			   "anchors /etc/timegate/ca.pem\n"
			   "cross-check-max 20\n"
			   "shm 2\n"
			   "chrony-sock /run/chrony.sock\n"
			   "leapfile-data none\n";

	CHECK_EQ_INT(parse(text, &c, err, sizeof(err)), 0);
	CHECK_EQ_STR(err, "");
	CHECK_EQ_STR(c.device, "/dev/ttyS1");
	CHECK_EQ_INT(c.baud, 115200);
	CHECK_EQ_INT(c.parity, 'e');
	CHECK_EQ_STR(c.pps, "/dev/pps0");
	CHECK_EQ_INT(c.pps_clear, 1);
	CHECK_EQ_INT(c.pps_delay_ns, -120);
	CHECK_EQ_INT(c.nmea_window_min_ns, 400000000);
	CHECK_EQ_INT(c.nmea_window_max_ns, 990000000);
	CHECK_EQ_INT(c.steer, 0);
	CHECK_EQ_INT(c.start_step_ns, 500000);
	CHECK_EQ_INT(c.step_limit_ns, 2000000000);
	CHECK_EQ_INT(c.lock_jitter_ns, 1000000);
	CHECK_EQ_INT(c.max_jump_ns, 50000);
	CHECK_EQ_INT(c.have_site, 1);
	CHECK(c.site_lat > 52.0999 && c.site_lat < 52.1001);
	CHECK(c.site_lon < -4.2499 && c.site_lon > -4.2501);
	CHECK(c.max_move_m > 24.99 && c.max_move_m < 25.01);
	CHECK_EQ_INT(c.holdover_max_ns, 500000);
	CHECK_EQ_INT(c.n_upstream, 2);
	CHECK_EQ_STR(c.upstream[0].host, "192.0.2.1");
	CHECK_EQ_INT(c.upstream[0].port, 4460);
	CHECK_EQ_INT(c.upstream[1].port, 4461);
	CHECK_EQ_STR(c.upstream[1].name, "time.example.net");
	CHECK_EQ_INT(c.xcheck_max_ns, 20000000);
	CHECK_EQ_INT(c.shm_unit, 2);
	CHECK_EQ_STR(c.chrony_sock, "/run/chrony.sock");
	CHECK_EQ_STR(c.leapfile_data, "");
	/* defaults left alone */
	CHECK_EQ_STR(c.status_path, "/run/timegate/time/status");
	CHECK_EQ_INT(c.xcheck_interval_s, 64);
}

/* each bad line: refused, with the line and what was expected */
static void test_errors(void)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
	    {"device ttyS1\n", "timed.conf:1: 'device' expects an absolute path or 'none'"},
	    {"device /dev/ttyS1\nbaud 1234\n", "timed.conf:2:"},
	    {"device /dev/ttyS1\nparity mark\n", "timed.conf:2:"},
	    {"device /dev/ttyS1\nnmea-window 500 100\n", "expects MIN_MS < MAX_MS"},
	    {"device /dev/ttyS1\nnmea-window -500 600\n", "shorter than a second"},
	    {"device /dev/ttyS1\nsite 91 0 0\n", "'site' expects a decimal number from -90 to 90"},
	    {"device /dev/ttyS1\nsite 1.2.3 0 0\n", "'site' expects a decimal number"},
	    {"device /dev/ttyS1\nmax-jump 0\n", "timed.conf:2:"},
	    {"device /dev/ttyS1\nshm 256\n", "timed.conf:2:"},
	    {"device /dev/ttyS1\nupstream a/b\n", "'upstream' expects a host name or address"},
	    {"device /dev/ttyS1\nupstream 192.0.2.1\n", "'upstream' needs 'anchors'"},
	    {"device /dev/ttyS1\nupstream a\nupstream b\nupstream c\nupstream d\nupstream e\n",
	     "at most 4 times"},
	    {"pps /dev/pps0\n", "'pps' without 'device' needs 'pps-only yes'"},
	    {"\n", "expected a time source"},
	    {"device /dev/ttyS1\nbogus 1\n", "timed.conf:2:"},
	    {"device /dev/ttyS1\ndevice /dev/ttyS2\n", "timed.conf:2:"},
	};
	struct timed_conf c;
	char err[256];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int r = parse(cases[i].text, &c, err, sizeof(err));

		if (r != -1 || !strstr(err, cases[i].want))
			fprintf(stderr, "  case %zu: r=%d err='%s' want '%s'\n", i, r, err,
				cases[i].want);
		CHECK_EQ_INT(r, -1);
		CHECK(strstr(err, cases[i].want) != NULL);
	}
}

static void test_pps_only(void)
{
	struct timed_conf c;
	char err[256];

	CHECK_EQ_INT(parse("pps /dev/pps0\npps-only yes\n", &c, err, sizeof(err)), 0);
	CHECK_EQ_STR(c.device, "");
	CHECK_EQ_INT(c.pps_only, 1);
}

int main(void)
{
	check_seed();
	RUN(test_defaults_and_full_file);
	RUN(test_errors);
	RUN(test_pps_only);
	return check_exit();
}
