# Unit test of the 64-bit constant-time P-256 (lib/p256.c) against known
# answers and BearSSL's br_ec_p256_m31.  Paths relative to services/.

UNIT_TESTS += test_p256
test_p256_SRCS := ../tests/unit/test_p256.c
test_p256_LIBS := -lbearssl
