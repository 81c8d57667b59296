# tg-certgen: lib/certgen.c from the command line (key, self-signed
# certificate, CSR as PEM files) for tests/system/test_certgen.sh, which
# checks them with the openssl CLI.
TEST_TOOLS += tg-certgen
tg-certgen_SRCS := ../tests/tools/tg-certgen.c
tg-certgen_LIBS := -lbearssl
