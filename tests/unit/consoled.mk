# Unit tests of the web console's pure parts (services/consoled): sessions,
# CSRF tokens, roles and login throttling.
UNIT_TESTS += test_session
test_session_SRCS := ../tests/unit/test_session.c consoled/session.c consoled/ratelimit.c
test_session_LIBS := -lbearssl
