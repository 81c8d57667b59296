/*
 * rng.h - each process's random bytes: BearSSL's AESCTR_DRBG (AES-CTR),
 * rekeyed from its own output after every request (tg_rng_bytes), so a
 * state stolen later cannot recompute earlier output (TLS key shares,
 * cookie keys), seeded from getrandom(2), reseeded from it every
 * TG_RNG_RESEED_BYTES bytes or hour.  AES-CTR rather than HMAC-DRBG: an
 * NTS answer needs two 16-byte nonces, and HMAC-DRBG's fifteen SHA-256
 * blocks per request were a third of the ntp role's time
 * (docs/PERFORMANCE.md); with AES-NI this is a few blocks.  A process seeds its own generator after
 * fork (two processes must never share one state); tg_rng_init() does so.
 *
 * getrandom is the only system call it makes: sandboxed roles that use
 * it keep getrandom in their seccomp allow-list.
 */
#ifndef TG_RNG_H
#define TG_RNG_H

#include <stddef.h>
#include <stdint.h>

#include <bearssl.h>

#define TG_RNG_RESEED_BYTES (1u << 20)

struct tg_rng {
	br_aesctr_drbg_context drbg;
	uint64_t since_seed;
	int64_t seeded_at; /* CLOCK_MONOTONIC seconds */
};

/* Seed from getrandom; 0, or -1 (errno) when the kernel gives no entropy. */
int tg_rng_init(struct tg_rng *r);

/* n random bytes; a failed reseed is fatal (tg_fatal): never weak output. */
void tg_rng_bytes(struct tg_rng *r, void *out, size_t n);

/*
 * Rekey (and reseed when due) after the PRNG view below was used
 * directly: a TLS engine takes its key shares through it, so ke.c and
 * ntsclient.c call this when a connection ends.
 */
void tg_rng_rekey(struct tg_rng *r);

/* The BearSSL PRNG view, for TLS (tg_tls_init). */
static inline const br_prng_class **tg_rng_prng(struct tg_rng *r)
{
	return &r->drbg.vtable;
}

void tg_rng_wipe(struct tg_rng *r);

#endif
