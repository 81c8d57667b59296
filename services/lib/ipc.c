/*
 * ipc.c - fixed-size typed messages over Unix SOCK_SEQPACKET sockets.
 *
 * A message is one datagram: struct tg_ipc_hdr then exactly hdr.len
 * payload bytes, at most one descriptor in SCM_RIGHTS.  The receive
 * buffer is one byte larger than the largest valid datagram, so an
 * oversized one is seen as such even if MSG_TRUNC were not reported.
 * Every descriptor that arrives with a rejected message is closed.
 */
#include "ipc.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "ct.h"

#define HDR_LEN   sizeof(struct tg_ipc_hdr)
#define DGRAM_MAX (HDR_LEN + TG_IPC_PAYLOAD_MAX)
/* Room for a few descriptors so that extras are received (and closed), not silently kept. */
#define FDS_MAX 8

_Static_assert(sizeof(struct tg_ipc_hdr) == 16, "tg_ipc_hdr has no padding");

int tg_ipc_pair(int sv[2])
{
	return socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv);
}

int tg_ipc_send(int sock, uint16_t type, uint32_t seq, const void *payload, uint32_t len,
                int pass_fd)
{
	struct tg_ipc_hdr hdr;
	struct iovec iov[2];
	struct msghdr msg;
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int))];
	} cbuf;
	ssize_t n;

	if (len > TG_IPC_PAYLOAD_MAX || (len && !payload))
		return TG_IPC_ELEN;

	memset(&hdr, 0, sizeof(hdr));
	hdr.magic = TG_IPC_MAGIC;
	hdr.type = type;
	hdr.len = len;
	hdr.seq = seq;

	memset(&msg, 0, sizeof(msg));
	iov[0].iov_base = &hdr;
	iov[0].iov_len = HDR_LEN;
	iov[1].iov_base = (void *)(uintptr_t)payload;
	iov[1].iov_len = len;
	msg.msg_iov = iov;
	msg.msg_iovlen = len ? 2 : 1;
	if (pass_fd >= 0) {
		struct cmsghdr *c;

		memset(&cbuf, 0, sizeof(cbuf));
		msg.msg_control = cbuf.buf;
		msg.msg_controllen = sizeof(cbuf.buf);
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &pass_fd, sizeof(int));
	}

	do
		n = sendmsg(sock, &msg, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return (errno == EAGAIN || errno == EWOULDBLOCK) ? TG_IPC_EAGAIN : TG_IPC_ESYS;
	if ((size_t)n != HDR_LEN + len) {
		/* cannot happen on SOCK_SEQPACKET (all or nothing); do not let it pass */
		errno = EMSGSIZE;
		return TG_IPC_ESYS;
	}
	return TG_IPC_OK;
}

int tg_ipc_check(const void *buf, size_t len, const struct tg_ipc_type *types, size_t ntypes,
                 const struct tg_ipc_type **type_out)
{
	struct tg_ipc_hdr hdr;
	size_t i;

	if (type_out)
		*type_out = NULL;
	if (!buf || len < HDR_LEN)
		return TG_IPC_ESHORT;
	if (len > DGRAM_MAX)
		return TG_IPC_ETRUNC;
	memcpy(&hdr, buf, HDR_LEN);
	if (hdr.magic != TG_IPC_MAGIC || hdr.reserved != 0)
		return TG_IPC_EMAGIC;
	for (i = 0; types && i < ntypes; i++)
		if (types[i].type == hdr.type)
			break;
	if (!types || i == ntypes)
		return TG_IPC_ETYPE;
	if (hdr.len != len - HDR_LEN || hdr.len != types[i].len)
		return TG_IPC_ELEN;
	if (type_out)
		*type_out = &types[i];
	return TG_IPC_OK;
}

static void close_fds(const int *fds, int n)
{
	int i;

	for (i = 0; i < n; i++)
		close(fds[i]);
}

int tg_ipc_recv(int sock, struct tg_ipc_hdr *hdr, void *payload, size_t cap,
                const struct tg_ipc_type *types, size_t ntypes, const struct tg_ipc_type **type_out,
                int *fd_out)
{
	union {
		struct tg_ipc_hdr align;
		unsigned char buf[DGRAM_MAX + 1];
	} rx;
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(FDS_MAX * sizeof(int))];
	} cbuf;
	const struct tg_ipc_type *t = NULL;
	struct msghdr msg;
	struct iovec iov;
	struct cmsghdr *c;
	int fds[FDS_MAX];
	int nfds = 0, bad_cmsg = 0, rc;
	ssize_t n;

	if (fd_out)
		*fd_out = -1;
	if (type_out)
		*type_out = NULL;

	memset(&msg, 0, sizeof(msg));
	iov.iov_base = rx.buf;
	iov.iov_len = sizeof(rx.buf);
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cbuf.buf;
	msg.msg_controllen = sizeof(cbuf.buf);

	do
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return (errno == EAGAIN || errno == EWOULDBLOCK) ? TG_IPC_EAGAIN : TG_IPC_ESYS;

	/* collect every descriptor first, so that each rejection path can close them */
	for (c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
		    c->cmsg_len >= CMSG_LEN(0)) {
			size_t k, cnt = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);

			for (k = 0; k < cnt; k++) {
				int fd;

				memcpy(&fd, CMSG_DATA(c) + k * sizeof(int), sizeof(int));
				if (nfds < FDS_MAX)
					fds[nfds++] = fd;
				else
					close(fd); /* nfds > 1 is rejected below anyway */
			}
			if (cnt == 0)
				bad_cmsg = 1;
		} else {
			bad_cmsg = 1;
		}
	}

	if (n == 0) {
		rc = TG_IPC_EOF;
		goto reject;
	}
	if ((msg.msg_flags & MSG_TRUNC) || (size_t)n > DGRAM_MAX) {
		rc = TG_IPC_ETRUNC;
		goto reject;
	}
	rc = tg_ipc_check(rx.buf, (size_t)n, types, ntypes, &t);
	if (rc != TG_IPC_OK)
		goto reject;
	if ((msg.msg_flags & MSG_CTRUNC) || bad_cmsg || nfds > 1 ||
	    (nfds == 1 && (!t->fd_allowed || !fd_out))) {
		rc = TG_IPC_EFD;
		goto reject;
	}
	if (t->len > cap || (t->len && !payload)) {
		/* the caller's buffer cannot hold this type: a bug on our side, not the peer's */
		rc = TG_IPC_ETRUNC;
		goto reject;
	}

	if (hdr)
		memcpy(hdr, rx.buf, HDR_LEN);
	if (t->len)
		memcpy(payload, rx.buf + HDR_LEN, t->len);
	if (type_out)
		*type_out = t;
	if (fd_out)
		*fd_out = nfds ? fds[0] : -1;
	tg_wipe(rx.buf, (size_t)n);
	return TG_IPC_OK;

reject:
	close_fds(fds, nfds);
	tg_wipe(rx.buf, n > 0 ? (size_t)n : 0);
	return rc;
}

const char *tg_ipc_strerror(int err)
{
	switch (err) {
	case TG_IPC_OK:
		return "ok";
	case TG_IPC_EOF:
		return "peer closed the connection";
	case TG_IPC_ESYS:
		return "system call failed";
	case TG_IPC_ESHORT:
		return "message shorter than a header";
	case TG_IPC_ETRUNC:
		return "message larger than the receive buffer";
	case TG_IPC_EMAGIC:
		return "bad magic or reserved field";
	case TG_IPC_ETYPE:
		return "unknown message type";
	case TG_IPC_ELEN:
		return "payload size differs from the type's";
	case TG_IPC_EFD:
		return "unexpected descriptor or malformed ancillary data";
	case TG_IPC_EAGAIN:
		return "no message waiting";
	default:
		return "unknown ipc error";
	}
}
