#!/bin/sh
# TCP throughput with a peer outside the board: shoji.ip=A, shoji.peer=B,
# shoji.mb=N (default 64). Three times: fetches B's /blob (N MiB) and posts
# N MiB of random data to B's /upload over HTTP with busybox wget, each
# timed here (/proc/uptime, 10 ms). Prints
#   netbench: pass P rx_ms R tx_ms T mb N
set -u
IP= PEER= MB=64
for w in $(cat /proc/cmdline); do
	case "$w" in
	shoji.ip=*) IP=${w#*=} ;;
	shoji.peer=*) PEER=${w#*=} ;;
	shoji.mb=*) MB=${w#*=} ;;
	esac
done
ip link set lo up
ip addr add "$IP/24" dev eth0 && ip link set eth0 up ||
	{ echo "linux: netbench FAIL (eth0)"; exit 1; }
i=0
while ! ping -c 1 -W 1 "$PEER" >/dev/null 2>&1; do
	i=$((i + 1))
	[ "$i" -lt 60 ] || { echo "linux: netbench FAIL (no peer)"; exit 1; }
done
ms() { awk '{ printf "%d", $1 * 1000 }' /proc/uptime; }
dd if=/dev/urandom of=/tmp/blob bs=1M count="$MB" 2>/dev/null
for p in 1 2 3; do
	t0=$(ms)
	wget -q -O /dev/null "http://$PEER:8080/blob" ||
		{ echo "linux: netbench FAIL (wget)"; exit 1; }
	t1=$(ms)
	wget -q -O /dev/null --post-file=/tmp/blob "http://$PEER:8080/upload" ||
		{ echo "linux: netbench FAIL (post)"; exit 1; }
	t2=$(ms)
	echo "netbench: pass $p rx_ms $((t1 - t0)) tx_ms $((t2 - t1)) mb $MB"
done
echo "linux: netbench PASS"
