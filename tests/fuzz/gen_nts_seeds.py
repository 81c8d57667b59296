#!/usr/bin/env python3
"""Seed corpora of fuzz_ntske and fuzz_nts_ntp, written independently of
services/lib/nts.c (struct + pyca/cryptography, via
tests/unit/gen_nts_vectors.py, whose keys, uid and transmit time the
fuzzers also use, so these requests verify and these responses check):

    /usr/bin/python3 tests/fuzz/gen_nts_seeds.py

writes tests/fuzz/corpus/ntske/, tests/fuzz/corpus/nts_ntp/ and
tests/fuzz/corpus/ntsc_session/ (the NTS client's session file).
"""
import os
import struct
import sys

sys.dont_write_bytecode = True

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "unit"))
import gen_nts_vectors as v  # noqa: E402

END, NEXT, ERROR, WARNING, AEAD, COOKIE, SERVER, PORT = range(8)


def rec(t, body=b"", crit=True):
    return struct.pack(">HH", (0x8000 if crit else 0) | t, len(body)) + body


def u16s(*ids):
    return b"".join(struct.pack(">H", i) for i in ids)


def ke_seeds():
    eom = rec(END)
    base = rec(NEXT, u16s(0)) + rec(AEAD, u16s(15))
    cookies = b"".join(rec(COOKIE, v.det("ke cookie %d" % i, 100 + i), False) for i in range(8))
    return {
        # requests
        "req_ok": base + eom,
        "req_aeads": rec(NEXT, u16s(0)) + rec(AEAD, u16s(17, 16, 15, 1)) + eom,
        "req_server_port": base + rec(SERVER, b"ntp.example.org") + rec(PORT, u16s(123)) + eom,
        "req_no_ntpv4": rec(NEXT, u16s(5)) + rec(AEAD, u16s(15)) + eom,
        "req_unknown_noncrit": base + rec(0x1234, b"abcd", False) + eom,
        "req_unknown_crit": base + rec(0x1234, b"abcd") + eom,
        "req_dup_next": base + rec(NEXT, u16s(0)) + eom,
        "req_odd_aead": rec(NEXT, u16s(0)) + rec(AEAD, b"\0\x0f\0") + eom,
        "req_port3": base + rec(PORT, b"\0\0\x7b") + eom,
        "req_eom_body": base + rec(END, b"\0\0"),
        "req_cookie": base + rec(COOKIE, b"x" * 8, False) + eom,
        "req_partial": base + rec(AEAD, u16s(15))[:3],
        "req_trailing": base + eom + b"\0",
        "req_noncrit_next": rec(NEXT, u16s(0), False) + rec(AEAD, u16s(15)) + eom,
        # responses
        "resp_ok": base + cookies + eom,
        "resp_server_port": rec(NEXT, u16s(0)) + rec(AEAD, u16s(17)) +
        rec(SERVER, b"192.0.2.1") + rec(PORT, u16s(4123)) + cookies + eom,
        "resp_error": rec(ERROR, u16s(1)) + eom,
        "resp_warning": rec(WARNING, u16s(3)) + eom,
        "resp_empty_next": rec(NEXT) + rec(AEAD, u16s(15)) + cookies + eom,
        "resp_empty_aead": rec(NEXT, u16s(0)) + rec(AEAD) + eom,
        "resp_big_cookie": base + rec(COOKIE, b"c" * 257, False) + eom,
        "resp_nine_cookies": base + cookies + rec(COOKIE, b"n" * 100, False) + eom,
        "empty": b"",
    }


def ntp_seeds():
    req = v.request()
    resp = v.response(req)
    hdr = bytearray(48)
    hdr[0] = 4 << 3 | 3
    struct.pack_into(">Q", hdr, 40, v.TX)
    hdr = bytes(hdr)
    uid = v.ef(v.EF_UID, v.UID)
    cookie = v.ef(v.EF_COOKIE, v.COOKIE)

    def sealed(pkt, nonce=v.NONCE_REQ, key=v.C2S, pt=b""):
        return pkt + v.auth(key, nonce, pkt, pt)

    # NAK: the server header for req, stratum 0, kiss NTSN, uid
    nak = bytearray(resp[:48])
    nak[1] = 0
    nak[12:16] = b"NTSN"
    nak = bytes(nak) + uid
    seven = hdr + uid + cookie + v.ef(v.EF_PLACEHOLDER, b"\0" * 102) * 7
    short_nonce = hdr + uid + cookie
    ct = v.seal(v.C2S, b"abcde", short_nonce, b"")
    # RFC 8915 5.6: nonce, its padding, ciphertext, then the additional
    # padding that brings a short nonce's share up to 16 bytes
    short_nonce += v.ef(v.EF_AUTH, struct.pack(">HH", 5, 16) + v.pad4(b"abcde") + ct +
                        b"\0" * 8)
    return {
        "request": req,
        "response": resp,
        "nak": nak,
        "request_7_placeholders": sealed(seven),
        "request_no_placeholder": sealed(hdr + uid + cookie),
        "request_unknown_ef": sealed(hdr + v.ef(0x2005, b"\x11" * 12) + uid + cookie),
        "request_short_nonce_padded": short_nonce,
        "request_short_uid": sealed(hdr + v.ef(v.EF_UID, b"u" * 12) + cookie),
        "request_two_cookies": sealed(hdr + uid + cookie + cookie),
        "request_placeholder_mismatch": sealed(hdr + uid + cookie +
                                               v.ef(v.EF_PLACEHOLDER, b"\0" * 96)),
        "request_auth_not_last": sealed(hdr + uid + cookie) + v.ef(0x2005, b"\0" * 24),
        "request_nonce0": hdr + uid + cookie + v.ef(v.EF_AUTH, struct.pack(">HH", 0, 16) +
                                                    b"\0" * 32),
        "request_ct_beyond": hdr + uid + cookie + v.ef(v.EF_AUTH, struct.pack(">HH", 16, 200) +
                                                       b"\0" * 32),
        "request_mac": sealed(hdr + uid + cookie) + b"\0" * 20,
        "response_cookie_outside": v.response(req)[:84] + cookie +
        v.auth(v.S2C, v.NONCE_RESP, resp[:84] + cookie, v.ef(v.EF_COOKIE, b"k" * 100)),
        "response_bad_plaintext": resp[:84] + v.auth(v.S2C, v.NONCE_RESP, resp[:84],
                                                     b"\x02\x04\x00\x03" + b"k" * 100),
        "header_only": hdr,
    }


def session(aead=15, port=123, server=b"ntp.example.org", cookies=8, clen=104):
    """an NTS client session file as lib/ntsclient.c tg_ntsc_encode writes it"""
    import zlib
    b = b"TGNS" + bytes([1]) + struct.pack(">HH", aead, port) + bytes([len(server)]) + server
    b += v.det("c2s", 64) + v.det("s2c", 64) + bytes([cookies])
    for i in range(cookies):
        b += struct.pack(">H", clen) + v.det("cookie %d" % i, clen)
    return b + struct.pack(">I", zlib.crc32(b))


def session_seeds():
    good = session()
    return {
        "session_ok": good,
        "session_aead17": session(aead=17, clen=168, cookies=3),
        "session_no_cookies": session(cookies=0, server=b""),
        "session_long_name": session(server=b"n" * 255, cookies=1),
        "session_bad_crc": good[:-1] + bytes([good[-1] ^ 1]),
        "session_truncated": good[:200],
        "session_bad_aead": session(aead=1),
    }


def write(folder, seeds):
    os.makedirs(folder, exist_ok=True)
    for name, data in seeds.items():
        with open(os.path.join(folder, name), "wb") as f:
            f.write(data)


def main():
    corpus = os.path.join(HERE, "corpus")
    write(os.path.join(corpus, "ntske"), ke_seeds())
    write(os.path.join(corpus, "nts_ntp"), ntp_seeds())
    write(os.path.join(corpus, "ntsc_session"), session_seeds())


if __name__ == "__main__":
    main()
