# libFuzzer harnesses of the NTS frontend's parsers (paths relative to services/).
# Seeds: tests/fuzz/corpus/ntp/, tests/fuzz/corpus/timestatus/.

FUZZERS += fuzz_ntp fuzz_timestatus

fuzz_ntp_SRCS := ../tests/fuzz/fuzz_ntp.c
fuzz_timestatus_SRCS := ../tests/fuzz/fuzz_timestatus.c
