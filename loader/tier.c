// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "hermetic_abi.h"
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
	default:
		return "nothing";
	}
}

/*
 * Tier B's network guard needs the cgroup hooks for unix sockets (Linux
 * 6.7): without them a unix socket to a host daemon would be a way out.
 */
static int select_net_b(struct hb_tiers *t, struct hb_probe_failure *f)
{
	int err = hb_probe_cgroup_bpf(f);

	if (err)
		return err;
	t->unix_connect = hb_probe_attach_type("BPF_CGROUP_UNIX_CONNECT");
	t->unix_sendmsg = hb_probe_attach_type("BPF_CGROUP_UNIX_SENDMSG");
	if (t->unix_connect < 0 || t->unix_sendmsg < 0) {
		snprintf(f->what, sizeof(f->what),
			 "cgroup-bpf on this kernel has no hooks for unix sockets (Linux 6.7 or later)");
		f->hint[0] = '\0';
		return -EOPNOTSUPP;
	}
	t->net = HB_TIER_B;
	return 0;
}

/* What a guard is called, and what it lacks without BPF-LSM. */
static const struct {
	__u32 guard;
	const char *what;
} without_lsm[] = {
	{ HB_GUARD_NET, "the network guard" },
	{ HB_GUARD_EXEC, "--no-subprocess (its Landlock tier B is not built yet)" },
	{ HB_GUARD_NATIVE, "--block-native (no other kernel mechanism sees mappings)" },
	{ HB_GUARD_ENV, "--no-env's hiding of other processes' /proc files" },
	{ HB_GUARD_FS, "the filesystem guard (its Landlock tier B is not built yet)" },
	{ HB_GUARD_TAMPER, "sealing a sandbox whose command runs as root (it could move "
			   "itself out of the sandbox's cgroup); run it as a user "
			   "(--user, or sudo from a user's shell)" },
};

int hb_tier_select(__u32 guards, bool allow_partial, struct hb_tiers *t)
{
	struct hb_probe_failure a = {}, b = {};
	__u32 missing;

	memset(t, 0, sizeof(*t));
	t->unix_connect = t->unix_sendmsg = -1;
	if (!guards)
		return 0;
	if (!hb_probe_bpf_lsm(&a)) {
		t->net = t->exec = t->native = t->env = t->tamper = t->fs = HB_TIER_A;
		return 0;
	}
	hb_debug("tier A (BPF-LSM) unavailable: %s", a.what);
	missing = guards;
	if ((guards & HB_GUARD_NET) && !select_net_b(t, &b)) {
		hb_debug("tier B (cgroup-bpf) enforces the network guard");
		missing &= ~HB_GUARD_NET;
	}
	if (!missing)
		return 0;
	if (!allow_partial)
		hb_log("cannot enforce here:");
	for (size_t i = 0; i < sizeof(without_lsm) / sizeof(without_lsm[0]); i++)
		if (missing & without_lsm[i].guard)
			hb_log("%s%s: not enforced", allow_partial ? "warning: " : "  ",
			       without_lsm[i].what);
	if (allow_partial) {
		hb_log("warning: running anyway (--allow-partial): %s", a.what);
		t->unenforced = missing;
		return 0;
	}
	hb_probe_failure_log(&a);
	if (b.what[0]) {
		hb_log("and without BPF-LSM: %s", b.what);
		if (b.hint[0] && strcmp(a.hint, b.hint))
			hb_hint("%s", b.hint);
	}
	return -EOPNOTSUPP;
}
