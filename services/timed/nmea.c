/*
 * nmea.c - NMEA 0183 reader, parser, epoch aggregator and date repair for
 * timed (see nmea.h for the API and the flow).
 *
 * Decisions worth knowing:
 * - Fields are (pointer, length) slices of the caller's buffer; numbers are
 *   parsed by hand with explicit digit limits, so an unterminated buffer,
 *   a locale or a 40-digit field can do nothing worse than a rejection.
 * - A sentence without "*hh" is accepted and marked absent (gpsd does the
 *   same: old receivers and $POLYN omit it); a wrong one is dropped.
 * - The reader keeps a sentence that another '$' interrupts only when it
 *   already ends in a correct checksum (two sentences run together); any
 *   other interrupted sentence is cut off and dropped.
 * - The epoch is "all sentences with the same time of day" plus the
 *   timeless ones (GSA, GSV) that follow them; the caller also closes an
 *   epoch on a quiet gap, which is what separates seconds on a real line.
 * - Fix mode follows gpsd's rules sentence by sentence (RMC/GLL give at
 *   least 2D when valid, GGA/GNS 3D with an altitude; GSA's fix type only
 *   raises a fix), so captures compare with gpsd's reports.
 * - "valid" needs a date and time, no receiver default date, a 2D/3D fix
 *   and a sentence of that second saying so with none saying 'V'.
 * - Satellites: one entry per (constellation, number) per epoch; for
 *   NMEA 4.11 multi-signal GSV the first signal's SNR is kept.
 */
#include "nmea.h"

#include <stdio.h>
#include <string.h>

#include "log.h"

#define SECS_PER_DAY 86400LL

/* ---------------------------------------------------------------- reader */

void tg_nmea_reader_init(struct tg_nmea_reader *r)
{
	memset(r, 0, sizeof(*r));
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

enum tg_nmea_cksum tg_nmea_checksum(const char *s, size_t len, size_t *body_len)
{
	size_t star, i;
	unsigned sum = 0;
	int hi, lo;

	*body_len = len;
	for (star = 1; star < len; star++)
		if (s[star] == '*')
			break;
	if (star >= len)
		return TG_NMEA_CKSUM_ABSENT;
	*body_len = star;
	if (len - star != 3)
		return TG_NMEA_CKSUM_BAD;
	hi = hexval((unsigned char)s[star + 1]);
	lo = hexval((unsigned char)s[star + 2]);
	if (hi < 0 || lo < 0)
		return TG_NMEA_CKSUM_BAD;
	for (i = 1; i < star; i++)
		sum ^= (unsigned char)s[i];
	return sum == (unsigned)(hi << 4 | lo) ? TG_NMEA_CKSUM_OK : TG_NMEA_CKSUM_BAD;
}

/* Finish the gathered sentence: 1 if it is returned, 0 if dropped. */
static int reader_finish(struct tg_nmea_reader *r, char *line, size_t linecap,
			 size_t *line_len, enum tg_nmea_cksum *cksum)
{
	size_t body;
	enum tg_nmea_cksum c;
	size_t n = r->len;

	r->in_sentence = 0;
	r->len = 0;
	if (r->overlong) {
		r->overlong = 0;
		return 0;
	}
	if (n < 2) { /* a lone '$' */
		r->n_junk += n;
		return 0;
	}
	c = tg_nmea_checksum((const char *)r->buf, n, &body);
	if (c == TG_NMEA_CKSUM_BAD) {
		r->n_bad_checksum++;
		return 0;
	}
	if (n + 1 > linecap) { /* caller's buffer too small: a bug, not input */
		r->n_overlong++;
		return 0;
	}
	memcpy(line, r->buf, n);
	line[n] = '\0';
	*line_len = n;
	*cksum = c;
	r->n_lines++;
	if (c == TG_NMEA_CKSUM_ABSENT)
		r->n_no_checksum++;
	return 1;
}

int tg_nmea_reader_next(struct tg_nmea_reader *r, const uint8_t *buf, size_t len,
			size_t *consumed, char *line, size_t linecap, size_t *line_len,
			enum tg_nmea_cksum *cksum)
{
	size_t i;

	for (i = 0; i < len; i++) {
		uint8_t c = buf[i];

		if (c == '$' || c == '!') {
			if (r->in_sentence) {
				size_t body;
				/* run together: keep it if it is complete */
				if (!r->overlong && r->len >= 4 &&
				    tg_nmea_checksum((const char *)r->buf, r->len, &body) ==
					    TG_NMEA_CKSUM_OK) {
					if (reader_finish(r, line, linecap, line_len, cksum)) {
						*consumed = i; /* the '$' starts the next call */
						return 1;
					}
				} else {
					if (!r->overlong)
						r->n_cut++;
					r->overlong = 0;
				}
			}
			r->in_sentence = 1;
			r->overlong = 0;
			r->buf[0] = c;
			r->len = 1;
			continue;
		}
		if (c == '\r' || c == '\n') {
			if (r->in_sentence && reader_finish(r, line, linecap, line_len, cksum)) {
				*consumed = i + 1;
				return 1;
			}
			continue;
		}
		if (!r->in_sentence) {
			r->n_junk++;
			continue;
		}
		if (r->overlong)
			continue;
		if (c < 0x20 || c > 0x7e) {
			/* NUL, binary or latin-1 inside a sentence: line noise */
			r->n_junk += r->len + 1;
			r->in_sentence = 0;
			r->len = 0;
			continue;
		}
		if (r->len >= sizeof(r->buf)) {
			r->overlong = 1;
			r->n_overlong++;
			continue;
		}
		r->buf[r->len++] = c;
	}
	*consumed = len;
	return 0;
}

/* ---------------------------------------------------------------- fields */

struct field {
	const char *p;
	size_t n;
};

static int is_digit(int c)
{
	return c >= '0' && c <= '9';
}

/* Unsigned integer of at most maxdig digits, nothing else. */
static int parse_uint(struct field f, int maxdig, int64_t *v)
{
	int64_t x = 0;
	size_t i;

	if (f.n == 0 || f.n > (size_t)maxdig)
		return -1;
	for (i = 0; i < f.n; i++) {
		if (!is_digit((unsigned char)f.p[i]))
			return -1;
		x = x * 10 + (f.p[i] - '0');
	}
	*v = x;
	return 0;
}

static int parse_int_range(struct field f, int maxdig, int lo, int hi, int *v)
{
	int64_t x;
	int neg = 0;

	if (f.n > 0 && (f.p[0] == '+' || f.p[0] == '-')) {
		neg = f.p[0] == '-';
		f.p++;
		f.n--;
	}
	if (parse_uint(f, maxdig, &x) != 0)
		return -1;
	if (neg)
		x = -x;
	if (x < lo || x > hi)
		return -1;
	*v = (int)x;
	return 0;
}

static const double pow10tab[19] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,
				    1e7,  1e8,  1e9,  1e10, 1e11, 1e12, 1e13,
				    1e14, 1e15, 1e16, 1e17, 1e18};

/*
 * Decimal number "[+-]ddd[.ddd]" with at most 18 significant digits in
 * total (more would overflow the int64 mantissa): *v = mant / 10^scale.
 */
static int parse_decimal(struct field f, int64_t *mant, int *scale)
{
	size_t i = 0;
	int64_t m = 0;
	int digits = 0, frac = 0, dot = 0, neg = 0;

	if (f.n == 0)
		return -1;
	if (f.p[0] == '-' || f.p[0] == '+') {
		neg = f.p[0] == '-';
		i = 1;
	}
	for (; i < f.n; i++) {
		int c = (unsigned char)f.p[i];
		if (c == '.') {
			if (dot)
				return -1;
			dot = 1;
			continue;
		}
		if (!is_digit(c))
			return -1;
		if (digits == 0 && c == '0' && !dot)
			continue; /* leading zeros are free */
		if (++digits > 18)
			return -1;
		m = m * 10 + (c - '0');
		if (dot)
			frac++;
	}
	/* zeros after the point count for the scale though not as digits */
	if (dot) {
		/* recount: the fraction is everything after '.' */
		const char *d = memchr(f.p, '.', f.n);
		frac = (int)(f.n - (size_t)(d - f.p) - 1);
		if (frac > 18)
			return -1;
	}
	if (digits == 0 && !dot && f.n == (size_t)(neg || f.p[0] == '+'))
		return -1; /* just a sign */
	if (dot && f.n == 1 + (size_t)(f.p[0] == '-' || f.p[0] == '+'))
		return -1; /* just "." */
	*mant = neg ? -m : m;
	*scale = frac;
	return 0;
}

static int parse_double(struct field f, double *v)
{
	int64_t m;
	int s;

	if (parse_decimal(f, &m, &s) != 0)
		return -1;
	*v = (double)m / pow10tab[s];
	return 0;
}

/* hhmmss[.fff]: up to 9 fraction digits (ns). */
static int parse_time(struct field f, int *h, int *m, int *s, int32_t *ns)
{
	int64_t x;
	size_t i;
	int32_t frac = 0;
	int nd = 0;

	if (f.n < 6)
		return -1;
	if (parse_uint((struct field){f.p, 6}, 6, &x) != 0)
		return -1;
	*h = (int)(x / 10000);
	*m = (int)(x / 100 % 100);
	*s = (int)(x % 100);
	if (*h > 23 || *m > 59 || *s > 60)
		return -1;
	if (f.n > 6) {
		if (f.p[6] != '.')
			return -1;
		for (i = 7; i < f.n; i++) {
			if (!is_digit((unsigned char)f.p[i]) || nd >= 9)
				return -1;
			frac = frac * 10 + (f.p[i] - '0');
			nd++;
		}
		for (; nd < 9; nd++)
			frac *= 10;
	}
	*ns = frac;
	return 0;
}

/* ddmm.mmmm / dddmm.mmmm plus hemisphere. */
static int parse_latlon(struct field v, struct field hemi, int is_lat, double *out)
{
	int64_t m;
	int s;
	double deg, min, raw;

	if (parse_decimal(v, &m, &s) != 0 || m < 0)
		return -1;
	raw = (double)m / pow10tab[s];
	deg = (double)(int64_t)(raw / 100.0);
	min = raw - deg * 100.0;
	/* 60.0 minutes does occur (MTK's "8960.000000" = 90 degrees) */
	if (min > 60.0)
		return -1;
	deg += min / 60.0;
	if (deg > (is_lat ? 90.0 : 180.0))
		return -1;
	if (hemi.n != 1)
		return -1;
	if (is_lat ? hemi.p[0] == 'S' : hemi.p[0] == 'W')
		deg = -deg;
	else if (hemi.p[0] != (is_lat ? 'N' : 'E'))
		return -1;
	*out = deg;
	return 0;
}

static int fld_is(struct field f, const char *s)
{
	size_t n = strlen(s);
	return f.n == n && memcmp(f.p, s, n) == 0;
}

/* A short field as text for error messages (never the whole line). */
static const char *fld_show(struct field f, char *buf, size_t cap)
{
	size_t i, n = f.n < cap - 1 ? f.n : cap - 1;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)f.p[i];
		buf[i] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	buf[n] = '\0';
	return buf;
}

/* ------------------------------------------------------- satellite numbers */

/* NMEA 4.1 GSA/GSV system id to gnssid; -1 unknown */
static int sysid_gnss(int sysid)
{
	switch (sysid) {
	case 1: return TG_GNSS_GPS;
	case 2: return TG_GNSS_GLONASS;
	case 3: return TG_GNSS_GALILEO;
	case 4: return TG_GNSS_BEIDOU;
	case 5: return TG_GNSS_QZSS;
	case 6: return TG_GNSS_NAVIC;
	default: return -1;
	}
}

/*
 * Satellite number as sent -> constellation and number within it.  The
 * ranges are NMEA's and the extensions gpsd documents (SBAS 33-64 =
 * 120-151, GLONASS 65-96, QZSS 193-202, BeiDou 201-263 or 401-463,
 * Galileo 301-336).  0: mapped; -1: not a satellite we can place.
 */
static const struct sat_range {
	int8_t talker;  /* the talker's constellation, or -1: any talker */
	uint8_t gnss;   /* constellation of the satellite */
	int16_t lo, hi; /* numbers as sent */
	int16_t base;   /* svid = number - base */
} sat_ranges[] = {
	/* a constellation's own talker: its own numbers, and the extended ones */
	{TG_GNSS_GLONASS, TG_GNSS_GLONASS, 65, 96, 64},
	{TG_GNSS_GLONASS, TG_GNSS_GLONASS, 1, 32, 0},
	{TG_GNSS_GALILEO, TG_GNSS_GALILEO, 1, 36, 0},
	{TG_GNSS_GALILEO, TG_GNSS_GALILEO, 301, 336, 300},
	{TG_GNSS_BEIDOU, TG_GNSS_BEIDOU, 1, 63, 0},
	{TG_GNSS_BEIDOU, TG_GNSS_BEIDOU, 201, 263, 200},
	{TG_GNSS_BEIDOU, TG_GNSS_BEIDOU, 401, 463, 400},
	{TG_GNSS_QZSS, TG_GNSS_QZSS, 1, 10, 0},
	{TG_GNSS_QZSS, TG_GNSS_QZSS, 193, 202, 192},
	{TG_GNSS_NAVIC, TG_GNSS_NAVIC, 1, 14, 0},
	/* GPS talker, GN, or out of the constellation's own range */
	{-1, TG_GNSS_GPS, 1, 32, 0},
	{-1, TG_GNSS_SBAS, 33, 64, -87},
	{-1, TG_GNSS_GLONASS, 65, 96, 64},
	{-1, TG_GNSS_SBAS, 120, 158, 0},
	{-1, TG_GNSS_QZSS, 193, 202, 192},
	{-1, TG_GNSS_BEIDOU, 203, 263, 200},
	{-1, TG_GNSS_GALILEO, 301, 336, 300},
	{-1, TG_GNSS_BEIDOU, 401, 463, 400},
};

static int map_sat(int gnss, int prn, uint8_t *out_gnss, uint16_t *svid)
{
	size_t i;
	int pass;

	if (prn <= 0)
		return -1;
	/* the talker's own ranges first, then the ranges any talker may use */
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < sizeof(sat_ranges) / sizeof(sat_ranges[0]); i++) {
			const struct sat_range *r = &sat_ranges[i];

			if (r->talker != (pass ? -1 : gnss) || prn < r->lo || prn > r->hi)
				continue;
			*out_gnss = r->gnss;
			*svid = (uint16_t)(prn - r->base);
			return 0;
		}
	return -1;
}

int tg_nmea_gpsd_prn(const struct tg_nmea_sat *s)
{
	switch (s->gnss) {
	case TG_GNSS_GPS: return s->svid;
	case TG_GNSS_SBAS: return s->svid - 87;
	case TG_GNSS_GALILEO: return 300 + s->svid;
	case TG_GNSS_BEIDOU: return 400 + s->svid;
	case TG_GNSS_QZSS: return 192 + s->svid;
	case TG_GNSS_GLONASS: return 64 + s->svid;
	case TG_GNSS_NAVIC: return 800 + s->svid;
	default: return s->prn;
	}
}

static int talker_gnss(const char *t)
{
	static const struct {
		char t[3];
		int g;
	} tab[] = {
		{"GP", TG_GNSS_GPS},     {"GL", TG_GNSS_GLONASS}, {"GA", TG_GNSS_GALILEO},
		{"GB", TG_GNSS_BEIDOU},  {"BD", TG_GNSS_BEIDOU},  {"GQ", TG_GNSS_QZSS},
		{"QZ", TG_GNSS_QZSS},    {"GI", TG_GNSS_NAVIC},   {"IR", TG_GNSS_NAVIC},
	};
	size_t i;

	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
		if (t[0] == tab[i].t[0] && t[1] == tab[i].t[1])
			return tab[i].g;
	return TG_GNSS_UNKNOWN;
}

/* ---------------------------------------------------------------- parser */

struct ctx {
	struct field f[TG_NMEA_FIELDS_MAX];
	int nf;                 /* fields, the address included */
	char *err;
	size_t errlen;
	const char *name;
};

/* optional field i: absent when beyond the sentence or empty */
static struct field F(const struct ctx *c, int i)
{
	if (i < c->nf)
		return c->f[i];
	return (struct field){"", 0};
}

static int bad(const struct ctx *c, int i, const char *what)
{
	char b[24];
	tg_seterr(c->err, c->errlen, "%s field %d: expected %s, saw \"%s\"", c->name, i, what,
		  fld_show(F(c, i), b, sizeof(b)));
	return -1;
}

static int get_time(const struct ctx *c, int i, struct tg_nmea_sentence *o)
{
	if (F(c, i).n == 0)
		return 0;
	if (parse_time(F(c, i), &o->hour, &o->min, &o->sec, &o->nsec) != 0)
		return bad(c, i, "hhmmss[.sss]");
	o->have_time = 1;
	return 0;
}

static int get_pos(const struct ctx *c, int i, struct tg_nmea_sentence *o)
{
	/* all four empty: no position; some empty: malformed */
	int empty = (F(c, i).n == 0) + (F(c, i + 1).n == 0) + (F(c, i + 2).n == 0) +
		    (F(c, i + 3).n == 0);

	if (empty == 4)
		return 0;
	if (empty)
		return bad(c, i, "a complete position");
	if (parse_latlon(F(c, i), F(c, i + 1), 1, &o->lat) != 0)
		return bad(c, i, "latitude ddmm.mmm,N|S");
	if (parse_latlon(F(c, i + 2), F(c, i + 3), 0, &o->lon) != 0)
		return bad(c, i + 2, "longitude dddmm.mmm,E|W");
	o->have_pos = 1;
	return 0;
}

static int get_char(const struct ctx *c, int i, const char *allowed, char *v)
{
	struct field f = F(c, i);

	if (f.n == 0)
		return 0;
	if (f.n != 1 || !strchr(allowed, f.p[0]) || f.p[0] == '\0')
		return bad(c, i, allowed);
	*v = f.p[0];
	return 0;
}

static int get_alt(const struct ctx *c, int i, struct tg_nmea_sentence *o)
{
	if (F(c, i).n == 0)
		return 0;
	if (parse_double(F(c, i), &o->alt) != 0 || o->alt < -100000.0 || o->alt > 1e8)
		return bad(c, i, "altitude in metres");
	o->have_alt = 1;
	return 0;
}

static int get_nused(const struct ctx *c, int i, struct tg_nmea_sentence *o)
{
	if (F(c, i).n == 0)
		return 0;
	if (parse_int_range(F(c, i), 3, 0, 999, &o->n_used) != 0)
		return bad(c, i, "a satellite count");
	return 0;
}

static int parse_rmc(const struct ctx *c, struct tg_nmea_sentence *o)
{
	struct field d = F(c, 9);

	if (get_time(c, 1, o) || get_char(c, 2, "AV", &o->status) || get_pos(c, 3, o))
		return -1;
	if (d.n != 0) {
		int64_t x;
		/* Telit's "2208-1" after the 2019 rollover fails here: gpsd
		 * also rejects it (its TPV then has no time) */
		if (parse_uint(d, 6, &x) != 0 || d.n != 6)
			return bad(c, 9, "date ddmmyy");
		o->day = (int)(x / 10000);
		o->month = (int)(x / 100 % 100);
		o->year = (int)(x % 100);
		o->year_digits = 2;
		if (o->day < 1 || o->day > 31 || o->month < 1 || o->month > 12)
			return bad(c, 9, "date ddmmyy");
		o->have_date = 1;
	}
	if (get_char(c, 12, "ADEFMNPRSCU", &o->faa_mode) || get_char(c, 13, "SCUV", &o->nav_status))
		return -1;
	return 0;
}

static int parse_gga(const struct ctx *c, struct tg_nmea_sentence *o)
{
	if (get_time(c, 1, o) || get_pos(c, 2, o))
		return -1;
	if (F(c, 6).n && parse_int_range(F(c, 6), 1, 0, 9, &o->quality) != 0)
		return bad(c, 6, "fix quality 0-9");
	if (get_nused(c, 7, o) || get_alt(c, 9, o))
		return -1;
	return 0;
}

static int parse_gns(const struct ctx *c, struct tg_nmea_sentence *o)
{
	struct field m = F(c, 6);
	size_t i;

	if (get_time(c, 1, o) || get_pos(c, 2, o))
		return -1;
	if (m.n >= sizeof(o->gns_mode))
		return bad(c, 6, "mode letters (at most 7)");
	for (i = 0; i < m.n; i++)
		if (m.p[i] < 'A' || m.p[i] > 'Z')
			return bad(c, 6, "mode letters");
	memcpy(o->gns_mode, m.p, m.n);
	o->gns_mode[m.n] = '\0';
	if (get_nused(c, 7, o) || get_alt(c, 9, o))
		return -1;
	return 0;
}

static int parse_gll(const struct ctx *c, struct tg_nmea_sentence *o)
{
	if (get_pos(c, 1, o) || get_time(c, 5, o) || get_char(c, 6, "AV", &o->status) ||
	    get_char(c, 7, "ADEFMNPRSCU", &o->faa_mode))
		return -1;
	return 0;
}

static int parse_zda(const struct ctx *c, struct tg_nmea_sentence *o)
{
	int empty;

	if (get_time(c, 1, o))
		return -1;
	empty = (F(c, 2).n == 0) + (F(c, 3).n == 0) + (F(c, 4).n == 0);
	if (empty == 3)
		return 0;
	if (parse_int_range(F(c, 2), 2, 1, 31, &o->day) != 0)
		return bad(c, 2, "day 1-31");
	if (parse_int_range(F(c, 3), 2, 1, 12, &o->month) != 0)
		return bad(c, 3, "month 1-12");
	if (F(c, 4).n != 4 || parse_int_range(F(c, 4), 4, 1980, 9999, &o->year) != 0)
		return bad(c, 4, "a 4-digit year from 1980");
	o->year_digits = 4;
	o->have_date = 1;
	return 0;
}

static int parse_gsa(const struct ctx *c, struct tg_nmea_sentence *o)
{
	int last = c->nf - 1, i, first_dop;
	char mode = 0;

	/* fields: 1 A/M, 2 fix type, 3.. PRNs, PDOP, HDOP, VDOP[, system id].
	 * The system id is an integer; BeiDou receivers that put a fourth
	 * DOP-like float there (SiRF-TriG) are taken as having none. */
	if (c->nf >= 19) {
		struct field s = F(c, last);
		int v;
		if (s.n && memchr(s.p, '.', s.n) == NULL &&
		    parse_int_range(s, 2, 0, 15, &v) == 0) {
			o->gsa_system = v;
			last--;
		} else if (s.n == 0 || (c->nf == 19 && memchr(s.p, '.', s.n))) {
			last--; /* empty, or SiRF-TriG's extra DOP */
		}
	}
	if (get_char(c, 1, "AM", &mode))
		return -1;
	if (F(c, 2).n && parse_int_range(F(c, 2), 1, 1, 3, &o->fix_type) != 0)
		return bad(c, 2, "fix type 1-3");
	first_dop = last - 2;
	if (first_dop < 3)
		first_dop = c->nf; /* no DOPs: every field after 2 is a PRN */
	for (i = 3; i < first_dop && i < c->nf; i++) {
		int prn;
		if (F(c, i).n == 0)
			continue;
		if (parse_int_range(F(c, i), 3, 1, 999, &prn) != 0)
			return bad(c, i, "a satellite number");
		if (o->n_gsa >= TG_NMEA_GSA_MAX)
			return bad(c, i, "at most 16 satellites");
		o->gsa_prn[o->n_gsa++] = (uint16_t)prn;
	}
	return 0;
}

static int parse_gsv(const struct ctx *c, struct tg_nmea_sentence *o)
{
	int n = c->nf - 4, i, g;

	if (parse_int_range(F(c, 1), 2, 1, 99, &o->gsv_total) != 0)
		return bad(c, 1, "number of messages");
	if (parse_int_range(F(c, 2), 2, 1, 99, &o->gsv_num) != 0 || o->gsv_num > o->gsv_total)
		return bad(c, 2, "message number <= number of messages");
	if (F(c, 3).n && parse_int_range(F(c, 3), 3, 0, 999, &o->gsv_sats) != 0)
		return bad(c, 3, "satellites in view");
	if (n < 0)
		n = 0;
	if (n % 4 == 1) { /* NMEA 4.1 signal id after the groups */
		struct field s = F(c, c->nf - 1);
		/* one hex digit: 4.11 signal ids go up to B (ST Teseo, BeiDou) */
		if (s.n && (s.n != 1 || hexval((unsigned char)s.p[0]) < 0))
			return bad(c, c->nf - 1, "signal id (hex digit)");
		if (s.n)
			o->gsv_signal = hexval((unsigned char)s.p[0]);
		n--;
	} else if (n % 4 != 0) {
		return bad(c, c->nf - 1, "groups of 4 satellite fields");
	}
	for (g = 0; g < n / 4; g++) {
		struct tg_nmea_sat *s;
		int prn, v;
		i = 4 + 4 * g;
		if (F(c, i).n == 0)
			continue; /* empty group (padding) */
		if (parse_int_range(F(c, i), 3, 0, 999, &prn) != 0)
			return bad(c, i, "a satellite number");
		if (o->n_gsv >= TG_NMEA_GSV_MAX)
			return bad(c, i, "at most 8 satellites");
		s = &o->gsv[o->n_gsv];
		memset(s, 0, sizeof(*s));
		s->prn = (uint16_t)prn;
		if (F(c, i + 1).n) {
			if (parse_int_range(F(c, i + 1), 3, -90, 90, &v) != 0)
				return bad(c, i + 1, "elevation -90..90");
			s->el = (int16_t)v, s->have_el = 1;
		}
		if (F(c, i + 2).n) {
			if (parse_int_range(F(c, i + 2), 3, 0, 360, &v) != 0)
				return bad(c, i + 2, "azimuth 0..360");
			s->az = (int16_t)v, s->have_az = 1;
		}
		if (F(c, i + 3).n) {
			if (parse_int_range(F(c, i + 3), 3, 0, 99, &v) != 0)
				return bad(c, i + 3, "SNR 0..99 dB-Hz");
			s->ss = (int16_t)v, s->have_ss = 1;
		}
		s->sigid = (uint8_t)(o->gsv_signal > 0 ? o->gsv_signal : 0);
		if (map_sat(o->gnss, prn, &s->gnss, &s->svid) != 0)
			continue; /* a number we cannot place: skip it, not the line */
		o->n_gsv++;
	}
	/* the signal id comes last: fill it into the groups read before it */
	for (g = 0; g < o->n_gsv; g++)
		o->gsv[g].sigid = (uint8_t)(o->gsv_signal > 0 ? o->gsv_signal : 0);
	return 0;
}

/* yyyymmddhhmmss -> UTC seconds */
static int parse_stamp14(struct field f, int64_t *utc)
{
	int64_t x;
	int y, mo, d, h, mi, s;

	if (f.n != 14 || parse_uint(f, 14, &x) != 0)
		return -1;
	s = (int)(x % 100), x /= 100;
	mi = (int)(x % 100), x /= 100;
	h = (int)(x % 100), x /= 100;
	d = (int)(x % 100), x /= 100;
	mo = (int)(x % 100), x /= 100;
	y = (int)x;
	if (y == 0 && mo == 0 && d == 0 && h == 0 && mi == 0 && s == 0) {
		*utc = 0;
		return 0;
	}
	if (y < 1980 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60)
		return -1;
	*utc = tg_nmea_days_from_civil(y, mo, d) * SECS_PER_DAY + h * 3600 + mi * 60 + s;
	return 0;
}

/*
 * Furuno GT-8x $PERDCRW,TPS1: 1 "TPS1", 2 UTC yyyymmddhhmmss, 3 time
 * status, 4 next leap event yyyymmddhhmmss (zeros: none), 5 current
 * GPS-UTC, 6 GPS-UTC after the event, 7 PPS status.
 */
static int parse_perdcrw(const struct ctx *c, struct tg_nmea_sentence *o)
{
	int64_t t;

	if (!fld_is(F(c, 1), "TPS1")) {
		o->type = TG_NMEA_IGNORED; /* TPS2.. are in PERDCRX/Y/Z */
		return 0;
	}
	if (F(c, 2).n) {
		struct field f = F(c, 2);
		if (parse_stamp14(f, &t) != 0 || t == 0)
			return bad(c, 2, "UTC yyyymmddhhmmss");
		o->year = (int)((f.p[0] - '0') * 1000 + (f.p[1] - '0') * 100 +
				(f.p[2] - '0') * 10 + (f.p[3] - '0'));
		o->month = (f.p[4] - '0') * 10 + (f.p[5] - '0');
		o->day = (f.p[6] - '0') * 10 + (f.p[7] - '0');
		o->hour = (f.p[8] - '0') * 10 + (f.p[9] - '0');
		o->min = (f.p[10] - '0') * 10 + (f.p[11] - '0');
		o->sec = (f.p[12] - '0') * 10 + (f.p[13] - '0');
		o->year_digits = 4;
		o->have_date = o->have_time = 1;
	}
	if (F(c, 3).n && parse_int_range(F(c, 3), 1, 0, 9, &o->time_status) != 0)
		return bad(c, 3, "time status 0-9");
	if (F(c, 4).n && parse_stamp14(F(c, 4), &o->leap_event_s) != 0)
		return bad(c, 4, "leap event yyyymmddhhmmss");
	if (F(c, 5).n) {
		if (parse_int_range(F(c, 5), 3, -99, 999, &o->leap_current) != 0)
			return bad(c, 5, "current leap seconds");
		o->have_leap = 1;
	}
	if (F(c, 6).n) {
		if (parse_int_range(F(c, 6), 3, -99, 999, &o->leap_next) != 0)
			return bad(c, 6, "next leap seconds");
		o->have_leap_next = 1;
	}
	return 0;
}

/*
 * Garmin $PGRMF: 1 GPS week, 2 TOW, 3 ddmmyy, 4 hhmmss, 5 leap seconds,
 * 6-9 position, 10 mode M/A, 11 fix 0 none 1 2D 2 3D, ...
 */
static int parse_pgrmf(const struct ctx *c, struct tg_nmea_sentence *o)
{
	struct field d = F(c, 3);
	int64_t x;

	if (d.n) {
		if (d.n != 6 || parse_uint(d, 6, &x) != 0)
			return bad(c, 3, "date ddmmyy");
		o->day = (int)(x / 10000), o->month = (int)(x / 100 % 100), o->year = (int)(x % 100);
		if (o->day < 1 || o->day > 31 || o->month < 1 || o->month > 12)
			return bad(c, 3, "date ddmmyy");
		o->year_digits = 2;
		o->have_date = 1;
	}
	if (get_time(c, 4, o))
		return -1;
	if (F(c, 5).n) {
		if (parse_int_range(F(c, 5), 3, -99, 999, &o->leap_current) != 0)
			return bad(c, 5, "leap seconds");
		o->have_leap = 1;
	}
	if (get_pos(c, 6, o))
		return -1;
	if (F(c, 11).n && parse_int_range(F(c, 11), 1, 0, 2, &o->time_status) != 0)
		return bad(c, 11, "fix type 0-2");
	return 0;
}

static const char *const ignored_std[] = {
	"VTG", "GST", "GBS", "TXT", "GRS", "RMB", "DTM", "VLW", "THS", "HDT", "GBQ",
	"GLQ", "GNQ", "GPQ", "RLM", "ALM", "GFA",
};
static const char *const ignored_prop[] = {
	"PMTK", "PSTM", "PTNL", "PJLTS", "PERD", "PERC", "PGRM", "PSRF", "PUBX",
	"PQ", "PSTI", "POLYN", "PDTINFO", "PGLOR", "PSAT", "PAIR", "PCAS",
};

int tg_nmea_parse(const char *s, size_t len, struct tg_nmea_sentence *out, char *err,
		  size_t errlen)
{
	struct ctx c;
	size_t body, i, start;
	struct field a;
	int r;

	memset(out, 0, sizeof(*out));
	out->quality = out->fix_type = out->n_used = -1;
	out->gsa_system = out->gsv_total = out->gsv_num = out->gsv_sats = -1;
	out->gsv_signal = out->time_status = -1;
	memset(&c, 0, sizeof(c));
	c.err = err;
	c.errlen = errlen;
	c.name = "NMEA";

	while (len > 0 && (s[len - 1] == '\n' || s[len - 1] == '\r'))
		len--;
	if (len < 2 || (s[0] != '$' && s[0] != '!')) {
		tg_seterr(err, errlen, "NMEA: expected a sentence starting with '$', saw %zu bytes",
			  len);
		return -1;
	}
	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch < 0x20 || ch > 0x7e) {
			tg_seterr(err, errlen, "NMEA: expected printable ASCII, saw byte 0x%02x at %zu",
				  ch, i);
			return -1;
		}
	}
	out->checksum = tg_nmea_checksum(s, len, &body);
	if (out->checksum == TG_NMEA_CKSUM_BAD) {
		tg_seterr(err, errlen, "NMEA: bad checksum: expected \"*hh\" matching the sentence, saw \"%.*s\"",
			  (int)(len - body > 8 ? 8 : len - body), s + body);
		return -1;
	}
	/* split "$ADDR,f1,f2..." into fields */
	start = 1;
	for (i = 1; i <= body; i++) {
		if (i == body || s[i] == ',') {
			if (c.nf >= TG_NMEA_FIELDS_MAX) {
				tg_seterr(err, errlen, "NMEA: expected at most %d fields, saw more",
					  TG_NMEA_FIELDS_MAX);
				return -1;
			}
			c.f[c.nf++] = (struct field){s + start, i - start};
			start = i + 1;
		}
	}
	a = c.f[0];
	if (a.n < 2 || a.n >= sizeof(out->name)) {
		char b[16];
		tg_seterr(err, errlen, "NMEA: expected an address of 2-23 letters, saw \"%s\"",
			  fld_show(a, b, sizeof(b)));
		return -1;
	}
	for (i = 0; i < a.n; i++) {
		if (!((a.p[i] >= 'A' && a.p[i] <= 'Z') || (a.p[i] >= '0' && a.p[i] <= '9'))) {
			char b[16];
			tg_seterr(err, errlen, "NMEA: expected an address of capitals and digits, saw \"%s\"",
				  fld_show(a, b, sizeof(b)));
			return -1;
		}
	}
	if (a.p[0] == 'P') {
		out->talker[0] = 'P';
		memcpy(out->name, a.p, a.n < sizeof(out->name) ? a.n : sizeof(out->name) - 1);
		out->gnss = TG_GNSS_UNKNOWN;
	} else {
		if (a.n != 5) {
			char b[16];
			tg_seterr(err, errlen, "NMEA: expected talker + 3-letter type, saw \"%s\"",
				  fld_show(a, b, sizeof(b)));
			return -1;
		}
		out->talker[0] = a.p[0];
		out->talker[1] = a.p[1];
		memcpy(out->name, a.p + 2, 3);
		out->gnss = (uint8_t)talker_gnss(out->talker);
	}
	c.name = out->name;

	r = 0;
	if (out->talker[0] != 'P') {
		const char *t = out->name;
		if (!strcmp(t, "RMC"))
			out->type = TG_NMEA_RMC, r = parse_rmc(&c, out);
		else if (!strcmp(t, "GGA"))
			out->type = TG_NMEA_GGA, r = parse_gga(&c, out);
		else if (!strcmp(t, "GNS"))
			out->type = TG_NMEA_GNS, r = parse_gns(&c, out);
		else if (!strcmp(t, "GLL"))
			out->type = TG_NMEA_GLL, r = parse_gll(&c, out);
		else if (!strcmp(t, "ZDA"))
			out->type = TG_NMEA_ZDA, r = parse_zda(&c, out);
		else if (!strcmp(t, "GSA"))
			out->type = TG_NMEA_GSA, r = parse_gsa(&c, out);
		else if (!strcmp(t, "GSV"))
			out->type = TG_NMEA_GSV, r = parse_gsv(&c, out);
		else {
			for (i = 0; i < sizeof(ignored_std) / sizeof(ignored_std[0]); i++)
				if (!strcmp(t, ignored_std[i]))
					out->type = TG_NMEA_IGNORED;
		}
	} else {
		if (!strcmp(out->name, "PERDCRW"))
			out->type = TG_NMEA_PERDCRW, r = parse_perdcrw(&c, out);
		else if (!strcmp(out->name, "PGRMF"))
			out->type = TG_NMEA_PGRMF, r = parse_pgrmf(&c, out);
		else {
			for (i = 0; i < sizeof(ignored_prop) / sizeof(ignored_prop[0]); i++)
				if (!strncmp(out->name, ignored_prop[i], strlen(ignored_prop[i])))
					out->type = TG_NMEA_IGNORED;
		}
	}
	return r;
}

/* ------------------------------------------------------------- dates */

int64_t tg_nmea_days_from_civil(int64_t y, int m, int d)
{
	/* H. Hinnant's days_from_civil */
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/*
 * 2-digit year: the century that puts the date in the 100 years starting
 * 1024 weeks before the floor.  The brief's first idea, "at or after the
 * floor", would read 99 with a 2019 floor as 2099, when the receiver
 * (Telit HE910 in april6_2019.log) means 1999-08-22 = 2019-04-07 minus
 * 1024 weeks; starting the window 1024 weeks early lets a single rollover
 * show up as "before the floor" and be repaired by tg_nmea_fix_date.  It
 * works while real dates are less than ~80 years past the floor.
 */
int tg_nmea_full_year(int yy, int month, int day, int64_t floor_s)
{
	int64_t lo = floor_s - TG_NMEA_GPS_ROLLOVER_S;
	int c;

	if (yy < 0 || yy > 99)
		return yy;

	for (c = 1900; c <= 2900; c += 100) {
		int64_t t = tg_nmea_days_from_civil(c + yy, month, day) * SECS_PER_DAY;
		if (t + SECS_PER_DAY > lo)
			return c + yy;
	}
	return 2000 + yy;
}

int64_t tg_nmea_fix_date(int64_t utc_s, int64_t floor_s)
{
	int64_t lim, k;

	/* far outside any calendar we parse: leave it (and no overflow) */
	if (utc_s < -(1LL << 40) || utc_s > (1LL << 40) || floor_s < -(1LL << 40) ||
	    floor_s > (1LL << 40))
		return utc_s;
	lim = floor_s - SECS_PER_DAY;
	if (utc_s >= lim)
		return utc_s;
	k = (lim - utc_s + TG_NMEA_GPS_ROLLOVER_S - 1) / TG_NMEA_GPS_ROLLOVER_S;
	return utc_s + k * TG_NMEA_GPS_ROLLOVER_S;
}

/*
 * GPS receivers without a fix count from the GPS epoch (1980-01-06): the
 * MTK-3301 reports 1980-01-05 and 1980-01-12 before its first fix.  Such a
 * date is a placeholder, not a rolled-over date: a real rollover lands in
 * 1999 or later.  2-digit "80" counts as 1980 here.
 */
int tg_nmea_default_date(int year, int month, int day)
{
	(void)day;
	return (year == 1980 || year == 80) && month == 1;
}

/* ------------------------------------------------------------- epochs */

static void epoch_clear(struct tg_nmea_agg *a)
{
	memset(&a->cur, 0, sizeof(a->cur));
	a->cur.quality = -1;
	a->cur.n_used_reported = -1;
	a->n_gsa = 0;
	a->gsa_mode = -1;
	a->n_gsv_keys = 0;
	a->valid_votes = a->invalid_votes = 0;
}

void tg_nmea_agg_init(struct tg_nmea_agg *a, int64_t floor_s)
{
	memset(a, 0, sizeof(*a));
	a->floor_s = floor_s;
	a->last_tod_s = -1;
	a->mode_rmc = -1;
	epoch_clear(a);
	a->cur.mode = 0;
}

static int sat_find(const struct tg_nmea_epoch *e, uint8_t gnss, uint16_t svid)
{
	int i;
	for (i = 0; i < e->n_sats; i++)
		if (e->sats[i].gnss == gnss && e->sats[i].svid == svid)
			return i;
	return -1;
}

/* Close the epoch: date, validity, used flags.  0 if it holds nothing. */
static int epoch_finish(struct tg_nmea_agg *a, struct tg_nmea_epoch *done)
{
	struct tg_nmea_epoch *e = &a->cur;
	int i, j;

	if (e->n_sentences == 0 && e->n_errors == 0)
		return 0;
	if (e->have_tod && a->have_date) {
		int64_t tod = e->hour * 3600LL + e->min * 60 + e->sec;
		int64_t day = tg_nmea_days_from_civil(a->year, a->month, a->day);
		/* a date carried over midnight from an earlier RMC */
		if (e->date_carried && a->last_tod_s >= 0 && tod + 43200 < a->last_tod_s) {
			day++;
			a->year = 0; /* recomputed below from day */
			{
				/* civil_from_days, just for the carried date */
				int64_t z = day + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
				int64_t doe = z - era * 146097;
				int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
				int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
				int64_t mp = (5 * doy + 2) / 153;
				a->day = (int)(doy - (153 * mp + 2) / 5 + 1);
				a->month = (int)(mp < 10 ? mp + 3 : mp - 9);
				a->year = (int)(yoe + era * 400 + (a->month <= 2));
			}
		}
		e->utc_s = day * SECS_PER_DAY + tod;
		e->utc_ns = e->nsec;
		e->date_default = a->date_default;
		e->date_rolled = a->date_rolled;
		e->have_utc = 1;
		a->last_tod_s = tod;
	} else if (e->have_tod) {
		a->last_tod_s = e->hour * 3600LL + e->min * 60 + e->sec;
	}
	/* GSA's fix type raises a fix the other sentences gave, never lowers
	 * it (gpsd reports 3D for MTK and Telit epochs with an altitude whose
	 * GSA says 2D), and stands alone when they gave no mode at all */
	if (a->gsa_mode > 0 && (e->mode == 0 || (e->mode >= 2 && a->gsa_mode > e->mode)))
		e->mode = a->gsa_mode;
	/* used flags from the GSAs of the epoch */
	e->n_used = 0;
	for (i = 0; i < e->n_sats; i++) {
		e->sats[i].used = 0;
		for (j = 0; j < a->n_gsa; j++)
			if (a->used[j].gnss == e->sats[i].gnss && a->used[j].svid == e->sats[i].svid)
				e->sats[i].used = 1;
		e->n_used += e->sats[i].used;
	}
	e->valid = e->have_utc && !e->date_default && a->valid_votes > 0 &&
		   a->invalid_votes == 0 && e->mode >= 2;
	*done = *e;
	{
		int mode = e->mode;
		epoch_clear(a);
		a->cur.mode = mode; /* fix mode persists, as in gpsd */
	}
	return 1;
}

int tg_nmea_epoch_flush(struct tg_nmea_agg *a, struct tg_nmea_epoch *done)
{
	return epoch_finish(a, done);
}

void tg_nmea_epoch_count_error(struct tg_nmea_agg *a, int bad_checksum)
{
	a->cur.n_errors++;
	if (bad_checksum)
		a->cur.n_bad_checksum++;
}

static void set_date(struct tg_nmea_agg *a, const struct tg_nmea_sentence *s)
{
	int year = s->year;
	int64_t t, fixed;

	a->date_default = tg_nmea_default_date(s->year, s->month, s->day);
	if (s->year_digits == 2)
		year = a->date_default ? 1980 : tg_nmea_full_year(s->year, s->month, s->day, a->floor_s);
	a->date_rolled = 0;
	a->year = year, a->month = s->month, a->day = s->day;
	if (!a->date_default) {
		t = tg_nmea_days_from_civil(year, s->month, s->day) * SECS_PER_DAY;
		fixed = tg_nmea_fix_date(t, a->floor_s);
		if (fixed != t) {
			int64_t z = fixed / SECS_PER_DAY + 719468, era = z / 146097;
			int64_t doe = z - era * 146097;
			int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
			int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
			int64_t mp = (5 * doy + 2) / 153;
			a->day = (int)(doy - (153 * mp + 2) / 5 + 1);
			a->month = (int)(mp < 10 ? mp + 3 : mp - 9);
			a->year = (int)(yoe + era * 400 + (a->month <= 2));
			a->date_rolled = 1;
		}
	}
	a->have_date = 1;
	a->cur.date_carried = 0;
}

/* 1 if key was already in keys[] (and then the list restarts with it) */
static int cycle_seen(uint16_t *keys, int *n, uint16_t key)
{
	int i;

	for (i = 0; i < *n; i++) {
		if (keys[i] == key) {
			keys[0] = key;
			*n = 1;
			return 1;
		}
	}
	if (*n < 16)
		keys[(*n)++] = key;
	return 0;
}

static void add_used(struct tg_nmea_agg *a, const struct tg_nmea_sentence *s)
{
	int i, g = s->gnss;


	if (s->gsa_system >= 0 && sysid_gnss(s->gsa_system) >= 0)
		g = sysid_gnss(s->gsa_system);
	for (i = 0; i < s->n_gsa && a->n_gsa < TG_NMEA_SATS_MAX; i++) {
		uint8_t gn;
		uint16_t sv;
		if (map_sat(g, s->gsa_prn[i], &gn, &sv) != 0)
			continue;
		a->used[a->n_gsa].gnss = gn;
		a->used[a->n_gsa].svid = sv;
		a->used[a->n_gsa].prn = s->gsa_prn[i];
		a->n_gsa++;
	}
}

int tg_nmea_epoch_add(struct tg_nmea_agg *a, const struct tg_nmea_sentence *s,
		      struct tg_nmea_epoch *done)
{
	struct tg_nmea_epoch *e;
	int finished = 0, i;
	int uses_time = s->have_time && s->type != TG_NMEA_PERDCRW && s->type != TG_NMEA_PGRMF;

	/* a new time of day starts a new epoch */
	if (uses_time && a->cur.have_tod &&
	    (s->hour != a->cur.hour || s->min != a->cur.min || s->sec != a->cur.sec ||
	     s->nsec != a->cur.nsec))
		finished = epoch_finish(a, done);
	e = &a->cur;
	e->n_sentences++;
	if (uses_time && !e->have_tod) {
		e->have_tod = 1;
		e->hour = s->hour, e->min = s->min, e->sec = s->sec, e->nsec = s->nsec;
		if (!a->have_date || !(s->have_date))
			e->date_carried = 1;
	}
	if (s->have_date && (s->type == TG_NMEA_RMC || s->type == TG_NMEA_ZDA))
		set_date(a, s);
	if (s->have_pos && (s->type == TG_NMEA_GGA || s->type == TG_NMEA_GNS ||
			    !e->have_pos)) {
		e->have_pos = 1, e->lat = s->lat, e->lon = s->lon;
	}
	if (s->have_alt)
		e->have_alt = 1, e->alt = s->alt;
	if (s->n_used >= 0)
		e->n_used_reported = s->n_used;

	switch (s->type) {
	case TG_NMEA_RMC:
	case TG_NMEA_GLL:
		if (s->status == 'V' || s->faa_mode == 'N') {
			e->mode = 1;
			/* only a sentence of this second can veto it: Telit's
			 * timeless "$GPRMC,,V,..." at power-up says nothing of
			 * the second that follows */
			if (s->status == 'V' && s->have_time)
				a->invalid_votes++;
		} else if (s->status == 'A') {
			if (e->mode < 2)
				e->mode = 2;
			a->valid_votes++;
		}
		break;
	case TG_NMEA_GGA:
		if (s->quality == 0) {
			e->mode = 1;
		} else if (s->quality > 0) {
			e->mode = s->have_alt ? 3 : 2;
			a->valid_votes++;
		}
		if (s->quality >= 0)
			e->quality = s->quality;
		break;
	case TG_NMEA_GNS: {
		int any = 0;
		for (i = 0; s->gns_mode[i]; i++)
			any |= s->gns_mode[i] != 'N';
		if (s->gns_mode[0] && !any) {
			e->mode = 1;
		} else if (any) {
			e->mode = s->have_alt ? 3 : 2;
			a->valid_votes++;
		}
		break;
	}
	case TG_NMEA_GSA:
		if (s->fix_type > a->gsa_mode)
			a->gsa_mode = s->fix_type;
		add_used(a, s);
		break;
	case TG_NMEA_GSV:
		if (s->gsv_num == 1 &&
		    cycle_seen(a->gsv_keys, &a->n_gsv_keys,
			       (uint16_t)(s->gnss << 8 | (s->gsv_signal & 0xff))))
			e->n_sats = 0;
		for (i = 0; i < s->n_gsv; i++) {
			const struct tg_nmea_sat *n = &s->gsv[i];
			int k = sat_find(e, n->gnss, n->svid);
			if (k < 0) {
				if (e->n_sats >= TG_NMEA_SATS_MAX)
					continue;
				k = e->n_sats++;
				e->sats[k] = *n;
				continue;
			}
			/* the same satellite on another signal (NMEA 4.11): one
			 * entry per satellite, with the SNR of the first signal
			 * reported, the primary (L1/E1/B1) on every receiver seen */
		}
		break;
	case TG_NMEA_PERDCRW:
	case TG_NMEA_PGRMF:
		if (s->have_leap) {
			e->have_leap = 1;
			e->leap_current = s->leap_current;
			e->have_leap_next = s->have_leap_next;
			e->leap_next = s->leap_next;
			e->leap_event_s = s->leap_event_s;
		}
		break;
	default:
		break;
	}
	return finished;
}

int tg_nmea_epoch_line(struct tg_nmea_agg *a, const char *line, size_t len,
		       enum tg_nmea_cksum cksum, struct tg_nmea_epoch *done, char *err,
		       size_t errlen)
{
	struct tg_nmea_sentence s;

	(void)cksum; /* tg_nmea_parse checks it again: it is cheap */
	if (tg_nmea_parse(line, len, &s, err, errlen) != 0) {
		size_t body;
		tg_nmea_epoch_count_error(
			a, tg_nmea_checksum(line, len, &body) == TG_NMEA_CKSUM_BAD);
		return 0;
	}
	return tg_nmea_epoch_add(a, &s, done);
}
