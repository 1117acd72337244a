// SPDX-License-Identifier: GPL-2.0-only
/*
 * The per-user quotas (agent_quota.h): checked before a sandbox is made,
 * so a refused request writes nothing; what a sandbox holds is counted
 * until it ends (agent_confine.c keeps it with the connection).
 */
#include <errno.h>
#include <stdio.h>
#include "agent_quota.h"
#include "hermetic_abi.h"

static const struct {
	const char *map, *what;
	size_t size;
} maps[HB_QUOTA_MAPS] = {
	[HB_QUOTA_NET] = { "hb_net_rules", "--allow-ip rules", HB_MAX_NET_RULES },
	[HB_QUOTA_UNIX] = { "hb_unix_rules", "--allow-unix rules", HB_MAX_UNIX_RULES },
	[HB_QUOTA_EXEC] = { "hb_exec_rules", "--allow-exec rules", HB_MAX_EXEC_RULES },
	[HB_QUOTA_FS] = { "hb_fs_subtrees", "filesystem rules (--allow-write, with the mounts "
			  "below it)", HB_MAX_FS_RULES },
	[HB_QUOTA_BIND] = { "hb_bind_rules", "--allow-bind rules", HB_MAX_BIND_RULES },
};

int hb_quota_check(uid_t uid, const struct hb_quota_use *mine,
		   const struct hb_quota_use *users, const struct hb_quota_use *want,
		   char *text, size_t len)
{
	if (uid == 0)
		return 0;
	if (mine->sandboxes + 1 > HB_QUOTA_SANDBOXES) {
		snprintf(text, len, "quota: uid %u has %zu live sandboxes, the most one user "
			 "may hold at once", uid, mine->sandboxes);
		return -EDQUOT;
	}
	if (users->sandboxes + 1 > HB_QUOTA_USERS(HB_MAX_SANDBOXES)) {
		snprintf(text, len, "quota: users hold %zu live sandboxes, the most users may "
			 "hold together (the rest of hb_policies is root's)", users->sandboxes);
		return -EDQUOT;
	}
	for (int i = 0; i < HB_QUOTA_MAPS; i++) {
		size_t one = HB_QUOTA_USER(maps[i].size), all = HB_QUOTA_USERS(maps[i].size);

		if (mine->rules[i] + want->rules[i] > one) {
			snprintf(text, len, "quota: uid %u's live sandboxes would hold %zu %s; one "
				 "user may hold at most %zu of %s's %zu entries", uid,
				 mine->rules[i] + want->rules[i], maps[i].what, one, maps[i].map,
				 maps[i].size);
			return -EDQUOT;
		}
		if (users->rules[i] + want->rules[i] > all) {
			snprintf(text, len, "quota: users' live sandboxes would hold %zu %s; users "
				 "together may hold at most %zu of %s's %zu entries (the rest is "
				 "root's)", users->rules[i] + want->rules[i], maps[i].what, all,
				 maps[i].map, maps[i].size);
			return -EDQUOT;
		}
	}
	return 0;
}
