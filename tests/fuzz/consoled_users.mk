# libFuzzer harness of the web console's users file parser
# (services/consoled/users.c): strict parse of any bytes, and the
# canonical round trip through cd_users_format.
FUZZERS += fuzz_users
fuzz_users_SRCS := ../tests/fuzz/fuzz_users.c consoled/users.c consoled/session.c
fuzz_users_LIBS := -lbearssl
