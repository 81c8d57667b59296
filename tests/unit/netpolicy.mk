# Unit tests of tg-netpolicy's pure parts (paths relative to services/).
# The test reads the real policy/network.policy and policy/site.conf.example:
# from $TOP when tests/run.sh sets it, else from this checkout (NP_TOP).

UNIT_TESTS += test_netpolicy

test_netpolicy_SRCS := ../tests/unit/test_netpolicy.c netpolicy/policy.c netpolicy/emit.c
$(O)/obj/up/tests/unit/test_netpolicy.o: ALL_CFLAGS += -DNP_TOP='"$(abspath ..)"'
