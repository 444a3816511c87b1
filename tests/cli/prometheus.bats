#!/usr/bin/env bats
# memhp summary --format=prometheus: node_exporter's textfile format,
# parsed with the real parser (Debian's python3-prometheus-client) and every
# value checked against each fixture's own files.

load fixture_helper
bats_require_minimum_version 1.5.0

setup_file() {
	fixtures_setup_file || return 1
	/usr/bin/python3 -c 'import prometheus_client.parser' || {
		echo "python3-prometheus-client is missing (tests/install-deps --test)" >&2
		return 1
	}
	command -v promtool >/dev/null || {
		echo "promtool is missing (package prometheus; tests/install-deps --test)" >&2
		return 1
	}
}

# prom FIXTURE-DIR: the exposition of that tree into $BATS_TEST_TMPDIR/prom
prom() {
	"$MEMHP" --sysfs-root "$1" summary --format=prometheus >"$BATS_TEST_TMPDIR/prom"
}

# The exposition on stdin, parsed by prometheus_client, as a JSON array of
# {name, labels, value}; fails when the parser refuses it, a family lacks
# HELP or is not a gauge, or a series appears twice.
prom_json() {
	/usr/bin/python3 -c '
import json, sys
from prometheus_client.parser import text_string_to_metric_families
out, seen = [], set()
for fam in text_string_to_metric_families(sys.stdin.read()):
    assert fam.type == "gauge", "%s: type %s" % (fam.name, fam.type)
    assert fam.documentation, "%s: no HELP" % fam.name
    for s in fam.samples:
        key = (s.name, tuple(sorted(s.labels.items())))
        assert key not in seen, "duplicate series %r" % (key,)
        seen.add(key)
        v = s.value
        out.append({"name": s.name, "labels": s.labels,
                    "value": int(v) if v == int(v) else v})
json.dump(out, sys.stdout)
'
}

# the samples of metric $1 as "label=value,...<TAB>value" lines, sorted
samples() {
	jq -r --arg n "$1" '.[] | select(.name == $n)
		| "\(.labels | to_entries | sort_by(.key) | map("\(.key)=\(.value)") | join(","))\t\(.value)"' \
		"$BATS_TEST_TMPDIR/prom.json" | sort
}

parse_fixture() {
	prom "$FIXDIR/$1" || { echo "$1: memhp summary --format=prometheus failed"; return 1; }
	prom_json <"$BATS_TEST_TMPDIR/prom" >"$BATS_TEST_TMPDIR/prom.json" ||
		{ echo "$1: the parser refused:"; cat "$BATS_TEST_TMPDIR/prom"; return 1; }
}

@test "every fixture: the parser accepts it, each family has # HELP and # TYPE lines" {
	local f fam fails=0
	for f in $(fixtures); do
		parse_fixture "$f" || { fails=$((fails + 1)); continue; }
		for fam in $(grep -v '^#' "$BATS_TEST_TMPDIR/prom" | sed 's/[{ ].*//' | sort -u); do
			grep -qx "# HELP $fam .*" "$BATS_TEST_TMPDIR/prom" &&
				grep -qx "# TYPE $fam gauge" "$BATS_TEST_TMPDIR/prom" ||
				{ echo "$f: $fam lacks HELP/TYPE"; fails=$((fails + 1)); }
		done
	done
	[ "$fails" -eq 0 ]
}

@test "every fixture: promtool check metrics is clean, and no label is empty" {
	local f fails=0
	for f in $(fixtures); do
		prom "$FIXDIR/$f" || { echo "$f: failed"; fails=$((fails + 1)); continue; }
		promtool check metrics <"$BATS_TEST_TMPDIR/prom" >"$BATS_TEST_TMPDIR/promtool" 2>&1 ||
			{ echo "$f: promtool:"; cat "$BATS_TEST_TMPDIR/promtool"; fails=$((fails + 1)); }
		! grep -n '=""' "$BATS_TEST_TMPDIR/prom" ||
			{ echo "$f: an empty label value"; fails=$((fails + 1)); }
	done
	[ "$fails" -eq 0 ]
}

@test "block size and memory bytes per node, state and zone equal the fixture's blocks" {
	local f bs fails=0
	for f in $(fixtures); do
		bs=$(fixture_block_size "$f")
		parse_fixture "$f" || { fails=$((fails + 1)); continue; }
		[ "$(samples memhp_block_size_bytes)" = $'\t'"$bs" ] ||
			{ echo "$f: block size $(samples memhp_block_size_bytes), want $bs"; fails=$((fails + 1)); }
		# online bytes by the first valid_zones token (unreadable: "unknown"),
		# offline (and going-offline, unknown state) bytes with no zone
		if ! diff -u --label "expected $f" --label "memhp $f" \
			<(fixture_blocks "$f" | jq -r --argjson bs "$bs" '
				def zname: ascii_downcase as $z
				  | {"dma":"DMA","dma32":"DMA32","normal":"Normal","highmem":"HighMem",
				     "movable":"Movable","device":"Device","none":"none"}[$z] // "unknown";
				map({node: (if .node == null then "" else (.node | tostring) end),
				     state: (if .state == "online" then "online" else "offline" end),
				     zone: (if .state != "online" then ""
				            elif .zones_status == "ok" and (.zones | length) > 0 then (.zones[0] | zname)
				            else "unknown" end)})
				| group_by(.node) | map(. as $n
				  | ($n[0].node | if . == "" then "" else "node=\(.)," end) as $nl
				  | (map(select(.state == "online")) | group_by(.zone)
				     | map("\($nl)state=online,zone=\(.[0].zone)\t\(length * $bs)"))
				  + ["\($nl)state=offline\t\($n | map(select(.state == "offline")) | length * $bs)"])
				| flatten | .[]' | sort) \
			<(samples memhp_memory_bytes); then
			fails=$((fails + 1))
		fi
	done
	[ "$fails" -eq 0 ]
}

@test "blocks per node and state equal the fixture's state files" {
	local f fails=0
	for f in $(fixtures); do
		parse_fixture "$f" || { fails=$((fails + 1)); continue; }
		if ! diff -u --label "expected $f" --label "memhp $f" \
			<(fixture_blocks "$f" | jq -r '
				map({node: (if .node == null then "" else (.node | tostring) end),
				     state: (if .state | IN("online","offline","going-offline") then .state
				             else "unknown" end)})
				| group_by(.node) | map(. as $n
				  | ["online","offline","going-offline","unknown"]
				  | map(. as $s | ($n | map(select(.state == $s)) | length) as $c
				        | select($s != "unknown" or $c > 0)
				        | "\($n[0].node | if . == "" then "" else "node=\(.)," end)state=\($s)\t\($c)"))
				| flatten | .[]' | sort) \
			<(samples memhp_blocks); then
			fails=$((fails + 1))
		fi
	done
	[ "$fails" -eq 0 ]
}

@test "policy: numeric knobs as gauges, word knobs as memhp_policy_info labels, from the fixture's files" {
	local f p aob want_info want fails=0 v
	for f in $(fixtures); do
		parse_fixture "$f" || { fails=$((fails + 1)); continue; }
		p=$FIXDIR/$f/sys/module/memory_hotplug/parameters
		want_info=""
		aob=$(read_attr "$(fixture_memdir "$f")/auto_online_blocks") &&
			want_info="auto_online_blocks=$aob"
		v=$(read_attr "$p/memmap_on_memory") && want_info+=",memmap_on_memory=$v"
		v=$(read_attr "$p/online_policy") && want_info+=",online_policy=$v"
		want_info="${want_info#,}"$'\t1'
		[ "$(samples memhp_policy_info)" = "$want_info" ] ||
			{ echo "$f: info $(samples memhp_policy_info), want $want_info"; fails=$((fails + 1)); }
		# the kernel's percentage as a Prometheus ratio
		want=""
		v=$(read_attr "$p/auto_movable_ratio") && want+=$'\t'"$(jq -n "$v / 100")"
		[ "$(samples memhp_policy_auto_movable_ratio)" = "$want" ] ||
			{ echo "$f: ratio $(samples memhp_policy_auto_movable_ratio), want $want"; fails=$((fails + 1)); }
		# memmap_on_memory is a word (N, Y, force): a label only, never
		# also a gauge
		[ -z "$(samples memhp_policy_memmap_on_memory)" ] ||
			{ echo "$f: memmap_on_memory exported twice"; fails=$((fails + 1)); }
		for k in auto_movable_numa_aware; do
			want=""
			if v=$(read_attr "$p/$k"); then
				case $v in Y | 1 | force) want=$'\t1' ;; N | 0) want=$'\t0' ;; esac
			fi
			[ "$(samples "memhp_policy_$k")" = "$want" ] ||
				{ echo "$f: $k $(samples "memhp_policy_$k"), want $want"; fails=$((fails + 1)); }
		done
	done
	[ "$fails" -eq 0 ]
}

@test "memhp.ko: loaded per fixture, and each range it added with its start, node and size" {
	local f want fails=0 T
	for f in $(fixtures); do
		parse_fixture "$f" || { fails=$((fails + 1)); continue; }
		want=0
		[ -d "$FIXDIR/$f/sys/kernel/memhp" ] && want=1
		[ "$(samples memhp_module_loaded)" = $'\t'"$want" ] ||
			{ echo "$f: loaded $(samples memhp_module_loaded), want $want"; fails=$((fails + 1)); }
	done
	[ "$fails" -eq 0 ]
	# two ranges in a copy of the module-loaded tree
	T=$BATS_TEST_TMPDIR/tree
	cp -a "$FIXDIR/module-loaded" "$T"
	mkdir -p "$T/sys/kernel/memhp/ranges/r0" "$T/sys/kernel/memhp/ranges/r1"
	printf '0x140000000\n' >"$T/sys/kernel/memhp/ranges/r1/start"
	printf '0x20000000\n' >"$T/sys/kernel/memhp/ranges/r1/size"
	printf '1\n' >"$T/sys/kernel/memhp/ranges/r1/node"
	printf '0x100000000\n' >"$T/sys/kernel/memhp/ranges/r0/start"
	printf '0x8000000\n' >"$T/sys/kernel/memhp/ranges/r0/size"
	printf '0\n' >"$T/sys/kernel/memhp/ranges/r0/node"
	prom "$T"
	prom_json <"$BATS_TEST_TMPDIR/prom" >"$BATS_TEST_TMPDIR/prom.json"
	assert_equal "$(samples memhp_module_ranges)" $'\t2'
	assert_equal "$(samples memhp_module_range_bytes)" \
		"node=0,start=0x0000000100000000"$'\t'"$((0x8000000))"$'\n'"node=1,start=0x0000000140000000"$'\t'"$((0x20000000))"
}

@test "--format=table is the default; an unknown format is a usage error" {
	local f
	f=$(fixtures | cut -d' ' -f1)
	run "$MEMHP" --sysfs-root "$FIXDIR/$f" summary
	assert_success
	local table=$output
	run "$MEMHP" --sysfs-root "$FIXDIR/$f" summary --format=table
	assert_success
	assert_equal "$output" "$table"
	run "$MEMHP" --sysfs-root "$FIXDIR/$f" summary --format=openmetrics
	assert_failure 2
	assert_output --partial "neither table nor prometheus"
}

@test "--output-file: the file replaced whole by a rename, mode from the umask, nothing left beside it" {
	local f d
	f=$(fixtures | cut -d' ' -f1)
	d=$BATS_TEST_TMPDIR/textfile
	mkdir "$d"
	echo stale >"$d/memhp.prom"
	ln "$d/memhp.prom" "$d/old-link"
	run bash -c 'umask 027; "$1" --sysfs-root "$2" summary --format=prometheus --output-file="$3/memhp.prom"' \
		_ "$MEMHP" "$FIXDIR/$f" "$d"
	assert_success
	assert_output ""
	prom "$FIXDIR/$f"
	diff "$BATS_TEST_TMPDIR/prom" "$d/memhp.prom"
	# a new file took the name: the old one (still linked) is untouched
	assert_equal "$(cat "$d/old-link")" stale
	assert_equal "$(stat -c %a "$d/memhp.prom")" 640
	assert_equal "$(ls "$d" | sort | tr '\n' ' ')" "memhp.prom old-link "
}

@test "--output-file: a directory that is not there fails with exit 1 and creates nothing" {
	local f
	f=$(fixtures | cut -d' ' -f1)
	run "$MEMHP" --sysfs-root "$FIXDIR/$f" summary --format=prometheus \
		--output-file="$BATS_TEST_TMPDIR/no/such/dir/memhp.prom"
	assert_failure 1
	assert_output --partial "cannot create a file beside"
	[ ! -e "$BATS_TEST_TMPDIR/no" ]
	run "$MEMHP" --sysfs-root "$FIXDIR/$f" summary --output-file=
	assert_failure 2
}
