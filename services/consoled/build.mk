# services/consoled: the local web console (HTTPS, JSON API, audit trail); see consoled/consoled.8.
# Roles: consoled/main.c + api.c, users.c, status.c, update.c (main: all
# state, decides every request), consoled/web.c + web_http.c (web: TLS,
# HTTP, the compiled-in pages).  session.c and ratelimit.c are pure and
# unit-tested; the pages in consoled/www/ become $(O)/gen/consoled_assets.c
# (consoled/assets.sh), compiled into the web role.
PROGS += consoled
consoled_SRCS := consoled/main.c consoled/api.c consoled/users.c consoled/status.c \
	consoled/update.c consoled/svctl.c consoled/web.c consoled/web_http.c consoled/session.c \
	consoled/ratelimit.c consoled/assets.c
consoled_LIBS := -lseccomp -lbearssl
# config.c checks the site's files with their consumers' own parsers:
# timed's conf.c and tg-netpolicy's policy.c (both pure)
consoled_SRCS += consoled/config.c timed/conf.c netpolicy/policy.c
# ntsd's certificate (upload, CSR) and the configuration backup format
consoled_SRCS += consoled/cfgtls.c consoled/cfgbackup.c

CD_WWW := $(sort $(wildcard consoled/www/*))
$(O)/gen/consoled_assets.c: consoled/assets.sh $(CD_WWW)
	@mkdir -p $(dir $@)
	sh consoled/assets.sh $(CD_WWW) >$@.tmp && mv $@.tmp $@
# the generated table, compiled under the name consoled/assets.o
$(O)/obj/consoled/assets.o: $(O)/gen/consoled_assets.c consoled/web_http.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -I consoled -c -o $@ $<
