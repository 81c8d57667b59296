# libFuzzer harness of the web console's readers of tg-supervise's sockets
# (services/consoled/svctl.c): log records, the /api/logs filter and
# status.sock lines from any bytes; seeds in corpus/logline_consoled/.
FUZZERS += fuzz_logline_consoled
fuzz_logline_consoled_SRCS := ../tests/fuzz/fuzz_logline_consoled.c consoled/svctl.c
