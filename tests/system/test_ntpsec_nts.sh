#!/usr/bin/env bash
# tests/system/test_ntpsec_nts.sh - NTPsec's ntpd as an NTS client of ntsd.
#
# NTPsec cannot be installed beside chrony (both are Debian's
# time-daemon), so build.sh test unpacks its package into
# $OUT/peers/ntpsec (fetch_test_peers); this test runs that ntpd with
# `disable ntp` (it measures, it never steers the host's clock), against
# ntsd on 127.0.0.1 with free high ports and a throwaway certificate for
# localhost.  ntsd sends Server (127.0.0.1) and Port records, since
# NTPsec takes the NTP address from the NTS-KE answer.
#
# Cases: NTPsec's NTS-KE succeeds (its log: TLS 1.3, "Got 8 cookies,
# length 104, aead=15"); it then gets time from 127.0.0.1 with its peer
# status "authentic" and "reachable" (peerstats status word, high byte
# bits 0x20 and 0x10), within 100 ms of the local clock; ntsd counted no
# NTS NAK.
#
# Environment (tests/run.sh): TOP, OUT, T.
set -u
. "$TOP/tests/lib.sh"

BIN=${TG_NTSD_BIN:-$OUT/host/services-host/bin/ntsd}
NTPD=$OUT/peers/ntpsec/usr/sbin/ntpd
PY=/usr/bin/python3
[ "$(id -u)" = 0 ] || t_skip_all "needs root"
[ -x "$BIN" ] || t_skip_all "no $BIN (build services in host mode first)"
[ -x "$NTPD" ] || t_skip_all "no NTPsec at $NTPD (build.sh test fetches it)"
command -v openssl >/dev/null || t_skip_all "needs openssl"
if id ntsd >/dev/null 2>&1; then NTSD_USER=ntsd; else NTSD_USER=nobody; fi

chmod 755 "$T"
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait_for 10 gone "$p" || kill -KILL "$p" 2>/dev/null; done
}
trap cleanup EXIT
gone() { [ ! -e "/proc/$1" ] || grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null; }

d=$T/pki
t_pki "$d" || { t_fail "openssl: test certificates"; t_done; }
chown -R "$NTSD_USER" "$d"
mkdir -p "$T/keys"
chown "$NTSD_USER" "$T/keys"

"$PY" -c 'import sys; sys.path.insert(0, sys.argv[1]); from tgtest import write_status_forever; write_status_forever(sys.argv[2], 2, 1, "GPS")' \
	"$TOP/tests/system" "$T/status" &
PIDS+=("$!")
wait_for 10 test -s "$T/status" || { t_fail "status writer"; t_done; }

P=$(t_free_port)
K=$(t_free_port)
cat >"$T/ntsd.conf" <<EOF
listen-ntp 127.0.0.1 $P
listen-ke 127.0.0.1 $K
nts-server 127.0.0.1
nts-port $P
tls-cert $d/server.pem
tls-key $d/server.key
cookie-keys $T/keys/cookie-keys
status-file $T/status
user $NTSD_USER
EOF
: >"$T/ready"
TG_NOTIFY_FD=5 "$BIN" -f "$T/ntsd.conf" 5>"$T/ready" 2>"$T/ntsd.log" &
NTSD=$!
PIDS+=("$NTSD")
wait_for 30 grep -qx ready "$T/ready" || { t_fail "ntsd ready" "$(cat "$T/ntsd.log")"; t_done; }

mkdir -p "$T/ntpsec"
cat >"$T/ntpsec/ntp.conf" <<EOF
server localhost:$K nts ca $d/ca.pem iburst minpoll 3 maxpoll 3
disable ntp
driftfile $T/ntpsec/drift
logfile $T/ntpsec/ntpd.log
logconfig =all
statsdir $T/ntpsec/
statistics peerstats
filegen peerstats file peerstats type none enable
EOF
# -n: foreground; its own UDP 123 listener is not used by the test
"$NTPD" -n -c "$T/ntpsec/ntp.conf" -p "$T/ntpsec/ntpd.pid" >"$T/ntpsec/stdout" 2>&1 &
NPID=$!
PIDS+=("$NPID")

if wait_for 30 grep -q "NTSc: Got 8 cookies, length 104, aead=15" "$T/ntpsec/ntpd.log" &&
	grep -q "NTSc: Using TLSv1.3" "$T/ntpsec/ntpd.log"; then
	t_pass "NTPsec NTS-KE with ntsd: TLS 1.3, certificate valid, 8 cookies of 104 bytes, AEAD 15"
else
	t_fail "NTPsec NTS-KE with ntsd: TLS 1.3, 8 cookies, AEAD 15" \
		"$(grep -i 'nts\|err' "$T/ntpsec/ntpd.log" 2>&1 | tail -20)" "$(tail -5 "$T/ntsd.log")"
fi

# peerstats: day second address status offset delay dispersion jitter
authentic() {
	local day sec addr st off rest n=0 hi
	[ -f "$T/ntpsec/peerstats" ] || return 1
	while read -r day sec addr st off rest; do
		[ "$addr" = 127.0.0.1 ] || continue
		hi=$((0x$st >> 8))
		# authentic (0x20) and reachable (0x10), offset within 100 ms
		((hi & 0x20)) && ((hi & 0x10)) || continue
		awk -v o="$off" 'BEGIN { exit !(o < 0.1 && o > -0.1) }' && n=$((n + 1))
	done <"$T/ntpsec/peerstats"
	[ "$n" -ge 2 ]
}
if wait_for 40 authentic; then
	t_pass "NTPsec: authenticated, reachable samples from ntsd (peer status 'authentic'), offset < 100 ms"
else
	t_fail "NTPsec: authenticated samples from ntsd" "peerstats: $(tail -5 "$T/ntpsec/peerstats" 2>&1)" \
		"$(grep -i 'nts\|err' "$T/ntpsec/ntpd.log" 2>&1 | tail -10)"
fi
kill -TERM "$NPID"
wait_for 10 gone "$NPID"

# A cookie ntsd refused (NTS NAK) would have sent NTPsec back to NTS-KE,
# which its log would show a second time.
n=$(grep -c "NTSc: Got 8 cookies" "$T/ntpsec/ntpd.log")
if [ "$n" = 1 ] && kill -0 "$NTSD" 2>/dev/null; then
	t_pass "NTPsec ran NTS-KE once (no cookie refused); ntsd still running"
else
	t_fail "NTPsec ran NTS-KE once; ntsd still running" "key establishments: $n" "$(tail -5 "$T/ntsd.log")"
fi
t_done
