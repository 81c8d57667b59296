/*
 * nts-query.c - ask an NTS server for authenticated time (RFC 8915):
 * key establishment over TLS 1.3, then NTS-protected NTP requests.  The
 * client side of the same code ntsd serves with (lib/tls13.c, lib/nts.c,
 * lib/ntsclient.c); it never sets the clock.
 *
 * Output, one line per step, key=value (stable for scripts):
 *   ke ok server=HOST port=N aead=15 cookies=8 suite=0x1301 group=x25519
 *   ntp ok offset=+0.000012345 delay=0.000101 stratum=1 leap=0 refid=GPS cookies=1
 *   ntp nak            (the server refused the cookie: run key establishment again)
 * Errors go to stderr with the step and the reason.
 *
 * Exit codes: 0 every step succeeded; 1 an NTS step failed (TLS, KE
 * error, NAK, no answer); 100 usage; 111 system error.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "ntsclient.h"
#include "pemfile.h"

#define DEFAULT_CA "/etc/ssl/certs/ca-certificates.crt"

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: nts-query [-c CAFILE] [-p PORT] [-P PORT] [-n NAME] [-a AEAD] [-r COUNT]\n"
	        "                 [-t MS] [-s FILE [-K]] HOST\n"
	        "  HOST       NTS-KE server (name or address)\n"
	        "  -c CAFILE  trusted certificates, PEM (default " DEFAULT_CA ")\n"
	        "  -p PORT    NTS-KE port (default 4460)\n"
	        "  -P PORT    NTP port (default: the server's Port record, else 123)\n"
	        "  -n NAME    name the server's certificate must carry (default HOST)\n"
	        "  -a AEAD    offer only this AEAD: 15, 16 or 17 (default 15, 17, 16)\n"
	        "  -r COUNT   NTP requests to make with the cookies (default 1, 0: KE only)\n"
	        "  -t MS      timeout per step in milliseconds (default 5000)\n"
	        "  -s FILE    save the session (keys, cookies) to FILE, mode 0600\n"
	        "  -K         with -s: skip key establishment, use the saved session\n");
}

static int parse_num(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static const char *group_name(uint16_t g)
{
	return g == TG_TLS_GROUP_X25519 ? "x25519" : g == TG_TLS_GROUP_SECP256R1 ? "p256" : "?";
}

static struct tg_pem_anchors anchors;

int main(int argc, char **argv)
{
	const char *ca = DEFAULT_CA, *name = NULL, *state = NULL;
	struct tg_ntsc_ke_params kp;
	struct tg_ntsc_sample smp;
	struct tg_ntsc sess;
	char err[512];
	long port = 4460, ntp_port = 0, count = 1, timeout = 5000, v;
	uint16_t aead[1];
	int c, i, skip_ke = 0, have_aead = 0, rc;

	tg_log_init("nts-query", "main");
	while ((c = getopt(argc, argv, "c:p:P:n:a:r:t:s:Kh")) != -1) {
		switch (c) {
		case 'c':
			ca = optarg;
			break;
		case 'p':
			if (parse_num(optarg, 1, 65535, &port) < 0) {
				fprintf(stderr, "nts-query: -p expects a port 1..65535, got '%s'\n",
				        optarg);
				return TG_EXIT_USAGE;
			}
			break;
		case 'P':
			if (parse_num(optarg, 1, 65535, &ntp_port) < 0) {
				fprintf(stderr, "nts-query: -P expects a port 1..65535, got '%s'\n",
				        optarg);
				return TG_EXIT_USAGE;
			}
			break;
		case 'n':
			name = optarg;
			break;
		case 'a':
			if (parse_num(optarg, 15, 17, &v) < 0) {
				fprintf(stderr, "nts-query: -a expects 15, 16 or 17, got '%s'\n",
				        optarg);
				return TG_EXIT_USAGE;
			}
			aead[0] = (uint16_t)v;
			have_aead = 1;
			break;
		case 'r':
			if (parse_num(optarg, 0, 1000, &count) < 0) {
				fprintf(stderr, "nts-query: -r expects 0..1000, got '%s'\n",
				        optarg);
				return TG_EXIT_USAGE;
			}
			break;
		case 't':
			if (parse_num(optarg, 1, 600000, &timeout) < 0) {
				fprintf(stderr, "nts-query: -t expects milliseconds, got '%s'\n",
				        optarg);
				return TG_EXIT_USAGE;
			}
			break;
		case 's':
			state = optarg;
			break;
		case 'K':
			skip_ke = 1;
			break;
		case 'h':
			usage(stdout);
			return TG_EXIT_OK;
		default:
			usage(stderr);
			return TG_EXIT_USAGE;
		}
	}
	if (optind != argc - 1 || (skip_ke && !state)) {
		usage(stderr);
		return TG_EXIT_USAGE;
	}

	if (skip_ke) {
		if (tg_ntsc_load(&sess, state, err, sizeof(err)) < 0) {
			fprintf(stderr, "nts-query: %s\n", err);
			return 1;
		}
	} else {
		if (tg_pem_load_anchors(ca, &anchors, err, sizeof(err)) < 0) {
			fprintf(stderr, "nts-query: %s\n", err);
			return TG_EXIT_USAGE;
		}
		memset(&kp, 0, sizeof(kp));
		kp.host = argv[optind];
		kp.port = (uint16_t)port;
		kp.name = name;
		kp.anchors = anchors.ta;
		kp.n_anchors = anchors.n;
		kp.aeads = have_aead ? aead : NULL;
		kp.n_aeads = have_aead ? 1 : 0;
		kp.timeout_ms = (int)timeout;
		if (tg_ntsc_ke(&sess, &kp, err, sizeof(err)) < 0) {
			fprintf(stderr, "nts-query: %s\n", err);
			return 1;
		}
		printf("ke ok server=%s port=%u aead=%u cookies=%zu suite=0x%04x group=%s\n",
		       sess.ntp_server, sess.ntp_port, sess.aead, sess.n_cookies, sess.tls_suite,
		       group_name(sess.tls_group));
		fflush(stdout);
	}

	if (ntp_port)
		sess.ntp_port = (uint16_t)ntp_port;
	rc = TG_EXIT_OK;
	for (i = 0; i < count; i++) {
		int q = tg_ntsc_query(&sess, -1, (int)timeout, &smp, err, sizeof(err));
		char refid[5];
		int k;

		if (q == 1) {
			printf("ntp nak\n");
			fprintf(stderr, "nts-query: %s\n", err);
			rc = 1;
			break;
		}
		if (q < 0) {
			fprintf(stderr, "nts-query: %s\n", err);
			rc = 1;
			break;
		}
		for (k = 0; k < 4; k++)
			refid[k] =
			    smp.refid[k] >= ' ' && smp.refid[k] <= '~' ? (char)smp.refid[k] : '\0';
		refid[4] = '\0';
		printf("ntp ok offset=%+.9f delay=%.6f stratum=%u leap=%u refid=%s cookies=%zu\n",
		       smp.offset_s, smp.delay_s, smp.stratum, smp.leap, refid[0] ? refid : "-",
		       smp.cookies_received);
		fflush(stdout);
	}
	if (state && tg_ntsc_save(&sess, state, err, sizeof(err)) < 0) {
		fprintf(stderr, "nts-query: saving the session: %s\n", err);
		rc = rc ? rc : TG_EXIT_SYS;
	}
	tg_ntsc_wipe(&sess);
	return rc;
}
