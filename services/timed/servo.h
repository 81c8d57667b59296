/*
 * servo.h - timed's clock servo, pure: from measured offsets of the system
 * clock against the reference (GNSS/PPS), what to do to the clock.
 *
 * No I/O, no clock reads, no globals: all state is in struct tg_servo, and
 * every time is a CLOCK_MONOTONIC value (ns) the caller passes in, so the
 * whole loop runs in unit tests and in a simulation (tests/tools/servosim.c)
 * on made-up time.
 *
 * Conventions
 *   offset_ns = reference - system clock (positive: the clock is behind).
 *   freq_ppb  = the clock's total frequency correction, positive = the clock
 *               runs faster; it is what TIMED_ADJ_FREQ sets (tick + freq),
 *               |freq_ppb| <= TIMED_ADJ_FREQ_MAX_PPB always.
 *   step_ns   = what to add to the system clock (TIMED_ADJ_STEP, i.e.
 *               ADJ_SETOFFSET): the offset itself, so afterwards it is ~0.
 * The servo assumes each output it returns is carried out by the caller at
 * the time it says (apply_ns, or the sample's time): it keeps account of
 * the phase its own corrections remove, so it must know what is in effect.
 *
 * The loop (servo.c explains the constants):
 *   start   the first sample steps the clock when |offset| > start_step_ns
 *           (0: never), then
 *   FLL     the frequency is estimated by least squares over the samples'
 *           "uncorrected" phase (offset + the phase our corrections removed),
 *           combined with the prior (freq at init, or the estimate before a
 *           holdover) by inverse variance; meanwhile the offset is slewed
 *           away proportionally (P only: no integral wind-up on a 50 ms
 *           offset).  Once 8 samples are in and |offset| is small:
 *   PLL     PI (type-2) loop: total = freq estimate + offset / tau, the
 *           estimate integrating offset * dt / (4 tau^2) (critically damped).
 *           tau adapts: it starts at tc_min_s and doubles after 4 tau
 *           samples within 3 jitter, up to tc_max_s; it halves whenever the
 *           filtered offset leaves 2 jitter (a temperature step is a trend
 *           in the offsets).  A sample beyond 6 jitter is dropped as an
 *           outlier, unless it is the third such in a row (a real change:
 *           tau goes back to tc_min_s).  |offset| beyond
 *           max(64 jitter, 50 us) goes back to FLL; beyond step_limit_ns
 *           (0: never) steps.
 *   slews   the phase term is limited to +-max_slew_ppb (chrony's
 *           maxslewrate, 83333 ppm by default), the total to
 *           +-TIMED_ADJ_FREQ_MAX_PPB.
 *
 * Estimates (struct tg_servo_est) after each sample:
 *   offset   filtered offset (alpha filter on the loop's own prediction);
 *   jitter   per-sample noise: RMS of the prediction residual / sqrt(2)
 *            (the residual is the difference of two noisy samples), never
 *            below the caller's sigma_ns; in FLL the regression's residual;
 *   freq, freq_unc  the frequency estimate (without the phase term) and its
 *            uncertainty: in FLL the regression's standard error, in PLL
 *            (|filtered offset| + jitter) / tau, i.e. the phase term and the
 *            noise the integral may still hold;
 *   error bound at the sample:
 *            bound0 = max(|filtered offset|, |last offset|) + 3 jitter
 *                     + ref_accuracy_ns,
 *            and at any later time t (between samples and in holdover):
 *            bound(t) = bound0 + (freq_unc + drift_ppb) * dt
 *                       + ageing_ppb_s * dt^2 / 2,   dt = t - last sample (s).
 *
 * Holdover: tg_servo_holdover_start() returns the frequency to keep (the
 * estimate, without the phase term); the bound then grows by the formula
 * above.  The next sample restarts the FLL with the old estimate as prior.
 */
#ifndef TIMED_SERVO_H
#define TIMED_SERVO_H

#include <stdint.h>

enum tg_servo_action {
	TG_SERVO_NONE = 0, /* nothing to do (sample dropped, or nothing changed) */
	TG_SERVO_FREQ = 1, /* set the frequency correction to freq_ppb */
	TG_SERVO_STEP = 2, /* add step_ns to the clock, then set freq_ppb */
};

enum tg_servo_mode {
	TG_SERVO_START = 0,    /* no sample yet */
	TG_SERVO_FLL = 1,      /* estimating the frequency, slewing the offset */
	TG_SERVO_PLL = 2,      /* PI loop */
	TG_SERVO_HOLDOVER = 3, /* no samples: last frequency kept */
	TG_SERVO_OBSERVE = 4,  /* measuring only (tg_servo_observe) */
};

/* An error bound the servo cannot give (no sample yet), and the cap. */
#define TG_SERVO_BOUND_MAX 1000000000000000000LL /* 1e18 ns, ~31 years */

struct tg_servo_cfg {
	int64_t start_step_ns;  /* first sample: step when |offset| > this; 0: never (default 1 ms) */
	int64_t step_limit_ns;  /* later: step when |offset| > this; 0: never (default) */
	int64_t max_slew_ppb;   /* |phase term| limit (default 83333333 = 83333 ppm) */
	int tc_min_s;           /* PI time constant range, seconds (default 2 .. 32) */
	int tc_max_s;
	int64_t ref_accuracy_ns; /* reference's own error (default 50: a timing receiver's PPS) */
	int64_t drift_ppb;      /* frequency error to allow for beyond freq_unc, between
				   samples and in holdover (default 1000: an uncompensated
				   crystal over a few degC) */
	int64_t ageing_ppb_s;   /* frequency ageing, ppb per second (default 0) */
	int64_t lock_jitter_ns; /* locked needs jitter below this (default 50 us) */
};

/* What one measurement is. */
struct tg_servo_meas {
	int64_t t_ns;      /* CLOCK_MONOTONIC time of the measurement */
	int64_t offset_ns; /* reference - system clock at t_ns */
	int64_t sigma_ns;  /* its noise if known (e.g. the PPS jitter estimate), else 0 */
	int64_t apply_ns;  /* monotonic time the output takes effect (<= t_ns: at t_ns) */
};

struct tg_servo_est {
	int mode;               /* enum tg_servo_mode */
	int locked;             /* tg_servo_locked() */
	int64_t offset_ns;      /* filtered offset at the last sample */
	int64_t jitter_ns;
	int64_t freq_ppb;       /* frequency estimate (observe: correction the clock lacks) */
	int64_t freq_unc_ppb;
	int64_t error_bound_ns; /* at the time asked; TG_SERVO_BOUND_MAX when unknown */
	int64_t tc_s;           /* current time constant */
	uint64_t samples;       /* accepted */
	uint64_t outliers;      /* dropped */
	uint64_t steps;
};

struct tg_servo_out {
	int action;        /* enum tg_servo_action */
	int64_t freq_ppb;  /* FREQ and STEP: total frequency correction to set */
	int64_t step_ns;   /* STEP: add this to the clock */
	struct tg_servo_est est; /* estimates after this sample, at its time */
};

/* All state; the caller owns it.  Fields are private to servo.c. */
struct tg_servo {
	struct tg_servo_cfg c;
	int mode;
	int observe;
	/* the correction in effect and what it has done since the reference point */
	int64_t t_mark;     /* A and R are integrated up to here */
	double a_cur;       /* ppb in effect since t_mark */
	double A;           /* ns of phase our corrections removed */
	double R;           /* ns of reference time elapsed */
	/* FLL: least squares of u = x + A over reference time R (relative to first) */
	int n_fll;
	double r0, u0, st, su, stt, stu, suu;
	double prior_f, prior_v; /* ppb, ppb^2 */
	/* the last accepted sample */
	int have_last;
	int64_t t_last;
	double x_last, A_last, R_last;
	double x_filt;
	double freq;        /* frequency estimate, ppb */
	double freq_unc;
	double tau;         /* s */
	double jit2;        /* ns^2, per-sample noise */
	int n_jit;
	double sigma;       /* caller's sigma of the last sample */
	double bound0;
	int n_good, n_lock, consec_out;
	uint64_t samples, outliers, steps;
	int64_t t_hold;
	int64_t last_t;     /* last sample seen (accepted or not) */
	int have_t;
};

void tg_servo_cfg_defaults(struct tg_servo_cfg *c);
/* freq_ppb_now: the clock's frequency correction now (from adjtimex). */
void tg_servo_init(struct tg_servo *s, const struct tg_servo_cfg *c, int64_t freq_ppb_now);
/*
 * One measurement.  Returns the action (also in out->action), or -1 when
 * the input is unusable (t_ns not after the previous sample's, |offset|
 * beyond TIMED_ADJ_STEP_MAX_NS): then out->action is TG_SERVO_NONE and the
 * state is unchanged.
 */
int tg_servo_sample_ex(struct tg_servo *s, const struct tg_servo_meas *m, struct tg_servo_out *out);
/* The same with sigma unknown and the output applied at t_ns. */
int tg_servo_sample(struct tg_servo *s, int64_t t_ns, int64_t offset_ns, struct tg_servo_out *out);
/*
 * Measure only (someone else steers the clock): offset, jitter, the
 * frequency error and the bound are estimated, nothing is asked of the
 * clock.  Do not mix with tg_servo_sample on the same state.
 */
void tg_servo_observe(struct tg_servo *s, int64_t t_ns, int64_t offset_ns);
/* Converged: in PLL, |filtered offset| < 3 jitter and jitter < lock_jitter_ns for 8 samples. */
int tg_servo_locked(const struct tg_servo *s);
/* Estimates at t_ns (>= the last sample's time; bound grows as in the header comment). */
void tg_servo_estimate(const struct tg_servo *s, int64_t t_ns, struct tg_servo_est *est);
/*
 * Samples stopped: keep the frequency estimate (drop the phase term).
 * Returns TG_SERVO_FREQ with out->freq_ppb to set (out may be NULL when the
 * caller cannot act on it: the bound then still holds, as freq_unc covers
 * the phase term), or TG_SERVO_NONE if already in holdover or no sample yet.
 */
int tg_servo_holdover_start(struct tg_servo *s, int64_t t_ns, struct tg_servo_out *out);
/* Estimates in holdover at t_ns: the same as tg_servo_estimate. */
void tg_servo_holdover(const struct tg_servo *s, int64_t t_ns, struct tg_servo_est *est);

#endif
