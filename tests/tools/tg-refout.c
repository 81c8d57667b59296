/*
 * tg-refout - drive timed's refclock outputs (services/timed/refout.c)
 * alone, so a real NTP daemon can be pointed at them in a test.
 *
 *   tg-refout [-s UNIT] [-k SOCKPATH] -o OFFSET -t SECONDS [-i INTERVAL] [-l LEAP] [-p]
 *
 * Every INTERVAL seconds (default 0.25) for SECONDS, takes the system
 * time sys and publishes the reference time sys + OFFSET (seconds, e.g.
 * -0.0123456: the reference is 12.3456 ms behind the system clock) to the
 * NTP SHM segment of UNIT and/or as a chrony SOCK sample to SOCKPATH
 * (-p: marked as a pulse sample).  LEAP: 0 none, 1 insert, 2 delete.
 * At the end prints "shm=N sock_sent=N sock_dropped=N" on stdout.
 *
 * Exit status: 0 ok, 100 usage, 111 when an output cannot be opened.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "timed/refout.h"

#define NS 1000000000LL

static void usage(void)
{
	fprintf(stderr, "usage: tg-refout [-s UNIT] [-k SOCKPATH] -o OFFSET -t SECONDS "
			"[-i INTERVAL] [-l LEAP] [-p]\n");
	exit(TG_EXIT_USAGE);
}

static int64_t parse_seconds(const char *s)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || v < -1e6 || v > 1e6)
		usage();
	return (int64_t)(v * 1e9 + (v < 0 ? -0.5 : 0.5));
}

static int64_t now_ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (int64_t)ts.tv_sec * NS + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	struct tg_refout_shm shm;
	struct tg_refout_sock sock;
	const char *sockpath = NULL;
	int unit = -1, leap = 0, pulse = 0, opt, have_off = 0;
	int64_t off = 0, dur = -1, interval = NS / 4, end, n_shm = 0;
	char err[256];

	tg_log_init("tg-refout", "main");
	while ((opt = getopt(argc, argv, "s:k:o:t:i:l:p")) != -1) {
		switch (opt) {
		case 's':
			unit = atoi(optarg);
			break;
		case 'k':
			sockpath = optarg;
			break;
		case 'o':
			off = parse_seconds(optarg);
			have_off = 1;
			break;
		case 't':
			dur = parse_seconds(optarg);
			break;
		case 'i':
			interval = parse_seconds(optarg);
			break;
		case 'l':
			leap = atoi(optarg);
			break;
		case 'p':
			pulse = 1;
			break;
		default:
			usage();
		}
	}
	if (optind != argc || !have_off || dur < 0 || interval <= 0 || (unit < 0 && !sockpath))
		usage();
	if (unit >= 0 && tg_refout_shm_open(&shm, unit, err, sizeof(err)) < 0)
		tg_fatalx(TG_EXIT_SYS, "%s", err);
	if (sockpath && tg_refout_sock_open(&sock, sockpath, err, sizeof(err)) < 0)
		tg_fatalx(TG_EXIT_SYS, "%s", err);

	end = now_ns(CLOCK_MONOTONIC) + dur;
	while (now_ns(CLOCK_MONOTONIC) < end) {
		struct timespec nap = {(time_t)(interval / NS), (long)(interval % NS)};
		int64_t sys = now_ns(CLOCK_REALTIME);

		if (unit >= 0) {
			tg_refout_shm_put(&shm, sys + off, sys, leap, -20);
			n_shm++;
		}
		if (sockpath)
			tg_refout_sock_put(&sock, sys, off, pulse, leap);
		nanosleep(&nap, NULL);
	}
	printf("shm=%lld sock_sent=%llu sock_dropped=%llu\n", (long long)n_shm,
	       sockpath ? (unsigned long long)sock.sent : 0ull,
	       sockpath ? (unsigned long long)sock.dropped : 0ull);
	if (unit >= 0)
		tg_refout_shm_close(&shm);
	if (sockpath)
		tg_refout_sock_close(&sock);
	return TG_EXIT_OK;
}
