/*
 * test_totp.c - lib/totp.c: base32 against RFC 4648 section 10 and every
 * refusal; HOTP against RFC 4226 appendix D; TOTP against RFC 6238
 * appendix B (SHA-1 and SHA-256); the TOTP check's window, replay guard
 * and malformed codes; the otpauth:// URI.
 *
 * totp.c is included to check the branch-free character maps against
 * plain tables for all 256 bytes.
 */
#include "check.h"

#include <ctype.h>

#include "../../services/lib/totp.c"

static const uint8_t rfc_key[] = "12345678901234567890"; /* 20 bytes + NUL */
#define RFC_KEY rfc_key, 20

static void test_b32_maps(void)
{
	static const char alpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
	const char *p;
	int c;

	for (c = 0; c < 256; c++) {
		p = c ? strchr(alpha, toupper(c)) : NULL;
		CHECK_EQ_INT(b32_val((unsigned char)c), p ? (int)(p - alpha) : -1);
	}
	for (c = 0; c < 32; c++)
		CHECK_EQ_INT(b32_chr((uint32_t)c), alpha[c]);
}

static void test_base32_rfc4648(void)
{
	static const struct {
		const char *raw, *enc, *padded;
	} v[] = {
	    {"", "", ""},
	    {"f", "MY", "MY======"},
	    {"fo", "MZXQ", "MZXQ===="},
	    {"foo", "MZXW6", "MZXW6==="},
	    {"foob", "MZXW6YQ", "MZXW6YQ="},
	    {"fooba", "MZXW6YTB", "MZXW6YTB"},
	    {"foobar", "MZXW6YTBOI", "MZXW6YTBOI======"},
	};
	char out[32], lower[32];
	uint8_t bin[16];
	size_t i, k, n;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		n = strlen(v[i].raw);
		memset(out, 'x', sizeof(out));
		CHECK_EQ_INT(tg_base32_encode((const uint8_t *)v[i].raw, n, out, sizeof(out)),
		             strlen(v[i].enc));
		CHECK_EQ_STR(out, v[i].enc);
		memset(bin, 0, sizeof(bin));
		CHECK_EQ_INT(tg_base32_decode(v[i].enc, strlen(v[i].enc), bin, sizeof(bin)), n);
		CHECK(memcmp(bin, v[i].raw, n) == 0);
		memset(bin, 0, sizeof(bin));
		CHECK_EQ_INT(tg_base32_decode(v[i].padded, strlen(v[i].padded), bin, sizeof(bin)),
		             n);
		CHECK(memcmp(bin, v[i].raw, n) == 0);
		for (k = 0; v[i].padded[k]; k++)
			lower[k] = (char)tolower((unsigned char)v[i].padded[k]);
		memset(bin, 0, sizeof(bin));
		CHECK_EQ_INT(tg_base32_decode(lower, k, bin, sizeof(bin)), n);
		CHECK(memcmp(bin, v[i].raw, n) == 0);
	}
	/* the RFC 4226 key as apps show it; all 32 characters in one string */
	CHECK_EQ_INT(tg_base32_encode(RFC_KEY, out, sizeof(out)), -1); /* 32 + NUL needed */
	{
		char o[64];
		uint8_t all[20];

		CHECK_EQ_INT(tg_base32_encode(RFC_KEY, o, sizeof(o)), 32);
		CHECK_EQ_STR(o, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
		CHECK_EQ_INT(
		    tg_base32_decode("AAAQEAYEAUDAOCAJBIFQYDIOB4IBCEQT", 32, all, sizeof(all)), 20);
		for (i = 0; i < 20; i++)
			CHECK_EQ_INT(all[i], i);
		CHECK_EQ_INT(tg_base32_decode("77777777", 8, all, sizeof(all)), 5);
		CHECK(memcmp(all, "\xff\xff\xff\xff\xff", 5) == 0);
	}
}

static void test_base32_refusals(void)
{
	static const char *const bad[] = {
	    "M", /* 1, 3, 6 characters cannot end on a byte */
	    "MZX",        "MZXW6Y",    "MZXW6YTBM",
	    "MZXW 6YTB", /* spaces */
	    " MZXW6YTB",  "MZXW6YTB ", "MZXW6YT\n",
	    "MZXW-6YTB",  "MZXW6YT0", /* 0, 1, 8, 9 are not in the alphabet */
	    "MZXW6YT1",   "MZXW6YT8",  "MZXW6YT9",
	    "MZXW6YT@", /* the neighbours of the ranges */
	    "MZXW6YT[",   "MZXW6YT`",  "MZXW6YT{",
	    "MY==MZXQ",          /* '=' only at the end */
	    "=MZXW6YT",   "MY=", /* padding, if any, exactly to a multiple of 8 */
	    "MY=====",    "MY=======", "MZXW6YTB========", /* no padding after a full group */
	    "========",   "=",         "MZXQ===",
	    "MZXQ=====",  "MZ", /* unused bits set: "f" is MY only */
	    "MZXR",       "MZXW7",     "MZXW6YR",
	    "MZXW6YTBOJ",
	};
	uint8_t out[32];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(out, 0x55, sizeof(out));
		if (tg_base32_decode(bad[i], strlen(bad[i]), out, sizeof(out)) != -1) {
			fprintf(stderr, "  accepted \"%s\"\n", bad[i]);
			CHECK(0);
		}
	}
	/* a NUL is just a byte outside the alphabet */
	CHECK_EQ_INT(tg_base32_decode("MZX\0W6YT", 8, out, sizeof(out)), -1);
	/* a refused secret does not stay half-decoded in out */
	memset(out, 0x55, sizeof(out));
	CHECK_EQ_INT(tg_base32_decode("MZXW6YT1", 8, out, sizeof(out)), -1);
	CHECK(out[0] == 0 && out[4] == 0);
	/* room: exactly enough, one short */
	CHECK_EQ_INT(tg_base32_decode("MZXW6YTBOI", 10, out, 6), 6);
	CHECK_EQ_INT(tg_base32_decode("MZXW6YTBOI", 10, out, 5), -1);
	CHECK_EQ_INT(tg_base32_decode("", 0, NULL, 0), 0);
	/* encode: room for the characters and the NUL */
	{
		char o[16];

		memset(o, 'x', sizeof(o));
		CHECK_EQ_INT(tg_base32_encode((const uint8_t *)"foobar", 6, o, 10), -1);
		CHECK_EQ_INT(o[0], '\0');
		CHECK_EQ_INT(tg_base32_encode((const uint8_t *)"foobar", 6, o, 11), 10);
		CHECK_EQ_STR(o, "MZXW6YTBOI");
		CHECK_EQ_INT(tg_base32_encode((const uint8_t *)"", 0, o, 1), 0);
		CHECK_EQ_INT(tg_base32_encode((const uint8_t *)"", 0, o, 0), -1);
	}
}

static void test_base32_round_trip(void)
{
	uint8_t in[64], back[64];
	char enc[TG_BASE32_LEN(64) + 8];
	int round, n, k;
	size_t i, len;

	check_seed();
	for (round = 0; round < 3000; round++) {
		len = (size_t)(check_rand() % (sizeof(in) + 1));
		for (i = 0; i < len; i++)
			in[i] = (uint8_t)check_rand();
		n = tg_base32_encode(in, len, enc, sizeof(enc));
		CHECK_EQ_INT(n, TG_BASE32_LEN(len));
		CHECK_EQ_INT(tg_base32_decode(enc, (size_t)n, back, sizeof(back)), len);
		CHECK(memcmp(back, in, len) == 0);
		/* padded to a multiple of 8, and in lower case: the same bytes */
		for (k = n; k % 8; k++)
			enc[k] = '=';
		for (i = 0; i < (size_t)n; i++)
			enc[i] = (char)tolower((unsigned char)enc[i]);
		memset(back, 0, sizeof(back));
		CHECK_EQ_INT(tg_base32_decode(enc, (size_t)k, back, sizeof(back)), len);
		CHECK(memcmp(back, in, len) == 0);
	}
}

static void test_hotp_rfc4226(void)
{
	/* RFC 4226 appendix D */
	static const uint32_t want[10] = {755224, 287082, 359152, 969429, 338314,
	                                  254676, 287922, 162583, 399871, 520489};
	uint64_t c;

	for (c = 0; c < 10; c++)
		CHECK_EQ_INT(tg_hotp(RFC_KEY, c, 6), want[c]);
	/* digit counts outside 6..9 give a value no code can equal */
	CHECK_EQ_INT(tg_hotp(RFC_KEY, 0, 5), UINT32_MAX);
	CHECK_EQ_INT(tg_hotp(RFC_KEY, 0, 10), UINT32_MAX);
	CHECK_EQ_INT(tg_hotp(RFC_KEY, 0, 0), UINT32_MAX);
	CHECK_EQ_INT(tg_hotp(RFC_KEY, 0, -6), UINT32_MAX);
	/* 9 digits: the 31-bit value modulo 10^9 (RFC 4226 D: 0x4c93cf18 for counter 0) */
	CHECK_EQ_INT(tg_hotp(RFC_KEY, 0, 9), 0x4c93cf18u % 1000000000u);
}

static void test_totp_rfc6238(void)
{
	/* RFC 6238 appendix B, 8 digits, T0 = 0, X = 30 */
	static const struct {
		int64_t t;
		uint32_t sha1, sha256;
	} v[] = {
	    {59, 94287082, 46119246},         {1111111109, 7081804, 68084774},
	    {1111111111, 14050471, 67062674}, {1234567890, 89005924, 91819424},
	    {2000000000, 69279037, 90698825}, {20000000000, 65353130, 77737706},
	};
	static const uint8_t key256[] = "12345678901234567890123456789012";
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		CHECK_EQ_INT(tg_hotp(RFC_KEY, (uint64_t)(v[i].t / 30), 8), v[i].sha1);
		CHECK_EQ_INT(tg_hotp_sha256(key256, 32, (uint64_t)(v[i].t / 30), 8), v[i].sha256);
	}
}

/* the 6-digit code of step s for the RFC key */
static void code_of(uint64_t s, char out[7])
{
	snprintf(out, 7, "%06u", (unsigned)tg_hotp(RFC_KEY, s, 6));
}

static void test_totp_check_vectors(void)
{
	int64_t last;

	/* the RFC 6238 times, last 6 digits of their 8-digit codes */
	last = -1;
	CHECK_EQ_INT(tg_totp_check(RFC_KEY, 59, "287082", 6, &last), 1);
	CHECK_EQ_INT(last, 1);
	last = -1;
	CHECK_EQ_INT(tg_totp_check(RFC_KEY, 1111111111, "050471", 6, &last), 1);
	CHECK_EQ_INT(last, 37037037);
	last = -1;
	CHECK_EQ_INT(tg_totp_check(RFC_KEY, 20000000000, "353130", 6, &last), 1);
	CHECK_EQ_INT(last, 666666666);
	/* a wrong code, off by one in the last digit */
	last = -1;
	CHECK_EQ_INT(tg_totp_check(RFC_KEY, 59, "287083", 6, &last), 0);
	CHECK_EQ_INT(last, -1);
}

static void test_totp_window(void)
{
	char c1[7], c2[7], c3[7];
	int64_t last, now;

	code_of(1, c1); /* valid for 30..59 */
	/* accepted one step early (0..29) and one step late (60..89), not beyond */
	for (now = 0; now < 150; now++) {
		last = -1;
		CHECK_EQ_INT(tg_totp_check(RFC_KEY, now, c1, 6, &last), now < 90 ? 1 : 0);
		CHECK_EQ_INT(last, now < 90 ? 1 : -1);
	}
	code_of(5, c1); /* valid for 150..179 */
	last = -1;
	CHECK_EQ_INT(tg_totp_check(RFC_KEY, 119, c1, 6, &last), 0);
	CHECK_EQ_INT(tg_totp_check(RFC_KEY, 120, c1, 6, &last), 1);
	last = -1;
	CHECK_EQ_INT(tg_totp_check(RFC_KEY, 209, c1, 6, &last), 1);
	last = -1;
	CHECK_EQ_INT(tg_totp_check(RFC_KEY, 210, c1, 6, &last), 0);
	/* step 0 has no step -1: the check does not wrap to 2^64 - 1 */
	code_of(UINT64_MAX, c1);
	CHECK(strcmp(c1, "755224") != 0 && strcmp(c1, "287082") != 0);
	last = -1;
	CHECK_EQ_INT(tg_totp_check(RFC_KEY, 5, c1, 6, &last), 0);
	/* no time before the epoch */
	code_of(0, c1);
	last = -1;
	CHECK_EQ_INT(tg_totp_check(RFC_KEY, -1, c1, 6, &last), 0);
	CHECK_EQ_INT(tg_totp_check(RFC_KEY, -30, c1, 6, &last), 0);
	CHECK_EQ_INT(last, -1);

	/* the latest matching step counts: the code of now+1 moves last there */
	now = 1000 * 30 + 7;
	code_of(1001, c3);
	code_of(1000, c2);
	code_of(999, c1);
	last = -1;
	CHECK_EQ_INT(tg_totp_check(RFC_KEY, now, c3, 6, &last), 1);
	CHECK_EQ_INT(last, 1001);
	/* so now's and the previous step's codes are spent as well */
	CHECK_EQ_INT(tg_totp_check(RFC_KEY, now, c2, 6, &last), 0);
	CHECK_EQ_INT(tg_totp_check(RFC_KEY, now, c1, 6, &last), 0);
	CHECK_EQ_INT(last, 1001);
}

static void test_totp_replay(void)
{
	char c_prev[7], c_now[7];
	int64_t last = -1, now = 31 * 30 + 12;

	code_of(30, c_prev);
	code_of(31, c_now);
	CHECK_EQ_INT(tg_totp_check(RFC_KEY, now, c_prev, 6, &last), 1);
	CHECK_EQ_INT(last, 30);
	/* the same code again, at once or later in its window: refused */
	CHECK_EQ_INT(tg_totp_check(RFC_KEY, now, c_prev, 6, &last), 0);
	CHECK_EQ_INT(tg_totp_check(RFC_KEY, now + 10, c_prev, 6, &last), 0);
	CHECK_EQ_INT(last, 30);
	/* a newer step is still fine, and then spent */
	CHECK_EQ_INT(tg_totp_check(RFC_KEY, now, c_now, 6, &last), 1);
	CHECK_EQ_INT(last, 31);
	CHECK_EQ_INT(tg_totp_check(RFC_KEY, now, c_now, 6, &last), 0);
	/* an older code after a newer one: refused although inside the window */
	last = 31;
	CHECK_EQ_INT(tg_totp_check(RFC_KEY, now, c_prev, 6, &last), 0);
	/* a last step from the future (clock stepped back) refuses everything up to it */
	last = 1000;
	CHECK_EQ_INT(tg_totp_check(RFC_KEY, now, c_now, 6, &last), 0);
	CHECK_EQ_INT(last, 1000);
}

static void test_totp_malformed(void)
{
	static const char *const bad[] = {
	    "",
	    "1",
	    "12345",
	    "1234567",
	    "12345a",
	    "a23456",
	    " 12345",
	    "12345 ",
	    "12 345",
	    "+12345",
	    "-12345",
	    "12345\n",
	    "0x1234",
	    "１２３",
	    "\xd9\xa1\xd9\xa2\xd9\xa3", /* Arabic-Indic digits: 6 bytes, 3 characters */
	};
	char code[7];
	int64_t last = 5;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_EQ_INT(tg_totp_check(RFC_KEY, 200, bad[i], strlen(bad[i]), &last), -1);
	/* a NUL counts as a character of the code */
	CHECK_EQ_INT(tg_totp_check(RFC_KEY, 200,
	                           "123\0"
	                           "56",
	                           6, &last),
	             -1);
	/* the length passed is what counts, not the NUL */
	code_of(6, code);
	CHECK_EQ_INT(tg_totp_check(RFC_KEY, 200, code, 5, &last), -1);
	CHECK_EQ_INT(last, 5);
	/* malformed wins over a bad key: the caller can tell typos apart */
	CHECK_EQ_INT(tg_totp_check(rfc_key, 15, 200, "12345", 5, &last), -1);
	CHECK_EQ_INT(tg_totp_check(RFC_KEY, 200, code, 6, &last), 1);
	CHECK_EQ_INT(last, 6);
}

static void test_totp_short_key(void)
{
	uint8_t key[16] = {1, 2, 3};
	char code[7];
	int64_t last = -1;

	/* 15 bytes: even the right code is refused */
	snprintf(code, sizeof(code), "%06u", (unsigned)tg_hotp(key, 15, 10, 6));
	CHECK_EQ_INT(tg_totp_check(key, 15, 300, code, 6, &last), 0);
	CHECK_EQ_INT(tg_totp_check(key, 0, 300, "000000", 6, &last), 0);
	CHECK_EQ_INT(last, -1);
	/* 16 bytes: accepted */
	snprintf(code, sizeof(code), "%06u", (unsigned)tg_hotp(key, 16, 10, 6));
	CHECK_EQ_INT(tg_totp_check(key, 16, 300, code, 6, &last), 1);
	CHECK_EQ_INT(last, 10);
}

static void test_totp_uri(void)
{
	static const char want[] =
	    "otpauth://totp/Timegate:admin%40tg-01?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
	    "&issuer=Timegate&algorithm=SHA1&digits=6&period=30";
	char out[512];
	size_t n = sizeof(want) - 1;

	CHECK_EQ_INT(tg_totp_uri("Timegate", "admin@tg-01", RFC_KEY, out, sizeof(out)), n);
	CHECK_EQ_STR(out, want);
	/* exactly enough room, one short (and then no part of the secret is left) */
	CHECK_EQ_INT(tg_totp_uri("Timegate", "admin@tg-01", RFC_KEY, out, n + 1), n);
	CHECK_EQ_STR(out, want);
	CHECK_EQ_INT(tg_totp_uri("Timegate", "admin@tg-01", RFC_KEY, out, n), -1);
	CHECK(memchr(out, 'G', n) == NULL);
	CHECK_EQ_INT(tg_totp_uri("Timegate", "admin@tg-01", RFC_KEY, out, 50), -1);
	CHECK(memchr(out, 'G', 50) == NULL);
	CHECK_EQ_INT(tg_totp_uri("Timegate", "admin@tg-01", RFC_KEY, out, 0), -1);

	/* percent-encoding: space, UTF-8, reserved characters; unreserved kept */
	CHECK(tg_totp_uri("ACME Co", "Z\xc3\xbcrich&?/#=+%", RFC_KEY, out, sizeof(out)) > 0);
	CHECK_EQ_STR(out, "otpauth://totp/ACME%20Co:Z%C3%BCrich%26%3F%2F%23%3D%2B%25"
	                  "?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=ACME%20Co"
	                  "&algorithm=SHA1&digits=6&period=30");
	CHECK(tg_totp_uri("a-b.c_d~e", "x", RFC_KEY, out, sizeof(out)) > 0);
	CHECK(strncmp(out, "otpauth://totp/a-b.c_d~e:x?", 27) == 0);

	/* refusals */
	CHECK_EQ_INT(tg_totp_uri("Time:gate", "admin", RFC_KEY, out, sizeof(out)), -1);
	CHECK_EQ_INT(tg_totp_uri("Timegate", "ad:min", RFC_KEY, out, sizeof(out)), -1);
	CHECK_EQ_INT(tg_totp_uri("", "admin", RFC_KEY, out, sizeof(out)), -1);
	CHECK_EQ_INT(tg_totp_uri("Timegate", "", RFC_KEY, out, sizeof(out)), -1);
	CHECK_EQ_INT(tg_totp_uri(NULL, "admin", RFC_KEY, out, sizeof(out)), -1);
	CHECK_EQ_INT(tg_totp_uri("Timegate", NULL, RFC_KEY, out, sizeof(out)), -1);
	CHECK_EQ_INT(tg_totp_uri("Timegate", "admin", rfc_key, 15, out, sizeof(out)), -1);
	CHECK_EQ_INT(out[0], '\0');
}

int main(void)
{
	RUN(test_b32_maps);
	RUN(test_base32_rfc4648);
	RUN(test_base32_refusals);
	RUN(test_base32_round_trip);
	RUN(test_hotp_rfc4226);
	RUN(test_totp_rfc6238);
	RUN(test_totp_check_vectors);
	RUN(test_totp_window);
	RUN(test_totp_replay);
	RUN(test_totp_malformed);
	RUN(test_totp_short_key);
	RUN(test_totp_uri);
	return check_exit();
}
