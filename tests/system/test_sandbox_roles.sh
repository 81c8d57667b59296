#!/usr/bin/env bash
# tests/system/test_sandbox_roles.sh - each ntsd role's sandbox, proven from
# outside, on the real static binary running under the real supervisor.
#
# The product ntsd (the static musl build, $OUT/ARCH/services-static/bin)
# runs under the host-built tg-supervise, from a service file made from
# the repository's services/ntsd/service.conf: the same lines, except
#   command  the binary copied to $T/root/usr/sbin/ntsd, and `-f` a
#            configuration under $T/root/etc/timegate that points
#            status-file at $T/root/run/timegate/time/status;
#   user     ntsd if the host has that user, else nobody;
#   listen   127.0.0.1 (::1) and a free port instead of the address and port;
#            the NTP sockets (named ntp, ntp6, ...) all get one port, free
#            on 127.0.0.1 and ::1 alike, as they share 123 in production;
#            without IPv6 on the host the IPv6 lines are left out (and the
#            ::1 case skipped);
#   read/write/device/exec  the appliance's paths (/etc/timegate, /run,
#            /var, /data, ...) are taken under $T/root, created as folders if
#            missing (`write` ones owned by the service user, as the image
#            makes them); the host's /dev, /usr, /etc, ... are kept.
# Nothing inside ntsd knows it is tested: the probes come from outside,
# through /proc and tests/tools/tg-sysinject (ptrace syscall injection).
#
# ntsd gets a throwaway certificate in the service's data folder, so all
# three roles run: main (the supervisor's child), ntp and ke (main's
# children, told apart by the file limit `ntsd -S` gives each).
# For each role:
#   - capabilities: CapInh/CapPrm/CapEff/CapBnd/CapAmb hold nothing the
#     service file's `caps` does not list (ntsd lists none: all zero);
#     NoNewPrivs 1, Seccomp 2, uid/gid the service user's, its group only;
#   - "Max open files" is what the role sets (from `ntsd -S` if it prints
#     the sandbox per role, else 16 as main.c and ntp.c set today);
#   - files: main opens its status file; /etc/passwd is refused (EACCES:
#     Landlock); a file cannot be created in its status folder, which the
#     service user owns (so only the sandbox stops it); ntp's openat is
#     trapped by seccomp (it has no filesystem); both carry on afterwards
#     (tg-sysinject restores them) and NTP is still answered;
#   - a forbidden syscall kills: socket() injected into main, openat()
#     and clock_adjtime() into ntp, socket() and clock_adjtime() into ke
#     (which holds the TLS key); the log names the syscall and the role, the process died
#     by SIGSYS (the supervisor, resp. main, says so) and the supervisor
#     restarts the service, which answers NTP again.
# And NTP itself, on IPv4 and IPv6: the one running ntsd answers a
# request to 127.0.0.1 and to ::1 on the test port (mode 4, origin = the
# request's transmit timestamp), each from its own socket.
#
# Needs root (users, ptrace of non-dumpable processes) and ptrace;
# skipped otherwise.  Environment (tests/run.sh): TOP, OUT, T; when run by
# hand they default to the repository, its out/ and a fresh folder.
# TG_NTSD_BIN, TG_SUPERVISE_BIN, TG_SYSINJECT_BIN override the binaries,
# TG_NTSD_SERVICE the service file.
set -u
TOP=${TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
OUT=${OUT:-$TOP/out}
. "$TOP/tests/lib.sh"

OWN_T=
if [ -z "${T:-}" ]; then
	T=$(mktemp -d "${TMPDIR:-/tmp}/tg-test.XXXXXX")
	OWN_T=1
fi

ARCH=$(uname -m)
NTSD_BIN=${TG_NTSD_BIN:-$OUT/$ARCH/services-static/bin/ntsd}
SV_BIN=${TG_SUPERVISE_BIN:-$OUT/host/services-host/bin/tg-supervise}
INJ=${TG_SYSINJECT_BIN:-$OUT/host/services-host/test-tools/tg-sysinject}
SERVICE_SRC=${TG_NTSD_SERVICE:-$TOP/services/ntsd/service.conf}
PY=/usr/bin/python3

[ "$(id -u)" = 0 ] || t_skip_all "needs root (service user, ptrace of non-dumpable processes)"
missing=()
for f in "$NTSD_BIN" "$SV_BIN" "$INJ" "$PY"; do [ -x "$f" ] || missing+=("$f"); done
if [ ${#missing[@]} -gt 0 ]; then
	# not a skip: a sandbox check that silently does not run proves nothing
	t_fail "binaries present" "missing: ${missing[*]} (./build.sh test builds them; by hand:" \
		"services_make host host and $ARCH static, see build.sh)"
	t_done
fi
if id ntsd >/dev/null 2>&1; then SVC_USER=ntsd; else SVC_USER=nobody; fi
SVC_UID=$(id -u "$SVC_USER")
SVC_GID=$(id -g "$SVC_USER")

chmod 755 "$T" # the service user reaches its program, configuration and status here
R=$T/root
SVDIR=$T/services
RUNDIR=$T/run
SVLOG=$T/supervise.log

SV_PID= WRITER= PROBE=
SEEN_PIDS=()
cleanup() {
	local p
	[ -n "$PROBE" ] && kill -KILL "$PROBE" 2>/dev/null
	if [ -n "$SV_PID" ]; then
		kill -TERM "$SV_PID" 2>/dev/null
		wait_for 20 gone "$SV_PID" || kill -KILL "$SV_PID" 2>/dev/null
		wait "$SV_PID" 2>/dev/null
	fi
	[ -n "$WRITER" ] && { kill -TERM "$WRITER" 2>/dev/null; wait "$WRITER" 2>/dev/null; }
	# roles left behind (none expected): only if the pid is still our ntsd
	for p in "${SEEN_PIDS[@]}"; do
		gone "$p" || [ "$(readlink "/proc/$p/exe")" != "${PROG:-}" ] || kill -KILL "$p" 2>/dev/null
	done
	[ -n "$PROBE" ] && wait "$PROBE" 2>/dev/null
	if [ -n "$OWN_T" ]; then rm -rf "$T"; else rm -rf "$R" "$SVDIR" "$RUNDIR"; fi
}
trap cleanup EXIT

# gone PID: no such process, or a zombie not yet waited for
gone() { [ ! -e "/proc/$1" ] || grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null; }
proc_field() { awk -v k="$2:" '$1 == k { $1 = ""; sub(/^[ \t]+/, ""); print }' "/proc/$1/status" 2>/dev/null; }
children() { cat /proc/"$1"/task/*/children 2>/dev/null | tr ' ' '\n' | grep -v '^$'; }
note() { printf '# %s\n' "$*"; }
# log_since N TEXT: TEXT in the supervisor's log after its first N lines
log_since() { tail -n +"$(($1 + 1))" "$SVLOG" | grep -qF -- "$2"; }
log_since_re() { tail -n +"$(($1 + 1))" "$SVLOG" | grep -qE -- "$2"; }
log_lines() { wc -l <"$SVLOG"; }
show_log() { tail -n "${1:-20}" "$SVLOG" | sed 's/^/    /' >&2; }
# inject PID ARGS...: run tg-sysinject, its result line on stdout, its notes in $T/inject.err
inject() {
	timeout 40 "$INJ" "$@" 2>>"$T/inject.err"
}

# ---------------------------------------------------------------- helpers

cat >"$T/tg.py" <<'EOF'
import ctypes, os, random, shlex, socket, struct, sys, time

sys.path.insert(0, os.path.join(os.environ["TOP"], "tests", "system"))
from tgtest import unix_dump, write_status_forever  # noqa: E402

def freeport(kind, fam):
    s = socket.socket(fam, kind)
    s.bind(("::1" if fam == socket.AF_INET6 else "127.0.0.1", 0))
    return s.getsockname()[1]

def have_ipv6():
    try:
        socket.socket(socket.AF_INET6, socket.SOCK_DGRAM).bind(("::1", 0))
        return True
    except OSError:
        return False

def freeport_both(kind):
    # one port free on 127.0.0.1 and ::1 (the NTP sockets share it)
    for _ in range(100):
        p = freeport(kind, socket.AF_INET)
        if not have_ipv6():
            return p
        try:
            s4 = socket.socket(socket.AF_INET, kind)
            s4.bind(("127.0.0.1", p))
            s6 = socket.socket(socket.AF_INET6, kind)
            s6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            s6.bind(("::1", p))
            s4.close()
            s6.close()
            return p
        except OSError:
            continue
    raise SystemExit("no port free on both 127.0.0.1 and ::1")

def ntp_name(n):  # ntsd's NTP sockets: ntp, ntp6, ntp2, ... (main.c ntp_socket_name)
    return n.startswith("ntp") and n[3:].isdigit() or n == "ntp"

cmd = sys.argv[1]
if cmd == "writer":     # PATH: a LOCKED stratum-1 record, replaced every second (as timed does)
    write_status_forever(sys.argv[2])
elif cmd == "query":    # ADDR PORT: one NTPv4 client request; "ok stratum=N" or why not
    addr, port = sys.argv[2], int(sys.argv[3])
    s = socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(2)
    tx = random.getrandbits(64)
    req = bytearray(48)
    req[0] = (4 << 3) | 3
    req[40:48] = struct.pack(">Q", tx)
    s.sendto(bytes(req), (addr, port))
    try:
        d = s.recv(2048)
    except socket.timeout:
        print("noreply")
        sys.exit(1)
    ok = len(d) >= 48 and d[0] & 7 == 4 and struct.unpack(">Q", d[24:32])[0] == tx
    print("ok stratum=%d" % d[1] if ok else "bad reply")
    sys.exit(0 if ok else 1)
elif cmd == "status":   # SOCKET: the supervisor's status.sock dump
    sys.stdout.write(unix_dump(sys.argv[2], 5))
elif cmd == "probe":    # USER: a non-dumpable sleeper running as USER (like a sandboxed role)
    import pwd
    pw = pwd.getpwnam(sys.argv[2])
    os.setgroups([])
    os.setgid(pw.pw_gid)
    os.setuid(pw.pw_uid)
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE 0
    while True:
        time.sleep(1000)
elif cmd == "svcfile":  # SRC ROOT USER OUT: the test's service file from the repository's
    src, root, user, out = sys.argv[2:6]
    def under(p, pre):
        return p == pre or p.startswith(pre + "/")
    def mapped(p):
        # the appliance's own places (/etc/timegate, /run, /var, /data, ...)
        # go under root; the host's system folders and devices stay
        if under(p, "/etc/timegate"):
            return root + p
        for pre in ("/dev", "/proc", "/sys", "/usr", "/bin", "/sbin", "/lib", "/lib64", "/etc"):
            if under(p, pre):
                return p
        return root + p if p.startswith("/") else p
    lines, info, fs, extra = [], {}, [], None
    ntp_port = None
    for raw in open(src):
        words = shlex.split(raw, comments=True)
        if not words:
            continue
        k = words[0]
        if k == "command":
            argv = [root + words[1]] + [mapped(a) for a in words[2:]]
            if "-f" not in argv[1:]:
                # production reads no file (defaults); the test's own file, so its own rule
                argv += ["-f", root + "/etc/timegate/ntsd.conf"]
                extra = ["read", argv[-1]]
            info["PROG_SRC"] = words[1]
            info["PROG"] = argv[0]
            info["CONF"] = argv[argv.index("-f", 1) + 1]
            words = ["command"] + argv
        elif k == "user":
            words = ["user", user]
        elif k == "listen":
            fam = socket.AF_INET6 if ":" in words[2] else socket.AF_INET
            kind = socket.SOCK_DGRAM if words[1] == "udp" else socket.SOCK_STREAM
            addr = "::1" if fam == socket.AF_INET6 else "127.0.0.1"
            if fam == socket.AF_INET6 and not have_ipv6():
                lines.append("# left out by the test (no IPv6 here): " + raw.strip())
                info["NO_IPV6"] = "1"
                continue
            if ntp_name(words[4]):
                if ntp_port is None:
                    ntp_port = freeport_both(kind)
                port = ntp_port
            else:
                port = freeport(kind, fam)
            words = ["listen", words[1], addr, str(port), words[4]]
            if ntp_name(words[4]):
                key = "NTP6" if fam == socket.AF_INET6 else "NTP4"
                info.setdefault(key + "_ADDR", addr)
                info.setdefault("NTP_ADDR", addr)
                info["NTP_PORT"] = str(port)
            elif words[4].startswith("ntske") and fam == socket.AF_INET:
                info.setdefault("KE_PORT", str(port))
        elif k in ("read", "write", "device", "exec"):
            words = [k, mapped(words[1])]
            fs.append(k + ":" + words[1])
        elif k == "caps":
            info["CAPS"] = " ".join(words[1:])
        lines.append(" ".join(shlex.quote(w) if " " in w else w for w in words))
    if extra:
        lines.append("# added by the test: the configuration it passes with -f")
        lines.append(" ".join(extra))
    with open(out, "w") as f:
        f.write("# made by test_sandbox_roles.sh from %s\n" % src)
        f.write("\n".join(lines) + "\n")
    info["FS_RULES"] = " ".join(fs)
    for k in sorted(info):
        print("%s=%s" % (k, shlex.quote(info[k])))
EOF
tg() { "$PY" "$T/tg.py" "$@"; }
sv_status() { tg status "$RUNDIR/status.sock" 2>/dev/null; }
ntsd_field() { sv_status | awk -v f="$1" '$1 == "ntsd" { print $f }'; }
is_ready() { sv_status | grep -Eq '^ntsd running [0-9]+ [0-9]+ [0-9]+ yes$'; }
answers() { tg query "$NTP_ADDR" "$NTP_PORT" >/dev/null 2>&1; }

# capability names in bit order (capability.h)
CAP_NAMES=(cap_chown cap_dac_override cap_dac_read_search cap_fowner cap_fsetid cap_kill
	cap_setgid cap_setuid cap_setpcap cap_linux_immutable cap_net_bind_service
	cap_net_broadcast cap_net_admin cap_net_raw cap_ipc_lock cap_ipc_owner cap_sys_module
	cap_sys_rawio cap_sys_chroot cap_sys_ptrace cap_sys_pacct cap_sys_admin cap_sys_boot
	cap_sys_nice cap_sys_resource cap_sys_time cap_sys_tty_config cap_mknod cap_lease
	cap_audit_write cap_audit_control cap_setfcap cap_mac_override cap_mac_admin cap_syslog
	cap_wake_alarm cap_block_suspend cap_audit_read cap_perfmon cap_bpf cap_checkpoint_restore)
cap_mask() { # NAMES...: the mask of those capabilities (unknown names: -1)
	local n i m=0 found
	for n in "$@"; do
		found=
		for i in "${!CAP_NAMES[@]}"; do
			[ "${CAP_NAMES[$i]}" = "$n" ] && { m=$((m | (1 << i))); found=1; }
		done
		[ -n "$found" ] || { echo -1; return; }
	done
	echo "$m"
}

# ---------------------------------------------------------------- ptrace at all?

# up: running as the user, and not dumpable (its /proc files then belong to root)
probe_up() {
	[ "$(proc_field "$PROBE" Uid | awk '{ print $1 }')" = "$SVC_UID" ] && [ "$SVC_UID" != 0 ] &&
		[ "$(stat -c %u "/proc/$PROBE/stat")" = 0 ]
}
"$PY" "$T/tg.py" probe "$SVC_USER" & # not through tg(): $! must be python itself
PROBE=$!
if ! wait_for 10 probe_up; then
	t_fail "probe process as $SVC_USER" "pid $PROBE: $(grep -E '^(Name|Uid)' "/proc/$PROBE/status" 2>&1)"
	t_done
fi
sleep 0.3 # asleep
FDS_PROBE=$(ls "/proc/$PROBE/fd" | wc -l)
out=$(inject "$PROBE" open /etc/hostname)
rc=$?
if [ $rc = 2 ] && grep -q 'not permitted' "$T/inject.err"; then
	t_skip_all "ptrace not permitted here: $(grep 'not permitted' "$T/inject.err" | head -1)"
fi
if [ $rc = 0 ] && [[ $out =~ ^fd\ [0-9]+$ ]] && sleep 0.3 && ! gone "$PROBE" &&
	grep -q '^State:.*S' "/proc/$PROBE/status" && [ "$(ls "/proc/$PROBE/fd" | wc -l)" = "$FDS_PROBE" ]; then
	t_pass "tg-sysinject: an open injected into a non-dumpable process as $SVC_USER; it sleeps on, no fd left"
else
	t_fail "tg-sysinject: an open injected into a non-dumpable process as $SVC_USER; it sleeps on, no fd left" \
		"rc=$rc out='$out'" "$(tail -5 "$T/inject.err")" "$(ls -l "/proc/$PROBE/fd" 2>&1)"
fi
{
	kill -KILL "$PROBE"
	wait "$PROBE"
} 2>/dev/null # no "Killed" job notice
PROBE=

# ---------------------------------------------------------------- layout

mkdir -p "$SVDIR" "$RUNDIR"
if ! vars=$(tg svcfile "$SERVICE_SRC" "$R" "$SVC_USER" "$SVDIR/ntsd.conf"); then
	t_fail "service file made from $SERVICE_SRC" "see above"
	t_done
fi
eval "$vars"
: "${PROG:?}" "${CONF:?}" "${NTP_PORT:?no 'listen ... ntp' line in $SERVICE_SRC}"
CAPS=${CAPS:-}
chmod 644 "$SVDIR/ntsd.conf"
note "service file: $(grep -v '^#' "$SVDIR/ntsd.conf" | tr '\n' ';')"

STATUS_PATH=$(sed -n 's/^#define TG_TIMESTATUS_PATH "\(.*\)"$/\1/p' "$TOP/services/lib/timestatus.h")
[ -n "$STATUS_PATH" ] || STATUS_PATH=/run/timegate/time/status
STATUS=$R$STATUS_PATH
STATUS_DIR=$(dirname "$STATUS")
mkdir -p "$(dirname "$PROG")" "$(dirname "$CONF")" "$STATUS_DIR"
install -m 755 "$NTSD_BIN" "$PROG"
KEYDIR=$R/data/ntsd
TLSDIR=$R/data/config/nts
printf '# test configuration\nstatus-file %s\ntls-cert %s\ntls-key %s\ncookie-keys %s\n' \
	"$STATUS" "$TLSDIR/cert.pem" "$TLSDIR/key.pem" "$KEYDIR/cookie-keys" >"$CONF"
chmod 644 "$CONF"
# the status folder belongs to the service user: plain permissions would
# let it create files there, so only its sandbox can stop that
chown "$SVC_UID:$SVC_GID" "$STATUS_DIR"
chmod 755 "$STATUS_DIR"
# rule paths of the service file under $R that do not exist yet: folders
for rule in ${FS_RULES:-}; do
	p=${rule#*:}
	case $p in
	"$R"/*)
		[ -e "$p" ] && continue
		mkdir -p "$p"
		[ "${rule%%:*}" = write ] && chown "$SVC_UID:$SVC_GID" "$p"
		;;
	esac
done
find "$R" -type d -exec chmod go+rx {} +
# the ke role's certificate, where the image keeps it (/data/config/nts,
# the service's `read` folder, the web console's files with group ntsd):
# a throwaway CA and P-256 server certificate
mkdir -p "$KEYDIR" "$TLSDIR"
if t_pki "$T/pki" && cp "$T/pki/server.key" "$TLSDIR/key.pem" &&
	cp "$T/pki/server.pem" "$TLSDIR/cert.pem"; then
	chown -R "$SVC_UID:$SVC_GID" "$KEYDIR"
	chgrp -R "$SVC_GID" "$TLSDIR"
	chmod 700 "$KEYDIR"
	chmod 2750 "$TLSDIR"
	chmod 640 "$TLSDIR/key.pem"
else
	t_fail "openssl: the ke role's test certificate"
fi

"$PY" "$T/tg.py" writer "$STATUS" &
WRITER=$!
wait_for 10 test -s "$STATUS" || t_fail "status writer" "no $STATUS after 10 s"

printf '# test supervisor: defaults\n' >"$T/supervise.conf"
"$SV_BIN" -n -d "$SVDIR" -c "$T/supervise.conf" -r "$RUNDIR" -s 65536 2>"$SVLOG" &
SV_PID=$!

if wait_for 60 is_ready && wait_for 20 answers; then
	t_pass "ntsd (static $ARCH build) under tg-supervise: ready, answers NTP"
	note "$NTSD_BIN, NTP on $NTP_ADDR port $NTP_PORT"
else
	t_fail "ntsd (static $ARCH build) under tg-supervise: ready, answers NTP" "on $NTP_ADDR port $NTP_PORT" \
		"status: $(sv_status | tr '\n' ';')" "query: $(tg query "$NTP_ADDR" "$NTP_PORT")" "log:"
	show_log 30
	t_done
fi

# roles: main is the supervisor's child (the service's pid), ntp and ke
# main's two children, told apart by the file limit each sets (ntsd -S:
# the ke role's pool needs more descriptors than the ntp role's sockets)
NOFILE_NTP=$("$PROG" -S 2>/dev/null | sed -n 's/^ntp: rlimit: RLIMIT_NOFILE \([0-9]*\)$/\1/p')
NOFILE_KE=$("$PROG" -S 2>/dev/null | sed -n 's/^ke: rlimit: RLIMIT_NOFILE \([0-9]*\)$/\1/p')
nofile_of() { awk '/^Max open files/ { print $4 }' "/proc/$1/limits" 2>/dev/null; }
find_roles() {
	local c
	MAIN=$(ntsd_field 3)
	NTP=
	KE=
	[ -n "$MAIN" ] && [ "$MAIN" != 0 ] || return 1
	for c in $(children "$MAIN"); do
		case $(nofile_of "$c") in
		"$NOFILE_NTP") NTP=$c ;;
		"$NOFILE_KE") KE=$c ;;
		esac
	done
	[ -n "$NTP" ] && [ -n "$KE" ] && [ "$(children "$MAIN" | wc -l)" = 2 ] || return 1
	SEEN_PIDS+=("$MAIN" "$NTP" "$KE")
}
# main's children are exactly the ntp and ke roles found
kids_same() { [ "$(children "$MAIN" | sort | tr '\n' ' ')" = "$(printf '%s\n' "$NTP" "$KE" | sort | tr '\n' ' ')" ]; }
if wait_for 10 find_roles && children "$SV_PID" | grep -qx "$MAIN" &&
	[ "$(readlink "/proc/$MAIN/exe")" = "$PROG" ] && [ "$(readlink "/proc/$NTP/exe")" = "$PROG" ] &&
	[ "$(readlink "/proc/$KE/exe")" = "$PROG" ]; then
	t_pass "roles: main is the supervisor's child, ntp and ke its two children"
	note "supervisor $SV_PID, main $MAIN, ntp $NTP, ke $KE"
else
	t_fail "roles: main is the supervisor's child, ntp and ke its two children" \
		"main='$MAIN' ntp='$NTP' ke='$KE' (limits $NOFILE_NTP/$NOFILE_KE) supervisor children: $(children "$SV_PID" | tr '\n' ' ')" \
		"main's children: $(children "$MAIN" | tr '\n' ' ')"
	show_log 20
	t_done
fi
QUERY=$OUT/host/services-host/bin/nts-query
# ke_answers: an NTS-KE exchange with the running ke role (nts-query, KE only)
ke_answers() { "$QUERY" -c "$T/pki/ca.pem" -n localhost -p "$KE_PORT" -r 0 127.0.0.1 >/dev/null 2>&1; }
if [ -z "${KE_PORT:-}" ]; then
	t_fail "ke: serves NTS-KE" "$SERVICE_SRC has no IPv4 'listen tcp ... ntske' line"
elif wait_for 10 ke_answers; then
	t_pass "ke: serves NTS-KE on 127.0.0.1 port $KE_PORT (TLS 1.3, 8 cookies)"
else
	t_fail "ke: serves NTS-KE on 127.0.0.1 port $KE_PORT" \
		"$("$QUERY" -c "$T/pki/ca.pem" -n localhost -p "$KE_PORT" -r 0 127.0.0.1 2>&1)"
	show_log 10
fi

# ---------------------------------------------------------------- NTP on IPv4 and IPv6

# the same running ntsd (same main and ntp pids before and after) answers
# on 127.0.0.1 and ::1, the one port: mode 4, origin = our transmit
# timestamp (tg.py query checks both)
ntp_both() { # ADDR...: each answered; the query lines in $T/query.out
	local a rc=0
	: >"$T/query.out"
	for a in "$@"; do
		printf '%s: ' "$a" >>"$T/query.out"
		tg query "$a" "$NTP_PORT" >>"$T/query.out" 2>&1 || rc=1
	done
	return $rc
}
if [ -n "${NO_IPV6:-}" ]; then
	printf 'ok - ntp: answers on ::1 as on 127.0.0.1 # SKIP no IPv6 on this host\n'
elif [ -z "${NTP4_ADDR:-}" ] || [ -z "${NTP6_ADDR:-}" ]; then
	t_fail "ntp: answers on ::1 as on 127.0.0.1" \
		"$SERVICE_SRC has no IPv4 and IPv6 NTP listen lines (ntp, ntp6): $(grep '^listen' "$SVDIR/ntsd.conf" | tr '\n' ';')"
elif wait_for 10 ntp_both "$NTP4_ADDR" "$NTP6_ADDR" && [ "$(ntsd_field 3)" = "$MAIN" ] &&
	kids_same && [ "$(ntsd_field 5)" = 0 ]; then
	t_pass "ntp: answers on ::1 as on 127.0.0.1, port $NTP_PORT, the same ntsd (mode 4, origin echoed)"
	note "$(tr '\n' ';' <"$T/query.out")"
else
	t_fail "ntp: answers on ::1 as on 127.0.0.1, port $NTP_PORT, the same ntsd (mode 4, origin echoed)" \
		"$(tr '\n' ';' <"$T/query.out")" "status: $(sv_status | tr '\n' ';') main $MAIN ntp $NTP"
	show_log 10
fi

# ---------------------------------------------------------------- per role: /proc

# `ntsd -S` prints what each role enters ("ROLE: rlimit: RLIMIT_NOFILE 16",
# "ROLE: seccomp: allow NAME..."): the expectations follow it.  Without it
# (an older ntsd), 16, as main.c and ntp.c set.
SANDBOX_DUMP=$("$PROG" -S -f "$CONF" 2>/dev/null) || SANDBOX_DUMP=
if grep -Eq '^(main|ntp): ' <<<"$SANDBOX_DUMP"; then
	note "expectations from 'ntsd -S'"
else
	SANDBOX_DUMP=
	note "ntsd has no -S: expecting RLIMIT_NOFILE 16 in both roles, as main.c and ntp.c set"
fi
nofile_of_role() { # ROLE: the expected limit, or "none" if -S names none
	local v
	[ -n "$SANDBOX_DUMP" ] || { echo 16; return; }
	v=$(sed -n "s/^$1: rlimit: RLIMIT_NOFILE \([0-9][0-9]*\)\$/\1/p" <<<"$SANDBOX_DUMP" | head -1)
	echo "${v:-none}"
}
# allowed_in ROLE SYSCALL: -S lists SYSCALL as allowed in ROLE
allowed_in() { grep -Eq "^$1: seccomp: allow $2(\(| |\$)" <<<"$SANDBOX_DUMP"; }

DECLARED=$(cap_mask $CAPS)
[ "$DECLARED" = -1 ] && t_fail "caps line of $SERVICE_SRC" "unknown capability name in: $CAPS"

check_proc() { # ROLE PID
	local role=$1 p=$2 set v bad=() msg=() want
	for set in CapInh CapPrm CapEff CapBnd CapAmb; do
		v=$(proc_field "$p" "$set")
		[ -n "$v" ] || { bad+=("$set missing"); continue; }
		(((0x$v & ~DECLARED) == 0)) || bad+=("$set $v")
	done
	if [ ${#bad[@]} = 0 ]; then
		t_pass "$role: holds no capability the service file does not list (${CAPS:-none}): CapInh/Prm/Eff/Bnd/Amb"
	else
		t_fail "$role: holds no capability the service file does not list (${CAPS:-none}): CapInh/Prm/Eff/Bnd/Amb" \
			"pid $p: ${bad[*]}"
	fi

	[ "$(proc_field "$p" NoNewPrivs)" = 1 ] || msg+=("NoNewPrivs $(proc_field "$p" NoNewPrivs)")
	[ "$(proc_field "$p" Seccomp)" = 2 ] || msg+=("Seccomp $(proc_field "$p" Seccomp)")
	[ "$(proc_field "$p" Uid | tr -s ' \t' ' ')" = "$SVC_UID $SVC_UID $SVC_UID $SVC_UID" ] ||
		msg+=("Uid $(proc_field "$p" Uid)")
	[ "$(proc_field "$p" Gid | tr -s ' \t' ' ')" = "$SVC_GID $SVC_GID $SVC_GID $SVC_GID" ] ||
		msg+=("Gid $(proc_field "$p" Gid)")
	v=$(proc_field "$p" Groups | tr -s ' \t' ' ' | sed 's/ $//')
	[ -z "$v" ] || [ "$v" = "$SVC_GID" ] || msg+=("Groups '$v'")
	if [ ${#msg[@]} = 0 ]; then
		t_pass "$role: NoNewPrivs 1, Seccomp 2 (filter), uid/gid $SVC_USER, no other group"
	else
		t_fail "$role: NoNewPrivs 1, Seccomp 2 (filter), uid/gid $SVC_USER, no other group" "pid $p: ${msg[*]}"
	fi

	want=$(nofile_of_role "$role")
	v=$(awk '/^Max open files/ { print $4, $5 }' "/proc/$p/limits" 2>/dev/null)
	if [ "$v" = "$want $want" ]; then
		t_pass "$role: Max open files $want (soft and hard)"
	else
		t_fail "$role: Max open files $want (soft and hard)" "pid $p: '$v'"
	fi
}
check_proc main "$MAIN"
check_proc ntp "$NTP"
check_proc ke "$KE"

# ---------------------------------------------------------------- per role: files

FDS_MAIN=$(ls "/proc/$MAIN/fd" | wc -l)
FDS_NTP=$(ls "/proc/$NTP/fd" | wc -l)

out=$(inject "$MAIN" open "$STATUS")
if [[ $out =~ ^fd\ [0-9]+$ ]]; then
	t_pass "main: opens its status file read-only"
else
	t_fail "main: opens its status file read-only" "got '$out'" "$(tail -3 "$T/inject.err")"
fi

out=$(inject "$MAIN" open /etc/passwd)
if [ "$out" = "error EACCES (Permission denied)" ]; then
	t_pass "main: /etc/passwd (world-readable) cannot be opened: EACCES (Landlock)"
else
	t_fail "main: /etc/passwd (world-readable) cannot be opened: EACCES (Landlock)" "got '$out'" \
		"(needs the supervisor's Landlock rules: 'read' lines in the service file)"
fi

# next to the granted folder: the grant is that folder, not its parent
SIBLING=$(dirname "$STATUS_DIR")/not-granted
echo "not for ntsd" >"$SIBLING"
chmod 644 "$SIBLING"
out=$(inject "$MAIN" open "$SIBLING")
if [ "$out" = "error EACCES (Permission denied)" ]; then
	t_pass "main: a world-readable file beside its status folder cannot be opened: EACCES (Landlock)"
else
	t_fail "main: a world-readable file beside its status folder cannot be opened: EACCES (Landlock)" \
		"$SIBLING: got '$out'"
fi

NEWFILE=$STATUS_DIR/injected-by-test
out=$(inject "$MAIN" open "$NEWFILE" creat)
if [ ! -e "$NEWFILE" ] && { [ "$out" = "error EACCES (Permission denied)" ] ||
	[[ $out =~ ^trapped\ SIGSYS\ \(seccomp:\ openat ]]; }; then
	t_pass "main: cannot create a file in its status folder (owned by $SVC_USER): refused, nothing created"
	case $out in
	error*) note "refused by Landlock: $out" ;;
	*) note "refused by seccomp before Landlock is asked (main's filter allows read-only opens only): $out" ;;
	esac
else
	t_fail "main: cannot create a file in its status folder (owned by $SVC_USER): refused, nothing created" \
		"got '$out'; $(ls -l "$NEWFILE" 2>&1)"
	rm -f "$NEWFILE"
fi

out=$(inject "$NTP" open "$STATUS")
if [[ $out =~ ^trapped\ SIGSYS\ \(seccomp:\ openat ]]; then
	t_pass "ntp: no filesystem: openat, even of the status file, is trapped by seccomp"
else
	t_fail "ntp: no filesystem: openat, even of the status file, is trapped by seccomp" "got '$out'"
fi
out=$(inject "$KE" open "$TLSDIR/key.pem")
if [[ $out =~ ^trapped\ SIGSYS\ \(seccomp:\ openat ]]; then
	t_pass "ke: no filesystem: openat, even of its own key file, is trapped by seccomp"
else
	t_fail "ke: no filesystem: openat, even of its own key file, is trapped by seccomp" "got '$out'"
fi

sleep 1.5 # main's status tick runs in between: it must still work
if ! gone "$MAIN" && ! gone "$NTP" && ! gone "$KE" && [ "$(ntsd_field 3)" = "$MAIN" ] && kids_same &&
	[ "$(ntsd_field 5)" = 0 ] && answers && ke_answers &&
	[ "$(ls "/proc/$MAIN/fd" | wc -l)" = "$FDS_MAIN" ] && [ "$(ls "/proc/$NTP/fd" | wc -l)" = "$FDS_NTP" ] &&
	! grep -q 'forbidden syscall' "$SVLOG"; then
	t_pass "after the open injections: main and ntp alive (same pids, no restart, no fd left), NTP answered"
else
	t_fail "after the open injections: main and ntp alive (same pids, no restart, no fd left), NTP answered" \
		"status: $(sv_status | tr '\n' ';') fds main $(ls "/proc/$MAIN/fd" 2>&1 | wc -l)/$FDS_MAIN ntp $(ls "/proc/$NTP/fd" 2>&1 | wc -l)/$FDS_NTP"
	show_log 10
fi

# ---------------------------------------------------------------- stop and continue

# SIGSTOP/SIGCONT (an operator, a debugger) while a role waits in poll: the
# kernel resumes the poll through restart_syscall, which must be allowed
if [ -n "$MAIN" ] && [ -n "$NTP" ]; then
	n=$(log_lines)
	kill -STOP "$NTP" "$KE" "$MAIN"; sleep 0.3; kill -CONT "$NTP" "$KE" "$MAIN"; sleep 0.5
	if answers && ke_answers && [ "$(ntsd_field 3)" = "$MAIN" ] && kids_same &&
		! log_since "$n" "forbidden syscall"; then
		t_pass "main and ntp stopped and continued (SIGSTOP, SIGCONT): both carry on, NTP answered"
	else
		t_fail "main and ntp stopped and continued: both carry on" 			"status: $(sv_status | tr '\n' ';') main $MAIN ntp $NTP"
		show_log 8
	fi
fi

# ---------------------------------------------------------------- forbidden syscalls

# restarted OLD_MAIN: a new main and ntp, ready, answering
restarted() {
	local m
	is_ready || return 1
	m=$(ntsd_field 3)
	[ -n "$m" ] && [ "$m" != "$1" ] && find_roles && answers
}

# kill_role ROLE PID SYSCALL: inject SYSCALL into PID, check the log and the restart
kill_role() {
	local role=$1 p=$2 sc=$3 n out rc old_main=$MAIN old_ntp=$NTP old_ke=$KE
	if [ -n "$SANDBOX_DUMP" ] && allowed_in "$role" "$sc"; then
		t_fail "$role: $sc is forbidden (premise of this test)" "'ntsd -S' lists it as allowed in $role:" \
			"$(grep -E "^$role: seccomp: allow $sc" <<<"$SANDBOX_DUMP")"
		return
	fi
	n=$(log_lines)
	out=$(inject "$p" swap "$sc")
	rc=$?
	if [ $rc = 0 ] && [[ $out =~ ^trapped\ SIGSYS\ \(seccomp:\ $sc\  ]] &&
		wait_for 10 log_since "$n" "ntsd[$role] error: seccomp: forbidden syscall '$sc' ("; then
		t_pass "$role: an injected $sc() is trapped; the log says \"ntsd[$role] error: seccomp: forbidden syscall '$sc'\""
	else
		t_fail "$role: an injected $sc() is trapped; the log names it" "rc=$rc out='$out'" \
			"$(tail -4 "$T/inject.err")"
		show_log 8
	fi

	if [ "$role" = main ]; then
		# main itself died by SIGSYS: the supervisor saw it
		if wait_for 10 gone "$p" &&
			wait_for 10 log_since_re "$n" "service ntsd killed by signal [0-9]+ \(SIGSYS, seccomp violation\); restarting in [0-9]+ s"; then
			t_pass "main: died by SIGSYS (supervisor: \"killed by signal 31 (SIGSYS, seccomp violation)\")"
		else
			t_fail "main: died by SIGSYS (supervisor: \"killed by signal 31 (SIGSYS, seccomp violation)\")"
			show_log 8
		fi
	else
		# the role died by SIGSYS: main saw it and exited 111, the supervisor restarts
		if wait_for 10 gone "$p" &&
			wait_for 10 log_since "$n" "ntsd[main] error: $role role killed by SIGSYS" &&
			wait_for 10 log_since_re "$n" "service ntsd exited with status 111; restarting in [0-9]+ s"; then
			t_pass "$role: died by SIGSYS (main: \"$role role killed by SIGSYS\"; the service exits 111)"
		else
			t_fail "$role: died by SIGSYS (main: \"$role role killed by SIGSYS\"; the service exits 111)"
			show_log 8
		fi
	fi

	if wait_for 30 restarted "$old_main" && [ "$MAIN" != "$old_main" ] && [ "$NTP" != "$old_ntp" ] &&
		[ "$KE" != "$old_ke" ] && gone "$old_main" && gone "$old_ntp" && gone "$old_ke" &&
		[ "$(proc_field "$MAIN" Seccomp)" = 2 ] && [ "$(proc_field "$NTP" Seccomp)" = 2 ] &&
		[ "$(proc_field "$KE" Seccomp)" = 2 ] && wait_for 10 ke_answers; then
		t_pass "$role killed: the supervisor restarts ntsd (new main, ntp and ke), NTP and NTS-KE answered again"
		note "main $old_main -> $MAIN, ntp $old_ntp -> $NTP, ke $old_ke -> $KE"
	else
		t_fail "$role killed: the supervisor restarts ntsd, NTP answered again" \
			"status: $(sv_status | tr '\n' ';') old main $old_main ntp $old_ntp, now main '$MAIN' ntp '$NTP'"
		show_log 10
		t_done
	fi
}

# socket: no role may make one (the supervisor binds the NTP socket)
kill_role main "$MAIN" socket
# openat: main may open read-only, ntp not at all
kill_role ntp "$NTP" openat
# clock_adjtime: the network-facing role can never steer the clock
kill_role ntp "$NTP" clock_adjtime
# socket and clock_adjtime: the role holding the TLS key opens no new
# connection (only accept4 on its sockets) and cannot steer the clock either
kill_role ke "$KE" socket
kill_role ke "$KE" clock_adjtime

t_done
