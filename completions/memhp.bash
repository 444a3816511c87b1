# bash completion for memhp(8)                              -*- shell-script -*-

# The sysfs root in effect on the command line being completed.
_memhp_root()
{
	local i
	for ((i = 1; i < ${#COMP_WORDS[@]} - 1; i++)); do
		case ${COMP_WORDS[i]} in
		--sysfs-root | --sysroot | -s)
			echo "${COMP_WORDS[i + 1]}"
			return
			;;
		--sysfs-root=* | --sysroot=*)
			echo "${COMP_WORDS[i]#*=}"
			return
			;;
		esac
	done
	echo "${MEMHP_SYSFS_ROOT:-/}"
}

# Block ids of the tree, for online (offline ones) and offline (online ones).
_memhp_blocks()
{
	local root want=$1 d s
	root=$(_memhp_root)
	for d in "$root"/sys/devices/system/memory/memory[0-9]*; do
		[ -r "$d/state" ] || continue
		read -r s <"$d/state"
		[ "$s" = "$want" ] && echo "${d##*/memory}"
	done
}

# ACPI memory devices that can be ejected (they have an eject attribute).
_memhp_acpi_devices()
{
	local root d
	root=$(_memhp_root)
	for d in "$root"/sys/bus/acpi/devices/PNP0C80:*; do
		[ -e "$d/eject" ] && echo "${d##*/}"
	done
}

_memhp_nodes()
{
	local root d
	root=$(_memhp_root)
	for d in "$root"/sys/devices/system/node/node[0-9]*; do
		[ -d "$d" ] && echo "${d##*/node}"
	done
}

# A comma-separated list: complete the last element.
_memhp_list_value()
{
	local cur=$1 words=$2 prefix=""
	if [[ $cur == *,* ]]; then
		prefix=${cur%,*},
		cur=${cur##*,}
	fi
	if [[ $cur == +* ]]; then
		prefix=$prefix+
		cur=${cur#+}
	fi
	COMPREPLY=($(compgen -P "$prefix" -W "$words" -- "$cur"))
	compopt -o nospace
}

_memhp()
{
	local cur prev words cword
	_init_completion -n =: || return

	local common="--sysfs-root --sysroot --json --verbose --quiet --help
		--version --color --color="
	local columns="RANGE SIZE STATE REMOVABLE BLOCK NODE ZONES CONFIGURED MEMMAP-ON-MEMORY OWNER MOVABLE%"
	local zones="DMA DMA32 Normal HighMem Movable Device none"
	local states="online offline going-offline"
	local cmd="" i
	for ((i = 1; i < cword; i++)); do
		case ${words[i]} in
		--sysfs-root | --sysroot | -s) ((i++)) ;;
		-*) ;;
		*)
			cmd=${words[i]}
			break
			;;
		esac
	done

	case $prev in
	--sysfs-root | --sysroot | -s)
		_filedir -d
		return
		;;
	--output | -o)
		_memhp_list_value "$cur" "$columns"
		return
		;;
	--split | -S)
		_memhp_list_value "$cur" "$columns none"
		return
		;;
	--node)
		COMPREPLY=($(compgen -W "$(_memhp_nodes)" -- "$cur"))
		return
		;;
	--state)
		COMPREPLY=($(compgen -W "$states" -- "$cur"))
		return
		;;
	--owner)
		COMPREPLY=($(compgen -W "boot acpi-dimm virtio-mem dax-kmem memhp unknown" -- "$cur"))
		return
		;;
	--zone | -z)
		if [ "$cmd" = online ]; then
			COMPREPLY=($(compgen -W "auto movable normal kernel DMA DMA32 Normal Movable" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$zones" -- "$cur"))
		fi
		return
		;;
	--timeout | --count | --wait)
		return
		;;
	--config | --output-file)
		_filedir
		return
		;;
	--format)
		COMPREPLY=($(compgen -W "table prometheus" -- "$cur"))
		return
		;;
	--kind)
		COMPREPLY=($(compgen -W "acpi-dimm virtio-mem dax" -- "$cur"))
		return
		;;
	esac
	if [[ $cur == --color=* ]]; then
		COMPREPLY=($(compgen -W "auto always never" -- "${cur#*=}"))
		return
	fi
	if [[ $cur == --json=* ]]; then
		COMPREPLY=($(compgen -W "memhp lsmem" -- "${cur#*=}"))
		return
	fi
	if [[ $cur == --format=* ]]; then
		COMPREPLY=($(compgen -W "table prometheus" -- "${cur#*=}"))
		return
	fi
	if [[ $cur == --kind=* ]]; then
		COMPREPLY=($(compgen -W "acpi-dimm virtio-mem dax" -- "${cur#*=}"))
		return
	fi
	if [[ $cur == --online=* ]]; then
		COMPREPLY=($(compgen -W "auto movable normal kernel" -- "${cur#*=}"))
		return
	fi
	if [[ $cur == --config=* || $cur == --output-file=* ]]; then
		compopt -o filenames
		COMPREPLY=($(compgen -f -P "${cur%%=*}=" -- "${cur#*=}"))
		return
	fi
	if [[ $cur == --summary=* ]]; then
		COMPREPLY=($(compgen -W "never always only" -- "${cur#*=}"))
		return
	fi

	case $cmd in
	"")
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "$common --bytes --enable --disable" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$(memhp --list-commands 2>/dev/null)" -- "$cur"))
		fi
		;;
	probe)
		COMPREPLY=($(compgen -W "$common --node --online --online= --timeout
			--scan" -- "$cur"))
		;;
	remove)
		COMPREPLY=($(compgen -W "$common --all --timeout --reclaim" -- "$cur"))
		;;
	policy)
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "$common --persist --reset" -- "$cur"))
		elif [[ $cur == memmap_on_memory=* ]]; then
			COMPREPLY=($(compgen -P memmap_on_memory= -W "yes no force" -- "${cur#*=}"))
		elif [[ $cur == auto_online_blocks=* ]]; then
			COMPREPLY=($(compgen -P auto_online_blocks= -W "offline online online_kernel online_movable" -- "${cur#*=}"))
		elif [[ $cur == online_policy=* ]]; then
			COMPREPLY=($(compgen -P online_policy= -W "contig-zones auto-movable" -- "${cur#*=}"))
		elif [[ $cur == auto_movable_numa_aware=* ]]; then
			COMPREPLY=($(compgen -P auto_movable_numa_aware= -W "yes no" -- "${cur#*=}"))
		else
			COMPREPLY=($(compgen -W "auto_online_blocks= online_policy=
				auto_movable_ratio= auto_movable_numa_aware=
				memmap_on_memory memmap_on_memory=" -- "$cur"))
		fi
		;;
	online | offline)
		if [[ $cur == -* ]]; then
			local udev=""
			[ "$cmd" = online ] && udev="--udev --config --config="
			[ "$cmd" = offline ] && udev="--explain --reclaim"
			COMPREPLY=($(compgen -W "$common --zone --node --owner --atomic
				--timeout --dry-run --blocks --block $udev" -- "$cur"))
		else
			local want=offline
			[ "$cmd" = offline ] && want=online
			COMPREPLY=($(compgen -W "$(_memhp_blocks $want)" -- "$cur"))
		fi
		;;
	list)
		COMPREPLY=($(compgen -W "$common --all --bytes --noheadings
			--output --output-all --pairs --raw --split --summary
			--summary= --node --state --zone --owner" -- "$cur"))
		;;
	summary)
		COMPREPLY=($(compgen -W "$common --bytes --census --format --format= --output-file --output-file=" -- "$cur"))
		;;
	watch)
		COMPREPLY=($(compgen -W "$common --count --timeout" -- "$cur"))
		;;
	devices)
		COMPREPLY=($(compgen -W "$common --bytes --kind --kind=" -- "$cur"))
		;;
	doctor)
		COMPREPLY=($(compgen -W "$common" -- "$cur"))
		;;
	why)
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "$common" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$(_memhp_blocks online)" -- "$cur"))
		fi
		;;
	eject)
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "$common --timeout --wait --reclaim" -- "$cur"))
		else
			# the names hold a colon, a word break for readline
			COMPREPLY=($(compgen -W "$(_memhp_acpi_devices)" -- "$cur"))
			__ltrim_colon_completions "$cur"
		fi
		;;
	esac
	[[ ${COMPREPLY-} == *= ]] && compopt -o nospace
} &&
	complete -F _memhp memhp

# ex: filetype=sh
