# Unit tests of the NTS message code (lib/nts.c over lib/ntp.c and lib/aessiv.c).
UNIT_TESTS += test_nts
test_nts_SRCS := ../tests/unit/test_nts.c
test_nts_LIBS := -lbearssl
