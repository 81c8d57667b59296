/*
 * test_blkdev.c - finding partitions by GPT name through sysfs uevents.
 */
#include "check.h"

#include "blkdev.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static void test_parse_uevent(void)
{
	static const char ev[] = "MAJOR=254\nMINOR=5\nDEVNAME=vda5\nDEVTYPE=partition\n"
				 "DISKSEQ=9\nPARTN=5\nPARTNAME=rootA\n";
	char part[32], dev[32];

	CHECK_EQ_INT(tg_blkdev_parse_uevent(ev, sizeof ev - 1, part, sizeof part, dev, sizeof dev), 0);
	CHECK_EQ_STR(part, "rootA");
	CHECK_EQ_STR(dev, "vda5");
	/* a whole disk has no PARTNAME */
	CHECK_EQ_INT(tg_blkdev_parse_uevent("DEVNAME=vda\nDEVTYPE=disk\n", 25, part, sizeof part,
					    dev, sizeof dev),
		     -1);
	/* names that would leave /dev, or do not fit, are refused */
	CHECK_EQ_INT(tg_blkdev_parse_uevent("DEVNAME=../sda\nPARTNAME=data\n", 29, part,
					    sizeof part, dev, sizeof dev),
		     -1);
	CHECK_EQ_INT(tg_blkdev_parse_uevent("DEVNAME=vda8\nPARTNAME=data\n", 27, part, 4, dev,
					    sizeof dev),
		     -1);
	/* values with NUL or other control bytes are refused (found by fuzz_verity) */
	CHECK_EQ_INT(tg_blkdev_parse_uevent("DEVNAME=vda5\nPARTNAME=\0\0\n", 25, part, sizeof part,
					    dev, sizeof dev),
		     -1);
	CHECK_EQ_INT(tg_blkdev_parse_uevent("DEVNAME=vd\ta5\nPARTNAME=x\n", 25, part, sizeof part,
					    dev, sizeof dev),
		     -1);
	/* no trailing newline */
	CHECK_EQ_INT(tg_blkdev_parse_uevent("PARTNAME=data\nDEVNAME=vda8", 26, part, sizeof part,
					    dev, sizeof dev),
		     0);
	CHECK_EQ_STR(dev, "vda8");
}

static char root[64];

static void fake_block(const char *name, const char *uevent)
{
	char path[256];
	int fd;

	snprintf(path, sizeof path, "%s/%s", root, name);
	mkdir(path, 0755);
	snprintf(path, sizeof path, "%s/%s/uevent", root, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0);
	CHECK(write(fd, uevent, strlen(uevent)) == (ssize_t)strlen(uevent));
	close(fd);
}

static void test_find(void)
{
	char path[64];

	snprintf(root, sizeof root, "/tmp/tg-blkdev-XXXXXX");
	CHECK(mkdtemp(root) != NULL);
	fake_block("vda", "DEVNAME=vda\nDEVTYPE=disk\n");
	fake_block("vda5", "DEVNAME=vda5\nPARTNAME=rootA\n");
	fake_block("vda8", "DEVNAME=vda8\nPARTNAME=data\n");
	fake_block("sdb1", "DEVNAME=sdb1\nPARTNAME=dup\n");
	fake_block("sdc1", "DEVNAME=sdc1\nPARTNAME=dup\n");

	CHECK_EQ_INT(tg_blkdev_find(root, "rootA", path, sizeof path), 0);
	CHECK_EQ_STR(path, "/dev/vda5");
	CHECK_EQ_INT(tg_blkdev_find(root, "data", path, sizeof path), 0);
	CHECK_EQ_STR(path, "/dev/vda8");
	CHECK_EQ_INT(tg_blkdev_find(root, "rootB", path, sizeof path), -1);
	/* two partitions with one name: refused, never guessed */
	CHECK_EQ_INT(tg_blkdev_find(root, "dup", path, sizeof path), -1);
	CHECK_EQ_INT(tg_blkdev_find("/nonexistent", "data", path, sizeof path), -1);
}

int main(void)
{
	RUN(test_parse_uevent);
	RUN(test_find);
	return check_exit();
}
