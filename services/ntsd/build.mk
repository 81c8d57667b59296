# ntsd: the NTS frontend (NTS-KE over TLS 1.3, NTPv4 with NTS); see ntsd/ntsd.8.
# Roles: ntsd/main.c (parent: clock status, cookie key ring),
# ntsd/ntp.c (answers NTP and NTS), ntsd/ke.c (NTS-KE); ntsd/cookie.c is
# the cookie format and key ring the three share.
PROGS += ntsd
ntsd_SRCS := ntsd/main.c ntsd/ntp.c ntsd/ke.c ntsd/cookie.c
ntsd_LIBS := -lseccomp -lbearssl

# nts-query: the NTS client (lib/ntsclient.c) as a command; see ntsd/nts-query.8.
PROGS += nts-query
nts-query_SRCS := ntsd/nts-query.c
nts-query_LIBS := -lbearssl
