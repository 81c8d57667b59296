# Unit tests of timed's cross-check results file (lib/xcheckstatus.c:
# parser and formatter).
UNIT_TESTS += test_xcheckstatus
test_xcheckstatus_SRCS := ../tests/unit/test_xcheckstatus.c
