/*
 * helper_check.c - the rules of the update agent as pure functions over
 * its state (struct upd_hstate): what may be installed, and which helper
 * requests are acceptable now.  main applies the same functions first, to
 * answer with the right message before a byte is written; the helper
 * applies them again to every request, since it trusts nothing main
 * says (tests/unit/test_updated_check.c drives each refusal).
 */
#include <stdio.h>
#include <string.h>

#include "bundle.h"
#include "log.h"
#include "updated.h"

static const char *const img_name[2] = {"boot", "root"};

int upd_manifest_check(const struct tg_bundle_manifest *m, const struct upd_release *rel,
		       uint32_t security_min, const uint64_t part_size[2], char slot, char *err,
		       size_t errlen)
{
	char v[24], v0[24];
	int i;

	if (strcmp(m->product, "timegate") != 0)
		return tg_fail(err, errlen, "bundle is for product %.31s, not timegate", m->product);
	if (strcmp(m->compatible, rel->compatible) != 0)
		return tg_fail(err, errlen, "made for %.63s, this device is %.63s", m->compatible,
			       rel->compatible);
	if (m->security < security_min)
		return tg_fail(err, errlen,
			       "security version %u is below this device's minimum %u (anti-rollback)",
			       (unsigned)m->security, (unsigned)security_min);
	if (tg_bundle_version_cmp(m->version, rel->version) <= 0)
		return tg_fail(err, errlen, "version %s is not newer than the running %s",
			       upd_version_str(m->version, v, sizeof v),
			       upd_version_str(rel->version, v0, sizeof v0));
	for (i = 0; i < 2; i++) {
		/* bundle.c guarantees boot then root; checked again, it costs nothing */
		if (strcmp(m->image[i].target, img_name[i]) != 0)
			return tg_fail(err, errlen, "image %d is %.7s, expected %s", i + 1,
				       m->image[i].target, img_name[i]);
		if (m->image[i].size > part_size[i])
			return tg_fail(err, errlen,
				       "image %s is %llu bytes, slot partition %s%c holds %llu",
				       img_name[i], (unsigned long long)m->image[i].size,
				       img_name[i], slot, (unsigned long long)part_size[i]);
	}
	return 0;
}

int upd_check_can_install(const struct upd_hstate *h, char *err, size_t errlen)
{
	if (h->booted != 'A' && h->booted != 'B')
		return tg_fail(err, errlen,
			       "the booted slot is unknown (no tg.slot=A|B on the kernel command line)");
	if (h->st.pending_slot == h->booted)
		return tg_fail(err, errlen,
			       "slot %c is on trial: an update installs once it is committed "
			       "(or rolled back)",
			       h->booted);
	if (h->st.committed_slot != h->booted)
		return tg_fail(err, errlen, "the booted slot %c is not the committed slot %c",
			       h->booted, h->st.committed_slot);
	if (h->installing)
		return tg_fail(err, errlen, "an install into slot %c is in progress", h->slot);
	return 0;
}

int upd_check_begin(const struct upd_hstate *h, uint32_t slot, char *err, size_t errlen)
{
	if (upd_check_can_install(h, err, errlen) < 0)
		return -1;
	if (slot != 'A' && slot != 'B')
		return tg_fail(err, errlen, "slot %u: expected A or B", (unsigned)slot);
	if ((char)slot == h->booted)
		return tg_fail(err, errlen, "slot %c is the booted slot: only the other one is written",
			       (char)slot);
	if (!h->part_size[0] || !h->part_size[1])
		return tg_fail(err, errlen, "the partitions of slot %c are not open", (char)slot);
	return 0;
}

int upd_check_write(const struct upd_hstate *h, const struct upd_req_write *w, char *err,
		    size_t errlen)
{
	uint32_t i;
	uint64_t size;

	if (!h->installing)
		return tg_fail(err, errlen, "WRITE without BEGIN");
	if (w->image > UPD_IMG_ROOT)
		return tg_fail(err, errlen, "image %u: expected 0 (boot) or 1 (root)",
			       (unsigned)w->image);
	if (w->len == 0 || w->len > UPD_WRITE_MAX)
		return tg_fail(err, errlen, "length %u: expected 1..%d", (unsigned)w->len,
			       UPD_WRITE_MAX);
	for (i = w->len; i < UPD_WRITE_MAX; i++)
		if (w->data[i])
			return tg_fail(err, errlen, "bytes after the length %u are not zero",
				       (unsigned)w->len);
	/* boot first, whole, then root: images are written in manifest order */
	if (w->image == UPD_IMG_ROOT && h->next[0] != h->m.image[0].size)
		return tg_fail(err, errlen, "root before boot is complete (%llu of %llu bytes)",
			       (unsigned long long)h->next[0],
			       (unsigned long long)h->m.image[0].size);
	if (w->off != h->next[w->image])
		return tg_fail(err, errlen, "image %s offset %llu: expected the next byte, %llu",
			       img_name[w->image], (unsigned long long)w->off,
			       (unsigned long long)h->next[w->image]);
	size = h->m.image[w->image].size;
	/* off == next <= size here; no overflow: both below 2^41 */
	if (w->off + w->len > size)
		return tg_fail(err, errlen,
			       "image %s: %u bytes at %llu end past its signed size %llu",
			       img_name[w->image], (unsigned)w->len, (unsigned long long)w->off,
			       (unsigned long long)size);
	if (w->off + w->len > h->part_size[w->image])
		return tg_fail(err, errlen, "image %s: %u bytes at %llu end past the partition (%llu)",
			       img_name[w->image], (unsigned)w->len, (unsigned long long)w->off,
			       (unsigned long long)h->part_size[w->image]);
	return 0;
}

int upd_check_finish(const struct upd_hstate *h, const struct upd_req_finish *f, char *err,
		     size_t errlen)
{
	int i;

	if (!h->installing)
		return tg_fail(err, errlen, "FINISH without BEGIN");
	for (i = 0; i < 2; i++) {
		if (h->next[i] != h->m.image[i].size)
			return tg_fail(err, errlen, "image %s is incomplete: %llu of %llu bytes",
				       img_name[i], (unsigned long long)h->next[i],
				       (unsigned long long)h->m.image[i].size);
		if (f->size[i] != h->m.image[i].size ||
		    memcmp(f->sha256[i], h->m.image[i].sha256, 32) != 0)
			return tg_fail(err, errlen,
				       "image %s: main's size and hash differ from the signed manifest",
				       img_name[i]);
	}
	return 0;
}

int upd_other_valid(const struct upd_hstate *h)
{
	char o;

	if (h->booted != 'A' && h->booted != 'B')
		return 0;
	o = upd_other(h->booted);
	return h->env.left[tg_bootenv_slot_index(o)] > 0 || h->st.committed_slot == o;
}

static int no_install(const struct upd_hstate *h, const char *what, char *err, size_t errlen)
{
	if (h->booted != 'A' && h->booted != 'B')
		return tg_fail(err, errlen,
			       "%s: the booted slot is unknown (no tg.slot=A|B on the kernel command line)",
			       what);
	if (h->installing)
		return tg_fail(err, errlen, "%s: an install into slot %c is in progress", what,
			       h->slot);
	return 0;
}

int upd_check_mark_good(const struct upd_hstate *h, char *err, size_t errlen)
{
	/* an install into the other slot may run: this touches the booted slot's tries only */
	if (h->booted != 'A' && h->booted != 'B')
		return tg_fail(err, errlen,
			       "mark-good: the booted slot is unknown (no tg.slot=A|B on the kernel "
			       "command line)");
	if (h->st.pending_slot == h->booted)
		return tg_fail(err, errlen,
			       "mark-good: slot %c is on trial: its health check decides", h->booted);
	return 0;
}

int upd_check_switch(const struct upd_hstate *h, const char *what, char *err, size_t errlen)
{
	char o;

	if (no_install(h, what, err, errlen) < 0)
		return -1;
	o = upd_other(h->booted);
	if (!upd_other_valid(h))
		return tg_fail(err, errlen,
			       "%s: slot %c cannot boot (no tries left and not the committed slot)",
			       what, o);
	return 0;
}

int upd_check_trial(const struct upd_hstate *h, const char *what, char *err, size_t errlen)
{
	if (no_install(h, what, err, errlen) < 0)
		return -1;
	if (h->st.pending_slot != h->booted)
		return tg_fail(err, errlen, "%s: slot %c is not on trial", what, h->booted);
	return 0;
}

int upd_state_settle(struct upd_state *st, char booted, const struct upd_release *rel,
		     const struct tg_bootenv *env, char *msg, size_t msglen)
{
	char v[24], v0[24];
	char p = st->pending_slot;

	if (msglen)
		msg[0] = '\0';
	if (booted != 'A' && booted != 'B')
		return 0;
	if (p == booted)
		return 0; /* a trial boot: the health check decides */
	if (p == 'A' || p == 'B') {
		int ip = tg_bootenv_slot_index(p);

		/* installed, activated, not booted yet (updated restarted before the reboot) */
		if (env->order[0] == p && env->left[ip] == TG_BOOTENV_TRIES)
			return 0;
		snprintf(msg, msglen,
			 "update to %s in slot %c never came up (slot %c booted instead); "
			 "recorded as failed",
			 upd_version_str(st->pending_version, v, sizeof v), p, booted);
		upd_state_pending_failed(st, msg);
		if (st->committed_slot != booted) {
			st->committed_slot = booted;
			memcpy(st->committed_version, rel->version, sizeof(st->committed_version));
		}
		return 1;
	}
	if (st->committed_slot != booted) {
		snprintf(msg, msglen,
			 "slot %c (%s) booted instead of the committed slot %c (%s): "
			 "it is the committed slot now",
			 booted, upd_version_str(rel->version, v, sizeof v), st->committed_slot,
			 upd_version_str(st->committed_version, v0, sizeof v0));
		st->committed_slot = booted;
		memcpy(st->committed_version, rel->version, sizeof(st->committed_version));
		upd_state_set_result(st, msg);
		return 1;
	}
	if (tg_bundle_version_cmp(st->committed_version, rel->version) != 0) {
		snprintf(msg, msglen, "slot %c runs %s, the state said %s: recorded", booted,
			 upd_version_str(rel->version, v, sizeof v),
			 upd_version_str(st->committed_version, v0, sizeof v0));
		memcpy(st->committed_version, rel->version, sizeof(st->committed_version));
		return 1;
	}
	return 0;
}

/* ------------------------------------------------------------- messages */

const struct tg_ipc_type upd_to_helper_types[] = {
	{UPD_REQ_STATUS, sizeof(struct upd_req_none), 0, "STATUS"},
	{UPD_REQ_SIGNED, sizeof(struct upd_req_signed), 0, "SIGNED"},
	{UPD_REQ_BEGIN, sizeof(struct upd_req_begin), 0, "BEGIN"},
	{UPD_REQ_WRITE, sizeof(struct upd_req_write), 0, "WRITE"},
	{UPD_REQ_FINISH, sizeof(struct upd_req_finish), 0, "FINISH"},
	{UPD_REQ_ABORT, sizeof(struct upd_req_none), 0, "ABORT"},
	{UPD_REQ_MARK_GOOD, sizeof(struct upd_req_none), 0, "MARK_GOOD"},
	{UPD_REQ_MARK_BAD, sizeof(struct upd_req_none), 0, "MARK_BAD"},
	{UPD_REQ_ROLLBACK, sizeof(struct upd_req_none), 0, "ROLLBACK"},
	{UPD_REQ_COMMIT, sizeof(struct upd_req_none), 0, "COMMIT"},
	{UPD_REQ_TRIAL_FAILED, sizeof(struct upd_req_trial_failed), 0, "TRIAL_FAILED"},
	{UPD_REQ_REBOOT, sizeof(struct upd_req_none), 0, "REBOOT"},
	{UPD_REQ_MEDIA_SCAN, sizeof(struct upd_req_none), 0, "MEDIA_SCAN"},
};
const size_t upd_to_helper_ntypes = sizeof(upd_to_helper_types) / sizeof(upd_to_helper_types[0]);

const struct tg_ipc_type upd_from_helper_types[] = {
	{UPD_REP_STATUS, sizeof(struct upd_rep_status), 0, "STATUS"},
	{UPD_REP_RESULT, sizeof(struct upd_rep_result), 0, "RESULT"},
	{UPD_REP_MEDIA, sizeof(struct upd_rep_media), 1, "MEDIA"},
};
const size_t upd_from_helper_ntypes =
    sizeof(upd_from_helper_types) / sizeof(upd_from_helper_types[0]);

_Static_assert(sizeof(struct upd_req_write) <= TG_IPC_PAYLOAD_MAX, "WRITE fits one message");
_Static_assert(sizeof(struct upd_req_signed) <= TG_IPC_PAYLOAD_MAX, "SIGNED fits one message");
_Static_assert(sizeof(struct upd_rep_status) <= TG_IPC_PAYLOAD_MAX, "STATUS fits one message");
