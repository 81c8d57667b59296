#!/usr/bin/env bash
# tg-bootctl on files standing in for the bootenv0/bootenv1 partitions:
# what it writes, what it refuses, and that a torn copy 0 is survived.
. "$TOP/tests/lib.sh"
bc=$OUT/host/services-host/bin/tg-bootctl
cd "$T"
truncate -s 1M e0 e1
echo "console=ttyS0,115200 panic=5 tg.slot=B quiet" >cmdline
run() { "$bc" -e e0,e1 -k cmdline "$@"; }

out=$(run status 2>&1)
t_check "blank partitions read as defaults" grep -q 'environment: defaults (no valid copy)' <<<"$out"
t_check "defaults are order A B, 3 tries each" \
	bash -c 'grep -q "^order: A B$" <<<"$1" && grep -q "^A: 3 tries left$" <<<"$1" && grep -q "^booted: B$" <<<"$1"' _ "$out"

out=$(run mark-bad 2>&1)
t_check "mark-bad takes the booted slot's tries" grep -q 'slot B marked bad (A: 3, B: 0 tries left)' <<<"$out"
out=$(run status)
t_check "both copies now valid, copy 0 used" bash -c 'grep -q "environment: copy 0" <<<"$1" && grep -q "^B: 0 tries left$" <<<"$1"' _ "$out"
cmp -s e0 e1 && t_pass "copy 1 equals copy 0 after a write" || t_fail "copy 1 equals copy 0 after a write"

run activate B >/dev/null 2>&1
out=$(run status)
t_check "activate B: B first with 3 tries" bash -c 'grep -q "^order: B A$" <<<"$1" && grep -q "^B: 3 tries left$" <<<"$1" && grep -q "^seq: 2$" <<<"$1"' _ "$out"

# a power cut while copy 0 was written: copy 0 torn, copy 1 whole
cp e1 e1.before
run mark-bad >/dev/null 2>&1
printf 'garbage' | dd of=e0 bs=1 seek=40 conv=notrunc status=none
cp e1.before e1
out=$(run status 2>&1)
t_check "a torn copy 0 is reported and copy 1 is used" \
	bash -c 'grep -q "copy 0: bad CRC" <<<"$1" && grep -q "environment: copy 1" <<<"$1" && grep -q "^B: 3 tries left$" <<<"$1"' _ "$out"

# refusals: no slot on the command line, bad arguments
echo "console=ttyS0" >cmdline
out=$(run mark-good 2>&1); rc=$?
t_check "mark-good without tg.slot= is refused" bash -c '[ "$1" = 111 ] && grep -q "no tg.slot=A|B on the kernel command line" <<<"$2"' _ "$rc" "$out"
out=$(run activate C 2>&1); rc=$?
t_check "activate C is a usage error (exit 100)" bash -c '[ "$1" = 100 ] && grep -q "^usage: tg-bootctl" <<<"$2"' _ "$rc" "$out"
out=$("$bc" -s "$T/nosysfs" status 2>&1); rc=$?
t_check "a missing partition is named" bash -c '[ "$1" = 111 ] && grep -q "no partition named .bootenv0." <<<"$2"' _ "$rc" "$out"

# device lookup through a sysfs tree
mkdir -p sys/vda8 && printf 'DEVNAME=vda8\nPARTNAME=data\n' >sys/vda8/uevent
t_check "device NAME prints the partition's node" bash -c '[ "$("$1" -s "$2/sys" device data)" = /dev/vda8 ]' _ "$bc" "$T"
t_done
