#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# linux_cyclictest: under credit-rt, a 1-vCPU Debian Linux guest with a
# reservation (300 us every 1 ms) shares physical CPU 0 with a CPU hog and
# runs the short cyclictest (100 loops of 10 ms, SCHED_FIFO 80) under
# --icount. cyclictest must run and print its summary, the hog must still
# be spinning when Linux powers off (they competed for the whole test),
# and the worst wake-up latency must stay below one reservation period.
set -u
. "$(dirname "$0")/../lib.sh"

shoji_run_case linux_cyclictest \
    --config "$ROOT/tests/integration/data/linux_cyclic_hog.dts" \
    --smp 1 --icount --timeout 240 \
    --expect '^shoji: scheduler: credit-rt$' \
    --expect '^\[linux\] cyclictest: min [0-9]+ avg [0-9]+ max [0-9]+ overflows 0 loops 100$' \
    --expect '^\[linux\] linux: cyclictest PASS$' \
    --expect '^shoji: vm linux stopped: PSCI SYSTEM_OFF, exit code 0' \
    --expect '^\[hog\] hog: done, [0-9]+ iterations' \
    -- -append sched=credit-rt || exit 1

awk '
    /^\[linux\] cyclictest: min / { max = $8 + 0; got = 1 }
    /^\[linux\] linux: powering off$/ { off = 1 }
    /^\[hog\] hog: done, / { hog_done_first = !off }
    END {
        if (!got) {
            print "linux_cyclictest: no cyclictest summary"
            exit 1
        }
        printf "linux_cyclictest: max latency %d us beside the hog\n", max
        if (hog_done_first) {
            print "linux_cyclictest: the hog finished before Linux: no contention"
            exit 1
        }
        if (max >= 1000) {
            print "linux_cyclictest: max latency reaches a reservation period"
            exit 1
        }
    }' "$LOGDIR/linux_cyclictest.log"
