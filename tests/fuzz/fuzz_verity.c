/*
 * fuzz_verity.c - tg_verity_parse and tg_blkdev_parse_uevent on arbitrary text.
 */
#include "blkdev.h"
#include "../../services/boot/verity.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tg_verity v;
	char err[256], table[512], part[32], dev[32];

	if (tg_verity_parse((const char *)data, size, &v, err, sizeof err) == 0) {
		if (strlen(v.roothash) != 64 || strlen(v.salt) != 64 ||
		    v.hash_start_block < v.data_blocks)
			abort();
		if (tg_verity_table(&v, "/dev/vda5", table, sizeof table) != 0)
			abort();
	}
	if (tg_blkdev_parse_uevent((const char *)data, size, part, sizeof part, dev, sizeof dev) == 0 &&
	    (strchr(dev, '/') || dev[0] == '.' || !part[0]))
		abort();
	return 0;
}
