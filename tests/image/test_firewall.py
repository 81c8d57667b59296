"""test_firewall.py - the booted image, scanned from outside through both NICs.

Both NICs of the machine are tap devices in a private network namespace
on the host (qemu.sh: TG_NETDEV_TIME / TG_NETDEV_MGMT), the host side
playing the time network's gateway (10.0.2.2) and a management station
(10.0.3.2).  nmap scans every TCP port and the common UDP ports of both
interfaces, IPv4 and (link-local) IPv6: exactly the allowed services may
answer (policy/network.policy: NTP and NTS-KE on time, the console on
management; a port allowed with nothing listening answers with a reset).

Then slot A is replaced by a variant whose policy does not compile: the
console says why, the interfaces stay down (nothing answers, not even
ping) and the services still come up.
"""
import os
import subprocess
import xml.etree.ElementTree as ET

from console import BOARD, BOOT_FAILED, Machine, Timeout, check, done, fresh_disk, not_ok, ok, variant_slot

NS = "tgimg-%s-%d" % (BOARD.replace("qemu-", ""), os.getpid())
TAP_TIME, TAP_MGMT = "tgt%d" % (os.getpid() % 10000), "tgm%d" % (os.getpid() % 10000)
GUEST_TIME4, GUEST_MGMT4 = "10.0.2.15", "10.0.3.15"
# link-local addresses from the fixed MACs (EUI-64)
GUEST_TIME6 = "fe80::5054:ff:fe12:3456%" + TAP_TIME
GUEST_MGMT6 = "fe80::5054:ff:fe12:3457%" + TAP_MGMT
UDP_SCAN = "7,9,53,67,68,69,111,123,137,138,161,162,443,500,514,520,623,1900,4460,5353,11123"
BOOT_TIMEOUT = 240


def ns_run(*args, timeout=900):
    return subprocess.run(["ip", "netns", "exec", NS] + list(args), capture_output=True,
                          text=True, timeout=timeout)


def setup_net():
    subprocess.run(["ip", "netns", "add", NS], check=True)
    for tap, addr in ((TAP_TIME, "10.0.2.2/24"), (TAP_MGMT, "10.0.3.2/24")):
        ns_run("ip", "tuntap", "add", "dev", tap, "mode", "tap")
        ns_run("ip", "addr", "add", addr, "dev", tap)
        ns_run("ip", "link", "set", tap, "up")
    ns_run("ip", "link", "set", "lo", "up")


def scan(target, tcp, ports=None):
    args = ["nmap", "-n", "-Pn", "--max-retries", "1", "--min-rate", "3000", "-oX", "-"]
    if ":" in target:
        args.append("-6")
    args += ["-sS", "-p", ports or "1-65535"] if tcp else ["-sU", "-p", ports or UDP_SCAN]
    p = ns_run(*args, target)
    if p.returncode != 0:
        raise RuntimeError("nmap: " + p.stderr.strip())
    states = {int(x.get("portid")): x.find("state").get("state")
              for x in ET.fromstring(p.stdout).iter("port")}
    return sorted(port for port, st in states.items() if st in ("open", "closed"))


def boot(disk, name):
    env = {"TG_NETDEV_TIME": "tap,ifname=%s,script=no,downscript=no" % TAP_TIME,
           "TG_NETDEV_MGMT": "tap,ifname=%s,script=no,downscript=no" % TAP_MGMT}
    return Machine(disk, name=name, wrap=["ip", "netns", "exec", NS], env=env)


def broken_policy(rootfs):
    with open(os.path.join(rootfs, "etc", "timegate", "network.policy"), "a") as f:
        f.write("allow time udp 70000 broken\n")


setup_net()
try:
    m = boot(fresh_disk(), "qemu")
    try:
        try:
            m.wait(r"tg-firewall: rules loaded \(IPv4 and IPv6\)", BOOT_TIMEOUT, fail=BOOT_FAILED)
            m.wait(r"rc\.boot: early boot done", 60, fail=BOOT_FAILED)
            m.wait(r"all services ready", BOOT_TIMEOUT, fail=BOOT_FAILED)
            ok("early boot loads the firewall (IPv4 and IPv6) before the interfaces come up")
        except Timeout as e:
            not_ok("the image boots with its firewall", str(e), *m.tail())
            raise SystemExit(done())
        # the guest answers at all (through the allowed NTP port) before the silence counts
        ping = ns_run("ping", "-c", "3", "-i", "0.5", "-W", "2", GUEST_TIME4)
        check("the time interface is up: the guest answers ping (rate-limited echo is allowed)",
              ping.returncode == 0, ping.stdout)
        for target, tcp, want, what in (
                (GUEST_TIME4, True, [4460], "time interface, IPv4, all TCP ports"),
                (GUEST_TIME4, False, [123], "time interface, IPv4, common UDP ports"),
                (GUEST_MGMT4, True, [443], "management interface, IPv4, all TCP ports"),
                (GUEST_MGMT4, False, [], "management interface, IPv4, common UDP ports"),
                (GUEST_TIME6, True, [4460], "time interface, IPv6 link-local, all TCP ports"),
                (GUEST_TIME6, False, [123], "time interface, IPv6 link-local, common UDP ports"),
                (GUEST_MGMT6, True, [443], "management interface, IPv6 link-local, all TCP ports"),
                (GUEST_MGMT6, False, [], "management interface, IPv6 link-local, common UDP ports")):
            got = scan(target, tcp)
            check("scan of the %s: %s" % (what, "only %s answer" % want if want else "nothing answers"),
                  got == want, "answered: %s" % got)
    finally:
        m.stop()

    # fail closed: a policy that does not compile keeps the interfaces down
    disk = fresh_disk("broken.img")
    variant_slot(disk, "A", broken_policy)
    m = boot(disk, "qemu-broken")
    try:
        try:
            m.wait(r"network\.policy:\d+: .*70000", BOOT_TIMEOUT, fail=BOOT_FAILED)
            m.wait(r"rc\.boot: ERROR: FIREWALL NOT LOADED .*network interfaces stay down", 60,
                   fail=BOOT_FAILED)
            ok("a policy that does not compile: the console names the line and says the "
               "interfaces stay down")
            m.wait(r"all services ready", BOOT_TIMEOUT, fail=BOOT_FAILED)
            ok("the services still come up (the box stays manageable from its console)")
        except Timeout as e:
            not_ok("a broken policy fails closed", str(e), *m.tail())
            raise SystemExit(done())
        ping = ns_run("ping", "-c", "3", "-i", "0.5", "-W", "2", GUEST_TIME4)
        got = scan(GUEST_TIME4, True, "22,123,443,4460")
        check("with the firewall not loaded nothing answers on the time interface "
              "(no ping, no TCP port)", ping.returncode != 0 and got == [], ping.stdout, got)
    finally:
        m.stop()
finally:
    subprocess.run(["ip", "netns", "del", NS], capture_output=True)
done()
