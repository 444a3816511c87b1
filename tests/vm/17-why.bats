#!/usr/bin/env bats
# memhp why and offline --explain against the real kernel (issue 18): a
# DIMM onlined into Normal takes the kernel's slab (the Normal zone is
# above 4G, all of it on the DIMM, and the allocator prefers the highest
# zone), its offline fails, and --explain names slab with the kernel's own
# page dump; a Movable DIMM under page cache and anonymous memory goes
# offline, as its census said; a Movable block whose pages are held from a
# pipe fails with the kernel's "migrating pfn" line and goes once they are
# let go.  The guest is shared with 02, 05 and 15 (vm_boot --shared).

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

@test "a boot block with a memory hole: why says the kernel refuses it, and it does; Debian's kernels have no CMA area" {
	guest_ok memhp --json why >"$BATS_TEST_TMPDIR/w.json"
	# built without CONFIG_CMA: proc/meminfo has no CmaTotal, so no block
	# overlaps a CMA area, and that is known (not "not located")
	run jq -e 'all(.blocks[]; .census.cma == 0 and .census.cma_source == "meminfo" and
		(.why | test("CMA") | not))' "$BATS_TEST_TMPDIR/w.json"
	assert_success
	# holes come from proc/iomem's System RAM, readable by root
	run jq -e 'all(.blocks[]; .census.memory_hole_source == "iomem")' "$BATS_TEST_TMPDIR/w.json"
	assert_success
	# a block with a hole in one zone (one across zones is refused before
	# the kernel looks for holes): the firmware's reservations below 1M
	# and at the top of boot RAM leave such blocks
	local holes hb
	holes=$(jq -r '.blocks[] | select(.census.memory_hole > 0) | .block' "$BATS_TEST_TMPDIR/w.json")
	[ -n "$holes" ] || fail "no boot block with a memory hole: $(guest_ok cat /proc/iomem)"
	hb=$(guest_ok "for b in $(echo $holes); do
		z=\$(cat /sys/devices/system/memory/memory\$b/valid_zones)
		case \"\$z\" in *' '*|none) continue;; esac
		echo \$b; break; done")
	[ -n "$hb" ] || fail "every block with a hole ($holes) spans zones"
	run jq -r --argjson b "$hb" '.blocks[] | select(.block == $b) | "\(.verdict) \(.why)"' \
		"$BATS_TEST_TMPDIR/w.json"
	assert_output --regexp "^will-not-go memory hole: [0-9]+ pages are not System RAM; the kernel refuses to offline the block$"
	# the kernel agrees: EINVAL at once, and (with its debug message on)
	# for the hole
	guest_ok 'echo "file memory_hotplug.c +p" >/sys/kernel/debug/dynamic_debug/control'
	guest "echo offline >/sys/devices/system/memory/memory$hb/state"
	assert_failure
	assert_output --partial "Invalid argument"
	guest_ok 'echo "file memory_hotplug.c -p" >/sys/kernel/debug/dynamic_debug/control'
	guest "dmesg | grep 'memory offlining' | tail -n1"
	assert_output --regexp "failed due to memory holes"
	assert_equal "$(range_attr "$hb-$hb" state)" online
}

# The kernel says "migrating pfn N failed ret:R" only where migration
# itself fails: do_migrate_range() in mm/memory_hotplug.c prints it (rate
# limited, migrate_rs) for each page that migrate_pages() left behind,
# followed by dump_page(..., "migration failure"), the same text in 6.1
# and 6.12 (the later walks folios).  Slab in Normal never gets that
# far: offline_pages() first calls start_isolate_page_range(...,
# MEMORY_OFFLINE | REPORT_FAILURE), whose set_migratetype_isolate()
# (mm/page_isolation.c) finds the unmovable page with has_unmovable_pages(),
# dumps it ("unmovable page") and fails with EBUSY ("failure to isolate
# range"), in both series (test 2 above sees that dump).  In ZONE_MOVABLE
# has_unmovable_pages() takes every page that is not PG_reserved as
# movable, so isolation succeeds and migration is tried: here anonymous
# pages of a Movable block hold an extra reference from a pipe
# (tests/vm/17-why.c: vmsplice, never read), migrate_pages() fails on them
# until the writer gets a signal (memhp's --timeout), then they are let go.
@test "a Movable block with pages held from a pipe: --explain carries the kernel's 'migrating pfn' line, and the block goes once they are let go" {
	local range b bs pages p
	range=$(plug dimm3) || fail "could not plug dimm3"
	b=${range%-*}
	bs=$(guest_block_size)
	pages=$((bs / 4096))
	# one block Movable, the only Movable memory: user pages go there first
	guest_ok memhp online --zone=movable "$b" >/dev/null
	guest_ok "17-why pin $((b * pages)) $pages 64 >/tmp/pin 2>/tmp/pin.err </dev/null &
		echo \$! >/tmp/pin.pid
		i=0; until grep -q pinned /tmp/pin; do
			kill -0 \$(cat /tmp/pin.pid) 2>/dev/null || { cat /tmp/pin.err >&2; exit 1; }
			i=\$((i + 1)); [ \$i -gt 300 ] && exit 1; sleep 0.1; done
		cat /tmp/pin" >"$BATS_TEST_TMPDIR/pin"
	read -r _ _ p <"$BATS_TEST_TMPDIR/pin"
	assert_equal $((p / pages)) "$b"
	guest --timeout 200 "memhp --json offline --explain --timeout 10 $b >/tmp/m.json 2>/tmp/m.err; echo rc=\$?"
	assert_output "rc=1"
	guest_ok cat /tmp/m.json >"$BATS_TEST_TMPDIR/m.json"
	run jq -r '.blocks[] | select(.result == "failed") | .block as $b | .kmsg[] |
		capture("^migrating pfn (?<p>[0-9a-f]+) failed") | "\($b) \(.p)"' \
		"$BATS_TEST_TMPDIR/m.json"
	assert_success
	[ -n "$output" ] || fail "no 'migrating pfn' line: $(cat "$BATS_TEST_TMPDIR/m.json")"
	local bb pp
	while read -r bb pp; do
		assert_equal "$bb" "$b"
		[ $((16#$pp / pages)) -eq "$b" ] || fail "pfn 0x$pp is not in block $b"
	done <<<"$output"
	# the table says it for people, under the block
	guest --timeout 200 "memhp offline --explain --timeout 10 $b"
	assert_failure 1
	run awk -v h="block $b, the kernel said:" '$0 == h {s = 1; next}
		s && /^  / {print; next} {s = 0}' <<<"$output"
	assert_output --regexp "^  migrating pfn [0-9a-f]+ failed ret:"
	# let go, the block goes, and the DIMM with it
	guest_ok 'kill $(cat /tmp/pin.pid)' >/dev/null
	guest --timeout 200 memhp --json offline --timeout 120 "$b"
	assert_success
	assert_equal "$(range_attr "$range" state)" offline
	run vm_del_dimm dimm3 60
	assert_success
	guest_wait_blocks_gone $(seq "${range%-*}" "${range#*-}")
	assert_no_kernel_splat
}
