/*
 * test_xcheckstatus.c - timed's cross-check results file
 * (lib/xcheckstatus.c): the formatter's exact text and what it cleans,
 * the parser's round trip, and the errors it must give for every rule of
 * the grammar (with the line and what was seen).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "xcheckstatus.h"

static const char sample[] =
    "version 1\n"
    "mono_ns 123456789000\n"
    "max_ns 50000000\n"
    "server 0 192.0.2.1 4460 time.example.net ok -1234567 8900000 2 1 3 \"\"\n"
    "server 1 192.0.2.2 123 192.0.2.2 fail 0 0 0 0 65 \"NTS-KE: connection refused\"\n"
    "server 2 ntp.example 4460 ntp.example none 0 0 0 0 -1 \"\"\n";

static struct tg_xcheck sample_st(void)
{
	struct tg_xcheck st;

	memset(&st, 0, sizeof st);
	st.mono_ns = 123456789000;
	st.max_ns = 50000000;
	st.n = 3;
	snprintf(st.s[0].host, sizeof st.s[0].host, "192.0.2.1");
	snprintf(st.s[0].name, sizeof st.s[0].name, "time.example.net");
	st.s[0].port = 4460;
	st.s[0].state = TG_XCHECK_OK;
	st.s[0].offset_ns = -1234567;
	st.s[0].delay_ns = 8900000;
	st.s[0].stratum = 2;
	st.s[0].leap = 1;
	st.s[0].age_s = 3;
	snprintf(st.s[1].host, sizeof st.s[1].host, "192.0.2.2");
	st.s[1].port = 123;
	st.s[1].state = TG_XCHECK_FAIL;
	st.s[1].age_s = 65;
	snprintf(st.s[1].err, sizeof st.s[1].err, "NTS-KE: connection refused");
	snprintf(st.s[2].host, sizeof st.s[2].host, "ntp.example");
	st.s[2].port = 4460;
	st.s[2].age_s = -1;
	return st;
}

static void test_format(void)
{
	struct tg_xcheck st = sample_st();
	char buf[2048];
	size_t n;

	n = tg_xcheck_format(&st, buf, sizeof buf);
	CHECK_EQ_INT(n, strlen(sample));
	CHECK_EQ_STR(buf, sample);
	/* too small by one byte (the NUL): refused, not cut */
	CHECK_EQ_INT(tg_xcheck_format(&st, buf, strlen(sample)), 0);
	CHECK_EQ_INT(tg_xcheck_format(&st, buf, strlen(sample) + 1), strlen(sample));
	/* what no file may say */
	st = sample_st();
	st.max_ns = 0;
	CHECK_EQ_INT(tg_xcheck_format(&st, buf, sizeof buf), 0);
	st = sample_st();
	st.s[0].leap = 4;
	CHECK_EQ_INT(tg_xcheck_format(&st, buf, sizeof buf), 0);
	st = sample_st();
	st.s[1].port = 0;
	CHECK_EQ_INT(tg_xcheck_format(&st, buf, sizeof buf), 0);
	st = sample_st();
	st.n = TG_XCHECK_SERVERS_MAX + 1;
	CHECK_EQ_INT(tg_xcheck_format(&st, buf, sizeof buf), 0);
}

/* quotes, control bytes, spaces and non-ASCII become '?'; what a state implies is written */
static void test_format_cleans(void)
{
	struct tg_xcheck st, back;
	char buf[4096], err[200];
	size_t n, i;

	memset(&st, 0, sizeof st);
	st.max_ns = 1;
	st.n = 3;
	snprintf(st.s[0].host, sizeof st.s[0].host, "a\"b c");
	snprintf(st.s[0].name, sizeof st.s[0].name, "n\xc3\xa9");
	st.s[0].port = 1;
	st.s[0].state = TG_XCHECK_FAIL;
	st.s[0].age_s = -5; /* a sample "from the future": age 0 */
	snprintf(st.s[0].err, sizeof st.s[0].err, "say \"no\"\n\tnow\x7f");
	st.s[1].port = 2; /* no host: "?", no name: the host */
	st.s[1].state = TG_XCHECK_OK;
	st.s[1].age_s = 7;
	snprintf(st.s[1].err, sizeof st.s[1].err, "not written when ok");
	for (i = 0; i < sizeof st.s[2].host - 1; i++)
		st.s[2].host[i] = 'h';
	st.s[2].port = 3;
	st.s[2].state = TG_XCHECK_NONE;
	st.s[2].offset_ns = 99; /* ignored: no attempt yet */
	st.s[2].age_s = 12;
	n = tg_xcheck_format(&st, buf, sizeof buf);
	CHECK(n > 0);
	CHECK(strstr(buf, "server 0 a?b?c 1 n?? fail 0 0 0 0 0 \"say ?no???now?\"\n") != NULL);
	CHECK(strstr(buf, "server 1 ? 2 ? ok 0 0 0 0 7 \"\"\n") != NULL);
	CHECK(strstr(buf, " none 0 0 0 0 -1 \"\"\n") != NULL);
	CHECK_EQ_INT(tg_xcheck_parse(buf, n, &back, err, sizeof err), 0);
	CHECK_EQ_INT(back.n, 3);
	CHECK_EQ_INT(strlen(back.s[2].host), TG_XCHECK_TOKEN_MAX);
}

static void test_parse_roundtrip(void)
{
	struct tg_xcheck st, want = sample_st();
	char err[200] = "", buf[2048];
	size_t n;

	CHECK_EQ_INT(tg_xcheck_parse(sample, strlen(sample), &st, err, sizeof err), 0);
	CHECK_EQ_STR(err, "");
	CHECK_EQ_INT(st.version, 1);
	CHECK_EQ_INT(st.mono_ns, 123456789000);
	CHECK_EQ_INT(st.max_ns, 50000000);
	CHECK_EQ_INT(st.n, 3);
	CHECK_EQ_STR(st.s[0].host, "192.0.2.1");
	CHECK_EQ_STR(st.s[0].name, "time.example.net");
	CHECK_EQ_INT(st.s[0].port, 4460);
	CHECK_EQ_INT(st.s[0].state, TG_XCHECK_OK);
	CHECK_EQ_INT(st.s[0].offset_ns, -1234567);
	CHECK_EQ_INT(st.s[0].delay_ns, 8900000);
	CHECK_EQ_INT(st.s[0].stratum, 2);
	CHECK_EQ_INT(st.s[0].leap, 1);
	CHECK_EQ_INT(st.s[0].age_s, 3);
	CHECK_EQ_STR(st.s[0].err, "");
	CHECK_EQ_INT(st.s[1].state, TG_XCHECK_FAIL);
	CHECK_EQ_INT(st.s[1].port, 123);
	CHECK_EQ_INT(st.s[1].age_s, 65);
	CHECK_EQ_STR(st.s[1].err, "NTS-KE: connection refused");
	CHECK_EQ_INT(st.s[2].state, TG_XCHECK_NONE);
	CHECK_EQ_INT(st.s[2].age_s, -1);
	/* the formatter gives back the same text */
	snprintf(want.s[1].name, sizeof want.s[1].name, "192.0.2.2");
	snprintf(want.s[2].name, sizeof want.s[2].name, "ntp.example");
	want.version = 1;
	CHECK(memcmp(&st, &want, sizeof st) == 0);
	n = tg_xcheck_format(&st, buf, sizeof buf);
	CHECK_EQ_INT(n, strlen(sample));
	CHECK(memcmp(buf, sample, n) == 0);
}

static void test_parse_edges(void)
{
	static const char none[] = "version 1\nmono_ns 0\nmax_ns 1\n";
	static const char big[] = "version 1\nmono_ns 9223372036854775807\nmax_ns 1\n"
				  "server 0 h 65535 n ok -9223372036854775808 9223372036854775807 "
				  "255 3 9223372036854775807 \"\"\n";
	struct tg_xcheck st;
	char err[200], buf[TG_XCHECK_FILE_MAX + 2000];
	size_t n = 0;
	unsigned i;

	/* no upstream configured: no server line */
	CHECK_EQ_INT(tg_xcheck_parse(none, strlen(none), &st, err, sizeof err), 0);
	CHECK_EQ_INT(st.n, 0);
	CHECK_EQ_INT(tg_xcheck_parse(big, strlen(big), &st, err, sizeof err), 0);
	CHECK_EQ_INT(st.s[0].offset_ns, INT64_MIN);
	CHECK_EQ_INT(st.s[0].delay_ns, INT64_MAX);
	CHECK_EQ_INT(st.s[0].stratum, 255);
	CHECK_EQ_INT(st.s[0].leap, 3);
	/* the largest file: 8 servers, long names and errors, fits the limit */
	n = (size_t)snprintf(buf, sizeof buf, "version 1\nmono_ns 1\nmax_ns 1\n");
	for (i = 0; i < TG_XCHECK_SERVERS_MAX; i++) {
		char tok[TG_XCHECK_TOKEN_MAX + 1], e[TG_XCHECK_ERR_MAX + 1];

		memset(tok, 'x', TG_XCHECK_TOKEN_MAX);
		tok[TG_XCHECK_TOKEN_MAX] = '\0';
		memset(e, 'e', TG_XCHECK_ERR_MAX);
		e[TG_XCHECK_ERR_MAX] = '\0';
		n += (size_t)snprintf(buf + n, sizeof buf - n,
				      "server %u %s 65535 %s fail -9223372036854775808 "
				      "-9223372036854775808 255 3 9223372036854775807 \"%s\"\n",
				      i, tok, tok, e);
	}
	CHECK(n <= TG_XCHECK_FILE_MAX);
	CHECK_EQ_INT(tg_xcheck_parse(buf, n, &st, err, sizeof err), 0);
	CHECK_EQ_INT(st.n, TG_XCHECK_SERVERS_MAX);
	/* one more is refused */
	n += (size_t)snprintf(buf + n, sizeof buf - n, "server 8 h 1 h none 0 0 0 0 -1 \"\"\n");
	CHECK_EQ_INT(tg_xcheck_parse(buf, n, &st, err, sizeof err), -1);
}

/* text, and a piece the error must contain */
static const struct {
	const char *text, *msg;
} bad[] = {
    {"", "empty"},
    {"version 1\nmono_ns 1\nmax_ns 1", "line 3: expected a newline at the end, got 'max_ns 1'"},
    {"version 2\nmono_ns 1\nmax_ns 1\n", "line 1: version 2 is not supported (expected 1)"},
    {"version 01\nmono_ns 1\nmax_ns 1\n", "line 1: 'version' expects 1, got '01'"},
    {"mono_ns 1\n", "line 1: expected 'version 1', got 'mono_ns 1'"},
    {"version 1\n", "ends after line 1: expected 'mono_ns NANOSECONDS'"},
    {"version 1\nmono_ns 1\n", "ends after line 2: expected 'max_ns NANOSECONDS'"},
    {"version 1\nmono_ns -1\nmax_ns 1\n", "line 2: 'mono_ns' expects NANOSECONDS, got '-1'"},
    {"version 1\nmono_ns 1\nmax_ns 0\n", "line 3: 'max_ns' expects NANOSECONDS (at least 1), got '0'"},
    {"version 1\nmono_ns 1\nmax_ns  1\n", "line 3: 'max_ns' expects"},
    {"version 1\nmono_ns 1\nmax_ns 1\n\n", "line 4: expected 'server' and a space"},
    {"version 1\nmono_ns 1\nmax_ns 1\nserve 0 h 1 n ok 0 0 0 0 0 \"\"\n",
     "line 4: expected 'server ...', got 'serve 0"},
    {"version 1\nmono_ns 1\nmax_ns 1\nserver 1 h 1 n ok 0 0 0 0 0 \"\"\n",
     "line 4: expected server INDEX 0, got '1'"},
    {"version 1\nmono_ns 1\nmax_ns 1\nserver 0 h 1 n ok 0 0 0 0 0\n",
     "line 4: expected AGE_S and a space"},
    {"version 1\nmono_ns 1\nmax_ns 1\nserver 0 h  1 n ok 0 0 0 0 0 \"\"\n",
     "line 4: expected PORT and a space"},
    {"version 1\nmono_ns 1\nmax_ns 1\nserver 0 h\"x 1 n ok 0 0 0 0 0 \"\"\n",
     "line 4: HOST expects 1 to 255 bytes of printable ASCII without '\"', got 'h\"x'"},
    {"version 1\nmono_ns 1\nmax_ns 1\nserver 0 h 1 n\x01 ok 0 0 0 0 0 \"\"\n",
     "line 4: NAME expects"},
    {"version 1\nmono_ns 1\nmax_ns 1\nserver 0 h 0 n ok 0 0 0 0 0 \"\"\n",
     "line 4: PORT expects 1 to 65535, got '0'"},
    {"version 1\nmono_ns 1\nmax_ns 1\nserver 0 h 65536 n ok 0 0 0 0 0 \"\"\n",
     "line 4: PORT expects 1 to 65535, got '65536'"},
    {"version 1\nmono_ns 1\nmax_ns 1\nserver 0 h 1 n OK 0 0 0 0 0 \"\"\n",
     "line 4: STATE expects ok, fail or none, got 'OK'"},
    {"version 1\nmono_ns 1\nmax_ns 1\nserver 0 h 1 n ok -0 0 0 0 0 \"\"\n",
     "line 4: OFFSET_NS expects an integer (ns), got '-0'"},
    {"version 1\nmono_ns 1\nmax_ns 1\nserver 0 h 1 n ok 0 9223372036854775808 0 0 0 \"\"\n",
     "line 4: DELAY_NS expects an integer (ns), got '9223372036854775808'"},
    {"version 1\nmono_ns 1\nmax_ns 1\nserver 0 h 1 n ok 0 0 256 0 0 \"\"\n",
     "line 4: STRATUM expects 0 to 255, got '256'"},
    {"version 1\nmono_ns 1\nmax_ns 1\nserver 0 h 1 n ok 0 0 0 4 0 \"\"\n",
     "line 4: LEAP expects 0 to 3, got '4'"},
    {"version 1\nmono_ns 1\nmax_ns 1\nserver 0 h 1 n ok 0 0 0 0 -2 \"\"\n",
     "line 4: AGE_S expects -1 or a number of seconds, got '-2'"},
    {"version 1\nmono_ns 1\nmax_ns 1\nserver 0 h 1 n fail 0 0 0 0 0 \"a\"b\"\n",
     "line 4: expected \"ERR\" at the end"},
    {"version 1\nmono_ns 1\nmax_ns 1\nserver 0 h 1 n fail 0 0 0 0 0 \"ab\n",
     "line 4: expected \"ERR\" at the end"},
    {"version 1\nmono_ns 1\nmax_ns 1\nserver 0 h 1 n fail 0 0 0 0 0 \"\" \n",
     "line 4: expected \"ERR\" at the end"},
    {"version 1\nmono_ns 1\nmax_ns 1\nserver 0 h 1 n fail 0 0 0 0 0 \"\t\"\n",
     "line 4: expected \"ERR\" at the end"},
    {"version 1\nmono_ns 1\nmax_ns 1\nserver 0 h 1 n none 0 0 0 0 0 \"\"\n",
     "line 4: state none expects 0 0 0 0 -1 \"\""},
    {"version 1\nmono_ns 1\nmax_ns 1\nserver 0 h 1 n fail 0 0 0 0 -1 \"x\"\n",
     "line 4: AGE_S -1 expects state none"},
    {"version 1\nmono_ns 1\nmax_ns 1\nserver 0 h 1 n ok 0 0 0 0 1 \"x\"\n",
     "line 4: state ok expects ERR \"\""},
};

static void test_parse_errors(void)
{
	struct tg_xcheck st;
	char err[300];
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err[0] = '\0';
		st.n = 99;
		if (tg_xcheck_parse(bad[i].text, strlen(bad[i].text), &st, err, sizeof err) != -1 ||
		    !strstr(err, bad[i].msg)) {
			fprintf(stderr, "  case %zu: got \"%s\", expected \"%s\"\n", i, err, bad[i].msg);
			CHECK(0);
		}
	}
}

/* the error seen is cut and its unprintable bytes are shown as '?' */
static void test_error_seen(void)
{
	static char huge[TG_XCHECK_FILE_MAX + 1];
	char text[400], err[300];
	struct tg_xcheck st;
	int n;

	n = snprintf(text, sizeof text, "version 1\nmono_ns 1\nmax_ns 1\nserver 0 h 1 n ok 0 0 0 0 0 "
					"\"%s\x02\"\n",
		     "0123456789012345678901234567890123456789");
	CHECK_EQ_INT(tg_xcheck_parse(text, (size_t)n, &st, err, sizeof err), -1);
	CHECK(strstr(err, "got '\"012345678901234567890123456789012345678...'") != NULL);
	memset(huge, 'x', sizeof huge);
	CHECK_EQ_INT(tg_xcheck_parse(huge, sizeof huge, &st, err, sizeof err), -1);
	CHECK(strstr(err, "8193 bytes: expected at most 8192") != NULL);
}

int main(void)
{
	RUN(test_format);
	RUN(test_format_cleans);
	RUN(test_parse_roundtrip);
	RUN(test_parse_edges);
	RUN(test_parse_errors);
	RUN(test_error_seen);
	return check_exit();
}
