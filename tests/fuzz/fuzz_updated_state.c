/*
 * fuzz_updated_state.c - the update agent's parsers of files a person
 * with the disk in hand can write (services/updated/state.c): the state
 * file (it holds the anti-rollback minimum), the release file, the kernel
 * command line's tg.slot= and the DER walk to a certificate's DNS name.
 * The first byte picks the parser; the rest is its input.
 *
 * Properties, besides no crash: an accepted state re-encodes to exactly
 * the bytes it was decoded from (the encoding is canonical when the input
 * was written in the encoder's key order) or at least to text that
 * decodes to the same state; a DNS name found is NUL-terminated, fits,
 * and has only name characters.
 */
#include <stdlib.h>
#include <string.h>

#include "updated/updated.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char buf[UPD_STATE_MAX];
	struct upd_state st, st2;
	struct upd_release rel;
	char err[256], name[64];
	size_t n, i;

	if (size < 1)
		return 0;
	switch (data[0] % 4) {
	case 0:
		if (upd_state_decode((const char *)data + 1, size - 1, &st, err, sizeof err) != 0)
			break;
		if ((st.committed_slot != 'A' && st.committed_slot != 'B') ||
		    (st.pending_slot && st.pending_slot != 'A' && st.pending_slot != 'B') ||
		    strlen(st.last_result) >= sizeof st.last_result)
			abort();
		n = upd_state_encode(&st, buf, sizeof buf);
		if (n == 0 || upd_state_decode(buf, n, &st2, err, sizeof err) != 0 ||
		    memcmp(&st, &st2, sizeof st) != 0)
			abort();
		break;
	case 1:
		if (upd_release_parse((const char *)data + 1, size - 1, &rel, err, sizeof err) == 0 &&
		    (!rel.compatible[0] || !rel.product[0]))
			abort();
		break;
	case 2: {
		char s = upd_cmdline_slot((const char *)data + 1, size - 1);

		if (s != 0 && s != 'A' && s != 'B')
			abort();
		break;
	}
	default:
		if (upd_cert_dns_name(data + 1, size - 1, name, sizeof name) == 0) {
			n = strnlen(name, sizeof name);
			if (n == 0 || n >= sizeof name)
				abort();
			for (i = 0; i < n; i++)
				if (!((name[i] >= 'a' && name[i] <= 'z') ||
				      (name[i] >= 'A' && name[i] <= 'Z') ||
				      (name[i] >= '0' && name[i] <= '9') || name[i] == '.' ||
				      name[i] == '-'))
					abort();
		}
		break;
	}
	return 0;
}
