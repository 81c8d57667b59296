# Unit tests of lib/tls13*.c and lib/pemfile.c (paths relative to services/).
# Test certificates are in tests/unit/data/tls/ (made once with openssl;
# see the README there), read from $TOP when tests/run.sh sets it, else
# from this checkout (TLS_TOP).

UNIT_TESTS += test_tls13

test_tls13_SRCS := ../tests/unit/test_tls13.c
test_tls13_LIBS := -lbearssl
$(O)/obj/up/tests/unit/test_tls13.o: ALL_CFLAGS += -DTLS_TOP='"$(abspath ..)"'
