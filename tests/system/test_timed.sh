#!/usr/bin/env bash
# tests/system/test_timed.sh - timed end to end on the host, as root.
#
# A simulated receiver (tests/system/gnss_sim.py) writes NMEA for the true
# (host) second into a pseudo-terminal, which timed opens as its serial
# port.  The two other hardware edges are faked in-process by
# tests/tools/tg-fakehw.c (LD_PRELOAD): a PPS device whose pulses mark the
# true seconds, time stamped by a virtual system clock that starts 50 ms
# off with a 20 ppm oscillator error and obeys clock_adjtime - so timed's
# own code (pps.c, clock.c, the sandboxes) runs unchanged and the host's
# clock is never touched.  The fake reports the virtual clock's true
# offset after each adjustment.
#
# Cases: readiness; devices opened; one step at the start then slewing;
# state locked within 60 s; the true clock error under 5 us once locked;
# the status file (state, stratum 1, refid PPS, error bound covering the
# true error) as ntsd reads it, and ntsd serving stratum 1 from it; every
# role confined (seccomp, NoNewPrivs, no capability but the clock role's
# CAP_SYS_TIME); PPS stopped -> holdover, back -> locked; a receiver that
# jumps 2 s (spoofing) refused without moving the clock; the serial
# device gone and back -> reopened; a bad configuration refused with the
# line named; SIGTERM -> exit 0.  Then a second timed with chrony 4.3 as
# an upstream NTS server (the xcheck role, lib/ntsclient.c) and a
# receiver spoofed 5 s from power-on: refused, failed, the clock never
# stepped; the receiver honest again -> locked.  Last, NMEA from a FIFO
# and from a Unix socket (a gpsd site's relay) with "steer no": locked,
# and not one call reached the clock.  Last, pulses at a phase where the
# NMEA falls outside nmea-window: timed says so; gnss_sim --rephase-ntp,
# hearing ntsd answer "unsynchronised", moves its NMEA; timed locks.
#
# Environment (tests/run.sh): TOP, OUT, T.
set -u
. "$TOP/tests/lib.sh"

BIN=${TG_TIMED_BIN:-$OUT/host/services-host/bin/timed}
NTSD=$OUT/host/services-host/bin/ntsd
PY=/usr/bin/python3
[ "$(id -u)" = 0 ] || t_skip_all "needs root (drops to a service user)"
[ -x "$BIN" ] || t_skip_all "no $BIN (build services in host mode first)"
if id timed >/dev/null 2>&1; then USER_=timed; else USER_=nobody; fi

chmod 755 "$T"
mkdir -p "$T/run" && chown "$USER_" "$T/run"

PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
	sleep 0.5
	for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null; done
}
trap cleanup EXIT

gcc -shared -fPIC -O1 -o "$T/fakehw.so" "$TOP/tests/tools/tg-fakehw.c" -ldl ||
	{ t_fail "build tg-fakehw.so"; t_done; }

SIM=
start_sim() { # extra gnss_sim.py arguments
	rm -f "$T/gnss"
	"$PY" "$TOP/tests/system/gnss_sim.py" --pty "$T/gnss" "$@" 2>"$T/sim.log" &
	SIM=$!
	PIDS+=("$SIM")
	wait_for 10 test -e "$T/gnss" &&
		chown "$USER_" "$(readlink -f "$T/gnss")" # as a udev rule or rc.boot does for the receiver's port
}
stop_sim() { kill -TERM "$SIM" 2>/dev/null; wait "$SIM" 2>/dev/null; }

cat >"$T/timed.conf" <<EOF
# test instance: the pty of gnss_sim.py and the fake PPS
device $T/gnss
pps $T/pps0
nmea-window 0 900
status-file $T/run/status
gnss-file $T/run/gnss
leapfile $TOP/rootfs/etc/timegate/leap-seconds.list
leapfile-data none
date-floor-file $T/run/floor
user $USER_
EOF

log_has() { grep -qE "$1" "$T/timed.log"; }
# status FIELD [FILE]: one field of a status record (default: the first
# instance's), decoded the documented way
status() {
	"$PY" - "${2:-$T/run/status}" "$1" <<-'EOF'
		import struct, sys, zlib
		b = open(sys.argv[1], "rb").read()
		assert len(b) == 96 and struct.unpack_from("<I", b, 92)[0] == zlib.crc32(b[:92])
		(magic, ver, size, state, leap, stratum, _r, refid, rdelay, rdisp, bound, off, jit,
		 freq, real, mono, tai) = struct.unpack_from("<IHHBBBB4sQQQqQqqqi", b)
		print({"state": state, "stratum": stratum, "refid": refid.rstrip(b"\0").decode(),
		       "bound": bound, "leap": leap, "tai": tai, "offset": off}[sys.argv[2]])
	EOF
}
true_offset() { sed -n 's/.*true_offset_ns=\(-\{0,1\}[0-9]*\).*/\1/p' "$T/clock" 2>/dev/null; }
abs() { local v=$1; echo "${v#-}"; }

start_sim
: >"$T/ready"
LD_PRELOAD="$T/fakehw.so" ASAN_OPTIONS=verify_asan_link_order=0 \
	TG_FAKECLOCK_OFFSET_NS=50000000 TG_FAKECLOCK_FREQ_PPB=20000 \
	TG_FAKEPPS_PATH="$T/pps0" TG_FAKEPPS_STOP_FILE="$T/stop" TG_FAKEPPS_JITTER_NS=200 \
	TG_FAKECLOCK_REPORT="$T/clock" TG_NOTIFY_FD=5 \
	"$BIN" -d -f "$T/timed.conf" 5>"$T/ready" 2>"$T/timed.log" &
TIMED=$!
PIDS+=("$TIMED")
show_log() { tail -n 40 "$T/timed.log" | sed 's/^/    /' >&2; }

if wait_for 10 grep -qx ready "$T/ready"; then
	t_pass "timed: readiness line on TG_NOTIFY_FD"
else
	t_fail "timed: readiness line on TG_NOTIFY_FD"; show_log; t_done
fi
t_check "timed: opened the NMEA device and the PPS device" \
	wait_for 5 bash -c "grep -q 'opened NMEA device $T/gnss' '$T/timed.log' && grep -q 'opened PPS device $T/pps0 (assert edge)' '$T/timed.log'"

if wait_for 60 log_has 'state locked'; then
	t_pass "timed: locked within 60 s from a 50 ms offset and a 20 ppm oscillator error"
else
	t_fail "timed: locked within 60 s"; show_log
fi
# the virtual clock starts 50 ms ahead: offset (true - clock) -0.05 s
if log_has 'offset -0\.0500[0-9]* s: stepping the clock' && log_has 'clock stepped by -0\.0500'; then
	t_pass "timed: the 50 ms start offset stepped once by the clock role"
else
	t_fail "timed: the 50 ms start offset stepped once by the clock role"; show_log
fi
[ "$(grep -c 'clock stepped by' "$T/timed.log")" = 1 ] && t_pass "timed: no further step (slewed)" ||
	t_fail "timed: no further step (slewed)"

sleep 20
off=$(true_offset)
if [ -n "$off" ] && [ "$(abs "$off")" -lt 5000 ]; then
	t_pass "timed: true clock error ${off} ns after 20 s locked (< 5 us)"
else
	t_fail "timed: true clock error under 5 us after 20 s locked" "fake clock report: $(cat "$T/clock" 2>/dev/null)"
fi

if [ "$(status state)" = 2 ] && [ "$(status stratum)" = 1 ] && [ "$(status refid)" = PPS ] &&
	[ "$(status tai)" = 37 ]; then
	t_pass "timed: status file: locked, stratum 1, refid PPS, TAI-UTC 37"
else
	t_fail "timed: status file: locked, stratum 1, refid PPS, TAI-UTC 37" \
		"state $(status state) stratum $(status stratum) refid $(status refid) tai $(status tai)"
fi
bound=$(status bound); off=$(true_offset)
if [ -n "$bound" ] && [ -n "$off" ] && [ "$bound" -ge "$(abs "$off")" ] && [ "$bound" -lt 100000 ]; then
	t_pass "timed: error bound ${bound} ns covers the true error ${off} ns"
else
	t_fail "timed: error bound covers the true error" "bound $bound true $off"
fi

# the GNSS detail record for the console, decoded by the layout documented
# in lib/gnssstatus.c: the simulator's 3D fix, 12 satellites in view and 9
# used, its position, and pulses counted
gnss=$("$PY" - "$T/run/gnss" <<-'EOF'
	import struct, sys, zlib
	b = open(sys.argv[1], "rb").read()
	assert len(b) == 748 and b[:4] == b"TGGS" and struct.unpack_from("<I", b, 744)[0] == zlib.crc32(b[:744])
	fix, valid, havepos = b[24], b[25], b[26]
	lat, lon = struct.unpack_from("<ii", b, 28)
	nsats, nused = b[68], b[69]
	pulses = struct.unpack_from("<Q", b, 72)[0]
	print(fix, valid, havepos, round(lat / 1e7, 3), round(lon / 1e7, 3), nsats, nused, pulses > 20)
EOF
)
[ "$gnss" = "3 1 1 52.0 4.37 12 9 True" ] &&
	t_pass "timed: GNSS detail record: 3D fix, position, 12 satellites seen, 9 used, pulses counted" ||
	t_fail "timed: GNSS detail record" "got '$gnss'"

# ntsd reads the same file and serves what it says
if [ -x "$NTSD" ]; then
	if id ntsd >/dev/null 2>&1; then NU=ntsd; else NU=nobody; fi
	NP=$(t_free_port)
	printf 'listen-ntp 127.0.0.1 %s\nstatus-file %s\nuser %s\n' "$NP" "$T/run/status" "$NU" >"$T/ntsd.conf"
	"$NTSD" -f "$T/ntsd.conf" 2>"$T/ntsd.log" &
	PIDS+=($!)
	sleep 2
	ans=$("$PY" - "$NP" <<-'EOF'
		import socket, struct, sys
		s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(3)
		s.sendto(b"\x23" + b"\0" * 47, ("127.0.0.1", int(sys.argv[1])))
		r = s.recv(512)
		print(r[0] >> 6, r[1], r[12:16].rstrip(b"\0").decode())
	EOF
	)
	[ "$ans" = "0 1 PPS" ] && t_pass "ntsd serves timed's status: LI 0, stratum 1, refid PPS" ||
		t_fail "ntsd serves timed's status: LI 0, stratum 1, refid PPS" "got '$ans'"
fi

# confinement of every role
conf_ok=1
for p in $TIMED $(pgrep -P "$TIMED"); do
	st=/proc/$p/status
	seccomp=$(awk '$1 == "Seccomp:" { print $2 }' "$st")
	nnp=$(awk '$1 == "NoNewPrivs:" { print $2 }' "$st")
	capeff=$(awk '$1 == "CapEff:" { print $2 }' "$st")
	case $capeff in 0000000000000000 | 0000000002000000) ;; *) conf_ok=0 ;; esac
	[ "$seccomp" = 2 ] && [ "$nnp" = 1 ] || conf_ok=0
	echo "  pid $p Seccomp $seccomp NoNewPrivs $nnp CapEff $capeff" >&2
done
ncap=$(for p in $TIMED $(pgrep -P "$TIMED"); do awk '$1 == "CapEff:" { print $2 }' /proc/$p/status; done | grep -c 0000000002000000)
[ "$conf_ok" = 1 ] && [ "$ncap" = 1 ] && [ "$(awk '$1 == "CapEff:" { print $2 }' /proc/$TIMED/status)" = 0000000000000000 ] &&
	t_pass "timed: all roles seccomp + NoNewPrivs; only the clock role holds CAP_SYS_TIME" ||
	t_fail "timed: all roles seccomp + NoNewPrivs; only the clock role holds CAP_SYS_TIME"

# PPS lost -> holdover; back -> locked
touch "$T/stop"
if wait_for 10 log_has 'state holdover.*no PPS pulse'; then
	t_pass "timed: PPS stopped -> holdover"
else
	t_fail "timed: PPS stopped -> holdover"; show_log
fi
wait_for 3 bash -c "[ \"\$(status state 2>/dev/null)\" = 3 ]" 2>/dev/null
[ "$(status state)" = 3 ] && [ "$(status stratum)" = 1 ] && t_pass "timed: status file says holdover, stratum 1" ||
	t_fail "timed: status file says holdover" "state $(status state)"
rm -f "$T/stop"
n_locked=$(grep -c 'state locked' "$T/timed.log")
if wait_for 60 bash -c "[ \$(grep -c 'state locked' '$T/timed.log') -gt $n_locked ]"; then
	t_pass "timed: PPS back -> locked again"
else
	t_fail "timed: PPS back -> locked again"; show_log
fi

# a spoofed receiver: 2 s later than true, pulses unchanged
before=$(true_offset)
stop_sim
start_sim --offset-s 2
if wait_for 20 log_has 'GNSS time disagrees with the disciplined clock by \+(1\.99|2\.00)'; then
	t_pass "timed: a 2 s jump of the receiver's time refused (logged with its numbers)"
else
	t_fail "timed: a 2 s jump of the receiver's time refused"; show_log
fi
sleep 3
after=$(true_offset)
[ "$(grep -c 'clock stepped by' "$T/timed.log")" = 1 ] && [ "$(abs "$((after - before))")" -lt 100000 ] &&
	t_pass "timed: the clock did not follow the spoofed time (true error ${after} ns)" ||
	t_fail "timed: the clock did not follow the spoofed time" "before $before after $after"
[ "$(status state)" = 3 ] && t_pass "timed: holdover while GNSS is refused" ||
	t_fail "timed: holdover while GNSS is refused" "state $(status state)"

# the serial device goes away and comes back
stop_sim
if wait_for 10 log_has "$T/gnss: .*reopening"; then
	t_pass "timed: serial device lost -> reopening"
else
	t_fail "timed: serial device lost -> reopening"; show_log
fi
start_sim
if wait_for 15 log_has "$T/gnss: open again"; then
	t_pass "timed: serial device back -> reopened"
else
	t_fail "timed: serial device back -> reopened"; show_log
fi
kill -0 "$TIMED" 2>/dev/null && t_pass "timed: still running after bad input and device loss" ||
	t_fail "timed: still running after bad input and device loss"

# a bad configuration: refused, the line named
printf 'device %s\nbaud 1234\n' "$T/gnss" >"$T/bad.conf"
out=$("$BIN" -n -f "$T/bad.conf" 2>&1); rc=$?
[ "$rc" = 100 ] && echo "$out" | grep -q "bad.conf:2: 'baud'\|bad.conf:2:" &&
	t_pass "timed -n: a bad configuration refused (exit 100, line named)" ||
	t_fail "timed -n: a bad configuration refused (exit 100, line named)" "rc $rc: $out"

kill -TERM "$TIMED"
wait "$TIMED"; rc=$?
[ "$rc" = 0 ] && t_pass "timed: SIGTERM -> exit 0" || t_fail "timed: SIGTERM -> exit 0" "exit $rc"

# ------------------------------------------- cross-check against a real NTS server
# chrony 4.3 serves the (true) host time with NTS on loopback; a second
# timed sees a receiver spoofed 5 s ahead from power-on.  It must ask the
# upstream server before moving the clock, refuse GNSS (failed), and
# follow the receiver once it is honest again.
CHRONYD=/usr/sbin/chronyd
if [ ! -x "$CHRONYD" ] || ! command -v openssl >/dev/null; then
	t_fail "cross-check: chronyd and openssl present"; t_done
fi
t_pki "$T/pki" || { t_fail "openssl: test certificates"; t_done; }
CP=$(t_free_port); CK=$(t_free_port)
chmod 755 "$T/pki" && chmod 644 "$T/pki/ca.pem"
t_chrony_nts_server "$T/chrony" "$T/pki" "$CP" "$CK" 1
PIDS+=("$!")
sleep 1
sed -e "s|^status-file .*|status-file $T/run/status2|" -e "s|^date-floor-file .*|date-floor-file none|" \
	"$T/timed.conf" >"$T/timed2.conf"
printf 'upstream 127.0.0.1 %s localhost\nanchors %s\ncross-check-interval 16\ncross-check-max 50\n' \
	"$CK" "$T/pki/ca.pem" >>"$T/timed2.conf"
start_sim --offset-s 5
LD_PRELOAD="$T/fakehw.so" ASAN_OPTIONS=verify_asan_link_order=0 \
	TG_FAKEPPS_PATH="$T/pps0" TG_FAKEPPS_JITTER_NS=200 TG_FAKECLOCK_REPORT="$T/clock2" \
	"$BIN" -d -f "$T/timed2.conf" 2>"$T/timed2.log" &
TIMED2=$!
PIDS+=("$TIMED2")
log2_has() { grep -qE "$1" "$T/timed2.log"; }
show_log2() { grep -v debug "$T/timed2.log" | tail -n 30 | sed 's/^/    /' >&2; }
if wait_for 40 log2_has 'cross-check: 1 of 1 upstream servers disagree with GNSS by up to -(5\.00|4\.99)'; then
	t_pass "timed: cross-check against chrony 4.3 (NTS) refuses a receiver spoofed 5 s from power-on"
else
	t_fail "timed: cross-check refuses a receiver spoofed 5 s from power-on"; show_log2
fi
sleep 5
if ! log2_has 'clock stepped by' && ! log2_has 'stepping the clock'; then
	t_pass "timed: the clock never followed the spoofed time"
else
	t_fail "timed: the clock never followed the spoofed time"; show_log2
fi
# state 4: failed (lib/timestatus.h)
if [ "$(status state "$T/run/status2")" = 4 ]; then
	t_pass "timed: status file says failed (ntsd does not serve)"
else
	t_fail "timed: status file says failed (ntsd does not serve)" "state $(status state "$T/run/status2")"
fi
stop_sim
start_sim
if wait_for 60 log2_has 'state locked'; then
	t_pass "timed: honest receiver again: the upstream server agrees, locked"
else
	t_fail "timed: honest receiver again: the upstream server agrees, locked"; show_log2
fi
kill -TERM "$TIMED2"; wait "$TIMED2"
stop_sim

# ------------------------------------- NMEA from a pipe and from a Unix socket
# A site that keeps gpsd relays its NMEA (gpspipe -r) into a FIFO or a Unix
# socket.  Both timed instances measure only ("steer no", as beside a
# running chronyd): they lock, and nothing ever reaches the clock.
mkfifo "$T/nmea.fifo" && chown "$USER_" "$T/nmea.fifo"
"$PY" "$TOP/tests/system/gnss_sim.py" --path "$T/nmea.fifo" 2>"$T/sim_fifo.log" &
PIDS+=("$!")
"$PY" - "$T/nmea.sock" "$TOP/tests/system" "$USER_" <<-'EOF' 2>"$T/sim_sock.log" &
	# a relay serving NMEA on a Unix stream socket, one epoch per true second
	import os, pwd, socket, sys, time
	sys.path.insert(0, sys.argv[2])
	import gnss_sim
	srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
	srv.bind(sys.argv[1])
	os.chown(sys.argv[1], pwd.getpwnam(sys.argv[3]).pw_uid, -1)
	srv.listen(1)
	conn, _ = srv.accept()
	rx = gnss_sim.Receiver()
	while True:
	    s = int(time.time()) + 1
	    time.sleep(max(0, s + 0.05 - time.time()))
	    conn.sendall(gnss_sim.epoch(rx, s))
EOF
PIDS+=("$!")
wait_for 10 test -S "$T/nmea.sock"
for kind in fifo sock; do
	sed -e "s|^device .*|device $T/nmea.$kind|" -e "s|^status-file .*|status-file $T/run/status.$kind|" \
		-e "s|^gnss-file .*|gnss-file none|" -e "s|^date-floor-file .*|date-floor-file none|" \
		"$T/timed.conf" >"$T/timed.$kind.conf"
	echo "steer no" >>"$T/timed.$kind.conf"
	LD_PRELOAD="$T/fakehw.so" ASAN_OPTIONS=verify_asan_link_order=0 \
		TG_FAKEPPS_PATH="$T/pps0" TG_FAKECLOCK_REPORT="$T/clock.$kind" \
		"$BIN" -d -f "$T/timed.$kind.conf" 2>"$T/timed.$kind.log" &
	PIDS+=("$!")
done
for kind in fifo sock; do
	name="NMEA from a $([ $kind = fifo ] && echo FIFO || echo 'Unix socket'), steer no"
	if wait_for 40 grep -q 'state locked' "$T/timed.$kind.log"; then
		t_pass "timed: $name: locked"
	else
		t_fail "timed: $name: locked"; grep -v debug "$T/timed.$kind.log" | tail -n 20 | sed 's/^/    /' >&2
	fi
	# the fake counts every clock-changing call (adjtimex and friends) in calls=
	if ! grep -qv 'calls=0$' "$T/clock.$kind" 2>/dev/null && grep -q 'steer no: measuring only' "$T/timed.$kind.log"; then
		t_pass "timed: $name: the clock was never adjusted"
	else
		t_fail "timed: $name: the clock was never adjusted" "$(cat "$T/clock.$kind" 2>/dev/null)"
	fi
done

# ------------------------------------ NMEA outside the window, and gnss_sim's re-phasing
# Pulses 100 ms after the true second, NMEA 50 ms after it: each epoch
# comes 950 ms after the newest pulse, outside nmea-window 0..900.  timed
# must say so (once) and not lock.  gnss_sim --rephase-ntp, asking ntsd
# (serving this timed's status) and hearing "unsynchronised" for 15 s,
# moves its NMEA to 550 ms: then the epochs pair and timed locks.  This is
# what the QEMU images rely on (pps-ktimer's phase is arbitrary).
if [ -x "$NTSD" ]; then
	NP3=$(t_free_port)
	printf 'listen-ntp 127.0.0.1 %s\nstatus-file %s\nuser %s\n' "$NP3" "$T/run/status3" "$NU" >"$T/ntsd3.conf"
	"$NTSD" -f "$T/ntsd3.conf" 2>"$T/ntsd3.log" &
	PIDS+=($!)
	sed -e "s|^status-file .*|status-file $T/run/status3|" -e "s|^gnss-file .*|gnss-file none|" \
		-e "s|^date-floor-file .*|date-floor-file none|" "$T/timed.conf" >"$T/timed3.conf"
	start_sim --rephase-ntp "$NP3" --rephase-after 15
	LD_PRELOAD="$T/fakehw.so" ASAN_OPTIONS=verify_asan_link_order=0 \
		TG_FAKEPPS_PATH="$T/pps0" TG_FAKEPPS_DELAY_NS=100000000 TG_FAKECLOCK_REPORT="$T/clock3" \
		"$BIN" -d -f "$T/timed3.conf" 2>"$T/timed3.log" &
	TIMED3=$!
	PIDS+=("$TIMED3")
	log3_has() { grep -qE "$1" "$T/timed3.log"; }
	show_log3() { grep -v debug "$T/timed3.log" | tail -n 20 | sed 's/^/    /' >&2; sed 's/^/    sim: /' "$T/sim.log" >&2; }
	if wait_for 20 log3_has 'NMEA time comes 9[2-7][0-9] ms after the newest pulse, outside nmea-window 0\.\.900 ms'; then
		t_pass "timed: NMEA 950 ms after each pulse: the operator is told where it comes and the window"
	else
		t_fail "timed: NMEA 950 ms after each pulse: the operator is told"; show_log3
	fi
	if wait_for 30 grep -q 'NMEA now 550 ms after each true second' "$T/sim.log" && ! log3_has 'state locked'; then
		t_pass "gnss_sim --rephase-ntp: ntsd unsynchronised for 15 s -> NMEA moved to 550 ms (timed had not locked)"
	else
		t_fail "gnss_sim --rephase-ntp: NMEA moved to 550 ms before timed locked"; show_log3
	fi
	[ "$(grep -c 'NMEA time comes' "$T/timed3.log")" = 1 ] &&
		t_pass "timed: the window warning is said once" ||
		t_fail "timed: the window warning is said once" "$(grep -c 'NMEA time comes' "$T/timed3.log") times"
	if wait_for 60 log3_has 'state locked'; then
		t_pass "timed: NMEA inside the window again -> locked"
	else
		t_fail "timed: NMEA inside the window again -> locked"; show_log3
	fi
	kill -TERM "$TIMED3"; wait "$TIMED3"
	stop_sim

	# the image tests' way (tests/image/console.py): SIGWINCH to gnss_sim
	# when timed says the NMEA falls outside its window
	sed -i "s|^status-file .*|status-file $T/run/status4|" "$T/timed3.conf"
	start_sim
	LD_PRELOAD="$T/fakehw.so" ASAN_OPTIONS=verify_asan_link_order=0 \
		TG_FAKEPPS_PATH="$T/pps0" TG_FAKEPPS_DELAY_NS=100000000 TG_FAKECLOCK_REPORT="$T/clock4" \
		"$BIN" -d -f "$T/timed3.conf" 2>"$T/timed4.log" &
	TIMED4=$!
	PIDS+=("$TIMED4")
	if wait_for 20 grep -q 'NMEA time comes' "$T/timed4.log" && kill -WINCH "$SIM" &&
		wait_for 60 grep -q 'state locked' "$T/timed4.log" &&
		grep -q 'asked to (SIGWINCH): NMEA now 550 ms' "$T/sim.log"; then
		t_pass "gnss_sim SIGWINCH (what the image tests send on timed's warning): NMEA moved, timed locks"
	else
		t_fail "gnss_sim SIGWINCH: NMEA moved, timed locks" "$(grep -v debug "$T/timed4.log" | tail -n 10)" "$(cat "$T/sim.log")"
	fi
	kill -TERM "$TIMED4"; wait "$TIMED4"
	stop_sim
fi
t_done
