#!/bin/sh
# Disk and network together: on boot 1 the net test (client role: ping
# and a TCP transfer from the server guest), then the disk test, which
# writes, reboots and verifies on boot 2.
if [ "$SHOJI_BOOT" = 1 ]; then
	sh /tests/net.sh || exit 1
fi
exec sh /tests/blk.sh
