/*
 * test_fileio.c - lib/fileio's small-file reader (tg_read_small_file),
 * used for the update agent's release file, kernel command line and
 * state file: a file shorter than the buffer is read whole; one that
 * fills it is refused with EFBIG (never silently cut); a missing one
 * gives ENOENT.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "fileio.h"

static char dir[64];

static const char *file_with(const char *name, const char *text)
{
	static char path[128];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
	return path;
}

static void read_small(void)
{
	char buf[8];
	size_t len = 99;

	/* 7 bytes in an 8-byte buffer: read whole */
	CHECK_EQ_INT(tg_read_small_file(file_with("seven", "1234567"), buf, sizeof buf, &len), 0);
	CHECK_EQ_INT((int)len, 7);
	CHECK(memcmp(buf, "1234567", 7) == 0);
	/* empty */
	CHECK_EQ_INT(tg_read_small_file(file_with("empty", ""), buf, sizeof buf, &len), 0);
	CHECK_EQ_INT((int)len, 0);
	/* 8 bytes fill the buffer: too large, not cut */
	len = 99;
	errno = 0;
	CHECK_EQ_INT(tg_read_small_file(file_with("eight", "12345678"), buf, sizeof buf, &len), -1);
	CHECK_EQ_INT(errno, EFBIG);
	CHECK_EQ_INT((int)len, 99);
	/* missing */
	errno = 0;
	CHECK_EQ_INT(tg_read_small_file("/nonexistent/file", buf, sizeof buf, &len), -1);
	CHECK_EQ_INT(errno, ENOENT);
}

int main(void)
{
	snprintf(dir, sizeof dir, "/tmp/tg-test-fileio.XXXXXX");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	RUN(read_small);
	for (const char *const *n = (const char *const[]){"seven", "empty", "eight", NULL}; *n;
	     n++) {
		char p[128];

		snprintf(p, sizeof p, "%s/%s", dir, *n);
		unlink(p);
	}
	rmdir(dir);
	return check_exit();
}
