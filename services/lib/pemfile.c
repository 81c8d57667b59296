/*
 * pemfile.c - PEM files to BearSSL structures (see pemfile.h).
 *
 * One reader (pem_each) runs BearSSL's PEM decoder over the file, read
 * in 1 KiB pieces, and hands each whole object's DER to a callback; the
 * DER of one object is collected in a buffer on the stack (objects
 * larger than that are refused: nothing we load is that large).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ct.h"
#include "ec.h"
#include "pemfile.h"

#define DER_MAX 8192

struct der_buf {
	unsigned char d[DER_MAX];
	size_t len;
	int overflow;
};

static void der_append(void *ctx, const void *data, size_t len)
{
	struct der_buf *b = ctx;

	if (b->overflow || DER_MAX - b->len < len) {
		b->overflow = 1;
		return;
	}
	memcpy(b->d + b->len, data, len);
	b->len += len;
}

/* cb returns 0, or -1 having written err. */
typedef int (*pem_cb)(void *ctx, const char *name, const unsigned char *der, size_t len,
                      const char *path, char *err, size_t errlen);

/*
 * Every PEM object of the input to cb: read from fd in pieces when fd >=
 * 0, else from mem[0..mem_len).  path names the input in messages.
 */
static int pem_run(const char *path, int fd, const unsigned char *mem, size_t mem_len, pem_cb cb,
                   void *ctx, char *err, size_t errlen)
{
	br_pem_decoder_context pc;
	struct der_buf b;
	char name[128] = "";
	unsigned char chunk[1024];
	size_t mem_off = 0;
	int in_obj = 0, objects = 0, rc = -1, eof = 0;

	br_pem_decoder_init(&pc);
	b.len = 0;
	b.overflow = 0;
	while (!eof) {
		ssize_t r;
		size_t off = 0;

		if (fd >= 0) {
			r = read(fd, chunk, sizeof chunk);
		} else {
			r = (ssize_t)(mem_len - mem_off < sizeof chunk ? mem_len - mem_off : sizeof chunk);
			memcpy(chunk, mem + mem_off, (size_t)r);
			mem_off += (size_t)r;
		}

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			goto out;
		}
		if (r == 0) {
			/* a final newline ends a last line that has none */
			chunk[0] = '\n';
			r = 1;
			eof = 1;
		}
		while (off < (size_t)r) {
			off += br_pem_decoder_push(&pc, chunk + off, (size_t)r - off);
			switch (br_pem_decoder_event(&pc)) {
			case BR_PEM_BEGIN_OBJ:
				snprintf(name, sizeof name, "%s", br_pem_decoder_name(&pc));
				b.len = 0;
				b.overflow = 0;
				br_pem_decoder_setdest(&pc, der_append, &b);
				in_obj = 1;
				break;
			case BR_PEM_END_OBJ:
				in_obj = 0;
				if (b.overflow) {
					snprintf(err, errlen,
					         "%s: PEM object %s larger than %d bytes", path,
					         name, DER_MAX);
					goto out;
				}
				objects++;
				if (cb(ctx, name, b.d, b.len, path, err, errlen) < 0)
					goto out;
				break;
			case BR_PEM_ERROR:
				snprintf(err, errlen, "%s: not valid PEM", path);
				goto out;
			default:
				break;
			}
		}
	}
	if (in_obj) {
		snprintf(err, errlen, "%s: PEM object %s not terminated", path, name);
		goto out;
	}
	if (objects == 0) {
		snprintf(err, errlen, "%s: no PEM object found", path);
		goto out;
	}
	rc = 0;
out:
	tg_wipe(&b, sizeof b);
	tg_wipe(chunk, sizeof chunk);
	tg_wipe(&pc, sizeof pc);
	return rc;
}

/* pem_run over the file at path, or over buf[0..len) when buf is set (path is its label) */
static int pem_each(const char *path, const unsigned char *buf, size_t len, pem_cb cb, void *ctx,
                    char *err, size_t errlen)
{
	int fd, rc;

	if (buf)
		return pem_run(path, -1, buf, len, cb, ctx, err, errlen);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	rc = pem_run(path, fd, NULL, 0, cb, ctx, err, errlen);
	close(fd);
	return rc;
}

static int is_cert(const char *name)
{
	return strcmp(name, "CERTIFICATE") == 0 || strcmp(name, "X509 CERTIFICATE") == 0;
}

/* ------------------------------------------------------------------ chain */

static int chain_cb(void *ctx, const char *name, const unsigned char *der, size_t len,
                    const char *path, char *err, size_t errlen)
{
	struct tg_pem_chain *c = ctx;

	if (!is_cert(name))
		return 0; /* a key in the same file, say: not ours to read here */
	if (c->n == TG_PEM_CHAIN_MAX) {
		snprintf(err, errlen, "%s: more than %d certificates", path, TG_PEM_CHAIN_MAX);
		return -1;
	}
	if (len > TG_PEM_CERT_LEN) {
		snprintf(err, errlen, "%s: certificate %zu is %zu bytes, at most %d expected", path,
		         c->n + 1, len, TG_PEM_CERT_LEN);
		return -1;
	}
	if (len < 2 || der[0] != 0x30) {
		snprintf(err, errlen, "%s: certificate %zu is not DER (an ASN.1 SEQUENCE expected)",
		         path, c->n + 1);
		return -1;
	}
	memcpy(c->der[c->n], der, len);
	c->certs[c->n].data = c->der[c->n];
	c->certs[c->n].data_len = len;
	c->n++;
	return 0;
}

static int load_chain(const char *path, const unsigned char *buf, size_t len,
                      struct tg_pem_chain *out, char *err, size_t errlen)
{
	out->n = 0;
	if (pem_each(path, buf, len, chain_cb, out, err, errlen) < 0)
		return -1;
	if (out->n == 0) {
		snprintf(err, errlen, "%s: no CERTIFICATE in the file", path);
		return -1;
	}
	return 0;
}

/* -------------------------------------------------------------------- key */

struct key_ctx {
	struct tg_pem_key *k;
	int found;
};

static int key_cb(void *ctx, const char *name, const unsigned char *der, size_t len,
                  const char *path, char *err, size_t errlen)
{
	struct key_ctx *kc = ctx;
	br_skey_decoder_context dc;
	const br_ec_private_key *ec;
	int rc = -1;

	if (strcmp(name, "EC PRIVATE KEY") != 0 && strcmp(name, "PRIVATE KEY") != 0) {
		if (strcmp(name, "RSA PRIVATE KEY") == 0) {
			snprintf(err, errlen, "%s: RSA key; a P-256 (EC) key is required", path);
			return -1;
		}
		return 0;
	}
	if (kc->found) {
		snprintf(err, errlen, "%s: more than one private key", path);
		return -1;
	}
	br_skey_decoder_init(&dc);
	br_skey_decoder_push(&dc, der, len);
	if (br_skey_decoder_last_error(&dc)) {
		snprintf(err, errlen, "%s: %s not decodable (error %d)", path, name,
		         br_skey_decoder_last_error(&dc));
		goto out;
	}
	if (br_skey_decoder_key_type(&dc) != BR_KEYTYPE_EC) {
		snprintf(err, errlen, "%s: RSA key; a P-256 (EC) key is required", path);
		goto out;
	}
	ec = br_skey_decoder_get_ec(&dc);
	if (ec->curve != BR_EC_secp256r1 || ec->xlen != 32) {
		snprintf(err, errlen, "%s: EC key on curve %d; P-256 (secp256r1, 23) is required",
		         path, ec->curve);
		goto out;
	}
	memcpy(kc->k->x, ec->x, 32);
	kc->k->key.curve = BR_EC_secp256r1;
	kc->k->key.x = kc->k->x;
	kc->k->key.xlen = 32;
	kc->found = 1;
	rc = 0;
out:
	tg_wipe(&dc, sizeof dc);
	return rc;
}

static int load_ec_key(const char *path, const unsigned char *buf, size_t len,
                       struct tg_pem_key *out, char *err, size_t errlen)
{
	struct key_ctx kc = {out, 0};

	memset(out, 0, sizeof *out);
	if (pem_each(path, buf, len, key_cb, &kc, err, errlen) < 0) {
		tg_pem_wipe_key(out);
		return -1;
	}
	if (!kc.found) {
		snprintf(err, errlen, "%s: no EC PRIVATE KEY or PRIVATE KEY in the file", path);
		return -1;
	}
	return 0;
}

void tg_pem_wipe_key(struct tg_pem_key *k)
{
	tg_wipe(k, sizeof *k);
}

/* ---------------------------------------------------------------- anchors */

struct dn_buf {
	unsigned char *p;
	size_t len;
	int overflow;
};

static void dn_append(void *ctx, const void *data, size_t len)
{
	struct dn_buf *d = ctx;

	if (d->overflow || TG_PEM_DN_LEN - d->len < len) {
		d->overflow = 1;
		return;
	}
	memcpy(d->p + d->len, data, len);
	d->len += len;
}

static int anchor_cb(void *ctx, const char *name, const unsigned char *der, size_t len,
                     const char *path, char *err, size_t errlen)
{
	struct tg_pem_anchors *a = ctx;
	br_x509_decoder_context dc;
	br_x509_pkey *pk;
	br_x509_trust_anchor *ta;
	struct dn_buf dn;
	unsigned char *kb;

	if (!is_cert(name))
		return 0;
	if (a->n == TG_PEM_ANCHORS_MAX) {
		snprintf(err, errlen, "%s: more than %d anchors", path, TG_PEM_ANCHORS_MAX);
		return -1;
	}
	dn.p = a->dn[a->n];
	dn.len = 0;
	dn.overflow = 0;
	br_x509_decoder_init(&dc, dn_append, &dn);
	br_x509_decoder_push(&dc, der, len);
	pk = br_x509_decoder_get_pkey(&dc);
	if (!pk || br_x509_decoder_last_error(&dc)) {
		snprintf(err, errlen, "%s: certificate %zu not decodable (error %d)", path,
		         a->n + 1, br_x509_decoder_last_error(&dc));
		return -1;
	}
	if (dn.overflow) {
		snprintf(err, errlen, "%s: certificate %zu subject longer than %d bytes", path,
		         a->n + 1, TG_PEM_DN_LEN);
		return -1;
	}
	ta = &a->ta[a->n];
	kb = a->pkey[a->n];
	ta->dn.data = dn.p;
	ta->dn.len = dn.len;
	ta->flags = br_x509_decoder_isCA(&dc) ? BR_X509_TA_CA : 0;
	ta->pkey.key_type = pk->key_type;
	if (pk->key_type == BR_KEYTYPE_RSA &&
	    pk->key.rsa.nlen + pk->key.rsa.elen <= TG_PEM_PKEY_LEN) {
		memcpy(kb, pk->key.rsa.n, pk->key.rsa.nlen);
		memcpy(kb + pk->key.rsa.nlen, pk->key.rsa.e, pk->key.rsa.elen);
		ta->pkey.key.rsa.n = kb;
		ta->pkey.key.rsa.nlen = pk->key.rsa.nlen;
		ta->pkey.key.rsa.e = kb + pk->key.rsa.nlen;
		ta->pkey.key.rsa.elen = pk->key.rsa.elen;
	} else if (pk->key_type == BR_KEYTYPE_EC && pk->key.ec.qlen <= TG_PEM_PKEY_LEN) {
		memcpy(kb, pk->key.ec.q, pk->key.ec.qlen);
		ta->pkey.key.ec.curve = pk->key.ec.curve;
		ta->pkey.key.ec.q = kb;
		ta->pkey.key.ec.qlen = pk->key.ec.qlen;
	} else {
		snprintf(err, errlen, "%s: certificate %zu: public key too large", path, a->n + 1);
		return -1;
	}
	a->n++;
	return 0;
}

static int load_anchors(const char *path, const unsigned char *buf, size_t len,
                        struct tg_pem_anchors *out, char *err, size_t errlen)
{
	out->n = 0;
	if (pem_each(path, buf, len, anchor_cb, out, err, errlen) < 0)
		return -1;
	if (out->n == 0) {
		snprintf(err, errlen, "%s: no CERTIFICATE in the file", path);
		return -1;
	}
	return 0;
}

int tg_pem_load_chain(const char *path, struct tg_pem_chain *out, char *err, size_t errlen)
{
	return load_chain(path, NULL, 0, out, err, errlen);
}

int tg_pem_load_ec_key(const char *path, struct tg_pem_key *out, char *err, size_t errlen)
{
	return load_ec_key(path, NULL, 0, out, err, errlen);
}

int tg_pem_load_anchors(const char *path, struct tg_pem_anchors *out, char *err, size_t errlen)
{
	return load_anchors(path, NULL, 0, out, err, errlen);
}

/* A non-NULL buffer for pem_each (NULL there means "read the file"), for empty input too. */
static const unsigned char *in_memory(const unsigned char *buf)
{
	static const unsigned char none[1];

	return buf ? buf : none;
}

int tg_pem_parse_chain(const char *label, const unsigned char *buf, size_t len,
                       struct tg_pem_chain *out, char *err, size_t errlen)
{
	return load_chain(label, in_memory(buf), buf ? len : 0, out, err, errlen);
}

int tg_pem_parse_ec_key(const char *label, const unsigned char *buf, size_t len,
                        struct tg_pem_key *out, char *err, size_t errlen)
{
	return load_ec_key(label, in_memory(buf), buf ? len : 0, out, err, errlen);
}

int tg_pem_parse_anchors(const char *label, const unsigned char *buf, size_t len,
                         struct tg_pem_anchors *out, char *err, size_t errlen)
{
	return load_anchors(label, in_memory(buf), buf ? len : 0, out, err, errlen);
}

/* the leaf certificate's public key is the one of this private key */
int tg_pem_key_matches_leaf(const struct tg_pem_chain *ch, const struct tg_pem_key *k, char *err,
                            size_t errlen)
{
	unsigned char pub[BR_EC_KBUF_PUB_MAX_SIZE];
	br_x509_decoder_context dc;
	const br_x509_pkey *pk;
	br_ec_public_key ours;

	br_x509_decoder_init(&dc, NULL, NULL);
	br_x509_decoder_push(&dc, ch->certs[0].data, ch->certs[0].data_len);
	pk = br_x509_decoder_get_pkey(&dc);
	if (!pk || br_x509_decoder_last_error(&dc) != 0) {
		snprintf(err, errlen, "the first certificate cannot be decoded");
		return -1;
	}
	if (pk->key_type != BR_KEYTYPE_EC || pk->key.ec.curve != BR_EC_secp256r1) {
		snprintf(err, errlen, "the first certificate's key is not a P-256 key");
		return -1;
	}
	if (br_ec_compute_pub(&tg_ec_impl, &ours, pub, &k->key) == 0 ||
	    ours.qlen != pk->key.ec.qlen || memcmp(ours.q, pk->key.ec.q, ours.qlen) != 0) {
		snprintf(err, errlen, "the private key does not belong to the certificate "
		         "(expected the private key of the chain's first certificate)");
		return -1;
	}
	return 0;
}
