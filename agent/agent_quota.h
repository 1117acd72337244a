/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Per-user quotas on what CONFINE sandboxes hold of the agent's shared
 * maps (spec/agent-socket.md, "Quotas"): any local user may ask for sandboxes,
 * and their rules share the maps with root's warm runs and the agent's
 * policies. Root is never limited.
 */
#ifndef HB_AGENT_QUOTA_H
#define HB_AGENT_QUOTA_H

#include <stddef.h>
#include <sys/types.h>

/* The rule maps a sandbox fills, in struct hb_quota_use's order. */
enum { HB_QUOTA_NET, HB_QUOTA_UNIX, HB_QUOTA_EXEC, HB_QUOTA_FS, HB_QUOTA_BIND, HB_QUOTA_MAPS };

struct hb_quota_use {
	size_t sandboxes;
	size_t rules[HB_QUOTA_MAPS];
};

/* Live CONFINE sandboxes one user may hold. */
#define HB_QUOTA_SANDBOXES 8

/*
 * One user may hold 1/8 of each rule map, users together 3/8: root's
 * runs and the agent's own policies always keep 5/8, the majority,
 * whatever the users ask for.
 */
#define HB_QUOTA_USER(size) ((size) / 8)
#define HB_QUOTA_USERS(size) ((size) / 8 * 3)

/*
 * Whether a user of @uid, whose live sandboxes hold @mine while all
 * users' hold @users (@mine included), may have one more sandbox holding
 * @want. 0, or -EDQUOT with the limit named in @text.
 */
int hb_quota_check(uid_t uid, const struct hb_quota_use *mine,
		   const struct hb_quota_use *users, const struct hb_quota_use *want,
		   char *text, size_t len);

#endif
