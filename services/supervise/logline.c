/*
 * logline.c - line splitting and record formatting (pure; see logline.h).
 */
#include "supervise/logline.h"

#include <stdio.h>
#include <string.h>

void sv_linebuf_init(struct sv_linebuf *lb)
{
	lb->len = 0;
	lb->discard = 0;
}

void sv_linebuf_feed(struct sv_linebuf *lb, const char *data, size_t n, sv_line_fn fn, void *arg)
{
	while (n > 0) {
		const char *nl = memchr(data, '\n', n);
		size_t seg = nl ? (size_t)(nl - data) : n;

		if (lb->discard) {
			/* the tail of a line already emitted as truncated */
		} else if (seg <= SV_LINE_MAX - lb->len) {
			memcpy(lb->buf + lb->len, data, seg);
			lb->len += seg;
		} else {
			size_t room = SV_LINE_MAX - lb->len;

			memcpy(lb->buf + lb->len, data, room);
			fn(arg, lb->buf, SV_LINE_MAX, 1);
			lb->len = 0;
			lb->discard = 1;
		}
		if (!nl)
			return;
		if (!lb->discard)
			fn(arg, lb->buf, lb->len, 0);
		lb->len = 0;
		lb->discard = 0;
		data += seg + 1;
		n -= seg + 1;
	}
}

void sv_linebuf_flush(struct sv_linebuf *lb, sv_line_fn fn, void *arg)
{
	if (lb->len && !lb->discard)
		fn(arg, lb->buf, lb->len, 0);
	lb->len = 0;
	lb->discard = 0;
}

size_t sv_record_format(char *out, size_t cap, uint64_t boot_ns, const char *line, size_t len,
                        int truncated)
{
	size_t o, i;
	int n;

	if (cap < 2)
		return 0;
	n = snprintf(out, cap, "[%5llu.%06llu] ", (unsigned long long)(boot_ns / 1000000000u),
	             (unsigned long long)(boot_ns % 1000000000u / 1000u));
	o = n < 0 ? 0 : (size_t)n;
	if (o > cap - 1)
		o = cap - 1;
	if (len && line[len - 1] == '\r')
		len--;
	for (i = 0; i < len && o < cap - 1; i++) {
		unsigned char c = (unsigned char)line[i];
		out[o++] = (c < 0x20 && c != '\t') || c == 0x7f ? '?' : (char)c;
	}
	if (truncated) {
		for (i = 0; SV_TRUNC_MARK[i] && o < cap - 1; i++)
			out[o++] = SV_TRUNC_MARK[i];
	}
	out[o++] = '\n';
	return o;
}
