# tests/lib.sh - helpers for shell tests (system and image); source it.
#
# A test script reports each case with t_pass/t_fail, which print the same
# TAP-style lines as the C harness ("ok - NAME", "not ok - NAME"), and ends
# with t_done, which exits non-zero if any case failed.  tests/run.sh
# counts the lines.
#
# Environment given by tests/run.sh: TOP (repository), OUT (build outputs),
# T (a fresh temporary folder for this script, removed afterwards).

t_failed=0
t_pass() { printf 'ok - %s\n' "$1"; }
t_fail() { printf 'not ok - %s\n' "$1"; shift; [ $# -gt 0 ] && printf '  %s\n' "$@" >&2; t_failed=$((t_failed + 1)); }
# t_check NAME CMD...: pass if CMD succeeds
t_check() { local n=$1; shift; if "$@"; then t_pass "$n"; else t_fail "$n" "command failed: $*"; fi; }
t_done() { [ "$t_failed" = 0 ]; exit $?; }
t_skip_all() { printf 'ok - %s # SKIP %s\n' "$(basename "$0")" "$1"; exit 0; }

# wait_for SECONDS CMD...: poll CMD every 0.1 s until it succeeds
wait_for() {
	local deadline=$(( $(date +%s%N) / 1000000 + $1 * 1000 )); shift
	until "$@" 2>/dev/null; do
		[ $(( $(date +%s%N) / 1000000 )) -lt $deadline ] || return 1
		sleep 0.1
	done
}

# t_pki DIR: a throwaway CA (DIR/ca.pem, ca.key) and a P-256 server
# certificate for localhost and 127.0.0.1 it signed (DIR/server.pem,
# server.key), valid 30 days, made with the host's openssl; for the NTS
# tests.  Fails if openssl does.
t_pki() {
	local d=$1
	mkdir -p "$d" &&
		openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
			-subj "/CN=test CA" -addext basicConstraints=critical,CA:TRUE \
			-keyout "$d/ca.key" -out "$d/ca.pem" 2>/dev/null &&
		openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=localhost" \
			-keyout "$d/server.key" -out "$d/server.csr" 2>/dev/null &&
		printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >"$d/ext" &&
		openssl x509 -req -in "$d/server.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial \
			-days 30 -extfile "$d/ext" -out "$d/server.pem" 2>/dev/null &&
		chmod 600 "$d/ca.key" "$d/server.key"
}

# t_free_port: a port free on 127.0.0.1 for TCP and UDP both (NTP and NTS-KE
# test servers take one of each)
t_free_port() {
	/usr/bin/python3 -c 'import socket
while True:
    t = socket.socket(); t.bind(("127.0.0.1", 0)); p = t.getsockname()[1]
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        u.bind(("127.0.0.1", p))
    except OSError:
        continue
    print(p); break'
}

# t_chrony_nts_server DIR PKI UDP_PORT KE_PORT STRATUM: chronyd 4.3 as an
# NTS server on 127.0.0.1 (certificate PKI/server.pem from t_pki), with
# its configuration, pid file and log (DIR/log) in DIR, started in the
# background with -x (it never touches the host clock): the caller gets
# its pid in $!, and waits until it answers.
t_chrony_nts_server() {
	local d=$1 pki=$2
	mkdir -p "$d" || return 1
	printf '%s\n' "port $3" "ntsport $4" "bindaddress 127.0.0.1" \
		"ntsservercert $pki/server.pem" "ntsserverkey $pki/server.key" "ntsdumpdir $d" \
		"local stratum $5" "allow 127.0.0.1" "cmdport 0" "pidfile $d/chronyd.pid" \
		>"$d/chrony.conf" || return 1
	/usr/sbin/chronyd -x -d -f "$d/chrony.conf" -u root >"$d/log" 2>&1 &
}

# host_program_grants: service-file lines (tg-supervise(8)) that let a
# Landlock-confined service run the host's dynamically linked programs
# (sh, sleep, python3): execute them and the loader, read their libraries
# (all under /usr, or also /bin and /lib without a merged /usr).
host_program_grants() {
	local d
	echo "exec /usr"
	for d in /bin /lib /lib64; do
		[ -d "$d" ] && [ ! -L "$d" ] && echo "exec $d"
	done
	echo "read /etc/ld.so.cache"
}
