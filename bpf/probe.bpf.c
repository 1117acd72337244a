// SPDX-License-Identifier: GPL-2.0-only
/*
 * The smallest programs of each kind hermetic-bpf relies on. If one cannot
 * load and attach, no guard of that tier can, and the loader says why
 * before trying hermetic.bpf.c.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

/* Tier A: BPF-LSM. */
SEC("lsm/socket_connect")
int BPF_PROG(hb_probe_lsm, struct socket *sock, struct sockaddr *address,
	     int addrlen, int ret)
{
	return ret;
}

/* Tier B: cgroup sock_addr programs. */
SEC("cgroup/connect4")
int hb_probe_cg(struct bpf_sock_addr *ctx)
{
	return 1;
}
