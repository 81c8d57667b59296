"""test_boot.py - the image boots on its board and comes up, seen from outside.

U-Boot runs the A/B script, the initramfs verifies the root with dm-verity,
the supervisor starts every service, the slot is marked good in the boot
environment, the forwarded NTP port answers, and after a hard reset U-Boot
reads back what Linux wrote (so both ends of the boot-state format agree).
"""
import struct

from console import BOOT_FAILED, Machine, Timeout, check, done, fresh_disk, not_ok, ok, ntp_query, PORTS

BOOT_TIMEOUT = 240  # generous: TCG on a loaded 2-core machine

m = Machine(fresh_disk())
try:
    try:
        m.wait(r"timegate-boot: environment copy none: order A B, A 3 tries, B 3 tries", 60)
        ok("U-Boot runs the A/B script; a blank environment means A first, 3 tries each")
        m.wait(r"timegate-boot: booting slot A \(tries left now: A 2, B 3\)", 30)
        ok("U-Boot takes one try from slot A before starting it")
        # the watchdog is armed first, so that a hang while setting up verity resets too
        m.wait(r"timegate-initramfs: watchdog armed: 30 s", BOOT_TIMEOUT, fail=BOOT_FAILED)
        m.wait(r"timegate-initramfs: slot A: root /dev/vda\d+ verified by dm-verity", 60,
               fail=BOOT_FAILED)
        ok("the initramfs mounts slot A's root through dm-verity")
        m.wait(r"tg-supervise\[main\] info: watchdog /dev/watchdog0: timeout 30 s, fed every "
               r"10000 ms; services must be ready within 120 s", BOOT_TIMEOUT, fail=BOOT_FAILED)
        ok("the initramfs arms the hardware watchdog and the supervisor takes it over")
        t_ready, _ = m.wait(r"all services ready", BOOT_TIMEOUT, fail=BOOT_FAILED)
        ok("the supervisor reports all services ready (%.1f s after QEMU started)" % t_ready)
        m.wait(r"updated\[helper\] info: slot A marked good \(A: 3, B: 3 tries left\)", 60)
        ok("once ready, slot A is marked good (its tries restored)")
    except Timeout as e:
        not_ok("boot to services ready", str(e), *m.tail())
        raise SystemExit(done())

    check("early boot reports no warnings", not m.seen(r"rc\.boot: WARNING"),
          *m.seen(r"rc\.boot: WARNING"))
    check("no service was killed by its seccomp filter", not m.seen(r"forbidden syscall"),
          *m.seen(r"forbidden syscall"))

    reply, xmt = None, None
    for _ in range(10):
        reply, xmt = ntp_query(PORTS["ntp"])
        if reply:
            break
    if reply and len(reply) >= 48:
        mode, version = reply[0] & 7, (reply[0] >> 3) & 7
        check("NTP on the forwarded port answers a v4 client request (mode 4, v4, origin echoed)",
              mode == 4 and version == 4 and reply[24:32] == xmt,
              "reply: " + reply[:48].hex())
    else:
        not_ok("NTP on the forwarded port answers a v4 client request",
               "no reply on udp 127.0.0.1:%d" % PORTS["ntp"])

    # a hard reset (like a power cut): U-Boot must read what tg-bootctl wrote
    m.qmp("system_reset")
    try:
        m.wait(r"timegate-boot: environment copy 0: order A B, A 3 tries, B 3 tries", 60)
        ok("after a hard reset U-Boot reads Linux's write: copy 0 valid, slot A back to 3 tries")
        m.wait(r"all services ready", BOOT_TIMEOUT, fail=BOOT_FAILED)
        ok("the second boot comes up too")
    except Timeout as e:
        not_ok("reset and boot again", str(e), *m.tail())
finally:
    m.stop()
done()
