#!/usr/bin/zsh -f
# Completes a command line with zsh's own completion system and prints the
# candidates, one a line:  complete.zsh COMPLETIONS-DIR 'memhp onl'
# An interactive zsh runs in a pseudo-terminal (zsh/zpty); compinit loads
# _memhp from COMPLETIONS-DIR, and compadd is wrapped so that every match
# the completion functions add is written to a file instead of the screen.
zmodload zsh/zpty || exit 2
compdir=${1:A} line=$2
tmp=$(mktemp -d) || exit 2
trap 'zpty -d c 2>/dev/null; rm -rf $tmp' EXIT

cat >$tmp/setup.zsh <<EOF
PS1='' PROMPT='' RPROMPT=''
fpath=($compdir \$fpath)
autoload -Uz compinit && compinit -u -d $tmp/zcompdump
zstyle ':completion:*' group-name ''
compadd() {
	# internal calls that only collect matches go through untouched
	if [[ \${@[1,(i)(-|--)]} == *-(O|A|D)\\ * ]]; then
		builtin compadd "\$@"
		return
	fi
	local -a hits
	local -A o
	builtin compadd -A hits "\$@"
	zparseopts -E -A o P: p: S: s: q r: R: 2>/dev/null
	# a suffix that typing the next character removes is not part of it
	(( \${+o[-q]} || \${+o[-r]} || \${+o[-R]} )) && o[-S]=
	local h
	for h in \$hits; do
		print -r -- "\$IPREFIX\${o[-P]}\${o[-p]}\$h\${o[-s]}\${o[-S]}" >>$tmp/hits
	done
}
bindkey '^I' complete-word
# the line editor is reading: typed text is now taken as typed, not lost
zle-line-init() { : >>$tmp/zle-ready }
zle -N zle-line-init
EOF

# Waits up to 60 s (a generous bound: a loaded machine, a sanitizer build)
# for the shell to create a file, draining its output.
wait_for() {
	local i
	for ((i = 0; i < 1200; i++)); do
		[[ -e $1 ]] && return 0
		zpty -r -t c junk 2>/dev/null
		sleep 0.05
	done
	return 1
}

zpty c zsh -f -i || exit 2
zpty -w c "source $tmp/setup.zsh; : >$tmp/ready"
wait_for $tmp/ready && wait_for $tmp/zle-ready ||
	{ print -u2 "complete.zsh: zsh did not start"; exit 2; }
# the line, TAB, then wipe it and leave a mark once TAB is done
zpty -w -n c "$line"$'\t'
zpty -w -n c $'\C-u'
zpty -w c ": >$tmp/done"
wait_for $tmp/done || { print -u2 "complete.zsh: no answer for '$line'"; exit 2; }
[[ -e $tmp/hits ]] && sort -u $tmp/hits
exit 0
