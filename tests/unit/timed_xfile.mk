# Unit tests of timed's cross-check results file (timed/xfile.c: the
# record from the configuration and the last samples, its atomic write)
# and its configuration key.
UNIT_TESTS += test_timed_xfile
test_timed_xfile_SRCS := ../tests/unit/test_timed_xfile.c timed/xfile.c timed/conf.c
