#!/usr/bin/env bash
# tests/system/test_supervise.sh - tg-supervise on the host, as root.
#
# Two supervisors with temporary SERVICE_DIR/RUN_DIR under $T, logging to
# stderr only (-n), with /bin/sleep, small shell scripts and python3 as
# services (granted /usr and $T: see FS_LINES; Landlock itself is tested
# in test_supervise_landlock.sh):
#   A: users, capabilities, a passed UDP socket, ready notify, on-ready,
#      log.sock, status.sock, close of unlisted fds, SIGTERM (and SIGKILL for
#      a service that ignores SIGTERM), exit 0;
#   B: a crash loop with growing restart delays, broken service files
#      reported with file:line while the others start, restart never, a
#      flood of output and a log.sock reader too slow to take it.
# Environment (tests/run.sh): TOP, OUT, T.  TG_SUPERVISE_BIN overrides the
# binary (e.g. the static musl build).
set -u
. "$TOP/tests/lib.sh"

BIN=${TG_SUPERVISE_BIN:-$OUT/host/services-host/bin/tg-supervise}
[ "$(id -u)" = 0 ] || t_skip_all "needs root (users, capabilities)"
[ -x "$BIN" ] || t_skip_all "no $BIN (build services in host mode first)"
# services run as nobody: they need an interpreter outside /root (not a pyenv shim)
PY=/usr/bin/python3
[ -x "$PY" ] || t_skip_all "needs /usr/bin/python3"
id nobody >/dev/null 2>&1 || t_skip_all "needs the user nobody"

chmod 755 "$T" # services running as nobody read their scripts and flag files here

# Every service is confined by Landlock to its program and the paths its
# file grants: the host's programs (tests/lib.sh) and the scripts in $T.
FS_LINES="$(host_program_grants)
read $(cd "$T" && pwd -P)"
SV_PIDS=()
cleanup() {
	local p
	for p in "${SV_PIDS[@]}"; do
		kill -TERM "$p" 2>/dev/null
	done
	for p in "${SV_PIDS[@]}"; do
		wait_for 15 gone "$p" || kill -KILL "$p" 2>/dev/null
	done
}
trap cleanup EXIT

# ---------------------------------------------------------------- helpers

cat >"$T/client.py" <<'EOF'
import os, socket, sys, time
sys.path.insert(0, os.path.join(os.environ["TOP"], "tests", "system"))
from tgtest import unix_dump  # noqa: E402
mode = sys.argv[1]
if mode == "unix":
    sys.stdout.write(unix_dump(sys.argv[2]))
elif mode == "slowlog":
    # connect, take nothing for a while, then count what is left to read
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sys.argv[2])
    time.sleep(float(sys.argv[3]))
    s.settimeout(10)
    n = 0
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            n += len(chunk)
    except OSError:
        pass
    print(n)
elif mode == "udp":
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(5)
    s.sendto(sys.argv[3].encode(), ("127.0.0.1", int(sys.argv[2])))
    print(s.recv(512).decode())
elif mode == "freeport":
    kind = socket.SOCK_STREAM if sys.argv[2:] == ["tcp"] else socket.SOCK_DGRAM
    s = socket.socket(socket.AF_INET6, kind)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.bind(("::", 0))
    print(s.getsockname()[1])
EOF
client() { "$PY" "$T/client.py" "$@"; }

# gone PID: no such process, or a zombie not yet waited for
gone() { [ ! -e "/proc/$1" ] || grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null; }
# status RUN_DIR: the status.sock dump
status() { client unix "$1/status.sock"; }
# field RUN_DIR NAME N: field N of service NAME's status line
field() { status "$1" | awk -v n="$2" -v f="$3" '$1 == n { print $f }'; }
# has_status RUN_DIR REGEX: a status line matches
has_status() { status "$1" | grep -Eq "$2"; }
# in_log FILE TEXT
in_log() { grep -qF -- "$2" "$1"; }
# line_of FILE TEXT: number of the first line containing TEXT
line_of() { grep -nF -- "$2" "$1" | head -1 | cut -d: -f1; }
# stamp FILE TEXT [NTH]: the timestamp (seconds) of the NTH record containing TEXT
stamp() { grep -F -- "$2" "$1" | sed -n "${3:-1}p" | sed -E 's/^\[ *([0-9]+\.[0-9]+)\].*/\1/'; }
proc_field() { awk -v k="$2:" '$1 == k { $1 = ""; sub(/^ /, ""); print }' "/proc/$1/status"; }
fds_of() { ls "/proc/$1/fd" | sort -n | tr '\n' ' '; }

# stop SUPERVISOR_PID: SIGTERM, wait (generously) for it to exit, return its status
stop_sv() {
	kill -TERM "$1"
	wait_for 60 gone "$1" || return 254
	wait "$1"
}

# ---------------------------------------------------------------- usage

"$BIN" -x >/dev/null 2>"$T/usage.err"
rc=$?
if [ $rc = 100 ] && grep -q usage "$T/usage.err"; then t_pass "usage: unknown option exits 100"; else t_fail "usage: unknown option exits 100" "rc=$rc"; fi
"$BIN" -n -s 12 >/dev/null 2>&1
rc=$?
[ $rc = 100 ] && t_pass "usage: -s below the minimum exits 100" || t_fail "usage: -s below the minimum exits 100" "rc=$rc"
"$BIN" -n extra >/dev/null 2>&1
rc=$?
[ $rc = 100 ] && t_pass "usage: stray argument exits 100" || t_fail "usage: stray argument exits 100" "rc=$rc"

# ---------------------------------------------------------------- supervisor A

A=$T/a
RA=$T/run-a
LA=$T/a.log
mkdir -p "$A"
PORT=$(client freeport)
TPORT=$(client freeport tcp)
# the tcp socket on ::1 (IPV6_V6ONLY), unless this host has no IPv6 loopback
if grep -q '^0\{31\}1 ' /proc/net/if_inet6 2>/dev/null; then TADDR=::1 TFAM=10; else TADDR=127.0.0.1 TFAM=2; fi

cat >"$A/nobody.conf" <<EOF
command /bin/sleep 100000
user nobody
$FS_LINES
EOF
cat >"$A/caps.conf" <<EOF
command /bin/sleep 100000
user nobody
caps cap_net_bind_service
$FS_LINES
EOF
cat >"$T/echo.py" <<'EOF'
import os, socket
fds, names = os.environ.get("TG_LISTEN_FDS"), os.environ.get("TG_LISTEN_NAMES")
print("echo: up, TG_LISTEN_FDS=%s TG_LISTEN_NAMES=%s" % (fds, names), flush=True)
# O_NONBLOCK as passed (python's socket object may change it afterwards)
nonblocking = not os.get_blocking(3) and not os.get_blocking(4)
t = socket.socket(fileno=4)
v6only = t.getsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY) if t.family == socket.AF_INET6 else -1
print("echo: fd 4 family=%d type=%d listening=%d reuseaddr=%d v6only=%d nonblocking=%d" % (
    t.family, t.type, t.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN),
    t.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR), v6only, nonblocking), flush=True)
s = socket.socket(fileno=3)
s.setblocking(True)
while True:
    data, peer = s.recvfrom(512)
    s.sendto(b"%s fds=%s names=%s" % (data, fds.encode(), names.encode()), peer)
EOF
cat >"$A/echo.conf" <<EOF
command $PY $T/echo.py
user nobody
listen udp 127.0.0.1 $PORT echo
listen tcp $TADDR $TPORT web
$FS_LINES
EOF
cat >"$T/notify.sh" <<EOF
echo "notify: waiting for $T/go, TG_NOTIFY_FD=\$TG_NOTIFY_FD"
while [ ! -e $T/go ]; do sleep 0.1; done
echo ready >&\$TG_NOTIFY_FD
exec /bin/sleep 100000
EOF
cat >"$A/notify.conf" <<EOF
command /bin/sh $T/notify.sh
user nobody
ready notify
$FS_LINES
EOF
cat >"$A/stubborn.conf" <<EOF
# ignores SIGTERM: needs the SIGKILL 5 s later
command /bin/sh -c "trap '' TERM; echo stubborn: up; exec /bin/sleep 100000"
user nobody
$FS_LINES
EOF
cat >"$T/a.conf" <<EOF
on-ready /bin/sh -c "echo on-ready: ran as \$(id -u); touch $T/onready-flag"
EOF

"$BIN" -n -d "$A" -c "$T/a.conf" -r "$RA" -s 65536 2>"$LA" &
SVA=$!
SV_PIDS+=("$SVA")

if wait_for 60 has_status "$RA" '^stubborn running [0-9]+ [0-9]+ 0 yes$' &&
	wait_for 30 has_status "$RA" '^nobody running [0-9]+ [0-9]+ 0 yes$' &&
	wait_for 30 has_status "$RA" '^caps running [0-9]+ [0-9]+ 0 yes$' &&
	wait_for 30 has_status "$RA" '^echo running [0-9]+ [0-9]+ 0 yes$'; then
	t_pass "A: services start and become ready (ready started: after 1 s)"
else
	t_fail "A: services start and become ready (ready started: after 1 s)" "$(status "$RA" 2>&1)" "$(tail -20 "$LA")"
fi

# a service as nobody: uid, no capabilities, no_new_privs, only fds 0..2
P=$(field "$RA" nobody 3)
if [ -n "$P" ] && [ "$(proc_field "$P" Uid)" = "65534 65534 65534 65534" ] &&
	[ "$(proc_field "$P" Gid)" = "$(id -g nobody) $(id -g nobody) $(id -g nobody) $(id -g nobody)" ] &&
	[ "$(proc_field "$P" CapEff)" = 0000000000000000 ] &&
	[ "$(proc_field "$P" CapPrm)" = 0000000000000000 ] &&
	[ "$(proc_field "$P" CapAmb)" = 0000000000000000 ] &&
	[ "$(proc_field "$P" NoNewPrivs)" = 1 ]; then
	t_pass "A: service runs as nobody with no capabilities and no_new_privs"
else
	t_fail "A: service runs as nobody with no capabilities and no_new_privs" "pid=$P" "$(grep -E 'Uid|Gid|Cap|NoNew' "/proc/$P/status" 2>&1)"
fi
if [ -n "$P" ] && [ "$(fds_of "$P")" = "0 1 2 " ] &&
	[ "$(readlink "/proc/$P/fd/0")" = /dev/null ] && readlink "/proc/$P/fd/1" | grep -q '^pipe:' &&
	[ "$(readlink "/proc/$P/fd/1")" = "$(readlink "/proc/$P/fd/2")" ] &&
	[ "$(ps -o sid= -p "$P" | tr -d ' ')" = "$P" ]; then
	t_pass "A: service has stdin /dev/null, stdout=stderr a pipe, no other fds, own session"
else
	t_fail "A: service has stdin /dev/null, stdout=stderr a pipe, no other fds, own session" "$(ls -l "/proc/$P/fd" 2>&1)"
fi

# caps cap_net_bind_service: exactly that one, effective and ambient
P=$(field "$RA" caps 3)
if [ -n "$P" ] && [ "$(proc_field "$P" Uid)" = "65534 65534 65534 65534" ] &&
	[ "$(proc_field "$P" CapEff)" = 0000000000000400 ] &&
	[ "$(proc_field "$P" CapPrm)" = 0000000000000400 ] &&
	[ "$(proc_field "$P" CapAmb)" = 0000000000000400 ] &&
	[ "$(proc_field "$P" CapBnd)" = 0000000000000400 ]; then
	t_pass "A: caps cap_net_bind_service gives exactly that capability (eff, prm, amb, bnd)"
else
	t_fail "A: caps cap_net_bind_service gives exactly that capability (eff, prm, amb, bnd)" "$(grep -E 'Uid|Cap' "/proc/$P/status" 2>&1)"
fi

# listen udp: the bound socket as fd 3, TG_LISTEN_FDS/NAMES, answered datagram
P=$(field "$RA" echo 3)
reply=$(client udp "$PORT" ping 2>&1)
if [ "$reply" = "ping fds=2 names=echo:web" ] && in_log "$LA" "echo: up, TG_LISTEN_FDS=2 TG_LISTEN_NAMES=echo:web" &&
	readlink "/proc/$P/fd/3" | grep -q '^socket:'; then
	t_pass "A: listen udp socket passed as fd 3 with TG_LISTEN_FDS=2 TG_LISTEN_NAMES=echo:web; datagram answered"
else
	t_fail "A: listen udp socket passed as fd 3 with TG_LISTEN_FDS=2 TG_LISTEN_NAMES=echo:web; datagram answered" "reply: $reply" "$(grep echo: "$LA")"
fi
want="echo: fd 4 family=$TFAM type=1 listening=1 reuseaddr=1 v6only=$([ $TFAM = 10 ] && echo 1 || echo -1) nonblocking=1"
if in_log "$LA" "$want"; then
	t_pass "A: listen tcp $TADDR socket passed as fd 4: listening, SO_REUSEADDR, V6ONLY; both non-blocking"
else
	t_fail "A: listen tcp $TADDR socket passed as fd 4: listening, SO_REUSEADDR, V6ONLY; both non-blocking" "want: $want" "$(grep echo: "$LA")"
fi

# ready notify: not ready, and not all ready, until it writes to TG_NOTIFY_FD
sleep 1 # a 'started' service would be ready by now
if has_status "$RA" '^notify running [0-9]+ [0-9]+ 0 no$' && has_status "$RA" '^all-ready no$' &&
	! in_log "$LA" "all services ready" && in_log "$LA" "TG_NOTIFY_FD=3"; then
	t_pass "A: ready notify service is not ready before it writes; no 'all services ready' yet"
else
	t_fail "A: ready notify service is not ready before it writes; no 'all services ready' yet" "$(status "$RA")"
fi
touch "$T/go"
if wait_for 30 in_log "$LA" "all services ready" && has_status "$RA" '^notify running [0-9]+ [0-9]+ 0 yes$' &&
	has_status "$RA" '^all-ready yes$' &&
	[ "$(line_of "$LA" "service notify ready")" -lt "$(line_of "$LA" "all services ready")" ] &&
	[ "$(grep -c "all services ready" "$LA")" = 1 ] &&
	grep -Eq 'all services ready \(5 services, [0-9]+\.[0-9] s since boot\)' "$LA"; then
	t_pass "A: after the notify line, 'all services ready (5 services, ...)' logged once"
else
	t_fail "A: after the notify line, 'all services ready (5 services, ...)' logged once" "$(tail -20 "$LA")"
fi
if wait_for 30 test -e "$T/onready-flag" && wait_for 10 in_log "$LA" "on-ready: ran as 0" &&
	wait_for 10 in_log "$LA" "on-ready command exited with status 0"; then
	t_pass "A: on-ready ran as root once all were ready, its output in the log"
else
	t_fail "A: on-ready ran as root once all were ready, its output in the log" "$(tail -10 "$LA")"
fi

# log.sock: the ring, oldest first, timestamped records
client unix "$RA/log.sock" >"$T/a.dump" 2>&1
if grep -Eq '^\[ *[0-9]+\.[0-9]{6}\] echo: up, TG_LISTEN_FDS=2' "$T/a.dump" &&
	grep -q "tg-supervise\[main\] info: starting" "$T/a.dump" &&
	[ "$(line_of "$T/a.dump" "starting")" -lt "$(line_of "$T/a.dump" "all services ready")" ] &&
	[ "$(stat -c '%a %U' "$RA/log.sock")" = "660 root" ]; then
	t_pass "A: log.sock (mode 0660) dumps the ring with a service's line"
else
	t_fail "A: log.sock (mode 0660) dumps the ring with a service's line" "$(head -5 "$T/a.dump")"
fi

# status.sock: one line per service, sorted, then all-ready
status "$RA" >"$T/a.status" 2>&1
if [ "$(awk '{ print $1 }' "$T/a.status" | tr '\n' ' ')" = "caps echo nobody notify stubborn all-ready " ] &&
	[ "$(grep -Ec '^[a-z0-9-]+ running [1-9][0-9]* [0-9]+ 0 yes$' "$T/a.status")" = 5 ] &&
	[ "$(stat -c '%a' "$RA/status.sock")" = 660 ]; then
	t_pass "A: status.sock lists every service (name state pid uptime restarts ready) and all-ready"
else
	t_fail "A: status.sock lists every service (name state pid uptime restarts ready) and all-ready" "$(cat "$T/a.status")"
fi

kill -HUP "$SVA"
if wait_for 10 in_log "$LA" "SIGHUP received; ignored" && has_status "$RA" '^all-ready yes$'; then
	t_pass "A: SIGHUP is logged and ignored"
else
	t_fail "A: SIGHUP is logged and ignored" "$(tail -3 "$LA")"
fi

# SIGTERM: every service stopped (SIGKILL for the one ignoring SIGTERM), exit 0
PIDS=$(awk '$2 == "running" { print $3 }' "$T/a.status")
stop_sv "$SVA"
rc=$?
left=""
for p in $PIDS; do gone "$p" || left="$left $p"; done
if [ $rc = 0 ] && [ -z "$left" ] && in_log "$LA" "service stubborn (pid" &&
	in_log "$LA" "did not stop; sending SIGKILL" && in_log "$LA" "all services stopped" &&
	[ ! -e "$RA/log.sock" ] && [ ! -e "$RA/status.sock" ]; then
	t_pass "A: SIGTERM stops all services (SIGKILL after 5 s if needed), exit 0"
else
	t_fail "A: SIGTERM stops all services (SIGKILL after 5 s if needed), exit 0" "rc=$rc left=$left" "$(tail -12 "$LA")"
fi

# ---------------------------------------------------------------- supervisor B

B=$T/b
RB=$T/run-b
LB=$T/b.log
mkdir -p "$B"
cat >"$B/crash.conf" <<EOF
command /bin/sh -c "echo crash: about to fail; exit 3"
user nobody
$FS_LINES
EOF
cat >"$B/good.conf" <<EOF
command /bin/sleep 100000
user nobody
$FS_LINES
EOF
cat >"$B/bogus.conf" <<EOF
# broken on purpose: a typo on line 4
command /bin/true
user nobody
comand /bin/false
EOF
cat >"$B/ghost.conf" <<EOF
command /bin/true
user no-such-user-tg
EOF
cat >"$B/once.conf" <<EOF
command /bin/sh -c "echo once: ran; exit 0"
user nobody
restart never
$FS_LINES
EOF
cat >"$T/flood.sh" <<'EOF'
i=0
while [ $i -lt 40000 ]; do
	echo "flood: line $i, padding padding padding padding padding padding padding padding"
	i=$((i + 1))
done
echo "flood: done"
exec /bin/sleep 100000
EOF
cat >"$B/flood.conf" <<EOF
command /bin/sh $T/flood.sh
user nobody
$FS_LINES
EOF
cat >"$B/leftover.conf" <<EOF
# leaves a child behind in its process group
command /bin/sh -c "/bin/sleep 100000 & echo leftover: child \$!; exit 5"
user nobody
restart never
$FS_LINES
EOF
echo "not a service" >"$B/README"
echo "command /bin/true" >"$B/Bad.conf"
# no -n here: a plain file stands in for the console
: >"$T/b.console"
LOGGROUP=$(id -gn nobody)
cat >"$T/b.conf" <<EOF
console $T/b.console
log-group $LOGGROUP
EOF

"$BIN" -d "$B" -c "$T/b.conf" -r "$RB" -s 4194304 2>"$LB" &
SVB=$!
SV_PIDS+=("$SVB")

if wait_for 60 in_log "$LB" "$B/bogus.conf:4: unknown keyword 'comand'" &&
	wait_for 30 has_status "$RB" '^good running [0-9]+ [0-9]+ 0 yes$' &&
	has_status "$RB" '^bogus failed-config 0 0 0 no$' &&
	has_status "$RB" '^ghost failed-config 0 0 0 no$' &&
	in_log "$LB" "$B/ghost.conf: user 'no-such-user-tg' does not exist" &&
	in_log "$LB" "$B/Bad.conf: ignored" && ! in_log "$LB" "README"; then
	t_pass "B: broken service files reported with file:line, the others start"
else
	t_fail "B: broken service files reported with file:line, the others start" "$(status "$RB" 2>&1)" "$(grep -E 'bogus|ghost|Bad' "$LB")"
fi

if wait_for 60 in_log "$LB" "service crash exited with status 3; restarting in 1 s" &&
	wait_for 60 in_log "$LB" "service crash exited with status 3; restarting in 2 s" &&
	wait_for 60 in_log "$LB" "service crash exited with status 3; restarting in 4 s"; then
	# the delays are real: start N+1 comes at least 1, then 2 s after exit N
	e1=$(stamp "$LB" "restarting in 1 s")
	s2=$(stamp "$LB" "service crash started" 2)
	e2=$(stamp "$LB" "restarting in 2 s")
	s3=$(stamp "$LB" "service crash started" 3)
	if awk -v e1="$e1" -v s2="$s2" -v e2="$e2" -v s3="$s3" \
		'BEGIN { exit !(s2 - e1 >= 0.99 && s3 - e2 >= 1.99) }' &&
		in_log "$LB" "crash: about to fail"; then
		t_pass "B: a crashing service restarts after 1 s, then 2 s, then 4 s"
	else
		t_fail "B: a crashing service restarts after 1 s, then 2 s, then 4 s" "e1=$e1 s2=$s2 e2=$e2 s3=$s3"
	fi
else
	t_fail "B: a crashing service restarts after 1 s, then 2 s, then 4 s" "$(grep crash "$LB")"
fi

if grep -q "tg-supervise\[main\] info: starting" "$T/b.console" && grep -q "crash: about to fail" "$T/b.console" &&
	[ "$(stat -c '%a %U %G' "$RB/log.sock")" = "660 root $LOGGROUP" ] &&
	[ "$(stat -c '%a %U %G' "$RB/status.sock")" = "660 root $LOGGROUP" ]; then
	t_pass "B: console PATH gets the records too; log-group owns the sockets (0660)"
else
	t_fail "B: console PATH gets the records too; log-group owns the sockets (0660)" "$(stat -c '%n %a %U %G' "$RB"/*.sock)" "$(head -3 "$T/b.console")"
fi

if wait_for 30 in_log "$LB" "service once exited with status 0; not restarting (restart never)" &&
	has_status "$RB" '^once stopped 0 0 0 no$' && [ "$(grep -c 'service once started' "$LB")" = 1 ]; then
	t_pass "B: restart never: exits once, stays stopped"
else
	t_fail "B: restart never: exits once, stays stopped" "$(grep once "$LB")"
fi

if wait_for 30 in_log "$LB" "service leftover exited with status 5" &&
	LP=$(grep -o 'leftover: child [0-9]*' "$LB" | awk '{ print $3 }') && [ -n "$LP" ] &&
	wait_for 30 gone "$LP"; then
	t_pass "B: a process the service left in its process group is killed when it exits"
else
	t_fail "B: a process the service left in its process group is killed when it exits" "$(grep leftover "$LB")"
	[ -n "${LP:-}" ] && kill -KILL "$LP" 2>/dev/null
fi

if has_status "$RB" '^all-ready no$' && ! in_log "$LB" "all services ready"; then
	t_pass "B: never 'all services ready' with a broken service file or a crash loop"
else
	t_fail "B: never 'all services ready' with a broken service file or a crash loop" "$(status "$RB")"
fi

# a log.sock reader that takes nothing: status.sock still answers, the reader is dropped
if wait_for 60 in_log "$LB" "flood: done"; then
	client slowlog "$RB/log.sock" 6 >"$T/slow.count" 2>&1 &
	SLOW=$!
	sleep 0.5
	t0=$(date +%s%N)
	status "$RB" >/dev/null
	ok=$?
	t1=$(date +%s%N)
	wait "$SLOW"
	got=$(cat "$T/slow.count")
	size=$(client unix "$RB/log.sock" | wc -c)
	if [ $ok = 0 ] && [ $(((t1 - t0) / 1000000)) -lt 2000 ] && in_log "$LB" "log.sock client too slow; dropped" &&
		[ "$got" -lt "$size" ] && [ "$size" -gt 3000000 ] && [ "$size" -le 4194304 ]; then
		t_pass "B: a stuck log.sock reader does not stall the loop and is dropped"
	else
		t_fail "B: a stuck log.sock reader does not stall the loop and is dropped" "status ok=$ok in $(((t1 - t0) / 1000000)) ms; slow reader got $got of $size bytes"
	fi
else
	t_fail "B: a stuck log.sock reader does not stall the loop and is dropped" "no 'flood: done'"
fi

stop_sv "$SVB"
rc=$?
if [ $rc = 0 ] && in_log "$LB" "all services stopped"; then
	t_pass "B: SIGTERM during back-off: exit 0"
else
	t_fail "B: SIGTERM during back-off: exit 0" "rc=$rc" "$(tail -5 "$LB")"
fi

# ---------------------------------------------------------------- supervisor C

# a broken MAIN_CONF: logged with file:line, defaults used, services still run;
# SIGKILL of the supervisor takes its services along (PR_SET_PDEATHSIG)
C=$T/c
RC=$T/run-c
LC=$T/c.log
mkdir -p "$C"
cat >"$C/solo.conf" <<EOF
command /bin/sleep 100000
user nobody
$FS_LINES
EOF
printf 'console /dev/null\non-ready relative/path\n' >"$T/c.conf"
"$BIN" -n -d "$C" -c "$T/c.conf" -r "$RC" 2>"$LC" &
SVC=$!
SV_PIDS+=("$SVC")
if wait_for 30 in_log "$LC" "all services ready (1 services," &&
	in_log "$LC" "$T/c.conf:2: on-ready expects an absolute path, got 'relative/path'; using the defaults"; then
	t_pass "C: broken MAIN_CONF reported with file:line; services still run"
else
	t_fail "C: broken MAIN_CONF reported with file:line; services still run" "$(cat "$LC")"
fi
P=$(field "$RC" solo 3)
{
	kill -KILL "$SVC"
	wait "$SVC"
} 2>/dev/null # no "Killed" job notice on stderr
if [ -n "$P" ] && wait_for 30 gone "$P"; then
	t_pass "C: services die with a killed supervisor (no orphans for the respawned one)"
else
	t_fail "C: services die with a killed supervisor (no orphans for the respawned one)" "pid $P still there"
	kill -KILL "$P" 2>/dev/null
fi

t_done
