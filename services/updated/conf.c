/*
 * conf.c - /etc/timegate/updated.conf (lib/conf format), pure.  Every
 * key is optional; a missing file means the defaults (main.c).
 */
#include <stdio.h>
#include <string.h>

#include "conf.h"
#include "updated.h"

void upd_conf_defaults(struct upd_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->health_timeout_s = 600;
	c->health_interval_s = 5;
	c->media = 1;
	c->media_reboot = 1;
	c->ntske_port = 4460;
	c->ntp_port = 123;
	snprintf(c->ntsd_cert, sizeof(c->ntsd_cert), "%s", UPD_NTSD_CERT);
	snprintf(c->time_status, sizeof(c->time_status), "%s", UPD_TIME_STATUS);
	snprintf(c->user, sizeof(c->user), "%s", UPD_USER);
}

static int h_u32(const char *s, uint64_t min, uint64_t max, uint32_t *out, char *err,
		 size_t errlen)
{
	uint64_t v;

	if (tg_conf_u64(s, min, max, &v, err, errlen) < 0)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

static int h_port(const char *s, uint16_t *out, char *err, size_t errlen)
{
	uint64_t v;

	if (tg_conf_u64(s, 1, 65535, &v, err, errlen) < 0)
		return -1;
	*out = (uint16_t)v;
	return 0;
}

static int h_path(const char *s, char *dst, size_t dstlen, char *err, size_t errlen)
{
	if (s[0] != '/') {
		snprintf(err, errlen, "expected an absolute path, got '%.64s'", s);
		return -1;
	}
	return tg_conf_str(s, dst, dstlen, err, errlen);
}

static int h_health_timeout(void *ctx, int argc, char **argv, char *err, size_t errlen)
{
	(void)argc;
	return h_u32(argv[0], 30, 86400, &((struct upd_conf *)ctx)->health_timeout_s, err, errlen);
}

static int h_health_interval(void *ctx, int argc, char **argv, char *err, size_t errlen)
{
	(void)argc;
	return h_u32(argv[0], 1, 3600, &((struct upd_conf *)ctx)->health_interval_s, err, errlen);
}

static int h_media(void *ctx, int argc, char **argv, char *err, size_t errlen)
{
	(void)argc;
	return tg_conf_bool(argv[0], &((struct upd_conf *)ctx)->media, err, errlen);
}

static int h_media_reboot(void *ctx, int argc, char **argv, char *err, size_t errlen)
{
	(void)argc;
	return tg_conf_bool(argv[0], &((struct upd_conf *)ctx)->media_reboot, err, errlen);
}

static int h_ntske_port(void *ctx, int argc, char **argv, char *err, size_t errlen)
{
	(void)argc;
	return h_port(argv[0], &((struct upd_conf *)ctx)->ntske_port, err, errlen);
}

static int h_ntp_port(void *ctx, int argc, char **argv, char *err, size_t errlen)
{
	(void)argc;
	return h_port(argv[0], &((struct upd_conf *)ctx)->ntp_port, err, errlen);
}

static int h_ntsd_cert(void *ctx, int argc, char **argv, char *err, size_t errlen)
{
	struct upd_conf *c = ctx;

	(void)argc;
	return h_path(argv[0], c->ntsd_cert, sizeof(c->ntsd_cert), err, errlen);
}

static int h_time_status(void *ctx, int argc, char **argv, char *err, size_t errlen)
{
	struct upd_conf *c = ctx;

	(void)argc;
	return h_path(argv[0], c->time_status, sizeof(c->time_status), err, errlen);
}

static int h_user(void *ctx, int argc, char **argv, char *err, size_t errlen)
{
	struct upd_conf *c = ctx;

	(void)argc;
	return tg_conf_str(argv[0], c->user, sizeof(c->user), err, errlen);
}

static const struct tg_conf_key keys[] = {
	{"health-timeout", 1, 1, 0, h_health_timeout},
	{"health-interval", 1, 1, 0, h_health_interval},
	{"media", 1, 1, 0, h_media},
	{"media-reboot", 1, 1, 0, h_media_reboot},
	{"ntske-port", 1, 1, 0, h_ntske_port},
	{"ntp-port", 1, 1, 0, h_ntp_port},
	{"ntsd-cert", 1, 1, 0, h_ntsd_cert},
	{"time-status", 1, 1, 0, h_time_status},
	{"user", 1, 1, 0, h_user},
	{NULL, 0, 0, 0, NULL},
};

int upd_conf_parse(const char *buf, size_t len, const char *fname, struct upd_conf *c, char *err,
		   size_t errlen)
{
	return tg_conf_parse(buf, len, fname, keys, c, err, errlen);
}

int upd_conf_load(const char *path, struct upd_conf *c, char *err, size_t errlen)
{
	return tg_conf_load(path, keys, c, err, errlen);
}
