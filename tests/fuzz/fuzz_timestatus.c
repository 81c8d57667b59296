/*
 * fuzz_timestatus.c - libFuzzer harness over tg_timestatus_decode: any
 * bytes are rejected with a message or decoded; a decoded record encodes
 * back to exactly the same bytes (nothing in an accepted record is
 * ignored).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "timestatus.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t out[TG_TIMESTATUS_WIRE_SIZE];
	struct tg_timestatus st;
	char err[160];
	uint8_t *copy;

	copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	if (size)
		memcpy(copy, data, size);
	err[0] = '\0';
	if (tg_timestatus_decode(copy, size, &st, err, sizeof(err)) != 0) {
		if (!err[0] || !memchr(err, '\0', sizeof(err)))
			abort();
		free(copy);
		return 0;
	}
	if (size != TG_TIMESTATUS_WIRE_SIZE)
		abort();
	tg_timestatus_encode(&st, out);
	if (memcmp(out, copy, sizeof(out)) != 0)
		abort();
	free(copy);
	return 0;
}
