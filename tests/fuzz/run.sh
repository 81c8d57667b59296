#!/usr/bin/env bash
# tests/fuzz/run.sh smoke|long - run every libFuzzer harness.
#
# Each harness out/host/services-fuzz/fuzz/fuzz_NAME starts from its seed
# corpus tests/fuzz/corpus/NAME/ (read-only: new inputs go to a scratch
# folder, and are kept under out/fuzz-corpus/NAME for `long` runs).
#   smoke: TG_FUZZ_SMOKE_SECONDS (15) each, two at a time (./build.sh test)
#   long:  TG_FUZZ_SECONDS (300) each (./build.sh fuzz)
# A crash leaves its input in out/fuzz-crashes/NAME/ and fails the case.
set -u
: "${TOP:?}" "${OUT:?}"
mode=${1:-smoke}
case $mode in
smoke) secs=${TG_FUZZ_SMOKE_SECONDS:-15} ;;
long) secs=${TG_FUZZ_SECONDS:-300} ;;
*) echo "usage: $0 smoke|long" >&2; exit 100 ;;
esac
bin=$OUT/host/services-fuzz/fuzz
[ -d "$bin" ] || { echo "not ok - no fuzzers built in $bin"; exit 1; }

fuzz_one() {
	local f=$1 name seeds work crashes log
	name=$(basename "$f"); name=${name#fuzz_}
	seeds=$TOP/tests/fuzz/corpus/$name
	if [ ! -d "$seeds" ] || [ -z "$(ls -A "$seeds")" ]; then
		echo "not ok - fuzz:$name has no seed corpus in tests/fuzz/corpus/$name"
		return
	fi
	if [ "$mode" = long ]; then work=$OUT/fuzz-corpus/$name; else work=$(mktemp -d); fi
	crashes=$OUT/fuzz-crashes/$name
	mkdir -p "$work" "$crashes"
	log=$(mktemp)
	if "$f" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$crashes/" "$work" "$seeds" >"$log" 2>&1; then
		echo "ok - fuzz:$name $(awk '/stat::number_of_executed_units/ { print $2 }' "$log") runs in ${secs} s"
	else
		echo "not ok - fuzz:$name found a failing input (saved in $crashes)"
		grep -E 'ERROR|SUMMARY|==[0-9]+==' "$log" | head -n 20 | sed 's/^/  /'
	fi
	rm -f "$log"
	[ "$mode" = long ] || rm -rf "$work"
}

# two at a time: the suite runs on two cores
jobs=0
for f in "$bin"/fuzz_*; do
	[ -x "$f" ] || continue
	fuzz_one "$f" &
	jobs=$((jobs + 1))
	if [ $jobs -ge 2 ]; then wait -n; jobs=$((jobs - 1)); fi
done
wait
