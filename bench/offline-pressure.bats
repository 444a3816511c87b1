#!/usr/bin/env bats
# bench/offline-pressure's guest (run that script, not this file): one
# QEMU guest, four hot-plugged 256M DIMMs, the lower two onlined Movable and
# the upper two Normal, and per seed a load of page cache, anonymous memory
# and slab sized from the seed; then the same size request made by memhp
# (memhp offline SIZE) and by the guest's chmem (chmem -d SIZE), each from
# the same state (the DIMMs back in their zones, the seed's load made
# afresh), the order alternating between seeds; then chmem given the
# blocks memhp took (chmem -d -b FIRST-LAST), the same work for both.
# Each run is timed in the guest by tests/vm/walltime.c.  One line per
# seed and tool on fd 3; bench/offline-pressure sums them up.

load ../tests/vm/vm_helper
load ../tests/vm/checks

setup_file() {
	vm_boot -m 1G,slots=4,maxmem=4G -- memhp_default_state=offline
}
teardown_file() { vm_shutdown; }
setup() { vm_require; }

SIZE=${BENCH_SIZE:-512M}

# the DIMMs' blocks back online in their zones (d1 d2 Movable, d3 d4 Normal)
restore() {
	guest_ok "memhp online --zone=movable $MOVABLE >/dev/null 2>&1; memhp online --zone=normal $NORMAL >/dev/null 2>&1; true" >/dev/null
}

# "BLOCK STATE ZONE" of each DIMM block, for before/after
dimm_state() {
	guest_ok "for b in $ALL; do d=/sys/devices/system/memory/memory\$b; echo \$b \$(cat \$d/state) \$(cat \$d/valid_zones | cut -d' ' -f1); done"
}

# one tool from the current state: "seed tool bytes movable normal ms tried"
# (chmem-same: chmem -b on the blocks memhp took in this seed, MEMHP_TOOK)
measure() { # SEED TOOL
	local before after t ms off mov nor tried out
	before=$(dimm_state)
	case $2 in
	memhp) cmd="memhp -vv --json offline $SIZE" ;;
	chmem) cmd="chmem -v -d $SIZE" ;;
	chmem-same) cmd="chmem -v -d -b $MEMHP_TOOK" ;;
	esac
	# walltime (tests/vm/walltime.c): the tool's own run, fork to wait,
	# in microseconds, with no shell or timer process of its own inside
	out=$(guest_out "walltime /tmp/time $cmd >/tmp/out 2>&1; cat /tmp/time")
	ms=$(awk '{ printf "%.1f", $2 / 1000 }' <<<"$out")
	after=$(dimm_state)
	# blocks this run took offline, by the zone they were online in
	off=$(join <(sort <<<"$before") <(sort <<<"$after") | awk '$2 == "online" && $4 == "offline"')
	if [ "$2" = memhp ]; then
		# chmem -b takes one range: only when memhp's blocks are one
		MEMHP_TOOK=$(awk '{ print $1 }' <<<"$off" | sort -n | awk '
			NR == 1 { first = $1 } NR > 1 && $1 != last + 1 { gap = 1 } { last = $1 }
			END { if (NR && !gap) print first "-" last }')
	fi
	mov=$(awk '$3 == "Movable"' <<<"$off" | grep -c . || true)
	nor=$(awk '$3 == "Normal"' <<<"$off" | grep -c . || true)
	if [ "$2" = memhp ]; then
		guest_out cat /tmp/out >"$BATS_TEST_TMPDIR/out"
		tried=$(sed -n '/^{/,$p' "$BATS_TEST_TMPDIR/out" |
			jq '[.blocks[]? | .attempts // 0] | add // 0' 2>/dev/null || echo "?")
		# where memhp's time went, from its debug lines: the census
		# (each pass), each write, and the rest (start, scans, output)
		awk -v seed="$1" -v total="${ms%.*}" '
			/census of [0-9]+ blocks in/ { for (i = 1; i < NF; i++) if ($i == "census") { c = c sep $(i + 2) " blocks " $(i + 5) " ms"; sep = ", "; cm += $(i + 5) } }
			/state <- offline: / { ms = $(NF - 1); b = $0; sub(/.*memory/, "", b); sub(/\/.*/, "", b)
				r = $0; sub(/.*offline: /, "", r); sub(/ \(.*/, "", r)
				w = w " " b ":" ms (r == "ok" ? "" : "(" r ")"); wm += ms }
			END { printf "# seed %s memhp %d ms: census %s; writes (block:ms)%s; the rest %d ms\n", seed, total, c, w, total - cm - wm }' \
			"$BATS_TEST_TMPDIR/out" >&3
	else
		tried=$(guest_out cat /tmp/out | grep -ciE 'memory block [0-9]+')
		# the order chmem went in
		echo "# seed $1 $2: $(guest_out cat /tmp/out | grep -oiE 'memory block [0-9]+ .*' | sed -E 's/[Mm]emory block ([0-9]+)[^a-z]*(.*)/\1 \2/' | paste -sd, | sed 's/,/, /g')" >&3
	fi
	echo "$1 $2 $(((mov + nor) * BS)) $mov $nor $ms ${tried:-?} rc=${out%% *}" >&3
}

@test "offline under pressure: memhp and chmem, seed by seed" {
	local seed n=${BENCH_SEEDS:-5} first=${BENCH_SEED:-1} d tools tool
	BS=$(guest_block_size)
	for d in d1 d2 d3 d4; do
		vm_add_dimm "$d" 256M || vm_fail "DIMM $d did not plug"
	done
	MOVABLE=$( (dimm_blocks d1 "$BS"; dimm_blocks d2 "$BS") | tr '\n' ' ')
	NORMAL=$( (dimm_blocks d3 "$BS"; dimm_blocks d4 "$BS") | tr '\n' ' ')
	ALL="$MOVABLE $NORMAL"
	guest_wait_blocks $ALL
	MOVABLE=$(tr ' ' '\n' <<<"$MOVABLE" | awk NF | sed -n '1p;$p' | paste -sd-)
	NORMAL=$(tr ' ' '\n' <<<"$NORMAL" | awk NF | sed -n '1p;$p' | paste -sd-)
	echo "# block size $BS, request $SIZE, Movable DIMM blocks $MOVABLE, Normal $NORMAL" >&3
	for seed in $(seq "$first" $((first + n - 1))); do
		local cache=$((32 + seed * 37 % 96)) anon=$((16 + seed * 53 % 48)) dirs=$((2000 + seed * 7919 % 6000))
		echo "# seed $seed: page cache ${cache}M (tmpfs), anonymous ${anon}M, slab: $dirs directories" >&3
		# each tool from the same start: the DIMMs back in their zones
		# and the seed's load made afresh (an offline moves the load
		# out of the blocks it takes, and it stays moved); the order
		# alternates between seeds
		if [ $((seed % 2)) = 1 ]; then
			tools="memhp chmem"
		else
			tools="chmem memhp"
		fi
		# then the same work for both: chmem given the blocks memhp took
		for tool in $tools chmem-same; do
			[ "$tool" = chmem-same ] && [ -z "$MEMHP_TOOK" ] && continue
			restore
			load "$seed" "$cache" "$anon" "$dirs"
			measure "$seed" "$tool"
			unload
		done
	done
}

# the load: page cache (a tmpfs file), anonymous memory (a shell variable
# held by a sleeping subshell) and slab (directories)
load() { # SEED CACHE_MIB ANON_MIB DIRS
	guest --timeout 300 "rm -rf /tmp/load; mkdir -p /tmp/load/d; cd /tmp/load &&
		dd if=/dev/urandom of=cache bs=1M count=$2 2>/dev/null &&
		i=0; while [ \$i -lt $4 ]; do mkdir d/\$i; i=\$((i+1)); done;
		(x=\$(head -c ${3}M /dev/zero | tr '\\0' a); sleep 100000) >/dev/null 2>&1 &
		echo \$! >/tmp/load/anon.pid; sleep 2"
	[ "$status" -eq 0 ] || vm_fail "load for seed $1: $output"
}

unload() {
	guest_ok "kill \$(cat /tmp/load/anon.pid) 2>/dev/null; pkill -f 'sleep 100000'; rm -rf /tmp/load; true" >/dev/null
}
