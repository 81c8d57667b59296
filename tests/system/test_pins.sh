#!/usr/bin/env bash
# build.sh's pinned downloads: a file whose SHA-256 differs from its pin is
# refused with a message naming both hashes and nothing is kept; a pinned
# version the archive no longer has is named; a right pin is accepted.
# Uses build.sh's own fetch step with a one-line lock (a small Debian
# package, hostname), the project's private apt lists, a scratch download
# folder.
. "$TOP/tests/lib.sh"

fetch() { # LOCKLINE -> output of build.sh's fetch step, its status in $T/rc
	printf '%s\n' "$1" >"$T/lock"
	( source "$TOP/build.sh" && set +E && trap - ERR &&
		LOCK=$T/lock DL=$T/dl && fetch_inputs ) >"$T/out" 2>&1
	echo $? >"$T/rc"
	cat "$T/out"
}

ver=$( ( source "$TOP/build.sh"; [ -f "$APT_DIR/.updated" ] || apt_private_update
	apt_private apt-cache show hostname:amd64 ) 2>/dev/null | awk '/^Version:/ { print $2; exit }')
[ -n "$ver" ] || t_skip_all "the private apt lists have no hostname package"
file="hostname_${ver}_amd64.deb"
zero=0000000000000000000000000000000000000000000000000000000000000000

out=$(fetch "deb hostname $ver amd64 $file $zero")
if [ "$(cat "$T/rc")" != 0 ] && grep -q "pinned input $file: SHA-256 mismatch (expected $zero, got [0-9a-f]\{64\})" <<<"$out" &&
	[ ! -e "$T/dl/$file" ]; then
	t_pass "a download that does not match its pin is refused, named, and not kept"
else
	t_fail "a download that does not match its pin is refused, named, and not kept" "$out"
fi

real=$(grep -o 'got [0-9a-f]\{64\}' <<<"$out" | cut -c5-)
out=$(fetch "deb hostname $ver amd64 $file $real")
t_check "the same file with its right pin is accepted and kept" \
	bash -c '[ "$(cat "$1/rc")" = 0 ] && [ "$(sha256sum "$1/dl/$2" | cut -c1-64)" = "$3" ]' _ "$T" "$file" "$real"

out=$(fetch "deb hostname 0.0-not-in-bookworm amd64 hostname_0.0_amd64.deb $zero")
if [ "$(cat "$T/rc")" != 0 ] && grep -q "pinned package hostname:amd64=0.0-not-in-bookworm is not in the archive any more; run ./build.sh pin" <<<"$out"; then
	t_pass "a pinned version missing from the archive is named, with what to do"
else
	t_fail "a pinned version missing from the archive is named, with what to do" "$out"
fi
t_done
