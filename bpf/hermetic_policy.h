/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Pure decisions over ABI types. Compiled into the BPF programs and into
 * the host's unit tests, so cmocka exercises the very code the kernel runs.
 * No helpers, no maps, no kernel structs in here.
 */
#ifndef HERMETIC_POLICY_H
#define HERMETIC_POLICY_H

#include "hermetic_abi.h"

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

static __always_inline int hb_is_inet(__u16 family)
{
	return family == HB_AF_INET || family == HB_AF_INET6;
}

/*
 * connect() on a socket of @sock_family to an address of @addr_family
 * (@addrlen bytes). AF_UNSPEC on an inet socket only dissolves an earlier
 * association, so it stays allowed; everything else on inet is network.
 */
static __always_inline enum hb_reason
hb_net_connect_reason(const struct hb_policy *p, __u16 sock_family,
		      __u16 addr_family, int addrlen)
{
	if (!(p->guards & HB_GUARD_NET) || !hb_is_inet(sock_family))
		return HB_REASON_NONE;
	if (addrlen >= (int)sizeof(__u16) && addr_family == HB_AF_UNSPEC)
		return HB_REASON_NONE;
	return HB_REASON_NET_DISABLED;
}

/*
 * An addressed send (sendto/sendmsg/sendmmsg with a destination, TCP fast
 * open). No exemption for AF_UNSPEC here: UDP treats an AF_UNSPEC
 * destination as an IPv4 one.
 */
static __always_inline enum hb_reason
hb_net_sendmsg_reason(const struct hb_policy *p, __u16 sock_family)
{
	if (!(p->guards & HB_GUARD_NET) || !hb_is_inet(sock_family))
		return HB_REASON_NONE;
	return HB_REASON_NET_DISABLED;
}

/*
 * socket(): an allow-list, because some kinds reach the network without
 * passing the connect and sendmsg hooks (packet and raw sockets, SCTP's
 * connectx, vsock, ...). Unix and netlink sockets stay (glibc's resolver
 * and getifaddrs use netlink); inet only as TCP, UDP, MPTCP or ICMP echo,
 * whose traffic the connect and sendmsg hooks see.
 */
static __always_inline enum hb_reason
hb_net_socket_reason(const struct hb_policy *p, int family, int type,
		     int protocol)
{
	if (!(p->guards & HB_GUARD_NET))
		return HB_REASON_NONE;
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

/* What a hook asks about, filled from the hook's arguments. */
struct hb_req {
	__u16 hook;        /* enum hb_hook */
	__u16 family;      /* socket family (socket(): requested family) */
	__u16 addr_family; /* destination's family (connect) */
	__u16 port;        /* destination port, host order */
	__s32 addrlen;     /* connect's address length */
	__s32 type;        /* socket(): type without SOCK_* flags */
	__s32 protocol;    /* socket(): protocol */
	__u32 unreadable;  /* a kernel read failed while filling this */
	__u8 addr[16];
};

/* The guard that owns a hook; an unknown hook belongs to every guard. */
static __always_inline __u32 hb_hook_guard(__u16 hook)
{
	switch (hook) {
	case HB_HOOK_CONNECT:
	case HB_HOOK_SENDMSG:
	case HB_HOOK_SOCKET:
		return HB_GUARD_NET;
	default:
		return HB_GUARD_ALL;
	}
}

/* One sandbox's verdict on one request. */
static __always_inline enum hb_reason hb_decide(const struct hb_policy *p,
						const struct hb_req *r)
{
	if (!(p->guards & hb_hook_guard(r->hook)))
		return HB_REASON_NONE;
	if (r->unreadable)
		return HB_REASON_UNREADABLE;
	switch (r->hook) {
	case HB_HOOK_CONNECT:
		return hb_net_connect_reason(p, r->family, r->addr_family,
					     r->addrlen);
	case HB_HOOK_SENDMSG:
		return hb_net_sendmsg_reason(p, r->family);
	case HB_HOOK_SOCKET:
		return hb_net_socket_reason(p, r->family, r->type,
					    r->protocol);
	default:
		return HB_REASON_UNREADABLE;
	}
}

#endif /* HERMETIC_POLICY_H */
