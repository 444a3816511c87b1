# Shared by the ship tier's files.  MEMHP_SHIP_BUILD is a build tree
# configured with -DCMAKE_INSTALL_PREFIX=/usr (tests/run-all makes it), the
# configuration Debian packages are made from.

load /usr/lib/bats/bats-support/load
load /usr/lib/bats/bats-assert/load

REPO_ROOT=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
SHIP_BUILD=${MEMHP_SHIP_BUILD:-$REPO_ROOT/build-ship}
# the one place the version is written
VERSION=$(sed -nE 's/^project\(memhp VERSION ([0-9][0-9.]*) .*/\1/p' "$REPO_ROOT/CMakeLists.txt")
MULTIARCH=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
ARCH=$(dpkg --print-architecture)

ship_require_build() {
	[ -n "$VERSION" ] || { echo "no version in CMakeLists.txt's project()" >&2; return 1; }
	[ -x "$SHIP_BUILD/memhp" ] ||
		{ echo "no build in $SHIP_BUILD (set MEMHP_SHIP_BUILD)" >&2; return 1; }
	grep -q '^CMAKE_INSTALL_PREFIX:PATH=/usr$' "$SHIP_BUILD/CMakeCache.txt" ||
		{ echo "$SHIP_BUILD is not configured with the prefix /usr" >&2; return 1; }
}

# A fixture sysfs tree from the generator: the first scenario it makes.
ship_fixture() { # dir
	"$REPO_ROOT/tests/fixtures/gen-sysfs" "$1" >/dev/null || return 1
	echo "$1/$(head -n1 "$1/index")"
}
