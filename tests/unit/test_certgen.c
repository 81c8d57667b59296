/*
 * test_certgen.c - lib/certgen.c: the certificate read back by BearSSL's
 * X.509 decoder (key, CA flag, validity, signer) and validated by
 * br_x509_minimal with itself as the trust anchor, for each DNS name and
 * not for others, inside its validity and not outside, not once a byte
 * of it changes; every field and extension byte for byte by a strict DER
 * walker here (which also refuses non-minimal lengths); the CSR's
 * signature verified over its CertificationRequestInfo; the key DER read
 * back by lib/pemfile; the PEM text; every refusal and every too-small
 * output buffer (ASan-checked: the buffers are exactly that small).
 *
 * certgen.c is included to reach put_time, checked against gmtime_r.
 * Keys come from an HMAC-DRBG with fixed seeds: the output is the same
 * on every run (ECDSA is deterministic too).
 */
#include "check.h"

#include <time.h>

#include "../../services/lib/certgen.c"
#include "../../services/lib/pemfile.h"

static const char *const names[] = {"timegate.local", "tg-1.example.net"};
static const uint8_t addrs[][4] = {{192, 0, 2, 10}, {10, 0, 0, 1}};
static const uint8_t serial1[16] = {0x93, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
                                    0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff};
#define NB 1700000000LL /* 2023-11-14T22:13:20Z */
#define NA (NB + 365 * 86400LL)

static void keypair(uint8_t seed, uint8_t priv[32], uint8_t pub[65])
{
	br_hmac_drbg_context drbg;
	uint8_t s[32];

	memset(s, seed, sizeof s);
	br_hmac_drbg_init(&drbg, &br_sha256_vtable, s, sizeof s);
	CHECK_EQ_INT(tg_certgen_key(&drbg.vtable, priv, pub), 0);
}

/* the default certificate: key from seed 1, both names, both addresses */
static size_t make_cert(uint8_t *der, size_t cap, uint8_t priv[32], uint8_t pub[65], int64_t nb,
                        int64_t na)
{
	char err[200] = "";
	size_t len = 0;

	keypair(1, priv, pub);
	if (tg_certgen_self_signed(priv, pub, "Timegate console", names, 2, addrs, 2, nb, na,
	                           serial1, der, cap, &len, err, sizeof err) < 0)
		fprintf(stderr, "  self_signed: %s\n", err);
	CHECK(len > 0);
	return len;
}

/* ------------------------------------------------- a strict DER reader */

struct tlv {
	uint8_t tag;
	const uint8_t *v; /* contents */
	size_t len;
	const uint8_t *raw; /* the whole element */
	size_t rawlen;
};

/* Next element of [*p, end): 1, or 0 if malformed or not minimal DER (lengths). */
static int rd(const uint8_t **p, const uint8_t *end, struct tlv *t)
{
	const uint8_t *q = *p;
	size_t n, k, i;

	if (end - q < 2)
		return 0;
	t->raw = q;
	t->tag = *q++;
	n = *q++;
	if (n & 0x80) {
		k = n & 0x7f;
		if (k == 0 || k > 3 || (size_t)(end - q) < k || q[0] == 0)
			return 0;
		for (n = 0, i = 0; i < k; i++)
			n = (n << 8) | *q++;
		if (n < 0x80 || (k > 1 && n < ((size_t)1 << (8 * (k - 1)))))
			return 0; /* a shorter length form existed */
	}
	if ((size_t)(end - q) < n)
		return 0;
	t->v = q;
	t->len = n;
	t->rawlen = (size_t)(q + n - t->raw);
	*p = q + n;
	return 1;
}

/* The element of tag at *p, or a failed check. */
static struct tlv expect(const uint8_t **p, const uint8_t *end, uint8_t tag)
{
	struct tlv t;

	memset(&t, 0, sizeof t);
	if (!rd(p, end, &t) || t.tag != tag) {
		fprintf(stderr, "  expected tag 0x%02x, got 0x%02x\n", tag, t.tag);
		check_failed_now++;
		t.v = t.raw = end;
		t.len = t.rawlen = 0;
		*p = end;
	}
	return t;
}

static int eq(struct tlv t, const void *want, size_t n)
{
	return t.len == n && memcmp(t.v, want, n) == 0;
}

/* Every constructed element of buf parses, to the last byte. */
static int der_strict(const uint8_t *p, const uint8_t *end)
{
	struct tlv t;

	while (p < end) {
		if (!rd(&p, end, &t))
			return 0;
		/* constructed: SEQUENCE, SET, [n] constructed; and OCTET STRINGs of extensions */
		if ((t.tag & 0x20) && !der_strict(t.v, t.v + t.len))
			return 0;
	}
	return 1;
}

static const uint8_t cn_name[] = {0x30, 0x1b, 0x31, 0x19, 0x30, 0x17, 0x06, 0x03, 0x55, 0x04,
                                  0x03, 0x0c, 0x10, 'T', 'i', 'm', 'e', 'g', 'a', 't', 'e',
                                  ' ', 'c', 'o', 'n', 's', 'o', 'l', 'e'};

static const uint8_t sigalg[] = {0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02};

static const uint8_t spki_head[] = {0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d,
                                    0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03,
                                    0x01, 0x07, 0x03, 0x42, 0x00};

static const uint8_t san_full[] = {
	0x30, 0x2e,
	0x82, 0x0e, 't', 'i', 'm', 'e', 'g', 'a', 't', 'e', '.', 'l', 'o', 'c', 'a', 'l',
	0x82, 0x10, 't', 'g', '-', '1', '.', 'e', 'x', 'a', 'm', 'p', 'l', 'e', '.', 'n', 'e', 't',
	0x87, 0x04, 192, 0, 2, 10,
	0x87, 0x04, 10, 0, 0, 1,
};

/* ECDSA-P256-SHA256 signature check of sig over msg with pub */
static int sig_ok(const uint8_t pub[65], const uint8_t *msg, size_t n, const uint8_t *sig,
                  size_t siglen)
{
	br_sha256_context h;
	br_ec_public_key pk;
	uint8_t hv[32], q[65];

	memcpy(q, pub, 65);
	pk.curve = BR_EC_secp256r1;
	pk.q = q;
	pk.qlen = 65;
	br_sha256_init(&h);
	br_sha256_update(&h, msg, n);
	br_sha256_out(&h, hv);
	return br_ecdsa_i31_vrfy_asn1(br_ec_get_default(), hv, 32, &pk, sig, siglen) == 1;
}

/* -------------------------------------------------------------- tests */

static void test_key_pair(void)
{
	uint8_t a[32], pa[65], b[32], pb[65], c[32], pc[65], q[65];
	br_ec_private_key sk;

	keypair(1, a, pa);
	keypair(1, b, pb);
	keypair(2, c, pc);
	CHECK(memcmp(a, b, 32) == 0 && memcmp(pa, pb, 65) == 0); /* only the PRNG decides */
	CHECK(memcmp(a, c, 32) != 0 && memcmp(pa, pc, 65) != 0);
	CHECK(scalar_ok(a) && scalar_ok(c));
	CHECK_EQ_INT(pa[0], 0x04);
	/* pub is a's point, by BearSSL's other implementation */
	sk.curve = BR_EC_secp256r1;
	sk.x = a;
	sk.xlen = 32;
	CHECK_EQ_INT(br_ec_compute_pub(&br_ec_p256_m31, NULL, q, &sk), 65);
	CHECK(memcmp(q, pa, 65) == 0);
}

static void test_scalar_range(void)
{
	uint8_t x[32];

	memset(x, 0, sizeof x);
	CHECK(!scalar_ok(x));
	x[31] = 1;
	CHECK(scalar_ok(x));
	memcpy(x, p256_n, 32);
	CHECK(!scalar_ok(x)); /* n */
	x[31]--;
	CHECK(scalar_ok(x)); /* n - 1 */
	memset(x, 0xff, sizeof x);
	CHECK(!scalar_ok(x));
}

struct dn_capture {
	uint8_t b[256];
	size_t len;
};

static void dn_cb(void *ctx, const void *buf, size_t len)
{
	struct dn_capture *c = ctx;

	if (len <= sizeof c->b - c->len) {
		memcpy(c->b + c->len, buf, len);
		c->len += len;
	}
}

static void decode_check(const uint8_t *der, size_t len, const uint8_t pub[65], int64_t nb,
                         int64_t na)
{
	br_x509_decoder_context dc;
	struct dn_capture dn = {{0}, 0};
	br_x509_pkey *pk;

	br_x509_decoder_init(&dc, dn_cb, &dn);
	br_x509_decoder_push(&dc, der, len);
	pk = br_x509_decoder_get_pkey(&dc);
	CHECK_EQ_INT(br_x509_decoder_last_error(&dc), 0);
	CHECK(pk != NULL);
	if (!pk)
		return;
	CHECK_EQ_INT(pk->key_type, BR_KEYTYPE_EC);
	CHECK_EQ_INT(pk->key.ec.curve, BR_EC_secp256r1);
	CHECK(pk->key.ec.qlen == 65 && memcmp(pk->key.ec.q, pub, 65) == 0);
	CHECK_EQ_INT(br_x509_decoder_isCA(&dc), 0);
	CHECK_EQ_INT(br_x509_decoder_get_signer_key_type(&dc), BR_KEYTYPE_EC);
	CHECK_EQ_INT(br_x509_decoder_get_signer_hash_id(&dc), br_sha256_ID);
	/* BearSSL counts days from 0000-01-01; 1970-01-01 is day 719528 */
	CHECK_EQ_INT(dc.notbefore_days, nb / 86400 + 719528);
	CHECK_EQ_INT(dc.notbefore_seconds, nb % 86400);
	CHECK_EQ_INT(dc.notafter_days, na / 86400 + 719528);
	CHECK_EQ_INT(dc.notafter_seconds, na % 86400);
	CHECK(dn.len == sizeof cn_name && memcmp(dn.b, cn_name, sizeof cn_name) == 0);
}

static void test_cert_decoder(void)
{
	uint8_t der[TG_CERTGEN_DER_MAX], priv[32], pub[65];
	size_t len;

	len = make_cert(der, sizeof der, priv, pub, NB, NA);
	decode_check(der, len, pub, NB, NA);
	/* UTCTime's last second, GeneralizedTime's first */
	len = make_cert(der, sizeof der, priv, pub, 2524607999LL, 2524608000LL);
	decode_check(der, len, pub, 2524607999LL, 2524608000LL);
	len = make_cert(der, sizeof der, priv, pub, NB, 253402300799LL);
	decode_check(der, len, pub, NB, 253402300799LL);
}

/*
 * br_x509_minimal over the chain {der} with one trust anchor: the
 * certificate's own DN, taPub's key, CA flag set (so the signature is
 * checked: a non-CA anchor would be "direct trust", which skips it).
 * Returns BearSSL's error (0 = valid); *usages gets the key usages.
 */
static int validate(const uint8_t *der, size_t len, const uint8_t ta_pub[65], const char *name,
                    int64_t t, unsigned *usages)
{
	br_x509_minimal_context xc;
	br_x509_trust_anchor ta;
	uint8_t q[65];
	const br_x509_class **vt;
	int rc;

	memcpy(q, ta_pub, 65);
	ta.dn.data = (unsigned char *)(uintptr_t)cn_name;
	ta.dn.len = sizeof cn_name;
	ta.flags = BR_X509_TA_CA;
	ta.pkey.key_type = BR_KEYTYPE_EC;
	ta.pkey.key.ec.curve = BR_EC_secp256r1;
	ta.pkey.key.ec.q = q;
	ta.pkey.key.ec.qlen = 65;
	br_x509_minimal_init(&xc, &br_sha256_vtable, &ta, 1);
	br_x509_minimal_set_hash(&xc, br_sha256_ID, &br_sha256_vtable);
	br_x509_minimal_set_ecdsa(&xc, br_ec_get_default(), br_ecdsa_i31_vrfy_asn1);
	br_x509_minimal_set_time(&xc, (uint32_t)(t / 86400 + 719528), (uint32_t)(t % 86400));
	vt = &xc.vtable;
	(*vt)->start_chain(vt, name);
	(*vt)->start_cert(vt, (uint32_t)len);
	(*vt)->append(vt, der, len);
	(*vt)->end_cert(vt);
	rc = (int)(*vt)->end_chain(vt);
	if (rc == 0 && usages)
		(*vt)->get_pkey(vt, usages);
	return rc;
}

static void test_cert_validates(void)
{
	uint8_t der[TG_CERTGEN_DER_MAX], bad[TG_CERTGEN_DER_MAX], priv[32], pub[65], p2[32],
		pub2[65];
	unsigned usages = 0;
	size_t len, i;

	len = make_cert(der, sizeof der, priv, pub, NB, NA);
	CHECK_EQ_INT(validate(der, len, pub, "timegate.local", NB + 100, &usages), 0);
	/* digitalSignature only: good for a TLS 1.3 server key, not for key exchange */
	CHECK(usages & BR_KEYTYPE_SIGN);
	CHECK(!(usages & BR_KEYTYPE_KEYX));
	CHECK_EQ_INT(validate(der, len, pub, "tg-1.example.net", NB + 100, NULL), 0);
	CHECK_EQ_INT(validate(der, len, pub, "TG-1.Example.NET", NB + 100, NULL), 0);
	CHECK_EQ_INT(validate(der, len, pub, "timegate.local", NB, NULL), 0);
	CHECK_EQ_INT(validate(der, len, pub, "timegate.local", NA, NULL), 0);
	CHECK_EQ_INT(validate(der, len, pub, "other.example", NB + 100, NULL),
	             BR_ERR_X509_BAD_SERVER_NAME);
	CHECK_EQ_INT(validate(der, len, pub, "timegate.local", NB - 1, NULL), BR_ERR_X509_EXPIRED);
	CHECK_EQ_INT(validate(der, len, pub, "timegate.local", NA + 1, NULL), BR_ERR_X509_EXPIRED);
	/* another key under the same name; BearSSL reports an anchor whose key does not
	 * verify the last signature as "not trusted" */
	keypair(2, p2, pub2);
	CHECK_EQ_INT(validate(der, len, pub2, "timegate.local", NB + 100, NULL),
	             BR_ERR_X509_NOT_TRUSTED);
	/* the subjectKeyIdentifier value (signed, ignored by BearSSL) changed; a byte of s */
	for (i = 0; i + 22 < len; i++)
		if (memcmp(der + i, "\x04\x16\x04\x14", 4) == 0)
			break;
	CHECK(i + 22 < len);
	memcpy(bad, der, len);
	bad[i + 10] ^= 1;
	CHECK_EQ_INT(validate(bad, len, pub, "timegate.local", NB + 100, NULL),
	             BR_ERR_X509_NOT_TRUSTED);
	memcpy(bad, der, len);
	bad[len - 3] ^= 1;
	CHECK_EQ_INT(validate(bad, len, pub, "timegate.local", NB + 100, NULL),
	             BR_ERR_X509_NOT_TRUSTED);

	/* an IP-only certificate validates with no name asked (BearSSL matches DNS names only) */
	{
		char err[200];

		CHECK_EQ_INT(tg_certgen_self_signed(priv, pub, "Timegate console", NULL, 0, addrs, 1,
		                                    NB, NA, serial1, der, sizeof der, &len, err,
		                                    sizeof err), 0);
		CHECK_EQ_INT(validate(der, len, pub, NULL, NB + 100, NULL), 0);
	}
}

/* Every field of the certificate, byte for byte, through the strict DER walker. */
static void test_cert_structure(void)
{
	uint8_t der[TG_CERTGEN_DER_MAX], priv[32], pub[65], ski[20];
	const uint8_t *p, *e, *q, *qe;
	struct tlv cert, tbs, t, v, exts, x;
	br_sha1_context h;
	size_t len;
	int n;

	len = make_cert(der, sizeof der, priv, pub, NB, 2556144000LL /* 2051-01-01 */);
	CHECK(der_strict(der, der + len));
	p = der;
	e = der + len;
	cert = expect(&p, e, T_SEQUENCE);
	CHECK(p == e); /* nothing after the certificate */
	p = cert.v;
	e = cert.v + cert.len;
	tbs = expect(&p, e, T_SEQUENCE);
	t = expect(&p, e, T_SEQUENCE);
	CHECK(t.rawlen == sizeof sigalg && memcmp(t.raw, sigalg, sizeof sigalg) == 0);
	t = expect(&p, e, T_BITSTRING);
	CHECK(t.len > 1 && t.v[0] == 0);
	CHECK(sig_ok(pub, tbs.raw, tbs.rawlen, t.v + 1, t.len - 1));
	CHECK(p == e);

	p = tbs.v;
	e = tbs.v + tbs.len;
	t = expect(&p, e, T_CTX0);
	CHECK(t.len == 3 && memcmp(t.v, "\x02\x01\x02", 3) == 0); /* v3 */
	t = expect(&p, e, T_INTEGER);
	CHECK(eq(t, serial1, 16) == 0); /* the top bit is cleared: */
	CHECK(t.len == 16 && t.v[0] == 0x13 && memcmp(t.v + 1, serial1 + 1, 15) == 0);
	t = expect(&p, e, T_SEQUENCE);
	CHECK(t.rawlen == sizeof sigalg && memcmp(t.raw, sigalg, sizeof sigalg) == 0);
	t = expect(&p, e, T_SEQUENCE); /* issuer */
	CHECK(t.rawlen == sizeof cn_name && memcmp(t.raw, cn_name, sizeof cn_name) == 0);
	v = expect(&p, e, T_SEQUENCE);
	q = v.v;
	qe = v.v + v.len;
	t = expect(&q, qe, T_UTCTIME);
	CHECK(eq(t, "231114221320Z", 13));
	t = expect(&q, qe, T_GENTIME);
	CHECK(eq(t, "20510101000000Z", 15));
	t = expect(&p, e, T_SEQUENCE); /* subject */
	CHECK(t.rawlen == sizeof cn_name && memcmp(t.raw, cn_name, sizeof cn_name) == 0);
	t = expect(&p, e, T_SEQUENCE);
	CHECK(t.rawlen == sizeof spki_head + 65 && memcmp(t.raw, spki_head, sizeof spki_head) == 0 &&
	      memcmp(t.raw + sizeof spki_head, pub, 65) == 0);
	t = expect(&p, e, T_CTX3);
	CHECK(p == e);

	br_sha1_init(&h);
	br_sha1_update(&h, pub, 65);
	br_sha1_out(&h, ski);
	q = t.v;
	qe = t.v + t.len;
	exts = expect(&q, qe, T_SEQUENCE);
	CHECK(q == qe);
	p = exts.v;
	e = exts.v + exts.len;
	for (n = 0; p < e; n++) {
		struct tlv oid, crit, val;
		int critical = 0;

		x = expect(&p, e, T_SEQUENCE);
		q = x.v;
		qe = x.v + x.len;
		oid = expect(&q, qe, T_OID);
		if (q < qe && *q == T_BOOLEAN) {
			crit = expect(&q, qe, T_BOOLEAN);
			CHECK(eq(crit, "\xff", 1)); /* DER: TRUE only, FALSE is left out */
			critical = 1;
		}
		val = expect(&q, qe, T_OCTETS);
		CHECK(q == qe);
		switch (n) {
		case 0:
			CHECK(eq(oid, oid_basic_constraints, sizeof oid_basic_constraints));
			CHECK(critical && eq(val, "\x30\x00", 2));
			break;
		case 1:
			CHECK(eq(oid, oid_key_usage, sizeof oid_key_usage));
			CHECK(critical && eq(val, "\x03\x02\x07\x80", 4));
			break;
		case 2:
			CHECK(eq(oid, oid_ext_key_usage, sizeof oid_ext_key_usage));
			CHECK(!critical && eq(val, "\x30\x0a\x06\x08\x2b\x06\x01\x05\x05\x07\x03\x01", 12));
			break;
		case 3:
			CHECK(eq(oid, oid_subject_alt_name, sizeof oid_subject_alt_name));
			CHECK(!critical && eq(val, san_full, sizeof san_full));
			break;
		case 4:
			CHECK(eq(oid, oid_subject_key_id, sizeof oid_subject_key_id));
			CHECK(!critical && val.len == 22 && memcmp(val.v, "\x04\x14", 2) == 0 &&
			      memcmp(val.v + 2, ski, 20) == 0);
			break;
		default:
			CHECK(0);
		}
	}
	CHECK_EQ_INT(n, 5);
}

/* the serial INTEGER's contents for serial s */
static size_t serial_of(const uint8_t s[16], uint8_t out[17])
{
	uint8_t der[TG_CERTGEN_DER_MAX], priv[32], pub[65];
	const uint8_t *p, *e;
	struct tlv t;
	char err[200];
	size_t len;

	keypair(1, priv, pub);
	if (tg_certgen_self_signed(priv, pub, "x", names, 1, NULL, 0, NB, NA, s, der, sizeof der,
	                           &len, err, sizeof err) < 0)
		return 0;
	p = der;
	e = der + len;
	t = expect(&p, e, T_SEQUENCE); /* Certificate */
	p = t.v;
	e = t.v + t.len;
	t = expect(&p, e, T_SEQUENCE); /* TBS */
	p = t.v;
	e = t.v + t.len;
	expect(&p, e, T_CTX0);
	t = expect(&p, e, T_INTEGER);
	memcpy(out, t.v, t.len < 17 ? t.len : 17);
	return t.len;
}

static void test_serial(void)
{
	uint8_t s[16], out[17];
	char err[200] = "";
	uint8_t der[TG_CERTGEN_DER_MAX], priv[32], pub[65];
	size_t len = 1;

	memset(s, 0xff, sizeof s);
	CHECK_EQ_INT(serial_of(s, out), 16);
	CHECK(out[0] == 0x7f && out[15] == 0xff);
	/* leading zeros go, but not the one that keeps 0x80.. positive */
	memset(s, 0, sizeof s);
	s[2] = 0x80;
	s[15] = 1;
	CHECK_EQ_INT(serial_of(s, out), 15);
	CHECK(out[0] == 0x00 && out[1] == 0x80 && out[14] == 1);
	memset(s, 0, sizeof s);
	s[3] = 0x7f;
	CHECK_EQ_INT(serial_of(s, out), 13);
	CHECK(out[0] == 0x7f);
	memset(s, 0, sizeof s);
	s[0] = 0x80; /* cleared: 1 is what is left */
	s[15] = 1;
	CHECK_EQ_INT(serial_of(s, out), 1);
	CHECK(out[0] == 1);
	/* zero once the top bit is cleared */
	memset(s, 0, sizeof s);
	s[0] = 0x80;
	keypair(1, priv, pub);
	CHECK_EQ_INT(tg_certgen_self_signed(priv, pub, "x", names, 1, NULL, 0, NB, NA, s, der,
	                                    sizeof der, &len, err, sizeof err), -1);
	CHECK(strstr(err, "serial: expected a non-zero number") != NULL);
	CHECK_EQ_INT(len, 0);
}

static int time_is(int64_t t, uint8_t tag, const char *s)
{
	uint8_t buf[32];
	struct der d = {buf, sizeof buf, 0, 0};
	size_t n = strlen(s);

	put_time(&d, t);
	return !d.full && d.len == n + 2 && buf[0] == tag && buf[1] == n && memcmp(buf + 2, s, n) == 0;
}

static void test_times(void)
{
	int i;

	CHECK(time_is(0, T_UTCTIME, "700101000000Z"));
	CHECK(time_is(NB, T_UTCTIME, "231114221320Z"));
	CHECK(time_is(951782400, T_UTCTIME, "000229000000Z")); /* 2000 is a leap year */
	CHECK(time_is(-1, T_UTCTIME, "691231235959Z"));
	CHECK(time_is(T_MIN, T_UTCTIME, "500101000000Z"));
	CHECK(time_is(2524607999LL, T_UTCTIME, "491231235959Z"));
	CHECK(time_is(2524608000LL, T_GENTIME, "20500101000000Z"));
	CHECK(time_is(4107542400LL, T_GENTIME, "21000301000000Z")); /* 2100 is not a leap year */
	CHECK(time_is(T_MAX, T_GENTIME, "99991231235959Z"));
	/* against the C library, over the whole range */
	for (i = 0; i < 20000; i++) {
		int64_t t = T_MIN + (int64_t)(check_rand() % (uint64_t)(T_MAX - T_MIN + 1));
		time_t tt = (time_t)t;
		struct tm tm;
		char want[80];

		gmtime_r(&tt, &tm);
		if (tm.tm_year + 1900 <= 2049)
			snprintf(want, sizeof want, "%02d%02d%02d%02d%02d%02dZ", tm.tm_year % 100,
			         tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
		else
			snprintf(want, sizeof want, "%04d%02d%02d%02d%02d%02dZ", tm.tm_year + 1900,
			         tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
		if (!time_is(t, tm.tm_year + 1900 <= 2049 ? T_UTCTIME : T_GENTIME, want)) {
			fprintf(stderr, "  time %lld: expected %s\n", (long long)t, want);
			CHECK(0);
			break;
		}
	}
}

static void test_csr(void)
{
	static const uint8_t ext_req[] = {0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x0e};
	/* the DNS part of san_full: the CSR carries no addresses */
	uint8_t san[64], der[TG_CERTGEN_DER_MAX], bad[TG_CERTGEN_DER_MAX], priv[32], pub[65];
	const uint8_t *p, *e, *q, *qe;
	struct tlv req, cri, t, attr, oid;
	char err[200] = "";
	size_t len = 0, sanlen = 2 + 16 + 18;

	memcpy(san, san_full, sanlen);
	san[1] = (uint8_t)(sanlen - 2);
	keypair(1, priv, pub);
	CHECK_EQ_INT(tg_certgen_csr(priv, pub, "Timegate console", names, 2, der, sizeof der, &len,
	                            err, sizeof err), 0);
	CHECK(der_strict(der, der + len));
	p = der;
	e = der + len;
	req = expect(&p, e, T_SEQUENCE);
	CHECK(p == e);
	p = req.v;
	e = req.v + req.len;
	cri = expect(&p, e, T_SEQUENCE);
	t = expect(&p, e, T_SEQUENCE);
	CHECK(t.rawlen == sizeof sigalg && memcmp(t.raw, sigalg, sizeof sigalg) == 0);
	t = expect(&p, e, T_BITSTRING);
	CHECK(p == e);
	CHECK(t.len > 1 && t.v[0] == 0);
	/* the signature is over the CertificationRequestInfo, tag and length included */
	CHECK(sig_ok(pub, cri.raw, cri.rawlen, t.v + 1, t.len - 1));
	memcpy(bad, der, len);
	bad[cri.raw - der + 20] ^= 0x01; /* a byte of the subject */
	CHECK(!sig_ok(pub, bad + (cri.raw - der), cri.rawlen, t.v + 1, t.len - 1));

	p = cri.v;
	e = cri.v + cri.len;
	t = expect(&p, e, T_INTEGER);
	CHECK(eq(t, "\x00", 1)); /* version 1 is 0 */
	t = expect(&p, e, T_SEQUENCE);
	CHECK(t.rawlen == sizeof cn_name && memcmp(t.raw, cn_name, sizeof cn_name) == 0);
	t = expect(&p, e, T_SEQUENCE);
	CHECK(t.rawlen == sizeof spki_head + 65 && memcmp(t.raw, spki_head, sizeof spki_head) == 0 &&
	      memcmp(t.raw + sizeof spki_head, pub, 65) == 0);
	t = expect(&p, e, T_CTX0); /* attributes */
	CHECK(p == e);
	q = t.v;
	qe = t.v + t.len;
	attr = expect(&q, qe, T_SEQUENCE);
	CHECK(q == qe);
	q = attr.v;
	qe = attr.v + attr.len;
	oid = expect(&q, qe, T_OID);
	CHECK(oid.rawlen == sizeof ext_req && memcmp(oid.raw, ext_req, sizeof ext_req) == 0);
	t = expect(&q, qe, T_SET);
	CHECK(q == qe);
	q = t.v;
	qe = t.v + t.len;
	t = expect(&q, qe, T_SEQUENCE); /* Extensions */
	CHECK(q == qe);
	q = t.v;
	qe = t.v + t.len;
	t = expect(&q, qe, T_SEQUENCE); /* the one Extension */
	CHECK(q == qe);
	q = t.v;
	qe = t.v + t.len;
	oid = expect(&q, qe, T_OID);
	CHECK(eq(oid, oid_subject_alt_name, sizeof oid_subject_alt_name));
	t = expect(&q, qe, T_OCTETS);
	CHECK(q == qe);
	CHECK(eq(t, san, sanlen));
}

static void test_key_der_pemfile(void)
{
	static const uint8_t head[] = {0x30, 0x77, 0x02, 0x01, 0x01, 0x04, 0x20};
	static const uint8_t mid[] = {0xa0, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03,
	                              0x01, 0x07, 0xa1, 0x44, 0x03, 0x42, 0x00};
	uint8_t der[TG_CERTGEN_DER_MAX], priv[32], pub[65];
	char pem[TG_PEM_LEN(TG_CERTGEN_DER_MAX, 32)], err[200] = "";
	struct tg_pem_key key;
	struct tg_pem_chain chain;
	size_t len = 0;
	int n;

	keypair(3, priv, pub);
	CHECK_EQ_INT(tg_certgen_key_der(priv, pub, der, sizeof der, &len), 0);
	CHECK_EQ_INT(len, TG_CERTGEN_KEY_DER_LEN);
	CHECK(der_strict(der, der + len));
	CHECK(memcmp(der, head, sizeof head) == 0);
	CHECK(memcmp(der + sizeof head, priv, 32) == 0);
	CHECK(memcmp(der + sizeof head + 32, mid, sizeof mid) == 0);
	CHECK(memcmp(der + sizeof head + 32 + sizeof mid, pub, 65) == 0);

	n = tg_pem_write("EC PRIVATE KEY", der, len, pem, sizeof pem);
	CHECK(n > 0);
	CHECK_EQ_INT(tg_pem_parse_ec_key("key", (const unsigned char *)pem, (size_t)n, &key, err,
	                                 sizeof err), 0);
	if (err[0])
		fprintf(stderr, "  pemfile: %s\n", err);
	CHECK_EQ_INT(key.key.curve, BR_EC_secp256r1);
	CHECK(key.key.xlen == 32 && memcmp(key.key.x, priv, 32) == 0);
	tg_pem_wipe_key(&key);

	/* the certificate through lib/pemfile's chain reader: the same DER */
	len = make_cert(der, sizeof der, priv, pub, NB, NA);
	n = tg_pem_write("CERTIFICATE", der, len, pem, sizeof pem);
	CHECK(n > 0);
	CHECK_EQ_INT(tg_pem_parse_chain("cert", (const unsigned char *)pem, (size_t)n, &chain, err,
	                                sizeof err), 0);
	CHECK(chain.n == 1 && chain.certs[0].data_len == len &&
	      memcmp(chain.certs[0].data, der, len) == 0);
}

static void test_pem_write(void)
{
	static const char want[] = "-----BEGIN TEST-----\nAQID\n-----END TEST-----\n";
	uint8_t data[300];
	char out[600];
	size_t i;
	int n;

	for (i = 0; i < sizeof data; i++)
		data[i] = (uint8_t)(i * 7 + 1);
	n = tg_pem_write("TEST", (const uint8_t *)"\x01\x02\x03", 3, out, sizeof out);
	CHECK_EQ_INT(n, (int)strlen(want));
	CHECK_EQ_STR(out, want);
	/* exactly enough room (the NUL included), and one byte less */
	CHECK_EQ_INT(tg_pem_write("TEST", (const uint8_t *)"\x01\x02\x03", 3, out, strlen(want) + 1),
	             n);
	CHECK_EQ_INT(tg_pem_write("TEST", (const uint8_t *)"\x01\x02\x03", 3, out, strlen(want)), -1);
	CHECK_EQ_STR(out, "");
	/* 48 bytes fill one 64-character line, 49 start a second */
	n = tg_pem_write("X", data, 48, out, sizeof out);
	CHECK_EQ_INT(n, 18 + 65 + 16);
	CHECK(out[18 + 64] == '\n' && memcmp(out + 18 + 65, "-----END X-----\n", 17) == 0);
	n = tg_pem_write("X", data, 49, out, sizeof out);
	CHECK_EQ_INT(n, 18 + 65 + 5 + 16);
	/* TG_PEM_LEN is always enough */
	for (i = 1; i <= sizeof data; i++) {
		n = tg_pem_write("CERTIFICATE REQUEST", data, i, out, sizeof out);
		CHECK(n > 0 && (size_t)n + 1 <= TG_PEM_LEN(i, 19));
	}
	/* labels */
	CHECK(tg_pem_write("EC PRIVATE KEY", data, 3, out, sizeof out) > 0);
	CHECK(tg_pem_write("PKCS7", data, 3, out, sizeof out) > 0);
	CHECK_EQ_INT(tg_pem_write("", data, 3, out, sizeof out), -1);
	CHECK_EQ_INT(tg_pem_write("certificate", data, 3, out, sizeof out), -1);
	CHECK_EQ_INT(tg_pem_write(" CERT", data, 3, out, sizeof out), -1);
	CHECK_EQ_INT(tg_pem_write("CERT ", data, 3, out, sizeof out), -1);
	CHECK_EQ_INT(tg_pem_write("EC  KEY", data, 3, out, sizeof out), -1);
	CHECK_EQ_INT(tg_pem_write("A-B", data, 3, out, sizeof out), -1);
	CHECK_EQ_INT(tg_pem_write("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", data, 3, out, sizeof out), -1);
	CHECK(tg_pem_write("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", data, 3, out, sizeof out) > 0);
	CHECK_EQ_INT(tg_pem_write(NULL, data, 3, out, sizeof out), -1);
	CHECK_EQ_INT(tg_pem_write("X", data, 0, out, sizeof out), -1);
	CHECK_EQ_INT(tg_pem_write("X", NULL, 3, out, sizeof out), -1);
	CHECK_EQ_INT(tg_pem_write("X", data, 3, NULL, 0), -1);
}

/* self_signed with one thing changed from the default; err must contain want */
static void refused(const char *cn, const char *const *dns, int ndns, int nip, int64_t nb,
                    int64_t na, const uint8_t priv[32], const uint8_t pub[65], const char *want)
{
	uint8_t der[TG_CERTGEN_DER_MAX];
	char err[200] = "";
	size_t len = 99;

	CHECK_EQ_INT(tg_certgen_self_signed(priv, pub, cn, dns, ndns, addrs, nip, nb, na, serial1,
	                                    der, sizeof der, &len, err, sizeof err), -1);
	CHECK_EQ_INT(len, 0);
	if (!strstr(err, want)) {
		fprintf(stderr, "  expected an error with '%s', got '%s'\n", want, err);
		CHECK(0);
	}
}

static void test_refusals(void)
{
	static const char *const bad_dns[] = {
		"",          "-a.example", "a-.example", "a..example", ".example", "example.",
		"*.example", "a b",        "a_b",        "\xc3\xa9t\xc3\xa9",
	};
	static const char *const want_dns[] = {
		"empty string", "label start", "label end", "empty label", "empty label",
		"empty label", "byte 0x2a", "byte 0x20", "byte 0x5f", "byte 0xc3",
	};
	const char *many[TG_CERTGEN_NAMES_MAX + 1], *pair[2];
	char n64[80], n65[80], label64[80];
	const char *label64_p = label64;
	uint8_t priv[32], pub[65], p2[32], pub2[65], zero[32], der[TG_CERTGEN_DER_MAX];
	char err[200];
	size_t i, len;

	keypair(1, priv, pub);
	keypair(2, p2, pub2);
	memset(n65, 'a', 65);
	n65[65] = 0;
	memcpy(n64, n65, 64);
	n64[64] = 0;
	for (i = 0; i < 64; i++)
		label64[i] = i == 31 ? '.' : 'b';
	label64[64] = 0; /* 64 characters, labels of 31 and 32 */

	/* the limits themselves are accepted; a label of 64 is not */
	CHECK_EQ_INT(tg_certgen_self_signed(priv, pub, n64, &label64_p, 1,
	                                    NULL, 0, NB, NA, serial1, der, sizeof der, &len, err,
	                                    sizeof err), 0);
	pair[0] = n64;
	CHECK_EQ_INT(tg_certgen_self_signed(priv, pub, "~ !", pair, 1, NULL, 0, NB, NA, serial1,
	                                    der, sizeof der, &len, err, sizeof err), -1);
	CHECK(strstr(err, "DNS name 1: expected labels of at most 63 characters, got 64") != NULL);
	for (i = 0; i < TG_CERTGEN_NAMES_MAX + 1; i++)
		many[i] = label64;
	CHECK_EQ_INT(tg_certgen_self_signed(priv, pub, "x", many, TG_CERTGEN_NAMES_MAX, addrs, 2,
	                                    NB, NA, serial1, der, sizeof der, &len, err, sizeof err),
	             0);
	CHECK(len < TG_CERTGEN_DER_MAX);

	refused(NULL, names, 2, 2, NB, NA, priv, pub, "CN: expected 1 to 64");
	refused("", names, 2, 2, NB, NA, priv, pub, "CN: expected 1 to 64");
	refused(n65, names, 2, 2, NB, NA, priv, pub, "CN: expected 1 to 64");
	refused("a\nb", names, 2, 2, NB, NA, priv, pub, "CN: expected printable ASCII (0x20 to 0x7e), got byte 0x0a at offset 1");
	refused("caf\xc3\xa9", names, 2, 2, NB, NA, priv, pub, "got byte 0xc3 at offset 3");
	refused("x\x7f", names, 2, 2, NB, NA, priv, pub, "got byte 0x7f");
	for (i = 0; i < sizeof bad_dns / sizeof bad_dns[0]; i++) {
		pair[0] = "ok.example";
		pair[1] = bad_dns[i];
		refused("x", pair, 2, 0, NB, NA, priv, pub, "DNS name 2: expected");
		refused("x", pair, 2, 0, NB, NA, priv, pub, want_dns[i]);
	}
	pair[1] = n65;
	refused("x", pair, 2, 0, NB, NA, priv, pub, "DNS name 2: expected 1 to 64 characters");
	pair[1] = NULL;
	refused("x", pair, 2, 0, NB, NA, priv, pub, "DNS name 2: expected a host name, got none");
	refused("x", many, TG_CERTGEN_NAMES_MAX + 1, 0, NB, NA, priv, pub, "expected 0 to 16 DNS names, got 17");
	refused("x", many, -1, 0, NB, NA, priv, pub, "got -1");
	refused("x", NULL, 1, 0, NB, NA, priv, pub, "DNS names");
	refused("x", names, 2, TG_CERTGEN_NAMES_MAX + 1, NB, NA, priv, pub, "IPv4 addresses, got 17");
	refused("x", NULL, 0, 0, NB, NA, priv, pub, "at least one DNS name or IPv4 address");
	refused("x", names, 2, 2, NA, NB, priv, pub, "validity: expected notBefore <= notAfter");
	refused("x", names, 2, 2, T_MIN - 1, NA, priv, pub, "validity: expected times from 1950");
	refused("x", names, 2, 2, NB, T_MAX + 1, priv, pub, "validity: expected times");
	refused("x", names, 2, 2, NB, NA, priv, pub2, "public key: expected the private key's point");
	refused("x", names, 2, 2, NB, NA, p2, pub, "public key: expected the private key's point");
	memset(zero, 0, sizeof zero);
	refused("x", names, 2, 2, NB, NA, zero, pub, "private key: expected a P-256 scalar");
	refused("x", names, 2, 2, NB, NA, p256_n, pub, "private key: expected a P-256 scalar");
	/* the CSR shares the checks */
	len = 7;
	CHECK_EQ_INT(tg_certgen_csr(priv, pub, "x", NULL, 0, der, sizeof der, &len, err, sizeof err), -1);
	CHECK(strstr(err, "at least one DNS name") != NULL);
	CHECK_EQ_INT(len, 0);
	CHECK_EQ_INT(tg_certgen_csr(priv, pub2, "x", names, 1, der, sizeof der, &len, err, sizeof err), -1);
	CHECK(strstr(err, "public key") != NULL);
	CHECK_EQ_INT(tg_certgen_csr(priv, pub, "", names, 1, der, sizeof der, &len, err, sizeof err), -1);
	CHECK(strstr(err, "CN") != NULL);
}

/* Every output buffer shorter than needed is refused without writing past it. */
static void test_small_buffers(void)
{
	uint8_t full[TG_CERTGEN_DER_MAX], priv[32], pub[65];
	char err[200];
	size_t want, cap, len;
	int bad = 0;

	keypair(1, priv, pub);
	CHECK_EQ_INT(tg_certgen_self_signed(priv, pub, "Timegate console", names, 2, addrs, 2, NB, NA,
	                                    serial1, full, sizeof full, &want, err, sizeof err), 0);
	for (cap = 0; cap < want; cap++) {
		uint8_t *b = malloc(cap ? cap : 1);

		err[0] = 0;
		len = 1;
		bad += tg_certgen_self_signed(priv, pub, "Timegate console", names, 2, addrs, 2, NB,
		                              NA, serial1, b, cap, &len, err, sizeof err) != -1 ||
		       len != 0 || !strstr(err, "certificate: expected room");
		free(b);
	}
	CHECK_EQ_INT(bad, 0);
	CHECK_EQ_INT(tg_certgen_self_signed(priv, pub, "Timegate console", names, 2, addrs, 2, NB, NA,
	                                    serial1, NULL, 100, &len, err, sizeof err), -1);

	CHECK_EQ_INT(tg_certgen_csr(priv, pub, "Timegate console", names, 2, full, sizeof full, &want,
	                            err, sizeof err), 0);
	for (cap = 0; cap < want; cap++) {
		uint8_t *b = malloc(cap ? cap : 1);

		err[0] = 0;
		bad += tg_certgen_csr(priv, pub, "Timegate console", names, 2, b, cap, &len, err,
		                      sizeof err) != -1 ||
		       !strstr(err, "certificate request: expected room");
		free(b);
	}
	CHECK_EQ_INT(bad, 0);

	for (cap = 0; cap < TG_CERTGEN_KEY_DER_LEN; cap++) {
		uint8_t *b = malloc(cap ? cap : 1);

		len = 1;
		bad += tg_certgen_key_der(priv, pub, b, cap, &len) != -1 || len != 0;
		free(b);
	}
	CHECK_EQ_INT(bad, 0);
}

/* The same inputs give the same bytes (RFC 6979); any input change shows. */
static void test_deterministic(void)
{
	uint8_t a[TG_CERTGEN_DER_MAX], b[TG_CERTGEN_DER_MAX], priv[32], pub[65], s2[16];
	char err[200];
	size_t la, lb;

	la = make_cert(a, sizeof a, priv, pub, NB, NA);
	lb = make_cert(b, sizeof b, priv, pub, NB, NA);
	CHECK(la == lb && memcmp(a, b, la) == 0);
	memcpy(s2, serial1, 16);
	s2[15] ^= 1;
	CHECK_EQ_INT(tg_certgen_self_signed(priv, pub, "Timegate console", names, 2, addrs, 2, NB,
	                                    NA, s2, b, sizeof b, &lb, err, sizeof err), 0);
	CHECK(la != lb || memcmp(a, b, la) != 0);
}

int main(void)
{
	check_seed();
	RUN(test_key_pair);
	RUN(test_scalar_range);
	RUN(test_cert_decoder);
	RUN(test_cert_validates);
	RUN(test_cert_structure);
	RUN(test_serial);
	RUN(test_times);
	RUN(test_csr);
	RUN(test_key_der_pemfile);
	RUN(test_pem_write);
	RUN(test_refusals);
	RUN(test_small_buffers);
	RUN(test_deterministic);
	return check_exit();
}
