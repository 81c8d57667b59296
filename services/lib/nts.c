/*
 * nts.c - Network Time Security (RFC 8915): NTS-KE records and the NTS
 * extension fields of NTPv4.
 *
 * Every read is preceded by a bounds check against the length it was
 * given; the functions only fail by returning an error.  See nts.h for
 * the formats and the rules enforced.
 */
#include "nts.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ct.h"
#include "tls13.h"

#define KE_HDR     4      /* record: C|type (16), body length (16) */
#define KE_CRIT    0x8000 /* critical bit of the record type word */
#define EF_HDR     4      /* extension field: type (16), length (16) */
#define AUTH_HDR   4      /* authenticator body: nonce length, ciphertext length */
#define NONCE_AREA 16     /* RFC 8915 5.6: nonce + padding + additional padding >= 16 */

static int fail(int code, char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail(int code, char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return code;
}

static size_t pad4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

/* The AEAD ids this code can key (lib/aessiv.h). */
static int aead_known(uint16_t id)
{
	return id == TG_SIV_AEAD_256 || id == TG_SIV_AEAD_384 || id == TG_SIV_AEAD_512;
}

const char *tg_nts_strerror(int err)
{
	switch (err) {
	case TG_NTS_OK:
		return "ok";
	case TG_NTS_EINCOMPLETE:
		return "incomplete";
	case TG_NTS_EMALFORMED:
		return "malformed";
	case TG_NTS_ECRITICAL:
		return "unrecognized critical record";
	case TG_NTS_ENOPROTO:
		return "no NTPv4";
	case TG_NTS_ENOAEAD:
		return "no common AEAD";
	case TG_NTS_EERROR:
		return "error record";
	case TG_NTS_EAUTH:
		return "authentication failed";
	case TG_NTS_ENOCOOKIE:
		return "no cookie";
	case TG_NTS_ESPACE:
		return "no space";
	case TG_NTS_ENAK:
		return "NTS NAK";
	case TG_NTS_EMISMATCH:
		return "mismatch";
	}
	return "unknown";
}

/* ---------------------------------------------------------------- NTS-KE */

static const char *rec_name(uint16_t type)
{
	switch (type) {
	case TG_NTSKE_END:
		return "End of Message";
	case TG_NTSKE_NEXT_PROTO:
		return "Next Protocol Negotiation";
	case TG_NTSKE_ERROR:
		return "Error";
	case TG_NTSKE_WARNING:
		return "Warning";
	case TG_NTSKE_AEAD:
		return "AEAD Algorithm Negotiation";
	case TG_NTSKE_COOKIE:
		return "New Cookie";
	case TG_NTSKE_SERVER:
		return "NTPv4 Server Negotiation";
	case TG_NTSKE_PORT_REC:
		return "NTPv4 Port Negotiation";
	}
	return "unknown";
}

/* One record of a KE message. */
struct ke_rec {
	int critical;
	uint16_t type;
	uint16_t blen;
	const uint8_t *body;
};

/*
 * The record at buf[*off..len): 1 and *off advanced, 0 when it is not
 * all there yet.
 */
static int ke_next(const uint8_t *buf, size_t len, size_t *off, struct ke_rec *r)
{
	size_t rest = len - *off;
	uint16_t w;

	if (rest < KE_HDR)
		return 0;
	w = tg_ntp_get16(buf + *off);
	r->critical = (w & KE_CRIT) != 0;
	r->type = w & (uint16_t)~KE_CRIT;
	r->blen = tg_ntp_get16(buf + *off + 2);
	if (rest - KE_HDR < r->blen)
		return 0;
	r->body = buf + *off + KE_HDR;
	*off += KE_HDR + r->blen;
	return 1;
}

/* An NTPv4 server name: 1..255 printable ASCII characters, no space. */
static int ke_server_name(const struct ke_rec *r, char out[256], char *err, size_t errlen)
{
	uint16_t i;

	if (r->blen == 0 || r->blen > 255)
		return fail(TG_NTS_EMALFORMED, err, errlen,
		            "%s record: expected a name of 1..255 bytes, got %u", rec_name(r->type),
		            r->blen);
	for (i = 0; i < r->blen; i++)
		if (r->body[i] <= 0x20 || r->body[i] >= 0x7f)
			return fail(TG_NTS_EMALFORMED, err, errlen,
			            "%s record: expected printable ASCII, got byte 0x%02x at %u",
			            rec_name(r->type), r->body[i], i);
	memcpy(out, r->body, r->blen);
	out[r->blen] = '\0';
	return TG_NTS_OK;
}

/* Common checks of a record list body: even length. */
static int ke_list(const struct ke_rec *r, char *err, size_t errlen)
{
	if (r->blen % 2)
		return fail(TG_NTS_EMALFORMED, err, errlen,
		            "%s record: expected a list of 16-bit ids, got a body of %u bytes",
		            rec_name(r->type), r->blen);
	return TG_NTS_OK;
}

static int ke_u16(const struct ke_rec *r, char *err, size_t errlen)
{
	if (r->blen != 2)
		return fail(TG_NTS_EMALFORMED, err, errlen,
		            "%s record: expected a 2-byte body, got %u bytes", rec_name(r->type),
		            r->blen);
	return TG_NTS_OK;
}

/* End of Message: critical, empty; nothing may follow it. */
static int ke_end(const struct ke_rec *r, size_t off, size_t len, char *err, size_t errlen)
{
	if (!r->critical)
		return fail(TG_NTS_EMALFORMED, err, errlen,
		            "End of Message record: expected the critical bit set");
	if (r->blen)
		return fail(TG_NTS_EMALFORMED, err, errlen,
		            "End of Message record: expected an empty body, got %u bytes", r->blen);
	if (off != len)
		return fail(TG_NTS_EMALFORMED, err, errlen,
		            "expected nothing after End of Message, got %zu bytes", len - off);
	return TG_NTS_OK;
}

/* Nothing complete yet: EINCOMPLETE, or too long to ever be a message. */
static int ke_incomplete(size_t len, char *err, size_t errlen)
{
	if (len >= TG_NTSKE_MSG_MAX)
		return fail(TG_NTS_EMALFORMED, err, errlen,
		            "no End of Message within %zu bytes, expected one within %d", len,
		            TG_NTSKE_MSG_MAX);
	return fail(TG_NTS_EINCOMPLETE, err, errlen, "no End of Message yet after %zu bytes", len);
}

/* Which records a message had so far (each may appear once). */
struct ke_seen {
	int proto, ntpv4, aead, server, port;
};

/* A second record of a type that may appear once. */
static int ke_once(int *seen, const struct ke_rec *r, size_t at, char *err, size_t errlen)
{
	if ((*seen)++)
		return fail(TG_NTS_EMALFORMED, err, errlen,
		            "expected at most one %s record, got a second at offset %zu",
		            rec_name(r->type), at);
	return TG_NTS_OK;
}

/* One record of a request other than End of Message. */
static int req_record(const struct ke_rec *r, size_t at, struct tg_ntske_request *out,
                      struct ke_seen *s, char *err, size_t errlen)
{
	const size_t max_aead = sizeof(out->aeads) / sizeof(out->aeads[0]);
	size_t i;
	int rc;

	switch (r->type) {
	case TG_NTSKE_NEXT_PROTO:
		if ((rc = ke_once(&s->proto, r, at, err, errlen)) != TG_NTS_OK)
			return rc;
		if (!r->critical)
			return fail(
			    TG_NTS_EMALFORMED, err, errlen,
			    "Next Protocol Negotiation record: expected the critical bit set");
		if ((rc = ke_list(r, err, errlen)) != TG_NTS_OK)
			return rc;
		for (i = 0; i < r->blen; i += 2)
			if (tg_ntp_get16(r->body + i) == TG_NTS_PROTO_NTPV4)
				out->has_ntpv4 = 1;
		return TG_NTS_OK;
	case TG_NTSKE_AEAD:
		if ((rc = ke_once(&s->aead, r, at, err, errlen)) != TG_NTS_OK ||
		    (rc = ke_list(r, err, errlen)) != TG_NTS_OK)
			return rc;
		if (r->blen / 2 > max_aead)
			return fail(
			    TG_NTS_EMALFORMED, err, errlen,
			    "AEAD Algorithm Negotiation record: expected at most %zu ids, got %u",
			    max_aead, r->blen / 2);
		for (i = 0; i < r->blen; i += 2)
			out->aeads[out->n_aead++] = tg_ntp_get16(r->body + i);
		return TG_NTS_OK;
	case TG_NTSKE_ERROR:
	case TG_NTSKE_WARNING:
	case TG_NTSKE_COOKIE:
		return fail(TG_NTS_EMALFORMED, err, errlen,
		            "%s record at offset %zu: expected none in a request",
		            rec_name(r->type), at);
	case TG_NTSKE_SERVER:
		if ((rc = ke_once(&s->server, r, at, err, errlen)) != TG_NTS_OK)
			return rc;
		return ke_server_name(r, out->server, err, errlen);
	case TG_NTSKE_PORT_REC:
		if ((rc = ke_once(&s->port, r, at, err, errlen)) != TG_NTS_OK ||
		    (rc = ke_u16(r, err, errlen)) != TG_NTS_OK)
			return rc;
		out->has_port = 1;
		out->port = tg_ntp_get16(r->body);
		return TG_NTS_OK;
	}
	if (r->critical)
		return fail(TG_NTS_ECRITICAL, err, errlen,
		            "record type %u at offset %zu: unrecognized, with the critical bit set",
		            r->type, at);
	return TG_NTS_OK; /* RFC 8915 4: unknown non-critical records are ignored */
}

static int ke_req(const uint8_t *buf, size_t len, struct tg_ntske_request *out, char *err,
                  size_t errlen)
{
	struct ke_seen s = {0, 0, 0, 0, 0};
	size_t off = 0, at;
	struct ke_rec r;
	int rc;

	while (off < len) {
		at = off;
		if (!ke_next(buf, len, &off, &r))
			break;
		if (r.type != TG_NTSKE_END) {
			if ((rc = req_record(&r, at, out, &s, err, errlen)) != TG_NTS_OK)
				return rc;
			continue;
		}
		if ((rc = ke_end(&r, off, len, err, errlen)) != TG_NTS_OK)
			return rc;
		if (!s.proto)
			return fail(TG_NTS_EMALFORMED, err, errlen,
			            "expected a Next Protocol Negotiation record, got none");
		if (!s.aead)
			return fail(TG_NTS_EMALFORMED, err, errlen,
			            "expected an AEAD Algorithm Negotiation record, got none");
		return TG_NTS_OK;
	}
	return ke_incomplete(len, err, errlen);
}

int tg_ntske_parse_request(const uint8_t *buf, size_t len, struct tg_ntske_request *out,
                           uint16_t *err_code, char *err, size_t errlen)
{
	int rc;

	memset(out, 0, sizeof(*out));
	if (err && errlen)
		err[0] = '\0';
	*err_code = TG_NTSKE_ERR_BAD_REQUEST;
	if (len > TG_NTSKE_MSG_MAX)
		return fail(TG_NTS_EMALFORMED, err, errlen,
		            "request of %zu bytes, expected at most %d", len, TG_NTSKE_MSG_MAX);
	rc = ke_req(buf, len, out, err, errlen);
	if (rc == TG_NTS_ECRITICAL)
		*err_code = TG_NTSKE_ERR_UNRECOGNIZED_CRITICAL;
	return rc;
}

uint16_t tg_ntske_choose_aead(const struct tg_ntske_request *req)
{
	size_t i, n = req->n_aead;

	if (n > sizeof(req->aeads) / sizeof(req->aeads[0]))
		n = sizeof(req->aeads) / sizeof(req->aeads[0]);
	for (i = 0; i < n; i++)
		if (aead_known(req->aeads[i]))
			return req->aeads[i];
	return 0;
}

/* Append one record; 0 when it does not fit (or the body is too long). */
static int ke_put(uint8_t *out, size_t cap, size_t *off, int critical, uint16_t type,
                  const uint8_t *body, size_t blen)
{
	if (blen > 0xffff || cap < *off || cap - *off < KE_HDR + blen)
		return 0;
	tg_ntp_put16(out + *off, (uint16_t)((critical ? KE_CRIT : 0) | type));
	tg_ntp_put16(out + *off + 2, (uint16_t)blen);
	if (blen)
		memcpy(out + *off + KE_HDR, body, blen);
	*off += KE_HDR + blen;
	return 1;
}

static int ke_put16(uint8_t *out, size_t cap, size_t *off, int critical, uint16_t type, uint16_t v)
{
	uint8_t b[2];

	tg_ntp_put16(b, v);
	return ke_put(out, cap, off, critical, type, b, 2);
}

/* cap limited to what a peer parses. */
static size_t ke_cap(size_t cap)
{
	return cap > TG_NTSKE_MSG_MAX ? TG_NTSKE_MSG_MAX : cap;
}

size_t tg_ntske_build_response(uint16_t aead, const char *server_name, uint16_t port,
                               const uint8_t *const *cookies, const size_t *cookie_len,
                               size_t n_cookies, uint8_t *out, size_t cap)
{
	size_t off = 0, i, nlen;

	cap = ke_cap(cap);
	if (!ke_put16(out, cap, &off, 1, TG_NTSKE_NEXT_PROTO, TG_NTS_PROTO_NTPV4) ||
	    !ke_put16(out, cap, &off, 1, TG_NTSKE_AEAD, aead))
		return 0;
	if (server_name) {
		nlen = strlen(server_name);
		if (nlen == 0 || nlen > 255 ||
		    !ke_put(out, cap, &off, 1, TG_NTSKE_SERVER, (const uint8_t *)server_name, nlen))
			return 0;
	}
	if (port && !ke_put16(out, cap, &off, 1, TG_NTSKE_PORT_REC, port))
		return 0;
	for (i = 0; i < n_cookies; i++)
		if (cookie_len[i] == 0 || cookie_len[i] > TG_NTS_COOKIE_MAX ||
		    !ke_put(out, cap, &off, 0, TG_NTSKE_COOKIE, cookies[i], cookie_len[i]))
			return 0;
	if (!ke_put(out, cap, &off, 1, TG_NTSKE_END, NULL, 0))
		return 0;
	return off;
}

size_t tg_ntske_build_error(uint16_t code, uint8_t *out, size_t cap)
{
	size_t off = 0;

	if (!ke_put16(out, cap, &off, 1, TG_NTSKE_ERROR, code) ||
	    !ke_put(out, cap, &off, 1, TG_NTSKE_END, NULL, 0))
		return 0;
	return off;
}

size_t tg_ntske_build_request(const uint16_t *aeads, size_t n_aead, uint8_t *out, size_t cap)
{
	uint8_t body[2 * 8];
	size_t off = 0, i;

	if (n_aead == 0 || n_aead > 8)
		return 0;
	for (i = 0; i < n_aead; i++)
		tg_ntp_put16(body + 2 * i, aeads[i]);
	if (!ke_put16(out, cap, &off, 1, TG_NTSKE_NEXT_PROTO, TG_NTS_PROTO_NTPV4) ||
	    !ke_put(out, cap, &off, 1, TG_NTSKE_AEAD, body, 2 * n_aead) ||
	    !ke_put(out, cap, &off, 1, TG_NTSKE_END, NULL, 0))
		return 0;
	return off;
}

/* One record of a response other than End of Message. */
static int resp_record(const struct ke_rec *r, size_t at, struct tg_ntske_response *out,
                       struct ke_seen *s, char *err, size_t errlen)
{
	size_t i;
	int rc;

	switch (r->type) {
	case TG_NTSKE_ERROR:
	case TG_NTSKE_WARNING:
		if ((rc = ke_u16(r, err, errlen)) != TG_NTS_OK)
			return rc;
		/* RFC 8915 4.1.4: no warnings are defined; an unknown one refuses */
		out->error_code = tg_ntp_get16(r->body);
		return fail(TG_NTS_EERROR, err, errlen, "the server sent %s code %u",
		            rec_name(r->type), out->error_code);
	case TG_NTSKE_NEXT_PROTO:
		if ((rc = ke_once(&s->proto, r, at, err, errlen)) != TG_NTS_OK ||
		    (rc = ke_list(r, err, errlen)) != TG_NTS_OK)
			return rc;
		for (i = 0; i < r->blen; i += 2) {
			uint16_t id = tg_ntp_get16(r->body + i);

			if (id != TG_NTS_PROTO_NTPV4)
				return fail(TG_NTS_EMALFORMED, err, errlen,
				            "Next Protocol Negotiation record: expected only NTPv4 "
				            "(0), which we asked for, got %u",
				            id);
			s->ntpv4 = 1;
		}
		return TG_NTS_OK;
	case TG_NTSKE_AEAD:
		if ((rc = ke_once(&s->aead, r, at, err, errlen)) != TG_NTS_OK)
			return rc;
		if (r->blen == 0)
			return fail(TG_NTS_ENOAEAD, err, errlen,
			            "AEAD Algorithm Negotiation record: empty, the server accepts "
			            "none of ours");
		if ((rc = ke_u16(r, err, errlen)) != TG_NTS_OK)
			return rc;
		out->aead = tg_ntp_get16(r->body);
		if (!aead_known(out->aead))
			return fail(
			    TG_NTS_ENOAEAD, err, errlen,
			    "AEAD Algorithm Negotiation record: expected %d, %d or %d, got %u",
			    TG_SIV_AEAD_256, TG_SIV_AEAD_384, TG_SIV_AEAD_512, out->aead);
		return TG_NTS_OK;
	case TG_NTSKE_COOKIE:
		if (r->blen == 0 || r->blen > TG_NTS_COOKIE_MAX)
			return fail(TG_NTS_EMALFORMED, err, errlen,
			            "New Cookie record at offset %zu: expected 1..%d bytes, got %u",
			            at, TG_NTS_COOKIE_MAX, r->blen);
		if (out->n_cookies < TG_NTS_COOKIES) { /* more are ignored */
			memcpy(out->cookies[out->n_cookies], r->body, r->blen);
			out->cookie_len[out->n_cookies++] = r->blen;
		}
		return TG_NTS_OK;
	case TG_NTSKE_SERVER:
		if ((rc = ke_once(&s->server, r, at, err, errlen)) != TG_NTS_OK)
			return rc;
		return ke_server_name(r, out->server, err, errlen);
	case TG_NTSKE_PORT_REC:
		if ((rc = ke_once(&s->port, r, at, err, errlen)) != TG_NTS_OK ||
		    (rc = ke_u16(r, err, errlen)) != TG_NTS_OK)
			return rc;
		out->port = tg_ntp_get16(r->body);
		if (out->port == 0)
			return fail(
			    TG_NTS_EMALFORMED, err, errlen,
			    "NTPv4 Port Negotiation record: expected a port 1..65535, got 0");
		return TG_NTS_OK;
	}
	if (r->critical)
		return fail(TG_NTS_ECRITICAL, err, errlen,
		            "record type %u at offset %zu: unrecognized, with the critical bit set",
		            r->type, at);
	return TG_NTS_OK;
}

static int ke_resp(const uint8_t *buf, size_t len, struct tg_ntske_response *out, char *err,
                   size_t errlen)
{
	struct ke_seen s = {0, 0, 0, 0, 0};
	size_t off = 0, at;
	struct ke_rec r;
	int rc;

	while (off < len) {
		at = off;
		if (!ke_next(buf, len, &off, &r))
			break;
		if (r.type != TG_NTSKE_END) {
			if ((rc = resp_record(&r, at, out, &s, err, errlen)) != TG_NTS_OK)
				return rc;
			continue;
		}
		if ((rc = ke_end(&r, off, len, err, errlen)) != TG_NTS_OK)
			return rc;
		if (!s.ntpv4)
			return fail(
			    TG_NTS_ENOPROTO, err, errlen,
			    "expected a Next Protocol Negotiation record granting NTPv4, got %s",
			    s.proto ? "an empty one" : "none");
		if (!s.aead)
			return fail(TG_NTS_ENOAEAD, err, errlen,
			            "expected an AEAD Algorithm Negotiation record, got none");
		if (!out->n_cookies)
			return fail(TG_NTS_EMALFORMED, err, errlen,
			            "expected at least one New Cookie record, got none");
		return TG_NTS_OK;
	}
	return ke_incomplete(len, err, errlen);
}

int tg_ntske_parse_response(const uint8_t *buf, size_t len, struct tg_ntske_response *out,
                            char *err, size_t errlen)
{
	memset(out, 0, sizeof(*out));
	if (err && errlen)
		err[0] = '\0';
	if (len > TG_NTSKE_MSG_MAX)
		return fail(TG_NTS_EMALFORMED, err, errlen,
		            "response of %zu bytes, expected at most %d", len, TG_NTSKE_MSG_MAX);
	return ke_resp(buf, len, out, err, errlen);
}

void tg_ntske_exporter_context(uint16_t aead, int s2c, uint8_t ctx[5])
{
	tg_ntp_put16(ctx, TG_NTS_PROTO_NTPV4);
	tg_ntp_put16(ctx + 2, aead);
	ctx[4] = s2c ? 1 : 0;
}

int tg_ntske_export_keys(const struct tg_tls *t, uint16_t aead, uint8_t *c2s, uint8_t *s2c)
{
	size_t klen = tg_siv_key_len(aead);
	uint8_t ctx[5];

	if (klen == 0)
		return -1;
	tg_ntske_exporter_context(aead, 0, ctx);
	if (tg_tls_export(t, TG_NTSKE_EXPORTER, ctx, sizeof(ctx), c2s, klen) < 0)
		return -1;
	tg_ntske_exporter_context(aead, 1, ctx);
	return tg_tls_export(t, TG_NTSKE_EXPORTER, ctx, sizeof(ctx), s2c, klen);
}

/* ------------------------------------------------------------------ NTP */

static const char *ef_name(uint16_t type)
{
	switch (type) {
	case TG_NTS_EF_UNIQUE_ID:
		return "Unique Identifier";
	case TG_NTS_EF_COOKIE:
		return "NTS Cookie";
	case TG_NTS_EF_PLACEHOLDER:
		return "NTS Cookie Placeholder";
	case TG_NTS_EF_AUTH:
		return "NTS Authenticator";
	}
	return "unknown";
}

/*
 * The body of an authenticator field at pkt[off..off+flen): nonce and
 * ciphertext, their padding, and RFC 8915 5.6's rule that the nonce with
 * its padding and any additional padding takes at least 16 bytes.
 */
static int auth_parse(const uint8_t *pkt, uint16_t off, uint16_t flen, struct tg_nts_request *r,
                      char *err, size_t errlen)
{
	size_t body = flen - EF_HDR, nlen, clen, need;

	if (body < AUTH_HDR)
		return fail(TG_NTS_EMALFORMED, err, errlen,
		            "NTS Authenticator: expected a body of at least %d bytes, got %zu",
		            AUTH_HDR, body);
	nlen = tg_ntp_get16(pkt + off + EF_HDR);
	clen = tg_ntp_get16(pkt + off + EF_HDR + 2);
	if (nlen == 0)
		return fail(TG_NTS_EMALFORMED, err, errlen,
		            "NTS Authenticator: expected a nonce of at least 1 byte, got 0");
	if (clen < TG_SIV_TAG_LEN)
		return fail(
		    TG_NTS_EMALFORMED, err, errlen,
		    "NTS Authenticator: expected a ciphertext of at least %d bytes, got %zu",
		    TG_SIV_TAG_LEN, clen);
	need = AUTH_HDR + (pad4(nlen) > NONCE_AREA ? pad4(nlen) : NONCE_AREA) + pad4(clen);
	if (need > body)
		return fail(TG_NTS_EMALFORMED, err, errlen,
		            "NTS Authenticator: nonce %zu and ciphertext %zu bytes need a body of "
		            "%zu bytes, got %zu",
		            nlen, clen, need, body);
	r->auth_off = off;
	r->nonce_off = (uint16_t)(off + EF_HDR + AUTH_HDR);
	r->nonce_len = (uint16_t)nlen;
	r->ct_off = (uint16_t)(r->nonce_off + pad4(nlen));
	r->ct_len = (uint16_t)clen;
	return TG_NTS_OK;
}

/* Authenticator last, no MAC: the common frame of requests and responses. */
static int auth_last(const uint8_t *pkt, const struct tg_ntp_packet *p, struct tg_nts_request *r,
                     char *err, size_t errlen)
{
	const struct tg_ntp_ef *last;

	if (p->mac_len)
		return fail(TG_NTS_EMALFORMED, err, errlen,
		            "expected no legacy MAC in an NTS packet, got %u bytes", p->mac_len);
	if (p->n_ef == 0)
		return fail(TG_NTS_EMALFORMED, err, errlen,
		            "expected NTS extension fields, got none");
	last = &p->ef[p->n_ef - 1];
	if (last->type != TG_NTS_EF_AUTH)
		return fail(TG_NTS_EMALFORMED, err, errlen,
		            "expected an NTS Authenticator as the last extension field, got "
		            "0x%04x (%s)",
		            last->type, ef_name(last->type));
	return auth_parse(pkt, last->off, last->len, r, err, errlen);
}

int tg_nts_request_scan(const uint8_t *pkt, const struct tg_ntp_packet *p,
                        struct tg_nts_request *out, char *err, size_t errlen)
{
	size_t i, n_uid = 0, n_cookie = 0, ph_len = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	if (err && errlen)
		err[0] = '\0';
	if ((rc = auth_last(pkt, p, out, err, errlen)) != TG_NTS_OK)
		return rc;
	for (i = 0; i + 1 < p->n_ef; i++) {
		const struct tg_ntp_ef *ef = &p->ef[i];
		uint16_t blen = (uint16_t)(ef->len - EF_HDR);

		switch (ef->type) {
		case TG_NTS_EF_UNIQUE_ID:
			if (n_uid++)
				return fail(
				    TG_NTS_EMALFORMED, err, errlen,
				    "expected one Unique Identifier, got a second at offset %u",
				    ef->off);
			if (blen < TG_NTS_UID_MIN)
				return fail(
				    TG_NTS_EMALFORMED, err, errlen,
				    "expected a Unique Identifier of at least %d bytes, got %u",
				    TG_NTS_UID_MIN, blen);
			out->uid_off = (uint16_t)(ef->off + EF_HDR);
			out->uid_len = blen;
			break;
		case TG_NTS_EF_COOKIE:
			if (n_cookie++)
				return fail(TG_NTS_EMALFORMED, err, errlen,
				            "expected one NTS Cookie, got a second at offset %u",
				            ef->off);
			out->cookie_off = (uint16_t)(ef->off + EF_HDR);
			out->cookie_len = blen;
			break;
		case TG_NTS_EF_PLACEHOLDER:
			if (out->n_placeholders == TG_NTS_COOKIES - 1)
				return fail(TG_NTS_EMALFORMED, err, errlen,
				            "expected at most %d NTS Cookie Placeholders, got more",
				            TG_NTS_COOKIES - 1);
			if (out->n_placeholders && blen != ph_len)
				return fail(
				    TG_NTS_EMALFORMED, err, errlen,
				    "NTS Cookie Placeholder at offset %u: expected %zu bytes "
				    "as the others, got %u",
				    ef->off, ph_len, blen);
			ph_len = blen;
			out->n_placeholders++;
			break;
		case TG_NTS_EF_AUTH:
			return fail(
			    TG_NTS_EMALFORMED, err, errlen,
			    "expected one NTS Authenticator, the last field, got another at "
			    "offset %u",
			    ef->off);
		default:
			break; /* unknown fields are covered by the authenticator */
		}
	}
	if (!n_uid)
		return fail(TG_NTS_EMALFORMED, err, errlen,
		            "expected a Unique Identifier extension field, got none");
	if (!n_cookie)
		return fail(TG_NTS_ENOCOOKIE, err, errlen,
		            "expected an NTS Cookie extension field, got none");
	if (out->n_placeholders && ph_len != out->cookie_len)
		return fail(TG_NTS_EMALFORMED, err, errlen,
		            "expected NTS Cookie Placeholders of the cookie's %u bytes, got %zu",
		            out->cookie_len, ph_len);
	return TG_NTS_OK;
}

int tg_nts_request_verify(const uint8_t *pkt, const struct tg_nts_request *r,
                          const struct tg_siv *c2s)
{
	uint8_t pt[TG_NTP_MAX_PACKET];
	long n;

	if (r->ct_len < TG_SIV_TAG_LEN || (size_t)r->ct_len - TG_SIV_TAG_LEN > sizeof(pt))
		return TG_NTS_EAUTH;
	n = tg_siv_open(c2s, pkt + r->nonce_off, r->nonce_len, pkt, r->auth_off, pkt + r->ct_off,
	                r->ct_len, pt, sizeof(pt));
	tg_wipe(pt, sizeof(pt));
	return n < 0 ? TG_NTS_EAUTH : TG_NTS_OK;
}

/* Append an extension field with body[0..blen) padded to 4; 0 when it does not fit. */
static int ef_put(uint8_t *out, size_t cap, size_t *off, uint16_t type, const uint8_t *body,
                  size_t blen)
{
	size_t flen = EF_HDR + pad4(blen);

	if (flen > 0xffff || cap < *off || cap - *off < flen)
		return 0;
	tg_ntp_put16(out + *off, type);
	tg_ntp_put16(out + *off + 2, (uint16_t)flen);
	if (body)
		memcpy(out + *off + EF_HDR, body, blen);
	else
		memset(out + *off + EF_HDR, 0, blen);
	memset(out + *off + EF_HDR + blen, 0, flen - EF_HDR - blen);
	*off += flen;
	return 1;
}

/*
 * Append an authenticator over out[0..*off) with a 16-byte nonce and
 * pt[0..pt_len) sealed; 0 when it does not fit in cap.
 */
static int auth_put(uint8_t *out, size_t cap, size_t *off, const struct tg_siv *key,
                    const uint8_t nonce[16], const uint8_t *pt, size_t pt_len)
{
	size_t clen = pt_len + TG_SIV_TAG_LEN;
	size_t flen = EF_HDR + AUTH_HDR + TG_NTS_NONCE_LEN + pad4(clen);
	size_t ad_len = *off;
	uint8_t *f = out + *off;

	if (clen > 0xffff || flen > 0xffff || cap < *off || cap - *off < flen)
		return 0;
	tg_ntp_put16(f, TG_NTS_EF_AUTH);
	tg_ntp_put16(f + 2, (uint16_t)flen);
	tg_ntp_put16(f + 4, TG_NTS_NONCE_LEN);
	tg_ntp_put16(f + 6, (uint16_t)clen);
	memcpy(f + 8, nonce, TG_NTS_NONCE_LEN);
	if (tg_siv_seal(key, nonce, TG_NTS_NONCE_LEN, out, ad_len, pt, pt_len,
	                f + 8 + TG_NTS_NONCE_LEN, clen) != clen)
		return 0;
	memset(f + 8 + TG_NTS_NONCE_LEN + clen, 0, pad4(clen) - clen);
	*off += flen;
	return 1;
}

size_t tg_nts_build_response(uint8_t *resp, size_t cap, size_t max_len, const uint8_t *req_pkt,
                             const struct tg_nts_request *r, const struct tg_siv *s2c,
                             const uint8_t nonce[16], const uint8_t *const *cookies,
                             const size_t *cookie_len, size_t n_cookies)
{
	uint8_t pt[TG_NTP_MAX_PACKET];
	size_t off = TG_NTP_HEADER_LEN, pt_len = 0, i;
	int ok;

	if (max_len < cap)
		cap = max_len;
	if (cap > TG_NTP_MAX_PACKET)
		cap = TG_NTP_MAX_PACKET;
	if (cap < TG_NTP_HEADER_LEN)
		return 0;
	for (i = 0; i < n_cookies; i++)
		if (cookie_len[i] == 0 || cookie_len[i] > TG_NTS_COOKIE_MAX ||
		    !ef_put(pt, sizeof(pt), &pt_len, TG_NTS_EF_COOKIE, cookies[i], cookie_len[i])) {
			tg_wipe(pt, pt_len);
			return 0;
		}
	ok = ef_put(resp, cap, &off, TG_NTS_EF_UNIQUE_ID, req_pkt + r->uid_off, r->uid_len) &&
	     auth_put(resp, cap, &off, s2c, nonce, pt, pt_len);
	tg_wipe(pt, pt_len);
	return ok ? off : 0;
}

size_t tg_nts_build_nak(uint8_t *resp, size_t cap, const uint8_t *req_pkt,
                        const struct tg_nts_request *r)
{
	size_t off = TG_NTP_HEADER_LEN;

	if (cap > TG_NTP_MAX_PACKET)
		cap = TG_NTP_MAX_PACKET;
	if (cap < TG_NTP_HEADER_LEN)
		return 0;
	resp[1] = 0; /* stratum 0: kiss code in refid (RFC 5905 7.4) */
	memcpy(resp + 12, "NTSN", 4);
	if (!ef_put(resp, cap, &off, TG_NTS_EF_UNIQUE_ID, req_pkt + r->uid_off, r->uid_len))
		return 0;
	return off;
}

size_t tg_nts_build_request(uint8_t *out, size_t cap, uint64_t tx_ts, const uint8_t uid[32],
                            const uint8_t *cookie, size_t cookie_len, size_t n_placeholders,
                            const struct tg_siv *c2s, const uint8_t nonce[16])
{
	size_t off = TG_NTP_HEADER_LEN, i;

	if (cap > TG_NTP_MAX_PACKET)
		cap = TG_NTP_MAX_PACKET;
	if (cap < TG_NTP_HEADER_LEN || cookie_len == 0 || cookie_len > TG_NTS_COOKIE_MAX ||
	    n_placeholders > TG_NTS_COOKIES - 1)
		return 0;
	/* RFC 5905 client header; everything but the transmit time left zero */
	memset(out, 0, TG_NTP_HEADER_LEN);
	out[0] = (uint8_t)(4 << 3 | TG_NTP_MODE_CLIENT);
	tg_ntp_put64(out + 40, tx_ts);
	if (!ef_put(out, cap, &off, TG_NTS_EF_UNIQUE_ID, uid, 32) ||
	    !ef_put(out, cap, &off, TG_NTS_EF_COOKIE, cookie, cookie_len))
		return 0;
	for (i = 0; i < n_placeholders; i++)
		if (!ef_put(out, cap, &off, TG_NTS_EF_PLACEHOLDER, NULL, cookie_len))
			return 0;
	if (!auth_put(out, cap, &off, c2s, nonce, NULL, 0))
		return 0;
	return off;
}

/* The unique identifier fields of a response: 1 when one equals uid. */
static int uid_echoed(const uint8_t *buf, const struct tg_ntp_packet *p, const uint8_t uid[32],
                      size_t *n_uid)
{
	size_t i;
	int match = 0;

	*n_uid = 0;
	for (i = 0; i < p->n_ef; i++) {
		if (p->ef[i].type != TG_NTS_EF_UNIQUE_ID)
			continue;
		(*n_uid)++;
		if (p->ef[i].len == EF_HDR + 32 &&
		    memcmp(buf + p->ef[i].off + EF_HDR, uid, 32) == 0)
			match = 1;
	}
	return match;
}

/* The decrypted plaintext: extension fields; the cookies are copied out. */
static int take_cookies(const uint8_t *pt, size_t pt_len, uint8_t (*cookies)[TG_NTS_COOKIE_MAX],
                        size_t *cookie_len, size_t max_cookies, size_t *n_cookies, char *err,
                        size_t errlen)
{
	size_t off = 0;

	while (off < pt_len) {
		size_t rest = pt_len - off, flen, blen;
		uint16_t type;

		if (rest < EF_HDR)
			return fail(TG_NTS_EMALFORMED, err, errlen,
			            "encrypted extension fields: %zu bytes left at offset %zu, "
			            "expected a field header",
			            rest, off);
		type = tg_ntp_get16(pt + off);
		flen = tg_ntp_get16(pt + off + 2);
		if (flen < EF_HDR || flen % 4 || flen > rest)
			return fail(TG_NTS_EMALFORMED, err, errlen,
			            "encrypted extension field 0x%04x at offset %zu: length %zu, "
			            "expected a multiple of 4 of %d..%zu",
			            type, off, flen, EF_HDR, rest);
		blen = flen - EF_HDR;
		if (type == TG_NTS_EF_COOKIE) {
			if (blen == 0 || blen > TG_NTS_COOKIE_MAX)
				return fail(TG_NTS_EMALFORMED, err, errlen,
				            "encrypted NTS Cookie at offset %zu: expected 1..%d "
				            "bytes, got %zu",
				            off, TG_NTS_COOKIE_MAX, blen);
			if (*n_cookies < max_cookies) {
				memcpy(cookies[*n_cookies], pt + off + EF_HDR, blen);
				cookie_len[(*n_cookies)++] = blen;
			}
		}
		off += flen;
	}
	return TG_NTS_OK;
}

int tg_nts_check_response(const uint8_t *buf, size_t len, uint64_t tx_ts, const uint8_t uid[32],
                          const struct tg_siv *s2c, struct tg_ntp_packet *p,
                          uint8_t (*cookies)[TG_NTS_COOKIE_MAX], size_t *cookie_len,
                          size_t max_cookies, size_t *n_cookies, char *err, size_t errlen)
{
	uint8_t pt[TG_NTP_MAX_PACKET];
	struct tg_nts_request a;
	size_t n_uid, i;
	long n;
	int rc;

	*n_cookies = 0;
	if (err && errlen)
		err[0] = '\0';
	if ((rc = tg_ntp_parse(buf, len, p, err, errlen)) != TG_NTP_OK)
		return TG_NTS_EMALFORMED;
	if (p->mode != TG_NTP_MODE_SERVER)
		return fail(TG_NTS_EMALFORMED, err, errlen, "expected mode 4 (server), got %u",
		            p->mode);
	if (p->origin_ts != tx_ts)
		return fail(TG_NTS_EMISMATCH, err, errlen,
		            "expected origin timestamp %016llx (our transmit), got %016llx",
		            (unsigned long long)tx_ts, (unsigned long long)p->origin_ts);
	if (!uid_echoed(buf, p, uid, &n_uid)) {
		if (n_uid == 0)
			return fail(TG_NTS_EMALFORMED, err, errlen,
			            "expected a Unique Identifier extension field, got none");
		return fail(TG_NTS_EMISMATCH, err, errlen,
		            "expected our 32-byte Unique Identifier echoed, got another");
	}
	if (n_uid != 1)
		return fail(TG_NTS_EMALFORMED, err, errlen,
		            "expected one Unique Identifier, got %zu", n_uid);
	/* RFC 8915 5.7: an NTS NAK is unauthenticated; the echoed uid ties it to us */
	if (p->stratum == 0 && memcmp(p->refid, "NTSN", 4) == 0)
		return fail(TG_NTS_ENAK, err, errlen, "the server answered NTS NAK (kiss NTSN)");
	if ((rc = auth_last(buf, p, &a, err, errlen)) != TG_NTS_OK)
		return rc;
	for (i = 0; i + 1 < p->n_ef; i++)
		if (p->ef[i].type == TG_NTS_EF_AUTH)
			return fail(TG_NTS_EMALFORMED, err, errlen,
			            "expected one NTS Authenticator, got another at offset %u",
			            p->ef[i].off);
	/* cookie fields outside the encrypted part are ignored (RFC 8915 5.7) */
	n = tg_siv_open(s2c, buf + a.nonce_off, a.nonce_len, buf, a.auth_off, buf + a.ct_off,
	                a.ct_len, pt, sizeof(pt));
	if (n < 0) {
		tg_wipe(pt, sizeof(pt));
		return fail(TG_NTS_EAUTH, err, errlen,
		            "NTS Authenticator: does not verify with the s2c key");
	}
	rc = take_cookies(pt, (size_t)n, cookies, cookie_len, max_cookies, n_cookies, err, errlen);
	tg_wipe(pt, sizeof(pt));
	if (rc != TG_NTS_OK)
		*n_cookies = 0;
	return rc;
}
