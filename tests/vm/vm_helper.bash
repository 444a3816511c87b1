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
#   VM_INITRD              the initramfs in the cache to boot (default
#                          initramfs.cpio.gz; initramfs-udev.cpio.gz adds
#                          systemd-udevd and memhp's installed udev rule)
#
# Functions (all fail with a message rather than hang; every wait is bounded):
#   vm_boot [QEMU ARGS...] [-- KERNEL CMDLINE ARGS...]
#   vm_shutdown
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
	( while kill -0 "$qpid" 2>/dev/null; do sleep 1; done
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
	if _vm_alive; then
		local pid; pid=$(cat "$VM_DIR/qemu.pid")
		qmp '{"execute":"quit"}' >/dev/null 2>&1 || true
		local i
		for i in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
		kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
	fi
	# the watchdog has nobody left to wake
	[ -f "$VM_DIR/watchdog.pid" ] && kill "$(cat "$VM_DIR/watchdog.pid")" 2>/dev/null
	local logdir=${MEMHP_VM_LOGDIR:-$MEMHP_VM_CACHE/logs}
	if mkdir -p "$logdir" 2>/dev/null && [ -f "$VM_DIR/console.log" ]; then
		cp "$VM_DIR/console.log" "$logdir/$(basename "${BATS_TEST_FILENAME:-vm}" .bats)-$MEMHP_VM_KERNEL.console.log"
	fi
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
