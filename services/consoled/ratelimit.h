/*
 * ratelimit.h - login throttling for the web console, per source address
 * and per account.  Pure: fixed tables the caller owns, `now` passed in
 * (CLOCK_MONOTONIC seconds), no allocation.
 *
 * Use, for every password attempt and every second-factor attempt:
 *
 *     if (tg_rl_check(rl, addr, user, now, &wait) != 0)
 *             refuse, "try again in <wait> s" (same answer for any user);
 *     ok = run the KDF / check the code;
 *     tg_rl_result(rl, addr, user, ok, now);
 *
 * The check comes BEFORE the password hash is computed, so a refused
 * attempt - including one with the right password on a locked account -
 * costs no CPU and tells nothing.  tg_rl_result is called only after an
 * allowed check.
 *
 * Per source (TG_RL_SOURCES entries): a token bucket of TG_RL_BURST (5)
 * attempts, refilled by one every TG_RL_REFILL (12) s, i.e. 5 tries at
 * once, then 5 a minute: a person who mistypes twice never notices, a
 * guesser gets 7200 a day from one address.  Every allowed attempt takes
 * a token and a success gives it back, so the bucket counts failures:
 * operators behind one NAT address who log in and out all day are not
 * throttled, a guesser is.  The caller chooses what names a source: the IPv4 address,
 * but for IPv6 the /64 prefix, since one host usually owns a whole /64.
 *
 * Per account (TG_RL_ACCOUNTS entries): after TG_RL_FREE_FAILS (5)
 * consecutive failures the account is locked for TG_RL_LOCK_BASE (60) s,
 * doubling with every further failure up to TG_RL_LOCK_MAX (15 min); a
 * success removes the record.  This is what stops a guesser who spreads
 * over many addresses.  The price is that an attacker can keep an account
 * locked by failing once per lock; the cap bounds that to 15 min after
 * they stop, and the audit log shows it.  Names are tracked whether or
 * not the account exists, so the answers do not reveal which do.
 *
 * Entries are kept as SHA-256 of the name (16 bytes of it): fixed size
 * whatever the attacker sends, no truncation collisions.  When a table is
 * full, the entry whose loss costs least is replaced, least recently used
 * first among equals: a source whose bucket has refilled (it is like a
 * fresh one) before one that is throttled, the fullest bucket first; an
 * account with the fewest consecutive failures first.  So flooding a
 * table with new names does not erase the record of a name under attack:
 * to push out an account with F failures the attacker must first fail at
 * least F times on each of 64 other names, waiting out their locks like
 * anyone else.
 */
#ifndef TG_CONSOLED_RATELIMIT_H
#define TG_CONSOLED_RATELIMIT_H

#include <stdint.h>

#define TG_RL_SOURCES 256
#define TG_RL_ACCOUNTS 64
#define TG_RL_BURST 5
#define TG_RL_REFILL 12 /* seconds per token */
#define TG_RL_FREE_FAILS 5
#define TG_RL_LOCK_BASE 60        /* seconds, after the 5th consecutive failure */
#define TG_RL_LOCK_MAX (15 * 60) /* seconds */

#define TG_RL_KEY_LEN 16

struct tg_rl_src {
	uint8_t key[TG_RL_KEY_LEN]; /* SHA-256(addr), first 16 bytes */
	int used;
	int tokens;       /* 0..TG_RL_BURST, as of stamp */
	int64_t stamp;    /* time tokens was last brought up to date */
	uint64_t last_use; /* tg_rl.seq at the last use: replacement order */
};

struct tg_rl_acct {
	uint8_t key[TG_RL_KEY_LEN]; /* SHA-256(user), first 16 bytes */
	int used;
	uint32_t fails;       /* consecutive failures */
	int64_t locked_until; /* attempts refused while now < locked_until */
	uint64_t last_use;    /* tg_rl.seq at the last failure */
};

struct tg_rl {
	uint64_t seq; /* counts uses: orders entries used within the same second */
	struct tg_rl_src src[TG_RL_SOURCES];
	struct tg_rl_acct acct[TG_RL_ACCOUNTS];
};

void tg_rl_init(struct tg_rl *rl);

/*
 * May an attempt for user from addr start now?  (NULL names count as "".)
 * 0: allowed, and one token of the source is taken.  1: refused, nothing
 * taken, *retry_after (if not NULL) = seconds until it would be allowed
 * (>= 1; the longer wait when both source and account refuse).
 */
int tg_rl_check(struct tg_rl *rl, const char *addr, const char *user, int64_t now,
		int64_t *retry_after);

/* The outcome of an allowed attempt: ok != 0 success, 0 failure. */
void tg_rl_result(struct tg_rl *rl, const char *addr, const char *user, int ok, int64_t now);

/* Seconds the account is still locked for (0 if not); for status pages and tests. */
int64_t tg_rl_locked_for(const struct tg_rl *rl, const char *user, int64_t now);

#endif
