#!/usr/bin/env bats
# memhp policy against the real kernel (issue 6): each knob set with memhp
# changes what the guest kernel does with a hot-added DIMM, memhp --json
# reports what sysfs says, bad values and a write the kernel refuses leave
# sysfs as it was, and the other onliners (kernel, udev rules) are named.
#
# One boot: two NUMA nodes (768M + 256M of boot RAM, so node 1 alone has
# little kernel memory for auto_movable_numa_aware to weigh), eight DIMM
# slots, and memory_hotplug.memmap_on_memory=1 so the read-only knob shows
# a value other than the default. The kernel's own default policy is left
# alone (6.1 leaves hot-added memory offline, 6.12 onlines it): every test
# sets what it relies on. DIMMs are never unplugged, so each new one lies
# above all memory the guest has, in no zone's span yet.

load vm_helper
load checks

DIMM_SIZE=256M

setup_file() {
	vm_boot -m 1G,slots=8,maxmem=4G \
		-object memory-backend-ram,id=ram0,size=768M \
		-object memory-backend-ram,id=ram1,size=256M \
		-numa node,nodeid=0,cpus=0,memdev=ram0 \
		-numa node,nodeid=1,cpus=1,memdev=ram1 \
		-- memory_hotplug.memmap_on_memory=1
	# boot memory per zone, before any hot-add: the kernel's "early" pages
	if [ "$(cat "$VM_DIR/boot.state" 2>/dev/null)" = ok ]; then
		guest_out "$GUEST_ZONEINFO" >"$BATS_FILE_TMPDIR/zones.boot" 2>/dev/null || true
	fi
}
teardown_file() { vm_shutdown; }
setup() { vm_require; }

MHP=/sys/module/memory_hotplug/parameters
AUTO=/sys/devices/system/memory/auto_online_blocks

# Guest script: "key value" for every policy knob the guest kernel has.
GUEST_POLICY='
echo "auto_online_blocks $(cat '$AUTO')"
for k in online_policy auto_movable_ratio auto_movable_numa_aware memmap_on_memory; do
	if [ -e '$MHP'/$k ]; then echo "$k $(cat '$MHP'/$k)"; fi
done'

# Guest script: "node zone present cma" (pages) from /proc/zoneinfo.
GUEST_ZONEINFO='awk "/^Node/ { n = \$2; sub(\",\", \"\", n); z = \$4 }
	\$1 == \"present\" { p[n \" \" z] = \$2 }
	\$1 == \"cma\" { c[n \" \" z] = \$2 }
	END { for (k in p) print k, p[k], c[k] + 0 }" /proc/zoneinfo | sort'

# The guest's policy knobs as a JSON object of strings, straight from sysfs.
sysfs_policy() {
	guest_ok "$GUEST_POLICY" | jq -R -s -c '
		split("\n") | map(select(length > 0) | split(" ") | {(.[0]): (.[1:] | join(" "))}) | add'
}

# jq: sysfs strings -> the types memhp-json(7) promises (bool knobs print
# Y or N; memmap_on_memory may also say force).
JQ_TYPED='def typed: with_entries(
	if .key == "auto_movable_ratio" then .value |= tonumber
	elif .key == "auto_movable_numa_aware" or .key == "memmap_on_memory"
	then .value |= (if . == "Y" or . == "force" then true elif . == "N" then false
			else "unexpected sysfs value \(.)" end)
	else . end);'

# How the kernel prints VALUE of KEY once it took it (bools as Y/N).
kernel_form() { # KEY VALUE
	case "$1" in
		auto_movable_numa_aware)
			case "${2,,}" in y|yes|1|true) echo Y ;; n|no|0|false) echo N ;; *) echo "$2" ;; esac ;;
		*) echo "$2" ;;
	esac
}

# memhp policy --json, run now, reports the knobs as sysfs has them, typed,
# and names the kernel as an onliner exactly when auto_online_blocks is
# not offline.
assert_policy_json_matches_sysfs() {
	local sys errs
	sys=$(sysfs_policy) || return 1
	guest memhp --json policy
	[ "$status" -eq 0 ] || { echo "memhp --json policy failed ($status): $output" | fail; return 1; }
	errs=$(jq -r --argjson s "$sys" "$JQ_TYPED"'
		( if .schema != 1 then "schema \(.schema) != 1" else empty end ),
		( ($s | typed) as $want |
		  if .policy != $want then "policy \(.policy | tojson) != sysfs \($want | tojson)" else empty end ),
		( [ .agents[] | select(.kind == "kernel") ] as $k |
		  if $s.auto_online_blocks == "offline" then
			if $k != [] then "kernel listed as an onliner with auto_online_blocks=offline: \($k | tojson)" else empty end
		  elif [ $k[] | {kind, setting, value} ] != [ {kind: "kernel", setting: "auto_online_blocks", value: $s.auto_online_blocks} ]
		       or ($k[0].owners | type) != "array" then
			"kernel onliner \($k | tojson) does not say auto_online_blocks=\($s.auto_online_blocks)"
		  else empty end )' <<<"$stdout" 2>&1)
	if [ -n "$errs" ]; then
		printf 'memhp --json policy disagrees with the guest sysfs:\n%s\nsysfs: %s\nmemhp: %s\n' \
			"$errs" "$sys" "$stdout" | fail
		return 1
	fi
}

# memhp --json policy KEY=VALUE...: succeeds, each knob reads back from
# sysfs as the kernel prints VALUE, no other knob moved, "changed" lists
# each key with its sysfs value before and after, and --json agrees.
policy_set() { # KEY=VALUE...
	local before after a k v want errs=""
	before=$(sysfs_policy) || return 1
	guest memhp --json policy "$@"
	[ "$status" -eq 0 ] || { echo "memhp policy $* failed ($status): $output" | fail; return 1; }
	local json=$stdout
	after=$(sysfs_policy) || return 1
	local keys=()
	for a in "$@"; do
		k=${a%%=*} v=${a#*=}
		keys+=("$k")
		want=$(kernel_form "$k" "$v")
		[ "$(jq -r --arg k "$k" '.[$k]' <<<"$after")" = "$want" ] ||
			errs+="sysfs $k is $(jq -r --arg k "$k" '.[$k]' <<<"$after"), not $want"$'\n'
	done
	errs+=$(jq -r -n --argjson b "$before" --argjson a "$after" --argjson j "$json" \
		--args '$ARGS.positional as $keys |
		( $b | keys[] | select(. as $k | $keys | index($k) | not) |
		  select($b[.] != $a[.]) | "\(.) changed from \($b[.]) to \($a[.]) though not asked" ),
		( [ $keys[] | {key: ., from: $b[.], to: $a[.]} ] as $want |
		  if $j.changed != $want then "changed \($j.changed | tojson) != sysfs before/after \($want | tojson)"
		  else empty end )' "${keys[@]}")
	if [ -n "$errs" ]; then
		printf 'memhp policy %s:\n%s\nsysfs before: %s\nsysfs after: %s\nmemhp: %s\n' \
			"$*" "$errs" "$before" "$after" "$json" | fail
		return 1
	fi
	assert_policy_json_matches_sysfs
}

# Pages of the guest: "early" (boot) kernel pages and Movable pages, as the
# kernel's auto-movable policy counts them (CMA counts as Movable), for
# node N or, with "all", for the whole guest. KERNEL_EARLY comes from the
# boot-time zoneinfo, MOVABLE from the current one.
kernel_early_pages() { # N|all
	[ -s "$BATS_FILE_TMPDIR/zones.boot" ] || { echo "no boot-time zoneinfo recorded" >&2; return 1; }
	awk -v n="$1" '(n == "all" || $1 == n) && $2 != "Movable" { s += $3 - $4 } END { print s + 0 }' \
		"$BATS_FILE_TMPDIR/zones.boot"
}
movable_pages() { # N|all
	guest_ok "$GUEST_ZONEINFO" | awk -v n="$1" '
		(n == "all" || $1 == n) { s += ($2 == "Movable") ? $3 : $4 } END { print s + 0 }'
}
dimm_pages() { echo $(($(numfmt --from=iec "$DIMM_SIZE") / 4096)); }

# Plug DIMM ID on NODE, wait until the guest has bound all its blocks to
# the ACPI device (that happens after the kernel's own auto-onlining), and
# check each block is in STATE (and, online, in ZONE) on NODE.
plug_expect() { # ID NODE STATE [ZONE]
	local id=$1 node=$2 state=$3 zone=${4:-} bs blocks b conds="" want=""
	bs=$(guest_block_size) || return 1
	vm_add_dimm "$id" "$DIMM_SIZE" "$node" >/dev/null || { vm_fail "could not plug $id"; return 1; }
	blocks=$(dimm_blocks "$id" "$bs") || { vm_fail "no blocks for $id"; return 1; }
	for b in $blocks; do conds="$conds [ -e /sys/devices/system/memory/memory$b/firmware_node ] &&"; done
	guest --timeout 40 "i=0; until $conds true; do i=\$((i+1)); [ \$i -gt 300 ] && exit 1; sleep 0.1; done"
	[ "$status" -eq 0 ] || { vm_fail "DIMM $id: blocks $(echo $blocks) not added: $output"; return 1; }
	guest_ok "for b in $(echo $blocks); do d=/sys/devices/system/memory/memory\$b
		echo \"\$b \$(cat \$d/state) \$(ls -d \$d/node* | sed 's,.*/,,')\" \$(cat \$d/valid_zones); done" \
		>"$BATS_TEST_TMPDIR/blocks" || return 1
	for b in $blocks; do
		if [ "$state" = offline ]; then want+="$b offline node$node"$'\n'
		else want+="$b $state node$node $zone"$'\n'; fi
	done
	local got
	if [ "$state" = offline ]; then got=$(cut -d' ' -f1-3 "$BATS_TEST_TMPDIR/blocks")
	else got=$(cat "$BATS_TEST_TMPDIR/blocks"); fi
	[ "$got" = "${want%$'\n'}" ] || {
		printf 'DIMM %s (node %s): blocks not %s %s\nwant:\n%sgot (block state node valid_zones):\n%s\npolicy: %s\n' \
			"$id" "$node" "$state" "$zone" "$want" "$(cat "$BATS_TEST_TMPDIR/blocks")" \
			"$(sysfs_policy)" | fail
		return 1
	}
}

# the smallest ratio (percent) that lets M + S pages of Movable fit twice
# over into K early kernel pages, and the largest that leaves room for at
# most half of S: the kernel must then say Movable and Normal
ratio_roomy() { # MOVABLE SIZE EARLY
	echo $(( (200 * ($1 + $2) + $3 - 1) / $3 ))
}
ratio_tight() { # SIZE EARLY
	local r=$(( 50 * $1 / $2 ))
	[ "$r" -ge 1 ] || r=1
	echo "$r"
}

@test "policy --json and the table report the guest's sysfs; memmap_on_memory as booted" {
	local sys k v
	sys=$(sysfs_policy)
	# booted with memory_hotplug.memmap_on_memory=1: not the default N
	assert_equal "$(jq -r .memmap_on_memory <<<"$sys")" Y
	assert_policy_json_matches_sysfs
	# the table: one "key value" line per knob, in memhp's order
	guest memhp policy
	assert_success
	for k in auto_online_blocks online_policy auto_movable_ratio auto_movable_numa_aware memmap_on_memory; do
		v=$(jq -r --arg k "$k" '.[$k]' <<<"$sys")
		assert_line --regexp "^$k +$v( |\$)"
	done
	if [ "$(jq -r .auto_online_blocks <<<"$sys")" = offline ]; then
		refute_output --partial "kernel: auto_online_blocks"
	else
		assert_output --partial "kernel: auto_online_blocks=$(jq -r .auto_online_blocks <<<"$sys") onlines it"
	fi
	# one key: just its line
	guest memhp policy auto_movable_ratio
	assert_success
	assert_output --regexp "^auto_movable_ratio +$(jq -r .auto_movable_ratio <<<"$sys")\$"
}

@test "memmap_on_memory cannot be set: exit 2, nothing written" {
	local before v
	before=$(guest_ok "$GUEST_POLICY")
	# the kernel itself has it read-only
	guest "echo N >$MHP/memmap_on_memory"
	assert_failure
	for v in N 0 Y; do
		guest memhp policy memmap_on_memory=$v
		assert_equal "$status" 2
		assert_output --partial "boot parameter"
		# a valid change before it in the same call is not written either
		guest memhp policy auto_online_blocks=online_movable auto_movable_ratio=7 memmap_on_memory=$v
		assert_equal "$status" 2
	done
	assert_equal "$(guest_ok "$GUEST_POLICY")" "$before"
	assert_policy_json_matches_sysfs
}

@test "invalid values, which the kernel refuses too: exit 2, guest sysfs unchanged" {
	local before bad args
	before=$(guest_ok "$GUEST_POLICY")
	# KEY=VALUE pairs the guest kernel rejects itself (checked below)
	bad=(
		"auto_online_blocks=movable" "auto_online_blocks=Online" "auto_online_blocks=online_dma"
		"online_policy=auto_movable" "online_policy=contig" "online_policy=movable"
		"auto_movable_ratio=-1" "auto_movable_ratio=4294967296" "auto_movable_ratio=12abc"
		"auto_movable_numa_aware=maybe" "auto_movable_numa_aware=2"
	)
	for args in "${bad[@]}"; do
		guest "memhp policy $args"
		[ "$status" -eq 2 ] || fail "memhp policy $args: exit $status, not 2: $output"
		# preceded by valid changes: still nothing written
		guest "memhp policy auto_online_blocks=online_movable online_policy=auto-movable auto_movable_ratio=7 auto_movable_numa_aware=N $args"
		[ "$status" -eq 2 ] || fail "memhp policy ... $args: exit $status, not 2: $output"
	done
	for args in "no_such_knob=1" "no_such_knob" "auto_online_blocks=online_movable auto_online=online"; do
		guest "memhp policy $args"
		[ "$status" -eq 2 ] || fail "memhp policy $args: exit $status, not 2: $output"
	done
	assert_equal "$(guest_ok "$GUEST_POLICY")" "$before"
	# the kernel agrees they are invalid: writing them directly fails too
	for args in "${bad[@]}"; do
		local k=${args%%=*} f
		[ "$k" = auto_online_blocks ] && f=$AUTO || f=$MHP/$k
		guest "printf '%s' '${args#*=}' >$f"
		[ "$status" -ne 0 ] || fail "the guest kernel took $args; the test's list is wrong"
	done
	assert_equal "$(guest_ok "$GUEST_POLICY")" "$before"
}

@test "a write the guest kernel refuses midway: exit 1, the knobs already written are put back" {
	local before old new a k
	before=$(sysfs_policy)
	# online_policy made read-only in the guest: its write now fails (EACCES)
	guest "chmod 0444 $MHP/online_policy && ! echo contig-zones >$MHP/online_policy"
	assert_success
	# every earlier knob gets a value other than its current one
	new=()
	case "$(jq -r .auto_online_blocks <<<"$before")" in
		online_movable) new+=(auto_online_blocks=online_kernel) ;;
		*) new+=(auto_online_blocks=online_movable) ;;
	esac
	new+=(auto_movable_ratio=$(( $(jq -r .auto_movable_ratio <<<"$before") + 17 )))
	case "$(jq -r .auto_movable_numa_aware <<<"$before")" in
		Y) new+=(auto_movable_numa_aware=no) ;;
		*) new+=(auto_movable_numa_aware=yes) ;;
	esac
	case "$(jq -r .online_policy <<<"$before")" in
		contig-zones) new+=(online_policy=auto-movable) ;;
		*) new+=(online_policy=contig-zones) ;;
	esac
	guest memhp policy "${new[@]}"
	local st=$status out=$output
	guest "chmod 0644 $MHP/online_policy"
	assert_success
	status=$st output=$out
	assert_failure 1
	assert_output --partial online_policy
	assert_equal "$(sysfs_policy)" "$before"
	# and with the knob writable again, the same call goes through
	policy_set "${new[@]}"
}

@test "auto_movable_numa_aware: yes weighs node 1's own small kernel memory (Normal), no only the whole guest's (Movable)" {
	local s k k1 m m1 lo hi r
	s=$(dimm_pages)
	k=$(kernel_early_pages all)
	k1=$(kernel_early_pages 1)
	m=$(movable_pages all)
	m1=$(movable_pages 1)
	# a ratio at which the guest as a whole has room for the DIMM in Movable
	# but node 1 alone has not
	lo=$(( (100 * (m + s) + k - 1) / k ))
	hi=$(( (100 * (m1 + s) + k1 - 1) / k1 - 1 ))
	[ $((hi - lo)) -ge 4 ] || fail "no ratio separates node 1 from the guest (lo $lo hi $hi; K $k K1 $k1 M $m M1 $m1 S $s)"
	r=$(( (lo + hi) / 2 ))
	policy_set auto_online_blocks=online online_policy=auto-movable auto_movable_ratio=$r auto_movable_numa_aware=yes
	assert_equal "$(guest_ok cat $MHP/auto_movable_numa_aware)" Y
	plug_expect numa-yes 1 online Normal
	# the other spellings the kernel knows for a bool
	policy_set auto_movable_numa_aware=0
	policy_set auto_movable_numa_aware=1
	policy_set auto_movable_numa_aware=no
	assert_equal "$(guest_ok cat $MHP/auto_movable_numa_aware)" N
	plug_expect numa-no 1 online Movable
}

@test "auto_online_blocks=online_movable: a hot-added DIMM comes up online in Movable" {
	# with online (contig-zones) it would be Normal, with offline offline
	policy_set auto_online_blocks=online_movable online_policy=contig-zones
	assert_equal "$(guest_ok cat $AUTO)" online_movable
	plug_expect movable 0 online Movable
}

@test "auto_online_blocks=online_kernel: online in Normal, though auto-movable would pick Movable" {
	local r
	r=$(ratio_roomy "$(movable_pages all)" "$(dimm_pages)" "$(kernel_early_pages all)")
	policy_set auto_online_blocks=online_kernel online_policy=auto-movable auto_movable_ratio=$r auto_movable_numa_aware=no
	assert_equal "$(guest_ok cat $AUTO)" online_kernel
	plug_expect kernel 0 online Normal
}

@test "auto_online_blocks=offline: the DIMM's blocks stay offline; the kernel is no onliner" {
	policy_set auto_online_blocks=offline
	assert_equal "$(guest_ok cat $AUTO)" offline
	guest memhp --json policy
	run jq -e '[.agents[] | select(.kind == "kernel")] == []' <<<"$stdout"
	assert_success
	plug_expect offline 0 offline
}

@test "online_policy=contig-zones: auto-onlined into Normal even where the ratio has room for Movable" {
	local r
	r=$(ratio_roomy "$(movable_pages all)" "$(dimm_pages)" "$(kernel_early_pages all)")
	policy_set auto_online_blocks=online online_policy=contig-zones auto_movable_ratio=$r auto_movable_numa_aware=no
	assert_equal "$(guest_ok cat $MHP/online_policy)" contig-zones
	plug_expect contig 0 online Normal
}

@test "online_policy=auto-movable: Movable when auto_movable_ratio has room for the DIMM" {
	local r
	r=$(ratio_roomy "$(movable_pages all)" "$(dimm_pages)" "$(kernel_early_pages all)")
	policy_set auto_online_blocks=online online_policy=auto-movable auto_movable_ratio=$r auto_movable_numa_aware=no
	assert_equal "$(guest_ok cat $MHP/auto_movable_ratio)" "$r"
	plug_expect ratio-roomy 0 online Movable
}

@test "auto_movable_ratio too small for the DIMM: auto-movable falls back to Normal" {
	local r
	r=$(ratio_tight "$(dimm_pages)" "$(kernel_early_pages all)")
	policy_set auto_online_blocks=online online_policy=auto-movable auto_movable_ratio=$r auto_movable_numa_aware=no
	assert_equal "$(guest_ok cat $MHP/auto_movable_ratio)" "$r"
	plug_expect ratio-tight 0 online Normal
}

@test "other onliners: a udev rule that writes a memory block's state is named with file and line" {
	local rules=/etc/udev/rules.d/60-test-memory-online.rules line text
	guest_ok "mkdir -p /etc/udev/rules.d && cat >$rules <<'EOF'
# test rules: only the memory one onlines memory
SUBSYSTEM==\"cpu\", ACTION==\"add\", ATTR{online}=\"1\"
SUBSYSTEM==\"memory\", ACTION==\"add\", ATTR{state}==\"offline\", ATTR{state}=\"online_movable\"
EOF" >/dev/null
	line=$(guest_ok "grep -nF 'ATTR{state}=\"' $rules | cut -d: -f1")
	text=$(guest_ok "sed -n ${line}p $rules")
	for aob in offline online; do
		policy_set auto_online_blocks=$aob
		guest memhp --json policy
		assert_success
		# every udev onliner takes every owner (it cannot tell them apart)
		run jq -c '[.agents[] | select(.kind == "udev") | {kind, file, line, rule}]' <<<"$stdout"
		assert_output "$(jq -c -n --arg f "$rules" --argjson l "$line" --arg r "$text" \
			'[{kind: "udev", file: $f, line: $l, rule: $r}]')"
		run jq -e '[.agents[] | select(.kind == "udev") | .owners | type] == ["array"]' <<<"$stdout"
		assert_success
		guest memhp policy
		assert_success
		assert_output --partial "$rules:$line: $text"
	done
	guest_ok "rm $rules" >/dev/null
	guest memhp --json policy
	run jq -c '[.agents[] | select(.kind == "udev")]' <<<"$stdout"
	assert_output '[]'
}
