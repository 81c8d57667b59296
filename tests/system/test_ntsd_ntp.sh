#!/usr/bin/env bash
# tests/system/test_ntsd_ntp.sh - ntsd's plain NTP service on the host, as root.
#
# ntsd runs standalone (no supervisor) on 127.0.0.1 with a free high port,
# as root dropping to the service user ("ntsd", or "nobody" if the host has
# none), with TG_NOTIFY_FD pointing at a file to see its readiness line.
#
# The clock status file is written by a small Python writer (tgtest.py:
# struct + zlib.crc32 over the layout documented in lib/timestatus.c),
# rewritten every second like timed will: an implementation independent
# of the C encoder, so the reader is checked against the documented
# format, not against itself.  (The C encoder is checked against the same
# format in tests/unit/test_timestatus.c.)
#
# Cases: readiness; a raw v4 and v3 client (48 bytes, mode 4, version
# echoed, origin = request transmit, stratum 1 and refid from the file);
# chrony 4.3 as a client (-Q: prints the offset, never sets the clock);
# malformed requests dropped and service continuing; seccomp and
# NoNewPrivs in both roles, the UDP socket in the ntp role only;
# missing status file -> LI 3, stratum 0; FAILED -> no answer; SIGTERM
# -> exit 0; the ntp role killed -> main exits 111.
#
# Environment (tests/run.sh): TOP, OUT, T.  TG_NTSD_BIN overrides the
# binary (e.g. the static musl build).
set -u
. "$TOP/tests/lib.sh"

BIN=${TG_NTSD_BIN:-$OUT/host/services-host/bin/ntsd}
CHRONYD=/usr/sbin/chronyd
[ "$(id -u)" = 0 ] || t_skip_all "needs root (drops to a service user)"
[ -x "$BIN" ] || t_skip_all "no $BIN (build services in host mode first)"
PY=/usr/bin/python3
[ -x "$PY" ] || t_skip_all "needs /usr/bin/python3"
if id ntsd >/dev/null 2>&1; then NTSD_USER=ntsd; else NTSD_USER=nobody; fi

chmod 755 "$T" # the roles run as $NTSD_USER and read $T/status

PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait_for 10 gone "$p" || kill -KILL "$p" 2>/dev/null; done
}
trap cleanup EXIT

# gone PID: no such process, or a zombie not yet waited for
gone() { [ ! -e "/proc/$1" ] || grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null; }

# ---------------------------------------------------------------- helpers

cat >"$T/ntp.py" <<'EOF'
import os, random, socket, struct, sys, time

sys.path.insert(0, os.path.join(os.environ["TOP"], "tests", "system"))
from tgtest import write_status_forever  # noqa: E402

def request(version=4, mode=3):
    tx = random.getrandbits(64)
    b = bytearray(48)
    b[0] = (version << 3) | mode
    b[2] = 6
    b[40:48] = struct.pack(">Q", tx)
    return bytes(b), tx

def decode(d):
    return dict(len=len(d), li=d[0] >> 6, vn=(d[0] >> 3) & 7, mode=d[0] & 7,
                stratum=d[1], poll=struct.unpack("b", d[2:3])[0],
                precision=struct.unpack("b", d[3:4])[0],
                rootdelay=struct.unpack(">I", d[4:8])[0],
                rootdisp=struct.unpack(">I", d[8:12])[0],
                refid=d[12:16].rstrip(b"\0").decode("ascii", "replace") or "-",
                origin=struct.unpack(">Q", d[24:32])[0],
                rx=struct.unpack(">Q", d[32:40])[0], tx=struct.unpack(">Q", d[40:48])[0])

def sock(timeout):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(timeout)
    return s

cmd = sys.argv[1]
if cmd == "freeport":
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    print(s.getsockname()[1])
elif cmd == "writer":   # PATH STATE STRATUM REFID: rewrite every second, atomically
    write_status_forever(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5])
elif cmd == "query":    # PORT VERSION: one client request, the answer as key=value
    port, version = int(sys.argv[2]), int(sys.argv[3])
    s = sock(3)
    req, tx = request(version)
    now = time.time() + 2208988800
    s.sendto(req, ("127.0.0.1", port))
    try:
        d = s.recv(2048)
    except socket.timeout:
        print("noreply")
        sys.exit(0)
    r = decode(d)
    r["origin_ok"] = int(r["origin"] == tx)
    # receive <= transmit, both within 5 s of our clock (NTP era 0 until 2036)
    rx_s, tx_s = r["rx"] / 2**32, r["tx"] / 2**32
    r["times_ok"] = int(r["rx"] <= r["tx"] and abs(rx_s - now) < 5 and abs(tx_s - now) < 5)
    print(" ".join("%s=%s" % (k, r[k]) for k in
                   ("len", "li", "vn", "mode", "stratum", "poll", "precision", "rootdelay",
                    "rootdisp", "refid", "origin_ok", "times_ok")))
elif cmd == "bad_then_good":   # PORT: three malformed requests, then a valid one
    port = int(sys.argv[2])
    s = sock(5)
    good, tx = request(4)
    bad = [request(4)[0][:47],                                  # 47 bytes
           request(4, 4)[0],                                    # mode 4 (server)
           request(4)[0] + struct.pack(">HH", 0x0104, 12) + bytes(24)]  # field length 12
    for b in bad:
        s.sendto(b, ("127.0.0.1", port))
    s.sendto(good, ("127.0.0.1", port))
    # one thread answers in order: an answer to a bad request would come first
    try:
        d = s.recv(2048)
    except socket.timeout:
        print("noreply")
        sys.exit(0)
    first = "valid" if len(d) == 48 and decode(d)["origin"] == tx else "other"
    s.settimeout(0.5)
    extra = 0
    try:
        while True:
            s.recv(2048)
            extra += 1
    except socket.timeout:
        pass
    print("first=%s extra=%d" % (first, extra))
elif cmd == "launch":   # PORT BIN ARGS...: exec BIN as a supervisor would start it
    # fd 3: another passed socket, fd 4: the NTP socket; names in that order
    port, argv = int(sys.argv[2]), sys.argv[3:]
    other = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    other.bind(("127.0.0.1", 0))
    other.listen()
    ntp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    ntp.bind(("127.0.0.1", port))
    os.dup2(other.fileno(), 3)   # (a no-op if it is fd 3 already: hence set_inheritable)
    os.dup2(ntp.fileno(), 4)
    os.set_inheritable(3, True)
    os.set_inheritable(4, True)
    os.environ.update(TG_LISTEN_FDS="2", TG_LISTEN_NAMES="ntske:ntp")
    os.execv(argv[0], argv)
EOF

freeport() { "$PY" "$T/ntp.py" freeport; }
query() { "$PY" "$T/ntp.py" query "$@"; }
# has_reply PORT VERSION REGEX: a query's answer matches
has_reply() { local p=$1 v=$2 re=$3; query "$p" "$v" | grep -Eq "$re"; }

WRITER=
start_writer() { # STATE STRATUM REFID
	stop_writer
	"$PY" "$T/ntp.py" writer "$T/status" "$@" &
	WRITER=$!
	PIDS+=("$WRITER")
}
stop_writer() {
	[ -n "$WRITER" ] || return 0
	kill -TERM "$WRITER" 2>/dev/null
	wait "$WRITER" 2>/dev/null
	WRITER=
}

# start_ntsd NAME PORT: ntsd with its own config, log and readiness file; sets NTSD_PID
start_ntsd() {
	local name=$1 port=$2
	cat >"$T/$name.conf" <<-EOF
		# test instance $name
		listen-ntp 127.0.0.1 $port
		status-file $T/status
		user $NTSD_USER
	EOF
	: >"$T/$name.ready"
	TG_NOTIFY_FD=5 "$BIN" -f "$T/$name.conf" 5>"$T/$name.ready" 2>"$T/$name.log" &
	NTSD_PID=$!
	PIDS+=("$NTSD_PID")
}
is_ready() { grep -qx ready "$T/$1.ready"; }
ntp_role_of() { pgrep -P "$1" | head -n 1; }
proc_field() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status" 2>/dev/null; }
show_log() { sed 's/^/    /' "$T/$1.log" >&2; }

# ---------------------------------------------------------------- start

start_writer 2 1 GPS # LOCKED, stratum 1, refid GPS
wait_for 10 test -s "$T/status" || t_fail "status writer" "no $T/status after 10 s"

P=$(freeport)
start_ntsd a "$P"
A=$NTSD_PID
if wait_for 30 is_ready a; then
	t_pass "ntsd: readiness line on TG_NOTIFY_FD once the ntp role serves"
else
	t_fail "ntsd: readiness line on TG_NOTIFY_FD once the ntp role serves" "log:"
	show_log a
	t_done
fi

# ---------------------------------------------------------------- (2) raw client

RE_LOCKED='^len=48 li=0 vn=4 mode=4 stratum=1 poll=6 precision=-[0-9]+ rootdelay=[0-9]+ rootdisp=[0-9]+ refid=GPS origin_ok=1 times_ok=1$'
# the first status may still be "missing" for a second: wait for the locked one
if wait_for 20 has_reply "$P" 4 "$RE_LOCKED"; then
	t_pass "raw v4 client: 48 bytes, mode 4, v4, origin = our transmit, stratum 1, refid GPS"
else
	t_fail "raw v4 client: 48 bytes, mode 4, v4, origin = our transmit, stratum 1, refid GPS" \
		"got: $(query "$P" 4)"
fi
R=$(query "$P" 3)
if [[ $R =~ ^len=48\ li=0\ vn=3\ mode=4\ stratum=1\ .*refid=GPS\ origin_ok=1\ times_ok=1$ ]]; then
	t_pass "raw v3 client: answered with version 3"
else
	t_fail "raw v3 client: answered with version 3" "got: $R"
fi

# ---------------------------------------------------------------- (1) chrony

if [ -x "$CHRONYD" ]; then
	cat >"$T/chrony.conf" <<-EOF
		server 127.0.0.1 port $P iburst minpoll -4 maxpoll -4
		pidfile $T/chronyd.pid
		driftfile $T/chrony.drift
		port 0
		cmdport 0
	EOF
	# -Q: measure and print the offset, never set the clock; -t 20: give up after 20 s
	timeout 60 "$CHRONYD" -Q -t 20 -u root -f "$T/chrony.conf" >"$T/chrony.out" 2>&1
	if grep -q "System clock wrong by" "$T/chrony.out"; then
		t_pass "chrony 4.3 client (-Q) gets time from ntsd"
	else
		t_fail "chrony 4.3 client (-Q) gets time from ntsd" "chronyd output:" \
			"$(sed 's/^/    /' "$T/chrony.out")"
	fi
else
	t_pass "chrony 4.3 client (-Q) gets time from ntsd # SKIP no $CHRONYD"
fi

# ---------------------------------------------------------------- (4) malformed

R=$("$PY" "$T/ntp.py" bad_then_good "$P")
if [ "$R" = "first=valid extra=0" ]; then
	t_pass "47-byte, mode-4 and bad-extension-field requests get no answer; valid ones still do"
else
	t_fail "47-byte, mode-4 and bad-extension-field requests get no answer; valid ones still do" \
		"got: $R"
fi
if has_reply "$P" 4 "$RE_LOCKED" && ! gone "$A"; then
	t_pass "ntsd keeps answering after malformed requests"
else
	t_fail "ntsd keeps answering after malformed requests" "log:"
	show_log a
fi

# ---------------------------------------------------------------- (5) sandbox

N=$(ntp_role_of "$A")
ok=1
msg=()
if [ -z "$N" ] || [ "$(pgrep -c -P "$A")" != 1 ]; then
	ok=0
	msg+=("expected exactly one child of $A, got: $(pgrep -P "$A" | tr '\n' ' ')")
else
	for p in "$A" "$N"; do
		[ "$(proc_field "$p" Seccomp)" = 2 ] || { ok=0; msg+=("pid $p: Seccomp $(proc_field "$p" Seccomp)"); }
		[ "$(proc_field "$p" NoNewPrivs)" = 1 ] || { ok=0; msg+=("pid $p: NoNewPrivs $(proc_field "$p" NoNewPrivs)"); }
		uid=$(proc_field "$p" Uid)
		[ "$uid" = "$(id -u "$NTSD_USER")" ] || { ok=0; msg+=("pid $p: uid $uid, expected $NTSD_USER"); }
		capeff=$(proc_field "$p" CapEff)
		[ "$capeff" = 0000000000000000 ] || { ok=0; msg+=("pid $p: CapEff $capeff"); }
	done
fi
if [ "$ok" = 1 ]; then
	t_pass "both roles: Seccomp 2 (filter), NoNewPrivs 1, user $NTSD_USER, no capabilities"
else
	t_fail "both roles: Seccomp 2 (filter), NoNewPrivs 1, user $NTSD_USER, no capabilities" "${msg[@]}"
fi
# the NTP socket lives in the ntp role only: main has no network
owners=$(ss -H -uanp "sport = :$P" 2>/dev/null | grep -o 'pid=[0-9]*' | sort -u | tr '\n' ' ')
if [ -n "$N" ] && [ "$owners" = "pid=$N " ]; then
	t_pass "the UDP socket is held by the ntp role only"
else
	t_fail "the UDP socket is held by the ntp role only" "owners: '$owners' (ntp role $N, main $A)"
fi

# ---------------------------------------------------------------- (3) unsynchronised

stop_writer
rm -f "$T/status"
RE_UNSYNC='^len=48 li=3 vn=4 mode=4 stratum=0 poll=6 precision=-?[0-9]+ rootdelay=65536 rootdisp=65536 refid=- origin_ok=1 times_ok=1$'
if wait_for 20 has_reply "$P" 4 "$RE_UNSYNC"; then
	t_pass "status file missing: LI 3 (alarm), stratum 0, refid 0, root delay/dispersion 1 s"
else
	t_fail "status file missing: LI 3 (alarm), stratum 0, refid 0, root delay/dispersion 1 s" \
		"got: $(query "$P" 4)"
fi
if grep -q "clock status unavailable" "$T/a.log"; then
	t_pass "main logs that the status is unavailable"
else
	t_fail "main logs that the status is unavailable" "log:"
	show_log a
fi

# FAILED (integrity failure): "do not serve"
start_writer 4 16 ""
if wait_for 20 has_reply "$P" 4 '^noreply$'; then
	t_pass "clock FAILED: requests are not answered"
else
	t_fail "clock FAILED: requests are not answered" "got: $(query "$P" 4)"
fi
start_writer 2 1 GPS
if wait_for 20 has_reply "$P" 4 "$RE_LOCKED"; then
	t_pass "locked again: answered again"
else
	t_fail "locked again: answered again" "got: $(query "$P" 4)"
fi

# ---------------------------------------------------------------- passed socket

# as under tg-supervise: the socket comes as a descriptor named "ntp"
P3=$(freeport)
printf 'status-file %s\nuser %s\n' "$T/status" "$NTSD_USER" >"$T/c.conf"
: >"$T/c.ready"
TG_NOTIFY_FD=5 "$PY" "$T/ntp.py" launch "$P3" "$BIN" -f "$T/c.conf" 5>"$T/c.ready" 2>"$T/c.log" &
C=$!
PIDS+=("$C")
if wait_for 30 is_ready c && has_reply "$P3" 4 "$RE_LOCKED" &&
	[ "$(ss -H -tlnp 2>/dev/null | grep -c "pid=$C,")" = 0 ]; then
	t_pass "TG_LISTEN_FDS/TG_LISTEN_NAMES: serves on the 'ntp' socket, closes the other"
else
	t_fail "TG_LISTEN_FDS/TG_LISTEN_NAMES: serves on the 'ntp' socket, closes the other" "log:"
	show_log c
fi
kill -TERM "$C"
wait_for 15 gone "$C"

# configuration errors: exit 100, file and line named
printf 'listen-ntp 127.0.0.1 123\nntp-plain maybe\n' >"$T/bad.conf"
"$BIN" -n -f "$T/bad.conf" 2>"$T/bad.log"
rc=$?
if [ "$rc" = 100 ] && grep -q "bad.conf:2:" "$T/bad.log"; then
	t_pass "bad configuration: exit 100, message names file:line"
else
	t_fail "bad configuration: exit 100, message names file:line" "exit $rc: $(cat "$T/bad.log")"
fi

# ---------------------------------------------------------------- stop, crash

kill -TERM "$A"
if wait_for 15 gone "$A" && wait "$A"; then
	rc=0
else
	rc=$?
fi
if [ "$rc" = 0 ] && { [ -z "$N" ] || wait_for 5 gone "$N"; }; then
	t_pass "SIGTERM: both roles exit, status 0"
else
	t_fail "SIGTERM: both roles exit, status 0" "exit status $rc; log:"
	show_log a
fi

P2=$(freeport)
start_ntsd b "$P2"
B=$NTSD_PID
if wait_for 30 is_ready b && NB=$(ntp_role_of "$B") && [ -n "$NB" ]; then
	kill -KILL "$NB"
	if wait_for 15 gone "$B"; then
		wait "$B"
		rc=$?
	else
		rc=timeout
	fi
	if [ "$rc" = 111 ] && grep -q "ntp role killed by signal 9" "$T/b.log"; then
		t_pass "ntp role killed: main reports it and exits 111"
	else
		t_fail "ntp role killed: main reports it and exits 111" "exit status $rc; log:"
		show_log b
	fi
else
	t_fail "ntp role killed: main reports it and exits 111" "second instance not ready; log:"
	show_log b
fi

stop_writer
t_done
