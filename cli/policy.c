// SPDX-License-Identifier: GPL-2.0-only
/*
 * `hermetic-bpf policy apply|show|clear`: one-off policies on the running
 * agent's pinned object (spec/agent-commands.md), beside its policy files.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "agent_apply.h"
#include "policy_dir.h"
#include "agent_follow.h"
#include "agent_policy.h"
#include "agent_pins.h"
#include "cgroup.h"
#include "cgroup_names.h"
#include "commands.h"
#include "exit_status.h"
#include "log.h"
#include "policy_args.h"
#include "policy_list.h"
#include "probe.h"

/* The cgroup's id; it must exist: apply confines, it never creates. */
static int target(const char *cgroot, const char *rel, __u64 *id)
{
	char path[PATH_MAX];
	unsigned int level;
	struct stat st;

	if (snprintf(path, sizeof(path), "%s%s", cgroot, rel) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	errno = 0;
	if (stat(path, &st) || !S_ISDIR(st.st_mode)) {
		int err = errno ?: ENOTDIR;

		hb_log("policy: cgroup %s: %s", rel, err == ENOENT ? "does not exist" :
		       strerror(err));
		if (err == ENOENT)
			hb_hint("create it first (policy apply does not), or name it in a "
				"policy file of the agent's directory, which creates it");
		return -err;
	}
	level = hb_cgroup_path_level(rel);
	if (level >= HB_MAX_LEVELS) {
		/* The hooks look no deeper: refuse rather than leave it unchecked. */
		hb_log("policy: cgroup %s is nested %u levels deep; at most %u are supported",
		       rel, level, HB_MAX_LEVELS - 1);
		return -E2BIG;
	}
	*id = st.st_ino;
	return 0;
}

static size_t find(const struct hb_policy_list *l, __u64 id)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->names[i].id == id)
			return i;
	return l->n;
}

/* A task under two policies is denied everything: refuse up front. */
static int check_nesting(const struct hb_policy_list *l, const char *rel, __u64 id)
{
	size_t i = hb_policy_list_nested(l, rel, id, -1);
	const char *other = i < l->n ? l->names[i].path : NULL;

	if (!other)
		return 0;
	hb_log("policy apply: cgroup %s is %s %s, which has a policy (%s); a process "
	       "under two policies would be denied everything", rel,
	       hb_cgroup_path_under(rel, other) ? "below" : "above", other,
	       hb_origin_name(l->policies[i].origin));
	hb_hint("apply to a cgroup with no policy above or below it, or clear that one");
	return -EEXIST;
}

/* apply may replace only what apply wrote. */
static int check_owner(const struct hb_policy_list *l, size_t i, const char *rel,
		       const char *op)
{
	if (i == l->n || l->policies[i].origin == HB_ORIGIN_APPLY)
		return 0;
	if (l->policies[i].origin == HB_ORIGIN_FILE) {
		hb_log("policy %s: cgroup %s is confined by a policy file of the agent; "
		       "policy %s never %s it", op, rel, op,
		       strcmp(op, "apply") ? "removes" : "replaces or weakens");
		hb_hint("edit or remove the file in the agent's policy directory, then send "
			"the agent SIGHUP");
	} else if (l->policies[i].origin == HB_ORIGIN_RUN) {
		hb_log("policy %s: cgroup %s is a sandbox of `hermetic-bpf run`; its policy "
		       "ends with its run", op, rel);
	} else {
		hb_log("policy %s: cgroup %s has a policy of another writer (origin %u)", op,
		       rel, l->policies[i].origin);
	}
	return -EEXIST;
}

static bool related(const char *path, const void *ctx)
{
	return path[0] && (hb_cgroup_path_under(ctx, path) || hb_cgroup_path_under(path, ctx));
}

static int act(const struct hb_policy_args *p, const struct hb_agent_obj *ag,
	       const char *cgroot)
{
	struct hb_policy_list l;
	__u64 id = 0;
	size_t i;
	int err;

	/* show filters by path: a cgroup that does not exist has none to show. */
	if (p->op != HB_POLICY_SHOW) {
		err = target(cgroot, p->cgroup, &id);
		if (err)
			return err;
	}
	err = hb_policy_list_read(&ag->maps, cgroot, &l);
	if (err)
		return err;
	i = find(&l, id);
	switch (p->op) {
	case HB_POLICY_SHOW:
		hb_policy_list_print(stdout, &l, p->cgroup[0] ? related : NULL, p->cgroup);
		break;
	case HB_POLICY_APPLY:
		err = check_owner(&l, i, p->cgroup, "apply");
		if (!err)
			err = check_nesting(&l, p->cgroup, id);
		if (!err) {
			err = hb_agent_write_policy(&ag->maps, id, p->cgroup, &p->args.rules,
						    HB_ORIGIN_APPLY);
			/* A new policy left half-written (a full map): its rules go too. */
			if (err && i == l.n)
				hb_obj_remove_policy(&ag->maps, id);
		}
		if (!err)
			hb_log("policy apply: %s (cgroup id %llu) %s", p->cgroup,
			       (unsigned long long)id, i == l.n ? "confined" : "policy replaced");
		break;
	case HB_POLICY_CLEAR:
		err = check_owner(&l, i, p->cgroup, "clear");
		if (!err && i == l.n) {
			hb_log("policy clear: cgroup %s has no policy", p->cgroup);
			err = -ENOENT;
		}
		if (!err)
			err = hb_obj_remove_policy(&ag->maps, id);
		if (!err)
			hb_log("policy clear: %s is no longer confined", p->cgroup);
		break;
	case HB_POLICY_CHECK: /* before any of this (hb_cmd_policy) */
		break;
	}
	hb_policy_list_free(&l);
	return err;
}

/*
 * apply --policy FILE: its rules added to the flags', read as the agent
 * reads its files but with apply's keys, for the pinned agent's tier;
 * its cgroup is PATH's when --cgroup did not name one (both: the same).
 */
static int read_policy_file(struct hb_policy_args *p, enum hb_tier tier)
{
	char cgroup[PATH_MAX];

	if (hb_policy_file_read_agent(p->policy_file, HB_AGENT_APPLY, tier, cgroup,
				      sizeof(cgroup), &p->args) ||
	    hb_agent_audit_check(p->unaudited, &p->args.rules))
		return -EINVAL;
	if (cgroup[0] && p->cgroup[0] && strcmp(cgroup, p->cgroup)) {
		hb_log("policy apply: --cgroup %s, and %s names %s", p->cgroup, p->policy_file,
		       cgroup);
		hb_hint("give one: --cgroup overrides nothing in the file");
		return -EINVAL;
	}
	if (!p->cgroup[0])
		memcpy(p->cgroup, cgroup, sizeof(cgroup));
	if (!p->cgroup[0]) {
		hb_log("policy apply: %s names no cgroup, and --cgroup is not given",
		       p->policy_file);
		return -EINVAL;
	}
	if (!p->args.rules.guards) {
		hb_log("policy apply: %s: no rule (such as no-network = yes)", p->policy_file);
		return -EINVAL;
	}
	return 0;
}

/*
 * The tier of the agent a set is for: the pinned agent's; else the one
 * an agent would start with here (tier A where BPF-LSM is listed, tier B
 * where not). Only root can tell either: a user's check is for BPF-LSM.
 */
static enum hb_tier agent_tier_here(void)
{
	struct hb_probe_failure why = {};
	struct hb_agent_obj ag;
	enum hb_tier tier;

	if (geteuid() != 0)
		return HB_TIER_A;
	hb_log_setup_libbpf();
	if (!hb_agent_obj_find(&ag)) {
		tier = ag.tier;
		hb_agent_obj_close(&ag);
		return tier;
	}
	return hb_probe_bpf_lsm_listed(&why) ? HB_TIER_B : HB_TIER_A;
}

/*
 * The agent's policy directory read as the agent reads it, on the tier
 * it has or would have here, without loading or writing anything (as
 * `nginx -t`): 0 or 1, every error said.
 */
static int check(const char *dir)
{
	enum hb_tier tier = agent_tier_here();
	struct hb_policy_set set;

	printf("%s: checked for %s\n", dir,
	       geteuid() != 0 ? "an agent with BPF-LSM (tier A; as root: for this host's agent)" :
	       tier == HB_TIER_A ? "this host's agent: BPF-LSM (tier A)" :
	       "this host's agent: cgroup-bpf (tier B, no BPF-LSM)");
	fflush(stdout);
	if (hb_policy_dir_read(dir, tier, &set))
		return 1;
	if (hb_follow_check(&set)) {
		hb_log("%s: policy set refused", dir);
		hb_policy_set_free(&set);
		return 1;
	}
	printf("%s: %zu policy file%s, good\n", dir, set.n, set.n == 1 ? "" : "s");
	for (size_t i = 0; i < set.n; i++)
		printf("  %s: %s\n", set.v[i].file, set.v[i].cgroup);
	hb_policy_set_free(&set);
	return 0;
}

int hb_cmd_policy(int argc, char **argv)
{
	struct hb_policy_args p;
	struct hb_agent_obj ag;
	char cgroot[PATH_MAX];
	int err;

	err = hb_policy_args_parse(argc, argv, &p);
	if (err)
		return HB_EXIT_FAILURE;
	if (p.help) {
		hb_policy_usage(stdout);
		hb_policy_args_free(&p);
		return 0;
	}
	hb_verbosity += p.verbose;
	if (p.op == HB_POLICY_CHECK) {
		err = check(p.dir);
		hb_policy_args_free(&p);
		return err;
	}
	if (geteuid() != 0) {
		hb_log("policy needs root (it writes the agent's pinned maps)");
		hb_policy_args_free(&p);
		return HB_EXIT_FAILURE;
	}
	hb_log_setup_libbpf();
	err = hb_agent_obj_find(&ag);
	if (err == -ENOENT) {
		hb_log("policy: no agent object is pinned");
		hb_hint("start `hermetic-bpf agent` first (it loads and pins the programs)");
	}
	if (!err) {
		if (p.op == HB_POLICY_APPLY && p.policy_file)
			err = read_policy_file(&p, ag.tier);
		if (!err)
			err = hb_cgroup_root(cgroot, sizeof(cgroot));
		if (!err)
			err = act(&p, &ag, cgroot);
		hb_agent_obj_close(&ag);
	}
	hb_policy_args_free(&p);
	return err ? HB_EXIT_FAILURE : 0;
}
