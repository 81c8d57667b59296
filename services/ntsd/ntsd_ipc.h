/*
 * ntsd_ipc.h - messages between ntsd's roles (lib/ipc.h framing).
 *
 *   main -> ntp   NTSD_MSG_STATUS  every second: the clock status as main
 *                                  read it (unsynchronised defaults when
 *                                  the file is missing, bad or stale)
 *   ntp -> main   NTSD_MSG_READY   once, when the ntp role serves
 *   main -> ntp   NTSD_MSG_KEYS    the cookie master-key ring, at start and
 *   main -> ke                     after every rotation (cookie.h)
 *   ke -> main    NTSD_MSG_READY   once, when the ke role serves
 *   ntp -> main   NTSD_MSG_COUNTS  the role's counter totals since it
 *   ke -> main                     started, every second while they
 *                                  change (main writes the counters
 *                                  file, lib/ntsstats.h)
 *
 * Each side receives with its own table, so a message sent in the wrong
 * direction is an unknown type.  Any rejected message is fatal for the
 * receiver: its sibling is broken or compromised (as in OpenNTPD).
 * Payloads are host-order structs of fixed size (both ends are one
 * binary on one host); the receiver re-checks every field it uses.
 *
 * The NTS work adds its own types here (e.g. cookie keys from main to
 * ntp, KE role messages) with new numbers; never reuse a number.
 */
#ifndef NTSD_IPC_H
#define NTSD_IPC_H

#include <stdint.h>
#include <string.h>

#include "cookie.h"
#include "ipc.h"
#include "log.h"
#include "timestatus.h"

enum ntsd_msg {
	NTSD_MSG_STATUS = 1,
	NTSD_MSG_READY = 2,
	NTSD_MSG_KEYS = 3,
	NTSD_MSG_COUNTS = 4,
};

struct ntsd_msg_status {
	/* as tg_timestatus_read() returned it; the ntp role re-checks its age per request */
	struct tg_timestatus st;
};

struct ntsd_msg_ready {
	uint32_t serving;  /* 1; a payload keeps the size check meaningful */
	uint32_t reserved; /* 0 */
};

/* The ring as main holds it; the receiver re-checks it (ntsd_keys_check). */
struct ntsd_msg_keys {
	struct ntsd_keyring ring;
};

/*
 * Totals since the role started; each role fills its own fields (ntp:
 * ntp_requests, nts_requests, nts_refused; ke: ke_handshakes,
 * ke_failures) and leaves the others 0.  main checks that, and that no
 * total goes down: a role's counters only grow.
 */
struct ntsd_msg_counts {
	uint64_t ntp_requests;  /* NTP requests answered (plain, NTS or NTS NAK) */
	uint64_t nts_requests;  /* NTS requests answered with cookies */
	uint64_t nts_refused;   /* NTS requests answered with a NAK, or dropped as malformed */
	uint64_t ke_handshakes; /* NTS-KE sessions that ended with cookies sent */
	uint64_t ke_failures;   /* NTS-KE sessions failed: TLS, bad request, timeout */
};

/* What the ntp role accepts from main. */
static const struct tg_ipc_type ntsd_to_ntp_types[] = {
    {NTSD_MSG_STATUS, sizeof(struct ntsd_msg_status), 0, "NTSD_MSG_STATUS"},
    {NTSD_MSG_KEYS, sizeof(struct ntsd_msg_keys), 0, "NTSD_MSG_KEYS"},
};

/* What the ke role accepts from main. */
static const struct tg_ipc_type ntsd_to_ke_types[] = {
    {NTSD_MSG_KEYS, sizeof(struct ntsd_msg_keys), 0, "NTSD_MSG_KEYS"},
};

/* What main accepts from the ntp and ke roles (each on its own socket). */
static const struct tg_ipc_type ntsd_to_main_types[] = {
    {NTSD_MSG_READY, sizeof(struct ntsd_msg_ready), 0, "NTSD_MSG_READY"},
    {NTSD_MSG_COUNTS, sizeof(struct ntsd_msg_counts), 0, "NTSD_MSG_COUNTS"},
};

#define NTSD_NELEM(a) (sizeof(a) / sizeof((a)[0]))

/*
 * A received ring is sane: 1..NTSD_COOKIE_KEYS keys, the current one
 * among them, distinct ids.  0, or -1 (the receiver treats it as fatal).
 */
static inline int ntsd_keys_check(const struct ntsd_keyring *r)
{
	size_t i, j;

	if (r->n < 1 || r->n > NTSD_COOKIE_KEYS || r->cur >= r->n)
		return -1;
	for (i = 0; i < r->n; i++)
		for (j = i + 1; j < r->n; j++)
			if (r->k[i].id == r->k[j].id)
				return -1;
	return 0;
}

/*
 * A role's totals to main when they changed since the last message (the
 * ntp and ke roles, once a second each).  A full socket buffer skips a
 * second: the next message carries the totals anyway.  Any other failure
 * ends the role, as for its other messages.
 */
static inline void ntsd_counts_send(int ipc_fd, const struct ntsd_msg_counts *totals,
                                    struct ntsd_msg_counts *sent)
{
	int rc;

	if (memcmp(totals, sent, sizeof(*totals)) == 0)
		return;
	rc = tg_ipc_send(ipc_fd, NTSD_MSG_COUNTS, 0, totals, sizeof(*totals), -1);
	if (rc == TG_IPC_OK)
		*sent = *totals;
	else if (rc != TG_IPC_EAGAIN)
		tg_fatal("sending NTSD_MSG_COUNTS to main");
}

#endif
