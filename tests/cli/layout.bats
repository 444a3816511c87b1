#!/usr/bin/env bats
# The layering rules of lib/README.md, checked on the sources.

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

@test "the library takes typed input: no selector text below lib/" {
	run grep -rln 'memhp_selector\|selector' lib/*.c lib/libmemhp.h
	[ "$status" -eq 1 ]
}

@test "no command tears its context down mid-run (memhp_refresh instead)" {
	run grep -n 'cli->ctx = NULL' cmd/*.c
	[ "$status" -eq 1 ]
}

@test "every command that changes memory runs inside the signal trap" {
	for f in cmd/change.c cmd/eject.c cmd/remove.c cmd/probe.c; do
		grep -q memhp_cli_start_transaction "$f" || { echo "$f"; false; }
	done
}

@test "one place reads udev rules: lib/onliners.c" {
	run grep -ln 'udev/rules\.d"' lib/*.c cmd/*.c
	[ "$status" -eq 0 ]
	[ "$output" = "lib/onliners.c" ]
	run grep -ln 'memhp_onlining_agents\|memhp_autoonline_find' cmd/*.c lib/doctor.c
	[ "$status" -eq 1 ]
}
