// SPDX-License-Identifier: GPL-2.0-only
/*
 * What a run tells its user, whether it made the sandbox itself or the
 * agent did (run_client.c): each event, the summary, the output files.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include "event_json.h"
#include "exit_status.h"
#include "log.h"
#include "output_file.h"
#include "run_state.h"
#include "run_trace.h"
#include "trace_fmt.h"

/* One whole line in one write(), so that no other writer splits it. */
int hb_run_on_event(void *ctx, const struct hb_event *ev)
{
	struct run_state *rs = ctx;
	char line[HB_EVENT_JSON_MAX];
	int n;

	pthread_mutex_lock(&rs->lock);
	if (hb_run_no_socket(rs, ev)) {
		rs->no_socket++;
		pthread_mutex_unlock(&rs->lock);
		return 0;
	}
	(ev->verdict == HB_VERDICT_AUDIT ? rs->audited_by_hook :
	 rs->by_hook)[ev->hook < HB_HOOK_MAX ? ev->hook : HB_HOOK_NONE]++;
	rs->by_guard[hb_event_guard(ev)]++;
	if (rs->n_first < HB_SUMMARY_EVENTS)
		rs->first[rs->n_first++] = *ev;
	if (rs->observe)
		rs->observe(rs->observe_ctx, ev);
	if (rs->trace && rs->json) {
		char exe[PATH_MAX];

		hb_event_exe(ev, exe, sizeof(exe));
		rs->jctx.exe = exe;
		n = hb_event_json_line(line, sizeof(line), ev, &rs->jctx);
		rs->jctx.exe = NULL;
		if (n > 0)
			hb_put_line(rs->trace_fd, line, (size_t)n);
	} else if (rs->trace) {
		hb_run_trace_text(rs, ev);
	}
	pthread_mutex_unlock(&rs->lock);
	return 0;
}

void hb_run_warn_unguarded(const struct hb_run_args *a, bool sealed)
{
	if (a->rules.guards)
		return;
	if (sealed)
		hb_log("warning: no guard requested: %s runs with the seal alone (its "
		       "network, files and programs are not confined)", a->cmd[0]);
	else
		hb_log("warning: no guard requested: %s runs unconfined (only its cgroup "
		       "is tracked)", a->cmd[0]);
}

/* One summary line for @by_hook's events, unless --trace showed each. */
static unsigned long long summarize(const struct run_state *rs,
				    const unsigned long long *by_hook, const char *verb)
{
	unsigned long long seen = 0;
	char line[256];

	for (int h = 0; h < HB_HOOK_MAX; h++)
		seen += by_hook[h];
	if (seen && !rs->trace) {
		hb_format_summary(by_hook, verb, line, sizeof(line));
		hb_log("%s; rerun with --trace to see each", line);
	}
	return seen;
}

/* --summary-json, into the file opened before the command started. */
static void write_summary(struct run_state *rs, __u64 sandbox_id,
			  unsigned long long lost, int wstatus, int status)
{
	struct hb_event_json_summary s = {
		.sandbox_id = sandbox_id,
		.command_status = hb_exit_status(wstatus),
		.signal = WIFSIGNALED(wstatus) ? WTERMSIG(wstatus) : 0,
		.exit_status = status,
		.events_lost = lost,
		.events = rs->first,
		.n_events = rs->n_first,
		.unseen = rs->unseen,
		.no_socket = rs->no_socket,
	};
	FILE *f = fdopen(rs->summary_fd, "w");

	if (!f) {
		hb_log("--summary-json: %s", strerror(errno));
		return;
	}
	rs->summary_fd = -1; /* fclose() closes it */
	memcpy(s.by_hook, rs->by_hook, sizeof(s.by_hook));
	memcpy(s.by_guard, rs->by_guard, sizeof(s.by_guard));
	hb_event_json_summary(f, &s, &rs->jctx);
	if (fclose(f))
		hb_log("--summary-json: cannot write: %s", strerror(errno));
}

/*
 * After the command: the last events, the summary lines, losses, the
 * summary file. Returns the exit status, @status unless --fail-on-block
 * turns a 0 into HB_EXIT_BLOCKED because something was blocked or audited.
 */
int hb_run_report(struct run_state *rs, const struct hb_run_args *a, __u64 sandbox_id,
		  const struct hb_stats *stats, int wstatus, int status)
{
	unsigned long long seen, missed = 0;
	struct hb_stats st = stats ? *stats : (struct hb_stats){};
	char line[256];
	int n;

	pthread_mutex_lock(&rs->lock);
	hb_run_trace_flush(rs, true);
	if (rs->no_socket)
		hb_debug("%llu unix connect%s to no socket: not counted as blocked",
			 rs->no_socket, rs->no_socket == 1 ? "" : "s");
	seen = summarize(rs, rs->by_hook, "blocked");
	seen += summarize(rs, rs->audited_by_hook, "audited");
	/* Each event taken is delivered, lost or limited (spec/audit.md). */
	if (stats) {
		if (st.events_lost)
			hb_log("%llu event%s not reported: the event buffer was full",
			       (unsigned long long)st.events_lost,
			       st.events_lost == 1 ? " was" : "s were");
		if (st.events_limited)
			hb_log("%llu event%s not reported: over the rate limit (--event-rate)",
			       (unsigned long long)st.events_limited,
			       st.events_limited == 1 ? " was" : "s were");
		missed = st.events_lost + st.events_limited;
		n = st.events_lost && rs->trace && rs->json ?
		    hb_event_json_lost(line, sizeof(line), st.events_lost, sandbox_id,
				       &rs->jctx) : 0;
		if (n > 0)
			hb_put_line(rs->trace_fd, line, (size_t)n);
		n = st.events_limited && rs->trace && rs->json ?
		    hb_event_json_limited(line, sizeof(line), st.events_limited, sandbox_id,
					  &rs->jctx) : 0;
		if (n > 0)
			hb_put_line(rs->trace_fd, line, (size_t)n);
	}
	if (a->fail_on_block && status == 0 && (seen || missed)) {
		hb_log("--fail-on-block: %llu action%s blocked or audited; exiting %d",
		       seen + missed, seen + missed == 1 ? " was" : "s were", a->fail_on_block);
		status = a->fail_on_block;
	}
	if (rs->summary_fd >= 0)
		write_summary(rs, sandbox_id, missed, wstatus, status);
	pthread_mutex_unlock(&rs->lock);
	return status;
}

/*
 * --trace-file and --summary-json, opened as the command's user before
 * anything starts (the files are theirs, and root writes nowhere they
 * could not), never through a symlink (the last component), never
 * blocking on a FIFO without a reader; not inherited by the command.
 */
int hb_run_open_outputs(const struct hb_run_args *a, const struct hb_creds *c,
			struct run_state *rs)
{
	if (a->trace_file) {
		rs->trace_fd = hb_open_stream_output(c, "--trace-file", a->trace_file, O_APPEND,
						     0600);
		if (rs->trace_fd < 0)
			return rs->trace_fd;
	}
	if (a->summary_json) {
		rs->summary_fd = hb_open_stream_output(c, "--summary-json", a->summary_json,
						       O_TRUNC, 0600);
		if (rs->summary_fd < 0)
			return rs->summary_fd;
	}
	return 0;
}
