#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# net_phys: Shoji's own virtio-net driver (drivers/net/virtio_net_phys.c)
# against QEMU's virtio-net-device on a tap device. Everything runs in a
# network namespace of its own (deleted on exit), where tap0 is 10.0.2.1;
# nothing outside it is touched.
#  1. selftest=net: probe line with QEMU's MAC, ARP for 10.0.2.1 answered
#     with tap0's MAC, a ping answered, then a burst of 300 pings all
#     answered, PASS; tap0's counters must show the frames both ways;
#  2. selftest=net-fault: a malformed frame makes the device need a reset;
#     the driver stops using it and refuses frames with EIO;
#  3. a legacy (version 1) transport is reported and skipped, and the
#     selftest fails cleanly for want of an interface;
#  4. a disk, a NIC and a device type Shoji does not drive on one board:
#     both drivers probe theirs, the other type is reported once, and the
#     network selftest passes.
# Each boot must still end with all VMs stopped. Needs root, network
# namespaces and /dev/net/tun; without them the case says SKIP and fails.
set -u
. "$(dirname "$0")/../lib.sh"

skip() {
    echo "net_phys: SKIP: $*; this case needs root, network namespaces" \
        "(ip netns) and tap devices (/dev/net/tun)"
    exit 1
}

[ "$(id -u)" -eq 0 ] || skip "not running as root"
command -v ip >/dev/null 2>&1 || skip "no ip command (iproute2)"
[ -c /dev/net/tun ] || skip "no /dev/net/tun"

NS=shoji_net_$$
cleanup() {
    ip netns del "$NS" 2>/dev/null
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
ip netns add "$NS" || skip "cannot create network namespace $NS"
in_ns() {
    ip netns exec "$NS" "$@"
}
in_ns ip tuntap add dev tap0 mode tap ||
    skip "cannot create a tap device in namespace $NS"
in_ns ip addr add 10.0.2.1/24 dev tap0 || exit 1
in_ns ip link set tap0 up || exit 1
TAP_MAC=$(in_ns cat /sys/class/net/tap0/address)

MODERN="-global virtio-mmio.force-legacy=false"
NIC="-netdev tap,id=n0,ifname=tap0,script=no,downscript=no -device virtio-net-device,netdev=n0"

# boot NAME SELFTEST QEMU-ARGS [--expect REGEX]...: one boot of the demo
# setup inside the namespace, logged to LOGDIR/NAME.log.
boot() {
    local name=$1 test=$2 qemu=$3
    shift 3
    # shellcheck disable=SC2086 # qemu holds several words on purpose
    if ! in_ns "$RUN" --build "$BUILD" --log "$LOGDIR/$name.log" \
        --config "$ROOT/configs/demo.dts" --timeout 60 "$@" \
        --expect '^\[alpha\] [0-9]+ passed, 0 failed$' \
        -- -append "selftest=$test" $qemu; then
        echo "net_phys: $name failed"
        exit 1
    fi
}

# tap_packets rx|tx: tap0's packet counter (rx: frames from QEMU).
tap_packets() {
    in_ns ip -s link show tap0 |
        awk -v dir="$1" '
            $1 == "RX:" { getline; rx = $2 }
            $1 == "TX:" { getline; tx = $2 }
            END { print (dir == "rx" ? rx : tx) + 0 }'
}

PROBE='^shoji: net0: mac 52:54:00:12:34:56 \(virtio-net at 0x[0-9a-f]+, interrupt [0-9]+ (edge|level), [0-9]+ receive and [0-9]+ transmit buffers\)$'
PASS='^shoji: selftest net: PASS \(net0: ARP after [0-9]+ request\(s\), [0-9]+ echo requests, all 300 burst requests answered, transmit ring full [0-9]+ times, [0-9]+ ARP requests answered; [0-9]+ frames sent, [0-9]+ received\)$'

# 1. ARP, ping, burst; the frames must show on tap0 both ways.
rx0=$(tap_packets rx)
tx0=$(tap_packets tx)
boot net_phys net "$MODERN $NIC" --expect "$PROBE" \
    --expect "^shoji: selftest net: ARP reply from 10\\.0\\.2\\.1 is-at $TAP_MAC\$" \
    --expect '^shoji: selftest net: echo reply from 10\.0\.2\.1 after [0-9]+ us$' \
    --expect "$PASS"
if grep -q 'selftest net: FAIL' "$LOGDIR/net_phys.log"; then
    echo "net_phys: the selftest failed"
    exit 1
fi
sent=$(sed -nE 's/.*; ([0-9]+) frames sent, ([0-9]+) received\)$/\1/p' \
    "$LOGDIR/net_phys.log")
got=$(sed -nE 's/.*; ([0-9]+) frames sent, ([0-9]+) received\)$/\2/p' \
    "$LOGDIR/net_phys.log")
tap_rx=$(($(tap_packets rx) - rx0))
tap_tx=$(($(tap_packets tx) - tx0))
echo "net_phys: Shoji sent $sent and received $got frames;" \
    "tap0 received $tap_rx and sent $tap_tx"
in_ns ip -s link show tap0
if [ "$tap_rx" -lt "${sent:-0}" ] || [ "$tap_rx" -lt 301 ] ||
    [ "$tap_tx" -lt "${got:-0}" ] || [ "$tap_tx" -lt 301 ]; then
    echo "net_phys: tap0's counters do not show the selftest's frames"
    exit 1
fi

# 2. A device failure: the device is dropped, frames get EIO.
boot net_phys_fault net-fault "$MODERN $NIC" --expect "$PROBE" \
    --expect '^shoji: error: net0: device reports DEVICE_NEEDS_RESET; device reset and no longer used$' \
    --expect '^shoji: selftest net-fault: PASS '

# 3. A legacy transport is named and skipped.
boot net_phys_legacy net "$NIC" \
    --expect '^shoji: error: virtio-mmio at 0x[0-9a-f]+: network device with transport version 1 \(legacy\); .*force-legacy=false; skipped$' \
    --expect '^shoji: error: selftest net: FAIL \(no network interface'

# 4. Disk, NIC and an entropy device (type 4) side by side.
IMG=$LOGDIR/net_phys.img
rm -f "$IMG"
truncate -s 4M "$IMG" || exit 1
DISK="-drive file=$IMG,format=raw,if=none,id=d0,cache=unsafe -device virtio-blk-device,drive=d0"
boot net_phys_mixed net "$MODERN $NIC -device virtio-rng-device $DISK" \
    --expect "$PROBE" --expect '^shoji: blk0: 8192 sectors' \
    --expect '^shoji: virtio-mmio at 0x[0-9a-f]+: device type 4, which Shoji does not drive; skipped$' \
    --expect "$PASS"
others=$(grep -c 'which Shoji does not drive' "$LOGDIR/net_phys_mixed.log")
if [ "$others" -ne 1 ]; then
    echo "net_phys: $others 'does not drive' lines, expected one (type 4)"
    exit 1
fi
rm -f "$IMG"
