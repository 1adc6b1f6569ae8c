#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# rt_admission: credit-rt admission control in the hypervisor. A VM whose
# reservation would push pCPU 0's reserved share over the limit is refused
# with the reason and not started; a description with half a reservation
# is rejected by the parser; the admitted audio and video probes meet every
# deadline beside a hog; and under plain credit the same setup boots with a
# warning that reservations are ignored.
set -u
. "$(dirname "$0")/../lib.sh"

DATA=$ROOT/tests/integration/data/rt_overcommit.dts

shoji_run_case rt_admission --config "$DATA" --icount --timeout 120 \
    --expect '^shoji: vm audio: reservation 500 us every 5000 us per vCPU$' \
    --expect '^shoji: vm video: reservation 4500 us every 16667 us per vCPU$' \
    --expect '^shoji: error: vm greedy: reservation 5000 us every 10000 us for vCPU 0 refused: the reservations on its CPU would exceed the real-time share$' \
    --expect '^shoji: error: vm greedy: cpu0 allows 80% of reservations$' \
    --expect '^shoji: error: vm weightless: a reservation needs both sched-rt-period-us and sched-rt-budget-us$' \
    --expect '^\[audio\] TEST media.1 no-misses PASS$' \
    --expect '^\[video\] TEST media.1 no-misses PASS$' \
    --expect '^\[hog\] 1 passed, 0 failed$' || exit 1
for vm in greedy weightless; do
    if grep -q "^\[$vm\]\|^shoji: vm $vm: id" "$LOGDIR/rt_admission.log"; then
        echo "rt_admission: VM $vm was started"
        exit 1
    fi
done

shoji_run_case rt_admission_credit --config "$DATA" --icount --timeout 120 \
    --expect '^shoji: scheduler: credit$' \
    --expect '^shoji: warning: vm audio: policy credit has no reservations \(use credit-rt\); reservation ignored$' \
    --expect '^\[hog\] 1 passed, 0 failed$' \
    -- -append sched=credit || exit 1
grep -h 'media: frames' "$LOGDIR/rt_admission.log" | sed 's/^/credit-rt: /'
grep -h 'media: frames' "$LOGDIR/rt_admission_credit.log" | sed 's/^/credit:    /'
