#!/usr/bin/env bats
# At a terminal: colour for ok/warn/fail (--color, NO_COLOR, TERM=dumb)
# and doctor's findings wrapped between words to the terminal's width.
# script(1) gives memhp a pseudo-terminal.

load fixture_helper
bats_require_minimum_version 1.5.0

setup_file() { fixtures_setup_file; }

setup() {
	# a tree whose doctor has ok, warn and fail lines: without the ACPI
	# memory hotplug driver
	F=$BATS_TEST_TMPDIR/t
	cp -a "$FIXDIR/acpi-dimms" "$F"
	mkdir -p "$F/proc/sys/kernel" "$F/boot"
	echo 6.1.0-56-amd64 >"$F/proc/sys/kernel/osrelease"
	printf 'CONFIG_MEMORY_HOTPLUG=y\nCONFIG_MEMORY_HOTREMOVE=y\n# CONFIG_ACPI_HOTPLUG_MEMORY is not set\n' >"$F/boot/config-6.1.0-56-amd64"
	ESC=$'\e'
}

# memhp ARGS at a terminal COLUMNS wide, ENV... first (NAME=VALUE words);
# the output without the pty's carriage returns
at_terminal() { # columns, [NAME=VALUE...] -- memhp args...
	local cols=$1 envs=()
	shift
	while [ "$1" != -- ]; do envs+=("$1"); shift; done
	shift
	env COLUMNS="$cols" TERM=xterm "${envs[@]}" script -qec "$(printf '%q ' "$MEMHP" "$@")" /dev/null |
		tr -d '\r'
}

@test "--color=always colours ok green, warn yellow, fail red; never and a pipe do not" {
	run "$MEMHP" --sysfs-root "$F" --color=always doctor
	assert_output --regexp "${ESC}\[32mok"
	assert_output --regexp "${ESC}\[1;33mwarn"
	assert_output --regexp "${ESC}\[31mfail"
	run "$MEMHP" --sysfs-root "$F" --color doctor
	assert_output --regexp "${ESC}\[31mfail"
	for args in "--color=never" "--color=auto" ""; do
		run "$MEMHP" --sysfs-root "$F" $args doctor
		refute_output --partial "$ESC"
	done
	# JSON never
	run "$MEMHP" --sysfs-root "$F" --color=always --json doctor
	refute_output --partial "$ESC"
}

@test "auto: colour at a terminal, none with NO_COLOR set or TERM=dumb; always beats NO_COLOR" {
	run at_terminal 200 -- --sysfs-root "$F" doctor
	assert_output --regexp "${ESC}\[31mfail"
	run at_terminal 200 NO_COLOR=1 -- --sysfs-root "$F" doctor
	refute_output --partial "$ESC"
	# an empty NO_COLOR is not set (no-color.org)
	run at_terminal 200 NO_COLOR= -- --sysfs-root "$F" doctor
	assert_output --regexp "${ESC}\[31mfail"
	run at_terminal 200 TERM=dumb -- --sysfs-root "$F" doctor
	refute_output --partial "$ESC"
	run at_terminal 200 NO_COLOR=1 -- --sysfs-root "$F" --color=always doctor
	assert_output --regexp "${ESC}\[31mfail"
}

@test "--color takes auto, always or never only" {
	run "$MEMHP" --sysfs-root "$F" --color=sometimes doctor
	assert_failure 2
	assert_output --partial "is not auto, always or never"
}

@test "doctor at a 64-column terminal: every line fits, no word is cut, nothing is lost" {
	local long
	run at_terminal 64 -- --sysfs-root "$F" --color=never doctor -v
	assert_success
	# wider only where one word alone is longer than the room left
	long=$(awk 'length($0) > 64 && $0 ~ /^ *[^ ]+ +[^ ]/' <<<"$output")
	[ -z "$long" ] || { echo "wider than 64: $long"; false; }
	# the same words in the same order as the unwrapped text of a pipe
	diff <("$MEMHP" --sysfs-root "$F" doctor -v | tr -s ' \n' '\n\n') \
		<(tr -s ' \n' '\n\n' <<<"$output")
	# and a pipe is not wrapped at all: a finding stays one line
	run "$MEMHP" --sysfs-root "$F" doctor -v
	[ -n "$(awk 'length($0) > 64' <<<"$output")" ]
}

@test "a wrapped finding's later lines start under its text, advice under the words after do:" {
	run at_terminal 64 -- --sysfs-root "$F" --color=never doctor -v
	# STATUS and CHECK before FINDING: the column where findings start
	col=$(head -n1 <<<"$output" | awk '{ print index($0, "FINDING") - 1 }')
	# every line is either a new check (a status word first) or starts
	# with at least that many spaces
	while IFS= read -r line; do
		case $line in ok\ * | warn\ * | fail\ * | STATUS\ *) continue ;; esac
		[[ "$line" =~ ^\ {$col} ]] || { echo "not under FINDING: '$line'"; false; }
	done <<<"$output"
	# an advice's later lines start under the word after "do: ": each line
	# indented col+6 follows a "do:" line or another such line, and there
	# is at least one at this width
	awk -v c="$col" '
		{ match($0, /^ */); ind = RLENGTH }
		ind == c + 6 { if (!(prev ~ /^ *do: / || pind == c + 6)) bad = 1; n++ }
		{ prev = $0; pind = ind }
		END { exit bad || !n }' <<<"$output"
}
