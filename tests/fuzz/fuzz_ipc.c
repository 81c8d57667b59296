/*
 * fuzz_ipc.c - libFuzzer harness over tg_ipc_check, and over tg_ipc_recv
 * with the same bytes sent as one SOCK_SEQPACKET datagram: both must
 * agree, accept only a datagram of exactly header + the type's length,
 * and never read or write outside the buffers.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ipc.h"

static const struct tg_ipc_type types[] = {
    {1, 0, 0, "empty"},
    {2, 4, 1, "fd"},
    {3, 24, 0, "status"},
    {4, 1, 0, "byte"},
    {0xffff, TG_IPC_PAYLOAD_MAX, 0, "max"},
};
#define NTYPES (sizeof(types) / sizeof(types[0]))

static int sv[2] = {-1, -1};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static unsigned char payload[TG_IPC_PAYLOAD_MAX];
	const struct tg_ipc_type *t = NULL, *t2 = NULL;
	struct tg_ipc_hdr h;
	int rc, rc2, fd = -1;

	rc = tg_ipc_check(data, size, types, NTYPES, &t);
	if (rc == TG_IPC_OK) {
		if (!t || size != sizeof(struct tg_ipc_hdr) + t->len)
			__builtin_trap();
	} else if (rc > 0 || rc < TG_IPC_EAGAIN || t != NULL) {
		__builtin_trap();
	}

	/* the same bytes through a real socket (a zero-length datagram reads as EOF) */
	if (size == 0 || size > sizeof(struct tg_ipc_hdr) + TG_IPC_PAYLOAD_MAX + 64)
		return 0;
	if (sv[0] < 0 &&
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sv) < 0)
		return 0;
	if (send(sv[0], data, size, MSG_NOSIGNAL) != (ssize_t)size)
		return 0;
	rc2 = tg_ipc_recv(sv[1], &h, payload, sizeof(payload), types, NTYPES, &t2, &fd);
	if (size > sizeof(struct tg_ipc_hdr) + TG_IPC_PAYLOAD_MAX) {
		if (rc2 != TG_IPC_ETRUNC)
			__builtin_trap();
	} else if (rc2 != rc || t2 != t || fd != -1) {
		__builtin_trap();
	}
	if (rc2 == TG_IPC_OK &&
	    (memcmp(&h, data, sizeof(h)) != 0 || memcmp(payload, data + sizeof(h), t2->len) != 0))
		__builtin_trap();
	return 0;
}
