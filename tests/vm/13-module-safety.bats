#!/usr/bin/env bats
# memhp.ko's safety (issue 16), in one guest: 4000M of RAM, so the RAM
# above 4G ends 32M into a memory block, all of it hidden with mem=3G; two
# NUMA nodes, node 1 with a CPU and no memory of its own, so a range probed
# onto node 1 is all of node 1's memory.  The guest helper
# 13-module-safety (13-module-safety.c) catches SIGINT around one write,
# pins a page on a node, and opens and reads /dev/memhp in a loop.

load vm_helper
load checks

MODDIR=/sys/kernel/memhp
HELPER=13-module-safety

# One socket per CPU: two cores of one socket on two nodes make the kernel
# warn at boot (an LLC shared across nodes, topology_sane()).
setup_file() {
	vm_boot -smp 2,sockets=2 -m 4000M -object memory-backend-ram,id=m0,size=4000M \
		-numa node,nodeid=0,cpus=0,memdev=m0 -numa node,nodeid=1,cpus=1 \
		-- mem=3G memhp_default_state=offline
}
teardown_file() { vm_shutdown; }
setup() { vm_require; }

# "start end" (end exclusive, decimal) of the firmware's RAM above 4G,
# which mem=3G hides from the kernel
high_ram() {
	if [ ! -s "$VM_DIR/high_ram" ]; then
		guest_ok 'for d in /sys/firmware/memmap/*; do
			[ "$(cat $d/type)" = "System RAM" ] || continue
			s=$(($(cat $d/start))) e=$(($(cat $d/end) + 1))
			[ $s -ge $((0x100000000)) ] && echo "$s $e"
		done' >"$VM_DIR/high_ram" || return 1
	fi
	cat "$VM_DIR/high_ram"
}

@test "RAM that ends part-way into a block: that block is refused (ENXIO), whole blocks below are added" {
	local bs s e part
	# the two-node guest boots without a splat of its own
	assert_no_kernel_splat
	guest modprobe memhp
	assert_success
	bs=$(guest_block_size)
	read -r s e <<<"$(high_ram)"
	[ -n "$e" ] || fail "no firmware RAM above 4G in /sys/firmware/memmap"
	[ $((e % bs)) -ne 0 ] || fail "RAM ends on a block boundary ($e): no partial block"
	part=$((e / bs * bs))
	guest 'dmesg -c >/dev/null'
	# the block the RAM ends in, alone and with the whole block before it
	guest "$HELPER write $MODDIR/probe '$part $bs'; $HELPER write $MODDIR/probe '$((part - bs)) $((2 * bs))'"
	assert_output $'ENXIO\nENXIO'
	guest 'dmesg | grep -c "memhp: probe .*: -ENXIO: not all RAM in the firmware memory map"'
	assert_output 2
	# a decimal number with a leading zero would be octal: refused
	guest "$HELPER write $MODDIR/probe '0$((part - 2 * bs)) $bs'"
	assert_output EINVAL
	# the two whole blocks below it
	guest "$HELPER write $MODDIR/probe '$(printf '%#x' $((part - 2 * bs))) $((2 * bs))'"
	assert_output ok
	guest "ls $MODDIR/ranges; grep 'System RAM (memhp)' /proc/iomem"
	assert_line "$(printf '%#x' $((part - 2 * bs)))"
	assert_line --partial "$(printf '%x-%x' $((part - 2 * bs)) $((part - 1)))"
	guest "$HELPER write $MODDIR/remove '$((part - 2 * bs)) $((2 * bs))'"
	assert_output ok
	assert_no_kernel_splat
}

@test "event log lines carry the range's node, on node 1 and on node 0" {
	local bs s e a0 a1 n=0 ns ev st sz nd er
	bs=$(guest_block_size)
	read -r s e <<<"$(high_ram)"
	a1=$s a0=$((s + 2 * bs))
	guest --timeout 180 "
		echo '$a1 $((2 * bs)) 1' > $MODDIR/probe &&
		echo '$a0 $((2 * bs))' > $MODDIR/probe || exit 1
		echo ranges \$(cat $MODDIR/ranges/$(printf '%#x' $a1)/node) \$(cat $MODDIR/ranges/$(printf '%#x' $a0)/node)
		cd /sys/devices/system/memory
		for b in \$(seq $((a1 / bs)) $((a0 / bs + 1))); do echo online_movable > memory\$b/state || exit 1; done
		for b in \$(seq $((a1 / bs)) $((a0 / bs + 1))); do echo block \$b \$(ls -d memory\$b/node* | sed 's/.*node//'); done
		for b in \$(seq $((a1 / bs)) $((a0 / bs + 1))); do echo offline > memory\$b/state || exit 1; done
		echo '$a1 $((2 * bs))' > $MODDIR/remove &&
		echo '$a0 $((2 * bs))' > $MODDIR/remove || exit 1"
	assert_success
	assert_line "ranges 1 0"
	assert_line "block $((a1 / bs)) 1"
	assert_line "block $((a1 / bs + 1)) 1"
	assert_line "block $((a0 / bs)) 0"
	assert_line "block $((a0 / bs + 1)) 0"
	# a new reader starts at the oldest event the ring holds
	guest --timeout 60 "cat /dev/memhp > /tmp/ev & pid=\$!
		i=0; until grep -q 'remove $(printf '%#x' $a0) ' /tmp/ev; do
			i=\$((i + 1)); [ \$i -gt 300 ] && break; sleep 0.1; done
		kill \$pid; cat /tmp/ev"
	assert_success
	while read -r ns ev st sz nd er; do
		[[ $st == 0x* ]] || continue
		if ((st >= a1 && st < a1 + 2 * bs)); then
			[ "$nd" = 1 ] || fail "node-1 range: '$ns $ev $st $sz $nd $er' (node $nd)"
		elif ((st >= a0 && st < a0 + 2 * bs)); then
			[ "$nd" = 0 ] || fail "node-0 range: '$ns $ev $st $sz $nd $er' (node $nd)"
		else
			continue
		fi
		n=$((n + 1))
	done <<<"$output"
	# per range: add, remove, and per block going-online, online,
	# going-offline, offline
	assert_equal "$n" $((2 * (2 + 2 * 4)))
}

# the state of the process $1 ("S", "D", ...) and its syscall number
GUEST_BLOCKED_IN_WRITE='blocked() {
	read -r nr rest < /proc/$1/syscall 2>/dev/null || return 1
	st=$(cut -d" " -f3 /proc/$1/stat 2>/dev/null)
	[ "$nr" = 1 ] && [ "$st" = S ]
}'

@test "writers waiting behind a long offline are interrupted (EINTR) and leave the range as it was" {
	local bs s e r1 r2 b1 before
	bs=$(guest_block_size)
	read -r s e <<<"$(high_ram)"
	# blocks the earlier tests did not online: the wait below looks for
	# this range's first going-offline in the ring
	r1=$((s + 4 * bs)) r2=$((s + 5 * bs)) b1=$((s / bs + 4))
	before=$(memtotal_kb)
	# r1 is all of node 1's memory; a page of it is held from a pipe, so
	# the offline of remove r1 retries migrating it until a fatal signal
	guest --timeout 240 "$GUEST_BLOCKED_IN_WRITE
		echo '$r1 $bs 1' > $MODDIR/probe || exit 1
		echo online_movable > /sys/devices/system/memory/memory$b1/state || exit 1
		cat /dev/memhp > /tmp/ev3 & rd=\$!
		$HELPER pin 1 > /tmp/pin & pin=\$!
		i=0; until grep -q pfn /tmp/pin; do i=\$((i + 1)); [ \$i -gt 300 ] && exit 3; sleep 0.1; done
		pfn=\$(sed -n 's/^pfn //p' /tmp/pin)
		echo pinned \$(( pfn * 4096 >= $r1 && pfn * 4096 < $r1 + $bs ))
		$HELPER write $MODDIR/remove '$r1 $bs' > /tmp/a & a=\$!
		# going-offline: the kernel is offlining r1 under the module's lock
		i=0; until grep -q 'going-offline $(printf '%#x' $r1) ' /tmp/ev3; do
			i=\$((i + 1)); [ \$i -gt 600 ] && exit 4; sleep 0.1; done
		$HELPER write $MODDIR/probe '$r2 $bs' > /tmp/w1 & w1=\$!
		$HELPER write $MODDIR/remove '$r1 $bs' > /tmp/w2 & w2=\$!
		i=0; until blocked \$w1 && blocked \$w2; do i=\$((i + 1)); [ \$i -gt 600 ] && exit 5; sleep 0.1; done
		kill -INT \$w1 \$w2
		i=0; while [ -d /proc/\$w1 ] || [ -d /proc/\$w2 ]; do
			i=\$((i + 1)); [ \$i -gt 300 ] && { echo still blocked; exit 6; }; sleep 0.1; done
		echo probe \$(cat /tmp/w1) remove \$(cat /tmp/w2)
		[ -d /proc/\$a ] && echo offline still running
		kill -TERM \$a; wait \$a
		kill \$rd \$pin; wait \$pin
		dmesg | grep -c 'memhp: remove .*: -EINTR'"
	assert_success
	assert_line "pinned 1"
	assert_line "probe EINTR remove EINTR"
	assert_line "offline still running"
	# the offline the signal cut short is logged, and undone
	assert_line 1
	guest "ls $MODDIR/ranges; grep -c 'System RAM (memhp)' /proc/iomem
		cat /sys/devices/system/memory/memory$b1/state /sys/devices/system/memory/memory$b1/valid_zones"
	assert_output "$(printf '%#x' $r1)"$'\n1\nonline\nMovable'
	assert_equal "$(memtotal_kb)" $((before + bs / 1024))
	# with the page let go, the same remove goes through
	guest "$HELPER write $MODDIR/remove '$r1 $bs'"
	assert_output ok
	assert_equal "$(memtotal_kb)" "$before"
	assert_no_kernel_splat
}

@test "100 rounds of rmmod racing eight probe/remove writers and a /dev/memhp reader" {
	local bs s e t0=$SECONDS
	bs=$(guest_block_size)
	read -r s e <<<"$(high_ram)"
	guest 'dmesg -c >/dev/null'
	# each writer probes and removes one of four blocks (two writers a
	# block); rmmod is tried 20 times meanwhile
	guest --timeout 900 "
		bs=$bs base=\$(awk '/^MemTotal:/ {print \$2}' /proc/meminfo)
		bad=0 unloaded=0 r=0
		while [ \$r -lt 100 ]; do
			[ -d $MODDIR ] || modprobe memhp || { echo \"round \$r: modprobe failed\"; exit 1; }
			rm -f /tmp/stop
			$HELPER read /tmp/stop &
			for p in 1 2 3 4 5 6 7 8; do
				( a=\$(( $s + ((p + r) % 4) * bs ))
				  echo \"\$a \$bs\" > $MODDIR/probe
				  echo \"\$a \$bs\" > $MODDIR/remove ) 2>/dev/null &
			done
			j=0; while [ \$j -lt 20 ]; do rmmod memhp 2>/dev/null && break; j=\$((j + 1)); done
			touch /tmp/stop
			wait
			mt=\$(awk '/^MemTotal:/ {print \$2}' /proc/meminfo)
			[ \"\$mt\" = \"\$base\" ] || { echo \"round \$r: MemTotal \$mt, not \$base\"; bad=1; }
			iomem=\$(grep 'System RAM (memhp)' /proc/iomem | sed 's/^ *0*\\([0-9a-f]*\\)-.*/\\1/' | sort)
			if [ -d $MODDIR ]; then
				listed=\$(for d in $MODDIR/ranges/*; do [ -d \$d ] && printf '%x\n' \$(cat \$d/start); done | sort)
				[ \"\$listed\" = \"\$iomem\" ] || { echo \"round \$r: ranges [\$listed], /proc/iomem [\$iomem]\"; bad=1; }
			else
				unloaded=\$((unloaded + 1))
				[ -z \"\$iomem\" ] || { echo \"round \$r: unloaded, /proc/iomem still has [\$iomem]\"; bad=1; }
			fi
			r=\$((r + 1))
		done
		echo unloaded \$unloaded
		exit \$bad"
	assert_success
	vm_note "rmmod won the race in $(sed -n 's/^unloaded //p' <<<"$output") of 100 rounds ($((SECONDS - t0)) s)"
	assert_no_kernel_splat
	# whatever is left goes, and the module unloads
	guest "[ -d $MODDIR ] || modprobe memhp; memhp -q remove --all && rmmod memhp && grep -c 'System RAM (memhp)' /proc/iomem"
	assert_output 0
}

@test "memhp.ko builds W=1-clean against this kernel's headers, and cleans" {
	local kver kdir d=$BATS_TEST_TMPDIR/kbuild
	kver=$(cat "$VM_DIR/kver")
	kdir=$MEMHP_VM_CACHE/$kver/headers/usr/src/linux-headers-$kver
	[ -f "$kdir/Makefile" ] || fail "no unpacked headers at $kdir (prepare.sh)"
	mkdir -p "$d"
	cp "$VM_REPO"/kernel/Kbuild "$VM_REPO"/kernel/*.[ch] "$d"/
	run make -C "$kdir" M="$d" W=1 modules
	assert_success
	refute_output --partial "warning:"
	[ -f "$d/memhp.ko" ]
	# DKMS runs make clean, which reads no configuration, before a build
	run make -C "$kdir" M="$d" clean
	assert_success
	[ ! -f "$d/memhp.ko" ]
}
