/*
 * logring.h - the log ring buffer: fixed bytes, whole lines (pure).
 *
 * Records are appended as bytes ending in '\n'; when one does not fit,
 * the oldest whole lines are dropped to make room.  Positions are
 * absolute byte counts since the ring was created (64-bit: they never
 * wrap), so a reader that dumps the ring slowly keeps a position and
 * notices when the writer overtook it: sv_ring_peek moves a position that
 * fell behind to the oldest line still kept.
 *
 * The caller owns the buffer (BearSSL style); nothing here allocates.
 */
#ifndef SV_LOGRING_H
#define SV_LOGRING_H

#include <stddef.h>
#include <stdint.h>

struct sv_ring {
	char *buf;
	size_t cap;
	uint64_t start; /* position of the oldest byte kept (a line start) */
	uint64_t end;   /* position after the newest byte */
};

void sv_ring_init(struct sv_ring *r, char *buf, size_t cap);

/*
 * Append rec[0..len) as one line; a '\n' is added if it does not end in
 * one.  A line longer than the whole ring replaces everything and is cut
 * to cap bytes (its last byte then '\n').  Empty input is ignored.
 */
void sv_ring_append(struct sv_ring *r, const char *rec, size_t len);

/* Bytes currently kept. */
static inline size_t sv_ring_used(const struct sv_ring *r)
{
	return (size_t)(r->end - r->start);
}

/*
 * Iterate: *pos is raised to r->start if it fell behind; returns the
 * length of the contiguous bytes at *pos (stopping at stop, at r->end and
 * at the wrap point) and points *p at them.  0 when *pos reached stop or
 * r->end.  The caller adds what it consumed to *pos.
 */
size_t sv_ring_peek(const struct sv_ring *r, uint64_t *pos, uint64_t stop, const char **p);

#endif
