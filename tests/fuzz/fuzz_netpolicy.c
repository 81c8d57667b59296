/*
 * fuzz_netpolicy.c - libFuzzer harness over tg-netpolicy's parsers and
 * emitter.
 *
 * The first input byte chooses what the rest is: even, a policy file
 * (compiled with no site); odd, a site file read against the real
 * policy/network.policy.  What parses is compiled for both families with
 * an interface for every role.  Invariants: no crash or sanitizer report;
 * an error message is terminated and names the file; a parsed policy
 * always compiles into NP_OUT_MAX; the output is lines of printable text,
 * each a comment, a table, a chain, a rule or COMMIT; a buffer too small
 * (its size from the second byte) is refused whole, never truncated.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "netpolicy/netpolicy.h"

#ifndef NP_TOP
#define NP_TOP "."
#endif

static char real_policy[64 * 1024];
static size_t real_len;
static struct np_policy base; /* the real policy, parsed once */
static struct np_policy pol;
static char out[NP_OUT_MAX];
static char small[NP_OUT_MAX];

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *top = getenv("TOP");
	char path[4096], err[TG_CONF_ERR_MAX];
	FILE *f;

	(void)argc;
	(void)argv;
	snprintf(path, sizeof(path), "%s/policy/network.policy", top && *top ? top : NP_TOP);
	f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "fuzz_netpolicy: cannot open %s (set TOP)\n", path);
		abort();
	}
	real_len = fread(real_policy, 1, sizeof(real_policy), f);
	fclose(f);
	if (np_policy_parse(&base, real_policy, real_len, "network.policy", err, sizeof(err)) < 0) {
		fprintf(stderr, "fuzz_netpolicy: %s\n", err);
		abort();
	}
	return 0;
}

static int line_ok(const char *s, size_t n)
{
	static const char *const starts[] = {"# ", "*raw", "*filter", ":", "-A ", NULL};
	size_t i;

	if (n == 6 && memcmp(s, "COMMIT", 6) == 0)
		return 1;
	for (i = 0; starts[i]; i++)
		if (n >= strlen(starts[i]) && memcmp(s, starts[i], strlen(starts[i])) == 0)
			break;
	if (!starts[i])
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f)
			return 0;
	return 1;
}

static void check_output(const char *o, int len)
{
	const char *p = o, *end = o + len;

	if (len <= 0 || (size_t)len != strlen(o) || o[len - 1] != '\n')
		__builtin_trap();
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl || !line_ok(p, (size_t)(nl - p)))
			__builtin_trap();
		p = nl + 1;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[TG_CONF_ERR_MAX], arg[64];
	struct np_ifmap m;
	const char *fname;
	unsigned i;
	size_t cap;
	int fam, rc, n;

	if (size < 2)
		return 0;
	memset(err, 'Z', sizeof(err));
	if (data[0] & 1) {
		fname = "site.conf";
		memcpy(&pol, &base, sizeof(pol));
		rc = np_site_parse(&pol, (const char *)data + 2, size - 2, fname, err, sizeof(err));
	} else {
		fname = "network.policy";
		rc = np_policy_parse(&pol, (const char *)data + 2, size - 2, fname, err,
		                     sizeof(err));
	}
	if (!memchr(err, '\0', sizeof(err)))
		__builtin_trap();
	if (rc != 0) {
		if (rc != -1 || strncmp(err, fname, strlen(fname)) != 0)
			__builtin_trap();
		return 0;
	}
	if (err[0] != '\0')
		__builtin_trap();
	if (pol.nroles > NP_ROLES_MAX || pol.nallow > NP_ALLOWS_MAX ||
	    pol.noutbound > NP_OUTBOUND_MAX || pol.nserve > NP_SERVES_MAX ||
	    pol.naddr[0] > NP_ADDRS_MAX || pol.naddr[1] > NP_ADDRS_MAX)
		__builtin_trap();

	memset(&m, 0, sizeof(m));
	for (i = 0; i < pol.nroles; i++) {
		snprintf(arg, sizeof(arg), "%s=eth%u", pol.role[i], i);
		if (np_ifmap_add(&m, arg, err, sizeof(err)) < 0)
			__builtin_trap();
	}
	if (np_ifmap_check(&pol, &m, fname, err, sizeof(err)) < 0)
		__builtin_trap();

	for (fam = 4; fam <= 6; fam += 2) {
		n = np_emit(&pol, &m, fam, "network.policy", (data[0] & 1) ? "site.conf" : NULL,
		            out, sizeof(out), err, sizeof(err));
		if (n < 0)
			__builtin_trap(); /* NP_OUT_MAX holds every policy the limits allow */
		check_output(out, n);
		/* a smaller buffer: refused whole, or (if it fits) the same bytes */
		cap = (size_t)data[1] * (size_t)n / 255;
		memset(small, 'x', cap + 1);
		rc = np_emit(&pol, &m, fam, "network.policy", (data[0] & 1) ? "site.conf" : NULL,
		             small, cap, err, sizeof(err));
		if (rc == -1) {
			if ((cap && small[0] != '\0') || small[cap] != 'x' || (size_t)n < cap)
				__builtin_trap();
		} else if (rc != n || memcmp(small, out, (size_t)n + 1) != 0) {
			__builtin_trap();
		}
	}
	return 0;
}
