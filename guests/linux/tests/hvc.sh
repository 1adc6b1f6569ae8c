#!/bin/sh
# virtio-console test: the stock virtio_console driver found Shoji's
# virtio-mmio device, /dev/hvc0 exists, and 500 numbered lines written to
# it (plus one long line of 3000 bytes, more than one buffer) arrive on
# Shoji's console; the host side checks their order and content.
echo "virtio devices: $(for d in /sys/bus/virtio/devices/*; do
	cat "$d/device"; done | tr '\n' ' ')"
if [ ! -c /dev/hvc0 ]; then
	echo "linux: hvc FAIL (no /dev/hvc0)"
	exit 1
fi
i=1
while [ "$i" -le 500 ]; do
	echo "hvc: line $i of 500"
	i=$((i + 1))
done >/dev/hvc0
long=$(head -c 1500 /dev/zero | tr '\0' 'x')
echo "hvc: long $long$long end" >/dev/hvc0
echo "hvc: done" >/dev/hvc0
echo "linux: hvc PASS"
