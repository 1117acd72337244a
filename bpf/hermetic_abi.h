/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The one contract between the BPF programs and user space: map layouts,
 * guard bits, event records and limits. Fixed-width types and explicit
 * padding only, so both compilers agree on every offset.
 */
#ifndef HERMETIC_ABI_H
#define HERMETIC_ABI_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/*
 * Deepest cgroup level (0 = hierarchy root) at which a sandbox cgroup may
 * sit. The BPF side looks a task up only at the levels that hold sandboxes,
 * so this bounds that loop; the loader refuses a sandbox cgroup deeper than
 * this rather than leave it unchecked. Processes inside a sandbox may nest
 * deeper: they are found through their ancestor at the sandbox's level.
 */
#define HB_MAX_LEVELS 32

/* Sandboxes one loaded instance can hold at once (policy map size). */
#define HB_MAX_SANDBOXES 1024

#define HB_COMM_LEN 16

/* 256 KiB: thousands of denial events between two reads of the consumer. */
#define HB_RINGBUF_SIZE (256 * 1024)

/* Address families and protocols; vmlinux.h has no #defines. */
#define HB_AF_UNSPEC 0
#define HB_AF_UNIX 1
#define HB_AF_INET 2
#define HB_AF_INET6 10
#define HB_AF_NETLINK 16

#define HB_SOCK_STREAM 1
#define HB_SOCK_DGRAM 2

#define HB_IPPROTO_IP 0
#define HB_IPPROTO_ICMP 1
#define HB_IPPROTO_TCP 6
#define HB_IPPROTO_UDP 17
#define HB_IPPROTO_ICMPV6 58
#define HB_IPPROTO_MPTCP 262

/* Guards a sandbox asks for (struct hb_policy.guards). */
#define HB_GUARD_NET (1u << 0)
#define HB_GUARD_ALL (HB_GUARD_NET)

/* Hooks, as reported in events. */
enum hb_hook {
	HB_HOOK_NONE = 0,
	HB_HOOK_CONNECT = 1,
	HB_HOOK_SENDMSG = 2,
	HB_HOOK_SOCKET = 3,
	HB_HOOK_MAX,
};

/* What the kernel did (struct hb_event.verdict). */
enum hb_verdict {
	HB_VERDICT_ALLOW = 0,
	HB_VERDICT_DENY = 1,
};

/* Why a decision denied; HB_REASON_NONE means allow. */
enum hb_reason {
	HB_REASON_NONE = 0,
	HB_REASON_NET_DISABLED = 1,
	HB_REASON_NET_SOCKET_KIND = 2,
	HB_REASON_UNREADABLE = 3, /* a kernel read failed: fail closed */
	HB_REASON_MAX,
};

/* Value of the policy map, keyed by the sandbox cgroup's id (__u64). */
struct hb_policy {
	__u32 guards;
	__u32 reserved;
};

/* Value of the stats map, keyed like the policy map; updated atomically. */
struct hb_stats {
	__u64 denied;
	__u64 events_lost;
};

/* One ring-buffer record per denial. */
struct hb_event {
	__u64 ts_ns;      /* bpf_ktime_get_ns() */
	__u64 cgroup_id;  /* the task's own cgroup */
	__u64 sandbox_id; /* the sandbox cgroup whose policy denied */
	__u32 pid;        /* thread id */
	__u32 tgid;       /* process id */
	__u32 uid;
	__u16 hook;       /* enum hb_hook */
	__u16 reason;     /* enum hb_reason */
	__u16 family;     /* address family, or socket family for HB_HOOK_SOCKET */
	__u16 port;       /* host byte order; for HB_HOOK_SOCKET: socket type */
	__u16 protocol;   /* HB_HOOK_SOCKET only */
	__u16 verdict;    /* enum hb_verdict */
	__u8 addr[16];    /* IPv4 in the first 4 bytes, network order */
	char comm[HB_COMM_LEN];
};

_Static_assert(sizeof(struct hb_policy) == 8, "hb_policy layout");
_Static_assert(sizeof(struct hb_stats) == 16, "hb_stats layout");
_Static_assert(sizeof(struct hb_event) == 80, "hb_event layout");

#endif /* HERMETIC_ABI_H */
