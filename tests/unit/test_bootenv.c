/*
 * test_bootenv.c - the A/B boot state format shared with U-Boot.
 *
 * The known answer comes from U-Boot itself (u-boot-qemu 2023.01, qemu-x86):
 *   setenv BOOT_ORDER 'A B'; setenv BOOT_A_LEFT 3
 *   env export -c -s 0x4000 ${loadaddr} BOOT_ORDER BOOT_A_LEFT
 * gave c8 5f 51 77 "BOOT_A_LEFT=3\0BOOT_ORDER=A B\0\0" and zeros.
 */
#include "check.h"

#include "bootenv.h"
#include "crc32.h"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

static uint8_t blob[TG_BOOTENV_SIZE];

static void uboot_blob(void)
{
	static const char entries[] = "BOOT_A_LEFT=3\0BOOT_ORDER=A B\0";
	memset(blob, 0, sizeof blob);
	blob[0] = 0xc8;
	blob[1] = 0x5f;
	blob[2] = 0x51;
	blob[3] = 0x77;
	memcpy(blob + 4, entries, sizeof entries); /* includes the final empty entry */
}

static void test_crc32_vectors(void)
{
	CHECK_EQ_INT(tg_crc32(0, "123456789", 9), 0xcbf43926u); /* the CRC-32 check value */
	CHECK_EQ_INT(tg_crc32(0, "", 0), 0);
	CHECK_EQ_INT(tg_crc32(tg_crc32(0, "1234", 4), "56789", 5), 0xcbf43926u);
	uboot_blob();
	CHECK_EQ_INT(tg_crc32(0, blob + 4, sizeof blob - 4), 0x77515fc8u);
}

static void test_decode_uboot_export(void)
{
	struct tg_bootenv env;
	char err[128] = "";

	uboot_blob();
	CHECK_EQ_INT(tg_bootenv_decode(blob, sizeof blob, &env, err, sizeof err), 0);
	CHECK_EQ_INT(env.norder, 2);
	CHECK(env.order[0] == 'A' && env.order[1] == 'B');
	CHECK_EQ_INT(env.left[0], 3);
	CHECK_EQ_INT(env.left[1], 3); /* absent: default */
	CHECK_EQ_INT(env.seq, 0);
}

static void test_round_trip(void)
{
	struct tg_bootenv a, b;
	char err[128], order[4];

	tg_bootenv_default(&a);
	a.order[0] = 'B';
	a.order[1] = 'A';
	a.left[0] = 0;
	a.left[1] = 2;
	a.seq = 12345678901234ull;
	tg_bootenv_encode(&a, blob);
	CHECK_EQ_INT(tg_bootenv_decode(blob, sizeof blob, &b, err, sizeof err), 0);
	CHECK_EQ_STR(tg_bootenv_order_str(&b, order), "B A");
	CHECK_EQ_INT(b.left[0], 0);
	CHECK_EQ_INT(b.left[1], 2);
	CHECK(b.seq == 12345678901234ull);
	/* entries sorted as U-Boot exports them */
	CHECK(memcmp(blob + 4, "BOOT_A_LEFT=0\0BOOT_B_LEFT=2\0BOOT_ORDER=B A\0TG_SEQ=", 50) == 0);
}

static void test_rejects_corruption(void)
{
	struct tg_bootenv env;
	char err[128];
	size_t i;

	tg_bootenv_default(&env);
	tg_bootenv_encode(&env, blob);
	/* any single flipped bit anywhere is caught by the CRC */
	for (i = 0; i < sizeof blob; i += 97) {
		blob[i] ^= 0x10;
		err[0] = '\0';
		CHECK_EQ_INT(tg_bootenv_decode(blob, sizeof blob, &env, err, sizeof err), -1);
		CHECK(strstr(err, "bad CRC") != NULL);
		blob[i] ^= 0x10;
	}
	/* defaults after a failure */
	CHECK_EQ_INT(env.left[0], 3);
	/* wrong size */
	CHECK_EQ_INT(tg_bootenv_decode(blob, sizeof blob - 1, &env, err, sizeof err), -1);
	CHECK(strstr(err, "expected 16384 bytes") != NULL);
}

static void reseal(void)
{
	uint32_t crc = tg_crc32(0, blob + 4, sizeof blob - 4);
	blob[0] = (uint8_t)crc;
	blob[1] = (uint8_t)(crc >> 8);
	blob[2] = (uint8_t)(crc >> 16);
	blob[3] = (uint8_t)(crc >> 24);
}

static void test_malformed_entries(void)
{
	struct tg_bootenv env;
	char err[128];

	/* no '=' */
	memset(blob, 0, sizeof blob);
	memcpy(blob + 4, "BOOT_ORDER\0", 11);
	reseal();
	CHECK_EQ_INT(tg_bootenv_decode(blob, sizeof blob, &env, err, sizeof err), -1);
	CHECK(strstr(err, "NAME=VALUE") != NULL);
	/* no terminator: the whole area is one unterminated entry */
	memset(blob + 4, 'x', sizeof blob - 4);
	blob[5] = '=';
	reseal();
	CHECK_EQ_INT(tg_bootenv_decode(blob, sizeof blob, &env, err, sizeof err), -1);
	CHECK(strstr(err, "not NUL-terminated") != NULL);
}

static void test_normalises_like_the_boot_script(void)
{
	static const struct {
		const char *entries;
		size_t len;
		const char *order;
		int a, b;
	} cases[] = {
		{ "BOOT_ORDER=B\0", 13, "B", 3, 3 },
		{ "BOOT_ORDER=C A\0", 15, "A B", 3, 3 },
		{ "BOOT_ORDER=A  B\0", 16, "A B", 3, 3 },
		{ "BOOT_A_LEFT=4\0BOOT_B_LEFT=-1\0", 29, "A B", 0, 0 },
		{ "BOOT_A_LEFT=03\0BOOT_B_LEFT=\0", 28, "A B", 0, 0 },
		{ "BOOT_A_LEFT=1\0BOOT_B_LEFT=2\0X=y\0", 32, "A B", 1, 2 },
	};
	struct tg_bootenv env;
	char err[128], order[4];
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		memset(blob, 0, sizeof blob);
		memcpy(blob + 4, cases[i].entries, cases[i].len);
		reseal();
		CHECK_EQ_INT(tg_bootenv_decode(blob, sizeof blob, &env, err, sizeof err), 0);
		CHECK_EQ_STR(tg_bootenv_order_str(&env, order), cases[i].order);
		CHECK_EQ_INT(env.left[0], cases[i].a);
		CHECK_EQ_INT(env.left[1], cases[i].b);
	}
}

static int tmpfile_with(const uint8_t *data, size_t len)
{
	char path[] = "/tmp/tg-bootenv-XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0)
		return -1;
	unlink(path);
	if (len && write(fd, data, len) != (ssize_t)len) {
		close(fd);
		return -1;
	}
	return fd;
}

static void test_redundancy(void)
{
	struct tg_bootenv env, got;
	char err[256];
	int used, fd0, fd1;
	static uint8_t b0[TG_BOOTENV_SIZE], b1[TG_BOOTENV_SIZE];

	tg_bootenv_default(&env);
	env.left[0] = 1;
	tg_bootenv_encode(&env, b0);
	env.left[0] = 2;
	tg_bootenv_encode(&env, b1);

	/* both valid: copy 0 wins (it is always written first) */
	fd0 = tmpfile_with(b0, sizeof b0);
	fd1 = tmpfile_with(b1, sizeof b1);
	CHECK(fd0 >= 0 && fd1 >= 0);
	CHECK_EQ_INT(tg_bootenv_read(fd0, fd1, &got, &used, err, sizeof err), 0);
	CHECK_EQ_INT(used, 0);
	CHECK_EQ_INT(got.left[0], 1);
	close(fd0);

	/* copy 0 torn: copy 1, and the reason is reported */
	b0[100] ^= 1;
	fd0 = tmpfile_with(b0, sizeof b0);
	CHECK_EQ_INT(tg_bootenv_read(fd0, fd1, &got, &used, err, sizeof err), 0);
	CHECK_EQ_INT(used, 1);
	CHECK_EQ_INT(got.left[0], 2);
	CHECK(strstr(err, "copy 0: bad CRC") != NULL);
	close(fd1);

	/* both bad (one short): defaults */
	fd1 = tmpfile_with(b1, 100);
	CHECK_EQ_INT(tg_bootenv_read(fd0, fd1, &got, &used, err, sizeof err), -1);
	CHECK_EQ_INT(used, -1);
	CHECK_EQ_INT(got.left[0], 3);
	CHECK(strstr(err, "using defaults") != NULL);
	close(fd0);
	close(fd1);

	/* write: both copies, seq incremented, readable back */
	fd0 = tmpfile_with(NULL, 0);
	fd1 = tmpfile_with(NULL, 0);
	env.seq = 41;
	CHECK_EQ_INT(tg_bootenv_write(fd0, fd1, &env, err, sizeof err), 0);
	CHECK(env.seq == 42);
	CHECK_EQ_INT(tg_bootenv_read(fd0, fd1, &got, &used, err, sizeof err), 0);
	CHECK_EQ_INT(used, 0);
	CHECK(got.seq == 42);
	CHECK(pread(fd1, b1, sizeof b1, 0) == (ssize_t)sizeof b1);
	CHECK_EQ_INT(tg_bootenv_decode(b1, sizeof b1, &got, err, sizeof err), 0);
	CHECK(got.seq == 42);
	close(fd0);
	close(fd1);
}

int main(void)
{
	RUN(test_crc32_vectors);
	RUN(test_decode_uboot_export);
	RUN(test_round_trip);
	RUN(test_rejects_corruption);
	RUN(test_malformed_entries);
	RUN(test_normalises_like_the_boot_script);
	RUN(test_redundancy);
	return check_exit();
}
