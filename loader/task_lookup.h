/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Looking a path up as another process would: from its root and working
 * directory, with its filesystem credentials, so that root's answer
 * never tells the process about names it could not see itself.
 */
#ifndef HB_TASK_LOOKUP_H
#define HB_TASK_LOOKUP_H

#include <sys/types.h>

/*
 * Whether @path (absolute, or relative to the working directory) exists
 * for process @pid: 0, or the -errno its own lookup would get (-ENOENT,
 * -EACCES, ...). As root, done in a forked helper that takes the
 * process's root, working directory, filesystem uid, gid and groups; safe
 * to call with other threads running. Not root, looked up as ourselves
 * through /proc/PID/root or cwd. Returns another -errno if the lookup
 * cannot be made as the process would make it (-ESRCH: it is gone).
 */
int hb_task_lookup(pid_t pid, const char *path);

/* Whose view to fall back on when the process is gone. */
struct hb_lookup_ids {
	uid_t uid;
	gid_t gid;
	int ngroups;
	const gid_t *groups;
};

/*
 * Whether a unix socket is at @path for process @pid, looked up as for
 * hb_task_lookup(): 0, -ENOTSOCK (something else is there), or the
 * -errno of the lookup (-ENOENT, -ENOTDIR: nothing; -EACCES: the process
 * cannot tell). -ESRCH if @pid is gone (or 0); then, if @ids is given and @path
 * is absolute, looked up from our root with @ids instead.
 */
int hb_task_find_socket(pid_t pid, const char *path, const struct hb_lookup_ids *ids);

#endif
