#!/bin/bash
# Run the QEMU test tier on both Debian 12 kernels (6.1 and 6.12).
#
#   tests/vm/run.sh [SERIES...] [-- BATS FILES...]
#
# Default series: 6.1 6.12. For each: prepare.sh (apt-get install headers,
# apt-get download + dpkg -x the image, build the initramfs), then
# bats --tap over tests/vm/*.bats with MEMHP_VM_KERNEL set. TAP goes to
# stdout; boot and tier times are printed as TAP comments ("# ...").
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
for s in "${series[@]}"; do
	t0=$(date +%s.%N)
	if ! line=$("$HERE/prepare.sh" "$s" | tail -n1) || [ -z "$line" ]; then
		echo "not ok - vm tier: prepare.sh $s failed"
		rc=1
		continue
	fi
	kver=$(sed -n 's/^KVER=\([^ ]*\) .*/\1/p' <<<"$line")
	echo "# vm tier: kernel series $s ($kver), prepared in $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}')s"
	t1=$(date +%s.%N)
	MEMHP_VM_KERNEL=$s MEMHP_VM_KVER=$kver MEMHP_VM_PREPARED=1 bats --tap "${files[@]}" || rc=1
	echo "# vm tier: kernel series $s tests took $(awk -v a="$t1" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}')s"
done
echo "# vm tier: total $(awk -v a="$t_all" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}')s"
exit $rc
