#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Runs every integration case under tests/integration/cases/ against a
# build (default <repo>/build; needs shoji.bin and guests/ built there):
#   tests/integration/run_all.sh [--build DIR]
# Prints PASS/FAIL per case and "integration: N passed, M failed"; exits
# non-zero if any case failed. Console logs go to DIR/tests/integration/.
set -u
DIR=$(cd "$(dirname "$0")" && pwd)
. "$DIR/lib.sh"

passed=0
failed=0
for c in "$DIR"/cases/*.sh; do
    name=$(basename "$c" .sh)
    echo "=== $name"
    if bash "$c" --build "$BUILD"; then
        echo "PASS $name"
        passed=$((passed + 1))
    else
        echo "FAIL $name (log: $LOGDIR/$name.log)"
        failed=$((failed + 1))
    fi
done
echo "integration: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
