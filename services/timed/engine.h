/*
 * engine.h - timed's decisions, pure: which second each pulse marks,
 * whether a GNSS time may be followed, the clock state, and what to ask
 * of the clock role.  No I/O and no clock reads: main.c feeds it events
 * with their time stamps and carries out what it returns, so the whole
 * state machine runs in unit tests on made-up time.
 *
 * Inputs
 *   engine_epoch()   an NMEA epoch (nmea.c) with the system time its first
 *                    byte was read at;
 *   engine_pulse()   a PPS pulse (pps.c): its kernel time stamp;
 *   engine_xsample() a cross-check sample from the xcheck role;
 *   engine_adj_done() the clock role's answer to a request;
 *   engine_tick()    once a second: loss of signal, holdover, leap state.
 * Outputs (struct engine_out): clock requests (TIMED_MSG_ADJ) and the
 * lines to log; engine_status() gives the record for the status file.
 *
 * A pulse is labelled with the second of the NMEA epoch that arrives
 * within [pulse + nmea-window min, pulse + max] (the receiver sends the
 * time of a pulse after it); offset = label + pps-delay - pulse time.
 * Without PPS, the epoch's own arrival time gives a coarse offset.
 *
 * Integrity (each refusal is logged with its numbers):
 *   jump      a locked clock refuses offsets beyond max-jump;
 *   pps/nmea  successive labels must advance as the pulses do;
 *   position  a fixed site (configured or surveyed from the first fixes)
 *             refuses fixes that moved beyond max-move;
 *   leap      receiver announcements are checked against the leap table;
 *   upstream  NTS servers (xcheck role) that disagree with GNSS beyond
 *             cross-check-max, by majority, make GNSS refused (FAILED).
 */
#ifndef TIMED_ENGINE_H
#define TIMED_ENGINE_H

#include <stdint.h>

#include "leap.h"
#include "servo.h"
#include "timed.h"
#include "timestatus.h"

struct engine_epoch {
	int64_t arrival_real_ns; /* system clock when its first sentence was read */
	int64_t arrival_mono_ns;
	int64_t now_mono_ns;     /* when it is handed over (its burst ended): now */
	int have_time;           /* date and time of day known */
	int64_t utc_s;           /* seconds since 1970 (UTC) */
	int32_t frac_ns;         /* fraction of the time field */
	int valid;               /* the receiver says its time is valid */
	int mode;                /* 0 unknown, 1 no fix, 2 2D, 3 3D */
	int have_pos;
	double lat, lon, alt;    /* degrees, degrees, metres */
	int sats_used;
	int leap_known;          /* the receiver sent leap-second data */
	int gps_utc_s;           /* its GPS-UTC now */
	int gps_utc_next_s;      /* GPS-UTC after leap_when_s (= gps_utc_s: none announced) */
	int64_t leap_when_s;     /* POSIX time where the next value applies (a midnight) */
};

struct engine_pulse {
	int64_t ts_real_ns;  /* kernel time stamp (CLOCK_REALTIME) */
	int64_t mono_ns;     /* the same instant on CLOCK_MONOTONIC */
	int64_t now_mono_ns; /* when fetched: now */
	uint32_t missed;     /* pulses lost before this one */
};

#define ENGINE_ADJ_MAX 4
#define ENGINE_LOG_MAX 4
#define ENGINE_LOG_LEN 240

struct engine_out {
	int n_adj;
	struct timed_msg_adj adj[ENGINE_ADJ_MAX];
	int n_log;
	int log_level[ENGINE_LOG_MAX]; /* enum tg_log_level */
	char log[ENGINE_LOG_MAX][ENGINE_LOG_LEN];
	int state_changed;
	/* an accepted sample, for the refclock outputs (refout.c) */
	int sample;
	int sample_pps;          /* 1: from a pulse */
	int64_t sample_real_ns;  /* system clock at the event */
	int64_t sample_offset_ns; /* reference - system clock */
};

struct engine_upstream {
	int have;
	int ok;
	int64_t offset_ns;   /* server - local, at mono_ns */
	int64_t mono_ns;
	int64_t steps_at;    /* e->steps_total when received */
};

struct engine {
	struct timed_conf c;
	struct tg_servo servo;
	int state;              /* enum tg_clock_state */
	int was_locked;
	const char *refid;
	/* pairing */
	int have_pulse, have_prev;       /* the two newest pulses not yet labelled */
	struct engine_pulse pulse, prev;
	int kernel_close;           /* the kernel was synchronised to within CLOSE_NS at start */
	int have_epoch, epoch_used;
	struct engine_epoch epoch;
	int have_label;
	int64_t last_label_s, last_label_pulse_ns;
	int window_misses;          /* valid epochs in a row that no pulse's window held */
	int64_t epoch_after_ns;     /* the epoch's arrival after the newest pulse then */
	int64_t pulse_real_ns[2];   /* the two newest pulses' time stamps, labelled or not */
	int window_warned;          /* said so, until an epoch pairs again */
	/* last accepted sample */
	int64_t last_accept_mono;
	int64_t last_offset_ns;     /* accepted */
	int64_t gnss_offset_ns;     /* last measured, accepted or not */
	int64_t gnss_offset_mono;
	int64_t last_pulse_mono, last_epoch_mono;
	int64_t now_mono;           /* of the event being handled: adjustments apply from then */
	uint64_t n_accepted, n_refused, n_unpaired;
	/* stepping */
	int adj_pending;
	int64_t hold_until_mono;    /* samples ignored until then (a step just happened) */
	int64_t steps_total;        /* sum of steps applied, for the cross-check */
	int64_t freq_ppb;           /* last frequency sent */
	/* integrity */
	int refusing;               /* consecutive refusals */
	char last_refusal[96];      /* the last refusal's reason, for the console */
	int64_t last_refusal_mono;
	int64_t last_refuse_log_mono;
	int site_known;
	double site_lat, site_lon, site_alt;
	double survey_lat, survey_lon, survey_alt;
	int survey_n;
	double last_distance_m;     /* of the last fix from the site */
	int64_t pos_bad_until_mono;
	struct engine_upstream up[TIMED_XCHECK_MAX];
	int xcheck_refused;
	int xcheck_heard;           /* any answer (or failure) from the xcheck role */
	int64_t xwait_mono;         /* first GNSS sample held for the cross-check */
	int xwait_over;
	/* leap */
	const struct tg_leap_table *leap_table; /* NULL: none */
	int rx_leap_kind;           /* enum tg_leap announced by the receiver */
	int64_t rx_leap_when_s;
	int rx_gps_utc_s, rx_gps_utc_next_s;
	int leap_now;               /* enum tg_leap announced for the end of today */
	int leap_sent;              /* last leap/sync status sent to the kernel, -1 none */
	int synced_sent;
	int64_t status_sent_mono;
	/* estimates for the status */
	int64_t error_bound_ns, jitter_ns;
};

/* freq_ppb_now: the kernel's current frequency (kept across restarts). */
void engine_init(struct engine *e, const struct timed_conf *c, int64_t freq_ppb_now,
		 const struct tg_leap_table *leap_table);
/*
 * At start: the kernel says another source kept the clock synchronised
 * to within maxerror_ns (adjtimex: STA_UNSYNC clear), or -1.  Lets
 * pps-only label pulses before timed has locked itself.
 */
void engine_kernel_synced(struct engine *e, int64_t maxerror_ns);
void engine_epoch(struct engine *e, const struct engine_epoch *ep, struct engine_out *out);
void engine_pulse(struct engine *e, const struct engine_pulse *p, struct engine_out *out);
void engine_xsample(struct engine *e, const struct timed_msg_xsample *x, struct engine_out *out);
void engine_adj_done(struct engine *e, const struct timed_msg_adj_done *d, int64_t now_mono,
		     struct engine_out *out);
void engine_tick(struct engine *e, int64_t now_mono, int64_t now_real, struct engine_out *out);
void engine_status(const struct engine *e, int64_t now_real, int64_t now_mono,
		   struct tg_timestatus *st);

const char *engine_state_name(int state);

#endif
