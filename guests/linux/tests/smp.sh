#!/bin/sh
# SMP test: nproc equals shoji.cpus, and a busy loop runs on each CPU.
n=$(nproc)
if [ "$n" != "$SHOJI_CPUS" ]; then
	echo "linux: smp FAIL: nproc is $n, expected $SHOJI_CPUS"
	exit 1
fi
echo "nproc: $n"
if command -v taskset >/dev/null; then
	cpu=0
	while [ "$cpu" -lt "$n" ]; do
		# The loop and its children are pinned to $cpu; field 39 of
		# /proc/self/stat is the CPU the reading process runs on.
		taskset -c "$cpu" sh -c 'i=0; while [ $i -lt 20000 ]; do i=$((i + 1)); done
			cut -d" " -f39 /proc/self/stat' >"/tmp/cpu$cpu" &
		cpu=$((cpu + 1))
	done
	wait
	cpu=0
	while [ "$cpu" -lt "$n" ]; do
		ran=$(cat "/tmp/cpu$cpu")
		if [ "$ran" != "$cpu" ]; then
			echo "linux: smp FAIL: loop pinned to cpu $cpu ran on cpu '$ran'"
			exit 1
		fi
		echo "busy loop on cpu $cpu: ok"
		cpu=$((cpu + 1))
	done
else
	echo "taskset not in busybox: skipping pinned loops"
fi
echo "linux: smp PASS"
