#!/usr/bin/env python3
"""gnss_logs.py - compare tg-nmeadump's epochs of one capture with gpsd's .chk.

    gnss_logs.py DUMP_JSON CHK_FILE [--skip=CHECK,..] [--rollover] [--sky-subset]

Prints "ok" or "FAIL: reason" lines (the shell script turns them into TAP)
and exits 0 when everything asserted matched, 1 otherwise.

The .chk file is gpsd's replay of the capture: each raw sentence, followed
by the JSON reports gpsd emitted after it.  SKY reports carry no time, so
each SKY is attached to the time of day of the last raw sentence before it
that had one (RMC GGA GNS GLL ZDA): that is also how our aggregator
attaches GSV/GSA to an epoch.  For each time of day the last SKY with a
satellite list is gpsd's complete view of that epoch.

Assertions:
  times  every TPV "time" gpsd reported with mode >= 2 is the time of one
         of our valid epochs (same second; the fraction is compared to the
         millisecond gpsd prints: ours truncated to ms must equal it)
  mode   for those times, our epoch's mode equals the mode of gpsd's last
         TPV with that time
  sky    for each time of day with a SKY satellite list, the same
         satellites (gnssid + svid), used flags and SNR as our epoch of
         that time of day
  valid  none of our valid epochs has a time gpsd reported with mode < 2
         (gpsd leaves out many TPVs by its cycle heuristics, so a valid
         epoch of ours gpsd did not report at all is not a failure)
Options: --skip=CHECK[,CHECK] turns checks off (the exceptions documented
in test_gnss_logs.sh); --rollover compares gpsd's times plus 1024 weeks
(gpsd prints the receiver's rolled-over date; we repair it);
--sky-subset lets our epoch have satellites gpsd's SKY lacks (gpsd's
cycle detection drops a GSV set of some receivers), all of gpsd's must
still be ours with the same used flag and SNR.
"""
import datetime
import json
import re
import sys

TIME_FIELD = {"RMC": 1, "GGA": 1, "GNS": 1, "ZDA": 1, "GLL": 5}


def raw_tod(line):
    m = re.match(r"^[$!]([A-Z]{2})([A-Z]{3}),", line)
    if not m or m.group(2) not in TIME_FIELD:
        return None
    body = line.split("*")[0]
    f = body.split(",")
    i = TIME_FIELD[m.group(2)]
    if len(f) <= i or not re.match(r"^\d{6}(\.\d+)?$", f[i]):
        return None
    return tod_key(f[i])


def tod_key(s):
    """hhmmss[.fff] -> (seconds of day, milliseconds)"""
    sec = int(s[0:2]) * 3600 + int(s[2:4]) * 60 + int(s[4:6])
    frac = s[7:] if len(s) > 7 else ""
    ms = int((frac + "000")[:3]) if frac else 0
    return (sec, ms)


def iso_key(t):
    """2020-07-11T22:37:45.123Z -> ('2020-07-11T22:37:45', ms)"""
    m = re.match(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?Z$", t)
    if not m:
        return None
    frac = m.group(2) or ""
    return (m.group(1), int((frac + "000")[:3]))


def iso_tod(k):
    t = k[0][11:]
    return (int(t[0:2]) * 3600 + int(t[3:5]) * 60 + int(t[6:8]), k[1])


def load_chk(path):
    tpv = {}     # iso second -> (ms, mode of the last TPV with this time)
    sky = {}     # tod second -> satellite dict of the last SKY with satellites
    cur_tod = None
    last_type = None
    with open(path, encoding="latin-1") as f:
        for line in f:
            line = line.rstrip("\r\n")
            if line.startswith("{"):
                try:
                    d = json.loads(line)
                except ValueError:
                    continue
                if d.get("class") == "TPV" and "time" in d:
                    k = iso_key(d["time"])
                    # a TPV gpsd sends on the first sentence of a new second
                    # still carries the previous time with the new mode
                    # (unicore-um621: RMC "V" of 00:07:06 -> TPV 00:07:05
                    # mode 1): such a TPV says nothing about its time
                    if k and cur_tod is not None and iso_tod(k) != cur_tod:
                        continue
                    if k:
                        tpv[k[0]] = (k[1], d.get("mode", 0))
                elif (d.get("class") == "SKY" and "satellites" in d and cur_tod is not None
                      and last_type == "GSV"):
                    sats = {}
                    for s in d["satellites"]:
                        key = (s.get("gnssid", 0), s.get("svid", s.get("PRN")))
                        # gpsd lists each signal of a satellite; we keep one
                        # entry per satellite, with the first signal's SNR;
                        # the satellite is used if gpsd marks any of its
                        # signals used (gpsd marks only signals with an SNR)
                        if key not in sats:
                            sats[key] = (bool(s.get("used")), s.get("ss"))
                        elif s.get("used"):
                            sats[key] = (True, sats[key][1])
                    sky[cur_tod[0]] = sats
            elif line.startswith("$") or line.startswith("!"):
                m = re.match(r"^[$!][A-Z]{2}([A-Z]{3}),", line)
                last_type = m.group(1) if m else None
                t = raw_tod(line)
                if t is not None:
                    cur_tod = t
    return tpv, sky


ROLLOVER_S = 1024 * 7 * 86400


def shift(t, secs):
    d = datetime.datetime.strptime(t, "%Y-%m-%dT%H:%M:%S") + datetime.timedelta(seconds=secs)
    return d.strftime("%Y-%m-%dT%H:%M:%S")


def load_dump(path):
    epochs = []
    with open(path) as f:
        for line in f:
            d = json.loads(line)
            if "summary" in d:
                continue
            epochs.append(d)
    return epochs


def main():
    dump, chk = sys.argv[1], sys.argv[2]
    skip, rollover, sky_subset = set(), False, False
    for a in sys.argv[3:]:
        if a.startswith("--skip="):
            skip |= set(a[7:].split(","))
        elif a == "--rollover":
            rollover = True
        elif a == "--sky-subset":
            sky_subset = True
    tpv, sky = load_chk(chk)
    if rollover:
        # gpsd printed the receiver's date; ours is repaired by 1024 weeks
        tpv = {shift(t, ROLLOVER_S): v for t, v in tpv.items()}
    epochs = load_dump(dump)
    fails = []

    ours = {}    # iso second -> epoch (valid ones)
    by_tod = {}  # seconds of day -> last epoch with that time of day
    for e in epochs:
        if e.get("tod"):
            by_tod[tod_key(e["tod"].replace(":", ""))[0]] = e
        if e["valid"] and e["time"]:
            k = iso_key(e["time"][:19] + "." + e["time"][20:23] + "Z")
            ours[k[0]] = (k[1], e)

    n_times = 0
    for t, (ms, mode) in sorted(tpv.items()):
        if mode < 2:
            continue
        n_times += 1
        if "times" not in skip:
            if t not in ours:
                fails.append("gpsd time %s (mode %d) is not a valid epoch of ours" % (t, mode))
                continue
            if ours[t][0] != ms:
                fails.append("time %s: fraction .%03d, gpsd .%03d" % (t, ours[t][0], ms))
        if "mode" not in skip and t in ours and ours[t][1]["mode"] != mode:
            fails.append("time %s: mode %d, gpsd %d" % (t, ours[t][1]["mode"], mode))
    if "valid" not in skip:
        for t in sorted(ours):
            if t in tpv and tpv[t][1] < 2:
                fails.append("our valid epoch %s: gpsd says mode %d" % (t, tpv[t][1]))

    n_sky = 0
    if "sky" not in skip:
        for tod, gsats in sorted(sky.items()):
            n_sky += 1
            e = by_tod.get(tod)
            if e is None:
                fails.append("SKY at tod %d: no epoch of ours" % tod)
                continue
            osats = {(s["gnss"], s["svid"]): (s["used"], s.get("ss")) for s in e["sats"]}
            if sky_subset and set(gsats) <= set(osats):
                pass  # gpsd dropped a whole GSV set: compare what it has
            elif set(osats) != set(gsats):
                fails.append("SKY at tod %d: satellites only ours %s, only gpsd %s" % (
                    tod, sorted(set(osats) - set(gsats)), sorted(set(gsats) - set(osats))))
                continue
            for k in sorted(gsats):
                gu, gss = gsats[k]
                ou, oss = osats[k]
                if gu != ou:
                    fails.append("SKY at tod %d: sat %s used %s, gpsd %s" % (tod, k, ou, gu))
                if (gss is None) != (oss is None) or (gss is not None and float(gss) != float(oss)):
                    fails.append("SKY at tod %d: sat %s ss %s, gpsd %s" % (tod, k, oss, gss))
    for f in fails[:15]:
        print("FAIL: " + f)
    if len(fails) > 15:
        print("FAIL: ... %d more" % (len(fails) - 15))
    print("checked %d gpsd fix times, %d SKY epochs, %d epochs of ours" % (n_times, n_sky, len(epochs)))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
