# Unit tests of the web console's dashboard data, history and metrics
# (consoled/status.c) and its client of updated's control socket
# (consoled/update.c, against a fake updated in a forked child).
UNIT_TESTS += test_consoled_status
test_consoled_status_SRCS := ../tests/unit/test_consoled_status.c consoled/status.c consoled/update.c
test_consoled_status_LIBS := -lbearssl
