#!/usr/bin/env bats
# memhp doctor on the acpi-dimms fixture (four QEMU-like PNP0C80 slots)
# completed with what a machine shows besides sysfs: a kernel config, the
# SRAT bytes, /proc/zoneinfo and /proc/cmdline.  Each check must follow its
# input; nothing is ever written.

load fixture_helper
bats_require_minimum_version 1.5.0

setup_file() { fixtures_setup_file; }

setup() {
	T=$BATS_TEST_TMPDIR/t
	cp -a "$FIXDIR/acpi-dimms" "$T"
	M=$T/sys/devices/system/memory
	mkdir -p "$T/proc/sys/kernel" "$T/boot" "$T/sys/firmware/acpi/tables"
	echo 6.1.0-56-amd64 >"$T/proc/sys/kernel/osrelease"
	cat >"$T/boot/config-6.1.0-56-amd64" <<-EOF
	CONFIG_MEMORY_HOTPLUG=y
	CONFIG_MEMORY_HOTREMOVE=y
	CONFIG_ACPI_HOTPLUG_MEMORY=y
	CONFIG_MHP_MEMMAP_ON_MEMORY=y
	# CONFIG_ARCH_MEMORY_PROBE is not set
	# CONFIG_MEMORY_HOTPLUG_DEFAULT_ONLINE is not set
	EOF
	echo "BOOT_IMAGE=/vmlinuz root=/dev/vda1 quiet" >"$T/proc/cmdline"
	printf 'Node 0, zone   Normal\n        present  262144\nNode 0, zone  Movable\n        present  0\n' \
		>"$T/proc/zoneinfo"
	# one hot-pluggable window: 4 GiB at 8 GiB, proximity domain 0
	srat 0x200000000 0x100000000 3 >"$T/sys/firmware/acpi/tables/SRAT"
}

# The SRAT bytes of one memory affinity entry: START SIZE FLAGS.
srat() {
	python3 - "$@" <<-'PY'
	import struct, sys
	start, size, flags = (int(a, 0) for a in sys.argv[1:])
	mem = struct.pack('<BBIHIIIIIIQ', 1, 40, 0, 0, start & 0xffffffff,
	                  start >> 32, size & 0xffffffff, size >> 32, 0, flags, 0)
	head = b'SRAT' + struct.pack('<I', 48 + len(mem)) + b'\3\0' + b'BOCHS BXPC    ' + b'\0' * 12
	sys.stdout.buffer.write(head + b'\1\0\0\0' + b'\0' * 8 + mem)
	PY
}

doctor() { "$MEMHP" --sysfs-root "$T" doctor "$@"; }

# one check's field: check ID FIELD (from a --json document on stdin)
check() { jq -r --arg id "$1" ".checks[] | select(.id == \$id) | .$2"; }

tree_sum() { (cd "$T" && find . -print0 | sort -z | xargs -0 stat -c '%n %s %Y') | sha256sum; }

@test "--json: schema 1, every check with its status, summary, evidence and advice" {
	before=$(tree_sum)
	run --separate-stderr doctor --json
	assert_success
	jq -e '.schema == 1 and .status == "ok" and (.checks | length) >= 10' <<<"$output"
	jq -e 'all(.checks[]; (.id | type) == "string" and
		(.status | IN("ok", "warn", "fail")) and (.summary | length) > 0 and
		(.evidence | type) == "array" and (.advice | type | IN("string", "null")))' <<<"$output"
	# a check that is not ok says what to do
	jq -e 'all(.checks[] | select(.status != "ok"); .advice != null or .id == "boot-parameters")' <<<"$output"
	assert_equal "$(tree_sum)" "$before"
}

@test "the hot-pluggable window from the SRAT, less what is plugged, and the slots" {
	run doctor --json
	assert_success
	# 4 GiB at 8 GiB; the fixture's DIMM blocks are elsewhere
	jq -e '.hotplug.windows == [{"start": 8589934592, "end": 12884901887, "size": 4294967296, "proximity_domain": 0}]' <<<"$output"
	bs=$(fixture_block_size acpi-dimms)
	plugged=0
	for d in "$M"/memory*; do
		id=${d##*/memory}
		((id * bs >= 0x200000000 && id * bs < 0x300000000)) && plugged=$((plugged + bs))
	done
	jq -e --argjson p "$plugged" '.hotplug.plugged_bytes == $p and .hotplug.free_bytes == 4294967296 - $p' <<<"$output"
	# the slots: every PNP0C80 device, in use when _STA says present
	slots=$(ls -d "$T"/sys/bus/acpi/devices/PNP0C80:* | wc -l)
	jq -e --argjson s "$slots" '.hotplug.slots == $s and .hotplug.slots_used == $s' <<<"$output"
	# every slot in use: the window is full for DIMMs
	assert_equal "$(check hotplug-window status <<<"$output")" warn
	echo 0 >"$T/sys/bus/acpi/devices/PNP0C80:03/status"
	run doctor --json
	jq -e --argjson s "$slots" '.hotplug.slots_used == $s - 1' <<<"$output"
	assert_equal "$(check hotplug-window status <<<"$output")" ok
	check hotplug-window summary <<<"$output" | grep -q "1 of $slots slots free"
	# a window but no slot at all (QEMU's maxmem without slots=, where
	# only virtio-mem can plug): no DIMM can be plugged, never "ok"
	rm "$T"/sys/bus/acpi/devices/PNP0C80:*
	run doctor --json
	jq -e '.hotplug.slots == 0 and .hotplug.window_bytes == 4294967296' <<<"$output"
	assert_equal "$(check hotplug-window status <<<"$output")" warn
	check hotplug-window summary <<<"$output" | grep -q "but no slot (ACPI memory device): no DIMM can be plugged"
	check hotplug-window advice <<<"$output" | grep -q "virtio-mem"
	# no SRAT: no DIMM can be plugged
	rm "$T/sys/firmware/acpi/tables/SRAT"
	run doctor --json
	assert_equal "$(check hotplug-window status <<<"$output")" warn
	check hotplug-window summary <<<"$output" | grep -q "no DIMM can be plugged"
	jq -e '.hotplug.windows == [] and .hotplug.window_bytes == 0' <<<"$output"
}

@test "kernel support follows the config; a failed check exits 1" {
	run doctor --json
	assert_equal "$(check acpi-memory-hotplug status <<<"$output")" ok
	sed -i 's/^CONFIG_ACPI_HOTPLUG_MEMORY=y/# CONFIG_ACPI_HOTPLUG_MEMORY is not set/' \
		"$T/boot/config-6.1.0-56-amd64"
	run doctor --json
	assert_failure 1
	assert_equal "$(check acpi-memory-hotplug status <<<"$output")" fail
	jq -e '.status == "fail"' <<<"$output"
	check acpi-memory-hotplug evidence <<<"$output" | grep -qF 'CONFIG_ACPI_HOTPLUG_MEMORY=n'
	# /proc/config.gz comes first
	printf 'CONFIG_ACPI_HOTPLUG_MEMORY=y\nCONFIG_MEMORY_HOTPLUG=y\n' | gzip >"$T/proc/config.gz"
	run doctor --json
	assert_success
	assert_equal "$(check kernel-config summary <<<"$output")" \
		"kernel configuration read from /proc/config.gz"
	# neither: said so, and the running system decides
	rm "$T/proc/config.gz" "$T/boot/config-6.1.0-56-amd64"
	run doctor --json
	assert_equal "$(check kernel-config status <<<"$output")" warn
	check kernel-config summary <<<"$output" | grep -qF '/boot/config-6.1.0-56-amd64'
	assert_equal "$(check memory-hotplug status <<<"$output")" ok
}

@test "zones, boot parameters and the onlining policy" {
	run doctor --json
	assert_equal "$(check zone-movable status <<<"$output")" warn
	assert_equal "$(check auto-online status <<<"$output")" ok
	printf 'Node 0, zone  Movable\n        present  65536\n' >"$T/proc/zoneinfo"
	echo "quiet movable_node memhp_default_state=online_movable" >"$T/proc/cmdline"
	echo online >"$M/auto_online_blocks"
	run doctor --json
	assert_equal "$(check zone-movable status <<<"$output")" ok
	jq -e ".hotplug.movable_bytes == 65536 * $(getconf PAGESIZE)" <<<"$output"
	check boot-parameters summary <<<"$output" | grep -q movable_node
	run jq -r '.checks[] | select(.id == "boot-parameters") | .evidence[]' <<<"$output"
	assert_output $'/proc/cmdline: movable_node\n/proc/cmdline: memhp_default_state=online_movable'
	# movable_node: what the kernel onlines goes to ZONE_MOVABLE
	run doctor --json
	assert_equal "$(check auto-online status <<<"$output")" ok
	check auto-online summary <<<"$output" | grep -q movable_node
	# without it, the kernel onlines into a zone it cannot unplug from:
	# warned, with advice
	echo quiet >"$T/proc/cmdline"
	run doctor --json
	assert_equal "$(check auto-online status <<<"$output")" warn
	check auto-online summary <<<"$output" | grep -q "cannot be unplugged"
	check auto-online advice <<<"$output" | grep -q "auto_online_blocks=online_movable"
	echo online_movable >"$M/auto_online_blocks"
	run doctor --json
	assert_equal "$(check auto-online status <<<"$output")" ok
}

@test "a udev rule onlining memory besides the kernel: two onliners" {
	echo online >"$M/auto_online_blocks"
	mkdir -p "$T/etc/udev/rules.d"
	echo 'SUBSYSTEM=="memory", ACTION=="add", ATTR{state}=="offline", ATTR{state}="online"' \
		>"$T/etc/udev/rules.d/80-hotplug.rules"
	run doctor --json
	assert_equal "$(check other-onliners status <<<"$output")" warn
	check other-onliners evidence <<<"$output" | grep -q '/etc/udev/rules.d/80-hotplug.rules:1'
	check other-onliners evidence <<<"$output" | grep -q 'auto_online_blocks=online'
	# each names whose blocks it onlines: both take every owner's
	run check other-onliners "evidence[]" <<<"$output"
	assert_line 'the kernel: auto_online_blocks=online (every owner)'
	assert_line '/etc/udev/rules.d/80-hotplug.rules:1: SUBSYSTEM=="memory", ACTION=="add", ATTR{state}=="offline", ATTR{state}="online" (every owner)'
	run doctor --json
	run check other-onliners summary <<<"$output"
	assert_output --partial "2 agents online hot-added memory on their own (every owner)"
}

@test "memhp's auto-online with its owners: it races the kernel only for those" {
	echo online >"$M/auto_online_blocks"
	mkdir -p "$T/usr/lib/udev/rules.d" "$T/etc/memhp"
	echo 'SUBSYSTEM=="memory", ACTION=="add", RUN+="/usr/bin/memhp online --udev %k"' \
		>"$T/usr/lib/udev/rules.d/60-memhp-auto-online.rules"
	printf 'enabled=yes\nowners=acpi-dimm,virtio-mem:auto\n' >"$T/etc/memhp/auto-online.conf"
	run doctor --json
	assert_equal "$(check other-onliners status <<<"$output")" warn
	run check other-onliners "evidence[]" <<<"$output"
	assert_line "memhp's auto-online: enabled (/etc/memhp/auto-online.conf), zone=movable, owners=acpi-dimm,virtio-mem:auto"
	run doctor --json
	run check other-onliners summary <<<"$output"
	assert_output --partial "(acpi-dimm, virtio-mem): they race"
}

@test "the table: one line a check, the evidence and advice of what is not ok" {
	run doctor
	assert_success
	assert_line --regexp '^STATUS +CHECK +FINDING'
	for id in $(doctor --json | jq -r '.checks[].id'); do
		assert_line --regexp "^(ok|warn|fail) +$id "
	done
	assert_line --regexp '^warn +zone-movable +no memory in ZONE_MOVABLE'
	assert_line --regexp '^ +/proc/zoneinfo: Movable present pages 0$'
	assert_line --regexp '^ +do: online hot-added memory with memhp online --zone=movable'
	# -v shows the evidence of every check
	run doctor -v
	assert_line --regexp '^ +CONFIG_MEMORY_HOTPLUG=y$'
}

@test "this machine, read only: memhp doctor --json is a valid document" {
	run --separate-stderr "$MEMHP" doctor --json
	[ "$status" -eq 0 ] || [ "$status" -eq 1 ]
	jq -e '.schema == 1 and (.checks | length) >= 10 and (.status | IN("ok", "fail"))' <<<"$output"
	# exit 1 exactly when a check failed
	if jq -e 'any(.checks[]; .status == "fail")' <<<"$output" >/dev/null; then
		[ "$status" -eq 1 ]
	else
		[ "$status" -eq 0 ]
	fi
}

@test "doctor takes no arguments" {
	run doctor extra
	assert_failure 2
	assert_equal "${#lines[@]}" 1
}

# The owners fixture (a virtio-mem device's blocks 37-38, dax0.0's 42-45 in
# /proc/iomem) with the buses as the kernel shows them: virtio0, a
# virtio-mem device (id 0x0018) bound to virtio_mem, and dax0.0 bound to
# kmem.  $1: the virtio device's driver ("" for none).
kinds_tree() {
	local drv=${1-virtio_mem} v d
	T=$BATS_TEST_TMPDIR/kinds
	cp -a "$FIXDIR/owners" "$T"
	M=$T/sys/devices/system/memory
	P=$T/sys/module/memory_hotplug/parameters
	v=$T/sys/devices/pci0000:00/0000:00:04.0/virtio0
	d=$T/sys/devices/platform/e820_pmem/ndbus0/region0/dax0.0
	mkdir -p "$v" "$d" "$T/sys/bus/virtio/devices" "$T/sys/bus/dax/devices" \
		"$T/sys/bus/virtio/drivers/virtio_mem" "$T/sys/bus/dax/drivers/kmem" \
		"$T/sys/bus/dax/drivers/device_dax"
	echo 0x0018 >"$v/device"
	rm -f "$v/driver" "$d/driver"
	[ -z "$drv" ] || ln -s "../../../../bus/virtio/drivers/$drv" "$v/driver"
	ln -sfn ../../../devices/pci0000:00/0000:00:04.0/virtio0 "$T/sys/bus/virtio/devices/virtio0"
	ln -s ../../../../../../bus/dax/drivers/kmem "$d/driver"
	ln -sfn ../../../devices/platform/e820_pmem/ndbus0/region0/dax0.0 "$T/sys/bus/dax/devices/dax0.0"
}

kdoctor() { "$MEMHP" --sysfs-root "$T" --json doctor; }

@test "virtio-mem: no device, no finding; its driver missing fails" {
	run kdoctor
	assert_equal "$(check virtio-mem status <<<"$output")" ok
	assert_equal "$(check virtio-mem summary <<<"$output")" "no virtio-mem device"
	assert_equal "$(check dax-kmem summary <<<"$output")" "no dax device"
	kinds_tree ""
	run kdoctor
	assert_equal "$(check virtio-mem status <<<"$output")" fail
	run check virtio-mem summary <<<"$output"
	assert_output "1 virtio-mem device without the virtio_mem driver: its memory cannot be plugged"
	run kdoctor
	run check virtio-mem "evidence[]" <<<"$output"
	assert_line "/sys/bus/virtio/devices/virtio0: virtio-mem, driver none"
	assert_line "virtio-mem blocks: 2 online in ZONE_MOVABLE, 0 online in other zones, 0 offline (256 MiB in all)"
}

@test "virtio-mem: nothing onlining it, then the kernel without, then with auto-movable" {
	kinds_tree
	echo contig-zones >"$P/online_policy"
	run kdoctor
	assert_equal "$(check virtio-mem status <<<"$output")" warn
	assert_equal "$(check virtio-mem summary <<<"$output")" "nothing onlines virtio-mem memory: what the device plugs stays offline"
	echo online >"$M/auto_online_blocks"
	run kdoctor
	assert_equal "$(check virtio-mem status <<<"$output")" warn
	run check virtio-mem advice <<<"$output"
	assert_output --partial "memhp policy online_policy=auto-movable"
	run kdoctor
	run check virtio-mem "evidence[]" <<<"$output"
	assert_line "onlined by: the kernel (auto_online_blocks=online)"
	assert_line "online_policy=contig-zones"
	echo auto-movable >"$P/online_policy"
	run kdoctor
	assert_equal "$(check virtio-mem status <<<"$output")" ok
	assert_equal "$(check virtio-mem summary <<<"$output")" "1 virtio-mem device, 256 MiB online (256 MiB in ZONE_MOVABLE), onlined by the auto-movable policy"
}

@test "dax/kmem: left to daxctl is ok; the kernel or memhp onlining it too warns" {
	kinds_tree
	run kdoctor
	assert_equal "$(check dax-kmem status <<<"$output")" ok
	assert_equal "$(check dax-kmem summary <<<"$output")" "1 dax device in system-ram mode, 0 of 4 blocks online; only daxctl onlines them"
	# memhp's auto-online with its default owners leaves it alone
	mkdir -p "$T/usr/lib/udev/rules.d" "$T/etc/memhp"
	echo 'SUBSYSTEM=="memory", ACTION=="add", RUN+="/usr/bin/memhp online --udev %k"' \
		>"$T/usr/lib/udev/rules.d/60-memhp-auto-online.rules"
	echo enabled=yes >"$T/etc/memhp/auto-online.conf"
	run kdoctor
	assert_equal "$(check dax-kmem status <<<"$output")" ok
	printf 'enabled=yes\nowners=acpi-dimm,dax-kmem:movable\n' >"$T/etc/memhp/auto-online.conf"
	run kdoctor
	assert_equal "$(check dax-kmem status <<<"$output")" warn
	run check dax-kmem "evidence[]" <<<"$output"
	assert_line "onlined besides daxctl by: memhp's auto-online (zone movable)"
	echo enabled=yes >"$T/etc/memhp/auto-online.conf"
	echo online >"$M/auto_online_blocks"
	run kdoctor
	assert_equal "$(check dax-kmem summary <<<"$output")" "dax/kmem memory is onlined by 1 agent besides daxctl: daxctl reconfigure-device --no-online cannot keep it offline"
	run kdoctor
	run check dax-kmem "evidence[]" <<<"$output"
	assert_line "/sys/bus/dax/devices/dax0.0: dax device, driver kmem"
	assert_line "onlined besides daxctl by: the kernel (auto_online_blocks=online)"
	assert_line "dax-kmem blocks: 0 online in ZONE_MOVABLE, 0 online in other zones, 4 offline (512 MiB in all)"
}

@test "dax/kmem: dax devices without the kmem driver cannot become System RAM" {
	kinds_tree
	rm "$T/sys/devices/platform/e820_pmem/ndbus0/region0/dax0.0/driver"
	ln -s ../../../../../../bus/dax/drivers/device_dax \
		"$T/sys/devices/platform/e820_pmem/ndbus0/region0/dax0.0/driver"
	rm -rf "$T/sys/bus/dax/drivers/kmem"
	run kdoctor
	assert_equal "$(check dax-kmem status <<<"$output")" warn
	assert_equal "$(check dax-kmem summary <<<"$output")" "2 dax devices but no kmem driver: none can become System RAM"
	# kmem memory in /proc/iomem with no dax device on the bus: no such claim
	rm -rf "$T/sys/bus/dax"
	run kdoctor
	assert_equal "$(check dax-kmem status <<<"$output")" ok
	assert_equal "$(check dax-kmem summary <<<"$output")" "4 dax/kmem blocks, 0 online; only daxctl onlines them"
}
