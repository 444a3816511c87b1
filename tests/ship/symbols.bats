#!/usr/bin/env bats
# debian/libmemhp0.symbols is dpkg-gensymbols' list of what libmemhp.so.0
# exports, and lib/libmemhp.sym decides what it exports: a symbol added to,
# renamed in or dropped from one must be in the other too.  Regenerate the
# symbols file from a package build (README, "Install and packages").

load ship_helper

names_in_sym() { # lib/libmemhp.sym: "NODE name" for each global symbol
	awk '/^[A-Z][A-Z0-9_.]* *\{/ { node = $1 } /^}/ { node = "" }
	     /^local:/ { node = "" }
	     node != "" && /^[ \t]+[a-z_][a-z0-9_]*;/ { sub(/;.*/, "", $1); print node, $1 }' \
		"$REPO_ROOT/lib/libmemhp.sym" | sort
}

names_in_symbols() { # debian/libmemhp0.symbols: "NODE name", the nodes' own entries left out
	sed -nE 's/^ ([a-z_][a-z0-9_]*)@([A-Z][A-Z0-9_.]*) .*/\2 \1/p' \
		"$REPO_ROOT/debian/libmemhp0.symbols" | sort
}

@test "debian/libmemhp0.symbols and lib/libmemhp.sym list the same symbols in the same version nodes" {
	[ -n "$(names_in_sym)" ]
	run diff <(names_in_sym) <(names_in_symbols)
	[ "$status" -eq 0 ] || {
		echo "< only in lib/libmemhp.sym, > only in debian/libmemhp0.symbols:"
		echo "$output"
		false
	}
	# each version node is in the symbols file as well
	for node in $(names_in_sym | cut -d' ' -f1 | sort -u); do
		grep -qE "^ $node@$node " "$REPO_ROOT/debian/libmemhp0.symbols" ||
			{ echo "no $node@$node in debian/libmemhp0.symbols"; false; }
	done
}

@test "the packages' version is CMake's project() version" {
	[ "$(cd "$REPO_ROOT" && dpkg-parsechangelog -S Version)" = "$VERSION" ]
}
