#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Runs each unit-test binary given as an argument, shows cmocka's output,
# and counts test cases over all of them from cmocka's per-test lines:
# "[ RUN      ]" starts a case, "[       OK ]" passes it. A case that
# started but never reported OK failed, also when the binary crashed or a
# sanitizer stopped it. Prints "unit: N passed, M failed" and exits 1 when
# anything failed or a binary exited non-zero.

passed=0
failed=0
broken=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

start=$(date +%s.%N)
for bin in "$@"; do
    name=$(basename "$bin")
    # A hung binary is stopped after a while and counts as crashed.
    timeout "${UNIT_TIMEOUT:-120}" "$bin" >"$log" 2>&1
    rc=$?
    cat "$log"
    total=$(sed -n 's/^\[==========\] Running \([0-9]*\) test.*/\1/p' \
        "$log" | head -n 1)
    ok=$(grep -c '^\[       OK \]' "$log")
    if [ -z "$total" ]; then
        total=$(grep -c '^\[ RUN      \]' "$log")
    fi
    passed=$((passed + ok))
    failed=$((failed + total - ok))
    if [ "$rc" -ne 0 ]; then
        broken=$((broken + 1))
        if [ "$ok" -eq "$total" ]; then
            # Every case passed, yet the binary failed (e.g. a leak report
            # at exit): count that as one failure.
            failed=$((failed + 1))
        fi
        echo "unit: $name exited with status $rc"
    fi
done
end=$(date +%s.%N)

awk -v a="$start" -v b="$end" 'BEGIN { printf "unit: %.2f s\n", b - a }'
echo "unit: $passed passed, $failed failed"
if [ "$failed" -ne 0 ] || [ "$broken" -ne 0 ]; then
    exit 1
fi
exit 0
