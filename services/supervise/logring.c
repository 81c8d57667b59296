/*
 * logring.c - ring buffer of whole log lines (pure; see logring.h).
 */
#include "supervise/logring.h"

#include <string.h>

void sv_ring_init(struct sv_ring *r, char *buf, size_t cap)
{
	r->buf = buf;
	r->cap = cap;
	r->start = 0;
	r->end = 0;
}

/* Drop the oldest line: advance start past its '\n' (or to end if there is none). */
static void drop_oldest(struct sv_ring *r)
{
	while (r->start < r->end) {
		size_t i = (size_t)(r->start % r->cap);
		size_t run = r->cap - i;
		const char *nl;

		if (run > r->end - r->start)
			run = (size_t)(r->end - r->start);
		nl = memchr(r->buf + i, '\n', run);
		if (nl) {
			r->start += (uint64_t)(nl - (r->buf + i)) + 1;
			return;
		}
		r->start += run;
	}
}

static void put(struct sv_ring *r, const char *src, size_t n)
{
	while (n > 0) {
		size_t i = (size_t)(r->end % r->cap);
		size_t run = r->cap - i < n ? r->cap - i : n;

		memcpy(r->buf + i, src, run);
		r->end += run;
		src += run;
		n -= run;
	}
}

void sv_ring_append(struct sv_ring *r, const char *rec, size_t len)
{
	int add_nl;
	size_t need;

	if (!len || !r->cap)
		return;
	add_nl = rec[len - 1] != '\n';
	need = len + (size_t)add_nl;
	if (need > r->cap) {
		/* longer than the ring: keep its head, cut to the ring */
		r->start = r->end;
		put(r, rec, r->cap - 1);
		put(r, "\n", 1);
		return;
	}
	while (r->end - r->start + need > r->cap)
		drop_oldest(r);
	put(r, rec, len);
	if (add_nl)
		put(r, "\n", 1);
}

size_t sv_ring_peek(const struct sv_ring *r, uint64_t *pos, uint64_t stop, const char **p)
{
	size_t i, run;

	if (*pos < r->start)
		*pos = r->start;
	if (stop > r->end)
		stop = r->end;
	if (*pos >= stop || !r->cap)
		return 0;
	i = (size_t)(*pos % r->cap);
	run = r->cap - i;
	if (run > stop - *pos)
		run = (size_t)(stop - *pos);
	*p = r->buf + i;
	return run;
}
