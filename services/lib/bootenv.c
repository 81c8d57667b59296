/*
 * bootenv.c - the A/B boot state shared with U-Boot (see bootenv.h).
 */
#include "bootenv.h"

#include "crc32.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int tg_bootenv_slot_index(char slot)
{
	return slot == 'A' ? 0 : slot == 'B' ? 1 : -1;
}

void tg_bootenv_default(struct tg_bootenv *env)
{
	env->order[0] = 'A';
	env->order[1] = 'B';
	env->norder = 2;
	env->left[0] = TG_BOOTENV_TRIES;
	env->left[1] = TG_BOOTENV_TRIES;
	env->seq = 0;
}

static int value_is(const char *v, size_t n, const char *s)
{
	return n == strlen(s) && memcmp(v, s, n) == 0;
}

/* The boot script accepts exactly these spellings. */
static void set_order(struct tg_bootenv *env, const char *v, size_t n)
{
	if (value_is(v, n, "A B") || value_is(v, n, "B A")) {
		env->order[0] = v[0];
		env->order[1] = v[2];
		env->norder = 2;
	} else if (value_is(v, n, "A") || value_is(v, n, "B")) {
		env->order[0] = v[0];
		env->norder = 1;
	} else {
		env->order[0] = 'A';
		env->order[1] = 'B';
		env->norder = 2;
	}
}

static int parse_left(const char *v, size_t n)
{
	if (n == 1 && v[0] >= '0' && v[0] <= '0' + TG_BOOTENV_TRIES)
		return v[0] - '0';
	return 0;
}

static uint64_t parse_seq(const char *v, size_t n)
{
	uint64_t x = 0;
	size_t i;

	if (n == 0 || n > 19)
		return 0;
	for (i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return 0;
		x = x * 10 + (uint64_t)(v[i] - '0');
	}
	return x;
}

int tg_bootenv_decode(const uint8_t *buf, size_t len, struct tg_bootenv *env, char *err,
		      size_t errlen)
{
	uint32_t stored, crc;
	size_t i, end;

	tg_bootenv_default(env);
	if (len != TG_BOOTENV_SIZE) {
		snprintf(err, errlen, "expected %d bytes, got %zu", TG_BOOTENV_SIZE, len);
		return -1;
	}
	stored = (uint32_t)buf[0] | (uint32_t)buf[1] << 8 | (uint32_t)buf[2] << 16 |
		 (uint32_t)buf[3] << 24;
	crc = tg_crc32(0, buf + 4, len - 4);
	if (stored != crc) {
		snprintf(err, errlen, "bad CRC (stored %08x, computed %08x)", stored, crc);
		return -1;
	}
	/* entries "NAME=VALUE\0" up to an empty entry */
	i = 4;
	for (;;) {
		const char *e = (const char *)buf + i, *eq;
		if (i >= len) {
			snprintf(err, errlen, "no terminating empty entry");
			return -1;
		}
		end = i;
		while (end < len && buf[end] != '\0')
			end++;
		if (end >= len) {
			snprintf(err, errlen, "entry at offset %zu is not NUL-terminated", i);
			return -1;
		}
		if (end == i)
			break; /* empty entry: end of list */
		eq = memchr(e, '=', end - i);
		if (!eq || eq == e) {
			snprintf(err, errlen, "entry at offset %zu is not NAME=VALUE", i);
			return -1;
		}
		{
			size_t nlen = (size_t)(eq - e), vlen = end - i - nlen - 1;
			const char *v = eq + 1;
			if (value_is(e, nlen, "BOOT_ORDER"))
				set_order(env, v, vlen);
			else if (value_is(e, nlen, "BOOT_A_LEFT"))
				env->left[0] = parse_left(v, vlen);
			else if (value_is(e, nlen, "BOOT_B_LEFT"))
				env->left[1] = parse_left(v, vlen);
			else if (value_is(e, nlen, "TG_SEQ"))
				env->seq = parse_seq(v, vlen);
			/* other names: ignored, as U-Boot imports only these four */
		}
		i = end + 1;
	}
	return 0;
}

const char *tg_bootenv_order_str(const struct tg_bootenv *env, char buf[4])
{
	buf[0] = env->order[0];
	if (env->norder == 2) {
		buf[1] = ' ';
		buf[2] = env->order[1];
		buf[3] = '\0';
	} else {
		buf[1] = '\0';
	}
	return buf;
}

void tg_bootenv_encode(const struct tg_bootenv *env, uint8_t out[TG_BOOTENV_SIZE])
{
	char order[4];
	uint32_t crc;
	int n;

	memset(out, 0, TG_BOOTENV_SIZE);
	/* sorted by name, NUL-separated, as `env export` writes them */
	n = snprintf((char *)out + 4, TG_BOOTENV_SIZE - 5,
		     "BOOT_A_LEFT=%d%cBOOT_B_LEFT=%d%cBOOT_ORDER=%s%cTG_SEQ=%llu%c",
		     env->left[0], 0, env->left[1], 0, tg_bootenv_order_str(env, order), 0,
		     (unsigned long long)env->seq, 0);
	(void)n; /* at most ~80 bytes: always fits */
	crc = tg_crc32(0, out + 4, TG_BOOTENV_SIZE - 4);
	out[0] = (uint8_t)crc;
	out[1] = (uint8_t)(crc >> 8);
	out[2] = (uint8_t)(crc >> 16);
	out[3] = (uint8_t)(crc >> 24);
}

static int read_copy(int fd, uint8_t *buf)
{
	size_t got = 0;

	while (got < TG_BOOTENV_SIZE) {
		ssize_t n = pread(fd, buf + got, TG_BOOTENV_SIZE - got, (off_t)got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	return 0;
}

int tg_bootenv_read(int fd0, int fd1, struct tg_bootenv *env, int *used, char *err, size_t errlen)
{
	static uint8_t buf[TG_BOOTENV_SIZE];
	char e0[128] = "read failed", e1[128] = "read failed";
	int fds[2] = { fd0, fd1 }, i;

	for (i = 0; i < 2; i++) {
		char *e = i ? e1 : e0;
		if (read_copy(fds[i], buf) != 0)
			continue;
		if (tg_bootenv_decode(buf, sizeof buf, env, e, sizeof e0) == 0) {
			*used = i;
			if (i == 1)
				snprintf(err, errlen, "copy 0: %s; using copy 1", e0);
			return 0;
		}
	}
	tg_bootenv_default(env);
	*used = -1;
	snprintf(err, errlen, "copy 0: %s; copy 1: %s; using defaults", e0, e1);
	return -1;
}

static int write_copy(int fd, const uint8_t *buf)
{
	size_t done = 0;

	while (done < TG_BOOTENV_SIZE) {
		ssize_t n = pwrite(fd, buf + done, TG_BOOTENV_SIZE - done, (off_t)done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		done += (size_t)n;
	}
	return fsync(fd);
}

int tg_bootenv_write(int fd0, int fd1, struct tg_bootenv *env, char *err, size_t errlen)
{
	static uint8_t buf[TG_BOOTENV_SIZE];

	env->seq++;
	tg_bootenv_encode(env, buf);
	if (write_copy(fd0, buf) != 0) {
		snprintf(err, errlen, "writing copy 0: %s", strerror(errno));
		return -1;
	}
	if (write_copy(fd1, buf) != 0) {
		snprintf(err, errlen, "writing copy 1: %s", strerror(errno));
		return -1;
	}
	return 0;
}
