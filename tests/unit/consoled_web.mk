# Unit test of consoled's web role: its pure half (consoled/web_http.c:
# routing, cd_msg_req translation, response heads and security headers),
# its seccomp table (consoled/web.c) and the asset table consoled/assets.sh
# generates from consoled/www (consoled/assets.c stands for that generated
# table: its rule is in services/consoled/build.mk).
UNIT_TESTS += test_consoled_web
test_consoled_web_SRCS := ../tests/unit/test_consoled_web.c consoled/web_http.c consoled/web.c \
	consoled/assets.c
test_consoled_web_LIBS := -lseccomp -lbearssl
