"""bench.py - figures for docs/PERFORMANCE.md (./build.sh bench).

Benchmarks, not tests: they report, they do not pass or fail.
  boot     per board, TG_BENCH_BOOTS boots (default 5) of a fresh disk under
           QEMU TCG; seconds from QEMU start to "all services ready", with
           the stages (firmware+script, kernel+initramfs, early boot, services)
           taken from the console lines' arrival times
  sizes    slot images (kernel, initramfs, root with hash tree) and the disk
  memory   resident memory (VmRSS) of each process of each service: the same
           static musl x86_64 binaries run on this host under tg-supervise,
           as the image runs them (the image has no shell to read /proc from)
  crypto   per-operation times of our X25519, P-256, ECDSA and AES-SIV code
           next to BearSSL 0.6's (tests/tools/tg-cryptobench.c, built here
           with the product toolchain)
  nts      NTS served by ntsd against chrony 4.3 as NTS server, both on
           127.0.0.1 of this host, alternately in the same run: NTS-KE
           exchanges per second (1 and 2 clients), NTS-protected NTP
           requests per second (16 in flight), plain NTP for reference, and
           the servers' CPU time per request (tests/tools/tg-ntsload.c,
           built here with the product toolchain)
  servo    timed's clock servo (services/timed/servo.c) on a simulated
           oscillator, kernel clock and PPS: convergence, accuracy, error
           bound and holdover, worst of 20 seeds per scenario
           (tests/bench/servo_bench.py, tg-servosim built here with the host
           compiler; TG_BENCH_SERVO_SEEDS=N sets the seeds)
  update   the update agent installing a full slot from the board's signed
           bundle (out/images/BOARD/update.tgb): on this host, the static
           x86_64 updated into partition files of the board's sizes (3 runs:
           seconds, MB/s, peak memory VmHWM of each role, next to writing
           the same bytes with dd + fsync); under QEMU TCG per board, the
           install from an update stick, from "installing" to "installed"
Writes out/bench/results.md and prints it.

  python3 tests/bench/bench.py [SECTION...]

runs only the sections named (boot, sizes, memory, crypto, nts, servo, update; default all) and
then writes out/bench/results-SECTION[-SECTION...].md.  TOP and OUT default
to this checkout and its out/ (TG_OUT).
"""
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time

TOP = os.environ.get("TOP") or os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
OUT = os.environ.get("OUT") or os.environ.get("TG_OUT") or os.path.join(TOP, "out")
sys.path.insert(0, os.path.join(TOP, "tests", "image"))
sys.path.insert(0, os.path.join(TOP, "tests", "bench"))
BOOTS = int(os.environ.get("TG_BENCH_BOOTS", "5"))
BOARDS = ("qemu-x86_64", "qemu-aarch64")
lines = []


def emit(s=""):
    lines.append(s)
    print(s, flush=True)


def boot_times(board):
    os.environ["TG_BOARD"] = board
    os.environ["T"] = tempfile.mkdtemp(prefix="tg-bench-")
    os.environ["TG_PORT_BASE"] = "23000"
    import importlib
    import console
    importlib.reload(console)
    rows = []
    for i in range(BOOTS):
        m = console.Machine(console.fresh_disk(), name="boot%d" % i)
        try:
            t_kernel, _ = m.wait(r"Starting kernel", 120)
            t_root, _ = m.wait(r"timegate-initramfs: slot A: root .* verified", 240)
            t_init, _ = m.wait(r"rc\.boot: early boot done", 240)
            t_ready, _ = m.wait(r"all services ready", 240)
            rows.append((t_kernel, t_root, t_init, t_ready))
        finally:
            m.stop()
    subprocess.run(["rm", "-rf", os.environ["T"]])
    return rows


def med(xs):
    return statistics.median(xs)


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def children(pid):
    out = subprocess.run(["ps", "-o", "pid=,comm=", "--ppid", str(pid)], capture_output=True,
                         text=True).stdout
    return [(int(p), c) for p, c in (l.split(None, 1) for l in out.splitlines())]


def memory():
    """Run the x86_64 image binaries on the host under tg-supervise."""
    bindir = os.path.join(OUT, "x86_64", "services-static", "bin")
    d = tempfile.mkdtemp(prefix="tg-bench-mem-")
    os.chmod(d, 0o755)  # ntsd runs as nobody and reads its (empty) config here
    svc, run = os.path.join(d, "services"), os.path.join(d, "run")
    os.makedirs(svc)
    os.makedirs(run)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    empty = os.path.join(d, "empty.conf")
    open(empty, "w").close()
    os.chmod(empty, 0o644)
    with open(os.path.join(svc, "ntsd.conf"), "w") as f:
        # read: the only file ntsd opens here (Landlock, see tg-supervise.8)
        f.write("command %s/ntsd -f %s\nuser nobody\nlisten udp 127.0.0.1 %d ntp\n"
                "ready notify\nread %s\n" % (bindir, empty, port, empty))
    os.chmod(os.path.join(svc, "ntsd.conf"), 0o644)
    sup = subprocess.Popen([os.path.join(bindir, "tg-supervise"), "-n", "-d", svc, "-r", run,
                            "-c", empty], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.time() + 30
    out = b""
    os.set_blocking(sup.stdout.fileno(), False)
    while b"all services ready" not in out and time.time() < deadline:
        time.sleep(0.2)
        out += sup.stdout.read() or b""
    # a few requests so the ntp role has served traffic
    c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    c.settimeout(1)
    for _ in range(100):
        c.sendto(bytes([0x23]) + bytes(47), ("127.0.0.1", port))
        try:
            c.recvfrom(100)
        except OSError:
            pass
    rows = [("tg-supervise", "main", rss_kib(sup.pid))]
    for pid, comm in children(sup.pid):
        rows.append(("ntsd", "main", rss_kib(pid)))
        for cpid, _ in children(pid):
            rows.append(("ntsd", "ntp", rss_kib(cpid)))
    sup.terminate()
    sup.wait(timeout=20)
    subprocess.run(["rm", "-rf", d])
    return rows


def sizes(board):
    img = os.path.join(OUT, "images", board)
    kv = {}
    with open(os.path.join(img, "sizes")) as f:
        for line in f:
            k, v = line.split()
            kv[k] = int(v)
    disk = os.path.join(img, "disk.img")
    kv["disk_allocated"] = os.stat(disk).st_blocks * 512
    kv["disk"] = os.path.getsize(disk)
    # the update payload until the signed bundle exists: one slot, xz'd
    p = subprocess.run("cat %s/slot/boot.vfat %s/slot/root.img | xz -6 -T1 | wc -c" % (img, img),
                       shell=True, capture_output=True, text=True)
    kv["slot_xz"] = int(p.stdout)
    return kv


# ---------------------------------------------------------------- NTS load

NTS_SECONDS = int(os.environ.get("TG_BENCH_NTS_SECONDS", "5"))
NTS_ROUNDS = int(os.environ.get("TG_BENCH_NTS_ROUNDS", "3"))
CHRONYD = "/usr/sbin/chronyd"
STATIC_BIN = os.path.join(OUT, "x86_64", "services-static", "bin")
NTSLOAD = os.path.join(OUT, "x86_64", "services-static", "test-tools", "tg-ntsload")
# (label, tg-ntsload mode, concurrency or window)
NTS_LOADS = [("NTS-KE, 1 client", "ke", 1), ("NTS-KE, 2 clients", "ke", 2),
             ("NTS NTP, 16 in flight", "ntp", 16), ("plain NTP, 16 in flight", "plain", 16)]


def free_port():
    """a port free on 127.0.0.1 for both TCP and UDP"""
    while True:
        t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        t.bind(("127.0.0.1", 0))
        p = t.getsockname()[1]
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            u.bind(("127.0.0.1", p))
            return p
        except OSError:
            continue
        finally:
            t.close()
            u.close()


def ntp_stratum(port):
    """stratum of a plain NTP answer from 127.0.0.1:port, or None"""
    c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    c.settimeout(0.5)
    try:
        c.sendto(bytes([0x23]) + bytes(47), ("127.0.0.1", port))
        return c.recvfrom(1024)[0][1]
    except OSError:
        return None
    finally:
        c.close()


def cpu_ns(pids):
    """CPU time (user + system) of the processes so far, in ns: the first field of
    /proc/PID/task/TID/schedstat (the scheduler's exact sum_exec_runtime, the
    same quantity as utime + stime in /proc/PID/stat without its 10 ms ticks)"""
    total = 0
    for pid in pids:
        tdir = "/proc/%d/task" % pid
        for tid in os.listdir(tdir):
            with open(os.path.join(tdir, tid, "schedstat")) as f:
                total += int(f.read().split()[0])
    return total


def pki(d):
    """throwaway CA and P-256 server certificate for localhost / 127.0.0.1"""
    cmds = [
        "openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 "
        "-subj '/CN=bench CA' -addext basicConstraints=critical,CA:TRUE "
        "-keyout ca.key -out ca.pem",
        "openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
        "-subj /CN=localhost -keyout server.key -out server.csr",
        "printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\\nextendedKeyUsage=serverAuth\\n' >ext",
        "openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 30 "
        "-extfile ext -out server.pem"]
    for c in cmds:
        subprocess.run(c, shell=True, cwd=d, check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)


class Server:
    """one NTS server on 127.0.0.1 (ntsd or chronyd) with its processes"""

    def __init__(self, name, argv, d, ke_port, ntp_port, env=None, notify=False):
        self.name, self.ke_port, self.ntp_port = name, ke_port, ntp_port
        self.log = open(os.path.join(d, name + ".log"), "w")
        kw = {}
        if notify:
            r, w = os.pipe()
            env = dict(env or os.environ, TG_NOTIFY_FD=str(w))
            kw["pass_fds"] = (w,)
        self.proc = subprocess.Popen(argv, stdout=self.log, stderr=subprocess.STDOUT, env=env,
                                     **kw)
        deadline = time.time() + 30
        if notify:
            os.close(w)
            os.set_blocking(r, False)
            got = b""
            while b"ready" not in got and time.time() < deadline and self.proc.poll() is None:
                time.sleep(0.1)
                try:
                    got += os.read(r, 100)
                except BlockingIOError:
                    pass
            os.close(r)
        # serving a synchronised clock (chrony's "local stratum" after its first update)
        while time.time() < deadline and self.proc.poll() is None:
            st = ntp_stratum(ntp_port)
            if st and st < 16:
                break
            time.sleep(0.2)
        else:
            raise RuntimeError("%s did not start serving; see %s" % (name, self.log.name))
        # the main process and its children (ntsd: ntp and ke roles; chronyd: NTS-KE helper)
        self.pids = [self.proc.pid] + [p for p, _ in children(self.proc.pid)]

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


def ntsload(srv, mode, n, ca):
    """one tg-ntsload run against srv: (successes, errors, rate/s, server CPU us and
    load generator CPU us per success)"""
    if mode == "ke":
        argv = [NTSLOAD, "ke", "127.0.0.1", str(srv.ke_port), ca, "localhost"]
    elif mode == "ntp":
        argv = [NTSLOAD, "ntp", "127.0.0.1", str(srv.ke_port), str(srv.ntp_port), ca,
                "localhost"]
    else:
        argv = [NTSLOAD, "plain", "127.0.0.1", str(srv.ntp_port)]
    argv += [str(NTS_SECONDS), str(n)]
    c0, g0 = cpu_ns(srv.pids), os.times()
    p = subprocess.run(argv, capture_output=True, text=True)
    c1, g1 = cpu_ns(srv.pids), os.times()
    kv = dict(w.split("=", 1) for w in p.stdout.split()[1:])
    ok = int(kv["exchanges"] if mode == "ke" else kv["verified"])
    bad = int(kv["failures"]) if mode == "ke" else int(kv["failed"]) + int(kv["lost"])
    if p.stderr.strip():
        print("%s %s %d: %s" % (srv.name, mode, n, p.stderr.strip()), file=sys.stderr)
    gen = (g1.children_user + g1.children_system - g0.children_user - g0.children_system) * 1e6
    per = max(ok, 1)
    return ok, bad, float(kv["rate"].rstrip("/s")), (c1 - c0) / 1e3 / per, gen / per


def build_ntsload():
    env = dict(os.environ, TG_OUT=OUT)
    subprocess.run(["bash", "-c", 'source "$0/build.sh"; JOBS=1; services_make x86_64 static "$1"',
                    TOP, NTSLOAD], env=env, check=True)


def nts_servers(d):
    """start ntsd and chronyd as NTS servers; a list of Server"""
    root = os.getuid() == 0
    pkid = os.path.join(d, "pki")
    keys = os.path.join(d, "keys")
    os.makedirs(keys)
    if root:  # ntsd drops to nobody: its key ring folder, certificate and key
        subprocess.run(["chown", "-R", "nobody", pkid, keys], check=True)
    os.chmod(keys, 0o700)
    os.chmod(os.path.join(pkid, "server.key"), 0o600)
    status = os.path.join(d, "status")
    P, K = free_port(), free_port()
    with open(os.path.join(d, "ntsd.conf"), "w") as f:
        f.write("listen-ntp 127.0.0.1 %d\nlisten-ke 127.0.0.1 %d\nnts-port %d\n"
                "tls-cert %s/server.pem\ntls-key %s/server.key\ncookie-keys %s/cookie-keys\n"
                "status-file %s\n%s" % (P, K, P, pkid, pkid, keys, status,
                                        "user nobody\n" if root else ""))
    servers = [Server("ntsd", [os.path.join(STATIC_BIN, "ntsd"), "-f",
                               os.path.join(d, "ntsd.conf")], d, K, P, notify=True)]
    if os.access(CHRONYD, os.X_OK):
        cd = os.path.join(d, "chrony")
        os.makedirs(cd)
        os.chmod(cd, 0o700)
        CP, CK = free_port(), free_port()
        with open(os.path.join(cd, "chrony.conf"), "w") as f:
            f.write("port %d\nntsport %d\nbindaddress 127.0.0.1\nntsservercert %s/server.pem\n"
                    "ntsserverkey %s/server.key\nntsdumpdir %s\nlocal stratum 3\n"
                    "allow 127.0.0.1\ncmdport 0\npidfile %s/chronyd.pid\n" % (
                        CP, CK, pkid, pkid, cd, cd))
        argv = [CHRONYD, "-x", "-d", "-f", os.path.join(cd, "chrony.conf")]
        if root:
            argv += ["-u", "root"]
        servers.append(Server("chrony", argv, d, CK, CP))
    return servers


def nts():
    """ntsd against chrony: rates, CPU per request, ratios"""
    if not os.access(os.path.join(STATIC_BIN, "ntsd"), os.X_OK):
        emit("No %s/ntsd: build the x86_64 product first (./build.sh image)." % STATIC_BIN)
        return
    build_ntsload()
    d = tempfile.mkdtemp(prefix="tg-bench-nts-")
    os.chmod(d, 0o755)
    os.makedirs(os.path.join(d, "pki"))
    pki(os.path.join(d, "pki"))
    ca = os.path.join(d, "pki", "ca.pem")
    writer = subprocess.Popen([sys.executable, "-c",
                               "import sys; sys.path.insert(0, sys.argv[1]); import tgtest; "
                               "tgtest.write_status_forever(sys.argv[2])",
                               os.path.join(TOP, "tests", "system"), os.path.join(d, "status")])
    servers = []
    try:
        while not os.path.exists(os.path.join(d, "status")):
            time.sleep(0.1)
        servers = nts_servers(d)
        with open("/proc/cpuinfo") as f:
            model = re.search(r"^model name\s*:\s*(.*)$", f.read(), re.M)
        chrony_v = subprocess.run([CHRONYD, "--version"], capture_output=True,
                                  text=True).stdout.split("(+")[0].strip()
        emit("Host: %s, nproc %s, %s; load generator, ntsd (static musl x86_64 product binary) "
             "and %s on the same cores, 127.0.0.1; %d rounds of %d s per load, the servers "
             "alternating; medians." % (
                 model.group(1) if model else "?",
                 subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip(),
                 os.uname().release, chrony_v, NTS_ROUNDS, NTS_SECONDS))
        emit()
        query = os.path.join(STATIC_BIN, "nts-query")
        for s in servers:
            q = subprocess.run([query, "-c", ca, "-n", "localhost", "-p", str(s.ke_port), "-P",
                                str(s.ntp_port), "127.0.0.1"], capture_output=True, text=True)
            emit("- %s: `%s` (%s)" % (s.name, (q.stdout.splitlines() or [q.stderr.strip()])[0],
                                      ", ".join("pid %d %s" % (p, c) for p, c in
                                                [(s.proc.pid, "main")] + children(s.proc.pid))))
        emit()
        res = {}  # (load index, server) -> list of results
        for r in range(NTS_ROUNDS):
            order = servers if r % 2 == 0 else servers[::-1]
            for i, (label, mode, n) in enumerate(NTS_LOADS):
                for s in order:
                    res.setdefault((i, s.name), []).append(ntsload(s, mode, n, ca))
        names = [s.name for s in servers]
        two = len(names) > 1
        cols = (["load"] + ["%s /s" % nm for nm in names] + ["rate ntsd/chrony"] * two +
                ["%s CPU per request" % nm for nm in names] + ["CPU ntsd/chrony"] * two +
                ["load generator CPU per request (%s)" % " / ".join(names), "errors"])
        emit("| " + " | ".join(cols) + " |")
        emit("|---" * len(cols) + "|")
        for i, (label, mode, n) in enumerate(NTS_LOADS):
            rate = {nm: med([x[2] for x in res[(i, nm)]]) for nm in names}
            cpu = {nm: med([x[3] for x in res[(i, nm)]]) for nm in names}
            gen = {nm: med([x[4] for x in res[(i, nm)]]) for nm in names}
            errs = sum(x[1] for nm in names for x in res[(i, nm)])
            row = "| %s | " % label + " | ".join("%.0f" % rate[nm] for nm in names)
            if two:
                row += " | **%.2f**" % (rate["ntsd"] / rate["chrony"])
            row += " | " + " | ".join("%.1f µs" % cpu[nm] for nm in names)
            if two:
                row += " | **%.2f**" % (cpu["ntsd"] / cpu["chrony"])
            row += " | " + " / ".join("%.1f µs" % gen[nm] for nm in names)
            row += " | %d |" % errs
            emit(row)
        emit()
        emit("Per run (rate/s, server CPU µs per request): " + "; ".join(
            "%s %s: %s" % (label, nm, ", ".join("%.0f %.1f" % (x[2], x[3])
                                                for x in res[(i, nm)]))
            for i, (label, _, _) in enumerate(NTS_LOADS) for nm in names))
    finally:
        for s in servers:
            s.stop()
        writer.terminate()
        writer.wait()
        subprocess.run(["rm", "-rf", d])


# ---------------------------------------------------------------- report

MiB = 1048576.0


CRYPTOBENCH = os.path.join(OUT, "x86_64", "services-static", "test-tools", "tg-cryptobench")
CRYPTO_NAMES = {
    "x25519_keygen": "X25519 key share (k*9)",
    "x25519_shared": "X25519 shared secret (k*U)",
    "p256_keygen": "P-256 key share (k*G)",
    "p256_shared": "P-256 shared secret (k*P)",
    "ecdsa_p256_sign": "ECDSA P-256 signature (SHA-256)",
    "nts_request_aessiv": "AES-SIV of one NTS request (open cookie, check request, "
                          "seal cookie, seal answer)",
}


def section_crypto():
    emit("### Crypto operations: ours vs BearSSL 0.6 (static musl x86_64, -Os)")
    emit()
    env = dict(os.environ, TG_OUT=OUT)
    subprocess.run(["bash", "-c", 'source "$0/build.sh"; JOBS=1; services_make x86_64 static "$1"',
                    TOP, CRYPTOBENCH], env=env, check=True)
    p = subprocess.run([CRYPTOBENCH, "200", "15"], capture_output=True, text=True, check=True)
    emit("`tg-cryptobench 200 15` (tests/tools/tg-cryptobench.c): median of 15 rounds of 200 "
         "operations, µs per operation.  BearSSL: `br_ec_all_m31`, `br_ecdsa_i31_sign_asn1`.")
    emit()
    emit("| operation | ours | BearSSL 0.6 | BearSSL / ours |")
    emit("|---|---|---|---|")
    for line in p.stdout.split("\n"):
        if not line.strip():
            continue
        name, ours, theirs = line.split()
        label = CRYPTO_NAMES.get(name, name)
        if theirs == "-":
            emit("| %s | %s µs | - | - |" % (label, ours))
        else:
            emit("| %s | %s µs | %s µs | **%.1f** |" % (label, ours, theirs,
                                                        float(theirs) / float(ours)))
    emit()


def boot():
    emit("### Boot: QEMU start to \"all services ready\" (median of %d boots)" % BOOTS)
    emit()
    emit("| board | firmware + boot script | + kernel, initramfs, verity | + early boot (rc.boot) "
         "| + services ready | total (min - max) |")
    emit("|---|---|---|---|---|---|")
    for board in ("qemu-x86_64", "qemu-aarch64"):
        r = boot_times(board)
        k, root, init, ready = (med([x[i] for x in r]) for i in range(4))
        emit("| %s | %.2f s | %.2f s | %.2f s | %.2f s | **%.2f s** (%.2f - %.2f) |" % (
            board, k, root - k, init - root, ready - init, ready,
            min(x[3] for x in r), max(x[3] for x in r)))
    emit()


def section_sizes():
    emit("### Sizes")
    emit()
    emit("| board | kernel | initramfs | root (squashfs xz) | root + hash tree | slot (kernel + "
         "initramfs + root) | one slot, xz | disk image (allocated / apparent) |")
    emit("|---|---|---|---|---|---|---|---|")
    for board in ("qemu-x86_64", "qemu-aarch64"):
        z = sizes(board)
        emit("| %s | %.2f MiB | %.2f MiB | %.2f MiB | %.2f MiB | **%.2f MiB** | %.2f MiB | "
             "%.1f / %.0f MiB |" % (
                 board, z["kernel"] / MiB, z["initramfs"] / MiB, z["root_squashfs"] / MiB,
                 z["root_with_hashtree"] / MiB, z["slot_compressed"] / MiB, z["slot_xz"] / MiB,
                 z["disk_allocated"] / MiB, z["disk"] / MiB))
    emit()


def section_memory():
    emit("### Resident memory (VmRSS), x86_64 static binaries under tg-supervise, after 100 NTP "
         "requests")
    emit()
    emit("| service | role | VmRSS |")
    emit("|---|---|---|")
    for svc, role, kib in memory():
        emit("| %s | %s | %d KiB |" % (svc, role, kib))
    emit()


def section_nts():
    emit("### NTS: ntsd vs chrony 4.3, same machine, same run")
    emit()
    nts()
    emit()


def section_servo():
    import contextlib
    import io
    import servo_bench
    emit("### Clock servo (timed), simulation")
    emit()
    # servo_bench prints its table: collected here so it goes to the results file too
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        servo_bench.run(TOP, OUT)
    for line in buf.getvalue().rstrip("\n").split("\n"):
        emit(line)
    emit()


def hwm_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def update_host(board, runs=3):
    """updated (static x86_64) installing the board's bundle into partition
    files: seconds per install and the peak memory of both roles."""
    bindir = os.path.join(OUT, "x86_64", "services-static", "bin")
    upd, ctl = os.path.join(bindir, "updated"), os.path.join(bindir, "updatectl")
    bundle = os.path.join(OUT, "images", board, "update.tgb")
    conf = {}
    with open(os.path.join(TOP, "board", board, "board.conf")) as f:
        for line in f:
            m = re.match(r"(BOARD_SLOT_(?:BOOT|ROOT)_MB)=(\d+)", line)
            if m:
                conf[m.group(1)] = int(m.group(2))
    d = tempfile.mkdtemp(prefix="tg-bench-upd-")
    results = []
    for run in range(runs):
        parts = os.path.join(d, "p%d" % run)
        state = os.path.join(d, "s%d" % run)
        os.makedirs(parts)
        os.makedirs(state)
        for name, mb in (("bootA", conf["BOARD_SLOT_BOOT_MB"]), ("bootB", conf["BOARD_SLOT_BOOT_MB"]),
                         ("rootA", conf["BOARD_SLOT_ROOT_MB"]), ("rootB", conf["BOARD_SLOT_ROOT_MB"])):
            with open(os.path.join(parts, name), "wb") as f:
                f.truncate(mb << 20)
        for name in ("bootenv0", "bootenv1"):
            with open(os.path.join(parts, name), "wb") as f:
                f.truncate(16384)
        with open(os.path.join(d, "cmdline"), "w") as f:
            f.write("tg.slot=A\n")
        with open(os.path.join(d, "release"), "w") as f:
            f.write("version 0.0.1\nsecurity 0\ncompatible %s\nproduct timegate\n" % board)
        with open(os.path.join(d, "updated.conf"), "w") as f:
            f.write("media no\n")
        sock = os.path.join(d, "u%d.sock" % run)
        log = open(os.path.join(d, "updated%d.log" % run), "w")
        p = subprocess.Popen([upd, "-p", parts, "-k", os.path.join(d, "cmdline"),
                              "-r", os.path.join(d, "release"), "-K", os.path.join(OUT, "work", "update-keys"),
                              "-s", sock, "-d", state, "-c", os.path.join(d, "updated.conf")],
                             stdout=log, stderr=subprocess.STDOUT)
        for _ in range(100):
            if os.path.exists(sock):
                break
            time.sleep(0.05)
        t0 = time.monotonic()
        r = subprocess.run([ctl, "-s", sock, "install", bundle], capture_output=True, text=True)
        secs = time.monotonic() - t0
        kids = children(p.pid)
        mem = [("main", hwm_kib(p.pid))] + [("helper", hwm_kib(k)) for k, _ in kids]
        p.terminate()
        p.wait()
        log.close()
        if r.returncode != 0:
            emit("install failed: %s %s" % (r.stdout.strip(), r.stderr.strip()))
            return None
        # the disk's own speed: the same bytes written and fsynced with dd
        t1 = time.monotonic()
        subprocess.run(["dd", "if=" + bundle, "of=" + os.path.join(parts, "dd"), "bs=64k",
                        "conv=fsync", "status=none"], check=True)
        dd = time.monotonic() - t1
        results.append((secs, dd, mem))
    subprocess.run(["rm", "-rf", d])
    return results


def update_qemu(board):
    """Seconds from "installing" to "installed" in the guest (update stick)."""
    os.environ["TG_BOARD"] = board
    os.environ["T"] = tempfile.mkdtemp(prefix="tg-bench-")
    os.environ["TG_PORT_BASE"] = "23100"
    import importlib
    import console
    importlib.reload(console)
    rel = console.release()
    v2 = console.next_version(rel["version"])
    bundle = console.make_bundle("bench", v2, rel["security"])
    m = console.Machine(console.fresh_disk(), no_reboot=True, extra=console.stick_args(bundle))
    try:
        t0, _ = m.wait(r"updated\[\w+\] info: .*installing", 400)
        t1, _ = m.wait(r"updated\[\w+\] info: installed", 600)
        return t1 - t0, os.path.getsize(bundle)
    except console.Timeout as e:
        emit("%s: %s" % (board, e))
        return None
    finally:
        m.stop()


def section_update():
    emit("### Update install: a full slot from the signed bundle")
    emit()
    emit("| where | board | bundle | install | throughput | dd + fsync of the same bytes (install ÷ dd) | peak memory (VmHWM) |")
    emit("|---|---|---|---|---|---|---|")
    for board in BOARDS:
        bundle = os.path.join(OUT, "images", board, "update.tgb")
        size = os.path.getsize(bundle)
        res = update_host(board)
        if res:
            secs = med([x[0] for x in res])
            dd = med([x[1] for x in res])
            mem = ", ".join("%s %d KiB" % (role, max(x[2][i][1] for x in res if len(x[2]) > i))
                            for i, (role, _) in enumerate(res[0][2]))
            emit("| host, x86_64 static, median of %d | %s | %.1f MB | %.2f s | %.0f MB/s | %.2f s (%.1f×) | %s |" % (
                len(res), board, size / 1e6, secs, size / 1e6 / secs, dd, secs / dd, mem))
    for board in BOARDS:
        q = update_qemu(board)
        if q:
            emit("| QEMU TCG guest, update stick | %s | %.1f MB | %.1f s | %.1f MB/s | | |" % (
                board, q[1] / 1e6, q[0], q[1] / 1e6 / q[0]))
    emit()


SECTIONS = {"boot": boot, "sizes": section_sizes, "memory": section_memory,
            "crypto": section_crypto, "nts": section_nts, "servo": section_servo,
            "update": section_update}
chosen = sys.argv[1:] or list(SECTIONS)
for name in chosen:
    if name not in SECTIONS:
        sys.exit("bench.py: unknown section '%s' (expected: %s)" % (name, " ".join(SECTIONS)))
emit("## Results of ./build.sh bench (%s)" % time.strftime("%Y-%m-%d"))
emit()
emit("Host: %s, %d cores; QEMU TCG (no KVM)." % (
    subprocess.run(["uname", "-m"], capture_output=True, text=True).stdout.strip(),
    os.cpu_count()))
emit()
for name in chosen:
    SECTIONS[name]()
os.makedirs(os.path.join(OUT, "bench"), exist_ok=True)
result = "results.md" if not sys.argv[1:] else "results-%s.md" % "-".join(chosen)
with open(os.path.join(OUT, "bench", result), "w") as f:
    f.write("\n".join(lines) + "\n")
