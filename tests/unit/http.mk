# Unit test of the console's HTTP/1.1 request parser (lib/http.c; paths
# relative to services/).
UNIT_TESTS += test_http
test_http_SRCS := ../tests/unit/test_http.c
