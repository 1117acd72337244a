/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The BPF object, whoever holds it: one `run` (loader/sandbox.c) or the
 * host-wide agent (loader/agent_pins.c). Which programs a configuration
 * needs, loading, attaching, pinning, and writing one sandbox's rules.
 */
#ifndef HB_OBJ_H
#define HB_OBJ_H

#include <stdbool.h>
#include <stddef.h>
#include "file_id.h"
#include "fs_rule.h"
#include "hermetic_abi.h"
#include "bind_rule.h"
#include "net_rule.h"
#include "tier.h"
#include "unix_rule.h"

struct hermetic;

struct hb_sandbox_config {
	struct hb_policy policy;        /* guards, net flags, DNS proxy ports */
	struct hb_tiers tiers;          /* from hb_tier_select() */
	const struct hb_ip_rule *ip_rules;
	size_t n_ip_rules;
	const struct hb_bind_rule *bind_rules; /* --allow-bind */
	size_t n_bind_rules;
	const struct hb_unix_rule *unix_rules;
	size_t n_unix_rules;
	const struct hb_file_id *exec_rules; /* --allow-exec */
	size_t n_exec_rules;
	const struct hb_fs_rules *fs_rules; /* --allow-write, the read root, ... */
	__u32 level;        /* the level of the cgroup the policy is for */
	bool follow_cgroups; /* the agent: re-created cgroups keep their policy */
};

/* The maps a sandbox's policy lives in, as descriptors (the agent's are pins). */
struct hb_policy_maps {
	int policies, stats, net_rules, unix_rules, unix_paths, exec_rules, fs_rules;
	int levels; /* hb_levels: which cgroup levels hold a policy */
	int bind_rules; /* hb_bind_rules: --allow-bind */
	int dns_addrs;  /* hb_dns_addrs: what --allow-domain's proxy answered */
	__u32 always; /* guards the agent adds to every policy here (its seal, on BPF-LSM) */
};

/* Opens the object and marks the programs @cfg needs; nothing is loaded yet. */
int hb_obj_open(struct hermetic **skel, const struct hb_sandbox_config *cfg);

/* hb_obj_open(), then loads. On failure *skel is left for the caller to destroy. */
int hb_obj_load(struct hermetic **skel, const struct hb_sandbox_config *cfg);

/*
 * Calls @fn with the name of each program @cfg needs, as the guards' rows
 * say (@what: the guard's), until @fn returns non-zero.
 */
int hb_obj_each_prog(const struct hb_sandbox_config *cfg,
		     int (*fn)(const char *name, const char *what, void *ctx), void *ctx);

/* The BPF object's crc32: another build's object is another object. */
unsigned long hb_obj_crc32(void);

/*
 * After this process loaded an object against the kernel's whole BTF:
 * the types it used, kept for the boot's next cold runs (core_btf.h).
 */
void hb_obj_keep_core_btf(void);

/*
 * Loads every cgroup program, for tier B sandboxes whose cgroups sit at
 * @level (tierb_progs.h): full-size maps, policies looked up by the
 * sandbox's cgroup id. Failure as hb_obj_load().
 */
int hb_obj_load_tier_b_set(struct hermetic **skel, const struct hb_tiers *t, __u32 level);

/* LSM programs attach to their hook; cgroup ones to @cg_fd. */
int hb_obj_attach(struct hermetic *skel, int cg_fd);

/* DIR/PREFIXNAME, the path of one pin; -ENAMETOOLONG if it does not fit. */
int hb_obj_pin_path(char *out, size_t len, const char *dir, const char *prefix,
		    const char *name);

/* The object's map that pins as @name (hb_levels is the global's section). */
struct bpf_map *hb_obj_map_by_pin_name(struct hermetic *skel, const char *name);

/* Pins every attached link as @dir/@prefix<program name>. */
int hb_obj_pin_links(struct hermetic *skel, const char *dir, const char *prefix);

void hb_obj_policy_maps(struct hermetic *skel, struct hb_policy_maps *m);

/*
 * A run's own object: the policy of sandbox @id copied from hb_policies
 * to hb_run_policy, where its hooks read it without a lookup; @id 0 takes
 * it away. Before hb_sandbox_id names the sandbox, and after its policy is
 * removed (no task reads it meanwhile). 0 or -errno, logged.
 */
int hb_obj_set_run_policy(struct hermetic *skel, __u64 id);

/*
 * Marks @level, and cgroup @id unless 0, in the hb_levels map @fd (struct
 * hb_level_map): the hooks look there, and for that cgroup's policy, from
 * now on. Atomic ORs: another writer may be marking its own. 0 or -errno.
 */
int hb_obj_mark_level(int fd, __u32 level, __u64 id);

/* Whether pinned maps @m have this build's layouts: another's would be misread. */
bool hb_obj_maps_match(const struct hb_policy_maps *m);

/*
 * Writes @cfg's rules under sandbox @id, then its counters and, last, its
 * policy entry: the hooks act on a complete policy. @first_exec: whether
 * the sandbox's first execve is its own command's (run) or not (agent).
 */
int hb_obj_write_policy(const struct hb_policy_maps *m, __u64 id,
			const struct hb_sandbox_config *cfg, bool first_exec);

/*
 * Removes sandbox @id's --allow-ip rules but those in @keep: what is
 * left after its policy was rewritten with fewer rules.
 */
int hb_obj_prune_ip_rules(const struct hb_policy_maps *m, __u64 id,
			  const struct hb_ip_rule *keep, size_t n_keep);

/* Removes sandbox @id's --allow-bind rules but those in @keep. */
int hb_obj_prune_bind_rules(const struct hb_policy_maps *m, __u64 id,
			    const struct hb_bind_rule *keep, size_t n_keep);

/* Removes sandbox @id's --allow-unix sockets but those in @keep (by identity and path). */
int hb_obj_prune_unix_rules(const struct hb_policy_maps *m, __u64 id,
			    const struct hb_unix_rule *keep, size_t n_keep);

/* Removes sandbox @id's filesystem rules but those of @keep's files. */
int hb_obj_prune_fs_rules(const struct hb_policy_maps *m, __u64 id,
			  const struct hb_fs_rules *keep);

/* Removes sandbox @id's --allow-domain addresses from hb_dns_addrs (@fd). */
int hb_obj_remove_dns_addrs(int fd, __u64 id);

/* The rule maps a configuration has entries in: hb_obj_rule_kinds(). */
enum {
	HB_RULES_IP = 1 << 0,   /* hb_net_rules */
	HB_RULES_BIND = 1 << 1, /* hb_bind_rules */
	HB_RULES_UNIX = 1 << 2, /* hb_unix_rules, hb_unix_paths */
	HB_RULES_EXEC = 1 << 3, /* hb_exec_rules */
	HB_RULES_FS = 1 << 4,   /* hb_fs_subtrees */
	HB_RULES_DNS = 1 << 5,  /* hb_dns_addrs, which its DNS proxy fills as it runs */
	HB_RULES_ALL = (1 << 6) - 1,
};

/* Which of those maps @cfg's sandbox writes to (HB_RULES_*). */
unsigned int hb_obj_rule_kinds(const struct hb_sandbox_config *cfg);

/*
 * Removes sandbox @id's policy (first), counters, and its entries in the
 * rule maps @kinds names (HB_RULES_*): each is walked whole, which a
 * shared object's big, mostly empty maps make slow. HB_RULES_ALL for a
 * policy whose configuration is not known.
 */
int hb_obj_remove_policy_of(const struct hb_policy_maps *m, __u64 id, unsigned int kinds);

/* Removes sandbox @id's policy (first), counters, every rule and answered address of it. */
static inline int hb_obj_remove_policy(const struct hb_policy_maps *m, __u64 id)
{
	return hb_obj_remove_policy_of(m, id, HB_RULES_ALL);
}

#endif
