/*
 * fuzz_pem.c - libFuzzer harness over lib/pemfile.c, the reader of the
 * TLS certificate chain, the server's private key and trust anchors
 * (ntsd's tls-cert / tls-key, nts-query's CA file; later the console's
 * certificate upload): the same input goes to the three parsers, each
 * either refuses it with a message or returns what it promises.
 * Seeds: tests/fuzz/corpus/pem/ (throwaway keys made with openssl).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pemfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void said_why(int rc, const char *err)
{
	if (rc < 0 && (err[0] == '\0' || strncmp(err, "in: ", 4) != 0))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tg_pem_chain chain;
	static struct tg_pem_key key;
	static struct tg_pem_anchors anchors;
	char err[256];
	size_t i;
	int rc;

	err[0] = '\0';
	rc = tg_pem_parse_chain("in", data, size, &chain, err, sizeof(err));
	said_why(rc, err);
	if (rc == 0) {
		if (chain.n < 1 || chain.n > TG_PEM_CHAIN_MAX)
			abort();
		for (i = 0; i < chain.n; i++)
			if (chain.certs[i].data != chain.der[i] || chain.certs[i].data_len == 0 ||
			    chain.certs[i].data_len > TG_PEM_CERT_LEN)
				abort();
	}
	err[0] = '\0';
	rc = tg_pem_parse_ec_key("in", data, size, &key, err, sizeof(err));
	said_why(rc, err);
	if (rc == 0 && (key.key.curve != BR_EC_secp256r1 || key.key.xlen != 32 || key.key.x != key.x))
		abort();
	tg_pem_wipe_key(&key);
	err[0] = '\0';
	rc = tg_pem_parse_anchors("in", data, size, &anchors, err, sizeof(err));
	said_why(rc, err);
	if (rc == 0 && (anchors.n < 1 || anchors.n > TG_PEM_ANCHORS_MAX))
		abort();
	return 0;
}
