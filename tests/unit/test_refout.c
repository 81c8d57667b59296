/*
 * test_refout.c - timed's refclock outputs (services/timed/refout.c).
 *
 * SHM: a private segment (IPC_PRIVATE key, so no NTP daemon on the host
 * sees it) written through the module and read back through a second
 * shmat() as a reader would, field by field at the byte offsets of
 * ntpd's struct shmTime.  SOCK: datagrams to a socket the test binds,
 * decoded from the raw bytes at chrony's struct sock_sample offsets.
 * Interop with a real chronyd is tests/system/test_timed_refout.sh.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "check.h"
#include "timed/refout.c"

static char tmpdir[64];

static int32_t rd32(const unsigned char *p)
{
	int32_t v;
	memcpy(&v, p, 4);
	return v;
}

static int64_t rdlong(const unsigned char *p)
{
	long v;
	memcpy(&v, p, sizeof(v));
	return v;
}

static void test_shm_layout(void)
{
	struct tg_refout_shm s;
	const unsigned char *r;
	char err[200];
	int rc;

	memset(&s, 0, sizeof(s));
	s.unit = 99;
	rc = shm_attach(&s, IPC_PRIVATE, 0600, err, sizeof(err));
	CHECK_EQ_INT(rc, 0);
	if (rc)
		return;
	r = shmat(s.id, NULL, SHM_RDONLY);
	CHECK(r != (void *)-1);
	if (r == (void *)-1)
		goto out;
	CHECK_EQ_INT(rd32(r + 0), 1); /* mode 1 from the open */
	CHECK_EQ_INT(rd32(r + 48), 0); /* no sample yet */

	/* reference 12.3456789 ms behind the system clock */
	tg_refout_shm_put(&s, 1700000000111111111LL - 12345679, 1700000000111111111LL, 1, -20);
	if (sizeof(long) == 8) {
		CHECK_EQ_INT(rd32(r + 0), 1);
		CHECK_EQ_INT(rd32(r + 4), 2);                 /* count: +1 before, +1 after */
		CHECK_EQ_INT(rdlong(r + 8), 1700000000);      /* clockTimeStampSec */
		CHECK_EQ_INT(rd32(r + 16), 98765);            /* clockTimeStampUSec */
		CHECK_EQ_INT(rdlong(r + 24), 1700000000);     /* receiveTimeStampSec */
		CHECK_EQ_INT(rd32(r + 32), 111111);           /* receiveTimeStampUSec */
		CHECK_EQ_INT(rd32(r + 36), 1);                /* leap */
		CHECK_EQ_INT(rd32(r + 40), -20);              /* precision */
		CHECK_EQ_INT(rd32(r + 48), 1);                /* valid */
		CHECK_EQ_INT((uint32_t)rd32(r + 52), 98765432); /* clockTimeStampNSec */
		CHECK_EQ_INT((uint32_t)rd32(r + 56), 111111111); /* receiveTimeStampNSec */
	}
	/* the reader clears valid; the next sample sets it again, count +2 */
	s.seg->valid = 0;
	tg_refout_shm_put(&s, -1, 5 * NS_PER_S, 9, -30);
	CHECK_EQ_INT(s.seg->count, 4);
	CHECK_EQ_INT(s.seg->valid, 1);
	CHECK_EQ_INT(s.seg->clock_sec, -1); /* floor, not truncation */
	CHECK_EQ_INT(s.seg->clock_nsec, 999999999);
	CHECK_EQ_INT(s.seg->clock_usec, 999999);
	CHECK_EQ_INT(s.seg->receive_sec, 5);
	CHECK_EQ_INT(s.seg->receive_nsec, 0);
	CHECK_EQ_INT(s.seg->leap, 3); /* out of range: unsynchronised */
	CHECK_EQ_INT(s.seg->precision, -30);
	/* what chrony's reader accepts: nsec consistent with usec */
	CHECK_EQ_INT(s.seg->clock_nsec / 1000, (unsigned)s.seg->clock_usec);
	shmdt(r);
out:
	tg_refout_shm_close(&s);
	CHECK(s.seg == NULL);
	tg_refout_shm_put(&s, 1, 1, 0, 0); /* closed: no-op */
	shmctl(s.id, IPC_RMID, NULL);
}

static void test_shm_units(void)
{
	struct tg_refout_shm s;
	char err[200];

	CHECK_EQ_INT(shm_perm(0), 0600);
	CHECK_EQ_INT(shm_perm(1), 0600);
	CHECK_EQ_INT(shm_perm(2), 0666);
	CHECK_EQ_INT(shm_perm(255), 0666);
	err[0] = 0;
	CHECK_EQ_INT(tg_refout_shm_open(&s, 256, err, sizeof(err)), -1);
	CHECK(strstr(err, "256") && strstr(err, "0..255"));
	CHECK_EQ_INT(tg_refout_shm_open(&s, -1, err, sizeof(err)), -1);
	CHECK(s.seg == NULL);
}

/* decode a datagram at chrony's offsets (LP64): tv 0/8, offset 16, pulse 24,
   leap 28, pad 32, magic 36 */
static void check_datagram(const unsigned char *b, size_t n, int64_t sys_ns, int64_t off_ns,
			   int pulse, int leap)
{
	double off;
	int64_t tv_sec, tv_usec;

	CHECK_EQ_INT(n, sizeof(struct tg_sock_sample));
	if (sizeof(long) != 8 || n != 40)
		return;
	tv_sec = rdlong(b);
	tv_usec = rdlong(b + 8);
	memcpy(&off, b + 16, 8);
	CHECK(tv_usec >= 0 && tv_usec < 1000000);
	/* the system time truncated to the microsecond (floor) */
	CHECK_EQ_INT(tv_sec * NS_PER_S + tv_usec * 1000, sys_ns - ((sys_ns % 1000) + 1000) % 1000);
	/* the offset unchanged: reference - system, seconds */
	CHECK_EQ_INT((int64_t)(off * 1e9 + (off < 0 ? -0.5 : 0.5)), off_ns);
	CHECK_EQ_INT(rd32(b + 24), pulse);
	CHECK_EQ_INT(rd32(b + 28), leap);
	CHECK_EQ_INT(rd32(b + 32), 0);
	CHECK(memcmp(b + 36, "KCOS", 4) == 0); /* 0x534f434b little-endian */
}

static void test_sock_sample(void)
{
	struct tg_sock_sample smp;
	int64_t sys = 1700000000123456789LL;

	tg_refout_sock_sample(&smp, sys, -12345678, 0, 2);
	CHECK_EQ_INT(smp.tv_sec, 1700000000);
	CHECK_EQ_INT(smp.tv_usec, 123456);
	CHECK(smp.offset == -0.012345678);
	check_datagram((const unsigned char *)&smp, sizeof(smp), sys, -12345678, 0, 2);
	tg_refout_sock_sample(&smp, -1, 500, 1, 7);
	CHECK_EQ_INT(smp.tv_sec, -1);
	CHECK_EQ_INT(smp.tv_usec, 999999);
	CHECK_EQ_INT(smp.pulse, 1);
	CHECK_EQ_INT(smp.leap, 0); /* out of range: none */
	check_datagram((const unsigned char *)&smp, sizeof(smp), -1, 500, 1, 0);
}

static int bind_receiver(const char *path)
{
	struct sockaddr_un sa;
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	unlink(path);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("bind");
		return -1;
	}
	return fd;
}

static void test_sock_send(void)
{
	struct tg_refout_sock s;
	unsigned char buf[64];
	char path[128], err[200];
	int64_t t = 1000 * NS_PER_S, sys = 1700000000000000000LL;
	int rx, i, full = 0;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/chrony.sock", tmpdir);
	CHECK_EQ_INT(tg_refout_sock_open(&s, path, err, sizeof(err)), 0);

	/* no receiver yet: not sent, one connect attempt per second */
	CHECK_EQ_INT(sock_put_at(&s, t, sys, 1000, 0, 0), 0);
	CHECK_EQ_INT(s.last_errno, ENOENT);
	rx = bind_receiver(path);
	CHECK(rx >= 0);
	if (rx < 0)
		goto out;
	CHECK_EQ_INT(sock_put_at(&s, t + NS_PER_S / 2, sys, 1000, 0, 0), 0); /* too soon */
	CHECK_EQ_INT(recv(rx, buf, sizeof(buf), 0), -1);
	CHECK_EQ_INT(sock_put_at(&s, t + NS_PER_S, sys + 7, -12345678, 1, 1), 1);
	n = recv(rx, buf, sizeof(buf), 0);
	check_datagram(buf, n < 0 ? 0 : (size_t)n, sys + 7, -12345678, 1, 1);
	CHECK_EQ_INT(s.sent, 1);
	CHECK_EQ_INT(s.dropped, 2);

	/* receiver not reading: samples dropped without blocking, still connected */
	for (i = 0; i < 100000 && !full; i++)
		if (sock_put_at(&s, t + 2 * NS_PER_S, sys, 0, 0, 0) == 0)
			full = 1;
	CHECK(full);
	CHECK(s.last_errno == EAGAIN || s.last_errno == EWOULDBLOCK);
	CHECK_EQ_INT(s.connected, 1);

	/* receiver restarted (new socket at the same path): reconnects a second later */
	close(rx);
	rx = bind_receiver(path);
	CHECK_EQ_INT(sock_put_at(&s, t + 3 * NS_PER_S, sys, 0, 0, 0), 0);
	CHECK_EQ_INT(s.last_errno, ECONNREFUSED);
	CHECK_EQ_INT(s.connected, 0);
	CHECK_EQ_INT(sock_put_at(&s, t + 3 * NS_PER_S + 1, sys, 0, 0, 0), 0);
	CHECK_EQ_INT(sock_put_at(&s, t + 4 * NS_PER_S, sys, 5, 0, 0), 1);
	n = recv(rx, buf, sizeof(buf), 0);
	check_datagram(buf, n < 0 ? 0 : (size_t)n, sys, 5, 0, 0);
	close(rx);
out:
	tg_refout_sock_close(&s);
	CHECK_EQ_INT(s.fd, -1);
	CHECK_EQ_INT(tg_refout_sock_put(&s, sys, 0, 0, 0), 0); /* closed: not sent */
	unlink(path);
}

static void test_sock_path(void)
{
	struct tg_refout_sock s;
	char longpath[200], err[200];

	memset(longpath, 'a', sizeof(longpath) - 1);
	longpath[0] = '/';
	longpath[sizeof(longpath) - 1] = 0;
	err[0] = 0;
	CHECK_EQ_INT(tg_refout_sock_open(&s, longpath, err, sizeof(err)), -1);
	CHECK(strstr(err, "199 bytes") != NULL);
	CHECK_EQ_INT(tg_refout_sock_open(&s, "", err, sizeof(err)), -1);
	CHECK_EQ_INT(s.fd, -1);
}

int main(void)
{
	check_seed();
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_refout.XXXXXX");
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	RUN(test_shm_layout);
	RUN(test_shm_units);
	RUN(test_sock_sample);
	RUN(test_sock_send);
	RUN(test_sock_path);
	rmdir(tmpdir);
	return check_exit();
}
