// SPDX-License-Identifier: GPL-2.0-only
#include "agent_policy.h"
#include "cgroup_names.h"

void hb_agent_policy(const struct hb_rules *r, __u32 origin, __u32 always,
		     struct hb_policy *p)
{
	/* On BPF-LSM every confined cgroup is sealed, as every `run` sandbox is. */
	hb_rules_policy(r, r->guards | always, p);
	p->origin = origin;
}

int hb_agent_write_policy(const struct hb_policy_maps *m, __u64 id, const char *cgroup,
			  const struct hb_rules *r, __u32 origin)
{
	struct hb_sandbox_config cfg = {};
	struct hb_rules_paths paths = {};
	int err = 0;

	/*
	 * fs-readonly: the allow-write subtrees; allow-unix: the sockets; by
	 * identity, looked up now (again at each write: a socket made again
	 * has a new inode, spec/agent.md).
	 */
	err = hb_rules_resolve(r, (r->guards & HB_GUARD_FS ? HB_RESOLVE_FS : 0) |
			       (r->n_unix_paths ? HB_RESOLVE_UNIX : 0), NULL, NULL, &paths);
	hb_rules_config(r, r->guards | m->always, &paths, &cfg);
	cfg.policy.origin = origin;
	cfg.level = hb_cgroup_path_level(cgroup);
	/* No first exec is anybody's own: the cgroup's processes run already. */
	if (!err)
		err = hb_obj_write_policy(m, id, &cfg, false);
	/* What a reload dropped: a subtree no longer named must not stay writable. */
	if (!err)
		err = hb_obj_prune_ip_rules(m, id, r->ip_rules, r->n_ip_rules);
	if (!err)
		err = hb_obj_prune_bind_rules(m, id, r->bind_rules, r->n_bind_rules);
	if (!err)
		err = hb_obj_prune_unix_rules(m, id, paths.unix_rules,
					      paths.unix_rules ? r->n_unix_paths : 0);
	if (!err)
		err = hb_obj_prune_fs_rules(m, id, &paths.fs);
	hb_rules_paths_free(&paths);
	return err;
}
