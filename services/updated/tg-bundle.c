/*
 * tg-bundle.c - make, sign and inspect update bundles (lib/bundle.h), on
 * the build host.  The appliance's update agent only installs what a key
 * of its ring signed; this is the tool that holds the private key.
 *
 *   tg-bundle create -k KEY -o OUT -c BOARD -v VERSION -s SECURITY [-P PRODUCT] BOOT ROOT
 *   tg-bundle sign-manifest -k KEY -m MANIFEST -o OUT [FILE...]    (tests only)
 *   tg-bundle pubkey -n NAME KEY
 *   tg-bundle info [-K KEYRING] BUNDLE
 *
 * There is no way to write an unsigned bundle: create and sign-manifest
 * need the key, sign, then check their own signature with the public key
 * derived from it before anything is written.  Images are streamed (64 KiB
 * at a time), never held whole in memory: create reads each image twice,
 * once to hash it for the manifest and once to copy it, and refuses if
 * the two passes disagree (the file changed under it).  The output
 * appears atomically: OUT.tmp, fsync, rename.
 *
 * Exit codes: 0 ok; 1 a bad bundle (or a signature that does not verify);
 * 100 usage, or a key or key ring file that cannot be used; 111 I/O.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bearssl.h>

#include "bundle.h"
#include "ct.h"
#include "fileio.h"
#include "le.h"
#include "log.h"
#include "p256.h"
#include "pemfile.h"

#define EXIT_BAD 1
#define CHUNK    65536
#define RING_MAX 65536 /* bytes of a key ring file: 16 keys are ~2.5 KiB */

static uint8_t buf[CHUNK];

static void usage(FILE *f)
{
	fprintf(
	    f, "usage: tg-bundle create -k KEY.pem -o OUT -c COMPATIBLE -v VERSION -s SECURITY\n"
	       "                        [-P PRODUCT] BOOT_IMAGE ROOT_IMAGE\n"
	       "       tg-bundle sign-manifest -k KEY.pem -m MANIFEST -o OUT [FILE...]\n"
	       "       tg-bundle pubkey -n NAME KEY.pem\n"
	       "       tg-bundle info [-K KEYRING] BUNDLE\n"
	       "\n"
	       "  create         hash the two slot images, write and sign the manifest, write\n"
	       "                 OUT = header, manifest, signature, boot image, root image\n"
	       "                 -c board string (e.g. qemu-x86_64), -v MAJOR.MINOR.PATCH,\n"
	       "                 -s security version 0..4294967295, -P product (default timegate)\n"
	       "  sign-manifest  FOR TESTS: sign MANIFEST exactly as given (no check beyond a\n"
	       "                 length of 1..4096 bytes) and append the FILEs as the payload;\n"
	       "                 makes signed bundles with hostile manifests or payloads\n"
	       "  pubkey         print the key ring line \"key NAME HEX\" of KEY's public point\n"
	       "  info           check the header; with -K, verify the signature before reading\n"
	       "                 the manifest; print the manifest; hash the images and compare\n"
	       "\n"
	       "  KEY.pem is a P-256 private key, \"EC PRIVATE KEY\" or PKCS#8 \"PRIVATE KEY\".\n"
	       "  Exit: 0 ok, 1 bad bundle or signature, 100 usage or unusable key, 111 I/O.\n");
}

/* msg (NULL: none), then the usage, on stderr; exit 100 */
static void usage_exit(const char *msg) __attribute__((noreturn));
static void usage_exit(const char *msg)
{
	if (msg)
		fprintf(stderr, "tg-bundle: %s\n", msg);
	usage(stderr);
	exit(TG_EXIT_USAGE);
}

static void die(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));
static void die(int code, const char *fmt, ...)
{
	va_list ap;

	fputs("tg-bundle: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(code);
}

static int open_in(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		die(TG_EXIT_SYS, "%s: cannot open: %s", path, strerror(errno));
	return fd;
}

/* ---- keys and signatures --------------------------------------------- */

struct signer {
	struct tg_pem_key sk;
	uint8_t pub[65];
};

static void load_key(const char *path, struct signer *s)
{
	char err[512];

	close(open_in(path)); /* a missing or unreadable file is an I/O error (111) */
	if (tg_pem_load_ec_key(path, &s->sk, err, sizeof err) < 0)
		die(TG_EXIT_USAGE, "%s", err);
	if (s->sk.key.curve != BR_EC_secp256r1 || s->sk.key.xlen != 32) {
		tg_pem_wipe_key(&s->sk);
		die(TG_EXIT_USAGE, "%s: expected a P-256 private key", path);
	}
	tg_p256_mulgen(s->pub, s->sk.key.x, s->sk.key.xlen);
}

/*
 * Sign signed[0..len) into sig, then check the signature as the agent
 * will (tg_bundle_verify over a ring of the derived public key only).
 */
static void sign_checked(struct signer *s, const uint8_t *signed_part, size_t len,
                         uint8_t sig[TG_BUNDLE_SIG], const char *keypath)
{
	struct tg_bundle_keyring kr;
	const struct tg_bundle_key *key;
	br_sha256_context sc;
	uint8_t h[32];
	char err[256];

	br_sha256_init(&sc);
	br_sha256_update(&sc, signed_part, len);
	br_sha256_out(&sc, h);
	if (tg_p256_ecdsa_sign_raw(&br_sha256_vtable, h, sizeof h, &s->sk.key, sig) !=
	    TG_BUNDLE_SIG)
		die(TG_EXIT_USAGE, "%s: the key cannot sign (expected a private scalar in 1..n-1)",
		    keypath);
	memset(&kr, 0, sizeof kr);
	memcpy(kr.key[0].name, "signer", 7);
	memcpy(kr.key[0].pub, s->pub, sizeof s->pub);
	kr.n = 1;
	if (tg_bundle_verify(signed_part, len, sig, &kr, &key, err, sizeof err) != 0)
		die(EXIT_BAD, "%s: own signature does not verify (%s); nothing written", keypath,
		    err);
}

/* ---- streaming ------------------------------------------------------------ */

/*
 * Read path to its end, 64 KiB at a time: hash and count it, and copy it
 * to out unless out is -1.  An image must hold 1..2^40 bytes (when
 * limit is set).
 */
static void stream_file(const char *path, int out, const char *outpath, int limit, uint64_t *size,
                        uint8_t hash[32])
{
	br_sha256_context sc;
	int fd = open_in(path);
	uint64_t n = 0;
	ssize_t r;

	br_sha256_init(&sc);
	while ((r = tg_read_full(fd, buf, sizeof buf)) > 0) {
		n += (uint64_t)r;
		if (limit && n > TG_BUNDLE_SIZE_MAX)
			die(EXIT_BAD, "%s: image larger than %" PRIu64 " bytes (2^40)", path,
			    (uint64_t)TG_BUNDLE_SIZE_MAX);
		br_sha256_update(&sc, buf, (size_t)r);
		if (out >= 0 && tg_write_all(out, buf, (size_t)r) < 0)
			die(TG_EXIT_SYS, "%s: write: %s", outpath, strerror(errno));
	}
	if (r < 0)
		die(TG_EXIT_SYS, "%s: read: %s", path, strerror(errno));
	close(fd);
	if (limit && n == 0)
		die(EXIT_BAD, "%s: empty image (expected 1..2^40 bytes)", path);
	br_sha256_out(&sc, hash);
	*size = n;
}

static char tmp_path[4096];

static void remove_tmp(void)
{
	if (tmp_path[0])
		unlink(tmp_path);
}

static int open_out(const char *out)
{
	int fd;

	if ((size_t)snprintf(tmp_path, sizeof tmp_path, "%s.tmp", out) >= sizeof tmp_path)
		die(TG_EXIT_USAGE, "%s: path too long", out);
	fd = open(tmp_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		tmp_path[0] = '\0';
		die(TG_EXIT_SYS, "%s.tmp: cannot create: %s", out, strerror(errno));
	}
	atexit(remove_tmp);
	return fd;
}

static void finish_out(int fd, const char *out)
{
	if (fsync(fd) < 0 || close(fd) < 0)
		die(TG_EXIT_SYS, "%s: write: %s", tmp_path, strerror(errno));
	if (rename(tmp_path, out) < 0)
		die(TG_EXIT_SYS, "%s: rename to %s: %s", tmp_path, out, strerror(errno));
	tmp_path[0] = '\0';
	if (tg_fsync_parent(out) < 0)
		die(TG_EXIT_SYS, "%s: fsync of its folder: %s", out, strerror(errno));
}

/* header and manifest into out[0..16 + ml) */
static size_t put_head(uint8_t *out, const char *manifest, size_t ml)
{
	memcpy(out, TG_BUNDLE_MAGIC, 8);
	tg_put_le32(out + 8, (uint32_t)ml);
	tg_put_le32(out + 12, TG_BUNDLE_SIG);
	memcpy(out + TG_BUNDLE_HDR, manifest, ml);
	return TG_BUNDLE_HDR + ml;
}

/* ---- create ---------------------------------------------------------------- */

/*
 * The manifest text for these arguments, checked by the agent's own
 * parser (so a bad -c or -v is refused with the parser's message, and a
 * newline in an argument cannot add a line).
 */
static size_t manifest_text(char *out, size_t cap, const char *product, const char *compatible,
                            const char *version, const char *security, const uint64_t size[2],
                            const uint8_t hash[2][32], struct tg_bundle_manifest *m)
{
	char hex[2][65], err[512];
	int i, j, n;

	for (i = 0; i < 2; i++) {
		for (j = 0; j < 32; j++)
			snprintf(hex[i] + 2 * j, 3, "%02x", hash[i][j]);
	}
	n = snprintf(out, cap,
	             "format 1\nproduct %s\ncompatible %s\nversion %s\nsecurity %s\n"
	             "image boot %" PRIu64 " %s\nimage root %" PRIu64 " %s\n",
	             product, compatible, version, security, size[0], hex[0], size[1], hex[1]);
	if (n < 0 || (size_t)n >= cap)
		die(TG_EXIT_USAGE, "manifest longer than %d bytes (an argument is too long)",
		    TG_BUNDLE_MANIFEST_MAX);
	if (tg_bundle_manifest_parse(out, (size_t)n, m, err, sizeof err) != 0)
		die(TG_EXIT_USAGE, "arguments do not make a valid manifest: %s", err);
	return (size_t)n;
}

static int cmd_create(int argc, char **argv)
{
	const char *key = NULL, *out = NULL, *compat = NULL, *version = NULL, *security = NULL;
	const char *product = "timegate", *img[2];
	static const uint8_t zero[2][32];
	static const uint64_t one[2] = {1, 1};
	char man[TG_BUNDLE_MANIFEST_MAX + 1];
	static uint8_t head[TG_BUNDLE_HDR + TG_BUNDLE_MANIFEST_MAX + TG_BUNDLE_SIG];
	uint8_t hash[2][32], hash2[32];
	struct tg_bundle_manifest m;
	struct signer s;
	uint64_t size[2], size2;
	size_t ml, hl;
	int c, i, fd;

	while ((c = getopt(argc, argv, "k:o:c:v:s:P:")) != -1) {
		switch (c) {
		case 'k':
			key = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case 'c':
			compat = optarg;
			break;
		case 'v':
			version = optarg;
			break;
		case 's':
			security = optarg;
			break;
		case 'P':
			product = optarg;
			break;
		default:
			usage_exit(NULL);
		}
	}
	if (!key)
		usage_exit("create: -k KEY.pem is required (there are no unsigned bundles)");
	if (!out || !compat || !version || !security)
		usage_exit(
		    "create: -o OUT, -c COMPATIBLE, -v VERSION and -s SECURITY are required");
	if (argc - optind != 2)
		usage_exit("create: expected two images, BOOT_IMAGE and ROOT_IMAGE");
	img[0] = argv[optind];
	img[1] = argv[optind + 1];

	/* the arguments first, with placeholder images: refuse before any long work */
	manifest_text(man, sizeof man, product, compat, version, security, one, zero, &m);
	load_key(key, &s);
	for (i = 0; i < 2; i++)
		stream_file(img[i], -1, NULL, 1, &size[i], hash[i]);
	ml = manifest_text(man, sizeof man, product, compat, version, security, size, hash, &m);
	hl = put_head(head, man, ml);
	sign_checked(&s, head, hl, head + hl, key);
	tg_pem_wipe_key(&s.sk);

	fd = open_out(out);
	if (tg_write_all(fd, head, hl + TG_BUNDLE_SIG) < 0)
		die(TG_EXIT_SYS, "%s: write: %s", tmp_path, strerror(errno));
	for (i = 0; i < 2; i++) {
		stream_file(img[i], fd, tmp_path, 1, &size2, hash2);
		if (size2 != size[i] || !tg_ct_eq(hash2, hash[i], 32))
			die(EXIT_BAD, "%s changed while the bundle was written; nothing written",
			    img[i]);
	}
	finish_out(fd, out);
	printf("%s: version %u.%u.%u for %s, security %" PRIu32 ", boot %" PRIu64
	       " bytes, root %" PRIu64 " bytes\n",
	       out, m.version[0], m.version[1], m.version[2], m.compatible, m.security, size[0],
	       size[1]);
	return 0;
}

/* ---- sign-manifest ----------------------------------------------------------- */

static int cmd_sign_manifest(int argc, char **argv)
{
	const char *key = NULL, *out = NULL, *mpath = NULL;
	static uint8_t head[TG_BUNDLE_HDR + TG_BUNDLE_MANIFEST_MAX + TG_BUNDLE_SIG];
	char man[TG_BUNDLE_MANIFEST_MAX + 1];
	struct signer s;
	uint8_t hash[32];
	uint64_t size;
	size_t hl;
	ssize_t ml;
	int c, i, fd;

	while ((c = getopt(argc, argv, "k:m:o:")) != -1) {
		switch (c) {
		case 'k':
			key = optarg;
			break;
		case 'm':
			mpath = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		default:
			usage_exit(NULL);
		}
	}
	if (!key || !mpath || !out)
		usage_exit("sign-manifest: -k KEY.pem, -m MANIFEST and -o OUT are required");
	fd = open_in(mpath);
	ml = tg_read_full(fd, man, sizeof man);
	if (ml < 0)
		die(TG_EXIT_SYS, "%s: read: %s", mpath, strerror(errno));
	close(fd);
	if (ml < 1 || ml > TG_BUNDLE_MANIFEST_MAX)
		die(TG_EXIT_USAGE, "%s: expected a manifest of 1..%d bytes, saw %s", mpath,
		    TG_BUNDLE_MANIFEST_MAX, ml ? "more" : "an empty file");
	load_key(key, &s);
	hl = put_head(head, man, (size_t)ml);
	sign_checked(&s, head, hl, head + hl, key);
	tg_pem_wipe_key(&s.sk);

	fd = open_out(out);
	if (tg_write_all(fd, head, hl + TG_BUNDLE_SIG) < 0)
		die(TG_EXIT_SYS, "%s: write: %s", tmp_path, strerror(errno));
	for (i = optind; i < argc; i++)
		stream_file(argv[i], fd, tmp_path, 0, &size, hash);
	finish_out(fd, out);
	return 0;
}

/* ---- pubkey ---------------------------------------------------------------------- */

static int cmd_pubkey(int argc, char **argv)
{
	struct tg_bundle_keyring kr;
	const char *name = NULL;
	char line[256], err[512];
	struct signer s;
	int c, i, n;

	while ((c = getopt(argc, argv, "n:")) != -1) {
		switch (c) {
		case 'n':
			name = optarg;
			break;
		default:
			usage_exit(NULL);
		}
	}
	if (!name || argc - optind != 1)
		usage_exit("pubkey: expected -n NAME and one KEY.pem");
	load_key(argv[optind], &s);
	tg_pem_wipe_key(&s.sk);
	n = snprintf(line, sizeof line, "key %s ", name);
	if (n < 0 || (size_t)n + 2 * sizeof s.pub + 2 > sizeof line)
		usage_exit("pubkey: NAME is too long (expected [A-Za-z0-9._-]{1,31})");
	for (i = 0; i < (int)sizeof s.pub; i++)
		n += snprintf(line + n, sizeof line - (size_t)n, "%02x", s.pub[i]);
	line[n++] = '\n';
	line[n] = '\0';
	/* the line must be one the agent reads back */
	if (tg_bundle_keyring_parse(line, (size_t)n, &kr, err, sizeof err) != 0)
		die(TG_EXIT_USAGE, "pubkey: %s", err);
	fputs(line, stdout);
	return 0;
}

/* ---- info ---------------------------------------------------------------------------- */

static void load_ring(const char *path, struct tg_bundle_keyring *kr)
{
	static char text[RING_MAX + 1];
	char err[512];
	ssize_t n;
	int fd = open_in(path);

	n = tg_read_full(fd, text, sizeof text);
	if (n < 0)
		die(TG_EXIT_SYS, "%s: read: %s", path, strerror(errno));
	close(fd);
	if (n > RING_MAX)
		die(TG_EXIT_USAGE, "%s: key ring larger than %d bytes", path, RING_MAX);
	if (tg_bundle_keyring_parse(text, (size_t)n, kr, err, sizeof err) != 0)
		die(TG_EXIT_USAGE, "%s: %s", path, err);
}

static int cmd_info(int argc, char **argv)
{
	static uint8_t head[TG_BUNDLE_HDR + TG_BUNDLE_MANIFEST_MAX + TG_BUNDLE_SIG];
	static const char *const kind[2] = {"boot", "root"};
	const char *ring_path = NULL, *path;
	const struct tg_bundle_key *key = NULL;
	struct tg_bundle_keyring kr;
	struct tg_bundle_manifest m;
	char err[512];
	uint32_t ml;
	ssize_t r;
	uint64_t extra = 0;
	int c, i, fd, bad = 0;

	while ((c = getopt(argc, argv, "K:")) != -1) {
		switch (c) {
		case 'K':
			ring_path = optarg;
			break;
		default:
			usage_exit(NULL);
		}
	}
	if (argc - optind != 1)
		usage_exit("info: expected one BUNDLE");
	path = argv[optind];
	if (ring_path)
		load_ring(ring_path, &kr);

	fd = open_in(path);
	r = tg_read_full(fd, head, TG_BUNDLE_HDR);
	if (r < 0)
		die(TG_EXIT_SYS, "%s: read: %s", path, strerror(errno));
	if (tg_bundle_header(head, (size_t)r, &ml, err, sizeof err) != 0)
		die(EXIT_BAD, "%s: %s", path, err);
	r = tg_read_full(fd, head + TG_BUNDLE_HDR, ml + TG_BUNDLE_SIG);
	if (r < 0)
		die(TG_EXIT_SYS, "%s: read: %s", path, strerror(errno));
	if ((size_t)r != ml + TG_BUNDLE_SIG)
		die(EXIT_BAD,
		    "%s: bundle truncated: expected %u bytes of manifest and signature, saw %zd",
		    path, ml + TG_BUNDLE_SIG, r);
	/* the signature before any byte of the manifest is parsed */
	if (ring_path) {
		if (tg_bundle_verify(head, TG_BUNDLE_HDR + ml, head + TG_BUNDLE_HDR + ml, &kr, &key,
		                     err, sizeof err) != 0)
			die(EXIT_BAD, "%s: %s", path, err);
		printf("signature ok: key %s\n", key->name);
	} else {
		printf("signature NOT checked (no key ring given with -K)\n");
	}
	if (tg_bundle_manifest_parse((const char *)head + TG_BUNDLE_HDR, ml, &m, err, sizeof err) !=
	    0)
		die(EXIT_BAD, "%s: %s", path, err);
	/* a parsed manifest is printable text, one key per line */
	fwrite(head + TG_BUNDLE_HDR, 1, ml, stdout);
	fflush(stdout);

	for (i = 0; i < TG_BUNDLE_IMAGES; i++) {
		br_sha256_context sc;
		uint64_t left = m.image[i].size, got = 0;
		uint8_t h[32];

		br_sha256_init(&sc);
		while (left) {
			size_t want = left < sizeof buf ? (size_t)left : sizeof buf;

			r = tg_read_full(fd, buf, want);
			if (r < 0)
				die(TG_EXIT_SYS, "%s: read: %s", path, strerror(errno));
			if (r == 0)
				break;
			br_sha256_update(&sc, buf, (size_t)r);
			got += (uint64_t)r;
			left -= (uint64_t)r;
		}
		if (left)
			die(EXIT_BAD,
			    "%s: bundle truncated: image %s ended at byte %" PRIu64 " of %" PRIu64,
			    path, kind[i], got, m.image[i].size);
		br_sha256_out(&sc, h);
		if (!tg_ct_eq(h, m.image[i].sha256, 32)) {
			fprintf(
			    stderr,
			    "tg-bundle: %s: image %s: SHA-256 does not match the signed manifest\n",
			    path, kind[i]);
			bad = 1;
		} else {
			printf("image %s: %" PRIu64 " bytes, SHA-256 ok\n", kind[i], got);
		}
	}
	while ((r = tg_read_full(fd, buf, sizeof buf)) > 0)
		extra += (uint64_t)r;
	if (r < 0)
		die(TG_EXIT_SYS, "%s: read: %s", path, strerror(errno));
	close(fd);
	if (extra) {
		fprintf(stderr, "tg-bundle: %s: %" PRIu64 " bytes after the last image\n", path,
		        extra);
		bad = 1;
	}
	if (bad)
		return EXIT_BAD;
	printf(ring_path ? "bundle ok\n" : "bundle well-formed; signature NOT checked\n");
	return 0;
}

int main(int argc, char **argv)
{
	const char *cmd;

	if (argc < 2)
		usage_exit(NULL);
	cmd = argv[1];
	if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "help") == 0) {
		usage(stdout);
		return 0;
	}
	/* each command parses its own options: getopt over argv[1..] */
	argc--;
	argv++;
	optind = 1;
	if (strcmp(cmd, "create") == 0)
		return cmd_create(argc, argv);
	if (strcmp(cmd, "sign-manifest") == 0)
		return cmd_sign_manifest(argc, argv);
	if (strcmp(cmd, "pubkey") == 0)
		return cmd_pubkey(argc, argv);
	if (strcmp(cmd, "info") == 0)
		return cmd_info(argc, argv);
	fprintf(stderr, "tg-bundle: unknown command '%s'\n", cmd);
	usage_exit(NULL);
}
