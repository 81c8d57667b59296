/*
 * netpolicy.h - tg-netpolicy: the network policy compiler.
 *
 * policy.c parses network.policy and the optional site file into a fixed
 * struct np_policy (pure: (buf, len) in, no allocation, no I/O); emit.c
 * turns the struct and the interface of each role into iptables-restore
 * input for one address family, into a caller's buffer; main.c reads the
 * files and writes the outputs.  tg-netpolicy(8) describes both file
 * formats and the rules.
 *
 * The emitted text is in the kernel's canonical form: loading it and
 * reading it back with iptables-save gives the same rule lines (the
 * system test checks this), so a compiled file can be compared with what
 * is in force.
 */
#ifndef TG_NETPOLICY_H
#define TG_NETPOLICY_H

#include <stddef.h>
#include <stdint.h>

#define NP_ROLES_MAX    8  /* role lines */
#define NP_ALLOWS_MAX   16 /* allow lines */
#define NP_OUTBOUND_MAX 16 /* outbound lines */
#define NP_ADDRS_MAX    16 /* addresses per list (upstream, dns), both families */
#define NP_SERVES_MAX   16 /* serve lines */

/*
 * Names.  A role is [a-z][a-z0-9_]*, at most 15 bytes: its chain is
 * "in-ROLE" and it has no '-', so "NAME-ROLE" (a hashlimit name) never
 * reads two ways.  A service is [a-z][a-z0-9_-]*, at most 31 bytes, and
 * not "ping" (the ping rules' hashlimit is "ping-ROLE").  An interface is
 * 1 to 15 bytes of [A-Za-z0-9_.-], not starting with '-', not "." or "..".
 */
#define NP_ROLE_MAX    15
#define NP_SERVICE_MAX 31
#define NP_IFNAME_MAX  15

/* Upper bounds of the numbers in a policy (inclusive; all start at 1). */
#define NP_RATE_MAX  100000 /* rate=N/s */
#define NP_BURST_MAX 100000 /* burst=N */
#define NP_CONN_MAX  65535  /* conn-per-source=N, conn-total=N */

/*
 * Room for one family's output: the largest policy the limits allow
 * compiles to well under this (tests/unit/test_netpolicy.c checks).
 */
#define NP_OUT_MAX (256 * 1024)

enum np_proto { NP_UDP = 0, NP_TCP = 1 };
enum np_list { NP_LIST_UPSTREAM = 0, NP_LIST_DNS = 1, NP_LISTS = 2 };

/* Options of an allow or ping line; 0 means not given. */
struct np_limits {
	uint32_t rate;            /* per second, per source */
	uint32_t burst;           /* given with rate, never alone */
	uint32_t conn_per_source; /* tcp only */
	uint32_t conn_total;      /* tcp only */
};

struct np_allow {
	uint8_t role;  /* index into np_policy.role */
	uint8_t proto; /* enum np_proto */
	uint16_t port;
	char name[NP_SERVICE_MAX + 1];
	struct np_limits lim;
};

/* site: "serve NAME ROLE" - allow line `allow` offered on `role` too */
struct np_serve {
	uint8_t allow;
	uint8_t role;
};

struct np_outbound {
	uint8_t list;  /* enum np_list */
	uint8_t proto; /* enum np_proto */
	uint16_t port;
};

struct np_addr {
	uint8_t family; /* 4 or 6 */
	uint8_t prefix; /* 0..32 or 0..128; no host bits beyond it */
	uint8_t a[16];  /* IPv4 in the first 4 bytes */
};

struct np_policy {
	unsigned nroles;
	char role[NP_ROLES_MAX][NP_ROLE_MAX + 1];
	unsigned nallow;
	struct np_allow allow[NP_ALLOWS_MAX];
	unsigned noutbound;
	struct np_outbound outbound[NP_OUTBOUND_MAX];
	int ping; /* a ping line was given */
	struct np_limits ping_lim;
	/* from the site file */
	unsigned naddr[NP_LISTS];
	struct np_addr addr[NP_LISTS][NP_ADDRS_MAX];
	unsigned nserve;
	struct np_serve serve[NP_SERVES_MAX];
};

/*
 * Parse a policy file into *p (which it clears first).  Returns 0, or -1
 * with "fname:line: what was expected" in err.
 */
int np_policy_parse(struct np_policy *p, const char *buf, size_t len, const char *fname, char *err,
                    size_t errlen);

/*
 * Parse a site file into *p, which holds a parsed policy (serve lines
 * refer to its services and roles).  Returns 0, or -1 with
 * "fname:line: ..." in err; then *p is half-changed: do not use it.
 */
int np_site_parse(struct np_policy *p, const char *buf, size_t len, const char *fname, char *err,
                  size_t errlen);

/*
 * The services offered, one per (service, role): the allow lines in order,
 * then the serve lines.  np_service(p, i, &role) for i < np_nservices(p)
 * returns the allow line and sets the role it is offered on.
 */
unsigned np_nservices(const struct np_policy *p);
const struct np_allow *np_service(const struct np_policy *p, unsigned i, unsigned *role);

/* "ADDR[/PREFIX]", IPv4 or IPv6, no host bits beyond the prefix. */
int np_addr_parse(const char *s, struct np_addr *a, char *err, size_t errlen);
/*
 * "ADDR/PREFIX" as iptables-save prints it (IPv6 compressed the way musl's
 * inet_ntop does, as the static iptables on the appliance prints it).
 * buf must hold NP_ADDR_STR bytes.
 */
#define NP_ADDR_STR 48
void np_addr_format(const struct np_addr *a, char *buf);

/*
 * The rate the kernel enforces for rate=N/s, as iptables-save prints it:
 * hashlimit keeps a cost of 1000000/N microseconds (rounded down) per
 * packet, so above 1000/s most rates come back slightly higher (70000 ->
 * 71428).  The rules carry this value, so they read as they are in force.
 */
uint32_t np_rate_enforced(uint32_t rate);

/* Roles to interfaces, from -i ROLE=IFNAME options. */
struct np_ifmap {
	unsigned n;
	char role[NP_ROLES_MAX][NP_ROLE_MAX + 1];
	char ifname[NP_ROLES_MAX][NP_IFNAME_MAX + 1];
};

/* Add "ROLE=IFNAME" (form and duplicates checked).  0, or -1 and err. */
int np_ifmap_add(struct np_ifmap *m, const char *arg, char *err, size_t errlen);
/* Every role of p has exactly one interface, and m names no other role. */
int np_ifmap_check(const struct np_policy *p, const struct np_ifmap *m, const char *fname,
                   char *err, size_t errlen);
/* The interface of a role, or NULL. */
const char *np_ifmap_get(const struct np_ifmap *m, const char *role);

/*
 * Compile p for one family (4 or 6) into out[0..cap): iptables-restore
 * input, raw table then filter table, NUL-terminated.  policy_path and
 * site_path (NULL: none) go into the header comment only.  Returns the
 * length (without the NUL), or -1 with a message in err: a role without
 * an interface in m, or output (and its NUL) larger than cap - then out
 * holds "" (never a truncated rule set).
 */
int np_emit(const struct np_policy *p, const struct np_ifmap *m, int family,
            const char *policy_path, const char *site_path, char *out, size_t cap, char *err,
            size_t errlen);

#endif
