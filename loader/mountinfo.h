/* SPDX-License-Identifier: GPL-2.0-only */
/* Reading mounts from /proc/self/mountinfo. */
#ifndef HB_MOUNTINFO_H
#define HB_MOUNTINFO_H

#include <limits.h>
#include <stdio.h>

struct hb_mount {
	char root[PATH_MAX];   /* the mounted subtree of the filesystem */
	char target[PATH_MAX]; /* where it is mounted */
	char fstype[64];       /* its filesystem's type ("ext4"), cut to fit */
};

/*
 * Finds a mount of @fstype in mountinfo text read from @f. A mount of the
 * whole filesystem (root "/") is preferred over a bind mount of a subtree.
 * Returns 0, -ENOENT if there is none, -EINVAL on a malformed line.
 */
int hb_mountinfo_find(FILE *f, const char *fstype, struct hb_mount *out);

/*
 * Calls @fn for every mount in mountinfo text read from @f, in order, until
 * it returns non-zero. Returns 0, what @fn returned, or -EINVAL on a
 * malformed line.
 */
int hb_mountinfo_each(FILE *f, int (*fn)(const struct hb_mount *m, void *ctx),
		      void *ctx);

/*
 * hb_mountinfo_find over /proc/self/mountinfo, whose text is kept until
 * the mount table changes (one descriptor, close-on-exec, stays open to
 * tell).
 */
int hb_mount_find(const char *fstype, struct hb_mount *out);

#endif
