# SPDX-License-Identifier: GPL-2.0-only
# bash completion for hermetic-bpf. The options come from the binary's own
# --help, so they cannot drift from it; values that --help does not list
# (profiles, formats) are named here and checked by
# tests/native/completion-check.

_hermetic_bpf_help_opts() # BIN CMD: the options CMD's --help lists
{
	local h
	h=$("$1" ${2:+"$2"} --help 2>/dev/null)
	{
		# The usage lines' [--opt] and the option list's first column.
		grep -E '^(Usage:| +hermetic-bpf | +\[)' <<<"$h" |
			grep -oE '(^|[[ ])--?[A-Za-z][A-Za-z-]*=?' | tr -d '[ '
		grep -oE '^  (-[A-Za-z], )?--?[A-Za-z][A-Za-z-]*=?' <<<"$h" |
			tr -s ', ' '\n\n'
	} | grep -- '^-' | sort -u
}

# Options that take the next word as their value (--help shows "--opt VALUE").
_hermetic_bpf_takes_value()
{
	case $1 in
	--allow-ip | --allow-bind | --allow-domain | --allow-unix | --allow-exec | --allow-write | \
	--allow-read | --profile | --policy | --event-rate | --trace-file | \
	--summary-json | --user | --policies | --events-file | --cgroup | -o) return 0 ;;
	esac
	return 1
}

_hermetic_bpf()
{
	local bin=${COMP_WORDS[0]} cur=${COMP_WORDS[COMP_CWORD]}
	local prev=${COMP_WORDS[COMP_CWORD - 1]} cmd= i w after_opts=
	local cmds="run learn doctor gc agent status policy trace help version"
	COMPREPLY=()
	# --opt=VALUE: bash splits it at '=' into three words.
	if [ "$cur" = = ]; then
		cur= ; prev="${COMP_WORDS[COMP_CWORD - 1]}="
	elif [ "$prev" = = ] && [ "$COMP_CWORD" -ge 2 ]; then
		prev="${COMP_WORDS[COMP_CWORD - 2]}="
	fi
	for ((i = 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		if [ -z "$cmd" ]; then
			case $w in -*) ;; *) cmd=$w ;; esac
			continue
		fi
		[ "$cmd" = run ] || [ "$cmd" = learn ] || continue
		# run and learn: COMMAND starts at the first word that is no
		# option nor an option's value; from there on it is COMMAND's.
		if [ "$w" = -- ]; then after_opts=$((i + 1)); break; fi
		case $w in
		=) i=$((i + 1)) ;;
		-*) _hermetic_bpf_takes_value "$w" && i=$((i + 1)) ;;
		*) after_opts=$i; break ;;
		esac
	done
	if [ -n "$after_opts" ]; then
		if [ "$COMP_CWORD" -eq "$after_opts" ]; then
			mapfile -t COMPREPLY < <(compgen -c -- "$cur")
		else
			mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		fi
		return
	fi
	if [ -z "$cmd" ]; then
		if [[ $cur == -* ]]; then
			mapfile -t COMPREPLY < <(compgen -W "$(_hermetic_bpf_help_opts "$bin")" -- "$cur")
		else
			mapfile -t COMPREPLY < <(compgen -W "$cmds" -- "$cur")
		fi
		return
	fi
	case $prev in
	--profile) mapfile -t COMPREPLY < <(compgen -W "block-all net-hermetic exec-deny block-native fs-readonly" -- "$cur"); return ;;
	--trace-format=) mapfile -t COMPREPLY < <(compgen -W "text json" -- "$cur"); return ;;
	--user) mapfile -t COMPREPLY < <(compgen -u -- "$cur"); return ;;
	--fs-readonly= | --policies) mapfile -t COMPREPLY < <(compgen -d -- "$cur"); return ;;
	--allow-ip | --allow-bind | --allow-domain | --event-rate | --cgroup) return ;;
	esac
	if _hermetic_bpf_takes_value "$prev"; then
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		return
	fi
	case $cmd in
	help)
		[ "$COMP_CWORD" -eq 2 ] && mapfile -t COMPREPLY < <(compgen -W "${cmds% help version}" -- "$cur")
		return ;;
	policy)
		if [ "$COMP_CWORD" -eq 2 ]; then
			mapfile -t COMPREPLY < <(compgen -W "apply show clear check" -- "$cur")
			return
		fi ;;
	esac
	if [[ $cur == -* ]]; then
		mapfile -t COMPREPLY < <(compgen -W "$(_hermetic_bpf_help_opts "$bin" "$cmd")" -- "$cur")
		# An option ending in '=' takes its value right after it.
		[ "${#COMPREPLY[@]}" -eq 1 ] && [[ ${COMPREPLY[0]} == *= ]] && compopt -o nospace 2>/dev/null
	elif [ "$cmd" = run ] || [ "$cmd" = learn ]; then
		mapfile -t COMPREPLY < <(compgen -c -- "$cur")
	fi
}
complete -F _hermetic_bpf hermetic-bpf
