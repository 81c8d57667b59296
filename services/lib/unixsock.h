/*
 * unixsock.h - the client side of the appliance's local control sockets
 * (updated's, tg-supervise's): one connect with timeouts, one send loop.
 */
#ifndef TG_UNIXSOCK_H
#define TG_UNIXSOCK_H

#include <stddef.h>

/*
 * A connected AF_UNIX stream socket (close-on-exec) to path, with
 * SO_RCVTIMEO and SO_SNDTIMEO of rcv_s and snd_s seconds (0: none).
 * The descriptor, or -1 with errno (ENAMETOOLONG: an empty path or one
 * that does not fit sun_path).
 */
int tg_unix_connect(const char *path, int rcv_s, int snd_s);

/*
 * send(2) all n bytes with MSG_NOSIGNAL (a closed peer is EPIPE, not a
 * signal), retrying on EINTR and short sends: 0, or -1 with errno
 * (EAGAIN: the send timeout passed).
 */
int tg_send_all(int fd, const void *buf, size_t n);

#endif
