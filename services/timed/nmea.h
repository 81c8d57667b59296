/*
 * nmea.h - NMEA 0183 for timed: a stream splitter for the serial port, a
 * parser of the sentences that carry time, fix and satellites, an epoch
 * aggregator that turns the sentences of one second into one record, and
 * the date repair for 2-digit years and GPS week rollovers.
 *
 * All pure: no allocation, no I/O, no locale, no clock.  The caller owns
 * every struct; timed's main role feeds read() buffers into
 *
 *     tg_nmea_reader_next()  -> one checksum-checked line at a time
 *     tg_nmea_epoch_line()   -> parse it, add it to the current epoch;
 *                               returns 1 when the previous epoch is done
 *     tg_nmea_epoch_flush()  -> on a quiet gap on the line (end of burst)
 *
 * "Absent" is never zero: every optional value has a have_ flag or a
 * negative sentinel, so an empty field cannot masquerade as 0 degrees,
 * quality 0 or 0 dB-Hz.
 */
#ifndef TG_NMEA_H
#define TG_NMEA_H

#include <stddef.h>
#include <stdint.h>

/* Reader line buffer.  NMEA says 82 bytes; real receivers exceed it
 * (u-blox high-precision GGA, PSTM, 4.11 GSV), nothing legitimate comes
 * near 256. */
#define TG_NMEA_LINE_MAX 256
#define TG_NMEA_FIELDS_MAX 48
#define TG_NMEA_GSA_MAX 16    /* PRN slots of one GSA (12 standard) */
#define TG_NMEA_GSV_MAX 8     /* satellites of one GSV (4 standard) */
#define TG_NMEA_SATS_MAX 64   /* satellites of one epoch */

/* 1024 GPS weeks: the period of the 10-bit week number. */
#define TG_NMEA_GPS_ROLLOVER_S (1024LL * 7 * 86400)

/* Constellations, numbered as gpsd's "gnssid" (= u-blox gnssId), so that
 * test output compares with gpsd directly. */
enum tg_gnss {
	TG_GNSS_GPS = 0,
	TG_GNSS_SBAS = 1,
	TG_GNSS_GALILEO = 2,
	TG_GNSS_BEIDOU = 3,
	TG_GNSS_IMES = 4,
	TG_GNSS_QZSS = 5,
	TG_GNSS_GLONASS = 6,
	TG_GNSS_NAVIC = 7,
	TG_GNSS_UNKNOWN = 15, /* GN or unrecognised talker: decide by PRN */
};

enum tg_nmea_type {
	TG_NMEA_OTHER = 0,    /* well-formed, not a type we read */
	TG_NMEA_RMC,
	TG_NMEA_ZDA,
	TG_NMEA_GGA,
	TG_NMEA_GNS,
	TG_NMEA_GLL,
	TG_NMEA_GSA,
	TG_NMEA_GSV,
	TG_NMEA_PERDCRW,      /* Furuno TPS1: time status and leap seconds */
	TG_NMEA_PGRMF,        /* Garmin fix data: GPS week/TOW and leap seconds */
	TG_NMEA_IGNORED,      /* known, carries nothing for timing: VTG GST GBS
			       * TXT PMTK PSTM PTNL PJLTS PERD* PGRME ... */
};

enum tg_nmea_cksum {
	TG_NMEA_CKSUM_OK = 0,
	TG_NMEA_CKSUM_ABSENT = 1, /* no "*hh": accepted, as gpsd does */
	TG_NMEA_CKSUM_BAD = 2,    /* never returned in an accepted sentence */
};

struct tg_nmea_reader {
	uint8_t buf[TG_NMEA_LINE_MAX];
	size_t len;           /* bytes of the sentence being gathered */
	int in_sentence;      /* a '$' or '!' has been seen */
	int overlong;         /* current sentence overflowed: skip to its end */
	/* counters, for the status record and the tests */
	uint64_t n_lines;     /* sentences returned */
	uint64_t n_bad_checksum;
	uint64_t n_no_checksum; /* returned with TG_NMEA_CKSUM_ABSENT */
	uint64_t n_overlong;  /* dropped: longer than TG_NMEA_LINE_MAX */
	uint64_t n_cut;       /* dropped: a new '$'/'!' before the end */
	uint64_t n_junk;      /* bytes outside sentences, malformed lines */
};

struct tg_nmea_sat {
	uint8_t gnss;         /* enum tg_gnss */
	uint8_t used;         /* listed in a GSA of the epoch */
	uint8_t have_el, have_az, have_ss;
	uint8_t sigid;        /* NMEA 4.1 signal id, 0 absent */
	uint16_t svid;        /* number within the constellation */
	uint16_t prn;         /* number as the sentence gave it */
	int16_t el, az, ss;   /* degrees, degrees, dB-Hz */
};

struct tg_nmea_sentence {
	enum tg_nmea_type type;
	enum tg_nmea_cksum checksum;
	char talker[3];       /* "GP", "GN", ...; "P" for proprietary */
	char name[24];        /* "RMC"; proprietary: the whole address, "PERDCRW" */
	uint8_t gnss;         /* enum tg_gnss from the talker */

	/* time of day (RMC GGA GNS GLL ZDA PERDCRW PGRMF) */
	int have_time;
	int hour, min, sec;   /* sec may be 60 */
	int32_t nsec;
	/* date (RMC ddmmyy, ZDA dd,mm,yyyy, PERDCRW, PGRMF) */
	int have_date;
	int day, month, year; /* year as sent: 0..99 when year_digits is 2 */
	int year_digits;

	/* validity: each -1 or 0 when absent */
	char status;          /* RMC/GLL 'A' or 'V'; 0 absent */
	char faa_mode;        /* RMC/GLL/VTG mode indicator; 0 absent */
	char nav_status;      /* RMC NMEA 4.1 navigational status; 0 absent */
	int quality;          /* GGA 0..9, -1 absent */
	char gns_mode[8];     /* GNS per-system mode letters, "" absent */
	int fix_type;         /* GSA 1..3, -1 absent */
	int n_used;           /* GGA/GNS satellites in use, -1 absent */

	int have_pos;
	double lat, lon;      /* degrees, north and east positive */
	int have_alt;
	double alt;           /* metres above mean sea level */

	/* GSA */
	int gsa_system;       /* NMEA 4.1 system id (1 GPS 2 GLONASS 3 Galileo
			       * 4 BeiDou 5 QZSS 6 NavIC), -1 absent */
	int n_gsa;
	uint16_t gsa_prn[TG_NMEA_GSA_MAX];

	/* GSV */
	int gsv_total, gsv_num, gsv_sats; /* -1 absent */
	int gsv_signal;       /* NMEA 4.1 signal id, -1 absent */
	int n_gsv;
	struct tg_nmea_sat gsv[TG_NMEA_GSV_MAX]; /* gnss/svid filled in */

	/* leap seconds: PERDCRW TPS1, PGRMF */
	int have_leap;
	int leap_current;     /* GPS - UTC now, seconds */
	int have_leap_next;
	int leap_next;        /* after the announced event */
	int64_t leap_event_s; /* UTC seconds of the event, 0 none announced */
	int time_status;      /* PERDCRW time status / PGRMF fix, -1 absent */
};

/*
 * Take bytes from buf (len bytes); 1: a sentence is in line (NUL-terminated,
 * without CR/LF, *line_len bytes; linecap >= TG_NMEA_LINE_MAX + 1), with its
 * checksum state in *cksum; 0: all input consumed, none complete.  *consumed
 * is how much of buf was used: call again with buf + consumed until it
 * returns 0.  Each sentence comes out once however the bytes are chunked.
 * Lines with a bad checksum, over-long or cut off are dropped and counted.
 */
int tg_nmea_reader_next(struct tg_nmea_reader *r, const uint8_t *buf, size_t len,
			size_t *consumed, char *line, size_t linecap, size_t *line_len,
			enum tg_nmea_cksum *cksum);
void tg_nmea_reader_init(struct tg_nmea_reader *r);

/*
 * Check the "*hh" of one sentence s[0..len) (starting '$' or '!'; no CR/LF):
 * returns TG_NMEA_CKSUM_OK, _ABSENT or _BAD; *body_len is the length
 * without the checksum.
 */
enum tg_nmea_cksum tg_nmea_checksum(const char *s, size_t len, size_t *body_len);

/*
 * Parse one sentence (with or without its checksum and CR/LF).  0: parsed
 * (type may be TG_NMEA_OTHER for well-formed sentences we do not read);
 * -1: rejected, with what was expected and seen in err.
 */
int tg_nmea_parse(const char *s, size_t len, struct tg_nmea_sentence *out, char *err,
		  size_t errlen);

/* Days since 1970-01-01 of a proleptic Gregorian date. */
int64_t tg_nmea_days_from_civil(int64_t y, int m, int d);

/*
 * Date repair.  tg_nmea_fix_date takes a UTC time as decoded (4-digit year)
 * and moves it forward in 1024-week steps while it is before floor_s - 1 day
 * (a receiver whose 10-bit week number wrapped reports a date exactly 1024
 * weeks, or a multiple, too early).  tg_nmea_full_year maps a 2-digit year
 * to a 4-digit one (see nmea.c for the window).  floor_s is a time known
 * to have passed: build date, last known good time.
 */
int64_t tg_nmea_fix_date(int64_t utc_s, int64_t floor_s);
int tg_nmea_full_year(int yy, int month, int day, int64_t floor_s);
/* 1: a receiver's power-up default date (GPS epoch, January 1980). */
int tg_nmea_default_date(int year, int month, int day);

struct tg_nmea_epoch {
	/* time of day of the epoch (the second it describes) */
	int have_tod;
	int hour, min, sec;
	int32_t nsec;
	/* full UTC time, when a date is known (this epoch or carried) */
	int have_utc;
	int64_t utc_s;        /* seconds since 1970, leap second as :59 + 1 */
	int32_t utc_ns;
	int date_carried;     /* the date came from an earlier epoch */
	int date_rolled;      /* moved forward by 1024-week steps */
	int date_default;     /* receiver default date: never valid */
	int valid;            /* the receiver says the time is good */
	int mode;             /* as gpsd: 0 unknown, 1 no fix, 2 2D, 3 3D */
	int quality;          /* GGA quality, -1 absent */
	int have_pos;
	double lat, lon;
	int have_alt;
	double alt;
	int n_sats;
	struct tg_nmea_sat sats[TG_NMEA_SATS_MAX];
	int n_used;           /* satellites marked used */
	int n_used_reported;  /* GGA/GNS count, -1 absent */
	int have_leap;
	int leap_current, have_leap_next, leap_next;
	int64_t leap_event_s;
	/* what went into it */
	unsigned n_sentences;
	unsigned n_errors;    /* rejected sentences (bad checksum included) */
	unsigned n_bad_checksum;
	unsigned n_time_conflicts; /* sentences with another time of day */
};

struct tg_nmea_agg {
	struct tg_nmea_epoch cur;
	int64_t floor_s;
	int have_date;        /* the last date seen (from any epoch) */
	int day, month, year; /* 4-digit year, repaired */
	int date_default, date_rolled;
	int64_t last_tod_s;   /* seconds of day of the last epoch, -1 none */
	/* GSA seen this epoch: what "used" refers to */
	int n_gsa;
	struct { uint8_t gnss; uint16_t svid; uint16_t prn; } used[TG_NMEA_SATS_MAX];
	int gsa_mode;         /* best GSA fix type of the epoch, -1 none */
	/* GSV sets begun this epoch, by talker and signal id: a second start
	 * of the same set is a new cycle (receivers that send no time yet;
	 * GSA has no such rule: NMEA 4.0 GNGSA repeats once per system) */
	int n_gsv_keys;
	uint16_t gsv_keys[16];
	int mode_rmc, mode_gga, mode_gns, mode_gll; /* -1 none */
	int valid_votes, invalid_votes;
};

void tg_nmea_agg_init(struct tg_nmea_agg *a, int64_t floor_s);
/*
 * Add one line from the reader (or any sentence text).  Returns 1 when the
 * line begins a new epoch: the finished one is copied to *done first; 0
 * otherwise.  Rejected lines are counted in the current epoch; err says
 * why (may be NULL).
 */
int tg_nmea_epoch_line(struct tg_nmea_agg *a, const char *line, size_t len,
		       enum tg_nmea_cksum cksum, struct tg_nmea_epoch *done, char *err,
		       size_t errlen);
/* Same with a sentence parsed already. */
int tg_nmea_epoch_add(struct tg_nmea_agg *a, const struct tg_nmea_sentence *s,
		      struct tg_nmea_epoch *done);
/* The line went quiet: finish the epoch.  1 with *done, 0 if it was empty. */
int tg_nmea_epoch_flush(struct tg_nmea_agg *a, struct tg_nmea_epoch *done);
/* Count a sentence the reader dropped (bad checksum) in the current epoch. */
void tg_nmea_epoch_count_error(struct tg_nmea_agg *a, int bad_checksum);

/* gpsd's PRN numbering of a satellite (GLONASS 65.., Galileo 301..,
 * BeiDou 401.., SBAS 33.., QZSS 193..), for output and comparison. */
int tg_nmea_gpsd_prn(const struct tg_nmea_sat *s);

#endif
