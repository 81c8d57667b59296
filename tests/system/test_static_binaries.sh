#!/usr/bin/env bash
# Every program in each board's root filesystem and initramfs is a static
# musl binary for the board's architecture: no program interpreter, no
# shared-library dependencies, no glibc symbol versions.
. "$TOP/tests/lib.sh"

for board in qemu-x86_64 qemu-aarch64; do
	. "$TOP/board/$board/board.conf"
	case $BOARD_ARCH in x86_64) machine="X86-64" ;; aarch64) machine="AArch64" ;; esac
	work=$OUT/work/$board
	[ -d "$work/rootfs" ] || { t_fail "$board: root filesystem assembled" "missing $work/rootfs"; continue; }
	n=0 bad=()
	while IFS= read -r -d '' f; do
		head -c 4 "$f" | grep -q $'\x7fELF' || continue
		case $f in *.ko) continue ;; esac
		n=$((n + 1))
		hdr=$(readelf -h -l -d "$f" 2>&1)
		grep -q "Machine:.*$machine" <<<"$hdr" || bad+=("$f: not $machine")
		grep -q 'INTERP' <<<"$hdr" && bad+=("$f: has a program interpreter (dynamically linked)")
		grep -q '(NEEDED)' <<<"$hdr" && bad+=("$f: needs shared libraries")
		grep -aq 'GLIBC_' "$f" && bad+=("$f: carries glibc symbol versions")
		file -b "$f" | grep -Eq 'statically linked|static-pie linked' || bad+=("$f: file(1) says: $(file -b "$f")")
	done < <(find "$work/rootfs" "$work/initramfs" -type f -print0)
	if [ ${#bad[@]} -eq 0 ] && [ "$n" -gt 0 ]; then
		t_pass "$board: all $n programs are static $BOARD_ARCH binaries"
	else
		t_fail "$board: all programs are static $BOARD_ARCH binaries" "${bad[@]}" "checked $n"
	fi
done
t_done
