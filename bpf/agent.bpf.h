/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The agent's tracepoint: a cgroup it follows, created again, gets its
 * policy before any task can enter it.
 * A part of hermetic.bpf.c: one object, one set of maps (see there).
 */
#ifndef HB_AGENT_BPF_H
#define HB_AGENT_BPF_H

#include "common.bpf.h"

/* Followed path -> the policy its cgroup gets (the agent's files; origin FILE). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, HB_MAX_FOLLOWED);
	__type(key, struct hb_cg_path);
	__type(value, struct hb_policy);
} hb_cg_paths SEC(".maps");

/* Followed path -> the id of the cgroup it names now (written here at creation). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, HB_MAX_FOLLOWED);
	__type(key, struct hb_cg_path);
	__type(value, __u64);
} hb_cg_ids SEC(".maps");

/* Tells the agent to add what the policy keeps in other maps (its rules). */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, HB_CG_RINGBUF_SIZE);
} hb_cg_events SEC(".maps");

/* The path as a key: too big for the stack beside the rest. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct hb_cg_path);
} hb_cg_key SEC(".maps");

/*
 * cgroup_mkdir() fires this tracepoint after the cgroup is made and before
 * kernfs_activate() shows its directory: nobody can be moved into it yet.
 * A followed path gets its policy here, without the rules of other maps
 * (stricter: its allow exceptions come when the agent reads the event).
 * The policy of the cgroup the path named before is removed with it: that
 * cgroup is gone (cgroup2 has no rename), and the map must not fill up
 * while no agent runs.
 */
SEC("tp_btf/cgroup_mkdir")
int BPF_PROG(hb_cg_mkdir, struct cgroup *cgrp, const char *path)
{
	struct hb_stats zero = {};
	const struct hb_policy *tmpl, *was;
	struct hb_cg_event *ev;
	struct hb_cg_path *key;
	__u64 id, old = 0, *cur;
	__u32 slot = 0, bit;
	long n;
	int err;

	/* Hierarchy 0 is cgroup2's (v1 hierarchies get 1 and up). */
	if (BPF_CORE_READ(cgrp, root, hierarchy_id) != 0)
		return 0;
	key = bpf_map_lookup_elem(&hb_cg_key, &slot);
	if (!key)
		return 0;
	__builtin_memset(key, 0, sizeof(*key));
	n = bpf_probe_read_kernel_str(key->path, sizeof(key->path), path);
	/* Filling the key means longer than any followed path: not ours. */
	if (n <= 0 || n >= (long)sizeof(key->path))
		return 0;
	tmpl = bpf_map_lookup_elem(&hb_cg_paths, key);
	if (!tmpl)
		return 0;
	id = BPF_CORE_READ(cgrp, kn, id);
	cur = bpf_map_lookup_elem(&hb_cg_ids, key);
	if (cur)
		old = *cur;
	/* The id before the policy: the agent keeps any policy whose id is here. */
	bpf_map_update_elem(&hb_cg_ids, key, &id, BPF_ANY);
	bpf_map_update_elem(&hb_stats, &id, &zero, BPF_NOEXIST);
	/* Its bit before its policy, as every writer (hb_policy_of()). */
	bit = hb_id_bit(id);
	__sync_fetch_and_or(&hb_levels.ids[hb_id_word(bit)], hb_id_mask(bit));
	err = bpf_map_update_elem(&hb_policies, &id, tmpl, BPF_ANY);
	if (old && old != id) {
		was = bpf_map_lookup_elem(&hb_policies, &old);
		if (was && was->origin == HB_ORIGIN_FILE) {
			bpf_map_delete_elem(&hb_policies, &old);
			bpf_map_delete_elem(&hb_stats, &old);
		}
	}
	ev = bpf_ringbuf_reserve(&hb_cg_events, sizeof(*ev), 0);
	if (!ev)
		return 0; /* the agent finds the new id when it next reads the set */
	ev->id = id;
	ev->old_id = old;
	ev->err = err;
	ev->pad = 0;
	__builtin_memcpy(&ev->path, key, sizeof(ev->path));
	bpf_ringbuf_submit(ev, 0);
	return 0;
}

#endif /* HB_AGENT_BPF_H */
