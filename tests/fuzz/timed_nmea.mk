# libFuzzer harness of services/timed/nmea.c (paths relative to services/).
FUZZERS += fuzz_nmea
fuzz_nmea_SRCS := ../tests/fuzz/fuzz_nmea.c timed/nmea.c
