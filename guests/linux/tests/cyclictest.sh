#!/bin/sh
# cyclictest: timer wake-up latency of one SCHED_FIFO thread (priority 80,
# memory locked). Kernel cmdline knobs (defaults in brackets):
#   shoji.cyclic_loops=N [500]  shoji.cyclic_interval=US [10000]
#   shoji.cyclic_hist=US [400]  (histogram buckets of 1 us; later ones overflow)
# Prints "cyclictest: min X avg Y max Z overflows O loops N" (microseconds),
# one "cyclictest: hist US COUNT" line per non-empty bucket, then
# "linux: cyclictest PASS".
LOOPS=500
INTERVAL=10000
HIST=400
OUT=/tmp/cyclictest.out
for w in $(cat /proc/cmdline); do
	case "$w" in
	shoji.cyclic_loops=*) LOOPS=${w#*=} ;;
	shoji.cyclic_interval=*) INTERVAL=${w#*=} ;;
	shoji.cyclic_hist=*) HIST=${w#*=} ;;
	esac
done
# cyclictest keeps its statistics in POSIX shared memory.
mkdir -p /dev/shm
mount -t tmpfs shm /dev/shm 2>/dev/null
echo "cyclictest: -m -p 80 -i $INTERVAL -l $LOOPS -q -h $HIST"
cyclictest -m -p 80 -i "$INTERVAL" -l "$LOOPS" -q -h "$HIST" >"$OUT" 2>&1
rc=$?
if [ "$rc" -ne 0 ]; then
	echo "linux: cyclictest FAIL: exit status $rc"
	cat "$OUT"
	exit 1
fi
# The histogram is "BUCKET COUNT" rows (six-digit, zero-padded), then
# "# Min Latencies: X" style totals. With -h, -q prints no "T: 0 ..."
# statistics line; one is passed through should a version print it.
# busybox awk reads "000100" as octal: num() drops the leading zeros.
awk -v loops="$LOOPS" '
	function num(s) { sub(/^0+/, "", s); return s == "" ? 0 : s + 0 }
	/^[0-9]+[ \t]+[0-9]+/ {
		if (num($2) > 0) printf "cyclictest: hist %d %d\n", num($1), num($2)
		next
	}
	/^# Min Latencies:/ { min = num($4) }
	/^# Avg Latencies:/ { avg = num($4) }
	/^# Max Latencies:/ { max = num($4) }
	/^# Histogram Overflows:/ { ovf = num($4) }
	/^# Total:/ { total = num($3) }
	/^T:/ { print "cyclictest: " $0 }
	END {
		if (max == "" || total == "") {
			print "linux: cyclictest FAIL: no histogram totals"
			exit 1
		}
		printf "cyclictest: min %d avg %d max %d overflows %d loops %d\n",
			min, avg, max, ovf, total
		if (total + ovf < loops) {
			printf "linux: cyclictest FAIL: %d of %d loops\n", total + ovf, loops
			exit 1
		}
	}' "$OUT" || { cat "$OUT"; exit 1; }
echo "linux: cyclictest PASS"
