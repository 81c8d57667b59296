"""firewall_netns.py - the compiled network policy, proven from outside.

Run by test_firewall_netns.sh (as root).  Three network namespaces stand
for the appliance and its two networks:

    client (10.9.1.2-.5, fd00:9:1::2-5)  --veth--  eth0  box  eth1  --veth--  admin (10.9.2.2-.6, fd00:9:2::2-6)
                                              time network    management network

In "box" the real tg-firewall script compiles policy/network.policy with
the real tg-netpolicy and loads it with the image's own static iptables
(xtables-legacy-multi), under the interface names the QEMU boards use.
Listeners in "box" answer on many TCP and UDP ports (the allowed ones and
common others), so that a silent port is silent because of the rules, not
because nothing listens.  nmap scans every TCP port and the common UDP
ports of both roles, IPv4 and IPv6, from the peers; exactly the allowed
services must answer.  Then: outbound only to the listed upstream, per-
source limits, connection caps, ping limits, and a reload under load that
never opens a window.
"""
import os
import re
import signal
import socket
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

TOP, OUT, T = os.environ["TOP"], os.environ["OUT"], os.environ["T"]
XT = os.path.join(OUT, "x86_64", "deps", "bin", "xtables-legacy-multi")
NETPOLICY = os.environ.get("TG_NETPOLICY_BIN",
                           os.path.join(OUT, "host", "services-host", "bin", "tg-netpolicy"))
FIREWALL = os.path.join(TOP, "rootfs", "usr", "sbin", "tg-firewall")
TAG = "tgfw%d" % os.getpid()
NS = {"box": TAG + "-box", "client": TAG + "-cli", "admin": TAG + "-adm"}

BOX_TIME4, BOX_TIME6 = "10.9.1.1", "fd00:9:1::1"
BOX_MGMT4, BOX_MGMT6 = "10.9.2.1", "fd00:9:2::1"
UPSTREAM4, UPSTREAM6 = "10.9.1.3", "fd00:9:1::3"      # listed in the site file
STRANGER4, STRANGER6 = "10.9.1.4", "fd00:9:1::4"      # not listed
# what listens in the box: the allowed services and a few others of each kind
BOX_TCP = [21, 22, 23, 25, 53, 80, 111, 123, 443, 4460, 5000, 8080, 8443, 9100]
BOX_UDP = [53, 67, 69, 123, 161, 514, 1900, 4460, 5353, 11123]
UDP_SCAN = ("7,9,53,67,68,69,111,123,135,137,138,139,161,162,177,443,500,514,520,"
            "623,631,1434,1900,4460,4500,5060,5353,11123,27015,49152")

failed = 0


def ok(name):
    print("ok - " + name, flush=True)


def not_ok(name, *detail):
    global failed
    failed += 1
    print("not ok - " + name, flush=True)
    for d in detail:
        print("  " + str(d), file=sys.stderr, flush=True)


def check(name, cond, *detail):
    (ok if cond else lambda n: not_ok(n, *detail))(name)
    return cond


def run(*args, ns=None, check_rc=True, env=None, timeout=300):
    cmd = (["ip", "netns", "exec", NS[ns]] if ns else []) + [str(a) for a in args]
    p = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout)
    if check_rc and p.returncode != 0:
        raise RuntimeError("%s: exit %d: %s" % (" ".join(cmd), p.returncode, p.stderr.strip()))
    return p


# ------------------------------------------------------------------ helpers run inside a namespace
LISTENER = r"""
import socket, select, sys
tcp = [int(p) for p in sys.argv[1].split(",") if p]
udp = [int(p) for p in sys.argv[2].split(",") if p]
addrs = sys.argv[3].split(",")   # "::" (IPv6 and IPv4) or addresses, so replies come from them
socks, held = {}, []
def sock(a, kind):
    s = socket.socket(socket.AF_INET6 if ":" in a else socket.AF_INET, kind)
    if a == "::":
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    return s
for a in addrs:
    for p in tcp:
        s = sock(a, socket.SOCK_STREAM); s.bind((a, p)); s.listen(512); socks[s.fileno()] = (s, "tcp")
    for p in udp:
        s = sock(a, socket.SOCK_DGRAM); s.bind((a, p)); socks[s.fileno()] = (s, "udp")
print("ready", flush=True)
while True:
    r, _, _ = select.select(list(socks), [], [])
    for fd in r:
        s, kind = socks[fd]
        if kind == "tcp":
            c, _ = s.accept(); held.append(c)   # held open: connection caps count them
        else:
            try:
                _, a = s.recvfrom(2048)
                s.sendto(b"\x24" + bytes(47), a)  # any 48-byte answer
            except OSError:
                pass
"""


def start_listener(ns, tcp, udp, addrs=("::",)):
    p = subprocess.Popen(["ip", "netns", "exec", NS[ns], sys.executable, "-c", LISTENER,
                          ",".join(map(str, tcp)), ",".join(map(str, udp)), ",".join(addrs)],
                         stdout=subprocess.PIPE, text=True)
    if p.stdout.readline().strip() != "ready":
        raise RuntimeError("listener in %s did not start" % ns)
    return p


UDP_PROBE = r"""
import socket, sys, time
src, dst, port, n, wait = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
fam = socket.AF_INET6 if ":" in dst else socket.AF_INET
s = socket.socket(fam, socket.SOCK_DGRAM)
if src != "-":
    s.bind((src, 0))
req = b"\x23" + bytes(47)
for _ in range(n):
    try:
        s.sendto(req, (dst, port))
    except OSError:
        pass
s.settimeout(wait)
got = 0
end = time.monotonic() + wait
while time.monotonic() < end:
    try:
        s.settimeout(max(0.01, end - time.monotonic())); s.recv(2048); got += 1
    except OSError:
        pass
print(got)
"""


PAIR_PROBE = r"""
import socket, sys, time
a, b, dst, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
fam = socket.AF_INET6 if ":" in dst else socket.AF_INET
sa, sb = socket.socket(fam, socket.SOCK_DGRAM), socket.socket(fam, socket.SOCK_DGRAM)
sa.bind((a, 0)); sb.bind((b, 0))
req = b"\x23" + bytes(47)
for _ in range(n):
    sa.sendto(req, (dst, 123))
for _ in range(20):
    sb.sendto(req, (dst, 123))
got = []
for s in (sa, sb):
    s.settimeout(0.3); c = 0
    try:
        while True:
            s.recv(2048); c += 1
    except OSError:
        pass
    got.append(c)
print(got[0], got[1])
"""


def udp_pair(dst, a, b, n=400):
    """n requests from a, then at once 20 from b: answers to each."""
    out = run(sys.executable, "-c", PAIR_PROBE, a, b, dst, n, ns="client").stdout.split()
    return int(out[0]), int(out[1])


def udp_answers(ns, dst, port, n=3, src="-", wait=1.0):
    """Send n requests at once from ns; how many answers came back."""
    p = run(sys.executable, "-c", UDP_PROBE, src, dst, port, n, wait, ns=ns)
    return int(p.stdout.strip())


TCP_CONNECT = r"""
import socket, sys, time
src, dst, port, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
fam = socket.AF_INET6 if ":" in dst else socket.AF_INET
held, res = [], []
for _ in range(n):
    s = socket.socket(fam, socket.SOCK_STREAM); s.settimeout(1.5)
    if src != "-":
        s.bind((src, 0))
    try:
        s.connect((dst, port)); res.append("ok"); held.append(s)
    except ConnectionRefusedError:
        res.append("refused")
    except OSError:
        res.append("timeout")
print(" ".join(res), flush=True)
sys.stdin.read()   # keep the connections open until told
"""


def tcp_connects(ns, dst, port, n, src="-"):
    """Open n connections from ns and keep them; returns (results, process)."""
    p = subprocess.Popen(["ip", "netns", "exec", NS[ns], sys.executable, "-c", TCP_CONNECT,
                          src, dst, str(port), str(n)],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    return p.stdout.readline().split(), p


def scan(ns, target, tcp=True, ports="-"):
    """nmap from ns; {port: state}.  TCP: SYN scan; UDP: -sU."""
    args = ["nmap", "-n", "-Pn", "--max-retries", "1", "--min-rate", "20000", "-oX", "-"]
    if ":" in target:
        args.append("-6")
    args += ["-sS"] if tcp else ["-sU"]
    args += ["-p", ports if ports != "-" else "1-65535", target]
    p = run(*args, ns=ns, timeout=600)
    root = ET.fromstring(p.stdout)
    states = {}
    for port in root.iter("port"):
        states[int(port.get("portid"))] = port.find("state").get("state")
    return states


def answered(states):
    """Ports that answered at all: open (SYN-ACK / UDP reply) or closed (RST / port unreachable)."""
    return sorted(p for p, s in states.items() if s in ("open", "closed"))


def firewall(action, site_text=None, extra=()):
    site = os.path.join(T, "site.conf")
    if site_text is None:
        if os.path.exists(site):
            os.unlink(site)
    else:
        with open(site, "w") as f:
            f.write(site_text)
    env = dict(os.environ, TG_FW_POLICY=os.path.join(TOP, "policy", "network.policy"),
               TG_FW_SITE=site, TG_FW_ROLES=os.path.join(T, "roles"),
               TG_FW_DIR=os.path.join(T, "fw"), TG_FW_NETPOLICY=NETPOLICY, TG_FW_XTABLES=XT)
    return run("sh", FIREWALL, action, *extra, ns="box", env=env, check_rc=False)


def rules_now():
    """The rules in force, without counters and dates (comparable)."""
    return tuple(strip_counters(run(XT, cmd, ns="box").stdout)
                 for cmd in ("iptables-save", "ip6tables-save"))


def strip_counters(text):
    return "\n".join(re.sub(r" \[\d+:\d+\]$", "", l) for l in text.splitlines()
                     if l.startswith(("-A", ":", "*")))


# ---------------------------------------------------------------------------- the test network
def setup():
    for ns in NS.values():
        run("ip", "netns", "add", ns)
    run("ip", "link", "add", "eth0", "netns", NS["box"], "type", "veth", "peer", "name", "cli0",
        "netns", NS["client"])
    run("ip", "link", "add", "eth1", "netns", NS["box"], "type", "veth", "peer", "name", "adm0",
        "netns", NS["admin"])
    for ns, dev, net4, net6, hosts in (("box", "eth0", "10.9.1", "fd00:9:1:", [1]),
                                       ("box", "eth1", "10.9.2", "fd00:9:2:", [1]),
                                       ("client", "cli0", "10.9.1", "fd00:9:1:", [2, 3, 4, 5]),
                                       ("admin", "adm0", "10.9.2", "fd00:9:2:", [2, 3, 4, 5, 6])):
        for h in hosts:
            run("ip", "addr", "add", "%s.%d/24" % (net4, h), "dev", dev, ns=ns)
            run("ip", "addr", "add", "%s:%d/64" % (net6, h), "dev", dev, "nodad", ns=ns)
    for ns in NS:
        run("ip", "link", "set", "lo", "up", ns=ns)
    for ns, dev in (("box", "eth0"), ("box", "eth1"), ("client", "cli0"), ("admin", "adm0")):
        run("ip", "link", "set", dev, "up", ns=ns)
    run("ip", "route", "add", "default", "via", "10.9.1.2", ns="box")
    run("ip", "-6", "route", "add", "default", "via", "fd00:9:1::2", ns="box")
    # the client may try the management addresses through the time interface
    run("ip", "route", "add", "10.9.2.0/24", "via", BOX_TIME4, ns="client")
    run("ip", "-6", "route", "add", "fd00:9:2::/64", "via", BOX_TIME6, ns="client")
    with open(os.path.join(T, "roles"), "w") as f:
        f.write("# as on the QEMU boards (board.conf)\ntime eth0\nmgmt eth1\n")


def teardown(procs):
    for p in procs:
        try:
            p.kill()
            p.wait(5)
        except Exception:
            pass
    for ns in NS.values():
        subprocess.run(["ip", "netns", "del", ns], capture_output=True)


SITE = "upstream %s\nupstream %s\n" % (UPSTREAM4, UPSTREAM6)


def main():
    procs = []
    try:
        setup()
        procs.append(start_listener("box", BOX_TCP, BOX_UDP))
        # the upstream server and a stranger, both in the client network
        procs.append(start_listener("client", [80, 4460], [53, 123],
                                    (UPSTREAM4, UPSTREAM6, STRANGER4, STRANGER6)))

        # 0. without rules every listener answers, and a closed port answers with a reset:
        #    the silence below is the rules' doing
        base = scan("client", BOX_TIME4, ports=",".join(map(str, BOX_TCP + [9])))
        check("without the firewall the scan sees every listener and closed ports (baseline)",
              answered(base) == sorted(BOX_TCP + [9]), "answered: %s" % answered(base))

        r = firewall("apply", SITE)
        check("tg-firewall apply loads the compiled policy into the box (IPv4 and IPv6)",
              r.returncode == 0 and "rules loaded" in r.stderr, r.stderr)
        v4, v6 = rules_now()
        check("the kernel holds the default-DROP policies on INPUT, FORWARD and OUTPUT (IPv4, IPv6)",
              all(":%s DROP" % c in t.splitlines() for c in ("INPUT", "FORWARD", "OUTPUT") for t in (v4, v6)),
              v4, v6)

        # 1. scans: exactly the allowed services answer
        expect = {("client", BOX_TIME4, True): [4460], ("client", BOX_TIME6, True): [4460],
                  ("client", BOX_TIME4, False): [123], ("client", BOX_TIME6, False): [123],
                  ("admin", BOX_MGMT4, True): [443], ("admin", BOX_MGMT6, True): [443],
                  ("admin", BOX_MGMT4, False): [], ("admin", BOX_MGMT6, False): [],
                  # the management address, reached through the time interface
                  ("client", BOX_MGMT4, True): [4460], ("client", BOX_MGMT6, True): [4460]}
        for (ns, target, tcp), want in expect.items():
            st = scan(ns, target, tcp=tcp, ports="-" if tcp else UDP_SCAN)
            role = "time" if ns == "client" else "management"
            what = "all 65535 TCP ports" if tcp else "%d common UDP ports" % len(UDP_SCAN.split(","))
            check("scan of %s on %s from the %s network: %s" %
                  (what, target, role, "only %s answer" % want if want else "nothing answers"),
                  answered(st) == want, "answered: %s" % answered(st))

        # 2. outbound: to the listed upstream only
        check("outbound NTP to the listed upstream server is answered (IPv4, IPv6)",
              udp_answers("box", UPSTREAM4, 123) == 3 and udp_answers("box", UPSTREAM6, 123) == 3)
        check("outbound NTP to an address not listed is dropped (IPv4, IPv6)",
              udp_answers("box", STRANGER4, 123) == 0 and udp_answers("box", STRANGER6, 123) == 0)
        res, p = tcp_connects("box", STRANGER4, 80, 1)
        p.kill()
        res6, p = tcp_connects("box", STRANGER6, 80, 1)
        p.kill()
        check("outbound TCP to a non-listed address and port gets nowhere (IPv4, IPv6)",
              res == ["timeout"] and res6 == ["timeout"], res, res6)
        check("outbound DNS is dropped when the site lists no DNS server",
              udp_answers("box", UPSTREAM4, 53) == 0)
        res, p = tcp_connects("box", UPSTREAM4, 4460, 1)
        p.kill()
        check("outbound NTS-KE (TCP 4460) to the listed upstream connects", res == ["ok"], res)

        # 3. per-source rate limit on NTP (rate 32/s, burst 64)
        flood, other = udp_pair(BOX_TIME4, "10.9.1.2", "10.9.1.5")
        check("NTP: a source sending 400 requests at once gets the burst (64) answered, "
              "another source right after all of its 20 (got %d and %d)" % (flood, other),
              60 <= flood <= 70 and other == 20)
        flood6, same64 = udp_pair(BOX_TIME6, "fd00:9:1::2", "fd00:9:1::5")
        check("NTP over IPv6: the limit is per /64: a neighbour address in the same /64 "
              "shares it (got %d, then %d of 20)" % (flood6, same64),
              60 <= flood6 <= 70 and same64 <= 2)

        # 4. connection caps
        res, p1 = tcp_connects("client", BOX_TIME4, 4460, 9, src="10.9.1.2")
        res2, p2 = tcp_connects("client", BOX_TIME4, 4460, 1, src="10.9.1.5")
        check("NTS-KE: at most 8 connections from one source (the 9th refused), "
              "others still served", res == ["ok"] * 8 + ["refused"] and res2 == ["ok"], res, res2)
        p1.kill(); p2.kill()
        held, results = [], []
        for h in (2, 3, 4, 5):
            r4, p = tcp_connects("admin", BOX_MGMT4, 443, 8, src="10.9.2.%d" % h)
            results += r4
            held.append(p)
        last, p = tcp_connects("admin", BOX_MGMT4, 443, 1, src="10.9.2.6")
        held.append(p)
        check("console: 8 connections per source and 32 in all (the 33rd from a new source is refused)",
              results == ["ok"] * 32 and last == ["refused"], results, last)
        extra, p = tcp_connects("admin", BOX_MGMT4, 443, 9, src="10.9.2.6")
        for p_ in held + [p]:
            p_.kill()

        # 5. ping: answered, rate-limited (2/s, burst 5)
        for target in (BOX_TIME4, BOX_TIME6):
            out = run("ping", "-c", "30", "-i", "0.01", "-W", "1", target, ns="client",
                      check_rc=False).stdout
            m = re.search(r"(\d+) received", out)
            got = int(m.group(1)) if m else -1
            check("ping %s: answered, at most the burst of a 30-ping flood (%d of 30)" % (target, got),
                  1 <= got <= 7, out)

        # 6. reloads: never a window, and site changes take effect
        before = rules_now()
        bad = firewall("apply", SITE + "serve ntp nowhere\n")
        check("a site file the compiler refuses: apply fails, names file:line, rules unchanged",
              bad.returncode == 1 and re.search(r"site\.conf:3:", bad.stderr) and rules_now() == before,
              bad.stderr)
        r = firewall("apply", SITE + "serve ntp mgmt\n")
        check("site 'serve ntp mgmt': after a reload NTP answers on the management network too",
              r.returncode == 0 and udp_answers("admin", BOX_MGMT4, 123) == 3, r.stderr)
        r = firewall("apply", SITE)
        check("and after the next reload without it, NTP on management is silent again",
              r.returncode == 0 and udp_answers("admin", BOX_MGMT4, 123) == 0, r.stderr)

        prober = subprocess.Popen(
            ["ip", "netns", "exec", NS["client"], sys.executable, "-c", PROBER, BOX_TIME4],
            stdout=subprocess.PIPE, text=True)
        procs.append(prober)
        time.sleep(0.3)
        reloads, fails = 0, 0
        for i in range(20):
            r = firewall("apply", SITE + ("serve ntp mgmt\n" if i % 2 else ""))
            reloads += 1
            fails += r.returncode != 0
        prober.send_signal(signal.SIGTERM)
        out = prober.communicate(timeout=10)[0].split()
        sent, got = int(out[0]), int(out[1])
        check("20 reloads while a client probes closed ports (TCP 22, UDP 53) every few ms: "
              "%d probes, %d answered" % (sent, got),
              fails == 0 and sent > 200 and got == 0, "reload failures: %d" % fails)
    except Exception as e:  # a broken setup is a failure, with the reason
        not_ok("firewall test network", repr(e))
    finally:
        teardown(procs)
    sys.exit(1 if failed else 0)


# probes closed-by-policy ports as fast as it can until SIGTERM; prints "sent answered"
PROBER = r"""
import select, signal, socket, sys, time
dst = sys.argv[1]
stop = []
signal.signal(signal.SIGTERM, lambda *a: stop.append(1))
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.setblocking(False)
pending, sent, got = [], 0, 0
while not stop:
    t = socket.socket(socket.AF_INET, socket.SOCK_STREAM); t.setblocking(False)
    t.connect_ex((dst, 22)); pending.append(t)
    try:
        u.sendto(b"\x23" + bytes(47), (dst, 53))
    except OSError:
        pass
    sent += 2
    while True:
        try:
            u.recv(2048); got += 1
        except OSError:
            break
    if len(pending) > 200:
        _, w, _ = select.select([], pending, [], 0)
        got += len(w)  # a finished connect: SYN-ACK or RST, an answer either way
        for s in pending: s.close()
        pending = []
    time.sleep(0.002)
_, w, _ = select.select([], pending, [], 1.0) if pending else ([], [], [])
got += len(w)
print(sent, got)
"""

if __name__ == "__main__":
    main()
