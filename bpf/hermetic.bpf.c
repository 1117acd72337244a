// SPDX-License-Identifier: GPL-2.0-only
/*
 * The kernel side of hermetic-bpf. Each hook first finds whether the
 * current task lives under a sandbox cgroup (one map miss for everybody
 * else), gathers facts (socket, destination, map lookups), asks
 * hermetic_policy.h for a verdict and reports denials on the ring buffer.
 *
 * Tier A: BPF-LSM programs (lsm/...) enforce. Tier B, on kernels where
 * those cannot load: the cgroup programs (cgroup/...) attached to the
 * sandbox cgroup enforce the same decisions (hb_tier_b). In both tiers the
 * cgroup programs redirect DNS to the sandbox's proxy.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "hermetic_abi.h"
#include "hermetic_policy.h"

/* cgroup sock_addr programs: 1 lets the call go on, 0 fails it with EPERM. */
#define CG_ALLOW 1
#define CG_DENY 0

char LICENSE[] SEC("license") = "GPL";

/* Set before load: the cgroup programs enforce (tier B), not only redirect. */
const volatile bool hb_tier_b = false;

/* Set before load: HB_FS_* some sandbox of this instance asks for. */
const volatile __u32 hb_fs_mode = 0;

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
} hb_fs_rules SEC(".maps");

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
 * Sandbox id -> a ring of its own, read by that sandbox's `run` when it
 * shares the agent's object (a warm run): the agent reads hb_events, and
 * a ring buffer has one reader. Sandboxes without one report to hb_events.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH_OF_MAPS);
	__uint(max_entries, HB_MAX_SANDBOXES);
	__type(key, __u64);
	__array(values, struct hb_ring);
} hb_event_rings SEC(".maps");

/*
 * Cgroup levels [hb_level_lo, hb_level_hi) that hold sandboxes, kept by
 * the loader. With one `run`, lo + 1 == hi, and hb_sandbox_id is that
 * run's cgroup: one helper call tells a task outside it. An instance
 * that serves several sandboxes leaves hb_sandbox_id 0.
 */
__u32 hb_level_lo;
__u32 hb_level_hi;
__u64 hb_sandbox_id;

/* What a hook knows beyond the request: for lookups and the event. */
struct hb_ctx {
	struct hb_req req;
	__u32 path_len;
	__u32 arg;          /* for the event (struct hb_event.arg) */
	const void *path;   /* kernel memory: a unix peer's sun_path, a file's
			     * path (hb_scratch), an exec's filename */
	__u32 path_str;     /* path is a NUL-terminated string: read up to it */
	union { /* the stack is small: what only some hooks need */
		struct {
			struct sock *sk;    /* the socket, when the hook has one (LSM) */
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

struct hb_level_loop {
	__u32 lo;
	__u32 net;    /* with HB_NET_* bits: find a policy that has them */
	int found;    /* the level, or -1 */
	const struct hb_policy *policy;
};

/* One level of hb_find_level(); 1 stops the loop. */
static long hb_find_level_cb(__u32 i, void *data)
{
	struct hb_level_loop *l = data;
	__u32 lvl = l->lo + i;
	const struct hb_policy *p;
	__u64 id;

	if (lvl >= HB_MAX_LEVELS)
		return 1;
	id = bpf_get_current_ancestor_cgroup_id(lvl);
	if (!id) /* the task sits above this level */
		return 1;
	p = bpf_map_lookup_elem(&hb_policies, &id);
	if (!p || (l->net && !(p->net & l->net)))
		return 0;
	l->found = lvl;
	l->policy = p;
	return 1;
}

/*
 * The first level from @from at which the current task is in a sandbox
 * (whose policy has the @net bits, if any), or -1. bpf_loop() keeps the
 * level an unknown to the verifier, which then checks the code after it
 * once instead of once per possible level.
 */
static __always_inline int hb_find_level(__u32 from, __u32 net,
					 const struct hb_policy **policy)
{
	struct hb_level_loop l = { .lo = from, .net = net, .found = -1 };
	__u32 hi = hb_level_hi;

	if (from >= hi)
		return -1;
	bpf_loop(hi - from, hb_find_level_cb, &l, 0);
	if (policy)
		*policy = l.policy;
	return l.found;
}

/*
 * First level at which the current task is in a sandbox, or -1. Every
 * process on the host comes here on every hook: those outside the one
 * sandbox are sent away before the loop and the map lookup.
 */
static __always_inline int hb_first_level(void)
{
	__u64 id = hb_sandbox_id;

	if (id && bpf_get_current_ancestor_cgroup_id(hb_level_lo) != id)
		return -1;
	return hb_find_level(hb_level_lo, 0, NULL);
}

/*
 * Whether an LSM hook has nothing to judge: an earlier program denied
 * already (@ret, passed on), or the task is in no sandbox (@ret is 0).
 */
static __always_inline bool hb_skip(int ret, int *first)
{
	if (ret)
		return true;
	*first = hb_first_level();
	return *first < 0;
}

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

static __always_inline int hb_rule_lookup(__u64 id, const struct hb_req *r,
					  __u16 port)
{
	struct hb_net_key key = {
		.prefixlen = HB_NET_KEY_FIXED_BITS + 128,
	};

	__builtin_memcpy(key.sandbox, &id, sizeof(id));
	key.port[0] = port >> 8;
	key.port[1] = port & 0xff;
	__builtin_memcpy(key.addr, r->addr, sizeof(key.addr));
	return bpf_map_lookup_elem(&hb_net_rules, &key) != NULL;
}

struct hb_fs_walk {
	struct dentry *d;
	__u64 sandbox_id;
	__u8 need;   /* HB_FS_RULE_* that end the walk */
	__u8 found;  /* rules met so far */
	__u8 top;    /* reached the root of the filesystem */
};

/*
 * One directory of hb_fs_walk_up(); 1 stops the loop. A rule on the object
 * itself counts whole; above it, only what a rule grants its subtree.
 */
static long hb_fs_walk_cb(__u32 i, void *data)
{
	struct hb_fs_walk *w = data;
	struct hb_inode_key k = { .sandbox_id = w->sandbox_id };
	struct dentry *d = w->d, *parent;
	struct inode *inode = BPF_CORE_READ(d, d_inode);
	__u8 *flags;

	k.ino = BPF_CORE_READ(inode, i_ino);
	k.dev = BPF_CORE_READ(inode, i_sb, s_dev);
	flags = k.ino ? bpf_map_lookup_elem(&hb_fs_rules, &k) : NULL;
	if (flags)
		w->found |= i ? *flags & (HB_FS_RULE_WRITE | HB_FS_RULE_READ) : *flags;
	if (w->found & w->need)
		return 1;
	parent = BPF_CORE_READ(d, d_parent);
	if (!parent || parent == d) {
		w->top = 1;
		return 1;
	}
	w->d = parent;
	return 0;
}

/*
 * The rules that cover dentry @d: up through d_parent to its filesystem's
 * root (mounts below a rule are rules themselves, so no mount is
 * crossed), at most HB_FS_MAX_DEPTH directories up. A second walk
 * (@both) keeps only what both objects have.
 */
static __always_inline void hb_fs_walk_up(struct hb_req *r, struct dentry *d,
					  __u64 id, bool both)
{
	struct hb_fs_walk w = { .d = d, .sandbox_id = id,
				.need = hb_fs_need(r->hook, r->fs_op) };

	if (!d) {
		r->unreadable = 1;
		return;
	}
	bpf_loop(HB_FS_MAX_DEPTH + 1, hb_fs_walk_cb, &w, 0);
	if (!(w.found & w.need) && !w.top)
		r->fs_deep = 1;
	r->fs_allow = both ? r->fs_allow & w.found : w.found;
}

/* Descriptors looked at for a held one; the rest are not (fail closed). */
#define HB_FD_SCAN_MAX 1024

struct hb_fd_scan {
	struct file **fd;
	struct inode *inode;
	__u32 max;
	__u32 fmode;
	__u8 held;
};

static long hb_fd_scan_cb(__u32 i, void *data)
{
	struct hb_fd_scan *s = data;
	struct file *f = NULL;

	if (i >= s->max)
		return 1;
	if (bpf_probe_read_kernel(&f, sizeof(f), &s->fd[i]) || !f)
		return 0;
	if (BPF_CORE_READ(f, f_inode) == s->inode && (BPF_CORE_READ(f, f_mode) & s->fmode)) {
		s->held = 1;
		return 1;
	}
	return 0;
}

/*
 * Whether the task holds a descriptor to @inode with one of the @fmode
 * bits: re-opening it (/dev/stdout, /proc/self/fd/N) then gains nothing.
 */
static __always_inline int hb_fd_held(struct inode *inode, __u32 fmode)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct hb_fd_scan s = { .inode = inode, .fmode = fmode };

	s.fd = BPF_CORE_READ(task, files, fdt, fd);
	s.max = BPF_CORE_READ(task, files, fdt, max_fds);
	if (!s.fd || !inode)
		return 0;
	bpf_loop(HB_FD_SCAN_MAX, hb_fd_scan_cb, &s, 0);
	return s.held;
}

/*
 * The filesystem guard's facts: rules over the objects, held descriptors.
 * Not inlined: its loop states take a stack frame of their own, which is
 * gone again when the denial's trace text needs one.
 */
static __noinline int hb_fs_facts(struct hb_ctx *c, __u32 fs, __u64 id)
{
	struct hb_req *r = &c->req;
	__u32 mode = r->hook == HB_HOOK_FS_WRITE ? HB_FS_READONLY : HB_FS_READ_ROOT;

	if (!(fs & mode) || r->fs_exempt)
		return 0;
	hb_fs_walk_up(r, c->fs_walk[0], id, false);
	if (c->fs_walk[1])
		hb_fs_walk_up(r, c->fs_walk[1], id, true);
	if (!(r->fs_allow & hb_fs_need(r->hook, r->fs_op)) && c->fs_inode)
		r->fs_held = hb_fd_held(c->fs_inode, c->fs_fmode);
	return 0;
}

/*
 * Fills the map-derived facts of @c->req for sandbox @id, as hook @hook
 * (a constant: only the lookups that hook needs remain).
 */
static __always_inline void hb_lookup_facts(struct hb_ctx *c,
					    const struct hb_policy *p,
					    __u32 level, __u64 id, __u16 hook)
{
	struct hb_req *r = &c->req;

	if (hook == HB_HOOK_PTRACE || hook == HB_HOOK_KILL || hook == HB_HOOK_PERF) {
		struct task_struct *target = c->target; /* not a CO-RE access */

		if (target) /* perf without a task: a whole CPU, outside already */
			r->outside = !hb_cgroup_in_sandbox(BPF_CORE_READ(target, cgroups,
									 dfl_cgrp), level, id);
		return;
	}
	if (hook == HB_HOOK_FILE_WRITE) {
		r->in_subtree = hb_cgroup_in_sandbox(c->file_cg, level, id);
		return;
	}
	if (hook == HB_HOOK_FS_WRITE || hook == HB_HOOK_FS_READ) {
		hb_fs_facts(c, p->fs, id);
		return;
	}
	if (hook == HB_HOOK_EXEC || hook == HB_HOOK_EXEC_FILE) {
		struct hb_inode_key ek = { .sandbox_id = id, .ino = c->file_ino,
					  .dev = c->file_dev };

		r->exec_match = c->file_ino &&
				bpf_map_lookup_elem(&hb_exec_rules, &ek) != NULL;
		return;
	}
	r->rule_match = 0;
	r->dns_match = 0;
	r->unix_match = 0;
	if (hook == HB_HOOK_UNIX) {
		struct hb_inode_key uk = { .sandbox_id = id, .ino = c->peer_ino,
					  .dev = c->peer_dev };

		if (!(p->net & HB_NET_UNIX_RULES) || r->unix_kind != HB_UNIX_PATHNAME)
			return;
		if (c->path_key) {
			c->path_key->sandbox_id = id;
			r->unix_match = bpf_map_lookup_elem(&hb_unix_paths, c->path_key) != NULL;
		} else {
			r->unix_match = bpf_map_lookup_elem(&hb_unix_rules, &uk) != NULL;
		}
		return;
	}
	if (hook != HB_HOOK_CONNECT && hook != HB_HOOK_SENDMSG)
		return;
	if (p->net & HB_NET_IP_RULES)
		r->rule_match = hb_rule_lookup(id, r, r->port) ||
				hb_rule_lookup(id, r, 0);
	if (p->net & HB_NET_DNS_PROXY) {
		struct hb_dns_key dk = { .sandbox_id = id };
		struct hb_dns_value *v;

		__builtin_memcpy(dk.addr, r->addr, sizeof(dk.addr));
		v = bpf_map_lookup_elem(&hb_dns_addrs, &dk);
		r->dns_match = v && v->expires_ns > bpf_ktime_get_ns();
	}
}

/* ---- the filesystem guard's trace text ------------------------------ */

#define HB_TEXT_MASK (2 * HB_EVENT_PATH_MAX - 1)

struct hb_text_walk {
	unsigned long d;    /* struct dentry *, as a number: only read through */
	unsigned long mnt;  /* struct vfsmount *, or 0          bpf_probe_read */
	__u32 pos;          /* the text so far starts here and ends at the window's end */
	__u32 floor;        /* the lowest position it may take */
	__u8 top;           /* reached the root */
};

/* One component of hb_text_path(), or one mount crossed; 1 stops. */
static long hb_text_cb(__u32 i, void *data)
{
	struct hb_text_walk *w = data;
	struct dentry *d = (struct dentry *)w->d, *parent;
	struct vfsmount *mnt = (struct vfsmount *)w->mnt;
	struct hb_path_buf *buf;
	__u32 zero = 0, len;
	struct qstr name;

	buf = bpf_map_lookup_elem(&hb_scratch, &zero);
	if (!buf)
		return 1;
	if (mnt && d == BPF_CORE_READ(mnt, mnt_root)) {
		/* The root of a mount: go on from where it is mounted. */
		unsigned long m = (unsigned long)mnt - bpf_core_field_offset(struct mount, mnt);
		unsigned long up = (unsigned long)BPF_CORE_READ((struct mount *)m, mnt_parent);

		if (!up || up == m) {
			w->top = 1;
			return 1;
		}
		w->d = (unsigned long)BPF_CORE_READ((struct mount *)m, mnt_mountpoint);
		w->mnt = up + bpf_core_field_offset(struct mount, mnt);
		return 0;
	}
	parent = BPF_CORE_READ(d, d_parent);
	if (!parent || parent == d) {
		w->top = 1;
		return 1;
	}
	if (bpf_core_read(&name, sizeof(name), &d->d_name))
		return 1;
	len = name.len;
	if (w->pos < w->floor + len + 1)
		return 1; /* no room: cut on the left */
	w->pos -= len;
	bpf_probe_read_kernel(buf->text + (w->pos & HB_TEXT_MASK),
			      len & (HB_EVENT_PATH_MAX - 1), name.name);
	w->pos -= 1;
	buf->text[w->pos & HB_TEXT_MASK] = '/';
	w->d = (unsigned long)parent;
	return 0;
}

/* A mount of @d's filesystem, for hooks that know no mount: the first one. */
static __always_inline unsigned long hb_any_mount(struct dentry *d)
{
	struct super_block *sb = BPF_CORE_READ(d, d_sb);
	unsigned long head = (unsigned long)sb + bpf_core_field_offset(struct super_block, s_mounts);
	unsigned long first = (unsigned long)BPF_CORE_READ(sb, s_mounts.next);

	if (!sb || !first || first == head)
		return 0;
	return first - bpf_core_field_offset(struct mount, mnt_instance) +
	       bpf_core_field_offset(struct mount, mnt);
}

/*
 * The path of @d into the scratch text, ending at @end, at most @max
 * bytes (then "..." and the rightmost part). Returns where it starts. A
 * global function: its loop is verified once, not once per call.
 */
__noinline __u32 hb_text_path(__u64 d, __u64 mnt, __u32 end, __u32 max)
{
	struct hb_text_walk w = { .d = d, .mnt = mnt, .pos = end, .floor = end - max };
	struct hb_path_buf *buf;
	__u32 zero = 0;

	buf = bpf_map_lookup_elem(&hb_scratch, &zero);
	if (!buf || end > 2 * HB_EVENT_PATH_MAX || max + 3 > end)
		return end;
	if (!w.mnt)
		w.mnt = hb_any_mount((struct dentry *)d);
	/* Components of one byte and a slash, and as many mounts. */
	bpf_loop(HB_EVENT_PATH_MAX, hb_text_cb, &w, 0);
	if (w.pos == end) { /* the root itself */
		w.pos--;
		buf->text[w.pos & HB_TEXT_MASK] = '/';
	}
	if (!w.top) {
		w.pos -= 3;
		buf->text[w.pos & HB_TEXT_MASK] = '.';
		buf->text[(w.pos + 1) & HB_TEXT_MASK] = '.';
		buf->text[(w.pos + 2) & HB_TEXT_MASK] = '.';
	}
	return w.pos;
}

/*
 * The event's path into the scratch buffer's path: one file's, or
 * "old\0new" for rename and link; returns its length. A global function:
 * verified once, and only in the programs that call it.
 */
__noinline __u32 hb_fs_text(const struct hb_ctx *c)
{
	struct hb_path_buf *buf;
	__u32 zero = 0, a, b, n1, n2;

	buf = bpf_map_lookup_elem(&hb_scratch, &zero);
	if (!c || !buf || !c->fs_text[0])
		return 0;
	if (!c->fs_text[1]) {
		a = hb_text_path((__u64)c->fs_text[0], (__u64)c->fs_mnt[0],
				 HB_EVENT_PATH_MAX, HB_EVENT_PATH_MAX - 4);
		n1 = (HB_EVENT_PATH_MAX - a) & (HB_EVENT_PATH_MAX - 1);
		return bpf_probe_read_kernel(buf->path, n1, buf->text + (a & HB_TEXT_MASK)) ?
			0 : n1;
	}
	a = hb_text_path((__u64)c->fs_text[0], (__u64)c->fs_mnt[0],
			 HB_EVENT_PATH_MAX, HB_EVENT_PATH_MAX / 2 - 4);
	b = hb_text_path((__u64)c->fs_text[1], (__u64)c->fs_mnt[1],
			 2 * HB_EVENT_PATH_MAX, HB_EVENT_PATH_MAX / 2 - 4);
	n1 = (HB_EVENT_PATH_MAX - a) & (HB_EVENT_PATH_MAX / 2 - 1);
	n2 = (2 * HB_EVENT_PATH_MAX - b) & (HB_EVENT_PATH_MAX / 2 - 1);
	if (bpf_probe_read_kernel(buf->path, n1, buf->text + (a & HB_TEXT_MASK)))
		return 0;
	buf->path[n1] = '\0';
	if (bpf_probe_read_kernel(buf->path + n1 + 1, n2, buf->text + (b & HB_TEXT_MASK)))
		return 0;
	return n1 + 1 + n2;
}

/*
 * A global function: the verifier checks it once, on its own, instead of
 * once for every state that reaches a denial.
 */
/*
 * Under --audit a denial is allowed and reported, except the seal's: what
 * protects the sandbox (and its event stream) is never relaxed.
 */
static __always_inline bool hb_audited(const struct hb_policy *p, __u16 hook,
				       enum hb_reason reason)
{
	/* A hook the seal shares (ptrace) is relaxed for the other guard's reasons. */
	return (p->mode & HB_MODE_AUDIT) &&
	       (!(hb_hook_guard(hook) & HB_GUARD_TAMPER) ||
		reason == HB_REASON_NATIVE_MEMORY);
}

/*
 * The rate limit, a token bucket kept as nanoseconds of credit: time adds
 * credit up to a burst's worth, an event spends event_cost_ns of it. Only
 * events are limited; the decision was already made.
 */
static __always_inline bool hb_rate_ok(struct hb_stats *st, const struct hb_policy *p)
{
	__u64 now, cap, credit;

	if (!p->event_cost_ns)
		return true;
	now = bpf_ktime_get_ns();
	cap = (__u64)p->event_cost_ns * p->event_burst;
	credit = st->credit_ns + (now - st->credit_at_ns);
	if (!st->credit_at_ns || credit > cap)
		credit = cap;
	st->credit_at_ns = now;
	if (credit < p->event_cost_ns) {
		st->credit_ns = credit;
		return false;
	}
	st->credit_ns = credit - p->event_cost_ns;
	return true;
}

/*
 * A denial counted, its seq taken, and its record reserved in the
 * sandbox's ring; NULL when none is to be written (limited or lost, and
 * counted so: seq = delivered + lost + limited).
 */
static __always_inline struct hb_event *hb_event_take(__u64 sandbox_id,
						      const struct hb_policy *p)
{
	struct hb_stats *st = bpf_map_lookup_elem(&hb_stats, &sandbox_id);
	struct hb_event *ev;
	__u64 seq;
	void *ring;

	if (!st)
		return NULL;
	__sync_fetch_and_add(&st->denied, 1);
	seq = __sync_fetch_and_add(&st->seq, 1) + 1;
	if (!hb_rate_ok(st, p)) {
		__sync_fetch_and_add(&st->events_limited, 1);
		return NULL;
	}
	ring = bpf_map_lookup_elem(&hb_event_rings, &sandbox_id);
	ev = bpf_ringbuf_reserve(ring ?: (void *)&hb_events, sizeof(*ev), 0);
	if (!ev) {
		__sync_fetch_and_add(&st->events_lost, 1);
		return NULL;
	}
	ev->seq = seq;
	return ev;
}

__noinline int hb_report(const struct hb_ctx *c, __u64 sandbox_id, __u32 reason,
			 const struct hb_policy *p)
{
	const struct hb_req *req;
	struct task_struct *task;
	struct hb_event *ev;
	__u64 pid_tgid;

	if (!c || !p)
		return 0;
	req = &c->req;
	ev = hb_event_take(sandbox_id, p);
	if (!ev)
		return 0;
	task = bpf_get_current_task_btf();
	ev->ppid = BPF_CORE_READ(task, real_parent, tgid);
	ev->pad2 = 0;
	pid_tgid = bpf_get_current_pid_tgid();
	ev->ts_ns = bpf_ktime_get_ns();
	ev->cgroup_id = bpf_get_current_cgroup_id();
	ev->sandbox_id = sandbox_id;
	ev->pid = (__u32)pid_tgid;
	ev->tgid = pid_tgid >> 32;
	ev->uid = (__u32)bpf_get_current_uid_gid();
	ev->hook = req->hook;
	ev->reason = reason;
	ev->verdict = hb_audited(p, req->hook, reason) ? HB_VERDICT_AUDIT : HB_VERDICT_DENY;
	if (req->hook == HB_HOOK_SOCKET) {
		ev->family = req->family;
		ev->port = req->type;
	} else if (req->hook == HB_HOOK_UNIX) {
		ev->family = HB_AF_UNIX;
		ev->port = 0;
	} else {
		ev->family = req->addr_family;
		ev->port = req->port;
	}
	ev->protocol = req->protocol;
	ev->arg = c->arg;
	ev->pad = 0;
	__builtin_memcpy(ev->addr, req->addr, sizeof(ev->addr));
	bpf_get_current_comm(ev->comm, sizeof(ev->comm));
	ev->path_len = 0;
	if (c->path && c->path_len) {
		__u32 n = c->path_len;

		if (n > HB_EVENT_PATH_MAX - 1)
			n = HB_EVENT_PATH_MAX - 1;
		n &= HB_EVENT_PATH_MAX - 1; /* a bound the verifier can see */
		if (c->path_str) {
			long got = bpf_probe_read_kernel_str(ev->path, n + 1, c->path);

			if (got > 0)
				ev->path_len = got - 1;
		} else if (!bpf_probe_read_kernel(ev->path, n, c->path)) {
			ev->path_len = n;
		}
	}
	bpf_ringbuf_submit(ev, 0);
	return 0;
}

/*
 * The command's own execve() is the first in its sandbox: the launcher's
 * child is the only process there until it execs. The policy holds a
 * one-shot token the first execve takes; the task remembers, for the
 * files that execve goes on to run (bprm_check_security), that it is the
 * first. Nothing can hand the token back: only the loader writes it.
 */
static __always_inline void hb_take_first_exec(struct hb_ctx *c,
					       struct hb_policy *p)
{
	__u32 *flag = bpf_task_storage_get(&hb_first_exec, bpf_get_current_task_btf(),
					   0, BPF_LOCAL_STORAGE_GET_F_CREATE);

	c->req.first_exec = __sync_val_compare_and_swap(&p->first_exec, 1, 0) == 1;
	if (flag)
		*flag = c->req.first_exec;
}

/* The sandbox enclosing the current task, and whether there are more. */
struct hb_nest {
	__u32 from;
	__u32 count;
	__u64 id;           /* the outermost one */
};

/* One level of hb_enforce()'s search; 1 stops the loop. */
static long hb_nest_cb(__u32 i, void *data)
{
	struct hb_nest *nest = data;
	__u32 lvl = nest->from + i;
	__u64 id;

	if (lvl >= HB_MAX_LEVELS)
		return 1;
	id = bpf_get_current_ancestor_cgroup_id(lvl);
	if (!id) /* the task sits above this level */
		return 1;
	if (!bpf_map_lookup_elem(&hb_policies, &id))
		return 0;
	if (!nest->count++)
		nest->id = id;
	return nest->count > 1;
}

/*
 * The verdict of the sandbox enclosing the task. bpf_loop() only finds
 * it (a tiny body for the verifier); the decision runs once, inline, with
 * @hook a constant so that only that hook's code is there to verify. A
 * loaded instance holds sandboxes that do not nest (each `run` loads its
 * own), so a task under two of one instance's sandboxes is a state this
 * code does not handle: it fails closed.
 */
static __always_inline int hb_enforce(struct hb_ctx *c, int first, __u16 hook)
{
	struct hb_nest nest = { .from = first };
	struct hb_policy *p;
	enum hb_reason reason;
	__u32 hi = hb_level_hi;

	if (first < 0 || (__u32)first >= hi)
		return 0;
	bpf_loop(hi - first, hb_nest_cb, &nest, 0);
	p = bpf_map_lookup_elem(&hb_policies, &nest.id);
	if (!p) /* removed meanwhile: its sandbox is gone */
		return 0;
	c->req.hook = hook;
	hb_req_classify(&c->req);
	/*
	 * Whether the redirect programs see this socket: it was made inside
	 * the sandbox. cgroup programs run only for such sockets and pass none.
	 */
	if (hb_hook_guard(hook) == HB_GUARD_NET)
		c->req.own_socket = c->sk ? hb_sock_in_sandbox(c->sk, first, nest.id) : 1;
	hb_lookup_facts(c, p, first, nest.id, hook);
	if (hook == HB_HOOK_EXEC)
		hb_take_first_exec(c, p);
	reason = nest.count > 1 ? HB_REASON_UNREADABLE : hb_decide_hook(p, &c->req, hook);
	if (reason == HB_REASON_NONE)
		return 0;
	if (hook == HB_HOOK_FS_WRITE || hook == HB_HOOK_FS_READ) {
		__u32 zero = 0;
		struct hb_path_buf *buf = bpf_map_lookup_elem(&hb_scratch, &zero);

		c->path_len = hb_fs_text(c);
		c->path = buf ? buf->path : NULL;
		c->path_str = 0;
	}
	hb_report(c, nest.id, reason, p);
	return hb_audited(p, hook, reason) ? 0 : -hb_hook_errno(hook);
}

/* Family, address (IPv4 mapped) and port of a kernel sockaddr. */
static __always_inline void hb_read_sockaddr(struct hb_req *req,
					     const void *sa, int len)
{
	union {
		struct sockaddr sa;
		struct sockaddr_in in;
		struct sockaddr_in6 in6;
	} u = {};

	/* Kernel callers pass a struct sockaddr_storage: 128 bytes. */
	if (!sa || bpf_probe_read_kernel(&u, sizeof(u), sa)) {
		req->unreadable = 1;
		return;
	}
	req->addrlen = len;
	req->addr_family = u.sa.sa_family;
	if (u.sa.sa_family == HB_AF_INET) {
		req->port = bpf_ntohs(u.in.sin_port);
		hb_addr_map_v4(req->addr, (const __u8 *)&u.in.sin_addr);
	} else if (u.sa.sa_family == HB_AF_INET6) {
		req->port = bpf_ntohs(u.in6.sin6_port);
		__builtin_memcpy(req->addr, &u.in6.sin6_addr, 16);
	}
}

/* The socket's family, type and protocol; its struct sock into @c->sk. */
static __always_inline void hb_read_sock(struct hb_ctx *c, struct socket *sock)
{
	struct hb_req *req = &c->req;
	struct sock *sk = NULL;
	__u16 family = 0, protocol = 0;
	short type = 0;

	if (bpf_core_read(&sk, sizeof(sk), &sock->sk) || !sk ||
	    bpf_core_read(&family, sizeof(family), &sk->__sk_common.skc_family) ||
	    bpf_core_read(&protocol, sizeof(protocol), &sk->sk_protocol) ||
	    bpf_core_read(&type, sizeof(type), &sock->type))
		req->unreadable = 1;
	c->sk = sk;
	req->family = family;
	req->protocol = protocol;
	req->type = type;
}

/* ---- tier A: BPF-LSM ------------------------------------------------ */

SEC("lsm/socket_connect")
int BPF_PROG(hb_connect, struct socket *sock, struct sockaddr *address,
	     int addrlen, int ret)
{
	struct hb_ctx c = { .req.hook = HB_HOOK_CONNECT };
	int first;

	if (hb_skip(ret, &first))
		return ret;
	hb_read_sock(&c, sock);
	hb_read_sockaddr(&c.req, address, addrlen);
	return hb_enforce(&c, first, HB_HOOK_CONNECT);
}

/*
 * Control messages one send may carry before the walk gives up and
 * denies (fail closed): a sender needs a handful (packet info, TTL,
 * TOS, timestamps), each at least 16 bytes.
 */
#define HB_CMSG_MAX 64

struct hb_cmsg_walk {
	__u64 ctl;      /* the kernel's copy of the control buffer */
	__u64 len;      /* its length */
	__u64 off;      /* where the next cmsghdr starts */
	__s32 level;    /* the route option found, if any */
	__s32 type;
	__u8 found;     /* a route option */
	__u8 bad;       /* unreadable, malformed or more than HB_CMSG_MAX */
	__u8 done;      /* walked to the end */
};

/* One cmsghdr of hb_cmsg_route(); 1 stops the loop. */
static long hb_cmsg_cb(__u32 i, void *data)
{
	struct hb_cmsg_walk *w = data;
	struct { __u64 len; __s32 level, type; } h;

	if (w->off + sizeof(h) > w->len) {
		w->done = 1;
		return 1;
	}
	if (i >= HB_CMSG_MAX) /* one more than the bound: not done, denied */
		return 1;
	if (bpf_probe_read_kernel(&h, sizeof(h), (void *)(w->ctl + w->off)) ||
	    h.len < sizeof(h) || h.len > w->len - w->off) {
		w->bad = 1; /* the kernel would refuse it too (CMSG_OK) */
		return 1;
	}
	if (hb_net_route_option(h.level, h.type)) {
		w->found = 1;
		w->level = h.level;
		w->type = h.type;
		return 1;
	}
	w->off += (h.len + 7) & ~7ULL; /* CMSG_ALIGN */
	return 0;
}

/*
 * A send's ancillary data may carry a source route or a routing header
 * (IP_RETOPTS, IPV6_RTHDR): the packet would go to their first hop, not
 * to the destination judged. Fills @c as a HB_HOOK_SOCKOPT request; 1 if
 * there is anything to judge.
 */
static __always_inline int hb_cmsg_route(struct hb_ctx *c, struct msghdr *msg)
{
	struct hb_cmsg_walk w = {};
	void *ctl = NULL;
	__u64 len = 0;

	if (bpf_core_read(&len, sizeof(len), &msg->msg_controllen) ||
	    bpf_core_read(&ctl, sizeof(ctl), &msg->msg_control)) {
		c->req.unreadable = 1;
		return 1;
	}
	if (!len)
		return 0;
	/* sendmsg() hands the hook a kernel copy; anything else is unknown. */
	if (!ctl || (bpf_core_field_exists(msg->msg_control_is_user) &&
		     BPF_CORE_READ_BITFIELD_PROBED(msg, msg_control_is_user))) {
		c->req.unreadable = 1;
		return 1;
	}
	w.ctl = (__u64)ctl;
	w.len = len;
	/* The last round only finds the end after HB_CMSG_MAX messages. */
	bpf_loop(HB_CMSG_MAX + 1, hb_cmsg_cb, &w, 0);
	if (w.bad || (!w.found && !w.done))
		c->req.unreadable = 1;
	c->req.route_opt = w.found;
	c->req.protocol = w.level;
	c->arg = (__u32)w.type | HB_SOCKOPT_CMSG;
	return 1;
}

SEC("lsm/socket_sendmsg")
int BPF_PROG(hb_sendmsg, struct socket *sock, struct msghdr *msg, int size,
	     int ret)
{
	struct hb_ctx c = { .req.hook = HB_HOOK_SENDMSG };
	void *name = NULL;
	int namelen = 0, first;

	if (hb_skip(ret, &first))
		return ret;
	/* Ancillary data first: it applies to connected sends too. */
	hb_read_sock(&c, sock);
	if (c.req.unreadable || hb_is_inet(c.req.family)) {
		c.req.addr_family = c.req.family;
		/* the event's protocol field: the level (hb_cmsg_route) */
		if (c.req.unreadable || hb_cmsg_route(&c, msg)) {
			ret = hb_enforce(&c, first, HB_HOOK_SOCKOPT);
			if (ret)
				return ret;
		}
		/* The destination next, from a clean request. */
		__builtin_memset(&c, 0, sizeof(c));
		hb_read_sock(&c, sock);
	}
	if (bpf_core_read(&name, sizeof(name), &msg->msg_name) ||
	    bpf_core_read(&namelen, sizeof(namelen), &msg->msg_namelen)) {
		c.req.unreadable = 1;
	} else if (!name || namelen <= 0) {
		/*
		 * No destination: a connected socket, whose peer passed
		 * socket_connect, or a descriptor handed in from outside.
		 */
		return 0;
	}
	if (!c.req.unreadable)
		hb_read_sockaddr(&c.req, name, namelen);
	return hb_enforce(&c, first, HB_HOOK_SENDMSG);
}

SEC("lsm/socket_create")
int BPF_PROG(hb_sock_create, int family, int type, int protocol, int kern,
	     int ret)
{
	struct hb_ctx c = {
		.req.hook = HB_HOOK_SOCKET,
		.req.family = family,
		.req.type = type,
		.req.protocol = protocol,
	};
	int first;

	if (ret)
		return ret;
	if (kern) /* the kernel's own sockets, not the task's */
		return 0;
	first = hb_first_level();
	if (first < 0)
		return 0;
	return hb_enforce(&c, first, HB_HOOK_SOCKET);
}

SEC("lsm/socket_bind")
int BPF_PROG(hb_bind, struct socket *sock, struct sockaddr *address,
	     int addrlen, int ret)
{
	struct hb_ctx c = { .req.hook = HB_HOOK_BIND };
	int first;

	if (hb_skip(ret, &first))
		return ret;
	hb_read_sock(&c, sock);
	hb_read_sockaddr(&c.req, address, addrlen);
	return hb_enforce(&c, first, HB_HOOK_BIND);
}

/* listen() binds an unbound socket to the wildcard: judge what is bound. */
SEC("lsm/socket_listen")
int BPF_PROG(hb_listen, struct socket *sock, int backlog, int ret)
{
	struct hb_ctx c = { .req.hook = HB_HOOK_LISTEN };
	struct sock_common *skc;
	int first;

	if (hb_skip(ret, &first))
		return ret;
	hb_read_sock(&c, sock);
	skc = (struct sock_common *)c.sk;
	if (!c.req.unreadable && c.req.family == HB_AF_INET) {
		__be32 a4 = 0;

		if (bpf_core_read(&a4, sizeof(a4), &skc->skc_rcv_saddr))
			c.req.unreadable = 1;
		hb_addr_map_v4(c.req.addr, (const __u8 *)&a4);
		c.req.addr_family = HB_AF_INET;
	} else if (!c.req.unreadable && c.req.family == HB_AF_INET6) {
		if (bpf_core_read(c.req.addr, 16, &skc->skc_v6_rcv_saddr))
			c.req.unreadable = 1;
		c.req.addr_family = HB_AF_INET6;
	}
	c.req.port = BPF_CORE_READ(skc, skc_num);
	return hb_enforce(&c, first, HB_HOOK_LISTEN);
}

/* A unix peer's identity (inode) and name, for the decision and the event. */
static __always_inline int hb_unix_peer(struct hb_ctx *c, struct sock *other)
{
	struct unix_sock *u = (struct unix_sock *)other;
	struct unix_address *addr = NULL;
	struct dentry *dentry = NULL;
	int len = 0;

	c->req.hook = HB_HOOK_UNIX;
	c->req.family = HB_AF_UNIX;
	if (!other || bpf_core_read(&addr, sizeof(addr), &u->addr) ||
	    bpf_core_read(&dentry, sizeof(dentry), &u->path.dentry)) {
		c->req.unreadable = 1;
		return 0;
	}
	if (!addr) {
		c->req.unix_kind = HB_UNIX_UNNAMED;
		return 0;
	}
	if (bpf_core_read(&len, sizeof(len), &addr->len))
		c->req.unreadable = 1;
	/* sun_path follows the 2-byte family in the bound sockaddr_un. */
	c->path = (const char *)&addr->name[0] + sizeof(__u16);
	c->path_len = len > (int)sizeof(__u16) ? len - sizeof(__u16) : 0;
	if (!dentry) {
		c->req.unix_kind = HB_UNIX_ABSTRACT;
		return 0;
	}
	c->req.unix_kind = HB_UNIX_PATHNAME;
	c->peer_ino = BPF_CORE_READ(dentry, d_inode, i_ino);
	c->peer_dev = BPF_CORE_READ(dentry, d_inode, i_sb, s_dev);
	if (!c->peer_ino)
		c->req.unreadable = 1;
	return 0;
}

SEC("lsm/unix_stream_connect")
int BPF_PROG(hb_unix_connect, struct sock *sock, struct sock *other,
	     struct sock *newsk, int ret)
{
	struct hb_ctx c = {};
	int first;

	if (hb_skip(ret, &first))
		return ret;
	hb_unix_peer(&c, other);
	return hb_enforce(&c, first, HB_HOOK_UNIX);
}

/* Datagrams: on connect() and on every send, to a named or unnamed peer. */
SEC("lsm/unix_may_send")
int BPF_PROG(hb_unix_send, struct socket *sock, struct socket *other, int ret)
{
	struct hb_ctx c = {};
	int first;

	if (hb_skip(ret, &first))
		return ret;
	hb_unix_peer(&c, BPF_CORE_READ(other, sk));
	return hb_enforce(&c, first, HB_HOOK_UNIX);
}

/*
 * Options that change where packets go: a source route (IP_OPTIONS), a
 * routing header (IPV6_RTHDR), ... The hooks judge the destination; the
 * packet would leave for the route's first hop (hb_net_route_option).
 */
SEC("lsm/socket_setsockopt")
int BPF_PROG(hb_setsockopt, struct socket *sock, int level, int optname, int ret)
{
	struct hb_ctx c = { .req.hook = HB_HOOK_SOCKOPT };
	int first;

	if (ret)
		return ret;
	/* The cheapest exit first: nearly every option is not one of these. */
	if (!hb_net_route_option(level, optname) || hb_skip(0, &first))
		return 0;
	hb_read_sock(&c, sock);
	c.req.route_opt = 1;
	c.req.addr_family = c.req.family;
	c.req.protocol = level; /* the event's protocol field: the level */
	c.arg = optname;
	return hb_enforce(&c, first, HB_HOOK_SOCKOPT);
}

/* ---- tier A: exec and native code --------------------------------- */

#define HB_S_IWGRP 0020
#define HB_S_IWOTH 0002
#define HB_S_IROTH 0004
#define HB_S_IFMT 0170000
#define HB_S_IFREG 0100000
#define HB_VM_WRITE 0x2
#define HB_VM_EXEC 0x4

/*
 * Trusted for --block-native: a regular file owned by root, writable by
 * nobody else and readable by everyone, in a directory owned by root and
 * writable by nobody else. Nobody but root can have written it or put it
 * there (a root command has no such limit: spec/exec.md says so); and
 * root's files that a user reads only through a group or an ACL (logs,
 * the journal, core dumps, the locate database) hold what users wrote
 * into them, not code root installed, which is world-readable.
 */
static __always_inline int hb_file_trusted(struct file *file)
{
	struct dentry *dir = BPF_CORE_READ(file, f_path.dentry, d_parent);
	struct inode *inode = BPF_CORE_READ(file, f_inode);
	struct inode *dinode = BPF_CORE_READ(dir, d_inode);
	umode_t mode = BPF_CORE_READ(inode, i_mode);
	umode_t dmode = BPF_CORE_READ(dinode, i_mode);

	return inode && dinode && (mode & HB_S_IFMT) == HB_S_IFREG &&
	       BPF_CORE_READ(inode, i_uid.val) == 0 &&
	       BPF_CORE_READ(dinode, i_uid.val) == 0 &&
	       !(mode & (HB_S_IWGRP | HB_S_IWOTH)) && (mode & HB_S_IROTH) &&
	       !(dmode & (HB_S_IWGRP | HB_S_IWOTH));
}

/* The file's identity for --allow-exec, and the facts --block-native needs. */
static __always_inline void hb_read_file(struct hb_ctx *c, struct file *file)
{
	struct inode *inode = BPF_CORE_READ(file, f_inode);
	struct task_struct *task = bpf_get_current_task_btf();
	struct inode *exe = BPF_CORE_READ(task, mm, exe_file, f_inode);

	c->file_ino = BPF_CORE_READ(inode, i_ino);
	c->file_dev = BPF_CORE_READ(inode, i_sb, s_dev);
	if (!inode || !c->file_ino)
		c->req.unreadable = 1;
	c->req.trusted = hb_file_trusted(file);
	c->req.own_exe = exe && exe == inode;
}

/* A file's path for the event, from sleepable hooks (bpf_d_path). */
static __always_inline void hb_file_path(struct hb_ctx *c, struct file *file)
{
	__u32 zero = 0;
	struct hb_path_buf *buf = bpf_map_lookup_elem(&hb_scratch, &zero);
	long n;

	if (!buf)
		return;
	n = bpf_d_path(&file->f_path, buf->path, sizeof(buf->path));
	if (n > 0) {
		c->path = buf->path;
		c->path_len = n - 1; /* without the NUL */
	}
}

/* execve(): once per call, with the file it opened first. */
SEC("lsm/bprm_creds_for_exec")
int BPF_PROG(hb_exec, struct linux_binprm *bprm, int ret)
{
	struct hb_ctx c = {};
	const char *name;
	int first;

	if (hb_skip(ret, &first))
		return ret;
	hb_read_file(&c, bprm->file);
	/* The name it was asked for (execve's path): what the user recognises. */
	name = BPF_CORE_READ(bprm, filename);
	c.path = name;
	c.path_len = HB_EVENT_PATH_MAX - 1;
	c.path_str = 1;
	return hb_enforce(&c, first, HB_HOOK_EXEC);
}

/* Each file an execve() runs: the program, a script's interpreter, ... */
SEC("lsm/bprm_check_security")
int BPF_PROG(hb_exec_file, struct linux_binprm *bprm, int ret)
{
	struct hb_ctx c = {};
	__u32 *flag;
	int first;

	if (hb_skip(ret, &first))
		return ret;
	flag = bpf_task_storage_get(&hb_first_exec, bpf_get_current_task_btf(), 0, 0);
	c.req.first_exec = flag && *flag;
	hb_read_file(&c, bprm->file);
	c.path = BPF_CORE_READ(bprm, interp);
	c.path_len = HB_EVENT_PATH_MAX - 1;
	c.path_str = 1;
	return hb_enforce(&c, first, HB_HOOK_EXEC_FILE);
}

/*
 * The credentials an exec computed (setuid and setgid bits, file
 * capabilities; commoncap ran before): more than the task has is denied,
 * as no_new_privs would ignore it. Root's changes are not gains.
 */
SEC("lsm/bprm_creds_from_file")
int BPF_PROG(hb_setid, struct linux_binprm *bprm, struct file *file, int ret)
{
	struct task_struct *task = bpf_get_current_task_btf();
	const struct cred *old, *new;
	struct hb_ctx c = {};
	__u64 old_caps = 0, new_caps = 0;
	__u32 euid;
	int first;

	if (hb_skip(ret, &first))
		return ret;
	old = BPF_CORE_READ(task, cred);
	new = BPF_CORE_READ(bprm, cred);
	euid = BPF_CORE_READ(old, euid.val);
	/* 64 bits of capabilities, as u32[2] (6.1) or u64 (6.3+) */
	bpf_core_read(&old_caps, sizeof(old_caps), &old->cap_permitted);
	bpf_core_read(&new_caps, sizeof(new_caps), &new->cap_permitted);
	c.req.gains = euid != 0 &&
		      (BPF_CORE_READ(new, euid.val) != euid ||
		       BPF_CORE_READ(new, egid.val) != BPF_CORE_READ(old, egid.val) ||
		       (new_caps & ~old_caps));
	if (!c.req.gains)
		return 0;
	c.path = BPF_CORE_READ(bprm, filename);
	c.path_len = HB_EVENT_PATH_MAX - 1;
	c.path_str = 1;
	return hb_enforce(&c, first, HB_HOOK_SETID);
}

/* Executable mappings: of a file, or anonymous (file is NULL). */
SEC("lsm.s/mmap_file")
int BPF_PROG(hb_mmap, struct file *file, unsigned long reqprot,
	     unsigned long prot, unsigned long flags, int ret)
{
	struct hb_ctx c = { .req.prot = prot, .arg = prot };
	int first;

	if (ret)
		return ret;
	if (!(prot & HB_PROT_EXEC)) /* the common case, and never denied */
		return 0;
	first = hb_first_level();
	if (first < 0)
		return 0;
	if (file) {
		hb_read_file(&c, file);
		hb_file_path(&c, file);
	} else {
		c.req.anon = 1;
	}
	return hb_enforce(&c, first, HB_HOOK_MMAP);
}

/*
 * Making a mapping executable (or executable and writable) later. Not a
 * sleepable hook: the event names the file's last component only.
 */
SEC("lsm/file_mprotect")
int BPF_PROG(hb_mprotect, struct vm_area_struct *vma, unsigned long reqprot,
	     unsigned long prot, int ret)
{
	struct hb_ctx c = { .req.prot = prot, .arg = prot };
	unsigned long vm_flags;
	struct file *file;
	int first;

	if (ret)
		return ret;
	if (!(prot & HB_PROT_EXEC))
		return 0;
	first = hb_first_level();
	if (first < 0)
		return 0;
	vm_flags = BPF_CORE_READ(vma, vm_flags);
	file = BPF_CORE_READ(vma, vm_file);
	c.req.was_exec = !!(vm_flags & HB_VM_EXEC);
	/* Private pages already written (copy-on-write): code put there. */
	c.req.modified = !!(vm_flags & HB_VM_WRITE) || BPF_CORE_READ(vma, anon_vma);
	if (file) {
		hb_read_file(&c, file);
		c.path = BPF_CORE_READ(file, f_path.dentry, d_name.name);
		c.path_len = HB_EVENT_PATH_MAX - 1;
		c.path_str = 1;
	} else {
		c.req.anon = 1;
	}
	return hb_enforce(&c, first, HB_HOOK_MPROTECT);
}

/*
 * Roads into memory that no mapping call announces (--block-native): a
 * userfaultfd fills faulting pages with chosen bytes (UFFDIO_COPY into
 * a private read+exec mapping of a trusted file), /proc/PID/mem and a
 * tracer write through page protections (FOLL_FORCE). Ptrace attach is
 * judged by hb_ptrace; PTRACE_TRACEME, which asks no access check of the
 * tracer, here.
 */
static __always_inline int hb_memory_road(int first, __u32 road)
{
	struct hb_ctx c = { .arg = road };

	return hb_enforce(&c, first, HB_HOOK_MEMORY);
}

/* userfaultfd(2) and /dev/userfaultfd name the new inode so. */
static const char hb_uffd_name[] = "[userfaultfd]";

SEC("lsm/inode_init_security_anon")
int BPF_PROG(hb_anon_inode, struct inode *inode, const struct qstr *name,
	     const struct inode *context_inode, int ret)
{
	char buf[sizeof(hb_uffd_name)] = {};
	int first;

	if (ret || BPF_CORE_READ(name, len) != sizeof(hb_uffd_name) - 1)
		return ret;
	first = hb_first_level();
	if (first < 0)
		return 0;
	/* Unreadable: judged as a userfaultfd (its length already matches). */
	if (!bpf_probe_read_kernel(buf, sizeof(buf) - 1, BPF_CORE_READ(name, name)))
		for (int i = 0; i < (int)sizeof(buf) - 1; i++)
			if (buf[i] != hb_uffd_name[i])
				return 0;
	return hb_memory_road(first, HB_MEMORY_USERFAULTFD);
}

SEC("lsm/ptrace_traceme")
int BPF_PROG(hb_traceme, struct task_struct *parent, int ret)
{
	int first;

	if (hb_skip(ret, &first))
		return ret;
	return hb_memory_road(first, HB_MEMORY_TRACEME);
}

/* ---- tier A: tamper resistance (every sandbox, even a root command) --- */

SEC("lsm/bpf")
int BPF_PROG(hb_bpf, int cmd, union bpf_attr *attr, unsigned int size, int ret)
{
	struct hb_ctx c = { .arg = cmd };
	int first;

	if (hb_skip(ret, &first))
		return ret;
	return hb_enforce(&c, first, HB_HOOK_BPF);
}

/* capable()'s quiet probes (has_capability_noaudit): denied unreported. */
#define HB_CAP_OPT_NOAUDIT (1u << 1)

SEC("lsm/capable")
int BPF_PROG(hb_capable, const struct cred *cred, struct user_namespace *ns,
	     int cap, unsigned int opts, int ret)
{
	struct hb_ctx c = { .req.cap = cap, .arg = cap };
	int first, level = 0;

	if (hb_skip(ret, &first))
		return ret;
	/* A failed read leaves level 0: judged as the host's (fail closed). */
	bpf_core_read(&level, sizeof(level), &ns->level);
	c.req.cap_userns = level > 0;
	/*
	 * The kernel asks quietly where a "no" only changes a detail (the
	 * memory reserve on every mmap as root): no event for those.
	 */
	if ((opts & HB_CAP_OPT_NOAUDIT) && !c.req.cap_userns && !hb_cap_kept(cap))
		return -HB_EPERM;
	return hb_enforce(&c, first, HB_HOOK_CAPABLE);
}

#define HB_MAY_WRITE 0x2
#define HB_S_IFDIR 0040000

/*
 * Every change to the cgroup tree asks for write permission on a cgroupfs
 * inode: a file's (cgroup.procs, cgroup.kill, ...) or a directory's
 * (mkdir, rmdir). Moving a task, by a write to cgroup.procs or by
 * clone3(CLONE_INTO_CGROUP), asks it of the cgroup.procs of the lowest
 * cgroup above both where the task is and where it goes
 * (cgroup_attach_permissions). So a sandboxed task changes only its own
 * subtree, and moves only tasks already in it, into it, even as root and
 * through descriptors opened before.
 */
SEC("lsm/inode_permission")
int BPF_PROG(hb_inode_perm, struct inode *inode, int mask, int ret)
{
	struct hb_ctx c = { .req.fs_magic = HB_CGROUP2_SUPER_MAGIC };
	struct kernfs_node *kn;
	int first;

	if (ret || !(mask & HB_MAY_WRITE))
		return ret;
	if (BPF_CORE_READ(inode, i_sb, s_magic) != HB_CGROUP2_SUPER_MAGIC)
		return 0;
	first = hb_first_level();
	if (first < 0)
		return 0;
	kn = BPF_CORE_READ(inode, i_private);
	c.path = BPF_CORE_READ(kn, name);
	c.path_len = HB_EVENT_PATH_MAX - 1;
	c.path_str = 1;
	/* A directory's node is the cgroup's own; a file's parent is. */
	if ((BPF_CORE_READ(inode, i_mode) & HB_S_IFMT) != HB_S_IFDIR)
		kn = BPF_CORE_READ(kn, parent);
	c.file_cg = BPF_CORE_READ(kn, priv);
	return hb_enforce(&c, first, HB_HOOK_FILE_WRITE);
}

/*
 * ioctls that change a file's attributes or contents besides write():
 * chattr's flags (immutable, append-only, ...), project and extended
 * attributes, the inode's version, verity and encryption policies.
 */
#define HB_FS_IOC_SETFLAGS 0x40086602
#define HB_FS_IOC32_SETFLAGS 0x40046602
#define HB_FS_IOC_FSSETXATTR 0x401c5820
#define HB_FS_IOC_SETVERSION 0x40087602
#define HB_FS_IOC32_SETVERSION 0x40047602
#define HB_FS_IOC_ENABLE_VERITY 0x40806685
#define HB_FS_IOC_SET_ENCRYPTION_POLICY 0x800c6613

/* The filesystem guard's judgement of an attribute change (below). */
static __always_inline int hb_fs_attr(__u8 op, struct dentry *d);

static __always_inline int hb_ioctl_changes_file(unsigned int cmd)
{
	return cmd == HB_FS_IOC_SETFLAGS || cmd == HB_FS_IOC32_SETFLAGS ||
	       cmd == HB_FS_IOC_FSSETXATTR || cmd == HB_FS_IOC_SETVERSION ||
	       cmd == HB_FS_IOC32_SETVERSION || cmd == HB_FS_IOC_ENABLE_VERITY ||
	       cmd == HB_FS_IOC_SET_ENCRYPTION_POLICY;
}

/* Not inlined, like the checks below: each has a stack frame of its own. */
static __noinline int hb_ioctl_file(struct file *file)
{
	return hb_fs_attr(HB_FS_OP_SETATTR, BPF_CORE_READ(file, f_path.dentry));
}

static __noinline int hb_ioctl_tty(unsigned int cmd)
{
	struct hb_ctx c = { .req.request = cmd, .arg = cmd };
	int first = hb_first_level();

	if (first < 0)
		return 0;
	return hb_enforce(&c, first, HB_HOOK_IOCTL);
}

/*
 * ioctl: only the requests that reach past the sandbox (hb_ioctl_reason),
 * and under --fs-readonly those that change a file, are looked at; every
 * other ioctl on the host leaves at the first tests.
 */
static __always_inline int hb_ioctl_check(struct file *file, unsigned int cmd)
{
	if ((hb_fs_mode & HB_FS_READONLY) && hb_ioctl_changes_file(cmd))
		return hb_ioctl_file(file);
	if (!hb_ioctl_types_into_tty(cmd))
		return 0;
	return hb_ioctl_tty(cmd);
}

SEC("lsm/file_ioctl")
int BPF_PROG(hb_ioctl, struct file *file, unsigned int cmd, unsigned long arg, int ret)
{
	return ret ? ret : hb_ioctl_check(file, cmd);
}

/* 32-bit callers' ioctls have a hook of their own from Linux 6.8. */
SEC("lsm/file_ioctl_compat")
int BPF_PROG(hb_ioctl_compat, struct file *file, unsigned int cmd, unsigned long arg,
	     int ret)
{
	return ret ? ret : hb_ioctl_check(file, cmd);
}

/* perf_event_open's kinds of access: the host's CPUs, the kernel, ... */
static __always_inline int hb_perf_check(int type)
{
	struct hb_ctx c = { .req.request = type, .req.protocol = type };
	int first = hb_first_level();

	if (first < 0)
		return 0;
	return hb_enforce(&c, first, HB_HOOK_PERF);
}

/* Linux 6.12 dropped the attributes; the loader loads the one that fits. */
SEC("lsm/perf_event_open")
int BPF_PROG(hb_perf_open, int type, int ret)
{
	return ret ? ret : hb_perf_check(type);
}

SEC("lsm/perf_event_open")
int BPF_PROG(hb_perf_open_v61, struct perf_event_attr *attr, int type, int ret)
{
	return ret ? ret : hb_perf_check(type);
}

/* Each event made: whose task it watches (none: a whole CPU). */
SEC("lsm/perf_event_alloc")
int BPF_PROG(hb_perf_alloc, struct perf_event *event, int ret)
{
	struct hb_ctx c = { .req.request = HB_PERF_TASK, .req.protocol = HB_PERF_TASK };
	struct task_struct *target;
	int first;

	if (hb_skip(ret, &first))
		return ret;
	target = BPF_CORE_READ(event, hw.target);
	c.target = target;
	c.req.outside = !target; /* a whole CPU: every task on it */
	if (target)
		c.arg = BPF_CORE_READ(target, tgid);
	return hb_enforce(&c, first, HB_HOOK_PERF);
}

/*
 * SIGIO and SIGURG go to a descriptor's owner (F_SETOWN, FIOSETOWN, ...)
 * from whatever context makes the descriptor ready, not from the task
 * that chose the owner. So the sandbox that chose it is remembered per
 * file, and a signal to a task outside that sandbox is denied.
 */
struct hb_fowner {
	__u64 sandbox_id;
	__u32 level;
	__u32 pad;
};

#define HB_SIGIO 29

/* Files whose owner a sandboxed task set: one entry per such file. */
#define HB_MAX_FOWNERS 65536

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, HB_MAX_FOWNERS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u64);
	__type(value, struct hb_fowner);
} hb_fowners SEC(".maps");

/*
 * Set when a sandboxed task's file could not be remembered (the map is
 * full): from then on every signal through a file nobody remembers is
 * denied (fail closed), whoever the target, while this instance lives.
 */
__u32 hb_fowners_full;

/* Linux 6.12 keeps a file's owner out of line, and the file in it. */
struct fown_struct___v612 {
	struct file *file;
} __attribute__((preserve_access_index));

struct file___v612 {
	struct fown_struct___v612 *f_owner;
} __attribute__((preserve_access_index));

static __always_inline __u64 hb_fown_file(struct fown_struct *fown)
{
	struct fown_struct___v612 *f = (void *)fown;

	if (bpf_core_field_exists(f->file))
		return (__u64)BPF_CORE_READ(f, file);
	return (__u64)fown - bpf_core_field_offset(struct file, f_owner);
}

/* Whether a file has an owner at all (a cheap test on every file freed). */
static __always_inline int hb_file_owned(struct file *file)
{
	struct file___v612 *f = (void *)file;

	if (bpf_core_field_exists(f->f_owner))
		return BPF_CORE_READ(f, f_owner) != NULL;
	return BPF_CORE_READ(file, f_owner.pid) != NULL;
}

/* A void hook: it cannot refuse, only remember who set the owner. */
SEC("lsm/file_set_fowner")
int BPF_PROG(hb_set_fowner, struct file *file)
{
	struct hb_fowner o = {};
	__u64 key = (__u64)file;
	int first = hb_first_level();

	if (first < 0) {
		bpf_map_delete_elem(&hb_fowners, &key);
		return 0;
	}
	o.level = first;
	o.sandbox_id = bpf_get_current_ancestor_cgroup_id(first);
	if (bpf_map_update_elem(&hb_fowners, &key, &o, BPF_ANY))
		hb_fowners_full = 1;
	return 0;
}

SEC("lsm/file_free_security")
int BPF_PROG(hb_file_free, struct file *file)
{
	__u64 key = (__u64)file;

	if (hb_file_owned(file))
		bpf_map_delete_elem(&hb_fowners, &key);
	return 0;
}

SEC("lsm/file_send_sigiotask")
int BPF_PROG(hb_sigio, struct task_struct *tsk, struct fown_struct *fown, int sig, int ret)
{
	/* Signal 0: the owner asked for no other (F_SETSIG), so SIGIO. */
	struct hb_ctx c = { .req.hook = HB_HOOK_KILL, .req.protocol = sig ?: HB_SIGIO,
			    .req.outside = 1 };
	struct cgroup *cg;
	struct hb_policy *p;
	struct hb_fowner *o;
	__u64 key;

	if (ret)
		return ret;
	key = hb_fown_file(fown);
	o = bpf_map_lookup_elem(&hb_fowners, &key);
	if (!o) /* unknown, or forgotten because the map was full */
		return hb_fowners_full ? -HB_EPERM : 0;
	cg = BPF_CORE_READ(tsk, cgroups, dfl_cgrp);
	if (hb_cgroup_in_sandbox(cg, o->level, o->sandbox_id))
		return 0;
	p = bpf_map_lookup_elem(&hb_policies, &o->sandbox_id);
	if (!p) /* the sandbox is gone, and its tasks with it */
		return 0;
	c.arg = BPF_CORE_READ(tsk, tgid);
	hb_report(&c, o->sandbox_id, HB_REASON_OUTSIDE, p);
	return -HB_EPERM;
}

/* Whether the current task acts on files as root (its fsuid is 0). */
static __always_inline __u8 hb_root_writer(void)
{
	struct task_struct *task = bpf_get_current_task_btf();

	return BPF_CORE_READ(task, cred, fsuid.val) == 0;
}

#define HB_FMODE_READ 0x1
#define HB_FMODE_WRITE 0x2
#define HB_FMODE_EXEC 0x20
/* Open flags: truncation without write access; an exec's open (__FMODE_EXEC). */
#define HB_O_TRUNC 01000
#define HB_O_FMODE_EXEC 0x20
/* procfs is shallow; deeper is treated as outside (fail closed). */
#define HB_PROC_DEPTH 16

/*
 * The name of a procfs file's top directory below the procfs root
 * ("sys", "self", "42"), found by walking up the dentries (not by path
 * text, which a chroot would change). 0 if found; -1 for the root itself
 * or a walk too deep.
 */
static __always_inline int hb_proc_top(struct dentry *d, char name[16])
{
	struct dentry *top = d;

	for (int i = 0; i < HB_PROC_DEPTH; i++) {
		struct dentry *parent = BPF_CORE_READ(top, d_parent);
		struct dentry *grand = BPF_CORE_READ(parent, d_parent);

		if (!parent || parent == top) /* the root itself */
			return -1;
		if (grand == parent) { /* top's parent is the root */
			bpf_probe_read_kernel_str(name, 16, BPF_CORE_READ(top, d_name.name));
			return 0;
		}
		top = parent;
	}
	return -1;
}

/* Whether a procfs file lies under /proc/sys or is /proc/sysrq-trigger. */
static __always_inline int hb_proc_sys(struct dentry *d)
{
	char name[16] = {};

	if (hb_proc_top(d, name))
		return 1; /* too deep: fail closed */
	return name[0] == 's' && name[1] == 'y' && name[2] == 's' &&
	       (name[3] == '\0' ||
		(name[3] == 'r' && name[4] == 'q' && name[5] == '-' &&
		 name[6] == 't' && name[7] == 'r' && name[8] == 'i' &&
		 name[9] == 'g' && name[10] == 'g' && name[11] == 'e' &&
		 name[12] == 'r' && name[13] == '\0'));
}

/* ---- procfs: whose /proc/PID a file is ------------------------------ */

/*
 * The struct pid a procfs inode stands for: every procfs inode is the
 * vfs_inode of a struct proc_inode, whose pid is set for a process's
 * directory and its entries, and NULL elsewhere (/proc/meminfo, /proc/sys,
 * and the entries of /proc/PID/net, which are the network namespace's, not the
 * process's). CO-RE finds the offset on each kernel.
 */
static __always_inline struct pid *hb_proc_pid(struct inode *inode)
{
	struct proc_inode *ei;

	if (!inode)
		return NULL;
	ei = (void *)inode - bpf_core_field_offset(struct proc_inode, vfs_inode);
	return BPF_CORE_READ(ei, pid);
}

/* The task a struct pid names (pid_task(pid, PIDTYPE_PID)); NULL once reaped. */
static __always_inline struct task_struct *hb_pid_task(struct pid *pid)
{
	struct hlist_node *first = NULL;

	if (!pid || bpf_core_read(&first, sizeof(first), &pid->tasks[0].first) || !first)
		return NULL;
	return (void *)first - bpf_core_field_offset(struct task_struct, pid_links);
}

/* The top directory below the procfs root that holds @d; NULL: too deep. */
static __always_inline struct dentry *hb_proc_top_dentry(struct dentry *d)
{
	for (int i = 0; i < HB_PROC_DEPTH; i++) {
		struct dentry *parent = BPF_CORE_READ(d, d_parent);

		if (!parent || parent == d || BPF_CORE_READ(parent, d_parent) == parent)
			return d;
		d = parent;
	}
	return NULL;
}

#define HB_PTRACE_MODE_READ_FSCREDS 0x09
#define HB_PTRACE_MODE_ATTACH_FSCREDS 0x0a

/*
 * Opening a file below another process's /proc/PID (or /proc/TID, and
 * their task/TID/): its command line, status, mounts, network view,
 * descriptors. The kernel asks ptrace_access_check for a few of them
 * (environ, maps, mem); this asks it for all, as the same access: a read
 * is denied under --no-env, a write in every sandbox, when the process is
 * outside the sandbox. A process gone already, or a walk too deep, counts
 * as outside (fail closed). Not inlined: a stack frame of its own.
 */
static __noinline int hb_proc_open(struct file *file, __u32 fmode, int first)
{
	struct dentry *d = BPF_CORE_READ(file, f_path.dentry);
	struct task_struct *task;
	struct hb_ctx c = {};
	struct dentry *top;
	struct pid *pid;
	__u32 tgid;

	if (BPF_CORE_READ(d, d_sb, s_magic) != HB_PROC_SUPER_MAGIC)
		return 0;
	top = hb_proc_top_dentry(d);
	pid = top ? hb_proc_pid(BPF_CORE_READ(top, d_inode)) : NULL;
	if (top && !pid) /* no process's: /proc/meminfo, /proc/sys, the root */
		return 0;
	task = hb_pid_task(pid);
	tgid = task ? BPF_CORE_READ(task, tgid) : 0;
	if (task && tgid == bpf_get_current_pid_tgid() >> 32)
		return 0; /* its own */
	c.target = task;
	c.req.outside = 1; /* unless the target's cgroup is in the sandbox */
	c.req.attach = fmode & HB_FMODE_WRITE ? HB_ATTACH_PROC_FILE : 0;
	c.req.protocol = c.req.attach ? HB_PTRACE_MODE_ATTACH_FSCREDS : HB_PTRACE_MODE_READ_FSCREDS;
	c.arg = tgid;
	/* EACCES, as procfs answers for the files it guards itself (environ). */
	return hb_enforce(&c, first, HB_HOOK_PTRACE) ? -HB_EACCES : 0;
}

/*
 * Whether a procfs file is the current process's own (/proc/PID, self),
 * and the process's: the files in /proc/self/net show the host's sockets.
 */
static __always_inline int hb_proc_own(struct dentry *d)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32, n = 0;
	char name[16] = {};

	if (hb_proc_top(d, name))
		return 0;
	if (name[0] == 's' && name[1] == 'e' && name[2] == 'l' && name[3] == 'f' &&
	    name[4] == '\0')
		return 1;
	if (name[0] == 't' && name[1] == 'h' && name[2] == 'r' && name[3] == 'e')
		return name[4] == 'a' && name[5] == 'd' && name[6] == '-' && name[7] == 's' &&
		       name[8] == 'e' && name[9] == 'l' && name[10] == 'f' && name[11] == '\0';
	for (int i = 0; i < 11; i++) {
		if (name[i] == '\0')
			return i > 0 && n == tgid && hb_proc_pid(BPF_CORE_READ(d, d_inode));
		if (name[i] < '0' || name[i] > '9')
			return 0;
		n = n * 10 + (name[i] - '0');
	}
	return 0;
}

/*
 * Writing in the kernel's own filesystems. Not inlined, like the other
 * checks file_open makes: each has a stack frame of its own.
 */
static __noinline int hb_kernel_fs_write(struct file *file, int first)
{
	struct hb_ctx c = { .req.fs_magic = BPF_CORE_READ(file, f_inode, i_sb, s_magic) };

	c.req.root_writer = hb_root_writer();

	if (c.req.fs_magic == HB_PROC_SUPER_MAGIC) {
		c.req.proc_sys = hb_proc_sys(BPF_CORE_READ(file, f_path.dentry));
	} else if (c.req.fs_magic == HB_CGROUP2_SUPER_MAGIC) {
		/* A cgroup file's kernfs node; its parent's is the cgroup. */
		struct kernfs_node *kn = BPF_CORE_READ(file, f_inode, i_private);

		c.file_cg = BPF_CORE_READ(kn, parent, priv);
	}
	hb_file_path(&c, file);
	return hb_enforce(&c, first, HB_HOOK_FILE_WRITE);
}

/* ---- tier A: the filesystem guard ---------------------------------- */

#define HB_S_IFCHR 0020000
#define HB_S_IFIFO 0010000
#define HB_S_IFSOCK 0140000
#define HB_DEVPTS_SUPER_MAGIC 0x1cd1
#define HB_MKDEV(ma, mi) (((ma) << 20) | (mi))

/*
 * Opened or stat-ed, never confined: FIFOs and sockets (data, not file
 * contents), the harmless character devices, the user's own
 * pseudo-terminals and the process's own /proc files.
 */
static __always_inline int hb_fs_exempt(struct dentry *d)
{
	struct inode *inode = BPF_CORE_READ(d, d_inode);
	umode_t type = BPF_CORE_READ(inode, i_mode) & HB_S_IFMT;
	__u32 magic = BPF_CORE_READ(inode, i_sb, s_magic);
	__u32 rdev;

	if (!inode)
		return 0;
	if (type == HB_S_IFIFO || type == HB_S_IFSOCK)
		return 1;
	if (type == HB_S_IFCHR) {
		if (magic == HB_DEVPTS_SUPER_MAGIC)
			return BPF_CORE_READ(inode, i_uid.val) == (__u32)bpf_get_current_uid_gid();
		rdev = BPF_CORE_READ(inode, i_rdev);
		return rdev == HB_MKDEV(1, 3) || rdev == HB_MKDEV(1, 5) || /* null, zero */
		       rdev == HB_MKDEV(1, 7) || rdev == HB_MKDEV(1, 8) || /* full, random */
		       rdev == HB_MKDEV(1, 9) || rdev == HB_MKDEV(5, 0) || /* urandom, tty */
		       rdev == HB_MKDEV(5, 2);                              /* ptmx */
	}
	return magic == HB_PROC_SUPER_MAGIC && hb_proc_own(d);
}

/* A regular file with other names, maybe outside any rule. */
static __always_inline int hb_fs_linked(struct dentry *d)
{
	struct inode *inode = BPF_CORE_READ(d, d_inode);

	return (BPF_CORE_READ(inode, i_mode) & HB_S_IFMT) == HB_S_IFREG &&
	       BPF_CORE_READ(inode, __i_nlink) > 1;
}

/*
 * What a change to directories is about: the directories that change
 * (walk; the second: a rename's other end, or the file a link links) and
 * the entries the event names (text), through their mounts.
 */
struct hb_fs_objs {
	struct dentry *walk[2];
	struct dentry *text[2];
	struct vfsmount *mnt[2];
};

/*
 * A change to directories: creating, removing, renaming, linking entries.
 * Not inlined: the path hooks' sealing check needs a stack frame too.
 */
static __noinline int hb_fs_change(__u8 op, const struct hb_fs_objs *o)
{
	struct hb_ctx c = { .req.fs_op = op, .arg = op };
	struct dentry *dir = o->walk[0];
	int first;

	if (!(hb_fs_mode & HB_FS_READONLY))
		return 0;
	/*
	 * procfs has no entries to create or remove; the kernel asks anyway
	 * when an O_CREAT open names one not looked up yet (/dev/stdout ->
	 * /proc/self/fd/1), and then opens it: no denial to report.
	 */
	if (BPF_CORE_READ(dir, d_sb, s_magic) == HB_PROC_SUPER_MAGIC)
		return 0;
	first = hb_first_level();
	if (first < 0)
		return 0;
	c.fs_walk[0] = o->walk[0];
	c.fs_walk[1] = o->walk[1];
	c.fs_text[0] = o->text[0];
	c.fs_text[1] = o->text[1];
	c.fs_mnt[0] = o->mnt[0];
	c.fs_mnt[1] = o->mnt[1];
	return hb_enforce(&c, first, HB_HOOK_FS_WRITE);
}

/*
 * Removing or creating @dentry in @dir. Not inlined either: the hook's
 * own frame stays small, beside the sealing check's.
 */
static __noinline int hb_fs_entry(__u8 op, const struct path *dir, struct dentry *dentry)
{
	struct hb_fs_objs o = { .walk = { dir->dentry }, .text = { dentry },
				.mnt = { dir->mnt } };

	return hb_fs_change(op, &o);
}

/* Moving @old_dentry in @old_dir to @new_dentry in @new_dir. */
static __noinline int hb_fs_rename(const struct path *old_dir, struct dentry *old_dentry,
				   const struct path *new_dir, struct dentry *new_dentry)
{
	struct hb_fs_objs o = { .walk = { old_dir->dentry, new_dir->dentry },
				.text = { old_dentry, new_dentry },
				.mnt = { old_dir->mnt, new_dir->mnt } };

	return hb_fs_change(HB_FS_OP_RENAME, &o);
}

/* A change to the file @d itself: attributes, extended attributes. */
static __always_inline int hb_fs_attr(__u8 op, struct dentry *d)
{
	struct hb_ctx c = { .req.fs_op = op, .arg = op };
	int first;

	if (!(hb_fs_mode & HB_FS_READONLY))
		return 0;
	first = hb_first_level();
	if (first < 0)
		return 0;
	c.req.fs_linked = hb_fs_linked(d);
	c.fs_walk[0] = d;
	c.fs_text[0] = d;
	return hb_enforce(&c, first, HB_HOOK_FS_WRITE);
}

/*
 * Opening, stat-ing or reading a link of @d (through @mnt, if known), as
 * a write (@hook FS_WRITE) or a read. A descriptor the task holds to the
 * same file with the same access makes it add nothing (for stat: one
 * opened for reading or writing; an O_PATH one was never judged).
 */
static __always_inline int hb_fs_access(__u16 hook, __u8 op, struct dentry *d,
					struct vfsmount *mnt, int first)
{
	struct hb_ctx c = { .req.fs_op = op, .arg = op };
	__u32 fmode = hook == HB_HOOK_FS_WRITE ? HB_FMODE_WRITE :
		      op == HB_FS_OP_STAT ? HB_FMODE_READ | HB_FMODE_WRITE : HB_FMODE_READ;

	c.req.fs_exempt = hb_fs_exempt(d);
	if (hook == HB_HOOK_FS_WRITE)
		c.req.fs_linked = hb_fs_linked(d);
	c.fs_walk[0] = d;
	c.fs_text[0] = d;
	c.fs_mnt[0] = mnt;
	c.fs_inode = BPF_CORE_READ(d, d_inode);
	c.fs_fmode = fmode;
	return hb_enforce(&c, first, hook);
}

/*
 * Not inlined, so that file_open's three checks have a stack frame each;
 * one function per hook, so that the hook stays a constant (the verifier
 * then sees only its code, and a sleepable program only its maps).
 */
static __noinline int hb_fs_open_write(struct file *file, int first)
{
	return hb_fs_access(HB_HOOK_FS_WRITE, HB_FS_OP_OPEN, BPF_CORE_READ(file, f_path.dentry),
			    BPF_CORE_READ(file, f_path.mnt), first);
}

static __noinline int hb_fs_open_read(struct file *file, __u8 op, int first)
{
	return hb_fs_access(HB_HOOK_FS_READ, op, BPF_CORE_READ(file, f_path.dentry),
			    BPF_CORE_READ(file, f_path.mnt), first);
}

/*
 * /proc/PID/mem or /proc/PID/task/TID/mem: the process's own too, which
 * no ptrace access check guards (the same thread group is let through).
 */
static __always_inline bool hb_proc_mem(struct file *file)
{
	struct dentry *d = BPF_CORE_READ(file, f_path.dentry);
	char name[4] = {};

	if (BPF_CORE_READ(d, d_sb, s_magic) != HB_PROC_SUPER_MAGIC ||
	    BPF_CORE_READ(d, d_name.len) != 3)
		return false;
	/* Unreadable: fails closed (only a write open of a three-letter name). */
	if (bpf_probe_read_kernel(name, 3, BPF_CORE_READ(d, d_name.name)))
		return true;
	return name[0] == 'm' && name[1] == 'e' && name[2] == 'm';
}

/* A frame of its own: file_open's stack has no room for another request. */
static __noinline int hb_proc_mem_write(struct file *file, int first)
{
	return hb_proc_mem(file) ? hb_memory_road(first, HB_MEMORY_PROC_MEM) : 0;
}

/*
 * Every open: writes to the kernel's own filesystems (sealing), then the
 * filesystem guard's write and read rules.
 */
SEC("lsm.s/file_open")
int BPF_PROG(hb_file_open, struct file *file, int ret)
{
	__u32 fmode = BPF_CORE_READ(file, f_mode);
	__u32 flags = BPF_CORE_READ(file, f_flags);
	int first;

	if (hb_skip(ret, &first))
		return ret;
	if (flags & HB_O_TRUNC)
		fmode |= HB_FMODE_WRITE;
	if (flags & HB_O_FMODE_EXEC)
		fmode |= HB_FMODE_EXEC;
	ret = hb_proc_open(file, fmode, first);
	if (ret)
		return ret;
	if (fmode & HB_FMODE_WRITE) {
		ret = hb_kernel_fs_write(file, first);
		if (!ret)
			ret = hb_proc_mem_write(file, first);
		if (!ret && (hb_fs_mode & HB_FS_READONLY))
			ret = hb_fs_open_write(file, first);
		if (ret)
			return ret;
	}
	if ((fmode & HB_FMODE_READ) && (hb_fs_mode & HB_FS_READ_ROOT))
		return hb_fs_open_read(file, fmode & HB_FMODE_EXEC ? HB_FS_OP_EXEC :
				       HB_FS_OP_OPEN, first);
	return 0;
}

/*
 * A change to directory entries in a filesystem that is not a plain data
 * store: bpffs (the pins that keep enforcement alive) for everyone, and
 * for root every kernel interface but procfs and cgroup2 (judged by
 * file_open and inode_permission): binfmt_misc, configfs, tracefs
 * instances, the next kernel's. Data filesystems leave at the first test.
 */
static __noinline int hb_path_change(struct dentry *dentry)
{
	struct hb_ctx c = { .req.fs_magic = BPF_CORE_READ(dentry, d_sb, s_magic) };
	int first;

	if (hb_fs_holds_data(c.req.fs_magic) || c.req.fs_magic == HB_PROC_SUPER_MAGIC ||
	    c.req.fs_magic == HB_CGROUP2_SUPER_MAGIC)
		return 0;
	first = hb_first_level();
	if (first < 0)
		return 0;
	c.req.root_writer = hb_root_writer();
	c.path = BPF_CORE_READ(dentry, d_name.name);
	c.path_len = HB_EVENT_PATH_MAX - 1;
	c.path_str = 1;
	return hb_enforce(&c, first, HB_HOOK_PATH);
}

SEC("lsm/path_unlink")
int BPF_PROG(hb_unlink, const struct path *dir, struct dentry *dentry, int ret)
{
	if (ret)
		return ret;
	ret = hb_path_change(dentry);
	return ret ? ret : hb_fs_entry(HB_FS_OP_UNLINK, dir, dentry);
}

SEC("lsm/path_rmdir")
int BPF_PROG(hb_rmdir, const struct path *dir, struct dentry *dentry, int ret)
{
	if (ret)
		return ret;
	ret = hb_path_change(dentry);
	return ret ? ret : hb_fs_entry(HB_FS_OP_RMDIR, dir, dentry);
}

SEC("lsm/path_rename")
int BPF_PROG(hb_rename, const struct path *old_dir, struct dentry *old_dentry,
	     const struct path *new_dir, struct dentry *new_dentry,
	     unsigned int flags, int ret)
{
	if (ret)
		return ret;
	ret = hb_path_change(old_dentry);
	if (!ret)
		ret = hb_path_change(new_dentry);
	return ret ? ret : hb_fs_rename(old_dir, old_dentry, new_dir, new_dentry);
}

/* Creating a file: O_CREAT, mknod, mkfifo, a unix socket's bind(). */
SEC("lsm/path_mknod")
int BPF_PROG(hb_mknod, const struct path *dir, struct dentry *dentry, umode_t mode,
	     unsigned int dev, int ret)
{
	if (ret)
		return ret;
	ret = hb_path_change(dentry);
	return ret ? ret : hb_fs_entry(HB_FS_OP_CREATE, dir, dentry);
}

SEC("lsm/path_mkdir")
int BPF_PROG(hb_mkdir, const struct path *dir, struct dentry *dentry, umode_t mode,
	     int ret)
{
	if (ret)
		return ret;
	ret = hb_path_change(dentry);
	return ret ? ret : hb_fs_entry(HB_FS_OP_MKDIR, dir, dentry);
}

SEC("lsm/path_symlink")
int BPF_PROG(hb_symlink, const struct path *dir, struct dentry *dentry,
	     const char *old_name, int ret)
{
	if (ret)
		return ret;
	ret = hb_path_change(dentry);
	return ret ? ret : hb_fs_entry(HB_FS_OP_SYMLINK, dir, dentry);
}

/* A new name for @old_dentry: its directory, and the file itself, must be writable. */
SEC("lsm/path_link")
int BPF_PROG(hb_link, struct dentry *old_dentry, const struct path *new_dir,
	     struct dentry *new_dentry, int ret)
{
	struct hb_fs_objs o = { .walk = { new_dir->dentry, old_dentry },
				.text = { old_dentry, new_dentry },
				.mnt = { new_dir->mnt, new_dir->mnt } };

	if (ret)
		return ret;
	ret = hb_path_change(new_dentry);
	return ret ? ret : hb_fs_change(HB_FS_OP_LINK, &o);
}

#define HB_ATTR_FORCE (1u << 9)
#define HB_ATTR_KILL_SUID (1u << 11)
#define HB_ATTR_KILL_SGID (1u << 12)
#define HB_ATTR_FILE (1u << 13)
#define HB_ATTR_KILL_PRIV (1u << 14)
#define HB_ATTR_OPEN (1u << 15)

/*
 * chmod, chown, truncate, utimes. Not judged again: truncation through a
 * descriptor (ftruncate, O_TRUNC: judged when it was opened) and the
 * loss of setuid bits that a write to an open file causes.
 */
static __always_inline int hb_setattr(struct dentry *dentry, struct iattr *attr)
{
	unsigned int valid = BPF_CORE_READ(attr, ia_valid);

	if (valid & (HB_ATTR_FILE | HB_ATTR_OPEN))
		return 0;
	if (!(valid & ~(HB_ATTR_FORCE | HB_ATTR_KILL_SUID | HB_ATTR_KILL_SGID |
			HB_ATTR_KILL_PRIV)))
		return 0;
	return hb_fs_attr(HB_FS_OP_SETATTR, dentry);
}

/* Linux 6.3 added the idmap in front; the loader loads the one that fits. */
SEC("lsm/inode_setattr")
int BPF_PROG(hb_setattr_idmap, void *idmap, struct dentry *dentry, struct iattr *attr,
	     int ret)
{
	return ret ? ret : hb_setattr(dentry, attr);
}

SEC("lsm/inode_setattr")
int BPF_PROG(hb_setattr_v61, struct dentry *dentry, struct iattr *attr, int ret)
{
	return ret ? ret : hb_setattr(dentry, attr);
}

SEC("lsm/inode_setxattr")
int BPF_PROG(hb_setxattr, void *idmap, struct dentry *dentry, const char *name,
	     const void *value, size_t size, int flags, int ret)
{
	return ret ? ret : hb_fs_attr(HB_FS_OP_XATTR, dentry);
}

SEC("lsm/inode_removexattr")
int BPF_PROG(hb_removexattr, void *idmap, struct dentry *dentry, const char *name,
	     int ret)
{
	return ret ? ret : hb_fs_attr(HB_FS_OP_XATTR, dentry);
}

/* POSIX ACLs have their own hooks from Linux 6.2 (loaded where they exist). */
SEC("lsm/inode_set_acl")
int BPF_PROG(hb_set_acl, void *idmap, struct dentry *dentry, const char *acl_name,
	     void *kacl, int ret)
{
	return ret ? ret : hb_fs_attr(HB_FS_OP_XATTR, dentry);
}

SEC("lsm/inode_remove_acl")
int BPF_PROG(hb_remove_acl, void *idmap, struct dentry *dentry, const char *acl_name,
	     int ret)
{
	return ret ? ret : hb_fs_attr(HB_FS_OP_XATTR, dentry);
}

/* stat, lstat, fstat, statx: a descriptor of any mode makes fstat fine. */
SEC("lsm/inode_getattr")
int BPF_PROG(hb_getattr, const struct path *path, int ret)
{
	int first;

	if (hb_skip(ret, &first))
		return ret;
	return hb_fs_access(HB_HOOK_FS_READ, HB_FS_OP_STAT, path->dentry, path->mnt, first);
}

SEC("lsm/inode_readlink")
int BPF_PROG(hb_readlink, struct dentry *dentry, int ret)
{
	int first;

	if (hb_skip(ret, &first))
		return ret;
	return hb_fs_access(HB_HOOK_FS_READ, HB_FS_OP_READLINK, dentry, NULL, first);
}

/* Mounts: a new cgroup2 or bpffs view, unmounting bpffs, pivot_root. */
static __always_inline int hb_mount_op(void)
{
	struct hb_ctx c = {};
	int first = hb_first_level();

	if (first < 0)
		return 0;
	return hb_enforce(&c, first, HB_HOOK_MOUNT);
}

SEC("lsm/sb_mount")
int BPF_PROG(hb_mount, const char *dev_name, const struct path *path,
	     const char *type, unsigned long flags, void *data, int ret)
{
	return ret ? ret : hb_mount_op();
}

SEC("lsm/sb_umount")
int BPF_PROG(hb_umount, struct vfsmount *mnt, int flags, int ret)
{
	return ret ? ret : hb_mount_op();
}

SEC("lsm/sb_pivotroot")
int BPF_PROG(hb_pivotroot, const struct path *old_path,
	     const struct path *new_path, int ret)
{
	return ret ? ret : hb_mount_op();
}

SEC("lsm/move_mount")
int BPF_PROG(hb_move_mount, const struct path *from_path,
	     const struct path *to_path, int ret)
{
	return ret ? ret : hb_mount_op();
}

#define HB_PTRACE_MODE_ATTACH 0x02

/* ptrace, /proc/PID/{mem,environ,...}, process_vm_readv/writev. */
SEC("lsm/ptrace_access_check")
int BPF_PROG(hb_ptrace, struct task_struct *child, unsigned int mode, int ret)
{
	struct hb_ctx c = { .target = child,
			    .req.attach = mode & HB_PTRACE_MODE_ATTACH ? HB_ATTACH_MEMORY : 0 };
	int first;

	if (hb_skip(ret, &first))
		return ret;
	c.arg = BPF_CORE_READ(child, tgid);
	c.req.protocol = mode;
	return hb_enforce(&c, first, HB_HOOK_PTRACE);
}

SEC("lsm/task_kill")
int BPF_PROG(hb_kill, struct task_struct *p, struct kernel_siginfo *info,
	     int sig, const struct cred *cred, int ret)
{
	struct hb_ctx c = { .target = p, .req.protocol = sig };
	int first;

	if (hb_skip(ret, &first))
		return ret;
	c.arg = BPF_CORE_READ(p, tgid);
	return hb_enforce(&c, first, HB_HOOK_KILL);
}

/* ---- cgroup programs: DNS redirect (both tiers), enforcement (tier B) -- */

/* The policy that redirects DNS for the current task, if any. */
static __always_inline const struct hb_policy *hb_dns_policy(int first)
{
	const struct hb_policy *p = NULL;

	if (hb_find_level(first, HB_NET_DNS_PROXY, &p) < 0)
		return NULL;
	return p;
}

static __always_inline int hb_is_dns(struct bpf_sock_addr *ctx)
{
	return ctx->user_port == bpf_htons(HB_DNS_PORT) &&
	       (ctx->protocol == HB_IPPROTO_UDP || ctx->protocol == HB_IPPROTO_TCP);
}

/*
 * The sock_addr helpers below take @v6 as a constant: an IPv4 program may
 * not even read the IPv6 fields of its context, so the branch for the
 * other family must vanish at compile time.
 */

/* Remembers where the query was going, for recvmsg to answer from there. */
static __always_inline void hb_dns_remember(struct bpf_sock_addr *ctx, bool v6)
{
	struct hb_dns_orig *o;

	o = bpf_sk_storage_get(&hb_dns_origs, ctx->sk, 0,
			       BPF_SK_STORAGE_GET_F_CREATE);
	if (!o)
		return;
	o->port = ctx->user_port;
	if (!v6) {
		o->ip4 = ctx->user_ip4;
	} else {
		o->ip6[0] = ctx->user_ip6[0];
		o->ip6[1] = ctx->user_ip6[1];
		o->ip6[2] = ctx->user_ip6[2];
		o->ip6[3] = ctx->user_ip6[3];
	}
}

/* Port 53, any address -> the sandbox's proxy on loopback. */
static __always_inline int hb_dns_redirect(struct bpf_sock_addr *ctx, int first,
					   bool v6)
{
	const struct hb_policy *p;

	if (!hb_is_dns(ctx))
		return 0;
	p = hb_dns_policy(first);
	if (!p)
		return 0;
	hb_dns_remember(ctx, v6);
	if (!v6) {
		ctx->user_ip4 = bpf_htonl(0x7f000001);
		ctx->user_port = p->dns_port4;
	} else if (p->dns_port6) {
		ctx->user_ip6[0] = 0;
		ctx->user_ip6[1] = 0;
		ctx->user_ip6[2] = 0;
		ctx->user_ip6[3] = bpf_htonl(1);
		ctx->user_port = p->dns_port6;
	} else {
		ctx->user_ip6[0] = 0;
		ctx->user_ip6[1] = 0;
		ctx->user_ip6[2] = bpf_htonl(0xffff);
		ctx->user_ip6[3] = bpf_htonl(0x7f000001);
		ctx->user_port = p->dns_port4;
	}
	return 1;
}

/* The destination of a sock_addr call as a request. */
static __always_inline void hb_req_from_ctx(struct hb_req *r,
					    struct bpf_sock_addr *ctx, __u16 hook,
					    bool v6)
{
	r->hook = hook;
	r->family = ctx->family;
	r->addr_family = v6 ? HB_AF_INET6 : HB_AF_INET;
	r->type = ctx->type;
	r->protocol = ctx->protocol;
	r->addrlen = v6 ? 28 : 16;
	r->port = bpf_ntohs(ctx->user_port);
	if (!v6) {
		__u32 a4 = ctx->user_ip4;

		hb_addr_map_v4(r->addr, (const __u8 *)&a4);
	} else {
		__u32 a6[4] = { ctx->user_ip6[0], ctx->user_ip6[1],
				ctx->user_ip6[2], ctx->user_ip6[3] };

		__builtin_memcpy(r->addr, a6, 16);
	}
}

static __always_inline int hb_cg_addr(struct bpf_sock_addr *ctx, __u16 hook,
				      bool v6)
{
	struct hb_ctx c = {};
	int first = hb_first_level();

	if (first < 0)
		return CG_ALLOW;
	if (hook != HB_HOOK_BIND && hb_dns_redirect(ctx, first, v6))
		return CG_ALLOW;
	if (!hb_tier_b)
		return CG_ALLOW;
	/*
	 * No destination: a connected UDP socket's send with ancillary data
	 * runs this hook without an address (all zero, AF_UNSPEC). It goes to
	 * the peer its connect() was judged for, as in tier A's socket_sendmsg;
	 * an explicit AF_UNSPEC address of zeros fails in the kernel (EINVAL).
	 */
	if (hook == HB_HOOK_SENDMSG && ctx->user_family == HB_AF_UNSPEC && !ctx->user_port &&
	    (v6 ? !(ctx->user_ip6[0] | ctx->user_ip6[1] | ctx->user_ip6[2] | ctx->user_ip6[3]) :
		  !ctx->user_ip4))
		return CG_ALLOW;
	hb_req_from_ctx(&c.req, ctx, hook, v6);
	return hb_enforce(&c, first, hook) ? CG_DENY : CG_ALLOW;
}

/* One program per hook and family, all the same but for two constants. */
#define HB_CG_ADDR_PROG(name, hook, v6)                   \
	SEC("cgroup/" #name)                              \
	int hb_cg_##name(struct bpf_sock_addr *ctx)       \
	{                                                 \
		return hb_cg_addr(ctx, hook, v6);         \
	}

HB_CG_ADDR_PROG(connect4, HB_HOOK_CONNECT, false)
HB_CG_ADDR_PROG(connect6, HB_HOOK_CONNECT, true)
HB_CG_ADDR_PROG(sendmsg4, HB_HOOK_SENDMSG, false)
HB_CG_ADDR_PROG(sendmsg6, HB_HOOK_SENDMSG, true)
HB_CG_ADDR_PROG(bind4, HB_HOOK_BIND, false)
HB_CG_ADDR_PROG(bind6, HB_HOOK_BIND, true)

/* A reply from the proxy shows the address the query was sent to. */
static __always_inline int hb_dns_restore(struct bpf_sock_addr *ctx, bool v6)
{
	const struct hb_policy *p;
	struct hb_dns_orig *o;
	int first = hb_first_level(), from_proxy;

	if (first < 0)
		return CG_ALLOW;
	p = hb_dns_policy(first);
	if (!p)
		return CG_ALLOW;
	if (!v6)
		from_proxy = ctx->user_ip4 == bpf_htonl(0x7f000001) &&
			     ctx->user_port == p->dns_port4;
	else
		from_proxy = ctx->user_ip6[0] == 0 && ctx->user_ip6[1] == 0 &&
			     ((ctx->user_ip6[2] == 0 && ctx->user_ip6[3] == bpf_htonl(1) &&
			       ctx->user_port == p->dns_port6) ||
			      (ctx->user_ip6[2] == bpf_htonl(0xffff) &&
			       ctx->user_ip6[3] == bpf_htonl(0x7f000001) &&
			       ctx->user_port == p->dns_port4));
	if (!from_proxy)
		return CG_ALLOW;
	o = bpf_sk_storage_get(&hb_dns_origs, ctx->sk, 0, 0);
	if (!o || !o->port)
		return CG_ALLOW;
	ctx->user_port = o->port;
	if (!v6) {
		ctx->user_ip4 = o->ip4;
	} else {
		ctx->user_ip6[0] = o->ip6[0];
		ctx->user_ip6[1] = o->ip6[1];
		ctx->user_ip6[2] = o->ip6[2];
		ctx->user_ip6[3] = o->ip6[3];
	}
	return CG_ALLOW;
}

SEC("cgroup/recvmsg4")
int hb_cg_recvmsg4(struct bpf_sock_addr *ctx)
{
	return hb_dns_restore(ctx, false);
}

SEC("cgroup/recvmsg6")
int hb_cg_recvmsg6(struct bpf_sock_addr *ctx)
{
	return hb_dns_restore(ctx, true);
}

/*
 * Tier B's unix sockets (Linux 6.7+ hooks; the loader sets the attach
 * type, which libbpf 1.1 does not know). They run before the path is
 * resolved, so they match the path the caller names, byte for byte.
 */
extern void *bpf_cast_to_kern_ctx(void *obj) __ksym __weak;

struct bpf_sock_addr_kern___v67 {
	struct sockaddr *uaddr;
	__u32 uaddrlen;
} __attribute__((preserve_access_index));

static __always_inline int hb_cg_unix(struct bpf_sock_addr *ctx)
{
	struct hb_ctx c = { .req.hook = HB_HOOK_UNIX, .req.family = HB_AF_UNIX };
	struct bpf_sock_addr_kern___v67 *sa;
	struct hb_unix_path_key *key;
	struct hb_path_buf *buf;
	const char *sun_path;
	__u32 len, zero = 0;
	int first;

	if (!hb_tier_b)
		return CG_ALLOW;
	first = hb_first_level();
	if (first < 0)
		return CG_ALLOW;
	buf = bpf_map_lookup_elem(&hb_scratch, &zero);
	if (!buf)
		return CG_DENY;
	key = &buf->unix_key;
	__builtin_memset(key, 0, sizeof(*key));
	sa = bpf_cast_to_kern_ctx(ctx);
	sun_path = (const char *)sa->uaddr + sizeof(__u16);
	len = sa->uaddrlen;
	if (len <= sizeof(__u16) || len > sizeof(__u16) + HB_UNIX_PATH_MAX) {
		c.req.unreadable = 1;
	} else if (bpf_probe_read_kernel(key->path, 1, sun_path)) {
		c.req.unreadable = 1;
	} else if (key->path[0] == '\0') {
		c.req.unix_kind = HB_UNIX_ABSTRACT;
		c.path = sun_path;
		c.path_len = len - sizeof(__u16);
	} else {
		/*
		 * Up to the NUL, and never past the length given: what the
		 * kernel resolves as the path. The bytes after it are not the
		 * caller's (an unzeroed buffer), and callers such as CPython
		 * pass no NUL.
		 */
		__u32 n = len - sizeof(__u16) + 1; /* the path's bytes and a NUL */

		if (n > sizeof(key->path))
			n = sizeof(key->path);
		if (bpf_probe_read_kernel_str(key->path, n & 127, /* a bound the verifier sees */
					      sun_path) < 0)
			c.req.unreadable = 1;
		c.req.unix_kind = HB_UNIX_PATHNAME;
		c.path_key = key;
		c.path = key->path;
		c.path_len = len - sizeof(__u16);
	}
	return hb_enforce(&c, first, HB_HOOK_UNIX) ? CG_DENY : CG_ALLOW;
}

SEC("cgroup/connect4")
int hb_cg_unix_connect(struct bpf_sock_addr *ctx)
{
	return hb_cg_unix(ctx);
}

SEC("cgroup/sendmsg4")
int hb_cg_unix_sendmsg(struct bpf_sock_addr *ctx)
{
	return hb_cg_unix(ctx);
}

/* Tier B's socket(): inet families only (the hook runs for no other). */
SEC("cgroup/sock_create")
int hb_cg_sock_create(struct bpf_sock *sk)
{
	struct hb_ctx c = {
		.req.hook = HB_HOOK_SOCKET,
		.req.family = sk->family,
		.req.type = sk->type,
		.req.protocol = sk->protocol,
	};
	int first;

	if (!hb_tier_b)
		return CG_ALLOW;
	first = hb_first_level();
	if (first < 0)
		return CG_ALLOW;
	return hb_enforce(&c, first, HB_HOOK_SOCKET) ? CG_DENY : CG_ALLOW;
}

/*
 * Tier B's setsockopt(): the options that change where packets go
 * (hb_net_route_option) get EPERM. Others go on to the kernel untouched;
 * an option longer than a page must come back with optlen 0 for that
 * (before Linux 6.5 the kernel otherwise fails it with EFAULT).
 */
SEC("cgroup/setsockopt")
int hb_cg_sockopt(struct bpf_sockopt *ctx)
{
	struct hb_ctx c = { .req.hook = HB_HOOK_SOCKOPT };
	struct bpf_sock *sk = ctx->sk;
	int first;

	if (!hb_tier_b || !hb_net_route_option(ctx->level, ctx->optname)) {
		if (ctx->optlen > 4096)
			ctx->optlen = 0;
		return CG_ALLOW;
	}
	first = hb_first_level();
	if (first < 0)
		return CG_ALLOW;
	if (!sk)
		c.req.unreadable = 1;
	else {
		c.req.family = sk->family;
		c.req.type = sk->type;
	}
	c.req.route_opt = 1;
	c.req.addr_family = c.req.family;
	c.req.protocol = ctx->level; /* the event's protocol field: the level */
	c.arg = ctx->optname;
	return hb_enforce(&c, first, HB_HOOK_SOCKOPT) ? CG_DENY : CG_ALLOW;
}

/*
 * IPv6 extension headers looked at before a routing header: the kernel
 * puts at most hop-by-hop and destination options in front of one.
 */
#define HB_IPV6_EXT_MAX 8

struct hb_pkt {
	__u8 v6;
	__u8 route;   /* IPv4 options, or an IPv6 routing header */
	__u8 bad;     /* unreadable, or more headers than HB_IPV6_EXT_MAX */
	__u8 pad;
	__u16 sport, dport; /* network order; 0 unless TCP, UDP */
	__u8 src[16], dst[16]; /* IPv4-mapped for IPv4 */
};

/* The network header of @skb (cgroup_skb programs start there). */
static __always_inline void hb_parse_pkt(struct __sk_buff *skb, struct hb_pkt *k)
{
	__u8 proto = 0;
	__u32 off;

	if (skb->protocol == bpf_htons(0x0800)) {
		struct iphdr ip;

		if (bpf_skb_load_bytes(skb, 0, &ip, sizeof(ip))) {
			k->bad = 1;
			return;
		}
		k->route = ip.ihl != 5;
		hb_addr_map_v4(k->src, (const __u8 *)&ip.saddr);
		hb_addr_map_v4(k->dst, (const __u8 *)&ip.daddr);
		proto = ip.protocol;
		off = ip.ihl * 4;
	} else if (skb->protocol == bpf_htons(0x86dd)) {
		struct ipv6hdr ip6;
		__u8 nexthdr;

		if (bpf_skb_load_bytes(skb, 0, &ip6, sizeof(ip6))) {
			k->bad = 1;
			return;
		}
		k->v6 = 1;
		__builtin_memcpy(k->src, &ip6.saddr, 16);
		__builtin_memcpy(k->dst, &ip6.daddr, 16);
		nexthdr = ip6.nexthdr;
		off = sizeof(ip6);
		for (int i = 0; i < HB_IPV6_EXT_MAX; i++) {
			__u8 h[2];
			__u32 skip;

			if (nexthdr == HB_IPV6_ROUTING) {
				k->route = 1;
				return;
			}
			if (bpf_skb_load_bytes(skb, off, h, sizeof(h)))
				skip = 0;
			else
				skip = hb_ipv6_ext_skip(nexthdr, h[1]);
			if (!skip)
				break;
			nexthdr = h[0];
			off += skip;
			if (i == HB_IPV6_EXT_MAX - 1)
				k->bad = 1; /* fail closed: still more headers */
		}
		proto = nexthdr;
	} else {
		return; /* neither: no inet socket sends it */
	}
	if (proto == HB_IPPROTO_TCP || proto == HB_IPPROTO_UDP) {
		__u16 ports[2];

		if (!bpf_skb_load_bytes(skb, off & 0xffff, ports, sizeof(ports))) {
			k->sport = ports[0];
			k->dport = ports[1];
		}
	}
}

/*
 * The policy of the sandbox whose socket sent or receives @skb: the
 * socket's cgroup, at the one level a tier B instance serves (its own
 * `run`: hb_sandbox_id), since no task is at hand here.
 */
static __always_inline struct hb_policy *hb_skb_policy(struct __sk_buff *skb, __u64 *id)
{
	*id = bpf_skb_ancestor_cgroup_id(skb, hb_level_lo);
	if (!*id || (hb_sandbox_id && *id != hb_sandbox_id))
		return NULL;
	return bpf_map_lookup_elem(&hb_policies, id);
}

/*
 * The request a packet of a sandbox socket makes: its socket, and the
 * address at the other end (@in: the source, else the destination).
 * NULL when no sandbox policy covers the socket. Nothing here knows the
 * task, so no event is reported.
 */
static __always_inline struct hb_policy *hb_skb_req(struct __sk_buff *skb,
						    struct hb_ctx *c, bool in, __u64 *id)
{
	struct hb_policy *p = hb_skb_policy(skb, id);
	struct hb_pkt k = {};
	struct bpf_sock *sk;

	if (!p)
		return NULL;
	hb_parse_pkt(skb, &k);
	sk = skb->sk;
	if (sk)
		sk = bpf_sk_fullsock(sk);
	if (sk) {
		c->req.family = sk->family;
		c->req.type = sk->type;
		c->req.protocol = sk->protocol;
		c->req.connected = sk->dst_port != 0;
	} else if (in) {
		c->req.unreadable = 1; /* a receiving socket is always a full one */
	}
	c->req.unreadable |= k.bad;
	c->req.route_opt = k.route;
	c->req.addr_family = k.v6 ? HB_AF_INET6 : HB_AF_INET;
	__builtin_memcpy(c->req.addr, in ? k.src : k.dst, 16);
	c->req.port = bpf_ntohs(in ? k.sport : k.dport);
	hb_req_classify(&c->req);
	return p;
}

/*
 * A dropped packet's event: the socket's cgroup, the address at the other
 * end. No task is at hand (an inbound packet arrives in softirq, and
 * TCP sends from timers): pid, uid and comm stay 0, "unknown" in the
 * trace. Only drops get here, so the hot path is unchanged.
 */
static __always_inline void hb_report_pkt(struct __sk_buff *skb, const struct hb_req *req,
					  __u64 sandbox_id, enum hb_reason reason,
					  const struct hb_policy *p)
{
	struct hb_event *ev = hb_event_take(sandbox_id, p);

	if (!ev)
		return;
	__builtin_memset(ev, 0, __builtin_offsetof(struct hb_event, seq));
	ev->ppid = 0;
	ev->pad2 = 0;
	ev->ts_ns = bpf_ktime_get_ns();
	ev->cgroup_id = bpf_skb_cgroup_id(skb);
	ev->sandbox_id = sandbox_id;
	ev->hook = req->hook;
	ev->reason = reason;
	ev->verdict = hb_audited(p, req->hook, reason) ? HB_VERDICT_AUDIT : HB_VERDICT_DENY;
	ev->family = req->addr_family;
	ev->port = req->port;
	ev->protocol = req->protocol;
	__builtin_memcpy(ev->addr, req->addr, sizeof(ev->addr));
	bpf_ringbuf_submit(ev, 0);
}

/*
 * Tier B, every packet of a sandbox socket: no routing header and no
 * IPv4 options, whatever set them (ancillary data, which no cgroup hook
 * sees); ICMP echo ("ping") sockets only to allowed destinations (their
 * sendto() passes no cgroup hook). 0 drops: the send fails with EPERM
 * (ICMPv6's ping send ignores it: nothing leaves, no error).
 */
SEC("cgroup_skb/egress")
int hb_cg_egress(struct __sk_buff *skb)
{
	struct hb_ctx c = { .req.hook = HB_HOOK_SENDMSG };
	enum hb_reason reason;
	struct hb_policy *p;
	__u64 id;

	if (!hb_tier_b)
		return CG_ALLOW;
	p = hb_skb_req(skb, &c, false, &id);
	if (!p)
		return CG_ALLOW;
	hb_lookup_facts(&c, p, hb_level_lo, id, HB_HOOK_SENDMSG);
	reason = hb_net_egress_reason(p, &c.req);
	if (!reason)
		return CG_ALLOW;
	hb_report_pkt(skb, &c.req, id, reason, p);
	return hb_audited(p, HB_HOOK_SENDMSG, reason) ? CG_ALLOW : CG_DENY;
}

/*
 * Tier B, every packet arriving at a sandbox socket: nothing from outside
 * the host (hb_net_ingress_reason). UDP binds an unbound socket to the
 * wildcard address before the sendmsg hook can deny the send, and listen()
 * on an unbound socket binds it too: such a socket must stay unreachable.
 */
SEC("cgroup_skb/ingress")
int hb_cg_ingress(struct __sk_buff *skb)
{
	struct hb_ctx c = { .req.hook = HB_HOOK_CONNECT };
	enum hb_reason reason;
	struct hb_policy *p;
	__u64 id;

	if (!hb_tier_b)
		return CG_ALLOW;
	p = hb_skb_req(skb, &c, true, &id);
	if (!p)
		return CG_ALLOW;
	hb_lookup_facts(&c, p, hb_level_lo, id, HB_HOOK_CONNECT);
	reason = hb_net_ingress_reason(p, &c.req);
	if (!reason)
		return CG_ALLOW;
	c.req.hook = HB_HOOK_INGRESS;
	hb_report_pkt(skb, &c.req, id, reason, p);
	return hb_audited(p, HB_HOOK_INGRESS, reason) ? CG_ALLOW : CG_DENY;
}

/* ---- the agent: a followed cgroup created again ---------------------- */

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
	__u32 slot = 0;
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
