/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The agent follows each policy's cgroup by path (spec/agent.md): the
 * BPF side (hb_cg_mkdir) confines a cgroup created again under a followed
 * path before it is visible; this side keeps the paths and their policies
 * in its maps, and completes each re-created cgroup's policy (its rules)
 * when the BPF side reports it.
 */
#ifndef HB_AGENT_FOLLOW_H
#define HB_AGENT_FOLLOW_H

#include <linux/types.h>
#include "agent_pins.h"
#include "obj.h"
#include "policy_dir.h"

/* Every path of @set fits the BPF side's key; else -ENAMETOOLONG, logged. */
int hb_follow_check(const struct hb_policy_set *set);

/*
 * Follows exactly @set's paths: each gets its policy (as the BPF side
 * copies it, with the guards @always: struct hb_policy_maps.always), paths no longer in @set are dropped, and ids[i] becomes the
 * id the path names now (ids[i] comes in as the id resolved before).
 */
int hb_follow_set(const struct hb_follow_maps *f, __u32 always, const char *cgroot,
		  const struct hb_policy_set *set, __u64 *ids);

/* Whether @id is the cgroup a followed path names now (keep its policy). */
bool hb_follow_current(const struct hb_follow_maps *f, __u64 id);

/*
 * A record of hb_cg_events: writes the whole policy (rules, then entry)
 * for the new cgroup if the path still names it, removes the policy of
 * the cgroup the path named before, and keeps ids[] current.
 */
void hb_follow_event(const struct hb_policy_maps *m, const struct hb_follow_maps *f,
		     const struct hb_policy_set *set, __u64 *ids,
		     const struct hb_cg_event *ev);

#endif
