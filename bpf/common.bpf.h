/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What every guard's programs share: the run-time constants the loader
 * sets, the maps, a hook's context, and finding the current task's sandbox.
 * A part of hermetic.bpf.c: one object, one set of maps (see there).
 */
#ifndef HB_COMMON_BPF_H
#define HB_COMMON_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "hermetic_abi.h"
#include "hermetic_policy.h"

/* The kernel's file modes, inode types and a superblock flag hooks test. */
#define HB_FMODE_READ 0x1
#define HB_FMODE_WRITE 0x2
#define HB_FMODE_EXEC 0x20
#define HB_S_IFMT 0170000
#define HB_S_IFREG 0100000
#define HB_SB_KERNMOUNT (1 << 22) /* the kernel's internal mounts */

/* Set before load: the cgroup programs enforce (tier B), not only redirect. */
const volatile bool hb_tier_b = false;

/* Set before load: HB_FS_* some sandbox of this instance asks for. */
const volatile __u32 hb_fs_mode = 0;

/*
 * Set before load: the HB_NET_* bits a policy of this instance may have.
 * A run's own object has one policy, known before it is loaded: the rule
 * lookups it never makes are then dropped by the verifier, not checked
 * (a run without --allow-bind verifies no bind rule lookup). Objects
 * that serve many keep them all.
 */
const volatile __u32 hb_net_possible = ~0u;

/*
 * Set before load: this object holds one sandbox, hb_sandbox_id (a run's
 * own). The verifier then drops the code that finds one among many.
 * Asked through hb_holds_one_sandbox(), and alone by hb_first_level(),
 * before the levels: a run's own object has no need to read them.
 */
const volatile bool hb_one_sandbox = false;

/* The net bits of @p that select rule lookups (hb_net_possible's). */
static __always_inline __u32 hb_net_bits(const struct hb_policy *p)
{
	return p->net & hb_net_possible;
}

/*
 * Sandbox cgroup id -> what it is denied. Written by the loader, and by
 * hb_cg_mkdir for a cgroup the agent follows.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, HB_MAX_SANDBOXES);
	__type(key, __u64);
	__type(value, struct hb_policy);
} hb_policies SEC(".maps");

/*
 * A run's own object (hb_one_sandbox): its policy, read with no lookup
 * (struct hb_run_policy). A section of its own, a map libbpf makes.
 */
struct hb_run_policy hb_run_policy SEC(".data.run_policy");

/*
 * The cgroup levels that hold a policy, and the ids that may (struct
 * hb_level_map): a writer sets a level's bit and an id's before the
 * policy (loader/obj.c, hb_cg_mkdir), so the hooks of an object that
 * serves many cgroups look at those levels only, and look a task's
 * ancestor up only if its id's bit is set. Bits stay set while the object
 * lives: a stale one costs a lookup, never a sandbox. Mapped in user
 * space, where writers OR their bits atomically. A global in a section of
 * its own, which libbpf makes a map of its own (mapped, and pinned as
 * "hb_levels" for warm runs): every task on the host reads it, with one
 * load instead of a map lookup.
 */
struct hb_level_map hb_levels SEC(".data.levels");

/* Sandbox cgroup id -> counters; the loader creates the entry. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, HB_MAX_SANDBOXES);
	__type(key, __u64);
	__type(value, struct hb_stats);
} hb_stats SEC(".maps");

/* --allow-ip and --allow-localhost-like rules of every sandbox. */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, HB_MAX_NET_RULES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct hb_net_key);
	__type(value, __u32);
} hb_net_rules SEC(".maps");

/* Addresses the DNS proxy answered for allowed names, with an expiry. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, HB_MAX_DNS_ADDRS);
	__type(key, struct hb_dns_key);
	__type(value, struct hb_dns_value);
} hb_dns_addrs SEC(".maps");

/* --allow-unix sockets, by inode. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, HB_MAX_UNIX_RULES);
	__type(key, struct hb_inode_key);
	__type(value, __u8);
} hb_unix_rules SEC(".maps");

/* The same sockets by path, for tier B's hooks (before path lookup). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, HB_MAX_UNIX_RULES * 2);
	__type(key, struct hb_unix_path_key);
	__type(value, __u8);
} hb_unix_paths SEC(".maps");

/* --allow-bind: local addresses and ports beyond loopback. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, HB_MAX_BIND_RULES);
	__type(key, struct hb_bind_key);
	__type(value, __u8);
} hb_bind_rules SEC(".maps");

/* --allow-exec executables, by inode. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, HB_MAX_EXEC_RULES);
	__type(key, struct hb_inode_key);
	__type(value, __u8);
} hb_exec_rules SEC(".maps");

/* --allow-write, --allow-read, the read root and what leads to them. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, HB_MAX_FS_RULES);
	__type(key, struct hb_inode_key);
	__type(value, __u8);
} hb_fs_subtrees SEC(".maps");

/* Per task: whether its execve() in progress is the command's own. */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u32);
} hb_first_exec SEC(".maps");

/*
 * Per CPU: a file's path for an event, and other buffers larger than the
 * stack spares. Sleepable programs run with migration off; a
 * preempting one could overwrite a path mid-event: a garbled trace text,
 * never a decision, which does not depend on it.
 */
struct hb_path_buf {
	char path[HB_EVENT_PATH_MAX];
	/*
	 * A file's path built backwards from its dentries, in two windows
	 * (rename and link have two paths); the slack lets the verifier
	 * prove every masked offset plus masked length in bounds.
	 */
	char text[3 * HB_EVENT_PATH_MAX];
	struct hb_unix_path_key unix_key; /* tier B's unix hooks */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct hb_path_buf);
} hb_scratch SEC(".maps");

/* Per UDP/TCP socket: where a redirected DNS query was really going. */
struct hb_dns_orig {
	__u32 ip4;
	__u32 ip6[4];
	__u16 port; /* network order */
	__u16 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct hb_dns_orig);
} hb_dns_origs SEC(".maps");

struct hb_ring {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, HB_RINGBUF_SIZE);
};

struct hb_ring hb_events SEC(".maps");

/*
 * Slot -> a ring of a sandbox's own, read by that sandbox's `run` when it
 * shares an object (a warm run, tier B's shared programs): the object's
 * owner reads hb_events, and a ring buffer has one reader. The policy
 * names its slot (struct hb_policy.ring); a policy without one reports to
 * hb_events.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, HB_RING_SLOTS);
	__type(key, __u32);
	__array(values, struct hb_ring);
} hb_event_rings SEC(".maps");

/*
 * Slot -> the sandbox id that reads its ring. User space only: a run
 * claims a free slot by adding its key (BPF_NOEXIST), atomically.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, HB_RING_SLOTS);
	__type(key, __u32);
	__type(value, __u64);
} hb_ring_owners SEC(".maps");

/*
 * Cgroup levels [hb_level_lo, hb_level_hi) that hold sandboxes, kept by
 * the loader. With one `run`, lo + 1 == hi, and hb_sandbox_id is that
 * run's cgroup: one helper call tells a task outside it. An instance
 * that serves several sandboxes leaves hb_sandbox_id 0.
 */
__u32 hb_level_lo;
__u32 hb_level_hi;
__u64 hb_sandbox_id;

/*
 * Whether this object holds one sandbox, hb_sandbox_id: known before load
 * in a run's own object; an object that serves many tests hb_sandbox_id
 * (0 there) at run time instead, as its states prune better with both
 * ways verified (a constant cost the agent's 17 % more instructions).
 */
static __always_inline bool hb_holds_one_sandbox(void)
{
	return hb_one_sandbox || hb_sandbox_id;
}

/*
 * What a hook knows beyond the request: for lookups and the event. On the
 * stack of every judging half: on 6.1 the program's frame, the half's,
 * hb_report()'s and an inlined bpf_loop() callback's together must stay
 * within 512 bytes, and some come within a few dozen bytes of it (why
 * hb_sendmsg has two halves). Grow it and load the object on 6.1 (the e2e
 * does).
 */
struct hb_ctx {
	struct hb_req req;
	__u32 path_len;
	__u32 arg;          /* for the event (struct hb_event.arg) */
	const void *path;   /* kernel memory: a unix peer's sun_path, a file's
			     * path (hb_scratch), an exec's filename */
	__u32 path_str;     /* path is a NUL-terminated string: read up to it */
	union { /* the stack is small: what only some hooks need */
		struct {
			struct socket *sock; /* the socket, when the hook has one (LSM) */
			__u64 peer_ino;     /* unix peer's inode and device */
			__u32 peer_dev;
			__u32 file_dev;
			struct hb_unix_path_key *path_key; /* tier B: look the path up */
			struct task_struct *target; /* ptrace/kill: the other process */
			struct cgroup *file_cg; /* a cgroupfs file's cgroup */
			__u64 file_ino;     /* exec: the file's identity, for --allow-exec */
		};
		struct { /* the filesystem guard (HB_HOOK_FS_*) */
			struct dentry *fs_walk[2];  /* where the rule walks start
						     * (rename and link judge two) */
			struct dentry *fs_text[2];  /* the paths the event names */
			struct vfsmount *fs_mnt[2]; /* their mounts, if the hook knows */
			struct inode *fs_inode;     /* an opened file: held descriptors */
			__u32 fs_fmode;             /* what a held descriptor needs */
		};
	};
};

/*
 * The state of hb_walk_deeper()'s loop over the marked levels: 24 bytes
 * in the frame of every hook's program, which on 6.1 shares 512 bytes
 * with the judging half's (so no id here: it is asked again).
 */
struct hb_level_loop {
	struct __sk_buff *skb; /* a packet's walk: its socket's cgroup */
	__u32 lo;     /* the level the loop starts at; then the one found */
	__u32 net;    /* with HB_NET_* bits: find a policy that has them */
	struct hb_policy *policy; /* the policy found, or NULL */
};

/* The levels that hold a policy. */
static __always_inline __u32 hb_policy_levels(void)
{
	return hb_levels.levels;
}

/*
 * The policy of cgroup @id, or NULL. Its bit first: most tasks outside
 * every sandbox leave at one load, without hashing a key into
 * hb_policies.
 */
static __always_inline struct hb_policy *hb_policy_of(__u64 *id)
{
	__u32 bit = hb_id_bit(*id);

	if (!(hb_levels.ids[hb_id_word(bit)] & hb_id_mask(bit)))
		return NULL;
	return bpf_map_lookup_elem(&hb_policies, id);
}

/*
 * The policy of sandbox @id, which the current task is in, or NULL: a
 * run's own object reads its copy (a hash lookup is about 150 ns of every
 * call judged inside), an object that serves many looks it up.
 */
static __always_inline struct hb_policy *hb_sandbox_policy(__u64 *id)
{
	if (hb_one_sandbox)
		return *id && hb_run_policy.id == *id ? &hb_run_policy.policy : NULL;
	return bpf_map_lookup_elem(&hb_policies, id);
}

/*
 * Whether a walk over the levels that hold a policy looks at @lvl (1),
 * passes it (0), or stops there (-1: none from @lvl on). The levels are
 * read here, not carried: some hooks' frames have no room left on 6.1.
 */
static __always_inline int hb_level_marked(__u32 lvl)
{
	__u32 levels = hb_policy_levels();

	if (lvl >= HB_MAX_LEVELS || !(levels >> lvl))
		return -1;
	return (levels >> lvl) & 1;
}

/*
 * The cgroup at @lvl above the current task, or with @by_skb above the
 * socket of @skb (a packet has no task at hand). @by_skb is a constant:
 * each program keeps only the helper its type may call.
 */
static __always_inline __u64 hb_ancestor_at(struct __sk_buff *skb, bool by_skb, __u32 lvl)
{
	return by_skb ? bpf_skb_ancestor_cgroup_id(skb, lvl) :
			bpf_get_current_ancestor_cgroup_id(lvl);
}

/* One level of hb_walk_deeper()'s loop; 1 stops it. */
static __always_inline long hb_level_step(struct hb_level_loop *l, __u32 i, bool by_skb)
{
	__u32 lvl = l->lo + i;
	struct hb_policy *p;
	int look = hb_level_marked(lvl);
	__u64 id;

	if (look <= 0)
		return look < 0;
	id = hb_ancestor_at(l->skb, by_skb, lvl);
	if (!id) /* the task (the socket's cgroup) sits above this level */
		return 1;
	p = hb_policy_of(&id);
	if (!p || (l->net && !(p->net & l->net)))
		return 0;
	l->lo = lvl;
	l->policy = p;
	return 1;
}

static long hb_task_level_cb(__u32 i, void *l)
{
	return hb_level_step(l, i, false);
}

static long hb_skb_level_cb(__u32 i, void *l)
{
	return hb_level_step(l, i, true);
}

/*
 * hb_walk_levels() by a loop over every marked level from @from on; its
 * callers have seen one marked (bits are never cleared). bpf_loop() keeps
 * the level an unknown to the verifier, which then checks the code after
 * it once instead of once per possible level.
 */
static __always_inline int hb_walk_deeper(__u32 from, __u32 net, struct __sk_buff *skb,
					  bool by_skb, __u64 *id, struct hb_policy **policy)
{
	__u32 hi = hb_level_hi;

	if (from >= hi || from >= HB_MAX_LEVELS)
		return -1;
	{
		struct hb_level_loop l = { .skb = skb, .lo = from, .net = net };

		bpf_loop(hi - from, by_skb ? hb_skb_level_cb : hb_task_level_cb, &l, 0);
		if (!l.policy)
			return -1;
		if (id)
			*id = hb_ancestor_at(skb, by_skb, l.lo);
		if (policy)
			*policy = l.policy;
		return l.lo;
	}
}

/*
 * The first level from @from on that holds a policy the current task is
 * under (with @by_skb: the socket of @skb), whose policy has the @net
 * bits if any; or -1. Its cgroup in @id and its policy in @policy, where
 * asked. The lowest marked level is looked at without a loop (most hosts
 * mark one); the loop is set up only if a deeper one is marked.
 * hb_first_level() makes the same walk, spelled out (see there).
 */
static __always_inline int hb_walk_levels(__u32 from, __u32 net, struct __sk_buff *skb,
					  bool by_skb, __u64 *id, struct hb_policy **policy)
{
	__u32 hi = hb_level_hi, levels = hb_policy_levels();
	struct hb_policy *p;
	__u64 at;

	if (from >= hi || from >= HB_MAX_LEVELS)
		return -1;
	levels >>= from;
	if (!levels) /* no level from @from on holds a policy */
		return -1;
	from += hb_lowest_bit(levels);
	if (from >= hi)
		return -1;
	at = hb_ancestor_at(skb, by_skb, from);
	if (!at) /* the task (the socket's cgroup) sits above every marked level */
		return -1;
	p = hb_policy_of(&at);
	if (p && (!net || (p->net & net))) {
		if (id)
			*id = at;
		if (policy)
			*policy = p;
		return from;
	}
	/* The levels read again: held across the calls, they took a register. */
	if (!(hb_policy_levels() >> from >> 1))
		return -1;
	return hb_walk_deeper(from + 1, net, skb, by_skb, id, policy);
}

/*
 * @level if the current task is in sandbox @id, which sits there; or -1.
 * No policy in @at: hb_enforce reads or looks it up.
 */
static __always_inline int hb_own_sandbox_level(__u64 id, __u32 level, struct hb_policy **at)
{
	if (bpf_get_current_ancestor_cgroup_id(level) != id)
		return -1;
	/*
	 * Opaque, so set past the test: a bare NULL, clang sets before it,
	 * one instruction more for every task outside.
	 */
	*at = NULL;
	barrier_var(*at);
	return level;
}

/*
 * First level at which the current task is in a sandbox, or -1; in @at
 * the policy found there, where the walk found one (an object that serves
 * many: hb_enforce then need not look it up again). Every
 * process on the host comes here on every hook, before the hook builds or
 * reads anything, and those outside leave at the cheapest test there is:
 * a run's own object asks for the task's ancestor at its one sandbox's
 * level; an object that serves many reads which levels hold a policy
 * first (none: a host with no sandbox leaves at one load), then looks
 * at the lowest of them, and further only if there is more.
 */
static __always_inline int hb_first_level(struct hb_policy **at)
{
	struct hb_policy *p;
	__u32 lo, hi, from, levels;
	__u64 id;

	if (hb_one_sandbox) /* at lo: hb_enforce looks its policy up */
		return hb_sandbox_id ? hb_own_sandbox_level(hb_sandbox_id, hb_level_lo, at) : -1;
	/* A writer marks the level before its first policy: none, no policy. */
	levels = hb_policy_levels();
	if (!levels)
		return -1;
	id = hb_sandbox_id;
	lo = hb_level_lo;
	if (id) /* one sandbox, set after load */
		return hb_own_sandbox_level(id, lo, at);
	/*
	 * hb_walk_levels(lo, 0, NULL, false, NULL, at), spelled out. Through
	 * that inline (or any part of it as one), clang lays the path of a
	 * task outside out longer (2 instructions before the helper call, 2-5
	 * ns per call under icount on the agent's hooks with a policy) or
	 * gives every program one more saved register. Checked with
	 * llvm-objdump per section; keep the two in step.
	 */
	hi = hb_level_hi;
	if (lo >= hi || lo >= HB_MAX_LEVELS)
		return -1;
	levels >>= lo;
	if (!levels) /* no level from lo on holds a policy */
		return -1;
	from = lo + hb_lowest_bit(levels);
	if (from >= hi)
		return -1;
	id = bpf_get_current_ancestor_cgroup_id(from);
	if (!id) /* the task sits above every level that holds a policy */
		return -1;
	p = hb_policy_of(&id);
	if (p) {
		*at = p;
		return from;
	}
	/* The levels read again, as in hb_walk_levels(). */
	if (!(hb_policy_levels() >> from >> 1))
		return -1;
	return hb_walk_deeper(from + 1, 0, NULL, false, NULL, at);
}

/*
 * Whether this object confines no task yet: one that serves many, with no
 * level marked (an agent with no policy). Cheaper than the first tests of
 * some hooks, which then come after it.
 */
static __always_inline bool hb_none_confined(void)
{
	return !hb_one_sandbox && !hb_policy_levels();
}

/*
 * An LSM program in two halves. The program itself passes on an earlier
 * program's denial (@ret), tests @gate (a cheap test of the hook's
 * arguments; true where every call is judged; clang may test it first,
 * as it has no side effects), and asks whether the task is in a sandbox.
 * Only then does it call the judging half, a subprogram given the
 * context, which reads the hook's arguments and builds the request.
 * Every task on the host runs the first half; in one function, clang
 * would load the arguments and spill them to the stack before the test
 * (its helper call clobbers them): a task outside would pay for that.
 * Used as:
 *   SEC("lsm/socket_create")
 *   HB_LSM_IF(hb_sock_create, !kern, int family, ..., int kern, int ret)
 *   { the judging half: its arguments, the sandbox's level in @first,
 *     and its policy in @pol if the walk found it (else NULL) }
 */
#define HB_LSM_IF(name, gate, args...)						\
int name(unsigned long long *ctx);						\
static __noinline int name##_in(unsigned long long *ctx, int first,		\
				struct hb_policy *pol);				\
HB_LSM_CALL(name, gate, name##_in(ctx, first, pol), ##args)			\
HB_LSM_JUDGE(name##_in, ##args)

/*
 * HB_LSM_IF's program alone, which calls @judge (an expression of @ctx,
 * @first and @pol: judging halves, HB_LSM_JUDGE's) for a task in a
 * sandbox.
 */
#define HB_LSM_CALL(name, gate, judge, args...)					\
int name(unsigned long long *ctx);						\
int BPF_PROG(name, ##args)							\
{										\
	struct hb_policy *pol; /* set where first >= 0 */			\
	int first;								\
										\
	if (ret || !(gate))							\
		return ret;							\
	first = hb_first_level(&pol);						\
	return first < 0 ? 0 : (judge);						\
}

/*
 * A judging half alone: @name(ctx, first, pol), a subprogram that reads
 * the hook's arguments (@args, as the program's) for the body that
 * follows; @pol is hb_first_level()'s @at, handed on to hb_enforce().
 */
#define HB_LSM_JUDGE(name, args...)						\
static __always_inline int ____##name(unsigned long long *ctx, ##args, int first, \
				      struct hb_policy *pol);			\
static __noinline int name(unsigned long long *ctx, int first, struct hb_policy *pol) \
{										\
	_Pragma("GCC diagnostic push")						\
	_Pragma("GCC diagnostic ignored \"-Wint-conversion\"")			\
	return ____##name(___bpf_ctx_cast(args), first, pol);			\
	_Pragma("GCC diagnostic pop")						\
}										\
static __always_inline int ____##name(unsigned long long *ctx, ##args, int first, \
				      struct hb_policy *pol)

/* An LSM program whose every call is judged inside a sandbox. */
#define HB_LSM(name, args...) HB_LSM_IF(name, true, ##args)

/* Whether cgroup @cg is the sandbox (@level, @id) or below it. */
static __always_inline int hb_cgroup_in_sandbox(struct cgroup *cg, __u32 level,
						__u64 id)
{
	struct cgroup *anc;
	int cg_level;

	if (!cg || bpf_core_read(&cg_level, sizeof(cg_level), &cg->level) ||
	    cg_level < (int)level || level >= HB_MAX_LEVELS)
		return 0;
	if (bpf_core_read(&anc, sizeof(anc), &cg->ancestors[level]) || !anc)
		return 0;
	return BPF_CORE_READ(anc, kn, id) == id;
}

/* Whether @sk was created inside the sandbox. */
static __always_inline int hb_sock_in_sandbox(struct sock *sk, __u32 level,
					      __u64 id)
{
	return hb_cgroup_in_sandbox(BPF_CORE_READ(sk, sk_cgrp_data.cgroup), level, id);
}

#endif /* HB_COMMON_BPF_H */
