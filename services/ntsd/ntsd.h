/*
 * ntsd.h - what ntsd's role files share: the configuration and the role
 * entry points.  One file per role:
 *
 *   main.c  "main": options, configuration, sockets, fork; then, without
 *           network access, reads the clock status file every second and
 *           passes it on, and writes the roles' counters to the counters
 *           file every 2 s; exits when the ntp role dies.
 *   ntp.c   "ntp": answers NTP client requests on the UDP sockets (IPv4
 *           and IPv6), plain and NTS-authenticated (cookie keys from
 *           main); no filesystem, no new sockets.
 *   ke.c    "ke": NTS Key Establishment over TLS 1.3 on the TCP sockets;
 *           holds the TLS private key and the cookie keys; no
 *           filesystem, no new sockets (accept only).
 * Also in this folder: cookie.c (cookies and their key ring, shared by
 * all three roles) and nts-query.c (the NTS client tool).
 */
#ifndef NTSD_H
#define NTSD_H

#include <stddef.h>
#include <stdint.h>

#include <bearssl.h>

#define NTSD_CONF_PATH       "/etc/timegate/ntsd.conf"
#define NTSD_USER            "ntsd"
#define NTSD_PATH_MAX        256
#define NTSD_USER_MAX        32
#define NTSD_RULES_MAX       32 /* seccomp rules per role table, TG_SC_END included */
#define NTSD_NTP_SOCKETS_MAX 4  /* NTP sockets (ntp, ntp6, ...) served at most */
#define NTSD_KE_SOCKETS_MAX  4  /* NTS-KE sockets (ntske, ntske6, ...) served at most */
#define NTSD_TLS_CERT        "/data/config/nts/cert.pem"
#define NTSD_TLS_KEY         "/data/config/nts/key.pem"
#define NTSD_ROTATE_S        86400 /* default cookie key rotation interval */

struct ntsd_conf {
	int ntp_plain;                   /* answer unauthenticated NTP (default yes) */
	char status_file[NTSD_PATH_MAX]; /* default TG_TIMESTATUS_PATH */
	char user[NTSD_USER_MAX];        /* used when started as root (default "ntsd") */
	int have_listen_ntp;             /* listen-ntp given */
	char listen_addr[64];            /* numeric IPv4 or IPv6 address */
	uint16_t listen_port;
	int have_listen_ke; /* listen-ke given */
	char listen_ke_addr[64];
	uint16_t listen_ke_port;
	char tls_cert[NTSD_PATH_MAX];  /* PEM chain, leaf first */
	char tls_key[NTSD_PATH_MAX];   /* PEM P-256 key (SEC1 or PKCS#8) */
	char keys_file[NTSD_PATH_MAX]; /* cookie key ring (cookie.h) */
	uint32_t rotate_s;             /* cookie key rotation interval */
	char nts_server[256];          /* NTPv4 Server record to send ("" none) */
	uint16_t nts_port;             /* NTPv4 Port record to send (0 none) */
	char stats_file[NTSD_PATH_MAX]; /* counters file (lib/ntsstats.h); "" none */
};

/* The server's certificate chain and key, loaded by main before the ke role starts. */
struct ntsd_tls_creds {
	const br_x509_certificate *chain;
	size_t chain_len;
	const br_ec_private_key *key;
};

/*
 * The ntp role: udp_fds[0..n_udp) are the bound NTP sockets (1 to
 * NTSD_NTP_SOCKETS_MAX; IPv4 or IPv6, each answered on its own), ipc_fd
 * its end of the pair with main.  drop_user is the user to switch to, or
 * NULL when not running as root.  Never returns.
 */
void ntsd_ntp_main(const struct ntsd_conf *conf, const int *udp_fds, int n_udp, int ipc_fd,
                   const char *drop_user) __attribute__((noreturn));

/*
 * The ntp role's sandbox, as it enters it: sb and its seccomp table
 * rules[0..cap) built for these descriptors and user: one recvmmsg and
 * one sendmsg rule per NTP socket.  main.c prints it for -S, with
 * placeholder descriptors (TG_SANDBOX_SYMBOL).
 */
struct tg_sandbox;
struct tg_syscall_rule;
void ntsd_ntp_sandbox(struct tg_sandbox *sb, struct tg_syscall_rule *rules, size_t cap,
                      const int *udp_fds, int n_udp, int ipc_fd, const char *drop_user);

/*
 * The ke role: tcp_fds[0..n_tcp) are the listening NTS-KE sockets,
 * creds the TLS chain and key.
 * Never returns.
 */
void ntsd_ke_main(const struct ntsd_conf *conf, const struct ntsd_tls_creds *creds,
                  const int *tcp_fds, int n_tcp, int ipc_fd, const char *drop_user)
    __attribute__((noreturn));
void ntsd_ke_sandbox(struct tg_sandbox *sb, struct tg_syscall_rule *rules, size_t cap,
                     const int *tcp_fds, int n_tcp, int ipc_fd, const char *drop_user);

#endif
