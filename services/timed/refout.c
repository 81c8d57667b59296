/*
 * refout.c - the NTP SHM segment and chrony SOCK refclock outputs
 * (refout.h says what they carry).
 *
 * Sign conventions, checked against the readers: chrony's refclock_shm.c
 * passes (receive time, clock time) as (system, reference) to its refclock
 * filter, and refclock_sock.c computes reference = tv + offset; both then
 * take offset = reference - system.  tests/system/test_timed_refout.sh
 * checks both with a real chronyd.
 */
#include "timed/refout.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#define NS_PER_S 1000000000LL

#if defined(__LP64__)
_Static_assert(sizeof(struct tg_shmtime) == 96, "struct shmTime is 96 bytes on LP64");
_Static_assert(offsetof(struct tg_shmtime, receive_sec) == 24, "shmTime.receiveTimeStampSec at 24");
_Static_assert(offsetof(struct tg_shmtime, valid) == 48, "shmTime.valid at 48");
_Static_assert(offsetof(struct tg_shmtime, clock_nsec) == 52, "shmTime.clockTimeStampNSec at 52");
_Static_assert(sizeof(struct tg_sock_sample) == 40, "sock_sample is 40 bytes on LP64");
#endif

static int64_t floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/* ------------------------------------------------------------------ SHM */

static int shm_attach(struct tg_refout_shm *s, key_t key, int perm, char *err, size_t errlen)
{
	void *p;

	s->seg = NULL;
	s->id = shmget(key, sizeof(struct tg_shmtime), IPC_CREAT | perm);
	if (s->id < 0) {
		tg_seterr(err, errlen, "SHM unit %d (key 0x%08x): shmget: %s%s", s->unit,
			  (unsigned)key, strerror(errno),
			  errno == EINVAL ? " (a segment of another size exists: ipcrm -M)" : "");
		return -1;
	}
	p = shmat(s->id, NULL, 0);
	if (p == (void *)-1) {
		tg_seterr(err, errlen, "SHM unit %d (key 0x%08x): shmat: %s", s->unit,
			  (unsigned)key, strerror(errno));
		return -1;
	}
	s->seg = p;
	s->seg->mode = 1;
	return 0;
}

/* ntpd/gpsd convention: units 0 and 1 for root, 2 and up open to all */
static int shm_perm(int unit)
{
	return unit <= 1 ? 0600 : 0666;
}

int tg_refout_shm_open(struct tg_refout_shm *s, int unit, char *err, size_t errlen)
{
	memset(s, 0, sizeof(*s));
	s->unit = unit;
	if (unit < 0 || unit > 255) {
		tg_seterr(err, errlen, "SHM unit %d: expected 0..255", unit);
		return -1;
	}
	return shm_attach(s, (key_t)(TG_REFOUT_SHM_KEY + unit), shm_perm(unit), err, errlen);
}

void tg_refout_shm_put(struct tg_refout_shm *s, int64_t ref_ns, int64_t sys_ns, int leap,
		       int precision)
{
	struct tg_shmtime *t = s->seg;
	int64_t rs = floor_div(ref_ns, NS_PER_S), ss = floor_div(sys_ns, NS_PER_S);
	unsigned rn = (unsigned)(ref_ns - rs * NS_PER_S), sn = (unsigned)(sys_ns - ss * NS_PER_S);

	if (!t)
		return;
	/*
	 * valid = 0 first (as gpsd does): a reader polling between the two
	 * count increments sees either no sample or mismatched counts.  The
	 * fences keep the compiler and the CPU from moving the field stores
	 * across the count stores (the reader is another process).
	 */
	t->valid = 0;
	atomic_thread_fence(memory_order_seq_cst);
	t->count++;
	atomic_thread_fence(memory_order_seq_cst);
	t->mode = 1;
	t->clock_sec = (long)rs;
	t->clock_usec = (int)(rn / 1000);
	t->clock_nsec = rn;
	t->receive_sec = (long)ss;
	t->receive_usec = (int)(sn / 1000);
	t->receive_nsec = sn;
	t->leap = leap >= 0 && leap <= 3 ? leap : 3;
	t->precision = precision;
	t->nsamples = 3; /* unused by chrony; ntpd's median count */
	atomic_thread_fence(memory_order_seq_cst);
	t->count++;
	atomic_thread_fence(memory_order_seq_cst);
	t->valid = 1;
}

void tg_refout_shm_close(struct tg_refout_shm *s)
{
	if (s->seg)
		shmdt(s->seg);
	s->seg = NULL;
}

/* ----------------------------------------------------------------- SOCK */

void tg_refout_sock_sample(struct tg_sock_sample *out, int64_t sys_ns, int64_t offset_ns,
			   int pulse, int leap)
{
	int64_t sec = floor_div(sys_ns, NS_PER_S);
	int64_t ns = sys_ns - sec * NS_PER_S;

	memset(out, 0, sizeof(*out));
	out->tv_sec = (long)sec;
	out->tv_usec = (long)(ns / 1000);
	out->offset = (double)offset_ns / 1e9;
	out->pulse = pulse ? 1 : 0;
	out->leap = leap >= 0 && leap <= 2 ? leap : 0;
	out->pad = 0;
	out->magic = TG_REFOUT_SOCK_MAGIC;
}

int tg_refout_sock_open(struct tg_refout_sock *s, const char *path, char *err, size_t errlen)
{
	size_t len = strlen(path);

	memset(s, 0, sizeof(*s));
	s->fd = -1;
	if (len == 0 || len >= sizeof(s->path) ||
	    len >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
		tg_seterr(err, errlen, "chrony SOCK path of %zu bytes, expected 1..%zu: %s", len,
			  sizeof(s->path) - 1, path);
		return -1;
	}
	memcpy(s->path, path, len + 1);
	s->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (s->fd < 0) {
		tg_seterr(err, errlen, "chrony SOCK %s: socket: %s", path, strerror(errno));
		return -1;
	}
	s->last_try_ns = INT64_MIN;
	return 0;
}

/* tg_refout_sock_put at a given CLOCK_MONOTONIC time (unit tests set it) */
static int sock_put_at(struct tg_refout_sock *s, int64_t mono_ns, int64_t sys_ns,
		       int64_t offset_ns, int pulse, int leap)
{
	struct tg_sock_sample smp;
	ssize_t n;

	if (s->fd < 0) {
		s->last_errno = EBADF;
		return 0;
	}
	if (!s->connected) {
		struct sockaddr_un sa;

		if (s->last_try_ns != INT64_MIN && mono_ns - s->last_try_ns < NS_PER_S) {
			s->dropped++;
			return 0;
		}
		s->last_try_ns = mono_ns;
		memset(&sa, 0, sizeof(sa));
		sa.sun_family = AF_UNIX;
		memcpy(sa.sun_path, s->path, strlen(s->path) + 1);
		if (connect(s->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
			s->last_errno = errno;
			s->dropped++;
			return 0;
		}
		s->connected = 1;
	}
	tg_refout_sock_sample(&smp, sys_ns, offset_ns, pulse, leap);
	n = send(s->fd, &smp, sizeof(smp), MSG_DONTWAIT | MSG_NOSIGNAL);
	if (n == (ssize_t)sizeof(smp)) {
		s->sent++;
		return 1;
	}
	s->last_errno = n < 0 ? errno : EMSGSIZE;
	s->dropped++;
	if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != ENOBUFS) {
		/*
		 * The receiver went away (ECONNREFUSED: chronyd restarted and
		 * its socket is a new one).  Disconnect by connecting to
		 * AF_UNSPEC, and reconnect on a later put; connect() again on
		 * a connected datagram socket simply re-targets it.
		 */
		struct sockaddr sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_family = AF_UNSPEC;
		(void)connect(s->fd, &sa, sizeof(sa));
		s->connected = 0;
		s->last_try_ns = mono_ns;
	}
	return 0;
}

int tg_refout_sock_put(struct tg_refout_sock *s, int64_t sys_ns, int64_t offset_ns, int pulse,
		       int leap)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return sock_put_at(s, (int64_t)ts.tv_sec * NS_PER_S + ts.tv_nsec, sys_ns, offset_ns, pulse,
			   leap);
}

void tg_refout_sock_close(struct tg_refout_sock *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	s->connected = 0;
}
