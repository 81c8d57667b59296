/*
 * test_passwd.c - lib/passwd.c: PBKDF2-HMAC-SHA256 against the published
 * vectors (RFC 7914 section 11, RFC 6070-style SHA-256 vectors) and
 * Python's hashlib; the stored form byte for byte against strings made by
 * Python (hashlib + base64, passlib's ab64); every refusal of the parser;
 * verify with right and wrong passwords; the iteration bounds; the policy.
 *
 * passwd.c is included to reach the ab64 codec, which is checked against
 * a plain table implementation for every character and random data.
 * Iteration counts stay at the minimum (100000) except one 600000 verify.
 */
#include "check.h"

#include "../../services/lib/passwd.c"

static const char ab64_alpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789./";

static void unhex(const char *h, uint8_t *out, size_t n)
{
	size_t i;
	unsigned v;

	for (i = 0; i < n; i++) {
		sscanf(h + 2 * i, "%2x", &v);
		out[i] = (uint8_t)v;
	}
}

static int pbkdf2_is(const char *pw, size_t pwlen, const char *salt, size_t saltlen, uint32_t iter,
                     const char *hex)
{
	uint8_t got[80], want[80];
	size_t n = strlen(hex) / 2;

	unhex(hex, want, n);
	memset(got, 0xaa, sizeof(got));
	tg_pbkdf2_sha256((const uint8_t *)pw, pwlen, (const uint8_t *)salt, saltlen, iter, got, n);
	/* nothing written past outlen */
	return memcmp(got, want, n) == 0 && got[n] == 0xaa;
}

static void test_pbkdf2_vectors(void)
{
	uint8_t longpw[100];
	size_t i;

	/* RFC 7914 section 11 */
	CHECK(pbkdf2_is("passwd", 6, "salt", 4, 1,
	                "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc"
	                "49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783"));
	CHECK(pbkdf2_is("Password", 8, "NaCl", 4, 80000,
	                "4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56"
	                "a1d425a1225833549adb841b51c9b3176a272bdebba1d078478f62b397f33c8d"));
	/* the RFC 6070 inputs with SHA-256 (widely published, e.g. RFC 7914 errata, Go's tests) */
	CHECK(pbkdf2_is("password", 8, "salt", 4, 1,
	                "120fb6cffcf8b32c43e7225256c4f837a86548c92ccc35480805987cb70be17b"));
	CHECK(pbkdf2_is("password", 8, "salt", 4, 2,
	                "ae4d0c95af6b46d32d0adff928f06dd02a303f8ef3c251dfd6e2d85a95474c43"));
	CHECK(pbkdf2_is("password", 8, "salt", 4, 4096,
	                "c5e478d59288c841aa530db6845c4c8d962893a001ce4e11a4963873aa98134a"));
	CHECK(pbkdf2_is("passwordPASSWORDpassword", 24, "saltSALTsaltSALTsaltSALTsaltSALTsalt", 36,
	                4096,
	                "348c89dbcbd32b2f32d814b8116e84cf2b17347ebc1800181c4e2a1fb8dd53e1"
	                "c635518c7dac47e9"));
	CHECK(pbkdf2_is("pass\0word", 9, "sa\0lt", 5, 4096, "89b69d0516f829893c696226650a8687"));
	/* hashlib: empty password and salt; a password longer than the block
	 * (hashed first), three output blocks, the last partial */
	CHECK(pbkdf2_is("", 0, "", 0, 1,
	                "f7ce0b653d2d72a4108cf5abe912ffdd777616dbbb27a70e8204f3ae2d0f6fad"));
	for (i = 0; i < sizeof(longpw); i++)
		longpw[i] = (uint8_t)(i * 7 + 3);
	CHECK(pbkdf2_is((const char *)longpw, sizeof(longpw), "\x01", 1, 3,
	                "0d8310d4361c57833ab9634fd356174aa75796babc78c72b0bbb4a20bc525cd0"
	                "6eabf874bafafb96e4b5693e6d081d188d7a0cfa7b9cbaae9d88537079f42aad66"));
}

static void test_ab64_codec(void)
{
	uint8_t in[32], out[32];
	char enc[64], ref[64];
	size_t i, n, k;
	int c, iter;
	uint32_t acc;
	unsigned bits;

	for (c = 0; c < 256; c++) {
		const char *p = c ? strchr(ab64_alpha, c) : NULL;

		CHECK_EQ_INT(ab64_val((unsigned char)c), p ? (int)(p - ab64_alpha) : -1);
	}
	for (c = 0; c < 64; c++)
		CHECK_EQ_INT(ab64_chr((uint32_t)c), ab64_alpha[c]);

	check_seed();
	for (iter = 0; iter < 2000; iter++) {
		n = 1 + (size_t)(check_rand() % sizeof(in));
		for (i = 0; i < n; i++)
			in[i] = (uint8_t)check_rand();
		/* reference: standard base64 bit order, '.' for '+', no padding */
		acc = 0;
		bits = 0;
		k = 0;
		for (i = 0; i < n; i++) {
			acc = (acc << 8) | in[i];
			bits += 8;
			while (bits >= 6) {
				bits -= 6;
				ref[k++] = ab64_alpha[(acc >> bits) & 63];
			}
		}
		if (bits)
			ref[k++] = ab64_alpha[(acc << (6 - bits)) & 63];
		CHECK_EQ_INT(ab64_encode(in, n, enc), k);
		CHECK(memcmp(enc, ref, k) == 0);
		memset(out, 0, sizeof(out));
		CHECK_EQ_INT(ab64_field(enc, 0, k, "x", out, n, NULL, 0), 0);
		CHECK(memcmp(out, in, n) == 0);
	}
}

/* Made by Python: hashlib.pbkdf2_hmac + base64.b64encode, '+' -> '.', '=' stripped */
#define PY1_PW   "correct horse battery staple"
#define PY1_SALT "\xa0\xa1\xa2\xa3\xa4\xa5\xa6\xa7\xa8\xa9\xaa\xab\xac\xad\xae\xaf"
#define PY1                                                                                        \
	"$pbkdf2-sha256$100000$oKGio6SlpqeoqaqrrK2urw$bPBPUw0uXr5n.2QfECaplbn/Db1jqrFH/CzvlJTymE4"
#define PY2_PW                                                                                     \
	"p\xc3\xa4ssw\xc3\xb6rd \xc3\xbcn\xc3\xaf"                                                 \
	"code" /* "pässwörd ünïcode" */
#define PY2_SALT "\xfb\x7f\xf7\xbf\x3e\xf7\xff\x7d\xf3\xef\xf8\xff\xfb\xef\xbf\xfe"
#define PY2                                                                                        \
	"$pbkdf2-sha256$100001$.3/3vz73/33z7/j/...//g$XRu/v1aQ5hU3o0AvwLGLbpdI4jq44Kkpj5H5phx2YC0"
#define PY600_PW "Timegate console 600k"
#define PY600                                                                                      \
	"$pbkdf2-sha256$600000$AAECAwQFBgcICQoLDA0ODw$EX/g3qHLWD1lcZK80ysY6MKOHNs1ia3yiaNxQRbP1tk"

static void test_hash_stored_form(void)
{
	char out[TG_PASSWD_STR_BUF];
	uint8_t salt[16], hash[32], want[32];
	uint32_t iter;
	char err[160];

	/* exactly the room needed (length + NUL) is enough */
	CHECK_EQ_INT(tg_passwd_hash(PY1_PW, strlen(PY1_PW), (const uint8_t *)PY1_SALT,
	                            TG_PASSWD_ITER_MIN, out, strlen(PY1) + 1),
	             strlen(PY1));
	CHECK_EQ_STR(out, PY1);
	CHECK_EQ_INT(tg_passwd_hash(PY2_PW, strlen(PY2_PW), (const uint8_t *)PY2_SALT,
	                            TG_PASSWD_ITER_MIN + 1, out, sizeof(out)),
	             strlen(PY2));
	CHECK_EQ_STR(out, PY2);

	/* parse gives back what went in */
	CHECK_EQ_INT(tg_passwd_parse(PY2, strlen(PY2), &iter, salt, hash, err, sizeof(err)), 0);
	CHECK_EQ_STR(err, "");
	CHECK_EQ_INT(iter, 100001);
	CHECK(memcmp(salt, PY2_SALT, 16) == 0);
	unhex("5d1bbfbf5690e61537a3402fc0b18b6e974"
	      "8e23ab8e0a9298f91f9a61c76602d",
	      want, 32);
	CHECK(memcmp(hash, want, 32) == 0);
}

static void test_hash_refusals(void)
{
	char out[TG_PASSWD_STR_BUF];
	const uint8_t salt[16] = {0};

	/* all refused before any PBKDF2 work; out is left an empty string */
	memset(out, 'x', sizeof(out));
	CHECK_EQ_INT(tg_passwd_hash("pw", 2, salt, TG_PASSWD_ITER_MIN - 1, out, sizeof(out)), -1);
	CHECK_EQ_INT(out[0], '\0');
	memset(out, 'x', sizeof(out));
	CHECK_EQ_INT(tg_passwd_hash("pw", 2, salt, TG_PASSWD_ITER_MAX + 1, out, sizeof(out)), -1);
	CHECK_EQ_INT(out[0], '\0');
	CHECK_EQ_INT(tg_passwd_hash("pw", 2, salt, 0, out, sizeof(out)), -1);
	CHECK_EQ_INT(tg_passwd_hash("pw", 2, salt, 1, out, sizeof(out)), -1);
	/* 88 characters for 6 digits of iterations: 88 bytes of room is one short */
	memset(out, 'x', sizeof(out));
	CHECK_EQ_INT(tg_passwd_hash("pw", 2, salt, TG_PASSWD_ITER_MIN, out, 88), -1);
	CHECK_EQ_INT(out[0], '\0');
	CHECK_EQ_INT(tg_passwd_hash("pw", 2, salt, TG_PASSWD_ITER_MIN, out, 0), -1);
	CHECK_EQ_INT(out[1], 'x');
}

static void test_verify(void)
{
	char err[160];
	char pw[64];

	CHECK_EQ_INT(tg_passwd_verify(PY1_PW, strlen(PY1_PW), PY1, strlen(PY1), err, sizeof(err)),
	             1);
	CHECK_EQ_STR(err, "");
	CHECK_EQ_INT(tg_passwd_verify(PY2_PW, strlen(PY2_PW), PY2, strlen(PY2), err, sizeof(err)),
	             1);
	/* one bit off in the last byte, one byte short, one byte more, empty */
	strcpy(pw, PY1_PW);
	pw[strlen(pw) - 1] ^= 1;
	CHECK_EQ_INT(tg_passwd_verify(pw, strlen(pw), PY1, strlen(PY1), err, sizeof(err)), 0);
	CHECK_EQ_INT(
	    tg_passwd_verify(PY1_PW, strlen(PY1_PW) - 1, PY1, strlen(PY1), err, sizeof(err)), 0);
	strcpy(pw, PY1_PW "!");
	CHECK_EQ_INT(tg_passwd_verify(pw, strlen(pw), PY1, strlen(PY1), err, sizeof(err)), 0);
	CHECK_EQ_INT(tg_passwd_verify("", 0, PY1, strlen(PY1), err, sizeof(err)), 0);
	/* the other user's hash */
	CHECK_EQ_INT(tg_passwd_verify(PY1_PW, strlen(PY1_PW), PY2, strlen(PY2), err, sizeof(err)),
	             0);
	/* the length counts, not the NUL: the stored string cut short is refused */
	CHECK_EQ_INT(
	    tg_passwd_verify(PY1_PW, strlen(PY1_PW), PY1, strlen(PY1) - 1, err, sizeof(err)), -1);
	CHECK(strstr(err, "hash: expected 43 ab64 characters") != NULL);

	/* the one full-cost check: the default count, made by Python */
	CHECK_EQ_INT(
	    tg_passwd_verify(PY600_PW, strlen(PY600_PW), PY600, strlen(PY600), err, sizeof(err)),
	    1);
}

static void test_iteration_bounds(void)
{
	static const char tail[] =
	    "$AAECAwQFBgcICQoLDA0ODw$EX/g3qHLWD1lcZK80ysY6MKOHNs1ia3yiaNxQRbP1tk";
	char s[160], err[160];
	uint8_t salt[16], hash[32];
	uint32_t iter;

	snprintf(s, sizeof(s), "$pbkdf2-sha256$%u%s", TG_PASSWD_ITER_MIN, tail);
	CHECK_EQ_INT(tg_passwd_parse(s, strlen(s), &iter, salt, hash, err, sizeof(err)), 0);
	CHECK_EQ_INT(iter, TG_PASSWD_ITER_MIN);
	snprintf(s, sizeof(s), "$pbkdf2-sha256$%u%s", TG_PASSWD_ITER_MAX, tail);
	CHECK_EQ_INT(strlen(s), TG_PASSWD_STR_MAX);
	CHECK_EQ_INT(tg_passwd_parse(s, strlen(s), &iter, salt, hash, err, sizeof(err)), 0);
	CHECK_EQ_INT(iter, TG_PASSWD_ITER_MAX);

	/* verify refuses outside the bounds without deriving anything */
	snprintf(s, sizeof(s), "$pbkdf2-sha256$%u%s", TG_PASSWD_ITER_MIN - 1, tail);
	CHECK_EQ_INT(tg_passwd_verify("x", 1, s, strlen(s), err, sizeof(err)), -1);
	CHECK_EQ_STR(err, "iterations: expected 100000..10000000, got 99999 (too cheap to resist "
	                  "cracking)");
	snprintf(s, sizeof(s), "$pbkdf2-sha256$%u%s", TG_PASSWD_ITER_MAX + 1, tail);
	CHECK_EQ_INT(tg_passwd_verify("x", 1, s, strlen(s), err, sizeof(err)), -1);
	CHECK_EQ_STR(err,
	             "iterations: expected 100000..10000000, got 10000001 (too slow to verify)");
	snprintf(s, sizeof(s), "$pbkdf2-sha256$4294967295%s", tail);
	CHECK_EQ_INT(tg_passwd_verify("x", 1, s, strlen(s), err, sizeof(err)), -1);
	CHECK(strstr(err, "more than 8 digits") != NULL);
	/* passlib's default of 2016 (29000) is below ours */
	snprintf(s, sizeof(s), "$pbkdf2-sha256$29000%s", tail);
	CHECK_EQ_INT(tg_passwd_verify("x", 1, s, strlen(s), err, sizeof(err)), -1);
}

struct refusal {
	const char *s;
	const char *err; /* expected substring */
};

#define SALT_OK "AAECAwQFBgcICQoLDA0ODw"
#define HASH_OK "EX/g3qHLWD1lcZK80ysY6MKOHNs1ia3yiaNxQRbP1tk"
#define P       "$pbkdf2-sha256$"

static const struct refusal refusals[] = {
    {"", "expected the prefix '$pbkdf2-sha256$', got a string of 0 bytes"},
    {"$pbkdf2-sha256", "expected the prefix"},
    {"$pbkdf2-sha512$100000$" SALT_OK "$" HASH_OK, "expected the prefix"},
    {"$PBKDF2-SHA256$100000$" SALT_OK "$" HASH_OK, "expected the prefix"},
    {" $pbkdf2-sha256$100000$" SALT_OK "$" HASH_OK, "expected the prefix"},
    {"$2b$12$abcdefghijklmnopqrstuvwxyz", "expected the prefix"},
    {P, "iterations: expected a decimal number at offset 15, got the end of the string"},
    {P "$" SALT_OK "$" HASH_OK,
     "iterations: expected a decimal number at offset 15, got a non-digit"},
    {P "+100000$" SALT_OK "$" HASH_OK, "expected a decimal number"},
    {P " 100000$" SALT_OK "$" HASH_OK, "expected a decimal number"},
    {P "-100000$" SALT_OK "$" HASH_OK, "expected a decimal number"},
    {P "0100000$" SALT_OK "$" HASH_OK, "iterations: expected no leading zero at offset 15"},
    {P "0$" SALT_OK "$" HASH_OK, "expected 100000..10000000, got 0"},
    {P "99999$" SALT_OK "$" HASH_OK, "expected 100000..10000000, got 99999"},
    {P "10000001$" SALT_OK "$" HASH_OK, "got 10000001"},
    {P "99999999$" SALT_OK "$" HASH_OK, "got 99999999"},
    {P "100000000$" SALT_OK "$" HASH_OK, "got more than 8 digits"},
    {P "999999999999999999999999$" SALT_OK "$" HASH_OK, "got more than 8 digits"},
    {P "100000", "expected '$' after the iterations at offset 21, got the end of the string"},
    {P "100000x$" SALT_OK "$" HASH_OK,
     "expected '$' after the iterations at offset 21, got a non-digit"},
    {P "100000.5$" SALT_OK "$" HASH_OK, "expected '$' after the iterations"},
    {P "100000$", "expected '$' after the salt, got the end of the string"},
    {P "100000$" SALT_OK, "expected '$' after the salt"},
    {P "100000$" SALT_OK HASH_OK, "expected '$' after the salt"},
    {P "100000$$" HASH_OK, "salt: expected 22 ab64 characters (16 bytes), got 0"},
    {P "100000$AAECAwQFBgcICQoLDA0OD$" HASH_OK,
     "salt: expected 22 ab64 characters (16 bytes), got 21"},
    {P "100000$AAECAwQFBgcICQoLDA0ODwA$" HASH_OK,
     "salt: expected 22 ab64 characters (16 bytes), got 23"},
    {P "100000$AAECAwQFBgcICQoLDA0ODw==$" HASH_OK,
     "salt: expected ab64 characters [A-Za-z0-9./], got a character outside that alphabet at "
     "offset 44"},
    {P "100000$AAEC+wQFBgcICQoLDA0ODw$" HASH_OK,
     "salt: expected ab64 characters [A-Za-z0-9./], got a character outside that alphabet at "
     "offset 26"},
    {P "100000$AAEC-wQFBgcICQoLDA0ODw$" HASH_OK, "outside that alphabet at offset 26"},
    {P "100000$AAEC_wQFBgcICQoLDA0ODw$" HASH_OK, "outside that alphabet at offset 26"},
    {P "100000$AAECAwQFBgcICQoLDA0ODx$" HASH_OK,
     "salt: expected the unused low bits of the last character to be zero"},
    {P "100000$AAECAwQFBgcICQoLDA0OD/$" HASH_OK, "salt: expected the unused low bits"},
    {P "100000$" SALT_OK "$", "hash: expected 43 ab64 characters (32 bytes), got 0"},
    {P "100000$" SALT_OK "$EX/g3qHLWD1lcZK80ysY6MKOHNs1ia3yiaNxQRbP1t",
     "hash: expected 43 ab64 characters (32 bytes), got 42"},
    {P "100000$" SALT_OK "$" HASH_OK "A", "hash: expected 43 ab64 characters (32 bytes), got 44"},
    {P "100000$" SALT_OK "$EX/g3qHLWD1lcZK80ysY6MKOHNs1ia3yiaNxQRbP1tl",
     "hash: expected the unused low bits of the last character to be zero"},
    {P "100000$" SALT_OK "$EX/g3qHLWD1lcZK80ysY6MKOHNs1ia3yiaNxQRbP1t.",
     "hash: expected the unused low bits"},
    {P "100000$" SALT_OK "$" HASH_OK "\n", "hash: expected ab64 characters [A-Za-z0-9./], got a "
                                           "character outside that alphabet at offset 88"},
    {P "100000$" SALT_OK "$" HASH_OK "\r\n", "outside that alphabet at offset 88"},
    {P "100000$" SALT_OK "$" HASH_OK " ", "outside that alphabet at offset 88"},
    {P "100000$" SALT_OK "$" HASH_OK "$", "outside that alphabet at offset 88"},
    {P "100000$" SALT_OK "$" HASH_OK "=", "outside that alphabet at offset 88"},
    {P "100000$" SALT_OK "$EX+g3qHLWD1lcZK80ysY6MKOHNs1ia3yiaNxQRbP1tk",
     "outside that alphabet at offset 47"},
    {P "100000$" SALT_OK "$" HASH_OK "$extra", "outside that alphabet at offset 88"},
    {P "100000$" SALT_OK "$\xc3\xa9X/g3qHLWD1lcZK80ysY6MKOHNs1ia3yiaNxQRbP1tk",
     "outside that alphabet at offset 45"},
};

static void test_parse_refusals(void)
{
	char err[200];
	uint8_t salt[16], hash[32], zero[32] = {0};
	uint32_t iter;
	size_t i;
	char s[] = P "100000$" SALT_OK "$" HASH_OK;

	for (i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++) {
		const char *in = refusals[i].s;

		memset(salt, 0x55, sizeof(salt));
		memset(hash, 0x55, sizeof(hash));
		iter = 7;
		err[0] = '\0';
		CHECK_EQ_INT(tg_passwd_parse(in, strlen(in), &iter, salt, hash, err, sizeof(err)),
		             -1);
		if (!strstr(err, refusals[i].err)) {
			fprintf(stderr, "  refusal %zu: got \"%s\", expected \"%s\"\n", i, err,
			        refusals[i].err);
			CHECK(0);
		}
		/* nothing half-parsed is left behind */
		CHECK_EQ_INT(iter, 0);
		CHECK(memcmp(salt, zero, sizeof(salt)) == 0);
		CHECK(memcmp(hash, zero, sizeof(hash)) == 0);
		/* no error message quotes the stored string (it may be a misplaced password) */
		CHECK(strstr(err, "AAECAwQF") == NULL && strstr(err, "EX/g3q") == NULL);
	}

	/* a NUL inside is just another byte outside the alphabet (length is what counts) */
	s[30] = '\0';
	CHECK_EQ_INT(tg_passwd_parse(s, sizeof(s) - 1, &iter, salt, hash, err, sizeof(err)), -1);
	CHECK(strstr(err, "outside that alphabet at offset 30") != NULL);

	/* a plain-text password in the user file is not echoed */
	CHECK_EQ_INT(
	    tg_passwd_parse("hunter2hunter2hunter2", 21, &iter, salt, hash, err, sizeof(err)), -1);
	CHECK(strstr(err, "hunter") == NULL);

	/* no error buffer, or a tiny one */
	CHECK_EQ_INT(tg_passwd_parse("x", 1, &iter, salt, hash, NULL, 0), -1);
	err[0] = 'z';
	err[1] = 'z';
	CHECK_EQ_INT(tg_passwd_parse("x", 1, &iter, salt, hash, err, 1), -1);
	CHECK_EQ_INT(err[0], '\0');
	CHECK_EQ_INT(err[1], 'z');
}

static void test_parse_differential(void)
{
	char s[TG_PASSWD_STR_BUF], err[160];
	uint8_t salt[16], hash[32], gsalt[16], ghash[32];
	uint32_t iter, want_iter;
	int n, round;
	size_t i;

	/* random salts, hashes and counts encoded here; parse must give them back */
	for (round = 0; round < 500; round++) {
		want_iter =
		    TG_PASSWD_ITER_MIN +
		    (uint32_t)(check_rand() % (TG_PASSWD_ITER_MAX - TG_PASSWD_ITER_MIN + 1));
		for (i = 0; i < sizeof(salt); i++)
			salt[i] = (uint8_t)check_rand();
		for (i = 0; i < sizeof(hash); i++)
			hash[i] = (uint8_t)check_rand();
		n = snprintf(s, sizeof(s), "$pbkdf2-sha256$%u$", want_iter);
		n += (int)ab64_encode(salt, sizeof(salt), s + n);
		s[n++] = '$';
		n += (int)ab64_encode(hash, sizeof(hash), s + n);
		s[n] = '\0';
		CHECK_EQ_INT(tg_passwd_parse(s, (size_t)n, &iter, gsalt, ghash, err, sizeof(err)),
		             0);
		CHECK_EQ_INT(iter, want_iter);
		CHECK(memcmp(gsalt, salt, sizeof(salt)) == 0);
		CHECK(memcmp(ghash, hash, sizeof(hash)) == 0);
	}
}

static int policy(const char *pw, size_t len, const char *user, const char *want_err)
{
	char err[200];
	int rc;

	memset(err, 'x', sizeof(err));
	rc = tg_passwd_policy(pw, len, user, err, sizeof(err));
	if (want_err ? (rc != -1 || !strstr(err, want_err)) : (rc != 0 || err[0])) {
		fprintf(stderr, "  policy: rc %d err \"%s\", expected \"%s\"\n", rc, err,
		        want_err ? want_err : "(accepted)");
		return 0;
	}
	return 1;
}

#define POL(pw, user, want) policy(pw, sizeof(pw) - 1, user, want)

static void test_policy(void)
{
	char buf[200];
	size_t i;

	/* length in characters, not bytes */
	CHECK(POL("abcdefghijk", NULL, "password: expected at least 12 characters, got 11"));
	CHECK(POL("abcdefghijkl", NULL, NULL));
	CHECK(POL("", NULL, "expected at least 12 characters, got 0"));
	/* 11 x U+00E9: 22 bytes, 11 characters; 12 x: accepted */
	CHECK(POL("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
	          "\xc3\xa9",
	          NULL, "expected at least 12 characters, got 11"));
	CHECK(POL("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
	          "\xc3\xa9\xc3\xa9",
	          NULL, NULL));
	/* spaces and any printable ASCII are fine (NIST: passphrases) */
	CHECK(POL("  ~!@#$%^&*()  ", NULL, NULL));

	/* at most 128 bytes: 128 ok, 129 refused (also counted before UTF-8 checks) */
	memset(buf, 'a', sizeof(buf));
	CHECK(policy(buf, 128, NULL, NULL));
	CHECK(policy(buf, 129, NULL, "password: expected at most 128 bytes, got 129"));
	buf[0] = (char)0xff;
	CHECK(policy(buf, 129, NULL, "expected at most 128 bytes"));
	/* 32 x U+1F600 (4 bytes each) = 128 bytes */
	for (i = 0; i < 32; i++)
		memcpy(buf + 4 * i, "\xf0\x9f\x98\x80", 4);
	CHECK(policy(buf, 128, NULL, NULL));
	/* 3-byte U+20AC and the last code point U+10FFFF */
	CHECK(POL("\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac"
	          "\xf4\x8f\xbf\xbf\xf4\x8f\xbf\xbf\xf4\x8f\xbf\xbf\xf4\x8f\xbf\xbf"
	          "\xf4\x8f\xbf\xbf\xf4\x8f\xbf\xbf",
	          NULL, NULL));

	/* invalid UTF-8, with enough characters otherwise; the offset is named */
	CHECK(POL("abcdefghijkl\x80", NULL,
	          "expected valid UTF-8, got an invalid sequence at byte 12"));
	CHECK(POL("abcdefghijkl\xc0\xaf", NULL, "invalid sequence at byte 12")); /* overlong '/' */
	CHECK(POL("abcdefghijkl\xc1\xbf", NULL, "invalid sequence at byte 12")); /* overlong */
	CHECK(POL("abcdefghijkl\xe0\x80\xaf", NULL, "invalid sequence at byte 12")); /* overlong */
	CHECK(POL("abcdefghijkl\xe0\x9f\xbf", NULL, "invalid sequence at byte 12")); /* overlong */
	CHECK(POL("abcdefghijkl\xed\xa0\x80", NULL, "invalid sequence at byte 12")); /* U+D800 */
	CHECK(POL("abcdefghijkl\xed\xbf\xbf", NULL, "invalid sequence at byte 12")); /* U+DFFF */
	CHECK(POL("abcdefghijkl\xf0\x80\x80\xaf", NULL,
	          "invalid sequence at byte 12")); /* overlong */
	CHECK(POL("abcdefghijkl\xf4\x90\x80\x80", NULL,
	          "invalid sequence at byte 12")); /* > U+10FFFF */
	CHECK(POL("abcdefghijkl\xf5\x80\x80\x80", NULL, "invalid sequence at byte 12"));
	CHECK(POL("abcdefghijkl\xff", NULL, "invalid sequence at byte 12"));
	CHECK(POL("abcdefghijkl\xe2\x82", NULL, "invalid sequence at byte 12")); /* cut short */
	CHECK(POL("abcdefghijkl\xe2\x82x", NULL,
	          "invalid sequence at byte 12")); /* bad continuation */
	CHECK(POL("\xc3(bcdefghijklm", NULL, "invalid sequence at byte 0"));
	/* the edges just inside: U+D7FF, U+E000, U+0080, U+0800, U+10000 */
	CHECK(POL("abcdefghijk\xed\x9f\xbf\xee\x80\x80\xc2\x80\xe0\xa0\x80\xf0\x90\x80\x80", NULL,
	          NULL));

	/* NUL */
	CHECK(POL("abcdef\0ghijklm", NULL, "password: expected no NUL byte, got one at byte 6"));

	/* the user name */
	CHECK(POL("administrator", "administrator", "got the user name"));
	CHECK(POL("ADMINistrator", "administrator", "got the user name"));
	CHECK(POL("my-administrator-pw", "administrator", "expected not to contain the user name"));
	CHECK(POL("MyAdminPassword!", "admin", "expected not to contain the user name"));
	CHECK(POL("password.ADMIN", "admin", "contain the user name"));
	CHECK(POL("ADMIN.password", "Admin", "contain the user name"));
	CHECK(POL("adm1n-password", "admin", NULL));
	CHECK(POL("administrator", "", NULL));
	CHECK(POL("administrator", NULL, NULL));
	/* a user name longer than the password is never inside it */
	CHECK(POL("operator-one", "operator-one-backup", NULL));
	/* non-ASCII letters are compared as bytes */
	CHECK(POL("\xc3\xa9mile-password", "\xc3\xa9mile", "contain the user name"));
	CHECK(POL("\xc3\x89mile-password", "\xc3\xa9mile", NULL));

	/* the rules apply in order: length in bytes, UTF-8, NUL, characters, user */
	CHECK(POL("admin\x80", "admin", "UTF-8"));
	CHECK(POL("admin", "admin", "at least 12 characters"));

	/* no message quotes the password */
	{
		char err[200];

		CHECK_EQ_INT(tg_passwd_policy("Secretive1", 10, NULL, err, sizeof(err)), -1);
		CHECK(strstr(err, "Secretive") == NULL);
		CHECK_EQ_INT(tg_passwd_policy("Secretive-admin", 15, "admin", err, sizeof(err)),
		             -1);
		CHECK(strstr(err, "Secretive") == NULL);
	}
}

int main(void)
{
	RUN(test_pbkdf2_vectors);
	RUN(test_ab64_codec);
	RUN(test_hash_stored_form);
	RUN(test_hash_refusals);
	RUN(test_verify);
	RUN(test_iteration_bounds);
	RUN(test_parse_refusals);
	RUN(test_parse_differential);
	RUN(test_policy);
	return check_exit();
}
