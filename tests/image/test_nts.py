"""test_nts.py - NTS on the booted image, as `./build.sh run` tells a user to try it.

The development boards' data partition carries the NTS certificate made
on the build host (keys/nts-dev, image/assemble.sh dev_pki).  Through the
forwarded ports on 127.0.0.1:
  - nts-query (our client, host build) with the development CA: NTS-KE
    over TLS 1.3 gives AEAD 15 and 8 cookies; an authenticated NTP
    exchange follows.  The image has no time source, so the answer is the
    authenticated "unsynchronised" (stratum 0, leap 3).
  - chrony 4.3 with exactly the two lines build.sh run prints
    (server ... nts ntsport ..., ntstrustedcerts ...): `chronyc -N
    authdata` shows NTS, AEAD 15, a 256-bit key and cookies.
  - the cookie key ring lives on the data partition: after a hard reset
    (QMP system_reset, no shutdown), cookies issued before it are still
    accepted.
"""
import os
import re
import shutil
import subprocess
import time

from console import BOOT_FAILED, Machine, PORTS, SCRATCH, Timeout, check, done, fresh_disk, not_ok, ok

TOP = os.environ.get("TOP") or os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.environ["OUT"]
CA = os.path.join(TOP, "keys", "nts-dev", "ca.pem")
QUERY = os.path.join(OUT, "host", "services-host", "bin", "nts-query")
CHRONYD, CHRONYC = "/usr/sbin/chronyd", "/usr/bin/chronyc"


def nts_query(*args):
    p = subprocess.run([QUERY, "-c", CA, "-n", "localhost", "-p", str(PORTS["ntske"]),
                        "-P", str(PORTS["ntp"]), "-t", "20000"] + list(args) + ["127.0.0.1"],
                       capture_output=True, text=True, timeout=120)
    return p.returncode, p.stdout + p.stderr


def chrony_authdata(ctl):
    p = subprocess.run([CHRONYC, "-h", ctl, "-n", "-N", "authdata"], capture_output=True,
                       text=True, timeout=20)
    return p.stdout + p.stderr


if not os.path.exists(QUERY) or not os.path.exists(CA):
    not_ok("NTS on the image", "missing %s or %s (host build, image build)" % (QUERY, CA))
    done()

disk = fresh_disk()
m = Machine(disk)
try:
    try:
        m.wait(r"all services ready", 300, fail=BOOT_FAILED)
        check("ntsd on the image serves NTS-KE with the development certificate",
              m.seen(r"ntsd\[main\] info: ke role is serving") and
              not m.seen(r"NTS-KE disabled"), *m.tail(15))

        state = os.path.join(SCRATCH, "session")
        rc, out = nts_query("-s", state)
        check("nts-query with the development CA: TLS 1.3 key establishment, AEAD 15, "
              "8 cookies, then authenticated NTP (unsynchronised: stratum 0, leap 3)",
              rc == 0 and re.search(r"^ke ok .* aead=15 cookies=8 ", out, re.M) and
              re.search(r"^ntp ok .* stratum=0 leap=3 ", out, re.M), out)

        if os.path.exists(CHRONYD) and os.path.exists(CHRONYC):
            d = os.path.join(SCRATCH, "chrony")
            shutil.rmtree(d, ignore_errors=True)
            os.makedirs(d, mode=0o700)
            ctl = os.path.join(d, "chronyd.sock")
            with open(os.path.join(d, "chrony.conf"), "w") as f:
                # the two lines ./build.sh run prints, then what a test run needs
                f.write("server 127.0.0.1 port %d nts ntsport %d iburst\n"
                        % (PORTS["ntp"], PORTS["ntske"]))
                f.write("ntstrustedcerts %s\n" % CA)
                f.write("ntsdumpdir %s\nbindcmdaddress %s\npidfile %s/chronyd.pid\n"
                        % (d, ctl, d))
            c = subprocess.Popen([CHRONYD, "-x", "-d", "-U", "-u", "root", "-f",
                                  os.path.join(d, "chrony.conf")],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
            try:
                want = re.compile(r"^127\.0\.0\.1 +NTS +\d+ +15 +256 +.* [1-8] +104$", re.M)
                t_end = time.monotonic() + 90
                data = ""
                while time.monotonic() < t_end:
                    data = chrony_authdata(ctl)
                    if want.search(data):
                        break
                    time.sleep(2)
                check("chrony 4.3 with the printed snippet: authdata shows NTS, AEAD 15, "
                      "256-bit key, cookies of 104 bytes", want.search(data), data)
            finally:
                c.terminate()
                c.wait(10)
        else:
            ok("chrony against the image # SKIP chronyd/chronyc not installed")

        # the key ring is on the data partition: a hard reset keeps the cookies valid
        m.qmp("system_reset")
        m.wait(r"U-Boot 20\d\d", 120)
        m.wait(r"all services ready", 300, fail=BOOT_FAILED)
        rc, out = nts_query("-s", state, "-K")
        check("after a hard reset, cookies issued before it are still accepted "
              "(cookie key ring on the data partition)",
              rc == 0 and re.search(r"^ntp ok ", out, re.M), out)
    except Timeout as e:
        not_ok("NTS on the image", str(e), *m.tail())
finally:
    m.stop()
done()
