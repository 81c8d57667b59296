/*
 * refout.h - timed's reference-clock outputs for an NTP daemon running
 * beside it: the NTP shared-memory segment (ntpd's type 28 "SHM" driver,
 * chrony's "refclock SHM", the one gpsd writes) and chrony's SOCK
 * refclock (datagrams on a Unix socket chronyd listens on).
 *
 * Both carry pairs of (system time, reference time) of the same instant;
 * the receiver takes offset = reference - system.  Neither side blocks:
 * the SHM writer only stores to memory, the SOCK writer sends with
 * MSG_DONTWAIT and drops a sample the receiver is not reading.  Both are
 * opened before the main role's sandbox is applied; the puts make no
 * system call (SHM) or only connect/send (SOCK).
 */
#ifndef TIMED_REFOUT_H
#define TIMED_REFOUT_H

#include <stddef.h>
#include <stdint.h>

/* ---- NTP SHM segment ---------------------------------------------- */

#define TG_REFOUT_SHM_KEY 0x4e545030 /* "NTP0"; unit N uses key + N */

/*
 * The segment's layout, "struct shmTime" of ntpd's refclock_shm.c as
 * gpsd and chrony share it.  The seconds are time_t there; on the glibc
 * systems those daemons are built for, time_t has been long (32-bit on
 * ILP32, 64-bit on LP64), which is why they are long here: a musl build
 * on a 32-bit target (64-bit time_t) must not change the layout.
 * On LP64 the segment is 96 bytes.
 */
struct tg_shmtime {
	int mode;           /* 1: the count protocol below */
	volatile int count; /* odd while a write is in progress */
	long clock_sec;     /* reference time */
	int clock_usec;
	long receive_sec;   /* system time */
	int receive_usec;
	int leap;           /* 0 none, 1 insert, 2 delete, 3 unsynchronised */
	int precision;      /* log2 of the precision in seconds, e.g. -20 */
	int nsamples;
	volatile int valid; /* 1: a new sample; the reader clears it */
	unsigned clock_nsec; /* the same times with ns resolution */
	unsigned receive_nsec;
	int dummy[8];
};

struct tg_refout_shm {
	struct tg_shmtime *seg; /* NULL when closed */
	int id;
	int unit;
};

/*
 * Create or attach the segment of unit 0..255 (key TG_REFOUT_SHM_KEY +
 * unit).  A new segment gets mode 0600 for units 0 and 1 and 0666 for 2
 * and above: the convention of ntpd and gpsd, where the low units are for
 * root-owned daemons and the higher ones for unprivileged writers.
 * 0, or -1 with the key, unit and reason in err.
 */
int tg_refout_shm_open(struct tg_refout_shm *s, int unit, char *err, size_t errlen);

/*
 * Publish one sample: ref_ns is the reference (true) time of the instant
 * whose system time is sys_ns, both ns since the epoch.  Mode 1 count
 * protocol: valid = 0, count++, write the fields, count++, valid = 1, with
 * compiler and CPU barriers in between, so a reader that copies the
 * segment while we write sees the counts differ and drops the copy.
 * leap outside 0..3 is written as 3 (unsynchronised).
 */
void tg_refout_shm_put(struct tg_refout_shm *s, int64_t ref_ns, int64_t sys_ns, int leap,
		       int precision);

/* Detach (the segment stays, for the reader). */
void tg_refout_shm_close(struct tg_refout_shm *s);

/* ---- chrony SOCK refclock ----------------------------------------- */

#define TG_REFOUT_SOCK_MAGIC 0x534f434b /* "SOCK" */

/*
 * One datagram: chrony's refclock_sock.c "struct sock_sample".  The
 * timeval is two longs for the same reason as the SHM seconds; chrony
 * checks the datagram's length against its own struct (40 bytes on LP64).
 */
struct tg_sock_sample {
	long tv_sec;  /* system time of the sample */
	long tv_usec;
	double offset; /* reference - system, seconds */
	int pulse;    /* 1: only the phase is known (PPS without seconds) */
	int leap;     /* 0 none, 1 insert, 2 delete */
	int pad;
	int magic;    /* TG_REFOUT_SOCK_MAGIC */
};

struct tg_refout_sock {
	int fd;             /* -1 when closed */
	int connected;
	int64_t last_try_ns; /* CLOCK_MONOTONIC of the last connect attempt */
	int last_errno;     /* why the last put did not send, for the log */
	uint64_t sent, dropped;
	char path[108];
};

/*
 * Make an unbound AF_UNIX datagram socket for path (chronyd creates and
 * binds the path; it may start after us).  The connect happens on a put,
 * at most once per second while chronyd is absent.  0, or -1 with err.
 */
int tg_refout_sock_open(struct tg_refout_sock *s, const char *path, char *err, size_t errlen);

/*
 * Send one sample: system time sys_ns and offset_ns = reference - system.
 * 1 when sent; 0 when not (no receiver yet, receiver gone - reconnects
 * later -, or its queue is full): s->last_errno says why.  Never blocks.
 */
int tg_refout_sock_put(struct tg_refout_sock *s, int64_t sys_ns, int64_t offset_ns, int pulse,
		       int leap);

void tg_refout_sock_close(struct tg_refout_sock *s);

/*
 * Pure: the datagram for a sample.  The timeval carries sys_ns truncated
 * to the microsecond; the offset is kept as it is (double seconds), not
 * corrected by the truncated remainder: the offset between the two
 * clocks is the same at the truncated instant, and chrony reads
 * reference = tv + offset.  Only the sample's instant moves (< 1 us).
 */
void tg_refout_sock_sample(struct tg_sock_sample *out, int64_t sys_ns, int64_t offset_ns,
			   int pulse, int leap);

#endif
