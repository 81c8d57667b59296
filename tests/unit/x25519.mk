# Unit test of lib/x25519.c: RFC 7748 vectors and a differential test
# against BearSSL's br_ec_c25519_m31.  Paths relative to services/.

UNIT_TESTS += test_x25519

test_x25519_SRCS := ../tests/unit/test_x25519.c
test_x25519_LIBS := -lbearssl
