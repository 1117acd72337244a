// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "agent_policy.h"
#include "policy_dir.h"
#include "agent_follow.h"
#include "log.h"

/* The longest path the BPF side matches: its key holds it and a NUL, unfilled. */
#define FOLLOW_LEN_MAX (HB_CG_PATH_MAX - 2)

/* How long a cgroup may be made but not yet shown (kernfs_activate). */
#define SHOW_WAIT_MS 100

static void path_key(struct hb_cg_path *k, const char *cgroup)
{
	memset(k, 0, sizeof(*k));
	memcpy(k->path, cgroup, strnlen(cgroup, FOLLOW_LEN_MAX));
}

int hb_follow_check(const struct hb_policy_set *set)
{
	int err = 0;

	for (size_t i = 0; i < set->n; i++) {
		size_t n = strlen(set->v[i].cgroup);

		if (n <= FOLLOW_LEN_MAX)
			continue;
		hb_log("%s: cgroup %s is %zu characters long; the agent follows paths of "
		       "at most %d", set->v[i].file, set->v[i].cgroup, n, FOLLOW_LEN_MAX);
		err = -ENAMETOOLONG;
	}
	return err;
}

/*
 * The id of the cgroup @rel now, without creating it. Right after its
 * creation a cgroup's directory is not shown for a moment: wait for it.
 */
static int current_id(const char *cgroot, const char *rel, __u64 *id)
{
	char path[PATH_MAX];
	struct stat st;

	if (snprintf(path, sizeof(path), "%s%s", cgroot, rel) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	for (int i = 0; i < SHOW_WAIT_MS; i++) {
		if (!stat(path, &st)) {
			*id = st.st_ino;
			return 0;
		}
		if (errno != ENOENT)
			return -errno;
		usleep(1000);
	}
	return -ENOENT;
}

static bool in_set(const struct hb_policy_set *set, const struct hb_cg_path *k)
{
	struct hb_cg_path mine;

	for (size_t i = 0; i < set->n; i++) {
		path_key(&mine, set->v[i].cgroup);
		if (!memcmp(&mine, k, sizeof(mine)))
			return true;
	}
	return false;
}

/* Drops the paths no longer in @set: their cgroups get no policy when made. */
static void unfollow_others(const struct hb_follow_maps *f, const struct hb_policy_set *set)
{
	struct hb_cg_path key, next, *gone = calloc(HB_MAX_FOLLOWED, sizeof(*gone));
	void *prev = NULL;
	size_t n = 0;

	if (!gone)
		return;
	while (n < HB_MAX_FOLLOWED && !bpf_map_get_next_key(f->paths, prev, &next)) {
		key = next;
		prev = &key;
		if (!in_set(set, &key))
			gone[n++] = key;
	}
	for (size_t i = 0; i < n; i++) {
		bpf_map_delete_elem(f->paths, &gone[i]);
		bpf_map_delete_elem(f->ids, &gone[i]);
	}
	free(gone);
}

int hb_follow_set(const struct hb_follow_maps *f, __u32 always, const char *cgroot,
		  const struct hb_policy_set *set, __u64 *ids)
{
	struct hb_cg_path key;
	struct hb_policy want, have;
	__u64 now, cur;

	/*
	 * Followed first, then looked at: a cgroup made again after this is
	 * confined by the BPF side; one made before, found by its path now.
	 */
	for (size_t i = 0; i < set->n; i++) {
		path_key(&key, set->v[i].cgroup);
		hb_agent_policy(&set->v[i].args.rules, HB_ORIGIN_FILE, always, &want);
		/* Rewritten only when it changed: the BPF side may be reading it. */
		if (!bpf_map_lookup_elem(f->paths, &key, &have) && !memcmp(&have, &want, sizeof(want)))
			continue;
		if (bpf_map_update_elem(f->paths, &key, &want, BPF_ANY)) {
			int err = -errno;

			hb_log("%s: cannot follow cgroup %s: %s", set->v[i].file,
			       set->v[i].cgroup, strerror(errno));
			return err;
		}
	}
	unfollow_others(f, set);
	for (size_t i = 0; i < set->n; i++) {
		path_key(&key, set->v[i].cgroup);
		/* The BPF side's id, if it saw the cgroup made, is the newer. */
		if (!current_id(cgroot, set->v[i].cgroup, &now))
			bpf_map_update_elem(f->ids, &key, &now, BPF_NOEXIST);
		if (!bpf_map_lookup_elem(f->ids, &key, &cur) && cur)
			ids[i] = cur;
	}
	return 0;
}

bool hb_follow_current(const struct hb_follow_maps *f, __u64 id)
{
	struct hb_cg_path key, next;
	void *prev = NULL;
	__u64 v;

	while (!bpf_map_get_next_key(f->ids, prev, &next)) {
		key = next;
		prev = &key;
		if (!bpf_map_lookup_elem(f->ids, &key, &v) && v == id)
			return true;
	}
	return false;
}

/* Removes a policy the agent's files made (or none is left) for a gone cgroup. */
static void forget(const struct hb_policy_maps *m, __u64 id)
{
	struct hb_policy p;

	if (!id || (!bpf_map_lookup_elem(m->policies, &id, &p) && p.origin != HB_ORIGIN_FILE))
		return;
	hb_obj_remove_policy(m, id);
}

void hb_follow_event(const struct hb_policy_maps *m, const struct hb_follow_maps *f,
		     const struct hb_policy_set *set, __u64 *ids,
		     const struct hb_cg_event *ev)
{
	struct hb_cg_path key;
	__u64 cur = 0;
	size_t i;

	for (i = 0; i < set->n; i++) {
		path_key(&key, set->v[i].cgroup);
		if (!memcmp(&key, &ev->path, sizeof(key)))
			break;
	}
	if (i < set->n && bpf_map_lookup_elem(f->ids, &key, &cur))
		cur = 0;
	if (ev->err)
		hb_log("agent: %s was created again (cgroup id %llu) but its policy could "
		       "not be written there: %s", i < set->n ? set->v[i].cgroup : "?",
		       (unsigned long long)ev->id, strerror(-ev->err));
	if (i < set->n && cur == ev->id) {
		int err = hb_agent_write_policy(m, cur, set->v[i].cgroup, &set->v[i].args.rules,
						HB_ORIGIN_FILE);

		if (ids[i] != cur)
			forget(m, ids[i]);
		ids[i] = cur;
		if (err)
			hb_log("agent: %s (cgroup id %llu) keeps its guards without their "
			       "exceptions", set->v[i].cgroup, (unsigned long long)cur);
		else
			hb_log("agent: %s was created again (cgroup id %llu); its policy is "
			       "complete", set->v[i].cgroup, (unsigned long long)cur);
	} else {
		/* Made again since, or no longer followed: not a cgroup of ours now. */
		forget(m, ev->id);
	}
	if (ev->old_id != cur)
		forget(m, ev->old_id);
}
