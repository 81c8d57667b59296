/*
 * tg-nmeadump.c - replay an NMEA capture through timed's NMEA code and
 * print one JSON line per epoch, for tests/system/test_gnss_logs.sh to
 * compare with gpsd's reports (the .chk files next to the captures).
 *
 *   tg-nmeadump [-v] [-f FLOOR] [-s SEED] [-c MAXCHUNK] CAPTURE
 *
 * The file is read in chunks of pseudo-random size 1..MAXCHUNK (64), the
 * way timed gets bytes from read() on the serial port, and goes through
 * tg_nmea_reader_next -> tg_nmea_epoch_line exactly as timed's main role
 * does; a capture has no arrival times, so epochs end only when the time
 * of day changes, and at end of file.  FLOOR is the date floor (YYYY-MM-DD
 * or seconds since 1970; default 2000-01-01).  -v prints rejected
 * sentences and why on stderr.
 *
 * Output, one object per epoch:
 *   {"time":"2020-07-11T22:37:45.000000000Z"|null,"valid":true,"mode":3,
 *    "quality":1|null,"rolled":false,"default_date":false,
 *    "lat":..,"lon":..,"alt":..,"leap":18,"leap_next":18,
 *    "nused":12,"sentences":14,"errors":0,"bad_checksum":0,
 *    "sats":[{"prn":5,"gnss":0,"svid":5,"el":1,"az":47,"ss":null,"used":false},..]}
 * then {"summary":{...reader counters...}}.  Exit 0, or 100 on usage and
 * 111 when the file cannot be read.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "timed/nmea.h"

static void civil(int64_t days, int *y, int *m, int *d)
{
	int64_t z = days + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

static void print_epoch(const struct tg_nmea_epoch *e)
{
	int i;

	printf("{\"time\":");
	if (e->have_utc) {
		int y, mo, d;
		int64_t days = e->utc_s / 86400, sod = e->utc_s % 86400;
		if (sod < 0)
			sod += 86400, days--;
		civil(days, &y, &mo, &d);
		printf("\"%04d-%02d-%02dT%02d:%02d:%02d.%09dZ\"", y, mo, d, (int)(sod / 3600),
		       (int)(sod / 60 % 60), (int)(sod % 60), (int)e->utc_ns);
	} else {
		printf("null");
	}
	if (e->have_tod)
		printf(",\"tod\":\"%02d:%02d:%02d.%09d\"", e->hour, e->min, e->sec, (int)e->nsec);
	printf(",\"valid\":%s,\"mode\":%d,\"quality\":", e->valid ? "true" : "false", e->mode);
	if (e->quality >= 0)
		printf("%d", e->quality);
	else
		printf("null");
	printf(",\"rolled\":%s,\"default_date\":%s,\"carried\":%s", e->date_rolled ? "true" : "false",
	       e->date_default ? "true" : "false", e->date_carried ? "true" : "false");
	if (e->have_pos)
		printf(",\"lat\":%.9f,\"lon\":%.9f", e->lat, e->lon);
	if (e->have_alt)
		printf(",\"alt\":%.4f", e->alt);
	if (e->have_leap) {
		printf(",\"leap\":%d", e->leap_current);
		if (e->have_leap_next)
			printf(",\"leap_next\":%d", e->leap_next);
		printf(",\"leap_event\":%lld", (long long)e->leap_event_s);
	}
	printf(",\"nused\":%d,\"nused_reported\":%d,\"sentences\":%u,\"errors\":%u,\"bad_checksum\":%u",
	       e->n_used, e->n_used_reported, e->n_sentences, e->n_errors, e->n_bad_checksum);
	printf(",\"sats\":[");
	for (i = 0; i < e->n_sats; i++) {
		const struct tg_nmea_sat *s = &e->sats[i];
		printf("%s{\"prn\":%d,\"gnss\":%d,\"svid\":%d,\"sig\":%d", i ? "," : "",
		       tg_nmea_gpsd_prn(s), s->gnss, s->svid, s->sigid);
		if (s->have_el)
			printf(",\"el\":%d", s->el);
		if (s->have_az)
			printf(",\"az\":%d", s->az);
		if (s->have_ss)
			printf(",\"ss\":%d", s->ss);
		printf(",\"used\":%s}", s->used ? "true" : "false");
	}
	printf("]}\n");
}

static int64_t parse_floor(const char *s)
{
	int y, m, d;
	char tail;

	if (sscanf(s, "%d-%d-%d%c", &y, &m, &d, &tail) == 3)
		return tg_nmea_days_from_civil(y, m, d) * 86400;
	return strtoll(s, NULL, 0);
}

int main(int argc, char **argv)
{
	static uint8_t file[4 << 20];
	struct tg_nmea_reader r;
	struct tg_nmea_agg a;
	struct tg_nmea_epoch done;
	int64_t floor_s = tg_nmea_days_from_civil(2000, 1, 1) * 86400;
	uint64_t seed = 1, bad_seen = 0;
	size_t maxchunk = 64, n = 0, off = 0;
	ssize_t got;
	int opt, fd;
	char line[TG_NMEA_LINE_MAX + 1], err[160];
	int verbose = 0;

	while ((opt = getopt(argc, argv, "f:s:c:v")) != -1) {
		switch (opt) {
		case 'f': floor_s = parse_floor(optarg); break;
		case 's': seed = strtoull(optarg, NULL, 0) | 1; break;
		case 'c': maxchunk = strtoul(optarg, NULL, 0); break;
		case 'v': verbose = 1; break;
		default:
			fprintf(stderr, "usage: tg-nmeadump [-v] [-f FLOOR] [-s SEED] [-c MAXCHUNK] FILE\n");
			return 100;
		}
	}
	if (optind + 1 != argc || maxchunk < 1) {
		fprintf(stderr, "usage: tg-nmeadump [-v] [-f FLOOR] [-s SEED] [-c MAXCHUNK] FILE\n");
		return 100;
	}
	fd = open(argv[optind], O_RDONLY);
	if (fd < 0) {
		fprintf(stderr, "tg-nmeadump: %s: %s\n", argv[optind], strerror(errno));
		return 111;
	}
	while ((got = read(fd, file + n, sizeof(file) - n)) > 0)
		n += (size_t)got;
	close(fd);
	if (got < 0) {
		fprintf(stderr, "tg-nmeadump: %s: %s\n", argv[optind], strerror(errno));
		return 111;
	}

	tg_nmea_reader_init(&r);
	tg_nmea_agg_init(&a, floor_s);
	while (off < n) {
		size_t chunk, pos = 0, used, len;
		enum tg_nmea_cksum ck;

		seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
		chunk = 1 + (size_t)(seed % maxchunk);
		if (chunk > n - off)
			chunk = n - off;
		while (pos < chunk) {
			int got_line = tg_nmea_reader_next(&r, file + off + pos, chunk - pos, &used,
							   line, sizeof(line), &len, &ck);
			pos += used;
			/* dropped lines (bad checksum) count in the epoch they fell in */
			while (bad_seen < r.n_bad_checksum) {
				tg_nmea_epoch_count_error(&a, 1);
				bad_seen++;
			}
			if (!got_line)
				break;
			err[0] = '\0';
			if (tg_nmea_epoch_line(&a, line, len, ck, &done, err, sizeof(err)))
				print_epoch(&done);
			if (verbose && err[0])
				fprintf(stderr, "%s: %s\n", line, err);
		}
		off += chunk;
	}
	if (tg_nmea_epoch_flush(&a, &done))
		print_epoch(&done);
	printf("{\"summary\":{\"lines\":%llu,\"bad_checksum\":%llu,\"no_checksum\":%llu,"
	       "\"overlong\":%llu,\"cut\":%llu,\"junk\":%llu}}\n",
	       (unsigned long long)r.n_lines, (unsigned long long)r.n_bad_checksum,
	       (unsigned long long)r.n_no_checksum, (unsigned long long)r.n_overlong,
	       (unsigned long long)r.n_cut, (unsigned long long)r.n_junk);
	return 0;
}
