#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# two_guests: alpha and beta time-share pCPU 0 and their output interleaves
# on the console: both appear before either finishes, and their numbered
# "hello <n>" lines alternate between the guests at least 4 times.
set -u
. "$(dirname "$0")/../lib.sh"

shoji_run_case two_guests --config "$ROOT/configs/demo.dts" --icount \
    --timeout 120 \
    --expect '^\[alpha\] hello 1$' \
    --expect '^\[beta\] hello 1$' \
    --expect '^\[alpha\] [0-9]+ passed, 0 failed$' \
    --expect '^\[beta\] [0-9]+ passed, 0 failed$' || exit 1
"$ROOT/tests/integration/check_interleave.py" "$LOGDIR/two_guests.log" \
    alpha beta --min-switches=4
