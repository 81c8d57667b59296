/*
 * test_aessiv.c - AES-SIV-CMAC (lib/aessiv.c).
 *
 * Known answers: RFC 5297 A.1 (deterministic, one AD string) and A.2
 * (three S2V strings: two AD strings and a nonce), checked through the
 * generic S2V and the CTR step; plus vectors for 256, 384 and 512-bit
 * keys made by an independent implementation (pyca/cryptography,
 * tests/unit/gen_aessiv_vectors.py -> aessiv_vectors.h).  Every case runs
 * on both AES backends: the file includes aessiv.c to reach its static
 * helpers and the flag that forces the constant-time ct64 code (else
 * AES-NI, lib/aesni.c, where the CPU has it).
 */
#include <bearssl.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "../../services/lib/aessiv.c"
#include "aessiv_vectors.h"

static size_t unhex(const char *h, uint8_t *out, size_t cap)
{
	size_t n = strlen(h) / 2, i;

	if (n > cap) {
		fprintf(stderr, "  hex string too long for its buffer\n");
		abort();
	}
	for (i = 0; i < n; i++) {
		unsigned v;
		if (sscanf(h + 2 * i, "%2x", &v) != 1)
			abort();
		out[i] = (uint8_t)v;
	}
	return n;
}

static const char *backend(void)
{
	return use_aesni() ? "aesni" : "ct64";
}

/* RFC 5297 A.1: S2V over (AD, plaintext), no nonce */
static void rfc5297_a1(void)
{
	uint8_t key[32], ad[24], pt[14], want[30], out[64], back[64], v[16];
	const uint8_t *str[2];
	size_t len[2];
	struct tg_siv s;

	unhex("fffefdfcfbfaf9f8f7f6f5f4f3f2f1f0f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff", key, 32);
	unhex("101112131415161718191a1b1c1d1e1f2021222324252627", ad, sizeof(ad));
	unhex("112233445566778899aabbccddee", pt, sizeof(pt));
	unhex("85632d07c6e8f37f950acd320a2ecc93"
	      "40c02b9690c4dc04daef7f6afe5c",
	      want, sizeof(want));
	CHECK_EQ_INT(tg_siv_init(&s, key, 32), 0);
	str[0] = ad;
	len[0] = sizeof(ad);
	str[1] = pt;
	len[1] = sizeof(pt);
	tg_siv_s2v(&s, str, len, 2, v);
	CHECK(memcmp(v, want, 16) == 0);
	CHECK_EQ_INT(tg_siv_seal(&s, NULL, 0, ad, sizeof(ad), pt, sizeof(pt), out, sizeof(out)),
	             30);
	CHECK(memcmp(out, want, 30) == 0);
	CHECK_EQ_INT(tg_siv_open(&s, NULL, 0, ad, sizeof(ad), out, 30, back, sizeof(back)), 14);
	CHECK(memcmp(back, pt, 14) == 0);
	tg_siv_wipe(&s);
	CHECK_EQ_INT(s.ok, 0);
}

/* RFC 5297 A.2: S2V over (AD1, AD2, nonce, plaintext) */
static void rfc5297_a2(void)
{
	uint8_t key[32], ad1[40], ad2[10], nonce[16], pt[47], want[63], v[16], out[64];
	const uint8_t *str[4];
	size_t len[4];
	struct tg_siv s;

	unhex("7f7e7d7c7b7a79787776757473727170404142434445464748494a4b4c4d4e4f", key, 32);
	unhex("00112233445566778899aabbccddeeffdeaddadadeaddadaffeeddccbbaa9988"
	      "7766554433221100",
	      ad1, sizeof(ad1));
	unhex("102030405060708090a0", ad2, sizeof(ad2));
	unhex("09f911029d74e35bd84156c5635688c0", nonce, sizeof(nonce));
	unhex("7468697320697320736f6d6520706c61696e7465787420746f20656e63727970"
	      "74207573696e67205349562d414553",
	      pt, sizeof(pt));
	unhex("7bdb6e3b432667eb06f4d14bff2fbd0fcb900f2fddbe404326601965c889bf17"
	      "dba77ceb094fa663b7a3f748ba8af829ea64ad544a272e9c485b62a3fd5c0d",
	      want, sizeof(want));
	CHECK_EQ_INT(tg_siv_init(&s, key, 32), 0);
	str[0] = ad1;
	len[0] = sizeof(ad1);
	str[1] = ad2;
	len[1] = sizeof(ad2);
	str[2] = nonce;
	len[2] = sizeof(nonce);
	str[3] = pt;
	len[3] = sizeof(pt);
	tg_siv_s2v(&s, str, len, 4, v);
	CHECK(memcmp(v, want, 16) == 0);
	/* C = CTR(K2, Q(V)) xor P, as seal does it */
	memcpy(out, pt, sizeof(pt));
	siv_ctr(&s, v, out, sizeof(pt));
	CHECK(memcmp(out, want + 16, sizeof(pt)) == 0);
	/* and back */
	siv_ctr(&s, v, out, sizeof(pt));
	CHECK(memcmp(out, pt, sizeof(pt)) == 0);
	tg_siv_wipe(&s);
}

/* The generated vectors: seal gives the exact bytes, open gives pt back. */
static void python_vectors(void)
{
	size_t i;

	for (i = 0; i < sizeof(siv_vecs) / sizeof(siv_vecs[0]); i++) {
		const struct siv_vec *t = &siv_vecs[i];
		uint8_t key[64], ad[64], nonce[16], pt[96], want[112], out[112], back[96];
		size_t kl, al, nl, pl, wl;
		struct tg_siv s;

		kl = unhex(t->key, key, sizeof(key));
		al = unhex(t->ad, ad, sizeof(ad));
		nl = unhex(t->nonce, nonce, sizeof(nonce));
		pl = unhex(t->pt, pt, sizeof(pt));
		wl = unhex(t->out, want, sizeof(want));
		CHECK_EQ_INT(wl, pl + 16);
		CHECK_EQ_INT(tg_siv_init(&s, key, kl), 0);
		CHECK_EQ_INT(s.klen, kl / 2);
		memset(out, 0xee, sizeof(out));
		CHECK_EQ_INT(tg_siv_seal(&s, nl ? nonce : NULL, nl, al ? ad : NULL, al, pt, pl, out,
		                         sizeof(out)),
		             wl);
		if (memcmp(out, want, wl) != 0) {
			fprintf(stderr,
			        "  vector %zu (key %zu, pt %zu, ad %zu, nonce %zu) differs\n", i,
			        kl, pl, al, nl);
			CHECK(0);
		}
		memset(back, 0xee, sizeof(back));
		CHECK_EQ_INT(tg_siv_open(&s, nl ? nonce : NULL, nl, al ? ad : NULL, al, out, wl,
		                         back, sizeof(back)),
		             (long)pl);
		CHECK(memcmp(back, pt, pl) == 0);
		tg_siv_wipe(&s);
	}
}

static int all_zero(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i])
			return 0;
	return 1;
}

/* Any change to tag, ciphertext, AD or nonce fails, and pt is wiped. */
static void tamper(void)
{
	static const uint16_t aeads[] = {TG_SIV_AEAD_256, TG_SIV_AEAD_384, TG_SIV_AEAD_512};
	uint8_t key[64], ad[20], nonce[16], pt[40], ct[56], bad[56], back[40];
	size_t a, i;
	int bit;

	for (i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)(i * 13 + 1);
	memset(ad, 0xad, sizeof(ad));
	memset(nonce, 0x77, sizeof(nonce));
	for (i = 0; i < sizeof(pt); i++)
		pt[i] = (uint8_t)(0x40 + i);
	for (a = 0; a < 3; a++) {
		struct tg_siv s;
		size_t kl = tg_siv_key_len(aeads[a]);

		CHECK_EQ_INT(tg_siv_init(&s, key, kl), 0);
		CHECK_EQ_INT(
		    tg_siv_seal(&s, nonce, 16, ad, sizeof(ad), pt, sizeof(pt), ct, sizeof(ct)),
		    sizeof(ct));
		for (i = 0; i < sizeof(ct); i++) {
			for (bit = 0; bit < 8; bit += 3) {
				memcpy(bad, ct, sizeof(ct));
				bad[i] ^= (uint8_t)(1u << bit);
				memset(back, 0xee, sizeof(back));
				CHECK_EQ_INT(tg_siv_open(&s, nonce, 16, ad, sizeof(ad), bad,
				                         sizeof(bad), back, sizeof(back)),
				             -1);
				CHECK(all_zero(back, sizeof(back)));
			}
		}
		for (i = 0; i < sizeof(ad); i++) {
			ad[i] ^= 1;
			memset(back, 0xee, sizeof(back));
			CHECK_EQ_INT(tg_siv_open(&s, nonce, 16, ad, sizeof(ad), ct, sizeof(ct),
			                         back, sizeof(back)),
			             -1);
			CHECK(all_zero(back, sizeof(back)));
			ad[i] ^= 1;
		}
		for (i = 0; i < sizeof(nonce); i++) {
			nonce[i] ^= 0x80;
			CHECK_EQ_INT(tg_siv_open(&s, nonce, 16, ad, sizeof(ad), ct, sizeof(ct),
			                         back, sizeof(back)),
			             -1);
			nonce[i] ^= 0x80;
		}
		/* shorter AD, nonce left out, a truncated message */
		CHECK_EQ_INT(tg_siv_open(&s, nonce, 16, ad, sizeof(ad) - 1, ct, sizeof(ct), back,
		                         sizeof(back)),
		             -1);
		CHECK_EQ_INT(
		    tg_siv_open(&s, NULL, 0, ad, sizeof(ad), ct, sizeof(ct), back, sizeof(back)),
		    -1);
		CHECK_EQ_INT(tg_siv_open(&s, nonce, 16, ad, sizeof(ad), ct, sizeof(ct) - 1, back,
		                         sizeof(back)),
		             -1);
		/* the untouched message still opens */
		CHECK_EQ_INT(
		    tg_siv_open(&s, nonce, 16, ad, sizeof(ad), ct, sizeof(ct), back, sizeof(back)),
		    sizeof(pt));
		CHECK(memcmp(back, pt, sizeof(pt)) == 0);
		/* another key does not */
		key[0] ^= 1;
		CHECK_EQ_INT(tg_siv_init(&s, key, kl), 0);
		key[0] ^= 1;
		CHECK_EQ_INT(
		    tg_siv_open(&s, nonce, 16, ad, sizeof(ad), ct, sizeof(ct), back, sizeof(back)),
		    -1);
		CHECK(all_zero(back, sizeof(back)));
		tg_siv_wipe(&s);
	}
}

static void limits(void)
{
	uint8_t key[64] = {1}, pt[17] = {2}, out[33], back[17];
	struct tg_siv s;
	size_t l;

	CHECK_EQ_INT(tg_siv_key_len(TG_SIV_AEAD_256), 32);
	CHECK_EQ_INT(tg_siv_key_len(TG_SIV_AEAD_384), 48);
	CHECK_EQ_INT(tg_siv_key_len(TG_SIV_AEAD_512), 64);
	CHECK_EQ_INT(tg_siv_key_len(0), 0);
	CHECK_EQ_INT(tg_siv_key_len(14), 0);
	CHECK_EQ_INT(tg_siv_key_len(18), 0);
	CHECK_EQ_INT(tg_siv_key_len(30), 0); /* AES-128-GCM-SIV is not ours */
	for (l = 0; l <= 64; l++) {
		int want = (l == 32 || l == 48 || l == 64) ? 0 : -1;
		CHECK_EQ_INT(tg_siv_init(&s, key, l), want);
		CHECK_EQ_INT(s.ok, want == 0);
	}
	/* a refused key leaves a context that seals and opens nothing */
	CHECK_EQ_INT(tg_siv_init(&s, key, 16), -1);
	CHECK_EQ_INT(tg_siv_seal(&s, NULL, 0, NULL, 0, pt, sizeof(pt), out, sizeof(out)), 0);
	memset(out, 0, sizeof(out));
	CHECK_EQ_INT(tg_siv_open(&s, NULL, 0, NULL, 0, out, sizeof(out), back, sizeof(back)), -1);

	CHECK_EQ_INT(tg_siv_init(&s, key, 32), 0);
	CHECK_EQ_INT(tg_siv_seal(&s, NULL, 0, NULL, 0, pt, sizeof(pt), out, sizeof(out) - 1), 0);
	CHECK_EQ_INT(tg_siv_seal(&s, NULL, 0, NULL, 0, pt, sizeof(pt), out, 15), 0);
	CHECK_EQ_INT(tg_siv_seal(&s, NULL, 0, NULL, 0, pt, sizeof(pt), out, 0), 0);
	CHECK_EQ_INT(tg_siv_seal(&s, NULL, 0, NULL, 0, pt, sizeof(pt), out, sizeof(out)), 33);
	CHECK_EQ_INT(tg_siv_open(&s, NULL, 0, NULL, 0, out, sizeof(out), back, sizeof(back) - 1),
	             -1);
	CHECK_EQ_INT(tg_siv_open(&s, NULL, 0, NULL, 0, out, 15, back, sizeof(back)), -1);
	CHECK_EQ_INT(tg_siv_open(&s, NULL, 0, NULL, 0, out, 0, back, sizeof(back)), -1);
	CHECK_EQ_INT(tg_siv_open(&s, NULL, 0, NULL, 0, out, sizeof(out), back, sizeof(back)), 17);
	CHECK(memcmp(back, pt, sizeof(pt)) == 0);
	/* empty plaintext: just the tag, opens to length 0 */
	CHECK_EQ_INT(tg_siv_seal(&s, NULL, 0, NULL, 0, NULL, 0, out, 16), 16);
	CHECK_EQ_INT(tg_siv_open(&s, NULL, 0, NULL, 0, out, 16, NULL, 0), 0);
	out[3] ^= 1;
	CHECK_EQ_INT(tg_siv_open(&s, NULL, 0, NULL, 0, out, 16, NULL, 0), -1);
	tg_siv_wipe(&s);
}

/* Sealing in place (out == pt buffer start, pt moved by seal) and opening in place. */
static void in_place(void)
{
	uint8_t key[48], buf[16 + 70], pt[70];
	struct tg_siv s;
	size_t i;

	for (i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)(0xa0 ^ i);
	for (i = 0; i < sizeof(pt); i++)
		pt[i] = (uint8_t)i;
	CHECK_EQ_INT(tg_siv_init(&s, key, sizeof(key)), 0);
	memcpy(buf, pt, sizeof(pt));
	CHECK_EQ_INT(tg_siv_seal(&s, pt, 16, key, 5, buf, sizeof(pt), buf, sizeof(buf)),
	             sizeof(buf));
	CHECK_EQ_INT(tg_siv_open(&s, pt, 16, key, 5, buf, sizeof(buf), buf, sizeof(buf)),
	             sizeof(pt));
	CHECK(memcmp(buf, pt, sizeof(pt)) == 0);
	tg_siv_wipe(&s);
}

/* Random lengths: both backends give the same bytes and round-trip. */
static void backends_agree(void)
{
	uint8_t key[64], ad[40], nonce[16], pt[300], a[316], b[316], back[300];
	struct tg_siv s, t;
	int it;

	for (it = 0; it < 200; it++) {
		size_t kl = 32 + 16 * (check_rand() % 3), al = check_rand() % sizeof(ad);
		size_t nl = check_rand() % 2 ? 16 : 0, pl = check_rand() % sizeof(pt), i;

		for (i = 0; i < kl; i++)
			key[i] = (uint8_t)check_rand();
		for (i = 0; i < al; i++)
			ad[i] = (uint8_t)check_rand();
		for (i = 0; i < nl; i++)
			nonce[i] = (uint8_t)check_rand();
		for (i = 0; i < pl; i++)
			pt[i] = (uint8_t)check_rand();
		/* the backend is fixed when a context is keyed */
		siv_force_ct64 = 0;
		CHECK_EQ_INT(tg_siv_init(&s, key, kl), 0);
		siv_force_ct64 = 1;
		CHECK_EQ_INT(tg_siv_init(&t, key, kl), 0);
		siv_force_ct64 = 0;
		CHECK_EQ_INT(s.ni, tg_aesni_available());
		CHECK_EQ_INT(t.ni, 0);
		CHECK_EQ_INT(tg_siv_seal(&s, nonce, nl, ad, al, pt, pl, a, sizeof(a)), pl + 16);
		CHECK_EQ_INT(tg_siv_seal(&t, nonce, nl, ad, al, pt, pl, b, sizeof(b)), pl + 16);
		CHECK(memcmp(a, b, pl + 16) == 0);
		CHECK_EQ_INT(tg_siv_open(&s, nonce, nl, ad, al, b, pl + 16, back, sizeof(back)),
		             (long)pl);
		CHECK(memcmp(back, pt, pl) == 0);
		CHECK_EQ_INT(tg_siv_open(&t, nonce, nl, ad, al, a, pl + 16, back, sizeof(back)),
		             (long)pl);
		CHECK(memcmp(back, pt, pl) == 0);
		tg_siv_wipe(&t);
		tg_siv_wipe(&s);
	}
	siv_force_ct64 = 0;
}

int main(void)
{
	int pass;

	check_seed();
	for (pass = 0; pass < 2; pass++) {
		siv_force_ct64 = pass;
		fprintf(stderr, "  AES backend: %s\n", backend());
		RUN(rfc5297_a1);
		RUN(rfc5297_a2);
		RUN(python_vectors);
		RUN(tamper);
		RUN(limits);
		RUN(in_place);
	}
	siv_force_ct64 = 0;
	RUN(backends_agree);
	return check_exit();
}
