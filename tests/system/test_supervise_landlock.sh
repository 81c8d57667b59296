#!/usr/bin/env bash
# tests/system/test_supervise_landlock.sh - the filesystem confinement
# tg-supervise applies to every service (Landlock, between the user change
# and execve; see tg-supervise.8), on the host, as root.
#
# The services are our own static programs, so nothing but what the test
# grants is needed: the image's busybox (its sh, with builtins and
# redirections, probes what it can open) and ntsd.  The folders probed are
# owned by the service user: only the sandbox stops a write there.
#
# Supervisor 1 (TG_SUPERVISE_BIN, default the host build):
#   - read DIR: a file in DIR and beneath it is read; /etc/passwd and
#     /dev/urandom are refused (EACCES); nothing is created in DIR;
#     write DIR2: a file is created and read back there; device /dev/null:
#     written; another program cannot be executed;
#   - a service with no read line reads nothing; a rule on one file
#     grants that file, not its neighbour;
#   - ntsd reads a configuration it is granted, and cannot read
#     /etc/passwd as one ("Permission denied", exit 100);
#   - a missing path and a device line naming a folder: the service is
#     failed-config with a message naming the line; the others start;
#   - no Landlock (a seccomp filter makes landlock_create_ruleset fail with
#     ENOSYS, then EOPNOTSUPP): no service starts, one line says why.
# Supervisor 2 (the product pair when built: static tg-supervise and
# static ntsd, so no sanitizer-build extras hide a missing grant): ntsd
# from the repository's services/ntsd/service.conf, paths moved under $T,
# comes up, reads the clock status through its `read` line and answers
# NTP with it; a status file outside that folder cannot be read, and ntsd
# answers as unsynchronised.
#
# Environment (tests/run.sh): TOP, OUT, T.  TG_SUPERVISE_BIN overrides
# supervisor 1's binary.
set -u
. "$TOP/tests/lib.sh"

ARCH=$(uname -m)
SV=${TG_SUPERVISE_BIN:-$OUT/host/services-host/bin/tg-supervise}
SV2=$OUT/$ARCH/services-static/bin/tg-supervise
[ -x "$SV2" ] || SV2=$SV
BB=$OUT/$ARCH/deps/bin/busybox
NTSD=$OUT/$ARCH/services-static/bin/ntsd
PY=/usr/bin/python3
SERVICE_SRC=$TOP/services/ntsd/service.conf

[ "$(id -u)" = 0 ] || t_skip_all "needs root (service users)"
for f in "$SV" "$BB" "$NTSD" "$PY"; do
	[ -x "$f" ] || t_skip_all "no $f (./build.sh test builds it)"
done
id nobody >/dev/null 2>&1 || t_skip_all "needs the user nobody"
if id ntsd >/dev/null 2>&1; then NTSD_USER=ntsd; else NTSD_USER=nobody; fi

chmod 755 "$T"
TR=$(cd "$T" && pwd -P) # service files take normalised paths
SV_PIDS=()
cleanup() {
	local p
	for p in "${SV_PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
	for p in "${SV_PIDS[@]}"; do wait_for 15 gone "$p" || kill -KILL "$p" 2>/dev/null; done
}
trap cleanup EXIT

gone() { [ ! -e "/proc/$1" ] || grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null; }
in_log() { grep -qF -- "$2" "$1"; }
show() { sed 's/^/    /' "$1" >&2; }

cat >"$T/ntp.py" <<'EOF'
import os, random, socket, struct, sys, time

sys.path.insert(0, os.path.join(os.environ["TOP"], "tests", "system"))
from tgtest import unix_dump, write_status_forever  # noqa: E402

cmd = sys.argv[1]
if cmd == "freeport":
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    print(s.getsockname()[1])
elif cmd == "writer":   # PATH: a LOCKED stratum 1 "GPS" record, rewritten every second
    write_status_forever(sys.argv[2])
elif cmd == "query":    # PORT: one v4 client request -> "li=.. stratum=.. refid=.."
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(3)
    req = bytearray(48)
    req[0] = (4 << 3) | 3
    tx = random.getrandbits(64)
    req[40:48] = struct.pack(">Q", tx)
    s.sendto(bytes(req), ("127.0.0.1", int(sys.argv[2])))
    try:
        d = s.recv(2048)
    except socket.timeout:
        print("noreply")
        sys.exit(0)
    ok = len(d) == 48 and d[0] & 7 == 4 and struct.unpack(">Q", d[24:32])[0] == tx
    print("ok=%d li=%d stratum=%d refid=%s" % (ok, d[0] >> 6, d[1],
          d[12:16].rstrip(b"\0").decode("ascii", "replace") or "-"))
elif cmd == "nolandlock":   # ERRNO PROG ARGS...: exec PROG where landlock_create_ruleset fails
    # a seccomp filter stands in for a kernel without Landlock (ENOSYS) or
    # with Landlock left out of its lsm= list (EOPNOTSUPP)
    import ctypes
    err, argv = int(sys.argv[2]), sys.argv[3:]
    insns = [(0x20, 0, 0, 0),                       # A = seccomp_data.nr
             (0x15, 0, 1, 444),                     # nr == landlock_create_ruleset?
             (0x06, 0, 0, 0x00050000 | err),        # SECCOMP_RET_ERRNO | err
             (0x06, 0, 0, 0x7fff0000)]              # SECCOMP_RET_ALLOW
    prog = b"".join(struct.pack("<HBBI", *i) for i in insns)
    buf = ctypes.create_string_buffer(prog, len(prog))
    class Fprog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]
    fp = Fprog(len(insns), ctypes.addressof(buf))
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(38, 1, 0, 0, 0) != 0 or libc.prctl(22, 2, ctypes.byref(fp), 0, 0) != 0:
        sys.exit("seccomp: errno %d" % ctypes.get_errno())
    os.execv(argv[0], argv)
elif cmd == "status":   # SOCKET: status.sock's dump
    sys.stdout.write(unix_dump(sys.argv[2]))
EOF
py() { "$PY" "$T/ntp.py" "$@"; }
has_status() { py status "$1/status.sock" 2>/dev/null | grep -Eq "$2"; }

# ---------------------------------------------------------------- supervisor 1

# folders the service user owns: file permissions would allow everything
mkdir -p "$TR/ro/sub" "$TR/rw"
echo "hello landlock" >"$TR/ro/file"
echo "the neighbour" >"$TR/ro/other"
echo deep >"$TR/ro/sub/deep"
printf '# ntsd configuration for the test: valid, and nothing else\nntp-plain yes\n' >"$TR/ro/ntsd.conf"
chown -R nobody "$TR/ro" "$TR/rw"
chmod 644 "$TR"/ro/file "$TR"/ro/other "$TR"/ro/ntsd.conf

S1=$T/s1
R1=$T/run1
L1=$T/s1.log
mkdir -p "$S1"
# each probe prints "NAME: what: yes|no"
cat >"$TR/probe.sh" <<'EOF'
tag=$1 d=$2
can() { if "$@"; then echo yes; else echo no; fi; } # (no 2>/dev/null: not every probe may open it)
rd() { read -r line <"$1"; }
op() { true <"$1"; }
wr() { echo probe >"$1"; }
echo "$tag: read file: $(can rd "$d/ro/file")"
echo "$tag: read beneath: $(can rd "$d/ro/sub/deep")"
echo "$tag: read neighbour: $(can rd "$d/ro/other")"
echo "$tag: read passwd: $(can rd /etc/passwd)"
echo "$tag: open urandom: $(can op /dev/urandom)"
echo "$tag: create in ro: $(can wr "$d/ro/new")"
echo "$tag: create in rw: $(can wr "$d/rw/new-$tag")"
echo "$tag: read back rw: $(can rd "$d/rw/new-$tag")"
echo "$tag: write /dev/null: $(can wr /dev/null)"
echo "$tag: run /bin/true: $(can /bin/true)"
rd /etc/passwd # the shell's own message, for the log
echo "$tag: done"
EOF
chmod 644 "$TR/probe.sh"
: >"$T/main.conf"
chmod 644 "$T/main.conf"
cat >"$S1/fs.conf" <<EOF
command $BB sh $TR/probe.sh fs $TR
user nobody
restart never
read $TR/probe.sh
read $TR/ro
write $TR/rw
device /dev/null
EOF
# no read, write or device line: nothing at all (so no script file either)
ONELINE="if read -r l <$TR/ro/file; then echo none: read file: yes; else echo none: read file: no; fi;"
ONELINE="$ONELINE if read -r l </etc/passwd; then echo none: read passwd: yes; else echo none: read passwd: no; fi;"
ONELINE="$ONELINE if echo x >$TR/rw/new-none; then echo none: create in rw: yes; else echo none: create in rw: no; fi;"
ONELINE="$ONELINE if echo x >/dev/null; then echo none: write /dev/null: yes; else echo none: write /dev/null: no; fi;"
ONELINE="$ONELINE echo none: done"
cat >"$S1/none.conf" <<EOF
command $BB sh -c "$ONELINE"
user nobody
restart never
EOF
cat >"$S1/onefile.conf" <<EOF
command $BB sh $TR/probe.sh onefile $TR
user nobody
restart never
read $TR/probe.sh
read $TR/ro/file
EOF
cat >"$S1/ntsd-ok.conf" <<EOF
command $NTSD -n -f $TR/ro/ntsd.conf
user nobody
restart never
read $TR/ro/ntsd.conf
EOF
cat >"$S1/ntsd-passwd.conf" <<EOF
# ntsd may read nothing: its "configuration" /etc/passwd is refused
command $NTSD -n -f /etc/passwd
user nobody
restart never
EOF
cat >"$S1/missing.conf" <<EOF
command $BB sleep 1000
user nobody
read $TR/ro
write $TR/no-such-folder
EOF
cat >"$S1/notdev.conf" <<EOF
command $BB sleep 1000
user nobody
device $TR/ro
EOF
cat >"$S1/good.conf" <<EOF
command $BB sleep 100000
user nobody
EOF
chmod 644 "$S1"/*.conf

"$SV" -n -d "$S1" -c "$T/main.conf" -r "$R1" 2>"$L1" &
SV_PIDS+=($!)
if wait_for 60 in_log "$L1" "fs: done" && wait_for 30 in_log "$L1" "none: done" &&
	wait_for 30 in_log "$L1" "onefile: done" &&
	wait_for 30 in_log "$L1" "service ntsd-passwd exited"; then
	t_pass "supervisor 1: the probe services ran"
else
	t_fail "supervisor 1: the probe services ran" "log:"
	show "$L1"
fi

# want NAME WHAT ANSWER
want() { in_log "$L1" "$1: $2: $3"; }
check_probe() { # NAME DESCRIPTION (WHAT ANSWER)...
	local n=$1 d=$2 bad=()
	shift 2
	while [ $# -ge 2 ]; do
		want "$n" "$1" "$2" || bad+=("expected '$n: $1: $2', got '$(grep -F "$n: $1:" "$L1")'")
		shift 2
	done
	if [ ${#bad[@]} = 0 ]; then t_pass "$d"; else t_fail "$d" "${bad[@]}"; fi
}
check_probe fs "read DIR: files in and beneath DIR read; /etc/passwd, /dev/urandom refused" \
	"read file" yes "read beneath" yes "read neighbour" yes "read passwd" no "open urandom" no
check_probe fs "read DIR: nothing created there (folder owned by the service user)" \
	"create in ro" no
check_probe fs "write DIR2: a file created and read back; device /dev/null written" \
	"create in rw" yes "read back rw" yes "write /dev/null" yes
check_probe fs "a program not granted cannot be executed" "run /bin/true" no
if [ -e "$TR/ro/new" ]; then
	t_fail "nothing appeared in the read-only folder" "$TR/ro/new exists"
else
	t_pass "nothing appeared in the read-only folder"
fi
if grep -q "probe.sh: line [0-9]*: can't open /etc/passwd: Permission denied" "$L1"; then
	t_pass "the refusal is EACCES (\"Permission denied\" from the shell)"
else
	t_fail "the refusal is EACCES (\"Permission denied\" from the shell)" "$(grep passwd "$L1")"
fi
check_probe none "no read/write/device line: no file can be opened" \
	"read file" no "read passwd" no "create in rw" no "write /dev/null" no
check_probe onefile "a rule on one file grants that file, not its neighbour or folder" \
	"read file" yes "read neighbour" no "read beneath" no "create in rw" no

if in_log "$L1" "ntsd[main] info: $TR/ro/ntsd.conf: configuration ok" &&
	in_log "$L1" "service ntsd-ok exited with status 0"; then
	t_pass "ntsd reads the configuration file it is granted"
else
	t_fail "ntsd reads the configuration file it is granted" "$(grep ntsd-ok "$L1")"
fi
if in_log "$L1" "ntsd[main] error: /etc/passwd: cannot open: Permission denied" &&
	in_log "$L1" "service ntsd-passwd exited with status 100"; then
	t_pass "ntsd cannot read /etc/passwd: 'cannot open: Permission denied', exit 100"
else
	t_fail "ntsd cannot read /etc/passwd: 'cannot open: Permission denied', exit 100" \
		"$(grep -E 'ntsd-passwd|passwd' "$L1")"
fi

if wait_for 30 has_status "$R1" '^good running [0-9]+ [0-9]+ 0 yes$' &&
	has_status "$R1" '^missing failed-config 0 0 0 no$' &&
	in_log "$L1" "service missing not started: $S1/missing.conf: write $TR/no-such-folder: No such file or directory (a granted path must exist)"; then
	t_pass "a missing path: failed-config, the message names the line; the others start"
else
	t_fail "a missing path: failed-config, the message names the line; the others start" \
		"$(py status "$R1/status.sock" 2>&1)" "$(grep missing "$L1")"
fi
if has_status "$R1" '^notdev failed-config 0 0 0 no$' &&
	in_log "$L1" "service notdev not started: $S1/notdev.conf: device $TR/ro: not a device node (expected a character or block device)"; then
	t_pass "a device line naming a folder: failed-config, named"
else
	t_fail "a device line naming a folder: failed-config, named" "$(grep notdev "$L1")"
fi
kill -TERM "${SV_PIDS[0]}"
wait_for 30 gone "${SV_PIDS[0]}"

# no Landlock on the kernel: fail closed, no service starts, one line says why
S3=$T/s3
mkdir -p "$S3"
cat >"$S3/good.conf" <<EOF
command $BB sleep 100000
user nobody
EOF
chmod 644 "$S3/good.conf"
for e in 38:"this kernel has no Landlock (Linux 5.13 or later with CONFIG_SECURITY_LANDLOCK needed)" \
	95:"disabled in this kernel (not in its lsm= list)"; do
	errno=${e%%:*} why=${e#*:}
	timeout -k 5 3 "$PY" "$T/ntp.py" nolandlock "$errno" "$SV" -n -d "$S3" -c "$T/main.conf" \
		-r "$T/run3" 2>"$T/s3.log"
	msg="service good not started: Landlock is not available: $why; no service runs without its filesystem confinement"
	if in_log "$T/s3.log" "$msg" && ! in_log "$T/s3.log" "service good started" &&
		[ "$(grep -c "Landlock" "$T/s3.log")" = 1 ]; then
		t_pass "Landlock unavailable (errno $errno): the service is not started; one line: '$why'"
	else
		t_fail "Landlock unavailable (errno $errno): the service is not started; one line: '$why'" "log:"
		show "$T/s3.log"
	fi
done

# ---------------------------------------------------------------- supervisor 2: ntsd

# the repository's service file, its paths moved under $TR (created like
# image.conf's dir lines: the write folders owned by the service user)
PORT=$(py freeport)
S2=$T/s2
R2=$T/run2
L2=$T/s2.log
mkdir -p "$S2" "$TR/etc"
: >"$T/fs-lines"
{
	echo "# made by test_supervise_landlock.sh from $SERVICE_SRC"
	while read -r k a b c d; do
		case $k in
		'' | '#'*) continue ;;
		command)
			echo "command $NTSD -f $TR/etc/ntsd.conf"
			# the test's configuration file (the image has none: ntsd uses defaults)
			echo "read $TR/etc/ntsd.conf"
			;;
		user) echo "user $NTSD_USER" ;;
		listen) # loopback of the line's family (ntsd's IPv4 and IPv6 NTP sockets: one port)
			case $b in
			*:*) echo "listen $a ::1 $PORT $d" ;;
			*) echo "listen $a 127.0.0.1 $PORT $d" ;;
			esac
			;;
		read | write | device | exec)
			mkdir -p "$TR$a"
			[ "$k" = write ] && chown "$NTSD_USER" "$TR$a"
			echo "$k $TR$a"
			echo "$k $a" >>"$T/fs-lines"
			;;
		*) echo "$k $a${b:+ $b}${c:+ $c}${d:+ $d}" ;;
		esac
	done <"$SERVICE_SRC"
} >"$S2/ntsd.conf"
chmod 644 "$S2/ntsd.conf"
STATUS=$TR/run/timegate/time/status
if ! grep -qx "read /run/timegate/time" "$T/fs-lines"; then
	t_fail "services/ntsd/service.conf grants read /run/timegate/time" "its lines: $(cat "$T/fs-lines")"
fi
printf 'status-file %s\n' "$STATUS" >"$TR/etc/ntsd.conf"
chmod 644 "$TR/etc/ntsd.conf"

"$PY" "$T/ntp.py" writer "$STATUS" &
WRITER=$!
SV_PIDS+=("$WRITER")
wait_for 10 test -s "$STATUS"

"$SV2" -n -d "$S2" -c "$T/main.conf" -r "$R2" 2>"$L2" &
SV_PIDS+=($!)
answer_is() { py query "$PORT" 2>/dev/null | grep -Eq "$1"; }
if wait_for 60 has_status "$R2" '^ntsd running [0-9]+ [0-9]+ 0 yes$' &&
	wait_for 20 answer_is '^ok=1 li=0 stratum=1 refid=GPS$'; then
	t_pass "ntsd from service.conf under $(basename "$(dirname "$(dirname "$SV2")")") tg-supervise: ready, reads the clock status, answers NTP (stratum 1, GPS)"
else
	t_fail "ntsd from service.conf under tg-supervise: ready, reads the clock status, answers NTP" \
		"answer: $(py query "$PORT" 2>&1)" "service file:" "$(cat "$S2/ntsd.conf")" "log:"
	show "$L2"
fi
kill -TERM "${SV_PIDS[-1]}"
wait_for 30 gone "${SV_PIDS[-1]}"
kill -TERM "$WRITER"
wait "$WRITER" 2>/dev/null

# the same, with the status file outside the granted folder (readable by
# file permissions): main cannot open it, ntsd answers as unsynchronised
mkdir -p "$TR/elsewhere"
cp "$STATUS" "$TR/elsewhere/status"
chmod 644 "$TR/elsewhere/status"
printf 'status-file %s\n' "$TR/elsewhere/status" >"$TR/etc/ntsd.conf"
"$SV2" -n -d "$S2" -c "$T/main.conf" -r "$R2" 2>"$T/s2b.log" &
SV_PIDS+=($!)
if wait_for 60 has_status "$R2" '^ntsd running [0-9]+ [0-9]+ 0 yes$' &&
	wait_for 20 answer_is '^ok=1 li=3 stratum=0 ' &&
	in_log "$T/s2b.log" "clock status unavailable, answering as unsynchronised: $TR/elsewhere/status: Permission denied"; then
	t_pass "a status file outside 'read /run/timegate/time': Permission denied, answered as unsynchronised"
else
	t_fail "a status file outside 'read /run/timegate/time': Permission denied, answered as unsynchronised" \
		"answer: $(py query "$PORT" 2>&1)" "log:"
	show "$T/s2b.log"
fi

t_done
