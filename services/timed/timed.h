/*
 * timed.h - what timed's process roles share: the configuration and the
 * typed messages between the roles (lib/ipc.h framing).
 *
 *   main   (main.c)   unprivileged, seccomp, no network: owns the serial
 *                     port and the PPS device, parses NMEA, pairs pulses,
 *                     runs the servo and the state machine (engine.c),
 *                     writes the clock status file and the refclock
 *                     outputs (refout.c)
 *   clock  (clock.c)  keeps CAP_SYS_TIME and nothing else: applies
 *                     fixed-size TIMED_MSG_ADJ requests it re-checks
 *   xcheck (xcheck.c) network only: NTS-KE and NTS NTP to the configured
 *                     upstream servers (lib/ntsclient.c); sends samples
 *
 * Payloads are host-order structs of fixed size; each receiver re-checks
 * every field it uses.  A malformed message is fatal for the receiver.
 */
#ifndef TIMED_H
#define TIMED_H

#include <stdint.h>

#include "ipc.h"

#define TIMED_CONF_PATH "/etc/timegate/timed.conf"
#define TIMED_XCHECK_MAX 4 /* upstream NTS servers */

struct timed_upstream {
	char host[256];   /* NTS-KE server: name or address */
	uint16_t port;    /* NTS-KE port, 4460 by default */
	char name[256];   /* name the certificate must carry ("" = host) */
};

struct timed_conf {
	/* NMEA source */
	char device[256];      /* serial device, or "" when none (PPS-only) */
	uint32_t baud;         /* 4800 .. 921600 */
	char parity;           /* 'n', 'e', 'o' */
	/* PPS */
	char pps[256];         /* /dev/ppsN, or "" when none */
	int pps_clear;         /* 1: use the clear edge instead of assert */
	int64_t pps_delay_ns;  /* cable + receiver delay: added to the PPS time */
	int64_t nmea_window_min_ns; /* NMEA of second S arrives in [pulse+min, pulse+max] */
	int64_t nmea_window_max_ns;
	int pps_only;          /* allow PPS without serial time once the clock is close */
	/* discipline */
	int steer;             /* 0: measure and publish only (like chronyd -x) */
	int64_t step_limit_ns; /* step when |offset| exceeds this after start; 0: never */
	int64_t start_step_ns; /* step at start when |offset| exceeds this */
	int64_t max_slew_ppb;  /* servo's correction limit */
	int64_t lock_jitter_ns; /* locked only while the jitter is below this */
	/* integrity */
	int64_t max_jump_ns;   /* a locked clock refuses GNSS offsets beyond this */
	int have_site;         /* fixed-site position configured */
	double site_lat, site_lon, site_alt; /* degrees, metres */
	double max_move_m;     /* position may move this far from the site */
	int survey;            /* learn the site from the first fixes when none given */
	int64_t holdover_max_ns; /* error bound at which holdover ends (unsynchronised) */
	int64_t holdover_drift_ppb; /* frequency uncertainty in holdover */
	/* leap seconds */
	char leapfile[256];    /* IETF leap-seconds.list */
	char leapfile_data[256]; /* updatable copy on /data (newer wins) */
	/* cross-check against NTS upstreams */
	struct timed_upstream upstream[TIMED_XCHECK_MAX];
	int n_upstream;
	char anchors[256];     /* PEM trust anchors for the upstreams */
	int64_t xcheck_max_ns; /* GNSS refused when upstreams disagree by more */
	uint32_t xcheck_interval_s;
	/* outputs */
	char status_path[256]; /* lib/timestatus.h file */
	char gnss_path[256];   /* GNSS detail record for the console */
	char xcheck_path[256]; /* cross-check results for the console (lib/xcheckstatus.h) */
	int shm_unit;          /* -1: no SHM output; else NTP SHM unit 0..255 */
	char chrony_sock[256]; /* chrony SOCK refclock path, "" = none */
	char date_floor_path[256]; /* last known good time, on /data */
	char user[64];         /* when started as root: switch to this user */
};

/* Defaults, then the file; 0 or -1 with "file:line: message" in err. */
void timed_conf_defaults(struct timed_conf *c);
int timed_conf_parse(const char *buf, size_t len, const char *fname, struct timed_conf *c,
		     char *err, size_t errlen);
int timed_conf_load(const char *path, struct timed_conf *c, char *err, size_t errlen);

enum timed_msg {
	TIMED_MSG_ADJ = 1,    /* main -> clock */
	TIMED_MSG_ADJ_DONE = 2, /* clock -> main */
	TIMED_MSG_XSAMPLE = 3, /* xcheck -> main */
};

enum timed_adj_kind {
	TIMED_ADJ_FREQ = 1, /* set the frequency (tick + freq) to freq_ppb */
	TIMED_ADJ_STEP = 2, /* step by step_ns (and set freq_ppb) */
	TIMED_ADJ_STATUS = 3, /* set the kernel's leap and sync status */
};

/* Limits the clock role re-checks (and the servo never exceeds). */
#define TIMED_ADJ_FREQ_MAX_PPB 100000000LL  /* 10 % = the kernel's tick range */
#define TIMED_ADJ_STEP_MAX_NS (200LL * 365 * 86400 * 1000000000LL)

struct timed_msg_adj {
	uint32_t kind;      /* enum timed_adj_kind */
	uint32_t leap;      /* TIMED_ADJ_STATUS: enum tg_leap */
	int64_t freq_ppb;   /* |freq_ppb| <= TIMED_ADJ_FREQ_MAX_PPB */
	int64_t step_ns;    /* TIMED_ADJ_STEP only, 0 < |step_ns| <= TIMED_ADJ_STEP_MAX_NS */
	int64_t max_error_ns; /* kernel maxerror/esterror (TIMED_ADJ_STATUS) */
	uint32_t synced;    /* TIMED_ADJ_STATUS: 1 clears STA_UNSYNC */
	uint32_t reserved;
};

struct timed_msg_adj_done {
	int32_t result;     /* 0, or -errno */
	uint32_t kind;
};

struct timed_msg_xsample {
	uint32_t index;     /* upstream number */
	uint32_t ok;        /* 1: a sample; 0: the server failed (err says why) */
	int64_t offset_ns;  /* server - local clock */
	int64_t delay_ns;
	int64_t when_mono_ns;
	uint8_t stratum, leap, reserved[6];
	char err[160];      /* NUL-terminated */
};

static const struct tg_ipc_type timed_to_clock_types[] = {
    {TIMED_MSG_ADJ, sizeof(struct timed_msg_adj), 0, "TIMED_MSG_ADJ"},
};
static const struct tg_ipc_type timed_from_clock_types[] = {
    {TIMED_MSG_ADJ_DONE, sizeof(struct timed_msg_adj_done), 0, "TIMED_MSG_ADJ_DONE"},
};
static const struct tg_ipc_type timed_from_xcheck_types[] = {
    {TIMED_MSG_XSAMPLE, sizeof(struct timed_msg_xsample), 0, "TIMED_MSG_XSAMPLE"},
};

/* clock.c: the clock role; drop_user: switch to it (started as root), or NULL. Returns the exit status. */
int timed_clock_role(int ipc_fd, const char *drop_user);
/* Pure check of a request: 0, or -1 with the reason in err. */
int timed_adj_check(const struct timed_msg_adj *a, char *err, size_t errlen);
/* Request to struct timex (clock.c): tick and freq from freq_ppb. */
struct timex;
void timed_adj_to_timex(const struct timed_msg_adj *a, struct timex *tx);

/* xcheck.c: the cross-check role; returns the exit status. */
int timed_xcheck_role(int ipc_fd, const struct timed_conf *c);

#endif
