# libFuzzer harness of ntsd's counters file parser (lib/ntsstats.c).
# Seeds: tests/fuzz/corpus/ntsstats/.
FUZZERS += fuzz_ntsstats
fuzz_ntsstats_SRCS := ../tests/fuzz/fuzz_ntsstats.c
fuzz_ntsstats_LIBS := -lbearssl
