/*
 * main.c - tg-netpolicy: compile the network policy (and the site's
 * settings) into iptables-restore input for IPv4 and IPv6.
 *
 *   tg-netpolicy [-p POLICY] [-s SITE] -i ROLE=IFNAME ... [-4 OUT4] [-6 OUT6]
 *   tg-netpolicy -n [-p POLICY] [-s SITE] [-i ROLE=IFNAME ...]
 *
 * Everything is read, parsed and compiled before anything is written, so
 * a refused input leaves every output file as it was.  Each output file
 * is replaced atomically: written to a temporary file beside it, synced,
 * renamed over it, and the folder synced.  tg-firewall(8) runs it at boot
 * and after each change of the site file; the build runs it for the
 * checked-in goldens (policy/compiled/).
 */
#include "netpolicy/netpolicy.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "fileio.h"
#include "log.h"

#define DEFAULT_POLICY "/etc/timegate/network.policy"

static char file_buf[TG_CONF_FILE_MAX + 1];
static char out_buf[2][NP_OUT_MAX];
static struct np_policy policy;

static void usage(FILE *f)
{
	fprintf(f, "usage: tg-netpolicy [-p POLICY] [-s SITE] -i ROLE=IFNAME [-i ...] "
	           "[-4 OUT4] [-6 OUT6]\n"
	           "       tg-netpolicy -n [-p POLICY] [-s SITE] [-i ROLE=IFNAME ...]\n"
	           "  -p POLICY  the policy (default " DEFAULT_POLICY ")\n"
	           "  -s SITE    the site's settings (upstream, dns, serve); must exist\n"
	           "  -i R=IF    the interface of role R; one per role of the policy\n"
	           "  -4, -6 OUT write the IPv4, IPv6 rules to OUT ('-': stdout); with\n"
	           "             neither, both go to stdout, IPv4 first\n"
	           "  -n         check only: parse, write nothing\n");
}

/* Read a whole regular file (at most TG_CONF_FILE_MAX bytes) into file_buf. */
static size_t read_file(const char *path)
{
	size_t total = 0;
	struct stat st;
	int fd;

	/* O_NONBLOCK: a FIFO in place of the file must not hang us before fstat */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		tg_fatal("%s: cannot open", path);
	if (fstat(fd, &st) < 0)
		tg_fatal("%s: fstat", path);
	if (!S_ISREG(st.st_mode))
		tg_fatalx(TG_EXIT_SYS, "%s: not a regular file", path);
	/* one byte more than allowed tells "exactly the limit" from "too large" */
	while (total < sizeof(file_buf)) {
		ssize_t r = read(fd, file_buf + total, sizeof(file_buf) - total);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			tg_fatal("%s: read", path);
		}
		if (r == 0)
			break;
		total += (size_t)r;
	}
	close(fd);
	if (total > TG_CONF_FILE_MAX)
		tg_fatalx(TG_EXIT_USAGE, "%s: larger than %d bytes", path, TG_CONF_FILE_MAX);
	return total;
}


/* An output file: written to tmp beside path, then renamed over it. */
struct output {
	const char *path;
	const char *data;
	size_t len;
	char tmp[PATH_MAX];
	int have_tmp;
};

static void remove_tmps(struct output *o, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (o[i].have_tmp) {
			unlink(o[i].tmp);
			o[i].have_tmp = 0;
		}
}

/* Write the data to a new temporary file in the folder of o->path and sync it. */
static int write_tmp(struct output *o)
{
	int fd, e;

	if (snprintf(o->tmp, sizeof(o->tmp), "%s.XXXXXX", o->path) >= (int)sizeof(o->tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = mkstemp(o->tmp);
	if (fd < 0)
		return -1;
	o->have_tmp = 1;
	if (fchmod(fd, 0644) < 0 || tg_write_all(fd, o->data, o->len) < 0 || fsync(fd) < 0) {
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return close(fd);
}

/* fsync the folder holding path, so the rename is on disk */
static void sync_dir(const char *path)
{
	if (tg_fsync_parent(path) < 0)
		tg_warn("%s: fsync of its folder: %s", path, strerror(errno));
}

int main(int argc, char **argv)
{
	const char *policy_path = DEFAULT_POLICY, *site_path = NULL;
	const char *out_path[2] = {NULL, NULL};
	char err[TG_CONF_ERR_MAX];
	struct np_ifmap ifmap;
	struct output outs[2];
	int check_only = 0, nouts = 0, len[2] = {0, 0};
	int c, f;
	size_t n;

	tg_log_init("tg-netpolicy", "main");
	memset(&ifmap, 0, sizeof(ifmap));
	while ((c = getopt(argc, argv, "p:s:i:4:6:nh")) != -1) {
		switch (c) {
		case 'p':
			policy_path = optarg;
			break;
		case 's':
			site_path = optarg;
			break;
		case 'i':
			if (np_ifmap_add(&ifmap, optarg, err, sizeof(err)) < 0) {
				tg_err("%s", err);
				usage(stderr);
				return TG_EXIT_USAGE;
			}
			break;
		case '4':
			out_path[0] = optarg;
			break;
		case '6':
			out_path[1] = optarg;
			break;
		case 'n':
			check_only = 1;
			break;
		case 'h':
			usage(stdout);
			return TG_EXIT_OK;
		default:
			usage(stderr);
			return TG_EXIT_USAGE;
		}
	}
	if (optind != argc) {
		tg_err("unexpected argument '%s'", argv[optind]);
		usage(stderr);
		return TG_EXIT_USAGE;
	}
	if (check_only && (out_path[0] || out_path[1])) {
		tg_err("-n writes nothing: no -4 or -6 with it");
		usage(stderr);
		return TG_EXIT_USAGE;
	}
	if (!out_path[0] && !out_path[1])
		out_path[0] = out_path[1] = "-";
	if (!*policy_path || (site_path && !*site_path) || (out_path[0] && !*out_path[0]) ||
	    (out_path[1] && !*out_path[1])) {
		tg_err("empty file name");
		usage(stderr);
		return TG_EXIT_USAGE;
	}
	if (out_path[0] && out_path[1] && strcmp(out_path[0], "-") != 0 &&
	    strcmp(out_path[0], out_path[1]) == 0)
		tg_fatalx(TG_EXIT_USAGE, "-4 and -6 name the same file '%s'", out_path[0]);

	/* read and check everything before anything is written */
	n = read_file(policy_path);
	if (np_policy_parse(&policy, file_buf, n, policy_path, err, sizeof(err)) < 0)
		tg_fatalx(TG_EXIT_USAGE, "%s", err);
	if (site_path) {
		n = read_file(site_path);
		if (np_site_parse(&policy, file_buf, n, site_path, err, sizeof(err)) < 0)
			tg_fatalx(TG_EXIT_USAGE, "%s", err);
	}
	if ((!check_only || ifmap.n) &&
	    np_ifmap_check(&policy, &ifmap, policy_path, err, sizeof(err)) < 0)
		tg_fatalx(TG_EXIT_USAGE, "%s", err);
	if (check_only)
		return TG_EXIT_OK;

	for (f = 0; f < 2; f++) {
		if (!out_path[f])
			continue;
		len[f] = np_emit(&policy, &ifmap, f ? 6 : 4, policy_path, site_path, out_buf[f],
		                 sizeof(out_buf[f]), err, sizeof(err));
		if (len[f] < 0)
			tg_fatalx(TG_EXIT_USAGE, "%s", err);
	}

	/* stdout first (IPv4 then IPv6), then the files: all temporaries, then the renames */
	for (f = 0; f < 2; f++)
		if (out_path[f] && strcmp(out_path[f], "-") == 0 &&
		    tg_write_all(STDOUT_FILENO, out_buf[f], (size_t)len[f]) < 0)
			tg_fatal("writing the IPv%d rules to stdout", f ? 6 : 4);
	memset(outs, 0, sizeof(outs));
	for (f = 0; f < 2; f++) {
		struct output *o;

		if (!out_path[f] || strcmp(out_path[f], "-") == 0)
			continue;
		o = &outs[nouts++];
		o->path = out_path[f];
		o->data = out_buf[f];
		o->len = (size_t)len[f];
		if (write_tmp(o) < 0) {
			int e = errno;
			remove_tmps(outs, nouts);
			errno = e;
			tg_fatal("%s: cannot write a temporary file beside it", o->path);
		}
	}
	for (f = 0; f < nouts; f++) {
		if (rename(outs[f].tmp, outs[f].path) < 0) {
			int e = errno;
			remove_tmps(outs, nouts);
			errno = e;
			tg_fatal("%s: cannot rename %s to it", outs[f].path, outs[f].tmp);
		}
		outs[f].have_tmp = 0;
		sync_dir(outs[f].path);
	}
	return TG_EXIT_OK;
}
