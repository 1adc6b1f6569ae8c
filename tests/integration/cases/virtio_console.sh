#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# virtio_console: a Linux guest with `virtio-console;` in its description
# gets a virtio-mmio device that the stock virtio_mmio and virtio_console
# drivers bind (device ID 3 under /sys/bus/virtio), and what it writes to
# /dev/hvc0 reaches Shoji's console with the VM's label: 500 numbered
# lines in order, and a 3000-byte line intact across console lines.
set -u
. "$(dirname "$0")/../lib.sh"

shoji_run_case virtio_console \
    --config "$ROOT/tests/integration/data/linux_virtio_console.dts" \
    --timeout 240 \
    --expect '^\[linux\] virtio devices: 0x0003 $' \
    --expect '^\[linux\] hvc: line 500 of 500$' \
    --expect '^\[linux\] hvc: done$' \
    --expect '^\[linux\] linux: hvc PASS$' \
    --expect '^shoji: vm linux stopped: PSCI SYSTEM_OFF, exit code 0' || exit 1

awk '
    /^\[linux\] hvc: line [0-9]+ of 500$/ {
        n = $4 + 0
        if (n != last + 1) { printf "virtio_console: line %d after %d\n", n, last; bad = 1 }
        last = n
    }
    /^\[linux\] hvc: long / { inlong = 1 }
    inlong {
        s = $0
        sub(/^\[linux\] /, "", s)
        long = long s
        if (s ~ / end$/) { inlong = 0 }
    }
    END {
        x = gsub(/x/, "", long)
        printf "virtio_console: %d lines in order, long line %d bytes of x\n", last, x
        if (last != 500 || x != 3000) { bad = 1 }
        exit bad
    }' "$LOGDIR/virtio_console.log"
