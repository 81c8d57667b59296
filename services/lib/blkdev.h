/*
 * blkdev.h - find block devices by GPT partition name.
 *
 * The image names its partitions (boot, bootenv0, bootenv1, bootA, rootA,
 * bootB, rootB, data); code finds them by name in sysfs, never by number,
 * so a board may lay them out differently.
 */
#ifndef TG_BLKDEV_H
#define TG_BLKDEV_H

#include <stddef.h>

/*
 * Pure: parse a sysfs uevent file (lines KEY=VALUE) for PARTNAME and
 * DEVNAME.  Returns 0 if both are present and fit, -1 otherwise; missing
 * keys leave the outputs empty.
 */
int tg_blkdev_parse_uevent(const char *buf, size_t len, char *partname, size_t partname_len,
			   char *devname, size_t devname_len);

/*
 * Find the partition called name under sysfs_root (normally
 * "/sys/class/block") and write "/dev/<devname>" into path.
 * Returns 0, or -1 if no partition has that name (or two have it: an
 * ambiguous name is refused rather than guessed).
 */
int tg_blkdev_find(const char *sysfs_root, const char *name, char *path, size_t pathlen);

#endif
