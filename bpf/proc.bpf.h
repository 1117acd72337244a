/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The kernel's own filesystems as file_open meets them: whose /proc/PID
 * a file is (--no-env, the seal), /proc/sys, and the seal's writes there.
 * A part of hermetic.bpf.c: one object, one set of maps (see there).
 */
#ifndef HB_PROC_BPF_H
#define HB_PROC_BPF_H

#include "exec.bpf.h"

/* Whether the current task acts on files as root (its fsuid is 0). */
static __always_inline __u8 hb_root_writer(void)
{
	struct task_struct *task = bpf_get_current_task_btf();

	return BPF_CORE_READ(task, cred, fsuid.val) == 0;
}

/* Open flags: truncation without write access; an exec's open (__FMODE_EXEC). */
#define HB_O_TRUNC 01000
#define HB_O_FMODE_EXEC 0x20
/* procfs is shallow; deeper is treated as outside (fail closed). */
#define HB_PROC_DEPTH 16

/*
 * The name of a procfs file's top directory below the procfs root
 * ("sys", "self", "42"), found by walking up the dentries (not by path
 * text, which a chroot would change). 0 if found; -1 for the root itself
 * or a walk too deep.
 */
static __always_inline int hb_proc_top(struct dentry *d, char name[16])
{
	struct dentry *top = d;

	for (int i = 0; i < HB_PROC_DEPTH; i++) {
		struct dentry *parent = BPF_CORE_READ(top, d_parent);
		struct dentry *grand = BPF_CORE_READ(parent, d_parent);

		if (!parent || parent == top) /* the root itself */
			return -1;
		if (grand == parent) { /* top's parent is the root */
			bpf_probe_read_kernel_str(name, 16, BPF_CORE_READ(top, d_name.name));
			return 0;
		}
		top = parent;
	}
	return -1;
}

/* Whether a procfs file lies under /proc/sys or is /proc/sysrq-trigger. */
static __always_inline int hb_proc_sys(struct dentry *d)
{
	char name[16] = {};

	if (hb_proc_top(d, name))
		return 1; /* too deep: fail closed */
	return name[0] == 's' && name[1] == 'y' && name[2] == 's' &&
	       (name[3] == '\0' ||
		(name[3] == 'r' && name[4] == 'q' && name[5] == '-' &&
		 name[6] == 't' && name[7] == 'r' && name[8] == 'i' &&
		 name[9] == 'g' && name[10] == 'g' && name[11] == 'e' &&
		 name[12] == 'r' && name[13] == '\0'));
}

/* ---- procfs: whose /proc/PID a file is ------------------------------ */

/*
 * The struct pid a procfs inode stands for: every procfs inode is the
 * vfs_inode of a struct proc_inode, whose pid is set for a process's
 * directory and its entries, and NULL elsewhere (/proc/meminfo, /proc/sys,
 * and the entries of /proc/PID/net, which are the network namespace's, not the
 * process's). CO-RE finds the offset on each kernel.
 */
static __always_inline struct pid *hb_proc_pid(struct inode *inode)
{
	struct proc_inode *ei;

	if (!inode)
		return NULL;
	ei = (void *)inode - bpf_core_field_offset(struct proc_inode, vfs_inode);
	return BPF_CORE_READ(ei, pid);
}

/* The task a struct pid names (pid_task(pid, PIDTYPE_PID)); NULL once reaped. */
static __always_inline struct task_struct *hb_pid_task(struct pid *pid)
{
	struct hlist_node *first = NULL;

	if (!pid || bpf_core_read(&first, sizeof(first), &pid->tasks[0].first) || !first)
		return NULL;
	return (void *)first - bpf_core_field_offset(struct task_struct, pid_links);
}

/* The top directory below the procfs root that holds @d; NULL: too deep. */
static __always_inline struct dentry *hb_proc_top_dentry(struct dentry *d)
{
	for (int i = 0; i < HB_PROC_DEPTH; i++) {
		struct dentry *parent = BPF_CORE_READ(d, d_parent);

		if (!parent || parent == d || BPF_CORE_READ(parent, d_parent) == parent)
			return d;
		d = parent;
	}
	return NULL;
}

#define HB_PTRACE_MODE_READ_FSCREDS 0x09
#define HB_PTRACE_MODE_ATTACH_FSCREDS 0x0a

/*
 * Opening a file below another process's /proc/PID (or /proc/TID, and
 * their task/TID/): its command line, status, mounts, network view,
 * descriptors. The kernel asks ptrace_access_check for a few of them
 * (environ, maps, mem); this asks it for all, as the same access: a read
 * is denied under --no-env, a write in every sandbox, when the process is
 * outside the sandbox. A process gone already, or a walk too deep, counts
 * as outside (fail closed). Not inlined: a stack frame of its own.
 */
static __noinline int hb_proc_open(struct file *file, __u32 fmode, int first, struct hb_policy *pol)
{
	struct dentry *d = file->f_path.dentry; /* direct reads: every open */
	struct task_struct *task;
	struct dentry *top;
	struct pid *pid;
	__u32 tgid;

	if (!d || d->d_sb->s_magic != HB_PROC_SUPER_MAGIC)
		return 0;
	top = hb_proc_top_dentry(d);
	pid = top ? hb_proc_pid(BPF_CORE_READ(top, d_inode)) : NULL;
	if (top && !pid) /* no process's: /proc/meminfo, /proc/sys, the root */
		return 0;
	task = hb_pid_task(pid);
	tgid = task ? BPF_CORE_READ(task, tgid) : 0;
	if (task && tgid == bpf_get_current_pid_tgid() >> 32)
		return 0; /* its own */
	struct hb_ctx c = {}; /* zeroed here, not on every open */
	c.target = task;
	c.req.outside = 1; /* unless the target's cgroup is in the sandbox */
	c.req.attach = fmode & HB_FMODE_WRITE ? HB_ATTACH_PROC_FILE : 0;
	c.req.protocol = c.req.attach ? HB_PTRACE_MODE_ATTACH_FSCREDS : HB_PTRACE_MODE_READ_FSCREDS;
	c.arg = tgid;
	/* EACCES, as procfs answers for the files it guards itself (environ). */
	return hb_enforce(&c, first, pol, HB_HOOK_PTRACE) ? -HB_EACCES : 0;
}

/*
 * Whether a procfs file is the current process's own (/proc/PID, self),
 * and the process's: the files in /proc/self/net show the host's sockets.
 */
static __always_inline int hb_proc_own(struct dentry *d)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32, n = 0;
	char name[16] = {};

	if (hb_proc_top(d, name))
		return 0;
	if (name[0] == 's' && name[1] == 'e' && name[2] == 'l' && name[3] == 'f' &&
	    name[4] == '\0')
		return 1;
	if (name[0] == 't' && name[1] == 'h' && name[2] == 'r' && name[3] == 'e')
		return name[4] == 'a' && name[5] == 'd' && name[6] == '-' && name[7] == 's' &&
		       name[8] == 'e' && name[9] == 'l' && name[10] == 'f' && name[11] == '\0';
	for (int i = 0; i < 11; i++) {
		if (name[i] == '\0')
			return i > 0 && n == tgid && hb_proc_pid(BPF_CORE_READ(d, d_inode));
		if (name[i] < '0' || name[i] > '9')
			return 0;
		n = n * 10 + (name[i] - '0');
	}
	return 0;
}

/*
 * Writing in the kernel's own filesystems. Not inlined, like the other
 * checks file_open makes: each has a stack frame of its own. A file where
 * data lives leaves at the first test (direct reads, no helper call):
 * hb_file_write_reason() allows it to every writer, in every sandbox.
 */
static __noinline int hb_kernel_fs_write(struct file *file, int first, struct hb_policy *pol)
{
	__u32 magic = file->f_inode->i_sb->s_magic;

	if (hb_fs_holds_data(magic))
		return 0;
	struct hb_ctx c = { .req.fs_magic = magic };

	c.req.root_writer = hb_root_writer();

	if (c.req.fs_magic == HB_PROC_SUPER_MAGIC) {
		c.req.proc_sys = hb_proc_sys(BPF_CORE_READ(file, f_path.dentry));
	} else if (c.req.fs_magic == HB_CGROUP2_SUPER_MAGIC) {
		/* A cgroup file's kernfs node; its parent's is the cgroup. */
		struct kernfs_node *kn = BPF_CORE_READ(file, f_inode, i_private);

		c.file_cg = BPF_CORE_READ(kn, parent, priv);
	}
	return hb_enforce_file(&c, first, pol, HB_HOOK_FILE_WRITE, file);
}

#endif /* HB_PROC_BPF_H */
