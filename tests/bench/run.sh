#!/usr/bin/env bash
# tests/bench/run.sh - ./build.sh bench: benchmarks (not tests); see bench.py.
set -eu
: "${TOP:?}" "${OUT:?}"
exec python3 "$TOP/tests/bench/bench.py"
