# libFuzzer harness of the console's HTTP/1.1 request parser and its
# cookie, form and path helpers (lib/http.c; paths relative to services/).
# Seeds: tests/fuzz/corpus/http/.
FUZZERS += fuzz_http
fuzz_http_SRCS := ../tests/fuzz/fuzz_http.c
