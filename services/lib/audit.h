/*
 * audit.h - the console's audit trail: who did what, when and from where,
 * one hash-chained text record per line.
 *
 * The console's priv role appends a record for every login, failed login,
 * configuration change, update and user change.  Each record carries the
 * SHA-256 of the record before it, so editing, deleting or reordering a
 * record breaks the chain at that point and tg_audit_verify() names it.
 *
 * Record (one line, fields separated by single spaces, printable ASCII):
 *
 *   SEQ TIME CLOCKSTATE USER ADDR ACTION RESULT DETAIL PREVHASH HASH\n
 *
 *   SEQ         decimal, 1 for the first record of a file, +1 per record
 *   TIME        UTC, 2026-12-03T14:22:05Z (CLOCK_REALTIME when recorded)
 *   CLOCKSTATE  locked holdover unsync locking failed: the disciplined
 *               clock's state at that moment, i.e. how far TIME can be trusted
 *   USER        [a-z_][a-z0-9_-]{0,31}, or "-" for none
 *   ADDR        the peer's IPv4 or IPv6 literal (no zone, no port), or "-"
 *   ACTION      [a-z][a-z0-9._-]{0,31}: login, login.fail, config.set, ...
 *   RESULT      ok fail refused
 *   DETAIL      free text, percent-encoded (below), "-" when empty
 *   PREVHASH    the previous record's HASH, 64 zeros for the first record
 *   HASH        SHA-256 of the line up to and including the space before
 *               HASH (so PREVHASH is covered), lowercase hex
 *
 * DETAIL encoding: the bytes 0x21..0x7e except '%' stand for themselves;
 * every other byte (space, controls, DEL, '%', UTF-8 bytes >= 0x80) is
 * written %XX with uppercase hex.  Nothing else is escaped, except a
 * DETAIL of exactly "-", written "%2D" so it is not read as "none".  The
 * encoding is canonical (the parser refuses any other spelling), so a
 * record has exactly one line and the file is plain printable ASCII:
 * a terminal or browser showing it cannot be fooled by control or bidi
 * characters smuggled in through a user name typed at the login form.
 *
 * What the chain protects against, and what it does not: it makes an edit
 * in the middle of the file visible to anyone who checks.  It does not stop
 * an attacker with root on the box, who can rewrite the whole file and
 * recompute every hash (a key on the box would not help either: root reads
 * it).  The defence is the one of Linux IMA/audit logs and Certificate
 * Transparency: the head (the last HASH and SEQ) leaves the box.  The
 * dashboard shows it, and the file is the export format; an operator who
 * keeps an exported copy or a noted head can later prove that the box's
 * history still extends what was seen then (the old file must be a prefix
 * of the new one, and the old head must be the HASH of record SEQ).
 * Truncating the newest records is the one edit the chain cannot show on
 * its own; only a head seen earlier reveals it.
 *
 * Verify an exported file by hand (the chain and the hashes, not the field
 * syntax; prints the record count and the head, or fails naming a record):
 *
 *   python3 - audit.log <<'EOF'
 *   import hashlib, sys
 *   d, p, n = open(sys.argv[1], "rb").read(), "0" * 64, 0
 *   assert d.endswith(b"\n") or not d, "torn last line"
 *   for n, l in enumerate(d.split(b"\n")[:-1], 1):
 *       f, h = l.split(b" "), hashlib.sha256(l[: l.rindex(b" ") + 1]).hexdigest()
 *       assert len(f) == 10 and f[0] == b"%d" % n and f[8:] == [p.encode(), h.encode()], n
 *       p = h
 *   print(n, p)
 *   EOF
 *
 * The functions here are pure over (buf, len) except tg_audit_append();
 * the file's location, rotation and the recovery policy below belong to
 * the daemon.
 */
#ifndef TG_AUDIT_H
#define TG_AUDIT_H

#include <stddef.h>
#include <stdint.h>

#include "timestatus.h" /* enum tg_clock_state */

#define TG_AUDIT_USER_MAX   32  /* characters of USER */
#define TG_AUDIT_ADDR_MAX   45  /* "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255" */
#define TG_AUDIT_ACTION_MAX 32  /* characters of ACTION */
#define TG_AUDIT_DETAIL_MAX 512 /* bytes of DETAIL, decoded */

/* Latest TIME the format can write: 9999-12-31T23:59:59Z. */
#define TG_AUDIT_TIME_MAX 253402300799LL

/*
 * Longest line, newline included: SEQ (20 digits) TIME (20) CLOCKSTATE (8)
 * USER ADDR ACTION RESULT (7) DETAIL (3 per byte) two hashes, 9 spaces.
 */
#define TG_AUDIT_LINE_MAX                                                                          \
	(20 + 20 + 8 + TG_AUDIT_USER_MAX + TG_AUDIT_ADDR_MAX + TG_AUDIT_ACTION_MAX + 7 +           \
	 3 * TG_AUDIT_DETAIL_MAX + 64 + 64 + 9 + 1)

enum tg_audit_result {
	TG_AUDIT_OK = 0,
	TG_AUDIT_FAIL = 1,    /* tried and failed: wrong password, bad bundle */
	TG_AUDIT_REFUSED = 2, /* not allowed: rate limit, locked account, no permission */
};

struct tg_audit_rec {
	uint64_t seq;                     /* 1.. */
	int64_t time;                     /* seconds since 1970 UTC, 0..TG_AUDIT_TIME_MAX */
	uint8_t clock_state;              /* enum tg_clock_state */
	uint8_t result;                   /* enum tg_audit_result */
	char user[TG_AUDIT_USER_MAX + 1]; /* "" for none ("-" in the line) */
	char addr[TG_AUDIT_ADDR_MAX + 1]; /* "" for none ("-" in the line) */
	char action[TG_AUDIT_ACTION_MAX + 1];
	size_t detail_len; /* 0 for none ("-" in the line) */
	/* any bytes (NUL included); detail[detail_len] is a NUL after parsing */
	char detail[TG_AUDIT_DETAIL_MAX + 1];
};

/*
 * Copy len bytes of detail into r (at most TG_AUDIT_DETAIL_MAX, the rest
 * dropped) and NUL-terminate it.  0, or 1 when the detail was cut short:
 * the daemon records an over-long value cut rather than losing the record.
 */
int tg_audit_set_detail(struct tg_audit_rec *r, const void *detail, size_t len);

/*
 * Check every field of r and write its line, with prev (the previous
 * record's HASH, 32 zeros for the first) and the new HASH, into
 * out[0..outcap): the line, newline included, then a NUL.  outcap of
 * TG_AUDIT_LINE_MAX + 1 always suffices.  The new HASH goes to hash_out
 * (the next record's prev).  Returns the line's length in bytes, or -1
 * with the refused field and the rule it breaks in err (out is then "").
 */
int tg_audit_format(const struct tg_audit_rec *r, const uint8_t prev[32], char *out, size_t outcap,
                    uint8_t hash_out[32], char *err, size_t errlen);

/*
 * Strict parse of one line (one trailing '\n' allowed, nothing else
 * after HASH): every field must have exactly the spelling tg_audit_format
 * writes, so tg_audit_format(r, prev) reproduces the line byte for byte
 * (up to HASH, which it recomputes).  DETAIL is decoded into r->detail.
 * Syntax only: whether HASH matches the line and the chain is
 * tg_audit_verify's business.  0, or -1 with the field and what was seen.
 */
int tg_audit_parse_line(const char *line, size_t len, struct tg_audit_rec *r, uint8_t prev[32],
                        uint8_t hash[32], char *err, size_t errlen);

/*
 * Walk a whole audit file.  Each line must parse, carry SEQ = its line
 * number, PREVHASH = the HASH of the line before (zeros on line 1) and a
 * HASH that matches its content; the file must end with a newline.
 *
 *   0   intact: *n_records lines, head = the last HASH (zeros when empty)
 *  -1   a complete line does not verify: *bad_seq is its line number (the
 *       SEQ it should carry), err says why (malformed, SEQ gap, PREVHASH
 *       not the previous HASH, HASH does not match the content)
 *  -2   every complete line verifies but bytes follow the last newline: a
 *       torn last write (power cut); *bad_seq is the torn record's SEQ
 *
 * On -1 and -2, *n_records and head describe the records that verified.
 * Outputs may be NULL.
 */
int tg_audit_verify(const char *buf, size_t len, uint64_t *n_records, uint8_t head[32],
                    uint64_t *bad_seq, char *err, size_t errlen);

/*
 * Where the daemon continues a file at start (buf = the whole file):
 *
 *   0   intact: append at *good_len (= len) with *next_seq and prev
 *   1   a torn last line (tg_audit_verify -2): the daemon truncates the
 *       file to *good_len (the complete prefix) and appends from there;
 *       err says what was cut, for a warning
 *  -1   a complete line does not verify: the file is evidence and must not
 *       be touched; the daemon keeps it aside and starts a new file, so
 *       *next_seq = 1 and prev = zeros, the start of any new file.
 *       *good_len is the length of the prefix that verified (for the
 *       message only: never truncate to it); err names the record.
 *
 * Outputs may be NULL.
 */
int tg_audit_tail_state(const char *buf, size_t len, uint64_t *next_seq, uint8_t prev[32],
                        size_t *good_len, char *err, size_t errlen);

/*
 * Append one complete line (len > 0, ending in '\n', no other newline)
 * to fd and fsync it: the record is on disk when this returns 0.  On
 * failure (-1, errno; EINVAL for a malformed line) the file is cut back
 * to its length before the call, so a short write does not leave a torn
 * line that the next append would turn into a broken middle.  fd should
 * be opened O_WRONLY | O_APPEND; one writer per file (the priv role).
 */
int tg_audit_append(int fd, const char *line, size_t len);

#endif
