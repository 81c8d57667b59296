# timed's clock servo (timed/servo.c): unit cases and whole runs on the
# simulated clock shared with tg-servosim (tests/tools/servosim.c).
UNIT_TESTS += test_servo
test_servo_SRCS := ../tests/unit/test_servo.c ../tests/tools/servosim.c timed/servo.c
test_servo_LIBS := -lm
