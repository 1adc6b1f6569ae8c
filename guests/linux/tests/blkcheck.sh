#!/bin/sh
# virtio-blk check in a later QEMU run: the file written by blk.sh is
# still there with the same sha256.
exec sh /tests/blk.sh
