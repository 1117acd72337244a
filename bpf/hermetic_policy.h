/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Pure decisions over ABI types. Compiled into the BPF programs and into
 * the host's unit tests, so cmocka exercises the very code the kernel runs.
 * No helpers, no maps, no kernel structs in here: map lookups are done by
 * the caller and handed in as facts (struct hb_req's *_match fields).
 */
#ifndef HERMETIC_POLICY_H
#define HERMETIC_POLICY_H

#include "hermetic_abi.h"

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

/* What a hook asks about, filled from the hook's arguments. */
struct hb_req {
	__u16 hook;        /* enum hb_hook */
	__u16 family;      /* the socket's family (socket(): requested family) */
	__u16 addr_family; /* the address's family (connect, send, bind) */
	__u16 port;        /* host order */
	__s32 addrlen;     /* the address length the caller passed */
	__s32 type;        /* socket type, without SOCK_* flags */
	__s32 protocol;    /* socket protocol */
	__u32 unreadable;  /* a kernel read failed while filling this */
	__u8 addr[16];     /* IPv6, or IPv4-mapped IPv6 for IPv4 */
	/* Facts from map lookups for the sandbox being asked: */
	__u8 rule_match;   /* an --allow-ip rule covers addr and port */
	__u8 dns_match;    /* the DNS proxy answered addr, not yet expired */
	__u8 unix_match;   /* the unix peer is an --allow-unix socket */
	__u8 unix_kind;    /* enum hb_unix_kind of the peer */
	__u8 own_socket;   /* the socket belongs to the sandbox's cgroup */
	__u8 addr_class;   /* HB_ADDR_*, from hb_req_classify() */
	__u8 route_opt;    /* the option, ancillary data or packet changes
			    * where packets go: hb_net_route_option() */
	__u8 connected;    /* a packet in: the socket has a peer */
	/* Executables and mappings (exec and native guards): */
	__u32 prot;        /* PROT_* the mapping will have */
	__u8 first_exec;   /* this execve() is the command's own */
	__u8 exec_match;   /* the file is an --allow-exec executable */
	__u8 trusted;      /* root's file in root's directory, neither
			    * writable by others: see hb_native_* */
	__u8 own_exe;      /* the file is the process's own executable */
	__u8 anon;         /* no file behind the memory */
	__u8 modified;     /* the mapping holds private, written pages */
	__u8 was_exec;     /* mprotect: the mapping was executable already */
	/* Tamper resistance: */
	__u8 outside;      /* ptrace/kill: the target is outside the sandbox */
	__u8 attach;       /* ptrace: the access can change the target
			    * (HB_ATTACH_*), 0: it only reads */
	__u8 in_subtree;   /* a cgroupfs file of the sandbox's own subtree */
	__u8 proc_sys;     /* a procfs file under /proc/sys or sysrq-trigger */
	__u8 cap_userns;   /* capable(): asked in a user namespace below the
			    * host's (0: the host's, where it counts) */
	__u32 fs_magic;    /* the file's filesystem (statfs f_type) */
	union { /* the stack is small: one request of the seal's at a time */
		__s32 cap;     /* capable(): the capability */
		__u32 request; /* ioctl: the request; perf: enum hb_perf_access */
	};
	/* The filesystem guard: */
	__u8 fs_op;        /* enum hb_fs_op */
	__u8 fs_allow;     /* HB_FS_RULE_* found walking up from the object */
	__u8 fs_deep;      /* the walk hit HB_FS_MAX_DEPTH before a rule */
	__u8 fs_exempt;    /* a device, terminal, FIFO, socket or own /proc
			    * file: never confined */
	__u8 fs_held;      /* the task holds a descriptor to the file with
			    * the access asked for: re-opening adds nothing */
	__u8 fs_linked;    /* a regular file with more than one link */
	/* The seal's: */
	__u8 root_writer;  /* the task acts as root on files (fsuid 0) */
	__u8 gains;        /* exec: the new credentials hold more than the old */
};

/* struct hb_req.attach: what an access to another process can change. */
#define HB_ATTACH_MEMORY 1    /* ptrace attach: its memory, its registers */
#define HB_ATTACH_PROC_FILE 2 /* a write open of one of its /proc/PID files */

/* mmap/mprotect bits, as <sys/mman.h> has them. */
#define HB_PROT_WRITE 0x2
#define HB_PROT_EXEC 0x4

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
 * bind() and listen() on inet sockets: only loopback addresses, so that
 * nothing outside the host can reach the sandbox. listen() on an unbound
 * socket would bind the wildcard address, so it is judged by the bound
 * address (all zero when unbound).
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
	return HB_REASON_NET_BIND;
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
 * sandbox. Loopback sources are the host; a connected socket receives
 * only from the peer its connect() was allowed to; otherwise only from an
 * address the sandbox may send to (a reply to an unconnected socket). A
 * socket bound to the wildcard (UDP's autobind on send, tier B's listen()
 * on an unbound socket) stays unreachable from anywhere else.
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
	return hb_net_dest_reason(p, r) == HB_REASON_NONE ? HB_REASON_NONE :
							     HB_REASON_NET_INBOUND;
}

/*
 * --no-subprocess, at execve() (once per call): nothing runs but the
 * command itself (the first execve in the sandbox) and --allow-exec files.
 */
static __always_inline enum hb_reason
hb_exec_reason(const struct hb_policy *p, const struct hb_req *r)
{
	if (r->first_exec || r->exec_match || !(p->guards & HB_GUARD_EXEC))
		return HB_REASON_NONE;
	return HB_REASON_EXEC;
}

/*
 * --block-native, for each file an execve() runs (a script's interpreter
 * too): after the command's own execve, only trusted files, and
 * --allow-exec ones. Trusted: owned by root and not writable by group or
 * others, in a directory that is the same: nobody but root put it there.
 */
static __always_inline enum hb_reason
hb_exec_file_reason(const struct hb_policy *p, const struct hb_req *r)
{
	if (r->first_exec || r->exec_match || r->trusted ||
	    !(p->guards & HB_GUARD_NATIVE))
		return HB_REASON_NONE;
	return HB_REASON_NATIVE_UNTRUSTED;
}

/*
 * --block-native, for memory that is or becomes executable: never
 * writable and executable at once, never anonymous (memfd's files are
 * not trusted either), never private pages already written; from a file
 * only the process's own executable or a trusted file.
 */
static __always_inline enum hb_reason
hb_native_reason(const struct hb_policy *p, const struct hb_req *r)
{
	if (!(p->guards & HB_GUARD_NATIVE) || !(r->prot & HB_PROT_EXEC))
		return HB_REASON_NONE;
	if ((r->prot & HB_PROT_WRITE) || r->anon)
		return HB_REASON_NATIVE_MEMORY;
	if (r->hook == HB_HOOK_MPROTECT && r->was_exec)
		return HB_REASON_NONE; /* executable before: nothing is added */
	if (r->modified)
		return HB_REASON_NATIVE_MEMORY;
	if (r->own_exe || r->trusted)
		return HB_REASON_NONE;
	return HB_REASON_NATIVE_UNTRUSTED;
}

/*
 * The capabilities a root command keeps, in the host's user namespace:
 * what a container runtime grants by default (ownership, permission
 * bits, uid and gid changes, its own processes), less what reaches past
 * a process tree (raw sockets, SysV IPC of others, device nodes) and plus
 * what a process needs for itself (locking memory, its own limits).
 * Everything else, and every capability a later kernel adds, is denied:
 * CAP_SYS_ADMIN too, which the kernel accepts in place of CAP_PERFMON,
 * CAP_BPF and CAP_CHECKPOINT_RESTORE (perfmon_capable(), bpf_capable()).
 */
#define HB_CAP_CHOWN 0
#define HB_CAP_DAC_OVERRIDE 1
#define HB_CAP_DAC_READ_SEARCH 2
#define HB_CAP_FOWNER 3
#define HB_CAP_FSETID 4
#define HB_CAP_KILL 5           /* signals outside: the task_kill hook */
#define HB_CAP_SETGID 6
#define HB_CAP_SETUID 7
#define HB_CAP_SETPCAP 8
#define HB_CAP_NET_BIND_SERVICE 10
#define HB_CAP_IPC_LOCK 14
#define HB_CAP_SYS_CHROOT 18
#define HB_CAP_SYS_PTRACE 19    /* tasks outside: the ptrace hook */
#define HB_CAP_SYS_RESOURCE 24
#define HB_CAP_LEASE 28
#define HB_CAP_AUDIT_WRITE 29
#define HB_CAP_SETFCAP 31
/* Named in tests and traces. */
#define HB_CAP_NET_ADMIN 12
#define HB_CAP_SYS_MODULE 16
#define HB_CAP_SYS_ADMIN 21
#define HB_CAP_PERFMON 38
#define HB_CAP_BPF 39

static __always_inline int hb_cap_kept(__s32 cap)
{
	switch (cap) {
	case HB_CAP_CHOWN:
	case HB_CAP_DAC_OVERRIDE:
	case HB_CAP_DAC_READ_SEARCH:
	case HB_CAP_FOWNER:
	case HB_CAP_FSETID:
	case HB_CAP_KILL:
	case HB_CAP_SETGID:
	case HB_CAP_SETUID:
	case HB_CAP_SETPCAP:
	case HB_CAP_NET_BIND_SERVICE:
	case HB_CAP_IPC_LOCK:
	case HB_CAP_SYS_CHROOT:
	case HB_CAP_SYS_PTRACE:
	case HB_CAP_SYS_RESOURCE:
	case HB_CAP_LEASE:
	case HB_CAP_AUDIT_WRITE:
	case HB_CAP_SETFCAP:
		return 1;
	default:
		return 0;
	}
}

/*
 * A capability asked of a user namespace the sandbox made counts only
 * there (its own mounts and network namespaces, which the other hooks
 * still judge); in the host's, only the kept ones.
 */
static __always_inline enum hb_reason
hb_capable_reason(const struct hb_policy *p, const struct hb_req *r)
{
	(void)p;
	if (r->cap_userns || hb_cap_kept(r->cap))
		return HB_REASON_NONE;
	return HB_REASON_TAMPER;
}

/*
 * Pushing characters into a terminal's input (TIOCSTI; TIOCLINUX's
 * selection paste) runs them in the shell that reads it, after the
 * sandbox is gone. The hook also asks this first, to let every other
 * ioctl on the host go at once.
 */
static __always_inline int hb_ioctl_types_into_tty(__u32 request)
{
	return request == HB_TIOCSTI || request == HB_TIOCLINUX;
}

static __always_inline enum hb_reason
hb_ioctl_reason(const struct hb_policy *p, const struct hb_req *r)
{
	(void)p;
	return hb_ioctl_types_into_tty(r->request) ? HB_REASON_TAMPER : HB_REASON_NONE;
}

/*
 * perf_event_open: counting and sampling the sandbox's own tasks in user
 * space, as the kernel's own rules allow; never the host's CPUs, the
 * kernel, tracepoints, or a task outside (samples carry its registers
 * and stack).
 */
static __always_inline enum hb_reason
hb_perf_reason(const struct hb_policy *p, const struct hb_req *r)
{
	(void)p;
	if (r->request == HB_PERF_OPEN)
		return HB_REASON_NONE;
	if (r->request == HB_PERF_TASK)
		return r->outside ? HB_REASON_OUTSIDE : HB_REASON_NONE;
	return HB_REASON_TAMPER;
}

/* statfs(2) magics of the kernel's own filesystems. */
#define HB_CGROUP_SUPER_MAGIC 0x27e0eb
#define HB_CGROUP2_SUPER_MAGIC 0x63677270
#define HB_BPF_FS_MAGIC 0xcafe4a11
#define HB_SYSFS_MAGIC 0x62656572
#define HB_SECURITYFS_MAGIC 0x73636673
#define HB_DEBUGFS_MAGIC 0x64626720
#define HB_TRACEFS_MAGIC 0x74726163
#define HB_EFIVARFS_MAGIC 0xde5e81e4
#define HB_PROC_SUPER_MAGIC 0x9fa0

/*
 * Filesystems that hold data, and those whose files are handles to the
 * task's own objects: the only ones a sandboxed root may change or open
 * for writing, besides procfs and cgroup2 (judged by their own rules). The kernel's
 * other filesystems are interfaces to the kernel (binfmt_misc registers a
 * program every exec on the host may run, configfs makes kernel objects,
 * and those the next kernel adds), so an allow-list.
 */
static __always_inline int hb_fs_holds_data(__u32 magic)
{
	switch (magic) {
	case 0xef53:     /* ext2, ext3, ext4 */
	case 0x58465342: /* xfs */
	case 0x9123683e: /* btrfs */
	case 0x01021994: /* tmpfs, devtmpfs (/dev/null, /dev/shm) */
	case 0x858458f6: /* ramfs */
	case 0x794c7630: /* overlayfs */
	case 0x65735546: /* fuse, virtiofs */
	case 0x6969:     /* nfs */
	case 0xfe534d42: /* smb2 */
	case 0xff534d42: /* cifs */
	case 0x01021997: /* 9p */
	case 0x00c36400: /* ceph */
	case 0x4d44:     /* vfat, msdos */
	case 0x2011bab0: /* exfat */
	case 0x5346544e: /* ntfs3 */
	case 0xf2f52010: /* f2fs */
	case 0x2fc12fc1: /* zfs */
	case 0xca451a4e: /* bcachefs */
	case 0x482b:     /* hfsplus */
	case 0x3153464a: /* jfs */
	case 0x52654973: /* reiserfs */
	case 0x3434:     /* nilfs2 */
	case 0x01161970: /* gfs2 */
	case 0x7461636f: /* ocfs2 */
	case 0x15013346: /* udf */
	case 0x958458f6: /* hugetlbfs */
	case 0x1cd1:     /* devpts: terminals */
	case 0x50495045: /* pipefs: a pipe re-opened through /proc/PID/fd */
	case 0x19800202: /* mqueue */
	/* Handles to the task's own objects, not kernel settings: */
	case 0x50494446: /* pidfs: pidfd_open() (Linux 6.9+) */
	case 0x09041934: /* anon_inodefs: eventfd, epoll, signalfd, ... */
	case 0x6e736673: /* nsfs: /proc/PID/ns/ files */
	case 0x534f434b: /* sockfs */
		return 1;
	default:
		return 0;
	}
}

/*
 * Writing (or unlinking, renaming, removing) in the kernel's own
 * filesystems: the cgroup tree outside the sandbox's subtree (moving out),
 * bpffs (the pins that keep enforcement alive), sysfs, securityfs,
 * debugfs, tracefs, efivarfs, and /proc/sys and /proc/sysrq-trigger
 * (core_pattern would run a program outside the sandbox).
 */
static __always_inline enum hb_reason
hb_file_write_reason(const struct hb_policy *p, const struct hb_req *r)
{
	(void)p;
	switch (r->fs_magic) {
	case HB_CGROUP2_SUPER_MAGIC:
		return r->in_subtree ? HB_REASON_NONE : HB_REASON_TAMPER;
	case HB_PROC_SUPER_MAGIC:
		return r->proc_sys ? HB_REASON_TAMPER : HB_REASON_NONE;
	case HB_CGROUP_SUPER_MAGIC:
	case HB_BPF_FS_MAGIC:
	case HB_SYSFS_MAGIC:
	case HB_SECURITYFS_MAGIC:
	case HB_DEBUGFS_MAGIC:
	case HB_TRACEFS_MAGIC:
	case HB_EFIVARFS_MAGIC:
		return HB_REASON_TAMPER;
	default: /* root: only where data lives; others: what DAC allows */
		return r->root_writer && !hb_fs_holds_data(r->fs_magic) ?
			HB_REASON_TAMPER : HB_REASON_NONE;
	}
}

/*
 * An exec that would run with more than the task has: a setuid or setgid
 * file, file capabilities. The kernel's own no_new_privs does this for a
 * command `run` starts; this holds for every sandbox, whoever started it
 * (the agent's unprivileged client sets no_new_privs itself, and may not).
 */
static __always_inline enum hb_reason
hb_setid_reason(const struct hb_policy *p, const struct hb_req *r)
{
	(void)p;
	return r->gains ? HB_REASON_TAMPER : HB_REASON_NONE;
}

/*
 * Another process: signals and changes (ptrace attach, /proc/PID/mem
 * writes, process_vm_writev) only within the sandbox; with --no-env,
 * reads too (/proc/PID/environ, /proc/PID/mem, process_vm_readv).
 */
static __always_inline enum hb_reason
hb_other_process_reason(const struct hb_policy *p, const struct hb_req *r)
{
	if (r->outside &&
	    (r->hook == HB_HOOK_KILL || r->attach || (p->guards & HB_GUARD_ENV)))
		return HB_REASON_OUTSIDE;
	/*
	 * --block-native: a tracer writes into the tracee's executable pages
	 * (PTRACE_POKETEXT, /proc/PID/mem, process_vm_writev), so no process
	 * of the sandbox may attach to another, inside or not.
	 */
	if (r->hook == HB_HOOK_PTRACE && r->attach == HB_ATTACH_MEMORY &&
	    (p->guards & HB_GUARD_NATIVE))
		return HB_REASON_NATIVE_MEMORY;
	return HB_REASON_NONE;
}

/*
 * --fs-readonly: a change to a file is allowed only under an --allow-write
 * rule, and never to a file with other hard links (a name outside).
 * Descriptors the task already holds with write access may be re-opened.
 */
static __always_inline enum hb_reason
hb_fs_write_reason(const struct hb_policy *p, const struct hb_req *r)
{
	if (!(p->fs & HB_FS_READONLY) || r->fs_exempt || r->fs_held)
		return HB_REASON_NONE;
	if (!(r->fs_allow & HB_FS_RULE_WRITE))
		return r->fs_deep ? HB_REASON_FS_TOO_DEEP : HB_REASON_FS_READONLY;
	if (r->fs_linked)
		return HB_REASON_FS_LINKED;
	return HB_REASON_NONE;
}

/*
 * --fs-readonly=ROOT: reads only under a read rule; stat also of the
 * directories that lead to one.
 */
static __always_inline enum hb_reason
hb_fs_read_reason(const struct hb_policy *p, const struct hb_req *r)
{
	__u8 need = HB_FS_RULE_READ;

	if (r->fs_op == HB_FS_OP_STAT)
		need |= HB_FS_RULE_STAT;
	if (!(p->fs & HB_FS_READ_ROOT) || r->fs_exempt || r->fs_held ||
	    (r->fs_allow & need))
		return HB_REASON_NONE;
	return r->fs_deep ? HB_REASON_FS_TOO_DEEP : HB_REASON_FS_OUTSIDE_ROOT;
}

/* The rules a filesystem hook's walk looks for. */
static __always_inline __u8 hb_fs_need(__u16 hook, __u8 op)
{
	if (hook == HB_HOOK_FS_WRITE)
		return HB_FS_RULE_WRITE;
	return op == HB_FS_OP_STAT ? HB_FS_RULE_READ | HB_FS_RULE_STAT : HB_FS_RULE_READ;
}

#define HB_EPERM 1
#define HB_EACCES 13
#define HB_EROFS 30

/*
 * The errno a denial returns: what callers expect of the same refusal by
 * the kernel itself (a read-only mount, a permission bit).
 */
static __always_inline int hb_hook_errno(__u16 hook)
{
	switch (hook) {
	case HB_HOOK_FS_WRITE:
		return HB_EROFS;
	case HB_HOOK_FS_READ:
		return HB_EACCES;
	default:
		return HB_EPERM;
	}
}

/* The guard that owns a hook; an unknown hook belongs to every guard. */
static __always_inline __u32 hb_hook_guard(__u16 hook)
{
	switch (hook) {
	case HB_HOOK_CONNECT:
	case HB_HOOK_SENDMSG:
	case HB_HOOK_SOCKET:
	case HB_HOOK_BIND:
	case HB_HOOK_LISTEN:
	case HB_HOOK_UNIX:
	case HB_HOOK_SOCKOPT:
	case HB_HOOK_INGRESS:
		return HB_GUARD_NET;
	case HB_HOOK_EXEC:
		return HB_GUARD_EXEC | HB_GUARD_NATIVE;
	case HB_HOOK_EXEC_FILE:
	case HB_HOOK_MMAP:
	case HB_HOOK_MPROTECT:
		return HB_GUARD_NATIVE;
	case HB_HOOK_BPF:
	case HB_HOOK_CAPABLE:
	case HB_HOOK_FILE_WRITE:
	case HB_HOOK_PATH:
	case HB_HOOK_MOUNT:
	case HB_HOOK_KILL:
	case HB_HOOK_IOCTL:
	case HB_HOOK_PERF:
	case HB_HOOK_SETID:
	case HB_HOOK_SYSCALL: /* user namespaces; io_uring's is the network's (reason) */
		return HB_GUARD_TAMPER;
	case HB_HOOK_PTRACE:
		return HB_GUARD_TAMPER | HB_GUARD_ENV | HB_GUARD_NATIVE;
	case HB_HOOK_MEMORY:
		return HB_GUARD_NATIVE;
	case HB_HOOK_FS_WRITE:
	case HB_HOOK_FS_READ:
		return HB_GUARD_FS;
	default:
		return HB_GUARD_ALL;
	}
}

/*
 * One sandbox's verdict on one request, as hook @hook (the BPF programs
 * pass a constant, so the compiler keeps only that hook's code).
 */
static __always_inline enum hb_reason hb_decide_hook(const struct hb_policy *p,
						     const struct hb_req *r,
						     __u16 hook)
{
	if (!(p->guards & hb_hook_guard(hook)))
		return HB_REASON_NONE;
	if (r->unreadable)
		return HB_REASON_UNREADABLE;
	switch (hook) {
	case HB_HOOK_CONNECT:
		return hb_net_connect_reason(p, r);
	case HB_HOOK_SENDMSG:
		return hb_net_sendmsg_reason(p, r);
	case HB_HOOK_SOCKET:
		return hb_net_socket_reason(p, r);
	case HB_HOOK_BIND:
	case HB_HOOK_LISTEN:
		return hb_net_bind_reason(p, r);
	case HB_HOOK_UNIX:
		return hb_net_unix_reason(p, r);
	case HB_HOOK_SOCKOPT:
		return hb_net_sockopt_reason(p, r);
	case HB_HOOK_EXEC:
		return hb_exec_reason(p, r);
	case HB_HOOK_EXEC_FILE:
		return hb_exec_file_reason(p, r);
	case HB_HOOK_MMAP:
	case HB_HOOK_MPROTECT:
		return hb_native_reason(p, r);
	case HB_HOOK_CAPABLE:
		return hb_capable_reason(p, r);
	case HB_HOOK_FILE_WRITE:
	case HB_HOOK_PATH:
		return hb_file_write_reason(p, r);
	case HB_HOOK_BPF:
	case HB_HOOK_MOUNT:
		return HB_REASON_TAMPER;
	case HB_HOOK_PTRACE:
	case HB_HOOK_KILL:
		return hb_other_process_reason(p, r);
	case HB_HOOK_MEMORY: /* the guard's own hook: every road is denied */
		return HB_REASON_NATIVE_MEMORY;
	case HB_HOOK_IOCTL:
		return hb_ioctl_reason(p, r);
	case HB_HOOK_PERF:
		return hb_perf_reason(p, r);
	case HB_HOOK_SETID:
		return hb_setid_reason(p, r);
	case HB_HOOK_FS_WRITE:
		return hb_fs_write_reason(p, r);
	case HB_HOOK_FS_READ:
		return hb_fs_read_reason(p, r);
	default:
		return HB_REASON_UNREADABLE;
	}
}

/* One sandbox's verdict on one request. */
static __always_inline enum hb_reason hb_decide(const struct hb_policy *p,
						const struct hb_req *r)
{
	return hb_decide_hook(p, r, r->hook);
}

#endif /* HERMETIC_POLICY_H */
