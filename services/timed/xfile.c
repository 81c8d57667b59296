/*
 * xfile.c - timed main's cross-check results file (lib/xcheckstatus.h):
 * the configured upstreams with the last sample of each, for the console.
 *
 * The engine keeps only what its decision needs (offset and time of
 * each sample); main keeps each upstream's last message whole and this
 * file turns them into the record: pure (timed_xfile_fill), then one
 * atomic write (timed_xfile_write), as the status file is written.
 */
#include <errno.h>
#include <string.h>

#include "fileio.h"
#include "timed.h"
#include "timed_int.h"

#define NS 1000000000LL

_Static_assert(TIMED_XCHECK_MAX <= TG_XCHECK_SERVERS_MAX, "every upstream has its line");

void timed_xfile_fill(const struct timed_conf *c, const struct timed_msg_xsample *last,
		      const int *have, int64_t now_mono_ns, struct tg_xcheck *st)
{
	int i;

	memset(st, 0, sizeof(*st));
	st->mono_ns = now_mono_ns > 0 ? now_mono_ns : 0;
	st->max_ns = c->xcheck_max_ns;
	for (i = 0; i < c->n_upstream && i < TG_XCHECK_SERVERS_MAX; i++) {
		const struct timed_upstream *u = &c->upstream[i];
		const struct timed_msg_xsample *x = &last[i];
		struct tg_xcheck_server *sv = &st->s[i];
		size_t n;

		/* the formatter cleans what the grammar refuses; here only cut to size */
		n = strnlen(u->host, TG_XCHECK_TOKEN_MAX);
		memcpy(sv->host, u->host, n);
		n = strnlen(u->name, TG_XCHECK_TOKEN_MAX);
		memcpy(sv->name, u->name, n);
		sv->port = u->port;
		sv->age_s = -1;
		if (!have[i])
			continue;
		sv->state = x->ok == 1 ? TG_XCHECK_OK : TG_XCHECK_FAIL;
		sv->offset_ns = x->offset_ns;
		sv->delay_ns = x->delay_ns;
		sv->stratum = x->stratum;
		sv->leap = (uint8_t)(x->leap & 3); /* NTP's 2-bit leap indicator */
		/* a sample stamped after now (it cannot be; but never negative) is age 0 */
		sv->age_s = now_mono_ns > x->when_mono_ns ? (now_mono_ns - x->when_mono_ns) / NS : 0;
		n = strnlen(x->err, sizeof(x->err));
		if (n > TG_XCHECK_ERR_MAX)
			n = TG_XCHECK_ERR_MAX;
		memcpy(sv->err, x->err, n);
	}
	st->n = (unsigned)i;
}

int timed_xfile_write(const char *path, const struct tg_xcheck *st)
{
	static char buf[TG_XCHECK_FILE_MAX];
	size_t n = tg_xcheck_format(st, buf, sizeof(buf));

	if (n == 0) {
		errno = EINVAL;
		return -1;
	}
	/* the console reads it as another user: the results are not secret */
	return tg_write_file_atomic(path, buf, n, 0644);
}
