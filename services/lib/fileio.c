/* fileio.c - see fileio.h. */
#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <string.h>
#include <unistd.h>

int tg_write_all(int fd, const void *buf, size_t n)
{
	const char *p = buf;

	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

ssize_t tg_read_full(int fd, void *buf, size_t cap)
{
	char *p = buf;
	size_t n = 0;

	while (n < cap) {
		ssize_t r = read(fd, p + n, cap - n);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	return (ssize_t)n;
}

int tg_read_small_file(const char *path, void *buf, size_t cap, size_t *len)
{
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC), e;

	if (fd < 0)
		return -1;
	n = tg_read_full(fd, buf, cap);
	e = errno;
	close(fd);
	if (n < 0) {
		errno = e;
		return -1;
	}
	if ((size_t)n == cap) {
		errno = EFBIG;
		return -1;
	}
	*len = (size_t)n;
	return 0;
}

int tg_fsync_parent(const char *path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	size_t dlen = slash ? (size_t)(slash - path) : 0;
	int fd, rc, saved;

	if (!slash) {
		strcpy(dir, ".");
	} else if (dlen == 0) {
		strcpy(dir, "/");
	} else if (dlen < sizeof(dir)) {
		memcpy(dir, path, dlen);
		dir[dlen] = '\0';
	} else {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	rc = fsync(fd);
	saved = errno;
	close(fd);
	if (rc < 0 && saved == EINVAL)
		return 0; /* a folder that cannot be synced (tmpfs on old kernels): nothing to do */
	errno = saved;
	return rc;
}

int tg_write_file_atomic(const char *path, const void *buf, size_t n, unsigned mode)
{
	char tmp[PATH_MAX];
	int fd, saved;

	/* the temporary file sits next to path, so rename(2) is atomic */
	if (snprintf(tmp, sizeof(tmp), "%s.tmp.XXXXXX", path) >= (int)sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fchmod(fd, (mode_t)mode) < 0 || tg_write_all(fd, buf, n) < 0 || fsync(fd) < 0)
		goto fail_fd;
	if (close(fd) < 0) {
		fd = -1;
		goto fail_fd;
	}
	fd = -1;
	if (rename(tmp, path) < 0)
		goto fail_fd;
	(void)tg_fsync_parent(path);
	return 0;

fail_fd:
	saved = errno;
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	errno = saved;
	return -1;
}
