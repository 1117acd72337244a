/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The cgroup programs: DNS to the sandbox's proxy (both tiers), and tier
 * B's network guard (addresses, unix paths, socket kinds, packets).
 * A part of hermetic.bpf.c: one object, one set of maps (see there).
 */
#ifndef HB_CGROUP_NET_BPF_H
#define HB_CGROUP_NET_BPF_H

#include "enforce.bpf.h"

/* cgroup sock_addr programs: 1 lets the call go on, 0 fails it with EPERM. */
#define CG_ALLOW 1
#define CG_DENY 0

/*
 * The policy that redirects DNS for the current task, if any: @pol, the
 * one hb_first_level() found at @first, or one deeper; without @pol, the
 * walk starts at @first.
 */
static __always_inline const struct hb_policy *hb_dns_policy(int first, struct hb_policy *pol)
{
	struct hb_policy *p = NULL;

	if (pol && (pol->net & HB_NET_DNS_PROXY))
		return pol;
	if (hb_walk_levels(pol ? first + 1 : first, HB_NET_DNS_PROXY, NULL, false, NULL, &p) < 0)
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
					   struct hb_policy *pol, bool v6)
{
	const struct hb_policy *p;

	if (!hb_is_dns(ctx))
		return 0;
	p = hb_dns_policy(first, pol);
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

/* An address hook of a task in a sandbox (@first: its level), tier B. */
static __always_inline int hb_cg_addr_judge(struct bpf_sock_addr *ctx, __u16 hook, bool v6,
					    int first, struct hb_policy *pol)
{
	struct hb_ctx c = {};

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
	return hb_enforce(&c, first, pol, hook) ? CG_DENY : CG_ALLOW;
}

/*
 * Every task on the host passes here when the agent's tier B programs sit
 * at the cgroup2 root: the outside test comes first, and the request is
 * built only past it (HB_LSM_IF() says why).
 */
static __always_inline int hb_cg_addr(struct bpf_sock_addr *ctx, __u16 hook,
				      bool v6)
{
	struct hb_policy *pol = NULL;
	int first = hb_first_level(&pol);

	if (first < 0)
		return CG_ALLOW;
	if (hook != HB_HOOK_BIND && hb_dns_redirect(ctx, first, pol, v6))
		return CG_ALLOW;
	if (!hb_tier_b)
		return CG_ALLOW;
	return hb_cg_addr_judge(ctx, hook, v6, first, pol);
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
	struct hb_policy *pol = NULL;
	int first = hb_first_level(&pol), from_proxy;

	if (first < 0)
		return CG_ALLOW;
	p = hb_dns_policy(first, pol);
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

static __always_inline int hb_cg_unix_judge(struct bpf_sock_addr *ctx, int first,
					    struct hb_policy *pol)
{
	struct hb_ctx c = { .req.hook = HB_HOOK_UNIX, .req.family = HB_AF_UNIX };
	struct bpf_sock_addr_kern___v67 *sa;
	struct hb_unix_path_key *key;
	struct hb_path_buf *buf;
	const char *sun_path;
	__u32 len, zero = 0;

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
	return hb_enforce(&c, first, pol, HB_HOOK_UNIX) ? CG_DENY : CG_ALLOW;
}

static __always_inline int hb_cg_unix(struct bpf_sock_addr *ctx)
{
	struct hb_policy *pol = NULL;
	int first;

	if (!hb_tier_b)
		return CG_ALLOW;
	first = hb_first_level(&pol);
	if (first < 0)
		return CG_ALLOW;
	return hb_cg_unix_judge(ctx, first, pol);
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
static __always_inline int hb_cg_sock_judge(struct bpf_sock *sk, int first,
					    struct hb_policy *pol)
{
	struct hb_ctx c = {
		.req.hook = HB_HOOK_SOCKET,
		.req.family = sk->family,
		.req.type = sk->type,
		.req.protocol = sk->protocol,
	};

	return hb_enforce(&c, first, pol, HB_HOOK_SOCKET) ? CG_DENY : CG_ALLOW;
}

SEC("cgroup/sock_create")
int hb_cg_sock_create(struct bpf_sock *sk)
{
	struct hb_policy *pol = NULL;
	int first;

	if (!hb_tier_b)
		return CG_ALLOW;
	first = hb_first_level(&pol);
	if (first < 0)
		return CG_ALLOW;
	return hb_cg_sock_judge(sk, first, pol);
}

/*
 * Tier B's setsockopt(): the options that change where packets go
 * (hb_net_route_option) get EPERM. Others go on to the kernel untouched;
 * an option longer than a page must come back with optlen 0 for that
 * (before Linux 6.5 the kernel otherwise fails it with EFAULT).
 */
static __always_inline int hb_cg_sockopt_judge(struct bpf_sockopt *ctx, int first,
					       struct hb_policy *pol)
{
	struct hb_ctx c = { .req.hook = HB_HOOK_SOCKOPT };
	struct bpf_sock *sk = ctx->sk;

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
	return hb_enforce(&c, first, pol, HB_HOOK_SOCKOPT) ? CG_DENY : CG_ALLOW;
}

SEC("cgroup/setsockopt")
int hb_cg_sockopt(struct bpf_sockopt *ctx)
{
	struct hb_policy *pol = NULL;
	int first;

	if (!hb_tier_b || !hb_net_route_option(ctx->level, ctx->optname)) {
		if (ctx->optlen > 4096)
			ctx->optlen = 0;
		return CG_ALLOW;
	}
	first = hb_first_level(&pol);
	if (first < 0)
		return CG_ALLOW;
	return hb_cg_sockopt_judge(ctx, first, pol);
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
 * The policy of the sandbox whose socket sent or receives @skb, found
 * through the socket's cgroup's ancestors (no task is at hand here), and
 * its level in @level. One `run` (hb_holds_one_sandbox()) looks at its
 * one level; an object that serves many cgroups (the agent in tier B) at
 * the levels hb_levels marks, as the task's hooks do.
 */
static __always_inline struct hb_policy *hb_skb_policy(struct __sk_buff *skb, __u64 *id,
						       __u32 *level)
{
	struct hb_policy *p = NULL;
	int found;

	*level = hb_level_lo;
	if (hb_holds_one_sandbox()) {
		*id = bpf_skb_ancestor_cgroup_id(skb, hb_level_lo);
		if (*id != hb_sandbox_id)
			return NULL;
		return bpf_map_lookup_elem(&hb_policies, id);
	}
	found = hb_walk_levels(hb_level_lo, 0, skb, true, id, &p);
	if (found < 0)
		return NULL;
	*level = found;
	return p;
}

/*
 * The request a packet of a sandbox socket makes: its socket, and the
 * address at the other end (@in: the source, else the destination).
 * Nothing here knows the task, so no event is reported.
 */
static __always_inline void hb_skb_req(struct __sk_buff *skb, struct hb_ctx *c, bool in)
{
	struct hb_pkt k = {};
	struct bpf_sock *sk;

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
	__u64 now = bpf_ktime_get_ns();
	struct hb_event *ev = hb_event_take(sandbox_id, p, now);

	if (!ev)
		return;
	__builtin_memset(ev, 0, __builtin_offsetof(struct hb_event, seq));
	ev->ppid = 0;
	ev->pad2 = 0;
	ev->ts_ns = now;
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
static __always_inline int hb_cg_egress_judge(struct __sk_buff *skb, struct hb_policy *p,
					      __u32 level, __u64 id)
{
	struct hb_ctx c = { .req.hook = HB_HOOK_SENDMSG };
	enum hb_reason reason;

	hb_skb_req(skb, &c, false);
	hb_lookup_facts(&c, p, level, id, HB_HOOK_SENDMSG);
	reason = hb_net_egress_reason(p, &c.req);
	if (!reason)
		return CG_ALLOW;
	hb_report_pkt(skb, &c.req, id, reason, p);
	return hb_audited(p, HB_HOOK_SENDMSG, reason) ? CG_ALLOW : CG_DENY;
}



/*
 * Whether the socket receiving @skb is bound as one of sandbox @id's
 * --allow-bind rules says: its own local address and port, as its bind()
 * was judged, not the packet's destination (a socket bound to the
 * wildcard receives for every address of the host).
 */
static __always_inline int hb_skb_bind_match(struct __sk_buff *skb, __u64 id)
{
	struct bpf_sock *sk = skb->sk;
	__u8 addr[16];

	if (sk)
		sk = bpf_sk_fullsock(sk);
	if (!sk)
		return 0;
	if (sk->family == HB_AF_INET6) {
		__u32 a6[4] = { sk->src_ip6[0], sk->src_ip6[1], sk->src_ip6[2],
				sk->src_ip6[3] };

		__builtin_memcpy(addr, a6, 16);
	} else {
		__u32 a4 = sk->src_ip4;

		hb_addr_map_v4(addr, (const __u8 *)&a4);
	}
	return hb_bind_lookup(id, addr, sk->src_port, sk->type, sk->protocol);
}

/*
 * Tier B, every packet arriving at a sandbox socket: nothing from outside
 * the host but to what --allow-bind serves (hb_net_ingress_reason). UDP
 * binds an unbound socket to the wildcard address before the sendmsg hook
 * can deny the send, and listen() on an unbound socket binds it too: such
 * a socket must stay unreachable.
 */
static __always_inline int hb_cg_ingress_judge(struct __sk_buff *skb, struct hb_policy *p,
					       __u32 level, __u64 id)
{
	struct hb_ctx c = { .req.hook = HB_HOOK_CONNECT };
	enum hb_reason reason;

	hb_skb_req(skb, &c, true);
	hb_lookup_facts(&c, p, level, id, HB_HOOK_CONNECT);
	if (!c.req.connected && (hb_net_bits(p) & HB_NET_BIND_RULES) &&
	    !(c.req.addr_class & HB_ADDR_LOOPBACK))
		c.req.bind_match = hb_skb_bind_match(skb, id);
	reason = hb_net_ingress_reason(p, &c.req);
	if (!reason)
		return CG_ALLOW;
	c.req.hook = HB_HOOK_INGRESS;
	hb_report_pkt(skb, &c.req, id, reason, p);
	return hb_audited(p, HB_HOOK_INGRESS, reason) ? CG_ALLOW : CG_DENY;
}

/*
 * Every packet of the host when the agent's tier B programs sit at the
 * root: the policy is looked for first, the request built only for one.
 */
static __always_inline int hb_cg_skb(struct __sk_buff *skb, bool in)
{
	struct hb_policy *p;
	__u32 level;
	__u64 id;

	if (!hb_tier_b)
		return CG_ALLOW;
	p = hb_skb_policy(skb, &id, &level);
	if (!p)
		return CG_ALLOW;
	return in ? hb_cg_ingress_judge(skb, p, level, id) :
		    hb_cg_egress_judge(skb, p, level, id);
}

SEC("cgroup_skb/egress")
int hb_cg_egress(struct __sk_buff *skb)
{
	return hb_cg_skb(skb, false);
}

SEC("cgroup_skb/ingress")
int hb_cg_ingress(struct __sk_buff *skb)
{
	return hb_cg_skb(skb, true);
}

#endif /* HB_CGROUP_NET_BPF_H */
