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
  console  the web console (consoled, static x86_64) on 127.0.0.1, set up with
           its setup code, against `openssl s_server -tls1_3` (P-256) in the
           same run: TLS 1.3 handshakes per second (a new connection per
           GET /api/session), GET /api/status per second on 1 and 8
           keep-alive connections (s_server -rev's line echo for the single
           one), CPU per request, login latency (PBKDF2 600000 rounds),
           VmRSS of both roles (TG_BENCH_CONSOLE_SECONDS=S per run, default
           3; TG_BENCH_CONSOLE_ROUNDS=N, default 3; about 70 s)
Writes out/bench/results.md and prints it.

  python3 tests/bench/bench.py [SECTION...]

runs only the sections named (boot, sizes, memory, crypto, nts, servo, update, console; default
all) and
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


# ---------------------------------------------------------------- console

# The web console (consoled, static musl x86_64 product binary) against
# openssl s_server on the same machine: a C TLS 1.3 server answering a tiny
# page, the cost floor of TLS itself, not a like-for-like peer (consoled
# also parses HTTP, passes each API request to its main role over a socket
# and builds JSON from the status files).  The client is Python's ssl
# (OpenSSL) on the same cores, the same for both servers.
CONSOLE_SECONDS = float(os.environ.get("TG_BENCH_CONSOLE_SECONDS", "3"))
CONSOLE_ROUNDS = int(os.environ.get("TG_BENCH_CONSOLE_ROUNDS", "3"))
CONSOLE_PARALLEL = 8  # consoled's WEB_PER_SOURCE: connections per client address
CONSOLE_PASSWORD = "bench password for the console"


def tls_connect(port):
    import ssl
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE  # self-signed on both; verifying is the client's cost anyway
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return ctx.wrap_socket(s, server_hostname="localhost")


def http_req(s, req):
    """send req (bytes) on s and read one answer: (status, head, body).  The body
    is Content-Length long, else up to the end of the connection (s_server -www)."""
    s.sendall(req)
    buf = b""
    while b"\r\n\r\n" not in buf:
        got = s.recv(65536)
        if not got:
            raise OSError("connection closed before an answer's head: %r" % buf[:80])
        buf += got
    head, body = buf.split(b"\r\n\r\n", 1)
    m = re.search(rb"\r\ncontent-length: *(\d+)", head, re.I)
    while (m and len(body) < int(m.group(1))) or not m:
        try:
            got = s.recv(65536)
        except OSError:
            got = b""
        if not got:
            break
        body += got
    return int(head.split(b" ", 2)[1]), head.decode("latin-1"), body


def get_req(path, cookie):
    return ("GET %s HTTP/1.1\r\nHost: localhost\r\n%s\r\n" % (
        path, "Cookie: %s\r\n" % cookie if cookie else "")).encode()


def rate_handshakes(port, req, secs):
    """new TLS connection per request for secs: requests per second"""
    n, t0 = 0, time.monotonic()
    while time.monotonic() - t0 < secs:
        s = tls_connect(port)
        st, _, _ = http_req(s, req)
        if st != 200:
            raise RuntimeError("handshake loop: status %d" % st)
        s.close()
        n += 1
    return n / (time.monotonic() - t0)


def keepalive_count(port, req, secs, want, start=None):
    """requests answered on one connection in secs (after start, a barrier)"""
    s = tls_connect(port)
    if start:
        start.wait()
    n, t0 = 0, time.monotonic()
    while time.monotonic() - t0 < secs:
        st, _, body = http_req(s, req)
        if st != 200 or want not in body:
            raise RuntimeError("keep-alive loop: status %d %r" % (st, body[:80]))
        n += 1
    s.close()
    return n


def rate_keepalive(port, req, secs, want, conns):
    """requests per second over conns keep-alive connections, one client process each
    (processes: threads would measure the client's GIL)"""
    if conns == 1:
        return keepalive_count(port, req, secs, want) / secs
    import multiprocessing
    mp = multiprocessing.get_context("fork")
    start, q = mp.Barrier(conns + 1), mp.Queue()
    procs = [mp.Process(target=lambda: q.put(keepalive_count(port, req, secs, want, start)))
             for _ in range(conns)]
    for p in procs:
        p.start()
    start.wait()
    total = sum(q.get(timeout=secs + 30) for _ in procs)
    for p in procs:
        p.join()
    return total / secs


def measure(pids, fn, *args):
    """(rate, server CPU µs per request) of one run of fn"""
    c0 = cpu_ns(pids)
    r = fn(*args)
    c1 = cpu_ns(pids)
    return r, (c1 - c0) / 1e3 / max(r * CONSOLE_SECONDS, 1)


def console_start(d):
    """consoled as test_consoled.sh starts it (root: drops to consoled or nobody);
    (process, port, log path, the user it runs as)"""
    root = os.getuid() == 0
    user = None
    if root:
        import pwd
        for u in ("consoled", "nobody"):
            try:
                user = pwd.getpwnam(u)
                break
            except KeyError:
                pass
    data = os.path.join(d, "data")
    os.makedirs(data)
    os.chmod(data, 0o700)
    if user:
        os.chown(data, user.pw_uid, user.pw_gid)
    port = free_port()
    conf = os.path.join(d, "consoled.conf")
    with open(conf, "w") as f:
        # the other files the dashboard reads are absent here: it says so and goes on
        f.write("listen 127.0.0.1 %d\ndata-dir %s\ntime-status %s/status\n"
                "gnss-status %s/gnss\nupdated-socket %s/updated.sock\nrelease-file %s/release\n"
                "config-dir %s/config\nsite-conf %s/site.conf\ncontrol-socket %s/control.sock\n"
                "log-socket %s/log.sock\nstatus-socket %s/status.sock\n"
                "kdf-iterations 600000\n%s" % ((port, data) + (d,) * 9 + (
                    "user %s\n" % user.pw_name if user else "",)))
    with open(os.path.join(d, "release"), "w") as f:
        f.write("version 0.0.0-bench\nsecurity 1\ncompatible bench\nproduct timegate\n")
    os.chmod(os.path.join(d, "release"), 0o644)
    logp = os.path.join(d, "consoled.log")
    log = open(logp, "w")
    r, w = os.pipe()
    p = subprocess.Popen([os.path.join(STATIC_BIN, "consoled"), "-f", conf], stdout=log,
                         stderr=subprocess.STDOUT, env=dict(os.environ, TG_NOTIFY_FD=str(w)),
                         pass_fds=(w,))
    log.close()
    os.close(w)
    got, deadline = b"", time.time() + 30
    os.set_blocking(r, False)
    while b"ready" not in got and time.time() < deadline and p.poll() is None:
        time.sleep(0.1)
        try:
            got += os.read(r, 100)
        except BlockingIOError:
            pass
    os.close(r)
    if b"ready" not in got:
        p.kill()
        raise RuntimeError("consoled did not start; see %s" % logp)
    return p, port, logp, user.pw_name if user else "the current user"


def api_post(port, path, obj, cookie=None):
    """(status, head, body, seconds from sending to the whole answer) of one POST
    on a connection already set up"""
    import json
    s = tls_connect(port)
    body = json.dumps(obj).encode()
    req = ("POST %s HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
           "Content-Length: %d\r\n%s\r\n" % (path, len(body), "Cookie: %s\r\n" % cookie
                                             if cookie else "")).encode() + body
    t0 = time.monotonic()
    st, head, b = http_req(s, req)
    secs = time.monotonic() - t0
    s.close()
    return st, head, b, secs


def session_cookie(head):
    m = re.search(r"(?im)^set-cookie: *(tg_session=[^;\r\n]*)", head)
    return m.group(1) if m else None


def console():
    cd_bin = os.path.join(STATIC_BIN, "consoled")
    if not os.access(cd_bin, os.X_OK):
        emit("No %s: build the x86_64 product first (./build.sh image)." % cd_bin)
        return
    d = tempfile.mkdtemp(prefix="tg-bench-console-")
    os.chmod(d, 0o755)  # consoled's user reads the status file and the release here
    writer = subprocess.Popen([sys.executable, "-c",
                               "import sys; sys.path.insert(0, sys.argv[1]); import tgtest; "
                               "tgtest.write_status_forever(sys.argv[2])",
                               os.path.join(TOP, "tests", "system"), os.path.join(d, "status")])
    cd = ref = None
    try:
        while not os.path.exists(os.path.join(d, "status")):
            time.sleep(0.1)
        cd, port, logp, cd_user = console_start(d)
        with open(logp) as f:
            code = re.search(r"setup code ([A-Z2-7]{5}-[A-Z2-7]{5})", f.read())
        if not code:
            raise RuntimeError("no setup code in %s" % logp)
        st, head, b, _ = api_post(port, "/api/setup", {"code": code.group(1), "user": "admin",
                                                       "password": CONSOLE_PASSWORD})
        if st != 200:
            raise RuntimeError("setup: %d %s" % (st, b[:200]))
        logins = []
        for _ in range(3):
            st, head, b, secs = api_post(port, "/api/login", {"user": "admin",
                                                              "password": CONSOLE_PASSWORD})
            if st != 200:
                raise RuntimeError("login: %d %s" % (st, b[:200]))
            logins.append(secs)
        cookie = session_cookie(head)
        cd_pids = [cd.pid] + [p for p, _ in children(cd.pid)]

        # the reference: s_server -www answers one page per connection (then closes),
        # -rev echoes each line reversed on one connection; both one client at a time
        pkid = os.path.join(d, "pki")
        os.makedirs(pkid)
        pki(pkid)
        ref_ports = {}
        ref = []
        for mode in ("-www", "-rev"):
            rp = free_port()
            ref.append(subprocess.Popen(
                # no session tickets: lib/tls13.c sends none (no resumption), so neither
                # side spends a ticket's encryption per handshake
                ["openssl", "s_server", "-quiet", "-accept", "127.0.0.1:%d" % rp, "-tls1_3",
                 "-num_tickets", "0",
                 "-cert", os.path.join(pkid, "server.pem"), "-key",
                 os.path.join(pkid, "server.key"), mode], stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            ref_ports[mode] = rp
        for rp in ref_ports.values():
            deadline = time.time() + 10
            while time.time() < deadline:
                try:
                    socket.create_connection(("127.0.0.1", rp), timeout=1).close()
                    break
                except OSError:
                    time.sleep(0.1)
        time.sleep(0.5)  # the probes' connections gone: s_server serves one at a time
        s = tls_connect(ref_ports["-www"])
        ref_page = len(http_req(s, b"GET / HTTP/1.0\r\n\r\n")[2])
        s.close()

        sess, status = get_req("/api/session", cookie), get_req("/api/status", cookie)
        line = status.rstrip(b"\r\n").replace(b"\r\n", b"; ") + b"\n"  # as long as a request
        loads = [  # label, short name, consoled run, reference run (or None), its pids
            ("TLS 1.3 handshakes /s (a new connection per request)", "handshakes",
             lambda: rate_handshakes(port, sess, CONSOLE_SECONDS),
             lambda: rate_handshakes(ref_ports["-www"], b"GET / HTTP/1.0\r\n\r\n",
                                     CONSOLE_SECONDS), [ref[0].pid]),
            ("GET /api/status /s, 1 keep-alive connection", "keep-alive 1",
             lambda: rate_keepalive(port, status, CONSOLE_SECONDS, b'"time"', 1),
             lambda: ref_echo(ref_ports["-rev"], line), [ref[1].pid]),
            ("static asset (GET /favicon.svg, the web role alone) /s, 1 keep-alive "
             "connection", "favicon 1",
             lambda: rate_keepalive(port, get_req("/favicon.svg", None), CONSOLE_SECONDS,
                                    b"<svg", 1),
             lambda: ref_echo(ref_ports["-rev"], line), [ref[1].pid]),
            ("GET /api/status /s, %d keep-alive connections" % CONSOLE_PARALLEL,
             "keep-alive %d" % CONSOLE_PARALLEL,
             lambda: rate_keepalive(port, status, CONSOLE_SECONDS, b'"time"', CONSOLE_PARALLEL),
             None, None),
        ]
        res = {}
        for r in range(CONSOLE_ROUNDS):
            for i, (_, _, ours, theirs, tpids) in enumerate(loads):
                time.sleep(0.3)  # closed connections leave consoled's per-source count
                res.setdefault((i, "cd"), []).append(measure(cd_pids, ours))
                if theirs:
                    res.setdefault((i, "ref"), []).append(measure(tpids, theirs))
        rss = [("main", rss_kib(cd.pid))] + [("web", rss_kib(p)) for p, _ in children(cd.pid)]
        s = tls_connect(port)
        body_len = [len(http_req(s, r)[2]) for r in (status, get_req("/favicon.svg", None))]
        s.close()

        with open("/proc/cpuinfo") as f:
            model = re.search(r"^model name\s*:\s*(.*)$", f.read(), re.M)
        emit("Host: %s, nproc %d; consoled (static musl x86_64 product binary, %s) and "
             "`openssl s_server -tls1_3` (%s, P-256 certificate) on 127.0.0.1, the client "
             "(Python %s ssl, a minimal HTTP/1.1 reader) on the same cores; %d rounds of "
             "%g s per load, medians." % (
                 model.group(1) if model else "?", os.cpu_count(),
                 "as " + cd_user,
                 subprocess.run(["openssl", "version"], capture_output=True,
                                text=True).stdout.split(" (")[0].strip(), sys.version.split()[0],
                 CONSOLE_ROUNDS, CONSOLE_SECONDS))
        emit()
        emit("| load | consoled | consoled CPU per request | s_server | s_server CPU per "
             "request | rate consoled / s_server | CPU consoled / s_server |")
        emit("|---|---|---|---|---|---|---|")
        for i, (label, _, _, theirs, _) in enumerate(loads):
            rate = med([x[0] for x in res[(i, "cd")]])
            cpu = med([x[1] for x in res[(i, "cd")]])
            row = "| %s | %.0f | %.0f µs | " % (label, rate, cpu)
            if theirs:
                rrate = med([x[0] for x in res[(i, "ref")]])
                rcpu = med([x[1] for x in res[(i, "ref")]])
                row += "%.0f%s | %.0f µs | **%.2f** | **%.2f** |" % (
                    rrate, " (-rev echo)" if i else "", rcpu, rate / rrate, cpu / rcpu)
            else:
                row += "- | - | - | - |"
            emit(row)
        emit()
        emit("- login (POST /api/login, PBKDF2-SHA256 600000 rounds): **%.0f ms** (median of 3: %s)"
             % (med(logins) * 1e3, ", ".join("%.0f" % (x * 1e3) for x in logins)))
        emit("- VmRSS after the load: %s" % ", ".join("%s %d KiB" % x for x in rss))
        emit("- answer bodies: /api/status %d bytes, /favicon.svg %d bytes; s_server -www's page "
             "%d bytes, -rev's line %d bytes" % (body_len[0], body_len[1], ref_page, len(line)))
        emit("- per run (rate/s): " + "; ".join(
            "%s %s: %s" % (short, "consoled" if who == "cd" else "s_server",
                           ", ".join("%.0f" % x[0] for x in res[(i, who)]))
            for i, (_, short, _, _, _) in enumerate(loads) for who in ("cd", "ref")
            if (i, who) in res))
    finally:
        for p in ([cd] if cd else []) + (ref or []):
            p.terminate()
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        writer.terminate()
        writer.wait()
        subprocess.run(["rm", "-rf", d])


def ref_echo(port, line):
    """s_server -rev: one line out, the line reversed back, on one connection"""
    s = tls_connect(port)
    n, t0, buf = 0, time.monotonic(), b""
    while time.monotonic() - t0 < CONSOLE_SECONDS:
        s.sendall(line)
        while b"\n" not in buf:
            got = s.recv(65536)
            if not got:
                raise OSError("s_server -rev closed the connection")
            buf += got
        buf = buf.split(b"\n", 1)[1]
        n += 1
    s.close()
    return n / CONSOLE_SECONDS


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


def section_console():
    emit("### Web console: consoled vs openssl s_server, same machine, same run")
    emit()
    console()
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
            "update": section_update, "console": section_console}
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
