/*
 * tls13_crypto.c - the TLS 1.3 key schedule and record protection on
 * BearSSL primitives (RFC 8446 5.2, 5.3, 7.1, 7.3), and RSA-PSS
 * signature verification (RFC 8017 9.1.2), which BearSSL 0.6 lacks.
 *
 * Kept apart from the state machine (tls13.c) so that the RFC 8448
 * tests can check each piece on its own.
 */
#include <string.h>

#include "ct.h"
#include "tls13.h"
#include "tls13_int.h"

const br_hash_class *tg_tls_hash(uint16_t suite)
{
	return suite == TG_TLS_AES_256_GCM_SHA384 ? &br_sha384_vtable : &br_sha256_vtable;
}

size_t tg_tls_hash_len(uint16_t suite)
{
	return suite == TG_TLS_AES_256_GCM_SHA384 ? 48 : 32;
}

size_t tg_tls_key_len(uint16_t suite)
{
	return suite == TG_TLS_AES_128_GCM_SHA256 ? 16 : 32;
}

void tg_tls_hmac(const br_hash_class *h, const uint8_t *key, size_t key_len, const uint8_t *a,
                 size_t a_len, const uint8_t *b, size_t b_len, uint8_t *out)
{
	br_hmac_key_context kc;
	br_hmac_context hc;

	br_hmac_key_init(&kc, h, key, key_len);
	br_hmac_init(&hc, &kc, 0);
	br_hmac_update(&hc, a, a_len);
	if (b_len)
		br_hmac_update(&hc, b, b_len);
	br_hmac_out(&hc, out);
	tg_wipe(&kc, sizeof kc);
	tg_wipe(&hc, sizeof hc);
}

void tg_tls_hkdf_extract(const br_hash_class *h, const uint8_t *salt, size_t salt_len,
                         const uint8_t *ikm, size_t ikm_len, uint8_t *prk)
{
	tg_tls_hmac(h, salt, salt_len, ikm, ikm_len, NULL, 0, prk);
}

void tg_tls_hkdf_expand(const br_hash_class *h, const uint8_t *prk, size_t prk_len,
                        const uint8_t *info, size_t info_len, uint8_t *out, size_t out_len)
{
	size_t hl = (h->desc >> BR_HASHDESC_OUT_OFF) & BR_HASHDESC_OUT_MASK;
	uint8_t t[64];
	size_t tl = 0, done = 0;
	uint8_t ctr = 1;
	br_hmac_key_context kc;
	br_hmac_context hc;

	br_hmac_key_init(&kc, h, prk, prk_len);
	while (done < out_len) {
		size_t n;

		br_hmac_init(&hc, &kc, 0);
		br_hmac_update(&hc, t, tl);
		br_hmac_update(&hc, info, info_len);
		br_hmac_update(&hc, &ctr, 1);
		br_hmac_out(&hc, t);
		tl = hl;
		n = out_len - done < hl ? out_len - done : hl;
		memcpy(out + done, t, n);
		done += n;
		ctr++;
	}
	tg_wipe(t, sizeof t);
	tg_wipe(&kc, sizeof kc);
	tg_wipe(&hc, sizeof hc);
}

void tg_tls_expand_label(uint16_t suite, const uint8_t *secret, const char *label,
                         const uint8_t *ctx, size_t ctx_len, uint8_t *out, size_t out_len)
{
	/* HkdfLabel: uint16 length, opaque label<7..255> = "tls13 " + label,
	 * opaque context<0..255> */
	uint8_t info[2 + 1 + 255 + 1 + 255];
	size_t ll = strlen(label), n = 0;

	if (ll > 255 - 6)
		ll = 255 - 6;
	if (ctx_len > 255)
		ctx_len = 255;
	info[n++] = (uint8_t)(out_len >> 8);
	info[n++] = (uint8_t)out_len;
	info[n++] = (uint8_t)(6 + ll);
	memcpy(info + n, "tls13 ", 6);
	n += 6;
	memcpy(info + n, label, ll);
	n += ll;
	info[n++] = (uint8_t)ctx_len;
	if (ctx_len)
		memcpy(info + n, ctx, ctx_len);
	n += ctx_len;
	tg_tls_hkdf_expand(tg_tls_hash(suite), secret, tg_tls_hash_len(suite), info, n, out,
	                   out_len);
}

void tg_tls_derive_secret(uint16_t suite, const uint8_t *secret, const char *label,
                          const uint8_t *thash, uint8_t *out)
{
	tg_tls_expand_label(suite, secret, label, thash, tg_tls_hash_len(suite), out,
	                    tg_tls_hash_len(suite));
}

void tg_tls_empty_hash(uint16_t suite, uint8_t *out)
{
	br_hash_compat_context hc;
	const br_hash_class *h = tg_tls_hash(suite);

	h->init(&hc.vtable);
	h->out(&hc.vtable, out);
}

/* ------------------------------------------------------------------ AEAD */

static void nonce(const uint8_t *iv, uint64_t seq, uint8_t *n)
{
	memcpy(n, iv, 12);
	for (int i = 0; i < 8; i++)
		n[11 - i] ^= (uint8_t)(seq >> (8 * i));
}

/*
 * One AEAD operation in place on data[0..len) with a 12-byte nonce.
 * encrypt: writes the 16-byte tag to tag; decrypt: checks it, returns 1
 * if good (constant time), 0 if not.
 */
/*
 * The fastest implementations this CPU runs, chosen once per process:
 * BearSSL's *_get() functions ask the CPU (CPUID) on every call, which
 * traps to the hypervisor in a virtual machine (see lib/aessiv.c).
 */
static struct {
	int asked;
	br_chacha20_run chacha;
	const br_block_ctr_class *aes_ctr;
	br_ghash ghash;
} impl;

static void choose_impl(void)
{
	if (impl.asked)
		return;
	impl.chacha = br_chacha20_sse2_get();
	if (!impl.chacha)
		impl.chacha = &br_chacha20_ct_run;
	impl.aes_ctr = br_aes_x86ni_ctr_get_vtable();
	if (!impl.aes_ctr)
		impl.aes_ctr = &br_aes_ct64_ctr_vtable;
	impl.ghash = br_ghash_pclmul_get();
	if (!impl.ghash)
		impl.ghash = &br_ghash_ctmul64;
	impl.asked = 1;
}

int tg_tls_aead(uint16_t suite, const uint8_t *key, const uint8_t *n, const uint8_t *aad,
                size_t aad_len, uint8_t *data, size_t len, uint8_t *tag, int encrypt)
{
	int ok = 1;

	choose_impl();
	if (suite == TG_TLS_CHACHA20_POLY1305_SHA256) {
		br_chacha20_run cc = impl.chacha;
		uint8_t t[16];

		br_poly1305_ctmul_run(key, n, data, len, aad, aad_len, encrypt ? tag : t, cc,
		                      encrypt);
		if (!encrypt)
			ok = tg_ct_eq(t, tag, 16);
		tg_wipe(t, sizeof t);
	} else {
		br_aes_gen_ctr_keys ak;
		br_gcm_context gc;
		const br_block_ctr_class *vt = impl.aes_ctr;
		br_ghash gh = impl.ghash;

		vt->init(&ak.vtable, key, tg_tls_key_len(suite));
		br_gcm_init(&gc, &ak.vtable, gh);
		br_gcm_reset(&gc, n, 12);
		br_gcm_aad_inject(&gc, aad, aad_len);
		br_gcm_flip(&gc);
		br_gcm_run(&gc, encrypt, data, len);
		if (encrypt)
			br_gcm_get_tag(&gc, tag);
		else
			ok = (int)br_gcm_check_tag(&gc, tag);
		tg_wipe(&ak, sizeof ak);
		tg_wipe(&gc, sizeof gc);
	}
	return ok;
}

/* record layer: aad = the 5-byte header, nonce = iv XOR padded seq */
static int aead(uint16_t suite, const uint8_t *key, const uint8_t *iv, uint64_t seq,
                const uint8_t *aad, uint8_t *data, size_t len, uint8_t *tag, int encrypt)
{
	uint8_t n[12];

	nonce(iv, seq, n);
	return tg_tls_aead(suite, key, n, aad, 5, data, len, tag, encrypt);
}

size_t tg_tls_seal_record(uint16_t suite, const uint8_t *key, const uint8_t *iv, uint64_t seq,
                          uint8_t type, const uint8_t *pt, size_t pt_len, uint8_t *out, size_t cap)
{
	size_t clen = pt_len + 1 + 16;

	if (pt_len > 16384 || cap < 5 + clen)
		return 0;
	out[0] = 23;
	out[1] = 3;
	out[2] = 3;
	out[3] = (uint8_t)(clen >> 8);
	out[4] = (uint8_t)clen;
	memmove(out + 5, pt, pt_len); /* pt may already sit there (sealing in place) */
	out[5 + pt_len] = type;
	aead(suite, key, iv, seq, out, out + 5, pt_len + 1, out + 5 + pt_len + 1, 1);
	return 5 + clen;
}

long tg_tls_open_record(uint16_t suite, const uint8_t *key, const uint8_t *iv, uint64_t seq,
                        uint8_t *rec, size_t rec_len, uint8_t *type)
{
	size_t clen, n;

	if (rec_len < 5 + 17 || rec[0] != 23)
		return -1;
	clen = (size_t)rec[3] << 8 | rec[4];
	if (clen != rec_len - 5 || clen > TG_TLS_RECORD_MAX)
		return -1;
	if (!aead(suite, key, iv, seq, rec, rec + 5, clen - 16, rec + 5 + clen - 16, 0))
		return -1;
	/* strip the zero padding; the last non-zero byte is the real type */
	n = clen - 16;
	while (n > 0 && rec[5 + n - 1] == 0)
		n--;
	if (n == 0)
		return -1;
	*type = rec[5 + n - 1];
	return (long)(n - 1);
}

/* ---------------------------------------------------------------- RSA-PSS */

static void mgf1_xor(const br_hash_class *h, const uint8_t *seed, size_t seed_len, uint8_t *dst,
                     size_t len)
{
	size_t hl = (h->desc >> BR_HASHDESC_OUT_OFF) & BR_HASHDESC_OUT_MASK;
	br_hash_compat_context hc;
	uint8_t t[64], c[4];

	for (uint32_t ctr = 0, off = 0; off < len; ctr++) {
		c[0] = (uint8_t)(ctr >> 24);
		c[1] = (uint8_t)(ctr >> 16);
		c[2] = (uint8_t)(ctr >> 8);
		c[3] = (uint8_t)ctr;
		h->init(&hc.vtable);
		h->update(&hc.vtable, seed, seed_len);
		h->update(&hc.vtable, c, 4);
		h->out(&hc.vtable, t);
		for (size_t i = 0; i < hl && off < len; i++, off++)
			dst[off] ^= t[i];
	}
}

int tg_tls_pss_verify(const br_rsa_public_key *pk, const br_hash_class *h, const uint8_t *mhash,
                      const uint8_t *sig, size_t sig_len)
{
	size_t hl = (h->desc >> BR_HASHDESC_OUT_OFF) & BR_HASHDESC_OUT_MASK;
	br_rsa_public_key k = *pk;
	uint8_t x[512], m[8 + 64 + 64], hh[64];
	br_hash_compat_context hc;
	size_t modbits, embits, emlen, dblen, i;
	uint8_t *em, *db, *hp;
	unsigned top;

	while (k.nlen > 0 && k.n[0] == 0) {
		k.n++;
		k.nlen--;
	}
	if (k.nlen == 0 || k.nlen > sizeof x || sig_len != k.nlen)
		return 0;
	memcpy(x, sig, sig_len);
	if (!br_rsa_i31_public(x, sig_len, &k))
		return 0;
	/* emBits = modBits - 1 (RFC 8017 8.1.2) */
	modbits = k.nlen * 8;
	for (top = k.n[0]; !(top & 0x80); top <<= 1)
		modbits--;
	embits = modbits - 1;
	emlen = (embits + 7) / 8;
	em = x + (k.nlen - emlen);
	if (k.nlen != emlen && x[0] != 0)
		return 0;
	if (emlen < 2 * hl + 2 || em[emlen - 1] != 0xbc)
		return 0;
	dblen = emlen - hl - 1;
	db = em;
	hp = em + dblen;
	if (8 * emlen - embits && (db[0] >> (8 - (8 * emlen - embits))) != 0)
		return 0;
	mgf1_xor(h, hp, hl, db, dblen);
	if (8 * emlen - embits)
		db[0] &= (uint8_t)(0xff >> (8 * emlen - embits));
	/* PS zeros, 0x01, then the salt (length = hash length, RFC 8446 4.2.3) */
	for (i = 0; i < dblen - hl - 1; i++)
		if (db[i] != 0)
			return 0;
	if (db[i] != 1)
		return 0;
	memset(m, 0, 8);
	memcpy(m + 8, mhash, hl);
	memcpy(m + 8 + hl, db + dblen - hl, hl);
	h->init(&hc.vtable);
	h->update(&hc.vtable, m, 8 + 2 * hl);
	h->out(&hc.vtable, hh);
	return tg_ct_eq(hh, hp, hl);
}
