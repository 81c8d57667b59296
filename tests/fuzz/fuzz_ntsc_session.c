/*
 * fuzz_ntsc_session.c - libFuzzer harness over the NTS client's session
 * file (lib/ntsclient.c tg_ntsc_decode, what nts-query -K and timed's
 * cross-check read back from disk): any input is refused with a message,
 * or decoded into a session that encodes back to exactly the same bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ntsclient.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tg_ntsc s;
	static uint8_t again[TG_NTSC_SESSION_MAX];
	char err[200];
	size_t n;

	err[0] = 'x';
	if (tg_ntsc_decode(&s, data, size, err, sizeof(err)) < 0) {
		if (err[0] == '\0' || memchr(err, '\0', sizeof(err)) == NULL)
			abort(); /* a refusal always says why */
		return 0;
	}
	if (err[0] != '\0')
		abort();
	n = tg_ntsc_encode(&s, again, sizeof(again));
	if (n != size || memcmp(again, data, size) != 0)
		abort();
	tg_ntsc_wipe(&s);
	return 0;
}
