# libFuzzer harness of timed's cross-check results parser
# (lib/xcheckstatus.c).  Seeds: tests/fuzz/corpus/xcheckstatus/.
FUZZERS += fuzz_xcheckstatus
fuzz_xcheckstatus_SRCS := ../tests/fuzz/fuzz_xcheckstatus.c
