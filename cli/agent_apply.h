/* SPDX-License-Identifier: GPL-2.0-only */
/* A policy set (cli/policy_dir.c) into the agent's maps. */
#ifndef HB_AGENT_APPLY_H
#define HB_AGENT_APPLY_H

#include <linux/types.h>
#include "agent_pins.h"
#include "obj.h"
#include "policy_dir.h"

/*
 * Makes the maps hold exactly @set: every cgroup is resolved (a missing
 * one is created, empty) before anything is written, so that a failure
 * leaves the previous policies as they were; then each path is followed
 * (agent_follow.h), each policy written (rules first) and the policies
 * of cgroups no longer in @set removed. @ids receives each policy's
 * cgroup id. Returns 0 or -errno, logged.
 */
int hb_agent_apply(const struct hb_policy_maps *m, const struct hb_follow_maps *f,
		   const char *cgroot, const struct hb_policy_set *set, __u64 *ids);

/* The policy entry a policy file's rules make (origin FILE). */
void hb_agent_policy(const struct hb_run_args *a, struct hb_policy *p);

/*
 * One policy of the agent's kind (network guard and seal) for cgroup @id,
 * written whole with @origin (HB_ORIGIN_*): rules first, then the entry;
 * --allow-ip rules it no longer has are removed after. 0 or -errno, logged.
 */
int hb_agent_write_policy(const struct hb_policy_maps *m, __u64 id, const struct hb_run_args *a,
			  __u32 origin);

#endif
