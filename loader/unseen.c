// SPDX-License-Identifier: GPL-2.0-only
#include <stdio.h>
#include <string.h>
#include "hermetic_abi.h"
#include "unseen.h"

const struct hb_unseen_name hb_unseen_names[] = {
	{ HB_UNSEEN_FS, "fs", "filesystem denials (Landlock)" },
	{ HB_UNSEEN_SCOPE, "scope",
	  "ptrace of processes outside, and on Landlock ABI 6+ signals and abstract unix "
	  "sockets to them (Landlock)" },
	{},
};

/*
 * Tier A's hooks report every denial. Tier B's Landlock has no report to
 * give us (its audit records, Linux 6.15, need audit enabled host-wide,
 * which run must not do). Tier B's seccomp denials are seen: they wait
 * for the launcher's listener (user notification, Linux 5.0, older than
 * any Landlock), which answers and reports them; so are the packets the
 * cgroup_skb programs drop, through the event ring.
 */
__u32 hb_unseen(__u32 guards, const struct hb_tiers *t)
{
	__u32 kinds = 0;

	if (!guards || t->tamper == HB_TIER_A)
		return 0;
	if (t->landlock_abi)
		kinds |= HB_UNSEEN_SCOPE;
	if ((guards & HB_GUARD_FS) && t->fs == HB_TIER_LANDLOCK)
		kinds |= HB_UNSEEN_FS;
	return kinds;
}

void hb_unseen_list(__u32 kinds, char *buf, size_t len)
{
	size_t n = 0;

	if (len)
		buf[0] = '\0';
	for (const struct hb_unseen_name *k = hb_unseen_names; k->kind && n < len; k++) {
		int w;

		if (!(kinds & k->kind))
			continue;
		w = snprintf(buf + n, len - n, "%s%s", n ? "; " : "", k->what);
		if (w < 0)
			break;
		n += (size_t)w;
	}
}
