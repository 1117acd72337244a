/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The seal's decisions: capabilities, ioctls, perf, kernel filesystems,
 * setuid gains, other processes (with --no-env's and --block-native's part).
 * A part of hermetic_policy.h, compiled for BPF and host alike (see there).
 */
#ifndef HB_POLICY_SEAL_H
#define HB_POLICY_SEAL_H

#include "policy_req.h"

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

#endif /* HB_POLICY_SEAL_H */
