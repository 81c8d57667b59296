# Unit tests of timed's own files (paths relative to services/): the
# configuration and the state machine (engine.c, with the real servo).
UNIT_TESTS += test_timed_conf test_timed_engine test_timed_clock
test_timed_conf_SRCS := ../tests/unit/test_timed_conf.c timed/conf.c
test_timed_engine_SRCS := ../tests/unit/test_timed_engine.c timed/engine.c timed/servo.c timed/leap.c \
	timed/conf.c timed/clock.c
test_timed_engine_LIBS := -lseccomp -lbearssl -lm
test_timed_clock_SRCS := ../tests/unit/test_timed_clock.c timed/clock.c
test_timed_clock_LIBS := -lseccomp
