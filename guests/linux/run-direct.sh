#!/usr/bin/env bash
# Boot the Linux guest payload directly under QEMU (no hypervisor): the
# reference run for Shoji's Linux-guest benchmarks.
# Usage: guests/linux/run-direct.sh [--build DIR] [--smp N] [--test NAME]
#          [--timeout S] [--append "KERNEL ARGS"] [-- extra qemu args]
# Exit status: QEMU's (0 after the guest powers off), 124 on timeout.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
BUILD="$REPO/build"
SMP=2
TEST=boot
TIMEOUT=300
APPEND=""
EXTRA=()

while [ $# -gt 0 ]; do
	case "$1" in
	--build) BUILD=$2; shift 2 ;;
	--smp) SMP=$2; shift 2 ;;
	--test) TEST=$2; shift 2 ;;
	--timeout) TIMEOUT=$2; shift 2 ;;
	--append) APPEND=$2; shift 2 ;;
	--) shift; EXTRA=("$@"); break ;;
	-h | --help) sed -n '2,6p' "$0"; exit 0 ;;
	*) echo "linux: unknown argument: $1" >&2; exit 2 ;;
	esac
done

OUT="$BUILD/guests/linux"
for f in Image initramfs.cpio.gz; do
	[ -f "$OUT/$f" ] || { echo "linux: $OUT/$f missing: run guests/linux/build.sh first" >&2; exit 1; }
done

CMDLINE="console=ttyAMA0 shoji.test=$TEST shoji.boot=1 shoji.cpus=$SMP${APPEND:+ $APPEND}"
echo "linux: run-direct: smp=$SMP test=$TEST timeout=${TIMEOUT}s cmdline: $CMDLINE" >&2

# timeout(1) kills only the QEMU it started; --foreground keeps QEMU in the
# terminal's process group so that -serial stdio works from a shell.
start=$(date +%s.%N)
rc=0
timeout --foreground -k 5 "$TIMEOUT" \
	qemu-system-aarch64 -M virt,gic-version=3 -cpu max -smp "$SMP" -m 1G \
	-nographic -monitor none -serial stdio -nic none \
	-kernel "$OUT/Image" -initrd "$OUT/initramfs.cpio.gz" \
	-append "$CMDLINE" "${EXTRA[@]}" || rc=$?
end=$(date +%s.%N)
secs=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }')
if [ "$rc" = 124 ]; then
	echo "linux: run-direct: timeout after ${TIMEOUT}s (qemu killed)" >&2
else
	echo "linux: run-direct: qemu exit $rc after ${secs}s" >&2
fi
exit "$rc"
