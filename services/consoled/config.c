/*
 * config.c - the site configuration the console edits (design: issue 7,
 * "site configuration in /data"): timed.conf and the network file in
 * CONFIG_DIR, the network policy's site.conf, and the API routes that
 * read and change them (GET /api/config, POST /api/config/time,
 * /upstreams, /network, /revert).
 *
 * Every file is checked whole with the parser of the program that reads
 * it before it is written: timed's own conf.c for timed.conf,
 * tg-netpolicy's np_site_parse (against the parsed network.policy) for
 * site.conf, and the rules rc.boot relies on for the network file (an
 * interface of the roles file, an address with its prefix length, a
 * gateway of the same family or '-').  A file is replaced atomically, the
 * previous version kept as NAME.prev (one step of undo), then applied
 * through tg-supervise's control socket (m->svc): "restart timed",
 * "run firewall"; the network file takes effect at the next boot.  If
 * the apply step fails, the previous text (and the previous .prev) is
 * written back, so the file on disk is what the service runs.
 *
 * The pages edit keys, not files: only the lines of the keywords a form
 * owns are replaced (at the place of the first such line, or appended
 * when the file had none); comments and every other line, the board's
 * device and pps lines included, stay byte for byte.  A keyword is the
 * first word of a line, which is all lib/conf.c's tokenizer needs to
 * know here (it is static there; keywords are never quoted).
 *
 * Values from a request are never pasted into a file unchecked: every
 * word is a token of a known shape (digits, a name of [a-z], an address),
 * so a value cannot add a line or a keyword.  Errors name the form field
 * ({"error", "field"}): a parser's "timed.conf:N: ..." is mapped back
 * through the keyword of line N of the text that was checked.
 *
 * main runs without malloc: the texts live in static buffers (files of at
 * most CFG_MAX bytes; the one request at a time is the only user).
 */
#include "consoled/consoled.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "fileio.h"
#include "json.h"
#include "log.h"
#include "netpolicy/netpolicy.h"
#include "timed/timed.h"

#define CFG_MAX       65536 /* largest file the console edits */
#define PATH_BUF      320
#define ERR_BUF       400
#define EDIT_MAX      2048  /* the new lines of one keyword */
#define WORDS_MAX     8
#define WORD_MAX      64
#define ROLES_MAX     NP_ROLES_MAX
#define UPSTREAM_PORT 4460
/* design: at most 8 servers; timed's cross-check takes TIMED_XCHECK_MAX */
#define SERVERS_MAX   (TIMED_XCHECK_MAX < 8 ? TIMED_XCHECK_MAX : 8)

static const char *const cfg_names[CD_CFG_N] = {"timed.conf", "network", "site.conf"};

/* ---- what one install keeps to put a file back (static: no malloc in main) ---- */

struct saved {
	int have;          /* a saved state is held */
	int existed;       /* the file existed before */
	size_t len;
	int prev_existed;  /* NAME.prev existed before */
	size_t prev_len;
};
static struct saved saved[CD_CFG_N];
static char saved_cur[CD_CFG_N][CFG_MAX];
static char saved_prev[CD_CFG_N][CFG_MAX];

/* texts being built and files being read */
static char buf_new[2][CFG_MAX];
static char buf_read[3][CFG_MAX];

/* ---- names and paths ---- */

const char *cd_cfg_name(int f)
{
	return f >= 0 && f < CD_CFG_N ? cfg_names[f] : "?";
}

int cd_cfg_index(const char *name)
{
	int f;

	for (f = 0; name && f < CD_CFG_N; f++)
		if (strcmp(name, cfg_names[f]) == 0)
			return f;
	return -1;
}

int cd_cfg_path(const struct cd_main *m, int f, char *path, size_t cap)
{
	int k;

	if (f == CD_CFG_SITE)
		k = snprintf(path, cap, "%s", m->conf.site_conf);
	else if (f == CD_CFG_TIMED || f == CD_CFG_NETWORK)
		k = snprintf(path, cap, "%s/%s", m->conf.config_dir, cfg_names[f]);
	else
		return -1;
	return k > 0 && (size_t)k < cap ? 0 : -1;
}

/* ---- answers ---- */

void cd_cfg_error(struct cd_out *o, int status, const char *field, const char *msg)
{
	struct tg_json j;

	tg_json_init(&j, o->body, o->body ? CD_OUT_MAX : 0);
	tg_json_obj(&j, NULL);
	tg_json_str(&j, "error", msg);
	if (field && field[0])
		tg_json_str(&j, "field", field);
	tg_json_obj_end(&j);
	o->status = status;
	o->kind = CD_KIND_JSON;
	o->filename[0] = '\0';
	o->len = tg_json_done(&j) == 0 ? j.len : 0;
}

__attribute__((format(printf, 4, 5))) static void ferr(struct cd_out *o, int status,
                                                       const char *field, const char *fmt, ...)
{
	char msg[ERR_BUF];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cd_cfg_error(o, status, field, msg);
}

static void message(struct cd_out *o, const char *msg)
{
	struct tg_json j;

	tg_json_init(&j, o->body, CD_OUT_MAX);
	tg_json_obj(&j, NULL);
	tg_json_str(&j, "message", msg);
	tg_json_obj_end(&j);
	o->status = 200;
	o->kind = CD_KIND_JSON;
	o->filename[0] = '\0';
	o->len = tg_json_done(&j) == 0 ? j.len : 0;
}

/* ---- lines and words ---- */

static int blank(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r';
}

/* the line at *pos of t[0..len): its start and length (without "\n"); *pos moves past it */
static int next_line(const char *t, size_t len, size_t *pos, const char **l, size_t *n)
{
	const char *nl;

	if (*pos >= len)
		return 0;
	*l = t + *pos;
	nl = memchr(*l, '\n', len - *pos);
	*n = nl ? (size_t)(nl - *l) : len - *pos;
	*pos += *n + (nl != NULL);
	return 1;
}

/*
 * The keyword of a line into k (cap bytes): the offset just after it in
 * the line, 0 for blank and comment lines.
 */
static size_t line_key(const char *l, size_t n, char *k, size_t cap)
{
	size_t i = 0, s;

	while (i < n && blank(l[i]))
		i++;
	s = i;
	while (i < n && !blank(l[i]) && l[i] != '#')
		i++;
	if (i == s || i - s >= cap) {
		k[0] = '\0';
		return 0;
	}
	memcpy(k, l + s, i - s);
	k[i - s] = '\0';
	return i;
}

/* a word a file may take as it is: printable ASCII, no quote, comment or escape */
static int word_char(char ch)
{
	return ch > ' ' && ch <= '~' && ch != '"' && ch != '#' && ch != '\\' && ch != '\'';
}

/*
 * The words of a line of a form's text (hash 0: '#' is refused like any
 * character a file must not take) or of a file (hash 1: '#' ends the
 * line).  The count, or -1: such a character, a word longer than
 * WORD_MAX - 1, more than WORDS_MAX words.
 */
static int split_words(const char *l, size_t n, char w[WORDS_MAX][WORD_MAX], int hash)
{
	size_t i = 0, s;
	int k = 0;

	for (;;) {
		while (i < n && blank(l[i]))
			i++;
		if (i == n || (hash && l[i] == '#'))
			return k;
		s = i;
		while (i < n && !blank(l[i]) && !(hash && l[i] == '#')) {
			if (!word_char(l[i]))
				return -1;
			i++;
		}
		if (k == WORDS_MAX || i - s >= WORD_MAX)
			return -1;
		memcpy(w[k], l + s, i - s);
		w[k][i - s] = '\0';
		k++;
	}
}

/* 1 if s is [a-z][a-z0-9_-]* of at most max bytes */
static int name_ok(const char *s, size_t max)
{
	size_t i;

	if (!s[0] || strlen(s) > max || s[0] < 'a' || s[0] > 'z')
		return 0;
	for (i = 1; s[i]; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_' ||
		      s[i] == '-'))
			return 0;
	return 1;
}

/* ---- editing a file by keyword ---- */

struct edit {
	const char *key;     /* the file's keyword */
	char text[EDIT_MAX]; /* its new lines, each ending in "\n"; "" removes them */
	size_t len;
	int set;             /* this keyword is edited */
	/* filled by apply_edits */
	int seen;
	char old[EDIT_MAX];  /* the old lines of the keyword, for the audit's "changed" */
	size_t old_len;
	int old_over;
};

__attribute__((format(printf, 2, 3))) static int edit_add(struct edit *e, const char *fmt, ...)
{
	va_list ap;
	int k;

	va_start(ap, fmt);
	k = vsnprintf(e->text + e->len, sizeof(e->text) - e->len, fmt, ap);
	va_end(ap);
	if (k < 0 || (size_t)k >= sizeof(e->text) - e->len)
		return -1;
	e->len += (size_t)k;
	e->set = 1;
	return 0;
}

static int put(char *out, size_t cap, size_t *n, const char *s, size_t len)
{
	if (len >= cap - *n)
		return -1;
	memcpy(out + *n, s, len);
	*n += len;
	out[*n] = '\0';
	return 0;
}

/*
 * cur[0..len) with the lines of every set keyword of e[0..ne) replaced by
 * its text, at the first such line (appended at the end if none): the new
 * length in out, or -1 if it does not fit.
 */
static long apply_edits(const char *cur, size_t len, struct edit *e, int ne, char *out, size_t cap)
{
	const char *l;
	size_t n, pos = 0, o = 0;
	char k[32];
	int i;

	for (i = 0; i < ne; i++) {
		e[i].seen = 0;
		e[i].old_len = 0;
		e[i].old_over = 0;
	}
	out[0] = '\0';
	while (next_line(cur, len, &pos, &l, &n)) {
		int hit = -1;

		if (line_key(l, n, k, sizeof(k)))
			for (i = 0; i < ne; i++)
				if (e[i].set && strcmp(k, e[i].key) == 0)
					hit = i;
		if (hit < 0) {
			if (put(out, cap, &o, l, n) < 0 || put(out, cap, &o, "\n", 1) < 0)
				return -1;
			continue;
		}
		if (e[hit].old_len + n + 1 < sizeof(e[hit].old)) {
			memcpy(e[hit].old + e[hit].old_len, l, n);
			e[hit].old[e[hit].old_len + n] = '\n';
			e[hit].old_len += n + 1;
		} else {
			e[hit].old_over = 1;
		}
		if (!e[hit].seen && put(out, cap, &o, e[hit].text, e[hit].len) < 0)
			return -1;
		e[hit].seen = 1;
	}
	for (i = 0; i < ne; i++)
		if (e[i].set && !e[i].seen && put(out, cap, &o, e[i].text, e[i].len) < 0)
			return -1;
	return (long)o;
}

/* the edited keywords whose lines changed, space-separated, for the audit record */
static void edits_changed(const struct edit *e, int ne, char *out, size_t cap)
{
	size_t n = 0;
	int i;

	out[0] = '\0';
	for (i = 0; i < ne; i++) {
		if (!e[i].set ||
		    (!e[i].old_over && e[i].old_len == e[i].len && memcmp(e[i].old, e[i].text, e[i].len) == 0))
			continue;
		n += (size_t)snprintf(out + n, n < cap ? cap - n : 0, "%s%s", n ? " " : "", e[i].key);
		if (n >= cap) {
			out[cap - 1] = '\0';
			return;
		}
	}
}

/* ---- reading files ---- */

/* path's text into buf (NUL-terminated): 1 read, 0 absent, -1 error (err) */
static int read_text(const char *path, char *buf, size_t *len, char *err, size_t errlen)
{
	*len = 0;
	buf[0] = '\0';
	if (tg_read_small_file(path, buf, CFG_MAX - 1, len) < 0) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
		return -1;
	}
	buf[*len] = '\0';
	return 1;
}

static int read_cfg(struct cd_main *m, int f, char *buf, size_t *len, char *err, size_t errlen)
{
	char path[PATH_BUF];

	if (cd_cfg_path(m, f, path, sizeof(path)) < 0) {
		snprintf(err, errlen, "the path of %s is too long", cfg_names[f]);
		return -1;
	}
	return read_text(path, buf, len, err, errlen);
}

/* the roles file: "ROLE IFNAME" lines */
struct roles {
	int n;
	char role[ROLES_MAX][NP_ROLE_MAX + 1];
	char ifname[ROLES_MAX][NP_IFNAME_MAX + 1];
};

static int load_roles(struct cd_main *m, struct roles *r, char *err, size_t errlen)
{
	static char text[4096];
	char w[WORDS_MAX][WORD_MAX];
	const char *l;
	size_t len = 0, pos = 0, n;
	int line = 0, k;

	memset(r, 0, sizeof(*r));
	if (tg_read_small_file(m->conf.roles, text, sizeof(text), &len) < 0) {
		snprintf(err, errlen, "cannot read the interface roles (%s): %s", m->conf.roles,
		         strerror(errno));
		return -1;
	}
	while (next_line(text, len, &pos, &l, &n)) {
		line++;
		k = split_words(l, n, w, 1);
		if (k == 0)
			continue;
		if (k != 2 || strlen(w[0]) > NP_ROLE_MAX || strlen(w[1]) > NP_IFNAME_MAX ||
		    r->n == ROLES_MAX) {
			snprintf(err, errlen, "%s:%d: expected 'ROLE IFNAME' (at most %d lines)",
			         m->conf.roles, line, ROLES_MAX);
			return -1;
		}
		memcpy(r->role[r->n], w[0], strlen(w[0]) + 1);
		memcpy(r->ifname[r->n], w[1], strlen(w[1]) + 1);
		r->n++;
	}
	return 0;
}

static int load_policy(struct cd_main *m, struct np_policy *p, char *err, size_t errlen)
{
	char *text = buf_read[2];
	size_t len;
	int rc = read_text(m->conf.network_policy, text, &len, err, errlen);

	if (rc == 0)
		snprintf(err, errlen, "cannot read the network policy %s: no such file",
		         m->conf.network_policy);
	if (rc <= 0)
		return -1;
	return np_policy_parse(p, text, len, m->conf.network_policy, err, errlen);
}

/* ---- checks ---- */

/* "ADDR/LEN" of an interface (host bits allowed): its family (4, 6), or 0 */
static int if_addr(const char *s)
{
	char host[64];
	uint8_t a[16];
	const char *slash = strchr(s, '/');
	size_t n = slash ? (size_t)(slash - s) : 0;
	unsigned long len;
	char *end;
	int fam;

	if (!slash || n == 0 || n >= sizeof(host) || slash[1] < '0' || slash[1] > '9' ||
	    strlen(slash + 1) > 3)
		return 0;
	memcpy(host, s, n);
	host[n] = '\0';
	fam = inet_pton(AF_INET, host, a) == 1 ? 4 : inet_pton(AF_INET6, host, a) == 1 ? 6 : 0;
	len = strtoul(slash + 1, &end, 10);
	if (!fam || *end || len < 1 || len > (fam == 4 ? 32u : 128u))
		return 0;
	return fam;
}

static int gw_family(const char *s)
{
	uint8_t a[16];

	return inet_pton(AF_INET, s, a) == 1 ? 4 : inet_pton(AF_INET6, s, a) == 1 ? 6 : 0;
}

/*
 * The network file's text, or with out a form's interfaces text (then a
 * '#' is refused like any other character a file must not take, and the
 * normalized lines go to out): 0, or -1 with "WHAT N: ..." in err.
 */
static int check_network(const struct roles *r, const char *t, size_t len, const char *what,
                         char *out, size_t cap, size_t *outlen, char *err, size_t errlen)
{
	char w[WORDS_MAX][WORD_MAX], names[160];
	int used[ROLES_MAX] = {0};
	const char *l;
	size_t pos = 0, n, o = 0, nn = 0;
	int line = 0, k, i, fam;

	names[0] = '\0';
	for (i = 0; i < r->n; i++)
		nn += (size_t)snprintf(names + nn, nn < sizeof(names) ? sizeof(names) - nn : 0, " %s",
		                       r->ifname[i]);
	if (out)
		out[0] = '\0';
	while (next_line(t, len, &pos, &l, &n)) {
		line++;
		k = split_words(l, n, w, out == NULL); /* a form has no comments */
		if (k == 0)
			continue;
		if (k != 3) {
			snprintf(err, errlen, "%s %d: expected 'IFNAME ADDRESS/LENGTH GATEWAY|-'", what,
			         line);
			return -1;
		}
		for (i = 0; i < r->n && strcmp(w[0], r->ifname[i]) != 0; i++)
			;
		if (i == r->n) {
			snprintf(err, errlen, "%s %d: '%s' is not an interface of this appliance (expected one of:%s)",
			         what, line, w[0], names);
			return -1;
		}
		if (used[i]++) {
			snprintf(err, errlen, "%s %d: '%s' is given twice", what, line, w[0]);
			return -1;
		}
		fam = if_addr(w[1]);
		if (!fam) {
			snprintf(err, errlen,
			         "%s %d: expected an IPv4 or IPv6 address with its prefix length "
			         "(192.0.2.10/24, 2001:db8::10/64), got '%s'",
			         what, line, w[1]);
			return -1;
		}
		if (strcmp(w[2], "-") != 0 && gw_family(w[2]) != fam) {
			snprintf(err, errlen, "%s %d: expected a gateway of the same family as %s, or '-', got '%s'",
			         what, line, w[1], w[2]);
			return -1;
		}
		if (out) {
			int c = snprintf(out + o, cap - o, "%s %s %s\n", w[0], w[1], w[2]);

			if (c < 0 || (size_t)c >= cap - o) {
				snprintf(err, errlen, "%s %d: the file is too long", what, line);
				return -1;
			}
			o += (size_t)c;
		}
	}
	if (outlen)
		*outlen = o;
	return 0;
}

int cd_cfg_check(struct cd_main *m, int f, const char *text, size_t len, char *err, size_t errlen)
{
	static struct timed_conf tc;
	static struct np_policy p;
	struct roles r;

	if (len >= CFG_MAX) {
		snprintf(err, errlen, "%s: larger than %d bytes", cd_cfg_name(f), CFG_MAX - 1);
		return -1;
	}
	switch (f) {
	case CD_CFG_TIMED:
		timed_conf_defaults(&tc);
		return timed_conf_parse(text, len, cfg_names[f], &tc, err, errlen);
	case CD_CFG_SITE:
		if (load_policy(m, &p, err, errlen) < 0)
			return -1;
		return np_site_parse(&p, text, len, cfg_names[f], err, errlen);
	case CD_CFG_NETWORK:
		if (memchr(text, '\0', len)) {
			snprintf(err, errlen, "network: a NUL byte");
			return -1;
		}
		if (load_roles(m, &r, err, errlen) < 0)
			return -1;
		return check_network(&r, text, len, "network: line", NULL, 0, NULL, err, errlen);
	}
	snprintf(err, errlen, "unknown configuration file %d", f);
	return -1;
}

/* ---- installing ---- */

static int write_or_remove(const char *path, int exists, const char *text, size_t len)
{
	if (exists)
		return tg_write_file_atomic(path, text, len, 0644);
	if (unlink(path) < 0 && errno != ENOENT)
		return -1;
	return 0;
}

/* the apply command of file f, NULL: none */
static const char *apply_cmd(int f)
{
	return f == CD_CFG_TIMED ? "restart timed" : f == CD_CFG_SITE ? "run firewall" : NULL;
}

static int apply(struct cd_main *m, int f, char *err, size_t errlen)
{
	const char *cmd = apply_cmd(f);
	char e[ERR_BUF] = "";

	if (!cmd)
		return 0;
	if (!m->svc) {
		snprintf(err, errlen, "%s: the supervisor cannot be reached (no control socket)", cmd);
		return -1;
	}
	if (m->svc(m, cmd, e, sizeof(e)) < 0) {
		snprintf(err, errlen, "%s: %s", cmd, e[0] ? e : "failed");
		return -1;
	}
	return 0;
}

/* saved[f] back on disk (file and .prev); reapply: apply it again. 0 or -1 */
static int restore(struct cd_main *m, int f, int reapply)
{
	char path[PATH_BUF], prev[PATH_BUF + 8], err[ERR_BUF];
	struct saved *s = &saved[f];
	int rc = 0;

	if (!s->have || cd_cfg_path(m, f, path, sizeof(path)) < 0)
		return -1;
	snprintf(prev, sizeof(prev), "%s.prev", path);
	if (write_or_remove(path, s->existed, saved_cur[f], s->len) < 0) {
		tg_err("config: cannot put %s back: %s", path, strerror(errno));
		rc = -1;
	}
	if (write_or_remove(prev, s->prev_existed, saved_prev[f], s->prev_len) < 0) {
		tg_err("config: cannot put %s back: %s", prev, strerror(errno));
		rc = -1;
	}
	if (rc == 0 && reapply && apply(m, f, err, sizeof(err)) < 0) {
		tg_err("config: %s put back, but %s", path, err);
		rc = -1;
	}
	if (rc == 0)
		tg_info("config: %s put back as it was", path);
	return rc;
}

/*
 * The install without putting back on an apply failure (the caller decides):
 * 0, or -1 with *status and err; *applied_failed 1 if the file was written
 * but its apply failed.
 */
static int install(struct cd_main *m, int f, const char *text, size_t len, int *status,
                   int *apply_failed, char *err, size_t errlen)
{
	char path[PATH_BUF], prev[PATH_BUF + 8], e[ERR_BUF];
	struct saved *s = &saved[f];
	int rc;

	*apply_failed = 0;
	if (f < 0 || f >= CD_CFG_N || cd_cfg_path(m, f, path, sizeof(path)) < 0) {
		snprintf(err, errlen, "no path for configuration file %d", f);
		*status = 500;
		return -1;
	}
	if (cd_cfg_check(m, f, text, len, err, errlen) < 0) {
		*status = 400;
		return -1;
	}
	snprintf(prev, sizeof(prev), "%s.prev", path);
	memset(s, 0, sizeof(*s));
	rc = read_text(path, saved_cur[f], &s->len, e, sizeof(e));
	if (rc >= 0) {
		s->existed = rc;
		rc = read_text(prev, saved_prev[f], &s->prev_len, e, sizeof(e));
		s->prev_existed = rc > 0;
	}
	if (rc < 0) {
		snprintf(err, errlen, "%s", e);
		*status = 500;
		return -1;
	}
	s->have = 1;
	/* the current file becomes the undo step; with none, an older .prev would lie */
	if (write_or_remove(prev, s->existed, saved_cur[f], s->len) < 0 ||
	    tg_write_file_atomic(path, text, len, 0644) < 0) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
		tg_err("config: %s", err);
		restore(m, f, 0);
		*status = 500;
		return -1;
	}
	tg_info("config: %s written (%zu bytes)", path, len);
	if (apply(m, f, err, errlen) < 0) {
		tg_err("config: %s", err);
		*apply_failed = 1;
		*status = 502;
		return -1;
	}
	return 0;
}

int cd_cfg_install(struct cd_main *m, int f, const char *text, size_t len, int *status, char *err,
                   size_t errlen)
{
	int failed;

	if (install(m, f, text, len, status, &failed, err, errlen) == 0)
		return 0;
	if (failed)
		restore(m, f, 0); /* the service still runs the old text: nothing to apply */
	return -1;
}

/* ---- parser errors to form fields ---- */

struct field_map {
	const char *key, *field;
};

static const struct field_map timed_fields[] = {
    {"baud", "baud"},
    {"parity", "parity"},
    {"pps-edge", "pps_edge"},
    {"pps-delay", "pps_delay_ns"},
    {"pps-only", "pps_only"},
    {"nmea-window", "nmea_window_min_ms"},
    {"site", "site"},
    {"survey", "survey"},
    {"holdover-drift", "holdover_drift_ppb"},
    {"lock-jitter", "lock_jitter_us"},
    {"cross-check-max", "cross_check_max_ms"},
    {"cross-check-interval", "cross_check_interval_s"},
    {"upstream", "servers"},
    {"anchors", "servers"},
    {NULL, NULL},
};

static const struct field_map site_fields[] = {
    {"upstream", "servers"},
    {"dns", "dns"},
    {"serve", "serve"},
    {NULL, NULL},
};

static const char *map_key(const struct field_map *fm, const char *key)
{
	for (; fm->key; fm++)
		if (strcmp(fm->key, key) == 0)
			return fm->field;
	return NULL;
}

/*
 * A parser's error about text (named fname) as a 400 answer: the field of
 * the keyword on the line it names (then without the "fname:N: " prefix),
 * or of the first quoted keyword it mentions.
 */
static void parse_error(struct cd_out *o, const struct field_map *fm, const char *fname,
                        const char *text, size_t len, const char *err)
{
	size_t fl = strlen(fname), pos = 0, n;
	const char *l, *msg = err, *field = NULL, *q;
	char k[32];
	long line = 0, i;
	char *end;

	if (strncmp(err, fname, fl) == 0 && err[fl] == ':' && err[fl + 1] >= '0' && err[fl + 1] <= '9') {
		line = strtol(err + fl + 1, &end, 10);
		if (*end == ':') {
			msg = end + 1;
			while (*msg == ' ')
				msg++;
		}
		for (i = 0; i < line && next_line(text, len, &pos, &l, &n); i++)
			;
		if (i == line && line > 0 && line_key(l, n, k, sizeof(k)))
			field = map_key(fm, k);
	}
	for (q = strchr(err, '\''); !field && q; q = strchr(q + 1, '\'')) {
		const char *e = strchr(q + 1, '\'');

		if (!e || (size_t)(e - q - 1) >= sizeof(k))
			break;
		memcpy(k, q + 1, (size_t)(e - q - 1));
		k[e - q - 1] = '\0';
		field = map_key(fm, k);
		q = e;
	}
	cd_cfg_error(o, 400, field, field ? msg : err);
}

/* ---- request bodies ---- */

/* an integer member: 1 given (*v), 0 absent, -1 answered */
static int body_int(struct cd_out *o, const char *b, size_t n, const char *key, int64_t *v)
{
	int rc = tg_json_get_int(b, n, key, v);

	if (rc == -2) {
		ferr(o, 400, key, "%s: expected a whole number", key);
		return -1;
	}
	return rc == 0;
}

static int body_bool(struct cd_out *o, const char *b, size_t n, const char *key, int *v)
{
	int rc = tg_json_get_bool(b, n, key, v);

	if (rc == -2) {
		ferr(o, 400, key, "%s: expected true or false", key);
		return -1;
	}
	return rc == 0;
}

/* a string member into out: 1 given, 0 absent, -1 answered */
static int body_str(struct cd_out *o, const char *b, size_t n, const char *key, char *out,
                    size_t cap)
{
	int rc = tg_json_get_str(b, n, key, out, cap);

	if (rc == -2) {
		ferr(o, 400, key, "%s: expected a string of at most %zu bytes", key, cap - 1);
		return -1;
	}
	return rc >= 0;
}

/* a choice member of [a-z] words: 1 given, 0 absent, -1 answered */
static int body_word(struct cd_out *o, const char *b, size_t n, const char *key,
                     const char *const *choices, char *out, size_t cap)
{
	size_t i;
	int rc = body_str(o, b, n, key, out, cap);

	if (rc <= 0)
		return rc;
	for (i = 0; choices[i]; i++)
		if (strcmp(out, choices[i]) == 0)
			return 1;
	ferr(o, 400, key, "%s: expected %s%s%s%s%s", key, choices[0], choices[1] ? " or " : "",
	     choices[1] ? choices[1] : "", choices[1] && choices[2] ? " or " : "",
	     choices[1] && choices[2] ? choices[2] : "");
	return -1;
}

/* ---- audit ---- */

static void audit(struct cd_main *m, const char *user, const char *addr, const char *action,
                  int ok, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
static void audit(struct cd_main *m, const char *user, const char *addr, const char *action,
                  int ok, const char *fmt, ...)
{
	char d[300];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(d, sizeof(d), fmt, ap);
	va_end(ap);
	cd_audit(m, user, addr, action, ok ? "ok" : "fail", d);
}

/* the JSON error text of an answer, for the audit record */
static void answer_error(const struct cd_out *o, char *out, size_t cap)
{
	out[0] = '\0';
	if (o->len && tg_json_flat_check(o->body, o->len, NULL, 0) == 0)
		tg_json_get_str(o->body, o->len, "error", out, cap);
}

/* ---- POST /api/config/time ---- */

enum {
	T_BAUD, T_PARITY, T_EDGE, T_DELAY, T_PPSONLY, T_WINDOW, T_SITE, T_SURVEY, T_DRIFT, T_JITTER,
	T_N
};

static struct edit time_edits[T_N];

static int time_edits_from_body(struct cd_main *m, const char *b, size_t n, struct cd_out *o,
                                const struct timed_conf *cur)
{
	static const char *const parities[] = {"none", "even", "odd", NULL};
	static const char *const edges[] = {"assert", "clear", NULL};
	static const char *const keys[T_N] = {"baud",   "parity", "pps-edge",       "pps-delay",
	                                      "pps-only", "nmea-window", "site", "survey",
	                                      "holdover-drift", "lock-jitter"};
	struct edit *e = time_edits;
	char s[64], w[WORDS_MAX][WORD_MAX];
	int64_t v, lo, hi;
	int rc, rc2, bv, i, k, any = 0;

	(void)m;
	memset(time_edits, 0, sizeof(time_edits));
	for (i = 0; i < T_N; i++)
		e[i].key = keys[i];
	if ((rc = body_int(o, b, n, "baud", &v)) < 0)
		return -1;
	if (rc)
		edit_add(&e[T_BAUD], "baud %" PRId64 "\n", v);
	if ((rc = body_word(o, b, n, "parity", parities, s, sizeof(s))) < 0)
		return -1;
	if (rc)
		edit_add(&e[T_PARITY], "parity %s\n", s);
	if ((rc = body_word(o, b, n, "pps_edge", edges, s, sizeof(s))) < 0)
		return -1;
	if (rc)
		edit_add(&e[T_EDGE], "pps-edge %s\n", s);
	if ((rc = body_int(o, b, n, "pps_delay_ns", &v)) < 0)
		return -1;
	if (rc)
		edit_add(&e[T_DELAY], "pps-delay %" PRId64 "\n", v);
	if ((rc = body_bool(o, b, n, "pps_only", &bv)) < 0)
		return -1;
	if (rc)
		edit_add(&e[T_PPSONLY], "pps-only %s\n", bv ? "yes" : "no");
	/* the file has one line for both ends: a missing one keeps its current value */
	lo = cur->nmea_window_min_ns / 1000000;
	hi = cur->nmea_window_max_ns / 1000000;
	if ((rc = body_int(o, b, n, "nmea_window_min_ms", &lo)) < 0 ||
	    (rc2 = body_int(o, b, n, "nmea_window_max_ms", &hi)) < 0)
		return -1;
	if (rc || rc2)
		edit_add(&e[T_WINDOW], "nmea-window %" PRId64 " %" PRId64 "\n", lo, hi);
	if ((rc = body_str(o, b, n, "site", s, sizeof(s))) < 0)
		return -1;
	if (rc) {
		k = split_words(s, strlen(s), w, 0);
		for (i = 0; k == 3 && i < 3; i++)
			if (strspn(w[i], "+-.0123456789") != strlen(w[i]))
				k = -1;
		if (k != 0 && k != 3) {
			cd_cfg_error(o, 400, "site",
			             "site: expected 'LATITUDE LONGITUDE ALTITUDE' (degrees, degrees, "
			             "metres, e.g. 52.3731 4.8922 12.5), or nothing for none");
			return -1;
		}
		e[T_SITE].set = 1; /* nothing: the line goes */
		if (k == 3)
			edit_add(&e[T_SITE], "site %s %s %s\n", w[0], w[1], w[2]);
	}
	if ((rc = body_bool(o, b, n, "survey", &bv)) < 0)
		return -1;
	if (rc)
		edit_add(&e[T_SURVEY], "survey %s\n", bv ? "yes" : "no");
	if ((rc = body_int(o, b, n, "holdover_drift_ppb", &v)) < 0)
		return -1;
	if (rc)
		edit_add(&e[T_DRIFT], "holdover-drift %" PRId64 "\n", v);
	if ((rc = body_int(o, b, n, "lock_jitter_us", &v)) < 0)
		return -1;
	if (rc)
		edit_add(&e[T_JITTER], "lock-jitter %" PRId64 "\n", v);
	for (i = 0; i < T_N; i++)
		any |= e[i].set;
	if (!any) {
		cd_cfg_error(o, 400, NULL, "nothing to change: the request named no setting");
		return -1;
	}
	return 0;
}

/* the current timed.conf, parsed (defaults if absent): 0 or -1 answered */
static int current_timed(struct cd_main *m, char *text, size_t *len, struct timed_conf *tc,
                         struct cd_out *o)
{
	char err[ERR_BUF];

	if (read_cfg(m, CD_CFG_TIMED, text, len, err, sizeof(err)) < 0) {
		cd_cfg_error(o, 500, NULL, err);
		return -1;
	}
	timed_conf_defaults(tc);
	if (timed_conf_parse(text, *len, cfg_names[CD_CFG_TIMED], tc, err, sizeof(err)) < 0)
		timed_conf_defaults(tc); /* the check of the new text names what is wrong */
	return 0;
}

static void post_time(struct cd_main *m, const char *b, size_t n, const char *user,
                      const char *addr, struct cd_out *o)
{
	static struct timed_conf tc;
	char *cur = buf_read[0], *nt = buf_new[0], err[ERR_BUF], changed[200];
	size_t len;
	long nl;
	int status;

	if (current_timed(m, cur, &len, &tc, o) < 0 || time_edits_from_body(m, b, n, o, &tc) < 0)
		return;
	nl = apply_edits(cur, len, time_edits, T_N, nt, CFG_MAX);
	if (nl < 0) {
		cd_cfg_error(o, 400, NULL, "timed.conf would be too long");
		return;
	}
	if ((size_t)nl == len && memcmp(cur, nt, len) == 0) {
		message(o, "no change");
		return;
	}
	if (cd_cfg_check(m, CD_CFG_TIMED, nt, (size_t)nl, err, sizeof(err)) < 0) {
		parse_error(o, timed_fields, cfg_names[CD_CFG_TIMED], nt, (size_t)nl, err);
		return;
	}
	edits_changed(time_edits, T_N, changed, sizeof(changed));
	if (cd_cfg_install(m, CD_CFG_TIMED, nt, (size_t)nl, &status, err, sizeof(err)) < 0) {
		cd_cfg_error(o, status, NULL, err);
		audit(m, user, addr, "config.time", 0, "%s: %s", changed, err);
		return;
	}
	audit(m, user, addr, "config.time", 1, "timed.conf: %s", changed);
	message(o, "saved; the time service restarts");
}

/* ---- POST /api/config/upstreams ---- */

static struct edit up_timed[3], up_site[1];

/*
 * The servers text: each line "ADDR [PORT [NAME]]" becomes
 * "upstream ADDR PORT NAME" in timed.conf and "upstream ADDR" in
 * site.conf.  0, or -1 answered.
 */
static int servers_edits(const char *t, struct cd_out *o)
{
	struct np_addr a[SERVERS_MAX];
	char w[WORDS_MAX][WORD_MAX], err[200];
	const char *l;
	size_t pos = 0, n, len = strlen(t), i;
	int k, line = 0, ns = 0, j;
	uint64_t port;

	up_timed[0].set = up_site[0].set = 1; /* no server: no line */
	while (next_line(t, len, &pos, &l, &n)) {
		line++;
		k = split_words(l, n, w, 0);
		if (k == 0)
			continue;
		if (k < 0 || k > 3) {
			ferr(o, 400, "servers", "servers line %d: expected 'ADDRESS [PORT [NAME]]'", line);
			return -1;
		}
		if (ns == SERVERS_MAX) {
			ferr(o, 400, "servers", "servers: at most %d servers", SERVERS_MAX);
			return -1;
		}
		if (strchr(w[0], '/') || np_addr_parse(w[0], &a[ns], err, sizeof(err)) < 0) {
			ferr(o, 400, "servers",
			     "servers line %d: expected an IPv4 or IPv6 address (names are not accepted: "
			     "the firewall is made before any resolver runs), got '%s'",
			     line, w[0]);
			return -1;
		}
		for (j = 0; j < ns; j++)
			if (a[j].family == a[ns].family && memcmp(a[j].a, a[ns].a, 16) == 0) {
				ferr(o, 400, "servers", "servers line %d: %s is given twice", line, w[0]);
				return -1;
			}
		port = UPSTREAM_PORT;
		if (k > 1 && (tg_conf_u64(w[1], 1, 65535, &port, err, sizeof(err)) < 0)) {
			ferr(o, 400, "servers", "servers line %d: port: %s", line, err);
			return -1;
		}
		for (i = 0; k > 2 && w[2][i]; i++)
			if (!((w[2][i] >= 'a' && w[2][i] <= 'z') || (w[2][i] >= 'A' && w[2][i] <= 'Z') ||
			      (w[2][i] >= '0' && w[2][i] <= '9') || w[2][i] == '.' || w[2][i] == '-' ||
			      w[2][i] == ':')) {
				ferr(o, 400, "servers",
				     "servers line %d: expected the TLS name of the server (letters, digits, "
				     "'.', '-'), got '%s'",
				     line, w[2]);
				return -1;
			}
		if (edit_add(&up_timed[0], "upstream %s %" PRIu64 " %s\n", w[0], port,
		             k > 2 ? w[2] : w[0]) < 0 ||
		    edit_add(&up_site[0], "upstream %s\n", w[0]) < 0) {
			cd_cfg_error(o, 400, "servers", "servers: too long");
			return -1;
		}
		ns++;
	}
	return 0;
}

static void post_upstreams(struct cd_main *m, const char *b, size_t n, const char *user,
                           const char *addr, struct cd_out *o)
{
	static struct timed_conf tc;
	static char servers[CD_BODY_MAX + 1];
	char *cur = buf_read[0], *scur = buf_read[1], *nt = buf_new[0], *ns = buf_new[1];
	char err[ERR_BUF], changed[256], c1[100], c2[100];
	size_t len, slen;
	long nl, nsl;
	int64_t v;
	int rc, status, failed, tchange, schange;

	memset(up_timed, 0, sizeof(up_timed));
	memset(up_site, 0, sizeof(up_site));
	up_timed[0].key = up_site[0].key = "upstream";
	up_timed[1].key = "cross-check-max";
	up_timed[2].key = "cross-check-interval";
	if (current_timed(m, cur, &len, &tc, o) < 0)
		return;
	if (read_cfg(m, CD_CFG_SITE, scur, &slen, err, sizeof(err)) < 0) {
		cd_cfg_error(o, 500, NULL, err);
		return;
	}
	if ((rc = body_str(o, b, n, "servers", servers, sizeof(servers))) < 0)
		return;
	if (rc && servers_edits(servers, o) < 0)
		return;
	if ((rc = body_int(o, b, n, "cross_check_max_ms", &v)) < 0)
		return;
	if (rc)
		edit_add(&up_timed[1], "cross-check-max %" PRId64 "\n", v);
	if ((rc = body_int(o, b, n, "cross_check_interval_s", &v)) < 0)
		return;
	if (rc)
		edit_add(&up_timed[2], "cross-check-interval %" PRId64 "\n", v);
	if (!up_timed[0].set && !up_timed[1].set && !up_timed[2].set) {
		cd_cfg_error(o, 400, NULL, "nothing to change: the request named no setting");
		return;
	}
	nl = apply_edits(cur, len, up_timed, 3, nt, CFG_MAX);
	nsl = apply_edits(scur, slen, up_site, 1, ns, CFG_MAX);
	if (nl < 0 || nsl < 0) {
		cd_cfg_error(o, 400, "servers", "the file would be too long");
		return;
	}
	if (cd_cfg_check(m, CD_CFG_TIMED, nt, (size_t)nl, err, sizeof(err)) < 0) {
		parse_error(o, timed_fields, cfg_names[CD_CFG_TIMED], nt, (size_t)nl, err);
		return;
	}
	if (cd_cfg_check(m, CD_CFG_SITE, ns, (size_t)nsl, err, sizeof(err)) < 0) {
		parse_error(o, site_fields, cfg_names[CD_CFG_SITE], ns, (size_t)nsl, err);
		return;
	}
	tchange = (size_t)nl != len || memcmp(cur, nt, len) != 0;
	schange = (size_t)nsl != slen || memcmp(scur, ns, slen) != 0;
	if (!tchange && !schange) {
		message(o, "no change");
		return;
	}
	edits_changed(up_timed, 3, c1, sizeof(c1));
	edits_changed(up_site, 1, c2, sizeof(c2));
	snprintf(changed, sizeof(changed), "timed.conf: %s; site.conf: %s", c1[0] ? c1 : "-",
	         c2[0] ? c2 : "-");
	/* the firewall first: timed must be able to reach a new server when it starts */
	if (schange && cd_cfg_install(m, CD_CFG_SITE, ns, (size_t)nsl, &status, err, sizeof(err)) < 0) {
		cd_cfg_error(o, status, "servers", err);
		audit(m, user, addr, "config.upstreams", 0, "%s: %s", changed, err);
		return;
	}
	if (tchange && install(m, CD_CFG_TIMED, nt, (size_t)nl, &status, &failed, err, sizeof(err)) < 0) {
		if (failed)
			restore(m, CD_CFG_TIMED, 0);
		if (schange)
			restore(m, CD_CFG_SITE, 1);
		cd_cfg_error(o, status, NULL, err);
		audit(m, user, addr, "config.upstreams", 0, "%s: %s (site.conf put back)", changed, err);
		return;
	}
	audit(m, user, addr, "config.upstreams", 1, "%s", changed);
	message(o, tchange ? "saved; the firewall is updated and the time service restarts"
	                   : "saved; the firewall is updated");
}

/* ---- POST /api/config/network ---- */

static struct edit net_site[2];

/* the dns or serve text to site.conf lines: 0, or -1 answered */
static int list_edits(const char *field, const char *t, struct edit *e, struct cd_out *o)
{
	char w[WORDS_MAX][WORD_MAX], err[200];
	struct np_addr a;
	const char *l;
	size_t pos = 0, n, len = strlen(t);
	int k, line = 0, dns = strcmp(field, "dns") == 0;

	e->set = 1;
	while (next_line(t, len, &pos, &l, &n)) {
		line++;
		k = split_words(l, n, w, 0);
		if (k == 0)
			continue;
		if (dns && (k != 1 || np_addr_parse(w[0], &a, err, sizeof(err)) < 0)) {
			ferr(o, 400, field, "dns line %d: expected an IPv4 or IPv6 address[/PREFIX]%s%s",
			     line, k == 1 ? ": " : "", k == 1 ? err : "");
			return -1;
		}
		if (!dns && (k != 2 || !name_ok(w[0], NP_SERVICE_MAX) || !name_ok(w[1], NP_ROLE_MAX))) {
			ferr(o, 400, field, "serve line %d: expected 'SERVICE ROLE' (e.g. 'ntp mgmt')", line);
			return -1;
		}
		if ((dns ? edit_add(e, "dns %s\n", w[0]) : edit_add(e, "serve %s %s\n", w[0], w[1])) < 0) {
			ferr(o, 400, field, "%s: too long", field);
			return -1;
		}
	}
	return 0;
}

static void post_network(struct cd_main *m, const char *b, size_t n, const char *user,
                         const char *addr, struct cd_out *o)
{
	static char text[CD_BODY_MAX + 1];
	static const char head[] =
	    "# interfaces: IFNAME ADDRESS/LENGTH GATEWAY|- (written by the web console;\n"
	    "# rc.boot applies it at the next boot)\n";
	char *scur = buf_read[1], *ncur = buf_read[0], *nn = buf_new[0], *ns = buf_new[1];
	char err[ERR_BUF], changed[200], c2[100];
	struct roles r;
	size_t slen, nlen, body_len = 0;
	long nsl = -1;
	int rc, status, failed, nchange = 0, schange = 0, have_if = 0;

	memset(net_site, 0, sizeof(net_site));
	net_site[0].key = "dns";
	net_site[1].key = "serve";
	if ((rc = body_str(o, b, n, "interfaces", text, sizeof(text))) < 0)
		return;
	if (rc) {
		have_if = 1;
		if (load_roles(m, &r, err, sizeof(err)) < 0) {
			cd_cfg_error(o, 500, NULL, err);
			return;
		}
		memcpy(nn, head, sizeof(head) - 1);
		if (check_network(&r, text, strlen(text), "interfaces line", nn + sizeof(head) - 1,
		                  CFG_MAX - sizeof(head), &body_len, err, sizeof(err)) < 0) {
			cd_cfg_error(o, 400, "interfaces", err);
			return;
		}
		if (body_len == 0) {
			cd_cfg_error(o, 400, "interfaces",
			             "interfaces: expected at least one line (without any, the appliance "
			             "would not be reachable after the next boot)");
			return;
		}
		body_len += sizeof(head) - 1;
	}
	if ((rc = body_str(o, b, n, "dns", text, sizeof(text))) < 0 ||
	    (rc && list_edits("dns", text, &net_site[0], o) < 0))
		return;
	if ((rc = body_str(o, b, n, "serve", text, sizeof(text))) < 0 ||
	    (rc && list_edits("serve", text, &net_site[1], o) < 0))
		return;
	if (!have_if && !net_site[0].set && !net_site[1].set) {
		cd_cfg_error(o, 400, NULL, "nothing to change: the request named no setting");
		return;
	}
	if (net_site[0].set || net_site[1].set) {
		if (read_cfg(m, CD_CFG_SITE, scur, &slen, err, sizeof(err)) < 0) {
			cd_cfg_error(o, 500, NULL, err);
			return;
		}
		nsl = apply_edits(scur, slen, net_site, 2, ns, CFG_MAX);
		if (nsl < 0) {
			cd_cfg_error(o, 400, NULL, "site.conf would be too long");
			return;
		}
		if (cd_cfg_check(m, CD_CFG_SITE, ns, (size_t)nsl, err, sizeof(err)) < 0) {
			parse_error(o, site_fields, cfg_names[CD_CFG_SITE], ns, (size_t)nsl, err);
			return;
		}
		schange = (size_t)nsl != slen || memcmp(scur, ns, slen) != 0;
	}
	if (have_if) {
		if (read_cfg(m, CD_CFG_NETWORK, ncur, &nlen, err, sizeof(err)) < 0) {
			cd_cfg_error(o, 500, NULL, err);
			return;
		}
		nchange = nlen != body_len || memcmp(ncur, nn, nlen) != 0;
	}
	if (!nchange && !schange) {
		message(o, "no change");
		return;
	}
	edits_changed(net_site, 2, c2, sizeof(c2));
	snprintf(changed, sizeof(changed), "network: %s; site.conf: %s",
	         nchange ? "interfaces" : "-", c2[0] ? c2 : "-");
	if (schange && cd_cfg_install(m, CD_CFG_SITE, ns, (size_t)nsl, &status, err, sizeof(err)) < 0) {
		cd_cfg_error(o, status, NULL, err);
		audit(m, user, addr, "config.network", 0, "%s: %s", changed, err);
		return;
	}
	if (nchange && install(m, CD_CFG_NETWORK, nn, body_len, &status, &failed, err, sizeof(err)) < 0) {
		if (schange)
			restore(m, CD_CFG_SITE, 1);
		cd_cfg_error(o, status, "interfaces", err);
		audit(m, user, addr, "config.network", 0, "%s: %s (site.conf put back)", changed, err);
		return;
	}
	audit(m, user, addr, "config.network", 1, "%s", changed);
	message(o, nchange ? "saved; the addresses take effect at the next reboot"
	                   : "saved; the firewall is updated");
}

/* ---- POST /api/config/revert ---- */

static void post_revert(struct cd_main *m, const char *b, size_t n, const char *user,
                        const char *addr, struct cd_out *o)
{
	static const char *const whats[] = {"time", "upstreams", "network", "tls", "console-tls",
	                                    NULL};
	/* the files of each page, in the order they are applied (the firewall first) */
	static const int files[3][2] = {
	    {CD_CFG_TIMED, -1},
	    {CD_CFG_SITE, CD_CFG_TIMED},
	    {CD_CFG_SITE, CD_CFG_NETWORK},
	};
	char what[16], path[PATH_BUF + 8], err[ERR_BUF], done[100] = "";
	size_t len[2] = {0, 0};
	int have[2] = {0, 0}, w, i, f, status, failed;

	if (body_word(o, b, n, "what", whats, what, sizeof(what)) <= 0) {
		if (o->status == 0)
			cd_cfg_error(o, 400, "what", "what: expected time, upstreams, network, tls "
			                             "or console-tls");
		return;
	}
	if (strcmp(what, "tls") == 0 || strcmp(what, "console-tls") == 0) {
		/* ntsd's or the console's certificate and key: the .prev pair, through the
		 * same checks (cfgtls.c); the console's restarts consoled (main.c) */
		int console = what[0] == 'c';

		if (cd_tls_revert(m, console ? CD_TLS_CONSOLE : CD_TLS_NTS, &status, err,
		                  sizeof(err)) < 0) {
			cd_cfg_error(o, status, NULL, err);
			audit(m, user, addr, "config.revert", 0, "%s: %s", what, err);
			return;
		}
		audit(m, user, addr, "config.revert", 1, "%s: certificate and key back (%s)", what,
		      err);
		message(o, console ? "the previous certificate is back; the console restarts to use "
		                     "it: log in again in a few seconds"
		                   : "the previous version is back in force");
		return;
	}
	for (w = 0; strcmp(whats[w], what) != 0; w++)
		;
	for (i = 0; i < 2 && files[w][i] >= 0; i++) {
		f = files[w][i];
		if (cd_cfg_path(m, f, path, PATH_BUF) < 0) {
			cd_cfg_error(o, 500, NULL, "path too long");
			return;
		}
		strcat(path, ".prev");
		have[i] = read_text(path, buf_new[i], &len[i], err, sizeof(err));
		if (have[i] < 0) {
			cd_cfg_error(o, 500, NULL, err);
			return;
		}
	}
	if (!have[0] && !have[1]) {
		ferr(o, 409, NULL, "no previous version of the %s settings is kept", what);
		return;
	}
	for (i = 0; i < 2 && files[w][i] >= 0; i++) {
		f = files[w][i];
		if (!have[i])
			continue;
		if (install(m, f, buf_new[i], len[i], &status, &failed, err, sizeof(err)) < 0) {
			if (failed)
				restore(m, f, 0);
			if (i == 1 && have[0])
				restore(m, files[w][0], 1);
			cd_cfg_error(o, status, NULL, err);
			audit(m, user, addr, "config.revert", 0, "%s: %s", what, err);
			return;
		}
		snprintf(done + strlen(done), sizeof(done) - strlen(done), "%s%s", done[0] ? " " : "",
		         cfg_names[f]);
	}
	audit(m, user, addr, "config.revert", 1, "%s: %s", what, done);
	message(o, "the previous version is back in force");
}

void cd_config_post(struct cd_main *m, const char *what, const char *body, size_t len,
                    const char *user, const char *addr, struct cd_out *o)
{
	char e[200];

	o->status = 0;
	if (!what || !body) {
		cd_cfg_error(o, 404, NULL, "no such configuration page");
		return;
	}
	if (strcmp(what, "time") == 0)
		post_time(m, body, len, user, addr, o);
	else if (strcmp(what, "upstreams") == 0)
		post_upstreams(m, body, len, user, addr, o);
	else if (strcmp(what, "network") == 0)
		post_network(m, body, len, user, addr, o);
	else if (strcmp(what, "revert") == 0)
		post_revert(m, body, len, user, addr, o);
	else
		cd_cfg_error(o, 404, NULL, "no such configuration page");
	if (o->status >= 400 && o->status < 500 && strcmp(what, "revert") != 0) {
		answer_error(o, e, sizeof(e));
		tg_info("config: %s refused for %s: %s", what, user && user[0] ? user : "-", e);
	}
}

/* ---- GET /api/config ---- */

/* the words after the keyword of each line of key in text, one line each, into out */
static void key_lines(const char *text, size_t len, const char *key, char *out, size_t cap)
{
	char k[32], w[WORDS_MAX][WORD_MAX];
	const char *l;
	size_t pos = 0, n, o = 0, kl;
	int c, i;

	out[0] = '\0';
	while (next_line(text, len, &pos, &l, &n)) {
		kl = line_key(l, n, k, sizeof(k));
		if (!kl || strcmp(k, key) != 0)
			continue;
		c = split_words(l + kl, n - kl, w, 1);
		for (i = 0; i < c; i++)
			if (o + strlen(w[i]) + 2 < cap)
				o += (size_t)snprintf(out + o, cap - o, "%s%s", i ? " " : "", w[i]);
		if (c > 0 && o + 1 < cap)
			out[o++] = '\n', out[o] = '\0';
	}
}

/* the address and gateway of ifname in a network file's text: 1 found */
static int net_lookup(const char *text, size_t len, const char *ifname, char *a, char *g,
                      size_t cap)
{
	char w[WORDS_MAX][WORD_MAX];
	const char *l;
	size_t pos = 0, n;

	while (next_line(text, len, &pos, &l, &n))
		if (split_words(l, n, w, 1) == 3 && strcmp(w[0], ifname) == 0) {
			snprintf(a, cap, "%s", w[1]);
			snprintf(g, cap, "%s", w[2]);
			return 1;
		}
	return 0;
}

static void json_time(struct tg_json *j, const struct timed_conf *tc, const char *text, size_t len)
{
	char site[128];

	tg_json_str(j, "device", tc->device);
	tg_json_str(j, "pps", tc->pps);
	tg_json_int(j, "baud", tc->baud);
	tg_json_str(j, "parity", tc->parity == 'e' ? "even" : tc->parity == 'o' ? "odd" : "none");
	tg_json_str(j, "pps_edge", tc->pps_clear ? "clear" : "assert");
	tg_json_int(j, "pps_delay_ns", tc->pps_delay_ns);
	tg_json_bool(j, "pps_only", tc->pps_only);
	tg_json_int(j, "nmea_window_min_ms", tc->nmea_window_min_ns / 1000000);
	tg_json_int(j, "nmea_window_max_ms", tc->nmea_window_max_ns / 1000000);
	/* the site as written (formatting the doubles would change what was typed) */
	key_lines(text, len, "site", site, sizeof(site));
	site[strcspn(site, "\n")] = '\0';
	tg_json_str(j, "site", tc->have_site ? site : "");
	tg_json_bool(j, "survey", tc->survey);
	tg_json_int(j, "holdover_drift_ppb", tc->holdover_drift_ppb);
	tg_json_int(j, "lock_jitter_us", tc->lock_jitter_ns / 1000);
}

void cd_config_json(struct cd_main *m, struct cd_out *o)
{
	static struct timed_conf tc;
	static struct np_policy p;
	static char lines[4096];
	char *tt = buf_read[0], *st = buf_read[1], *nt = buf_new[0], *at = buf_new[1];
	char err[ERR_BUF], terr[ERR_BUF] = "", a[WORD_MAX], g[WORD_MAX];
	struct roles r;
	struct tg_json j;
	size_t tlen = 0, slen = 0, nlen = 0, alen = 0, so = 0;
	int i, have_net, have_applied, rc, pending = 0;
	unsigned k;

	/* timed.conf */
	rc = read_cfg(m, CD_CFG_TIMED, tt, &tlen, err, sizeof(err));
	timed_conf_defaults(&tc);
	if (rc < 0)
		snprintf(terr, sizeof(terr), "%s", err);
	else if (rc == 0)
		snprintf(terr, sizeof(terr), "timed.conf is missing: the defaults are shown");
	else if (timed_conf_parse(tt, tlen, cfg_names[CD_CFG_TIMED], &tc, terr, sizeof(terr)) < 0)
		timed_conf_defaults(&tc);

	tg_json_init(&j, o->body, CD_OUT_MAX);
	tg_json_obj(&j, NULL);
	tg_json_obj(&j, "time");
	json_time(&j, &tc, tt, tlen);
	if (terr[0])
		tg_json_str(&j, "error", terr);
	tg_json_obj_end(&j);

	tg_json_obj(&j, "upstreams");
	for (i = 0; i < tc.n_upstream; i++) {
		const struct timed_upstream *u = &tc.upstream[i];
		int named = u->name[0] && strcmp(u->name, u->host) != 0;

		if (so + strlen(u->host) + strlen(u->name) + 16 >= sizeof(lines))
			break;
		so += (size_t)snprintf(lines + so, sizeof(lines) - so, "%s", u->host);
		if (named || u->port != UPSTREAM_PORT)
			so += (size_t)snprintf(lines + so, sizeof(lines) - so, " %u", (unsigned)u->port);
		if (named)
			so += (size_t)snprintf(lines + so, sizeof(lines) - so, " %s", u->name);
		lines[so++] = '\n';
		lines[so] = '\0';
	}
	lines[so] = '\0';
	tg_json_str(&j, "servers", lines);
	tg_json_int(&j, "cross_check_max_ms", tc.xcheck_max_ns / 1000000);
	tg_json_int(&j, "cross_check_interval_s", tc.xcheck_interval_s);
	tg_json_obj_end(&j);

	/* network: the site's file (next boot) against what rc.boot applied */
	tg_json_obj(&j, "network");
	have_net = read_cfg(m, CD_CFG_NETWORK, nt, &nlen, err, sizeof(err)) > 0;
	have_applied = read_text(m->conf.network_applied, at, &alen, err, sizeof(err)) > 0;
	tg_json_arr(&j, "interfaces");
	if (load_roles(m, &r, err, sizeof(err)) == 0) {
		for (i = 0; i < r.n; i++) {
			tg_json_obj(&j, NULL);
			tg_json_str(&j, "name", r.ifname[i]);
			tg_json_str(&j, "role", r.role[i]);
			if ((have_net && net_lookup(nt, nlen, r.ifname[i], a, g, sizeof(a))) ||
			    (!have_net && have_applied && net_lookup(at, alen, r.ifname[i], a, g, sizeof(a)))) {
				tg_json_str(&j, "address", a);
				tg_json_str(&j, "gateway", g);
			} else {
				tg_json_str(&j, "address", "");
				tg_json_str(&j, "gateway", "-");
			}
			if (have_applied && net_lookup(at, alen, r.ifname[i], a, g, sizeof(a)))
				tg_json_str(&j, "active_address", a);
			else
				tg_json_str(&j, "active_address", "");
			tg_json_obj_end(&j);
			/* pending: a line of the site's file that rc.boot has not applied
			 * (it writes what it applied, line by line, to network.applied) */
			if (have_net && net_lookup(nt, nlen, r.ifname[i], a, g, sizeof(a))) {
				char aa[sizeof(a)], ag[sizeof(g)];

				if (!have_applied || !net_lookup(at, alen, r.ifname[i], aa, ag, sizeof(aa)) ||
				    strcmp(a, aa) != 0 || strcmp(g, ag) != 0)
					pending = 1;
			}
		}
		tg_json_arr_end(&j);
	} else {
		tg_json_arr_end(&j);
		tg_json_str(&j, "error", err);
	}
	if (read_cfg(m, CD_CFG_SITE, st, &slen, err, sizeof(err)) < 0)
		slen = 0;
	key_lines(st, slen, "dns", lines, sizeof(lines));
	tg_json_str(&j, "dns", lines);
	key_lines(st, slen, "serve", lines, sizeof(lines));
	tg_json_str(&j, "serve", lines);
	tg_json_arr(&j, "services");
	if (load_policy(m, &p, err, sizeof(err)) == 0)
		for (k = 0; k < p.nallow; k++) {
			tg_json_obj(&j, NULL);
			tg_json_str(&j, "name", p.allow[k].name);
			tg_json_str(&j, "role", p.role[p.allow[k].role]);
			tg_json_str(&j, "proto", p.allow[k].proto == NP_TCP ? "tcp" : "udp");
			tg_json_int(&j, "port", p.allow[k].port);
			tg_json_obj_end(&j);
		}
	tg_json_arr_end(&j);
	tg_json_bool(&j, "pending_reboot", pending);
	tg_json_obj_end(&j);

	tg_json_obj(&j, "tls");
	cd_tls_info(m, CD_TLS_NTS, &j);
	tg_json_obj_end(&j);
	tg_json_obj(&j, "console_tls");
	cd_tls_info(m, CD_TLS_CONSOLE, &j);
	tg_json_obj_end(&j);
	tg_json_obj_end(&j);
	if (tg_json_done(&j) < 0) {
		cd_cfg_error(o, 500, NULL, "the configuration answer did not fit");
		return;
	}
	o->status = 200;
	o->kind = CD_KIND_JSON;
	o->len = j.len;
}
