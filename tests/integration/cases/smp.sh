#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# smp: both physical CPUs run guests at once (two hello guests pinned to
# each, time-shared per CPU); every guest passes its tests.
set -u
. "$(dirname "$0")/../lib.sh"

shoji_run_case smp --config "$ROOT/tests/integration/data/smp.dts" \
    --icount --timeout 120 --smp 2 \
    --expect '^shoji: 2 CPU\(s\) online$' \
    --expect '^\[a0\] 10 passed, 0 failed$' \
    --expect '^\[a1\] 10 passed, 0 failed$' \
    --expect '^\[b0\] 10 passed, 0 failed$' \
    --expect '^\[b1\] 10 passed, 0 failed$' || exit 1
