#!/usr/bin/env python3
"""gnss_sim.py - a simulated NMEA 0183 GNSS receiver, for tests and `./build.sh run`.

Once per true second S (the host's clock), at S + delay (default 50 ms, as
a receiver sends its NMEA shortly after the pulse that marks S), it writes
one epoch describing second S:
  $GPRMC  time, status A, position, date
  $GPGGA  time, quality 1, 9 satellites used, position (52.0 N 4.37 E, 10 m)
  $GPGSA  mode 3 (3D fix), the 9 satellites used, DOPs
  $GPGSV  3 sentences: 12 satellites in view with elevation/azimuth/SNR
  $GPZDA  time, day, month, year
each ended by *checksum and CRLF.  The host clock is never changed; the
simulator only reads it.

Faults, for tests: --offset-s (the time it reports is shifted: a spoofer),
--move-m/--move-after (the position jumps N metres north after K epochs),
--no-fix-after (status V, quality 0, no position, time still sent),
--stop-after (silent after K epochs, output kept open: a receiver that
stops talking, not a pulled cable), --talker GN (multi-constellation
talker for RMC/GGA/GSA/ZDA).  SIGUSR1 silences the output at run time,
SIGUSR2 resumes it (for tests that cannot know K in advance).  SIGWINCH
moves the NMEA half a second later in each second (see below).

Outputs: --socket PATH connects to a Unix stream socket (QEMU's socket
chardev of the image's NMEA port) and reconnects whenever it is gone;
--pty LINK makes a pseudo-terminal and links LINK to its slave side (what
timed opens as its serial device); --path PATH writes to an existing tty
or FIFO, or creates/appends a file; default stdout.  Epochs are written
whole or not at all: while the reader lags by an epoch or more (QEMU does
not read the socket while no guest program has the port open), epochs are
dropped, as bytes are lost on a serial line nobody reads, rather than
queued: a reader that opens late gets at most one stale epoch (the one
already queued, as from a UART's buffer), then the current ones.

Under QEMU the guest's pulses come from pps-ktimer at the phase of its
loading, not at true seconds, so NMEA sent 50 ms after the true second can
fall where timed's nmea-window does not take it; timed then logs "NMEA time
comes N ms after the newest pulse".  A real receiver sends PPS and NMEA in
step; this one cannot see the guest's pulses.  The image tests, which read
the guest's console, send SIGWINCH when timed says so: the NMEA moves half
a second.  `./build.sh run` cannot read the console for the user, so it
passes --rephase-ntp PORT: ask the guest's NTP server (127.0.0.1:PORT)
every 5 s and, when it has answered "unsynchronised" for --rephase-after
seconds (default 150: a loaded host's TCG guest can take minutes to
lock) with no stratum-1 answer in between, move the NMEA half a second.
A guest that does not answer (booting, rebooting) restarts the count.
Each move is said on stderr.

As a module:  sentence(body) -> bytes;  epoch(Receiver, S) -> bytes;
Receiver(...) for the fault settings;  open_sink(...) / run(...).
"""
import argparse
import datetime
import errno
import fcntl
import math
import os
import pty
import signal
import socket
import struct
import sys
import termios
import threading
import time

# metres per degree of latitude on a sphere of the mean Earth radius;
# --move-m is about where a receiver reports itself, not geodesy
M_PER_DEG_LAT = 6371000.0 * math.pi / 180.0


def checksum(body):
    """NMEA checksum: XOR of the characters between '$' and '*', 2 hex digits."""
    c = 0
    for ch in body.encode("ascii"):
        c ^= ch
    return "%02X" % c


def sentence(body):
    """One sentence from its body (without '$' and '*'): b'$BODY*CS\\r\\n'."""
    return ("$%s*%s\r\n" % (body, checksum(body))).encode("ascii")


def _lat(deg):
    a = abs(deg)
    d = int(a)
    return "%02d%07.4f" % (d, (a - d) * 60.0), ("N" if deg >= 0 else "S")


def _lon(deg):
    a = abs(deg)
    d = int(a)
    return "%03d%07.4f" % (d, (a - d) * 60.0), ("E" if deg >= 0 else "W")


# satellites in view: (PRN, elevation, azimuth, SNR); the first 9 are used
SATS = [(2, 67, 112, 45), (5, 45, 230, 42), (7, 38, 65, 40), (9, 22, 305, 36),
        (13, 55, 180, 44), (15, 12, 20, 31), (18, 30, 270, 38), (20, 71, 300, 46),
        (26, 15, 140, 33), (29, 8, 350, 0), (30, 5, 90, 0), (31, 3, 200, 0)]
USED = 9


class Receiver:
    """What the simulated receiver reports, and its faults (counted in epochs)."""

    def __init__(self, offset_s=0.0, move_m=0.0, move_after=0, no_fix_after=None,
                 talker="GP", lat=52.0, lon=4.37, alt=10.0):
        if talker not in ("GP", "GN"):
            raise ValueError("talker must be GP or GN, not %r" % talker)
        self.offset_s = offset_s
        self.move_m = move_m
        self.move_after = move_after
        self.no_fix_after = no_fix_after
        self.talker = talker
        self.lat, self.lon, self.alt = lat, lon, alt
        self.epochs = 0   # epochs made so far


def epoch(rx, second):
    """The sentences for true UTC second `second` (an int, Unix time), as
    receiver `rx` reports it; counts the epoch for rx's faults."""
    n = rx.epochs
    rx.epochs += 1
    t = second + rx.offset_s
    dt = datetime.datetime.fromtimestamp(math.floor(t), datetime.timezone.utc)
    hms = "%02d%02d%05.2f" % (dt.hour, dt.minute, dt.second + (t - math.floor(t)))
    fix = rx.no_fix_after is None or n < rx.no_fix_after
    lat = rx.lat
    if rx.move_m and n >= rx.move_after:
        lat += rx.move_m / M_PER_DEG_LAT
    tk = rx.talker
    if fix:
        la, ns = _lat(lat)
        lo, ew = _lon(rx.lon)
        pos = "%s,%s,%s,%s" % (la, ns, lo, ew)
    else:
        pos = ",,,"
    out = [
        sentence("%sRMC,%s,%s,%s,0.00,0.00,%s,,,%s" % (
            tk, hms, "A" if fix else "V", pos, dt.strftime("%d%m%y"), "A" if fix else "N")),
        sentence("%sGGA,%s,%s,%d,%02d,%s,%s,M,47.0,M,," % (
            tk, hms, pos, 1 if fix else 0, USED if fix else 0,
            "0.9" if fix else "", ("%.1f" % rx.alt) if fix else "")),
    ]
    used = ["%02d" % s[0] for s in SATS[:USED]] if fix else []
    used += [""] * (12 - len(used))
    out.append(sentence("%sGSA,A,%d,%s,%s" % (
        tk, 3 if fix else 1, ",".join(used), "1.6,0.9,1.3" if fix else ",,")))
    total = (len(SATS) + 3) // 4
    for i in range(total):
        part = SATS[i * 4:i * 4 + 4]
        fields = ",".join("%02d,%02d,%03d,%s" % (p, e, a, ("%02d" % s) if s and fix else "")
                          for p, e, a, s in part)
        out.append(sentence("GPGSV,%d,%d,%02d,%s" % (total, i + 1, len(SATS), fields)))
    out.append(sentence("%sZDA,%s,%02d,%02d,%04d,00,00" % (tk, hms, dt.day, dt.month, dt.year)))
    return b"".join(out)


def _log(msg):
    print("gnss_sim: %s" % msg, file=sys.stderr, flush=True)


class Sink:
    """Where epochs go.  write(data) -> True if written whole, False if dropped."""

    def __init__(self, kind, path=None):
        self.kind, self.path = kind, path
        self.fd = None        # for path, pty (master) and stdout
        self.sock = None
        self._warned = False
        if kind == "stdout":
            self.fd = sys.stdout.fileno()
        elif kind == "pty":
            master, slave = pty.openpty()
            # raw: no echo or CR/LF translation between the two sides
            attrs = termios.tcgetattr(slave)
            attrs[0] = attrs[1] = attrs[3] = 0
            termios.tcsetattr(slave, termios.TCSANOW, attrs)
            os.set_blocking(master, False)
            tmp = path + ".tmp"
            if os.path.lexists(tmp):
                os.unlink(tmp)
            os.symlink(os.ttyname(slave), tmp)
            os.rename(tmp, path)
            # keep the slave open, or the master's writes fail (EIO) until
            # someone opens it
            self.fd, self._slave = master, slave

    def _connect(self):
        if self.kind == "socket":
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                s.connect(self.path)
            except OSError as e:
                s.close()
                if not self._warned:
                    _log("waiting for %s (%s)" % (self.path, e.strerror))
                    self._warned = True
                return False
            s.setblocking(False)
            self.sock, self._warned = s, False
            _log("connected to %s" % self.path)
        elif self.kind == "path":
            try:
                # O_NONBLOCK: a FIFO without a reader fails (ENXIO) instead of
                # blocking; a full tty or FIFO drops the epoch
                self.fd = os.open(self.path, os.O_WRONLY | os.O_NOCTTY | os.O_NONBLOCK |
                                  os.O_APPEND | (0 if os.path.exists(self.path) else os.O_CREAT), 0o644)
            except OSError as e:
                if not self._warned:
                    _log("waiting for %s (%s)" % (self.path, e.strerror))
                    self._warned = True
                return False
            self._warned = False
        return True

    def _pending(self):
        """Bytes written but not yet read by the other side: SIOCOUTQ on a
        socket, TIOCOUTQ on a tty, FIONREAD on our pty's own slave side
        (a pty master's output queue is always empty); 0 if unknown."""
        if self.sock:
            fd, req = self.sock.fileno(), termios.TIOCOUTQ  # == SIOCOUTQ
        elif self.kind == "pty":
            fd, req = self._slave, termios.FIONREAD
        else:
            fd, req = self.fd, termios.TIOCOUTQ
        try:
            return struct.unpack("i", fcntl.ioctl(fd, req, b"\0" * 4))[0]
        except OSError:
            return 0

    def write(self, data):
        if self.sock is None and self.fd is None and not self._connect():
            return False
        if self.kind != "stdout" and self._pending() >= len(data):
            return False  # the reader is an epoch behind: drop, do not queue stale time
        try:
            if self.sock:
                n = self.sock.send(data)
            else:
                n = os.write(self.fd, data)
        except BlockingIOError:
            return False
        except OSError as e:
            if e.errno in (errno.EPIPE, errno.ECONNRESET, errno.ENOTCONN, errno.EIO, errno.ENXIO) \
                    and self.kind in ("socket", "path"):
                _log("%s: %s; reconnecting" % (self.path, e.strerror))
                self.close()
                return False
            raise
        return n == len(data)

    def close(self):
        if self.sock:
            self.sock.close()
            self.sock = None
        elif self.fd is not None and self.kind == "path":
            os.close(self.fd)
            self.fd = None


def open_sink(socket_path=None, path=None, pty_link=None):
    if socket_path:
        return Sink("socket", socket_path)
    if pty_link:
        return Sink("pty", pty_link)
    if path:
        return Sink("path", path)
    return Sink("stdout")


class Control:
    """Run-time switches: silent (SIGUSR1 on, SIGUSR2 off), stop (SIGTERM/SIGINT),
    and the NMEA's delay after the true second (moved by Rephaser)."""

    def __init__(self, delay_s=0.05):
        self.silent = False
        self.stop = False
        self.delay_s = delay_s


NTP_EPOCH = 2208988800


def ntp_stratum(port, timeout=1.0):
    """One NTPv4 client exchange with 127.0.0.1:port: the reply's stratum
    (0 for unsynchronised, as leap 3 replies carry), or None without a
    valid reply."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(timeout)
    try:
        t = time.time()
        xmt = struct.pack(">II", int(t) + NTP_EPOCH, int((t % 1) * 2 ** 32))
        s.sendto(bytes([0x23]) + bytes(39) + xmt, ("127.0.0.1", port))
        data = s.recv(2048)
    except OSError:
        return None
    finally:
        s.close()
    if len(data) < 48 or data[24:32] != xmt or data[0] & 7 != 4:
        return None
    return 0 if data[0] >> 6 == 3 else data[1]


class Rephaser(threading.Thread):
    """Moves ctl.delay_s by half a second when the guest's NTP server has
    answered unsynchronised for `patience` seconds in a row (see the file
    header)."""

    def __init__(self, ctl, port, patience=150.0, every=5.0):
        super().__init__(daemon=True)
        self.ctl, self.port, self.patience, self.every = ctl, port, patience, every
        self.moves = 0

    def run(self):
        since = None  # first unsynchronised answer of the current run
        while not self.ctl.stop:
            stratum = ntp_stratum(self.port)
            now = time.monotonic()
            if stratum is None or 1 <= stratum <= 15:
                since = None
            elif since is None:
                since = now
            elif now - since >= self.patience and not self.ctl.silent:
                self.moves += 1
                since = now
                move(self.ctl, "the guest on port %d has not synchronised for %d s"
                     % (self.port, self.patience))
            time.sleep(self.every)


def move(ctl, why):
    """The NMEA half a second later in each second (see the file header)."""
    ctl.delay_s = (ctl.delay_s + 0.5) % 1.0
    print("gnss_sim: %s: NMEA now %d ms after each true second" % (why, round(ctl.delay_s * 1000)),
          file=sys.stderr, flush=True)


def run(rx, sink, delay_s=0.05, stop_after=None, count=None, ctl=None):
    """Write an epoch at each true second + delay (delay_s, or ctl.delay_s
    when a ctl is given: it may move) until `count` epochs were made or
    ctl.stop; silent (nothing written, sink kept open) once `stop_after`
    epochs were made or while ctl.silent.  Each second is described once."""
    ctl = ctl or Control(delay_s)
    made, last = 0, None
    while not ctl.stop and (count is None or made < count):
        now = time.time()
        delay_s = ctl.delay_s
        second = math.floor(now - delay_s) + 1
        if last is not None and second <= last:
            second = last + 1  # the delay moved later: do not describe a second twice
        wake = second + delay_s
        # sleep in short steps: signals only set flags
        while not ctl.stop and time.time() < wake:
            time.sleep(min(0.1, max(0.0, wake - time.time())))
        if ctl.stop:
            break
        data = epoch(rx, second)
        made += 1
        last = second
        if ctl.silent or (stop_after is not None and made > stop_after):
            continue
        sink.write(data)
    return made


def main(argv=None):
    ap = argparse.ArgumentParser(description="Simulated NMEA 0183 GNSS receiver (see the file header).")
    out = ap.add_mutually_exclusive_group()
    out.add_argument("--socket", metavar="PATH", help="connect to this Unix stream socket (reconnects)")
    out.add_argument("--pty", metavar="LINK", help="make a pty; LINK -> its slave side")
    out.add_argument("--path", metavar="PATH", help="write to this tty, FIFO or file")
    ap.add_argument("--delay-ms", type=float, default=50.0, help="after each true second (default 50)")
    ap.add_argument("--offset-s", type=float, default=0.0, help="shift the reported time (spoofing)")
    ap.add_argument("--move-m", type=float, default=0.0, help="move the position N metres north ...")
    ap.add_argument("--move-after", type=int, default=0, metavar="K", help="... after K epochs")
    ap.add_argument("--no-fix-after", type=int, metavar="K", help="report no fix after K epochs")
    ap.add_argument("--stop-after", type=int, metavar="K", help="go silent after K epochs")
    ap.add_argument("--count", type=int, metavar="N", help="exit after N epochs (default: run until killed)")
    ap.add_argument("--rephase-ntp", type=int, metavar="PORT",
                    help="move the NMEA half a second while the guest's NTP server on "
                         "127.0.0.1:PORT stays unsynchronised (QEMU; see the file header)")
    ap.add_argument("--rephase-after", type=float, default=150.0, metavar="S",
                    help="... for S seconds (default 150)")
    ap.add_argument("--talker", choices=("GP", "GN"), default="GP")
    ap.add_argument("--lat", type=float, default=52.0)
    ap.add_argument("--lon", type=float, default=4.37)
    ap.add_argument("--alt", type=float, default=10.0)
    a = ap.parse_args(argv)
    if not 0.0 <= a.delay_ms < 1000.0:
        ap.error("--delay-ms must be from 0 to 999, got %g" % a.delay_ms)
    rx = Receiver(offset_s=a.offset_s, move_m=a.move_m, move_after=a.move_after,
                  no_fix_after=a.no_fix_after, talker=a.talker, lat=a.lat, lon=a.lon, alt=a.alt)
    if a.rephase_ntp is not None and not 0 < a.rephase_ntp < 65536:
        ap.error("--rephase-ntp expects a UDP port from 1 to 65535, got %d" % a.rephase_ntp)
    if a.rephase_after <= 0:
        ap.error("--rephase-after expects seconds above 0, got %g" % a.rephase_after)
    sink = open_sink(a.socket, a.path, a.pty)
    ctl = Control(a.delay_ms / 1000.0)
    if a.rephase_ntp:
        Rephaser(ctl, a.rephase_ntp, a.rephase_after).start()

    def on_signal(sig, _frame):
        if sig == signal.SIGUSR1:
            ctl.silent = True
        elif sig == signal.SIGUSR2:
            ctl.silent = False
        elif sig == signal.SIGWINCH:
            move(ctl, "asked to (SIGWINCH)")
        else:
            ctl.stop = True
    for s in (signal.SIGUSR1, signal.SIGUSR2, signal.SIGWINCH, signal.SIGTERM, signal.SIGINT,
              signal.SIGHUP):
        signal.signal(s, on_signal)
    try:
        run(rx, sink, ctl.delay_s, a.stop_after, a.count, ctl)
    except BrokenPipeError:
        pass  # stdout closed (e.g. piped into head)
    finally:
        sink.close()
        if a.pty and os.path.islink(a.pty):
            os.unlink(a.pty)
    return 0


if __name__ == "__main__":
    sys.exit(main())
