/*
 * fuzz_timed_conf.c - timed.conf(5) parsing (services/timed/conf.c) on
 * any bytes: no crash, and a refusal always says why.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "timed/timed.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct timed_conf c;
	char err[256];

	timed_conf_defaults(&c);
	err[0] = '\0';
	if (timed_conf_parse((const char *)data, size, "fuzz.conf", &c, err, sizeof(err)) < 0) {
		if (err[0] == '\0')
			abort();
		return 0;
	}
	/* accepted: the invariants the daemon relies on */
	if (c.n_upstream < 0 || c.n_upstream > TIMED_XCHECK_MAX || (!c.device[0] && !c.pps[0]) ||
	    c.nmea_window_max_ns <= c.nmea_window_min_ns || memchr(c.device, 0, sizeof(c.device)) == NULL)
		abort();
	return 0;
}
