# libFuzzer harness of the GNSS detail record (lib/gnssstatus.c; paths relative to services/).
# Seeds: tests/fuzz/corpus/gnssstatus/ (tests/fuzz/gen_gnssstatus_seeds.py).

FUZZERS += fuzz_gnssstatus

fuzz_gnssstatus_SRCS := ../tests/fuzz/fuzz_gnssstatus.c
