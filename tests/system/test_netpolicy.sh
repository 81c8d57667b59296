#!/usr/bin/env bash
# tests/system/test_netpolicy.sh - tg-netpolicy, the network policy compiler.
#
#  1. goldens: policy/network.policy compiled for each board (the
#     interface of role R is BOARD_IF_<R> in board/BOARD/board.conf) must
#     equal policy/compiled/BOARD.v4 and .v6, so a change of the policy or
#     of the compiler shows up as a diff of those files in review.  After
#     an intended change, regenerate them (the command is printed on a
#     mismatch) and commit them with it;
#  2. canonical form (root only): each compiled file - the goldens, and
#     outputs with a site file and with a policy using the rarer options -
#     is loaded into a fresh network namespace with our static
#     xtables-legacy-multi; loading must succeed and iptables-save must
#     give back exactly the file's rule lines (":" "-P" "-A", counters
#     stripped, per table);
#  3. refusals: bad inputs fail with FILE:LINE and what was expected, a
#     non-zero exit, and no output file created or changed;
#  4. the same inputs give byte-identical output.
# Environment (tests/run.sh): TOP, OUT, T.  TG_NETPOLICY_BIN overrides the
# binary (e.g. the static musl build), TG_XTABLES_BIN the iptables.
set -u
. "$TOP/tests/lib.sh"

BIN=${TG_NETPOLICY_BIN:-$OUT/host/services-host/bin/tg-netpolicy}
XT=${TG_XTABLES_BIN:-$OUT/x86_64/deps/bin/xtables-legacy-multi}
BOARDS="qemu-x86_64 qemu-aarch64"
[ -x "$BIN" ] || t_skip_all "no $BIN (build services in host mode first)"
cd "$T"

# -i ROLE=IF for every role of a policy, IF from BOARD_IF_<ROLE> of a board
board_ifs() { # BOARD POLICY
	bash -c '. "$1"; for r in $(awk '\''$1 == "role" { print $2 }'\'' "$2"); do
		v=BOARD_IF_$(printf %s "$r" | tr a-z A-Z)
		[ -n "${!v:-}" ] || { echo "board.conf: no $v" >&2; exit 1; }
		printf -- "-i %s=%s " "$r" "${!v}"
	done' _ "$TOP/board/$1/board.conf" "$2"
}

# ---------------------------------------------------------------- 1. goldens

for board in $BOARDS; do
	if ! ifs=$(board_ifs "$board" "$TOP/policy/network.policy"); then
		t_fail "golden $board: interfaces from board.conf"
		continue
	fi
	# relative paths: the header names the policy as it is given
	# shellcheck disable=SC2086
	if ! (cd "$TOP" && "$BIN" -p policy/network.policy $ifs -4 "$T/$board.v4" -6 "$T/$board.v6"); then
		t_fail "golden $board: compiles"
		continue
	fi
	for fam in v4 v6; do
		if d=$(diff -u "$TOP/policy/compiled/$board.$fam" "$T/$board.$fam" 2>&1); then
			t_pass "golden $board.$fam equals policy/compiled/$board.$fam"
		else
			t_fail "golden $board.$fam equals policy/compiled/$board.$fam" \
				"the compiled policy differs from the golden; if intended, regenerate with" \
				"  (cd $TOP && $BIN -p policy/network.policy $ifs-4 policy/compiled/$board.v4 -6 policy/compiled/$board.v6)"
			printf '%s\n' "$d" | sed 's/^/    /' >&2
		fi
	done
done

# ---------------------------------------------------------------- inputs

cat >site.conf <<'EOF'
# a site: upstreams and resolvers of both families, NTP on mgmt too
upstream 192.0.2.10
upstream 203.0.113.0/24
upstream 2001:db8:100::123
upstream 0:0:1:0:0:1:1:1   # two runs of two zero groups: musl keeps the first
dns 198.51.100.53
dns ::/0                   # any resolver: no -d at all
serve ntp mgmt
EOF
# the rarer shapes: a rate the kernel rounds, ping and udp without limits,
# tcp with only conn-total, chains sorted unlike their declaration
cat >extra.policy <<'EOF'
role zeta
role alpha
role m_2
allow zeta udp 5353 mdns
allow alpha udp 123 ntp rate=70000/s burst=100000
allow m_2 tcp 22 admin conn-total=1
allow alpha tcp 8443 web rate=1/s burst=1 conn-per-source=65535
outbound dns udp 53
ping
EOF
cat >extra.site <<'EOF'
dns 192.0.2.53
serve web zeta
serve admin alpha
EOF
(cd "$TOP" && "$BIN" -p policy/network.policy -s "$T/site.conf" -i time=eth0 -i mgmt=eth1 \
	-4 "$T/site.v4" -6 "$T/site.v6")
t_check "policy with a site file compiles" test -s site.v4 -a -s site.v6
"$BIN" -p extra.policy -s extra.site -i zeta=eth0 -i alpha=eth1.100 -i m_2=br-lan \
	-4 extra.v4 -6 extra.v6
t_check "a policy with the rarer options compiles" test -s extra.v4 -a -s extra.v6
t_check "site: IPv4 addresses only in the IPv4 rules" \
	bash -c '! grep -q "2001:db8" site.v4 && grep -q -- "-d 192.0.2.10/32 " site.v4 && ! grep -q 192.0.2 site.v6'
t_check "site: IPv6 compressed as the appliance's iptables prints it" \
	grep -q -- "-d 0:0:1::1:1:1/128 -p udp" site.v6
t_check "site: a /0 list entry matches every address (no -d)" \
	grep -q -- '^-A OUTPUT -p udp -m udp --dport 53 -m conntrack --ctstate NEW -m comment --comment "outbound dns" -j ACCEPT$' site.v6
t_check "site: serve puts ntp on mgmt, untracked" bash -c \
	'grep -q -- "^-A in-mgmt -p udp -m udp --dport 123 -m conntrack --ctstate UNTRACKED -m comment --comment ntp -j ACCEPT$" site.v4 &&
	 grep -q -- "^-A PREROUTING -i eth1 -p udp -m udp --dport 123 -j CT --notrack$" site.v4'

# ---------------------------------------------------------------- 2. canonical form

# rule_lines TABLES FILE: "table<TAB>line" for the chain and rule lines of
# the given tables, counters stripped, grouped by table in order
rule_lines() {
	awk -v tables=" $1 " '
		/^\*/ { t = substr($0, 2); next }
		/^(:|-P |-A )/ {
			if (index(tables, " " t " ") == 0) next
			l = $0; sub(/ \[[0-9]+:[0-9]+\]$/, "", l)
			print t "\t" l
		}' "$2" | sort -s -t "$(printf '\t')" -k1,1
}

NETNS=()
cleanup() {
	local ns
	for ns in "${NETNS[@]}"; do ip netns del "$ns" 2>/dev/null; done
}
trap cleanup EXIT

# load_check NAME FAMILY FILE: load into a new namespace, compare the save
load_check() {
	local name=$1 fam=$2 file=$3 ns restore save tables d saved
	ns=tg-np-$$-${#NETNS[@]}
	saved=$T/saved.${#NETNS[@]}
	case $fam in
	v4) restore=iptables-restore save=iptables-save ;;
	v6) restore=ip6tables-restore save=ip6tables-save ;;
	esac
	if ! ip netns add "$ns"; then
		t_fail "$name: loads and reads back unchanged" "ip netns add $ns failed"
		return
	fi
	NETNS+=("$ns")
	if ! ip netns exec "$ns" "$XT" "$restore" -w 10 <"$file" >restore.log 2>&1; then
		t_fail "$name: loads and reads back unchanged" "$restore refused $file:" "$(cat restore.log)"
		return
	fi
	ip netns exec "$ns" "$XT" "$save" >"$saved" 2>&1
	tables=$(sed -n 's/^\*//p' "$file" | tr '\n' ' ')
	if d=$(diff -u <(rule_lines "$tables" "$file") <(rule_lines "$tables" "$saved")); then
		t_pass "$name: loads and reads back unchanged"
	else
		t_fail "$name: loads and reads back unchanged" "compiled (-) vs iptables-save (+):"
		printf '%s\n' "$d" | sed 's/^/    /' >&2
	fi
	ip netns del "$ns" 2>/dev/null
}

if [ "$(id -u)" != 0 ]; then
	printf 'ok - canonical form in a network namespace # SKIP needs root\n'
elif [ ! -x "$XT" ]; then
	t_fail "canonical form: $XT is there (./build.sh deps builds it)"
else
	for fam in v4 v6; do
		for board in $BOARDS; do
			load_check "golden $board.$fam" "$fam" "$TOP/policy/compiled/$board.$fam"
		done
		load_check "with site file, $fam" "$fam" "site.$fam"
		load_check "rarer options, $fam" "$fam" "extra.$fam"
	done
	t_check "rate=70000/s is written as the kernel keeps it (71428/sec)" \
		grep -q -- "--hashlimit-above 71428/sec --hashlimit-burst 100000 " extra.v4
fi

# ---------------------------------------------------------------- 3. refusals

mkdir -p bad
printf 'previous rules\n' >bad/out.v4
# refused NAME EXIT MESSAGE ARGS...: fails with EXIT and MESSAGE on stderr,
# out.v4 unchanged, out.v6 not created, nothing else left in bad/
refused() {
	local name=$1 want_rc=$2 msg=$3 rc
	shift 3
	"$BIN" "$@" -4 bad/out.v4 -6 bad/out.v6 >bad.out 2>bad.err
	rc=$?
	if [ "$rc" != "$want_rc" ]; then
		t_fail "refused: $name" "exit $rc, expected $want_rc; stderr:" "$(cat bad.err)"
	elif ! grep -qF -- "$msg" bad.err; then
		t_fail "refused: $name" "expected on stderr: $msg" "got: $(cat bad.err)"
	elif [ "$(cat bad/out.v4)" != "previous rules" ] || [ -e bad/out.v6 ] ||
		[ "$(ls -A bad | tr '\n' ' ')" != "out.v4 " ] || [ -s bad.out ]; then
		t_fail "refused: $name" "an output was written: $(ls -A bad | tr '\n' ' ')"
	else
		t_pass "refused: $name"
	fi
}
ok_ifs="-i time=eth0 -i mgmt=eth1"
pol=$TOP/policy/network.policy

printf 'role time\n\nallwo time udp 123 ntp\n' >p1
refused "unknown keyword" 100 "p1:3: unknown keyword 'allwo' (expected one of: role, allow, outbound, ping)" -p p1 -i time=eth0
printf 'role time\nallow time udp 70000 ntp\n' >p2
refused "bad port" 100 "p2:2: port: expected an integer from 1 to 65535, got '70000'" -p p2 -i time=eth0
printf 'role time\nallow time udp 123 ntp rate=32 burst=64\n' >p3
refused "rate without /s" 100 "p3:2: rate= expects N/s (per second, N from 1 to 100000), got '32'" -p p3 -i time=eth0
printf 'role time\nallow time udp 123 ntp conn-total=5\n' >p4
refused "conn-total on udp" 100 "p4:2: conn-total= is for tcp services only" -p p4 -i time=eth0
printf 'role time\nallow time tcp 443 web rate=4/s\n' >p5
refused "rate without burst" 100 "p5:2: rate= without burst=" -p p5 -i time=eth0
printf 'role time\nallow mgmt tcp 443 web\n' >p6
refused "undeclared role" 100 "p6:2: unknown role 'mgmt' (declared: time)" -p p6 -i time=eth0
refused "a role without an interface" 100 "no interface for role 'mgmt' of $pol (give -i mgmt=IFNAME)" -p "$pol" -i time=eth0
refused "-i for an undeclared role" 100 "-i ssh=eth2: $pol has no role 'ssh'" -p "$pol" $ok_ifs -i ssh=eth2
refused "a bad interface name" 100 "-i mgmt=: expected an interface name" -p "$pol" -i time=eth0 -i 'mgmt=eth 1'
printf 'upstream 192.0.2.10\nserve ssh mgmt\n' >s1
refused "site: serve of an unknown service" 100 "s1:2: serve: unknown service 'ssh' (the policy's allow lines name: ntp, nts-ke, console)" -p "$pol" -s s1 $ok_ifs
printf 'serve ntp time\n' >s2
refused "site: serve where it already is" 100 "s2:1: serve: ntp is already offered on role time" -p "$pol" -s s2 $ok_ifs
printf '# resolvers\ndns 192.0.2.300\n' >s3
refused "site: a bad address" 100 "s3:2: expected an IPv4 or IPv6 address with an optional /prefix, got '192.0.2.300'" -p "$pol" -s s3 $ok_ifs
printf 'upstream 192.0.2.1/24\n' >s4
refused "site: host bits beyond the prefix" 100 "s4:1: '192.0.2.1/24' has host bits set beyond /24 (the network is 192.0.2.0/24)" -p "$pol" -s s4 $ok_ifs
refused "site: a missing site file" 111 "nosuch.conf: cannot open" -p "$pol" -s nosuch.conf $ok_ifs

out=$("$BIN" -n -p "$pol" -s "$T/site.conf" 2>&1); rc=$?
t_check "-n: a good policy and site pass silently" test "$rc" = 0 -a -z "$out"
"$BIN" -n -p "$pol" -s s3 >/dev/null 2>&1; rc=$?
t_check "-n: a bad site fails" test "$rc" = 100

# ---------------------------------------------------------------- 4. reproducible

(cd "$TOP" && "$BIN" -p policy/network.policy -s "$T/site.conf" $ok_ifs -4 "$T/again.v4" -6 "$T/again.v6")
t_check "a second run writes byte-identical IPv4 rules" cmp site.v4 again.v4
t_check "a second run writes byte-identical IPv6 rules" cmp site.v6 again.v6
(cd "$TOP" && "$BIN" -p policy/network.policy -s "$T/site.conf" $ok_ifs -4 "$T/again.v4" -6 "$T/again.v6")
t_check "rewriting over existing outputs gives the same bytes" bash -c 'cmp site.v4 again.v4 && cmp site.v6 again.v6'
(cd "$TOP" && "$BIN" -p policy/network.policy -s "$T/site.conf" $ok_ifs) >both.out
t_check "without -4/-6: IPv4 then IPv6 on stdout" bash -c 'cat site.v4 site.v6 | cmp - both.out'
t_check "no temporary files are left behind" bash -c '[ -z "$(ls -A | grep -E "\.v[46]\.[A-Za-z0-9]{6}$")" ]'

t_done
