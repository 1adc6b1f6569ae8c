#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# net_uplink: a Linux guest reaches a peer outside the board. The case
# makes its own network namespace with a tap device (10.0.2.1/24) and an
# HTTP server serving 4 MiB of random data there, and runs QEMU inside it,
# its virtio-net NIC on the tap. Shoji drives that NIC and makes it the
# uplink of its virtual switch; the guest (10.0.2.15) pings the peer and
# fetches the data over TCP, and its sha256 must match the host's. Nothing
# is configured outside the namespace, which is deleted at the end.
set -u
. "$(dirname "$0")/../lib.sh"

NS=shoji_uplink_$$
WWW=$LOGDIR/net_uplink_www
server=
cleanup() {
    [ -n "$server" ] && kill "$server" 2>/dev/null
    ip netns del "$NS" 2>/dev/null
}
trap cleanup EXIT
if ! ip netns add "$NS" 2>/dev/null; then
    echo "net_uplink: SKIP: cannot create a network namespace (need root, ip netns)"
    exit 1
fi
ip netns exec "$NS" ip tuntap add dev tap0 mode tap &&
    ip netns exec "$NS" ip addr add 10.0.2.1/24 dev tap0 &&
    ip netns exec "$NS" ip link set tap0 up &&
    ip netns exec "$NS" ip link set lo up || {
    echo "net_uplink: SKIP: no tap device in the namespace (/dev/net/tun?)"
    exit 1
}
rm -rf "$WWW" && mkdir -p "$WWW"
head -c $((4 << 20)) /dev/urandom >"$WWW/blob"
want=$(sha256sum "$WWW/blob" | cut -d' ' -f1)
ip netns exec "$NS" python3 -m http.server 8080 --bind 10.0.2.1 \
    --directory "$WWW" >"$LOGDIR/net_uplink_http.log" 2>&1 &
server=$!

ip netns exec "$NS" "$RUN" --build "$BUILD" --log "$LOGDIR/net_uplink.log" \
    --config "$ROOT/tests/integration/data/linux_net_uplink.dts" \
    --timeout 300 \
    --expect '^shoji: switch: uplink net0$' \
    --expect '^\[linux\] net: ping: 3 packets transmitted, 3 packets received, 0% packet loss$' \
    --expect "^\\[linux\\] net: fetched blob sha256 $want\$" \
    --expect '^\[linux\] linux: net uplink PASS$' \
    -- -global virtio-mmio.force-legacy=false \
    -netdev tap,id=n0,ifname=tap0,script=no,downscript=no \
    -device virtio-net-device,netdev=n0 || exit 1
echo "net_uplink: fetched sha256 $want from 10.0.2.1"
ip netns exec "$NS" ip -s link show tap0 | sed -n 's/^ *\([0-9][0-9]*\) *\([0-9][0-9]*\) .*/net_uplink: tap0 bytes \1 packets \2/p'
