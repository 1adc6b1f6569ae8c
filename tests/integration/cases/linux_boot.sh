#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# linux_boot: the stock Debian arm64 kernel boots to userspace under Shoji
# with 2 vCPUs on 2 physical CPUs, prints its release and nproc (2), and
# powers off through PSCI. Then the same kernel with both vCPUs on one
# physical CPU: IPIs between vCPUs sharing a CPU work too (smp test).
set -u
. "$(dirname "$0")/../lib.sh"

shoji_run_case linux_boot --config "$ROOT/configs/linux.dts" --timeout 240 \
    --expect '^\[linux\] uname -r: 6\.[0-9]+\.[0-9]+-[0-9]+-cloud-arm64$' \
    --expect '^\[linux\] nproc: 2$' \
    --expect '^\[linux\] .*smp: Brought up 1 node, 2 CPUs$' \
    --expect '^\[linux\] linux: boot test PASS$' \
    --expect '^shoji: vm linux stopped: PSCI SYSTEM_OFF, exit code 0' || exit 1

shoji_run_case linux_shared_pcpu \
    --config "$ROOT/tests/integration/data/linux_shared_pcpu.dts" \
    --timeout 240 \
    --expect '^\[linux\] nproc: 2$' \
    --expect '^\[linux\] busy loop on cpu 1: ok$' \
    --expect '^\[linux\] linux: smp PASS$' \
    --expect '^shoji: vm linux stopped: PSCI SYSTEM_OFF, exit code 0' || exit 1
