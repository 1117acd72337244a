/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * `run --audit`'s filesystem guard in tier B (spec/audit.md): Landlock can
 * only deny, so an audited sandbox gets no Landlock file rights; fanotify
 * reports every change (and, with a read root, every open) on the host's
 * filesystems, and this module keeps the sandbox's: the process that made
 * it is in the sandbox's cgroup, and the filesystem guard's own decision
 * (hb_fs_write_reason, hb_fs_read_reason) over the rules found walking up
 * from the file says it would have been denied. Each such is an event
 * with the fields tier A's hook gives, verdict "audited".
 */
#ifndef HB_FS_AUDIT_H
#define HB_FS_AUDIT_H

#include <stdbool.h>
#include <limits.h>
#include <sys/types.h>
#include "fs_rule.h"
#include "hermetic_abi.h"
#include "proc_watch.h"

#define HB_FS_AUDIT_MAX_FS 64

struct hb_fs_audit_fs {
	int fd;              /* the mount's root (for open_by_handle_at) */
	__u32 fsid[2];       /* what its events name it by */
};

struct hb_fs_audit {
	int fd;                           /* the fanotify group, or -1 */
	struct hb_policy policy;          /* the guard's (p->fs), for its decisions */
	const struct hb_fs_rules *rules;  /* --allow-write, the read root, --allow-read */
	struct hb_fs_audit_fs fs[HB_FS_AUDIT_MAX_FS];
	unsigned int n_fs;
	char unwatched[512];              /* filesystem types no mark could be set on */
	struct hb_proc_watch procs;       /* the sandbox's processes, by fork */
	__u64 sandbox_id;
	uid_t uid;                        /* the command's user */
	char cgroup[PATH_MAX];            /* the sandbox's, as /proc/PID/cgroup says it */
	__u64 gone;                       /* events whose process had been reaped
					   * (without procs: not known whose) */
	__u64 overflows;                  /* the queue overflowed (not expected: unlimited) */
	char last[HB_EVENT_PATH_MAX + 8]; /* the last event reported, to drop repeats */
};

/*
 * Sets up @fa for @p (fs: HB_FS_READONLY, HB_FS_READ_ROOT) and @rules:
 * one fanotify group, a filesystem mark on every mounted filesystem that
 * can take one; the process events, if the kernel gives them (else an
 * event is the sandbox's only if its process is still there to say so). Returns 0, or -errno after saying why (no CAP_SYS_ADMIN,
 * a kernel without FAN_REPORT_DFID_NAME, no filesystem watched).
 */
int hb_fs_audit_open(struct hb_fs_audit *fa, const struct hb_policy *p,
		     const struct hb_fs_rules *rules);

/* The sandbox whose processes are watched: its id and cgroup path ("/x/y"). */
void hb_fs_audit_sandbox(struct hb_fs_audit *fa, __u64 id, const char *cgroup);

/*
 * Its first process, from which the others are followed, and its user:
 * every process of a tier B sandbox keeps it (no_new_privs, and no root
 * command), so an event of a process already gone is given it.
 */
void hb_fs_audit_command(struct hb_fs_audit *fa, pid_t pid, uid_t uid);

/*
 * Reads what is queued (fanotify's and the process events', @fa->fd and
 * @fa->procs.fd), calling @fn with each audited event of the sandbox.
 * Returns 0 or -errno.
 */
int hb_fs_audit_read(struct hb_fs_audit *fa, int (*fn)(void *ctx, const struct hb_event *ev),
		     void *ctx);

void hb_fs_audit_close(struct hb_fs_audit *fa);

#endif
