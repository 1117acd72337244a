// SPDX-License-Identifier: GPL-2.0-only
/*
 * The floor of the native benchmark's (c): empty cgroup programs on the
 * inet hooks the tier B agent's programs sit on at the cgroup2 root, so
 * that (c0) measures what any program there costs (the kernel's
 * cgroup-bpf path: the effective array, the context, a socket address
 * copied in and out) against (c), ours. Each lets the call through. The
 * unix hooks are left out: the measured operations do not reach them
 * (and this libbpf has no section names for them).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

/* An empty program on hook @sec: lets the call or the packet through. */
#define FLOOR(sec, name, ctx_type)                        \
	SEC(sec)                                          \
	int floor_##name(ctx_type *ctx)                   \
	{                                                 \
		return 1;                                 \
	}

FLOOR("cgroup/connect4", connect4, struct bpf_sock_addr)
FLOOR("cgroup/connect6", connect6, struct bpf_sock_addr)
FLOOR("cgroup/sendmsg4", sendmsg4, struct bpf_sock_addr)
FLOOR("cgroup/sendmsg6", sendmsg6, struct bpf_sock_addr)
FLOOR("cgroup/recvmsg4", recvmsg4, struct bpf_sock_addr)
FLOOR("cgroup/recvmsg6", recvmsg6, struct bpf_sock_addr)
FLOOR("cgroup/bind4", bind4, struct bpf_sock_addr)
FLOOR("cgroup/bind6", bind6, struct bpf_sock_addr)
FLOOR("cgroup/sock_create", sock_create, struct bpf_sock)
FLOOR("cgroup/setsockopt", setsockopt, struct bpf_sockopt)
FLOOR("cgroup_skb/egress", egress, struct __sk_buff)
FLOOR("cgroup_skb/ingress", ingress, struct __sk_buff)
