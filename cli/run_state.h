/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What `run` and its unprivileged client (cli/run_client.c) share: the
 * events and summary they print, signals passed on, the output files,
 * and the path rules resolved as the command's user.
 */
#ifndef HB_RUN_STATE_H
#define HB_RUN_STATE_H

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include "event_json.h"
#include "file_id.h"
#include "fs_rule.h"
#include "hermetic_abi.h"
#include "launch.h"
#include "run_args.h"
#include "sandbox.h"
#include "unix_rule.h"

/* Events come from the ring buffer (main thread) and the DNS proxy. */
struct run_state {
	pthread_mutex_t lock;
	bool trace;
	bool json;                /* --trace-format=json */
	int trace_fd;             /* --trace-file, or stderr */
	int summary_fd;           /* --summary-json, or -1 */
	struct hb_event_json_ctx jctx;
	char cgroup[96];          /* jctx.cgroup */
	unsigned long long by_hook[HB_HOOK_MAX];      /* blocked */
	unsigned long long audited_by_hook[HB_HOOK_MAX];
	unsigned long long by_guard[HB_GUARD_KIND_MAX];
	struct hb_event first[HB_SUMMARY_EVENTS]; /* for --summary-json */
	size_t n_first;
	hb_event_fn observe;      /* learn: sees every event too */
	void *observe_ctx;
	__u32 unseen;             /* HB_UNSEEN_*: kinds of denial it cannot report */
	bool judge_unix;          /* tier B: a connect to no socket is no block */
	const struct hb_creds *creds; /* the command's, for judge_unix */
	unsigned long long no_socket; /* connects judged so: not counted */
	char held[HB_EVENT_JSON_MAX]; /* the text trace's line waiting for repeats */
	unsigned long long held_n; /* how many times it came; 0: none held */
	__u64 held_at;            /* when it first came (CLOCK_MONOTONIC ns) */
};

/* Counts, prints (--trace) and keeps @ev (an hb_event_fn for struct run_state). */
int hb_run_on_event(void *ctx, const struct hb_event *ev);

/* Blocks SIGCHLD and the signals passed on to the command; @old gets the mask. */
void hb_run_block_signals(sigset_t *set, sigset_t *old);

/*
 * Reads one signal from @sfd (hb_run_block_signals()' set): passes it on
 * to @child, or reaps @child on SIGCHLD. 1 once @child has exited.
 */
int hb_run_signal(int sfd, pid_t child, int *wstatus);

/*
 * epoll_wait() on @ep until something is ready (EINTR retried): how many,
 * or -errno. Meanwhile writes @rs's held trace line when it is due.
 */
int hb_run_wait(int ep, struct epoll_event *got, int max, struct run_state *rs);

/*
 * Opens --trace-file and --summary-json as @c's user (the command's):
 * run as root and its unprivileged client alike. 0 or -errno, said.
 */
int hb_run_open_outputs(const struct hb_run_args *a, const struct hb_creds *c,
			struct run_state *rs);

/*
 * After the command: the summary lines, what @stats says was lost or
 * limited (NULL: unknown), the summary file. The exit status: @status,
 * or HB_EXIT_BLOCKED for --fail-on-block.
 */
int hb_run_report(struct run_state *rs, const struct hb_run_args *a, __u64 sandbox_id,
		  const struct hb_stats *stats, int wstatus, int status);

/*
 * A run without any guard (no flag, no profile, a policy file without
 * rules) is allowed, never silent: one warning line on stderr saying
 * what does (not) hold, @sealed if the sandbox is sealed all the same.
 */
void hb_run_warn_unguarded(const struct hb_run_args *a, bool sealed);

/* "run needs root", with the hint that a running agent allows runs without. */
void hb_run_needs_root(void);

/* `run` by a user, through the agent's socket (cli/run_client.c): the exit status. */
int hb_run_unprivileged(int argc, char **argv, const struct hb_run_args *a);

#endif
