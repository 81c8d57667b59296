/*
 * svcenv.c - argv and environment of a service (pure; see svcenv.h).
 */
#include "supervise/svcenv.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Append a formatted string to x->strings; returns it or NULL if full. */
__attribute__((format(printf, 2, 3))) static char *add(struct sv_exec *x, const char *fmt, ...)
{
	size_t room = sizeof(x->strings) - x->used;
	char *s = x->strings + x->used;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(s, room, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= room)
		return NULL;
	x->used += (size_t)n + 1;
	return s;
}

static int push_env(struct sv_exec *x, int *ne, char *s)
{
	if (!s || *ne >= SV_ENVP_MAX)
		return -1;
	x->envp[(*ne)++] = s;
	x->envp[*ne] = NULL;
	return 0;
}

int sv_exec_build(struct sv_exec *x, const char *name, const struct sv_conf *c, int argc,
                  const char *const *argv, int notify_fd)
{
	int i, ne = 0, path_set = 0;

	x->used = 0;
	x->argv[0] = NULL;
	x->envp[0] = NULL;
	if (c)
		argc = c->argc;
	if (argc < 1 || argc > SV_ARGV_MAX)
		return -1;
	for (i = 0; i < argc; i++) {
		x->argv[i] = add(x, "%s", c ? sv_conf_arg(c, i) : argv[i]);
		if (!x->argv[i])
			return -1;
	}
	x->argv[argc] = NULL;

	for (i = 0; c && i < c->nenv; i++)
		if (strncmp(sv_conf_env(c, i), "PATH=", 5) == 0)
			path_set = 1;
	if (!path_set && push_env(x, &ne, add(x, "%s", SV_DEFAULT_PATH)) < 0)
		return -1;
	if (push_env(x, &ne, add(x, "TG_SERVICE=%s", name)) < 0)
		return -1;
	if (c && c->nlisten > 0) {
		char names[SV_LISTEN_MAX * (SV_NAME_MAX + 1) + 1];
		size_t o = 0;

		for (i = 0; i < c->nlisten && i < SV_LISTEN_MAX; i++) {
			size_t n = strlen(c->listen[i].name);

			if (i)
				names[o++] = ':';
			memcpy(names + o, c->listen[i].name, n);
			o += n;
		}
		names[o] = '\0';
		if (push_env(x, &ne, add(x, "TG_LISTEN_FDS=%d", c->nlisten)) < 0 ||
		    push_env(x, &ne, add(x, "TG_LISTEN_NAMES=%s", names)) < 0)
			return -1;
	}
	if (notify_fd >= 0 && push_env(x, &ne, add(x, "TG_NOTIFY_FD=%d", notify_fd)) < 0)
		return -1;
	for (i = 0; c && i < c->nenv; i++)
		if (push_env(x, &ne, add(x, "%s", sv_conf_env(c, i))) < 0)
			return -1;
	return 0;
}

const char *sv_exec_getenv(const struct sv_exec *x, const char *key)
{
	size_t n = strlen(key);
	int i;

	for (i = 0; x->envp[i]; i++)
		if (strncmp(x->envp[i], key, n) == 0 && x->envp[i][n] == '=')
			return x->envp[i] + n + 1;
	return NULL;
}
