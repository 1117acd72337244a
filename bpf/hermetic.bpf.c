// SPDX-License-Identifier: GPL-2.0-only
/*
 * BPF-LSM programs of hermetic-bpf. Each hook first finds whether the
 * current task lives under a sandbox cgroup (one map miss for everybody
 * else), then asks hermetic_policy.h for a verdict and reports denials
 * on the ring buffer.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "hermetic_abi.h"
#include "hermetic_policy.h"

#define EPERM 1

char LICENSE[] SEC("license") = "GPL";

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

/* First level at which the current task is in a sandbox, or -1. */
static __always_inline int hb_first_level(void)
{
	__u32 lo = hb_level_lo, hi = hb_level_hi;

	for (__u32 lvl = lo; lvl < hi && lvl < HB_MAX_LEVELS; lvl++) {
		__u64 id = bpf_get_current_ancestor_cgroup_id(lvl);

		if (!id) /* the task sits above this level */
			return -1;
		if (bpf_map_lookup_elem(&hb_policies, &id))
			return lvl;
	}
	return -1;
}

static __always_inline void hb_report(const struct hb_req *req,
				      __u64 sandbox_id, enum hb_reason reason)
{
	struct hb_stats *st = bpf_map_lookup_elem(&hb_stats, &sandbox_id);
	struct hb_event *ev;

	if (st)
		__sync_fetch_and_add(&st->denied, 1);
	ev = bpf_ringbuf_reserve(&hb_events, sizeof(*ev), 0);
	if (!ev) {
		if (st)
			__sync_fetch_and_add(&st->events_lost, 1);
		return;
	}
	__u64 pid_tgid = bpf_get_current_pid_tgid();

	ev->ts_ns = bpf_ktime_get_ns();
	ev->cgroup_id = bpf_get_current_cgroup_id();
	ev->sandbox_id = sandbox_id;
	ev->pid = (__u32)pid_tgid;
	ev->tgid = pid_tgid >> 32;
	ev->uid = (__u32)bpf_get_current_uid_gid();
	ev->hook = req->hook;
	ev->reason = reason;
	ev->family = req->hook == HB_HOOK_SOCKET ? req->family : req->addr_family;
	ev->port = req->hook == HB_HOOK_SOCKET ? req->type : req->port;
	ev->protocol = req->protocol;
	ev->verdict = HB_VERDICT_DENY;
	__builtin_memcpy(ev->addr, req->addr, sizeof(ev->addr));
	bpf_get_current_comm(ev->comm, sizeof(ev->comm));
	bpf_ringbuf_submit(ev, 0);
}

/*
 * Every sandbox from @first down to the task's own level has its say;
 * the first denial wins, so an inner sandbox can never loosen an outer one.
 */
static __always_inline int hb_enforce(const struct hb_req *req, int first)
{
	__u32 hi = hb_level_hi;

	for (__u32 lvl = first; lvl < hi && lvl < HB_MAX_LEVELS; lvl++) {
		__u64 id = bpf_get_current_ancestor_cgroup_id(lvl);
		const struct hb_policy *p;
		enum hb_reason reason;

		if (!id)
			break;
		p = bpf_map_lookup_elem(&hb_policies, &id);
		if (!p)
			continue;
		reason = hb_decide(p, req);
		if (reason != HB_REASON_NONE) {
			hb_report(req, id, reason);
			return -EPERM;
		}
	}
	return 0;
}

/* Copies a kernel sockaddr's family, address and port into @req. */
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
		__builtin_memcpy(req->addr, &u.in.sin_addr, 4);
	} else if (u.sa.sa_family == HB_AF_INET6) {
		req->port = bpf_ntohs(u.in6.sin6_port);
		__builtin_memcpy(req->addr, &u.in6.sin6_addr, 16);
	}
}

static __always_inline void hb_read_sock_family(struct hb_req *req,
						struct socket *sock)
{
	struct sock *sk = NULL;
	__u16 family = 0;

	if (bpf_core_read(&sk, sizeof(sk), &sock->sk) || !sk ||
	    bpf_core_read(&family, sizeof(family), &sk->__sk_common.skc_family))
		req->unreadable = 1;
	req->family = family;
}

SEC("lsm/socket_connect")
int BPF_PROG(hb_connect, struct socket *sock, struct sockaddr *address,
	     int addrlen, int ret)
{
	struct hb_req req = { .hook = HB_HOOK_CONNECT };
	int first;

	if (ret)
		return ret;
	first = hb_first_level();
	if (first < 0)
		return 0;
	hb_read_sock_family(&req, sock);
	hb_read_sockaddr(&req, address, addrlen);
	return hb_enforce(&req, first);
}

SEC("lsm/socket_sendmsg")
int BPF_PROG(hb_sendmsg, struct socket *sock, struct msghdr *msg,
	     int size, int ret)
{
	struct hb_req req = { .hook = HB_HOOK_SENDMSG };
	void *name = NULL;
	int namelen = 0, first;

	if (ret)
		return ret;
	first = hb_first_level();
	if (first < 0)
		return 0;
	if (bpf_core_read(&name, sizeof(name), &msg->msg_name) ||
	    bpf_core_read(&namelen, sizeof(namelen), &msg->msg_namelen)) {
		req.unreadable = 1;
	} else if (!name || namelen <= 0) {
		/*
		 * No destination: a connected socket, whose peer passed
		 * socket_connect, or a descriptor handed in from outside.
		 */
		return 0;
	}
	hb_read_sock_family(&req, sock);
	if (!req.unreadable)
		hb_read_sockaddr(&req, name, namelen);
	return hb_enforce(&req, first);
}

SEC("lsm/socket_create")
int BPF_PROG(hb_sock_create, int family, int type, int protocol, int kern,
	     int ret)
{
	struct hb_req req = {
		.hook = HB_HOOK_SOCKET,
		.family = family,
		.type = type,
		.protocol = protocol,
	};
	int first;

	if (ret)
		return ret;
	if (kern) /* the kernel's own sockets, not the task's */
		return 0;
	first = hb_first_level();
	if (first < 0)
		return 0;
	return hb_enforce(&req, first);
}
