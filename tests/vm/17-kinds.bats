#!/usr/bin/env bats
# dax/kmem (issue 17): a guest with a legacy pmem range (memmap=SIZE!START,
# nd_e820) whose namespace becomes a dax device (dax_pmem, device_dax; by
# the sysfs writes ndctl makes) and then system RAM (kmem) with Debian's
# daxctl.  memhp list must name dax-kmem and the device for exactly the
# blocks /proc/iomem puts under it, and memhp devices must show the device
# in each mode.

load vm_helper
load checks

setup_file() {
	# 512M of the guest's RAM at 1G is pmem; hot-added memory stays offline
	vm_boot -m 2G -- 'memmap=512M!1G' memhp_default_state=offline
}
teardown_file() { vm_shutdown; }
setup() { vm_require; }

ND=/sys/bus/nd/devices
DAX=/sys/bus/dax

# The namespace into devdax mode, as "ndctl create-namespace -f -e
# namespace0.0 -m devdax" does it: free the namespace from nd_pmem, give
# the region's dax seed the namespace, a uuid and where its struct pages
# go, and bind the seed to dax_pmem.
TO_DEVDAX="set -e
for m in nd_e820 nd_pmem dax_pmem device_dax kmem; do modprobe \$m; done
i=0; until [ -e $ND/namespace0.0 ]; do i=\$((i+1)); [ \$i -lt 100 ]; sleep 0.1; done
if [ -e $ND/namespace0.0/driver ]; then echo namespace0.0 >$ND/namespace0.0/driver/unbind; fi
seed=\$(cat $ND/region0/dax_seed)
cat /proc/sys/kernel/random/uuid >$ND/\$seed/uuid
echo pmem >$ND/\$seed/mode
echo namespace0.0 >$ND/\$seed/namespace
echo \$seed >/sys/bus/nd/drivers/dax_pmem/bind
i=0; until [ -e $DAX/devices/dax0.0/driver ]; do i=\$((i+1)); [ \$i -lt 100 ]; sleep 0.1; done"

# devdax into system-ram, as an administrator does it: daxctl hands it to
# kmem and, with --no-online, leaves its blocks to whoever onlines memory
TO_KMEM="daxctl reconfigure-device --mode=system-ram --no-online dax0.0"

iomem_kmem_blocks() { iomem_blocks 'System RAM (kmem)' "$1"; }

@test "legacy pmem made devdax: memhp devices shows dax0.0 in devdax mode, with no blocks" {
	guest "$TO_DEVDAX"
	assert_success
	guest memhp devices --json --kind=dax
	assert_success
	run jq -e -c --argjson size "$(guest_ok cat $DAX/devices/dax0.0/size)" '
		.dax_devices | length == 1 and
		(.[0] | .device == "dax0.0" and .mode == "devdax" and
		 .driver == "device_dax" and .dax_region == 0 and .size == $size and
		 .blocks == [] and .range.start >= 1073741824 and
		 .range.end < 1073741824 + 536870912)' <<<"$stdout"
	assert_success
}

@test "system-ram: dax-kmem:dax0.0 owns exactly the blocks /proc/iomem puts under System RAM (kmem), and memhp devices lists them" {
	local bs want
	bs=$(guest_block_size)
	guest "$TO_KMEM"
	assert_success
	run jq -e -s '.[0] | if type == "array" then .[0] else . end |
		.chardev == "dax0.0" and .mode == "system-ram"' <<<"$stdout"
	assert_success
	assert_equal "$(guest_ok readlink $DAX/devices/dax0.0/driver | sed 's|.*/||')" kmem
	want=$(iomem_kmem_blocks "$bs")
	[ -n "$want" ]
	# the dax device's range holds them: kmem adds the whole blocks in it
	guest memhp list -a -r -n -o BLOCK,STATE,OWNER
	assert_success
	assert_equal "$(awk '$3 == "dax-kmem:dax0.0" { print $1 }' <<<"$stdout")" "$want"
	assert_equal "$(awk '$3 == "dax-kmem:dax0.0" { print $2 }' <<<"$stdout" | sort -u)" offline
	guest memhp devices --json
	assert_success
	run jq -e -c --argjson want "$(jq -s -c . <<<"$want")" --argjson bs "$bs" '
		.dax_devices[] | select(.device == "dax0.0") |
		.mode == "system-ram" and .driver == "kmem" and .blocks == $want and
		.online_blocks == 0 and .state == "offline" and
		.range as $r | all(.blocks[]; . * $bs >= $r.start and
			(. + 1) * $bs - 1 <= $r.end)' <<<"$stdout"
	assert_success
	guest memhp devices --kind=dax
	assert_success
	assert_line --index 0 --regexp '^DAX +MODE +REGION +RANGE +SIZE +NODE +ONLINE +BLOCKS$'
	assert_line --index 1 --regexp '^dax0\.0 +system-ram +0 +0x[0-9a-f]+-0x[0-9a-f]+ +[0-9.]+M +0 +0B +[0-9]+-[0-9]+$'
}

@test "the auto-online rule's command, enabled with the shipped owners, leaves dax0.0's blocks to daxctl; doctor agrees" {
	local bs b
	bs=$(guest_block_size)
	# what the udev rule runs for each added block, with the shipped
	# config's owners (no dax-kmem) and enabled=yes
	guest 'mkdir -p /tmp/ao && sed "s/^enabled=.*/enabled=yes/" /etc/memhp/auto-online.conf >/tmp/ao/auto-online.conf 2>/dev/null ||
		printf "enabled=yes\nzone=movable\n" >/tmp/ao/auto-online.conf; grep -c "^enabled=yes" /tmp/ao/auto-online.conf'
	assert_output 1
	for b in $(iomem_kmem_blocks "$bs"); do
		guest memhp online --udev --config=/tmp/ao/auto-online.conf "memory$b"
		assert_success
	done
	guest memhp list -a -r -n -o BLOCK,STATE,OWNER
	assert_success
	assert_equal "$(awk '$3 == "dax-kmem:dax0.0" { print $2 }' <<<"$stdout" | sort -u)" offline
	guest memhp doctor --json
	run jq -r '.checks[] | select(.id == "dax-kmem") | "\(.status) \(.summary)"' <<<"$stdout"
	assert_output --regexp '^ok '
	assert_output --partial "only daxctl onlines them"
}

@test "online --owner=dax-kmem onlines dax0.0's blocks, and memhp devices follows" {
	local bs n
	bs=$(guest_block_size)
	n=$(iomem_kmem_blocks "$bs" | wc -l)
	guest memhp online --owner=dax-kmem --zone=movable
	assert_success
	guest memhp devices --json --kind=dax
	assert_success
	run jq -e --argjson n "$n" '.dax_devices[0] | .online_blocks == $n and .state == "online"' <<<"$stdout"
	assert_success
	guest memhp list -o +OWNER
	assert_success
	assert_output --partial "dax-kmem:dax0.0"
}

@test "without -o OWNER memhp list is still the guest's lsmem, byte for byte" {
	assert_list_equals_lsmem
}
