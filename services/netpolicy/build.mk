# tg-netpolicy: the network policy compiler (see netpolicy/tg-netpolicy.8).
# policy.c and emit.c are pure (parse, compile); main.c reads and writes
# files.  The pure two are also linked into tests/unit/test_netpolicy and
# tests/fuzz/fuzz_netpolicy.  Plain C11 and libtg only: it runs on the
# build host (policy/compiled/) and on the appliance at boot.
PROGS += tg-netpolicy
tg-netpolicy_SRCS := netpolicy/main.c netpolicy/policy.c netpolicy/emit.c
