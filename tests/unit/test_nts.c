/*
 * test_nts.c - NTS-KE records and the NTS extension fields of NTPv4
 * (lib/nts.c), with packets from an independent implementation
 * (nts_vectors.h, made by gen_nts_vectors.py with pyca/cryptography).
 */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "crc32.h"
#include "nts.h"
#include "ntsclient.h"
#include "nts_vectors.h"

/* ---------------------------------------------------------------- helpers */

struct msg {
	uint8_t b[TG_NTSKE_MSG_MAX + 64];
	size_t n;
};

static void rec(struct msg *m, int crit, uint16_t type, const void *body, size_t blen)
{
	tg_ntp_put16(m->b + m->n, (uint16_t)((crit ? 0x8000 : 0) | type));
	tg_ntp_put16(m->b + m->n + 2, (uint16_t)blen);
	if (blen)
		memcpy(m->b + m->n + 4, body, blen);
	m->n += 4 + blen;
}

static void rec16(struct msg *m, int crit, uint16_t type, uint16_t v)
{
	uint8_t b[2];

	tg_ntp_put16(b, v);
	rec(m, crit, type, b, 2);
}

static void eom(struct msg *m)
{
	rec(m, 1, TG_NTSKE_END, NULL, 0);
}

/* A well-formed request's first records: Next Protocol [0], AEAD [15]. */
static void req_start(struct msg *m)
{
	m->n = 0;
	rec16(m, 1, TG_NTSKE_NEXT_PROTO, 0);
	rec16(m, 1, TG_NTSKE_AEAD, 15);
}

static int parse_req(const struct msg *m, struct tg_ntske_request *r, uint16_t *code)
{
	char err[200];
	int rc;

	err[0] = 'x';
	rc = tg_ntske_parse_request(m->b, m->n, r, code, err, sizeof(err));
	if (rc != TG_NTS_OK && !err[0]) {
		fprintf(stderr, "  rejection without a reason\n");
		check_failed_now++;
	}
	return rc;
}

static int parse_resp(const struct msg *m, struct tg_ntske_response *r)
{
	char err[200];
	int rc;

	err[0] = 'x';
	rc = tg_ntske_parse_response(m->b, m->n, r, err, sizeof(err));
	if (rc != TG_NTS_OK && !err[0]) {
		fprintf(stderr, "  rejection without a reason\n");
		check_failed_now++;
	}
	return rc;
}

static void fill(uint8_t *p, size_t n, uint8_t seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(seed + i * 7);
}

/* ------------------------------------------------------------------ KE */

static void test_ke_request_roundtrip(void)
{
	static const uint8_t want[] = {0x80, 1, 0,  2, 0,  0,    0x80, 4, 0,
	                               4,    0, 15, 0, 17, 0x80, 0,    0, 0};
	const uint16_t aeads[] = {15, 17};
	struct tg_ntske_request r;
	struct msg m;
	uint16_t code;
	size_t k;

	m.n = tg_ntske_build_request(aeads, 2, m.b, sizeof(m.b));
	CHECK_EQ_INT(m.n, sizeof(want));
	CHECK(memcmp(m.b, want, sizeof(want)) == 0);
	CHECK_EQ_INT(parse_req(&m, &r, &code), TG_NTS_OK);
	CHECK_EQ_INT(r.has_ntpv4, 1);
	CHECK_EQ_INT(r.n_aead, 2);
	CHECK_EQ_INT(r.aeads[0], 15);
	CHECK_EQ_INT(r.aeads[1], 17);
	CHECK_EQ_INT(r.has_port, 0);
	CHECK_EQ_STR(r.server, "");
	CHECK_EQ_INT(tg_ntske_choose_aead(&r), 15);

	/* every proper prefix: read more */
	for (k = 0; k < m.n; k++) {
		struct msg p = m;

		p.n = k;
		CHECK_EQ_INT(parse_req(&p, &r, &code), TG_NTS_EINCOMPLETE);
	}
	/* builder limits */
	CHECK_EQ_INT(tg_ntske_build_request(aeads, 0, m.b, sizeof(m.b)), 0);
	CHECK_EQ_INT(tg_ntske_build_request(aeads, 2, m.b, sizeof(want) - 1), 0);

	/* server and port requests are recorded; unknown non-critical records ignored */
	req_start(&m);
	rec(&m, 1, TG_NTSKE_SERVER, "ntp.example.org", 15);
	rec16(&m, 1, TG_NTSKE_PORT_REC, 1123);
	rec(&m, 0, 0x1234, "zz", 2);
	eom(&m);
	CHECK_EQ_INT(parse_req(&m, &r, &code), TG_NTS_OK);
	CHECK_EQ_STR(r.server, "ntp.example.org");
	CHECK_EQ_INT(r.has_port, 1);
	CHECK_EQ_INT(r.port, 1123);

	/* no NTPv4 offered: parsed, has_ntpv4 = 0, the daemon answers */
	m.n = 0;
	rec16(&m, 1, TG_NTSKE_NEXT_PROTO, 7);
	rec16(&m, 1, TG_NTSKE_AEAD, 15);
	eom(&m);
	CHECK_EQ_INT(parse_req(&m, &r, &code), TG_NTS_OK);
	CHECK_EQ_INT(r.has_ntpv4, 0);
}

static void test_ke_request_refusals(void)
{
	struct tg_ntske_request r;
	struct msg m;
	uint16_t code, ids[9] = {15, 15, 15, 15, 15, 15, 15, 15, 15};
	char err[200];

#define REFUSE(rc_, code_)                                                                         \
	do {                                                                                       \
		code = 99;                                                                         \
		CHECK_EQ_INT(parse_req(&m, &r, &code), (rc_));                                     \
		CHECK_EQ_INT(code, (code_));                                                       \
	} while (0)

	/* unknown critical record: error 0 */
	req_start(&m);
	rec(&m, 1, 0x4321, NULL, 0);
	eom(&m);
	REFUSE(TG_NTS_ECRITICAL, TG_NTSKE_ERR_UNRECOGNIZED_CRITICAL);

	/* duplicates */
	req_start(&m);
	rec16(&m, 1, TG_NTSKE_NEXT_PROTO, 0);
	eom(&m);
	REFUSE(TG_NTS_EMALFORMED, TG_NTSKE_ERR_BAD_REQUEST);
	req_start(&m);
	rec16(&m, 1, TG_NTSKE_AEAD, 17);
	eom(&m);
	REFUSE(TG_NTS_EMALFORMED, TG_NTSKE_ERR_BAD_REQUEST);
	req_start(&m);
	rec16(&m, 1, TG_NTSKE_PORT_REC, 1);
	rec16(&m, 1, TG_NTSKE_PORT_REC, 2);
	eom(&m);
	REFUSE(TG_NTS_EMALFORMED, TG_NTSKE_ERR_BAD_REQUEST);
	req_start(&m);
	rec(&m, 1, TG_NTSKE_SERVER, "a", 1);
	rec(&m, 1, TG_NTSKE_SERVER, "b", 1);
	eom(&m);
	REFUSE(TG_NTS_EMALFORMED, TG_NTSKE_ERR_BAD_REQUEST);

	/* wrong body lengths */
	m.n = 0;
	rec(&m, 1, TG_NTSKE_NEXT_PROTO, "\0\0\0", 3);
	rec16(&m, 1, TG_NTSKE_AEAD, 15);
	eom(&m);
	REFUSE(TG_NTS_EMALFORMED, TG_NTSKE_ERR_BAD_REQUEST);
	m.n = 0;
	rec16(&m, 1, TG_NTSKE_NEXT_PROTO, 0);
	rec(&m, 1, TG_NTSKE_AEAD, "\0\x0f\0", 3);
	eom(&m);
	REFUSE(TG_NTS_EMALFORMED, TG_NTSKE_ERR_BAD_REQUEST);
	req_start(&m);
	rec(&m, 1, TG_NTSKE_PORT_REC, "\0\x7b\0", 3);
	eom(&m);
	REFUSE(TG_NTS_EMALFORMED, TG_NTSKE_ERR_BAD_REQUEST);
	req_start(&m);
	rec(&m, 1, TG_NTSKE_END, "\0\0", 2);
	REFUSE(TG_NTS_EMALFORMED, TG_NTSKE_ERR_BAD_REQUEST);
	req_start(&m);
	rec(&m, 1, TG_NTSKE_SERVER, "bad name", 8);
	eom(&m);
	REFUSE(TG_NTS_EMALFORMED, TG_NTSKE_ERR_BAD_REQUEST);
	req_start(&m);
	rec(&m, 1, TG_NTSKE_SERVER, NULL, 0);
	eom(&m);
	REFUSE(TG_NTS_EMALFORMED, TG_NTSKE_ERR_BAD_REQUEST);
	m.n = 0;
	rec16(&m, 1, TG_NTSKE_NEXT_PROTO, 0);
	{
		uint8_t b[18];
		size_t i;

		for (i = 0; i < 9; i++)
			tg_ntp_put16(b + 2 * i, ids[i]);
		rec(&m, 1, TG_NTSKE_AEAD, b, sizeof(b)); /* 9 ids: more than we keep */
	}
	eom(&m);
	REFUSE(TG_NTS_EMALFORMED, TG_NTSKE_ERR_BAD_REQUEST);

	/* critical bits */
	m.n = 0;
	rec16(&m, 0, TG_NTSKE_NEXT_PROTO, 0);
	rec16(&m, 1, TG_NTSKE_AEAD, 15);
	eom(&m);
	REFUSE(TG_NTS_EMALFORMED, TG_NTSKE_ERR_BAD_REQUEST);
	req_start(&m);
	rec(&m, 0, TG_NTSKE_END, NULL, 0);
	REFUSE(TG_NTS_EMALFORMED, TG_NTSKE_ERR_BAD_REQUEST);

	/* records a client must not send */
	req_start(&m);
	rec16(&m, 1, TG_NTSKE_ERROR, 0);
	eom(&m);
	REFUSE(TG_NTS_EMALFORMED, TG_NTSKE_ERR_BAD_REQUEST);
	req_start(&m);
	rec16(&m, 1, TG_NTSKE_WARNING, 0);
	eom(&m);
	REFUSE(TG_NTS_EMALFORMED, TG_NTSKE_ERR_BAD_REQUEST);
	req_start(&m);
	rec(&m, 0, TG_NTSKE_COOKIE, "cookie", 6);
	eom(&m);
	REFUSE(TG_NTS_EMALFORMED, TG_NTSKE_ERR_BAD_REQUEST);

	/* missing records */
	m.n = 0;
	rec16(&m, 1, TG_NTSKE_AEAD, 15);
	eom(&m);
	REFUSE(TG_NTS_EMALFORMED, TG_NTSKE_ERR_BAD_REQUEST);
	m.n = 0;
	rec16(&m, 1, TG_NTSKE_NEXT_PROTO, 0);
	eom(&m);
	REFUSE(TG_NTS_EMALFORMED, TG_NTSKE_ERR_BAD_REQUEST);

	/* bytes after End of Message */
	req_start(&m);
	eom(&m);
	m.b[m.n++] = 0;
	REFUSE(TG_NTS_EMALFORMED, TG_NTSKE_ERR_BAD_REQUEST);
	req_start(&m);
	eom(&m);
	eom(&m);
	REFUSE(TG_NTS_EMALFORMED, TG_NTSKE_ERR_BAD_REQUEST);

	/* no End of Message within TG_NTSKE_MSG_MAX: never complete */
	req_start(&m);
	while (m.n < TG_NTSKE_MSG_MAX)
		rec(&m, 0, 0x1000, NULL, 0);
	CHECK(m.n >= TG_NTSKE_MSG_MAX);
	REFUSE(TG_NTS_EMALFORMED, TG_NTSKE_ERR_BAD_REQUEST);
	m.n = TG_NTSKE_MSG_MAX - 4;
	CHECK_EQ_INT(parse_req(&m, &r, &code), TG_NTS_EINCOMPLETE);

	/* the message names what was expected */
	req_start(&m);
	rec(&m, 1, TG_NTSKE_PORT_REC, "\0\x7b\0", 3);
	eom(&m);
	CHECK_EQ_INT(tg_ntske_parse_request(m.b, m.n, &r, &code, err, sizeof(err)),
	             TG_NTS_EMALFORMED);
	CHECK(strstr(err, "expected a 2-byte body, got 3") != NULL);
#undef REFUSE
}

static void test_ke_choose_aead(void)
{
	struct tg_ntske_request r;

	memset(&r, 0, sizeof(r));
	CHECK_EQ_INT(tg_ntske_choose_aead(&r), 0);
	r.n_aead = 3;
	r.aeads[0] = 1;
	r.aeads[1] = 17;
	r.aeads[2] = 15;
	CHECK_EQ_INT(tg_ntske_choose_aead(&r), 17);
	r.aeads[1] = 30;
	CHECK_EQ_INT(tg_ntske_choose_aead(&r), 15);
	r.aeads[2] = 16;
	CHECK_EQ_INT(tg_ntske_choose_aead(&r), 16);
	r.n_aead = 2;
	r.aeads[1] = 2;
	CHECK_EQ_INT(tg_ntske_choose_aead(&r), 0);
}

static void test_ke_response_roundtrip(void)
{
	static uint8_t ck[9][TG_NTS_COOKIE_MAX];
	const uint8_t *cp[9];
	size_t cl[9], i, k;
	struct tg_ntske_response r;
	struct msg m;

	for (i = 0; i < 9; i++) {
		cl[i] = i == 0 ? TG_NTS_COOKIE_MAX : 100 + i;
		fill(ck[i], cl[i], (uint8_t)(i * 31));
		cp[i] = ck[i];
	}
	m.n = tg_ntske_build_response(15, "ntp.example.org", 123, cp, cl, 8, m.b, sizeof(m.b));
	CHECK(m.n > 0);
	/* Next Protocol [0] and AEAD [15], both critical, first */
	CHECK(memcmp(m.b, "\x80\x01\x00\x02\x00\x00\x80\x04\x00\x02\x00\x0f", 12) == 0);
	CHECK_EQ_INT(parse_resp(&m, &r), TG_NTS_OK);
	CHECK_EQ_INT(r.aead, 15);
	CHECK_EQ_STR(r.server, "ntp.example.org");
	CHECK_EQ_INT(r.port, 123);
	CHECK_EQ_INT(r.n_cookies, 8);
	for (i = 0; i < 8; i++) {
		CHECK_EQ_INT(r.cookie_len[i], cl[i]);
		CHECK(memcmp(r.cookies[i], ck[i], cl[i]) == 0);
	}
	for (k = 0; k < m.n; k++) {
		struct msg p = m;

		p.n = k;
		CHECK_EQ_INT(parse_resp(&p, &r), TG_NTS_EINCOMPLETE);
	}
	/* too small a buffer, bad cookies, bad names */
	CHECK_EQ_INT(tg_ntske_build_response(15, "ntp.example.org", 123, cp, cl, 8, m.b, m.n - 1),
	             0);
	CHECK_EQ_INT(tg_ntske_build_response(15, "", 0, cp, cl, 1, m.b, sizeof(m.b)), 0);
	cl[0] = TG_NTS_COOKIE_MAX + 1;
	CHECK_EQ_INT(tg_ntske_build_response(15, NULL, 0, cp, cl, 1, m.b, sizeof(m.b)), 0);
	cl[0] = 0;
	CHECK_EQ_INT(tg_ntske_build_response(15, NULL, 0, cp, cl, 1, m.b, sizeof(m.b)), 0);
	cl[0] = 64;

	/* no server or port: defaults; nine cookies: the first eight kept */
	m.n = tg_ntske_build_response(17, NULL, 0, cp, cl, 9, m.b, sizeof(m.b));
	CHECK(m.n > 0);
	CHECK_EQ_INT(parse_resp(&m, &r), TG_NTS_OK);
	CHECK_EQ_INT(r.aead, 17);
	CHECK_EQ_STR(r.server, "");
	CHECK_EQ_INT(r.port, 0);
	CHECK_EQ_INT(r.n_cookies, 8);
	CHECK_EQ_INT(r.cookie_len[7], cl[7]);
}

static void test_ke_response_refusals(void)
{
	struct tg_ntske_response r;
	uint8_t big[TG_NTS_COOKIE_MAX + 1];
	struct msg m;

	memset(big, 0xab, sizeof(big));

	/* an Error record: EERROR with its code */
	m.n = tg_ntske_build_error(TG_NTSKE_ERR_BAD_REQUEST, m.b, sizeof(m.b));
	CHECK(m.n == 10 && memcmp(m.b, "\x80\x02\x00\x02\x00\x01\x80\x00\x00\x00", 10) == 0);
	CHECK_EQ_INT(parse_resp(&m, &r), TG_NTS_EERROR);
	CHECK_EQ_INT(r.error_code, 1);
	CHECK_EQ_INT(tg_ntske_build_error(2, m.b, 9), 0);
	/* a Warning: none is defined, so it refuses too */
	m.n = 0;
	rec16(&m, 1, TG_NTSKE_WARNING, 7);
	eom(&m);
	CHECK_EQ_INT(parse_resp(&m, &r), TG_NTS_EERROR);
	CHECK_EQ_INT(r.error_code, 7);

#define RESP(proto, aead)                                                                          \
	do {                                                                                       \
		m.n = 0;                                                                           \
		proto;                                                                             \
		aead;                                                                              \
		rec(&m, 0, TG_NTSKE_COOKIE, big, 100);                                             \
	} while (0)

	/* NTPv4 not granted */
	RESP((void)0, rec16(&m, 1, TG_NTSKE_AEAD, 15));
	eom(&m);
	CHECK_EQ_INT(parse_resp(&m, &r), TG_NTS_ENOPROTO);
	RESP(rec(&m, 1, TG_NTSKE_NEXT_PROTO, NULL, 0), rec16(&m, 1, TG_NTSKE_AEAD, 15));
	eom(&m);
	CHECK_EQ_INT(parse_resp(&m, &r), TG_NTS_ENOPROTO);
	RESP(rec16(&m, 1, TG_NTSKE_NEXT_PROTO, 3), rec16(&m, 1, TG_NTSKE_AEAD, 15));
	eom(&m);
	CHECK_EQ_INT(parse_resp(&m, &r), TG_NTS_EMALFORMED);
	/* no AEAD, an empty one, one we do not know */
	RESP(rec16(&m, 1, TG_NTSKE_NEXT_PROTO, 0), (void)0);
	eom(&m);
	CHECK_EQ_INT(parse_resp(&m, &r), TG_NTS_ENOAEAD);
	RESP(rec16(&m, 1, TG_NTSKE_NEXT_PROTO, 0), rec(&m, 1, TG_NTSKE_AEAD, NULL, 0));
	eom(&m);
	CHECK_EQ_INT(parse_resp(&m, &r), TG_NTS_ENOAEAD);
	RESP(rec16(&m, 1, TG_NTSKE_NEXT_PROTO, 0), rec16(&m, 1, TG_NTSKE_AEAD, 30));
	eom(&m);
	CHECK_EQ_INT(parse_resp(&m, &r), TG_NTS_ENOAEAD);
	RESP(rec16(&m, 1, TG_NTSKE_NEXT_PROTO, 0), rec(&m, 1, TG_NTSKE_AEAD, "\0\x0f\0\x10", 4));
	eom(&m);
	CHECK_EQ_INT(parse_resp(&m, &r), TG_NTS_EMALFORMED);
	/* an AEAD record without the critical bit is fine (RFC 8915 4.1.5: MAY) */
	RESP(rec16(&m, 1, TG_NTSKE_NEXT_PROTO, 0), rec16(&m, 0, TG_NTSKE_AEAD, 16));
	eom(&m);
	CHECK_EQ_INT(parse_resp(&m, &r), TG_NTS_OK);
	CHECK_EQ_INT(r.aead, 16);
	/* unknown critical record */
	RESP(rec16(&m, 1, TG_NTSKE_NEXT_PROTO, 0), rec16(&m, 1, TG_NTSKE_AEAD, 15));
	rec(&m, 1, 0x2222, NULL, 0);
	eom(&m);
	CHECK_EQ_INT(parse_resp(&m, &r), TG_NTS_ECRITICAL);
	/* cookies: none, too long, empty */
	m.n = 0;
	rec16(&m, 1, TG_NTSKE_NEXT_PROTO, 0);
	rec16(&m, 1, TG_NTSKE_AEAD, 15);
	eom(&m);
	CHECK_EQ_INT(parse_resp(&m, &r), TG_NTS_EMALFORMED);
	RESP(rec16(&m, 1, TG_NTSKE_NEXT_PROTO, 0), rec16(&m, 1, TG_NTSKE_AEAD, 15));
	rec(&m, 0, TG_NTSKE_COOKIE, big, sizeof(big));
	eom(&m);
	CHECK_EQ_INT(parse_resp(&m, &r), TG_NTS_EMALFORMED);
	RESP(rec16(&m, 1, TG_NTSKE_NEXT_PROTO, 0), rec16(&m, 1, TG_NTSKE_AEAD, 15));
	rec(&m, 0, TG_NTSKE_COOKIE, NULL, 0);
	eom(&m);
	CHECK_EQ_INT(parse_resp(&m, &r), TG_NTS_EMALFORMED);
	/* port 0, port of 1 byte */
	RESP(rec16(&m, 1, TG_NTSKE_NEXT_PROTO, 0), rec16(&m, 1, TG_NTSKE_AEAD, 15));
	rec16(&m, 1, TG_NTSKE_PORT_REC, 0);
	eom(&m);
	CHECK_EQ_INT(parse_resp(&m, &r), TG_NTS_EMALFORMED);
	RESP(rec16(&m, 1, TG_NTSKE_NEXT_PROTO, 0), rec16(&m, 1, TG_NTSKE_AEAD, 15));
	rec(&m, 1, TG_NTSKE_PORT_REC, "\x7b", 1);
	eom(&m);
	CHECK_EQ_INT(parse_resp(&m, &r), TG_NTS_EMALFORMED);
#undef RESP
}

static void test_ke_exporter_context(void)
{
	uint8_t ctx[5];

	tg_ntske_exporter_context(15, 0, ctx);
	CHECK(memcmp(ctx, "\x00\x00\x00\x0f\x00", 5) == 0);
	tg_ntske_exporter_context(17, 1, ctx);
	CHECK(memcmp(ctx, "\x00\x00\x00\x11\x01", 5) == 0);
	tg_ntske_exporter_context(0x1234, 5, ctx);
	CHECK(memcmp(ctx, "\x00\x00\x12\x34\x01", 5) == 0);
}

/* ------------------------------------------------------------------ NTP */

static struct tg_siv c2s, s2c, other;
static const uint8_t uid_a[32] = "0123456789abcdef0123456789abcdef";
static const uint8_t nonce_a[16] = "nonce-nonce-1234";

static void keys(void)
{
	uint8_t k[32];

	fill(k, 32, 1);
	CHECK_EQ_INT(tg_siv_init(&c2s, k, 32), 0);
	fill(k, 32, 2);
	CHECK_EQ_INT(tg_siv_init(&s2c, k, 32), 0);
	fill(k, 32, 3);
	CHECK_EQ_INT(tg_siv_init(&other, k, 32), 0);
}

static int scan(const uint8_t *pkt, size_t len, struct tg_ntp_packet *p, struct tg_nts_request *r,
                char *err, size_t errlen)
{
	int rc = tg_ntp_parse(pkt, len, p, err, errlen);

	if (rc != TG_NTP_OK)
		return 100 + rc;
	return tg_nts_request_scan(pkt, p, r, err, errlen);
}

static void test_ntp_request_roundtrip(void)
{
	uint8_t pkt[TG_NTP_MAX_PACKET], cookie[TG_NTS_COOKIE_MAX];
	struct tg_ntp_packet p;
	struct tg_nts_request r;
	char err[200];
	size_t n, k, i, cl;

	keys();
	for (cl = 100; cl <= 103; cl++) {
		fill(cookie, cl, (uint8_t)cl);
		for (k = 0; k < TG_NTS_COOKIES; k++) {
			n = tg_nts_build_request(pkt, sizeof(pkt), 0x1122334455667788ull, uid_a,
			                         cookie, cl, k, &c2s, nonce_a);
			CHECK_EQ_INT(n, 48 + 36 + (k + 1) * (4 + ((cl + 3) & ~3u)) + 40);
			CHECK_EQ_INT(scan(pkt, n, &p, &r, err, sizeof(err)), TG_NTS_OK);
			CHECK_EQ_INT(p.mode, TG_NTP_MODE_CLIENT);
			CHECK_EQ_INT(p.version, 4);
			CHECK(p.transmit_ts == 0x1122334455667788ull);
			CHECK_EQ_INT(r.uid_len, 32);
			CHECK(memcmp(pkt + r.uid_off, uid_a, 32) == 0);
			CHECK_EQ_INT(r.cookie_len, (cl + 3) & ~3u);
			CHECK(memcmp(pkt + r.cookie_off, cookie, cl) == 0);
			CHECK_EQ_INT(r.n_placeholders, k);
			CHECK_EQ_INT(r.auth_off, n - 40);
			CHECK_EQ_INT(r.nonce_len, 16);
			CHECK(memcmp(pkt + r.nonce_off, nonce_a, 16) == 0);
			CHECK_EQ_INT(r.ct_len, 16);
			CHECK_EQ_INT(tg_nts_request_verify(pkt, &r, &c2s), TG_NTS_OK);
			CHECK_EQ_INT(tg_nts_request_verify(pkt, &r, &s2c), TG_NTS_EAUTH);
		}
		/* too many placeholders, too small a buffer */
		CHECK_EQ_INT(
		    tg_nts_build_request(pkt, sizeof(pkt), 1, uid_a, cookie, cl, 8, &c2s, nonce_a),
		    0);
		CHECK_EQ_INT(
		    tg_nts_build_request(pkt, n - 1, 1, uid_a, cookie, cl, 7, &c2s, nonce_a), 0);
	}
	/* any single flipped byte in the associated data, nonce or tag fails */
	n = tg_nts_build_request(pkt, sizeof(pkt), 5, uid_a, cookie, 100, 2, &c2s, nonce_a);
	CHECK_EQ_INT(scan(pkt, n, &p, &r, err, sizeof(err)), TG_NTS_OK);
	for (i = 0; i < n; i++) {
		int rc;

		if (i >= r.auth_off && i < r.nonce_off)
			continue; /* the authenticator's own header: not input to the AEAD */
		pkt[i] ^= 0x01;
		rc = tg_nts_request_verify(pkt, &r, &c2s);
		if (rc != TG_NTS_EAUTH) {
			fprintf(stderr, "  flipped byte %zu verified\n", i);
			check_failed_now++;
		}
		pkt[i] ^= 0x01;
	}
	CHECK_EQ_INT(tg_nts_request_verify(pkt, &r, &c2s), TG_NTS_OK);
}

/* The server side of one exchange: parse, scan, verify, header. */
static size_t serve(const uint8_t *req, size_t req_len, uint8_t *resp, struct tg_nts_request *r)
{
	struct tg_ntp_server_info info;
	struct tg_ntp_packet p;
	char err[200];

	memset(&info, 0, sizeof(info));
	info.stratum = 1;
	info.precision = -20;
	memcpy(info.refid, "GPS", 4);
	CHECK_EQ_INT(scan(req, req_len, &p, r, err, sizeof(err)), TG_NTS_OK);
	CHECK_EQ_INT(tg_nts_request_verify(req, r, &c2s), TG_NTS_OK);
	return tg_ntp_build_response(&p, &info, 0x100, 0x200, resp, TG_NTP_MAX_PACKET);
}

static void test_ntp_response_roundtrip(void)
{
	uint8_t req[TG_NTP_MAX_PACKET], resp[TG_NTP_MAX_PACKET];
	uint8_t cookie[TG_NTS_COOKIE_MAX], newc[8][TG_NTS_COOKIE_MAX];
	uint8_t got[8][TG_NTS_COOKIE_MAX];
	const uint8_t *cp[8];
	size_t cl[8], gl[8], n_got, k, i, cs;
	size_t req_len, resp_len;
	struct tg_nts_request r;
	struct tg_ntp_packet p;
	char err[200];

	keys();
	for (cs = 100; cs <= 102; cs += 2) {
		fill(cookie, cs, 9);
		for (k = 0; k < TG_NTS_COOKIES; k++) {
			req_len = tg_nts_build_request(req, sizeof(req), 0xabcdef0012345678ull,
			                               uid_a, cookie, cs, k, &c2s, nonce_a);
			CHECK_EQ_INT(serve(req, req_len, resp, &r), 48);
			for (i = 0; i <= k; i++) {
				fill(newc[i], cs, (uint8_t)(40 + i));
				cp[i] = newc[i];
				cl[i] = cs;
			}
			resp_len = tg_nts_build_response(resp, sizeof(resp), req_len, req, &r, &s2c,
			                                 nonce_a, cp, cl, k + 1);
			CHECK(resp_len > 48);
			CHECK(resp_len <= req_len);
			CHECK_EQ_INT(tg_nts_check_response(resp, resp_len, 0xabcdef0012345678ull,
			                                   uid_a, &s2c, &p, got, gl, 8, &n_got, err,
			                                   sizeof(err)),
			             TG_NTS_OK);
			CHECK_EQ_INT(n_got, k + 1);
			for (i = 0; i < n_got; i++) {
				/* the field pads the cookie to 4: it comes back padded */
				CHECK_EQ_INT(gl[i], (cs + 3) & ~3u);
				CHECK(memcmp(got[i], newc[i], cs) == 0);
				CHECK(gl[i] == cs || (got[i][cs] == 0 && got[i][cs + 1] == 0));
			}
			CHECK_EQ_INT(p.mode, TG_NTP_MODE_SERVER);
			CHECK(p.receive_ts == 0x100 && p.transmit_ts == 0x200);

			/* fewer slots than cookies: the first ones */
			CHECK_EQ_INT(tg_nts_check_response(resp, resp_len, 0xabcdef0012345678ull,
			                                   uid_a, &s2c, &p, got, gl, 1, &n_got, err,
			                                   sizeof(err)),
			             TG_NTS_OK);
			CHECK_EQ_INT(n_got, 1);

			/* one byte more than the request allows: 0 */
			CHECK_EQ_INT(tg_nts_build_response(resp, sizeof(resp), resp_len - 1, req,
			                                   &r, &s2c, nonce_a, cp, cl, k + 1),
			             0);
			CHECK_EQ_INT(tg_nts_build_response(resp, resp_len - 1, req_len, req, &r,
			                                   &s2c, nonce_a, cp, cl, k + 1),
			             0);
		}
	}
	/* new cookies larger than the one sent: longer than the request, refused */
	req_len = tg_nts_build_request(req, sizeof(req), 7, uid_a, cookie, 100, 0, &c2s, nonce_a);
	CHECK_EQ_INT(serve(req, req_len, resp, &r), 48);
	cl[0] = 104;
	CHECK_EQ_INT(
	    tg_nts_build_response(resp, sizeof(resp), req_len, req, &r, &s2c, nonce_a, cp, cl, 1),
	    0);
	/* two new cookies for a request without placeholders: refused */
	cl[0] = cl[1] = 100;
	CHECK_EQ_INT(
	    tg_nts_build_response(resp, sizeof(resp), req_len, req, &r, &s2c, nonce_a, cp, cl, 2),
	    0);
	cl[0] = 100;
	resp_len =
	    tg_nts_build_response(resp, sizeof(resp), req_len, req, &r, &s2c, nonce_a, cp, cl, 1);
	CHECK_EQ_INT(resp_len, req_len);

	/* the client's checks */
	CHECK_EQ_INT(tg_nts_check_response(resp, resp_len, 7, uid_a, &other, &p, got, gl, 8, &n_got,
	                                   err, sizeof(err)),
	             TG_NTS_EAUTH);
	CHECK_EQ_INT(n_got, 0);
	CHECK_EQ_INT(tg_nts_check_response(resp, resp_len, 8, uid_a, &s2c, &p, got, gl, 8, &n_got,
	                                   err, sizeof(err)),
	             TG_NTS_EMISMATCH);
	{
		uint8_t uid_b[32];

		memcpy(uid_b, uid_a, 32);
		uid_b[31] ^= 1;
		CHECK_EQ_INT(tg_nts_check_response(resp, resp_len, 7, uid_b, &s2c, &p, got, gl, 8,
		                                   &n_got, err, sizeof(err)),
		             TG_NTS_EMISMATCH);
	}
	for (i = 0; i < resp_len; i++) {
		int rc;

		resp[i] ^= 0x40;
		rc = tg_nts_check_response(resp, resp_len, 7, uid_a, &s2c, &p, got, gl, 8, &n_got,
		                           err, sizeof(err));
		if (rc == TG_NTS_OK) {
			fprintf(stderr, "  response with byte %zu flipped accepted\n", i);
			check_failed_now++;
		}
		resp[i] ^= 0x40;
	}
	resp[0] = (uint8_t)((resp[0] & ~7) | TG_NTP_MODE_CLIENT);
	CHECK_EQ_INT(tg_nts_check_response(resp, resp_len, 7, uid_a, &s2c, &p, got, gl, 8, &n_got,
	                                   err, sizeof(err)),
	             TG_NTS_EMALFORMED);
	CHECK(strstr(err, "expected mode 4") != NULL);
}

static void test_ntp_nak(void)
{
	uint8_t req[TG_NTP_MAX_PACKET], resp[TG_NTP_MAX_PACKET], cookie[100];
	uint8_t got[8][TG_NTS_COOKIE_MAX];
	size_t gl[8], n_got, req_len, n;
	struct tg_nts_request r;
	struct tg_ntp_packet p;
	char err[200];

	keys();
	fill(cookie, sizeof(cookie), 3);
	req_len = tg_nts_build_request(req, sizeof(req), 99, uid_a, cookie, 100, 3, &c2s, nonce_a);
	CHECK_EQ_INT(serve(req, req_len, resp, &r), 48);
	n = tg_nts_build_nak(resp, sizeof(resp), req, &r);
	CHECK_EQ_INT(n, 48 + 36);
	CHECK_EQ_INT(resp[1], 0);
	CHECK(memcmp(resp + 12, "NTSN", 4) == 0);
	CHECK_EQ_INT(tg_nts_check_response(resp, n, 99, uid_a, &s2c, &p, got, gl, 8, &n_got, err,
	                                   sizeof(err)),
	             TG_NTS_ENAK);
	/* a NAK for someone else's request */
	resp[48 + 4] ^= 1;
	CHECK_EQ_INT(tg_nts_check_response(resp, n, 99, uid_a, &s2c, &p, got, gl, 8, &n_got, err,
	                                   sizeof(err)),
	             TG_NTS_EMISMATCH);
	resp[48 + 4] ^= 1;
	CHECK_EQ_INT(tg_nts_check_response(resp, n, 98, uid_a, &s2c, &p, got, gl, 8, &n_got, err,
	                                   sizeof(err)),
	             TG_NTS_EMISMATCH);
	/* without the kiss code it is an unauthenticated response */
	memcpy(resp + 12, "NTSX", 4);
	CHECK_EQ_INT(tg_nts_check_response(resp, n, 99, uid_a, &s2c, &p, got, gl, 8, &n_got, err,
	                                   sizeof(err)),
	             TG_NTS_EMALFORMED);
	CHECK_EQ_INT(tg_nts_build_nak(resp, 48 + 35, req, &r), 0);
}

/* --- hand-built packets for the scan refusals */

struct pkt {
	uint8_t b[TG_NTP_MAX_PACKET];
	size_t n;
};

static void p_start(struct pkt *k)
{
	memset(k->b, 0, sizeof(k->b));
	k->b[0] = 4 << 3 | 3;
	k->n = 48;
}

static void p_ef(struct pkt *k, uint16_t type, size_t blen, uint8_t v)
{
	tg_ntp_put16(k->b + k->n, type);
	tg_ntp_put16(k->b + k->n + 2, (uint16_t)(4 + blen));
	memset(k->b + k->n + 4, v, blen);
	k->n += 4 + blen;
}

/* Authenticator: nonce_len, ct_len as written, body of blen bytes, sealed over the AD. */
static void p_auth(struct pkt *k, uint16_t nonce_len, uint16_t ct_len, size_t blen, int seal)
{
	size_t off = k->n, npad = (nonce_len + 3u) & ~3u;

	tg_ntp_put16(k->b + off, TG_NTS_EF_AUTH);
	tg_ntp_put16(k->b + off + 2, (uint16_t)(4 + blen));
	tg_ntp_put16(k->b + off + 4, nonce_len);
	tg_ntp_put16(k->b + off + 6, ct_len);
	memset(k->b + off + 8, 0, blen - 4);
	memset(k->b + off + 8, 0x5a, nonce_len < blen - 4 ? nonce_len : blen - 4);
	if (seal)
		CHECK_EQ_INT(tg_siv_seal(&c2s, k->b + off + 8, nonce_len, k->b, off, NULL, 0,
		                         k->b + off + 8 + npad, ct_len),
		             16);
	k->n += 4 + blen;
}

static void test_ntp_scan_refusals(void)
{
	struct tg_ntp_packet p;
	struct tg_nts_request r;
	struct pkt k;
	char err[200];
	int i;

	keys();
#define SCAN() scan(k.b, k.n, &p, &r, err, sizeof(err))

	/* the reference: uid, cookie, placeholder, authenticator */
	p_start(&k);
	p_ef(&k, TG_NTS_EF_UNIQUE_ID, 32, 1);
	p_ef(&k, TG_NTS_EF_COOKIE, 100, 2);
	p_ef(&k, TG_NTS_EF_PLACEHOLDER, 100, 0);
	p_auth(&k, 16, 16, 36, 1);
	CHECK_EQ_INT(SCAN(), TG_NTS_OK);
	CHECK_EQ_INT(tg_nts_request_verify(k.b, &r, &c2s), TG_NTS_OK);

	/* unknown fields before the authenticator are fine; placeholder content ignored */
	p_start(&k);
	p_ef(&k, 0x7777, 12, 9);
	p_ef(&k, TG_NTS_EF_PLACEHOLDER, 100, 0xee);
	p_ef(&k, TG_NTS_EF_COOKIE, 100, 2);
	p_ef(&k, TG_NTS_EF_UNIQUE_ID, 64, 1);
	p_auth(&k, 16, 16, 36, 1);
	CHECK_EQ_INT(SCAN(), TG_NTS_OK);
	CHECK_EQ_INT(r.uid_len, 64);
	CHECK_EQ_INT(r.n_placeholders, 1);
	CHECK_EQ_INT(tg_nts_request_verify(k.b, &r, &c2s), TG_NTS_OK);

	/* no unique identifier */
	p_start(&k);
	p_ef(&k, TG_NTS_EF_COOKIE, 100, 2);
	p_auth(&k, 16, 16, 36, 1);
	CHECK_EQ_INT(SCAN(), TG_NTS_EMALFORMED);
	/* a short one */
	p_start(&k);
	p_ef(&k, TG_NTS_EF_UNIQUE_ID, 12, 1);
	p_ef(&k, TG_NTS_EF_COOKIE, 100, 2);
	p_auth(&k, 16, 16, 36, 1);
	CHECK_EQ_INT(SCAN(), TG_NTS_EMALFORMED);
	CHECK_EQ_STR(err, "expected a Unique Identifier of at least 32 bytes, got 12");
	/* two */
	p_start(&k);
	p_ef(&k, TG_NTS_EF_UNIQUE_ID, 32, 1);
	p_ef(&k, TG_NTS_EF_UNIQUE_ID, 32, 1);
	p_ef(&k, TG_NTS_EF_COOKIE, 100, 2);
	p_auth(&k, 16, 16, 36, 1);
	CHECK_EQ_INT(SCAN(), TG_NTS_EMALFORMED);
	/* no cookie */
	p_start(&k);
	p_ef(&k, TG_NTS_EF_UNIQUE_ID, 32, 1);
	p_auth(&k, 16, 16, 36, 1);
	CHECK_EQ_INT(SCAN(), TG_NTS_ENOCOOKIE);
	/* two cookies */
	p_start(&k);
	p_ef(&k, TG_NTS_EF_UNIQUE_ID, 32, 1);
	p_ef(&k, TG_NTS_EF_COOKIE, 100, 2);
	p_ef(&k, TG_NTS_EF_COOKIE, 100, 2);
	p_auth(&k, 16, 16, 36, 1);
	CHECK_EQ_INT(SCAN(), TG_NTS_EMALFORMED);
	/* placeholder size mismatch, before and after the cookie, and between them */
	p_start(&k);
	p_ef(&k, TG_NTS_EF_UNIQUE_ID, 32, 1);
	p_ef(&k, TG_NTS_EF_COOKIE, 100, 2);
	p_ef(&k, TG_NTS_EF_PLACEHOLDER, 104, 0);
	p_auth(&k, 16, 16, 36, 1);
	CHECK_EQ_INT(SCAN(), TG_NTS_EMALFORMED);
	p_start(&k);
	p_ef(&k, TG_NTS_EF_PLACEHOLDER, 96, 0);
	p_ef(&k, TG_NTS_EF_UNIQUE_ID, 32, 1);
	p_ef(&k, TG_NTS_EF_COOKIE, 100, 2);
	p_auth(&k, 16, 16, 36, 1);
	CHECK_EQ_INT(SCAN(), TG_NTS_EMALFORMED);
	p_start(&k);
	p_ef(&k, TG_NTS_EF_UNIQUE_ID, 32, 1);
	p_ef(&k, TG_NTS_EF_COOKIE, 100, 2);
	p_ef(&k, TG_NTS_EF_PLACEHOLDER, 100, 0);
	p_ef(&k, TG_NTS_EF_PLACEHOLDER, 96, 0);
	p_auth(&k, 16, 16, 36, 1);
	CHECK_EQ_INT(SCAN(), TG_NTS_EMALFORMED);
	/* eight placeholders */
	p_start(&k);
	p_ef(&k, TG_NTS_EF_UNIQUE_ID, 32, 1);
	p_ef(&k, TG_NTS_EF_COOKIE, 60, 2);
	for (i = 0; i < 8; i++)
		p_ef(&k, TG_NTS_EF_PLACEHOLDER, 60, 0);
	p_auth(&k, 16, 16, 36, 1);
	CHECK_EQ_INT(SCAN(), TG_NTS_EMALFORMED);
	/* authenticator not last; none; two */
	p_start(&k);
	p_ef(&k, TG_NTS_EF_UNIQUE_ID, 32, 1);
	p_ef(&k, TG_NTS_EF_COOKIE, 100, 2);
	p_auth(&k, 16, 16, 36, 1);
	p_ef(&k, 0x7777, 28, 0);
	CHECK_EQ_INT(SCAN(), TG_NTS_EMALFORMED);
	p_start(&k);
	p_ef(&k, TG_NTS_EF_UNIQUE_ID, 32, 1);
	p_ef(&k, TG_NTS_EF_COOKIE, 100, 2);
	CHECK_EQ_INT(SCAN(), TG_NTS_EMALFORMED);
	p_start(&k);
	CHECK_EQ_INT(SCAN(), TG_NTS_EMALFORMED);
	p_start(&k);
	p_ef(&k, TG_NTS_EF_UNIQUE_ID, 32, 1);
	p_ef(&k, TG_NTS_EF_COOKIE, 100, 2);
	p_auth(&k, 16, 16, 36, 1);
	p_auth(&k, 16, 16, 36, 1);
	CHECK_EQ_INT(SCAN(), TG_NTS_EMALFORMED);
	/* a legacy MAC after the authenticator */
	p_start(&k);
	p_ef(&k, TG_NTS_EF_UNIQUE_ID, 32, 1);
	p_ef(&k, TG_NTS_EF_COOKIE, 100, 2);
	p_auth(&k, 16, 16, 36, 1);
	k.n += 20;
	CHECK_EQ_INT(SCAN(), TG_NTS_EMALFORMED);
	/* nonce length 0 */
	p_start(&k);
	p_ef(&k, TG_NTS_EF_UNIQUE_ID, 32, 1);
	p_ef(&k, TG_NTS_EF_COOKIE, 100, 2);
	p_auth(&k, 0, 16, 36, 0);
	CHECK_EQ_INT(SCAN(), TG_NTS_EMALFORMED);
	/* ciphertext length beyond the field; shorter than a tag */
	p_start(&k);
	p_ef(&k, TG_NTS_EF_UNIQUE_ID, 32, 1);
	p_ef(&k, TG_NTS_EF_COOKIE, 100, 2);
	p_auth(&k, 16, 20, 36, 0);
	CHECK_EQ_INT(SCAN(), TG_NTS_EMALFORMED);
	p_start(&k);
	p_ef(&k, TG_NTS_EF_UNIQUE_ID, 32, 1);
	p_ef(&k, TG_NTS_EF_COOKIE, 100, 2);
	p_auth(&k, 16, 8, 36, 0);
	CHECK_EQ_INT(SCAN(), TG_NTS_EMALFORMED);
	/* nonce length beyond the field */
	p_start(&k);
	p_ef(&k, TG_NTS_EF_UNIQUE_ID, 32, 1);
	p_ef(&k, TG_NTS_EF_COOKIE, 100, 2);
	p_auth(&k, 0xfff0, 16, 36, 0);
	CHECK_EQ_INT(SCAN(), TG_NTS_EMALFORMED);
	/* a short nonce needs additional padding up to 16 bytes (RFC 8915 5.6) */
	p_start(&k);
	p_ef(&k, TG_NTS_EF_UNIQUE_ID, 32, 1);
	p_ef(&k, TG_NTS_EF_COOKIE, 100, 2);
	p_auth(&k, 5, 16, 4 + 8 + 16, 0);
	CHECK_EQ_INT(SCAN(), TG_NTS_EMALFORMED);
	p_start(&k);
	p_ef(&k, TG_NTS_EF_UNIQUE_ID, 32, 1);
	p_ef(&k, TG_NTS_EF_COOKIE, 100, 2);
	p_auth(&k, 5, 16, 4 + 8 + 16 + 8, 1);
	CHECK_EQ_INT(SCAN(), TG_NTS_OK);
	CHECK_EQ_INT(r.nonce_len, 5);
	CHECK_EQ_INT(r.ct_off, r.nonce_off + 8);
	CHECK_EQ_INT(tg_nts_request_verify(k.b, &r, &c2s), TG_NTS_OK);
	/* a longer nonce (and additional padding after the ciphertext) */
	p_start(&k);
	p_ef(&k, TG_NTS_EF_UNIQUE_ID, 32, 1);
	p_ef(&k, TG_NTS_EF_COOKIE, 100, 2);
	p_auth(&k, 30, 16, 4 + 32 + 16 + 12, 1);
	CHECK_EQ_INT(SCAN(), TG_NTS_OK);
	CHECK_EQ_INT(tg_nts_request_verify(k.b, &r, &c2s), TG_NTS_OK);
#undef SCAN
}

/* An NTS response with an extra, unencrypted cookie field before the authenticator. */
static void test_ntp_unencrypted_cookie_ignored(void)
{
	uint8_t got[8][TG_NTS_COOKIE_MAX], pt[108];
	size_t gl[8], n_got, off;
	struct tg_ntp_packet p;
	struct pkt k;
	char err[200];

	keys();
	p_start(&k);
	k.b[0] = 4 << 3 | 4;
	tg_ntp_put64(k.b + 24, 77);
	tg_ntp_put16(k.b + 48, TG_NTS_EF_UNIQUE_ID);
	tg_ntp_put16(k.b + 50, 36);
	memcpy(k.b + 52, uid_a, 32);
	k.n = 84;
	p_ef(&k, TG_NTS_EF_COOKIE, 100, 0xcc); /* authenticated, not encrypted */
	/* plaintext: one cookie of 104 bytes */
	tg_ntp_put16(pt, TG_NTS_EF_COOKIE);
	tg_ntp_put16(pt + 2, 108);
	memset(pt + 4, 0xdd, 104);
	off = k.n;
	tg_ntp_put16(k.b + off, TG_NTS_EF_AUTH);
	tg_ntp_put16(k.b + off + 2, (uint16_t)(4 + 4 + 16 + 16 + 108));
	tg_ntp_put16(k.b + off + 4, 16);
	tg_ntp_put16(k.b + off + 6, 16 + 108);
	memcpy(k.b + off + 8, nonce_a, 16);
	CHECK_EQ_INT(
	    tg_siv_seal(&s2c, nonce_a, 16, k.b, off, pt, sizeof(pt), k.b + off + 24, 16 + 108),
	    16 + 108);
	k.n = off + 4 + 4 + 16 + 16 + 108;
	CHECK_EQ_INT(tg_nts_check_response(k.b, k.n, 77, uid_a, &s2c, &p, got, gl, 8, &n_got, err,
	                                   sizeof(err)),
	             TG_NTS_OK);
	CHECK_EQ_INT(n_got, 1);
	CHECK_EQ_INT(gl[0], 104);
	CHECK_EQ_INT(got[0][0], 0xdd);

	/* a plaintext that is not a sequence of fields */
	tg_ntp_put16(pt + 2, 112);
	CHECK_EQ_INT(
	    tg_siv_seal(&s2c, nonce_a, 16, k.b, off, pt, sizeof(pt), k.b + off + 24, 16 + 108),
	    16 + 108);
	CHECK_EQ_INT(tg_nts_check_response(k.b, k.n, 77, uid_a, &s2c, &p, got, gl, 8, &n_got, err,
	                                   sizeof(err)),
	             TG_NTS_EMALFORMED);
	CHECK_EQ_INT(n_got, 0);
}

/* Packets from gen_nts_vectors.py (pyca/cryptography): accepted, and rebuilt byte for byte. */
static void test_ntp_independent_vectors(void)
{
	uint8_t out[TG_NTP_MAX_PACKET], got[8][TG_NTS_COOKIE_MAX];
	const uint8_t *cp[2] = {nv_new_cookie0, nv_new_cookie1};
	size_t cl[2] = {sizeof(nv_new_cookie0), sizeof(nv_new_cookie1)};
	struct tg_siv k_c2s, k_s2c;
	struct tg_ntp_server_info info;
	struct tg_nts_request r;
	struct tg_ntp_packet p, q;
	size_t n, gl[8], n_got;
	char err[200];

	CHECK_EQ_INT(tg_siv_init(&k_c2s, nv_c2s, sizeof(nv_c2s)), 0);
	CHECK_EQ_INT(tg_siv_init(&k_s2c, nv_s2c, sizeof(nv_s2c)), 0);

	/* server: their request verifies */
	CHECK_EQ_INT(scan(nv_request, sizeof(nv_request), &p, &r, err, sizeof(err)), TG_NTS_OK);
	CHECK_EQ_INT(tg_nts_request_verify(nv_request, &r, &k_c2s), TG_NTS_OK);
	CHECK_EQ_INT(tg_nts_request_verify(nv_request, &r, &k_s2c), TG_NTS_EAUTH);
	CHECK_EQ_INT(r.n_placeholders, 1);
	CHECK_EQ_INT(r.cookie_len, 104);

	/* client: ours is the same bytes */
	n = tg_nts_build_request(out, sizeof(out), NV_TX, nv_uid, nv_cookie, sizeof(nv_cookie), 1,
	                         &k_c2s, nv_nonce_req);
	CHECK_EQ_INT(n, sizeof(nv_request));
	CHECK(memcmp(out, nv_request, sizeof(nv_request)) == 0);

	/* server: our response is theirs */
	memset(&info, 0, sizeof(info));
	info.leap = NV_LEAP;
	info.stratum = NV_STRATUM;
	info.precision = NV_PRECISION;
	info.root_delay = NV_ROOT_DELAY;
	info.root_dispersion = NV_ROOT_DISP;
	memcpy(info.refid, NV_REFID, 4);
	info.reference_ts = NV_REF_TS;
	CHECK_EQ_INT(tg_ntp_build_response(&p, &info, NV_RX_TS, NV_TX_TS, out, sizeof(out)), 48);
	n = tg_nts_build_response(out, sizeof(out), sizeof(nv_request), nv_request, &r, &k_s2c,
	                          nv_nonce_resp, cp, cl, 2);
	CHECK_EQ_INT(n, sizeof(nv_response));
	CHECK(memcmp(out, nv_response, sizeof(nv_response)) == 0);

	/* client: their response checks, with the two cookies */
	CHECK_EQ_INT(tg_nts_check_response(nv_response, sizeof(nv_response), NV_TX, nv_uid, &k_s2c,
	                                   &q, got, gl, 8, &n_got, err, sizeof(err)),
	             TG_NTS_OK);
	CHECK_EQ_INT(n_got, 2);
	CHECK_EQ_INT(gl[0], 104);
	CHECK(memcmp(got[0], nv_new_cookie0, sizeof(nv_new_cookie0)) == 0);
	CHECK_EQ_INT(gl[1], sizeof(nv_new_cookie1));
	CHECK(memcmp(got[1], nv_new_cookie1, sizeof(nv_new_cookie1)) == 0);
	CHECK(q.transmit_ts == NV_TX_TS && q.stratum == NV_STRATUM);
	CHECK_EQ_INT(tg_nts_check_response(nv_response, sizeof(nv_response), NV_TX, nv_uid, &k_c2s,
	                                   &q, got, gl, 8, &n_got, err, sizeof(err)),
	             TG_NTS_EAUTH);
}

static void test_strerror(void)
{
	int e;

	for (e = 0; e >= -11; e--)
		CHECK(strcmp(tg_nts_strerror(e), "unknown") != 0);
	CHECK_EQ_STR(tg_nts_strerror(-99), "unknown");
}

/* The client's session file: encode, decode back, and every refusal says what it expected. */
static void test_session_file(void)
{
	static struct tg_ntsc a, b;
	static uint8_t buf[TG_NTSC_SESSION_MAX], bad[TG_NTSC_SESSION_MAX];
	char err[200];
	size_t n, i;

	memset(&a, 0, sizeof(a));
	a.aead = 17;
	a.ntp_port = 4123;
	strcpy(a.ntp_server, "ntp.example.org");
	for (i = 0; i < 64; i++) {
		a.c2s[i] = (uint8_t)i;
		a.s2c[i] = (uint8_t)(0xff - i);
	}
	a.n_cookies = 3;
	for (i = 0; i < 3; i++) {
		a.cookie_len[i] = 168;
		memset(a.cookies[i], (int)(0x40 + i), 168);
	}
	CHECK_EQ_INT(tg_ntsc_encode(&a, buf, sizeof(buf) - 1), 0); /* cap below the maximum */
	n = tg_ntsc_encode(&a, buf, sizeof(buf));
	CHECK_EQ_INT(n, 4 + 1 + 2 + 2 + 1 + 15 + 128 + 1 + 3 * (2 + 168) + 4);
	CHECK_EQ_INT(tg_ntsc_decode(&b, buf, n, err, sizeof(err)), 0);
	CHECK_EQ_STR(err, "");
	CHECK_EQ_INT(b.aead, 17);
	CHECK_EQ_INT(b.ntp_port, 4123);
	CHECK_EQ_STR(b.ntp_server, "ntp.example.org");
	CHECK(memcmp(b.c2s, a.c2s, 64) == 0 && memcmp(b.s2c, a.s2c, 64) == 0);
	CHECK_EQ_INT(b.n_cookies, 3);
	CHECK(b.cookie_len[2] == 168 && memcmp(b.cookies[2], a.cookies[2], 168) == 0);

	/* every single-byte change is caught (the CRC, or a field check) */
	for (i = 0; i < n; i++) {
		memcpy(bad, buf, n);
		bad[i] ^= 0x01;
		CHECK_EQ_INT(tg_ntsc_decode(&b, bad, n, err, sizeof(err)), -1);
		CHECK(err[0] != '\0');
		CHECK_EQ_INT(b.n_cookies, 0); /* wiped */
	}
	memcpy(bad, buf, n);
	bad[n - 1] ^= 0x80;
	CHECK_EQ_INT(tg_ntsc_decode(&b, bad, n, err, sizeof(err)), -1);
	CHECK_EQ_STR(err, "checksum mismatch (file damaged)");
	CHECK_EQ_INT(tg_ntsc_decode(&b, buf, n - 1, err, sizeof(err)), -1);
	CHECK_EQ_INT(tg_ntsc_decode(&b, buf, 10, err, sizeof(err)), -1);
	CHECK(strstr(err, "expected TGNS version 1") != NULL);

	/* a valid checksum over bad contents: unknown AEAD, NUL in the name, too many cookies */
	memcpy(bad, buf, n);
	bad[5] = 0;
	bad[6] = 1;
	tg_ntp_put32(bad + n - 4, tg_crc32(0, bad, n - 4));
	CHECK_EQ_INT(tg_ntsc_decode(&b, bad, n, err, sizeof(err)), -1);
	CHECK(strstr(err, "unknown AEAD 1") != NULL);
	memcpy(bad, buf, n);
	bad[12] = '\0';
	tg_ntp_put32(bad + n - 4, tg_crc32(0, bad, n - 4));
	CHECK_EQ_INT(tg_ntsc_decode(&b, bad, n, err, sizeof(err)), -1);
	memcpy(bad, buf, n);
	bad[10 + 15 + 128] = TG_NTS_COOKIES + 1;
	tg_ntp_put32(bad + n - 4, tg_crc32(0, bad, n - 4));
	CHECK_EQ_INT(tg_ntsc_decode(&b, bad, n, err, sizeof(err)), -1);
	CHECK(strstr(err, "bad contents") != NULL);
	tg_ntsc_wipe(&a);
}

int main(void)
{
	check_seed();
	RUN(test_ke_request_roundtrip);
	RUN(test_ke_request_refusals);
	RUN(test_ke_choose_aead);
	RUN(test_ke_response_roundtrip);
	RUN(test_ke_response_refusals);
	RUN(test_ke_exporter_context);
	RUN(test_ntp_request_roundtrip);
	RUN(test_ntp_response_roundtrip);
	RUN(test_ntp_nak);
	RUN(test_ntp_scan_refusals);
	RUN(test_ntp_unencrypted_cookie_ignored);
	RUN(test_ntp_independent_vectors);
	RUN(test_strerror);
	RUN(test_session_file);
	return check_exit();
}
