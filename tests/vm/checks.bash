# Assertions that compare memhp in the guest with the guest's own kernel
# (sysfs) and with Debian's lsmem. Loaded after vm_helper.bash.
# Nothing here hard-codes block numbers or sizes: expectations are read
# from the guest at the moment of the check.

# lsmem option sets whose output memhp list must reproduce byte for byte.
LSMEM_OPTION_SETS=(
	""
	"-a"
	"-o +ZONES,NODE"
	"-r -o RANGE,SIZE,STATE,REMOVABLE,BLOCK,NODE,ZONES"
	"-P"
	"-b"
	"--summary=only"
	"-a -r -o BLOCK,NODE,STATE,ZONES"
)

# Guest script: one line per memory block: "block state node removable zones..."
# (node "-" when the block is in no node).
GUEST_SYSFS_BLOCKS='
for d in /sys/devices/system/memory/memory[0-9]*; do
	n=${d##*memory}; node=-
	for l in $d/node[0-9]*; do [ -e "$l" ] && node=${l##*node}; done
	echo "$n $(cat $d/state) $node $(cat $d/removable 2>/dev/null || echo -) $(cat $d/valid_zones 2>/dev/null)"
done | sort -n'

# Guest script: one line per node: "node blocks online offline" from the
# memoryN links under /sys/devices/system/node/nodeN.
GUEST_SYSFS_NODES='
for nd in /sys/devices/system/node/node[0-9]*; do
	n=${nd##*node}; t=0; on=0; off=0
	for m in $nd/memory[0-9]*; do
		[ -e "$m" ] || continue
		t=$((t+1))
		case $(cat $m/state) in online) on=$((on+1));; offline) off=$((off+1));; esac
	done
	echo "$n $t $on $off"
done | sort -n'

guest_block_size() {
	local hex
	if [ ! -s "$VM_DIR/block_size" ]; then
		hex=$(guest_ok cat /sys/devices/system/memory/block_size_bytes) || return 1
		echo $((16#$hex)) >"$VM_DIR/block_size"
	fi
	cat "$VM_DIR/block_size"
}

# JSON array of the guest's blocks from sysfs.
sysfs_blocks_json() {
	guest_ok "$GUEST_SYSFS_BLOCKS" | jq -R -s -c '
		split("\n") | map(select(length > 0) | split(" ") |
		{block: (.[0] | tonumber), state: .[1],
		 node: (if .[2] == "-" then null else (.[2] | tonumber) end),
		 removable: .[3], zones: .[4:]})'
}

# assert_list_json_matches_sysfs [memhp list options...]:
# every sysfs block lies in exactly one JSON range whose state, node and zones
# equal the block's sysfs values; ranges are block-aligned and consistent.
assert_list_json_matches_sysfs() {
	local sys json bs errs
	bs=$(guest_block_size) || return 1
	sys=$(sysfs_blocks_json) || return 1
	guest memhp list --json "$@"
	[ "$status" -eq 0 ] || { echo "memhp list --json $* failed: $output" | fail; return 1; }
	json=$stdout
	jq -e . >/dev/null <<<"$json" || { echo "memhp list --json $*: not JSON: $json" | fail; return 1; }
	errs=$(jq -r --argjson s "$sys" --argjson bs "$bs" '
		.ranges as $r |
		( if .block_size != $bs then "block_size \(.block_size) != sysfs \($bs)" else empty end ),
		( $r[] | select(.start != .first_block * $bs or .end != (.last_block + 1) * $bs - 1
		                or .size != .blocks * $bs or .blocks != .last_block - .first_block + 1)
		  | "range \(.first_block)-\(.last_block): start/end/size/blocks inconsistent" ),
		( $s[] | . as $b |
		  [ $r[] | select(.first_block <= $b.block and .last_block >= $b.block) ] as $m |
		  if ($m | length) != 1 then "block \($b.block): in \($m | length) ranges"
		  elif $m[0].state != $b.state then "block \($b.block): state \($m[0].state) != sysfs \($b.state)"
		  elif $m[0].node != $b.node then "block \($b.block): node \($m[0].node) != sysfs \($b.node)"
		  elif $m[0].zones != $b.zones then "block \($b.block): zones \($m[0].zones) != sysfs \($b.zones)"
		  else empty end ),
		( ([ $r[].blocks ] | add) as $n | if $n != ($s | length)
		  then "ranges cover \($n) blocks, sysfs has \($s | length)" else empty end )
		' <<<"$json")
	if [ -n "$errs" ]; then
		printf 'memhp list --json %s disagrees with the guest sysfs:\n%s\nsysfs: %s\nmemhp: %s\n' \
			"$*" "$errs" "$sys" "$json" | fail
		return 1
	fi
}

# memhp list OPTS must print exactly what the guest's lsmem OPTS prints
# (stdout and exit status), for every option set, and memhp list
# --json=lsmem OPTS what lsmem -J OPTS prints (where -J goes with OPTS).
# One guest round trip: the guest compares and prints only the differences.
assert_list_equals_lsmem() {
	local script="" opts
	for opts in "${LSMEM_OPTION_SETS[@]}"; do
		script+=$(compare_in_guest "$opts" "$opts")$'\n'
		case " $opts " in
		*" -r "* | *" -P "* | *--summary=only*) ;;
		*) script+=$(compare_in_guest "-J $opts" "--json=lsmem $opts")$'\n' ;;
		esac
	done
	guest "bad=0"$'\n'"$script"'exit $bad'
	[ "$status" -eq 0 ] || { printf '%s\n' "$output" | fail; return 1; }
}

# compare_in_guest LSMEM-OPTS MEMHP-OPTS: the guest script lines that run
# both and report a difference
compare_in_guest() {
	printf "l='%s' m='%s'\n" "$1" "$2"
	printf '%s\n' 'lsmem $l >/tmp/l.out 2>/tmp/l.err; lr=$?
memhp list $m >/tmp/m.out 2>/tmp/m.err; mr=$?
[ $lr -eq 0 ] || { bad=1; echo "lsmem $l itself failed ($lr): $(cat /tmp/l.err)"; }
if [ $lr -ne $mr ] || ! cmp -s /tmp/l.out /tmp/m.out; then
	bad=1; echo "== memhp list $m (rc $mr) differs from lsmem $l (rc $lr):"
	diff -u /tmp/l.out /tmp/m.out | tail -n +3; cat /tmp/m.err
fi'
}

# memhp summary --json: totals equal lsmem --summary=only -b; per-node
# figures equal the memoryN links under /sys/devices/system/node/nodeN;
# per-node zones equal the zones of the node's online blocks.
assert_summary_matches() {
	local bs ls on off json nodes sys errs
	bs=$(guest_block_size) || return 1
	ls=$(guest_ok lsmem --summary=only -b) || return 1
	on=$(awk -F: '/^Total online memory/{gsub(/ /,"",$2); print $2}' <<<"$ls")
	off=$(awk -F: '/^Total offline memory/{gsub(/ /,"",$2); print $2}' <<<"$ls")
	[ -n "$on" ] && [ -n "$off" ] || { echo "cannot parse lsmem --summary=only -b: $ls" | fail; return 1; }
	guest memhp summary --json
	[ "$status" -eq 0 ] || { echo "memhp summary --json failed: $output" | fail; return 1; }
	json=$stdout
	nodes=$(guest_ok "$GUEST_SYSFS_NODES" | jq -R -s -c '
		split("\n") | map(select(length > 0) | split(" ") | map(tonumber) |
		{node: .[0], blocks: .[1], online: .[2], offline: .[3]})') || return 1
	sys=$(sysfs_blocks_json) || return 1
	errs=$(jq -r --argjson bs "$bs" --argjson on "$on" --argjson off "$off" \
		--argjson nodes "$nodes" --argjson sys "$sys" '
		.summary as $m |
		( if .block_size != $bs then "block_size \(.block_size) != sysfs \($bs)" else empty end ),
		( if $m.online != $on then "online \($m.online) != lsmem \($on)" else empty end ),
		( if $m.offline != $off then "offline \($m.offline) != lsmem \($off)" else empty end ),
		( $nodes[] | select(.blocks > 0) | . as $n |
		  [ $m.nodes[] | select(.node == $n.node) ] as $e |
		  if ($e | length) != 1 then "node \($n.node): \($e | length) entries in memhp summary"
		  else $e[0] |
		    ( if .blocks != $n.blocks then "node \($n.node): blocks \(.blocks) != sysfs \($n.blocks)" else empty end ),
		    ( if .online != $n.online * $bs then "node \($n.node): online \(.online) != sysfs \($n.online * $bs)" else empty end ),
		    ( if .offline != $n.offline * $bs then "node \($n.node): offline \(.offline) != sysfs \($n.offline * $bs)" else empty end ),
		    ( if (.free | type) != "number" or .free <= 0 or .free > .online then "node \($n.node): free \(.free) is not a size within its online memory (libnuma, opened at run time)" else empty end ),
		    ( ([ $sys[] | select(.node == $n.node and .state == "online") | .zones[0] ]
		       | group_by(.) | map({key: .[0], value: (length * $bs)}) | from_entries) as $z |
		      ((.zones // {}) | with_entries(select(.value != 0))) as $mz |
		      if $mz != $z then "node \($n.node): zones \($mz) != sysfs online blocks by zone \($z)" else empty end )
		  end ),
		( $m.nodes[] | select(.blocks > 0) | . as $e |
		  if ([ $nodes[] | select(.node == $e.node and .blocks > 0) ] | length) == 0
		  then "memhp reports node \($e.node) with \($e.blocks) blocks, sysfs has none" else empty end )
		' <<<"$json")
	if [ -n "$errs" ]; then
		printf 'memhp summary --json disagrees with lsmem / node sysfs:\n%s\nlsmem: %s\nnodes: %s\nmemhp: %s\n' \
			"$errs" "$ls" "$nodes" "$json" | fail
		return 1
	fi
}

# Wait (bounded) until the guest has a memory block device for every block
# of BLOCKS... (numbers).
guest_wait_blocks() {
	local b conds=""
	for b in "$@"; do conds="$conds [ -e /sys/devices/system/memory/memory$b ] &&"; done
	guest --timeout 40 "i=0; until $conds true; do i=\$((i+1)); [ \$i -gt 300 ] && exit 1; sleep 0.1; done"
	[ "$status" -eq 0 ] || { vm_fail "blocks $* did not appear in the guest: $output"; return 1; }
}

guest_wait_blocks_gone() {
	local b conds=""
	for b in "$@"; do conds="$conds [ ! -e /sys/devices/system/memory/memory$b ] &&"; done
	guest --timeout 40 "i=0; until $conds true; do i=\$((i+1)); [ \$i -gt 300 ] && exit 1; sleep 0.1; done"
	[ "$status" -eq 0 ] || { vm_fail "blocks $* are still in the guest: $output"; return 1; }
}

# Block numbers of a plugged DIMM (from QEMU's query-memory-devices).
dimm_blocks() { # ID BLOCK_SIZE
	local line addr size
	line=$(vm_dimms | awk -v id="$1" '$1 == id') || return 1
	[ -n "$line" ] || { echo "no DIMM $1 in QEMU" >&2; return 1; }
	read -r _ addr size _ <<<"$line"
	seq $((addr / $2)) $(((addr + size) / $2 - 1))
}

# The guest kernel's log holds no sign of a kernel bug since this file's
# tests began (in a shared guest, earlier files are not this file's).
assert_no_kernel_splat() {
	guest "$VM_KMSG_OF_FILE | grep -E '$VM_SPLAT' || true"
	assert_output ""
}

# ---- DIMMs and blocks, shared by the state-change files ----------------------

memtotal_kb() { guest_ok "awk '/^MemTotal:/ {print \$2}' /proc/meminfo"; }

# the distinct values of ATTR over the blocks of RANGE ("32-35"), sorted
range_attr() { # RANGE ATTR...
	local range=$1
	shift
	guest_ok "for b in \$(seq ${range%-*} ${range#*-}); do for a in $*; do cat /sys/devices/system/memory/memory\$b/\$a; done; done | sort -u"
}

# plug DIMM $1 (512M) and print its block range "first-last"
plug() {
	local bs blocks
	bs=$(guest_block_size) || return 1
	vm_add_dimm "$1" 512M >/dev/null || return 1
	blocks=$(dimm_blocks "$1" "$bs") || return 1
	guest_wait_blocks $blocks >/dev/null || return 1
	echo "$(head -n1 <<<"$blocks")-$(tail -n1 <<<"$blocks")"
}

# a boot block that holds kernel pages and sits in one zone: the block of
# the top of boot RAM (memblock puts the memmap there) or of the kernel
block_with_kernel_pages() {
	guest_ok '
	bs=$((0x$(cat /sys/devices/system/memory/block_size_bytes)))
	top=$(grep "^00100000-.* : System RAM\$" /proc/iomem | cut -d- -f2 | cut -d" " -f1)
	kern=$(grep -E ": Kernel (code|data|bss)\$" /proc/iomem | sed "s/^ *//" | cut -d- -f1)
	for a in $top $kern; do
		b=$(( 0x$a / bs ))
		z=$(cat /sys/devices/system/memory/memory$b/valid_zones)
		case "$z" in *" "*|none) continue;; esac
		echo $b; exit 0
	done
	exit 1'
}

# Block ids inside the guest's /proc/iomem resources named NAME ("System
# RAM (virtio_mem)", "System RAM (kmem)"), one a line, ascending.
iomem_blocks() { # NAME BLOCK_SIZE
	local name=$1 bs=$2 line s e a
	guest_ok 'cat /proc/iomem' | grep -F ": $name" |
		while read -r line; do
			s=0x${line%%-*} e=${line#*-} e=0x${e%% *}
			for ((a = s; a < e; a += bs)); do echo $((a / bs)); done
		done | sort -n
}
