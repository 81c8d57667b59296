# tg-cryptobench: per-operation times of the curve and AES-SIV code, ours
# next to BearSSL's, for tests/bench/bench.py (section "crypto").  Like
# tg-ntsload, the benchmark builds its own copy with the product toolchain.
TEST_TOOLS += tg-cryptobench
tg-cryptobench_SRCS := ../tests/tools/tg-cryptobench.c
tg-cryptobench_LIBS := -lbearssl
