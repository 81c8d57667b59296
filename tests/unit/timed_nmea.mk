# Unit tests of services/timed/nmea.c (paths relative to services/).
UNIT_TESTS += test_nmea
test_nmea_SRCS := ../tests/unit/test_nmea.c timed/nmea.c
