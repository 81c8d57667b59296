# Unit tests of the boot pieces (services/boot, lib/bootenv, lib/blkdev, lib/crc32).
UNIT_TESTS += test_bootenv test_verity test_blkdev
test_bootenv_SRCS := ../tests/unit/test_bootenv.c
test_verity_SRCS := ../tests/unit/test_verity.c boot/verity.c
test_blkdev_SRCS := ../tests/unit/test_blkdev.c
