# Unit tests of tg-supervise's pure parts (paths relative to services/).

UNIT_TESTS += test_supervise

test_supervise_SRCS := ../tests/unit/test_supervise.c supervise/svcconf.c supervise/svcenv.c \
	supervise/restart.c supervise/logline.c supervise/logring.c \
	supervise/ctlproto.c
