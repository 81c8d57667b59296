# libFuzzer harness of ntsd's cookies and key-ring file (paths relative to services/).
# Seeds: tests/fuzz/corpus/cookie/ (tests/fuzz/gen_cookie_seeds.py).

FUZZERS += fuzz_cookie

fuzz_cookie_SRCS := ../tests/fuzz/fuzz_cookie.c ntsd/cookie.c
fuzz_cookie_LIBS := -lbearssl
