/*
 * fuzz_nts_ntp.c - libFuzzer harness over the NTS extension fields of
 * NTPv4 (lib/nts.c).  The bytes as a request: tg_ntp_parse, then
 * tg_nts_request_scan and tg_nts_request_verify with the fixed c2s key
 * of tests/unit/nts_vectors.h (so seeds made with it verify and the
 * fuzzer reaches what follows); a scanned request gets a response and a
 * NAK that are never longer than it, and that the client code accepts.
 * The bytes as a response: tg_nts_check_response with the vectors' s2c
 * key, unique identifier and transmit time.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nts.h"

#include "../unit/nts_vectors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct tg_siv c2s, s2c;

static void keys(void)
{
	static int done;

	if (done)
		return;
	if (tg_siv_init(&c2s, nv_c2s, sizeof(nv_c2s)) || tg_siv_init(&s2c, nv_s2c, sizeof(nv_s2c)))
		abort();
	done = 1;
}

static void as_request(const uint8_t *buf, size_t size)
{
	static uint8_t resp[TG_NTP_MAX_PACKET], got[TG_NTS_COOKIES][TG_NTS_COOKIE_MAX];
	static uint8_t cookie[TG_NTS_COOKIE_MAX];
	const uint8_t *cp[TG_NTS_COOKIES];
	size_t cl[TG_NTS_COOKIES], gl[TG_NTS_COOKIES], n_got, n, i;
	struct tg_ntp_server_info info;
	struct tg_ntp_packet p, q;
	struct tg_nts_request r;
	char err[256];
	int rc;

	if (tg_ntp_parse(buf, size, &p, err, sizeof(err)) != TG_NTP_OK)
		return;
	rc = tg_nts_request_scan(buf, &p, &r, err, sizeof(err));
	if (rc != TG_NTS_OK) {
		if (!memchr(err, '\0', sizeof(err)) || !err[0])
			abort();
		return;
	}
	/* everything found lies inside the packet, the authenticator last */
	if (r.uid_len < TG_NTS_UID_MIN || (size_t)r.uid_off + r.uid_len > r.auth_off ||
	    (size_t)r.cookie_off + r.cookie_len > r.auth_off || r.n_placeholders > 7 ||
	    r.nonce_off < r.auth_off || r.nonce_len == 0 || r.ct_off < r.nonce_off + r.nonce_len ||
	    (size_t)r.ct_off + r.ct_len > size || r.ct_len < TG_SIV_TAG_LEN)
		abort();
	rc = tg_nts_request_verify(buf, &r, &c2s);
	if (rc != TG_NTS_OK && rc != TG_NTS_EAUTH)
		abort();

	memset(&info, 0, sizeof(info));
	info.stratum = 1;
	memcpy(info.refid, "GPS", 4);
	if (tg_ntp_build_response(&p, &info, 1, 2, resp, sizeof(resp)) != TG_NTP_HEADER_LEN)
		abort();
	/* 1 + placeholders new cookies of the received cookie's size */
	n = r.cookie_len < TG_NTS_COOKIE_MAX ? r.cookie_len : TG_NTS_COOKIE_MAX;
	if (n == 0)
		n = 1;
	memset(cookie, 0xc5, n);
	for (i = 0; i <= r.n_placeholders; i++) {
		cp[i] = cookie;
		cl[i] = n;
	}
	n = tg_nts_build_response(resp, sizeof(resp), size, buf, &r, &s2c, nv_nonce_resp, cp, cl,
	                          r.n_placeholders + 1);
	/* never longer than the request, and always possible: the new cookies fit
	 * where the cookie and placeholders were */
	if (n == 0 || n > size)
		abort();
	if (r.uid_len == 32) {
		/* the client that sent this uid and transmit time accepts it */
		rc = tg_nts_check_response(resp, n, p.transmit_ts, buf + r.uid_off, &s2c, &q, got,
		                           gl, TG_NTS_COOKIES, &n_got, err, sizeof(err));
		if (rc != TG_NTS_OK || n_got != r.n_placeholders + 1)
			abort();
		for (i = 0; i < n_got; i++)
			if (gl[i] < cl[i] || memcmp(got[i], cookie, cl[i]) != 0)
				abort();
	}
	if (tg_ntp_build_response(&p, &info, 1, 2, resp, sizeof(resp)) != TG_NTP_HEADER_LEN)
		abort();
	n = tg_nts_build_nak(resp, sizeof(resp), buf, &r);
	if (!n || n > size)
		abort();
	if (r.uid_len == 32 &&
	    tg_nts_check_response(resp, n, p.transmit_ts, buf + r.uid_off, &s2c, &q, got, gl,
	                          TG_NTS_COOKIES, &n_got, err, sizeof(err)) != TG_NTS_ENAK)
		abort();
}

static void as_response(const uint8_t *buf, size_t size)
{
	static uint8_t got[TG_NTS_COOKIES][TG_NTS_COOKIE_MAX];
	size_t gl[TG_NTS_COOKIES], n_got = 99, i;
	struct tg_ntp_packet p;
	char err[256];
	int rc;

	rc = tg_nts_check_response(buf, size, NV_TX, nv_uid, &s2c, &p, got, gl, TG_NTS_COOKIES,
	                           &n_got, err, sizeof(err));
	if (rc != TG_NTS_OK) {
		if (n_got != 0 || !memchr(err, '\0', sizeof(err)) || !err[0])
			abort();
		return;
	}
	if (n_got > TG_NTS_COOKIES || p.mode != TG_NTP_MODE_SERVER || p.origin_ts != NV_TX)
		abort();
	for (i = 0; i < n_got; i++)
		if (gl[i] == 0 || gl[i] > TG_NTS_COOKIE_MAX)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy;

	keys();
	/* an exact-size heap copy: ASan sees any read past the end */
	copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	if (size)
		memcpy(copy, data, size);
	as_request(copy, size);
	as_response(copy, size);
	free(copy);
	return 0;
}
