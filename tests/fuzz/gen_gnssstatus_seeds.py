#!/usr/bin/env python3
"""Seeds for tests/fuzz/fuzz_gnssstatus.c, made independently of
lib/gnssstatus.c (Python's struct and zlib.crc32) from the layout
documented in services/lib/gnssstatus.c:

    python3 tests/fuzz/gen_gnssstatus_seeds.py tests/fuzz/corpus/gnssstatus

Prints the CRC of the "locked3d" record, the golden value that
tests/unit/test_gnssstatus.c checks the C encoder against (the same
record is built there as golden_record()): one CRC over the whole record
holds every offset of the documented layout.
"""
import os
import struct
import sys
import zlib

SIZE = 748
HEAD = struct.Struct(
    "<4sHH"   # magic, version, size
    "qq"      # updated_realtime_ns, updated_monotonic_ns
    "BBBx"    # fix_mode, time_valid, have_pos, reserved
    "iiiq"    # lat_e7, lon_e7, alt_mm, last_fix_utc_s
    "BBxx"    # site_known, site_surveyed, reserved
    "iiiI"    # site_lat_e7, site_lon_e7, site_alt_mm, site_distance_m
    "BBxx"    # n_sats, n_used, reserved
    "QQQq"    # pps_pulses, pps_missed, pps_unpaired, pps_offset_ns
    "QQQq"    # nmea_sentences, nmea_errors, refused, refusal_realtime_ns
    "96s"     # refusal, NUL-padded
)
SAT = struct.Struct("<BBHhbb")  # gnss, used, svid, azimuth, elevation, snr
assert HEAD.size == 232 and SAT.size == 8


def record(fix=(0, 0, 0, 0, 0, 0, 0), site=(0, 0, 0, 0, 0, 0), sats=(), n_used=None,
           pps=(0, 0, 0, 0), counters=(0, 0, 0, 0), refusal=b"",
           updated=(1700000000123456789, 123456789012), version=1, n_sats=None):
    if n_used is None:
        n_used = sum(s[1] for s in sats)
    head = HEAD.pack(b"TGGS", version, SIZE, *updated, *fix, *site,
                     len(sats) if n_sats is None else n_sats, n_used,
                     *pps, *counters, refusal)
    slots = b"".join(SAT.pack(*s) for s in sats).ljust(64 * 8, b"\0")
    body = head + slots
    return body + struct.pack("<I", zlib.crc32(body))


# The golden record of test_gnssstatus.c (golden_record()).
GOLDEN = dict(
    fix=(3, 1, 1, 523456789, -12345678, 45678, 1700000000),
    site=(1, 1, 523456700, -12345600, 45000, 12),
    sats=[(0, 1, 7, 123, 45, 42), (2, 1, 11, 300, 10, 35), (6, 0, 3, -1, -128, -1)],
    n_used=2,
    pps=(3600, 2, 1, -1234),
    counters=(18000, 3, 4, 1699999990000000000),
    refusal=b"offset 2.5 s beyond max-jump 1 s",
)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "tests/fuzz/corpus/gnssstatus"
    os.makedirs(out, exist_ok=True)
    locked = record(**GOLDEN)
    many = [(i % 8, i & 1, i + 1, (i * 37) % 360, i % 90, 20 + i % 30) for i in range(64)]
    seeds = {
        "locked3d": locked,
        "empty": record(),
        "nofix_configured_site": record(fix=(1, 0, 0, 0, 0, 0, 0),
                                        site=(1, 0, -339000000, 1512000000, 58000, 0)),
        "full64": record(fix=(3, 1, 1, -900000000, 1800000000, -10000, 1), sats=many,
                         refusal=b"x" * 95),
        "bad_crc": locked[:-1] + bytes([locked[-1] ^ 1]),
        "bad_version": record(version=2),
        "n_sats_65": record(n_sats=65),
        "truncated": locked[:200],
    }
    for name, data in seeds.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
    print("golden CRC 0x%08x" % struct.unpack("<I", locked[-4:])[0])


if __name__ == "__main__":
    main()
