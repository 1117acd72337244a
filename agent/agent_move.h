/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * CONFINE's move of the caller's child into its sandbox (spec/agent-socket.md,
 * "The move"), with the child's pid held for the whole move, so
 * that the pid written to cgroup.procs can name no other process.
 */
#ifndef HB_AGENT_MOVE_H
#define HB_AGENT_MOVE_H

#include <limits.h>
#include <stddef.h>
#include <sys/types.h>
#include <linux/types.h>

/* What the agent checked about the child, to be found unchanged at the move. */
struct hb_child_id {
	pid_t pid;  /* the pid its pidfd named */
	pid_t ppid; /* the caller (SO_PEERCRED) */
	uid_t uid;  /* the caller's, in every uid slot */
	gid_t gid;  /* the caller's */
	__u64 caps; /* what it holds or would keep across exec (tier B refuses any) */
	char cgroup[PATH_MAX]; /* its cgroup2 path, checked free of policies */
};

/*
 * Moves the process behind @pidfd into the cgroup at @dir (its cgroup2
 * path is @rel, "/hermetic-bpf/run-NAME"), if it is still the process
 * @id describes: 0, or -errno with the reason in @text and no other
 * process moved (a child that died during the move may be left there,
 * as a zombie: harmless, it is the caller's own).
 */
int hb_agent_move_child(int pidfd, const struct hb_child_id *id, const char *dir,
			const char *rel, char *text, size_t len);

#endif
