# tg-servosim: timed's servo (timed/servo.c) against a simulated oscillator,
# kernel clock and PPS (tests/tools/servosim.c, shared with test_servo):
# convergence, RMS error, error bound, holdover, for tests/bench/servo_bench.py.
# The benchmark builds its own -O2 copy with the host compiler (it is a
# simulation: no sanitizers needed for figures, and it runs 50 scenarios).
TEST_TOOLS += tg-servosim
tg-servosim_SRCS := ../tests/tools/tg-servosim.c ../tests/tools/servosim.c timed/servo.c
tg-servosim_LIBS := -lm
