/*
 * test_ipc.c - typed SOCK_SEQPACKET messages: round trip, descriptor
 * passing (close-on-exec on arrival), and every rejection: wrong length,
 * unknown type, oversized (truncated) datagram, short datagram, bad magic
 * or reserved field, a descriptor where none is allowed or more than one
 * (each closed: F_GETFD gives EBADF), EOF and EAGAIN; plus tg_ipc_check
 * on random datagrams.
 */
#include "check.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "ipc.h"

enum { T_PING = 1, T_FD = 2, T_EMPTY = 3, T_BIG = 4 };

struct ping {
	uint64_t a;
	uint32_t b;
	uint32_t c;
};

static const struct tg_ipc_type types[] = {
    {T_PING, sizeof(struct ping), 0, "ping"},
    {T_FD, 4, 1, "fd"},
    {T_EMPTY, 0, 0, "empty"},
    {T_BIG, TG_IPC_PAYLOAD_MAX, 0, "big"},
};
#define NTYPES (sizeof(types) / sizeof(types[0]))

static unsigned char payload[TG_IPC_PAYLOAD_MAX];

static int recv_one(int s, struct tg_ipc_hdr *h, const struct tg_ipc_type **t, int *fd)
{
	return tg_ipc_recv(s, h, payload, sizeof(payload), types, NTYPES, t, fd);
}

/* The number the next received descriptor gets (lowest free). */
static int next_fd(void)
{
	int fd = dup(0);

	close(fd);
	return fd;
}

static int fd_closed(int fd)
{
	errno = 0;
	return fcntl(fd, F_GETFD) == -1 && errno == EBADF;
}

static void test_round_trip(void)
{
	struct ping p = {0x1122334455667788ull, 7, 9}, q;
	const struct tg_ipc_type *t = NULL;
	struct tg_ipc_hdr h;
	int sv[2], fd = 5;

	CHECK_EQ_INT(tg_ipc_pair(sv), 0);
	CHECK(fcntl(sv[0], F_GETFD) & FD_CLOEXEC);
	CHECK_EQ_INT(tg_ipc_send(sv[0], T_PING, 42, &p, sizeof(p), -1), TG_IPC_OK);
	CHECK_EQ_INT(recv_one(sv[1], &h, &t, &fd), TG_IPC_OK);
	CHECK(t == &types[0]);
	CHECK_EQ_INT(fd, -1);
	CHECK_EQ_INT(h.magic, TG_IPC_MAGIC);
	CHECK_EQ_INT(h.type, T_PING);
	CHECK_EQ_INT(h.len, sizeof(p));
	CHECK_EQ_INT(h.seq, 42);
	CHECK_EQ_INT(h.reserved, 0);
	memcpy(&q, payload, sizeof(q));
	CHECK(memcmp(&p, &q, sizeof(p)) == 0);

	/* both directions, empty and maximum payloads, fd_out NULL */
	CHECK_EQ_INT(tg_ipc_send(sv[1], T_EMPTY, 1, NULL, 0, -1), TG_IPC_OK);
	CHECK_EQ_INT(tg_ipc_recv(sv[0], &h, NULL, 0, types, NTYPES, &t, NULL), TG_IPC_OK);
	CHECK(t == &types[2] && h.len == 0);
	memset(payload, 0x5a, sizeof(payload));
	CHECK_EQ_INT(tg_ipc_send(sv[1], T_BIG, 2, payload, TG_IPC_PAYLOAD_MAX, -1), TG_IPC_OK);
	memset(payload, 0, sizeof(payload));
	CHECK_EQ_INT(recv_one(sv[0], &h, &t, NULL), TG_IPC_OK);
	CHECK(t == &types[3] && payload[0] == 0x5a && payload[TG_IPC_PAYLOAD_MAX - 1] == 0x5a);

	/* the sender refuses what no receiver would accept */
	CHECK_EQ_INT(tg_ipc_send(sv[1], T_BIG, 2, payload, TG_IPC_PAYLOAD_MAX + 1, -1),
	             TG_IPC_ELEN);
	CHECK_EQ_INT(tg_ipc_send(sv[1], T_PING, 2, NULL, 4, -1), TG_IPC_ELEN);
	/* the receiver's buffer too small for the type: refused, not overrun */
	CHECK_EQ_INT(tg_ipc_send(sv[0], T_PING, 3, &p, sizeof(p), -1), TG_IPC_OK);
	CHECK_EQ_INT(tg_ipc_recv(sv[1], &h, payload, 4, types, NTYPES, &t, &fd), TG_IPC_ETRUNC);
	close(sv[0]);
	close(sv[1]);
}

static void test_fd_passing(void)
{
	const struct tg_ipc_type *t;
	struct tg_ipc_hdr h;
	int sv[2], p[2], fd = -1;
	uint32_t v = 77;
	char c = 0;

	CHECK_EQ_INT(tg_ipc_pair(sv), 0);
	CHECK(pipe(p) == 0);
	CHECK_EQ_INT(tg_ipc_send(sv[0], T_FD, 9, &v, sizeof(v), p[1]), TG_IPC_OK);
	close(p[1]);
	CHECK_EQ_INT(recv_one(sv[1], &h, &t, &fd), TG_IPC_OK);
	CHECK(t == &types[1]);
	CHECK(fd >= 0);
	CHECK(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	CHECK(write(fd, "k", 1) == 1);
	CHECK(read(p[0], &c, 1) == 1 && c == 'k');
	close(fd);

	/* a type that allows a descriptor may come without one */
	CHECK_EQ_INT(tg_ipc_send(sv[0], T_FD, 10, &v, sizeof(v), -1), TG_IPC_OK);
	CHECK_EQ_INT(recv_one(sv[1], &h, &t, &fd), TG_IPC_OK);
	CHECK_EQ_INT(fd, -1);
	close(p[0]);
	close(sv[0]);
	close(sv[1]);
}

/* Send raw bytes as one datagram, optionally with descriptors. */
static void send_raw(int s, const void *buf, size_t len, const int *fds, int nfds)
{
	union {
		struct cmsghdr align;
		char b[CMSG_SPACE(4 * sizeof(int))];
	} cb;
	struct iovec iov = {(void *)(uintptr_t)buf, len};
	struct msghdr m;

	memset(&m, 0, sizeof(m));
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	if (nfds) {
		struct cmsghdr *c;

		memset(&cb, 0, sizeof(cb));
		m.msg_control = cb.b;
		m.msg_controllen = CMSG_SPACE((size_t)nfds * sizeof(int));
		c = CMSG_FIRSTHDR(&m);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN((size_t)nfds * sizeof(int));
		memcpy(CMSG_DATA(c), fds, (size_t)nfds * sizeof(int));
	}
	CHECK(sendmsg(s, &m, 0) == (ssize_t)len);
}

static void test_rejections(void)
{
	static unsigned char big[sizeof(struct tg_ipc_hdr) + TG_IPC_PAYLOAD_MAX + 1];
	const struct tg_ipc_type *t = &types[0];
	struct tg_ipc_hdr h;
	struct ping p = {1, 2, 3};
	int sv[2], fd = 99, expect;

	CHECK_EQ_INT(tg_ipc_pair(sv), 0);

	/* wrong length for the type */
	CHECK_EQ_INT(tg_ipc_send(sv[0], T_PING, 1, &p, 4, -1), TG_IPC_OK);
	CHECK_EQ_INT(recv_one(sv[1], &h, &t, &fd), TG_IPC_ELEN);
	CHECK(t == NULL && fd == -1);
	/* unknown type */
	CHECK_EQ_INT(tg_ipc_send(sv[0], 99, 1, &p, sizeof(p), -1), TG_IPC_OK);
	CHECK_EQ_INT(recv_one(sv[1], &h, &t, &fd), TG_IPC_ETYPE);

	/* oversized: one byte more than the largest valid datagram */
	memset(big, 0, sizeof(big));
	h.magic = TG_IPC_MAGIC;
	h.type = T_BIG;
	h.len = TG_IPC_PAYLOAD_MAX + 1;
	h.seq = 0;
	h.reserved = 0;
	memcpy(big, &h, sizeof(h));
	send_raw(sv[0], big, sizeof(big), NULL, 0);
	CHECK_EQ_INT(recv_one(sv[1], &h, &t, &fd), TG_IPC_ETRUNC);
	/* far larger: the kernel cuts it (MSG_TRUNC) */
	{
		static unsigned char huge[3 * TG_IPC_PAYLOAD_MAX];

		memcpy(huge, big, sizeof(h));
		send_raw(sv[0], huge, sizeof(huge), NULL, 0);
		CHECK_EQ_INT(recv_one(sv[1], &h, &t, &fd), TG_IPC_ETRUNC);
		/* and the next message is read cleanly */
		CHECK_EQ_INT(tg_ipc_send(sv[0], T_PING, 5, &p, sizeof(p), -1), TG_IPC_OK);
		CHECK_EQ_INT(recv_one(sv[1], &h, &t, &fd), TG_IPC_OK);
		CHECK_EQ_INT(h.seq, 5);
	}

	/* shorter than a header */
	send_raw(sv[0], big, 15, NULL, 0);
	CHECK_EQ_INT(recv_one(sv[1], &h, &t, &fd), TG_IPC_ESHORT);

	/* bad magic; non-zero reserved field */
	h.magic = 0x4754;
	h.type = T_EMPTY;
	h.len = 0;
	h.reserved = 0;
	send_raw(sv[0], &h, sizeof(h), NULL, 0);
	CHECK_EQ_INT(recv_one(sv[1], &h, &t, &fd), TG_IPC_EMAGIC);
	h.magic = TG_IPC_MAGIC;
	h.type = T_EMPTY;
	h.len = 0;
	h.reserved = 1;
	send_raw(sv[0], &h, sizeof(h), NULL, 0);
	CHECK_EQ_INT(recv_one(sv[1], &h, &t, &fd), TG_IPC_EMAGIC);
	/* header len disagreeing with the datagram */
	h.magic = TG_IPC_MAGIC;
	h.type = T_EMPTY;
	h.len = 4;
	h.reserved = 0;
	memset(big, 0, sizeof(big));
	memcpy(big, &h, sizeof(h));
	send_raw(sv[0], big, sizeof(h), NULL, 0);
	CHECK_EQ_INT(recv_one(sv[1], &h, &t, &fd), TG_IPC_ELEN);
	h.len = 0;
	memcpy(big, &h, sizeof(h));
	send_raw(sv[0], big, sizeof(h) + 4, NULL, 0);
	CHECK_EQ_INT(recv_one(sv[1], &h, &t, &fd), TG_IPC_ELEN);

	/* a descriptor on a type that allows none: rejected and closed */
	expect = next_fd();
	CHECK_EQ_INT(tg_ipc_send(sv[0], T_PING, 1, &p, sizeof(p), 0), TG_IPC_OK);
	CHECK_EQ_INT(recv_one(sv[1], &h, &t, &fd), TG_IPC_EFD);
	CHECK_EQ_INT(fd, -1);
	CHECK(fd_closed(expect));
	/* a descriptor with an otherwise bad message: closed too */
	CHECK_EQ_INT(tg_ipc_send(sv[0], 99, 1, &p, sizeof(p), 0), TG_IPC_OK);
	CHECK_EQ_INT(recv_one(sv[1], &h, &t, &fd), TG_IPC_ETYPE);
	CHECK(fd_closed(expect));
	CHECK_EQ_INT(tg_ipc_send(sv[0], T_FD, 1, &p, 3, 0), TG_IPC_OK);
	CHECK_EQ_INT(recv_one(sv[1], &h, &t, &fd), TG_IPC_ELEN);
	CHECK(fd_closed(expect));
	/* allowed type but the caller gave no fd_out */
	CHECK_EQ_INT(tg_ipc_send(sv[0], T_FD, 1, &p, 4, 0), TG_IPC_OK);
	CHECK_EQ_INT(recv_one(sv[1], &h, &t, NULL), TG_IPC_EFD);
	CHECK(fd_closed(expect));
	/* two descriptors where one is allowed: both closed */
	{
		int two[2] = {0, 1};

		h.magic = TG_IPC_MAGIC;
		h.type = T_FD;
		h.len = 4;
		h.reserved = 0;
		memset(big, 0, sizeof(big));
		memcpy(big, &h, sizeof(h));
		send_raw(sv[0], big, sizeof(h) + 4, two, 2);
		CHECK_EQ_INT(recv_one(sv[1], &h, &t, &fd), TG_IPC_EFD);
		CHECK(fd_closed(expect));
		CHECK(fd_closed(expect + 1));
	}
	/* the descriptor of a truncated datagram is closed */
	{
		int one = 0;

		memcpy(big, &h, sizeof(h));
		send_raw(sv[0], big, sizeof(big), &one, 1);
		CHECK_EQ_INT(recv_one(sv[1], &h, &t, &fd), TG_IPC_ETRUNC);
		CHECK(fd_closed(expect));
	}

	/* nothing there on a non-blocking socket */
	CHECK(fcntl(sv[1], F_SETFL, O_NONBLOCK) == 0);
	CHECK_EQ_INT(recv_one(sv[1], &h, &t, &fd), TG_IPC_EAGAIN);
	/* peer gone */
	close(sv[0]);
	CHECK_EQ_INT(recv_one(sv[1], &h, &t, &fd), TG_IPC_EOF);
	/* sending to a closed peer: an error, not SIGPIPE */
	CHECK_EQ_INT(tg_ipc_send(sv[1], T_PING, 1, &p, sizeof(p), -1), TG_IPC_ESYS);
	CHECK_EQ_INT(errno, EPIPE);
	close(sv[1]);
	/* a bad socket */
	CHECK_EQ_INT(recv_one(-1, &h, &t, &fd), TG_IPC_ESYS);
}

static void test_check(void)
{
	unsigned char buf[sizeof(struct tg_ipc_hdr) + TG_IPC_PAYLOAD_MAX + 8];
	const struct tg_ipc_type *t;
	struct tg_ipc_hdr h = {TG_IPC_MAGIC, T_PING, sizeof(struct ping), 0, 0};
	int iter, i;

	memset(buf, 0, sizeof(buf));
	memcpy(buf, &h, sizeof(h));
	CHECK_EQ_INT(tg_ipc_check(buf, sizeof(h) + sizeof(struct ping), types, NTYPES, &t), 0);
	CHECK(t == &types[0]);
	CHECK_EQ_INT(tg_ipc_check(buf, sizeof(h) + sizeof(struct ping), types, 0, &t),
	             TG_IPC_ETYPE);
	CHECK_EQ_INT(tg_ipc_check(buf, sizeof(h) + sizeof(struct ping), NULL, 4, &t), TG_IPC_ETYPE);
	CHECK_EQ_INT(tg_ipc_check(NULL, 0, types, NTYPES, &t), TG_IPC_ESHORT);
	CHECK_EQ_INT(tg_ipc_check(buf, sizeof(buf), types, NTYPES, NULL), TG_IPC_ETRUNC);
	/* declared length 2^32-16: no wrap-around */
	h.len = 0xfffffff0u;
	memcpy(buf, &h, sizeof(h));
	CHECK_EQ_INT(tg_ipc_check(buf, sizeof(h), types, NTYPES, &t), TG_IPC_ELEN);

	/* every error code has its own text */
	for (i = 0; i >= -9; i--) {
		int j;

		CHECK(tg_ipc_strerror(i) != NULL &&
		      strcmp(tg_ipc_strerror(i), "unknown ipc error") != 0);
		for (j = 0; j > i; j--)
			CHECK(strcmp(tg_ipc_strerror(i), tg_ipc_strerror(j)) != 0);
	}
	CHECK_EQ_STR(tg_ipc_strerror(-100), "unknown ipc error");

	/* random headers around the valid ones */
	check_seed();
	for (iter = 0; iter < 100000; iter++) {
		size_t len = (size_t)(check_rand() % sizeof(buf));
		uint64_t r = check_rand();
		int rc;

		h.magic = (r & 1) ? TG_IPC_MAGIC : (uint16_t)(r >> 8);
		h.type = (uint16_t)((r >> 1) % 6);
		h.len = (r & 2) ? (uint32_t)(len - sizeof(h)) : (uint32_t)(r >> 32);
		h.reserved = (r & 4) ? 0 : (uint32_t)(r >> 16);
		if (len >= sizeof(h))
			memcpy(buf, &h, sizeof(h));
		rc = tg_ipc_check(buf, len, types, NTYPES, &t);
		if (rc == 0) {
			CHECK(t != NULL && t->len == len - sizeof(h));
		} else {
			CHECK(rc < 0 && rc >= TG_IPC_EAGAIN && t == NULL);
		}
		if (check_failed_now)
			break;
	}
}

int main(void)
{
	RUN(test_round_trip);
	RUN(test_fd_passing);
	RUN(test_rejections);
	RUN(test_check);
	return check_exit();
}
