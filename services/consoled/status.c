/*
 * status.c - what the dashboard and the metrics scraper see: the time
 * service's status record (lib/timestatus.h) and GNSS record
 * (lib/gnssstatus.h) as JSON, the alarms derived from them, the history
 * of the clock figures, and the same figures as OpenMetrics text.
 *
 * Both records are files timed replaces atomically; they are read anew
 * for every request (96 and 748 bytes: cheaper than any cache logic).
 * Neither may be trusted to exist or be fresh: timed may be stopped,
 * restarting or not yet written anything, so every field of every answer
 * has a defined form for "no record" (null in JSON, no sample in the
 * metrics) and an old record is shown as old, with its age, never as the
 * present.  A time record older than TG_TIMESTATUS_STALE_S is
 * "unavailable" (the rule ntsd applies: the clock counts as
 * unsynchronised), though its last figures are still shown beside the
 * age.
 *
 * Ages come from the records' CLOCK_MONOTONIC stamps against
 * m->now_mono() (seconds, CLOCK_MONOTONIC as well); since that is
 * truncated to the second, a record up to one second "ahead" is fresh,
 * further ahead is left from an earlier boot and unavailable.
 *
 * History: cd_status_sample() runs once a second and records the figures
 * in the hour ring (one point per call) and gathers the minute's worst
 * figures for the day ring: the largest |offset| (sign kept), the largest
 * jitter and error bound, the worst state.  A point with no figures (no
 * fresh record) keeps CD_HIST_NONE in them and state -1; JSON shows null.
 *
 * NTS figures: ntsd's counters file (lib/ntsstats.h, rewritten every 2 s)
 * is read anew per request for what it says now, and by
 * cd_status_sample() for the rates: between the last two distinct files,
 * over the seconds between their own 'updated' stamps (ntsd's write
 * times: a console sample every second would see steps of 0 and 2 s).
 * A counter that went down (or an earlier stamp) means ntsd restarted:
 * no rate for that step.  A file older than CD_NTS_STALE_S is "NTS down"
 * (ntsd stopped writing it), with every figure null.
 *
 * Upstream cross-check: timed's results file (lib/xcheckstatus.h) is
 * read by cd_status_sample() into m->xcheck and shown from there.  timed
 * rewrites it only when a sample comes (minutes apart), so its own age
 * says nothing: it counts as current while timed's status record is
 * fresh, and each server's age is the file's AGE_S plus the time since
 * the file's mono_ns stamp.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "consoled/consoled.h"
#include "fileio.h"
#include "gnssstatus.h"
#include "json.h"
#include "log.h"
#include "ntsstats.h"
#include "timestatus.h"
#include "xcheckstatus.h"

#define NS_PER_S 1000000000LL
#define CD_HIST_NONE INT64_MIN        /* a figure not known at that point */
#define CD_GNSS_STALE_S 16            /* as TG_TIMESTATUS_STALE_S: written every second */
#define CD_REFUSAL_ALARM_S 600        /* a GNSS refusal stays an alarm this long */
#define CD_NTS_STALE_S 10             /* ntsd writes its counters every 2 s */
#define CD_CERT_ALARM_S (30 * 86400)  /* certificate expiry alarms start 30 days before */

/* ------------------------------------------------------------ reading */

enum rec_state {
	REC_FRESH = 0, /* read, decoded, young enough */
	REC_STALE,     /* read and decoded, but old: shown with its age */
	REC_NONE,      /* missing, unreadable, malformed, or from the future */
};

struct time_view {
	enum rec_state rs;
	struct tg_timestatus st;
	int64_t age_s; /* REC_FRESH, REC_STALE */
	char why[512]; /* REC_STALE, REC_NONE */
};

struct gnss_view {
	enum rec_state rs;
	struct tg_gnssstatus g;
	int64_t age_s;
	char why[512];
};

struct nts_view {
	enum rec_state rs;
	struct tg_ntsstats st;
	int64_t age_s; /* by its 'updated' stamp against m->now_real() */
	char why[512];
};

static int64_t mono_ns(struct cd_main *m)
{
	int64_t s = m->now_mono();

	if (s < 0 || s > INT64_MAX / NS_PER_S)
		return 0;
	return s * NS_PER_S;
}

/*
 * The age of a record stamped at stamp_ns (CLOCK_MONOTONIC): 0 with
 * *age_s, or -1 when it lies more than a second ahead of now.
 */
static int record_age(int64_t now_ns, int64_t stamp_ns, int64_t *age_s)
{
	/* in uint64_t: no signed overflow whatever the record holds */
	if (stamp_ns > now_ns) {
		if ((uint64_t)stamp_ns - (uint64_t)now_ns > (uint64_t)NS_PER_S)
			return -1;
		*age_s = 0;
		return 0;
	}
	*age_s = (int64_t)(((uint64_t)now_ns - (uint64_t)stamp_ns) / (uint64_t)NS_PER_S);
	return 0;
}

/*
 * A status file's bytes into buf (at most cap; one more than the largest
 * valid record tells an oversized file): openat(2), O_NONBLOCK and the
 * regular-file check as in lib/timestatus.c, since main's seccomp filter
 * allows openat only and a FIFO planted at the path must not block main.
 * The length, or -1 with why ("PATH: ..."; who: the service that writes
 * it, named when the file is missing).
 */
static ssize_t read_status_file(const char *path, void *buf, size_t cap, const char *who,
				char *why, size_t whylen)
{
	struct stat sb;
	ssize_t got;
	int fd, e;

	fd = openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		e = errno;
		if (e == ENOENT)
			snprintf(why, whylen, "%s: no such file (is %s running?)", path, who);
		else
			snprintf(why, whylen, "%s: %s", path, strerror(e));
		return -1;
	}
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
		close(fd);
		snprintf(why, whylen, "%s: not a regular file", path);
		return -1;
	}
	got = tg_read_full(fd, buf, cap);
	e = errno;
	close(fd);
	if (got < 0) {
		snprintf(why, whylen, "%s: read: %s", path, strerror(e));
		return -1;
	}
	return got;
}

/*
 * The time record, keeping a stale one (tg_timestatus_read() would reset
 * it to the unsynchronised defaults, and the console shows old figures
 * with their age).
 */
static void read_time(struct cd_main *m, struct time_view *v)
{
	uint8_t buf[TG_TIMESTATUS_WIRE_SIZE + 1];
	const char *path = m->conf.time_status;
	char why[160];
	ssize_t got;

	memset(v, 0, sizeof *v);
	v->rs = REC_NONE;
	v->age_s = -1;
	got = read_status_file(path, buf, sizeof buf, "timed", v->why, sizeof v->why);
	if (got < 0)
		return;
	if (tg_timestatus_decode(buf, (size_t)got, &v->st, why, sizeof why) < 0) {
		memset(&v->st, 0, sizeof v->st);
		snprintf(v->why, sizeof v->why, "%s: %s", path, why);
		return;
	}
	if (record_age(mono_ns(m), v->st.updated_monotonic_ns, &v->age_s) < 0) {
		memset(&v->st, 0, sizeof v->st);
		v->age_s = -1;
		snprintf(v->why, sizeof v->why,
			 "%s: written in the future of CLOCK_MONOTONIC (left from an earlier boot?)",
			 path);
		return;
	}
	if (v->age_s > TG_TIMESTATUS_STALE_S) {
		v->rs = REC_STALE;
		snprintf(v->why, sizeof v->why, "stale: written %" PRId64 " s ago (is timed running?)",
			 v->age_s);
		return;
	}
	v->rs = REC_FRESH;
}

static void read_gnss(struct cd_main *m, struct gnss_view *v)
{
	char why[180];

	memset(v, 0, sizeof *v);
	v->rs = REC_NONE;
	v->age_s = -1;
	if (tg_gnssstatus_read(m->conf.gnss_status, &v->g, why, sizeof why) < 0) {
		snprintf(v->why, sizeof v->why, "%s", why);
		return;
	}
	if (record_age(mono_ns(m), v->g.updated_monotonic_ns, &v->age_s) < 0) {
		memset(&v->g, 0, sizeof v->g);
		v->age_s = -1;
		snprintf(v->why, sizeof v->why,
			 "%s: written in the future of CLOCK_MONOTONIC (left from an earlier boot?)",
			 m->conf.gnss_status);
		return;
	}
	if (v->age_s > CD_GNSS_STALE_S) {
		v->rs = REC_STALE;
		snprintf(v->why, sizeof v->why, "stale: written %" PRId64 " s ago", v->age_s);
		return;
	}
	v->rs = REC_FRESH;
}

/*
 * ntsd's counters file (read_status_file).  REC_STALE when older than CD_NTS_STALE_S, REC_NONE
 * when missing, malformed or more than CD_NTS_STALE_S ahead of the clock.
 */
static void read_nts(struct cd_main *m, struct nts_view *v)
{
	static char buf[TG_NTSSTATS_MAX + 1];
	const char *path = m->conf.ntsd_stats;
	char why[240];
	ssize_t got;

	memset(v, 0, sizeof *v);
	v->rs = REC_NONE;
	v->age_s = -1;
	got = read_status_file(path, buf, sizeof buf, "ntsd", v->why, sizeof v->why);
	if (got < 0)
		return;
	if (tg_ntsstats_parse(buf, (size_t)got, &v->st, why, sizeof why) < 0) {
		memset(&v->st, 0, sizeof v->st);
		snprintf(v->why, sizeof v->why, "%s: %s", path, why);
		return;
	}
	/* in uint64_t: no signed overflow whatever the file says */
	v->age_s = (int64_t)((uint64_t)m->now_real() - (uint64_t)v->st.updated);
	if (v->age_s < -CD_NTS_STALE_S) {
		memset(&v->st, 0, sizeof v->st);
		v->age_s = -1;
		snprintf(v->why, sizeof v->why, "%s: written in the future (clock stepped back?)",
			 path);
		return;
	}
	if (v->age_s < 0)
		v->age_s = 0;
	if (v->age_s > CD_NTS_STALE_S) {
		v->rs = REC_STALE;
		snprintf(v->why, sizeof v->why, "%s: stale: written %" PRId64 " s ago (is ntsd running?)",
			 path, v->age_s);
		return;
	}
	v->rs = REC_FRESH;
}

/*
 * timed's cross-check results into m->xcheck (read_status_file); have 0
 * with why on any fault.
 */
static void read_xcheck(struct cd_main *m)
{
	static char buf[TG_XCHECK_FILE_MAX + 1];
	struct cd_xcheck *x = &m->xcheck;
	const char *path = m->conf.xcheck_status;
	char why[200];
	ssize_t got;

	x->have = 0;
	if (!path[0]) {
		snprintf(x->why, sizeof x->why, "not configured (xcheck-status)");
		return;
	}
	got = read_status_file(path, buf, sizeof buf, "timed", x->why, sizeof x->why);
	if (got < 0)
		return;
	if (tg_xcheck_parse(buf, (size_t)got, &x->st, why, sizeof why) < 0) {
		snprintf(x->why, sizeof x->why, "%s: %s", path, why);
		return;
	}
	x->have = 1;
	x->why[0] = '\0';
}

/*
 * Whether the last results read are current: read, timed's status
 * record fresh, and not stamped in the future (an earlier boot's file).
 * 1 with *since_s (seconds since the file was written), or 0 with why.
 */
static int xcheck_current(struct cd_main *m, const struct time_view *tv, int64_t *since_s,
			  char *why, size_t cap)
{
	const struct cd_xcheck *x = &m->xcheck;

	if (!x->have) {
		snprintf(why, cap, "%s", x->why[0] ? x->why : "not read yet");
		return 0;
	}
	if (tv->rs != REC_FRESH) {
		snprintf(why, cap, "the time service's status is not current: %s", tv->why);
		return 0;
	}
	if (record_age(mono_ns(m), x->st.mono_ns, since_s) < 0) {
		snprintf(why, cap,
			 "%s: written in the future of CLOCK_MONOTONIC (left from an earlier boot?)",
			 m->conf.xcheck_status);
		return 0;
	}
	return 1;
}

/* an ok sample beyond cross-check-max (in uint64_t: no overflow whatever the file says) */
static int xcheck_disagrees(const struct tg_xcheck *st, const struct tg_xcheck_server *sv)
{
	uint64_t a = sv->offset_ns < 0 ? (uint64_t)0 - (uint64_t)sv->offset_ns
				       : (uint64_t)sv->offset_ns;

	return sv->state == TG_XCHECK_OK && a > (uint64_t)st->max_ns;
}

/* ------------------------------------------------------------- names */

static const char *state_name(int s)
{
	switch (s) {
	case TG_CLOCK_UNSYNC:
		return "unsync";
	case TG_CLOCK_LOCKING:
		return "locking";
	case TG_CLOCK_LOCKED:
		return "locked";
	case TG_CLOCK_HOLDOVER:
		return "holdover";
	case TG_CLOCK_FAILED:
		return "failed";
	default:
		return "unavailable";
	}
}

const char *cd_clock_state_name(struct cd_main *m)
{
	struct time_view v;

	read_time(m, &v);
	/* an audit record names one of the five states: no fresh record is "unsync" (timestatus.h) */
	if (v.rs != REC_FRESH)
		return "unsync";
	return state_name(v.st.state);
}

static const char *leap_name(int l)
{
	return l == TG_LEAP_INSERT ? "insert" : l == TG_LEAP_DELETE ? "delete" : "none";
}

static const char *fix_name(int f)
{
	switch (f) {
	case TG_GNSS_FIX_NONE:
		return "none";
	case TG_GNSS_FIX_2D:
		return "2d";
	case TG_GNSS_FIX_3D:
		return "3d";
	default:
		return "unknown";
	}
}

/* gpsd's gnssid as gnssstatus.h stores it (enum tg_gnss of timed/nmea.h) */
static const char *constellation_name(unsigned id)
{
	switch (id) {
	case 0:
		return "GPS";
	case 1:
		return "SBAS";
	case 2:
		return "Galileo";
	case 3:
		return "BeiDou";
	case 4:
		return "IMES";
	case 5:
		return "QZSS";
	case 6:
		return "GLONASS";
	case 7:
		return "NavIC";
	default:
		return NULL;
	}
}

/* the record's NUL-padded, 4-byte refid as a C string of its printable bytes */
static void refid_text(const struct tg_timestatus *st, char out[5])
{
	size_t i, n = 0;

	for (i = 0; i < sizeof st->refid && st->refid[i]; i++)
		out[n++] = st->refid[i] >= 0x20 && st->refid[i] < 0x7f ? st->refid[i] : '?';
	out[n] = '\0';
}

static int64_t u64_to_i64(uint64_t v)
{
	return v > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)v;
}

/* ----------------------------------------------------------- answers */

static void out_json(struct cd_out *o, struct tg_json *j)
{
	cd_out_json(o, j, "the answer does not fit");
	if (o->status == 500)
		tg_err("status: the answer does not fit in %d bytes", CD_OUT_MAX);
}

static void json_time(struct tg_json *j, const struct time_view *v)
{
	const struct tg_timestatus *st = &v->st;
	int have = v->rs != REC_NONE;
	char refid[5];

	tg_json_obj(j, "time");
	tg_json_str(j, "state", v->rs == REC_FRESH ? state_name(st->state) : "unavailable");
	if (have) {
		refid_text(st, refid);
		tg_json_int(j, "offset_ns", st->offset_ns);
		tg_json_int(j, "jitter_ns", u64_to_i64(st->jitter_ns));
		tg_json_int(j, "error_bound_ns", u64_to_i64(st->error_bound_ns));
		tg_json_int(j, "freq_ppb", st->freq_ppb);
		tg_json_int(j, "stratum", st->stratum);
		tg_json_str(j, "refid", refid);
		tg_json_str(j, "leap", leap_name(st->leap));
		if (st->tai_offset_s)
			tg_json_int(j, "tai_utc", st->tai_offset_s);
		else
			tg_json_null(j, "tai_utc");
		tg_json_int(j, "root_dispersion_ns", u64_to_i64(st->root_dispersion_ns));
		tg_json_int(j, "age_s", v->age_s);
	} else {
		static const char *const keys[] = {"offset_ns", "jitter_ns", "error_bound_ns",
						   "freq_ppb", "stratum", "refid", "leap",
						   "tai_utc", "root_dispersion_ns", "age_s"};
		size_t i;

		for (i = 0; i < sizeof keys / sizeof keys[0]; i++)
			tg_json_null(j, keys[i]);
	}
	tg_json_str(j, "reason", v->rs == REC_FRESH ? NULL : v->why);
	tg_json_obj_end(j);
}

static void json_gnss(struct cd_main *m, struct tg_json *j, const struct gnss_view *v)
{
	const struct tg_gnssstatus *g = &v->g;
	unsigned i;

	tg_json_obj(j, "gnss");
	if (v->rs == REC_NONE) {
		tg_json_null(j, "fix");
		tg_json_null(j, "valid");
		tg_json_null(j, "lat");
		tg_json_null(j, "lon");
		tg_json_null(j, "alt");
		tg_json_arr(j, "sats");
		tg_json_arr_end(j);
		tg_json_null(j, "pps");
		tg_json_null(j, "last_refusal");
		tg_json_null(j, "age_s");
		tg_json_str(j, "reason", v->why);
		tg_json_obj_end(j);
		return;
	}
	tg_json_str(j, "fix", fix_name(g->fix_mode));
	tg_json_bool(j, "valid", g->time_valid);
	if (g->have_pos) {
		tg_json_num(j, "lat", (double)g->lat_e7 / 1e7, 7);
		tg_json_num(j, "lon", (double)g->lon_e7 / 1e7, 7);
		tg_json_num(j, "alt", (double)g->alt_mm / 1e3, 3);
	} else {
		tg_json_null(j, "lat");
		tg_json_null(j, "lon");
		tg_json_null(j, "alt");
	}
	tg_json_arr(j, "sats");
	for (i = 0; i < g->n_sats && i < TG_GNSSSTATUS_SATS_MAX; i++) {
		const struct tg_gnssstatus_sat *s = &g->sats[i];
		const char *cn = constellation_name(s->gnss);
		char num[8];

		tg_json_obj(j, NULL);
		tg_json_int(j, "prn", s->svid);
		if (!cn) { /* an id this console does not know: shown as its number */
			snprintf(num, sizeof num, "%u", (unsigned)s->gnss);
			cn = num;
		}
		tg_json_str(j, "constellation", cn);
		if (s->elevation == -128)
			tg_json_null(j, "elevation");
		else
			tg_json_int(j, "elevation", s->elevation);
		if (s->azimuth < 0)
			tg_json_null(j, "azimuth");
		else
			tg_json_int(j, "azimuth", s->azimuth);
		if (s->snr < 0)
			tg_json_null(j, "snr");
		else
			tg_json_int(j, "snr", s->snr);
		tg_json_bool(j, "used", s->used);
		tg_json_obj_end(j);
	}
	tg_json_arr_end(j);
	tg_json_obj(j, "pps");
	tg_json_int(j, "pulses", u64_to_i64(g->pps_pulses));
	tg_json_int(j, "missed", u64_to_i64(g->pps_missed));
	tg_json_int(j, "unpaired", u64_to_i64(g->pps_unpaired));
	tg_json_obj_end(j);
	if (g->refusal[0]) {
		tg_json_obj(j, "last_refusal");
		tg_json_strn(j, "text", g->refusal, strnlen(g->refusal, sizeof g->refusal));
		tg_json_int(j, "t", g->refusal_realtime_ns / NS_PER_S);
		tg_json_int(j, "age_s", m->now_real() - g->refusal_realtime_ns / NS_PER_S);
		tg_json_obj_end(j);
	} else {
		tg_json_null(j, "last_refusal");
	}
	tg_json_int(j, "age_s", v->age_s);
	tg_json_str(j, "reason", v->rs == REC_FRESH ? NULL : v->why);
	tg_json_obj_end(j);
}

/* floor((t - now) / 1 day): negative once t has passed */
static int64_t days_until(int64_t t, int64_t now)
{
	int64_t d = (int64_t)((uint64_t)t - (uint64_t)now);

	return d >= 0 ? d / 86400 : -((-(d + 1)) / 86400) - 1;
}

/* ok false and every figure null unless the counters file is fresh */
static void json_nts(struct cd_main *m, struct tg_json *j, const struct nts_view *v)
{
	const struct tg_ntsstats *st = &v->st;
	const struct cd_nts *n = &m->nts;
	int fresh = v->rs == REC_FRESH;
	int rates = fresh && n->have && n->have_rates;
	int64_t now = m->now_real();

	tg_json_obj(j, "nts");
	tg_json_bool(j, "ok", fresh);
	if (rates) {
		tg_json_num(j, "ntp_rps", n->ntp_rps, 2);
		tg_json_num(j, "nts_rps", n->nts_rps, 2);
		tg_json_num(j, "ke_per_min", n->ke_per_min, 2);
		tg_json_num(j, "refused_rps", n->refused_rps, 2);
	} else {
		tg_json_null(j, "ntp_rps");
		tg_json_null(j, "nts_rps");
		tg_json_null(j, "ke_per_min");
		tg_json_null(j, "refused_rps");
	}
	if (fresh && st->cookie_key_created > 0)
		tg_json_int(j, "cookie_key_age_s", (int64_t)((uint64_t)now -
							     (uint64_t)st->cookie_key_created));
	else
		tg_json_null(j, "cookie_key_age_s");
	if (fresh && st->cert_not_after != 0) {
		tg_json_int(j, "cert_not_after", st->cert_not_after);
		tg_json_int(j, "cert_days_left", days_until(st->cert_not_after, now));
	} else {
		tg_json_null(j, "cert_not_after");
		tg_json_null(j, "cert_days_left");
	}
	tg_json_str(j, "reason", fresh ? NULL : v->why);
	tg_json_obj_end(j);
}

/*
 * ok false, max_ms null and no servers unless the results are current.
 * Per server: the figures of its last sample when it was ok, its error
 * when it failed, nulls before the first attempt (state "none").
 */
static void json_xcheck(struct cd_main *m, struct tg_json *j, const struct time_view *tv)
{
	static const char *const states[] = {"none", "ok", "fail"};
	const struct tg_xcheck *st = &m->xcheck.st;
	int64_t since = 0;
	char why[600];
	int cur = xcheck_current(m, tv, &since, why, sizeof why);
	unsigned i;

	tg_json_obj(j, "xcheck");
	tg_json_bool(j, "ok", cur);
	if (cur)
		tg_json_num(j, "max_ms", (double)st->max_ns / 1e6, 3);
	else
		tg_json_null(j, "max_ms");
	tg_json_arr(j, "servers");
	for (i = 0; cur && i < st->n; i++) {
		const struct tg_xcheck_server *sv = &st->s[i];
		int ok = sv->state == TG_XCHECK_OK;

		tg_json_obj(j, NULL);
		tg_json_int(j, "index", i);
		tg_json_str(j, "host", sv->host);
		tg_json_int(j, "port", sv->port);
		tg_json_str(j, "name", sv->name);
		tg_json_str(j, "state", states[sv->state]);
		tg_json_bool(j, "ok", ok);
		if (ok) {
			tg_json_num(j, "offset_ms", (double)sv->offset_ns / 1e6, 3);
			tg_json_num(j, "delay_ms", (double)sv->delay_ns / 1e6, 3);
			tg_json_int(j, "stratum", sv->stratum);
		} else {
			tg_json_null(j, "offset_ms");
			tg_json_null(j, "delay_ms");
			tg_json_null(j, "stratum");
		}
		if (sv->state == TG_XCHECK_NONE || sv->age_s > INT64_MAX - since)
			tg_json_null(j, "age_s");
		else
			tg_json_int(j, "age_s", sv->age_s + since);
		tg_json_str(j, "error", sv->state == TG_XCHECK_FAIL ? sv->err : NULL);
		if (ok)
			tg_json_bool(j, "agrees", !xcheck_disagrees(st, sv));
		else
			tg_json_null(j, "agrees");
		tg_json_obj_end(j);
	}
	tg_json_arr_end(j);
	tg_json_str(j, "reason", cur ? NULL : why);
	tg_json_obj_end(j);
}

/* {"level", "text", "id"}: id names the condition for the pages and scripts */
static void add_alarm(struct tg_json *j, const char *level, const char *id, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void add_alarm(struct tg_json *j, const char *level, const char *id, const char *fmt, ...)
{
	char text[640];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	tg_json_obj(j, NULL);
	tg_json_str(j, "level", level);
	tg_json_str(j, "text", text);
	tg_json_str(j, "id", id);
	tg_json_obj_end(j);
}

/*
 * A certificate's expiry, at the level asked for: "error" once expired,
 * "warning" within CD_CERT_ALARM_S.  not_after 0: unknown, no alarm.
 */
static void cert_alarm(struct tg_json *j, const char *level, const char *id, const char *what,
		       const char *fix, int64_t not_after, int64_t now)
{
	int64_t days;

	if (not_after == 0)
		return;
	if (not_after <= now) {
		if (strcmp(level, "error") == 0)
			add_alarm(j, level, id, "%s expired: %s", what, fix);
		return;
	}
	if ((uint64_t)not_after - (uint64_t)now >= (uint64_t)CD_CERT_ALARM_S ||
	    strcmp(level, "warning") != 0)
		return;
	days = days_until(not_after, now);
	add_alarm(j, level, id, "%s expires in %" PRId64 " day%s: %s", what, days,
		  days == 1 ? "" : "s", fix);
}

/*
 * Errors first, then warnings, then information.  The certificates:
 * ntsd's as its counters file names it, the console's own as main.c
 * loaded it at start.
 */
static void json_alarms(struct cd_main *m, struct tg_json *j, const struct time_view *tv,
			const struct gnss_view *gv, const struct nts_view *nv)
{
	static const char nts_fix[] = "NTS clients refuse it; install a new one (Configuration, "
				      "NTS certificate)";
	static const char console_fix[] = "browsers refuse it; install a new one (consoled(8))";
	const struct tg_gnssstatus *g = &gv->g;
	int fresh = tv->rs == REC_FRESH;
	int st = tv->st.state;
	int64_t now = m->now_real();
	int64_t nts_na = nv->rs == REC_FRESH ? nv->st.cert_not_after : 0;
	const char *lv[2] = {"error", "warning"};
	const struct tg_xcheck *xs = &m->xcheck.st;
	int64_t since;
	char why[8];
	int xcur = xcheck_current(m, tv, &since, why, sizeof why);
	unsigned k, failed = 0;
	int i;

	tg_json_arr(j, "alarms");
	if (fresh && st == TG_CLOCK_FAILED)
		add_alarm(j, "error", "clock-failed", "clock failed: time is not served (integrity check)");
	if (gv->rs != REC_NONE && g->refusal[0]) {
		int64_t d = now - g->refusal_realtime_ns / NS_PER_S;

		/* either way: after a clock step the refusal may seem to lie ahead */
		if (d <= CD_REFUSAL_ALARM_S && d >= -CD_REFUSAL_ALARM_S)
			add_alarm(j, "error", "spoofing", "spoofing suspected: %.*s",
				  (int)sizeof g->refusal, g->refusal);
	}
	if (nv->rs != REC_FRESH)
		add_alarm(j, "error", "nts-down", "NTS service down: %s", nv->why);
	for (k = 0; xcur && k < xs->n; k++) {
		failed += xs->s[k].state == TG_XCHECK_FAIL;
		if (xcheck_disagrees(xs, &xs->s[k]))
			add_alarm(j, "error", "xcheck-disagree",
				  "upstream %s (%s port %u) disagrees with this clock by %+.3f ms "
				  "(limit %.3f ms)",
				  xs->s[k].name, xs->s[k].host, (unsigned)xs->s[k].port,
				  (double)xs->s[k].offset_ns / 1e6, (double)xs->max_ns / 1e6);
	}
	for (i = 0; i < 2; i++) {
		if (i == 1 && xcur && xs->n > 0 && failed == xs->n)
			add_alarm(j, "warning", "xcheck-failing",
				  "no upstream NTS server answers: GNSS is not cross-checked "
				  "(%s: %s)",
				  xs->s[0].name, xs->s[0].err[0] ? xs->s[0].err : "failed");
		if (i == 1) {
			if (!fresh)
				add_alarm(j, "warning", "time-unavailable", "time status unavailable: %s",
					  tv->why);
			else if (st == TG_CLOCK_HOLDOVER)
				add_alarm(j, "warning", "holdover",
					  "holdover: the reference is lost, the clock runs on its last "
					  "frequency");
			else if (st == TG_CLOCK_UNSYNC)
				add_alarm(j, "warning", "clock-unsync", "clock unsynchronised");
			if (gv->rs == REC_NONE)
				add_alarm(j, "warning", "gnss-unavailable",
					  "GNSS status unavailable: %s", gv->why);
			else if (gv->rs == REC_STALE)
				add_alarm(j, "warning", "gnss-unavailable", "GNSS status %s", gv->why);
			else if (g->fix_mode != TG_GNSS_FIX_2D && g->fix_mode != TG_GNSS_FIX_3D)
				add_alarm(j, "warning", "gnss-no-fix", "no GNSS fix");
		}
		cert_alarm(j, lv[i], "cert-expiring", "the NTS certificate", nts_fix, nts_na, now);
		cert_alarm(j, lv[i], "console-cert-expiring", "the console's certificate",
			   console_fix, m->console_cert_not_after, now);
	}
	if (fresh && tv->st.leap != TG_LEAP_NONE)
		add_alarm(j, "info", "leap-second", "leap second at the end of the UTC day (%s)",
			  leap_name(tv->st.leap));
	tg_json_arr_end(j);
}

void cd_status_json(struct cd_main *m, struct cd_out *o)
{
	static struct gnss_view gv; /* 1 KiB: off main's stack */
	static struct nts_view nv;
	struct time_view tv;
	struct tg_json j;
	char head[65];
	size_t i;

	read_time(m, &tv);
	read_gnss(m, &gv);
	read_nts(m, &nv);
	for (i = 0; i < 32; i++)
		snprintf(head + 2 * i, 3, "%02x", m->audit_prev[i]);
	tg_json_init(&j, o->body, CD_OUT_MAX);
	tg_json_obj(&j, NULL);
	json_time(&j, &tv);
	json_gnss(m, &j, &gv);
	json_nts(m, &j, &nv);
	json_xcheck(m, &j, &tv);
	json_alarms(m, &j, &tv, &gv, &nv);
	tg_json_str(&j, "version", m->version);
	tg_json_str(&j, "audit_head", head);
	tg_json_obj_end(&j);
	out_json(o, &j);
}

/* ------------------------------------------------------------ history */

/* severity for "the minute's worst state": failed > no status > unsync > holdover > locking > locked */
static int state_rank(int s)
{
	switch (s) {
	case TG_CLOCK_LOCKED:
		return 0;
	case TG_CLOCK_LOCKING:
		return 1;
	case TG_CLOCK_HOLDOVER:
		return 2;
	case TG_CLOCK_UNSYNC:
		return 3;
	case TG_CLOCK_FAILED:
		return 5;
	default: /* -1: no status */
		return 4;
	}
}

static int64_t abs64(int64_t v)
{
	return v == INT64_MIN ? INT64_MAX : v < 0 ? -v : v;
}

/* fold p into the minute's worst */
static void minute_merge(struct cd_history_point *w, const struct cd_history_point *p)
{
	if (p->offset_ns != CD_HIST_NONE &&
	    (w->offset_ns == CD_HIST_NONE || abs64(p->offset_ns) > abs64(w->offset_ns)))
		w->offset_ns = p->offset_ns;
	if (p->jitter_ns != CD_HIST_NONE && (w->jitter_ns == CD_HIST_NONE || p->jitter_ns > w->jitter_ns))
		w->jitter_ns = p->jitter_ns;
	if (p->bound_ns != CD_HIST_NONE && (w->bound_ns == CD_HIST_NONE || p->bound_ns > w->bound_ns))
		w->bound_ns = p->bound_ns;
	if (state_rank(p->state) > state_rank(w->state))
		w->state = p->state;
}

/*
 * The rates: a new file (by its stamp) against the last one; a stamp
 * that went back or a counter that went down is a restart of ntsd, and
 * that step has no rate.  A missing or unreadable file forgets the last.
 */
static void nts_sample(struct cd_main *m)
{
	static struct nts_view v;
	struct cd_nts *n = &m->nts;
	const struct tg_ntsstats *a = &n->last, *b = &v.st;
	double dt;

	read_nts(m, &v);
	if (v.rs == REC_NONE) {
		n->have = n->have_rates = 0;
		return;
	}
	if (n->have && b->updated == a->updated)
		return; /* ntsd has not written since */
	if (!n->have || b->updated < a->updated || b->ntp_requests < a->ntp_requests ||
	    b->nts_requests < a->nts_requests || b->nts_refused < a->nts_refused ||
	    b->ke_handshakes < a->ke_handshakes || b->ke_failures < a->ke_failures) {
		n->have_rates = 0;
	} else {
		dt = (double)((uint64_t)b->updated - (uint64_t)a->updated);
		n->ntp_rps = (double)(b->ntp_requests - a->ntp_requests) / dt;
		n->nts_rps = (double)(b->nts_requests - a->nts_requests) / dt;
		n->refused_rps = (double)(b->nts_refused - a->nts_refused) / dt;
		n->ke_per_min = (double)(b->ke_handshakes - a->ke_handshakes) * 60.0 / dt;
		n->have_rates = 1;
	}
	n->last = *b;
	n->have = 1;
}

void cd_status_sample(struct cd_main *m)
{
	struct cd_history *h = &m->hist;
	struct cd_history_point p;
	struct time_view v;
	int64_t t = m->now_real(), mt;

	nts_sample(m);
	read_xcheck(m);
	read_time(m, &v);
	p.t = t;
	if (v.rs == REC_FRESH) {
		p.offset_ns = v.st.offset_ns;
		p.jitter_ns = u64_to_i64(v.st.jitter_ns);
		p.bound_ns = u64_to_i64(v.st.error_bound_ns);
		p.state = v.st.state;
	} else {
		p.offset_ns = p.jitter_ns = p.bound_ns = CD_HIST_NONE;
		p.state = -1;
	}
	/* the minute of t, rounded down also before 1970 */
	mt = t - (t % 60 + 60) % 60;
	if (h->n_hour > 0 && mt != h->minute_t) {
		h->day[h->i_day] = h->minute;
		h->i_day = (h->i_day + 1) % CD_HIST_DAY;
		if (h->n_day < CD_HIST_DAY)
			h->n_day++;
	}
	if (h->n_hour == 0 || mt != h->minute_t) {
		h->minute = p;
		h->minute.t = mt;
		h->minute_t = mt;
	} else {
		minute_merge(&h->minute, &p);
	}
	h->hour[h->i_hour] = p;
	h->i_hour = (h->i_hour + 1) % CD_HIST_HOUR;
	if (h->n_hour < CD_HIST_HOUR)
		h->n_hour++;
}

static void json_point(struct tg_json *j, const struct cd_history_point *p)
{
	tg_json_arr(j, NULL);
	tg_json_int(j, NULL, p->t);
	if (p->offset_ns == CD_HIST_NONE)
		tg_json_null(j, NULL);
	else
		tg_json_int(j, NULL, p->offset_ns);
	if (p->jitter_ns == CD_HIST_NONE)
		tg_json_null(j, NULL);
	else
		tg_json_int(j, NULL, p->jitter_ns);
	if (p->bound_ns == CD_HIST_NONE)
		tg_json_null(j, NULL);
	else
		tg_json_int(j, NULL, p->bound_ns);
	tg_json_int(j, NULL, p->state);
	tg_json_arr_end(j);
}

/*
 * span "hour": the hour ring, a point a second; "day": the day ring, a
 * point a minute, then the minute being gathered (so the day's graph is
 * never a minute behind).  t0 is the oldest point's time (now if none).
 */
void cd_history_json(struct cd_main *m, const char *span, struct cd_out *o)
{
	const struct cd_history *h = &m->hist;
	const struct cd_history_point *ring;
	size_t n, cap, first, i;
	int day;
	struct tg_json j;
	char msg[100];

	if (span && strcmp(span, "hour") == 0) {
		day = 0;
	} else if (span && strcmp(span, "day") == 0) {
		day = 1;
	} else {
		snprintf(msg, sizeof msg, "span: expected hour or day, got \"%.20s\"", span ? span : "");
		cd_out_error(o, 400, msg);
		return;
	}
	ring = day ? h->day : h->hour;
	cap = day ? CD_HIST_DAY : CD_HIST_HOUR;
	n = day ? h->n_day : h->n_hour;
	first = ((day ? h->i_day : h->i_hour) + cap - n) % cap;

	tg_json_init(&j, o->body, CD_OUT_MAX);
	tg_json_obj(&j, NULL);
	tg_json_str(&j, "span", day ? "day" : "hour");
	tg_json_int(&j, "step_s", day ? 60 : 1);
	if (n)
		tg_json_int(&j, "t0", ring[first].t);
	else if (day && h->n_hour)
		tg_json_int(&j, "t0", h->minute.t);
	else
		tg_json_int(&j, "t0", m->now_real());
	tg_json_arr(&j, "points");
	for (i = 0; i < n; i++)
		json_point(&j, &ring[(first + i) % cap]);
	if (day && h->n_hour)
		json_point(&j, &h->minute);
	tg_json_arr_end(&j);
	tg_json_obj_end(&j);
	out_json(o, &j);
}

/* ------------------------------------------------------------ metrics */

struct text {
	char *b;
	size_t len, cap;
	int full;
};

static void put(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (t->full)
		return;
	va_start(ap, fmt);
	n = vsnprintf(t->b + t->len, t->cap - t->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= t->cap - t->len) {
		t->full = 1;
		return;
	}
	t->len += (size_t)n;
}

/* the metadata of one family: TYPE, UNIT (if any), HELP */
static void family(struct text *t, const char *name, const char *type, const char *unit,
		   const char *help)
{
	put(t, "# TYPE %s %s\n", name, type);
	if (unit)
		put(t, "# UNIT %s %s\n", name, unit);
	put(t, "# HELP %s %s\n", name, help);
}

/* ns as decimal seconds, exactly ("-0.000000123") */
static void put_seconds(struct text *t, const char *name, int64_t ns)
{
	uint64_t a = ns < 0 ? (uint64_t)0 - (uint64_t)ns : (uint64_t)ns;

	put(t, "%s %s%" PRIu64 ".%09" PRIu64 "\n", name, ns < 0 ? "-" : "", a / (uint64_t)NS_PER_S,
	    a % (uint64_t)NS_PER_S);
}

/* a label value: \ " and newline escaped (OpenMetrics), other control or non-ASCII bytes as '?' */
static void put_label_value(struct text *t, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '\\' || c == '"')
			put(t, "\\%c", c);
		else if (c == '\n')
			put(t, "\\n");
		else
			put(t, "%c", c >= 0x20 && c < 0x7f ? c : '?');
	}
}

/* whether upstream i's name was an earlier one's (a sample may not repeat its labels) */
static int xcheck_name_seen(const struct tg_xcheck *st, size_t i)
{
	size_t k;

	for (k = 0; k < i; k++)
		if (strcmp(st->s[k].name, st->s[i].name) == 0)
			return 1;
	return 0;
}

/* NAME{server="..."}: a sample's name with the upstream's label (its value follows) */
static void xcheck_label(struct text *t, const char *name, const struct tg_xcheck_server *sv)
{
	put(t, "%s{server=\"", name);
	put_label_value(t, sv->name);
	put(t, "\"}");
}

/*
 * OpenMetrics 1.0 text.  A family whose figure is not known (no time
 * record, no GNSS record) keeps its metadata and has no sample: absent,
 * not zero.  The state is one gauge per state with exactly one at 1
 * ("unavailable" when there is no fresh record), so a query can alert on
 * timegate_clock_state{state="locked"} == 0.
 */
void cd_metrics(struct cd_main *m, struct cd_out *o)
{
	static const char *const states[] = {"unsync", "locking", "locked", "holdover", "failed",
					     "unavailable"};
	static struct gnss_view gv;
	static struct nts_view nv;
	struct time_view tv;
	struct text t = {o->body, 0, CD_OUT_MAX, 0};
	const char *cur;
	int fresh, have_g, have_n, xcur;
	int64_t now = m->now_real(), since;
	char why[8];
	size_t i;

	read_time(m, &tv);
	xcur = xcheck_current(m, &tv, &since, why, sizeof why);
	read_gnss(m, &gv);
	read_nts(m, &nv);
	have_n = nv.rs == REC_FRESH;
	fresh = tv.rs == REC_FRESH;
	have_g = gv.rs != REC_NONE;
	cur = fresh ? state_name(tv.st.state) : "unavailable";

	family(&t, "timegate_clock_state", "gauge", NULL,
	       "The clock's state: 1 for the current one, 0 for the others.");
	for (i = 0; i < sizeof states / sizeof states[0]; i++)
		put(&t, "timegate_clock_state{state=\"%s\"} %d\n", states[i],
		    strcmp(states[i], cur) == 0);

	family(&t, "timegate_clock_offset_seconds", "gauge", "seconds",
	       "Last measured offset of the reference from the system clock.");
	if (fresh)
		put_seconds(&t, "timegate_clock_offset_seconds", tv.st.offset_ns);
	family(&t, "timegate_clock_jitter_seconds", "gauge", "seconds",
	       "Jitter of the offset measurements.");
	if (fresh)
		put_seconds(&t, "timegate_clock_jitter_seconds", u64_to_i64(tv.st.jitter_ns));
	family(&t, "timegate_clock_error_bound_seconds", "gauge", "seconds",
	       "Estimated maximum difference between the system clock and UTC.");
	if (fresh)
		put_seconds(&t, "timegate_clock_error_bound_seconds",
			    u64_to_i64(tv.st.error_bound_ns));
	family(&t, "timegate_clock_frequency_ppm", "gauge", NULL,
	       "Frequency correction applied to the system clock, in parts per million.");
	if (fresh) {
		int64_t f = tv.st.freq_ppb;
		uint64_t a = f < 0 ? (uint64_t)0 - (uint64_t)f : (uint64_t)f;

		put(&t, "timegate_clock_frequency_ppm %s%" PRIu64 ".%03" PRIu64 "\n",
		    f < 0 ? "-" : "", a / 1000, a % 1000);
	}
	family(&t, "timegate_stratum", "gauge", NULL, "NTP stratum the server announces.");
	if (fresh)
		put(&t, "timegate_stratum %u\n", (unsigned)tv.st.stratum);
	family(&t, "timegate_leap_indicator", "gauge", NULL,
	       "Leap second announced for the end of the UTC day: 0 none, 1 insert, 2 delete.");
	if (fresh)
		put(&t, "timegate_leap_indicator %u\n", (unsigned)tv.st.leap);
	family(&t, "timegate_status_age_seconds", "gauge", "seconds",
	       "Age of the time service's status record.");
	if (tv.rs != REC_NONE)
		put(&t, "timegate_status_age_seconds %" PRId64 "\n", tv.age_s);

	family(&t, "timegate_gnss_satellites_used", "gauge", NULL,
	       "Satellites used in the last fix.");
	if (have_g)
		put(&t, "timegate_gnss_satellites_used %u\n", (unsigned)gv.g.n_used);
	family(&t, "timegate_gnss_satellites_visible", "gauge", NULL,
	       "Satellites the receiver reported in the last epoch.");
	if (have_g)
		put(&t, "timegate_gnss_satellites_visible %u\n", (unsigned)gv.g.n_sats);
	family(&t, "timegate_gnss_fix_mode", "gauge", NULL,
	       "GNSS fix: 0 unknown, 1 none, 2 2D, 3 3D.");
	if (have_g)
		put(&t, "timegate_gnss_fix_mode %u\n", (unsigned)gv.g.fix_mode);
	family(&t, "timegate_gnss_status_age_seconds", "gauge", "seconds",
	       "Age of the GNSS status record.");
	if (have_g)
		put(&t, "timegate_gnss_status_age_seconds %" PRId64 "\n", gv.age_s);
	/* counters: the family is named without _total, its sample with it */
	family(&t, "timegate_pps_pulses", "counter", NULL,
	       "PPS pulses seen since the time service started.");
	if (have_g)
		put(&t, "timegate_pps_pulses_total %" PRIu64 "\n", gv.g.pps_pulses);
	family(&t, "timegate_pps_missed", "counter", NULL,
	       "PPS pulses missed since the time service started.");
	if (have_g)
		put(&t, "timegate_pps_missed_total %" PRIu64 "\n", gv.g.pps_missed);

	/* ntsd's counters: totals since ntsd started (a drop is a restart) */
	family(&t, "timegate_ntp_requests", "counter", NULL,
	       "NTP requests answered (with or without NTS) since ntsd started.");
	if (have_n)
		put(&t, "timegate_ntp_requests_total %" PRIu64 "\n", nv.st.ntp_requests);
	family(&t, "timegate_nts_requests", "counter", NULL,
	       "NTS-authenticated requests answered since ntsd started.");
	if (have_n)
		put(&t, "timegate_nts_requests_total %" PRIu64 "\n", nv.st.nts_requests);
	family(&t, "timegate_nts_refused", "counter", NULL,
	       "NTS requests refused (NTS NAK) or dropped as malformed since ntsd started.");
	if (have_n)
		put(&t, "timegate_nts_refused_total %" PRIu64 "\n", nv.st.nts_refused);
	family(&t, "timegate_ntske_handshakes", "counter", NULL,
	       "NTS-KE sessions completed since ntsd started.");
	if (have_n)
		put(&t, "timegate_ntske_handshakes_total %" PRIu64 "\n", nv.st.ke_handshakes);
	family(&t, "timegate_ntske_failures", "counter", NULL,
	       "NTS-KE sessions failed (TLS, bad request, timeout) since ntsd started.");
	if (have_n)
		put(&t, "timegate_ntske_failures_total %" PRIu64 "\n", nv.st.ke_failures);
	family(&t, "timegate_cookie_key_age_seconds", "gauge", "seconds",
	       "Age of the current NTS cookie key.");
	if (have_n && nv.st.cookie_key_created > 0)
		put(&t, "timegate_cookie_key_age_seconds %" PRId64 "\n",
		    (int64_t)((uint64_t)now - (uint64_t)nv.st.cookie_key_created));
	family(&t, "timegate_nts_cert_expiry_seconds", "gauge", "seconds",
	       "Seconds until the NTS certificate expires (negative once it has).");
	if (have_n && nv.st.cert_not_after != 0)
		put(&t, "timegate_nts_cert_expiry_seconds %" PRId64 "\n",
		    (int64_t)((uint64_t)nv.st.cert_not_after - (uint64_t)now));

	/* timed's cross-check: one sample per upstream, by its name (a repeated name: the first) */
	family(&t, "timegate_xcheck_ok", "gauge", NULL,
	       "1 when the upstream NTS server's last cross-check sample succeeded, else 0.");
	for (i = 0; xcur && i < m->xcheck.st.n; i++) {
		if (xcheck_name_seen(&m->xcheck.st, i))
			continue;
		xcheck_label(&t, "timegate_xcheck_ok", &m->xcheck.st.s[i]);
		put(&t, " %d\n", m->xcheck.st.s[i].state == TG_XCHECK_OK);
	}
	family(&t, "timegate_xcheck_offset_seconds", "gauge", "seconds",
	       "Offset of the upstream NTS server from the system clock, its last sample.");
	for (i = 0; xcur && i < m->xcheck.st.n; i++) {
		if (xcheck_name_seen(&m->xcheck.st, i) || m->xcheck.st.s[i].state != TG_XCHECK_OK)
			continue;
		xcheck_label(&t, "timegate_xcheck_offset_seconds", &m->xcheck.st.s[i]);
		put_seconds(&t, "", m->xcheck.st.s[i].offset_ns); /* " VALUE\n" */
	}

	family(&t, "timegate", "info", NULL, "The running release.");
	put(&t, "timegate_info{version=\"");
	put_label_value(&t, m->version);
	put(&t, "\"} 1\n");
	put(&t, "# EOF\n");
	if (t.full) {
		tg_err("metrics: the answer does not fit in %d bytes", CD_OUT_MAX);
		cd_out_error(o, 500, "the answer does not fit");
		return;
	}
	o->status = 200;
	o->kind = CD_KIND_METRICS;
	o->len = t.len;
}
