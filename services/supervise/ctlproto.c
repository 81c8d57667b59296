/*
 * ctlproto.c - control.sock's request parser and answers (pure; see ctlproto.h).
 */
#include "supervise/ctlproto.h"

#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

enum sv_ctl_verb sv_ctl_parse(const char *buf, size_t len, char name[SV_NAME_MAX + 1])
{
	const char *nl = memchr(buf, '\n', len < SV_CTL_LINE_MAX ? len : SV_CTL_LINE_MAX);
	const char *w[3];
	size_t wl[3], n, i = 0;
	int nw = 0;

	if (!nl)
		return len >= SV_CTL_LINE_MAX ? SV_CTL_TOOLONG : SV_CTL_MORE;
	n = (size_t)(nl - buf);
	if (n && buf[n - 1] == '\r')
		n--;
	/* split into at most three words (a third one is an error) */
	while (i < n && nw < 3) {
		while (i < n && is_blank(buf[i]))
			i++;
		if (i == n)
			break;
		w[nw] = buf + i;
		while (i < n && !is_blank(buf[i]))
			i++;
		wl[nw] = (size_t)(buf + i - w[nw]);
		nw++;
	}
	if (nw != 2 || !sv_name_valid(w[1], wl[1]))
		return SV_CTL_BAD;
	memcpy(name, w[1], wl[1]);
	name[wl[1]] = '\0';
	if (wl[0] == 7 && memcmp(w[0], "restart", 7) == 0)
		return SV_CTL_RESTART;
	if (wl[0] == 3 && memcmp(w[0], "run", 3) == 0)
		return SV_CTL_RUN;
	return SV_CTL_BAD;
}

size_t sv_ctl_action_answer(char *buf, size_t cap, const char *name, int wstatus, const char *last,
                            unsigned timed_out_s)
{
	char out[SV_CTL_OUTPUT_MAX + 1];
	size_t i, n = 0;
	int r;

	if (!cap)
		return 0;
	if (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0) {
		r = snprintf(buf, cap, "ok\n");
	} else if (WIFEXITED(wstatus)) {
		/* one line, whatever the action printed: controls (a '\n' too) become '?' */
		for (i = 0; last && last[i] && n < SV_CTL_OUTPUT_MAX; i++) {
			unsigned char c = (unsigned char)last[i];

			out[n++] = c < 0x20 || c == 0x7f ? '?' : (char)c;
		}
		out[n] = '\0';
		r = snprintf(buf, cap, "error %s exited with status %d%s%s\n", name,
		             WEXITSTATUS(wstatus), n ? ": " : "", out);
	} else if (WIFSIGNALED(wstatus)) {
		char tail[48] = "";

		if (timed_out_s)
			snprintf(tail, sizeof(tail), " (ran longer than %u s)", timed_out_s);
		r = snprintf(buf, cap, "error %s killed by signal %d%s\n", name, WTERMSIG(wstatus),
		             tail);
	} else {
		r = snprintf(buf, cap, "error %s ended with wait status 0x%x\n", name,
		             (unsigned)wstatus);
	}
	if (r < 0)
		r = 0;
	if ((size_t)r >= cap) {
		/* cut, but still one line */
		r = (int)cap - 1;
		if (r > 0)
			buf[r - 1] = '\n';
	}
	return (size_t)r;
}
