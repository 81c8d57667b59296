# libFuzzer harness of timed's configuration parser (paths relative to services/).
FUZZERS += fuzz_timed_conf
fuzz_timed_conf_SRCS := ../tests/fuzz/fuzz_timed_conf.c timed/conf.c
