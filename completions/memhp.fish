# fish completion for memhp(8)

# The sysfs root in effect on the command line being completed.
function __memhp_root
    set -l tokens (commandline -opc)
    set -l n (count $tokens)
    for i in (seq 2 $n)
        switch $tokens[$i]
            case --sysfs-root --sysroot -s
                if test $i -lt $n
                    echo $tokens[(math $i + 1)]
                    return
                end
            case '--sysfs-root=*' '--sysroot=*'
                string replace -r '^[^=]*=' '' -- $tokens[$i]
                return
        end
    end
    if set -q MEMHP_SYSFS_ROOT
        echo $MEMHP_SYSFS_ROOT
    else
        echo /
    end
end

# The command on the line, if any (the sysfs root's value is not one).
function __memhp_command
    set -l tokens (commandline -opc)
    set -l skip 0
    for t in $tokens[2..-1]
        if test $skip = 1
            set skip 0
            continue
        end
        switch $t
            case --sysfs-root --sysroot -s
                set skip 1
            case '-*'
            case '*'
                echo $t
                return 0
        end
    end
    return 1
end

function __memhp_no_command
    not __memhp_command >/dev/null
end

function __memhp_using -a cmds
    contains -- (__memhp_command) (string split ' ' -- $cmds)
end

# The commands and their descriptions, as memhp --help lists them.
function __memhp_commands
    memhp --help 2>/dev/null | string replace -rf '^  ([a-z]+)  +(.*)$' '$1\t$2'
end

function __memhp_blocks -a want
    set -l root (__memhp_root)
    for d in $root/sys/devices/system/memory/memory*
        string match -qr '/memory[0-9]+$' -- $d; or continue
        test -r $d/state; or continue
        read -l s <$d/state
        test "$s" = "$want"; and string replace -r '.*/memory' '' -- $d
    end
end

function __memhp_acpi_devices
    set -l root (__memhp_root)
    for d in $root/sys/bus/acpi/devices/PNP0C80:*
        test -e $d/eject; and string replace -r '.*/' '' -- $d
    end
end

function __memhp_nodes
    set -l root (__memhp_root)
    for d in $root/sys/devices/system/node/node*
        string match -qr '/node[0-9]+$' -- $d; and string replace -r '.*/node' '' -- $d
    end
end

# A comma-separated column list: complete its last element.
function __memhp_columns
    set -l cur (commandline -ct | string replace -r '^(-o|-S|--output=|--split=)' '')
    set -l head (string match -r '^.*[,+]' -- $cur)
    for c in RANGE SIZE STATE REMOVABLE BLOCK NODE ZONES CONFIGURED MEMMAP-ON-MEMORY OWNER MOVABLE% $argv
        echo $head$c
    end
end

function __memhp_policy
    for v in offline online online_kernel online_movable
        echo auto_online_blocks=$v
    end
    echo online_policy=contig-zones
    echo online_policy=auto-movable
    echo auto_movable_numa_aware=yes
    echo auto_movable_numa_aware=no
    echo auto_movable_ratio=
    echo memmap_on_memory
    for v in yes no force
        echo memmap_on_memory=$v
    end
end

complete -c memhp -f

# options every command takes
complete -c memhp -s J -l json -d 'Print one JSON document (memhp-json(7))'
complete -c memhp -l json -f -a 'memhp lsmem' -d "JSON format: memhp's or lsmem -J's (list)"
complete -c memhp -s q -l quiet -d 'Print errors only'
complete -c memhp -l color -f -a 'auto always never' -d 'Colour ok, warn and fail in tables'
complete -c memhp -s v -l verbose -d 'Say more (repeat for debug)'
complete -c memhp -s s -l sysfs-root -l sysroot -x -a '(__fish_complete_directories)' -d 'Read and write sysfs below DIR instead of /'
complete -c memhp -s '?' -l help -d 'Give this help list'
complete -c memhp -l usage -d 'Give a short usage message'
complete -c memhp -s V -l version -d 'Print program version'

# before the command
complete -c memhp -n __memhp_no_command -x -a '(__memhp_commands)'
complete -c memhp -n __memhp_no_command -l bytes -d 'Print sizes in bytes'
complete -c memhp -n __memhp_no_command -s e -l enable -d "chmem's spelling of memhp online (a bare number is MiB)"
complete -c memhp -n __memhp_no_command -s d -l disable -d "chmem's spelling of memhp offline (a bare number is MiB)"

# list
complete -c memhp -n '__memhp_using list' -s a -l all -d 'List each individual memory block'
complete -c memhp -n '__memhp_using "list summary devices"' -s b -l bytes -d 'Print sizes in bytes'
complete -c memhp -n '__memhp_using list' -s n -l noheadings -d "Don't print headings"
complete -c memhp -n '__memhp_using list' -s o -l output -x -a '(__memhp_columns)' -d 'Output columns'
complete -c memhp -n '__memhp_using list' -l output-all -d 'Output all columns'
complete -c memhp -n '__memhp_using list' -s P -l pairs -d 'Use key="value" output format'
complete -c memhp -n '__memhp_using list' -s r -l raw -d 'Use raw output format'
complete -c memhp -n '__memhp_using list' -s S -l split -x -a '(__memhp_columns none)' -d 'Split ranges by these columns'
complete -c memhp -n '__memhp_using list' -l summary -f -a 'never always only' -d 'Print the summary'
complete -c memhp -n '__memhp_using list' -l state -x -a 'online offline going-offline' -d 'Only blocks in STATE'
complete -c memhp -n '__memhp_using "list offline"' -s z -l zone -x -a 'DMA DMA32 Normal HighMem Movable Device none' -d 'Only blocks in ZONE'
complete -c memhp -n '__memhp_using "list online offline"' -l node -x -a '(__memhp_nodes)' -d 'Only blocks on NUMA node N'
complete -c memhp -n '__memhp_using "list online offline"' -l owner -x -a 'boot acpi-dimm virtio-mem dax-kmem memhp unknown' -d 'Only blocks KIND added'

# summary
complete -c memhp -n '__memhp_using devices' -l kind -x -a 'acpi-dimm virtio-mem dax' -d 'Only devices of KIND'
complete -c memhp -n '__memhp_using summary' -l format -x -a 'table prometheus' -d 'Output format'
complete -c memhp -n '__memhp_using summary' -l output-file -r -F -d 'Write to FILE by a rename'
complete -c memhp -n '__memhp_using summary' -l census -d "Each zone's pages by kind and how much can move"

# online, offline
complete -c memhp -n '__memhp_using "online offline"' -l atomic -d 'All or nothing'
complete -c memhp -n '__memhp_using "online offline"' -s b -l blocks -l block -d 'The selectors are block ids or lists'
complete -c memhp -n '__memhp_using "online offline"' -l dry-run -d 'Print the blocks that would change; write nothing'
complete -c memhp -n '__memhp_using "online offline probe remove eject"' -l timeout -x -d 'Retry busy blocks for up to SECONDS'
complete -c memhp -n '__memhp_using online' -s z -l zone -x -a 'auto movable normal kernel DMA DMA32 Normal Movable' -d 'Zone to online into'
complete -c memhp -n '__memhp_using online' -l udev -d "The auto-online udev rule's entry"
complete -c memhp -n '__memhp_using online' -l config -r -F -d 'The auto-online config for --udev'
complete -c memhp -n '__memhp_using online; and not string match -q -- "-*" (commandline -ct)' -a '(__memhp_blocks offline)' -d 'offline block'
complete -c memhp -n '__memhp_using offline; and not string match -q -- "-*" (commandline -ct)' -a '(__memhp_blocks online)' -d 'online block'
complete -c memhp -n '__memhp_using offline' -l explain -d 'Say what is in the blocks that failed or would be tried'
complete -c memhp -n '__memhp_using "offline remove eject"' -l reclaim -d 'First drop the clean page cache (every node) and compact the nodes'

# why
complete -c memhp -n '__memhp_using why; and not string match -q -- "-*" (commandline -ct)' -a '(__memhp_blocks online)' -d 'online block'

# probe, remove
complete -c memhp -n '__memhp_using probe' -l node -x -a '(__memhp_nodes)' -d 'Add the range to NUMA node N'
complete -c memhp -n '__memhp_using probe' -l online -f -a 'auto movable normal kernel' -d 'Online the new blocks into ZONE'
complete -c memhp -n '__memhp_using probe' -l scan -d 'List RAM the firmware reported that the kernel does not use'
complete -c memhp -n '__memhp_using remove' -l all -d 'Remove every range memhp.ko added'

# policy
complete -c memhp -n '__memhp_using policy' -a '(__memhp_policy)'
complete -c memhp -n '__memhp_using policy' -l persist -d 'Make it last: the kernel command line from the next boot'
complete -c memhp -n '__memhp_using policy' -l reset -d 'With --persist: remove the persisted policy'

# eject
complete -c memhp -n '__memhp_using eject' -l wait -x -d 'Wait up to SECONDS for the firmware to remove the device'
complete -c memhp -n '__memhp_using eject' -a '(__memhp_acpi_devices)' -d 'ACPI memory device'

# watch
complete -c memhp -n '__memhp_using watch' -s n -l count -x -d 'Stop after N events'
complete -c memhp -n '__memhp_using watch' -s t -l timeout -x -d 'Stop after SECONDS'
