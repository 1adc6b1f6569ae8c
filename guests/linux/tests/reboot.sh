#!/bin/sh
# Reboot test: boot 1 reboots; a later boot (shoji.boot=N, N>1) passes.
if [ "$SHOJI_BOOT" = 1 ]; then
	echo "linux: rebooting (boot 1)"
	sync
	reboot -f
	sleep 5
	echo "linux: reboot -f returned"
	exit 1
fi
echo "linux: second boot (boot $SHOJI_BOOT) PASS"
