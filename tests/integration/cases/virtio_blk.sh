#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# virtio_blk: a Linux guest's /dev/vda is a 64 MiB region (from 16 MiB on)
# of a 96 MiB raw image that QEMU gives Shoji as a virtio-blk disk; the
# guest reaches it through Shoji's virtio-blk backend and Shoji's own
# virtio-blk driver (data by DMA between the disk and guest RAM).
#  1. The guest makes an ext2 file system, writes 8 MiB of random data,
#     records its sha256, unmounts, reboots (PSCI SYSTEM_RESET), and on
#     boot 2 mounts and finds the same sha256.
#  2. On the host: the image holds the ext2 superblock at the region's
#     offset, and not one byte outside the region was written.
#  3. A second QEMU run on the same image (shoji.test=blkcheck) finds the
#     same sha256 again.
#  4. Bad descriptions: a region past the end of the disk, on a missing
#     disk, or overlapping another VM's is refused with its reason, that
#     VM is not started, and the others run.
set -u
. "$(dirname "$0")/../lib.sh"

IMG=$LOGDIR/virtio_blk.img
rm -f "$IMG"
truncate -s 96M "$IMG" || exit 1
QEMU_DISK=(-global virtio-mmio.force-legacy=false
    -drive "file=$IMG,format=raw,if=none,id=d0"
    -device virtio-blk-device,drive=d0)

shoji_run_case virtio_blk \
    --config "$ROOT/tests/integration/data/linux_virtio_blk.dts" \
    --timeout 300 \
    --expect '^shoji: vm linux: virtio-blk: blk0 sectors 32768\.\.163839$' \
    --expect '^\[linux\] blk: vda 131072 sectors$' \
    --expect '^\[linux\] blk: wrote 8 MiB, sha256 [0-9a-f]{64}$' \
    --expect '^shoji: vm linux: boot 2$' \
    --expect '^\[linux\] linux: blk verify PASS$' \
    --expect '^shoji: vm linux stopped: PSCI SYSTEM_OFF, exit code 0, after 2 boot\(s\)$' \
    -- "${QEMU_DISK[@]}" || exit 1
sum=$(sed -n 's/^\[linux\] blk: wrote 8 MiB, sha256 \([0-9a-f]*\)$/\1/p' \
    "$LOGDIR/virtio_blk.log")

python3 - "$IMG" <<'PY' || exit 1
import struct, sys
M = 1 << 20
with open(sys.argv[1], "rb") as f:
    d = f.read()
magic = struct.unpack("<H", d[16 * M + 1080:16 * M + 1082])[0]
outside = sum(1 for b in d[:16 * M] if b) + sum(1 for b in d[80 * M:] if b)
print("virtio_blk: ext2 magic %#x at the region's start, %d bytes written "
      "outside the region" % (magic, outside))
sys.exit(0 if magic == 0xef53 and outside == 0 else 1)
PY

shoji_run_case virtio_blk_again \
    --config "$ROOT/tests/integration/data/linux_virtio_blk_check.dts" \
    --timeout 300 \
    --expect "^\\[linux\\] blk: sha256 $sum \\(recorded $sum\\)$" \
    --expect '^\[linux\] linux: blk verify PASS$' \
    -- "${QEMU_DISK[@]}" || exit 1

shoji_run_case virtio_blk_bad \
    --config "$ROOT/tests/integration/data/virtio_blk_bad.dts" \
    --timeout 60 \
    --expect '^shoji: error: vm overlap: virtio-blk region overlaps vm good.s on blk0$' \
    --expect '^shoji: error: vm toobig: virtio-blk region of 65536 sectors at sector 163840 does not fit blk0 \(196608 sectors\)$' \
    --expect '^shoji: error: vm nodisk: virtio-blk: no host disk 3 \(there are 1\)$' \
    --expect '^\[good\] [0-9]+ passed, 0 failed$' \
    -- "${QEMU_DISK[@]}" || exit 1
if grep -qE '^\[(overlap|toobig|nodisk)\] ' "$LOGDIR/virtio_blk_bad.log"; then
    echo "virtio_blk: a VM with a bad region ran"
    exit 1
fi
