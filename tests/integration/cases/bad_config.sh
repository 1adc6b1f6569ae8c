#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# bad_config: malformed VM descriptions are reported one by one with the
# reason and not started, while the well-formed VM in the same setup runs
# to completion; a setup blob that is not a device tree at all gives a
# clear error and a clean power-off, never a hang or a panic.
set -u
. "$(dirname "$0")/../lib.sh"

shoji_run_case bad_config --config "$ROOT/tests/integration/data/bad_setup.dts" \
    --icount --timeout 60 \
    --expect '^shoji: error: vm nokernel: missing kernel image$' \
    --expect '^shoji: error: vm oddmem: memory-size 0x300000 must be a non-zero multiple of 2 MiB' \
    --expect '^shoji: error: vm manycpus: vcpus = 99, must be 1\.\.[0-9]+$' \
    --expect '^shoji: error: vm badpin: vCPU 0 pinned to cpu7, but there are 2$' \
    --expect '^shoji: error: vm notavm: compatible must be "shoji,vm"$' \
    --expect '^shoji: error: vm huge: not started: needs 2048 MiB of RAM, [0-9]+ MiB free$' \
    --expect '^\[good\] 10 passed, 0 failed$' || exit 1
for vm in nokernel oddmem manycpus badpin notavm huge; do
    if grep -q "^\[$vm\]\|^shoji: vm $vm: id" "$LOGDIR/bad_config.log"; then
        echo "bad_config: VM $vm was started"
        exit 1
    fi
done

# Not a device tree at all.
junk=$LOGDIR/junk_setup.dtb
head -c 4096 /dev/urandom > "$junk"
shoji_run_case bad_blob --config "$junk" --timeout 60 \
    --expect '^shoji: error: setup: not a valid device tree blob$' \
    --expect '^shoji: error: no VM to run$' || exit 1
