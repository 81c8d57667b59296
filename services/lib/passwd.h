/*
 * passwd.h - console password hashes (PBKDF2-HMAC-SHA256) and the
 * password policy.
 *
 * Stored form, one line without a newline, as passlib's pbkdf2_sha256
 * writes it (so an operator can make or check one with passlib):
 *
 *     $pbkdf2-sha256$ITER$SALT$HASH
 *
 *   ITER  decimal, no leading zeros, TG_PASSWD_ITER_MIN..TG_PASSWD_ITER_MAX
 *   SALT  16 bytes, 22 characters of "ab64"
 *   HASH  32 bytes of PBKDF2-HMAC-SHA256(password, salt, ITER), 43 characters
 *
 * "ab64" is passlib's adapted base64: the standard alphabet (RFC 4648
 * section 4) with '.' in place of '+', no '=' padding.  The parser takes
 * one spelling only: unused low bits of the last character must be zero,
 * so a stored string cannot be varied without changing what it encodes.
 *
 * The iteration bounds are enforced when parsing: below
 * TG_PASSWD_ITER_MIN a hash is too cheap to crack to accept, above
 * TG_PASSWD_ITER_MAX one login could keep the CPU busy for seconds.
 *
 * Salt and random bytes come from the caller (lib/rng.h): nothing here
 * reads a clock, allocates or logs.  No error message contains a password
 * or a hash.  A caller that finds no such user should still run
 * tg_passwd_verify against a dummy hash of the same cost, so the answer
 * time does not say which user names exist.
 */
#ifndef TG_PASSWD_H
#define TG_PASSWD_H

#include <stddef.h>
#include <stdint.h>

#define TG_PASSWD_PREFIX   "$pbkdf2-sha256$"
#define TG_PASSWD_SALT_LEN 16
#define TG_PASSWD_HASH_LEN 32
/* OWASP Password Storage Cheat Sheet (2023) for PBKDF2-HMAC-SHA256 */
#define TG_PASSWD_ITER_DEFAULT 600000u
#define TG_PASSWD_ITER_MIN     100000u
#define TG_PASSWD_ITER_MAX     10000000u
/* longest stored string: prefix 15 + ITER 8 + '$' + 22 + '$' + 43 */
#define TG_PASSWD_STR_MAX 90
/* buffer for tg_passwd_hash, with the NUL */
#define TG_PASSWD_STR_BUF (TG_PASSWD_STR_MAX + 1)

/* Password policy: NIST SP 800-63B section 5.1.1.2 */
#define TG_PASSWD_POLICY_MIN_CHARS 12  /* Unicode code points */
#define TG_PASSWD_POLICY_MAX_BYTES 128 /* UTF-8 bytes */

/*
 * PBKDF2 (RFC 8018 section 5.2) with HMAC-SHA256: out[0..outlen) from
 * the password, salt and iter iterations (0 counts as 1).  Secret intermediates
 * are wiped before return.
 */
void tg_pbkdf2_sha256(const uint8_t *pw, size_t pwlen, const uint8_t *salt, size_t saltlen,
                      uint32_t iter, uint8_t *out, size_t outlen);

/*
 * Hash a password for storage: writes the NUL-terminated stored form to
 * out and returns its length, or -1 (nothing usable in out) when iter is
 * outside TG_PASSWD_ITER_MIN..MAX or outcap < the string's length + 1
 * (TG_PASSWD_STR_BUF is always enough).
 */
int tg_passwd_hash(const char *pw, size_t pwlen, const uint8_t salt[TG_PASSWD_SALT_LEN],
                   uint32_t iter, char *out, size_t outcap);

/*
 * Parse a stored string s[0..len) (no NUL needed, no newline allowed).
 * 0 with *iter, salt and hash filled; -1 with err naming what was
 * expected (outputs then zero).
 */
int tg_passwd_parse(const char *s, size_t len, uint32_t *iter, uint8_t salt[TG_PASSWD_SALT_LEN],
                    uint8_t hash[TG_PASSWD_HASH_LEN], char *err, size_t errlen);

/*
 * Check a password against a stored string: 1 match, 0 no match, -1 the
 * stored string is refused by tg_passwd_parse (err says why).  The hash
 * comparison is constant time; derived keys are wiped.
 */
int tg_passwd_verify(const char *pw, size_t pwlen, const char *stored, size_t storedlen, char *err,
                     size_t errlen);

/*
 * Is pw[0..len) acceptable as a new password for user (a C string; NULL
 * or "" skips the user rules)?  0 yes; -1 with err naming the rule:
 * at most TG_PASSWD_POLICY_MAX_BYTES bytes, valid UTF-8 (no overlong
 * forms, surrogates or code points above U+10FFFF), no NUL byte, at least
 * TG_PASSWD_POLICY_MIN_CHARS characters, not the user name and not
 * containing it (ASCII letters compared without case).  The message
 * never quotes the password.
 */
int tg_passwd_policy(const char *pw, size_t len, const char *user, char *err, size_t errlen);

#endif
