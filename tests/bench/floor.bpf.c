// SPDX-License-Identifier: GPL-2.0-only
/*
 * The floor: empty BPF-LSM programs on the hooks hermetic-bpf's programs
 * run on during the benchmarks, so that each program's run time can be
 * set against the least any program on that hook costs (trampoline,
 * context, stats) in the same boot. Sleepable where hermetic-bpf's
 * program is (lsm.s): entering one costs more.
 * Each passes the previous verdict on: loaded next to a sandbox, it
 * changes nothing.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

SEC("lsm/socket_connect")
int BPF_PROG(floor_connect, struct socket *sock, struct sockaddr *address,
	     int addrlen, int ret)
{
	return ret;
}

SEC("lsm/socket_sendmsg")
int BPF_PROG(floor_sendmsg, struct socket *sock, struct msghdr *msg, int size,
	     int ret)
{
	return ret;
}

SEC("lsm/socket_create")
int BPF_PROG(floor_create, int family, int type, int protocol, int kern,
	     int ret)
{
	return ret;
}

SEC("lsm/socket_bind")
int BPF_PROG(floor_bind, struct socket *sock, struct sockaddr *address,
	     int addrlen, int ret)
{
	return ret;
}

/* Every sandbox also seals itself: these run for everybody's calls. */
SEC("lsm.s/file_open")
int BPF_PROG(floor_file_open, struct file *file, int ret)
{
	return ret;
}

SEC("lsm/capable")
int BPF_PROG(floor_capable, const struct cred *cred, struct user_namespace *ns,
	     int cap, unsigned int opts, int ret)
{
	return ret;
}
