#!/usr/bin/env bash
# image/mkinitrd.sh DIR OUT - a gzipped newc cpio of DIR (root-owned, sorted,
# reproducible): a slot's initramfs.  Used by image/assemble.sh and by image
# tests that build variant slots.
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 DIR OUT" >&2; exit 100; }
(cd "$1" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --reproducible --quiet) |
	gzip -9n >"$2"
