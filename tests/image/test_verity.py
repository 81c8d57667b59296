"""test_verity.py - a slot whose root was changed by one byte does not boot.

Each case flips one byte in a private copy of the disk and boots it with
-no-reboot, so the restart after the refusal ends QEMU.  dm-verity reads
through the hash tree as the initramfs mounts the root; the changed block
fails its hash and the kernel restarts at once (restart_on_corruption).
  - a byte of the squashfs data (block 0: the superblock, read at mount);
  - a byte of the dm-verity hash tree (the root hash no longer matches).
"""
from console import BOOT_FAILED, Machine, Timeout, check, done, flip_byte, fresh_disk, \
    gpt_partitions, not_ok, verity_conf


def refuses(case, offset_in_root):
    disk = fresh_disk(case + ".img")
    root_off, _ = gpt_partitions(disk)["rootA"]
    flip_byte(disk, root_off + offset_in_root)
    m = Machine(disk, no_reboot=True, name=case)
    try:
        try:
            m.wait(r"booting slot A", 60)
            _, corrupt = m.wait(r"verity: .*(data|metadata) block \d+ is corrupted", 240,
                                fail=r"all services ready")
            _, fatal = m.wait(BOOT_FAILED, 60, fail=r"all services ready")
        except Timeout as e:
            not_ok("%s: the changed root is refused" % case, str(e), *m.tail())
            return
        rc = m.wait_exit(60)
        check("%s: dm-verity reports the corrupted block and the slot does not boot" % case, rc is not None and not m.seen(r"all services ready"),
              corrupt.group(0), fatal.group(0), "QEMU exit: %s" % rc)
    finally:
        m.stop()


v = verity_conf()
refuses("data-block-0", 100)
refuses("hash-tree", int(v["hash_start_block"]) * 4096 + 5)
done()
