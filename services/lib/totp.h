/*
 * totp.h - one-time codes for the console's second factor: HOTP (RFC
 * 4226), TOTP (RFC 6238) and the base32 text form of their secrets (RFC
 * 4648 section 6), as authenticator apps take them from an otpauth:// URI.
 *
 * Our TOTP is what every app does by default: HMAC-SHA1, 6 digits, 30 s
 * steps from the Unix epoch.  The caller passes the time (CLOCK_REALTIME
 * seconds) and keeps, per user, the last step a code was accepted for;
 * nothing here reads a clock, allocates or logs.  Secrets and codes are
 * compared in constant time and wiped from the stack after use.
 */
#ifndef TG_TOTP_H
#define TG_TOTP_H

#include <stddef.h>
#include <stdint.h>

#define TG_TOTP_DIGITS 6
#define TG_TOTP_STEP_S 30
/* RFC 4226 section 4 R6: at least 128 bits; shorter keys never match */
#define TG_TOTP_KEY_MIN 16
/* what the console generates: 160 bits, the size of the HMAC-SHA1 output */
#define TG_TOTP_KEY_LEN 20

/* base32 characters for n bytes, without padding (add 1 for the NUL) */
#define TG_BASE32_LEN(n) (((n)*8 + 4) / 5)

/*
 * Decode base32 in[0..len): the RFC 4648 alphabet, either case, '='
 * padding allowed only at the end and only the exact amount for the
 * length (or none at all); spaces, other characters, impossible lengths
 * and non-zero unused bits in the last character are refused, so each
 * byte string has one spelling (up to case and padding).  Returns the
 * number of bytes written to out, or -1 (also when they would not fit
 * in outcap).
 */
int tg_base32_decode(const char *in, size_t len, uint8_t *out, size_t outcap);

/*
 * Encode in[0..len) as upper-case base32 without '=' padding (the form
 * otpauth:// URIs use), NUL-terminated.  Returns the number of characters
 * (TG_BASE32_LEN(len)), or -1 when outcap cannot hold them and the NUL.
 */
int tg_base32_encode(const uint8_t *in, size_t len, char *out, size_t outcap);

/*
 * HOTP value for counter: HMAC-SHA1 (tg_hotp) or HMAC-SHA256
 * (tg_hotp_sha256), dynamic truncation, modulo 10^digits.  digits is
 * 6..9; any other count returns UINT32_MAX, which is never a code.
 */
uint32_t tg_hotp(const uint8_t *key, size_t keylen, uint64_t counter, int digits);
uint32_t tg_hotp_sha256(const uint8_t *key, size_t keylen, uint64_t counter, int digits);

/*
 * Check a 6-digit TOTP code typed at unix_now.  The steps now-1, now
 * and now+1 (30 s each; clock drift and typing time) are all computed and
 * compared in constant time.  A step <= *last_step is refused, so a code
 * works once (start a new user with *last_step = -1); on success
 * *last_step becomes the step that matched (the latest, should two).
 * Returns 1 accepted, 0 wrong or replayed (also for a key shorter than
 * TG_TOTP_KEY_MIN or a time before the epoch), -1 when code is not
 * exactly 6 ASCII digits.
 */
int tg_totp_check(const uint8_t *key, size_t keylen, int64_t unix_now, const char *code,
                  size_t codelen, int64_t *last_step);

/*
 * The provisioning URI for an authenticator app (Google's "Key Uri
 * Format"), NUL-terminated in out:
 *
 *   otpauth://totp/ISSUER:ACCOUNT?secret=BASE32&issuer=ISSUER&algorithm=SHA1&digits=6&period=30
 *
 * ISSUER and ACCOUNT are percent-encoded (all but A-Z a-z 0-9 - . _ ~).
 * Returns the length, or -1 when issuer or account is empty or holds a
 * ':' (the label separator, which apps split on even when encoded), the
 * key is shorter than TG_TOTP_KEY_MIN or longer than 1024 bytes, or the
 * URI does not fit in outcap (out is then wiped).  The URI holds the secret: wipe it
 * after use.
 */
int tg_totp_uri(const char *issuer, const char *account, const uint8_t *key, size_t keylen,
                char *out, size_t outcap);

#endif
