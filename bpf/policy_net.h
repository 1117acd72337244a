/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The network guard's decisions: address classes, destinations, socket
 * kinds, unix peers, route options, tier B's packets.
 * A part of hermetic_policy.h, compiled for BPF and host alike (see there).
 */
#ifndef HB_POLICY_NET_H
#define HB_POLICY_NET_H

#include "policy_req.h"

/*
 * Facts about the request alone (struct hb_req.addr_class), found once
 * by hb_req_classify() rather than once per enclosing sandbox: the
 * verifier then checks the address tests once, not in every loop body.
 * A decision on an unclassified request fails closed.
 */
#define HB_ADDR_CLASSIFIED (1u << 0)
#define HB_ADDR_METADATA (1u << 1)
#define HB_ADDR_LOOPBACK (1u << 2)
#define HB_ADDR_DNS (1u << 3) /* port 53 over TCP or UDP */

enum hb_unix_kind {
	HB_UNIX_UNNAMED = 0,  /* socketpair() or a passed descriptor */
	HB_UNIX_PATHNAME = 1,
	HB_UNIX_ABSTRACT = 2,
};

static __always_inline int hb_is_inet(__u16 family)
{
	return family == HB_AF_INET || family == HB_AF_INET6;
}

/* A 32-bit constant in network order, for word-wise address compares. */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define HB_BE32(x) __builtin_bswap32(x)
#else
#define HB_BE32(x) (x)
#endif

/* Word @i (0..3) of an address, as it lies in memory (network order). */
static __always_inline __u32 hb_addr_word(const __u8 a[16], int i)
{
	__u32 w;

	__builtin_memcpy(&w, a + 4 * i, sizeof(w));
	return w;
}

/* ::ffff:a.b.c.d from a.b.c.d: one spelling for every IPv4 match. */
static __always_inline void hb_addr_map_v4(__u8 out[16], const __u8 v4[4])
{
	__u32 head[3] = { 0, 0, HB_BE32(0x0000ffff) };

	__builtin_memcpy(out, head, sizeof(head));
	__builtin_memcpy(out + 12, v4, 4);
}

/*
 * Word-wise compares: the verifier explores every branch, so a handful of
 * 32-bit tests keep the programs quick to load where byte loops did not.
 */
static __always_inline int hb_addr_is_v4(const __u8 a[16])
{
	return !(hb_addr_word(a, 0) | hb_addr_word(a, 1)) &&
	       hb_addr_word(a, 2) == HB_BE32(0x0000ffff);
}

static __always_inline int hb_addr_is_loopback(const __u8 a[16])
{
	if (hb_addr_is_v4(a))
		return a[12] == 127;
	return !(hb_addr_word(a, 0) | hb_addr_word(a, 1) | hb_addr_word(a, 2)) &&
	       hb_addr_word(a, 3) == HB_BE32(1);
}

/*
 * Cloud metadata endpoints: denied even when a rule would allow them,
 * IPv4-mapped, or behind the NAT64 well-known prefix 64:ff9b::/96.
 */
static __always_inline int hb_addr_is_metadata(const __u8 a[16])
{
	__u32 w0 = hb_addr_word(a, 0), w3 = hb_addr_word(a, 3);

	if (hb_addr_word(a, 1) | (hb_addr_word(a, 2) & HB_BE32(0xffff0000)))
		return 0;
	/* IPv4 (mapped), or NAT64 64:ff9b::a.b.c.d */
	if ((!w0 && hb_addr_word(a, 2) == HB_BE32(0x0000ffff)) ||
	    (w0 == HB_BE32(0x0064ff9b) && !hb_addr_word(a, 2)))
		return w3 == HB_BE32(0xa9fea9fe) ||  /* 169.254.169.254: AWS, GCP, Azure, ... */
		       w3 == HB_BE32(0xa9feaa02) ||  /* 169.254.170.2: ECS task metadata */
		       w3 == HB_BE32(0xa9feaa17) ||  /* 169.254.170.23: EKS Pod Identity */
		       w3 == HB_BE32(0xa9fe0017) ||  /* 169.254.0.23: Tencent Cloud */
		       w3 == HB_BE32(0xa9fe2a2a) ||  /* 169.254.42.42: Scaleway */
		       w3 == HB_BE32(0xa83f8110) ||  /* 168.63.129.16: Azure's wire server */
		       w3 == HB_BE32(0xc00000c0) ||  /* 192.0.0.192: Oracle Cloud */
		       w3 == HB_BE32(0x646464c8);    /* 100.100.100.200: Alibaba */
	if (hb_addr_word(a, 2))
		return 0;
	return (w0 == HB_BE32(0xfd000ec2) && w3 == HB_BE32(0x00000254)) || /* fd00:ec2::254 */
	       (w0 == HB_BE32(0xfd000ec2) && w3 == HB_BE32(0x00000023)) || /* fd00:ec2::23 */
	       (w0 == HB_BE32(0xfd2000ce) && w3 == HB_BE32(0x00000254)) || /* fd20:ce::254 */
	       (w0 == HB_BE32(0xfe800000) && w3 == HB_BE32(0xa9fea9fe));   /* fe80::a9fe:a9fe */
}

static __always_inline void hb_req_classify(struct hb_req *r)
{
	__u8 c = HB_ADDR_CLASSIFIED;

	if (hb_is_inet(r->addr_family)) {
		if (hb_addr_is_metadata(r->addr))
			c |= HB_ADDR_METADATA;
		if (hb_addr_is_loopback(r->addr))
			c |= HB_ADDR_LOOPBACK;
	}
	if (r->port == HB_DNS_PORT &&
	    (r->protocol == HB_IPPROTO_UDP || r->protocol == HB_IPPROTO_TCP))
		c |= HB_ADDR_DNS;
	r->addr_class = c;
}

/*
 * A destination on an inet socket (connect, addressed send). In order:
 * metadata is never allowed; DNS is redirected to the proxy (only for the
 * sandbox's own TCP/UDP sockets, which the redirect program sees); then
 * loopback under --allow-localhost, --allow-ip rules and addresses the
 * proxy answered.
 */
static __always_inline enum hb_reason
hb_net_dest_reason(const struct hb_policy *p, const struct hb_req *r)
{
	if (!(r->addr_class & HB_ADDR_CLASSIFIED))
		return HB_REASON_UNREADABLE;
	if (!hb_is_inet(r->addr_family))
		return HB_REASON_NET_DISABLED;
	if (r->addr_class & HB_ADDR_METADATA)
		return HB_REASON_NET_METADATA;
	if ((p->net & HB_NET_DNS_PROXY) && (r->addr_class & HB_ADDR_DNS) && r->own_socket)
		return HB_REASON_NONE;
	if ((p->net & HB_NET_ALLOW_LOCALHOST) && (r->addr_class & HB_ADDR_LOOPBACK))
		return HB_REASON_NONE;
	if (r->rule_match || r->dns_match)
		return HB_REASON_NONE;
	return p->net & (HB_NET_ALLOW_LOCALHOST | HB_NET_IP_RULES | HB_NET_DNS_PROXY) ?
		HB_REASON_NET_NOT_ALLOWED : HB_REASON_NET_DISABLED;
}

/*
 * connect(). AF_UNSPEC on an inet socket only dissolves an earlier
 * association, so it stays allowed; unix sockets are judged by the unix
 * hooks, which know the peer.
 */
static __always_inline enum hb_reason
hb_net_connect_reason(const struct hb_policy *p, const struct hb_req *r)
{
	if (!hb_is_inet(r->family))
		return HB_REASON_NONE;
	if (r->addrlen >= (int)sizeof(__u16) && r->addr_family == HB_AF_UNSPEC)
		return HB_REASON_NONE;
	return hb_net_dest_reason(p, r);
}

/*
 * An addressed send (sendto/sendmsg/sendmmsg with a destination, TCP fast
 * open). No exemption for AF_UNSPEC: UDP takes such a destination as IPv4.
 */
static __always_inline enum hb_reason
hb_net_sendmsg_reason(const struct hb_policy *p, const struct hb_req *r)
{
	if (!hb_is_inet(r->family))
		return HB_REASON_NONE;
	return hb_net_dest_reason(p, r);
}

/*
 * bind() and listen() on inet sockets: loopback addresses, and what an
 * --allow-bind rule names (r->bind_match: local address, port and
 * protocol), so that nothing else outside the host can reach the
 * sandbox. listen() on an unbound socket would bind the wildcard address
 * to a port the kernel picks, so it is judged by the bound address and
 * port (all zero when unbound, which no rule names).
 */
static __always_inline enum hb_reason
hb_net_bind_reason(const struct hb_policy *p, const struct hb_req *r)
{
	(void)p;
	if (!hb_is_inet(r->family))
		return HB_REASON_NONE;
	if (!(r->addr_class & HB_ADDR_CLASSIFIED))
		return HB_REASON_UNREADABLE;
	if (hb_is_inet(r->addr_family) && (r->addr_class & HB_ADDR_LOOPBACK))
		return HB_REASON_NONE;
	if (hb_is_inet(r->addr_family) && r->port && r->bind_match)
		return HB_REASON_NONE;
	return HB_REASON_NET_BIND;
}

/*
 * The protocol an --allow-bind rule names for a socket: TCP for stream
 * sockets (TCP, MPTCP), UDP for UDP; 0 (no rule) for the rest, such as
 * ICMP echo sockets, whose bind names an identifier, not a service.
 */
static __always_inline __u8 hb_bind_proto(__s32 type, __s32 protocol)
{
	if (type == HB_SOCK_STREAM)
		return HB_IPPROTO_TCP;
	if (type == HB_SOCK_DGRAM && protocol == HB_IPPROTO_UDP)
		return HB_IPPROTO_UDP;
	return 0;
}

/*
 * socket(): an allow-list, because some kinds reach the network without
 * passing the connect and sendmsg hooks (packet and raw sockets, SCTP's
 * connectx, vsock, ...). Unix and netlink sockets stay (glibc's resolver
 * and getifaddrs use netlink); inet only as TCP, UDP, MPTCP or ICMP echo,
 * whose traffic the connect and sendmsg hooks see.
 */
static __always_inline enum hb_reason
hb_net_socket_reason(const struct hb_policy *p, const struct hb_req *r)
{
	int family = r->family, type = r->type, protocol = r->protocol;

	(void)p;
	if (family == HB_AF_UNIX || family == HB_AF_NETLINK)
		return HB_REASON_NONE;
	if (!hb_is_inet(family))
		return HB_REASON_NET_SOCKET_KIND;
	if (type == HB_SOCK_STREAM &&
	    (protocol == HB_IPPROTO_IP || protocol == HB_IPPROTO_TCP ||
	     protocol == HB_IPPROTO_MPTCP))
		return HB_REASON_NONE;
	if (type == HB_SOCK_DGRAM &&
	    (protocol == HB_IPPROTO_IP || protocol == HB_IPPROTO_UDP ||
	     (family == HB_AF_INET && protocol == HB_IPPROTO_ICMP) ||
	     (family == HB_AF_INET6 && protocol == HB_IPPROTO_ICMPV6)))
		return HB_REASON_NONE;
	return HB_REASON_NET_SOCKET_KIND;
}

/*
 * Connecting or sending to a unix socket: a relay to a host daemon that
 * has network. Unnamed peers (socketpair, passed descriptors) stay; named
 * ones only if --allow-unix listed their inode (abstract names never).
 */
static __always_inline enum hb_reason
hb_net_unix_reason(const struct hb_policy *p, const struct hb_req *r)
{
	(void)p;
	if (r->unix_kind == HB_UNIX_UNNAMED || r->unix_match)
		return HB_REASON_NONE;
	return HB_REASON_NET_UNIX;
}

/* Socket option levels and the options that set a route (Linux's numbers). */
#define HB_SOL_IP 0
#define HB_SOL_IPV6 41
#define HB_IP_OPTIONS 4           /* IPv4 options: LSRR/SSRR source routes */
#define HB_IP_RETOPTS 7           /* the same, as ancillary data */
#define HB_IPV6_2292RTHDR 5       /* a routing header, RFC 2292 spelling */
#define HB_IPV6_2292PKTOPTIONS 6  /* sticky options given as ancillary data */
#define HB_IPV6_NEXTHOP 9         /* RFC 3542's next hop (Linux: EINVAL today) */
#define HB_IPV6_RTHDR 57          /* a routing header: type 0, 2 (MIP6), 4 (SRv6) */

/*
 * Whether socket option or ancillary data @name at @level can send a
 * packet somewhere other than the destination the hooks judged: a source
 * route's first hop, a routing header's next segment, a next hop. The
 * same list for setsockopt() and for sendmsg()'s control messages.
 */
static __always_inline int hb_net_route_option(__s32 level, __s32 name)
{
	if (level == HB_SOL_IP)
		return name == HB_IP_OPTIONS || name == HB_IP_RETOPTS;
	if (level == HB_SOL_IPV6)
		return name == HB_IPV6_RTHDR || name == HB_IPV6_2292RTHDR ||
		       name == HB_IPV6_2292PKTOPTIONS || name == HB_IPV6_NEXTHOP;
	return 0;
}

/* IPv6 extension headers a packet may carry before a routing header. */
#define HB_IPV6_HOPOPTS 0
#define HB_IPV6_ROUTING 43
#define HB_IPV6_DSTOPTS 60

/*
 * Bytes to skip for IPv6 extension header @nexthdr whose length byte is
 * @hdrlen, when a routing header may still follow it (hop-by-hop and
 * destination options); 0 when none can follow (the upper layer, a
 * fragment header: the routing header comes before it).
 */
static __always_inline __u32 hb_ipv6_ext_skip(__u8 nexthdr, __u8 hdrlen)
{
	if (nexthdr == HB_IPV6_HOPOPTS || nexthdr == HB_IPV6_DSTOPTS)
		return ((__u32)hdrlen + 1) * 8;
	return 0;
}

/*
 * setsockopt() on an inet socket, and a send's ancillary data: nothing
 * that changes the route (r->route_opt from hb_net_route_option()).
 */
static __always_inline enum hb_reason
hb_net_sockopt_reason(const struct hb_policy *p, const struct hb_req *r)
{
	(void)p;
	if (!hb_is_inet(r->family))
		return HB_REASON_NONE;
	return r->route_opt ? HB_REASON_NET_ROUTE : HB_REASON_NONE;
}

/*
 * A packet leaving a sandbox socket (tier B's cgroup_skb/egress): never
 * with a routing header or IPv4 options (r->route_opt), whatever put them
 * there; and an ICMP echo socket's packet only to an allowed destination
 * (r->addr), since no cgroup hook sees its sendto().
 */
static __always_inline enum hb_reason
hb_net_egress_reason(const struct hb_policy *p, const struct hb_req *r)
{
	if (!(p->guards & HB_GUARD_NET))
		return HB_REASON_NONE;
	if (r->unreadable)
		return HB_REASON_UNREADABLE;
	if (r->route_opt)
		return HB_REASON_NET_ROUTE;
	if (r->type == HB_SOCK_DGRAM &&
	    ((r->family == HB_AF_INET && r->protocol == HB_IPPROTO_ICMP) ||
	     (r->family == HB_AF_INET6 && r->protocol == HB_IPPROTO_ICMPV6)))
		return hb_net_dest_reason(p, r);
	return HB_REASON_NONE;
}

/*
 * A packet arriving at a sandbox socket (tier B's cgroup_skb/ingress),
 * from r->addr, port r->port: nothing from outside the host reaches the
 * sandbox but what it serves. Loopback sources are the host; a connected
 * socket receives only from the peer its connect() was allowed to (or
 * that connected to it: a connection accepted on an --allow-bind port);
 * a socket bound as an --allow-bind rule says (r->bind_match) receives
 * from anywhere; otherwise only from an address the sandbox may send to
 * (a reply to an unconnected socket). A socket bound to the wildcard
 * any other way (UDP's autobind on send, tier B's listen() on an unbound
 * socket) stays unreachable from anywhere else.
 */
static __always_inline enum hb_reason
hb_net_ingress_reason(const struct hb_policy *p, const struct hb_req *r)
{
	if (!(p->guards & HB_GUARD_NET))
		return HB_REASON_NONE;
	if (r->unreadable)
		return HB_REASON_UNREADABLE;
	if (!(r->addr_class & HB_ADDR_CLASSIFIED))
		return HB_REASON_UNREADABLE;
	if ((r->addr_class & HB_ADDR_LOOPBACK) || r->connected)
		return HB_REASON_NONE;
	/* A metadata endpoint never opens a connection: its source is a forgery. */
	if (r->bind_match && !(r->addr_class & HB_ADDR_METADATA))
		return HB_REASON_NONE;
	return hb_net_dest_reason(p, r) == HB_REASON_NONE ? HB_REASON_NONE :
							     HB_REASON_NET_INBOUND;
}

#endif /* HB_POLICY_NET_H */
