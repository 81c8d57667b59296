/*
 * test_timed_clock.c - the clock role's checks (services/timed/clock.c):
 * every field of a request re-checked, and the translation of a
 * frequency into the kernel's tick and frequency (adjtimex units).
 * The clock itself is never touched here.
 */
#include <string.h>
#include <sys/timex.h>

#include "check.h"
#include "timed/timed.h"
#include "timestatus.h"

static struct timed_msg_adj adj(uint32_t kind)
{
	struct timed_msg_adj a;

	memset(&a, 0, sizeof(a));
	a.kind = kind;
	return a;
}

static void test_check(void)
{
	struct timed_msg_adj a;
	char err[160];

	a = adj(TIMED_ADJ_FREQ);
	a.freq_ppb = 12345;
	CHECK_EQ_INT(timed_adj_check(&a, err, sizeof(err)), 0);
	a.freq_ppb = TIMED_ADJ_FREQ_MAX_PPB + 1;
	CHECK_EQ_INT(timed_adj_check(&a, err, sizeof(err)), -1);
	CHECK(strstr(err, "frequency") != NULL);
	a = adj(TIMED_ADJ_FREQ);
	a.step_ns = 5; /* a frequency request carrying a step */
	CHECK_EQ_INT(timed_adj_check(&a, err, sizeof(err)), -1);

	a = adj(TIMED_ADJ_STEP);
	a.step_ns = -1500000000LL;
	CHECK_EQ_INT(timed_adj_check(&a, err, sizeof(err)), 0);
	a.step_ns = 0;
	CHECK_EQ_INT(timed_adj_check(&a, err, sizeof(err)), -1);
	a.step_ns = TIMED_ADJ_STEP_MAX_NS + 1;
	CHECK_EQ_INT(timed_adj_check(&a, err, sizeof(err)), -1);
	CHECK(strstr(err, "step") != NULL);

	a = adj(TIMED_ADJ_STATUS);
	a.leap = TG_LEAP_INSERT;
	a.synced = 1;
	a.max_error_ns = 1000;
	CHECK_EQ_INT(timed_adj_check(&a, err, sizeof(err)), 0);
	a.leap = 3;
	CHECK_EQ_INT(timed_adj_check(&a, err, sizeof(err)), -1);
	a.leap = 0;
	a.max_error_ns = -1;
	CHECK_EQ_INT(timed_adj_check(&a, err, sizeof(err)), -1);

	a = adj(9);
	CHECK_EQ_INT(timed_adj_check(&a, err, sizeof(err)), -1);
	CHECK(strstr(err, "kind 9") != NULL);
	a = adj(TIMED_ADJ_FREQ);
	a.reserved = 1;
	CHECK_EQ_INT(timed_adj_check(&a, err, sizeof(err)), -1);
}

/* total rate = (tick - 10000) * 100 ppm + freq / 65536 ppm, within 1 ppb of the request */
static void test_freq_to_timex(void)
{
	static const int64_t cases[] = {0,        1,        -1,        499999,     -499999, 50000,
					 50001,    -50001,   150000,    83333333,   -83333333,
					 TIMED_ADJ_FREQ_MAX_PPB, -TIMED_ADJ_FREQ_MAX_PPB};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct timed_msg_adj a = adj(TIMED_ADJ_FREQ);
		struct timex tx;
		double total_ppb;

		a.freq_ppb = cases[i];
		timed_adj_to_timex(&a, &tx);
		CHECK_EQ_INT(tx.modes, ADJ_FREQUENCY | ADJ_TICK);
		CHECK(tx.tick >= 9000 && tx.tick <= 11000);     /* the kernel's range */
		CHECK(tx.freq >= -500L * 65536 && tx.freq <= 500L * 65536);
		total_ppb = (double)(tx.tick - 10000) * 100000.0 + (double)tx.freq * 1000.0 / 65536.0;
		CHECK(total_ppb - (double)cases[i] < 1.0 && (double)cases[i] - total_ppb < 1.0);
	}
}

static void test_step_to_timex(void)
{
	struct timed_msg_adj a = adj(TIMED_ADJ_STEP);
	struct timex tx;

	a.step_ns = -1500000000LL; /* -1.5 s: tv_sec -2, +0.5 s in ns */
	timed_adj_to_timex(&a, &tx);
	CHECK_EQ_INT(tx.modes, ADJ_SETOFFSET | ADJ_NANO);
	CHECK_EQ_INT(tx.time.tv_sec, -2);
	CHECK_EQ_INT(tx.time.tv_usec, 500000000);
	a.step_ns = 2000000001LL;
	timed_adj_to_timex(&a, &tx);
	CHECK_EQ_INT(tx.time.tv_sec, 2);
	CHECK_EQ_INT(tx.time.tv_usec, 1);
}

static void test_status_to_timex(void)
{
	struct timed_msg_adj a = adj(TIMED_ADJ_STATUS);
	struct timex tx;

	a.leap = TG_LEAP_INSERT;
	a.synced = 1;
	a.max_error_ns = 2500000;
	timed_adj_to_timex(&a, &tx);
	CHECK_EQ_INT(tx.status, STA_INS);
	CHECK_EQ_INT(tx.maxerror, 2500);
	a.leap = TG_LEAP_DELETE;
	a.synced = 0;
	timed_adj_to_timex(&a, &tx);
	CHECK_EQ_INT(tx.status, STA_DEL | STA_UNSYNC);
}

int main(void)
{
	check_seed();
	RUN(test_check);
	RUN(test_freq_to_timex);
	RUN(test_step_to_timex);
	RUN(test_status_to_timex);
	return check_exit();
}
