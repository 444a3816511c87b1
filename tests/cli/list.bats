#!/usr/bin/env bats
# memhp list: the JSON contract (memhp-json(7)) checked with jq against each
# fixture's own files, the filters, the sysfs-root selection and bad input.

load fixture_helper
bats_require_minimum_version 1.5.0

setup_file() {
	fixtures_setup_file
}

# list_json FIXTURE [ARGS...]: memhp list --json on the fixture, into $BATS_TEST_TMPDIR/out.json
list_json() {
	local f=$1
	shift
	"$MEMHP" list --sysroot "$FIXDIR/$f" --json "$@" >"$BATS_TEST_TMPDIR/out.json"
}

# check_ranges FIXTURE JQ-SELECT [ARGS...]: memhp list --json ARGS must give
# exactly the merge of the fixture blocks JQ-SELECT picks.
check_ranges() {
	local f=$1 sel=$2
	shift 2
	list_json "$f" "$@" || { echo "memhp list --json $* failed on $f"; return 1; }
	diff -u --label "expected $f ($sel)" --label "memhp list --json $* ($f)" \
		<(expected_ranges "$f" "$sel") <(memhp_ranges <"$BATS_TEST_TMPDIR/out.json")
}

@test "--json: schema 1, block_size, typed fields, every fixture" {
	local f bs fails=0 problems
	for f in $(fixtures); do
		bs=$(fixture_block_size "$f")
		list_json "$f" || { echo "failed on $f"; fails=$((fails + 1)); continue; }
		# Prints one line per violation; nothing when all is well.
		problems=$(jq -r --argjson bs "$bs" '
			def chk(c; msg): if c then empty else msg end;
			chk(.schema == 1; "schema is not 1"),
			chk(.block_size == $bs; "block_size \(.block_size) != \($bs)"),
			chk(.ranges | type == "array" and length > 0; "ranges missing or empty"),
			chk(.summary.online | type == "number"; "summary.online not a number"),
			chk(.summary.offline | type == "number"; "summary.offline not a number"),
			(.ranges[] | . as $r | "range \(.first_block)-\(.last_block): " as $p |
			 chk(all(.start, .["end"], .size, .first_block, .last_block, .blocks; type == "number");
			     $p + "start/end/size/first_block/last_block/blocks not all numbers"),
			 chk(.node == null or (.node | type == "number"); $p + "node \(.node|tojson)"),
			 chk(.state == null or (.state | IN("online", "offline", "going-offline")); $p + "state \(.state|tojson)"),
			 chk(.zones == null or ((.zones | type == "array") and all(.zones[]; type == "string")); $p + "zones \(.zones|tojson)"),
			 chk(.removable | type == "boolean" or . == null; $p + "removable \(.removable|tojson) is not a boolean or null"),
			 chk(.probed == (.owner == "memhp"); $p + "probed \(.probed|tojson), owner \(.owner|tojson)"),
			 chk(.owner | IN("unknown", "boot", "acpi-dimm", "virtio-mem", "dax-kmem", "memhp"); $p + "owner \(.owner|tojson)"),
			 chk(.owner_device == null or (.owner_device | type == "string"); $p + "owner_device \(.owner_device|tojson)"),
			 chk(.size == .blocks * $bs; $p + "size != blocks * block_size"),
			 chk(.["end"] == .start + .size - 1; $p + "end != start + size - 1"),
			 chk(.start == .first_block * $bs; $p + "start != first_block * block_size"),
			 chk(.last_block - .first_block + 1 == .blocks; $p + "blocks != last - first + 1"))
			' "$BATS_TEST_TMPDIR/out.json" 2>&1)
		if [ -n "$problems" ]; then
			echo "$f:"
			echo "$problems" | sed 's/^/  /'
			fails=$((fails + 1))
		fi
	done
	[ "$fails" -eq 0 ]
}

@test "--json: ranges are the fixture's blocks merged on state, node, zones, removable (every fixture)" {
	local f fails=0
	for f in $(fixtures); do
		check_ranges "$f" true || fails=$((fails + 1))
	done
	[ "$fails" -eq 0 ]
}

@test "--json: summary online/offline are the fixture's block counts times block size" {
	local f bs fails=0 want got
	for f in $(fixtures); do
		bs=$(fixture_block_size "$f")
		want=$(fixture_blocks "$f" | jq -c --argjson bs "$bs" \
			'{online: (map(select(.state == "online")) | length * $bs),
			  offline: (map(select(.state != "online")) | length * $bs)}')
		list_json "$f"
		got=$(jq -c '{online: .summary.online, offline: .summary.offline}' "$BATS_TEST_TMPDIR/out.json")
		if [ "$want" != "$got" ]; then
			echo "$f: want $want, got $got"
			fails=$((fails + 1))
		fi
	done
	[ "$fails" -eq 0 ]
}

@test "-a --json: one range per block, each with the block's own values (every fixture)" {
	local f bs fails=0
	for f in $(fixtures); do
		bs=$(fixture_block_size "$f")
		list_json "$f" -a
		if ! diff -u --label "expected $f" --label "memhp -a --json $f" \
			<(fixture_blocks "$f" | jq -S --argjson bs "$bs" "$JQ_DEFS
				map(view | {first_block: .id, last_block: .id, blocks: 1,
				  start: (.id * \$bs), size: \$bs, \"end\": (.id * \$bs + \$bs - 1),
				  state, node, zones, removable, configured, memmap_on_memory})") \
			<(memhp_ranges <"$BATS_TEST_TMPDIR/out.json"); then
			fails=$((fails + 1))
		fi
	done
	[ "$fails" -eq 0 ]
}

@test "--json: state null for unreadable and unknown state, zones strings as sysfs spells them" {
	list_json unreadable -a
	# memory3/state is a directory, memory9/state says "weird".
	run jq -c '[.ranges[] | select(.state == null) | .first_block]' "$BATS_TEST_TMPDIR/out.json"
	assert_output '[3,9]'
	list_json x86-16g -a
	run jq -c '[.ranges[0].zones, .ranges[1].zones, .ranges[2].zones]' "$BATS_TEST_TMPDIR/out.json"
	assert_output '[["DMA"],["none"],["DMA32"]]'
	list_json states
	run jq -c '[.ranges[] | select(.state == "offline") | .zones]' "$BATS_TEST_TMPDIR/out.json"
	assert_output '[["Normal","Movable"],["Movable","Normal"],["Normal","Movable"]]'
}

@test "--json: node of a dangling link is its name; a block without a link has node null" {
	list_json node-dangling -a
	run jq -c '[.ranges[] | select(.first_block == 10 or .first_block == 11) | .node]' "$BATS_TEST_TMPDIR/out.json"
	assert_output '[7,7]'
	list_json node-missing-link -a
	run jq -c '[.ranges[] | select(.node == null) | .first_block]' "$BATS_TEST_TMPDIR/out.json"
	assert_output '[8]'
	list_json node-missing-first -a
	run jq -c '[.ranges[] | select(.node == null) | .first_block]' "$BATS_TEST_TMPDIR/out.json"
	assert_output '[0]'
}

@test "--json: ids from 8192 and a 2G block size give exact byte addresses" {
	list_json high-ids
	run jq -c '.ranges[0] | [.start, .first_block, .zones]' "$BATS_TEST_TMPDIR/out.json"
	assert_output '[1099511627776,8192,["Normal"]]'
	list_json bs-2g
	run jq -c '[.block_size, .ranges[-1].start, .ranges[-1].end]' "$BATS_TEST_TMPDIR/out.json"
	assert_output '[2147483648,137438953472,206158430207]'
}

@test "--json and -J and the global --json print the same document" {
	local a b c
	a=$("$MEMHP" list --sysroot "$FIXDIR/states" --json)
	b=$("$MEMHP" list --sysroot "$FIXDIR/states" -J)
	c=$("$MEMHP" --json list --sysroot "$FIXDIR/states")
	d=$("$MEMHP" list --sysroot "$FIXDIR/states" --json=memhp)
	[ "$a" = "$b" ]
	[ "$a" = "$c" ]
	[ "$a" = "$d" ]
	# and -J bundles like lsmem's (it takes no FORMAT)
	b=$("$MEMHP" list --sysroot "$FIXDIR/states" -aJ)
	c=$("$MEMHP" list --sysroot "$FIXDIR/states" -Ja)
	[ "$b" = "$c" ]
	[ "$(jq -r .schema <<<"$b")" = 1 ]
}

@test "--json=lsmem: lsmem's document, from before the command too; last --json wins" {
	local a b
	a=$("$MEMHP" list --sysroot "$FIXDIR/nodes-2" --json=lsmem -o +NODE)
	b=$("$MEMHP" --json=lsmem list --sysroot "$FIXDIR/nodes-2" -o +NODE)
	[ "$a" = "$b" ]
	[ "$(jq -c '.memory[0]' <<<"$a")" = '{"range":"0x0000000000000000-0x00000000ffffffff","size":"4G","state":"online","removable":true,"block":"0-31","node":0}' ]
	b=$("$MEMHP" list --sysroot "$FIXDIR/nodes-2" --json=lsmem -J)
	[ "$(jq -r .schema <<<"$b")" = 1 ]
	b=$("$MEMHP" list --sysroot "$FIXDIR/nodes-2" -J --json=lsmem -o +NODE)
	[ "$a" = "$b" ]
}

@test "--json (memhp's document) refuses -o and --output-all; --json=lsmem is list's only" {
	run "$MEMHP" list --sysroot "$FIXDIR/states" --json -o RANGE
	assert_failure 2
	assert_output --partial "--output and --output-all choose columns for --json=lsmem"
	run "$MEMHP" list --sysroot "$FIXDIR/states" --output-all -J
	assert_failure 2
	run "$MEMHP" --json=lsmem summary --sysroot "$FIXDIR/states"
	assert_failure 2
	assert_output --partial "--json=lsmem is for memhp list only"
	run "$MEMHP" devices --sysroot "$FIXDIR/states" --json=lsmem
	assert_failure 2
	run "$MEMHP" list --sysroot "$FIXDIR/states" --json=yaml
	assert_failure 2
	assert_output --partial "unknown --json format 'yaml'"
}

@test "filter --node N (nodes-2, nodes-4-interleaved, node-dangling)" {
	check_ranges nodes-2 '.node == 1' --node 1
	check_ranges nodes-2 '.node == 0' --node 0
	check_ranges nodes-4-interleaved '.node == 2' --node 2
	check_ranges node-dangling '.node == 7' --node 7
}

@test "filter --state (offline is not going-offline)" {
	check_ranges states '.state == "offline"' --state offline
	check_ranges states '.state == "going-offline"' --state going-offline
	check_ranges states '.state == "online"' --state online
	check_ranges nodes-2 '.state == "offline"' --state offline
}

@test "filter --zone matches whole valid_zones tokens (DMA is not DMA32)" {
	check_ranges x86-16g '(.zones // []) | index(["DMA"])' --zone DMA
	list_json x86-16g --zone DMA
	run jq -c '[.ranges[] | [.first_block, .last_block]]' "$BATS_TEST_TMPDIR/out.json"
	assert_output '[[0,0]]'
	check_ranges x86-16g '(.zones // []) | index(["DMA32"])' --zone DMA32
	check_ranges states '(.zones // []) | index(["Movable"])' --zone Movable
	check_ranges states '(.zones // []) | index(["Normal"])' --zone Normal
	check_ranges bs-256m '(.zones // []) | index(["Movable"])' --zone Movable
}

@test "filters combine (--node 1 --state offline) and apply to the table too" {
	check_ranges nodes-2 '.node == 1 and .state == "offline"' --node 1 --state offline
	run "$MEMHP" list --sysroot "$FIXDIR/x86-16g" --zone DMA -a -r -n -o BLOCK
	assert_success
	assert_output "0"
	run "$MEMHP" list --sysroot "$FIXDIR/states" --state going-offline -r -n -o BLOCK,STATE
	assert_success
	assert_output "20-23 on->off"
}

# bad ARGS...: exit 2, one line on stderr naming the problem (argp may add
# its "Try ... --help" hint as a second), nothing on stdout.
bad() {
	run --separate-stderr "$MEMHP" "$@"
	if [ "$status" -ne 2 ] || [ "${#stderr_lines[@]}" -lt 1 ] ||
	   [ "${#stderr_lines[@]}" -gt 2 ] || [ -n "$output" ] ||
	   { [ "${#stderr_lines[@]}" -eq 2 ] && [[ ${stderr_lines[1]} != Try* ]]; }; then
		echo "memhp $*: exit $status (want 2), stderr ${#stderr_lines[@]} lines (want 1, or 2 with argp's hint):"
		printf '  stderr: %s\n' "${stderr_lines[@]}"
		[ -n "$output" ] && echo "  stdout: $output"
		return 1
	fi
}

@test "bad input exits 2 with one line on stderr (and argp's hint)" {
	local S=(--sysroot "$FIXDIR/states") fails=0
	bad list "${S[@]}" -o BOGUS || fails=$((fails + 1))
	bad list "${S[@]}" -o +BOGUS || fails=$((fails + 1))
	bad list "${S[@]}" -S BOGUS,STATE || fails=$((fails + 1))
	bad list "${S[@]}" --summary=bogus || fails=$((fails + 1))
	bad list "${S[@]}" --node abc || fails=$((fails + 1))
	bad list "${S[@]}" --node -1 || fails=$((fails + 1))
	bad list "${S[@]}" --state bogus || fails=$((fails + 1))
	bad list "${S[@]}" --zone || fails=$((fails + 1))
	bad list "${S[@]}" extra-argument || fails=$((fails + 1))
	bad list "${S[@]}" -r -P || fails=$((fails + 1))
	bad list "${S[@]}" -a -S STATE || fails=$((fails + 1))
	bad list "${S[@]}" -r --summary=only || fails=$((fails + 1))
	bad list "${S[@]}" --json=lsmem --summary=only || fails=$((fails + 1))
	bad list "${S[@]}" --json=lsmem -P || fails=$((fails + 1))
	bad list "${S[@]}" --json=bogus || fails=$((fails + 1))
	bad list "${S[@]}" --json -o RANGE || fails=$((fails + 1))
	bad list "${S[@]}" --no-such-option || fails=$((fails + 1))
	bad no-such-command || fails=$((fails + 1))
	[ "$fails" -eq 0 ]
}

@test "sysfs root: MEMHP_SYSFS_ROOT, --sysfs-root, --sysroot and -s all read the fixture" {
	local want f=states
	want=$(lsmem --sysroot "$FIXDIR/$f")
	run env MEMHP_SYSFS_ROOT="$FIXDIR/$f" "$MEMHP" list
	assert_success
	assert_output "$want"
	run "$MEMHP" --sysfs-root "$FIXDIR/$f" list
	assert_success
	assert_output "$want"
	run "$MEMHP" --sysroot "$FIXDIR/$f" list
	assert_success
	assert_output "$want"
	run "$MEMHP" list --sysfs-root "$FIXDIR/$f"
	assert_success
	assert_output "$want"
	run "$MEMHP" list --sysroot "$FIXDIR/$f"
	assert_success
	assert_output "$want"
	run "$MEMHP" list -s "$FIXDIR/$f"
	assert_success
	assert_output "$want"
	# The option beats the environment.
	run env MEMHP_SYSFS_ROOT=/nonexistent-memhp-root "$MEMHP" list --sysroot "$FIXDIR/$f"
	assert_success
	assert_output "$want"
}

@test "a missing tree: a clear error naming it, exit 2" {
	local r=$BATS_TEST_TMPDIR/no-such-root
	run --separate-stderr "$MEMHP" list --sysroot "$r"
	[ "$status" -eq 2 ]
	[ -z "$output" ]
	[ "${#stderr_lines[@]}" -eq 1 ]
	[[ ${stderr_lines[0]} == "memhp list: --sysfs-root"* ]]
	[[ $stderr == *"$r"* ]]

	run --separate-stderr env MEMHP_SYSFS_ROOT="$r" "$MEMHP" list --json
	[ "$status" -eq 2 ]
	[ -z "$output" ]
	[[ $stderr == *"$r"* ]]

	# A root without memory blocks (no block_size_bytes).
	mkdir -p "$BATS_TEST_TMPDIR/empty/sys/devices/system/memory"
	run --separate-stderr "$MEMHP" list --sysroot "$BATS_TEST_TMPDIR/empty"
	[ "$status" -eq 1 ]
	[ "${#stderr_lines[@]}" -eq 1 ]
	[[ ${stderr_lines[0]} == memhp:* ]]
}
