#!/usr/bin/env bats
# Every option in --help is in the command's man page and the completion,
# and the man pages are lint clean.

setup() {
	cd "$BATS_TEST_DIRNAME/../.."
	MEMHP=${MEMHP:-build/memhp}
}

# fails, naming the page, when rendered text $2 still has an @NAME@
refute_placeholder() { # page, text
	if grep -qE '@[A-Z][A-Z_]*@' <<<"$2"; then
		echo "$1 shows $(grep -oE '@[A-Z][A-Z_]*@' <<<"$2" | head -n1)"
		return 1
	fi
}

long_options() { # the --options a --help text lists
	"$MEMHP" "$@" --help | grep -oE -- '--[a-z][a-z-]*' | sort -u |
		grep -vxE -- '--(help|usage|version)'
}

@test "every command has a man page that names each of its options" {
	run "$MEMHP" --list-commands
	[ "$status" -eq 0 ]
	[ -n "$output" ]
	for cmd in $output; do
		page=man/memhp-$cmd.8
		[ -f "$page" ] || { echo "no $page"; false; }
		for opt in $(long_options "$cmd"); do
			roff=$(printf '%s' "$opt" | sed 's/-/\\-/g')
			grep -qF -- "$roff" "$page" man/memhp.8 ||
				{ echo "$opt of $cmd not in $page"; false; }
		done
	done
}

@test "the completion offers each option of each command" {
	for cmd in $("$MEMHP" --list-commands); do
		for opt in $(long_options "$cmd"); do
			grep -qE -- "(^|[[:space:]\"])$opt([[:space:]]|=|\"|\$)" completions/memhp.bash ||
				{ echo "$opt of $cmd not in completions/memhp.bash"; false; }
		done
	done
	for opt in $(long_options); do
		grep -qE -- "(^|[[:space:]\"])$opt([[:space:]]|=|\"|\$)" completions/memhp.bash ||
			{ echo "global $opt not in completions/memhp.bash"; false; }
	done
}

@test "man pages are lint clean" {
	for page in man/*.[1-8]; do
		run mandoc -T lint -W warning "$page"
		[ "$status" -eq 0 ] || { echo "$page: $output"; false; }
	done
}

@test "memhp --help lists every command" {
	run "$MEMHP" --help
	[ "$status" -eq 0 ]
	for cmd in $("$MEMHP" --list-commands); do
		[[ $output == *"  $cmd "* ]] || { echo "$cmd missing"; false; }
	done
}

@test "the README links every man page" {
	for page in man/*.[1-8]; do
		[ -L "$page" ] && continue  # memhp-offline.8 is memhp-online.8
		grep -qF "]($page)" README.md || { echo "README does not link $page"; false; }
	done
}

@test "memhp(8) points at every command's page, libmemhp(3) and memhp-json(7)" {
	see_also=$(sed -n '/^\.SH SEE ALSO/,/^\.SH/p' man/memhp.8)
	for cmd in $("$MEMHP" --list-commands); do
		grep -qF "memhp\\-$cmd (8)" <<<"$see_also" || { echo "memhp-$cmd(8) missing"; false; }
	done
	grep -qF 'libmemhp (3)' <<<"$see_also"
	grep -qF 'memhp\-json (7)' <<<"$see_also"
}

@test "every page reads as it is in the source: no @VARIABLE@ for CMake to fill" {
	for page in man/*.[1-8]; do
		[ -L "$page" ] && continue
		run env MANWIDTH=80 man -l "$page"
		[ "$status" -eq 0 ] || { echo "$page: man -l failed"; false; }
		refute_placeholder "$page" "$output"
		# the footer names the project; the installed page adds the version
		head -n1 "$page" | grep -qE '^\.TH [^ ]+ [1-8] [0-9-]+ "memhp" ' ||
			{ echo "$page: $(head -n1 "$page")"; false; }
	done
}

@test "every command page has EXIT STATUS, REPORTING BUGS and AVAILABILITY" {
	for page in man/memhp*.8; do
		[ -L "$page" ] && continue
		for section in 'EXIT STATUS' 'REPORTING BUGS' 'SEE ALSO' AVAILABILITY; do
			grep -qx "\.SH $section" "$page" || { echo "$page: no $section"; false; }
		done
	done
	grep -qx '\.SH REPORTING BUGS' man/memhp-json.7
	grep -qx '\.SH AVAILABILITY' man/memhp-json.7
}

@test "every SPDX licence the sources name has its text in LICENSES/" {
	local id fails=0
	for id in $(git ls-files | xargs grep -hoE 'SPDX-License-Identifier: [A-Za-z0-9.+-]+' 2>/dev/null |
		awk '{ print $2 }' | sort -u); do
		# GPL-2.0, GPL-2.0-only and GPL-2.0-or-later share one text
		case $id in
		*-or-later | *-only) id=${id%-or-later}; id=${id%-only} ;;
		esac
		[ -s "LICENSES/$id.txt" ] || { echo "no LICENSES/$id.txt"; fails=$((fails + 1)); }
	done
	[ "$fails" -eq 0 ]
	grep -q LICENSES/ COPYING
}
