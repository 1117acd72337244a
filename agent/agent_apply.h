/* SPDX-License-Identifier: GPL-2.0-only */
/* A policy set (agent/policy_dir.c) into the agent's maps. */
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

/*
 * Writes again each policy of @set (cgroup ids @ids) that names an
 * allow-unix socket: the sockets are looked up afresh, the rules of
 * sockets no longer there removed (agent/unix_watch.h). 0 or the first
 * -errno, logged; the other policies are written all the same.
 */
int hb_agent_refresh_unix(const struct hb_policy_maps *m, const struct hb_policy_set *set,
			  const __u64 *ids);

#endif
