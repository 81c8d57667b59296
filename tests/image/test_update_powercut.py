"""test_update_powercut.py - power cuts during an update never leave the
machine without a good slot.

A stick with a signed v2 bundle is inserted; the agent (updated(8))
starts installing it into slot B as soon as it runs.  The test cuts the
power (kills QEMU: what the guest did not write to its disk is lost) at a
spread of moments after the install began: while slot B is written,
while it is read back and verified, at the boot-environment switch, and
right after.  After every cut the machine is started again, stick still
inserted, and must come up: either on slot A (the old release; the agent
then starts the install again) or on slot B with the complete v2, which
boots on trial and is committed.  Both copies of the boot environment and
dm-verity decide what boots; nothing in this test helps them.

The cut points are spread over the measured length of one whole install
(the first run is not cut), so they fall in every phase on any machine.
"""
import os
import re
import time

from console import (BOARD, BOOT_FAILED, Machine, Timeout, done, fresh_disk, make_bundle,
                     next_version, not_ok, ok, release, stick_args)

rel = release()
v1, sec = rel["version"], int(rel["security"])
v2 = next_version(v1)
bundle = make_bundle("v2", v2, sec)
stick = stick_args(bundle)
disk = fresh_disk()

INSTALLING = r"updated\[\w+\] info: .*installing %s .*slot B" % re.escape(v2)
INSTALLED = r"updated\[\w+\] info: installed %s into slot B" % re.escape(v2)
CUTS = 8 if BOARD == "qemu-x86_64" else 4


def start(name):
    m = Machine(disk, no_reboot=True, name=name, extra=stick)
    m.gnss_sim()
    return m


def comes_up(m, what):
    """Wait until the machine has booted a slot and all services are ready;
    return the slot letter."""
    _, mt = m.wait(r"timegate-boot: booting slot ([AB])", 120)
    m.wait(r"timegate-initramfs: slot %s: root /dev/vda\d+ verified" % mt.group(1), 120,
           fail=BOOT_FAILED)
    m.wait(r"all services ready", 240, fail=BOOT_FAILED)
    return mt.group(1)


# One whole install, not cut, to measure how long the phases take.  The
# disk is then put back to its fresh state.
m = start("measure")
try:
    comes_up(m, "first boot")
    t0, _ = m.wait(INSTALLING, 120)
    t1, _ = m.wait(INSTALLED, 600)
    length = t1 - t0
    ok("an uncut install of v2 takes %.1f s here" % length)
except Timeout as e:
    not_ok("an uncut install of v2", str(e), *m.tail())
    m.stop()
    done()
m.stop()
disk = fresh_disk()

# Cut points: from 5 % of the install to just after its end, plus "at the
# moment the agent says the slot is written" (the boot-environment switch).
fractions = [0.05 + i * (1.0 / CUTS) for i in range(CUTS)]
tried = 0
on_b = False
for i, frac in enumerate(fractions + ["installed"]):
    m = start("cut%d" % i)
    try:
        slot = comes_up(m, "boot %d" % i)
        if slot == "B":
            on_b = True
            m.wait(r"updated\[\w+\] info: committed %s in slot B" % re.escape(v2), 400)
            ok("after cut %d the machine came up on slot B with the whole v2 and committed it" % tried)
            break
        ok("after %d cuts the machine comes up on slot A" % tried if tried else "first boot on slot A")
        t0, _ = m.wait(INSTALLING, 120)
        if frac == "installed":
            m.wait(INSTALLED, 600)
        else:
            delay = frac * length - (time.monotonic() - m.t0 - t0)
            if delay > 0:
                time.sleep(delay)
        m.proc.kill()  # the power cut
        tried += 1
    except Timeout as e:
        not_ok("boot after %d power cuts" % tried, str(e), *m.tail())
        break
    finally:
        m.stop()
ok("%d power cuts during the install tried" % tried)

if not on_b:
    # the last cut came right after "installed": the switch may or may not
    # have reached the disk; one more boot settles it either way
    m = start("final")
    try:
        slot = comes_up(m, "final boot")
        if slot == "A":
            m.wait(INSTALLED, 600)
            m.wait(r"reboot: Restarting system|reboot: machine restart", 120)
            m.stop()
            m = start("final-b")
            slot = comes_up(m, "boot into v2")
        if slot != "B":
            raise Timeout("slot %s booted where B was expected" % slot)
        m.wait(r"updated\[\w+\] info: committed %s in slot B" % re.escape(v2), 400)
        ok("after the cuts the update completes: v2 in slot B, committed")
    except Timeout as e:
        not_ok("the update after the power cuts", str(e), *m.tail())
    finally:
        m.stop()
done()
