/*
 * check.h - the unit-test harness (one header, no framework).
 *
 * A test program defines functions and runs them with RUN(fn).  Each
 * prints one TAP-style line, "ok - file:fn" or "not ok - file:fn", which
 * tests/run.sh counts; CHECK failures print the expression and location.
 * main() returns check_exit(): non-zero if anything failed.
 *
 * Randomised loops use check_rand(), seeded from TG_TEST_SEED (printed),
 * so a failure can be replayed.
 */
#ifndef TG_CHECK_H
#define TG_CHECK_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int check_failed_total;
static int check_failed_now;

#define CHECK(cond)                                                                  \
	do {                                                                         \
		if (!(cond)) {                                                       \
			fprintf(stderr, "  %s:%d: CHECK failed: %s\n", __FILE__, __LINE__, \
				#cond);                                              \
			check_failed_now++;                                          \
		}                                                                    \
	} while (0)

#define CHECK_EQ_INT(a, b)                                                              \
	do {                                                                            \
		long long check_a_ = (long long)(a), check_b_ = (long long)(b);         \
		if (check_a_ != check_b_) {                                             \
			fprintf(stderr, "  %s:%d: CHECK failed: %s == %s (%lld != %lld)\n", \
				__FILE__, __LINE__, #a, #b, check_a_, check_b_);        \
			check_failed_now++;                                             \
		}                                                                       \
	} while (0)

#define CHECK_EQ_STR(a, b)                                                                 \
	do {                                                                               \
		const char *check_a_ = (a), *check_b_ = (b);                               \
		if (!check_a_ || !check_b_ || strcmp(check_a_, check_b_) != 0) {           \
			fprintf(stderr, "  %s:%d: CHECK failed: %s == %s (\"%s\" != \"%s\")\n", \
				__FILE__, __LINE__, #a, #b, check_a_ ? check_a_ : "(null)",  \
				check_b_ ? check_b_ : "(null)");                            \
			check_failed_now++;                                                \
		}                                                                          \
	} while (0)

#define RUN(fn)                                                                    \
	do {                                                                       \
		check_failed_now = 0;                                              \
		fn();                                                              \
		printf("%s - %s:%s\n", check_failed_now ? "not ok" : "ok", __FILE__, #fn); \
		fflush(stdout);                                                    \
		check_failed_total += check_failed_now != 0;                       \
	} while (0)

static uint64_t check_rng_state;

static inline void check_seed(void)
{
	const char *s = getenv("TG_TEST_SEED");
	check_rng_state = s ? strtoull(s, NULL, 0) : 0x9e3779b97f4a7c15ull;
	if (!check_rng_state)
		check_rng_state = 1;
	fprintf(stderr, "  seed: TG_TEST_SEED=%llu\n", (unsigned long long)check_rng_state);
}

/* xorshift64*: deterministic for a given seed */
static inline uint64_t check_rand(void)
{
	check_rng_state ^= check_rng_state >> 12;
	check_rng_state ^= check_rng_state << 25;
	check_rng_state ^= check_rng_state >> 27;
	return check_rng_state * 0x2545f4914f6cdd1dull;
}

static inline int check_exit(void)
{
	return check_failed_total ? 1 : 0;
}

#endif
