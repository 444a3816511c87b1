#!/usr/bin/env bats
# memhp summary: totals, per node x zone figures, policy and module status,
# all computed here from each fixture's own files.

load fixture_helper
bats_require_minimum_version 1.5.0

setup_file() {
	fixtures_setup_file
}

summary_json() {
	"$MEMHP" --sysfs-root "$FIXDIR/$1" summary --json >"$BATS_TEST_TMPDIR/sum.json"
}

@test "summary --json: schema, block size and totals equal the sum of the fixture's blocks" {
	local f bs want got fails=0
	for f in $(fixtures); do
		bs=$(fixture_block_size "$f")
		want=$(fixture_blocks "$f" | jq -c --argjson bs "$bs" '{schema: 1, block_size: $bs,
			online: (map(select(.state == "online")) | length * $bs),
			offline: (map(select(.state != "online")) | length * $bs)}')
		summary_json "$f" || { echo "$f: memhp summary --json failed"; fails=$((fails + 1)); continue; }
		got=$(jq -c '{schema, block_size, online: .summary.online, offline: .summary.offline}' \
			"$BATS_TEST_TMPDIR/sum.json")
		if [ "$want" != "$got" ]; then
			echo "$f: want $want"
			echo "$f:  got $got"
			fails=$((fails + 1))
		fi
	done
	[ "$fails" -eq 0 ]
}

@test "summary --json: per node online/offline/blocks and online bytes per zone (every fixture)" {
	local f bs fails=0 exact
	for f in $(fixtures); do
		bs=$(fixture_block_size "$f")
		summary_json "$f" || { echo "$f: memhp summary --json failed"; fails=$((fails + 1)); continue; }
		# Zones are compared exactly where every online block's valid_zones
		# is readable; elsewhere only the zones the fixture can tell.
		exact=$(fixture_blocks "$f" | jq 'all(.[] | select(.state == "online"); .zones_status == "ok")')
		if ! diff -u --label "expected $f" --label "memhp summary --json $f" \
			<(fixture_blocks "$f" | jq -S --argjson bs "$bs" '
				group_by(.node) | map({node: .[0].node, blocks: length,
				  online: (map(select(.state == "online")) | length * $bs),
				  offline: (map(select(.state != "online")) | length * $bs),
				  zones: (map(select(.state == "online" and .zones_status == "ok"))
				          | group_by(.zones[0])
				          | map({key: .[0].zones[0], value: (length * $bs)}) | from_entries)})') \
			<(jq -S --argjson exact "$exact" '.summary.nodes | sort_by(.node) | map(
				{node, blocks, online, offline,
				 zones: (if $exact then .zones
				         else .zones | with_entries(select(.key | IN("DMA","DMA32","Normal","Movable","none"))) end)})' \
				"$BATS_TEST_TMPDIR/sum.json"); then
			fails=$((fails + 1))
		fi
	done
	[ "$fails" -eq 0 ]
}

@test "summary --json: nodes without any block link go to node null; a dangling link keeps its number" {
	summary_json node-missing-link
	run jq -c '[.summary.nodes[] | [.node, .blocks]] | sort' "$BATS_TEST_TMPDIR/sum.json"
	assert_output '[[null,1],[0,15]]'
	summary_json node-dangling
	run jq -c '[.summary.nodes[] | [.node, .blocks]] | sort' "$BATS_TEST_TMPDIR/sum.json"
	assert_output '[[0,10],[1,8],[7,2]]'
}

@test "summary --json: going-offline, unknown and unreadable states count as offline, like lsmem" {
	summary_json states
	# 20-23 going-offline, 24-39 and 48-49 offline: 22 blocks.
	run jq -c '[.summary.online, .summary.offline]' "$BATS_TEST_TMPDIR/sum.json"
	assert_output "[$((30 * 134217728)),$((22 * 134217728))]"
	summary_json unreadable
	run jq -c '.summary.offline' "$BATS_TEST_TMPDIR/sum.json"
	assert_output "$((2 * 134217728))"
}

# policy_want FIXTURE: the policy object the fixture's files imply.
policy_want() {
	local root=$FIXDIR/$1/sys p aob=null op=null r=null na=null mm=null v
	p=$root/module/memory_hotplug/parameters
	if read_attr_to v "$root/devices/system/memory/auto_online_blocks"; then aob=$(jq -Rn --arg v "$v" '$v'); fi
	if read_attr_to v "$p/online_policy"; then op=$(jq -Rn --arg v "$v" '$v'); fi
	if read_attr_to v "$p/auto_movable_ratio"; then r=$v; fi
	if read_attr_to v "$p/auto_movable_numa_aware"; then
		case $v in Y) na=true ;; N) na=false ;; *) na=$(jq -Rn --arg v "$v" '$v') ;; esac
	fi
	if read_attr_to v "$p/memmap_on_memory"; then
		case $v in Y) mm=true ;; N) mm=false ;; *) mm=$(jq -Rn --arg v "$v" '$v') ;; esac
	fi
	jq -cn "{auto_online_blocks: $aob, online_policy: $op, auto_movable_ratio: $r,
		auto_movable_numa_aware: $na, memmap_on_memory: $mm}"
}

@test "summary --json: policy values as in the fixture's parameter files (absent on an old kernel: null)" {
	local f want got fails=0 seen_nondefault=0
	for f in $(fixtures); do
		want=$(policy_want "$f")
		summary_json "$f"
		got=$(jq -c '.policy | {auto_online_blocks, online_policy, auto_movable_ratio,
			auto_movable_numa_aware, memmap_on_memory}' "$BATS_TEST_TMPDIR/sum.json")
		if [ "$want" != "$got" ]; then
			echo "$f: want $want"
			echo "$f:  got $got"
			fails=$((fails + 1))
		fi
		[[ $want == *auto-movable* ]] && seen_nondefault=1
	done
	[ "$fails" -eq 0 ]
	# The non-default fixture must be among them, or this proves little.
	[ "$seen_nondefault" -eq 1 ]
	summary_json policy-auto-movable
	run jq -c '.policy | [.auto_online_blocks, .online_policy, .auto_movable_ratio,
		.auto_movable_numa_aware, .memmap_on_memory]' "$BATS_TEST_TMPDIR/sum.json"
	assert_output '["online_movable","auto-movable",150,false,true]'
}

@test "summary --json: module.loaded follows sys/kernel/memhp" {
	local f want got fails=0
	for f in $(fixtures); do
		want=false
		[ -d "$FIXDIR/$f/sys/kernel/memhp" ] && want=true
		summary_json "$f"
		got=$(jq -c '.module.loaded' "$BATS_TEST_TMPDIR/sum.json")
		if [ "$want" != "$got" ]; then
			echo "$f: module.loaded want $want got $got"
			fails=$((fails + 1))
		fi
	done
	[ "$fails" -eq 0 ]
	summary_json module-loaded
	run jq -c '.module.loaded' "$BATS_TEST_TMPDIR/sum.json"
	assert_output true
}

@test "summary --json totals agree with list --json" {
	local f a b fails=0
	for f in $(fixtures); do
		a=$("$MEMHP" --sysfs-root "$FIXDIR/$f" summary --json | jq -c '[.block_size, .summary.online, .summary.offline]')
		b=$("$MEMHP" --sysfs-root "$FIXDIR/$f" list --json | jq -c '[.block_size, .summary.online, .summary.offline]')
		[ "$a" = "$b" ] || { echo "$f: summary $a, list $b"; fails=$((fails + 1)); }
	done
	[ "$fails" -eq 0 ]
}

@test "summary table: the block size line, with lsmem's figure" {
	local f want fails=0
	for f in x86-16g bs-256m bs-2g; do
		# lsmem's own "Memory block size:" value for this tree (128M, 256M, 2G).
		want=$(lsmem --sysroot "$FIXDIR/$f" --summary=only | sed -n 's/^Memory block size: *//p')
		[ -n "$want" ]
		run "$MEMHP" --sysfs-root "$FIXDIR/$f" summary
		assert_success
		if ! grep -iE "block size" <<<"$output" | grep -qE "(^|[^0-9.])$want( |$)"; then
			echo "$f: no block size line with $want in:"
			echo "$output"
			fails=$((fails + 1))
		fi
	done
	[ "$fails" -eq 0 ]
}

@test "summary on a missing tree: one clear error, exit 2" {
	local r=$BATS_TEST_TMPDIR/no-such-root
	run --separate-stderr "$MEMHP" --sysfs-root "$r" summary
	[ "$status" -eq 2 ]
	[ "${#stderr_lines[@]}" -eq 1 ]
	[[ $stderr == *"$r"* ]]
}
