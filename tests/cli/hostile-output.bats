#!/usr/bin/env bats
# Output on hostile trees (memhp-json(7), OUTPUT ENCODING): values below the
# root that carry invalid UTF-8 and control bytes (ESC, BEL, CSI, a
# newline) in sysfs attributes, an ACPI path, a udev rule and its file
# name, /proc/cmdline and memhp.ko's event log.  Every --json document
# must pass a strict parser, the Prometheus text must be UTF-8 in the
# exposition format's line shapes, and tables and messages must show
# control bytes escaped, never raw.  Also: numbers with a leading zero,
# chmem's bare numbers, and selectors of many spans.

load fixture_helper
bats_require_minimum_version 1.5.0

setup_file() { fakekernel_setup_file; }

# A copy of acpi-dimms with hostile bytes wherever text comes from.
hostile_tree() {
	T=$BATS_TEST_TMPDIR/tree
	cp -a "$FIXDIR/acpi-dimms" "$T"
	local m=$T/sys/devices/system/memory
	local a=$T/sys/devices/LNXSYSTM:00/LNXSYBUS:00/PNP0A06:00/PNP0C80:00
	printf 'online\x1b[31m\xff\n' >"$m/memory1/state"
	printf 'Normal \xc3\x28Movable\x07\n' >"$m/memory2/valid_zones"
	printf 'online\x9b\xfe\x07\n' >"$m/auto_online_blocks"
	printf 'auto-movable\x1b]0;x\x07\xc0\xaf\n' \
		>"$T/sys/module/memory_hotplug/parameters/online_policy"
	printf '\\_SB_.PCI0.\xff\x1b[2J"q\\\n' >"$a/path"
	printf 'u\xe2\x82\n' >"$a/uid"
	mkdir -p "$T/etc/udev/rules.d" "$T/proc"
	printf 'SUBSYSTEM=="memory", ACTION=="add", ATTR{state}="online" # \xff\x1b[5m\x07\n' \
		>"$T/etc/udev/rules.d/$(printf '40-hot\xff\x1b[1m.rules')"
	printf 'BOOT_IMAGE=/vmlinuz memhp_default_state=online \xff\x1b[1m\x07x\n' \
		>"$T/proc/cmdline"
}

# A copy of module-loaded whose event log (dev/memhp, a plain file standing
# for the device, as in watch.bats) holds hostile records.
hostile_module_tree() {
	T=$BATS_TEST_TMPDIR/tree
	cp -a "$FIXDIR/module-loaded" "$T"
	mkdir -p "$T/dev"
	printf '4611686018427387904 add\xff\x1b[2J 0x100000000 0x8000000 0 0\n' >"$T/dev/memhp"
	printf '4611686018427387905 r\xc3move 0x100000000 0x8000000 0 0\n' >>"$T/dev/memhp"
}

# stdin: one JSON document (or, with "lines", one per line), parsed from
# strictly decoded UTF-8
strict_json() {
	python3 -c '
import json, sys
text = sys.stdin.buffer.read().decode("utf-8", "strict")
if sys.argv[1:] == ["lines"]:
    docs = [json.loads(l) for l in text.splitlines()]
    assert docs, "no lines"
else:
    json.loads(text)
' "$@"
}

# stdin: text for a terminal: UTF-8 with no C0 control (but newline and
# tab), DEL or C1 control in it
no_raw_controls() {
	python3 -c '
import re, sys
data = sys.stdin.buffer.read()
data.decode("utf-8", "strict")
bad = re.findall(rb"[\x00-\x08\x0b-\x1f\x7f]|\xc2[\x80-\x9f]", data)
assert not bad, bad
'
}

# fmemhp (fixture_helper) bounded in time
tfmemhp() {
	timeout 20 env LD_PRELOAD="$FAKEKERNEL" MEMHP_FAKE_ROOT="$T" \
		ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 \
		"$MEMHP" --sysfs-root "$T" "$@"
}

# memhp's output (stdout and stderr apart) for ARGS on the tree $T
hrun() {
	run --separate-stderr timeout 20 "$MEMHP" --sysfs-root "$T" "$@"
	[ "$status" -ne 124 ] || { echo "timed out: $*"; false; }
}

@test "every --json document is valid UTF-8 JSON on a hostile tree" {
	hostile_tree
	local args
	while IFS= read -r args; do
		# shellcheck disable=SC2086
		hrun $args
		[ -n "$output" ] || { echo "no output: $args ($stderr)"; false; }
		strict_json <<<"$output" || { echo "bad JSON: $args"; false; }
	done <<-'EOF'
		list --json
		list --json -a
		summary --json
		policy --json
		doctor --json
		devices --json
		online --dry-run --json 2-3
		offline --dry-run --json 32-35
		offline --dry-run --json 128M
	EOF
	# the values are there, with U+FFFD for what was not UTF-8
	hrun devices --json
	run jq -r '.devices[] | select(.device == "PNP0C80:00") | .path' <<<"$output"
	assert_output "$(printf '\\_SB_.PCI0.\xef\xbf\xbd\x1b[2J"q\\')"
	hrun policy --json
	run jq -r '.policy.auto_online_blocks' <<<"$output"
	assert_output "$(printf 'online\xef\xbf\xbd\xef\xbf\xbd\x07')"
}

@test "watch's JSON lines are valid UTF-8 JSON with memhp.ko's hostile records" {
	hostile_module_tree
	hrun watch --count 2 --timeout 10
	assert_success
	assert_equal "${#lines[@]}" 2
	strict_json lines <<<"$output"
	run jq -r -s '.[1].event' <<<"$output"
	assert_output "$(printf 'r\xef\xbf\xbdmove')"
}

@test "the Prometheus text is UTF-8 in the exposition format on a hostile tree" {
	hostile_tree
	hrun summary --format=prometheus
	assert_success
	python3 -c '
import re, sys
text = sys.stdin.buffer.read().decode("utf-8", "strict")
label = r"[a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\n]|\\[\\\"n])*\""
sample = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*(\{(" + label + r")(," + label + r")*\})? -?[0-9]+(\.[0-9]+)?$")
comment = re.compile(r"^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .*$")
for line in text.splitlines():
    assert sample.match(line) or comment.match(line), repr(line)
assert "memhp_policy_info{" in text
' <<<"$output"
	if python3 -c 'import prometheus_client' 2>/dev/null; then
		python3 -c '
import sys
from prometheus_client.parser import text_string_to_metric_families
text = sys.stdin.buffer.read().decode("utf-8", "strict")
info = [s for f in text_string_to_metric_families(text) for s in f.samples
        if s.name == "memhp_policy_info"]
assert info[0].labels["auto_online_blocks"] == "online\ufffd\ufffd\x07", info
' <<<"$output"
	fi
}

@test "tables and messages show control bytes escaped on a hostile tree" {
	hostile_tree
	local args
	while IFS= read -r args; do
		# shellcheck disable=SC2086
		hrun $args
		{ printf '%s\n' "$output"; printf '%s\n' "$stderr"; } | no_raw_controls ||
			{ echo "raw control bytes: $args"; false; }
	done <<-'EOF'
		list
		list -a -o BLOCK,STATE,ZONES,NODE
		summary
		policy
		doctor
		doctor -v
		devices
		online --dry-run 2-3
		offline --dry-run 32-35
		online --dry-run 1
	EOF
	hrun summary
	assert_line --regexp '^auto_online_blocks: +online\\x9b\\xfe\\x07$'
	hrun policy
	assert_line --partial 'online_policy              auto-movable\x1b]0;x\x07\xc0\xaf'
	assert_output --partial '# \xff\x1b[5m\x07'
}

@test "a selector's own control bytes come back escaped in its error" {
	hostile_tree
	hrun online "$(printf '8\x1b[2J')"
	assert_failure 2
	assert_equal "${#stderr_lines[@]}" 1
	[[ $stderr == *"'8\\x1b[2J' is not a block id"* ]]
}

@test "probe and remove refuse a leading zero: never octal, one line" {
	local f n
	T=$BATS_TEST_TMPDIR/tree
	cp -a "$FIXDIR/module-loaded" "$T"
	local before
	before=$(cd "$T" && find . -type f -exec sha256sum {} + | sort)
	for f in "probe 0x100000000 01000000000" "probe 0100000000 128M" \
		 "remove 0x100000000 01000000000" "remove 00 128M"; do
		# shellcheck disable=SC2086
		run --separate-stderr timeout 20 "$MEMHP" --sysfs-root "$T" $f
		assert_failure 2
		assert_equal "${#stderr_lines[@]}" 1
		[[ $stderr == "memhp: ${f%% *}: '0"*"' has a leading zero; write numbers in decimal without one or in hex with 0x (octal is not read)" ]] ||
			{ echo "$f: $stderr"; false; }
		assert_output ''
	done
	assert_equal "$(cd "$T" && find . -type f -exec sha256sum {} + | sort)" "$before"
	# 0 itself, decimal and 0x-hex are numbers
	for n in "0 128M" "4294967296 134217728" "0x100000000 0x8000000"; do
		# shellcheck disable=SC2086
		run --separate-stderr timeout 20 "$MEMHP" --sysfs-root "$T" remove $n
		[[ $stderr != *"leading zero"* && $stderr != *"is not START SIZE"* ]] ||
			{ echo "$n: $stderr"; false; }
	done
}

@test "chmem's -d/-e: a bare number is MiB (as chmem reads it), -b makes it a block id; --help says so" {
	T=$BATS_TEST_TMPDIR/tree
	cp -a "$FIXDIR/movable-108" "$T"
	run --separate-stderr tfmemhp --json -d --dry-run 256
	assert_success
	run jq -e '.totals.planned == 2 and ([.blocks[].block] | length) == 2' <<<"$output"
	assert_success
	run --separate-stderr tfmemhp --json -d -b --dry-run 100
	assert_success
	run jq -e '[.blocks[].block] == [100]' <<<"$output"
	assert_success
	run "$MEMHP" --help
	assert_output --regexp '-d, --disable .*bare number is MiB'
	run grep -c 'a bare number after' "$REPO_ROOT/man/memhp.8"
	assert_output 1
}

@test "a selector of many spans is taken whole: no limit of 64" {
	T=$BATS_TEST_TMPDIR/tree
	cp -a "$FIXDIR/movable-108" "$T"
	local sel
	# 115 spans of one block each: memory32 to memory146
	sel=$(seq -s, 32 146)
	run --separate-stderr tfmemhp --json online --dry-run "$sel"
	assert_success
	run jq -e '.totals.planned + .totals.unchanged == 115' <<<"$output"
	assert_success
	run --separate-stderr tfmemhp online --dry-run "$sel,100000"
	assert_failure 2
	[[ $stderr == *"block 100000 does not exist"* ]]
}

@test "JSON strings are made in one place: memhp_json_str (cmd/text.c)" {
	cd "$REPO_ROOT"
	run grep -ln 'json_object_new_string' cmd/*.c
	assert_output cmd/text.c
}
