/*
 * fuzz_ntske.c - libFuzzer harness over the NTS-KE parsers (lib/nts.c):
 * the same bytes as a client request (server side) and as a server
 * response (client side).  Whatever the bytes, parsing stays inside
 * them, a rejection says why, results are within their bounds, and an
 * accepted message rebuilt by our builders parses back to the same.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nts.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_err(int rc, const char *err, size_t errlen)
{
	if (rc != TG_NTS_OK && (!memchr(err, '\0', errlen) || !err[0]))
		abort(); /* a rejection always says why */
}

static void server_side(const uint8_t *buf, size_t size)
{
	static uint8_t out[TG_NTSKE_MSG_MAX];
	struct tg_ntske_request req, again;
	uint16_t code = 0xffff, aead;
	char err[256];
	size_t n, i;
	int rc;

	rc = tg_ntske_parse_request(buf, size, &req, &code, err, sizeof(err));
	check_err(rc, err, sizeof(err));
	if (rc == TG_NTS_ECRITICAL && code != TG_NTSKE_ERR_UNRECOGNIZED_CRITICAL)
		abort();
	if (rc != TG_NTS_OK && rc != TG_NTS_ECRITICAL && code != TG_NTSKE_ERR_BAD_REQUEST)
		abort();
	if (rc == TG_NTS_EINCOMPLETE && size >= TG_NTSKE_MSG_MAX)
		abort();
	if (rc != TG_NTS_OK)
		return;
	if (req.n_aead > 8 || !memchr(req.server, '\0', sizeof(req.server)))
		abort();
	aead = tg_ntske_choose_aead(&req);
	if (aead && tg_siv_key_len(aead) == 0)
		abort();
	/* what a client would send for the same choice parses back the same */
	if (req.n_aead && req.has_ntpv4) {
		n = tg_ntske_build_request(req.aeads, req.n_aead, out, sizeof(out));
		if (!n ||
		    tg_ntske_parse_request(out, n, &again, &code, err, sizeof(err)) != TG_NTS_OK)
			abort();
		if (again.n_aead != req.n_aead || !again.has_ntpv4)
			abort();
		for (i = 0; i < req.n_aead; i++)
			if (again.aeads[i] != req.aeads[i])
				abort();
	}
	n = tg_ntske_build_error(code, out, sizeof(out));
	if (n != 10)
		abort();
}

static void client_side(const uint8_t *buf, size_t size)
{
	static uint8_t out[TG_NTSKE_MSG_MAX];
	static struct tg_ntske_response resp, again;
	const uint8_t *cp[TG_NTS_COOKIES];
	char err[256];
	size_t n, i;
	int rc;

	rc = tg_ntske_parse_response(buf, size, &resp, err, sizeof(err));
	check_err(rc, err, sizeof(err));
	if (rc == TG_NTS_EINCOMPLETE && size >= TG_NTSKE_MSG_MAX)
		abort();
	if (rc != TG_NTS_OK)
		return;
	if (resp.n_cookies == 0 || resp.n_cookies > TG_NTS_COOKIES ||
	    tg_siv_key_len(resp.aead) == 0 || !memchr(resp.server, '\0', sizeof(resp.server)))
		abort();
	for (i = 0; i < resp.n_cookies; i++) {
		if (resp.cookie_len[i] == 0 || resp.cookie_len[i] > TG_NTS_COOKIE_MAX)
			abort();
		cp[i] = resp.cookies[i];
	}
	/* the server's builder makes the same response again */
	n = tg_ntske_build_response(resp.aead, resp.server[0] ? resp.server : NULL, resp.port, cp,
	                            resp.cookie_len, resp.n_cookies, out, sizeof(out));
	if (!n || n > size ||
	    tg_ntske_parse_response(out, n, &again, err, sizeof(err)) != TG_NTS_OK)
		abort();
	if (again.aead != resp.aead || again.port != resp.port ||
	    strcmp(again.server, resp.server) != 0 || again.n_cookies != resp.n_cookies)
		abort();
	for (i = 0; i < resp.n_cookies; i++)
		if (again.cookie_len[i] != resp.cookie_len[i] ||
		    memcmp(again.cookies[i], resp.cookies[i], resp.cookie_len[i]) != 0)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy;

	/* an exact-size heap copy: ASan sees any read past the end */
	copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	if (size)
		memcpy(copy, data, size);
	server_side(copy, size);
	client_side(copy, size);
	free(copy);
	return 0;
}
