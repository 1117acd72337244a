/* SPDX-License-Identifier: GPL-2.0-only */
/* Sandbox cgroups: <cgroup2 root>/hermetic-bpf/<name>, one per sandbox. */
#ifndef HB_CGROUP_H
#define HB_CGROUP_H

#include <limits.h>
#include <linux/types.h>
#include <stddef.h>

/* The tag: every sandbox cgroup lives in this directory of the root. */
#define HB_CGROUP_PARENT "hermetic-bpf"

struct hb_cgroup {
	char path[PATH_MAX];
	char name[64];
	int fd;             /* the directory, flock()ed while we own it */
	__u64 id;           /* what bpf_get_current_cgroup_id() returns */
	unsigned int level; /* 0 is the hierarchy root */
};

/*
 * Mount point of the cgroup2 hierarchy's root (found in mountinfo, never
 * assumed). A mount of a subtree (a container's cgroup namespace) is
 * refused: levels and ids would not be those the kernel uses.
 */
int hb_cgroup_root(char *out, size_t len);

/*
 * A cgroup as users name it, into its path below the cgroup2 root: the
 * full path under the mount ("/sys/fs/cgroup/system.slice/x.service")
 * loses the mount's part, unless a cgroup of that name exists below the
 * root; anything else is left as it is, for the caller to judge.
 */
const char *hb_cgroup_below_root(const char *name, char *buf, size_t len);

/*
 * Creates a new sandbox cgroup under @root and locks it, so that a
 * concurrent gc knows it is in use. @cg->fd is what clone3() needs.
 */
int hb_cgroup_create(const char *root, struct hb_cgroup *cg);

/* 1 if processes live in @path or below, 0 if not, or -errno. */
int hb_cgroup_populated(const char *path);

/* SIGKILLs every process in @path and below, and waits until it is empty. */
int hb_cgroup_kill(const char *path);

/* Removes @path and any cgroups the sandbox made below it. */
int hb_cgroup_remove(const char *path);

/* Drops the lock and descriptor (the cgroup itself stays). */
void hb_cgroup_close(struct hb_cgroup *cg);

#endif
