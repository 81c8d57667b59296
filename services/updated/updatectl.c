/*
 * updatectl.c - the update agent's command line: talks to updated over
 * its control socket (one request per connection, see updated(8)).
 *
 *   updatectl status                   the agent's status lines, KEY VALUE
 *   updatectl install FILE|-           stream a bundle (a file, or stdin)
 *   updatectl mark-good | mark-bad | rollback | boot-ready | reboot
 *   options: -s SOCKET, --reboot (install, rollback: reboot once done)
 *
 * Install copies the bundle through one 64 KiB buffer while it reads the
 * agent's answers, so a refusal that comes early (a bad signature) is
 * seen at once: the agent closes, the copy stops, its message is shown.
 * "progress PHASE BYTES TOTAL" lines are printed as they come.
 *
 * Exit status: 0 done; 1 the agent refused (its message on stderr); 100
 * usage; 111 the agent cannot be reached, a file cannot be read, or the
 * connection ended without an answer.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "fileio.h"
#include "log.h"
#include "updated.h"

#define EXIT_REFUSED 1

static const char *sock_path = UPD_SOCKET_PATH;

static void usage(FILE *f)
{
	fprintf(f, "usage: updatectl [-s SOCKET] status | install FILE|- [--reboot] | mark-good |\n"
		   "                 mark-bad | rollback [--reboot] | boot-ready | reboot\n"
		   "  -s SOCKET  updated's control socket (default " UPD_SOCKET_PATH ")\n"
		   "  --reboot   reboot once the install or rollback is done\n");
}

static int connect_agent(void)
{
	struct sockaddr_un sa;
	int fd;

	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	if (strlen(sock_path) >= sizeof sa.sun_path) {
		fprintf(stderr, "updatectl: %s: socket path too long\n", sock_path);
		exit(TG_EXIT_USAGE);
	}
	memcpy(sa.sun_path, sock_path, strlen(sock_path));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		fprintf(stderr, "updatectl: cannot reach updated at %s: %s\n", sock_path,
			strerror(errno));
		exit(TG_EXIT_SYS);
	}
	return fd;
}

/* Answer lines, split as they arrive. */
struct lines {
	char buf[2048];
	size_t n;
	int eof;
};

/* the next whole line from l (without its newline) into out; 1, or 0 if none yet */
static int next_line(struct lines *l, char *out, size_t outlen)
{
	char *nl = memchr(l->buf, '\n', l->n);
	size_t k;

	if (!nl) {
		if (l->n == sizeof l->buf) { /* an overlong line: cut */
			nl = l->buf + l->n - 1;
		} else {
			return 0;
		}
	}
	k = (size_t)(nl - l->buf);
	snprintf(out, outlen, "%.*s", (int)k, l->buf);
	memmove(l->buf, nl + 1, l->n - k - 1);
	l->n -= k + 1;
	return 1;
}

static int fill(struct lines *l, int fd)
{
	ssize_t r;

	if (l->eof || l->n == sizeof l->buf)
		return 0;
	r = read(fd, l->buf + l->n, sizeof l->buf - l->n);
	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (r <= 0) {
		l->eof = 1;
		return r < 0 ? -1 : 0;
	}
	l->n += (size_t)r;
	return 0;
}

/* "ok MSG" -> stdout, 0; "error MSG" -> stderr, 1; anything else 111 */
static int result(const char *line)
{
	if (strncmp(line, "ok ", 3) == 0 || strcmp(line, "ok") == 0) {
		printf("%s\n", line[2] ? line + 3 : "ok");
		return TG_EXIT_OK;
	}
	if (strncmp(line, "error ", 6) == 0) {
		fflush(stdout);
		fprintf(stderr, "updatectl: %s\n", line + 6);
		return EXIT_REFUSED;
	}
	fprintf(stderr, "updatectl: unexpected answer from updated: %.200s\n", line);
	return TG_EXIT_SYS;
}

static int simple(const char *req)
{
	struct lines l;
	char line[1200], out[64];
	int fd = connect_agent(), is_status = strcmp(req, "status") == 0, n;

	n = snprintf(out, sizeof out, "%s\n", req);
	if (tg_write_all(fd, out, (size_t)n) < 0) {
		fprintf(stderr, "updatectl: writing to updated: %s\n", strerror(errno));
		return TG_EXIT_SYS;
	}
	memset(&l, 0, sizeof l);
	for (;;) {
		while (next_line(&l, line, sizeof line)) {
			if (!is_status) {
				close(fd);
				return result(line);
			}
			if (strcmp(line, "end") == 0) {
				close(fd);
				return fflush(stdout) == 0 ? TG_EXIT_OK : TG_EXIT_SYS;
			}
			if (strncmp(line, "error ", 6) == 0) {
				close(fd);
				return result(line);
			}
			printf("%s\n", line);
		}
		if (l.eof)
			break;
		if (fill(&l, fd) < 0)
			break;
	}
	fprintf(stderr, "updatectl: updated closed the connection without an answer\n");
	close(fd);
	return TG_EXIT_SYS;
}

static int install(const char *file)
{
	static unsigned char buf[65536];
	static const char req[] = "install\n";
	struct lines l;
	char line[1200];
	size_t have = 0, off = 0;
	int src, fd, src_eof = 0, sending = 1, rc = -1;

	if (strcmp(file, "-") == 0) {
		src = 0;
	} else {
		src = open(file, O_RDONLY | O_CLOEXEC);
		if (src < 0) {
			fprintf(stderr, "updatectl: %s: %s\n", file, strerror(errno));
			return TG_EXIT_SYS;
		}
	}
	fd = connect_agent();
	if (tg_write_all(fd, req, sizeof req - 1) < 0) {
		fprintf(stderr, "updatectl: writing to updated: %s\n", strerror(errno));
		return TG_EXIT_SYS;
	}
	if (fcntl(fd, F_SETFL, O_NONBLOCK) < 0) {
		fprintf(stderr, "updatectl: fcntl: %s\n", strerror(errno));
		return TG_EXIT_SYS;
	}
	memset(&l, 0, sizeof l);
	while (rc < 0) {
		struct pollfd p[2];
		nfds_t np = 1;

		while (rc < 0 && next_line(&l, line, sizeof line)) {
			if (strncmp(line, "progress ", 9) == 0) {
				printf("%s\n", line);
				fflush(stdout);
			} else {
				rc = result(line);
			}
		}
		if (rc >= 0)
			break;
		if (l.eof) {
			fprintf(stderr, "updatectl: updated closed the connection without an answer\n");
			rc = TG_EXIT_SYS;
			break;
		}
		p[0].fd = fd;
		p[0].events = POLLIN;
		p[0].revents = 0;
		if (sending && off < have)
			p[0].events |= POLLOUT;
		if (sending && off == have && !src_eof) {
			p[1].fd = src;
			p[1].events = POLLIN;
			p[1].revents = 0;
			np = 2;
		}
		if (poll(p, np, -1) < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "updatectl: poll: %s\n", strerror(errno));
			rc = TG_EXIT_SYS;
			break;
		}
		if (p[0].revents & (POLLIN | POLLHUP | POLLERR))
			if (fill(&l, fd) < 0 && !l.n)
				l.eof = 1;
		if (np == 2 && (p[1].revents & (POLLIN | POLLHUP | POLLERR))) {
			ssize_t r = read(src, buf, sizeof buf);

			if (r < 0 && errno != EINTR && errno != EAGAIN) {
				fprintf(stderr, "updatectl: reading %s: %s\n",
					src ? file : "stdin", strerror(errno));
				rc = TG_EXIT_SYS;
				break;
			}
			if (r == 0) {
				src_eof = 1;
				shutdown(fd, SHUT_WR); /* the end of the bundle */
			} else if (r > 0) {
				have = (size_t)r;
				off = 0;
			}
		}
		if (sending && off < have && (p[0].revents & POLLOUT)) {
			ssize_t w = send(fd, buf + off, have - off, MSG_NOSIGNAL);

			if (w < 0 && errno != EAGAIN && errno != EINTR)
				sending = 0; /* it stopped reading: its answer says why */
			else if (w > 0)
				off += (size_t)w;
		}
	}
	close(fd);
	if (src > 0)
		close(src);
	return rc;
}

int main(int argc, char **argv)
{
	const char *pos[3] = {NULL, NULL, NULL};
	int npos = 0, reboot = 0, i, rc;
	const char *cmd;

	tg_log_init("updatectl", "main");
	signal(SIGPIPE, SIG_IGN);
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "-s") == 0 && i + 1 < argc) {
			sock_path = argv[++i];
		} else if (strcmp(a, "--reboot") == 0) {
			reboot = 1;
		} else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			usage(stdout);
			return TG_EXIT_OK;
		} else if (a[0] == '-' && a[1] && strcmp(a, "-") != 0) {
			usage(stderr);
			return TG_EXIT_USAGE;
		} else if (npos < 3) {
			pos[npos++] = a;
		} else {
			usage(stderr);
			return TG_EXIT_USAGE;
		}
	}
	cmd = pos[0];
	if (!cmd) {
		usage(stderr);
		return TG_EXIT_USAGE;
	}
	if (strcmp(cmd, "install") == 0) {
		if (npos != 2) {
			usage(stderr);
			return TG_EXIT_USAGE;
		}
		rc = install(pos[1]);
	} else if (npos == 1 &&
		   (strcmp(cmd, "status") == 0 || strcmp(cmd, "mark-good") == 0 ||
		    strcmp(cmd, "mark-bad") == 0 || strcmp(cmd, "rollback") == 0 ||
		    strcmp(cmd, "boot-ready") == 0 || strcmp(cmd, "reboot") == 0) &&
		   (!reboot || strcmp(cmd, "rollback") == 0)) {
		rc = simple(cmd);
	} else {
		usage(stderr);
		return TG_EXIT_USAGE;
	}
	if (rc == TG_EXIT_OK && reboot)
		rc = simple("reboot");
	return rc;
}
