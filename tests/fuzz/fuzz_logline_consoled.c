/*
 * fuzz_logline_consoled.c - the console's readers of tg-supervise's
 * sockets (consoled/svctl.c) on arbitrary bytes: log.sock records, the
 * /api/logs filter and status.sock lines.
 *
 * The first byte picks the filter (service none/timed/ntsd, the newest n
 * of 1..256), the next up to 8 bytes up to a NUL are the text filter, the
 * rest is the dump (and, the same bytes, a status.sock answer).  Never a
 * crash, and:
 *   - every record's spans lie inside its line; a time is digits and
 *     dots; a service is a valid name that starts the text, followed by
 *     '[';
 *   - the answer always fits a buffer of 48x the input (a 1-byte line costs
 *     about 40 bytes of JSON; lib/json escapes
 *     a byte into at most 6), holds no raw '<', '>' or control byte, and
 *     no more lines than asked;
 *   - a refused status answer leaves a NUL-terminated message; an
 *     accepted one only valid names and states, at most the room given.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "consoled/consoled.h"

#define REQUIRE(c)                                                                                 \
	do {                                                                                       \
		if (!(c))                                                                          \
			__builtin_trap();                                                          \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* svctl.c's routes answer errors through api.c, which is not linked */
void cd_out_error(struct cd_out *o, int status, const char *msg)
{
	(void)msg;
	o->status = status;
	o->len = 0;
}

static void check_record(const char *line, size_t len)
{
	struct cd_logline l;
	size_t i;

	cd_logline_parse(line, len, &l);
	REQUIRE(l.t >= line && l.t + l.t_len <= line + len);
	REQUIRE(l.text >= line && l.text + l.text_len == line + len);
	REQUIRE(l.service >= line && l.service + l.service_len <= line + len);
	for (i = 0; i < l.t_len; i++)
		REQUIRE((l.t[i] >= '0' && l.t[i] <= '9') || l.t[i] == '.');
	if (l.service_len) {
		REQUIRE(cd_svc_name_ok(l.service, l.service_len));
		REQUIRE(l.service == l.text && l.service_len < l.text_len);
		REQUIRE(l.text[l.service_len] == '[');
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const services[] = {NULL, "timed", "ntsd", ""};
	static char out[48 * 65536 + 1024];
	static struct cd_svc_status st[4];
	const char *buf, *p, *end;
	char q[9], err[128];
	size_t qn = 0, len, i, lines = 0;
	long n, k;
	int ns, all;

	if (size < 1 || size > 65536)
		return 0;
	n = (long)(data[0] >> 2) * 4 + 1;
	while (qn < 8 && 1 + qn < size && data[1 + qn])
		qn++;
	memcpy(q, data + 1, qn);
	q[qn] = '\0';
	buf = (const char *)data + 1 + qn;
	len = size - 1 - qn;

	for (p = buf, end = buf + len; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t ll = nl ? (size_t)(nl - p) : (size_t)(end - p);

		check_record(p, ll);
		p += ll + 1;
	}

	k = cd_logs_format(buf, len, services[data[0] & 3], q, n, data[0] & 1, out, sizeof out);
	REQUIRE(k > 0 && (size_t)k < sizeof out);
	for (i = 0; i < (size_t)k; i++) {
		REQUIRE(out[i] != '<' && out[i] != '>' && (unsigned char)out[i] >= 0x20);
		if (memcmp(out + i, "\"text\":", 7) == 0)
			lines++;
	}
	REQUIRE(lines <= (size_t)n);

	memset(err, 'x', sizeof err);
	if (cd_svc_status_parse(buf, len, st, 4, &ns, &all, err, sizeof err) < 0) {
		REQUIRE(memchr(err, '\0', sizeof err) != NULL);
	} else {
		REQUIRE(ns >= 0 && ns <= 4 && (all == 0 || all == 1));
		for (i = 0; i < (size_t)ns; i++) {
			REQUIRE(cd_svc_name_ok(st[i].name, strlen(st[i].name)));
			REQUIRE(strcmp(st[i].state, "running") == 0 || strcmp(st[i].state, "waiting") == 0 ||
				strcmp(st[i].state, "stopped") == 0 ||
				strcmp(st[i].state, "failed-config") == 0);
			REQUIRE(st[i].pid >= 0 && st[i].uptime_s >= 0 && st[i].restarts >= 0);
		}
	}
	return 0;
}
