#!/usr/bin/env bats
# memhp devices and memhp eject on the acpi-dimms fixture (QEMU-like
# PNP0C80 devices bound to their blocks), with the fake kernel standing in
# for state_store() and the ACPI eject.

load fixture_helper
bats_require_minimum_version 1.5.0

setup_file() { fakekernel_setup_file; }

setup() {
	T=$BATS_TEST_TMPDIR/t
	cp -a "$FIXDIR/acpi-dimms" "$T"
	M=$T/sys/devices/system/memory
	A=$T/sys/bus/acpi/devices
}

# The tree's content, to show a failed command changed nothing.
tree_sum() {
	(cd "$T" && find . -path ./run -prune -o -print0 | sort -z |
		xargs -0 stat -c '%n %F %s %a' && find . -path ./run -prune -o \
		-type f ! -perm -u=r -prune -o -type f -print0 | sort -z | xargs -0 cat) | sha256sum
}

# What the fixture's files say about one device: its blocks from the
# physical_node links, their states and zones, whether it has eject.
fixture_device() { # NAME
	local d=$A/$1 l b blocks=() online=0 offline=0 unmovable=0 zones=()
	for l in "$d"/physical_node*; do
		b=$(basename "$(readlink "$l")")
		blocks+=("${b#memory}")
	done
	mapfile -t blocks < <(printf '%s\n' "${blocks[@]}" | sort -n)
	for b in "${blocks[@]}"; do
		if [ "$(cat "$M/memory$b/state")" = online ]; then
			online=$((online + 1))
			z=$(cat "$M/memory$b/valid_zones")
			zones+=("$z")
			[ "$z" = Movable ] || unmovable=$((unmovable + 1))
		else
			offline=$((offline + 1))
		fi
	done
	jq -n --arg name "$1" --argjson blocks "$(printf '%s\n' "${blocks[@]}" | jq -s .)" \
		--argjson on "$online" --argjson off "$offline" \
		--argjson zones "$(printf '%s\n' "${zones[@]}" | jq -R . | jq -s 'map(select(. != "")) | unique')" \
		--argjson eject "$([ -e "$d/eject" ] && echo true || echo false)" \
		--argjson unmov "$unmovable" --arg path "$(cat "$d/path")" \
		'{device: $name, path: $path, blocks: $blocks, online_blocks: $on,
		  offline_blocks: $off, zones: $zones, eject_method: $eject,
		  ejectable: ($eject and $unmov == 0)}'
}

@test "devices --json: every PNP0C80 device with the blocks the kernel bound to it" {
	run --separate-stderr "$MEMHP" --sysfs-root "$T" devices --json
	assert_success
	local doc=$output names want got
	names=$(cd "$A" && ls -d PNP0C80:* | sort)
	assert_equal "$(jq -r '.devices[].device' <<<"$doc")" "$names"
	for n in $names; do
		want=$(fixture_device "$n" | jq -S .)
		got=$(jq -S --arg n "$n" '.devices[] | select(.device == $n) |
			{device, path, blocks, online_blocks, offline_blocks, zones,
			 eject_method, ejectable}' <<<"$doc")
		assert_equal "$got" "$want"
	done
	# ranges and size from the block size; not the non-memory PNP0A06
	run jq -e '.acpi_hotplug == true and
		(.block_size as $bs | all(.devices[];
			.size == (.blocks | length) * $bs and
			.ranges[0].start == .blocks[0] * $bs and
			.ranges[-1].end == (.blocks[-1] + 1) * $bs - 1))' <<<"$doc"
	assert_success
}

@test "devices: the table says which devices can go now, and why not" {
	run --separate-stderr "$MEMHP" --sysfs-root "$T" devices
	assert_success
	assert_line --index 0 --regexp '^DEVICE +SLOT +RANGE +SIZE +NODE +BLOCKS +STATE +ZONES +EJECT$'
	assert_line --regexp '^PNP0C80:00 +0 +0x100000000-0x11fffffff +512M +0 +32-35 +online +Movable +yes$'
	assert_line --regexp '^PNP0C80:02 .* 40-43 +online +Normal +no$'
	assert_line --regexp '^PNP0C80:03 .* 1 +44-47 +mixed +Movable +no$'
	# why not, under the table, so that it fits 80 columns
	assert_line 'PNP0C80:02 cannot be ejected: online blocks outside ZONE_MOVABLE'
	assert_line 'PNP0C80:03 cannot be ejected: the firmware has no eject method (_EJ0)'
	[ -z "$(awk 'length($0) > 80' <<<"$output")" ]
	assert_equal "${#lines[@]}" 7
}

@test "devices: a machine without ACPI memory devices has none, and says so" {
	run --separate-stderr "$MEMHP" --sysfs-root "$FIXDIR/x86-16g" devices --json
	assert_success
	run jq -e '.devices == [] and .acpi_hotplug == null' <<<"$output"
	assert_success
	run --separate-stderr "$MEMHP" --sysfs-root "$FIXDIR/x86-16g" devices
	assert_success
	assert_output ""
	assert_equal "$stderr" "memhp: no memory devices (ACPI DIMMs, virtio-mem, dax) below $FIXDIR/x86-16g"
	run --separate-stderr "$MEMHP" --sysfs-root "$FIXDIR/x86-16g" devices --kind=acpi-dimm
	assert_success
	assert_equal "$stderr" "memhp: no ACPI memory devices (PNP0C80) below $FIXDIR/x86-16g"
	run --separate-stderr "$MEMHP" --sysfs-root "$FIXDIR/x86-16g" devices --json
	run jq -e '.virtio_mem_devices == [] and .dax_devices == []' <<<"$output"
	assert_success
}

@test "devices: links that point out of the sysfs root resolve inside it" {
	# an absolute link lands on the tree's own device, not the host's
	ln -s /sys/bus/acpi/devices/PNP0C80:00 "$A/PNP0C80:0a"
	# climbing past the root stops at it: root/etc does not exist
	ln -s ../../../../../../../../../../etc "$A/PNP0C80:0b"
	run --separate-stderr "$MEMHP" --sysfs-root "$T" devices --json
	assert_success
	run jq -c '[.devices[] | [.device, .blocks[0], .blocks[-1]]]' <<<"$output"
	assert_output '[["PNP0C80:00",32,35],["PNP0C80:01",36,39],["PNP0C80:02",40,43],["PNP0C80:03",44,47],["PNP0C80:0a",32,35]]'
}

@test "eject: a Movable DIMM goes offline, then the device and its blocks are gone" {
	run --separate-stderr fmemhp --json eject PNP0C80:00
	assert_success
	run jq -e '.action == "eject" and .device == "PNP0C80:00" and
		.blocks == [32,33,34,35] and .offline.totals.ok == 4 and
		.result == "ejected" and .put_back == [] and .exit == 0' <<<"$output"
	assert_success
	# as the kernel leaves it: unbound, _STA not present
	assert_equal "$(cat "$A/PNP0C80:00/status")" 0
	run compgen -G "$A/PNP0C80:00/physical_node*"
	assert_failure
	for b in 32 33 34 35; do [ ! -e "$M/memory$b" ]; done
	# the others are untouched
	for b in 40 41 42 43; do assert_equal "$(cat "$M/memory$b/state")" online; done
	run --separate-stderr "$MEMHP" --sysfs-root "$T" devices --json
	assert_equal "$(jq -r '[.devices[].device] | join(" ")' <<<"$output")" \
		"PNP0C80:01 PNP0C80:02 PNP0C80:03"
}

@test "eject: by ACPI path; an offline DIMM needs no offlining" {
	run fmemhp eject '\_SB_.MHPC.MP01'
	assert_success
	assert_output 'memhp: ejected PNP0C80:01 (\_SB_.MHPC.MP01) (blocks 36-39)'
	assert_equal "$(cat "$A/PNP0C80:01/status")" 0
	[ ! -e "$M/memory36" ]
	# ejected already: not there for a second eject
	run fmemhp eject PNP0C80:01
	assert_failure 2
}

@test "eject: one block that cannot go offline leaves the DIMM in place, all online" {
	echo "offline 16 -1" >"$M/memory33/fake-kernel"
	run fmemhp eject --timeout 1 PNP0C80:00
	assert_failure 1
	assert_line "memhp: eject PNP0C80:00: blocks 32-35 could not all be taken offline; nothing ejected"
	[ -e "$A/PNP0C80:00" ]
	for b in 32 33 34 35; do
		assert_equal "$(cat "$M/memory$b/state")" online
		assert_equal "$(cat "$M/memory$b/valid_zones")" Movable
	done
}

@test "eject: the firmware ignoring the request puts the blocks back into Movable" {
	echo "eject-ignore yes" >"$A/PNP0C80:00/fake-kernel"
	run --separate-stderr fmemhp --json eject --wait 1 PNP0C80:00
	assert_failure 1
	run jq -e '.result == "timeout" and .offline.totals.ok == 4 and
		.put_back[0].totals.ok == 4 and .exit == 1' <<<"$output"
	assert_success
	assert_equal "$(grep -c 'still there after 1 s' <<<"$stderr")" 1
	for b in 32 33 34 35; do
		assert_equal "$(cat "$M/memory$b/state")" online
		assert_equal "$(cat "$M/memory$b/valid_zones")" Movable
	done
}

@test "eject: the kernel refusing the write puts the blocks back" {
	echo "eject 19" >"$A/PNP0C80:00/fake-kernel"
	run fmemhp eject PNP0C80:00
	assert_failure 1
	assert_line "memhp: eject PNP0C80:00: No such device (no ACPI hotplug handler or driver bound to it)"
	for b in 32 33 34 35; do assert_equal "$(cat "$M/memory$b/state")" online; done
}

@test "eject: refused up front, with the tree unchanged" {
	local before
	before=$(tree_sum)
	run fmemhp eject PNP0C80:03
	assert_failure 1
	assert_output "memhp: eject PNP0C80:03: the firmware has no eject method (_EJ0) for it; it cannot be unplugged from the guest"
	echo 0 >"$T/sys/firmware/acpi/hotplug/memory/enabled"
	before=$(tree_sum)
	run fmemhp eject PNP0C80:00
	assert_failure 1
	assert_output --partial "ACPI memory hotplug is disabled"
	assert_equal "$(tree_sum)" "$before"
}

@test "eject: usage errors are exit 2 and touch nothing" {
	local before
	before=$(tree_sum)
	run fmemhp eject
	assert_failure 2
	assert_line --index 0 --partial "which device?"
	run fmemhp eject PNP0C80:00 PNP0C80:01
	assert_failure 2
	run fmemhp eject --wait 0 PNP0C80:00
	assert_failure 2
	run fmemhp eject PNP0C80:77
	assert_failure 2
	assert_output "memhp: eject: no ACPI memory device 'PNP0C80:77' (memhp devices lists them)"
	run fmemhp eject ../PNP0C80:00
	assert_failure 2
	assert_equal "$(tree_sum)" "$before"
}

# --- every kind: the owners fixture (an ACPI DIMM, virtio0 a virtio-mem
# device beside a virtio block device, dax0.0 in system-ram mode, dax1.0
# in devdax mode), its /proc/iomem as root reads it

@test "devices: one table a kind, each naming its kind, within 80 columns" {
	run --separate-stderr "$MEMHP" --sysfs-root "$FIXDIR/owners" devices --kind=virtio-mem --kind=dax
	assert_success
	assert_output "VIRTIO-MEM REGION                  SIZE PLUGGED ONLINE NODE BLOCKS
virtio0    0x128000000-0x147ffffff 512M    256M   256M    0 37-38

DAX    MODE       REGION RANGE                   SIZE NODE ONLINE BLOCKS
dax0.0 system-ram      0 0x150000000-0x16fffffff 512M    0     0B 42-45
dax1.0 devdax          1 0x200000000-0x20fffffff 256M    1      - -"
	local l
	for l in "${lines[@]}"; do [ "${#l}" -le 80 ]; done
	# every kind: the ACPI table first, as it always was
	run --separate-stderr "$MEMHP" --sysfs-root "$FIXDIR/owners" devices
	assert_success
	assert_line --index 0 --regexp '^DEVICE +SLOT +RANGE +SIZE +NODE +BLOCKS +STATE +ZONES +EJECT$'
	assert_line --index 1 --regexp '^PNP0C80:00 +0 .* 32-35 +online +Movable +yes$'
	# ($lines leaves out the blank line between tables)
	assert_line --index 2 --regexp '^VIRTIO-MEM '
	assert_line --index 4 --regexp '^DAX '
	assert_equal "${#lines[@]}" 7
	[[ $output == *$' yes\n\nVIRTIO-MEM '*$' 37-38\n\nDAX '* ]]
	refute_output --partial virtio1
}

@test "devices --json: virtio-mem's region and plugged size are what /proc/iomem says, its blocks those inside the region" {
	local F=$FIXDIR/owners bs
	run --separate-stderr "$MEMHP" --sysfs-root "$F" devices --json --kind=virtio-mem
	assert_success
	local doc=$output
	bs=$((0x$(cat "$F/sys/devices/system/memory/block_size_bytes")))
	# the fixture's iomem: virtio0 and the System RAM (virtio_mem) under it
	local region plugged blocks
	local line a start end
	while IFS= read -r line; do
		a=${line%% : *} a=${a##* }
		start=$((0x${a%-*})) end=$((0x${a#*-}))
		case $line in
		*" : virtio0") region="$start $end" ;;
		"  "*" : System RAM (virtio_mem)") plugged=$((${plugged:-0} + end - start + 1)) ;;
		esac
	done <"$F/proc/iomem"
	blocks=$(for d in "$F"/sys/devices/system/memory/memory*; do
		b=${d##*memory}; a=$((b * bs))
		[ "$a" -ge "${region% *}" ] && [ $((a + bs - 1)) -le "${region#* }" ] && echo "$b"
	done | sort -n | jq -s -c .)
	run jq -e -c --argjson s "${region% *}" --argjson e "${region#* }" \
		--argjson p "$plugged" --argjson b "$blocks" --argjson bs "$bs" '
		(keys | sort) == ["block_size", "schema", "virtio_mem_devices"] and
		(.virtio_mem_devices | length) == 1 and
		(.virtio_mem_devices[0] | .device == "virtio0" and
		 .driver == "virtio_mem" and .region.start == $s and
		 .region.end == $e and .region.size == $e - $s + 1 and
		 .plugged == $p and .blocks == $b and .node == 0 and
		 .online == .online_blocks * $bs and .online_blocks == 2 and
		 .offline_blocks == 0 and .state == "online")' <<<"$doc"
	assert_success
	[ "$plugged" = $((256 << 20)) ]
}

@test "devices --json: a dax device's mode is its driver; in system-ram mode its blocks are those kmem added in its range" {
	local F=$FIXDIR/owners D=$FIXDIR/owners/sys/bus/dax/devices
	run --separate-stderr "$MEMHP" --sysfs-root "$F" devices --json --kind=dax
	assert_success
	local doc=$output
	run jq -e -c --argjson s "$(($(cat "$D/dax0.0/resource")))" \
		--argjson z "$(cat "$D/dax0.0/size")" '
		(keys | sort) == ["block_size", "dax_devices", "schema"] and
		[.dax_devices[].device] == ["dax0.0", "dax1.0"] and
		(.dax_devices[0] | .mode == "system-ram" and .driver == "kmem" and
		 .dax_region == 0 and .target_node == 0 and .size == $z and
		 .range.start == $s and .range.end == $s + $z - 1 and
		 .blocks == [42, 43, 44, 45] and .online_blocks == 0 and
		 .state == "offline") and
		(.dax_devices[1] | .mode == "devdax" and .driver == "device_dax" and
		 .dax_region == 1 and .target_node == 1 and .blocks == [] and
		 .state == "none")' <<<"$doc"
	assert_success
	# what memhp list calls dax-kmem:dax0.0 is what devices lists for it
	run "$MEMHP" --sysfs-root "$F" list -a -r -n -o BLOCK,OWNER
	assert_success
	assert_equal "$(awk '$2 == "dax-kmem:dax0.0" { print $1 }' <<<"$output" | jq -s -c .)" "[42,43,44,45]"
}

@test "devices: unbound dax and virtio-mem devices, and a tree without /proc/iomem addresses" {
	cp -a "$FIXDIR/owners" "$T.o"
	local O=$T.o
	rm "$O/sys/bus/dax/devices/dax0.0/driver" "$O/sys/bus/virtio/devices/virtio0/driver"
	# what a user other than root reads: every address 0
	sed -E 's/^( *)[0-9a-f]+-[0-9a-f]+ :/\100000000-00000000 :/' "$FIXDIR/owners/proc/iomem" >"$O/proc/iomem"
	run --separate-stderr "$MEMHP" --sysfs-root "$O" devices --kind=virtio-mem --kind=dax
	assert_success
	assert_output "VIRTIO-MEM REGION SIZE PLUGGED ONLINE NODE BLOCKS
virtio0    -         -       -      -    - -

DAX    MODE    REGION RANGE                   SIZE NODE ONLINE BLOCKS
dax0.0 unbound      0 0x150000000-0x16fffffff 512M    0      - -
dax1.0 devdax       1 0x200000000-0x20fffffff 256M    1      - -"
	run --separate-stderr "$MEMHP" --sysfs-root "$O" devices --json --kind=virtio-mem
	run jq -e '.virtio_mem_devices[0] | .driver == null and .region == null and
		.plugged == null and .online == null and .blocks == []' <<<"$output"
	assert_success
}

@test "devices --kind: a kind memhp does not know is a usage error" {
	run --separate-stderr "$MEMHP" --sysfs-root "$FIXDIR/owners" devices --kind=dimm
	assert_failure 2
	assert_output ""
	[[ $stderr == *"invalid kind 'dimm' (acpi-dimm, virtio-mem, dax)"* ]]
}
