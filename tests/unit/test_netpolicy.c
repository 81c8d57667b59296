/*
 * test_netpolicy.c - tg-netpolicy's pure parts: the real policy and the
 * example site file parse into what they say; the compiled rules have the
 * security-relevant order; every refusal names the line and what was
 * expected; output that does not fit is refused whole; the largest policy
 * the limits allow fits NP_OUT_MAX.
 *
 * The policy and site example are read from the repository ($TOP, set by
 * tests/run.sh, else the checkout this was built from), so the test
 * follows the real files.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "conf.h"
#include "netpolicy/netpolicy.h"

#ifndef NP_TOP
#define NP_TOP "."
#endif

static char policy_text[64 * 1024];
static size_t policy_len;
static char site_text[16 * 1024];
static size_t site_len;
static char out[NP_OUT_MAX];
static char out6[NP_OUT_MAX];
static struct np_policy pol;

static size_t read_repo_file(const char *rel, char *buf, size_t cap)
{
	const char *top = getenv("TOP");
	char path[4096];
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", top && *top ? top : NP_TOP, rel);
	f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "  cannot open %s (set TOP to the repository)\n", path);
		exit(2);
	}
	n = fread(buf, 1, cap - 1, f);
	fclose(f);
	buf[n] = '\0';
	return n;
}

static void ifmap_std(struct np_ifmap *m)
{
	char err[256];

	memset(m, 0, sizeof(*m));
	CHECK_EQ_INT(np_ifmap_add(m, "time=eth0", err, sizeof(err)), 0);
	CHECK_EQ_INT(np_ifmap_add(m, "mgmt=eth1", err, sizeof(err)), 0);
}

/* The line number (1-based) of the first line equal to s at or after line `from`, or 0. */
static int line_of(const char *text, const char *s, int from)
{
	const char *p = text;
	size_t n = strlen(s);
	int line = 1;

	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		if (line >= from && len == n && memcmp(p, s, n) == 0)
			return line;
		if (!nl)
			break;
		p = nl + 1;
		line++;
	}
	return 0;
}

static int count_str(const char *text, const char *s)
{
	int n = 0;

	for (const char *p = strstr(text, s); p; p = strstr(p + 1, s))
		n++;
	return n;
}

/* ---------------------------------------------------------------- the real policy */

static void test_real_policy(void)
{
	char err[256] = "";
	const struct np_allow *a;

	CHECK_EQ_INT(
	    np_policy_parse(&pol, policy_text, policy_len, "network.policy", err, sizeof(err)), 0);
	CHECK_EQ_STR(err, "");
	CHECK_EQ_INT(pol.nroles, 2);
	CHECK_EQ_STR(pol.role[0], "time");
	CHECK_EQ_STR(pol.role[1], "mgmt");
	CHECK_EQ_INT(pol.nallow, 3);
	a = &pol.allow[0];
	CHECK_EQ_STR(a->name, "ntp");
	CHECK(a->role == 0 && a->proto == NP_UDP && a->port == 123);
	CHECK(a->lim.rate == 32 && a->lim.burst == 64);
	CHECK(a->lim.conn_per_source == 0 && a->lim.conn_total == 0);
	a = &pol.allow[1];
	CHECK_EQ_STR(a->name, "nts-ke");
	CHECK(a->role == 0 && a->proto == NP_TCP && a->port == 4460);
	CHECK(a->lim.rate == 4 && a->lim.burst == 16);
	CHECK(a->lim.conn_per_source == 8 && a->lim.conn_total == 256);
	a = &pol.allow[2];
	CHECK_EQ_STR(a->name, "console");
	CHECK(a->role == 1 && a->proto == NP_TCP && a->port == 443);
	CHECK(a->lim.rate == 4 && a->lim.burst == 32);
	CHECK(a->lim.conn_per_source == 8 && a->lim.conn_total == 32);
	CHECK_EQ_INT(pol.noutbound, 4);
	CHECK(pol.outbound[0].list == NP_LIST_UPSTREAM && pol.outbound[0].proto == NP_UDP &&
	      pol.outbound[0].port == 123);
	CHECK(pol.outbound[1].list == NP_LIST_UPSTREAM && pol.outbound[1].proto == NP_TCP &&
	      pol.outbound[1].port == 4460);
	CHECK(pol.outbound[2].list == NP_LIST_DNS && pol.outbound[2].proto == NP_UDP &&
	      pol.outbound[2].port == 53);
	CHECK(pol.outbound[3].list == NP_LIST_DNS && pol.outbound[3].proto == NP_TCP &&
	      pol.outbound[3].port == 53);
	CHECK(pol.ping && pol.ping_lim.rate == 2 && pol.ping_lim.burst == 5);
	CHECK_EQ_INT(pol.naddr[0] + pol.naddr[1] + pol.nserve, 0);
	CHECK_EQ_INT(np_nservices(&pol), 3);
}

/* the order that makes the rule set safe, in both families */
static void check_order(const char *t, int family)
{
	int raw = line_of(t, "*raw", 1), filter = line_of(t, "*filter", 1);
	int invalid = line_of(t, "-A INPUT -m conntrack --ctstate INVALID -j DROP", 1);
	int est = line_of(t, "-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT", 1);
	int lo = line_of(t, "-A INPUT -i lo -j ACCEPT", 1);
	int jt = line_of(t, "-A INPUT -i eth0 -j in-time", 1);
	int jm = line_of(t, "-A INPUT -i eth1 -j in-mgmt", 1);
	int oinv = line_of(t, "-A OUTPUT -m conntrack --ctstate INVALID -j DROP", 1);
	int oest = line_of(t, "-A OUTPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT", 1);
	int ontp = line_of(t,
	                   "-A OUTPUT -o eth0 -p udp -m udp --sport 123 -m conntrack --ctstate "
	                   "UNTRACKED -j ACCEPT",
	                   1);
	int olog = line_of(t,
	                   "-A OUTPUT -m limit --limit 6/min --limit-burst 10 -j LOG --log-prefix "
	                   "\"tg-fw out denied: \" --log-uid",
	                   1);
	const char *v6 = family == 6 ? " --hashlimit-srcmask 64" : "";
	char drop[512], accept[256];
	int ld, la;

	CHECK(raw > 0 && filter > raw);
	CHECK_EQ_INT(count_str(t, "\nCOMMIT\n"), 2);
	CHECK(line_of(t, "COMMIT", raw) < filter);
	CHECK(line_of(t, ":INPUT DROP [0:0]", 1) > filter);
	CHECK(line_of(t, ":FORWARD DROP [0:0]", 1) > filter);
	CHECK(line_of(t, ":OUTPUT DROP [0:0]", 1) > filter);
	CHECK(line_of(t, "-A PREROUTING -i eth0 -p udp -m udp --dport 123 -j CT --notrack", 1) >
	      raw);
	CHECK(line_of(t, "-A OUTPUT -o eth0 -p udp -m udp --sport 123 -j CT --notrack", 1) > raw);
	CHECK(lo > filter && invalid > lo && est > invalid && jt > est && jm > jt);
	CHECK(oinv > 0 && oest > oinv && ontp > oest && olog > ontp);
	/* no FORWARD rule: the policy drops everything */
	CHECK(strstr(t, "-A FORWARD") == NULL);

	snprintf(drop, sizeof(drop),
	         "-A in-time -p udp -m udp --dport 123 -m hashlimit --hashlimit-above 32/sec "
	         "--hashlimit-burst 64 --hashlimit-mode srcip --hashlimit-name ntp-time%s -j DROP",
	         v6);
	ld = line_of(t, drop, 1);
	la = line_of(t,
	             "-A in-time -p udp -m udp --dport 123 -m conntrack --ctstate UNTRACKED -m "
	             "comment --comment ntp -j ACCEPT",
	             1);
	CHECK(ld > 0 && la > ld);
	snprintf(
	    drop, sizeof(drop),
	    "-A in-mgmt -p tcp -m tcp --dport 443 --tcp-flags FIN,SYN,RST,ACK SYN -m "
	    "conntrack --ctstate NEW -m hashlimit --hashlimit-above 4/sec --hashlimit-burst 32 "
	    "--hashlimit-mode srcip --hashlimit-name console-mgmt%s -j DROP",
	    v6);
	ld = line_of(t, drop, 1);
	snprintf(drop, sizeof(drop),
	         "-A in-mgmt -p tcp -m tcp --dport 443 --tcp-flags FIN,SYN,RST,ACK SYN -m "
	         "conntrack --ctstate NEW -m connlimit --connlimit-above 8 --connlimit-mask %d "
	         "--connlimit-saddr -j REJECT --reject-with tcp-reset",
	         family == 6 ? 64 : 32);
	la = line_of(t, drop, 1);
	CHECK(ld > 0 && la > ld);
	ld = la;
	la = line_of(t,
	             "-A in-mgmt -p tcp -m tcp --dport 443 --tcp-flags FIN,SYN,RST,ACK SYN -m "
	             "conntrack --ctstate NEW -m connlimit --connlimit-above 32 --connlimit-mask 0 "
	             "--connlimit-saddr -j REJECT --reject-with tcp-reset",
	             1);
	CHECK(la > ld);
	ld = la;
	la = line_of(t,
	             "-A in-mgmt -p tcp -m tcp --dport 443 --tcp-flags FIN,SYN,RST,ACK SYN -m "
	             "conntrack --ctstate NEW -m comment --comment console -j ACCEPT",
	             1);
	CHECK(la > ld);
	/* ping first in each role chain: limit, then accept */
	snprintf(accept, sizeof(accept), "-A in-time %s -m conntrack --ctstate UNTRACKED -j ACCEPT",
	         family == 6 ? "-p ipv6-icmp -m icmp6 --icmpv6-type 128"
	                     : "-p icmp -m icmp --icmp-type 8");
	snprintf(drop, sizeof(drop),
	         "-A in-time %s -m hashlimit --hashlimit-above 2/sec --hashlimit-burst 5 "
	         "--hashlimit-mode srcip --hashlimit-name ping-time%s -j DROP",
	         family == 6 ? "-p ipv6-icmp -m icmp6 --icmpv6-type 128"
	                     : "-p icmp -m icmp --icmp-type 8",
	         v6);
	ld = line_of(t, drop, 1);
	CHECK(ld > 0 && line_of(t, accept, 1) == ld + 1);
	CHECK(ld < line_of(t,
	                   "-A in-time -p udp -m udp --dport 123 -m conntrack --ctstate "
	                   "UNTRACKED -m comment --comment ntp -j ACCEPT",
	                   1));
	/*
	 * echo requests and replies are not tracked either: tracked, a ping's
	 * requests after the first would be ESTABLISHED, accepted before the limit
	 */
	snprintf(drop, sizeof(drop), "-A PREROUTING -i eth1 %s -j CT --notrack",
	         family == 6 ? "-p ipv6-icmp -m icmp6 --icmpv6-type 128"
	                     : "-p icmp -m icmp --icmp-type 8");
	ld = line_of(t, drop, 1);
	CHECK(ld > raw && ld < filter);
	snprintf(drop, sizeof(drop), "-A OUTPUT -o eth0 %s -j CT --notrack",
	         family == 6 ? "-p ipv6-icmp -m icmp6 --icmpv6-type 129"
	                     : "-p icmp -m icmp --icmp-type 0");
	ld = line_of(t, drop, 1);
	CHECK(ld > raw && ld < filter);
	snprintf(drop, sizeof(drop),
	         "-A OUTPUT -o eth1 %s -m conntrack --ctstate UNTRACKED -j ACCEPT",
	         family == 6 ? "-p ipv6-icmp -m icmp6 --icmpv6-type 129"
	                     : "-p icmp -m icmp --icmp-type 0");
	ld = line_of(t, drop, 1);
	CHECK(ld > oest && ld < olog);
	/* chains: user chains sorted by name, after the built-in ones */
	CHECK(line_of(t, ":in-mgmt - [0:0]", 1) > line_of(t, ":OUTPUT DROP [0:0]", 1));
	CHECK(line_of(t, ":in-time - [0:0]", 1) == line_of(t, ":in-mgmt - [0:0]", 1) + 1);
	CHECK(line_of(t,
	              "-A in-mgmt -p tcp -m tcp --dport 443 --tcp-flags FIN,SYN,RST,ACK SYN -m "
	              "conntrack --ctstate NEW -m comment --comment console -j ACCEPT",
	              1) < line_of(t, accept, 1));
}

static void test_compile_real(void)
{
	struct np_ifmap m;
	char err[256] = "";
	int n4, n6, nd135, nd136, nd134, mld, invalid;

	CHECK_EQ_INT(
	    np_policy_parse(&pol, policy_text, policy_len, "network.policy", err, sizeof(err)), 0);
	ifmap_std(&m);
	CHECK_EQ_INT(np_ifmap_check(&pol, &m, "network.policy", err, sizeof(err)), 0);
	n4 =
	    np_emit(&pol, &m, 4, "policy/network.policy", NULL, out, sizeof(out), err, sizeof(err));
	n6 = np_emit(&pol, &m, 6, "policy/network.policy", NULL, out6, sizeof(out6), err,
	             sizeof(err));
	CHECK(n4 > 0 && (size_t)n4 == strlen(out));
	CHECK(n6 > 0 && (size_t)n6 == strlen(out6));
	CHECK_EQ_INT(line_of(out,
	                     "# Generated by tg-netpolicy from policy/network.policy; do not "
	                     "edit.",
	                     1),
	             1);
	CHECK_EQ_INT(line_of(out, "# Interfaces: time=eth0 mgmt=eth1", 1), 2);
	check_order(out, 4);
	check_order(out6, 6);
	/* IPv4 has no ICMPv6, IPv6 no ICMP */
	CHECK(strstr(out, "icmp6") == NULL && strstr(out6, "-p icmp ") == NULL);
	/* neighbour discovery accepted before the INVALID drop (it is never tracked) */
	invalid = line_of(out6, "-A INPUT -m conntrack --ctstate INVALID -j DROP", 1);
	nd135 = line_of(out6,
	                "-A INPUT -p ipv6-icmp -m icmp6 --icmpv6-type 135 -m hl --hl-eq 255 -j "
	                "ACCEPT",
	                1);
	nd136 = line_of(out6,
	                "-A INPUT -p ipv6-icmp -m icmp6 --icmpv6-type 136 -m hl --hl-eq 255 -j "
	                "ACCEPT",
	                1);
	nd134 = line_of(out6,
	                "-A INPUT -p ipv6-icmp -m icmp6 --icmpv6-type 134 -m hl --hl-eq 255 -j "
	                "ACCEPT",
	                1);
	mld = line_of(out6,
	              "-A INPUT -s fe80::/10 -p ipv6-icmp -m icmp6 --icmpv6-type 130 -m hl --hl-eq "
	              "1 -j ACCEPT",
	              1);
	CHECK(nd135 > 0 && nd136 > nd135 && nd134 > nd136 && mld > nd134 && invalid > mld);
	invalid = line_of(out6, "-A OUTPUT -m conntrack --ctstate INVALID -j DROP", 1);
	CHECK(line_of(out6,
	              "-A OUTPUT -p ipv6-icmp -m icmp6 --icmpv6-type 133 -m hl --hl-eq 255 -j "
	              "ACCEPT",
	              1) < invalid);
	CHECK(line_of(out6, "-A OUTPUT -p ipv6-icmp -m icmp6 --icmpv6-type 143 -j ACCEPT", 1) <
	      invalid);
	/* no site: no outbound flow at all */
	CHECK(strstr(out, "outbound") == NULL && strstr(out6, "outbound") == NULL);
	/* the same input gives the same bytes */
	CHECK_EQ_INT(
	    np_emit(&pol, &m, 6, "policy/network.policy", NULL, out, sizeof(out), err, sizeof(err)),
	    n6);
	CHECK(memcmp(out, out6, (size_t)n6 + 1) == 0);
}

static void test_site_example(void)
{
	struct np_ifmap m;
	char err[256] = "";

	CHECK_EQ_INT(
	    np_policy_parse(&pol, policy_text, policy_len, "network.policy", err, sizeof(err)), 0);
	CHECK_EQ_INT(
	    np_site_parse(&pol, site_text, site_len, "site.conf.example", err, sizeof(err)), 0);
	CHECK_EQ_STR(err, "");
	CHECK_EQ_INT(pol.naddr[NP_LIST_UPSTREAM], 3);
	CHECK_EQ_INT(pol.naddr[NP_LIST_DNS], 2);
	CHECK_EQ_INT(pol.nserve, 1);
	CHECK_EQ_INT(np_nservices(&pol), 4);
	ifmap_std(&m);
	CHECK(np_emit(&pol, &m, 4, "p", "s", out, sizeof(out), err, sizeof(err)) > 0);
	CHECK(np_emit(&pol, &m, 6, "p", "s", out6, sizeof(out6), err, sizeof(err)) > 0);
	CHECK_EQ_INT(line_of(out, "# Generated by tg-netpolicy from p and s; do not edit.", 1), 1);
	/* each family gets its own addresses only */
	CHECK(line_of(out,
	              "-A OUTPUT -d 192.0.2.10/32 -p udp -m udp --dport 123 -m conntrack --ctstate "
	              "NEW -m comment --comment \"outbound upstream\" -j ACCEPT",
	              1) > 0);
	CHECK(line_of(out,
	              "-A OUTPUT -d 192.0.2.11/32 -p tcp -m tcp --dport 4460 --tcp-flags "
	              "FIN,SYN,RST,ACK SYN -m conntrack --ctstate NEW -m comment --comment "
	              "\"outbound upstream\" -j ACCEPT",
	              1) > 0);
	CHECK(line_of(out,
	              "-A OUTPUT -d 198.51.100.53/32 -p tcp -m tcp --dport 53 --tcp-flags "
	              "FIN,SYN,RST,ACK SYN -m conntrack --ctstate NEW -m comment --comment "
	              "\"outbound dns\" -j ACCEPT",
	              1) > 0);
	CHECK(strstr(out, "2001:db8") == NULL);
	CHECK(line_of(out6,
	              "-A OUTPUT -d 2001:db8:100::123/128 -p udp -m udp --dport 123 -m conntrack "
	              "--ctstate NEW -m comment --comment \"outbound upstream\" -j ACCEPT",
	              1) > 0);
	CHECK(line_of(out6,
	              "-A OUTPUT -d 2001:db8:53::53/128 -p udp -m udp --dport 53 -m conntrack "
	              "--ctstate NEW -m comment --comment \"outbound dns\" -j ACCEPT",
	              1) > 0);
	CHECK(strstr(out6, "192.0.2.") == NULL && strstr(out6, "198.51.100.") == NULL);
	/* outbound accepts come after ESTABLISHED and before the log */
	CHECK(line_of(out, "-A OUTPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT", 1) <
	      line_of(out,
	              "-A OUTPUT -d 192.0.2.10/32 -p udp -m udp --dport 123 -m conntrack --ctstate "
	              "NEW -m comment --comment \"outbound upstream\" -j ACCEPT",
	              1));
	/* serve ntp mgmt: the same limits, its own hashlimit, untracked on eth1 */
	CHECK(
	    line_of(out,
	            "-A in-mgmt -p udp -m udp --dport 123 -m hashlimit --hashlimit-above 32/sec "
	            "--hashlimit-burst 64 --hashlimit-mode srcip --hashlimit-name ntp-mgmt -j DROP",
	            1) > 0);
	CHECK(line_of(out, "-A PREROUTING -i eth1 -p udp -m udp --dport 123 -j CT --notrack", 1) >
	      0);
	CHECK(line_of(out,
	              "-A OUTPUT -o eth1 -p udp -m udp --sport 123 -m conntrack --ctstate "
	              "UNTRACKED -j ACCEPT",
	              1) > 0);
}

/* ---------------------------------------------------------------- refusals */

struct bad_case {
	const char *policy; /* NULL: the real one */
	const char *site;   /* NULL: none */
	const char *want;   /* the whole message */
};

static const struct bad_case bad_cases[] = {
    {"role time\n\nallwo time udp 123 ntp\n", NULL,
     "p:3: unknown keyword 'allwo' (expected one of: role, allow, outbound, ping)"},
    {"role time\nallow time udp 0 ntp\n", NULL,
     "p:2: port: expected an integer from 1 to 65535, got '0'"},
    {"role time\nallow time udp 65536 ntp\n", NULL,
     "p:2: port: expected an integer from 1 to 65535, got '65536'"},
    {"role time\nallow time sctp 1 x\n", NULL,
     "p:2: protocol: expected one of: udp, tcp; got 'sctp'"},
    {"role time\nallow time udp 123 ntp rate=32 burst=64\n", NULL,
     "p:2: rate= expects N/s (per second, N from 1 to 100000), got '32'"},
    {"role time\nallow time udp 123 ntp rate=32/m burst=64\n", NULL,
     "p:2: rate= expects N/s (per second, N from 1 to 100000), got '32/m'"},
    {"role time\nallow time udp 123 ntp rate=0/s burst=64\n", NULL,
     "p:2: rate= expects N/s (per second, N from 1 to 100000), got '0/s'"},
    {"role time\nallow time udp 123 ntp rate=100001/s burst=64\n", NULL,
     "p:2: rate= expects N/s (per second, N from 1 to 100000), got '100001/s'"},
    {"role time\nallow time udp 123 ntp rate=1/s burst=100001\n", NULL,
     "p:2: burst: expected an integer from 1 to 100000, got '100001'"},
    {"role time\nallow time tcp 1 x conn-total=65536\n", NULL,
     "p:2: conn-total: expected an integer from 1 to 65535, got '65536'"},
    {"role time\nallow time tcp 1 x conn-per-source=0\n", NULL,
     "p:2: conn-per-source: expected an integer from 1 to 65535, got '0'"},
    {"role time\nallow time udp 123 ntp conn-per-source=8\n", NULL,
     "p:2: conn-per-source= is for tcp services only (ntp is udp: no connections)"},
    {"role time\nallow time tcp 443 web rate=4/s\n", NULL, "p:2: rate= without burst= (give both)"},
    {"role time\nallow time tcp 443 web burst=4\n", NULL, "p:2: burst= without rate= (give both)"},
    {"role time\nallow time tcp 443 web rate=1/s rate=2/s burst=1\n", NULL,
     "p:2: rate= given twice"},
    {"role time\nallow time tcp 443 web limit=3\n", NULL,
     "p:2: unknown option 'limit=3' (expected rate=N/s, burst=N, conn-per-source=N, "
     "conn-total=N)"},
    {"role time\nallow time tcp 443 web fast\n", NULL,
     "p:2: unknown option 'fast' (expected rate=N/s, burst=N, conn-per-source=N, "
     "conn-total=N)"},
    {"role time\nrole time\n", NULL, "p:2: role 'time' declared twice"},
    {"role time-net\n", NULL,
     "p:1: role expects a name of 1 to 15 characters, [a-z][a-z0-9_]*, got 'time-net'"},
    {"role abcdefghijklmnop\n", NULL,
     "p:1: role expects a name of 1 to 15 characters, [a-z][a-z0-9_]*, got "
     "'abcdefghijklmnop'"},
    {"role a\nrole b\nrole c\nrole d\nrole e\nrole f\nrole g\nrole h\nrole i\n", NULL,
     "p:9: too many roles (at most 8)"},
    {"role time\nallow mgmt tcp 443 web\n", NULL, "p:2: unknown role 'mgmt' (declared: time)"},
    {"allow time tcp 443 web\nrole time\n", NULL, "p:1: unknown role 'time' (declared: none)"},
    {"role time\nallow time udp 123 ntp\nallow time tcp 123 ntp\n", NULL,
     "p:3: service 'ntp' declared twice"},
    {"role time\nallow time udp 123 ntp\nallow time udp 123 ntp2\n", NULL,
     "p:3: udp 123 on role time is already allowed (service ntp)"},
    {"role time\nallow time udp 123 ping\n", NULL,
     "p:2: service name 'ping' is reserved (the ping line's rules use it)"},
    {"role time\nallow time udp 123 NTP\n", NULL,
     "p:2: service name expects 1 to 31 characters, [a-z][a-z0-9_-]*, got 'NTP'"},
    {"outbound ntp udp 123\n", NULL,
     "p:1: outbound list: expected one of: upstream, dns; got 'ntp'"},
    {"outbound dns udp 53\noutbound dns udp 53\n", NULL, "p:2: outbound dns udp 53 given twice"},
    {"outbound dns udp 53 extra\n", NULL, "p:1: 'outbound' expects 3 arguments, got 4"},
    {"ping\nping\n", NULL, "p:2: 'ping' given twice (first on line 1)"},
    {"ping conn-total=3\n", NULL, "p:1: conn-total= is not valid for ping (only rate= and burst=)"},
    {"ping rate=2/s\n", NULL, "p:1: rate= without burst= (give both)"},
    {"ping every=1\n", NULL, "p:1: unknown option 'every=1' for ping (expected rate=N/s burst=N)"},
    {NULL, "serve ssh mgmt\n",
     "s:1: serve: unknown service 'ssh' (the policy's allow lines name: ntp, nts-ke, console)"},
    {NULL, "serve ntp lab\n", "s:1: serve: unknown role 'lab' (declared: time, mgmt)"},
    {NULL, "serve ntp time\n", "s:1: serve: ntp is already offered on role time"},
    {NULL, "serve ntp mgmt\nserve ntp mgmt\n", "s:2: serve: ntp is already offered on role mgmt"},
    {"role a\nrole b\nallow a tcp 443 web\nallow b tcp 443 console\n", "serve web b\n",
     "s:1: serve: tcp 443 on role b is already allowed (service console)"},
    {NULL, "upstream 192.0.2.300\n",
     "s:1: expected an IPv4 or IPv6 address with an optional /prefix, got '192.0.2.300'"},
    {NULL, "upstream ntp.example.org\n",
     "s:1: expected an IPv4 or IPv6 address with an optional /prefix, got 'ntp.example.org'"},
    {NULL, "dns 2001:db8::1::2\n",
     "s:1: expected an IPv4 or IPv6 address with an optional /prefix, got '2001:db8::1::2'"},
    {NULL, "dns fe80::1%eth0\n",
     "s:1: expected an IPv4 or IPv6 address with an optional /prefix, got 'fe80::1%eth0'"},
    {NULL, "dns /24\n",
     "s:1: expected an IPv4 or IPv6 address with an optional /prefix, got '/24'"},
    {NULL, "dns 192.0.2.0/33\n", "s:1: '192.0.2.0/33': the prefix length must be 0 to 32"},
    {NULL, "dns 2001:db8::/129\n", "s:1: '2001:db8::/129': the prefix length must be 0 to 128"},
    {NULL, "dns 192.0.2.0/\n", "s:1: '192.0.2.0/': the prefix length must be 0 to 32"},
    {NULL, "dns 192.0.2.0/024\n", "s:1: '192.0.2.0/024': the prefix length must be 0 to 32"},
    {NULL, "upstream 192.0.2.1/24\n",
     "s:1: '192.0.2.1/24' has host bits set beyond /24 (the network is 192.0.2.0/24)"},
    {NULL, "upstream 2001:db8::1/64\n",
     "s:1: '2001:db8::1/64' has host bits set beyond /64 (the network is 2001:db8::/64)"},
    {NULL, "upstream ::ffff:192.0.2.1\n",
     "s:1: '::ffff:192.0.2.1' is an IPv4-mapped address: write the IPv4 address"},
    {NULL, "upstream 192.0.2.1\nupstream 192.0.2.1/32\n", "s:2: upstream 192.0.2.1/32 given twice"},
    {NULL, "dns 2001:DB8::53\ndns 2001:db8:0::53\n", "s:2: dns 2001:db8::53/128 given twice"},
    {NULL, "upstream 192.0.2.1 192.0.2.2\n", "s:1: 'upstream' expects 1 argument, got 2"},
    {NULL, "role x\n", "s:1: unknown keyword 'role' (expected one of: upstream, dns, serve)"},
};

static void test_refusals(void)
{
	size_t i;

	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *c = &bad_cases[i];
		char err[TG_CONF_ERR_MAX];
		int rc;

		memset(err, 0, sizeof(err));
		if (c->policy)
			rc = np_policy_parse(&pol, c->policy, strlen(c->policy), "p", err,
			                     sizeof(err));
		else
			rc = np_policy_parse(&pol, policy_text, policy_len, "p", err, sizeof(err));
		if (c->site) {
			CHECK_EQ_INT(rc, 0);
			rc = np_site_parse(&pol, c->site, strlen(c->site), "s", err, sizeof(err));
		}
		CHECK_EQ_INT(rc, -1);
		CHECK_EQ_STR(err, c->want);
	}
}

/* every limit is refused one past it, with the limit named */
static void test_limits(void)
{
	static char buf[8192];
	char err[256];
	size_t o;
	int i;

	o = (size_t)snprintf(buf, sizeof(buf), "role r\n");
	for (i = 0; i < NP_ALLOWS_MAX + 1; i++)
		o +=
		    (size_t)snprintf(buf + o, sizeof(buf) - o, "allow r tcp %d s%d\n", 1000 + i, i);
	CHECK_EQ_INT(np_policy_parse(&pol, buf, o, "p", err, sizeof(err)), -1);
	CHECK_EQ_STR(err, "p:18: too many allow lines (at most 16)");

	o = 0;
	for (i = 0; i < NP_OUTBOUND_MAX + 1; i++)
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, "outbound dns udp %d\n", 1 + i);
	CHECK_EQ_INT(np_policy_parse(&pol, buf, o, "p", err, sizeof(err)), -1);
	CHECK_EQ_STR(err, "p:17: too many outbound lines (at most 16)");

	CHECK_EQ_INT(np_policy_parse(&pol, policy_text, policy_len, "p", err, sizeof(err)), 0);
	o = 0;
	for (i = 0; i < NP_ADDRS_MAX + 1; i++)
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s 2001:db8::%x\n",
		                      i % 2 ? "upstream" : "upstream", i + 1);
	CHECK_EQ_INT(np_site_parse(&pol, buf, o, "s", err, sizeof(err)), -1);
	CHECK_EQ_STR(err, "s:17: too many upstream addresses (at most 16)");

	/* 16 upstream and 16 dns are fine together */
	CHECK_EQ_INT(np_policy_parse(&pol, policy_text, policy_len, "p", err, sizeof(err)), 0);
	o = 0;
	for (i = 0; i < NP_ADDRS_MAX; i++)
		o += (size_t)snprintf(buf + o, sizeof(buf) - o,
		                      "upstream 192.0.2.%d\ndns 10.0.0.%d\n", i, i);
	CHECK_EQ_INT(np_site_parse(&pol, buf, o, "s", err, sizeof(err)), 0);

	o = (size_t)snprintf(buf, sizeof(buf), "role a\nrole b\n");
	for (i = 0; i < NP_SERVES_MAX + 1; i++)
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, "allow a udp %d s%d\n", 100 + i, i);
	CHECK_EQ_INT(np_policy_parse(&pol, buf, o, "p", err, sizeof(err)), -1); /* 17 allows */
	o = (size_t)snprintf(buf, sizeof(buf), "role a\nrole b\nrole c\n");
	for (i = 0; i < 9; i++)
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, "allow a udp %d s%d\n", 100 + i, i);
	CHECK_EQ_INT(np_policy_parse(&pol, buf, o, "p", err, sizeof(err)), 0);
	o = 0;
	for (i = 0; i < 9; i++)
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, "serve s%d b\nserve s%d c\n", i, i);
	CHECK_EQ_INT(np_site_parse(&pol, buf, o, "s", err, sizeof(err)), -1);
	CHECK_EQ_STR(err, "s:17: too many serve lines (at most 16)");
}

/* ---------------------------------------------------------------- interfaces */

static void test_ifmap(void)
{
	static const struct {
		const char *arg, *want;
	} bad[] = {
	    {"time", "-i expects ROLE=IFNAME, got 'time'"},
	    {"=eth0", "-i expects ROLE=IFNAME, got '=eth0'"},
	    {"Time=eth0",
	     "-i expects ROLE=IFNAME with a role name [a-z][a-z0-9_]*, got 'Time=eth0'"},
	    {"time=", "-i time=: expected an interface name of 1 to 15 characters [A-Za-z0-9_.-] "
	              "(not starting with '-'), got ''"},
	    {"time=-x", "-i time=: expected an interface name of 1 to 15 characters "
	                "[A-Za-z0-9_.-] (not starting with '-'), got '-x'"},
	    {"time=..", "-i time=: expected an interface name of 1 to 15 characters "
	                "[A-Za-z0-9_.-] (not starting with '-'), got '..'"},
	    {"time=eth 0", "-i time=: expected an interface name of 1 to 15 characters "
	                   "[A-Za-z0-9_.-] (not starting with '-'), got 'eth 0'"},
	    {"time=abcdefghijklmnop", "-i time=: expected an interface name of 1 to 15 characters "
	                              "[A-Za-z0-9_.-] (not starting with '-'), got "
	                              "'abcdefghijklmnop'"},
	    {"time=eth+", "-i time=: expected an interface name of 1 to 15 characters "
	                  "[A-Za-z0-9_.-] (not starting with '-'), got 'eth+'"},
	    {"time=eth0\n-A", "-i time=: expected an interface name of 1 to 15 characters "
	                      "[A-Za-z0-9_.-] (not starting with '-'), got 'eth0\n-A'"},
	};
	struct np_ifmap m;
	char err[256];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&m, 0, sizeof(m));
		CHECK_EQ_INT(np_ifmap_add(&m, bad[i].arg, err, sizeof(err)), -1);
		CHECK_EQ_STR(err, bad[i].want);
	}
	memset(&m, 0, sizeof(m));
	CHECK_EQ_INT(np_ifmap_add(&m, "time=eth0.100", err, sizeof(err)), 0);
	CHECK_EQ_INT(np_ifmap_add(&m, "mgmt=br_lan-2", err, sizeof(err)), 0);
	CHECK_EQ_INT(np_ifmap_add(&m, "time=eth2", err, sizeof(err)), -1);
	CHECK_EQ_STR(err, "-i time given twice (eth0.100 and eth2)");
	CHECK_EQ_STR(np_ifmap_get(&m, "mgmt"), "br_lan-2");
	CHECK(np_ifmap_get(&m, "lab") == NULL);

	CHECK_EQ_INT(np_policy_parse(&pol, policy_text, policy_len, "p", err, sizeof(err)), 0);
	CHECK_EQ_INT(np_ifmap_check(&pol, &m, "network.policy", err, sizeof(err)), 0);
	CHECK_EQ_INT(np_ifmap_add(&m, "lab=eth3", err, sizeof(err)), 0);
	CHECK_EQ_INT(np_ifmap_check(&pol, &m, "network.policy", err, sizeof(err)), -1);
	CHECK_EQ_STR(err, "-i lab=eth3: network.policy has no role 'lab' (declared: time, mgmt)");
	memset(&m, 0, sizeof(m));
	CHECK_EQ_INT(np_ifmap_add(&m, "time=eth0", err, sizeof(err)), 0);
	CHECK_EQ_INT(np_ifmap_check(&pol, &m, "network.policy", err, sizeof(err)), -1);
	CHECK_EQ_STR(err, "no interface for role 'mgmt' of network.policy (give -i mgmt=IFNAME)");
	/* the emitter refuses a role without an interface too */
	CHECK_EQ_INT(np_emit(&pol, &m, 4, "p", NULL, out, sizeof(out), err, sizeof(err)), -1);
	CHECK_EQ_STR(err, "no interface for role 'mgmt'");
	CHECK_EQ_STR(out, "");
}

/* ---------------------------------------------------------------- output limits */

static void test_buffer_too_small(void)
{
	struct np_ifmap m;
	char err[256];
	static char small[NP_OUT_MAX];
	int full, n;
	size_t cap;

	CHECK_EQ_INT(np_policy_parse(&pol, policy_text, policy_len, "p", err, sizeof(err)), 0);
	CHECK_EQ_INT(np_site_parse(&pol, site_text, site_len, "s", err, sizeof(err)), 0);
	ifmap_std(&m);
	full = np_emit(&pol, &m, 6, "p", "s", out, sizeof(out), err, sizeof(err));
	CHECK(full > 0);
	for (cap = 0; cap <= (size_t)full; cap++) {
		memset(small, 'x', sizeof(small));
		err[0] = '\0';
		n = np_emit(&pol, &m, 6, "p", "s", small, cap, err, sizeof(err));
		if (n != -1 || (cap && small[0] != '\0') || !strstr(err, "do not fit")) {
			fprintf(stderr, "  cap %zu: got %d, '%s'\n", cap, n, err);
			CHECK(0);
			break;
		}
		/* nothing written past the buffer given */
		if (small[cap] != 'x') {
			CHECK(0);
			break;
		}
	}
	snprintf(err, sizeof(err), "?");
	n = np_emit(&pol, &m, 6, "p", "s", small, 100, err, sizeof(err));
	CHECK_EQ_INT(n, -1);
	CHECK_EQ_STR(err, "the IPv6 rules do not fit in 100 bytes");
	/* exactly the length and its NUL: fits */
	CHECK_EQ_INT(np_emit(&pol, &m, 6, "p", "s", small, (size_t)full + 1, err, sizeof(err)),
	             full);
	CHECK(memcmp(small, out, (size_t)full + 1) == 0);
	CHECK_EQ_INT(np_emit(&pol, &m, 5, "p", "s", small, sizeof(small), err, sizeof(err)), -1);
}

/* the largest policy and site the limits allow, with the longest names and numbers */
static void test_worst_case_fits(void)
{
	static char pbuf[16384], sbuf[8192];
	struct np_ifmap m;
	char err[256], arg[64];
	size_t po = 0, so = 0;
	int i, n4, n6;

	memset(&m, 0, sizeof(m));
	for (i = 0; i < NP_ROLES_MAX; i++) {
		po += (size_t)snprintf(pbuf + po, sizeof(pbuf) - po, "role rrrrrrrrrrrrrr%d\n", i);
		snprintf(arg, sizeof(arg), "rrrrrrrrrrrrrr%d=iiiiiiiiiiiiii%d", i, i);
		CHECK_EQ_INT(np_ifmap_add(&m, arg, err, sizeof(err)), 0);
	}
	for (i = 0; i < NP_ALLOWS_MAX; i++)
		po += (size_t)snprintf(
		    pbuf + po, sizeof(pbuf) - po,
		    "allow rrrrrrrrrrrrrr%d %s %d sssssssssssssssssssssssssssss%02d "
		    "rate=99999/s burst=100000 %s\n",
		    i % NP_ROLES_MAX, i % 2 ? "udp" : "tcp", 65535 - i, i,
		    i % 2 ? "" : "conn-per-source=65535 conn-total=65535");
	for (i = 0; i < NP_OUTBOUND_MAX; i++)
		po += (size_t)snprintf(pbuf + po, sizeof(pbuf) - po, "outbound %s tcp %d\n",
		                       i % 2 ? "dns" : "upstream", 65535 - i);
	po += (size_t)snprintf(pbuf + po, sizeof(pbuf) - po, "ping rate=99999/s burst=100000\n");
	for (i = 0; i < NP_ADDRS_MAX; i++)
		so += (size_t)snprintf(sbuf + so, sizeof(sbuf) - so,
		                       "upstream ffff:ffff:ffff:ffff:ffff:ffff:ffff:ff%02x\n"
		                       "dns eeee:ffff:ffff:ffff:ffff:ffff:ffff:ff%02x\n",
		                       i, i);
	for (i = 0; i < NP_SERVES_MAX; i++)
		so += (size_t)snprintf(sbuf + so, sizeof(sbuf) - so,
		                       "serve sssssssssssssssssssssssssssss%02d rrrrrrrrrrrrrr%d\n",
		                       i, (i + 1) % NP_ROLES_MAX);
	CHECK_EQ_INT(np_policy_parse(&pol, pbuf, po, "p", err, sizeof(err)), 0);
	CHECK_EQ_STR(err, "");
	CHECK_EQ_INT(np_site_parse(&pol, sbuf, so, "s", err, sizeof(err)), 0);
	CHECK_EQ_STR(err, "");
	n4 = np_emit(&pol, &m, 4, "/etc/timegate/network.policy", "/data/policy/site.conf", out,
	             sizeof(out), err, sizeof(err));
	n6 = np_emit(&pol, &m, 6, "/etc/timegate/network.policy", "/data/policy/site.conf", out,
	             sizeof(out), err, sizeof(err));
	fprintf(stderr, "  largest policy: %d bytes IPv4, %d bytes IPv6 (NP_OUT_MAX %d)\n", n4, n6,
	        NP_OUT_MAX);
	CHECK(n4 > 0 && n6 > 0);
	/* with room to spare for longer paths in the header */
	CHECK(n6 < NP_OUT_MAX / 2);
	CHECK_EQ_INT(count_str(out, "\n-A OUTPUT -d ffff:"), NP_OUTBOUND_MAX / 2 * NP_ADDRS_MAX);
}

/* ---------------------------------------------------------------- details */

static void test_addr_format(void)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
	    {"192.0.2.1", "192.0.2.1/32"},
	    {"0.0.0.0/0", "0.0.0.0/0"},
	    {"10.0.0.0/8", "10.0.0.0/8"},
	    {"::", "::/128"},
	    {"::/0", "::/0"},
	    {"::1", "::1/128"},
	    {"1::", "1::/128"},
	    {"fe80::/10", "fe80::/10"},
	    {"2001:DB8:0:0:0:0:0:1", "2001:db8::1/128"},
	    {"2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1/128"},
	    {"2001:0:0:1:0:0:1:1", "2001::1:0:0:1:1/128"},
	    {"2001:db8:0:0:1:0:0:0", "2001:db8:0:0:1::/128"},
	    /* musl counts characters: an inner run of two beats a leading run of two */
	    {"0:0:1:0:0:1:1:1", "0:0:1::1:1:1/128"},
	    {"0:0:0:1:0:0:1:1", "::1:0:0:1:1/128"},
	    {"::102:304", "::102:304/128"},
	    {"::1.2.3.4", "::102:304/128"},
	};
	struct np_addr a;
	char err[256], text[NP_ADDR_STR];
	size_t i;
	int k;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK_EQ_INT(np_addr_parse(cases[i].in, &a, err, sizeof(err)), 0);
		np_addr_format(&a, text);
		CHECK_EQ_STR(text, cases[i].want);
	}
	/* random addresses: the text reads back as the same address, one "::" at most */
	check_seed();
	for (k = 0; k < 20000; k++) {
		uint8_t b[16], back[16];
		char host[NP_ADDR_STR], *slash;
		int g;

		for (g = 0; g < 8; g++) {
			uint64_t r = check_rand();
			unsigned v = (r & 3) ? 0 : (unsigned)(r >> 8) & ((r & 4) ? 0xffffu : 0xfu);
			b[2 * g] = (uint8_t)(v >> 8);
			b[2 * g + 1] = (uint8_t)v;
		}
		if (memcmp(b, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) == 0)
			continue;
		memset(&a, 0, sizeof(a));
		a.family = 6;
		a.prefix = 128;
		memcpy(a.a, b, 16);
		np_addr_format(&a, text);
		snprintf(host, sizeof(host), "%s", text);
		slash = strchr(host, '/');
		CHECK(slash && strcmp(slash, "/128") == 0);
		if (slash)
			*slash = '\0';
		CHECK(inet_pton(AF_INET6, host, back) == 1 && memcmp(back, b, 16) == 0);
		CHECK(!strstr(host, "::") || !strstr(strstr(host, "::") + 1, "::"));
		if (check_failed_now) {
			fprintf(stderr, "  address %s\n", text);
			break;
		}
	}
}

static void test_rate_enforced(void)
{
	uint32_t r;

	CHECK_EQ_INT(np_rate_enforced(1), 1);
	CHECK_EQ_INT(np_rate_enforced(2), 2);
	CHECK_EQ_INT(np_rate_enforced(32), 32);
	CHECK_EQ_INT(np_rate_enforced(1000), 1000);
	CHECK_EQ_INT(np_rate_enforced(1500), 1501);
	CHECK_EQ_INT(np_rate_enforced(70000), 71428);
	CHECK_EQ_INT(np_rate_enforced(100000), 100000);
	/* every value is a fixed point: iptables-save of the emitted rate prints it back */
	for (r = 1; r <= NP_RATE_MAX; r++) {
		uint32_t e = np_rate_enforced(r);
		if (e < r || np_rate_enforced(e) != e || (r <= 1000 && e != r)) {
			fprintf(stderr, "  rate %u -> %u -> %u\n", r, e, np_rate_enforced(e));
			CHECK(0);
			break;
		}
	}
}

static void test_ping_and_header(void)
{
	static const char p1[] = "role lan\nallow lan udp 53 dns\n";
	static const char p2[] = "role lan\nping\n";
	struct np_ifmap m;
	char err[256];

	memset(&m, 0, sizeof(m));
	CHECK_EQ_INT(np_ifmap_add(&m, "lan=eth0", err, sizeof(err)), 0);
	/* no ping line: echo requests meet the DROP policy */
	CHECK_EQ_INT(np_policy_parse(&pol, p1, sizeof(p1) - 1, "p", err, sizeof(err)), 0);
	CHECK(np_emit(&pol, &m, 4, "p", NULL, out, sizeof(out), err, sizeof(err)) > 0);
	CHECK(strstr(out, "icmp") == NULL); /* no rule, no notrack */
	CHECK(line_of(out,
	              "-A in-lan -p udp -m udp --dport 53 -m conntrack --ctstate UNTRACKED -m "
	              "comment --comment dns -j ACCEPT",
	              1) > 0);
	CHECK(strstr(out, "hashlimit") == NULL);
	/* ping without limits: accepted as they come */
	CHECK_EQ_INT(np_policy_parse(&pol, p2, sizeof(p2) - 1, "p", err, sizeof(err)), 0);
	CHECK(np_emit(&pol, &m, 6, "p", NULL, out, sizeof(out), err, sizeof(err)) > 0);
	CHECK(line_of(out,
	              "-A in-lan -p ipv6-icmp -m icmp6 --icmpv6-type 128 -m conntrack --ctstate "
	              "UNTRACKED -j ACCEPT",
	              1) > 0);
	CHECK(line_of(out,
	              "-A PREROUTING -i eth0 -p ipv6-icmp -m icmp6 --icmpv6-type 128 -j CT "
	              "--notrack",
	              1) > 0);
	CHECK(strstr(out, "hashlimit") == NULL);
	/* a path cannot add lines to the output */
	CHECK(np_emit(&pol, &m, 4, "x\n-A INPUT -j ACCEPT\r", "y\x7f", out, sizeof(out), err,
	              sizeof(err)) > 0);
	CHECK_EQ_INT(
	    line_of(out,
	            "# Generated by tg-netpolicy from x?-A INPUT -j ACCEPT? and y?; do not edit.",
	            1),
	    1);
	CHECK(line_of(out, "-A INPUT -j ACCEPT", 1) == 0);
	/* CRLF files and comments parse */
	CHECK_EQ_INT(np_policy_parse(&pol, "role lan # x\r\nping rate=1/s burst=1\r\n",
	                             strlen("role lan # x\r\nping rate=1/s burst=1\r\n"), "p", err,
	                             sizeof(err)),
	             0);
	CHECK(pol.ping && pol.ping_lim.rate == 1 && pol.ping_lim.burst == 1);
}

int main(void)
{
	policy_len = read_repo_file("policy/network.policy", policy_text, sizeof(policy_text));
	site_len = read_repo_file("policy/site.conf.example", site_text, sizeof(site_text));
	RUN(test_real_policy);
	RUN(test_compile_real);
	RUN(test_site_example);
	RUN(test_refusals);
	RUN(test_limits);
	RUN(test_ifmap);
	RUN(test_buffer_too_small);
	RUN(test_worst_case_fits);
	RUN(test_addr_format);
	RUN(test_rate_enforced);
	RUN(test_ping_and_header);
	return check_exit();
}
