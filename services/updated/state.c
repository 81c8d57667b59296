/*
 * state.c - the text formats the update agent reads and writes: its
 * state file (state.h), the running slot's release file and the slot on
 * the kernel command line.  All pure over (buf, len), bounded, never
 * allocating; refusals name the line, what was expected and what was
 * seen (the state file is on the data partition, which anyone with the
 * disk in hand can write, and it carries the anti-rollback minimum).
 */
#include "state.h"

#include <stdio.h>
#include <string.h>

#include "bundle.h"
#include "log.h"
#include "updated.h"

#define SHOW_MAX 40

/* s[0..n) for a message: printable ASCII as is, the rest as '?', cut at SHOW_MAX */
static const char *show(char *dst, size_t dstlen, const char *s, size_t n)
{
	size_t i, o = 0;

	for (i = 0; i < n && i < SHOW_MAX && o + 4 < dstlen; i++)
		dst[o++] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
	if (n > SHOW_MAX && o + 4 < dstlen) {
		memcpy(dst + o, "...", 3);
		o += 3;
	}
	if (dstlen)
		dst[o < dstlen ? o : dstlen - 1] = '\0';
	return dst;
}

const char *upd_version_str(const unsigned v[3], char *buf, size_t len)
{
	snprintf(buf, len, "%u.%u.%u", v[0], v[1], v[2]);
	return buf;
}

void upd_hex32(const uint8_t in[32], char out[65])
{
	static const char hex[] = "0123456789abcdef";
	int i;

	for (i = 0; i < 32; i++) {
		out[2 * i] = hex[in[i] >> 4];
		out[2 * i + 1] = hex[in[i] & 15];
	}
	out[64] = '\0';
}

/* decimal 0..4294967295, no sign, no leading zero */
static int parse_u32(const char *s, size_t n, uint32_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (n == 0 || n > 10 || (n > 1 && s[0] == '0'))
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > 0xffffffffu)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

static int parse_hex32(const char *s, size_t n, uint8_t out[32])
{
	size_t i;

	if (n != 64)
		return -1;
	for (i = 0; i < 64; i++) {
		char c = s[i];
		int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;

		if (v < 0)
			return -1;
		if (i & 1)
			out[i / 2] = (uint8_t)(out[i / 2] | v);
		else
			out[i / 2] = (uint8_t)(v << 4);
	}
	return 0;
}

static int parse_slot(const char *s, size_t n, char *out)
{
	if (n != 1 || (s[0] != 'A' && s[0] != 'B'))
		return -1;
	*out = s[0];
	return 0;
}

static int name_ok(const char *s, size_t n, size_t max)
{
	size_t i;

	if (n == 0 || n > max)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '.' ||
		      s[i] == '_' || s[i] == '-'))
			return 0;
	return 1;
}

/*
 * The line iterator both files share: buf[*pos..) holds "KEY VALUE\n";
 * sets key/value spans, advances *pos.  0, or -1 with the reason in err.
 */
static int next_line(const char *buf, size_t len, size_t *pos, unsigned lineno, const char **key,
		     size_t *klen, const char **val, size_t *vlen, char *err, size_t errlen)
{
	const char *line = buf + *pos, *nl, *sp;
	size_t n, i;
	char seen[SHOW_MAX * 2];

	nl = memchr(line, '\n', len - *pos);
	if (!nl)
		return tg_fail(err, errlen, "line %u: expected a final newline, saw \"%s\" at the end",
			       lineno, show(seen, sizeof seen, line, len - *pos));
	n = (size_t)(nl - line);
	for (i = 0; i < n; i++)
		if ((unsigned char)line[i] < 0x20 || (unsigned char)line[i] >= 0x7f)
			return tg_fail(err, errlen,
				       "line %u: expected printable ASCII, saw byte 0x%02x at column %zu",
				       lineno, (unsigned char)line[i], i + 1);
	sp = memchr(line, ' ', n);
	if (!sp || sp == line || sp + 1 == line + n)
		return tg_fail(err, errlen, "line %u: expected \"KEY VALUE\", saw \"%s\"", lineno,
			       show(seen, sizeof seen, line, n));
	*key = line;
	*klen = (size_t)(sp - line);
	*val = sp + 1;
	*vlen = n - *klen - 1;
	*pos += n + 1;
	return 0;
}

/* ------------------------------------------------------------------ state */

enum skey {
	SK_COMMITTED_SLOT,
	SK_COMMITTED_VERSION,
	SK_SECURITY_MIN,
	SK_PENDING_SLOT,
	SK_PENDING_VERSION,
	SK_PENDING_SECURITY,
	SK_PENDING_BUNDLE,
	SK_FAILED_BUNDLE,
	SK_LAST_RESULT,
	SK_END
};

static const char *const skeys[SK_END] = {
	"committed-slot",   "committed-version", "security-min",
	"pending-slot",     "pending-version",   "pending-security",
	"pending-bundle",   "failed-bundle",     "last-result",
};

static const char *const sexpect[SK_END] = {
	"A or B",
	"MAJOR.MINOR.PATCH",
	"a decimal 0..4294967295",
	"A or B",
	"MAJOR.MINOR.PATCH",
	"a decimal 0..4294967295",
	"64 lower-case hex digits",
	"64 lower-case hex digits",
	"text of at most 199 bytes",
};

void upd_state_defaults(struct upd_state *st, char slot, const unsigned version[3],
			uint32_t security)
{
	memset(st, 0, sizeof(*st));
	st->committed_slot = slot;
	memcpy(st->committed_version, version, sizeof(st->committed_version));
	st->security_min = security;
}

static int svalue(enum skey k, const char *v, size_t n, struct upd_state *st)
{
	switch (k) {
	case SK_COMMITTED_SLOT:
		return parse_slot(v, n, &st->committed_slot);
	case SK_COMMITTED_VERSION:
		return tg_bundle_version_parse(v, n, st->committed_version);
	case SK_SECURITY_MIN:
		return parse_u32(v, n, &st->security_min);
	case SK_PENDING_SLOT:
		return parse_slot(v, n, &st->pending_slot);
	case SK_PENDING_VERSION:
		return tg_bundle_version_parse(v, n, st->pending_version);
	case SK_PENDING_SECURITY:
		return parse_u32(v, n, &st->pending_security);
	case SK_PENDING_BUNDLE:
		return parse_hex32(v, n, st->pending_bundle);
	case SK_FAILED_BUNDLE:
		st->have_failed = 1;
		return parse_hex32(v, n, st->failed_bundle);
	case SK_LAST_RESULT:
		if (n >= sizeof(st->last_result))
			return -1;
		memcpy(st->last_result, v, n);
		st->last_result[n] = '\0';
		return 0;
	default:
		return -1;
	}
}

int upd_state_decode(const char *buf, size_t len, struct upd_state *st, char *err, size_t errlen)
{
	unsigned seen_mask = 0, lineno = 0;
	size_t pos = 0;
	char seen[SHOW_MAX * 2], seen2[SHOW_MAX * 2];
	int k, n_pending;

	memset(st, 0, sizeof(*st));
	if (len > UPD_STATE_MAX)
		return tg_fail(err, errlen, "expected at most %d bytes, saw %zu", UPD_STATE_MAX, len);
	while (pos < len) {
		const char *key, *val;
		size_t klen, vlen;

		lineno++;
		if (next_line(buf, len, &pos, lineno, &key, &klen, &val, &vlen, err, errlen) < 0)
			return -1;
		for (k = 0; k < SK_END; k++)
			if (strlen(skeys[k]) == klen && memcmp(skeys[k], key, klen) == 0)
				break;
		if (k == SK_END)
			return tg_fail(err, errlen, "line %u: unknown key \"%s\"", lineno,
				       show(seen, sizeof seen, key, klen));
		if (seen_mask & (1u << k))
			return tg_fail(err, errlen, "line %u: %s given twice", lineno, skeys[k]);
		seen_mask |= 1u << k;
		if (svalue((enum skey)k, val, vlen, st) < 0)
			return tg_fail(err, errlen, "line %u: %s: expected %s, saw \"%s\"", lineno,
				       skeys[k], sexpect[k], show(seen2, sizeof seen2, val, vlen));
	}
	for (k = SK_COMMITTED_SLOT; k <= SK_SECURITY_MIN; k++)
		if (!(seen_mask & (1u << k)))
			return tg_fail(err, errlen, "expected a line %s, saw none", skeys[k]);
	n_pending = 0;
	for (k = SK_PENDING_SLOT; k <= SK_PENDING_BUNDLE; k++)
		n_pending += (seen_mask >> k) & 1;
	if (n_pending != 0 && n_pending != 4)
		return tg_fail(err, errlen,
			       "expected pending-slot, pending-version, pending-security and "
			       "pending-bundle together, saw %d of them",
			       n_pending);
	return 0;
}

void upd_state_pending_failed(struct upd_state *st, const char *msg)
{
	st->have_failed = 1;
	memcpy(st->failed_bundle, st->pending_bundle, 32);
	st->pending_slot = 0;
	memset(st->pending_version, 0, sizeof(st->pending_version));
	st->pending_security = 0;
	memset(st->pending_bundle, 0, 32);
	upd_state_set_result(st, msg);
}

void upd_state_set_result(struct upd_state *st, const char *msg)
{
	size_t i;

	for (i = 0; msg[i] && i + 1 < sizeof(st->last_result); i++)
		st->last_result[i] = msg[i] >= 0x20 && msg[i] < 0x7f ? msg[i] : '?';
	st->last_result[i] = '\0';
}

size_t upd_state_encode(const struct upd_state *st, char *out, size_t outlen)
{
	char v1[24], hex[65], res[UPD_STATE_RESULT_MAX];
	size_t o = 0, i;
	int n;

#define PUT(...)                                                                       \
	do {                                                                           \
		n = snprintf(out + o, outlen - o, __VA_ARGS__);                        \
		if (n < 0 || (size_t)n >= outlen - o)                                  \
			return 0;                                                      \
		o += (size_t)n;                                                        \
	} while (0)

	if (!outlen)
		return 0;
	PUT("committed-slot %c\n", st->committed_slot == 'B' ? 'B' : 'A');
	PUT("committed-version %s\n", upd_version_str(st->committed_version, v1, sizeof v1));
	PUT("security-min %u\n", (unsigned)st->security_min);
	if (st->pending_slot == 'A' || st->pending_slot == 'B') {
		PUT("pending-slot %c\n", st->pending_slot);
		PUT("pending-version %s\n", upd_version_str(st->pending_version, v1, sizeof v1));
		PUT("pending-security %u\n", (unsigned)st->pending_security);
		upd_hex32(st->pending_bundle, hex);
		PUT("pending-bundle %s\n", hex);
	}
	if (st->have_failed) {
		upd_hex32(st->failed_bundle, hex);
		PUT("failed-bundle %s\n", hex);
	}
	if (st->last_result[0]) {
		for (i = 0; st->last_result[i] && i + 1 < sizeof(res); i++) {
			char c = st->last_result[i];
			res[i] = c >= 0x20 && c < 0x7f ? c : '?';
		}
		res[i] = '\0';
		PUT("last-result %s\n", res);
	}
#undef PUT
	return o;
}

/* --------------------------------------------------------------- release */

int upd_release_parse(const char *buf, size_t len, struct upd_release *r, char *err,
		      size_t errlen)
{
	static const char *const keys[4] = {"version", "security", "compatible", "product"};
	static const char *const expect[4] = {"MAJOR.MINOR.PATCH", "a decimal 0..4294967295",
					      "[a-z0-9._-]{1,63}", "[a-z0-9._-]{1,31}"};
	unsigned seen_mask = 0, lineno = 0;
	size_t pos = 0;
	char seen[SHOW_MAX * 2];
	int k, bad;

	memset(r, 0, sizeof(*r));
	if (len > 4096)
		return tg_fail(err, errlen, "expected at most 4096 bytes, saw %zu", len);
	while (pos < len) {
		const char *key, *val;
		size_t klen, vlen;

		lineno++;
		if (next_line(buf, len, &pos, lineno, &key, &klen, &val, &vlen, err, errlen) < 0)
			return -1;
		for (k = 0; k < 4; k++)
			if (strlen(keys[k]) == klen && memcmp(keys[k], key, klen) == 0)
				break;
		if (k == 4)
			return tg_fail(err, errlen, "line %u: unknown key \"%s\"", lineno,
				       show(seen, sizeof seen, key, klen));
		if (seen_mask & (1u << k))
			return tg_fail(err, errlen, "line %u: %s given twice", lineno, keys[k]);
		seen_mask |= 1u << k;
		switch (k) {
		case 0:
			bad = tg_bundle_version_parse(val, vlen, r->version) < 0;
			break;
		case 1:
			bad = parse_u32(val, vlen, &r->security) < 0;
			break;
		case 2:
			bad = !name_ok(val, vlen, sizeof(r->compatible) - 1);
			if (!bad)
				memcpy(r->compatible, val, vlen);
			break;
		default:
			bad = !name_ok(val, vlen, sizeof(r->product) - 1);
			if (!bad)
				memcpy(r->product, val, vlen);
			break;
		}
		if (bad)
			return tg_fail(err, errlen, "line %u: %s: expected %s, saw \"%s\"", lineno,
				       keys[k], expect[k], show(seen, sizeof seen, val, vlen));
	}
	for (k = 0; k < 4; k++)
		if (!(seen_mask & (1u << k)))
			return tg_fail(err, errlen, "expected a line %s, saw none", keys[k]);
	return 0;
}

/* ---------------------------------------------------------- command line */

char upd_cmdline_slot(const char *buf, size_t len)
{
	size_t i;

	/* "tg.slot=X" as a whole word: after the start or a blank, before a blank or the end */
	for (i = 0; i + 9 <= len; i++) {
		if (memcmp(buf + i, "tg.slot=", 8) != 0)
			continue;
		if (i > 0 && buf[i - 1] != ' ' && buf[i - 1] != '\t')
			continue;
		if (buf[i + 8] != 'A' && buf[i + 8] != 'B')
			continue;
		if (i + 9 < len && buf[i + 9] != ' ' && buf[i + 9] != '\t' && buf[i + 9] != '\n' &&
		    buf[i + 9] != '\0')
			continue;
		return buf[i + 8];
	}
	return 0;
}

/* ------------------------------------------------- a certificate's name */

/*
 * Just enough DER to reach a certificate's subjectAltName: definite
 * lengths of at most 4 bytes, low tag numbers; anything else is "no name".
 * The certificate is ntsd's own (our data partition), but it is parsed
 * like any input: every length checked against what holds it.
 */
struct der {
	const uint8_t *p;
	size_t n;
};

static int der_next(struct der *d, unsigned *tag, struct der *val)
{
	size_t len, i = 2, k;

	if (d->n < 2 || (d->p[0] & 0x1f) == 0x1f)
		return -1;
	*tag = d->p[0];
	len = d->p[1];
	if (len & 0x80) {
		k = len & 0x7f;
		if (k == 0 || k > 4 || d->n < 2 + k)
			return -1;
		len = 0;
		for (; k; k--)
			len = (len << 8) | d->p[i++];
	}
	if (len > d->n - i)
		return -1;
	val->p = d->p + i;
	val->n = len;
	d->p += i + len;
	d->n -= i + len;
	return 0;
}

static int dns_ok(const uint8_t *s, size_t n)
{
	size_t i;

	if (n == 0 || s[0] == '.' || s[0] == '-')
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '.' || s[i] == '-'))
			return 0; /* a wildcard or junk: not a name to connect by */
	return 1;
}

int upd_cert_dns_name(const uint8_t *der, size_t len, char *out, size_t outlen)
{
	static const uint8_t san_oid[3] = {0x55, 0x1d, 0x11}; /* 2.5.29.17 */
	struct der d = {der, len}, cert, tbs, x, exts, e, oid, v, names, name;
	unsigned tag;

	if (der_next(&d, &tag, &cert) < 0 || tag != 0x30)
		return -1;
	if (der_next(&cert, &tag, &tbs) < 0 || tag != 0x30)
		return -1;
	while (tbs.n) {
		if (der_next(&tbs, &tag, &x) < 0)
			return -1;
		if (tag != 0xa3) /* [3] extensions; the fields before it are skipped */
			continue;
		if (der_next(&x, &tag, &exts) < 0 || tag != 0x30)
			return -1;
		while (exts.n) {
			if (der_next(&exts, &tag, &e) < 0 || tag != 0x30)
				return -1;
			if (der_next(&e, &tag, &oid) < 0 || tag != 0x06)
				return -1;
			if (der_next(&e, &tag, &v) < 0)
				return -1;
			if (tag == 0x01 && der_next(&e, &tag, &v) < 0) /* critical */
				return -1;
			if (tag != 0x04)
				return -1;
			if (oid.n != sizeof san_oid || memcmp(oid.p, san_oid, sizeof san_oid) != 0)
				continue;
			if (der_next(&v, &tag, &names) < 0 || tag != 0x30)
				return -1;
			while (names.n) {
				if (der_next(&names, &tag, &name) < 0)
					return -1;
				/* [2] IMPLICIT IA5String: dNSName */
				if (tag != 0x82 || name.n >= outlen || !dns_ok(name.p, name.n))
					continue;
				memcpy(out, name.p, name.n);
				out[name.n] = '\0';
				return 0;
			}
			return -1;
		}
		return -1;
	}
	return -1;
}
