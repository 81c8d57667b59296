/*
 * emit.c - a parsed policy and the interface of each role, as
 * iptables-restore input for one address family.
 *
 * Pure: the text goes into the caller's buffer; output that does not fit
 * is an error, never a truncated rule set.  Every rule is written the way
 * iptables-save prints it back (tests/system/test_netpolicy.sh loads the
 * output into a scratch network namespace and compares), which fixes
 * details that iptables-restore itself would accept in other spellings:
 *   - per rule: -s, -d, -i, -o, -p, then the matches in the order given;
 *     "-p udp" gets its "-m udp", "-p ipv6-icmp" its "-m icmp6";
 *     an address always has its /prefix, and a /0 address is no match at
 *     all (iptables-save prints nothing for it);
 *   - --ctstate RELATED,ESTABLISHED (bit order, not the order typed);
 *   - --tcp-flags FIN,SYN,RST,ACK SYN (what --syn means);
 *   - hashlimit: "--hashlimit-above N/sec" with N the rate the kernel
 *     enforces (np_rate_enforced), --hashlimit-srcmask after
 *     --hashlimit-name, and only when it is not the family's full length;
 *   - connlimit: --connlimit-mask always, then --connlimit-saddr;
 *   - a string is bare if it is only [A-Za-z0-9_-], else double-quoted
 *     (comments, the LOG prefix);
 *   - in a table, the built-in chains in their fixed order, then the
 *     user chains sorted by name (strcmp), each with all its rules.
 */
#include "netpolicy/netpolicy.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "log.h"

static const char *const proto_names[] = {"udp", "tcp"};
static const char *const list_names[] = {"upstream", "dns"};

/* the SYN of a new TCP connection, as iptables-save spells --syn */
#define SYN "--tcp-flags FIN,SYN,RST,ACK SYN"

/* ---------------------------------------------------------------- output buffer */

struct out {
	char *buf;
	size_t cap;
	size_t len;
	int full; /* something did not fit: the whole output is refused */
};

__attribute__((format(printf, 2, 3))) static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	size_t room;
	int n;

	if (o->full)
		return;
	room = o->cap - o->len;
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->len, room, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= room) {
		o->full = 1;
		if (room)
			o->buf[o->len] = '\0';
		return;
	}
	o->len += (size_t)n;
}

/* a header path: one line, no control characters (it is echoed into a comment) */
static void put_path(struct out *o, const char *s)
{
	char c[2] = {0, 0};

	for (; *s; s++) {
		c[0] = ((unsigned char)*s < 0x20 || *s == 0x7f) ? '?' : *s;
		put(o, "%s", c);
	}
}

/* ---------------------------------------------------------------- rule pieces */

struct ctx {
	struct out *o;
	const struct np_policy *p;
	int family;                       /* 4 or 6 */
	const char *ifname[NP_ROLES_MAX]; /* by role index */
};

/*
 * "-m hashlimit ..." for a per-source limit named NAME-ROLE; IPv6 sources
 * are counted per /64, the smallest network one user is given.
 */
static void put_hashlimit(struct ctx *c, const struct np_limits *lim, const char *name,
                          const char *role)
{
	put(c->o,
	    " -m hashlimit --hashlimit-above %u/sec --hashlimit-burst %u --hashlimit-mode srcip "
	    "--hashlimit-name %s-%s%s",
	    np_rate_enforced(lim->rate), lim->burst, name, role,
	    c->family == 6 ? " --hashlimit-srcmask 64" : "");
}

/* "-p icmp -m icmp --icmp-type 8" or its IPv6 twin: an echo request */
static const char *echo_request(int family)
{
	return family == 6 ? "-p ipv6-icmp -m icmp6 --icmpv6-type 128"
	                   : "-p icmp -m icmp --icmp-type 8";
}

/* ... and the echo reply */
static const char *echo_reply(int family)
{
	return family == 6 ? "-p ipv6-icmp -m icmp6 --icmpv6-type 129"
	                   : "-p icmp -m icmp --icmp-type 0";
}

/* "-A in-ROLE", then a TCP SYN to port that opens a new connection */
static void put_tcp_new(struct ctx *c, const char *role, unsigned port)
{
	put(c->o, "-A in-%s -p tcp -m tcp --dport %u " SYN " -m conntrack --ctstate NEW", role,
	    port);
}

/* the in-ROLE chain: ping, then each service offered on the role */
static void put_role_chain(struct ctx *c, unsigned role)
{
	const struct np_policy *p = c->p;
	const char *rn = p->role[role];
	unsigned i, n = np_nservices(p);

	if (p->ping) {
		if (p->ping_lim.rate) {
			put(c->o, "-A in-%s %s", rn, echo_request(c->family));
			put_hashlimit(c, &p->ping_lim, "ping", rn);
			put(c->o, " -j DROP\n");
		}
		put(c->o, "-A in-%s %s -m conntrack --ctstate UNTRACKED -j ACCEPT\n", rn,
		    echo_request(c->family));
	}
	for (i = 0; i < n; i++) {
		unsigned r;
		const struct np_allow *a = np_service(p, i, &r);

		if (r != role)
			continue;
		if (a->proto == NP_UDP) {
			if (a->lim.rate) {
				put(c->o, "-A in-%s -p udp -m udp --dport %u", rn, a->port);
				put_hashlimit(c, &a->lim, a->name, rn);
				put(c->o, " -j DROP\n");
			}
			put(c->o,
			    "-A in-%s -p udp -m udp --dport %u -m conntrack --ctstate UNTRACKED -m "
			    "comment --comment %s -j ACCEPT\n",
			    rn, a->port, a->name);
			continue;
		}
		/* TCP: each rule looks at the SYN of a new connection only */
		if (a->lim.rate) {
			put_tcp_new(c, rn, a->port);
			put_hashlimit(c, &a->lim, a->name, rn);
			put(c->o, " -j DROP\n");
		}
		/* one IPv6 /64 counts as one source, like one IPv4 address */
		if (a->lim.conn_per_source) {
			put_tcp_new(c, rn, a->port);
			put(c->o, " -m connlimit --connlimit-above %u --connlimit-mask %u",
			    a->lim.conn_per_source, c->family == 6 ? 64u : 32u);
			put(c->o, " --connlimit-saddr -j REJECT --reject-with tcp-reset\n");
		}
		if (a->lim.conn_total) {
			put_tcp_new(c, rn, a->port);
			put(c->o, " -m connlimit --connlimit-above %u --connlimit-mask 0",
			    a->lim.conn_total);
			put(c->o, " --connlimit-saddr -j REJECT --reject-with tcp-reset\n");
		}
		put_tcp_new(c, rn, a->port);
		put(c->o, " -m comment --comment %s -j ACCEPT\n", a->name);
	}
}

/* the role indexes in the order iptables-save lists their chains */
static void sorted_roles(const struct np_policy *p, unsigned *idx)
{
	unsigned i, j;

	for (i = 0; i < p->nroles; i++) {
		unsigned v = i;
		for (j = i; j > 0 && strcmp(p->role[idx[j - 1]], p->role[v]) > 0; j--)
			idx[j] = idx[j - 1];
		idx[j] = v;
	}
}

/* ---------------------------------------------------------------- tables */

/*
 * raw: UDP services are not connection-tracked, so a flood of requests
 * (or of spoofed ones) cannot fill the conntrack table.  Nor are echo
 * requests and their replies when ping is allowed: tracked, a ping's
 * requests after the first are ESTABLISHED and would be accepted before
 * the ping rate limit saw them.
 */
static void put_raw(struct ctx *c)
{
	const struct np_policy *p = c->p;
	unsigned i, r, n = np_nservices(p);

	put(c->o, "*raw\n:PREROUTING ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n");
	for (i = 0; i < n; i++) {
		const struct np_allow *a = np_service(p, i, &r);
		if (a->proto == NP_UDP)
			put(c->o, "-A PREROUTING -i %s -p udp -m udp --dport %u -j CT --notrack\n",
			    c->ifname[r], a->port);
	}
	for (r = 0; p->ping && r < p->nroles; r++)
		put(c->o, "-A PREROUTING -i %s %s -j CT --notrack\n", c->ifname[r],
		    echo_request(c->family));
	for (i = 0; i < n; i++) {
		const struct np_allow *a = np_service(p, i, &r);
		if (a->proto == NP_UDP)
			put(c->o, "-A OUTPUT -o %s -p udp -m udp --sport %u -j CT --notrack\n",
			    c->ifname[r], a->port);
	}
	for (r = 0; p->ping && r < p->nroles; r++)
		put(c->o, "-A OUTPUT -o %s %s -j CT --notrack\n", c->ifname[r],
		    echo_reply(c->family));
	put(c->o, "COMMIT\n");
}

static void put_filter(struct ctx *c)
{
	const struct np_policy *p = c->p;
	unsigned idx[NP_ROLES_MAX];
	unsigned i, j, r, n = np_nservices(p);
	int v6 = c->family == 6;

	sorted_roles(p, idx);
	put(c->o, "*filter\n:INPUT DROP [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT DROP [0:0]\n");
	for (i = 0; i < p->nroles; i++)
		put(c->o, ":in-%s - [0:0]\n", p->role[idx[i]]);

	/* INPUT */
	put(c->o, "-A INPUT -i lo -j ACCEPT\n");
	if (v6) {
		/* neighbour discovery is never tracked: before the INVALID drop */
		static const unsigned nd_in[] = {135, 136, 134};
		for (i = 0; i < sizeof(nd_in) / sizeof(nd_in[0]); i++)
			put(c->o,
			    "-A INPUT -p ipv6-icmp -m icmp6 --icmpv6-type %u -m hl --hl-eq 255 -j "
			    "ACCEPT\n",
			    nd_in[i]);
		put(c->o, "-A INPUT -s fe80::/10 -p ipv6-icmp -m icmp6 --icmpv6-type 130 -m hl "
		          "--hl-eq 1 -j ACCEPT\n");
	}
	put(c->o, "-A INPUT -m conntrack --ctstate INVALID -j DROP\n");
	put(c->o, "-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n");
	for (i = 0; i < p->nroles; i++)
		put(c->o, "-A INPUT -i %s -j in-%s\n", c->ifname[i], p->role[i]);

	/* OUTPUT */
	put(c->o, "-A OUTPUT -o lo -j ACCEPT\n");
	if (v6) {
		static const unsigned nd_out[] = {133, 135, 136};
		for (i = 0; i < sizeof(nd_out) / sizeof(nd_out[0]); i++)
			put(c->o,
			    "-A OUTPUT -p ipv6-icmp -m icmp6 --icmpv6-type %u -m hl --hl-eq 255 -j "
			    "ACCEPT\n",
			    nd_out[i]);
		put(c->o, "-A OUTPUT -p ipv6-icmp -m icmp6 --icmpv6-type 143 -j ACCEPT\n");
	}
	put(c->o, "-A OUTPUT -m conntrack --ctstate INVALID -j DROP\n");
	put(c->o, "-A OUTPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n");
	for (i = 0; i < n; i++) {
		const struct np_allow *a = np_service(p, i, &r);
		if (a->proto == NP_UDP)
			put(c->o,
			    "-A OUTPUT -o %s -p udp -m udp --sport %u -m conntrack --ctstate "
			    "UNTRACKED -j ACCEPT\n",
			    c->ifname[r], a->port);
	}
	for (r = 0; p->ping && r < p->nroles; r++)
		put(c->o, "-A OUTPUT -o %s %s -m conntrack --ctstate UNTRACKED -j ACCEPT\n",
		    c->ifname[r], echo_reply(c->family));
	for (i = 0; i < p->noutbound; i++) {
		const struct np_outbound *ob = &p->outbound[i];
		const char *pn = proto_names[ob->proto];

		for (j = 0; j < p->naddr[ob->list]; j++) {
			const struct np_addr *ad = &p->addr[ob->list][j];
			char text[NP_ADDR_STR];

			if (ad->family != c->family)
				continue;
			put(c->o, "-A OUTPUT");
			if (ad->prefix) {
				np_addr_format(ad, text);
				put(c->o, " -d %s", text);
			}
			put(c->o,
			    " -p %s -m %s --dport %u%s -m conntrack --ctstate NEW -m comment "
			    "--comment \"outbound %s\" -j ACCEPT\n",
			    pn, pn, ob->port, ob->proto == NP_TCP ? " " SYN : "",
			    list_names[ob->list]);
		}
	}
	put(c->o, "-A OUTPUT -m limit --limit 6/min --limit-burst 10 -j LOG --log-prefix "
	          "\"tg-fw out denied: \" --log-uid\n");

	/* the role chains */
	for (i = 0; i < p->nroles; i++)
		put_role_chain(c, idx[i]);
	put(c->o, "COMMIT\n");
}

int np_emit(const struct np_policy *p, const struct np_ifmap *m, int family,
            const char *policy_path, const char *site_path, char *out, size_t cap, char *err,
            size_t errlen)
{
	struct out o = {out, cap, 0, 0};
	struct ctx c;
	unsigned i;

	if (cap)
		out[0] = '\0';
	if (family != 4 && family != 6) {
		tg_seterr(err, errlen, "family must be 4 or 6, got %d", family);
		return -1;
	}
	if (cap > (size_t)0x7fffffff)
		o.cap = 0x7fffffff;
	memset(&c, 0, sizeof(c));
	c.o = &o;
	c.p = p;
	c.family = family;
	for (i = 0; i < p->nroles; i++) {
		c.ifname[i] = np_ifmap_get(m, p->role[i]);
		if (!c.ifname[i]) {
			tg_seterr(err, errlen, "no interface for role '%s'", p->role[i]);
			return -1;
		}
	}

	put(&o, "# Generated by tg-netpolicy from ");
	put_path(&o, policy_path ? policy_path : "(policy)");
	if (site_path) {
		put(&o, " and ");
		put_path(&o, site_path);
	}
	put(&o, "; do not edit.\n# Interfaces:");
	for (i = 0; i < p->nroles; i++)
		put(&o, " %s=%s", p->role[i], c.ifname[i]);
	put(&o, "\n");
	put_raw(&c);
	put_filter(&c);

	if (o.full || cap == 0) {
		if (cap)
			out[0] = '\0';
		tg_seterr(err, errlen, "the IPv%d rules do not fit in %zu bytes", family, cap);
		return -1;
	}
	return (int)o.len;
}
