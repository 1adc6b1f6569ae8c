#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# preemption: two CPU-bound guests that never block or yield share one
# physical CPU. Both must report progress before either finishes (only the
# EL2 timer ending their slices makes that possible) and get about the
# same number of loop iterations (round robin is fair).
set -u
. "$(dirname "$0")/../lib.sh"

shoji_run_case preemption --config "$ROOT/tests/integration/data/two_hogs.dts" \
    --icount --timeout 120 \
    --expect '^\[hog1\] 1 passed, 0 failed$' \
    --expect '^\[hog2\] 1 passed, 0 failed$' || exit 1

awk '
    /^\[hog[12]\] hog: progress/ && !done { seen[substr($1, 2, 4)] = 1 }
    /^\[hog[12]\] hog: done, / {
        done = 1
        n = $4
        sub(/,/, "", n)
        iters[substr($1, 2, 4)] = n + 0
    }
    END {
        if (!seen["hog1"] || !seen["hog2"]) {
            print "preemption: the hogs did not both progress before one finished"
            exit 1
        }
        r = iters["hog1"] / iters["hog2"]
        printf "preemption: iterations hog1 %d, hog2 %d (ratio %.2f)\n",
            iters["hog1"], iters["hog2"], r
        if (r < 0.8 || r > 1.25) {
            print "preemption: unfair share"
            exit 1
        }
    }' "$LOGDIR/preemption.log"
