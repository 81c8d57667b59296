/*
 * servo.c - timed's clock servo (see servo.h for the loop and the model).
 *
 * Doubles inside, int64 at the interface: offsets of ns to tens of ms and
 * frequencies of ppb to 10 % are well within a double's 53 bits, and the
 * running sums are rebased so they stay small.
 *
 * Bookkeeping that makes the loop exact under big slews.  The kernel's
 * correction a scales the oscillator's rate: the clock runs at
 * (1 + y)(1 + a) against true time (y the oscillator's own error).  Over
 * a monotonic interval dm with a constant, true time advances
 * dm / ((1 + y)(1 + a)) and the part of the offset change due to a is
 * dm * a / (1 + a) - independent of y.  So A (phase our corrections
 * removed) and R (reference time elapsed) are integrated piecewise as the
 * corrections take effect, and u = offset + A changes only by the
 * oscillator: its slope over R is the frequency correction needed.  With
 * 8 % slews the naive dm * a would be 7 % wrong (3.5 ms of a 50 ms slew).
 *
 * Constants (checked by the simulation, tests/tools/servosim.c, on a
 * 300 ns PPS; docs/PERFORMANCE.md has the figures):
 *   TAU_FLL = tc_min (2 s): the P-only slew removes half the offset per
 *     1 s sample, 50 ms -> 10 us in 12 s; a gain of 1 per sample would be
 *     marginal with the latency of a real sample.
 *   N_FLL 8: slope standard error 300 ns * sqrt(12 / (8^3 - 8)) = 46 ppb,
 *     which the PI loop at tau 2 absorbs in a few seconds.
 *   ki = 1 / (4 tau^2): critically damped; discrete poles at tau = 2,
 *     dt = 1 s are 0.85 and 0.59 (tau = 1 would put one on the unit circle,
 *     hence tau >= 2 dt always).
 *   tau doubles after 4 tau good samples (settled at the current tau) up
 *     to 64 s: the error's noise part falls as 1 / sqrt(tau) (~50 ns RMS
 *     at 16 s on 300 ns jitter), while a 0.5 ppm temperature step is
 *     seen within ~4 s by the trend test and tau halves each sample.
 *   outliers: 6 jitter (1e-9 for gaussian noise); 3 in a row are real.
 *   bound: 3 jitter on top of the offsets, plus the reference's accuracy.
 */
#include "servo.h"

#include <math.h>
#include <string.h>

#include "timed.h"

#define NS_PER_S 1e9
#define N_FLL 8           /* samples before the PLL may start */
#define N_FLL_MAX 32      /* regression restarted (old result as prior) after this */
#define N_LOCK 8
#define K_OUT 6.0         /* outlier: |residual| > K_OUT * jitter */
#define N_OUT_REAL 3      /* that many in a row: a real change */
#define K_TREND 2.0       /* |filtered offset| > K_TREND * jitter: shorten tau */
#define K_GOOD 3.0        /* |offset| < K_GOOD * jitter counts towards a longer tau */
#define K_BOUND 3.0
#define JITTER_DEFAULT 1000.0 /* ns, before there is anything to estimate it from */
#define FREQ_UNKNOWN_PPB 500000.0 /* prior uncertainty at start: 500 ppm */
#define FILT_GAIN 0.25
#define PRIOR_DOF 2.0     /* weight of the jitter guess in the FLL's estimate */

static double clampd(double v, double lim)
{
	return v > lim ? lim : v < -lim ? -lim : v;
}

static int64_t to_i64(double v)
{
	if (v != v)
		return 0;
	v = clampd(v, 9.0e18);
	return (int64_t)llround(v);
}

void tg_servo_cfg_defaults(struct tg_servo_cfg *c)
{
	memset(c, 0, sizeof(*c));
	/* 1 ms: beyond it a slew at start would still be quick (12 ms at 8 %),
	 * but nothing is served yet, so a step costs nothing and is exact */
	c->start_step_ns = 1000000;
	c->step_limit_ns = 0;
	c->max_slew_ppb = 83333333;
	c->tc_min_s = 2;
	c->tc_max_s = 32;
	c->ref_accuracy_ns = 50;
	c->drift_ppb = 1000;
	c->ageing_ppb_s = 0;
	c->lock_jitter_ns = 50000;
}

static double jitter(const struct tg_servo *s)
{
	double j = s->n_jit ? sqrt(s->jit2) : JITTER_DEFAULT;

	return j > s->sigma ? j : s->sigma;
}

static int tc_min(const struct tg_servo *s)
{
	return s->c.tc_min_s >= 1 ? s->c.tc_min_s : 1;
}

static int tc_max(const struct tg_servo *s)
{
	return s->c.tc_max_s >= tc_min(s) ? s->c.tc_max_s : tc_min(s);
}

void tg_servo_init(struct tg_servo *s, const struct tg_servo_cfg *c, int64_t freq_ppb_now)
{
	memset(s, 0, sizeof(*s));
	s->c = *c;
	if (s->c.max_slew_ppb <= 0 || s->c.max_slew_ppb > TIMED_ADJ_FREQ_MAX_PPB)
		s->c.max_slew_ppb = TIMED_ADJ_FREQ_MAX_PPB;
	s->mode = TG_SERVO_START;
	s->a_cur = clampd((double)freq_ppb_now, (double)TIMED_ADJ_FREQ_MAX_PPB);
	s->freq = s->a_cur;
	s->freq_unc = FREQ_UNKNOWN_PPB;
	s->prior_f = s->a_cur;
	s->prior_v = FREQ_UNKNOWN_PPB * FREQ_UNKNOWN_PPB;
	s->tau = tc_min(s);
	s->bound0 = (double)TG_SERVO_BOUND_MAX;
}

/* Integrate A and R up to monotonic time t with the correction in effect. */
static void advance(struct tg_servo *s, int64_t t)
{
	double dm, a, y1;

	if (t <= s->t_mark)
		return;
	dm = (double)(t - s->t_mark);
	a = s->a_cur / NS_PER_S;
	y1 = 1.0 - s->freq / NS_PER_S; /* 1 + y, y = -freq */
	if (y1 < 0.5)
		y1 = 0.5;
	s->A += dm * a / (1.0 + a);
	s->R += dm / ((1.0 + a) * y1);
	s->t_mark = t;
}

/* The correction takes effect at t_apply. */
static void apply(struct tg_servo *s, int64_t t_apply, double freq)
{
	advance(s, t_apply);
	s->a_cur = freq;
}

static void fll_reset(struct tg_servo *s, double prior_f, double prior_v)
{
	s->mode = TG_SERVO_FLL;
	s->n_fll = 0;
	s->st = s->su = s->stt = s->stu = s->suu = 0;
	s->prior_f = prior_f;
	s->prior_v = prior_v > 1e-6 ? prior_v : 1e-6;
	s->tau = tc_min(s);
	s->n_good = s->n_lock = s->consec_out = 0;
	/* rebase: the regression is relative to its first sample anyway */
	s->A -= s->A_last;
	s->R -= s->R_last;
	s->A_last = s->R_last = 0;
}

static double bound_at(const struct tg_servo *s, double x_now)
{
	double ax = fabs(s->x_filt) > fabs(x_now) ? fabs(s->x_filt) : fabs(x_now);

	return ax + K_BOUND * jitter(s) + (double)s->c.ref_accuracy_ns;
}

static void fill_est(const struct tg_servo *s, int64_t t_ns, struct tg_servo_est *e)
{
	double dt, b;

	memset(e, 0, sizeof(*e));
	e->mode = s->mode;
	e->locked = tg_servo_locked(s);
	e->offset_ns = to_i64(s->x_filt);
	e->jitter_ns = to_i64(jitter(s));
	e->freq_ppb = to_i64(s->freq);
	e->freq_unc_ppb = to_i64(s->freq_unc);
	e->tc_s = (int64_t)s->tau;
	e->samples = s->samples;
	e->outliers = s->outliers;
	e->steps = s->steps;
	if (!s->have_last) {
		e->error_bound_ns = TG_SERVO_BOUND_MAX;
		return;
	}
	dt = t_ns > s->t_last ? (double)(t_ns - s->t_last) / NS_PER_S : 0;
	b = s->bound0 + (s->freq_unc + (double)s->c.drift_ppb) * dt +
	    0.5 * (double)s->c.ageing_ppb_s * dt * dt;
	e->error_bound_ns = b < (double)TG_SERVO_BOUND_MAX ? to_i64(b) : TG_SERVO_BOUND_MAX;
}

/* Note the sample as the last accepted one (A and R as of its time). */
static void accept(struct tg_servo *s, int64_t t, double x)
{
	s->have_last = 1;
	s->t_last = t;
	s->x_last = x;
	s->A_last = s->A;
	s->R_last = s->R;
	s->samples++;
}

static int do_step(struct tg_servo *s, const struct tg_servo_meas *m, double x,
		   struct tg_servo_out *out)
{
	double a_before = s->A;

	/* the part of the offset our own correction removes before the step
	 * takes effect is known; the oscillator's part is what the FLL is for */
	advance(s, m->apply_ns);
	out->step_ns = to_i64(x - (s->A - a_before));
	if (out->step_ns == 0)
		out->step_ns = x < 0 ? -1 : 1;
	s->steps++;
	s->x_filt = 0;
	accept(s, m->t_ns, 0);
	/* after the step: the measurement's noise, and what the frequency we
	 * do not know yet did until the step took effect */
	s->bound0 = K_BOUND * jitter(s) + (double)s->c.ref_accuracy_ns +
		    s->freq_unc * (double)(m->apply_ns - m->t_ns) / NS_PER_S;
	/* the loop restarts: offsets before the step mean nothing now */
	fll_reset(s, s->freq, s->freq_unc * s->freq_unc);
	s->a_cur = s->freq;
	out->freq_ppb = to_i64(s->freq);
	out->action = TG_SERVO_STEP;
	return TG_SERVO_STEP;
}

static double total_freq(const struct tg_servo *s, double phase)
{
	phase = clampd(phase, (double)s->c.max_slew_ppb);
	return clampd(s->freq + phase, (double)TIMED_ADJ_FREQ_MAX_PPB);
}

static int fll_sample(struct tg_servo *s, const struct tg_servo_meas *m, double x,
		      struct tg_servo_out *out)
{
	double u = x + s->A, r, du, n, sxx, sxy, f_r, v_r, sig, w, phase, ssr, dt;
	double j = jitter(s);

	if (s->n_fll == 0) {
		s->r0 = s->R;
		s->u0 = u;
	}
	r = (s->R - s->r0) / NS_PER_S;
	du = u - s->u0;
	s->n_fll++;
	s->st += r;
	s->su += du;
	s->stt += r * r;
	s->stu += r * du;
	s->suu += du * du;
	n = s->n_fll;
	dt = s->have_last ? (s->R - s->R_last) / NS_PER_S : 1.0;
	if (s->n_fll >= 2) {
		sxx = s->stt - s->st * s->st / n;
		sxy = s->stu - s->st * s->su / n;
		f_r = sxx > 0 ? sxy / sxx : 0;
		sig = s->sigma > 0 ? s->sigma : JITTER_DEFAULT;
		if (s->n_fll >= 4 && sxx > 0) {
			ssr = s->suu - s->su * s->su / n - f_r * sxy;
			if (ssr < 0)
				ssr = 0;
			/* a few residuals say little (4 samples gave 32 ns on a 300 ns
			 * PPS): pool them with the prior guess as PRIOR_DOF samples */
			sig = sqrt((ssr + PRIOR_DOF * sig * sig) / (n - 2 + PRIOR_DOF));
			if (sig < s->sigma)
				sig = s->sigma;
			s->jit2 = sig * sig;
			s->n_jit = 1;
		}
		v_r = sxx > 0 ? sig * sig / sxx : 1e30;
		w = 1.0 / s->prior_v + 1.0 / v_r;
		s->freq = (s->prior_f / s->prior_v + f_r / v_r) / w;
		s->freq_unc = sqrt(1.0 / w);
		s->freq = clampd(s->freq, (double)TIMED_ADJ_FREQ_MAX_PPB);
		/* filtered offset: the regression line at this sample, less A */
		s->x_filt = s->su / n + f_r * (r - s->st / n) - s->A + s->u0;
	} else {
		s->x_filt = x;
	}
	j = jitter(s);
	accept(s, m->t_ns, x);
	s->bound0 = bound_at(s, x);

	if (s->n_fll >= N_FLL && fabs(x) < 3 * j) {
		/* into the PI loop: A and R restart at this sample */
		s->mode = TG_SERVO_PLL;
		s->tau = tc_min(s);
		s->n_good = s->n_lock = s->consec_out = 0;
		s->A -= s->A_last;
		s->R -= s->R_last;
		s->A_last = s->R_last = 0;
		s->x_filt = x;
		/* the PLL's jitter comes from its own residuals, the regression's
		 * (which also holds whatever the FLL's model missed) counting as
		 * PRIOR_DOF of them, so a few lucky residuals cannot shrink it */
		s->n_jit = (int)PRIOR_DOF;
	} else if (s->n_fll >= N_FLL_MAX) {
		fll_reset(s, s->freq, s->freq_unc * s->freq_unc);
	}
	/* P only: slew the offset away within the FLL's time constant */
	phase = x / fmax((double)tc_min(s), 2 * dt);
	out->freq_ppb = to_i64(total_freq(s, phase));
	apply(s, m->apply_ns, (double)out->freq_ppb);
	out->action = TG_SERVO_FREQ;
	return TG_SERVO_FREQ;
}

static int pll_sample(struct tg_servo *s, const struct tg_servo_meas *m, double x,
		      struct tg_servo_out *out)
{
	double u = x + s->A - s->A_last; /* u of the last sample is x_last */
	double dt = (s->R - s->R_last) / NS_PER_S, res, pred, j = jitter(s), taue, phase;
	int real = 0;

	if (dt <= 0)
		dt = (double)(m->t_ns - s->t_last) / NS_PER_S;
	res = u - (s->x_last + s->freq * dt);
	if (s->n_jit >= N_LOCK && fabs(res) > K_OUT * j) {
		if (++s->consec_out < N_OUT_REAL) {
			s->outliers++;
			out->action = TG_SERVO_NONE;
			return TG_SERVO_NONE;
		}
		/* persistent: a real change of phase or frequency, not noise
		 * (so it stays out of the jitter) */
		s->tau = tc_min(s);
		s->n_good = 0;
		real = 1;
	}
	s->consec_out = 0;
	if (s->c.step_limit_ns > 0 && fabs(x) > (double)s->c.step_limit_ns)
		return do_step(s, m, x, out);
	if (fabs(x) > fmax(64 * j, 50000.0)) {
		/* far off: re-acquire with the FLL (P-only slew, no wind-up) */
		fll_reset(s, s->freq, s->freq_unc * s->freq_unc + 1e6);
		return fll_sample(s, m, x, out);
	}
	if (!real) {
		s->n_jit++;
		s->jit2 += (res * res / 2 - s->jit2) / (s->n_jit < 16 ? s->n_jit : 16);
		j = jitter(s);
	}
	pred = s->x_filt + (s->A_last - s->A) + s->freq * dt;
	s->x_filt = pred + FILT_GAIN * (x - pred);

	/* time constant: shorten on a trend, lengthen while quiet */
	if (fabs(s->x_filt) > K_TREND * j) {
		if (s->tau > tc_min(s))
			s->tau = fmax(s->tau / 2, tc_min(s));
		s->n_good = 0;
	} else if (fabs(x) < K_GOOD * j) {
		if (++s->n_good >= 4 * s->tau && s->tau < tc_max(s)) {
			s->tau = fmin(s->tau * 2, tc_max(s));
			s->n_good = 0;
		}
	} else {
		s->n_good = 0;
	}
	taue = fmax(s->tau, 2 * dt);

	if (fabs(s->x_filt) < 3 * j && j < (double)s->c.lock_jitter_ns)
		s->n_lock++;
	else
		s->n_lock = 0;

	phase = x / taue;
	if (fabs(phase) < (double)s->c.max_slew_ppb) /* no integration while saturated */
		s->freq = clampd(s->freq + x * dt / (4 * taue * taue), (double)TIMED_ADJ_FREQ_MAX_PPB);
	s->freq_unc = (fmax(fabs(s->x_filt), fabs(x)) + j) / taue;

	accept(s, m->t_ns, x);
	s->bound0 = bound_at(s, x);
	/* rebase at every PLL sample so the sums stay small */
	s->A -= s->A_last;
	s->R -= s->R_last;
	s->A_last = s->R_last = 0;

	out->freq_ppb = to_i64(total_freq(s, phase));
	apply(s, m->apply_ns, (double)out->freq_ppb);
	out->action = TG_SERVO_FREQ;
	return TG_SERVO_FREQ;
}

int tg_servo_sample_ex(struct tg_servo *s, const struct tg_servo_meas *m0, struct tg_servo_out *out)
{
	struct tg_servo_meas m = *m0;
	double x;
	int r;

	memset(out, 0, sizeof(*out));
	if ((s->have_t && m.t_ns <= s->last_t) || m.offset_ns > TIMED_ADJ_STEP_MAX_NS ||
	    m.offset_ns < -TIMED_ADJ_STEP_MAX_NS || s->observe) {
		fill_est(s, m.t_ns > s->t_last ? m.t_ns : s->t_last, &out->est);
		return -1;
	}
	if (m.apply_ns < m.t_ns)
		m.apply_ns = m.t_ns;
	x = (double)m.offset_ns;
	s->sigma = m.sigma_ns > 0 ? (double)m.sigma_ns : 0;
	if (!s->have_t)
		s->t_mark = m.t_ns;
	s->have_t = 1;
	s->last_t = m.t_ns;
	advance(s, m.t_ns);

	switch (s->mode) {
	case TG_SERVO_START:
		if (s->c.start_step_ns > 0 && fabs(x) > (double)s->c.start_step_ns) {
			r = do_step(s, &m, x, out);
			break;
		}
		fll_reset(s, s->prior_f, s->prior_v);
		r = fll_sample(s, &m, x, out);
		break;
	case TG_SERVO_HOLDOVER:
		/* the estimate from before, as uncertain as holdover made it */
		fll_reset(s, s->freq, (s->freq_unc + (double)s->c.drift_ppb) *
					      (s->freq_unc + (double)s->c.drift_ppb));
		/* fall through */
	default:
		if (s->mode == TG_SERVO_PLL) {
			/* a far sample may be an outlier: pll_sample decides */
			r = pll_sample(s, &m, x, out);
			break;
		}
		if (s->c.step_limit_ns > 0 && fabs(x) > (double)s->c.step_limit_ns) {
			r = do_step(s, &m, x, out);
			break;
		}
		r = fll_sample(s, &m, x, out);
		break;
	}
	fill_est(s, m.t_ns, &out->est);
	return r;
}

int tg_servo_sample(struct tg_servo *s, int64_t t_ns, int64_t offset_ns, struct tg_servo_out *out)
{
	struct tg_servo_meas m = {t_ns, offset_ns, 0, t_ns};

	return tg_servo_sample_ex(s, &m, out);
}

/*
 * Observe: an alpha-beta tracker on the raw offsets, with least-squares
 * gains for the first samples (2(2n-1)/(n(n+1)), 6/(n(n+1))) down to
 * alpha 1/16 and its critically damped beta.
 */
void tg_servo_observe(struct tg_servo *s, int64_t t_ns, int64_t offset_ns)
{
	double x = (double)offset_ns, dt, pred, res, n, al, be, amin = 1.0 / 16, j;

	if (s->have_t && t_ns <= s->last_t)
		return;
	s->observe = 1;
	s->mode = TG_SERVO_OBSERVE;
	s->have_t = 1;
	s->last_t = t_ns;
	if (!s->have_last) {
		s->x_filt = x;
		s->freq = 0;
		s->freq_unc = FREQ_UNKNOWN_PPB;
		s->n_fll = 1;
		s->jit2 = JITTER_DEFAULT * JITTER_DEFAULT; /* as PRIOR_DOF residuals */
		s->n_jit = (int)PRIOR_DOF;
		accept(s, t_ns, x);
		s->bound0 = bound_at(s, x);
		return;
	}
	dt = (double)(t_ns - s->t_last) / NS_PER_S;
	pred = s->x_filt + s->freq * dt;
	res = x - pred;
	j = jitter(s);
	if (s->n_jit >= N_LOCK && fabs(res) > K_OUT * j && ++s->consec_out < N_OUT_REAL) {
		s->outliers++;
		return;
	}
	s->consec_out = 0;
	n = ++s->n_fll;
	al = fmax(2 * (2 * n - 1) / (n * (n + 1)), amin);
	be = fmax(6 / (n * (n + 1)), amin * amin / (2 - amin));
	s->x_filt = pred + al * res;
	s->freq += be * res / dt;
	s->n_jit++;
	s->jit2 += (res * res / 2 - s->jit2) / (s->n_jit < 16 ? s->n_jit : 16);
	j = jitter(s);
	/* the slope's standard error over the filter's memory (~32 samples) */
	s->freq_unc = n >= 3 ? j / dt * sqrt(12.0 / pow(fmin(n, 32), 3)) : FREQ_UNKNOWN_PPB;
	if (fabs(s->x_filt) < 3 * j && j < (double)s->c.lock_jitter_ns)
		s->n_lock++;
	else
		s->n_lock = 0;
	accept(s, t_ns, x);
	s->bound0 = bound_at(s, x);
}

int tg_servo_locked(const struct tg_servo *s)
{
	return (s->mode == TG_SERVO_PLL || s->mode == TG_SERVO_OBSERVE) && s->n_lock >= N_LOCK;
}

void tg_servo_estimate(const struct tg_servo *s, int64_t t_ns, struct tg_servo_est *est)
{
	fill_est(s, t_ns, est);
}

int tg_servo_holdover_start(struct tg_servo *s, int64_t t_ns, struct tg_servo_out *out)
{
	if (out)
		memset(out, 0, sizeof(*out));
	if (s->mode == TG_SERVO_HOLDOVER || !s->have_last || s->observe) {
		if (out)
			fill_est(s, t_ns, &out->est);
		return TG_SERVO_NONE;
	}
	s->mode = TG_SERVO_HOLDOVER;
	s->t_hold = t_ns;
	s->n_lock = 0;
	if (out) {
		apply(s, t_ns > s->t_mark ? t_ns : s->t_mark, s->freq);
		out->action = TG_SERVO_FREQ;
		out->freq_ppb = to_i64(clampd(s->freq, (double)TIMED_ADJ_FREQ_MAX_PPB));
		fill_est(s, t_ns, &out->est);
		return TG_SERVO_FREQ;
	}
	return TG_SERVO_NONE;
}

void tg_servo_holdover(const struct tg_servo *s, int64_t t_ns, struct tg_servo_est *est)
{
	fill_est(s, t_ns, est);
}
