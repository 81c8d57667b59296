# tg-refout: drives timed's SHM and chrony SOCK refclock outputs
# (services/timed/refout.c) with a fixed offset, for
# tests/system/test_timed_refout.sh, which points a real chronyd at them.
TEST_TOOLS += tg-refout
tg-refout_SRCS := ../tests/tools/tg-refout.c timed/refout.c
