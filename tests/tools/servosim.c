/*
 * servosim.c - the simulation behind tg-servosim and test_servo (model in
 * servosim.h).  Deterministic: xorshift64* from the seed, Box-Muller for
 * gaussians; no clocks read.
 */
#include "servosim.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NS 1e9

struct rng {
	uint64_t s;
};

static uint64_t rnd(struct rng *r)
{
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * 0x2545f4914f6cdd1dull;
}

static double unif(struct rng *r) /* (0, 1) */
{
	return ((double)(rnd(r) >> 11) + 0.5) / 9007199254740992.0;
}

static double gauss(struct rng *r)
{
	double u1 = unif(r), u2 = unif(r);

	return sqrt(-2 * log(u1)) * cos(6.283185307179586 * u2);
}

double servosim_kernel_freq(double f)
{
	double tick, rest, fs;

	tick = llround(f / 1e5); /* us per jiffy beyond 10000: 100 ppm each */
	if (tick > 1000)
		tick = 1000;
	if (tick < -1000)
		tick = -1000;
	rest = f - tick * 1e5;
	fs = llround(rest * 65536 / 1000); /* 2^-16 ppm */
	if (fs > 500 * 65536.0)
		fs = 500 * 65536.0;
	if (fs < -500 * 65536.0)
		fs = -500 * 65536.0;
	return tick * 1e5 + fs * 1000 / 65536;
}

static const struct {
	const char *name, *what;
} scenarios[] = {
    {"a", "start 50 ms off, 30 ppm, step at start; 10 min"},
    {"b", "start 50 ms off, 30 ppm, slew only (no step); 10 min"},
    {"c", "locked 10 min, then a 0.5 ppm temperature step; 10 min more"},
    {"d", "1 h locked with frequency wander (0.3 ppb/sqrt(s)), outliers"},
    {"e", "locked 20 min, then 1 h holdover with wander and a 0.2 ppm temperature step"},
};

const char *servosim_describe(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++)
		if (strcmp(name, scenarios[i].name) == 0)
			return scenarios[i].what;
	return NULL;
}

int servosim_scenario(const char *name, uint64_t seed, struct servosim_cfg *c)
{
	memset(c, 0, sizeof(*c));
	tg_servo_cfg_defaults(&c->servo);
	c->seed = seed;
	c->duration_s = 600;
	c->x0_ns = 50e6;
	c->y0_ppb = 30000;
	c->wander_ppb = 0.1;
	c->jitter_ns = 300;
	c->outlier_prob = 0.002;
	c->outlier_ns = 50000;
	c->latency_ms = 20;
	c->tell_latency = 1;
	c->tell_sigma = 0;
	if (strcmp(name, "a") == 0)
		return 0;
	if (strcmp(name, "b") == 0) {
		c->servo.start_step_ns = 0;
		return 0;
	}
	if (strcmp(name, "c") == 0) {
		c->duration_s = 1200;
		c->settle_end_s = 600;
		c->temp_step_at_s = 600;
		c->temp_step_ppb = 500;
		return 0;
	}
	if (strcmp(name, "d") == 0) {
		c->duration_s = 3600;
		c->wander_ppb = 0.3;
		return 0;
	}
	if (strcmp(name, "e") == 0) {
		c->duration_s = 1200 + 3600;
		c->settle_end_s = 1200;
		c->holdover_at_s = 1200;
		c->holdover_s = 3600;
		c->temp_step_at_s = 1200 + 600;
		c->temp_step_ppb = 200;
		return 0;
	}
	return -1;
}

struct clk {
	double e;  /* true error, ns: true time - system clock */
	double m;  /* monotonic, ns */
	double y;  /* oscillator, fraction */
	double a;  /* kernel correction in effect, fraction */
};

static void run_for(struct clk *k, double dt_s)
{
	double rate = (1 + k->y) * (1 + k->a);

	k->e -= dt_s * NS * (rate - 1);
	k->m += dt_s * NS * rate;
}

static int64_t mono(const struct clk *k)
{
	return (int64_t)llround(k->m);
}

int servosim_run(const struct servosim_cfg *c, struct servosim_result *r)
{
	struct tg_servo s;
	struct tg_servo_out out;
	struct tg_servo_est est;
	struct tg_servo_meas meas;
	struct rng g = {c->seed ? c->seed : 1};
	struct clk k;
	double *err, lat = c->latency_ms / 1e3, x, bound, abs_e, sum2 = 0;
	int t, n = 0, end, last_bad = -1, last_bad_after = -1, holding = 0, in_hold;

	memset(r, 0, sizeof(*r));
	if (c->duration_s <= 0 || lat < 0 || lat >= 1)
		return -1;
	err = calloc((size_t)c->duration_s, sizeof(*err));
	if (!err)
		return -1;
	end = c->settle_end_s > 0 && c->settle_end_s < c->duration_s ? c->settle_end_s
								   : c->duration_s;
	r->min_margin_ns = 1e300;
	r->locked_s = -1;
	k.e = c->x0_ns;
	k.m = 1000 * NS;
	k.y = c->y0_ppb / NS;
	k.a = servosim_kernel_freq((double)c->freq_now_ppb) / NS;
	tg_servo_init(&s, &c->servo, c->freq_now_ppb);
	for (t = 0; t < c->duration_s; t++) {
		if (c->temp_step_ppb != 0 && t == c->temp_step_at_s)
			k.y += c->temp_step_ppb / NS;
		err[t] = k.e;
		in_hold = c->holdover_s > 0 && t >= c->holdover_at_s &&
			  t < c->holdover_at_s + c->holdover_s;
		if (in_hold) {
			if (!holding && tg_servo_holdover_start(&s, mono(&k), &out) == TG_SERVO_FREQ)
				k.a = servosim_kernel_freq((double)out.freq_ppb) / NS;
			holding = 1;
			tg_servo_holdover(&s, mono(&k), &est);
			abs_e = fabs(k.e);
			bound = (double)est.error_bound_ns;
			if (bound < abs_e)
				r->bound_violations++;
			if (bound - abs_e < r->min_margin_ns)
				r->min_margin_ns = bound - abs_e;
			if (bound > 0 && abs_e / bound > r->hold_max_ratio)
				r->hold_max_ratio = abs_e / bound;
			r->hold_err_ns = abs_e;
			r->hold_bound_ns = bound;
			run_for(&k, 1.0);
		} else {
			x = k.e + c->jitter_ns * gauss(&g);
			if (c->outlier_prob > 0 && unif(&g) < c->outlier_prob) {
				double mag = c->outlier_ns * (0.1 + 0.9 * unif(&g));

				x += unif(&g) < 0.5 ? -mag : mag;
				r->outliers_injected++;
			}
			meas.t_ns = mono(&k);
			meas.offset_ns = (int64_t)llround(x);
			meas.sigma_ns = c->tell_sigma ? (int64_t)c->jitter_ns : 0;
			run_for(&k, lat);
			meas.apply_ns = c->tell_latency ? mono(&k) : meas.t_ns;
			tg_servo_sample_ex(&s, &meas, &out);
			if (out.action == TG_SERVO_STEP) {
				k.e -= (double)out.step_ns;
				r->steps++;
			}
			if (out.action == TG_SERVO_STEP || out.action == TG_SERVO_FREQ)
				k.a = servosim_kernel_freq((double)out.freq_ppb) / NS;
			/* the bound, as the servo states it now, against the truth now */
			tg_servo_estimate(&s, mono(&k), &est);
			abs_e = fabs(k.e);
			bound = (double)est.error_bound_ns;
			if (bound < abs_e)
				r->bound_violations++;
			if (bound - abs_e < r->min_margin_ns)
				r->min_margin_ns = bound - abs_e;
			if (c->trace)
				fprintf(stderr, "t=%d x=%.0f e=%.1f bound=%.0f act=%d f=%lld fest=%lld "
					"unc=%lld j=%lld tc=%lld mode=%d y=%.1f\n", t, x, k.e, bound,
					out.action, (long long)out.freq_ppb, (long long)est.freq_ppb,
					(long long)est.freq_unc_ppb, (long long)est.jitter_ns,
					(long long)est.tc_s, est.mode, k.y * NS);
			if (r->locked_s < 0 && tg_servo_locked(&s))
				r->locked_s = t;
			run_for(&k, 1.0 - lat);
		}
		if (c->wander_ppb > 0)
			k.y += c->wander_ppb / NS * gauss(&g);
		if (t < end && fabs(err[t]) >= 1000)
			last_bad = t;
		if (t >= end && fabs(err[t]) >= 1000 && !in_hold)
			last_bad_after = t;
		if (t >= end && !in_hold && fabs(err[t]) > r->after_max_ns)
			r->after_max_ns = fabs(err[t]);
	}
	r->conv_s = last_bad + 1 >= end ? -1 : last_bad + 1;
	if (r->conv_s >= 0) {
		for (t = (int)r->conv_s; t < end; t++) {
			sum2 += err[t] * err[t];
			if (fabs(err[t]) > r->max_ns)
				r->max_ns = fabs(err[t]);
			n++;
		}
		r->rms_ns = sqrt(sum2 / n);
	}
	if (end < c->duration_s && !c->holdover_s)
		r->recover_s = last_bad_after + 1 >= c->duration_s ? -1
				: last_bad_after < 0 ? 0 : last_bad_after + 1 - end;
	r->outliers_dropped = s.outliers;
	r->freq_err_ppb = ((1 + k.y) * (1 + k.a) - 1) * NS;
	tg_servo_estimate(&s, mono(&k), &est);
	r->final_tc_s = est.tc_s;
	free(err);
	return 0;
}
