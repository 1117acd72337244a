/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Tier A's filesystem guard (--fs-readonly[=ROOT]): file_open, which makes
 * the seal's checks too, the path hooks, attributes, stat and readlink.
 * A part of hermetic.bpf.c: one object, one set of maps (see there).
 */
#ifndef HB_FS_BPF_H
#define HB_FS_BPF_H

#include "proc.bpf.h"

#define HB_S_IFCHR 0020000
#define HB_S_IFIFO 0010000
#define HB_S_IFSOCK 0140000
#define HB_DEVPTS_SUPER_MAGIC 0x1cd1
#define HB_MKDEV(ma, mi) (((ma) << 20) | (mi))

/*
 * Opened or stat-ed, never confined: FIFOs and sockets (data, not file
 * contents), the harmless character devices, the user's own
 * pseudo-terminals and the process's own /proc files.
 */
static __always_inline int hb_fs_exempt(struct dentry *d)
{
	struct inode *inode = d->d_inode;
	umode_t type;
	__u32 magic, rdev;

	if (!inode)
		return 0;
	type = inode->i_mode & HB_S_IFMT;
	magic = inode->i_sb->s_magic;
	if (type == HB_S_IFIFO || type == HB_S_IFSOCK)
		return 1;
	if (type == HB_S_IFCHR) {
		if (magic == HB_DEVPTS_SUPER_MAGIC)
			return inode->i_uid.val == (__u32)bpf_get_current_uid_gid();
		rdev = inode->i_rdev;
		return rdev == HB_MKDEV(1, 3) || rdev == HB_MKDEV(1, 5) || /* null, zero */
		       rdev == HB_MKDEV(1, 7) || rdev == HB_MKDEV(1, 8) || /* full, random */
		       rdev == HB_MKDEV(1, 9) || rdev == HB_MKDEV(5, 0) || /* urandom, tty */
		       rdev == HB_MKDEV(5, 2);                              /* ptmx */
	}
	return magic == HB_PROC_SUPER_MAGIC && hb_proc_own(d);
}

/* A regular file with other names, maybe outside any rule. */
static __always_inline int hb_fs_linked(struct dentry *d)
{
	struct inode *inode = d->d_inode;

	return (inode->i_mode & HB_S_IFMT) == HB_S_IFREG && inode->__i_nlink > 1;
}

/*
 * What a change to directories is about: the directories that change
 * (walk; the second: a rename's other end, or the file a link links) and
 * the entries the event names (text), through their mounts.
 */
struct hb_fs_objs {
	struct dentry *walk[2];
	struct dentry *text[2];
	struct vfsmount *mnt[2];
};

/*
 * A change to directories: creating, removing, renaming, linking entries.
 * Not inlined: the path hooks' sealing check needs a stack frame too.
 */
static __noinline int hb_fs_change(__u8 op, const struct hb_fs_objs *o)
{
	struct dentry *dir = o->walk[0];
	struct hb_policy *pol = NULL;
	int first;

	if (!(hb_fs_mode & HB_FS_READONLY))
		return 0;
	first = hb_first_level(&pol);
	if (first < 0)
		return 0;
	/*
	 * procfs has no entries to create or remove; the kernel asks anyway
	 * when an O_CREAT open names one not looked up yet (/dev/stdout ->
	 * /proc/self/fd/1), and then opens it: no denial to report.
	 */
	if (BPF_CORE_READ(dir, d_sb, s_magic) == HB_PROC_SUPER_MAGIC)
		return 0;
	struct hb_ctx c = { .req.fs_op = op, .arg = op };
	c.fs_walk[0] = o->walk[0];
	c.fs_walk[1] = o->walk[1];
	c.fs_text[0] = o->text[0];
	c.fs_text[1] = o->text[1];
	c.fs_mnt[0] = o->mnt[0];
	c.fs_mnt[1] = o->mnt[1];
	return hb_enforce(&c, first, pol, HB_HOOK_FS_WRITE);
}

/*
 * Removing or creating @dentry in @dir. Not inlined either: the hook's
 * own frame stays small, beside the sealing check's.
 */
static __noinline int hb_fs_entry(__u8 op, const struct path *dir, struct dentry *dentry)
{
	struct hb_fs_objs o = { .walk = { dir->dentry }, .text = { dentry },
				.mnt = { dir->mnt } };

	return hb_fs_change(op, &o);
}

/* Moving @old_dentry in @old_dir to @new_dentry in @new_dir. */
static __noinline int hb_fs_rename(const struct path *old_dir, struct dentry *old_dentry,
				   const struct path *new_dir, struct dentry *new_dentry)
{
	struct hb_fs_objs o = { .walk = { old_dir->dentry, new_dir->dentry },
				.text = { old_dentry, new_dentry },
				.mnt = { old_dir->mnt, new_dir->mnt } };

	return hb_fs_change(HB_FS_OP_RENAME, &o);
}

/* A change to the file @d itself: attributes, extended attributes. */
static __always_inline int hb_fs_attr(__u8 op, struct dentry *d)
{
	struct hb_policy *pol = NULL;
	int first;

	if (!(hb_fs_mode & HB_FS_READONLY))
		return 0;
	first = hb_first_level(&pol);
	if (first < 0)
		return 0;
	struct hb_ctx c = { .req.fs_op = op, .arg = op };
	c.req.fs_linked = hb_fs_linked(d);
	c.fs_walk[0] = d;
	c.fs_text[0] = d;
	return hb_enforce(&c, first, pol, HB_HOOK_FS_WRITE);
}

/*
 * Opening, stat-ing or reading a link of @d (through @mnt, if known), as
 * a write (@hook FS_WRITE) or a read. A descriptor the task holds to the
 * same file with the same access makes it add nothing (for stat: one
 * opened for reading or writing; an O_PATH one was never judged). @own:
 * HB_FD_OWN_WRITER if the open judged counts among the file's writers.
 */
static __always_inline int hb_fs_access(__u16 hook, __u8 op, struct dentry *d,
					struct vfsmount *mnt, __u32 own, int first,
					struct hb_policy *pol)
{
	struct hb_ctx c = { .req.fs_op = op, .arg = op };
	__u32 fmode = hook == HB_HOOK_FS_WRITE ? HB_FMODE_WRITE :
		      op == HB_FS_OP_STAT ? HB_FMODE_READ | HB_FMODE_WRITE : HB_FMODE_READ;

	c.req.fs_exempt = hb_fs_exempt(d);
	if (hook == HB_HOOK_FS_WRITE)
		c.req.fs_linked = hb_fs_linked(d);
	c.fs_walk[0] = d;
	c.fs_text[0] = d;
	c.fs_mnt[0] = mnt;
	c.fs_inode = d->d_inode;
	c.fs_fmode = fmode | own;
	return hb_enforce(&c, first, pol, hook);
}

/*
 * Not inlined, so that file_open's three checks have a stack frame each;
 * one function per hook, so that the hook stays a constant (the verifier
 * then sees only its code, and a sleepable program only its maps).
 */
static __noinline int hb_fs_open_write(struct file *file, int first, struct hb_policy *pol)
{
	return hb_fs_access(HB_HOOK_FS_WRITE, HB_FS_OP_OPEN, file->f_path.dentry,
			    file->f_path.mnt,
			    file->f_mode & HB_FMODE_WRITE ? HB_FD_OWN_WRITER : 0, first, pol);
}

static __noinline int hb_fs_open_read(struct file *file, __u8 op, int first,
				      struct hb_policy *pol)
{
	return hb_fs_access(HB_HOOK_FS_READ, op, file->f_path.dentry, file->f_path.mnt, 0,
			    first, pol);
}

/*
 * /proc/PID/mem or /proc/PID/task/TID/mem: the process's own too, which
 * no ptrace access check guards (the same thread group is let through).
 */
static __always_inline bool hb_proc_mem(struct file *file)
{
	struct dentry *d = file->f_path.dentry; /* direct reads: every write open */
	char name[4] = {};

	if (d->d_sb->s_magic != HB_PROC_SUPER_MAGIC || d->d_name.len != 3)
		return false;
	/* Unreadable: fails closed (only a write open of a three-letter name). */
	if (bpf_probe_read_kernel(name, 3, d->d_name.name))
		return true;
	return name[0] == 'm' && name[1] == 'e' && name[2] == 'm';
}

/* A frame of its own: file_open's stack has no room for another request. */
static __noinline int hb_proc_mem_write(struct file *file, int first, struct hb_policy *pol)
{
	return hb_proc_mem(file) ? hb_memory_road(first, pol, HB_MEMORY_PROC_MEM) : 0;
}

/*
 * Every open: writes to the kernel's own filesystems (sealing), then the
 * filesystem guard's write and read rules.
 */
SEC("lsm.s/file_open")
HB_LSM(hb_file_open, struct file *file, int ret)
{
	__u32 fmode, flags;

	fmode = file->f_mode; /* direct reads: no helper call on every open */
	flags = file->f_flags;
	if (flags & HB_O_TRUNC)
		fmode |= HB_FMODE_WRITE;
	if (flags & HB_O_FMODE_EXEC)
		fmode |= HB_FMODE_EXEC;
	ret = hb_proc_open(file, fmode, first, pol);
	if (ret)
		return ret;
	if (fmode & HB_FMODE_WRITE) {
		ret = hb_kernel_fs_write(file, first, pol);
		if (!ret)
			ret = hb_proc_mem_write(file, first, pol);
		if (!ret && (hb_fs_mode & HB_FS_READONLY))
			ret = hb_fs_open_write(file, first, pol);
		if (ret)
			return ret;
	}
	if ((fmode & HB_FMODE_READ) && (hb_fs_mode & HB_FS_READ_ROOT))
		return hb_fs_open_read(file, fmode & HB_FMODE_EXEC ? HB_FS_OP_EXEC :
				       HB_FS_OP_OPEN, first, pol);
	return 0;
}

/*
 * A change to directory entries in a filesystem that is not a plain data
 * store: bpffs (the pins that keep enforcement alive) for everyone, and
 * for root every kernel interface but procfs and cgroup2 (judged by
 * file_open and inode_permission): binfmt_misc, configfs, tracefs
 * instances, the next kernel's. Data filesystems leave at the first test
 * (direct reads, cheaper than BPF_CORE_READ's helper calls).
 */
static __noinline int hb_path_change(struct dentry *dentry)
{
	__u32 magic = dentry->d_sb->s_magic;
	struct hb_policy *pol = NULL;
	int first;

	if (hb_fs_holds_data(magic) || magic == HB_PROC_SUPER_MAGIC ||
	    magic == HB_CGROUP2_SUPER_MAGIC)
		return 0;
	first = hb_first_level(&pol);
	if (first < 0)
		return 0;
	struct hb_ctx c = { .req.fs_magic = magic };

	c.req.root_writer = hb_root_writer();
	c.path = BPF_CORE_READ(dentry, d_name.name);
	c.path_len = HB_EVENT_PATH_MAX - 1;
	c.path_str = 1;
	return hb_enforce(&c, first, pol, HB_HOOK_PATH);
}

SEC("lsm/path_unlink")
int BPF_PROG(hb_unlink, const struct path *dir, struct dentry *dentry, int ret)
{
	if (ret)
		return ret;
	ret = hb_path_change(dentry);
	return ret ? ret : hb_fs_entry(HB_FS_OP_UNLINK, dir, dentry);
}

SEC("lsm/path_rmdir")
int BPF_PROG(hb_rmdir, const struct path *dir, struct dentry *dentry, int ret)
{
	if (ret)
		return ret;
	ret = hb_path_change(dentry);
	return ret ? ret : hb_fs_entry(HB_FS_OP_RMDIR, dir, dentry);
}

SEC("lsm/path_rename")
int BPF_PROG(hb_rename, const struct path *old_dir, struct dentry *old_dentry,
	     const struct path *new_dir, struct dentry *new_dentry,
	     unsigned int flags, int ret)
{
	if (ret)
		return ret;
	ret = hb_path_change(old_dentry);
	if (!ret)
		ret = hb_path_change(new_dentry);
	return ret ? ret : hb_fs_rename(old_dir, old_dentry, new_dir, new_dentry);
}

/* Creating a file: O_CREAT, mknod, mkfifo, a unix socket's bind(). */
SEC("lsm/path_mknod")
int BPF_PROG(hb_mknod, const struct path *dir, struct dentry *dentry, umode_t mode,
	     unsigned int dev, int ret)
{
	if (ret)
		return ret;
	ret = hb_path_change(dentry);
	return ret ? ret : hb_fs_entry(HB_FS_OP_CREATE, dir, dentry);
}

SEC("lsm/path_mkdir")
int BPF_PROG(hb_mkdir, const struct path *dir, struct dentry *dentry, umode_t mode,
	     int ret)
{
	if (ret)
		return ret;
	ret = hb_path_change(dentry);
	return ret ? ret : hb_fs_entry(HB_FS_OP_MKDIR, dir, dentry);
}

SEC("lsm/path_symlink")
int BPF_PROG(hb_symlink, const struct path *dir, struct dentry *dentry,
	     const char *old_name, int ret)
{
	if (ret)
		return ret;
	ret = hb_path_change(dentry);
	return ret ? ret : hb_fs_entry(HB_FS_OP_SYMLINK, dir, dentry);
}

/* A new name for @old_dentry: its directory, and the file itself, must be writable. */
SEC("lsm/path_link")
int BPF_PROG(hb_link, struct dentry *old_dentry, const struct path *new_dir,
	     struct dentry *new_dentry, int ret)
{
	struct hb_fs_objs o = { .walk = { new_dir->dentry, old_dentry },
				.text = { old_dentry, new_dentry },
				.mnt = { new_dir->mnt, new_dir->mnt } };

	if (ret)
		return ret;
	ret = hb_path_change(new_dentry);
	return ret ? ret : hb_fs_change(HB_FS_OP_LINK, &o);
}

#define HB_ATTR_FORCE (1u << 9)
#define HB_ATTR_KILL_SUID (1u << 11)
#define HB_ATTR_KILL_SGID (1u << 12)
#define HB_ATTR_FILE (1u << 13)
#define HB_ATTR_KILL_PRIV (1u << 14)
#define HB_ATTR_OPEN (1u << 15)

/*
 * chmod, chown, truncate, utimes. Not judged again: truncation through a
 * descriptor (ftruncate, O_TRUNC: judged when it was opened) and the
 * loss of setuid bits that a write to an open file causes.
 */
static __always_inline int hb_setattr(struct dentry *dentry, struct iattr *attr)
{
	unsigned int valid = BPF_CORE_READ(attr, ia_valid);

	if (valid & (HB_ATTR_FILE | HB_ATTR_OPEN))
		return 0;
	if (!(valid & ~(HB_ATTR_FORCE | HB_ATTR_KILL_SUID | HB_ATTR_KILL_SGID |
			HB_ATTR_KILL_PRIV)))
		return 0;
	return hb_fs_attr(HB_FS_OP_SETATTR, dentry);
}

/* Linux 6.3 added the idmap in front; the loader loads the one that fits. */
SEC("lsm/inode_setattr")
int BPF_PROG(hb_setattr_idmap, void *idmap, struct dentry *dentry, struct iattr *attr,
	     int ret)
{
	return ret ? ret : hb_setattr(dentry, attr);
}

SEC("lsm/inode_setattr")
int BPF_PROG(hb_setattr_v61, struct dentry *dentry, struct iattr *attr, int ret)
{
	return ret ? ret : hb_setattr(dentry, attr);
}

SEC("lsm/inode_setxattr")
int BPF_PROG(hb_setxattr, void *idmap, struct dentry *dentry, const char *name,
	     const void *value, size_t size, int flags, int ret)
{
	return ret ? ret : hb_fs_attr(HB_FS_OP_XATTR, dentry);
}

SEC("lsm/inode_removexattr")
int BPF_PROG(hb_removexattr, void *idmap, struct dentry *dentry, const char *name,
	     int ret)
{
	return ret ? ret : hb_fs_attr(HB_FS_OP_XATTR, dentry);
}

/* POSIX ACLs have their own hooks from Linux 6.2 (loaded where they exist). */
SEC("lsm/inode_set_acl")
int BPF_PROG(hb_set_acl, void *idmap, struct dentry *dentry, const char *acl_name,
	     void *kacl, int ret)
{
	return ret ? ret : hb_fs_attr(HB_FS_OP_XATTR, dentry);
}

SEC("lsm/inode_remove_acl")
int BPF_PROG(hb_remove_acl, void *idmap, struct dentry *dentry, const char *acl_name,
	     int ret)
{
	return ret ? ret : hb_fs_attr(HB_FS_OP_XATTR, dentry);
}

/* stat, lstat, fstat, statx: a descriptor of any mode makes fstat fine. */
SEC("lsm/inode_getattr")
HB_LSM(hb_getattr, const struct path *path, int ret)
{
	return hb_fs_access(HB_HOOK_FS_READ, HB_FS_OP_STAT, path->dentry, path->mnt, 0, first, pol);
}

SEC("lsm/inode_readlink")
HB_LSM(hb_readlink, struct dentry *dentry, int ret)
{
	return hb_fs_access(HB_HOOK_FS_READ, HB_FS_OP_READLINK, dentry, NULL, 0, first, pol);
}

#endif /* HB_FS_BPF_H */
