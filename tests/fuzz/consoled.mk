# libFuzzer harness of the web console's sessions and login throttling
# (services/consoled/session.c, ratelimit.c): cookies and CSRF tokens from
# any bytes, and call sequences checked against the table's invariants.
FUZZERS += fuzz_session
fuzz_session_SRCS := ../tests/fuzz/fuzz_session.c consoled/session.c consoled/ratelimit.c
fuzz_session_LIBS := -lbearssl
