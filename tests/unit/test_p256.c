/*
 * test_p256.c - the 64-bit constant-time P-256 (lib/p256.c).
 *
 * Known answers: k*G for k = 1..20, a few large k and n-2, n-1 (the
 * point-at-infinity.org NIST P-256 point multiplication vectors,
 * http://point-at-infinity.org/ecc/nisttv), through mulgen and through
 * mul on G; NIST CAVS 14.1 "ECC CDH Primitive" (SP 800-56A) P-256
 * vectors (KAS_ECC_CDH_PrimitiveTest.txt, COUNT 0-5 and 24) through mul,
 * and mulgen on dIUT where QIUT is listed here.
 *
 * Differential: br_ec_p256_m31 (BearSSL's own P-256) is the reference,
 * byte for byte, return value included: random scalars of every length
 * for mulgen, random (scalar, point) pairs for mul, structured scalars
 * (2^m, 2^m +- 1, which hit every window with boundary digits), and the
 * edge cases whose BearSSL behaviour is fixed: refused points and
 * lengths, k = 0 and k = n (both give 0x04 and 64 zero bytes; mul
 * returns 1).  ECDSA through br_ecdsa_i31_* with a br_ec_impl whose mul
 * and mulgen are ours: deterministic (RFC 6979) signatures equal to the
 * ones made with br_ec_p256_m31, and verified by it.
 *
 * tg_p256_ecdsa_sign_raw/_asn1: the RFC 6979 A.2.5 P-256 signatures of
 * "sample" and "test" with SHA-1, -224, -256, -384, -512 (raw and DER);
 * byte for byte equal to br_ecdsa_i31_sign_raw/_asn1 on random keys and
 * hash values of every length (20 to 64 bytes), edge keys and hashes,
 * and a DRBG that forces the nonce loop (k = 0, k >= n) through a fake
 * hash; every signature verified by br_ecdsa_i31_vrfy_raw/_asn1; the
 * leftmost-256-bits rule for any hv_len; refused keys and curves.
 */
#include <bearssl.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "p256.h"

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

static void point_hex(uint8_t P[65], const char *x, const char *y)
{
	P[0] = 0x04;
	unhex(x, P + 1, 32);
	unhex(y, P + 33, 32);
}

static void rand_bytes(uint8_t *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		b[i] = (uint8_t)(check_rand() >> 56);
}

static const uint8_t P256_N[32] = {
	0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
};

static const uint8_t P256_P[32] = {
	0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
};

static const uint8_t *gen(void)
{
	size_t len;
	const uint8_t *g = br_ec_p256_m31.generator(BR_EC_secp256r1, &len);

	if (len != 65)
		abort();
	return g;
}

/* our functions behind a br_ec_impl, as the service will use them */
static uint32_t our_mul(unsigned char *G, size_t Glen, const unsigned char *x, size_t xlen,
			int curve)
{
	(void)curve;
	return tg_p256_mul(G, Glen, x, xlen);
}

static size_t our_mulgen(unsigned char *R, const unsigned char *x, size_t xlen, int curve)
{
	(void)curve;
	return tg_p256_mulgen(R, x, xlen);
}

/* mulgen and mul (on a copy of P) against br_ec_p256_m31, byte for byte */
static int same_mulgen(const uint8_t *k, size_t klen)
{
	uint8_t a[65], b[65];

	memset(a, 0xa5, sizeof a);
	memset(b, 0x5a, sizeof b);
	if (tg_p256_mulgen(a, k, klen) != 65)
		return 0;
	if (br_ec_p256_m31.mulgen(b, k, klen, BR_EC_secp256r1) != 65)
		return 0;
	return memcmp(a, b, 65) == 0;
}

static int same_mul(const uint8_t P[65], const uint8_t *k, size_t klen)
{
	uint8_t a[65], b[65];
	uint32_t ra, rb;

	memcpy(a, P, 65);
	memcpy(b, P, 65);
	ra = tg_p256_mul(a, 65, k, klen);
	rb = br_ec_p256_m31.mul(b, 65, k, klen, BR_EC_secp256r1);
	if (ra != rb)
		return 0;
	return !ra || memcmp(a, b, 65) == 0;
}

/* ---- known answers ------------------------------------------------------- */

/* k (hex, 32 bytes) -> k*G, from http://point-at-infinity.org/ecc/nisttv */
static const struct {
	const char *k, *x, *y;
} kg_vecs[] = {
	{ "0000000000000000000000000000000000000000000000000000000000000001",
	  "6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296",
	  "4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5" },
	{ "0000000000000000000000000000000000000000000000000000000000000002",
	  "7cf27b188d034f7e8a52380304b51ac3c08969e277f21b35a60b48fc47669978",
	  "07775510db8ed040293d9ac69f7430dbba7dade63ce982299e04b79d227873d1" },
	{ "0000000000000000000000000000000000000000000000000000000000000003",
	  "5ecbe4d1a6330a44c8f7ef951d4bf165e6c6b721efada985fb41661bc6e7fd6c",
	  "8734640c4998ff7e374b06ce1a64a2ecd82ab036384fb83d9a79b127a27d5032" },
	{ "0000000000000000000000000000000000000000000000000000000000000004",
	  "e2534a3532d08fbba02dde659ee62bd0031fe2db785596ef509302446b030852",
	  "e0f1575a4c633cc719dfee5fda862d764efc96c3f30ee0055c42c23f184ed8c6" },
	{ "0000000000000000000000000000000000000000000000000000000000000005",
	  "51590b7a515140d2d784c85608668fdfef8c82fd1f5be52421554a0dc3d033ed",
	  "e0c17da8904a727d8ae1bf36bf8a79260d012f00d4d80888d1d0bb44fda16da4" },
	{ "0000000000000000000000000000000000000000000000000000000000000006",
	  "b01a172a76a4602c92d3242cb897dde3024c740debb215b4c6b0aae93c2291a9",
	  "e85c10743237dad56fec0e2dfba703791c00f7701c7e16bdfd7c48538fc77fe2" },
	{ "0000000000000000000000000000000000000000000000000000000000000007",
	  "8e533b6fa0bf7b4625bb30667c01fb607ef9f8b8a80fef5b300628703187b2a3",
	  "73eb1dbde03318366d069f83a6f5900053c73633cb041b21c55e1a86c1f400b4" },
	{ "0000000000000000000000000000000000000000000000000000000000000008",
	  "62d9779dbee9b0534042742d3ab54cadc1d238980fce97dbb4dd9dc1db6fb393",
	  "ad5accbd91e9d8244ff15d771167cee0a2ed51f6bbe76a78da540a6a0f09957e" },
	{ "0000000000000000000000000000000000000000000000000000000000000009",
	  "ea68d7b6fedf0b71878938d51d71f8729e0acb8c2c6df8b3d79e8a4b90949ee0",
	  "2a2744c972c9fce787014a964a8ea0c84d714feaa4de823fe85a224a4dd048fa" },
	{ "000000000000000000000000000000000000000000000000000000000000000a",
	  "cef66d6b2a3a993e591214d1ea223fb545ca6c471c48306e4c36069404c5723f",
	  "878662a229aaae906e123cdd9d3b4c10590ded29fe751eeeca34bbaa44af0773" },
	{ "000000000000000000000000000000000000000000000000000000000000000b",
	  "3ed113b7883b4c590638379db0c21cda16742ed0255048bf433391d374bc21d1",
	  "9099209accc4c8a224c843afa4f4c68a090d04da5e9889dae2f8eefce82a3740" },
	{ "000000000000000000000000000000000000000000000000000000000000000c",
	  "741dd5bda817d95e4626537320e5d55179983028b2f82c99d500c5ee8624e3c4",
	  "0770b46a9c385fdc567383554887b1548eeb912c35ba5ca71995ff22cd4481d3" },
	{ "000000000000000000000000000000000000000000000000000000000000000d",
	  "177c837ae0ac495a61805df2d85ee2fc792e284b65ead58a98e15d9d46072c01",
	  "63bb58cd4ebea558a24091adb40f4e7226ee14c3a1fb4df39c43bbe2efc7bfd8" },
	{ "000000000000000000000000000000000000000000000000000000000000000e",
	  "54e77a001c3862b97a76647f4336df3cf126acbe7a069c5e5709277324d2920b",
	  "f599f1bb29f4317542121f8c05a2e7c37171ea77735090081ba7c82f60d0b375" },
	{ "000000000000000000000000000000000000000000000000000000000000000f",
	  "f0454dc6971abae7adfb378999888265ae03af92de3a0ef163668c63e59b9d5f",
	  "b5b93ee3592e2d1f4e6594e51f9643e62a3b21ce75b5fa3f47e59cde0d034f36" },
	{ "0000000000000000000000000000000000000000000000000000000000000010",
	  "76a94d138a6b41858b821c629836315fcd28392eff6ca038a5eb4787e1277c6e",
	  "a985fe61341f260e6cb0a1b5e11e87208599a0040fc78baa0e9ddd724b8c5110" },
	{ "0000000000000000000000000000000000000000000000000000000000000011",
	  "47776904c0f1cc3a9c0984b66f75301a5fa68678f0d64af8ba1abce34738a73e",
	  "aa005ee6b5b957286231856577648e8381b2804428d5733f32f787ff71f1fcdc" },
	{ "0000000000000000000000000000000000000000000000000000000000000012",
	  "1057e0ab5780f470defc9378d1c7c87437bb4c6f9ea55c63d936266dbd781fda",
	  "f6f1645a15cbe5dc9fa9b7dfd96ee5a7dcc11b5c5ef4f1f78d83b3393c6a45a2" },
	{ "0000000000000000000000000000000000000000000000000000000000000013",
	  "cb6d2861102c0c25ce39b7c17108c507782c452257884895c1fc7b74ab03ed83",
	  "58d7614b24d9ef515c35e7100d6d6ce4a496716e30fa3e03e39150752bcecdaa" },
	{ "0000000000000000000000000000000000000000000000000000000000000014",
	  "83a01a9378395bab9bcd6a0ad03cc56d56e6b19250465a94a234dc4c6b28da9a",
	  "76e49b6de2f73234ae6a5eb9d612b75c9f2202bb6923f54ff8240aaa86f640b8" },
	{ "000000000000000000000000000000000000000000000000018ebbb95eed0e13",
	  "339150844ec15234807fe862a86be77977dbfb3ae3d96f4c22795513aeaab82f",
	  "b1c14ddfdc8ec1b2583f51e85a5eb3a155840f2034730e9b5ada38b674336a21" },
	{ "0000000000000000000000000000000000159d893d4cdd747246cdca43590e13",
	  "1b7e046a076cc25e6d7fa5003f6729f665cc3241b5adab12b498cd32f2803264",
	  "bfea79be2b666b073db69a2a241adab0738fe9d2dd28b5604eb8c8cf097c457b" },
	{ "41ffc1fffffe01fffc0003fffe0007c001fff00003fff07ffe0007c000000003",
	  "9eace8f4b071e677c5350b02f2bb2b384aae89d58aa72ca97a170572e0fb222f",
	  "1bbdaec2430b09b93f7cb08678636ce12eaafd58390699b5fd2f6e1188fc2a78" },
	{ "7fffffc03fffc003fffffc007fff00000000070000100000000e00fffffff3ff",
	  "878f22cc6db6048d2b767268f22ffad8e56ab8e2dc615f7bd89f1e350500dd8d",
	  "714a5d7bb901c9c5853400d12341a892ef45d87fc553786756c4f0c9391d763e" },
	{ "0000fffff01ffff8ffffc00fffffffffc000000fffffc007fffffc000fffe3ff",
	  "659a379625ab122f2512b8dada02c6348d53b54452dff67ac7ace4e8856295ca",
	  "49d81ab97b648464d0b4a288bd7818fab41a16426e943527c4fed8736c53d0f6" },
	{ "4000008000fffffc000003f00000ffffffff800003800f8000e0000e000000ff",
	  "cbceaaa8a4dd44bbce58e8db7740a5510ec2cb7ea8da8d8f036b3fb04cda4de4",
	  "4bd7aa301a80d7f59fd983fedbe59bb7b2863fe46494935e3745b360e32332fa" },
	{ "003ffffff0001f80000003f80003ffffc0000000000ffe0000007ff818000f80",
	  "f0c4a0576154ff3a33a3460d42eaed806e854dfa37125221d37935124ba462a4",
	  "5b392fa964434d29eec6c9dbc261cf116796864aa2faadb984a2df38d1aef7a3" },
	{ "000001c000000000001001f803ffffff80000000000007ff0000000000000000",
	  "5e6c8524b6369530b12c62d31ec53e0288173bd662bdf680b53a41ecbcad00cc",
	  "447fe742c2bfef4d0db14b5b83a2682309b5618e0064a94804e9282179fe089f" },
	{ "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc63254f",
	  "7cf27b188d034f7e8a52380304b51ac3c08969e277f21b35a60b48fc47669978",
	  "f888aaee24712fc0d6c26539608bcf244582521ac3167dd661fb4862dd878c2e" },
	{ "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632550",
	  "6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296",
	  "b01cbd1c01e58065711814b583f061e9d431cca994cea1313449bf97c840ae0a" },
};

static void kat_mulgen(void)
{
	size_t i;

	for (i = 0; i < sizeof kg_vecs / sizeof kg_vecs[0]; i++) {
		uint8_t k[32], want[65], out[65];
		size_t lead = 0;

		unhex(kg_vecs[i].k, k, 32);
		point_hex(want, kg_vecs[i].x, kg_vecs[i].y);
		CHECK_EQ_INT(tg_p256_mulgen(out, k, 32), 65);
		CHECK(memcmp(out, want, 65) == 0);
		/* the same k without its leading zero bytes (1..20: klen 1) */
		while (lead < 31 && k[lead] == 0)
			lead++;
		memset(out, 0, sizeof out);
		CHECK_EQ_INT(tg_p256_mulgen(out, k + lead, 32 - lead), 65);
		CHECK(memcmp(out, want, 65) == 0);
		/* and through mul on G */
		memcpy(out, gen(), 65);
		CHECK_EQ_INT(tg_p256_mul(out, 65, k, 32), 1);
		CHECK(memcmp(out, want, 65) == 0);
		memcpy(out, gen(), 65);
		CHECK_EQ_INT(tg_p256_mul(out, 65, k + lead, 32 - lead), 1);
		CHECK(memcmp(out, want, 65) == 0);
	}
}

/*
 * NIST CAVS 14.1 ECC CDH Primitive, P-256 (KAS_ECC_CDH_PrimitiveTest.txt):
 * ZIUT = x(dIUT * QCAVS); QIUT = dIUT * G (given for some of them here).
 */
static const struct {
	const char *qx, *qy, *d, *ix, *iy, *z;
} cdh_vecs[] = {
	{ /* COUNT = 0 */
	  "700c48f77f56584c5cc632ca65640db91b6bacce3a4df6b42ce7cc838833d287",
	  "db71e509e3fd9b060ddb20ba5c51dcc5948d46fbf640dfe0441782cab85fa4ac",
	  "7d7dc5f71eb29ddaf80d6214632eeae03d9058af1fb6d22ed80badb62bc1a534",
	  "ead218590119e8876b29146ff89ca61770c4edbbf97d38ce385ed281d8a6b230",
	  "28af61281fd35e2fa7002523acc85a429cb06ee6648325389f59edfce1405141",
	  "46fc62106420ff012e54a434fbdd2d25ccc5852060561e68040dd7778997bd7b" },
	{ /* COUNT = 1 */
	  "809f04289c64348c01515eb03d5ce7ac1a8cb9498f5caa50197e58d43a86a7ae",
	  "b29d84e811197f25eba8f5194092cb6ff440e26d4421011372461f579271cda3",
	  "38f65d6dce47676044d58ce5139582d568f64bb16098d179dbab07741dd5caf5",
	  "119f2f047902782ab0c9e27a54aff5eb9b964829ca99c06b02ddba95b0a3f6d0",
	  "8f52b726664cac366fc98ac7a012b2682cbd962e5acb544671d41b9445704d1d",
	  "057d636096cb80b67a8c038c890e887d1adfa4195e9b3ce241c8a778c59cda67" },
	{ /* COUNT = 2 */
	  "a2339c12d4a03c33546de533268b4ad667debf458b464d77443636440ee7fec3",
	  "ef48a3ab26e20220bcda2c1851076839dae88eae962869a497bf73cb66faf536",
	  "1accfaf1b97712b85a6f54b148985a1bdc4c9bec0bd258cad4b3d603f49f32c8",
	  "d9f2b79c172845bfdb560bbb01447ca5ecc0470a09513b6126902c6b4f8d1051",
	  "f815ef5ec32128d3487834764678702e64e164ff7315185e23aff5facd96d7bc",
	  "2d457b78b4614132477618a5b077965ec90730a8c81a1c75d6d4ec68005d67ec" },
	{ /* COUNT = 3 */
	  "df3989b9fa55495719b3cf46dccd28b5153f7808191dd518eff0c3cff2b705ed",
	  "422294ff46003429d739a33206c8752552c8ba54a270defc06e221e0feaf6ac4",
	  "207c43a79bfee03db6f4b944f53d2fb76cc49ef1c9c4d34d51b6c65c4db6932d",
	  "24277c33f450462dcb3d4801d57b9ced05188f16c28eda873258048cd1607e0d",
	  "c4789753e2b1f63b32ff014ec42cd6a69fac81dfe6d0d6fd4af372ae27c46f88",
	  "96441259534b80f6aee3d287a6bb17b5094dd4277d9e294f8fe73e48bf2a0024" },
	{ /* COUNT = 4 */
	  "41192d2813e79561e6a1d6f53c8bc1a433a199c835e141b05a74a97b0faeb922",
	  "1af98cc45e98a7e041b01cf35f462b7562281351c8ebf3ffa02e33a0722a1328",
	  "59137e38152350b195c9718d39673d519838055ad908dd4757152fd8255c09bf",
	  NULL, NULL,
	  "19d44c8d63e8e8dd12c22a87b8cd4ece27acdde04dbf47f7f27537a6999a8e62" },
	{ /* COUNT = 5 */
	  "33e82092a0f1fb38f5649d5867fba28b503172b7035574bf8e5b7100a3052792",
	  "f2cf6b601e0a05945e335550bf648d782f46186c772c0f20d3cd0d6b8ca14b2f",
	  "f5f8e0174610a661277979b58ce5c90fee6c9b3bb346a90a7196255e40b132ef",
	  NULL, NULL,
	  "664e45d5bba4ac931cd65d52017e4be9b19a515f669bea4703542a2c525cd3d3" },
	{ /* COUNT = 24 */
	  "356c5a444c049a52fee0adeb7e5d82ae5aa83030bfff31bbf8ce2096cf161c4b",
	  "57d128de8b2a57a094d1a001e572173f96e8866ae352bf29cddaf92fc85b2f92",
	  "85a268f9d7772f990c36b42b0a331adc92b5941de0b862d5d89a347cbf8faab0",
	  "9cf4b98581ca1779453cc816ff28b4100af56cf1bf2e5bc312d83b6b1b21d333",
	  "7a5504fcac5231a0d12d658218284868229c844a04a3450d6c7381abe080bf3b",
	  "1e51373bd2c6044c129c436e742a55be2a668a85ae08441b6756445df5493857" },
};

static void ecdh_cavs(void)
{
	size_t i;

	for (i = 0; i < sizeof cdh_vecs / sizeof cdh_vecs[0]; i++) {
		uint8_t Q[65], d[32], z[32], want[65], out[65];

		point_hex(Q, cdh_vecs[i].qx, cdh_vecs[i].qy);
		unhex(cdh_vecs[i].d, d, 32);
		unhex(cdh_vecs[i].z, z, 32);
		CHECK(same_mul(Q, d, 32));
		memcpy(out, Q, 65);
		CHECK_EQ_INT(tg_p256_mul(out, 65, d, 32), 1);
		CHECK(memcmp(out + 1, z, 32) == 0);
		if (cdh_vecs[i].ix) {
			point_hex(want, cdh_vecs[i].ix, cdh_vecs[i].iy);
			CHECK_EQ_INT(tg_p256_mulgen(out, d, 32), 65);
			CHECK(memcmp(out, want, 65) == 0);
		}
	}
}

/* ---- differential against br_ec_p256_m31 --------------------------------- */

static size_t rand_klen(unsigned i)
{
	/* every length 1..32, mostly full length */
	return (i & 3) ? 32 : 1 + (size_t)(check_rand() % 32);
}

static void diff_mulgen(void)
{
	uint8_t k[64];
	unsigned i, bad = 0;

	for (i = 0; i < 1200; i++) {
		size_t klen = rand_klen(i);

		rand_bytes(k, klen);
		if (!same_mulgen(k, klen) && bad++ < 5)
			fprintf(stderr, "  mulgen differs, iteration %u klen %zu\n", i, klen);
	}
	/* longer than 32 bytes: leading zeros (k < n, defined), and values
	 * >= 2^256 (reduced mod n here; BearSSL computes the same multiple) */
	for (i = 0; i < 64; i++) {
		size_t klen = 33 + (size_t)(check_rand() % 31);

		rand_bytes(k, klen);
		if (i & 1)
			memset(k, 0, klen - 32);
		if (!same_mulgen(k, klen) && bad++ < 5)
			fprintf(stderr, "  mulgen differs, long k, klen %zu\n", klen);
	}
	CHECK_EQ_INT(bad, 0);
}

static void diff_mul(void)
{
	uint8_t k[64], s[32], P[65];
	unsigned i, bad = 0;

	for (i = 0; i < 320; i++) {
		size_t klen = rand_klen(i);

		/* a random valid point: s*G by BearSSL */
		rand_bytes(s, sizeof s);
		s[0] &= 0x7f;
		s[31] |= 1;
		br_ec_p256_m31.mulgen(P, s, sizeof s, BR_EC_secp256r1);
		rand_bytes(k, klen);
		if (!same_mul(P, k, klen) && bad++ < 5)
			fprintf(stderr, "  mul differs, iteration %u klen %zu\n", i, klen);
	}
	for (i = 0; i < 16; i++) {
		size_t klen = 33 + (size_t)(check_rand() % 31);

		rand_bytes(s, sizeof s);
		s[0] &= 0x7f;
		s[31] |= 1;
		br_ec_p256_m31.mulgen(P, s, sizeof s, BR_EC_secp256r1);
		rand_bytes(k, klen);
		if (i & 1)
			memset(k, 0, klen - 32);
		if (!same_mul(P, k, klen) && bad++ < 5)
			fprintf(stderr, "  mul differs, long k, klen %zu\n", klen);
	}
	CHECK_EQ_INT(bad, 0);
}

/* k = 2^m - 1, 2^m, 2^m + 1: runs of equal bits across every window */
static void diff_structured(void)
{
	uint8_t k[32], P[65], s[32];
	unsigned m, bad = 0;
	int d;

	rand_bytes(s, sizeof s);
	s[0] &= 0x7f;
	s[31] |= 1;
	br_ec_p256_m31.mulgen(P, s, sizeof s, BR_EC_secp256r1);
	for (m = 1; m < 256; m++) {
		for (d = -1; d <= 1; d++) {
			unsigned j;

			memset(k, 0, sizeof k);
			k[31 - m / 8] = (uint8_t)(1u << (m % 8));
			if (d < 0) {
				/* 2^m - 1: all ones below bit m */
				memset(k, 0, sizeof k);
				for (j = 0; j < m; j++)
					k[31 - j / 8] |= (uint8_t)(1u << (j % 8));
			} else if (d > 0) {
				k[31] |= 1;
			}
			if (!same_mulgen(k, 32) && bad++ < 5)
				fprintf(stderr, "  mulgen differs, 2^%u%+d\n", m, d);
			if (m % 3 == 0 && !same_mul(P, k, 32) && bad++ < 5)
				fprintf(stderr, "  mul differs, 2^%u%+d\n", m, d);
		}
	}
	/* 2^256 - 1 */
	memset(k, 0xff, sizeof k);
	CHECK(same_mulgen(k, 32));
	CHECK(same_mul(P, k, 32));
	CHECK_EQ_INT(bad, 0);
}

/* ---- edge cases ------------------------------------------------------------ */

static void refused_points(void)
{
	static const uint8_t prefixes[] = { 0x00, 0x02, 0x03, 0x05, 0x06, 0x07, 0x14, 0xff };
	/* (0, sqrt(b)) is on the curve; X = p is the same x unreduced */
	static const char *y0 = "66485c780e2f83d72433bd5d84a06bb6541c2af31dae871728bf856a174f93f4";
	uint8_t k[32], P[65], Q[65], buf[200];
	size_t i, len;

	rand_bytes(k, sizeof k);

	/* a point off the curve */
	memcpy(P, gen(), 65);
	P[64] ^= 1;
	CHECK(same_mul(P, k, 32));
	memcpy(Q, P, 65);
	CHECK_EQ_INT(tg_p256_mul(Q, 65, k, 32), 0);
	CHECK(memcmp(Q, P, 65) == 0); /* refused: left as it was */

	/* x = 0 is a valid point; X = p (0 mod p, curve equation holds mod p)
	 * is refused for X >= p alone */
	memset(P, 0, sizeof P);
	P[0] = 0x04;
	unhex(y0, P + 33, 32);
	CHECK(same_mul(P, k, 32));
	memcpy(Q, P, 65);
	CHECK_EQ_INT(tg_p256_mul(Q, 65, k, 32), 1);
	memcpy(P + 1, P256_P, 32);
	CHECK(same_mul(P, k, 32));
	memcpy(Q, P, 65);
	CHECK_EQ_INT(tg_p256_mul(Q, 65, k, 32), 0);

	/* Y = p, Y = 2^256 - 1, X = 2^256 - 1 */
	memcpy(P, gen(), 65);
	memcpy(P + 33, P256_P, 32);
	CHECK(same_mul(P, k, 32));
	CHECK_EQ_INT(tg_p256_mul(P, 65, k, 32), 0);
	memset(P + 33, 0xff, 32);
	CHECK(same_mul(P, k, 32));
	CHECK_EQ_INT(tg_p256_mul(P, 65, k, 32), 0);
	memcpy(P, gen(), 65);
	memset(P + 1, 0xff, 32);
	CHECK(same_mul(P, k, 32));
	CHECK_EQ_INT(tg_p256_mul(P, 65, k, 32), 0);

	/* (0, 0): what infinity would look like, not on the curve */
	memset(P, 0, sizeof P);
	P[0] = 0x04;
	CHECK(same_mul(P, k, 32));
	CHECK_EQ_INT(tg_p256_mul(P, 65, k, 32), 0);

	/* first byte other than 0x04 */
	for (i = 0; i < sizeof prefixes; i++) {
		memcpy(P, gen(), 65);
		P[0] = prefixes[i];
		CHECK(same_mul(P, k, 32));
		CHECK_EQ_INT(tg_p256_mul(P, 65, k, 32), 0);
	}

	/* wrong lengths: shorter ones against BearSSL (which then writes
	 * nothing), longer ones only ours: BearSSL encodes an uninitialised
	 * point into them, its documented "indeterminate" */
	for (len = 0; len < 65; len++) {
		memset(buf, 0x3c, sizeof buf);
		memcpy(buf, gen(), len < 65 ? len : 65);
		memcpy(Q, buf, 65);
		CHECK_EQ_INT(br_ec_p256_m31.mul(Q, len, k, 32, BR_EC_secp256r1), 0);
		CHECK_EQ_INT(tg_p256_mul(buf, len, k, 32), 0);
	}
	for (len = 66; len <= sizeof buf; len += 7) {
		memset(buf, 0x3c, sizeof buf);
		memcpy(buf, gen(), 65);
		memcpy(Q, buf, 65);
		CHECK_EQ_INT(tg_p256_mul(buf, len, k, 32), 0);
		CHECK(memcmp(buf, Q, 65) == 0);
	}
}

static void special_scalars(void)
{
	static const uint8_t zero65[65] = { 0x04 };
	uint8_t k[64], out[65], want[65], P[65];
	unsigned i;

	memcpy(P, gen(), 65);
	P[0] = 0x04;

	/* k = 0 (empty, one byte, 32 bytes): infinity, 0x04 || 0^64 */
	memset(k, 0, sizeof k);
	CHECK(same_mulgen(k, 0));
	CHECK(same_mulgen(k, 1));
	CHECK(same_mulgen(k, 32));
	CHECK(same_mul(P, k, 0));
	CHECK(same_mul(P, k, 32));
	CHECK_EQ_INT(tg_p256_mulgen(out, k, 32), 65);
	CHECK(memcmp(out, zero65, 65) == 0);
	memcpy(out, P, 65);
	CHECK_EQ_INT(tg_p256_mul(out, 65, k, 32), 1);
	CHECK(memcmp(out, zero65, 65) == 0);
	memcpy(out, P, 65);
	CHECK_EQ_INT(tg_p256_mul(out, 65, NULL, 0), 1);
	CHECK(memcmp(out, zero65, 65) == 0);

	/* k = n: infinity again, the same bytes and return as BearSSL */
	memcpy(k, P256_N, 32);
	CHECK(same_mulgen(k, 32));
	CHECK(same_mul(P, k, 32));
	CHECK_EQ_INT(tg_p256_mulgen(out, k, 32), 65);
	CHECK(memcmp(out, zero65, 65) == 0);
	memcpy(out, P, 65);
	CHECK_EQ_INT(tg_p256_mul(out, 65, k, 32), 1);
	CHECK(memcmp(out, zero65, 65) == 0);

	/* k = n + i: the same point as k = i (kg_vecs[i - 1]) */
	for (i = 1; i <= 5; i++) {
		int j, c = (int)i;

		for (j = 31; j >= 0; j--) {
			c += P256_N[j];
			k[j] = (uint8_t)c;
			c >>= 8;
		}
		point_hex(want, kg_vecs[i - 1].x, kg_vecs[i - 1].y);
		CHECK_EQ_INT(tg_p256_mulgen(out, k, 32), 65);
		CHECK(memcmp(out, want, 65) == 0);
		memcpy(out, P, 65);
		CHECK_EQ_INT(tg_p256_mul(out, 65, k, 32), 1);
		CHECK(memcmp(out, want, 65) == 0);
	}

	/* longer than 32 bytes: n * 2^8 + 3 (33 bytes) is 3G, 2n (33
	 * bytes) is infinity */
	memcpy(k, P256_N, 32);
	k[32] = 3;
	point_hex(want, kg_vecs[2].x, kg_vecs[2].y);
	CHECK_EQ_INT(tg_p256_mulgen(out, k, 33), 65);
	CHECK(memcmp(out, want, 65) == 0);
	memcpy(out, P, 65);
	CHECK_EQ_INT(tg_p256_mul(out, 65, k, 33), 1);
	CHECK(memcmp(out, want, 65) == 0);
	{
		int j, c = 0;

		for (j = 31; j >= 0; j--) {
			c += 2 * P256_N[j];
			k[j + 1] = (uint8_t)c;
			c >>= 8;
		}
		k[0] = (uint8_t)c;
	}
	CHECK_EQ_INT(tg_p256_mulgen(out, k, 33), 65);
	CHECK(memcmp(out, zero65, 65) == 0);

	/* n - 1 with 30 leading zero bytes (62 bytes) */
	memset(k, 0, sizeof k);
	memcpy(k + 30, P256_N, 32);
	k[61] -= 1;
	CHECK(same_mulgen(k, 62));
	CHECK(same_mul(P, k, 62));
	point_hex(want, kg_vecs[sizeof kg_vecs / sizeof kg_vecs[0] - 1].x,
		  kg_vecs[sizeof kg_vecs / sizeof kg_vecs[0] - 1].y);
	CHECK_EQ_INT(tg_p256_mulgen(out, k, 62), 65);
	CHECK(memcmp(out, want, 65) == 0);
}

/* ---- ECDSA through BearSSL with our mul/mulgen ----------------------------- */

static void ecdsa_roundtrip(void)
{
	br_ec_impl ours = br_ec_p256_m31;
	unsigned i;

	ours.mul = our_mul;
	ours.mulgen = our_mulgen;
	for (i = 0; i < 24; i++) {
		uint8_t x[32], hash[32], pub_a[65], pub_b[65];
		uint8_t sig_a[72], sig_b[72], der[80];
		br_ec_private_key sk = { BR_EC_secp256r1, x, sizeof x };
		br_ec_public_key pk;
		size_t la, lb;

		rand_bytes(x, sizeof x);
		x[0] &= 0x7f; /* < n */
		x[31] |= 1;   /* != 0 */
		rand_bytes(hash, sizeof hash);

		/* public key: ours and BearSSL's */
		CHECK_EQ_INT(br_ec_compute_pub(&ours, &pk, pub_a, &sk), 65);
		CHECK_EQ_INT(br_ec_compute_pub(&br_ec_p256_m31, &pk, pub_b, &sk), 65);
		CHECK(memcmp(pub_a, pub_b, 65) == 0);
		pk.q = pub_a;

		/* RFC 6979 signatures are deterministic: ours == BearSSL's */
		la = br_ecdsa_i31_sign_raw(&ours, &br_sha256_vtable, hash, &sk, sig_a);
		lb = br_ecdsa_i31_sign_raw(&br_ec_p256_m31, &br_sha256_vtable, hash, &sk, sig_b);
		CHECK_EQ_INT(la, 64);
		CHECK(la == lb && memcmp(sig_a, sig_b, la) == 0);
		CHECK_EQ_INT(br_ecdsa_i31_vrfy_raw(&br_ec_p256_m31, hash, sizeof hash, &pk, sig_a, la),
			     1);
		hash[5] ^= 0x10;
		CHECK_EQ_INT(br_ecdsa_i31_vrfy_raw(&br_ec_p256_m31, hash, sizeof hash, &pk, sig_a, la),
			     0);
		hash[5] ^= 0x10;

		/* the ASN.1 path, as tls13.c signs CertificateVerify */
		la = br_ecdsa_i31_sign_asn1(&ours, &br_sha256_vtable, hash, &sk, der);
		CHECK(la > 0);
		CHECK_EQ_INT(br_ecdsa_i31_vrfy_asn1(&br_ec_p256_m31, hash, sizeof hash, &pk, der, la),
			     1);
	}
}

/* ---- ECDSA: tg_p256_ecdsa_sign_raw / _asn1 --------------------------------- */

/* the hash classes of the RFC 6979 vectors, with their output lengths
 * 20, 28, 32, 48 and 64 */
static const br_hash_class *const ecdsa_hashes[] = {
	&br_sha1_vtable, &br_sha224_vtable, &br_sha256_vtable, &br_sha384_vtable, &br_sha512_vtable,
};

static size_t hash_out_len(const br_hash_class *hf)
{
	return (hf->desc >> BR_HASHDESC_OUT_OFF) & BR_HASHDESC_OUT_MASK;
}

/*
 * 1 if the hash value hv[0..hlen) is 0 mod n as ECDSA reads it (its
 * leftmost 256 bits).  BearSSL's verifier refuses every signature of
 * such a hash (u1 = 0: its muladd fails on 0*G), though the signature is
 * valid (one checked with Python); same_ecdsa() does not verify those.
 */
static int hash_zero_mod_n(const uint8_t *hv, size_t hlen)
{
	static const uint8_t zero[32];
	size_t t = hlen < 32 ? hlen : 32;

	return memcmp(hv, zero, t) == 0 || (t == 32 && memcmp(hv, P256_N, 32) == 0);
}

/*
 * Ours against br_ecdsa_i31_sign_raw/_asn1 (br_ec_p256_m31) on one key
 * and hash value of hf's length: same return value, same bytes; a
 * signature made is checked with br_ecdsa_i31_vrfy_raw/_asn1 when pub is
 * given (and h != 0 mod n).  Returns 1 if all agree.
 */
static int same_ecdsa(const br_hash_class *hf, const uint8_t *hv, const br_ec_private_key *sk,
		      const uint8_t *pub)
{
	size_t hlen = hash_out_len(hf), la, lb;
	uint8_t a[80], b[80], q[65];
	br_ec_public_key pk = { BR_EC_secp256r1, q, sizeof q };
	int ok = 1;

	if (hash_zero_mod_n(hv, hlen))
		pub = NULL;
	if (pub)
		memcpy(q, pub, sizeof q);

	memset(a, 0xa5, sizeof a);
	memset(b, 0xa5, sizeof b);
	la = tg_p256_ecdsa_sign_raw(hf, hv, hlen, sk, a);
	lb = br_ecdsa_i31_sign_raw(&br_ec_p256_m31, hf, hv, sk, b);
	ok &= la == lb && memcmp(a, b, sizeof a) == 0;
	if (la && pub)
		ok &= br_ecdsa_i31_vrfy_raw(&br_ec_p256_m31, hv, hlen, &pk, a, la) == 1;

	memset(a, 0x5a, sizeof a);
	memset(b, 0x5a, sizeof b);
	la = tg_p256_ecdsa_sign_asn1(hf, hv, hlen, sk, a);
	lb = br_ecdsa_i31_sign_asn1(&br_ec_p256_m31, hf, hv, sk, b);
	ok &= la == lb && memcmp(a, b, sizeof a) == 0;
	if (la && pub)
		ok &= br_ecdsa_i31_vrfy_asn1(&br_ec_p256_m31, hv, hlen, &pk, a, la) == 1;
	return ok;
}

/* RFC 6979 A.2.5, P-256: key, then r || s and the DER form per message and
 * hash (as listed in BearSSL's test_crypto.c too) */
static const char RFC6979_X[] = "C9AFA9D845BA75166B5C215767B1D6934E50C3DB36E89B127B8A622B120F6721";
static const char RFC6979_PUB[] =
	"0460FED4BA255A9D31C961EB74C6356D68C049B8923B61FA6CE669622E60F29FB6"
	"7903FE1008B8BC99A41AE9E95628BC64F2F1B20C2D7E9F5177A3C294D4462299";

static const struct {
	unsigned hash; /* index in ecdsa_hashes */
	const char *msg, *raw, *der;
} rfc6979_vec[] = {
	{ 0, "sample",
	  "61340C88C3AAEBEB4F6D667F672CA9759A6CCAA9FA8811313039EE4A35471D32"
	  "6D7F147DAC089441BB2E2FE8F7A3FA264B9C475098FDCF6E00D7C996E1B8B7EB",
	  "3044022061340C88C3AAEBEB4F6D667F672CA9759A6CCAA9FA8811313039EE4A35471D32"
	  "02206D7F147DAC089441BB2E2FE8F7A3FA264B9C475098FDCF6E00D7C996E1B8B7EB" },
	{ 1, "sample",
	  "53B2FFF5D1752B2C689DF257C04C40A587FABABB3F6FC2702F1343AF7CA9AA3F"
	  "B9AFB64FDC03DC1A131C7D2386D11E349F070AA432A4ACC918BEA988BF75C74C",
	  "3045022053B2FFF5D1752B2C689DF257C04C40A587FABABB3F6FC2702F1343AF7CA9AA3F"
	  "022100B9AFB64FDC03DC1A131C7D2386D11E349F070AA432A4ACC918BEA988BF75C74C" },
	{ 2, "sample",
	  "EFD48B2AACB6A8FD1140DD9CD45E81D69D2C877B56AAF991C34D0EA84EAF3716"
	  "F7CB1C942D657C41D436C7A1B6E29F65F3E900DBB9AFF4064DC4AB2F843ACDA8",
	  "3046022100EFD48B2AACB6A8FD1140DD9CD45E81D69D2C877B56AAF991C34D0EA84EAF3716"
	  "022100F7CB1C942D657C41D436C7A1B6E29F65F3E900DBB9AFF4064DC4AB2F843ACDA8" },
	{ 3, "sample",
	  "0EAFEA039B20E9B42309FB1D89E213057CBF973DC0CFC8F129EDDDC800EF7719"
	  "4861F0491E6998B9455193E34E7B0D284DDD7149A74B95B9261F13ABDE940954",
	  "304402200EAFEA039B20E9B42309FB1D89E213057CBF973DC0CFC8F129EDDDC800EF7719"
	  "02204861F0491E6998B9455193E34E7B0D284DDD7149A74B95B9261F13ABDE940954" },
	{ 4, "sample",
	  "8496A60B5E9B47C825488827E0495B0E3FA109EC4568FD3F8D1097678EB97F00"
	  "2362AB1ADBE2B8ADF9CB9EDAB740EA6049C028114F2460F96554F61FAE3302FE",
	  "30450221008496A60B5E9B47C825488827E0495B0E3FA109EC4568FD3F8D1097678EB97F00"
	  "02202362AB1ADBE2B8ADF9CB9EDAB740EA6049C028114F2460F96554F61FAE3302FE" },
	{ 0, "test",
	  "0CBCC86FD6ABD1D99E703E1EC50069EE5C0B4BA4B9AC60E409E8EC5910D81A89"
	  "01B9D7B73DFAA60D5651EC4591A0136F87653E0FD780C3B1BC872FFDEAE479B1",
	  "304402200CBCC86FD6ABD1D99E703E1EC50069EE5C0B4BA4B9AC60E409E8EC5910D81A89"
	  "022001B9D7B73DFAA60D5651EC4591A0136F87653E0FD780C3B1BC872FFDEAE479B1" },
	{ 1, "test",
	  "C37EDB6F0AE79D47C3C27E962FA269BB4F441770357E114EE511F662EC34A692"
	  "C820053A05791E521FCAAD6042D40AEA1D6B1A540138558F47D0719800E18F2D",
	  "3046022100C37EDB6F0AE79D47C3C27E962FA269BB4F441770357E114EE511F662EC34A692"
	  "022100C820053A05791E521FCAAD6042D40AEA1D6B1A540138558F47D0719800E18F2D" },
	{ 2, "test",
	  "F1ABB023518351CD71D881567B1EA663ED3EFCF6C5132B354F28D3B0B7D38367"
	  "019F4113742A2B14BD25926B49C649155F267E60D3814B4C0CC84250E46F0083",
	  "3045022100F1ABB023518351CD71D881567B1EA663ED3EFCF6C5132B354F28D3B0B7D38367"
	  "0220019F4113742A2B14BD25926B49C649155F267E60D3814B4C0CC84250E46F0083" },
	{ 3, "test",
	  "83910E8B48BB0C74244EBDF7F07A1C5413D61472BD941EF3920E623FBCCEBEB6"
	  "8DDBEC54CF8CD5874883841D712142A56A8D0F218F5003CB0296B6B509619F2C",
	  "304602210083910E8B48BB0C74244EBDF7F07A1C5413D61472BD941EF3920E623FBCCEBEB6"
	  "0221008DDBEC54CF8CD5874883841D712142A56A8D0F218F5003CB0296B6B509619F2C" },
	{ 4, "test",
	  "461D93F31B6540894788FD206C07CFA0CC35F46FA3C91816FFF1040AD1581A04"
	  "39AF9F15DE0DB8D97E72719C74820D304CE5226E32DEDAE67519E840D1194E55",
	  "30440220461D93F31B6540894788FD206C07CFA0CC35F46FA3C91816FFF1040AD1581A04"
	  "022039AF9F15DE0DB8D97E72719C74820D304CE5226E32DEDAE67519E840D1194E55" },
};

static void ecdsa_rfc6979(void)
{
	uint8_t x[32], pub[65], mypub[65], hv[64], want[80], sig[80];
	br_ec_private_key sk = { BR_EC_secp256r1, x, sizeof x };
	br_ec_public_key pk;
	size_t i, wlen, hlen;

	unhex(RFC6979_X, x, sizeof x);
	unhex(RFC6979_PUB, pub, sizeof pub);
	CHECK_EQ_INT(br_ec_compute_pub(&br_ec_p256_m31, &pk, mypub, &sk), 65);
	CHECK(memcmp(pub, mypub, 65) == 0);
	for (i = 0; i < sizeof rfc6979_vec / sizeof rfc6979_vec[0]; i++) {
		const br_hash_class *hf = ecdsa_hashes[rfc6979_vec[i].hash];
		br_hash_compat_context hc;

		hf->init(&hc.vtable);
		hf->update(&hc.vtable, rfc6979_vec[i].msg, strlen(rfc6979_vec[i].msg));
		hf->out(&hc.vtable, hv);
		hlen = hash_out_len(hf);

		wlen = unhex(rfc6979_vec[i].raw, want, sizeof want);
		memset(sig, 0, sizeof sig);
		CHECK_EQ_INT(tg_p256_ecdsa_sign_raw(hf, hv, hlen, &sk, sig), 64);
		CHECK(wlen == 64 && memcmp(sig, want, 64) == 0);
		wlen = unhex(rfc6979_vec[i].der, want, sizeof want);
		memset(sig, 0, sizeof sig);
		CHECK_EQ_INT(tg_p256_ecdsa_sign_asn1(hf, hv, hlen, &sk, sig), wlen);
		CHECK(memcmp(sig, want, wlen) == 0);
		CHECK(same_ecdsa(hf, hv, &sk, pub));
	}
}

/* random keys and hash values, every hash class, against BearSSL */
static void ecdsa_diff(void)
{
	unsigned i, bad = 0;

	for (i = 0; i < 600; i++) {
		const br_hash_class *hf;
		uint8_t x[32], hv[64], pub[65];
		br_ec_private_key sk = { BR_EC_secp256r1, x, sizeof x };
		br_ec_public_key pk;

		/* mostly SHA-256, as TLS uses it; one in four another hash */
		hf = (i & 3) ? &br_sha256_vtable : ecdsa_hashes[(i >> 2) % 5];
		rand_bytes(x, sizeof x);
		if (i % 7 == 0)
			memset(x, 0, 16 + i % 15); /* small keys */
		if (i % 11 == 0)
			x[0] = 0xff; /* large keys (rarely >= n: both refuse) */
		rand_bytes(hv, sizeof hv);
		if (i % 13 == 0)
			memset(hv, 0xff, 32); /* h >= n: h mod n is used */
		if (i % 17 == 0)
			memset(hv, 0, 12 + i % 21); /* leading zeros */
		if (memcmp(x, P256_N, 32) < 0 && br_ec_compute_pub(&br_ec_p256_m31, &pk, pub, &sk))
			bad += !same_ecdsa(hf, hv, &sk, pub);
		else
			bad += !same_ecdsa(hf, hv, &sk, NULL);
	}
	CHECK_EQ_INT(bad, 0);
}

/* the edges: keys 1, 2, n-1, n-2; h = 0, n-1, n, n+1, 2^256-1 */
static void ecdsa_edges(void)
{
	uint8_t keys[4][32], hvs[6][64], pub[65];
	unsigned i, j, k;

	memset(keys, 0, sizeof keys);
	keys[0][31] = 1;
	keys[1][31] = 2;
	memcpy(keys[2], P256_N, 32);
	keys[2][31] -= 1;
	memcpy(keys[3], P256_N, 32);
	keys[3][31] -= 2;
	memset(hvs, 0, sizeof hvs);
	for (j = 1; j < 5; j++)
		memcpy(hvs[j], P256_N, 32);
	hvs[1][31] -= 1;
	hvs[3][31] += 1;
	memset(hvs[4], 0xff, 32);
	memset(hvs[5], 0xff, 64);
	for (i = 0; i < 4; i++) {
		br_ec_private_key sk = { BR_EC_secp256r1, keys[i], 32 };
		br_ec_public_key pk;

		CHECK_EQ_INT(br_ec_compute_pub(&br_ec_p256_m31, &pk, pub, &sk), 65);
		for (j = 0; j < 6; j++)
			for (k = 0; k < 5; k++)
				CHECK(same_ecdsa(ecdsa_hashes[k], hvs[j], &sk, pub));
	}
}

/*
 * Hash lengths: only the leftmost 256 bits count (20, 28 and 32 bytes
 * are taken whole, 48 and 64 truncated to 32), whatever the DRBG hash;
 * hv_len 0 is h = 0.
 */
static void ecdsa_hash_lengths(void)
{
	static const size_t lens[] = { 0, 1, 20, 28, 31, 32, 33, 48, 64 };
	uint8_t x[32], hv[64], pad[32], a[64], b[64];
	br_ec_private_key sk = { BR_EC_secp256r1, x, sizeof x };
	size_t i, j;

	rand_bytes(x, sizeof x);
	x[0] &= 0x7f;
	rand_bytes(hv, sizeof hv);
	for (i = 0; i < sizeof ecdsa_hashes / sizeof ecdsa_hashes[0]; i++) {
		for (j = 0; j < sizeof lens / sizeof lens[0]; j++) {
			size_t l = lens[j], t = l < 32 ? l : 32;

			/* same as the value left-padded (or cut) to 32 bytes */
			memset(pad, 0, sizeof pad);
			memcpy(pad + 32 - t, hv, t);
			CHECK_EQ_INT(tg_p256_ecdsa_sign_raw(ecdsa_hashes[i], hv, l, &sk, a), 64);
			CHECK_EQ_INT(tg_p256_ecdsa_sign_raw(ecdsa_hashes[i], pad, 32, &sk, b), 64);
			CHECK(memcmp(a, b, 64) == 0);
		}
	}
}

/* refused keys: 0 and nothing written, as BearSSL (where it refuses too) */
static void ecdsa_refusals(void)
{
	uint8_t x[40], hv[32], sig[80], want[80];
	br_ec_private_key sk = { BR_EC_secp256r1, x, 32 };
	size_t i;

	rand_bytes(hv, sizeof hv);
	memset(want, 0x77, sizeof want);

	/* x = 0, n, n + 1, 2^256 - 1, and above n by the top limb only;
	 * all refused by BearSSL too */
	for (i = 0; i < 5; i++) {
		memset(x, 0, sizeof x);
		if (i == 1 || i == 2)
			memcpy(x, P256_N, 32);
		if (i == 2)
			x[31] += 1;
		if (i == 3)
			memset(x, 0xff, 32);
		if (i == 4) {
			memcpy(x, P256_N, 32);
			x[0] = 0xff; /* > n by the top limb */
			x[4] = 0xff;
		}
		sk.xlen = 32;
		sk.curve = BR_EC_secp256r1;
		memset(sig, 0x77, sizeof sig);
		CHECK_EQ_INT(tg_p256_ecdsa_sign_raw(&br_sha256_vtable, hv, 32, &sk, sig), 0);
		CHECK_EQ_INT(tg_p256_ecdsa_sign_asn1(&br_sha256_vtable, hv, 32, &sk, sig), 0);
		CHECK(memcmp(sig, want, sizeof sig) == 0);
		CHECK(same_ecdsa(&br_sha256_vtable, hv, &sk, NULL));
	}

	/* a good key on the wrong curve: BearSSL refuses too */
	rand_bytes(x, 32);
	x[0] &= 0x7f;
	sk.xlen = 32;
	{
		static const int curves[] = { BR_EC_secp384r1, BR_EC_secp521r1, BR_EC_curve25519, 0, 99 };

		for (i = 0; i < sizeof curves / sizeof curves[0]; i++) {
			sk.curve = curves[i];
			memset(sig, 0x77, sizeof sig);
			CHECK_EQ_INT(tg_p256_ecdsa_sign_raw(&br_sha256_vtable, hv, 32, &sk, sig), 0);
			CHECK_EQ_INT(tg_p256_ecdsa_sign_asn1(&br_sha256_vtable, hv, 32, &sk, sig), 0);
			CHECK(memcmp(sig, want, sizeof sig) == 0);
			if (curves[i] >= 0 && curves[i] < 32)
				CHECK_EQ_INT(br_ecdsa_i31_sign_raw(&br_ec_p256_m31, &br_sha256_vtable,
								   hv, &sk, sig), 0);
		}
	}

	/* xlen other than 32, even for a valid value (BearSSL would sign a
	 * 31-byte key or a 33-byte one with a leading zero: we refuse) */
	sk.curve = BR_EC_secp256r1;
	for (i = 0; i <= sizeof x; i++) {
		if (i == 32)
			continue;
		memset(x, 0, sizeof x);
		x[i ? i - 1 : 0] = 1;
		sk.xlen = i;
		memset(sig, 0x77, sizeof sig);
		CHECK_EQ_INT(tg_p256_ecdsa_sign_raw(&br_sha256_vtable, hv, 32, &sk, sig), 0);
		CHECK_EQ_INT(tg_p256_ecdsa_sign_asn1(&br_sha256_vtable, hv, 32, &sk, sig), 0);
		CHECK(memcmp(sig, want, sizeof sig) == 0);
	}
}

/*
 * The nonce loop (k = 0 or k >= n: draw again) can't be reached with a
 * real hash (2^-32 per signature), so the DRBG runs here over a fake
 * "hash": SHA-256 whose output is replaced by zeros (k = 0) for one
 * digest in four and starts with 8 bytes 0xff (k > n) for about half of
 * the rest.  Deterministic, so BearSSL and ours must still agree; the
 * rejections are counted by running the same DRBG here.
 */
static void fake_out(const br_hash_class *const *ctx, void *dst)
{
	uint8_t *d = dst;

	br_sha256_vtable.out(ctx, d);
	if ((d[31] & 3) == 0)
		memset(d, 0, 32);
	else if (d[31] & 4)
		memset(d, 0xff, 8);
}

/* SHA-256's vtable with init and out replaced, filled in by ecdsa_nonce_retry */
static br_hash_class fake_vtable;

static void fake_init(const br_hash_class **ctx)
{
	br_sha256_vtable.init(ctx);
	*ctx = &fake_vtable; /* out() through us, the rest as SHA-256 */
}

static void ecdsa_nonce_retry(void)
{
	unsigned i, zeros = 0, high = 0, bad = 0;

	fake_vtable = br_sha256_vtable;
	fake_vtable.init = fake_init;
	fake_vtable.out = fake_out;
	for (i = 0; i < 64; i++) {
		uint8_t x[32], hv[32], pub[65], seed[64], k[32];
		br_ec_private_key sk = { BR_EC_secp256r1, x, sizeof x };
		br_ec_public_key pk;
		br_hmac_drbg_context drbg;

		rand_bytes(x, sizeof x);
		x[0] &= 0x7f;
		rand_bytes(hv, sizeof hv);
		hv[0] &= 0x7f; /* h < n: the seed is x || h */
		CHECK_EQ_INT(br_ec_compute_pub(&br_ec_p256_m31, &pk, pub, &sk), 65);
		bad += !same_ecdsa(&fake_vtable, hv, &sk, pub);

		memcpy(seed, x, 32);
		memcpy(seed + 32, hv, 32);
		br_hmac_drbg_init(&drbg, &fake_vtable, seed, sizeof seed);
		for (;;) {
			static const uint8_t zero[32];

			br_hmac_drbg_generate(&drbg, k, sizeof k);
			if (memcmp(k, zero, 32) == 0)
				zeros++;
			else if (memcmp(k, P256_N, 32) >= 0)
				high++;
			else
				break;
		}
	}
	CHECK_EQ_INT(bad, 0);
	CHECK(zeros > 0 && high > 0);
}

int main(void)
{
	check_seed();
	RUN(kat_mulgen);
	RUN(ecdh_cavs);
	RUN(diff_mulgen);
	RUN(diff_mul);
	RUN(diff_structured);
	RUN(refused_points);
	RUN(special_scalars);
	RUN(ecdsa_roundtrip);
	RUN(ecdsa_rfc6979);
	RUN(ecdsa_diff);
	RUN(ecdsa_edges);
	RUN(ecdsa_hash_lengths);
	RUN(ecdsa_refusals);
	RUN(ecdsa_nonce_retry);
	return check_exit();
}
