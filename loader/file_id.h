/* SPDX-License-Identifier: GPL-2.0-only */
/* A file's identity as the BPF side sees it: inode and the kernel's dev_t. */
#ifndef HB_FILE_ID_H
#define HB_FILE_ID_H

#include <sys/types.h>
#include <linux/types.h>

struct hb_file_id {
	__u64 ino;
	__u32 dev;   /* MKDEV(major, minor): what a superblock's s_dev holds */
	mode_t mode;
};

/* The kernel's encoding of a user-space dev_t (st_dev). */
__u32 hb_file_dev(dev_t dev);

/* stat()s @path (following symlinks). Returns 0 or -errno; says nothing. */
int hb_file_id_stat(const char *path, struct hb_file_id *id);

/* The same for @path itself, a symlink's own identity if it is one. */
int hb_file_id_lstat(const char *path, struct hb_file_id *id);

/*
 * stat()s @path (following symlinks) for --@flag. Returns 0, or -errno
 * after saying "--FLAG PATH: why".
 */
int hb_file_id(const char *flag, const char *path, struct hb_file_id *id);

#endif
