#!/usr/bin/env bash
# tests/system/test_consoled_config.sh - the web console's NTS certificate
# and configuration backup routes end to end on the host over HTTPS with
# curl, as root (consoled drops to its user as on the device).
#
# consoled runs with its site configuration in $T (timed.conf, site.conf,
# the NTS folder) and a stand-in for tg-supervise's control socket that
# answers "ok" and keeps the lines it got in $T/control.log.
#
# Cases: a certificate request made on the device (openssl verifies the
# CSR's signature, subject and SAN; the pending key stays in data-dir),
# signed by a throwaway openssl CA and installed without a key (200; chain
# and key in the NTS folder with their modes, the key the certificate's,
# the pending key gone, "restart ntsd" sent; GET /api/config shows it);
# a key that is not the certificate's refused (400, field "key", files
# unchanged); the backup downloaded (attachment name, format, checksum
# checked here independently), restored as it is (200, files the same),
# and refused once a byte of it changes (400 naming the checksum, field
# "file", nothing sent to the supervisor).  The console's own HTTPS
# certificate (target "console"): the self-signed one of the first start
# is shown and served; a request made for it (its pending key apart from
# the NTS one), signed by the CA and installed without a key (200, the
# answer says to log in again, DATA_DIR/tls with the key 0600, nothing
# sent to the supervisor, the NTS pair untouched); consoled then exits 0
# on its own with "restarting to use it" (no supervisor here: the test
# starts it again), serves the new chain (openssl s_client's fingerprint;
# curl verifies it against the CA), the old session is gone, and after
# logging in again GET /api/config shows it; revert "console-tls" brings
# the first certificate back the same way.
#
# Environment (tests/run.sh): TOP, OUT, T.
set -u
. "$TOP/tests/lib.sh"

CD=$OUT/host/services-host/bin/consoled
PY=/usr/bin/python3
[ "$(id -u)" = 0 ] || t_skip_all "needs root (consoled switches to its user)"
[ -x "$CD" ] || t_skip_all "no $CD (build services in host mode first)"
command -v curl >/dev/null || t_skip_all "needs curl"
command -v openssl >/dev/null || t_skip_all "needs openssl"
if id consoled >/dev/null 2>&1; then CU=consoled; else CU=nobody; fi
CG=$(id -gn "$CU")

chmod 755 "$T"
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
	sleep 0.3
	for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null; done
}
trap cleanup EXIT

# ------------------------------------------------------------ the site's files
mkdir -p "$T/config/nts" "$T/policy" "$T/ctl" "$T/time"
printf '# the board default\ndevice /dev/ttyS9\nbaud 9600\nsurvey yes\n' >"$T/config/timed.conf"
printf '# site\ndns 198.51.100.53\n' >"$T/policy/site.conf"
cp "$TOP/policy/network.policy" "$T/network.policy"
printf 'time eth0\nmgmt eth1\n' >"$T/roles"
printf 'eth0 10.0.2.15/24 10.0.2.2\neth1 10.0.3.15/24 -\n' >"$T/network.applied"
chown "$CU:$CG" "$T/config" "$T/config/nts" "$T/policy" "$T/config/timed.conf" "$T/policy/site.conf"
chmod 2750 "$T/config/nts"
chmod 755 "$T/ctl" "$T/time"
: >"$T/control.log"
"$PY" -c '
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1])
os.chmod(sys.argv[1], 0o777)
s.listen(8)
while True:
    c, _ = s.accept()
    line = c.makefile("rb").readline()
    with open(sys.argv[2], "ab") as f:
        f.write(line)
    c.sendall(b"ok\n")
    c.close()
' "$T/ctl/control.sock" "$T/control.log" &
PIDS+=($!)
wait_for 10 test -S "$T/ctl/control.sock" || t_fail "the fake control socket starts"

# ------------------------------------------------------------ the console
PORT=$(t_free_port)
D=$T/data
printf 'version 1.0.0\n' >"$T/release"
chmod 644 "$T/release"
cat >"$T/consoled.conf" <<EOF
listen 127.0.0.1 $PORT
data-dir $D
time-status $T/time/status
gnss-status $T/time/gnss
updated-socket $T/none.sock
release-file $T/release
config-dir $T/config
site-conf $T/policy/site.conf
network-policy $T/network.policy
roles $T/roles
network-applied $T/network.applied
control-socket $T/ctl/control.sock
nts-tls-dir $T/config/nts
kdf-iterations 100000
user $CU
EOF
mkdir -p "$D" && chown "$CU:$CG" "$D" && chmod 700 "$D"
LOG=$T/consoled.log
: >"$T/ready"
TG_NOTIFY_FD=5 "$CD" -f "$T/consoled.conf" 5>"$T/ready" 2>"$LOG" &
CDPID=$!
PIDS+=($CDPID)
if ! wait_for 30 grep -qx ready "$T/ready"; then
	t_fail "consoled: ready" "$(cat "$LOG")"
	t_done
fi

URL=https://127.0.0.1:$PORT
JAR=$T/jar
CSRF=
# req METHOD PATH [BODY [extra curl args...]]: "STATUS" on line 1, the body
# after; headers in $T/h.  BODY @FILE sends the file.
req() {
	local m=$1 p=$2 b=${3:-}; shift 3 2>/dev/null || shift $#
	local args=(-sk -o "$T/body" -D "$T/h" -w '%{http_code}' -X "$m" -b "$JAR" -c "$JAR")
	[ -n "$b" ] && args+=(-H 'Content-Type: application/json' --data-binary "$b")
	[ -n "$CSRF" ] && args+=(-H "X-CSRF-Token: $CSRF")
	curl "${args[@]}" "$@" "$URL$p"
	echo
	cat "$T/body"
}
body() { sed -n '2,$p'; }
jget() { "$PY" -c 'import json,sys; v=json.load(sys.stdin); print(eval("v"+sys.argv[1]))' "$1"; }
hdr() { grep -i "^$1:" "$T/h" | head -n 1 | cut -d: -f2- | tr -d '\r' | sed 's/^ //'; }
# jbody KEY=FILE|KEY:=STRING...: a JSON object of those strings, into $T/req.json
jbody() {
	"$PY" - "$@" >"$T/req.json" <<-'EOF'
		import json, sys
		o = {}
		for a in sys.argv[1:]:
		    if ":=" in a:
		        k, v = a.split(":=", 1); o[k] = v
		    else:
		        k, f = a.split("=", 1); o[k] = open(f).read()
		print(json.dumps(o))
	EOF
}

SETUP=$(sed -n 's/.*setup code \([A-Z2-7]\{5\}-[A-Z2-7]\{5\}\).*/\1/p' "$LOG" | head -n 1)
out=$(req POST /api/setup "{\"code\":\"$SETUP\",\"user\":\"admin\",\"password\":\"correct horse battery\"}")
CSRF=$(body <<<"$out" | jget '["csrf"]' 2>/dev/null)
[ "$(head -n 1 <<<"$out")" = 200 ] && [ -n "$CSRF" ] || { t_fail "setup: admin logged in" "$out"; t_done; }

NTS=$T/config/nts
# --- before any certificate
out=$(req GET /api/config)
[ "$(head -n 1 <<<"$out")" = 200 ] && [ "$(body <<<"$out" | jget '["tls"]["subject"]')" = None ] &&
	[ "$(body <<<"$out" | jget '["tls"]["csr_pending"]')" = False ] &&
	t_pass "GET /api/config: no NTS certificate yet (tls members null)" ||
	t_fail "GET /api/config: no NTS certificate yet" "$out"

# --- a certificate request made on the device
out=$(req POST /api/config/tls/csr '{"cn":"ntp.test","dns":"ntp.test\nlocalhost\n"}')
body <<<"$out" | jget '["csr"]' >"$T/dev.csr" 2>/dev/null
if [ "$(head -n 1 <<<"$out")" = 200 ] && openssl req -in "$T/dev.csr" -verify -noout 2>/dev/null &&
	openssl req -in "$T/dev.csr" -noout -subject | grep -q 'CN *= *ntp.test' &&
	openssl req -in "$T/dev.csr" -noout -text | grep -q 'DNS:ntp.test, DNS:localhost' &&
	[ "$(stat -c %a "$D/nts-pending-key.pem")" = 600 ]; then
	t_pass "POST /api/config/tls/csr: a CSR openssl verifies (CN, SAN), the key pending in data-dir (0600)"
else
	t_fail "POST /api/config/tls/csr" "$out" "$(openssl req -in "$T/dev.csr" -verify -noout 2>&1)"
fi
out=$(req POST /api/config/tls/csr '{"cn":"x","dns":"bad_name"}')
[ "$(head -n 1 <<<"$out")" = 400 ] && [ "$(body <<<"$out" | jget '["field"]')" = dns ] &&
	t_pass "POST /api/config/tls/csr with a bad DNS name: 400, field dns" ||
	t_fail "POST /api/config/tls/csr with a bad DNS name" "$out"
[ "$(body <<<"$(req GET /api/config)" | jget '["tls"]["csr_pending"]')" = True ] &&
	t_pass "GET /api/config: csr_pending" || t_fail "GET /api/config: csr_pending"

# --- signed by the site's CA, installed with the pending key
if t_pki "$T/pki" &&
	printf 'subjectAltName=DNS:ntp.test,DNS:localhost\nextendedKeyUsage=serverAuth\n' >"$T/pki/dev.ext" &&
	openssl x509 -req -in "$T/dev.csr" -CA "$T/pki/ca.pem" -CAkey "$T/pki/ca.key" -CAcreateserial \
		-days 30 -extfile "$T/pki/dev.ext" -out "$T/dev.pem" 2>/dev/null; then
	cat "$T/dev.pem" "$T/pki/ca.pem" >"$T/chain.pem"
	t_pass "the test CA signs the device's request"
else
	t_fail "the test CA signs the device's request"
fi
: >"$T/control.log"
jbody cert="$T/chain.pem"
out=$(req POST /api/config/tls "@$T/req.json")
pub_cert=$(openssl x509 -in "$NTS/cert.pem" -noout -pubkey 2>/dev/null)
pub_key=$(openssl pkey -in "$NTS/key.pem" -pubout 2>/dev/null)
if [ "$(head -n 1 <<<"$out")" = 200 ] && [ -n "$pub_key" ] && [ "$pub_cert" = "$pub_key" ] &&
	[ "$(grep -c 'BEGIN CERTIFICATE' "$NTS/cert.pem")" = 2 ] &&
	[ "$(stat -c %a "$NTS/cert.pem")" = 644 ] && [ "$(stat -c %a "$NTS/key.pem")" = 640 ] &&
	[ ! -e "$D/nts-pending-key.pem" ] && [ "$(cat "$T/control.log")" = "restart ntsd" ]; then
	t_pass "POST /api/config/tls (the pending key): chain and key installed (0644, 0640), restart ntsd"
else
	t_fail "POST /api/config/tls (the pending key)" "$out" "$(ls -l "$NTS" "$D")" "$(cat "$T/control.log")"
fi
openssl verify -CAfile "$T/pki/ca.pem" "$NTS/cert.pem" >/dev/null 2>&1 &&
	t_pass "the installed certificate verifies against the CA" ||
	t_fail "the installed certificate verifies against the CA"
out=$(req GET /api/config)
tls() { body <<<"$out" | jget "[\"tls\"][\"$1\"]"; }
[ "$(tls subject)" = CN=ntp.test ] && [ "$(tls issuer)" = "CN=test CA" ] && [ "$(tls self_signed)" = False ] &&
	[ "$(tls csr_pending)" = False ] && [ "$(tls days_left)" -ge 29 ] &&
	t_pass "GET /api/config: the NTS certificate's subject, issuer and days left" ||
	t_fail "GET /api/config: the NTS certificate" "$out"
grep -q audit.*config.tls "$LOG" && ! grep -q 'PRIVATE KEY' "$LOG" &&
	t_pass "the install is audited; no key material in the log" || t_fail "the install is audited"

# --- a key that is not the certificate's
cp "$NTS/cert.pem" "$T/cert.before"
: >"$T/control.log"
jbody cert="$T/chain.pem" key="$T/pki/server.key"
out=$(req POST /api/config/tls "@$T/req.json")
[ "$(head -n 1 <<<"$out")" = 400 ] && [ "$(body <<<"$out" | jget '["field"]')" = key ] &&
	cmp -s "$NTS/cert.pem" "$T/cert.before" && [ ! -s "$T/control.log" ] &&
	t_pass "POST /api/config/tls with another key: 400, field key, nothing changed" ||
	t_fail "POST /api/config/tls with another key" "$out"

# --- backup and restore
out=$(req GET /api/config/backup)
cp "$T/body" "$T/backup.txt"
cd_hdr=$(hdr content-disposition)
if [ "$(head -n 1 <<<"$out")" = 200 ] && grep -q "attachment; filename=\"timegate-config-$(date -u +%Y%m%d).txt\"" <<<"$cd_hdr" &&
	[ "$(head -n 1 "$T/backup.txt")" = "timegate-config 1" ] &&
	"$PY" - "$T/backup.txt" "$T/config/timed.conf" <<-'EOF'
		import hashlib, sys
		b = open(sys.argv[1], "rb").read()
		i = b.rindex(b"sha256 ")
		assert b[i:] == b"sha256 " + hashlib.sha256(b[:i]).hexdigest().encode() + b"\n"
		t = open(sys.argv[2], "rb").read()
		assert b"file timed.conf %d\n" % len(t) + t + b"\n" in b
		assert b"BEGIN" not in b  # no key in a backup
	EOF
then
	t_pass "GET /api/config/backup: attachment, format, checksum, timed.conf whole, no key"
else
	t_fail "GET /api/config/backup" "$cd_hdr" "$(cat "$T/backup.txt")"
fi
cp "$T/config/timed.conf" "$T/timed.before"
: >"$T/control.log"
jbody file="$T/backup.txt"
out=$(req POST /api/config/restore "@$T/req.json")
[ "$(head -n 1 <<<"$out")" = 200 ] && cmp -s "$T/config/timed.conf" "$T/timed.before" &&
	grep -qx 'restart timed' "$T/control.log" &&
	t_pass "POST /api/config/restore of that backup: 200, files the same, timed restarted" ||
	t_fail "POST /api/config/restore" "$out" "$(cat "$T/control.log")"
"$PY" - "$T/backup.txt" "$T/bad.txt" <<-'EOF'
	import sys
	b = bytearray(open(sys.argv[1], "rb").read())
	i = b.index(b"baud 9600") + 5
	b[i] = ord("1")  # baud 1600: a valid line, so only the checksum can tell
	open(sys.argv[2], "wb").write(b)
EOF
: >"$T/control.log"
jbody file="$T/bad.txt"
out=$(req POST /api/config/restore "@$T/req.json")
[ "$(head -n 1 <<<"$out")" = 400 ] && body <<<"$out" | jget '["error"]' | grep -q 'checksum' &&
	[ "$(body <<<"$out" | jget '["field"]')" = file ] && [ ! -s "$T/control.log" ] &&
	cmp -s "$T/config/timed.conf" "$T/timed.before" &&
	t_pass "POST /api/config/restore of a changed backup: 400 naming the checksum, nothing applied" ||
	t_fail "POST /api/config/restore of a changed backup" "$out"
jbody file:="timegate-config 1
file secrets 0

sha256 0000"
out=$(req POST /api/config/restore "@$T/req.json")
[ "$(head -n 1 <<<"$out")" = 400 ] && body <<<"$out" | jget '["error"]' | grep -q 'backup line 4' &&
	t_pass "POST /api/config/restore of a malformed backup: 400 naming the line" ||
	t_fail "POST /api/config/restore of a malformed backup" "$out"

# --- the console's own HTTPS certificate (target "console")
NTSFP=$(openssl x509 -in "$NTS/cert.pem" -noout -fingerprint -sha256)
fp() { openssl x509 -noout -fingerprint -sha256 2>/dev/null | cut -d= -f2; }
served() { openssl s_client -connect "127.0.0.1:$PORT" -servername localhost </dev/null 2>/dev/null | fp; }
ctls() { body <<<"$out" | jget "[\"console_tls\"][\"$1\"]"; }
FP0=$(served)
out=$(req GET /api/config)
[ -n "$FP0" ] && [ "$FP0" = "$(fp <"$D/tls/cert.pem")" ] && [ "$(ctls self_signed)" = True ] &&
	[ "$(ctls csr_pending)" = False ] && [ "$(ctls days_left)" -gt 3650 ] &&
	t_pass "GET /api/config: console_tls is the self-signed certificate of the first start, the one served" ||
	t_fail "GET /api/config: console_tls before a change" "$FP0" "$out"

out=$(req POST /api/config/tls/csr '{"target":"console","cn":"console.test","dns":"localhost\nconsole.test"}')
body <<<"$out" | jget '["csr"]' >"$T/con.csr" 2>/dev/null
st=$(head -n 1 <<<"$out")
out2=$(req GET /api/config)
if [ "$st" = 200 ] && openssl req -in "$T/con.csr" -verify -noout 2>/dev/null &&
	openssl req -in "$T/con.csr" -noout -subject | grep -q 'CN *= *console.test' &&
	[ "$(stat -c %a "$D/console-pending-key.pem")" = 600 ] && [ ! -e "$D/nts-pending-key.pem" ] &&
	[ "$(body <<<"$out2" | jget '["console_tls"]["csr_pending"]')" = True ] &&
	[ "$(body <<<"$out2" | jget '["tls"]["csr_pending"]')" = False ]; then
	t_pass "POST /api/config/tls/csr target console: a CSR openssl verifies, its key in console-pending-key.pem (0600), not the NTS one"
else
	t_fail "POST /api/config/tls/csr target console" "$out" "$(ls -l "$D")"
fi
out=$(req POST /api/config/tls/csr '{"target":"web","cn":"x","dns":"x.test"}')
[ "$(head -n 1 <<<"$out")" = 400 ] && [ "$(body <<<"$out" | jget '["field"]')" = target ] &&
	t_pass "POST /api/config/tls/csr with an unknown target: 400, field target" ||
	t_fail "POST /api/config/tls/csr with an unknown target" "$out"

printf 'subjectAltName=DNS:localhost,DNS:console.test\nextendedKeyUsage=serverAuth\n' >"$T/pki/con.ext"
openssl x509 -req -in "$T/con.csr" -CA "$T/pki/ca.pem" -CAkey "$T/pki/ca.key" -CAcreateserial \
	-days 30 -extfile "$T/pki/con.ext" -out "$T/con.pem" 2>/dev/null
cat "$T/con.pem" "$T/pki/ca.pem" >"$T/con-chain.pem"
FP1=$(fp <"$T/con.pem")
: >"$T/control.log"
jbody cert="$T/con-chain.pem" target:=console
out=$(req POST /api/config/tls "@$T/req.json")
pub_cert=$(openssl x509 -in "$D/tls/cert.pem" -noout -pubkey 2>/dev/null)
pub_key=$(openssl pkey -in "$D/tls/key.pem" -pubout 2>/dev/null)
if [ "$(head -n 1 <<<"$out")" = 200 ] && body <<<"$out" | jget '["message"]' | grep -q 'log in again' &&
	[ -n "$FP1" ] && [ "$(fp <"$D/tls/cert.pem")" = "$FP1" ] && [ -n "$pub_key" ] && [ "$pub_cert" = "$pub_key" ] &&
	[ "$(stat -c %a "$D/tls/key.pem")" = 600 ] && [ -e "$D/tls/cert.pem.prev" ] &&
	[ ! -e "$D/console-pending-key.pem" ] && [ ! -s "$T/control.log" ] &&
	[ "$(openssl x509 -in "$NTS/cert.pem" -noout -fingerprint -sha256)" = "$NTSFP" ]; then
	t_pass "POST /api/config/tls target console: installed in data-dir/tls (key 0600), 'log in again', nothing sent to the supervisor"
else
	t_fail "POST /api/config/tls target console" "$out" "$(ls -l "$D/tls")" "$(cat "$T/control.log")"
fi

# consoled_exits: waits (at most 15 s) for consoled to end on its own; its status in $CDRC
consoled_exits() {
	(sleep 15; kill -KILL "$CDPID" 2>/dev/null) &
	local w=$!
	wait "$CDPID"
	CDRC=$?
	kill "$w" 2>/dev/null
	wait "$w" 2>/dev/null
}
# consoled_start: as at the top, the log appended
consoled_start() {
	: >"$T/ready"
	TG_NOTIFY_FD=5 "$CD" -f "$T/consoled.conf" 5>"$T/ready" 2>>"$LOG" &
	CDPID=$!
	PIDS+=($CDPID)
	wait_for 30 grep -qx ready "$T/ready"
}
consoled_exits
[ "$CDRC" = 0 ] && [ "$(grep -c 'new HTTPS certificate installed; restarting to use it' "$LOG")" = 1 ] &&
	! grep -q 'signal 15' "$LOG" &&
	t_pass "consoled exits 0 after the answer, logging 'restarting to use it'" ||
	t_fail "consoled exits 0 after the answer" "status $CDRC" "$(tail -n 5 "$LOG")"
consoled_start || t_fail "consoled starts again" "$(tail -n 5 "$LOG")"
[ "$(served)" = "$FP1" ] &&
	[ "$(curl -s -o /dev/null -w '%{http_code}' --cacert "$T/pki/ca.pem" \
		--resolve "localhost:$PORT:127.0.0.1" "https://localhost:$PORT/")" = 200 ] &&
	t_pass "after the restart the new certificate is served (fingerprint; curl verifies it against the CA)" ||
	t_fail "after the restart the new certificate is served" "$(served) != $FP1"
out=$(req GET /api/config)
[ "$(head -n 1 <<<"$out")" = 401 ] &&
	t_pass "the session from before the restart is gone (401)" || t_fail "the old session is gone" "$out"
out=$(req POST /api/login '{"user":"admin","password":"correct horse battery"}')
CSRF=$(body <<<"$out" | jget '["csrf"]' 2>/dev/null)
out=$(req GET /api/config)
[ -n "$CSRF" ] && [ "$(ctls subject)" = CN=console.test ] && [ "$(ctls issuer)" = "CN=test CA" ] &&
	[ "$(ctls self_signed)" = False ] && [ "$(ctls days_left)" -ge 29 ] &&
	t_pass "logged in again: console_tls shows the CA's certificate" ||
	t_fail "logged in again: console_tls" "$out"
grep -q 'audit: config.console-tls ok .*CN=console.test, valid until' "$LOG" && ! grep -q 'PRIVATE KEY' "$LOG" &&
	t_pass "the console certificate's install is audited (subject); no key material in the log" ||
	t_fail "the console certificate's install is audited" "$(grep audit "$LOG" | tail -n 3)"

out=$(req POST /api/config/revert '{"what":"console-tls"}')
st=$(head -n 1 <<<"$out")
consoled_exits
if [ "$st" = 200 ] && [ "$CDRC" = 0 ] && consoled_start && [ "$(served)" = "$FP0" ]; then
	t_pass "revert console-tls: the first certificate back, consoled restarted, it is served"
else
	t_fail "revert console-tls" "$out" "status $CDRC" "$(tail -n 5 "$LOG")"
fi

t_done
