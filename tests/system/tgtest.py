"""tgtest.py - small pieces the system tests' Python helpers share.

record(): the clock status record, written the way the time service
writes it (lib/timestatus.c's layout: 96 bytes, little-endian, CRC-32 at
the end), independently of the C encoder.
write_status_forever(): rewrite a status file every second, atomically
(tmp file + rename), as the time service does.
unix_dump(): everything a Unix stream socket sends until it closes
(tg-supervise's status.sock and log.sock).

Import with sys.path.insert(0, "$TOP/tests/system")."""
import os
import socket
import struct
import time
import zlib


def record(state, stratum, refid, leap):
    mono = time.clock_gettime_ns(time.CLOCK_MONOTONIC)
    real = time.time_ns()
    body = struct.pack("<IHHBBBB4sQQQqQqqqi8x", 0x53544754, 1, 96,
                       state, leap, stratum, 0, refid.encode().ljust(4, b"\0"),
                       2000, 50000, 40000, 0, 100, 0, real, mono, 37)
    return body + struct.pack("<I", zlib.crc32(body))


def write_status_forever(path, state=2, stratum=1, refid="GPS", leap=0):
    """Default: a LOCKED stratum-1 "GPS" record."""
    while True:
        tmp = path + ".w"
        with open(tmp, "wb") as f:
            f.write(record(state, stratum, refid, leap))
        os.chmod(tmp, 0o644)
        os.rename(tmp, path)
        time.sleep(1)


def unix_dump(path, timeout=10):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect(path)
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    s.close()
    return data.decode("utf-8", "replace")
