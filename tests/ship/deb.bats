#!/usr/bin/env bats
# The Debian packages as debian/ builds them: dpkg-buildpackage in a scratch
# copy of the tree (one build for the whole file), lintian on the result,
# the packages' contents, then apt installs them into a fresh Debian 12
# root made by debootstrap: the tools run there, and memhp-dkms builds
# memhp.ko against the kernel headers installed there.  Nothing is loaded:
# the root only builds and installs files.

load ship_helper

setup_file() {
	[ -n "$VERSION" ] || { echo "no version in CMakeLists.txt's project()" >&2; return 1; }
	export SRC=$BATS_FILE_TMPDIR/memhp-$VERSION PKGS=$BATS_FILE_TMPDIR
	export ROOT=$BATS_FILE_TMPDIR/root
	# the checkout as it is, committed or not, without build trees
	mkdir -p "$SRC"
	(cd "$REPO_ROOT" && git ls-files -z --cached --others --exclude-standard |
		xargs -0 sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' sh |
		tar --null -T - -cf -) | tar -xf - -C "$SRC" || return 1
	# the unit tier runs the tests; the package build need not repeat them
	(cd "$SRC" && DEB_BUILD_OPTIONS="nocheck parallel=$(nproc)" \
		dpkg-buildpackage -us -uc -b) >"$BATS_FILE_TMPDIR/build.log" 2>&1 ||
		{ tail -n 40 "$BATS_FILE_TMPDIR/build.log" >&2; return 1; }
	export CHANGES=$PKGS/memhp_${VERSION}_$ARCH.changes
	for p in memhp libmemhp0 libmemhp-dev; do
		export "DEB_${p//-/_}=$PKGS/${p}_${VERSION}_$ARCH.deb"
	done
	export DEB_memhp_dkms=$PKGS/memhp-dkms_${VERSION}_all.deb
	debootstrap --variant=minbase bookworm "$ROOT" \
		"${MEMHP_DEBIAN_MIRROR:-http://deb.debian.org/debian}" \
		>"$BATS_FILE_TMPDIR/debootstrap.log" 2>&1 ||
		{ tail -n 30 "$BATS_FILE_TMPDIR/debootstrap.log" >&2; return 1; }
	# dkms wants /proc and /dev/fd; the root gets its own proc mount
	mount -t proc proc "$ROOT/proc" || return 1
	[ -e "$ROOT/dev/fd" ] || ln -s /proc/self/fd "$ROOT/dev/fd"
	cp "$DEB_memhp" "$DEB_libmemhp0" "$DEB_memhp_dkms" "$ROOT/tmp/"
}

teardown_file() {
	[ -n "${ROOT:-}" ] && mountpoint -q "$ROOT/proc" && umount "$ROOT/proc"
	true
}

in_root() { chroot "$ROOT" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8 "$@"; }
apt_in_root() {
	in_root env DEBIAN_FRONTEND=noninteractive apt-get -o Dpkg::Use-Pty=0 -y -q "$@"
}
# the paths a package holds, one a line, without the leading "."
deb_files() { dpkg-deb -c "$1" | awk '{ print substr($6, 2) }'; }
# one member of a package's data, unpacked into the test's directory
deb_extract() { # deb, path
	dpkg-deb --fsys-tarfile "$1" | tar -x -C "$BATS_TEST_TMPDIR" ".$2" &&
		echo "$BATS_TEST_TMPDIR$2"
}

@test "dpkg-buildpackage makes the four packages and their -dbgsym, of the project's version" {
	for p in memhp libmemhp0 libmemhp-dev; do
		deb=$PKGS/${p}_${VERSION}_$ARCH.deb
		run dpkg-deb -f "$deb" Package Version Architecture
		assert_output "Package: $p
Version: $VERSION
Architecture: $ARCH"
	done
	run dpkg-deb -f "$DEB_memhp_dkms" Package Version Architecture
	assert_output "Package: memhp-dkms
Version: $VERSION
Architecture: all"
	# the binaries' debugging symbols, in the packages dh_strip makes
	for p in memhp libmemhp0; do
		dbg=$PKGS/$p-dbgsym_${VERSION}_$ARCH.deb
		deb_files "$dbg" | grep -q '^/usr/lib/debug/\.build-id/.*\.debug$'
	done
}

@test "lintian at its default profile: no error and no warning" {
	run lintian "$CHANGES"
	printf '%s\n' "$output" >"$BATS_FILE_TMPDIR/lintian.out"
	refute_output --regexp '(^|'$'\n'')[EW]: '
}

@test "libmemhp0 holds the library and its SONAME, with a symbols file and the ldconfig trigger" {
	run deb_files "$DEB_libmemhp0"
	assert_line "/usr/lib/$MULTIARCH/libmemhp.so.$VERSION"
	assert_line "/usr/lib/$MULTIARCH/libmemhp.so.0"
	refute_line "/usr/lib/$MULTIARCH/libmemhp.so"
	lib=$(deb_extract "$DEB_libmemhp0" "/usr/lib/$MULTIARCH/libmemhp.so.$VERSION")
	run readelf -d "$lib"
	assert_output --partial "Library soname: [libmemhp.so.0]"
	dpkg-deb --ctrl-tarfile "$DEB_libmemhp0" | tar -xO ./shlibs | grep -qx "libmemhp 0 libmemhp0 (>= $VERSION)"
	dpkg-deb --ctrl-tarfile "$DEB_libmemhp0" | tar -xO ./symbols | head -n1 | grep -qx "libmemhp.so.0 libmemhp0 #MINVER#"
	dpkg-deb --ctrl-tarfile "$DEB_libmemhp0" | tar -xO ./triggers | grep -qx "activate-noawait ldconfig"
	# libnuma is opened when first needed, not linked (lib/usage.c):
	# dpkg-shlibdeps cannot see it, the package names it
	refute_output --partial libnuma.so
	[[ ", $(dpkg-deb -f "$DEB_libmemhp0" Depends)," == *", libnuma1,"* ]]
}

@test "libmemhp-dev holds the header, the .so link, the pkg-config file and libmemhp(3)" {
	run deb_files "$DEB_libmemhp_dev"
	assert_line /usr/include/libmemhp.h
	assert_line "/usr/lib/$MULTIARCH/libmemhp.so"
	assert_line "/usr/lib/$MULTIARCH/pkgconfig/libmemhp.pc"
	assert_line /usr/share/man/man3/libmemhp.3.gz
	[[ "$(dpkg-deb -f "$DEB_libmemhp_dev" Depends)" == *"libmemhp0 (= $VERSION)"* ]]
}

@test "memhp depends on the package of every library it links, and is stripped and hardened" {
	bin=$(deb_extract "$DEB_memhp" /usr/bin/memhp)
	lib=$(deb_extract "$DEB_libmemhp0" "/usr/lib/$MULTIARCH/libmemhp.so.$VERSION")
	depends=$(dpkg-deb -f "$DEB_memhp" Depends)
	for soname in $(readelf -d "$bin" | sed -nE 's/.*\(NEEDED\).*\[(.*)\]/\1/p'); do
		if [ "$soname" = libmemhp.so.0 ]; then
			pkg=libmemhp0
		else	# the package on this system that ships the library
			pkg=$(dpkg -S "*/$soname" 2>/dev/null |
				awk -F': ' -v s="/$MULTIARCH/$soname" 'index($2, s) && substr($2, length($2) - length(s) + 1) == s { print $1; exit }' |
				cut -d: -f1)
		fi
		[ -n "$pkg" ] || { echo "no package ships $soname"; false; }
		[[ ", $depends," == *", $pkg "* ]] ||
			{ echo "$soname ($pkg) not in Depends: $depends"; false; }
	done
	for obj in "$bin" "$lib"; do
		run file -L "$obj"
		assert_output --partial ", stripped"
		# Debian's hardening flags: full RELRO, and a PIE executable
		readelf -d "$obj" | grep -q 'FLAGS.*BIND_NOW'
		readelf -lW "$obj" | grep -q GNU_RELRO
		# _FORTIFY_SOURCE's checked functions
		readelf --dyn-syms -W "$obj" | grep -q '__[a-z_]*_chk@'
	done
	readelf -h "$bin" | grep -q 'Type:.*DYN'
}

@test "memhp: man pages compressed, completions, the udev rule and the config as a conffile" {
	run deb_files "$DEB_memhp"
	assert_line /usr/bin/memhp
	assert_line /usr/share/man/man8/memhp.8.gz
	assert_line /usr/share/man/man7/memhp-json.7.gz
	assert_line /usr/share/bash-completion/completions/memhp
	assert_line /usr/share/zsh/vendor-completions/_memhp
	assert_line /usr/share/fish/vendor_completions.d/memhp.fish
	# no man page uncompressed, in any package; aliases are links
	for deb in "$DEB_memhp" "$DEB_libmemhp_dev"; do
		! deb_files "$deb" | grep -E '^/usr/share/man/man[1-8]/[^/]+$' | grep -v '\.gz$'
	done
	[ "$(dpkg-deb -c "$DEB_memhp" | awk '$6 == "./usr/share/man/man8/memhp-offline.8.gz" { print $8 }')" = memhp-online.8.gz ]
	# dh_installudev: the rules directory of Debian 12's udev
	assert_line /lib/udev/rules.d/60-memhp-auto-online.rules
	rule=$(deb_extract "$DEB_memhp" /lib/udev/rules.d/60-memhp-auto-online.rules)
	grep -qF 'RUN+="/usr/bin/memhp online --udev --config=/etc/memhp/auto-online.conf %k"' "$rule"
	dpkg-deb --ctrl-tarfile "$DEB_memhp" | tar -xO ./conffiles | grep -qx /etc/memhp/auto-online.conf
	# the node_exporter textfile units, the service naming the installed memhp
	assert_line /lib/systemd/system/memhp-prometheus.service
	assert_line /lib/systemd/system/memhp-prometheus.timer
	unit=$(deb_extract "$DEB_memhp" /lib/systemd/system/memhp-prometheus.service)
	grep -qx 'ExecStart=/usr/bin/memhp summary --format=prometheus --output-file=/var/lib/prometheus/node-exporter/memhp.prom' "$unit"
	# nothing of the library or the module source
	refute_output --partial libmemhp.so
	refute_output --partial /usr/src/
}

@test "memhp-dkms holds the module source and dkms.conf, and hands them to DKMS" {
	[[ "$(dpkg-deb -f "$DEB_memhp_dkms" Depends)" == "dkms (>= "* ]]
	run sh -c "dpkg-deb -c '$DEB_memhp_dkms' | awk '\$1 !~ /^d/ { print \$6 }' | grep -v '^./usr/share/doc/' | sort"
	want=$(cd "$REPO_ROOT/kernel" && printf "./usr/src/memhp-$VERSION/%s\n" dkms.conf Kbuild *.[ch] | sort)
	assert_output "$want"
	conf=$(deb_extract "$DEB_memhp_dkms" "/usr/src/memhp-$VERSION/dkms.conf")
	grep -qx "PACKAGE_VERSION=\"$VERSION\"" "$conf"
	grep -qx 'AUTOINSTALL="yes"' "$conf"
	# dh_dkms's maintainer scripts add, build and remove it
	for script in postinst prerm; do
		run sh -c "dpkg-deb --ctrl-tarfile '$DEB_memhp_dkms' | tar -xO ./$script"
		assert_line DKMS_NAME=memhp
		assert_line "DKMS_VERSION=$VERSION"
	done
	assert_output --partial 'dkms remove -m $DKMS_NAME -v $DKMS_VERSION --all'
}

@test "memhp installs into a fresh Debian root and runs there" {
	apt_in_root install "/tmp/${DEB_memhp##*/}" "/tmp/${DEB_libmemhp0##*/}" \
		>"$BATS_TEST_TMPDIR/apt.log" 2>&1 ||
		{ cat "$BATS_TEST_TMPDIR/apt.log"; false; }
	run in_root memhp --version
	assert_success
	assert_output "memhp $VERSION"
	run in_root dpkg-query -W -f '${Status} ${Version}' memhp
	assert_output "install ok installed $VERSION"
	in_root ldconfig -p | grep -q "libmemhp.so.0 .*=> .*/lib/$MULTIARCH/libmemhp.so.0$"
	# the installed tool reads a tree as the checkout's build does
	fx=$(ship_fixture "$BATS_TEST_TMPDIR/fx")
	cp -a "$fx" "$ROOT/tmp/fixture"
	run in_root memhp --sysfs-root /tmp/fixture --json list --all
	assert_success
	assert_equal "$output" "$(LD_LIBRARY_PATH="$SRC/obj-$MULTIARCH" "$SRC/obj-$MULTIARCH/memhp" --sysfs-root "$fx" --json list --all)"
}

@test "the textfile timer and service are installed, not enabled and not started" {
	apt_in_root install "/tmp/${DEB_memhp##*/}" "/tmp/${DEB_libmemhp0##*/}" >/dev/null 2>&1
	[ -f "$ROOT/lib/systemd/system/memhp-prometheus.timer" ]
	[ -f "$ROOT/lib/systemd/system/memhp-prometheus.service" ]
	# enabling would link the timer into timers.target.wants
	run find "$ROOT/etc/systemd" -name 'memhp-prometheus.*'
	assert_output ""
	# dh_installsystemd handles the units, and the postinst never starts
	# them (it enables them again only where the admin had)
	run sh -c "dpkg-deb --ctrl-tarfile '$DEB_memhp' | tar -xO ./postinst"
	assert_output --partial "was-enabled 'memhp-prometheus.timer'"
	refute_output --regexp 'deb-systemd-invoke .*start'
	# the service's command, run by hand in the root, writes the textfile
	fx=$(ship_fixture "$BATS_TEST_TMPDIR/fx")
	cp -a "$fx" "$ROOT/tmp/fixture"
	mkdir -p "$ROOT/var/lib/prometheus/node-exporter"
	cmd=$(sed -n 's/^ExecStart=//p' "$ROOT/lib/systemd/system/memhp-prometheus.service")
	in_root $cmd --sysfs-root /tmp/fixture
	grep -q '^memhp_block_size_bytes ' "$ROOT/var/lib/prometheus/node-exporter/memhp.prom"
}

@test "removing keeps the edited config, purging removes it" {
	apt_in_root install "/tmp/${DEB_memhp##*/}" "/tmp/${DEB_libmemhp0##*/}" >/dev/null 2>&1
	echo "# edited" >>"$ROOT/etc/memhp/auto-online.conf"
	apt_in_root remove memhp libmemhp0 >/dev/null 2>&1
	[ ! -e "$ROOT/usr/bin/memhp" ]
	[ ! -e "$ROOT/usr/lib/$MULTIARCH/libmemhp.so.0" ]
	grep -qx '# edited' "$ROOT/etc/memhp/auto-online.conf"
	apt_in_root purge memhp >/dev/null 2>&1
	[ ! -e "$ROOT/etc/memhp/auto-online.conf" ]
}

@test "memhp-dkms builds memhp.ko for the kernel headers in the root, with the version" {
	apt_in_root install --no-install-recommends linux-headers-amd64 \
		"/tmp/${DEB_memhp_dkms##*/}" >"$BATS_TEST_TMPDIR/apt.log" 2>&1 ||
		{ tail -n 40 "$BATS_TEST_TMPDIR/apt.log"; false; }
	kver=$(ls "$ROOT/lib/modules")
	[ -n "$kver" ] && in_root test -e "/lib/modules/$kver/build/Makefile"
	run in_root dkms status -m memhp
	assert_output --partial "memhp/$VERSION, $kver, x86_64: installed"
	ko=$ROOT/lib/modules/$kver/updates/dkms/memhp.ko
	[ -f "$ko" ] || ko=$(ls "$ROOT/lib/modules/$kver/updates/dkms"/memhp.ko*)
	# modinfo reads the file; nothing is loaded
	run modinfo -F version "$ko"
	assert_output "$VERSION"
	run modinfo -F vermagic "$ko"
	assert_output --partial "$kver "
	apt_in_root remove memhp-dkms >/dev/null 2>&1
	run in_root dkms status -m memhp
	assert_output ""
	[ ! -e "$ko" ]
}
