// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include "agent_proc.h"
#include "mono_time.h"
#include "output_file.h"
#include "run_state.h"
#include "run_trace.h"
#include "task_lookup.h"
#include "trace_fmt.h"

#define HOLD_NS (HB_TRACE_HOLD_MS * 1000000ull)

void hb_run_trace_flush(struct run_state *rs, bool now)
{
	char line[sizeof(rs->held) + 64];
	int n;

	if (!rs->held_n || (!now && hb_mono_ns() - rs->held_at < HOLD_NS))
		return;
	if (rs->held_n == 1)
		n = snprintf(line, sizeof(line), "hermetic-bpf: %s\n", rs->held);
	else
		n = snprintf(line, sizeof(line), "hermetic-bpf: %s (%llu times)\n", rs->held,
			     rs->held_n);
	rs->held_n = 0;
	if (n > 0)
		hb_put_line(rs->trace_fd, line, strnlen(line, sizeof(line)));
}

int hb_run_trace_due(const struct run_state *rs)
{
	__u64 waited;

	if (!rs->trace || rs->json)
		return -1;
	/* The DNS proxy's thread may hold a line meanwhile: look again then. */
	if (!rs->held_n)
		return HB_TRACE_HOLD_MS;
	waited = hb_mono_ns() - rs->held_at;
	return waited >= HOLD_NS ? 0 : (int)((HOLD_NS - waited) / 1000000ull) + 1;
}

/*
 * The same line again (same action, object, process and reason) is
 * counted; any other line first writes the held one, so the order of
 * the trace is kept.
 */
void hb_run_trace_text(struct run_state *rs, const struct hb_event *ev)
{
	char line[sizeof(rs->held)];

	hb_format_event(ev, line, sizeof(line));
	if (rs->held_n && !strcmp(line, rs->held)) {
		rs->held_n++;
		return;
	}
	hb_run_trace_flush(rs, true);
	memcpy(rs->held, line, sizeof(line));
	rs->held_n = 1;
	rs->held_at = hb_mono_ns();
}

/* Whether @pid is (still) in the sandbox, at @cg or below: not a reused pid. */
static bool in_sandbox(pid_t pid, const char *cg)
{
	char at[PATH_MAX];
	size_t n = strlen(cg);

	return !hb_proc_cgroup(pid, at, sizeof(at)) && !strncmp(at, cg, n) &&
	       (at[n] == '/' || at[n] == '\0');
}

/*
 * Tier B's unix hooks run before the path is looked up, so a connect to
 * nothing (glibc asking for nscd's socket before every user lookup) is
 * denied like one to a daemon. Whether a socket is there is asked as the
 * process would ask it (its root, working directory and ids; ours with
 * the command's ids if it is gone), so that what the trace shows depends
 * on nothing the user could not learn with stat(). Where the answer is
 * unsure (no permission, a path cut short), the event stands. Audited
 * the same: learn must not write an allow-unix that run then refuses.
 */
bool hb_run_no_socket(const struct run_state *rs, const struct hb_event *ev)
{
	struct hb_lookup_ids ids;
	char path[HB_EVENT_PATH_MAX];
	size_t n;
	int r;

	if (!rs->judge_unix || ev->hook != HB_HOOK_UNIX || ev->verdict == HB_VERDICT_ALLOW ||
	    ev->reason == HB_REASON_UNREADABLE || !ev->path_len || ev->path[0] == '\0')
		return false;
	n = strnlen(ev->path, ev->path_len < sizeof(path) ? ev->path_len : sizeof(path));
	if (n >= sizeof(path) - 1)
		return false; /* maybe cut short: not the path the caller named */
	memcpy(path, ev->path, n);
	path[n] = '\0';
	ids = (struct hb_lookup_ids){ .uid = rs->creds->uid, .gid = rs->creds->gid,
				      .ngroups = rs->creds->ngroups,
				      .groups = rs->creds->groups };
	/* Gone, or its pid taken by another process: the command's view. */
	r = hb_task_find_socket(in_sandbox((pid_t)ev->tgid, rs->cgroup) ? (pid_t)ev->tgid : 0,
				path, &ids);
	return r == -ENOENT || r == -ENOTDIR || r == -ENOTSOCK;
}
