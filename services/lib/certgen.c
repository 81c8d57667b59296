/*
 * certgen.c - P-256 key, self-signed certificate, CSR and PEM writer
 * (see certgen.h for what is written and why).
 *
 * The DER writer appends to the caller's buffer: a constructed element
 * is opened by writing its tag, filled, and closed by moving its
 * contents up to make room for the (then known) length.  The moves cost
 * a few kilobytes of memmove per certificate, and spare us a second
 * sizing pass or a scratch buffer per nesting level.  A write that does
 * not fit sets a sticky flag (as BearSSL's contexts do) and everything
 * after it is skipped; the caller checks the flag once at the end.
 */
#include "certgen.h"

#include <stdio.h>
#include <string.h>

#include <bearssl_ec.h>
#include <bearssl_hash.h>
#include <bearssl_pem.h>

#include "ct.h"
#include "log.h"

/* ------------------------------------------------------------ DER writer */

struct der {
	uint8_t *p;
	size_t cap, len;
	int full; /* something did not fit: the output is unusable */
};

static void put(struct der *d, const void *src, size_t n)
{
	if (d->full || d->cap - d->len < n) {
		d->full = 1;
		return;
	}
	if (n)
		memcpy(d->p + d->len, src, n);
	d->len += n;
}

static void put8(struct der *d, uint8_t b)
{
	put(d, &b, 1);
}

/* Write tag; returns the mark for close_elt (where the contents begin). */
static size_t open_elt(struct der *d, uint8_t tag)
{
	put8(d, tag);
	return d->len;
}

/* Insert the DER length of the contents written since mark. */
static void close_elt(struct der *d, size_t mark)
{
	size_t n, hl, i;

	if (d->full)
		return;
	n = d->len - mark;
	hl = n < 0x80 ? 1 : n < 0x100 ? 2 : n < 0x10000 ? 3 : 4;
	if (n >= 0x1000000 || d->cap - d->len < hl) {
		d->full = 1;
		return;
	}
	memmove(d->p + mark + hl, d->p + mark, n);
	if (hl == 1) {
		d->p[mark] = (uint8_t)n;
	} else {
		d->p[mark] = (uint8_t)(0x80 | (hl - 1));
		for (i = 1; i < hl; i++)
			d->p[mark + i] = (uint8_t)(n >> (8 * (hl - 1 - i)));
	}
	d->len += hl;
}

static void tlv(struct der *d, uint8_t tag, const void *v, size_t n)
{
	size_t m = open_elt(d, tag);

	put(d, v, n);
	close_elt(d, m);
}

#define T_BOOLEAN    0x01
#define T_INTEGER    0x02
#define T_BITSTRING  0x03
#define T_OCTETS     0x04
#define T_OID        0x06
#define T_UTF8       0x0c
#define T_UTCTIME    0x17
#define T_GENTIME    0x18
#define T_SEQUENCE   0x30
#define T_SET        0x31
#define T_CTX0       0xa0 /* [0] constructed */
#define T_CTX1       0xa1
#define T_CTX3       0xa3
#define T_SAN_DNS    0x82 /* GeneralName dNSName [2] IMPLICIT IA5String */
#define T_SAN_IP     0x87 /* GeneralName iPAddress [7] IMPLICIT OCTET STRING */

/* OID contents (without tag and length) */
static const uint8_t oid_ecdsa_sha256[] = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02};
static const uint8_t oid_ec_public_key[] = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01};
static const uint8_t oid_prime256v1[] = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
static const uint8_t oid_common_name[] = {0x55, 0x04, 0x03};
static const uint8_t oid_basic_constraints[] = {0x55, 0x1d, 0x13};
static const uint8_t oid_key_usage[] = {0x55, 0x1d, 0x0f};
static const uint8_t oid_ext_key_usage[] = {0x55, 0x1d, 0x25};
static const uint8_t oid_subject_alt_name[] = {0x55, 0x1d, 0x11};
static const uint8_t oid_subject_key_id[] = {0x55, 0x1d, 0x0e};
static const uint8_t oid_server_auth[] = {0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x01};
static const uint8_t oid_extension_request[] = {0x2a, 0x86, 0x48, 0x86, 0xf7,
                                                0x0d, 0x01, 0x09, 0x0e};

/* AlgorithmIdentifier ecdsa-with-SHA256: parameters absent (RFC 5758 3.2) */
static void put_sigalg(struct der *d)
{
	size_t m = open_elt(d, T_SEQUENCE);

	tlv(d, T_OID, oid_ecdsa_sha256, sizeof oid_ecdsa_sha256);
	close_elt(d, m);
}

/* Name: one RDN, CN as UTF8String (RFC 5280 4.1.2.6 wants UTF8String for new certificates) */
static void put_name(struct der *d, const char *cn)
{
	size_t name = open_elt(d, T_SEQUENCE);
	size_t rdn = open_elt(d, T_SET);
	size_t atv = open_elt(d, T_SEQUENCE);

	tlv(d, T_OID, oid_common_name, sizeof oid_common_name);
	tlv(d, T_UTF8, cn, strlen(cn));
	close_elt(d, atv);
	close_elt(d, rdn);
	close_elt(d, name);
}

/* SubjectPublicKeyInfo: id-ecPublicKey with the named curve, the uncompressed point */
static void put_spki(struct der *d, const uint8_t pub[65])
{
	size_t spki = open_elt(d, T_SEQUENCE);
	size_t alg = open_elt(d, T_SEQUENCE);
	size_t bits;

	tlv(d, T_OID, oid_ec_public_key, sizeof oid_ec_public_key);
	tlv(d, T_OID, oid_prime256v1, sizeof oid_prime256v1);
	close_elt(d, alg);
	bits = open_elt(d, T_BITSTRING);
	put8(d, 0); /* no unused bits */
	put(d, pub, 65);
	close_elt(d, bits);
	close_elt(d, spki);
}

/* GeneralNames for the subjectAltName: DNS names first, then addresses */
static void put_san(struct der *d, const char *const *dns, int ndns, const uint8_t (*ipv4)[4],
                    int nip)
{
	size_t m = open_elt(d, T_SEQUENCE);
	int i;

	for (i = 0; i < ndns; i++)
		tlv(d, T_SAN_DNS, dns[i], strlen(dns[i]));
	for (i = 0; i < nip; i++)
		tlv(d, T_SAN_IP, ipv4[i], 4);
	close_elt(d, m);
}

/*
 * Extension ::= SEQUENCE { extnID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }:
 * ext_open writes up to the OCTET STRING's tag, the caller writes the
 * value's DER, ext_close closes both.  DER leaves a FALSE critical out.
 */
struct ext_marks {
	size_t ext, val;
};

static struct ext_marks ext_open(struct der *d, const uint8_t *oid, size_t oidlen, int critical)
{
	static const uint8_t true_ = 0xff;
	struct ext_marks em;

	em.ext = open_elt(d, T_SEQUENCE);
	tlv(d, T_OID, oid, oidlen);
	if (critical)
		tlv(d, T_BOOLEAN, &true_, 1);
	em.val = open_elt(d, T_OCTETS);
	return em;
}

static void ext_close(struct der *d, struct ext_marks em)
{
	close_elt(d, em.val);
	close_elt(d, em.ext);
}

/* The certificate's Extensions (the SEQUENCE inside [3]) */
static void put_cert_exts(struct der *d, const uint8_t pub[65], const char *const *dns, int ndns,
                          const uint8_t (*ipv4)[4], int nip)
{
	static const uint8_t key_usage[] = {0x07, 0x80}; /* digitalSignature (bit 0): 7 unused bits */
	size_t exts = open_elt(d, T_SEQUENCE), m;
	struct ext_marks em;
	br_sha1_context h;
	uint8_t ski[20];

	/* CA:FALSE is the DEFAULT, so the SEQUENCE is empty in DER */
	em = ext_open(d, oid_basic_constraints, sizeof oid_basic_constraints, 1);
	tlv(d, T_SEQUENCE, NULL, 0);
	ext_close(d, em);

	em = ext_open(d, oid_key_usage, sizeof oid_key_usage, 1);
	tlv(d, T_BITSTRING, key_usage, sizeof key_usage);
	ext_close(d, em);

	em = ext_open(d, oid_ext_key_usage, sizeof oid_ext_key_usage, 0);
	m = open_elt(d, T_SEQUENCE);
	tlv(d, T_OID, oid_server_auth, sizeof oid_server_auth);
	close_elt(d, m);
	ext_close(d, em);

	em = ext_open(d, oid_subject_alt_name, sizeof oid_subject_alt_name, 0);
	put_san(d, dns, ndns, ipv4, nip);
	ext_close(d, em);

	/* RFC 5280 4.2.1.2 method (1): SHA-1 of the subjectPublicKey BIT STRING's value */
	br_sha1_init(&h);
	br_sha1_update(&h, pub, 65);
	br_sha1_out(&h, ski);
	em = ext_open(d, oid_subject_key_id, sizeof oid_subject_key_id, 0);
	tlv(d, T_OCTETS, ski, sizeof ski);
	ext_close(d, em);

	close_elt(d, exts);
}

/* ---------------------------------------------------------------- times */

#define T_MIN (-631152000LL)   /* 1950-01-01T00:00:00Z: UTCTime's first year */
#define T_MAX 253402300799LL   /* 9999-12-31T23:59:59Z: GeneralizedTime's last */

/* Proleptic Gregorian date of day z after 1970-01-01 (H. Hinnant's civil_from_days). */
static void civil_from_days(int64_t z, int64_t *y, int *m, int *dd)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*dd = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

/*
 * RFC 5280 4.1.2.5: UTCTime YYMMDDHHMMSSZ for 1950..2049, GeneralizedTime
 * YYYYMMDDHHMMSSZ otherwise; always Zulu, seconds present, no fraction.
 * t is within T_MIN..T_MAX (checked by the callers).
 */
static void put_time(struct der *d, int64_t t)
{
	char s[20];
	int64_t days = t / 86400, sec = t % 86400, y;
	int m, dd, n;

	if (sec < 0) {
		sec += 86400;
		days--;
	}
	civil_from_days(days, &y, &m, &dd);
	if (y >= 1950 && y <= 2049) {
		n = snprintf(s, sizeof s, "%02d%02d%02d%02d%02d%02dZ", (int)(y % 100), m, dd,
		             (int)(sec / 3600), (int)(sec / 60 % 60), (int)(sec % 60));
		tlv(d, T_UTCTIME, s, (size_t)n);
	} else {
		n = snprintf(s, sizeof s, "%04d%02d%02d%02d%02d%02dZ", (int)y, m, dd,
		             (int)(sec / 3600), (int)(sec / 60 % 60), (int)(sec % 60));
		tlv(d, T_GENTIME, s, (size_t)n);
	}
}

/* ---------------------------------------------------------------- checks */

static int check_cn(const char *cn, char *err, size_t errlen)
{
	size_t n, i;

	if (!cn)
		return tg_fail(err, errlen, "CN: expected 1 to %d printable ASCII characters, got none",
		               TG_CERTGEN_NAME_MAX);
	n = strnlen(cn, TG_CERTGEN_NAME_MAX + 1);
	if (n == 0 || n > TG_CERTGEN_NAME_MAX)
		return tg_fail(err, errlen,
		               "CN: expected 1 to %d printable ASCII characters, got %s",
		               TG_CERTGEN_NAME_MAX, n ? "more" : "an empty string");
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)cn[i];

		if (c < 0x20 || c > 0x7e)
			return tg_fail(err, errlen,
			               "CN: expected printable ASCII (0x20 to 0x7e), got byte 0x%02x "
			               "at offset %zu", c, i);
	}
	return 0;
}

static int is_ldh(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-';
}

/* Host-name syntax (RFC 1123 2.1): LDH labels of 1..63, no '-' at either end, single dots. */
static int check_dns(int idx, const char *name, char *err, size_t errlen)
{
	size_t n, i, label = 0;

	if (!name)
		return tg_fail(err, errlen, "DNS name %d: expected a host name, got none", idx + 1);
	n = strnlen(name, TG_CERTGEN_NAME_MAX + 1);
	if (n == 0 || n > TG_CERTGEN_NAME_MAX)
		return tg_fail(err, errlen, "DNS name %d: expected 1 to %d characters, got %s",
		               idx + 1, TG_CERTGEN_NAME_MAX, n ? "more" : "an empty string");
	for (i = 0; i <= n; i++) {
		unsigned char c = (unsigned char)name[i];

		if (c == '.' || c == 0) {
			if (label == 0)
				return tg_fail(err, errlen,
				               "DNS name %d: expected a label before offset %zu, got "
				               "an empty label", idx + 1, i);
			if (label > 63)
				return tg_fail(err, errlen,
				               "DNS name %d: expected labels of at most 63 characters, "
				               "got %zu before offset %zu", idx + 1, label, i);
			if (name[i - 1] == '-')
				return tg_fail(err, errlen,
				               "DNS name %d: expected a letter or digit at offset %zu "
				               "(label end), got '-'", idx + 1, i - 1);
			label = 0;
			continue;
		}
		if (!is_ldh(c))
			return tg_fail(err, errlen,
			               "DNS name %d: expected a letter, digit, '-' or '.', got byte "
			               "0x%02x at offset %zu", idx + 1, c, i);
		if (label == 0 && c == '-')
			return tg_fail(err, errlen,
			               "DNS name %d: expected a letter or digit at offset %zu (label "
			               "start), got '-'", idx + 1, i);
		label++;
	}
	return 0;
}

static int check_names(const char *cn, const char *const *dns, int ndns, const uint8_t (*ipv4)[4],
                       int nip, char *err, size_t errlen)
{
	int i;

	if (check_cn(cn, err, errlen) < 0)
		return -1;
	if (ndns < 0 || ndns > TG_CERTGEN_NAMES_MAX || (ndns > 0 && !dns))
		return tg_fail(err, errlen, "subjectAltName: expected 0 to %d DNS names, got %d",
		               TG_CERTGEN_NAMES_MAX, ndns);
	if (nip < 0 || nip > TG_CERTGEN_NAMES_MAX || (nip > 0 && !ipv4))
		return tg_fail(err, errlen, "subjectAltName: expected 0 to %d IPv4 addresses, got %d",
		               TG_CERTGEN_NAMES_MAX, nip);
	if (ndns + nip == 0)
		return tg_fail(err, errlen,
		               "subjectAltName: expected at least one DNS name or IPv4 address, "
		               "got none");
	for (i = 0; i < ndns; i++)
		if (check_dns(i, dns[i], err, errlen) < 0)
			return -1;
	return 0;
}

/* The P-256 group order n, big-endian */
static const uint8_t p256_n[32] = {
	0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
};

/* 1 if 0 < x < n; the time does not depend on x (as in BearSSL's br_ec_keygen). */
static int scalar_ok(const uint8_t x[32])
{
	uint32_t borrow = 0, nz = 0;
	size_t u = 32;

	while (u-- > 0) {
		borrow = ((uint32_t)x[u] - p256_n[u] - borrow) >> 31;
		nz |= x[u];
	}
	return (int)(borrow & ((nz + 0xff) >> 8));
}

/*
 * priv must be a valid scalar and pub its point: a certificate with
 * another key than the one that signs would never verify, and we would
 * only learn it from a browser.
 */
static int check_key(const uint8_t priv[32], const uint8_t pub[65], char *err, size_t errlen)
{
	uint8_t x[32], q[BR_EC_KBUF_PUB_MAX_SIZE];
	br_ec_private_key sk;
	size_t qlen;
	int ok;

	if (!priv || !pub)
		return tg_fail(err, errlen, "key: expected a private and a public key, got none");
	if (!scalar_ok(priv))
		return tg_fail(err, errlen,
		               "private key: expected a P-256 scalar in 1..n-1, got one out of range");
	memcpy(x, priv, 32);
	sk.curve = BR_EC_secp256r1;
	sk.x = x;
	sk.xlen = 32;
	qlen = br_ec_compute_pub(br_ec_get_default(), NULL, q, &sk);
	ok = qlen == 65 && memcmp(q, pub, 65) == 0;
	tg_wipe(x, sizeof x);
	if (!ok)
		return tg_fail(err, errlen,
		               "public key: expected the private key's point (0x04 || X || Y), got "
		               "another");
	return 0;
}

/* ECDSA-SHA256 over msg[0..n) into sig (DER, at most 72 bytes); its length, or 0 */
static size_t sign(const uint8_t priv[32], const uint8_t *msg, size_t n, uint8_t sig[80])
{
	br_sha256_context h;
	br_ec_private_key sk;
	uint8_t hv[32], x[32];
	size_t len;

	br_sha256_init(&h);
	br_sha256_update(&h, msg, n);
	br_sha256_out(&h, hv);
	memcpy(x, priv, 32);
	sk.curve = BR_EC_secp256r1;
	sk.x = x;
	sk.xlen = 32;
	/* the hash is given, so BearSSL derives k by RFC 6979: no randomness needed */
	len = br_ecdsa_i31_sign_asn1(br_ec_get_default(), &br_sha256_vtable, hv, &sk, sig);
	tg_wipe(x, sizeof x);
	tg_wipe(&sk, sizeof sk);
	return len;
}

/*
 * Close a signed structure: hash and sign der[tbs..d->len) (the TBS or
 * CertificationRequestInfo just closed), append the algorithm and the
 * signature BIT STRING, close the outer SEQUENCE at outer.
 */
static int sign_and_close(struct der *d, size_t outer, size_t tbs, const uint8_t priv[32],
                          const char *what, char *err, size_t errlen)
{
	uint8_t sig[80];
	size_t siglen, bits;

	if (d->full)
		goto full;
	siglen = sign(priv, d->p + tbs, d->len - tbs, sig);
	if (siglen == 0)
		return tg_fail(err, errlen, "%s: ECDSA signature refused by BearSSL", what);
	put_sigalg(d);
	bits = open_elt(d, T_BITSTRING);
	put8(d, 0);
	put(d, sig, siglen);
	close_elt(d, bits);
	close_elt(d, outer);
	if (!d->full)
		return 0;
full:
	return tg_fail(err, errlen, "%s: expected room for it, got an output buffer of %zu bytes "
	               "(TG_CERTGEN_DER_MAX is always enough)", what, d->cap);
}

/* ------------------------------------------------------------------- API */

int tg_certgen_key(const br_prng_class **rng, uint8_t priv[32], uint8_t pub[65])
{
	uint8_t kbuf[BR_EC_KBUF_PRIV_MAX_SIZE];
	br_ec_private_key sk;
	const br_ec_impl *ec = br_ec_get_default();
	int rc = -1;

	if (br_ec_keygen(rng, ec, &sk, kbuf, BR_EC_secp256r1) != 32)
		goto out;
	if (br_ec_compute_pub(ec, NULL, pub, &sk) != 65)
		goto out;
	memcpy(priv, kbuf, 32);
	rc = 0;
out:
	tg_wipe(kbuf, sizeof kbuf);
	tg_wipe(&sk, sizeof sk);
	return rc;
}

int tg_certgen_self_signed(const uint8_t priv[32], const uint8_t pub[65], const char *cn,
                           const char *const *dns, int ndns, const uint8_t (*ipv4)[4], int nip,
                           int64_t not_before, int64_t not_after, const uint8_t serial[16],
                           uint8_t *der, size_t cap, size_t *len, char *err, size_t errlen)
{
	static const uint8_t v3 = 2;
	struct der d = {der, der ? cap : 0, 0, 0};
	uint8_t sn[16];
	size_t cert, tbs, m, m2, i;

	*len = 0;
	if (check_names(cn, dns, ndns, ipv4, nip, err, errlen) < 0)
		return -1;
	if (not_before < T_MIN || not_before > T_MAX || not_after < T_MIN || not_after > T_MAX)
		return tg_fail(err, errlen,
		               "validity: expected times from 1950-01-01 to 9999-12-31 (Unix %lld "
		               "to %lld), got %lld to %lld", T_MIN, T_MAX, (long long)not_before,
		               (long long)not_after);
	if (not_before > not_after)
		return tg_fail(err, errlen,
		               "validity: expected notBefore <= notAfter, got %lld > %lld",
		               (long long)not_before, (long long)not_after);
	if (!serial)
		return tg_fail(err, errlen, "serial: expected 16 random bytes, got none");
	memcpy(sn, serial, sizeof sn);
	sn[0] &= 0x7f; /* positive without a leading zero byte, at most 20 octets (RFC 5280 4.1.2.2) */
	/* minimal INTEGER: drop leading zeros while the next byte keeps the number positive */
	for (i = 0; i < sizeof sn - 1 && sn[i] == 0 && sn[i + 1] < 0x80; i++)
		;
	if (i == sizeof sn - 1 && sn[i] == 0)
		return tg_fail(err, errlen, "serial: expected a non-zero number, got zero");
	if (check_key(priv, pub, err, errlen) < 0)
		return -1;

	cert = open_elt(&d, T_SEQUENCE);
	tbs = d.len;
	m = open_elt(&d, T_SEQUENCE);
	m2 = open_elt(&d, T_CTX0);
	tlv(&d, T_INTEGER, &v3, 1);
	close_elt(&d, m2);
	tlv(&d, T_INTEGER, sn + i, sizeof sn - i);
	put_sigalg(&d);
	put_name(&d, cn); /* issuer */
	m2 = open_elt(&d, T_SEQUENCE);
	put_time(&d, not_before);
	put_time(&d, not_after);
	close_elt(&d, m2);
	put_name(&d, cn); /* subject: the same bytes, so BearSSL and openssl see it self-issued */
	put_spki(&d, pub);
	m2 = open_elt(&d, T_CTX3);
	put_cert_exts(&d, pub, dns, ndns, ipv4, nip);
	close_elt(&d, m2);
	close_elt(&d, m);

	if (sign_and_close(&d, cert, tbs, priv, "certificate", err, errlen) < 0)
		return -1;
	*len = d.len;
	return 0;
}

int tg_certgen_csr(const uint8_t priv[32], const uint8_t pub[65], const char *cn,
                   const char *const *dns, int ndns, uint8_t *der, size_t cap, size_t *len,
                   char *err, size_t errlen)
{
	static const uint8_t v1 = 0;
	struct der d = {der, der ? cap : 0, 0, 0};
	struct ext_marks em;
	size_t req, cri, m, attr, set, exts;

	*len = 0;
	if (check_names(cn, dns, ndns, NULL, 0, err, errlen) < 0)
		return -1;
	if (check_key(priv, pub, err, errlen) < 0)
		return -1;

	req = open_elt(&d, T_SEQUENCE);
	cri = d.len;
	m = open_elt(&d, T_SEQUENCE);
	tlv(&d, T_INTEGER, &v1, 1);
	put_name(&d, cn);
	put_spki(&d, pub);
	/* attributes [0] IMPLICIT SET OF Attribute: one extensionRequest (PKCS#9, RFC 2985 5.4.2) */
	attr = open_elt(&d, T_CTX0);
	{
		size_t a = open_elt(&d, T_SEQUENCE);

		tlv(&d, T_OID, oid_extension_request, sizeof oid_extension_request);
		set = open_elt(&d, T_SET);
		exts = open_elt(&d, T_SEQUENCE);
		em = ext_open(&d, oid_subject_alt_name, sizeof oid_subject_alt_name, 0);
		put_san(&d, dns, ndns, NULL, 0);
		ext_close(&d, em);
		close_elt(&d, exts);
		close_elt(&d, set);
		close_elt(&d, a);
	}
	close_elt(&d, attr);
	close_elt(&d, m);

	if (sign_and_close(&d, req, cri, priv, "certificate request", err, errlen) < 0)
		return -1;
	*len = d.len;
	return 0;
}

int tg_certgen_key_der(const uint8_t priv[32], const uint8_t pub[65], uint8_t *der, size_t cap,
                       size_t *len)
{
	static const uint8_t v1 = 1;
	struct der d = {der, der ? cap : 0, 0, 0};
	size_t key, m, bits;

	*len = 0;
	/* RFC 5915 ECPrivateKey: version 1, the scalar in 32 bytes, [0] curve, [1] point */
	key = open_elt(&d, T_SEQUENCE);
	tlv(&d, T_INTEGER, &v1, 1);
	tlv(&d, T_OCTETS, priv, 32);
	m = open_elt(&d, T_CTX0);
	tlv(&d, T_OID, oid_prime256v1, sizeof oid_prime256v1);
	close_elt(&d, m);
	m = open_elt(&d, T_CTX1);
	bits = open_elt(&d, T_BITSTRING);
	put8(&d, 0);
	put(&d, pub, 65);
	close_elt(&d, bits);
	close_elt(&d, m);
	close_elt(&d, key);
	if (d.full) {
		/* part of the key may be in der already */
		if (der)
			tg_wipe(der, d.len < cap ? d.len : cap);
		return -1;
	}
	*len = d.len;
	return 0;
}

/* 1..32 characters of A-Z and 0-9, single spaces between words */
static int label_ok(const char *label)
{
	size_t n, i;

	if (!label)
		return 0;
	n = strnlen(label, 33);
	if (n == 0 || n > 32 || label[0] == ' ' || label[n - 1] == ' ')
		return 0;
	for (i = 0; i < n; i++) {
		char c = label[i];

		if (c == ' ' ? label[i + 1] == ' ' : !((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
			return 0;
	}
	return 1;
}

int tg_pem_write(const char *label, const uint8_t *der, size_t len, char *out, size_t cap)
{
	size_t need;

	if (out && cap > 0)
		out[0] = 0;
	if (!label_ok(label) || !der || len == 0 || len > 65536 || !out)
		return -1;
	/* 64-character lines as RFC 7468 and openssl write them (BearSSL's default is 76) */
	need = br_pem_encode(NULL, der, len, label, BR_PEM_LINE64);
	if (need >= cap)
		return -1;
	br_pem_encode(out, der, len, label, BR_PEM_LINE64);
	return (int)need;
}
