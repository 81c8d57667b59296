/*
 * state.h - the update agent's state file (/data/updated/state), pure
 * encode and decode.
 *
 * The helper role writes it atomically (temporary file, fsync, rename,
 * fsync of the folder); it is the only place that remembers the
 * anti-rollback minimum, so its reader is as strict as the bundle's:
 * ASCII lines "KEY VALUE\n", each key at most once, nothing unknown, no
 * control character, a final newline.  Keys, in the order written:
 *
 *   committed-slot A|B         the slot that passed its health check
 *   committed-version V        its version (MAJOR.MINOR.PATCH)
 *   security-min S             no bundle with a lower security version installs
 *   pending-slot A|B           an installed slot waiting for (or on) its trial boot
 *   pending-version V
 *   pending-security S
 *   pending-bundle HEX         SHA-256 of its signed header + manifest
 *   failed-bundle HEX          the last bundle that failed (a media disk is not retried)
 *   last-result TEXT           one line for the console (printable ASCII)
 *
 * The first three are required; the four pending keys come together or
 * not at all; the last two are optional.  A missing file means: the
 * booted slot is committed, with the release file's version and security
 * (upd_state_defaults).
 */
#ifndef UPDATED_STATE_H
#define UPDATED_STATE_H

#include <stddef.h>
#include <stdint.h>

#define UPD_STATE_MAX 2048 /* the largest file: ~650 bytes at most are written */
#define UPD_STATE_RESULT_MAX 200

struct upd_state {
	char committed_slot; /* 'A' or 'B' */
	unsigned committed_version[3];
	uint32_t security_min;
	char pending_slot;   /* 'A', 'B'; 0: none */
	unsigned pending_version[3];
	uint32_t pending_security;
	uint8_t pending_bundle[32];
	int have_failed;
	uint8_t failed_bundle[32];
	char last_result[UPD_STATE_RESULT_MAX]; /* "" when none */
};

/* No file: slot committed with version and security (the release file's). */
void upd_state_defaults(struct upd_state *st, char slot, const unsigned version[3],
			uint32_t security);

/* Pure: 0, or -1 with the line, what was expected and what was seen in err. */
int upd_state_decode(const char *buf, size_t len, struct upd_state *st, char *err, size_t errlen);

/*
 * Pure: the file's text into out; its length, or 0 if out is too small
 * (UPD_STATE_MAX always fits).  last_result is written with every byte
 * outside printable ASCII as '?', so what is encoded decodes.
 */
size_t upd_state_encode(const struct upd_state *st, char *out, size_t outlen);

/* Set last_result from a message (cut to fit; control characters become '?'). */
void upd_state_set_result(struct upd_state *st, const char *msg);

/* The pending install is given up: its bundle becomes the failed one,
 * nothing is pending, and msg is the result line. */
void upd_state_pending_failed(struct upd_state *st, const char *msg);

/* 64 lower-case hex digits and a NUL into out[65] */
void upd_hex32(const uint8_t in[32], char out[65]);

#endif
