#!/usr/bin/env bats
# The zsh and fish completions, each driven through its own shell: zsh's
# completion system in a pseudo-terminal (complete.zsh) and fish's
# `complete -C`.  Every test runs for both shells.

load /usr/lib/bats/bats-support/load
load /usr/lib/bats/bats-assert/load

setup() {
	cd "$BATS_TEST_DIRNAME/../.."
	MEMHP=${MEMHP:-build/memhp}
	PATH=$(cd "$(dirname "$MEMHP")" && pwd):$PATH
	export LC_ALL=C  # the order the candidates are compared in
	fix=$BATS_TEST_TMPDIR/root
	mkdir -p "$fix/sys/devices/system/node/node0" "$fix/sys/devices/system/node/node3"
	mem=$fix/sys/devices/system/memory
	mkdir -p "$mem/memory3" "$mem/memory4" "$mem/memory12"
	echo offline >"$mem/memory3/state"
	echo online >"$mem/memory4/state"
	echo offline >"$mem/memory12/state"
	acpi=$fix/sys/bus/acpi/devices
	mkdir -p "$acpi/PNP0C80:00" "$acpi/PNP0C80:01" "$acpi/PNP0A06:00"
	: >"$acpi/PNP0C80:01/eject"
	: >"$acpi/PNP0A06:00/eject"
}

zsh_complete() { tests/cli/complete.zsh completions "$*"; }
fish_complete() {
	fish --no-config -c 'source completions/memhp.fish; complete -C $argv[1]' "$*" |
		cut -f1 | sort -u
}
# complete SHELL WORDS...: the candidates for the last word, sorted, one a line
complete_with() {
	local sh=$1
	shift
	"${sh}_complete" "$@"
}

# The long options a --help text lists (in its option column).
long_options() {
	"$MEMHP" "$@" --help | sed -nE 's/^ {2,6}(-.*)$/\1/p' | sed -E 's/   +.*//' |
		grep -oE -- '--[a-z][a-z-]*' | sort -u
}

for_shells() { # test body function
	local sh
	for sh in zsh fish; do
		"$1" "$sh"
	done
}

check_commands() {
	run complete_with "$1" memhp ""
	assert_success
	assert_equal "$output" "$("$MEMHP" --list-commands | sort)"
	run complete_with "$1" memhp onl
	assert_output online
}
@test "commands come from memhp itself" { for_shells check_commands; }

check_options() {
	local sh=$1 cmd opt offered
	for cmd in $("$MEMHP" --list-commands); do
		offered=$(complete_with "$sh" memhp "$cmd" --)
		for opt in $(long_options "$cmd"); do
			grep -qxE -- "$opt=?" <<<"$offered" ||
				{ echo "$sh: memhp $cmd does not offer $opt"; echo "$offered"; false; }
		done
	done
	offered=$(complete_with "$sh" memhp --)
	for opt in $(long_options); do
		grep -qxE -- "$opt=?" <<<"$offered" ||
			{ echo "$sh: memhp does not offer $opt"; false; }
	done
}
@test "every option of every command is offered" { for_shells check_options; }

check_values() {
	local sh=$1
	run complete_with "$sh" memhp list --zone Mo
	assert_output Movable
	run complete_with "$sh" memhp list --state going
	assert_output going-offline
	# online takes the kernel's online types too; offline only zone names
	run complete_with "$sh" memhp online --zone ""
	assert_equal "${lines[*]}" "DMA DMA32 Movable Normal auto kernel movable normal"
	run complete_with "$sh" memhp offline --zone ""
	refute_line auto
	assert_line Movable
	run complete_with "$sh" memhp summary --format pro
	assert_output prometheus
	run complete_with "$sh" memhp list --output=RANGE,NO
	assert_output --output=RANGE,NODE
	run complete_with "$sh" memhp policy online_policy=auto
	assert_output online_policy=auto-movable
}
@test "zones, states, formats, columns and policy values" { for_shells check_values; }

check_tree() {
	local sh=$1
	run complete_with "$sh" memhp --sysfs-root "$fix" online ""
	assert_equal "${lines[*]}" "12 3"
	run complete_with "$sh" memhp --sysfs-root "$fix" offline ""
	assert_output 4
	run complete_with "$sh" memhp "--sysfs-root=$fix" list --node ""
	assert_equal "${lines[*]}" "0 3"
	run complete_with "$sh" memhp --sysfs-root "$fix" eject ""
	assert_output PNP0C80:01
	# MEMHP_SYSFS_ROOT is the root when the line names none
	MEMHP_SYSFS_ROOT=$fix run complete_with "$sh" memhp offline ""
	assert_output 4
}
@test "block ids, nodes and ACPI devices come from the sysfs root in effect" {
	for_shells check_tree
}

check_files() {
	local sh=$1
	touch "$BATS_TEST_TMPDIR/ao.conf"
	run complete_with "$sh" memhp online --udev --config "$BATS_TEST_TMPDIR/ao."
	assert_output "$BATS_TEST_TMPDIR/ao.conf"
	run complete_with "$sh" memhp offline --ud
	assert_output ""
}
@test "--config completes files, and only online has --udev" { for_shells check_files; }
