#!/usr/bin/env bats
# The bash completion, driven through its function with COMP_WORDS.

load /usr/lib/bats/bats-support/load
load /usr/lib/bats/bats-assert/load

setup() {
	cd "$BATS_TEST_DIRNAME/../.."
	MEMHP=${MEMHP:-build/memhp}
	PATH=$(cd "$(dirname "$MEMHP")" && pwd):$PATH
	fix=$BATS_TEST_TMPDIR/root
	mkdir -p "$fix/sys/devices/system/node/node0" "$fix/sys/devices/system/node/node3"
}

complete_line() { # words...; the last one is completed
	bash -c '
		source /usr/share/bash-completion/bash_completion
		source completions/memhp.bash
		compopt() { :; }  # only valid inside a real completion
		COMP_WORDS=("$@")
		COMP_CWORD=$(($# - 1))
		COMP_LINE="$*"
		COMP_POINT=${#COMP_LINE}
		_memhp
		printf "%s\n" "${COMPREPLY[@]}"
	' complete "$@"
}

@test "commands come from memhp --list-commands" {
	run complete_line memhp li
	[ "$output" = list ]
	run complete_line memhp ""
	[[ $output == *summary* ]]
}

@test "list options and their values" {
	run complete_line memhp list --zo
	[ "$output" = --zone ]
	run complete_line memhp list --zone Mo
	[ "$output" = Movable ]
	run complete_line memhp list --state going
	[ "$output" = going-offline ]
	run complete_line memhp list -o RANGE,NO
	[ "$output" = RANGE,NODE ]
	run complete_line memhp list --split ST
	[ "$output" = STATE ]
	run complete_line memhp list --json=l
	[ "$output" = lsmem ]
}

@test "node ids come from the sysfs root in effect" {
	run complete_line memhp --sysfs-root "$fix" list --node ""
	[ "${lines[*]}" = "0 3" ]
}

@test "policy keys and their values" {
	run complete_line memhp policy online_p
	assert_output online_policy=
	run complete_line memhp policy online_policy=auto
	assert_output online_policy=auto-movable
}

@test "online offers offline blocks, offline offers online ones" {
	mem=$fix/sys/devices/system/memory
	mkdir -p "$mem/memory3" "$mem/memory4"
	echo offline >"$mem/memory3/state"
	echo online >"$mem/memory4/state"
	run complete_line memhp --sysfs-root "$fix" online ""
	assert_output 3
	run complete_line memhp --sysfs-root "$fix" offline ""
	assert_output 4
}

@test "eject offers the ACPI memory devices that have an eject method" {
	acpi=$fix/sys/bus/acpi/devices
	mkdir -p "$acpi/PNP0C80:00" "$acpi/PNP0C80:01" "$acpi/PNP0C80:02" "$acpi/PNP0A06:00"
	: >"$acpi/PNP0C80:00/eject"
	: >"$acpi/PNP0C80:02/eject"
	: >"$acpi/PNP0A06:00/eject"
	run complete_line memhp --sysfs-root "$fix" eject ""
	assert_equal "${lines[*]}" "PNP0C80:00 PNP0C80:02"
	# past the colon, only the rest of the name is offered
	run complete_line memhp --sysfs-root "$fix" eject PNP0C80:0
	assert_equal "${lines[*]}" "00 02"
	run complete_line memhp eject --wa
	assert_output --wait
}

@test "online --udev, and --config completes a file" {
	run complete_line memhp online --ud
	assert_output --udev
	run complete_line memhp offline --ud
	assert_output ""
	touch "$BATS_TEST_TMPDIR/ao.conf"
	run complete_line memhp online --udev --config "$BATS_TEST_TMPDIR/ao."
	assert_output "$BATS_TEST_TMPDIR/ao.conf"
	run complete_line memhp online --udev "--config=$BATS_TEST_TMPDIR/ao."
	assert_output "--config=$BATS_TEST_TMPDIR/ao.conf"
}
