/*
 * test_servo.c - timed's clock servo (services/timed/servo.c): its
 * decisions one by one (step at start and not later, frequency clamps,
 * the FLL's estimate, outliers, the holdover bound, bad input), then whole
 * runs on the simulated clock of tests/tools/servosim.c with fixed seeds,
 * asserting the accuracy targets: convergence from 50 ms in under 60 s
 * with and without the start step, RMS error under 200 ns, the error
 * bound never below the true error, holdover included.  These are
 * accuracy assertions on a deterministic simulation, not timings.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "../tools/servosim.h"
#include "timed/servo.h"
#include "timed/timed.h"

#define NS 1000000000LL
#define T0 (1000 * NS)

/*
 * A minimal clock for the unit cases: true error e (ns) under an
 * oscillator error y (ppb, the clock runs fast by it) and the servo's
 * correction a (ppb), multiplicative as in the kernel; samples once a
 * second, the output in effect at once.
 */
struct mclock {
	double e, y, a;
	int64_t t;
};

static void mc_init(struct mclock *m, double e, double y_ppb, double a_ppb)
{
	m->e = e;
	m->y = y_ppb;
	m->a = a_ppb;
	m->t = T0;
}

static void mc_second(struct mclock *m)
{
	double rate = (1 + m->y / 1e9) * (1 + m->a / 1e9);

	m->e -= 1e9 * (rate - 1);
	m->t += (int64_t)llround(1e9 * rate);
}

/* one sample with the given noise; carries out the output */
static int mc_sample(struct mclock *m, struct tg_servo *s, double noise, struct tg_servo_out *o)
{
	int r = tg_servo_sample(s, m->t, (int64_t)llround(m->e + noise), o);

	if (o->action == TG_SERVO_STEP)
		m->e -= (double)o->step_ns;
	if (o->action == TG_SERVO_STEP || o->action == TG_SERVO_FREQ)
		m->a = (double)o->freq_ppb;
	mc_second(m);
	return r;
}

static double noise(double sigma)
{
	double u1 = ((double)(check_rand() >> 11) + 0.5) / 9007199254740992.0;
	double u2 = ((double)(check_rand() >> 11) + 0.5) / 9007199254740992.0;

	return sigma * sqrt(-2 * log(u1)) * cos(6.283185307179586 * u2);
}

/* a servo locked on a 100 ns PPS, 20 ppm oscillator */
static void locked(struct tg_servo *s, struct mclock *m)
{
	struct tg_servo_cfg c;
	struct tg_servo_out o;
	int i;

	tg_servo_cfg_defaults(&c);
	tg_servo_init(s, &c, 0);
	mc_init(m, 200000, 20000, 0);
	for (i = 0; i < 300; i++)
		mc_sample(m, s, noise(100), &o);
}

/* ---------------------------------------------------------------- unit */

static void test_defaults(void)
{
	struct tg_servo_cfg c;

	tg_servo_cfg_defaults(&c);
	CHECK_EQ_INT(c.start_step_ns, 1000000);
	CHECK_EQ_INT(c.step_limit_ns, 0);
	CHECK_EQ_INT(c.max_slew_ppb, 83333333);
	CHECK(c.tc_min_s >= 2 && c.tc_max_s >= c.tc_min_s);
	CHECK_EQ_INT(c.ref_accuracy_ns, 50);
}

static void test_step_at_start(void)
{
	struct tg_servo_cfg c;
	struct tg_servo s;
	struct tg_servo_out o;

	tg_servo_cfg_defaults(&c);
	tg_servo_init(&s, &c, 1234);
	CHECK_EQ_INT(tg_servo_sample(&s, T0, 50000000, &o), TG_SERVO_STEP);
	CHECK_EQ_INT(o.action, TG_SERVO_STEP);
	CHECK_EQ_INT(o.step_ns, 50000000); /* add the offset: reference - system */
	CHECK_EQ_INT(o.freq_ppb, 1234);    /* the frequency is kept */
	CHECK_EQ_INT(o.est.steps, 1);
	/* negative too */
	tg_servo_init(&s, &c, 0);
	tg_servo_sample(&s, T0, -2000000, &o);
	CHECK_EQ_INT(o.action, TG_SERVO_STEP);
	CHECK_EQ_INT(o.step_ns, -2000000);
	/* within start_step: slewed */
	tg_servo_init(&s, &c, 0);
	CHECK_EQ_INT(tg_servo_sample(&s, T0, 900000, &o), TG_SERVO_FREQ);
	CHECK(o.freq_ppb > 0); /* the clock is behind: faster */
	/* start_step 0: never */
	c.start_step_ns = 0;
	tg_servo_init(&s, &c, 0);
	CHECK_EQ_INT(tg_servo_sample(&s, T0, 50000000, &o), TG_SERVO_FREQ);
	CHECK_EQ_INT(o.est.steps, 0);
}

static void test_no_step_later(void)
{
	struct tg_servo s;
	struct mclock m;
	struct tg_servo_out o;
	int i, steps = 0;

	locked(&s, &m);
	CHECK(tg_servo_locked(&s));
	/* the reference jumps 10 ms (step_limit 0): slewed, never stepped */
	m.e += 10000000;
	for (i = 0; i < 60; i++) {
		mc_sample(&m, &s, noise(100), &o);
		steps += o.action == TG_SERVO_STEP;
		CHECK(o.freq_ppb >= -TIMED_ADJ_FREQ_MAX_PPB && o.freq_ppb <= TIMED_ADJ_FREQ_MAX_PPB);
	}
	CHECK_EQ_INT(steps, 0);
	CHECK(fabs(m.e) < 5000); /* slewed away within a minute */

	/* with step_limit 1 ms: the first two far samples are outliers, the third steps */
	locked(&s, &m);
	s.c.step_limit_ns = 1000000;
	m.e += 10000000;
	mc_sample(&m, &s, 0, &o);
	CHECK_EQ_INT(o.action, TG_SERVO_NONE);
	mc_sample(&m, &s, 0, &o);
	CHECK_EQ_INT(o.action, TG_SERVO_NONE);
	mc_sample(&m, &s, 0, &o);
	CHECK_EQ_INT(o.action, TG_SERVO_STEP);
	CHECK(o.step_ns > 9990000 && o.step_ns < 10010000);
	CHECK(fabs(m.e) < 20000);
	/* below the limit: no step */
	locked(&s, &m);
	s.c.step_limit_ns = 1000000;
	m.e += 900000;
	for (i = 0; i < 10; i++) {
		mc_sample(&m, &s, 0, &o);
		CHECK(o.action != TG_SERVO_STEP);
	}
}

static void test_freq_clamp(void)
{
	struct tg_servo_cfg c;
	struct tg_servo s;
	struct tg_servo_out o;

	tg_servo_cfg_defaults(&c);
	c.start_step_ns = 0;
	/* 1 s behind: the phase term is max_slew */
	tg_servo_init(&s, &c, 0);
	tg_servo_sample(&s, T0, NS, &o);
	CHECK_EQ_INT(o.freq_ppb, 83333333);
	tg_servo_init(&s, &c, 0);
	tg_servo_sample(&s, T0, -NS, &o);
	CHECK_EQ_INT(o.freq_ppb, -83333333);
	/* with 9 % already set, the total stops at 10 % */
	tg_servo_init(&s, &c, 90000000);
	tg_servo_sample(&s, T0, NS, &o);
	CHECK_EQ_INT(o.freq_ppb, TIMED_ADJ_FREQ_MAX_PPB);
	tg_servo_init(&s, &c, -90000000);
	tg_servo_sample(&s, T0, -NS, &o);
	CHECK_EQ_INT(o.freq_ppb, -TIMED_ADJ_FREQ_MAX_PPB);
	/* a smaller max_slew */
	c.max_slew_ppb = 500000;
	tg_servo_init(&s, &c, 1000);
	tg_servo_sample(&s, T0, 100000000, &o);
	CHECK_EQ_INT(o.freq_ppb, 501000);
	/* a max_slew beyond the kernel's range is taken as 10 % */
	c.max_slew_ppb = 500000000;
	tg_servo_init(&s, &c, 0);
	tg_servo_sample(&s, T0, 10 * NS, &o);
	CHECK_EQ_INT(o.freq_ppb, TIMED_ADJ_FREQ_MAX_PPB);
}

static void test_fll_estimate(void)
{
	struct tg_servo_cfg c;
	struct tg_servo s;
	struct tg_servo_out o;
	struct mclock m;
	int i;

	/* noise-free: 8 samples give the oscillator's error within a few ppb,
	 * while the offset is being slewed (the bookkeeping of our corrections) */
	tg_servo_cfg_defaults(&c);
	tg_servo_init(&s, &c, 0);
	mc_init(&m, 300000, 37000, 0); /* 300 us behind, clock 37 ppm fast */
	for (i = 0; i < 8; i++)
		mc_sample(&m, &s, 0, &o);
	CHECK(fabs((double)o.est.freq_ppb + 37000) < 3);
	CHECK(o.est.freq_unc_ppb < 1000);
	/* a clock 45 ppm slow, with 300 ns of noise: within 4 standard errors (46 ppb) */
	tg_servo_init(&s, &c, 0);
	mc_init(&m, 0, -45000, 0);
	for (i = 0; i < 8; i++)
		mc_sample(&m, &s, noise(300), &o);
	CHECK(fabs((double)o.est.freq_ppb - 45000) < 200);
	/* slew only from 20 ms: still a few ppb (A accounts for the kernel's (1+y)(1+a)) */
	c.start_step_ns = 0;
	tg_servo_init(&s, &c, 0);
	mc_init(&m, 20000000, 25000, 0);
	for (i = 0; i < 8; i++)
		mc_sample(&m, &s, 0, &o);
	CHECK(fabs((double)o.est.freq_ppb + 25000) < 5);
}

static void test_outlier_dropped(void)
{
	struct tg_servo s;
	struct mclock m;
	struct tg_servo_out o;
	struct tg_servo_est before;
	int64_t a_before;
	int i;

	locked(&s, &m);
	tg_servo_estimate(&s, m.t, &before);
	a_before = (int64_t)m.a;
	/* one 50 us glitch of the measurement (not of the clock) */
	CHECK_EQ_INT(tg_servo_sample(&s, m.t, (int64_t)m.e + 50000, &o), TG_SERVO_NONE);
	CHECK_EQ_INT(o.action, TG_SERVO_NONE);
	CHECK_EQ_INT(o.est.outliers, before.outliers + 1);
	CHECK_EQ_INT(o.est.freq_ppb, before.freq_ppb);
	CHECK_EQ_INT(o.est.offset_ns, before.offset_ns);
	CHECK_EQ_INT((int64_t)m.a, a_before);
	mc_second(&m);
	/* the next good one is used */
	mc_sample(&m, &s, noise(100), &o);
	CHECK_EQ_INT(o.action, TG_SERVO_FREQ);
	CHECK(tg_servo_locked(&s));
	/* a persistent change (a 20 us phase jump): two dropped, the third taken */
	m.e += 20000;
	for (i = 0; i < 3; i++)
		mc_sample(&m, &s, 0, &o);
	CHECK_EQ_INT(o.action, TG_SERVO_FREQ);
	CHECK_EQ_INT(o.est.outliers, before.outliers + 3);
	CHECK_EQ_INT(o.est.tc_s, 2); /* back to the shortest time constant */
	for (i = 0; i < 60; i++)
		mc_sample(&m, &s, noise(100), &o);
	CHECK(fabs(m.e) < 1000);
}

static void test_holdover_bound(void)
{
	struct tg_servo s;
	struct mclock m;
	struct tg_servo_out o;
	struct tg_servo_est e0, e;
	int64_t t_last;
	double dt;
	int k;

	locked(&s, &m);
	s.c.drift_ppb = 300;
	s.c.ageing_ppb_s = 2;
	t_last = m.t - (int64_t)llround(1e9 * (1 + m.y / 1e9) * (1 + m.a / 1e9));
	tg_servo_estimate(&s, t_last, &e0);
	CHECK(e0.error_bound_ns >= llabs(e0.offset_ns) + 3 * e0.jitter_ns + 50 - 1);
	/* holdover: keep the estimate, without the phase term */
	CHECK_EQ_INT(tg_servo_holdover_start(&s, m.t, &o), TG_SERVO_FREQ);
	CHECK_EQ_INT(o.freq_ppb, e0.freq_ppb);
	CHECK_EQ_INT(o.est.mode, TG_SERVO_HOLDOVER);
	CHECK_EQ_INT(tg_servo_holdover_start(&s, m.t + NS, &o), TG_SERVO_NONE);
	CHECK(!tg_servo_locked(&s));
	/* bound(t) = bound0 + (freq_unc + drift) dt + ageing dt^2 / 2 */
	for (k = 0; k < 4; k++) {
		dt = k == 0 ? 0 : k == 1 ? 1 : k == 2 ? 600 : 3600;
		tg_servo_holdover(&s, t_last + (int64_t)(dt * 1e9), &e);
		CHECK(fabs((double)e.error_bound_ns -
			   ((double)e0.error_bound_ns + (double)(e0.freq_unc_ppb + 300) * dt +
			    0.5 * 2 * dt * dt)) <= 2 + 0.5 * dt); /* freq_unc is rounded in est */
	}
	/* samples again: FLL with the old estimate as prior */
	m.a = (double)o.freq_ppb;
	mc_sample(&m, &s, 0, &o);
	CHECK_EQ_INT(o.est.mode, TG_SERVO_FLL);
	CHECK(fabs((double)o.est.freq_ppb - (double)e0.freq_ppb) < 50);
}

static void test_bad_input(void)
{
	struct tg_servo_cfg c;
	struct tg_servo s;
	struct tg_servo_out o;
	struct tg_servo_est e;

	tg_servo_cfg_defaults(&c);
	tg_servo_init(&s, &c, 0);
	tg_servo_estimate(&s, T0, &e);
	CHECK_EQ_INT(e.error_bound_ns, TG_SERVO_BOUND_MAX); /* nothing known yet */
	CHECK_EQ_INT(tg_servo_holdover_start(&s, T0, &o), TG_SERVO_NONE);
	CHECK_EQ_INT(tg_servo_sample(&s, T0, 1000, &o), TG_SERVO_FREQ);
	/* time not advancing */
	CHECK_EQ_INT(tg_servo_sample(&s, T0, 1000, &o), -1);
	CHECK_EQ_INT(o.action, TG_SERVO_NONE);
	CHECK_EQ_INT(tg_servo_sample(&s, T0 - NS, 1000, &o), -1);
	/* an offset no step could fix */
	CHECK_EQ_INT(tg_servo_sample(&s, T0 + NS, TIMED_ADJ_STEP_MAX_NS + 1, &o), -1);
	CHECK_EQ_INT(tg_servo_sample(&s, T0 + NS, INT64_MIN, &o), -1);
	CHECK_EQ_INT(o.est.samples, 1);
	/* and it goes on */
	CHECK_EQ_INT(tg_servo_sample(&s, T0 + NS, 900, &o), TG_SERVO_FREQ);
	CHECK_EQ_INT(o.est.samples, 2);
}

static void test_locked_and_bound(void)
{
	struct tg_servo_cfg c;
	struct tg_servo s;
	struct tg_servo_out o;
	struct mclock m;
	int i, lock_at = -1;

	tg_servo_cfg_defaults(&c);
	tg_servo_init(&s, &c, 0);
	mc_init(&m, 5000000, -12000, 0);
	CHECK(!tg_servo_locked(&s));
	for (i = 0; i < 120; i++) {
		struct tg_servo_est e;

		mc_sample(&m, &s, noise(300), &o);
		if (lock_at < 0 && tg_servo_locked(&s))
			lock_at = i;
		/* the bound a second later (the clock has run on) against the truth then */
		tg_servo_estimate(&s, m.t, &e);
		if (e.error_bound_ns < (int64_t)fabs(m.e))
			fprintf(stderr, "  i=%d bound %lld e %.0f mode %d\n", i,
				(long long)e.error_bound_ns, m.e, e.mode);
		CHECK(e.error_bound_ns >= (int64_t)fabs(m.e));
	}
	CHECK(lock_at >= 8 && lock_at < 60);
	CHECK(fabs(m.e) < 1000);
	CHECK(o.est.jitter_ns > 150 && o.est.jitter_ns < 600);
}

static void test_observe(void)
{
	struct tg_servo_cfg c;
	struct tg_servo s;
	struct tg_servo_out o;
	int64_t t = T0;
	double e = 3000;
	int i;

	/* someone else steers: the clock drifts 500 ppb slow; nothing is asked */
	tg_servo_cfg_defaults(&c);
	tg_servo_init(&s, &c, 0);
	for (i = 0; i < 200; i++) {
		tg_servo_observe(&s, t, (int64_t)llround(e + noise(100)));
		t += NS;
		e += 500;
	}
	tg_servo_estimate(&s, t - NS, &o.est);
	CHECK_EQ_INT(o.est.mode, TG_SERVO_OBSERVE);
	CHECK(fabs((double)o.est.freq_ppb - 500) < 20);
	CHECK(fabs((double)o.est.offset_ns - (e - 500)) < 300);
	CHECK(o.est.error_bound_ns >= (int64_t)(e - 500));
	CHECK_EQ_INT(tg_servo_sample(&s, t, 0, &o), -1); /* not mixed */
}

static void test_kernel_resolution(void)
{
	/* the simulator's kernel: tick (100 ppm) + freq (2^-16 ppm) */
	CHECK(fabs(servosim_kernel_freq(12345678) - 12345678) < 0.02);
	CHECK(fabs(servosim_kernel_freq(-30000.4) + 30000.4) < 0.02);
	CHECK(fabs(servosim_kernel_freq(2e8) - 1.005e8) < 1); /* tick +10 %, freq +500 ppm */
}

/* ---------------------------------------------------------------- simulation */

static void sim(const char *name, uint64_t seed, struct servosim_result *r)
{
	struct servosim_cfg c;

	CHECK_EQ_INT(servosim_scenario(name, seed, &c), 0);
	CHECK_EQ_INT(servosim_run(&c, r), 0);
}

static void check_targets(const char *name, const struct servosim_result *r)
{
	if (!(r->conv_s >= 0 && r->conv_s < 60 && r->rms_ns < 200 && r->bound_violations == 0))
		fprintf(stderr, "  scenario %s: conv %.0f s, rms %.1f ns, bound violations %d\n", name,
			r->conv_s, r->rms_ns, r->bound_violations);
	CHECK(r->conv_s >= 0 && r->conv_s < 60);
	CHECK(r->rms_ns < 200);
	CHECK_EQ_INT(r->bound_violations, 0);
}

/* (a) 50 ms, 30 ppm, step at start */
static void test_sim_start_step(void)
{
	struct servosim_result r;
	uint64_t seed;

	for (seed = 1; seed <= 10; seed++) {
		sim("a", seed, &r);
		check_targets("a", &r);
		CHECK_EQ_INT(r.steps, 1);
		CHECK(fabs(r.freq_err_ppb) < 50); /* wander, and the phase term of the moment */
	}
}

/* (b) 50 ms, 30 ppm, slew only */
static void test_sim_slew_only(void)
{
	struct servosim_result r;
	struct servosim_cfg c;
	uint64_t seed;

	for (seed = 1; seed <= 10; seed++) {
		sim("b", seed, &r);
		check_targets("b", &r);
		CHECK_EQ_INT(r.steps, 0);
	}
	/* the plain tg_servo_sample() case: the servo is not told the 2 ms
	 * between the pulse and its output taking effect */
	for (seed = 1; seed <= 5; seed++) {
		servosim_scenario("b", seed, &c);
		c.tell_latency = 0;
		c.latency_ms = 2;
		CHECK_EQ_INT(servosim_run(&c, &r), 0);
		check_targets("b untold", &r);
	}
}

/* (c) a 0.5 ppm temperature step while locked */
static void test_sim_temperature_step(void)
{
	struct servosim_result r;
	uint64_t seed;

	for (seed = 1; seed <= 10; seed++) {
		sim("c", seed, &r);
		check_targets("c", &r);
		CHECK(r.after_max_ns < 5000);
		CHECK(r.recover_s >= 0 && r.recover_s < 60);
	}
}

/* (d) 1 h with wander and outliers */
static void test_sim_wander_1h(void)
{
	struct servosim_result r;
	uint64_t seed;

	for (seed = 1; seed <= 3; seed++) {
		sim("d", seed, &r);
		check_targets("d", &r);
		CHECK(r.outliers_injected > 0);
		CHECK(r.outliers_dropped + 1 >= (uint64_t)r.outliers_injected);
		CHECK(r.locked_s >= 0 && r.locked_s < 60);
	}
}

/* (e) 1 h holdover: the bound covers the true error throughout */
static void test_sim_holdover(void)
{
	struct servosim_result r;
	uint64_t seed;

	for (seed = 1; seed <= 5; seed++) {
		sim("e", seed, &r);
		check_targets("e", &r);
		CHECK(r.hold_max_ratio > 0 && r.hold_max_ratio < 1);
		CHECK(r.hold_err_ns > 10000); /* the clock did drift: the check means something */
		CHECK(r.hold_bound_ns >= r.hold_err_ns);
	}
}

int main(void)
{
	check_seed();
	RUN(test_defaults);
	RUN(test_step_at_start);
	RUN(test_no_step_later);
	RUN(test_freq_clamp);
	RUN(test_fll_estimate);
	RUN(test_outlier_dropped);
	RUN(test_holdover_bound);
	RUN(test_bad_input);
	RUN(test_locked_and_bound);
	RUN(test_observe);
	RUN(test_kernel_resolution);
	RUN(test_sim_start_step);
	RUN(test_sim_slew_only);
	RUN(test_sim_temperature_step);
	RUN(test_sim_wander_1h);
	RUN(test_sim_holdover);
	return check_exit();
}
