/*
 * bundle.h - the signed update bundle: format, key ring, manifest.
 *
 * A bundle is one file (or stream), all integers little-endian:
 *
 *   0   8  magic "TGBUNDL1"
 *   8   4  manifest length ML, 1..TG_BUNDLE_MANIFEST_MAX
 *   12  4  signature length, exactly TG_BUNDLE_SIG (raw P-256 r||s)
 *   16  ML manifest (text, below)
 *   ..  64 ECDSA P-256 signature over SHA-256 of bytes [0, 16 + ML)
 *   ..     the images, in manifest order, back to back, each exactly
 *          its size; nothing after the last
 *
 * The signature is checked before any byte of the manifest is read:
 * the reader takes 16 bytes, checks magic and lengths, reads ML + 64
 * bytes, verifies, and only then parses.  The image bytes are hashed as
 * they stream; nothing is activated unless every hash matched.
 *
 * Manifest: ASCII lines "KEY VALUE\n", each key once, in this order,
 * every one required, nothing else (an unknown key, a duplicate, a CR,
 * a NUL, a control character or a missing final newline is refused):
 *
 *   format 1
 *   product timegate
 *   compatible qemu-x86_64              board / hardware string, [a-z0-9._-]{1,63}
 *   version 2.1.0                       MAJOR.MINOR.PATCH, each 0..65535, no leading zeros
 *   security 3                          monotonic security version, 0..2^32-1
 *   image boot SIZE SHA256HEX           slot boot partition (FAT: kernel + initramfs)
 *   image root SIZE SHA256HEX           slot root partition (squashfs + verity tree)
 *
 * Exactly two images, "boot" then "root": a target names the partition
 * kind only; the agent appends the inactive slot's letter itself, so no
 * name in a bundle can point anywhere else.  SIZE is decimal, 1..2^40,
 * no leading zeros; SHA256HEX is 64 lower-case hex digits.
 *
 * Key ring (/etc/timegate/update-keys, inside the verity-protected root,
 * so a signed update is what rotates or revokes keys): lines
 *
 *   key NAME HEX        trusted: HEX is the 65-byte uncompressed P-256 point
 *   revoked NAME HEX    refused, and named as revoked when it signed
 *
 * "#" comments and blank lines allowed; NAME [A-Za-z0-9._-]{1,31};
 * at most TG_BUNDLE_KEYS_MAX entries; a point not on the curve is refused.
 */
#ifndef TG_BUNDLE_H
#define TG_BUNDLE_H

#include <stddef.h>
#include <stdint.h>

#define TG_BUNDLE_MAGIC        "TGBUNDL1"
#define TG_BUNDLE_HDR          16
#define TG_BUNDLE_MANIFEST_MAX 4096
#define TG_BUNDLE_SIG          64
#define TG_BUNDLE_KEYS_MAX     16
#define TG_BUNDLE_IMAGES       2
#define TG_BUNDLE_SIZE_MAX     (1ull << 40)

struct tg_bundle_key {
	char name[32];
	uint8_t pub[65]; /* 0x04 || X || Y */
	int revoked;
};

struct tg_bundle_keyring {
	struct tg_bundle_key key[TG_BUNDLE_KEYS_MAX];
	int n;
};

struct tg_bundle_image {
	char target[8]; /* "boot" or "root" */
	uint64_t size;
	uint8_t sha256[32];
};

struct tg_bundle_manifest {
	unsigned format;
	char product[32];
	char compatible[64];
	unsigned version[3];
	uint32_t security;
	struct tg_bundle_image image[TG_BUNDLE_IMAGES];
};

/* Pure: parse a key ring file.  0, or -1 with the line and reason in err. */
int tg_bundle_keyring_parse(const char *buf, size_t len, struct tg_bundle_keyring *kr, char *err,
			    size_t errlen);

/*
 * Pure: check the 16-byte header (magic, manifest length in range,
 * signature length TG_BUNDLE_SIG).  0 with *manifest_len set, or -1.
 */
int tg_bundle_header(const uint8_t *hdr, size_t len, uint32_t *manifest_len, char *err,
		     size_t errlen);

/*
 * Verify sig (raw r||s) over signed[0..len) (header + manifest) against
 * the ring.  0 with *key set to the trusted key that verified; -1 with err
 * "signed by revoked key NAME" or "signature does not verify with any of
 * the N trusted keys".  Constant-time in nothing secret (public data).
 */
int tg_bundle_verify(const uint8_t *signed_part, size_t len, const uint8_t sig[TG_BUNDLE_SIG],
		     const struct tg_bundle_keyring *kr, const struct tg_bundle_key **key, char *err,
		     size_t errlen);

/* Pure: parse a manifest (after its signature verified). 0, or -1. */
int tg_bundle_manifest_parse(const char *buf, size_t len, struct tg_bundle_manifest *m, char *err,
			     size_t errlen);

/* Pure: write the manifest text; returns its length, 0 if it did not fit. */
size_t tg_bundle_manifest_format(const struct tg_bundle_manifest *m, char *out, size_t outlen);

/* Pure: parse "MAJOR.MINOR.PATCH" as the manifest does.  0, or -1. */
int tg_bundle_version_parse(const char *s, size_t len, unsigned v[3]);

/* <0, 0, >0 as a is older than, equal to, newer than b. */
int tg_bundle_version_cmp(const unsigned a[3], const unsigned b[3]);

#endif
