/*
 * test_pps.c - the PPS device access (services/timed/pps.c).
 *
 * pps.c is included so the pure step of a fetch (kernel info -> pulse)
 * can be fed crafted kernel answers: no PPS device exists on the test
 * host.  The ioctl path itself runs against the fake device of
 * tests/tools/tg-fakehw.c in timed's system tests; here only the open
 * errors of things that are not PPS devices are checked.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "timed/pps.c"

#define S NS_PER_S

static void test_classify_table(void)
{
	static const struct {
		uint32_t pseq;
		int64_t pns;
		uint32_t seq;
		int64_t ns;
		int64_t tol;
		enum tg_pps_check want;
		uint32_t missed;
	} c[] = {
	    {10, 100 * S, 11, 101 * S, 1000000, TG_PPS_OK, 0},
	    {10, 100 * S, 11, 101 * S + 999999, 1000000, TG_PPS_OK, 0},
	    {10, 100 * S, 11, 101 * S + 1000000, 1000000, TG_PPS_OK, 0},    /* tolerance is inclusive */
	    {10, 100 * S, 11, 101 * S + 1000001, 1000000, TG_PPS_BAD, 0},
	    {10, 100 * S, 11, 101 * S - 1000001, 1000000, TG_PPS_BAD, 0},
	    {10, 100 * S, 11, 100 * S + S / 2, 1000000, TG_PPS_BAD, 0},     /* half a second */
	    {10, 100 * S, 13, 103 * S + 2000000, 1000000, TG_PPS_GAP, 2},   /* k * tol for k steps */
	    {10, 100 * S, 13, 103 * S + 3000001, 1000000, TG_PPS_BAD, 0},
	    {10, 100 * S, 11, 105 * S + 10, 1000000, TG_PPS_GAP, 4},        /* outage: time only */
	    {10, 100 * S, 15, 102 * S, 1000000, TG_PPS_BAD, 0},             /* more steps than seconds */
	    {10, 100 * S, 10, 101 * S, 1000000, TG_PPS_DUP, 0},             /* same sequence */
	    {10, 100 * S, 11, 100 * S, 1000000, TG_PPS_DUP, 0},             /* same stamp */
	    {10, 100 * S, 11, 99 * S, 1000000, TG_PPS_BAD, 0},              /* backwards in time */
	    {10, 100 * S, 9, 101 * S, 1000000, TG_PPS_BAD, 0},              /* sequence backwards */
	    {0xffffffffu, 100 * S, 0, 101 * S, 1000000, TG_PPS_OK, 0},      /* wrap */
	    {0xfffffffeu, 100 * S, 1, 103 * S, 1000000, TG_PPS_GAP, 2},
	    {10, 100 * S, 11, 101 * S + 5, -7, TG_PPS_BAD, 0},              /* negative tol: 0 */
	    {10, 100 * S, 11, 101 * S, -7, TG_PPS_OK, 0},
	    {10, 100 * S, 11, 101 * S + 400000000, 2 * S, TG_PPS_OK, 0},    /* tol clamped below 0.5 s */
	    {10, 100 * S, 11, 101 * S + 500000000, 2 * S, TG_PPS_GAP, 1}, /* nearest: 2 s */
	    {10, INT64_MIN, 11, INT64_MAX, 1000000, TG_PPS_BAD, 0},         /* no overflow */
	    {10, -5 * S, 11, -4 * S, 1000000, TG_PPS_OK, 0},
	};
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		uint32_t missed = 77;
		enum tg_pps_check r = tg_pps_classify(c[i].pseq, c[i].pns, c[i].seq, c[i].ns,
						      c[i].tol, &missed);
		if (r != c[i].want || missed != c[i].missed)
			fprintf(stderr, "  case %zu: got %d missed %u, want %d missed %u\n", i, r,
				missed, c[i].want, c[i].missed);
		CHECK_EQ_INT(r, c[i].want);
		CHECK_EQ_INT(missed, c[i].missed);
	}
}

/* random inputs: no undefined behaviour (UBSan), missed only with GAP */
static void test_classify_random(void)
{
	int i;

	for (i = 0; i < 200000; i++) {
		uint32_t pseq = (uint32_t)check_rand(), seq = (uint32_t)check_rand(), missed = 1;
		int64_t pns = (int64_t)check_rand(), ns;
		int64_t tol = (int64_t)(check_rand() % (2 * S)) - S / 2;
		enum tg_pps_check r;

		if (i & 1) { /* near-plausible pulses too */
			seq = pseq + (uint32_t)(check_rand() % 4);
			pns = (int64_t)(check_rand() >> 2);
			ns = pns + (int64_t)(check_rand() % (5 * S));
		} else
			ns = (int64_t)check_rand();
		r = tg_pps_classify(pseq, pns, seq, ns, tol, &missed);
		CHECK(r >= TG_PPS_OK && r <= TG_PPS_BAD);
		if (r != TG_PPS_GAP)
			CHECK_EQ_INT(missed, 0);
		else
			CHECK(missed >= 1);
		if (check_failed_now)
			break;
	}
}

static struct pps_abi_kinfo info(uint32_t aseq, int64_t asec, int32_t ansec, uint32_t cseq,
				 int64_t csec, int32_t cnsec)
{
	struct pps_abi_kinfo k;

	memset(&k, 0, sizeof(k));
	k.assert_sequence = aseq;
	k.assert_tu.sec = asec;
	k.assert_tu.nsec = ansec;
	k.clear_sequence = cseq;
	k.clear_tu.sec = csec;
	k.clear_tu.nsec = cnsec;
	return k;
}

static void test_pulse_from_info(void)
{
	struct tg_pps p;
	struct tg_pps_pulse pu;
	struct pps_abi_kinfo k;
	char err[200];

	memset(&p, 0, sizeof(p));
	p.fd = -1;
	strcpy(p.path, "/dev/pps7");
	p.last_seq = 41;

	k = info(41, 1700000000, 5, 0, 0, 0);
	CHECK_EQ_INT(pulse_from_info(&p, &k, &pu, err, sizeof(err)), 0); /* nothing new */

	k = info(42, 1700000001, 123, 9, 1, 1);
	CHECK_EQ_INT(pulse_from_info(&p, &k, &pu, err, sizeof(err)), 1);
	CHECK_EQ_INT(pu.ts_ns, 1700000001000000123LL);
	CHECK_EQ_INT(pu.seq, 42);
	CHECK_EQ_INT(pu.missed, 0);
	CHECK_EQ_INT(pulse_from_info(&p, &k, &pu, err, sizeof(err)), 0); /* reported once */

	k = info(45, 1700000004, 999999999, 0, 0, 0);
	CHECK_EQ_INT(pulse_from_info(&p, &k, &pu, err, sizeof(err)), 1);
	CHECK_EQ_INT(pu.missed, 2);
	CHECK_EQ_INT(pu.ts_ns, 1700000004999999999LL);

	/* sequence wrap */
	p.last_seq = 0xfffffffeu;
	k = info(1, 1700000007, 0, 0, 0, 0);
	CHECK_EQ_INT(pulse_from_info(&p, &k, &pu, err, sizeof(err)), 1);
	CHECK_EQ_INT(pu.missed, 2);
	CHECK_EQ_INT(pu.seq, 1);

	/* bad stamps: an error naming the device and the value, consumed once */
	k = info(2, 1700000008, 1000000000, 0, 0, 0);
	err[0] = 0;
	CHECK_EQ_INT(pulse_from_info(&p, &k, &pu, err, sizeof(err)), -1);
	CHECK(strstr(err, "/dev/pps7") && strstr(err, "1000000000"));
	CHECK_EQ_INT(pulse_from_info(&p, &k, &pu, err, sizeof(err)), 0);
	k = info(3, 1700000009, -1, 0, 0, 0);
	CHECK_EQ_INT(pulse_from_info(&p, &k, &pu, err, sizeof(err)), -1);
	k = info(4, INT64_MAX / 1000, 0, 0, 0, 0);
	CHECK_EQ_INT(pulse_from_info(&p, &k, &pu, err, sizeof(err)), -1);
	CHECK(strstr(err, "out of range") != NULL);
	k = info(5, -1, 999999999, 0, 0, 0); /* before 1970 is still a time */
	CHECK_EQ_INT(pulse_from_info(&p, &k, &pu, err, sizeof(err)), 1);
	CHECK_EQ_INT(pu.ts_ns, -1);

	/* the clear edge reads the clear fields only */
	p.use_clear = 1;
	p.last_seq = 9;
	k = info(77, 5, 5, 9, 1, 1);
	CHECK_EQ_INT(pulse_from_info(&p, &k, &pu, err, sizeof(err)), 0);
	k = info(78, 5, 5, 10, 1700000010, 100000000);
	CHECK_EQ_INT(pulse_from_info(&p, &k, &pu, err, sizeof(err)), 1);
	CHECK_EQ_INT(pu.seq, 10);
	CHECK_EQ_INT(pu.ts_ns, 1700000010100000000LL);
}

static void test_open_errors(void)
{
	struct tg_pps p;
	struct tg_pps_pulse pu;
	char err[200];

	err[0] = 0;
	CHECK_EQ_INT(tg_pps_open(&p, "/nonexistent/pps0", 0, err, sizeof(err)), -1);
	CHECK_EQ_INT(p.fd, -1);
	CHECK(strstr(err, "/nonexistent/pps0") && strstr(err, "open"));

	/* a character device that is not a PPS device */
	err[0] = 0;
	CHECK_EQ_INT(tg_pps_open(&p, "/dev/null", 1, err, sizeof(err)), -1);
	CHECK_EQ_INT(p.fd, -1);
	CHECK(strstr(err, "/dev/null") && strstr(err, "PPS_GETCAP") &&
	      strstr(err, "not a PPS device"));
	fprintf(stderr, "  message: %s\n", err);

	err[0] = 0;
	CHECK_EQ_INT(tg_pps_fetch(&p, &pu, err, sizeof(err)), -1);
	CHECK(strstr(err, "not open") != NULL);
	tg_pps_close(&p); /* closing a closed device is harmless */
	CHECK_EQ_INT(p.fd, -1);
}

/* the request numbers the kernel expects (see pps.c for their origin) */
static void test_abi(void)
{
	CHECK_EQ_INT(sizeof(struct pps_abi_fdata), 64);
	if (sizeof(void *) == 8) {
		CHECK_EQ_INT((unsigned long)PPSIOC_GETPARAMS, 0x800870a1ul);
		CHECK_EQ_INT((unsigned long)PPSIOC_SETPARAMS, 0x400870a2ul);
		CHECK_EQ_INT((unsigned long)PPSIOC_GETCAP, 0x800870a3ul);
		CHECK_EQ_INT((unsigned long)PPSIOC_FETCH, 0xc00870a4ul);
	}
}

int main(void)
{
	check_seed();
	RUN(test_classify_table);
	RUN(test_classify_random);
	RUN(test_pulse_from_info);
	RUN(test_open_errors);
	RUN(test_abi);
	return check_exit();
}
