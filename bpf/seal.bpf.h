/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The seal, on every sandbox (even a root command): bpf(), capabilities,
 * the cgroup tree, ioctls, perf, SIGIO's owners, mounts, ptrace, signals.
 * A part of hermetic.bpf.c: one object, one set of maps (see there).
 */
#ifndef HB_SEAL_BPF_H
#define HB_SEAL_BPF_H

#include "exec.bpf.h"

SEC("lsm/bpf")
HB_LSM(hb_bpf, int cmd, union bpf_attr *attr, unsigned int size, int ret)
{
	struct hb_ctx c = { .arg = cmd };
	return hb_enforce(&c, first, pol, HB_HOOK_BPF);
}

/* capable()'s quiet probes (has_capability_noaudit): denied unreported. */
#define HB_CAP_OPT_NOAUDIT (1u << 1)

SEC("lsm/capable")
HB_LSM(hb_capable, const struct cred *cred, struct user_namespace *ns,
       int cap, unsigned int opts, int ret)
{
	int level = 0;

	struct hb_ctx c = { .req.cap = cap, .arg = cap };
	/* A failed read leaves level 0: judged as the host's (fail closed). */
	bpf_core_read(&level, sizeof(level), &ns->level);
	c.req.cap_userns = level > 0;
	/*
	 * The kernel asks quietly where a "no" only changes a detail (the
	 * memory reserve on every mmap as root): no event for those.
	 */
	if ((opts & HB_CAP_OPT_NOAUDIT) && !c.req.cap_userns && !hb_cap_kept(cap))
		return -HB_EPERM;
	return hb_enforce(&c, first, pol, HB_HOOK_CAPABLE);
}

#define HB_MAY_WRITE 0x2
#define HB_S_IFDIR 0040000

/*
 * Every change to the cgroup tree asks for write permission on a cgroupfs
 * inode: a file's (cgroup.procs, cgroup.kill, ...) or a directory's
 * (mkdir, rmdir). Moving a task, by a write to cgroup.procs or by
 * clone3(CLONE_INTO_CGROUP), asks it of the cgroup.procs of the lowest
 * cgroup above both where the task is and where it goes
 * (cgroup_attach_permissions). So a sandboxed task changes only its own
 * subtree, and moves only tasks already in it, into it, even as root and
 * through descriptors opened before. The gate reads directly: every
 * write permission asked on the host comes here.
 */
SEC("lsm/inode_permission")
HB_LSM_IF(hb_inode_perm, (mask & HB_MAY_WRITE) &&
	  inode->i_sb->s_magic == HB_CGROUP2_SUPER_MAGIC,
	  struct inode *inode, int mask, int ret)
{
	struct kernfs_node *kn;
	struct hb_ctx c = { .req.fs_magic = HB_CGROUP2_SUPER_MAGIC };
	kn = BPF_CORE_READ(inode, i_private);
	c.path = BPF_CORE_READ(kn, name);
	c.path_len = HB_EVENT_PATH_MAX - 1;
	c.path_str = 1;
	/* A directory's node is the cgroup's own; a file's parent is. */
	if ((BPF_CORE_READ(inode, i_mode) & HB_S_IFMT) != HB_S_IFDIR)
		kn = BPF_CORE_READ(kn, parent);
	c.file_cg = BPF_CORE_READ(kn, priv);
	return hb_enforce(&c, first, pol, HB_HOOK_FILE_WRITE);
}

/*
 * ioctls that change a file's attributes or contents besides write():
 * chattr's flags (immutable, append-only, ...), project and extended
 * attributes, the inode's version, verity and encryption policies.
 */
#define HB_FS_IOC_SETFLAGS 0x40086602
#define HB_FS_IOC32_SETFLAGS 0x40046602
#define HB_FS_IOC_FSSETXATTR 0x401c5820
#define HB_FS_IOC_SETVERSION 0x40087602
#define HB_FS_IOC32_SETVERSION 0x40047602
#define HB_FS_IOC_ENABLE_VERITY 0x40806685
#define HB_FS_IOC_SET_ENCRYPTION_POLICY 0x800c6613

/* The filesystem guard's judgement of an attribute change (fs.bpf.h, included later). */
static __always_inline int hb_fs_attr(__u8 op, struct dentry *d);

static __always_inline int hb_ioctl_changes_file(unsigned int cmd)
{
	return cmd == HB_FS_IOC_SETFLAGS || cmd == HB_FS_IOC32_SETFLAGS ||
	       cmd == HB_FS_IOC_FSSETXATTR || cmd == HB_FS_IOC_SETVERSION ||
	       cmd == HB_FS_IOC32_SETVERSION || cmd == HB_FS_IOC_ENABLE_VERITY ||
	       cmd == HB_FS_IOC_SET_ENCRYPTION_POLICY;
}

/* Not inlined, like the checks below: each has a stack frame of its own. */
static __noinline int hb_ioctl_file(struct file *file)
{
	return hb_fs_attr(HB_FS_OP_SETATTR, file->f_path.dentry); /* direct: hb_fs_linked() */
}

static __noinline int hb_ioctl_tty(unsigned int cmd)
{
	struct hb_policy *pol = NULL;
	int first = hb_first_level(&pol);

	if (first < 0)
		return 0;
	struct hb_ctx c = { .req.request = cmd, .arg = cmd };
	return hb_enforce(&c, first, pol, HB_HOOK_IOCTL);
}

/*
 * ioctl: only the requests that reach past the sandbox (hb_ioctl_reason),
 * and under --fs-readonly those that change a file, are looked at; every
 * other ioctl on the host leaves at the first tests.
 */
static __always_inline int hb_ioctl_check(struct file *file, unsigned int cmd)
{
	if ((hb_fs_mode & HB_FS_READONLY) && hb_ioctl_changes_file(cmd))
		return hb_ioctl_file(file);
	if (!hb_ioctl_types_into_tty(cmd))
		return 0;
	return hb_ioctl_tty(cmd);
}

SEC("lsm/file_ioctl")
int BPF_PROG(hb_ioctl, struct file *file, unsigned int cmd, unsigned long arg, int ret)
{
	return ret ? ret : hb_none_confined() ? 0 : hb_ioctl_check(file, cmd);
}

/* 32-bit callers' ioctls have a hook of their own from Linux 6.8. */
SEC("lsm/file_ioctl_compat")
int BPF_PROG(hb_ioctl_compat, struct file *file, unsigned int cmd, unsigned long arg,
	     int ret)
{
	return ret ? ret : hb_none_confined() ? 0 : hb_ioctl_check(file, cmd);
}

/* perf_event_open's kinds of access: the host's CPUs, the kernel, ... */
static __always_inline int hb_perf_check(int type)
{
	struct hb_policy *pol = NULL;
	int first = hb_first_level(&pol);

	if (first < 0)
		return 0;
	struct hb_ctx c = { .req.request = type, .req.protocol = type };
	return hb_enforce(&c, first, pol, HB_HOOK_PERF);
}

/* Linux 6.12 dropped the attributes; the loader loads the one that fits. */
SEC("lsm/perf_event_open")
int BPF_PROG(hb_perf_open, int type, int ret)
{
	return ret ? ret : hb_perf_check(type);
}

SEC("lsm/perf_event_open")
int BPF_PROG(hb_perf_open_v61, struct perf_event_attr *attr, int type, int ret)
{
	return ret ? ret : hb_perf_check(type);
}

/* Each event made: whose task it watches (none: a whole CPU). */
SEC("lsm/perf_event_alloc")
HB_LSM(hb_perf_alloc, struct perf_event *event, int ret)
{
	struct task_struct *target;

	struct hb_ctx c = { .req.request = HB_PERF_TASK, .req.protocol = HB_PERF_TASK };
	target = BPF_CORE_READ(event, hw.target);
	c.target = target;
	c.req.outside = !target; /* a whole CPU: every task on it */
	if (target)
		c.arg = BPF_CORE_READ(target, tgid);
	return hb_enforce(&c, first, pol, HB_HOOK_PERF);
}

/*
 * SIGIO and SIGURG go to a descriptor's owner (F_SETOWN, FIOSETOWN, ...)
 * from whatever context makes the descriptor ready, not from the task
 * that chose the owner. So the sandbox that chose it is remembered per
 * file, and a signal to a task outside that sandbox is denied.
 */
struct hb_fowner {
	__u64 sandbox_id;
	__u32 level;
	__u32 pad;
};

#define HB_SIGIO 29

/* Files whose owner a sandboxed task set: one entry per such file. */
#define HB_MAX_FOWNERS 65536

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, HB_MAX_FOWNERS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u64);
	__type(value, struct hb_fowner);
} hb_fowners SEC(".maps");

/*
 * Set when a sandboxed task's file could not be remembered (the map is
 * full): from then on every signal through a file nobody remembers is
 * denied (fail closed), whoever the target, while this instance lives.
 */
__u32 hb_fowners_full;

/* Linux 6.12 keeps a file's owner out of line, and the file in it. */
struct fown_struct___v612 {
	struct file *file;
} __attribute__((preserve_access_index));

struct file___v612 {
	struct fown_struct___v612 *f_owner;
} __attribute__((preserve_access_index));

static __always_inline __u64 hb_fown_file(struct fown_struct *fown)
{
	struct fown_struct___v612 *f = (void *)fown;

	if (bpf_core_field_exists(f->file))
		return (__u64)BPF_CORE_READ(f, file);
	return (__u64)fown - bpf_core_field_offset(struct file, f_owner);
}

/* Whether a file has an owner at all (a cheap test on every file freed). */
static __always_inline int hb_file_owned(struct file *file)
{
	struct file___v612 *f = (void *)file;

	/* Direct reads: cheaper than BPF_CORE_READ's helper calls. */
	if (bpf_core_field_exists(f->f_owner))
		return f->f_owner != NULL;
	return file->f_owner.pid != NULL;
}

/* A void hook: it cannot refuse, only remember who set the owner. */
SEC("lsm/file_set_fowner")
int BPF_PROG(hb_set_fowner, struct file *file)
{
	__u64 key = (__u64)file;
	struct hb_policy *pol = NULL;
	int first = hb_first_level(&pol);

	if (first < 0) {
		bpf_map_delete_elem(&hb_fowners, &key);
		return 0;
	}
	struct hb_fowner o = {};
	o.level = first;
	o.sandbox_id = bpf_get_current_ancestor_cgroup_id(first);
	if (bpf_map_update_elem(&hb_fowners, &key, &o, BPF_ANY))
		hb_fowners_full = 1;
	return 0;
}

SEC("lsm/file_free_security")
int BPF_PROG(hb_file_free, struct file *file)
{
	__u64 key = (__u64)file;

	if (hb_file_owned(file))
		bpf_map_delete_elem(&hb_fowners, &key);
	return 0;
}

SEC("lsm/file_send_sigiotask")
int BPF_PROG(hb_sigio, struct task_struct *tsk, struct fown_struct *fown, int sig, int ret)
{
	/* Signal 0: the owner asked for no other (F_SETSIG), so SIGIO. */
	struct hb_ctx c = { .req.hook = HB_HOOK_KILL, .req.protocol = sig ?: HB_SIGIO,
			    .req.outside = 1 };
	struct cgroup *cg;
	struct hb_policy *p;
	struct hb_fowner *o;
	__u64 key;

	if (ret)
		return ret;
	key = hb_fown_file(fown);
	o = bpf_map_lookup_elem(&hb_fowners, &key);
	if (!o) /* unknown, or forgotten because the map was full */
		return hb_fowners_full ? -HB_EPERM : 0;
	cg = BPF_CORE_READ(tsk, cgroups, dfl_cgrp);
	if (hb_cgroup_in_sandbox(cg, o->level, o->sandbox_id))
		return 0;
	p = bpf_map_lookup_elem(&hb_policies, &o->sandbox_id);
	if (!p) /* the sandbox is gone, and its tasks with it */
		return 0;
	c.arg = BPF_CORE_READ(tsk, tgid);
	hb_report(&c, o->sandbox_id, HB_REASON_OUTSIDE, p, 0);
	return -HB_EPERM;
}

/* Mounts: a new cgroup2 or bpffs view, unmounting bpffs, pivot_root. */
static __always_inline int hb_mount_op(void)
{
	struct hb_policy *pol = NULL;
	int first = hb_first_level(&pol);

	if (first < 0)
		return 0;
	struct hb_ctx c = {};
	return hb_enforce(&c, first, pol, HB_HOOK_MOUNT);
}

SEC("lsm/sb_mount")
int BPF_PROG(hb_mount, const char *dev_name, const struct path *path,
	     const char *type, unsigned long flags, void *data, int ret)
{
	return ret ? ret : hb_mount_op();
}

SEC("lsm/sb_umount")
int BPF_PROG(hb_umount, struct vfsmount *mnt, int flags, int ret)
{
	return ret ? ret : hb_mount_op();
}

SEC("lsm/sb_pivotroot")
int BPF_PROG(hb_pivotroot, const struct path *old_path,
	     const struct path *new_path, int ret)
{
	return ret ? ret : hb_mount_op();
}

SEC("lsm/move_mount")
int BPF_PROG(hb_move_mount, const struct path *from_path,
	     const struct path *to_path, int ret)
{
	return ret ? ret : hb_mount_op();
}

#define HB_PTRACE_MODE_ATTACH 0x02

/* ptrace, /proc/PID/{mem,environ,...}, process_vm_readv/writev. */
SEC("lsm/ptrace_access_check")
HB_LSM(hb_ptrace, struct task_struct *child, unsigned int mode, int ret)
{
	struct hb_ctx c = { .target = child,
			    .req.attach = mode & HB_PTRACE_MODE_ATTACH ? HB_ATTACH_MEMORY : 0 };
	c.arg = BPF_CORE_READ(child, tgid);
	c.req.protocol = mode;
	return hb_enforce(&c, first, pol, HB_HOOK_PTRACE);
}

SEC("lsm/task_kill")
HB_LSM(hb_kill, struct task_struct *p, struct kernel_siginfo *info,
       int sig, const struct cred *cred, int ret)
{
	struct hb_ctx c = { .target = p, .req.protocol = sig };
	c.arg = BPF_CORE_READ(p, tgid);
	return hb_enforce(&c, first, pol, HB_HOOK_KILL);
}

#endif /* HB_SEAL_BPF_H */
