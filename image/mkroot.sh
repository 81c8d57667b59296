#!/usr/bin/env bash
# image/mkroot.sh ROOTFS_DIR OUT_DIR - a slot's root image from a folder:
#   OUT_DIR/root.sqfs    squashfs (xz, all files root-owned, fixed times),
#                        padded to whole 4 KiB blocks
#   OUT_DIR/root.img     root.sqfs followed by its dm-verity hash tree
#   OUT_DIR/verity.conf  roothash, salt, data_blocks, hash_start_block
#                        (read by tg-initramfs, see tg-initramfs(8))
# Used by image/assemble.sh and by image tests that build variant slots.
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 ROOTFS_DIR OUT_DIR" >&2; exit 100; }
r=$1 o=$2
rm -f "$o/root.sqfs" "$o/root.hashtree" "$o/root.img" "$o/verity.conf"
mksquashfs "$r" "$o/root.sqfs" -all-root -noappend -no-xattrs -comp xz -quiet \
	-mkfs-time 0 -all-time 0 >/dev/null
# dm-verity: pad to whole 4 KiB blocks, hash tree right after the data;
# the salt is derived from the image, so the same tree gives the same hash
size=$(stat -c %s "$o/root.sqfs")
blocks=$(( (size + 4095) / 4096 ))
truncate -s $((blocks * 4096)) "$o/root.sqfs"
salt=$(sha256sum "$o/root.sqfs" | cut -c1-64)
roothash=$(veritysetup format --no-superblock --data-block-size=4096 --hash-block-size=4096 \
	--salt="$salt" "$o/root.sqfs" "$o/root.hashtree" | awk '/^Root hash:/ { print $3 }')
[ ${#roothash} = 64 ] || { echo "mkroot.sh: veritysetup did not report a root hash" >&2; exit 1; }
cat "$o/root.sqfs" "$o/root.hashtree" >"$o/root.img"
rm -f "$o/root.hashtree"
printf 'roothash=%s\nsalt=%s\ndata_blocks=%s\nhash_start_block=%s\n' \
	"$roothash" "$salt" "$blocks" "$blocks" >"$o/verity.conf"
