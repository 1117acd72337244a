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
#include "probe.h"

enum hb_tier {
	HB_TIER_NONE = 0,
	HB_TIER_A = 1,        /* BPF-LSM */
	HB_TIER_B = 2,        /* network: cgroup-bpf (+ seccomp for socket families) */
	HB_TIER_LANDLOCK = 3, /* files and exec, tier B: Landlock */
};

struct hb_tiers {
	enum hb_tier net, exec, native, env, tamper, fs;
	__u32 unenforced; /* HB_GUARD_* let through by --allow-partial */
	int unix_connect; /* tier B: attach type numbers of the cgroup unix hooks */
	int unix_sendmsg;
	int landlock_abi; /* the kernel's Landlock ABI, 0 if none */
};

/* Why the mechanisms that were probed failed: BPF-LSM, then tier B's. */
struct hb_tier_why {
	struct hb_probe_failure lsm, cgroup, landlock;
};

/*
 * Probes the mechanisms for @guards into @t (without BPF-LSM, tier B's for
 * the guards that have one). Returns the guards left without one; @why
 * says why. Logs nothing but -v lines.
 */
__u32 hb_tier_probe(__u32 guards, struct hb_tiers *t, struct hb_tier_why *why);

/* Tier B's failure for @guard (one HB_GUARD_* bit), or NULL if it has none. */
const struct hb_probe_failure *hb_tier_why_not(const struct hb_tier_why *why, __u32 guard);

/* Each guard: its bit, a short name ("network", "fs"), what users call it. */
struct hb_guard_name {
	__u32 guard;
	const char *name;
	const char *what;
};

/* Every guard, ending with a zeroed entry. */
extern const struct hb_guard_name hb_guard_names[];

/*
 * Picks a mechanism for every guard in @guards (HB_GUARD_TAMPER among
 * them when the command runs as root, whose sandbox must be sealed).
 * BPF-LSM is taken when it is listed and the kernel has BTF: whether its
 * programs load is told by the sandbox's own (loader/sandbox.h).
 * When one has none: without @allow_partial, logs why (each tier's
 * missing piece, with a hint) and returns -EOPNOTSUPP, and the caller must
 * not run the command; with it, warns and records it in t->unenforced.
 */
int hb_tier_select(__u32 guards, bool allow_partial, struct hb_tiers *t);

/*
 * hb_tier_select() again once BPF-LSM, listed here, failed to load or
 * attach a sandbox's programs with @err, and hb_probe_bpf_lsm() said why
 * (@f): what the probe would have chosen (tier B, or the same refusal).
 */
int hb_tier_select_without_lsm(int err, const struct hb_probe_failure *f, __u32 guards,
			       bool allow_partial, struct hb_tiers *t);

/* Every guard on BPF-LSM: what a successful probe finds. */
void hb_tier_lsm(struct hb_tiers *t);

/*
 * What every tier B sandbox's Landlock domain keeps inside on Landlock
 * ABI @abi (0: none), one phrase for run -v and doctor (spec/tiers.md).
 */
const char *hb_tier_b_scope(int abi);

/* "BPF-LSM", "cgroup-bpf", "Landlock", "nothing". */
const char *hb_tier_name(enum hb_tier tier);

#endif
