#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# virtio_hostile: a bare-metal guest (guests/vqhostile) submits every kind
# of malformed virtqueue to its virtio-blk device, round after round for
# 45 s, while a Linux guest fetches 4 MiB over TCP from a second Linux
# guest on the switch (sha256 compared), then, on the same host disk,
# makes an ext2 file system, writes 8 MiB, reboots and verifies its
# sha256. Each malformation must put the hostile guest's device in
# DEVICE_NEEDS_RESET (and only that), a reset must revive it, its reasons
# are logged at most 32 times plus one line, and the Linux guests' checks
# must pass; the hostile guest must still be running when Linux has
# written its data (after its network transfer).
set -u
. "$(dirname "$0")/../lib.sh"

IMG=$LOGDIR/virtio_hostile.img
rm -f "$IMG"
truncate -s 128M "$IMG" || exit 1

shoji_run_case virtio_hostile \
    --config "$ROOT/tests/integration/data/virtio_hostile.dts" \
    --timeout 300 \
    --expect '^\[vqhostile\] TEST vqhostile\.17 avail-index-ahead PASS$' \
    --expect '^\[vqhostile\] TEST vqhostile\.18 every-round PASS$' \
    --expect '^\[vqhostile\] TEST vqhostile\.19 works-after-reset PASS$' \
    --expect '^\[vqhostile\] TEST vqhostile\.20 past-the-end-ioerr PASS$' \
    --expect '^\[vqhostile\] 20 passed, 0 failed$' \
    --expect '^shoji: warning: vm vqhostile: virtio-blk: more failures; no longer logged$' \
    --expect '^\[linux\] linux: net client PASS$' \
    --expect '^\[server\] linux: net server PASS$' \
    --expect '^\[linux\] linux: blk verify PASS$' \
    --expect '^shoji: vm linux stopped: PSCI SYSTEM_OFF, exit code 0, after 2 boot\(s\)$' \
    -- -global virtio-mmio.force-legacy=false \
    -drive "file=$IMG,format=raw,if=none,id=d0" \
    -device virtio-blk-device,drive=d0 || exit 1

# The hostile guest must still have been at it when Linux had made its
# file system and written its data (the bulk of its disk I/O).
awk '
    /^\[linux\] blk: wrote 8 MiB/ { wrote = NR }
    /^\[vqhostile\] vqhostile: [0-9]+ rounds/ { done = NR; rounds = $3 }
    /needs reset$/ { logged++ }
    END {
        printf "virtio_hostile: %d rounds of malformed queues, %d reasons logged\n", rounds, logged
        if (!wrote || !done || done < wrote) {
            print "virtio_hostile: the hostile guest stopped before the Linux guest wrote its data"
            exit 1
        }
        if (logged > 32) { print "virtio_hostile: more than 32 reasons logged"; exit 1 }
    }' "$LOGDIR/virtio_hostile.log" || exit 1
served=$(sed -n 's/^\[server\] net: serving blob sha256 \([0-9a-f]*\)$/\1/p' \
    "$LOGDIR/virtio_hostile.log")
fetched=$(sed -n 's/^\[linux\] net: fetched blob sha256 \([0-9a-f]*\)$/\1/p' \
    "$LOGDIR/virtio_hostile.log")
[ -n "$served" ] && [ "$served" = "$fetched" ] || {
    echo "virtio_hostile: the TCP transfer's sha256 differs"
    exit 1
}
