/*
 * fuzz_users.c - the console's users file parser (consoled/users.c) on
 * arbitrary bytes.
 *
 * cd_users_parse must never crash and must always leave err
 * NUL-terminated.  When it refuses, the table is empty and err names a
 * line.  When it accepts:
 *   - every user has a valid name, a role 1..3, a NUL-terminated hash
 *     and TOTP field, and no name appears twice; at most CD_USERS_MAX;
 *   - cd_users_find finds each of them, cd_users_admins counts the admins;
 *   - the file is canonical: cd_users_format gives back exactly the input
 *     bytes, and parsing that again gives the same table.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "consoled/consoled.h"

#define REQUIRE(c)                                                                                 \
	do {                                                                                       \
		if (!(c))                                                                          \
			__builtin_trap();                                                          \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct cd_users us, again;
	static char out[CD_USERS_MAX * 256 + 1];
	char err[256];
	long n;
	int i, j, admins = 0;

	memset(err, 'x', sizeof(err));
	if (cd_users_parse(&us, (const char *)data, size, err, sizeof(err)) < 0) {
		REQUIRE(memchr(err, '\0', sizeof(err)) != NULL);
		REQUIRE(strncmp(err, "line ", 5) == 0);
		REQUIRE(us.n == 0);
		return 0;
	}
	REQUIRE(us.n >= 0 && us.n <= CD_USERS_MAX);
	for (i = 0; i < us.n; i++) {
		struct cd_user *u = &us.u[i];

		REQUIRE(memchr(u->name, '\0', sizeof(u->name)) != NULL);
		REQUIRE(memchr(u->pwhash, '\0', sizeof(u->pwhash)) != NULL);
		REQUIRE(memchr(u->totp, '\0', sizeof(u->totp)) != NULL);
		REQUIRE(cd_user_name_ok(u->name, strlen(u->name)));
		REQUIRE(u->role >= TG_ROLE_VIEWER && u->role <= TG_ROLE_ADMIN);
		REQUIRE(u->totp_last_step == -1);
		REQUIRE(cd_users_find(&us, u->name) == u);
		for (j = 0; j < i; j++)
			REQUIRE(strcmp(us.u[j].name, u->name) != 0);
		admins += u->role == TG_ROLE_ADMIN;
	}
	REQUIRE(cd_users_admins(&us) == admins);
	n = cd_users_format(&us, out, sizeof(out));
	REQUIRE(n >= 0 && (size_t)n == size);
	REQUIRE(size == 0 || memcmp(out, data, size) == 0);
	REQUIRE(cd_users_parse(&again, out, (size_t)n, err, sizeof(err)) == 0);
	REQUIRE(memcmp(&again, &us, sizeof(us)) == 0);
	return 0;
}
