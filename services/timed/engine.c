/*
 * engine.c - timed's decisions (see engine.h): pairing, integrity checks,
 * the clock state machine and the status it publishes.  Pure.
 */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "engine.h"
#include "log.h"

#define NS 1000000000LL
#define LOSS_NS (3 * NS)          /* no accepted sample for 3 s: signal lost */
#define STEP_SETTLE_NS (1500000000LL) /* samples ignored after a step */
#define SURVEY_FIXES 60           /* fixes averaged for a surveyed site */
#define REFUSE_LOG_NS (10 * NS)   /* one refusal line per 10 s at most */
#define XCHECK_FRESH_INTERVALS 3  /* a sample counts for 3 intervals */
#define XCHECK_WAIT_NS (20 * NS)  /* at start, for the first upstream answer */
#define NMEA_ONLY_BOUND_NS 50000000LL /* NMEA arrival time: tens of ms */
#define EARTH_R_M 6371008.8

const char *engine_state_name(int state)
{
	static const char *const names[] = {"unsynchronised", "locking", "locked", "holdover",
					    "failed"};

	return state >= 0 && state <= TG_CLOCK_FAILED ? names[state] : "?";
}

static void logf_(struct engine_out *out, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void logf_(struct engine_out *out, int level, const char *fmt, ...)
{
	va_list ap;

	if (out->n_log >= ENGINE_LOG_MAX)
		return;
	out->log_level[out->n_log] = level;
	va_start(ap, fmt);
	vsnprintf(out->log[out->n_log], ENGINE_LOG_LEN, fmt, ap);
	va_end(ap);
	out->n_log++;
}

static void set_state(struct engine *e, int st, struct engine_out *out, const char *why)
{
	if (e->state == st)
		return;
	logf_(out, st == TG_CLOCK_FAILED || st == TG_CLOCK_HOLDOVER ? TG_LOG_WARN : TG_LOG_INFO,
	      "state %s (was %s): %s", engine_state_name(st), engine_state_name(e->state), why);
	e->state = st;
	if (st == TG_CLOCK_LOCKED)
		e->was_locked = 1;
	out->state_changed = 1;
}

static void add_adj(struct engine_out *out, const struct timed_msg_adj *a)
{
	if (out->n_adj < ENGINE_ADJ_MAX)
		out->adj[out->n_adj++] = *a;
}

void engine_init(struct engine *e, const struct timed_conf *c, int64_t freq_ppb_now,
		 const struct tg_leap_table *leap_table)
{
	struct tg_servo_cfg sc;

	memset(e, 0, sizeof(*e));
	e->c = *c;
	tg_servo_cfg_defaults(&sc);
	sc.start_step_ns = c->start_step_ns;
	sc.step_limit_ns = c->step_limit_ns;
	sc.max_slew_ppb = c->max_slew_ppb;
	sc.drift_ppb = c->holdover_drift_ppb;
	sc.lock_jitter_ns = c->lock_jitter_ns;
	tg_servo_init(&e->servo, &sc, freq_ppb_now);
	e->freq_ppb = freq_ppb_now;
	e->state = TG_CLOCK_UNSYNC;
	e->refid = c->pps[0] ? "PPS" : "GPS";
	e->leap_table = leap_table;
	e->leap_sent = -1;
	e->synced_sent = -1;
	if (c->have_site) {
		e->site_known = 1;
		e->site_lat = c->site_lat;
		e->site_lon = c->site_lon;
		e->site_alt = c->site_alt;
	}
}

/* ----------------------------------------------------------- integrity */

static double distance_m(double lat1, double lon1, double alt1, double lat2, double lon2,
			 double alt2)
{
	const double rad = M_PI / 180.0;
	double dlat = (lat2 - lat1) * rad, dlon = (lon2 - lon1) * rad;
	double a = sin(dlat / 2) * sin(dlat / 2) +
		   cos(lat1 * rad) * cos(lat2 * rad) * sin(dlon / 2) * sin(dlon / 2);
	double h = 2 * EARTH_R_M * atan2(sqrt(a), sqrt(1 - a));

	return sqrt(h * h + (alt2 - alt1) * (alt2 - alt1));
}

/* Position of a fixed site: survey it, then refuse fixes that moved. */
static void check_position(struct engine *e, const struct engine_epoch *ep, struct engine_out *out)
{
	double d;

	if (!ep->have_pos || ep->mode < 3 || !ep->valid)
		return;
	if (!e->site_known) {
		if (!e->c.survey)
			return;
		e->survey_lat += ep->lat;
		e->survey_lon += ep->lon;
		e->survey_alt += ep->alt;
		if (++e->survey_n == SURVEY_FIXES) {
			e->site_lat = e->survey_lat / SURVEY_FIXES;
			e->site_lon = e->survey_lon / SURVEY_FIXES;
			e->site_alt = e->survey_alt / SURVEY_FIXES;
			e->site_known = 1;
			logf_(out, TG_LOG_INFO, "site surveyed from %d fixes: %.6f %.6f %.1f m",
			      SURVEY_FIXES, e->site_lat, e->site_lon, e->site_alt);
		}
		return;
	}
	d = distance_m(e->site_lat, e->site_lon, e->site_alt, ep->lat, ep->lon, ep->alt);
	e->last_distance_m = d;
	if (d > e->c.max_move_m) {
		if (e->pos_bad_until_mono <= ep->arrival_mono_ns)
			logf_(out, TG_LOG_WARN,
			      "position %.6f %.6f %.1f m is %.0f m from the site (limit %.0f m): GNSS "
			      "refused, spoofing or receiver fault suspected",
			      ep->lat, ep->lon, ep->alt, d, e->c.max_move_m);
		e->pos_bad_until_mono = ep->arrival_mono_ns + 10 * NS;
	}
}

/* Receiver leap data: believed only when plausible (leap.c). */
static void check_leap(struct engine *e, const struct engine_epoch *ep, struct engine_out *out)
{
	char err[160];
	int r;

	if (!ep->leap_known || !ep->have_time)
		return;
	if (ep->gps_utc_s == e->rx_gps_utc_s && ep->gps_utc_next_s == e->rx_gps_utc_next_s &&
	    ep->leap_when_s == e->rx_leap_when_s)
		return;
	/* remembered either way, so a refusal is logged once per change */
	e->rx_gps_utc_s = ep->gps_utc_s;
	e->rx_gps_utc_next_s = ep->gps_utc_next_s;
	e->rx_leap_when_s = ep->leap_when_s;
	e->rx_leap_kind = TG_LEAP_NONE;
	err[0] = '\0';
	r = tg_leap_check_announcement(e->leap_table, ep->utc_s, TG_LEAP_SCALE_GPS, ep->gps_utc_s,
				       ep->gps_utc_next_s, ep->leap_when_s, err, sizeof(err));
	if (r < 0) {
		logf_(out, TG_LOG_WARN, "receiver leap data refused (GPS-UTC %d s, next %d s): %s",
		      ep->gps_utc_s, ep->gps_utc_next_s, err);
		e->rx_gps_utc_s = 0;
		return;
	}
	if (ep->gps_utc_next_s != ep->gps_utc_s)
		e->rx_leap_kind =
		    ep->gps_utc_next_s > ep->gps_utc_s ? TG_LEAP_INSERT : TG_LEAP_DELETE;
	logf_(out, TG_LOG_INFO, "receiver leap data: GPS-UTC %d s%s%s%s", ep->gps_utc_s,
	      e->rx_leap_kind == TG_LEAP_INSERT   ? ", insertion announced"
	      : e->rx_leap_kind == TG_LEAP_DELETE ? ", deletion announced"
						  : ", no leap announced",
	      r == 1 ? ": " : "", r == 1 ? err : "");
}

/*
 * Upstream servers against GNSS: each fresh sample, corrected for the
 * steps made since, is compared with the last GNSS offset.  Returns 1
 * when a majority of the fresh answers disagree (GNSS refused), 0 when
 * they agree or there are none.
 */
static int xcheck_disagrees(struct engine *e, int64_t now_mono, int64_t gnss_offset,
			    struct engine_out *out, int quiet)
{
	int i, fresh = 0, bad = 0;
	int64_t worst = 0;
	int64_t fresh_ns = (int64_t)XCHECK_FRESH_INTERVALS * e->c.xcheck_interval_s * NS;

	for (i = 0; i < e->c.n_upstream; i++) {
		const struct engine_upstream *u = &e->up[i];
		int64_t d;

		if (!u->have || !u->ok || now_mono - u->mono_ns > fresh_ns)
			continue;
		fresh++;
		d = (u->offset_ns - (e->steps_total - u->steps_at)) - gnss_offset;
		if (d > e->c.xcheck_max_ns || d < -e->c.xcheck_max_ns) {
			bad++;
			if (llabs(d) > llabs(worst))
				worst = d;
		}
	}
	if (fresh == 0 || bad * 2 <= fresh)
		return 0;
	if (!quiet)
		logf_(out, TG_LOG_ERR,
		      "cross-check: %d of %d upstream servers disagree with GNSS by up to %+.6f s "
		      "(limit %.3f s): GNSS refused, spoofing suspected",
		      bad, fresh, (double)worst / NS, (double)e->c.xcheck_max_ns / NS);
	return 1;
}

/* At least one fresh upstream answer, and no majority against GNSS. */
static int xcheck_agrees(struct engine *e, int64_t mono, int64_t gnss_offset)
{
	int64_t fresh_ns = (int64_t)XCHECK_FRESH_INTERVALS * e->c.xcheck_interval_s * NS;
	int i, fresh = 0;

	for (i = 0; i < e->c.n_upstream; i++)
		if (e->up[i].have && e->up[i].ok && mono - e->up[i].mono_ns <= fresh_ns)
			fresh++;
	return fresh > 0 && !xcheck_disagrees(e, mono, gnss_offset, NULL, 1);
}

/* Out of sync: the next accepted sample starts the loop afresh (a step if far). */
static void restart_servo(struct engine *e)
{
	struct tg_servo_cfg sc = e->servo.c;

	tg_servo_init(&e->servo, &sc, e->freq_ppb);
}

/* ------------------------------------------------------------- samples */

static void refuse(struct engine *e, int64_t mono, struct engine_out *out, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void refuse(struct engine *e, int64_t mono, struct engine_out *out, const char *fmt, ...)
{
	char msg[ENGINE_LOG_LEN];
	va_list ap;

	e->n_refused++;
	e->refusing++;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(e->last_refusal, sizeof(e->last_refusal), "%.95s", msg);
	e->last_refusal_mono = mono;
	if (mono - e->last_refuse_log_mono < REFUSE_LOG_NS && e->last_refuse_log_mono)
		return;
	e->last_refuse_log_mono = mono;
	logf_(out, TG_LOG_WARN, "%s (%llu refused so far)", msg, (unsigned long long)e->n_refused);
}

/*
 * Settled: steering, the servo's own verdict; measuring only, a steady
 * reference (8 samples, jitter under 50 us): the offset the other steerer
 * leaves is then in the error bound the status carries.
 */
static int servo_settled(const struct engine *e, int64_t mono)
{
	struct tg_servo_est est;

	if (e->c.steer)
		return tg_servo_locked(&e->servo);
	tg_servo_estimate(&e->servo, mono, &est);
	return est.samples >= 8 && est.jitter_ns < 50000;
}

/* One measured offset (reference - system clock) from GNSS. */
static void sample(struct engine *e, int64_t mono, int64_t real, int64_t offset_ns,
		   int from_pps, struct engine_out *out)
{
	struct tg_servo_out so;
	struct timed_msg_adj a;

	e->gnss_offset_ns = offset_ns;
	e->gnss_offset_mono = mono;
	if (mono < e->hold_until_mono || e->adj_pending)
		return; /* a step is in flight or just made: this measurement is stale */
	if (mono < e->pos_bad_until_mono) {
		refuse(e, mono, out, "GNSS time refused: position moved from the site");
		return;
	}
	/* never locked yet: let the upstream servers speak before GNSS moves the clock */
	if (e->c.n_upstream > 0 && !e->xcheck_heard && !e->was_locked) {
		if (!e->xwait_mono) {
			e->xwait_mono = mono;
			logf_(out, TG_LOG_INFO,
			      "waiting up to %lld s for the first cross-check answer before following "
			      "GNSS",
			      XCHECK_WAIT_NS / NS);
		}
		if (mono - e->xwait_mono < XCHECK_WAIT_NS)
			return;
		if (!e->xwait_over) {
			e->xwait_over = 1;
			logf_(out, TG_LOG_WARN,
			      "no cross-check answer in %lld s: following GNSS alone until one comes",
			      XCHECK_WAIT_NS / NS);
		}
	}
	/* said once, when the refusal begins */
	if (e->c.n_upstream > 0 && xcheck_disagrees(e, mono, offset_ns, out, e->xcheck_refused)) {
		e->xcheck_refused = 1;
		e->n_refused++;
		snprintf(e->last_refusal, sizeof(e->last_refusal),
			 "upstream NTS servers disagree with GNSS (cross-check)");
		e->last_refusal_mono = mono;
		if (e->state != TG_CLOCK_FAILED)
			restart_servo(e);
		set_state(e, TG_CLOCK_FAILED, out, "upstream NTS servers disagree with GNSS");
		return;
	}
	if (e->xcheck_refused) {
		e->xcheck_refused = 0;
		logf_(out, TG_LOG_INFO, "cross-check: upstream servers agree with GNSS again");
		if (e->state == TG_CLOCK_FAILED)
			set_state(e, TG_CLOCK_UNSYNC, out, "cross-check agrees again");
	}
	/*
	 * Once locked, GNSS must agree with the clock it disciplined - also
	 * after holdover ran out (a jam-then-spoof attack waits for that).
	 * What overrides the refusal: upstream servers agreeing with GNSS,
	 * or a step-limit the operator set, after a minute of refusals.
	 */
	if (e->was_locked && e->c.steer &&
	    (offset_ns > e->c.max_jump_ns || offset_ns < -e->c.max_jump_ns) &&
	    !(e->c.step_limit_ns && llabs(offset_ns) > e->c.step_limit_ns && e->refusing > 60) &&
	    !xcheck_agrees(e, mono, offset_ns)) {
		refuse(e, mono, out,
		       "GNSS time disagrees with the disciplined clock by %+.9f s (limit %.6f s): "
		       "refused, spoofing or receiver fault suspected",
		       (double)offset_ns / NS, (double)e->c.max_jump_ns / NS);
		return;
	}
	e->refusing = 0;
	e->n_accepted++;
	e->last_accept_mono = mono;
	e->last_offset_ns = offset_ns;
	e->refid = from_pps ? "PPS" : "GPS";
	out->sample = 1;
	out->sample_pps = from_pps;
	out->sample_real_ns = real;
	out->sample_offset_ns = offset_ns;

	if (!e->c.steer) {
		/* someone else steers: measure and publish */
		tg_servo_observe(&e->servo, mono, offset_ns);
	} else {
		/* measured at the pulse, applied now: the servo accounts for the delay */
		struct tg_servo_meas me = {mono, offset_ns, 0, e->now_mono > mono ? e->now_mono : mono};

		tg_servo_sample_ex(&e->servo, &me, &so);
		memset(&a, 0, sizeof(a));
		if (so.action == TG_SERVO_STEP) {
			a.kind = TIMED_ADJ_STEP;
			a.step_ns = so.step_ns;
			add_adj(out, &a);
			e->adj_pending++;
			e->steps_total += so.step_ns;
			e->have_label = 0; /* pulse times jump with the clock */
			e->pulse_real_ns[0] = e->pulse_real_ns[1] = 0;
			logf_(out, TG_LOG_INFO, "offset %+.9f s: stepping the clock",
			      (double)offset_ns / NS);
			memset(&a, 0, sizeof(a));
		}
		if (so.action == TG_SERVO_STEP || so.action == TG_SERVO_FREQ) {
			a.kind = TIMED_ADJ_FREQ;
			a.freq_ppb = so.freq_ppb;
			add_adj(out, &a);
			e->adj_pending++;
			e->freq_ppb = so.freq_ppb;
		}
	}
	if (e->state == TG_CLOCK_UNSYNC || e->state == TG_CLOCK_FAILED)
		set_state(e, TG_CLOCK_LOCKING, out,
			  from_pps ? "PPS pulses labelled by NMEA time" : "NMEA time (no PPS)");
	if ((e->state == TG_CLOCK_LOCKING || e->state == TG_CLOCK_HOLDOVER) && servo_settled(e, mono))
		set_state(e, TG_CLOCK_LOCKED, out,
			  from_pps ? "offset and jitter settled (PPS)" : "offset settled (NMEA only)");
}

/*
 * Is the clock close enough to label a pulse by itself (pps-only)?  The
 * nearest second is right while the clock is within half a second; we
 * ask for much less: our own lock or holdover, or an upstream server's
 * fresh word, or a kernel that another source kept synchronised.
 */
#define CLOSE_NS 200000000LL
static int clock_close(const struct engine *e, int64_t mono)
{
	int i;

	if (e->state == TG_CLOCK_LOCKED || e->state == TG_CLOCK_HOLDOVER)
		return e->error_bound_ns < CLOSE_NS;
	if (e->state == TG_CLOCK_FAILED)
		return 0;
	for (i = 0; i < e->c.n_upstream; i++) {
		const struct engine_upstream *u = &e->up[i];

		if (u->have && u->ok && mono - u->mono_ns < 2LL * e->c.xcheck_interval_s * NS &&
		    llabs(u->offset_ns - (e->steps_total - u->steps_at)) < CLOSE_NS)
			return 1;
	}
	return e->kernel_close;
}

/* Label pulse p with the epoch's second, if the epoch arrived in its window. */
static int pair_one(struct engine *e, const struct engine_pulse *p, struct engine_out *out)
{
	const struct engine_epoch *ep = &e->epoch;
	int64_t d = ep->arrival_real_ns - p->ts_real_ns;

	if (d < e->c.nmea_window_min_ns || d > e->c.nmea_window_max_ns)
		return 0;
	e->epoch_used = 1;
	e->window_misses = 0;
	e->window_warned = 0;
	if (!ep->have_time || !ep->valid || ep->frac_ns != 0)
		return 1; /* no valid whole second to label it with */
	/* labels advance as the pulses do, or PPS and NMEA disagree */
	if (e->have_label) {
		int64_t dl = ep->utc_s - e->last_label_s;
		int64_t dp = (p->ts_real_ns - e->last_label_pulse_ns + NS / 2) / NS;

		if (dl != dp && p->ts_real_ns - e->last_label_pulse_ns < 600 * NS) {
			e->have_label = 0;
			refuse(e, p->mono_ns, out,
			       "PPS and NMEA disagree: pulses advanced %lld s, NMEA time %lld s",
			       (long long)dp, (long long)dl);
			return 1;
		}
	}
	e->have_label = 1;
	e->last_label_s = ep->utc_s;
	e->last_label_pulse_ns = p->ts_real_ns;
	sample(e, p->mono_ns, p->ts_real_ns, ep->utc_s * NS + e->c.pps_delay_ns - p->ts_real_ns, 1,
	       out);
	return 1;
}

/*
 * The newest epoch against the two newest pulses still unlabelled: the
 * epoch of second S can come after pulse S+1 was fetched when the
 * receiver talks late in the second or the line is slow.
 */
static void try_pair(struct engine *e, struct engine_out *out)
{
	if (!e->have_epoch || e->epoch_used)
		return;
	if (e->have_prev && pair_one(e, &e->prev, out)) {
		e->have_prev = 0;
		return;
	}
	if (e->have_pulse && pair_one(e, &e->pulse, out))
		e->have_pulse = 0;
}

/* A pulse nobody labelled: the nearest second, when the clock is close enough. */
static void unlabelled(struct engine *e, const struct engine_pulse *p, struct engine_out *out)
{
	e->n_unpaired++;
	if (e->c.pps_only && clock_close(e, p->now_mono_ns)) {
		int64_t label = (p->ts_real_ns + NS / 2) / NS;

		sample(e, p->mono_ns, p->ts_real_ns, label * NS + e->c.pps_delay_ns - p->ts_real_ns, 1,
		       out);
	}
}

void engine_pulse(struct engine *e, const struct engine_pulse *p, struct engine_out *out)
{
	e->now_mono = p->now_mono_ns;
	if (p->missed)
		logf_(out, TG_LOG_WARN, "PPS: %u pulses missed", p->missed);
	if (e->have_prev)
		unlabelled(e, &e->prev, out);
	e->prev = e->pulse;
	e->have_prev = e->have_pulse;
	e->pulse = *p;
	e->have_pulse = 1;
	e->last_pulse_mono = p->mono_ns;
	e->pulse_real_ns[1] = e->pulse_real_ns[0];
	e->pulse_real_ns[0] = p->ts_real_ns;
	/* the epoch may have come first, if the pulse was fetched late */
	try_pair(e, out);
	/* without a serial device, a pulse is labelled by the clock at once */
	if (!e->c.device[0]) {
		e->have_pulse = 0;
		unlabelled(e, p, out);
	}
}

void engine_kernel_synced(struct engine *e, int64_t maxerror_ns)
{
	e->kernel_close = maxerror_ns >= 0 && maxerror_ns < CLOSE_NS;
}

/*
 * The epoch being replaced was valid but no pulse's window held it.  Once
 * in a while is a slow line; WINDOW_MISS_WARN in a row means the receiver
 * talks at another phase than nmea-window says (or PPS and NMEA are not
 * from one receiver): say where the NMEA comes, once until it pairs again.
 */
#define WINDOW_MISS_WARN 5
static void epoch_unpaired(struct engine *e, struct engine_out *out)
{
	const struct engine_epoch *ep = &e->epoch;

	if (!e->have_epoch || e->epoch_used || !ep->have_time || !ep->valid || !e->epoch_after_ns)
		return;
	if (++e->window_misses < WINDOW_MISS_WARN || e->window_warned)
		return;
	e->window_warned = 1;
	logf_(out, TG_LOG_WARN,
	      "NMEA time comes %lld ms after the newest pulse, outside nmea-window %lld..%lld ms "
	      "(%d epochs in a row): set nmea-window to the receiver's timing, or check that PPS "
	      "and NMEA come from one receiver",
	      (long long)(e->epoch_after_ns / 1000000), (long long)(e->c.nmea_window_min_ns / 1000000),
	      (long long)(e->c.nmea_window_max_ns / 1000000), e->window_misses);
}

/*
 * How long after the newest pulse before it the epoch began (0: no such
 * pulse known).  The epoch is handed over once its burst is complete, by
 * which time the next pulse may have been fetched: that one is skipped.
 */
static int64_t epoch_after(const struct engine *e, int64_t arrival_ns)
{
	int i;

	for (i = 0; i < 2; i++)
		if (e->pulse_real_ns[i] && e->pulse_real_ns[i] <= arrival_ns)
			return arrival_ns - e->pulse_real_ns[i];
	return 0;
}

void engine_epoch(struct engine *e, const struct engine_epoch *ep, struct engine_out *out)
{
	e->now_mono = ep->now_mono_ns;
	if (e->c.pps[0])
		epoch_unpaired(e, out);
	e->epoch = *ep;
	e->have_epoch = 1;
	e->epoch_used = 0;
	e->epoch_after_ns = epoch_after(e, ep->arrival_real_ns);
	e->last_epoch_mono = ep->arrival_mono_ns;
	check_position(e, ep, out);
	check_leap(e, ep, out);
	if (e->c.pps[0]) {
		try_pair(e, out);
		return;
	}
	/* NMEA only: the arrival time of the epoch, coarse */
	if (ep->have_time && ep->valid) {
		e->epoch_used = 1;
		sample(e, ep->arrival_mono_ns, ep->arrival_real_ns,
		       ep->utc_s * NS + ep->frac_ns + e->c.nmea_window_min_ns - ep->arrival_real_ns, 0,
		       out);
	}
}

void engine_xsample(struct engine *e, const struct timed_msg_xsample *x, struct engine_out *out)
{
	struct engine_upstream *u;

	if (x->index >= (uint32_t)e->c.n_upstream)
		return;
	u = &e->up[x->index];
	e->xcheck_heard = 1;
	u->have = 1;
	u->ok = x->ok == 1;
	u->offset_ns = x->offset_ns;
	u->mono_ns = x->when_mono_ns;
	u->steps_at = e->steps_total;
	if (!u->ok)
		logf_(out, TG_LOG_WARN, "cross-check: upstream %s: %.150s",
		      e->c.upstream[x->index].host, x->err);
	else
		logf_(out, TG_LOG_DEBUG, "cross-check: upstream %s offset %+.6f s delay %.6f s",
		      e->c.upstream[x->index].host, (double)x->offset_ns / NS,
		      (double)x->delay_ns / NS);
	/* a locked clock judged at once; otherwise with the next GNSS sample */
	if (u->ok && e->gnss_offset_mono && e->state != TG_CLOCK_FAILED &&
	    xcheck_disagrees(e, x->when_mono_ns, e->gnss_offset_ns, out, 0)) {
		e->xcheck_refused = 1;
		restart_servo(e);
		set_state(e, TG_CLOCK_FAILED, out, "upstream NTS servers disagree with GNSS");
	}
}

void engine_adj_done(struct engine *e, const struct timed_msg_adj_done *d, int64_t now_mono,
		     struct engine_out *out)
{
	if (e->adj_pending > 0)
		e->adj_pending--;
	if (d->result != 0)
		logf_(out, TG_LOG_ERR, "the clock role could not adjust the clock (kind %u): error %d",
		      d->kind, -d->result);
	if (d->kind == TIMED_ADJ_STEP)
		e->hold_until_mono = now_mono + STEP_SETTLE_NS;
}

/* Leap second at the end of the current UTC day: the table, else the receiver. */
static int leap_today(const struct engine *e, int64_t now_real)
{
	int64_t utc_s = now_real / NS, day_end = (utc_s / 86400 + 1) * 86400;
	enum tg_leap kind = TG_LEAP_NONE;
	int64_t when = 0;

	if (e->leap_table && !tg_leap_expired(e->leap_table, utc_s) &&
	    tg_leap_pending(e->leap_table, utc_s, &kind, &when) == 1)
		return (int)kind;
	if (e->rx_leap_kind != TG_LEAP_NONE && e->rx_leap_when_s == day_end)
		return e->rx_leap_kind;
	return TG_LEAP_NONE;
}

void engine_tick(struct engine *e, int64_t now_mono, int64_t now_real, struct engine_out *out)
{
	struct tg_servo_est est;
	int synced, leap;

	/* signal lost: nothing accepted for a while */
	if ((e->state == TG_CLOCK_LOCKED || e->state == TG_CLOCK_LOCKING) &&
	    now_mono - e->last_accept_mono > LOSS_NS) {
		const char *why = e->refusing                                  ? "GNSS time refused"
				  : e->c.pps[0] && now_mono - e->last_pulse_mono > LOSS_NS ? "no PPS pulse for 3 s"
				  : now_mono - e->last_epoch_mono > LOSS_NS           ? "no NMEA time for 3 s"
									      : "no usable sample for 3 s";
		if (e->state == TG_CLOCK_LOCKED) {
			struct tg_servo_out so;

			/* keep the frequency, drop the phase term */
			if (tg_servo_holdover_start(&e->servo, now_mono, &so) == TG_SERVO_FREQ &&
			    e->c.steer) {
				struct timed_msg_adj a;

				memset(&a, 0, sizeof(a));
				a.kind = TIMED_ADJ_FREQ;
				a.freq_ppb = so.freq_ppb;
				add_adj(out, &a);
				e->adj_pending++;
				e->freq_ppb = so.freq_ppb;
			}
			set_state(e, TG_CLOCK_HOLDOVER, out, why);
		} else {
			set_state(e, TG_CLOCK_UNSYNC, out, why);
		}
	}
	if (e->state == TG_CLOCK_HOLDOVER) {
		tg_servo_holdover(&e->servo, now_mono, &est);
		e->error_bound_ns = est.error_bound_ns;
		e->jitter_ns = est.jitter_ns;
		if (est.error_bound_ns > e->c.holdover_max_ns) {
			if (e->refusing)
				set_state(e, TG_CLOCK_FAILED, out,
					  "holdover error bound exceeded holdover-max while GNSS is "
					  "refused: check the receiver and antenna, configure upstream "
					  "servers, or restart timed to follow GNSS again");
			else
				set_state(e, TG_CLOCK_UNSYNC, out,
					  "holdover error bound exceeded holdover-max");
			restart_servo(e);
		}
	} else {
		tg_servo_estimate(&e->servo, now_mono, &est);
		e->error_bound_ns = e->c.pps[0] ? est.error_bound_ns
						: est.error_bound_ns + NMEA_ONLY_BOUND_NS;
		e->jitter_ns = est.jitter_ns;
	}

	/* the kernel's view: synchronised (RTC sync, adjtimex readers) and the leap */
	leap = leap_today(e, now_real);
	e->leap_now = leap;
	synced = e->state == TG_CLOCK_LOCKED || e->state == TG_CLOCK_HOLDOVER;
	if (e->c.steer && (leap != e->leap_sent || synced != e->synced_sent ||
			   now_mono - e->status_sent_mono > 64 * NS)) {
		struct timed_msg_adj a;

		memset(&a, 0, sizeof(a));
		a.kind = TIMED_ADJ_STATUS;
		a.leap = (uint32_t)leap;
		a.synced = (uint32_t)synced;
		a.max_error_ns = synced ? (e->error_bound_ns < 16000000000LL ? e->error_bound_ns
									  : 16000000000LL)
					: 16000000000LL;
		if (leap != e->leap_sent && leap != TG_LEAP_NONE)
			logf_(out, TG_LOG_INFO, "leap second %s announced for the end of this UTC day",
			      leap == TG_LEAP_INSERT ? "insertion" : "deletion");
		add_adj(out, &a);
		e->adj_pending++;
		e->leap_sent = leap;
		e->synced_sent = synced;
		e->status_sent_mono = now_mono;
	}
}

void engine_status(const struct engine *e, int64_t now_real, int64_t now_mono,
		   struct tg_timestatus *st)
{
	struct tg_servo_est est;
	int64_t tai = 0;

	memset(st, 0, sizeof(*st));
	st->state = (uint8_t)e->state;
	st->leap = (uint8_t)e->leap_now;
	switch (e->state) {
	case TG_CLOCK_LOCKED:
	case TG_CLOCK_HOLDOVER:
		st->stratum = 1;
		break;
	default:
		st->stratum = 16;
		break;
	}
	memcpy(st->refid, e->refid, strlen(e->refid) < 4 ? strlen(e->refid) : 4);
	st->error_bound_ns = (uint64_t)(e->error_bound_ns > 0 ? e->error_bound_ns : 0);
	st->root_dispersion_ns = st->error_bound_ns;
	st->root_delay_ns = 0;
	st->offset_ns = e->last_offset_ns;
	st->jitter_ns = (uint64_t)(e->jitter_ns > 0 ? e->jitter_ns : 0);
	tg_servo_estimate(&e->servo, now_mono, &est);
	st->freq_ppb = e->c.steer ? e->freq_ppb : est.freq_ppb;
	st->updated_realtime_ns = now_real;
	st->updated_monotonic_ns = now_mono;
	if (e->leap_table)
		tai = tg_leap_tai_offset(e->leap_table, now_real / NS);
	if (!tai && e->rx_gps_utc_s)
		tai = e->rx_gps_utc_s + 19;
	st->tai_offset_s = (int32_t)tai;
}
