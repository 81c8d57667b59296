"""test_console.py - the web console (consoled) on the booted image, driven
by a real browser through QEMU's forwarded management port.

One boot per board, with the simulated receiver.  Checked:
  - consoled is started by the supervisor and ready with the other
    services ("all services ready");
  - on first boot it prints a setup code on the serial console and there
    is no default password;
  - over the forwarded port (guest port 443 of the management interface):
    HTTPS with HSTS and a strict CSP;
  - tests/browser/console.spec.mjs (Debian's chromium driven by
    playwright-core) against it: setup with the code, dashboard state and
    graphs from timed's live status, satellites and sky plot, logout,
    a wrong password, login, a user added, a time-source setting
    refused at its field then saved (timed restarts), NTP offered on the
    management network too (the firewall reloads), the logs page, the NTS
    card with ntsd's figures, a signed update bundle
    (the next version, signed with the build's development key) uploaded
    with its progress bar and installed by updated into slot B, the audit
    page, TOTP, phone width, keyboard, no console error or CSP violation;
  - updated logged the install into slot B; the supervisor restarted timed
    and ran the firewall action for the console; consoled never died.
Screenshots go to $OUT/test-results/screenshots/BOARD/.
"""
import os
import re
import shutil
import subprocess
import time

from console import (BOARD, BOOT_FAILED, Machine, OUT, PORTS, Timeout, check, done, fresh_disk,
                     make_bundle, next_version, not_ok, ok, release)

TOP = os.environ.get("TOP") or os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SPEC = os.path.join(TOP, "tests", "browser", "console.spec.mjs")
DIED = BOOT_FAILED + r"|tg-supervise\[main\] \w+: service consoled (exited|killed)"

have_browser = (os.path.exists("/usr/bin/chromium") and shutil.which("node") and
                os.path.isdir(os.path.join(TOP, "tests", "browser", "node_modules", "playwright-core")))
rel = release()
bundle = make_bundle("console-v2", next_version(rel["version"]), int(rel["security"]))

disk = fresh_disk()
m = Machine(disk)
m.gnss_sim()
stage = "boot: consoled prints a setup code"
try:
    try:
        _, mt = m.wait(r"consoled\[main\] warn: no administrator yet: setup code ([A-Z2-7]{5}-[A-Z2-7]{5})",
                       300, fail=DIED)
        code = mt.group(1)
        ok("first boot: consoled prints a one-time setup code on the serial console")
        stage = "all services ready"
        m.wait(r"all services ready", 240, fail=DIED)
        ok("consoled is ready with the other services")

        stage = "HTTPS on the forwarded management port"
        url = "https://127.0.0.1:%d/" % PORTS["console"]
        p = subprocess.run(["curl", "-sk", "-m", "60", "-D", "-", "-o", "/dev/null", url],
                           capture_output=True, text=True)
        h = p.stdout.lower()
        first = h.splitlines()[0] if h else ""
        check("HTTPS on the management port: 200 with HSTS and CSP default-src 'none'",
              p.returncode == 0 and " 200" in first and "strict-transport-security: max-age=" in h
              and "default-src 'none'" in h, p.stdout, p.stderr)

        # the dashboard shows live figures once the clock is locked
        stage = "timed locks"
        if not m.seen(r"timed\[main\] info: state locked"):
            m.wait(r"timed\[main\] info: state locked", 300, fail=DIED)
        time.sleep(20)  # some history for the graphs

        stage = "the browser test"
        if not have_browser:
            ok("browser test # SKIP no chromium, node or playwright-core")
        else:
            shots = os.path.join(OUT, "test-results", "screenshots", BOARD)
            os.makedirs(shots, exist_ok=True)
            env = dict(os.environ, CONSOLE_URL=url, CONSOLE_SETUP_CODE=code, SCREENSHOTS=shots,
                       CONSOLE_UPLOAD_FILE=bundle, CONSOLE_UPLOAD_EXPECT="ok",
                       CONSOLE_NTS_EXPECT="up", CONSOLE_LOGS_EXPECT="lines", CONSOLE_CONFIG_EXPECT="ok")
            p = subprocess.run(["node", SPEC], env=env, capture_output=True, text=True, timeout=900)
            for line in p.stdout.splitlines():
                if line.startswith("ok - "):
                    ok("browser: %s" % line[5:])
                elif line.startswith("not ok - "):
                    not_ok("browser: %s" % line[9:])
                elif line.startswith("#"):
                    print(line)
            check("browser test ran to its end",
                  re.search(r"^\d+ passed, 0 failed$", p.stdout, re.M) is not None,
                  p.stdout[-2000:], p.stderr[-2000:])
            stage = "updated installs the uploaded bundle"
            m.wait(r"updated\[\w+\] info: installed %s into slot B" % re.escape(next_version(rel["version"])),
                   120, fail=DIED)
            ok("the bundle uploaded in the browser was installed into slot B")
            # the configuration changes made in the browser went through the
            # supervisor's control socket: timed restarted on its new
            # timed.conf, the firewall reloaded by root with the new site.conf
            check("config change: the supervisor restarted timed for the console (uid 107)",
                  m.seen(r"tg-supervise\[main\] info: control: restart timed \(uid 107\)") and
                  m.seen(r"service timed (exited with status 0|killed by signal 15 \(SIGTERM\)); "
                         r"restarting now \(requested\)"),
                  *m.seen(r"tg-supervise\[main\] \w+: (control|service timed)"))
            check("config change: the firewall action ran as root and loaded the site's settings",
                  m.seen(r"tg-supervise\[main\] info: control: run firewall \(uid 107\)") and
                  m.seen(r"tg-firewall: rules loaded \(IPv4 and IPv6\) with the site settings in /data/policy/site\.conf") and
                  not m.seen(r"tg-firewall: .*(refused|nothing changed)"),
                  *m.seen(r"firewall"))
        check("consoled never exited",
              not m.seen(r"tg-supervise\[main\] \w+: service consoled (exited|killed)"),
              *m.seen(r"consoled\["))
    except Timeout as e:
        not_ok("console on the image: %s" % stage, str(e), "consoled's lines:",
               *m.seen(r"consoled\[")[-20:], "console:", *m.tail())
finally:
    m.stop()
done()
