/*
 * listenfd.h - the listening sockets a service gets: passed by
 * tg-supervise (TG_LISTEN_FDS=N, descriptors 3..3+N-1, TG_LISTEN_NAMES
 * "name:name:...", as systemd's LISTEN_FDS/LISTEN_FDNAMES), or bound by
 * the daemon itself from its configuration when it runs without the
 * supervisor (tests, a developer's shell).
 *
 * A service asks for sockets by name prefix: "https" takes "https",
 * "https6", ... (tg-supervise wants each listen name once per service
 * file, so the IPv6 socket beside the IPv4 one carries a digit).
 */
#ifndef TG_LISTENFD_H
#define TG_LISTENFD_H

#include <stddef.h>
#include <stdint.h>

#define TG_LISTEN_FDS_START 3
#define TG_LISTEN_FDS_MAX   16

struct tg_listen_want {
	const char *prefix; /* "https" */
	int *fds;           /* out: up to max descriptors */
	int max;
	int n;              /* out */
};

/*
 * Take the supervisor's sockets into want[0..nwant); sockets no prefix
 * wants are closed; the ones kept are close-on-exec; the variables are
 * removed from the environment.  No TG_LISTEN_FDS: 0 with every n = 0.
 * Returns 0, or -1 with err naming the variable and what was expected
 * (bad numbers, names missing or extra, a descriptor not open, more
 * sockets of a prefix than max).
 */
int tg_listen_fds(struct tg_listen_want *want, int nwant, char *err, size_t errlen);

/*
 * A socket bound to addr (IPv4 or IPv6 literal) and port, listening
 * (SOCK_STREAM, SO_REUSEADDR, backlog 64) or not (SOCK_DGRAM),
 * close-on-exec.  Returns the descriptor, or -1 with err.
 */
int tg_listen_bind(const char *addr, uint16_t port, int type, char *err, size_t errlen);

#endif
