#!/usr/bin/env bash
# test_gnss_logs.sh - timed's NMEA code (services/timed/nmea.c) against
# real receiver captures and gpsd's own reading of them.
#
# Each ../shared/gnss-logs/NAME.log goes through tg-nmeadump (the reader,
# parser and epoch aggregator, fed in random-size chunks like read() from
# the serial port); gnss_logs.py compares its epochs with NAME.log.chk,
# what gpsd reported replaying the same capture:
#   - every TPV time gpsd reported with a 2D/3D fix is one of our valid
#     epochs, same second and same millisecond fraction (ours is in ns,
#     gpsd prints ms: ours truncated to ms must equal gpsd's);
#   - our fix mode equals gpsd's for those times;
#   - for each second where gpsd finished a GSV set (a SKY report with a
#     satellite list), our epoch has the same satellites, used flags, SNR;
#   - no valid epoch of ours where gpsd said "no fix" for that time.
# One "ok - gnss-log:NAME" per capture, then cases for date repair, leap
# data, chunking independence and sanitizer cleanliness.
#
# Exceptions (where gpsd's heuristics differ from ours, with the reason):
#   april6_2019.log  the receiver's date is 1024 weeks early (Telit HE910
#                    after the 2019-04-06 rollover: 220899 = 1999-08-22);
#                    gpsd prints it as is, we repair it with a 2019-01-01
#                    floor: compared as gpsd's time + 1024 weeks, and
#                    asserted to be 2019-04-07T00:02:31.420 below.
#   telit-pls83-w.log  the GPGSV set comes after GAGSV at the end of each
#                    second; gpsd's SKY for the second is sent before it
#                    and the next GLGSV starts a new skyview, so gpsd never
#                    lists the GPS satellites.  Every satellite gpsd lists
#                    must match ours; ours may add the GPS ones.
# Environment: TOP, OUT, T (tests/run.sh); TG_GNSS_LOGS overrides the folder.
set -u
. "$TOP/tests/lib.sh"

DUMP=$OUT/host/services-host/test-tools/tg-nmeadump
# the team's shared folder beside the checkout, or where the workplace keeps it
LOGS=${TG_GNSS_LOGS:-$TOP/../shared/gnss-logs}
[ -n "${TG_GNSS_LOGS:-}" ] || [ -d "$LOGS" ] || LOGS=/work/shared/gnss-logs
CMP=$TOP/tests/system/gnss_logs.py
T=${T:-$(mktemp -d)}

if [ ! -d "$LOGS" ]; then
	t_fail "gnss-logs folder missing" "looked in $LOGS (part of the test data)"
	t_done
fi
if [ ! -x "$DUMP" ]; then
	t_fail "gnss-logs tg-nmeadump built" "missing $DUMP"
	t_done
fi

floor_for() {
	case $1 in
	april6_2019.log | gp-320fw-2019-04-06-overflow.log) echo 2019-01-01 ;;
	*) echo 2000-01-01 ;;
	esac
}
opts_for() {
	case $1 in
	april6_2019.log) echo --rollover ;;
	telit-pls83-w.log) echo --sky-subset ;;
	esac
}

sanitizer_ok=1
san_report=()
# run_dump OUTFILE ARGS...: run tg-nmeadump, note any sanitizer report or failure
run_dump() {
	local out=$1; shift
	if ! "$DUMP" "$@" >"$out" 2>"$out.err"; then
		sanitizer_ok=0; san_report+=("exit status $? for $*")
	fi
	if grep -qE 'AddressSanitizer|UndefinedBehaviorSanitizer|runtime error|LeakSanitizer' "$out.err"; then
		sanitizer_ok=0; san_report+=("sanitizer report for $*: $(head -n 3 "$out.err")")
	fi
}

n=0
for log in "$LOGS"/*.log; do
	name=$(basename "$log")
	n=$((n + 1))
	if [ ! -f "$log.chk" ]; then
		t_fail "gnss-log:$name no .chk file"
		continue
	fi
	run_dump "$T/$name.json" -f "$(floor_for "$name")" "$log"
	# shellcheck disable=SC2046
	if res=$(python3 "$CMP" "$T/$name.json" "$log.chk" $(opts_for "$name") 2>&1); then
		t_pass "gnss-log:$name"
	else
		t_fail "gnss-log:$name $(echo "$res" | grep -m1 '^FAIL' | cut -c7-200)" "$res"
	fi
done
[ "$n" -ge 29 ] || t_fail "gnss-logs: expected at least 29 captures, found $n"

# epoch N of a dump as one field: jfield FILE EXPR (python on each line)
jq_py() { python3 -c "import json,sys
ep=[json.loads(l) for l in open(sys.argv[1]) if '\"summary\"' not in l]
$2" "$1"; }

# date repair: 220899 -> 1999-08-22 + 1024 weeks; "2208-1" rejected
if [ "$(jq_py "$T/april6_2019.log.json" 'print(" ".join("%s/%s/%s" % (e["time"], e["valid"], e["rolled"]) for e in ep))')" = \
	"2019-04-07T00:02:31.420000000Z/True/True" ]; then
	t_pass "gnss-logs:april6-rollover-repaired"
else
	t_fail "gnss-logs:april6-rollover-repaired" "$(cat "$T/april6_2019.log.json")"
fi
# the same capture with a floor before 1999 is left alone (a floor is what makes a date "too old")
run_dump "$T/april6.old" -f 1990-01-01 "$LOGS/april6_2019.log"
t_check "gnss-logs:april6-old-floor-not-rolled" grep -q '"time":"1999-08-22T00:02:31.420000000Z"' "$T/april6.old"
# gp-320fw: the receiver had the right date; a 2019 floor must not move it
t_check "gnss-logs:gp-320fw-date-kept" jq_py "$T/gp-320fw-2019-04-06-overflow.log.json" \
	'sys.exit(0 if all(e["time"].startswith("2019-04-06T23:5") and not e["rolled"] for e in ep if e["time"]) and any(e["valid"] for e in ep) else 1)'
# MTK power-up dates 1980-01-05/12: receiver defaults, not valid, not rolled
t_check "gnss-logs:mtk-default-date-not-valid" jq_py "$T/mtk-3301.log.json" \
	'd=[e for e in ep if e["time"] and e["time"].startswith("1980-01-")]; sys.exit(0 if len(d) == 6 and all(e["default_date"] and not e["valid"] and not e["rolled"] for e in d) else 1)'
# Furuno PERDCRW TPS1: GPS-UTC 18 now and after the (unannounced) event
t_check "gnss-logs:furuno-leap-seconds" jq_py "$T/furuno_gl_ga.log.json" \
	'l=[e for e in ep if "leap" in e]; sys.exit(0 if len(l) >= 10 and all(e["leap"] == 18 and e["leap_next"] == 18 and e["leap_event"] == 0 for e in l) else 1)'
# firefly-II: 23 GGA with a bad checksum, all counted, none used
t_check "gnss-logs:firefly-bad-checksums-counted" jq_py "$T/firefly-II.log.json" \
	'sys.exit(0 if sum(e["bad_checksum"] for e in ep) == 23 else 1)'

# chunking: byte by byte, whole file and another random split give the same epochs
same=1
for log in "$LOGS"/*.log; do
	name=$(basename "$log")
	run_dump "$T/c1" -c 1 -f "$(floor_for "$name")" "$log"
	run_dump "$T/cbig" -c 1000000 -f "$(floor_for "$name")" "$log"
	run_dump "$T/cseed" -s 12345 -c 300 -f "$(floor_for "$name")" "$log"
	if ! cmp -s "$T/c1" "$T/$name.json" || ! cmp -s "$T/cbig" "$T/$name.json" ||
		! cmp -s "$T/cseed" "$T/$name.json"; then
		same=0; echo "  chunking changes the epochs of $name" >&2
	fi
done
if [ $same = 1 ]; then t_pass "gnss-logs:chunking-independent"; else t_fail "gnss-logs:chunking-independent"; fi

if [ $sanitizer_ok = 1 ]; then
	t_pass "gnss-logs:no-crash-no-sanitizer-report"
else
	t_fail "gnss-logs:no-crash-no-sanitizer-report" "${san_report[@]}"
fi
t_done
