/*
 * bundle.c - the signed update bundle (bundle.h): header check, signature
 * check against the key ring, the strict manifest parser and its
 * formatter, versions.
 *
 * Everything here reads bytes an attacker chose (a bundle arrives over
 * the control socket or on a USB disk; the key ring is ours but is parsed
 * with the same care), so every function is pure over (buf, len), bounded
 * and allocation-free, and every refusal says where (line number), what
 * was expected and what was seen.  Text echoed into a message is escaped
 * and cut short, so a hostile manifest cannot forge log lines.
 *
 * The manifest grammar admits exactly one spelling of each manifest:
 * fixed key order, single spaces, no leading zeros, lower-case hex.  Two
 * different byte strings never mean the same thing, so "the bundle that
 * failed" (its hash) and "the manifest that was signed" stay one notion.
 */
#include "bundle.h"

#include <bearssl_ec.h>
#include <bearssl_hash.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "le.h"
#include "log.h"

#define SHOW_MAX 48 /* bytes of a seen line quoted in a message */

/* ---- helpers ---------------------------------------------------------- */

/*
 * Quote s[0..n) for a message: printable ASCII as is (" and \ escaped),
 * anything else as \xNN; at most SHOW_MAX input bytes, "..." after a cut.
 */
static const char *show(char *dst, size_t dstlen, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, o = 0;

	if (dstlen < 5 * SHOW_MAX + 4) {
		if (dstlen)
			dst[0] = '\0';
		return dst;
	}
	for (i = 0; i < n && i < SHOW_MAX; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\') {
			dst[o++] = '\\';
			dst[o++] = (char)c;
		} else if (c >= 0x20 && c < 0x7f) {
			dst[o++] = (char)c;
		} else {
			dst[o++] = '\\';
			dst[o++] = 'x';
			dst[o++] = hex[c >> 4];
			dst[o++] = hex[c & 15];
		}
	}
	if (n > SHOW_MAX) {
		memcpy(dst + o, "...", 3);
		o += 3;
	}
	dst[o] = '\0';
	return dst;
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int hexval(char c, int upper_ok)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (upper_ok && c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* hex text s[0..2n) into out[0..n); 0, or -1 on a character that is not hex */
static int unhex(const char *s, uint8_t *out, size_t n, int upper_ok)
{
	size_t i;

	for (i = 0; i < n; i++) {
		int hi = hexval(s[2 * i], upper_ok), lo = hexval(s[2 * i + 1], upper_ok);

		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

enum dec_result { DEC_OK = 0, DEC_NOT_NUMBER, DEC_LEADING_ZERO, DEC_TOO_LARGE };

/*
 * Decimal s[0..n) into *out, at most max.  Only digits, no sign, no
 * leading zero ("0" itself is fine).  Overflow-safe for any length: every
 * step checks against max before multiplying.
 */
static enum dec_result parse_dec(const char *s, size_t n, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (n == 0)
		return DEC_NOT_NUMBER;
	for (i = 0; i < n; i++)
		if (!is_digit(s[i]))
			return DEC_NOT_NUMBER;
	if (n > 1 && s[0] == '0')
		return DEC_LEADING_ZERO;
	for (i = 0; i < n; i++) {
		unsigned d = (unsigned)(s[i] - '0');

		if (v > (max - d) / 10)
			return DEC_TOO_LARGE;
		v = v * 10 + d;
	}
	*out = v;
	return DEC_OK;
}

/* Every byte of s[0..n) in [a-z0-9._-] (with A-Z when upper_ok), and n in 1..max. */
static int name_ok(const char *s, size_t n, size_t max, int upper_ok)
{
	size_t i;

	if (n < 1 || n > max)
		return 0;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || is_digit(c) || c == '.' || c == '_' || c == '-' ||
		      (upper_ok && c >= 'A' && c <= 'Z')))
			return 0;
	}
	return 1;
}

static const char *ctl_name(unsigned char c)
{
	switch (c) {
	case 0:
		return " (NUL)";
	case '\t':
		return " (TAB)";
	case '\r':
		return " (CR)";
	case 0x7f:
		return " (DEL)";
	default:
		return "";
	}
}

/* ---- versions ------------------------------------------------------------ */

int tg_bundle_version_parse(const char *s, size_t len, unsigned v[3])
{
	size_t i = 0, start;
	int k;

	for (k = 0; k < 3; k++) {
		uint64_t n;

		start = i;
		while (i < len && s[i] != '.')
			i++;
		if (parse_dec(s + start, i - start, 65535, &n) != DEC_OK)
			return -1;
		v[k] = (unsigned)n;
		if (k < 2) {
			if (i >= len) /* fewer than three parts */
				return -1;
			i++; /* the dot */
		}
	}
	return i == len ? 0 : -1;
}

int tg_bundle_version_cmp(const unsigned a[3], const unsigned b[3])
{
	int k;

	for (k = 0; k < 3; k++)
		if (a[k] != b[k])
			return a[k] < b[k] ? -1 : 1;
	return 0;
}

/* ---- header and signature ------------------------------------------------ */

int tg_bundle_header(const uint8_t *hdr, size_t len, uint32_t *manifest_len, char *err,
                     size_t errlen)
{
	char seen[5 * SHOW_MAX + 4];
	uint32_t ml, sl;

	if (len < TG_BUNDLE_HDR)
		return tg_fail(err, errlen, "bundle header: expected %d bytes, saw %zu",
		               TG_BUNDLE_HDR, len);
	if (memcmp(hdr, TG_BUNDLE_MAGIC, 8) != 0)
		return tg_fail(err, errlen, "not a bundle: expected magic \"%s\", saw \"%s\"",
		               TG_BUNDLE_MAGIC, show(seen, sizeof seen, (const char *)hdr, 8));
	ml = tg_get_le32(hdr + 8);
	sl = tg_get_le32(hdr + 12);
	if (ml < 1 || ml > TG_BUNDLE_MANIFEST_MAX)
		return tg_fail(err, errlen,
		               "bundle header: expected a manifest length of 1..%d bytes, saw %u",
		               TG_BUNDLE_MANIFEST_MAX, ml);
	if (sl != TG_BUNDLE_SIG)
		return tg_fail(
		    err, errlen,
		    "bundle header: expected a signature length of %d bytes (P-256 r||s), "
		    "saw %u",
		    TG_BUNDLE_SIG, sl);
	*manifest_len = ml;
	return 0;
}

static int key_verifies(const uint8_t hash[32], const uint8_t sig[TG_BUNDLE_SIG],
                        const struct tg_bundle_key *k)
{
	br_ec_public_key pk;

	pk.curve = BR_EC_secp256r1;
	/* BearSSL takes a non-const pointer but only reads the point */
	pk.q = (unsigned char *)(uintptr_t)k->pub;
	pk.qlen = sizeof k->pub;
	return br_ecdsa_i31_vrfy_raw(&br_ec_p256_m31, hash, 32, &pk, sig, TG_BUNDLE_SIG) == 1;
}

int tg_bundle_verify(const uint8_t *signed_part, size_t len, const uint8_t sig[TG_BUNDLE_SIG],
                     const struct tg_bundle_keyring *kr, const struct tg_bundle_key **key,
                     char *err, size_t errlen)
{
	br_sha256_context sc;
	uint8_t hash[32];
	int i, trusted = 0;

	*key = NULL;
	br_sha256_init(&sc);
	br_sha256_update(&sc, signed_part, len);
	br_sha256_out(&sc, hash);
	for (i = 0; i < kr->n && i < TG_BUNDLE_KEYS_MAX; i++) {
		if (kr->key[i].revoked)
			continue;
		trusted++;
		if (key_verifies(hash, sig, &kr->key[i])) {
			*key = &kr->key[i];
			return 0;
		}
	}
	/* Only to say which revoked key signed: it is refused either way. */
	for (i = 0; i < kr->n && i < TG_BUNDLE_KEYS_MAX; i++)
		if (kr->key[i].revoked && key_verifies(hash, sig, &kr->key[i]))
			return tg_fail(err, errlen, "signed by revoked key %s", kr->key[i].name);
	return tg_fail(err, errlen, "signature does not verify with any of the %d trusted keys",
	               trusted);
}

/* ---- key ring -------------------------------------------------------------- */

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* The next blank-separated field of line[*pos..n): start and length. */
static size_t field(const char *line, size_t n, size_t *pos, const char **start)
{
	size_t i = *pos, b;

	while (i < n && is_blank(line[i]))
		i++;
	b = i;
	while (i < n && !is_blank(line[i]))
		i++;
	*start = line + b;
	*pos = i;
	return i - b;
}

static int keyring_line(const char *line, size_t n, unsigned lineno, struct tg_bundle_keyring *kr,
                        unsigned *linenos, char *err, size_t errlen)
{
	static const uint8_t one = 1;
	char seen[5 * SHOW_MAX + 4];
	const char *kw, *name, *hex, *extra;
	size_t pos = 0, kwlen, namelen, hexlen, extralen;
	struct tg_bundle_key *k;
	uint8_t check[65];
	int i, revoked;

	kwlen = field(line, n, &pos, &kw);
	if (kwlen == 0 || kw[0] == '#')
		return 0;
	namelen = field(line, n, &pos, &name);
	hexlen = field(line, n, &pos, &hex);
	extralen = field(line, n, &pos, &extra);
	if (kwlen == 3 && memcmp(kw, "key", 3) == 0)
		revoked = 0;
	else if (kwlen == 7 && memcmp(kw, "revoked", 7) == 0)
		revoked = 1;
	else
		return tg_fail(
		    err, errlen,
		    "key ring line %u: expected \"key NAME HEX\" or \"revoked NAME HEX\", "
		    "saw \"%s\"",
		    lineno, show(seen, sizeof seen, line, n));
	if (!name_ok(name, namelen, sizeof kr->key[0].name - 1, 1))
		return tg_fail(
		    err, errlen,
		    "key ring line %u: expected a key name [A-Za-z0-9._-]{1,31}, saw \"%s\"",
		    lineno, show(seen, sizeof seen, name, namelen));
	if (extralen)
		return tg_fail(
		    err, errlen,
		    "key ring line %u: expected the end of the line after key %.*s's point, "
		    "saw \"%s\"",
		    lineno, (int)namelen, name, show(seen, sizeof seen, extra, extralen));
	if (hexlen != 2 * sizeof kr->key[0].pub)
		return tg_fail(err, errlen,
		               "key ring line %u: key %.*s: expected %zu hex digits (the 65-byte "
		               "uncompressed P-256 point 04||X||Y), saw %zu",
		               lineno, (int)namelen, name, 2 * sizeof kr->key[0].pub, hexlen);
	if (kr->n >= TG_BUNDLE_KEYS_MAX)
		return tg_fail(err, errlen, "key ring line %u: expected at most %d keys, saw more",
		               lineno, TG_BUNDLE_KEYS_MAX);
	k = &kr->key[kr->n];
	memset(k, 0, sizeof *k);
	if (unhex(hex, k->pub, sizeof k->pub, 1) < 0)
		return tg_fail(err, errlen,
		               "key ring line %u: key %.*s: expected hex digits, saw \"%s\"",
		               lineno, (int)namelen, name, show(seen, sizeof seen, hex, hexlen));
	if (k->pub[0] != 0x04)
		return tg_fail(
		    err, errlen,
		    "key ring line %u: key %.*s: expected an uncompressed point (first byte "
		    "04), saw %02x",
		    lineno, (int)namelen, name, k->pub[0]);
	/* 1*P: BearSSL decodes the point first and reports one off the curve */
	memcpy(check, k->pub, sizeof check);
	if (br_ec_p256_m31.mul(check, sizeof check, &one, 1, BR_EC_secp256r1) != 1)
		return tg_fail(err, errlen,
		               "key ring line %u: key %.*s: expected a point on the P-256 curve, "
		               "saw one that is not",
		               lineno, (int)namelen, name);
	memcpy(k->name, name, namelen);
	k->name[namelen] = '\0';
	k->revoked = revoked;
	for (i = 0; i < kr->n; i++) {
		if (strcmp(kr->key[i].name, k->name) == 0)
			return tg_fail(err, errlen,
			               "key ring line %u: key name %s is already used on line %u",
			               lineno, k->name, linenos[i]);
		/* the same key both trusted and revoked would be a contradiction */
		if (memcmp(kr->key[i].pub, k->pub, sizeof k->pub) == 0)
			return tg_fail(err, errlen,
			               "key ring line %u: key %s is the same point as key %s on "
			               "line %u",
			               lineno, k->name, kr->key[i].name, linenos[i]);
	}
	linenos[kr->n++] = lineno;
	return 0;
}

int tg_bundle_keyring_parse(const char *buf, size_t len, struct tg_bundle_keyring *kr, char *err,
                            size_t errlen)
{
	unsigned linenos[TG_BUNDLE_KEYS_MAX], lineno = 0;
	size_t off = 0;
	int i, trusted = 0;

	memset(kr, 0, sizeof *kr);
	while (off < len) {
		const char *line = buf + off, *nl = memchr(line, '\n', len - off);
		size_t n = nl ? (size_t)(nl - line) : len - off, j;

		lineno++;
		/* the last line may lack its newline: the file is written by hand */
		off += n + (nl != NULL);
		for (j = 0; j < n; j++) {
			unsigned char c = (unsigned char)line[j];

			if ((c < 0x20 && c != '\t') || c == 0x7f) {
				memset(kr, 0, sizeof *kr);
				return tg_fail(
				    err, errlen,
				    "key ring line %u: expected printable text, saw byte "
				    "0x%02x%s at column %zu",
				    lineno, c, ctl_name(c), j + 1);
			}
		}
		if (keyring_line(line, n, lineno, kr, linenos, err, errlen) < 0) {
			memset(kr, 0, sizeof *kr);
			return -1;
		}
	}
	for (i = 0; i < kr->n; i++)
		trusted += !kr->key[i].revoked;
	if (!trusted) {
		tg_seterr(err, errlen,
		          "key ring: expected at least one \"key NAME HEX\" line, saw %s",
		          kr->n ? "only revoked keys" : "no keys");
		memset(kr, 0, sizeof *kr);
		return -1;
	}
	return 0;
}

/* ---- manifest ------------------------------------------------------------ */

enum mkey {
	MK_FORMAT,
	MK_PRODUCT,
	MK_COMPATIBLE,
	MK_VERSION,
	MK_SECURITY,
	MK_BOOT,
	MK_ROOT,
	MK_END
};

static const struct {
	const char *key;    /* the line up to the value, without the space */
	const char *expect; /* the line's shape, for messages */
} mkeys[MK_END] = {
    [MK_FORMAT] = {"format", "\"format 1\""},
    [MK_PRODUCT] = {"product", "\"product NAME\" ([a-z0-9._-]{1,31})"},
    [MK_COMPATIBLE] = {"compatible", "\"compatible BOARD\" ([a-z0-9._-]{1,63})"},
    [MK_VERSION] = {"version", "\"version MAJOR.MINOR.PATCH\" (each 0..65535, no leading zeros)"},
    [MK_SECURITY] = {"security", "\"security N\" (0..4294967295)"},
    [MK_BOOT] = {"image boot", "\"image boot SIZE SHA256\" (SIZE 1..1099511627776, "
                               "SHA256 64 lower-case hex digits)"},
    [MK_ROOT] = {"image root", "\"image root SIZE SHA256\" (SIZE 1..1099511627776, "
                               "SHA256 64 lower-case hex digits)"},
};

/*
 * The key a line names: its first word, or for "image" its first two
 * words ("image boot").  MK_END for anything else; *keylen is the length
 * of that key in the line.
 */
static enum mkey line_key(const char *line, size_t n, size_t *keylen)
{
	const char *sp = memchr(line, ' ', n);
	size_t k = sp ? (size_t)(sp - line) : n;
	int i;

	if (k == 5 && memcmp(line, "image", 5) == 0 && k < n) {
		sp = memchr(line + 6, ' ', n - 6);
		k = sp ? (size_t)(sp - line) : n;
	}
	*keylen = k;
	for (i = 0; i < MK_END; i++)
		if (strlen(mkeys[i].key) == k && memcmp(mkeys[i].key, line, k) == 0)
			return (enum mkey)i;
	return MK_END;
}

static int mfail(char *err, size_t errlen, unsigned lineno, enum mkey want, const char *line,
                 size_t n, const char *why)
{
	char seen[5 * SHOW_MAX + 4];

	return tg_fail(err, errlen, "manifest line %u: expected %s, saw \"%s\"%s%s%s", lineno,
	               want == MK_END ? "the end of the manifest" : mkeys[want].expect,
	               show(seen, sizeof seen, line, n), why ? " (" : "", why ? why : "",
	               why ? ")" : "");
}

static const char *dec_why(enum dec_result r, int is_size)
{
	switch (r) {
	case DEC_NOT_NUMBER:
		return "not a decimal number";
	case DEC_LEADING_ZERO:
		return "leading zero";
	case DEC_TOO_LARGE:
		return is_size ? "size above 2^40" : "above 4294967295";
	default:
		return NULL;
	}
}

/* The value v[0..n) of line key k into m; NULL, or why it was refused. */
static const char *mvalue(enum mkey k, const char *v, size_t n, struct tg_bundle_manifest *m)
{
	struct tg_bundle_image *im;
	enum dec_result r;
	const char *sp;
	uint64_t num;

	switch (k) {
	case MK_FORMAT:
		if (n != 1 || v[0] != '1')
			return "unsupported format";
		m->format = 1;
		return NULL;
	case MK_PRODUCT:
		if (!name_ok(v, n, sizeof m->product - 1, 0))
			return n >= sizeof m->product ? "name too long" : "character not allowed";
		memcpy(m->product, v, n);
		m->product[n] = '\0';
		return NULL;
	case MK_COMPATIBLE:
		if (!name_ok(v, n, sizeof m->compatible - 1, 0))
			return n >= sizeof m->compatible ? "name too long"
			                                 : "character not allowed";
		memcpy(m->compatible, v, n);
		m->compatible[n] = '\0';
		return NULL;
	case MK_VERSION:
		return tg_bundle_version_parse(v, n, m->version) == 0 ? NULL : "not a version";
	case MK_SECURITY:
		r = parse_dec(v, n, UINT32_MAX, &num);
		if (r != DEC_OK)
			return dec_why(r, 0);
		m->security = (uint32_t)num;
		return NULL;
	case MK_BOOT:
	case MK_ROOT:
		im = &m->image[k - MK_BOOT];
		sp = memchr(v, ' ', n);
		if (!sp)
			return "expected a size and a hash";
		r = parse_dec(v, (size_t)(sp - v), TG_BUNDLE_SIZE_MAX, &num);
		if (r != DEC_OK)
			return dec_why(r, 1);
		if (num == 0)
			return "size 0";
		if ((size_t)(v + n - (sp + 1)) != 64 || unhex(sp + 1, im->sha256, 32, 0) < 0)
			return "SHA256 is not 64 lower-case hex digits";
		memcpy(im->target, k == MK_BOOT ? "boot" : "root", 5);
		im->size = num;
		return NULL;
	default:
		return "unknown key";
	}
}

int tg_bundle_manifest_parse(const char *buf, size_t len, struct tg_bundle_manifest *m, char *err,
                             size_t errlen)
{
	unsigned seen_on[MK_END] = {0}, lineno = 0;
	enum mkey want = MK_FORMAT;
	char whybuf[64];
	size_t off = 0;

	memset(m, 0, sizeof *m);
	if (len == 0)
		return tg_fail(err, errlen, "manifest: expected 1..%d bytes, saw none",
		               TG_BUNDLE_MANIFEST_MAX);
	if (len > TG_BUNDLE_MANIFEST_MAX)
		return tg_fail(err, errlen, "manifest: expected at most %d bytes, saw %zu",
		               TG_BUNDLE_MANIFEST_MAX, len);
	while (off < len) {
		const char *line = buf + off, *nl = memchr(line, '\n', len - off), *why;
		size_t n = nl ? (size_t)(nl - line) : len - off, j, keylen;
		enum mkey k;

		lineno++;
		for (j = 0; j < n; j++) {
			unsigned char c = (unsigned char)line[j];

			if (c < 0x20 || c >= 0x7f) {
				memset(m, 0, sizeof *m);
				return tg_fail(
				    err, errlen,
				    "manifest line %u: expected printable ASCII, saw byte "
				    "0x%02x%s at column %zu",
				    lineno, c, ctl_name(c), j + 1);
			}
		}
		if (!nl) {
			memset(m, 0, sizeof *m);
			return mfail(err, errlen, lineno, want, line, n,
			             "no newline at the end of the manifest");
		}
		off += n + 1;
		k = line_key(line, n, &keylen);
		if (k != want || want == MK_END) {
			if (k == MK_END && n >= 6 && memcmp(line, "image ", 6) == 0) {
				why = "image targets are \"boot\" then \"root\", nothing else";
			} else if (k == MK_END) {
				why = n ? "unknown key" : "empty line";
			} else if (seen_on[k]) {
				snprintf(whybuf, sizeof whybuf,
				         "duplicate: \"%s\" is already on line %u", mkeys[k].key,
				         seen_on[k]);
				why = whybuf;
			} else {
				why =
				    "missing or out of order: keys go format, product, compatible, "
				    "version, security, image boot, image root";
			}
			memset(m, 0, sizeof *m);
			return mfail(err, errlen, lineno, want, line, n, why);
		}
		/* the key, one space, a non-empty value */
		if (keylen + 1 >= n)
			why = "no value";
		else
			why = mvalue(k, line + keylen + 1, n - keylen - 1, m);
		if (why) {
			memset(m, 0, sizeof *m);
			return mfail(err, errlen, lineno, want, line, n, why);
		}
		seen_on[k] = lineno;
		want = (enum mkey)(want + 1);
	}
	if (want != MK_END) {
		memset(m, 0, sizeof *m);
		return tg_fail(err, errlen,
		               "manifest line %u: expected %s, saw the end of the manifest",
		               lineno + 1, mkeys[want].expect);
	}
	return 0;
}

size_t tg_bundle_manifest_format(const struct tg_bundle_manifest *m, char *out, size_t outlen)
{
	static const char hex[] = "0123456789abcdef";
	char h[TG_BUNDLE_IMAGES][65];
	struct tg_bundle_manifest check;
	int i, j, n;

	for (i = 0; i < TG_BUNDLE_IMAGES; i++) {
		for (j = 0; j < 32; j++) {
			h[i][2 * j] = hex[m->image[i].sha256[j] >> 4];
			h[i][2 * j + 1] = hex[m->image[i].sha256[j] & 15];
		}
		h[i][64] = '\0';
	}
	if (!memchr(m->product, '\0', sizeof m->product) ||
	    !memchr(m->compatible, '\0', sizeof m->compatible) ||
	    !memchr(m->image[0].target, '\0', sizeof m->image[0].target) ||
	    !memchr(m->image[1].target, '\0', sizeof m->image[1].target))
		return 0;
	n = snprintf(out, outlen,
	             "format %u\nproduct %s\ncompatible %s\nversion %u.%u.%u\nsecurity %" PRIu32
	             "\nimage %s %llu %s\nimage %s %llu %s\n",
	             m->format, m->product, m->compatible, m->version[0], m->version[1],
	             m->version[2], m->security, m->image[0].target,
	             (unsigned long long)m->image[0].size, h[0], m->image[1].target,
	             (unsigned long long)m->image[1].size, h[1]);
	if (n < 0 || (size_t)n >= outlen)
		return 0;
	/* what we write must be what the agent reads: refuse a struct that does not round-trip */
	if (tg_bundle_manifest_parse(out, (size_t)n, &check, NULL, 0) != 0 ||
	    check.format != m->format || strcmp(check.product, m->product) != 0 ||
	    strcmp(check.compatible, m->compatible) != 0 ||
	    tg_bundle_version_cmp(check.version, m->version) != 0 || check.security != m->security)
		return 0;
	for (i = 0; i < TG_BUNDLE_IMAGES; i++)
		if (strcmp(check.image[i].target, m->image[i].target) != 0 ||
		    check.image[i].size != m->image[i].size)
			return 0;
	return (size_t)n;
}
