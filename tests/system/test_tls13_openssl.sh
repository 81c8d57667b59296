#!/usr/bin/env bash
# tests/system/test_tls13_openssl.sh - lib/tls13.c against the openssl CLI.
#
# tg-tlspeer (tests/tools/tg-tlspeer.c) runs our engine over real sockets
# on 127.0.0.1; openssl s_client / s_server (3.0) is the independent peer.
# A throwaway P-256 CA, a P-256 and an RSA-2048 server certificate for
# localhost, and an unrelated CA are made in $T.
#
# Server cases (s_client -> tg-tlspeer server): each suite, each group,
# HelloRetryRequest (first share X448 / ffdhe2048, which we do not do),
# exporter with an empty context equal on both sides, -tls1_2 refused with
# protocol_version, a wrong ALPN refused with no_application_protocol.
# Client cases (tg-tlspeer client -> s_server): ECDSA P-256 and RSA-PSS
# certificates with data echoed (s_server -rev), HRR from the server side,
# exporter equal to s_server's, another CA (unknown_ca), a name mismatch
# (bad_certificate), -tls1_2 refused.  Our client against our server:
# exporter with a context equal on both sides.
#
# Environment (tests/run.sh): TOP, OUT, T.  TG_TLSPEER_BIN overrides the tool.
set -u
. "$TOP/tests/lib.sh"

PEER=${TG_TLSPEER_BIN:-$OUT/host/services-host/test-tools/tg-tlspeer}
[ -x "$PEER" ] || t_skip_all "no $PEER (build services in host mode first)"
command -v openssl >/dev/null 2>&1 || t_skip_all "needs the openssl CLI"
command -v timeout >/dev/null 2>&1 || t_skip_all "needs timeout(1)"
cd "$T" || exit 1

LABEL=EXPORTER-network-time-security
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
}
trap cleanup EXIT

# ------------------------------------------------------------ certificates

mkcerts() {
	local ec="-algorithm EC -pkeyopt ec_paramgen_curve:P-256"
	openssl genpkey $ec -out ca.key &&
		openssl req -x509 -new -key ca.key -sha256 -days 2 -subj /CN=tg-test-ca \
			-addext basicConstraints=critical,CA:TRUE -out ca.pem &&
		printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n' >leaf.ext &&
		openssl genpkey $ec -out ec.key &&
		openssl req -new -key ec.key -subj /CN=localhost -out ec.csr &&
		openssl x509 -req -in ec.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
			-sha256 -extfile leaf.ext -out ec.pem &&
		openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out rsa.key &&
		openssl req -new -key rsa.key -subj /CN=localhost -out rsa.csr &&
		openssl x509 -req -in rsa.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
			-sha256 -extfile leaf.ext -out rsa.pem &&
		openssl genpkey $ec -out other.key &&
		openssl req -x509 -new -key other.key -sha256 -days 2 -subj /CN=tg-other-ca \
			-addext basicConstraints=critical,CA:TRUE -out other.pem
}
mkcerts >mkcerts.log 2>&1 || { t_fail "make test certificates" "$(tail -n 5 mkcerts.log)"; t_done; }

# ---------------------------------------------------------------- helpers

alive() { kill -0 "$1" 2>/dev/null; }

# start_peer ARGS...: tg-tlspeer server on a free port -> PORT, PEER_PID;
# its per-connection lines go to peer.out
start_peer() {
	local i
	for i in 1 2 3 4 5 6 7 8; do
		PORT=$((20000 + RANDOM % 10000))
		: >peer.out
		"$PEER" server "$PORT" ec.pem ec.key "$@" >peer.out 2>peer.err &
		PEER_PID=$!
		if wait_for 3 grep -q listening peer.err && alive "$PEER_PID"; then
			PIDS+=("$PEER_PID")
			return 0
		fi
		kill "$PEER_PID" 2>/dev/null
		wait "$PEER_PID" 2>/dev/null
	done
	return 1
}

stop_peer() {
	kill "$PEER_PID" 2>/dev/null
	wait "$PEER_PID" 2>/dev/null
}

# peer_line N: the Nth line tg-tlspeer server printed (waits for it)
peer_line() {
	wait_for 5 test "$(wc -l <peer.out)" -ge "$1" || return 1
	sed -n "${1}p" peer.out
}

# s_client ARGS...: openssl s_client to our server, "ping" as data; it
# closes when its input ends, a moment later, after the echo came back
s_client() {
	(echo ping; sleep 0.3) | timeout 10 openssl s_client -connect "127.0.0.1:$PORT" \
		-servername localhost -CAfile ca.pem -verify_return_error "$@" 2>&1
}

# start_s_server ARGS...: openssl s_server (echoing reversed lines; with
# NOREV=1 not, as -rev does not print the exporter) on a free port -> SPORT,
# SS_PID; output in s_server.out
start_s_server() {
	local i rev=-rev
	[ "${NOREV:-0}" = 1 ] && rev=
	for i in 1 2 3 4 5 6 7 8; do
		SPORT=$((20000 + RANDOM % 10000))
		# stdin kept open (s_server stops at its end), never written
		openssl s_server -accept "$SPORT" $rev "$@" >s_server.out 2>&1 < <(sleep 20) &
		SS_PID=$!
		if wait_for 3 grep -q ACCEPT s_server.out && alive "$SS_PID"; then
			PIDS+=("$SS_PID")
			return 0
		fi
		kill "$SS_PID" 2>/dev/null
		wait "$SS_PID" 2>/dev/null
	done
	return 1
}

stop_s_server() {
	kill "$SS_PID" 2>/dev/null
	wait "$SS_PID" 2>/dev/null
}

# our client to s_server: CA NAME ARGS...; output in client.out, status in
# $rc; it sends "hello tls\n" (or $INPUT) and waits for as much back
our_client() {
	local ca=$1 name=$2
	shift 2
	printf '%s' "${INPUT-hello tls$'\n'}" | timeout 10 "$PEER" client 127.0.0.1 "$SPORT" "$ca" "$name" "$@" \
		>client.out 2>client.err
	rc=$?
}

expect() { # NAME GOT-LINE WANT-REGEX
	if printf '%s\n' "$2" | grep -Eq "$3"; then t_pass "$1"; else t_fail "$1" "got: $2" "want: $3"; fi
}

# ------------------------------------------------- openssl s_client -> us

if start_peer --alpn ntske/1 --export "$LABEL" "" 32; then
	n=0
	for s in TLS_AES_128_GCM_SHA256:0x1301 TLS_AES_256_GCM_SHA384:0x1302 \
		TLS_CHACHA20_POLY1305_SHA256:0x1303; do
		out=$(s_client -tls1_3 -alpn ntske/1 -ciphersuites "${s%%:*}")
		n=$((n + 1))
		line=$(peer_line $n)
		if printf '%s' "$out" | grep -q "^ping" && printf '%s' "$out" | grep -q "Verify return code: 0" &&
			printf '%s' "$out" | grep -q "ALPN protocol: ntske/1"; then
			expect "s_client ${s%%:*}" "$line" "^ok suite=${s##*:} group=x25519 alpn=ntske/1"
		else
			t_fail "s_client ${s%%:*}" "s_client: $(printf '%s' "$out" | grep -Ei 'error|alert' | head -n 3)"
		fi
	done
	for g in X25519:x25519 P-256:p256; do
		out=$(s_client -tls1_3 -alpn ntske/1 -groups "${g%%:*}")
		n=$((n + 1))
		line=$(peer_line $n)
		if printf '%s' "$out" | grep -q "^ping"; then
			expect "s_client group ${g%%:*}" "$line" "^ok suite=0x1301 group=${g##*:} "
		else
			t_fail "s_client group ${g%%:*}" "no echo; server said: $line"
		fi
	done
	# HelloRetryRequest: openssl sends a share for its first group only
	for g in X448:P-256 ffdhe2048:X25519; do
		out=$(s_client -tls1_3 -alpn ntske/1 -groups "$g" -msg)
		n=$((n + 1))
		line=$(peer_line $n)
		want=p256
		[ "${g#*:}" = X25519 ] && want=x25519
		# the trace shows two ClientHellos when the retry happened
		if [ "$(printf '%s' "$out" | grep -c '>>> .*ClientHello')" = 2 ] &&
			printf '%s' "$out" | grep -q "^ping"; then
			expect "HelloRetryRequest ($g)" "$line" "^ok suite=0x1301 group=$want "
		else
			t_fail "HelloRetryRequest ($g)" "server: $line" \
				"$(printf '%s' "$out" | grep -Ei 'ClientHello|error|alert' | head -n 4)"
		fi
	done
	# exporter, empty context: s_client's -keymatexport vs our server's
	out=$(s_client -tls1_3 -alpn ntske/1 -keymatexport "$LABEL" -keymatexportlen 32)
	n=$((n + 1))
	line=$(peer_line $n)
	theirs=$(printf '%s' "$out" | sed -n 's/^ *Keying material: *//p' | tr 'A-F' 'a-f')
	ours=$(printf '%s' "$line" | sed -n 's/.*export=\([0-9a-f]*\).*/\1/p')
	if [ -n "$ours" ] && [ "$ours" = "$theirs" ]; then
		t_pass "exporter equals s_client's"
	else
		t_fail "exporter equals s_client's" "ours: $ours" "s_client: $theirs"
	fi
	# TLS 1.2 refused
	out=$(s_client -tls1_2 -alpn ntske/1)
	s_rc=$?
	n=$((n + 1))
	line=$(peer_line $n)
	if [ $s_rc -ne 0 ] || ! printf '%s' "$out" | grep -q "^ping"; then
		expect "s_client -tls1_2 refused" "$line" "^fail EVERSION alert=protocol_version"
	else
		t_fail "s_client -tls1_2 refused" "the handshake completed"
	fi
	# ALPN mismatch
	out=$(s_client -tls1_3 -alpn http/1.1)
	n=$((n + 1))
	line=$(peer_line $n)
	if printf '%s' "$out" | grep -q "no application protocol"; then
		expect "wrong ALPN refused" "$line" "^fail EALPN alert=no_application_protocol"
	else
		t_fail "wrong ALPN refused" "s_client did not see no_application_protocol; server: $line"
	fi
	stop_peer
else
	t_fail "start tg-tlspeer server" "$(cat peer.err)"
fi

# ---------------------------------------------- our client -> openssl s_server

# ECDSA P-256, each suite and group
for s in 0x1301 0x1302 0x1303; do
	for g in x25519 p256; do
		if ! start_s_server -tls1_3 -alpn ntske/1 -cert ec.pem -key ec.key; then
			t_fail "start s_server"
			continue
		fi
		our_client ca.pem localhost --alpn ntske/1 --suites $s --groups $g
		if [ $rc = 0 ] && grep -q "^slt olleh" client.out; then
			expect "client to s_server (ECDSA) $s $g" "$(head -n 1 client.out)" \
				"^ok suite=$s group=$g alpn=ntske/1"
		else
			t_fail "client to s_server (ECDSA) $s $g" "rc=$rc: $(cat client.out client.err)"
		fi
		stop_s_server
	done
done

# RSA-2048 certificate: RSA-PSS CertificateVerify
if start_s_server -tls1_3 -alpn ntske/1 -cert rsa.pem -key rsa.key; then
	our_client ca.pem localhost --alpn ntske/1
	if [ $rc = 0 ] && grep -q "^slt olleh" client.out; then
		expect "client to s_server (RSA-PSS)" "$(head -n 1 client.out)" "^ok suite=0x1301"
	else
		t_fail "client to s_server (RSA-PSS)" "rc=$rc: $(cat client.out client.err)"
	fi
	stop_s_server
fi

# HelloRetryRequest from s_server: it wants P-256, we share X25519 first
if start_s_server -tls1_3 -alpn ntske/1 -cert ec.pem -key ec.key -groups P-256; then
	our_client ca.pem localhost --alpn ntske/1 --groups x25519,p256
	if [ $rc = 0 ] && grep -q "^slt olleh" client.out; then
		expect "client HelloRetryRequest" "$(head -n 1 client.out)" "^ok suite=0x1301 group=p256"
	else
		t_fail "client HelloRetryRequest" "rc=$rc: $(cat client.out client.err)"
	fi
	stop_s_server
fi

# exporter: ours (empty context) vs s_server's
if NOREV=1 start_s_server -tls1_3 -alpn ntske/1 -cert ec.pem -key ec.key -keymatexport "$LABEL" \
	-keymatexportlen 32; then
	INPUT= our_client ca.pem localhost --alpn ntske/1 --export "$LABEL" "" 32
	ours=$(sed -n 's/.*export=\([0-9a-f]*\).*/\1/p' client.out)
	wait_for 3 grep -q "Keying material:" s_server.out
	theirs=$(sed -n 's/^ *Keying material: *//p' s_server.out | tr 'A-F' 'a-f')
	if [ $rc = 0 ] && [ -n "$ours" ] && [ "$ours" = "$theirs" ]; then
		t_pass "exporter equals s_server's"
	else
		t_fail "exporter equals s_server's" "ours: $ours" "s_server: $theirs"
	fi
	stop_s_server
fi

# refusals
if start_s_server -tls1_3 -alpn ntske/1 -cert ec.pem -key ec.key; then
	our_client other.pem localhost --alpn ntske/1
	expect "client refuses an unknown CA (rc=$rc)" "$rc $(head -n 1 client.out)" \
		"^1 fail ECERT alert=unknown_ca"
	stop_s_server
fi
if start_s_server -tls1_3 -alpn ntske/1 -cert ec.pem -key ec.key; then
	our_client ca.pem time.example.org --alpn ntske/1
	expect "client refuses a name mismatch (rc=$rc)" "$rc $(head -n 1 client.out)" \
		"^1 fail ECERT alert=bad_certificate"
	stop_s_server
fi
if start_s_server -tls1_2 -alpn ntske/1 -cert ec.pem -key ec.key; then
	our_client ca.pem localhost --alpn ntske/1
	expect "client refuses s_server -tls1_2 (rc=$rc)" "$rc $(head -n 1 client.out)" \
		"^1 fail (EVERSION|EALERT) alert=protocol_version"
	stop_s_server
fi

# ------------------------------------------------------- our client -> us

if start_peer --alpn ntske/1 --export "$LABEL" 0001 64; then
	SPORT=$PORT
	our_client ca.pem localhost --alpn ntske/1 --export "$LABEL" 0001 64
	ours=$(sed -n 's/.*export=\([0-9a-f]*\).*/\1/p' client.out)
	line=$(peer_line 1)
	theirs=$(printf '%s' "$line" | sed -n 's/.*export=\([0-9a-f]*\).*/\1/p')
	if [ $rc = 0 ] && [ ${#ours} = 128 ] && [ "$ours" = "$theirs" ] &&
		grep -q "^hello tls" client.out; then
		t_pass "our client and server: exporter with context, echo"
	else
		t_fail "our client and server: exporter with context, echo" "client: $(cat client.out)" \
			"server: $line"
	fi
	stop_peer
fi

t_done
