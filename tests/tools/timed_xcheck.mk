# tg-xcheck-run: timed's cross-check role (services/timed/xcheck.c) forked
# on an IPC pair with this tool playing main; prints each sample.  For
# tests/system/test_timed_xcheck.sh.
TEST_TOOLS += tg-xcheck-run
tg-xcheck-run_SRCS := ../tests/tools/tg-xcheck-run.c timed/xcheck.c
tg-xcheck-run_LIBS := -lseccomp -lbearssl
