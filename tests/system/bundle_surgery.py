"""bundle_surgery.py - byte surgery on update bundles, and paced feeding,
for tests/system/test_updated.sh.

It knows the bundle layout of services/lib/bundle.h on its own (16-byte
header "TGBUNDL1", manifest length, signature length 64; manifest;
signature; images) so the test can make the hostile bundles a signer
never would: a zeroed signature, one bundle's signature on another's
manifest, a manifest changed after signing, flipped image bytes, cuts,
bytes appended.  The feeding commands write a bundle to stdout slowly
(for the power-cut loop) or in two halves from two files (the file
changed between verification and install).

    parts FILE                  print "MANIFEST_LEN PAYLOAD_OFFSET TOTAL"
    flip IN OUT OFFSET          copy with byte OFFSET xor 0x01
    zerosig IN OUT              copy with the 64 signature bytes zeroed
    graft SIGFROM BODYFROM OUT  BODYFROM's header, manifest and images with
                                SIGFROM's signature
    editver IN OUT              the version's last digit changed, not re-signed
    cut IN OUT LEN              the first LEN bytes
    append IN EXTRA OUT         IN followed by the bytes of EXTRA
    slow IN CHUNK DELAY         IN to stdout, CHUNK bytes every DELAY seconds
    swap A B SPLIT CTL SOCK     A[:SPLIT] to stdout, then wait (up to 10 s)
                                until `CTL -s SOCK status` shows the
                                agent writing, then B[SPLIT:]
"""
import os
import struct
import subprocess
import sys
import time

HDR = 16
SIG = 64


def parts(b):
    if len(b) < HDR or b[:8] != b"TGBUNDL1":
        raise SystemExit("not a bundle")
    ml, sl = struct.unpack_from("<II", b, 8)
    assert sl == SIG
    return ml, HDR + ml + SIG


def rd(p):
    with open(p, "rb") as f:
        return f.read()


def wr(p, b):
    with open(p, "wb") as f:
        f.write(b)


def out(b):
    o = sys.stdout.buffer
    try:
        o.write(b)
        o.flush()
    except BrokenPipeError:
        # the agent refused and closed: what it said is what the test checks
        os._exit(0)


def main():
    cmd, a = sys.argv[1], sys.argv[2:]
    if cmd == "parts":
        b = rd(a[0])
        ml, off = parts(b)
        print(ml, off, len(b))
    elif cmd == "flip":
        b = bytearray(rd(a[0]))
        b[int(a[2])] ^= 0x01
        wr(a[1], b)
    elif cmd == "zerosig":
        b = bytearray(rd(a[0]))
        ml, off = parts(b)
        b[HDR + ml:off] = bytes(SIG)
        wr(a[1], b)
    elif cmd == "graft":
        s, body = rd(a[0]), rd(a[1])
        sml, soff = parts(s)
        bml, boff = parts(body)
        wr(a[2], body[:HDR + bml] + s[HDR + sml:soff] + body[boff:])
    elif cmd == "editver":
        b = bytearray(rd(a[0]))
        ml, _ = parts(b)
        i = b.index(b"\nversion ", HDR, HDR + ml) + 1
        j = b.index(b"\n", i)
        b[j - 1] = ord("1") if b[j - 1] != ord("1") else ord("2")
        wr(a[1], b)
    elif cmd == "cut":
        wr(a[1], rd(a[0])[:int(a[2])])
    elif cmd == "append":
        wr(a[2], rd(a[0]) + rd(a[1]))
    elif cmd == "slow":
        b, chunk, delay = rd(a[0]), int(a[1]), float(a[2])
        for i in range(0, len(b), chunk):
            out(b[i:i + chunk])
            time.sleep(delay)
    elif cmd == "swap":
        x, y, split, ctl, sock = rd(a[0]), rd(a[1]), int(a[2]), a[3], a[4]
        out(x[:split])
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            st = subprocess.run([ctl, "-s", sock, "status"], capture_output=True, text=True).stdout
            if "phase writing" in st.splitlines():
                break
            time.sleep(0.05)
        out(y[split:])
    else:
        raise SystemExit("unknown command " + cmd)


main()
