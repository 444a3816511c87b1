#!/usr/bin/env bats
# memhp watch against the real kernel (issue 6): the uevents of a hot-added
# DIMM, then memhp.ko's event log, as JSON lines in the order they happen.

load vm_helper
load checks

setup_file() {
	vm_boot --shared -m 1G,slots=4,maxmem=4G -- memhp_default_state=offline
}
teardown_file() { vm_shutdown; }
setup() { vm_require; }

# start "memhp watch ARGS" in the guest, writing to $1; returns when its
# uevent socket is open (it is bound before the fd shows)
watch_start() { # FILE ARGS...
	local f=$1
	shift
	guest_ok "memhp watch $* >$f 2>$f.err </dev/null & echo \$! >$f.pid
		i=0; until ls -l /proc/\$(cat $f.pid)/fd 2>/dev/null | grep -q socket:; do
			i=\$((i+1)); [ \$i -gt 100 ] && exit 1; sleep 0.1; done; sleep 0.2" >/dev/null
}

# wait (bounded) until the watcher of $1 has exited; prints its output
watch_wait() { # FILE
	guest --timeout 45 "i=0; while kill -0 \$(cat $1.pid) 2>/dev/null; do
		i=\$((i+1)); [ \$i -gt 400 ] && exit 1; sleep 0.1; done; cat $1; cat $1.err >&2"
	[ "$status" -eq 0 ] || { vm_fail "memhp watch did not finish: $output"; return 1; }
}

@test "watch: a DIMM's add uevents come before its online uevents, each in block order" {
	local bs blocks n want
	bs=$(guest_block_size)
	watch_start /tmp/ev --count 8 --timeout 30
	vm_add_dimm dimm1 512M >/dev/null || fail "could not plug dimm1"
	blocks=$(dimm_blocks dimm1 "$bs")
	n=$(wc -l <<<"$blocks")
	assert_equal "$n" 4
	guest_wait_blocks $blocks
	echo "$blocks" >"$BATS_FILE_TMPDIR/dimm1"
	guest_ok memhp online --zone=movable "$(head -n1 <<<"$blocks")-$(tail -n1 <<<"$blocks")" >/dev/null
	watch_wait /tmp/ev
	echo "$stdout" >"$BATS_FILE_TMPDIR/ev1"
	# one JSON object a line, each a memory uevent with the fields promised
	run jq -e -s 'length == 8 and all(.[]; .source == "uevent"
		and (.block | type) == "number"
		and .devpath == "/devices/system/memory/memory\(.block)"
		and (.time | type) == "number" and .time > 1500000000000000000
		and (.seqnum | type) == "number")' <<<"$stdout"
	assert_success
	# by the time the blocks go online the kernel has bound them to the
	# DIMM's ACPI device: each online line names it as the owner
	run jq -e -s '[.[] | select(.action == "online")] | length == 4 and
		all(.[]; .owner == "acpi-dimm" and (.owner_device | startswith("PNP0C80:")))' <<<"$stdout"
	assert_success
	want=$(jq -c -n --argjson b "$(jq -s -c . <<<"$blocks")" \
		'[($b[] | ["add", .]), ($b[] | ["online", .])]')
	run jq -c -s 'map([.action, .block])' <<<"$stdout"
	assert_output "$want"
	# seqnums rise with the order of the lines
	run jq -e -s 'map(.seqnum) | . == sort' <<<"$stdout"
	assert_success
}

@test "watch --timeout: nothing happens, it stops after the time and exits 0" {
	guest --timeout 30 'memhp watch --timeout 2; echo rc=$?'
	assert_output "rc=0"
}

@test "watch with memhp.ko: offlining prints its going-offline and offline events and the uevents" {
	local bs first last
	guest modprobe memhp
	[ "$status" -eq 0 ] || skip "memhp.ko is not in this guest: $output"
	guest_ok "test -c /dev/memhp" >/dev/null
	bs=$(guest_block_size)
	first=$(head -n1 "$BATS_FILE_TMPDIR/dimm1")
	last=$(tail -n1 "$BATS_FILE_TMPDIR/dimm1")
	# 4 blocks: 4 offline uevents, 4 going-offline and 4 offline records
	watch_start /tmp/ev2 --count 12 --timeout 30
	guest_ok memhp offline "$first-$last" >/dev/null
	watch_wait /tmp/ev2
	run jq -e -s 'length == 12' <<<"$stdout"
	assert_success
	# the uevents: offline, highest block first
	run jq -c -s '[.[] | select(.source == "uevent") | [.action, .block]]' <<<"$stdout"
	assert_output "$(jq -c -n --argjson f "$first" --argjson l "$last" \
		'[range($l; $f - 1; -1) | ["offline", .]]')"
	# memhp.ko: per block, going-offline then offline, with its range
	run jq -c -s --argjson bs "$bs" '[.[] | select(.source == "memhp.ko")
		| [.event, (.start / $bs), (.size / $bs), .errno, (.time | type)]]' <<<"$stdout"
	assert_output "$(jq -c -n --argjson f "$first" --argjson l "$last" \
		'[range($l; $f - 1; -1) | (["going-offline", ., 1, 0, "number"], ["offline", ., 1, 0, "number"])]')"
	guest rmmod memhp
}
