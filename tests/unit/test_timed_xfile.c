/*
 * test_timed_xfile.c - timed's cross-check results file (timed/xfile.c):
 * the upstreams of a real timed.conf with samples as the xcheck role
 * sends them become the lines a reader (lib/xcheckstatus.c, as the
 * console uses it) gets back: states, figures, ages from the monotonic
 * stamps, names and errors cleaned; the file written whole; the
 * configuration key (default, a path, none).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "fileio.h"
#include "timed/timed.h"
#include "timed/timed_int.h"
#include "xcheckstatus.h"

#define NS 1000000000LL

static const char conf_text[] = "device /dev/ttyS0\n"
				"pps /dev/pps0\n"
				"anchors /etc/ssl/ca.pem\n"
				"cross-check-max 20\n"
				"upstream 192.0.2.1 4460 time.example.net\n"
				"upstream 192.0.2.2 123\n"
				"upstream ntp.example\n"
				"upstream 192.0.2.4 4460 \"odd \\\"name\\\"\"\n";

static void load(struct timed_conf *c, const char *text)
{
	char err[256] = "";

	timed_conf_defaults(c);
	CHECK_EQ_INT(timed_conf_parse(text, strlen(text), "timed.conf", c, err, sizeof err), 0);
	CHECK_EQ_STR(err, "");
}

static void test_conf_key(void)
{
	struct timed_conf c;

	load(&c, conf_text);
	CHECK_EQ_STR(c.xcheck_path, "/run/timegate/time/xcheck");
	load(&c, "device /dev/ttyS0\nxcheck-file /tmp/x\n");
	CHECK_EQ_STR(c.xcheck_path, "/tmp/x");
	load(&c, "device /dev/ttyS0\nxcheck-file none\n");
	CHECK_EQ_STR(c.xcheck_path, "");
}

static void test_fill(void)
{
	struct timed_msg_xsample last[TIMED_XCHECK_MAX];
	int have[TIMED_XCHECK_MAX] = {1, 1, 0, 1};
	static struct tg_xcheck st, back;
	struct timed_conf c;
	char buf[TG_XCHECK_FILE_MAX], err[200] = "";
	int64_t now = 5000 * NS;
	size_t n;

	load(&c, conf_text);
	memset(last, 0, sizeof last);
	last[0].index = 0;
	last[0].ok = 1;
	last[0].offset_ns = -2500000;
	last[0].delay_ns = 12000000;
	last[0].when_mono_ns = now - 3 * NS - 1;
	last[0].stratum = 2;
	last[0].leap = 0;
	last[1].index = 1;
	last[1].ok = 0;
	last[1].when_mono_ns = now - 70 * NS;
	snprintf(last[1].err, sizeof last[1].err, "NTS-KE: \"refused\"\r\n");
	last[3].index = 3;
	last[3].ok = 1;
	last[3].offset_ns = 80000000;
	last[3].when_mono_ns = now + NS; /* never negative */
	last[3].stratum = 1;
	last[3].leap = 1;
	timed_xfile_fill(&c, last, have, now, &st);
	CHECK_EQ_INT(st.n, 4);
	CHECK_EQ_INT(st.max_ns, 20000000);
	n = tg_xcheck_format(&st, buf, sizeof buf);
	CHECK(n > 0);
	CHECK_EQ_STR(buf, "version 1\n"
			  "mono_ns 5000000000000\n"
			  "max_ns 20000000\n"
			  "server 0 192.0.2.1 4460 time.example.net ok -2500000 12000000 2 0 3 \"\"\n"
			  "server 1 192.0.2.2 123 192.0.2.2 fail 0 0 0 0 70 \"NTS-KE: ?refused???\"\n"
			  "server 2 ntp.example 4460 ntp.example none 0 0 0 0 -1 \"\"\n"
			  "server 3 192.0.2.4 4460 odd??name? ok 80000000 0 1 1 0 \"\"\n");
	CHECK_EQ_INT(tg_xcheck_parse(buf, n, &back, err, sizeof err), 0);
	CHECK_EQ_STR(err, "");
	CHECK_EQ_INT(back.s[1].state, TG_XCHECK_FAIL);
	CHECK_EQ_INT(back.s[2].state, TG_XCHECK_NONE);
}

/* no upstream configured: a file with no server line */
static void test_fill_none(void)
{
	static struct tg_xcheck st;
	struct timed_msg_xsample last[TIMED_XCHECK_MAX];
	int have[TIMED_XCHECK_MAX] = {0};
	struct timed_conf c;
	char buf[256];

	load(&c, "device /dev/ttyS0\n");
	memset(last, 0, sizeof last);
	timed_xfile_fill(&c, last, have, 7 * NS, &st);
	CHECK_EQ_INT(st.n, 0);
	CHECK(tg_xcheck_format(&st, buf, sizeof buf) > 0);
	CHECK_EQ_STR(buf, "version 1\nmono_ns 7000000000\nmax_ns 50000000\n");
}

static void test_write(void)
{
	static struct tg_xcheck st, back;
	struct timed_msg_xsample last[TIMED_XCHECK_MAX];
	int have[TIMED_XCHECK_MAX] = {0, 1, 0, 0};
	struct timed_conf c;
	char dir[] = "/tmp/test_timed_xfile.XXXXXX", path[64], buf[TG_XCHECK_FILE_MAX],
	     err[200] = "";
	struct dirent *de;
	size_t len = 0;
	int entries = 0;
	DIR *d;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof path, "%s/xcheck", dir);
	load(&c, conf_text);
	memset(last, 0, sizeof last);
	last[1].ok = 0;
	last[1].when_mono_ns = NS;
	snprintf(last[1].err, sizeof last[1].err, "timeout");
	timed_xfile_fill(&c, last, have, 2 * NS, &st);
	CHECK_EQ_INT(timed_xfile_write(path, &st), 0);
	CHECK_EQ_INT(tg_read_small_file(path, buf, sizeof buf, &len), 0);
	CHECK_EQ_INT(tg_xcheck_parse(buf, len, &back, err, sizeof err), 0);
	CHECK_EQ_INT(back.n, 4);
	CHECK_EQ_STR(back.s[1].err, "timeout");
	CHECK_EQ_INT(back.s[1].age_s, 1);
	/* nothing else is left in the folder (the temporary file was renamed) */
	d = opendir(dir);
	CHECK(d != NULL);
	while (d && (de = readdir(d)))
		entries += de->d_name[0] != '.';
	if (d)
		closedir(d);
	CHECK_EQ_INT(entries, 1);
	/* what no file may say is not written */
	st.max_ns = 0;
	CHECK_EQ_INT(timed_xfile_write(path, &st), -1);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	RUN(test_conf_key);
	RUN(test_fill);
	RUN(test_fill_none);
	RUN(test_write);
	return check_exit();
}
