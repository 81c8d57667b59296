/*
 * fuzz_ntp.c - libFuzzer harness over tg_ntp_parse and the response
 * path: whatever the bytes, parsing stays inside them; an accepted packet
 * is fully accounted for (header + fields + MAC == length); its response
 * parses back with the expected mode, version, origin and length; and
 * timestamps convert without overflow.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ntp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tg_ntp_packet p, r;
	struct tg_ntp_server_info info;
	uint8_t out[TG_NTP_MAX_PACKET];
	struct timespec ts;
	char err[256];
	size_t k, sum, n;
	uint8_t *copy;

	/* an exact-size heap copy: ASan sees any read past the end */
	copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	if (size)
		memcpy(copy, data, size);

	if (tg_ntp_parse(copy, size, &p, err, sizeof(err)) != TG_NTP_OK) {
		if (!memchr(err, '\0', sizeof(err)) || !err[0])
			abort(); /* a rejection always says why */
		free(copy);
		return 0;
	}
	sum = TG_NTP_HEADER_LEN + p.mac_len;
	for (k = 0; k < p.n_ef; k++) {
		if (p.ef[k].len < TG_NTP_EF_MIN_LEN || p.ef[k].len % 4 ||
		    p.ef[k].off + p.ef[k].len > size)
			abort();
		sum += p.ef[k].len;
	}
	if (sum != size || p.version < 1 || p.version > 4 || (p.n_ef && p.version != 4))
		abort();

	/* server fields from the request's own bytes: any values must do */
	memset(&info, 0, sizeof(info));
	info.leap = copy[0] >> 6;
	info.stratum = copy[1];
	info.precision = (int8_t)copy[3];
	info.root_delay = p.root_delay;
	info.root_dispersion = p.root_dispersion;
	memcpy(info.refid, p.refid, 4);
	info.reference_ts = p.reference_ts;
	n = tg_ntp_build_response(&p, &info, p.receive_ts, p.origin_ts, out, sizeof(out));
	if (n != TG_NTP_HEADER_LEN || n > size)
		abort();
	if (tg_ntp_parse(out, n, &r, NULL, 0) != TG_NTP_OK || r.mode != TG_NTP_MODE_SERVER ||
	    r.version != p.version || r.origin_ts != p.transmit_ts || r.poll != p.poll)
		abort();

	/* timestamps: any value and pivot */
	tg_ntp_to_timespec(p.transmit_ts, (int64_t)(p.reference_ts >> 1) - (1LL << 62), &ts);
	if (ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000L)
		abort();
	tg_ntp_to_timespec(p.transmit_ts, 1700000000, &ts);
	if (tg_ntp_from_timespec(&ts) >> 32 != p.transmit_ts >> 32)
		abort();
	(void)tg_ntp_short_from_ns(p.origin_ts);
	(void)tg_ntp_precision_from_ns(p.receive_ts);
	free(copy);
	return 0;
}
