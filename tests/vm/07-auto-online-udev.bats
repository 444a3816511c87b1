#!/usr/bin/env bats
# memhp's auto-online for real: Debian 12's systemd-udevd runs the udev
# rule that `cmake --install --prefix /usr` installed, with the config it
# installed, and busybox syslogd takes memhp's line. Booted with
# memhp_default_state=offline so the kernel leaves hot-added memory to
# memhp; one DIMM per case (four slots): shipped config (disabled), then
# enabled with zone=movable, then a replayed add (udevadm trigger), then
# the kernel auto-onlining too (the 6.12 default, set at run time), then
# a broken config, then owners= without acpi-dimm (the DIMM is left alone),
# then a virtio-mem device (requested-size 0 at boot) grown twice from the
# host: onlined with owners=virtio-mem:auto, left alone without it.

load vm_helper
load checks

CONF=/etc/memhp/auto-online.conf
RULE=/usr/lib/udev/rules.d/60-memhp-auto-online.rules
LOG=/tmp/messages

setup_file() {
	VM_INITRD=initramfs-udev.cpio.gz vm_boot -m 1G,slots=5,maxmem=4G \
		-object memory-backend-ram,id=vmem0,size=512M \
		-device virtio-mem-pci,id=vm0,memdev=vmem0,requested-size=0 \
		-- memhp_default_state=offline
	# syslogd and udevd for this file only; started here so that every
	# test finds them (the first test checks that they run)
	guest --timeout 60 "syslogd -O $LOG &&
		/lib/systemd/systemd-udevd --daemon --resolve-names=never </dev/null >/tmp/udevd.log 2>&1 &&
		i=0; until udevadm control --ping 2>/dev/null; do
			i=\$((i+1)); [ \$i -gt 100 ] && exit 1; sleep 0.2; done"
	echo "$status $output" >"$VM_DIR/daemons"
}
teardown_file() { vm_shutdown; }
setup() { vm_require; }

# Hot-add DIMM $1 (256M), wait for its blocks and for udev to have run
# everything it queued; sets BLOCKS (one id a line).
add_dimm_settled() {
	local bs
	bs=$(guest_block_size) || return 1
	run vm_add_dimm "$1" 256M
	assert_success
	BLOCKS=$(dimm_blocks "$1" "$bs") || return 1
	guest_wait_blocks $BLOCKS || return 1
	guest --timeout 90 udevadm settle --timeout=80
	assert_success
}

# memhp's syslog lines since line $1 of the log, pid dropped:
# "daemon.info memhp: memory32: ..." (busybox says daemon.warn for warning)
memhp_log_since() {
	guest_ok "tail -n +$(($1 + 1)) $LOG" |
		sed -nE 's/^.* ([a-z]+\.[a-z]+) memhp\[[0-9]+\]: /\1 memhp: /p'
}
log_mark() { guest_ok "wc -l <$LOG" | tr -d ' '; }

# "state zone" of each block of $BLOCKS, one a line
blocks_state() {
	guest_ok "for b in $(echo $BLOCKS); do d=/sys/devices/system/memory/memory\$b; echo \"\$(cat \$d/state) \$(cat \$d/valid_zones)\"; done"
}

@test "udevd and syslogd run; the installed rule and the shipped config are in place" {
	read -r st out <"$VM_DIR/daemons"
	[ "$st" = 0 ] || vm_fail "starting syslogd and systemd-udevd failed: $out"
	guest_ok "pidof systemd-udevd && pidof syslogd"
	guest_ok "grep -c '^RUN+=\"/usr/bin/memhp online --udev --config=$CONF %k\"\$' $RULE"
	guest_ok "grep -qx enabled=no $CONF && grep -qx zone=movable $CONF"
	guest memhp policy --json
	assert_success
	run jq -c '[.auto_online.rule, .auto_online.config, .auto_online.enabled, .auto_online.error]' <<<"$stdout"
	assert_output "[\"$RULE\",\"$CONF\",false,null]"
}

@test "as shipped (enabled=no): a hot-added DIMM stays offline; syslog says nothing was done" {
	local mark want
	mark=$(log_mark)
	add_dimm_settled dimm1
	run blocks_state
	assert_output "$(for b in $BLOCKS; do echo "offline Normal Movable"; done)"
	run memhp_log_since "$mark"
	want=$(for b in $BLOCKS; do echo "daemon.info memhp: memory$b: nothing done: auto-online is disabled (auto-online, $CONF)"; done)
	assert_equal "$(sort <<<"$output")" "$(sort <<<"$want")"
}

@test "enabled=yes zone=movable: a hot-added DIMM comes up Movable by itself" {
	local mark want
	guest_ok "sed -i 's/^enabled=no\$/enabled=yes/' $CONF"
	mark=$(log_mark)
	add_dimm_settled dimm2
	# bounded: udev has run memhp once settled, but give the state a moment
	guest --timeout 40 "for b in $(echo $BLOCKS); do i=0
		until grep -qx online /sys/devices/system/memory/memory\$b/state; do
			i=\$((i+1)); [ \$i -gt 150 ] && exit 1; sleep 0.2; done; done"
	assert_success
	run blocks_state
	assert_output "$(for b in $BLOCKS; do echo "online Movable"; done)"
	run memhp_log_since "$mark"
	want=$(for b in $BLOCKS; do echo "daemon.info memhp: memory$b: online Movable (auto-online, $CONF)"; done)
	assert_equal "$(sort <<<"$output")" "$(sort <<<"$want")"
	assert_list_json_matches_sysfs
}

@test "a replayed add (udevadm trigger) onlines only blocks still offline" {
	local mark want
	BLOCKS=$(dimm_blocks dimm1 "$(guest_block_size)")
	mark=$(log_mark)
	guest --timeout 90 "udevadm trigger --action=add --subsystem-match=memory && udevadm settle --timeout=80"
	assert_success
	# dimm1's blocks, left offline while disabled, and no line for the
	# boot memory or dimm2, which are online
	run blocks_state
	assert_output "$(for b in $BLOCKS; do echo "online Movable"; done)"
	run memhp_log_since "$mark"
	want=$(for b in $BLOCKS; do echo "daemon.info memhp: memory$b: online Movable (auto-online, $CONF)"; done)
	assert_equal "$(sort <<<"$output")" "$(sort <<<"$want")"
}

@test "the kernel auto-onlining as well: memhp leaves its blocks and names the conflict" {
	local mark n conflicts
	guest_ok memhp policy auto_online_blocks=online
	guest memhp policy
	assert_output --partial "kernel: auto_online_blocks=online"
	assert_output --partial "memhp auto-online: zone=movable, owners=acpi-dimm,memhp,unknown,virtio-mem:auto ($CONF; rule $RULE:"
	assert_output --partial "More than one"
	mark=$(log_mark)
	add_dimm_settled dimm3
	guest_ok memhp policy auto_online_blocks=offline
	run blocks_state
	assert_equal "$(cut -d' ' -f1 <<<"$output" | sort -u)" online
	# one line per block: the kernel was first (it onlines as it adds),
	# unless memhp won the race for a block
	run memhp_log_since "$mark"
	# memhp policy's own line for setting the knob back ...
	assert_equal "$(grep -c '^daemon.notice memhp: policy auto_online_blocks online -> offline: done (uid 0)$' <<<"$output")" 1
	output=$(grep -v '^daemon.notice memhp: policy ' <<<"$output")
	# ... and one per block
	n=$(wc -w <<<"$BLOCKS")
	assert_equal "$(wc -l <<<"$output")" "$n"
	conflicts=$(grep -c "^daemon.warn memhp: memory[0-9]*: already online [A-Za-z]*, left as is: the kernel (auto_online_blocks=online) got there first; two onliners fight, keep one (auto-online, $CONF)\$" <<<"$output" || true)
	[ "$conflicts" -ge 1 ] || { echo "no conflict logged: $output"; false; }
	assert_equal "$(grep -vc -e 'already online' -e ': online Movable (' <<<"$output")" 0
	vm_note "kernel first for $conflicts of $n blocks"
}

@test "a broken config: the DIMM stays offline, syslog names the file and line" {
	local mark want line
	guest_ok "echo zone=sideways >>$CONF"
	line=$(guest_ok "wc -l <$CONF" | tr -d ' ')
	mark=$(log_mark)
	add_dimm_settled dimm4
	run blocks_state
	assert_output "$(for b in $BLOCKS; do echo "offline Normal Movable"; done)"
	run memhp_log_since "$mark"
	want=$(for b in $BLOCKS; do echo "daemon.err memhp: memory$b: nothing done: $CONF:$line: zone: 'sideways' is not movable, normal or auto (auto-online, $CONF)"; done)
	assert_equal "$(sort <<<"$output")" "$(sort <<<"$want")"
}

@test "owners= without acpi-dimm: a hot-added DIMM is left alone, syslog names its owner" {
	local mark
	guest_ok "printf 'enabled=yes\\nzone=movable\\nowners=virtio-mem:auto\\n' >$CONF"
	mark=$(log_mark)
	add_dimm_settled dimm5
	run blocks_state
	assert_output "$(for b in $BLOCKS; do echo "offline Normal Movable"; done)"
	# the kernel's records name the DIMM as the owner of its blocks
	guest memhp list -r -n -o BLOCK,OWNER
	assert_success
	assert_line --regexp "^$(head -n1 <<<"$BLOCKS")-$(tail -n1 <<<"$BLOCKS") acpi-dimm:PNP0C80:[0-9]+\$"
	run memhp_log_since "$mark"
	assert_equal "$(wc -l <<<"$output")" "$(wc -w <<<"$BLOCKS")"
	assert_equal "$(grep -Ec "^daemon.info memhp: memory[0-9]+: left alone: its owner acpi-dimm \(PNP0C80:[0-9]+\) is not in owners=virtio-mem:auto \(auto-online, $CONF\)\$" <<<"$output")" "$(wc -w <<<"$BLOCKS")"
}

# virtio-mem's requested size from the host, and its blocks until there
# are $2 of them (the driver adds a block at a time)
virtio_grow() { # BYTES COUNT
	local bs i
	bs=$(guest_block_size)
	qmp '{"execute":"qom-set","arguments":{"path":"/machine/peripheral/vm0","property":"requested-size","value":'"$1"'}}' >/dev/null
	for i in $(seq 1 90); do
		VBLOCKS=$(iomem_blocks 'System RAM (virtio_mem)' "$bs")
		[ "$(grep -c . <<<"$VBLOCKS")" -ge "$2" ] && break
		sleep 1
	done
	[ "$(grep -c . <<<"$VBLOCKS")" -ge "$2" ] || vm_fail "virtio-mem did not reach $2 blocks"
	guest --timeout 90 udevadm settle --timeout=80
}

@test "virtio-mem under udevd: owners=virtio-mem:auto onlines its blocks as it grows; without virtio-mem they stay offline" {
	local bs n first mark b
	bs=$(guest_block_size)
	n=$((256 * 1024 * 1024 / bs))
	guest 'modprobe virtio_pci 2>/dev/null; modprobe virtio_mem 2>/dev/null; ls /sys/bus/virtio/devices'
	assert_output --partial virtio0
	guest_ok "printf 'enabled=yes\\nzone=movable\\nowners=virtio-mem:auto\\n' >$CONF"
	virtio_grow 268435456 "$n"
	first=$VBLOCKS
	# auto: the kernel's online policy picks the zone; online either way
	for b in $first; do
		[ "$(guest_out cat /sys/devices/system/memory/memory$b/state)" = online ] ||
			vm_fail "virtio-mem block $b not onlined by the rule"
	done
	guest memhp list -a -r -n -o BLOCK,OWNER
	assert_success
	for b in $first; do assert_line "$b virtio-mem:virtio0"; done
	# owners without virtio-mem: its next blocks are left alone, and said so
	guest_ok "printf 'enabled=yes\\nzone=movable\\nowners=acpi-dimm\\n' >$CONF"
	mark=$(log_mark)
	virtio_grow 536870912 $((2 * n))
	for b in $(comm -13 <(echo "$first") <(echo "$VBLOCKS")); do
		assert_equal "$(guest_out cat /sys/devices/system/memory/memory$b/state)" offline
	done
	run memhp_log_since "$mark"
	assert_output --regexp "memory[0-9]+: left alone: its owner virtio-mem \\(virtio0\\) is not in owners=acpi-dimm"
}
