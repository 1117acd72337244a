// SPDX-License-Identifier: GPL-2.0-only
/*
 * The floor: empty BPF-LSM programs on the hooks hermetic-bpf's programs
 * run on during the benchmarks, so that each program's run time can be
 * set against the least any program on that hook costs (trampoline,
 * context, stats) in the same boot. Sleepable where hermetic-bpf's
 * program is (lsm.s): entering one costs more.
 * Each passes the previous verdict on: loaded next to a sandbox, it
 * changes nothing. Every hook here is one the benchmark's operations reach
 * and a program of a sandbox or of the agent runs on, in both test
 * kernels (a hook 6.1 lacks would stop the whole floor from loading).
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

/*
 * The seal's, the exec and native guards' and the rest of the network
 * guard's hooks that the operations reach.
 */
SEC("lsm/inode_permission")
int BPF_PROG(floor_inode_perm, struct inode *inode, int mask, int ret)
{
	return ret;
}

/* A void hook: nothing to pass on. */
SEC("lsm/file_free_security")
int BPF_PROG(floor_file_free, struct file *file)
{
	return 0;
}

SEC("lsm/file_ioctl")
int BPF_PROG(floor_ioctl, struct file *file, unsigned int cmd, unsigned long arg,
	     int ret)
{
	return ret;
}

SEC("lsm/bpf")
int BPF_PROG(floor_bpf, int cmd, union bpf_attr *attr, unsigned int size, int ret)
{
	return ret;
}

SEC("lsm/task_kill")
int BPF_PROG(floor_kill, struct task_struct *p, struct kernel_siginfo *info, int sig,
	     const struct cred *cred, int ret)
{
	return ret;
}

SEC("lsm/socket_listen")
int BPF_PROG(floor_listen, struct socket *sock, int backlog, int ret)
{
	return ret;
}

SEC("lsm/socket_setsockopt")
int BPF_PROG(floor_setsockopt, struct socket *sock, int level, int optname, int ret)
{
	return ret;
}

SEC("lsm/bprm_creds_for_exec")
int BPF_PROG(floor_exec, struct linux_binprm *bprm, int ret)
{
	return ret;
}

SEC("lsm/bprm_check_security")
int BPF_PROG(floor_exec_file, struct linux_binprm *bprm, int ret)
{
	return ret;
}

SEC("lsm/bprm_creds_from_file")
int BPF_PROG(floor_setid, struct linux_binprm *bprm, struct file *file, int ret)
{
	return ret;
}

SEC("lsm.s/mmap_file")
int BPF_PROG(floor_mmap, struct file *file, unsigned long reqprot, unsigned long prot,
	     unsigned long flags, int ret)
{
	return ret;
}

SEC("lsm/file_mprotect")
int BPF_PROG(floor_mprotect, struct vm_area_struct *vma, unsigned long reqprot,
	     unsigned long prot, int ret)
{
	return ret;
}

/*
 * Not empty: the least a program that decides per task does on every
 * call, one lookup of the task's cgroup at a sandbox's level (2:
 * /hermetic-bpf/run-*) and a compare (bpf/common.bpf.h,
 * hb_own_sandbox_level()). Its ratio to floor_create bounds what the
 * per-program target can reach with that lookup. Not a floor (its name
 * says so): the per-program section sets it apart, the operations'
 * floor (f) leaves it out.
 */
__u64 lookup_never = ~0ULL; /* no cgroup has this id: the compare never holds */

SEC("lsm/socket_create")
int BPF_PROG(lookup_create, int family, int type, int protocol, int kern, int ret)
{
	if (ret)
		return ret;
	return bpf_get_current_ancestor_cgroup_id(2) == lookup_never ? -1 : 0;
}
