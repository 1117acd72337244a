/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Tier A's network guard: the socket hooks (connect, addressed sends and
 * their ancillary data, socket kinds, bind, listen, unix peers, options).
 * A part of hermetic.bpf.c: one object, one set of maps (see there).
 */
#ifndef HB_NET_BPF_H
#define HB_NET_BPF_H

#include "enforce.bpf.h"

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

/*
 * The socket's family, type and protocol; the socket into @c->sock.
 * Direct reads of the objects the hook was handed (no helper call): a
 * fault reads zero, as a missing sk leaves it, and no socket has family 0.
 * Only scalars differ after the NULL test, so the verifier checks what
 * follows once (c->sock, not the sk, is kept: a pointer on one branch
 * and NULL on the other would be two states).
 */
static __always_inline void hb_read_sock(struct hb_ctx *c, struct socket *sock)
{
	struct hb_req *req = &c->req;
	struct sock *sk = sock->sk;

	c->sock = sock;
	if (sk) {
		req->family = sk->__sk_common.skc_family;
		req->protocol = sk->sk_protocol;
	}
	req->type = sock->type;
	if (!req->family) /* no socket has AF_UNSPEC: no sk, or a failed read */
		req->unreadable = 1;
}

/* ---- tier A: BPF-LSM ------------------------------------------------ */

SEC("lsm/socket_connect")
HB_LSM(hb_connect, struct socket *sock, struct sockaddr *address,
       int addrlen, int ret)
{
	struct hb_ctx c = { .req.hook = HB_HOOK_CONNECT };
	hb_read_sock(&c, sock);
	hb_read_sockaddr(&c.req, address, addrlen);
	return hb_enforce(&c, first, pol, HB_HOOK_CONNECT);
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
	__u64 len = msg->msg_controllen; /* direct reads, as hb_read_sock */
	struct hb_cmsg_walk w = {};
	void *ctl;

	if (!len)
		return 0;
	ctl = msg->msg_control;
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

/* Ancillary data first: it applies to connected sends too. */
HB_LSM_JUDGE(hb_sendmsg_route, struct socket *sock, struct msghdr *msg, int size,
	     int ret)
{
	struct sock *sk = sock->sk;

	/* Most sends: no ancillary data, a socket that reads (direct reads). */
	if (!msg->msg_controllen && sk && sk->__sk_common.skc_family)
		return 0;
	struct hb_ctx c = { .req.hook = HB_HOOK_SENDMSG };
	hb_read_sock(&c, sock);
	if (!c.req.unreadable && !hb_is_inet(c.req.family))
		return 0;
	c.req.addr_family = c.req.family;
	/* the event's protocol field: the level (hb_cmsg_route) */
	if (c.req.unreadable || hb_cmsg_route(&c, msg))
		return hb_enforce(&c, first, pol, HB_HOOK_SOCKOPT);
	return 0;
}

/* The destination next, from a request of its own. */
HB_LSM_JUDGE(hb_sendmsg_dest, struct socket *sock, struct msghdr *msg, int size,
	     int ret)
{
	void *name = msg->msg_name;
	int namelen = msg->msg_namelen;

	/*
	 * No destination: a connected socket, whose peer passed
	 * socket_connect, or a descriptor handed in from outside.
	 */
	if (!name || namelen <= 0)
		return 0;
	struct hb_ctx c = { .req.hook = HB_HOOK_SENDMSG };
	hb_read_sock(&c, sock);
	if (!c.req.unreadable)
		hb_read_sockaddr(&c.req, name, namelen);
	return hb_enforce(&c, first, pol, HB_HOOK_SENDMSG);
}

/*
 * Two judging halves, one after the other: their frames nested, or one
 * frame with both requests, would pass 512 bytes of stack on 6.1. Called
 * from a subprogram of their own, so that the program, which every task
 * on the host runs, keeps no register across the first for the second.
 */
static __noinline int hb_sendmsg_in(unsigned long long *ctx, int first, struct hb_policy *pol)
{
	return hb_sendmsg_route(ctx, first, pol) ?: hb_sendmsg_dest(ctx, first, pol);
}

SEC("lsm/socket_sendmsg")
HB_LSM_CALL(hb_sendmsg, true, hb_sendmsg_in(ctx, first, pol),
	    struct socket *sock, struct msghdr *msg, int size, int ret)

/* The kernel's own sockets (@kern) are not the task's. */
SEC("lsm/socket_create")
HB_LSM_IF(hb_sock_create, !kern, int family, int type, int protocol, int kern,
	  int ret)
{
	struct hb_ctx c = {
		.req.hook = HB_HOOK_SOCKET,
		.req.family = family,
		.req.type = type,
		.req.protocol = protocol,
	};
	return hb_enforce(&c, first, pol, HB_HOOK_SOCKET);
}

SEC("lsm/socket_bind")
HB_LSM(hb_bind, struct socket *sock, struct sockaddr *address,
       int addrlen, int ret)
{
	struct hb_ctx c = { .req.hook = HB_HOOK_BIND };
	hb_read_sock(&c, sock);
	hb_read_sockaddr(&c.req, address, addrlen);
	return hb_enforce(&c, first, pol, HB_HOOK_BIND);
}

/* listen() binds an unbound socket to the wildcard: judge what is bound. */
SEC("lsm/socket_listen")
HB_LSM(hb_listen, struct socket *sock, int backlog, int ret)
{
	struct sock_common *skc;

	struct hb_ctx c = { .req.hook = HB_HOOK_LISTEN };
	hb_read_sock(&c, sock);
	skc = (struct sock_common *)BPF_CORE_READ(sock, sk);
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
	return hb_enforce(&c, first, pol, HB_HOOK_LISTEN);
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
HB_LSM(hb_unix_connect, struct sock *sock, struct sock *other,
       struct sock *newsk, int ret)
{
	struct hb_ctx c = {};
	hb_unix_peer(&c, other);
	return hb_enforce(&c, first, pol, HB_HOOK_UNIX);
}

/* Datagrams: on connect() and on every send, to a named or unnamed peer. */
SEC("lsm/unix_may_send")
HB_LSM(hb_unix_send, struct socket *sock, struct socket *other, int ret)
{
	struct hb_ctx c = {};
	hb_unix_peer(&c, BPF_CORE_READ(other, sk));
	return hb_enforce(&c, first, pol, HB_HOOK_UNIX);
}

/*
 * Options that change where packets go: a source route (IP_OPTIONS), a
 * routing header (IPV6_RTHDR), ... The hooks judge the destination; the
 * packet would leave for the route's first hop (hb_net_route_option).
 * The cheapest exit first: nearly every option is not one of these.
 */
SEC("lsm/socket_setsockopt")
HB_LSM_IF(hb_setsockopt, hb_net_route_option(level, optname), struct socket *sock,
	  int level, int optname, int ret)
{
	struct hb_ctx c = { .req.hook = HB_HOOK_SOCKOPT };
	hb_read_sock(&c, sock);
	c.req.route_opt = 1;
	c.req.addr_family = c.req.family;
	c.req.protocol = level; /* the event's protocol field: the level */
	c.arg = optname;
	return hb_enforce(&c, first, pol, HB_HOOK_SOCKOPT);
}

#endif /* HB_NET_BPF_H */
