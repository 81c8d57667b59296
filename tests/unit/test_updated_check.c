/*
 * test_updated_check.c - the update agent's rules (services/updated/
 * helper_check.c): what may be installed, which helper request is taken
 * in which state, and how the state is settled at start.  Each refusal
 * is driven on its own from an accepting state, so a rule that stopped
 * refusing fails its own check.
 */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "updated/updated.h"

static int has(const char *s, const char *sub)
{
	if (!strstr(s, sub)) {
		fprintf(stderr, "  \"%s\" does not contain \"%s\"\n", s, sub);
		return 0;
	}
	return 1;
}

static const struct upd_release rel = {{1, 4, 0}, 5, "qemu-x86_64", "timegate"};

static void manifest(struct tg_bundle_manifest *m)
{
	memset(m, 0, sizeof *m);
	m->format = 1;
	strcpy(m->product, "timegate");
	strcpy(m->compatible, "qemu-x86_64");
	m->version[0] = 1;
	m->version[1] = 5;
	m->security = 5;
	strcpy(m->image[0].target, "boot");
	m->image[0].size = 1000;
	memset(m->image[0].sha256, 0x11, 32);
	strcpy(m->image[1].target, "root");
	m->image[1].size = 5000;
	memset(m->image[1].sha256, 0x22, 32);
}

/* A booted, committed, B may be written: everything accepted from here */
static void hstate(struct upd_hstate *h)
{
	memset(h, 0, sizeof *h);
	h->booted = 'A';
	h->rel = rel;
	upd_state_defaults(&h->st, 'A', rel.version, 5);
	tg_bootenv_default(&h->env);
	h->part_size[0] = 4096;
	h->part_size[1] = 8192;
}

static void installing(struct upd_hstate *h)
{
	hstate(h);
	h->installing = 1;
	h->slot = 'B';
	manifest(&h->m);
}

static void manifest_rules(void)
{
	const uint64_t sizes[2] = {1000, 5000};
	struct tg_bundle_manifest m;
	char err[256];

	manifest(&m);
	CHECK_EQ_INT(upd_manifest_check(&m, &rel, 5, sizes, 'B', err, sizeof err), 0);
	strcpy(m.product, "other");
	CHECK_EQ_INT(upd_manifest_check(&m, &rel, 5, sizes, 'B', err, sizeof err), -1);
	CHECK(has(err, "bundle is for product other, not timegate"));
	manifest(&m);
	strcpy(m.compatible, "rpi4");
	CHECK_EQ_INT(upd_manifest_check(&m, &rel, 5, sizes, 'B', err, sizeof err), -1);
	CHECK(has(err, "made for rpi4, this device is qemu-x86_64"));
	manifest(&m);
	m.security = 4;
	CHECK_EQ_INT(upd_manifest_check(&m, &rel, 5, sizes, 'B', err, sizeof err), -1);
	CHECK(has(err, "security version 4 is below this device's minimum 5 (anti-rollback)"));
	/* the minimum is the state's, not the release's */
	CHECK_EQ_INT(upd_manifest_check(&m, &rel, 4, sizes, 'B', err, sizeof err), 0);
	manifest(&m);
	m.version[1] = 4;
	CHECK_EQ_INT(upd_manifest_check(&m, &rel, 5, sizes, 'B', err, sizeof err), -1);
	CHECK(has(err, "version 1.4.0 is not newer than the running 1.4.0"));
	m.version[1] = 3;
	m.version[2] = 9;
	CHECK_EQ_INT(upd_manifest_check(&m, &rel, 5, sizes, 'B', err, sizeof err), -1);
	CHECK(has(err, "version 1.3.9 is not newer than the running 1.4.0"));
	manifest(&m);
	m.image[1].size = 5001;
	CHECK_EQ_INT(upd_manifest_check(&m, &rel, 5, sizes, 'B', err, sizeof err), -1);
	CHECK(has(err, "image root is 5001 bytes, slot partition rootB holds 5000"));
	manifest(&m);
	m.image[0].size = (1ull << 32) + 1000; /* 1000 modulo 2^32 */
	CHECK_EQ_INT(upd_manifest_check(&m, &rel, 5, sizes, 'A', err, sizeof err), -1);
	CHECK(has(err, "image boot is 4294968296 bytes, slot partition bootA holds 1000"));
	manifest(&m);
	strcpy(m.image[1].target, "boot");
	CHECK_EQ_INT(upd_manifest_check(&m, &rel, 5, sizes, 'B', err, sizeof err), -1);
	CHECK(has(err, "image 2 is boot, expected root"));
}

static void begin_rules(void)
{
	struct upd_hstate h;
	char err[256];

	hstate(&h);
	CHECK_EQ_INT(upd_check_begin(&h, 'B', err, sizeof err), 0);
	CHECK_EQ_INT(upd_check_begin(&h, 'A', err, sizeof err), -1);
	CHECK(has(err, "slot A is the booted slot"));
	CHECK_EQ_INT(upd_check_begin(&h, 'C', err, sizeof err), -1);
	CHECK(has(err, "expected A or B"));
	CHECK_EQ_INT(upd_check_begin(&h, 'B' | 0x100, err, sizeof err), -1);
	h.booted = 0;
	CHECK_EQ_INT(upd_check_begin(&h, 'B', err, sizeof err), -1);
	CHECK(has(err, "the booted slot is unknown"));
	hstate(&h);
	h.st.pending_slot = 'A'; /* A is on trial */
	CHECK_EQ_INT(upd_check_begin(&h, 'B', err, sizeof err), -1);
	CHECK(has(err, "slot A is on trial"));
	hstate(&h);
	h.st.committed_slot = 'B';
	CHECK_EQ_INT(upd_check_begin(&h, 'B', err, sizeof err), -1);
	CHECK(has(err, "the booted slot A is not the committed slot B"));
	installing(&h);
	CHECK_EQ_INT(upd_check_begin(&h, 'B', err, sizeof err), -1);
	CHECK(has(err, "an install into slot B is in progress"));
	hstate(&h);
	h.part_size[1] = 0;
	CHECK_EQ_INT(upd_check_begin(&h, 'B', err, sizeof err), -1);
	CHECK(has(err, "not open"));
	/* a pending slot waiting for its reboot does not stop a new install */
	hstate(&h);
	h.st.pending_slot = 'B';
	CHECK_EQ_INT(upd_check_begin(&h, 'B', err, sizeof err), 0);
}

static void write_rules(void)
{
	static struct upd_req_write w;
	struct upd_hstate h;
	char err[256];

	installing(&h);
	memset(&w, 0, sizeof w);
	w.image = UPD_IMG_BOOT;
	w.len = 1000;
	w.off = 0;
	CHECK_EQ_INT(upd_check_write(&h, &w, err, sizeof err), 0);
	h.installing = 0;
	CHECK_EQ_INT(upd_check_write(&h, &w, err, sizeof err), -1);
	CHECK(has(err, "WRITE without BEGIN"));
	installing(&h);
	w.image = 2;
	CHECK_EQ_INT(upd_check_write(&h, &w, err, sizeof err), -1);
	CHECK(has(err, "image 2: expected 0 (boot) or 1 (root)"));
	w.image = UPD_IMG_BOOT;
	w.len = 0;
	CHECK_EQ_INT(upd_check_write(&h, &w, err, sizeof err), -1);
	w.len = UPD_WRITE_MAX + 1;
	CHECK_EQ_INT(upd_check_write(&h, &w, err, sizeof err), -1);
	CHECK(has(err, "expected 1.."));
	w.len = 10;
	w.data[10] = 1;
	CHECK_EQ_INT(upd_check_write(&h, &w, err, sizeof err), -1);
	CHECK(has(err, "not zero"));
	w.data[10] = 0;
	/* not sequential: a gap, a rewrite */
	w.off = 10;
	CHECK_EQ_INT(upd_check_write(&h, &w, err, sizeof err), -1);
	CHECK(has(err, "offset 10: expected the next byte, 0"));
	h.next[0] = 20;
	w.off = 10;
	CHECK_EQ_INT(upd_check_write(&h, &w, err, sizeof err), -1);
	/* past the signed size */
	h.next[0] = 995;
	w.off = 995;
	w.len = 6;
	CHECK_EQ_INT(upd_check_write(&h, &w, err, sizeof err), -1);
	CHECK(has(err, "end past its signed size 1000"));
	w.len = 5;
	CHECK_EQ_INT(upd_check_write(&h, &w, err, sizeof err), 0);
	/* root before boot is whole */
	w.image = UPD_IMG_ROOT;
	w.off = 0;
	CHECK_EQ_INT(upd_check_write(&h, &w, err, sizeof err), -1);
	CHECK(has(err, "root before boot is complete (995 of 1000 bytes)"));
	h.next[0] = 1000;
	CHECK_EQ_INT(upd_check_write(&h, &w, err, sizeof err), 0);
	/* past the partition: a manifest bigger than the slot cannot be written */
	h.part_size[1] = 4000;
	h.next[1] = 3998;
	w.off = 3998;
	w.len = 3;
	CHECK_EQ_INT(upd_check_write(&h, &w, err, sizeof err), -1);
	CHECK(has(err, "end past the partition (4000)"));
	/* a huge offset cannot wrap past the checks */
	h.next[1] = 3998;
	w.off = UINT64_MAX - 1;
	CHECK_EQ_INT(upd_check_write(&h, &w, err, sizeof err), -1);
}

static void finish_rules(void)
{
	struct upd_req_finish f;
	struct upd_hstate h;
	char err[256];

	installing(&h);
	memset(&f, 0, sizeof f);
	f.size[0] = 1000;
	f.size[1] = 5000;
	memset(f.sha256[0], 0x11, 32);
	memset(f.sha256[1], 0x22, 32);
	h.next[0] = 1000;
	h.next[1] = 5000;
	CHECK_EQ_INT(upd_check_finish(&h, &f, err, sizeof err), 0);
	h.next[1] = 4999;
	CHECK_EQ_INT(upd_check_finish(&h, &f, err, sizeof err), -1);
	CHECK(has(err, "image root is incomplete: 4999 of 5000 bytes"));
	h.next[1] = 5000;
	f.sha256[0][31] ^= 1;
	CHECK_EQ_INT(upd_check_finish(&h, &f, err, sizeof err), -1);
	CHECK(has(err, "image boot: main's size and hash differ from the signed manifest"));
	f.sha256[0][31] ^= 1;
	f.size[1] = 5001;
	CHECK_EQ_INT(upd_check_finish(&h, &f, err, sizeof err), -1);
	h.installing = 0;
	f.size[1] = 5000;
	CHECK_EQ_INT(upd_check_finish(&h, &f, err, sizeof err), -1);
	CHECK(has(err, "FINISH without BEGIN"));
}

static void slot_rules(void)
{
	struct upd_hstate h;
	char err[256];

	/* mark-good: not on trial, not during an install */
	hstate(&h);
	CHECK_EQ_INT(upd_check_mark_good(&h, err, sizeof err), 0);
	h.st.pending_slot = 'A';
	CHECK_EQ_INT(upd_check_mark_good(&h, err, sizeof err), -1);
	CHECK(has(err, "slot A is on trial: its health check decides"));
	/* an install into the other slot does not stop the booted slot's mark-good */
	installing(&h);
	CHECK_EQ_INT(upd_check_mark_good(&h, err, sizeof err), 0);
	h.booted = 0;
	CHECK_EQ_INT(upd_check_mark_good(&h, err, sizeof err), -1);
	CHECK(has(err, "unknown"));

	/* mark-bad, rollback: only toward a slot that can boot */
	hstate(&h);
	CHECK_EQ_INT(upd_check_switch(&h, "rollback", err, sizeof err), 0); /* B has 3 tries */
	h.env.left[1] = 0;
	CHECK_EQ_INT(upd_check_switch(&h, "rollback", err, sizeof err), -1);
	CHECK(has(err, "rollback: slot B cannot boot"));
	h.st.committed_slot = 'B'; /* the committed slot is whole, tries or not */
	CHECK(upd_other_valid(&h));
	CHECK_EQ_INT(upd_check_switch(&h, "mark-bad", err, sizeof err), 0);
	installing(&h);
	CHECK_EQ_INT(upd_check_switch(&h, "mark-bad", err, sizeof err), -1);

	/* commit, trial-failed: only on trial */
	hstate(&h);
	CHECK_EQ_INT(upd_check_trial(&h, "commit", err, sizeof err), -1);
	CHECK(has(err, "commit: slot A is not on trial"));
	h.st.pending_slot = 'B'; /* waiting for its reboot: still not a trial of A */
	CHECK_EQ_INT(upd_check_trial(&h, "commit", err, sizeof err), -1);
	h.st.pending_slot = 'A';
	CHECK_EQ_INT(upd_check_trial(&h, "commit", err, sizeof err), 0);
	h.booted = 0;
	CHECK_EQ_INT(upd_check_trial(&h, "commit", err, sizeof err), -1);

	/* install from a trial: refused with the word the console shows */
	hstate(&h);
	h.st.pending_slot = 'A';
	CHECK_EQ_INT(upd_check_can_install(&h, err, sizeof err), -1);
	CHECK(has(err, "on trial"));
}

static void pending(struct upd_state *st, char slot)
{
	static const unsigned v[3] = {1, 3, 0};

	upd_state_defaults(st, 'A', v, 2);
	st->pending_slot = slot;
	st->pending_version[0] = 1;
	st->pending_version[1] = 4;
	st->pending_security = 3;
	memset(st->pending_bundle, 0xab, 32);
}

static void settle(void)
{
	static const struct upd_release r14 = {{1, 4, 0}, 3, "q", "timegate"};
	static const struct upd_release r13 = {{1, 3, 0}, 2, "q", "timegate"};
	struct upd_state st, before;
	struct tg_bootenv env;
	char msg[256];

	/* a trial boot: nothing changes */
	pending(&st, 'B');
	before = st;
	tg_bootenv_default(&env);
	CHECK_EQ_INT(upd_state_settle(&st, 'B', &r14, &env, msg, sizeof msg), 0);
	CHECK(memcmp(&st, &before, sizeof st) == 0);

	/* installed, activated, not booted yet: waiting, nothing changes */
	env.order[0] = 'B';
	env.order[1] = 'A';
	env.left[1] = 3;
	CHECK_EQ_INT(upd_state_settle(&st, 'A', &r13, &env, msg, sizeof msg), 0);
	CHECK(memcmp(&st, &before, sizeof st) == 0);

	/* U-Boot used B's tries and booted A: B never came up */
	env.left[1] = 0;
	CHECK_EQ_INT(upd_state_settle(&st, 'A', &r13, &env, msg, sizeof msg), 1);
	CHECK(has(msg, "update to 1.4.0 in slot B never came up (slot A booted instead)"));
	CHECK_EQ_INT(st.pending_slot, 0);
	CHECK(st.have_failed);
	CHECK_EQ_INT(st.failed_bundle[0], 0xab);
	CHECK_EQ_INT(st.committed_slot, 'A');
	CHECK_EQ_INT(st.security_min, 2); /* not ratcheted by a failure */
	CHECK(has(st.last_result, "never came up"));

	/* power cut before activation: B never first */
	pending(&st, 'B');
	tg_bootenv_default(&env);
	env.norder = 1;
	env.left[1] = 0;
	CHECK_EQ_INT(upd_state_settle(&st, 'A', &r13, &env, msg, sizeof msg), 1);
	CHECK_EQ_INT(st.pending_slot, 0);

	/* no pending, the committed slot did not boot: the booted one is committed now */
	pending(&st, 0);
	st.committed_slot = 'B';
	CHECK_EQ_INT(upd_state_settle(&st, 'A', &r13, &env, msg, sizeof msg), 1);
	CHECK_EQ_INT(st.committed_slot, 'A');
	CHECK_EQ_INT(st.committed_version[1], 3);
	CHECK(has(msg, "slot A (1.3.0) booted instead of the committed slot B"));

	/* the booted slot unknown: nothing is decided */
	pending(&st, 'B');
	before = st;
	CHECK_EQ_INT(upd_state_settle(&st, 0, &r13, &env, msg, sizeof msg), 0);
	CHECK(memcmp(&st, &before, sizeof st) == 0);
}

int main(void)
{
	RUN(manifest_rules);
	RUN(begin_rules);
	RUN(write_rules);
	RUN(finish_rules);
	RUN(slot_rules);
	RUN(settle);
	return check_exit();
}
