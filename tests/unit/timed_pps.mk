# Unit tests of timed's PPS device access and refclock outputs
# (services/timed/pps.c, refout.c).  Each test includes its module's .c to
# reach the static pure steps, so the module is not listed again.
UNIT_TESTS += test_pps test_refout
test_pps_SRCS := ../tests/unit/test_pps.c
test_refout_SRCS := ../tests/unit/test_refout.c
