/*
 * fuzz_ntsstats.c - libFuzzer harness over tg_ntsstats_parse (ntsd's
 * counters file, read by the console): any bytes are rejected with a
 * message or parsed; what was parsed formats to a text that parses back
 * to the same figures (no value is misread on the way).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ntsstats.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tg_ntsstats st, back;
	char err[200], text[512];
	char *copy;
	size_t n;

	/* an exact-size copy: ASan sees any read past the end */
	copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	if (size)
		memcpy(copy, data, size);
	err[0] = '\0';
	if (tg_ntsstats_parse(copy, size, &st, err, sizeof(err)) != 0) {
		if (!err[0] || !memchr(err, '\0', sizeof(err)))
			abort();
		free(copy);
		return 0;
	}
	free(copy);
	if (st.version != TG_NTSSTATS_VERSION)
		abort();
	n = tg_ntsstats_format(&st, text, sizeof(text));
	if (n == 0 || tg_ntsstats_parse(text, n, &back, err, sizeof(err)) != 0)
		abort();
	back.have = st.have; /* the formatter writes every key */
	if (memcmp(&st, &back, sizeof(st)) != 0)
		abort();
	return 0;
}
