#!/usr/bin/env bats
# `cmake --install` into a DESTDIR: the layout a distribution expects, a
# library a program can build against with pkg-config, and one version
# everywhere.

load ship_helper

setup_file() {
	ship_require_build || return 1
	export DEST=$BATS_FILE_TMPDIR/dest
	DESTDIR=$DEST cmake --install "$SHIP_BUILD" >"$BATS_FILE_TMPDIR/install.log" 2>&1 ||
		{ cat "$BATS_FILE_TMPDIR/install.log" >&2; return 1; }
}

setup() {
	cd "$REPO_ROOT"
	LIB=$DEST/usr/lib/$MULTIARCH
}

@test "bin, lib, include, pkg-config, udev, systemd and the DKMS source land where Debian has them" {
	for f in usr/bin/memhp \
		"usr/lib/$MULTIARCH/libmemhp.so.$VERSION" \
		"usr/lib/$MULTIARCH/pkgconfig/libmemhp.pc" \
		usr/include/libmemhp.h \
		usr/lib/udev/rules.d/60-memhp-auto-online.rules \
		usr/lib/systemd/system/memhp-prometheus.service \
		usr/lib/systemd/system/memhp-prometheus.timer \
		etc/memhp/auto-online.conf \
		"usr/src/memhp-$VERSION/dkms.conf" "usr/src/memhp-$VERSION/Kbuild"; do
		[ -f "$DEST/$f" ] || { echo "missing: /$f"; false; }
	done
	[ -x "$DEST/usr/bin/memhp" ]
	# every source file kbuild compiles is in the DKMS tree
	for f in kernel/*.[ch]; do
		cmp "$f" "$DEST/usr/src/memhp-$VERSION/${f#kernel/}" ||
			{ echo "$f not installed for DKMS"; false; }
	done
	# nothing strays outside /usr and /etc
	run find "$DEST" -mindepth 1 -maxdepth 1 -printf '%f\n'
	assert_equal "$(sort <<<"$output" | tr '\n' ' ')" "etc usr "
}

@test "the library carries its SONAME, with the runtime and development links" {
	run readelf -d "$LIB/libmemhp.so.$VERSION"
	assert_output --partial "Library soname: [libmemhp.so.0]"
	[ "$(readlink "$LIB/libmemhp.so.0")" = "libmemhp.so.$VERSION" ]
	[ "$(readlink "$LIB/libmemhp.so")" = libmemhp.so.0 ]
	# the installed binary does not point back into the build tree
	run readelf -d "$DEST/usr/bin/memhp"
	refute_output --partial RUNPATH
	refute_output --partial RPATH
}

@test "the installed memhp runs on the installed library" {
	run env LD_LIBRARY_PATH="$LIB" ldd "$DEST/usr/bin/memhp"
	assert_line --regexp "libmemhp\.so\.0 => $LIB/libmemhp\.so\.0 "
	run env LD_LIBRARY_PATH="$LIB" "$DEST/usr/bin/memhp" --version
	assert_success
	assert_output "memhp $VERSION"
}

@test "a program builds against the installed header and pkg-config file" {
	export PKG_CONFIG_SYSROOT_DIR=$DEST PKG_CONFIG_LIBDIR=$LIB/pkgconfig
	run pkg-config --modversion libmemhp
	assert_output "$VERSION"
	flags=$(pkg-config --cflags --libs libmemhp)
	[[ $flags == *"-I$DEST/usr/include"* ]]
	cat >"$BATS_TEST_TMPDIR/blocks.c" <<-'C'
	#include <libmemhp.h>
	#include <stdio.h>
	#include <string.h>

	int main(int argc, char **argv)
	{
		struct memhp_ctx *ctx;
		struct memhp_block *b;
		unsigned long online = 0, offline = 0;
		int err = memhp_new(argc > 1 ? argv[1] : "/", &ctx);

		if (err < 0 || (err = memhp_blocks_scan(ctx, MEMHP_ATTR_STATE)) < 0) {
			fprintf(stderr, "libmemhp: %s\n", strerror(-err));
			return 1;
		}
		memhp_block_foreach(ctx, b) {
			if (memhp_block_get_state(b) == MEMHP_STATE_ONLINE)
				online++;
			else if (memhp_block_get_state(b) == MEMHP_STATE_OFFLINE)
				offline++;
		}
		printf("%llu %lu %lu\n",
		       (unsigned long long)memhp_get_block_size(ctx), online, offline);
		memhp_unref(ctx);
		return 0;
	}
	C
	# shellcheck disable=SC2086
	cc -std=c17 -Wall -Wextra -Werror -o "$BATS_TEST_TMPDIR/blocks" \
		"$BATS_TEST_TMPDIR/blocks.c" $flags
	fx=$(ship_fixture "$BATS_TEST_TMPDIR/fx")
	run env LD_LIBRARY_PATH="$LIB" "$BATS_TEST_TMPDIR/blocks" "$fx"
	assert_success
	# what memhp itself says about the same tree
	json=$(LD_LIBRARY_PATH="$LIB" "$DEST/usr/bin/memhp" --sysfs-root "$fx" --json list --all)
	want=$(jq -r '"\(.block_size) \([.ranges[] | select(.state == "online")] | length) \([.ranges[] | select(.state == "offline")] | length)"' <<<"$json")
	assert_output "$want"
	[ "${output%% *}" -gt 0 ]
}

@test "one version: CMake's project() in --version, the .pc, dkms.conf, the man pages" {
	grep -qx "Version: $VERSION" "$LIB/pkgconfig/libmemhp.pc"
	grep -qx "PACKAGE_VERSION=\"$VERSION\"" "$DEST/usr/src/memhp-$VERSION/dkms.conf"
	# dkms.conf hands the version to kbuild, which puts it in MODULE_VERSION
	grep -q "MEMHP_VERSION=$VERSION " "$DEST/usr/src/memhp-$VERSION/dkms.conf"
	grep -q 'MODULE_VERSION(MEMHP_VERSION)' "$DEST/usr/src/memhp-$VERSION/core.c"
	for page in "$DEST"/usr/share/man/man*/*; do
		[ -L "$page" ] && continue
		head -n1 "$page" | grep -qF "\"memhp $VERSION\"" ||
			{ echo "$page: $(head -n1 "$page")"; false; }
	done
	# and nowhere else in the sources
	run grep -rlF --exclude-dir=.git --exclude-dir='build*' "$VERSION" \
		lib cmd kernel man completions udev systemd CMakeLists.txt
	assert_output CMakeLists.txt
}

@test "man pages: memhp(8), one per command, memhp-json(7), lint clean as installed" {
	man=$DEST/usr/share/man
	[ -f "$man/man8/memhp.8" ] && [ -f "$man/man7/memhp-json.7" ]
	for cmd in $(LD_LIBRARY_PATH="$LIB" "$DEST/usr/bin/memhp" --list-commands); do
		[ -e "$man/man8/memhp-$cmd.8" ] || { echo "no memhp-$cmd.8"; false; }
	done
	# aliases (memhp-offline.8) are links to the page that describes both
	for page in "$man"/man*/*; do
		[ -f "$page" ] || { echo "dangling: $page"; false; }
		[ -L "$page" ] && continue
		run mandoc -T lint -W warning "$page"
		[ "$status" -eq 0 ] || { echo "$page: $output"; false; }
	done
}

@test "bash, zsh and fish completions are where each shell looks" {
	cmp completions/memhp.bash "$DEST/usr/share/bash-completion/completions/memhp"
	cmp completions/_memhp "$DEST/usr/share/zsh/vendor-completions/_memhp"
	cmp completions/memhp.fish "$DEST/usr/share/fish/vendor_completions.d/memhp.fish"
	# the directories are the ones the shells on this system search
	pkg-config --variable=completionsdir bash-completion | grep -qx /usr/share/bash-completion/completions
	zsh -fc 'print -l $fpath' | grep -qx /usr/share/zsh/vendor-completions
	HOME=$BATS_TEST_TMPDIR fish -c 'printf "%s\n" $fish_complete_path' | grep -qx /usr/share/fish/vendor_completions.d
}

@test "the udev rule runs the installed memhp with the installed config" {
	rule=$DEST/usr/lib/udev/rules.d/60-memhp-auto-online.rules
	grep -qF 'SUBSYSTEM!="memory"' "$rule"
	grep -qF '/usr/bin/memhp online --udev' "$rule"
	grep -qF -- '--config=/etc/memhp/auto-online.conf' "$rule"
	grep -qx 'enabled=no' "$DEST/etc/memhp/auto-online.conf"
}

@test "the textfile service runs the installed memhp into node_exporter's directory; the timer repeats it" {
	unit=$DEST/usr/lib/systemd/system/memhp-prometheus.service
	grep -qx 'ExecStart=/usr/bin/memhp summary --format=prometheus --output-file=/var/lib/prometheus/node-exporter/memhp.prom' "$unit"
	grep -qx 'ReadWritePaths=/var/lib/prometheus/node-exporter' "$unit"
	timer=$DEST/usr/lib/systemd/system/memhp-prometheus.timer
	grep -qx 'OnUnitActiveSec=1min' "$timer"
	grep -qx 'WantedBy=timers.target' "$timer"
}
