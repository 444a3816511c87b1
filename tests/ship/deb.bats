#!/usr/bin/env bats
# The Debian packages cpack makes, installed with apt into a fresh Debian 12
# root made by debootstrap: the tools run there, and memhp-dkms builds
# memhp.ko against the kernel headers installed there.  Nothing is loaded:
# the root only builds and installs files.

load ship_helper

setup_file() {
	ship_require_build || return 1
	export PKGS=$BATS_FILE_TMPDIR/packages ROOT=$BATS_FILE_TMPDIR/root
	(cd "$SHIP_BUILD" && cpack -G DEB -B "$PKGS") >"$BATS_FILE_TMPDIR/cpack.log" 2>&1 ||
		{ cat "$BATS_FILE_TMPDIR/cpack.log" >&2; return 1; }
	export TOOLS_DEB=$PKGS/memhp_${VERSION}_$ARCH.deb
	export DKMS_DEB=$PKGS/memhp-dkms_${VERSION}_all.deb
	debootstrap --variant=minbase bookworm "$ROOT" \
		"${MEMHP_DEBIAN_MIRROR:-http://deb.debian.org/debian}" \
		>"$BATS_FILE_TMPDIR/debootstrap.log" 2>&1 ||
		{ tail -n 30 "$BATS_FILE_TMPDIR/debootstrap.log" >&2; return 1; }
	# dkms wants /proc and /dev/fd; the root gets its own proc mount
	mount -t proc proc "$ROOT/proc" || return 1
	[ -e "$ROOT/dev/fd" ] || ln -s /proc/self/fd "$ROOT/dev/fd"
	cp "$TOOLS_DEB" "$DKMS_DEB" "$ROOT/tmp/"
}

teardown_file() {
	[ -n "${ROOT:-}" ] && mountpoint -q "$ROOT/proc" && umount "$ROOT/proc"
	true
}

in_root() { chroot "$ROOT" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8 "$@"; }
apt_in_root() {
	in_root env DEBIAN_FRONTEND=noninteractive apt-get -o Dpkg::Use-Pty=0 -y -q "$@"
}

@test "cpack makes memhp and memhp-dkms packages of the project's version" {
	run dpkg-deb -f "$TOOLS_DEB" Package Version Architecture
	assert_output "Package: memhp
Version: $VERSION
Architecture: $ARCH"
	run dpkg-deb -f "$DKMS_DEB" Package Version Architecture
	assert_output "Package: memhp-dkms
Version: $VERSION
Architecture: all"
}

@test "the tools package depends on the package of every library memhp links" {
	depends=$(dpkg-deb -f "$TOOLS_DEB" Depends)
	for obj in "$SHIP_BUILD/memhp" "$SHIP_BUILD/libmemhp.so.$VERSION"; do
		for soname in $(readelf -d "$obj" | sed -nE 's/.*\(NEEDED\).*\[(.*)\]/\1/p'); do
			[ "$soname" = libmemhp.so.0 ] && continue
			# the package that ships the library (under /lib or /usr/lib)
			pkg=$(dpkg -S "*/$soname" 2>/dev/null |
				awk -F': ' -v s="/$MULTIARCH/$soname" 'index($2, s) && substr($2, length($2) - length(s) + 1) == s { print $1; exit }' |
				cut -d: -f1)
			[ -n "$pkg" ] || { echo "no package ships $soname"; false; }
			[[ ", $depends," == *", $pkg "* ]] ||
				{ echo "$soname ($pkg) not in Depends: $depends"; false; }
		done
	done
	# libmemhp is in the package itself, with its shlibs entry
	dpkg-deb --ctrl-tarfile "$TOOLS_DEB" | tar -xO ./shlibs | grep -qx "libmemhp 0 memhp (= $VERSION)"
	run dpkg-deb -c "$TOOLS_DEB"
	assert_output --partial "./usr/lib/$MULTIARCH/libmemhp.so.$VERSION"
	refute_output --partial ./usr/src/
}

@test "the dkms package holds the module source and dkms.conf, nothing else" {
	[ "$(dpkg-deb -f "$DKMS_DEB" Depends)" = dkms ]
	run sh -c "dpkg-deb -c '$DKMS_DEB' | awk '\$1 !~ /^d/ { print \$6 }' | sort"
	want=$(cd kernel && printf "./usr/src/memhp-$VERSION/%s\n" dkms.conf Kbuild *.[ch] | sort)
	assert_output "$want"
}

@test "the tools package installs into a fresh Debian root and memhp runs there" {
	apt_in_root install "/tmp/${TOOLS_DEB##*/}" >"$BATS_TEST_TMPDIR/apt.log" 2>&1 ||
		{ cat "$BATS_TEST_TMPDIR/apt.log"; false; }
	run in_root memhp --version
	assert_success
	assert_output "memhp $VERSION"
	run in_root dpkg-query -W -f '${Status} ${Version}' memhp
	assert_output "install ok installed $VERSION"
	in_root ldconfig -p | grep -q "libmemhp.so.0 .*=> .*/lib/$MULTIARCH/libmemhp.so.0$"
	# the installed tool reads a tree as the build does
	fx=$(ship_fixture "$BATS_TEST_TMPDIR/fx")
	cp -a "$fx" "$ROOT/tmp/fixture"
	run in_root memhp --sysfs-root /tmp/fixture --json list --all
	assert_success
	assert_equal "$output" "$("$SHIP_BUILD/memhp" --sysfs-root "$fx" --json list --all)"
}

@test "removing keeps the edited config, purging removes it" {
	apt_in_root install "/tmp/${TOOLS_DEB##*/}" >/dev/null 2>&1
	echo "# edited" >>"$ROOT/etc/memhp/auto-online.conf"
	apt_in_root remove memhp >/dev/null 2>&1
	[ ! -e "$ROOT/usr/bin/memhp" ]
	[ ! -e "$ROOT/usr/lib/$MULTIARCH/libmemhp.so.0" ]
	grep -qx '# edited' "$ROOT/etc/memhp/auto-online.conf"
	apt_in_root purge memhp >/dev/null 2>&1
	[ ! -e "$ROOT/etc/memhp/auto-online.conf" ]
}

@test "memhp-dkms builds memhp.ko for the kernel headers in the root, with the version" {
	apt_in_root install --no-install-recommends linux-headers-amd64 \
		"/tmp/${DKMS_DEB##*/}" >"$BATS_TEST_TMPDIR/apt.log" 2>&1 ||
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
