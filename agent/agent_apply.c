// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include "agent_apply.h"
#include "agent_follow.h"
#include "agent_policy.h"
#include "cgroup_names.h"
#include "hermetic_abi.h"
#include "log.h"
#include "policy_list.h"

/*
 * The cgroup @rel below @root, created if missing (spec/agent.md: the
 * policy is in force before any process can be put there). Its id is
 * the directory's inode number, as kernfs numbers cgroups.
 */
static int resolve(const char *root, const char *file, const char *rel, __u64 *id)
{
	char path[PATH_MAX];
	unsigned int level = 0;
	struct stat st;

	if (snprintf(path, sizeof(path), "%s%s", root, rel) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	for (char *c = path + strlen(root) + 1;; c++) {
		char was = *c;

		if (*c != '/' && *c)
			continue;
		*c = '\0';
		level++;
		if (mkdir(path, 0755) && errno != EEXIST) {
			int err = -errno;

			hb_log("%s: cannot create cgroup %s: %s", file, path, strerror(errno));
			return err;
		}
		*c = was;
		if (!was)
			break;
	}
	if (stat(path, &st) || !S_ISDIR(st.st_mode)) {
		hb_log("%s: cgroup %s: %s", file, path, strerror(errno ?: ENOTDIR));
		return -ENOTDIR;
	}
	if (level >= HB_MAX_LEVELS) {
		/* The hooks look no deeper: refuse rather than leave it unchecked. */
		hb_log("%s: cgroup %s is nested %u levels deep; at most %u are supported",
		       file, rel, level, HB_MAX_LEVELS - 1);
		return -E2BIG;
	}
	*id = st.st_ino;
	return 0;
}

static int remove_others(const struct hb_policy_maps *m, const struct hb_follow_maps *f,
			 const __u64 *ids, size_t n)
{
	__u64 key, next, *gone = calloc(HB_MAX_SANDBOXES, sizeof(*gone));
	void *prev = NULL;
	size_t n_gone = 0;
	int err = 0;

	if (!gone)
		return -ENOMEM;
	while (n_gone < HB_MAX_SANDBOXES && !bpf_map_get_next_key(m->policies, prev, &next)) {
		struct hb_policy pol;
		bool in_set = false;

		key = next;
		prev = &key;
		/* Another writer's (a warm run, policy apply): not ours to remove. */
		if (bpf_map_lookup_elem(m->policies, &key, &pol) || pol.origin != HB_ORIGIN_FILE)
			continue;
		for (size_t i = 0; i < n && !in_set; i++)
			in_set = ids[i] == key;
		/* Made again since the set was resolved: confined by the BPF side. */
		if (!in_set && !hb_follow_current(f, key))
			gone[n_gone++] = key;
	}
	for (size_t i = 0; i < n_gone && !err; i++)
		err = hb_obj_remove_policy(m, gone[i]);
	free(gone);
	return err;
}

/*
 * Another writer's policy (policy apply, a warm run) above or below one of
 * the set's: a task under both would be denied everything, so the set is
 * refused. The files' own were checked against each other when read.
 */
static int check_others(const struct hb_policy_maps *m, const char *cgroot,
			const struct hb_policy_set *set, const __u64 *ids)
{
	struct hb_policy_list l;
	int err = hb_policy_list_read(m, cgroot, &l);

	for (size_t i = 0; i < set->n && !err; i++) {
		size_t j = hb_policy_list_nested(&l, set->v[i].cgroup, ids[i], HB_ORIGIN_FILE);

		if (j == l.n)
			continue;
		hb_log("%s: cgroup %s is %s %s, which has a policy (%s); a process under "
		       "both would be denied everything", set->v[i].file, set->v[i].cgroup,
		       hb_cgroup_path_under(set->v[i].cgroup, l.names[j].path) ? "below" :
		       "above", l.names[j].path, hb_origin_name(l.policies[j].origin));
		if (l.policies[j].origin == HB_ORIGIN_APPLY)
			hb_hint("`hermetic-bpf policy clear --cgroup %s` first, or confine "
				"another cgroup", l.names[j].path);
		err = -EEXIST;
	}
	hb_policy_list_free(&l);
	return err;
}

int hb_agent_apply(const struct hb_policy_maps *m, const struct hb_follow_maps *f,
		   const char *cgroot, const struct hb_policy_set *set, __u64 *ids)
{
	int err = hb_follow_check(set);

	for (size_t i = 0; i < set->n && !err; i++)
		err = resolve(cgroot, set->v[i].file, set->v[i].cgroup, &ids[i]);
	if (!err)
		err = check_others(m, cgroot, set, ids);
	/*
	 * The levels before the paths are followed: a followed cgroup made
	 * again gets its policy from the kernel at once, which confines
	 * nobody until the hooks look at its level.
	 */
	for (size_t i = 0; i < set->n && !err; i++)
		err = hb_obj_mark_level(m->levels, hb_cgroup_path_level(set->v[i].cgroup), 0);
	if (!err)
		err = hb_follow_set(f, m->always, cgroot, set, ids);
	for (size_t i = 0; i < set->n && !err; i++)
		err = hb_agent_write_policy(m, ids[i], set->v[i].cgroup, &set->v[i].args.rules,
					    HB_ORIGIN_FILE);
	if (!err)
		err = remove_others(m, f, ids, set->n);
	return err;
}

int hb_agent_refresh_unix(const struct hb_policy_maps *m, const struct hb_policy_set *set,
			  const __u64 *ids)
{
	int ret = 0;

	for (size_t i = 0; i < set->n; i++) {
		const struct hb_agent_policy *p = &set->v[i];
		int err;

		if (!p->args.rules.n_unix_paths)
			continue;
		err = hb_agent_write_policy(m, ids[i], p->cgroup, &p->args.rules, HB_ORIGIN_FILE);
		if (err)
			hb_log("agent: %s: an allow-unix socket changed; its rules could not be "
			       "written again (the cgroup's sends to it are denied)", p->file);
		else
			hb_log("agent: %s: allow-unix sockets looked up again", p->file);
		ret = ret ?: err;
	}
	return ret;
}
