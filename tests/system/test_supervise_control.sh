#!/usr/bin/env bash
# tests/system/test_supervise_control.sh - tg-supervise's control.sock and
# service group lines, on the host, as root.
#
# One supervisor with a temporary SERVICE_DIR/RUN_DIR under $T, logging to
# stderr only (-n); control-group and log-group are nobody's group, so a
# client running as nobody may use the sockets.  Cases: the socket's mode
# and owner; restart of a running service (new pid, restarts counter, no
# back-off, the requester's uid in the log), of one ignoring SIGTERM
# (SIGKILL after 5 s), of a stopped one, of an unknown one; run of an
# action that succeeds (its output and TG_SERVICE in the log, stdin
# /dev/null, root), one that fails (status and last line in the answer),
# one killed by a signal, an unknown one, a second one while the first
# runs (busy), a client half-closing after its request; garbage and
# over-long lines; a silent client dropped while status.sock still
# answers; a service with group lines has those supplementary groups, an
# unknown group is a broken file.  Actions are killed after 60 s: not
# waited for here (the answer's wording is unit tested).
# Environment (tests/run.sh): TOP, OUT, T.  TG_SUPERVISE_BIN overrides the
# binary (e.g. the static musl build).
set -u
. "$TOP/tests/lib.sh"

BIN=${TG_SUPERVISE_BIN:-$OUT/host/services-host/bin/tg-supervise}
[ "$(id -u)" = 0 ] || t_skip_all "needs root (users, groups)"
[ -x "$BIN" ] || t_skip_all "no $BIN (build services in host mode first)"
PY=/usr/bin/python3
[ -x "$PY" ] || t_skip_all "needs /usr/bin/python3"
id nobody >/dev/null 2>&1 || t_skip_all "needs the user nobody"
# two host groups nobody is not in, for the group lines
G1=daemon G2=adm
getent group "$G1" >/dev/null && getent group "$G2" >/dev/null || t_skip_all "needs groups $G1 and $G2"

chmod 755 "$T"
FS_LINES="$(host_program_grants)
read $(cd "$T" && pwd -P)"
SV=""
cleanup() {
	[ -n "$SV" ] || return
	kill -TERM "$SV" 2>/dev/null
	wait_for 20 gone "$SV" || kill -KILL "$SV" 2>/dev/null
}
trap cleanup EXIT

cat >"$T/client.py" <<'EOF'
import os, socket, sys, time
sys.path.insert(0, os.path.join(os.environ["TOP"], "tests", "system"))
from tgtest import unix_dump  # noqa: E402

def ask(path, data, shut=False, timeout=70):
    # one request, the answer until EOF (printed as it came, or "(eof)" for none)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect(path)
    s.sendall(data)
    if shut:
        s.shutdown(socket.SHUT_WR)
    got = b""
    while True:
        chunk = s.recv(4096)
        if not chunk:
            break
        got += chunk
    sys.stdout.write(got.decode("utf-8", "replace") if got else "(eof)")

mode = sys.argv[1]
if mode == "unix":
    sys.stdout.write(unix_dump(sys.argv[2]))
elif mode == "ctl":            # ctl PATH LINE: LINE + "\n"
    ask(sys.argv[2], sys.argv[3].encode() + b"\n")
elif mode == "ctl-shut":       # the same, then shutdown(SHUT_WR) before reading
    ask(sys.argv[2], sys.argv[3].encode() + b"\n", shut=True)
elif mode == "raw":            # raw PATH PYTHON-BYTES-LITERAL
    ask(sys.argv[2], eval(sys.argv[3]), shut=True)
elif mode == "as":             # as UID GID PATH LINE: ctl as another user, no extra groups
    os.setgroups([])
    os.setgid(int(sys.argv[3]))
    os.setuid(int(sys.argv[2]))
    try:
        ask(sys.argv[4], sys.argv[5].encode() + b"\n")
    except PermissionError:
        sys.stdout.write("EACCES")
elif mode == "silent":         # connect, send nothing, report how it ended
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(30)
    s.connect(sys.argv[2])
    try:
        got = s.recv(4096)
        sys.stdout.write("closed" if not got else "data: " + got.decode("utf-8", "replace"))
    except OSError as e:
        sys.stdout.write("error: %s" % e)
EOF
client() { "$PY" "$T/client.py" "$@"; }

gone() { [ ! -e "/proc/$1" ] || grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null; }
status() { client unix "$R/status.sock"; }
field() { status | awk -v n="$1" -v f="$2" '$1 == n { print $f }'; }
has_status() { status | grep -Eq "$1"; }
in_log() { grep -qF -- "$1" "$L"; }
count_in_log() { grep -cF -- "$1" "$L"; }
ctl() { client ctl "$R/control.sock" "$1"; }
# groups_of PID: the Groups: line of /proc/PID/status, sorted, one line
groups_of() { awk '$1 == "Groups:" { $1 = ""; print }' "/proc/$1/status" | tr ' ' '\n' | grep . | sort -n | tr '\n' ' '; }

D=$T/services
R=$T/run
L=$T/sv.log
mkdir -p "$D"
NOGROUP=$(id -gn nobody)
NOGID=$(id -g nobody)

cat >"$D/plain.conf" <<EOF
command /bin/sleep 100000
user nobody
$FS_LINES
EOF
cat >"$D/stubborn.conf" <<EOF
# ignores SIGTERM: a restart needs the SIGKILL 5 s later
command /bin/sh -c "trap '' TERM; echo stubborn: up; while :; do /bin/sleep 1; done"
user nobody
$FS_LINES
EOF
cat >"$D/once.conf" <<EOF
command /bin/sh -c "echo once: ran; exit 0"
user nobody
restart never
$FS_LINES
EOF
cat >"$D/grouped.conf" <<EOF
command /bin/sleep 100000
user nobody
group $G1
group $G2
$FS_LINES
EOF
cat >"$D/badgroup.conf" <<EOF
command /bin/sleep 100000
user nobody
group no-such-group-tg
$FS_LINES
EOF
cat >"$T/sv.conf" <<EOF
log-group $NOGROUP
control-group $NOGROUP
action hello /bin/sh -c "echo hello: TG_SERVICE=\$TG_SERVICE uid=\$(id -u) stdin=\$(readlink /proc/self/fd/0)"
action fails /bin/sh -c "echo fails: first line; echo fails: something broke; exit 3"
action slow /bin/sh -c "/bin/sleep 3; echo slow: done"
action crash /bin/sh -c "echo crash: going; kill -SEGV \$\$"
EOF

"$BIN" -n -d "$D" -c "$T/sv.conf" -r "$R" 2>"$L" &
SV=$!

if wait_for 60 has_status '^plain running [0-9]+ [0-9]+ 0 yes$' &&
	wait_for 30 has_status '^stubborn running [0-9]+ [0-9]+ 0 yes$' &&
	wait_for 30 has_status '^grouped running [0-9]+ [0-9]+ 0 yes$' &&
	wait_for 30 in_log "service once exited with status 0; not restarting"; then
	t_pass "services start"
else
	t_fail "services start" "$(status 2>&1)" "$(tail -20 "$L")"
fi

# ---------------------------------------------------------------- the socket

if [ "$(stat -c '%a %U %G %F' "$R/control.sock")" = "660 root $NOGROUP socket" ]; then
	t_pass "control.sock is a socket, mode 0660, root:control-group"
else
	t_fail "control.sock is a socket, mode 0660, root:control-group" "$(stat -c '%a %U %G %F' "$R/control.sock" 2>&1)"
fi

# ---------------------------------------------------------------- group lines

P=$(field grouped 3)
want=$(printf '%s\n' "$(getent group "$G1" | cut -d: -f3)" "$(getent group "$G2" | cut -d: -f3)" "$NOGID" | sort -n | tr '\n' ' ')
if [ -n "$P" ] && [ "$(groups_of "$P")" = "$want" ] &&
	[ "$(awk '$1 == "Gid:" { print $2, $3, $4, $5 }' "/proc/$P/status")" = "$NOGID $NOGID $NOGID $NOGID" ]; then
	t_pass "group lines: the service has its own group plus $G1 and $G2 as supplementary groups"
else
	t_fail "group lines: the service has its own group plus $G1 and $G2 as supplementary groups" "want '$want' got '$(groups_of "$P" 2>&1)'"
fi
P=$(field plain 3)
if [ -n "$P" ] && [ "$(groups_of "$P")" = "$NOGID " ]; then
	t_pass "no group lines: the user's own group only"
else
	t_fail "no group lines: the user's own group only" "got '$(groups_of "$P" 2>&1)'"
fi
if has_status '^badgroup failed-config 0 0 0 no$' &&
	in_log "$D/badgroup.conf: group 'no-such-group-tg' does not exist"; then
	t_pass "an unknown group: the service file is broken, named in the log"
else
	t_fail "an unknown group: the service file is broken, named in the log" "$(grep badgroup "$L")"
fi

# ---------------------------------------------------------------- restart

P1=$(field plain 3)
ans=$(ctl "restart plain")
if [ "$ans" = ok ] && wait_for 20 has_status '^plain running [0-9]+ [0-9]+ 1 ' &&
	P2=$(field plain 3) && [ -n "$P2" ] && [ "$P2" != "$P1" ] && wait_for 10 gone "$P1" &&
	in_log "control: restart plain (uid 0)" &&
	in_log "service plain killed by signal 15 (SIGTERM); restarting now (requested)" &&
	! grep -q "service plain.*restarting in" "$L"; then
	t_pass "restart SERVICE: ok, SIGTERM, a new pid at once (no back-off), restarts counter 1"
else
	t_fail "restart SERVICE: ok, SIGTERM, a new pid at once (no back-off), restarts counter 1" "answer '$ans' pids $P1 -> ${P2:-}" "$(grep plain "$L")"
fi
ans=$(ctl "restart plain")
if [ "$ans" = ok ] && wait_for 20 has_status '^plain running [0-9]+ [0-9]+ 2 '; then
	t_pass "restart SERVICE again: restarts counter 2"
else
	t_fail "restart SERVICE again: restarts counter 2" "answer '$ans'" "$(status)"
fi

# as nobody (in the control-group through its primary group): allowed, its uid logged
ans=$(client as 65534 "$NOGID" "$R/control.sock" "restart plain")
if [ "$ans" = ok ] && wait_for 20 has_status '^plain running [0-9]+ [0-9]+ 3 ' &&
	in_log "control: restart plain (uid 65534)"; then
	t_pass "a control-group member may restart; the peer's uid is logged (SO_PEERCRED)"
else
	t_fail "a control-group member may restart; the peer's uid is logged (SO_PEERCRED)" "answer '$ans'" "$(grep 'control:' "$L")"
fi
# a user outside the group: the socket's mode refuses it
ans=$(client as 65534 65533 "$R/control.sock" "restart plain")
if [ "$ans" = EACCES ]; then
	t_pass "a user outside the control-group cannot connect"
else
	t_fail "a user outside the control-group cannot connect" "answer '$ans'"
fi

P1=$(field stubborn 3)
ans=$(ctl "restart stubborn")
if [ "$ans" = ok ] && wait_for 30 in_log "service stubborn (pid $P1) did not stop within 5 s of SIGTERM; sending SIGKILL" &&
	wait_for 20 has_status '^stubborn running [0-9]+ [0-9]+ 1 ' && [ "$(field stubborn 3)" != "$P1" ] &&
	in_log "service stubborn killed by signal 9 (SIGKILL); restarting now (requested)"; then
	t_pass "restart of a service ignoring SIGTERM: ok at once, SIGKILL after 5 s, started again"
else
	t_fail "restart of a service ignoring SIGTERM: ok at once, SIGKILL after 5 s, started again" "answer '$ans'" "$(grep stubborn "$L")"
fi

ans=$(ctl "restart once")
if [ "$ans" = ok ] && wait_for 20 test "$(count_in_log "once: ran")" = 2 &&
	wait_for 20 has_status '^once stopped 0 0 1 no$'; then
	t_pass "restart of a stopped service (restart never): runs again, counted"
else
	t_fail "restart of a stopped service (restart never): runs again, counted" "answer '$ans'" "$(grep once "$L")"
fi

ans=$(ctl "restart nope")
if [ "$ans" = "error no service nope" ] && in_log "control: restart nope (uid 0)"; then
	t_pass "restart of an unknown service: error no service NAME"
else
	t_fail "restart of an unknown service: error no service NAME" "answer '$ans'"
fi
ans=$(ctl "restart badgroup")
if [ "${ans#error badgroup has a broken service file}" != "$ans" ]; then
	t_pass "restart of a service with a broken file: error"
else
	t_fail "restart of a service with a broken file: error" "answer '$ans'"
fi

# ---------------------------------------------------------------- run

ans=$(ctl "run hello")
client unix "$R/log.sock" >"$T/dump" 2>&1
if [ "$ans" = ok ] && grep -Eq '^\[ *[0-9]+\.[0-9]+\] hello: TG_SERVICE=hello uid=0 stdin=/dev/null$' "$T/dump" &&
	in_log "control: run hello (uid 0)" && in_log "action hello exited with status 0"; then
	t_pass "run ACTION: ok when it exits 0; its output (root, TG_SERVICE, stdin /dev/null) in log.sock"
else
	t_fail "run ACTION: ok when it exits 0; its output (root, TG_SERVICE, stdin /dev/null) in log.sock" "answer '$ans'" "$(grep -E 'hello' "$T/dump")"
fi

ans=$(ctl "run fails")
if [ "$ans" = "error fails exited with status 3: fails: something broke" ] &&
	in_log "fails: first line" && in_log "action fails exited with status 3"; then
	t_pass "run ACTION that fails: error with its status and last output line"
else
	t_fail "run ACTION that fails: error with its status and last output line" "answer '$ans'"
fi

ans=$(ctl "run crash")
if [ "$ans" = "error crash killed by signal 11" ] && in_log "crash: going"; then
	t_pass "run ACTION killed by a signal: error with the signal"
else
	t_fail "run ACTION killed by a signal: error with the signal" "answer '$ans'"
fi

ans=$(ctl "run nope")
if [ "$ans" = "error no action nope" ]; then
	t_pass "run of an unknown action: error no action NAME"
else
	t_fail "run of an unknown action: error no action NAME" "answer '$ans'"
fi

# one at a time; the waiting client half-closes and still gets its answer;
# the loop goes on meanwhile (status.sock, another request)
client ctl-shut "$R/control.sock" "run slow" >"$T/slow.ans" 2>&1 &
SLOW=$!
wait_for 10 in_log "action slow: started"
busy=$(ctl "run hello")
st=$(status | grep -c '^plain running')
wait "$SLOW"
if [ "$busy" = "error slow busy" ] && [ "$st" = 1 ] && [ "$(cat "$T/slow.ans")" = ok ] && in_log "slow: done"; then
	t_pass "run while an action runs: error ACTION busy; the loop still answers; the half-closed client gets ok"
else
	t_fail "run while an action runs: error ACTION busy; the loop still answers; the half-closed client gets ok" "busy '$busy' status lines $st slow '$(cat "$T/slow.ans")'"
fi

# ---------------------------------------------------------------- malformed requests

bad="error expected 'restart SERVICE' or 'run ACTION'"
a1=$(ctl "reboot now")
a2=$(ctl "restart")
a3=$(ctl "restart Plain")
a4=$(client raw "$R/control.sock" "b'restart plain'") # no newline, then EOF
a5=$(client raw "$R/control.sock" "b'restart ' + b'x' * 100 + b'\\n'")
if [ "$a1" = "$bad" ] && [ "$a2" = "$bad" ] && [ "$a3" = "$bad" ] && [ "$a4" = "$bad" ] &&
	[ "$a5" = "error expected one line of at most 64 bytes" ] && has_status '^plain running [0-9]+ [0-9]+ 3 '; then
	t_pass "garbage, a missing name, a line without newline, a line over 64 bytes: error answers, nothing done"
else
	t_fail "garbage, a missing name, a line without newline, a line over 64 bytes: error answers, nothing done" "'$a1' '$a2' '$a3' '$a4' '$a5'"
fi

# ---------------------------------------------------------------- a silent client

client silent "$R/control.sock" >"$T/silent.out" 2>&1 &
SIL=$!
sleep 0.5
st=$(status | grep -c '^plain running')
ans=$(ctl "restart plain")
wait "$SIL"
if [ "$st" = 1 ] && [ "$ans" = ok ] && [ "$(cat "$T/silent.out")" = closed ] &&
	in_log "control.sock client (uid 0): no request line within 3 s; dropped"; then
	t_pass "a client that sends nothing is dropped after 3 s; status.sock and control.sock answer meanwhile"
else
	t_fail "a client that sends nothing is dropped after 3 s; status.sock and control.sock answer meanwhile" "status lines $st answer '$ans' silent '$(cat "$T/silent.out")'"
fi

# ---------------------------------------------------------------- stop

kill -TERM "$SV"
wait_for 60 gone "$SV"
wait "$SV"
rc=$?
SV=""
if [ $rc = 0 ] && [ ! -e "$R/control.sock" ] && [ ! -e "$R/log.sock" ]; then
	t_pass "SIGTERM: exit 0, control.sock removed"
else
	t_fail "SIGTERM: exit 0, control.sock removed" "rc=$rc" "$(ls -l "$R")"
fi

t_done
