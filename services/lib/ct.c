/*
 * ct.c - constant-time comparison and secret wiping.
 */
#include "ct.h"

#include <stdint.h>
#include <string.h>

int tg_ct_eq(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;
	uint32_t acc = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		acc |= (uint32_t)(x[i] ^ y[i]);
		/* hide acc from the optimiser: no early exit once it is non-zero */
		__asm__ __volatile__("" : "+r"(acc));
	}
	/* acc is 0..255: (acc - 1) >> 31 is 1 only for acc == 0, without a branch */
	return (int)((acc - 1) >> 31);
}

void tg_wipe(void *p, size_t n)
{
	if (!n)
		return;
	/* explicit_bzero: glibc >= 2.25 and musl >= 1.1.20, never elided */
	explicit_bzero(p, n);
	__asm__ __volatile__("" : : "r"(p) : "memory");
}
