# SPDX-License-Identifier: GPL-2.0
# One NIC driver under load for 'kstride race' (tests/vm/race-check.sh):
# recorded with call events while four adaptive pings of 1000 bytes flood
# the link and the link is taken down and up three times, then unloaded.
# The rings are the largest record takes (-b 160): a dropped record may
# hold a lock's release or a callback's entry, and then the detector may
# report what is ordered.
# usage: race-nic.sh MODULE NAME
MOD=$1 NAME=$2
KS="/mnt/lib/ld-linux-x86-64.so.2 --library-path /mnt/lib /mnt/kstride"
cat > /tmp/flood-$NAME.sh <<EOS
IF=
for d in /sys/class/net/*; do
	[ "\$(basename "\$(readlink \$d/device/driver)")" = $MOD ] && IF=\${d##*/}
done
[ -n "\$IF" ] || { echo "race-nic: no interface for $MOD"; exit 1; }
ip link set \$IF up || exit 1
ip addr add 10.0.2.15/24 dev \$IF
for i in 1 2 3 4 5 6 7 8 9 10; do
	[ "\$(cat /sys/class/net/\$IF/carrier 2>/dev/null)" = 1 ] && break
	sleep 1
done
for i in 1 2 3 4; do ping -A -q -c 400 -s 1000 -W 2 10.0.2.2 > /tmp/ping-$NAME-\$i.txt 2>&1 & done
for i in 1 2 3; do
	sleep 1
	ip link set \$IF down
	sleep 0.5
	ip link set \$IF up
done
wait
cat /tmp/ping-$NAME-*.txt | grep received
ip link set \$IF down
EOS
$KS record --calls -b 160 -m "$MOD" -k /mnt/kstride.ko -o /mnt/out/race-$NAME.trace -- sh /tmp/flood-$NAME.sh
