#!/bin/sh
# Disk throughput on /dev/vda: shoji.mb=N (default 64) MiB written and read
# with direct I/O (dd oflag/iflag=direct, 1 MiB blocks), three passes
# each; times from /proc/uptime (10 ms resolution). Prints
#   blkbench: pass P write_ms W read_ms R mb N
set -u
MB=64
for w in $(cat /proc/cmdline); do
	case "$w" in
	shoji.mb=*) MB=${w#*=} ;;
	esac
done
[ -b /dev/vda ] || { echo "linux: blkbench FAIL (no /dev/vda)"; exit 1; }
ms() { awk '{ printf "%d", $1 * 1000 }' /proc/uptime; }
for p in 1 2 3; do
	t0=$(ms)
	dd if=/dev/zero of=/dev/vda bs=1M count="$MB" oflag=direct 2>/dev/null ||
		{ echo "linux: blkbench FAIL (write)"; exit 1; }
	t1=$(ms)
	dd if=/dev/vda of=/dev/null bs=1M count="$MB" iflag=direct 2>/dev/null ||
		{ echo "linux: blkbench FAIL (read)"; exit 1; }
	t2=$(ms)
	echo "blkbench: pass $p write_ms $((t1 - t0)) read_ms $((t2 - t1)) mb $MB"
done
echo "linux: blkbench PASS"
