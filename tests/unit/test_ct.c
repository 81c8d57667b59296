/*
 * test_ct.c - tg_ct_eq finds a difference in any byte and any bit
 * (including the top bit, where a signed or truncated accumulator would
 * go wrong), answers 1/0 exactly, and tg_wipe zeroes exactly n bytes.
 */
#include "check.h"

#include "ct.h"

static void test_eq(void)
{
	unsigned char a[64], b[64];
	size_t n, i;
	int bit;

	for (i = 0; i < sizeof(a); i++)
		a[i] = b[i] = (unsigned char)(i * 37 + 1);
	CHECK_EQ_INT(tg_ct_eq(a, b, 0), 1);
	CHECK_EQ_INT(tg_ct_eq(NULL, NULL, 0), 1);
	for (n = 1; n <= sizeof(a); n++) {
		CHECK_EQ_INT(tg_ct_eq(a, b, n), 1);
		for (i = 0; i < n; i++) {
			for (bit = 0; bit < 8; bit++) {
				b[i] ^= (unsigned char)(1u << bit);
				CHECK_EQ_INT(tg_ct_eq(a, b, n), 0);
				/* a difference beyond n does not count */
				CHECK_EQ_INT(tg_ct_eq(a, b, i), 1);
				b[i] ^= (unsigned char)(1u << bit);
			}
		}
	}
	/* all bytes differing in every bit */
	for (i = 0; i < sizeof(a); i++)
		b[i] = (unsigned char)~a[i];
	CHECK_EQ_INT(tg_ct_eq(a, b, sizeof(a)), 0);
}

static void test_eq_random(void)
{
	unsigned char a[100], b[100];
	int iter;

	check_seed();
	for (iter = 0; iter < 10000; iter++) {
		size_t n = 1 + (size_t)(check_rand() % sizeof(a)), i;

		for (i = 0; i < n; i++)
			a[i] = b[i] = (unsigned char)check_rand();
		CHECK_EQ_INT(tg_ct_eq(a, b, n), 1);
		i = (size_t)(check_rand() % n);
		b[i] = (unsigned char)(b[i] + 1 + check_rand() % 255);
		CHECK_EQ_INT(tg_ct_eq(a, b, n), 0);
		CHECK_EQ_INT(tg_ct_eq(a, b, n) == (memcmp(a, b, n) == 0), 1);
	}
}

static void test_wipe(void)
{
	unsigned char buf[40];
	size_t i;

	memset(buf, 0xa5, sizeof(buf));
	tg_wipe(buf + 4, 32);
	for (i = 0; i < sizeof(buf); i++)
		CHECK(buf[i] == ((i >= 4 && i < 36) ? 0 : 0xa5));
	tg_wipe(buf, 0);
	tg_wipe(NULL, 0);
	CHECK(buf[0] == 0xa5);
}

int main(void)
{
	RUN(test_eq);
	RUN(test_eq_random);
	RUN(test_wipe);
	return check_exit();
}
