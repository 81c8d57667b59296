#!/usr/bin/env python3
"""Seeds for tests/fuzz/fuzz_cookie.c, made independently of ntsd/cookie.c
(pyca/cryptography's AESSIV, zlib's CRC-32), from the layouts documented
in services/ntsd/cookie.c:

    python3 tests/fuzz/gen_cookie_seeds.py tests/fuzz/corpus/cookie

The fixed ring is the one fuzz_cookie.c and test_cookie.c build: three
rotations with key i (1..3) = bytes(i * 0x11 + j for j in 0..31), created
at 1700000000 + i * 86400, ids 1, 2, 3, current index 2.  Prints the
cookies as hex, for the golden values in tests/unit/test_cookie.c.
"""
import os
import struct
import sys
import zlib

from cryptography.hazmat.primitives.ciphers.aead import AESSIV

KEYLEN = {15: 32, 16: 48, 17: 64}


def ring_key(i):
    return bytes((i * 0x11 + j) & 0xFF for j in range(32))


def ring():
    body = b"TGCK" + bytes([1, 3, 2])
    for i in (1, 2, 3):
        body += struct.pack(">Iq", i, 1700000000 + i * 86400) + ring_key(i)
    return body + struct.pack(">I", zlib.crc32(body))


def cookie(key_id, nonce, aead):
    n = KEYLEN[aead]
    c2s = bytes((0xC0 + j) & 0xFF for j in range(n))
    s2c = bytes((0x50 + j) & 0xFF for j in range(n))
    pt = struct.pack(">HH", aead, 0) + c2s + s2c
    kid = struct.pack(">I", key_id)
    return kid + nonce + AESSIV(ring_key(key_id)).encrypt(pt, [kid, nonce])


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "tests/fuzz/corpus/cookie"
    os.makedirs(out, exist_ok=True)
    seeds = {
        "ring": ring(),
        "cookie_15": cookie(3, bytes(range(16)), 15),
        "cookie_16": cookie(2, bytes(range(16, 32)), 16),
        "cookie_17": cookie(1, bytes(range(32, 48)), 17),
    }
    for name, data in seeds.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
        print("%s %d %s" % (name, len(data), data.hex()))


if __name__ == "__main__":
    main()
