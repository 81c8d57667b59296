# Unit tests of the web console's main role: the API's authorization,
# accounts, TOTP, audit and metrics routes (consoled/api.c) and the users
# file (consoled/users.c).  status.c, update.c and main.c's cd_random are
# stubbed inside the test.
UNIT_TESTS += test_consoled_api
test_consoled_api_SRCS := ../tests/unit/test_consoled_api.c consoled/api.c consoled/users.c \
	consoled/session.c consoled/ratelimit.c
test_consoled_api_LIBS := -lbearssl
