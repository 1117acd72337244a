// SPDX-License-Identifier: GPL-2.0-only
/*
 * The smallest BPF-LSM program: if this cannot load and attach, no guard
 * of hermetic.bpf.c can, and the loader says why before trying those.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

SEC("lsm/socket_connect")
int BPF_PROG(hb_probe, struct socket *sock, struct sockaddr *address,
	     int addrlen, int ret)
{
	return ret;
}
