#!/usr/bin/env bash
# tests/system/test_consoled_supervise.sh - the web console's Logs and
# Services routes against a real tg-supervise, on the host, as root.
#
# tg-supervise runs with -n and a temporary SERVICE_DIR/RUN_DIR, its
# log.sock/status.sock and control.sock owned by the console user's group
# (log-group, control-group: svctl on the device).  Its one service,
# "ticker", is a shell loop writing "ticker[main] info: tick N" (the
# supervisor does not tag lines with the service that wrote them; every
# Timegate daemon does, through lib/log.h, and the console's service
# filter reads that tag), a line with HTML in it and one untagged raw
# line.  consoled runs outside the supervisor (as in test_consoled.sh),
# pointed at the RUN_DIR sockets by its consoled.conf; curl talks to it.
#
# Cases: GET /api/logs returns the ticks for service=ticker (oldest first,
# at most n, truncated when more matched), q filters case-insensitively,
# the HTML line comes back as escaped JSON text, the raw line is shown
# without a filter but not under service=ticker, bad parameters get 400
# naming the field; GET /api/services lists ticker running with its pid;
# POST /api/services/restart: as a viewer 403, without CSRF 403, an
# unknown service 404 naming the ones there are, the console itself 409,
# ticker as admin 200, then its pid in /api/services changes, its
# restarts count grows and the audit trail has a service.restart record.
#
# Environment (tests/run.sh): TOP, OUT, T.  TG_SUPERVISE_BIN overrides the
# supervisor binary.
set -u
. "$TOP/tests/lib.sh"

BIN=$OUT/host/services-host/bin
CD=$BIN/consoled
SV=${TG_SUPERVISE_BIN:-$BIN/tg-supervise}
PY=/usr/bin/python3
[ "$(id -u)" = 0 ] || t_skip_all "needs root (the supervisor's users, the console's user switch)"
for b in "$CD" "$SV"; do
	[ -x "$b" ] || t_skip_all "no $b (build services in host mode first)"
done
command -v curl >/dev/null || t_skip_all "needs curl"
[ -x "$PY" ] || t_skip_all "needs /usr/bin/python3"
id nobody >/dev/null 2>&1 || t_skip_all "needs the user nobody"
if id consoled >/dev/null 2>&1; then CU=consoled; else CU=nobody; fi
CG=$(id -gn "$CU")

chmod 755 "$T"
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do
		wait_for 15 gone "$p" || kill -KILL "$p" 2>/dev/null
	done
}
gone() { [ ! -e "/proc/$1" ] || grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null; }
trap cleanup EXIT

# ------------------------------------------------------------ the supervisor
S=$T/services RUN=$T/run
mkdir -p "$S" "$RUN"
cat >"$T/ticker.sh" <<'EOF'
echo "ticker[main] info: hello <script>alert(1)</script> & more"
echo "raw tick line without a tag"
i=0
while :; do
	i=$((i + 1))
	echo "ticker[main] info: tick $i"
	[ "$i" = 3 ] && echo "ticker[main] warn: TICK in capitals"
	sleep 0.2
done
EOF
cat >"$S/ticker.conf" <<EOF
command /bin/sh $T/ticker.sh
user nobody
$(host_program_grants)
read $(cd "$T" && pwd -P)
EOF
printf 'log-group %s\ncontrol-group %s\n' "$CG" "$CG" >"$T/supervise.conf"
"$SV" -n -d "$S" -c "$T/supervise.conf" -r "$RUN" 2>"$T/supervise.log" &
PIDS+=($!)
sv_status() { "$PY" -c 'import socket,sys
s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); b=b""
while True:
    c=s.recv(65536)
    if not c: break
    b+=c
sys.stdout.write(b.decode())' "$RUN/status.sock"; }
# running and ready (a service without a ready line is ready a second after its start)
ticker_up() { sv_status | grep -Eq '^ticker running [1-9][0-9]* [0-9]+ [0-9]+ yes$'; }
if wait_for 30 ticker_up; then
	t_pass "tg-supervise: ticker running"
else
	t_fail "tg-supervise: ticker running" "$(tail -20 "$T/supervise.log")"
	t_done
fi
HAVE_CONTROL=0
[ -S "$RUN/control.sock" ] && HAVE_CONTROL=1
# the console (not root) reaches the sockets through the group
chgrp "$CG" "$RUN" 2>/dev/null
chmod 750 "$RUN"

# ------------------------------------------------------------ the console
PORT=$(t_free_port)
D=$T/data
mkdir -p "$D" "$T/time" && chown "$CU:$CG" "$D" && chmod 700 "$D"
printf 'version 1.0.0\n' >"$T/release" && chmod 644 "$T/release"
cat >"$T/consoled.conf" <<EOF
listen 127.0.0.1 $PORT
data-dir $D
time-status $T/time/status
gnss-status $T/time/gnss
updated-socket $T/no-updated.sock
release-file $T/release
log-socket $RUN/log.sock
status-socket $RUN/status.sock
control-socket $RUN/control.sock
kdf-iterations 100000
user $CU
EOF
: >"$T/ready"
TG_NOTIFY_FD=5 "$CD" -f "$T/consoled.conf" 5>"$T/ready" 2>"$T/consoled.log" &
PIDS+=($!)
if wait_for 30 grep -qx ready "$T/ready"; then
	t_pass "consoled: ready"
else
	t_fail "consoled: ready" "$(cat "$T/consoled.log")"
	t_done
fi

URL=https://127.0.0.1:$PORT
JAR=$T/jar CSRF=
# req METHOD PATH [BODY [curl args...]]: "STATUS" on line 1, the body after
req() {
	local m=$1 p=$2 b=${3:-}; shift 3 2>/dev/null || shift $#
	local args=(-sk -o "$T/body" -w '%{http_code}' -X "$m" -b "$JAR" -c "$JAR")
	[ -n "$b" ] && args+=(-H 'Content-Type: application/json' --data-binary "$b")
	[ -n "$CSRF" ] && args+=(-H "X-CSRF-Token: $CSRF")
	curl "${args[@]}" "$@" "$URL$p"
	echo
	cat "$T/body"
}
code() { req "$@" | head -n 1; }
body() { sed -n '2,$p'; }
# jq-like: jget EXPR (python over the JSON body on stdin, v is the value)
jget() { "$PY" -c 'import json,sys; v=json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"; }

SETUP=
wait_for 10 grep -q 'setup code' "$T/consoled.log"
SETUP=$(sed -n 's/.*setup code \([A-Z2-7]\{5\}-[A-Z2-7]\{5\}\).*/\1/p' "$T/consoled.log" | head -n 1)
out=$(req POST /api/setup "{\"code\":\"$SETUP\",\"user\":\"admin\",\"password\":\"correct horse battery\"}")
CSRF=$(body <<<"$out" | jget 'v["csrf"]' 2>/dev/null)
c=$(code POST /api/users '{"user":"vera","password":"a long enough secret for her","role":"viewer"}')
if [ -n "$CSRF" ] && [ "$c" = 200 ]; then
	t_pass "setup: admin, and viewer vera"
else
	t_fail "setup: admin, and viewer vera" "$out" "$c $(cat "$T/body")"
	t_done
fi
ADMIN_JAR=$JAR ADMIN_CSRF=$CSRF
JAR=$T/jar-vera CSRF=
out=$(req POST /api/login '{"user":"vera","password":"a long enough secret for her"}')
VERA_CSRF=$(body <<<"$out" | jget 'v["csrf"]' 2>/dev/null)
VERA_JAR=$JAR
as_admin() { JAR=$ADMIN_JAR CSRF=$ADMIN_CSRF; }
as_vera() { JAR=$VERA_JAR CSRF=$VERA_CSRF; }

# ------------------------------------------------------------ /api/logs
as_vera
# a few ticks in the ring
ticks4() { [ "$(req GET '/api/logs?service=ticker&q=tick+' | body | jget 'len(v["lines"])')" -ge 4 ]; }
n_ok=0
wait_for 20 ticks4 && n_ok=1
out=$(req GET '/api/logs?service=ticker')
if [ "$n_ok" = 1 ] && [ "$(head -n 1 <<<"$out")" = 200 ] &&
	body <<<"$out" | jget 'all(l["service"] == "ticker" and l["text"].startswith("ticker[main] ") for l in v["lines"])' | grep -qx True &&
	body <<<"$out" | jget '[l["text"] for l in v["lines"]].index("ticker[main] info: tick 1") < [l["text"] for l in v["lines"]].index("ticker[main] info: tick 2")' | grep -qx True &&
	body <<<"$out" | jget 'all(l["t"].replace(".", "").isdigit() for l in v["lines"])' | grep -qx True; then
	t_pass "GET /api/logs?service=ticker (viewer): the ticks, oldest first, with the ring's time"
else
	t_fail "GET /api/logs?service=ticker" "$out"
fi
out=$(req GET '/api/logs?service=ticker&q=tick&n=2')
if [ "$(head -n 1 <<<"$out")" = 200 ] && [ "$(body <<<"$out" | jget 'len(v["lines"])')" = 2 ] &&
	[ "$(body <<<"$out" | jget 'v["truncated"]')" = True ]; then
	t_pass "GET /api/logs n=2: the newest 2 lines, truncated"
else
	t_fail "GET /api/logs n=2" "$out"
fi
out=$(req GET '/api/logs?q=tIcK%20in%20CAP')
if [ "$(body <<<"$out" | jget '[l["text"] for l in v["lines"]]')" = "['ticker[main] warn: TICK in capitals']" ]; then
	t_pass "GET /api/logs q: case-insensitive substring, percent-decoded"
else
	t_fail "GET /api/logs q" "$out"
fi
out=$(req GET '/api/logs?q=%3Cscript%3E')
raw=$(body <<<"$out")
if grep -q '\\u003cscript\\u003ealert(1)\\u003c/script\\u003e \\u0026 more' <<<"$raw" && ! grep -q '<script>' <<<"$raw" &&
	[ "$(jget 'v["lines"][0]["text"]' <<<"$raw")" = 'ticker[main] info: hello <script>alert(1)</script> & more' ]; then
	t_pass "GET /api/logs: a line with HTML comes back escaped (\\u003cscript\\u003e), the same text once decoded"
else
	t_fail "GET /api/logs: HTML escaped" "$out"
fi
out=$(req GET '/api/logs?q=raw+tick')
out2=$(req GET '/api/logs?service=ticker&q=raw+tick')
if [ "$(body <<<"$out" | jget 'len(v["lines"]), v["lines"][0]["service"]')" = "(1, '')" ] &&
	[ "$(body <<<"$out2" | jget 'len(v["lines"])')" = 0 ]; then
	t_pass "GET /api/logs: an untagged line has no service (shown without a service filter only)"
else
	t_fail "GET /api/logs: untagged line" "$out" "$out2"
fi
bad=""
for q in 'n=0' 'n=1001' 'n=x' 'service=Ticker' 'service=a%20b' 'q=a&q=b'; do
	c=$(code GET "/api/logs?$q")
	[ "$c" = 400 ] || bad="$bad $q:$c"
done
[ -z "$bad" ] && t_pass "GET /api/logs: bad n, service, q answered 400" || t_fail "GET /api/logs: bad parameters" "$bad"
JAR=$T/jar-none CSRF=
c=$(code GET /api/logs)
[ "$c" = 401 ] && t_pass "GET /api/logs without a session: 401" || t_fail "GET /api/logs without a session: 401" "$c"

# ------------------------------------------------------------ /api/services
as_vera
out=$(req GET /api/services)
PID1=$(body <<<"$out" | jget '[s["pid"] for s in v["services"] if s["name"] == "ticker"][0]' 2>/dev/null)
R1=$(body <<<"$out" | jget '[s["restarts"] for s in v["services"] if s["name"] == "ticker"][0]' 2>/dev/null)
if [ "$(head -n 1 <<<"$out")" = 200 ] &&
	[ "$(body <<<"$out" | jget '[(s["name"], s["state"], s["ready"]) for s in v["services"]]')" = "[('ticker', 'running', True)]" ] &&
	[ "${PID1:-0}" -gt 1 ] && [ "$(body <<<"$out" | jget 'v["all_ready"]')" = True ]; then
	t_pass "GET /api/services (viewer): ticker running, pid $PID1, all ready"
else
	t_fail "GET /api/services" "$out"
fi

# ------------------------------------------------------------ restart
as_vera
c=$(code POST /api/services/restart '{"service":"ticker"}')
[ "$c" = 403 ] && [ "$(jget 'v["error"]' <"$T/body")" = "needs role admin" ] &&
	t_pass "POST /api/services/restart as viewer: 403" || t_fail "restart as viewer: 403" "$c $(cat "$T/body")"
as_admin
c=$(CSRF= code POST /api/services/restart '{"service":"ticker"}')
[ "$c" = 403 ] && t_pass "POST /api/services/restart without CSRF: 403" || t_fail "restart without CSRF: 403" "$c"
c=$(code POST /api/services/restart '{"service":"sshd"}')
if [ "$c" = 404 ] && grep -q 'no service sshd; the supervisor runs: ticker' "$T/body"; then
	t_pass "POST /api/services/restart sshd: 404 naming the services there are"
else
	t_fail "restart of an unknown service: 404" "$c $(cat "$T/body")"
fi
c=$(code POST /api/services/restart '{"service":"consoled"}')
[ "$c" = 409 ] && grep -q 'cannot restart itself' "$T/body" &&
	t_pass "POST /api/services/restart consoled: 409 (the console cannot restart itself)" ||
	t_fail "restart consoled: 409" "$c $(cat "$T/body")"
c=$(code POST /api/services/restart '{"service":"../x"}')
[ "$c" = 400 ] && t_pass "POST /api/services/restart with a malformed name: 400" || t_fail "restart malformed: 400" "$c"

if [ "$HAVE_CONTROL" = 0 ]; then
	t_fail "POST /api/services/restart ticker: 200 and a new pid" \
		"this tg-supervise has no control.sock (RUN_DIR: $(ls "$RUN"))"
else
	c=$(code POST /api/services/restart '{"service":"ticker"}')
	body1=$(cat "$T/body")
	newpid() {
		local p
		p=$(req GET /api/services | body | jget '[s["pid"] for s in v["services"] if s["name"] == "ticker" and s["state"] == "running"][0]' 2>/dev/null)
		[ -n "$p" ] && [ "$p" != "$PID1" ] && [ "$p" -gt 1 ]
	}
	if [ "$c" = 200 ] && grep -q 'ticker is restarting' <<<"$body1" && wait_for 20 newpid; then
		R2=$(req GET /api/services | body | jget '[s["restarts"] for s in v["services"] if s["name"] == "ticker"][0]')
		if [ "$R2" -gt "$R1" ]; then
			t_pass "POST /api/services/restart ticker (admin): 200, a new pid, restarts $R1 -> $R2"
		else
			t_fail "restart ticker: restarts counter" "$R1 -> $R2"
		fi
	else
		t_fail "POST /api/services/restart ticker: 200 and a new pid" "$c $body1" \
			"$(sv_status)" "$(tail -5 "$T/supervise.log")"
	fi
	grep -q 'control: restart ticker (uid' "$T/supervise.log" &&
		t_pass "the supervisor logged the restart with the console's uid" ||
		t_fail "the supervisor logged the restart" "$(tail -5 "$T/supervise.log")"
fi
out=$(req GET '/api/audit?limit=20')
if body <<<"$out" | jget '[(r["action"], r["result"], r["user"]) for r in v["records"] if r["action"] == "service.restart"]' |
	grep -q "('service.restart', 'fail', 'admin')"; then
	t_pass "audit: service.restart records (the refused ones as fail)"
else
	t_fail "audit: service.restart records" "$out"
fi
if [ "$HAVE_CONTROL" = 1 ]; then
	body <<<"$out" | jget '[r["detail"] for r in v["records"] if r["action"] == "service.restart" and r["result"] == "ok"]' |
		grep -q 'service=ticker' && t_pass "audit: the restart of ticker recorded ok, naming the service" ||
		t_fail "audit: restart ok record" "$out"
fi

# the supervisor gone: 503, and the console lives on
kill -TERM "${PIDS[0]}" 2>/dev/null
wait_for 15 gone "${PIDS[0]}"
as_vera
c=$(code GET /api/services)
c2=$(code GET /api/logs)
if [ "$c" = 503 ] && [ "$c2" = 503 ] && grep -q 'cannot be reached' "$T/body"; then
	t_pass "supervisor gone: /api/services and /api/logs 503, the console answers"
else
	t_fail "supervisor gone: 503" "$c $c2 $(cat "$T/body")"
fi

t_done
