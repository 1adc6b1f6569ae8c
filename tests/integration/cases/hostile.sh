#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# hostile: the attacker guest's every access outside its RAM and PL011
# faults (N/N), its own RAM still works, the victim hello guest beside it
# passes all its tests, and Shoji neither panics nor hangs.
set -u
. "$(dirname "$0")/../lib.sh"

shoji_run_case hostile --config "$ROOT/configs/hostile.dts" --icount \
    --timeout 180 \
    --expect '^\[attacker\] hostile: ([0-9]+)/\1 accesses faulted$' \
    --expect '^\[attacker\] hostile: own RAM check .* ok$' \
    --expect '^\[attacker\] [0-9]+ passed, 0 failed$' \
    --expect '^\[victim\] [0-9]+ passed, 0 failed$' || exit 1
if grep -q '^\[attacker\] hostile: .* NOT contained' \
    "$LOGDIR/hostile.log"; then
    echo "hostile: some accesses were not contained"
    exit 1
fi
