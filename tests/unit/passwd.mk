# Unit tests of the console's credentials: lib/passwd.c (PBKDF2-HMAC-SHA256
# password hashes, policy) and lib/totp.c (HOTP/TOTP, base32, otpauth URI).
# Paths relative to services/.
UNIT_TESTS += test_passwd test_totp
test_passwd_SRCS := ../tests/unit/test_passwd.c
test_passwd_LIBS := -lbearssl
test_totp_SRCS := ../tests/unit/test_totp.c
test_totp_LIBS := -lbearssl
