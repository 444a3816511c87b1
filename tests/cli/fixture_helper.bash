# Shared by the fixture-based Bats files (lsmem-compat, list, summary).
# Load with:  load fixture_helper
#
# MEMHP: the binary under test (default build/memhp below the repo root; a
# relative path is taken from the repo root).  The fixture trees come from
# tests/fixtures/gen-sysfs, generated once per file into $BATS_FILE_TMPDIR.

load /usr/lib/bats/bats-support/load
load /usr/lib/bats/bats-assert/load

REPO_ROOT=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)

resolve_memhp() {
	MEMHP=${MEMHP:-build/memhp}
	case $MEMHP in
	/*) ;;
	*) MEMHP=$REPO_ROOT/$MEMHP ;;
	esac
	export MEMHP
}

# setup_file body: the binary must exist (a missing binary fails every test
# of the file, it is never a skip) and the fixtures are generated once.
fixtures_setup_file() {
	resolve_memhp
	if [ ! -x "$MEMHP" ]; then
		echo "memhp binary not found: $MEMHP (set MEMHP or build first)" >&2
		return 1
	fi
	export FIXDIR=$BATS_FILE_TMPDIR/fx
	"$REPO_ROOT/tests/fixtures/gen-sysfs" "$FIXDIR" >&2 || return 1
	[ -s "$FIXDIR/index" ] || return 1
	mapfile -t FIXTURES <"$FIXDIR/index"
	export FIXTURES_LIST="${FIXTURES[*]}"
}

# setup body of the policy files (policy.bats, persist.bats): a private copy
# of the policy-auto-movable tree in T, its module parameters in P and the
# auto_online_blocks file in A.
policy_tree_setup() {
	T=$BATS_TEST_TMPDIR/t
	cp -a "$FIXDIR/policy-auto-movable" "$T"
	P=$T/sys/module/memory_hotplug/parameters
	A=$T/sys/devices/system/memory/auto_online_blocks
}

# The fixture names, one per word.
fixtures() {
	echo "$FIXTURES_LIST"
}

fixture_memdir() {
	echo "$FIXDIR/$1/sys/devices/system/memory"
}

# The block size of fixture $1 in bytes (block_size_bytes is hex).
fixture_block_size() {
	local hex
	read -r hex <"$(fixture_memdir "$1")/block_size_bytes"
	echo $((16#$hex))
}

# Reads one attribute: prints its first line and returns 0, returns 1 when
# it is absent, 2 when it exists but cannot be read (e.g. a directory).
read_attr() {
	local v
	read_attr_to v "$1" || return
	printf '%s\n' "$v"
}

# read_attr_to VAR FILE: the same into VAR, without a subshell.
read_attr_to() {
	local -n _ra_v=$1
	_ra_v=
	[ -e "$2" ] || [ -L "$2" ] || return 1
	[ -f "$2" ] || return 2
	{ IFS= read -r _ra_v || [ -n "$_ra_v" ]; } <"$2" 2>/dev/null || return 2
}

# JSON, one object per block of fixture $1 in id order, straight from its
# files (the test oracle):
#   {"id":N, "state":"online"|... |null (absent/unreadable),
#    "node":N|null (from the nodeN entry's name, link not followed),
#    "zones_status":"ok"|"absent"|"unreadable", "zones":[tokens]|null,
#    "removable_raw":"1"|"0"|null,
#    "config_raw", "memmap_raw": sys/firmware/memory/memoryN's config and
#    memmap_on_memory, null without them}
# Where sys/firmware/memory/memory0 exists (s390) the blocks are the ones
# listed there, and one whose config is not 1 is offline with nothing else.
fixture_blocks_json() {
	local memdir fwdir d id st node zs zones rm e cf mm
	memdir=$(fixture_memdir "$1")
	fwdir=$FIXDIR/$1/sys/firmware/memory
	[ -e "$fwdir/memory0" ] || fwdir=
	# One tab-separated line per block ("\N" = null), one jq at the end.
	for d in "${fwdir:-$memdir}"/memory[0-9]*; do
		id=${d##*/memory}
		[[ $id =~ ^[0-9]+$ ]] || continue
		cf='\N' mm='\N'
		if [ -n "$fwdir" ]; then
			read_attr_to cf "$fwdir/memory$id/config" || cf='\N'
			read_attr_to mm "$fwdir/memory$id/memmap_on_memory" || mm='\N'
			if [ "$cf" != 1 ]; then
				printf '%s\toffline\t\\N\tabsent\t\\N\t\\N\t%s\t%s\n' "$id" "$cf" "$mm"
				continue
			fi
		fi
		d=$memdir/memory$id
		read_attr_to st "$d/state" || st='\N'
		node='\N'
		for e in "$d"/node[0-9]*; do
			[ -e "$e" ] || [ -L "$e" ] || continue
			e=${e##*/node}
			[[ $e =~ ^[0-9]+$ ]] && { node=$((10#$e)); break; }
		done
		read_attr_to zones "$d/valid_zones"
		case $? in
		0) zs=ok ;;
		1) zs=absent zones='\N' ;;
		*) zs=unreadable zones='\N' ;;
		esac
		read_attr_to rm "$d/removable" || rm='\N'
		printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$id" "$st" "$node" "$zs" "$zones" "$rm" "$cf" "$mm"
	done | jq -cRn '
	  def n: if . == "\\N" then null else . end;
	  [inputs | split("\t") | {
	    id: (.[0] | tonumber),
	    state: (.[1] | n),
	    node: (.[2] | n | if . == null then null else tonumber end),
	    zones_status: .[3],
	    zones: (.[4] | n | if . == null then null else split(" ") | map(select(. != "")) end),
	    removable_raw: (.[5] | n),
	    config_raw: (.[6] | n),
	    memmap_raw: (.[7] | n)
	  }] | sort_by(.id)'
}

# Cached per fixture for the file.
fixture_blocks() {
	local f=$BATS_FILE_TMPDIR/blocks-$1.json
	[ -s "$f" ] || fixture_blocks_json "$1" >"$f"
	cat "$f"
}

# The one-line-per-block view lsmem's rules give (-a -P -o
# BLOCK,STATE,REMOVABLE,NODE,ZONES), with NODE and ZONES detected on ANY
# block (util-linux >= 2.42 rules, which memhp follows).
fixture_expected_pairs() {
	fixture_blocks "$1" | jq -r '
	  (any(.[]; .node != null)) as $have_nodes
	  | (any(.[]; .zones_status != "absent")) as $have_zones
	  | def zname: ascii_downcase as $z
	      | {"dma":"DMA","dma32":"DMA32","normal":"Normal","highmem":"Highmem",
	         "movable":"Movable","device":"Device","none":"None"}[$z] // "Unknown";
	  .[] |
	  "BLOCK=\"\(.id)\" STATE=\"" +
	    ({"online":"online","offline":"offline","going-offline":"on->off"}[.state // ""] // "?") +
	  "\" REMOVABLE=\"" +
	    (if .state == "online" then (if .removable_raw == "1" then "yes" else "no" end) else "" end) +
	  "\" NODE=\"" +
	    (if $have_nodes then (if .node == null then "-1" else (.node|tostring) end) else "" end) +
	  "\" ZONES=\"" +
	    (if $have_zones and .zones_status == "ok" then (.zones | map(zname) | join("/")) else "" end) +
	  "\""'
}

# Which known lsmem 2.38.1 bugs fixture $1 triggers: "zones" (util-linux
# #4055: have_zones only from memory0/valid_zones) and/or "nodes" (#3110:
# have_nodes only from the first block dir in version order); and
# "memconfig" for a tree with sys/firmware/memory/memory0, which 2.38 does
# not read (2.42 lists its blocks, deconfigured ones too): no comparison
# with 2.38 means anything there.
lsmem_bugs() {
	local memdir first bugs="" cache=$BATS_FILE_TMPDIR/bugs-$1
	if [ -f "$cache" ]; then
		cat "$cache"
		return
	fi
	memdir=$(fixture_memdir "$1")
	if [ ! -e "$memdir/memory0/valid_zones" ] &&
		compgen -G "$memdir/memory[0-9]*/valid_zones" >/dev/null; then
		bugs+=" zones"
	fi
	first=$(cd "$memdir" && printf '%s\n' memory[0-9]* | sort -V | head -n1)
	if ! compgen -G "$memdir/$first/node[0-9]*" >/dev/null &&
		compgen -G "$memdir/memory[0-9]*/node[0-9]*" >/dev/null; then
		bugs+=" nodes"
	fi
	[ -e "$FIXDIR/$1/sys/firmware/memory/memory0" ] && bugs+=" memconfig"

	echo "${bugs# }" | tee "$cache"
}

# jq definitions over fixture_blocks output, shared by list and summary
# tests.  "view" is what memhp's JSON should say about one block; zones that
# the fixture cannot tell (absent/unreadable valid_zones) become "UNK", and
# memhp may say null or [] for them ("norm_ranges" maps both to "UNK").
JQ_DEFS='
def jstate: if . == "online" or . == "offline" or . == "going-offline" then . else null end;
def view: {id, state: (.state | jstate), node,
           zones: (if .zones_status == "ok" and (.zones | length) > 0 then .zones else "UNK" end),
           removable: (if .removable_raw == null then null else .removable_raw == "1" end),
           configured: (if .config_raw == null then null else .config_raw == "1" end),
           memmap_on_memory: (if .memmap_raw == null then null else .memmap_raw == "1" end)};
def merge($bs):
  map(view)
  | reduce .[] as $b ([];
      [$b.state, $b.node, $b.zones, $b.removable, $b.configured, $b.memmap_on_memory] as $k
      | if length > 0 and .[-1].last_block + 1 == $b.id and .[-1].k == $k
        then .[-1].last_block = $b.id | .[-1].blocks += 1
        else . + [{first_block: $b.id, last_block: $b.id, blocks: 1, state: $b.state,
                   node: $b.node, zones: $b.zones, removable: $b.removable,
                   configured: $b.configured, memmap_on_memory: $b.memmap_on_memory, k: $k}]
        end)
  | map(del(.k) | .start = .first_block * $bs | .size = .blocks * $bs
        | .["end"] = .start + .size - 1);
def norm_ranges:
  map({first_block, last_block, blocks, start, "end": .["end"], size, state, node, removable,
       configured, memmap_on_memory,
       zones: (if .zones == null or .zones == [] then "UNK" else .zones end)});
'

# expected_ranges FIXTURE [JQ-SELECT]: the ranges memhp list --json should
# print, from the fixture's files; JQ-SELECT filters the blocks first (a jq
# expression over one block from fixture_blocks, e.g. '.node == 1').
expected_ranges() {
	local bs sel=${2:-true}
	bs=$(fixture_block_size "$1")
	fixture_blocks "$1" | jq -S --argjson bs "$bs" "$JQ_DEFS map(select($sel)) | merge(\$bs)"
}

# memhp_ranges: normalised .ranges of a memhp list --json document on stdin.
memhp_ranges() {
	jq -S "$JQ_DEFS .ranges | norm_ranges"
}

# setup_file body for the files that write: fixtures, and the fake kernel
# (tests/fakekernel) that stands in for state_store() and memhp.ko.
fakekernel_setup_file() {
	fixtures_setup_file || return 1
	FAKEKERNEL=$(dirname "$MEMHP")/libmemhp-fakekernel.so
	[ -f "$FAKEKERNEL" ] || { echo "no $FAKEKERNEL" >&2; return 1; }
	export FAKEKERNEL
}

# setup body of the files that change a copy of a fixture: the fake
# kernel's write log and the system log (MEMHP_FAKE_SYSLOG), both empty
fake_logs_setup() {
	export MEMHP_FAKE_LOG=$BATS_TEST_TMPDIR/writes
	export MEMHP_FAKE_SYSLOG=$BATS_TEST_TMPDIR/syslog
	: >"$MEMHP_FAKE_LOG"
	: >"$MEMHP_FAKE_SYSLOG"
}

# a fresh copy of fixture $1 in $T, the tree fmemhp works on
use_fixture() { # FIXTURE
	T=$BATS_TEST_TMPDIR/t
	rm -rf "$T"
	cp -a "$FIXDIR/$1" "$T"
}

# memhp with the fake kernel answering for the tree copy $T; ASan must not
# insist on coming first when the shim is preloaded.
fmemhp() {
	LD_PRELOAD=$FAKEKERNEL MEMHP_FAKE_ROOT=$T \
		ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 \
		"$MEMHP" --sysfs-root "$T" "$@"
}
