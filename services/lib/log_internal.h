/*
 * log_internal.h - what other lib/ modules need from log.c and nothing
 * else: the SIGSYS handler in sandbox.c formats its own line by hand
 * (async-signal-safe) and needs the output fd and the service name.
 * Not for daemons.
 */
#ifndef TG_LOG_INTERNAL_H
#define TG_LOG_INTERNAL_H

/* Current output fd (stderr unless tg_log_set_fd). */
int tg_log_fd(void);
/* Service name as set by tg_log_init; NUL-terminated static storage. */
const char *tg_log_service(void);
/* Current role; NUL-terminated static storage. */
const char *tg_log_role(void);

#endif
