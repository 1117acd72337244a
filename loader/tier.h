/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Which kernel mechanism enforces each guard here: tier A (BPF-LSM) when it
 * works, else tier B (cgroup-bpf and seccomp for the network), else none,
 * and then the guard is refused.
 */
#ifndef HB_TIER_H
#define HB_TIER_H

#include <linux/types.h>

enum hb_tier {
	HB_TIER_NONE = 0,
	HB_TIER_A = 1, /* BPF-LSM */
	HB_TIER_B = 2, /* cgroup-bpf (+ seccomp for socket families) */
};

struct hb_tiers {
	enum hb_tier net;
	int unix_connect; /* tier B: attach type numbers of the cgroup unix hooks */
	int unix_sendmsg;
};

/*
 * Picks a mechanism for every guard in @guards. When one has none, logs
 * why (each tier's missing piece, with a hint) and returns -EOPNOTSUPP:
 * the caller must not run the command.
 */
int hb_tier_select(__u32 guards, struct hb_tiers *t);

/* "BPF-LSM", "cgroup-bpf", "nothing". */
const char *hb_tier_name(enum hb_tier tier);

#endif
