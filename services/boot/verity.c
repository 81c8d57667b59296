/*
 * verity.c - dm-verity parameters and device setup (see verity.h).
 */
#include "verity.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/dm-ioctl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <unistd.h>

static int is_hex64(const char *s, size_t n)
{
	size_t i;

	if (n != 64)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

static int parse_u64(const char *s, size_t n, uint64_t *out)
{
	uint64_t x = 0;
	size_t i;

	if (n == 0 || n > 15) /* 2^50 blocks is far beyond any slot */
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		x = x * 10 + (uint64_t)(s[i] - '0');
	}
	*out = x;
	return 0;
}

int tg_verity_parse(const char *buf, size_t len, struct tg_verity *v, char *err, size_t errlen)
{
	unsigned seen = 0;
	size_t i = 0, lineno = 0;

	memset(v, 0, sizeof *v);
	while (i < len) {
		const char *line = buf + i, *eq;
		size_t n = 0, klen, vlen;

		while (i + n < len && buf[i + n] != '\n')
			n++;
		i += n + 1;
		lineno++;
		if (n == 0)
			continue;
		eq = memchr(line, '=', n);
		if (!eq) {
			snprintf(err, errlen, "line %zu: expected KEY=VALUE", lineno);
			return -1;
		}
		klen = (size_t)(eq - line);
		vlen = n - klen - 1;
		if (klen == 8 && memcmp(line, "roothash", 8) == 0 && is_hex64(eq + 1, vlen)) {
			memcpy(v->roothash, eq + 1, 64);
			seen |= 1;
		} else if (klen == 4 && memcmp(line, "salt", 4) == 0 && is_hex64(eq + 1, vlen)) {
			memcpy(v->salt, eq + 1, 64);
			seen |= 2;
		} else if (klen == 11 && memcmp(line, "data_blocks", 11) == 0 &&
			   parse_u64(eq + 1, vlen, &v->data_blocks) == 0 && v->data_blocks > 0) {
			seen |= 4;
		} else if (klen == 16 && memcmp(line, "hash_start_block", 16) == 0 &&
			   parse_u64(eq + 1, vlen, &v->hash_start_block) == 0) {
			seen |= 8;
		} else {
			snprintf(err, errlen,
				 "line %zu: expected roothash=<64 hex>, salt=<64 hex>, "
				 "data_blocks=<n>, or hash_start_block=<n>",
				 lineno);
			return -1;
		}
	}
	if (seen != 15) {
		snprintf(err, errlen, "missing %s", !(seen & 1) ? "roothash" : !(seen & 2) ? "salt" :
						   !(seen & 4) ? "data_blocks" : "hash_start_block");
		return -1;
	}
	if (v->hash_start_block < v->data_blocks) {
		snprintf(err, errlen, "hash_start_block %llu overlaps the %llu data blocks",
			 (unsigned long long)v->hash_start_block,
			 (unsigned long long)v->data_blocks);
		return -1;
	}
	return 0;
}

int tg_verity_table(const struct tg_verity *v, const char *dev, char *out, size_t outlen)
{
	int n = snprintf(out, outlen,
			 "1 %s %s 4096 4096 %llu %llu sha256 %s %s 1 restart_on_corruption", dev,
			 dev, (unsigned long long)v->data_blocks,
			 (unsigned long long)v->hash_start_block, v->roothash, v->salt);
	return n > 0 && (size_t)n < outlen ? 0 : -1;
}

struct dm_req {
	struct dm_ioctl io;
	struct dm_target_spec spec;
	char params[512];
};

static void dm_init(struct dm_req *r, const char *name, size_t size)
{
	memset(r, 0, sizeof *r);
	r->io.version[0] = DM_VERSION_MAJOR;
	r->io.version[1] = 0;
	r->io.version[2] = 0;
	r->io.data_size = (uint32_t)size;
	r->io.data_start = sizeof r->io;
	snprintf(r->io.name, sizeof r->io.name, "%s", name);
}

int tg_verity_setup(const struct tg_verity *v, const char *dev, const char *name, char *path,
		    size_t pathlen, char *err, size_t errlen)
{
	struct dm_req r;
	int fd, rc = -1;

	fd = open("/dev/mapper/control", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "open /dev/mapper/control: %s", strerror(errno));
		return -1;
	}
	dm_init(&r, name, sizeof r.io);
	r.io.flags = DM_READONLY_FLAG;
	if (ioctl(fd, DM_DEV_CREATE, &r) != 0) {
		snprintf(err, errlen, "DM_DEV_CREATE %s: %s", name, strerror(errno));
		goto out;
	}
	dm_init(&r, name, sizeof r);
	r.io.flags = DM_READONLY_FLAG;
	r.io.target_count = 1;
	r.spec.sector_start = 0;
	r.spec.length = v->data_blocks * 8; /* 512-byte sectors */
	snprintf(r.spec.target_type, sizeof r.spec.target_type, "verity");
	r.spec.next = 0;
	if (tg_verity_table(v, dev, r.params, sizeof r.params) != 0) {
		snprintf(err, errlen, "verity table too long");
		goto out;
	}
	if (ioctl(fd, DM_TABLE_LOAD, &r) != 0) {
		snprintf(err, errlen, "DM_TABLE_LOAD %s (verity over %s): %s", name, dev,
			 strerror(errno));
		goto out;
	}
	dm_init(&r, name, sizeof r.io);
	if (ioctl(fd, DM_DEV_SUSPEND, &r) != 0) { /* without DM_SUSPEND_FLAG: resume */
		snprintf(err, errlen, "DM_DEV_SUSPEND (resume) %s: %s", name, strerror(errno));
		goto out;
	}
	snprintf(path, pathlen, "/dev/dm-%u", minor((dev_t)r.io.dev));
	rc = 0;
out:
	close(fd);
	return rc;
}
