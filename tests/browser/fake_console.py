#!/usr/bin/env python3
"""
fake_console.py - a stand-in for consoled, for testing the browser front end
(services/consoled/www) before and apart from the real daemon.

It serves the www/ files over HTTPS (a throwaway self-signed certificate made
with the openssl CLI) with the same security headers as consoled's web role,
and implements the JSON API of the design in memory: setup code ABCDE-FGHIJ,
users and roles, login (with TOTP), sessions with CSRF tokens, status with a
moving offset, history, update upload with progress, rollback/reboot, audit,
and the site configuration, logs, services and NTS figures (design.md D):
GET/POST /api/config..., /api/logs, /api/services, /api/services/restart,
"nts" in /api/status (FAKE_NTS=down: ntsd not reporting), with the
daemon's 400 {"error", "field"} answers for invalid values.

It is as strict as the real daemon where the front end could get things
wrong: CSRF token on every state-changing request, Content-Type
application/json on API POST/PUT (application/octet-stream for the upload),
Origin must be https://<Host>, Sec-Fetch-Site cross-site refused, JSON
bodies at most 2048 bytes.  Such refusals are "protocol violations" (a front
end bug, not a user mistake): they are printed, and with --run the exit
status is non-zero if any happened.

    python3 fake_console.py [--port N] [--www DIR] [--run CMD ARGS...]

--run starts the server on a free port (or --port), runs CMD with
CONSOLE_URL and CONSOLE_SETUP_CODE in its environment and exits with its
status (1 if it passed but the front end violated the protocol).
"""

import argparse
import base64
import hashlib
import hmac
import http.server
import json
import math
import os
import secrets
import socketserver
import ssl
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

SETUP_CODE = "ABCDE-FGHIJ"
BODY_MAX = 16384  # consoled's CD_BODY_MAX: a PEM chain and key, a backup file
UPLOAD_MAX = 256 * 1024 * 1024
ROLES = {"viewer": 1, "operator": 2, "admin": 3}
SECURITY_HEADERS = [
    ("Strict-Transport-Security", "max-age=63072000; includeSubDomains"),
    ("Content-Security-Policy",
     "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
     "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Cross-Origin-Resource-Policy", "same-origin"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
]
ASSETS = {
    "/": ("index.html", "text/html; charset=utf-8"),
    "/app.js": ("app.js", "text/javascript; charset=utf-8"),
    "/app.css": ("app.css", "text/css; charset=utf-8"),
    "/favicon.svg": ("favicon.svg", "image/svg+xml"),
}
STATE_NAMES = ["unsync", "locking", "locked", "holdover", "failed"]


def totp_code(secret_b32, t):
    key = base64.b32decode(secret_b32 + "=" * (-len(secret_b32) % 8))
    mac = hmac.new(key, struct.pack(">Q", int(t) // 30), hashlib.sha1).digest()
    o = mac[-1] & 15
    return "%06d" % ((struct.unpack(">I", mac[o:o + 4])[0] & 0x7FFFFFFF) % 1000000)


# ---- site configuration, logs and services (design.md D), in memory

TIME_INTS = {  # key -> (lo, hi), timed's conf.c ranges in the API's units
    "pps_delay_ns": (-100000000, 100000000), "nmea_window_min_ms": (-500, 999),
    "nmea_window_max_ms": (-500, 999), "holdover_drift_ppb": (0, 100000), "lock_jitter_us": (1, 100000),
}
BAUDS = [4800, 9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600]
LOG_SERVICES = ["timed", "ntsd", "consoled", "updated", "tg-supervise"]


class ConfigError(Exception):
    def __init__(self, status, msg, field=None):
        super().__init__(msg)
        self.status, self.msg, self.field = status, msg, field


def fake_cert(days_left):
    now = int(time.time())
    return {"subject": "CN=time.example.net", "issuer": "CN=Example Issuing CA 1",
            "not_before": now - 86400 * 60, "not_after": now + 86400 * days_left,
            "days_left": days_left, "self_signed": False, "csr_pending": False}


class SiteConfig:
    def __init__(self):
        self.time = {"device": "/dev/hvc1", "pps": "/dev/pps0", "baud": 9600, "parity": "none",
                     "pps_edge": "assert", "pps_delay_ns": 0, "pps_only": False, "nmea_window_min_ms": 0,
                     "nmea_window_max_ms": 900, "site": "", "survey": True, "holdover_drift_ppb": 1000,
                     "lock_jitter_us": 50}
        self.upstreams = {"servers": "192.0.2.10\n2001:db8:100::123 4460 nts.example.net",
                          "cross_check_max_ms": 50, "cross_check_interval_s": 64}
        self.ifaces = [{"name": "eth0", "role": "time", "address": "", "gateway": "-",
                        "active_address": "10.0.2.15/24"},
                       {"name": "eth1", "role": "mgmt", "address": "192.168.7.2/24", "gateway": "192.168.7.1",
                        "active_address": "192.168.7.2/24"}]
        self.net_text = "eth1 192.168.7.2/24 192.168.7.1"
        self.dns = "198.51.100.53"
        self.serve = ""
        self.services = [{"name": "ntp", "role": "time", "proto": "udp", "port": 123},
                         {"name": "nts-ke", "role": "time", "proto": "tcp", "port": 4460},
                         {"name": "console", "role": "mgmt", "proto": "tcp", "port": 443},
                         {"name": "metrics", "role": "mgmt", "proto": "tcp", "port": 9100}]
        self.pending_reboot = False
        self.tls = fake_cert(21)   # under 30 days: the warning style shows
        self.pending_key = False
        self.prev = {}             # what -> snapshot before the last change

    def json(self):
        return {"time": dict(self.time), "upstreams": dict(self.upstreams),
                "network": {"interfaces": [dict(i) for i in self.ifaces], "dns": self.dns, "serve": self.serve,
                            "services": self.services, "pending_reboot": self.pending_reboot},
                "tls": dict(self.tls, csr_pending=self.pending_key),
                "console_tls": dict(fake_cert(365), self_signed=True, csr_pending=False)}

    def snapshot(self, what):
        if what == "time":
            return dict(self.time)
        if what == "upstreams":
            return dict(self.upstreams)
        if what == "network":
            return (self.net_text, [dict(i) for i in self.ifaces], self.dns, self.serve)
        return dict(self.tls)

    def restore_snapshot(self, what, snap):
        if what == "time":
            self.time = snap
        elif what == "upstreams":
            self.upstreams = snap
        elif what == "network":
            self.net_text, self.ifaces, self.dns, self.serve = snap
            self.pending_reboot = True
        else:
            self.tls = snap

    # -- validation: the messages name what was expected and what was seen
    @staticmethod
    def want_int(body, k, lo, hi):
        v = body.get(k)
        if isinstance(v, bool) or not isinstance(v, int):
            raise ConfigError(400, "%s: expected a whole number, got %s" % (k, json.dumps(v)), k)
        if not lo <= v <= hi:
            raise ConfigError(400, "%s: expected %d to %d, got %d" % (k, lo, hi, v), k)
        return v

    @staticmethod
    def want_addr(s, field, n, prefix=False):
        import ipaddress
        try:
            if prefix:
                return str(ipaddress.ip_interface(s))
            return str(ipaddress.ip_address(s))
        except ValueError:
            raise ConfigError(400, "%s: line %d: expected an IPv4 or IPv6 address%s, got '%s'"
                              % (field, n, "/prefix" if prefix else "", s), field)

    def set_time(self, b):
        new = dict(self.time)
        if b.get("baud") not in BAUDS:
            raise ConfigError(400, "baud: expected one of %s, got %s" % (", ".join(map(str, BAUDS)),
                                                                          json.dumps(b.get("baud"))), "baud")
        new["baud"] = b["baud"]
        for k, ch in (("parity", ("none", "even", "odd")), ("pps_edge", ("assert", "clear"))):
            if b.get(k) not in ch:
                raise ConfigError(400, "%s: expected %s, got %s" % (k, " or ".join(ch), json.dumps(b.get(k))), k)
            new[k] = b[k]
        for k in ("pps_only", "survey"):
            if not isinstance(b.get(k), bool):
                raise ConfigError(400, "%s: expected true or false" % k, k)
            new[k] = b[k]
        for k, (lo, hi) in TIME_INTS.items():
            new[k] = self.want_int(b, k, lo, hi)
        if new["nmea_window_max_ms"] <= new["nmea_window_min_ms"]:
            raise ConfigError(400, "nmea window: expected from < to, got %d %d"
                              % (new["nmea_window_min_ms"], new["nmea_window_max_ms"]), "nmea_window_max_ms")
        site = str(b.get("site", "")).strip()
        if site:
            w = site.split()
            try:
                lat, lon, alt = (float(x) for x in w)
                assert -90 <= lat <= 90 and -180 <= lon <= 180 and -1000 <= alt <= 100000
            except Exception:
                raise ConfigError(400, "site: expected 'LAT LON ALT' (degrees, degrees, metres), got '%s'" % site,
                                  "site")
        new["site"] = site
        self.prev["time"] = self.snapshot("time")
        self.time = new

    def set_upstreams(self, b):
        text = str(b.get("servers", ""))
        lines = [l.split() for l in text.split("\n") if l.strip()]
        if len(lines) > 8:
            raise ConfigError(400, "servers: at most 8, got %d" % len(lines), "servers")
        for n, w in enumerate(lines, 1):
            if len(w) > 3:
                raise ConfigError(400, "servers: line %d: expected ADDR [PORT [NAME]], got %d words" % (n, len(w)),
                                  "servers")
            self.want_addr(w[0], "servers", n)
            if len(w) > 1 and not (w[1].isdigit() and 1 <= int(w[1]) <= 65535):
                raise ConfigError(400, "servers: line %d: expected a port 1 to 65535, got '%s'" % (n, w[1]), "servers")
        xm = self.want_int(b, "cross_check_max_ms", 1, 10000)
        xi = self.want_int(b, "cross_check_interval_s", 16, 86400)
        self.prev["upstreams"] = self.snapshot("upstreams")
        self.upstreams = {"servers": "\n".join(" ".join(w) for w in lines), "cross_check_max_ms": xm,
                          "cross_check_interval_s": xi}

    def set_network(self, b):
        names = {i["name"]: i for i in self.ifaces}
        lines = [l.split() for l in str(b.get("interfaces", "")).split("\n") if l.strip()]
        addrs = {}
        for n, w in enumerate(lines, 1):
            if len(w) != 3:
                raise ConfigError(400, "interfaces: line %d: expected IFNAME ADDR/LEN GATEWAY|-, got %d words"
                                  % (n, len(w)), "interfaces")
            if w[0] not in names:
                raise ConfigError(400, "interfaces: line %d: expected one of %s, got '%s'"
                                  % (n, ", ".join(names), w[0]), "interfaces")
            if "/" not in w[1]:
                raise ConfigError(400, "interfaces: line %d: expected ADDR/LEN, got '%s'" % (n, w[1]), "interfaces")
            self.want_addr(w[1], "interfaces", n, prefix=True)
            if w[2] != "-":
                self.want_addr(w[2], "interfaces", n)
            addrs.setdefault(w[0], (w[1], w[2]))
        dns = [l.strip() for l in str(b.get("dns", "")).split("\n") if l.strip()]
        for n, a in enumerate(dns, 1):
            self.want_addr(a, "dns", n, prefix="/" in a)
        roles = {i["role"] for i in self.ifaces}
        svcs = {s["name"] for s in self.services}
        serve = [l.split() for l in str(b.get("serve", "")).split("\n") if l.strip()]
        for n, w in enumerate(serve, 1):
            if len(w) != 2 or w[0] not in svcs or w[1] not in roles:
                raise ConfigError(400, "serve: line %d: expected NAME ROLE (%s; %s), got '%s'"
                                  % (n, "|".join(sorted(svcs)), "|".join(sorted(roles)), " ".join(w)), "serve")
        self.prev["network"] = self.snapshot("network")
        self.net_text = "\n".join(" ".join(w) for w in lines)
        for i in self.ifaces:
            i["address"], i["gateway"] = addrs.get(i["name"], ("", "-"))
        self.dns = "\n".join(dns)
        self.serve = "\n".join(" ".join(w) for w in serve)
        self.pending_reboot = True

    def set_tls(self, b):
        cert, key = str(b.get("cert", "")), b.get("key")
        if "-----BEGIN CERTIFICATE-----" not in cert:
            raise ConfigError(400, "cert: expected a PEM certificate chain (-----BEGIN CERTIFICATE-----)", "cert")
        if key is not None and "PRIVATE KEY-----" not in str(key):
            raise ConfigError(400, "key: expected a PEM EC private key", "key")
        if key is None and not self.pending_key:
            raise ConfigError(400, "key: no key was generated on the device: upload the certificate's key too", "key")
        facts = fake_cert(365)
        try:  # the certificate's own facts, when openssl can read it
            p = subprocess.run(["openssl", "x509", "-noout", "-subject", "-issuer", "-startdate", "-enddate",
                                "-dateopt", "iso_8601"], input=cert.encode(), capture_output=True, timeout=10)
            out = dict(l.split("=", 1) for l in p.stdout.decode().splitlines() if "=" in l)
            import datetime

            def t(s):
                return int(datetime.datetime.strptime(s.strip(), "%Y-%m-%d %H:%M:%SZ")
                           .replace(tzinfo=datetime.timezone.utc).timestamp())
            if p.returncode == 0:
                facts.update(subject=out["subject"].strip(), issuer=out["issuer"].strip(),
                             not_before=t(out["notBefore"]), not_after=t(out["notAfter"]))
                facts["days_left"] = (facts["not_after"] - int(time.time())) // 86400
                facts["self_signed"] = facts["subject"] == facts["issuer"]
        except Exception:
            pass
        self.prev["tls"] = self.snapshot("tls")
        self.tls = facts
        self.pending_key = False

    def make_csr(self, b):
        import re
        cn = str(b.get("cn", "")).strip()
        if not re.fullmatch(r"[A-Za-z0-9]([A-Za-z0-9.-]{0,252})", cn):
            raise ConfigError(400, "cn: expected a host name, got '%s'" % cn, "cn")
        names = [l.strip() for l in str(b.get("dns", "")).split("\n") if l.strip()] or [cn]
        for n, d in enumerate(names, 1):
            if not re.fullmatch(r"[A-Za-z0-9*]([A-Za-z0-9.-]{0,252})", d):
                raise ConfigError(400, "dns: line %d: expected a DNS name, got '%s'" % (n, d), "dns")
        with tempfile.TemporaryDirectory() as d:
            p = subprocess.run(["openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                                "-nodes", "-keyout", os.path.join(d, "k.pem"), "-subj", "/CN=" + cn,
                                "-addext", "subjectAltName=" + ",".join("DNS:" + x for x in names)],
                               capture_output=True, timeout=20)
        if p.returncode != 0:
            raise ConfigError(500, "openssl req failed: " + p.stderr.decode()[-200:])
        self.pending_key = True
        return p.stdout.decode()

    def revert(self, what):
        if what not in ("time", "upstreams", "network", "tls"):
            raise ConfigError(400, "what: expected time, upstreams, network or tls, got %s" % json.dumps(what), "what")
        if what not in self.prev:
            raise ConfigError(409, "no previous version of the %s configuration to go back to" % what)
        cur = self.snapshot(what)
        self.restore_snapshot(what, self.prev.pop(what))
        self.prev[what] = cur  # undo of the undo
        return {"time": "previous time configuration restored; the time service restarts",
                "upstreams": "previous upstream servers restored; firewall updated, the time service restarts",
                "network": "previous network configuration restored; addresses take effect at the next reboot",
                "tls": "previous certificate restored; the NTS service restarts"}[what]

    # -- backup: the format of design.md D
    def files(self):
        t = self.time
        timed = ["# timed.conf (fake)", "device " + t["device"], "pps " + t["pps"], "baud %d" % t["baud"],
                 "parity " + t["parity"], "pps-edge " + t["pps_edge"], "pps-delay %d" % t["pps_delay_ns"],
                 "pps-only " + ("yes" if t["pps_only"] else "no"),
                 "nmea-window %d %d" % (t["nmea_window_min_ms"], t["nmea_window_max_ms"]),
                 "survey " + ("yes" if t["survey"] else "no"), "holdover-drift %d" % t["holdover_drift_ppb"],
                 "lock-jitter %d" % t["lock_jitter_us"],
                 "cross-check-max %d" % self.upstreams["cross_check_max_ms"],
                 "cross-check-interval %d" % self.upstreams["cross_check_interval_s"]]
        if t["site"]:
            timed.append("site " + t["site"])
        timed += ["upstream " + l for l in self.upstreams["servers"].split("\n") if l.strip()]
        site = (["upstream " + l.split()[0] for l in self.upstreams["servers"].split("\n") if l.strip()] +
                ["dns " + l for l in self.dns.split("\n") if l.strip()] +
                ["serve " + l for l in self.serve.split("\n") if l.strip()])
        return [("timed.conf", "\n".join(timed) + "\n"), ("network", self.net_text + "\n" if self.net_text else ""),
                ("site.conf", "\n".join(site) + "\n")]

    def backup(self):
        out = b"timegate-config 1\n"
        for name, text in self.files():
            data = text.encode()
            out += b"file %s %d\n" % (name.encode(), len(data)) + data + b"\n"
        return out + b"sha256 " + hashlib.sha256(out).hexdigest().encode() + b"\n"

    def restore(self, text):
        buf = text.encode()
        if not buf.startswith(b"timegate-config 1\n"):
            raise ConfigError(400, "file: line 1: expected 'timegate-config 1'", "file")
        i = buf.rfind(b"sha256 ", 0, len(buf))
        if i < 0 or buf[i:].strip() != b"sha256 " + hashlib.sha256(buf[:i]).hexdigest().encode():
            raise ConfigError(400, "file: the sha256 line does not match the content (damaged or edited)", "file")
        pos, files = len(b"timegate-config 1\n"), {}
        while pos < i:
            nl = buf.index(b"\n", pos)
            w = buf[pos:nl].split()
            if len(w) != 3 or w[0] != b"file":
                raise ConfigError(400, "file: expected 'file NAME LENGTH', got '%s'" % buf[pos:nl].decode(errors="replace"),
                                  "file")
            n = int(w[2])
            files[w[1].decode()] = buf[nl + 1:nl + 1 + n].decode()
            pos = nl + 1 + n + 1
        # the fake takes back what it wrote: the time keys and upstream lines
        t, ups = dict(self.time), []
        for line in files.get("timed.conf", "").split("\n"):
            w = line.split()
            if not w or w[0].startswith("#"):
                continue
            k = w[0]
            if k == "baud":
                t["baud"] = int(w[1])
            elif k in ("parity", "pps-edge"):
                t[k.replace("-", "_")] = w[1]
            elif k == "pps-delay":
                t["pps_delay_ns"] = int(w[1])
            elif k in ("pps-only", "survey"):
                t[k.replace("-", "_")] = w[1] == "yes"
            elif k == "nmea-window":
                t["nmea_window_min_ms"], t["nmea_window_max_ms"] = int(w[1]), int(w[2])
            elif k == "holdover-drift":
                t["holdover_drift_ppb"] = int(w[1])
            elif k == "lock-jitter":
                t["lock_jitter_us"] = int(w[1])
            elif k == "site":
                t["site"] = " ".join(w[1:])
            elif k == "upstream":
                ups.append(" ".join(w[1:]))
        for what in ("time", "upstreams", "network"):
            self.prev[what] = self.snapshot(what)
        self.time = t
        self.upstreams["servers"] = "\n".join(ups)
        return "restored %s; services restart" % ", ".join(sorted(files))


def fake_log_lines(t0):
    """the supervisor's ring: a few lines per service, one new per second"""
    now = time.time()
    texts = {
        "timed": ["info: state locked (offset %d ns)", "info: pps pulse %d paired with NMEA", "info: cross-check ok (%d us)"],
        "ntsd": ["info: cookie key %d rotated", "info: %d NTS-KE sessions in the last minute", "warn: refused NTS request (bad cookie) #%d"],
        "consoled": ["info: GET /api/status 200 (%d)", "info: login ok from 127.0.0.1 (%d)"],
        "updated": ["info: slot A committed (%d)"],
        "tg-supervise": ["info: all services ready (%d)", "info: control: restart timed (uid %d)"],
    }
    out = []
    n = min(600, int(now - t0) + 120)
    for k in range(n):
        ts = now - (n - k)
        svc = LOG_SERVICES[k % len(LOG_SERVICES)]
        tl = texts[svc]
        text = tl[k % len(tl)] % (k * 7 % 1000)
        if k == 5:
            text = "info: <b>not markup</b> & \"quotes\" kept as text"
        out.append({"t": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ts)) + ".%03dZ" % int(ts * 1000 % 1000),
                    "service": svc, "text": text})
    return out


class State:
    def __init__(self):
        self.lock = threading.Lock()
        self.t0 = time.time()
        self.users = {}          # name -> {pw, role, totp, pending_totp}
        self.setup_code = SETUP_CODE
        self.sessions = {}       # sid -> {user, csrf, pending}
        self.failures = {}       # user -> (count, until)
        self.audit = []          # dicts
        self.head = "0" * 64
        self.violations = []
        self.update = {
            "booted-slot": "A", "booted-version": "1.2.0", "committed-slot": "A",
            "committed-version": "1.2.0", "security-min": "1", "pending-slot": None,
            "pending-version": None, "trial": "no", "order": "A B", "tries-A": "3",
            "tries-B": "0", "phase": "idle", "bytes": "0", "total": "0",
            "message": None, "last-result": None,
        }
        self.uploading = False
        self.reboots = 0
        self.cfg = SiteConfig()
        self.services = {n: {"name": n, "state": "running", "pid": 100 + k, "started": time.time() - 3600 * (k + 1),
                             "restarts": 0, "ready": True}
                         for k, n in enumerate(["timed", "ntsd", "consoled", "updated"])}
        # FAKE_NTS=down: ntsd not reporting (what a host without ntsd shows)
        self.nts_up = os.environ.get("FAKE_NTS", "up") != "down"

    def audit_add(self, user, addr, action, result, detail=""):
        seq = len(self.audit) + 1
        rec = {
            "seq": seq,
            "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "clock": "locked", "user": user or "-", "addr": addr or "-",
            "action": action, "result": result, "detail": detail or "",
        }
        line = "%d %s %s %s %s %s %s %s %s " % (
            seq, rec["time"], rec["clock"], rec["user"], rec["addr"], action, result,
            urllib.parse.quote(detail, safe="") or "-", self.head)
        self.head = hashlib.sha256(line.encode()).hexdigest()
        rec["line"] = line + self.head
        self.audit.append(rec)

    def status(self):
        now = time.time()
        e = now - self.t0
        off = int(180 * math.sin(e / 9.0) + 40 * math.sin(e * 1.7))
        sats = []
        table = [("GPS", 3, 62, 45, 44, True), ("GPS", 7, 35, 120, 40, True),
                 ("GPS", 11, 18, 220, 31, True), ("GPS", 19, 8, 300, 22, False),
                 ("GPS", 28, 75, 10, 47, True), ("Galileo", 4, 41, 80, 42, True),
                 ("Galileo", 12, 22, 160, 36, True), ("Galileo", 26, 5, 340, 18, False),
                 ("GLONASS", 66, 55, 250, 39, True), ("GLONASS", 74, 12, 190, 27, False),
                 ("BeiDou", 23, 30, 30, 35, True), ("SBAS", 124, 28, 170, 33, False)]
        for c, prn, el, az, snr, used in table:
            sats.append({"prn": prn, "constellation": c, "elevation": el,
                         "azimuth": (az + int(e / 60)) % 360, "snr": snr, "used": used})
        return {
            "time": {"state": "locked", "offset_ns": off, "jitter_ns": 35 + int(10 * abs(math.sin(e))),
                     "error_bound_ns": 850, "freq_ppb": -12345, "stratum": 1, "refid": "GPS",
                     "leap": "none", "tai_utc": 37, "root_dispersion_ns": 900, "age_s": 1},
            "gnss": {"fix": "3D", "valid": True, "lat": 47.376887, "lon": 8.541694, "alt": 408.2,
                     "sats": sats,
                     "pps": {"pulses": int(e) + 5000, "missed": 2, "unpaired": 0},
                     "last_refusal": None},
            "alarms": self.alarms(),
            "nts": self.nts(e),
            "xcheck": {"ok": True, "max_ms": 50, "servers": [
                {"index": 0, "host": "192.0.2.10", "port": 4460, "name": "ntp1.example", "ok": True,
                 "offset_ms": round(0.8 + 0.2 * math.sin(e / 9), 3), "delay_ms": 4.1, "stratum": 1,
                 "age_s": int(e) % 64, "error": None, "agrees": True},
                {"index": 1, "host": "2001:db8::123", "port": 4460, "name": "ntp2.example", "ok": False,
                 "offset_ms": None, "delay_ms": None, "stratum": None, "age_s": 30,
                 "error": "NTS-KE: connection refused", "agrees": None}]},
            "version": "1.2.0-fake",
            "audit_head": self.head,
        }

    def nts(self, e):
        if not self.nts_up:
            return {"ok": False, "ntp_rps": None, "nts_rps": None, "ke_per_min": None, "refused_rps": None,
                    "cookie_key_age_s": None, "cert_not_after": None, "cert_days_left": None}
        tls = self.cfg.tls
        return {"ok": True, "ntp_rps": round(42.5 + 3 * math.sin(e / 7), 2), "nts_rps": round(17.25 + math.sin(e / 5), 2),
                "ke_per_min": 3.5, "refused_rps": 0.05, "cookie_key_age_s": 5400 + int(e) % 3600,
                "cert_not_after": tls["not_after"], "cert_days_left": tls["days_left"]}

    def alarms(self):
        a = [{"level": "info", "text": "leap second: none pending (fake)"}]
        if not self.nts_up:
            a.append({"level": "error", "kind": "nts-down", "text": "NTS service not reporting: no fresh ntsd stats"})
        d = self.cfg.tls["days_left"]
        if d < 0:
            a.append({"level": "error", "kind": "cert-expiring", "text": "NTS certificate expired %d days ago" % -d})
        elif d < 30:
            a.append({"level": "warning", "kind": "cert-expiring",
                      "text": "NTS certificate expires in %d days" % d})
        return a

    def history(self, span):
        now = int(time.time())
        step, n = (1, 3600) if span == "hour" else (60, 1440)
        pts = []
        for i in range(n):
            t = now - (n - 1 - i) * step
            x = t / (9.0 if span == "hour" else 600.0)
            st = 2
            if span == "hour" and 1200 <= i < 1500:
                st = 3
            if span == "day" and 300 <= i < 340:
                st = 3
            if span == "day" and 900 <= i < 905:
                st = 4
            bound = 850 if st == 2 else 850 + 40 * (i % 300)
            pts.append([t, int(180 * math.sin(x) + 30 * math.sin(7 * x)), 35 + int(15 * abs(math.sin(3 * x))),
                        bound, st])
        return {"span": span, "step_s": step, "t0": pts[0][0], "points": pts}


S = State()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake-consoled"
    www = "."

    def log_message(self, fmt, *args):
        if os.environ.get("FAKE_VERBOSE"):
            sys.stderr.write("fake: " + (fmt % args) + "\n")

    # ---- responses
    def send(self, status, body, ctype="application/json", extra=(), cache="no-store"):
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
        elif isinstance(body, str):
            body = body.encode()
        self.send_response(status)
        for k, v in SECURITY_HEADERS:
            self.send_header(k, v)
        self.send_header("Cache-Control", cache)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def err(self, status, msg, extra=()):
        self.send(status, {"error": msg}, extra=extra)

    def violation(self, status, msg):
        S.violations.append("%s %s: %s" % (self.command, self.path, msg))
        sys.stderr.write("fake: PROTOCOL VIOLATION %s %s: %s\n" % (self.command, self.path, msg))
        self.err(status, msg)

    # ---- request pieces
    def cookie_session(self):
        c = self.headers.get("Cookie", "")
        for part in c.split(";"):
            k, _, v = part.strip().partition("=")
            if k == "tg_session":
                return v, S.sessions.get(v)
        return None, None

    def addr(self):
        return self.client_address[0]

    def new_session(self, user, pending=False):
        sid = secrets.token_urlsafe(32)
        S.sessions[sid] = {"user": user, "csrf": secrets.token_urlsafe(24), "pending": pending}
        return sid

    def cookie_header(self, sid):
        if sid is None:
            return ("Set-Cookie", "tg_session=; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=0")
        return ("Set-Cookie", "tg_session=%s; Path=/; Secure; HttpOnly; SameSite=Strict" % sid)

    def session_json(self, sid):
        s = S.sessions[sid]
        u = S.users[s["user"]]
        return {"user": s["user"], "role": u["role"], "csrf": s["csrf"], "totp": bool(u["totp"])}

    def read_body(self):
        n = int(self.headers.get("Content-Length", "0") or "0")
        if n > BODY_MAX:
            return None
        return self.rfile.read(n) if n else b""

    # ---- dispatch
    def do_GET(self):
        self.handle_any()

    def do_HEAD(self):
        self.handle_any()

    def do_POST(self):
        self.handle_any()

    def do_PUT(self):
        self.handle_any()

    def do_DELETE(self):
        self.handle_any()

    def handle_any(self):
        url = urllib.parse.urlsplit(self.path)
        path = urllib.parse.unquote(url.path)
        query = urllib.parse.parse_qs(url.query)
        if not path.startswith("/api/"):
            if path in ASSETS and self.command in ("GET", "HEAD"):
                fn, ctype = ASSETS[path]
                with open(os.path.join(self.www, fn), "rb") as f:
                    data = f.read()
                return self.send(200, data, ctype, cache="max-age=300")
            if path in ASSETS:
                return self.err(405, "method not allowed")
            return self.err(404, "not found")
        # the upload streams outside the state lock (so status polls answer)
        if path == "/api/update" and self.command == "POST":
            return self.upload()
        with S.lock:
            return self.api(path, query)

    def check_state_changing(self, path, needs_csrf=True, sess=None):
        """the web role's and api.c's refusals; True if refused"""
        site = self.headers.get("Sec-Fetch-Site")
        if site in ("cross-site", "same-site"):
            self.violation(403, "cross-site request refused")
            return True
        origin = self.headers.get("Origin")
        if origin is not None and origin != "https://" + self.headers.get("Host", ""):
            self.violation(403, "origin %s refused" % origin)
            return True
        if needs_csrf and sess is not None:
            if self.headers.get("X-CSRF-Token") != sess["csrf"]:
                self.violation(403, "CSRF token missing or wrong")
                return True
        return False

    def api(self, path, query):
        m = self.command
        sid, sess = self.cookie_session()
        changing = m in ("POST", "PUT", "DELETE")
        body = {}
        if changing:
            if m in ("POST", "PUT"):
                ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip()
                if ctype != "application/json":
                    # drain what the client sent before refusing
                    self.rfile.read(int(self.headers.get("Content-Length", "0") or "0"))
                    return self.violation(415, "expected Content-Type application/json, got %r" % ctype)
            raw = self.read_body()
            if raw is None:
                return self.err(413, "body too large")
            if raw:
                try:
                    body = json.loads(raw)
                    assert isinstance(body, dict)
                except Exception:
                    return self.violation(400, "body: expected a JSON object")
        public = path in ("/api/login", "/api/setup")
        if changing and self.check_state_changing(path, needs_csrf=not public and path != "/api/login/totp",
                                                  sess=sess):
            return
        if path == "/api/session" and m == "GET":
            if sess and not sess["pending"]:
                return self.send(200, self.session_json(sid))
            return self.send(401, {"error": "not logged in", "setup": S.setup_code is not None})
        if path == "/api/setup" and m == "POST":
            return self.api_setup(body)
        if path == "/api/login" and m == "POST":
            return self.login(body)
        if path == "/api/login/totp" and m == "POST":
            if not sess or not sess["pending"]:
                return self.err(401, "not logged in")
            u = S.users[sess["user"]]
            if body.get("code") not in [totp_code(u["totp"], time.time() + d) for d in (-30, 0, 30)]:
                S.audit_add(sess["user"], self.addr(), "login.fail", "fail", "wrong TOTP code")
                return self.err(401, "wrong code")
            del S.sessions[sid]
            nsid = self.new_session(sess["user"])
            S.audit_add(sess["user"], self.addr(), "login", "ok", "with TOTP")
            return self.send(200, self.session_json(nsid), extra=[self.cookie_header(nsid)])
        if path == "/api/logout" and m == "POST":
            if sess:
                S.audit_add(sess["user"], self.addr(), "logout", "ok")
                del S.sessions[sid]
            return self.send(200, {}, extra=[self.cookie_header(None)])
        # everything else needs a full session
        if not sess or sess["pending"]:
            return self.err(401, "not logged in")
        user = sess["user"]
        role = ROLES[S.users[user]["role"]]

        def need(r):
            if role < ROLES[r]:
                self.err(403, "needs role " + r)
                return False
            return True

        if path == "/api/status" and m == "GET":
            return self.send(200, S.status())
        if path == "/api/history" and m == "GET":
            span = (query.get("span") or ["hour"])[0]
            if span not in ("hour", "day"):
                return self.err(400, "span: expected hour or day")
            return self.send(200, S.history(span))
        if path == "/api/update" and m == "GET":
            return self.send(200, S.update)
        if path == "/api/update/rollback" and m == "POST":
            if not need("admin"):
                return
            S.audit_add(user, self.addr(), "update.rollback", "ok")
            return self.send(200, {"message": "slot B is next to boot (fake)"})
        if path == "/api/reboot" and m == "POST":
            if not need("admin"):
                return
            S.reboots += 1
            S.audit_add(user, self.addr(), "reboot", "ok")
            return self.send(200, {"message": "rebooting (fake: not really)"})
        if path == "/api/audit" and m == "GET":
            if not need("admin"):
                return
            n = int((query.get("limit") or ["100"])[0])
            recs = [{k: v for k, v in r.items() if k != "line"} for r in S.audit[-n:]]
            return self.send(200, {"head": S.head, "intact": True, "records": recs})
        if path == "/api/audit/export" and m == "GET":
            if not need("admin"):
                return
            text = "".join(r["line"] + "\n" for r in S.audit)
            return self.send(200, text, "text/plain; charset=utf-8",
                             extra=[("Content-Disposition", 'attachment; filename="audit.log"')])
        if path == "/api/users" and m == "GET":
            if not need("admin"):
                return
            return self.send(200, {"users": [{"user": n, "role": u["role"], "totp": bool(u["totp"])}
                                             for n, u in sorted(S.users.items())]})
        if path == "/api/users" and m == "POST":
            if not need("admin"):
                return
            name, pw, r = body.get("user", ""), body.get("password", ""), body.get("role", "")
            e = self.check_name(name) or (None if r in ROLES else "role: expected viewer, operator or admin")
            e = e or self.check_password(pw, name)
            if not e and name in S.users:
                e = "user %s exists already" % name
            if e:
                return self.err(400, e)
            S.users[name] = {"pw": pw, "role": r, "totp": None, "pending_totp": None}
            S.audit_add(user, self.addr(), "user.add", "ok", "%s %s" % (name, r))
            return self.send(200, {})
        if path.startswith("/api/users/") and m == "DELETE":
            if not need("admin"):
                return
            name = path[len("/api/users/"):]
            if name not in S.users:
                return self.err(404, "no user " + name)
            if name == user:
                return self.err(409, "you cannot delete yourself")
            if S.users[name]["role"] == "admin" and sum(u["role"] == "admin" for u in S.users.values()) == 1:
                return self.err(409, "the last administrator cannot be deleted")
            del S.users[name]
            for k in [k for k, s in S.sessions.items() if s["user"] == name]:
                del S.sessions[k]
            S.audit_add(user, self.addr(), "user.remove", "ok", name)
            return self.send(200, {})
        if path == "/api/password" and m == "POST":
            u = S.users[user]
            if body.get("old") != u["pw"]:
                return self.err(403, "current password wrong")
            e = self.check_password(body.get("new", ""), user)
            if e:
                return self.err(400, e)
            u["pw"] = body["new"]
            for k in [k for k, s in S.sessions.items() if s["user"] == user and k != sid]:
                del S.sessions[k]
            S.audit_add(user, self.addr(), "password", "ok")
            return self.send(200, {})
        if path == "/api/totp/begin" and m == "POST":
            secret = base64.b32encode(secrets.token_bytes(20)).decode().rstrip("=")
            S.users[user]["pending_totp"] = secret
            uri = "otpauth://totp/Timegate:%s?secret=%s&issuer=Timegate" % (user, secret)
            return self.send(200, {"secret": secret, "uri": uri})
        if path == "/api/totp/confirm" and m == "POST":
            u = S.users[user]
            if not u["pending_totp"]:
                return self.err(409, "no TOTP enrolment in progress")
            if body.get("code") not in [totp_code(u["pending_totp"], time.time() + d) for d in (-30, 0, 30)]:
                return self.err(400, "wrong code")
            u["totp"], u["pending_totp"] = u["pending_totp"], None
            S.audit_add(user, self.addr(), "totp.enable", "ok")
            return self.send(200, {})
        if path == "/api/totp/disable" and m == "POST":
            u = S.users[user]
            if body.get("password") != u["pw"]:
                return self.err(403, "password wrong")
            u["totp"] = None
            S.audit_add(user, self.addr(), "totp.disable", "ok")
            return self.send(200, {})
        if path.startswith("/api/config") or path.startswith("/api/services") or path == "/api/logs":
            try:
                return self.api_config(path, m, query, body, user, need)
            except ConfigError as e:
                ans = {"error": e.msg}
                if e.field:
                    ans["field"] = e.field
                return self.send(e.status, ans)
        return self.err(404, "no such API route: %s %s" % (m, path))

    def api_config(self, path, m, query, body, user, need):
        c = S.cfg
        if path == "/api/config" and m == "GET":
            return self.send(200, c.json())
        if path == "/api/config/backup" and m == "GET":
            return self.send(200, c.backup(), "text/plain; charset=utf-8", extra=[
                ("Content-Disposition", 'attachment; filename="timegate-config-%s.txt"' % time.strftime("%Y%m%d"))])
        if path == "/api/logs" and m == "GET":
            svc = (query.get("service") or [""])[0]
            q = (query.get("q") or [""])[0].lower()
            try:
                n = int((query.get("n") or ["200"])[0])
                assert 1 <= n <= 1000
            except Exception:
                raise ConfigError(400, "n: expected 1 to 1000", "n")
            lines = [l for l in fake_log_lines(S.t0) if (not svc or l["service"] == svc) and q in l["text"].lower()]
            return self.send(200, {"lines": lines[-n:], "truncated": len(lines) > n})
        if path == "/api/services" and m == "GET":
            now = time.time()
            out = [{"name": v["name"], "state": v["state"], "pid": v["pid"], "uptime_s": int(now - v["started"]),
                    "restarts": v["restarts"], "ready": v["ready"]} for v in S.services.values()]
            return self.send(200, {"services": out, "all_ready": all(v["ready"] for v in S.services.values())})
        if m != "POST":
            raise ConfigError(404, "no such API route: %s %s" % (m, path))
        if not need("admin"):
            return None
        if path == "/api/services/restart":
            name = body.get("service")
            if name == "consoled":
                raise ConfigError(409, "the console cannot restart itself; use reboot")
            if name not in S.services:
                raise ConfigError(400, "service: expected one of %s, got %s" % (", ".join(S.services), json.dumps(name)),
                                  "service")
            v = S.services[name]
            v["restarts"] += 1
            v["started"] = time.time()
            v["pid"] += 1000
            S.audit_add(user, self.addr(), "service.restart", "ok", name)
            return self.send(200, {"message": "%s is restarting" % name})
        routes = {
            "/api/config/time": ("time", lambda: c.set_time(body), "saved; the time service restarts"),
            "/api/config/upstreams": ("upstreams", lambda: c.set_upstreams(body),
                                      "saved; firewall updated, the time service restarts"),
            "/api/config/network": ("network", lambda: c.set_network(body),
                                    "saved; resolvers and services apply now, addresses at the next reboot"),
            "/api/config/tls": ("tls", lambda: c.set_tls(body), "certificate installed; the NTS service restarts"),
        }
        if path in routes:
            what, fn, msg = routes[path]
            try:
                fn()
            except ConfigError as e:
                S.audit_add(user, self.addr(), "config." + what, "fail", e.msg)
                raise
            S.audit_add(user, self.addr(), "config." + what, "ok", ",".join(sorted(k for k in body if k != "key")))
            return self.send(200, {"message": msg})
        if path == "/api/config/tls/csr":
            pem = c.make_csr(body)
            S.audit_add(user, self.addr(), "config.csr", "ok", str(body.get("cn", "")))
            return self.send(200, {"csr": pem})
        if path == "/api/config/revert":
            msg = c.revert(body.get("what"))
            S.audit_add(user, self.addr(), "config.revert", "ok", str(body.get("what")))
            return self.send(200, {"message": msg})
        if path == "/api/config/restore":
            msg = c.restore(str(body.get("file", "")))
            S.audit_add(user, self.addr(), "config.restore", "ok")
            return self.send(200, {"message": msg})
        raise ConfigError(404, "no such API route: %s %s" % (m, path))

    @staticmethod
    def check_name(name):
        import re
        if not re.fullmatch(r"[a-z_][a-z0-9_-]{0,30}", name or ""):
            return "user name: expected [a-z_][a-z0-9_-]{0,30}"
        return None

    @staticmethod
    def check_password(pw, user):
        if len(pw) < 12:
            return "password: at least 12 characters"
        if user and user.lower() in pw.lower():
            return "password: must not contain the user name"
        return None

    def api_setup(self, body):
        if S.setup_code is None:
            return self.err(409, "setup is done: an administrator exists")
        code = str(body.get("code", "")).replace("-", "").upper()
        if not hmac.compare_digest(code, S.setup_code.replace("-", "")):
            S.audit_add("-", self.addr(), "setup", "fail", "wrong setup code")
            return self.err(403, "wrong setup code")
        name, pw = body.get("user", ""), body.get("password", "")
        e = self.check_name(name) or self.check_password(pw, name)
        if e:
            return self.err(400, e)
        S.users[name] = {"pw": pw, "role": "admin", "totp": None, "pending_totp": None}
        S.setup_code = None
        sid = self.new_session(name)
        S.audit_add(name, self.addr(), "setup", "ok", "first administrator")
        return self.send(200, self.session_json(sid), extra=[self.cookie_header(sid)])

    def login(self, body):
        name, pw = str(body.get("user", "")), str(body.get("password", ""))
        cnt, until = S.failures.get(name, (0, 0))
        if until > time.time():
            S.audit_add(name if self.check_name(name) is None else "-", self.addr(), "login.locked", "refused")
            return self.err(429, "too many failed logins", extra=[("Retry-After", str(int(until - time.time()) + 1))])
        u = S.users.get(name)
        if not u or u["pw"] != pw:
            cnt += 1
            S.failures[name] = (cnt, time.time() + 30 if cnt >= 5 else 0)
            S.audit_add(name if self.check_name(name) is None else "-", self.addr(), "login.fail", "fail")
            return self.err(401, "wrong user name or password")
        S.failures.pop(name, None)
        if u["totp"]:
            sid = self.new_session(name, pending=True)
            return self.send(200, {"totp_required": True}, extra=[self.cookie_header(sid)])
        sid = self.new_session(name)
        S.audit_add(name, self.addr(), "login", "ok")
        return self.send(200, self.session_json(sid), extra=[self.cookie_header(sid)])

    def upload(self):
        with S.lock:
            sid, sess = self.cookie_session()
            ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip()
            n = int(self.headers.get("Content-Length", "0") or "0")
            refusal = None
            if not sess or sess["pending"]:
                refusal = (401, "not logged in", False)
            elif self.check_state_changing("/api/update", sess=sess):
                self.close_connection = True
                return
            elif ROLES[S.users[sess["user"]]["role"]] < 2:
                refusal = (403, "needs role operator", False)
            elif ctype != "application/octet-stream":
                refusal = (415, "expected Content-Type application/octet-stream, got %r" % ctype, True)
            elif n <= 0 or n > UPLOAD_MAX:
                refusal = (413, "bundle size %d: expected 1 to %d bytes" % (n, UPLOAD_MAX), False)
            elif S.uploading:
                refusal = (409, "an update is already being installed", False)
            if refusal:
                self.close_connection = True
                if refusal[2]:
                    return self.violation(refusal[0], refusal[1])
                return self.err(refusal[0], refusal[1])
            S.uploading = True
            user = sess["user"]
            S.update.update({"phase": "receiving", "bytes": "0", "total": str(n), "message": None})
            S.audit_add(user, self.addr(), "update.start", "ok", "%d bytes" % n)
        got = 0
        h = hashlib.sha256()
        try:
            while got < n:
                chunk = self.rfile.read(min(65536, n - got))
                if not chunk:
                    break
                h.update(chunk)
                got += len(chunk)
                with S.lock:
                    S.update["bytes"] = str(got)
                time.sleep(0.01)  # slow enough for progress to be seen
        finally:
            with S.lock:
                S.uploading = False
        with S.lock:
            if got != n:
                S.update.update({"phase": "idle", "last-result": "upload cut short"})
                S.audit_add(user, self.addr(), "update.result", "fail", "cut short")
                self.close_connection = True
                return
            msg = "installed 1.3.0 in slot B (%d bytes, sha256 %s...); reboot to try it" % (n, h.hexdigest()[:12])
            S.update.update({"phase": "idle", "pending-slot": "B", "pending-version": "1.3.0",
                             "order": "B A", "tries-B": "3", "message": msg, "last-result": msg})
            S.audit_add(user, self.addr(), "update.result", "ok", "1.3.0")
            return self.send(200, {"ok": True, "message": msg})


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def make_cert(d):
    cert, key = os.path.join(d, "cert.pem"), os.path.join(d, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return cert, key


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description="fake consoled for the browser test")
    ap.add_argument("--port", type=int, default=0, help="TCP port (0: a free one)")
    ap.add_argument("--addr", default="127.0.0.1")
    ap.add_argument("--www", default=os.path.join(here, "..", "..", "services", "consoled", "www"))
    ap.add_argument("--run", nargs=argparse.REMAINDER, help="command to run against the server")
    a = ap.parse_args()
    Handler.www = os.path.abspath(a.www)
    tmp = tempfile.TemporaryDirectory(prefix="fake_console.")
    cert, key = make_cert(tmp.name)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    ctx.set_alpn_protocols(["http/1.1"])
    ctx.load_cert_chain(cert, key)
    srv = Server((a.addr, a.port), Handler)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    url = "https://%s:%d/" % (a.addr, srv.server_address[1])
    print("fake console at %s (setup code %s)" % (url, SETUP_CODE), flush=True)
    if not a.run:
        try:
            srv.serve_forever()
        except KeyboardInterrupt:
            pass
        return 0
    th = threading.Thread(target=srv.serve_forever, daemon=True)
    th.start()
    env = dict(os.environ, CONSOLE_URL=url, CONSOLE_SETUP_CODE=SETUP_CODE)
    # what this fake offers: the spec asserts it rather than whatever it finds
    env.setdefault("CONSOLE_NTS_EXPECT", "up" if S.nts_up else "down")
    env.setdefault("CONSOLE_LOGS_EXPECT", "lines")
    env.setdefault("CONSOLE_RESTART", "1")
    rc = subprocess.call(a.run, env=env)
    srv.shutdown()
    if S.violations:
        print("fake: %d protocol violation(s) by the front end:" % len(S.violations))
        for v in S.violations:
            print("fake:   " + v)
        rc = rc or 1
    else:
        print("fake: no protocol violations")
    return rc


if __name__ == "__main__":
    sys.exit(main())
