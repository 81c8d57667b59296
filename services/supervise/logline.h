/*
 * logline.h - bytes from a service's output pipe to log records (pure).
 *
 * A line buffer per pipe splits what arrives on '\n'.  A line longer than
 * SV_LINE_MAX bytes is cut there and marked, the rest of it (up to the
 * next '\n') dropped; a partial line is flushed when the pipe closes.
 * A record is "[  12.345678] <line>\n": seconds since boot, then the line
 * with control characters replaced by '?' (a service cannot put terminal
 * escapes on the console or forge a second record).
 */
#ifndef SV_LOGLINE_H
#define SV_LOGLINE_H

#include <stddef.h>
#include <stdint.h>

#define SV_LINE_MAX   512
#define SV_TRUNC_MARK " [truncated]"
/* "[" 10 digits "." 6 digits "] " + line + mark + "\n" */
#define SV_RECORD_MAX (20 + SV_LINE_MAX + sizeof(SV_TRUNC_MARK) + 1)

struct sv_linebuf {
	size_t len;
	int discard; /* inside the dropped tail of a long line */
	char buf[SV_LINE_MAX];
};

/* Called with each complete line (no '\n'); truncated is 1 if it was cut. */
typedef void (*sv_line_fn)(void *arg, const char *line, size_t len, int truncated);

void sv_linebuf_init(struct sv_linebuf *lb);
void sv_linebuf_feed(struct sv_linebuf *lb, const char *data, size_t n, sv_line_fn fn, void *arg);
/* End of input: emit a pending partial line, if any. */
void sv_linebuf_flush(struct sv_linebuf *lb, sv_line_fn fn, void *arg);

/*
 * Format a record for a line at boot_ns nanoseconds since boot into
 * out[0..cap) (cap >= SV_RECORD_MAX is always enough).  A trailing '\r'
 * is dropped.  Returns the length, '\n' included.
 */
size_t sv_record_format(char *out, size_t cap, uint64_t boot_ns, const char *line, size_t len,
                        int truncated);

#endif
