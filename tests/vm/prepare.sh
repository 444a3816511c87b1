#!/bin/bash
# Prepare the QEMU test tier for one Debian 12 kernel series.
#
#   tests/vm/prepare.sh SERIES        SERIES = 6.1 | 6.12
#
# 1. Resolves the kernel package that Debian's meta package depends on
#    (linux-image-amd64 -> linux-image-6.1.0-NN-amd64,
#     linux-image-6.12-amd64 -> linux-image-6.12.NNN+deb12-amd64).
# 2. apt-get installs the host tools (qemu-system-x86, busybox-static,
#    daxctl) when missing, and apt-get downloads the matching linux-headers-<ver> (with its
#    -common and linux-kbuild packages) and unpacks them with dpkg -x into
#    the cache: installing them would pull the 6.12 kernel image onto the
#    host (the 6.12 headers depend on it) and rebuild its initramfs. memhp.ko
#    is built against the unpacked headers into $MEMHP_BUILD_DIR/kmod-<ver>.
# 3. apt-get downloads the image (never installs it) into the cache and
#    unpacks it with dpkg -x.
# 4. Builds the initramfs: busybox, memhp + ldd libs, memhp.ko (if built),
#    memory-notifier-error-inject.ko + its dependencies, the virtio-mem and
#    nvdimm/dax/kmem modules, brd and ext4, Debian's lsmem and daxctl,
#    and the tests' guest helpers (tests/vm/*.c, linked statically).
# 5. Builds initramfs-udev.cpio.gz: the same plus a second archive with
#    Debian 12's systemd-udevd and udevadm (apt-get download udev and the
#    libraries it needs that the host lacks, dpkg -x, never installed) and
#    memhp's udev rule and config as `cmake --install --prefix /usr` of the
#    build puts them. Only the files that boot it (VM_INITRD in
#    vm_helper.bash) pay for its size.
#
# Environment:
#   MEMHP_VM_CACHE    cache root           (default ~/.cache/memhp-vm)
#   MEMHP_BUILD_DIR   cmake build dir      (default <repo>/build)
#   MEMHP_BIN         memhp binary         (default $MEMHP_BUILD_DIR/memhp)
#   MEMHP_KO          memhp.ko             (default $MEMHP_BUILD_DIR/memhp.ko,
#                     or kmod/memhp.ko; only copied if it exists and matches)
#   MEMHP_VM_NO_APT=1 skip apt-get (offline use, everything already there)
#
# Prints "KVER=<ver> CACHE=<dir>" as its last line. Idempotent; fast when
# cached (only the initramfs is rebuilt, ~1 s).
set -euo pipefail

SERIES=${1:-${MEMHP_VM_KERNEL:-6.1}}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
CACHE_ROOT=${MEMHP_VM_CACHE:-$HOME/.cache/memhp-vm}
BUILD_DIR=${MEMHP_BUILD_DIR:-$REPO/build}
MEMHP_BIN=${MEMHP_BIN:-$BUILD_DIR/memhp}

log() { printf 'prepare[%s]: %s\n' "$SERIES" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

case "$SERIES" in
	6.1)  META=linux-image-amd64 ;;
	6.12) META=linux-image-6.12-amd64 ;;
	*) die "unknown kernel series '$SERIES' (want 6.1 or 6.12)" ;;
esac

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

apt_install() { # pkgs... (only those not installed)
	local missing=() p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	[ "${MEMHP_VM_NO_APT:-0}" = 1 ] && die "missing packages: ${missing[*]} (MEMHP_VM_NO_APT=1)"
	log "apt-get install ${missing[*]}"
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >&2 ||
		{ as_root apt-get update -q >&2 &&
		  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >&2; }
}

# --- 1. resolve the versioned package -------------------------------------
resolve() {
	apt-cache depends "$META" 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-[^ <>]*\)$/\1/p' | head -n1
}
PKG=$(resolve)
if [ -z "$PKG" ] && [ "${MEMHP_VM_NO_APT:-0}" != 1 ]; then
	as_root apt-get update -q >&2
	PKG=$(resolve)
fi
[ -n "$PKG" ] || die "cannot resolve the image package behind $META (apt-cache depends)"
KVER=${PKG#linux-image-}
log "$META -> $PKG (kernel $KVER)"

# --- 2. host packages, and the headers unpacked ----------------------------
# dwarves: pahole, for the BTF of modules built against headers that ship
# vmlinux (6.12.117+ do)
apt_install qemu-system-x86 busybox-static cpio gcc make cmake dwarves daxctl

CACHE=$CACHE_ROOT/$KVER
mkdir -p "$CACHE"
HDRS=$CACHE/headers
KDIR=$HDRS/usr/src/linux-headers-$KVER
if [ ! -f "$KDIR/.memhp-ready" ]; then
	[ "${MEMHP_VM_NO_APT:-0}" = 1 ] && die "no unpacked headers in $HDRS"
	# linux-headers-<ver> and what it builds with: -common and linux-kbuild
	hpkgs=("linux-headers-$KVER")
	hpkgs+=($(apt-cache depends "linux-headers-$KVER" |
		sed -n 's/^ *Depends: \(linux-\(headers-[^ ]*-common\|kbuild-[^ ]*\)\)$/\1/p'))
	log "apt-get download ${hpkgs[*]}"
	rm -rf "$CACHE/hdeb" "$HDRS"
	mkdir -p "$CACHE/hdeb"
	(cd "$CACHE/hdeb" && apt-get download -q "${hpkgs[@]}" >&2)
	for deb in "$CACHE"/hdeb/*.deb; do dpkg -x "$deb" "$HDRS"; done
	rm -rf "$CACHE/hdeb"
	# the arch Makefile includes the -common one by its installed path
	sed -i "s|^include /usr/src/|include $HDRS/usr/src/|" "$KDIR/Makefile"
	[ -f "$KDIR/Module.symvers" ] || die "unpacked headers lack $KDIR/Module.symvers"
	touch "$KDIR/.memhp-ready"
fi

# memhp.ko for this kernel, unless one was given
if [ -z "${MEMHP_KO:-}" ]; then
	KBUILD=$BUILD_DIR/kmod-$KVER
	log "building memhp.ko against $KDIR"
	cmake -S "$REPO" -B "$KBUILD" -DKDIR="$KDIR" -DBUILD_TESTING=OFF >"$CACHE/kmod-build.log" 2>&1 &&
		cmake --build "$KBUILD" --target memhp_module >>"$CACHE/kmod-build.log" 2>&1 ||
		{ cat "$CACHE/kmod-build.log" >&2; die "memhp.ko did not build against $KDIR"; }
	MEMHP_KO=$KBUILD/memhp.ko
fi

# --- 3. download + unpack the image -----------------------------------------
if [ ! -f "$CACHE/root/boot/vmlinuz-$KVER" ]; then
	deb=$(ls "$CACHE"/"${PKG}"_*.deb 2>/dev/null | head -n1 || true)
	if [ -z "$deb" ]; then
		[ "${MEMHP_VM_NO_APT:-0}" = 1 ] && die "no cached $PKG .deb"
		log "apt-get download $PKG"
		(cd "$CACHE" && apt-get download -q "$PKG" >&2)
		deb=$(ls "$CACHE"/"${PKG}"_*.deb | head -n1)
	fi
	log "dpkg -x $(basename "$deb")"
	rm -rf "$CACHE/root.tmp"
	dpkg -x "$deb" "$CACHE/root.tmp"
	rm -rf "$CACHE/root"
	mv "$CACHE/root.tmp" "$CACHE/root"
fi
KROOT=$CACHE/root
MODDIR=$KROOT/lib/modules/$KVER
[ -d "$MODDIR" ] || die "no $MODDIR in the unpacked image"
ln -sfn "root/boot/vmlinuz-$KVER" "$CACHE/vmlinuz"

# --- 4. initramfs -------------------------------------------------------------
STAGE=$CACHE/initramfs.d
rm -rf "$STAGE"
mkdir -p "$STAGE"/{bin,sbin,etc,proc,sys,dev,tmp,run,root,usr/bin,usr/sbin,lib64} \
	"$STAGE/lib/modules/$KVER/kernel" "$STAGE/lib/x86_64-linux-gnu"

BUSYBOX=$(command -v busybox || echo /bin/busybox)
cp "$BUSYBOX" "$STAGE/bin/busybox"
ln -s busybox "$STAGE/bin/sh"   # the applet links: busybox --install -s in /init

UNPACKED=""	# packages unpacked with dpkg -x: their libraries keep their paths
BASE_STAGE=""	# copy_with_libs skips libraries this tree has already
copy_with_libs() { # src dest-in-initramfs
	local src=$1 dst=$2 lib out
	install -D -m 0755 "$src" "$STAGE$dst"
	# ldd prints "name => /path (addr)" and "/lib64/ld-linux... (addr)"
	for lib in $(ldd "$src" | awk '/=> \//{print $3} /^\t\//{print $1}'); do
		case $lib in
		"${UNPACKED:-/nonexistent}"/*) out=${lib#"$UNPACKED"} ;;
		/lib/* | /lib64/* | /usr/lib/*) out=$lib ;;
		# a library from the build tree (RUNPATH): the guest mounts a
		# tmpfs on /tmp and the tree may live there, so it goes where
		# the loader looks by default
		*) out=/usr/lib/x86_64-linux-gnu/${lib##*/} ;;
		esac
		[ -n "$BASE_STAGE" ] && [ -e "$BASE_STAGE$out" ] && continue
		[ -e "$STAGE$out" ] || install -D -m 0755 "$(readlink -f "$lib")" "$STAGE$out"
	done
}

# Debian's lsmem as the reference implementation, its chmem for
# bench/offline-pressure, and Debian's daxctl, which makes a dax device
# system RAM (17-kinds.bats).
copy_with_libs /usr/bin/lsmem /usr/bin/lsmem
copy_with_libs /usr/sbin/chmem /usr/sbin/chmem
copy_with_libs /usr/bin/daxctl /usr/bin/daxctl

# The tests' own guest helpers (tests/vm/NN-name.c -> /usr/bin/NN-name),
# static: nothing to resolve in the guest.
for c in "$HERE"/*.c; do
	[ -e "$c" ] || continue
	gcc -static -O2 -Wall -Wextra -Werror -o "$STAGE/usr/bin/$(basename "$c" .c)" "$c" ||
		die "guest helper $c did not build (static, needs libc6-dev)"
done

# memhp (optional until it is built; the tests that need it fail cleanly).
if [ -x "$MEMHP_BIN" ]; then
	# let ldd find libmemhp.so.0 next to the binary if RUNPATH does not say so
	LD_LIBRARY_PATH="$(dirname "$MEMHP_BIN")${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" \
		copy_with_libs "$MEMHP_BIN" /usr/bin/memhp
	# libmemhp opens libnuma when summary first asks (lib/usage.c): not
	# in ldd's list, so it comes by name, as the package depends on it
	copy_with_libs "$(ldconfig -p | awk '$1 == "libnuma.so.1" && /x86-64/ { print $NF; exit }')" \
		/lib/x86_64-linux-gnu/libnuma.so.1
	if LD_LIBRARY_PATH="$(dirname "$MEMHP_BIN")" ldd "$MEMHP_BIN" | grep -q 'not found'; then
		die "ldd $MEMHP_BIN: unresolved libraries"
	fi
	log "memhp: $MEMHP_BIN"
else
	log "WARNING: no memhp binary at $MEMHP_BIN (memhp tests will fail)"
fi

# Kernel modules: copied uncompressed into the initramfs with a hand-written
# modules.dep (the package has none; busybox modprobe reads it). Dependencies
# come from each module's own .modinfo "depends=" field.
modinfo_field() { # file field
	tr '\0' '\n' <"$1" | sed -n "s/^$2=//p" | head -n1
}
add_module() { # name (without .ko); pulls its dependencies
	local name=$1 src rel out dep deps=""
	src=$(find "$MODDIR/kernel" -name "${name}.ko*" -o -name "$(echo "$name" | tr _ -).ko*" \
		-o -name "$(echo "$name" | tr - _).ko*" | head -n1)
	[ -n "$src" ] || die "module $name not in $MODDIR"
	rel=${src#"$MODDIR"/}
	rel=${rel%.ko*}.ko
	out=$STAGE/lib/modules/$KVER/$rel
	[ -e "$out" ] && return 0
	mkdir -p "$(dirname "$out")"
	case "$src" in
		*.ko.xz)  xz -dc "$src" >"$out" ;;
		*.ko.zst) zstd -dcq "$src" >"$out" ;;
		*.ko.gz)  gzip -dc "$src" >"$out" ;;
		*)        cp "$src" "$out" ;;
	esac
	# depmod's order: every dependency, direct or not, listed after
	# each module that needs it (modprobe loads the list from its end)
	for dep in $(modinfo_field "$out" depends | tr , ' '); do
		add_module "$dep"
		deps="$deps $(grep -E "/${dep//[-_]/[-_]}\.ko:" "$STAGE/lib/modules/$KVER/modules.dep" | tr -d :)"
	done
	deps=$(tr ' ' '\n' <<<"$deps" | awk NF | tac | awk '!seen[$0]++' | tac | tr '\n' ' ')
	echo "$rel: ${deps% }" >>"$STAGE/lib/modules/$KVER/modules.dep"
}
: >"$STAGE/lib/modules/$KVER/modules.dep"
add_module memory-notifier-error-inject
# virtio-mem, for 16-owners.bats, and legacy pmem (memmap=SIZE!START:
# nd_e820) made a dax device and system RAM (dax_pmem, device_dax, kmem)
# for 17-kinds.bats, unless the kernel has them built in
for m in virtio_pci virtio_mem nd_e820 nd_pmem dax_pmem device_dax kmem; do
	grep -q "/$m\.ko\$" "$MODDIR/modules.builtin" 2>/dev/null || add_module "$m"
done
# a RAM disk and a filesystem on it (busybox mke2fs makes ext2, which
# ext4 mounts): page cache that drop_caches can drop, for offline --reclaim
# in 15-transactions.bats (tmpfs pages are not clean cache); ext4 asks the
# crypto API for crc32c when it mounts
for m in brd ext4 crc32c_generic; do
	grep -q "/$m\.ko\$" "$MODDIR/modules.builtin" 2>/dev/null || add_module "$m"
done

# memhp.ko, when it was built (for the guest kernel's headers).
KO=${MEMHP_KO:-}
if [ -z "$KO" ]; then
	for c in "$BUILD_DIR/memhp.ko" "$BUILD_DIR/kmod/memhp.ko" "$BUILD_DIR/kmod-$KVER/memhp.ko" \
		"$BUILD_DIR/module/memhp.ko"; do
		[ -f "$c" ] && { KO=$c; break; }
	done
fi
if [ -n "$KO" ] && [ -f "$KO" ]; then
	vm=$(modinfo_field "$KO" vermagic | awk '{print $1}')
	if [ "$vm" = "$KVER" ]; then
		mkdir -p "$STAGE/lib/modules/$KVER/extra"
		cp "$KO" "$STAGE/lib/modules/$KVER/extra/memhp.ko"
		echo "extra/memhp.ko:" >>"$STAGE/lib/modules/$KVER/modules.dep"
		log "memhp.ko: $KO"
	else
		log "memhp.ko at $KO is for '$vm', not $KVER: not included"
	fi
fi

cp "$HERE/guest-init.sh" "$STAGE/init"
chmod 0755 "$STAGE/init"
echo "$KVER" >"$STAGE/etc/memhp-kver"
# the kernel's build configuration, where Debian puts it: memhp doctor
# reads /boot/config-<release> (the kernels have no /proc/config.gz)
install -D -m 0644 "$CACHE/root/boot/config-$KVER" "$STAGE/boot/config-$KVER"
echo "root:x:0:0:root:/root:/bin/sh" >"$STAGE/etc/passwd"

(cd "$STAGE" && find . -print0 | cpio --null -o -H newc --quiet) | gzip -1 >"$CACHE/initramfs.cpio.gz.tmp"
mv "$CACHE/initramfs.cpio.gz.tmp" "$CACHE/initramfs.cpio.gz"
log "initramfs: $CACHE/initramfs.cpio.gz ($(du -h "$CACHE/initramfs.cpio.gz" | cut -f1))"

# --- 5. the udev layer ----------------------------------------------------------
# The lib* packages udev depends on, following lib* packages only (not
# adduser and what that pulls).
udev_lib_deps() {
	local todo=(udev) seen=" " p d
	while [ ${#todo[@]} -gt 0 ]; do
		p=${todo[0]}
		todo=("${todo[@]:1}")
		for d in $(apt-cache depends --no-recommends --no-suggests --no-conflicts \
				--no-breaks --no-replaces --no-enhances "$p" |
			sed -En 's/^ *(Pre)?Depends: (lib[^ <>]*)$/\2/p'); do
			case $seen in *" $d "*) continue ;; esac
			seen="$seen$d "
			todo+=("$d")
		done
	done
	echo $seen
}
UDEV_ROOT=$CACHE_ROOT/udev/root
if [ ! -x "$UDEV_ROOT/bin/udevadm" ]; then
	[ "${MEMHP_VM_NO_APT:-0}" = 1 ] && die "no unpacked udev in $UDEV_ROOT (MEMHP_VM_NO_APT=1)"
	upkgs=(udev)
	for p in $(udev_lib_deps); do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || upkgs+=("$p")
	done
	log "apt-get download ${upkgs[*]}"
	rm -rf "$CACHE_ROOT/udev"
	mkdir -p "$CACHE_ROOT/udev/deb"
	(cd "$CACHE_ROOT/udev/deb" && apt-get download -q "${upkgs[@]}" >&2)
	for deb in "$CACHE_ROOT"/udev/deb/*.deb; do dpkg -x "$deb" "$UDEV_ROOT.tmp"; done
	rm -rf "$CACHE_ROOT/udev/deb"
	mv "$UDEV_ROOT.tmp" "$UDEV_ROOT"
fi
UDEV_STAGE=$CACHE/initramfs-udev.d
rm -rf "$UDEV_STAGE"
mkdir -p "$UDEV_STAGE"
udev_libpath=""
for d in lib/x86_64-linux-gnu usr/lib/x86_64-linux-gnu usr/lib/x86_64-linux-gnu/systemd; do
	[ -d "$UDEV_ROOT/$d" ] && udev_libpath="$udev_libpath${udev_libpath:+:}$UDEV_ROOT/$d"
done
(
	STAGE=$UDEV_STAGE BASE_STAGE=$CACHE/initramfs.d UNPACKED=$UDEV_ROOT
	export LD_LIBRARY_PATH=$udev_libpath${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
	copy_with_libs "$UDEV_ROOT/bin/udevadm" /usr/bin/udevadm
	if ldd "$UDEV_ROOT/bin/udevadm" | grep -q 'not found'; then
		ldd "$UDEV_ROOT/bin/udevadm" >&2
		die "udevadm: unresolved libraries"
	fi
)
# systemd-udevd is udevadm under another name, as Debian ships it
mkdir -p "$UDEV_STAGE/lib/systemd" "$UDEV_STAGE/etc/udev"
ln -s /usr/bin/udevadm "$UDEV_STAGE/lib/systemd/systemd-udevd"
# memhp's rule and config, exactly as installed
INSTALLED=$CACHE/install.d
rm -rf "$INSTALLED"
if DESTDIR=$INSTALLED cmake --install "$BUILD_DIR" --prefix /usr >"$CACHE/install.log" 2>&1 &&
	[ -f "$INSTALLED/usr/lib/udev/rules.d/60-memhp-auto-online.rules" ]; then
	(cd "$INSTALLED" && cp -a --parents usr/lib/udev/rules.d/60-memhp-auto-online.rules \
		etc/memhp/auto-online.conf "$UDEV_STAGE/")
	log "udev rule and config from cmake --install of $BUILD_DIR"
else
	log "WARNING: cmake --install of $BUILD_DIR gave no auto-online rule (see $CACHE/install.log)"
fi
rm -rf "$INSTALLED"
(cd "$UDEV_STAGE" && find . -print0 | cpio --null -o -H newc --quiet) | gzip -1 >"$CACHE/udev.cpio.gz.tmp"
# the kernel unpacks concatenated archives one after the other
cat "$CACHE/initramfs.cpio.gz" "$CACHE/udev.cpio.gz.tmp" >"$CACHE/initramfs-udev.cpio.gz.tmp"
rm -f "$CACHE/udev.cpio.gz.tmp"
mv "$CACHE/initramfs-udev.cpio.gz.tmp" "$CACHE/initramfs-udev.cpio.gz"
log "initramfs with udev: $CACHE/initramfs-udev.cpio.gz ($(du -h "$CACHE/initramfs-udev.cpio.gz" | cut -f1))"
echo "KVER=$KVER CACHE=$CACHE"
