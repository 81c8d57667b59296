/*
 * pps.c - the PPS device through the Linux PPS ioctls (RFC 2783 API).
 *
 * The kernel's PPS character device (drivers/pps) speaks the RFC 2783
 * model through five ioctls.  We define the structures and request
 * numbers ourselves instead of including <linux/pps.h> (its text is
 * GPL-licensed); they must match the kernel's ABI, which is:
 *
 *   struct ktime   { s64 sec; s32 nsec; u32 flags; }            16 bytes
 *   struct kinfo   { u32 assert_seq, clear_seq; ktime assert, clear;
 *                    int current_mode; }                        48 bytes
 *   struct kparams { int api_version, mode; ktime assert_off, clear_off; } 40
 *   struct fdata   { kinfo info; ktime timeout; }               64 bytes
 *
 *   PPS_GETPARAMS _IOR('p', 0xa1, pointer)   PPS_SETPARAMS _IOW('p', 0xa2, pointer)
 *   PPS_GETCAP    _IOR('p', 0xa3, pointer)   PPS_FETCH     _IOWR('p', 0xa4, pointer)
 *
 * The kernel declares the ioctl argument types as *pointers* (struct
 * pps_kparams *, int *, struct pps_fdata *), so the size field of the
 * request number is sizeof(void *), not the structure's size: 0x800870a1,
 * 0x400870a2, 0x800870a3 and 0xc00870a4 on LP64 (x86_64, aarch64).  These
 * values were checked by printing the kernel header's macros and
 * offsetof()s from a throwaway program on the build host; the
 * _Static_asserts below hold the layout to them.  Mode bits are RFC 2783's
 * (PPS_CAPTUREASSERT 0x01 ... PPS_TSFMT_TSPEC 0x1000).
 *
 * Kernel behaviour this relies on (drivers/pps/pps.c): PPS_FETCH with a
 * zero timeout returns the current info at once; PPS_SETPARAMS needs
 * CAP_SYS_TIME, refuses modes without a capture bit or with bits outside
 * the device's capabilities, and adds PPS_TSFMT_TSPEC when no format is
 * given; a sequence counts the edges captured, so an outage of the signal
 * does not advance it.
 */
#include "timed/pps.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "log.h"

#define NS_PER_S 1000000000LL

/* RFC 2783 mode bits, as Linux numbers them */
#define PPSM_CAPTUREASSERT 0x01
#define PPSM_CAPTURECLEAR 0x02
#define PPSM_OFFSETASSERT 0x10
#define PPSM_OFFSETCLEAR 0x20
#define PPSM_CANWAIT 0x100
#define PPSM_TSFMT_TSPEC 0x1000
#define PPSM_TSFMT_NTPFP 0x2000

struct pps_abi_ktime {
	int64_t sec;
	int32_t nsec;
	uint32_t flags;
};

struct pps_abi_kinfo {
	uint32_t assert_sequence;
	uint32_t clear_sequence;
	struct pps_abi_ktime assert_tu;
	struct pps_abi_ktime clear_tu;
	int32_t current_mode;
};

struct pps_abi_kparams {
	int32_t api_version;
	int32_t mode;
	struct pps_abi_ktime assert_off_tu;
	struct pps_abi_ktime clear_off_tu;
};

struct pps_abi_fdata {
	struct pps_abi_kinfo info;
	struct pps_abi_ktime timeout;
};

_Static_assert(sizeof(struct pps_abi_ktime) == 16, "pps_ktime is 16 bytes");
_Static_assert(sizeof(struct pps_abi_kinfo) == 48, "pps_kinfo is 48 bytes");
_Static_assert(sizeof(struct pps_abi_kparams) == 40, "pps_kparams is 40 bytes");
_Static_assert(sizeof(struct pps_abi_fdata) == 64, "pps_fdata is 64 bytes");
_Static_assert(offsetof(struct pps_abi_kinfo, assert_tu) == 8, "kinfo.assert_tu at 8");
_Static_assert(offsetof(struct pps_abi_kinfo, current_mode) == 40, "kinfo.current_mode at 40");
_Static_assert(offsetof(struct pps_abi_fdata, timeout) == 48, "fdata.timeout at 48");

#define PPSIOC_GETPARAMS _IOR('p', 0xa1, void *)
#define PPSIOC_SETPARAMS _IOW('p', 0xa2, void *)
#define PPSIOC_GETCAP _IOR('p', 0xa3, void *)
#define PPSIOC_FETCH _IOWR('p', 0xa4, void *)

#if defined(__LP64__)
_Static_assert(PPSIOC_GETPARAMS == 0x800870a1u, "PPS_GETPARAMS number");
_Static_assert(PPSIOC_SETPARAMS == 0x400870a2u, "PPS_SETPARAMS number");
_Static_assert(PPSIOC_GETCAP == 0x800870a3u, "PPS_GETCAP number");
_Static_assert(PPSIOC_FETCH == 0xc00870a4u, "PPS_FETCH number");
#endif

static const char *edge_name(int use_clear)
{
	return use_clear ? "clear" : "assert";
}

int tg_pps_open(struct tg_pps *p, const char *path, int use_clear, char *err, size_t errlen)
{
	struct pps_abi_kparams par;
	struct pps_abi_fdata fd_data;
	int caps = 0, readonly = 0, edge, offbit, need_set;
	const struct pps_abi_ktime *off;

	memset(p, 0, sizeof(*p));
	p->fd = -1;
	p->use_clear = use_clear ? 1 : 0;
	snprintf(p->path, sizeof(p->path), "%s", path);
	edge = use_clear ? PPSM_CAPTURECLEAR : PPSM_CAPTUREASSERT;
	offbit = use_clear ? PPSM_OFFSETCLEAR : PPSM_OFFSETASSERT;

	p->fd = open(path, O_RDWR | O_CLOEXEC | O_NOCTTY);
	if (p->fd < 0 && (errno == EACCES || errno == EPERM || errno == EROFS)) {
		readonly = 1;
		p->fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	}
	if (p->fd < 0) {
		tg_seterr(err, errlen, "pps %s: open: %s", path, strerror(errno));
		return -1;
	}
	if (ioctl(p->fd, PPSIOC_GETCAP, &caps) < 0) {
		tg_seterr(err, errlen, "pps %s: PPS_GETCAP: %s%s", path, strerror(errno),
			  errno == ENOTTY ? " (not a PPS device)" : "");
		goto fail;
	}
	if (!(caps & edge)) {
		tg_seterr(err, errlen, "pps %s: cannot capture the %s edge (capabilities 0x%x)",
			  path, edge_name(use_clear), (unsigned)caps);
		goto fail;
	}
	memset(&par, 0, sizeof(par));
	if (ioctl(p->fd, PPSIOC_GETPARAMS, &par) < 0) {
		tg_seterr(err, errlen, "pps %s: PPS_GETPARAMS: %s", path, strerror(errno));
		goto fail;
	}
	/*
	 * Set the parameters only when needed: PPS_SETPARAMS needs
	 * CAP_SYS_TIME, and the common default (pps-gpio: capture assert,
	 * offset assert of zero) is already what we want.  A kernel offset
	 * on our edge is cleared: the engine applies the configured delay
	 * itself, and must not get it twice.
	 */
	off = use_clear ? &par.clear_off_tu : &par.assert_off_tu;
	need_set = !(par.mode & edge) || (par.mode & PPSM_TSFMT_NTPFP) ||
		   ((par.mode & offbit) && (off->sec || off->nsec));
	if (need_set) {
		struct pps_abi_kparams set;

		memset(&set, 0, sizeof(set));
		set.api_version = 1; /* PPS_API_VERS_1; the kernel overwrites it */
		/* keep another consumer's capture edge; timestamps as timespec
		   (only when the device says so: the kernel refuses mode bits
		   outside its capabilities, and defaults to timespec) */
		set.mode = edge | (par.mode & (PPSM_CAPTUREASSERT | PPSM_CAPTURECLEAR)) |
			   (caps & PPSM_TSFMT_TSPEC);
		if (ioctl(p->fd, PPSIOC_SETPARAMS, &set) < 0) {
			tg_seterr(err, errlen,
				  "pps %s: PPS_SETPARAMS (capture %s edge, mode 0x%x -> 0x%x): %s%s",
				  path, edge_name(use_clear), (unsigned)par.mode, (unsigned)set.mode,
				  strerror(errno),
				  errno == EPERM ? " (needs CAP_SYS_TIME)"
				  : readonly	 ? " (device opened read-only)"
						 : "");
			goto fail;
		}
		memset(&par, 0, sizeof(par));
		if (ioctl(p->fd, PPSIOC_GETPARAMS, &par) < 0) {
			tg_seterr(err, errlen, "pps %s: PPS_GETPARAMS: %s", path, strerror(errno));
			goto fail;
		}
		if (!(par.mode & edge)) {
			tg_seterr(err, errlen, "pps %s: %s edge capture not enabled after PPS_SETPARAMS "
				  "(mode 0x%x)", path, edge_name(use_clear), (unsigned)par.mode);
			goto fail;
		}
	}
	/* baseline: pulses captured before we opened are not news */
	memset(&fd_data, 0, sizeof(fd_data));
	if (ioctl(p->fd, PPSIOC_FETCH, &fd_data) < 0) {
		tg_seterr(err, errlen, "pps %s: PPS_FETCH: %s", path, strerror(errno));
		goto fail;
	}
	p->last_seq = use_clear ? fd_data.info.clear_sequence : fd_data.info.assert_sequence;
	return 0;
fail:
	close(p->fd);
	p->fd = -1;
	return -1;
}

/*
 * The pure part of a fetch: does the kernel's info hold a new pulse of our
 * edge, and is its stamp sane.  Updates p->last_seq when the sequence moved
 * (also for a rejected stamp, so a bad pulse is reported once).
 */
static int pulse_from_info(struct tg_pps *p, const struct pps_abi_kinfo *ki,
			   struct tg_pps_pulse *out, char *err, size_t errlen)
{
	uint32_t seq = p->use_clear ? ki->clear_sequence : ki->assert_sequence;
	const struct pps_abi_ktime *t = p->use_clear ? &ki->clear_tu : &ki->assert_tu;
	uint32_t prev = p->last_seq;

	if (seq == prev)
		return 0;
	p->last_seq = seq;
	if (t->nsec < 0 || t->nsec >= NS_PER_S) {
		tg_seterr(err, errlen, "pps %s: pulse %u: stamp nsec %ld outside [0, 1e9)", p->path,
			  (unsigned)seq, (long)t->nsec);
		return -1;
	}
	/* sec * 1e9 must fit int64 (years 1678..2262) */
	if (t->sec > INT64_MAX / NS_PER_S - 1 || t->sec < INT64_MIN / NS_PER_S + 1) {
		tg_seterr(err, errlen, "pps %s: pulse %u: stamp seconds %lld out of range",
			  p->path, (unsigned)seq, (long long)t->sec);
		return -1;
	}
	out->ts_ns = t->sec * NS_PER_S + t->nsec;
	out->seq = seq;
	out->missed = seq - prev - 1; /* unsigned: wraps with the sequence */
	return 1;
}

int tg_pps_fetch(struct tg_pps *p, struct tg_pps_pulse *out, char *err, size_t errlen)
{
	struct pps_abi_fdata fd_data;

	if (p->fd < 0) {
		tg_seterr(err, errlen, "pps %s: not open", p->path);
		return -1;
	}
	/* zero timeout (flags 0, not PPS_TIME_INVALID): return at once */
	memset(&fd_data, 0, sizeof(fd_data));
	if (ioctl(p->fd, PPSIOC_FETCH, &fd_data) < 0) {
		tg_seterr(err, errlen, "pps %s: PPS_FETCH: %s", p->path, strerror(errno));
		return -1;
	}
	return pulse_from_info(p, &fd_data.info, out, err, errlen);
}

void tg_pps_close(struct tg_pps *p)
{
	if (p->fd >= 0)
		close(p->fd);
	p->fd = -1;
}

enum tg_pps_check tg_pps_classify(uint32_t prev_seq, int64_t prev_ns, uint32_t seq,
				  int64_t ts_ns, int64_t tol_ns, uint32_t *missed)
{
	uint32_t k = seq - prev_seq;
	int64_t dt, n, rem;

	*missed = 0;
	if (k == 0 || ts_ns == prev_ns)
		return TG_PPS_DUP;
	if (k >= 0x80000000u)
		return TG_PPS_BAD; /* sequence went backwards */
	if (ts_ns < prev_ns)
		return TG_PPS_BAD;
	/* both stamps are in range of int64 ns, but their difference may not be */
	if (prev_ns < 0 && ts_ns > INT64_MAX + prev_ns)
		return TG_PPS_BAD;
	dt = ts_ns - prev_ns;
	if (tol_ns < 0)
		tol_ns = 0;
	if (tol_ns >= NS_PER_S / 2)
		tol_ns = NS_PER_S / 2 - 1;
	/* nearest whole number of seconds; its distance from dt */
	n = dt / NS_PER_S;
	rem = dt - n * NS_PER_S;
	if (rem >= NS_PER_S / 2) {
		n++;
		rem -= NS_PER_S;
	}
	if (n < 1)
		return TG_PPS_BAD;
	/* n <= 9.3e9 and tol_ns < 5e8: n * tol_ns fits */
	if (rem > n * tol_ns || rem < -n * tol_ns)
		return TG_PPS_BAD;
	if (n == (int64_t)k) {
		*missed = k - 1;
		return k == 1 ? TG_PPS_OK : TG_PPS_GAP;
	}
	if (n > (int64_t)k) {
		/* signal outage: the kernel did not count the lost edges */
		*missed = n - 1 > UINT32_MAX ? UINT32_MAX : (uint32_t)(n - 1);
		return TG_PPS_GAP;
	}
	return TG_PPS_BAD; /* more sequence steps than seconds */
}
