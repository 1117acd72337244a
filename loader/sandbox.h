/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One sandbox: its cgroup, the BPF programs that enforce its policy,
 * their pins, its rules and the event stream. Opening either yields a
 * cgroup whose policy is live, or nothing at all.
 */
#ifndef HB_SANDBOX_H
#define HB_SANDBOX_H

#include <limits.h>
#include <stddef.h>
#include "cgroup.h"
#include "hermetic_abi.h"
#include "obj.h"
#include "probe.h"
#include "ring_pass.h"
#include "ring_pool.h"

struct hermetic;
struct ring_buffer;
struct hb_agent_obj;
struct hb_tierb_progs;

/* Called for each event; a negative return stops the consumer. */
typedef int (*hb_event_fn)(void *ctx, const struct hb_event *ev);

struct hb_sandbox {
	struct hermetic *skel;  /* its own programs, or NULL (none, or warm) */
	struct hb_agent_obj *agent; /* a warm sandbox's: the agent's programs */
	struct hb_tierb_progs *tierb; /* tier B's: the boot's shared programs */
	struct hb_policy_maps maps; /* where its policy is, if it has one */
	struct hb_ring_pool rings; /* a shared object's rings (warm, tier B) */
	struct hb_ring_claim ring; /* this sandbox's among them; fd -1 if none */
	unsigned int rule_kinds; /* the shared rule maps its policy wrote to (HB_RULES_*) */
	struct ring_buffer *rb;
	struct hb_ring_pass pass; /* rb read a pass at a time (ring_pass.h) */
	struct hb_cgroup cg;
	char pin_dir[PATH_MAX]; /* "" until links are pinned */
	hb_event_fn on_event;
	void *ctx;
	/*
	 * hb_sandbox_open() failed because BPF-LSM's programs do not load or
	 * attach here at all (the probe says why): hb_tier_select_without_lsm().
	 */
	int lsm_err;
	struct hb_probe_failure lsm_why;
};

/*
 * With @agent (the agent's pinned object, hb_agent_obj_borrow()) and a
 * @cfg it can serve, the sandbox is warm: its policy goes into the
 * agent's maps, its events into a ring of its own, and nothing is loaded.
 * Otherwise it loads its own programs. @agent stays the caller's.
 */
int hb_sandbox_open(struct hb_sandbox *sb, const struct hb_sandbox_config *cfg,
		    struct hb_agent_obj *agent, hb_event_fn on_event, void *ctx);

/* Whether the sandbox uses the agent's programs. */
static inline bool hb_sandbox_is_warm(const struct hb_sandbox *sb)
{
	return sb->agent != NULL;
}

/* A descriptor that turns readable when events wait, or -1. */
int hb_sandbox_events_fd(const struct hb_sandbox *sb);

/*
 * Hands waiting events to on_event, one pass (ring_pass.h): 0, 1 if
 * more wait (the events descriptor stays readable), or -errno.
 */
int hb_sandbox_drain(struct hb_sandbox *sb);

/*
 * At the sandbox's end: what is left in it killed (hb_sandbox_close would
 * kill it next), then passes until nothing waits (at most HB_DRAIN_PASSES
 * rings' worth).
 */
int hb_sandbox_drain_all(struct hb_sandbox *sb);


/* The sandbox's counters (zero when no programs are loaded). */
int hb_sandbox_stats(const struct hb_sandbox *sb, struct hb_stats *out);

/*
 * Kills what is left in the cgroup, then removes the policy, programs,
 * pins and cgroup. If the cgroup cannot be emptied, enforcement stays
 * pinned for `hermetic-bpf gc` and an error is returned.
 */
int hb_sandbox_close(struct hb_sandbox *sb);

#endif
