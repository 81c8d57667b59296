#!/usr/bin/env bash
# tests/system/test_timed_refout.sh - timed's refclock outputs
# (services/timed/refout.c) read by a real chronyd 4.3, as root on the host.
#
# tg-refout (tests/tools/tg-refout.c) publishes, every 0.25 s, the
# reference time "system clock - 12.3456 ms" to an NTP SHM segment and as
# chrony SOCK samples.  chronyd runs in the foreground with a private
# configuration in $T: both refclocks with poll 0 and noselect, -x (it
# never touches the host clock), no NTP port, its command socket in $T.
# noselect matters: with -x chronyd still "corrects" its own idea of the
# time after selecting a source, and its offsets would then tend to zero;
# an unselected source shows the raw measured offset.
#
# tg-refout starts first: it must create the SHM segment with mode 0666
# (unit >= 2, the ntpd/gpsd convention), and its SOCK output must connect
# on its own once chronyd creates the socket (lazy connect, retried once a
# second).  Then `chronyc -c sources` must show both refclocks with the
# offset we sent.  chrony prints local clock - reference (positive: the
# local clock is ahead), so a reference 12.3456 ms behind reads
# +0.0123456 s; a sign error would read -0.0123456, a layout error no
# samples or garbage.
#
# Cases: SHM segment mode; SOCK offset; SHM offset.  The SHM segment is
# removed at the end (ipcrm), chronyd and tg-refout are stopped.
#
# Environment (tests/run.sh): TOP, OUT, T.  TG_REFOUT_BIN overrides the
# tool.
set -u
. "$TOP/tests/lib.sh"

TOOL=${TG_REFOUT_BIN:-$OUT/host/services-host/test-tools/tg-refout}
CHRONYD=/usr/sbin/chronyd
CHRONYC=/usr/bin/chronyc
[ "$(id -u)" = 0 ] || t_skip_all "needs root (chronyd's refclocks)"
[ -x "$TOOL" ] || t_skip_all "no $TOOL (build services in host mode first)"
[ -x "$CHRONYD" ] && [ -x "$CHRONYC" ] || t_skip_all "needs chronyd and chronyc"
command -v ipcs >/dev/null && command -v ipcrm >/dev/null || t_skip_all "needs ipcs and ipcrm"

OFFSET=-0.0123456 # reference - system, seconds, as sent
WANT=0.0123456    # chrony's sign: local - reference
TOL=0.000002      # 2 us: the layouts and signs are exact, this is slack

# shm_key UNIT: the segment's key as ipcs prints it
shm_key() { printf '0x%08x' $((0x4e545030 + $1)); }
shm_exists() { ipcs -m | awk -v k="$1" '$1 == k { f = 1 } END { exit !f }'; }

# a unit no NTP daemon or gpsd on this host uses: 2 unless taken
UNIT=
for u in 2 3 4 5 6 7 8 9; do
	if ! shm_exists "$(shm_key $u)"; then UNIT=$u; break; fi
done
[ -n "$UNIT" ] || t_skip_all "SHM units 2..9 all in use on this host"
KEY=$(shm_key "$UNIT")

RUN=$T/run # sockets: a folder only root can enter
mkdir -m 700 "$RUN"

PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	shm_exists "$KEY" && ipcrm -M "$KEY"
}
trap cleanup EXIT

cat >"$T/chrony.conf" <<EOF
refclock SOCK $RUN/chrony.sock refid TGS poll 0 noselect
refclock SHM $UNIT refid TGM poll 0 noselect
bindcmdaddress $RUN/chronyd.sock
cmdport 0
port 0
pidfile $RUN/chronyd.pid
driftfile $T/drift
EOF

"$TOOL" -s "$UNIT" -k "$RUN/chrony.sock" -o "$OFFSET" -t 60 >"$T/refout.out" 2>"$T/refout.err" &
PIDS+=($!)

# ---------------------------------------------------------------- SHM mode

if wait_for 5 shm_exists "$KEY"; then
	mode=$(ipcs -m | awk -v k="$KEY" '$1 == k { print $4 }')
	if [ "$mode" = 666 ]; then
		t_pass "SHM unit $UNIT segment created by the writer with mode 0666"
	else
		t_fail "SHM unit $UNIT segment created by the writer with mode 0666" "mode $mode"
	fi
else
	t_fail "SHM unit $UNIT segment created by the writer with mode 0666" "no segment $KEY" \
		"$(cat "$T/refout.err")"
fi

# ---------------------------------------------------------------- chronyd

"$CHRONYD" -x -d -u root -f "$T/chrony.conf" >"$T/chronyd.log" 2>&1 &
PIDS+=($!)

chronyc_csv() { "$CHRONYC" -h "$RUN/chronyd.sock" -n -c "$@" 2>/dev/null; }
# have_samples REFID: chronyd holds at least 4 samples of the refclock
have_samples() { chronyc_csv sourcestats | awk -F, -v r="$1" '$1 == r && $2 >= 4 { f = 1 } END { exit !f }'; }
both_sampled() { have_samples TGS && have_samples TGM; }

wait_for 30 both_sampled
SOURCES=$(chronyc_csv sources)
STATS=$(chronyc_csv sourcestats)

# check_offset NAME REFID: the last measured offset (CSV field 9) is WANT
check_offset() {
	local name=$1 refid=$2 got
	got=$(printf '%s\n' "$SOURCES" | awk -F, -v r="$refid" '$3 == r { print $9 }')
	if [ -z "$got" ]; then
		t_fail "$name" "chronyd shows no $refid source" "sources: $SOURCES" \
			"chronyd log: $(tail -5 "$T/chronyd.log")"
	elif awk -v g="$got" -v w="$WANT" -v t="$TOL" 'BEGIN { d = g - w; exit !(d <= t && d >= -t) }'; then
		t_pass "$name"
	else
		t_fail "$name" "$refid last sample offset $got s, expected $WANT s +- $TOL" \
			"sources: $SOURCES" "sourcestats: $STATS"
	fi
}

check_offset "chrony SOCK refclock: offset reference - system = $OFFSET s read as +$WANT s" TGS
check_offset "chrony SHM refclock (unit $UNIT): offset reference - system = $OFFSET s read as +$WANT s" TGM

t_done
