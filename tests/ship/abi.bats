#!/usr/bin/env bats
# The library's ABI against the stored baseline tests/ship/libmemhp.abi
# (written by tests/ship/update-abi): the ABI of the release being made
# (the first, version node LIBMEMHP_1).  A change that breaks programs built
# against it (a symbol removed, a function's parameters or a public
# struct's layout changed) fails; new symbols do not, they are how the
# library grows, but they go into a new version node for the next release
# (lib/libmemhp.sym), which the last test checks.

load ship_helper
bats_require_minimum_version 1.5.0

BASELINE=$REPO_ROOT/tests/ship/libmemhp.abi

setup() {
	ship_require_build
	command -v abidiff >/dev/null ||
		{ echo "abidiff not found (tests/install-deps --test)" >&2; return 1; }
	[ -s "$BASELINE" ] || { echo "no $BASELINE (tests/ship/update-abi)" >&2; return 1; }
	LIB=$(readlink -f "$SHIP_BUILD/libmemhp.so")
	[ -f "$LIB" ] || { echo "no libmemhp.so in $SHIP_BUILD" >&2; return 1; }
}

# abidiff of baseline $1 against library $2 as the check reads it:
# additions are not reported, so any exit bit left (4: an ABI change,
# 8: an incompatible one, 1 or 2: abidiff itself failed) is a failure.
abi_check() {
	run timeout 300 abidiff --no-added-syms "$1" "$2"
}

@test "libmemhp's ABI is compatible with tests/ship/libmemhp.abi (tests/ship/update-abi)" {
	abi_check "$BASELINE" "$LIB"
	[ "$status" -eq 0 ] || {
		echo "abidiff exit $status (4: ABI change, 8: incompatible):"
		echo "$output"
		echo "an intended change needs a new soname or version node;"
		echo "then rerun tests/ship/update-abi"
		false
	}
}

@test "the check passes new symbols" {
	local doctored=$BATS_TEST_TMPDIR/added.abi
	# the baseline without memhp_parse_size: the library adds it
	python3 - "$BASELINE" "$doctored" <<'PY'
import re, sys
xml = open(sys.argv[1]).read()
name = "memhp_parse_size"
out, n = re.subn(r"\s*<elf-symbol name='%s'[^>]*/>" % name, "", xml)
out, m = re.subn(r"\s*<function-decl name='%s'.*?</function-decl>" % name, "", out,
                 flags=re.S)
assert n == 1 and m == 1, (n, m)
open(sys.argv[2], "w").write(out)
PY
	abi_check "$doctored" "$LIB"
	assert_success
}

@test "the check fails a removed symbol and a function whose return type changed" {
	local src=$BATS_TEST_TMPDIR/src b=$BATS_TEST_TMPDIR/build
	# the sources as they are, without build trees or git
	mkdir -p "$src"
	tar -C "$REPO_ROOT" --exclude='./build*' --exclude=./.git -cf - . |
		tar -C "$src" -xf -
	# memhp_parse_size no longer exported, and
	# memhp_probed_range_get_node() returning 64 bits instead of an int
	# (the public types are opaque: a function's signature is what a
	# caller compiles against)
	sed -i '/^[[:space:]]*memhp_parse_size;$/d' "$src/lib/libmemhp.sym"
	! grep -q memhp_parse_size "$src/lib/libmemhp.sym"
	python3 - "$src/lib/libmemhp.h" "$src/lib/probe.c" <<'PY'
import re, sys
for p in sys.argv[1:]:
    h = open(p).read()
    h, n = re.subn(r"\bint (memhp_probed_range_get_node\()", r"int64_t \1", h)
    assert n == 1, (p, n)
    open(p, "w").write(h)
PY
	run timeout 600 sh -c "cmake -S '$src' -B '$b' -DCMAKE_INSTALL_PREFIX=/usr \
		-DBUILD_TESTING=OFF >/dev/null && cmake --build '$b' --target memhp >/dev/null"
	assert_success
	abi_check "$BASELINE" "$(readlink -f "$b/libmemhp.so")"
	(( status & 8 )) || { echo "exit $status: $output"; false; }
	[[ $output == *"Removed function"*memhp_parse_size* ]]
	[[ $output == *memhp_probed_range_get_node*"return type changed"* ]]
}

# "name version" of every defined symbol the library exports
exported_versions() {
	objdump -T "$1" | awk '$2 == "g" && $4 != "*UND*" && $4 != "*ABS*" { v = $(NF - 1); gsub(/[()]/, "", v); print $NF, v }' | sort
}

@test "symbols added since the baseline are in a version node the baseline does not have" {
	local base_nodes added bad=""
	base_nodes=$(grep -o "<elf-symbol name='[^']*' version='[^']*'" "$BASELINE" |
		sed "s/.*version='\([^']*\)'/\1/" | sort -u)
	[ -n "$base_nodes" ]
	while read -r name ver; do
		grep -q "<elf-symbol name='$name' " "$BASELINE" && continue
		grep -qx "$ver" <<<"$base_nodes" && bad+=" $name@$ver"
	done < <(exported_versions "$LIB")
	[ -z "$bad" ] || {
		echo "new symbols in a node a release already has (lib/libmemhp.sym:"
		echo "put them in a new node for the next release):$bad"
		false
	}
}
