#!/usr/bin/env bash
# tests/system/test_ntsd_nts.sh - ntsd's NTS (RFC 8915) on the host, as
# root, against real peers: chrony 4.3 as NTS client and as NTS server,
# openssl s_client, Python's ssl module (OpenSSL) for hand-made NTS-KE
# requests, and our own nts-query.
#
# ntsd runs standalone on 127.0.0.1 with free high ports (listen-ntp,
# listen-ke, nts-port so the KE answer names our NTP port), a throwaway
# CA and P-256 certificate for localhost/127.0.0.1 made with openssl, its
# cookie key ring in $T/keys, and a clock status of "locked, stratum 1,
# GPS" written every second by tests/system/tgtest.py.
#
# Cases: readiness of both roles; nts-query with each AEAD (15, 16, 17)
# gets 8 cookies and authenticated time from the status file; ten
# requests in a row (cookies refilled); openssl s_client completes TLS 1.3
# with ALPN ntske/1 and is refused with -tls1_2; NTS-KE error records for
# an unknown critical record and for no common AEAD; the key ring on disk
# (0600, the service user's); cookies survive a restart; a lost key ring
# gives NTS NAK; a corrupt key ring is set aside and replaced; slow
# clients are cut off and capped per source; chrony as NTS client
# (authdata: NTS, AEAD 15, cookies; ntpdata: authenticated); nts-query
# against chrony as NTS server; `ntsd -n` checks that the key belongs to
# the certificate; a running ntsd with the wrong key serves NTP (and NTS
# with issued cookies) without NTS-KE and says why; ntp-plain no drops
# plain requests and still answers NTS; the counters file (stats-file,
# lib/ntsstats.h) counts the key establishments and NTS requests made and
# names the certificate's notAfter.
#
# Environment (tests/run.sh): TOP, OUT, T.  TG_NTSD_BIN / TG_NTSQUERY_BIN
# override the binaries.
set -u
. "$TOP/tests/lib.sh"

BIN=${TG_NTSD_BIN:-$OUT/host/services-host/bin/ntsd}
QUERY=${TG_NTSQUERY_BIN:-$OUT/host/services-host/bin/nts-query}
CHRONYD=/usr/sbin/chronyd
CHRONYC=/usr/bin/chronyc
PY=/usr/bin/python3
[ "$(id -u)" = 0 ] || t_skip_all "needs root (drops to a service user)"
[ -x "$BIN" ] && [ -x "$QUERY" ] || t_skip_all "no $BIN or $QUERY (build services in host mode first)"
[ -x "$PY" ] || t_skip_all "needs /usr/bin/python3"
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
show_log() { sed 's/^/    /' "$1" >&2; }

# ---------------------------------------------------------------- certificates

t_pki "$T/pki" || { t_fail "openssl: test certificates"; t_done; }
chown -R "$NTSD_USER" "$T/pki"

# ---------------------------------------------------------------- helpers

cat >"$T/nts.py" <<'EOF'
import os, socket, ssl, struct, sys, time

sys.path.insert(0, os.path.join(os.environ["TOP"], "tests", "system"))
from tgtest import write_status_forever  # noqa: E402

def rec(t, body=b"", critical=False):
    return struct.pack(">HH", (0x8000 if critical else 0) | t, len(body)) + body

def ke(port, ca, payload, timeout=5):
    """one NTS-KE exchange over TLS 1.3 (OpenSSL through Python); the records back"""
    ctx = ssl.create_default_context(cafile=ca)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    ctx.set_alpn_protocols(["ntske/1"])
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as raw:
        with ctx.wrap_socket(raw, server_hostname="localhost") as s:
            s.sendall(payload)
            data = b""
            while True:
                try:
                    d = s.recv(4096)
                except (ssl.SSLZeroReturnError, ConnectionResetError):
                    break
                if not d:
                    break
                data += d
    out, off = [], 0
    while off + 4 <= len(data):
        t, n = struct.unpack(">HH", data[off:off + 4])
        out.append((t & 0x7fff, t >> 15, data[off + 4:off + 4 + n]))
        off += 4 + n
    return out

cmd = sys.argv[1]
if cmd == "writer":
    write_status_forever(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5])
elif cmd == "ke":  # PORT CA CASE: print the records of the answer
    port, ca, case = int(sys.argv[2]), sys.argv[3], sys.argv[4]
    nextproto = rec(1, struct.pack(">H", 0), True)
    eom = rec(0, b"", True)
    if case == "good":
        p = nextproto + rec(4, struct.pack(">H", 15)) + eom
    elif case == "unknown-critical":
        p = nextproto + rec(4, struct.pack(">H", 15)) + rec(0x1234, b"xx", True) + eom
    elif case == "no-aead":
        p = nextproto + rec(4, struct.pack(">H", 1)) + eom
    elif case == "unknown-noncritical":
        p = nextproto + rec(0x1234, b"xx") + rec(4, struct.pack(">H", 15)) + eom
    for t, c, body in ke(port, ca, p):
        if t == 2:
            print("error", struct.unpack(">H", body)[0])
        elif t == 4:
            print("aead", struct.unpack(">H", body)[0])
        elif t == 5:
            print("cookie", len(body))
        elif t == 7:
            print("port", struct.unpack(">H", body)[0])
        elif t == 0:
            print("end")
elif cmd == "slow":  # PORT N: open N connections, send nothing; print how many the server closed at once
    port, n = int(sys.argv[2]), int(sys.argv[3])
    conns = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(n)]
    time.sleep(1)
    closed = 0
    for c in conns:
        c.settimeout(0.2)
        try:
            if c.recv(1) == b"":
                closed += 1
        except socket.timeout:
            pass
        except ConnectionResetError:
            closed += 1
    print("closed-at-once", closed)
    time.sleep(11)  # the server's 10 s deadline for the others
    closed = 0
    for c in conns:
        c.settimeout(0.5)
        try:
            if c.recv(1) == b"":
                closed += 1
        except socket.timeout:
            pass
        except (ConnectionResetError, OSError):
            closed += 1
    print("closed-after-deadline", closed)
EOF


"$PY" "$T/nts.py" writer "$T/status" 2 1 GPS &
PIDS+=("$!")
wait_for 10 test -s "$T/status" || { t_fail "status writer" "no $T/status"; t_done; }

mkdir -p "$T/keys" "$T/run"
chown "$NTSD_USER" "$T/keys" "$T/run"
chmod 700 "$T/keys"
P=$(t_free_port)
K=$(t_free_port)

# start_ntsd NAME [EXTRA CONFIG LINE]: sets NTSD_PID; log $T/NAME.log
start_ntsd() {
	local name=$1
	cat >"$T/$name.conf" <<-EOF
		listen-ntp 127.0.0.1 $P
		listen-ke 127.0.0.1 $K
		nts-port $P
		tls-cert $T/pki/server.pem
		tls-key $T/pki/server.key
		cookie-keys $T/keys/cookie-keys
		status-file $T/status
		stats-file $T/run/$name.stats
		user $NTSD_USER
		${2:-}
	EOF
	: >"$T/$name.ready"
	TG_NOTIFY_FD=5 "$BIN" -f "$T/$name.conf" 5>"$T/$name.ready" 2>"$T/$name.log" &
	NTSD_PID=$!
	PIDS+=("$NTSD_PID")
}
stop_ntsd() { kill -TERM "$1"; wait_for 10 gone "$1"; }
is_ready() { grep -qx ready "$T/$1.ready"; }
q() { "$QUERY" -c "$T/pki/ca.pem" -n localhost -p "$K" "$@" 127.0.0.1; }

# ---------------------------------------------------------------- NTS with our client

start_ntsd a
A=$NTSD_PID
if wait_for 30 is_ready a && grep -q "ke role is serving" "$T/a.log"; then
	t_pass "ntsd: ready once both the ntp and the ke role serve"
else
	t_fail "ntsd: ready once both the ntp and the ke role serve" "log:"
	show_log "$T/a.log"
	t_done
fi

for aead in 15 16 17; do
	out=$(q -a "$aead" -s "$T/session$aead" 2>&1)
	if echo "$out" | grep -q "^ke ok server=127.0.0.1 port=$P aead=$aead cookies=8 " &&
		echo "$out" | grep -Eq '^ntp ok offset=[-+]0\.[0-4][0-9]* .* stratum=1 leap=0 refid=GPS cookies=1$'; then
		t_pass "nts-query: AEAD $aead: 8 cookies, then authenticated time (stratum 1, GPS)"
	else
		t_fail "nts-query: AEAD $aead: 8 cookies, then authenticated time (stratum 1, GPS)" "$out"
	fi
done

out=$(q -r 10 2>&1)
n=$(echo "$out" | grep -c '^ntp ok ')
if [ "$n" = 10 ]; then
	t_pass "nts-query: ten authenticated requests on one key establishment (cookies refilled)"
else
	t_fail "nts-query: ten authenticated requests on one key establishment (cookies refilled)" "$out"
fi

# ---------------------------------------------------------------- counters file

# so far: 4 key establishments (3 AEADs, then -r 10) and 13 NTS requests
# answered; the file is rewritten every 2 s
stat_of() { sed -n "s/^$1 //p" "$T/run/a.stats"; }
stats_caught_up() { [ "$(stat_of ke_handshakes)" -ge 4 ] && [ "$(stat_of nts_requests)" -ge 13 ]; }
not_after=$(date -u -d "$(openssl x509 -enddate -noout -in "$T/pki/server.pem" | sed 's/^notAfter=//')" +%s)
if wait_for 10 stats_caught_up && [ "$(stat_of version)" = 1 ] &&
	[ "$(stat_of ntp_requests)" -ge "$(stat_of nts_requests)" ] &&
	[ "$(stat_of nts_refused)" = 0 ] && [ "$(stat_of ke_failures)" = 0 ] &&
	[ "$(stat_of cert_not_after)" = "$not_after" ] && [ "$(stat_of cookie_key_id)" -ge 1 ] &&
	[ "$(stat -c %a "$T/run/a.stats")" = 644 ]; then
	t_pass "counters file: 4 NTS-KE handshakes, 13 NTS requests, no failures, cert_not_after = openssl's notAfter ($not_after), mode 0644"
else
	t_fail "counters file: KE handshakes, NTS requests and the certificate's notAfter" \
		"notAfter $not_after; file:" "$(cat "$T/run/a.stats" 2>&1)"
fi

# ---------------------------------------------------------------- certificate checks

openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/pki/other.key" 2>/dev/null
chown "$NTSD_USER" "$T/pki/other.key"
sed "s|^tls-key .*|tls-key $T/pki/other.key|" "$T/a.conf" >"$T/badkey.conf"
out=$("$BIN" -n -f "$T/badkey.conf" 2>&1)
rc=$?
if [ "$rc" = 100 ] && echo "$out" | grep -q "does not belong to the certificate"; then
	t_pass "ntsd -n: a key that is not the certificate's is a configuration error (exit 100), named"
else
	t_fail "ntsd -n: a key that is not the certificate's is a configuration error" "exit $rc: $out"
fi
out=$("$BIN" -n -f "$T/a.conf" 2>&1)
rc=$?
if [ "$rc" = 0 ] && echo "$out" | grep -q "certificate and key ok"; then
	t_pass "ntsd -n: the certificate and its key check out"
else
	t_fail "ntsd -n: the certificate and its key check out" "exit $rc: $out"
fi

# ---------------------------------------------------------------- TLS with openssl

out=$(timeout 10 openssl s_client -connect "127.0.0.1:$K" -tls1_3 -alpn ntske/1 \
	-CAfile "$T/pki/ca.pem" -verify_hostname localhost -verify_return_error </dev/null 2>&1)
if echo "$out" | grep -q "New, TLSv1.3" && echo "$out" | grep -q "ALPN protocol: ntske/1" &&
	echo "$out" | grep -q "Verify return code: 0 (ok)"; then
	t_pass "openssl s_client -tls1_3 -alpn ntske/1: handshake completes, ALPN ntske/1, chain verifies"
else
	t_fail "openssl s_client -tls1_3 -alpn ntske/1: handshake completes" "$(echo "$out" | tail -20)"
fi
out=$(timeout 10 openssl s_client -connect "127.0.0.1:$K" -tls1_2 -alpn ntske/1 </dev/null 2>&1)
if echo "$out" | grep -q "alert protocol version" && ! echo "$out" | grep -q "New, TLSv1.2"; then
	t_pass "openssl s_client -tls1_2: refused with a protocol_version alert"
else
	t_fail "openssl s_client -tls1_2: refused with a protocol_version alert" "$(echo "$out" | tail -20)"
fi

# ---------------------------------------------------------------- NTS-KE records

ke() { "$PY" "$T/nts.py" ke "$K" "$T/pki/ca.pem" "$1" 2>&1 | tr '\n' ' '; }
out=$(ke good)
case $out in
"aead 15 port $P cookie 104 cookie 104 cookie 104 cookie 104 cookie 104 cookie 104 cookie 104 cookie 104 end ")
	t_pass "NTS-KE from OpenSSL: AEAD 15, eight 102-byte cookies, Port record, End of Message" ;;
*) t_fail "NTS-KE from OpenSSL: AEAD 15, eight cookies, Port, End" "got: $out" ;;
esac
out=$(ke unknown-noncritical)
case $out in
"aead 15 port $P cookie 104"*) t_pass "NTS-KE: an unknown non-critical record is ignored" ;;
*) t_fail "NTS-KE: an unknown non-critical record is ignored" "got: $out" ;;
esac
out=$(ke unknown-critical)
case $out in
"error 0 end ") t_pass "NTS-KE: an unknown critical record gets Error 0 (unrecognized critical record)" ;;
*) t_fail "NTS-KE: an unknown critical record gets Error 0" "got: $out" ;;
esac
out=$(ke no-aead)
case $out in
"error 1 end ") t_pass "NTS-KE: no AEAD in common gets Error 1 (bad request)" ;;
*) t_fail "NTS-KE: no AEAD in common gets Error 1" "got: $out" ;;
esac

# ---------------------------------------------------------------- key ring

st=$(stat -c '%a %U' "$T/keys/cookie-keys" 2>&1)
if [ "$st" = "600 $NTSD_USER" ]; then
	t_pass "cookie key ring saved on disk, mode 0600, owned by $NTSD_USER"
else
	t_fail "cookie key ring saved on disk, mode 0600, owned by $NTSD_USER" "stat: $st"
fi

stop_ntsd "$A"
start_ntsd b
B=$NTSD_PID
wait_for 30 is_ready b || { t_fail "ntsd restarts" "log:"; show_log "$T/b.log"; }
out=$(q -s "$T/session15" -K 2>&1)
if echo "$out" | grep -q '^ntp ok .* stratum=1 '; then
	t_pass "cookies issued before a restart are still accepted (key ring reloaded)"
else
	t_fail "cookies issued before a restart are still accepted" "$out" "log:" "$(cat "$T/b.log")"
fi

stop_ntsd "$B"
rm -f "$T/keys/cookie-keys"
start_ntsd c
C=$NTSD_PID
wait_for 30 is_ready c || { t_fail "ntsd restarts without a key ring" "log:"; show_log "$T/c.log"; }
out=$(q -s "$T/session16" -K 2>&1)
rc=$?
if [ "$rc" = 1 ] && echo "$out" | grep -qx 'ntp nak'; then
	t_pass "a cookie under a lost key gets NTS NAK (exit 1): the client must run NTS-KE again"
else
	t_fail "a cookie under a lost key gets NTS NAK" "exit $rc: $out"
fi
out=$(q 2>&1)
echo "$out" | grep -q '^ntp ok ' && t_pass "after the NAK, a new key establishment works" ||
	t_fail "after the NAK, a new key establishment works" "$out"
refused_counted() { [ "$(sed -n 's/^nts_refused //p' "$T/run/c.stats")" -ge 1 ]; }
if wait_for 10 refused_counted; then
	t_pass "counters file: the NAK is counted in nts_refused"
else
	t_fail "counters file: the NAK is counted in nts_refused" "$(cat "$T/run/c.stats" 2>&1)"
fi

stop_ntsd "$C"
printf 'TGCK garbage' >"$T/keys/cookie-keys"
start_ntsd d
D=$NTSD_PID
if wait_for 30 is_ready d && [ -f "$T/keys/cookie-keys.bad" ] &&
	grep -q "starting a new cookie key ring" "$T/d.log" && q -s "$T/session-d" >/dev/null 2>&1; then
	t_pass "a corrupt key ring is set aside (.bad), a new one made, and NTS keeps working"
else
	t_fail "a corrupt key ring is set aside and replaced" "log:" "$(cat "$T/d.log")"
fi

# ---------------------------------------------------------------- slow clients

out=$("$PY" "$T/nts.py" slow "$K" 8 2>&1 | tr '\n' ' ')
# 4 connections per source are kept; the 4 beyond are closed at once; the rest after 10 s
if [ "$out" = "closed-at-once 4 closed-after-deadline 8 " ]; then
	t_pass "NTS-KE: 4 connections per source, silent ones closed after the 10 s deadline"
else
	t_fail "NTS-KE: 4 connections per source, silent ones closed after the deadline" "got: $out"
fi
kill -0 "$D" 2>/dev/null && q >/dev/null 2>&1 &&
	t_pass "NTS-KE serves again once the slow connections are gone" ||
	t_fail "NTS-KE serves again once the slow connections are gone" "log:" "$(tail -5 "$T/d.log")"

# ---------------------------------------------------------------- chrony as NTS client

if [ -x "$CHRONYD" ] && [ -x "$CHRONYC" ]; then
	mkdir -p "$T/chrony"
	chmod 700 "$T/chrony" # chronyd's command socket folder must not be open to others
	cat >"$T/chrony/chrony.conf" <<-EOF
		server 127.0.0.1 port $P nts ntsport $K iburst minpoll 0 maxpoll 0
		ntstrustedcerts $T/pki/ca.pem
		ntsdumpdir $T/chrony
		bindcmdaddress $T/chrony/chronyd.sock
		pidfile $T/chrony/chronyd.pid
		driftfile $T/chrony/drift
	EOF
	# -x: never touch the clock; -U: no root needed for anything we ask
	"$CHRONYD" -x -d -U -f "$T/chrony/chrony.conf" -u root >"$T/chrony/log" 2>&1 &
	CPID=$!
	PIDS+=("$CPID")
	authed() {
		"$CHRONYC" -h "$T/chrony/chronyd.sock" -n -N authdata 2>/dev/null |
			grep -Eq "^127\.0\.0\.1 +NTS +[0-9]+ +15 +256 +.* [1-8] +104$" &&
			"$CHRONYC" -h "$T/chrony/chronyd.sock" -n ntpdata 2>/dev/null |
			grep -Eq "^Authenticated +: Yes"
	}
	if wait_for 30 authed; then
		t_pass "chrony 4.3 as NTS client: authdata shows NTS, AEAD 15 (256-bit key), cookies; ntpdata: authenticated"
	else
		t_fail "chrony 4.3 as NTS client: NTS, AEAD 15, authenticated" \
			"$("$CHRONYC" -h "$T/chrony/chronyd.sock" -n -N authdata 2>&1)" \
			"$("$CHRONYC" -h "$T/chrony/chronyd.sock" -n ntpdata 2>&1 | head -30)" \
			"$(cat "$T/chrony/log")"
	fi
	kill -TERM "$CPID"

	# ------------------------------------------------------------ chrony as NTS server
	CP=$(t_free_port)
	CK=$(t_free_port)
	t_chrony_nts_server "$T/chronys" "$T/pki" "$CP" "$CK" 3
	SPID=$!
	PIDS+=("$SPID")
	sq() { "$QUERY" -c "$T/pki/ca.pem" -n localhost -p "$CK" -P "$CP" 127.0.0.1 2>&1; }
	if wait_for 20 sh -c "'$QUERY' -c '$T/pki/ca.pem' -n localhost -p $CK -P $CP -r 3 127.0.0.1 >/dev/null 2>&1"; then
		out=$(sq)
		if echo "$out" | grep -q '^ke ok .* cookies=8 ' && echo "$out" | grep -q '^ntp ok .* stratum=3 '; then
			t_pass "nts-query against chrony 4.3 as NTS server: 8 cookies, authenticated time"
		else
			t_fail "nts-query against chrony 4.3 as NTS server" "$out"
		fi
	else
		t_fail "nts-query against chrony 4.3 as NTS server" "$(sq)" "$(cat "$T/chronys/log")"
	fi
	kill -TERM "$SPID"
else
	t_pass "chrony interop # SKIP chronyd/chronyc not installed"
fi

# a running ntsd with the wrong key: NTS-KE off, said why, NTP (and NTS with old cookies) served
stop_ntsd "$D"
P2=$(t_free_port)
K2=$(t_free_port)
sed -e "s|^tls-key .*|tls-key $T/pki/other.key|" -e "s|^listen-ntp .*|listen-ntp 127.0.0.1 $P2|" \
	-e "s|^listen-ke .*|listen-ke 127.0.0.1 $K2|" -e "s|^nts-port .*|nts-port $P2|" "$T/a.conf" >"$T/e.conf"
echo "ntp-plain no" >>"$T/e.conf"
: >"$T/e.ready"
TG_NOTIFY_FD=5 "$BIN" -f "$T/e.conf" 5>"$T/e.ready" 2>"$T/e.log" &
E=$!
PIDS+=("$E")
if wait_for 30 is_ready e && grep -q "NTS-KE disabled: .*does not belong to the certificate" "$T/e.log" &&
	! "$QUERY" -c "$T/pki/ca.pem" -n localhost -p "$K2" -r 0 127.0.0.1 >/dev/null 2>&1 &&
	"$QUERY" -s "$T/session-d" -K -P "$P2" localhost >/dev/null 2>&1; then
	t_pass "a key that does not match: NTS-KE off and the log says why; NTP and NTS with issued cookies go on"
else
	t_fail "a key that does not match: NTS-KE off, NTP goes on" "log:" "$(cat "$T/e.log")"
fi
plain=$("$PY" -c 'import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(2)
s.sendto(bytes([0x23]) + bytes(47), ("127.0.0.1", int(sys.argv[1])))
try:
    print(len(s.recv(2048)))
except socket.timeout:
    print("noreply")' "$P2")
if [ "$plain" = noreply ] && "$QUERY" -s "$T/session-d" -K -P "$P2" localhost >/dev/null 2>&1; then
	t_pass "ntp-plain no: a plain NTP request gets no answer, an NTS one does"
else
	t_fail "ntp-plain no: plain dropped, NTS answered" "plain: $plain"
fi
D=$E

kill -0 "$D" 2>/dev/null && t_pass "ntsd still running after every case above" ||
	t_fail "ntsd still running after every case above" "log:" "$(cat "$T/d.log")"
t_done
