#!/bin/sh
# Boot test: the kernel came up and runs userspace.
echo "uname -r: $(uname -r)"
echo "nproc: $(nproc)"
echo "cpu features: $(grep -m1 '^Features' /proc/cpuinfo | cut -d: -f2-)"
echo "modules: $(cut -d' ' -f1 /proc/modules | tr '\n' ' ')"
echo "virtio devices: $(ls /sys/bus/virtio/devices | tr '\n' ' ')"
echo "net interfaces: $(ls /sys/class/net | tr '\n' ' ')"
echo "linux: boot test PASS"
