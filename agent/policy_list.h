/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The policies in the agent's maps, read and shown one line each: the
 * one formatter of `hermetic-bpf status` and `hermetic-bpf policy show`.
 */
#ifndef HB_POLICY_LIST_H
#define HB_POLICY_LIST_H

#include <stddef.h>
#include <stdio.h>
#include "cgroup_names.h"
#include "hermetic_abi.h"
#include "obj.h"

struct hb_policy_list {
	size_t n;
	struct hb_cgroup_name *names; /* each policy's cgroup: id and path */
	struct hb_policy *policies;
	struct hb_stats *stats;
	struct hb_net_key *rules;     /* every --allow-ip rule of every policy */
	size_t n_rules;
	struct hb_bind_key *binds;    /* every --allow-bind rule of every policy */
	size_t n_binds;
};

/* "run", "file", "apply", or "unknown" (struct hb_policy.origin). */
const char *hb_origin_name(__u32 origin);

/* Reads every policy, its counters and rules, and names their cgroups. 0 or -errno. */
int hb_policy_list_read(const struct hb_policy_maps *m, const char *cgroot,
			struct hb_policy_list *l);

/*
 * Policy @i as one line without indent or newline, e.g.
 * "/ci.slice/job (cgroup id 7): file; network,seal; --no-network
 * --allow-ip 10.0.0.0/8:443 --allow-bind 8080/tcp --event-rate 1000; denied 3, events lost 0,
 * limited 0". The rules are the flags that would write it again. Returns
 * snprintf()'s length.
 */
int hb_policy_line(const struct hb_policy_list *l, size_t i, char *buf, size_t len);

/*
 * The first policy in @l on an ancestor or a descendant of cgroup @rel,
 * other than @id's own and those of origin @skip (-1: none skipped): its
 * index, or l->n. A task under two policies is denied everything.
 */
size_t hb_policy_list_nested(const struct hb_policy_list *l, const char *rel, __u64 id,
			     int skip);

/* "policies: N" and, indented, the line of each policy @keep says yes to (NULL: all). */
void hb_policy_list_print(FILE *f, const struct hb_policy_list *l,
			  bool (*keep)(const char *path, const void *ctx), const void *ctx);

void hb_policy_list_free(struct hb_policy_list *l);

#endif
