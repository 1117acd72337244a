/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The processes of one sandbox, followed by the kernel's process events
 * (the proc connector: fork and exit), so that an fanotify event can be
 * told the sandbox's even when its process was reaped before the event
 * was read (loader/fs_audit.c). Its first process is added by hand; a
 * fork by a member makes a member. A pid leaves the set only once every
 * event queued before its exit has been read (hb_proc_watch_forget),
 * so a reused pid is never taken for the sandbox's.
 */
#ifndef HB_PROC_WATCH_H
#define HB_PROC_WATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <linux/types.h>

struct hb_proc_watch {
	int fd;               /* the connector socket, or -1 */
	__u8 *member, *exited; /* bitmaps over pid_max */
	size_t max;           /* pid_max */
	pid_t *dead;          /* members whose exit was seen */
	size_t n_dead, cap_dead;
	__u64 lost;           /* the socket overflowed: members may be missing */
};

/* Listens for fork and exit events (needs CAP_NET_ADMIN). 0 or -errno. */
int hb_proc_watch_open(struct hb_proc_watch *w);

/* @pid is a member (the sandbox's first process). */
void hb_proc_watch_add(struct hb_proc_watch *w, pid_t pid);

/* Reads the events queued: forks by members add members, exits are noted. */
void hb_proc_watch_drain(struct hb_proc_watch *w);

bool hb_proc_watch_has(const struct hb_proc_watch *w, pid_t pid);

/* Members whose exit was noted leave (call when their events are all read). */
void hb_proc_watch_forget(struct hb_proc_watch *w);

void hb_proc_watch_close(struct hb_proc_watch *w);

#endif
