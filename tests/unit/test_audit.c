/*
 * test_audit.c - the console's hash-chained audit trail (lib/audit.c):
 * formatter, strict parser, chain verifier, start-up recovery, append.
 *
 * The golden file below was written by an independent writer (Python:
 * datetime for the time stamps, hashlib.sha256, its own percent-encoder
 * following audit.h), so the line layout, the hashed range, the DETAIL
 * encoding and the time conversion are checked against something that is
 * not this code; time stamps are also compared with gmtime_r(3).
 *
 * Tampering tests: every byte of the golden file flipped with several
 * masks must fail at the record holding that byte; deleting, swapping,
 * editing, with and without recomputing hashes afterwards, each fail at
 * the right record for the right reason; a rewrite of everything after
 * the edit verifies, and only the head shows it (the documented limit).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "check.h"

/* Three records by tests/unit's independent writer (see the top). */
#define G1                                                                                         \
	"1 2026-12-03T14:22:05Z locked admin 192.0.2.10 login ok - "                               \
	"0000000000000000000000000000000000000000000000000000000000000000 "                        \
	"fae53c299f40c441ee79929195e717e9e7972fb3b72db2710d8804fe61b32071\n"
#define G2                                                                                         \
	"2 2026-12-03T14:23:40Z holdover admin 2001:db8::7 config.set ok "                         \
	"ntp%20server=\"pool%201\"%20100%25%20Z%C3%BCrich%0A "                                     \
	"fae53c299f40c441ee79929195e717e9e7972fb3b72db2710d8804fe61b32071 "                        \
	"ba7a3361335345ce2fcf8363dfd2c5696c82b5bd66da2012ef4e7d34282f172f\n"
#define G3                                                                                         \
	"3 2027-02-28T23:59:59Z unsync - - login.fail refused %2D "                                \
	"ba7a3361335345ce2fcf8363dfd2c5696c82b5bd66da2012ef4e7d34282f172f "                        \
	"f7f3616e30a22b07535b09ad0a1d6739abb74f0ebcbc99ff3635bbb9a14f8726\n"
#define GOLDEN      G1 G2 G3
#define GOLDEN_HEAD "f7f3616e30a22b07535b09ad0a1d6739abb74f0ebcbc99ff3635bbb9a14f8726"
#define G2_DETAIL   "ntp server=\"pool 1\" 100% Z\xc3\xbcrich\n"

static const uint8_t zeros[32];

static void unhex(const char *s, uint8_t out[32])
{
	int i;

	for (i = 0; i < 32; i++) {
		unsigned v;

		sscanf(s + 2 * i, "%2x", &v);
		out[i] = (uint8_t)v;
	}
}

static struct tg_audit_rec rec(uint64_t seq, int64_t t, int state, const char *user,
                               const char *addr, const char *action, int result, const char *detail,
                               size_t dlen)
{
	struct tg_audit_rec r;

	memset(&r, 0, sizeof(r));
	r.seq = seq;
	r.time = t;
	r.clock_state = (uint8_t)state;
	snprintf(r.user, sizeof(r.user), "%s", user);
	snprintf(r.addr, sizeof(r.addr), "%s", addr);
	snprintf(r.action, sizeof(r.action), "%s", action);
	r.result = (uint8_t)result;
	tg_audit_set_detail(&r, detail, dlen);
	return r;
}

/* The golden records as structs (times from Python's datetime). */
static void golden_recs(struct tg_audit_rec g[3])
{
	g[0] =
	    rec(1, 1796307725, TG_CLOCK_LOCKED, "admin", "192.0.2.10", "login", TG_AUDIT_OK, "", 0);
	g[1] = rec(2, 1796307820, TG_CLOCK_HOLDOVER, "admin", "2001:db8::7", "config.set",
	           TG_AUDIT_OK, G2_DETAIL, strlen(G2_DETAIL));
	g[2] = rec(3, 1803859199, TG_CLOCK_UNSYNC, "", "", "login.fail", TG_AUDIT_REFUSED, "-", 1);
}

static int same_rec(const struct tg_audit_rec *a, const struct tg_audit_rec *b)
{
	return a->seq == b->seq && a->time == b->time && a->clock_state == b->clock_state &&
	       a->result == b->result && strcmp(a->user, b->user) == 0 &&
	       strcmp(a->addr, b->addr) == 0 && strcmp(a->action, b->action) == 0 &&
	       a->detail_len == b->detail_len && memcmp(a->detail, b->detail, a->detail_len) == 0;
}

static int contains(const char *err, const char *word)
{
	if (strstr(err, word))
		return 1;
	fprintf(stderr, "  message '%s' does not mention '%s'\n", err, word);
	return 0;
}

/* ---- golden file --------------------------------------------------------- */

static void test_golden_format(void)
{
	struct tg_audit_rec g[3];
	char out[TG_AUDIT_LINE_MAX + 1], all[4096] = "", err[200];
	uint8_t prev[32], hash[32];
	int i, n;

	golden_recs(g);
	memset(prev, 0, sizeof(prev));
	for (i = 0; i < 3; i++) {
		err[0] = '\0';
		n = tg_audit_format(&g[i], prev, out, sizeof(out), hash, err, sizeof(err));
		CHECK(n > 0);
		CHECK_EQ_STR(err, "");
		CHECK_EQ_INT(n, strlen(out));
		strcat(all, out);
		memcpy(prev, hash, 32);
	}
	CHECK_EQ_STR(all, GOLDEN);
	unhex(GOLDEN_HEAD, hash);
	CHECK(memcmp(prev, hash, 32) == 0);
}

static void test_golden_parse(void)
{
	static const char *const lines[3] = {G1, G2, G3};
	struct tg_audit_rec g[3], r;
	uint8_t prev[32], hash[32], want[32];
	char err[200];
	int i;

	golden_recs(g);
	memset(want, 0, 32);
	for (i = 0; i < 3; i++) {
		/* with and without the newline */
		CHECK_EQ_INT(tg_audit_parse_line(lines[i], strlen(lines[i]), &r, prev, hash, err,
		                                 sizeof(err)),
		             0);
		CHECK(same_rec(&r, &g[i]));
		CHECK(memcmp(prev, want, 32) == 0);
		CHECK_EQ_INT(tg_audit_parse_line(lines[i], strlen(lines[i]) - 1, &r, prev, hash,
		                                 err, sizeof(err)),
		             0);
		CHECK(same_rec(&r, &g[i]));
		CHECK_EQ_INT(r.detail[r.detail_len], 0);
		memcpy(want, hash, 32);
	}
	unhex(GOLDEN_HEAD, want);
	CHECK(memcmp(hash, want, 32) == 0);
}

static void test_golden_verify(void)
{
	uint8_t head[32], want[32], prev[32];
	uint64_t n = 99, bad = 99, next = 0;
	size_t good = 0;
	char err[200] = "";

	unhex(GOLDEN_HEAD, want);
	CHECK_EQ_INT(tg_audit_verify(GOLDEN, strlen(GOLDEN), &n, head, &bad, err, sizeof(err)), 0);
	CHECK_EQ_INT(n, 3);
	CHECK_EQ_INT(bad, 0);
	CHECK(memcmp(head, want, 32) == 0);
	CHECK_EQ_INT(
	    tg_audit_tail_state(GOLDEN, strlen(GOLDEN), &next, prev, &good, err, sizeof(err)), 0);
	CHECK_EQ_INT(next, 4);
	CHECK_EQ_INT(good, strlen(GOLDEN));
	CHECK(memcmp(prev, want, 32) == 0);
	/* NULL outputs are allowed */
	CHECK_EQ_INT(tg_audit_verify(GOLDEN, strlen(GOLDEN), NULL, NULL, NULL, NULL, 0), 0);
}

static void test_empty(void)
{
	uint8_t head[32], prev[32];
	uint64_t n = 99, next = 0;
	size_t good = 99;

	memset(head, 0xaa, 32);
	CHECK_EQ_INT(tg_audit_verify("", 0, &n, head, NULL, NULL, 0), 0);
	CHECK_EQ_INT(n, 0);
	CHECK(memcmp(head, zeros, 32) == 0);
	memset(prev, 0xaa, 32);
	CHECK_EQ_INT(tg_audit_tail_state("", 0, &next, prev, &good, NULL, 0), 0);
	CHECK_EQ_INT(next, 1);
	CHECK_EQ_INT(good, 0);
	CHECK(memcmp(prev, zeros, 32) == 0);
}

/* ---- a longer chain ------------------------------------------------------ */

static const char *const users[] = {"admin", "_svc", "op-2", "",
                                    "a23456789012345678901234567890ab"};
static const char *const addrs[] = {
    "192.0.2.1", "::1", "", "fe80::1:2", "::ffff:198.51.100.7", "2001:db8:0:1:2:3:4:5"};
static const char *const actions[] = {"login",          "login.fail", "config.set",
                                      "update.install", "user.add",   "x"};

/* n random records chained into buf; returns the length, head and record ends. */
static size_t build_chain(char *buf, size_t cap, int n, uint8_t head[32], size_t *ends)
{
	char line[TG_AUDIT_LINE_MAX + 1], err[200], detail[80];
	uint8_t prev[32];
	size_t len = 0;
	int i, k;

	memset(prev, 0, 32);
	for (i = 0; i < n; i++) {
		struct tg_audit_rec r;
		size_t dl = check_rand() % sizeof(detail);

		for (k = 0; k < (int)dl; k++)
			detail[k] = (char)check_rand();
		r = rec((uint64_t)i + 1, (int64_t)(check_rand() % (TG_AUDIT_TIME_MAX + 1)),
		        (int)(check_rand() % 5), users[check_rand() % 5], addrs[check_rand() % 6],
		        actions[check_rand() % 6], (int)(check_rand() % 3), detail, dl);
		k = tg_audit_format(&r, prev, line, sizeof(line), prev, err, sizeof(err));
		if (k <= 0 || len + (size_t)k > cap) {
			fprintf(stderr, "  build_chain: %s\n", err);
			CHECK(!"build_chain");
			return 0;
		}
		memcpy(buf + len, line, (size_t)k);
		len += (size_t)k;
		if (ends)
			ends[i] = len;
	}
	memcpy(head, prev, 32);
	return len;
}

static void test_chain(void)
{
	static char buf[64 * 1024];
	uint8_t head[32], got[32], prev[32];
	size_t len, good;
	uint64_t n, next;
	char err[200];

	len = build_chain(buf, sizeof(buf), 50, head, NULL);
	CHECK_EQ_INT(tg_audit_verify(buf, len, &n, got, NULL, err, sizeof(err)), 0);
	CHECK_EQ_INT(n, 50);
	CHECK(memcmp(got, head, 32) == 0);
	CHECK_EQ_INT(tg_audit_tail_state(buf, len, &next, prev, &good, err, sizeof(err)), 0);
	CHECK_EQ_INT(next, 51);
	CHECK_EQ_INT(good, len);
	CHECK(memcmp(prev, head, 32) == 0);
}

/* ---- tampering ----------------------------------------------------------- */

/* Record (1-based) holding byte i of GOLDEN; its newline belongs to it. */
static int record_of(size_t i)
{
	return i < strlen(G1) ? 1 : i < strlen(G1) + strlen(G2) ? 2 : 3;
}

static void test_flip_every_byte(void)
{
	static const uint8_t masks[] = {0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80, 0xff};
	char buf[sizeof(GOLDEN)], err[200];
	size_t len = strlen(GOLDEN), i, m;
	uint64_t bad, n;
	int rc, bad_cases = 0;

	for (i = 0; i < len; i++)
		for (m = 0; m < sizeof(masks); m++) {
			int want_rc = i == len - 1 ? -2 : -1;

			memcpy(buf, GOLDEN, len);
			buf[i] = (char)(buf[i] ^ masks[m]);
			err[0] = '\0';
			bad = 0;
			rc = tg_audit_verify(buf, len, &n, NULL, &bad, err, sizeof(err));
			if (rc != want_rc || bad != (uint64_t)record_of(i) || !err[0] ||
			    n != bad - 1) {
				if (bad_cases++ < 5)
					fprintf(
					    stderr,
					    "  flip 0x%02x at %zu: rc %d bad %llu n %llu '%s'\n",
					    masks[m], i, rc, (unsigned long long)bad,
					    (unsigned long long)n, err);
			}
		}
	CHECK_EQ_INT(bad_cases, 0);
}

/* Re-seal line (no newline) as record seq after prev: what a keyless attacker can do. */
static size_t reseal(const char *line, size_t len, uint64_t seq, const uint8_t prev[32], char *out,
                     uint8_t hash[32])
{
	struct tg_audit_rec r;
	uint8_t p[32], h[32];
	char err[200];
	int n;

	CHECK_EQ_INT(tg_audit_parse_line(line, len, &r, p, h, err, sizeof(err)), 0);
	r.seq = seq;
	n = tg_audit_format(&r, prev, out, TG_AUDIT_LINE_MAX + 1, hash, err, sizeof(err));
	CHECK(n > 0);
	return n > 0 ? (size_t)n : 0;
}

static void expect_broken(const char *buf, size_t len, uint64_t want_bad, const char *word)
{
	uint64_t bad = 0, n = 0;
	char err[200] = "";

	CHECK_EQ_INT(tg_audit_verify(buf, len, &n, NULL, &bad, err, sizeof(err)), -1);
	CHECK_EQ_INT(bad, want_bad);
	CHECK_EQ_INT(n, want_bad - 1);
	CHECK(contains(err, word));
}

static void test_delete_middle(void)
{
	char buf[4096], line[TG_AUDIT_LINE_MAX + 1];
	uint8_t h1[32], h[32];
	size_t n;

	/* plain deletion: the SEQ gap shows */
	snprintf(buf, sizeof(buf), "%s%s", G1, G3);
	expect_broken(buf, strlen(buf), 2, "SEQ is 3, expected 2");

	/* deletion with record 3 renumbered and its HASH recomputed: the chain shows */
	n = reseal(G3, strlen(G3) - 1, 2, zeros, line, h);
	CHECK(n > 0);
	snprintf(buf, sizeof(buf), "%s%s", G1, line);
	expect_broken(buf, strlen(buf), 2, "PREVHASH is not the HASH of record 1");

	/* deleting the first record: record 2 is now first */
	snprintf(buf, sizeof(buf), "%s%s", G2, G3);
	expect_broken(buf, strlen(buf), 1, "SEQ is 2, expected 1");

	/*
	 * The documented limit: rewriting everything after the deletion
	 * verifies; only the head (exported, on the dashboard) differs.
	 */
	unhex("fae53c299f40c441ee79929195e717e9e7972fb3b72db2710d8804fe61b32071", h1);
	n = reseal(G3, strlen(G3) - 1, 2, h1, line, h);
	snprintf(buf, sizeof(buf), "%s%s", G1, line);
	{
		uint8_t head[32], old[32];
		uint64_t cnt;

		CHECK_EQ_INT(tg_audit_verify(buf, strlen(buf), &cnt, head, NULL, NULL, 0), 0);
		CHECK_EQ_INT(cnt, 2);
		unhex(GOLDEN_HEAD, old);
		CHECK(memcmp(head, old, 32) != 0);
	}
}

static void test_swap(void)
{
	char buf[4096], l2[TG_AUDIT_LINE_MAX + 1], l3[TG_AUDIT_LINE_MAX + 1];
	uint8_t h1[32], h[32];

	snprintf(buf, sizeof(buf), "%s%s%s", G1, G3, G2);
	expect_broken(buf, strlen(buf), 2, "SEQ is 3, expected 2");

	/* swapped and renumbered, hashes recomputed, PREVHASH left: the chain shows */
	unhex("fae53c299f40c441ee79929195e717e9e7972fb3b72db2710d8804fe61b32071", h1);
	{
		struct tg_audit_rec r;
		uint8_t p[32];
		char err[200];
		int n;

		/* keep each record's own PREVHASH, change only SEQ */
		CHECK_EQ_INT(tg_audit_parse_line(G3, strlen(G3), &r, p, h, err, sizeof(err)), 0);
		r.seq = 2;
		n = tg_audit_format(&r, p, l3, sizeof(l3), h, err, sizeof(err));
		CHECK(n > 0);
		CHECK_EQ_INT(tg_audit_parse_line(G2, strlen(G2), &r, p, h, err, sizeof(err)), 0);
		r.seq = 3;
		n = tg_audit_format(&r, p, l2, sizeof(l2), h, err, sizeof(err));
		CHECK(n > 0);
	}
	snprintf(buf, sizeof(buf), "%s%s%s", G1, l3, l2);
	expect_broken(buf, strlen(buf), 2, "PREVHASH is not the HASH of record 1");
}

static void test_edit(void)
{
	char buf[4096], line[TG_AUDIT_LINE_MAX + 1];
	char g2[sizeof(G2)];
	uint8_t h1[32], h[32];
	char *p;

	/* an edited DETAIL, HASH left alone */
	memcpy(g2, G2, sizeof(G2));
	p = strstr(g2, "pool");
	memcpy(p, "evil", 4);
	snprintf(buf, sizeof(buf), "%s%s%s", G1, g2, G3);
	expect_broken(buf, strlen(buf), 2, "HASH does not match");

	/* the same edit with record 2's HASH recomputed: record 3 shows it */
	unhex("fae53c299f40c441ee79929195e717e9e7972fb3b72db2710d8804fe61b32071", h1);
	reseal(g2, strlen(g2) - 1, 2, h1, line, h);
	snprintf(buf, sizeof(buf), "%s%s%s", G1, line, G3);
	expect_broken(buf, strlen(buf), 3, "PREVHASH is not the HASH of record 2");

	/* a first record that does not start from zeros */
	unhex(GOLDEN_HEAD, h);
	reseal(G1, strlen(G1) - 1, 1, h, line, h1);
	expect_broken(line, strlen(line), 1, "PREVHASH is not 64 zeros");

	/* a blank line in the middle */
	snprintf(buf, sizeof(buf), "%s\n%s", G1, G2);
	expect_broken(buf, strlen(buf), 2, "malformed");
}

static void test_torn(void)
{
	static const size_t ends[3] = {sizeof(G1) - 1, sizeof(G1) + sizeof(G2) - 2,
	                               sizeof(GOLDEN) - 1};
	char err[300];
	uint8_t head[32], prev[32], want[32];
	uint64_t n, bad, next;
	size_t cut, good;
	int k, rc, bad_cases = 0;

	for (cut = 1; cut < ends[2]; cut++) {
		for (k = 0; k < 3 && cut > ends[k]; k++)
			;
		/* k: 0-based record being cut, or cut == ends[k] (complete) */
		err[0] = '\0';
		rc = tg_audit_verify(GOLDEN, cut, &n, head, &bad, err, sizeof(err));
		if (cut == ends[k]) {
			if (rc != 0 || n != (uint64_t)k + 1)
				bad_cases++;
			continue;
		}
		if (k == 0)
			memcpy(want, zeros, 32);
		else
			unhex(
			    k == 1
			        ? "fae53c299f40c441ee79929195e717e9e7972fb3b72db2710d8804fe61b32071"
			        : "ba7a3361335345ce2fcf8363dfd2c5696c82b5bd66da2012ef4e7d34282f172"
			          "f",
			    want);
		if (rc != -2 || bad != (uint64_t)k + 1 || n != (uint64_t)k ||
		    memcmp(head, want, 32) != 0 || !strstr(err, "torn")) {
			if (bad_cases++ < 5)
				fprintf(stderr, "  verify cut %zu: rc %d bad %llu '%s'\n", cut, rc,
				        (unsigned long long)bad, err);
			continue;
		}
		err[0] = '\0';
		rc = tg_audit_tail_state(GOLDEN, cut, &next, prev, &good, err, sizeof(err));
		if (rc != 1 || next != (uint64_t)k + 1 || good != (k ? ends[k - 1] : 0) ||
		    memcmp(prev, want, 32) != 0 || !strstr(err, "torn")) {
			if (bad_cases++ < 5)
				fprintf(stderr,
				        "  tail_state cut %zu: rc %d next %llu good %zu '%s'\n",
				        cut, rc, (unsigned long long)next, good, err);
		}
	}
	CHECK_EQ_INT(bad_cases, 0);
}

static void test_broken_middle_and_torn_tail(void)
{
	char buf[4096], err[300] = "";
	uint8_t prev[32];
	uint64_t next = 0, bad = 0;
	size_t good = 0;

	/* record 2 edited, record 3 torn: the broken middle wins */
	snprintf(buf, sizeof(buf), "%s%s%s", G1, G2, G3);
	buf[strlen(G1) + 3] ^= 1;
	buf[strlen(buf) - 10] = '\0';
	CHECK_EQ_INT(tg_audit_verify(buf, strlen(buf), NULL, NULL, &bad, err, sizeof(err)), -1);
	CHECK_EQ_INT(bad, 2);
	memset(prev, 0xaa, 32);
	CHECK_EQ_INT(tg_audit_tail_state(buf, strlen(buf), &next, prev, &good, err, sizeof(err)),
	             -1);
	CHECK_EQ_INT(next, 1);
	CHECK(memcmp(prev, zeros, 32) == 0);
	CHECK_EQ_INT(good, strlen(G1));
	CHECK(contains(err, "record 2"));
	CHECK(contains(err, "start a new one"));
}

/* ---- formatter refusals -------------------------------------------------- */

static struct tg_audit_rec base_rec(void)
{
	return rec(7, 1796307725, TG_CLOCK_LOCKED, "admin", "192.0.2.10", "login", TG_AUDIT_OK, "x",
	           1);
}

static void expect_format_refused(const struct tg_audit_rec *r, const char *word)
{
	char out[TG_AUDIT_LINE_MAX + 1], err[200] = "";
	uint8_t h[32];

	out[0] = 'Z';
	CHECK_EQ_INT(tg_audit_format(r, zeros, out, sizeof(out), h, err, sizeof(err)), -1);
	CHECK_EQ_INT(out[0], '\0');
	if (!contains(err, word))
		CHECK(!"message names the field");
}

static void expect_format_ok(const struct tg_audit_rec *r)
{
	char out[TG_AUDIT_LINE_MAX + 1], err[200] = "";
	uint8_t h[32];

	if (tg_audit_format(r, zeros, out, sizeof(out), h, err, sizeof(err)) <= 0) {
		fprintf(stderr, "  refused: %s\n", err);
		CHECK(!"format accepts");
	}
}

static void test_format_refusals(void)
{
	static const char *const bad_users[] = {"Admin", "1abc",     "-",         "a b",
	                                        "a.b",   "\xc3\xa4", "ad\x01min", "root!"};
	static const char *const good_users[] = {"a", "_", "_svc-2",
	                                         "a0123456789012345678901234567890"};
	static const char *const bad_addrs[] = {"1.2.3",
	                                        "256.1.1.1",
	                                        "01.2.3.4",
	                                        "1.2.3.4.5",
	                                        "1.2.3.",
	                                        ".1.2.3",
	                                        "2001:DB8::1",
	                                        "fe80::1%eth0",
	                                        "[::1]",
	                                        "1.2.3.4:80",
	                                        "::1::",
	                                        "1::2::3",
	                                        ":::",
	                                        ":",
	                                        "1:",
	                                        ":1",
	                                        "12345::",
	                                        "1:2:3:4:5:6:7:8:9",
	                                        "1:2:3:4:5:6:7",
	                                        "1:2:3:4:5:6:7::8",
	                                        "::1.2.3",
	                                        "::1.2.3.4:5",
	                                        "1:2:3:4:5:6:7:1.2.3.4",
	                                        "g::1",
	                                        "-",
	                                        " ",
	                                        "localhost",
	                                        "::ffff:01.2.3.4"};
	static const char *const good_addrs[] = {"0.0.0.0",
	                                         "255.255.255.255",
	                                         "::",
	                                         "::1",
	                                         "1::",
	                                         "2001:db8::7",
	                                         "::ffff:192.0.2.1",
	                                         "1:2:3:4:5:6:7:8",
	                                         "1:2:3:4:5:6:1.2.3.4",
	                                         "fe80::1:2",
	                                         "1::8",
	                                         "::0.0.0.2",
	                                         "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255"};
	static const char *const bad_actions[] = {"",           "Login", "1login", ".x",
	                                          "login fail", "_x",    "a/b",    "a\x80"};
	static const char *const good_actions[] = {"a", "update.install", "user-add_2",
	                                           "a0123456789012345678901234567890"};
	struct tg_audit_rec r;
	char out[TG_AUDIT_LINE_MAX + 1], err[200];
	uint8_t h[32];
	size_t i;
	int n;

	r = base_rec();
	expect_format_ok(&r);
	r.seq = 0;
	expect_format_refused(&r, "SEQ");
	r = base_rec();
	r.seq = UINT64_MAX;
	expect_format_ok(&r);

	r = base_rec();
	r.time = -1;
	expect_format_refused(&r, "TIME");
	r.time = TG_AUDIT_TIME_MAX + 1;
	expect_format_refused(&r, "TIME");
	r.time = TG_AUDIT_TIME_MAX;
	n = tg_audit_format(&r, zeros, out, sizeof(out), h, err, sizeof(err));
	CHECK(n > 0 && strstr(out, " 9999-12-31T23:59:59Z "));
	r.time = 0;
	n = tg_audit_format(&r, zeros, out, sizeof(out), h, err, sizeof(err));
	CHECK(n > 0 && strstr(out, " 1970-01-01T00:00:00Z "));

	r = base_rec();
	r.clock_state = 5;
	expect_format_refused(&r, "CLOCKSTATE");
	r.clock_state = 255;
	expect_format_refused(&r, "CLOCKSTATE");

	for (i = 0; i < sizeof(bad_users) / sizeof(bad_users[0]); i++) {
		r = base_rec();
		snprintf(r.user, sizeof(r.user), "%s", bad_users[i]);
		expect_format_refused(&r, "USER");
	}
	for (i = 0; i < sizeof(good_users) / sizeof(good_users[0]); i++) {
		r = base_rec();
		snprintf(r.user, sizeof(r.user), "%s", good_users[i]);
		expect_format_ok(&r);
	}
	r = base_rec();
	memset(r.user, 'a', sizeof(r.user)); /* 33 letters, no NUL */
	expect_format_refused(&r, "USER: not NUL-terminated");
	/* a refused USER is not repeated: it may be a password typed in the wrong field */
	for (i = 0; i < 3; i++) {
		static const char *const pw[3] = {"hunter2!secret", "Secret-hunter2",
		                                  "ad\x01hunter2"};

		r = base_rec();
		snprintf(r.user, sizeof(r.user), "%s", pw[i]);
		err[0] = '\0';
		CHECK_EQ_INT(tg_audit_format(&r, zeros, out, sizeof(out), h, err, sizeof(err)), -1);
		CHECK(contains(err, "USER"));
		CHECK(!strstr(err, "hunter") && !strstr(err, "ecret"));
	}

	for (i = 0; i < sizeof(bad_addrs) / sizeof(bad_addrs[0]); i++) {
		r = base_rec();
		snprintf(r.addr, sizeof(r.addr), "%s", bad_addrs[i]);
		err[0] = '\0';
		if (tg_audit_format(&r, zeros, out, sizeof(out), h, err, sizeof(err)) != -1 ||
		    !strstr(err, "ADDR")) {
			fprintf(stderr, "  address '%s' not refused: '%s'\n", bad_addrs[i], err);
			CHECK(!"bad address refused");
		}
	}
	for (i = 0; i < sizeof(good_addrs) / sizeof(good_addrs[0]); i++) {
		r = base_rec();
		snprintf(r.addr, sizeof(r.addr), "%s", good_addrs[i]);
		if (tg_audit_format(&r, zeros, out, sizeof(out), h, err, sizeof(err)) <= 0) {
			fprintf(stderr, "  address '%s' refused: '%s'\n", good_addrs[i], err);
			CHECK(!"good address accepted");
		}
	}
	r = base_rec();
	memset(r.addr, '1', sizeof(r.addr));
	expect_format_refused(&r, "ADDR: not NUL-terminated");

	for (i = 0; i < sizeof(bad_actions) / sizeof(bad_actions[0]); i++) {
		r = base_rec();
		snprintf(r.action, sizeof(r.action), "%s", bad_actions[i]);
		expect_format_refused(&r, "ACTION");
	}
	for (i = 0; i < sizeof(good_actions) / sizeof(good_actions[0]); i++) {
		r = base_rec();
		snprintf(r.action, sizeof(r.action), "%s", good_actions[i]);
		expect_format_ok(&r);
	}
	r = base_rec();
	memset(r.action, 'a', sizeof(r.action));
	expect_format_refused(&r, "ACTION: not NUL-terminated");

	r = base_rec();
	r.result = 3;
	expect_format_refused(&r, "RESULT");

	r = base_rec();
	r.detail_len = TG_AUDIT_DETAIL_MAX + 1;
	expect_format_refused(&r, "DETAIL");

	/* the output buffer: exactly line + NUL fits, one byte less does not */
	r = base_rec();
	n = tg_audit_format(&r, zeros, out, sizeof(out), h, err, sizeof(err));
	CHECK(n > 0);
	{
		char small[TG_AUDIT_LINE_MAX + 1];

		CHECK_EQ_INT(tg_audit_format(&r, zeros, small, (size_t)n + 1, h, err, sizeof(err)),
		             n);
		CHECK_EQ_STR(small, out);
		small[0] = 'Z';
		err[0] = '\0';
		CHECK_EQ_INT(tg_audit_format(&r, zeros, small, (size_t)n, h, err, sizeof(err)), -1);
		CHECK_EQ_INT(small[0], '\0');
		CHECK(contains(err, "output buffer"));
	}
}

/* ---- parser refusals ----------------------------------------------------- */

static const char *const base_fields[10] = {
    "1",
    "2026-12-03T14:22:05Z",
    "locked",
    "admin",
    "192.0.2.10",
    "login",
    "ok",
    "-",
    "0000000000000000000000000000000000000000000000000000000000000000",
    "fae53c299f40c441ee79929195e717e9e7972fb3b72db2710d8804fe61b32071"};

/* G1 with field i replaced by v */
static size_t line_with(char *out, size_t cap, int i, const char *v)
{
	size_t n = 0;
	int k;

	for (k = 0; k < 10; k++)
		n += (size_t)snprintf(out + n, cap - n, "%s%s", k ? " " : "",
		                      k == i ? v : base_fields[k]);
	return n;
}

static void expect_parse(const char *line, size_t len, int want_rc, const char *word)
{
	struct tg_audit_rec r;
	uint8_t p[32], h[32];
	char err[200] = "";
	int rc;

	rc = tg_audit_parse_line(line, len, &r, p, h, err, sizeof(err));
	if (rc != want_rc || (word && !strstr(err, word))) {
		fprintf(stderr, "  line '%.*s': rc %d, err '%s', expected %d '%s'\n", (int)len,
		        line, rc, err, want_rc, word ? word : "");
		CHECK(!"parse result");
	}
}

static void test_parse_refusals(void)
{
	static const struct {
		int field;
		const char *value;
		const char *word; /* NULL: accepted */
	} cases[] = {
	    {0, "01", "SEQ: expected a decimal number"},
	    {0, "0", "SEQ"},
	    {0, "-1", "SEQ"},
	    {0, "1a", "SEQ"},
	    {0, "18446744073709551615", NULL},
	    {0, "18446744073709551616", "larger than 2^64 - 1"},
	    {0, "99999999999999999999999", "SEQ"},
	    {1, "2026-02-29T00:00:00Z", "no such date"},
	    {1, "2024-02-29T00:00:00Z", NULL},
	    {1, "2100-02-29T00:00:00Z", "no such date"},
	    {1, "2000-02-29T00:00:00Z", NULL},
	    {1, "2026-04-31T00:00:00Z", "no such date"},
	    {1, "2026-13-01T00:00:00Z", "no such date"},
	    {1, "2026-00-01T00:00:00Z", "no such date"},
	    {1, "2026-12-00T00:00:00Z", "no such date"},
	    {1, "2026-12-03T24:00:00Z", "no such time"},
	    {1, "2026-12-03T23:60:00Z", "no such time"},
	    {1, "2016-12-31T23:59:60Z", "no such time"},
	    {1, "1969-12-31T23:59:59Z", "before 1970"},
	    {1, "2026-12-03t14:22:05z", "expected YYYY-MM-DDTHH:MM:SSZ"},
	    {1, "2026-12-03T14:22:05", "TIME"},
	    {1, "2026-12-03T14:22:05+00:00", "TIME"},
	    {1, "26-12-03T14:22:05Z", "TIME"},
	    {2, "LOCKED", "CLOCKSTATE"},
	    {2, "lock", "CLOCKSTATE"},
	    {2, "holdover", NULL},
	    {2, "failed", NULL},
	    {3, "Admin", "USER"},
	    {3, "--", "USER"},
	    {3, "a01234567890123456789012345678901", "USER"},
	    {4, "192.0.2.256", "ADDR"},
	    {4, "2001:DB8::1", "ADDR"},
	    {4, "::1", NULL},
	    {5, "Login", "ACTION"},
	    {5, "-", "ACTION"},
	    {6, "OK", "RESULT"},
	    {6, "refused", NULL},
	    {6, "failed", "RESULT"},
	    {7, "%41", "written as itself"},
	    {7, "a%2D", "written as itself"},
	    {7, "%2D%2D", "written as itself"},
	    {7, "%2D", NULL},
	    {7, "%2f", "two uppercase hex digits"},
	    {7, "%c3", "two uppercase hex digits"},
	    {7, "%4", "two uppercase hex digits"},
	    {7, "ab%", "two uppercase hex digits"},
	    {7, "%G0", "two uppercase hex digits"},
	    {7, "%25%20%0A%FF", NULL},
	    {8,
	     "0000000000000000000000000000000000000000000000000000000000000000"
	     "0",
	     "PREVHASH: expected 64"},
	    {8, "000000000000000000000000000000000000000000000000000000000000000", "PREVHASH"},
	    {8, "000000000000000000000000000000000000000000000000000000000000000A", "PREVHASH"},
	    {9, "FAE53C299F40C441EE79929195E717E9E7972FB3B72DB2710D8804FE61B32071", "HASH"},
	    {9, "fae53c299f40c441ee79929195e717e9e7972fb3b72db2710d8804fe61b3207g", "HASH"},
	};
	char line[4096];
	size_t n, i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		n = line_with(line, sizeof(line), cases[i].field, cases[i].value);
		expect_parse(line, n, cases[i].word ? -1 : 0, cases[i].word);
	}

	/* DETAIL longer than 512 bytes decoded; 512 is the limit */
	{
		char d[3 * 520 + 1];

		for (i = 0; i < 513; i++)
			memcpy(d + 3 * i, "%25", 4);
		n = line_with(line, sizeof(line), 7, d);
		expect_parse(line, n, -1, "longer than 512");
		d[3 * 512] = '\0';
		n = line_with(line, sizeof(line), 7, d);
		expect_parse(line, n, 0, NULL);
	}

	/* the shape of the line */
	n = line_with(line, sizeof(line), -1, NULL);
	expect_parse(line, n, 0, NULL);
	expect_parse(line, 0, -1, "empty field");
	line[n] = '\n';
	expect_parse(line, n + 1, 0, NULL);
	line[n + 1] = '\n';
	expect_parse(line, n + 2, -1, "byte 0x0a");
	line[n] = '\r';
	expect_parse(line, n + 2, -1, "byte 0x0d");
	line[n] = ' ';
	expect_parse(line, n + 1, -1, "empty field");
	expect_parse(line, n - 65, -1, "9 space-separated fields, expected 10");
	memcpy(line + n, " x", 3);
	expect_parse(line, n + 2, -1, "more than 10");
	n = line_with(line, sizeof(line), -1, NULL);
	line[1] = '\t';
	expect_parse(line, n, -1, "byte 0x09 at offset 1");
	line[1] = ' ';
	memmove(line + 2, line + 1, n);
	expect_parse(line, n + 1, -1, "empty field at offset 2");
	n = line_with(line, sizeof(line), 7, "Z\xc3\xbcrich");
	expect_parse(line, n, -1, "byte 0xc3");
	n = line_with(line, sizeof(line), 7, "a");
	line[n - 70] = '\0';
	expect_parse(line, n, -1, "byte 0x00");
	memset(line, 'a', sizeof(line));
	expect_parse(line, sizeof(line), -1, "line of 4096 bytes");
}

/* ---- DETAIL encoding ----------------------------------------------------- */

static void roundtrip_detail(const char *d, size_t dl, const char *want_field)
{
	struct tg_audit_rec r = base_rec(), back;
	char out[TG_AUDIT_LINE_MAX + 1], err[200] = "";
	uint8_t h[32], p[32], h2[32];
	size_t i, spaces = 0;
	int n;

	tg_audit_set_detail(&r, d, dl);
	n = tg_audit_format(&r, zeros, out, sizeof(out), h, err, sizeof(err));
	CHECK(n > 0 && n <= TG_AUDIT_LINE_MAX);
	if (n <= 0)
		return;
	for (i = 0; i + 1 < (size_t)n; i++) {
		CHECK(out[i] >= 0x20 && out[i] < 0x7f);
		spaces += out[i] == ' ';
	}
	CHECK_EQ_INT(spaces, 9);
	CHECK_EQ_INT(out[n - 1], '\n');
	if (want_field) {
		char f[64];

		snprintf(f, sizeof(f), " %s ", want_field);
		CHECK(contains(out, f));
	}
	CHECK_EQ_INT(tg_audit_parse_line(out, (size_t)n, &back, p, h2, err, sizeof(err)), 0);
	CHECK_EQ_INT(back.detail_len, dl);
	CHECK(memcmp(back.detail, d, dl) == 0);
	CHECK(same_rec(&r, &back));
	CHECK(memcmp(h, h2, 32) == 0);
}

static void test_detail_roundtrip(void)
{
	char all[256], big[TG_AUDIT_DETAIL_MAX];
	int i;

	roundtrip_detail("", 0, "ok -");
	roundtrip_detail("-", 1, "%2D");
	roundtrip_detail("--", 2, "--");
	roundtrip_detail("a b%", 4, "a%20b%25");
	roundtrip_detail("line1\nline2\r\n\t", 14, "line1%0Aline2%0D%0A%09");
	roundtrip_detail("100%", 4, "100%25");
	roundtrip_detail("%41", 3, "%2541");
	roundtrip_detail("Z\xc3\xbcrich \xe6\x97\xa5\xe6\x9c\xac \xe2\x9c\x93", 18,
	                 "Z%C3%BCrich%20%E6%97%A5%E6%9C%AC%20%E2%9C%93");
	roundtrip_detail("a\0b", 3, "a%00b");
	roundtrip_detail("~!\"#$&'()*+,-./:;<=>?@[\\]^_`{|}", 31, NULL);
	for (i = 0; i < 256; i++)
		all[i] = (char)i;
	roundtrip_detail(all, 256, NULL);
	memset(big, 0xff, sizeof(big));
	roundtrip_detail(big, sizeof(big), NULL); /* the longest possible line */
	memset(big, '%', sizeof(big));
	roundtrip_detail(big, sizeof(big), NULL);
	for (i = 0; i < 300; i++) {
		size_t k, dl = check_rand() % (TG_AUDIT_DETAIL_MAX + 1);

		for (k = 0; k < dl; k++)
			big[k] = (char)check_rand();
		roundtrip_detail(big, dl, NULL);
	}
}

static void test_set_detail(void)
{
	struct tg_audit_rec r;
	char src[600];

	memset(src, 'q', sizeof(src));
	memset(&r, 0x55, sizeof(r));
	CHECK_EQ_INT(tg_audit_set_detail(&r, src, sizeof(src)), 1);
	CHECK_EQ_INT(r.detail_len, TG_AUDIT_DETAIL_MAX);
	CHECK_EQ_INT(r.detail[TG_AUDIT_DETAIL_MAX], 0);
	CHECK_EQ_INT(tg_audit_set_detail(&r, src, TG_AUDIT_DETAIL_MAX), 0);
	CHECK_EQ_INT(r.detail_len, TG_AUDIT_DETAIL_MAX);
	CHECK_EQ_INT(tg_audit_set_detail(&r, NULL, 0), 0);
	CHECK_EQ_INT(r.detail_len, 0);
	CHECK_EQ_INT(r.detail[0], 0);
}

/* ---- time stamps against gmtime_r ---------------------------------------- */

static void check_time(int64_t t)
{
	struct tg_audit_rec r = base_rec(), back;
	char out[TG_AUDIT_LINE_MAX + 1], want[40], err[200];
	uint8_t h[32], p[32];
	struct tm tm;
	time_t tt = (time_t)t;

	r.time = t;
	if (tg_audit_format(&r, zeros, out, sizeof(out), h, err, sizeof(err)) <= 0 ||
	    !gmtime_r(&tt, &tm)) {
		CHECK(!"format or gmtime_r");
		return;
	}
	strftime(want, sizeof(want), " %Y-%m-%dT%H:%M:%SZ ", &tm);
	if (strncmp(out + 1, want, 22) != 0) {
		fprintf(stderr, "  time %lld: '%.22s', gmtime_r '%s'\n", (long long)t, out + 1,
		        want);
		CHECK(!"time stamp");
	}
	CHECK_EQ_INT(tg_audit_parse_line(out, strlen(out), &back, p, h, err, sizeof(err)), 0);
	CHECK_EQ_INT(back.time, t);
}

static void test_time(void)
{
	static const int64_t fixed[] = {0,
	                                59,
	                                86399,
	                                86400,
	                                951782400,
	                                951868799,
	                                4107542399LL,
	                                4107542400LL,
	                                1796307725,
	                                253402214400LL,
	                                TG_AUDIT_TIME_MAX};
	size_t i;

	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		check_time(fixed[i]);
	for (i = 0; i < 3000; i++)
		check_time((int64_t)(check_rand() % (TG_AUDIT_TIME_MAX + 1)));
}

/* ---- addresses as inet_ntop writes them ---------------------------------- */

static void test_addr_ntop(void)
{
	struct tg_audit_rec r, back;
	char out[TG_AUDIT_LINE_MAX + 1], err[200];
	uint8_t a[16], h[32], p[32];
	int i, k, bad = 0;

	for (i = 0; i < 4000; i++) {
		int v6 = i % 4 != 0;

		for (k = 0; k < 16; k++)
			a[k] = (uint8_t)check_rand();
		if (v6) {
			/* zero runs of random length and place, and the mapped/compat forms */
			for (k = 0; k < 8; k++)
				if (check_rand() % 3 == 0)
					a[2 * k] = a[2 * k + 1] = 0;
			if (i % 10 == 1) {
				memset(a, 0, 10);
				a[10] = a[11] = 0xff;
			} else if (i % 10 == 3) {
				memset(a, 0, 12);
			}
		}
		r = base_rec();
		if (!inet_ntop(v6 ? AF_INET6 : AF_INET, a, r.addr, sizeof(r.addr))) {
			CHECK(!"inet_ntop");
			return;
		}
		if (tg_audit_format(&r, zeros, out, sizeof(out), h, err, sizeof(err)) <= 0 ||
		    tg_audit_parse_line(out, strlen(out), &back, p, h, err, sizeof(err)) != 0 ||
		    strcmp(back.addr, r.addr) != 0) {
			if (bad++ < 5)
				fprintf(stderr, "  address '%s': %s\n", r.addr, err);
		}
	}
	CHECK_EQ_INT(bad, 0);
}

/* ---- append --------------------------------------------------------------- */

static int temp_file(char *path, size_t cap)
{
	int fd;

	snprintf(path, cap, "/tmp/tg-test-audit.XXXXXX");
	fd = mkostemp(path, O_APPEND | O_CLOEXEC); /* as the daemon opens it */
	if (fd < 0) {
		perror("mkostemp");
		CHECK(!"mkostemp");
	}
	return fd;
}

static size_t read_back(const char *path, char *buf, size_t cap)
{
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	n = read(fd, buf, cap);
	close(fd);
	return n > 0 ? (size_t)n : 0;
}

static void test_append(void)
{
	char path[64], buf[4096];
	int wfd;

	wfd = temp_file(path, sizeof(path));
	if (wfd < 0)
		return;
	CHECK_EQ_INT(tg_audit_append(wfd, G1, strlen(G1)), 0);
	CHECK_EQ_INT(tg_audit_append(wfd, G2, strlen(G2)), 0);

	/* refused before anything is written */
	errno = 0;
	CHECK_EQ_INT(tg_audit_append(wfd, G3, strlen(G3) - 1), -1); /* no newline */
	CHECK_EQ_INT(errno, EINVAL);
	errno = 0;
	CHECK_EQ_INT(tg_audit_append(wfd, G1 G2, strlen(G1 G2)), -1); /* two lines */
	CHECK_EQ_INT(errno, EINVAL);
	errno = 0;
	CHECK_EQ_INT(tg_audit_append(wfd, "", 0), -1);
	CHECK_EQ_INT(errno, EINVAL);

	CHECK_EQ_INT(tg_audit_append(wfd, G3, strlen(G3)), 0);
	close(wfd);
	CHECK_EQ_INT(read_back(path, buf, sizeof(buf)), strlen(GOLDEN));
	CHECK(memcmp(buf, GOLDEN, strlen(GOLDEN)) == 0);

	errno = 0;
	CHECK_EQ_INT(tg_audit_append(-1, G1, strlen(G1)), -1);
	CHECK_EQ_INT(errno, EBADF);
	unlink(path);
}

/*
 * A write that stops half-way (here: the file size limit, EFBIG) must not
 * leave half a line behind: the file is cut back to where it was.
 */
static void test_append_short_write(void)
{
	struct rlimit old, lim;
	char path[64], buf[4096];
	int fd, rc, saved;
	void (*oldsig)(int);

	fd = temp_file(path, sizeof(path));
	if (fd < 0)
		return;
	CHECK_EQ_INT(tg_audit_append(fd, G1, strlen(G1)), 0);
	CHECK_EQ_INT(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim = old;
	lim.rlim_cur = strlen(G1) + 10;
	oldsig = signal(SIGXFSZ, SIG_IGN);
	CHECK_EQ_INT(setrlimit(RLIMIT_FSIZE, &lim), 0);
	errno = 0;
	rc = tg_audit_append(fd, G2, strlen(G2));
	saved = errno;
	setrlimit(RLIMIT_FSIZE, &old);
	signal(SIGXFSZ, oldsig);
	CHECK_EQ_INT(rc, -1);
	CHECK_EQ_INT(saved, EFBIG);
	close(fd);
	CHECK_EQ_INT(read_back(path, buf, sizeof(buf)), strlen(G1));
	CHECK(memcmp(buf, G1, strlen(G1)) == 0);
	unlink(path);
}

int main(void)
{
	check_seed();
	RUN(test_golden_format);
	RUN(test_golden_parse);
	RUN(test_golden_verify);
	RUN(test_empty);
	RUN(test_chain);
	RUN(test_flip_every_byte);
	RUN(test_delete_middle);
	RUN(test_swap);
	RUN(test_edit);
	RUN(test_torn);
	RUN(test_broken_middle_and_torn_tail);
	RUN(test_format_refusals);
	RUN(test_parse_refusals);
	RUN(test_detail_roundtrip);
	RUN(test_set_detail);
	RUN(test_time);
	RUN(test_addr_ntop);
	RUN(test_append);
	RUN(test_append_short_write);
	return check_exit();
}
