# tg-nmeadump: replays a GNSS capture through timed/nmea.c and prints one
# JSON line per epoch; tests/system/test_gnss_logs.sh compares it with gpsd.
TEST_TOOLS += tg-nmeadump
tg-nmeadump_SRCS := ../tests/tools/tg-nmeadump.c timed/nmea.c
