/*
 * ntsclient.c - see ntsclient.h.
 *
 * Key establishment (RFC 8915 4): TCP to the KE server with a deadline,
 * TCP_NODELAY, TLS 1.3 (lib/tls13.c) with ALPN "ntske/1" and the
 * server's certificate checked against the trust anchors and name; the
 * request offers NTPv4 and our AEADs; the response's cookies are kept and
 * the two session keys exported from TLS (RFC 8915 5.1).  Then NTP (RFC
 * 8915 5): each request carries a fresh 32-byte unique identifier, one
 * cookie, placeholders for more, and an authenticator; the response must
 * echo the identifier and authenticate with the server-to-client key
 * (lib/nts.c checks it); its encrypted cookies refill the session.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "crc32.h"
#include "ct.h"
#include "fileio.h"
#include "log.h"
#include "ntp.h"
#include "ntsclient.h"
#include "rng.h"

#define DEFAULT_TIMEOUT_MS 5000

static struct tg_rng rng;
static int rng_ready;
static struct tg_tls tls; /* about 70 KiB: not on the stack */

static int rng_get(char *err, size_t errlen)
{
	if (rng_ready)
		return 0;
	if (tg_rng_init(&rng) < 0) {
		snprintf(err, errlen, "getrandom: %s", strerror(errno));
		return -1;
	}
	rng_ready = 1;
	return 0;
}

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int left_ms(int64_t deadline)
{
	int64_t d = deadline - mono_ms();

	return d < 0 ? 0 : d > 60000 ? 60000 : (int)d;
}

/*
 * Addresses of host: an address literal is taken as it is (AI_NUMERICHOST:
 * no name service, no interface scan - so a sandboxed caller such as
 * timed's xcheck role needs no netlink or nscd socket); a name is looked
 * up with AI_ADDRCONFIG (no IPv6 answers without IPv6 on the host).
 */
static int resolve(const char *host, const char *port, int socktype, struct addrinfo **res)
{
	struct addrinfo hints;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = socktype;
	hints.ai_flags = AI_NUMERICHOST;
	if (getaddrinfo(host, port, &hints, res) == 0)
		return 0;
	hints.ai_flags = AI_ADDRCONFIG;
	return getaddrinfo(host, port, &hints, res);
}

/* ----------------------------------------------------------------- TCP */

static int tcp_connect(const char *host, uint16_t port, int64_t deadline, char *err, size_t errlen)
{
	struct addrinfo *res, *ai;
	char portstr[8];
	int fd = -1, rc, soerr, on = 1;
	socklen_t sl;

	snprintf(portstr, sizeof(portstr), "%u", port);
	rc = resolve(host, portstr, SOCK_STREAM, &res);
	if (rc != 0) {
		snprintf(err, errlen, "cannot resolve '%.64s': %s", host, gai_strerror(rc));
		return -1;
	}
	snprintf(err, errlen, "%.64s port %u: no address to connect to", host, port);
	for (ai = res; ai; ai = ai->ai_next) {
		struct pollfd pfd;

		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0)
			continue;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0 && errno != EINPROGRESS) {
			snprintf(err, errlen, "connect to %.64s port %u: %s", host, port,
			         strerror(errno));
			close(fd);
			fd = -1;
			continue;
		}
		pfd.fd = fd;
		pfd.events = POLLOUT;
		rc = poll(&pfd, 1, left_ms(deadline));
		soerr = 0;
		sl = sizeof(soerr);
		if (rc == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) == 0 && soerr == 0)
			break;
		snprintf(err, errlen, "connect to %.64s port %u: %s", host, port,
		         rc == 0 ? "timed out" : strerror(soerr ? soerr : errno));
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd >= 0)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
	return fd;
}

/* send everything the engine has queued */
static int tls_flush(int fd, int64_t deadline, char *err, size_t errlen)
{
	const uint8_t *p;
	size_t len;
	ssize_t n;

	for (;;) {
		p = tg_tls_pending(&tls, &len);
		if (len == 0)
			return 0;
		n = send(fd, p, len, MSG_NOSIGNAL);
		if (n > 0) {
			tg_tls_sent(&tls, (size_t)n);
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			struct pollfd pfd = {fd, POLLOUT, 0};

			if (poll(&pfd, 1, left_ms(deadline)) == 0) {
				snprintf(err, errlen, "NTS-KE: timed out sending");
				return -1;
			}
			continue;
		}
		snprintf(err, errlen, "NTS-KE: send: %s", strerror(errno));
		return -1;
	}
}

static void tls_failure(char *err, size_t errlen)
{
	int e = tg_tls_error(&tls);

	if (e == TG_TLS_EALERT)
		snprintf(err, errlen, "NTS-KE: TLS: the server sent alert %s",
		         tg_tls_alert_name(tg_tls_peer_alert(&tls)));
	else
		snprintf(err, errlen, "NTS-KE: TLS: %s (alert %s sent)", tg_tls_strerror(e),
		         tg_tls_alert_name(tg_tls_our_alert(&tls)));
}

/* ------------------------------------------------------------------- KE */

int tg_ntsc_ke(struct tg_ntsc *s, const struct tg_ntsc_ke_params *p, char *err, size_t errlen)
{
	static const uint16_t default_aeads[] = {TG_SIV_AEAD_256, TG_SIV_AEAD_512, TG_SIV_AEAD_384};
	static struct tg_ntske_response resp;
	struct tg_tls_config cfg;
	uint8_t req[64], in[TG_NTSKE_MSG_MAX], buf[4096];
	size_t req_len, in_len = 0, n, off;
	int64_t deadline;
	int fd, sent = 0, rc = -1, prc;
	ssize_t got;

	memset(s, 0, sizeof(*s));
	if (rng_get(err, errlen) < 0)
		return -1;
	deadline = mono_ms() + (p->timeout_ms > 0 ? p->timeout_ms : DEFAULT_TIMEOUT_MS);
	req_len = tg_ntske_build_request(p->aeads ? p->aeads : default_aeads,
	                                 p->aeads ? p->n_aeads : 3, req, sizeof(req));
	if (req_len == 0) {
		snprintf(err, errlen, "NTS-KE: cannot build the request");
		return -1;
	}
	fd = tcp_connect(p->host, p->port ? p->port : TG_NTSKE_PORT, deadline, err, errlen);
	if (fd < 0)
		return -1;

	memset(&cfg, 0, sizeof(cfg));
	cfg.is_server = 0;
	cfg.alpn[0] = TG_NTSKE_ALPN;
	cfg.n_alpn = 1;
	cfg.anchors = p->anchors;
	cfg.n_anchors = p->n_anchors;
	cfg.server_name = p->name ? p->name : p->host;
	cfg.unix_time = p->unix_time;
	tg_tls_init(&tls, &cfg, tg_rng_prng(&rng));

	for (;;) {
		struct pollfd pfd = {fd, POLLIN, 0};
		int st;

		if (tls_flush(fd, deadline, err, errlen) < 0)
			goto out;
		st = tg_tls_state(&tls);
		if (st == TG_TLS_FAILED) {
			tls_failure(err, errlen);
			goto out;
		}
		if (st == TG_TLS_ESTABLISHED && !sent) {
			if (strcmp(tg_tls_alpn(&tls), TG_NTSKE_ALPN) != 0) {
				snprintf(err, errlen, "NTS-KE: the server did not agree to ALPN %s",
				         TG_NTSKE_ALPN);
				goto out;
			}
			if (tg_tls_write(&tls, req, req_len) < 0) {
				snprintf(err, errlen, "NTS-KE: cannot queue the request");
				goto out;
			}
			sent = 1;
			continue;
		}
		/* the response so far */
		while ((n = tg_tls_read(&tls, in + in_len, sizeof(in) - in_len)) > 0)
			in_len += n;
		if (in_len > 0) {
			prc = tg_ntske_parse_response(in, in_len, &resp, err, errlen);
			if (prc == TG_NTS_OK)
				break;
			if (prc != TG_NTS_EINCOMPLETE || in_len == sizeof(in)) {
				char why[200];

				snprintf(why, sizeof(why), "%s", err);
				if (prc == TG_NTS_EERROR)
					snprintf(err, errlen,
					         "NTS-KE: the server answered with error %u (%s)",
					         resp.error_code,
					         resp.error_code == 0
					             ? "unrecognized critical record"
					         : resp.error_code == 1 ? "bad request"
					                                : "internal server error");
				else
					snprintf(err, errlen, "NTS-KE: bad response: %s", why);
				goto out;
			}
		}
		if (st == TG_TLS_CLOSED) {
			snprintf(err, errlen, "NTS-KE: the server closed before End of Message");
			goto out;
		}
		if (poll(&pfd, 1, left_ms(deadline)) == 0) {
			snprintf(err, errlen, "NTS-KE: timed out (%s)",
			         st == TG_TLS_HANDSHAKE ? "TLS handshake"
			                                : "waiting for the response");
			goto out;
		}
		got = recv(fd, buf, sizeof(buf), 0);
		if (got < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (got <= 0) {
			snprintf(err, errlen, "NTS-KE: the server closed the connection%s%s",
			         got < 0 ? ": " : "", got < 0 ? strerror(errno) : "");
			goto out;
		}
		/* the engine takes no more while decrypted data waits: read it, go on */
		for (off = 0; off < (size_t)got;) {
			size_t took = tg_tls_feed(&tls, buf + off, (size_t)got - off), was = in_len;

			off += took;
			while ((n = tg_tls_read(&tls, in + in_len, sizeof(in) - in_len)) > 0)
				in_len += n;
			if (tg_tls_state(&tls) >= TG_TLS_CLOSED)
				break;
			if (took == 0 && in_len == was)
				break; /* no progress: a response longer than we take, parsed below
				        */
		}
	}

	s->aead = resp.aead;
	if (tg_siv_key_len(s->aead) == 0 || resp.n_cookies == 0) {
		snprintf(err, errlen, "NTS-KE: response without %s",
		         resp.n_cookies ? "a usable AEAD" : "cookies");
		goto out;
	}
	if (tg_ntske_export_keys(&tls, s->aead, s->c2s, s->s2c) < 0) {
		snprintf(err, errlen, "NTS-KE: TLS exporter failed");
		goto out;
	}
	snprintf(s->ntp_server, sizeof(s->ntp_server), "%s",
	         resp.server[0] ? resp.server : p->host);
	s->ntp_port = resp.port ? resp.port : 123;
	s->n_cookies = resp.n_cookies;
	memcpy(s->cookies, resp.cookies, sizeof(s->cookies));
	memcpy(s->cookie_len, resp.cookie_len, sizeof(s->cookie_len));
	s->tls_suite = tg_tls_suite(&tls);
	s->tls_group = tg_tls_group(&tls);
	tg_tls_close(&tls);
	tls_flush(fd, deadline, err, errlen);
	err[0] = '\0';
	rc = 0;
out:
	tg_tls_wipe(&tls);
	tg_rng_rekey(&rng);
	tg_wipe(&resp, sizeof(resp));
	close(fd);
	return rc;
}

/* ------------------------------------------------------------------ NTP */

static double ntp_diff(uint64_t a, uint64_t b)
{
	/* a - b in seconds; the era is the same within 68 years */
	return (double)(int64_t)(a - b) / 4294967296.0;
}

int tg_ntsc_query(struct tg_ntsc *s, int n_placeholders, int timeout_ms, struct tg_ntsc_sample *out,
                  char *err, size_t errlen)
{
	uint8_t newc[TG_NTS_COOKIES][TG_NTS_COOKIE_MAX];
	size_t newlen[TG_NTS_COOKIES], n_new = 0, i;
	uint8_t pkt[TG_NTP_MAX_PACKET], resp[TG_NTP_MAX_PACKET + 1];
	uint8_t uid[32], nonce[16];
	struct addrinfo *res, *ai;
	struct tg_ntp_packet rp;
	struct tg_siv c2s, s2c;
	struct timespec t;
	char portstr[8];
	uint64_t t1, t4;
	size_t len, ck;
	int64_t deadline;
	int fd = -1, rc, ret = -1;
	ssize_t got;

	memset(out, 0, sizeof(*out));
	if (rng_get(err, errlen) < 0)
		return -1;
	if (s->n_cookies == 0) {
		snprintf(err, errlen, "NTS: no cookie left (key establishment needed)");
		return -1;
	}
	deadline = mono_ms() + (timeout_ms > 0 ? timeout_ms : DEFAULT_TIMEOUT_MS);
	snprintf(portstr, sizeof(portstr), "%u", s->ntp_port);
	rc = resolve(s->ntp_server, portstr, SOCK_DGRAM, &res);
	if (rc != 0) {
		snprintf(err, errlen, "cannot resolve '%.64s': %s", s->ntp_server,
		         gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0) {
		snprintf(err, errlen, "NTP: cannot reach %.64s port %u: %s", s->ntp_server,
		         s->ntp_port, strerror(errno));
		return -1;
	}

	ck = --s->n_cookies; /* a cookie is used once */
	if (n_placeholders < 0)
		n_placeholders = (int)(TG_NTS_COOKIES - 1 - s->n_cookies);
	if (n_placeholders > TG_NTS_COOKIES - 1)
		n_placeholders = TG_NTS_COOKIES - 1;
	tg_rng_bytes(&rng, uid, sizeof(uid));
	tg_rng_bytes(&rng, nonce, sizeof(nonce));
	if (tg_siv_init(&c2s, s->c2s, tg_siv_key_len(s->aead)) < 0 ||
	    tg_siv_init(&s2c, s->s2c, tg_siv_key_len(s->aead)) < 0) {
		snprintf(err, errlen, "NTS: bad session keys");
		goto out;
	}
	clock_gettime(CLOCK_REALTIME, &t);
	t1 = tg_ntp_from_timespec(&t);
	len = tg_nts_build_request(pkt, sizeof(pkt), t1, uid, s->cookies[ck], s->cookie_len[ck],
	                           (size_t)n_placeholders, &c2s, nonce);
	tg_wipe(s->cookies[ck], sizeof(s->cookies[ck]));
	if (len == 0) {
		snprintf(err, errlen, "NTS: cannot build the request");
		goto out;
	}
	if (send(fd, pkt, len, 0) != (ssize_t)len) {
		snprintf(err, errlen, "NTP: send: %s", strerror(errno));
		goto out;
	}
	for (;;) {
		struct pollfd pfd = {fd, POLLIN, 0};

		if (poll(&pfd, 1, left_ms(deadline)) == 0) {
			snprintf(err, errlen, "NTP: no authenticated response from %.64s port %u",
			         s->ntp_server, s->ntp_port);
			goto out;
		}
		got = recv(fd, resp, sizeof(resp), 0);
		clock_gettime(CLOCK_REALTIME, &t);
		t4 = tg_ntp_from_timespec(&t);
		if (got < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			snprintf(err, errlen, "NTP: recv: %s", strerror(errno));
			goto out;
		}
		rc = tg_nts_check_response(resp, (size_t)got, t1, uid, &s2c, &rp, newc, newlen,
		                           TG_NTS_COOKIES, &n_new, err, errlen);
		if (rc == TG_NTS_ENAK) {
			snprintf(err, errlen, "NTS NAK from %.64s: cookie refused", s->ntp_server);
			ret = 1;
			goto out;
		}
		if (rc == TG_NTS_OK)
			break;
		/* not ours or forged: keep waiting for the real answer until the deadline */
	}
	out->offset_s = (ntp_diff(rp.receive_ts, t1) + ntp_diff(rp.transmit_ts, t4)) / 2;
	out->delay_s = ntp_diff(t4, t1) - ntp_diff(rp.transmit_ts, rp.receive_ts);
	out->stratum = rp.stratum;
	out->leap = rp.leap;
	memcpy(out->refid, rp.refid, 4);
	out->root_delay_s = rp.root_delay / 65536.0;
	out->root_dispersion_s = rp.root_dispersion / 65536.0;
	out->cookies_received = n_new;
	for (i = 0; i < n_new && s->n_cookies < TG_NTS_COOKIES; i++) {
		memcpy(s->cookies[s->n_cookies], newc[i], newlen[i]);
		s->cookie_len[s->n_cookies++] = newlen[i];
	}
	err[0] = '\0';
	ret = 0;
out:
	tg_siv_wipe(&c2s);
	tg_siv_wipe(&s2c);
	tg_wipe(newc, sizeof(newc));
	close(fd);
	return ret;
}

/* -------------------------------------------------------------- session */

/*
 * "TGNS" | version 1 | aead u16 | port u16 | name length u8 | name |
 * c2s[64] | s2c[64] | n cookies u8 | n x (length u16 | cookie) | CRC-32
 */

size_t tg_ntsc_encode(const struct tg_ntsc *s, uint8_t *b, size_t cap)
{
	size_t n = 0, i, nl = strnlen(s->ntp_server, sizeof(s->ntp_server) - 1);

	if (cap < TG_NTSC_SESSION_MAX || s->n_cookies > TG_NTS_COOKIES)
		return 0;
	memcpy(b, "TGNS", 4);
	n = 4;
	b[n++] = 1;
	tg_ntp_put16(b + n, s->aead);
	n += 2;
	tg_ntp_put16(b + n, s->ntp_port);
	n += 2;
	b[n++] = (uint8_t)nl;
	memcpy(b + n, s->ntp_server, nl);
	n += nl;
	memcpy(b + n, s->c2s, 64);
	memcpy(b + n + 64, s->s2c, 64);
	n += 128;
	b[n++] = (uint8_t)s->n_cookies;
	for (i = 0; i < s->n_cookies; i++) {
		if (s->cookie_len[i] > TG_NTS_COOKIE_MAX)
			return 0;
		tg_ntp_put16(b + n, (uint16_t)s->cookie_len[i]);
		memcpy(b + n + 2, s->cookies[i], s->cookie_len[i]);
		n += 2 + s->cookie_len[i];
	}
	tg_ntp_put32(b + n, tg_crc32(0, b, n));
	return n + 4;
}

int tg_ntsc_decode(struct tg_ntsc *s, const uint8_t *b, size_t n, char *err, size_t errlen)
{
	size_t off, i, nl;

	memset(s, 0, sizeof(*s));
	if (n < 4 + 1 + 2 + 2 + 1 + 128 + 1 + 4 || n > TG_NTSC_SESSION_MAX ||
	    memcmp(b, "TGNS", 4) != 0 || b[4] != 1) {
		snprintf(err, errlen, "not an NTS session file (expected TGNS version 1, %d to %d bytes)",
		         4 + 1 + 2 + 2 + 1 + 128 + 1 + 4, TG_NTSC_SESSION_MAX);
		return -1;
	}
	if (tg_ntp_get32(b + n - 4) != tg_crc32(0, b, n - 4)) {
		snprintf(err, errlen, "checksum mismatch (file damaged)");
		return -1;
	}
	snprintf(err, errlen, "NTS session file with a valid checksum but bad contents");
	s->aead = tg_ntp_get16(b + 5);
	s->ntp_port = tg_ntp_get16(b + 7);
	nl = b[9];
	off = 10;
	if (tg_siv_key_len(s->aead) == 0) {
		snprintf(err, errlen, "unknown AEAD %u in the NTS session file (expected 15, 16 or 17)",
		         s->aead);
		goto bad;
	}
	if (off + nl + 128 + 1 > n - 4)
		goto bad;
	memcpy(s->ntp_server, b + off, nl);
	s->ntp_server[nl] = '\0';
	if (strlen(s->ntp_server) != nl)
		goto bad; /* a NUL inside the name */
	off += nl;
	memcpy(s->c2s, b + off, 64);
	memcpy(s->s2c, b + off + 64, 64);
	off += 128;
	s->n_cookies = b[off++];
	if (s->n_cookies > TG_NTS_COOKIES)
		goto bad;
	for (i = 0; i < s->n_cookies; i++) {
		size_t cl;

		if (off + 2 > n - 4)
			goto bad;
		cl = tg_ntp_get16(b + off);
		if (cl == 0 || cl > TG_NTS_COOKIE_MAX || off + 2 + cl > n - 4)
			goto bad;
		memcpy(s->cookies[i], b + off + 2, cl);
		s->cookie_len[i] = cl;
		off += 2 + cl;
	}
	if (off != n - 4)
		goto bad;
	if (errlen)
		err[0] = '\0';
	return 0;
bad:
	tg_ntsc_wipe(s);
	return -1;
}

int tg_ntsc_save(const struct tg_ntsc *s, const char *path, char *err, size_t errlen)
{
	static uint8_t b[TG_NTSC_SESSION_MAX];
	char tmp[512];
	size_t n;
	int fd, rc = -1;

	n = tg_ntsc_encode(s, b, sizeof(b));
	if (n == 0) {
		snprintf(err, errlen, "%s: the session cannot be encoded", path);
		return -1;
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	if (tg_write_all(fd, b, n) < 0 || fsync(fd) < 0) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		goto out;
	}
	close(fd);
	if (rename(tmp, path) < 0) {
		snprintf(err, errlen, "rename to %s: %s", path, strerror(errno));
		unlink(tmp);
		goto out;
	}
	rc = 0;
out:
	tg_wipe(b, sizeof(b));
	return rc;
}

int tg_ntsc_load(struct tg_ntsc *s, const char *path, char *err, size_t errlen)
{
	static uint8_t b[TG_NTSC_SESSION_MAX + 1];
	char why[160];
	size_t n = 0;
	ssize_t got;
	int fd, rc;

	memset(s, 0, sizeof(*s));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (n < sizeof(b) && (got = read(fd, b + n, sizeof(b) - n)) > 0)
		n += (size_t)got;
	close(fd);
	rc = tg_ntsc_decode(s, b, n, why, sizeof(why));
	if (rc < 0)
		snprintf(err, errlen, "%s: %s", path, why);
	else if (errlen)
		err[0] = '\0';
	tg_wipe(b, sizeof(b));
	return rc;
}

void tg_ntsc_wipe(struct tg_ntsc *s)
{
	tg_wipe(s, sizeof(*s));
}
