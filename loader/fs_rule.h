/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Filesystem rules by identity: what goes into the map hb_fs_subtrees for
 * --allow-write, --fs-readonly=ROOT, --allow-read and the runtime list
 * (spec/fs.md, "Path identity").
 */
#ifndef HB_FS_RULE_H
#define HB_FS_RULE_H

#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>

struct hb_fs_entry {
	__u64 ino;
	__u32 dev;    /* kernel encoding MKDEV: major << 20 | minor, like loader/file_id.c */
	__u32 flags;  /* HB_FS_RULE_* */
};

/* A set of entries, at most one per (dev, ino). Zero-initialise before use. */
struct hb_fs_rules {
	struct hb_fs_entry *v;
	size_t n, cap;
};

/*
 * Adds the file or directory @path with @flags, for flag --@flag (used in
 * messages, e.g. "allow-write"). Also adds, with the same flags, every mount
 * whose mount point lies strictly below @path's canonical path (realpath),
 * read from /proc/self/mountinfo, by the identity of the mounted root
 * (stat of the mount point; a mount point that cannot be stat-ed is left
 * out: what is below it stays denied). When @flags has HB_FS_RULE_READ, every
 * ancestor directory of the canonical path ("/" included, @path itself
 * excluded) gets HB_FS_RULE_STAT. Entries with the same (dev, ino) are
 * merged (flags OR-ed), never duplicated. Returns 0, or -errno after
 * logging with hb_log() "--FLAG PATH: <strerror>" (e.g. "--allow-write /nope:
 * No such file or directory"). On error @r is left as it was before the call.
 * More than HB_MAX_FS_RULES entries in total: -E2BIG with a clear message.
 */
int hb_fs_rules_add(struct hb_fs_rules *r, const char *flag, const char *path, __u32 flags);

/* Like hb_fs_rules_add, but a path that does not exist (ENOENT/ENOTDIR) is skipped silently (returns 0). */
int hb_fs_rules_add_optional(struct hb_fs_rules *r, const char *flag, const char *path, __u32 flags);

/*
 * hb_fs_rules_add with the mounts read from @mountinfo (mountinfo text,
 * read from where it is) instead of /proc/self/mountinfo: for tests.
 * @optional as in hb_fs_rules_add_optional.
 */
int hb_fs_rules_add_from(struct hb_fs_rules *r, FILE *mountinfo, const char *flag,
			 const char *path, __u32 flags, int optional);

/*
 * The symlinks met following @path's last component, each by its own
 * identity, readable: a program may readlink() or lstat() the name it was
 * started by (CPython does, to find its prefix). Missing paths add nothing.
 */
int hb_fs_rules_add_links(struct hb_fs_rules *r, const char *path);

/* The entry for (@dev, @ino), or NULL. */
const struct hb_fs_entry *hb_fs_rules_find(const struct hb_fs_rules *r, __u32 dev,
					   __u64 ino);

void hb_fs_rules_free(struct hb_fs_rules *r);

#endif
