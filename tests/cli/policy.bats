#!/usr/bin/env bats
# memhp policy on fixture trees: show, set with validation, put back on
# failure, and find the other agents that online memory.

load fixture_helper
bats_require_minimum_version 1.5.0

setup_file() { fixtures_setup_file; }

setup() { policy_tree_setup; }

@test "shows every knob as the tree has it, typed in JSON" {
	run --separate-stderr "$MEMHP" --sysfs-root "$T" --json policy
	assert_success
	run jq -c '.policy' <<<"$output"
	assert_output "{\"auto_online_blocks\":\"$(cat "$A")\",\"online_policy\":\"$(cat "$P/online_policy")\",\"auto_movable_ratio\":$(cat "$P/auto_movable_ratio"),\"auto_movable_numa_aware\":false,\"memmap_on_memory\":true}"
	run "$MEMHP" --sysfs-root "$T" policy online_policy
	assert_output "online_policy              $(cat "$P/online_policy")"
}

@test "sets several knobs at once, each written as the kernel takes it" {
	run --separate-stderr "$MEMHP" --sysfs-root "$T" --json policy \
		auto_online_blocks=offline auto_movable_ratio=250 auto_movable_numa_aware=yes
	assert_success
	assert_equal "$(cat "$A")" offline
	assert_equal "$(cat "$P/auto_movable_ratio")" 250
	assert_equal "$(cat "$P/auto_movable_numa_aware")" Y
	run jq -c '[.changed[] | .key]' <<<"$output"
	assert_output '["auto_online_blocks","auto_movable_ratio","auto_movable_numa_aware"]'
}

@test "changed: from and to as the kernel prints them, whatever spelling was given" {
	echo N >"$P/auto_movable_numa_aware"
	ratio=$(cat "$P/auto_movable_ratio")
	run --separate-stderr "$MEMHP" --sysfs-root "$T" --json policy \
		auto_movable_numa_aware=yes auto_movable_ratio=250
	assert_success
	assert_equal "$(cat "$P/auto_movable_numa_aware")" Y
	run jq -c '.changed' <<<"$output"
	assert_output "[{\"key\":\"auto_movable_numa_aware\",\"from\":\"N\",\"to\":\"Y\"},{\"key\":\"auto_movable_ratio\",\"from\":\"$ratio\",\"to\":\"250\"}]"
}

@test "an invalid value anywhere: exit 2, nothing written" {
	before=$(cat "$A" "$P"/*)
	for args in "auto_online_blocks=offline online_policy=sideways" \
		    "auto_movable_ratio=-1" "auto_movable_ratio=many" \
		    "auto_online_blocks=online_movable auto_movable_numa_aware=perhaps" \
		    "memmap_on_memory=N" "no_such_knob=1" "no_such_knob"; do
		run "$MEMHP" --sysfs-root "$T" policy $args
		[ "$status" -eq 2 ] || { echo "'$args' exited $status"; false; }
	done
	assert_equal "$(cat "$A" "$P"/*)" "$before"
}

@test "a write that fails puts the knobs already set back" {
	echo online >"$A"
	echo 100 >"$P/auto_movable_ratio"
	echo auto-movable >"$P/online_policy"
	chattr +i "$P/online_policy"	# readable, but a write to it fails
	run "$MEMHP" --sysfs-root "$T" policy auto_online_blocks=offline \
		auto_movable_ratio=250 online_policy=contig-zones
	chattr -i "$P/online_policy"
	assert_failure 1
	assert_output --partial "cannot set online_policy"
	assert_equal "$(cat "$A")" online
	assert_equal "$(cat "$P/auto_movable_ratio")" 100
	assert_equal "$(cat "$P/online_policy")" auto-movable
}

@test "names the other onliners: the kernel's auto-online and udev rules" {
	mkdir -p "$T/etc/udev/rules.d" "$T/usr/lib/udev/rules.d"
	cat >"$T/etc/udev/rules.d/40-redhat.rules" <<-'EOF'
	# Memory hotadd request
	SUBSYSTEM!="memory", GOTO="memory_hotplug_end"
	ACTION!="add", GOTO="memory_hotplug_end"
	ATTR{state}=="offline", ATTR{state}="online"
	LABEL="memory_hotplug_end"
	EOF
	cat >"$T/usr/lib/udev/rules.d/70-memory.rules" <<-'EOF'
	ACTION=="remove", GOTO="memory_end"
	SUBSYSTEM!="dmi", GOTO="memory_end"
	IMPORT{program}="dmi_memory_id"
	LABEL="memory_end"
	EOF
	run --separate-stderr "$MEMHP" --sysfs-root "$T" --json policy
	assert_success
	run jq -c '[.agents[] | [.kind, .file, .line]]' <<<"$output"
	assert_output '[["kernel",null,null],["udev","/etc/udev/rules.d/40-redhat.rules",4]]'
	run "$MEMHP" --sysfs-root "$T" policy
	assert_output --partial "kernel: auto_online_blocks=online_movable onlines it"
	assert_output --partial '/etc/udev/rules.d/40-redhat.rules:4: ATTR{state}=="offline", ATTR{state}="online"'
}

@test "udev's precedence: a rule masked by /dev/null or overridden in /etc is not an onliner" {
	mkdir -p "$T/etc/udev/rules.d" "$T/lib/udev/rules.d" "$T/usr/lib/udev/rules.d"
	echo offline >"$A"
	rule='SUBSYSTEM=="memory", ACTION=="add", ATTR{state}=="offline", ATTR{state}="online"'
	echo "$rule" >"$T/lib/udev/rules.d/40-hotplug.rules"
	echo "$rule" >"$T/usr/lib/udev/rules.d/41-vendor.rules"
	run --separate-stderr "$MEMHP" --sysfs-root "$T" --json policy
	run jq -c '[.agents[] | .file]' <<<"$output"
	assert_output '["/lib/udev/rules.d/40-hotplug.rules","/usr/lib/udev/rules.d/41-vendor.rules"]'
	# masked as udev masks: a link to /dev/null of the same name in /etc
	ln -s /dev/null "$T/etc/udev/rules.d/40-hotplug.rules"
	# overridden: a file of the same name in /run that onlines nothing
	mkdir -p "$T/run/udev/rules.d"
	echo 'SUBSYSTEM=="memory", ACTION=="add", TAG+="seen"' >"$T/run/udev/rules.d/41-vendor.rules"
	run --separate-stderr "$MEMHP" --sysfs-root "$T" --json policy
	assert_success
	run jq -c '.agents' <<<"$output"
	assert_output '[]'
	run "$MEMHP" --sysfs-root "$T" policy
	refute_output --partial 'rules.d'
	run --separate-stderr "$MEMHP" --sysfs-root "$T" --json doctor
	run jq -r '.checks[] | select(.id == "other-onliners") | .status + " " + (.evidence | length | tostring)' <<<"$output"
	assert_output 'ok 0'
	# the mask gone, the packaged rule counts again
	rm "$T/etc/udev/rules.d/40-hotplug.rules"
	run --separate-stderr "$MEMHP" --sysfs-root "$T" --json policy
	run jq -c '[.agents[] | .file]' <<<"$output"
	assert_output '["/lib/udev/rules.d/40-hotplug.rules"]'
}
