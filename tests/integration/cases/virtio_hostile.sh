#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# virtio_hostile: a bare-metal guest (guests/vqhostile) submits every kind
# of malformed virtqueue to its virtio-blk device and, through its
# virtio-net device, frames with hostile offload headers (to both Linux
# guests' MACs and to broadcast; a gso_size 1 segmentation bomb; a GSO
# frame flooded to a MAC nobody has) and a transmit chain with a
# device-writable descriptor, round after round for 45 s, while a Linux
# guest fetches 4 MiB over TCP from a second Linux guest on the switch
# (sha256 compared), then, on the same host disk, makes an ext2 file
# system, writes 8 MiB, reboots and verifies its sha256. Each virtqueue
# malformation must put the hostile guest's device in DEVICE_NEEDS_RESET
# (and only that), a reset must revive it; each hostile frame must be
# dropped or switched without a reset and its buffer handed back. Reasons
# are logged at most 32 times plus one line per device, and the Linux
# guests' checks must pass; the hostile guest must still be running when
# Linux has written its data (after its network transfer).
set -u
. "$(dirname "$0")/../lib.sh"

IMG=$LOGDIR/virtio_hostile.img
rm -f "$IMG"
truncate -s 128M "$IMG" || exit 1

# vqhostile's virtio-net kinds, reported after its virtio-blk tests.
NET_TESTS="net-gso-size-0 net-gso-size-1-bomb net-csum-outside-frame
    net-csum-in-eth-header net-gso-type-udp net-gso-type-5 net-gso-ecn
    net-tcpv6-on-ipv4 net-ipv4-len-over net-ipv4-len-under net-ipv4-ihl-4
    net-tcp-doff-past-end net-ipv4-fragment-gso net-vlan-gso net-runt
    net-oversized-plain net-spoofed-source net-split-header
    net-gso-flood-unknown-mac net-writable-tx-descriptor
    net-works-after-reset"
NET_EXPECT=()
n=20
for t in $NET_TESTS; do
    n=$((n + 1))
    NET_EXPECT+=(--expect "^\[vqhostile\] TEST vqhostile\.$n $t PASS\$")
done

shoji_run_case virtio_hostile \
    --config "$ROOT/tests/integration/data/virtio_hostile.dts" \
    --timeout 300 \
    --expect '^\[vqhostile\] TEST vqhostile\.17 avail-index-ahead PASS$' \
    --expect '^\[vqhostile\] TEST vqhostile\.18 every-round PASS$' \
    --expect '^\[vqhostile\] TEST vqhostile\.19 works-after-reset PASS$' \
    --expect '^\[vqhostile\] TEST vqhostile\.20 past-the-end-ioerr PASS$' \
    "${NET_EXPECT[@]}" \
    --expect '^\[vqhostile\] 41 passed, 0 failed$' \
    --expect '^shoji: warning: vm vqhostile: virtio-blk: more failures; no longer logged$' \
    --expect '^shoji: warning: vm vqhostile: virtio-net: transmitq: device-writable buffer; device needs reset$' \
    --expect '^shoji: warning: vm vqhostile: virtio-net: more failures; no longer logged$' \
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
    /^\[vqhostile\] vqhostile: net: [0-9]+ rounds/ { net_rounds = $4 }
    /virtio-blk: .*needs reset$/ { blk_logged++ }
    /virtio-net: .*needs reset$/ { net_logged++ }
    END {
        printf "virtio_hostile: %d rounds of malformed queues, %d of hostile frames, %d + %d reasons logged\n", rounds, net_rounds, blk_logged, net_logged
        if (!wrote || !done || done < wrote) {
            print "virtio_hostile: the hostile guest stopped before the Linux guest wrote its data"
            exit 1
        }
        if (blk_logged > 32 || net_logged > 32) {
            print "virtio_hostile: more than 32 reasons logged for one device"
            exit 1
        }
    }' "$LOGDIR/virtio_hostile.log" || exit 1
served=$(sed -n 's/^\[server\] net: serving blob sha256 \([0-9a-f]*\)$/\1/p' \
    "$LOGDIR/virtio_hostile.log")
fetched=$(sed -n 's/^\[linux\] net: fetched blob sha256 \([0-9a-f]*\)$/\1/p' \
    "$LOGDIR/virtio_hostile.log")
[ -n "$served" ] && [ "$served" = "$fetched" ] || {
    echo "virtio_hostile: the TCP transfer's sha256 differs"
    exit 1
}
