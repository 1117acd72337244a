/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Tier A's --no-subprocess and --block-native: execve and the files it
 * runs, the seal's setuid check, executable memory and the roads into it.
 * A part of hermetic.bpf.c: one object, one set of maps (see there).
 */
#ifndef HB_EXEC_BPF_H
#define HB_EXEC_BPF_H

#include "enforce.bpf.h"

#define HB_S_IWGRP 0020
#define HB_S_IWOTH 0002
#define HB_S_IROTH 0004
#define HB_VM_WRITE 0x2
#define HB_VM_EXEC 0x4

/*
 * Trusted for --block-native: a regular file owned by root, writable by
 * nobody else and readable by everyone, in a directory owned by root and
 * writable by nobody else. Nobody but root can have written it or put it
 * there (a root command has no such limit: spec/exec.md says so); and
 * root's files that a user reads only through a group or an ACL (logs,
 * the journal, core dumps, the locate database) hold what users wrote
 * into them, not code root installed, which is world-readable.
 */
static __always_inline int hb_file_trusted(struct file *file, struct inode *inode)
{
	struct inode *dinode = file->f_path.dentry->d_parent->d_inode;
	umode_t mode = inode->i_mode, dmode;

	if (!dinode)
		return 0;
	dmode = dinode->i_mode;
	return (mode & HB_S_IFMT) == HB_S_IFREG && inode->i_uid.val == 0 &&
	       dinode->i_uid.val == 0 &&
	       !(mode & (HB_S_IWGRP | HB_S_IWOTH)) && (mode & HB_S_IROTH) &&
	       !(dmode & (HB_S_IWGRP | HB_S_IWOTH));
}

/*
 * The file's identity for --allow-exec, and the facts --block-native
 * needs. @file is never NULL here (an exec's, or a mapping's after
 * hb_arg_null()), nor its inode: direct reads, no helper calls, on every
 * executable mapping in a sandbox. Whether it is the task's own exe
 * matters only for a file not trusted (hb_native_reason), and is read
 * only then, with the checked reads: the exe may be missing.
 */
static __always_inline void hb_read_file(struct hb_ctx *c, struct file *file)
{
	struct inode *inode = file->f_inode, *exe;

	if (!inode) {
		c->req.unreadable = 1;
		return;
	}
	c->file_ino = inode->i_ino;
	c->file_dev = inode->i_sb->s_dev;
	if (!c->file_ino)
		c->req.unreadable = 1;
	c->req.trusted = hb_file_trusted(file, inode);
	if (c->req.trusted)
		return;
	exe = BPF_CORE_READ(bpf_get_current_task_btf(), mm, exe_file, f_inode);
	c->req.own_exe = exe && exe == inode;
}

/* execve(): once per call, with the file it opened first. */
SEC("lsm/bprm_creds_for_exec")
HB_LSM(hb_exec, struct linux_binprm *bprm, int ret)
{
	const char *name;

	struct hb_ctx c = {};
	hb_read_file(&c, bprm->file);
	/* The name it was asked for (execve's path): what the user recognises. */
	name = BPF_CORE_READ(bprm, filename);
	c.path = name;
	c.path_len = HB_EVENT_PATH_MAX - 1;
	c.path_str = 1;
	return hb_enforce(&c, first, pol, HB_HOOK_EXEC);
}

/* Each file an execve() runs: the program, a script's interpreter, ... */
SEC("lsm/bprm_check_security")
HB_LSM(hb_exec_file, struct linux_binprm *bprm, int ret)
{
	__u32 *flag;

	struct hb_ctx c = {};
	flag = bpf_task_storage_get(&hb_first_exec, bpf_get_current_task_btf(), 0, 0);
	c.req.first_exec = flag && *flag;
	hb_read_file(&c, bprm->file);
	c.path = BPF_CORE_READ(bprm, interp);
	c.path_len = HB_EVENT_PATH_MAX - 1;
	c.path_str = 1;
	return hb_enforce(&c, first, pol, HB_HOOK_EXEC_FILE);
}

/*
 * The credentials an exec computed (setuid and setgid bits, file
 * capabilities; commoncap ran before): more than the task has is denied,
 * as no_new_privs would ignore it. Root's changes are not gains.
 */
SEC("lsm/bprm_creds_from_file")
HB_LSM(hb_setid, struct linux_binprm *bprm, struct file *file, int ret)
{
	const struct cred *old, *new;
	__u64 old_caps = 0, new_caps = 0;
	__u32 euid;

	struct task_struct *task = bpf_get_current_task_btf();
	struct hb_ctx c = {};
	old = BPF_CORE_READ(task, cred);
	new = BPF_CORE_READ(bprm, cred);
	euid = BPF_CORE_READ(old, euid.val);
	/* 64 bits of capabilities, as u32[2] (6.1) or u64 (6.3+) */
	bpf_core_read(&old_caps, sizeof(old_caps), &old->cap_permitted);
	bpf_core_read(&new_caps, sizeof(new_caps), &new->cap_permitted);
	c.req.gains = euid != 0 &&
		      (BPF_CORE_READ(new, euid.val) != euid ||
		       BPF_CORE_READ(new, egid.val) != BPF_CORE_READ(old, egid.val) ||
		       (new_caps & ~old_caps));
	if (!c.req.gains)
		return 0;
	c.path = BPF_CORE_READ(bprm, filename);
	c.path_len = HB_EVENT_PATH_MAX - 1;
	c.path_str = 1;
	return hb_enforce(&c, first, pol, HB_HOOK_SETID);
}

/*
 * Whether a hook's pointer argument is NULL, asked so that the verifier
 * cannot answer: from 6.2 it takes every one as trusted, never NULL, and
 * drops a plain test, though mmap_file's file is NULL for anonymous
 * memory (which 6.12 then judged as a file it could not read).
 */
static __always_inline bool hb_arg_null(const void *arg)
{
	__u64 v = 0;

	bpf_probe_read_kernel(&v, sizeof(v), &arg);
	return !v;
}

/*
 * Executable mappings: of a file, or anonymous (file is NULL). Not
 * executable (@prot) is the common case, and never denied.
 */
SEC("lsm.s/mmap_file")
HB_LSM_IF(hb_mmap, prot & HB_PROT_EXEC, struct file *file, unsigned long reqprot,
	  unsigned long prot, unsigned long flags, int ret)
{
	struct hb_ctx c = { .req.prot = prot, .arg = prot };
	c.req.anon = hb_arg_null(file);
	if (!c.req.anon)
		hb_read_file(&c, file);
	return hb_enforce_file(&c, first, pol, HB_HOOK_MMAP, c.req.anon ? NULL : file);
}

/*
 * Making a mapping executable (or executable and writable) later. Not a
 * sleepable hook: the event names the file's last component only.
 */
SEC("lsm/file_mprotect")
HB_LSM_IF(hb_mprotect, prot & HB_PROT_EXEC, struct vm_area_struct *vma,
	  unsigned long reqprot, unsigned long prot, int ret)
{
	unsigned long vm_flags;
	struct file *file;
	struct hb_ctx c = { .req.prot = prot, .arg = prot };
	vm_flags = BPF_CORE_READ(vma, vm_flags);
	file = vma->vm_file; /* a pointer the verifier knows, for hb_read_file */
	c.req.was_exec = !!(vm_flags & HB_VM_EXEC);
	/* Private pages already written (copy-on-write): code put there. */
	c.req.modified = !!(vm_flags & HB_VM_WRITE) || BPF_CORE_READ(vma, anon_vma);
	if (!hb_arg_null(file)) {
		hb_read_file(&c, file);
		c.path = BPF_CORE_READ(file, f_path.dentry, d_name.name);
		c.path_len = HB_EVENT_PATH_MAX - 1;
		c.path_str = 1;
	} else {
		c.req.anon = 1;
	}
	return hb_enforce(&c, first, pol, HB_HOOK_MPROTECT);
}

/*
 * Roads into memory that no mapping call announces (--block-native): a
 * userfaultfd fills faulting pages with chosen bytes (UFFDIO_COPY into
 * a private read+exec mapping of a trusted file), /proc/PID/mem and a
 * tracer write through page protections (FOLL_FORCE). Ptrace attach is
 * judged by hb_ptrace; PTRACE_TRACEME, which asks no access check of the
 * tracer, here.
 */
static __always_inline int hb_memory_road(int first, struct hb_policy *pol, __u32 road)
{
	struct hb_ctx c = { .arg = road };

	return hb_enforce(&c, first, pol, HB_HOOK_MEMORY);
}

/* userfaultfd(2) and /dev/userfaultfd name the new inode so. */
static const char hb_uffd_name[] = "[userfaultfd]";

/* The name's length read directly: every anonymous inode made comes here. */
SEC("lsm/inode_init_security_anon")
HB_LSM_IF(hb_anon_inode, name->len == sizeof(hb_uffd_name) - 1, struct inode *inode,
	  const struct qstr *name, const struct inode *context_inode, int ret)
{
	char buf[sizeof(hb_uffd_name)] = {};
	/* Unreadable: judged as a userfaultfd (its length already matches). */
	if (!bpf_probe_read_kernel(buf, sizeof(buf) - 1, BPF_CORE_READ(name, name)))
		for (int i = 0; i < (int)sizeof(buf) - 1; i++)
			if (buf[i] != hb_uffd_name[i])
				return 0;
	return hb_memory_road(first, pol, HB_MEMORY_USERFAULTFD);
}

SEC("lsm/ptrace_traceme")
HB_LSM(hb_traceme, struct task_struct *parent, int ret)
{
	return hb_memory_road(first, pol, HB_MEMORY_TRACEME);
}

#endif /* HB_EXEC_BPF_H */
