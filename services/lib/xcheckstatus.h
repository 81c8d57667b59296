/*
 * xcheckstatus.h - timed's upstream cross-check results, as timed main
 * writes them and the console reads them (/run/timegate/time/xcheck).
 *
 * timed's xcheck role measures each configured NTS upstream server and
 * timed main uses the samples to refuse a spoofed GNSS; this file shows
 * the operator what the upstreams said.  A small text file, rewritten
 * (temporary file and rename) when a sample arrives, at most once a
 * second, and once at start:
 *
 *   version 1
 *   mono_ns N          CLOCK_MONOTONIC (ns) when timed wrote the file
 *   max_ns N           cross-check-max: the disagreement GNSS is refused at
 *   server INDEX HOST PORT NAME STATE OFFSET_NS DELAY_NS STRATUM LEAP AGE_S "ERR"
 *   ...                one line per configured upstream, timed.conf order
 *
 *   INDEX   0, 1, 2 ... (the line's position; at most TG_XCHECK_SERVERS_MAX)
 *   HOST    the NTS-KE server as configured; NAME the name its certificate
 *           must carry (HOST when none was configured); both 1..255 bytes
 *           of printable ASCII without space or '"' (the writer turns any
 *           other byte into '?')
 *   PORT    1..65535
 *   STATE   ok: the last attempt gave a sample; fail: it failed (ERR says
 *           why); none: no attempt yet (then every figure is 0, AGE_S -1
 *           and ERR "")
 *   OFFSET_NS, DELAY_NS  the last attempt's sample: server - local clock,
 *           round-trip delay (0 when it failed)
 *   STRATUM 0..255, LEAP 0..3 (the server's NTP leap indicator)
 *   AGE_S   seconds from that attempt to mono_ns; -1 only with none
 *   ERR     0..159 bytes of printable ASCII without '"', quoted; "" when ok
 *
 * Every number is decimal without leading zeros ('-' only where a value
 * may be negative, never "-0"); fields are separated by one space; every
 * line ends in '\n'.  The grammar is strict (one text per content): a
 * reader refuses anything else, and an incompatible change bumps version.
 *
 * The file's ages are as of mono_ns; a reader adds its own time since.
 * Samples may be minutes apart, so the file's own age says nothing about
 * timed being alive: the console judges that by timed's status file.
 */
#ifndef TG_XCHECKSTATUS_H
#define TG_XCHECKSTATUS_H

#include <stddef.h>
#include <stdint.h>

#define TG_XCHECK_PATH        "/run/timegate/time/xcheck"
#define TG_XCHECK_VERSION     1
#define TG_XCHECK_SERVERS_MAX 8
#define TG_XCHECK_TOKEN_MAX   255  /* HOST, NAME */
#define TG_XCHECK_ERR_MAX     159  /* ERR, without the quotes */
#define TG_XCHECK_FILE_MAX    8192 /* larger files are refused (8 servers: < 6.5 KiB) */

enum tg_xcheck_state {
	TG_XCHECK_NONE = 0, /* no attempt yet */
	TG_XCHECK_OK = 1,
	TG_XCHECK_FAIL = 2,
};

struct tg_xcheck_server {
	char host[TG_XCHECK_TOKEN_MAX + 1];
	char name[TG_XCHECK_TOKEN_MAX + 1];
	uint16_t port;
	int state;          /* enum tg_xcheck_state */
	int64_t offset_ns;  /* server - local clock */
	int64_t delay_ns;
	uint8_t stratum, leap;
	int64_t age_s;      /* -1: no attempt yet */
	char err[TG_XCHECK_ERR_MAX + 1];
};

struct tg_xcheck {
	uint32_t version;
	int64_t mono_ns;    /* when written (CLOCK_MONOTONIC) */
	int64_t max_ns;     /* cross-check-max, >= 1 */
	unsigned n;         /* servers, <= TG_XCHECK_SERVERS_MAX */
	struct tg_xcheck_server s[TG_XCHECK_SERVERS_MAX];
};

/*
 * Parse buf[0..len) into st.  Pure: no allocation, no I/O.  0, or -1 with
 * err naming the line, what was expected and what was seen.
 */
int tg_xcheck_parse(const char *buf, size_t len, struct tg_xcheck *st, char *err, size_t errlen);

/*
 * The file's text for st (version TG_XCHECK_VERSION whatever st->version
 * says) into buf: its length, or 0 if cap is too small or st holds what
 * no file may say (n above the maximum, max_ns < 1, mono_ns < 0, a port
 * 0, a leap above 3, a state out of range).  HOST, NAME and ERR are cleaned (any
 * byte the grammar refuses becomes '?', an empty HOST is "?", an empty
 * NAME is HOST, long ones are cut); a server in state none is written
 * with its zeros, ok and fail with AGE_S at least 0 (ERR "" when ok).
 * No NUL is counted; one is written when there is room.
 */
size_t tg_xcheck_format(const struct tg_xcheck *st, char *buf, size_t cap);

#endif
