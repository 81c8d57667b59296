/*
 * tls13.c - the TLS 1.3 state machine and record layer (see tls13.h).
 *
 * Inputs are parsed with a bounds-checked reader (struct rd): every get
 * checks the remaining length and a short read marks the reader bad, so
 * a malformed message is caught once at the end of a parse instead of at
 * every field.  Outgoing handshake messages are built in place in the
 * output buffer, after room for a record header, and then cut into
 * records and sealed in place (flush_hs), so there is no second copy of
 * a flight.
 */
#include <string.h>

#include "ct.h"
#include "ec.h"
#include "p256.h"
#include "tls13.h"
#include "tls13_int.h"

enum hs {
	S_WAIT_CH = 0, /* server: first ClientHello */
	S_WAIT_CH2,    /* server: ClientHello after our HelloRetryRequest */
	S_WAIT_FIN,    /* server: client Finished */
	C_WAIT_SH,     /* client: ServerHello or HelloRetryRequest */
	C_WAIT_EE,
	C_WAIT_CERT,
	C_WAIT_CV,
	C_WAIT_FIN,
	HS_DONE,
};

#define F_HRR       0x01 /* a HelloRetryRequest was sent / received */
#define F_CCS_SENT  0x02 /* our middlebox-compatibility change_cipher_spec */
#define F_CLOSE_OUT 0x04 /* close_notify queued */
#define F_DONE      0x08 /* the handshake completed once: exporter available */

#define REC_CCS   20
#define REC_ALERT 21
#define REC_HS    22
#define REC_APP   23

#define HS_CLIENT_HELLO 1
#define HS_SERVER_HELLO 2
#define HS_NEW_TICKET   4
#define HS_EE           8
#define HS_CERT         11
#define HS_CERT_REQ     13
#define HS_CV           15
#define HS_FINISHED     20
#define HS_KEY_UPDATE   24
#define HS_MESSAGE_HASH 254

#define EXT_SNI       0
#define EXT_GROUPS    10
#define EXT_SIG_ALGS  13
#define EXT_ALPN      16
#define EXT_VERSIONS  43
#define EXT_COOKIE    44
#define EXT_KEY_SHARE 51

#define SIG_ECDSA_P256_SHA256 0x0403
#define SIG_PSS_RSAE_SHA256   0x0804
#define SIG_PSS_RSAE_SHA384   0x0805
#define SIG_PSS_RSAE_SHA512   0x0806

#define PT_MAX 16384 /* TLSPlaintext / TLSInnerPlaintext content limit */

/* SHA-256("HelloRetryRequest"), the random of a HelloRetryRequest */
static const uint8_t hrr_random[32] = {
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
};

static const uint16_t default_suites[] = {TG_TLS_AES_128_GCM_SHA256, TG_TLS_AES_256_GCM_SHA384,
                                          TG_TLS_CHACHA20_POLY1305_SHA256, 0};
static const uint16_t default_groups[] = {TG_TLS_GROUP_X25519, TG_TLS_GROUP_SECP256R1, 0};

static const uint16_t client_sig_algs[] = {SIG_ECDSA_P256_SHA256, SIG_PSS_RSAE_SHA256,
                                           SIG_PSS_RSAE_SHA384, SIG_PSS_RSAE_SHA512};

static const char cv_context[] = "TLS 1.3, server CertificateVerify";

/* ---------------------------------------------------------------- readers */

struct rd {
	const uint8_t *p;
	size_t len, off;
	int bad;
};

static void rd_init(struct rd *r, const uint8_t *p, size_t len)
{
	r->p = p;
	r->len = len;
	r->off = 0;
	r->bad = 0;
}

static const uint8_t *rd_bytes(struct rd *r, size_t n)
{
	const uint8_t *q;

	if (r->bad || r->len - r->off < n) {
		r->bad = 1;
		return NULL;
	}
	q = r->p + r->off;
	r->off += n;
	return q;
}

static uint32_t rd_int(struct rd *r, int bytes)
{
	const uint8_t *q = rd_bytes(r, (size_t)bytes);
	uint32_t v = 0;

	if (!q)
		return 0;
	for (int i = 0; i < bytes; i++)
		v = v << 8 | q[i];
	return v;
}

/* A vector with a length prefix of `bytes` bytes, as a sub-reader. */
static void rd_vec(struct rd *r, int bytes, struct rd *sub)
{
	size_t n = rd_int(r, bytes);
	const uint8_t *q = rd_bytes(r, n);

	rd_init(sub, q ? q : r->p, q ? n : 0);
	sub->bad = q == NULL;
}

static int rd_end(const struct rd *r)
{
	return !r->bad && r->off == r->len;
}

/* ---------------------------------------------------------------- writers */

struct wr {
	uint8_t *p;
	size_t len, cap;
	int bad;
};

static void wr_bytes(struct wr *w, const void *d, size_t n)
{
	if (w->bad || w->cap - w->len < n) {
		w->bad = 1;
		return;
	}
	if (n)
		memcpy(w->p + w->len, d, n);
	w->len += n;
}

static void wr_int(struct wr *w, uint32_t v, int bytes)
{
	uint8_t b[4];

	for (int i = 0; i < bytes; i++)
		b[i] = (uint8_t)(v >> (8 * (bytes - 1 - i)));
	wr_bytes(w, b, (size_t)bytes);
}

/* Open a length-prefixed vector: returns where its length goes. */
static size_t wr_open(struct wr *w, int bytes)
{
	size_t at = w->len;

	wr_int(w, 0, bytes);
	return at;
}

static void wr_close(struct wr *w, size_t at, int bytes)
{
	size_t n = w->len - at - (size_t)bytes;

	if (w->bad)
		return;
	for (int i = 0; i < bytes; i++)
		w->p[at + i] = (uint8_t)(n >> (8 * (bytes - 1 - i)));
}

/* ------------------------------------------------------------- transcript */

static void th_add(struct tg_tls *t, const uint8_t *m, size_t n)
{
	br_sha256_update(&t->th256, m, n);
	br_sha384_update(&t->th384, m, n);
}

static void th_hash(const struct tg_tls *t, uint8_t *out)
{
	if (tg_tls_hash_len(t->suite) == 48)
		br_sha384_out(&t->th384, out);
	else
		br_sha256_out(&t->th256, out);
}

/*
 * After a HelloRetryRequest the transcript restarts with
 * message_hash(Hash(ClientHello1)) (RFC 8446 4.4.1).
 */
static void th_restart_hrr(struct tg_tls *t)
{
	uint8_t h[4 + 48];

	h[0] = HS_MESSAGE_HASH;
	h[1] = h[2] = 0;
	h[3] = 32;
	br_sha256_out(&t->th256, h + 4);
	br_sha256_init(&t->th256);
	br_sha256_update(&t->th256, h, 4 + 32);
	h[3] = 48;
	br_sha384_out(&t->th384, h + 4);
	br_sha384_init(&t->th384);
	br_sha384_update(&t->th384, h, 4 + 48);
}

/* ------------------------------------------------------------ key schedule */

static void set_dir(struct tg_tls *t, struct tg_tls_dir *d, const uint8_t *secret)
{
	tg_tls_expand_label(t->suite, secret, "key", NULL, 0, d->key, tg_tls_key_len(t->suite));
	tg_tls_expand_label(t->suite, secret, "iv", NULL, 0, d->iv, 12);
	d->seq = 0;
	d->on = 1;
}

/* Early secret (no PSK) -> handshake secret -> handshake traffic secrets. */
static void derive_hs(struct tg_tls *t, const uint8_t *shared, size_t shared_len)
{
	const br_hash_class *h = tg_tls_hash(t->suite);
	size_t hl = tg_tls_hash_len(t->suite);
	uint8_t zeros[48] = {0}, early[48], derived[48], eh[48], th[48];

	tg_tls_hkdf_extract(h, zeros, hl, zeros, hl, early);
	tg_tls_empty_hash(t->suite, eh);
	tg_tls_derive_secret(t->suite, early, "derived", eh, derived);
	tg_tls_hkdf_extract(h, derived, hl, shared, shared_len, t->hs_secret);
	th_hash(t, th);
	tg_tls_derive_secret(t->suite, t->hs_secret, "c hs traffic", th, t->c_hs_ts);
	tg_tls_derive_secret(t->suite, t->hs_secret, "s hs traffic", th, t->s_hs_ts);
	tg_wipe(early, sizeof early);
	tg_wipe(derived, sizeof derived);
}

/* Master secret and the application secrets, over ClientHello..server Finished. */
static void derive_ap(struct tg_tls *t, uint8_t *s_ap)
{
	const br_hash_class *h = tg_tls_hash(t->suite);
	size_t hl = tg_tls_hash_len(t->suite);
	uint8_t zeros[48] = {0}, derived[48], eh[48], th[48];

	tg_tls_empty_hash(t->suite, eh);
	tg_tls_derive_secret(t->suite, t->hs_secret, "derived", eh, derived);
	tg_tls_hkdf_extract(h, derived, hl, zeros, hl, t->master_secret);
	th_hash(t, th);
	tg_tls_derive_secret(t->suite, t->master_secret, "c ap traffic", th, t->c_ap_ts);
	tg_tls_derive_secret(t->suite, t->master_secret, "s ap traffic", th, s_ap);
	tg_tls_derive_secret(t->suite, t->master_secret, "exp master", th, t->exporter_ms);
	tg_wipe(derived, sizeof derived);
	tg_wipe(t->hs_secret, sizeof t->hs_secret);
	tg_wipe(t->master_secret, sizeof t->master_secret);
}

/* Finished verify_data over the current transcript (RFC 8446 4.4.4). */
static void finished_mac(const struct tg_tls *t, const uint8_t *base, uint8_t *out)
{
	size_t hl = tg_tls_hash_len(t->suite);
	uint8_t fk[48], th[48];

	tg_tls_expand_label(t->suite, base, "finished", NULL, 0, fk, hl);
	th_hash(t, th);
	tg_tls_hmac(tg_tls_hash(t->suite), fk, hl, th, hl, NULL, 0, out);
	tg_wipe(fk, sizeof fk);
}

/* On a fatal error: nothing will be sealed or opened any more. */
static void wipe_all_keys(struct tg_tls *t)
{
	tg_wipe(&t->rd, sizeof t->rd);
	tg_wipe(&t->wr, sizeof t->wr);
	tg_wipe(t->c_ap_ts, sizeof t->c_ap_ts);
	tg_wipe(t->exporter_ms, sizeof t->exporter_ms);
}

static void wipe_handshake(struct tg_tls *t)
{
	tg_wipe(t->hs_secret, sizeof t->hs_secret);
	tg_wipe(t->master_secret, sizeof t->master_secret);
	tg_wipe(t->c_hs_ts, sizeof t->c_hs_ts);
	tg_wipe(t->s_hs_ts, sizeof t->s_hs_ts);
	tg_wipe(t->ecdh_priv, sizeof t->ecdh_priv);
}

/* ------------------------------------------------------------------ output */

static int space(const struct tg_tls *t, size_t n)
{
	return sizeof t->out - t->out_len >= n;
}

/* One record of type with content data (sealed when write keys are on). */
static int queue_record(struct tg_tls *t, uint8_t type, const uint8_t *data, size_t len)
{
	uint8_t *o = t->out + t->out_len;

	if (t->wr.on) {
		size_t n = tg_tls_seal_record(t->suite, t->wr.key, t->wr.iv, t->wr.seq, type, data,
		                              len, o, sizeof t->out - t->out_len);
		if (!n)
			return -1;
		t->wr.seq++;
		t->out_len += n;
		return 0;
	}
	if (!space(t, 5 + len))
		return -1;
	o[0] = type;
	o[1] = 3;
	o[2] = 3;
	o[3] = (uint8_t)(len >> 8);
	o[4] = (uint8_t)len;
	memmove(o + 5, data, len);
	t->out_len += 5 + len;
	return 0;
}

static void fail(struct tg_tls *t, int err, int alert)
{
	uint8_t a[2];

	if (t->state == TG_TLS_FAILED)
		return;
	t->state = TG_TLS_FAILED;
	t->err = err;
	if (alert >= 0) {
		t->alert_out = alert;
		a[0] = 2; /* fatal */
		a[1] = (uint8_t)alert;
		queue_record(t, REC_ALERT, a, 2);
	}
	wipe_handshake(t);
	wipe_all_keys(t);
}

static void queue_ccs(struct tg_tls *t)
{
	static const uint8_t one = 1;
	int on = t->wr.on;

	if (t->flags & F_CCS_SENT)
		return;
	t->flags |= F_CCS_SENT;
	t->wr.on = 0; /* always in the clear */
	if (queue_record(t, REC_CCS, &one, 1) < 0)
		fail(t, TG_TLS_ESPACE, TG_TLS_ALERT_INTERNAL_ERROR);
	t->wr.on = on;
}

/*
 * Start building handshake messages: they go at out[out_len + 5 ..],
 * after room for the first record header.  Returns a writer on that area.
 */
static struct wr hs_begin(struct tg_tls *t)
{
	struct wr w;

	w.p = t->out + t->out_len + 5;
	w.len = 0;
	/* keep room for splitting into records: 22 bytes per extra record */
	w.cap = sizeof t->out - t->out_len - 5 - 64;
	if (sizeof t->out - t->out_len < 5 + 64)
		w.cap = 0;
	w.bad = 0;
	return w;
}

/*
 * Cut the handshake bytes built by hs_begin() into records (sealed in
 * place when write keys are on) and account them in out_len.
 */
static int hs_flush(struct tg_tls *t, struct wr *w)
{
	size_t pos = t->out_len, left = w->len;

	if (w->bad)
		return -1;
	while (left > 0) {
		size_t chunk = left < PT_MAX ? left : PT_MAX;
		size_t shift = t->wr.on ? 5 + 17 : 5, n;

		if (left > chunk) {
			if (sizeof t->out - (pos + 5 + left) < shift)
				return -1;
			memmove(t->out + pos + 5 + chunk + shift, t->out + pos + 5 + chunk,
			        left - chunk);
		}
		if (t->wr.on) {
			n = tg_tls_seal_record(t->suite, t->wr.key, t->wr.iv, t->wr.seq, REC_HS,
			                       t->out + pos + 5, chunk, t->out + pos,
			                       sizeof t->out - pos);
			if (!n)
				return -1;
			t->wr.seq++;
		} else {
			uint8_t *o = t->out + pos;

			o[0] = REC_HS;
			o[1] = 3;
			o[2] = 3;
			o[3] = (uint8_t)(chunk >> 8);
			o[4] = (uint8_t)chunk;
			n = 5 + chunk;
		}
		pos += n;
		left -= chunk;
	}
	t->out_len = pos;
	return 0;
}

/* Begin one handshake message; hs_msg_end() fills in its length and hashes it. */
static size_t hs_msg_begin(struct wr *w, uint8_t type)
{
	wr_int(w, type, 1);
	return wr_open(w, 3);
}

static void hs_msg_end(struct tg_tls *t, struct wr *w, size_t at)
{
	wr_close(w, at, 3);
	if (!w->bad)
		th_add(t, w->p + at - 1, w->len - (at - 1));
}

/* -------------------------------------------------------------------- ECDH */

static int curve_of(uint16_t group)
{
	return group == TG_TLS_GROUP_X25519 ? BR_EC_curve25519 : BR_EC_secp256r1;
}

static size_t share_len(uint16_t group)
{
	return group == TG_TLS_GROUP_X25519 ? 32 : 65;
}

/* Fresh key pair for group into ecdh_priv / ecdh_pub; 0 or -1. */
static int ecdh_keygen(struct tg_tls *t, uint16_t group)
{
	const br_ec_impl *ec = &tg_ec_impl;
	br_ec_private_key sk;
	br_ec_public_key pk;
	uint8_t kb[BR_EC_KBUF_PRIV_MAX_SIZE], pb[BR_EC_KBUF_PUB_MAX_SIZE];
	int ok;

	ok = br_ec_keygen(t->rng, ec, &sk, kb, curve_of(group)) == 32 &&
	     br_ec_compute_pub(ec, &pk, pb, &sk) == share_len(group);
	if (ok) {
		memcpy(t->ecdh_priv, sk.x, 32);
		memcpy(t->ecdh_pub, pb, share_len(group));
	}
	tg_wipe(kb, sizeof kb);
	return ok ? 0 : -1;
}

/*
 * Shared secret with the peer's share; 32 bytes to out, or -1 when the
 * share is not a valid point (wrong length, not uncompressed, not on the
 * curve) or the X25519 result is all zero (a small-order point).
 */
static int ecdh_shared(struct tg_tls *t, uint16_t group, const uint8_t *peer, size_t len,
                       uint8_t *out)
{
	const br_ec_impl *ec = &tg_ec_impl;
	uint8_t p[65];
	unsigned z = 0;
	int ok;

	if (len != share_len(group) || (group == TG_TLS_GROUP_SECP256R1 && peer[0] != 4))
		return -1;
	memcpy(p, peer, len);
	ok = (int)ec->mul(p, len, t->ecdh_priv, 32, curve_of(group));
	if (group == TG_TLS_GROUP_X25519) {
		memcpy(out, p, 32);
		for (int i = 0; i < 32; i++)
			z |= p[i];
		ok = ok && z != 0;
	} else {
		memcpy(out, p + 1, 32);
	}
	tg_wipe(p, sizeof p);
	tg_wipe(t->ecdh_priv, sizeof t->ecdh_priv);
	return ok ? 0 : -1;
}

/* ------------------------------------------------------------------ helpers */

static const uint16_t *suites_of(const struct tg_tls *t)
{
	return t->cfg->suites && t->cfg->suites[0] ? t->cfg->suites : default_suites;
}

static const uint16_t *groups_of(const struct tg_tls *t)
{
	return t->cfg->groups && t->cfg->groups[0] ? t->cfg->groups : default_groups;
}

static int list_has(const uint16_t *l, uint16_t v)
{
	for (; *l; l++)
		if (*l == v)
			return 1;
	return 0;
}

static int known_suite(uint16_t s)
{
	return s == TG_TLS_AES_128_GCM_SHA256 || s == TG_TLS_AES_256_GCM_SHA384 ||
	       s == TG_TLS_CHACHA20_POLY1305_SHA256;
}

static int known_group(uint16_t g)
{
	return g == TG_TLS_GROUP_X25519 || g == TG_TLS_GROUP_SECP256R1;
}

/* Does a 16-bit big-endian list (a reader over it) hold v? */
static int list16_has(const uint8_t *p, size_t len, uint16_t v)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		if ((uint16_t)(p[i] << 8 | p[i + 1]) == v)
			return 1;
	return 0;
}

/* The key_share entry of group in a client_shares list, or NULL. */
static const uint8_t *find_share(const uint8_t *p, size_t len, uint16_t group, size_t *klen)
{
	struct rd r, k;

	rd_init(&r, p, len);
	while (r.off < r.len && !r.bad) {
		uint16_t g = (uint16_t)rd_int(&r, 2);

		rd_vec(&r, 2, &k);
		if (!r.bad && g == group) {
			*klen = k.len;
			return k.p;
		}
	}
	return NULL;
}

/* Both sides: the Finished message over the current transcript. */
static void build_finished(struct tg_tls *t, struct wr *w, const uint8_t *base)
{
	uint8_t vd[48];
	size_t at = hs_msg_begin(w, HS_FINISHED);

	finished_mac(t, base, vd);
	wr_bytes(w, vd, tg_tls_hash_len(t->suite));
	hs_msg_end(t, w, at);
}

/* Verify the peer's Finished (body) against base; 0 or -1 (alert sent). */
static int check_finished(struct tg_tls *t, const uint8_t *body, size_t len, const uint8_t *base)
{
	uint8_t vd[48];
	size_t hl = tg_tls_hash_len(t->suite);

	if (len != hl) {
		fail(t, TG_TLS_EPROTO, TG_TLS_ALERT_DECODE_ERROR);
		return -1;
	}
	finished_mac(t, base, vd);
	if (!tg_ct_eq(vd, body, hl)) {
		fail(t, TG_TLS_ECRYPTO, TG_TLS_ALERT_DECRYPT_ERROR);
		return -1;
	}
	return 0;
}

/* The content signed in CertificateVerify, hashed with h (RFC 8446 4.4.3). */
static void cv_hash(const struct tg_tls *t, const br_hash_class *h, uint8_t *out)
{
	br_hash_compat_context hc;
	uint8_t sp[64], th[48];

	memset(sp, 0x20, sizeof sp);
	th_hash(t, th);
	h->init(&hc.vtable);
	h->update(&hc.vtable, sp, sizeof sp);
	h->update(&hc.vtable, cv_context, sizeof cv_context); /* with its 0 byte */
	h->update(&hc.vtable, th, tg_tls_hash_len(t->suite));
	h->out(&hc.vtable, out);
}

/* ------------------------------------------------------------------ server */

struct client_hello {
	const uint8_t *sid, *suites, *groups, *shares, *alpn, *comp;
	size_t sid_len, suites_len, groups_len, shares_len, alpn_len, comp_len;
	int tls13, has_groups, has_shares, has_sig_algs, ecdsa, has_alpn;
};

/* Parse a ClientHello body; 0, or an alert number. */
static int parse_client_hello(const uint8_t *b, size_t len, struct client_hello *ch)
{
	struct rd r, v, exts;
	uint16_t seen[64];
	size_t n_seen = 0;

	memset(ch, 0, sizeof *ch);
	rd_init(&r, b, len);
	rd_int(&r, 2); /* legacy_version: ignored, supported_versions decides */
	rd_bytes(&r, 32);
	rd_vec(&r, 1, &v);
	ch->sid = v.p;
	ch->sid_len = v.len;
	rd_vec(&r, 2, &v);
	ch->suites = v.p;
	ch->suites_len = v.len;
	rd_vec(&r, 1, &v);
	ch->comp = v.p;
	ch->comp_len = v.len;
	if (r.bad || ch->sid_len > 32 || ch->suites_len < 2 || ch->suites_len % 2 ||
	    ch->comp_len < 1)
		return TG_TLS_ALERT_DECODE_ERROR;
	if (r.off == r.len)
		return TG_TLS_ALERT_PROTOCOL_VERSION; /* no extensions: TLS 1.2 or older */
	rd_vec(&r, 2, &exts);
	if (!rd_end(&r) || exts.bad)
		return TG_TLS_ALERT_DECODE_ERROR;
	while (exts.off < exts.len) {
		uint16_t type = (uint16_t)rd_int(&exts, 2);
		struct rd e, l;

		rd_vec(&exts, 2, &e);
		if (exts.bad)
			return TG_TLS_ALERT_DECODE_ERROR;
		for (size_t i = 0; i < n_seen; i++)
			if (seen[i] == type)
				return TG_TLS_ALERT_ILLEGAL_PARAMETER; /* duplicate */
		if (n_seen == sizeof seen / sizeof seen[0])
			return TG_TLS_ALERT_DECODE_ERROR;
		seen[n_seen++] = type;
		switch (type) {
		case EXT_VERSIONS:
			rd_vec(&e, 1, &l);
			if (!rd_end(&e) || l.len < 2 || l.len % 2)
				return TG_TLS_ALERT_DECODE_ERROR;
			ch->tls13 = list16_has(l.p, l.len, 0x0304);
			break;
		case EXT_GROUPS:
			rd_vec(&e, 2, &l);
			if (!rd_end(&e) || l.len < 2 || l.len % 2)
				return TG_TLS_ALERT_DECODE_ERROR;
			ch->has_groups = 1;
			ch->groups = l.p;
			ch->groups_len = l.len;
			break;
		case EXT_KEY_SHARE:
			rd_vec(&e, 2, &l);
			if (!rd_end(&e))
				return TG_TLS_ALERT_DECODE_ERROR;
			ch->has_shares = 1;
			ch->shares = l.p;
			ch->shares_len = l.len;
			/* check the structure once, so find_share() can trust it */
			while (l.off < l.len) {
				struct rd k;

				rd_int(&l, 2);
				rd_vec(&l, 2, &k);
				if (l.bad || k.len == 0)
					return TG_TLS_ALERT_DECODE_ERROR;
			}
			break;
		case EXT_SIG_ALGS:
			rd_vec(&e, 2, &l);
			if (!rd_end(&e) || l.len < 2 || l.len % 2)
				return TG_TLS_ALERT_DECODE_ERROR;
			ch->has_sig_algs = 1;
			ch->ecdsa = list16_has(l.p, l.len, SIG_ECDSA_P256_SHA256);
			break;
		case EXT_ALPN:
			rd_vec(&e, 2, &l);
			if (!rd_end(&e) || l.len < 2)
				return TG_TLS_ALERT_DECODE_ERROR;
			ch->has_alpn = 1;
			ch->alpn = l.p;
			ch->alpn_len = l.len;
			while (l.off < l.len) {
				struct rd nm;

				rd_vec(&l, 1, &nm);
				if (l.bad || nm.len == 0)
					return TG_TLS_ALERT_DECODE_ERROR;
			}
			break;
		default:
			break; /* SNI (one certificate), GREASE, PSK, ...: ignored */
		}
	}
	return 0;
}

/* The server's ALPN choice: first of ours the client offers; 0 or -1. */
static int server_alpn(struct tg_tls *t, const struct client_hello *ch)
{
	const struct tg_tls_config *c = t->cfg;

	t->alpn[0] = 0;
	if (c->n_alpn == 0)
		return 0;
	if (!ch->has_alpn)
		return c->alpn_optional ? 0 : -1;
	for (size_t i = 0; i < c->n_alpn && i < TG_TLS_ALPN_MAX; i++) {
		size_t ml = strlen(c->alpn[i]);
		struct rd l, nm;

		rd_init(&l, ch->alpn, ch->alpn_len);
		while (l.off < l.len) {
			rd_vec(&l, 1, &nm);
			if (nm.len == ml && ml < TG_TLS_ALPN_LEN &&
			    memcmp(nm.p, c->alpn[i], ml) == 0) {
				memcpy(t->alpn, c->alpn[i], ml + 1);
				return 0;
			}
		}
	}
	return -1;
}

/*
 * A ServerHello (RFC 8446 4.1.3) into w: random, the client's session id
 * echoed, our suite, supported_versions 1.3 and key_share.  A
 * HelloRetryRequest is the same message with the special random and a
 * key_share naming only the group (with_share 0); the real one carries
 * our public key share.
 */
static void write_server_hello(struct tg_tls *t, struct wr *w, const struct client_hello *ch,
                               const uint8_t random[32], int with_share)
{
	size_t at, ext, e;

	at = hs_msg_begin(w, HS_SERVER_HELLO);
	wr_int(w, 0x0303, 2);
	wr_bytes(w, random, 32);
	wr_int(w, (uint32_t)ch->sid_len, 1);
	wr_bytes(w, ch->sid, ch->sid_len);
	wr_int(w, t->suite, 2);
	wr_int(w, 0, 1);
	ext = wr_open(w, 2);
	wr_int(w, EXT_VERSIONS, 2);
	wr_int(w, 2, 2);
	wr_int(w, 0x0304, 2);
	wr_int(w, EXT_KEY_SHARE, 2);
	e = wr_open(w, 2);
	wr_int(w, t->group, 2);
	if (with_share) {
		wr_int(w, (uint32_t)share_len(t->group), 2);
		wr_bytes(w, t->ecdh_pub, share_len(t->group));
	}
	wr_close(w, e, 2);
	wr_close(w, ext, 2);
	hs_msg_end(t, w, at);
}

static void server_send_hrr(struct tg_tls *t, const struct client_hello *ch)
{
	struct wr w = hs_begin(t);

	th_restart_hrr(t);
	write_server_hello(t, &w, ch, hrr_random, 0);
	if (hs_flush(t, &w) < 0) {
		fail(t, TG_TLS_ESPACE, TG_TLS_ALERT_INTERNAL_ERROR);
		return;
	}
	if (ch->sid_len)
		queue_ccs(t);
	t->flags |= F_HRR;
	t->hs_state = S_WAIT_CH2;
}

/* ServerHello, [CCS], then EncryptedExtensions..Finished sealed: one flight. */
static void server_send_flight(struct tg_tls *t, const struct client_hello *ch, const uint8_t *peer,
                               size_t peer_len)
{
	const struct tg_tls_config *c = t->cfg;
	uint8_t shared[32], rnd[32], s_ap[48], h[32], sig[80];
	struct wr w;
	size_t at, ext, e, list, sl;

	if (ecdh_keygen(t, t->group) < 0) {
		fail(t, TG_TLS_ECRYPTO, TG_TLS_ALERT_INTERNAL_ERROR);
		return;
	}
	if (ecdh_shared(t, t->group, peer, peer_len, shared) < 0) {
		fail(t, TG_TLS_ECRYPTO, TG_TLS_ALERT_ILLEGAL_PARAMETER);
		return;
	}
	(*t->rng)->generate(t->rng, rnd, sizeof rnd);

	w = hs_begin(t);
	write_server_hello(t, &w, ch, rnd, 1);
	if (hs_flush(t, &w) < 0)
		goto nospace;
	if (ch->sid_len)
		queue_ccs(t);
	derive_hs(t, shared, 32);
	tg_wipe(shared, sizeof shared);
	set_dir(t, &t->wr, t->s_hs_ts);
	set_dir(t, &t->rd, t->c_hs_ts);

	w = hs_begin(t);
	/* EncryptedExtensions: ALPN only */
	at = hs_msg_begin(&w, HS_EE);
	ext = wr_open(&w, 2);
	if (t->alpn[0]) {
		wr_int(&w, EXT_ALPN, 2);
		e = wr_open(&w, 2);
		list = wr_open(&w, 2);
		wr_int(&w, (uint32_t)strlen(t->alpn), 1);
		wr_bytes(&w, t->alpn, strlen(t->alpn));
		wr_close(&w, list, 2);
		wr_close(&w, e, 2);
	}
	wr_close(&w, ext, 2);
	hs_msg_end(t, &w, at);
	/* Certificate */
	at = hs_msg_begin(&w, HS_CERT);
	wr_int(&w, 0, 1); /* certificate_request_context */
	list = wr_open(&w, 3);
	for (size_t i = 0; i < c->chain_len; i++) {
		wr_int(&w, (uint32_t)c->chain[i].data_len, 3);
		wr_bytes(&w, c->chain[i].data, c->chain[i].data_len);
		wr_int(&w, 0, 2);
	}
	wr_close(&w, list, 3);
	hs_msg_end(t, &w, at);
	/* CertificateVerify: ecdsa_secp256r1_sha256 over the transcript so far */
	cv_hash(t, &br_sha256_vtable, h);
	sl = tg_p256_ecdsa_sign_asn1(&br_sha256_vtable, h, 32, c->key, sig);
	if (sl == 0) {
		fail(t, TG_TLS_ECRYPTO, TG_TLS_ALERT_INTERNAL_ERROR);
		return;
	}
	at = hs_msg_begin(&w, HS_CV);
	wr_int(&w, SIG_ECDSA_P256_SHA256, 2);
	wr_int(&w, (uint32_t)sl, 2);
	wr_bytes(&w, sig, sl);
	hs_msg_end(t, &w, at);
	build_finished(t, &w, t->s_hs_ts);
	if (hs_flush(t, &w) < 0)
		goto nospace;
	/* server application keys now (0.5-RTT data is allowed, we send none);
	 * the client's stay pending until its Finished checks out */
	derive_ap(t, s_ap);
	set_dir(t, &t->wr, s_ap);
	tg_wipe(s_ap, sizeof s_ap);
	t->hs_state = S_WAIT_FIN;
	return;
nospace:
	fail(t, TG_TLS_ESPACE, TG_TLS_ALERT_INTERNAL_ERROR);
}

static void server_client_hello(struct tg_tls *t, const uint8_t *msg, size_t len)
{
	struct client_hello ch;
	const uint16_t *sl = suites_of(t), *gl = groups_of(t);
	const uint8_t *share = NULL;
	size_t klen = 0;
	uint16_t suite = 0, group = 0, hrr_group = 0;
	int a, second = t->hs_state == S_WAIT_CH2;

	th_add(t, msg, len);
	a = parse_client_hello(msg + 4, len - 4, &ch);
	if (a == 0 && !ch.tls13)
		a = TG_TLS_ALERT_PROTOCOL_VERSION;
	if (a) {
		fail(t, a == TG_TLS_ALERT_PROTOCOL_VERSION ? TG_TLS_EVERSION : TG_TLS_EPROTO, a);
		return;
	}
	if (ch.comp_len != 1 || ch.comp[0] != 0) {
		fail(t, TG_TLS_EPROTO, TG_TLS_ALERT_ILLEGAL_PARAMETER);
		return;
	}
	if (!ch.has_groups || !ch.has_shares || !ch.has_sig_algs) {
		fail(t, TG_TLS_EPROTO, TG_TLS_ALERT_MISSING_EXTENSION);
		return;
	}
	for (; *sl && !suite; sl++)
		if (known_suite(*sl) && list16_has(ch.suites, ch.suites_len, *sl))
			suite = *sl;
	if (!suite || !ch.ecdsa) {
		fail(t, TG_TLS_EPROTO, TG_TLS_ALERT_HANDSHAKE_FAILURE);
		return;
	}
	/* group: the first of ours the client sent a share for; failing that,
	 * the first of ours it supports, by HelloRetryRequest */
	for (const uint16_t *g = gl; *g && !group; g++) {
		if (!known_group(*g) || !list16_has(ch.groups, ch.groups_len, *g))
			continue;
		if (!hrr_group)
			hrr_group = *g;
		share = find_share(ch.shares, ch.shares_len, *g, &klen);
		if (share)
			group = *g;
	}
	if (second) {
		/* the retried ClientHello must keep the suite and carry our group */
		if (suite != t->suite || group != t->group) {
			fail(t, TG_TLS_EPROTO, TG_TLS_ALERT_ILLEGAL_PARAMETER);
			return;
		}
	} else if (!group && !hrr_group) {
		fail(t, TG_TLS_EPROTO, TG_TLS_ALERT_HANDSHAKE_FAILURE);
		return;
	}
	if (server_alpn(t, &ch) < 0) {
		fail(t, TG_TLS_EALPN, TG_TLS_ALERT_NO_APPLICATION_PROTOCOL);
		return;
	}
	t->suite = suite;
	if (!group) {
		t->group = hrr_group;
		server_send_hrr(t, &ch);
		return;
	}
	t->group = group;
	server_send_flight(t, &ch, share, klen);
}

static void server_finished(struct tg_tls *t, const uint8_t *msg, size_t len)
{
	if (check_finished(t, msg + 4, len - 4, t->c_hs_ts) < 0)
		return;
	th_add(t, msg, len);
	set_dir(t, &t->rd, t->c_ap_ts);
	tg_wipe(t->c_ap_ts, sizeof t->c_ap_ts);
	wipe_handshake(t);
	t->hs_state = HS_DONE;
	t->flags |= F_DONE;
	t->state = TG_TLS_ESTABLISHED;
}

/* ------------------------------------------------------------------ client */

/* An IP literal is checked against the certificate but not sent as SNI. */
static int is_ip_literal(const char *s)
{
	int digits_dots = 1;

	for (; *s; s++) {
		if (*s == ':')
			return 1;
		if (!(*s == '.' || (*s >= '0' && *s <= '9')))
			digits_dots = 0;
	}
	return digits_dots;
}

static void client_send_hello(struct tg_tls *t)
{
	const struct tg_tls_config *c = t->cfg;
	struct wr w = hs_begin(t);
	size_t at, ext, e, l, n;

	at = hs_msg_begin(&w, HS_CLIENT_HELLO);
	wr_int(&w, 0x0303, 2);
	wr_bytes(&w, t->client_random, 32);
	wr_int(&w, t->session_id_len, 1);
	wr_bytes(&w, t->session_id, t->session_id_len);
	l = wr_open(&w, 2);
	for (const uint16_t *s = suites_of(t); *s; s++)
		if (known_suite(*s))
			wr_int(&w, *s, 2);
	wr_close(&w, l, 2);
	wr_int(&w, 1, 1);
	wr_int(&w, 0, 1);
	ext = wr_open(&w, 2);
	n = strlen(c->server_name);
	if (!is_ip_literal(c->server_name) && n > 0 && n < TG_TLS_NAME_LEN) {
		wr_int(&w, EXT_SNI, 2);
		e = wr_open(&w, 2);
		l = wr_open(&w, 2);
		wr_int(&w, 0, 1); /* host_name */
		wr_int(&w, (uint32_t)n, 2);
		wr_bytes(&w, c->server_name, n);
		wr_close(&w, l, 2);
		wr_close(&w, e, 2);
	}
	wr_int(&w, EXT_VERSIONS, 2);
	wr_int(&w, 3, 2);
	wr_int(&w, 2, 1);
	wr_int(&w, 0x0304, 2);
	wr_int(&w, EXT_GROUPS, 2);
	e = wr_open(&w, 2);
	l = wr_open(&w, 2);
	for (const uint16_t *g = groups_of(t); *g; g++)
		if (known_group(*g))
			wr_int(&w, *g, 2);
	wr_close(&w, l, 2);
	wr_close(&w, e, 2);
	wr_int(&w, EXT_KEY_SHARE, 2);
	e = wr_open(&w, 2);
	l = wr_open(&w, 2);
	wr_int(&w, t->group, 2);
	wr_int(&w, (uint32_t)share_len(t->group), 2);
	wr_bytes(&w, t->ecdh_pub, share_len(t->group));
	wr_close(&w, l, 2);
	wr_close(&w, e, 2);
	wr_int(&w, EXT_SIG_ALGS, 2);
	e = wr_open(&w, 2);
	l = wr_open(&w, 2);
	for (size_t i = 0; i < sizeof client_sig_algs / sizeof client_sig_algs[0]; i++)
		wr_int(&w, client_sig_algs[i], 2);
	wr_close(&w, l, 2);
	wr_close(&w, e, 2);
	if (c->n_alpn) {
		wr_int(&w, EXT_ALPN, 2);
		e = wr_open(&w, 2);
		l = wr_open(&w, 2);
		for (size_t i = 0; i < c->n_alpn && i < TG_TLS_ALPN_MAX; i++) {
			size_t an = strlen(c->alpn[i]);

			if (an == 0 || an >= TG_TLS_ALPN_LEN)
				continue;
			wr_int(&w, (uint32_t)an, 1);
			wr_bytes(&w, c->alpn[i], an);
		}
		wr_close(&w, l, 2);
		wr_close(&w, e, 2);
	}
	wr_close(&w, ext, 2);
	hs_msg_end(t, &w, at);
	if (hs_flush(t, &w) < 0)
		fail(t, TG_TLS_ESPACE, TG_TLS_ALERT_INTERNAL_ERROR);
}

static void client_server_hello(struct tg_tls *t, const uint8_t *msg, size_t len)
{
	struct rd r, v, exts;
	const uint8_t *random, *share = NULL;
	size_t share_n = 0;
	uint16_t suite, sel_group = 0;
	uint32_t legacy;
	int tls13 = 0, hrr, has_ks = 0;
	uint8_t shared[32];

	rd_init(&r, msg + 4, len - 4);
	legacy = rd_int(&r, 2);
	random = rd_bytes(&r, 32);
	rd_vec(&r, 1, &v);
	suite = (uint16_t)rd_int(&r, 2);
	rd_int(&r, 1);
	if (r.bad) {
		fail(t, TG_TLS_EPROTO, TG_TLS_ALERT_DECODE_ERROR);
		return;
	}
	if (r.off == r.len || legacy != 0x0303) {
		fail(t, TG_TLS_EVERSION, TG_TLS_ALERT_PROTOCOL_VERSION);
		return;
	}
	hrr = memcmp(random, hrr_random, 32) == 0;
	rd_vec(&r, 2, &exts);
	if (!rd_end(&r)) {
		fail(t, TG_TLS_EPROTO, TG_TLS_ALERT_DECODE_ERROR);
		return;
	}
	while (exts.off < exts.len) {
		uint16_t type = (uint16_t)rd_int(&exts, 2);
		struct rd e, k;

		rd_vec(&exts, 2, &e);
		if (exts.bad)
			break;
		if (type == EXT_VERSIONS) {
			tls13 = rd_int(&e, 2) == 0x0304 && rd_end(&e);
		} else if (type == EXT_KEY_SHARE && !has_ks) {
			has_ks = 1;
			sel_group = (uint16_t)rd_int(&e, 2);
			if (!hrr) {
				rd_vec(&e, 2, &k);
				share = k.p;
				share_n = k.len;
			}
			if (!rd_end(&e))
				exts.bad = 1;
		} else {
			/* nothing else was offered (a cookie neither: we keep no state
			 * for it) */
			fail(t, TG_TLS_EPROTO, TG_TLS_ALERT_UNSUPPORTED_EXTENSION);
			return;
		}
	}
	if (exts.bad) {
		fail(t, TG_TLS_EPROTO, TG_TLS_ALERT_DECODE_ERROR);
		return;
	}
	if (!tls13) {
		fail(t, TG_TLS_EVERSION, TG_TLS_ALERT_PROTOCOL_VERSION);
		return;
	}
	if (v.len != t->session_id_len || memcmp(v.p, t->session_id, v.len) != 0 ||
	    msg[4 + 2 + 32 + 1 + v.len + 2] != 0 || !known_suite(suite) ||
	    !list_has(suites_of(t), suite) || ((t->flags & F_HRR) && suite != t->suite)) {
		fail(t, TG_TLS_EPROTO, TG_TLS_ALERT_ILLEGAL_PARAMETER);
		return;
	}
	if (!has_ks) {
		fail(t, TG_TLS_EPROTO, TG_TLS_ALERT_MISSING_EXTENSION);
		return;
	}
	t->suite = suite;
	if (hrr) {
		/* one retry, for a group we offered and did not share already */
		if ((t->flags & F_HRR) || !known_group(sel_group) ||
		    !list_has(groups_of(t), sel_group) || sel_group == t->group) {
			fail(t, TG_TLS_EPROTO,
			     (t->flags & F_HRR) ? TG_TLS_ALERT_UNEXPECTED_MESSAGE
			                        : TG_TLS_ALERT_ILLEGAL_PARAMETER);
			return;
		}
		t->flags |= F_HRR;
		th_restart_hrr(t);
		th_add(t, msg, len);
		t->group = sel_group;
		if (ecdh_keygen(t, t->group) < 0) {
			fail(t, TG_TLS_ECRYPTO, TG_TLS_ALERT_INTERNAL_ERROR);
			return;
		}
		queue_ccs(t);
		client_send_hello(t);
		return;
	}
	if (sel_group != t->group) {
		fail(t, TG_TLS_EPROTO, TG_TLS_ALERT_ILLEGAL_PARAMETER);
		return;
	}
	if (ecdh_shared(t, t->group, share, share_n, shared) < 0) {
		fail(t, TG_TLS_ECRYPTO, TG_TLS_ALERT_ILLEGAL_PARAMETER);
		return;
	}
	th_add(t, msg, len);
	derive_hs(t, shared, 32);
	tg_wipe(shared, sizeof shared);
	set_dir(t, &t->rd, t->s_hs_ts);
	/* our CCS now, so any alert from here on can be sealed with our
	 * handshake key, as the server expects */
	queue_ccs(t);
	set_dir(t, &t->wr, t->c_hs_ts);
	t->hs_state = C_WAIT_EE;
}

static void client_ee(struct tg_tls *t, const uint8_t *msg, size_t len)
{
	const struct tg_tls_config *c = t->cfg;
	struct rd r, exts;
	int got_alpn = 0;

	rd_init(&r, msg + 4, len - 4);
	rd_vec(&r, 2, &exts);
	if (!rd_end(&r)) {
		fail(t, TG_TLS_EPROTO, TG_TLS_ALERT_DECODE_ERROR);
		return;
	}
	t->alpn[0] = 0;
	while (exts.off < exts.len) {
		uint16_t type = (uint16_t)rd_int(&exts, 2);
		struct rd e, l, nm;
		int ok = 0;

		rd_vec(&exts, 2, &e);
		if (exts.bad) {
			fail(t, TG_TLS_EPROTO, TG_TLS_ALERT_DECODE_ERROR);
			return;
		}
		switch (type) {
		case EXT_ALPN:
			rd_vec(&e, 2, &l);
			rd_vec(&l, 1, &nm);
			if (!rd_end(&e) || !rd_end(&l) || nm.len == 0 || got_alpn) {
				fail(t, TG_TLS_EPROTO, TG_TLS_ALERT_DECODE_ERROR);
				return;
			}
			for (size_t i = 0; i < c->n_alpn && i < TG_TLS_ALPN_MAX; i++)
				if (strlen(c->alpn[i]) == nm.len &&
				    memcmp(c->alpn[i], nm.p, nm.len) == 0 &&
				    nm.len < TG_TLS_ALPN_LEN) {
					memcpy(t->alpn, nm.p, nm.len);
					t->alpn[nm.len] = 0;
					ok = 1;
				}
			if (!ok) {
				fail(t, TG_TLS_EPROTO, TG_TLS_ALERT_ILLEGAL_PARAMETER);
				return;
			}
			got_alpn = 1;
			break;
		case EXT_SNI:    /* the server's empty acknowledgement */
		case EXT_GROUPS: /* the server's preferences, informational */
			break;
		default:
			fail(t, TG_TLS_EPROTO, TG_TLS_ALERT_UNSUPPORTED_EXTENSION);
			return;
		}
	}
	if (c->n_alpn && !got_alpn) {
		/* we only speak our protocols (NTS-KE requires ALPN) */
		fail(t, TG_TLS_EALPN, TG_TLS_ALERT_NO_APPLICATION_PROTOCOL);
		return;
	}
	th_add(t, msg, len);
	t->hs_state = C_WAIT_CERT;
}

static int x509_alert(unsigned err)
{
	switch (err) {
	case BR_ERR_X509_NOT_TRUSTED:
		return TG_TLS_ALERT_UNKNOWN_CA;
	case BR_ERR_X509_EXPIRED:
		return TG_TLS_ALERT_CERTIFICATE_EXPIRED;
	case BR_ERR_X509_UNSUPPORTED:
	case BR_ERR_X509_WEAK_PUBLIC_KEY:
		return TG_TLS_ALERT_UNSUPPORTED_CERTIFICATE;
	default:
		return TG_TLS_ALERT_BAD_CERTIFICATE;
	}
}

static void client_cert(struct tg_tls *t, const uint8_t *msg, size_t len)
{
	const br_x509_class **xc = &t->x509.vtable;
	const br_x509_pkey *pk;
	struct rd r, ctx, list;
	unsigned err, usages = 0;
	int n = 0;

	rd_init(&r, msg + 4, len - 4);
	rd_vec(&r, 1, &ctx);
	rd_vec(&r, 3, &list);
	if (!rd_end(&r) || ctx.len != 0) {
		fail(t, TG_TLS_EPROTO, TG_TLS_ALERT_DECODE_ERROR);
		return;
	}
	(*xc)->start_chain(xc, t->cfg->server_name);
	while (list.off < list.len) {
		struct rd cert, ext;

		rd_vec(&list, 3, &cert);
		rd_vec(&list, 2, &ext);
		if (list.bad || cert.len == 0) {
			fail(t, TG_TLS_EPROTO, TG_TLS_ALERT_DECODE_ERROR);
			return;
		}
		(*xc)->start_cert(xc, (uint32_t)cert.len);
		(*xc)->append(xc, cert.p, cert.len);
		(*xc)->end_cert(xc);
		n++;
	}
	if (n == 0) {
		fail(t, TG_TLS_EPROTO, TG_TLS_ALERT_DECODE_ERROR);
		return;
	}
	err = (*xc)->end_chain(xc);
	if (err) {
		fail(t, TG_TLS_ECERT, x509_alert(err));
		return;
	}
	pk = (*xc)->get_pkey(xc, &usages);
	if (!pk || !(usages & BR_KEYTYPE_SIGN)) {
		fail(t, TG_TLS_ECERT, TG_TLS_ALERT_UNSUPPORTED_CERTIFICATE);
		return;
	}
	/* copy the key out of the x509 context, which it only lends */
	t->server_pkey.key_type = pk->key_type;
	if (pk->key_type == BR_KEYTYPE_RSA &&
	    pk->key.rsa.nlen + pk->key.rsa.elen <= sizeof t->server_pkey_buf) {
		br_rsa_public_key *k = &t->server_pkey.key.rsa;

		memcpy(t->server_pkey_buf, pk->key.rsa.n, pk->key.rsa.nlen);
		memcpy(t->server_pkey_buf + pk->key.rsa.nlen, pk->key.rsa.e, pk->key.rsa.elen);
		k->n = t->server_pkey_buf;
		k->nlen = pk->key.rsa.nlen;
		k->e = t->server_pkey_buf + pk->key.rsa.nlen;
		k->elen = pk->key.rsa.elen;
	} else if (pk->key_type == BR_KEYTYPE_EC && pk->key.ec.qlen <= sizeof t->server_pkey_buf) {
		br_ec_public_key *k = &t->server_pkey.key.ec;

		memcpy(t->server_pkey_buf, pk->key.ec.q, pk->key.ec.qlen);
		k->curve = pk->key.ec.curve;
		k->q = t->server_pkey_buf;
		k->qlen = pk->key.ec.qlen;
	} else {
		fail(t, TG_TLS_ECERT, TG_TLS_ALERT_UNSUPPORTED_CERTIFICATE);
		return;
	}
	th_add(t, msg, len);
	t->hs_state = C_WAIT_CV;
}

static void client_cv(struct tg_tls *t, const uint8_t *msg, size_t len)
{
	const br_x509_pkey *pk = &t->server_pkey;
	const br_hash_class *h = NULL;
	struct rd r, sig;
	uint16_t scheme;
	uint8_t hv[64];
	int ok = 0;

	rd_init(&r, msg + 4, len - 4);
	scheme = (uint16_t)rd_int(&r, 2);
	rd_vec(&r, 2, &sig);
	if (!rd_end(&r) || sig.len == 0) {
		fail(t, TG_TLS_EPROTO, TG_TLS_ALERT_DECODE_ERROR);
		return;
	}
	switch (scheme) {
	case SIG_ECDSA_P256_SHA256:
		if (pk->key_type != BR_KEYTYPE_EC || pk->key.ec.curve != BR_EC_secp256r1)
			break;
		cv_hash(t, &br_sha256_vtable, hv);
		ok = (int)br_ecdsa_i31_vrfy_asn1(&tg_ec_impl, hv, 32, &pk->key.ec, sig.p,
		                                 sig.len);
		h = &br_sha256_vtable;
		break;
	case SIG_PSS_RSAE_SHA256:
	case SIG_PSS_RSAE_SHA384:
	case SIG_PSS_RSAE_SHA512:
		if (pk->key_type != BR_KEYTYPE_RSA)
			break;
		h = scheme == SIG_PSS_RSAE_SHA256   ? &br_sha256_vtable
		    : scheme == SIG_PSS_RSAE_SHA384 ? &br_sha384_vtable
		                                    : &br_sha512_vtable;
		cv_hash(t, h, hv);
		ok = tg_tls_pss_verify(&pk->key.rsa, h, hv, sig.p, sig.len);
		break;
	default:
		break;
	}
	if (!h) {
		/* a scheme we did not offer, or not matching the key */
		fail(t, TG_TLS_ECRYPTO, TG_TLS_ALERT_ILLEGAL_PARAMETER);
		return;
	}
	if (!ok) {
		fail(t, TG_TLS_ECRYPTO, TG_TLS_ALERT_DECRYPT_ERROR);
		return;
	}
	th_add(t, msg, len);
	t->hs_state = C_WAIT_FIN;
}

static void client_finished(struct tg_tls *t, const uint8_t *msg, size_t len)
{
	uint8_t s_ap[48];
	struct wr w;

	if (check_finished(t, msg + 4, len - 4, t->s_hs_ts) < 0)
		return;
	th_add(t, msg, len);
	derive_ap(t, s_ap);
	w = hs_begin(t);
	build_finished(t, &w, t->c_hs_ts);
	if (hs_flush(t, &w) < 0) {
		fail(t, TG_TLS_ESPACE, TG_TLS_ALERT_INTERNAL_ERROR);
		return;
	}
	set_dir(t, &t->rd, s_ap);
	set_dir(t, &t->wr, t->c_ap_ts);
	tg_wipe(s_ap, sizeof s_ap);
	tg_wipe(t->c_ap_ts, sizeof t->c_ap_ts);
	wipe_handshake(t);
	t->hs_state = HS_DONE;
	t->flags |= F_DONE;
	t->state = TG_TLS_ESTABLISHED;
}

/* --------------------------------------------------------------- dispatch */

/* One complete handshake message (header included); returns 1 if it
 * changed the read keys (the record must end there). */
static int handle_message(struct tg_tls *t, const uint8_t *msg, size_t len)
{
	uint8_t type = msg[0];
	int rd_on = t->rd.on;

	switch (t->hs_state) {
	case S_WAIT_CH:
	case S_WAIT_CH2:
		if (type != HS_CLIENT_HELLO)
			break;
		server_client_hello(t, msg, len);
		return t->rd.on != rd_on;
	case S_WAIT_FIN:
		if (type != HS_FINISHED)
			break;
		server_finished(t, msg, len);
		return 1;
	case C_WAIT_SH:
		if (type != HS_SERVER_HELLO)
			break;
		client_server_hello(t, msg, len);
		return t->rd.on != rd_on;
	case C_WAIT_EE:
		if (type != HS_EE)
			break;
		client_ee(t, msg, len);
		return 0;
	case C_WAIT_CERT:
		if (type == HS_CERT_REQ) {
			/* we have no client certificate to offer */
			fail(t, TG_TLS_EPROTO, TG_TLS_ALERT_HANDSHAKE_FAILURE);
			return 0;
		}
		if (type != HS_CERT)
			break;
		client_cert(t, msg, len);
		return 0;
	case C_WAIT_CV:
		if (type != HS_CV)
			break;
		client_cv(t, msg, len);
		return 0;
	case C_WAIT_FIN:
		if (type != HS_FINISHED)
			break;
		client_finished(t, msg, len);
		return 1;
	case HS_DONE:
		/* tickets are useless to us (no resumption): skip them */
		if (type == HS_NEW_TICKET && !t->cfg->is_server)
			return 0;
		break;
	}
	fail(t, TG_TLS_EPROTO, TG_TLS_ALERT_UNEXPECTED_MESSAGE);
	return 0;
}

/* Handshake record content: reassemble messages, handle each complete one. */
static void handle_hs_data(struct tg_tls *t, const uint8_t *d, size_t len)
{
	size_t off = 0;

	if (len == 0) {
		fail(t, TG_TLS_EPROTO, TG_TLS_ALERT_UNEXPECTED_MESSAGE);
		return;
	}
	while (off < len && t->state != TG_TLS_FAILED) {
		size_t need, n;

		if (t->hs_len < 4) {
			n = 4 - t->hs_len < len - off ? 4 - t->hs_len : len - off;
			memcpy(t->hs + t->hs_len, d + off, n);
			t->hs_len += n;
			off += n;
			if (t->hs_len < 4)
				break;
		}
		need = 4 + ((size_t)t->hs[1] << 16 | (size_t)t->hs[2] << 8 | t->hs[3]);
		if (need > sizeof t->hs) {
			fail(t, TG_TLS_ESPACE, TG_TLS_ALERT_HANDSHAKE_FAILURE);
			return;
		}
		n = need - t->hs_len < len - off ? need - t->hs_len : len - off;
		memcpy(t->hs + t->hs_len, d + off, n);
		t->hs_len += n;
		off += n;
		if (t->hs_len < need)
			break;
		t->hs_len = 0;
		if (handle_message(t, t->hs, need) && off < len && t->state != TG_TLS_FAILED) {
			/* a key change must fall on a record boundary */
			fail(t, TG_TLS_EPROTO, TG_TLS_ALERT_UNEXPECTED_MESSAGE);
			return;
		}
	}
}

static void handle_alert(struct tg_tls *t, const uint8_t *d, size_t len)
{
	if (len != 2) {
		fail(t, TG_TLS_EPROTO, TG_TLS_ALERT_DECODE_ERROR);
		return;
	}
	if (d[1] == 90 && d[0] == 1)
		return; /* user_canceled warning: a close_notify follows */
	t->alert_in = d[1];
	if (d[1] == TG_TLS_ALERT_CLOSE_NOTIFY && t->state == TG_TLS_ESTABLISHED) {
		t->state = TG_TLS_CLOSED;
		return;
	}
	t->state = TG_TLS_FAILED;
	t->err = TG_TLS_EALERT;
	wipe_handshake(t);
	wipe_all_keys(t);
}

/* One whole record at t->in. */
static void handle_record(struct tg_tls *t)
{
	uint8_t type = t->in[0], inner;
	size_t len = (size_t)t->in[3] << 8 | t->in[4];
	uint8_t *body = t->in + 5;
	long n;

	switch (type) {
	case REC_CCS:
		/* the peer's middlebox-compatibility CCS: only during the handshake */
		if (len != 1 || body[0] != 1 || t->hs_state == HS_DONE)
			fail(t, TG_TLS_EPROTO, TG_TLS_ALERT_UNEXPECTED_MESSAGE);
		return;
	case REC_ALERT:
		/* plaintext alerts are taken until the handshake ends, so a peer that
		 * fails before it has our keys can still tell us why */
		if (t->hs_state == HS_DONE)
			fail(t, TG_TLS_EPROTO, TG_TLS_ALERT_UNEXPECTED_MESSAGE);
		else
			handle_alert(t, body, len);
		return;
	case REC_HS:
		if (t->rd.on)
			fail(t, TG_TLS_EPROTO, TG_TLS_ALERT_UNEXPECTED_MESSAGE);
		else
			handle_hs_data(t, body, len);
		return;
	case REC_APP:
		if (!t->rd.on) {
			fail(t, TG_TLS_EPROTO, TG_TLS_ALERT_UNEXPECTED_MESSAGE);
			return;
		}
		n = tg_tls_open_record(t->suite, t->rd.key, t->rd.iv, t->rd.seq, t->in, 5 + len,
		                       &inner);
		if (n < 0) {
			fail(t, TG_TLS_ECRYPTO, TG_TLS_ALERT_BAD_RECORD_MAC);
			return;
		}
		t->rd.seq++;
		if (n > PT_MAX) {
			fail(t, TG_TLS_EPROTO, TG_TLS_ALERT_RECORD_OVERFLOW);
			return;
		}
		if (inner == REC_HS) {
			handle_hs_data(t, body, (size_t)n);
		} else if (inner == REC_ALERT) {
			handle_alert(t, body, (size_t)n);
		} else if (inner == REC_APP && t->state == TG_TLS_ESTABLISHED && t->hs_len == 0) {
			memcpy(t->app + t->app_len, body, (size_t)n);
			t->app_len += (size_t)n;
		} else {
			fail(t, TG_TLS_EPROTO, TG_TLS_ALERT_UNEXPECTED_MESSAGE);
		}
		return;
	default:
		fail(t, TG_TLS_EPROTO, TG_TLS_ALERT_UNEXPECTED_MESSAGE);
	}
}

/* Check a record header once it is in; 0 or -1 (failed). */
static int check_header(struct tg_tls *t)
{
	size_t len = (size_t)t->in[3] << 8 | t->in[4];
	uint8_t type = t->in[0];

	if (type < REC_CCS || type > REC_APP) {
		fail(t, TG_TLS_EPROTO, TG_TLS_ALERT_UNEXPECTED_MESSAGE);
		return -1;
	}
	if (len > TG_TLS_RECORD_MAX || (type != REC_APP && len > PT_MAX)) {
		fail(t, TG_TLS_EPROTO, TG_TLS_ALERT_RECORD_OVERFLOW);
		return -1;
	}
	return 0;
}

/* Room for a record's plaintext in the application buffer? */
static int app_room(struct tg_tls *t, size_t reclen)
{
	if (t->app_off == t->app_len) {
		t->app_off = t->app_len = 0;
	} else if (t->app_off) {
		memmove(t->app, t->app + t->app_off, t->app_len - t->app_off);
		t->app_len -= t->app_off;
		t->app_off = 0;
	}
	return sizeof t->app - t->app_len >= reclen;
}

/* --------------------------------------------------------------- public API */

void tg_tls_init(struct tg_tls *t, const struct tg_tls_config *cfg, const br_prng_class **rng)
{
	memset(t, 0, sizeof *t);
	t->cfg = cfg;
	t->rng = rng;
	t->alert_out = -1;
	t->alert_in = -1;
	t->state = TG_TLS_HANDSHAKE;
	br_sha256_init(&t->th256);
	br_sha384_init(&t->th384);
	if (cfg->is_server) {
		t->hs_state = S_WAIT_CH;
		if (!cfg->key || cfg->key->curve != BR_EC_secp256r1 || cfg->key->xlen == 0 ||
		    !cfg->chain || cfg->chain_len == 0)
			fail(t, TG_TLS_ESTATE, -1);
		return;
	}
	t->hs_state = C_WAIT_SH;
	if (!cfg->server_name || !cfg->anchors || cfg->n_anchors == 0) {
		fail(t, TG_TLS_ESTATE, -1);
		return;
	}
	br_x509_minimal_init_full(&t->x509, cfg->anchors, cfg->n_anchors);
	if (cfg->unix_time) {
		/* BearSSL counts days from 0000-01-01: 719528 of them to 1970 */
		int64_t ut = cfg->unix_time;
		br_x509_minimal_set_time(&t->x509, (uint32_t)(ut / 86400 + 719528),
		                         (uint32_t)(ut % 86400));
	}
	(*rng)->generate(rng, t->client_random, 32);
	(*rng)->generate(rng, t->session_id, 32);
	t->session_id_len = 32;
	t->group = 0;
	for (const uint16_t *g = groups_of(t); *g && !t->group; g++)
		if (known_group(*g))
			t->group = *g;
	if (!t->group || ecdh_keygen(t, t->group) < 0) {
		fail(t, TG_TLS_ESTATE, -1);
		return;
	}
	client_send_hello(t);
}

size_t tg_tls_feed(struct tg_tls *t, const uint8_t *buf, size_t len)
{
	size_t used = 0;

	for (;;) {
		size_t need, n;

		if (t->state == TG_TLS_FAILED || t->state == TG_TLS_CLOSED)
			break;
		need = 5;
		if (t->in_len >= 5)
			need = 5 + ((size_t)t->in[3] << 8 | t->in[4]);
		if (t->in_len < need) {
			n = need - t->in_len < len - used ? need - t->in_len : len - used;
			if (n)
				memcpy(t->in + t->in_len, buf + used, n);
			t->in_len += n;
			used += n;
			if (t->in_len == 5 && need == 5) {
				if (check_header(t) < 0)
					break;
				continue;
			}
			if (t->in_len < need)
				break;
		}
		if (!app_room(t, need - 5))
			break; /* the caller must read first */
		handle_record(t);
		t->in_len = 0;
	}
	return used;
}

const uint8_t *tg_tls_pending(const struct tg_tls *t, size_t *len)
{
	*len = t->out_len;
	return t->out;
}

void tg_tls_sent(struct tg_tls *t, size_t n)
{
	if (n > t->out_len)
		n = t->out_len;
	memmove(t->out, t->out + n, t->out_len - n);
	t->out_len -= n;
}

size_t tg_tls_read(struct tg_tls *t, uint8_t *buf, size_t cap)
{
	size_t n = t->app_len - t->app_off;

	if (n > cap)
		n = cap;
	if (n)
		memcpy(buf, t->app + t->app_off, n);
	t->app_off += n;
	/* a whole record may be waiting for room: take it now */
	if (t->app_off == t->app_len && t->in_len >= 5)
		tg_tls_feed(t, NULL, 0);
	return n;
}

int tg_tls_write(struct tg_tls *t, const uint8_t *buf, size_t len)
{
	size_t nrec = (len + PT_MAX - 1) / PT_MAX;

	if (t->state != TG_TLS_ESTABLISHED || (t->flags & F_CLOSE_OUT))
		return -1;
	if (!space(t, len + nrec * (5 + 17)))
		return -1;
	while (len > 0) {
		size_t n = len < PT_MAX ? len : PT_MAX;

		queue_record(t, REC_APP, buf, n);
		buf += n;
		len -= n;
	}
	return 0;
}

void tg_tls_close(struct tg_tls *t)
{
	static const uint8_t cn[2] = {1, TG_TLS_ALERT_CLOSE_NOTIFY};

	if (t->state == TG_TLS_FAILED || (t->flags & F_CLOSE_OUT))
		return;
	t->flags |= F_CLOSE_OUT;
	queue_record(t, REC_ALERT, cn, 2);
}

int tg_tls_state(const struct tg_tls *t)
{
	return t->state;
}

int tg_tls_error(const struct tg_tls *t)
{
	return t->err;
}

const char *tg_tls_strerror(int err)
{
	switch (err) {
	case TG_TLS_OK:
		return "no error";
	case TG_TLS_EPROTO:
		return "protocol violation by the peer";
	case TG_TLS_EALERT:
		return "fatal alert from the peer";
	case TG_TLS_ECERT:
		return "server certificate not valid";
	case TG_TLS_ECRYPTO:
		return "decryption or signature check failed";
	case TG_TLS_EVERSION:
		return "peer does not speak TLS 1.3";
	case TG_TLS_EALPN:
		return "no common ALPN protocol";
	case TG_TLS_ESPACE:
		return "buffer limit reached";
	case TG_TLS_ESTATE:
		return "bad state or configuration";
	}
	return "unknown error";
}

int tg_tls_peer_alert(const struct tg_tls *t)
{
	return t->alert_in;
}

int tg_tls_our_alert(const struct tg_tls *t)
{
	return t->alert_out;
}

const char *tg_tls_alert_name(int alert)
{
	switch (alert) {
	case 0:
		return "close_notify";
	case 10:
		return "unexpected_message";
	case 20:
		return "bad_record_mac";
	case 22:
		return "record_overflow";
	case 40:
		return "handshake_failure";
	case 42:
		return "bad_certificate";
	case 43:
		return "unsupported_certificate";
	case 44:
		return "certificate_revoked";
	case 45:
		return "certificate_expired";
	case 46:
		return "certificate_unknown";
	case 47:
		return "illegal_parameter";
	case 48:
		return "unknown_ca";
	case 49:
		return "access_denied";
	case 50:
		return "decode_error";
	case 51:
		return "decrypt_error";
	case 70:
		return "protocol_version";
	case 71:
		return "insufficient_security";
	case 80:
		return "internal_error";
	case 86:
		return "inappropriate_fallback";
	case 90:
		return "user_canceled";
	case 109:
		return "missing_extension";
	case 110:
		return "unsupported_extension";
	case 112:
		return "unrecognized_name";
	case 113:
		return "bad_certificate_status_response";
	case 115:
		return "unknown_psk_identity";
	case 116:
		return "certificate_required";
	case 120:
		return "no_application_protocol";
	case -1:
		return "none";
	}
	return "unknown";
}

const char *tg_tls_alpn(const struct tg_tls *t)
{
	return t->alpn;
}

uint16_t tg_tls_suite(const struct tg_tls *t)
{
	return t->suite;
}

uint16_t tg_tls_group(const struct tg_tls *t)
{
	return t->group;
}

int tg_tls_export(const struct tg_tls *t, const char *label, const uint8_t *context,
                  size_t context_len, uint8_t *out, size_t out_len)
{
	uint8_t eh[48], sec[48], ch[48];
	br_hash_compat_context hc;
	const br_hash_class *h = tg_tls_hash(t->suite);

	if (!(t->flags & F_DONE) || t->state == TG_TLS_FAILED || strlen(label) > 249 ||
	    out_len > 255 * tg_tls_hash_len(t->suite))
		return -1;
	tg_tls_empty_hash(t->suite, eh);
	tg_tls_derive_secret(t->suite, t->exporter_ms, label, eh, sec);
	h->init(&hc.vtable);
	if (context_len)
		h->update(&hc.vtable, context, context_len);
	h->out(&hc.vtable, ch);
	tg_tls_expand_label(t->suite, sec, "exporter", ch, tg_tls_hash_len(t->suite), out, out_len);
	tg_wipe(sec, sizeof sec);
	return 0;
}

void tg_tls_wipe(struct tg_tls *t)
{
	tg_wipe(t, sizeof *t);
}
