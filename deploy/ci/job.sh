# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0-only
# The action's whole-job mode (docs/ci-runners.md), sourced by
# hermetic-action: job-start puts an agent policy on the runner's job
# cgroup (an audit policy, or the policy file given), job-end writes what
# the agent saw of it to the job summary (and, after an audit, the policy
# learned from it), then clears it. For a runner whose job runs in one
# cgroup; tier B only (on BPF-LSM the job's cgroup is sealed: it could
# not clear its own policy).
#
# Inputs: HB_POLICY (job-start: enforce this file; empty: audit),
# HB_CGROUP (the job's cgroup; empty: the runner's), HB_LEARN (job-end:
# where the learned policy goes), HB_FAIL_ON_BLOCK (job-end: exit 2 if
# anything was blocked), HB_DEB; RUNNER_TEMP (the state's directory).
# From hermetic-action: here, die, as_root, install_deb.

# What job-start leaves for job-end: one directory per runner.
job_state() { echo "${RUNNER_TEMP:-/tmp}/hermetic-bpf-job"; }

cgroup_mount() {
	awk '{ for (i = 7; i <= NF; i++) if ($i == "-") break;
	       if ($(i + 1) == "cgroup2" && $4 == "/") { print $5; exit } }' /proc/self/mountinfo
}

# The cgroup (below the mount) of the runner's process: the nearest
# ancestor named Runner.Worker or Runner.Listener; else this step's own,
# which is the job's where the whole job runs in one cgroup.
runner_cgroup() {
	local pid=$$ comm
	while [ "$pid" -gt 1 ]; do
		comm=$(cat "/proc/$pid/comm" 2>/dev/null) || break
		case $comm in Runner.Worker | Runner.Listener) break ;; esac
		pid=$(awk '/^PPid:/ { print $2 }' "/proc/$pid/status" 2>/dev/null) || break
	done
	[ "$pid" -gt 1 ] || pid=$$
	sed -n 's/^0:://p' "/proc/$pid/cgroup"
}

# Starts "$@" as root in the background, in the cgroup /hermetic-bpf-ci
# (outside the job's: its policy must not judge the agent or its
# readers); stdout and stderr to $1 and $2. Prints its pid. In a session
# of its own: sudo's pty (use_pty) hangs up its session when sudo ends.
spawn_outside() {
	local cgdir
	cgdir="$(cgroup_mount)/hermetic-bpf-ci"
	as_root mkdir -p "$cgdir" || die "cannot make $cgdir"
	# shellcheck disable=SC2016 # expanded by the root shell
	as_root bash -c 'cg=$0 out=$1 err=$2; shift 2
		echo $$ >"$cg/cgroup.procs" || exit 1
		setsid "$@" <"/dev/null" >"$out" 2>"$err" &
		echo $!' "$cgdir" "$@"
}

# Whether process $1 runs (a zombie, not yet reaped by init, does not).
alive() {
	[ -r "/proc/$1/status" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null
}

# Waits until file $1 holds $2, or process $3 ended: 0 if it does.
wait_for() {
	local i
	for ((i = 0; i < 600; i++)); do
		grep -q -- "$2" "$1" 2>/dev/null && return 0
		alive "$3" || return 1
		sleep 0.1
	done
	return 1
}

# A background process of job-start, by its pid: ended, and waited for.
# Only while that pid is still a hermetic-bpf (it may have ended, and the
# pid been reused, since job-start).
stop_pid() {
	local i
	[ -n "${1:-}" ] && alive "$1" && grep -qa hermetic-bpf "/proc/$1/cmdline" || return 0
	as_root kill -TERM "$1" 2>/dev/null || return 0
	for ((i = 0; i < 100; i++)); do
		alive "$1" || return 0
		sleep 0.1
	done
	as_root kill -KILL "$1" 2>/dev/null || true
}

# trace --json of the job's cgroup, from outside it, into $state: 0 once
# it follows the running agent's events (trace_pid set), 1 if there is
# no agent (or trace failed: trace.err says why).
start_trace() {
	trace_pid=$(spawn_outside "$1/events.jsonl" "$1/trace.err" \
		"$(command -v hermetic-bpf)" trace --json --cgroup "$2")
	[ -n "$trace_pid" ] && wait_for "$1/trace.err" "following the agent's events" "$trace_pid" &&
		return 0
	stop_pid "$trace_pid"
	trace_pid=
	return 1
}

# No agent runs: the installed unit's (systemd), else one started here in
# the background with an events file (agent_pid set). With $2 "own", never
# the unit's. Its policy directory ($policies) is root's, made here under
# /run: the agent reads only what root alone can change (spec/agent.md),
# and $state is the runner user's.
start_agent() {
	local state=$1
	if [ "${2:-}" != own ] && [ -d /run/systemd/system ] &&
		systemctl cat hermetic-bpf-agent.service >/dev/null 2>&1; then
		as_root systemctl start hermetic-bpf-agent.service ||
			die "the agent's unit did not start" "journalctl -u hermetic-bpf-agent says why"
		unload=no # the unit's agent stays, as its pins do
		return 0
	fi
	policies=$(as_root mktemp -d -p /run hermetic-bpf-job.XXXXXX) || {
		job_undo "$state" "" "no"
		die "cannot make the agent's policy directory in /run"
	}
	agent_pid=$(spawn_outside "$state/agent.out" "$state/agent.err" "$(command -v hermetic-bpf)" \
		agent --policies "$policies" --events-file "$state/agent-events.jsonl")
	[ -n "$agent_pid" ] && wait_for "$state/agent.err" "agent: ready" "$agent_pid" && return 0
	cat "$state/agent.err" >&2
	job_undo "$state" "$agent_pid" "$unload"
	die "the agent did not start (its messages are above)"
}

job_start() {
	local state cg tier policy_args file_policy
	state=$(job_state)
	[ -z "${HB_DEB:-}" ] || install_deb "$HB_DEB"
	command -v hermetic-bpf >/dev/null ||
		die "hermetic-bpf is not installed" "set the input 'deb' to a .deb built earlier in the workflow (make deb) or to a release asset's URL"
	file_policy=no
	if [ -n "${HB_POLICY:-}" ]; then
		[ -f "$HB_POLICY" ] || die "policy: no such file: $HB_POLICY" "commit the policy a job-end in audit mode wrote, and name it"
		policy_args=(--policy "$(realpath "$HB_POLICY")")
		# allow-domain's DNS proxy lives in the agent: such a policy is one of
		# its files, not policy apply's (spec/agent.md, "Domains").
		! grep -Eq '^[[:space:]]*allow-domain[[:space:]]*=' "$HB_POLICY" || file_policy=yes
	else
		policy_args=(--no-network --audit)
	fi
	cg=${HB_CGROUP:-$(runner_cgroup)}
	case $cg in
	/?*) ;;
	*) die "the job's cgroup is '${cg:-}', not one a policy can be put on" "set the input 'cgroup' to the runner's cgroup (below /sys/fs/cgroup)" ;;
	esac
	mkdir -m 0755 "$state" 2>/dev/null ||
		die "$state exists: a job-start without its job-end" "run the action with mode: job-end first (if: always()), or remove $state"
	# The pins are removed at job-end only if job-start made them.
	unload=no
	agent_pid=
	trace_pid=
	policies=
	case $(as_root hermetic-bpf status) in "agent: nothing pinned"*) unload=yes ;; esac
	if [ "$file_policy" = yes ]; then
		job_file_agent "$state" "$cg"
	# Its events, followed from before the policy: trace also tells whether
	# an agent runs.
	elif ! start_trace "$state" "$cg"; then
		start_agent "$state"
		start_trace "$state" "$cg" || {
			cat "$state/trace.err" >&2
			job_undo "$state" "$agent_pid" "$unload"
			die "cannot follow the agent's events (trace's messages are above)"
		}
	fi
	tier=$(as_root hermetic-bpf status | sed -n 's/^tier: //p')
	if [ "$tier" != cgroup-bpf ]; then
		job_undo "$state" "$agent_pid" "$unload" "$trace_pid"
		die "the agent runs on ${tier:-nothing}: the whole-job mode is for runners without BPF-LSM" \
			"with BPF-LSM the job's cgroup is sealed and could not clear its own policy; confine the runner with a policy file of the agent instead (docs/ci-runners.md)"
	fi
	if [ "$file_policy" = yes ] && ! job_file_load "$state" "$cg"; then
		job_undo "$state" "$agent_pid" "$unload" "$trace_pid"
		die "the agent refused the policy (its reason is above); the job runs unconfined"
	elif [ "$file_policy" != yes ] &&
		! as_root hermetic-bpf policy apply --cgroup "$cg" "${policy_args[@]}"; then
		job_undo "$state" "$agent_pid" "$unload" "$trace_pid"
		die "the policy was not applied (the reason is above); the job runs unconfined"
	fi
	printf 'cg=%q\nmode=%q\nagent_pid=%q\nunload=%q\ntrace_pid=%q\nfile_policy=%q\npolicies=%q\n' \
		"$cg" "$([ -n "${HB_POLICY:-}" ] && echo enforce || echo audit)" "$agent_pid" "$unload" \
		"$trace_pid" "$file_policy" "$policies" >"$state/state"
	echo "hermetic-action: the job's cgroup $cg is $([ -n "${HB_POLICY:-}" ] && echo "confined by $HB_POLICY" || echo "audited")"
}

# A policy with allow-domain: a file of an agent job-start starts itself
# (the shipped unit cannot open DNS proxies: it has no inet sockets). The
# agent starts with no policy and trace follows it before the file is
# given (job_file_load), so every action the policy counts is received.
job_file_agent() {
	local state=$1 cg=$2
	if start_trace "$state" "$cg"; then
		job_undo "$state" "" "no" "$trace_pid"
		die "policy: allow-domain needs an agent of the action's own, and one runs already" \
			"stop it (its policies stay pinned), or put the file, with cgroup = $cg, into its policy directory and reload it"
	fi
	start_agent "$state" own
	start_trace "$state" "$cg" || {
		cat "$state/trace.err" >&2
		job_undo "$state" "$agent_pid" "$unload"
		die "cannot follow the agent's events (trace's messages are above)"
	}
}

# The agent reloaded (SIGHUP): 0 once it says so; 1 if it refused the set
# or stopped, with what it said since the signal on stderr.
reload_agent() {
	local state=$1 agent=$2 lines reloads i
	[ -n "$agent" ] && alive "$agent" || return 1
	lines=$(wc -l <"$state/agent.err")
	reloads=$(grep -c "agent: reload" "$state/agent.err")
	as_root kill -HUP "$agent" || return 1
	for ((i = 0; i < 600; i++)); do
		if [ "$(grep -c "agent: reload" "$state/agent.err")" -gt "$reloads" ]; then
			grep "agent: reload" "$state/agent.err" | tail -n 1 | grep -q "agent: reloaded" &&
				return 0
			break
		fi
		alive "$agent" || break
		sleep 0.1
	done
	tail -n +$((lines + 1)) "$state/agent.err" >&2
	return 1
}

# The file, with the job's cgroup unless it names one, given to the agent.
job_file_load() {
	local state=$1 cg=$2
	if grep -Eq '^[[:space:]]*(cgroup|unit)[[:space:]]*=' "$HB_POLICY"; then
		cat "$HB_POLICY"
	else
		printf '[hermetic-bpf]\ncgroup = %s\n' "$cg"
		cat "$HB_POLICY"
	fi | as_root tee "$policies/job.conf" >/dev/null || return 1
	reload_agent "$state" "$agent_pid"
}

# The file job_file_load() gave the agent, removed and the agent reloaded:
# 0 once it no longer enforces it (its pins may outlive it).
job_file_clear() {
	as_root rm -f "$policies/job.conf"
	reload_agent "$1" "$2"
}

# What job-start started, stopped; the pins removed if it made them.
job_undo() {
	local state=$1 agent=$2 unload=$3 trace=${4:-}
	stop_pid "$trace"
	stop_pid "$agent"
	as_root rmdir "$(cgroup_mount)/hermetic-bpf-ci" 2>/dev/null || true
	case ${policies:-} in /run/hermetic-bpf-job.??????) as_root rm -rf -- "$policies" ;; esac
	[ "$unload" != yes ] || [ -z "$agent" ] || as_root hermetic-bpf agent --unload >/dev/null ||
		echo "hermetic-action: the agent's pins stay (hermetic-bpf agent --unload)" >&2
	rm -rf "$state"
}

# The policy's counter (audited or denied), events lost and limited.
job_counters() {
	as_root hermetic-bpf policy show --cgroup "$1" |
		sed -n "s|^  $1 (cgroup id [0-9]*): .*; [a-z]* \([0-9]*\), events lost \([0-9]*\), limited \([0-9]*\)\$|\1 \2 \3|p"
}

job_end() {
	local state cg mode agent_pid unload trace_pid file_policy policies counted lost limited i got st=0 learn
	state=$(job_state)
	[ -f "$state/state" ] || die "no job-start before this job-end ($state/state)" "run the action with mode: job-start first"
	# Read as code: only job-start's own (a directory of another user's in /tmp is not).
	{ [ -O "$state" ] && [ ! -L "$state" ] && [ -O "$state/state" ]; } ||
		die "$state is not this user's" "remove it; job-start makes it (in \$RUNNER_TEMP)"
	# shellcheck disable=SC1091
	. "$state/state"
	read -r counted lost limited <<<"$(job_counters "$cg")"
	# Every event the counters say was delivered, read by trace (or a timeout).
	for ((i = 0; i < 100; i++)); do
		got=$(grep -c '"type":"\(audited\|denied\)"' "$state/events.jsonl" 2>/dev/null || true)
		[ "${got:-0}" -lt $((${counted:-0} - ${lost:-0} - ${limited:-0})) ] || break
		sleep 0.1
	done
	if [ "${file_policy:-no}" = yes ]; then
		job_file_clear "$state" "$agent_pid" || st=125
	else
		as_root hermetic-bpf policy clear --cgroup "$cg" || st=125
	fi
	learn=
	[ "$mode" != audit ] || learn=${HB_LEARN:-hermetic-bpf-job.policy}
	# shellcheck disable=SC2154 # hermetic-action's
	python3 "$here/summary.py" --job "$state/events.jsonl" "$mode" "$cg" "${learn:-}" \
		"${counted:-0} ${lost:-0} ${limited:-0}" "$state/counted" >"$state/summary.md" ||
		echo "hermetic-action: could not write the job summary" >&2
	# Less the connects to no unix socket, which would have failed anyway (summary.py).
	counted=$(cat "$state/counted" 2>/dev/null || echo "${counted:-0}")
	[ -z "${GITHUB_STEP_SUMMARY:-}" ] || cat "$state/summary.md" >>"$GITHUB_STEP_SUMMARY"
	[ -z "$learn" ] || [ ! -f "$learn" ] || echo "hermetic-action: the learned policy is in $learn"
	job_undo "$state" "$agent_pid" "$unload" "$trace_pid"
	[ "$st" = 0 ] || die "the policy on $cg could not be cleared (the reason is above)"
	if [ "$mode" = enforce ] && [ "${HB_FAIL_ON_BLOCK:-false}" = true ] && [ "${counted:-0}" -gt 0 ]; then
		echo "hermetic-action: ${counted} actions of the job were blocked (fail-on-block)" >&2
		return 2
	fi
	return 0
}
