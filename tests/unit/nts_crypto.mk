# Unit tests of the NTS crypto: AES-SIV-CMAC (lib/aessiv.c) and ntsd's
# cookies and master-key ring (ntsd/cookie.c).  Paths relative to services/.
# test_aessiv includes lib/aessiv.c itself (static helpers, backend switch);
# the copy in libtg.a is not linked in for it (the symbols resolve first here).

UNIT_TESTS += test_aessiv test_cookie

test_aessiv_SRCS := ../tests/unit/test_aessiv.c
test_aessiv_LIBS := -lbearssl
test_cookie_SRCS := ../tests/unit/test_cookie.c ntsd/cookie.c
test_cookie_LIBS := -lbearssl
