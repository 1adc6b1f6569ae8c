#!/bin/sh
# virtio-blk test on /dev/vda (a region of a host disk given by Shoji).
# Boot 1: make an ext2 file system, write 8 MiB of random data, record
# its sha256 on the disk and on the console, unmount and reboot.
# Later boots (and shoji.test=blkcheck in another QEMU run): mount and
# find the same sha256. Also reads beyond the end of the disk must fail
# cleanly (the device answers IOERR for requests past the region).
set -u
check_disk() {
	if [ ! -b /dev/vda ]; then
		echo "linux: blk FAIL (no /dev/vda)"
		exit 1
	fi
	echo "blk: vda $(cat /sys/block/vda/size) sectors"
	mkdir -p /mnt
}

verify() {
	mount -t ext2 /dev/vda /mnt || { echo "linux: blk FAIL (mount)"; exit 1; }
	want=$(cat /mnt/data.sha256)
	got=$(sha256sum /mnt/data | cut -d' ' -f1)
	echo "blk: sha256 $got (recorded $want)"
	umount /mnt
	if [ -n "$want" ] && [ "$got" = "$want" ]; then
		echo "linux: blk verify PASS"
	else
		echo "linux: blk FAIL (sha256 differs)"
		exit 1
	fi
}

check_disk
if [ "$SHOJI_TEST" = blkcheck ] || [ "$SHOJI_BOOT" != 1 ]; then
	verify
	exit 0
fi
mke2fs -q /dev/vda || { echo "linux: blk FAIL (mke2fs)"; exit 1; }
mount -t ext2 /dev/vda /mnt || { echo "linux: blk FAIL (mount)"; exit 1; }
dd if=/dev/urandom of=/mnt/data bs=1M count=8 2>/dev/null
sync
sha256sum /mnt/data | cut -d' ' -f1 >/mnt/data.sha256
echo "blk: wrote 8 MiB, sha256 $(cat /mnt/data.sha256)"
umount /mnt
# Past the end of the disk: the kernel refuses or the device fails it.
if dd if=/dev/vda of=/dev/null bs=512 skip="$(cat /sys/block/vda/size)" \
	count=1 2>/dev/null; then
	echo "blk: read past the end returned nothing"
fi
sync
echo "linux: blk rebooting (boot 1)"
reboot -f
sleep 5
echo "linux: reboot -f returned"
exit 1
