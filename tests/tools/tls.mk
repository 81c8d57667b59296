# tg-tlspeer: lib/tls13.c over real sockets, server and client, for
# tests/system/test_tls13_openssl.sh (interop with the openssl CLI).
TEST_TOOLS += tg-tlspeer
tg-tlspeer_SRCS := ../tests/tools/tg-tlspeer.c
tg-tlspeer_LIBS := -lbearssl
