/*
 * health.c - the health check of a trial boot (main role): is the new
 * slot doing the one job of the box?  In order, the first failure named:
 *   1. timed's status file (lib/timestatus) is fresh and says locked or
 *      holdover;
 *   2. NTP on 127.0.0.1:ntp-port answers a client request: server mode,
 *      our transmit time as its origin, stratum 1..15, leap != 3;
 *   3. NTS-KE on 127.0.0.1:ntske-port completes and hands out cookies
 *      (lib/ntsclient), with ntsd's own certificate as the only trust
 *      anchor.
 * "Every service is ready" (boot-ready) is checked by main before these.
 *
 * The anchor: the first certificate of ntsd's certificate file, loaded by
 * lib/pemfile, which takes a certificate's CA flag from its
 * basicConstraints.  ntsd's certificate is an end-entity one (CA:FALSE,
 * or no basicConstraints), so it becomes a *direct* anchor: BearSSL's
 * x509_minimal trusts an end-entity certificate that matches a non-CA
 * anchor by subject name and public key, with no chain walk; the server
 * name must still match, so it is the certificate's first DNS name
 * (subjectAltName), or "localhost".  A file that is missing means ntsd
 * serves no NTS-KE on this box: the check is skipped (said once).
 *
 * Blocking, with deadlines (NTP 2 s, NTS-KE 3 s); it runs only on a
 * trial boot, when no install is possible, so a status request waits at
 * most that long.  Connections go to 127.0.0.1 only.
 */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "ntp.h"
#include "ntsclient.h"
#include "pemfile.h"
#include "timestatus.h"
#include "updated.h"

#define NTP_TIMEOUT_MS 2000
#define NTSKE_TIMEOUT_MS 3000

static struct tg_pem_anchors anchors;
static struct tg_pem_chain chain;

static const char *state_name(unsigned s)
{
	static const char *const names[] = {"unsynchronised", "locking", "locked", "holdover",
					    "failed"};

	return s < sizeof(names) / sizeof(names[0]) ? names[s] : "unknown";
}

void upd_health_load(struct upd_health *h, const struct upd_conf *c)
{
	char err[300];

	memset(h, 0, sizeof(*h));
	h->c = c;
	snprintf(h->server_name, sizeof h->server_name, "localhost");
	if (access(c->ntsd_cert, F_OK) < 0 && errno == ENOENT) {
		h->no_cert = 1;
		tg_info("%s: no such file: ntsd has no certificate, so the health check does not "
			"try NTS-KE",
			c->ntsd_cert);
		return;
	}
	if (tg_pem_load_anchors(c->ntsd_cert, &anchors, err, sizeof err) < 0 || anchors.n == 0) {
		snprintf(h->anchor_err, sizeof h->anchor_err, "%.190s",
			 anchors.n == 0 && !err[0] ? "no certificate in the file" : err);
		tg_warn("ntsd certificate: %s (an NTS-KE health check will fail)", h->anchor_err);
		return;
	}
	h->anchors = &anchors.ta[0]; /* the first certificate only: ntsd's own */
	h->n_anchors = 1;
	if (tg_pem_load_chain(c->ntsd_cert, &chain, err, sizeof err) == 0 && chain.n > 0)
		(void)upd_cert_dns_name(chain.certs[0].data, chain.certs[0].data_len,
					h->server_name, sizeof h->server_name);
	tg_info("health check: NTS-KE trusts %s (%s anchor, server name %s)", c->ntsd_cert,
		anchors.ta[0].flags & BR_X509_TA_CA ? "CA" : "direct", h->server_name);
}

static int ntp_check(uint16_t port, char *why, size_t whylen)
{
	struct sockaddr_in sa;
	struct tg_ntp_packet pk;
	uint8_t req[TG_NTP_HEADER_LEN], resp[TG_NTP_MAX_PACKET];
	uint64_t xmt = 0;
	struct timespec t0, t;
	int fd, rc = -1;

	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons(port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	memset(req, 0, sizeof req);
	req[0] = 4 << 3 | TG_NTP_MODE_CLIENT; /* LI 0, version 4, client */
	/* the transmit time is only a nonce the answer must echo */
	if (getrandom(&xmt, sizeof xmt, 0) != (ssize_t)sizeof xmt) {
		clock_gettime(CLOCK_REALTIME, &t0);
		xmt = (uint64_t)t0.tv_sec << 32 ^ (uint64_t)t0.tv_nsec;
	}
	tg_ntp_put64(req + 40, xmt);
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return tg_fail(why, whylen, "NTP on 127.0.0.1:%u: socket: %s", port, strerror(errno));
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0 ||
	    send(fd, req, sizeof req, 0) != (ssize_t)sizeof req) {
		tg_seterr(why, whylen, "NTP on 127.0.0.1:%u: %s", port, strerror(errno));
		goto out;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		struct pollfd pfd = {fd, POLLIN, 0};
		long spent;
		ssize_t n;

		clock_gettime(CLOCK_MONOTONIC, &t);
		spent = (long)((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000);
		if (spent >= NTP_TIMEOUT_MS || poll(&pfd, 1, (int)(NTP_TIMEOUT_MS - spent)) == 0) {
			tg_seterr(why, whylen, "NTP on 127.0.0.1:%u: no answer within %d s", port,
				  NTP_TIMEOUT_MS / 1000);
			goto out;
		}
		n = recv(fd, resp, sizeof resp, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			tg_seterr(why, whylen, "NTP on 127.0.0.1:%u: no answer (%s)", port,
				  strerror(errno));
			goto out;
		}
		if (tg_ntp_parse(resp, (size_t)n, &pk, NULL, 0) != TG_NTP_OK ||
		    pk.mode != TG_NTP_MODE_SERVER || pk.origin_ts != xmt)
			continue; /* not the answer to our request */
		if (pk.stratum < 1 || pk.stratum > 15 || pk.leap == TG_NTP_LEAP_ALARM) {
			tg_seterr(why, whylen,
				  "NTP on 127.0.0.1:%u: answers unsynchronised (stratum %u, leap %u)",
				  port, pk.stratum, pk.leap);
			goto out;
		}
		rc = 0;
		break;
	}
out:
	close(fd);
	return rc;
}

static int ntske_check(const struct upd_health *h, char *why, size_t whylen)
{
	static struct tg_ntsc s;
	struct tg_ntsc_ke_params kp;
	char err[300];
	uint16_t port = h->c->ntske_port;

	if (h->no_cert)
		return 0;
	if (!h->anchors)
		return tg_fail(why, whylen, "NTS-KE on 127.0.0.1:%u: no trust anchor: %s", port,
			       h->anchor_err);
	memset(&kp, 0, sizeof kp);
	kp.host = "127.0.0.1";
	kp.port = port;
	kp.name = h->server_name;
	kp.anchors = h->anchors;
	kp.n_anchors = h->n_anchors;
	kp.timeout_ms = NTSKE_TIMEOUT_MS;
	if (tg_ntsc_ke(&s, &kp, err, sizeof err) < 0) {
		tg_ntsc_wipe(&s);
		return tg_fail(why, whylen, "NTS-KE on 127.0.0.1:%u: %s", port, err);
	}
	if (s.n_cookies == 0) {
		tg_ntsc_wipe(&s);
		return tg_fail(why, whylen, "NTS-KE on 127.0.0.1:%u: no cookies", port);
	}
	tg_ntsc_wipe(&s);
	return 0;
}

/* why += "; " + one (the first without the separator), cut at whylen; one more failure */
static void add_reason(char *why, size_t whylen, size_t *off, int *bad, const char *one)
{
	int n;

	(*bad)++;
	if (*off >= whylen)
		return;
	n = snprintf(why + *off, whylen - *off, "%s%s", *off ? "; " : "", one);
	*off = n < 0 ? whylen : *off + (size_t)n;
}

int upd_health_run(const struct upd_health *h, char *why, size_t whylen)
{
	struct tg_timestatus st;
	struct timespec now;
	char err[200], one[300];
	size_t off = 0;
	int bad = 0;

	/*
	 * Every check runs and every failure is named: the operator sees all
	 * that is wrong with a release at once, not only what failed first
	 * (the clock may still be locking when NTS-KE is already known not
	 * to answer).
	 */
	if (whylen)
		why[0] = '\0';
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (tg_timestatus_read(h->c->time_status, (int64_t)now.tv_sec * 1000000000LL + now.tv_nsec,
			       &st, err, sizeof err) < 0) {
		snprintf(one, sizeof one, "time service: %s", err);
		add_reason(why, whylen, &off, &bad, one);
	} else if (st.state != TG_CLOCK_LOCKED && st.state != TG_CLOCK_HOLDOVER) {
		snprintf(one, sizeof one, "time service: clock %s, expected locked or holdover",
			 state_name(st.state));
		add_reason(why, whylen, &off, &bad, one);
	}
	if (ntp_check(h->c->ntp_port, one, sizeof one) < 0)
		add_reason(why, whylen, &off, &bad, one);
	if (ntske_check(h, one, sizeof one) < 0)
		add_reason(why, whylen, &off, &bad, one);
	return bad ? -1 : 0;
}
