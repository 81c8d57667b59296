/*
 * certgen.h - the console's own TLS identity: a P-256 key pair, a
 * self-signed X.509 v3 server certificate and a PKCS#10 certificate
 * request for it, as DER, and PEM text for the files.
 *
 * consoled serves HTTPS before anyone has given the device a certificate:
 * on first start it makes a key and a self-signed certificate for its
 * names (the operator pins or accepts it), and it can hand out a CSR for
 * the same key so a site CA can issue a real one.  BearSSL parses
 * certificates but does not write them, hence this small DER writer.
 *
 * What is written (RFC 5280, RFC 2986, RFC 5915, RFC 5758):
 *   - certificate: version 3, the serial given (top bit cleared: a
 *     positive INTEGER, minimal encoding), ecdsa-with-SHA256, issuer =
 *     subject = CN=<cn> (UTF8String), validity in UTCTime up to 2049 and
 *     GeneralizedTime from 2050, SPKI id-ecPublicKey / prime256v1, and the
 *     extensions basicConstraints CA:FALSE (critical), keyUsage
 *     digitalSignature (critical), extKeyUsage serverAuth,
 *     subjectAltName (dNSName..., iPAddress...), subjectKeyIdentifier
 *     (SHA-1 of the public key, RFC 5280 4.2.1.2 method 1);
 *   - CSR: version 0, the same subject and SPKI, and the subjectAltName
 *     in an extensionRequest attribute (PKCS#9), ecdsa-with-SHA256;
 *   - key: SEC 1 ECPrivateKey with the curve OID and the public key
 *     (the "EC PRIVATE KEY" openssl writes and lib/pemfile reads).
 * Signatures are deterministic ECDSA (RFC 6979, BearSSL), DER-encoded.
 *
 * Names: cn is 1..TG_CERTGEN_NAME_MAX printable ASCII characters (0x20 to
 * 0x7e); each DNS name is 1..TG_CERTGEN_NAME_MAX characters of host-name
 * syntax (labels of letters, digits and '-', not starting or ending with
 * '-', separated by single dots; no wildcard).  At least one DNS name or
 * IPv4 address is required: browsers and BearSSL match the server name
 * against the subjectAltName, a certificate without one serves nobody.
 *
 * Pure functions: the caller passes random bytes (a PRNG for the key, the
 * serial) and the times; nothing reads a clock, allocates or logs.  The
 * private key is copied to the stack only while signing and wiped; no
 * error message contains key material.  Each function returns 0, or -1
 * with err naming what was expected and what was seen (nothing usable in
 * the output then).
 */
#ifndef TG_CERTGEN_H
#define TG_CERTGEN_H

#include <stddef.h>
#include <stdint.h>

#include <bearssl_rand.h>

#define TG_CERTGEN_NAME_MAX  64 /* characters of the CN and of each DNS name (ub-common-name) */
#define TG_CERTGEN_NAMES_MAX 16 /* DNS names, and IPv4 addresses, in the subjectAltName */
/* Output buffers that are always enough, whatever the names (the largest
 * certificate, 16 DNS names of 64 characters, is about 1.7 KiB). */
#define TG_CERTGEN_DER_MAX 4096
#define TG_CERTGEN_KEY_DER_LEN 121 /* tg_certgen_key_der's output, always this long */
/* PEM text of n DER bytes with the label: base64 in 64-character lines,
 * header, footer and the NUL (an upper bound). */
#define TG_PEM_LEN(n, label_len) ((((n) + 2) / 3) * 4 + ((n) + 47) / 48 + 2 * (label_len) + 34)

/*
 * A P-256 key pair from rng: priv the scalar (big-endian, 1..n-1), pub
 * the uncompressed point 0x04 || X || Y.  Returns 0 (or -1 if BearSSL
 * refuses the curve, which it never should).
 */
int tg_certgen_key(const br_prng_class **rng, uint8_t priv[32], uint8_t pub[65]);

/*
 * The self-signed certificate into der[0..*len) (cap bytes available).
 * dns[0..ndns) and ipv4[0..nip) (network byte order) go into the
 * subjectAltName in that order.  not_before and not_after are Unix
 * seconds (UTC), 1950-01-01 to 9999-12-31, not_before <= not_after.
 * serial is 16 random bytes; its top bit is cleared here, and it must
 * not then be all zero.  pub must be priv's public key (checked).
 */
int tg_certgen_self_signed(const uint8_t priv[32], const uint8_t pub[65], const char *cn,
                           const char *const *dns, int ndns, const uint8_t (*ipv4)[4], int nip,
                           int64_t not_before, int64_t not_after, const uint8_t serial[16],
                           uint8_t *der, size_t cap, size_t *len, char *err, size_t errlen);

/*
 * A PKCS#10 certificate request for the same subject, key and DNS names
 * (a site CA adds its own addresses and usages), into der[0..*len).
 */
int tg_certgen_csr(const uint8_t priv[32], const uint8_t pub[65], const char *cn,
                   const char *const *dns, int ndns, uint8_t *der, size_t cap, size_t *len,
                   char *err, size_t errlen);

/*
 * The key pair as SEC 1 ECPrivateKey DER (TG_CERTGEN_KEY_DER_LEN bytes)
 * into der[0..*len).  Returns 0, or -1 when cap is too small.  The
 * output is secret: the caller wipes it (lib/ct.h tg_wipe) after use.
 */
int tg_certgen_key_der(const uint8_t priv[32], const uint8_t pub[65], uint8_t *der, size_t cap,
                       size_t *len);

/*
 * PEM text "-----BEGIN <label>-----\n", base64 of der[0..len) in lines
 * of 64 characters, "-----END <label>-----\n", NUL-terminated, into
 * out[0..cap).  label is 1..32 characters of A-Z, 0-9 and inner single
 * spaces ("CERTIFICATE", "CERTIFICATE REQUEST", "EC PRIVATE KEY").
 * Returns the text's length without the NUL, or -1 (label refused, len
 * 0 or above 64 KiB, or cap too small: TG_PEM_LEN(len, strlen(label))
 * is always enough; out is then the empty string when cap > 0).
 */
int tg_pem_write(const char *label, const uint8_t *der, size_t len, char *out, size_t cap);

#endif
