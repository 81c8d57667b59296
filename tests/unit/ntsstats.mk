# Unit tests of ntsd's counters file (lib/ntsstats.c: parser and formatter).
UNIT_TESTS += test_ntsstats
test_ntsstats_SRCS := ../tests/unit/test_ntsstats.c
test_ntsstats_LIBS := -lbearssl
