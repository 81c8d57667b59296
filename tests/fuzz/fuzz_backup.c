/*
 * fuzz_backup.c - the console's configuration backup parser
 * (consoled/cfgbackup.c) on arbitrary bytes.
 *
 * Each input is parsed twice: as it is, and with a correct "sha256 HEX"
 * line appended (a fuzzer never forges a SHA-256, so without the second
 * pass it would not get past the checksum into the file records).
 *
 * cd_backup_parse must never crash and must always leave err
 * NUL-terminated.  When it refuses, the result is empty and err names a
 * line ("backup line N: ").  When it accepts:
 *   - 0..CD_BACKUP_FILES_MAX files, names of [a-z0-9._-]{1,31},
 *     NUL-terminated and distinct, lengths <= 65536, each file's bytes
 *     inside the input;
 *   - the input is canonical: cd_backup_format gives back exactly its
 *     bytes (the final newline may be missing from the input), and every
 *     buffer one byte smaller than needed is refused.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <bearssl_hash.h>

#include "consoled/consoled.h"

#define REQUIRE(c)                                                                                 \
	do {                                                                                       \
		if (!(c))                                                                          \
			__builtin_trap();                                                          \
	} while (0)

#define IN_MAX (CD_BACKUP_FILES_MAX * (65536 + 64) + 128)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const char *in, size_t size)
{
	static char out[IN_MAX + 1];
	struct cd_backup b;
	char err[300];
	long n;
	int i, j;

	memset(err, 'x', sizeof(err));
	if (cd_backup_parse(in, size, &b, err, sizeof(err)) < 0) {
		REQUIRE(memchr(err, '\0', sizeof(err)) != NULL);
		REQUIRE(strncmp(err, "backup line ", 12) == 0);
		REQUIRE(b.n == 0);
		return;
	}
	REQUIRE(b.n >= 0 && b.n <= CD_BACKUP_FILES_MAX);
	for (i = 0; i < b.n; i++) {
		const struct cd_backup_file *f = &b.f[i];
		size_t k, nl = strnlen(f->name, sizeof(f->name));

		REQUIRE(nl > 0 && nl < sizeof(f->name));
		for (k = 0; k < nl; k++)
			REQUIRE(strchr("abcdefghijklmnopqrstuvwxyz0123456789._-", f->name[k]) != NULL);
		REQUIRE(f->len <= 65536);
		REQUIRE(f->data >= in && f->data + f->len <= in + size);
		for (j = 0; j < i; j++)
			REQUIRE(strcmp(b.f[j].name, f->name) != 0);
	}
	n = cd_backup_format(&b, out, sizeof(out));
	REQUIRE(n > 0);
	REQUIRE((size_t)n == size || ((size_t)n == size + 1 && out[size] == '\n'));
	REQUIRE(memcmp(out, in, size) == 0);
	REQUIRE(cd_backup_format(&b, out, (size_t)n) == -1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char in[IN_MAX];
	static const char hx[] = "0123456789abcdef";
	br_sha256_context sc;
	uint8_t h[32];
	size_t i;

	if (size > IN_MAX - 72)
		return 0;
	memcpy(in, data, size);
	check(in, size);

	br_sha256_init(&sc);
	br_sha256_update(&sc, data, size);
	br_sha256_out(&sc, h);
	memcpy(in + size, "sha256 ", 7);
	for (i = 0; i < 32; i++) {
		in[size + 7 + 2 * i] = hx[h[i] >> 4];
		in[size + 8 + 2 * i] = hx[h[i] & 15];
	}
	in[size + 71] = '\n';
	check(in, size + 72);
	return 0;
}
