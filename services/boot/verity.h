/*
 * verity.h - the dm-verity parameters of a slot's root filesystem, and
 * setting the verity device up through the device-mapper ioctls (the
 * kernel has no dm-mod.create=, and we do not ship cryptsetup).
 *
 * The root partition holds the squashfs image (padded to 4 KiB blocks)
 * followed by the hash tree made by `veritysetup format --no-superblock`.
 * The parameters come from /etc/verity.conf in the slot's initramfs,
 * written at build time:
 *     roothash=<64 hex digits>
 *     salt=<64 hex digits>
 *     data_blocks=<4 KiB data blocks>
 *     hash_start_block=<first hash block, in 4 KiB blocks from the start>
 */
#ifndef TG_VERITY_H
#define TG_VERITY_H

#include <stddef.h>
#include <stdint.h>

struct tg_verity {
	char roothash[65];
	char salt[65];
	uint64_t data_blocks;
	uint64_t hash_start_block;
};

/* Pure parse of verity.conf; 0, or -1 with what was expected in err. */
int tg_verity_parse(const char *buf, size_t len, struct tg_verity *v, char *err, size_t errlen);

/*
 * The dm table line: "0 SECTORS verity 1 DEV DEV 4096 4096 N HASHSTART
 * sha256 ROOTHASH SALT 1 restart_on_corruption".  Returns 0 or -1 if it
 * does not fit.
 */
int tg_verity_table(const struct tg_verity *v, const char *dev, char *out, size_t outlen);

/*
 * Create the read-only device-mapper device `name` over dev and resume it.
 * On success writes "/dev/dm-N" into path and returns 0; -1 with the
 * failing ioctl named in err.
 */
int tg_verity_setup(const struct tg_verity *v, const char *dev, const char *name, char *path,
		    size_t pathlen, char *err, size_t errlen);

#endif
