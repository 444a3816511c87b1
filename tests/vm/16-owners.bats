#!/usr/bin/env bats
# Who owns each block (issue 17), against what the kernel and QEMU built:
# one guest with boot memory, a virtio-mem device (grown from the host
# through QMP) and an ACPI DIMM.  memhp's OWNER must name virtio-mem and the
# device for exactly the blocks /proc/iomem puts under it, and memhp devices
# the plugged size /proc/iomem shows; offline and online --owner=virtio-mem
# take exactly those blocks.

load vm_helper
load checks

setup_file() {
	# virtio-mem takes its region from the device memory window (maxmem)
	vm_boot -m 1G,slots=2,maxmem=4G \
		-object memory-backend-ram,id=vmem0,size=1G \
		-device virtio-mem-pci,id=vm0,memdev=vmem0,requested-size=256M \
		-- memhp_default_state=online_movable
}
teardown_file() { vm_shutdown; }
setup() { vm_require; }

iomem_virtio_blocks() { iomem_blocks 'System RAM (virtio_mem)' "$1"; }

# Block ids memhp lists with OWNER $1, one a line, ascending.
memhp_owner_blocks() {
	guest_ok "memhp list -a -r -n -o BLOCK,OWNER" |
		awk -v o="$1" '$2 == o { print $1 }' | sort -n
}

wait_virtio_blocks() { # COUNT: until the guest has that many virtio-mem blocks
	local bs=$2 i
	for i in $(seq 1 60); do
		[ "$(iomem_virtio_blocks "$bs" | wc -l)" -ge "$1" ] && return 0
		sleep 1
	done
	vm_fail "virtio-mem did not reach $1 blocks: $(guest_out cat /proc/iomem)"
}

@test "virtio-mem: OWNER names virtio-mem and its device for exactly the blocks /proc/iomem puts under it" {
	local bs want got
	bs=$(guest_block_size)
	guest 'modprobe virtio_pci 2>/dev/null; modprobe virtio_mem 2>/dev/null; ls /sys/bus/virtio/devices'
	assert_output --partial virtio0
	wait_virtio_blocks $((256 * 1024 * 1024 / bs)) "$bs"
	want=$(iomem_virtio_blocks "$bs")
	got=$(memhp_owner_blocks virtio-mem:virtio0)
	[ -n "$want" ]
	assert_equal "$got" "$want"
	# the same in the JSON
	guest memhp list --json
	assert_success
	run jq -r '[.ranges[] | select(.owner == "virtio-mem" and .owner_device == "virtio0") | .blocks] | add' <<<"$stdout"
	assert_output "$(wc -l <<<"$want")"
}

@test "virtio-mem grown from the host through QMP: the new blocks are virtio-mem's too" {
	local bs
	bs=$(guest_block_size)
	qmp '{"execute":"qom-set","arguments":{"path":"/machine/peripheral/vm0","property":"requested-size","value":536870912}}'
	wait_virtio_blocks $((512 * 1024 * 1024 / bs)) "$bs"
	assert_equal "$(memhp_owner_blocks virtio-mem:virtio0)" "$(iomem_virtio_blocks "$bs")"
	assert_equal "$(memhp_owner_blocks virtio-mem:virtio0 | wc -l)" $((512 * 1024 * 1024 / bs))
}

# "START END" in bytes of the guest's virtio0 resource, and the bytes of
# System RAM (virtio_mem) under it, from its /proc/iomem
iomem_virtio_region() {
	guest_ok 'cat /proc/iomem' | awk '$3 == "virtio0" { print $1 }' |
		while IFS=- read -r s e; do echo "$((0x$s)) $((0x$e))"; done
}
iomem_virtio_plugged() {
	local line s e sum=0
	while read -r line; do
		s=$((0x${line%%-*})) e=${line#*-} e=$((0x${e%% *}))
		sum=$((sum + e - s + 1))
	done < <(guest_ok 'cat /proc/iomem' | grep 'System RAM (virtio_mem)')
	echo "$sum"
}

@test "devices: virtio0 with the region and plugged size /proc/iomem shows, its blocks and how much is online" {
	local bs region plugged
	bs=$(guest_block_size)
	region=$(iomem_virtio_region)
	plugged=$(iomem_virtio_plugged)
	[ -n "$region" ]
	assert_equal "$plugged" $((512 * 1024 * 1024))
	guest memhp devices --json
	assert_success
	run jq -e -c --argjson s "${region% *}" --argjson e "${region#* }" \
		--argjson p "$plugged" --argjson want "$(iomem_virtio_blocks "$bs" | jq -s -c .)" \
		--argjson bs "$bs" '.virtio_mem_devices[] | select(.device == "virtio0") |
		.driver == "virtio_mem" and .region.start == $s and .region.end == $e and
		.plugged == $p and .blocks == $want and
		.online == .online_blocks * $bs and .online_blocks == ($want | length)' <<<"$stdout"
	assert_success
	# the table says the same, in human sizes
	guest memhp devices --kind=virtio-mem
	assert_success
	assert_line --index 0 --regexp '^VIRTIO-MEM +REGION +SIZE +PLUGGED +ONLINE +NODE +BLOCKS$'
	assert_line --index 1 --regexp "^virtio0 +0x[0-9a-f]+-0x[0-9a-f]+ +1G +512M +512M +0 +[0-9]+-[0-9]+\$"
}

@test "devices: virtio0 shrunk from the host through QMP, the plugged size follows" {
	local bs i n
	bs=$(guest_block_size)
	qmp '{"execute":"qom-set","arguments":{"path":"/machine/peripheral/vm0","property":"requested-size","value":268435456}}'
	# the driver unplugs (its blocks are Movable) and removes them
	for i in $(seq 1 90); do
		n=$(iomem_virtio_blocks "$bs" | wc -l)
		[ "$n" -le $((256 * 1024 * 1024 / bs)) ] && break
		sleep 1
	done
	assert_equal "$(iomem_virtio_plugged)" $((256 * 1024 * 1024))
	guest memhp devices --json --kind=virtio-mem
	assert_success
	run jq -e -c --argjson want "$(iomem_virtio_blocks "$bs" | jq -s -c .)" '
		.virtio_mem_devices[0] | .plugged == 268435456 and .blocks == $want' <<<"$stdout"
	assert_success
	assert_equal "$(memhp_owner_blocks virtio-mem:virtio0)" "$(iomem_virtio_blocks "$bs")"
}

@test "an ACPI DIMM is acpi-dimm with its device, boot memory is boot" {
	local bs b
	bs=$(guest_block_size)
	vm_add_dimm d1 256M
	mapfile -t blocks < <(dimm_blocks d1 "$bs")
	guest_wait_blocks "${blocks[@]}"
	guest memhp list -a -r -n -o BLOCK,OWNER
	assert_success
	for b in "${blocks[@]}"; do
		assert_line --regexp "^$b acpi-dimm:PNP0C80:[0-9a-f]+\$"
	done
	assert_line "0 boot"
}

@test "without -o OWNER memhp list is still the guest's lsmem, byte for byte" {
	assert_list_equals_lsmem
	guest memhp list -o +OWNER
	assert_success
	assert_output --partial "virtio-mem:virtio0"
}

@test "doctor: the virtio-mem device on its driver, and the online policy it asks for" {
	local json
	guest memhp doctor --json
	json=$stdout
	run jq -r '.checks[] | select(.id == "virtio-mem") | .evidence[]' <<<"$json"
	assert_line "/sys/bus/virtio/devices/virtio0: virtio-mem, driver virtio_mem"
	assert_line "/sys/bus/virtio/drivers/virtio_mem: there"
	assert_line --regexp "^virtio-mem blocks: [0-9]+ online in ZONE_MOVABLE, 0 online in other zones, 0 offline"
	assert_line "onlined by: the kernel (auto_online_blocks=online_movable)"
	# Debian's default policy, contig-zones: doctor asks for auto-movable
	run jq -r '.checks[] | select(.id == "virtio-mem") | "\(.status) \(.advice)"' <<<"$json"
	assert_output --regexp '^warn memhp policy online_policy=auto-movable'
	guest_ok memhp policy online_policy=auto-movable >/dev/null
	guest memhp doctor --json
	run jq -r '.checks[] | select(.id == "virtio-mem") | "\(.status) \(.summary)"' <<<"$stdout"
	assert_output --regexp '^ok 1 virtio-mem device, [0-9]+ MiB online \([0-9]+ MiB in ZONE_MOVABLE\), onlined by the auto-movable policy$'
	# and no dax device here
	run jq -r '.checks[] | select(.id == "dax-kmem") | "\(.status) \(.summary)"' <<<"$stdout"
	assert_output "ok no dax device"
}

@test "offline --owner=virtio-mem takes exactly virtio0's blocks offline, online --owner=virtio-mem brings them back Movable" {
	local want others
	want=$(memhp_owner_blocks virtio-mem:virtio0)
	[ -n "$want" ]
	others=$(guest_ok "memhp list -a -r -n -o BLOCK,STATE,OWNER" | awk '$3 !~ /^virtio-mem/')
	guest memhp offline --owner=virtio-mem
	assert_success
	run guest_ok "memhp list -a -r -n -o BLOCK,STATE,OWNER"
	assert_equal "$(awk '$3 == "virtio-mem:virtio0" && $2 == "offline" { print $1 }' <<<"$output")" "$want"
	# nobody else's block moved
	assert_equal "$(awk '$3 !~ /^virtio-mem/' <<<"$output")" "$others"
	guest memhp online --owner=virtio-mem --zone=movable
	assert_success
	run guest_ok "memhp list -a -r -n -o BLOCK,STATE,ZONES,OWNER"
	assert_equal "$(awk '$4 == "virtio-mem:virtio0" && $2 == "online" && $3 == "Movable" { print $1 }' <<<"$output")" "$want"
}
