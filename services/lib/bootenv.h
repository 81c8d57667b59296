/*
 * bootenv.h - the A/B boot state shared with U-Boot's boot script.
 *
 * Storage: two raw GPT partitions, "bootenv0" and "bootenv1", each holding
 * one copy in U-Boot's checksummed environment format (`env export -c -s
 * 0x4000`): a little-endian CRC-32 over the remaining TG_BOOTENV_SIZE-4
 * bytes, then "NAME=VALUE\0" entries, an empty entry ("\0") and zero
 * padding.
 *
 * Variables (the same names as RAUC's U-Boot integration):
 *   BOOT_ORDER   "A B", "B A", "A" or "B": slots to try, first first
 *   BOOT_A_LEFT  tries left for slot A, 0..3
 *   BOOT_B_LEFT  tries left for slot B, 0..3
 *   TG_SEQ       generation, incremented by every write from Linux
 *
 * Every writer (U-Boot's script and this library) writes copy 0 first and
 * copy 1 second, each synchronously, so when both copies pass their CRC,
 * copy 0 is the newer one; when a power cut tore one copy, the other is
 * whole.  Readers prefer copy 0, else copy 1, else defaults.
 *
 * Values are normalised exactly as board/common/boot.cmd does, so Linux
 * and U-Boot always agree on what a stored environment means: an unknown
 * BOOT_ORDER becomes "A B", a counter that is not 0..3 becomes 0.
 */
#ifndef TG_BOOTENV_H
#define TG_BOOTENV_H

#include <stddef.h>
#include <stdint.h>

#define TG_BOOTENV_SIZE 0x4000
#define TG_BOOTENV_TRIES 3

struct tg_bootenv {
	char order[2];     /* slot letters 'A'/'B', first first */
	int norder;        /* 1 or 2 */
	int left[2];       /* tries left, index 0 = A, 1 = B */
	uint64_t seq;
};

/* Index of a slot letter ('A' -> 0, 'B' -> 1), -1 for anything else. */
int tg_bootenv_slot_index(char slot);

/* Defaults: order "A B", 3 tries each, seq 0. */
void tg_bootenv_default(struct tg_bootenv *env);

/*
 * Pure decode of one copy.  Returns 0, or -1 with the reason in err (bad
 * CRC, malformed entry, missing terminator).  Values are normalised; a
 * variable that is absent takes its default.
 */
int tg_bootenv_decode(const uint8_t *buf, size_t len, struct tg_bootenv *env, char *err,
		      size_t errlen);

/* Pure encode of one copy (sorted entries, as U-Boot exports). */
void tg_bootenv_encode(const struct tg_bootenv *env, uint8_t out[TG_BOOTENV_SIZE]);

/* BOOT_ORDER as text ("A B"). */
const char *tg_bootenv_order_str(const struct tg_bootenv *env, char buf[4]);

/*
 * Read both copies from open descriptors (offset 0).  *used is 0 or 1 for
 * the copy taken, -1 if neither was valid (defaults returned, with the
 * reasons in err).  Returns 0 if a copy was valid, -1 otherwise.
 */
int tg_bootenv_read(int fd0, int fd1, struct tg_bootenv *env, int *used, char *err, size_t errlen);

/*
 * Write env (with seq incremented) to copy 0, fsync, then copy 1, fsync.
 * Returns 0, or -1 with errno set and the failing step in err.
 */
int tg_bootenv_write(int fd0, int fd1, struct tg_bootenv *env, char *err, size_t errlen);

#endif
