/*
 * fuzz_bootenv.c - tg_bootenv_decode on arbitrary partition contents.
 * Inputs shorter than a copy are zero-padded and resealed with a valid CRC
 * half of the time, so the fuzzer reaches the entry parser.
 */
#include "bootenv.h"
#include "crc32.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[TG_BOOTENV_SIZE], again[TG_BOOTENV_SIZE];
	struct tg_bootenv env, env2;
	char err[256];

	if (tg_bootenv_decode(data, size, &env, err, sizeof err) == 0 && size != TG_BOOTENV_SIZE)
		abort();
	memset(buf, 0, sizeof buf);
	if (size > sizeof buf - 4)
		size = sizeof buf - 4;
	memcpy(buf + 4, data, size);
	if (size && (data[0] & 1)) {
		uint32_t crc = tg_crc32(0, buf + 4, sizeof buf - 4);
		buf[0] = (uint8_t)crc;
		buf[1] = (uint8_t)(crc >> 8);
		buf[2] = (uint8_t)(crc >> 16);
		buf[3] = (uint8_t)(crc >> 24);
	}
	if (tg_bootenv_decode(buf, sizeof buf, &env, err, sizeof err) == 0) {
		/* whatever was accepted re-encodes to something that decodes the same */
		if (env.norder < 1 || env.norder > 2 || env.left[0] < 0 || env.left[0] > 3 ||
		    env.left[1] < 0 || env.left[1] > 3)
			abort();
		tg_bootenv_encode(&env, again);
		if (tg_bootenv_decode(again, sizeof again, &env2, err, sizeof err) != 0 ||
		    env2.norder != env.norder || env2.order[0] != env.order[0] ||
		    (env.norder == 2 && env2.order[1] != env.order[1]) ||
		    env2.left[0] != env.left[0] || env2.left[1] != env.left[1] || env2.seq != env.seq)
			abort();
	}
	return 0;
}
