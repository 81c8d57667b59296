# Fuzzers of the boot parsers: the boot environment partitions (hostile:
# anyone with disk access writes them), verity.conf, sysfs uevents.
FUZZERS += fuzz_bootenv fuzz_verity
fuzz_bootenv_SRCS := ../tests/fuzz/fuzz_bootenv.c
fuzz_verity_SRCS := ../tests/fuzz/fuzz_verity.c boot/verity.c
