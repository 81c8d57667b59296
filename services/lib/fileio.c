/* fileio.c - see fileio.h. */
#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
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
