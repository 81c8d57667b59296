/*
 * fileio.h - the two steps every atomic file replacement needs.
 *
 * Writers put a record in a temporary file beside its path, fsync it,
 * rename(2) it over the path, then fsync the folder so the rename itself
 * is durable (lib/timestatus.c, tg-netpolicy).
 */
#ifndef TG_FILEIO_H
#define TG_FILEIO_H

#include <stddef.h>
#include <sys/types.h>

/* write(2) all n bytes, retrying on EINTR and short writes; 0 or -1 (errno) */
int tg_write_all(int fd, const void *buf, size_t n);

/*
 * read(2) until end of file or cap bytes, retrying on EINTR: the byte
 * count, or -1 (errno).  Readers of small files ask for one byte more
 * than they accept, to tell "exactly the limit" from "too large".
 */
ssize_t tg_read_full(int fd, void *buf, size_t cap);

/*
 * Read a small file whole: open, tg_read_full, close.  The file must be
 * shorter than cap (a file that fills buf is too large: errno EFBIG).
 * 0 with *len set, or -1 (errno).
 */
int tg_read_small_file(const char *path, void *buf, size_t cap, size_t *len);

/* fsync the folder holding path ("." for a bare name); 0 or -1 (errno) */
int tg_fsync_parent(const char *path);

/*
 * Replace path atomically with buf[0..n): a temporary file beside it
 * (mkostemp), mode, write, fsync, rename, fsync of the folder (whose
 * failure is not reported: the new content is in place).  0 or -1
 * (errno); on failure path is unchanged and the temporary file removed.
 */
int tg_write_file_atomic(const char *path, const void *buf, size_t n, unsigned mode);

#endif
