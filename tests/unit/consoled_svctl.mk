# Unit tests of the web console's client of tg-supervise's sockets
# (consoled/svctl.c): log records and the /api/logs filter, status.sock
# lines, the control socket, and the logs/services/restart answers against
# a fake supervisor in a forked child.
UNIT_TESTS += test_consoled_svctl
test_consoled_svctl_SRCS := ../tests/unit/test_consoled_svctl.c consoled/svctl.c
