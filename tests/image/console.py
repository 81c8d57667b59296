"""console.py - boot an image under QEMU and watch its serial console.

Used by tests/image/test_*.py.  Environment (from tests/run.sh):
  OUT            build outputs (out/images/BOARD/{disk.img,qemu.sh})
  T              a scratch folder for this test program
  TG_BOARD       qemu-x86_64 or qemu-aarch64
  TG_PORT_BASE   host ports: +0 NTS-KE, +1 NTP, +2 console (127.0.0.1)

Only the outside of the machine is used: its serial console, its
forwarded ports, QMP for a hard reset.  The image has no shell to log in to.
"""
import json
import os
import re
import select
import signal
import shutil
import socket
import struct
import subprocess
import sys
import time

OUT = os.environ["OUT"]
BOARD = os.environ.get("TG_BOARD", "qemu-x86_64")
SCRATCH = os.environ.get("T") or "/tmp"
PORT_BASE = int(os.environ.get("TG_PORT_BASE", "20000"))
PORTS = {"ntske": PORT_BASE, "ntp": PORT_BASE + 1, "console": PORT_BASE + 2}
IMAGE = os.path.join(OUT, "images", BOARD)

_failed = 0


def ok(name):
    print("ok - %s: %s" % (BOARD, name), flush=True)


def not_ok(name, *detail):
    global _failed
    _failed += 1
    print("not ok - %s: %s" % (BOARD, name), flush=True)
    for d in detail:
        print("  " + str(d), file=sys.stderr, flush=True)


def check(name, cond, *detail):
    if cond:
        ok(name)
    else:
        not_ok(name, *detail)
    return cond


def done():
    sys.exit(1 if _failed else 0)


def fresh_disk(name="disk.img"):
    """A private copy of the board's disk image (sparse)."""
    path = os.path.join(SCRATCH, name)
    subprocess.run(["cp", "--sparse=always", os.path.join(IMAGE, "disk.img"), path], check=True)
    return path


def gpt_partitions(path):
    """{name: (offset_bytes, size_bytes)} from the disk's GPT."""
    with open(path, "rb") as f:
        f.seek(512)
        hdr = f.read(92)
        if hdr[:8] != b"EFI PART":
            raise ValueError("%s: no GPT header" % path)
        entries_lba, count, esize = struct.unpack_from("<QII", hdr, 72)
        f.seek(entries_lba * 512)
        table = f.read(count * esize)
    parts = {}
    for i in range(count):
        e = table[i * esize:(i + 1) * esize]
        first, last = struct.unpack_from("<QQ", e, 32)
        if first == 0:
            continue
        name = e[56:128].decode("utf-16-le").rstrip("\0")
        parts[name] = (first * 512, (last - first + 1) * 512)
    return parts


def flip_byte(path, offset):
    with open(path, "r+b") as f:
        f.seek(offset)
        b = f.read(1)
        f.seek(offset)
        f.write(bytes([b[0] ^ 0xFF]))


def variant_images(name, patch_rootfs):
    """A variant of the board's slot images: its root filesystem copied,
    changed by patch_rootfs(folder), rebuilt with the build's own tools
    (image/mkroot.sh: squashfs + dm-verity) and paired with an initramfs
    carrying the new root hash (image/mkinitrd.sh), so the variant verifies
    and boots like a real slot.  Returns the paths (boot.vfat, root.img)."""
    top = os.environ["TOP"]
    work = os.path.join(SCRATCH, "variant-" + name)
    subprocess.run(["rm", "-rf", work], check=True)
    os.makedirs(work)
    board_work = os.path.join(OUT, "work", BOARD)
    rootfs, initramfs = os.path.join(work, "rootfs"), os.path.join(work, "initramfs")
    subprocess.run(["cp", "-a", os.path.join(board_work, "rootfs"), rootfs], check=True)
    subprocess.run(["cp", "-a", os.path.join(board_work, "initramfs"), initramfs], check=True)
    patch_rootfs(rootfs)
    subprocess.run([os.path.join(top, "image", "mkroot.sh"), rootfs, work], check=True)
    shutil.copy(os.path.join(work, "verity.conf"), os.path.join(initramfs, "etc", "verity.conf"))
    initrd = os.path.join(work, "initrd")
    subprocess.run([os.path.join(top, "image", "mkinitrd.sh"), initramfs, initrd], check=True)
    boot = os.path.join(work, "boot.vfat")
    shutil.copy(os.path.join(IMAGE, "slot", "boot.vfat"), boot)
    subprocess.run(["mcopy", "-o", "-i", boot, initrd, "::initrd"], check=True,
                   env=dict(os.environ, MTOOLS_SKIP_CHECK="1"))
    return boot, os.path.join(work, "root.img")


def variant_slot(disk, slot, patch_rootfs):
    """Write into `disk`'s slot a variant of the board's slot (variant_images)."""
    boot, root = variant_images(slot, patch_rootfs)
    parts = gpt_partitions(disk)
    for name, src in (("boot" + slot, boot), ("root" + slot, root)):
        off, size = parts[name]
        if os.path.getsize(src) > size:
            raise ValueError("%s does not fit partition %s" % (src, name))
        with open(src, "rb") as f, open(disk, "r+b") as d:
            d.seek(off)
            shutil.copyfileobj(f, d)


def release():
    """The built slot's release (out/images/BOARD/slot/release): a dict."""
    rel = {}
    with open(os.path.join(IMAGE, "slot", "release")) as f:
        for line in f:
            k, _, v = line.strip().partition(" ")
            rel[k] = v
    return rel


def next_version(version, step=1):
    """MAJOR.MINOR.PATCH with the patch number raised by `step`."""
    major, minor, patch = (int(x) for x in version.split("."))
    return "%d.%d.%d" % (major, minor, patch + step)


def make_bundle(name, version, security, patch_rootfs=None):
    """A signed update bundle of a variant of the board's slot whose
    /etc/timegate/release says `version` and `security` (and which
    patch_rootfs may change further), signed with the build's development
    key (keys/update-dev, made by build.sh) by tg-bundle.  Returns its path."""
    top = os.environ["TOP"]

    def patch(rootfs):
        rel = os.path.join(rootfs, "etc", "timegate", "release")
        with open(rel) as f:
            lines = [l for l in f if not l.startswith(("version ", "security "))]
        with open(rel, "w") as f:
            f.write("version %s\nsecurity %s\n" % (version, security))
            f.writelines(lines)
        if patch_rootfs:
            patch_rootfs(rootfs)

    boot, root = variant_images(name, patch)
    out = os.path.join(SCRATCH, name + ".tgb")
    subprocess.run([os.path.join(OUT, "host", "services-host", "bin", "tg-bundle"), "create",
                    "-k", os.path.join(top, "keys", "update-dev", "key.pem"), "-o", out,
                    "-c", BOARD, "-v", version, "-s", str(security), boot, root], check=True,
                   stdout=subprocess.DEVNULL)
    return out


def stick_args(bundle):
    """QEMU arguments for a removable disk (an "update stick") whose first
    bytes are `bundle` (padded to whole sectors), read-only: updated(8)
    finds a bundle on a removable disk and installs it."""
    stick = bundle + ".stick"
    shutil.copy(bundle, stick)
    size = os.path.getsize(stick)
    with open(stick, "ab") as f:
        f.write(bytes(-size % 512))
    return ["-drive", "if=none,id=stick,format=raw,readonly=on,file=" + stick,
            "-device", "virtio-blk-pci,drive=stick"]


def verity_conf():
    """The slot's dm-verity parameters, as built into its initramfs."""
    conf = {}
    with open(os.path.join(IMAGE, "slot", "verity.conf")) as f:
        for line in f:
            k, _, v = line.strip().partition("=")
            conf[k] = v
    return conf


# A boot that did not come up: the initramfs refused it, or the kernel
# restarted when dm-verity found a changed block (restart_on_corruption),
# or it panicked.
BOOT_FAILED = (r"timegate-initramfs: FATAL: .*; rebooting"
               r"|reboot: Restarting system with command 'dm-verity device corrupted'"
               r"|Kernel panic")


class Timeout(Exception):
    pass


class Machine:
    """One QEMU run of the board's image on `disk`."""

    def __init__(self, disk, no_reboot=False, name="qemu", wrap=(), env=None, extra=()):
        """wrap: a command prefix for QEMU (e.g. ip netns exec NS); env: extra
        environment for qemu.sh (e.g. TG_NETDEV_TIME); extra: more QEMU
        arguments (e.g. stick_args()).  The board's NMEA
        port (virtio-serial gnss0) listens on its own socket, self.gnss_sock;
        gnss_sim() feeds it."""
        self.log_path = os.path.join(SCRATCH, name + ".console.log")
        self.qmp_path = os.path.join(SCRATCH, name + ".qmp")
        self.gnss_sock = os.path.join(SCRATCH, name + ".gnss.sock")
        self.sims = []
        args = list(wrap) + [os.path.join(IMAGE, "qemu.sh"), disk,
                "-qmp", "unix:%s,server=on,wait=off" % self.qmp_path]
        if no_reboot:
            args.append("-no-reboot")
        args += list(extra)
        env = dict(os.environ, TG_FWD_NTSKE=str(PORTS["ntske"]), TG_FWD_NTP=str(PORTS["ntp"]),
                   TG_FWD_CONSOLE=str(PORTS["console"]), TG_GNSS_SOCK=self.gnss_sock,
                   **(env or {}))
        self.t0 = time.monotonic()
        self.proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, env=env)
        os.set_blocking(self.proc.stdout.fileno(), False)
        self.lines = []   # (seconds since start, text)
        self.pos = 0      # lines before pos were consumed by wait()
        self._buf = b""
        self._log = open(self.log_path, "w")

    def _pump(self, timeout):
        r, _, _ = select.select([self.proc.stdout], [], [], timeout)
        if not r:
            return
        data = self.proc.stdout.read() or b""
        self._buf += data
        while b"\n" in self._buf:
            raw, self._buf = self._buf.split(b"\n", 1)
            text = raw.decode("utf-8", "replace").replace("\r", "")
            t = time.monotonic() - self.t0
            self.lines.append((t, text))
            self._log.write("%8.3f %s\n" % (t, text))
            self._log.flush()
            if "timed[main] warn: NMEA time comes" in text:
                # the simulated receiver's NMEA falls outside timed's window
                # (pps-ktimer's arbitrary phase): move it, as gnss_sim.py says
                for p in self.sims:
                    if p.poll() is None:
                        p.send_signal(signal.SIGWINCH)

    def wait(self, pattern, timeout, fail=None):
        """Wait for a console line matching `pattern` (after the last match).
        Returns (seconds since start, re.Match).  Raises Timeout if it does not
        come, or if a line matching `fail` comes first, or if QEMU exits."""
        rx = re.compile(pattern)
        frx = re.compile(fail) if fail else None
        deadline = time.monotonic() + timeout
        while True:
            while self.pos < len(self.lines):
                t, text = self.lines[self.pos]
                self.pos += 1
                m = rx.search(text)
                if m:
                    return t, m
                if frx and frx.search(text):
                    raise Timeout("'%s' came before '%s': %s" % (fail, pattern, text))
            if self.proc.poll() is not None:
                self._pump(0)
                if self.pos < len(self.lines):
                    continue
                raise Timeout("QEMU exited (%s) before '%s'" % (self.proc.returncode, pattern))
            left = deadline - time.monotonic()
            if left <= 0:
                raise Timeout("no '%s' within %d s" % (pattern, timeout))
            self._pump(min(left, 0.5))

    def mark(self):
        """Consume the lines printed so far: the next wait() sees only later ones."""
        self._pump(0)
        self.pos = len(self.lines)

    def seen(self, pattern):
        rx = re.compile(pattern)
        return [text for _, text in self.lines if rx.search(text)]

    def wait_exit(self, timeout):
        deadline = time.monotonic() + timeout
        while self.proc.poll() is None and time.monotonic() < deadline:
            self._pump(0.5)
        self._pump(0)
        return self.proc.poll()

    def qmp(self, command):
        """Run one QMP command (e.g. system_reset: a hard reset, like a power cut)."""
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(10)
        s.connect(self.qmp_path)
        f = s.makefile("rw")
        f.readline()  # greeting
        for cmd in ({"execute": "qmp_capabilities"}, {"execute": command}):
            f.write(json.dumps(cmd) + "\n")
            f.flush()
            while True:
                reply = json.loads(f.readline())
                if "return" in reply or "error" in reply:
                    break
            if "error" in reply:
                raise RuntimeError("QMP %s: %s" % (cmd["execute"], reply["error"]))
        s.close()

    def gnss_sim(self, *args):
        """Start tests/system/gnss_sim.py (with these options) feeding the
        board's NMEA port; it reconnects until QEMU listens.  When timed
        logs that the NMEA falls outside its nmea-window (pps-ktimer's
        pulses come at the phase of its loading, not at true seconds),
        _pump sends it SIGWINCH and it moves its NMEA half a second (see
        gnss_sim.py).  Returns the Popen; stop() ends it.  Its messages go
        to SCRATCH/gnss_sim.log."""
        sim = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "system", "gnss_sim.py")
        if not self.sims:
            self.moves0 = len(self.sim_moves())
        log = open(os.path.join(SCRATCH, "gnss_sim.log"), "a")
        p = subprocess.Popen([sys.executable, sim, "--socket", self.gnss_sock] + list(args),
                             stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        self.sims.append(p)
        return p

    def sim_moves(self):
        """gnss_sim's re-phasing lines so far (see gnss_sim)."""
        try:
            with open(os.path.join(SCRATCH, "gnss_sim.log")) as f:
                return [l.rstrip("\n") for l in f if "NMEA now" in l]
        except OSError:
            return []

    def tail(self, n=30):
        return ["%8.3f %s" % x for x in self.lines[-n:]]

    def stop(self):
        if self.sims:  # say when the simulated receiver had to move (a "#" comment)
            for line in self.sim_moves()[getattr(self, "moves0", 0):]:
                print("# %s: %s" % (BOARD, line), flush=True)
            self.moves0 = len(self.sim_moves())
        for p in self.sims:
            if p.poll() is None:
                p.terminate()
            try:
                p.wait(5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self._pump(0)
        self._log.close()
        # keep the console log with the test results
        results = os.path.join(OUT, "test-results")
        if os.path.isdir(results):
            shutil.copy(self.log_path, os.path.join(
                results, "%s-%s" % (BOARD, os.path.basename(self.log_path))))


def ntp_query(port, timeout=2.0):
    """Send an NTPv4 client request to 127.0.0.1:port; return the reply bytes
    and the transmit timestamp we sent (or None if no reply)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(timeout)
    xmt = struct.pack(">II", int(time.time()) + 2208988800, 0x12345678)
    req = bytes([0x23]) + bytes(39) + xmt
    try:
        s.sendto(req, ("127.0.0.1", port))
        data, _ = s.recvfrom(2048)
        return data, xmt
    except OSError:
        return None, xmt
    finally:
        s.close()
