#!/usr/bin/env bats
# memhp policy --persist on fixture trees: the GRUB drop-in below the root
# (as a package's DESTDIR would hold it), merged, reset, put back when the
# runtime change fails, and doctor's comparison with the runtime policy.

load fixture_helper
bats_require_minimum_version 1.5.0

setup_file() { fixtures_setup_file; }

setup() {
	policy_tree_setup
	D=$T/etc/default/grub.d/memhp.cfg
	mkdir -p "$T/etc/default"
	echo 'GRUB_CMDLINE_LINUX=""' >"$T/etc/default/grub"
}

# the parameters the drop-in adds, as GRUB's shell would expand them
persisted() {
	# shellcheck disable=SC1090
	(GRUB_CMDLINE_LINUX=BEFORE; . "$D"; echo "$GRUB_CMDLINE_LINUX")
}

@test "--persist KEY=VALUE: set now and from the next boot; memmap_on_memory only from the next boot" {
	echo offline >"$A"
	run bash -c 'umask 077; "$@"' _ "$MEMHP" --sysfs-root "$T" policy --persist \
		auto_online_blocks=online_movable online_policy=auto-movable memmap_on_memory=force
	assert_success
	assert_equal "$(cat "$A")" online_movable
	assert_equal "$(cat "$P/online_policy")" auto-movable
	assert_equal "$(persisted)" "BEFORE memhp_default_state=online_movable memory_hotplug.online_policy=auto-movable memory_hotplug.memmap_on_memory=force"
	assert_line --regexp '^memmap_on_memory +Y   \(boot parameter\)   \(next boot: force\)$'
	assert_line "From the next boot (/etc/default/grub.d/memhp.cfg, once update-grub has run):"
	# 0644 whatever the umask: the boot loader's tooling reads it
	assert_equal "$(stat -c %a "$D")" 644
	[ "$(ls -A "$T/etc/default/grub.d")" = memhp.cfg ]
}

@test "--persist with no KEY keeps the runtime policy; a bare KEY keeps its value now" {
	echo online_kernel >"$A"
	run "$MEMHP" --sysfs-root "$T" policy --persist
	assert_success
	assert_equal "$(persisted)" "BEFORE memhp_default_state=online_kernel memory_hotplug.online_policy=$(cat "$P/online_policy") memory_hotplug.auto_movable_ratio=$(cat "$P/auto_movable_ratio") memory_hotplug.auto_movable_numa_aware=$(cat "$P/auto_movable_numa_aware")"
	rm "$D"
	run "$MEMHP" --sysfs-root "$T" policy --persist auto_movable_ratio
	assert_success
	assert_equal "$(persisted)" "BEFORE memory_hotplug.auto_movable_ratio=$(cat "$P/auto_movable_ratio")"
}

@test "a second --persist merges into what the drop-in holds; --json shows it" {
	"$MEMHP" --sysfs-root "$T" policy --persist auto_online_blocks=offline >/dev/null
	run --separate-stderr "$MEMHP" --sysfs-root "$T" --json policy --persist auto_movable_ratio=250
	assert_success
	assert_equal "$(persisted)" "BEFORE memhp_default_state=offline memory_hotplug.auto_movable_ratio=250"
	run jq -c '.persisted' <<<"$output"
	assert_output '{"file":"/etc/default/grub.d/memhp.cfg","cmdline":"memhp_default_state=offline memory_hotplug.auto_movable_ratio=250","policy":{"auto_online_blocks":"offline","auto_movable_ratio":"250"}}'
}

@test "--persist --reset removes the drop-in and leaves the runtime policy alone" {
	"$MEMHP" --sysfs-root "$T" policy --persist auto_online_blocks=offline >/dev/null
	before=$(cat "$A" "$P"/*)
	run "$MEMHP" --sysfs-root "$T" policy --persist --reset
	assert_success
	[ ! -e "$D" ]
	assert_equal "$(cat "$A" "$P"/*)" "$before"
	refute_output --partial "next boot"
	run --separate-stderr "$MEMHP" --sysfs-root "$T" --json policy
	assert_equal "$(jq -c .persisted <<<"$output")" null
	# nothing to remove is no error
	run "$MEMHP" --sysfs-root "$T" policy --persist --reset
	assert_success
}

@test "usage errors change nothing: --reset alone, --reset with a KEY, a bad value" {
	before=$(cat "$A" "$P"/*)
	for args in "--reset" "--persist --reset auto_online_blocks=offline" \
		    "--persist memmap_on_memory=sometimes" "--persist auto_movable_ratio=lots" \
		    "--persist no_such_knob=1"; do
		run "$MEMHP" --sysfs-root "$T" policy $args
		[ "$status" -eq 2 ] || { echo "'$args' exited $status: $output"; false; }
	done
	[ ! -e "$T/etc/default/grub.d" ]
	assert_equal "$(cat "$A" "$P"/*)" "$before"
}

@test "no GRUB below the root: exit 1, nothing changed, the parameters to add by hand" {
	rm "$T/etc/default/grub"
	before=$(cat "$A" "$P"/*)
	run "$MEMHP" --sysfs-root "$T" policy --persist auto_online_blocks=online_movable
	assert_failure 1
	assert_output --partial "GRUB is not the boot loader here"
	assert_output --partial "the kernel parameters: memhp_default_state=online_movable"
	assert_equal "$(cat "$A" "$P"/*)" "$before"
	[ ! -e "$T/etc/default/grub.d" ]
}

@test "a runtime write that fails puts the drop-in back as it was" {
	"$MEMHP" --sysfs-root "$T" policy --persist auto_movable_ratio=250 >/dev/null
	saved=$(cat "$D")
	echo auto-movable >"$P/online_policy"
	chattr +i "$P/online_policy"
	run "$MEMHP" --sysfs-root "$T" policy --persist online_policy=contig-zones auto_online_blocks=offline
	chattr -i "$P/online_policy"
	assert_failure 1
	assert_equal "$(cat "$D")" "$saved"
	assert_equal "$(cat "$P/online_policy")" auto-movable
	# with no drop-in before, none after
	rm "$D"
	chattr +i "$P/online_policy"
	run "$MEMHP" --sysfs-root "$T" policy --persist online_policy=contig-zones
	chattr -i "$P/online_policy"
	assert_failure 1
	[ ! -e "$D" ]
}

@test "doctor: persisted-policy ok when it is in effect, warn naming both values when not, absent with none" {
	run --separate-stderr "$MEMHP" --sysfs-root "$T" --json doctor
	assert_equal "$(jq '[.checks[] | select(.id == "persisted-policy")] | length' <<<"$output")" 0
	"$MEMHP" --sysfs-root "$T" policy --persist auto_online_blocks=offline >/dev/null
	run --separate-stderr "$MEMHP" --sysfs-root "$T" --json doctor
	assert_equal "$(jq -r '.checks[] | select(.id == "persisted-policy") | .status' <<<"$output")" ok
	echo online >"$A"
	run --separate-stderr "$MEMHP" --sysfs-root "$T" --json doctor
	run jq -r '.checks[] | select(.id == "persisted-policy") | "\(.status): \(.summary)"' <<<"$output"
	assert_output "warn: auto_online_blocks is online now, offline from the next boot"
}
