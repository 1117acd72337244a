// SPDX-License-Identifier: GPL-2.0-only
/*
 * Forty empty BPF-LSM programs on each of socket_connect and file_open,
 * for the fault case that fills a hook's trampoline (the kernel takes a
 * few dozen programs per hook) before a sandbox attaches there. Each
 * passes the previous verdict on, so they change no decision.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

#define CONNECT(n)							\
	SEC("lsm/socket_connect")					\
	int BPF_PROG(connect_##n, struct socket *sock,			\
		     struct sockaddr *address, int addrlen, int ret)	\
	{								\
		return ret;						\
	}
#define OPEN(n)								\
	SEC("lsm/file_open")						\
	int BPF_PROG(open_##n, struct file *file, int ret)		\
	{								\
		return ret;						\
	}
#define TEN(F, n) F(n##0) F(n##1) F(n##2) F(n##3) F(n##4) \
		  F(n##5) F(n##6) F(n##7) F(n##8) F(n##9)
#define FORTY(F) TEN(F, 0) TEN(F, 1) TEN(F, 2) TEN(F, 3)

FORTY(CONNECT)
FORTY(OPEN)
