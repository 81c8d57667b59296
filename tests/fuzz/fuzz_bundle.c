/*
 * fuzz_bundle.c - the update bundle parsers (lib/bundle.c) on arbitrary
 * bytes.  The first input byte picks the target, the rest is its input:
 *
 *   0 (mod 3)  tg_bundle_manifest_parse; on success the manifest must be
 *              in its one canonical spelling: formatting the parsed
 *              struct gives back exactly the input bytes
 *   1          tg_bundle_keyring_parse; on success every entry is a named,
 *              uncompressed point on the curve, at least one trusted
 *   2          a bundle as the agent reads it: tg_bundle_header, then
 *              tg_bundle_verify against the built-in ring below (before
 *              any parsing), then the manifest; a verified bundle names
 *              a trusted key
 *
 * The built-in ring holds the public keys of the private scalars
 * 7f11..11 and 7f12..12 (trusted) and 7f13..13 (revoked), the keys 0, 1
 * and 2 of tests/unit/test_bundle.c; the seeds bundle_signed* in
 * tests/fuzz/corpus/bundle/ were signed with them by tg-bundle
 * sign-manifest, so the fuzzer starts with inputs that pass the
 * signature and reach the manifest parser through the agent's path.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <bearssl_ec.h>

#include "bundle.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char ring_text[] =
    "# fuzz ring: keys 0 and 1 of test_bundle.c trusted, key 2 revoked\n"
    "key k0 046eb61c27ab8b8ed3ad8422c17ec282a8bf241acfca73bdbd4c1de872f79c887b"
    "912a4da94cd61cd1f695ff642c9b84c4eecb2db591e24d2d55c26f98014764ba\n"
    "key k1 04791e1266bfd76f58e43e6d677f4844fbc53cb65088bbdd264d2e963891e24e0b"
    "25fa01471adfcf2dd273d6f35df45dc6ac5db9f937b667ea5dc34c6726c1e3ce\n"
    "revoked k2 048cd1fdab2a44b4455ff0da5300fd9c38c04fca85cd1fbd430010a88b027099ee"
    "6b930ad28f5849a5bd593f19b2298ef98a563f6b46728960770331a8dc7f7c99\n";

static struct tg_bundle_keyring ring;
static int ring_ready;

/* err must be terminated and, on refusal, say something */
static void check_err(const char *err, size_t errlen, int rc)
{
	if (!memchr(err, '\0', errlen))
		abort();
	if (rc != 0 && !err[0])
		abort();
}

static void fuzz_manifest(const uint8_t *d, size_t n)
{
	static char out[TG_BUNDLE_MANIFEST_MAX + 1];
	struct tg_bundle_manifest m;
	char err[512];
	int rc;

	memset(err, 'x', sizeof err);
	err[0] = '\0';
	rc = tg_bundle_manifest_parse((const char *)d, n, &m, err, sizeof err);
	check_err(err, sizeof err, rc);
	if (rc != 0)
		return;
	if (m.format != 1 || m.image[0].size == 0 || m.image[1].size > TG_BUNDLE_SIZE_MAX ||
	    strcmp(m.image[0].target, "boot") != 0 || strcmp(m.image[1].target, "root") != 0)
		abort();
	if (tg_bundle_manifest_format(&m, out, sizeof out) != n || memcmp(out, d, n) != 0)
		abort();
}

static void fuzz_keyring(const uint8_t *d, size_t n)
{
	static const uint8_t one = 1;
	struct tg_bundle_keyring kr;
	char err[512];
	int rc, i, trusted = 0;

	err[0] = '\0';
	rc = tg_bundle_keyring_parse((const char *)d, n, &kr, err, sizeof err);
	check_err(err, sizeof err, rc);
	if (rc != 0) {
		if (kr.n != 0)
			abort();
		return;
	}
	if (kr.n < 1 || kr.n > TG_BUNDLE_KEYS_MAX)
		abort();
	for (i = 0; i < kr.n; i++) {
		uint8_t p[65];
		size_t l = strnlen(kr.key[i].name, sizeof kr.key[i].name);

		if (l == 0 || l >= sizeof kr.key[i].name || kr.key[i].pub[0] != 0x04)
			abort();
		memcpy(p, kr.key[i].pub, sizeof p);
		if (br_ec_p256_m31.mul(p, sizeof p, &one, 1, BR_EC_secp256r1) != 1)
			abort();
		trusted += !kr.key[i].revoked;
	}
	if (!trusted)
		abort();
}

static void fuzz_bundle(const uint8_t *d, size_t n)
{
	const struct tg_bundle_key *key = NULL;
	struct tg_bundle_manifest m;
	char err[512];
	uint32_t ml = 0;
	int rc;

	if (!ring_ready) {
		if (tg_bundle_keyring_parse(ring_text, sizeof ring_text - 1, &ring, err,
		                            sizeof err) != 0)
			abort();
		ring_ready = 1;
	}
	err[0] = '\0';
	rc = tg_bundle_header(d, n, &ml, err, sizeof err);
	check_err(err, sizeof err, rc);
	if (rc != 0)
		return;
	if (ml < 1 || ml > TG_BUNDLE_MANIFEST_MAX)
		abort();
	if (n < TG_BUNDLE_HDR + (size_t)ml + TG_BUNDLE_SIG)
		return; /* the agent would say "bundle truncated" */
	rc = tg_bundle_verify(d, TG_BUNDLE_HDR + ml, d + TG_BUNDLE_HDR + ml, &ring, &key, err,
	                      sizeof err);
	check_err(err, sizeof err, rc);
	if (rc != 0) {
		if (key)
			abort();
		return;
	}
	if (!key || key->revoked || key < ring.key || key >= ring.key + ring.n)
		abort();
	rc = tg_bundle_manifest_parse((const char *)d + TG_BUNDLE_HDR, ml, &m, err, sizeof err);
	check_err(err, sizeof err, rc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	switch (data[0] % 3) {
	case 0:
		fuzz_manifest(data + 1, size - 1);
		break;
	case 1:
		fuzz_keyring(data + 1, size - 1);
		break;
	default:
		fuzz_bundle(data + 1, size - 1);
		break;
	}
	return 0;
}
