// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "hermetic_abi.h"
#include "landlock.h"
#include "log.h"
#include "probe.h"
#include "tier.h"

const char *hb_tier_name(enum hb_tier tier)
{
	switch (tier) {
	case HB_TIER_A:
		return "BPF-LSM";
	case HB_TIER_B:
		return "cgroup-bpf";
	case HB_TIER_LANDLOCK:
		return "Landlock";
	default:
		return "nothing";
	}
}

/*
 * Tier B on cgroup-bpf (the network guard) needs the cgroup hooks for
 * unix sockets (Linux 6.7): without them a unix socket to a host daemon
 * would be a way out. And a Landlock domain (any ABI): without one the
 * command could ptrace a process of its user outside the sandbox and
 * connect through it.
 */
static int probe_cgroup_b(struct hb_tiers *t, struct hb_tier_why *why)
{
	struct hb_probe_failure *f = &why->cgroup;
	int err = hb_probe_cgroup_bpf(f);

	if (err)
		return err;
	t->unix_connect = hb_probe_attach_type(HB_CGROUP_UNIX_CONNECT);
	t->unix_sendmsg = hb_probe_attach_type(HB_CGROUP_UNIX_SENDMSG);
	if (t->unix_connect < 0 || t->unix_sendmsg < 0) {
		snprintf(f->what, sizeof(f->what),
			 "cgroup-bpf on this kernel has no hooks for unix sockets (Linux 6.7 or later)");
		f->hint[0] = '\0';
		return -EOPNOTSUPP;
	}
	if (!t->landlock_abi) {
		snprintf(f->what, sizeof(f->what), "no Landlock to keep ptrace inside the "
			 "sandbox: %.*s", (int)sizeof(f->what) - 48, why->landlock.what);
		memcpy(f->hint, why->landlock.hint, sizeof(f->hint));
		return -EOPNOTSUPP;
	}
	return 0;
}

/*
 * Landlock: every tier B sandbox's domain (its ABI is recorded); and, for
 * a guard of @guards whose tier B it is but whose ABI is too old, why.
 */
static void probe_landlock(__u32 guards, struct hb_tiers *t, struct hb_tier_why *why)
{
	int abi = hb_probe_landlock(HB_LANDLOCK_ABI_EXEC, &why->landlock);

	t->landlock_abi = abi > 0 ? abi : 0;
	hb_for_each_guard(g) {
		if (g->tier_b == HB_TIER_LANDLOCK && (guards & g->bit) && abi > 0 &&
		    abi < g->landlock_abi)
			hb_probe_landlock(g->landlock_abi, &why->landlock);
	}
}

__u32 hb_tier_b_assign(__u32 guards, bool cgroup_b, struct hb_tiers *t)
{
	__u32 missing = 0;

	hb_for_each_guard(g) {
		enum hb_guard_kind k = hb_guard_kind(g);

		if (!(guards & g->bit))
			continue;
		if ((g->tier_b == HB_TIER_B && cgroup_b) ||
		    (g->tier_b == HB_TIER_LANDLOCK && t->landlock_abi >= g->landlock_abi)) {
			t->mech[k] = g->tier_b;
			hb_debug("tier B (%s) enforces %s", hb_tier_name(g->tier_b), g->what);
		} else {
			missing |= g->bit;
		}
	}
	return missing;
}

bool hb_tier_b_keeps_exec_list(const struct hb_tiers *t)
{
	return t->exec != HB_TIER_LANDLOCK;
}

const char *hb_tier_b_scope(int abi)
{
	if (abi >= HB_LANDLOCK_ABI_SCOPE)
		return "no ptrace, signals or abstract unix sockets to processes outside the "
		       "sandbox";
	if (abi > 0)
		return "no ptrace of processes outside the sandbox; signals are not scoped "
		       "(Landlock ABI 6, Linux 6.12): the command can signal, and reach the "
		       "abstract unix sockets of, its user's processes outside";
	return "no Landlock domain: the command can ptrace and signal its user's processes "
	       "outside the sandbox";
}

/*
 * How BPF-LSM is asked: whether a program of ours loads (doctor), only its
 * listed layers (run: its own load is the last, loader/sandbox.c), or
 * known to have failed so (run again, without it).
 */
enum lsm_probe { LSM_LOAD, LSM_LISTED, LSM_KNOWN };

struct lsm_known {
	int err;
	const struct hb_probe_failure *f;
};

static int probe_lsm(enum lsm_probe how, const struct lsm_known *known,
		     struct hb_probe_failure *f)
{
	if (how == LSM_KNOWN) {
		*f = *known->f;
		return known->err;
	}
	return how == LSM_LOAD ? hb_probe_bpf_lsm(f) : hb_probe_bpf_lsm_listed(f);
}

static __u32 probe(__u32 guards, struct hb_tiers *t, struct hb_tier_why *why,
		   enum lsm_probe how, const struct lsm_known *known)
{
	bool cgroup_b = false;
	int err;

	memset(t, 0, sizeof(*t));
	memset(why, 0, sizeof(*why));
	t->unix_connect = t->unix_sendmsg = -1;
	if (!guards)
		return 0;
	/* No cgroup, no sandbox: every mechanism needs one. */
	if (hb_probe_cgroup2(&why->lsm))
		return guards;
	err = probe_lsm(how, known, &why->lsm);
	if (!err) {
		hb_tier_lsm(t);
		return 0;
	}
	/*
	 * BPF-LSM is here, only busy: no tier B then, or what is enforced
	 * would change from one run to the next with the host's load.
	 */
	if (err == -E2BIG)
		return guards;
	hb_debug("tier A (BPF-LSM) unavailable: %s", why->lsm.what);
	probe_landlock(guards, t, why);
	/* cgroup-bpf is probed only for a guard it would enforce. */
	hb_for_each_guard(g) {
		if (g->tier_b == HB_TIER_B && (guards & g->bit)) {
			cgroup_b = !probe_cgroup_b(t, why);
			break;
		}
	}
	return hb_tier_b_assign(guards, cgroup_b, t);
}

__u32 hb_tier_probe(__u32 guards, struct hb_tiers *t, struct hb_tier_why *why)
{
	return probe(guards, t, why, LSM_LOAD, NULL);
}

void hb_tier_lsm(struct hb_tiers *t)
{
	int abi = hb_landlock_abi();

	memset(t, 0, sizeof(*t));
	t->unix_connect = t->unix_sendmsg = -1;
	for (int k = 0; k < HB_GUARD_KIND_MAX; k++)
		t->mech[k] = hb_guards[k].tier_a;
	t->landlock_abi = abi > 0 ? abi : 0;
}

enum hb_tier hb_tier_of(const struct hb_tiers *t, __u32 bit)
{
	const struct hb_guard *g = hb_guard_by_bit(bit);

	return g ? t->mech[hb_guard_kind(g)] : HB_TIER_NONE;
}

const struct hb_probe_failure *hb_tier_why_not(const struct hb_tier_why *why, __u32 guard)
{
	const struct hb_guard *g = hb_guard_by_bit(guard);
	const struct hb_probe_failure *f = NULL;

	if (g && g->tier_b == HB_TIER_B)
		f = &why->cgroup;
	else if (g && g->tier_b == HB_TIER_LANDLOCK)
		f = &why->landlock;
	return f && f->what[0] ? f : NULL;
}

static int select_tiers(__u32 guards, bool allow_partial, struct hb_tiers *t,
			enum lsm_probe how, const struct lsm_known *known)
{
	struct hb_tier_why why;
	__u32 missing = probe(guards, t, &why, how, known);

	if (!missing)
		return 0;
	if (!allow_partial)
		hb_log("cannot enforce here:");
	hb_for_each_guard(g) {
		const struct hb_probe_failure *b = hb_tier_why_not(&why, g->bit);

		if (!(missing & g->bit))
			continue;
		hb_log("%s%s: not enforced%s%s", allow_partial ? "warning: " : "  ",
		       g->what, b ? "; without BPF-LSM: " : "", b ? b->what : "");
	}
	if (allow_partial) {
		hb_log("warning: running anyway (--allow-partial): %s", why.lsm.what);
		t->unenforced = missing;
		return 0;
	}
	/* Only the seal of a root command is missing: --user fixes this run. */
	if (missing == HB_GUARD_TAMPER) {
		hb_hint("run COMMAND as a user, which tier B seals: --user USER, or sudo "
			"from a user's shell (or enable BPF-LSM: hermetic-bpf doctor)");
		return -EOPNOTSUPP;
	}
	hb_probe_failure_log(&why.lsm);
	hb_for_each_guard(g) {
		const struct hb_probe_failure *b = hb_tier_why_not(&why, g->bit);

		if ((missing & g->bit) && b && b->hint[0] && strcmp(b->hint, why.lsm.hint))
			hb_hint("%s", b->hint);
	}
	return -EOPNOTSUPP;
}

int hb_tier_select(__u32 guards, bool allow_partial, struct hb_tiers *t)
{
	return select_tiers(guards, allow_partial, t, LSM_LISTED, NULL);
}

int hb_tier_select_without_lsm(int err, const struct hb_probe_failure *f, __u32 guards,
			       bool allow_partial, struct hb_tiers *t)
{
	struct lsm_known known = { .err = err, .f = f };

	return select_tiers(guards, allow_partial, t, LSM_KNOWN, &known);
}
