#!/usr/bin/env bash
# tg-supervise feeds the watchdog while the services are healthy, stops when
# they are not all ready by ready-timeout, and resumes when they become
# ready.  A FIFO stands in for /dev/watchdog0 (keepalives are plain writes);
# a reader records when each one arrives.
. "$TOP/tests/lib.sh"
sv=${TG_SUPERVISE_BIN:-$OUT/host/services-host/bin/tg-supervise}
cd "$T"
# the service (sh running sleep, both dynamically linked) is confined by
# Landlock to what its file grants: its script, the programs, the loader
# and libraries (under /usr, or also /bin and /lib without a merged /usr)
FS_LINES=$(host_program_grants)

# reader: one line per keepalive byte, "seconds-since-start"
start_reader() { # FIFO LOG
	python3 - "$1" "$2" <<'PY' &
import os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR)  # O_RDWR: never blocks, keeps the FIFO open
t0 = time.monotonic()
with open(sys.argv[2], "w", buffering=1) as log:
    while True:
        for _ in os.read(fd, 64):
            log.write("%.3f\n" % (time.monotonic() - t0))
PY
	READER=$!
}

run_case() { # NAME SERVICE-SCRIPT MAIN-CONF-EXTRA
	local name=$1
	mkdir -p "$name/services" "$name/run"
	mkfifo "$name/wd"
	printf '%s\n' "$2" >"$name/svc.sh"; chmod 755 "$name/svc.sh"; chmod 755 "$name" "$T"
	printf 'command /bin/sh %s/%s/svc.sh\nuser nobody\nready notify\nread %s/%s/svc.sh\n%s\n' \
		"$T" "$name" "$(pwd -P)" "$name" "$FS_LINES" >"$name/services/svc.conf"
	printf 'watchdog %s/%s/wd 3\n%s\n' "$T" "$name" "$3" >"$name/main.conf"
	chmod 644 "$name/services/svc.conf" "$name/main.conf"
	exec 9<>"$name/wd"  # a reader exists before the supervisor opens it
	start_reader "$name/wd" "$name/keepalives"
	"$sv" -n -d "$name/services" -r "$name/run" -c "$name/main.conf" >"$name/log" 2>&1 &
	SV=$!
}
stop_case() {
	kill "$SV" 2>/dev/null; wait "$SV" 2>/dev/null
	kill "$READER" 2>/dev/null; wait "$READER" 2>/dev/null
	exec 9<&-
}
# count keepalives whose time is in [from, to)
count() { awk -v a="$2" -v b="$3" '$1 >= a && $1 < b' "$1/keepalives" | wc -l; }

# 1. a healthy service: fed about every second (timeout 3 s / 3)
run_case healthy 'echo ready >&$TG_NOTIFY_FD; exec sleep 600' 'ready-timeout 5'
sleep 6
n=$(count healthy 0 6)
if [ "$n" -ge 4 ] && grep -q "watchdog $T/healthy/wd: timeout 3 s, fed every 1000 ms; services must be ready within 5 s" healthy/log &&
	! grep -q 'no longer feeding' healthy/log; then
	t_pass "healthy services: the watchdog is fed every second ($n keepalives in 6 s)"
else
	t_fail "healthy services: the watchdog is fed every second" "keepalives: $n" "$(cat healthy/log)"
fi
stop_case

# 2. a service that never becomes ready: feeding stops after ready-timeout
run_case stuck 'exec sleep 600' 'ready-timeout 2'
sleep 6
early=$(count stuck 0 1.5) late=$(count stuck 3.2 6)
if [ "$early" -ge 1 ] && [ "$late" = 0 ] &&
	grep -q "services not all ready 2 s after start: no longer feeding the watchdog $T/stuck/wd; the machine resets within 3 s" stuck/log; then
	t_pass "not ready by ready-timeout: feeding stops, and the log says the machine will reset"
else
	t_fail "not ready by ready-timeout: feeding stops" "before 1.5 s: $early, after 3.2 s: $late" "$(cat stuck/log)"
fi
stop_case

# 3. ready late (after the deadline, before the watchdog fires): feeding resumes
run_case late 'sleep 4; echo ready >&$TG_NOTIFY_FD; exec sleep 600' 'ready-timeout 2'
sleep 10 # generous: feeding resumes at ready (4 s), even on a loaded machine
# the gap ends 0.2 s before ready: the keepalive reader starts a little
# before the service, so the first feed after ready can read as 3.99 s
gap=$(count late 2.5 3.8) after=$(count late 5.5 10)
if [ "$gap" = 0 ] && [ "$after" -ge 2 ] && grep -q 'services ready: feeding the watchdog again' late/log; then
	t_pass "ready after the deadline: feeding resumes"
else
	t_fail "ready after the deadline: feeding resumes" "2.5-3.8 s: $gap, 5.5-10 s: $after" "$(cat late/log)"
fi
stop_case

# 4. configuration errors are named with file and line
mkdir -p cfg/services cfg/run
for c in "ready-timeout 5" "watchdog dev/watchdog0 30" "watchdog /dev/watchdog0 1" "watchdog /dev/watchdog0"; do
	printf '%s\n' "$c" >cfg/main.conf
	timeout 3 "$sv" -n -d cfg/services -r cfg/run -c cfg/main.conf >cfg/log 2>&1
	cat cfg/log >>cfg/all
done
if grep -q "cfg/main.conf: 'ready-timeout' needs a 'watchdog' to act on" cfg/all &&
	grep -q "cfg/main.conf:1: .*watchdog.*absolute" cfg/all &&
	grep -q "cfg/main.conf:1: .*from 2 to 3600, got '1'" cfg/all &&
	grep -q "cfg/main.conf:1: 'watchdog' expects 2 arguments, got 1" cfg/all; then
	t_pass "bad watchdog settings are refused with file:line and what was expected"
else
	t_fail "bad watchdog settings are refused with file:line" "$(cat cfg/all)"
fi
t_done
