# libFuzzer harness over tg-supervise's configuration parsers (paths relative to services/).

FUZZERS += fuzz_service_conf

fuzz_service_conf_SRCS := ../tests/fuzz/fuzz_service_conf.c supervise/svcconf.c supervise/svcenv.c \
	supervise/ctlproto.c
