#!/usr/bin/env bats
# memhp why, offline --explain and offline by size ranked by the census, on
# the "census" fixture: gen-sysfs writes its proc/kpageflags with known page
# kinds per block (see its description: memhp why's numbers below are those).

load fixture_helper
bats_require_minimum_version 1.5.0

setup_file() { fakekernel_setup_file; }

setup() {
	T=$BATS_TEST_TMPDIR/t
	cp -a "$FIXDIR/census" "$T"
	M=$T/sys/devices/system/memory
	export MEMHP_FAKE_LOG=$BATS_TEST_TMPDIR/writes
	: >"$MEMHP_FAKE_LOG"
}

why() { "$MEMHP" --sysfs-root "$T" "$@"; }

@test "why: the census and verdict of every kind of block, exactly" {
	run --separate-stderr why why 0 3 32-40
	assert_success
	assert_equal "$stderr" ""
	assert_output "$(cat <<'EOF'
BLOCK ZONE    VERDICT      FREE  FILE  ANON UNEVICTABLE HUGETLB SLAB PAGETABLE RESERVED  HOLE   CMA MEMHOLE WHY
    0 DMA32   will-not-go 24576     0     0           0       0 4096         0     4096     0     0      98 memory hole: 98 pages are not System RAM; the kernel refuses to offline the block
    3 DMA32   will-not-go 32768     0     0           0       0    0         0        0     0 16384       0 held by 16384 in a CMA area
   32 Movable will-go     30000  2000   768           0       0    0         0        0     0     0       0 2768 pages to migrate, 30000 free
   33 Movable will-go     32768     0     0           0       0    0         0        0     0     0       0 0 pages to migrate, 32768 free
   34 Movable will-go         0 16384 16384           0       0    0         0        0     0     0       0 32768 pages to migrate, 0 free
   35 Movable may-retry   32760     0     0           8       0    0         0        0     0     0       0 must move or free 8 unevictable or mlocked
   36 Normal  will-not-go 32268     0     0           0       0  500         0        0     0     0       0 held by 500 slab
   37 Normal  will-go     32000   768     0           0       0    0         0        0     0     0       0 768 pages to migrate, 32000 free
   38 Normal  will-not-go 32658   100     0           0       0    0        10        0     0     0       0 held by 10 page-table
   39         offline         0     0     0           0       0    0         0        0 32768     0       0 no online pages
   40 Normal  may-retry   30720     0     0           0    2048    0         0        0     0     0       0 must move or free 2048 hugetlb
EOF
)"
	# no listed block overlaps a CMA area or a hole: no such columns
	run --separate-stderr why why 32-33
	assert_output "$(cat <<'EOF'
BLOCK ZONE    VERDICT  FREE FILE ANON WHY
   32 Movable will-go 30000 2000  768 2768 pages to migrate, 30000 free
   33 Movable will-go 32768    0    0 0 pages to migrate, 32768 free
EOF
)"
}

@test "why: a memory hole and a CMA area, the source of each count, and unknown when none says" {
	run --separate-stderr why --json why 0 2 3
	assert_success
	run jq -c '.blocks[] | [.block, .verdict, .census.memory_hole, .census.memory_hole_source,
		.census.cma, .census.cma_source]' <<<"$output"
	assert_output '[0,"will-not-go",98,"iomem",0,"debugfs"]
[2,"will-go",0,"iomem",0,"debugfs"]
[3,"will-not-go",0,"iomem",16384,"debugfs"]'
	# without debugfs the kernel's CMA area is not located: unknown, said,
	# and the verdict comes from the pages alone (never a guess)
	rm -r "$T/sys/kernel/debug"
	run --separate-stderr why why 2 3
	assert_success
	assert_output "$(cat <<'EOF'
BLOCK ZONE  VERDICT  FREE WHY
    2 DMA32 will-go 32768 0 pages to migrate, 32768 free; CMA areas not located
    3 DMA32 will-go 32768 0 pages to migrate, 32768 free; CMA areas not located
EOF
)"
	run jq -c '.blocks[].census | [.cma, .cma_source]' <<<"$(why --json why 3)"
	assert_output '[null,null]'
	# debugfs lists less than meminfo counts: not located either
	cp -a "$FIXDIR/census/sys/kernel/debug" "$T/sys/kernel/"
	sed -i 's/^CmaTotal: .*/CmaTotal:         131072 kB/' "$T/proc/meminfo"
	run jq -c '.blocks[] | [.verdict, .census.cma]' <<<"$(why --json why 3)"
	assert_output '["will-go",null]'
	# a kernel without CONFIG_CMA (no CmaTotal line): no area anywhere
	sed -i '/^Cma/d' "$T/proc/meminfo"
	run jq -c '.blocks[] | [.verdict, .census.cma, .census.cma_source, (.why | test("CMA"))]' \
		<<<"$(why --json why 3)"
	assert_output '["will-go",0,"meminfo",false]'
	# proc/iomem read without root (every address 0) places no hole
	echo "00000000-00000000 : System RAM" >"$T/proc/iomem"
	run jq -c '.blocks[] | [.verdict, .why, .census.memory_hole, .census.memory_hole_source]' \
		<<<"$(why --json why 0)"
	assert_output '["will-not-go","held by 4096 slab, 4096 reserved",null,null]'
	# then frames without a page in an online block are the hole (a lower
	# bound): block 1's last 64
	python3 - "$T/proc/kpageflags" <<'PY'
import sys
with open(sys.argv[1], "r+b") as f:
    f.seek((2 * 32768 - 64) * 8)
    f.write((1 << 20).to_bytes(8, "little") * 64)
PY
	run jq -c '.blocks[] | [.verdict, .census.memory_hole, .census.memory_hole_source, .census.hole]' \
		<<<"$(why --json why 1)"
	assert_output '["will-not-go",64,"kpageflags",64]'
}

@test "why: an online block that spans two zones (valid_zones none) is refused by the kernel, and a size tries it last" {
	# block 2 is free boot memory; its valid_zones as the kernel shows a
	# block whose pages lie in two zones
	echo none >"$M/memory2/valid_zones"
	run --separate-stderr why --json why 2
	assert_success
	run jq -r '.blocks[] | "\(.verdict)|\(.why)"' <<<"$output"
	assert_output "will-not-go|spans more than one zone (valid_zones: none); the kernel refuses to offline the block"
	# the same order as ever, but 2 now goes with those held for good
	run --separate-stderr why offline --dry-run --json 1536M
	run jq -c '[.blocks[].block]' <<<"$output"
	assert_output '[33,35,32,34,1,37,40,38,36,3,2,0]'
}

@test "why --json: every kind counted, the counts add up, verdicts as the table" {
	run --separate-stderr why --json why 32-40
	assert_success
	run jq -c '.blocks[] | [.block, .state, .zone, .verdict, .census_errno]' <<<"$output"
	assert_output '[32,"online","Movable","will-go",null]
[33,"online","Movable","will-go",null]
[34,"online","Movable","will-go",null]
[35,"online","Movable","may-retry",null]
[36,"online","Normal","will-not-go",null]
[37,"online","Normal","will-go",null]
[38,"online","Normal","will-not-go",null]
[39,"offline",null,"offline",null]
[40,"online","Normal","may-retry",null]'
	doc=$(why --json why 32 36)
	run jq -c '.blocks[0].census' <<<"$doc"
	assert_output '{"pages":32768,"in_use":2768,"unmovable":0,"free":30000,"file":2000,"anon":768,"unevictable":0,"hugetlb":0,"gigantic":0,"slab":0,"pagetable":0,"reserved":0,"other":0,"driver":0,"hwpoison":0,"hole":0,"cma":0,"cma_source":"debugfs","memory_hole":0,"memory_hole_source":"iomem"}'
	run jq -r '.blocks[1] | "\(.why) \(.census.unmovable) \(.census.in_use)"' <<<"$doc"
	assert_output "held by 500 slab 500 500"
	# the kinds add up to the block's pages
	run jq '[.blocks[].census | (.free + .file + .anon + .unevictable + .hugetlb +
		.gigantic + .slab + .pagetable + .reserved + .other + .driver +
		.hwpoison + .hole) == .pages] | all' <<<"$(why --json why 32-40)"
	assert_output true
}

@test "why: without a selector, every online block" {
	run why --json why
	assert_success
	run jq -c '[.blocks[].block]' <<<"$output"
	assert_output '[0,1,2,3,32,33,34,35,36,37,38,40]'
}

@test "why without kpageflags: census unavailable, verdict unknown, exit 1, never a guess" {
	rm "$T/proc/kpageflags"
	run --separate-stderr why --json why 32 36
	assert_failure 1
	assert_equal "$stderr" "memhp: block 32: no census: proc/kpageflags: No such file or directory"
	run jq -c '.blocks[] | [.verdict, .census, .census_errno]' <<<"$output"
	assert_output '["unknown",null,2]
["unknown",null,2]'
	# a file that cannot be read: no census either
	mkdir "$T/proc/kpageflags"
	run --separate-stderr why why 36
	assert_failure 1
	assert_equal "$stderr" "memhp: block 36: no census: proc/kpageflags: not a regular file"
	assert_line --regexp '^ +36 Normal unknown no census: proc/kpageflags: not a regular file$'
	refute_output --partial "will-not-go"
}

@test "why: a bad selector, a size or a missing block is a usage error" {
	run --separate-stderr why why 41
	assert_failure 2
	assert_equal "$stderr" "memhp: why: no memory block 41"
	run --separate-stderr why why 1G
	assert_failure 2
	assert_equal "$stderr" "memhp: why: '1G' is not a block id, list or range (for example 32, 32-39,41, memory32 or 0x100000000-0x13fffffff)"
	run why why --bogus
	assert_failure 2
}

@test "offline by size ranks by the census: holds last, Movable first, fewest unmovable and in use" {
	run --separate-stderr why offline --dry-run --json 1280M
	assert_success
	run jq -c '[.blocks[].block]' <<<"$output"
	# Movable by pages in use (33: 0, 35: 8, 32: 2768, 34: 32768), then
	# the free boot blocks highest first, 37 (768 in use), 40 (2048), and
	# the blocks slab, page tables or reserved pages hold come last, fewest
	# unmovable pages first (38: 10, 36: 500); after them those held for
	# good: 3 (a CMA area, though all its pages are free) and 0 (a memory
	# hole)
	assert_output '[33,35,32,34,2,1,37,40,38,36]'
	run --separate-stderr why offline --dry-run --json 1536M
	run jq -c '[.blocks[].block]' <<<"$output"
	assert_output '[33,35,32,34,2,1,37,40,38,36,3,0]'
	# -v says why each was chosen
	run --separate-stderr why offline --dry-run -v 256M
	assert_success
	assert_equal "$stderr" "memhp: offline by size: block 33 (rank 1 of 12): Movable, 0 pages that may not move, 0 in use, will-go
memhp: offline by size: block 35 (rank 2 of 12): Movable, 0 pages that may not move, 8 in use, may-retry"
}

@test "offline by size without kpageflags keeps today's order and says so with -v" {
	rm "$T/proc/kpageflags"
	run --separate-stderr why offline --dry-run --json 1280M
	assert_success
	run jq -c '[.blocks[].block]' <<<"$output"
	assert_output '[35,34,33,32,40,38,37,36,3,2]'
	run --separate-stderr why offline --dry-run -v 256M
	assert_equal "$stderr" "memhp: offline by size: no census (proc/kpageflags: No such file or directory): Movable blocks first, highest address first"
}

@test "a size run tries the ranked blocks in that order" {
	run fmemhp offline 512M
	assert_success
	assert_equal "$(cat "$MEMHP_FAKE_LOG")" "memory33 offline 0
memory35 offline 0
memory32 offline 0
memory34 offline 0"
}

@test "a size the Movable blocks can meet: the others' census waits until a busy one needs them, then the same order" {
	# 33 stays busy: past the four Movable blocks the run needs one more,
	# the first boot block of the full ranking (2: block 3 holds a CMA
	# area, held for good)
	echo "offline 16 -1" >"$M/memory33/fake-kernel"
	run --separate-stderr fmemhp -vv offline --timeout 1 512M
	assert_success
	assert_equal "$(cat "$MEMHP_FAKE_LOG")" "memory33 offline -16
memory35 offline 0
memory32 offline 0
memory34 offline 0
memory2 offline 0"
	# the plan's check read the four Movable blocks only, the run kept
	# those (read a moment before) and read the other eight when 33
	# would not go
	run grep -o 'size: census of [0-9]* blocks\|kept the census of [0-9]* blocks' <<<"$stderr"
	assert_output "size: census of 4 blocks
size: census of 0 blocks
kept the census of 4 blocks
size: census of 8 blocks"
	# more than Movable memory holds: every candidate at once
	cp -a "$FIXDIR/census/." "$T/"
	run --separate-stderr why -vv offline --dry-run 640M
	run grep -o 'size: census of [0-9]* blocks' <<<"$stderr"
	assert_output "size: census of 12 blocks"
}

@test "a size offline that takes kernel memory says so without -v; one Movable memory meets does not" {
	# 1280M: the four Movable blocks, then boot and Normal ones
	run --separate-stderr fmemhp offline 1280M
	assert_success
	assert_equal "$stderr" "memhp: offline: 10 changed, 0 unchanged, 0 failed
memhp: offline: 6 of the 10 blocks taken (the first: 2) were not in ZONE_MOVABLE: Movable memory alone could not meet the request"
	# Movable blocks only: nothing more to say
	cp -a "$FIXDIR/census/." "$T/"
	run --separate-stderr fmemhp offline 512M
	assert_success
	assert_equal "$stderr" "memhp: offline: 4 changed, 0 unchanged, 0 failed"
}

@test "a size run does not wait out --timeout on a busy block the census says something holds" {
	# 36 (slab) stays busy for good; 33 (free, will-go) is busy twice
	echo "offline 16 -1" >"$M/memory36/fake-kernel"
	echo "offline 16 2" >"$M/memory33/fake-kernel"
	run --separate-stderr fmemhp --json -v offline --timeout 30 1536M
	assert_equal "$status" 64
	grep -qF "block 36 is busy and the census says something holds it: not retried" <<<"$stderr"
	# 33 retried until it went; 36 tried once
	run jq -c '[.blocks[] | select(.block == 33 or .block == 36) | [.block, .result, .attempts]]' <<<"$output"
	assert_output '[[33,"ok",3],[36,"failed",1]]'
}

@test "offline --explain: the census of a block that failed, in the table and in JSON" {
	echo "offline 16 -1" >"$M/memory36/fake-kernel"
	run --separate-stderr fmemhp offline --timeout 1 --explain 36-37
	assert_failure 64
	assert_output "$(cat <<'EOF'
BLOCK ZONE   VERDICT      FREE SLAB WHY
   36 Normal will-not-go 32268  500 held by 500 slab
EOF
)"
	echo "offline 16 -1" >"$M/memory35/fake-kernel"
	run --separate-stderr fmemhp --json offline --timeout 1 --explain 35
	assert_failure 1
	run jq -c '.blocks[] | [.block, .result, .verdict, .why, .census.unevictable]' <<<"$output"
	assert_output '[35,"failed","may-retry","must move or free 8 unevictable or mlocked",8]'
}

@test "offline --explain --dry-run: the census of every block it would try; none without --explain" {
	run --separate-stderr why offline --dry-run --explain 256M
	assert_success
	assert_line --regexp '^   33 Movable will-go +32768 +0 0 pages to migrate, 32768 free$'
	assert_line --regexp '^   35 Movable may-retry +32760 +8 must move or free 8 unevictable or mlocked$'
	run --separate-stderr why --json offline --dry-run 256M
	run jq -c '[.blocks[] | has("verdict")] | any' <<<"$output"
	assert_output false
	run --separate-stderr why --json offline --dry-run --explain 256M
	run jq -c '[.blocks[] | .verdict]' <<<"$output"
	assert_output '["will-go","may-retry"]'
}

@test "offline --explain: the kernel's words about the block, and only its own" {
	mkdir -p "$T/dev"
	# what the log held before the attempt is not this attempt's
	echo "4,1,10,-;migrating pfn 120003 failed ret:-16" >"$T/dev/kmsg"
	# block 36 is pfns 0x120000-0x127fff; 0x100000 is block 32's
	printf '%s\n' "4,2,20,-;page:000000003a1b2c3d refcount:1 mapcount:0 mapping:0000000000000000 index:0x0 pfn:0x120007" \
		" SUBSYSTEM=memory" \
		"4,3,20,-;flags: 0x200(slab|zone=1)" \
		"4,4,20,-;raw: 0000000000000200 ffff888100042500 dead000000000122 0000000000000000" \
		"4,5,20,-;page dumped because: unmovable page" \
		"6,6,21,-;eth0: link up" \
		"4,7,22,-;migrating pfn 100000 failed ret:-16" \
		"4,8,22,-;flags: 0x10(lru)" >"$M/memory36/fake-kmsg"
	# every attempt logs the same: kept once
	echo "offline 16 -1" >"$M/memory36/fake-kernel"
	run --separate-stderr fmemhp offline --timeout 1 --explain 36
	assert_failure 1
	assert_output "$(cat <<'EOF2'
BLOCK ZONE   VERDICT      FREE SLAB WHY
   36 Normal will-not-go 32268  500 held by 500 slab
block 36, the kernel said:
  page:000000003a1b2c3d refcount:1 mapcount:0 mapping:0000000000000000 index:0x0 pfn:0x120007
  flags: 0x200(slab|zone=1)
  raw: 0000000000000200 ffff888100042500 dead000000000122 0000000000000000
  page dumped because: unmovable page
EOF2
)"
	run --separate-stderr fmemhp --json offline --timeout 1 --explain 36
	run jq -c '.blocks[0].kmsg | [length, .[0], .[3]]' <<<"$output"
	assert_output '[4,"page:000000003a1b2c3d refcount:1 mapcount:0 mapping:0000000000000000 index:0x0 pfn:0x120007","page dumped because: unmovable page"]'
}

@test "list -o +MOVABLE%: each block's movable share from the census, never among the defaults" {
	run --separate-stderr why list -a -o BLOCK,MOVABLE% --noheadings --raw
	assert_success
	# block 0: 8192 of 32768 slab or reserved; 36: 500 slab; 38: 10 page
	# tables; 39 is offline (no pages)
	assert_output "0 75%
1 100%
2 100%
3 100%
32 100%
33 100%
34 100%
35 100%
36 98%
37 100%
38 99%
39 
40 100%"
	run why list --output-all
	refute_output --partial "MOVABLE%"
	run why list
	refute_output --partial "MOVABLE%"
	rm "$T/proc/kpageflags"
	run --separate-stderr why list -o BLOCK,MOVABLE% --noheadings --raw
	assert_success
	assert_equal "$stderr" "memhp: block 0: no census: proc/kpageflags: No such file or directory"
	# (no column splits the ranges here)
	assert_output "0-3 
32-40 "
}

@test "summary --census: each zone's pages summed and how much can move" {
	run --separate-stderr why summary --census
	assert_success
	assert_output --partial "$(cat <<'EOF2'
ZONE    BLOCKS   FREE  FILE  ANON UNEVICTABLE HUGETLB SLAB PAGETABLE RESERVED MOVABLE%
DMA32        4 122880     0     0           0       0 4096         0     4096      93%
Normal       4 127646   868     0           0    2048  500        10        0      99%
Movable      4  95528 18384 17152           8       0    0         0        0     100%
EOF2
)"
	run --separate-stderr why --json summary --census
	run jq -c '.summary.census[] | [.zone, .blocks, .movable_percent, .census.pages, .census.unmovable]' <<<"$output"
	assert_output '["DMA32",4,93,131072,8192]
["Normal",4,99,131072,510]
["Movable",4,100,131072,0]'
	# not asked: no census
	run why --json summary
	run jq 'has("census")' <<<"$(jq .summary <<<"$output")"
	assert_output false
	run why summary
	refute_output --partial "MOVABLE%"
	# without kpageflags: said, exit 1, null in JSON
	rm "$T/proc/kpageflags"
	run --separate-stderr why --json summary --census
	assert_failure 1
	assert_equal "$stderr" "memhp: block 0: no census: proc/kpageflags: No such file or directory"
	run jq -c .summary.census <<<"$output"
	assert_output null
}
