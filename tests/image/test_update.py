"""test_update.py - a signed update end to end, and an update that fails
its health check rolling itself back.

The image boots slot A with the build's release (v1).  An "update stick"
(a removable disk holding a signed bundle, updated(8)) carries v2: the
agent installs it into slot B, switches the boot order and reboots.  Slot
B boots on trial; once its services are ready, the time service locks and
NTS answers, the agent commits it.  Then a stick with v3, whose NTS-KE
service listens on the wrong port (its services all start, but NTS-KE on
4460 does not answer): v3 installs into slot A, boots on trial, fails its
health check, and the agent marks it bad and reboots into v2 by itself.
Finally the v3 stick is offered again: the agent does not install a bundle
that already failed on this device.

Each reboot is QEMU's -no-reboot exit; the next boot is a new QEMU on the
same disk (so the stick can be taken out, as a person would).
"""
import os
import re

from console import (BOOT_FAILED, Machine, Timeout, done, fresh_disk, make_bundle, next_version,
                     not_ok, ok, release, stick_args)

rel = release()
v1, sec = rel["version"], int(rel["security"])
v2, v3 = next_version(v1), next_version(v1, 2)


def ke_on_wrong_port(rootfs):
    conf = os.path.join(rootfs, "etc", "timegate", "services", "ntsd.conf")
    with open(conf) as f:
        text = f.read()
    with open(conf, "w") as f:
        f.write(re.sub(r"^(listen tcp \S+) 4460 ", r"\1 4461 ", text, flags=re.M))
    # the trial boot's health check gives up after 60 s (updated.conf)
    with open(os.path.join(rootfs, "etc", "timegate", "updated.conf"), "a") as f:
        f.write("health-timeout 60\n")


bundle2 = make_bundle("v2", v2, sec)
bundle3 = make_bundle("v3", v3, sec, ke_on_wrong_port)
disk = fresh_disk()
READY = r"all services ready"


def boot(name, stick=None):
    m = Machine(disk, no_reboot=True, name=name, extra=stick_args(stick) if stick else ())
    m.gnss_sim()
    return m


def stage(m, what, steps, reboots=True):
    """Wait for each (pattern, timeout, ok-name) in turn on machine m; if
    reboots, the machine must then reboot by itself (QEMU exits), else it
    is powered off."""
    try:
        for step in steps:
            pattern, timeout, good = step
            m.wait(pattern, timeout, fail=BOOT_FAILED)
            if good:
                ok(good)
        return True
    except Timeout as e:
        not_ok(what, str(e), *m.tail())
        return False
    finally:
        if reboots and m.wait_exit(120) is None:
            not_ok(what + ": the machine reboots (QEMU -no-reboot exits)", *m.tail())
        m.stop()


good = stage(boot("v1-stick-v2", bundle2), "install v2 from a stick", [
    (r"timegate-boot: booting slot A", 120, None),
    (READY, 240, "v1 comes up in slot A"),
    (r"updated\[\w+\] info: .*installing %s .*slot B" % re.escape(v2), 120, None),
    (r"updated\[\w+\] info: installed %s into slot B" % re.escape(v2), 600,
     "the signed v2 bundle on the stick is verified and written into slot B"),
    (r"reboot: Restarting system|reboot: machine restart", 120, "the agent reboots into it"),
])
good = good and stage(boot("v2-trial"), "v2's trial boot", [
    (r"timegate-boot: booting slot B", 120, "U-Boot boots slot B"),
    (READY, 240, None),
    (r"updated\[\w+\] info: committed %s in slot B \(security minimum now %d\)" % (re.escape(v2), sec),
     400, "v2 passes its health check (services, time locked, NTP and NTS answer) and is committed"),
], reboots=False)
# power the committed v2 off and on again: slot B stays
good = good and stage(boot("v2-stick-v3", bundle3), "install v3", [
    (r"timegate-boot: booting slot B", 120, None),
    (r"updated\[helper\] info: slot B marked good", 240, "committed v2 boots again from slot B"),
    (r"updated\[\w+\] info: installed %s into slot A" % re.escape(v3), 600,
     "v3 is installed into slot A, never over the running slot B"),
    (r"reboot: Restarting system|reboot: machine restart", 120, None),
])
good = good and stage(boot("v3-trial"), "v3's trial boot", [
    (r"timegate-boot: booting slot A", 120, "U-Boot boots v3 in slot A on trial"),
    (READY, 240, None),
    (r"updated\[\w+\] (?:warning|error): .*health check.*NTS-KE", 240,
     "v3 fails its health check: NTS-KE does not answer"),
    (r"reboot: Restarting system|reboot: machine restart", 120,
     "the agent marks v3 bad and reboots by itself"),
])
good = good and stage(boot("back-on-v2", bundle3), "the rollback to v2", [
    (r"timegate-boot: booting slot B", 120, "U-Boot boots slot B (v2) again"),
    (r"updated\[helper\] info: slot B marked good", 240, "v2 runs and is marked good"),
    (r"updated\[\w+\] \w+: .*%s.*failed" % re.escape(v3), 120,
     "the v3 stick still inserted is not installed again: it already failed here"),
], reboots=False)
done()
