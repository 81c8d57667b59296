# Unit test of timed's leap-second table (paths relative to services/).
# It reads rootfs/etc/timegate/leap-seconds.list from $TOP, else this checkout.

UNIT_TESTS += test_leap

test_leap_SRCS := ../tests/unit/test_leap.c timed/leap.c
test_leap_LIBS := -lbearssl
$(O)/obj/up/tests/unit/test_leap.o: ALL_CFLAGS += -DLEAP_TOP='"$(abspath ..)"'
