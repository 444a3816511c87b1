#!/usr/bin/env bats
# The library and JSON man pages against what is built: libmemhp(3) names
# every exported symbol and its EXAMPLE compiles and agrees with memhp;
# memhp-json(7) documents every key the commands print; both lint clean.

load fixture_helper
bats_require_minimum_version 1.5.0

setup_file() { fakekernel_setup_file; }

setup() {
	MAN3=$REPO_ROOT/man/libmemhp.3
	MAN7=$REPO_ROOT/man/memhp-json.7
	SYM=$REPO_ROOT/lib/libmemhp.sym
	BUILD=$(dirname "$MEMHP")
}

# the global symbols of the version script
exported() {
	sed -n '/global:/,/local:/p' "$SYM" | sed -n 's/^[[:space:]]*\(memhp_[a-z0-9_]*\);.*/\1/p' | sort -u
}

# the functions the SYNOPSIS declares: bold prototype lines ".B "... NAME(...);""
synopsis_functions() {
	sed -n '/^\.SH SYNOPSIS/,/^\.SH /p' "$MAN3" |
		sed -n 's/^\.B "[^"]*[ *]\(memhp_[a-z0-9_]*\)(.*);"$/\1/p' | sort -u
}

@test "libmemhp(3): every exported symbol has a bold prototype in the SYNOPSIS" {
	run exported
	assert_success
	[ "${#lines[@]}" -gt 50 ]
	missing=$(comm -23 <(exported) <(synopsis_functions))
	assert_equal "$missing" ""
}

@test "libmemhp(3): nothing documented as a function that is not exported" {
	extra=$(comm -13 <(exported) <(synopsis_functions))
	assert_equal "$extra" ""
	# functions named in the text: ".BR name ()" or "(name ())"
	named=$(grep -oE '^\.BR? \(?memhp_[a-z0-9_]+ \(\)|\(memhp_[a-z0-9_]+ \(\)' "$MAN3" |
		grep -oE 'memhp_[a-z0-9_]+' | sort -u)
	[ -n "$named" ]
	extra=$(comm -13 <(exported) <(echo "$named"))
	assert_equal "$extra" ""
	# and the header declares nothing the page or the version script lacks
	declared=$(grep -oE '\bmemhp_[a-z0-9_]+\(' "$REPO_ROOT/lib/libmemhp.h" |
		tr -d '(' | grep -vx 'memhp_block_foreach' | sort -u)
	assert_equal "$(comm -3 <(exported) <(echo "$declared"))" ""
}

# the program of the EXAMPLES section, roff escapes undone
example_source() {
	sed -n '/^\.SH EXAMPLES/,/^\.SH /p' "$MAN3" |
		sed -n '/^\.EX/,/^\.EE/{/^\.E[XE]/d;p;}' |
		awk '/^int main/ {m=1} {print} m && /^}$/ {exit}' |
		sed -e 's/\\-/-/g' -e "s/\\\\(aq/'/g" -e 's/\\(dq/"/g' \
			-e 's/\\e/\\/g' -e 's/\\&//g'
}

@test "libmemhp(3): the EXAMPLE compiles warning-free and counts what memhp reports" {
	src=$BATS_TEST_TMPDIR/example.c
	example_source >"$src"
	grep -q '#include <libmemhp.h>' "$src"
	grep -q '^int main' "$src"
	run cc -std=c17 -Wall -Wextra -Werror -I "$REPO_ROOT/lib" -o "$BATS_TEST_TMPDIR/example" \
		"$src" "$BUILD/libmemhp.so" "-Wl,-rpath,$BUILD"
	assert_success
	# (a sanitizer build's library brings libasan, and ld's notes on it)
	run grep -v "libasan.so.*: warning: the use of" <<<"$output"
	assert_output ""
	# and its runtime, loaded by the library, not first: fine here
	export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0
	n=0
	for f in $(fixtures); do
		root=$FIXDIR/$f
		sum=$("$MEMHP" --sysfs-root "$root" --json summary) || continue
		list=$("$MEMHP" --sysfs-root "$root" --json list --all)
		expected=$(jq -r '"block_size \(.block_size)", "blocks \(.summary.blocks)"' <<<"$sum"
			jq -r '[.ranges[] | .state] as $s |
				"online \($s | map(select(. == "online")) | length)",
				"offline \($s | map(select(. == "offline")) | length)",
				"going-offline \($s | map(select(. == "going-offline")) | length)",
				"unknown \($s | map(select(. == null)) | length)"' <<<"$list")
		run --separate-stderr "$BATS_TEST_TMPDIR/example" "$root"
		assert_success
		assert_equal "$output" "$expected"
		n=$((n + 1))
	done
	# enough trees, with blocks in every state among them
	[ "$n" -ge 10 ]
	run "$BATS_TEST_TMPDIR/example"
	assert_failure
	run "$BATS_TEST_TMPDIR/example" "$BATS_TEST_TMPDIR/no-such-root"
	assert_failure
	assert_output --partial "memhp_new: No such file or directory"
}

# memhp with the fake kernel under the tree copy $T
fm() {
	LD_PRELOAD=$FAKEKERNEL MEMHP_FAKE_ROOT=$T \
		ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 \
		"$MEMHP" --sysfs-root "$T" "$@"
}
fresh() {
	T=$BATS_TEST_TMPDIR/t$((++TREES))-$1
	cp -a "$FIXDIR/$1" "$T"
}

# Every --json document of every command, on fixtures covering their
# variants: the JSON documents on stdout, one after the other.  Some of
# these fail on purpose (their documents are the point): no set -e here.
all_documents() (
	set +e
	local f M=sys/devices/system/memory A=sys/bus/acpi/devices mm future
	TREES=0
	for f in $(fixtures); do
		"$MEMHP" --sysfs-root "$FIXDIR/$f" --json list
		"$MEMHP" --sysfs-root "$FIXDIR/$f" --json list --all
		"$MEMHP" --sysfs-root "$FIXDIR/$f" --json list --split=node,zone,removable
		"$MEMHP" --sysfs-root "$FIXDIR/$f" --json summary
		"$MEMHP" --sysfs-root "$FIXDIR/$f" --json policy
		"$MEMHP" --sysfs-root "$FIXDIR/$f" --json devices
		"$MEMHP" --sysfs-root "$FIXDIR/$f" --json probe --scan
		"$MEMHP" --sysfs-root "$FIXDIR/$f" --json doctor
		"$MEMHP" --sysfs-root "$FIXDIR/$f" --json why
	done
	# why with and without a census, offline --explain of a dry run
	"$MEMHP" --sysfs-root "$FIXDIR/census" --json why 36-39
	"$MEMHP" --sysfs-root "$FIXDIR/census" --json summary --census
	"$MEMHP" --sysfs-root "$FIXDIR/census" --json offline --dry-run --explain 512M
	# offline --reclaim: by node, without nodes (node null), a failed write
	fresh reclaim
	echo 13 >"$T/sys/devices/system/node/node1/compact.fake-errno"
	fm --json offline --reclaim 256M
	fresh reclaim-nonuma
	fm --json offline --reclaim --dry-run 9
	# online/offline: ok, unchanged, planned, failed, rolled-back, skipped
	fresh nodes-2
	fm --json online --zone=movable 56-57
	fm --json online 56
	fm --json offline 56-57
	fm --json online --dry-run 58
	echo "online 12 -1" >"$T/$M/memory58/fake-kernel"
	fm --json online 58-59
	fresh nodes-2
	echo "online 12 -1" >"$T/$M/memory58/fake-kernel"
	fm --json online --atomic --zone=movable 56-59
	# probe (with --online), remove, a failed probe, the module's ranges
	fresh module-loaded
	fm --json probe --online=movable 0x100000000 256M
	fm --json remove 0x100000000 256M
	fm --json probe 0x100000000 128M
	"$MEMHP" --sysfs-root "$T" --json summary
	fm --json remove --all
	fm --json probe 0x100000003 128M
	# probe --scan finding hidden RAM
	fresh module-loaded
	mm=$T/sys/firmware/memmap
	mkdir -p "$mm/0" "$mm/1" "$T/proc"
	printf '0x0\n' >"$mm/0/start"; printf '0x3fffffff\n' >"$mm/0/end"
	printf '0x40000000\n' >"$mm/1/start"; printf '0x7fffffff\n' >"$mm/1/end"
	echo "System RAM" >"$mm/0/type"; echo "System RAM" >"$mm/1/type"
	echo "00000000-3fffffff : System RAM" >"$T/proc/iomem"
	"$MEMHP" --sysfs-root "$T" --json probe --scan
	# policy set, agents of every kind, memhp's auto-online rule good and bad
	fresh policy-auto-movable
	fm --json policy auto_online_blocks=offline auto_movable_ratio=250
	mkdir -p "$T/usr/lib/udev/rules.d" "$T/etc/memhp"
	printf 'enabled=yes\nnodes=0\n' >"$T/etc/memhp/auto-online.conf"
	sed -e 's|@MEMHP_BIN@|/usr/bin/memhp|' \
		-e 's|@MEMHP_AUTOONLINE_CONF@|/etc/memhp/auto-online.conf|' \
		"$REPO_ROOT/udev/60-memhp-auto-online.rules.in" \
		>"$T/usr/lib/udev/rules.d/60-memhp-auto-online.rules"
	echo 'SUBSYSTEM=="memory", ACTION=="add", ATTR{state}="online"' \
		>"$T/usr/lib/udev/rules.d/40-online.rules"
	"$MEMHP" --sysfs-root "$T" --json policy
	echo 'bogus=1' >"$T/etc/memhp/auto-online.conf"
	"$MEMHP" --sysfs-root "$T" --json policy
	# eject: ejected, timeout with the blocks put back, not-offline
	fresh acpi-dimms
	fm --json eject PNP0C80:00
	fresh acpi-dimms
	echo "eject-ignore yes" >"$T/$A/PNP0C80:00/fake-kernel"
	fm --json eject --wait 1 PNP0C80:00
	fresh acpi-dimms
	echo "offline 16 -1" >"$T/$M/memory33/fake-kernel"
	fm --json eject --timeout 1 PNP0C80:00
	# watch: memhp.ko records and a lost record
	fresh module-loaded
	mkdir -p "$T/dev"
	future=4611686018427387904
	printf '%s\n' "$future add 0x140000000 0x20000000 1 0" "lost 3" >"$T/dev/memhp"
	"$MEMHP" --sysfs-root "$T" --json watch --count 2 --timeout 10
	return 0
)

# the key names memhp-json(7) documents: the words of the tags of .TP/.TQ
# entries (".B key" or ".BR key1 \", \" key2")
documented_keys() {
	awk 'tag && /^\.BR? / { sub(/^\.BR? /, ""); gsub(/"[^"]*"/, " "); print }
		{ tag = /^\.T[PQ]$/ }' "$MAN7" |
		tr ' ' '\n' | sed 's/\\-/-/g' | grep -E '^[a-z_]+$' | sort -u
}

# "key<TAB>entry text" (lower case) for every .TP/.TQ entry of
# memhp-json(7); keys tagged together (.TQ, ".BR a \", \" b") share the text
key_entries() {
	awk '
function flush() { if (nk) for (i = 1; i <= nk; i++) print keys[i] "\t" tolower(body); nk = 0; body = "" }
/^\.T[PQ]$/ { if (!intag) flush(); tagnext = 1; next }
tagnext && /^\.BR? / { t = $0; sub(/^\.BR? /, "", t); gsub(/"[^"]*"/, " ", t); gsub(/\\-/, "-", t)
	n = split(t, w, " "); for (j = 1; j <= n; j++) if (w[j] ~ /^[a-z_]+$/) keys[++nk] = w[j]
	tagnext = 0; intag = 1; next }
/^\.(SH|SS|RS|RE|PP)/ { flush(); intag = 0; tagnext = 0; next }
{ tagnext = 0; intag = 0; body = body " " $0 }
END { flush() }
' "$MAN7"
}

@test "memhp-json(7): every key every command prints is documented" {
	docs=$BATS_TEST_TMPDIR/docs.json
	all_documents >"$docs" 2>"$BATS_TEST_TMPDIR/stderr"
	# the collection really covered the variants
	for p in ranges.probed summary.nodes.zones blocks.result totals.rolled_back \
		online.blocks.zone ranges.offline.totals.ok hidden.usable_start \
		module.ranges.start agents.config auto_online.nodes changed.from \
		devices.eject_blocker put_back.totals.ok lost event \
		blocks.census.slab blocks.census_errno blocks.verdict blocks.kmsg \
		summary.census.movable_percent reclaim.writes.errno \
		reclaim.nodes.file_pages_after; do
		jq -e --arg p "$p" -n '[inputs | paths | map(select(type == "string")) | join(".")] | index($p)' \
			"$docs" >/dev/null || { echo "no $p in the documents"; false; }
	done
	# key names; the keys of a zones object are zone names (data)
	keys=$(jq -r -n '[inputs] | . as $d | [paths] | .[] as $p |
		select($p[-1] | type == "string") |
		select(($p | length) < 3 or $p[-2] != "zones" or
			(($d | getpath($p[:-1]) | type) != "object")) |
		$p[-1]' "$docs" | sort -u)
	[ "$(wc -l <<<"$keys")" -gt 60 ]
	documented=$(documented_keys)
	missing=$(comm -23 <(echo "$keys") <(echo "$documented"))
	assert_equal "$missing" ""
	# and with the JSON type each key has: some entry of the key names it
	# ("number", "string", "boolean", "array", "object", "null")
	key_entries >"$BATS_TEST_TMPDIR/entries"
	jq -r -n '[inputs] | . as $d | [paths] | .[] as $p |
		select($p[-1] | type == "string") |
		select(($p | length) < 3 or $p[-2] != "zones" or
			(($d | getpath($p[:-1]) | type) != "object")) |
		"\($p[-1])\t\($d | getpath($p) | type)"' "$docs" | sort -u >"$BATS_TEST_TMPDIR/types"
	[ "$(wc -l <"$BATS_TEST_TMPDIR/types")" -gt 80 ]
	untyped=$(while IFS=$'\t' read -r k t; do
		awk -F'\t' -v k="$k" -v t="$t" '$1 == k && index($2, t) { f = 1 } END { exit !f }' \
			"$BATS_TEST_TMPDIR/entries" || echo "$k: $t"
	done <"$BATS_TEST_TMPDIR/types")
	assert_equal "$untyped" ""
}

@test "memhp-json(7): the schema number it states is the one every document carries" {
	schema=$(sed -n 's/^Number, the schema of the document: \([0-9][0-9]*\)\.$/\1/p' "$MAN7")
	[ -n "$schema" ]
	docs=$BATS_TEST_TMPDIR/docs.json
	all_documents >"$docs" 2>/dev/null
	run jq -r -n '[inputs | .. | objects | select(has("schema")) | .schema] | unique | map(tostring) | join(" ")' "$docs"
	assert_output "$schema"
	# every top-level document but watch's lines has it
	run jq -n '[inputs | select(has("source") | not) | has("schema")] | all' "$docs"
	assert_output true
}

@test "libmemhp(3) and memhp-json(7) lint clean with mandoc" {
	run mandoc -T lint -W warning "$MAN3" "$MAN7"
	assert_success
	assert_output ""
}
