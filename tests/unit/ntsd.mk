# Unit tests of the NTS frontend's pure code (lib/ntp.c, lib/timestatus.c).
UNIT_TESTS += test_ntp test_timestatus
test_ntp_SRCS := ../tests/unit/test_ntp.c
test_timestatus_SRCS := ../tests/unit/test_timestatus.c
