# Unit test of the GNSS detail record (lib/gnssstatus.c; paths relative to services/).
UNIT_TESTS += test_gnssstatus
test_gnssstatus_SRCS := ../tests/unit/test_gnssstatus.c
