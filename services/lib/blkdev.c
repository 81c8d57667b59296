/*
 * blkdev.c - find block devices by GPT partition name (see blkdev.h).
 */
#include "blkdev.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Copy a value of printable, non-space ASCII (what sysfs writes); else -1. */
static int copy_value(const char *v, size_t vlen, char *dst, size_t dstlen)
{
	size_t i;

	if (vlen == 0 || vlen >= dstlen)
		return -1;
	for (i = 0; i < vlen; i++)
		if ((unsigned char)v[i] <= ' ' || (unsigned char)v[i] >= 0x7f)
			return -1;
	memcpy(dst, v, vlen);
	dst[vlen] = '\0';
	return 0;
}

int tg_blkdev_parse_uevent(const char *buf, size_t len, char *partname, size_t partname_len,
			   char *devname, size_t devname_len)
{
	int have_part = 0, have_dev = 0;
	size_t i = 0;

	if (partname_len)
		partname[0] = '\0';
	if (devname_len)
		devname[0] = '\0';
	while (i < len) {
		const char *line = buf + i;
		size_t n = 0;
		while (i + n < len && buf[i + n] != '\n')
			n++;
		i += n + 1;
		if (n > 9 && memcmp(line, "PARTNAME=", 9) == 0)
			have_part = copy_value(line + 9, n - 9, partname, partname_len) == 0;
		else if (n > 8 && memcmp(line, "DEVNAME=", 8) == 0)
			have_dev = copy_value(line + 8, n - 8, devname, devname_len) == 0;
	}
	/* a device name is a plain file name under /dev, nothing else */
	if (have_dev && (strchr(devname, '/') || strcmp(devname, "..") == 0 || devname[0] == '.'))
		have_dev = 0;
	return have_part && have_dev ? 0 : -1;
}

int tg_blkdev_find(const char *sysfs_root, const char *name, char *path, size_t pathlen)
{
	DIR *d = opendir(sysfs_root);
	struct dirent *de;
	int found = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)) != NULL) {
		char fn[512], buf[1024], part[128], dev[64];
		ssize_t n;
		int fd;

		if (de->d_name[0] == '.')
			continue;
		if (snprintf(fn, sizeof fn, "%s/%s/uevent", sysfs_root, de->d_name) >= (int)sizeof fn)
			continue;
		fd = open(fn, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		n = read(fd, buf, sizeof buf);
		close(fd);
		if (n <= 0)
			continue;
		if (tg_blkdev_parse_uevent(buf, (size_t)n, part, sizeof part, dev, sizeof dev) != 0)
			continue;
		if (strcmp(part, name) != 0)
			continue;
		if (found++)
			break; /* ambiguous */
		if (snprintf(path, pathlen, "/dev/%s", dev) >= (int)pathlen)
			found = 2;
	}
	closedir(d);
	return found == 1 ? 0 : -1;
}
