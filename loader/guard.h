/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The guards, one row each. Whatever hermetic-bpf says or decides per
 * guard is read from its row: its names, the keys (run's options) that
 * turn it on, the mechanism of each tier and what tier B leaves out,
 * what the agent serves, and the BPF programs it needs. Adding a guard is
 * adding a row (and its HB_GUARD_* bit, which the kernel side shares).
 * tests/unit/test_guard.c holds the table to HB_GUARD_ALL, to run's
 * options and to the key lists the documentation gives.
 */
#ifndef HB_GUARD_H
#define HB_GUARD_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "hermetic_abi.h"

/* The table's index: the order guards are shown in (doctor, events, policy show). */
enum hb_guard_kind {
	HB_GUARD_KIND_NETWORK,
	HB_GUARD_KIND_FS,
	HB_GUARD_KIND_EXEC,
	HB_GUARD_KIND_NATIVE,
	HB_GUARD_KIND_ENV,
	HB_GUARD_KIND_SEAL,
	HB_GUARD_KIND_MAX,
};

/* The kernel mechanism that enforces a guard. */
enum hb_tier {
	HB_TIER_NONE = 0,
	HB_TIER_A = 1,        /* BPF-LSM */
	HB_TIER_B = 2,        /* network: cgroup-bpf (+ seccomp for socket families) */
	HB_TIER_LANDLOCK = 3, /* files and exec, tier B: Landlock */
};

/* Where the agent reads a key besides run (struct hb_guard_key.agent). */
#define HB_AGENT_FILE (1u << 0)  /* its policy files (spec/agent.md) */
#define HB_AGENT_APPLY (1u << 1) /* `policy apply`'s flags */

/* What a key takes, as an option (in a file a switch reads yes/no). */
enum hb_key_arg {
	HB_KEY_SWITCH,   /* --KEY */
	HB_KEY_VALUE,    /* --KEY VALUE */
	HB_KEY_OPTIONAL, /* --KEY or --KEY=VALUE */
};

/* A policy-file key: a run option's name without "--", meaning what it means. */
struct hb_guard_key {
	const char *name;
	enum hb_key_arg arg;
	__u32 agent; /* HB_AGENT_*: the agent reads it too */
};

/* When a guard needs one of its programs (struct hb_guard_prog.when). */
enum hb_prog_when {
	HB_PROG_TIER_A,   /* the guard is on BPF-LSM */
	HB_PROG_TIER_B,   /* the guard is on cgroup-bpf */
	HB_PROG_DNS,      /* --allow-domain's redirect, in either tier */
	HB_PROG_B_OR_DNS, /* either of the two above */
	HB_PROG_FS_WRITE, /* on BPF-LSM, with --fs-readonly */
	HB_PROG_FS_READ,  /* on BPF-LSM, with a read root */
};

/* A BPF program (its name in bpf/) that a guard needs, and when. */
struct hb_guard_prog {
	const char *name;
	enum hb_prog_when when;
};

struct hb_guard {
	__u32 bit;        /* HB_GUARD_*: struct hb_policy.guards */
	const char *name; /* doctor's, policy show's and the events' "guard" */
	const char *what; /* what a refusal calls it: "the network guard" */
	/*
	 * Its policy-file keys, which are run's options (--KEY): the first, a
	 * switch, turns the guard on; the others tune it, and turn it on too.
	 * None for a guard nobody asks for. Ends with a NULL name.
	 */
	const struct hb_guard_key *keys;
	bool always;             /* every sandbox has it where its tier A runs */
	enum hb_tier tier_a;     /* with BPF-LSM */
	enum hb_tier tier_b;     /* without: the other mechanism, or none */
	int landlock_abi;        /* tier B on Landlock: the ABI that has what it needs */
	const char *tier_b_note; /* what tier B leaves out (doctor; spec/tiers.md) */
	bool agent;              /* the agent's object has its programs (warm runs) */
	/* Why the agent's programs cannot serve @p's use of it, or NULL. */
	const char *(*agent_refuses)(const struct hb_policy *p);
	/*
	 * The programs it needs; one several guards need is in each of their
	 * rows. Per-kernel variants of one hook are all named: obj.c keeps
	 * the one the kernel's BTF fits. Ends with a NULL name.
	 */
	const struct hb_guard_prog *progs;
};

extern const struct hb_guard hb_guards[HB_GUARD_KIND_MAX];

/* Keys of no guard: they tune the sandbox as a whole. Ends with a NULL name. */
extern const struct hb_guard_key hb_sandbox_keys[];

/* Every row, in the table's order. */
#define hb_for_each_guard(g) \
	for (const struct hb_guard *g = hb_guards; g < hb_guards + HB_GUARD_KIND_MAX; g++)

static inline enum hb_guard_kind hb_guard_kind(const struct hb_guard *g)
{
	return (enum hb_guard_kind)(g - hb_guards);
}

/* The row of one HB_GUARD_* bit; NULL for none, or for several. */
const struct hb_guard *hb_guard_by_bit(__u32 bit);

/* The row of @kind; NULL past the end. */
const struct hb_guard *hb_guard_by_kind(unsigned int kind);

/* The row named @name ("network", ...); NULL if none is. */
const struct hb_guard *hb_guard_by_name(const char *name);

/* "network", "fs", ...; NULL past the end. */
const char *hb_guard_kind_name(unsigned int kind);

/* The bits of the guards the agent's object serves (on BPF-LSM). */
__u32 hb_guard_agent_bits(void);

/*
 * Whether the agent serves @g when its object runs on @tier: HB_TIER_A
 * (BPF-LSM), or HB_TIER_B (without it: only a guard whose tier B is
 * cgroup-bpf, whose programs attach once for every cgroup; a per-process
 * mechanism such as Landlock cannot be put on a service already running).
 */
bool hb_guard_agent_serves(const struct hb_guard *g, enum hb_tier tier);

/* The bits of the guards the agent serves on @tier. */
__u32 hb_guard_agent_bits_on(enum hb_tier tier);

/*
 * The guards the agent serves on @tier, then those it refuses there, as
 * "network, fs, ..." (rows' names, table order) in @served and @refused
 * ("" for none; each cut to @len, terminated): doctor's and status's.
 */
void hb_guard_agent_lists(enum hb_tier tier, char *served, char *refused, size_t len);

/*
 * A key the agent reads (hb_key_agent()) of a guard it does not serve on
 * @tier: that guard's row, else NULL.
 */
const struct hb_guard *hb_key_agent_unserved(const char *name, enum hb_tier tier);

/* Key @i of all keys (the guards' in table order, then the sandbox's); NULL past the end. */
const struct hb_guard_key *hb_key_at(size_t i);

/* The key named @name, or NULL; @guard, if not NULL, gets its row (NULL: none). */
const struct hb_guard_key *hb_key_by_name(const char *name, const struct hb_guard **guard);

/* Whether the agent reads key @name where @agent (HB_AGENT_*) says. */
bool hb_key_agent(const char *name, __u32 agent);

/*
 * The keys the agent reads where @agent says, in table order, as
 * "PREFIXkey, PREFIXkey, ..." in @buf (cut to @len, terminated).
 */
void hb_key_agent_list(__u32 agent, const char *prefix, char *buf, size_t len);

/* Whether a guard needs its @prog under policy @p when the guard runs on @tier. */
bool hb_guard_prog_on(const struct hb_guard_prog *prog, const struct hb_policy *p,
		      enum hb_tier tier);

#endif
