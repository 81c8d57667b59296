/*
 * caps.h - capability names ("cap_sys_time") and numbers (25), as
 * capabilities(7) spells them in lower case: one table for the service
 * files (tg-supervise) and the sandbox descriptions (tg_sandbox_describe).
 */
#ifndef TG_CAPS_H
#define TG_CAPS_H

/* Capability number for "cap_sys_time", or -1. */
int tg_cap_from_name(const char *s);
/* "cap_sys_time" for 25, NULL beyond the table. */
const char *tg_cap_name(int cap);

#endif
