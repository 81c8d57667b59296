#!/usr/bin/env bash
# tests/system/test_updated.sh - the update agent (updated, updatectl,
# tg-bundle) end to end on the host, as root, on files standing in for
# the partitions (updated -p DIR: bootA rootA bootB rootB bootenv0
# bootenv1; no reboot is done), a kernel command line file naming the
# booted slot, a release file and a key ring of our own.
#
# A "reboot" is: stop updated, write the other tg.slot= (and that slot's
# release file) and start it again.  A "power cut" is SIGKILL to updated's
# whole process group; the page cache survives that, so what it tests is
# the order of the writes (partition, bootenv copies, state file), not
# the fsyncs.
#
# Cases, in this order (docs: services/lib/bundle.h and the design of
# issue 5; each refusal also asserts the device untouched):
#  - boot-ready on a committed slot marks it good;
#  - refused, before a byte is written: an unsigned bundle (zero
#    signature; a plain tarball), the wrong key, a revoked key (named), a
#    signature over another manifest, a manifest edited after signing,
#    truncation in the manifest and in the signature, an image bigger
#    than its slot, sizes past 2 GiB, 4 GiB and 2^40, an extra key line
#    in a signed manifest, other hardware, a security version below the
#    minimum, image targets that try to name another partition;
#  - refused while writing (the slot stays unbootable): a changed image
#    byte (first, middle, last), a cut in an image and one byte short, a
#    public key appended after the images, the file changed between
#    verification and install (the bytes are hashed as they stream);
#  - installs from a file and from stdin; a refused install while the
#    booted slot is on trial; health check against a real ntsd -> commit;
#    a replayed bundle (same and older version) refused;
#  - the anti-rollback minimum ratchets at commit, not before; a bundle
#    whose health check fails (no NTP) leaves the minimum alone and the
#    old slot first;
#  - power cuts during an install at many points: the boot environment
#    always boots the old slot or the complete new one; a torn or
#    half-written boot environment still reads as one whole state.
#
# "Untouched" (the design's definition): the active slot's partitions
# byte-identical; a refusal before BEGIN leaves the inactive slot, both
# bootenv copies and the state file byte-identical; a refusal after BEGIN
# leaves the documented invalidation (order = the booted slot only, the
# inactive slot 0 tries) and the state's security minimum and committed
# slot as they were.
#
# Environment (tests/run.sh): TOP, OUT, T.
set -u
. "$TOP/tests/lib.sh"

BIN=$OUT/host/services-host/bin
UPD=$BIN/updated
CTL=$BIN/updatectl
TGB=$BIN/tg-bundle
BC=$BIN/tg-bootctl
NTSD=$BIN/ntsd
PY=/usr/bin/python3
SURG=$TOP/tests/system/bundle_surgery.py
[ "$(id -u)" = 0 ] || t_skip_all "needs root (the helper role runs as uid 0, main drops to a user)"
for b in "$UPD" "$CTL" "$TGB" "$BC" "$NTSD"; do
	[ -x "$b" ] || t_skip_all "no $b (build services in host mode first)"
done
[ -x "$PY" ] || t_skip_all "needs /usr/bin/python3"
command -v openssl >/dev/null || t_skip_all "needs openssl"
if id ntsd >/dev/null 2>&1; then NTSD_USER=ntsd; else NTSD_USER=nobody; fi

chmod 755 "$T"
PIDS=()
UPID=
cleanup() {
	local p
	[ -n "$UPID" ] && kill -KILL -- "-$UPID" 2>/dev/null
	for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
	sleep 0.3
	for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null; done
}
trap cleanup EXIT
gone() { [ ! -e "/proc/$1" ] || grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null; }

# ---------------------------------------------------------------- the device

P=$T/part          # the partitions
STATE=$T/state     # updated's state folder
CMDLINE=$T/cmdline
REL=$T/release
RING=$T/update-keys
CONF=$T/updated.conf
SOCK=$T/run/updated.sock
mkdir -p "$P" "$STATE" "$T/run" "$T/img" "$T/b"
chmod 700 "$STATE"
truncate -s 1M "$P/bootA" "$P/bootB"
truncate -s 2M "$P/rootA" "$P/rootB"
truncate -s 16K "$P/bootenv0" "$P/bootenv1"
BOOTSZ=$((1 << 20)) ROOTSZ=$((2 << 20))
# the running slot's bytes: a known pattern the refusals must leave alone
"$PY" -c 'import sys
for p, n in ((sys.argv[1], 1 << 20), (sys.argv[2], 2 << 20)):
    open(p, "r+b").write(bytes((i * 7 + 3) & 0xff for i in range(n)))' "$P/bootA" "$P/rootA"
echo "console=ttyS0,115200 panic=5 quiet tg.slot=A" >"$CMDLINE"

# release VERSION SECURITY: the release file of the slot we "booted"
release() { printf 'version %s\nsecurity %s\ncompatible test-board\nproduct timegate\n' "$1" "$2" >"$REL"; }
release 1.0.0 2

# keys: k1 trusted, kr revoked, ku unknown to the device
for k in k1 kr ku; do
	openssl ecparam -name prime256v1 -genkey -noout -out "$T/$k.pem" 2>/dev/null ||
		{ t_fail "openssl: make key $k"; t_done; }
done
{
	echo "# test key ring"
	"$TGB" pubkey -n k1 "$T/k1.pem"
	"$TGB" pubkey -n kr "$T/kr.pem" | sed 's/^key /revoked /'
} >"$RING"
if grep -Eq '^key k1 04[0-9a-f]{128}$' "$RING" && grep -Eq '^revoked kr 04[0-9a-f]{128}$' "$RING"; then
	t_pass "tg-bundle pubkey: key ring lines \"key NAME HEX\" (65-byte point)"
else
	t_fail "tg-bundle pubkey: key ring lines" "$(cat "$RING")"
	t_done
fi

# ---------------------------------------------------------------- bundles

# image NAME BOOTBYTES ROOTBYTES: random images $T/img/NAME.boot, .root
image() {
	head -c "$2" /dev/urandom >"$T/img/$1.boot"
	head -c "$3" /dev/urandom >"$T/img/$1.root"
}
# bundle NAME VERSION SECURITY [KEY [COMPATIBLE]]: $T/b/NAME from images NAME
# (made first with default sizes if missing)
bundle() {
	[ -e "$T/img/$1.boot" ] || image "$1" 300001 1200007
	"$TGB" create -k "$T/${4:-k1}.pem" -o "$T/b/$1" -c "${5:-test-board}" -v "$2" -s "$3" \
		"$T/img/$1.boot" "$T/img/$1.root" >/dev/null 2>"$T/b/$1.err" ||
		{ t_fail "tg-bundle create $1" "$(cat "$T/b/$1.err")"; t_done; }
}
# manifest FILE VERSION SECURITY BOOTSIZE BOOTFILE ROOTSIZE ROOTFILE [EXTRA LINE]:
# a manifest text with the size fields as given (not the files' sizes)
manifest() {
	{
		printf 'format 1\nproduct timegate\ncompatible test-board\nversion %s\nsecurity %s\n' "$2" "$3"
		printf 'image boot %s %s\n' "$4" "$(sha256sum <"$5" | cut -c1-64)"
		printf 'image root %s %s\n' "$6" "$(sha256sum <"$7" | cut -c1-64)"
		[ $# -ge 8 ] && printf '%s\n' "$8"
	} >"$1"
}
# signed NAME MANIFEST [IMAGE...]: whatever MANIFEST says, signed with k1
signed() {
	local n=$1 m=$2; shift 2
	"$TGB" sign-manifest -k "$T/k1.pem" -m "$m" -o "$T/b/$n" "$@" 2>"$T/b/$n.err" ||
		{ t_fail "tg-bundle sign-manifest $n" "$(cat "$T/b/$n.err")"; t_done; }
}
parts() { "$PY" "$SURG" parts "$1"; } # ML PAYLOAD_OFFSET TOTAL
surg() { "$PY" "$SURG" "$@"; }

bundle b105 1.0.5 2
bundle b110 1.1.0 2
bundle b120 1.2.0 3
bundle b130 1.3.0 2
bundle b140 1.4.0 4
out=$("$TGB" info -K "$RING" "$T/b/b110" 2>&1)
if grep -q 'k1' <<<"$out" && grep -q '1\.1\.0' <<<"$out"; then
	t_pass "tg-bundle info -K: the signing key and the version"
else
	t_fail "tg-bundle info -K: the signing key and the version" "$out"
fi

# ---------------------------------------------------------------- updated

HEALTH_P=$(t_free_port)  # ntsd's NTP port for the health check
HEALTH_K=$(t_free_port)  # and its NTS-KE port
# conf NTP_PORT KE_PORT: updated's configuration
conf() {
	cat >"$CONF" <<-EOF
		health-timeout 30
		health-interval 1
		media no
		ntp-port $1
		ntske-port $2
		ntsd-cert $T/pki/server.pem
		time-status $T/time/status
	EOF
}
conf "$HEALTH_P" "$HEALTH_K"

ctl() { "$CTL" -s "$SOCK" "$@"; }
answers() { ctl status >/dev/null 2>&1; }
NLOG=0
# start_upd: updated in its own session (a power cut kills the group), log $LOG
start_upd() {
	NLOG=$((NLOG + 1))
	LOG=$T/updated-$NLOG.log
	setsid "$UPD" -p "$P" -k "$CMDLINE" -r "$REL" -K "$RING" -s "$SOCK" -d "$STATE" -c "$CONF" \
		2>"$LOG" &
	UPID=$!
	if ! wait_for 20 answers; then
		t_fail "updated starts and answers status" "log:" "$(cat "$LOG")"
		t_done
	fi
}
stop_upd() {
	kill -TERM "$UPID" 2>/dev/null
	wait_for 10 gone "$UPID" || kill -KILL -- "-$UPID" 2>/dev/null
	wait "$UPID" 2>/dev/null
	# the helper leaves when main's socket closes
	wait_for 10 bash -c "! pgrep -g $UPID >/dev/null" || kill -KILL -- "-$UPID" 2>/dev/null
	UPID=
}
# reboot_into SLOT VERSION SECURITY: what the boot loader and the new root do
reboot_into() {
	stop_upd
	echo "console=ttyS0,115200 panic=5 quiet tg.slot=$1" >"$CMDLINE"
	release "$2" "$3"
	start_upd
}

sha() { if [ -e "$1" ]; then sha256sum <"$1" | cut -c1-64; else echo none; fi; }
# st KEY: a value of `updatectl status`
st() { ctl status 2>/dev/null | sed -n "s/^$1 //p"; }
# sf KEY: a value of the state file (empty when absent)
sf() { [ -e "$STATE/state" ] && sed -n "s/^$1 //p" "$STATE/state"; }
# env_now [COPY0 COPY1]: "ORDER A_TRIES B_TRIES" of the boot environment
# (default: the device's), as tg-bootctl decodes it, e.g. "BA 3 0"
env_now() {
	local o
	o=$("$BC" -e "${1:-$P/bootenv0},${2:-$P/bootenv1}" -k "$CMDLINE" status 2>/dev/null)
	printf '%s %s %s\n' "$(sed -n 's/^order: //p' <<<"$o" | tr -d ' ')" \
		"$(sed -n 's/^A: \([0-3]\) tries left$/\1/p' <<<"$o")" \
		"$(sed -n 's/^B: \([0-3]\) tries left$/\1/p' <<<"$o")"
}
# boots: the slot U-Boot's script takes (first in order with tries; none: first)
boots() {
	local order a b s
	read -r order a b <<<"$(env_now)"
	for s in $(grep -o . <<<"$order"); do
		if { [ "$s" = A ] && [ "$a" -gt 0 ]; } || { [ "$s" = B ] && [ "$b" -gt 0 ]; }; then
			echo "$s"
			return
		fi
	done
	echo "${order:0:1}"
}
# slot_is SLOT NAME: the slot's partitions start with image NAME's bytes
slot_is() {
	cmp -s -n "$(stat -c %s "$T/img/$2.boot")" "$P/boot$1" "$T/img/$2.boot" &&
		cmp -s -n "$(stat -c %s "$T/img/$2.root")" "$P/root$1" "$T/img/$2.root"
}
inst() { ctl install "$1"; }
inst_stdin() { ctl install - <"$1"; }

# refuse NAME STAGE REGEX CMD...: CMD (an install) must exit 1 with REGEX in
# its message, and leave the device untouched; STAGE "pre" (refused before
# BEGIN: nothing at all written) or "post" (refused after BEGIN)
refuse() {
	local name=$1 stage=$2 re=$3 active inactive a0 b0 e0 s0 env0 min0 com0 out rc o a b ta tb
	local why=()
	shift 3
	active=$(st booted-slot)
	[ "$active" = A ] && inactive=B || inactive=A
	a0=$(sha "$P/boot$active")$(sha "$P/root$active")
	b0=$(sha "$P/boot$inactive")$(sha "$P/root$inactive")
	e0=$(sha "$P/bootenv0")$(sha "$P/bootenv1")
	s0=$(sha "$STATE/state")
	env0=$(env_now)
	min0=$(st security-min)
	com0="$(st committed-slot) $(st committed-version) $(sf security-min)"
	out=$("$@" 2>&1)
	rc=$?
	[ "$rc" = 1 ] || why+=("exit $rc, expected 1")
	grep -Eq -- "$re" <<<"$out" || why+=("message does not match /$re/")
	[ "$(sha "$P/boot$active")$(sha "$P/root$active")" = "$a0" ] ||
		why+=("the active slot $active's partitions changed")
	if [ "$stage" = pre ]; then
		[ "$(sha "$P/boot$inactive")$(sha "$P/root$inactive")" = "$b0" ] ||
			why+=("slot $inactive's partitions were written before the bundle was accepted")
		[ "$(sha "$P/bootenv0")$(sha "$P/bootenv1")" = "$e0" ] ||
			why+=("bootenv changed: $env0 -> $(env_now)")
		[ "$(sha "$STATE/state")" = "$s0" ] || why+=("state file changed")
	else
		# BEGIN's documented change: order = the booted slot only, the
		# inactive slot 0 tries; the booted slot keeps its tries
		read -r o a b <<<"$(env_now)"
		read -r _ ta tb <<<"$env0"
		if [ "$active" = A ]; then
			[ "$o" = A ] && [ "$a" = "$ta" ] && [ "$b" = 0 ] ||
				why+=("bootenv: expected order A, A $ta tries, B 0; saw order $o, A $a, B $b")
		else
			[ "$o" = B ] && [ "$b" = "$tb" ] && [ "$a" = 0 ] ||
				why+=("bootenv: expected order B, B $tb tries, A 0; saw order $o, A $a, B $b")
		fi
		[ "$(st committed-slot) $(st committed-version) $(sf security-min)" = "$com0" ] ||
			why+=("committed slot/version/security-min changed")
		[ "$(sf pending-slot)" != "$inactive" ] || why+=("a pending slot $inactive was recorded")
	fi
	[ "$(st security-min)" = "$min0" ] || why+=("security minimum $min0 -> $(st security-min)")
	answers || why+=("updated no longer answers status")
	if [ ${#why[@]} = 0 ]; then
		t_pass "refused: $name"
	else
		t_fail "refused: $name" "${why[@]}" "updatectl said: $out" "log: $(tail -5 "$LOG")"
	fi
}

start_upd
out=$(st booted-slot) && [ "$out" = A ] && [ "$(st committed-slot)" = A ] &&
	[ "$(st security-min)" = 2 ] && [ "$(st trial)" = no ] && [ "$(st booted-version)" = 1.0.0 ] &&
	t_pass "status without a state file: A booted and committed, 1.0.0, minimum from the release (2)" ||
	t_fail "status without a state file: A booted and committed, 1.0.0, minimum 2" "$(ctl status 2>&1)"

out=$(ctl boot-ready 2>&1)
rc=$?
if [ "$rc" = 0 ] && wait_for 5 grep -q 'slot A marked good (A: 3, B: 3 tries left)' "$LOG" &&
	[ "$(env_now)" = "AB 3 3" ]; then
	t_pass "boot-ready on a committed slot: marked good at once, both bootenv copies written"
else
	t_fail "boot-ready on a committed slot: marked good" "exit $rc: $out" "env: $(env_now)" "$(tail -5 "$LOG")"
fi

# ---------------------------------------------------------------- refused before BEGIN

read -r ML OFF TOTAL <<<"$(parts "$T/b/b110")"
B110_BOOT=$(stat -c %s "$T/img/b110.boot")
B110_ROOT=$(stat -c %s "$T/img/b110.root")

surg zerosig "$T/b/b110" "$T/b/zerosig"
refuse "unsigned: a zero signature" pre "signature does not verify with any of the 1 trusted keys" inst "$T/b/zerosig"
tar -C "$T/img" -cf "$T/b/plain.tar" b110.boot b110.root
refuse "unsigned: a plain tarball" pre 'not a bundle: expected magic "TGBUNDL1"' inst "$T/b/plain.tar"

bundle bku 1.1.0 2 ku
refuse "signed with a key not in the ring (ku)" pre "signature does not verify" inst "$T/b/bku"
bundle bkr 1.1.0 2 kr
refuse "signed with a revoked key: named as revoked" pre "signed by revoked key kr" inst "$T/b/bkr"

surg graft "$T/b/b105" "$T/b/b110" "$T/b/graft"
refuse "b105's signature on b110's manifest" pre "signature does not verify" inst "$T/b/graft"
surg editver "$T/b/b110" "$T/b/edited"
refuse "manifest edited after signing (one byte of version)" pre "signature does not verify" inst "$T/b/edited"

surg cut "$T/b/b110" "$T/b/cut-m" $((16 + ML / 2))
refuse "truncated in the manifest" pre "truncat|ended|short" inst "$T/b/cut-m"
surg cut "$T/b/b110" "$T/b/cut-s" $((16 + ML + 32))
refuse "truncated in the signature" pre "truncat|ended|short" inst "$T/b/cut-s"

image big 4096 $((ROOTSZ + 1))
bundle big 1.1.0 2
refuse "image bigger than the slot (root 2 MiB + 1)" pre \
	"image root is $((ROOTSZ + 1)) bytes, slot partition rootB holds $ROOTSZ" inst "$T/b/big"

# sizes that wrap in 32 bits to the number of bytes actually sent
image ovf 4096 2048
for sz in $(( (1 << 31) + 2048 )) $(( (1 << 32) + 2048 )); do
	manifest "$T/b/ovf-$sz.m" 1.1.0 2 4096 "$T/img/ovf.boot" "$sz" "$T/img/ovf.root"
	signed "ovf-$sz" "$T/b/ovf-$sz.m" "$T/img/ovf.boot" "$T/img/ovf.root"
	refuse "size field $sz (2048 modulo 2^32, signed)" pre \
		"image root is $sz bytes, slot partition rootB holds $ROOTSZ" inst "$T/b/ovf-$sz"
done
head -c 1 "$T/img/ovf.root" >"$T/img/one"
manifest "$T/b/ovf40.m" 1.1.0 2 4096 "$T/img/ovf.boot" $(( (1 << 40) + 1 )) "$T/img/one"
signed ovf40 "$T/b/ovf40.m" "$T/img/ovf.boot" "$T/img/one"
refuse "size field 2^40+1 (signed)" pre "size above 2\^40" inst "$T/b/ovf40"

manifest "$T/b/xkey.m" 1.1.0 2 "$B110_BOOT" "$T/img/b110.boot" "$B110_ROOT" "$T/img/b110.root" \
	"$("$TGB" pubkey -n ku "$T/ku.pem")"
signed xkey "$T/b/xkey.m" "$T/img/b110.boot" "$T/img/b110.root"
refuse "an extra \"key\" line in a signed manifest" pre \
	'manifest line 8: expected the end of the manifest, saw "key ku .*unknown key' inst "$T/b/xkey"

bundle other 1.1.0 2 k1 other-board
refuse "other hardware (compatible other-board)" pre "made for other-board, this device is test-board" \
	inst "$T/b/other"
bundle down 1.1.0 1
refuse "security version below the minimum (1 < 2)" pre \
	"security version 1 is below this device's minimum 2 \(anti-rollback\)" inst "$T/b/down"

for tgt in ../rootA rootA /dev/sda boot/../../x; do
	manifest "$T/b/esc.m" 1.1.0 2 "$B110_BOOT" "$T/img/b110.boot" "$B110_ROOT" "$T/img/b110.root"
	sed -i "s|^image root |image $tgt |" "$T/b/esc.m"
	signed esc "$T/b/esc.m" "$T/img/b110.boot" "$T/img/b110.root"
	refuse "image target \"$tgt\" (signed)" pre 'image targets are "boot" then "root", nothing else' \
		inst "$T/b/esc"
done

# ---------------------------------------------------------------- refused while writing

surg flip "$T/b/b110" "$T/b/flip0" "$OFF"
refuse "image bytes changed: first byte" post "image boot: SHA-256 does not match the signed manifest" \
	inst "$T/b/flip0"
MID=$(( OFF + (B110_BOOT + B110_ROOT) / 2 ))
[ $(( MID - OFF )) -lt "$B110_BOOT" ] && MIDIMG=boot || MIDIMG=root
surg flip "$T/b/b110" "$T/b/flipm" "$MID"
refuse "image bytes changed: middle byte" post "image $MIDIMG: SHA-256 does not match the signed manifest" \
	inst "$T/b/flipm"
surg flip "$T/b/b110" "$T/b/flipl" $((TOTAL - 1))
refuse "image bytes changed: last byte" post "image root: SHA-256 does not match the signed manifest" \
	inst "$T/b/flipl"

surg cut "$T/b/b110" "$T/b/cut-i" $((OFF + B110_BOOT + B110_ROOT / 2))
refuse "truncated in the middle of an image" post \
	"bundle truncated: image root ended at byte $((B110_ROOT / 2)) of $B110_ROOT" inst "$T/b/cut-i"
surg cut "$T/b/b110" "$T/b/cut-1" $((TOTAL - 1))
refuse "truncated: one byte short" post \
	"bundle truncated: image root ended at byte $((B110_ROOT - 1)) of $B110_ROOT" inst "$T/b/cut-1"

openssl ec -in "$T/ku.pem" -pubout -out "$T/ku.pub" 2>/dev/null
surg append "$T/b/b110" "$T/ku.pub" "$T/b/xcert"
refuse "an untrusted public key appended after the images" post \
	"$(stat -c %s "$T/ku.pub") bytes after the last image" inst "$T/b/xcert"

# the file changed between verification and install: the first half of
# the images from the signed bundle, the rest from a changed copy once
# updated is writing
surg flip "$T/b/b110" "$T/b/b110x" $((TOTAL - 100))
toctou() { "$PY" "$SURG" swap "$T/b/b110" "$T/b/b110x" $((OFF + B110_BOOT + B110_ROOT / 2)) "$CTL" "$SOCK" | ctl install -; }
refuse "the bundle changed after verification, while it streams" post \
	"image root: SHA-256 does not match the signed manifest" toctou

# ---------------------------------------------------------------- installs

# check_installed NAME VERSION SLOT UPDATECTL_OUTPUT RC: what is wrong, one per line
check_installed() {
	local o a b t
	[ "$5" = 0 ] || echo "exit $5"
	grep -q "installed $2 into slot $3; it starts at the next boot" <<<"$4" || echo "no \"installed\" message"
	slot_is "$3" "$1" || echo "slot $3's partitions are not the images"
	read -r o a b <<<"$(env_now)"
	[ "$3" = A ] && t=$a || t=$b
	[ "${o:0:1}" = "$3" ] && [ "$t" = 3 ] || echo "bootenv: expected $3 first with 3 tries, saw order $o, A $a, B $b"
	[ "$(sf pending-slot)" = "$3" ] && [ "$(sf pending-version)" = "$2" ] || echo "state: no pending $3 $2"
	[ "$(st pending-slot)" = "$3" ] && [ "$(st pending-version)" = "$2" ] || echo "status: no pending $3 $2"
}
out=$(inst "$T/b/b105" 2>&1)
why=$(check_installed b105 1.0.5 B "$out" $?)
[ -z "$why" ] && t_pass "install 1.0.5 from a file: slot B written, B first with 3 tries, pending in state and status" ||
	t_fail "install 1.0.5 from a file" "$why" "updatectl: $out" "$(tail -5 "$LOG")"
{ [ "$(sf security-min)" = 2 ] || [ -z "$(sf security-min)" ]; } && [ "$(st security-min)" = 2 ] &&
	t_pass "the security minimum does not change at install" ||
	t_fail "the security minimum does not change at install" "state: $(cat "$STATE/state" 2>&1)"

out=$(inst_stdin "$T/b/b110" 2>&1)
why=$(check_installed b110 1.1.0 B "$out" $?)
[ -z "$why" ] && t_pass "install 1.1.0 from stdin over the pending 1.0.5: slot B is 1.1.0, pending 1.1.0" ||
	t_fail "install 1.1.0 from stdin" "$why" "updatectl: $out" "$(tail -5 "$LOG")"
grep -q '^progress ' <<<"$out" && t_pass "updatectl install shows progress lines" ||
	t_fail "updatectl install shows progress lines" "$out"

# ---------------------------------------------------------------- trial boot, health, commit

t_pki "$T/pki" || { t_fail "openssl: test certificates"; t_done; }
chown -R "$NTSD_USER" "$T/pki"
mkdir -p "$T/time" "$T/keys"
chmod 755 "$T/time"
chown "$NTSD_USER" "$T/keys"
chmod 700 "$T/keys"
"$PY" -c 'import sys; sys.path.insert(0, sys.argv[1])
from tgtest import write_status_forever
write_status_forever(sys.argv[2])' "$TOP/tests/system" "$T/time/status" &
PIDS+=("$!")
cat >"$T/ntsd.conf" <<EOF
listen-ntp 127.0.0.1 $HEALTH_P
listen-ke 127.0.0.1 $HEALTH_K
nts-port $HEALTH_P
tls-cert $T/pki/server.pem
tls-key $T/pki/server.key
cookie-keys $T/keys/cookie-keys
status-file $T/time/status
user $NTSD_USER
EOF
: >"$T/ntsd.ready"
TG_NOTIFY_FD=5 "$NTSD" -f "$T/ntsd.conf" 5>"$T/ntsd.ready" 2>"$T/ntsd.log" &
NTSD_PID=$!
PIDS+=("$NTSD_PID")
wait_for 30 grep -qx ready "$T/ntsd.ready" || { t_fail "ntsd for the health check" "$(cat "$T/ntsd.log")"; t_done; }

reboot_into B 1.1.0 2
[ "$(st booted-slot)" = B ] && [ "$(st trial)" = yes ] && [ "$(st pending-slot)" = B ] &&
	t_pass "rebooted into B: status shows a trial boot of the pending slot" ||
	t_fail "rebooted into B: trial boot" "$(ctl status 2>&1)"
bundle b150 1.5.0 2
refuse "an install while the booted slot is on trial" pre "trial" inst "$T/b/b150"
before=$(env_now)
out=$(ctl mark-good 2>&1)
rc=$?
[ "$rc" = 1 ] && [ "$(env_now)" = "$before" ] && [ "$(st trial)" = yes ] &&
	t_pass "updatectl mark-good on a trial boot: refused (exit 1), the health check decides" ||
	t_fail "updatectl mark-good on a trial boot: refused" "exit $rc: $out" "bootenv $before -> $(env_now)"

out=$(ctl boot-ready 2>&1)
rc=$?
if [ "$rc" = 0 ] && wait_for 40 grep -q 'committed 1.1.0 in slot B (security minimum now 2)' "$LOG" &&
	[ "$(st committed-slot)" = B ] && [ "$(st committed-version)" = 1.1.0 ] && [ "$(st trial)" = no ] &&
	[ "$(sf committed-slot)" = B ] && [ "$(sf security-min)" = 2 ] && [ -z "$(sf pending-slot)" ]; then
	t_pass "boot-ready on the trial slot: health check (timed locked, NTP, NTS-KE) passes, 1.1.0 committed in B"
else
	t_fail "boot-ready on the trial slot: committed" "exit $rc: $out" "status: $(ctl status 2>&1)" \
		"state: $(cat "$STATE/state" 2>&1)" "log: $(tail -20 "$LOG")"
fi
read -r o a b <<<"$(env_now)"
[ "${o:0:1}" = B ] && [ "$b" = 3 ] && t_pass "after the commit B boots first with 3 tries" ||
	t_fail "after the commit B boots first with 3 tries" "bootenv: $o A $a B $b"

refuse "replayed: the same 1.1.0 again" pre "version 1.1.0 is not newer than the running 1.1.0" inst "$T/b/b110"
refuse "replayed: the older signed 1.0.5" pre "version 1.0.5 is not newer than the running 1.1.0" inst "$T/b/b105"

# ---------------------------------------------------------------- anti-rollback ratchet

out=$(inst "$T/b/b120" 2>&1)
why=$(check_installed b120 1.2.0 A "$out" $?)
[ "$(sf security-min)" = 2 ] && [ "$(st security-min)" = 2 ] ||
	why+=$'\n'"security minimum moved before the commit: $(sf security-min)"
[ -z "$why" ] && t_pass "install 1.2.0 (security 3) into A: pending; the minimum stays 2 until the commit" ||
	t_fail "install 1.2.0 (security 3) into A" "$why" "updatectl: $out" "$(tail -5 "$LOG")"
reboot_into A 1.2.0 3
ctl boot-ready >/dev/null 2>&1
wait_for 40 grep -q 'committed 1.2.0 in slot A (security minimum now 3)' "$LOG" &&
	[ "$(sf security-min)" = 3 ] && [ "$(st security-min)" = 3 ] &&
	t_pass "1.2.0 committed in A: the minimum ratchets to 3" ||
	t_fail "1.2.0 committed in A: minimum 3" "state: $(cat "$STATE/state" 2>&1)" "log: $(tail -20 "$LOG")"
refuse "a newer version (1.3.0) with security 2, below the ratcheted minimum 3" pre \
	"security version 2 is below this device's minimum 3 \(anti-rollback\)" inst "$T/b/b130"

# operator commands on the committed A, with B holding the committed-before 1.1.0
out=$(ctl rollback 2>&1)
rc=$?
read -r o a b <<<"$(env_now)"
[ "$rc" = 0 ] && [ "${o:0:1}" = B ] && [ "$b" = 3 ] && grep -q 'rollback: slot B boots next' "$LOG" &&
	t_pass "updatectl rollback: slot B (1.1.0, committed before) boots next with 3 tries" ||
	t_fail "updatectl rollback: B boots next" "exit $rc: $out" "bootenv: $o A $a B $b" "$(tail -3 "$LOG")"
out=$(ctl mark-bad 2>&1)
rc=$?
read -r o a b <<<"$(env_now)"
[ "$rc" = 0 ] && [ "$a" = 0 ] && [ "${o:0:1}" = B ] && grep -q 'slot A marked bad' "$LOG" &&
	t_pass "updatectl mark-bad: the booted slot A has no tries left, B boots next" ||
	t_fail "updatectl mark-bad: A 0 tries, B first" "exit $rc: $out" "bootenv: $o A $a B $b" "$(tail -3 "$LOG")"
out=$(ctl mark-good 2>&1)
rc=$?
read -r o a b <<<"$(env_now)"
[ "$rc" = 0 ] && [ "$a" = 3 ] && grep -q 'slot A marked good' "$LOG" &&
	t_pass "updatectl mark-good: the booted slot A has its 3 tries again" ||
	t_fail "updatectl mark-good: A 3 tries" "exit $rc: $out" "bootenv: $o A $a B $b" "$(tail -3 "$LOG")"
out=$(ctl frobnicate 2>&1)
rc=$?
[ "$rc" = 100 ] && grep -qi 'usage' <<<"$out" && answers &&
	t_pass "updatectl with an unknown command: usage, exit 100" ||
	t_fail "updatectl unknown command: exit 100" "exit $rc: $out"

# health failure: 1.4.0 (security 4) into B, booted with no NTP/NTS-KE answering
out=$(inst "$T/b/b140" 2>&1)
why=$(check_installed b140 1.4.0 B "$out" $?)
[ "$(sf security-min)" = 3 ] || why+=$'\n'"security minimum moved before the commit: $(sf security-min)"
[ -z "$why" ] && t_pass "install 1.4.0 (security 4) into B" ||
	t_fail "install 1.4.0 (security 4) into B" "$why" "updatectl: $out" "$(tail -5 "$LOG")"
conf "$(t_free_port)" "$(t_free_port)" # nothing listens there
reboot_into B 1.4.0 4
ctl boot-ready >/dev/null 2>&1
failed() { [ -z "$(sf pending-slot)" ] && [ -n "$(sf failed-bundle)" ]; }
if wait_for 50 failed; then
	why=()
	grep -Eiq 'health.*(ntp|nts)|(ntp|nts).*(fail|timed out|timeout|no answer)' "$LOG" ||
		why+=("the log does not name the NTP/NTS-KE check")
	grep -q 'test mode: not rebooting' "$LOG" || why+=("no \"test mode: not rebooting\"")
	[ "$(sf security-min)" = 3 ] || why+=("security minimum $(sf security-min), expected 3")
	[ "$(sf committed-slot)" = A ] || why+=("committed slot $(sf committed-slot), expected A")
	grep -Eq '^[0-9a-f]{64}$' <<<"$(sf failed-bundle)" || why+=("failed-bundle is not a SHA-256")
	read -r o a b <<<"$(env_now)"
	[ "${o:0:1}" = A ] && [ "$b" = 0 ] && [ "$a" -gt 0 ] || why+=("bootenv: order $o A $a B $b, expected A first, B 0")
	grep -qi 'fail' <<<"$(st last-result)" || why+=("status last-result: $(st last-result)")
	[ ${#why[@]} = 0 ] && t_pass "health check fails (no NTP): logged, bundle recorded failed, B 0 tries, A first, minimum still 3" ||
		t_fail "health check fails: rolled back" "${why[@]}" "log: $(tail -20 "$LOG")"
else
	t_fail "health check fails within health-timeout 30 s" "state: $(cat "$STATE/state" 2>&1)" "log: $(tail -20 "$LOG")"
fi
# B failed its trial (0 tries, never committed): nothing to roll back to
reboot_into A 1.2.0 3
before=$(env_now)
out=$(ctl rollback 2>&1)
rc=$?
[ "$rc" = 1 ] && [ "$(env_now)" = "$before" ] &&
	t_pass "updatectl rollback to a slot that cannot boot (B failed, 0 tries): refused (exit 1), boot order unchanged" ||
	t_fail "updatectl rollback to a failed slot: refused" "exit $rc: $out" "bootenv $before -> $(env_now)"
stop_upd

# ---------------------------------------------------------------- power cuts

# a fresh device: A committed (1.0.0), B holding an older complete image;
# install 1.1.0 into B through a slow pipe and cut the power at N points
rm -rf "$STATE" && mkdir -p "$STATE" && chmod 700 "$STATE"
echo "console=ttyS0,115200 panic=5 quiet tg.slot=A" >"$CMDLINE"
release 1.0.0 2
image old 300001 1200007
cp "$T/img/old.boot" "$P/bootB" && truncate -s 1M "$P/bootB"
cp "$T/img/old.root" "$P/rootB" && truncate -s 2M "$P/rootB"
truncate -s 0 "$P/bootenv0" "$P/bootenv1" && truncate -s 16K "$P/bootenv0" "$P/bootenv1"
"$BC" -e "$P/bootenv0,$P/bootenv1" -k "$CMDLINE" mark-good >/dev/null 2>&1
mkdir -p "$T/base"
cp "$P/bootenv0" "$P/bootenv1" "$P/bootB" "$P/rootB" "$T/base/"
image pc 262144 1048576
bundle pc 1.1.0 2
restore() {
	cp "$T/base/bootenv0" "$T/base/bootenv1" "$T/base/bootB" "$T/base/rootB" "$P/"
	rm -rf "$STATE" && mkdir -p "$STATE" && chmod 700 "$STATE"
}
feed() { "$PY" "$SURG" slow "$T/b/pc" 65536 0.02 | ctl install - >/dev/null 2>&1; }

# one whole install through the pipe: how long a cut window is
start_upd
t0=$(date +%s%N)
feed
rc=$?
t1=$(date +%s%N)
stop_upd
SPAN_MS=$(( (t1 - t0) / 1000000 ))
if [ "$rc" = 0 ] && slot_is B pc && [ "$(boots)" = B ]; then
	cp "$P/bootenv0" "$T/base/new0"
	cp "$P/bootenv1" "$T/base/new1"
else
	t_fail "power cuts: an uncut install through the slow pipe" "exit $rc" "log: $(tail -5 "$LOG")"
	t_done
fi

# old: the old slot boots (untouched: before BEGIN; invalidated: B being
# written, 0 tries); new: B first with 3 tries and both images complete
CUTS=24 old=0 untouched=0 invalidated=0 new=0 bad=()
for i in $(seq 0 $((CUTS - 1))); do
	restore
	start_upd
	feed &
	FEED=$!
	# cut points spread over the install and a little past its end
	sleep "$("$PY" -c "print($SPAN_MS * 1.15 * ($i + 0.5) / $CUTS / 1000)")"
	kill -KILL -- "-$UPID" 2>/dev/null
	wait "$UPID" 2>/dev/null
	wait "$FEED" 2>/dev/null
	UPID=
	read -r o a b <<<"$(env_now)"
	s=$(boots)
	if [ "$s" = A ] && [ "$a" -gt 0 ]; then
		old=$((old + 1))
		[ "$b" = 0 ] && invalidated=$((invalidated + 1)) || untouched=$((untouched + 1))
		# B may keep tries only while it holds one whole image, old or new
		if [ "$b" -gt 0 ] && ! slot_is B old && ! slot_is B pc; then
			bad+=("cut $i: B has $b tries but holds a partial image (order $o)")
		fi
	elif [ "$s" = B ] && [ "$b" = 3 ] && slot_is B pc; then
		new=$((new + 1))
	else
		bad+=("cut $i: boots $s (order $o, A $a, B $b tries), B complete: $(slot_is B pc && echo yes || echo no)")
	fi
done
if [ ${#bad[@]} = 0 ] && [ $((old + new)) = "$CUTS" ]; then
	t_pass "power cuts: $CUTS cut points during an install: $old boot the old slot ($untouched before the first write, $invalidated with B half-written and 0 tries), $new the complete new slot"
else
	t_fail "power cuts: $CUTS cut points, each boots the old slot or the complete new one" "${bad[@]}"
fi
restore
start_upd
answers && [ "$(st booted-slot)" = A ] && t_pass "power cuts: updated starts again on the cut device" ||
	t_fail "power cuts: updated starts again" "$(tail -5 "$LOG")"
stop_upd

# the bootenv switch itself cut: "before" = A first, "new" = B first (from
# the uncut install above); copy 0 is written first, then copy 1
bcstat() { "$BC" -e "$P/bootenv0,$P/bootenv1" -k "$CMDLINE" status 2>&1; }
torn() { "$PY" -c 'import os, sys
f = open(sys.argv[1], "r+b"); f.seek(0x2000); f.write(os.urandom(64))' "$1"; }
OLDENV=$(env_now "$T/base/bootenv0" "$T/base/bootenv1")
NEWENV=$(env_now "$T/base/new0" "$T/base/new1")
cp "$T/base/new0" "$P/bootenv0"
cp "$T/base/bootenv1" "$P/bootenv1"
out=$(bcstat)
grep -q '^environment: copy 0$' <<<"$out" && [ "$(env_now)" = "$NEWENV" ] && [ "$(boots)" = B ] &&
	t_pass "bootenv: copy 0 written, copy 1 not yet: copy 0 (the new state, B first) is used" ||
	t_fail "bootenv: copy 0 written, copy 1 not: copy 0 used" "$out" "expected $NEWENV"
cp "$T/base/new0" "$P/bootenv0"
torn "$P/bootenv0"
out=$(bcstat)
grep -q 'copy 0: bad CRC' <<<"$out" && grep -q '^environment: copy 1$' <<<"$out" &&
	[ "$(env_now)" = "$OLDENV" ] && [ "$(boots)" = A ] &&
	t_pass "bootenv: copy 0 torn (random bytes in the middle): copy 1 (the old state, A first) is used" ||
	t_fail "bootenv: copy 0 torn: copy 1 used" "$out" "expected $OLDENV"
start_upd
[ "$(st order | tr -d ' ')" = "${OLDENV%% *}" ] && [ "$(st booted-slot)" = A ] &&
	t_pass "bootenv: updated reads the same (old) state from the torn pair" ||
	t_fail "bootenv: updated reads the torn pair as $OLDENV" "$(ctl status 2>&1)"
stop_upd
cp "$T/base/new0" "$P/bootenv0"
torn "$P/bootenv1"
out=$(bcstat)
grep -q '^environment: copy 0$' <<<"$out" && [ "$(env_now)" = "$NEWENV" ] && [ "$(boots)" = B ] &&
	t_pass "bootenv: copy 1 torn after copy 0 was written: copy 0 (the new state) is used" ||
	t_fail "bootenv: copy 1 torn: copy 0 used" "$out" "expected $NEWENV"

t_done
