/*
 * test_bundle.c - the signed update bundle (lib/bundle.c): header,
 * signature check against the key ring, key ring and manifest parsers,
 * the manifest formatter and versions.
 *
 * Signatures are made here with tg_p256_ecdsa_sign_raw over fixed private
 * scalars, and one golden bundle was signed by OpenSSL (independent of
 * this code) so the signed range and the r||s layout are checked against
 * something else.  Every refusal class of bundle.h is asserted with the
 * line number and the words the message must carry.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bearssl_ec.h>
#include <bearssl_hash.h>

#include "bundle.h"
#include "check.h"
#include "le.h"
#include "p256.h"

#define HASH_A "a665a45920422f9d417e4867efdc4fb8a04a1f3fff1fa07e998e86f7f7a27ae3"
#define HASH_B "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static const char *const base_lines[7] = {
    "format 1",
    "product timegate",
    "compatible qemu-x86_64",
    "version 2.1.0",
    "security 3",
    "image boot 25165824 " HASH_A,
    "image root 67108864 " HASH_B,
};

/* the base manifest with line i (0-based) replaced by repl (NULL: dropped) */
static size_t manifest_with(char *out, size_t cap, int i, const char *repl)
{
	size_t n = 0;
	int j;

	for (j = 0; j < 7; j++) {
		const char *l = j == i ? repl : base_lines[j];

		if (!l)
			continue;
		n += (size_t)snprintf(out + n, cap - n, "%s\n", l);
	}
	return n;
}

static size_t base_manifest(char *out, size_t cap)
{
	return manifest_with(out, cap, -1, NULL);
}

/* ---- keys and signing -------------------------------------------------- */

/* private scalar number i (0..40): distinct, in [1, n - 1] */
static void scalar(int i, uint8_t x[32])
{
	memset(x, 0x11 + i, 32);
	x[0] = 0x7f;
}

static void pubkey(int i, uint8_t pub[65])
{
	uint8_t x[32];

	scalar(i, x);
	tg_p256_mulgen(pub, x, 32);
}

static void sign(int i, const uint8_t *msg, size_t len, uint8_t sig[64])
{
	br_ec_private_key sk;
	br_sha256_context sc;
	uint8_t x[32], h[32];

	scalar(i, x);
	sk.curve = BR_EC_secp256r1;
	sk.x = x;
	sk.xlen = 32;
	br_sha256_init(&sc);
	br_sha256_update(&sc, msg, len);
	br_sha256_out(&sc, h);
	if (tg_p256_ecdsa_sign_raw(&br_sha256_vtable, h, 32, &sk, sig) != 64)
		abort();
}

static void hexstr(const uint8_t *b, size_t n, char *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", b[i]);
}

/* "WORD NAME HEX\n" for key i */
static size_t ring_line(char *out, size_t cap, const char *word, const char *name, int i)
{
	uint8_t pub[65];
	char hex[131];

	pubkey(i, pub);
	hexstr(pub, 65, hex);
	return (size_t)snprintf(out, cap, "%s %s %s\n", word, name, hex);
}

/* A whole bundle prefix: header, manifest, signature by key i. */
static size_t make_bundle(const char *man, size_t ml, int key, uint8_t *out)
{
	memcpy(out, TG_BUNDLE_MAGIC, 8);
	tg_put_le32(out + 8, (uint32_t)ml);
	tg_put_le32(out + 12, TG_BUNDLE_SIG);
	memcpy(out + 16, man, ml);
	sign(key, out, 16 + ml, out + 16 + ml);
	return 16 + ml + 64;
}

static int parse_ring(const char *text, struct tg_bundle_keyring *kr, char *err, size_t errlen)
{
	return tg_bundle_keyring_parse(text, strlen(text), kr, err, errlen);
}

/* header, then verify as the agent does; 0 or -1 with err */
static int check_bundle(const uint8_t *b, const struct tg_bundle_keyring *kr,
                        const struct tg_bundle_key **key, char *err, size_t errlen)
{
	uint32_t ml;

	if (tg_bundle_header(b, TG_BUNDLE_HDR, &ml, err, errlen) < 0)
		return -1;
	return tg_bundle_verify(b, 16 + ml, b + 16 + ml, kr, key, err, errlen);
}

#define CHECK_HAS(s, sub)                                                                          \
	do {                                                                                       \
		if (!strstr((s), (sub))) {                                                         \
			fprintf(stderr, "  %s:%d: \"%s\" lacks \"%s\"\n", __FILE__, __LINE__, (s), \
			        (sub));                                                            \
			check_failed_now++;                                                        \
		}                                                                                  \
	} while (0)

/* ---- manifest ---------------------------------------------------------- */

static void test_manifest_round_trip(void)
{
	struct tg_bundle_manifest m, m2;
	char text[4200], text2[4200], err[512] = "";
	size_t n = base_manifest(text, sizeof text), n2;

	CHECK_EQ_INT(tg_bundle_manifest_parse(text, n, &m, err, sizeof err), 0);
	CHECK_EQ_STR(err, "");
	CHECK_EQ_INT(m.format, 1);
	CHECK_EQ_STR(m.product, "timegate");
	CHECK_EQ_STR(m.compatible, "qemu-x86_64");
	CHECK_EQ_INT(m.version[0], 2);
	CHECK_EQ_INT(m.version[1], 1);
	CHECK_EQ_INT(m.version[2], 0);
	CHECK_EQ_INT(m.security, 3);
	CHECK_EQ_STR(m.image[0].target, "boot");
	CHECK_EQ_INT(m.image[0].size, 25165824);
	CHECK_EQ_INT(m.image[0].sha256[0], 0xa6);
	CHECK_EQ_INT(m.image[0].sha256[31], 0xe3);
	CHECK_EQ_STR(m.image[1].target, "root");
	CHECK_EQ_INT(m.image[1].size, 67108864);
	CHECK_EQ_INT(m.image[1].sha256[1], 0x23);

	/* format gives back the same bytes: one spelling per manifest */
	n2 = tg_bundle_manifest_format(&m, text2, sizeof text2);
	CHECK_EQ_INT(n2, n);
	CHECK(n2 == n && memcmp(text, text2, n) == 0);

	/* extremes of every field survive the round trip */
	m.version[0] = 65535;
	m.version[1] = 0;
	m.version[2] = 65535;
	m.security = 4294967295u;
	m.image[0].size = 1;
	m.image[1].size = TG_BUNDLE_SIZE_MAX;
	memset(m.compatible, 'z', 63);
	m.compatible[63] = '\0';
	memcpy(m.product, "a.b_c-9", 8);
	n2 = tg_bundle_manifest_format(&m, text2, sizeof text2);
	CHECK(n2 > 0);
	CHECK_HAS(text2, "image root 1099511627776 ");
	CHECK_HAS(text2, "security 4294967295\n");
	CHECK_EQ_INT(tg_bundle_manifest_parse(text2, n2, &m2, err, sizeof err), 0);
	CHECK_EQ_INT(m2.version[0], 65535);
	CHECK_EQ_INT(m2.version[2], 65535);
	CHECK_EQ_INT(m2.security, 4294967295u);
	CHECK_EQ_INT(m2.image[0].size, 1);
	CHECK_EQ_INT(m2.image[1].size, TG_BUNDLE_SIZE_MAX);
	CHECK_EQ_STR(m2.compatible, m.compatible);
	CHECK_EQ_STR(m2.product, "a.b_c-9");
}

static void test_manifest_format_refuses(void)
{
	struct tg_bundle_manifest m;
	char text[600], out[600];
	size_t n = base_manifest(text, sizeof text);

	CHECK_EQ_INT(tg_bundle_manifest_parse(text, n, &m, NULL, 0), 0);
	/* too small a buffer, by one byte (the NUL) */
	CHECK_EQ_INT(tg_bundle_manifest_format(&m, out, n), 0);
	CHECK_EQ_INT(tg_bundle_manifest_format(&m, out, n + 1), n);
	/* a struct that would not parse back is not written */
	memcpy(m.image[1].target, "rootB", 6);
	CHECK_EQ_INT(tg_bundle_manifest_format(&m, out, sizeof out), 0);
	memcpy(m.image[1].target, "root", 5);
	m.image[0].size = 0;
	CHECK_EQ_INT(tg_bundle_manifest_format(&m, out, sizeof out), 0);
	m.image[0].size = TG_BUNDLE_SIZE_MAX + 1;
	CHECK_EQ_INT(tg_bundle_manifest_format(&m, out, sizeof out), 0);
	m.image[0].size = 5;
	m.version[1] = 65536;
	CHECK_EQ_INT(tg_bundle_manifest_format(&m, out, sizeof out), 0);
	m.version[1] = 0;
	memcpy(m.compatible, "Qemu", 5);
	CHECK_EQ_INT(tg_bundle_manifest_format(&m, out, sizeof out), 0);
	memcpy(m.compatible, "qemu x", 7);
	CHECK_EQ_INT(tg_bundle_manifest_format(&m, out, sizeof out), 0);
	memcpy(m.compatible, "qemu", 5);
	m.format = 2;
	CHECK_EQ_INT(tg_bundle_manifest_format(&m, out, sizeof out), 0);
	m.format = 1;
	CHECK(tg_bundle_manifest_format(&m, out, sizeof out) > 0);
}

/*
 * Parse text; it must be refused, the struct left zeroed, and the message
 * must carry each of want[] (NULL-terminated).
 */
static void refused_(const char *text, size_t len, const char *const *want, int line)
{
	struct tg_bundle_manifest m;
	char err[512] = "";
	int i;

	memset(&m, 0xa5, sizeof m);
	if (tg_bundle_manifest_parse(text, len, &m, err, sizeof err) != -1) {
		fprintf(stderr, "  line %d: accepted\n", line);
		check_failed_now++;
		return;
	}
	if (m.format != 0 || m.image[0].size != 0 || m.product[0] != 0) {
		fprintf(stderr, "  line %d: struct not cleared on refusal\n", line);
		check_failed_now++;
	}
	for (i = 0; want[i]; i++)
		if (!strstr(err, want[i])) {
			fprintf(stderr, "  line %d: \"%s\" lacks \"%s\"\n", line, err, want[i]);
			check_failed_now++;
		}
}
#define REFUSED(text, len, ...)                                                                    \
	refused_((text), (len), (const char *const[]){__VA_ARGS__, NULL}, __LINE__)

/* base manifest with line i replaced: refused with these words */
#define REFUSED_WITH(i, repl, ...)                                                                 \
	do {                                                                                       \
		char t_[4200];                                                                     \
		size_t n_ = manifest_with(t_, sizeof t_, (i), (repl));                             \
		REFUSED(t_, n_, __VA_ARGS__);                                                      \
	} while (0)

static void test_manifest_missing_keys(void)
{
	static const char *const expect[7] = {
	    "expected \"format 1\"",
	    "expected \"product NAME\"",
	    "expected \"compatible BOARD\"",
	    "expected \"version MAJOR.MINOR.PATCH\"",
	    "expected \"security N\" (0..4294967295)",
	    "expected \"image boot SIZE SHA256\"",
	    "expected \"image root SIZE SHA256\"",
	};
	char where[32];
	int i;

	/* each key dropped in turn: refused on its line, naming what was due */
	for (i = 0; i < 7; i++) {
		snprintf(where, sizeof where, "manifest line %d:", i + 1);
		if (i < 6)
			REFUSED_WITH(i, NULL, where, expect[i], "missing or out of order");
		else
			REFUSED_WITH(i, NULL, where, expect[i], "saw the end of the manifest");
	}
}

static void test_manifest_order_duplicates_unknown(void)
{
	char t[4200];
	size_t n;

	/* product and compatible swapped */
	n = (size_t)snprintf(t, sizeof t,
	                     "format 1\ncompatible qemu\nproduct timegate\n"
	                     "version 1.0.0\nsecurity 1\nimage boot 1 " HASH_A
	                     "\nimage root 1 " HASH_B "\n");
	REFUSED(t, n, "manifest line 2:", "expected \"product NAME\"", "saw \"compatible qemu\"",
	        "out of order");
	/* image root before image boot */
	n = (size_t)snprintf(t, sizeof t,
	                     "format 1\nproduct timegate\ncompatible qemu\n"
	                     "version 1.0.0\nsecurity 1\nimage root 1 " HASH_B
	                     "\nimage boot 1 " HASH_A "\n");
	REFUSED(t, n, "manifest line 6:", "expected \"image boot SIZE SHA256\"", "out of order");
	/* duplicate: product again where compatible is due */
	REFUSED_WITH(2, "product other", "manifest line 3:", "expected \"compatible BOARD\"",
	             "duplicate", "already on line 2");
	/* two boot images */
	REFUSED_WITH(6, "image boot 1 " HASH_A, "manifest line 7:", "duplicate",
	             "already on line 6");
	/* a line after the last image */
	n = base_manifest(t, sizeof t);
	n += (size_t)snprintf(t + n, sizeof t - n, "security 9\n");
	REFUSED(t, n, "manifest line 8:", "expected the end of the manifest", "saw \"security 9\"",
	        "duplicate");
	n = base_manifest(t, sizeof t);
	n += (size_t)snprintf(t + n, sizeof t - n, "signer evil\n");
	REFUSED(t, n, "manifest line 8:", "expected the end of the manifest", "unknown key");
	/* unknown key, the example of the brief */
	REFUSED_WITH(4, "securty 3",
	             "manifest line 5: expected \"security N\" (0..4294967295), "
	             "saw \"securty 3\" (unknown key)");
	/* an extra key inserted (a "key" line smuggling a signer) */
	REFUSED_WITH(1, "key evil 04", "manifest line 2:", "unknown key");
	/* empty line, comment: nothing else is allowed */
	REFUSED_WITH(3, "", "manifest line 4:", "empty line");
	REFUSED_WITH(3, "# comment", "manifest line 4:", "unknown key");
	/* separators are single spaces; no trailing space */
	REFUSED_WITH(1, "product  timegate", "manifest line 2:", "character not allowed");
	REFUSED_WITH(1, "product timegate ", "manifest line 2:", "character not allowed");
	REFUSED_WITH(1, "product", "manifest line 2:", "no value");
	REFUSED_WITH(1, "product ", "manifest line 2:", "no value");
	REFUSED_WITH(0, "format 2", "manifest line 1:", "unsupported format");
	REFUSED_WITH(0, "format 01", "manifest line 1:", "unsupported format");
	REFUSED_WITH(0, " format 1", "manifest line 1:", "unknown key");
}

static void test_manifest_fields(void)
{
	char long_name[80];

	/* names */
	REFUSED_WITH(2, "compatible Qemu", "manifest line 3:", "character not allowed");
	REFUSED_WITH(2, "compatible qemu/x86", "manifest line 3:", "character not allowed");
	memset(long_name, 0, sizeof long_name);
	memcpy(long_name, "compatible ", 11);
	memset(long_name + 11, 'a', 64);
	REFUSED_WITH(2, long_name, "manifest line 3:", "name too long", "...");
	memcpy(long_name, "product ", 8);
	memset(long_name + 8, 'a', 32);
	long_name[40] = '\0';
	REFUSED_WITH(1, long_name, "manifest line 2:", "name too long");

	/* versions */
	REFUSED_WITH(3, "version 1.2", "manifest line 4:", "saw \"version 1.2\"", "not a version");
	REFUSED_WITH(3, "version 01.2.3", "manifest line 4:", "not a version");
	REFUSED_WITH(3, "version 1.2.3.4", "manifest line 4:", "not a version");
	REFUSED_WITH(3, "version 65536.0.0", "manifest line 4:", "not a version");
	REFUSED_WITH(3, "version -1.0.0", "manifest line 4:", "not a version");
	REFUSED_WITH(3, "version +1.0.0", "manifest line 4:", "not a version");
	REFUSED_WITH(3, "version 1..0", "manifest line 4:", "not a version");
	REFUSED_WITH(3, "version 1.0.", "manifest line 4:", "not a version");
	REFUSED_WITH(3, "version .1.0", "manifest line 4:", "not a version");
	REFUSED_WITH(3, "version 1.0.0 ", "manifest line 4:", "not a version");

	/* security */
	REFUSED_WITH(4, "security 4294967296", "manifest line 5:", "above 4294967295");
	REFUSED_WITH(4, "security 99999999999999999999999", "manifest line 5:", "above 4294967295");
	REFUSED_WITH(4, "security 03", "manifest line 5:", "leading zero");
	REFUSED_WITH(4, "security -1", "manifest line 5:", "not a decimal number");
	REFUSED_WITH(4, "security 0x10", "manifest line 5:", "not a decimal number");

	/* sizes: past 2 GiB and 4 GiB are fine, past 2^40 and 2^64 are not */
	REFUSED_WITH(5, "image boot 0 " HASH_A, "manifest line 6:", "size 0");
	REFUSED_WITH(5, "image boot 1099511627777 " HASH_A, "manifest line 6:", "size above 2^40");
	REFUSED_WITH(5, "image boot 18446744073709551616 " HASH_A,
	             "manifest line 6:", "size above 2^40");
	REFUSED_WITH(5, "image boot 18446744073709551615 " HASH_A, "size above 2^40");
	REFUSED_WITH(5, "image boot 0100 " HASH_A, "manifest line 6:", "leading zero");
	REFUSED_WITH(5, "image boot -1 " HASH_A, "manifest line 6:", "not a decimal number");
	REFUSED_WITH(5, "image boot 1e9 " HASH_A, "manifest line 6:", "not a decimal number");
	REFUSED_WITH(5, "image boot " HASH_A, "manifest line 6:", "a size and a hash");
	{
		struct tg_bundle_manifest m;
		char t[600];
		size_t n = manifest_with(t, sizeof t, 5, "image boot 4294967297 " HASH_A);

		CHECK_EQ_INT(tg_bundle_manifest_parse(t, n, &m, NULL, 0), 0);
		CHECK_EQ_INT(m.image[0].size, 4294967297ull);
		n = manifest_with(t, sizeof t, 6, "image root 2147483649 " HASH_B);
		CHECK_EQ_INT(tg_bundle_manifest_parse(t, n, &m, NULL, 0), 0);
		CHECK_EQ_INT(m.image[1].size, 2147483649ull);
	}

	/* targets name the partition kind only */
	REFUSED_WITH(6, "image ../root 1 " HASH_B,
	             "manifest line 7:", "image targets are \"boot\" then \"root\"");
	REFUSED_WITH(5, "image bootA 1 " HASH_A, "manifest line 6:", "saw \"image bootA 1 ",
	             "image targets");
	REFUSED_WITH(6, "image rootB 1 " HASH_B, "manifest line 7:", "image targets");
	REFUSED_WITH(6, "image /dev/vda 1 " HASH_B, "manifest line 7:", "image targets");
	REFUSED_WITH(6, "image root/../boot 1 " HASH_B, "manifest line 7:", "image targets");

	/* hashes */
	REFUSED_WITH(5,
	             "image boot 1 "
	             "g665a45920422f9d417e4867efdc4fb8a04a1f3fff1fa07e998e86f7f7a27ae3",
	             "manifest line 6:", "64 lower-case hex digits");
	REFUSED_WITH(5,
	             "image boot 1 "
	             "A665A45920422F9D417E4867EFDC4FB8A04A1F3FFF1FA07E998E86F7F7A27AE3",
	             "manifest line 6:", "64 lower-case hex digits");
	REFUSED_WITH(5,
	             "image boot 1 "
	             "a665a45920422f9d417e4867efdc4fb8a04a1f3fff1fa07e998e86f7f7a27ae",
	             "manifest line 6:", "64 lower-case hex digits");
	REFUSED_WITH(5, "image boot 1 " HASH_A "0", "manifest line 6:", "64 lower-case hex digits");
	REFUSED_WITH(5, "image boot 1 " HASH_A " ", "manifest line 6:", "64 lower-case hex digits");
	REFUSED_WITH(5, "image boot 1  " HASH_A, "manifest line 6:", "64 lower-case hex digits");
}

static void test_manifest_bytes(void)
{
	char t[4200];
	size_t n;

	/* CR (a CRLF file), NUL, other control and non-ASCII bytes */
	n = base_manifest(t, sizeof t);
	t[strchr(t, '\n') - t] = '\r';
	REFUSED(t, n, "manifest line 1:", "expected printable ASCII", "0x0d (CR) at column 9");
	n = base_manifest(t, sizeof t);
	t[11] = '\0'; /* inside "product timegate" */
	REFUSED(t, n, "manifest line 2:", "0x00 (NUL) at column 3");
	n = base_manifest(t, sizeof t);
	t[n - 5] = '\t';
	REFUSED(t, n, "manifest line 7:", "0x09 (TAB)");
	n = base_manifest(t, sizeof t);
	t[20] = (char)0xc3;
	REFUSED(t, n, "manifest line 2:", "0xc3");
	n = base_manifest(t, sizeof t);
	t[20] = 0x7f;
	REFUSED(t, n, "0x7f (DEL)");

	/* missing final newline */
	n = base_manifest(t, sizeof t);
	REFUSED(t, n - 1, "manifest line 7:", "no newline at the end");
	/* cut in the middle of a line */
	REFUSED(t, 30, "manifest line 3:", "no newline at the end");

	/* lengths: none, 4096 is the limit, 4097 is refused */
	REFUSED(t, 0, "manifest: expected 1..4096 bytes, saw none");
	memset(t, 'x', 4097);
	REFUSED(t, 4097, "manifest: expected at most 4096 bytes, saw 4097");
	n = base_manifest(t, sizeof t);
	memset(t + n, '\n', 4096 - n);
	REFUSED(t, 4096, "manifest line 8:", "expected the end of the manifest", "empty line");
	REFUSED(t, 1, "manifest line 1:", "no newline");
	REFUSED("\n", 1, "manifest line 1:", "empty line");

	/* the message quotes hostile text escaped and cut short */
	n = manifest_with(t, sizeof t, 1,
	                  "product \"quoted\\x\" then a very long tail that goes on and on and on");
	REFUSED(t, n, "saw \"product \\\"quoted\\\\x\\\" then a very long tail that go...\"");
}

/* ---- versions -------------------------------------------------------------- */

static void test_versions(void)
{
	unsigned a[3], b[3];

	CHECK_EQ_INT(tg_bundle_version_parse("0.0.0", 5, a), 0);
	CHECK(a[0] == 0 && a[1] == 0 && a[2] == 0);
	CHECK_EQ_INT(tg_bundle_version_parse("65535.10.7", 10, a), 0);
	CHECK(a[0] == 65535 && a[1] == 10 && a[2] == 7);
	/* only the given length is read */
	CHECK_EQ_INT(tg_bundle_version_parse("1.2.3.4", 5, a), 0);
	CHECK(a[0] == 1 && a[1] == 2 && a[2] == 3);
	CHECK_EQ_INT(tg_bundle_version_parse("1.2.3", 4, a), -1);
	CHECK_EQ_INT(tg_bundle_version_parse("", 0, a), -1);
	CHECK_EQ_INT(tg_bundle_version_parse("1.2", 3, a), -1);
	CHECK_EQ_INT(tg_bundle_version_parse("01.2.3", 6, a), -1);
	CHECK_EQ_INT(tg_bundle_version_parse("1.02.3", 6, a), -1);
	CHECK_EQ_INT(tg_bundle_version_parse("1.2.3.4", 7, a), -1);
	CHECK_EQ_INT(tg_bundle_version_parse("65536.0.0", 9, a), -1);
	CHECK_EQ_INT(tg_bundle_version_parse("-1.0.0", 6, a), -1);
	CHECK_EQ_INT(tg_bundle_version_parse("1.0.0\n", 6, a), -1);
	CHECK_EQ_INT(tg_bundle_version_parse("99999999999999999999.0.0", 24, a), -1);

	tg_bundle_version_parse("1.2.3", 5, a);
	tg_bundle_version_parse("1.2.3", 5, b);
	CHECK_EQ_INT(tg_bundle_version_cmp(a, b), 0);
	tg_bundle_version_parse("1.10.0", 6, b);
	CHECK(tg_bundle_version_cmp(a, b) < 0); /* numeric, not text: 2 < 10 */
	CHECK(tg_bundle_version_cmp(b, a) > 0);
	tg_bundle_version_parse("1.2.4", 5, b);
	CHECK(tg_bundle_version_cmp(a, b) < 0);
	tg_bundle_version_parse("0.65535.65535", 13, b);
	CHECK(tg_bundle_version_cmp(a, b) > 0);
}

/* ---- header -------------------------------------------------------------- */

static void test_header(void)
{
	uint8_t h[TG_BUNDLE_HDR + 4];
	uint32_t ml = 77;
	char err[256];

	memcpy(h, TG_BUNDLE_MAGIC, 8);
	tg_put_le32(h + 8, 300);
	tg_put_le32(h + 12, 64);
	CHECK_EQ_INT(tg_bundle_header(h, TG_BUNDLE_HDR, &ml, err, sizeof err), 0);
	CHECK_EQ_INT(ml, 300);
	tg_put_le32(h + 8, 4096);
	CHECK_EQ_INT(tg_bundle_header(h, TG_BUNDLE_HDR, &ml, err, sizeof err), 0);
	CHECK_EQ_INT(ml, 4096);
	tg_put_le32(h + 8, 1);
	CHECK_EQ_INT(tg_bundle_header(h, TG_BUNDLE_HDR, &ml, err, sizeof err), 0);
	CHECK_EQ_INT(ml, 1);

	ml = 77;
	CHECK_EQ_INT(tg_bundle_header(h, 15, &ml, err, sizeof err), -1);
	CHECK_HAS(err, "expected 16 bytes, saw 15");
	CHECK_EQ_INT(ml, 77);

	h[7] = '2';
	CHECK_EQ_INT(tg_bundle_header(h, TG_BUNDLE_HDR, &ml, err, sizeof err), -1);
	CHECK_HAS(err, "not a bundle: expected magic \"TGBUNDL1\", saw \"TGBUNDL2\"");
	memcpy(h,
	       "\x7f"
	       "ELF\x02\x01\x01\0",
	       8);
	CHECK_EQ_INT(tg_bundle_header(h, TG_BUNDLE_HDR, &ml, err, sizeof err), -1);
	CHECK_HAS(err, "saw \"\\x7fELF\\x02\\x01\\x01\\x00\"");
	memcpy(h, TG_BUNDLE_MAGIC, 8);

	tg_put_le32(h + 8, 0);
	CHECK_EQ_INT(tg_bundle_header(h, TG_BUNDLE_HDR, &ml, err, sizeof err), -1);
	CHECK_HAS(err, "manifest length of 1..4096 bytes, saw 0");
	tg_put_le32(h + 8, 4097);
	CHECK_EQ_INT(tg_bundle_header(h, TG_BUNDLE_HDR, &ml, err, sizeof err), -1);
	CHECK_HAS(err, "saw 4097");
	tg_put_le32(h + 8, 0xffffffffu);
	CHECK_EQ_INT(tg_bundle_header(h, TG_BUNDLE_HDR, &ml, err, sizeof err), -1);
	CHECK_HAS(err, "saw 4294967295");
	tg_put_le32(h + 8, 100);
	tg_put_le32(h + 12, 63);
	CHECK_EQ_INT(tg_bundle_header(h, TG_BUNDLE_HDR, &ml, err, sizeof err), -1);
	CHECK_HAS(err, "signature length of 64 bytes (P-256 r||s), saw 63");
	tg_put_le32(h + 12, 72); /* a DER signature's size is not accepted either */
	CHECK_EQ_INT(tg_bundle_header(h, TG_BUNDLE_HDR, &ml, err, sizeof err), -1);
	tg_put_le32(h + 12, 0);
	CHECK_EQ_INT(tg_bundle_header(h, TG_BUNDLE_HDR, &ml, err, sizeof err), -1);
	CHECK_EQ_INT(ml, 77);
}

/* ---- key ring -------------------------------------------------------------- */

static void test_keyring_parse(void)
{
	struct tg_bundle_keyring kr;
	char ring[4096], err[512];
	uint8_t pub[65];
	size_t n = 0;

	n += (size_t)snprintf(ring + n, sizeof ring - n, "# release keys\n\n   \t\n");
	n += ring_line(ring + n, sizeof ring - n, "key", "release-2026", 0);
	n += ring_line(ring + n, sizeof ring - n, "revoked", "old_2024.a", 1);
	/* more blanks between fields, a trailing blank, no final newline */
	n += (size_t)snprintf(ring + n, sizeof ring - n, "  # indented comment\n");
	n += ring_line(ring + n, sizeof ring - n, "key\t", " spare ", 2);
	ring[n - 1] = '\0';
	CHECK_EQ_INT(parse_ring(ring, &kr, err, sizeof err), 0);
	CHECK_EQ_INT(kr.n, 3);
	CHECK_EQ_STR(kr.key[0].name, "release-2026");
	CHECK_EQ_INT(kr.key[0].revoked, 0);
	CHECK_EQ_STR(kr.key[1].name, "old_2024.a");
	CHECK_EQ_INT(kr.key[1].revoked, 1);
	CHECK_EQ_STR(kr.key[2].name, "spare");
	pubkey(0, pub);
	CHECK(memcmp(kr.key[0].pub, pub, 65) == 0);
	pubkey(2, pub);
	CHECK(memcmp(kr.key[2].pub, pub, 65) == 0);

	/* upper-case hex is read as the same point */
	n = ring_line(ring, sizeof ring, "key", "up", 3);
	for (size_t i = 7; i < n; i++)
		if (ring[i] >= 'a' && ring[i] <= 'f')
			ring[i] = (char)(ring[i] - 'a' + 'A');
	CHECK_EQ_INT(parse_ring(ring, &kr, err, sizeof err), 0);
	pubkey(3, pub);
	CHECK(kr.n == 1 && memcmp(kr.key[0].pub, pub, 65) == 0);
}

static void ring_refused_(const char *ring, const char *w1, const char *w2, int line)
{
	struct tg_bundle_keyring kr;
	char err[512] = "";

	memset(&kr, 0x5a, sizeof kr);
	if (parse_ring(ring, &kr, err, sizeof err) != -1) {
		fprintf(stderr, "  line %d: key ring accepted\n", line);
		check_failed_now++;
		return;
	}
	if (kr.n != 0) {
		fprintf(stderr, "  line %d: key ring not cleared on refusal\n", line);
		check_failed_now++;
	}
	if (!strstr(err, w1) || (w2 && !strstr(err, w2))) {
		fprintf(stderr, "  line %d: \"%s\" lacks \"%s\" / \"%s\"\n", line, err, w1,
		        w2 ? w2 : "");
		check_failed_now++;
	}
}
#define RING_REFUSED(ring, w1, w2) ring_refused_((ring), (w1), (w2), __LINE__)

static void test_keyring_refusals(void)
{
	char ring[8192], *p;
	size_t n;
	int i;

	/* hex one digit short, one digit long */
	n = ring_line(ring, sizeof ring, "key", "a", 0);
	ring[n - 2] = '\n';
	ring[n - 1] = '\0';
	RING_REFUSED(ring, "key ring line 1: key a: expected 130 hex digits", "saw 129");
	n = ring_line(ring, sizeof ring, "key", "a", 0);
	memcpy(ring + n - 1, "0\n", 3);
	RING_REFUSED(ring, "key ring line 1:", "saw 131");
	/* not hex */
	n = ring_line(ring, sizeof ring, "key", "a", 0);
	ring[20] = 'x';
	RING_REFUSED(ring, "key ring line 1: key a: expected hex digits", NULL);
	/* compressed point prefix */
	n = ring_line(ring, sizeof ring, "key", "a", 0);
	ring[7] = '2';
	RING_REFUSED(ring, "expected an uncompressed point (first byte 04), saw 02", NULL);
	/* off the curve: last byte of Y changed */
	n = ring_line(ring, sizeof ring, "key", "a", 0);
	ring[n - 2] = ring[n - 2] == '0' ? '1' : '0';
	RING_REFUSED(ring, "key ring line 1: key a: expected a point on the P-256 curve", NULL);
	/* the point at infinity as BearSSL encodes it */
	snprintf(ring, sizeof ring, "key inf 04%0128d\n", 0);
	RING_REFUSED(ring, "expected a point on the P-256 curve", NULL);
	/* an off-curve key among good ones: the line number is its own */
	n = ring_line(ring, sizeof ring, "key", "good", 0);
	n += (size_t)snprintf(ring + n, sizeof ring - n, "# next\n");
	p = ring + n;
	n += ring_line(ring + n, sizeof ring - n, "revoked", "bad", 1);
	p[n - (size_t)(p - ring) - 2] ^= 1;
	RING_REFUSED(ring, "key ring line 3: key bad: expected a point on the P-256 curve", NULL);

	/* too many keys: 16 is the limit */
	for (n = 0, i = 0; i < TG_BUNDLE_KEYS_MAX; i++) {
		char name[16];

		snprintf(name, sizeof name, "k%d", i);
		n += ring_line(ring + n, sizeof ring - n, "key", name, i);
	}
	{
		struct tg_bundle_keyring kr;
		char err[256];

		CHECK_EQ_INT(parse_ring(ring, &kr, err, sizeof err), 0);
		CHECK_EQ_INT(kr.n, TG_BUNDLE_KEYS_MAX);
	}
	n += ring_line(ring + n, sizeof ring - n, "revoked", "k16", 16);
	RING_REFUSED(ring, "key ring line 17: expected at most 16 keys", NULL);

	/* names */
	n = ring_line(ring, sizeof ring, "key", "a/b", 0);
	RING_REFUSED(ring, "key ring line 1: expected a key name [A-Za-z0-9._-]{1,31}",
	             "saw \"a/b\"");
	n = ring_line(ring, sizeof ring, "key", "abcdefghijklmnopqrstuvwxyz012345", 0);
	RING_REFUSED(ring, "expected a key name", "saw \"abcdefghijklmnopqrstuvwxyz012345\"");
	n = ring_line(ring, sizeof ring, "key", "abcdefghijklmnopqrstuvwxyz01234", 0);
	{
		struct tg_bundle_keyring kr;

		CHECK_EQ_INT(parse_ring(ring, &kr, NULL, 0), 0); /* 31 is fine */
	}
	RING_REFUSED("key\n", "expected a key name", NULL);
	/* duplicates: a name twice, a point both trusted and revoked */
	n = ring_line(ring, sizeof ring, "key", "a", 0);
	n += ring_line(ring + n, sizeof ring - n, "key", "a", 1);
	RING_REFUSED(ring, "key ring line 2: key name a is already used on line 1", NULL);
	n = ring_line(ring, sizeof ring, "key", "a", 0);
	n += ring_line(ring + n, sizeof ring - n, "revoked", "b", 0);
	RING_REFUSED(ring, "key ring line 2: key b is the same point as key a on line 1", NULL);
	/* other words, extra fields, control bytes */
	n = ring_line(ring, sizeof ring, "trusted", "a", 0);
	RING_REFUSED(ring, "key ring line 1: expected \"key NAME HEX\" or \"revoked NAME HEX\"",
	             "saw \"trusted a 04");
	n = ring_line(ring, sizeof ring, "key", "a", 0);
	memcpy(ring + n - 1, " # x\n", 6);
	RING_REFUSED(ring, "expected the end of the line after key a's point", "saw \"#\"");
	n = ring_line(ring, sizeof ring, "key", "a", 0);
	memcpy(ring + n - 1, "\r\n", 3);
	RING_REFUSED(ring, "key ring line 1: expected printable text, saw byte 0x0d (CR)", NULL);
	/* no trusted key at all */
	RING_REFUSED("# empty\n", "expected at least one \"key NAME HEX\" line, saw no keys", NULL);
	RING_REFUSED("", "saw no keys", NULL);
	n = ring_line(ring, sizeof ring, "revoked", "a", 0);
	RING_REFUSED(ring, "saw only revoked keys", NULL);
	(void)n;
}

/* ---- signature ------------------------------------------------------------ */

static void ring_of(struct tg_bundle_keyring *kr, const char *spec)
{
	/* spec: one letter per key, 'k' trusted or 'r' revoked, key number = position */
	char ring[4096], name[8];
	size_t n = 0;
	int i;

	for (i = 0; spec[i]; i++) {
		snprintf(name, sizeof name, "key%d", i);
		n += ring_line(ring + n, sizeof ring - n, spec[i] == 'r' ? "revoked" : "key", name,
		               i);
	}
	if (tg_bundle_keyring_parse(ring, n, kr, NULL, 0) != 0)
		abort();
}

static void test_verify(void)
{
	struct tg_bundle_keyring kr;
	const struct tg_bundle_key *key = (const void *)1;
	uint8_t b[16 + 4096 + 64];
	char man[600], err[256];
	size_t ml = base_manifest(man, sizeof man), i;

	/* good key */
	make_bundle(man, ml, 0, b);
	ring_of(&kr, "k");
	CHECK_EQ_INT(check_bundle(b, &kr, &key, err, sizeof err), 0);
	CHECK(key == &kr.key[0]);

	/* wrong key: signed by key 1, ring trusts key 0 */
	make_bundle(man, ml, 1, b);
	key = (const void *)1;
	CHECK_EQ_INT(check_bundle(b, &kr, &key, err, sizeof err), -1);
	CHECK(key == NULL);
	CHECK_EQ_STR(err, "signature does not verify with any of the 1 trusted keys");

	/* two keys, the second verifies */
	ring_of(&kr, "kk");
	CHECK_EQ_INT(check_bundle(b, &kr, &key, err, sizeof err), 0);
	CHECK(key == &kr.key[1]);
	CHECK_EQ_STR(key->name, "key1");

	/* revoked key: refused, and named */
	ring_of(&kr, "kr");
	CHECK_EQ_INT(check_bundle(b, &kr, &key, err, sizeof err), -1);
	CHECK(key == NULL);
	CHECK_EQ_STR(err, "signed by revoked key key1");
	/* a ring of key 0 and revoked key 2 does not know key 1 at all */
	{
		char ring[600];
		size_t n = ring_line(ring, sizeof ring, "key", "a", 0);

		n += ring_line(ring + n, sizeof ring - n, "revoked", "c", 2);
		CHECK_EQ_INT(tg_bundle_keyring_parse(ring, n, &kr, NULL, 0), 0);
	}
	CHECK_EQ_INT(check_bundle(b, &kr, &key, err, sizeof err), -1);
	CHECK_EQ_STR(err, "signature does not verify with any of the 1 trusted keys");

	/* every byte of the signed part and of the signature matters */
	ring_of(&kr, "rk");
	make_bundle(man, ml, 1, b);
	CHECK_EQ_INT(check_bundle(b, &kr, &key, err, sizeof err), 0);
	for (i = 0; i < 16 + ml + 64; i++) {
		const struct tg_bundle_key *k2 = NULL;
		uint32_t hl;
		int rc;

		b[i] ^= 0x01;
		rc = tg_bundle_header(b, 16, &hl, NULL, 0);
		if (rc == 0)
			rc = tg_bundle_verify(b, 16 + ml, b + 16 + ml, &kr, &k2, err, sizeof err);
		if (rc != -1 || k2 != NULL) {
			fprintf(stderr, "  flipped byte %zu still verifies\n", i);
			check_failed_now++;
		}
		b[i] ^= 0x01;
	}
	/* specifically: a manifest byte (security 3 -> 4), a signature byte */
	b[16 + (size_t)(strstr(man, "security 3") - man) + 9] = '4';
	CHECK_EQ_INT(check_bundle(b, &kr, &key, err, sizeof err), -1);
	CHECK_EQ_STR(err, "signature does not verify with any of the 1 trusted keys");
	make_bundle(man, ml, 1, b);
	b[16 + ml + 40] ^= 0x80;
	CHECK_EQ_INT(check_bundle(b, &kr, &key, err, sizeof err), -1);
	CHECK_EQ_STR(err, "signature does not verify with any of the 1 trusted keys");
	/* a signature of all zeros or all ones (r, s out of range) */
	make_bundle(man, ml, 1, b);
	memset(b + 16 + ml, 0, 64);
	CHECK_EQ_INT(check_bundle(b, &kr, &key, err, sizeof err), -1);
	memset(b + 16 + ml, 0xff, 64);
	CHECK_EQ_INT(check_bundle(b, &kr, &key, err, sizeof err), -1);

	/* the signature covers the header: the same manifest and signature
	 * under another length field is a different (and invalid) bundle */
	make_bundle(man, ml, 1, b);
	CHECK_EQ_INT(tg_bundle_verify(b + 16, ml, b + 16 + ml, &kr, &key, NULL, 0), -1);
}

/*
 * A bundle signed by OpenSSL 3 (openssl dgst -sha256 -sign over the
 * header and manifest, its DER signature converted to r||s by a few lines
 * of Python), with the key ring line of that key: our verifier agrees
 * with an independent signer about what is signed and how r and s are
 * laid out.  The images are "abc" and "hello" (SHA-256 of both from
 * FIPS 180-2 and any sha256sum).
 */
static const char golden_manifest[] =
    "format 1\nproduct timegate\ncompatible qemu-x86_64\nversion 1.0.1\nsecurity 1\n"
    "image boot 3 ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\n"
    "image root 5 2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824\n";
static const char golden_ring[] =
    "key golden 04546f1305a415b81e019504ef832cc5736e664dbe62f67d2a231adcfc2a7558"
    "549ac9804fb91c17bd338d6344b3083bfe148d9008f9304500a2e9c6386d8b26ca\n";
static const char golden_sig[] = "2cf522d2f9244eb0aef7b8855434dea3c88817214592f02a26e48def6b77adb7"
                                 "4f0c87a7b70ad652eb4dc32a19f237b9a965e59f11b2c5d2d6984dac4e301a54";

static void test_golden_openssl(void)
{
	static const char *const images[2] = {"abc", "hello"};
	const struct tg_bundle_key *key = NULL;
	struct tg_bundle_manifest m;
	struct tg_bundle_keyring kr;
	uint8_t b[16 + 300 + 64], h[32];
	size_t ml = sizeof golden_manifest - 1;
	char err[256] = "";
	uint32_t hl = 0;
	int i;

	CHECK_EQ_INT(ml, 230);
	memcpy(b, "TGBUNDL1\xe6\0\0\0\x40\0\0\0", 16);
	memcpy(b + 16, golden_manifest, ml);
	for (i = 0; i < 64; i++) {
		unsigned v;

		sscanf(golden_sig + 2 * i, "%2x", &v);
		b[16 + ml + (size_t)i] = (uint8_t)v;
	}
	CHECK_EQ_INT(parse_ring(golden_ring, &kr, err, sizeof err), 0);
	CHECK_EQ_INT(tg_bundle_header(b, 16, &hl, err, sizeof err), 0);
	CHECK_EQ_INT(hl, ml);
	CHECK_EQ_INT(tg_bundle_verify(b, 16 + ml, b + 16 + ml, &kr, &key, err, sizeof err), 0);
	CHECK(key == &kr.key[0]);
	CHECK_EQ_INT(tg_bundle_manifest_parse((const char *)b + 16, ml, &m, err, sizeof err), 0);
	for (i = 0; i < 2; i++) {
		br_sha256_context sc;

		br_sha256_init(&sc);
		br_sha256_update(&sc, images[i], strlen(images[i]));
		br_sha256_out(&sc, h);
		CHECK_EQ_INT(m.image[i].size, strlen(images[i]));
		CHECK(memcmp(m.image[i].sha256, h, 32) == 0);
	}
	/* the ring of our own test keys does not accept it */
	ring_of(&kr, "kk");
	CHECK_EQ_INT(tg_bundle_verify(b, 16 + ml, b + 16 + ml, &kr, &key, err, sizeof err), -1);
}

int main(void)
{
	check_seed();
	RUN(test_manifest_round_trip);
	RUN(test_manifest_format_refuses);
	RUN(test_manifest_missing_keys);
	RUN(test_manifest_order_duplicates_unknown);
	RUN(test_manifest_fields);
	RUN(test_manifest_bytes);
	RUN(test_versions);
	RUN(test_header);
	RUN(test_keyring_parse);
	RUN(test_keyring_refusals);
	RUN(test_verify);
	RUN(test_golden_openssl);
	return check_exit();
}
