# timed: the GNSS/PPS time service; see timed/timed.8.
# Roles: timed/main.c (NMEA, PPS, state machine, status), timed/clock.c
# (CAP_SYS_TIME: checked clock adjustments), timed/xcheck.c (NTS
# cross-check against upstream servers).  engine.c decides, nmea.c,
# servo.c and leap.c are pure; pps.c and refout.c touch the devices.
PROGS += timed
timed_SRCS := timed/main.c timed/conf.c timed/engine.c timed/clock.c timed/xcheck.c timed/xfile.c \
	timed/nmea.c timed/servo.c timed/leap.c timed/pps.c timed/refout.c
timed_LIBS := -lseccomp -lbearssl -lm
