/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Which kernel mechanism enforces each guard here: tier A (BPF-LSM) when it
 * works; else tier B where one exists (cgroup-bpf and seccomp for the
 * network); else none, and then the guard is refused, unless the user
 * accepted a partial sandbox (--allow-partial), and is told what is not
 * enforced.
 */
#ifndef HB_TIER_H
#define HB_TIER_H

#include <stdbool.h>
#include <linux/types.h>

enum hb_tier {
	HB_TIER_NONE = 0,
	HB_TIER_A = 1, /* BPF-LSM */
	HB_TIER_B = 2, /* cgroup-bpf (+ seccomp for socket families) */
};

struct hb_tiers {
	enum hb_tier net, exec, native, env, tamper, fs;
	__u32 unenforced; /* HB_GUARD_* let through by --allow-partial */
	int unix_connect; /* tier B: attach type numbers of the cgroup unix hooks */
	int unix_sendmsg;
};

/*
 * Picks a mechanism for every guard in @guards (HB_GUARD_TAMPER among
 * them when the command runs as root, whose sandbox must be sealed).
 * When one has none: without @allow_partial, logs why (each tier's
 * missing piece, with a hint) and returns -EOPNOTSUPP, and the caller must
 * not run the command; with it, warns and records it in t->unenforced.
 */
int hb_tier_select(__u32 guards, bool allow_partial, struct hb_tiers *t);

/* "BPF-LSM", "cgroup-bpf", "nothing". */
const char *hb_tier_name(enum hb_tier tier);

#endif
