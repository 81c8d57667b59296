/*
 * ipc.h - fixed-size typed messages over Unix SOCK_SEQPACKET sockets.
 *
 * A message is a header and a payload sent in one sendmsg(2), so message
 * boundaries are kept by the socket.  Each message type has one exact
 * payload size, declared by the protocol that uses it (a table of
 * struct tg_ipc_type); the receiver rejects any other size, an unknown
 * type, a truncated datagram (MSG_TRUNC) or an unexpected descriptor.
 * As in OpenNTPD, a malformed message from a sibling process means that
 * process is compromised or buggy: the caller treats it as fatal.
 *
 * Integers in payloads are in host byte order (both ends are on one host).
 */
#ifndef TG_IPC_H
#define TG_IPC_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define TG_IPC_MAGIC 0x5447u /* "TG" */
/* the largest payload: consoled's CD_MSG_REQ carries a 16 KiB request body */
#define TG_IPC_PAYLOAD_MAX 20480

struct tg_ipc_hdr {
	uint16_t magic; /* TG_IPC_MAGIC */
	uint16_t type;
	uint32_t len; /* payload bytes that follow */
	uint32_t seq; /* request/response matching, chosen by the sender */
	uint32_t reserved; /* zero */
};

struct tg_ipc_type {
	uint16_t type;
	uint32_t len;      /* exact payload size */
	unsigned fd_allowed; /* 1 if the message may carry one descriptor */
	const char *name;  /* for error messages */
};

enum tg_ipc_err {
	TG_IPC_OK = 0,
	TG_IPC_EOF = -1,      /* peer closed */
	TG_IPC_ESYS = -2,     /* system call failed, errno set */
	TG_IPC_ESHORT = -3,   /* shorter than a header */
	TG_IPC_ETRUNC = -4,   /* datagram larger than the buffer */
	TG_IPC_EMAGIC = -5,   /* bad magic or reserved field */
	TG_IPC_ETYPE = -6,    /* type not in the table */
	TG_IPC_ELEN = -7,     /* payload size differs from the type's */
	TG_IPC_EFD = -8,      /* descriptor where none allowed, or ancillary data malformed */
	TG_IPC_EAGAIN = -9,   /* non-blocking socket, nothing to read */
};

/* A connected SOCK_SEQPACKET pair, close-on-exec. */
int tg_ipc_pair(int sv[2]);

/* Send one message; pass_fd >= 0 attaches a descriptor. Returns 0 or a tg_ipc_err. */
int tg_ipc_send(int sock, uint16_t type, uint32_t seq, const void *payload, uint32_t len,
		int pass_fd);

/*
 * Receive one message into payload (capacity cap) and check it against
 * types[0..ntypes).  On success fills *hdr, sets *type_out to the matching
 * table entry, *fd_out to a received descriptor or -1 (fd_out may be NULL
 * if no type allows descriptors), and returns 0.  Any descriptor received
 * with a rejected message is closed.
 */
int tg_ipc_recv(int sock, struct tg_ipc_hdr *hdr, void *payload, size_t cap,
		const struct tg_ipc_type *types, size_t ntypes, const struct tg_ipc_type **type_out,
		int *fd_out);

/*
 * Pure check of a received datagram (buf, len) against the table; used by
 * tg_ipc_recv and by the fuzz harness.  Returns 0 or a tg_ipc_err.
 */
int tg_ipc_check(const void *buf, size_t len, const struct tg_ipc_type *types, size_t ntypes,
		 const struct tg_ipc_type **type_out);

const char *tg_ipc_strerror(int err);

#endif
