/*
 * test_ntsstats.c - ntsd's counters file (lib/ntsstats.c): the formatter's
 * exact text, the parser's round trip, what it skips for compatibility
 * and every error it must give (with the line and what was seen).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <bearssl.h>

#include "certgen.h"
#include "check.h"
#include "ntsstats.h"

static const char sample[] = "version 1\n"
			     "updated 1700000000\n"
			     "ntp_requests 1234\n"
			     "nts_requests 1000\n"
			     "nts_refused 7\n"
			     "ke_handshakes 42\n"
			     "ke_failures 3\n"
			     "cookie_key_id 9\n"
			     "cookie_key_created 1699990000\n"
			     "cert_not_after 1735689600\n"
			     "cert_not_before 1704067200\n";

static struct tg_ntsstats sample_st(void)
{
	struct tg_ntsstats st;

	memset(&st, 0, sizeof st);
	st.updated = 1700000000;
	st.ntp_requests = 1234;
	st.nts_requests = 1000;
	st.nts_refused = 7;
	st.ke_handshakes = 42;
	st.ke_failures = 3;
	st.cookie_key_id = 9;
	st.cookie_key_created = 1699990000;
	st.cert_not_after = 1735689600;
	st.cert_not_before = 1704067200;
	return st;
}

static void test_format(void)
{
	struct tg_ntsstats st = sample_st();
	char buf[512];
	size_t n;

	n = tg_ntsstats_format(&st, buf, sizeof buf);
	CHECK_EQ_INT(n, strlen(sample));
	CHECK_EQ_STR(buf, sample);
	/* too small by one byte (the NUL): refused, not cut */
	CHECK_EQ_INT(tg_ntsstats_format(&st, buf, strlen(sample)), 0);
	CHECK_EQ_INT(tg_ntsstats_format(&st, buf, strlen(sample) + 1), strlen(sample));
}

static void test_parse_roundtrip(void)
{
	struct tg_ntsstats st, want = sample_st(), back;
	char err[200], buf[512];
	size_t n;

	CHECK_EQ_INT(tg_ntsstats_parse(sample, strlen(sample), &st, err, sizeof err), 0);
	CHECK_EQ_INT(st.version, 1);
	CHECK_EQ_INT(st.updated, want.updated);
	CHECK_EQ_INT(st.ntp_requests, 1234);
	CHECK_EQ_INT(st.nts_requests, 1000);
	CHECK_EQ_INT(st.nts_refused, 7);
	CHECK_EQ_INT(st.ke_handshakes, 42);
	CHECK_EQ_INT(st.ke_failures, 3);
	CHECK_EQ_INT(st.cookie_key_id, 9);
	CHECK_EQ_INT(st.cookie_key_created, 1699990000);
	CHECK_EQ_INT(st.cert_not_after, 1735689600);
	CHECK_EQ_INT(st.cert_not_before, 1704067200);
	CHECK_EQ_INT(st.have, 0x1ff);

	/* extremes survive the round trip */
	want.updated = INT64_MIN;
	want.ntp_requests = UINT64_MAX;
	want.cert_not_after = INT64_MAX;
	want.cert_not_before = -86400;
	n = tg_ntsstats_format(&want, buf, sizeof buf);
	CHECK(n > 0);
	CHECK_EQ_INT(tg_ntsstats_parse(buf, n, &back, err, sizeof err), 0);
	CHECK(back.updated == INT64_MIN);
	CHECK(back.ntp_requests == UINT64_MAX);
	CHECK(back.cert_not_after == INT64_MAX);
	CHECK_EQ_INT(back.cert_not_before, -86400);
	CHECK(strstr(buf, "ntp_requests 18446744073709551615\n") != NULL);
	CHECK(strstr(buf, "updated -9223372036854775808\n") != NULL);
}

static void test_parse_compat(void)
{
	static const char later[] = "version 1\n"
				    "future_figure some text, not a number\n"
				    "updated 5\n"
				    "future_figure 2\n"
				    "nts_requests 3\n";
	struct tg_ntsstats st;
	char err[200];

	/* unknown keys are skipped (even twice, even not numeric); absent ones read 0 */
	CHECK_EQ_INT(tg_ntsstats_parse(later, strlen(later), &st, err, sizeof err), 0);
	CHECK_EQ_INT(st.updated, 5);
	CHECK_EQ_INT(st.nts_requests, 3);
	CHECK_EQ_INT(st.ntp_requests, 0);
	CHECK_EQ_INT(st.have, TG_NTSSTATS_HAVE_NTS_REQUESTS);
	/* order is free; the minimum is version and updated */
	CHECK_EQ_INT(tg_ntsstats_parse("updated 0\nversion 1\n", 20, &st, err, sizeof err), 0);
	CHECK_EQ_INT(st.have, 0);
}

struct bad {
	const char *text;
	const char *msg; /* a part of the error */
};

static void test_parse_errors(void)
{
	static const struct bad bad[] = {
	    {"", "empty"},
	    {"version 1\nupdated 5", "line 2: expected a newline at the end, got 'updated 5'"},
	    {"updated 5\n", "no 'version' line"},
	    {"version 1\n", "no 'updated' line"},
	    {"version 2\nupdated 5\n", "line 1: version 2 is not supported (expected 1)"},
	    {"version 1\nversion 1\nupdated 5\n", "line 2: 'version' given twice"},
	    {"version 1\nupdated 5\nke_failures 1\nke_failures 1\n",
	     "line 4: 'ke_failures' given twice"},
	    {"version 1\nupdated 5\n\n", "line 3: expected 'KEY VALUE' (KEY of a-z, 0-9, _), got ''"},
	    {"version 1\nupdated\n", "line 2: expected 'KEY VALUE'"},
	    {"version 1\nUpdated 5\n", "line 2: expected 'KEY VALUE' (KEY of a-z, 0-9, _), got "
				       "'Updated 5'"},
	    {"version 1\n updated 5\n", "line 2: expected 'KEY VALUE'"},
	    {"version 1\nupdated 5\nntp_requests -1\n",
	     "line 3: 'ntp_requests' expects a non-negative integer, got '-1'"},
	    {"version 1\nupdated 5\nntp_requests 01\n", "got '01'"},
	    {"version 1\nupdated 5\nntp_requests +1\n", "got '+1'"},
	    {"version 1\nupdated 5\nntp_requests 1 \n", "got '1 '"},
	    {"version 1\nupdated 5\nntp_requests  1\n", "got ' 1'"},
	    {"version 1\nupdated 5\nntp_requests \n", "got ''"},
	    {"version 1\nupdated 5\nntp_requests 0x10\n", "got '0x10'"},
	    {"version 1\nupdated 5\nntp_requests 18446744073709551616\n",
	     "got '18446744073709551616'"},
	    {"version 1\nupdated 9223372036854775808\n",
	     "line 2: 'updated' expects an integer (unix seconds), got '9223372036854775808'"},
	    {"version 1\nupdated -9223372036854775809\n", "got '-9223372036854775809'"},
	    {"version 1\nupdated -0\n", "got '-0'"},
	    {"version 1\nupdated -\n", "got '-'"},
	    {"version 1\r\nupdated 5\n", "got '1?'"},
	    {"version 1\nupdated 5\nthis_key_is_longer_than_thirty_two_chars 1\n",
	     "line 3: expected 'KEY VALUE'"},
	};
	static const char nul[] = "version 1\nupdated 5\nke_failures 1\0\n";
	struct tg_ntsstats st;
	char err[200], big[TG_NTSSTATS_MAX + 2];
	size_t i, len;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		len = strlen(bad[i].text);
		memset(err, 0, sizeof err);
		if (tg_ntsstats_parse(bad[i].text, len, &st, err, sizeof err) != -1 ||
		    !strstr(err, bad[i].msg)) {
			fprintf(stderr, "  case %zu: error '%s', expected '%s'\n", i, err,
				bad[i].msg);
			CHECK(0);
		}
	}
	/* a NUL inside a line */
	CHECK_EQ_INT(tg_ntsstats_parse(nul, sizeof nul - 1, &st, err, sizeof err), -1);
	CHECK(strstr(err, "line 3: 'ke_failures' expects a non-negative integer, got '1?'") != NULL);
	memset(big, 'a', sizeof big);
	CHECK_EQ_INT(tg_ntsstats_parse(big, sizeof big, &st, err, sizeof err), -1);
	CHECK(strstr(err, "expected at most 4096") != NULL);
	/* a long value is shown cut, without breaking the message */
	CHECK_EQ_INT(tg_ntsstats_parse("version 1\nupdated 11111111111111111111111111111111111111111111111\n",
				       67, &st, err, sizeof err),
		     -1);
	CHECK(strstr(err, "got '1111111111111111111111111111111111111111...'") != NULL);
	/* a failed parse leaves nothing behind */
	CHECK_EQ_INT(st.updated, 0);
}

/* validity read back from certificates made with known dates (UTCTime and GeneralizedTime) */
static void test_cert_validity(void)
{
	static const struct {
		int64_t nb, na;
	} v[] = {
	    {946684800, 2524607999},   /* 2000-01-01T00:00:00Z, 2049-12-31T23:59:59Z */
	    {1700000017, 4102444800},  /* a time of day; 2100-01-01 (GeneralizedTime) */
	    {-631152000, -631152000 + 86399}, /* 1950-01-01, before 1970 */
	};
	static const char *const dns[] = {"ntsd.test"};
	br_hmac_drbg_context drbg;
	uint8_t priv[32], pub[65], serial[16], der[1024];
	char err[200] = "";
	int64_t nb, na;
	size_t i, len;

	br_hmac_drbg_init(&drbg, &br_sha256_vtable, "test_ntsstats", 13);
	CHECK_EQ_INT(tg_certgen_key(&drbg.vtable, priv, pub), 0);
	memset(serial, 0x5a, sizeof serial);
	for (i = 0; i < sizeof v / sizeof v[0]; i++) {
		CHECK_EQ_INT(tg_certgen_self_signed(priv, pub, "ntsd.test", dns, 1, NULL, 0, v[i].nb,
						    v[i].na, serial, der, sizeof der, &len, err,
						    sizeof err),
			     0);
		nb = na = 0;
		CHECK_EQ_INT(tg_ntsstats_cert_validity(der, len, &nb, &na), 0);
		CHECK_EQ_INT(nb, v[i].nb);
		CHECK_EQ_INT(na, v[i].na);
	}
	/* a truncated certificate does not decode */
	CHECK_EQ_INT(tg_ntsstats_cert_validity(der, len - 1, &nb, &na), -1);
	CHECK_EQ_INT(tg_ntsstats_cert_validity(der, 0, &nb, &na), -1);
}

int main(void)
{
	RUN(test_format);
	RUN(test_parse_roundtrip);
	RUN(test_parse_compat);
	RUN(test_parse_errors);
	RUN(test_cert_validity);
	return check_exit();
}
