# Unit tests of the web console's site configuration (consoled/config.c):
# timed.conf, network and site.conf edited by key, checked with timed's and
# tg-netpolicy's own parsers, .prev and roll-back, against a fake
# supervisor.  Reads the real policy/network.policy (TOP, else this checkout).
UNIT_TESTS += test_consoled_config
test_consoled_config_SRCS := ../tests/unit/test_consoled_config.c consoled/config.c timed/conf.c \
	netpolicy/policy.c
test_consoled_config_LIBS := -lbearssl
$(O)/obj/up/tests/unit/test_consoled_config.o: ALL_CFLAGS += -DCFG_TOP='"$(abspath ..)"'
