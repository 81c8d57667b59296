/*
 * ct.h - constant-time comparison and secret wiping.
 */
#ifndef TG_CT_H
#define TG_CT_H

#include <stddef.h>

/* 1 if a[0..n) == b[0..n), else 0; time depends on n only. */
int tg_ct_eq(const void *a, const void *b, size_t n);

/* Overwrite p[0..n) with zeros in a way the compiler cannot elide. */
void tg_wipe(void *p, size_t n);

#endif
