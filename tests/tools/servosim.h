/*
 * servosim.h - a simulated oscillator, kernel clock and PPS for timed's
 * servo (services/timed/servo.c): deterministic for a seed, shared by the
 * unit test (tests/unit/test_servo.c) and the tool the benchmark runs
 * (tests/tools/tg-servosim.c).
 *
 * Model (true time T in seconds, one PPS pulse per true second):
 *   the system clock runs at (1 + y(T)) (1 + a) against true time, where
 *     y = initial error + random-walk wander (gaussian steps each second,
 *         wander_ppb * sqrt(1 s)) + a temperature step at temp_step_at_s;
 *     a = the servo's last frequency, as the kernel holds it: tick in us
 *         per 10 ms jiffy (100 ppm steps, +-10 %) and the rest in freq
 *         (2^-16 ppm, +-500 ppm), in effect from latency_ms after the
 *         pulse (the sample's processing) until the next setting;
 *   CLOCK_MONOTONIC runs with it (Linux slews it too) but is not stepped;
 *   steps apply at the same moment as the frequency;
 *   measured offset = true offset + gaussian(jitter_ns) + an outlier of
 *     +-[outlier_ns / 10, outlier_ns] with probability outlier_prob.
 * True error = true time - system clock (the reference is perfect here; the
 * servo's bound also carries the reference's accuracy on top).
 */
#ifndef TG_SERVOSIM_H
#define TG_SERVOSIM_H

#include <stdint.h>

#include "timed/servo.h"

struct servosim_cfg {
	uint64_t seed;
	int duration_s;
	double x0_ns;          /* initial offset, reference - system */
	double y0_ppb;         /* oscillator error: the clock runs fast by this */
	double wander_ppb;     /* random-walk frequency, ppb per sqrt(s) */
	double temp_step_ppb;  /* added to y at temp_step_at_s (0: none) */
	int temp_step_at_s;
	double jitter_ns;      /* PPS noise, sigma */
	double outlier_prob;
	double outlier_ns;
	double latency_ms;     /* pulse -> the servo's output in effect */
	int tell_latency;      /* the servo is told when its output takes effect */
	int tell_sigma;        /* the servo is told the PPS sigma */
	int holdover_at_s;     /* 0: none; else no pulses from here ... */
	int holdover_s;        /* ... for this long */
	int settle_end_s;      /* convergence and RMS are measured before this (0: end) */
	int64_t freq_now_ppb;  /* kernel frequency at the start */
	struct tg_servo_cfg servo;
	int trace;             /* each sample on stderr */
};

struct servosim_result {
	double conv_s;         /* first time after which |error| < 1 us until settle_end; -1 never */
	double rms_ns, max_ns; /* |true error| at the pulses after conv_s, before settle_end */
	double after_max_ns;   /* max |error| from settle_end to the end (temperature step) */
	double recover_s;      /* seconds after settle_end until |error| < 1 us for good; -1 never */
	int bound_violations;  /* times the servo's bound was below the true error */
	double min_margin_ns;  /* smallest bound - |true error| seen */
	double hold_err_ns;    /* holdover: |true error| at its end */
	double hold_bound_ns;  /* holdover: the bound at its end */
	double hold_max_ratio; /* holdover: max |error| / bound */
	int steps;
	int outliers_injected;
	uint64_t outliers_dropped;
	double locked_s;       /* first time tg_servo_locked(); -1 never */
	double freq_err_ppb;   /* at the end: residual frequency error of the clock */
	int64_t final_tc_s;
};

/* Defaults for a scenario "a".."e" (see servosim.c); 0, or -1 if unknown. */
int servosim_scenario(const char *name, uint64_t seed, struct servosim_cfg *c);
/* A one-line description of a scenario, or NULL. */
const char *servosim_describe(const char *name);
/* Run; 0, or -1 on a configuration it cannot run (duration <= 0, no memory). */
int servosim_run(const struct servosim_cfg *c, struct servosim_result *r);
/* The kernel's tick + freq representation of freq_ppb, back in ppb. */
double servosim_kernel_freq(double freq_ppb);

#endif
