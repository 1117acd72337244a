/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the kernel says about a process the agent is asked to confine:
 * read from its pidfd and /proc, never from what the client claims.
 */
#ifndef HB_AGENT_PROC_H
#define HB_AGENT_PROC_H

#include <stddef.h>
#include <sys/types.h>
#include <linux/types.h>

/*
 * 0 while the process behind @pidfd has not been reaped (a zombie
 * counts: its pid is not free yet); -ESRCH once it has; -EBADF (or
 * -EINVAL) for no pidfd.
 */
int hb_pidfd_alive(int pidfd);

/* The pid a pidfd names in our pid namespace, from its fdinfo; 0 if none. */
pid_t hb_pidfd_pid(int pidfd);

/*
 * @pid's parent, its real, effective, saved and filesystem uids, and the
 * capabilities it holds or would keep across exec (permitted, effective,
 * ambient, OR'd). 0 or -errno.
 */
int hb_proc_status(pid_t pid, pid_t *ppid, uid_t uids[4], __u64 *caps);

/* @pid's cgroup2 path ("/a/b"), from /proc/PID/cgroup. 0 or -errno. */
int hb_proc_cgroup(pid_t pid, char *out, size_t len);

#endif
