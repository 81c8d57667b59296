/*
 * tg-certgen - lib/certgen.c from the command line, so that
 * tests/system/test_certgen.sh can hand its output to the openssl CLI.
 *
 *   tg-certgen --cn CN [--dns NAME]... [--ip A.B.C.D]... [--not-before UNIX]
 *              [--not-after UNIX] [--days N] KEY.pem CERT.pem CSR.pem
 *
 * Makes a new P-256 key (lib/rng.h), a self-signed certificate for it
 * and a CSR, and writes them as PEM: KEY.pem ("EC PRIVATE KEY", mode
 * 0600), CERT.pem ("CERTIFICATE"), CSR.pem ("CERTIFICATE REQUEST").
 * Validity: --not-before (default: now) to --not-after (default:
 * not-before + --days, default 365 days).  A test tool: it reads the
 * clock for the defaults, which lib/certgen never does.
 *
 * Exit: 0 ok; 100 usage, or a name or time certgen refused (its message
 * on stderr); 111 a system call failed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "certgen.h"
#include "ct.h"
#include "fileio.h"
#include "rng.h"

static void usage(void)
{
	fprintf(stderr, "usage: tg-certgen --cn CN [--dns NAME]... [--ip A.B.C.D]... "
	                "[--not-before UNIX] [--not-after UNIX] [--days N] KEY.pem CERT.pem "
	                "CSR.pem\n");
	exit(100);
}

static int64_t number(const char *opt, const char *s)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s || *end) {
		fprintf(stderr, "tg-certgen: %s: expected a decimal number, got '%s'\n", opt, s);
		exit(100);
	}
	return v;
}

static void write_pem(const char *path, const char *label, const uint8_t *der, size_t len,
                      unsigned mode)
{
	char pem[TG_PEM_LEN(TG_CERTGEN_DER_MAX, 32)];
	int n = tg_pem_write(label, der, len, pem, sizeof pem);

	if (n < 0) {
		fprintf(stderr, "tg-certgen: %s: PEM encoding failed\n", path);
		exit(111);
	}
	if (tg_write_file_atomic(path, pem, (size_t)n, mode) < 0) {
		fprintf(stderr, "tg-certgen: %s: %s\n", path, strerror(errno));
		exit(111);
	}
	tg_wipe(pem, sizeof pem);
}

int main(int argc, char **argv)
{
	const char *cn = NULL, *dns[TG_CERTGEN_NAMES_MAX + 1];
	uint8_t ip[TG_CERTGEN_NAMES_MAX + 1][4];
	int ndns = 0, nip = 0, i, have_nb = 0, have_na = 0;
	int64_t nb = 0, na = 0, days = 365;
	uint8_t priv[32], pub[65], serial[16], der[TG_CERTGEN_DER_MAX];
	size_t len;
	char err[256];
	struct tg_rng rng;

	for (i = 1; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
		const char *opt = argv[i];

		if (i + 1 >= argc)
			usage();
		if (strcmp(opt, "--cn") == 0) {
			cn = argv[++i];
		} else if (strcmp(opt, "--dns") == 0) {
			/* one more than certgen takes, so that its refusal is what is seen */
			if (ndns <= TG_CERTGEN_NAMES_MAX)
				dns[ndns] = argv[i + 1];
			ndns++;
			i++;
		} else if (strcmp(opt, "--ip") == 0) {
			struct in_addr a;

			if (inet_pton(AF_INET, argv[i + 1], &a) != 1) {
				fprintf(stderr, "tg-certgen: --ip: expected A.B.C.D, got '%s'\n",
				        argv[i + 1]);
				return 100;
			}
			if (nip <= TG_CERTGEN_NAMES_MAX)
				memcpy(ip[nip], &a, 4);
			nip++;
			i++;
		} else if (strcmp(opt, "--not-before") == 0) {
			nb = number(opt, argv[++i]);
			have_nb = 1;
		} else if (strcmp(opt, "--not-after") == 0) {
			na = number(opt, argv[++i]);
			have_na = 1;
		} else if (strcmp(opt, "--days") == 0) {
			days = number(opt, argv[++i]);
		} else {
			usage();
		}
	}
	if (argc - i != 3 || !cn)
		usage();
	if (ndns > TG_CERTGEN_NAMES_MAX + 1)
		ndns = TG_CERTGEN_NAMES_MAX + 1;
	if (nip > TG_CERTGEN_NAMES_MAX + 1)
		nip = TG_CERTGEN_NAMES_MAX + 1;
	if (!have_nb)
		nb = (int64_t)time(NULL);
	if (!have_na)
		na = nb + days * 86400;

	if (tg_rng_init(&rng) < 0) {
		fprintf(stderr, "tg-certgen: getrandom: %s\n", strerror(errno));
		return 111;
	}
	if (tg_certgen_key(tg_rng_prng(&rng), priv, pub) < 0) {
		fprintf(stderr, "tg-certgen: key generation failed\n");
		return 111;
	}
	tg_rng_rekey(&rng);
	tg_rng_bytes(&rng, serial, sizeof serial);

	if (tg_certgen_self_signed(priv, pub, cn, dns, ndns, (const uint8_t(*)[4])ip, nip, nb, na,
	                           serial, der, sizeof der, &len, err, sizeof err) < 0) {
		fprintf(stderr, "tg-certgen: %s\n", err);
		return 100;
	}
	write_pem(argv[i + 1], "CERTIFICATE", der, len, 0644);
	if (tg_certgen_csr(priv, pub, cn, dns, ndns, der, sizeof der, &len, err, sizeof err) < 0) {
		fprintf(stderr, "tg-certgen: %s\n", err);
		return 100;
	}
	write_pem(argv[i + 2], "CERTIFICATE REQUEST", der, len, 0644);
	if (tg_certgen_key_der(priv, pub, der, sizeof der, &len) < 0) {
		fprintf(stderr, "tg-certgen: key DER failed\n");
		return 111;
	}
	write_pem(argv[i], "EC PRIVATE KEY", der, len, 0600);
	tg_wipe(der, sizeof der);
	tg_wipe(priv, sizeof priv);
	tg_rng_wipe(&rng);
	return 0;
}
