# libFuzzer harnesses of services/lib parsers (paths relative to services/).

FUZZERS += fuzz_conf fuzz_ipc

fuzz_conf_SRCS := ../tests/fuzz/fuzz_conf.c
fuzz_ipc_SRCS := ../tests/fuzz/fuzz_ipc.c
