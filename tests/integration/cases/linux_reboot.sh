#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# linux_reboot: a Linux guest reboots itself once (reboot -f, i.e. PSCI
# SYSTEM_RESET); Shoji reloads it with fresh state and it powers off on
# its second boot: two boots counted. A CPU-bound bare-metal guest keeps
# running through the reset and finishes its work.
set -u
. "$(dirname "$0")/../lib.sh"

shoji_run_case linux_reboot \
    --config "$ROOT/tests/integration/data/linux_reboot.dts" --timeout 300 \
    --expect '^\[rebooter\] linux: rebooting \(boot 1\)$' \
    --expect '^shoji: vm rebooter: reset: PSCI SYSTEM_RESET$' \
    --expect '^shoji: vm rebooter: boot 2$' \
    --expect '^\[rebooter\] linux: second boot \(boot 2\) PASS$' \
    --expect '^shoji: vm rebooter stopped: PSCI SYSTEM_OFF, exit code 0, after 2 boot\(s\)$' \
    --expect '^\[bystander\] 1 passed, 0 failed$' || exit 1
# The bystander was still running when the other VM reset.
awk '/^shoji: vm rebooter: boot 2$/ { reset = NR }
     /^\[bystander\] hog: done/ { done = NR }
     END { if (!reset || !done || done < reset) {
               print "linux_reboot: the bystander did not run across the reset"
               exit 1 } }' "$LOGDIR/linux_reboot.log"
