/*
 * ntp.c - NTP packet parsing and building, timestamp conversions.
 *
 * Every read is preceded by a bounds check against len; the functions
 * only fail by returning an error.  See ntp.h for the format rules.
 */
#include "ntp.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define NS_PER_S 1000000000ULL

static int fail(int code, char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail(int code, char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return code;
}

/* What follows the header: extension fields (v4 only), then an optional MAC. */
static int parse_tail(const uint8_t *buf, size_t len, struct tg_ntp_packet *out, char *err,
                      size_t errlen)
{
	size_t off = TG_NTP_HEADER_LEN;

	while (off < len) {
		size_t rest = len - off;
		uint16_t type, flen;

		if (rest == TG_NTP_MAC_MD5_LEN || rest == TG_NTP_MAC_SHA1_LEN) {
			out->mac_off = (uint16_t)off;
			out->mac_len = (uint16_t)rest;
			return TG_NTP_OK;
		}
		if (out->version != 4)
			return fail(
			    TG_NTP_EEXT, err, errlen,
			    "NTPv%u packet: expected 0, %d or %d bytes after the header, got %zu",
			    out->version, TG_NTP_MAC_MD5_LEN, TG_NTP_MAC_SHA1_LEN, rest);
		if (rest < TG_NTP_EF_MIN_LEN)
			return fail(TG_NTP_EEXT, err, errlen,
			            "%zu bytes at offset %zu: expected an extension field (>= %d) "
			            "or a MAC (%d or %d)",
			            rest, off, TG_NTP_EF_MIN_LEN, TG_NTP_MAC_MD5_LEN,
			            TG_NTP_MAC_SHA1_LEN);
		type = tg_ntp_get16(buf + off);
		flen = tg_ntp_get16(buf + off + 2);
		if (flen < TG_NTP_EF_MIN_LEN || flen % 4 != 0)
			return fail(TG_NTP_EEXT, err, errlen,
			            "extension field 0x%04x at offset %zu: length %u, expected a "
			            "multiple of 4 >= %d",
			            type, off, flen, TG_NTP_EF_MIN_LEN);
		if (flen > rest)
			return fail(TG_NTP_EEXT, err, errlen,
			            "extension field 0x%04x at offset %zu: length %u exceeds the "
			            "%zu bytes left",
			            type, off, flen, rest);
		if (out->n_ef == TG_NTP_MAX_EF)
			return fail(TG_NTP_EEXT, err, errlen, "more than %d extension fields",
			            TG_NTP_MAX_EF);
		out->ef[out->n_ef].off = (uint16_t)off;
		out->ef[out->n_ef].type = type;
		out->ef[out->n_ef].len = flen;
		out->n_ef++;
		off += flen;
	}
	return TG_NTP_OK;
}

int tg_ntp_parse(const uint8_t *buf, size_t len, struct tg_ntp_packet *out, char *err,
                 size_t errlen)
{
	memset(out, 0, sizeof(*out));
	if (err && errlen)
		err[0] = '\0';
	if (len < TG_NTP_HEADER_LEN)
		return fail(TG_NTP_ESHORT, err, errlen, "packet of %zu bytes, expected at least %d",
		            len, TG_NTP_HEADER_LEN);
	if (len > TG_NTP_MAX_PACKET)
		return fail(TG_NTP_ELONG, err, errlen, "packet of %zu bytes, expected at most %d",
		            len, TG_NTP_MAX_PACKET);

	out->leap = buf[0] >> 6;
	out->version = (buf[0] >> 3) & 7;
	out->mode = buf[0] & 7;
	if (out->version < 1 || out->version > 4)
		return fail(TG_NTP_EVERSION, err, errlen, "version %u, expected 1..4",
		            out->version);
	out->stratum = buf[1];
	out->poll = (int8_t)buf[2];
	out->precision = (int8_t)buf[3];
	out->root_delay = tg_ntp_get32(buf + 4);
	out->root_dispersion = tg_ntp_get32(buf + 8);
	memcpy(out->refid, buf + 12, 4);
	out->reference_ts = tg_ntp_get64(buf + 16);
	out->origin_ts = tg_ntp_get64(buf + 24);
	out->receive_ts = tg_ntp_get64(buf + 32);
	out->transmit_ts = tg_ntp_get64(buf + 40);
	out->len = len;

	return parse_tail(buf, len, out, err, errlen);
}

const char *tg_ntp_strerror(int err)
{
	switch (err) {
	case TG_NTP_OK:
		return "ok";
	case TG_NTP_ESHORT:
		return "short";
	case TG_NTP_EVERSION:
		return "version";
	case TG_NTP_EEXT:
		return "malformed";
	case TG_NTP_ELONG:
		return "oversize";
	}
	return "unknown";
}

size_t tg_ntp_build_response(const struct tg_ntp_packet *req, const struct tg_ntp_server_info *info,
                             uint64_t rx_ts, uint64_t tx_ts, uint8_t *out, size_t cap)
{
	if (cap < TG_NTP_HEADER_LEN)
		return 0;
	out[0] = (uint8_t)((info->leap & 3) << 6 | (req->version & 7) << 3 | TG_NTP_MODE_SERVER);
	out[1] = info->stratum;
	out[2] = (uint8_t)req->poll; /* RFC 5905 fast_xmit: copied from the request */
	out[3] = (uint8_t)info->precision;
	tg_ntp_put32(out + 4, info->root_delay);
	tg_ntp_put32(out + 8, info->root_dispersion);
	memcpy(out + 12, info->refid, 4);
	tg_ntp_put64(out + 16, info->reference_ts);
	tg_ntp_put64(out + 24, req->transmit_ts);
	tg_ntp_put64(out + 32, rx_ts);
	tg_ntp_put64(out + 40, tx_ts);
	return TG_NTP_HEADER_LEN;
}

void tg_ntp_set_transmit(uint8_t *pkt, uint64_t tx_ts)
{
	tg_ntp_put64(pkt + 40, tx_ts);
}

/*
 * Fractions: ns -> frac rounds up and frac -> ns rounds down, so that a
 * timespec survives the round trip (1 ns is more than 4 units of 2^-32 s).
 */
static uint32_t frac_from_ns(uint64_t ns)
{
	return (uint32_t)(((ns << 32) + NS_PER_S - 1) / NS_PER_S);
}

static long ns_from_frac(uint32_t frac)
{
	return (long)(((uint64_t)frac * NS_PER_S) >> 32);
}

uint64_t tg_ntp_from_timespec(const struct timespec *ts)
{
	int64_t sec = (int64_t)ts->tv_sec;
	int64_t nsec = ts->tv_nsec;

	/* tolerate an unnormalised tv_nsec */
	sec += nsec / (int64_t)NS_PER_S;
	nsec %= (int64_t)NS_PER_S;
	if (nsec < 0) {
		nsec += (int64_t)NS_PER_S;
		sec--;
	}
	/* modulo 2^32: the era is implicit on the wire */
	return (uint64_t)(uint32_t)((uint64_t)sec + (uint64_t)TG_NTP_UNIX_OFFSET) << 32 |
	       frac_from_ns((uint64_t)nsec);
}

uint64_t tg_ntp_from_unix_ns(int64_t unix_ns)
{
	struct timespec ts;
	int64_t rem = unix_ns % (int64_t)NS_PER_S;
	int64_t sec = unix_ns / (int64_t)NS_PER_S;

	if (rem < 0) {
		rem += (int64_t)NS_PER_S;
		sec--;
	}
	ts.tv_sec = (time_t)sec;
	ts.tv_nsec = (long)rem;
	return tg_ntp_from_timespec(&ts);
}

void tg_ntp_to_timespec(uint64_t ntp, int64_t pivot_unix_s, struct timespec *out)
{
	uint32_t sec32 = (uint32_t)(ntp >> 32);
	uint64_t pivot_ntp = (uint64_t)pivot_unix_s + (uint64_t)TG_NTP_UNIX_OFFSET;
	/* signed distance from the pivot, modulo 2^32: within [-2^31, 2^31) */
	int64_t delta = (int32_t)(sec32 - (uint32_t)pivot_ntp);

	out->tv_sec = (time_t)(pivot_unix_s + delta);
	out->tv_nsec = ns_from_frac((uint32_t)ntp);
}

uint32_t tg_ntp_short_from_ns(uint64_t ns)
{
	uint64_t sec = ns / NS_PER_S;
	uint64_t rem = ns % NS_PER_S;
	uint64_t v;

	if (sec >= 0x10000)
		return 0xffffffffu;
	/* the rounded-up fraction may reach 65536: add, then saturate */
	v = (sec << 16) + ((rem << 16) + NS_PER_S - 1) / NS_PER_S;
	return v > 0xffffffffu ? 0xffffffffu : (uint32_t)v;
}

int8_t tg_ntp_precision_from_ns(uint64_t res_ns)
{
	int p = 0;

	if (res_ns == 0)
		res_ns = 1;
	if (res_ns <= NS_PER_S) {
		/* the largest k with res << k <= 1 s gives p = -k (res < 2^30: no overflow) */
		while (p > -32 && (res_ns << (1 - p)) <= NS_PER_S)
			p--;
		return (int8_t)p;
	}
	while (p < 31 && (NS_PER_S << p) < res_ns)
		p++;
	return (int8_t)p;
}
