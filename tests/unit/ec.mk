# tg_ec_impl (lib/ec.c): the br_ec_impl of the TLS code, against BearSSL's m31.
UNIT_TESTS += test_ec
test_ec_SRCS := ../tests/unit/test_ec.c
test_ec_LIBS := -lbearssl
