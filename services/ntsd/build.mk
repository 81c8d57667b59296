# ntsd: the NTS frontend (for now plain NTPv4 on UDP); see ntsd/ntsd.8.
# Roles: ntsd/main.c (parent, reads the clock status), ntsd/ntp.c (answers NTP).
# -lbearssl comes with the NTS work (TLS 1.3 KE, AEAD for cookies).
PROGS += ntsd
ntsd_SRCS := ntsd/main.c ntsd/ntp.c
ntsd_LIBS := -lseccomp
