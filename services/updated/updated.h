/*
 * updated.h - the update agent's shared definitions: the configuration,
 * the fixed-size messages between its two process roles, and the pure
 * checks both roles apply (helper_check.c).
 *
 * Roles (see updated(8)):
 *   main    (main.c, health.c) user `updated`, no capability: the
 *           control socket, bundle verification and streaming, status,
 *           the health check of a trial boot, media installs;
 *   helper  (helper.c) uid 0 with no capability: the only process that
 *           writes a slot's partitions, the boot environment and the
 *           state file.  It re-verifies the signed manifest itself and
 *           re-checks every request against its own state, so a
 *           compromised main can neither write the booted slot nor
 *           activate bytes that do not hash to a manifest our keys signed.
 *
 * Messages go over a SOCK_SEQPACKET pair with lib/ipc (one exact size
 * per type).  Every request gets exactly one reply.  Integers are in
 * host order; char arrays are NUL-terminated (the receiver checks).
 */
#ifndef UPDATED_H
#define UPDATED_H

#include <stddef.h>
#include <stdint.h>

#include "bootenv.h"
#include "bundle.h"
#include "ipc.h"

#define UPD_CONF_PATH      "/etc/timegate/updated.conf"
#define UPD_RELEASE_PATH   "/etc/timegate/release"
#define UPD_KEYRING_PATH   "/etc/timegate/update-keys"
#define UPD_SOCKET_PATH    "/run/timegate/update/updated.sock"
#define UPD_STATE_DIR      "/data/updated"
#define UPD_CMDLINE_PATH   "/proc/cmdline"
#define UPD_SYSFS_BLOCK    "/sys/class/block"
#define UPD_NTSD_CERT      "/data/config/nts/cert.pem"
#define UPD_TIME_STATUS    "/run/timegate/time/status"
#define UPD_USER           "updated"

#define UPD_RULES_MAX   64
#define UPD_RESULT_MAX  200 /* last-result, a trial's failure reason */
#define UPD_MSG_MAX     256 /* a reply's message */
#define UPD_SIGNED_MAX  (TG_BUNDLE_HDR + TG_BUNDLE_MANIFEST_MAX + TG_BUNDLE_SIG)
#define UPD_SIGNED_CHUNK 2048
/* image bytes per WRITE: what lib/ipc carries in one message beside the fields */
#define UPD_WRITE_MAX   (TG_IPC_PAYLOAD_MAX - 16)
#define UPD_IMG_BOOT    0
#define UPD_IMG_ROOT    1

/* ------------------------------------------------------------ configuration */

struct upd_conf {
	uint32_t health_timeout_s;  /* 30..86400, default 600 */
	uint32_t health_interval_s; /* 1..3600, default 5 */
	int media;                  /* default yes */
	int media_reboot;           /* default yes */
	uint16_t ntske_port;        /* default 4460 */
	uint16_t ntp_port;          /* default 123 */
	char ntsd_cert[256];
	char time_status[256];      /* timed's status file */
	char user[32];              /* main's user when started as root */
};

void upd_conf_defaults(struct upd_conf *c);
/* Pure: parse updated.conf text (lib/conf format).  0, or -1 with "fname:line: ..." in err. */
int upd_conf_parse(const char *buf, size_t len, const char *fname, struct upd_conf *c, char *err,
		   size_t errlen);
/* Read and parse the file (tg_conf_load: a regular file, size limit). */
int upd_conf_load(const char *path, struct upd_conf *c, char *err, size_t errlen);

/* ----------------------------------------------------------- the running slot */

/* /etc/timegate/release: "version V", "security S", "compatible C", "product P" */
struct upd_release {
	unsigned version[3];
	uint32_t security;
	char compatible[64];
	char product[32];
};

/* Pure: each of the four lines once, nothing else, each ending in a newline. */
int upd_release_parse(const char *buf, size_t len, struct upd_release *r, char *err,
		      size_t errlen);

/* tg.slot=A|B on a kernel command line: 'A', 'B', or 0. Pure. */
char upd_cmdline_slot(const char *buf, size_t len);

/* "1.2.3" into buf (at least 18 bytes) */
const char *upd_version_str(const unsigned v[3], char *buf, size_t len);

/* --------------------------------------------------------------- messages */

enum upd_msg_type {
	/* main -> helper */
	UPD_REQ_STATUS = 1,
	UPD_REQ_SIGNED,       /* a piece of the signed part: header, manifest, signature */
	UPD_REQ_BEGIN,        /* verify it, invalidate the inactive slot, start writing */
	UPD_REQ_WRITE,        /* image bytes, in order */
	UPD_REQ_FINISH,       /* read back, compare, record pending, activate */
	UPD_REQ_ABORT,        /* stop writing; the slot stays inactive */
	UPD_REQ_MARK_GOOD,    /* the booted (committed) slot came up: 3 tries */
	UPD_REQ_MARK_BAD,     /* the booted slot is broken: 0 tries, the other first */
	UPD_REQ_ROLLBACK,     /* the other slot first, 3 tries */
	UPD_REQ_COMMIT,       /* the trial slot passed its health check */
	UPD_REQ_TRIAL_FAILED, /* it did not: record the failure, the old slot first */
	UPD_REQ_REBOOT,
	UPD_REQ_MEDIA_SCAN,   /* find a bundle on a removable disk; its fd comes back */
	/* helper -> main */
	UPD_REP_STATUS = 32,
	UPD_REP_RESULT,
	UPD_REP_MEDIA,
};

struct upd_req_none {
	uint32_t reserved; /* 0 */
};

struct upd_req_signed {
	uint32_t off; /* where data goes in the signed part: the next byte */
	uint32_t len; /* 1..UPD_SIGNED_CHUNK; the bytes after it are 0 */
	uint8_t data[UPD_SIGNED_CHUNK];
};

struct upd_req_begin {
	uint32_t slot;       /* 'A' or 'B': the inactive slot */
	uint32_t signed_len; /* bytes of the signed part sent, 16 + ML + 64 */
};

struct upd_req_write {
	uint32_t image; /* UPD_IMG_BOOT, UPD_IMG_ROOT */
	uint32_t len;   /* 1..UPD_WRITE_MAX; the bytes after it are 0 */
	uint64_t off;   /* the next byte of that image */
	uint8_t data[UPD_WRITE_MAX];
};

struct upd_req_finish {
	uint64_t size[2];       /* what main streamed and hashed, per image */
	uint8_t sha256[2][32];
};

struct upd_req_trial_failed {
	char reason[UPD_RESULT_MAX];
};

enum { UPD_OK = 0, UPD_REFUSED = 1, UPD_FAILED = 2 };

struct upd_rep_result {
	int32_t status; /* UPD_OK, UPD_REFUSED (a rule), UPD_FAILED (I/O) */
	uint32_t reserved;
	char msg[UPD_MSG_MAX];
};

struct upd_rep_status {
	uint8_t booted;      /* 'A', 'B'; 0: unknown */
	uint8_t committed;   /* 'A', 'B' */
	uint8_t pending;     /* 'A', 'B'; 0: none */
	uint8_t trial;       /* booted == pending */
	uint8_t env_copy;    /* bootenv copy used: 0, 1; 2: neither valid (defaults) */
	uint8_t norder;      /* 1 or 2 */
	uint8_t order[2];
	uint8_t left[2];     /* tries left, A and B */
	uint8_t installing;  /* between BEGIN and FINISH/ABORT */
	uint8_t have_failed;
	uint32_t committed_version[3];
	uint32_t pending_version[3];
	uint32_t security_min;
	uint32_t pending_security;
	uint64_t part_size[2]; /* the inactive slot's boot and root partitions; 0: not open */
	uint8_t pending_bundle[32];
	uint8_t failed_bundle[32];
	char last_result[UPD_RESULT_MAX];
};

struct upd_rep_media {
	uint32_t found; /* 1: a descriptor came with this message */
	uint32_t reserved;
	char name[64];  /* the disk, e.g. "sdb" */
};

extern const struct tg_ipc_type upd_to_helper_types[];
extern const size_t upd_to_helper_ntypes;
extern const struct tg_ipc_type upd_from_helper_types[];
extern const size_t upd_from_helper_ntypes;

/* ------------------------------------------------------ the helper's state */

#include "state.h"

/* Everything the helper decides with; the pure checks read only this. */
struct upd_hstate {
	char booted;                  /* 'A', 'B'; 0: unknown (refuse every write) */
	struct upd_release rel;       /* the booted slot's release file */
	struct upd_state st;          /* the state file, or its defaults */
	struct tg_bootenv env;        /* as last read or written */
	uint64_t part_size[2];        /* inactive boot, root; 0: not open */
	/* an install, between BEGIN and FINISH/ABORT */
	int installing;
	char slot;                    /* the slot being written */
	struct tg_bundle_manifest m;  /* its manifest, verified by the helper */
	uint8_t bundle_id[32];        /* SHA-256 of header + manifest */
	uint64_t next[2];             /* bytes of each image written so far */
};

static inline char upd_other(char slot)
{
	return slot == 'A' ? 'B' : 'A';
}

/*
 * Pure checks (helper_check.c), each 0 or -1 with the reason in err.
 * upd_manifest_check: product, compatible, security minimum, version
 * newer than the running one, image sizes within the slot's partitions
 * (in that order; the messages are the ones updated(8) documents).
 */
int upd_manifest_check(const struct tg_bundle_manifest *m, const struct upd_release *rel,
		       uint32_t security_min, const uint64_t part_size[2], char slot, char *err,
		       size_t errlen);
/* The booted slot may be the source of an install: known, committed, not on trial. */
int upd_check_can_install(const struct upd_hstate *h, char *err, size_t errlen);
int upd_check_begin(const struct upd_hstate *h, uint32_t slot, char *err, size_t errlen);
int upd_check_write(const struct upd_hstate *h, const struct upd_req_write *w, char *err,
		    size_t errlen);
int upd_check_finish(const struct upd_hstate *h, const struct upd_req_finish *f, char *err,
		     size_t errlen);
int upd_check_mark_good(const struct upd_hstate *h, char *err, size_t errlen);
/* mark-bad and rollback: the other slot must be able to boot */
int upd_check_switch(const struct upd_hstate *h, const char *what, char *err, size_t errlen);
/* commit and trial-failed: the booted slot is the pending one */
int upd_check_trial(const struct upd_hstate *h, const char *what, char *err, size_t errlen);
/* the other slot holds a whole image: it has tries, or it is the committed one */
int upd_other_valid(const struct upd_hstate *h);
/*
 * What the helper makes of the state at start (the boot that just
 * happened): returns 1 when st changed and must be written, with a line
 * for the log in msg.  Cases: a pending slot that booted (trial: no
 * change); a pending slot that did not (U-Boot used its tries, or the
 * power was cut before activation: recorded as failed) unless it is
 * still waiting for its first boot (first in the order, 3 tries); no
 * pending and the committed slot did not boot (U-Boot fell back: the
 * booted slot becomes the committed one).
 */
int upd_state_settle(struct upd_state *st, char booted, const struct upd_release *rel,
		     const struct tg_bootenv *env, char *msg, size_t msglen);

/* ------------------------------------------------------------ entry points */

struct upd_paths {
	const char *partdir;   /* -p: test mode, partition files; NULL: GPT names */
	const char *mediadir;  /* -m: candidate disk files (test mode) */
	const char *cmdline;
	const char *release;
	const char *keyring;
	const char *state_dir;
	const char *sysfs;
};

/*
 * helper.c: the helper role; returns its exit status.  rel and kr are the
 * release and key ring main read at start, before the fork and before any
 * input: the helper takes them as they are rather than reading the files
 * again.
 */
int upd_helper_role(int ipc_fd, const struct upd_paths *p, const struct upd_release *rel,
		    const struct tg_bundle_keyring *kr, int media_scan);
struct tg_sandbox;
struct tg_syscall_rule;
void upd_helper_sandbox(struct tg_sandbox *sb, struct tg_syscall_rule *rules, size_t cap,
			int ipc_fd, int test_mode);

/* health.c: one run of the checks but the first (boot-ready), main's side */
struct upd_health {
	const struct upd_conf *c;
	const void *anchors;   /* struct tg_pem_anchors *, NULL when the certificate is missing */
	size_t n_anchors;
	int no_cert;           /* no certificate file: ntsd serves no NTS-KE, not checked */
	char anchor_err[200];  /* why there is none */
	char server_name[256]; /* the certificate's first DNS name, or "localhost" */
};
/* 0: the clock, NTP and NTS-KE checks pass; -1: every one that failed, in why */
int upd_health_run(const struct upd_health *h, char *why, size_t whylen);
/* Load ntsd's certificate as the direct trust anchor (before the sandbox). */
void upd_health_load(struct upd_health *h, const struct upd_conf *c);
/*
 * Pure: the first dNSName of a DER certificate's subjectAltName into
 * out; 0, or -1 when it has none (or the DER is not what we expect).
 */
int upd_cert_dns_name(const uint8_t *der, size_t len, char *out, size_t outlen);

#endif
