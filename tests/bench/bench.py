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
Writes out/bench/results.md and prints it.
"""
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time

TOP, OUT = os.environ["TOP"], os.environ["OUT"]
sys.path.insert(0, os.path.join(TOP, "tests", "image"))
BOOTS = int(os.environ.get("TG_BENCH_BOOTS", "5"))
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


MiB = 1048576.0
emit("## Results of ./build.sh bench (%s)" % time.strftime("%Y-%m-%d"))
emit()
emit("Host: %s, %d cores; QEMU TCG (no KVM)." % (
    subprocess.run(["uname", "-m"], capture_output=True, text=True).stdout.strip(),
    os.cpu_count()))
emit()
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
emit("### Sizes")
emit()
emit("| board | kernel | initramfs | root (squashfs xz) | root + hash tree | slot (kernel + initramfs "
     "+ root) | one slot, xz | disk image (allocated / apparent) |")
emit("|---|---|---|---|---|---|---|---|")
for board in ("qemu-x86_64", "qemu-aarch64"):
    z = sizes(board)
    emit("| %s | %.2f MiB | %.2f MiB | %.2f MiB | %.2f MiB | **%.2f MiB** | %.2f MiB | %.1f / %.0f MiB |" % (
        board, z["kernel"] / MiB, z["initramfs"] / MiB, z["root_squashfs"] / MiB,
        z["root_with_hashtree"] / MiB, z["slot_compressed"] / MiB, z["slot_xz"] / MiB,
        z["disk_allocated"] / MiB, z["disk"] / MiB))
emit()
emit("### Resident memory (VmRSS), x86_64 static binaries under tg-supervise, after 100 NTP requests")
emit()
emit("| service | role | VmRSS |")
emit("|---|---|---|")
for svc, role, kib in memory():
    emit("| %s | %s | %d KiB |" % (svc, role, kib))
os.makedirs(os.path.join(OUT, "bench"), exist_ok=True)
with open(os.path.join(OUT, "bench", "results.md"), "w") as f:
    f.write("\n".join(lines) + "\n")
