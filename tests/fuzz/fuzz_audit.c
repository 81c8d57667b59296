/*
 * fuzz_audit.c - libFuzzer harness over the audit trail (lib/audit.c).
 *
 * Every input goes through three checks (abort() on a broken invariant):
 *  1. tg_audit_parse_line on the input as one line: refused with a
 *     message, or accepted, and then tg_audit_format of what it read
 *     writes the same bytes up to HASH (one spelling per record) and a
 *     HASH that is the SHA-256 of them.
 *  2. tg_audit_verify and tg_audit_tail_state on the input as a file:
 *     on 0 the head is the last line's HASH and every line was counted;
 *     -2 only without a final newline, with the complete prefix intact;
 *     on -1 the reported prefix verifies and the bad record is the next;
 *     tail_state agrees with verify and good_len <= len.
 *  3. every line of the input that parses, renumbered and re-chained
 *     (what a keyless rewrite does): the result verifies, with the last
 *     HASH as head.  Random mutations almost never keep a chain intact,
 *     so this is what drives tg_audit_verify's accepting path.
 *  4. a record whose fields are cut from the input: in "clean" mode
 *     (first byte even) every field is mapped into its alphabet and must
 *     be accepted; in raw mode it may be refused, with a message.  An
 *     accepted record parses back to the same fields and HASH, and as a
 *     one-record file verifies when it is record 1 after zeros.
 */
#include <arpa/inet.h>
#include <bearssl_hash.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t zeros[32];

static void need(int cond)
{
	if (!cond)
		abort();
}

static void check_err(const char *err, size_t cap)
{
	need(err[0] != '\0' && memchr(err, '\0', cap) != NULL);
}

static void sha256(const void *p, size_t n, uint8_t out[32])
{
	br_sha256_context sc;

	br_sha256_init(&sc);
	br_sha256_update(&sc, p, n);
	br_sha256_out(&sc, out);
}

static int same_rec(const struct tg_audit_rec *a, const struct tg_audit_rec *b)
{
	return a->seq == b->seq && a->time == b->time && a->clock_state == b->clock_state &&
	       a->result == b->result && strcmp(a->user, b->user) == 0 &&
	       strcmp(a->addr, b->addr) == 0 && strcmp(a->action, b->action) == 0 &&
	       a->detail_len == b->detail_len && memcmp(a->detail, b->detail, a->detail_len) == 0;
}

/* 1. one line */
static void check_line(const char *line, size_t len)
{
	char out[TG_AUDIT_LINE_MAX + 1], err[256];
	struct tg_audit_rec r;
	uint8_t prev[32], hash[32], h2[32], want[32];
	size_t body;
	int n;

	err[0] = '\0';
	if (tg_audit_parse_line(line, len, &r, prev, hash, err, sizeof(err)) != 0) {
		check_err(err, sizeof(err));
		return;
	}
	body = len && line[len - 1] == '\n' ? len - 1 : len;
	need(body > 65 && body <= TG_AUDIT_LINE_MAX - 1);
	need(r.detail_len <= TG_AUDIT_DETAIL_MAX && r.detail[r.detail_len] == '\0');
	n = tg_audit_format(&r, prev, out, sizeof(out), h2, err, sizeof(err));
	need(n > 0 && (size_t)n == body + 1);
	need(memcmp(out, line, body - 64) == 0);
	sha256(line, body - 64, want);
	need(memcmp(h2, want, 32) == 0);
}

static size_t lines_in(const char *buf, size_t len)
{
	size_t i, k = 0;

	for (i = 0; i < len; i++)
		k += buf[i] == '\n';
	return k;
}

/* 2. a file */
static void check_file(const char *buf, size_t len)
{
	char err[320], err2[320];
	uint8_t head[32], prev[32], h[32], p[32];
	uint64_t n = 0, bad = 0, next = 0, n2 = 0;
	size_t good = 0, lines = lines_in(buf, len);
	struct tg_audit_rec r;
	int rc, ts;

	err[0] = '\0';
	rc = tg_audit_verify(buf, len, &n, head, &bad, err, sizeof(err));
	err2[0] = '\0';
	ts = tg_audit_tail_state(buf, len, &next, prev, &good, err2, sizeof(err2));
	need(good <= len);
	switch (rc) {
	case 0:
		need(n == lines && bad == 0 && (len == 0 || buf[len - 1] == '\n'));
		if (n) {
			const char *last = buf + len - 1;

			while (last > buf && last[-1] != '\n')
				last--;
			need(tg_audit_parse_line(last, (size_t)(buf + len - last), &r, p, h, NULL,
			                         0) == 0);
			need(memcmp(head, h, 32) == 0 && r.seq == n);
		} else {
			need(memcmp(head, zeros, 32) == 0);
		}
		need(ts == 0 && good == len && next == n + 1 && memcmp(prev, head, 32) == 0);
		break;
	case -2:
		check_err(err, sizeof(err));
		need(len && buf[len - 1] != '\n' && n == lines && bad == n + 1);
		need(ts == 1 && next == n + 1 && memcmp(prev, head, 32) == 0);
		need(good < len && (good == 0 || buf[good - 1] == '\n'));
		need(!memchr(buf + good, '\n', len - good));
		check_err(err2, sizeof(err2));
		need(tg_audit_verify(buf, good, &n2, h, NULL, NULL, 0) == 0);
		need(n2 == n && memcmp(h, head, 32) == 0);
		break;
	case -1:
		check_err(err, sizeof(err));
		need(bad >= 1 && bad <= lines && n == bad - 1);
		need(ts == -1 && next == 1 && memcmp(prev, zeros, 32) == 0);
		check_err(err2, sizeof(err2));
		need(good < len && (good == 0 || buf[good - 1] == '\n'));
		need(tg_audit_verify(buf, good, &n2, h, NULL, NULL, 0) == 0);
		need(n2 == n && memcmp(h, head, 32) == 0);
		break;
	default:
		abort();
	}
}

/* 3. re-chained */
static void check_rechain(const char *buf, size_t len)
{
	char *out, err[256];
	struct tg_audit_rec r;
	uint8_t p[32], h[32], prev[32], head[32];
	size_t off = 0, olen = 0, cap;
	uint64_t k = 0, n;

	cap = (lines_in(buf, len) + 1) * (TG_AUDIT_LINE_MAX + 1);
	out = malloc(cap);
	if (!out)
		return;
	memset(prev, 0, 32);
	while (off < len) {
		const char *nl = memchr(buf + off, '\n', len - off);
		size_t l = nl ? (size_t)(nl - (buf + off)) : len - off;
		int w;

		if (tg_audit_parse_line(buf + off, l, &r, p, h, NULL, 0) == 0) {
			r.seq = ++k;
			w = tg_audit_format(&r, prev, out + olen, cap - olen, prev, err,
			                    sizeof(err));
			need(w > 0);
			olen += (size_t)w;
		}
		off += l + 1;
	}
	need(tg_audit_verify(out, olen, &n, head, NULL, err, sizeof(err)) == 0);
	need(n == k && memcmp(head, prev, 32) == 0);
	free(out);
}

/* A reader over the input; zeros once it runs out. */
struct rd {
	const uint8_t *p;
	size_t n;
};

static uint8_t u8(struct rd *d)
{
	uint8_t v = 0;

	if (d->n) {
		v = *d->p++;
		d->n--;
	}
	return v;
}

static uint64_t u64(struct rd *d)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | u8(d);
	return v;
}

/* A name of up to max characters: in its alphabet (clean) or raw bytes. */
static void name(struct rd *d, char *out, size_t cap, size_t max, const char *first,
                 const char *rest, int clean)
{
	size_t k, i;

	memset(out, 0, cap);
	k = u8(d) % (clean ? max + 1 : cap + 1);
	for (i = 0; i < k; i++) {
		uint8_t b = u8(d);
		const char *set = i ? rest : first;

		out[i] = clean ? set[b % strlen(set)] : (char)b;
	}
}

/* 4. a record from the input */
static void check_roundtrip(const uint8_t *data, size_t size)
{
	struct rd d = {data, size};
	struct tg_audit_rec r, back;
	char out[TG_AUDIT_LINE_MAX + 1], err[256];
	uint8_t prev[32], hash[32], p2[32], h2[32], head[32];
	uint64_t nrec;
	int clean, n, i;

	memset(&r, 0, sizeof(r));
	clean = !(u8(&d) & 1);
	r.seq = u64(&d);
	r.time = (int64_t)u64(&d);
	r.clock_state = u8(&d);
	r.result = u8(&d);
	if (clean) {
		r.seq += r.seq == 0;
		r.time = (int64_t)((uint64_t)r.time % (TG_AUDIT_TIME_MAX + 1));
		r.clock_state %= 5;
		r.result %= 3;
	}
	name(&d, r.user, sizeof(r.user), TG_AUDIT_USER_MAX, "abcdefghijklmnopqrstuvwxyz_",
	     "abcdefghijklmnopqrstuvwxyz0123456789_-", clean);
	if (clean) {
		uint8_t a[16], kind = u8(&d);

		for (i = 0; i < 16; i++) {
			a[i] = u8(&d);
			if (kind & 4 && a[i] < 0x80)
				a[i] = 0; /* zero runs */
		}
		if (kind % 3 == 0)
			r.addr[0] = '\0';
		else
			need(inet_ntop(kind % 3 == 1 ? AF_INET : AF_INET6, a, r.addr,
			               sizeof(r.addr)) != NULL);
	} else {
		name(&d, r.addr, sizeof(r.addr), TG_AUDIT_ADDR_MAX, "", "", 0);
	}
	name(&d, r.action, sizeof(r.action), TG_AUDIT_ACTION_MAX, "abcdefghijklmnopqrstuvwxyz",
	     "abcdefghijklmnopqrstuvwxyz0123456789._-", clean);
	if (clean && !r.action[0])
		r.action[0] = 'a';
	for (i = 0; i < 32; i++)
		prev[i] = u8(&d);
	/* the rest is DETAIL: cut to 512 (clean) or as long as the field holds, then marked */
	if (tg_audit_set_detail(&r, d.p, d.n) && !clean)
		r.detail_len = d.n > TG_AUDIT_DETAIL_MAX + 8 ? TG_AUDIT_DETAIL_MAX + 8 : d.n;

	err[0] = '\0';
	out[0] = 'Z';
	n = tg_audit_format(&r, prev, out, sizeof(out), hash, err, sizeof(err));
	if (n < 0) {
		need(n == -1 && !clean && out[0] == '\0');
		check_err(err, sizeof(err));
		return;
	}
	need(n > 0 && n <= TG_AUDIT_LINE_MAX && out[n - 1] == '\n' && out[n] == '\0');
	need(memchr(out, '\n', (size_t)n - 1) == NULL);
	need(tg_audit_parse_line(out, (size_t)n, &back, p2, h2, err, sizeof(err)) == 0);
	need(same_rec(&r, &back) && memcmp(p2, prev, 32) == 0 && memcmp(h2, hash, 32) == 0);
	/* as record 1 of a file */
	back.seq = 1;
	n = tg_audit_format(&back, zeros, out, sizeof(out), hash, err, sizeof(err));
	need(n > 0);
	need(tg_audit_verify(out, (size_t)n, &nrec, head, NULL, NULL, 0) == 0);
	need(nrec == 1 && memcmp(head, hash, 32) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = malloc(size ? size : 1);

	if (!copy)
		return 0;
	if (size)
		memcpy(copy, data, size);
	check_line(copy, size);
	check_file(copy, size);
	check_rechain(copy, size);
	check_roundtrip(data, size);
	free(copy);
	return 0;
}
