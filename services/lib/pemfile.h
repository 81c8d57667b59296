/*
 * pemfile.h - load a certificate chain, a P-256 private key and trust
 * anchors from PEM files into fixed buffers, for BearSSL (and tls13.h).
 *
 * Meant for start-up (ntsd loads its certificate and key before it drops
 * privileges; the client tools load their anchors): files are read in
 * small pieces with read(2), no allocation.  Each function returns 0, or
 * -1 with a message in err naming the file and what was wrong.
 */
#ifndef TG_PEMFILE_H
#define TG_PEMFILE_H

#include <stddef.h>

#include <bearssl.h>

#define TG_PEM_CHAIN_MAX   4    /* certificates in a chain file */
#define TG_PEM_CERT_LEN    4096 /* largest DER certificate */
#define TG_PEM_ANCHORS_MAX 256  /* trust anchors in a file (a system CA bundle has ~150) */
#define TG_PEM_DN_LEN      512  /* largest subject DN of an anchor */
#define TG_PEM_PKEY_LEN    600  /* anchor public key: RSA-4096 n + e, or an EC point */

struct tg_pem_chain {
	br_x509_certificate certs[TG_PEM_CHAIN_MAX]; /* leaf first, as in the file */
	size_t n;
	unsigned char der[TG_PEM_CHAIN_MAX][TG_PEM_CERT_LEN];
};

/* A P-256 private key (the only kind the TLS server signs with). */
struct tg_pem_key {
	br_ec_private_key key;
	unsigned char x[32];
};

struct tg_pem_anchors {
	br_x509_trust_anchor ta[TG_PEM_ANCHORS_MAX];
	size_t n;
	unsigned char dn[TG_PEM_ANCHORS_MAX][TG_PEM_DN_LEN];
	unsigned char pkey[TG_PEM_ANCHORS_MAX][TG_PEM_PKEY_LEN];
};

int tg_pem_load_chain(const char *path, struct tg_pem_chain *out, char *err, size_t errlen);
/* "EC PRIVATE KEY" (SEC 1) or PKCS#8 "PRIVATE KEY"; P-256 only. */
int tg_pem_load_ec_key(const char *path, struct tg_pem_key *out, char *err, size_t errlen);
/* Every CERTIFICATE in the file becomes an anchor (CA flag from the
 * certificate's basicConstraints). */
int tg_pem_load_anchors(const char *path, struct tg_pem_anchors *out, char *err, size_t errlen);
void tg_pem_wipe_key(struct tg_pem_key *k);
/* 0 if the chain's first certificate carries k's public key, else -1 with err. */
int tg_pem_key_matches_leaf(const struct tg_pem_chain *ch, const struct tg_pem_key *k, char *err,
                            size_t errlen);

/*
 * The same over buf[0..len) in memory (an upload, a fuzzer's input):
 * pure, no I/O; label names the input in err.
 */
int tg_pem_parse_chain(const char *label, const unsigned char *buf, size_t len,
                       struct tg_pem_chain *out, char *err, size_t errlen);
int tg_pem_parse_ec_key(const char *label, const unsigned char *buf, size_t len,
                        struct tg_pem_key *out, char *err, size_t errlen);
int tg_pem_parse_anchors(const char *label, const unsigned char *buf, size_t len,
                         struct tg_pem_anchors *out, char *err, size_t errlen);

#endif
