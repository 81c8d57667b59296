/*
 * timed_int.h - declarations shared by timed's own files only (the
 * sandboxes each role builds, also printed by timed -S).
 */
#ifndef TIMED_INT_H
#define TIMED_INT_H

#include <stddef.h>

#include "sandbox.h"

#define TIMED_RULES_MAX 64

void timed_clock_sandbox(struct tg_sandbox *sb, struct tg_syscall_rule *rules, size_t cap,
			 int ipc_fd, const char *drop_user);

/* xcheck.c: the xcheck role's sandbox (also printed by timed -S) */
void timed_xcheck_sandbox(struct tg_sandbox *sb, struct tg_syscall_rule *rules, size_t cap,
			  int ipc_fd, const char *drop_user);

#endif
