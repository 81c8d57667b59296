/*
 * ctlproto.h - RUN_DIR/control.sock's request line and answers (pure).
 *
 * A client writes one line of at most SV_CTL_LINE_MAX bytes, '\n'
 * included: "restart SERVICE" or "run ACTION" (words separated by spaces
 * or tabs, a trailing '\r' tolerated), and gets one line back: "ok" or
 * "error ...".  The parsing and the wording of the answers live here,
 * apart from the sockets (ctl.c), so they are unit tested and fuzzed.
 */
#ifndef SV_CTLPROTO_H
#define SV_CTLPROTO_H

#include <stddef.h>

#include "supervise/svcconf.h"

#define SV_CTL_LINE_MAX   64  /* a request, '\n' included */
#define SV_CTL_ANSWER_MAX 256 /* an answer, '\n' included */
#define SV_CTL_OUTPUT_MAX 160 /* the last output line quoted in a failed action's answer */

#define SV_CTL_BAD_REQUEST "error expected 'restart SERVICE' or 'run ACTION'\n"
#define SV_CTL_TOO_LONG    "error expected one line of at most 64 bytes\n"

enum sv_ctl_verb {
	SV_CTL_MORE = 0, /* no '\n' yet and still short enough: read on */
	SV_CTL_RESTART,
	SV_CTL_RUN,
	SV_CTL_BAD,     /* not one of the two requests */
	SV_CTL_TOOLONG, /* SV_CTL_LINE_MAX bytes without a '\n' */
};

/*
 * Look at what a client has sent so far (buf[0..len), len may exceed
 * SV_CTL_LINE_MAX); bytes after the first '\n' are ignored.  For RESTART
 * and RUN, name[] gets the service or action name ([a-z0-9-]{1,31}).
 */
enum sv_ctl_verb sv_ctl_parse(const char *buf, size_t len, char name[SV_NAME_MAX + 1]);

/*
 * The answer to `run NAME` once the action was reaped: "ok\n" for exit
 * status 0, else "error NAME exited with status N: LAST\n" (": LAST" only
 * if the action printed something; control characters in it become '?',
 * cut at SV_CTL_OUTPUT_MAX bytes) or "error NAME killed by signal N\n"
 * (" (ran longer than S s)" appended when timed_out_s is non-zero).
 * wstatus as from waitpid().  Returns the length, always a single line.
 */
size_t sv_ctl_action_answer(char *buf, size_t cap, const char *name, int wstatus, const char *last,
                            unsigned timed_out_s);

#endif
