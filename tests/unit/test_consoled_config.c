/*
 * test_consoled_config.c - the console's site configuration
 * (consoled/config.c): GET /api/config, POST /api/config/time,
 * /upstreams, /network, /revert, and cd_cfg_check / cd_cfg_install.
 *
 * Each test gets a fresh temporary folder holding config/timed.conf (with
 * comments and the board's device lines), policy/site.conf, the real
 * policy/network.policy of this checkout, a roles file and the
 * network.applied rc.boot leaves.  m->svc is a fake that records the
 * control lines sent and fails the ones a test asks it to, so the tests
 * see the apply steps and the roll-backs.  cd_audit (api.c) and
 * cd_tls_info and cd_tls_revert (cfgtls.c) are stubs recording what they were given.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "consoled/consoled.h"
#include "fileio.h"
#include "json.h"

#ifndef CFG_TOP
#define CFG_TOP "."
#endif

static struct cd_main M;
static struct cd_out O;
static char outbuf[CD_OUT_MAX + 1];
static char dir[64];

/* the fake supervisor: commands received, and which to fail */
static char cmds[512];
static const char *fail_cmd = "";

/* the last audit record */
static char au_action[64], au_result[16], au_detail[400];

static const char TIMED0[] =
    "# timed.conf - board default\n"
    "device /dev/hvc1   # the receiver\n"
    "pps /dev/pps0\n"
    "baud 9600\n"
    "\n"
    "# a site comment\n"
    "survey yes\n"
    "anchors /etc/timegate/upstream-ca.pem\n"
    "upstream 192.0.2.1 4460 one.example\n"
    "status-file /run/timegate/time/status\n";

static const char SITE0[] =
    "# site.conf of the test\n"
    "upstream 192.0.2.1\n"
    "dns 198.51.100.53\n"
    "# keep me\n"
    "serve ntp mgmt\n";

static const char APPLIED0[] = "eth0 10.0.2.15/24 10.0.2.2\neth1 10.0.3.15/24 -\n";

/* ---- stubs ---- */

void cd_audit(struct cd_main *m, const char *user, const char *addr, const char *action,
              const char *result, const char *detail)
{
	(void)m;
	(void)user;
	(void)addr;
	snprintf(au_action, sizeof(au_action), "%s", action);
	snprintf(au_result, sizeof(au_result), "%s", result);
	snprintf(au_detail, sizeof(au_detail), "%s", detail ? detail : "");
}

void cd_tls_info(struct cd_main *m, int target, struct tg_json *j)
{
	(void)m;
	tg_json_str(j, "subject", target == CD_TLS_CONSOLE ? "CN=console-stub" : "CN=stub");
}

static int revert_target = -1;

int cd_tls_revert(struct cd_main *m, int target, int *status, char *err, size_t errlen)
{
	(void)m;
	revert_target = target;
	*status = 409;
	snprintf(err, errlen, "no previous certificate to go back to");
	return -1;
}

static int fake_svc(struct cd_main *m, const char *cmd, char *err, size_t errlen)
{
	(void)m;
	snprintf(cmds + strlen(cmds), sizeof(cmds) - strlen(cmds), "%s;", cmd);
	if (strcmp(cmd, fail_cmd) == 0) {
		snprintf(err, errlen, "firewall exited with status 1: bad rule");
		return -1;
	}
	return 0;
}

/* ---- fixture ---- */

static void path_of(char *p, size_t cap, const char *rel)
{
	snprintf(p, cap, "%s/%s", dir, rel);
}

static void put_file(const char *rel, const char *text)
{
	char p[256];

	path_of(p, sizeof(p), rel);
	if (tg_write_file_atomic(p, text, strlen(text), 0644) < 0) {
		fprintf(stderr, "cannot write %s\n", p);
		exit(2);
	}
}

/* the file's text ("" and -1 if absent) */
static char fbuf[4][65536];
static int fslot;
static const char *file(const char *rel)
{
	char p[256];
	size_t n = 0;
	char *b = fbuf[fslot++ % 4];

	path_of(p, sizeof(p), rel);
	if (tg_read_small_file(p, b, sizeof(fbuf[0]) - 1, &n) < 0)
		return NULL;
	b[n] = '\0';
	return b;
}

static int exists(const char *rel)
{
	char p[256];

	path_of(p, sizeof(p), rel);
	return access(p, F_OK) == 0;
}

static void setup(void)
{
	static char policy[65536];
	char p[300];
	FILE *f;
	size_t n;
	const char *top = getenv("TOP");

	snprintf(dir, sizeof(dir), "/tmp/tcfg.XXXXXX");
	if (!mkdtemp(dir))
		exit(2);
	path_of(p, sizeof(p), "config");
	mkdir(p, 0755);
	path_of(p, sizeof(p), "policy");
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/policy/network.policy", top && *top ? top : CFG_TOP);
	f = fopen(p, "rb");
	if (!f) {
		fprintf(stderr, "cannot open %s (set TOP)\n", p);
		exit(2);
	}
	n = fread(policy, 1, sizeof(policy) - 1, f);
	fclose(f);
	policy[n] = '\0';
	put_file("network.policy", policy);
	put_file("config/timed.conf", TIMED0);
	put_file("policy/site.conf", SITE0);
	put_file("roles", "# ROLE IFNAME\ntime eth0\nmgmt eth1\n");
	put_file("network.applied", APPLIED0);

	memset(&M, 0, sizeof(M));
	cd_conf_defaults(&M.conf);
	path_of(M.conf.config_dir, sizeof(M.conf.config_dir), "config");
	path_of(M.conf.site_conf, sizeof(M.conf.site_conf), "policy/site.conf");
	path_of(M.conf.network_policy, sizeof(M.conf.network_policy), "network.policy");
	path_of(M.conf.roles, sizeof(M.conf.roles), "roles");
	path_of(M.conf.network_applied, sizeof(M.conf.network_applied), "network.applied");
	M.svc = fake_svc;
	M.audit_fd = -1;
	cmds[0] = '\0';
	fail_cmd = "";
	au_action[0] = au_detail[0] = au_result[0] = '\0';
	O.body = outbuf;
}

static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
}

/* cd_conf_defaults lives in main.c: the few defaults the test needs */
void cd_conf_defaults(struct cd_conf *c)
{
	memset(c, 0, sizeof(*c));
}

static void post(const char *what, const char *body)
{
	memset(outbuf, 0, sizeof(outbuf));
	O.len = 0;
	O.status = 0;
	cmds[0] = '\0';
	au_action[0] = '\0';
	cd_config_post(&M, what, body, strlen(body), "alice", "192.0.2.99", &O);
	outbuf[O.len] = '\0';
}

/* the answer's field ("" if none) */
static const char *field(void)
{
	static char f[64];

	if (tg_json_get_str(O.body, O.len, "field", f, sizeof(f)) < 0)
		f[0] = '\0';
	return f;
}

static void get(void)
{
	memset(outbuf, 0, sizeof(outbuf));
	O.len = 0;
	cd_config_json(&M, &O);
	outbuf[O.len] = '\0';
}

#define HAS(s) CHECK(strstr(outbuf, (s)) != NULL)

/* ---- tests ---- */

static void test_names(void)
{
	char p[400];

	setup();
	CHECK_EQ_STR(cd_cfg_name(CD_CFG_TIMED), "timed.conf");
	CHECK_EQ_STR(cd_cfg_name(CD_CFG_NETWORK), "network");
	CHECK_EQ_STR(cd_cfg_name(CD_CFG_SITE), "site.conf");
	CHECK_EQ_INT(cd_cfg_index("site.conf"), CD_CFG_SITE);
	CHECK_EQ_INT(cd_cfg_index("network"), CD_CFG_NETWORK);
	CHECK_EQ_INT(cd_cfg_index("users"), -1);
	CHECK_EQ_INT(cd_cfg_path(&M, CD_CFG_TIMED, p, sizeof(p)), 0);
	CHECK(strstr(p, "/config/timed.conf") != NULL);
	CHECK_EQ_INT(cd_cfg_path(&M, CD_CFG_SITE, p, sizeof(p)), 0);
	CHECK_EQ_STR(p, M.conf.site_conf);
	CHECK_EQ_INT(cd_cfg_path(&M, CD_CFG_TIMED, p, 8), -1);
	teardown();
}

static void test_get(void)
{
	setup();
	get();
	CHECK_EQ_INT(O.status, 200);
	HAS("\"device\":\"/dev/hvc1\"");
	HAS("\"pps\":\"/dev/pps0\"");
	HAS("\"baud\":9600");
	HAS("\"parity\":\"none\"");
	HAS("\"survey\":true");
	HAS("\"site\":\"\"");
	HAS("\"nmea_window_max_ms\":900");
	HAS("\"lock_jitter_us\":50");
	HAS("\"servers\":\"192.0.2.1 4460 one.example\\u000a\"");
	HAS("\"cross_check_max_ms\":50");
	HAS("\"name\":\"eth0\",\"role\":\"time\",\"address\":\"10.0.2.15/24\",\"gateway\":\"10.0.2.2\","
	    "\"active_address\":\"10.0.2.15/24\"");
	HAS("\"name\":\"eth1\",\"role\":\"mgmt\"");
	HAS("\"dns\":\"198.51.100.53\\u000a\"");
	HAS("\"serve\":\"ntp mgmt\\u000a\"");
	HAS("{\"name\":\"ntp\",\"role\":\"time\",\"proto\":\"udp\",\"port\":123}");
	HAS("{\"name\":\"console\",\"role\":\"mgmt\",\"proto\":\"tcp\",\"port\":443}");
	HAS("\"pending_reboot\":false");
	HAS("\"tls\":{\"subject\":\"CN=stub\"}");
	HAS("\"console_tls\":{\"subject\":\"CN=console-stub\"}");
	/* a site network file that differs from what was applied: pending */
	put_file("config/network", "eth0 10.0.2.20/24 10.0.2.2\neth1 10.0.3.15/24 -\n");
	get();
	HAS("\"address\":\"10.0.2.20/24\",\"gateway\":\"10.0.2.2\",\"active_address\":\"10.0.2.15/24\"");
	HAS("\"pending_reboot\":true");
	put_file("config/network", APPLIED0);
	get();
	HAS("\"pending_reboot\":false");
	/* compared line by line: the console's header comment, and an interface
	 * the site's file leaves to the image's default, are not a change */
	put_file("config/network", "# interfaces: written by the web console\neth1 10.0.3.15/24 -\n");
	get();
	HAS("\"pending_reboot\":false");
	put_file("config/network", "# interfaces\neth1 10.0.3.16/24 -\n");
	get();
	HAS("\"pending_reboot\":true");
	/* the site as written */
	put_file("config/timed.conf", "device /dev/hvc1\nsite 52.3731 4.8922   12.5 # roof\n");
	get();
	HAS("\"site\":\"52.3731 4.8922 12.5\"");
	teardown();
}

static void test_time_ok(void)
{
	const char *t;

	setup();
	post("time", "{\"baud\": 115200, \"parity\": \"even\", \"survey\": false, \"site\": \"52.1 -4.5 10\","
	             " \"nmea_window_max_ms\": 500, \"lock_jitter_us\": 20, \"pps_only\": false}");
	CHECK_EQ_INT(O.status, 200);
	HAS("the time service restarts");
	CHECK_EQ_STR(cmds, "restart timed;");
	t = file("config/timed.conf");
	CHECK(t != NULL);
	/* every other line as it was, the edited ones in place, the new ones at the end */
	CHECK_EQ_STR(t, "# timed.conf - board default\n"
	                "device /dev/hvc1   # the receiver\n"
	                "pps /dev/pps0\n"
	                "baud 115200\n"
	                "\n"
	                "# a site comment\n"
	                "survey no\n"
	                "anchors /etc/timegate/upstream-ca.pem\n"
	                "upstream 192.0.2.1 4460 one.example\n"
	                "status-file /run/timegate/time/status\n"
	                "parity even\n"
	                "pps-only no\n"
	                "nmea-window 0 500\n"
	                "site 52.1 -4.5 10\n"
	                "lock-jitter 20\n");
	CHECK_EQ_STR(file("config/timed.conf.prev"), TIMED0);
	CHECK_EQ_STR(au_action, "config.time");
	CHECK_EQ_STR(au_result, "ok");
	CHECK(strstr(au_detail, "baud") && strstr(au_detail, "survey") && strstr(au_detail, "site"));
	CHECK(!strstr(au_detail, "115200")); /* keys, not values or contents */
	/* the same again: nothing to do, no restart */
	post("time", "{\"baud\": 115200}");
	CHECK_EQ_INT(O.status, 200);
	HAS("no change");
	CHECK_EQ_STR(cmds, "");
	/* an empty site removes the line */
	post("time", "{\"site\": \"\"}");
	CHECK_EQ_INT(O.status, 200);
	CHECK(strstr(file("config/timed.conf"), "\nsite ") == NULL);
	teardown();
}

/* a refused value: 400 naming field, files and .prev untouched, nothing sent */
static void refused(const char *what, const char *body, const char *want_field)
{
	post(what, body);
	CHECK_EQ_INT(O.status, 400);
	if (strcmp(field(), want_field) != 0)
		fprintf(stderr, "  body %s: field '%s', expected '%s' (%s)\n", body, field(), want_field,
		        outbuf);
	CHECK_EQ_STR(field(), want_field);
	CHECK_EQ_STR(cmds, "");
	CHECK_EQ_STR(file("config/timed.conf"), TIMED0);
	CHECK_EQ_STR(file("policy/site.conf"), SITE0);
	CHECK(!exists("config/timed.conf.prev"));
	CHECK(!exists("policy/site.conf.prev"));
	CHECK(!exists("config/network"));
}

static void test_time_errors(void)
{
	setup();
	refused("time", "{\"baud\": 1234}", "baud");
	HAS("4800"); /* the parser's list of rates */
	refused("time", "{\"baud\": 9600.5}", "baud");
	refused("time", "{\"baud\": \"9600\"}", "baud");
	refused("time", "{\"parity\": \"none\\nuser root\"}", "parity");
	refused("time", "{\"parity\": \"mark\"}", "parity");
	refused("time", "{\"pps_edge\": \"both\"}", "pps_edge");
	refused("time", "{\"pps_delay_ns\": 100000001}", "pps_delay_ns");
	refused("time", "{\"pps_only\": 1}", "pps_only");
	refused("time", "{\"nmea_window_min_ms\": 500, \"nmea_window_max_ms\": 100}", "nmea_window_min_ms");
	refused("time", "{\"nmea_window_max_ms\": 1200}", "nmea_window_min_ms");
	refused("time", "{\"site\": \"north south up\"}", "site");
	refused("time", "{\"site\": \"95 4 10\"}", "site");
	refused("time", "{\"site\": \"1 2\"}", "site");
	refused("time", "{\"survey\": \"yes\"}", "survey");
	refused("time", "{\"holdover_drift_ppb\": -1}", "holdover_drift_ppb");
	refused("time", "{\"lock_jitter_us\": 0}", "lock_jitter_us");
	refused("time", "{\"lock_jitter_us\": 99999999999999999999}", "lock_jitter_us");
	refused("time", "{}", "");
	HAS("nothing to change");
	CHECK_EQ_STR(au_action, ""); /* a refused form is no change: no audit record */
	teardown();
}

static void test_time_restart_fails(void)
{
	setup();
	fail_cmd = "restart timed";
	post("time", "{\"baud\": 19200}");
	CHECK_EQ_INT(O.status, 502);
	HAS("restart timed: firewall exited"); /* the supervisor's text is passed on */
	CHECK_EQ_STR(cmds, "restart timed;");
	CHECK_EQ_STR(file("config/timed.conf"), TIMED0);
	CHECK(!exists("config/timed.conf.prev"));
	CHECK_EQ_STR(au_action, "config.time");
	CHECK_EQ_STR(au_result, "fail");
	teardown();
}

static void test_upstreams(void)
{
	const char *t;

	setup();
	post("upstreams", "{\"servers\": \"192.0.2.10\\n\\n2001:db8::1 4461 time.example.net\\n\","
	                  " \"cross_check_max_ms\": 20, \"cross_check_interval_s\": 128}");
	CHECK_EQ_INT(O.status, 200);
	/* the firewall first, then timed */
	CHECK_EQ_STR(cmds, "run firewall;restart timed;");
	CHECK_EQ_STR(file("policy/site.conf"), "# site.conf of the test\n"
	                                        "upstream 192.0.2.10\n"
	                                        "upstream 2001:db8::1\n"
	                                        "dns 198.51.100.53\n"
	                                        "# keep me\n"
	                                        "serve ntp mgmt\n");
	t = file("config/timed.conf");
	CHECK(strstr(t, "anchors /etc/timegate/upstream-ca.pem\n"
	                "upstream 192.0.2.10 4460 192.0.2.10\n"
	                "upstream 2001:db8::1 4461 time.example.net\n"
	                "status-file /run/timegate/time/status\n"
	                "cross-check-max 20\n"
	                "cross-check-interval 128\n") != NULL);
	CHECK(strstr(t, "one.example") == NULL);
	CHECK_EQ_STR(file("policy/site.conf.prev"), SITE0);
	CHECK_EQ_STR(file("config/timed.conf.prev"), TIMED0);
	CHECK_EQ_STR(au_action, "config.upstreams");
	CHECK(strstr(au_detail, "upstream") && strstr(au_detail, "cross-check-max"));
	get();
	HAS("\"servers\":\"192.0.2.10\\u000a2001:db8::1 4461 time.example.net\\u000a\"");
	HAS("\"cross_check_interval_s\":128");
	teardown();
}

static void test_upstreams_errors(void)
{
	setup();
	refused("upstreams", "{\"servers\": \"time.example.net\"}", "servers");
	HAS("names are not accepted");
	refused("upstreams", "{\"servers\": \"192.0.2.0/24\"}", "servers");
	refused("upstreams", "{\"servers\": \"192.0.2.1\\n192.0.2.1 123\"}", "servers");
	HAS("twice");
	refused("upstreams", "{\"servers\": \"192.0.2.1\\n192.0.2.2\\n192.0.2.3\\n192.0.2.4\\n192.0.2.5\"}",
	        "servers");
	refused("upstreams", "{\"servers\": \"192.0.2.1 70000\"}", "servers");
	refused("upstreams", "{\"servers\": \"192.0.2.1 4460 bad/name\"}", "servers");
	refused("upstreams", "{\"servers\": \"192.0.2.1 4460 a b\"}", "servers");
	refused("upstreams", "{\"cross_check_max_ms\": 0}", "cross_check_max_ms");
	refused("upstreams", "{\"cross_check_interval_s\": 3}", "cross_check_interval_s");
	/* timed's parser sees what no single line can: upstream without anchors */
	put_file("config/timed.conf", "device /dev/hvc1\n");
	post("upstreams", "{\"servers\": \"192.0.2.1\"}");
	CHECK_EQ_INT(O.status, 400);
	CHECK_EQ_STR(field(), "servers");
	HAS("anchors");
	CHECK_EQ_STR(file("config/timed.conf"), "device /dev/hvc1\n");
	teardown();
}

static void test_upstreams_apply_fails(void)
{
	setup();
	/* the firewall refuses: site.conf back, timed.conf never touched */
	fail_cmd = "run firewall";
	post("upstreams", "{\"servers\": \"192.0.2.10\"}");
	CHECK_EQ_INT(O.status, 502);
	HAS("run firewall: firewall exited with status 1: bad rule");
	CHECK_EQ_STR(cmds, "run firewall;");
	CHECK_EQ_STR(file("policy/site.conf"), SITE0);
	CHECK(!exists("policy/site.conf.prev"));
	CHECK_EQ_STR(file("config/timed.conf"), TIMED0);
	CHECK_EQ_STR(au_result, "fail");
	/* timed cannot restart: timed.conf back, site.conf back and the firewall reloaded */
	fail_cmd = "restart timed";
	post("upstreams", "{\"servers\": \"192.0.2.10\"}");
	CHECK_EQ_INT(O.status, 502);
	CHECK_EQ_STR(cmds, "run firewall;restart timed;run firewall;");
	CHECK_EQ_STR(file("policy/site.conf"), SITE0);
	CHECK_EQ_STR(file("config/timed.conf"), TIMED0);
	CHECK(!exists("policy/site.conf.prev"));
	CHECK(!exists("config/timed.conf.prev"));
	CHECK(strstr(au_detail, "site.conf put back") != NULL);
	teardown();
}

static void test_network(void)
{
	setup();
	post("network", "{\"interfaces\": \"eth0 10.0.2.20/24 10.0.2.1\\neth1  2001:db8::15/64   -\","
	                " \"dns\": \"9.9.9.9\\n2001:db8:53::53\", \"serve\": \"nts-ke mgmt\\nntp mgmt\"}");
	CHECK_EQ_INT(O.status, 200);
	HAS("next reboot");
	CHECK_EQ_STR(cmds, "run firewall;");
	CHECK(strstr(file("config/network"), "\neth0 10.0.2.20/24 10.0.2.1\neth1 2001:db8::15/64 -\n") != NULL);
	CHECK_EQ_STR(file("policy/site.conf"), "# site.conf of the test\n"
	                                        "upstream 192.0.2.1\n"
	                                        "dns 9.9.9.9\n"
	                                        "dns 2001:db8:53::53\n"
	                                        "# keep me\n"
	                                        "serve nts-ke mgmt\n"
	                                        "serve ntp mgmt\n");
	CHECK_EQ_STR(au_action, "config.network");
	get();
	HAS("\"pending_reboot\":true");
	HAS("\"address\":\"2001:db8::15/64\",\"gateway\":\"-\",\"active_address\":\"10.0.3.15/24\"");
	teardown();

	setup();
	refused("network", "{\"interfaces\": \"eth9 10.0.2.20/24 -\"}", "interfaces");
	HAS("eth0 eth1");
	refused("network", "{\"interfaces\": \"eth0 10.0.2.20 -\"}", "interfaces");
	refused("network", "{\"interfaces\": \"eth0 10.0.2.20/33 -\"}", "interfaces");
	refused("network", "{\"interfaces\": \"eth0 10.0.2.20/24 2001:db8::1\"}", "interfaces");
	refused("network", "{\"interfaces\": \"eth0 10.0.2.20/24 -\\neth0 10.0.2.21/24 -\"}", "interfaces");
	refused("network", "{\"interfaces\": \"eth0 10.0.2.20/24 - # x\"}", "interfaces");
	refused("network", "{\"interfaces\": \"\"}", "interfaces");
	refused("network", "{\"dns\": \"resolver.example\"}", "dns");
	refused("network", "{\"dns\": \"10.0.0.1/8\"}", "dns");
	refused("network", "{\"serve\": \"ntp\"}", "serve");
	/* np_site_parse knows the policy's services: */
	refused("network", "{\"serve\": \"nosuch mgmt\"}", "serve");
	refused("network", "{\"serve\": \"ntp nowhere\"}", "serve");
	teardown();
}

static void test_revert(void)
{
	setup();
	post("revert", "{\"what\": \"time\"}");
	CHECK_EQ_INT(O.status, 409);
	/* tls goes to cfgtls.c's cd_tls_revert (the stub: nothing kept) */
	post("revert", "{\"what\": \"tls\"}");
	CHECK_EQ_INT(O.status, 409);
	CHECK_EQ_STR(au_action, "config.revert");
	CHECK_EQ_INT(revert_target, CD_TLS_NTS);
	post("revert", "{\"what\": \"console-tls\"}");
	CHECK_EQ_INT(O.status, 409);
	CHECK_EQ_INT(revert_target, CD_TLS_CONSOLE);
	CHECK(strncmp(au_detail, "console-tls: ", 13) == 0);
	post("revert", "{\"what\": \"dns\"}");
	CHECK_EQ_INT(O.status, 400);
	CHECK_EQ_STR(field(), "what");
	post("time", "{\"baud\": 4800}");
	CHECK_EQ_INT(O.status, 200);
	post("revert", "{\"what\": \"time\"}");
	CHECK_EQ_INT(O.status, 200);
	CHECK_EQ_STR(cmds, "restart timed;");
	CHECK_EQ_STR(file("config/timed.conf"), TIMED0);
	CHECK(strstr(file("config/timed.conf.prev"), "baud 4800\n") != NULL); /* a redo */
	CHECK_EQ_STR(au_action, "config.revert");
	/* upstreams: both files, the firewall first */
	post("upstreams", "{\"servers\": \"192.0.2.77\"}");
	CHECK_EQ_INT(O.status, 200);
	post("revert", "{\"what\": \"upstreams\"}");
	CHECK_EQ_INT(O.status, 200);
	CHECK_EQ_STR(cmds, "run firewall;restart timed;");
	CHECK_EQ_STR(file("policy/site.conf"), SITE0);
	CHECK(strstr(file("config/timed.conf"), "192.0.2.77") == NULL);
	teardown();
}

static void test_install(void)
{
	char err[400];
	int status = 0;

	setup();
	/* the consumers' parsers */
	CHECK_EQ_INT(cd_cfg_check(&M, CD_CFG_TIMED, "baud 9600\n", 10, err, sizeof(err)), -1);
	CHECK(strstr(err, "time source") != NULL);
	CHECK_EQ_INT(cd_cfg_check(&M, CD_CFG_TIMED, "device /dev/x\nbogus 1\n", 22, err, sizeof(err)), -1);
	CHECK(strstr(err, "timed.conf:2:") != NULL);
	CHECK_EQ_INT(cd_cfg_check(&M, CD_CFG_SITE, "dns 10.0.0.1\n", 13, err, sizeof(err)), 0);
	CHECK_EQ_INT(cd_cfg_check(&M, CD_CFG_SITE, "serve foo mgmt\n", 15, err, sizeof(err)), -1);
	CHECK_EQ_INT(cd_cfg_check(&M, CD_CFG_NETWORK, "# c\neth1 10.1.1.1/16 10.1.0.1\n", 30, err,
	                          sizeof(err)), 0);
	CHECK_EQ_INT(cd_cfg_check(&M, CD_CFG_NETWORK, "eth1 10.1.1.1/16 x\n", 19, err, sizeof(err)), -1);
	CHECK(strstr(err, "network: line 1") != NULL);
	/* an invalid text is refused before anything is written */
	CHECK_EQ_INT(cd_cfg_install(&M, CD_CFG_SITE, "dns x\n", 6, &status, err, sizeof(err)), -1);
	CHECK_EQ_INT(status, 400);
	CHECK_EQ_STR(file("policy/site.conf"), SITE0);
	/* network: written, nothing applied; absent before, so no .prev */
	cmds[0] = '\0';
	CHECK_EQ_INT(cd_cfg_install(&M, CD_CFG_NETWORK, APPLIED0, strlen(APPLIED0), &status, err,
	                            sizeof(err)), 0);
	CHECK_EQ_STR(cmds, "");
	CHECK_EQ_STR(file("config/network"), APPLIED0);
	CHECK(!exists("config/network.prev"));
	/* site.conf: an old .prev comes back too when the firewall refuses */
	put_file("policy/site.conf.prev", "dns 10.9.9.9\n");
	fail_cmd = "run firewall";
	CHECK_EQ_INT(cd_cfg_install(&M, CD_CFG_SITE, "dns 10.0.0.1\n", 13, &status, err, sizeof(err)), -1);
	CHECK_EQ_INT(status, 502);
	CHECK_EQ_STR(file("policy/site.conf"), SITE0);
	CHECK_EQ_STR(file("policy/site.conf.prev"), "dns 10.9.9.9\n");
	/* without a supervisor connection */
	M.svc = NULL;
	CHECK_EQ_INT(cd_cfg_install(&M, CD_CFG_TIMED, TIMED0, strlen(TIMED0), &status, err, sizeof(err)), -1);
	CHECK_EQ_INT(status, 502);
	CHECK_EQ_STR(file("config/timed.conf"), TIMED0);
	teardown();
}

int main(void)
{
	RUN(test_names);
	RUN(test_get);
	RUN(test_time_ok);
	RUN(test_time_errors);
	RUN(test_time_restart_fails);
	RUN(test_upstreams);
	RUN(test_upstreams_errors);
	RUN(test_upstreams_apply_fails);
	RUN(test_network);
	RUN(test_revert);
	RUN(test_install);
	return check_failed_total ? 1 : 0;
}
