# libFuzzer harness of the web console's configuration backup parser
# (services/consoled/cfgbackup.c): strict parse of any bytes (and of any
# bytes with a correct checksum line appended), and the canonical round
# trip through cd_backup_format.
FUZZERS += fuzz_backup
fuzz_backup_SRCS := ../tests/fuzz/fuzz_backup.c consoled/cfgbackup.c
fuzz_backup_LIBS := -lbearssl
