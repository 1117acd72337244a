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
	const void *path;   /* kernel memory: a unix peer's sun_path */
	struct hb_unix_path_key *path_key; /* tier B: look the path up */
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

/* Whether @sk was created inside the sandbox at @level with id @id. */
static __always_inline int hb_sock_in_sandbox(struct sock *sk, __u32 level,
					      __u64 id)
{
	struct cgroup *cg = BPF_CORE_READ(sk, sk_cgrp_data.cgroup);
	struct cgroup *anc;
	int cg_level;

	if (!cg || bpf_core_read(&cg_level, sizeof(cg_level), &cg->level) ||
	    cg_level < (int)level || level >= HB_MAX_LEVELS)
		return 0;
	if (bpf_core_read(&anc, sizeof(anc), &cg->ancestors[level]) || !anc)
		return 0;
	return BPF_CORE_READ(anc, kn, id) == id;
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
					    __u64 id, __u16 hook)
{
	struct hb_req *r = &c->req;

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
	__builtin_memcpy(ev->addr, req->addr, sizeof(ev->addr));
	bpf_get_current_comm(ev->comm, sizeof(ev->comm));
	ev->path_len = 0;
	if (c->path && c->path_len) {
		__u32 n = c->path_len;

		if (n > HB_EVENT_PATH_MAX - 1)
			n = HB_EVENT_PATH_MAX - 1;
		n &= HB_EVENT_PATH_MAX - 1; /* a bound the verifier can see */
		if (!bpf_probe_read_kernel(ev->path, n, c->path))
			ev->path_len = n;
	}
	bpf_ringbuf_submit(ev, 0);
	return 0;
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
	const struct hb_policy *p;
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
	hb_lookup_facts(c, p, nest.id, hook);
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

	if (ret)
		return ret;
	first = hb_first_level();
	if (first < 0)
		return 0;
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

	if (ret)
		return ret;
	first = hb_first_level();
	if (first < 0)
		return 0;
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

	if (ret)
		return ret;
	first = hb_first_level();
	if (first < 0)
		return 0;
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

	if (ret)
		return ret;
	first = hb_first_level();
	if (first < 0)
		return 0;
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

	if (ret)
		return ret;
	first = hb_first_level();
	if (first < 0)
		return 0;
	hb_unix_peer(&c, other);
	return hb_enforce(&c, first, HB_HOOK_UNIX);
}

/* Datagrams: on connect() and on every send, to a named or unnamed peer. */
SEC("lsm/unix_may_send")
int BPF_PROG(hb_unix_send, struct socket *sock, struct socket *other, int ret)
{
	struct hb_ctx c = {};
	int first;

	if (ret)
		return ret;
	first = hb_first_level();
	if (first < 0)
		return 0;
	hb_unix_peer(&c, BPF_CORE_READ(other, sk));
	return hb_enforce(&c, first, HB_HOOK_UNIX);
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
