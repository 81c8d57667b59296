# libFuzzer harness of timed's leap-second table (paths relative to services/).
# Seeds: tests/fuzz/corpus/leap/.

FUZZERS += fuzz_leap

fuzz_leap_SRCS := ../tests/fuzz/fuzz_leap.c timed/leap.c
fuzz_leap_LIBS := -lbearssl
