#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# linux_trio: two SMP Linux guests (their vCPUs crossing both physical
# CPUs) and a bare-metal guest run at once; all three finish their tests.
set -u
. "$(dirname "$0")/../lib.sh"

shoji_run_case linux_trio --config "$ROOT/tests/integration/data/linux_trio.dts" \
    --timeout 300 \
    --expect '^\[linux1\] linux: smp PASS$' \
    --expect '^\[linux2\] linux: smp PASS$' \
    --expect '^\[hello\] [0-9]+ passed, 0 failed$' \
    --expect '^shoji: vm linux1 stopped: PSCI SYSTEM_OFF, exit code 0' \
    --expect '^shoji: vm linux2 stopped: PSCI SYSTEM_OFF, exit code 0' || exit 1
