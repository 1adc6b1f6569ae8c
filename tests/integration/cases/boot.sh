#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# boot: the demo setup (alpha and beta hello guests on pCPU 0) boots, both
# guests pass all their tests and stop, both ran before either finished,
# and Shoji powers off cleanly.
set -u
. "$(dirname "$0")/../lib.sh"

shoji_run_case boot --config "$ROOT/configs/demo.dts" --icount --timeout 120 \
    --expect '^shoji: vm alpha: .*ram ipa 0x40000000 -> pa 0x' \
    --expect '^shoji: vm beta: .*ram ipa 0x40000000 -> pa 0x' \
    --expect '^\[alpha\] hello: Hello from Shoji VM [0-9]+!$' \
    --expect '^\[beta\] hello: Hello from Shoji VM [0-9]+!$' \
    --expect '^\[alpha\] hello from vm [0-9]+ via CONSOLE_WRITE$' \
    --expect '^\[beta\] hello from vm [0-9]+ via CONSOLE_WRITE$' \
    --expect '^\[alpha\] hello 10$' \
    --expect '^\[beta\] hello 10$' \
    --expect '^\[alpha\] [0-9]+ passed, 0 failed$' \
    --expect '^\[beta\] [0-9]+ passed, 0 failed$' || exit 1
"$ROOT/tests/integration/check_interleave.py" "$LOGDIR/boot.log" alpha beta
