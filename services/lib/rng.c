/*
 * rng.c - see rng.h.
 */
#include <errno.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "ct.h"
#include "log.h"
#include "rng.h"

static int64_t mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec;
}

/* 32 bytes from the kernel's pool; blocks only before the pool is initialised */
static int kernel_seed(uint8_t seed[32])
{
	size_t got = 0;
	ssize_t n;

	while (got < 32) {
		n = getrandom(seed + got, 32 - got, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	return 0;
}

int tg_rng_init(struct tg_rng *r)
{
	uint8_t seed[32];

	memset(r, 0, sizeof(*r));
	if (kernel_seed(seed) < 0)
		return -1;
	{
		/* AES-NI when the CPU has it (asked once per process), else constant-time */
		const br_block_ctr_class *ctr = br_aes_x86ni_ctr_get_vtable();

		br_aesctr_drbg_init(&r->drbg, ctr ? ctr : &br_aes_ct64_ctr_vtable, seed,
		                    sizeof(seed));
	}
	tg_wipe(seed, sizeof(seed));
	r->seeded_at = mono_s();
	return 0;
}

void tg_rng_bytes(struct tg_rng *r, void *out, size_t n)
{
	if (r->since_seed + n > TG_RNG_RESEED_BYTES || mono_s() - r->seeded_at > 3600) {
		uint8_t seed[32];

		if (kernel_seed(seed) < 0)
			tg_fatal("getrandom (reseeding the random generator)");
		br_aesctr_drbg_update(&r->drbg, seed, sizeof(seed));
		tg_wipe(seed, sizeof(seed));
		r->since_seed = 0;
		r->seeded_at = mono_s();
	}
	br_aesctr_drbg_generate(&r->drbg, out, n);
	/* new key from the generator itself: what was given cannot be recomputed */
	br_aesctr_drbg_update(&r->drbg, NULL, 0);
	r->since_seed += n;
}

void tg_rng_rekey(struct tg_rng *r)
{
	tg_rng_bytes(r, NULL, 0);
}

void tg_rng_wipe(struct tg_rng *r)
{
	tg_wipe(r, sizeof(*r));
}
