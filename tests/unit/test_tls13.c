/*
 * test_tls13.c - lib/tls13*.c and lib/pemfile.c: primitive known-answer
 * vectors, the RFC 8448 section 3 trace (key schedule and record
 * protection), and whole handshakes between our client and our server in
 * memory, good and bad.  RSA-PSS verification is checked against
 * signatures openssl made once.
 *
 * The certificates come from tests/unit/data/tls/ (gen.sh there made them:
 * a P-256 CA, a P-256 leaf for localhost signed by it, another CA).
 */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "pemfile.h"
#include "tls13.h"
#include "tls13_int.h"

#ifndef TLS_TOP
#define TLS_TOP "."
#endif

/* Hex with any spacing to bytes; returns the length. */
static size_t unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;
	int hi = -1;

	for (; *s; s++) {
		int v;

		if (*s >= '0' && *s <= '9')
			v = *s - '0';
		else if (*s >= 'a' && *s <= 'f')
			v = *s - 'a' + 10;
		else if (*s >= 'A' && *s <= 'F')
			v = *s - 'A' + 10;
		else
			continue;
		if (hi < 0) {
			hi = v;
		} else {
			if (n < cap)
				out[n] = (uint8_t)(hi << 4 | v);
			n++;
			hi = -1;
		}
	}
	return n;
}

/* a == hex? (prints both when not) */
static int eq_hex(const uint8_t *a, size_t n, const char *hex)
{
	uint8_t b[1024];
	size_t bn = unhex(hex, b, sizeof b);

	if (bn == n && memcmp(a, b, n) == 0)
		return 1;
	fprintf(stderr, "  got  ");
	for (size_t i = 0; i < n; i++)
		fprintf(stderr, "%02x", a[i]);
	fprintf(stderr, "\n  want %s\n", hex);
	return 0;
}

/* ------------------------------------------------------------- primitives */

static void test_hkdf_rfc5869(void)
{
	uint8_t ikm[22], salt[13], info[10], prk[32], okm[42];

	memset(ikm, 0x0b, sizeof ikm);
	for (int i = 0; i < 13; i++)
		salt[i] = (uint8_t)i;
	for (int i = 0; i < 10; i++)
		info[i] = (uint8_t)(0xf0 + i);
	tg_tls_hkdf_extract(&br_sha256_vtable, salt, sizeof salt, ikm, sizeof ikm, prk);
	CHECK(eq_hex(prk, 32, "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5"));
	tg_tls_hkdf_expand(&br_sha256_vtable, prk, 32, info, sizeof info, okm, sizeof okm);
	CHECK(eq_hex(okm, 42,
	             "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf"
	             "34007208d5b887185865"));
}

static void test_x25519_rfc7748(void)
{
	const br_ec_impl *ec = &br_ec_c25519_m31;
	uint8_t a[32], b[32], pa[32], pb[32], s1[32], s2[32];

	unhex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a", a, 32);
	unhex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb", b, 32);
	memset(pa, 0, 32);
	pa[0] = 9; /* the base point u = 9 */
	memcpy(pb, pa, 32);
	CHECK(ec->mul(pa, 32, a, 32, BR_EC_curve25519) == 1);
	CHECK(ec->mul(pb, 32, b, 32, BR_EC_curve25519) == 1);
	CHECK(eq_hex(pa, 32, "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"));
	CHECK(eq_hex(pb, 32, "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f"));
	memcpy(s1, pb, 32);
	memcpy(s2, pa, 32);
	CHECK(ec->mul(s1, 32, a, 32, BR_EC_curve25519) == 1);
	CHECK(ec->mul(s2, 32, b, 32, BR_EC_curve25519) == 1);
	CHECK(eq_hex(s1, 32, "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742"));
	CHECK(memcmp(s1, s2, 32) == 0);
}

static void test_aes128gcm(void)
{
	/* GCM spec (McGrew & Viega) test case 2: zero key, IV and block */
	uint8_t key[16] = {0}, n[12] = {0}, d[16] = {0}, tag[16];

	tg_tls_aead(TG_TLS_AES_128_GCM_SHA256, key, n, NULL, 0, d, 16, tag, 1);
	CHECK(eq_hex(d, 16, "0388dace60b6a392f328c2b971b2fe78"));
	CHECK(eq_hex(tag, 16, "ab6e47d42cec13bdf53a67b21257bddf"));
	CHECK(tg_tls_aead(TG_TLS_AES_128_GCM_SHA256, key, n, NULL, 0, d, 16, tag, 0) == 1);
	CHECK(d[0] == 0 && d[15] == 0);
	tag[3] ^= 1;
	CHECK(tg_tls_aead(TG_TLS_AES_128_GCM_SHA256, key, n, NULL, 0, d, 16, tag, 0) == 0);
}

static void test_chacha20poly1305_rfc8439(void)
{
	static const char pt[] = "Ladies and Gentlemen of the class of '99: If I could offer you "
	                         "only one tip for the future, sunscreen would be it.";
	uint8_t key[32], n[12], aad[12], d[sizeof pt - 1], tag[16];

	for (int i = 0; i < 32; i++)
		key[i] = (uint8_t)(0x80 + i);
	unhex("07000000 4041424344454647", n, 12);
	unhex("50515253c0c1c2c3c4c5c6c7", aad, 12);
	memcpy(d, pt, sizeof d);
	tg_tls_aead(TG_TLS_CHACHA20_POLY1305_SHA256, key, n, aad, 12, d, sizeof d, tag, 1);
	CHECK(eq_hex(d, sizeof d,
	             "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d6"
	             "3dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36"
	             "92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc"
	             "3ff4def08e4b7a9de576d26586cec64b6116"));
	CHECK(eq_hex(tag, 16, "1ae10b594f09e26a7e902ecbd0600691"));
	CHECK(tg_tls_aead(TG_TLS_CHACHA20_POLY1305_SHA256, key, n, aad, 12, d, sizeof d, tag, 0) ==
	      1);
	CHECK(memcmp(d, pt, sizeof d) == 0);
	aad[0] ^= 1;
	CHECK(tg_tls_aead(TG_TLS_CHACHA20_POLY1305_SHA256, key, n, aad, 12, d, sizeof d, tag, 0) ==
	      0);
}

/* RSASSA-PSS (RFC 8017 9.1.2) against signatures made once with openssl
 * (RSA-2048, message "timegate pss test"; salt = hash length as TLS 1.3
 * requires, and one with a 20-byte salt that must be refused). */
static const char pss_n[] = "d4f3fd8d216680c2796d11706a3ebc2e960bc43932bce9735115517f1f0b819e"
                            "37ccf20562a7c6adaf454dd0de77e61316cf9955d1aa20d872bc4242deed4d47"
                            "6029da7adcd2ed30d31502e6e224dffa3bc9e066cc4fab187a75a839fd526553"
                            "07acbfb0bf7c617b927b9cacd912537c3aa6475054b63fa104243c6b4728ec49"
                            "9738fe2396010d4d2a02596d77a489c0ac835fb60baa8add2fc99fdfd61da2b5"
                            "a3504099d771d9c1af8316d383c8ba7c08cd3d17ac6ca52f5e0b726666e9ca28"
                            "76fed464951bb7ce9e57644a1a0e46b9170e5f74e5eaa4bdc2b1e226e2ffd4ba"
                            "ce5745bdc1040e2dbbfffd89f2043755de226d440d8ce279471abc84dfba5ab9";

static const char pss32_sig[] = "4799cf3c6925cfe4b49b38c7333695c0772455de575879c51a420434935edb98"
                                "10267f8d0f86a399573827449e2786726854495ff2696509eba439e4b726fd9e"
                                "970eb4103f4facf0f637704c3640dadea4e3af7f5a5cadcc8be2ae3b22edc0fe"
                                "f527c2ea58c3a7606dc22d11f4e43c2bb0be8216fd021802492da25ee15a64f4"
                                "1a3e498451eac55c764645c217c8f6843c11c1cfa90f842fd115fb32916ce29d"
                                "5f848bc6570b73e9237b9d516878c0c39a5909401fce7aca77a7aa2095549986"
                                "9b296126f4c257ae4019e293d6fa583a51108333f1ce353de80508404284680d"
                                "d16be6aa87138a3610a8c41ae980225b2402678c07e1bfd1ce0fcfb58ba04455";

static const char pss20_sig[] = "5d3e5c4e8f0adee5dafb779dba8078c5ba9942d96f88073a962b0d80a764587c"
                                "cc69c1361280ca6d825957d408479b75cb44fb1e28e17214d895dc06b0925926"
                                "de3538d48f59050137dc9035e16963798c8f26136aa8addf7fa41407f9ffd2dd"
                                "43a2044804d9ee01654142a8c3898f34330cb837920e9107a7680f210308cb01"
                                "9bf778766d153b02e70942afff778bb0b045ad13e159adc110750b0ec51b021c"
                                "ac20d583bdb062ed254b1c109e34b7172327e9c047aeb87a3b282c471900814b"
                                "439c4796796e9fee9dcbea5e690d67398488a7a2793689c33f1ee7e56bf7b6e2"
                                "baee267119a32c6c001d3786c0b02976625a75dd097ca36e50b4c49b409be1f8";

static const char pss48_sig[] = "1cbea2501197878119346359ff75d1125c76e5c06a35b7d86258c27fa090d3de"
                                "28edfd1c7aa1889eb2ad903ed67825b2ac3658763a966f636a36f418b24992bc"
                                "fcd747e759da73e50d5a0109143bec0aad9a5b7a1c1d2b8dc24411fe4cbff305"
                                "776feef6de0a3171c642322c6e3d510d5fa3825eef29789c0b99605288152aa3"
                                "2fc67d4e1aa6673df37561dec7b27dc02e20e3c881762b5b09ddc9dfc1ede8b2"
                                "ab092497e787e093827819f19497753a00b5f8d594ae52aa06ae18948d2f9c2e"
                                "49bdf5e32f1ee6b6376ba0378073a50a6bdf35c7de58b1eadd20f3c74cca9ce6"
                                "3da78b17594ab41f22fd852eb54fead95927ecf0ef3432f7e244beac33ff44ef";

static void test_rsa_pss_verify(void)
{
	static const char msg[] = "timegate pss test";
	static uint8_t n[256], sig[256], e[3] = {1, 0, 1};
	br_rsa_public_key pk = {n, sizeof n, e, sizeof e};
	uint8_t h[48];
	br_sha256_context c256;
	br_sha384_context c384;

	unhex(pss_n, n, sizeof n);
	br_sha256_init(&c256);
	br_sha256_update(&c256, msg, sizeof msg - 1);
	br_sha256_out(&c256, h);
	unhex(pss32_sig, sig, sizeof sig);
	CHECK(tg_tls_pss_verify(&pk, &br_sha256_vtable, h, sig, sizeof sig) == 1);
	sig[100] ^= 1;
	CHECK(tg_tls_pss_verify(&pk, &br_sha256_vtable, h, sig, sizeof sig) == 0);
	sig[100] ^= 1;
	h[0] ^= 1;
	CHECK(tg_tls_pss_verify(&pk, &br_sha256_vtable, h, sig, sizeof sig) == 0);
	h[0] ^= 1;
	CHECK(tg_tls_pss_verify(&pk, &br_sha256_vtable, h, sig, sizeof sig - 1) == 0);
	unhex(pss20_sig, sig, sizeof sig);
	CHECK(tg_tls_pss_verify(&pk, &br_sha256_vtable, h, sig, sizeof sig) == 0);
	br_sha384_init(&c384);
	br_sha384_update(&c384, msg, sizeof msg - 1);
	br_sha384_out(&c384, h);
	unhex(pss48_sig, sig, sizeof sig);
	CHECK(tg_tls_pss_verify(&pk, &br_sha384_vtable, h, sig, sizeof sig) == 1);
	CHECK(tg_tls_pss_verify(&pk, &br_sha256_vtable, h, sig, sizeof sig) == 0);
}

/* ------------------------------------------------------ RFC 8448 section 3 */

static const char r8448_ch[] = "01 00 00 c0 03 03 cb 34 ec b1 e7 81 63 ba 1c 38 c6 da cb 19 6a 6d "
                               "ff a2 1a 8d 99 12 ec 18 a2 ef"
                               "62 83 02 4d ec e7 00 00 06 13 01 13 03 13 02 01 00 00 91 00 00 00 "
                               "0b 00 09 00 00 06 73 65 72 76"
                               "65 72 ff 01 00 01 00 00 0a 00 14 00 12 00 1d 00 17 00 18 00 19 01 "
                               "00 01 01 01 02 01 03 01 04 00"
                               "23 00 00 00 33 00 26 00 24 00 1d 00 20 99 38 1d e5 60 e4 bd 43 d2 "
                               "3d 8e 43 5a 7d ba fe b3 c0 6e"
                               "51 c1 3c ae 4d 54 13 69 1e 52 9a af 2c 00 2b 00 03 02 03 04 00 0d "
                               "00 20 00 1e 04 03 05 03 06 03"
                               "02 03 08 04 08 05 08 06 04 01 05 01 06 01 02 01 04 02 05 02 06 02 "
                               "02 02 00 2d 00 02 01 01 00 1c"
                               "00 02 40 01";
static const char r8448_sh[] =
    "02 00 00 56 03 03 a6 af 06 a4 12 18 60 dc 5e 6e 60 24 9c d3 4c 95 93 0c 8a c5 cb 14 34 da c1 "
    "55"
    "77 2e d3 e2 69 28 00 13 01 00 00 2e 00 33 00 24 00 1d 00 20 c9 82 88 76 11 20 95 fe 66 76 2b "
    "db"
    "f7 c6 72 e1 56 d6 cc 25 3b 83 3d f1 dd 69 b1 b0 4e 75 1f 0f 00 2b 00 02 03 04";
/* server x25519 private key and the client's share */
static const char r8448_s_priv[] = "b1 58 0e ea df 6d d5 89 b8 ef 4f 2d 56 52 57 8c c8 10 e9 98 01 "
                                   "91 ec 8d 05 83 08 ce a2 16 a2 1e";
static const char r8448_c_pub[] = "99 38 1d e5 60 e4 bd 43 d2 3d 8e 43 5a 7d ba fe b3 c0 6e 51 c1 "
                                  "3c ae 4d 54 13 69 1e 52 9a af 2c";
/* the server's flight (EncryptedExtensions..Finished), one record, seq 0 */
static const char r8448_flight[] = "17 03 03 02 a2 d1 ff 33 4a 56 f5 bf f6 59 4a 07 cc 87 b5 80 23 "
                                   "3f 50 0f 45 e4 89 e7 f3 3a f3 5e"
                                   "df 78 69 fc f4 0a a4 0a a2 b8 ea 73 f8 48 a7 ca 07 61 2e f9 f9 "
                                   "45 cb 96 0b 40 68 90 51 23 ea 78"
                                   "b1 11 b4 29 ba 91 91 cd 05 d2 a3 89 28 0f 52 61 34 aa dc 7f c7 "
                                   "8c 4b 72 9d f8 28 b5 ec f7 b1 3b"
                                   "d9 ae fb 0e 57 f2 71 58 5b 8e a9 bb 35 5c 7c 79 02 07 16 cf b9 "
                                   "b1 18 3e f3 ab 20 e3 7d 57 a6 b9"
                                   "d7 47 76 09 ae e6 e1 22 a4 cf 51 42 73 25 25 0c 7d 0e 50 92 89 "
                                   "44 4c 9b 3a 64 8f 1d 71 03 5d 2e"
                                   "d6 5b 0e 3c dd 0c ba e8 bf 2d 0b 22 78 12 cb b3 60 98 72 55 cc "
                                   "74 41 10 c4 53 ba a4 fc d6 10 92"
                                   "8d 80 98 10 e4 b7 ed 1a 8f d9 91 f0 6a a6 24 82 04 79 7e 36 a6 "
                                   "a7 3b 70 a2 55 9c 09 ea d6 86 94"
                                   "5b a2 46 ab 66 e5 ed d8 04 4b 4c 6d e3 fc f2 a8 94 41 ac 66 27 "
                                   "2f d8 fb 33 0e f8 19 05 79 b3 68"
                                   "45 96 c9 60 bd 59 6e ea 52 0a 56 a8 d6 50 f5 63 aa d2 74 09 96 "
                                   "0d ca 63 d3 e6 88 61 1e a5 e2 2f"
                                   "44 15 cf 95 38 d5 1a 20 0c 27 03 42 72 96 8a 26 4e d6 54 0c 84 "
                                   "83 8d 89 f7 2c 24 46 1a ad 6d 26"
                                   "f5 9e ca ba 9a cb bb 31 7b 66 d9 02 f4 f2 92 a3 6a c1 b6 39 c6 "
                                   "37 ce 34 31 17 b6 59 62 22 45 31"
                                   "7b 49 ee da 0c 62 58 f1 00 d7 d9 61 ff b1 38 64 7e 92 ea 33 0f "
                                   "ae ea 6d fa 31 c7 a8 4d c3 bd 7e"
                                   "1b 7a 6c 71 78 af 36 87 90 18 e3 f2 52 10 7f 24 3d 24 3d c7 33 "
                                   "9d 56 84 c8 b0 37 8b f3 02 44 da"
                                   "8c 87 c8 43 f5 e5 6e b4 c5 e8 28 0a 2b 48 05 2c f9 3b 16 49 9a "
                                   "66 db 7c ca 71 e4 59 94 26 f7 d4"
                                   "61 e6 6f 99 88 2b d8 9f c5 08 00 be cc a6 2d 6c 74 11 6d bd 29 "
                                   "72 fd a1 fa 80 f8 5d f8 81 ed be"
                                   "5a 37 66 89 36 b3 35 58 3b 59 91 86 dc 5c 69 18 a3 96 fa 48 a1 "
                                   "81 d6 b6 fa 4f 9d 62 d5 13 af bb"
                                   "99 2f 2b 99 2f 67 f8 af e6 7f 76 91 3f a3 88 cb 56 30 c8 ca 01 "
                                   "e0 c6 5d 11 c6 6a 1e 2a c4 c8 59"
                                   "77 b7 c7 a6 99 9b bf 10 dc 35 ae 69 f5 51 56 14 63 6c 0b 9b 68 "
                                   "c1 9e d2 e3 1c 0b 3b 66 76 30 38"
                                   "eb ba 42 f3 b3 8e dc 03 99 f3 a9 f2 3f aa 63 97 8c 31 7f c9 fa "
                                   "66 a7 3f 60 f0 50 4d e9 3b 5b 84"
                                   "5e 27 55 92 c1 23 35 ee 34 0b bc 4f dd d5 02 78 40 16 e4 b3 be "
                                   "7e f0 4d da 49 f4 b4 40 a3 0c b5"
                                   "d2 af 93 98 28 fd 4a e3 79 4e 44 f9 4d f5 a6 31 ed e4 2c 17 19 "
                                   "bf da bf 02 53 fe 51 75 be 89 8e"
                                   "75 0e dc 53 37 0d 2b";
/* the client's Finished record (client handshake key, seq 0) */
static const char r8448_cfin[] =
    "17 03 03 00 35 75 ec 4d c2 38 cc e6 0b 29 80 44 a7 1e 21 9c 56 cc 77 b0 51 7f e9 b9 3c 7a 4b "
    "fc"
    "44 d8 7f 38 f8 03 38 ac 98 fc 46 de b3 84 bd 1c ae ac ab 68 67 d7 26 c4 05 46";
/* application data 00..31 both ways: client at seq 0, server at seq 1 */
static const char r8448_c_app[] = "17 03 03 00 43 a2 3f 70 54 b6 2c 94 d0 af fa fe 82 28 ba 55 cb "
                                  "ef ac ea 42 f9 14 aa 66 bc ab 3f"
                                  "2b 98 19 a8 a5 b4 6b 39 5b d5 4a 9a 20 44 1e 2b 62 97 4e 1f 5a "
                                  "62 92 a2 97 70 14 bd 1e 3d ea e6"
                                  "3a ee bb 21 69 49 15 e4";
static const char r8448_s_app[] = "17 03 03 00 43 2e 93 7e 11 ef 4a c7 40 e5 38 ad 36 00 5f c4 a4 "
                                  "69 32 fc 32 25 d0 5f 82 aa 1b 36"
                                  "e3 0e fa f9 7d 90 e6 df fc 60 2d cb 50 1a 59 a8 fc c4 9c 4b f2 "
                                  "e5 f0 a2 1c 00 47 c2 ab f3 32 54"
                                  "0d d0 32 e1 67 c2 95 5d";

static void sha256(const uint8_t *a, size_t an, const uint8_t *b, size_t bn, const uint8_t *c,
                   size_t cn, uint8_t *out)
{
	br_sha256_context h;

	br_sha256_init(&h);
	br_sha256_update(&h, a, an);
	br_sha256_update(&h, b, bn);
	br_sha256_update(&h, c, cn);
	br_sha256_out(&h, out);
}

static void test_rfc8448_simple_1rtt(void)
{
	const uint16_t S = TG_TLS_AES_128_GCM_SHA256;
	static uint8_t ch[256], sh[128], rec[700], rec2[700], pt[700];
	uint8_t priv[32], shared[32], zeros[32] = {0}, early[32], derived[32], hs[32], eh[32];
	uint8_t th[32], c_hs[32], s_hs[32], key[16], iv[12], master[32], c_ap[32], s_ap[32];
	uint8_t exp[32], fk[32], vd[32], type = 0, payload[50];
	size_t chn = unhex(r8448_ch, ch, sizeof ch), shn = unhex(r8448_sh, sh, sizeof sh);
	size_t recn = unhex(r8448_flight, rec, sizeof rec), n;
	long ptn;

	CHECK_EQ_INT(chn, 196);
	CHECK_EQ_INT(shn, 90);
	CHECK_EQ_INT(recn, 679);
	/* (EC)DHE: the server's private key with the client's share */
	unhex(r8448_s_priv, priv, 32);
	unhex(r8448_c_pub, shared, 32);
	CHECK(br_ec_c25519_m31.mul(shared, 32, priv, 32, BR_EC_curve25519) == 1);
	CHECK(
	    eq_hex(shared, 32, "8bd4054fb55b9d63fdfbacf9f04b9f0d35e6d63f537563efd46272900f89492d"));
	/* early secret (no PSK), derived, handshake secret */
	tg_tls_hkdf_extract(&br_sha256_vtable, zeros, 32, zeros, 32, early);
	CHECK(
	    eq_hex(early, 32, "33ad0a1c607ec03b09e6cd9893680ce210adf300aa1f2660e1b22e10f170f92a"));
	tg_tls_empty_hash(S, eh);
	tg_tls_derive_secret(S, early, "derived", eh, derived);
	CHECK(eq_hex(derived, 32,
	             "6f2615a108c702c5678f54fc9dbab69716c076189c48250cebeac3576c3611ba"));
	tg_tls_hkdf_extract(&br_sha256_vtable, derived, 32, shared, 32, hs);
	CHECK(eq_hex(hs, 32, "1dc826e93606aa6fdc0aadc12f741b01046aa6b99f691ed221a9f0ca043fbeac"));
	/* handshake traffic secrets over ClientHello..ServerHello */
	sha256(ch, chn, sh, shn, NULL, 0, th);
	CHECK(eq_hex(th, 32, "860c06edc07858ee8e78f0e7428c58edd6b43f2ca3e6e95f02ed063cf0e1cad8"));
	tg_tls_derive_secret(S, hs, "c hs traffic", th, c_hs);
	tg_tls_derive_secret(S, hs, "s hs traffic", th, s_hs);
	CHECK(eq_hex(c_hs, 32, "b3eddb126e067f35a780b3abf45e2d8f3b1a950738f52e9600746a0e27a55a21"));
	CHECK(eq_hex(s_hs, 32, "b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38"));
	/* server handshake write key and iv; open the flight, seal it back */
	tg_tls_expand_label(S, s_hs, "key", NULL, 0, key, 16);
	tg_tls_expand_label(S, s_hs, "iv", NULL, 0, iv, 12);
	CHECK(eq_hex(key, 16, "3fce516009c21727d0f2e4e86ee403bc"));
	CHECK(eq_hex(iv, 12, "5d313eb2671276ee13000b30"));
	memcpy(rec2, rec, recn);
	ptn = tg_tls_open_record(S, key, iv, 0, rec2, recn, &type);
	CHECK_EQ_INT(ptn, 657);
	CHECK_EQ_INT(type, 22);
	if (ptn != 657)
		return;
	memcpy(pt, rec2 + 5, 657);
	CHECK(pt[0] == 8); /* EncryptedExtensions first */
	n = tg_tls_seal_record(S, key, iv, 0, 22, pt, 657, rec2, sizeof rec2);
	CHECK_EQ_INT(n, 679);
	CHECK(memcmp(rec2, rec, 679) == 0);
	/* at another sequence number it must not open */
	memcpy(rec2, rec, recn);
	CHECK(tg_tls_open_record(S, key, iv, 1, rec2, recn, &type) < 0);
	/* the server Finished (last 36 bytes) over ClientHello..CertificateVerify */
	sha256(ch, chn, sh, shn, pt, 657 - 36, th);
	tg_tls_expand_label(S, s_hs, "finished", NULL, 0, fk, 32);
	CHECK(eq_hex(fk, 32, "008d3b66f816ea559f96b537e885c31fc068bf492c652f01f288a1d8cdc19fc8"));
	tg_tls_hmac(&br_sha256_vtable, fk, 32, th, 32, NULL, 0, vd);
	CHECK(pt[657 - 36] == 20 && memcmp(pt + 657 - 32, vd, 32) == 0);
	/* master secret and application secrets over ClientHello..server Finished */
	sha256(ch, chn, sh, shn, pt, 657, th);
	CHECK(eq_hex(th, 32, "9608102a0f1ccc6db6250b7b7e417b1a000eaada3daae4777a7686c9ff83df13"));
	tg_tls_derive_secret(S, hs, "derived", eh, derived);
	tg_tls_hkdf_extract(&br_sha256_vtable, derived, 32, zeros, 32, master);
	CHECK(
	    eq_hex(master, 32, "18df06843d13a08bf2a449844c5f8a478001bc4d4c627984d5a41da8d0402919"));
	tg_tls_derive_secret(S, master, "c ap traffic", th, c_ap);
	tg_tls_derive_secret(S, master, "s ap traffic", th, s_ap);
	tg_tls_derive_secret(S, master, "exp master", th, exp);
	CHECK(eq_hex(c_ap, 32, "9e40646ce79a7f9dc05af8889bce6552875afa0b06df0087f792ebb7c17504a5"));
	CHECK(eq_hex(s_ap, 32, "a11af9f05531f856ad47116b45a950328204b4f44bfb6b3a4b4f1f3fcb631643"));
	CHECK(eq_hex(exp, 32, "fe22f881176eda18eb8f44529e6792c50c9a3f89452f68d8ae311b4309d3cf50"));
	/* the client Finished record opens under the client handshake key and
	 * holds the verify_data we compute */
	tg_tls_expand_label(S, c_hs, "key", NULL, 0, key, 16);
	tg_tls_expand_label(S, c_hs, "iv", NULL, 0, iv, 12);
	CHECK(eq_hex(key, 16, "dbfaa693d1762c5b666af5d950258d01"));
	CHECK(eq_hex(iv, 12, "5bd3c71b836e0b76bb73265f"));
	n = unhex(r8448_cfin, rec2, sizeof rec2);
	ptn = tg_tls_open_record(S, key, iv, 0, rec2, n, &type);
	CHECK(ptn == 36 && type == 22);
	tg_tls_expand_label(S, c_hs, "finished", NULL, 0, fk, 32);
	tg_tls_hmac(&br_sha256_vtable, fk, 32, th, 32, NULL, 0, vd);
	CHECK(ptn == 36 && memcmp(rec2 + 5 + 4, vd, 32) == 0);
	/* application data: client at seq 0, server at seq 1 (after its ticket) */
	for (int i = 0; i < 50; i++)
		payload[i] = (uint8_t)i;
	tg_tls_expand_label(S, c_ap, "key", NULL, 0, key, 16);
	tg_tls_expand_label(S, c_ap, "iv", NULL, 0, iv, 12);
	CHECK(eq_hex(key, 16, "17422dda596ed5d9acd890e3c63f5051"));
	n = tg_tls_seal_record(S, key, iv, 0, 23, payload, 50, rec2, sizeof rec2);
	CHECK(eq_hex(rec2, n, r8448_c_app));
	tg_tls_expand_label(S, s_ap, "key", NULL, 0, key, 16);
	tg_tls_expand_label(S, s_ap, "iv", NULL, 0, iv, 12);
	CHECK(eq_hex(iv, 12, "cf782b88dd83549aadf1e984"));
	n = unhex(r8448_s_app, rec2, sizeof rec2);
	ptn = tg_tls_open_record(S, key, iv, 1, rec2, n, &type);
	CHECK(ptn == 50 && type == 23 && memcmp(rec2 + 5, payload, 50) == 0);
}

/* ------------------------------------------------------- in-memory peers */

static struct tg_pem_chain chain;
static struct tg_pem_key key;
static struct tg_pem_anchors anchors, other_anchors;
static br_hmac_drbg_context drbg;
static int data_ok;

struct peer {
	struct tg_tls t;
	struct tg_tls_config cfg;
	uint8_t got[1 << 17];
	size_t got_len;
	size_t flights; /* feeds that carried bytes to this peer */
};

static struct peer cli, srv;

static const char *data_path(const char *name, char *buf, size_t cap)
{
	const char *top = getenv("TOP");

	snprintf(buf, cap, "%s/tests/unit/data/tls/%s", top && *top ? top : TLS_TOP, name);
	return buf;
}

static void load_data(void)
{
	char p[512], err[256];

	data_ok =
	    tg_pem_load_chain(data_path("leaf.pem", p, sizeof p), &chain, err, sizeof err) == 0 &&
	    tg_pem_load_ec_key(data_path("leaf.key", p, sizeof p), &key, err, sizeof err) == 0 &&
	    tg_pem_load_anchors(data_path("ca.pem", p, sizeof p), &anchors, err, sizeof err) == 0 &&
	    tg_pem_load_anchors(data_path("other-ca.pem", p, sizeof p), &other_anchors, err,
	                        sizeof err) == 0;
	if (!data_ok)
		fprintf(stderr, "  test data: %s\n", err);
	br_hmac_drbg_init(&drbg, &br_sha256_vtable, "tls13 test seed", 15);
}

static const char *ntske[] = {"ntske/1"};

/* Default configs: server with the leaf, client trusting the CA. */
static void configs(void)
{
	memset(&cli.cfg, 0, sizeof cli.cfg);
	memset(&srv.cfg, 0, sizeof srv.cfg);
	srv.cfg.is_server = 1;
	srv.cfg.alpn[0] = ntske[0];
	srv.cfg.n_alpn = 1;
	srv.cfg.chain = chain.certs;
	srv.cfg.chain_len = chain.n;
	srv.cfg.key = &key.key;
	cli.cfg.alpn[0] = ntske[0];
	cli.cfg.n_alpn = 1;
	cli.cfg.anchors = anchors.ta;
	cli.cfg.n_anchors = anchors.n;
	cli.cfg.server_name = "localhost";
	cli.cfg.unix_time = 1800000000; /* 2027 */
}

static void start(void)
{
	cli.got_len = srv.got_len = 0;
	cli.flights = srv.flights = 0;
	tg_tls_init(&srv.t, &srv.cfg, &drbg.vtable);
	tg_tls_init(&cli.t, &cli.cfg, &drbg.vtable);
}

/* Move from's pending bytes into to, chunk bytes per feed (0: all). */
static int move(struct peer *from, struct peer *to, size_t chunk)
{
	size_t n, off = 0;
	const uint8_t *p = tg_tls_pending(&from->t, &n);

	if (n == 0)
		return 0;
	to->flights++;
	while (off < n && tg_tls_state(&to->t) <= TG_TLS_ESTABLISHED) {
		size_t c = chunk && n - off > chunk ? chunk : n - off;
		size_t used = tg_tls_feed(&to->t, p + off, c);

		off += used;
		to->got_len +=
		    tg_tls_read(&to->t, to->got + to->got_len, sizeof to->got - to->got_len);
		if (used == 0 && to->got_len == sizeof to->got)
			break;
	}
	tg_tls_sent(&from->t, n);
	return 1;
}

static void pump_chunked(size_t chunk)
{
	for (int i = 0; i < 100; i++) {
		int m = move(&cli, &srv, chunk);

		m |= move(&srv, &cli, chunk);
		if (!m)
			break;
	}
}

static void pump(void)
{
	pump_chunked(0);
}

static void check_established(uint16_t suite, uint16_t group)
{
	uint8_t e1[40], e2[40];
	static const uint8_t ctx[2] = {0, 0};

	CHECK_EQ_INT(tg_tls_state(&cli.t), TG_TLS_ESTABLISHED);
	CHECK_EQ_INT(tg_tls_state(&srv.t), TG_TLS_ESTABLISHED);
	CHECK_EQ_INT(tg_tls_suite(&cli.t), suite);
	CHECK_EQ_INT(tg_tls_suite(&srv.t), suite);
	CHECK_EQ_INT(tg_tls_group(&cli.t), group);
	CHECK_EQ_INT(tg_tls_group(&srv.t), group);
	CHECK_EQ_STR(tg_tls_alpn(&cli.t), "ntske/1");
	CHECK_EQ_STR(tg_tls_alpn(&srv.t), "ntske/1");
	/* the NTS-KE exporter, context 0x0000 (AES-SIV-CMAC-256 c2s), both ends */
	CHECK(tg_tls_export(&cli.t, "EXPORTER-network-time-security", ctx, 2, e1, 32) == 0);
	CHECK(tg_tls_export(&srv.t, "EXPORTER-network-time-security", ctx, 2, e2, 32) == 0);
	CHECK(memcmp(e1, e2, 32) == 0);
	CHECK(tg_tls_export(&srv.t, "EXPORTER-network-time-security", NULL, 0, e2, 32) == 0);
	CHECK(memcmp(e1, e2, 32) != 0);
	/* application data both ways */
	CHECK(tg_tls_write(&cli.t, (const uint8_t *)"ping", 4) == 0);
	CHECK(tg_tls_write(&srv.t, (const uint8_t *)"pong!", 5) == 0);
	pump();
	CHECK(srv.got_len == 4 && memcmp(srv.got, "ping", 4) == 0);
	CHECK(cli.got_len == 5 && memcmp(cli.got, "pong!", 5) == 0);
}

static void test_handshake_matrix(void)
{
	static const uint16_t suites[3][2] = {{TG_TLS_AES_128_GCM_SHA256, 0},
	                                      {TG_TLS_AES_256_GCM_SHA384, 0},
	                                      {TG_TLS_CHACHA20_POLY1305_SHA256, 0}};
	static const uint16_t groups[2][2] = {{TG_TLS_GROUP_X25519, 0},
	                                      {TG_TLS_GROUP_SECP256R1, 0}};

	CHECK(data_ok);
	if (!data_ok)
		return;
	for (int s = 0; s < 3; s++)
		for (int g = 0; g < 2; g++) {
			configs();
			cli.cfg.suites = suites[s];
			cli.cfg.groups = groups[g];
			start();
			pump();
			check_established(suites[s][0], groups[g][0]);
			/* ClientHello, then the client Finished: two flights */
			CHECK_EQ_INT(srv.flights, 3);
		}
}

static void test_handshake_byte_by_byte(void)
{
	if (!data_ok)
		return;
	configs();
	start();
	pump_chunked(1);
	check_established(TG_TLS_AES_128_GCM_SHA256, TG_TLS_GROUP_X25519);
}

/* NTS-KE: the client's Finished and its request leave in one write. */
static void test_finished_and_data_together(void)
{
	if (!data_ok)
		return;
	configs();
	start();
	move(&cli, &srv, 0);
	move(&srv, &cli, 0);
	CHECK_EQ_INT(tg_tls_state(&cli.t), TG_TLS_ESTABLISHED);
	CHECK_EQ_INT(tg_tls_state(&srv.t), TG_TLS_HANDSHAKE);
	CHECK(tg_tls_write(&cli.t, (const uint8_t *)"request", 7) == 0);
	move(&cli, &srv, 0);
	CHECK_EQ_INT(tg_tls_state(&srv.t), TG_TLS_ESTABLISHED);
	CHECK(srv.got_len == 7 && memcmp(srv.got, "request", 7) == 0);
}

static const uint16_t only_x25519[] = {TG_TLS_GROUP_X25519, 0};

static void test_hello_retry(void)
{
	static const uint16_t srv_groups[] = {TG_TLS_GROUP_SECP256R1, 0};
	static const uint16_t cli_groups[] = {TG_TLS_GROUP_X25519, TG_TLS_GROUP_SECP256R1, 0};

	if (!data_ok)
		return;
	configs();
	srv.cfg.groups = srv_groups;
	cli.cfg.groups = cli_groups;
	start();
	pump();
	check_established(TG_TLS_AES_128_GCM_SHA256, TG_TLS_GROUP_SECP256R1);
	/* server saw ClientHello, ClientHello 2 (+CCS), Finished, data */
	CHECK_EQ_INT(srv.flights, 4);
	/* no common group at all: handshake_failure */
	configs();
	srv.cfg.groups = srv_groups;
	cli.cfg.groups = only_x25519;
	start();
	pump();
	CHECK_EQ_INT(tg_tls_state(&srv.t), TG_TLS_FAILED);
	CHECK_EQ_INT(tg_tls_our_alert(&srv.t), TG_TLS_ALERT_HANDSHAKE_FAILURE);
	CHECK_EQ_INT(tg_tls_peer_alert(&cli.t), TG_TLS_ALERT_HANDSHAKE_FAILURE);
}

/* The server's preference wins when the client shares both groups' keys:
 * the client shares only its first, so the server uses that share rather
 * than asking for its own favourite (no round trip wasted). */
static void test_server_group_choice(void)
{
	static const uint16_t srv_groups[] = {TG_TLS_GROUP_SECP256R1, TG_TLS_GROUP_X25519, 0};

	if (!data_ok)
		return;
	configs();
	srv.cfg.groups = srv_groups;
	start();
	pump();
	check_established(TG_TLS_AES_128_GCM_SHA256, TG_TLS_GROUP_X25519);
	CHECK_EQ_INT(srv.flights, 3);
}

static void test_tls12_client_hello(void)
{
	/* a TLS 1.2 ClientHello: version 0x0303, no supported_versions */
	static const uint8_t rec[] = {
	    0x16, 0x03, 0x01, 0x00, 0x35, 0x01, 0x00, 0x00, 0x31, 0x03, 0x03,
	    /* random */
	    1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24,
	    25, 26, 27, 28, 29, 30, 31, 32, 0x00, /* session id */
	    0x00, 0x04, 0xc0, 0x2b, 0xc0, 0x2f,   /* ECDHE-ECDSA/RSA-AES128-GCM */
	    0x01, 0x00,                           /* null compression */
	    0x00, 0x04, 0x00, 0x17, 0x00, 0x00,   /* extended_master_secret */
	};
	static const uint8_t alert[] = {0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 70};
	const uint8_t *p;
	size_t n;

	if (!data_ok)
		return;
	configs();
	tg_tls_init(&srv.t, &srv.cfg, &drbg.vtable);
	tg_tls_feed(&srv.t, rec, sizeof rec);
	CHECK_EQ_INT(tg_tls_state(&srv.t), TG_TLS_FAILED);
	CHECK_EQ_INT(tg_tls_error(&srv.t), TG_TLS_EVERSION);
	CHECK_EQ_INT(tg_tls_our_alert(&srv.t), TG_TLS_ALERT_PROTOCOL_VERSION);
	p = tg_tls_pending(&srv.t, &n);
	CHECK(n == sizeof alert && memcmp(p, alert, n) == 0);
	/* sticky: nothing more is taken */
	CHECK_EQ_INT(tg_tls_feed(&srv.t, rec, sizeof rec), 0);
}

static void test_alpn_mismatch(void)
{
	static const char *other[] = {"http/1.1"};

	if (!data_ok)
		return;
	configs();
	cli.cfg.alpn[0] = other[0];
	start();
	pump();
	CHECK_EQ_INT(tg_tls_state(&srv.t), TG_TLS_FAILED);
	CHECK_EQ_INT(tg_tls_error(&srv.t), TG_TLS_EALPN);
	CHECK_EQ_INT(tg_tls_our_alert(&srv.t), TG_TLS_ALERT_NO_APPLICATION_PROTOCOL);
	CHECK_EQ_INT(tg_tls_state(&cli.t), TG_TLS_FAILED);
	CHECK_EQ_INT(tg_tls_error(&cli.t), TG_TLS_EALERT);
	CHECK_EQ_INT(tg_tls_peer_alert(&cli.t), TG_TLS_ALERT_NO_APPLICATION_PROTOCOL);
	/* and a client offering no ALPN at all is refused the same way */
	configs();
	cli.cfg.n_alpn = 0;
	start();
	pump();
	CHECK_EQ_INT(tg_tls_our_alert(&srv.t), TG_TLS_ALERT_NO_APPLICATION_PROTOCOL);
}

static void test_bad_certificates(void)
{
	if (!data_ok)
		return;
	/* another CA */
	configs();
	cli.cfg.anchors = other_anchors.ta;
	cli.cfg.n_anchors = other_anchors.n;
	start();
	pump();
	CHECK_EQ_INT(tg_tls_state(&cli.t), TG_TLS_FAILED);
	CHECK_EQ_INT(tg_tls_error(&cli.t), TG_TLS_ECERT);
	CHECK_EQ_INT(tg_tls_our_alert(&cli.t), TG_TLS_ALERT_UNKNOWN_CA);
	/* the server reads our (sealed) alert */
	CHECK_EQ_INT(tg_tls_state(&srv.t), TG_TLS_FAILED);
	CHECK_EQ_INT(tg_tls_peer_alert(&srv.t), TG_TLS_ALERT_UNKNOWN_CA);
	/* wrong name */
	configs();
	cli.cfg.server_name = "time.example.org";
	start();
	pump();
	CHECK_EQ_INT(tg_tls_error(&cli.t), TG_TLS_ECERT);
	CHECK_EQ_INT(tg_tls_our_alert(&cli.t), TG_TLS_ALERT_BAD_CERTIFICATE);
	/* expired: the leaf is good for 100 years from 2026 */
	configs();
	cli.cfg.unix_time = 6000000000LL; /* 2160 */
	start();
	pump();
	CHECK_EQ_INT(tg_tls_our_alert(&cli.t), TG_TLS_ALERT_CERTIFICATE_EXPIRED);
}

/* Find the first record of type 23 in buf (after ServerHello, CCS). */
static size_t first_sealed(const uint8_t *p, size_t n)
{
	size_t off = 0;

	while (off + 5 <= n) {
		if (p[off] == 23)
			return off;
		off += 5 + ((size_t)p[off + 3] << 8 | p[off + 4]);
	}
	return n;
}

static void test_flipped_bit(void)
{
	uint8_t *p;
	size_t n, at;

	if (!data_ok)
		return;
	configs();
	start();
	move(&cli, &srv, 0);
	/* (the test reaches into the engine's output buffer to corrupt it) */
	p = srv.t.out;
	n = srv.t.out_len;
	at = first_sealed(p, n);
	CHECK(at + 40 < n);
	if (at + 40 >= n)
		return;
	p[at + 30] ^= 0x04; /* in the ciphertext */
	move(&srv, &cli, 0);
	CHECK_EQ_INT(tg_tls_state(&cli.t), TG_TLS_FAILED);
	CHECK_EQ_INT(tg_tls_error(&cli.t), TG_TLS_ECRYPTO);
	CHECK_EQ_INT(tg_tls_our_alert(&cli.t), TG_TLS_ALERT_BAD_RECORD_MAC);
	/* and after the handshake, a flipped tag bit in application data */
	configs();
	start();
	pump();
	CHECK(tg_tls_write(&cli.t, (const uint8_t *)"hello", 5) == 0);
	p = cli.t.out;
	n = cli.t.out_len;
	p[n - 1] ^= 0x80;
	move(&cli, &srv, 0);
	CHECK_EQ_INT(tg_tls_our_alert(&srv.t), TG_TLS_ALERT_BAD_RECORD_MAC);
	CHECK_EQ_INT(srv.got_len, 0);
}

static void test_large_data_and_close(void)
{
	static uint8_t big[70000];

	if (!data_ok)
		return;
	for (size_t i = 0; i < sizeof big; i++)
		big[i] = (uint8_t)(i * 7 + (i >> 8));
	configs();
	start();
	pump();
	CHECK_EQ_INT(tg_tls_state(&srv.t), TG_TLS_ESTABLISHED);
	/* more than fits in the output buffer at once: -1, nothing queued */
	CHECK_EQ_INT(tg_tls_write(&cli.t, big, sizeof big), -1);
	for (size_t off = 0; off < sizeof big; off += 20000) {
		size_t n = sizeof big - off < 20000 ? sizeof big - off : 20000;

		CHECK(tg_tls_write(&cli.t, big + off, n) == 0);
		pump();
	}
	CHECK_EQ_INT(srv.got_len, sizeof big);
	CHECK(memcmp(srv.got, big, sizeof big) == 0);
	tg_tls_close(&cli.t);
	CHECK(tg_tls_write(&cli.t, big, 1) == -1);
	pump();
	CHECK_EQ_INT(tg_tls_state(&srv.t), TG_TLS_CLOSED);
	CHECK_EQ_INT(tg_tls_peer_alert(&srv.t), TG_TLS_ALERT_CLOSE_NOTIFY);
	tg_tls_wipe(&cli.t);
	tg_tls_wipe(&srv.t);
}

/* Truncations, garbage and mutations of real flights: failure, never a crash. */
static struct tg_tls cli_snap;

static void test_garbage(void)
{
	static uint8_t ch[4096], flight[8192], buf[8192];
	size_t chn, fn, n;
	const uint8_t *p;

	if (!data_ok)
		return;
	configs();
	start();
	p = tg_tls_pending(&cli.t, &chn);
	memcpy(ch, p, chn);
	move(&cli, &srv, 0);
	/* the client as it waits for that flight, to replay mutations into */
	cli_snap = cli.t;
	p = tg_tls_pending(&srv.t, &fn);
	memcpy(flight, p, fn);
	/* every truncation of the ClientHello: still waiting, no output */
	for (size_t i = 0; i < chn; i++) {
		tg_tls_init(&srv.t, &srv.cfg, &drbg.vtable);
		tg_tls_feed(&srv.t, ch, i);
		CHECK_EQ_INT(tg_tls_state(&srv.t), TG_TLS_HANDSHAKE);
		tg_tls_pending(&srv.t, &n);
		CHECK_EQ_INT(n, 0);
	}
	/* a ClientHello whose inner lengths are cut short: decode_error */
	memcpy(buf, ch, chn);
	buf[3] = 0;
	buf[4] = 60;
	buf[6] = 0;
	buf[7] = 0;
	buf[8] = 56;
	tg_tls_init(&srv.t, &srv.cfg, &drbg.vtable);
	tg_tls_feed(&srv.t, buf, 65);
	CHECK_EQ_INT(tg_tls_state(&srv.t), TG_TLS_FAILED);
	CHECK_EQ_INT(tg_tls_our_alert(&srv.t), TG_TLS_ALERT_DECODE_ERROR);
	/* random mutations of the ClientHello and of the server's flight */
	for (int round = 0; round < 3000; round++) {
		int to_client = round & 1;
		size_t len = to_client ? fn : chn;

		memcpy(buf, to_client ? flight : ch, len);
		for (int k = 1 + (int)(check_rand() % 4); k > 0; k--)
			buf[check_rand() % len] ^= (uint8_t)(1 + check_rand() % 255);
		if (check_rand() % 4 == 0)
			len = check_rand() % len;
		if (to_client) {
			/* (a mutation may hit a byte the protocol ignores, such as a
			 * record's legacy version, and the handshake still succeed) */
			cli.t = cli_snap;
			tg_tls_feed(&cli.t, buf, len);
			CHECK(tg_tls_state(&cli.t) <= TG_TLS_FAILED);
		} else {
			tg_tls_init(&srv.t, &srv.cfg, &drbg.vtable);
			tg_tls_feed(&srv.t, buf, len);
			CHECK(tg_tls_state(&srv.t) <= TG_TLS_FAILED);
		}
	}
	/* pure noise */
	for (int round = 0; round < 500; round++) {
		size_t len = check_rand() % sizeof buf;

		for (size_t i = 0; i < len; i++)
			buf[i] = (uint8_t)check_rand();
		if (round & 1)
			buf[0] = 22; /* looks like a handshake record */
		tg_tls_init(&srv.t, &srv.cfg, &drbg.vtable);
		tg_tls_feed(&srv.t, buf, len);
		CHECK(tg_tls_state(&srv.t) != TG_TLS_ESTABLISHED);
	}
	/* a record longer than allowed: record_overflow */
	tg_tls_init(&srv.t, &srv.cfg, &drbg.vtable);
	buf[0] = 22;
	buf[1] = 3;
	buf[2] = 3;
	buf[3] = 0x40;
	buf[4] = 0x01;
	tg_tls_feed(&srv.t, buf, 5);
	CHECK_EQ_INT(tg_tls_our_alert(&srv.t), TG_TLS_ALERT_RECORD_OVERFLOW);
	/* API misuse: write before the handshake, export before it */
	tg_tls_init(&cli.t, &cli.cfg, &drbg.vtable);
	CHECK_EQ_INT(tg_tls_write(&cli.t, buf, 1), -1);
	CHECK_EQ_INT(tg_tls_export(&cli.t, "x", NULL, 0, buf, 16), -1);
}

static void test_pem_errors(void)
{
	char p[512], err[256];
	struct tg_pem_key k;
	struct tg_pem_chain c;

	/* a certificate is not a key, a key is not a certificate */
	CHECK(tg_pem_load_ec_key(data_path("ca.pem", p, sizeof p), &k, err, sizeof err) < 0);
	CHECK(strstr(err, "no EC PRIVATE KEY") != NULL);
	CHECK(tg_pem_load_chain(data_path("leaf.key", p, sizeof p), &c, err, sizeof err) < 0);
	CHECK(tg_pem_load_chain("/nonexistent/x.pem", &c, err, sizeof err) < 0);
	CHECK(strstr(err, "/nonexistent/x.pem") != NULL);
	if (data_ok) {
		CHECK_EQ_INT(chain.n, 1);
		CHECK_EQ_INT(anchors.n, 1);
		CHECK(anchors.ta[0].flags & BR_X509_TA_CA);
		CHECK_EQ_INT(key.key.curve, BR_EC_secp256r1);
	}
}

/* The in-memory parsers give what the file readers give, and name their input. */
static void test_pem_memory(void)
{
	static struct tg_pem_chain c;
	static struct tg_pem_anchors a;
	static unsigned char buf[8192];
	struct tg_pem_key k;
	char p[512], err[256];
	size_t n;
	FILE *f;

	f = fopen(data_path("leaf.pem", p, sizeof p), "rb");
	CHECK(f != NULL);
	if (!f)
		return;
	n = fread(buf, 1, sizeof buf, f);
	fclose(f);
	CHECK_EQ_INT(tg_pem_parse_chain("upload", buf, n, &c, err, sizeof err), 0);
	CHECK_EQ_INT(c.n, 1);
	if (data_ok)
		CHECK(c.certs[0].data_len == chain.certs[0].data_len &&
		      memcmp(c.der[0], chain.der[0], chain.certs[0].data_len) == 0);
	CHECK_EQ_INT(tg_pem_parse_anchors("upload", buf, n, &a, err, sizeof err), 0);
	CHECK_EQ_INT(tg_pem_parse_ec_key("upload", buf, n, &k, err, sizeof err), -1);
	CHECK_EQ_STR(err, "upload: no EC PRIVATE KEY or PRIVATE KEY in the file");
	/* cut short, and empty */
	CHECK_EQ_INT(tg_pem_parse_chain("upload", buf, n / 2, &c, err, sizeof err), -1);
	CHECK_EQ_STR(err, "upload: not valid PEM"); /* the cut falls inside a base64 line */
	CHECK_EQ_INT(tg_pem_parse_chain("upload", NULL, 0, &c, err, sizeof err), -1);
	CHECK_EQ_STR(err, "upload: no PEM object found");
	/* an empty certificate object (found by fuzz_pem) */
	{
		static const char empty[] = "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n";

		CHECK_EQ_INT(tg_pem_parse_chain("upload", (const unsigned char *)empty,
		                                sizeof(empty) - 1, &c, err, sizeof err),
		             -1);
		CHECK_EQ_STR(err, "upload: certificate 1 is not DER (an ASN.1 SEQUENCE expected)");
	}
	f = fopen(data_path("leaf.key", p, sizeof p), "rb");
	CHECK(f != NULL);
	if (!f)
		return;
	n = fread(buf, 1, sizeof buf, f);
	fclose(f);
	CHECK_EQ_INT(tg_pem_parse_ec_key("upload", buf, n, &k, err, sizeof err), 0);
	if (data_ok)
		CHECK(memcmp(k.x, key.x, 32) == 0);
	tg_pem_wipe_key(&k);
}

int main(void)
{
	check_seed();
	load_data();
	fprintf(stderr, "  sizeof(struct tg_tls) = %zu\n", sizeof(struct tg_tls));
	RUN(test_hkdf_rfc5869);
	RUN(test_x25519_rfc7748);
	RUN(test_aes128gcm);
	RUN(test_chacha20poly1305_rfc8439);
	RUN(test_rsa_pss_verify);
	RUN(test_rfc8448_simple_1rtt);
	RUN(test_pem_errors);
	RUN(test_pem_memory);
	RUN(test_handshake_matrix);
	RUN(test_handshake_byte_by_byte);
	RUN(test_finished_and_data_together);
	RUN(test_hello_retry);
	RUN(test_server_group_choice);
	RUN(test_tls12_client_hello);
	RUN(test_alpn_mismatch);
	RUN(test_bad_certificates);
	RUN(test_flipped_bit);
	RUN(test_large_data_and_close);
	RUN(test_garbage);
	return check_exit();
}
