#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# virtio_net: two Linux guests, each with a virtio-net device on Shoji's
# virtual switch (data/linux_net_pair.dts, no uplink), on two physical
# CPUs. The client pings the server, fetches 4 MiB of random data from the
# server's busybox httpd over TCP, and the sha256 it computes must be the
# one the server printed. The stock virtio_net driver runs both ends.
# The client's exit counts are printed when it stops (some MMIO at least),
# and each device's counters when all VMs stopped: frames both ways, no
# bad requests. A third, bare-metal guest (vqhostile "netstop") sets its
# virtio-net up with receive buffers posted and stops at once without a
# reset: Shoji resets its devices with it, so the broadcasts the Linux
# guests send later (ARP) are dropped at its port, none written into
# the stopped guest's buffers.
set -u
. "$(dirname "$0")/../lib.sh"

shoji_run_case virtio_net \
    --config "$ROOT/tests/integration/data/linux_net_pair.dts" \
    --timeout 300 \
    --expect '^shoji: vm server: virtio-net: 52:54:00:00:00:15$' \
    --expect '^\[server\] net: eth0 52:54:00:00:00:15$' \
    --expect '^\[client\] net: ping: 3 packets transmitted, 3 packets received, 0% packet loss$' \
    --expect '^\[client\] linux: net client PASS$' \
    --expect '^\[server\] linux: net server PASS$' \
    --expect '^shoji: vm server stopped: PSCI SYSTEM_OFF, exit code 0' \
    --expect '^shoji: vm client stopped: PSCI SYSTEM_OFF, exit code 0' \
    --expect '^shoji: vm client: exits: irq [0-9]+, wfx [0-9]+, mmio [1-9][0-9]*, call [0-9]+, sysreg [0-9]+, other [0-9]+$' \
    --expect '^shoji: vm server: virtio-net: rx [1-9][0-9]* frames \([0-9]+ dropped, [0-9]+ held\), tx [1-9][0-9]* frames \(0 dropped, 0 spoofed, 0 bad requests\)$' \
    --expect '^shoji: vm client: virtio-net: rx [1-9][0-9]* frames \([0-9]+ dropped, [0-9]+ held\), tx [1-9][0-9]* frames \(0 dropped, 0 spoofed, 0 bad requests\)$' \
    --expect '^\[netstop\] TEST vqhostile\.1 net-up-then-stop PASS$' \
    --expect '^shoji: vm netstop stopped: shutdown hypercall, exit code 0' \
    --expect '^shoji: vm netstop: virtio-net: rx 0 frames \([1-9][0-9]* dropped, [0-9]+ held\), tx 0 frames' || exit 1

served=$(sed -n 's/^\[server\] net: serving blob sha256 \([0-9a-f]*\)$/\1/p' \
    "$LOGDIR/virtio_net.log")
fetched=$(sed -n 's/^\[client\] net: fetched blob sha256 \([0-9a-f]*\)$/\1/p' \
    "$LOGDIR/virtio_net.log")
echo "virtio_net: served $served, fetched $fetched"
[ -n "$served" ] && [ "$served" = "$fetched" ]
