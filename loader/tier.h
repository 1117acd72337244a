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
#include <stddef.h>
#include <linux/types.h>
#include "guard.h"
#include "probe.h"

struct hb_tiers {
	union {
		enum hb_tier mech[HB_GUARD_KIND_MAX]; /* by guard (the guard table's order) */
		/*
		 * The same by name, for code about one guard (run's -v lines,
		 * its Landlock and seccomp plans, unseen.c).
		 */
		struct {
			enum hb_tier net, fs, exec, native, env, tamper;
		};
	};
	__u32 unenforced; /* HB_GUARD_* let through by --allow-partial */
	int unix_connect; /* tier B: attach type numbers of the cgroup unix hooks */
	int unix_sendmsg;
	int landlock_abi; /* the kernel's Landlock ABI, 0 if none */
};

#define HB_TIERS_AT(field, kind) \
	_Static_assert(offsetof(struct hb_tiers, field) == \
		       offsetof(struct hb_tiers, mech[kind]), "hb_tiers." #field)
HB_TIERS_AT(net, HB_GUARD_KIND_NETWORK);
HB_TIERS_AT(fs, HB_GUARD_KIND_FS);
HB_TIERS_AT(exec, HB_GUARD_KIND_EXEC);
HB_TIERS_AT(native, HB_GUARD_KIND_NATIVE);
HB_TIERS_AT(env, HB_GUARD_KIND_ENV);
HB_TIERS_AT(tamper, HB_GUARD_KIND_SEAL);
#undef HB_TIERS_AT

/* The tier of the guard of @bit (one HB_GUARD_* bit); HB_TIER_NONE for no guard. */
enum hb_tier hb_tier_of(const struct hb_tiers *t, __u32 bit);

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

/*
 * Tier B's choice, the one rule for run, the agent and its client: each
 * guard of @guards on its tier B mechanism if it is here (@cgroup_b: the
 * cgroup programs work; t->landlock_abi has what the guard needs), set in
 * t->mech. Returns the guards that have none.
 */
__u32 hb_tier_b_assign(__u32 guards, bool cgroup_b, struct hb_tiers *t);

/*
 * Whether an --allow-exec list can be kept: not on Landlock, where
 * allowing one dynamically linked program allows the dynamic loader,
 * which runs any program (spec/tiers.md).
 */
bool hb_tier_b_keeps_exec_list(const struct hb_tiers *t);
#define HB_TIER_EXEC_LIST_WHY "without BPF-LSM, allowing one program allows the dynamic loader, " \
			      "which runs any program"

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
