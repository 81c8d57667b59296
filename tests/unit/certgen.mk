# Unit tests of lib/certgen.c (the console's key, self-signed certificate,
# CSR and PEM writer), checked with BearSSL's X.509 decoder and validator
# and lib/pemfile.  Paths relative to services/.
UNIT_TESTS += test_certgen
test_certgen_SRCS := ../tests/unit/test_certgen.c
test_certgen_LIBS := -lbearssl
