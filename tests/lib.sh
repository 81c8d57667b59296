# tests/lib.sh - helpers for shell tests (system and image); source it.
#
# A test script reports each case with t_pass/t_fail, which print the same
# TAP-style lines as the C harness ("ok - NAME", "not ok - NAME"), and ends
# with t_done, which exits non-zero if any case failed.  tests/run.sh
# counts the lines.
#
# Environment given by tests/run.sh: TOP (repository), OUT (build outputs),
# T (a fresh temporary folder for this script, removed afterwards).

t_failed=0
t_pass() { printf 'ok - %s\n' "$1"; }
t_fail() { printf 'not ok - %s\n' "$1"; shift; [ $# -gt 0 ] && printf '  %s\n' "$@" >&2; t_failed=$((t_failed + 1)); }
# t_check NAME CMD...: pass if CMD succeeds
t_check() { local n=$1; shift; if "$@"; then t_pass "$n"; else t_fail "$n" "command failed: $*"; fi; }
t_done() { [ "$t_failed" = 0 ]; exit $?; }
t_skip_all() { printf 'ok - %s # SKIP %s\n' "$(basename "$0")" "$1"; exit 0; }

# wait_for SECONDS CMD...: poll CMD every 0.1 s until it succeeds
wait_for() {
	local deadline=$(( $(date +%s%N) / 1000000 + $1 * 1000 )); shift
	until "$@" 2>/dev/null; do
		[ $(( $(date +%s%N) / 1000000 )) -lt $deadline ] || return 1
		sleep 0.1
	done
}

# host_program_grants: service-file lines (tg-supervise(8)) that let a
# Landlock-confined service run the host's dynamically linked programs
# (sh, sleep, python3): execute them and the loader, read their libraries
# (all under /usr, or also /bin and /lib without a merged /usr).
host_program_grants() {
	local d
	echo "exec /usr"
	for d in /bin /lib /lib64; do
		[ -d "$d" ] && [ ! -L "$d" ] && echo "exec $d"
	done
	echo "read /etc/ld.so.cache"
}
