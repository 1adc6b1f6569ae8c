#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# work_stealing: the credit policy moves waiting vCPUs to idle physical
# CPUs within their cpus-allowed.
#  1. Two hogs start on CPU 0 of two (data/steal_hogs.dts, -icount,
#     trace=1): CPU 1 must steal one ("steal" in the trace), and from the
#     trace's switch events each hog must have held a CPU for at least
#     90 % of its life (pinned, they would share CPU 0 at about 50 %).
#  2. Two SMP Linux guests and a hog, every vCPU allowed on both CPUs
#     (data/linux_roam.dts): vCPUs migrate while Linux checks IPIs and
#     per-CPU work, and both guests pass and power off.
set -u
. "$(dirname "$0")/../lib.sh"

shoji_run_case work_stealing_hogs \
    --config "$ROOT/tests/integration/data/steal_hogs.dts" \
    --icount --smp 2 --timeout 120 \
    --expect '^\[hog1\] 1 passed, 0 failed$' \
    --expect '^\[hog2\] 1 passed, 0 failed$' \
    --expect '^trace: 1 [0-9]+ steal ' \
    -- -append trace=1 || exit 1

# Per VM: time between its switch_in and switch_out or block, against its
# life from its first switch_in to its last event.
awk '
    $1 != "trace:" || $2 !~ /^[0-9]+$/ { next }
    {
        t = $3; ev = $4; vm = $5
        if (!(vm in first)) { first[vm] = t }
        last[vm] = t
        if (ev == "switch_in") { since[vm] = t }
        if ((ev == "switch_out" || ev == "block") && since[vm] != "") {
            ran[vm] += t - since[vm]; since[vm] = ""
        }
        if (ev == "switch_in") { cpus[vm] = cpus[vm] " " $2 }
    }
    END {
        bad = 0
        for (vm in first) {
            life = last[vm] - first[vm]
            share = life > 0 ? ran[vm] / life : 0
            printf "work_stealing: vm %s ran %.1f ms of %.1f ms (%.1f %%) on cpus%s\n",
                vm, ran[vm] / 1e6, life / 1e6, 100 * share, cpus[vm]
            if (share < 0.9) { bad = 1 }
            n++
        }
        if (n != 2) { print "work_stealing: expected 2 VMs in the trace"; bad = 1 }
        exit bad
    }' "$LOGDIR/work_stealing_hogs.log" || exit 1

shoji_run_case work_stealing_linux \
    --config "$ROOT/tests/integration/data/linux_roam.dts" \
    --smp 2 --timeout 300 \
    --expect '^\[linux1\] linux: smp PASS$' \
    --expect '^\[linux2\] linux: smp PASS$' \
    --expect '^\[hog\] 1 passed, 0 failed$' \
    --expect '^shoji: vm linux1 stopped: PSCI SYSTEM_OFF, exit code 0' \
    --expect '^shoji: vm linux2 stopped: PSCI SYSTEM_OFF, exit code 0' \
    --expect '^trace: [01] [0-9]+ steal ' \
    -- -append trace=1 || exit 1
echo "work_stealing: $(grep -c '^trace: [01] [0-9]* steal ' \
    "$LOGDIR/work_stealing_linux.log") steals while the Linux guests ran"
