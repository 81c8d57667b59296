/*
 * fuzz_xcheckstatus.c - libFuzzer harness over tg_xcheck_parse (timed's
 * cross-check results, read by the console): any bytes are rejected with
 * a message or parsed; the grammar has one text per content, so what was
 * parsed formats back to exactly the bytes given.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xcheckstatus.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tg_xcheck st;
	static char text[TG_XCHECK_FILE_MAX + 1];
	char err[300];
	char *copy;
	size_t n;

	/* an exact-size copy: ASan sees any read past the end */
	copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	if (size)
		memcpy(copy, data, size);
	err[0] = '\0';
	if (tg_xcheck_parse(copy, size, &st, err, sizeof(err)) != 0) {
		if (!err[0] || !memchr(err, '\0', sizeof(err)))
			abort();
		free(copy);
		return 0;
	}
	if (st.version != TG_XCHECK_VERSION || st.n > TG_XCHECK_SERVERS_MAX)
		abort();
	n = tg_xcheck_format(&st, text, sizeof(text));
	if (n != size || memcmp(text, copy, size) != 0)
		abort();
	free(copy);
	return 0;
}
