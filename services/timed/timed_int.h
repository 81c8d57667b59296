/*
 * timed_int.h - declarations shared by timed's own files only (the
 * sandboxes each role builds, also printed by timed -S).
 */
#ifndef TIMED_INT_H
#define TIMED_INT_H

#include <stddef.h>

#include "sandbox.h"
#include "timed.h"
#include "xcheckstatus.h"

#define TIMED_RULES_MAX 64

void timed_clock_sandbox(struct tg_sandbox *sb, struct tg_syscall_rule *rules, size_t cap,
			 int ipc_fd, const char *drop_user);

/* xcheck.c: the xcheck role's sandbox (also printed by timed -S) */
void timed_xcheck_sandbox(struct tg_sandbox *sb, struct tg_syscall_rule *rules, size_t cap,
			  int ipc_fd, const char *drop_user);

/*
 * xfile.c: the cross-check results file.  fill: the record for the
 * configured upstreams, last[i] the last sample of upstream i when
 * have[i] (ages against now_mono_ns); write: formatted, written
 * atomically (0, or -1 with errno).
 */
void timed_xfile_fill(const struct timed_conf *c, const struct timed_msg_xsample *last,
		      const int *have, int64_t now_mono_ns, struct tg_xcheck *st);
int timed_xfile_write(const char *path, const struct tg_xcheck *st);

#endif
