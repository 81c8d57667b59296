/*
 * ratelimit.c - login throttling per source address and per account (see
 * ratelimit.h for the policy and the reasons).
 *
 * Times are whatever the caller passes; nothing here overflows or
 * misbehaves when `now` jumps or goes backwards (a monotonic clock does
 * neither, but a fuzzer does): a stamp in the future is pulled back to
 * now, which never gives an attacker more tokens or a shorter lock than
 * the policy allows counted from now.
 */
#include "consoled/ratelimit.h"

#include <bearssl_hash.h>
#include <string.h>

static void name_key(const char *name, uint8_t key[TG_RL_KEY_LEN])
{
	br_sha256_context c;
	uint8_t h[32];

	if (!name)
		name = "";
	br_sha256_init(&c);
	br_sha256_update(&c, name, strlen(name));
	br_sha256_out(&c, h);
	memcpy(key, h, TG_RL_KEY_LEN);
}

static int64_t add_sat(int64_t a, int64_t b)
{
	return a > INT64_MAX - b ? INT64_MAX : a + b;
}

/* Bring s's bucket up to now. */
static void src_refill(struct tg_rl_src *s, int64_t now)
{
	uint64_t n;

	if (now < s->stamp)
		s->stamp = now;
	n = ((uint64_t)now - (uint64_t)s->stamp) / TG_RL_REFILL;
	if (n >= (uint64_t)(TG_RL_BURST - s->tokens)) {
		s->tokens = TG_RL_BURST;
		s->stamp = now; /* a full bucket saves nothing up */
	} else {
		s->tokens += (int)n;
		s->stamp += (int64_t)n * TG_RL_REFILL;
	}
}

/* tokens s would have at now, without changing it */
static int src_tokens(const struct tg_rl_src *s, int64_t now)
{
	struct tg_rl_src c = *s;

	src_refill(&c, now);
	return c.tokens;
}

static struct tg_rl_src *src_find(struct tg_rl *rl, const uint8_t key[TG_RL_KEY_LEN])
{
	int i;

	for (i = 0; i < TG_RL_SOURCES; i++)
		if (rl->src[i].used && memcmp(rl->src[i].key, key, TG_RL_KEY_LEN) == 0)
			return &rl->src[i];
	return NULL;
}

/* a free entry, else the one with the most tokens now, least recently used first */
static struct tg_rl_src *src_slot(struct tg_rl *rl, int64_t now)
{
	struct tg_rl_src *v = NULL;
	int i, vt = -1, t;

	for (i = 0; i < TG_RL_SOURCES; i++) {
		if (!rl->src[i].used)
			return &rl->src[i];
		t = src_tokens(&rl->src[i], now);
		if (!v || t > vt || (t == vt && rl->src[i].last_use < v->last_use)) {
			v = &rl->src[i];
			vt = t;
		}
	}
	return v;
}

static struct tg_rl_acct *acct_find(struct tg_rl *rl, const uint8_t key[TG_RL_KEY_LEN])
{
	int i;

	for (i = 0; i < TG_RL_ACCOUNTS; i++)
		if (rl->acct[i].used && memcmp(rl->acct[i].key, key, TG_RL_KEY_LEN) == 0)
			return &rl->acct[i];
	return NULL;
}

/*
 * 1 if losing a costs less than losing b (see ratelimit.h): fewer
 * consecutive failures, then the least recently used.  (With equal
 * failures the locks are equally long, so the least recently used is also
 * the lock that ends first.)
 */
static int acct_cheaper(const struct tg_rl_acct *a, const struct tg_rl_acct *b)
{
	if (a->fails != b->fails)
		return a->fails < b->fails;
	return a->last_use < b->last_use;
}

static struct tg_rl_acct *acct_slot(struct tg_rl *rl)
{
	struct tg_rl_acct *v = NULL;
	int i;

	for (i = 0; i < TG_RL_ACCOUNTS; i++) {
		if (!rl->acct[i].used)
			return &rl->acct[i];
		if (!v || acct_cheaper(&rl->acct[i], v))
			v = &rl->acct[i];
	}
	return v;
}

/* seconds a is still locked at now (0 if not); a lock longer than the cap is pulled back */
static int64_t acct_wait(struct tg_rl_acct *a, int64_t now)
{
	uint64_t w;

	if (a->locked_until <= now)
		return 0;
	w = (uint64_t)a->locked_until - (uint64_t)now;
	if (w > TG_RL_LOCK_MAX) {
		a->locked_until = add_sat(now, TG_RL_LOCK_MAX);
		w = TG_RL_LOCK_MAX;
	}
	return (int64_t)w;
}

void tg_rl_init(struct tg_rl *rl)
{
	memset(rl, 0, sizeof(*rl));
}

int tg_rl_check(struct tg_rl *rl, const char *addr, const char *user, int64_t now,
		int64_t *retry_after)
{
	uint8_t sk[TG_RL_KEY_LEN], ak[TG_RL_KEY_LEN];
	struct tg_rl_src *s;
	struct tg_rl_acct *a;
	int64_t wait = 0;

	if (retry_after)
		*retry_after = 0;
	name_key(addr, sk);
	name_key(user, ak);

	a = acct_find(rl, ak);
	if (a)
		wait = acct_wait(a, now);

	s = src_find(rl, sk);
	if (s) {
		src_refill(s, now);
		if (s->tokens == 0) {
			/* here 0 <= now - stamp < TG_RL_REFILL */
			int64_t sw = TG_RL_REFILL - (now - s->stamp);
			if (sw > wait)
				wait = sw;
		}
	}
	if (wait > 0) {
		if (retry_after)
			*retry_after = wait;
		return 1;
	}

	if (!s) {
		s = src_slot(rl, now);
		memset(s, 0, sizeof(*s));
		memcpy(s->key, sk, TG_RL_KEY_LEN);
		s->used = 1;
		s->tokens = TG_RL_BURST;
		s->stamp = now;
	}
	s->tokens--;
	s->last_use = ++rl->seq;
	return 0;
}

void tg_rl_result(struct tg_rl *rl, const char *addr, const char *user, int ok, int64_t now)
{
	uint8_t ak[TG_RL_KEY_LEN];
	struct tg_rl_acct *a;
	uint32_t over;
	int64_t lock;

	/* the source paid a token in tg_rl_check; a success gives it back, so
	 * the bucket counts failures (operators behind one NAT address log in
	 * and out all day; a guesser fails) */
	name_key(user, ak);
	a = acct_find(rl, ak);
	if (ok) {
		uint8_t sk[TG_RL_KEY_LEN];
		struct tg_rl_src *s;

		name_key(addr, sk);
		s = src_find(rl, sk);
		if (s && s->tokens < TG_RL_BURST)
			s->tokens++;
		if (a)
			memset(a, 0, sizeof(*a));
		return;
	}
	if (!a) {
		a = acct_slot(rl);
		memset(a, 0, sizeof(*a));
		memcpy(a->key, ak, TG_RL_KEY_LEN);
		a->used = 1;
	}
	if (a->fails < UINT32_MAX)
		a->fails++;
	a->last_use = ++rl->seq;
	if (a->fails >= TG_RL_FREE_FAILS) {
		over = a->fails - TG_RL_FREE_FAILS;
		lock = over >= 5 ? TG_RL_LOCK_MAX : (int64_t)TG_RL_LOCK_BASE << over;
		if (lock > TG_RL_LOCK_MAX)
			lock = TG_RL_LOCK_MAX;
		a->locked_until = add_sat(now, lock);
	}
}

int64_t tg_rl_locked_for(const struct tg_rl *rl, const char *user, int64_t now)
{
	uint8_t ak[TG_RL_KEY_LEN];
	int i;

	name_key(user, ak);
	for (i = 0; i < TG_RL_ACCOUNTS; i++)
		if (rl->acct[i].used && memcmp(rl->acct[i].key, ak, TG_RL_KEY_LEN) == 0) {
			struct tg_rl_acct c = rl->acct[i]; /* acct_wait may pull the copy's lock back */
			return acct_wait(&c, now);
		}
	return 0;
}
