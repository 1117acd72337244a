/* SPDX-License-Identifier: GPL-2.0-only */
/* One cgroup's policy in the agent's maps, from its rules. */
#ifndef HB_AGENT_POLICY_H
#define HB_AGENT_POLICY_H

#include <linux/types.h>
#include "obj.h"
#include "rules.h"

/*
 * The policy entry the agent writes for @r, from @origin (HB_ORIGIN_*),
 * with the guards @always (struct hb_policy_maps.always: sealed on BPF-LSM).
 */
void hb_agent_policy(const struct hb_rules *r, __u32 origin, __u32 always,
		     struct hb_policy *p);

/*
 * One policy of the agent's kind for cgroup @id (@cgroup below the
 * cgroup2 root, "/a/b"), written whole with
 * @origin (HB_ORIGIN_*): rules first, then the entry; --allow-ip rules
 * and subtrees it no longer has are removed after. 0 or -errno, logged.
 */
int hb_agent_write_policy(const struct hb_policy_maps *m, __u64 id, const char *cgroup,
			  const struct hb_rules *r, __u32 origin);

#endif
