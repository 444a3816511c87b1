#!/usr/bin/env bats
# The Ansible collection in ansible/: built with ansible-galaxy, documented
# for ansible-doc, clean under flake8 and pylint, and its modules run by
# ansible-playbook against localhost with memhp on fixture trees (the fake
# kernel of tests/fakekernel answers the writes to memoryN/state, so a busy
# block is busy as on a real kernel).  The collection is built and
# installed once for the file; each test gets its own copy of a tree.

load ../cli/fixture_helper
bats_require_minimum_version 1.5.0

setup_file() {
	resolve_memhp
	[ -x "$MEMHP" ] || { echo "memhp binary not found: $MEMHP (set MEMHP or build first)" >&2; return 1; }
	export FAKEKERNEL=$(dirname "$MEMHP")/libmemhp-fakekernel.so
	[ -f "$FAKEKERNEL" ] || { echo "no $FAKEKERNEL" >&2; return 1; }
	export FIXDIR=$BATS_FILE_TMPDIR/fx
	"$REPO_ROOT/tests/fixtures/gen-sysfs" --only nodes-2,acpi-dimms,owners "$FIXDIR" >&2 || return 1

	# memhp as the modules run it: the fake kernel preloaded; the tree
	# it answers for is MEMHP_FAKE_ROOT, set by each test
	export FMEMHP=$BATS_FILE_TMPDIR/fmemhp
	printf '#!/bin/sh\nLD_PRELOAD=%s exec %s "$@"\n' "$FAKEKERNEL" "$MEMHP" >"$FMEMHP"
	chmod +x "$FMEMHP"

	# Ansible's own files stay in the test's directory
	export ANSIBLE_HOME=$BATS_FILE_TMPDIR/ansible-home
	export ANSIBLE_LOCAL_TEMP=$ANSIBLE_HOME/tmp ANSIBLE_REMOTE_TEMP=$ANSIBLE_HOME/tmp
	export ANSIBLE_CONFIG=$BATS_FILE_TMPDIR/ansible.cfg
	: >"$ANSIBLE_CONFIG"
	export ANSIBLE_NOCOLOR=1 ANSIBLE_PYTHON_INTERPRETER=/usr/bin/python3
	# one process per module run instead of a temporary file and four shells
	export ANSIBLE_PIPELINING=1
	export ANSIBLE_COLLECTIONS_PATH=$BATS_FILE_TMPDIR/collections
	# only this collection (and ansible.builtin), not Debian's "ansible"
	# package's collections, should it be installed
	export ANSIBLE_COLLECTIONS_SCAN_SYS_PATH=false

	export BUILT=$BATS_FILE_TMPDIR/built
	mkdir -p "$BUILT"
	ansible-galaxy collection build "$REPO_ROOT/ansible" --output-path "$BUILT" \
		>"$BATS_FILE_TMPDIR/build.log" 2>&1 || { cat "$BATS_FILE_TMPDIR/build.log" >&2; return 1; }
	ansible-galaxy collection install -p "$ANSIBLE_COLLECTIONS_PATH" "$BUILT"/memhp-memhp-*.tar.gz \
		>"$BATS_FILE_TMPDIR/install.log" 2>&1 || { cat "$BATS_FILE_TMPDIR/install.log" >&2; return 1; }
	export COLL=$ANSIBLE_COLLECTIONS_PATH/ansible_collections/memhp/memhp
}

setup() {
	T=$BATS_TEST_TMPDIR/t
	cp -a "$FIXDIR/nodes-2" "$T"
	M=$T/sys/devices/system/memory
	export MEMHP_FAKE_ROOT=$T
	OUT=$BATS_TEST_TMPDIR/result.json
	PB=$BATS_TEST_DIRNAME/playbooks
}

tree_sum() {
	(cd "$1" && find . -path ./run -prune -o -type f -print0 | sort -z |
		xargs -0 md5sum)
}

# play PLAYBOOK EXTRA-VARS-JSON [ansible-playbook options...]: one run on
# $T; its output in $output, its registered result in $OUT.
play() {
	local pb=$1 vars=$2
	shift 2
	vars=$(jq -c --arg m "$FMEMHP" --arg r "$T" --arg o "$OUT" \
		'. + {memhp: $m, root: $r, out: $o}' <<<"$vars")
	rm -f "$OUT"
	run timeout 600 ansible-playbook -i localhost, -e "$vars" "$@" "$PB/$pb"
}

# the PLAY RECAP's count NAME (changed, failed, ...)
recap() {
	sed -n "s/^localhost *:.* $1=\([0-9]*\).*/\1/p" <<<"$output"
}

@test "ansible-galaxy builds the collection with its three modules, docs and runtime" {
	run tar -tzf "$BUILT"/memhp-memhp-*.tar.gz
	assert_success
	for f in MANIFEST.json FILES.json README.md meta/runtime.yml \
		plugins/modules/memhp_facts.py plugins/modules/memhp_blocks.py \
		plugins/modules/memhp_policy.py plugins/module_utils/memhp.py \
		plugins/doc_fragments/memhp.py; do
		grep -qx "$f" <<<"$output" || { echo "not in the tarball: $f"; false; }
	done
	run jq -r '.collection_info | "\(.namespace).\(.name)"' \
		<(tar -xzOf "$BUILT"/memhp-memhp-*.tar.gz MANIFEST.json)
	assert_output memhp.memhp
}

@test "ansible-doc renders every module: options, examples and return values" {
	run ansible-doc -l memhp.memhp
	assert_success
	list=$output
	for m in "$REPO_ROOT"/ansible/plugins/modules/*.py; do
		m=$(basename "$m" .py)
		grep -q "^memhp\.memhp\.$m " <<<"$list" || { echo "not listed: $m"; false; }
		run --separate-stderr ansible-doc "memhp.memhp.$m"
		assert_success
		[ -z "$stderr" ] || { echo "$stderr"; false; }
		assert_line --partial "MEMHP.MEMHP.${m^^}"
		assert_line --regexp '^OPTIONS'
		assert_line --regexp '^EXAMPLES'
		assert_line --regexp '^RETURN VALUES'
		# the shared options come from the doc fragment
		assert_line --regexp '^- memhp_path'
		assert_line --regexp '^- sysfs_root'
	done
}

@test "flake8 passes the collection's Python" {
	run flake8 --max-line-length 160 "$COLL/plugins"
	assert_success
	assert_output ''
}

@test "pylint passes the collection's Python" {
	cd "$ANSIBLE_COLLECTIONS_PATH"
	run env PYTHONPATH="$ANSIBLE_COLLECTIONS_PATH" pylint \
		--rcfile "$BATS_TEST_DIRNAME/pylintrc" --score=n \
		ansible_collections/memhp/memhp/plugins/*/*.py
	assert_success
	assert_output ''
}

@test "memhp_blocks: the first run changes, the second reports no change" {
	play blocks.yml '{"state":"online","sel":["57-59"],"zone":"movable"}'
	assert_success
	assert_equal "$(recap changed)" 1
	assert_equal "$(jq -c '[.changed, .changed_blocks, .totals.ok]' "$OUT")" '[true,[57,58,59],3]'
	for b in 57 58 59; do
		assert_equal "$(cat "$M/memory$b/state")" online
		assert_equal "$(cat "$M/memory$b/valid_zones")" Movable
	done
	assert_equal "$(cat "$M/memory56/state")" offline
	before=$(tree_sum "$T")
	play blocks.yml '{"state":"online","sel":["57-59"],"zone":"movable"}'
	assert_success
	assert_equal "$(recap changed)" 0
	assert_equal "$(jq -c '[.changed, .changed_blocks, .totals.unchanged]' "$OUT")" '[false,[],3]'
	assert_equal "$(tree_sum "$T")" "$before"
}

@test "memhp_blocks: check mode (memhp --dry-run) changes nothing on disk and diff mode shows the blocks" {
	before=$(tree_sum "$T")
	play blocks.yml '{"state":"online","sel":["55-58"],"zone":"movable"}' --check --diff
	assert_success
	assert_equal "$(recap changed)" 1
	assert_equal "$(tree_sum "$T")" "$before"
	assert_equal "$(jq -c '.cmd | index("--dry-run") != null' "$OUT")" true
	# block 55 is online already: planned, but no change
	assert_equal "$(jq -c '.changed_blocks' "$OUT")" '[56,57,58]'
	assert_equal "$(jq -r '.diff.before' "$OUT")" "memory56 offline
memory57 offline
memory58 offline"
	assert_line '-memory56 offline'
	assert_line '+memory56 online (movable)'
	assert_line '+memory58 online (movable)'
	refute_line --partial 'memory55'
	# nothing to do: no change in check mode either
	play blocks.yml '{"state":"online","sel":["0-3"]}' --check
	assert_success
	assert_equal "$(recap changed)" 0
	assert_equal "$(tree_sum "$T")" "$before"
}

@test "memhp_blocks: a busy block fails the task with memhp's reason" {
	fmemhp() { "$FMEMHP" --sysfs-root "$T" "$@"; }
	fmemhp online --zone=movable 56-57 >/dev/null 2>&1
	assert_equal "$(cat "$M/memory57/state")" online
	# the kernel cannot empty block 57: every offline write is EBUSY
	echo "offline 16 -1" >"$M/memory57/fake-kernel"
	play blocks.yml '{"state":"offline","sel":["56-57"],"timeout":1}'
	assert_failure
	assert_equal "$(recap failed)" 1
	assert_output --partial 'block 57: Device or resource busy'
	assert_equal "$(jq -c '[.failed, .changed, .rc, .changed_blocks]' "$OUT")" '[true,true,64,[56]]'
	assert_equal "$(jq -c '.failed_blocks | map([.block, .errno, .result])' "$OUT")" '[[57,16,"failed"]]'
	assert_equal "$(cat "$M/memory57/state")" online
	assert_equal "$(cat "$M/memory56/state")" offline
	# atomic: put back, nothing changed, the reason still there
	fmemhp online --zone=movable 56 >/dev/null 2>&1
	play blocks.yml '{"state":"offline","sel":["56-57"],"timeout":1,"atomic":true}'
	assert_failure
	assert_output --partial 'block 57: Device or resource busy'
	assert_equal "$(jq -c '[.failed, .changed, .rc, .totals.failed]' "$OUT")" '[true,false,1,1]'
	assert_equal "$(cat "$M/memory56/state")" online
	assert_equal "$(cat "$M/memory57/state")" online
}

@test "memhp_blocks: a block that does not exist fails with memhp's message, nothing written" {
	before=$(tree_sum "$T")
	play blocks.yml '{"state":"online","sel":["99"]}'
	assert_failure
	assert_output --partial 'block 99 does not exist'
	assert_equal "$(jq -c '.rc' "$OUT")" 2
	assert_equal "$(tree_sum "$T")" "$before"
	# an option cannot ride in as a selector
	play blocks.yml '{"state":"online","sel":["--dry-run"]}'
	assert_failure
	assert_equal "$(tree_sum "$T")" "$before"
}

@test "memhp_blocks: a size is met once, on the node asked, then left alone" {
	# node 1's online memory is Normal; its blocks 56-63 are offline
	have=$(jq '[.ranges[] | select(.node == 1 and .state == "online" and .zones[0] == "Movable") | .size] | add // 0' \
		<("$FMEMHP" --sysfs-root "$T" --json list --all))
	play blocks.yml '{"state":"online","size":"512M","node":1,"zone":"movable"}'
	assert_success
	assert_equal "$(recap changed)" 1
	now=$(jq '[.ranges[] | select(.node == 1 and .state == "online" and .zones[0] == "Movable") | .size] | add // 0' \
		<("$FMEMHP" --sysfs-root "$T" --json list --all))
	assert [ "$now" -ge $((512 << 20)) ]
	assert [ "$now" -lt $(((512 << 20) + (128 << 20) + have)) ]
	before=$(tree_sum "$T")
	play blocks.yml '{"state":"online","size":"512M","node":1,"zone":"movable"}'
	assert_success
	assert_equal "$(recap changed)" 0
	assert_equal "$(tree_sum "$T")" "$before"
}

@test "memhp_blocks: owner alone takes every block of that owner, once" {
	rm -rf "$T"
	cp -a "$FIXDIR/owners" "$T"
	play blocks.yml '{"state":"online","owner":"dax-kmem","zone":"movable"}'
	assert_success
	assert_equal "$(jq -c '[.changed, .changed_blocks]' "$OUT")" '[true,[42,43,44,45]]'
	for b in 42 43 44 45; do
		assert_equal "$(cat "$M/memory$b/valid_zones")" Movable
	done
	# memhp.ko's offline blocks are another owner's: left alone
	assert_equal "$(cat "$M/memory47/state")" offline
	play blocks.yml '{"state":"online","owner":"dax-kmem","zone":"movable"}'
	assert_success
	assert_equal "$(recap changed)" 0
}

@test "memhp_facts: every part is the document memhp --json prints" {
	cp -a "$FIXDIR/acpi-dimms" "$BATS_TEST_TMPDIR/d"
	T=$BATS_TEST_TMPDIR/d
	export MEMHP_FAKE_ROOT=$T
	play facts.yml '{}'
	assert_success
	assert_equal "$(jq -c 'keys' "$OUT")" '["devices","doctor","list","policy","summary"]'
	for part in list summary devices policy doctor; do
		"$MEMHP" --sysfs-root "$T" --json "$part" >"$BATS_TEST_TMPDIR/$part.json" 2>/dev/null || true
		assert_equal "$(jq -S ".$part" "$OUT")" "$(jq -S . "$BATS_TEST_TMPDIR/$part.json")"
	done
	# a DIMM's blocks, as facts
	assert_equal "$(jq -c '.devices.devices | map(.device)' "$OUT")" \
		'["PNP0C80:00","PNP0C80:01","PNP0C80:02","PNP0C80:03"]'
}

@test "memhp_policy: set once, then no change; check mode writes nothing" {
	P=$T/sys/module/memory_hotplug/parameters
	before=$(tree_sum "$T")
	play policy.yml '{"auto_online_blocks":"online_movable","online_policy":"auto-movable","auto_movable_ratio":150}' --check --diff
	assert_success
	assert_equal "$(recap changed)" 1
	assert_equal "$(tree_sum "$T")" "$before"
	assert_line '+    "auto_online_blocks": "online_movable",'
	play policy.yml '{"auto_online_blocks":"online_movable","online_policy":"auto-movable","auto_movable_ratio":150,"auto_movable_numa_aware":false}'
	assert_success
	assert_equal "$(recap changed)" 1
	assert_equal "$(cat "$M/auto_online_blocks")" online_movable
	assert_equal "$(cat "$P/online_policy")" auto-movable
	assert_equal "$(cat "$P/auto_movable_ratio")" 150
	assert_equal "$(cat "$P/auto_movable_numa_aware")" N
	assert_equal "$(jq -c '.changes | map(.key)' "$OUT")" '["auto_online_blocks","online_policy","auto_movable_ratio","auto_movable_numa_aware"]'
	after=$(tree_sum "$T")
	play policy.yml '{"auto_online_blocks":"online_movable","online_policy":"auto-movable","auto_movable_ratio":150,"auto_movable_numa_aware":false}'
	assert_success
	assert_equal "$(recap changed)" 0
	assert_equal "$(jq -c '.changes' "$OUT")" '[]'
	assert_equal "$(tree_sum "$T")" "$after"
}
