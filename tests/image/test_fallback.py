"""test_fallback.py - a slot that cannot come up is abandoned for the other.

Slot A's root is corrupted; the machine reboots after each failed try.
U-Boot must take A's three tries (2, 1, 0 left), then boot slot B, which
comes up and is marked good.  After a further reset U-Boot still passes
over A (0 tries) and boots B.
"""
from console import BOOT_FAILED, Machine, Timeout, done, flip_byte, fresh_disk, gpt_partitions, not_ok, ok

disk = fresh_disk()
root_off, _ = gpt_partitions(disk)["rootA"]
flip_byte(disk, root_off + 100)

m = Machine(disk)
try:
    try:
        for left in (2, 1, 0):
            m.wait(r"timegate-boot: booting slot A \(tries left now: A %d, B 3\)" % left, 240,
                   fail=r"booting slot B|all services ready")
            m.wait(BOOT_FAILED, 240, fail=r"all services ready")
        ok("slot A fails three tries, each counted by U-Boot before it starts")
        m.wait(r"timegate-boot: booting slot B \(tries left now: A 0, B 2\)", 240,
               fail=r"booting slot A")
        ok("with no tries left on A, U-Boot boots slot B")
        m.wait(r"timegate-initramfs: slot B: root /dev/vda\d+ verified", 240, fail=BOOT_FAILED)
        m.wait(r"all services ready", 240, fail=BOOT_FAILED)
        m.wait(r"updated\[helper\] info: slot B marked good \(A: 0, B: 3 tries left\)", 60)
        ok("slot B comes up and is marked good; A stays at 0 tries")
        m.qmp("system_reset")
        m.wait(r"timegate-boot: environment copy 0: order A B, A 0 tries, B 3 tries", 60)
        m.wait(r"timegate-boot: booting slot B", 30, fail=r"booting slot A")
        m.wait(r"all services ready", 240, fail=BOOT_FAILED)
        ok("after a reset, the broken slot A is still passed over for B")
    except Timeout as e:
        not_ok("fallback from a broken slot", str(e), *m.tail())
finally:
    m.stop()
done()
