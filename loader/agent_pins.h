/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The host-wide agent's one BPF object (spec/agent.md): loaded, attached
 * and pinned once under <bpffs>/hermetic-bpf-agent/, or found there again
 * by a later agent. The pins keep it enforcing when no agent runs.
 */
#ifndef HB_AGENT_PINS_H
#define HB_AGENT_PINS_H

#include <limits.h>
#include <stdbool.h>
#include "obj.h"
#include "ring_pool.h"

/* Not below <bpffs>/hermetic-bpf/, whose entries gc removes. */
#define HB_AGENT_PIN_DIR "hermetic-bpf-agent"

struct hermetic;

/* The maps by which the agent follows its cgroups' paths (hb_cg_mkdir). */
struct hb_follow_maps {
	int paths;  /* hb_cg_paths: path -> policy, written by the agent */
	int ids;    /* hb_cg_ids: path -> the cgroup's id now, by the BPF side */
	int events; /* hb_cg_events: the ring of re-creations */
};

struct hb_agent_obj {
	struct hermetic *skel;      /* loaded by this process, or NULL if restored */
	struct hb_policy_maps maps; /* descriptors; ours to close when restored */
	int events;                 /* the ring buffer's descriptor */
	int rings;                  /* hb_event_rings: warm runs' own rings */
	int ring_owners;            /* hb_ring_owners: who reads which */
	struct hb_follow_maps follow;
	char dir[PATH_MAX];         /* the pin directory */
	enum hb_tier tier;          /* HB_TIER_A: BPF-LSM; HB_TIER_B: cgroup-bpf at the root */
	bool restored;              /* found pinned: no second copy loaded */
	int lock;                   /* the pin directory, flock()ed by a running agent */
	int use_lock;               /* a borrower's shared lock (hb_agent_obj_borrow) */
};

/*
 * Re-opens the pinned object, or loads, attaches and pins a new one on
 * the tier @t says the network guard has here (BPF-LSM: every guard the
 * agent serves; cgroup-bpf: tier B's, spec/agent.md). Some pins there but
 * not all: -EEXIST, after saying which is missing (never a silent gap);
 * pins of the other tier: -EPROTO; another agent running: -EBUSY.
 * Returns 0 or -errno, having logged why.
 */
int hb_agent_obj_open(struct hb_agent_obj *ag, const struct hb_tiers *t);

/*
 * Re-opens the pinned object only (hermetic-bpf status): -ENOENT when
 * nothing is pinned (or no bpffs is mounted), else as hb_agent_obj_open().
 */
int hb_agent_obj_find(struct hb_agent_obj *ag);

/*
 * As hb_agent_obj_find(), for a `run` that may use the pinned object
 * instead of loading its own (a warm run): why it cannot is only said
 * with -v, since the run then loads its own. Until hb_agent_obj_release()
 * (or close), `--unload` waits: it must see the run's policy, or the run
 * must not find the programs.
 */
int hb_agent_obj_borrow(struct hb_agent_obj *ag);

/* The borrower's policy is in the maps (or never will be): --unload may go on. */
void hb_agent_obj_release(struct hb_agent_obj *ag);

/* Warm runs' rings (ring_pool.h): their slots, kept ones pinned in @ag's directory. */
static inline struct hb_ring_pool hb_agent_obj_rings(const struct hb_agent_obj *ag)
{
	return (struct hb_ring_pool){ ag->rings, ag->ring_owners, ag->dir };
}

/* Why the agent's object cannot serve @cfg, or NULL if it can. */
const char *hb_agent_cannot_serve(const struct hb_sandbox_config *cfg);

/* Closes this process's descriptors; the pins (and enforcement) stay. */
void hb_agent_obj_close(struct hb_agent_obj *ag);

/*
 * Clears every policy but warm runs' and removes every pin: the programs
 * detach once the last descriptor is closed. While a warm run's policy is
 * left, the pins are only moved aside (retired): its programs stay
 * attached until the last such policy is gone (hb_agent_obj_collect_retired).
 * Nothing pinned is fine; a running agent: -EBUSY. Returns 0 or -errno.
 */
int hb_agent_obj_unload(void);

/*
 * For each retired object (an unloaded agent's, kept for warm runs):
 * @each (if set) sees it, then it is removed if no policy is left in it.
 * Returns how many were removed.
 */
int hb_agent_obj_collect_retired(void (*each)(const struct hb_agent_obj *ag, void *ctx),
				 void *ctx);

#endif
