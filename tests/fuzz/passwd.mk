# libFuzzer harness of the console's credential parsers: stored password
# hashes (lib/passwd.c), base32 secrets and TOTP codes (lib/totp.c).
FUZZERS += fuzz_passwd
fuzz_passwd_SRCS := ../tests/fuzz/fuzz_passwd.c
fuzz_passwd_LIBS := -lbearssl
