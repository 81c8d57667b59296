/*
 * conf.c - timed's configuration file (timed.conf(5)): defaults, then
 * the common Timegate format of lib/conf.h.  Pure over (buf, len): the
 * file is read by tg_conf_load before any device is opened.
 *
 * Each keyword is one row of the table below: its kind says how the
 * argument is checked (an absolute path, a bounded number in the unit the
 * keyword names, yes/no), so every error names the keyword and the range.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "conf.h"
#include "timed.h"

void timed_conf_defaults(struct timed_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->baud = 9600;
	c->parity = 'n';
	c->nmea_window_min_ns = 0;
	c->nmea_window_max_ns = 900000000; /* NMEA up to 900 ms after its pulse */
	c->steer = 1;
	c->start_step_ns = 1000000;        /* 1 ms: a larger start offset is stepped */
	c->step_limit_ns = 0;              /* never step after the start */
	c->max_slew_ppb = 83333333;        /* chrony's maxslewrate, 83333 ppm */
	c->max_jump_ns = 10000000;         /* 10 ms against a locked clock */
	c->max_move_m = 100.0;
	c->survey = 1;
	c->holdover_max_ns = 1000000;      /* 1 ms of error bound ends holdover */
	c->lock_jitter_ns = 50000;         /* 50 us: a PPS line into a GPIO or DCD interrupt */
	c->holdover_drift_ppb = 1000;      /* 1 ppm: a plain crystal; a TCXO or OCXO site sets less */
	snprintf(c->leapfile, sizeof(c->leapfile), "/etc/timegate/leap-seconds.list");
	snprintf(c->leapfile_data, sizeof(c->leapfile_data), "/data/timed/leap-seconds.list");
	c->xcheck_max_ns = 50000000;       /* 50 ms */
	c->xcheck_interval_s = 64;
	snprintf(c->status_path, sizeof(c->status_path), "/run/timegate/time/status");
	snprintf(c->gnss_path, sizeof(c->gnss_path), "/run/timegate/time/gnss");
	snprintf(c->xcheck_path, sizeof(c->xcheck_path), "/run/timegate/time/xcheck");
	c->shm_unit = -1;
	snprintf(c->date_floor_path, sizeof(c->date_floor_path), "/data/timed/last-good-time");
}

enum kind { K_PATH, K_PATH_OR_NONE, K_BOOL, K_NS_FROM_MS, K_NS_FROM_US, K_NS, K_U32, K_PPB };

struct key {
	const char *name;
	enum kind kind;
	size_t off; /* into struct timed_conf */
	size_t size; /* of the field (paths) */
	long long min, max; /* in the keyword's own unit */
};

#define F(field) offsetof(struct timed_conf, field), sizeof(((struct timed_conf *)0)->field)

static const struct key keys[] = {
    {"device", K_PATH_OR_NONE, F(device), 0, 0},
    {"pps", K_PATH_OR_NONE, F(pps), 0, 0},
    {"pps-delay", K_NS, F(pps_delay_ns), -100000000, 100000000},
    {"pps-only", K_BOOL, F(pps_only), 0, 0},
    {"steer", K_BOOL, F(steer), 0, 0},
    {"step-start", K_NS_FROM_US, F(start_step_ns), 1, 1000000000},
    {"step-limit", K_NS_FROM_MS, F(step_limit_ns), 0, 86400000},
    {"max-slew", K_PPB, F(max_slew_ppb), 1000, TIMED_ADJ_FREQ_MAX_PPB},
    {"max-jump", K_NS_FROM_US, F(max_jump_ns), 1, 10000000},
    {"survey", K_BOOL, F(survey), 0, 0},
    {"holdover-max", K_NS_FROM_US, F(holdover_max_ns), 1, 10000000},
    {"holdover-drift", K_PPB, F(holdover_drift_ppb), 0, 100000},
    {"leapfile", K_PATH, F(leapfile), 0, 0},
    {"leapfile-data", K_PATH_OR_NONE, F(leapfile_data), 0, 0},
    {"anchors", K_PATH, F(anchors), 0, 0},
    {"cross-check-max", K_NS_FROM_MS, F(xcheck_max_ns), 1, 10000},
    {"cross-check-interval", K_U32, F(xcheck_interval_s), 16, 86400},
    {"status-file", K_PATH, F(status_path), 0, 0},
    {"gnss-file", K_PATH_OR_NONE, F(gnss_path), 0, 0},
    {"chrony-sock", K_PATH_OR_NONE, F(chrony_sock), 0, 0},
    {"date-floor-file", K_PATH_OR_NONE, F(date_floor_path), 0, 0},
    {"lock-jitter", K_NS_FROM_US, F(lock_jitter_ns), 1, 100000},
    {"xcheck-file", K_PATH_OR_NONE, F(xcheck_path), 0, 0},
};

static int set_key(struct timed_conf *c, const struct key *k, const char *v, char *err,
		   size_t errlen)
{
	char *p = (char *)c + k->off;
	int64_t x;
	uint64_t u;
	int b;

	switch (k->kind) {
	case K_PATH_OR_NONE:
		if (strcmp(v, "none") == 0) {
			p[0] = '\0';
			return 0;
		}
		/* fall through */
	case K_PATH:
		if (v[0] != '/') {
			snprintf(err, errlen, "'%s' expects an absolute path%s, got '%.64s'", k->name,
				 k->kind == K_PATH_OR_NONE ? " or 'none'" : "", v);
			return -1;
		}
		return tg_conf_str(v, p, k->size, err, errlen);
	case K_BOOL:
		if (tg_conf_bool(v, &b, err, errlen) < 0)
			return -1;
		*(int *)(void *)p = b;
		return 0;
	case K_U32:
		if (tg_conf_u64(v, (uint64_t)k->min, (uint64_t)k->max, &u, err, errlen) < 0)
			return -1;
		*(uint32_t *)(void *)p = (uint32_t)u;
		return 0;
	case K_NS_FROM_MS:
	case K_NS_FROM_US:
	case K_NS:
	case K_PPB:
		if (tg_conf_i64(v, k->min, k->max, &x, err, errlen) < 0)
			return -1;
		if (k->kind == K_NS_FROM_MS)
			x *= 1000000;
		else if (k->kind == K_NS_FROM_US)
			x *= 1000;
		*(int64_t *)(void *)p = x;
		return 0;
	}
	return -1;
}

/*
 * One handler per table row: lib/conf.c does not pass the keyword to its
 * handler, so each row gets a trampoline that knows its index.
 */
#define ROW(i)                                                                          \
	static int row_##i(void *ctx, int argc, char **argv, char *err, size_t errlen) \
	{                                                                               \
		(void)argc;                                                             \
		return set_key(ctx, &keys[i], argv[0], err, errlen);                    \
	}
ROW(0) ROW(1) ROW(2) ROW(3) ROW(4) ROW(5) ROW(6) ROW(7) ROW(8) ROW(9) ROW(10) ROW(11) ROW(12)
ROW(13) ROW(14) ROW(15) ROW(16) ROW(17) ROW(18) ROW(19) ROW(20) ROW(21) ROW(22)
#define NROWS 23
_Static_assert(sizeof(keys) / sizeof(keys[0]) == NROWS, "one ROW() per key");

static int key_baud(void *ctx, int argc, char **argv, char *err, size_t errlen)
{
	static const char *const rates[] = {"4800",   "9600",   "19200",  "38400", "57600",
					    "115200", "230400", "460800", "921600", NULL};
	static const uint32_t values[] = {4800, 9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600};
	struct timed_conf *c = ctx;
	int i;

	(void)argc;
	if (tg_conf_choice(argv[0], rates, &i, err, errlen) < 0)
		return -1;
	c->baud = values[i];
	return 0;
}

static int key_parity(void *ctx, int argc, char **argv, char *err, size_t errlen)
{
	static const char *const names[] = {"none", "even", "odd", NULL};
	struct timed_conf *c = ctx;
	int i;

	(void)argc;
	if (tg_conf_choice(argv[0], names, &i, err, errlen) < 0)
		return -1;
	c->parity = "neo"[i];
	return 0;
}

static int key_pps_edge(void *ctx, int argc, char **argv, char *err, size_t errlen)
{
	static const char *const names[] = {"assert", "clear", NULL};
	struct timed_conf *c = ctx;
	int i;

	(void)argc;
	if (tg_conf_choice(argv[0], names, &i, err, errlen) < 0)
		return -1;
	c->pps_clear = i;
	return 0;
}

/* nmea-window MIN_MS MAX_MS: where the NMEA of a second arrives after its pulse */
static int key_nmea_window(void *ctx, int argc, char **argv, char *err, size_t errlen)
{
	struct timed_conf *c = ctx;
	int64_t lo, hi;

	(void)argc;
	if (tg_conf_i64(argv[0], -500, 999, &lo, err, errlen) < 0 ||
	    tg_conf_i64(argv[1], -500, 999, &hi, err, errlen) < 0)
		return -1;
	if (hi <= lo) {
		snprintf(err, errlen, "'nmea-window' expects MIN_MS < MAX_MS, got %lld %lld",
			 (long long)lo, (long long)hi);
		return -1;
	}
	if (hi - lo >= 1000) {
		snprintf(err, errlen, "'nmea-window' must be shorter than a second, got %lld ms",
			 (long long)(hi - lo));
		return -1;
	}
	c->nmea_window_min_ns = lo * 1000000;
	c->nmea_window_max_ns = hi * 1000000;
	return 0;
}

/* a decimal number with optional sign and fraction, within [lo, hi] */
static int parse_double(const char *key, const char *s, double lo, double hi, double *out,
			char *err, size_t errlen)
{
	double v = 0, scale = 1;
	int neg = 0, digits = 0, frac = 0;
	const char *p = s;

	if (*p == '-' || *p == '+')
		neg = *p++ == '-';
	for (; *p; p++) {
		if (*p == '.' && !frac) {
			frac = 1;
			continue;
		}
		if (*p < '0' || *p > '9' || digits > 15)
			goto bad;
		digits++;
		if (frac) {
			scale /= 10;
			v += (*p - '0') * scale;
		} else {
			v = v * 10 + (*p - '0');
		}
	}
	if (!digits)
		goto bad;
	if (neg)
		v = -v;
	if (v < lo || v > hi)
		goto bad;
	*out = v;
	return 0;
bad:
	snprintf(err, errlen, "'%s' expects a decimal number from %g to %g, got '%.64s'", key, lo,
		 hi, s);
	return -1;
}

/* site LAT LON ALT: the fixed antenna position (degrees, degrees, metres) */
static int key_site(void *ctx, int argc, char **argv, char *err, size_t errlen)
{
	struct timed_conf *c = ctx;

	(void)argc;
	if (parse_double("site", argv[0], -90, 90, &c->site_lat, err, errlen) < 0 ||
	    parse_double("site", argv[1], -180, 180, &c->site_lon, err, errlen) < 0 ||
	    parse_double("site", argv[2], -1000, 100000, &c->site_alt, err, errlen) < 0)
		return -1;
	c->have_site = 1;
	return 0;
}

static int key_max_move(void *ctx, int argc, char **argv, char *err, size_t errlen)
{
	struct timed_conf *c = ctx;

	(void)argc;
	return parse_double("max-move", argv[0], 1, 100000, &c->max_move_m, err, errlen);
}

static int key_shm(void *ctx, int argc, char **argv, char *err, size_t errlen)
{
	struct timed_conf *c = ctx;
	uint64_t u;

	(void)argc;
	if (strcmp(argv[0], "none") == 0) {
		c->shm_unit = -1;
		return 0;
	}
	if (tg_conf_u64(argv[0], 0, 255, &u, err, errlen) < 0)
		return -1;
	c->shm_unit = (int)u;
	return 0;
}

/* upstream HOST [PORT [NAME]]: an NTS server for the cross-check */
static int key_upstream(void *ctx, int argc, char **argv, char *err, size_t errlen)
{
	struct timed_conf *c = ctx;
	struct timed_upstream *u;
	uint64_t port = 4460;
	const char *p;

	if (c->n_upstream >= TIMED_XCHECK_MAX) {
		snprintf(err, errlen, "'upstream' may be given at most %d times", TIMED_XCHECK_MAX);
		return -1;
	}
	for (p = argv[0]; *p; p++)
		if (*p <= ' ' || *p > '~' || *p == '/') {
			snprintf(err, errlen,
				 "'upstream' expects a host name or address, got '%.64s'", argv[0]);
			return -1;
		}
	if (argc > 1 && tg_conf_u64(argv[1], 1, 65535, &port, err, errlen) < 0)
		return -1;
	u = &c->upstream[c->n_upstream];
	if (tg_conf_str(argv[0], u->host, sizeof(u->host), err, errlen) < 0 ||
	    (argc > 2 && tg_conf_str(argv[2], u->name, sizeof(u->name), err, errlen) < 0))
		return -1;
	u->port = (uint16_t)port;
	c->n_upstream++;
	return 0;
}

static int key_user(void *ctx, int argc, char **argv, char *err, size_t errlen)
{
	struct timed_conf *c = ctx;

	(void)argc;
	return tg_conf_str(argv[0], c->user, sizeof(c->user), err, errlen);
}

static const struct tg_conf_key conf_keys[] = {
    {"device", 1, 1, 0, row_0},
    {"pps", 1, 1, 0, row_1},
    {"pps-delay", 1, 1, 0, row_2},
    {"pps-only", 1, 1, 0, row_3},
    {"steer", 1, 1, 0, row_4},
    {"step-start", 1, 1, 0, row_5},
    {"step-limit", 1, 1, 0, row_6},
    {"max-slew", 1, 1, 0, row_7},
    {"max-jump", 1, 1, 0, row_8},
    {"survey", 1, 1, 0, row_9},
    {"holdover-max", 1, 1, 0, row_10},
    {"holdover-drift", 1, 1, 0, row_11},
    {"leapfile", 1, 1, 0, row_12},
    {"leapfile-data", 1, 1, 0, row_13},
    {"anchors", 1, 1, 0, row_14},
    {"cross-check-max", 1, 1, 0, row_15},
    {"cross-check-interval", 1, 1, 0, row_16},
    {"status-file", 1, 1, 0, row_17},
    {"gnss-file", 1, 1, 0, row_18},
    {"chrony-sock", 1, 1, 0, row_19},
    {"date-floor-file", 1, 1, 0, row_20},
    {"lock-jitter", 1, 1, 0, row_21},
    {"xcheck-file", 1, 1, 0, row_22},
    {"baud", 1, 1, 0, key_baud},
    {"parity", 1, 1, 0, key_parity},
    {"pps-edge", 1, 1, 0, key_pps_edge},
    {"nmea-window", 2, 2, 0, key_nmea_window},
    {"site", 3, 3, 0, key_site},
    {"max-move", 1, 1, 0, key_max_move},
    {"shm", 1, 1, 0, key_shm},
    {"upstream", 1, 3, TG_CONF_MULTI, key_upstream},
    {"user", 1, 1, 0, key_user},
    {NULL, 0, 0, 0, NULL},
};

/* what no single keyword can check */
static int check_whole(const char *fname, const struct timed_conf *c, char *err, size_t errlen)
{
	if (!c->device[0] && !c->pps[0]) {
		snprintf(err, errlen, "%s: expected a time source: 'device' (NMEA) and/or 'pps'",
			 fname);
		return -1;
	}
	if (!c->device[0] && !c->pps_only) {
		snprintf(err, errlen,
			 "%s: 'pps' without 'device' needs 'pps-only yes' (the pulse alone does not "
			 "say which second it marks)",
			 fname);
		return -1;
	}
	if (c->n_upstream > 0 && !c->anchors[0]) {
		snprintf(err, errlen, "%s: 'upstream' needs 'anchors' (the CA certificates to trust)",
			 fname);
		return -1;
	}
	return 0;
}

int timed_conf_parse(const char *buf, size_t len, const char *fname, struct timed_conf *c,
		     char *err, size_t errlen)
{
	if (tg_conf_parse(buf, len, fname, conf_keys, c, err, errlen) < 0)
		return -1;
	return check_whole(fname, c, err, errlen);
}

int timed_conf_load(const char *path, struct timed_conf *c, char *err, size_t errlen)
{
	if (tg_conf_load(path, conf_keys, c, err, errlen) < 0)
		return -1;
	return check_whole(path, c, err, errlen);
}
