#!/usr/bin/env bats
# The architecture rules of DESIGN.md, checked on the sources.

setup() {
	cd "$BATS_TEST_DIRNAME/../.."
}

@test "only lib/path.c names sysfs paths" {
	run grep -rlE '"/?sys/(devices|module|kernel|firmware|bus)' lib cmd
	[ "$status" -eq 0 ]
	[ "$output" = "lib/path.c" ]
}

@test "the library never prints" {
	run grep -nE '(^|[^a-z_])(printf|fprintf|vfprintf|puts|fputs|putchar|perror|fputc)[[:space:]]*\(' lib/*.c
	[ "$status" -eq 1 ]
}

@test "every exported function is in the version script and the header" {
	for f in $(grep -ohE 'MEMHP_EXPORT [^(]*[ *]([a-z_0-9]+)\(' lib/*.c |
		   sed -E 's/.*[ *]([a-z_0-9]+)\($/\1/'); do
		grep -qw "$f;" lib/libmemhp.sym || { echo "$f not in libmemhp.sym"; false; }
		grep -qw "$f" lib/libmemhp.h || { echo "$f not in libmemhp.h"; false; }
	done
}

@test "one command table, in cmd/memhp.c" {
	run grep -lE 'cmd_[a-z]+ *\}|\{ *"[a-z]+", *cmd_' cmd/*.c
	[ "$output" = "cmd/memhp.c" ]
}
