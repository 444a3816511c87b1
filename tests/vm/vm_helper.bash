# Shared helper for the QEMU (vm) test tier. Load it from a .bats file:
#
#   load vm_helper
#   setup_file()    { vm_boot -m 1G,slots=4,maxmem=4G ... -- memhp_default_state=offline; }
#   teardown_file() { vm_shutdown; }
#   setup()         { vm_require; }      # fails every test (with console log) if boot failed
#
#   @test "x" { guest memhp list; assert_success; assert_output "$(guest_out lsmem)"; }
#
# Environment:
#   MEMHP_VM_KERNEL        6.1 (default) | 6.12   guest kernel series
#   MEMHP_VM_PREPARED=1    skip running prepare.sh (run.sh already did)
#   MEMHP_VM_BOOT_TIMEOUT  seconds until a boot counts as hung (default 120)
#   MEMHP_VM_CMD_TIMEOUT   default per-command timeout (default 60)
#   MEMHP_VM_LOGDIR        where console logs are kept (default $MEMHP_VM_CACHE/logs)
#   MEMHP_VM_SMP           vCPUs (default 2)
#   QEMU                   qemu binary (default qemu-system-x86_64)
#   MEMHP_VM_SHARE=0       vm_boot --shared boots a guest for the file alone
#   VM_INITRD              the initramfs in the cache to boot (default
#                          initramfs.cpio.gz; initramfs-udev.cpio.gz adds
#                          systemd-udevd and memhp's installed udev rule)
#
# Functions (all fail with a message rather than hang; every wait is bounded):
#   vm_boot [QEMU ARGS...] [-- KERNEL CMDLINE ARGS...]
#   vm_boot --shared [QEMU ARGS...] [-- ...]   one guest for the files of a
#                                bats run that boot it alike (see below)
#   vm_shutdown                  (of a shared guest: put back, paused)
#   guest [--timeout N] CMD...   run "CMD..." with sh -c in the guest; sets
#                                $status $output $stdout $stderr $lines
#                                like bats' run (output = stdout then stderr)
#   guest_out CMD...             print the guest's stdout; return its status
#   guest_ok CMD...              like guest_out, but fail (with stderr) on rc != 0
#   qmp JSON                     QMP command; prints the response; 1 on error
#   hmp 'device_add ...'         HMP command via QMP; prints its text; 1 on "Error"
#   qmp_wait_event NAME [JQ-FILTER] [TIMEOUT] [SINCE-LINE]
#   vm_add_dimm ID SIZE [NODE]   object_add memory-backend-ram + device_add pc-dimm
#   vm_del_dimm ID [TIMEOUT]     device_del, wait for DEVICE_DELETED, object_del
#   vm_console [LINES]           print the console log (tail)
#   vm_fail MSG                  fail the test, console log shown

bats_load_library bats-support 2>/dev/null || load /usr/lib/bats/bats-support/load
bats_load_library bats-assert 2>/dev/null || load /usr/lib/bats/bats-assert/load

VM_HELPER_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
VM_REPO=$(cd "$VM_HELPER_DIR/../.." && pwd)
MEMHP_VM_KERNEL=${MEMHP_VM_KERNEL:-6.1}
MEMHP_VM_CACHE=${MEMHP_VM_CACHE:-$HOME/.cache/memhp-vm}
export MEMHP_VM_KERNEL MEMHP_VM_CACHE
# Per-file state lives in BATS_FILE_TMPDIR (set in setup_file and all tests).
VM_DIR=${BATS_FILE_TMPDIR:-${TMPDIR:-/tmp}}/vm

# mawk buffers pipe input unless -W interactive; other awks read what is there.
if awk -W version 2>&1 | grep -qi mawk; then _VM_AWK=(awk -W interactive); else _VM_AWK=(awk); fi

_vm_now() { date +%s.%N; }
_vm_elapsed() { awk -v a="$1" -v b="$(_vm_now)" 'BEGIN{printf "%.1f", b-a}'; }

# Print a TAP comment (visible in bats --tap output without breaking it).
vm_note() { echo "# [$MEMHP_VM_KERNEL] $*" >&3; }

vm_console() {
	local n=${1:-80}
	echo "----- guest console ($VM_DIR/console.log, last $n lines) -----"
	if [ -f "$VM_DIR/console.log" ]; then tail -n "$n" "$VM_DIR/console.log" | tr -d '\r'; else echo "(no console log)"; fi
	echo "----- end of console -----"
}

vm_fail() {
	{ echo "$*"; vm_console 60; } | fail
}

# Resolve KVER and the cache dir, running prepare.sh unless told not to.
_vm_prepare() {
	local line
	if [ "${MEMHP_VM_PREPARED:-0}" = 1 ] && [ -n "${MEMHP_VM_KVER:-}" ]; then
		VM_KVER=$MEMHP_VM_KVER
	else
		line=$("$VM_HELPER_DIR/prepare.sh" "$MEMHP_VM_KERNEL" | tail -n1) || return 1
		VM_KVER=$(echo "$line" | sed -n 's/^KVER=\([^ ]*\) .*/\1/p')
	fi
	VM_CACHE=$MEMHP_VM_CACHE/$VM_KVER
	[ -f "$VM_CACHE/${VM_INITRD:-initramfs.cpio.gz}" ] && [ -e "$VM_CACHE/vmlinuz" ]
}

# Read one line from fd $1 with the deadline $2 (epoch seconds); sets REPLY.
_vm_readline() {
	local fd=$1 deadline=$2 left
	left=$((deadline - $(date +%s)))
	[ "$left" -gt 0 ] || return 1
	IFS= read -r -t "$left" -u "$fd" REPLY || return 1
	REPLY=${REPLY%$'\r'}
}

_vm_alive() { [ -f "$VM_DIR/qemu.pid" ] && kill -0 "$(cat "$VM_DIR/qemu.pid")" 2>/dev/null; }

# Boots as _vm_boot_once does, once more when the guest kernel panicked
# before memhp's /init ran.  QEMU's multi-threaded TCG is known to race with
# the kernel patching its own code on other vCPUs at boot (an int3 Oops in
# sched_clock_cpu and the like, seen about once in 30 boots of 6.12 here);
# nothing of memhp has run yet, so the boot is retried and said so.  A
# panic after the guest came up is never retried.
vm_boot() {
	if [ "${1:-}" = --shared ]; then
		shift
		_vm_share_boot "$@"
		return 0
	fi
	_vm_boot_once "$@"
	[ "$(head -n1 "$VM_DIR/boot.state")" = "qemu exited during boot" ] || return 0
	grep -q "Kernel panic" "$VM_DIR/console.log" 2>/dev/null || return 0
	# /init's first line: from there on, a panic is the test's business
	grep -q "memhp-vm: " "$VM_DIR/console.log" && return 0
	local first=${VM_DIR%/*}/console-first-boot.log
	cp "$VM_DIR/console.log" "$first"
	vm_note "boot panicked before /init ($(grep -m1 -E 'RIP:|Kernel panic' "$first" | tr -d '\r')); retrying once, console in $first"
	_vm_boot_once "$@"
}

_vm_boot_once() {
	local qargs=() append=() seen_sep=0 a
	for a in "$@"; do
		if [ "$seen_sep" = 0 ] && [ "$a" = "--" ]; then seen_sep=1; continue; fi
		if [ "$seen_sep" = 1 ]; then append+=("$a"); else qargs+=("$a"); fi
	done
	rm -rf "$VM_DIR"
	mkdir -p "$VM_DIR"
	echo "booting" >"$VM_DIR/boot.state"
	if ! _vm_prepare >"$VM_DIR/prepare.log" 2>&1; then
		echo "prepare.sh failed:" >"$VM_DIR/boot.state"
		cat "$VM_DIR/prepare.log" >>"$VM_DIR/boot.state"
		return 0
	fi
	echo "$VM_KVER" >"$VM_DIR/kver"
	mkfifo "$VM_DIR/cmd.in" "$VM_DIR/cmd.out" "$VM_DIR/qmp.in" "$VM_DIR/qmp.out"
	: >"$VM_DIR/events.log"
	local t0 cmdline
	t0=$(_vm_now)
	cmdline="console=ttyS0,115200 panic=-1 loglevel=5 ${append[*]}"
	echo "$cmdline" >"$VM_DIR/cmdline"
	# -daemonize: QEMU detaches after init; 3>&- keeps bats from waiting on it.
	"${QEMU:-qemu-system-x86_64}" -accel tcg -machine pc -nodefaults -display none \
		-smp "${MEMHP_VM_SMP:-2}" \
		-kernel "$VM_CACHE/vmlinuz" -initrd "$VM_CACHE/${VM_INITRD:-initramfs.cpio.gz}" \
		-append "$cmdline" -no-reboot \
		-serial "file:$VM_DIR/console.log" \
		-chardev "pipe,id=cmd,path=$VM_DIR/cmd" -serial chardev:cmd \
		-chardev "pipe,id=qmp,path=$VM_DIR/qmp" -mon chardev=qmp,mode=control \
		-pidfile "$VM_DIR/qemu.pid" -daemonize \
		"${qargs[@]}" </dev/null >"$VM_DIR/qemu.log" 2>&1 3>&-
	local rc=$?
	if [ $rc -ne 0 ]; then
		{ echo "qemu failed to start (rc $rc):"; cat "$VM_DIR/qemu.log"; } >"$VM_DIR/boot.state"
		return 0
	fi
	# Watchdog: when QEMU dies, wake any reader on the channels at once
	# (<> never blocks; the FIFOs are opened O_RDWR by every party).  Only
	# this boot's channels: a test that boots again reuses the paths, and
	# an old "@@DEAD" there would fail the new boot's QMP handshake.
	local qpid; qpid=$(cat "$VM_DIR/qemu.pid")
	# It also ends QEMU when the bats run that booted it is gone (killed
	# before teardown_suite could run), so that no guest outlives its run.
	( while kill -0 "$qpid" 2>/dev/null; do
		if [ -n "${BATS_ROOT_PID:-}" ] && ! kill -0 "$BATS_ROOT_PID" 2>/dev/null; then
			kill "$qpid" 2>/dev/null
		fi
		sleep 1
	  done
	  [ "$(cat "$VM_DIR/qemu.pid" 2>/dev/null)" = "$qpid" ] || exit 0
	  echo "@@DEAD" 1<>"$VM_DIR/cmd.out"; echo "@@DEAD" 1<>"$VM_DIR/qmp.out" ) \
		</dev/null >/dev/null 2>&1 3>&- &
	echo $! >"$VM_DIR/watchdog.pid"
	# QMP: greeting, then capabilities negotiation.
	if ! qmp '{"execute":"qmp_capabilities"}' >/dev/null; then
		echo "QMP handshake failed" >"$VM_DIR/boot.state"
		return 0
	fi
	# Wait for the guest's @@READY on the command channel.
	local fd deadline
	deadline=$(( $(date +%s) + ${MEMHP_VM_BOOT_TIMEOUT:-120} ))
	exec {fd}<>"$VM_DIR/cmd.out"
	while :; do
		if _vm_readline "$fd" "$deadline"; then
			case "$REPLY" in "@@READY "*) break ;; @@DEAD) ;; *) continue ;; esac
		fi
		if ! _vm_alive; then
			echo "qemu exited during boot" >"$VM_DIR/boot.state"; exec {fd}<&-; return 0
		elif [ "$(date +%s)" -ge "$deadline" ]; then
			echo "guest did not come up within ${MEMHP_VM_BOOT_TIMEOUT:-120}s" >"$VM_DIR/boot.state"
			exec {fd}<&-; return 0
		fi
	done
	exec {fd}<&-
	echo ok >"$VM_DIR/boot.state"
	local secs
	secs=$(_vm_elapsed "$t0")
	echo "$secs" >"$VM_DIR/boot.seconds"
	vm_note "boot ${VM_KVER}: ${secs}s ($(basename "${BATS_TEST_FILENAME:-?}"))"
}

# Call from setup(): every test fails (with the console) when the boot did.
vm_require() {
	local st
	st=$(head -n1 "$VM_DIR/boot.state" 2>/dev/null || echo "vm_boot was not called")
	[ "$st" = ok ] && return 0
	{ echo "VM boot failed (kernel series $MEMHP_VM_KERNEL):"; cat "$VM_DIR/boot.state" 2>/dev/null
	  [ -f "$VM_DIR/qemu.log" ] && cat "$VM_DIR/qemu.log"; vm_console 80; } | fail
}

vm_shutdown() {
	[ -d "$VM_DIR" ] || return 0
	if [ -f "$VM_DIR/shared.key" ]; then
		_vm_share_release
		return 0
	fi
	_vm_quit
	_vm_keep_console
}

# Ends the guest of $VM_DIR (QMP quit, then SIGKILL) and its watchdog.
_vm_quit() {
	if _vm_alive; then
		local pid; pid=$(cat "$VM_DIR/qemu.pid")
		qmp '{"execute":"quit"}' >/dev/null 2>&1 || true
		local i
		for i in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
		kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
	fi
	# the watchdog has nobody left to wake
	if [ -f "$VM_DIR/watchdog.pid" ]; then kill "$(cat "$VM_DIR/watchdog.pid")" 2>/dev/null || true; fi
	return 0
}

# The console log, kept as FILE-SERIES.console.log in MEMHP_VM_LOGDIR.
_vm_keep_console() {
	local logdir=${MEMHP_VM_LOGDIR:-$MEMHP_VM_CACHE/logs}
	if mkdir -p "$logdir" 2>/dev/null && [ -f "$VM_DIR/console.log" ]; then
		cp "$VM_DIR/console.log" "$logdir/$(basename "${BATS_TEST_FILENAME:-vm}" .bats)-$MEMHP_VM_KERNEL.console.log"
	fi
	return 0
}

# ---- one guest for several files (vm_boot --shared) ---------------------------
#
# Files whose guests are alike boot it once per bats run: `vm_boot --shared
# ARGS` in setup_file keys the guest by ARGS, the kernel series, the
# initramfs and the vCPUs.  The first file with a key boots it (under
# $BATS_SUITE_TMPDIR/vm-shared/KEY, with $BATS_FILE_TMPDIR/vm a link to it,
# so VM_DIR means the same in every test); vm_shutdown in teardown_file
# then puts the guest back as it was right after boot and pauses it (QMP
# stop) for the next file with that key, which resumes it (cont) instead
# of booting.  teardown_suite (setup_suite.bash) ends every shared guest.
#
# Putting back (_vm_share_release): in the guest, the processes started
# since boot are killed, notifier-error-inject's errors set to 0, files
# left in /tmp and /root removed, modules loaded since boot unloaded, and
# the hot-plugged DIMMs' blocks offlined (bounded: a block that will not
# go stays); then every DIMM is unplugged (device_del) and its backend
# deleted.  The guest is kept only when its fingerprint (block states and
# zones, auto_online_blocks, modules, mounts, /tmp, /root, processes,
# QEMU's DIMMs and memory backends) equals the one taken after boot and
# the kernel logged no splat since the file began; otherwise it is ended,
# said so in a "#" note, and the next file boots a fresh one.  A file
# therefore starts from the booted state whatever the file before it did,
# including failing half way.  Each file writes "memhp-vm: begin FILE" to
# /dev/kmsg; assert_no_kernel_splat looks only after the last such line.
#
# One file at a time uses a shared guest (a lease directory): a file that
# finds it taken (bats --jobs) boots one of its own.  MEMHP_VM_SHARE=0
# makes every file boot its own guest.

# Guest command: the kernel log of this file's tests: from the last
# "memhp-vm: begin" line on (all of it in a guest of one file's own).
VM_KMSG_OF_FILE="dmesg | awk '/memhp-vm: begin /{s = NR} {l[NR] = \$0}
	END {for (i = (s ? s : 1); i <= NR; i++) print l[i]}'"
# what counts as a kernel bug in that log (grep -E)
VM_SPLAT='Oops|BUG|WARNING|Call Trace|general protection|list_del corruption'

# Guest script: the fingerprint of the guest's state, one fact a line
# (with the settings tests change: memory_hotplug's parameters, huge pages,
# overcommit, compaction, watermarks).
# Processes are those not in /run/memhp-vm/pids (written after boot), not
# this script or its children, not kernel threads (parent 2) and not
# busybox timeout's watchers (they end with their command).
_VM_SHARE_GUEST_LIB='
B=/run/memhp-vm
mine() { q=$1; while [ "$q" -gt 1 ]; do [ "$q" = $$ ] && return 0
	read -r _ _ _ q _ </proc/$q/stat 2>/dev/null || return 1; done; return 1; }
procs() { for d in /proc/[0-9]*; do p=${d#/proc/}
	read -r _ _ _ pp _ <$d/stat 2>/dev/null || continue
	[ "$p" = 2 ] || [ "$pp" = 2 ] && continue
	[ "$(cat $d/comm 2>/dev/null)" = timeout ] && continue
	mine $p && continue
	grep -qx "$p" $B/pids 2>/dev/null && continue
	echo $p; done; }
fingerprint() {
	echo "auto_online_blocks $(cat /sys/devices/system/memory/auto_online_blocks)"
	for f in /sys/module/memory_hotplug/parameters/* /proc/sys/vm/nr_hugepages \
		/proc/sys/vm/nr_overcommit_hugepages /proc/sys/vm/overcommit_memory \
		/proc/sys/vm/compaction_proactiveness /proc/sys/vm/watermark_scale_factor; do
		[ -r $f ] && echo "setting ${f##*/} $(cat $f)"; done
	for d in /sys/devices/system/memory/memory[0-9]*; do
		echo "block ${d##*memory} $(cat $d/state) $(cat $d/valid_zones)"; done | sort -k2n
	for m in $(cut -d" " -f1 /proc/modules | sort); do echo "module $m"; done
	awk "{print \"mount\", \$2, \$3}" /proc/mounts
	for f in $(ls -A /tmp); do echo "tmp $f"; done
	for f in $(ls -A /root); do echo "root $f"; done
	for p in $(procs); do echo "process $p $(cat /proc/$p/comm 2>/dev/null)"; done
}'

# Guest script: what the release puts back (see above); prints the blocks
# of hot-plugged DIMMs still online, as "online BLOCK".
_VM_SHARE_GUEST_RESTORE='
for p in $(procs); do kill -9 $p 2>/dev/null; done
for f in /sys/kernel/debug/notifier-error-inject/memory/actions/*/error; do
	[ -e "$f" ] && echo 0 >"$f"; done
for d in /tmp /root; do for f in $(ls -A $d); do
	grep -qx "$d/$f" $B/files || rm -rf "$d/$f"; done; done
for i in 1 2 3; do for m in $(cut -d" " -f1 /proc/modules); do
	grep -qx "$m" $B/modules || rmmod "$m" 2>/dev/null; done; done
for d in /sys/devices/system/memory/memory[0-9]*; do
	grep -qx "${d##*memory}" $B/blocks && continue
	[ "$(cat $d/state)" = online ] || continue
	timeout -s KILL 10 sh -c "echo offline >$d/state" 2>/dev/null
	[ "$(cat $d/state)" = online ] && echo "online ${d##*memory}"
done
exit 0'

# Guest script: once the DIMMs are unplugged, the fingerprint; the blocks
# of an unplugged DIMM go a little after QEMU says it is gone (bounded).
_VM_SHARE_GUEST_SETTLED='
i=0
while [ $i -lt 300 ]; do
	n=0
	for d in /sys/devices/system/memory/memory[0-9]*; do
		grep -qx "${d##*memory}" $B/blocks || n=$((n + 1)); done
	[ $n = 0 ] && break
	i=$((i + 1)); sleep 0.1
done
sleep 0.2
fingerprint'

# the QEMU half of the fingerprint: DIMMs and memory backends
_vm_share_qemu_print() {
	vm_dimms | sed 's/^/dimm /'
	qmp '{"execute":"query-memdev"}' | jq -r '.return[] | "memdev \(.id // "-") \(.size)"' | sort
}

_vm_share_boot() {
	local key dir file
	file=$(basename "${BATS_TEST_FILENAME:-vm}")
	if [ "${MEMHP_VM_SHARE:-1}" = 0 ] || [ -z "${BATS_SUITE_TMPDIR:-}" ] || [ -z "${BATS_FILE_TMPDIR:-}" ]; then
		vm_boot "$@"
		return 0
	fi
	key=$(printf '%s\n' "$MEMHP_VM_KERNEL" "${VM_INITRD:-initramfs.cpio.gz}" \
		"${MEMHP_VM_SMP:-2}" "${QEMU:-}" "$@" | md5sum | cut -c1-12)
	dir=$BATS_SUITE_TMPDIR/vm-shared/$key
	mkdir -p "${dir%/*}"
	if ! mkdir "$dir.lease" 2>/dev/null; then
		vm_note "$file: the shared guest $key is in use by $(cat "$dir.lease/file" 2>/dev/null); booting one of its own"
		vm_boot "$@"
		return 0
	fi
	echo "$file" >"$dir.lease/file"
	rm -rf "$VM_DIR"
	ln -s "$dir" "$VM_DIR"
	VM_DIR=$dir
	if [ -f "$dir/shared.key" ] && _vm_share_resume "$file"; then
		return 0
	fi
	_vm_quit
	vm_boot "$@"
	echo "$key" >"$dir/shared.key"
	echo "$file" >"$dir/shared.files"
	[ "$(head -n1 "$dir/boot.state")" = ok ] || return 0
	# what "as booted" means for this guest
	if ! guest_out "mkdir -p /run/memhp-vm && cd /run/memhp-vm &&
		cut -d' ' -f1 /proc/modules >modules &&
		ls /sys/devices/system/memory | sed -n 's/^memory\([0-9]*\)\$/\1/p' >blocks &&
		for d in /tmp /root; do ls -A \$d | sed \"s|^|\$d/|\"; done >files &&
		$_VM_SHARE_GUEST_LIB
		procs >pids; fingerprint" >"$dir/baseline" 2>"$dir/baseline.err" ||
		! _vm_share_qemu_print >>"$dir/baseline" 2>>"$dir/baseline.err"; then
		echo "could not take the shared guest's fingerprint: $(cat "$dir/baseline.err")" >"$dir/boot.state"
		return 0
	fi
	_vm_share_mark "$file"
}

# a line in the guest's kernel log where FILE's tests begin
_vm_share_mark() {
	guest_out "echo 'memhp-vm: begin $1' >/dev/kmsg" >/dev/null 2>&1 ||
		echo "could not mark the kernel log for $1" >"$VM_DIR/boot.state"
}

_vm_share_resume() { # FILE
	[ "$(head -n1 "$VM_DIR/boot.state" 2>/dev/null)" = ok ] && _vm_alive || return 1
	qmp '{"execute":"cont"}' >/dev/null || return 1
	_vm_exec 30 true && [ "$_rc" = 0 ] || return 1
	# QMP events are the file's own (qmp_wait_event's SINCE counts from 0)
	: >"$VM_DIR/events.log"
	vm_note "$1: the guest booted for $(head -n1 "$VM_DIR/shared.files") in $(cat "$VM_DIR/boot.seconds")s, reused"
	echo "$1" >>"$VM_DIR/shared.files"
	_vm_share_mark "$1"
}

# teardown_file of a shared guest: put it back and pause it, or end it
_vm_share_release() {
	local file why="" now id t0
	t0=$(_vm_now)
	file=$(basename "${BATS_TEST_FILENAME:-vm}")
	VM_DIR=$(readlink -f "$VM_DIR")
	_vm_keep_console
	if [ "$(head -n1 "$VM_DIR/boot.state" 2>/dev/null)" != ok ]; then
		why="it did not boot"
	elif ! _vm_alive; then
		why="QEMU is gone"
	elif ! _vm_exec 20 true || [ "$_rc" != 0 ]; then
		why="the guest does not answer"
	elif ! now=$(guest_out --timeout 120 "$_VM_SHARE_GUEST_LIB
		$_VM_SHARE_GUEST_RESTORE" 2>"$VM_DIR/restore.err"); then
		why="the guest could not be put back: $(head -n3 "$VM_DIR/restore.err" | tr '\n' ' ')"
	elif grep -q '^online ' <<<"$now"; then
		why="blocks of hot-plugged DIMMs would not go offline: $(sed -n 's/^online //p' <<<"$now" | tr '\n' ' ')"
	fi
	if [ -z "$why" ]; then
		for id in $(vm_dimms | cut -d' ' -f1); do
			vm_del_dimm "$id" 60 >/dev/null 2>&1 || { why="device_del $id failed"; break; }
		done
	fi
	if [ -z "$why" ]; then
		# backends whose DIMM never came (device_add failed)
		for id in $(qmp '{"execute":"query-memdev"}' | jq -r '.return[].id // empty' | grep '^mem-'); do
			grep -q "^memdev $id " "$VM_DIR/baseline" || { hmp "object_del $id" >/dev/null 2>&1 || true; }
		done
		if ! now=$(guest_out --timeout 60 "$_VM_SHARE_GUEST_LIB
			$_VM_SHARE_GUEST_SETTLED" 2>"$VM_DIR/restore.err" && _vm_share_qemu_print); then
			why="no fingerprint: $(head -n3 "$VM_DIR/restore.err" | tr '\n' ' ')"
		elif [ "$now" != "$(cat "$VM_DIR/baseline")" ]; then
			why="it is not as booted: $(diff "$VM_DIR/baseline" - <<<"$now" | grep '^[<>]' | tr '\n' ';')"
		elif ! guest_out "$VM_KMSG_OF_FILE | grep -E '$VM_SPLAT' && exit 1; exit 0" \
				>"$VM_DIR/splat" 2>&1; then
			why="its kernel logged a splat during $file: $(head -n3 "$VM_DIR/splat" | tr '\n' ' ')"
		elif ! qmp '{"execute":"stop"}' >/dev/null; then
			why="QMP stop failed"
		fi
	fi
	if [ -n "$why" ]; then
		vm_note "$file: the shared guest is ended, not reused: $why"
		_vm_quit
		rm -f "$VM_DIR/shared.key"
	else
		vm_note "$file: the shared guest is as booted again ($(_vm_elapsed "$t0")s), paused"
	fi
	rm -rf "${VM_DIR}.lease"
	return 0
}

# teardown_suite: end every shared guest of this run
vm_share_end_all() {
	local d
	[ -n "${BATS_SUITE_TMPDIR:-}" ] || return 0
	for d in "$BATS_SUITE_TMPDIR"/vm-shared/*/; do
		[ -d "$d" ] || continue
		VM_DIR=${d%/}
		_vm_quit
		[ -f "$VM_DIR/shared.key" ] && [ -f "$VM_DIR/shared.files" ] &&
			vm_note "shared guest: booted once for $(tr '\n' ' ' <"$VM_DIR/shared.files")"
	done
	return 0
}

# ---- command channel -------------------------------------------------------

# _vm_exec TIMEOUT CMD  -> sets _out _err _rc ; returns 0 when a reply came.
# Kept to a handful of processes: bats traces every bash statement of a test,
# so per-line bash loops are slow here.
_vm_exec() {
	local tmo=$1 cmd=$2 id wfd rfd reply o e
	_rc=255 _out="" _err=""
	[ -p "$VM_DIR/cmd.in" ] || { _err="vm: no guest (vm_boot not run?)"; return 1; }
	_vm_alive || { _err="vm: qemu is not running (cannot run '$cmd')"; return 1; }
	id="c$$.${BASHPID}.$RANDOM$RANDOM"
	exec {wfd}<>"$VM_DIR/cmd.in" {rfd}<>"$VM_DIR/cmd.out"
	printf '%s %s %s\n' "$id" "$tmo" "$(printf '%s' "$cmd" | base64 -w0)" >&"$wfd"
	exec {wfd}>&-
	reply=$(timeout $((tmo + 10)) "${_VM_AWK[@]}" -v id="$id" '
		{ sub(/\r$/, "") }
		$0 == "@@BEGIN " id { s = "b"; o = ""; e = ""; next }
		s == "" { next }
		$0 == "@@OUT" { s = "o"; next }
		$0 == "@@ERR" { s = "e"; next }
		$0 == "@@DEAD" { exit }
		$1 == "@@RC" && $2 == id { print $3; print o; print e; found = 1; exit }
		s == "o" { o = o $0; next }
		s == "e" { e = e $0; next }
		END { exit !found }' <&"$rfd")
	local arc=$?
	exec {rfd}<&-
	if [ $arc -ne 0 ]; then
		if _vm_alive; then _err="vm: no reply to '$cmd' within $((tmo + 10))s"
		else _err="vm: qemu is gone (while running '$cmd')"; fi
		return 1
	fi
	{ read -r _rc; read -r o; read -r e; } <<<"$reply"
	[ -n "$o" ] && _out=$(base64 -d <<<"$o")
	[ -n "$e" ] && _err=$(base64 -d <<<"$e")
	return 0
}

guest() {
	local tmo=${MEMHP_VM_CMD_TIMEOUT:-60}
	if [ "${1:-}" = --timeout ]; then tmo=$2; shift 2; fi
	_vm_exec "$tmo" "$*" || { _rc=255; }
	status=$_rc
	stdout=$_out
	stderr=$_err
	if [ -n "$stdout" ] && [ -n "$stderr" ]; then output="$stdout"$'\n'"$stderr"
	else output="$stdout$stderr"; fi
	lines=()
	[ -n "$output" ] && mapfile -t lines <<<"$output"
	return 0
}

guest_out() {
	local tmo=${MEMHP_VM_CMD_TIMEOUT:-60}
	if [ "${1:-}" = --timeout ]; then tmo=$2; shift 2; fi
	_vm_exec "$tmo" "$*" || { echo "$_err" >&2; return 255; }
	[ -n "$_out" ] && printf '%s\n' "$_out"
	[ -n "$_err" ] && printf '%s\n' "$_err" >&2
	return "$_rc"
}

guest_ok() {
	local out rc
	out=$(guest_out "$@" 2>"$VM_DIR/.guest_ok.err")
	rc=$?
	if [ $rc -ne 0 ]; then
		{ echo "guest command failed (rc $rc): $*"; cat "$VM_DIR/.guest_ok.err"; } | fail
		return 1
	fi
	[ -n "$out" ] && printf '%s\n' "$out"
	return 0
}

# ---- QMP ---------------------------------------------------------------------

# qmp JSON [TIMEOUT]: adds an id, prints the response line, stashes events.
qmp() {
	local req=$1 tmo=${2:-30} id wfd rfd deadline
	_vm_alive || { echo "qmp: qemu is not running" >&2; return 1; }
	id="q$$.${BASHPID}.$RANDOM$RANDOM"
	req=$(jq -c --arg id "$id" '. + {id: $id}' <<<"$req") || { echo "qmp: bad JSON" >&2; return 2; }
	exec {wfd}<>"$VM_DIR/qmp.in" {rfd}<>"$VM_DIR/qmp.out"
	printf '%s\n' "$req" >&"$wfd"
	exec {wfd}>&-
	deadline=$(( $(date +%s) + tmo ))
	while _vm_readline "$rfd" "$deadline"; do
		case "$REPLY" in
			@@DEAD) break ;;
			*'"event"'*) printf '%s\n' "$REPLY" >>"$VM_DIR/events.log" ;;
			*"\"$id\""*)
				exec {rfd}<&-
				printf '%s\n' "$REPLY"
				jq -e 'has("error") | not' >/dev/null <<<"$REPLY"
				return ;;
		esac
	done
	exec {rfd}<&-
	echo "qmp: no reply to $req within ${tmo}s" >&2
	return 1
}

# hmp 'device_add pc-dimm,id=d1,memdev=m1': prints the monitor's text.
hmp() {
	local resp txt
	resp=$(qmp "$(jq -nc --arg c "$*" '{execute:"human-monitor-command",arguments:{"command-line":$c}}')") ||
		{ echo "$resp"; return 1; }
	txt=$(jq -r '.return' <<<"$resp")
	[ -n "$txt" ] && printf '%s\n' "$txt" | tr -d '\r'
	case "$txt" in Error*|*$'\n'Error*) return 1 ;; esac
	return 0
}

# qmp_wait_event NAME [JQ-FILTER] [TIMEOUT] [SINCE]: wait for an event; SINCE
# is a line count of events.log to skip (get it with qmp_event_mark).
qmp_event_mark() { wc -l <"$VM_DIR/events.log"; }
qmp_wait_event() {
	local name=$1 filter=${2:-true} tmo=${3:-30} since=${4:-0} deadline
	deadline=$(( $(date +%s) + tmo ))
	while :; do
		if tail -n +"$((since + 1))" "$VM_DIR/events.log" |
			jq -e -s --arg n "$name" "[.[] | select(.event == \$n) | select($filter)] | length > 0" >/dev/null 2>&1; then
			return 0
		fi
		[ "$(date +%s)" -lt "$deadline" ] || { echo "qmp: no $name event ($filter) within ${tmo}s" >&2; return 1; }
		# a cheap command pulls pending events out of the pipe
		qmp '{"execute":"query-status"}' >/dev/null || return 1
		sleep 0.3
	done
}

vm_add_dimm() { # ID SIZE [NODE]
	local id=$1 size=$2 node=${3:-} dev
	hmp "object_add memory-backend-ram,id=mem-$id,size=$size" || return 1
	dev="pc-dimm,id=$id,memdev=mem-$id"
	[ -n "$node" ] && dev="$dev,node=$node"
	hmp "device_add $dev"
}

# device_del and wait until the guest has ejected the DIMM (DEVICE_DELETED).
vm_del_dimm() { # ID [TIMEOUT]
	local id=$1 tmo=${2:-60} mark
	mark=$(qmp_event_mark)
	hmp "device_del $id" || return 1
	qmp_wait_event DEVICE_DELETED ".data.device == \"$id\"" "$tmo" "$mark" || return 1
	hmp "object_del mem-$id"
}

# Print QEMU's view of the plugged DIMMs: "id addr size node" per line.
vm_dimms() {
	qmp '{"execute":"query-memory-devices"}' |
		jq -r '.return[] | select(.type == "dimm") | .data | "\(.id) \(.addr) \(.size) \(.node)"'
}
