/*
 * fuzz_nmea.c - libFuzzer harness over timed's NMEA code (timed/nmea.c).
 *
 * The first byte is the chunk size (1..256) the rest is fed in, as read()
 * would hand it over; every line the reader returns is parsed and
 * aggregated into epochs.  The whole input is also given to tg_nmea_parse
 * directly, from an exact-size copy so that any read past the end trips
 * ASan.  Invariants: lines are 2..TG_NMEA_LINE_MAX bytes, start with '$'
 * or '!', are NUL-terminated and never carry a bad checksum; a rejected
 * sentence has an error message; epochs hold at most TG_NMEA_SATS_MAX
 * satellites, used <= seen, mode 0..3, ns < 1e9.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "timed/nmea.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_epoch(const struct tg_nmea_epoch *e)
{
	int i, used = 0;

	if (e->n_sats < 0 || e->n_sats > TG_NMEA_SATS_MAX)
		abort();
	for (i = 0; i < e->n_sats; i++)
		used += e->sats[i].used;
	if (used != e->n_used || e->mode < 0 || e->mode > 3)
		abort();
	if (e->have_utc && (e->utc_ns < 0 || e->utc_ns >= 1000000000))
		abort();
	if (e->valid && (!e->have_utc || e->date_default || e->mode < 2))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tg_nmea_reader r;
	static struct tg_nmea_agg a;
	static struct tg_nmea_epoch done;
	struct tg_nmea_sentence s;
	char line[TG_NMEA_LINE_MAX + 1], err[160];
	size_t chunk, off, used, len;
	enum tg_nmea_cksum ck;
	uint8_t *copy;

	if (size < 1)
		return 0;
	chunk = (size_t)data[0] + 1;
	data++, size--;

	/* the whole input as one sentence */
	copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	if (size)
		memcpy(copy, data, size);
	err[0] = '\0';
	if (tg_nmea_parse((const char *)copy, size, &s, err, sizeof(err)) != 0) {
		if (!err[0] || !memchr(err, '\0', sizeof(err)))
			abort();
	} else if (s.n_gsv > TG_NMEA_GSV_MAX || s.n_gsa > TG_NMEA_GSA_MAX ||
		   s.checksum == TG_NMEA_CKSUM_BAD) {
		abort();
	}
	free(copy);

	tg_nmea_reader_init(&r);
	/* floor from the input's first bytes, any value */
	tg_nmea_agg_init(&a, size >= 4 ? (int64_t)(int32_t)((uint32_t)data[0] << 24 |
						      (uint32_t)data[1] << 16 |
						      (uint32_t)data[2] << 8 | data[3]) * 8
				     : 1546300800);
	for (off = 0; off < size;) {
		size_t n = size - off < chunk ? size - off : chunk, pos = 0;
		while (pos < n) {
			int got = tg_nmea_reader_next(&r, data + off + pos, n - pos, &used, line,
						      sizeof(line), &len, &ck);
			if (used > n - pos)
				abort();
			pos += used;
			if (!got) {
				if (pos != n)
					abort();
				break;
			}
			if (len < 2 || len > TG_NMEA_LINE_MAX || line[len] != '\0' ||
			    (line[0] != '$' && line[0] != '!') || strlen(line) != len ||
			    ck == TG_NMEA_CKSUM_BAD)
				abort();
			if (tg_nmea_epoch_line(&a, line, len, ck, &done, err, sizeof(err)))
				check_epoch(&done);
			check_epoch(&a.cur);
		}
		off += n;
	}
	if (tg_nmea_epoch_flush(&a, &done))
		check_epoch(&done);
	return 0;
}
