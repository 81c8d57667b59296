/*
 * ntsd.h - what ntsd's role files share: the configuration and the role
 * entry points.  One file per role:
 *
 *   main.c  "main": options, configuration, sockets, fork; then, without
 *           network access, reads the clock status file every second and
 *           passes it on; exits when the ntp role dies.
 *   ntp.c   "ntp": answers NTP client requests on the UDP socket; no
 *           filesystem, no new sockets.
 */
#ifndef NTSD_H
#define NTSD_H

#include <stdint.h>

#define NTSD_CONF_PATH "/etc/timegate/ntsd.conf"
#define NTSD_USER      "ntsd"
#define NTSD_PATH_MAX  256
#define NTSD_USER_MAX  32

struct ntsd_conf {
	int ntp_plain;                   /* answer unauthenticated NTP (default yes) */
	char status_file[NTSD_PATH_MAX]; /* default TG_TIMESTATUS_PATH */
	char user[NTSD_USER_MAX];        /* used when started as root (default "ntsd") */
	int have_listen_ntp;             /* listen-ntp given */
	char listen_addr[64];            /* numeric IPv4 or IPv6 address */
	uint16_t listen_port;
};

/*
 * The ntp role: udp_fd is the bound NTP socket, ipc_fd its end of the
 * pair with main.  drop_user is the user to switch to, or NULL when not
 * running as root.  Never returns.
 */
void ntsd_ntp_main(const struct ntsd_conf *conf, int udp_fd, int ipc_fd, const char *drop_user)
    __attribute__((noreturn));

#endif
