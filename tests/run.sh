#!/usr/bin/env bash
# tests/run.sh - run the whole suite and print one summary line
# "N passed, M failed"; exit 1 if anything failed.  build.sh test builds
# everything first, then calls this with TOP and OUT set.
#
# Every test program prints TAP-style lines, "ok - NAME" or "not ok - NAME"
# (tests/unit/check.h, tests/lib.sh, tests/image/console.py); each line is
# one case.  A program that fails without saying which case, or says
# nothing, counts as one failed case.  Logs: out/test-results/.
#
# Phases: unit (host build, ASan+UBSan), fuzz smoke, system (host, as root,
# loopback and network namespaces), image (QEMU TCG, both boards in
# parallel).  TG_TEST_FILTER=REGEX runs only the programs whose name
# matches.
set -u
: "${TOP:?}" "${OUT:?}"
export TOP OUT
RESULTS=$OUT/test-results
rm -rf "$RESULTS"; mkdir -p "$RESULTS"
FILTER=${TG_TEST_FILTER:-}
passed=0 failed=0
failures=()

# run_one NAME TIMEOUT CMD...: run a test program, log its output
run_one() {
	local name=$1 tmo=$2; shift 2
	local log=$RESULTS/$name.log t
	t=$(mktemp -d "${TMPDIR:-/tmp}/tg-test.XXXXXX")
	( cd "$t" && T=$t timeout -k 10 "$tmo" "$@" ) >"$log" 2>&1
	echo $? >"$RESULTS/$name.rc"
	rm -rf "$t"
}

# tally NAME: count the cases of a finished program
tally() {
	local name=$1 log=$RESULTS/$1.log rc ok nok
	rc=$(cat "$RESULTS/$name.rc")
	ok=$(grep -c '^ok - ' "$log")
	nok=$(grep -c '^not ok - ' "$log")
	grep -E '^(not )?ok - ' "$log" | sed "s|^|[$name] |"
	if [ "$rc" != 0 ] && [ "$nok" = 0 ]; then
		case $rc in 124|137) echo "[$name] not ok - timed out" ;; *) echo "[$name] not ok - exited with status $rc" ;; esac
		nok=1
	elif [ "$ok" = 0 ] && [ "$nok" = 0 ]; then
		echo "[$name] not ok - reported no results"
		nok=1
	fi
	passed=$((passed + ok)); failed=$((failed + nok))
	if [ "$nok" != 0 ]; then
		failures+=("$name")
		echo "---- $name: last lines of $log"
		tail -n 40 "$log" | sed 's/^/    /'
		echo "----"
	fi
}

selected() { [ -z "$FILTER" ] || [[ $1 =~ $FILTER ]]; }

echo "== unit tests (host, ASan+UBSan)"
for t in "$OUT"/host/services-host/tests/*; do
	[ -x "$t" ] || continue
	name=unit-$(basename "$t"); selected "$name" || continue
	run_one "$name" 300 "$t"; tally "$name"
done

echo "== fuzz smoke (${TG_FUZZ_SMOKE_SECONDS:-15} s per fuzzer)"
if selected fuzz-smoke; then
	run_one fuzz-smoke 1800 "$TOP/tests/fuzz/run.sh" smoke; tally fuzz-smoke
fi

echo "== system tests"
for t in "$TOP"/tests/system/test_*.sh; do
	name=system-$(basename "$t" .sh); selected "$name" || continue
	run_one "$name" 600 bash "$t"; tally "$name"
done

echo "== image tests (QEMU TCG)"
# one program per board and check, both boards at once: each QEMU is one
# TCG thread, so two use the two cores
pids=() names=()
port=20000
for t in "$TOP"/tests/image/test_*.py; do
	for board in qemu-x86_64 qemu-aarch64; do
		name=image-$(basename "$t" .py)-$board; selected "$name" || continue
		port=$((port + 10))
		run_one "$name" 900 env TG_BOARD="$board" TG_PORT_BASE=$port python3 "$t" &
		pids+=($!); names+=("$name")
		if [ ${#pids[@]} -ge "${TG_IMAGE_JOBS:-2}" ]; then
			wait "${pids[0]}"; pids=("${pids[@]:1}")
		fi
	done
done
wait
for name in "${names[@]}"; do tally "$name"; done

echo
[ ${#failures[@]} -eq 0 ] || echo "failed: ${failures[*]} (logs in $RESULTS)"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
