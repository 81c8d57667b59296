/*
 * fuzz_gnssstatus.c - libFuzzer harness over tg_gnssstatus_decode: any
 * bytes are rejected with a message or decoded; a decoded record encodes
 * back to exactly the same bytes (the encoding is canonical: nothing in
 * an accepted record is ignored).
 *
 * A record-sized input is decoded twice: as it is, and with its CRC
 * recomputed - otherwise nearly every mutation stops at the CRC and the
 * field checks behind it are never reached.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crc32.h"
#include "gnssstatus.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const uint8_t *buf, size_t size)
{
	uint8_t out[TG_GNSSSTATUS_WIRE_SIZE];
	struct tg_gnssstatus g;
	char err[200];

	err[0] = '\0';
	if (tg_gnssstatus_decode(buf, size, &g, err, sizeof(err)) != 0) {
		if (!err[0] || !memchr(err, '\0', sizeof(err)))
			abort();
		return;
	}
	if (size != TG_GNSSSTATUS_WIRE_SIZE || g.n_sats > TG_GNSSSTATUS_SATS_MAX ||
	    g.n_used > g.n_sats || !memchr(g.refusal, '\0', sizeof(g.refusal)))
		abort();
	tg_gnssstatus_encode(&g, out);
	if (memcmp(out, buf, sizeof(out)) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const size_t crc_off = TG_GNSSSTATUS_WIRE_SIZE - 4;
	uint8_t *copy;
	uint32_t crc;

	/* a copy of exactly size bytes, so ASan sees any read past the end */
	copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	if (size)
		memcpy(copy, data, size);
	check(copy, size);
	if (size == TG_GNSSSTATUS_WIRE_SIZE) {
		crc = tg_crc32(0, copy, crc_off);
		copy[crc_off] = (uint8_t)crc;
		copy[crc_off + 1] = (uint8_t)(crc >> 8);
		copy[crc_off + 2] = (uint8_t)(crc >> 16);
		copy[crc_off + 3] = (uint8_t)(crc >> 24);
		check(copy, size);
	}
	free(copy);
	return 0;
}
