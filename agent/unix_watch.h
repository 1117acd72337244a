/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The agent's allow-unix sockets, watched by name (spec/agent.md,
 * "Unix sockets"): tier A matches a socket by inode, and a daemon that
 * makes its socket again (journald, the service manager) gets a new one.
 * An inotify watch on each socket's directory says when a watched name
 * is created or moved into place; the agent then writes the policies
 * that name it again, which looks the socket up afresh.
 */
#ifndef HB_UNIX_WATCH_H
#define HB_UNIX_WATCH_H

#include <stdbool.h>
#include "policy_dir.h"

/* Sockets one agent watches at most; more are looked up on reload only. */
#define HB_UNIX_WATCH_MAX 64

struct hb_unix_watch {
	int fd; /* inotify, non-blocking; -1: nothing watched */
	size_t n;
	struct {
		int wd;
		char name[256]; /* the socket's last path component */
	} v[HB_UNIX_WATCH_MAX];
};

/* Opens @w's inotify descriptor, once (its epoll registration stays). 0 or -errno, logged. */
int hb_unix_watch_open(struct hb_unix_watch *w);

/*
 * Watches the allow-unix sockets of @set (as given, and with symlinks
 * resolved: /dev/log is /run/systemd/journal/dev-log), replacing what
 * @w watched. Returns 0 or -errno, logged (then nothing is watched).
 */
int hb_unix_watch_set(struct hb_unix_watch *w, const struct hb_policy_set *set);

/* Reads what is pending: whether a watched name was created or moved there. */
bool hb_unix_watch_changed(struct hb_unix_watch *w);

void hb_unix_watch_close(struct hb_unix_watch *w);

#endif
