#!/usr/bin/env bats
# memhp why and offline --explain against the real kernel (issue 18): a
# DIMM onlined into Normal takes the kernel's slab (the Normal zone is
# above 4G, all of it on the DIMM, and the allocator prefers the highest
# zone), its offline fails, and --explain names slab with the kernel's own
# page dump; a Movable DIMM under page cache and anonymous memory goes
# offline, as its census said.  One guest for the file.

load vm_helper
load checks

setup_file() {
	vm_boot --shared -m 1G,slots=4,maxmem=4G -- memhp_default_state=offline
}
teardown_file() { vm_shutdown; }
setup() { vm_require; }

@test "why reads every online block's census in the guest; an offline block has no pages" {
	local range
	range=$(plug dimm0) || fail "could not plug dimm0"
	guest memhp --json why
	assert_success
	echo "$output" >"$BATS_TEST_TMPDIR/w.json"
	# every online block, each census whole
	run jq -e '(.blocks | length) > 0 and all(.blocks[];
		.census_errno == null and .state == "online" and
		(.census | .free + .file + .anon + .unevictable + .hugetlb +
		 .gigantic + .slab + .pagetable + .reserved + .other + .driver +
		 .hwpoison + .hole) == .census.pages)' "$BATS_TEST_TMPDIR/w.json"
	assert_success
	# the block the kernel's image sits in holds reserved pages
	kb=$(block_with_kernel_pages) || fail "no boot block with kernel pages"
	run jq -r --argjson b "$kb" '.blocks[] | select(.block == $b) |
		"\(.verdict) \(.census.reserved > 0)"' "$BATS_TEST_TMPDIR/w.json"
	assert_output "will-not-go true"
	# the new DIMM is offline: no pages
	guest_ok memhp --json why "$range" >"$BATS_TEST_TMPDIR/d.json"
	run jq -r '[.blocks[] | "\(.verdict) \(.census.hole == .census.pages)"] | unique | .[]' \
		"$BATS_TEST_TMPDIR/d.json"
	assert_output "offline true"
}

@test "a Normal DIMM full of slab: offline fails and --explain names slab, with the kernel's page dump" {
	local range
	range=$(plug dimm1) || fail "could not plug dimm1"
	guest_ok memhp online --zone=normal "$range" >/dev/null
	# dentries and inodes: slab, in the only Normal zone there is
	guest --timeout 300 'mkdir -p /tmp/slab && cd /tmp/slab &&
		seq 0 14999 | sed "s/^/d/" | xargs mkdir'
	assert_success
	guest_ok memhp --json why "$range" >"$BATS_TEST_TMPDIR/w.json"
	run jq -e 'any(.blocks[]; .verdict == "will-not-go" and .census.slab > 0)' \
		"$BATS_TEST_TMPDIR/w.json"
	assert_success
	guest --timeout 200 "memhp --json offline --timeout 3 --explain $range >/tmp/x.json; echo rc=\$?"
	assert_output --regexp "rc=(1|64)"
	guest_ok cat /tmp/x.json >"$BATS_TEST_TMPDIR/x.json"
	# every block that stayed online was judged as one that cannot go (or
	# may not), and some are held by slab, in the census and in the
	# kernel's own dump of a page of that very block
	run jq -e '[.blocks[] | select(.result == "failed")] |
		length > 0 and
		all(.[]; .verdict == "will-not-go" or .verdict == "may-retry") and
		any(.[]; .verdict == "will-not-go" and (.why | test("slab")))' \
		"$BATS_TEST_TMPDIR/x.json"
	assert_success
	run jq -r --argjson bs "$(guest_block_size)" '.blocks[] |
		select(.result == "failed") | .block as $b | .kmsg[] |
		select(test("pfn:0x")) | capture("pfn:0x(?<p>[0-9a-f]+)").p as $p |
		"\($b) \($p)"' "$BATS_TEST_TMPDIR/x.json"
	assert_success
	[ -n "$output" ] || fail "no page dump of a failed block in kmsg"
	# each dumped pfn lies in the block it is reported for
	local bs pages b p
	bs=$(guest_block_size)
	pages=$((bs / 4096))
	while read -r b p; do
		[ $((16#$p / pages)) -eq "$b" ] || fail "pfn 0x$p is not in block $b"
	done <<<"$output"
	run jq -e '[.blocks[] | select(.result == "failed") | .kmsg[]] |
		any(test("page dumped because"))' "$BATS_TEST_TMPDIR/x.json"
	assert_success
	# the table says the same for people
	guest "memhp offline --timeout 1 --explain $range"
	assert_output --regexp "will-not-go .*held by [0-9]+ slab"
	assert_output --partial "the kernel said:"
	guest_ok 'rm -rf /tmp/slab'
	assert_no_kernel_splat
}

@test "a Movable DIMM under page cache and anonymous memory goes offline, as its census said" {
	local range
	range=$(plug dimm2) || fail "could not plug dimm2"
	guest_ok memhp online --zone=movable "$range" >/dev/null
	# page cache (tmpfs) and anonymous memory (dd's buffer, held while
	# the pipe is full), in the Movable zone, which the allocator prefers
	guest_ok 'mkdir -p /tmp/pc && dd if=/dev/urandom of=/tmp/pc/f bs=1M count=200 2>/dev/null
		(dd if=/dev/zero bs=96M count=1 2>/dev/null | sleep 600) >/dev/null 2>&1 &
		sleep 3'
	guest_ok memhp --json why "$range" >"$BATS_TEST_TMPDIR/w.json"
	run jq -e 'all(.blocks[]; .verdict == "will-go" or
			(.verdict == "may-retry" and (.why | test("slab|page-table|reserved") | not))) and
		([.blocks[].census | .file + .anon] | add) > 0' "$BATS_TEST_TMPDIR/w.json"
	assert_success
	guest --timeout 200 "memhp --json offline --timeout 120 $range"
	assert_success
	run jq -e '.totals.ok == 4 and .totals.failed == 0' <<<"$stdout"
	assert_success
	assert_equal "$(range_attr "$range" state)" offline
	guest_ok 'rm -rf /tmp/pc; pkill sleep || true'
	assert_no_kernel_splat
}
