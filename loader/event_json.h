/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Events as JSON (spec/events.md, schema 1): one object per event, one
 * line each. Every string an event carries is untrusted and goes through
 * hb_json_str_n(), so no comm or path can end a string, a field or a line.
 */
#ifndef HB_EVENT_JSON_H
#define HB_EVENT_JSON_H

#include <stddef.h>
#include <stdio.h>
#include "guard.h"
#include "hermetic_abi.h"

#define HB_EVENT_SCHEMA 1

/*
 * Which guard denied (its row's name is the event's "guard"): from the
 * hook, and where one hook serves two guards, from what the event says
 * (exec: the reason; ptrace: attach or read).
 */
enum hb_guard_kind hb_event_guard(const struct hb_event *ev);

/* What every line of one run shares. */
struct hb_event_json_ctx {
	/*
	 * CLOCK_REALTIME minus CLOCK_MONOTONIC, taken once at start: events
	 * carry monotonic times (bpf_ktime_get_ns()), lines carry wall time.
	 */
	long long clock_offset_ns;
	const char *cgroup; /* the sandbox's cgroup, as /proc/PID/cgroup says
			     * it ("/hermetic-bpf/run-..."), or NULL */
	const char *exe;    /* the event's process's executable, or NULL (set
			     * per event by the caller: see hb_event_exe()) */
	const char *host;   /* the host's name (the agent's events), or NULL */
};

/*
 * The executable of @ev's process, read from /proc/TGID/exe while the
 * event is handled (best effort: "" if the process is gone; it may have
 * exec'd since). The kernel side cannot name it from every hook.
 */
void hb_event_exe(const struct hb_event *ev, char *buf, size_t len);

/* Reads both clocks for @ctx->clock_offset_ns. */
void hb_event_json_clock(struct hb_event_json_ctx *ctx);

/* "2026-11-27T02:52:20.123456789Z" for monotonic @ts_ns (31 bytes). */
void hb_event_json_time(const struct hb_event_json_ctx *ctx, unsigned long long ts_ns,
			char *buf, size_t len);

/* One event as a JSON object, without a newline. */
void hb_event_json_write(FILE *f, const struct hb_event *ev,
			 const struct hb_event_json_ctx *ctx);

/*
 * One event as one line ("{...}\n") in @buf, terminated. Returns its length,
 * or -ENOSPC (nothing usable in @buf) if it did not fit. A line needs at
 * most HB_EVENT_JSON_MAX bytes.
 */
#define HB_EVENT_JSON_MAX 4096
int hb_event_json_line(char *buf, size_t len, const struct hb_event *ev,
		       const struct hb_event_json_ctx *ctx);

/* {"schema":1,"type":"lost",...,"count":N}\n, for events the kernel dropped. */
int hb_event_json_lost(char *buf, size_t len, unsigned long long count,
		       unsigned long long sandbox_id, const struct hb_event_json_ctx *ctx);

/* The same for events the rate limit held back (type "limited"). */
int hb_event_json_limited(char *buf, size_t len, unsigned long long count,
			  unsigned long long sandbox_id, const struct hb_event_json_ctx *ctx);

/* What --summary-json reports at exit (spec/events.md). */
#define HB_SUMMARY_EVENTS 20

struct hb_event_json_summary {
	unsigned long long sandbox_id;
	int command_status; /* its exit code, or 128+N */
	int signal;         /* N if signal N killed it, else 0 */
	int exit_status;    /* what run exits with */
	unsigned long long by_hook[HB_HOOK_MAX]; /* HB_HOOK_NONE: unknown hooks */
	unsigned long long by_guard[HB_GUARD_KIND_MAX];
	unsigned long long events_lost;
	const struct hb_event *events; /* the first ones, at most HB_SUMMARY_EVENTS */
	size_t n_events;
	__u32 unseen;       /* HB_UNSEEN_*: kinds of denial not in these counts */
	unsigned long long no_socket; /* tier B unix connects to no socket */
};

/* The summary as one object and a newline. */
void hb_event_json_summary(FILE *f, const struct hb_event_json_summary *s,
			   const struct hb_event_json_ctx *ctx);

#endif
