/*
 * pps.h - the PPS device (RFC 2783 pulse-per-second API, Linux /dev/ppsN).
 *
 * timed's main role opens the device once and polls it from its timer
 * loop: tg_pps_fetch() never blocks (PPS_FETCH with a zero timeout) and
 * reports each new pulse once, with the kernel's CLOCK_REALTIME stamp of
 * the configured edge and how many pulses were skipped since the previous
 * fetch.  The cable/receiver delay is not applied here (the engine adds
 * timed_conf.pps_delay_ns); kernel-side offsets are switched off so the
 * stamp is the raw edge.
 *
 * tg_pps_classify() is the pure sanity check of consecutive pulses the
 * engine uses to log and drop bad ones.
 *
 * The ioctl numbers and structures are our own definitions of the kernel's
 * ABI (pps.c says where they come from); <linux/pps.h> is not included.
 */
#ifndef TIMED_PPS_H
#define TIMED_PPS_H

#include <stddef.h>
#include <stdint.h>

struct tg_pps {
	int fd;           /* -1 when closed */
	int use_clear;    /* 1: the clear edge, 0: the assert edge */
	uint32_t last_seq; /* sequence of the last pulse reported (or seen at open) */
	char path[128];   /* for error messages (truncated) */
};

struct tg_pps_pulse {
	int64_t ts_ns;    /* kernel stamp of the edge, ns of CLOCK_REALTIME */
	uint32_t seq;     /* the kernel's sequence number of this edge */
	uint32_t missed;  /* pulses the kernel counted since the previous one
			     we reported that we never saw (sequence gap - 1) */
};

/*
 * Open the device, check it can capture the edge (use_clear: clear, else
 * assert) and, when its current parameters do not already capture that
 * edge as plain timespecs without a kernel offset, set them
 * (PPS_SETPARAMS needs CAP_SYS_TIME).  Opens read-write, falling back to
 * read-only when write access is refused (the ioctls do not check the
 * open mode; SETPARAMS then only needs the capability).  Pulses already
 * captured before the open are not reported.
 * 0, or -1 with "pps DEVICE: what failed: why" in err (p->fd is -1).
 */
int tg_pps_open(struct tg_pps *p, const char *path, int use_clear, char *err, size_t errlen);

/*
 * Non-blocking poll: 1 with a new pulse in *out, 0 when no pulse since the
 * last call, -1 on error (ioctl failure, or a stamp with nsec outside
 * [0, 1e9): the pulse is consumed and not reported again).
 */
int tg_pps_fetch(struct tg_pps *p, struct tg_pps_pulse *out, char *err, size_t errlen);

void tg_pps_close(struct tg_pps *p);

enum tg_pps_check {
	TG_PPS_OK = 0,        /* the next pulse, about 1 s after the previous */
	TG_PPS_GAP = 1,       /* pulses lost in between (*missed says how many);
				 the interval fits a whole number of seconds */
	TG_PPS_DUP = 2,       /* same sequence or same stamp: not a new pulse */
	TG_PPS_BAD = 3,       /* interval implausible: drop this pulse */
};

/*
 * Classify pulse (seq, ts_ns) following (prev_seq, prev_ns).  With
 * k = seq - prev_seq (mod 2^32) sequence steps the interval must be
 * k s +- k * tol_ns: OK for k = 1, GAP with *missed = k - 1 for k > 1.
 * An interval of n whole seconds (+- n * tol_ns) with fewer sequence
 * steps than n is also a GAP (*missed = n - 1): the kernel counts only
 * edges it saw, so a signal outage shows in the time only.  Anything
 * else is BAD (including a sequence that went backwards, k >= 2^31, and
 * a stamp not after the previous one).  tol_ns is clamped to [0, 0.5 s).
 * *missed is 0 unless GAP.  Typical tol_ns: 1 ms (1000 ppm plus jitter).
 * Once n * tol_ns reaches half a second (a long outage) the interval no
 * longer tells the count: the nearest whole second is taken.
 */
enum tg_pps_check tg_pps_classify(uint32_t prev_seq, int64_t prev_ns, uint32_t seq,
				  int64_t ts_ns, int64_t tol_ns, uint32_t *missed);

#endif
