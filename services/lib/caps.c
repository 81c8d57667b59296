/*
 * caps.c - capability names and numbers (see caps.h).
 *
 * linux/capability.h's numbering, a stable kernel ABI, listed here so the
 * table does not depend on the kernel headers' age.
 */
#include "caps.h"

#include <string.h>

static const char *const cap_names[] = {
    "cap_chown",
    "cap_dac_override",
    "cap_dac_read_search",
    "cap_fowner",
    "cap_fsetid",
    "cap_kill",
    "cap_setgid",
    "cap_setuid",
    "cap_setpcap",
    "cap_linux_immutable",
    "cap_net_bind_service",
    "cap_net_broadcast",
    "cap_net_admin",
    "cap_net_raw",
    "cap_ipc_lock",
    "cap_ipc_owner",
    "cap_sys_module",
    "cap_sys_rawio",
    "cap_sys_chroot",
    "cap_sys_ptrace",
    "cap_sys_pacct",
    "cap_sys_admin",
    "cap_sys_boot",
    "cap_sys_nice",
    "cap_sys_resource",
    "cap_sys_time",
    "cap_sys_tty_config",
    "cap_mknod",
    "cap_lease",
    "cap_audit_write",
    "cap_audit_control",
    "cap_setfcap",
    "cap_mac_override",
    "cap_mac_admin",
    "cap_syslog",
    "cap_wake_alarm",
    "cap_block_suspend",
    "cap_audit_read",
    "cap_perfmon",
    "cap_bpf",
    "cap_checkpoint_restore",
};
#define NCAPS ((int)(sizeof(cap_names) / sizeof(cap_names[0])))

int tg_cap_from_name(const char *s)
{
	int i;

	for (i = 0; i < NCAPS; i++)
		if (strcmp(s, cap_names[i]) == 0)
			return i;
	return -1;
}

const char *tg_cap_name(int cap)
{
	return cap >= 0 && cap < NCAPS ? cap_names[cap] : NULL;
}
