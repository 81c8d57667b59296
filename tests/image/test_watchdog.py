"""test_watchdog.py - a slot that hangs is reset by the watchdog and abandoned.

Slot A is replaced by a variant whose early boot (/etc/rc.boot) never
returns: nothing crashes and nothing reboots by itself.  The initramfs has
armed the hardware watchdog (30 s on the QEMU boards) and the supervisor
never starts to feed it, so each try ends in a watchdog reset; after three,
U-Boot boots slot B, which comes up.
"""
import os

from console import BOOT_FAILED, Machine, Timeout, done, fresh_disk, not_ok, ok, variant_slot


def hang_in_early_boot(rootfs):
    rc = os.path.join(rootfs, "etc", "rc.boot")
    with open(rc, "w") as f:
        f.write("#!/bin/sh\necho 'rc.boot: test variant: hanging here'\n"
                "while :; do sleep 1000; done\n")
    os.chmod(rc, 0o755)


disk = fresh_disk()
variant_slot(disk, "A", hang_in_early_boot)
m = Machine(disk)
try:
    try:
        for left in (2, 1, 0):
            m.wait(r"timegate-boot: booting slot A \(tries left now: A %d, B 3\)" % left, 240,
                   fail=r"booting slot B|all services ready")
            m.wait(r"timegate-initramfs: watchdog armed: 30 s", 240, fail=BOOT_FAILED)
            t_hang, _ = m.wait(r"rc\.boot: test variant: hanging here", 240, fail=BOOT_FAILED)
            t_reset, _ = m.wait(r"U-Boot 20\d\d", 120, fail=r"all services ready")
        ok("a slot hanging in early boot is reset by the watchdog, three times "
           "(last reset %.0f s after the hang began)" % (t_reset - t_hang))
        m.wait(r"timegate-boot: booting slot B \(tries left now: A 0, B 2\)", 60,
               fail=r"booting slot A")
        m.wait(r"tg-supervise\[main\] info: watchdog /dev/watchdog0: timeout 30 s", 240,
               fail=BOOT_FAILED)
        m.wait(r"all services ready", 240, fail=BOOT_FAILED)
        m.wait(r"slot B marked good", 60)
        ok("then slot B boots, its supervisor feeds the watchdog, and it is marked good")
    except Timeout as e:
        not_ok("a hanging slot is abandoned", str(e), *m.tail())
finally:
    m.stop()
done()
