# Unit tests of the web console's main role: the API's authorization,
# accounts, TOTP, audit and metrics routes (consoled/api.c) and the users
# file (consoled/users.c).  status.c, update.c and main.c's cd_random are
# stubbed inside the test.
UNIT_TESTS += test_consoled_api
test_consoled_api_SRCS := ../tests/unit/test_consoled_api.c consoled/api.c consoled/users.c \
	consoled/session.c consoled/ratelimit.c consoled/svctl.c
# api.c routes /api/config to config.c, which checks with timed's and tg-netpolicy's parsers
test_consoled_api_SRCS += consoled/config.c timed/conf.c netpolicy/policy.c
test_consoled_api_SRCS += consoled/cfgtls.c consoled/cfgbackup.c
test_consoled_api_LIBS := -lbearssl
