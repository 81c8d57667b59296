#!/usr/bin/env bash
# tests/system/test_timed_xcheck.sh - timed's cross-check role
# (services/timed/xcheck.c) against chrony 4.3 as NTS server, as root, on
# loopback.  tg-xcheck-run forks the role on an IPC pair as timed's main
# does and prints each TIMED_MSG_XSAMPLE it sends.
#
# chronyd runs with a private configuration: NTS-KE and NTP on free ports
# of 127.0.0.1, a throwaway CA and certificate (t_pki), `local stratum 1`,
# -x (it never touches the host clock).  It serves the host clock, which
# the role reads too: its offsets are near zero.
#
# Cases: authenticated samples from chrony (ok=1, stratum 1, |offset| <
# 50 ms, a delay; each logged with its numbers at debug level); a server
# whose certificate our anchors do not trust (ok=0, a certificate error);
# a closed port next to the good server (ok=0 at once, the role keeps
# serving the good one and retries the closed one with a wait doubling
# each time: 1, 2, 4 intervals); the running role is confined (Seccomp 2,
# NoNewPrivs 1, no capabilities, the service user; an injected openat
# traps and the role carries on; an injected execve kills it by SIGSYS);
# main closing the socket ends the role with status 0 even while it
# sleeps for an hour-long interval; -S lists the role's sandbox without
# open, openat or execve; a local clock 5 s ahead (tests/tools/tg-fakehw.c
# LD_PRELOAD shim) gives offsets of -5 s.  Last, a real timed (steer no,
# no receiver) with the good server and the closed port writes its
# results file (xcheck-file): both servers in order, ok with a plausible
# offset, fail with the connection error.
#
# Environment (tests/run.sh): TOP, OUT, T.  TG_XCHECK_RUN_BIN,
# TG_SYSINJECT_BIN and TG_TIMED_BIN override the tools (e.g. a static musl build of
# tg-xcheck-run, to run the product's filter).
set -u
. "$TOP/tests/lib.sh"

RUN=${TG_XCHECK_RUN_BIN:-$OUT/host/services-host/test-tools/tg-xcheck-run}
INJ=${TG_SYSINJECT_BIN:-$OUT/host/services-host/test-tools/tg-sysinject}
CHRONYD=/usr/sbin/chronyd
[ "$(id -u)" = 0 ] || t_skip_all "needs root (chronyd, the role's user switch, ptrace)"
[ -x "$RUN" ] || t_skip_all "no $RUN (build services in host mode first)"
[ -x "$CHRONYD" ] || t_skip_all "needs chronyd (chrony 4.3)"
command -v openssl >/dev/null || t_skip_all "needs openssl"
RUN_USER=nobody

chmod 755 "$T"
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait_for 10 gone "$p" || kill -KILL "$p" 2>/dev/null; done
}
trap cleanup EXIT
gone() { [ ! -e "/proc/$1" ] || grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null; }
proc_field() { awk -v k="$2:" '$1 == k { $1 = ""; sub(/^[ \t]+/, ""); print }' "/proc/$1/status" 2>/dev/null; }
# field NAME LINE: the value of NAME=... in a sample line
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$2"; }
errtext() { sed -n 's/.* err=//p' <<<"$1"; }
# more_good N: more than N good samples in the confined run's output
more_good() { [ "$(grep -c '^sample index=0 ok=1 ' "$T/conf.out")" -gt "$1" ]; }

# ---------------------------------------------------------------- chrony

t_pki "$T/pki" && t_pki "$T/other" || { t_fail "openssl: test certificates"; t_done; }
CP=$(t_free_port)
CK=$(t_free_port)
t_chrony_nts_server "$T/chrony" "$T/pki" "$CP" "$CK" 1
PIDS+=("$!")
GOOD="127.0.0.1:$CK,localhost"
ready() { "$RUN" -c "$T/pki/ca.pem" -n 1 "$GOOD" 2>/dev/null | grep -q '^sample .* ok=1 '; }
if ! wait_for 30 ready; then
	t_fail "chrony 4.3 serves NTS on 127.0.0.1 port $CK" "$(cat "$T/chrony/log")" \
		"$("$RUN" -c "$T/pki/ca.pem" -n 1 "$GOOD" 2>&1)"
	t_done
fi

# ---------------------------------------------------------------- samples

out=$(timeout 60 "$RUN" -d -c "$T/pki/ca.pem" -i 1 -n 3 "$GOOD" 2>"$T/good.log")
bad=""
[ "$(grep -c '^sample ' <<<"$out")" = 3 ] || bad="not 3 samples"
while read -r line; do
	off=$(field offset_ns "$line")
	[ "$(field index "$line")" = 0 ] && [ "$(field ok "$line")" = 1 ] &&
		[ "$(field stratum "$line")" = 1 ] && [ "$(field leap "$line")" = 0 ] &&
		[ "${off#-}" -lt 50000000 ] && [ "$(field delay_ns "$line")" -gt 0 ] &&
		[ -z "$(errtext "$line")" ] || bad="$bad; bad sample: $line"
done < <(grep '^sample ' <<<"$out")
grep -q '^role exit=0$' <<<"$out" || bad="$bad; the role did not exit 0 after main closed"
[ -z "$bad" ] && t_pass "samples from chrony: ok=1, stratum 1, leap 0, |offset| < 50 ms, delay > 0; role exits 0 when main closes" ||
	t_fail "samples from chrony" "$bad" "$out" "$(cat "$T/good.log")"

# debug level: each sample's numbers; the role's name in the line
n=$(grep -cE '^timed\[xcheck\] debug: upstream 0 \(127\.0\.0\.1\): offset [-+][0-9]+\.[0-9]{9} s, delay [0-9.]+ s, stratum 1, leap 0$' "$T/good.log")
[ "$n" = 3 ] && t_pass "each sample logged at debug level with its numbers, as timed[xcheck]" ||
	t_fail "each sample logged at debug level (3 lines expected, $n seen)" "$(cat "$T/good.log")"

# ---------------------------------------------------------------- failures

out=$(timeout 60 "$RUN" -c "$T/other/ca.pem" -i 1 -n 2 "$GOOD" 2>"$T/untrusted.log")
if [ "$(grep -c '^sample index=0 ok=0 .* err=.*[Cc]ertificate' <<<"$out")" = 2 ] &&
	grep -q 'warn: upstream 0 .*certificate' "$T/untrusted.log" && grep -q '^role exit=0$' <<<"$out"; then
	t_pass "a certificate from an untrusted CA: ok=0 with a certificate error, logged at warn"
else
	t_fail "a certificate from an untrusted CA: ok=0 with a certificate error" "$out" "$(cat "$T/untrusted.log")"
fi

# a closed port next to the good server: 7 samples = rounds at 0, 1, 2, 3 intervals
CLOSED=$(t_free_port)
out=$(timeout 60 "$RUN" -c "$T/pki/ca.pem" -i 1 -n 7 "$GOOD" "127.0.0.1:$CLOSED" 2>"$T/closed.log")
good=$(grep -c '^sample index=0 ok=1 ' <<<"$out")
refused=$(grep -c "^sample index=1 ok=0 .* err=connect to 127.0.0.1 port $CLOSED: Connection refused$" <<<"$out")
if [ "$good" = 4 ] && [ "$refused" = 3 ] && grep -q '^role exit=0$' <<<"$out" &&
	[ "$(grep '^sample ' <<<"$out" | sed -n 2p | cut -d' ' -f2,3)" = "index=1 ok=0" ]; then
	t_pass "a closed port: ok=0 in the first round, the good server still served every interval"
else
	t_fail "a closed port: ok=0, the good server still served (4 good, 3 refused expected)" "$out" "$(cat "$T/closed.log")"
fi
# back-off: the closed port's attempts at least 1 then 2 intervals apart (lower bounds only)
mapfile -t w < <(grep '^sample index=1 ' <<<"$out" | sed 's/.* when_mono_ns=\([0-9]*\).*/\1/')
if [ "${#w[@]}" = 3 ] && [ $((w[1] - w[0])) -ge 900000000 ] && [ $((w[2] - w[1])) -ge 1900000000 ]; then
	t_pass "a failing server is retried with a doubling wait (1, then 2 intervals)"
else
	t_fail "a failing server is retried with a doubling wait" "when_mono_ns: ${w[*]}" "$out"
fi

# ---------------------------------------------------------------- confinement

"$RUN" -u "$RUN_USER" -c "$T/pki/ca.pem" -i 1 -n 100000 "$GOOD" >"$T/conf.out" 2>"$T/conf.log" &
TOOL=$!
PIDS+=("$TOOL")
if wait_for 20 grep -q '^sample index=0 ok=1 ' "$T/conf.out"; then
	RP=$(sed -n 's/^role pid=//p' "$T/conf.out")
	uid=$(proc_field "$RP" Uid | awk '{print $1 "," $2 "," $3}')
	want=$(id -u "$RUN_USER")
	if [ "$(proc_field "$RP" Seccomp)" = 2 ] && [ "$(proc_field "$RP" NoNewPrivs)" = 1 ] &&
		[ "$(proc_field "$RP" CapEff)" = 0000000000000000 ] &&
		[ "$(proc_field "$RP" CapBnd)" = 0000000000000000 ] && [ "$uid" = "$want,$want,$want" ]; then
		t_pass "the running role: Seccomp 2, NoNewPrivs 1, no capabilities, user $RUN_USER"
	else
		t_fail "the running role is confined" "$(grep -E '^(Uid|Seccomp|NoNewPrivs|Cap)' "/proc/$RP/status")"
	fi
	if [ -x "$INJ" ]; then
		res=$(timeout 40 "$INJ" "$RP" open "$T/pki/ca.pem" 2>"$T/inject.err")
		n0=$(grep -c '^sample index=0 ok=1 ' "$T/conf.out")
		if [[ $res == "trapped SIGSYS (seccomp: openat"* ]] &&
			wait_for 10 more_good "$n0"; then
			t_pass "an openat injected into the role traps (seccomp) and the role carries on"
		else
			t_fail "an openat injected into the role traps" "tg-sysinject: $res" \
				"$(cat "$T/inject.err")" "$(tail -5 "$T/conf.out")"
		fi
		res=$(timeout 40 "$INJ" "$RP" swap execve 2>>"$T/inject.err")
		if wait_for 10 gone "$RP" && grep -q "forbidden syscall 'execve'" "$T/conf.log"; then
			t_pass "an execve injected into the role: killed, the syscall named in its log"
		else
			t_fail "an execve injected into the role kills it" "tg-sysinject: $res" "$(tail -5 "$T/conf.log")"
		fi
	else
		t_pass "syscall injection # SKIP no $INJ"
	fi
else
	t_fail "the running role is confined (no sample came)" "$(cat "$T/conf.out" "$T/conf.log")"
fi
kill -TERM "$TOOL" 2>/dev/null

# main goes while the role sleeps between rounds (an hour): EOF wakes it, status 0
out=$(timeout 30 "$RUN" -c "$T/pki/ca.pem" -i 3600 -n 1 "$GOOD" 2>"$T/eof.log")
rc=$?
[ "$rc" = 0 ] && grep -q '^role exit=0$' <<<"$out" &&
	t_pass "main closing the socket ends the sleeping role (1 h interval) with status 0" ||
	t_fail "main closing the socket ends the sleeping role with status 0 (rc $rc)" "$out" "$(cat "$T/eof.log")"

# -S: the role's table as timed -S prints it
sb=$("$RUN" -S)
if grep -q '^xcheck: seccomp: allow sendmsg(arg0 == <ipc socket>)$' <<<"$sb" &&
	grep -q '^xcheck: seccomp: allow socket(arg0 == AF_INET6, ' <<<"$sb" &&
	grep -q '^xcheck: capabilities: none' <<<"$sb" &&
	! grep -Eq 'allow (open|openat|openat2|execve|execveat|creat)\b' <<<"$sb"; then
	t_pass "-S lists the role's sandbox: IPC by descriptor, inet sockets, no open/openat/execve"
else
	t_fail "-S lists the role's sandbox" "$sb"
fi

# ---------------------------------------------------------------- a local clock 5 s ahead

FAKE=$TOP/tests/tools/tg-fakehw.c
dynamic() { LC_ALL=C readelf -l "$1" 2>/dev/null | grep -q 'INTERP'; }
if ! dynamic "$RUN"; then
	t_pass "a local clock 5 s ahead # SKIP $RUN is static: an LD_PRELOAD shim cannot apply"
elif [ -f "$FAKE" ]; then
	if gcc -shared -fPIC -o "$T/fakehw.so" "$FAKE" -ldl 2>"$T/fakehw.err"; then
		out=$(LD_PRELOAD=$T/fakehw.so ASAN_OPTIONS=verify_asan_link_order=0 \
			TG_FAKECLOCK_OFFSET_NS=5000000000 timeout 60 "$RUN" -c "$T/pki/ca.pem" -i 1 -n 2 "$GOOD" 2>"$T/fake.log")
		bad=""
		[ "$(grep -c '^sample index=0 ok=1 ' <<<"$out")" = 2 ] || bad="not 2 good samples"
		while read -r line; do
			off=$(field offset_ns "$line")
			[ "$off" -gt -5050000000 ] && [ "$off" -lt -4950000000 ] || bad="$bad; offset $off"
		done < <(grep '^sample ' <<<"$out")
		[ -z "$bad" ] && t_pass "a local clock 5 s ahead (fake clock): offsets of -5 s (+-50 ms)" ||
			t_fail "a local clock 5 s ahead: offsets of -5 s" "$bad" "$out" "$(cat "$T/fake.log")"
	else
		t_fail "tests/tools/tg-fakehw.c builds as a shared object" "$(cat "$T/fakehw.err")"
	fi
else
	t_pass "a local clock 5 s ahead # SKIP pending: no tests/tools/tg-fakehw.c yet"
fi

# ---------------------------------------------------------------- timed's results file
# A real timed (measuring only; no receiver: an empty FIFO) with the good
# server and the closed port: timed main writes what its role sent into
# xcheck-file (lib/xcheckstatus.h), the console's source for the dashboard.
TIMED_BIN=${TG_TIMED_BIN:-$OUT/host/services-host/bin/timed}
if [ -x "$TIMED_BIN" ]; then
	X=$T/xt
	mkdir -p "$X" && mkfifo "$X/nmea" && chown -R "$RUN_USER" "$X"
	cat >"$X/timed.conf" <<-EOC
		device $X/nmea
		steer no
		status-file $X/status
		gnss-file none
		xcheck-file $X/xcheck
		leapfile $TOP/rootfs/etc/timegate/leap-seconds.list
		leapfile-data none
		date-floor-file none
		user $RUN_USER
		anchors $T/pki/ca.pem
		cross-check-interval 16
		cross-check-max 50
		upstream 127.0.0.1 $CK localhost
		upstream 127.0.0.1 $CLOSED
	EOC
	ASAN_OPTIONS=verify_asan_link_order=0 "$TIMED_BIN" -d -f "$X/timed.conf" 2>"$X/timed.log" &
	TD=$!
	PIDS+=("$TD")
	xfile_done() { grep -q '^server 0 .* ok ' "$X/xcheck" 2>/dev/null && grep -q '^server 1 .* fail ' "$X/xcheck"; }
	if wait_for 30 xfile_done; then
		f=$(cat "$X/xcheck")
		bad=""
		[ "$(sed -n 1p <<<"$f")" = "version 1" ] && grep -Eq '^mono_ns [1-9][0-9]*$' <<<"$(sed -n 2p <<<"$f")" &&
			[ "$(sed -n 3p <<<"$f")" = "max_ns 50000000" ] && [ "$(wc -l <<<"$f")" = 5 ] ||
			bad="header or line count"
		l0=$(sed -n 4p <<<"$f")
		re0="^server 0 127\.0\.0\.1 $CK localhost ok (-?[0-9]+) ([0-9]+) 1 0 ([0-9]+) \"\"$"
		if [[ $l0 =~ $re0 ]]; then
			off=${BASH_REMATCH[1]}
			[ "${off#-}" -lt 50000000 ] && [ "${BASH_REMATCH[2]}" -gt 0 ] &&
				[ "${BASH_REMATCH[3]}" -lt 30 ] || bad="$bad; implausible sample: $l0"
		else
			bad="$bad; server 0: $l0"
		fi
		re1="^server 1 127\.0\.0\.1 $CLOSED 127\.0\.0\.1 fail 0 0 0 0 [0-9]+ \"connect to 127\.0\.0\.1 port $CLOSED: Connection refused\"$"
		[[ $(sed -n 5p <<<"$f") =~ $re1 ]] || bad="$bad; server 1: $(sed -n 5p <<<"$f")"
		[ "$(stat -c '%a %U' "$X/xcheck")" = "644 $RUN_USER" ] || bad="$bad; mode/owner $(stat -c '%a %U' "$X/xcheck")"
		! ls "$X" | grep -q '\.tmp' || bad="$bad; a temporary file was left: $(ls "$X")"
		[ -z "$bad" ] &&
			t_pass "timed writes xcheck-file: the good server ok with |offset| < 50 ms and a delay, the closed port fail with its error, in timed.conf order" ||
			t_fail "timed writes xcheck-file" "$bad" "$f" "$(grep -v debug "$X/timed.log" | tail -n 20)"
	else
		t_fail "timed writes xcheck-file (server 0 ok, server 1 fail within 30 s)" \
			"$(cat "$X/xcheck" 2>&1)" "$(grep -v debug "$X/timed.log" | tail -n 20)"
	fi
	kill -TERM "$TD" 2>/dev/null
else
	t_pass "timed writes xcheck-file # SKIP no $TIMED_BIN"
fi

t_done
