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

#define EPERM 1

/* cgroup sock_addr programs: 1 lets the call go on, 0 fails it with EPERM. */
#define CG_ALLOW 1
#define CG_DENY 0

char LICENSE[] SEC("license") = "GPL";

/* Set before load: the cgroup programs enforce (tier B), not only redirect. */
const volatile bool hb_tier_b = false;

/* Sandbox cgroup id -> what it is denied. Written only by the loader. */
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
	__type(key, struct hb_unix_key);
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
	__type(key, struct hb_exec_key);
	__type(value, __u8);
} hb_exec_rules SEC(".maps");

/* Per task: whether its execve() in progress is the command's own. */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u32);
} hb_first_exec SEC(".maps");

/*
 * Per CPU: a file's path for an event (bpf_d_path needs a buffer larger
 * than the stack spares). Sleepable programs run with migration off; a
 * preempting one could overwrite a path mid-event: a garbled trace text,
 * never a decision, which does not depend on it.
 */
struct hb_path_buf {
	char path[HB_EVENT_PATH_MAX];
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

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, HB_RINGBUF_SIZE);
} hb_events SEC(".maps");

/*
 * Cgroup levels [hb_level_lo, hb_level_hi) that hold sandboxes, kept by
 * the loader. With one `run`, lo + 1 == hi: one helper call and one map
 * lookup decide that a task is outside every sandbox.
 */
__u32 hb_level_lo;
__u32 hb_level_hi;

/* What a hook knows beyond the request: for lookups and the event. */
struct hb_ctx {
	struct hb_req req;
	struct sock *sk;    /* the socket, when the hook has one (LSM) */
	__u64 peer_ino;     /* unix peer's inode and device */
	__u32 peer_dev;
	__u32 path_len;
	const void *path;   /* kernel memory: a unix peer's sun_path, a file's
			     * path (hb_scratch), an exec's filename */
	struct hb_unix_path_key *path_key; /* tier B: look the path up */
	struct task_struct *target; /* ptrace/kill: the other process */
	struct cgroup *file_cg; /* a cgroupfs file's cgroup */
	struct hb_policy *policy; /* exec: the token lives in the policy */
	__u64 file_ino;     /* exec: the file's identity, for --allow-exec */
	__u32 file_dev;
	__u32 arg;          /* for the event (struct hb_event.arg) */
	__u32 path_str;     /* path is a NUL-terminated string: read up to it */
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

/* First level at which the current task is in a sandbox, or -1. */
static __always_inline int hb_first_level(void)
{
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

/*
 * Fills the map-derived facts of @c->req for sandbox @id, as hook @hook
 * (a constant: only the lookups that hook needs remain).
 */
static __always_inline void hb_lookup_facts(struct hb_ctx *c,
					    const struct hb_policy *p,
					    __u32 level, __u64 id, __u16 hook)
{
	struct hb_req *r = &c->req;

	if (hook == HB_HOOK_PTRACE || hook == HB_HOOK_KILL) {
		struct task_struct *target = c->target; /* not a CO-RE access */

		r->outside = !hb_cgroup_in_sandbox(BPF_CORE_READ(target, cgroups, dfl_cgrp),
						   level, id);
		return;
	}
	if (hook == HB_HOOK_FILE_WRITE) {
		r->in_subtree = hb_cgroup_in_sandbox(c->file_cg, level, id);
		return;
	}
	if (hook == HB_HOOK_EXEC || hook == HB_HOOK_EXEC_FILE) {
		struct hb_exec_key ek = { .sandbox_id = id, .ino = c->file_ino,
					  .dev = c->file_dev };

		r->exec_match = c->file_ino &&
				bpf_map_lookup_elem(&hb_exec_rules, &ek) != NULL;
		return;
	}
	r->rule_match = 0;
	r->dns_match = 0;
	r->unix_match = 0;
	if (hook == HB_HOOK_UNIX) {
		struct hb_unix_key uk = { .sandbox_id = id, .ino = c->peer_ino,
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

/*
 * A global function: the verifier checks it once, on its own, instead of
 * once for every state that reaches a denial.
 */
__noinline int hb_report(const struct hb_ctx *c, __u64 sandbox_id, __u32 reason)
{
	struct hb_stats *st = bpf_map_lookup_elem(&hb_stats, &sandbox_id);
	const struct hb_req *req = &c->req;
	struct hb_event *ev;
	__u64 pid_tgid;

	if (!c)
		return 0;
	if (st)
		__sync_fetch_and_add(&st->denied, 1);
	ev = bpf_ringbuf_reserve(&hb_events, sizeof(*ev), 0);
	if (!ev) {
		if (st)
			__sync_fetch_and_add(&st->events_lost, 1);
		return 0;
	}
	pid_tgid = bpf_get_current_pid_tgid();
	ev->ts_ns = bpf_ktime_get_ns();
	ev->cgroup_id = bpf_get_current_cgroup_id();
	ev->sandbox_id = sandbox_id;
	ev->pid = (__u32)pid_tgid;
	ev->tgid = pid_tgid >> 32;
	ev->uid = (__u32)bpf_get_current_uid_gid();
	ev->hook = req->hook;
	ev->reason = reason;
	ev->verdict = HB_VERDICT_DENY;
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
	c->req.own_socket = c->sk ? hb_sock_in_sandbox(c->sk, first, nest.id) : 1;
	hb_lookup_facts(c, p, first, nest.id, hook);
	if (hook == HB_HOOK_EXEC)
		hb_take_first_exec(c, p);
	reason = nest.count > 1 ? HB_REASON_UNREADABLE : hb_decide_hook(p, &c->req, hook);
	if (reason == HB_REASON_NONE)
		return 0;
	hb_report(c, nest.id, reason);
	return -EPERM;
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

SEC("lsm/socket_sendmsg")
int BPF_PROG(hb_sendmsg, struct socket *sock, struct msghdr *msg, int size,
	     int ret)
{
	struct hb_ctx c = { .req.hook = HB_HOOK_SENDMSG };
	void *name = NULL;
	int namelen = 0, first;

	if (hb_skip(ret, &first))
		return ret;
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
	hb_read_sock(&c, sock);
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

/* ---- tier A: exec and native code --------------------------------- */

#define HB_S_IWGRP 0020
#define HB_S_IWOTH 0002
#define HB_S_IFMT 0170000
#define HB_S_IFREG 0100000
#define HB_VM_WRITE 0x2
#define HB_VM_EXEC 0x4

/*
 * Trusted for --block-native: a regular file owned by root and writable
 * by nobody else, in a directory of the same kind. Nobody but root can
 * have written it or put it there (a root command has no such limit:
 * spec/exec.md says so).
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
	       !(mode & (HB_S_IWGRP | HB_S_IWOTH)) &&
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

SEC("lsm/capable")
int BPF_PROG(hb_capable, const struct cred *cred, struct user_namespace *ns,
	     int cap, unsigned int opts, int ret)
{
	struct hb_ctx c = { .req.cap = cap, .arg = cap };
	int first;

	if (hb_skip(ret, &first))
		return ret;
	return hb_enforce(&c, first, HB_HOOK_CAPABLE);
}

#define HB_FMODE_WRITE 0x2
/* /proc/sys's depth is small; deeper is denied (fail closed). */
#define HB_PROC_DEPTH 16

/*
 * Whether a procfs file lies under /proc/sys or is /proc/sysrq-trigger:
 * its top directory below the procfs root, found by walking up the
 * dentries (not by path text, which a chroot would change).
 */
static __always_inline int hb_proc_sys(struct dentry *d)
{
	struct dentry *top = d;
	char name[16] = {};

	for (int i = 0; i < HB_PROC_DEPTH; i++) {
		struct dentry *parent = BPF_CORE_READ(top, d_parent);
		struct dentry *grand = BPF_CORE_READ(parent, d_parent);

		if (!parent || parent == top) /* the root itself */
			return 0;
		if (grand == parent) { /* top's parent is the root */
			bpf_probe_read_kernel_str(name, sizeof(name),
						  BPF_CORE_READ(top, d_name.name));
			return name[0] == 's' && name[1] == 'y' && name[2] == 's' &&
			       (name[3] == '\0' ||
				(name[3] == 'r' && name[4] == 'q' && name[5] == '-' &&
				 name[6] == 't' && name[7] == 'r' && name[8] == 'i' &&
				 name[9] == 'g' && name[10] == 'g' && name[11] == 'e' &&
				 name[12] == 'r' && name[13] == '\0'));
		}
		top = parent;
	}
	return 1;
}

/* Writes to the kernel's own filesystems (see hb_file_write_reason). */
SEC("lsm.s/file_open")
int BPF_PROG(hb_file_open, struct file *file, int ret)
{
	struct hb_ctx c = { .req.fs_magic = BPF_CORE_READ(file, f_inode, i_sb, s_magic) };
	int first;

	if (ret)
		return ret;
	if (!(BPF_CORE_READ(file, f_mode) & HB_FMODE_WRITE))
		return 0;
	first = hb_first_level();
	if (first < 0)
		return 0;
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

/* Removing or moving the pins that keep enforcement alive (bpffs). */
static __always_inline int hb_path_change(struct dentry *dentry)
{
	struct hb_ctx c = { .req.fs_magic = BPF_CORE_READ(dentry, d_sb, s_magic) };
	int first;

	if (c.req.fs_magic != HB_BPF_FS_MAGIC)
		return 0;
	first = hb_first_level();
	if (first < 0)
		return 0;
	c.path = BPF_CORE_READ(dentry, d_name.name);
	c.path_len = HB_EVENT_PATH_MAX - 1;
	c.path_str = 1;
	return hb_enforce(&c, first, HB_HOOK_PATH);
}

SEC("lsm/path_unlink")
int BPF_PROG(hb_unlink, const struct path *dir, struct dentry *dentry, int ret)
{
	return ret ? ret : hb_path_change(dentry);
}

SEC("lsm/path_rmdir")
int BPF_PROG(hb_rmdir, const struct path *dir, struct dentry *dentry, int ret)
{
	return ret ? ret : hb_path_change(dentry);
}

SEC("lsm/path_rename")
int BPF_PROG(hb_rename, const struct path *old_dir, struct dentry *old_dentry,
	     const struct path *new_dir, struct dentry *new_dentry,
	     unsigned int flags, int ret)
{
	if (ret)
		return ret;
	ret = hb_path_change(old_dentry);
	return ret ? ret : hb_path_change(new_dentry);
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
	struct hb_ctx c = { .target = child, .req.attach = !!(mode & HB_PTRACE_MODE_ATTACH) };
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
	struct hb_unix_path_key key = {};
	struct hb_ctx c = { .req.hook = HB_HOOK_UNIX, .req.family = HB_AF_UNIX };
	struct bpf_sock_addr_kern___v67 *sa;
	const char *sun_path;
	__u32 len;
	int first;

	if (!hb_tier_b)
		return CG_ALLOW;
	first = hb_first_level();
	if (first < 0)
		return CG_ALLOW;
	sa = bpf_cast_to_kern_ctx(ctx);
	sun_path = (const char *)sa->uaddr + sizeof(__u16);
	len = sa->uaddrlen;
	if (len <= sizeof(__u16) || len > sizeof(__u16) + HB_UNIX_PATH_MAX) {
		c.req.unreadable = 1;
	} else if (bpf_probe_read_kernel(key.path, 1, sun_path)) {
		c.req.unreadable = 1;
	} else if (key.path[0] == '\0') {
		c.req.unix_kind = HB_UNIX_ABSTRACT;
		c.path = sun_path;
		c.path_len = len - sizeof(__u16);
	} else {
		/* Up to the NUL: what the kernel resolves as the path. */
		if (bpf_probe_read_kernel_str(key.path, sizeof(key.path), sun_path) < 0)
			c.req.unreadable = 1;
		c.req.unix_kind = HB_UNIX_PATHNAME;
		c.path_key = &key;
		c.path = key.path;
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
