#!/bin/bash
# Run the QEMU test tier on both Debian 12 kernels (6.1 and 6.12).
#
#   tests/vm/run.sh [SERIES...] [-- BATS FILES...]
#
# Default series: 6.1 6.12. For each: prepare.sh (apt-get install headers,
# apt-get download + dpkg -x the image, build the initramfs), then
# bats --tap over tests/vm/*.bats with MEMHP_VM_KERNEL set, the series side
# by side (MEMHP_VM_JOBS=1: one after the other). TAP goes to stdout, one
# series after the other; boot and tier times are printed as TAP comments ("# ...").
# Exit status is nonzero if prepare or any test failed.
#
# Environment: MEMHP_BUILD_DIR, MEMHP_BIN, MEMHP_VM_CACHE, MEMHP_VM_* (see
# prepare.sh and vm_helper.bash).
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
series=()
files=()
while [ $# -gt 0 ]; do
	case "$1" in
		--) shift; files=("$@"); break ;;
		*) series+=("$1"); shift ;;
	esac
done
[ ${#series[@]} -gt 0 ] || series=(6.1 6.12)
[ ${#files[@]} -gt 0 ] || files=("$HERE"/*.bats)

rc=0
t_all=$(date +%s.%N)
since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}'; }
# Prepare every series first, one after the other (apt-get and the
# downloads must not race), then run the series side by side: a TCG guest
# spends much of its time waiting (boots, udev, the kernel's own delays),
# so two of them on two cores take little longer than one.
# MEMHP_VM_JOBS=1 runs them one after the other.
out=$(mktemp -d "${TMPDIR:-/tmp}/memhp-vm-run.XXXXXX")
ready=()
for s in "${series[@]}"; do
	t0=$(date +%s.%N)
	if ! line=$("$HERE/prepare.sh" "$s" | tail -n1) || [ -z "$line" ]; then
		echo "not ok - vm tier: prepare.sh $s failed"
		rc=1
		continue
	fi
	kver=$(sed -n 's/^KVER=\([^ ]*\) .*/\1/p' <<<"$line")
	echo "# vm tier: kernel series $s ($kver), prepared in $(since "$t0")s"
	echo "$kver" >"$out/$s.kver"
	ready+=("$s")
done

run_series() { # series: TAP in $out/SERIES.tap, status in $out/SERIES.rc
	local s=$1 t1 r=0
	t1=$(date +%s.%N)
	MEMHP_VM_KERNEL=$s MEMHP_VM_KVER=$(cat "$out/$s.kver") MEMHP_VM_PREPARED=1 \
		bats --tap "${files[@]}" >"$out/$s.tap" 2>&1 || r=1
	echo "# vm tier: kernel series $s tests took $(since "$t1")s" >>"$out/$s.tap"
	echo "$r" >"$out/$s.rc"
}
pids=()
for s in "${ready[@]}"; do
	if [ "${MEMHP_VM_JOBS:-2}" -gt 1 ]; then
		run_series "$s" &
		pids+=("$!")
	else
		run_series "$s"
	fi
done
[ ${#pids[@]} -eq 0 ] || wait "${pids[@]}"
for s in "${ready[@]}"; do
	cat "$out/$s.tap"
	[ "$(cat "$out/$s.rc" 2>/dev/null)" = 0 ] || rc=1
done
rm -rf "$out"
echo "# vm tier: total $(since "$t_all")s"
exit $rc
