# tg-ntsload: NTS load generator on lib/ntsclient.c (NTS-KE exchanges per
# second, NTS-protected NTP requests per second) for tests/bench/bench.py.
# Built in host mode with the other test tools; the benchmark builds its own
# copy with the product toolchain and flags (MODE=static, named target), so
# the load generator on the same 2 cores is not slowed by the sanitizers.
TEST_TOOLS += tg-ntsload
tg-ntsload_SRCS := ../tests/tools/tg-ntsload.c
tg-ntsload_LIBS := -lbearssl
