/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What hb_enforce looks up before a decision: allow rules, the DNS proxy's
 * addresses, the filesystem guard's subtrees, held descriptors, targets.
 * A part of hermetic.bpf.c: one object, one set of maps (see there).
 */
#ifndef HB_FACTS_BPF_H
#define HB_FACTS_BPF_H

#include "common.bpf.h"

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

/*
 * Whether an --allow-bind rule of sandbox @id covers local address @addr,
 * port @port (host order) for a socket of @type and @protocol: the
 * address itself, or any address. Not inlined: its key takes a stack
 * frame of its own, which hb_sendmsg's and hb_listen's have no room for.
 */
static __noinline int hb_bind_lookup(__u64 id, const __u8 *addr, __u32 port,
				     __s32 type, __s32 protocol)
{
	struct hb_bind_key key = { .sandbox_id = id, .port = (__u16)port,
				   .proto = hb_bind_proto(type, protocol) };

	if (!addr || !port || port > 0xffff || !key.proto)
		return 0;
	__builtin_memcpy(key.addr, addr, sizeof(key.addr));
	if (bpf_map_lookup_elem(&hb_bind_rules, &key))
		return 1;
	__builtin_memset(key.addr, 0, sizeof(key.addr));
	key.any = 1;
	return bpf_map_lookup_elem(&hb_bind_rules, &key) != NULL;
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
	struct inode *inode = d->d_inode; /* direct reads: a level costs no helper call */
	__u8 *flags;

	k.ino = inode->i_ino;
	k.dev = inode->i_sb->s_dev;
	flags = k.ino ? bpf_map_lookup_elem(&hb_fs_subtrees, &k) : NULL;
	if (flags)
		w->found |= i ? *flags & (HB_FS_RULE_WRITE | HB_FS_RULE_READ) : *flags;
	if (w->found & w->need)
		return 1;
	parent = d->d_parent;
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
#define HB_FD_WORD 64 /* descriptors per word of the open-descriptor bitmap */

struct hb_fd_scan {
	struct file **fd;
	__u64 *open_fds;  /* the table's bitmap of open descriptors */
	struct inode *inode;
	__u64 word;       /* its word at base, less the bits looked at */
	__u32 base;       /* the descriptor of that word's bit 0 */
	__u32 max;
	__u32 fmode;
	__u8 held;
};

/*
 * One step of hb_fd_held(): the next open descriptor, or the bitmap's
 * next word once this one has none left; 1 stops. Only open descriptors
 * are read: a process with a few costs a few steps, not one per slot.
 */
static long hb_fd_scan_cb(__u32 i, void *data)
{
	struct hb_fd_scan *s = data;
	struct file *f = NULL;
	__u32 fd;

	if (!s->word) {
		s->base += HB_FD_WORD;
		if (s->base >= s->max)
			return 1;
		/* Unreadable: no more is found held (fail closed). */
		return bpf_probe_read_kernel(&s->word, sizeof(s->word),
					     &s->open_fds[s->base / HB_FD_WORD]) ? 1 : 0;
	}
	fd = s->base + hb_lowest_bit64(s->word);
	s->word &= s->word - 1;
	if (fd >= s->max)
		return 1;
	if (bpf_probe_read_kernel(&f, sizeof(f), &s->fd[fd]) || !f)
		return 0;
	if (BPF_CORE_READ(f, f_inode) == s->inode && (BPF_CORE_READ(f, f_mode) & s->fmode)) {
		s->held = 1;
		return 1;
	}
	return 0;
}

/* In a held descriptor's @fmode: the open judged is one of the file's writers. */
#define HB_FD_OWN_WRITER (1u << 31)

/*
 * Whether a descriptor that writes @inode may be held at all, asked before
 * the scan (which costs more than the rest of a denial). A regular file on
 * a mounted filesystem counts its open writers in i_writecount, the open
 * judged among them (counted before file_open): no other, none held.
 * Devices are not counted, nor the files the kernel makes without an open
 * (memfd, SysV shm: on its internal mounts), nor readers: looked for.
 */
static __always_inline bool hb_fd_may_be_held(struct inode *inode, __u32 fmode)
{
	if ((fmode & ~HB_FD_OWN_WRITER) != HB_FMODE_WRITE ||
	    (inode->i_mode & HB_S_IFMT) != HB_S_IFREG ||
	    (inode->i_sb->s_flags & HB_SB_KERNMOUNT))
		return true;
	return inode->i_writecount.counter > (fmode & HB_FD_OWN_WRITER ? 1 : 0);
}

/*
 * Whether the task holds a descriptor to @inode with one of the @fmode
 * bits: re-opening it (/dev/stdout, /proc/self/fd/N) then gains nothing.
 */
static __always_inline int hb_fd_held(struct inode *inode, __u32 fmode)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct hb_fd_scan s = { .inode = inode, .fmode = fmode };
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);

	s.fd = BPF_CORE_READ(fdt, fd);
	s.open_fds = (__u64 *)BPF_CORE_READ(fdt, open_fds);
	s.max = BPF_CORE_READ(fdt, max_fds);
	if (s.max > HB_FD_SCAN_MAX)
		s.max = HB_FD_SCAN_MAX;
	/*
	 * The first word before the loop: 6.1's verifier checks the callback
	 * once, from the state at the call, and drops the branches that a
	 * constant there decides (a word of zero would end every scan).
	 */
	if (!s.fd || !inode ||
	    bpf_probe_read_kernel(&s.word, sizeof(s.word), s.open_fds))
		return 0;
	/* Every descriptor below the bound, and every word of the bitmap. */
	bpf_loop(HB_FD_SCAN_MAX + HB_FD_SCAN_MAX / HB_FD_WORD, hb_fd_scan_cb, &s, 0);
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
	if (!(r->fs_allow & hb_fs_need(r->hook, r->fs_op)) && c->fs_inode &&
	    hb_fd_may_be_held(c->fs_inode, c->fs_fmode))
		r->fs_held = hb_fd_held(c->fs_inode, c->fs_fmode & ~HB_FD_OWN_WRITER);
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
	if (hook == HB_HOOK_BIND || hook == HB_HOOK_LISTEN) {
		r->bind_match = (hb_net_bits(p) & HB_NET_BIND_RULES) &&
				hb_bind_lookup(id, r->addr, r->port, r->type, r->protocol);
		return;
	}
	if (hook == HB_HOOK_UNIX) {
		struct hb_inode_key uk = { .sandbox_id = id, .ino = c->peer_ino,
					  .dev = c->peer_dev };

		if (!(hb_net_bits(p) & HB_NET_UNIX_RULES) || r->unix_kind != HB_UNIX_PATHNAME)
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
	if (hb_net_bits(p) & HB_NET_IP_RULES)
		r->rule_match = hb_rule_lookup(id, r, r->port) ||
				hb_rule_lookup(id, r, 0);
	if (hb_net_bits(p) & HB_NET_DNS_PROXY) {
		struct hb_dns_key dk = { .sandbox_id = id };
		struct hb_dns_value *v;

		__builtin_memcpy(dk.addr, r->addr, sizeof(dk.addr));
		v = bpf_map_lookup_elem(&hb_dns_addrs, &dk);
		r->dns_match = v && v->expires_ns > bpf_ktime_get_ns();
	}
}

#endif /* HB_FACTS_BPF_H */
