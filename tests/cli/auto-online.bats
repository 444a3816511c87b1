#!/usr/bin/env bats
# memhp's auto-online: the udev rule and config that cmake --install puts
# in place, memhp online --udev on fixture trees (the fake kernel answers
# the state writes; the shim's MEMHP_FAKE_SYSLOG catches what goes to
# syslog), and memhp policy reporting it.

load fixture_helper
bats_require_minimum_version 1.5.0

RULE=usr/lib/udev/rules.d/60-memhp-auto-online.rules
CONF=etc/memhp/auto-online.conf

setup_file() { fakekernel_setup_file; }

setup() {
	# node1's blocks 56-63 are offline with valid_zones "Movable Normal"
	T=$BATS_TEST_TMPDIR/t
	cp -a "$FIXDIR/nodes-2" "$T"
	M=$T/sys/devices/system/memory
	C=$BATS_TEST_TMPDIR/auto-online.conf
	export MEMHP_FAKE_LOG=$BATS_TEST_TMPDIR/writes
	SYSLOG=$BATS_TEST_TMPDIR/syslog
	: >"$MEMHP_FAKE_LOG"
	: >"$SYSLOG"
}

# memhp online --udev on $T, its syslog lines caught in $SYSLOG
udev() {
	MEMHP_FAKE_SYSLOG=$SYSLOG fmemhp online --udev "$@"
}

# the one line memhp logged, without the pid: "daemon.info memhp: ..."
syslog_line() {
	[ "$(wc -l <"$SYSLOG")" -eq 1 ] ||
		{ echo "want one syslog line, got:"; cat "$SYSLOG"; return 1; } >&2
	sed -E 's/^([a-z.]+ memhp)\[[0-9]+\]: /\1: /' "$SYSLOG"
}

tree_sum() {
	(cd "$1" && find . -path ./run -prune -o -type f -print0 | sort -z |
		xargs -0 md5sum)
}

install_into() { # ROOT PREFIX: cmake --install of the build under test
	DESTDIR=$1 cmake --install "$(dirname "$MEMHP")" --prefix "$2" >"$BATS_TEST_TMPDIR/install.log" 2>&1 ||
		{ cat "$BATS_TEST_TMPDIR/install.log"; return 1; }
}

@test "cmake --install puts the rule and the disabled config where udev and memhp look" {
	install_into "$T" /usr
	[ -f "$T/$RULE" ] && [ -f "$T/$CONF" ] && [ -x "$T/usr/bin/memhp" ]
	# the rule: memory add events, RUN the installed binary with the
	# installed config and the block
	run grep -c '^SUBSYSTEM!="memory", GOTO="memhp_auto_online_end"$' "$T/$RULE"
	assert_output 1
	run grep -c '^ACTION!="add", GOTO="memhp_auto_online_end"$' "$T/$RULE"
	assert_output 1
	run grep -c '^ENV{SYNTH_UUID}=="?\*", ATTR{state}!="offline", GOTO="memhp_auto_online_end"$' "$T/$RULE"
	assert_output 1
	run grep '^RUN' "$T/$RULE"
	assert_output 'RUN+="/usr/bin/memhp online --udev --config=/etc/memhp/auto-online.conf %k"'
	# the config: shipped disabled, movable
	run grep -v -e '^#' -e '^$' "$T/$CONF"
	assert_output $'enabled=no\nzone=movable\nnodes=\nowners=acpi-dimm,memhp,unknown,virtio-mem:auto'
	# what the rule runs, run on the tree: nothing done
	before=$(tree_sum "$T")
	run --separate-stderr udev --config="$T/$CONF" memory57
	assert_success
	assert_output ""
	assert_equal "$stderr" ""
	assert_equal "$(tree_sum "$T")" "$before"
	run syslog_line
	assert_output "daemon.info memhp: memory57: nothing done: auto-online is disabled (auto-online, $T/$CONF)"
}

@test "cmake --install keeps an edited config, and follows the prefix" {
	install_into "$T" /usr
	echo enabled=yes >"$T/$CONF"
	install_into "$T" /usr
	assert_equal "$(cat "$T/$CONF")" enabled=yes
	grep -q "Kept: $T/$CONF" "$BATS_TEST_TMPDIR/install.log"
	install_into "$T" /opt/memhp
	run grep '^RUN' "$T/opt/memhp/lib/udev/rules.d/60-memhp-auto-online.rules"
	assert_output 'RUN+="/opt/memhp/bin/memhp online --udev --config=/opt/memhp/etc/memhp/auto-online.conf %k"'
	[ -x "$T/opt/memhp/bin/memhp" ] && [ -f "$T/opt/memhp/etc/memhp/auto-online.conf" ]
}

@test "enabled: the block goes online Movable, one info line, nothing on stdout" {
	printf '# test\nenabled=yes\nzone=movable\n' >"$C"
	run --separate-stderr udev --config="$C" memory57
	assert_success
	assert_output ""
	assert_equal "$stderr" ""
	assert_equal "$(cat "$MEMHP_FAKE_LOG")" "memory57 online_movable 0"
	assert_equal "$(cat "$M/memory57/state")" online
	assert_equal "$(cat "$M/memory57/valid_zones")" Movable
	run syslog_line
	assert_output "daemon.info memhp: memory57: online Movable (auto-online, $C)"
}

@test "several blocks in one run: one line; ids work as well as names" {
	printf 'enabled=yes\n' >"$C"
	run udev --config="$C" memory56 57
	assert_success
	run syslog_line
	assert_output "daemon.info memhp: memory56: online Movable; memory57: online Movable (auto-online, $C)"
}

@test "zone=normal writes online_kernel, zone=auto writes online" {
	printf 'enabled=yes\nzone=normal\n' >"$C"
	run udev --config="$C" memory58
	assert_success
	printf 'enabled=yes\nzone=auto\n' >"$C"
	run udev --config="$C" memory59
	assert_success
	assert_equal "$(cat "$MEMHP_FAKE_LOG")" "memory58 online_kernel 0
memory59 online 0"
	run grep -c 'daemon.info memhp\[[0-9]*\]: memory58: online Normal' "$SYSLOG"
	assert_output 1
}

@test "disabled or missing config: nothing written, exit 0, an info line" {
	before=$(tree_sum "$T")
	printf 'enabled=no\nzone=movable\n' >"$C"
	run --separate-stderr udev --config="$C" memory57
	assert_success
	assert_output ""
	run syslog_line
	assert_output "daemon.info memhp: memory57: nothing done: auto-online is disabled (auto-online, $C)"
	: >"$SYSLOG"
	run udev --config="$BATS_TEST_TMPDIR/none.conf" memory57
	assert_success
	run syslog_line
	assert_output "daemon.info memhp: memory57: nothing done: auto-online is not configured (no such file) (auto-online, $BATS_TEST_TMPDIR/none.conf)"
	[ ! -s "$MEMHP_FAKE_LOG" ]
	assert_equal "$(tree_sum "$T")" "$before"
}

@test "a bad config: exit 2, nothing written, an error naming file and line" {
	before=$(tree_sum "$T")
	while IFS='|' read -r text error; do
		printf "$text" >"$C"
		: >"$SYSLOG"
		run --separate-stderr udev --config="$C" memory57
		assert_failure 2
		assert_output ""
		run syslog_line
		assert_output "daemon.err memhp: memory57: nothing done: $C:$error (auto-online, $C)"
	done <<-'EOF'
	enabled=yes\nzon=movable\n|2: unknown key 'zon' (enabled, zone, nodes, owners)
	enabled=yes\nowners=acpi-dimm,dimms\n|2: owners: 'dimms' is not OWNER[:ZONE] (owners: unknown, boot, acpi-dimm, virtio-mem, dax-kmem, memhp; zones: movable, normal, auto)
	enabled=yes\nzone=sideways\n|2: zone: 'sideways' is not movable, normal or auto
	# on\nenabled=maybe\n|2: enabled: 'maybe' is not yes or no
	enabled=yes\nnodes=1-0\n|2: nodes: '1-0' is not a list of node ids below 1024 (0,2-3) or empty
	enabled=yes\n\nonline everything\n|3: 'online everything' is not KEY=VALUE
	EOF
	[ ! -s "$MEMHP_FAKE_LOG" ]
	assert_equal "$(tree_sum "$T")" "$before"
}

@test "nodes= leaves blocks on other nodes offline" {
	printf 'enabled=yes\nnodes=0,2-3\n' >"$C"
	run udev --config="$C" memory57
	assert_success
	[ ! -s "$MEMHP_FAKE_LOG" ]
	run syslog_line
	assert_output "daemon.info memhp: memory57: left offline: node 1 is not in nodes=0,2-3 (auto-online, $C)"
	: >"$SYSLOG"
	printf 'enabled=yes\nnodes=1\n' >"$C"
	run udev --config="$C" memory57
	assert_success
	assert_equal "$(cat "$M/memory57/state")" online
}

# the owners fixture with the blocks of an ACPI DIMM (32), virtio-mem (37),
# dax/kmem (42), memhp.ko (47) and an unknown driver (50) offline, as just
# after they were added: each could go into Normal or Movable
owners_tree() {
	T=$BATS_TEST_TMPDIR/owners
	cp -a "$FIXDIR/owners" "$T"
	M=$T/sys/devices/system/memory
	for b in 32 37 42 47 50; do
		echo offline >"$M/memory$b/state"
		echo 0 >"$M/memory$b/online"
		echo "Normal Movable" >"$M/memory$b/valid_zones"
	done
}

@test "owners: by default an ACPI DIMM's block goes online, dax/kmem's is left to daxctl" {
	owners_tree
	printf 'enabled=yes\n' >"$C"
	before=$(cat "$M/memory42/state")
	run udev --config="$C" memory42
	assert_success
	[ ! -s "$MEMHP_FAKE_LOG" ]
	assert_equal "$(cat "$M/memory42/state")" "$before"
	run syslog_line
	assert_output "daemon.info memhp: memory42: left alone: its owner dax-kmem (dax0.0) is not in owners=acpi-dimm,memhp,unknown,virtio-mem:auto (auto-online, $C)"
	: >"$SYSLOG"
	run udev --config="$C" memory32
	assert_success
	assert_equal "$(cat "$MEMHP_FAKE_LOG")" "memory32 online_movable 0"
	assert_equal "$(cat "$M/memory32/state")" online
	run syslog_line
	assert_output "daemon.info memhp: memory32: online Movable (auto-online, $C)"
}

@test "owners: each owner into its zone in one run; virtio-mem to the kernel's online_policy by default" {
	owners_tree
	printf 'enabled=yes\n' >"$C"
	run udev --config="$C" memory32 memory37 memory42 memory47 memory50
	assert_success
	# one plan a zone: Movable first, then the kernel's choice ("online")
	assert_equal "$(cat "$MEMHP_FAKE_LOG")" "memory32 online_movable 0
memory47 online_movable 0
memory50 online_movable 0
memory37 online 0"
	run syslog_line
	assert_output "daemon.info memhp: memory42: left alone: its owner dax-kmem (dax0.0) is not in owners=acpi-dimm,memhp,unknown,virtio-mem:auto; memory32: online Movable; memory47: online Movable; memory50: online Movable; memory37: online Normal (auto-online, $C)"
	assert_equal "$(cat "$M/memory42/state")" offline
}

@test "owners=: only the owners it names, each into zone= or its own zone" {
	owners_tree
	printf 'enabled=yes\nzone=normal\nowners=dax-kmem:movable,acpi-dimm\n' >"$C"
	run udev --config="$C" memory32 memory37 memory42
	assert_success
	assert_equal "$(cat "$MEMHP_FAKE_LOG")" "memory42 online_movable 0
memory32 online_kernel 0"
	run syslog_line
	assert_output "daemon.info memhp: memory37: left alone: its owner virtio-mem (virtio0) is not in owners=dax-kmem:movable,acpi-dimm; memory42: online Movable; memory32: online Normal (auto-online, $C)"
}

@test "a block another onliner got to first is left as is, with a warning naming it" {
	printf 'enabled=yes\n' >"$C"
	fmemhp online --zone=normal 58 2>/dev/null
	: >"$MEMHP_FAKE_LOG"
	echo online >"$M/auto_online_blocks"
	run --separate-stderr udev --config="$C" memory58
	assert_success
	assert_output ""
	[ ! -s "$MEMHP_FAKE_LOG" ]
	assert_equal "$(cat "$M/memory58/valid_zones")" Normal
	run syslog_line
	assert_output "daemon.warning memhp: memory58: already online Normal, left as is: the kernel (auto_online_blocks=online) got there first; two onliners fight, keep one (auto-online, $C)"
	# the kernel does not, a udev rule does
	: >"$SYSLOG"
	echo offline >"$M/auto_online_blocks"
	mkdir -p "$T/etc/udev/rules.d"
	printf 'SUBSYSTEM!="memory", GOTO="end"\nATTR{state}=="offline", ATTR{state}="online"\nLABEL="end"\n' \
		>"$T/etc/udev/rules.d/40-redhat.rules"
	run udev --config="$C" memory58
	assert_success
	run syslog_line
	assert_output --partial "memory58: already online Normal, left as is: udev rule /etc/udev/rules.d/40-redhat.rules:2 got there first"
}

@test "a failed online: exit 1 and an error line; a missing block too" {
	printf 'enabled=yes\n' >"$C"
	echo "online 16 -1" >"$M/memory59/fake-kernel"
	run --separate-stderr udev --timeout=1 --config="$C" memory59
	assert_failure 1
	assert_output ""
	assert_equal "$(cat "$M/memory59/state")" offline
	run syslog_line
	assert_output --regexp "^daemon.err memhp: memory59: online failed: Device or resource busy .* \(auto-online, $C\)$"
	: >"$SYSLOG"
	run udev --config="$C" memory999
	assert_failure 1
	run syslog_line
	assert_output "daemon.err memhp: memory999: no such block (auto-online, $C)"
	# a block that cannot go into the zone: nothing written
	: >"$SYSLOG"
	: >"$MEMHP_FAKE_LOG"
	echo Normal >"$M/memory60/valid_zones"
	run udev --config="$C" memory60
	assert_failure 1
	run syslog_line
	assert_output "daemon.err memhp: memory60: online failed: block 60 cannot be onlined into Movable (its valid zones: Normal) (auto-online, $C)"
	[ ! -s "$MEMHP_FAKE_LOG" ]
	# one ok and one failed: partial
	: >"$SYSLOG"
	run udev --timeout=1 --config="$C" memory57 memory59
	assert_failure 64
	run grep -c 'memory57: online Movable; memory59: online failed' "$SYSLOG"
	assert_output 1
}

@test "--udev refuses what does not go with it, before touching anything" {
	printf 'enabled=yes\n' >"$C"
	for args in "--zone=normal memory57" "--node 1 memory57" "--dry-run memory57" \
		    "--atomic memory57" "memory57 --json" "1G" "0x1c0000000-0x1c7ffffff" ""; do
		run udev --config="$C" $args
		[ "$status" -eq 2 ] || { echo "--udev $args: exit $status: $output"; false; }
	done
	run fmemhp online --config="$C" memory57
	assert_failure 2
	assert_output --partial -- "--config goes with --udev"
	[ ! -s "$MEMHP_FAKE_LOG" ] && [ ! -s "$SYSLOG" ]
}

@test "memhp policy reports memhp's auto-online: disabled, enabled, broken" {
	install_into "$T" /usr
	run "$MEMHP" --sysfs-root "$T" policy
	assert_success
	assert_output --partial "memhp auto-online: installed, disabled (enabled=no in /etc/memhp/auto-online.conf; rule /$RULE:15)"
	run --separate-stderr "$MEMHP" --sysfs-root "$T" --json policy
	assert_success
	run jq -c '[.auto_online, [.agents[].kind]]' <<<"$output"
	assert_output "[{\"rule\":\"/$RULE\",\"line\":15,\"config\":\"/etc/memhp/auto-online.conf\",\"enabled\":false,\"zone\":\"movable\",\"nodes\":null,\"owners\":[{\"owner\":\"unknown\",\"zone\":\"movable\"},{\"owner\":\"acpi-dimm\",\"zone\":\"movable\"},{\"owner\":\"virtio-mem\",\"zone\":\"auto\"},{\"owner\":\"memhp\",\"zone\":\"movable\"}],\"error\":null},[]]"

	sed -i 's/^enabled=no$/enabled=yes/; s/^nodes=$/nodes=1,3/' "$T/$CONF"
	echo online >"$M/auto_online_blocks"
	run "$MEMHP" --sysfs-root "$T" policy
	assert_success
	assert_output --partial "Other agents that online hot-added memory:
  kernel: auto_online_blocks=online onlines it as it is added (every owner)
  memhp auto-online: zone=movable, nodes=1,3, owners=acpi-dimm,memhp,unknown,virtio-mem:auto (/etc/memhp/auto-online.conf; rule /$RULE:15)
  More than one: whichever writes a new block's state first decides its zone; keep one."
	run --separate-stderr "$MEMHP" --sysfs-root "$T" --json policy
	run jq -c '[.auto_online.enabled, .auto_online.nodes, [.agents[] | [.kind, .file, .config, (.owners | join(","))]]]' <<<"$output"
	assert_output "[true,[1,3],[[\"kernel\",null,null,\"unknown,acpi-dimm,virtio-mem,dax-kmem,memhp\"],[\"memhp\",\"/$RULE\",\"/etc/memhp/auto-online.conf\",\"unknown,acpi-dimm,virtio-mem,memhp\"]]]"
	# owners= in the config: the agent and the config follow it
	echo "owners=virtio-mem:normal" >>"$T/$CONF"
	run --separate-stderr "$MEMHP" --sysfs-root "$T" --json policy
	run jq -c '[.auto_online.owners, .agents[1].owners]' <<<"$output"
	assert_output '[[{"owner":"virtio-mem","zone":"normal"}],["virtio-mem"]]'
	run "$MEMHP" --sysfs-root "$T" policy
	assert_output --partial "memhp auto-online: zone=movable, nodes=1,3, owners=virtio-mem:normal ("

	echo "zone=up" >>"$T/$CONF"
	run "$MEMHP" --sysfs-root "$T" policy
	assert_output --partial "memhp auto-online: installed, does nothing: /etc/memhp/auto-online.conf:"
	run --separate-stderr "$MEMHP" --sysfs-root "$T" --json policy
	run jq -r '.auto_online.error' <<<"$output"
	assert_output --regexp "^/etc/memhp/auto-online.conf:[0-9]+: zone: 'up' is not movable, normal or auto$"

	# masked as udev allows: a link to /dev/null in /etc/udev/rules.d
	mkdir -p "$T/etc/udev/rules.d"
	ln -s /dev/null "$T/etc/udev/rules.d/60-memhp-auto-online.rules"
	run --separate-stderr "$MEMHP" --sysfs-root "$T" --json policy
	run jq -c '.auto_online' <<<"$output"
	assert_output null
}
