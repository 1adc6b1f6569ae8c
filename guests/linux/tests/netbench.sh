#!/bin/sh
# TCP throughput with a peer outside the board: shoji.ip=A, shoji.peer=B,
# shoji.mb=N (default 64), shoji.netdir=rx|tx|both (default both; one
# direction alone helps profiling), shoji.passes=P (default 3),
# shoji.gate=1 (each pass waits for B's /gate?p=P to answer, and reports
# to B's /done?p=P&rx=R&tx=T after). P times: fetches B's /blob (N MiB)
# over HTTP with busybox wget, timed here (/proc/uptime, 10 ms steps)
# (receive); then asks B for /pull, on which B fetches N MiB of random
# data from this guest's busybox httpd (port 80, sendfile) and answers with
# the bytes it got and the milliseconds that took on its clock (transmit;
# the bytes must be N MiB). No guest tool sends well: busybox wget posts a
# file as a C string (strlen over it, and random data stops at its first
# zero byte), busybox nc writes in small pieces. Prints
#   netbench: pass P rx_ms R tx_ms T mb N
# and, at the end, what the passes cost the guest.
set -u
IP= PEER= MB=64 DIR=both PASSES=3 GATE=0
for w in $(cat /proc/cmdline); do
	case "$w" in
	shoji.ip=*) IP=${w#*=} ;;
	shoji.peer=*) PEER=${w#*=} ;;
	shoji.mb=*) MB=${w#*=} ;;
	shoji.netdir=*) DIR=${w#*=} ;;
	shoji.passes=*) PASSES=${w#*=} ;;
	shoji.gate=*) GATE=${w#*=} ;;
	esac
done
case "$PASSES" in
'' | *[!0-9]*) echo "linux: netbench FAIL (shoji.passes=$PASSES)"; exit 1 ;;
esac
ip link set lo up
ip addr add "$IP/24" dev eth0 && ip link set eth0 up ||
	{ echo "linux: netbench FAIL (eth0)"; exit 1; }
i=0
while ! ping -c 1 -W 1 "$PEER" >/dev/null 2>&1; do
	i=$((i + 1))
	[ "$i" -lt 60 ] || { echo "linux: netbench FAIL (no peer)"; exit 1; }
done
ms() { awk '{ printf "%d", $1 * 1000 }' /proc/uptime; }
if [ "$DIR" != rx ]; then
	mkdir -p /tmp/www
	dd if=/dev/urandom of=/tmp/www/blob bs=1M count="$MB" 2>/dev/null
	[ "$(wc -c </tmp/www/blob)" -eq $((MB << 20)) ] ||
		{ echo "linux: netbench FAIL (no room for $MB MiB in /tmp)"; exit 1; }
	httpd -p 80 -h /tmp/www || { echo "linux: netbench FAIL (httpd)"; exit 1; }
fi
p=0
while [ "$p" -lt "$PASSES" ]; do
	p=$((p + 1))
	# Gated: the peer's /gate answers when the pass may start (a benchmark
	# running another setup side by side lets them take turns).
	[ "$GATE" = 0 ] || wget -q -O /dev/null "http://$PEER:8080/gate?p=$p" ||
		{ echo "linux: netbench FAIL (gate)"; exit 1; }
	t0=$(ms)
	[ "$DIR" = tx ] || wget -q -O /dev/null "http://$PEER:8080/blob" ||
		{ echo "linux: netbench FAIL (wget)"; exit 1; }
	t1=$(ms)
	tx_ms=0
	if [ "$DIR" != rx ]; then
		set -- $(wget -q -O - "http://$PEER:8080/pull?ip=$IP")
		[ "${1:-}" = "$((MB << 20))" ] ||
			{ echo "linux: netbench FAIL (sent $((MB << 20)), peer got '${1:-}')"; exit 1; }
		tx_ms=${2:-0}
	fi
	echo "netbench: pass $p rx_ms $((t1 - t0)) tx_ms $tx_ms mb $MB"
	[ "$GATE" = 0 ] ||
		wget -q -O /dev/null "http://$PEER:8080/done?p=$p&rx=$((t1 - t0))&tx=$tx_ms" ||
		{ echo "linux: netbench FAIL (done)"; exit 1; }
done
# What the passes cost the guest, for profiling: its virtio interrupts,
# TCP retransmissions, and CPU time (USER_HZ ticks) since boot.
irqs=$(awk '/virtio/ { n += $2 } END { print n + 0 }' /proc/interrupts)
retrans=$(awk '/^Tcp:/ { if (h) print $13; h = 1 }' /proc/net/snmp)
set -- $(grep '^cpu ' /proc/stat)
echo "netbench: guest: virtio interrupts $irqs, tcp retransmissions" \
	"$retrans, cpu ticks user $2 system $4 idle $5 softirq $8"
echo "linux: netbench PASS"
