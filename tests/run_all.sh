#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# `make test`: builds Shoji and the guests, runs the host unit tests
# (cmocka, ASan + UBSan) and the QEMU integration scenarios, and ends with
# one line "N passed, M failed" counting every unit test case and every
# integration scenario. Exits non-zero when anything failed or did not
# build.
#   tests/run_all.sh [--build DIR]
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$ROOT/build
if [ "${1:-}" = "--build" ] && [ -n "${2:-}" ]; then
    BUILD=$2
fi
cd "$ROOT" || exit 2
start=$(date +%s)
passed=0
failed=0

# Adds the counts from the last "<label>: N passed, M failed" line of a log.
tally() {
    local label=$1 log=$2 line
    line=$(grep -E "^$label: [0-9]+ passed, [0-9]+ failed" "$log" | tail -n 1)
    if [ -z "$line" ]; then
        echo "test: no $label summary (see $log)"
        failed=$((failed + 1))
        return
    fi
    passed=$((passed + $(echo "$line" | sed -E 's/.*: ([0-9]+) passed.*/\1/')))
    failed=$((failed + $(echo "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')))
}

mkdir -p "$BUILD/tests"
echo "== build"
if ! make --no-print-directory O="$BUILD" all linux; then
    echo "test: build failed"
    echo "0 passed, 1 failed"
    exit 1
fi

echo "== unit tests (cmocka, ASan + UBSan)"
make --no-print-directory O="$BUILD" unit 2>&1 | tee "$BUILD/tests/unit.log"
tally unit "$BUILD/tests/unit.log"

echo "== integration tests (QEMU)"
tests/integration/run_all.sh --build "$BUILD" 2>&1 |
    tee "$BUILD/tests/integration.log"
tally integration "$BUILD/tests/integration.log"

echo "== done in $(($(date +%s) - start)) s"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
