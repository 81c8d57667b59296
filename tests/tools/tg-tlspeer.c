/*
 * tg-tlspeer - lib/tls13.c over real sockets, for the interop tests
 * (tests/system/test_tls13_openssl.sh).
 *
 *   tg-tlspeer server PORT CERT.pem KEY.pem [--alpn X]... [--suites 0x1301,..]
 *                     [--groups x25519,p256] [--once] [--export LABEL CTXHEX LEN]
 *   tg-tlspeer client HOST PORT CA.pem NAME [--alpn X]... [--suites ..] [--groups ..]
 *                     [--export LABEL CTXHEX LEN]
 *
 * Each handshake prints one line on stdout:
 *   ok suite=0x1301 group=x25519 alpn=ntske/1 [export=HEX]
 *   fail EVERSION alert=protocol_version
 * (the alert is the one we sent, or the peer's when it sent one).  The
 * server listens on 127.0.0.1, echoes application data back and serves
 * connections one at a time until killed (--once: one).  The client
 * sends its stdin after the handshake, prints what comes back (until as
 * many bytes came back, the peer closed, or 3 s of silence), sends
 * close_notify and exits 0, or 1 on failure.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "pemfile.h"
#include "tls13.h"

static struct tg_tls conn;
static struct tg_pem_chain chain;
static struct tg_pem_key key;
static struct tg_pem_anchors anchors;
static br_hmac_drbg_context drbg;
static uint8_t app[1 << 16];
static size_t app_len;

static uint16_t suites[8], groups[4];

static void usage(void)
{
	fprintf(stderr, "usage: tg-tlspeer server PORT CERT.pem KEY.pem [--alpn X] [--suites L] "
	                "[--groups L] [--once] [--export LABEL CTXHEX LEN]\n"
	                "       tg-tlspeer client HOST PORT CA.pem NAME [--alpn X] [--suites L] "
	                "[--groups L] [--export LABEL CTXHEX LEN]\n");
	exit(2);
}

static void parse_suites(const char *s)
{
	size_t n = 0;
	char *end;

	while (*s && n + 1 < sizeof suites / sizeof suites[0]) {
		suites[n++] = (uint16_t)strtoul(s, &end, 16);
		if (end == s)
			usage();
		s = *end == ',' ? end + 1 : end;
	}
	suites[n] = 0;
}

static void parse_groups(const char *s)
{
	size_t n = 0;
	char buf[128], *tok, *save;

	snprintf(buf, sizeof buf, "%s", s);
	for (tok = strtok_r(buf, ",", &save); tok && n + 1 < 4; tok = strtok_r(NULL, ",", &save)) {
		if (strcmp(tok, "x25519") == 0 || strcmp(tok, "X25519") == 0)
			groups[n++] = TG_TLS_GROUP_X25519;
		else if (strcmp(tok, "p256") == 0 || strcmp(tok, "P-256") == 0 ||
		         strcmp(tok, "secp256r1") == 0)
			groups[n++] = TG_TLS_GROUP_SECP256R1;
		else
			usage();
	}
	groups[n] = 0;
}

static const char *group_name(uint16_t g)
{
	return g == TG_TLS_GROUP_X25519 ? "x25519" : g == TG_TLS_GROUP_SECP256R1 ? "p256" : "?";
}

static const char *err_name(int e)
{
	static const char *n[] = {"OK",       "EPROTO", "EALERT", "ECERT", "ECRYPTO",
	                          "EVERSION", "EALPN",  "ESPACE", "ESTATE"};
	return e >= 0 && e < 9 ? n[e] : "E?";
}

/* Send everything pending; 0 or -1. */
static int flush(int fd)
{
	size_t n;
	const uint8_t *p;

	while ((p = tg_tls_pending(&conn, &n)), n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		tg_tls_sent(&conn, (size_t)w);
	}
	return 0;
}

/* Read once from the socket into the engine, collecting application data
 * in app[]; returns bytes read (0: EOF), or -1. */
static ssize_t pump(int fd)
{
	uint8_t buf[8192];
	ssize_t r = recv(fd, buf, sizeof buf, 0);
	size_t off = 0;

	if (r <= 0)
		return r < 0 && errno == EINTR ? 1 : r;
	while (off < (size_t)r) {
		off += tg_tls_feed(&conn, buf + off, (size_t)r - off);
		app_len += tg_tls_read(&conn, app + app_len, sizeof app - app_len);
		if (tg_tls_state(&conn) >= TG_TLS_CLOSED || app_len == sizeof app)
			break;
	}
	app_len += tg_tls_read(&conn, app + app_len, sizeof app - app_len);
	return r;
}

/* Run the handshake; 0 when established, else -1 (line printed). */
static int handshake(int fd)
{
	while (tg_tls_state(&conn) == TG_TLS_HANDSHAKE) {
		if (flush(fd) < 0)
			break;
		if (pump(fd) <= 0)
			break;
	}
	flush(fd);
	if (tg_tls_state(&conn) == TG_TLS_ESTABLISHED)
		return 0;
	if (tg_tls_state(&conn) == TG_TLS_HANDSHAKE) {
		printf("fail EOF alert=none\n");
	} else {
		int e = tg_tls_error(&conn);
		int a = e == TG_TLS_EALERT ? tg_tls_peer_alert(&conn) : tg_tls_our_alert(&conn);

		printf("fail %s alert=%s\n", err_name(e), tg_tls_alert_name(a));
	}
	fflush(stdout);
	return -1;
}

static void print_ok(const char *extra)
{
	printf("ok suite=0x%04x group=%s alpn=%s%s\n", tg_tls_suite(&conn),
	       group_name(tg_tls_group(&conn)), tg_tls_alpn(&conn)[0] ? tg_tls_alpn(&conn) : "-",
	       extra);
	fflush(stdout);
}

static void timeouts(int fd, int secs)
{
	struct timeval tv = {secs, 0};

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

static void seed_rng(void)
{
	uint8_t seed[32];

	if (getrandom(seed, sizeof seed, 0) != sizeof seed) {
		perror("getrandom");
		exit(1);
	}
	br_hmac_drbg_init(&drbg, &br_sha256_vtable, seed, sizeof seed);
}

static int hexval(int c)
{
	return c >= '0' && c <= '9'   ? c - '0'
	       : c >= 'a' && c <= 'f' ? c - 'a' + 10
	       : c >= 'A' && c <= 'F' ? c - 'A' + 10
	                              : -1;
}

/* " export=HEX" of TLS-Exporter(label, ctxhex, len) into extra; 0 or -1. */
static int export_hex(const char *label, const char *ctxhex, size_t len, char *extra, size_t cap)
{
	uint8_t ctx[256], out[512];
	size_t cl = strlen(ctxhex) / 2;

	if (cl > sizeof ctx || len > sizeof out || cap < 9 + 2 * len)
		return -1;
	for (size_t i = 0; i < cl; i++) {
		int h = hexval(ctxhex[2 * i]), l = hexval(ctxhex[2 * i + 1]);

		if (h < 0 || l < 0)
			return -1;
		ctx[i] = (uint8_t)(h << 4 | l);
	}
	if (tg_tls_export(&conn, label, ctx, cl, out, len) < 0)
		return -1;
	strcpy(extra, " export=");
	for (size_t i = 0; i < len; i++)
		sprintf(extra + 8 + 2 * i, "%02x", out[i]);
	return 0;
}

static int server(int argc, char **argv, struct tg_tls_config *cfg, int once, const char *xlabel,
                  const char *xctx, size_t xlen)
{
	char err[256], extra[1100];
	struct sockaddr_in sa;
	int ls, one = 1;

	if (argc < 3)
		usage();
	if (tg_pem_load_chain(argv[1], &chain, err, sizeof err) < 0 ||
	    tg_pem_load_ec_key(argv[2], &key, err, sizeof err) < 0) {
		fprintf(stderr, "tg-tlspeer: %s\n", err);
		return 1;
	}
	cfg->is_server = 1;
	cfg->chain = chain.certs;
	cfg->chain_len = chain.n;
	cfg->key = &key.key;
	ls = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)atoi(argv[0]));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (ls < 0 || bind(ls, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(ls, 8) < 0) {
		fprintf(stderr, "tg-tlspeer: listen on 127.0.0.1:%s: %s\n", argv[0],
		        strerror(errno));
		return 1;
	}
	fprintf(stderr, "tg-tlspeer: listening on 127.0.0.1:%s\n", argv[0]);
	for (;;) {
		int fd = accept4(ls, NULL, NULL, SOCK_CLOEXEC);

		if (fd < 0)
			continue;
		timeouts(fd, 5);
		tg_tls_init(&conn, cfg, &drbg.vtable);
		app_len = 0;
		if (handshake(fd) == 0) {
			extra[0] = 0;
			if (xlabel && export_hex(xlabel, xctx, xlen, extra, sizeof extra) < 0)
				strcpy(extra, " export=failed");
			print_ok(extra);
			for (;;) {
				if (app_len) {
					if (tg_tls_write(&conn, app, app_len) < 0)
						break;
					app_len = 0;
				}
				if (flush(fd) < 0 || tg_tls_state(&conn) != TG_TLS_ESTABLISHED)
					break;
				if (pump(fd) <= 0)
					break;
			}
			if (tg_tls_state(&conn) == TG_TLS_CLOSED)
				tg_tls_close(&conn);
			flush(fd);
		}
		tg_tls_wipe(&conn);
		close(fd);
		if (once)
			break;
	}
	close(ls);
	return 0;
}

static int client(int argc, char **argv, struct tg_tls_config *cfg, const char *xlabel,
                  const char *xctx, size_t xlen)
{
	char err[256], extra[1100] = "";
	struct addrinfo hints, *ai;
	static uint8_t in[1 << 16];
	size_t in_len = 0;
	int fd, rc;

	if (argc < 4)
		usage();
	if (tg_pem_load_anchors(argv[2], &anchors, err, sizeof err) < 0) {
		fprintf(stderr, "tg-tlspeer: %s\n", err);
		return 1;
	}
	cfg->anchors = anchors.ta;
	cfg->n_anchors = anchors.n;
	cfg->server_name = argv[3];
	memset(&hints, 0, sizeof hints);
	hints.ai_socktype = SOCK_STREAM;
	rc = getaddrinfo(argv[0], argv[1], &hints, &ai);
	if (rc) {
		fprintf(stderr, "tg-tlspeer: %s: %s\n", argv[0], gai_strerror(rc));
		return 1;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
		fprintf(stderr, "tg-tlspeer: connect %s:%s: %s\n", argv[0], argv[1],
		        strerror(errno));
		return 1;
	}
	freeaddrinfo(ai);
	timeouts(fd, 5);
	tg_tls_init(&conn, cfg, &drbg.vtable);
	if (handshake(fd) < 0)
		return 1;
	if (xlabel && export_hex(xlabel, xctx, xlen, extra, sizeof extra) < 0) {
		printf("fail export alert=none\n");
		return 1;
	}
	print_ok(extra);
	for (;;) {
		ssize_t r = read(0, in + in_len, sizeof in - in_len);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		in_len += (size_t)r;
		if (in_len == sizeof in)
			break;
	}
	if (in_len) {
		size_t got = 0;

		if (tg_tls_write(&conn, in, in_len) < 0 || flush(fd) < 0) {
			printf("fail write alert=none\n");
			return 1;
		}
		timeouts(fd, 3);
		while (got < in_len && tg_tls_state(&conn) == TG_TLS_ESTABLISHED) {
			if (pump(fd) <= 0)
				break;
			fwrite(app, 1, app_len, stdout);
			got += app_len;
			app_len = 0;
		}
		fwrite(app, 1, app_len, stdout);
		fflush(stdout);
	}
	tg_tls_close(&conn);
	flush(fd);
	close(fd);
	rc = tg_tls_state(&conn) == TG_TLS_FAILED;
	tg_tls_wipe(&conn);
	return rc;
}

int main(int argc, char **argv)
{
	static const char *alpn[TG_TLS_ALPN_MAX];
	struct tg_tls_config cfg;
	const char *xlabel = NULL, *xctx = NULL;
	size_t xlen = 0, n_alpn = 0;
	int once = 0, npos = 0;
	char *pos[8];

	memset(&cfg, 0, sizeof cfg);
	signal(SIGPIPE, SIG_IGN);
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--alpn") == 0 && i + 1 < argc && n_alpn < TG_TLS_ALPN_MAX)
			alpn[n_alpn++] = argv[++i];
		else if (strcmp(argv[i], "--suites") == 0 && i + 1 < argc)
			parse_suites(argv[++i]);
		else if (strcmp(argv[i], "--groups") == 0 && i + 1 < argc)
			parse_groups(argv[++i]);
		else if (strcmp(argv[i], "--once") == 0)
			once = 1;
		else if (strcmp(argv[i], "--export") == 0 && i + 3 < argc) {
			xlabel = argv[++i];
			xctx = argv[++i];
			xlen = (size_t)atoi(argv[++i]);
		} else if (argv[i][0] != '-' && npos < 8)
			pos[npos++] = argv[i];
		else
			usage();
	}
	if (argc < 2)
		usage();
	for (size_t i = 0; i < n_alpn; i++)
		cfg.alpn[i] = alpn[i];
	cfg.n_alpn = n_alpn;
	cfg.suites = suites[0] ? suites : NULL;
	cfg.groups = groups[0] ? groups : NULL;
	seed_rng();
	if (strcmp(argv[1], "server") == 0)
		return server(npos, pos, &cfg, once, xlabel, xctx, xlen);
	if (strcmp(argv[1], "client") == 0)
		return client(npos, pos, &cfg, xlabel, xctx, xlen);
	usage();
	return 2;
}
