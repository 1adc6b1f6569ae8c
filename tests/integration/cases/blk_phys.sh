#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# blk_phys: Shoji's own virtio-blk driver (drivers/block/virtio_blk_phys.c)
# against QEMU's virtio-blk-device on a raw image file in the build tree.
#  1. selftest=blk: probe line, 16 writes in flight at once, flush, reads
#     back, ring-full back-pressure, bad requests refused, PASS; then the
#     image file on the host must hold the patterns at the right sectors
#     and nothing between them (the writes really reached the file);
#  2. selftest=blk-read in a second boot reads them back: PASS;
#  3. the same on a blank image must FAIL (the compare is real);
#  4. selftest=blk-fault: a malformed request makes the device need a
#     reset; the driver fails it with EIO and stops using the device;
#  5. a legacy (version 1) transport is reported and skipped;
#  6. without a disk, selftest=blk fails cleanly and the guests run.
# Each boot must still end with all VMs stopped.
set -u
. "$(dirname "$0")/../lib.sh"

IMG=$LOGDIR/blk_phys.img
BLANK=$LOGDIR/blk_phys_blank.img
SIZE=32M
SECTORS=65536

disk_args() {
    echo "-drive file=$1,format=raw,if=none,id=d0,cache=unsafe" \
        "-device virtio-blk-device,drive=d0"
}
MODERN="-global virtio-mmio.force-legacy=false"

# run NAME SELFTEST QEMU-ARGS EXPECT...
run() {
    local name=$1 test=$2 qemu=$3
    shift 3
    local expects=()
    for e in "$@"; do
        expects+=(--expect "$e")
    done
    # shellcheck disable=SC2086 # qemu holds several words on purpose
    shoji_run_case "$name" --config "$ROOT/configs/demo.dts" --timeout 60 \
        "${expects[@]}" --expect '^\[alpha\] [0-9]+ passed, 0 failed$' \
        -- -append "selftest=$test" $qemu || {
        echo "blk_phys: $name failed"
        exit 1
    }
}

rm -f "$IMG" "$BLANK"
truncate -s "$SIZE" "$IMG" "$BLANK" || exit 1

# 1. Write, flush, read back, in flight, refusals.
run blk_phys blk "$MODERN $(disk_args "$IMG")" \
    "^shoji: blk0: $SECTORS sectors, flush yes " \
    '^shoji: selftest blk: blk0: 16 writes in flight at once, flush done, 16 reads in flight at once, ring full at [0-9]+ requests$' \
    '^shoji: selftest blk: PASS \([0-9]+ requests, [0-9]+ in flight at most\)$'
most=$(sed -nE 's/^shoji: selftest blk: PASS \([0-9]+ requests, ([0-9]+) in flight at most\)$/\1/p' \
    "$LOGDIR/blk_phys.log")
if [ "${most:-0}" -lt 8 ]; then
    echo "blk_phys: only ${most:-0} requests were in flight at once"
    exit 1
fi
if grep -q 'selftest blk: FAIL' "$LOGDIR/blk_phys.log"; then
    echo "blk_phys: the selftest failed"
    exit 1
fi

# The same layout and pattern as kernel/selftest.c (st_blk_byte): 16
# requests of 8 sectors, at 128 + 32 * i and the disk's last 8 sectors.
python3 - "$IMG" <<'EOF' || exit 1
import sys

SECT = 512
with open(sys.argv[1], "rb") as f:
    img = f.read()
cap = len(img) // SECT


def expect(s):
    tail = bytes(((s * 29 + j * 7 + 0x5a) & 0xFF) for j in range(16, SECT))
    return s.to_bytes(8, "little") + b"SHOJIBLK" + tail


def sector(s):
    return img[s * SECT:(s + 1) * SECT]


starts = [128 + 32 * i for i in range(15)] + [cap - 8]
written = {s for st in starts for s in range(st, st + 8)}
for s in sorted(written):
    if sector(s) != expect(s):
        print(f"blk_phys: image sector {s} does not hold the pattern")
        sys.exit(1)
zero = bytes(SECT)
for s in range(cap):
    if s not in written and sector(s) != zero:
        print(f"blk_phys: image sector {s} was written but should not be")
        sys.exit(1)
print(f"blk_phys: image holds {len(written)} written sectors, "
      f"{cap - len(written)} untouched")
EOF

# 2. A second boot reads what the first wrote.
run blk_phys_read blk-read "$MODERN $(disk_args "$IMG")" \
    '^shoji: selftest blk: blk0: no writes \(blk-read\), 16 reads in flight at once' \
    '^shoji: selftest blk: PASS \([0-9]+ requests, [0-9]+ in flight at most\)$'

# 3. On a blank disk the compare must fail.
run blk_phys_blank blk-read "$MODERN $(disk_args "$BLANK")" \
    '^shoji: error: selftest blk: FAIL \(sector 128 byte 0 reads 0x00, wrote 0x80\)$'

# 4. A device failure: the in-flight request fails, the device is dropped.
run blk_phys_fault blk-fault "$MODERN $(disk_args "$BLANK")" \
    '^shoji: error: blk0: device reports DEVICE_NEEDS_RESET; device reset and no longer used$' \
    '^shoji: selftest blk-fault: PASS '

# 5. A legacy transport is named and skipped.
run blk_phys_legacy blk "$(disk_args "$BLANK")" \
    '^shoji: error: virtio-mmio at 0x[0-9a-f]+: block device with transport version 1 \(legacy\); .*force-legacy=false; skipped$' \
    '^shoji: error: selftest blk: FAIL \(no block device'

# 6. No disk at all: nothing probed, the boot goes on as before.
run blk_phys_none blk "" \
    '^shoji: error: selftest blk: FAIL \(no block device'
if grep -q '^shoji: blk0\|virtio-mmio at' "$LOGDIR/blk_phys_none.log"; then
    echo "blk_phys: a disk or transport was reported without a disk"
    exit 1
fi
