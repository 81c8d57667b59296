/*
 * policy.c - parsers of network.policy and of the site file.
 *
 * Pure: (buf, len) in through tg_conf_parse's keyword tables, a fixed
 * struct np_policy out; no allocation, no I/O (inet_pton only reads its
 * argument).  Each handler checks what it keeps - names, numbers, options,
 * addresses - and cross-line rules (a role used before it is declared, a
 * port taken twice on one role, a service served where it already is) as
 * soon as the line that breaks them is read, so every error carries that
 * line's number.
 */
#include "netpolicy/netpolicy.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "conf.h"
#include "log.h"

/* "'%.64s%s'": echo at most 64 bytes of an input value */
#define ECHO(s)   (s), (strlen(s) > 64 ? "..." : "")
#define FAIL(...) (tg_seterr(err, errlen, __VA_ARGS__), -1)

static const char *const proto_names[] = {"udp", "tcp", NULL};
static const char *const list_names[] = {"upstream", "dns", NULL};

/* ---------------------------------------------------------------- names */

static int is_lower(char c)
{
	return c >= 'a' && c <= 'z';
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int role_name_ok(const char *s)
{
	size_t i, n = strlen(s);

	if (n < 1 || n > NP_ROLE_MAX || !is_lower(s[0]))
		return 0;
	for (i = 1; i < n; i++)
		if (!is_lower(s[i]) && !is_digit(s[i]) && s[i] != '_')
			return 0;
	return 1;
}

static int service_name_ok(const char *s)
{
	size_t i, n = strlen(s);

	if (n < 1 || n > NP_SERVICE_MAX || !is_lower(s[0]))
		return 0;
	for (i = 1; i < n; i++)
		if (!is_lower(s[i]) && !is_digit(s[i]) && s[i] != '_' && s[i] != '-')
			return 0;
	return 1;
}

static int ifname_ok(const char *s)
{
	size_t i, n = strlen(s);

	if (n < 1 || n > NP_IFNAME_MAX || s[0] == '-' || strcmp(s, ".") == 0 ||
	    strcmp(s, "..") == 0)
		return 0;
	for (i = 0; i < n; i++) {
		char c = s[i];
		if (!is_lower(c) && !(c >= 'A' && c <= 'Z') && !is_digit(c) && c != '_' &&
		    c != '.' && c != '-')
			return 0;
	}
	return 1;
}

static int find_role(const struct np_policy *p, const char *name)
{
	unsigned i;

	for (i = 0; i < p->nroles; i++)
		if (strcmp(p->role[i], name) == 0)
			return (int)i;
	return -1;
}

static int find_service(const struct np_policy *p, const char *name)
{
	unsigned i;

	for (i = 0; i < p->nallow; i++)
		if (strcmp(p->allow[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* "the declared roles: time, mgmt" into buf, for messages */
static void role_list(const struct np_policy *p, char *buf, size_t len)
{
	size_t o = 0;
	unsigned i;

	buf[0] = '\0';
	if (!p->nroles) {
		snprintf(buf, len, "declared: none");
		return;
	}
	for (i = 0; i < p->nroles && o < len; i++) {
		int n = snprintf(buf + o, len - o, "%s%s", i ? ", " : "declared: ", p->role[i]);
		if (n < 0)
			break;
		o += (size_t)n;
	}
}

static int role_arg(const struct np_policy *p, const char *s, char *err, size_t errlen)
{
	char roles[NP_ROLES_MAX * (NP_ROLE_MAX + 2) + 32];
	int r = find_role(p, s);

	if (r >= 0)
		return r;
	role_list(p, roles, sizeof(roles));
	return FAIL("unknown role '%.64s%s' (%s)", ECHO(s), roles);
}

/* "what: " in front of the message a tg_conf_* helper left in err */
static int prefix_err(char *err, size_t errlen, const char *what)
{
	char tmp[TG_CONF_ERR_MAX];

	if (!err || !errlen)
		return -1;
	snprintf(tmp, sizeof(tmp), "%s", err);
	return FAIL("%s: %s", what, tmp);
}

static int proto_arg(const char *s, char *err, size_t errlen)
{
	int v;

	if (tg_conf_choice(s, proto_names, &v, err, errlen) < 0)
		return prefix_err(err, errlen, "protocol");
	return v;
}

static int port_arg(const char *s, char *err, size_t errlen)
{
	uint64_t v;

	if (tg_conf_u64(s, 1, 65535, &v, err, errlen) < 0)
		return prefix_err(err, errlen, "port");
	return (int)v;
}

/* ---------------------------------------------------------------- options */

/* "N/s" with N from 1 to NP_RATE_MAX */
static int rate_arg(const char *s, uint32_t *out, char *err, size_t errlen)
{
	char num[16];
	const char *slash = strchr(s, '/');
	uint64_t v;
	size_t n;

	if (!slash || strcmp(slash, "/s") != 0 || (n = (size_t)(slash - s)) >= sizeof(num))
		goto bad;
	memcpy(num, s, n);
	num[n] = '\0';
	if (tg_conf_u64(num, 1, NP_RATE_MAX, &v, NULL, 0) < 0)
		goto bad;
	*out = (uint32_t)v;
	return 0;
bad:
	return FAIL("rate= expects N/s (per second, N from 1 to %d), got '%.64s%s'", NP_RATE_MAX,
	            ECHO(s));
}

static int count_arg(const char *key, const char *s, uint64_t max, uint32_t *out, char *err,
                     size_t errlen)
{
	uint64_t v;

	if (tg_conf_u64(s, 1, max, &v, err, errlen) < 0)
		return prefix_err(err, errlen, key);
	*out = (uint32_t)v;
	return 0;
}

/*
 * Options "key=value" of an allow line (is_ping 0, proto of the service)
 * or of the ping line (is_ping 1).
 */
static int parse_options(int argc, char **argv, int is_ping, int proto, const char *what,
                         struct np_limits *lim, char *err, size_t errlen)
{
	static const char *const keys[] = {"rate", "burst", "conn-per-source", "conn-total", NULL};
	int i;

	memset(lim, 0, sizeof(*lim));
	for (i = 0; i < argc; i++) {
		const char *eq = strchr(argv[i], '=');
		char key[24];
		uint32_t *slot;
		size_t kn;
		int k;

		kn = eq ? (size_t)(eq - argv[i]) : 0;
		for (k = 0; eq && kn < sizeof(key) && keys[k]; k++)
			if (strlen(keys[k]) == kn && memcmp(keys[k], argv[i], kn) == 0)
				break;
		if (!eq || kn >= sizeof(key) || !keys[k]) {
			if (is_ping)
				return FAIL("unknown option '%.64s%s' for ping (expected rate=N/s "
				            "burst=N)",
				            ECHO(argv[i]));
			return FAIL("unknown option '%.64s%s' (expected rate=N/s, burst=N, "
			            "conn-per-source=N, conn-total=N)",
			            ECHO(argv[i]));
		}
		memcpy(key, argv[i], kn);
		key[kn] = '\0';
		slot = k == 0   ? &lim->rate
		       : k == 1 ? &lim->burst
		       : k == 2 ? &lim->conn_per_source
		                : &lim->conn_total;
		if (*slot)
			return FAIL("%s= given twice", key);
		if (k >= 2 && is_ping)
			return FAIL("%s= is not valid for ping (only rate= and burst=)", key);
		if (k >= 2 && proto != NP_TCP)
			return FAIL("%s= is for tcp services only (%s is udp: no connections)", key,
			            what);
		if (k == 0) {
			if (rate_arg(eq + 1, slot, err, errlen) < 0)
				return -1;
		} else if (count_arg(key, eq + 1, k == 1 ? NP_BURST_MAX : NP_CONN_MAX, slot, err,
		                     errlen) < 0) {
			return -1;
		}
	}
	if (lim->rate && !lim->burst)
		return FAIL("rate= without burst= (give both)");
	if (lim->burst && !lim->rate)
		return FAIL("burst= without rate= (give both)");
	return 0;
}

/* ---------------------------------------------------------------- policy */

static int h_role(void *ctx, int argc, char **argv, char *err, size_t errlen)
{
	struct np_policy *p = ctx;

	(void)argc;
	if (!role_name_ok(argv[0]))
		return FAIL("role expects a name of 1 to %d characters, [a-z][a-z0-9_]*, got "
		            "'%.64s%s'",
		            NP_ROLE_MAX, ECHO(argv[0]));
	if (find_role(p, argv[0]) >= 0)
		return FAIL("role '%s' declared twice", argv[0]);
	if (p->nroles >= NP_ROLES_MAX)
		return FAIL("too many roles (at most %d)", NP_ROLES_MAX);
	memcpy(p->role[p->nroles++], argv[0], strlen(argv[0]) + 1);
	return 0;
}

/* the service already offered on (role, proto, port), or NULL */
static const struct np_allow *port_taken(const struct np_policy *p, unsigned role, int proto,
                                         unsigned port)
{
	unsigned i, n = np_nservices(p);

	for (i = 0; i < n; i++) {
		unsigned r;
		const struct np_allow *a = np_service(p, i, &r);

		if (r == role && a->proto == proto && a->port == port)
			return a;
	}
	return NULL;
}

/* allow ROLE PROTO PORT NAME [OPTION ...] */
static int h_allow(void *ctx, int argc, char **argv, char *err, size_t errlen)
{
	struct np_policy *p = ctx;
	const struct np_allow *taken;
	struct np_allow a;
	int role, proto, port;

	if (p->nallow >= NP_ALLOWS_MAX)
		return FAIL("too many allow lines (at most %d)", NP_ALLOWS_MAX);
	memset(&a, 0, sizeof(a));
	if ((role = role_arg(p, argv[0], err, errlen)) < 0)
		return -1;
	if ((proto = proto_arg(argv[1], err, errlen)) < 0)
		return -1;
	if ((port = port_arg(argv[2], err, errlen)) < 0)
		return -1;
	if (!service_name_ok(argv[3]))
		return FAIL("service name expects 1 to %d characters, [a-z][a-z0-9_-]*, got "
		            "'%.64s%s'",
		            NP_SERVICE_MAX, ECHO(argv[3]));
	if (strcmp(argv[3], "ping") == 0)
		return FAIL("service name 'ping' is reserved (the ping line's rules use it)");
	if (find_service(p, argv[3]) >= 0)
		return FAIL("service '%s' declared twice", argv[3]);
	taken = port_taken(p, (unsigned)role, proto, (unsigned)port);
	if (taken)
		return FAIL("%s %d on role %s is already allowed (service %s)", proto_names[proto],
		            port, p->role[role], taken->name);
	if (parse_options(argc - 4, argv + 4, 0, proto, argv[3], &a.lim, err, errlen) < 0)
		return -1;
	a.role = (uint8_t)role;
	a.proto = (uint8_t)proto;
	a.port = (uint16_t)port;
	memcpy(a.name, argv[3], strlen(argv[3]) + 1);
	p->allow[p->nallow++] = a;
	return 0;
}

/* outbound LIST PROTO PORT */
static int h_outbound(void *ctx, int argc, char **argv, char *err, size_t errlen)
{
	struct np_policy *p = ctx;
	int list, proto, port;
	unsigned i;

	(void)argc;
	if (p->noutbound >= NP_OUTBOUND_MAX)
		return FAIL("too many outbound lines (at most %d)", NP_OUTBOUND_MAX);
	if (tg_conf_choice(argv[0], list_names, &list, err, errlen) < 0)
		return prefix_err(err, errlen, "outbound list");
	if ((proto = proto_arg(argv[1], err, errlen)) < 0)
		return -1;
	if ((port = port_arg(argv[2], err, errlen)) < 0)
		return -1;
	for (i = 0; i < p->noutbound; i++) {
		const struct np_outbound *o = &p->outbound[i];
		if (o->list == list && o->proto == proto && o->port == port)
			return FAIL("outbound %s %s %d given twice", list_names[list],
			            proto_names[proto], port);
	}
	p->outbound[p->noutbound].list = (uint8_t)list;
	p->outbound[p->noutbound].proto = (uint8_t)proto;
	p->outbound[p->noutbound].port = (uint16_t)port;
	p->noutbound++;
	return 0;
}

/* ping [rate=N/s burst=N] */
static int h_ping(void *ctx, int argc, char **argv, char *err, size_t errlen)
{
	struct np_policy *p = ctx;

	if (parse_options(argc, argv, 1, NP_UDP, "ping", &p->ping_lim, err, errlen) < 0)
		return -1;
	p->ping = 1;
	return 0;
}

static const struct tg_conf_key policy_keys[] = {
    {"role", 1, 1, TG_CONF_MULTI, h_role},
    {"allow", 4, TG_CONF_ARGS_MAX, TG_CONF_MULTI, h_allow},
    {"outbound", 3, 3, TG_CONF_MULTI, h_outbound},
    {"ping", 0, 2, 0, h_ping},
    {NULL, 0, 0, 0, NULL},
};

int np_policy_parse(struct np_policy *p, const char *buf, size_t len, const char *fname, char *err,
                    size_t errlen)
{
	memset(p, 0, sizeof(*p));
	return tg_conf_parse(buf, len, fname, policy_keys, p, err, errlen);
}

/* ---------------------------------------------------------------- site */

static int add_addr(struct np_policy *p, int list, const char *s, char *err, size_t errlen)
{
	char text[NP_ADDR_STR];
	struct np_addr a;
	unsigned i;

	if (np_addr_parse(s, &a, err, errlen) < 0)
		return -1;
	np_addr_format(&a, text);
	for (i = 0; i < p->naddr[list]; i++)
		if (memcmp(&p->addr[list][i], &a, sizeof(a)) == 0)
			return FAIL("%s %s given twice", list_names[list], text);
	if (p->naddr[list] >= NP_ADDRS_MAX)
		return FAIL("too many %s addresses (at most %d)", list_names[list], NP_ADDRS_MAX);
	p->addr[list][p->naddr[list]++] = a;
	return 0;
}

static int h_upstream(void *ctx, int argc, char **argv, char *err, size_t errlen)
{
	(void)argc;
	return add_addr(ctx, NP_LIST_UPSTREAM, argv[0], err, errlen);
}

static int h_dns(void *ctx, int argc, char **argv, char *err, size_t errlen)
{
	(void)argc;
	return add_addr(ctx, NP_LIST_DNS, argv[0], err, errlen);
}

/* serve NAME ROLE */
static int h_serve(void *ctx, int argc, char **argv, char *err, size_t errlen)
{
	struct np_policy *p = ctx;
	const struct np_allow *a, *taken;
	int svc, role;

	(void)argc;
	if (p->nserve >= NP_SERVES_MAX)
		return FAIL("too many serve lines (at most %d)", NP_SERVES_MAX);
	svc = find_service(p, argv[0]);
	if (svc < 0) {
		char names[NP_ALLOWS_MAX * (NP_SERVICE_MAX + 2) + 32];
		size_t o = 0;
		unsigned i;

		names[0] = '\0';
		for (i = 0; i < p->nallow && o < sizeof(names); i++) {
			int n = snprintf(names + o, sizeof(names) - o, "%s%s", i ? ", " : "",
			                 p->allow[i].name);
			if (n < 0)
				break;
			o += (size_t)n;
		}
		return FAIL("serve: unknown service '%.64s%s' (the policy's allow lines name: %s)",
		            ECHO(argv[0]), p->nallow ? names : "none");
	}
	if ((role = role_arg(p, argv[1], err, errlen)) < 0)
		return prefix_err(err, errlen, "serve");
	a = &p->allow[svc];
	taken = port_taken(p, (unsigned)role, a->proto, a->port);
	if (taken == a)
		return FAIL("serve: %s is already offered on role %s", a->name, p->role[role]);
	if (taken)
		return FAIL("serve: %s %u on role %s is already allowed (service %s)",
		            proto_names[a->proto], a->port, p->role[role], taken->name);
	p->serve[p->nserve].allow = (uint8_t)svc;
	p->serve[p->nserve].role = (uint8_t)role;
	p->nserve++;
	return 0;
}

static const struct tg_conf_key site_keys[] = {
    {"upstream", 1, 1, TG_CONF_MULTI, h_upstream},
    {"dns", 1, 1, TG_CONF_MULTI, h_dns},
    {"serve", 2, 2, TG_CONF_MULTI, h_serve},
    {NULL, 0, 0, 0, NULL},
};

int np_site_parse(struct np_policy *p, const char *buf, size_t len, const char *fname, char *err,
                  size_t errlen)
{
	return tg_conf_parse(buf, len, fname, site_keys, p, err, errlen);
}

/* ---------------------------------------------------------------- services */

unsigned np_nservices(const struct np_policy *p)
{
	return p->nallow + p->nserve;
}

const struct np_allow *np_service(const struct np_policy *p, unsigned i, unsigned *role)
{
	if (i < p->nallow) {
		*role = p->allow[i].role;
		return &p->allow[i];
	}
	i -= p->nallow;
	*role = p->serve[i].role;
	return &p->allow[p->serve[i].allow];
}

/* ---------------------------------------------------------------- addresses */

int np_addr_parse(const char *s, struct np_addr *a, char *err, size_t errlen)
{
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	char host[64], text[NP_ADDR_STR];
	const char *slash = strchr(s, '/');
	size_t n = slash ? (size_t)(slash - s) : strlen(s);
	unsigned max, i;

	memset(a, 0, sizeof(*a));
	if (n == 0 || n >= sizeof(host))
		goto bad;
	memcpy(host, s, n);
	host[n] = '\0';
	if (strchr(host, ':')) {
		if (inet_pton(AF_INET6, host, a->a) != 1)
			goto bad;
		a->family = 6;
		max = 128;
	} else {
		if (inet_pton(AF_INET, host, a->a) != 1)
			goto bad;
		a->family = 4;
		max = 32;
	}
	a->prefix = (uint8_t)max;
	if (slash) {
		uint64_t v;

		/* digits only, no leading zero: one spelling per prefix */
		if ((slash[1] == '0' && slash[2] != '\0') ||
		    tg_conf_u64(slash + 1, 0, max, &v, NULL, 0) < 0)
			return FAIL("'%.64s%s': the prefix length must be 0 to %u", ECHO(s), max);
		a->prefix = (uint8_t)v;
	}
	for (i = a->prefix; i < max; i++) {
		if (a->a[i / 8] & (0x80u >> (i % 8))) {
			struct np_addr net = *a;
			for (i = a->prefix; i < max; i++)
				net.a[i / 8] &= (uint8_t) ~(0x80u >> (i % 8));
			np_addr_format(&net, text);
			return FAIL("'%.64s%s' has host bits set beyond /%u (the network is %s)",
			            ECHO(s), a->prefix, text);
		}
	}
	if (a->family == 6 && a->prefix >= 96 && memcmp(a->a, mapped, sizeof(mapped)) == 0)
		return FAIL("'%.64s%s' is an IPv4-mapped address: write the IPv4 address", ECHO(s));
	return 0;
bad:
	return FAIL("expected an IPv4 or IPv6 address with an optional /prefix, got '%.64s%s'",
	            ECHO(s));
}

/*
 * IPv6 text as musl's inet_ntop writes it (so as the appliance's static
 * iptables-save prints it): hex groups, then the longest run of ":0"
 * characters (at least two zero groups) becomes "::", first run on a tie.
 * Counting characters rather than groups makes an inner run of two beat a
 * leading run of two ("0:0:1::1:1:1" for 0:0:1:0:0:1:1:1), unlike
 * RFC 5952 and glibc; IPv4-mapped addresses never get here.
 */
static void format6(const uint8_t *a, char *buf, size_t len)
{
	size_t i, j, best, max;

	snprintf(buf, len, "%x:%x:%x:%x:%x:%x:%x:%x", 256 * a[0] + a[1], 256 * a[2] + a[3],
	         256 * a[4] + a[5], 256 * a[6] + a[7], 256 * a[8] + a[9], 256 * a[10] + a[11],
	         256 * a[12] + a[13], 256 * a[14] + a[15]);
	for (i = best = 0, max = 2; buf[i]; i++) {
		if (i && buf[i] != ':')
			continue;
		j = strspn(buf + i, ":0");
		if (j > max) {
			best = i;
			max = j;
		}
	}
	if (max > 3) {
		buf[best] = buf[best + 1] = ':';
		memmove(buf + best + 2, buf + best + max, i - best - max + 1);
	}
}

void np_addr_format(const struct np_addr *a, char *buf)
{
	char host[40]; /* 8 groups of 4 hex digits, 7 colons, NUL */

	if (a->family == 6)
		format6(a->a, host, sizeof(host));
	else
		snprintf(host, sizeof(host), "%u.%u.%u.%u", a->a[0], a->a[1], a->a[2], a->a[3]);
	snprintf(buf, NP_ADDR_STR, "%s/%u", host, a->prefix);
}

uint32_t np_rate_enforced(uint32_t rate)
{
	/* libxt_hashlimit: cost = 1000000 / rate; iptables-save: 1000000 / cost */
	if (rate == 0 || rate > 1000000)
		return rate;
	return 1000000u / (1000000u / rate);
}

/* ---------------------------------------------------------------- interfaces */

int np_ifmap_add(struct np_ifmap *m, const char *arg, char *err, size_t errlen)
{
	const char *eq = strchr(arg, '=');
	size_t rn = eq ? (size_t)(eq - arg) : 0;
	char role[NP_ROLE_MAX + 1];
	unsigned i;

	if (!eq || rn == 0 || rn > NP_ROLE_MAX)
		return FAIL("-i expects ROLE=IFNAME, got '%.64s%s'", ECHO(arg));
	memcpy(role, arg, rn);
	role[rn] = '\0';
	if (!role_name_ok(role))
		return FAIL("-i expects ROLE=IFNAME with a role name [a-z][a-z0-9_]*, got "
		            "'%.64s%s'",
		            ECHO(arg));
	if (!ifname_ok(eq + 1))
		return FAIL("-i %s=: expected an interface name of 1 to %d characters "
		            "[A-Za-z0-9_.-] (not starting with '-'), got '%.64s%s'",
		            role, NP_IFNAME_MAX, ECHO(eq + 1));
	for (i = 0; i < m->n; i++)
		if (strcmp(m->role[i], role) == 0)
			return FAIL("-i %s given twice (%s and %s)", role, m->ifname[i], eq + 1);
	if (m->n >= NP_ROLES_MAX)
		return FAIL("too many -i options (a policy has at most %d roles)", NP_ROLES_MAX);
	memcpy(m->role[m->n], role, rn + 1);
	memcpy(m->ifname[m->n], eq + 1, strlen(eq + 1) + 1);
	m->n++;
	return 0;
}

const char *np_ifmap_get(const struct np_ifmap *m, const char *role)
{
	unsigned i;

	for (i = 0; i < m->n; i++)
		if (strcmp(m->role[i], role) == 0)
			return m->ifname[i];
	return NULL;
}

int np_ifmap_check(const struct np_policy *p, const struct np_ifmap *m, const char *fname,
                   char *err, size_t errlen)
{
	unsigned i;

	if (!fname)
		fname = "the policy";
	for (i = 0; i < m->n; i++) {
		if (find_role(p, m->role[i]) < 0) {
			char roles[NP_ROLES_MAX * (NP_ROLE_MAX + 2) + 32];
			role_list(p, roles, sizeof(roles));
			return FAIL("-i %s=%s: %s has no role '%s' (%s)", m->role[i], m->ifname[i],
			            fname, m->role[i], roles);
		}
	}
	for (i = 0; i < p->nroles; i++)
		if (!np_ifmap_get(m, p->role[i]))
			return FAIL("no interface for role '%s' of %s (give -i %s=IFNAME)",
			            p->role[i], fname, p->role[i]);
	return 0;
}
