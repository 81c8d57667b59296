# libFuzzer harness of tg-netpolicy's parsers and emitter (paths relative
# to services/).  Seeds: tests/fuzz/corpus/netpolicy/.  The fixed partner
# (the policy a fuzzed site file is read against) is the real
# policy/network.policy: from $TOP when set, else from this checkout.

FUZZERS += fuzz_netpolicy

fuzz_netpolicy_SRCS := ../tests/fuzz/fuzz_netpolicy.c netpolicy/policy.c netpolicy/emit.c
$(O)/obj/up/tests/fuzz/fuzz_netpolicy.o: ALL_CFLAGS += -DNP_TOP='"$(abspath ..)"'
