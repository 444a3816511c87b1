#!/bin/sh
# /init of the memhp test guest (busybox). Serial ports:
#   ttyS0  kernel console + this script's log (saved by the host)
#   ttyS1  command channel (raw). Host -> guest, one line per command:
#            <id> <timeout-seconds> <base64 of a sh script>
#          guest -> host:
#            @@BEGIN <id>
#            @@OUT
#            <base64 of stdout>
#            @@ERR
#            <base64 of stderr>
#            @@RC <id> <exit status>
#          The guest announces itself with "@@READY <uname -r>".
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root
[ -e /bin/mount ] || /bin/busybox --install -s

# The command loop must not be PID 1: orphans (e.g. busybox timeout's
# watchdog) are reparented to PID 1, and a SIGCHLD that lands while ash's
# "read" is waiting makes it restart and drop the bytes it already read.
if [ "$1" != serve ]; then
	mount -t proc proc /proc
	mount -t sysfs sysfs /sys
	mount -t devtmpfs devtmpfs /dev 2>/dev/null
	mount -t tmpfs tmpfs /tmp
	mount -t tmpfs tmpfs /run
	mount -t debugfs debugfs /sys/kernel/debug
	hostname memhp-vm

	echo "memhp-vm: $(uname -r) up $(cut -d' ' -f1 /proc/uptime)s, $(grep -c ^processor /proc/cpuinfo) cpus, nodes: $(ls /sys/devices/system/node | grep '^node' | tr '\n' ' ')"

	sh /init serve &
	# PID 1 only reaps orphans from here on.
	while :; do wait; sleep 1; done
fi

CH=/dev/ttyS1
if [ ! -c $CH ]; then
	echo "memhp-vm: no $CH, cannot serve commands" >&2
	exec sh
fi
stty -F $CH raw -echo -ixon -ixoff -opost 115200 2>/dev/null || stty -F $CH raw -echo
exec 3<>$CH
echo "@@READY $(uname -r)" >&3
echo "memhp-vm: command channel ready on $CH"

while IFS= read -r line <&3; do
	line=${line%$'\r'}
	[ -n "$MEMHP_VM_TRACE" ] && echo "memhp-vm: got ${#line} bytes: $(echo "$line" | cut -c1-40)" >/dev/console
	[ -n "$line" ] || continue
	id=${line%% *}
	rest=${line#* }
	tmo=${rest%% *}
	b64=${rest#* }
	case "$tmo" in ''|*[!0-9]*) tmo=60 ;; esac
	if ! printf '%s\n' "$b64" | base64 -d >/tmp/.cmd 2>/dev/null; then
		: >/tmp/.cmd.out
		echo "memhp-vm: bad command encoding" >/tmp/.cmd.err
		rc=254
	else
		(cd /root && exec timeout -s KILL "$tmo" sh /tmp/.cmd) </dev/null >/tmp/.cmd.out 2>/tmp/.cmd.err
		rc=$?
	fi
	{
		echo "@@BEGIN $id"
		echo "@@OUT"
		base64 /tmp/.cmd.out
		echo "@@ERR"
		base64 /tmp/.cmd.err
		echo "@@RC $id $rc"
	} >&3
	[ -n "$MEMHP_VM_TRACE" ] && echo "memhp-vm: [$id] rc=$rc" >/dev/console
done
echo "memhp-vm: command channel closed" >&2
exec sh
