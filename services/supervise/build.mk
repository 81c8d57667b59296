# tg-supervise: the service supervisor (see tg-supervise.8).
# One file per concern; the pure ones (svcconf, svcenv, restart, logline,
# logring, ctlproto) are also linked into tests/unit/test_supervise and the fuzzer.
PROGS += tg-supervise
tg-supervise_SRCS := supervise/main.c supervise/service.c supervise/spawn.c \
	supervise/listen.c supervise/journal.c supervise/ctl.c supervise/action.c \
	supervise/watchdog.c supervise/ctlproto.c supervise/svcconf.c supervise/svcenv.c supervise/restart.c \
	supervise/logline.c supervise/logring.c
tg-supervise_LIBS := -lseccomp
