#!/bin/sh
# virtio-net test. Kernel cmdline: shoji.ip=A (this guest, /24),
# shoji.peer=B, shoji.role=server|client|uplink.
#  server: serves 4 MiB of random data over HTTP (busybox httpd), prints
#          its sha256, and waits (up to 120 s) for the client's /done.
#  client: pings the server, fetches the data over TCP, prints its
#          sha256, and tells the server it is done.
#  uplink: pings the peer outside the board and fetches /blob from its
#          HTTP server, printing its sha256.
set -u
IP= PEER= ROLE=
for w in $(cat /proc/cmdline); do
	case "$w" in
	shoji.ip=*) IP=${w#*=} ;;
	shoji.peer=*) PEER=${w#*=} ;;
	shoji.role=*) ROLE=${w#*=} ;;
	esac
done
fail() {
	echo "linux: net FAIL ($1)"
	exit 1
}
[ -d /sys/class/net/eth0 ] || fail "no eth0"
echo "net: eth0 $(cat /sys/class/net/eth0/address)"
ip link set lo up
ip addr add "$IP/24" dev eth0 || fail "ip addr"
ip link set eth0 up || fail "link up"

wait_ping() {
	i=0
	while ! ping -c 1 -W 1 "$PEER" >/dev/null 2>&1; do
		i=$((i + 1))
		[ "$i" -lt 60 ] || fail "no answer from $PEER"
	done
	ping -c 3 "$PEER" | tail -n 2 | head -n 1 | sed 's/^/net: ping: /'
}

case "$ROLE" in
server)
	mkdir -p /tmp/www/cgi-bin
	dd if=/dev/urandom of=/tmp/www/blob bs=1M count=4 2>/dev/null
	printf '#!/bin/sh\necho "Content-Type: text/plain"\necho\necho bye\ntouch /tmp/done\n' \
		>/tmp/www/cgi-bin/done
	chmod +x /tmp/www/cgi-bin/done
	echo "net: serving blob sha256 $(sha256sum /tmp/www/blob | cut -d' ' -f1)"
	httpd -p 8080 -h /tmp/www || fail "httpd"
	i=0
	while [ ! -e /tmp/done ]; do
		sleep 1
		i=$((i + 1))
		[ "$i" -lt 120 ] || fail "the client never finished"
	done
	echo "linux: net server PASS"
	;;
client)
	wait_ping
	i=0
	while ! wget -q -O /tmp/blob "http://$PEER:8080/blob"; do
		sleep 1
		i=$((i + 1))
		[ "$i" -lt 60 ] || fail "wget"
	done
	echo "net: fetched blob sha256 $(sha256sum /tmp/blob | cut -d' ' -f1)"
	wget -q -O - "http://$PEER:8080/cgi-bin/done" >/dev/null || fail "done"
	echo "linux: net client PASS"
	;;
uplink)
	wait_ping
	wget -q -O /tmp/blob "http://$PEER:8080/blob" || fail "wget"
	echo "net: fetched blob sha256 $(sha256sum /tmp/blob | cut -d' ' -f1)"
	echo "linux: net uplink PASS"
	;;
*)
	fail "shoji.role=$ROLE"
	;;
esac
