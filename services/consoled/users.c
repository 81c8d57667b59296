/*
 * users.c - the console's users file, /data/consoled/users.
 *
 * One line per user, fields separated by single spaces:
 *
 *   user NAME ROLE PWHASH TOTP\n
 *
 *   NAME    [a-z_][a-z0-9_-]{0,30}  (fits the audit log's USER field and
 *           the session table's user, with room for the NUL)
 *   ROLE    viewer | operator | admin
 *   PWHASH  $pbkdf2-sha256$ITER$SALT$HASH as lib/passwd.h parses it
 *   TOTP    the secret in upper-case base32 without padding (at least
 *           TG_TOTP_KEY_MIN bytes), or "-" for none
 *
 * The parser is strict: no blank or comment lines, no CR, a newline after
 * every line, no duplicate names, at most CD_USERS_MAX users.  A file it
 * accepts is exactly what cd_users_format writes for the result, so a
 * hand edit that does not parse is refused at start rather than half
 * understood (the daemon then refuses to run: a console that silently
 * drops a user it cannot read could drop the only admin).  The error names
 * the line and the field, never the hash or the secret.
 *
 * The file holds password hashes and TOTP secrets: mode 0600, written
 * atomically (lib/fileio.h), and the text buffers are wiped after use.
 * The TOTP replay guard (totp_last_step) lives in memory only: after a
 * restart a code of the last 90 s could be used once more, which needs the
 * password and a code observed in that window.
 */
#include "consoled/consoled.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ct.h"
#include "fileio.h"
#include "log.h"
#include "passwd.h"
#include "totp.h"

/* a full file: CD_USERS_MAX lines of at most 5+31+1+8+1+90+1+63+1 bytes */
#define USERS_FILE_MAX (CD_USERS_MAX * 256)

_Static_assert(CD_USER_LEN - 1 <= TG_SESS_USER_MAX, "user names fit the session table");
_Static_assert(CD_USER_LEN - 1 <= TG_AUDIT_USER_MAX, "user names fit the audit log");
_Static_assert(CD_PWHASH_LEN > TG_PASSWD_STR_MAX, "a stored hash fits");

int cd_user_name_ok(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > CD_USER_LEN - 1)
		return 0;
	if (!((s[0] >= 'a' && s[0] <= 'z') || s[0] == '_'))
		return 0;
	for (i = 1; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_' ||
		      s[i] == '-'))
			return 0;
	return 1;
}

/* upper-case base32 without padding that decodes to a usable TOTP key */
static int totp_ok(const char *s, size_t n)
{
	uint8_t key[CD_TOTP_LEN];
	size_t i;
	int k;

	if (n == 0 || n > CD_TOTP_LEN - 1)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '2' && s[i] <= '7')))
			return 0;
	k = tg_base32_decode(s, n, key, sizeof(key));
	tg_wipe(key, sizeof(key));
	return k >= TG_TOTP_KEY_MIN;
}

/* one line without its newline into u; 0 or -1 with err (no line number) */
static int parse_line(const char *l, size_t n, struct cd_user *u, char *err, size_t errlen)
{
	const char *f[5];
	size_t fl[5], i, k = 0, start = 0;
	char word[16], why[160];
	uint32_t iter;
	uint8_t salt[TG_PASSWD_SALT_LEN], hash[TG_PASSWD_HASH_LEN];
	int rc;

	for (i = 0; i <= n; i++) {
		if (i < n && l[i] != ' ')
			continue;
		if (k == 5)
			return tg_fail(err, errlen,
			               "expected 5 fields 'user NAME ROLE PWHASH TOTP', "
			               "got more");
		if (i == start)
			return tg_fail(err, errlen,
			               "field %zu is empty (fields are separated by one space)",
			               k + 1);
		f[k] = l + start;
		fl[k++] = i - start;
		start = i + 1;
	}
	if (k != 5)
		return tg_fail(err, errlen,
		               "expected 5 fields 'user NAME ROLE PWHASH TOTP', got %zu", k);
	if (fl[0] != 4 || memcmp(f[0], "user", 4) != 0)
		return tg_fail(err, errlen, "expected the keyword 'user' at the start");
	if (!cd_user_name_ok(f[1], fl[1]))
		return tg_fail(err, errlen, "NAME: expected [a-z_][a-z0-9_-]{0,30}");
	memset(u, 0, sizeof(*u));
	memcpy(u->name, f[1], fl[1]);
	if (fl[2] >= sizeof(word))
		return tg_fail(err, errlen, "ROLE: expected viewer, operator or admin");
	memcpy(word, f[2], fl[2]);
	word[fl[2]] = '\0';
	u->role = tg_role_parse(word);
	if (u->role < 0)
		return tg_fail(err, errlen, "ROLE: expected viewer, operator or admin");
	if (fl[3] >= CD_PWHASH_LEN)
		return tg_fail(err, errlen, "PWHASH: %zu characters, at most %d", fl[3],
		               TG_PASSWD_STR_MAX);
	rc = tg_passwd_parse(f[3], fl[3], &iter, salt, hash, why, sizeof(why));
	tg_wipe(salt, sizeof(salt));
	tg_wipe(hash, sizeof(hash));
	if (rc < 0)
		return tg_fail(err, errlen, "PWHASH: %s", why);
	memcpy(u->pwhash, f[3], fl[3]);
	if (!(fl[4] == 1 && f[4][0] == '-')) {
		if (!totp_ok(f[4], fl[4]))
			return tg_fail(
			    err, errlen,
			    "TOTP: expected '-' or an upper-case base32 secret of %d..%d "
			    "characters without padding",
			    TG_BASE32_LEN(TG_TOTP_KEY_MIN), CD_TOTP_LEN - 1);
		memcpy(u->totp, f[4], fl[4]);
	}
	u->totp_last_step = -1;
	return 0;
}

int cd_users_parse(struct cd_users *us, const char *text, size_t len, char *err, size_t errlen)
{
	size_t pos = 0, line = 0;
	char why[200];
	int i;

	memset(us, 0, sizeof(*us));
	if (err && errlen)
		err[0] = '\0';
	while (pos < len) {
		const char *l = text + pos, *nl = memchr(l, '\n', len - pos);
		size_t n;

		line++;
		if (!nl) {
			tg_seterr(err, errlen, "line %zu: no newline at its end (a torn write?)",
			          line);
			goto fail;
		}
		n = (size_t)(nl - l);
		pos += n + 1;
		if (memchr(l, '\0', n) || memchr(l, '\r', n)) {
			tg_seterr(err, errlen, "line %zu: NUL or CR byte in the line", line);
			goto fail;
		}
		if (us->n == CD_USERS_MAX) {
			tg_seterr(err, errlen, "line %zu: more than %d users", line, CD_USERS_MAX);
			goto fail;
		}
		if (parse_line(l, n, &us->u[us->n], why, sizeof(why)) < 0) {
			tg_seterr(err, errlen, "line %zu: %s", line, why);
			goto fail;
		}
		for (i = 0; i < us->n; i++)
			if (strcmp(us->u[i].name, us->u[us->n].name) == 0) {
				tg_seterr(err, errlen,
				          "line %zu: user '%s' again (first on line %d)", line,
				          us->u[us->n].name, i + 1);
				goto fail;
			}
		us->n++;
	}
	return 0;
fail:
	tg_wipe(us, sizeof(*us));
	return -1;
}

long cd_users_format(const struct cd_users *us, char *out, size_t cap)
{
	size_t n = 0;
	int i, k;

	if (!out || cap == 0 || us->n < 0 || us->n > CD_USERS_MAX)
		return -1;
	out[0] = '\0';
	for (i = 0; i < us->n; i++) {
		const struct cd_user *u = &us->u[i];

		k = snprintf(out + n, cap - n, "user %s %s %s %s\n", u->name, tg_role_name(u->role),
		             u->pwhash, u->totp[0] ? u->totp : "-");
		if (k < 0 || (size_t)k >= cap - n) {
			tg_wipe(out, cap);
			return -1;
		}
		n += (size_t)k;
	}
	return (long)n;
}

struct cd_user *cd_users_find(struct cd_users *us, const char *name)
{
	int i;

	if (!name)
		return NULL;
	for (i = 0; i < us->n && i < CD_USERS_MAX; i++)
		if (strcmp(us->u[i].name, name) == 0)
			return &us->u[i];
	return NULL;
}

int cd_users_admins(const struct cd_users *us)
{
	int i, n = 0;

	for (i = 0; i < us->n && i < CD_USERS_MAX; i++)
		n += us->u[i].role == TG_ROLE_ADMIN;
	return n;
}

int cd_users_load(struct cd_users *us, const char *path, char *err, size_t errlen)
{
	static char text[USERS_FILE_MAX];
	static struct cd_users tmp;
	char why[256];
	size_t len = 0;
	int rc;

	if (tg_read_small_file(path, text, sizeof(text), &len) < 0) {
		if (errno == ENOENT) {
			memset(us, 0, sizeof(*us));
			return 0;
		}
		return tg_fail(err, errlen, "%s: %s", path,
		               errno == EFBIG ? "larger than a users file can be"
		                              : strerror(errno));
	}
	rc = cd_users_parse(&tmp, text, len, why, sizeof(why));
	tg_wipe(text, sizeof(text));
	if (rc < 0) {
		tg_wipe(&tmp, sizeof(tmp));
		return tg_fail(err, errlen, "%s: %s", path, why);
	}
	*us = tmp;
	tg_wipe(&tmp, sizeof(tmp));
	return 0;
}

int cd_users_save(const struct cd_users *us, const char *path, char *err, size_t errlen)
{
	static char text[USERS_FILE_MAX];
	long n = cd_users_format(us, text, sizeof(text));
	int rc, e;

	if (n < 0)
		return tg_fail(err, errlen, "%s: the users do not fit in %d bytes", path,
		               USERS_FILE_MAX);
	rc = tg_write_file_atomic(path, text, (size_t)n, 0600);
	e = errno;
	tg_wipe(text, sizeof(text));
	if (rc < 0)
		return tg_fail(err, errlen, "%s: cannot replace it: %s", path, strerror(e));
	return 0;
}
